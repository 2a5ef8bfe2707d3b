"""Calls that never joined a queue (rang while closed, kept a pending callback) are reported
apart, per group, from record files and the database alike (analyst audit: `report --json`
had printed `n_closed: 0, n_kept_callback: 0` on every group, zero by construction since
those rows were dropped first; the database path said nothing of them at all, so a callback
queue's closed-line callbacks were in no figure of the report)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from analytics.definitions import definitions
from analytics.records import write_records
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.db import make_engine
from app.storage.migrate import upgrade
from app.storage.schema import callbacks
from cli.report_commands import export_command, report_command
from hold_policies.records import NOT_QUEUED, Outcome
from tests.analytics.builders import call

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COUNTS = ("closed", "closed_callbacks_booked", "closed_callbacks_connected",
          "closed_callbacks_failed", "closed_callbacks_not_connected", "kept_callback")
"""A group's fields in the not_queued section (analytics.not_queued.COUNTS)."""
OPENS = "2026-03-03T08:00:00+00:00"


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _labels(call_id: str) -> dict[str, str]:
    return {"call_id": call_id, "queue": "support", "policy": "callback", "arm": ""}


@pytest.fixture
def mix_file(tmp_path):
    """Two queue calls; one rang while closed and booked a callback that connected (its
    callback_wait_s), one closed with no booking, one kept a pending callback."""
    rows = [call("a1", Outcome.ANSWERED, 10, policy="callback"),
            call("b1", Outcome.ABANDONED, 30, policy="callback"),
            call("x1", Outcome.CLOSED, 0, policy="callback", callback_requested=True,
                 callback_wait_s=900),
            call("x2", Outcome.CLOSED, 0, policy="callback"),
            call("k1", Outcome.KEPT_CALLBACK, 0, policy="callback")]
    return write_records(rows, tmp_path / "mix.csv")


@pytest.fixture
def hours_db(sqlite_url: str) -> str:
    """Two queue calls (CAok answered, CAgone abandoned); three rang while closed: CAc1 and
    CAc2 booked a callback for the opening (CAc1's connected, CAc2's failed), CAc3 booked
    none; CAk rang back and kept a pending callback."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    commands = [
        c.BeginCall(now=_at(0), **_labels("CAok")),
        c.NotePoll(now=_at(0), queue_time_s=0, position=1, **_labels("CAok")),
        c.Connect(now=_at(20), queue="support", queue_time_s=20, call_id="CAok"),
        c.QueueResult(now=_at(200), result="bridged", queue_time_s=20, queue="support",
                      call_id="CAok"),
        c.BeginCall(now=_at(30), **_labels("CAgone")),
        c.NotePoll(now=_at(30), queue_time_s=0, position=1, **_labels("CAgone")),
        c.QueueResult(now=_at(90), result="hangup", queue_time_s=60, queue="support",
                      call_id="CAgone"),
    ]
    for n in (1, 2, 3):
        commands.append(c.Closed(now=_at(-3600 + n), from_number=f"+1415555000{n}",
                                 opens_at=OPENS, offered_callback=True, **_labels(f"CAc{n}")))
    for n in (1, 2):
        commands.append(c.BookCallback(call_id=f"CAc{n}", now=_at(-3590 + n), queue="support",
                                       number=f"+1415555000{n}", digit="1", due_at=OPENS))
    commands.append(c.KeptCallback(now=_at(-100), booked="CAc1", **_labels("CAk")))
    for command in commands:
        with engine.begin() as conn:
            apply(conn, command)
    with engine.begin() as conn:  # the callbacks' fates at the opening
        for call_id, status in (("CAc1", "connected"), ("CAc2", "failed")):
            conn.execute(update(callbacks).where(callbacks.c.call_id == call_id)
                         .values(status=status))
    engine.dispose()
    return sqlite_url


def _report(*args: str) -> tuple[dict, str]:
    result = CliRunner().invoke(report_command, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_no_group_has_an_outcome_count_that_is_zero_by_construction(mix_file, hours_db):
    for source in (["--records", str(mix_file)], ["--db", hours_db]):
        report, _ = _report(*source)
        for entry in report["policies"]:
            assert not {f"n_{o.value}" for o in NOT_QUEUED} & set(entry)
            assert (entry["calls"], entry["n_answered"], entry["n_abandoned"]) == (2, 1, 1)


def test_a_record_file_gives_its_never_queued_calls_apart_per_group(mix_file):
    report, said = _report("--records", str(mix_file))
    [group] = report["not_queued"]
    assert group["group"] == "support · callback" == report["policies"][0]["group"]
    assert {name: group[name] for name in COUNTS} == {
        "closed": 2, "closed_callbacks_booked": 1, "closed_callbacks_connected": 1,
        "closed_callbacks_failed": None,  # a record does not say: not a 0
        "closed_callbacks_not_connected": 0, "kept_callback": 1}
    assert (report["period"]["not_queued"], report["period"]["not_queued_closed"],
            report["period"]["not_queued_kept_callback"]) == (3, 2, 1)
    assert ("left out 3 calls that never joined a queue (2 rang while the line was closed, "
            "1 kept a pending callback)") in said


def test_the_database_gives_them_as_a_file_does_and_says_what_it_left_out(hours_db):
    """The database's report had no word of them on stderr and no figure in the JSON."""
    report, said = _report("--db", hours_db)
    [group] = report["not_queued"]
    assert {name: group[name] for name in COUNTS} == {
        "closed": 3, "closed_callbacks_booked": 2, "closed_callbacks_connected": 1,
        "closed_callbacks_failed": 1, "closed_callbacks_not_connected": 1, "kept_callback": 1}
    assert report["period"]["not_queued"] == 4
    assert ("left out 4 calls that never joined a queue (3 rang while the line was closed, "
            "1 kept a pending callback)") in said
    assert report["policies"][0]["unserved_rate"] == 0.5  # the queue's rates as before
    assert report["policies"][0]["callbacks_requested"] == 0  # bookings while closed: apart


def test_file_and_database_reports_have_one_shape(mix_file, hours_db):
    from_file, _ = _report("--records", str(mix_file))
    from_db, _ = _report("--db", hours_db)
    assert set(from_file["not_queued"][0]) == set(from_db["not_queued"][0])
    assert set(from_file["period"]) - {"calls_in_progress"} == \
        set(from_db["period"]) - {"calls_in_progress"}


def test_the_sections_fields_are_the_modules():
    from analytics.not_queued import COUNTS as counted

    assert counted == COUNTS


def test_every_field_of_the_section_is_defined(mix_file):
    report, _ = _report("--records", str(mix_file))
    defined = report["definitions"]
    assert set(COUNTS) <= set(defined) and "not_queued" in defined
    assert set(definitions(5, 20)) == set(defined)
    text = CliRunner().invoke(report_command, ["--records", str(mix_file)]).stdout
    assert "calls that never joined a queue, per group" in text
    assert "left out 3 calls that never joined a queue" in text


@pytest.mark.parametrize("whole", [False, True])
def test_the_batched_and_the_whole_reads_give_the_same_section(mix_file, hours_db, tmp_path,
                                                               whole):
    """--html reads the records whole; without it they come in batches."""
    more = ["--html", str(tmp_path / "page.html")] if whole else []
    for source in (["--records", str(mix_file)], ["--db", hours_db]):
        report, said = _report(*source, *more)
        assert report["not_queued"] == _report(*source)[0]["not_queued"]
        assert "that never joined a queue" in said
    if whole:
        assert "Calls that never joined a queue" in (tmp_path / "page.html").read_text()


def test_the_period_and_queues_narrow_the_section_as_they_narrow_the_calls(hours_db):
    """The closed calls rang at 08:00, the kept callback at 08:58, the queue's calls 09:00."""
    report, said = _report("--db", hours_db, "--from", "2026-03-02T08:59:00Z")
    assert report["not_queued"] == [] and report["period"]["not_queued"] == 0
    assert "never joined a queue" not in said
    report, _ = _report("--db", hours_db, "--from", "2026-03-02T07:00:00Z", "--queue",
                        "support")
    assert report["period"]["not_queued"] == 4


def test_a_file_period_narrows_the_left_out_calls(tmp_path):
    rows = [call("a1", Outcome.ANSWERED, 10),
            call("x1", Outcome.CLOSED, 0, at_s=-86_400)]  # rang the day before
    path = write_records(rows, tmp_path / "two_days.csv")
    report, said = _report("--records", str(path), "--from", "2025-03-03")
    assert report["not_queued"] == [] and "never joined" not in said
    report, said = _report("--records", str(path))
    assert report["period"]["not_queued"] == 1 and "left out 1 call that never" in said


def test_export_from_the_database_says_what_it_left_out_as_from_a_file(hours_db, mix_file,
                                                                        tmp_path):
    for source in (["--db", hours_db], ["--records", str(mix_file)]):
        result = CliRunner().invoke(export_command, ["--format", "csv", *source, "--out",
                                                     str(tmp_path / "out.csv")])
        assert result.exit_code == 0, result.output
        assert "wrote 2 call records" in result.output
        assert "that never joined a queue (" in result.stderr
        assert "in no record file" in result.stderr
