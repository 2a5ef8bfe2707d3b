"""The app with no database work: every poll after the first is answered with the first's view
of the call log and every write is dropped.

Why: what the app's own Python costs (signature, forms, route, policy, TwiML) whatever the
database costs, i.e. the most any work on the database could bring. bench_request_cost.py
switches it on and off in one process; bench_webhooks.py serves `create()` under the
Procfile's gunicorn settings as its "app, no database" row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from flask import Flask

from app import create_app


class RememberedView:
    """Stands in for a CallLogStore's `poll` and `write` while installed."""

    def __init__(self, store) -> None:  # noqa: ANN001 - the app's CallLogStore
        self.store = store
        self.real_poll = store.poll
        self.view = None

    def poll(self, command, deadline, decide: Callable):  # noqa: ANN001, ANN201
        if self.view is None:  # the first poll is real: its view answers every later one
            polled = self.real_poll(command, deadline, decide)
            if polled is not None:
                self.view = polled[0]
            return polled
        return self.view, decide(self.view)[0]

    def write(self, command, deadline) -> None:  # noqa: ANN001
        return None

    def install(self) -> None:
        self.store.poll, self.store.write = self.poll, self.write

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        self.install()
        try:
            yield
        finally:
            del self.store.poll, self.store.write


def create() -> Flask:
    """gunicorn's target (`no_database:create()`): the app as configured by the environment,
    without its database work."""
    app = create_app()
    RememberedView(app.extensions["holdwell"].store).install()
    return app
