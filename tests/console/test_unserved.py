"""Callers who were not served: number, time, wait and what they heard; CSV; masked numbers
for analysts; a bad period is a 422 naming the parameter."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update

from app.storage.schema import callbacks, calls
from tests.app.test_voice_contract import wait_form
from tests.console.conftest import bearer
from tests.support.sids import sid

WAIT = "/voice/wait?policy=callback&queue=support"


def abandon(twilio, call_id: str, number: str, clock) -> None:
    twilio.post("/voice/incoming?queue=support", {"CallSid": call_id, "From": number})
    twilio.post(WAIT, wait_form(call_id, queue_time=0))
    clock.advance(90)
    twilio.post(WAIT, wait_form(call_id, queue_time=90))
    twilio.post("/voice/queue-result?queue=support&policy=callback",
                {"CallSid": call_id, "QueueResult": "hangup", "QueueTime": "95"})


def test_abandoned_and_failed_callbacks_are_listed_with_what_they_heard(
        console_app, twilio_console, tokens, clock):
    abandon(twilio_console, sid("CA1"), "+14155550101", clock)
    engine = console_app.extensions["holdwell"].store.engine
    now = clock.now() - timedelta(minutes=5)  # it entered before now: the period's end
    with engine.begin() as conn:  # a callback promise that failed after its last attempt
        conn.execute(insert(calls).values(call_id=sid("CA2"), queue="support", policy="callback",
                                          from_number="+14155550102", arrived_at=now,
                                          entered_at=now, outcome="callback_failed", wait_s=40))
        conn.execute(insert(callbacks).values(call_id=sid("CA2"), queue="support",
                                              number="+14155550199", entered_at=now,
                                              requested_at=now, status="failed"))
    client = console_app.test_client()
    listing = client.get("/api/v1/unserved", headers=bearer(tokens["operator"])).get_json()
    rows = {c["call_id"]: c for c in listing["callers"]}
    assert set(rows) == {sid("CA1"), sid("CA2")}
    assert rows[sid("CA1")]["outcome"] == "abandoned"
    assert rows[sid("CA1")]["number"] == "+14155550101"
    assert rows[sid("CA1")]["wait_s"] == 95 and "Sorry" in rows[sid("CA1")]["heard"]
    assert rows[sid("CA2")]["number"] == "+14155550199"  # the number we promised to ring
    masked = client.get("/api/v1/unserved", headers=bearer(tokens["analyst"])).get_json()
    assert all("41555501" not in c["number"] for c in masked["callers"])
    exported = client.get("/api/v1/unserved.csv", headers=bearer(tokens["operator"]))
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert exported.mimetype == "text/csv"
    assert {r["number"] for r in table} == {"+14155550101", "+14155550199"}
    start, end = (datetime.fromisoformat(listing[key]).astimezone(UTC) for key in ("start", "end"))
    assert exported.headers["Content-Disposition"] == (  # named by its period: a week's
        f"attachment; filename=unserved_{start:%Y-%m-%dT%H%M}Z_{end:%Y-%m-%dT%H%M}Z.csv")


def test_the_period_filters_and_a_bad_time_names_the_parameter(console_app, twilio_console,
                                                               tokens, clock, as_role):
    abandon(twilio_console, sid("CA1"), "+14155550101", clock)
    client = console_app.test_client()
    later = (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    after = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    empty = client.get(f"/api/v1/unserved?start={later}&end={after}",
                       headers=bearer(tokens["operator"]))
    assert empty.get_json()["callers"] == []
    future = client.get(f"/api/v1/unserved?start={later}", headers=bearer(tokens["operator"]))
    assert future.status_code == 422 and "is after now" in future.get_json()["fields"]["start"]
    bad = client.get("/api/v1/unserved?start=yesterday", headers=bearer(tokens["operator"]))
    assert bad.status_code == 422 and "start" in bad.get_json()["fields"]
    page = as_role("analyst").get("/console/unserved?start=soon")
    assert page.status_code == 422 and "start" in page.get_data(as_text=True)
    shown = as_role("analyst").get("/console/unserved").get_data(as_text=True)
    assert sid("CA1") in shown and "masked" in shown and "+14155550101" not in shown
    csv_page = as_role("operator").get("/console/unserved.csv").get_data(as_text=True)
    assert "+14155550101" in csv_page


def test_a_settled_call_still_waiting_is_not_unserved(console_app, tokens, clock):
    engine = console_app.extensions["holdwell"].store.engine
    now = clock.now()
    with engine.begin() as conn:
        conn.execute(insert(calls).values(call_id=sid("CA3"), queue="support", policy="callback",
                                          arrived_at=now, entered_at=now))
        conn.execute(update(calls).values(outcome="answered", wait_s=10))
    listing = console_app.test_client().get("/api/v1/unserved",
                                            headers=bearer(tokens["operator"])).get_json()
    assert listing["callers"] == []


def test_a_call_that_rang_before_midnight_and_entered_after_counts_on_the_day_it_entered(
        console_app, twilio_console, tokens, clock):
    """The wallboard's "today" and the unserved list counted a call by when it rang, the
    report by when it entered the queue: one that rang at 23:59:55 and entered after the
    welcome, at 00:00:09, was on no wallboard day at all (a reviewer's finding)."""
    import json

    from click.testing import CliRunner

    from cli.report_commands import report_command

    call = sid("CAmidnight")
    clock.set(clock.now().replace(hour=23, minute=59, second=55))
    twilio_console.post("/voice/incoming?queue=support", {"CallSid": call,
                                                          "From": "+14155550100"})
    clock.advance(14)  # the welcome said: in the queue from 00:00:09
    day = clock.now().replace(hour=0, minute=0, second=0)
    twilio_console.post(WAIT, wait_form(call, queue_time=0))
    clock.advance(81)
    twilio_console.post("/voice/queue-result?queue=support&policy=callback",
                        {"CallSid": call, "QueueResult": "hangup", "QueueTime": "81"})
    clock.set(day + timedelta(hours=9))
    analyst = bearer(tokens["analyst"])
    client = console_app.test_client()
    state = client.get("/api/v1/queues", headers=analyst).get_json()
    today = next(q for q in state["queues"] if q["queue"] == "support")["today"]
    start, end = day.strftime("%Y-%m-%dT%H:%M:%SZ"), clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = client.get(f"/api/v1/unserved?start={start}&end={end}", headers=analyst).get_json()
    url = str(console_app.extensions["holdwell"].store.engine.url)
    report = CliRunner().invoke(report_command, ["--db", url, "--queue", "support", "--from",
                                                 start, "--json"])
    [group] = json.loads(report.stdout)["policies"]
    assert (today["calls"], today["abandoned"]) == (group["calls"], group["n_abandoned"]) == (
        1, 1)
    assert [caller["call_id"] for caller in listed["callers"]] == [call]


def test_a_hang_up_during_the_welcome_is_listed_and_the_page_says_so(
        console_app, twilio_console, as_role, clock):
    """The welcome is said in the queue, so a caller who hangs up during it is abandoned and
    listed; the page had said such callers joined no queue and were not listed."""
    twilio_console.post("/voice/incoming?queue=support", {"CallSid": sid("CA3"),
                                                          "From": "+14155550103"})
    twilio_console.post(WAIT + "&welcome=1", wait_form(sid("CA3"), queue_time=0))
    clock.advance(5)
    twilio_console.post("/voice/queue-result?queue=support&policy=callback",
                        {"CallSid": sid("CA3"), "QueueResult": "hangup", "QueueTime": "5"})
    page = as_role("operator").get("/console/unserved").get_data(as_text=True)
    assert sid("CA3") in page
    assert "hung up during the greeting, before joining a queue" not in page
    assert "hangs up during the welcome is listed" in page


def test_a_caller_with_no_check_in_is_not_said_to_have_heard_nothing(
        console_app, twilio_console, as_role, clock):
    """A caller who hung up with no check-in logged had been listed as having heard "nothing
    (before the first check-in)": they heard the welcome, and on a silence queue (the demo's
    abandoner) no check-in was ever to come."""
    twilio_console.post("/voice/incoming?queue=support", {"CallSid": sid("CA4"),
                                                          "From": "+14155550104"})
    twilio_console.post(WAIT + "&welcome=1", wait_form(sid("CA4"), queue_time=0))
    clock.advance(75)
    twilio_console.post("/voice/queue-result?queue=support&policy=callback",
                        {"CallSid": sid("CA4"), "QueueResult": "hangup", "QueueTime": "75"})
    page = as_role("operator").get("/console/unserved").get_data(as_text=True)
    assert sid("CA4") in page
    assert "nothing (before the first check-in)" not in page
    assert "no check-in or message (the welcome is not logged)" in page


def test_a_wait_is_rounded_to_the_second_as_the_wallboard_rounds_it(console_app, as_role,
                                                                    clock):
    """The list cut a wait to the second (59.7 s read 0:59) where the wallboard rounds it
    (1:00): the same caller's wait read two ways on two pages."""
    at = clock.now() - timedelta(hours=1)
    with console_app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(insert(calls), [
            {"call_id": sid(f"CA{n}"), "queue": "support", "policy": "callback",
             "arrived_at": at, "entered_at": at, "outcome": "abandoned", "wait_s": wait}
            for n, wait in enumerate((59.7, 29.5, 0.4))])
    page = as_role("analyst").get("/console/unserved").get_data(as_text=True)
    waits = re.findall(r'data-label="waited \(m:ss\)">([^<]*)<', page)
    assert sorted(waits) == ["0:00", "0:30", "1:00"]
