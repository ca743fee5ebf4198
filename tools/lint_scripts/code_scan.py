"""Who sends a script, read from the Python code without running it (``ast``)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from tools.lint_scripts.findings import (
    MARKER,
    RESPONSE_ID,
    UTTER_MESSAGE_PARAMS,
    Findings,
    Problem,
    Reference,
)


def python_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(files: list[Path], root: Path, skip: list[Path]) -> list[Path]:
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


def scan_python(path: Path, kind: str, findings: Findings, problems: list[Problem]) -> None:
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
