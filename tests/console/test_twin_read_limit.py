"""The twin reads the log under its own limit, not a webhook's statement timeout: on
PostgreSQL a month of a busy line (inside the console's 200,000 calls) had taken over 3 s to
read and answered a 500 (statement timeout), never the 409 saying to choose fewer days
(security probe F4). A slow read here is a real one: PostgreSQL sleeps in the statement."""

from __future__ import annotations

from sqlalchemy import text

from app.console import twin_live
from app.storage import read, users
from tests.console.conftest import CONFIG, PASSWORD, Console
from tests.console.twin_seed import seed_log
from tests.support.postgres import fresh_postgres_url  # noqa: F401 - fixture


def _slow_read(seconds: float):  # noqa: ANN202
    real = read.records_frame

    def slow(engine, query, **kwargs):  # noqa: ANN001, ANN003, ANN202
        with engine.connect() as conn:
            conn.execute(text(f"SELECT pg_sleep({seconds})"))
        return real(engine, query, **kwargs)

    return slow


def _analysts_twin(make_app, url: str, clock, log, limit_s: float | None = None):  # noqa: ANN001, ANN202
    """An app on `url` with the known log and an analyst, ana, signed in (a Console)."""
    app = make_app(CONFIG, database_url=url)
    if limit_s is not None:
        app.config["HOLDWELL_TWIN_LIMIT_S"] = limit_s
    users.add_user(app.extensions["holdwell"].store.engine, "ana", "analyst", PASSWORD,
                   clock.now())
    seed_log(url, log)
    return Console(app, "ana")


def test_a_read_past_the_old_3_s_but_within_the_twins_limit_answers(
        fresh_postgres_url, make_app, clock, log, monkeypatch):  # noqa: F811
    ana = _analysts_twin(make_app, fresh_postgres_url, clock, log)
    monkeypatch.setattr(read, "records_frame", _slow_read(3.5))
    answer = ana.api("GET", "/api/v1/twin")
    assert answer.status_code == 200, answer.get_json()


def test_a_read_past_the_twins_limit_is_the_409_naming_fewer_days(
        fresh_postgres_url, make_app, clock, log, monkeypatch):  # noqa: F811
    ana = _analysts_twin(make_app, fresh_postgres_url, clock, log, limit_s=1.0)
    monkeypatch.setattr(read, "records_frame", _slow_read(5))
    answer = ana.api("GET", "/api/v1/twin")
    assert answer.status_code == 409, answer.get_json()
    assert "stopped after 1 s, the console's limit" in answer.get_json()["error"]
    assert twin_live.FIT_ADVICE in answer.get_json()["error"]


def test_the_count_and_the_read_share_one_limit(
        fresh_postgres_url, make_app, clock, log, monkeypatch):  # noqa: F811 - a fixture
    """0.9 s to count and 0.2 s to read, each under a 1 s limit, pass it together: the
    limit had bounded each statement alone, and the fit's own from after the count
    (review 31 #6)."""
    ana = _analysts_twin(make_app, fresh_postgres_url, clock, log, limit_s=1.0)
    window = twin_live._window

    def slow_window(engine, days):  # noqa: ANN001, ANN202
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(0.9)"))
        return window(engine, days)

    monkeypatch.setattr(twin_live, "_window", slow_window)
    monkeypatch.setattr(read, "records_frame", _slow_read(0.2))
    answer = ana.api("GET", "/api/v1/twin")
    assert answer.status_code == 409, answer.get_json()
    assert "stopped after 1 s, the console's limit" in answer.get_json()["error"]


def test_each_statement_of_a_read_gets_only_what_is_left(
        fresh_postgres_url, make_app, clock, log, monkeypatch):  # noqa: F811 - a fixture
    """A read of three 0.6 s statements under a 1 s limit is stopped in its second: each
    statement of a step had been allowed what was left when the step began, so all three
    ran and the 409 came after 1.8 s (review 31b #4)."""
    ana = _analysts_twin(make_app, fresh_postgres_url, clock, log, limit_s=1.0)
    finished: list[int] = []
    real = read.records_frame

    def three_slow_statements(engine, query, **kwargs):  # noqa: ANN001, ANN003, ANN202
        with engine.connect() as conn:
            for statement in range(3):
                conn.execute(text("SELECT pg_sleep(0.6)"))
                finished.append(statement)
        return real(engine, query, **kwargs)

    monkeypatch.setattr(read, "records_frame", three_slow_statements)
    answer = ana.api("GET", "/api/v1/twin")
    assert answer.status_code == 409, answer.get_json()
    assert "stopped after 1 s, the console's limit" in answer.get_json()["error"]
    assert finished == [0]


def test_a_streamed_read_stops_at_the_limit_too(fresh_postgres_url):  # noqa: F811
    """A streamed read's rows are made in FETCHes no statement hook sees: each had kept the
    timeout set at its DECLARE, so 30 rows of 0.15 s under a 1 s limit ran to 1.9 s (review
    32 R3). PostgreSQL stops it at the limit now; 1.6 s leaves the margin of a busy box."""
    import time

    import pytest
    from sqlalchemy.exc import OperationalError

    from app.storage.db import make_engine

    began = time.monotonic()
    engine = make_engine(fresh_postgres_url,
                         statement_left=lambda: 1.0 - (time.monotonic() - began))
    slow = text("SELECT x, pg_sleep(0.15) FROM generate_series(1, 30) AS x")
    try:
        with pytest.raises(OperationalError, match="statement timeout"):
            for _chunk in read._chunks(engine, slow, 6, {}):
                pass
    finally:
        engine.dispose()
    assert time.monotonic() - began < 1.6
