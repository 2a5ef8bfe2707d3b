"""The one rule: hold_policies imports no adapter, so one definition serves live and sim."""

from __future__ import annotations

import ast
from pathlib import Path

ADAPTERS = {"flask", "twilio", "sqlalchemy", "app", "simulator", "analytics", "werkzeug"}
ROOT = Path(__file__).resolve().parents[2]


def imported_packages(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_hold_policies_import_no_adapter():
    assert imported_packages("hold_policies").isdisjoint(ADAPTERS)


def test_analytics_imports_neither_app_nor_simulator():
    assert imported_packages("analytics").isdisjoint({"app", "simulator", "flask", "twilio"})
