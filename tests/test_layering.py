"""DESIGN.md's floors, kept by reading every module's imports (issue 10).

A room may import any room below it, never one above; inside a room no two modules import each
other, directly or round a longer loop. Imports inside functions, under TYPE_CHECKING and lazy
`"package.module:attribute"` strings all count: each is a dependency as real as a top-level one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ["hold_policies", "audio", "analytics", "simulator", "app", "emulator", "cli"]
"""Bottom to top: a room may import the rooms before it in this list."""
LAZY = re.compile(r"^([a-z_]+(?:\.[a-z_0-9]+)*):[A-Za-z_]\w*$")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every absolute module name this file imports, at any depth, or names in a lazy string."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = LAZY.match(node.value)
            if match and match.group(1).split(".")[0] in FLOORS:
                names.add(match.group(1))
    return names


def room_modules() -> dict[str, Path]:
    return {module_name(path): path for room in FLOORS for path in (ROOT / room).rglob("*.py")}


MODULES = room_modules()


def project_imports(path: Path) -> set[str]:
    """The project modules a file depends on (a `from package import module` names the module)."""
    found = set()
    for name in imported_names(path):
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def room_of(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("room", FLOORS)
def test_a_room_imports_only_rooms_below_it(room: str) -> None:
    allowed = set(FLOORS[: FLOORS.index(room) + 1])
    upward = sorted(
        f"{module} imports {target}"
        for module, path in MODULES.items() if room_of(module) == room
        for target in project_imports(path) if room_of(target) not in allowed
    )
    assert not upward, f"{room} reaches above its floor:\n" + "\n".join(upward)


def test_no_module_circles_inside_a_room() -> None:
    graph = {
        module: {t for t in project_imports(path)
                 if room_of(t) == room_of(module) and t != module
                 and not module.startswith(t + ".")}  # a package's own __init__ is not a circle
        for module, path in MODULES.items()
    }
    circles = sorted(" -> ".join(c) for c in cycles(graph))
    assert not circles, "module circles:\n" + "\n".join(circles)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One representative loop per strongly connected component of size > 1 (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_reader_sees_lazy_strings_and_function_level_imports(tmp_path: Path) -> None:
    """The checker itself can fail: a lazy string and an import inside a function both count."""
    sample = tmp_path / "sample.py"
    sample.write_text('COMMANDS = {"x": "emulator.run:emulate"}\n'
                      "def f():\n    from app.storage import db\n", encoding="utf-8")
    assert {"emulator.run", "app.storage", "app.storage.db"} <= imported_names(sample)
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
