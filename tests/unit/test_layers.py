"""The gateway's rooms (bot/): each role imports only what sits below it, nothing imports in
a circle, and no module reaches for another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
# Lower numbers sit lower. A role may import its own package and anything lower.
LAYERS = {
    "bot.config": 0, "bot.infra": 0,
    "bot.staff": 1,
    "bot.handoff": 2, "bot.trainer": 2, "bot.orders": 2, "bot.ops": 2,
    "bot.chat": 3,
    "bot.app": 4, "bot.__main__": 5,
}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    return next(r for r in sorted(LAYERS, key=len, reverse=True) if module == r or module.startswith(r + "."))


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every absolute import in the file, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return found


MODULES = {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def graph() -> dict[str, set[str]]:
    edges = {}
    for name, path in MODULES.items():
        targets = set()
        for module, names in imports(path):
            if module.startswith("bot"):
                # "from bot.infra import store" imports the module bot.infra.store
                targets |= {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES} or {module}
        edges[name] = {t for t in targets if t in MODULES and t != name}
    return edges


def test_every_module_is_in_a_room():
    for name in MODULES:
        if name != "bot":
            assert room(name), name


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != "bot"))
def test_a_role_imports_only_what_sits_below_it(name):
    mine = room(name)
    for target in graph()[name]:
        theirs = room(target)
        assert theirs == mine or LAYERS[theirs] < LAYERS[mine], f"{name} imports {target}: {theirs} is not below {mine}"


def test_no_import_cycle():
    edges, state, stack = graph(), {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in edges[node]:
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(target):] + [target]))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in edges:
        if node not in state:
            visit(node)


def test_no_private_name_is_imported_across_modules():
    for path in [*BOT.rglob("*.py"), *(ROOT / "xiaoer").rglob("*.py"), *(ROOT / "tools").rglob("*.py")]:
        for module, names in imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{path.relative_to(ROOT)} imports {private} from {module}"


def test_no_gateway_module_is_a_god_file():
    for path in BOT.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_the_layer_rule_catches_a_role_importing_upward(tmp_path):
    """The check itself: an orders module importing the buyer's chat would be caught."""
    assert LAYERS[room("bot.chat.routes")] > LAYERS[room("bot.orders.service")]
    assert room("bot.infra.outbound") == "bot.infra" and room("bot.handoff") == "bot.handoff"
