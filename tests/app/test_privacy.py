"""`holdwell privacy redact`: callers' numbers, words and recording links leave the call log,
and every figure read from it stays the same. There had been no way but hand-written SQL
(the README said "purge old events with your retention policy")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select

from app.storage import audit
from app.storage.privacy import redact
from app.storage.schema import call_events, callback_messages, callbacks, calls
from cli.main import cli

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
ANA, BO = "+14155550100", "+14155550111"
SID = "RE" + "a" * 32


def _seed(url: str) -> None:
    """Ana: an old answered call that told its reason, and a callback made and kept; a
    voicemail. Bo: an ended call last week, and one still in line with a callback promised."""
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=7)
    rows = [("CA1", ANA, old, "answered"), ("CA2", ANA, old, "callback_connected"),
            ("CA3", BO, recent, "abandoned"), ("CA4", BO, recent, None)]
    events = [("CA1", "REASON", {"transcript": "my card was stolen", "confidence": 0.9}),
              ("CA1", "CONNECT", {"agent_call_id": "CA9"}),
              ("CA2", "CALLBACK_REQUESTED", {"number": ANA, "promised_wait_s": 300}),
              ("CA2", "VOICEMAIL", {"recording_url": "https://api.twilio.com/x/" + SID,
                                    "recording_sid": SID, "number": ANA}),
              ("CA2", "VOICEMAIL_TEXT", {"recording_sid": SID, "text": "call me back"}),
              ("CA2", "ANNOUNCE", {"kind": "checkin", "text": "You are number 2 in line."}),
              ("CA3", "ABANDON", {"source": "queue-result"}),
              ("CA4", "CALLBACK_REQUESTED", {"number": BO, "promised_wait_s": None})]
    engine = create_engine(url)
    with engine.begin() as conn:
        for call_id, number, arrived, outcome in rows:
            conn.execute(insert(calls).values(
                call_id=call_id, queue="support", policy="checkin", from_number=number,
                arrived_at=arrived, entered_at=arrived, outcome=outcome,
                wait_s=None if outcome is None else 42.0))
        for index, (call_id, event, data) in enumerate(events):
            conn.execute(insert(call_events).values(
                time=NOW - timedelta(days=1), call_id=call_id, queue="support", event=event,
                data=json.dumps(data), dedupe_key=f"{call_id}:{event}:{index}"))
        for call_id, number, status in (("CA2", ANA, "connected"), ("CA4", BO, "pending")):
            conn.execute(insert(callbacks).values(
                call_id=call_id, queue="support", number=number, entered_at=NOW,
                requested_at=NOW, status=status))
        conn.execute(insert(callback_messages).values(
            recording_sid=SID, callback_id="CA2", call_id="CA2", left_at=NOW,
            recording_url="https://api.twilio.com/x/" + SID, recording_s=12,
            transcript="call me about my card"))
    engine.dispose()


def _log(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {
            "calls": {row.call_id: row._asdict() for row in conn.execute(select(calls))},
            "events": {row.dedupe_key: {**row._asdict(), "data": json.loads(row.data)}
                       for row in conn.execute(select(call_events))},
            "callbacks": {row.call_id: row._asdict() for row in conn.execute(select(callbacks))},
            "messages": [row._asdict() for row in conn.execute(select(callback_messages))]}
    engine.dispose()
    return found


PERSONAL = ("from_number", "number", "transcript", "recording_url")


def _without_personal(log: dict) -> dict:
    """The log with every personal field blanked: what must not change."""
    def blank(row: dict) -> dict:
        row = {k: v for k, v in row.items() if k not in PERSONAL}
        if "data" in row:
            row["data"] = {k: v for k, v in row["data"].items() if k not in PERSONAL and not (
                k == "text" and row["event"] == "VOICEMAIL_TEXT")}
        return row

    return {"calls": {k: blank(v) for k, v in log["calls"].items()},
            "events": {k: blank(v) for k, v in log["events"].items()},
            "callbacks": {k: blank(v) for k, v in log["callbacks"].items()},
            "messages": [blank(v) for v in log["messages"]]}


def test_an_erasure_request_takes_the_persons_data_and_nothing_else(any_url):
    _seed(any_url)
    before = _log(any_url)
    engine = create_engine(any_url)
    dry = redact(engine, number=ANA, now=NOW, actor="cli", dry_run=True)
    assert (dry.calls, dry.events, dry.callbacks, dry.messages) == (2, 4, 1, 1)
    assert _log(any_url) == before  # a dry run changes nothing
    done = redact(engine, number=ANA, now=NOW, actor="cli")
    assert done == dry and done.recordings == (SID,)
    after = _log(any_url)
    assert _without_personal(after) == _without_personal(before)
    assert after["calls"]["CA1"]["from_number"] is None
    assert after["callbacks"]["CA2"]["number"] == ""
    assert after["messages"][0]["recording_url"] == "" and after["messages"][0][
        "transcript"] is None
    assert after["messages"][0]["recording_sid"] == SID  # to delete it on Twilio
    reason = next(e for e in after["events"].values() if e["event"] == "REASON")
    assert reason["data"] == {"transcript": None, "confidence": 0.9}
    said = {e["event"]: e["data"].get("text") for e in after["events"].values()}
    assert said["VOICEMAIL_TEXT"] is None  # the caller's words
    assert said["ANNOUNCE"] == "You are number 2 in line."  # the app's: the wallboard's
    assert ANA not in json.dumps(after, default=str)
    assert BO in json.dumps(after, default=str)  # Bo's calls are untouched
    entry = audit.page(engine, kind="privacy").entries[0]
    assert entry.action == "privacy.redact" and ANA not in json.dumps(entry.detail)
    engine.dispose()


def test_a_retention_run_leaves_recent_calls_and_never_a_promise_in_flight(any_url):
    _seed(any_url)
    engine = create_engine(any_url)
    done = redact(engine, before=NOW - timedelta(days=365), now=NOW, actor="cli")
    assert (done.calls, done.kept_open) == (2, 0)
    everyone = redact(engine, before=NOW, number=BO, now=NOW, actor="cli")
    assert (everyone.calls, everyone.kept_open) == (3, 1)  # CA1-3 (1-2 again); CA4 in line
    assert everyone.events == 0  # CA1 and CA2's were redacted already, CA3's held none
    after = _log(any_url)
    assert after["calls"]["CA4"]["from_number"] == BO
    assert after["callbacks"]["CA4"]["number"] == BO
    assert after["events"]["CA4:CALLBACK_REQUESTED:7"]["data"]["number"] == BO
    assert after["calls"]["CA3"]["from_number"] is None
    engine.dispose()


def test_the_cli_asks_before_it_redacts_and_the_report_reads_the_same(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--file", str(tmp_path / "demo.db")]).exit_code == 0
    report = runner.invoke(cli, ["report", "--db", url])
    monkeypatch.setenv("DATABASE_URL", url)
    asked = runner.invoke(cli, ["privacy", "redact", "--older-than", "1"])
    assert asked.exit_code == 0 and "would redact (add --yes to do it): 16 ended" in asked.output
    done = runner.invoke(cli, ["privacy", "redact", "--older-than", "1", "--yes"])
    assert done.exit_code == 0 and done.stdout.startswith("redacted: 16 ended calls")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(calls.c.from_number).where(
            calls.c.from_number.is_not(None))).first() is None
    engine.dispose()
    assert runner.invoke(cli, ["report", "--db", url]).stdout == report.stdout


@pytest.mark.parametrize(("args", "said"), [
    ([], "--older-than DAYS, --number CALLER, or both"),
    (["--number", "4155550100"], "is neither an E.164 number such as +14155550100 nor a SIP"),
    (["--number", "+1 415 555 0100"], "is neither an E.164 number"),
    (["--number", "anonymous"], "is neither an E.164 number"),  # many callers', no one's
    (["--number", " "], "is neither an E.164 number"),
    (["--older-than", "0"], "0 is not in the range"),
])
def test_the_cli_refuses_what_chooses_no_calls_clearly(args, said, sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    refused = CliRunner().invoke(cli, ["privacy", "redact", *args])
    assert refused.exit_code == 2 and said in refused.output


def test_a_message_left_for_a_callback_still_promised_is_kept(any_url):
    """A caller with a callback pending rang again and left a voicemail: the message rides
    on the first call's callback. Redacting the second, ended call had blanked it, so the
    agent taking the callback had nothing to play (a reviewer's finding)."""
    engine = create_engine(any_url)
    with engine.begin() as conn:
        for call_id, outcome in (("CA1", None), ("CA2", "overflow")):
            conn.execute(insert(calls).values(call_id=call_id, queue="support", policy="x",
                                              from_number=ANA, arrived_at=NOW,
                                              outcome=outcome))
        conn.execute(insert(callbacks).values(call_id="CA1", queue="support", number=ANA,
                                              entered_at=NOW, requested_at=NOW,
                                              status="pending"))
        conn.execute(insert(callback_messages).values(
            recording_sid=SID, callback_id="CA1", call_id="CA2", left_at=NOW,
            recording_url="https://api.twilio.com/x/" + SID, transcript="ring me"))
    done = redact(engine, number=ANA, now=NOW + timedelta(days=1), actor="cli")
    assert (done.calls, done.kept_open, done.messages) == (1, 1, 0)
    message = _log(any_url)["messages"][0]
    assert (message["recording_url"], message["transcript"]) == (
        "https://api.twilio.com/x/" + SID, "ring me")
    engine.dispose()


JANE_SIP, JANE_CLIENT, OTHER_SIP = ("sip:jane.doe@example.com", "client:jane_doe",
                                    "sip:Jane.Doe@example.com")


def _callers(url: str, *froms: str) -> None:
    """One ended call from each caller (a SIP or Client From is kept as Twilio sent it)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for index, caller in enumerate(froms):
            arrived = NOW - timedelta(days=3)
            conn.execute(insert(calls).values(
                call_id=f"CA{index}", queue="support", policy="checkin", from_number=caller,
                arrived_at=arrived, entered_at=arrived, outcome="abandoned", wait_s=30.0))
    engine.dispose()


def test_a_sip_or_client_callers_erasure_request_is_carried_out(sqlite_url, monkeypatch):
    """The call log keeps a SIP or Twilio Client caller's From (migration 0011), but --number
    took only E.164: such a caller's erasure request could not be carried out, and the error
    said E.164 was "the form the call log keeps" (operator audit 35, D3)."""
    _callers(sqlite_url, JANE_SIP, JANE_CLIENT, OTHER_SIP, ANA)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    for caller in (JANE_SIP, JANE_CLIENT):
        done = runner.invoke(cli, ["privacy", "redact", "--number", caller, "--yes"])
        assert done.exit_code == 0, done.output
        assert done.stdout.startswith("redacted: 1 ended calls chosen")
    kept = {call_id: row["from_number"] for call_id, row in _log(sqlite_url)["calls"].items()}
    # matched exactly as kept: the user part of a SIP address is case-sensitive, so
    # sip:Jane.Doe@… may be someone else, and stays
    assert kept == {"CA0": None, "CA1": None, "CA2": OTHER_SIP, "CA3": ANA}


def test_a_caller_matching_nobody_is_said_with_those_kept_in_another_case(sqlite_url,
                                                                          monkeypatch):
    _callers(sqlite_url, JANE_SIP)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    asked = CliRunner().invoke(cli, ["privacy", "redact", "--number", "sip:JANE.DOE@example.com"])
    assert asked.exit_code == 0
    assert "no call is from or has a callback to exactly 'sip:JANE.DOE@example.com' " \
        "(compared as kept, case and all)" in asked.output
    assert f"kept in another case: {JANE_SIP!r}" in asked.output


def test_a_tel_uri_matching_nobody_is_told_the_bare_number_to_try(sqlite_url, monkeypatch):
    """`--number tel:+14155550004` (as a contact book writes it) matched nobody without a
    word on why: a phone caller is kept as the bare E.164 number Twilio sends."""
    _callers(sqlite_url, JANE_SIP)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    asked = CliRunner().invoke(cli, ["privacy", "redact", "--number", "tel:+14155550004"])
    assert asked.exit_code == 0
    assert "a phone caller is kept as their bare number, as Twilio sends it: try --number " \
        "+14155550004" in asked.output


def test_a_sip_caller_is_matched_exactly_on_both_databases(any_url):
    from app.storage.privacy import other_case

    _callers(any_url, JANE_SIP, OTHER_SIP)
    engine = create_engine(any_url)
    assert sorted(other_case(engine, "sip:JANE.DOE@EXAMPLE.COM")) == sorted([OTHER_SIP,
                                                                             JANE_SIP])
    assert redact(engine, number=JANE_SIP, now=NOW, actor="test").calls == 1
    engine.dispose()
    assert {call_id: row["from_number"] for call_id, row in _log(any_url)["calls"].items()} \
        == {"CA0": None, "CA1": OTHER_SIP}


@pytest.mark.parametrize("placeholder", ["+266696687", "+7378742833"])
def test_a_withheld_numbers_placeholder_is_refused_naming_why(placeholder, sqlite_url,
                                                              monkeypatch):
    """Every caller who hides their number arrives as the same keypad-spelt placeholder:
    an erasure request by it would have redacted them all (review 35, R8)."""
    _callers(sqlite_url, placeholder, ANA)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    refused = CliRunner().invoke(cli, ["privacy", "redact", "--number", placeholder, "--yes"])
    assert refused.exit_code == 2
    assert "withheld number's placeholder" in refused.output
    kept = {row["from_number"] for row in _log(sqlite_url)["calls"].values()}
    assert kept == {placeholder, ANA}
