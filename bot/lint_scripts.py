"""Check the reply-script corpus (scripts_zh/) before it ships: ``make lint-scripts``.

Trainers read the output, so every problem is one line: the file, the script id, the
variant number, and what is wrong in plain words. Errors (exit status 1):

- a file that does not load (the gateway would keep serving its last good version);
- the same script id defined twice (in two files, or twice in one file);
- a ``{placeholder}`` that nothing fills in: not a slot of the domain, not a shop-wide
  value, and not passed by every place that sends the script;
- a banned phrase (the shop's tone rules, seed 001), see ``BANNED_PHRASES``;
- 亲 in more than half of a script's variants (not 亲 in every line);
- a script nothing sends: not listed under the domain's ``actions:``, not sent by an
  action, not asked by a form, not named by a rule or story, not rendered by the gateway;
- a reply the domain, an action, the gateway or a rule names that no script defines.

Warnings (printed, not failing): two identical variants in one script, a script file the
gateway does not read (it only reads ``*.yml``).

Who sends a script, and with which values, is read from the code without running it
(``ast``): ``dispatcher.utter_message(response="utter_x", size=..., **{"colour": ...})``
and any helper called with a literal ``response="utter_x"`` keyword; the gateway's
``.render("utter_x", {...})`` calls; any other ``"utter_x"`` string literal in actions/
or bot/ counts as a use whose values cannot be told (so its placeholders are trusted).
Code that renders a script with values the scan cannot see can declare them with a
comment in the same file::

    # script-values: utter_payment_reminder: minutes, item

Only PyYAML and the standard library are used, so this runs in the gateway's env.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from bot.scripts import Script, ScriptError, parse_script_file, placeholders

# --- The shop's tone rules (seed 001). Extend the lists here. -------------------------

# Phrases a reply must never contain: they brush the buyer off.
BANNED_PHRASES = (
    "不知道",
    "没办法",
    "你自己看",
    "这不是我们的问题",
    "不清楚",
    "不归我们管",
    "随便你",
    "爱买不买",
)
# Longer words that contain a banned phrase but mean something harmless.
HARMLESS_WORDS = ("看不清楚", "听不清楚")

# 亲 as a form of address is fine now and then, not in most variants of a script.
ADDRESS = "亲"
# Words with 亲 in them that are not the address (亲肤 is a fabric word).
NOT_AN_ADDRESS = (
    "亲肤", "亲子", "亲自", "亲手", "亲身", "亲眼", "亲测", "亲友", "亲戚", "亲人",
    "亲切", "亲近", "亲和", "亲密", "亲民", "亲情", "亲属", "父亲", "母亲", "双亲",
    "相亲", "探亲",
)

# --- What fills placeholders, and who sends scripts. -----------------------------------

# Shop-wide values the gateway passes to every script (bot/app.py, NlgRenderer). Keys
# of a dict literal given to NlgRenderer(...) in bot/ are added to these.
SHOP_VALUES = ("shop_name",)
# Responses Rasa's own default actions send (action_default_fallback, ..._ask_rephrase).
RASA_DEFAULT_RESPONSES = ("utter_default", "utter_ask_rephrase")
# Keyword parameters of utter_message that are not placeholder values.
UTTER_MESSAGE_PARAMS = frozenset(
    {"text", "image", "json_message", "template", "response", "attachment", "buttons", "elements"}
)

RESPONSE_ID = re.compile(r"utter_[a-z0-9_]*[a-z0-9]\Z")
MARKER = re.compile(r"#\s*script-values:\s*(utter_[a-z0-9_]*[a-z0-9])\s*:?\s*([a-z0-9_,\s]*)")

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    script_id: str | None
    variant: int | None  # 1-based, as trainers count; None when it is the whole script
    message: str
    severity: str = ERROR

    def describe(self, file: str | None = None) -> str:
        where = file if file is not None else self.file
        if self.script_id:
            where += f": {self.script_id}"
            if self.variant is not None:
                where += f", variant {self.variant}"
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Use:
    """One place that sends a script, and the values it passes (None: cannot tell)."""

    where: str
    supplies: frozenset[str] | None


@dataclass(frozen=True)
class Reference:
    """A place that names a reply which must therefore exist."""

    file: str
    script_id: str
    how: str  # completes "… but no script defines it", e.g. "sent by this action (line 4)"


@dataclass
class Corpus:
    scripts: dict[str, Script] = field(default_factory=dict)  # first definition wins, as in the gateway
    paths: dict[str, str] = field(default_factory=dict)  # script id -> file it is defined in
    order: list[str] = field(default_factory=list)
    also_defined: set[str] = field(default_factory=set)  # ids in files that did not load
    unreadable: list[str] = field(default_factory=list)  # files whose ids cannot be told


@dataclass
class Findings:
    """Everything the domain, the code and the stories say about scripts."""

    slots: set[str] = field(default_factory=set)
    shop_values: set[str] = field(default_factory=lambda: set(SHOP_VALUES))
    listed: set[str] = field(default_factory=set)  # utter_* under the domain's actions:
    uses: dict[str, list[Use]] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)  # f"utter_ask_{slot}": any script starting so
    references: list[Reference] = field(default_factory=list)

    def use(self, script_id: str, where: str, supplies: frozenset[str] | None) -> None:
        self.uses.setdefault(script_id, []).append(Use(where, supplies))


def lint(
    scripts_dir: str | Path,
    domain_path: str | Path,
    actions_dir: str | Path,
    gateway_dir: str | Path,
    data_dir: str | Path | None = None,
) -> list[Problem]:
    """Every problem of the corpus in scripts_dir; data_dir (rules, stories) is optional."""
    return _lint(scripts_dir, domain_path, actions_dir, gateway_dir, data_dir)[0]


def _lint(scripts_dir, domain_path, actions_dir, gateway_dir, data_dir=None) -> tuple[list[Problem], Corpus]:
    problems: list[Problem] = []
    scripts_dir = Path(scripts_dir)
    corpus = _load_scripts(scripts_dir, problems)
    findings = Findings()
    _read_domain(Path(domain_path), findings, problems)
    actions = _python_files(Path(actions_dir))
    gateway = [p for p in _python_files(Path(gateway_dir)) if p.resolve() != Path(__file__).resolve()]
    # the project's own modules the actions import (xiaoer/...) may hold script tables
    helpers = _imported_modules(actions, Path(actions_dir).resolve().parent, skip=actions + gateway)
    for path in actions + helpers:
        _scan_python(path, "action", findings, problems)
    for path in gateway:
        _scan_python(path, "gateway", findings, problems)
    if data_dir is not None:
        _read_stories(Path(data_dir), findings, problems)

    for script_id in corpus.order:
        script, file = corpus.scripts[script_id], corpus.paths[script_id]
        problems += _check_tone(file, script)
        problems += _check_placeholders(file, script, findings)
        if not _is_used(script_id, findings):
            problems.append(Problem(
                file, script_id, None,
                "nothing sends this script: it is not listed under actions: in the domain, and no "
                "action, form, rule or gateway code uses it (remove it, or ask a developer to wire it up)",
            ))

    defined = set(corpus.scripts) | corpus.also_defined
    unless = (
        f"; it may be in {_join(corpus.unreadable, 'or')}, which does not load" if corpus.unreadable else ""
    )
    seen = set()
    for ref in findings.references:
        if ref.script_id not in defined and (ref.file, ref.script_id) not in seen:
            seen.add((ref.file, ref.script_id))
            problems.append(Problem(
                ref.file, ref.script_id, None,
                f"{ref.how}, but no script in {scripts_dir.name}/ defines it (add it there){unless}",
            ))
    problems.sort(key=lambda p: p.file)  # stable: each file's problems stay in script order
    return problems, corpus


# --- The scripts -------------------------------------------------------------------------


def _load_scripts(folder: Path, problems: list[Problem]) -> Corpus:
    corpus = Corpus()
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, "the scripts folder does not exist"))
        return corpus
    for path in sorted(folder.glob("*.yaml")):
        problems.append(Problem(
            str(path), None, None,
            "the bot does not read this file: script files must end in .yml", WARNING,
        ))
    for path in sorted(folder.glob("*.yml")):  # the order the gateway loads them in
        file = str(path)
        try:
            scripts = parse_script_file(path)
        except ScriptError as exc:
            message = str(exc).removeprefix(path.name).lstrip(": ")
            problems.append(Problem(file, None, None, f"the file does not load: {message}"))
            ids = _ids_in_broken_file(path)
            if ids is None:
                corpus.unreadable.append(path.name)
            else:
                corpus.also_defined |= ids
            continue
        problems += _duplicates_within(path)
        for script_id, script in scripts.items():
            if script_id in corpus.scripts:
                first = Path(corpus.paths[script_id]).name
                problems.append(Problem(
                    file, script_id, None,
                    f"also defined in {first}; the bot uses the one in {first}, so keep only one",
                ))
                continue
            corpus.scripts[script_id] = script
            corpus.paths[script_id] = file
            corpus.order.append(script_id)
    return corpus


def _ids_in_broken_file(path: Path) -> set[str] | None:
    """The script ids of a file whose YAML reads but whose scripts do not; None: unknown."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:
        return None
    return {key for key in data if isinstance(key, str)} if isinstance(data, dict) else None


def _duplicates_within(path: Path) -> list[Problem]:
    """YAML keeps the last of two equal keys without a word; a trainer should hear of it."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except Exception:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    first_line: dict[str, int] = {}
    problems = []
    for key, _ in node.value:
        line = key.start_mark.line + 1
        if key.value in first_line:
            problems.append(Problem(
                str(path), key.value, None,
                f"defined twice in this file (lines {first_line[key.value]} and {line}); "
                "only the last one is used, so keep only one",
            ))
        else:
            first_line[key.value] = line
    return problems


def _check_tone(file: str, script: Script) -> list[Problem]:
    problems = []
    for number, text in enumerate(script.variants, 1):
        for phrase in banned_phrases_in(text):
            problems.append(Problem(
                file, script.id, number,
                f"says “{phrase}”, which the shop's tone rules ban; please reword it",
            ))
    with_address = [n for n, text in enumerate(script.variants, 1) if uses_address(text)]
    if len(with_address) * 2 > len(script.variants):
        numbers = ", ".join(map(str, with_address))
        problems.append(Problem(
            file, script.id, None,
            f"{ADDRESS} is in {len(with_address)} of {len(script.variants)} variants ({numbers}); "
            f"use it in half of them or fewer (tone rule: not {ADDRESS} in every line)",
        ))
    seen: dict[str, int] = {}
    for number, text in enumerate(script.variants, 1):
        key = " ".join(text.split())
        if key in seen:
            problems.append(Problem(
                file, script.id, number,
                f"same text as variant {seen[key]}; reword it so the reply does not repeat word for word",
                WARNING,
            ))
        else:
            seen[key] = number
    return problems


def banned_phrases_in(text: str) -> list[str]:
    for word in HARMLESS_WORDS:
        text = text.replace(word, "")
    return [phrase for phrase in BANNED_PHRASES if phrase in text]


def uses_address(text: str) -> bool:
    for word in NOT_AN_ADDRESS:
        text = text.replace(word, "")
    return ADDRESS in text


def _check_placeholders(file: str, script: Script, findings: Findings) -> list[Problem]:
    known = findings.slots | findings.shop_values
    uses = findings.uses.get(script.id, [])
    problems = []
    for number, text in enumerate(script.variants, 1):
        for name in dict.fromkeys(placeholders(text)):
            if name in known:
                continue
            if not uses:
                problems.append(Problem(
                    file, script.id, number,
                    f"placeholder {{{name}}} has no value: it is not a slot or a shop value, "
                    "and no action sends this script with it",
                ))
                continue
            lacking = [use.where for use in uses if use.supplies is not None and name not in use.supplies]
            if lacking:
                problems.append(Problem(
                    file, script.id, number,
                    f"placeholder {{{name}}} has no value when {_join(lacking)} sends this script: "
                    "it is not a slot or a shop value, and is not passed there",
                ))
    return problems


def _join(places: list[str], word: str = "or") -> str:
    places = list(dict.fromkeys(places))
    return places[0] if len(places) == 1 else ", ".join(places[:-1]) + f" {word} " + places[-1]


def _is_used(script_id: str, findings: Findings) -> bool:
    return (
        script_id in findings.listed
        or script_id in findings.uses
        or script_id in RASA_DEFAULT_RESPONSES
        or any(script_id.startswith(prefix) for prefix in findings.prefixes)
    )


# --- The domain and the stories -------------------------------------------------------------


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    return [path]


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problems.append(Problem(str(path), None, None, f"not valid YAML{where}, so it was not checked"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"cannot be read ({exc})"))
    return None


def _read_domain(path: Path, findings: Findings, problems: list[Problem]) -> None:
    if not path.exists():
        problems.append(Problem(str(path), None, None, "the domain does not exist"))
        return
    for file in _yaml_files(path):
        data = _read_yaml(file, problems)
        if not isinstance(data, dict):
            continue
        slots = data.get("slots")
        if isinstance(slots, dict):
            findings.slots |= {name for name in slots if isinstance(name, str)}
        for action in data.get("actions") or []:
            name = next(iter(action), None) if isinstance(action, dict) else action
            if isinstance(name, str) and name.startswith("utter_"):
                findings.listed.add(name)
                findings.references.append(Reference(str(file), name, "listed under actions: in the domain"))
        forms = data.get("forms")
        for form, body in (forms.items() if isinstance(forms, dict) else []):
            required = (body or {}).get("required_slots") if isinstance(body, dict) else None
            slots_asked = required if isinstance(required, list) else list(required or {})
            for slot in slots_asked:
                if isinstance(slot, str):
                    for asked in (f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"):
                        findings.use(asked, f"form {form} (asking for {slot})", frozenset())


def _read_stories(folder: Path, findings: Findings, problems: list[Problem]) -> None:
    """Rules and stories that send a script directly: Rasa passes it no values."""
    if not folder.exists():
        return
    for file in _yaml_files(folder):
        data = _read_yaml(file, problems)
        if not isinstance(data, dict):
            continue
        for kind in ("rules", "stories"):
            for item in data.get(kind) or []:
                if not isinstance(item, dict):
                    continue
                name = item.get("rule") or item.get("story") or "?"
                for step in item.get("steps") or []:
                    action = step.get("action") if isinstance(step, dict) else None
                    if isinstance(action, str) and RESPONSE_ID.match(action):
                        label = f"{kind[:-1] if kind == 'rules' else 'story'} “{name}” in {file.name}"
                        findings.use(action, label, frozenset())
                        findings.references.append(Reference(str(file), action, f"used by {label}"))


# --- The code -------------------------------------------------------------------------------


def _python_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imported_modules(files: list[Path], root: Path, skip: list[Path]) -> list[Path]:
    """The .py files under root that files import, directly or through each other."""
    seen = {p.resolve() for p in skip}
    found: list[Path] = []
    queue = list(files)
    while queue:
        path = queue.pop(0)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, OSError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = path.resolve().parents[node.level - 1]
                    try:
                        package = ".".join(base.relative_to(root).parts)
                    except ValueError:
                        continue
                    module = ".".join(filter(None, [package, node.module or ""]))
                else:
                    module = node.module or ""
                names = [module] + [f"{module}.{alias.name}" for alias in node.names]
            for name in filter(None, names):
                parts = name.split(".")
                for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
                    resolved = candidate.resolve()
                    if candidate.is_file() and resolved not in seen and root in resolved.parents:
                        seen.add(resolved)
                        found.append(candidate)
                        queue.append(candidate)
    return sorted(found)


def _scan_python(path: Path, kind: str, findings: Findings, problems: list[Problem]) -> None:
    """Find the scripts a module sends (kind: "action" or "gateway") and the values it passes."""
    file = str(path)
    label = f"{path.parent.name}/{path.name}"
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=file)
    except SyntaxError as exc:
        problems.append(Problem(file, None, None, f"not valid Python (line {exc.lineno}), so its replies were not checked"))
        return
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(file, None, None, f"cannot be read ({exc})"))
        return

    declared: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for line, comment in _comments(source):
        match = MARKER.match(comment)
        if match:
            names = frozenset(n for n in re.split(r"[\s,]+", match.group(2)) if n)
            declared.setdefault(match.group(1), []).append((line, names))

    # string constants already accounted for: parts of f-strings, arguments of a call
    handled: set[int] = {
        id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values
    }

    def sends(expr: ast.AST | None, line: int, supplies: frozenset[str] | None, how: str) -> None:
        for node in ast.walk(expr) if expr is not None else ():
            if (
                isinstance(node, ast.Constant) and isinstance(node.value, str)
                and RESPONSE_ID.match(node.value) and id(node) not in handled
            ):
                handled.add(id(node))
                if supplies is not None or node.value not in declared:
                    findings.use(node.value, f"{label} (line {line})", supplies)
                findings.references.append(Reference(file, node.value, f"{how} (line {line})"))

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("utter_"):
                findings.prefixes.add(first.value)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = node.left
            if isinstance(left, ast.Constant) and isinstance(left.value, str) and left.value.startswith("utter_"):
                findings.prefixes.add(left.value)
                handled.add(id(left))
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        response = keywords.get("response", keywords.get("template"))
        callee = _callee_name(node.func)
        if response is not None:
            how = "sent by this action" if kind == "action" else "sent from the gateway"
            sends(response, node.lineno, _passed_values(node), how)
        elif callee == "render" and kind == "gateway":
            script = node.args[0] if node.args else keywords.get("script_id")
            values = node.args[1] if len(node.args) > 1 else keywords.get("values")
            sends(script, node.lineno, _dict_keys(values), "rendered by the gateway")
        elif callee == "NlgRenderer" and kind == "gateway":
            shop = node.args[2] if len(node.args) > 2 else keywords.get("shop_values")
            findings.shop_values |= _dict_keys(shop) or set()

    # Any other literal reply name (a table of scripts, a helper's argument) is a use
    # whose values cannot be told; it need not exist (it may name a script for scoring).
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
            and RESPONSE_ID.match(node.value) and id(node) not in handled
        ):
            if node.value not in declared:
                findings.use(node.value, f"{label} (line {node.lineno})", None)
    for script_id, declarations in declared.items():
        for line, names in declarations:
            findings.use(script_id, f"{label} (line {line})", names)


def _comments(source: str) -> list[tuple[int, str]]:
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        return []


def _callee_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _passed_values(call: ast.Call) -> frozenset[str] | None:
    """The placeholder values a call passes by keyword; None when it cannot be told."""
    names: set[str] = set()
    for keyword in call.keywords:
        if keyword.arg is not None:
            if keyword.arg not in UTTER_MESSAGE_PARAMS:
                names.add(keyword.arg)
            continue
        keys = _dict_keys(keyword.value)  # **{...} or **dict(...)
        if keys is None:
            return None
        names |= keys
    return frozenset(names)


def _dict_keys(expr: ast.AST | None) -> frozenset[str] | None:
    """Keys of a dict literal or dict(a=...) call; None when they cannot be told."""
    if isinstance(expr, ast.Dict):
        keys: set[str] = set()
        for key, value in zip(expr.keys, expr.values):
            if key is None:  # {**other}
                inner = _dict_keys(value)
                if inner is None:
                    return None
                keys |= inner
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            else:
                return None
        return frozenset(keys)
    if isinstance(expr, ast.Call) and _callee_name(expr.func) == "dict" and not expr.args:
        return _passed_values_of_dict_call(expr)
    return None


def _passed_values_of_dict_call(call: ast.Call) -> frozenset[str] | None:
    names: set[str] = set()
    for keyword in call.keywords:
        if keyword.arg is not None:
            names.add(keyword.arg)
        else:
            keys = _dict_keys(keyword.value)
            if keys is None:
                return None
            names |= keys
    return frozenset(names)


# --- The command ----------------------------------------------------------------------------


def _shown(path: str | Path) -> str:
    """A path as a trainer should see it: relative to where the command runs."""
    path = Path(path)
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:
        return str(path)


def main(argv: Iterable[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(
        prog="python -m bot.lint_scripts",
        description="Check the reply scripts: placeholders, tone, unused and missing scripts.",
    )
    parser.add_argument("--scripts", type=Path, default=root / "scripts_zh", help="the script folder")
    parser.add_argument("--domain", type=Path, default=root / "domain.yml", help="domain file or folder")
    parser.add_argument("--actions", type=Path, default=root / "actions", help="the custom actions")
    parser.add_argument("--gateway", type=Path, default=root / "bot", help="the gateway's code")
    parser.add_argument("--data", type=Path, default=root / "data", help="rules and stories")
    args = parser.parse_args(list(argv) if argv is not None else None)

    problems, corpus = _lint(args.scripts, args.domain, args.actions, args.gateway, args.data)
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
