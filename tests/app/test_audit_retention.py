"""`holdwell audit prune`: the audit log, which holds addresses and the names tried at
sign-in, is kept for a bounded time. It had grown without end, with no way but hand-written
SQL to empty it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.clock import SystemClock
from app.storage import audit, audit_retention
from app.storage.audit_retention import ACTION, prune
from app.storage.console_schema import audit_log
from app.storage.db import as_utc, make_engine
from cli.main import cli

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _seed(url: str, now: datetime, *ages_days: float) -> None:
    """One failed sign-in (an address and a name tried) written `age` days before `now`."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for n, age in enumerate(ages_days):
            audit.record(conn, actor="", action="session.login_failed", target=f"name{n}",
                         detail={"address": f"198.51.100.{n + 1}"},
                         now=now - timedelta(days=age))
    engine.dispose()


def _rows(url: str) -> list[dict]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(select(audit_log).order_by(
            audit_log.c.id)).mappings()]
    engine.dispose()
    return rows


def test_old_entries_go_in_batches_and_the_run_is_audited(any_url, monkeypatch):
    monkeypatch.setattr(audit_retention, "BATCH", 2)
    monkeypatch.setattr(audit_retention, "SQLITE_BATCH", 2)
    _seed(any_url, NOW, 400, 200, 100, 91, 89, 30, 1)
    engine = make_engine(any_url)
    steps: list[int] = []
    done = prune(engine, before=NOW - timedelta(days=90), now=NOW, actor="cli", days=90,
                 progress=steps.append)
    engine.dispose()
    assert (done.rows, done.oldest) == (4, NOW - timedelta(days=400))
    assert steps == [2, 2]  # two batches of two, each its own transaction
    rows = _rows(any_url)
    assert [r["target"] for r in rows if r["action"] != ACTION] == ["name4", "name5", "name6"]
    own = [r for r in rows if r["action"] == ACTION]
    assert len(own) == 1 and own[0]["actor"] == "cli" and as_utc(own[0]["time"]) == NOW
    assert json.loads(own[0]["detail"]) == {
        "before": (NOW - timedelta(days=90)).isoformat(), "days": 90, "rows": 4,
        "complete": True}
    # the People page's privacy filter shows the run beside the redactions
    assert [e.action for e in audit.page(make_engine(any_url), kind="privacy").entries] == [
        ACTION]


def test_a_dry_run_counts_and_changes_nothing(sqlite_url):
    _seed(sqlite_url, NOW, 120, 100, 5)
    engine = make_engine(sqlite_url)
    found = prune(engine, before=NOW - timedelta(days=90), now=NOW, actor="cli",
                  dry_run=True)
    engine.dispose()
    assert (found.rows, found.oldest) == (2, NOW - timedelta(days=120))
    assert len(_rows(sqlite_url)) == 3


def test_a_run_stopped_half_way_says_what_it_had_deleted(sqlite_url, monkeypatch):
    """Its own entry is written first and counted up in each batch's transaction."""
    monkeypatch.setattr(audit_retention, "SQLITE_BATCH", 2)
    _seed(sqlite_url, NOW, 300, 200, 100, 95, 1)
    engine = make_engine(sqlite_url)

    def stop(_: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        prune(engine, before=NOW - timedelta(days=90), now=NOW, actor="cli", progress=stop)
    engine.dispose()
    rows = _rows(sqlite_url)
    own = [json.loads(r["detail"]) for r in rows if r["action"] == ACTION]
    assert [(d["rows"], d["complete"]) for d in own] == [(2, False)]
    assert len(rows) == 1 + 3


def _cli(url: str, monkeypatch, *args: str):  # noqa: ANN202 - click's Result
    monkeypatch.setenv("DATABASE_URL", url)
    return CliRunner().invoke(cli, ["audit", "prune", *args])


def test_the_cli_asks_first_then_prunes_and_keeps_its_own_entry(any_url, monkeypatch):
    now = SystemClock().now()
    _seed(any_url, now, 200, 100, 10)
    asked = _cli(any_url, monkeypatch, "--older-than", "90")
    assert asked.exit_code == 0, asked.output
    assert asked.stdout.startswith("would delete (add --yes to do it): 2 audit entries from "
                                   "before 20")
    assert " UTC (more than 90 days ago), the oldest from 20" in asked.stdout
    assert len(_rows(any_url)) == 3  # nothing deleted, nothing audited
    done = _cli(any_url, monkeypatch, "--older-than", "90", "--yes")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("deleted: 2 audit entries from before ")
    assert done.stdout.rstrip().endswith("the run is audited as audit.pruned")
    rows = _rows(any_url)
    assert [r["target"] for r in rows if r["action"] != ACTION] == ["name2"]
    own = [r for r in rows if r["action"] == ACTION]
    assert len(own) == 1 and own[0]["actor"] == "cli"
    detail = json.loads(own[0]["detail"])
    assert (detail["rows"], detail["days"], detail["complete"]) == (2, 90, True)
    cutoff = datetime.fromisoformat(detail["before"])
    assert f"from before {cutoff.strftime('%Y-%m-%d %H:%M:%S')} UTC" in done.stdout
    assert abs(cutoff - (now - timedelta(days=90))) < timedelta(minutes=5)
    again = _cli(any_url, monkeypatch, "--older-than", "90", "--yes")
    assert again.exit_code == 0 and again.stdout.startswith("deleted: 0 audit entries")
    assert [r["action"] for r in _rows(any_url)].count(ACTION) == 2  # the first run's stays


@pytest.mark.parametrize(("args", "said"), [
    (["--older-than", "7"], "7 days is fewer than the 30 the audit log keeps at least"),
    (["--older-than", "29", "--yes"], "29 days is fewer than the 30"),
    (["--older-than", "-1", "--yes"], "-1 days is fewer than the 30"),
    (["--older-than", "40000", "--yes"], "40000 days is more than 36,500"),
    ([], "Missing option '--older-than'"),
])
def test_the_cli_refuses_too_short_a_retention_naming_the_option(args, said, sqlite_url,
                                                                 monkeypatch):
    _seed(sqlite_url, NOW, 400, 1)
    refused = _cli(sqlite_url, monkeypatch, *args)
    assert refused.exit_code == 2 and said in refused.output, refused.output
    assert "--older-than" in refused.output
    assert len(_rows(sqlite_url)) == 2


def test_each_persons_last_sign_in_is_kept_however_old(any_url):
    """The People page reads "last signed in" from the log: pruning had made someone who
    last signed in four months ago read "never"."""
    from app.storage import users

    engine = make_engine(any_url)
    users.add_user(engine, "ana", "operator", "a long password!", NOW - timedelta(days=400))
    with engine.begin() as conn:
        for age in (300, 150):
            audit.record(conn, actor="ana", action="session.login", target="ana",
                         detail={"address": "203.0.113.9"}, now=NOW - timedelta(days=age))
        audit.record(conn, actor="bo", action="session.login", target="bo",  # removed
                     detail={"address": "203.0.113.10"}, now=NOW - timedelta(days=120))
    found = prune(engine, before=NOW - timedelta(days=90), now=NOW, actor="cli",
                  dry_run=True)
    assert found.rows == 3  # ana's first login, bo's, and ana's account being added
    done = prune(engine, before=NOW - timedelta(days=90), now=NOW, actor="cli")
    assert done.rows == 3
    [ana] = users.overview(engine)
    assert ana.last_sign_in == NOW - timedelta(days=150)
    assert [(r["action"], r["target"]) for r in _rows(any_url)] == [
        ("session.login", "ana"), (ACTION, "before")]
    engine.dispose()


def test_earlier_runs_entries_are_kept_by_later_runs(sqlite_url):
    """Each run's `audit.pruned` row is the log's history of what was deleted, when and by
    whom: a run a month later had deleted the run before it (review 40, R5)."""
    _seed(sqlite_url, NOW, 400, 200)
    engine = make_engine(sqlite_url)
    first = NOW - timedelta(days=300)
    prune(engine, before=first - timedelta(days=90), now=first, actor="cli", days=90)
    prune(engine, before=NOW - timedelta(days=90), now=NOW, actor="cli", days=90)
    engine.dispose()
    runs = [r for r in _rows(sqlite_url) if r["action"] == ACTION]
    assert [as_utc(r["time"]) for r in runs] == [first, NOW]
    assert [r for r in _rows(sqlite_url) if r["action"] != ACTION] == []
