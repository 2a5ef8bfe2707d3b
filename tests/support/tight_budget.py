"""A tight database budget for the one request a fault test is about.

Set up under the generous default and tighten only around the fault: a loaded test machine
that stalls a set-up write past a tight budget would journal it and fail the test for a reason
that is not the one under test (CI saw this once in test_commit_in_doubt).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from flask import Flask


@contextmanager
def tight_budget(app: Flask, budget_s: float) -> Iterator[None]:
    """Within the block, each request's database work gets `budget_s` (the per-request
    deadline, which also cuts a SQLite busy wait short); the old budget after it."""
    services = app.extensions["holdwell"]
    before = services.settings
    services.settings = replace(before, db_budget_s=budget_s)
    try:
        yield
    finally:
        services.settings = before
