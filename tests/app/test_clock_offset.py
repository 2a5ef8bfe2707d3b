"""/healthz says how far this host's clock is from the database server's (app.clock_offset):
hosts stamp the shared call log with their own clocks, so one that is off logs waits that
are off by as much."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from app.clock_offset import offset_warning


def test_a_host_in_step_with_postgresql_shows_its_offset_and_no_warning(make_app, clock,
                                                                         postgres_url):
    client = make_app(database_url=postgres_url, db_budget_s=2.0).test_client()
    clock.set(datetime.now(UTC))  # a manual clock: set just before it is read
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert abs(answer.json["clock_offset_s"]) < 0.5
    assert "warnings" not in answer.json


def test_a_host_whose_clock_runs_ahead_is_warned_but_keeps_serving(make_app, clock,
                                                                    postgres_url, caplog):
    app = make_app(database_url=postgres_url, db_budget_s=2.0)
    clock.set(datetime.now(UTC))
    clock.advance(5)
    with caplog.at_level(logging.WARNING, logger="holdwell.health"):
        answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.json["status"] == "ok"  # it still serves
    offset_s = answer.json["clock_offset_s"]  # a manual clock stands still while the server's
    assert 4.5 < offset_s < 5.5               # runs on: a loaded box reads a little under 5
    [warning] = answer.json["warnings"]
    said = re.search(r"is (\d+\.\d) s ahead of the database's", warning)
    assert said and abs(float(said[1]) - offset_s) <= 0.051 and "NTP" in warning
    assert warning in caplog.text
    clock.advance(-10)
    assert "s behind the database's" in app.test_client().get("/healthz").json["warnings"][0]


def test_sqlite_has_no_server_clock_to_be_off_from(make_app, clock):
    clock.set(datetime(2001, 1, 1, tzinfo=UTC))  # the file's host is this host
    answer = make_app().test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json["clock_offset_s"] is None and "warnings" not in answer.json


def test_the_warning_starts_past_a_second_either_way():
    assert offset_warning(None) is None
    assert offset_warning(1.0) is None and offset_warning(-1.0) is None
    assert "1.2 s ahead" in offset_warning(1.2)
    assert "1.2 s behind" in offset_warning(-1.2)
