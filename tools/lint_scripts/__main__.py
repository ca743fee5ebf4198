"""``make lint-scripts``: check the reply scripts (tools/lint_scripts/checks.py says what)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Iterable

from tools.lint_scripts.checks import lint_corpus
from tools.lint_scripts.findings import ERROR

ROOT = Path(__file__).resolve().parents[2]


def _shown(path: str | Path) -> str:
    """A path as a trainer should see it: relative to where the command runs."""
    path = Path(path)
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:
        return str(path)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.lint_scripts",
        description="Check the reply scripts: placeholders, tone, unused and missing scripts.",
    )
    parser.add_argument("--scripts", type=Path, default=ROOT / "scripts_zh", help="the script folder")
    parser.add_argument("--domain", type=Path, default=ROOT / "domain.yml", help="domain file or folder")
    parser.add_argument("--actions", type=Path, default=ROOT / "actions", help="the custom actions")
    parser.add_argument("--gateway", type=Path, default=ROOT / "bot", help="the gateway's code")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="rules and stories")
    args = parser.parse_args(list(argv) if argv is not None else None)

    problems, corpus = lint_corpus(args.scripts, args.domain, args.actions, args.gateway, args.data)
    for problem in problems:
        print(problem.describe(_shown(problem.file)))
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    name = _shown(args.scripts)
    count = f"{len(corpus.scripts)} script{'s' if len(corpus.scripts) != 1 else ''}"
    warned = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    if errors:
        print(f"{name}: {count}, {errors} problem{'s' if errors != 1 else ''} to fix{warned}")
        return 1
    print(f"{name}: {count}, no problems{warned}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
