"""A caller who hangs up during the greeting never entered the queue: the database's records
leave them out, so `holdwell report --db` and `export --db` still run, and the queue_log has no
ABANDON without its ENTERQUEUE."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.queue_log import parse_queue_log_line
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import make_engine
from app.storage.migrate import upgrade
from cli.report_commands import export_command, report_command

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _labels(call_id: str) -> dict[str, str]:
    return {"call_id": call_id, "queue": "support", "policy": "checkin", "arm": ""}


@pytest.fixture
def odd_db(sqlite_url: str) -> str:
    """CAgreet hangs up during the greeting (only the status callback); CAwait hangs up after
    60 s in line; CAok is answered after 20 s."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    calls = [
        c.BeginCall(now=_at(0), **_labels("CAgreet")),
        c.CallStatus(now=_at(4), status="completed", call_id="CAgreet"),
        c.BeginCall(now=_at(10), **_labels("CAwait")),
        c.NotePoll(now=_at(10), queue_time_s=0, position=1, **_labels("CAwait")),
        c.CallStatus(now=_at(70), status="completed", call_id="CAwait"),
        c.BeginCall(now=_at(40), **_labels("CAok")),
        c.NotePoll(now=_at(40), queue_time_s=0, position=1, **_labels("CAok")),
        c.Connect(now=_at(60), queue="support", queue_time_s=20, call_id="CAok"),
        c.QueueResult(now=_at(200), result="bridged", queue_time_s=20, queue="support",
                      call_id="CAok"),
    ]
    for command in calls:
        with engine.begin() as conn:
            apply(conn, command)
    engine.dispose()
    return sqlite_url


def test_report_from_the_database_leaves_out_a_call_that_never_entered_the_queue(odd_db):
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json"])
    assert result.exit_code == 0, result.output
    group = json.loads(result.stdout)["policies"][0]
    assert (group["calls"], group["n_abandoned"], group["n_answered"]) == (2, 1, 1)
    assert group["unserved_rate"] == 0.5  # CAwait of CAwait and CAok


def test_csv_export_from_the_database_has_only_queued_calls(odd_db, tmp_path):
    out = tmp_path / "records.csv"
    result = CliRunner().invoke(export_command,
                                ["--format", "csv", "--db", odd_db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 call records" in result.output
    assert "CAgreet" not in out.read_text()


def test_queue_log_export_has_no_abandon_without_an_entry(odd_db, tmp_path):
    out = tmp_path / "queue_log"
    result = CliRunner().invoke(export_command,
                                ["--format", "queue_log", "--db", odd_db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [parse_queue_log_line(text) for text in out.read_text().splitlines()]
    assert "CAgreet" not in {line.call_id for line in lines}
    entered = {line.call_id for line in lines if line.event == "ENTERQUEUE"}
    assert {line.call_id for line in lines if line.event == "ABANDON"} == {"CAwait"} <= entered


def still_waiting(url: str) -> None:
    """CAstill enters support at 09:05 and is still in line."""
    engine = make_engine(url)
    for command in (c.BeginCall(now=_at(300), **_labels("CAstill")),
                    c.NotePoll(now=_at(300), queue_time_s=0, position=1,
                               **_labels("CAstill"))):
        with engine.begin() as conn:
            apply(conn, command)
    engine.dispose()


def test_report_from_a_live_log_says_how_many_calls_still_waiting_it_left_out(odd_db):
    still_waiting(odd_db)
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["policies"][0]["calls"] == 2  # finished calls only
    assert "left out 1 call still in progress" in result.stderr
    assert "finished calls only" in result.stderr
    assert json.loads(result.stdout)["period"]["calls_in_progress"] == 1  # in the report too
    text = CliRunner().invoke(report_command, ["--db", odd_db])
    assert "left out 1 call still in progress" in text.stdout


@pytest.mark.parametrize("narrowed", [["--from", "2026-03-02T09:06:00Z"],
                                      ["--to", "2026-03-02T09:04:00Z"],
                                      ["--queue", "sales"]])
def test_calls_in_progress_outside_the_reports_period_or_queues_are_not_said(odd_db, narrowed):
    """CAstill entered at 09:05 in support: a report on another period or queue leaves out
    nothing it covers (it had said so all the same)."""
    still_waiting(odd_db)
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json", *narrowed])
    assert "still in progress" not in result.stderr
    if result.exit_code == 0:
        assert json.loads(result.stdout)["period"]["calls_in_progress"] == 0
    inside = CliRunner().invoke(report_command, ["--db", odd_db, "--json", "--to",
                                                 "2026-03-02T09:06:00Z", "--queue", "support"])
    assert "left out 1 call still in progress" in inside.stderr


def test_report_from_a_settled_log_says_nothing_is_left_out(odd_db):
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json"])
    assert result.exit_code == 0 and "left out" not in result.stderr


def test_report_on_a_mistyped_sqlite_file_names_it_and_creates_nothing(tmp_path):
    typo = tmp_path / "holdwel.db"
    result = CliRunner().invoke(report_command, ["--db", f"sqlite:///{typo}"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not typo.exists()


def test_a_range_that_ends_before_it_starts_is_named(odd_db):
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--from", "2026-03-03",
                                                 "--to", "2026-03-02"])
    assert result.exit_code == 2 and "--from" in result.output
    assert "is not before --to 2026-03-02" in result.output


@pytest.fixture
def never_queued_file(tmp_path):
    """Two queue calls (one answered, one abandoned), three rang while closed, one kept its
    pending callback: a file as an export of every `calls` row would hold them."""
    from analytics.records import write_records
    from hold_policies.records import Outcome
    from tests.analytics.builders import call

    rows = [call("a1", Outcome.ANSWERED, 10), call("b1", Outcome.ABANDONED, 30)]
    rows += [call(f"x{i}", Outcome.CLOSED, 0) for i in range(3)]
    rows += [call("k1", Outcome.KEPT_CALLBACK, 0)]
    return write_records(rows, tmp_path / "with_closed.csv")


def test_a_record_file_leaves_out_calls_that_never_queued_and_says_how_many(never_queued_file):
    result = CliRunner().invoke(report_command, ["--records", str(never_queued_file), "--json"])
    assert result.exit_code == 0, result.output
    group = json.loads(result.stdout)["policies"][0]
    assert (group["calls"], group["n_answered"], group["n_abandoned"]) == (2, 1, 1)
    assert group["unserved_rate"] == 0.5
    assert "left out 4 calls that never joined a queue" in result.stderr


def test_the_whole_and_the_batched_file_readers_leave_out_the_same_calls(never_queued_file):
    from analytics.records import LeftOut, iter_record_batches, load_records

    whole, batched = LeftOut(), LeftOut()
    records = load_records(never_queued_file, whole)
    batches = list(iter_record_batches([never_queued_file], left_out=batched))
    assert sorted(records["call_id"]) == ["a1", "b1"]
    assert sorted(pd.concat(batches)["call_id"]) == ["a1", "b1"]
    assert whole.not_queued == batched.not_queued == 4


def test_export_from_a_file_drops_never_queued_calls_as_from_the_database(
        never_queued_file, tmp_path):
    out = tmp_path / "records.csv"
    result = CliRunner().invoke(export_command, ["--format", "csv", "--records",
                                                 str(never_queued_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 call records" in result.output


@pytest.mark.parametrize("shown", ["plain", "hashed"])
def test_queue_log_from_the_database_carries_each_callers_id(sqlite_url, tmp_path, shown):
    """The app keeps the caller's number on the call, not in its events: the export joins it,
    shown as --caller-ids says (a keyed hash by default, never the number then)."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    for command in (c.BeginCall(now=_at(0), from_number="+14155550123", **_labels("CAone")),
                    c.NotePoll(now=_at(0), queue_time_s=0, position=1, **_labels("CAone"))):
        with engine.begin() as conn:
            apply(conn, command)
    engine.dispose()
    out = tmp_path / "queue_log"
    result = CliRunner().invoke(export_command, ["--format", "queue_log", "--db", sqlite_url,
                                                 "--caller-ids", shown, "--out", str(out)])
    assert result.exit_code == 0, result.output
    [entry] = [line for line in map(parse_queue_log_line, out.read_text().splitlines())
               if line.event == "ENTERQUEUE"]
    caller = entry.data[1]
    if shown == "plain":
        assert caller == "+14155550123"
    else:
        assert caller and "4155550123" not in caller


@pytest.mark.parametrize(("file_format", "name"), [("csv", "x.parquet"), ("parquet", "x.csv")])
def test_records_are_never_written_under_the_other_formats_name(odd_db, tmp_path, file_format,
                                                                name):
    result = CliRunner().invoke(export_command, ["--format", file_format, "--db", odd_db,
                                                 "--out", str(tmp_path / name)])
    assert result.exit_code == 2 and "--format is" in result.output
    assert not (tmp_path / name).exists()


def test_a_report_from_the_database_says_each_step_on_stderr_and_keeps_stdout_clean(
        odd_db, tmp_path):
    """On a log of millions each step runs for many seconds; nothing had said so."""
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json"])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    reading = "reading call records from the database, a batch at a time"
    assert said[0] == f"{reading} ..."
    assert said[1].startswith(f"{reading}: done in ")
    assert "scoring the told waits, a batch at a time ..." in said
    assert json.loads(result.stdout)["policies"][0]["calls"] == 2
    page = tmp_path / "page.html"  # the page's whole read says its steps too
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json", "--html", str(page)])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert said[0] == "reading call records from the database ..."
    assert said[1].startswith("reading call records from the database: done in ")
    assert "building the report on 2 calls ..." in said
    assert "reading the announcements ..." in said
    assert any(line.startswith("scoring the told waits of ") and line.endswith(
        " announcements ...") for line in said)
    assert json.loads(result.stdout)["policies"][0]["calls"] == 2


def unlabelled_hang_up(url: str) -> None:
    """CAlost's /voice/incoming and polls never reached this log (still in a host's journal):
    its queue-result made the row, which knows its queue but not its policy."""
    engine = make_engine(url)
    with engine.begin() as conn:
        apply(conn, c.QueueResult(now=_at(400), result="hangup", queue_time_s=40,
                                  queue="support", call_id="CAlost"))
    engine.dispose()


def test_a_call_whose_policy_never_reached_the_log_is_left_out_and_said(odd_db, tmp_path):
    """One such row had failed every report, export and fit on the database ("column
    'policy': 1 value(s) (row 1: '') are empty"). It is in no policy's figures until its
    first request is replayed, and is said as a call whose record is not complete yet."""
    unlabelled_hang_up(odd_db)
    result = CliRunner().invoke(report_command, ["--db", odd_db, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [group["calls"] for group in report["policies"]] == [2]
    assert report["period"]["calls_in_progress"] == 1
    assert "left out 1 call still in progress (no outcome or policy logged yet)" \
        in result.stderr
    for file_format in ("csv", "queue_log"):
        out = tmp_path / f"export.{file_format}"
        exported = CliRunner().invoke(export_command, ["--format", file_format, "--db",
                                                       odd_db, "--out", str(out)])
        assert exported.exit_code == 0, exported.output
        assert "CAlost" not in out.read_text()
    engine = make_engine(odd_db)
    with engine.begin() as conn:  # the journal's backlog replayed: the call is labelled
        apply(conn, c.BeginCall(now=_at(358), **_labels("CAlost")))
    engine.dispose()
    labelled = json.loads(CliRunner().invoke(report_command, ["--db", odd_db, "--json"]
                                             ).stdout)
    assert [group["calls"] for group in labelled["policies"]] == [3]
    assert labelled["period"]["calls_in_progress"] == 0
