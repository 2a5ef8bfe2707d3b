"""A database budget for some requests only: tight for the one a fault test is about, or
generous for a set-up that must not miss.

A loaded test machine that stalls a set-up write past a tight budget journals it and fails
the test for a reason that is not the one under test (CI saw this in test_commit_in_doubt):
set up under a generous budget, and hold the tight one for the fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from flask import Flask


@contextmanager
def request_budget(app: Flask, budget_s: float) -> Iterator[None]:
    """Within the block, each request's database work gets `budget_s` (the per-request
    deadline, which also cuts a SQLite busy wait short); the old budget after it."""
    services = app.extensions["holdwell"]
    before = services.settings
    services.settings = replace(before, db_budget_s=budget_s)
    try:
        yield
    finally:
        services.settings = before
