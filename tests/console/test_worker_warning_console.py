"""The console's callbacks page says when the callbacks worker stopped, as /healthz does
(tests/app/test_worker_silence.py): an operator looking at promises sees that nobody keeps
them."""

from __future__ import annotations

import html

from app.storage import worker_rounds
from tests.console.test_callbacks_console import promise
from tests.support.sids import sid


def test_the_console_callbacks_page_says_it_as_healthz_does(console_app, twilio_console,
                                                          as_role, clock):
    promise(twilio_console, sid("CA1"))
    operator = as_role("operator")

    def said() -> str | None:
        page = operator.get("/console/callbacks").get_data(as_text=True)
        start = page.find("data-worker>")
        return None if start < 0 else html.unescape(page[start:page.index("</p>", start)])

    assert "The callbacks worker (<code>holdwell callbacks</code>, the Procfile's " \
           "<code>worker:</code>) has never run against this database, and 1 callback " \
           "promised waits on it" in said()  # healthz's words, its `marks` shown as code
    worker_rounds.note_round(console_app.extensions["holdwell"].store.engine, host="w1",
                             pid=1, interval_s=15.0, started_at=clock.now(), now=clock.now(),
                             ok=True)
    assert said() is None
    clock.advance(300)
    assert "has not finished a round since" in said() and "5 min ago" in said()


def test_rounds_that_cannot_be_read_leave_the_callbacks_page_served(console_app,
                                                                  twilio_console, as_role,
                                                                  monkeypatch):
    """A role granted ON ALL TABLES before migration 0023 may not read worker_rounds: the
    page of every promise had become a 500 for a notice above it."""
    from sqlalchemy.exc import ProgrammingError

    promise(twilio_console, sid("CA1"))

    def refused(_conn):
        raise ProgrammingError("SELECT", {}, Exception("permission denied for table "
                                                      "worker_rounds"))

    monkeypatch.setattr(worker_rounds, "newest_round", refused)
    page = as_role("operator").get("/console/callbacks")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Could not read when the callbacks worker last ran" in text


def test_the_warning_shows_commands_as_code_not_backticks(console_app, twilio_console, as_role):
    """The page printed the backticks the shared words mark commands with: "the callbacks
    worker (`holdwell callbacks`, the Procfile's `worker:`)"."""
    promise(twilio_console, sid("CA1"))
    page = as_role("operator").get("/console/callbacks").get_data(as_text=True)
    said = page[page.index("data-worker>"):]
    said = said[:said.index("</p>")]
    assert "<code>holdwell callbacks</code>" in said and "`" not in said
