"""A bug behind every route: each call-log store method raises something no route expects."""

from __future__ import annotations

import pytest
from flask import Flask

STORE_METHODS = ("write", "read", "poll", "snapshot", "store_now")


def break_store(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(*_args, **_kwargs):
        raise RuntimeError("a bug, not a database fault")

    store = app.extensions["holdwell"].store
    for name in STORE_METHODS:
        monkeypatch.setattr(store, name, bug)
