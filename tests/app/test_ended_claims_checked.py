"""An agent's claim with no result is checked with Twilio before its customer is rung again
(issue 11, exactly-once callbacks: "a claim is released when its agent call has really ended
(the agent leg's status callback, or the REST call resource)").

The case it closes: the customer answered, but the host that heard it was cut off from the
database and journaled the answer; another host heard the agent's call end and put the
callback back in line, and the next agent rang a customer who had just been helped. Twilio's
REST API is mocked at the client boundary with real CallInstance objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.base.exceptions import TwilioRestException
from twilio.rest.api.v2010.account.call import CallInstance

from app.callback_watch import watch_once
from app.callback_worker import report_line
from app.claim_checks import (
    ANSWERED,
    CHECK_LIMIT_S,
    KEEP,
    LIST_LAG_S,
    RELEASE,
    UNANSWERED_ATTEMPT,
    Leg,
    verdict,
)
from app.signed_client import SignedClient
from app.storage import callback_queue
from app.storage import commands as c
from tests.app.test_callbacks import CONFIG, callback_rows, enter
from tests.app.test_exactly_once_callbacks import claimed_dial, report
from tests.app.test_voice_contract import call_row, logged_events, request_callback
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.callback_rows import seed_pending
from tests.support.sids import sid

CUSTOMER = "+14155550100"  # enter()'s caller, who asks to be called back on their own number


@pytest.fixture
def credentialed(make_app, clock):
    """The app with REST credentials (so ended claims wait for the check) and a callback
    claimed by agent A."""
    app = make_app(CONFIG, account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    fence = claimed_dial(twilio, sid("CAagentA"))
    return app, twilio, fence


def leg(status: str, at: datetime, *, talked_s: int = 0, answered_by: str | None = None,
        to: str = CUSTOMER, name: str = "CAlegA") -> CallInstance:
    """A child leg of the agent's call as Twilio's Call resource returns it."""
    payload = {"sid": sid(name), "status": status, "to": to,
               "parent_call_sid": sid("CAagentA"), "date_created": format_datetime(at),
               "start_time": format_datetime(at)}
    if status == "completed":
        payload["end_time"] = format_datetime(at + timedelta(seconds=5 + talked_s))
        payload["duration"] = str(talked_s)
    if answered_by:
        payload["answered_by"] = answered_by
    return CallInstance(None, payload, "AC123")


def check(app, mocker, clock, *legs_or_error, advance_s: float = 15):
    """One round of `holdwell callbacks` (its REST client's calls.list mocked)."""
    svc = app.extensions["holdwell"]
    listed = mocker.patch.object(svc.rest_client.calls, "list")
    if legs_or_error and isinstance(legs_or_error[0], Exception):
        listed.side_effect = legs_or_error[0]
    else:
        listed.return_value = list(legs_or_error)
    clock.advance(advance_s)
    return watch_once(svc.store.engine, svc.config.callbacks, clock.now(),
                      client=svc.rest_client), listed


def agent_hangs_up(twilio, agent: str = "CAagentA") -> None:
    twilio.post("/voice/status", {"CallSid": sid(agent), "CallStatus": "completed"})


def test_an_ended_agent_call_holds_its_claim_for_the_check_when_the_app_can_ask_twilio(
        credentialed):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    row = callback_rows(app)[0]
    assert row["status"] == "claimed" and row["agent_ended_at"] is not None
    assert row["claimed_by"] == sid("CAagentA")
    answer = parse(twilio.post("/voice/agent", {"CallSid": sid("CAagentB")}).data)
    assert answer.find(".//Number") is None  # B is not sent to ring the customer
    assert callback_rows(app)[0]["claimed_by"] == sid("CAagentA")


def test_an_answer_journaled_on_a_cut_off_host_is_not_rung_over(credentialed, mocker, clock):
    """Host 1 heard the customer answer but could not store it; host 2 heard the agent's
    call end. The check finds the answered leg: connected, never dialled again; host 1's
    answer, replayed later, adds nothing."""
    app, twilio, fence = credentialed
    answered_at = clock.now() + timedelta(seconds=8)
    clock.advance(200)  # they talked; the answer sits in host 1's journal
    agent_hangs_up(twilio)
    report_, listed = check(app, mocker, clock, leg("completed", answered_at - timedelta(
        seconds=5), talked_s=187, answered_by="human"))
    assert listed.call_args.kwargs["parent_call_sid"] == sid("CAagentA")
    assert listed.call_args.kwargs["to"] == CUSTOMER
    assert report_.checked.connected == [sid("CA1")]
    row = callback_rows(app)[0]
    assert row["status"] == "connected"
    assert call_row(app, sid("CA1"))["outcome"] == "callback_connected"
    assert callback_queue.claim_next(app.extensions["holdwell"].store.engine.connect(),
                                     "support", sid("CAagentB"), clock.now()) is None
    svc = app.extensions["holdwell"]
    svc.store.write(c.CallbackConnected(call_id=sid("CA1"), now=answered_at + timedelta(
        seconds=1), claim=fence["claim"]), None)  # host 1's journal, replayed
    assert logged_events(app, sid("CA1")).count("CALLBACK_CONNECT") == 1
    assert "ended claims answered: 1" in report_line(report_)


def test_a_customer_still_talking_when_the_claim_times_out_is_not_rung_again(
        credentialed, mocker, clock):
    """No word from either webhook and the agent's call still on: a leg in progress is a
    customer who answered."""
    app, _, _ = credentialed
    report_, _ = check(app, mocker, clock, leg("in-progress", clock.now(), answered_by="human"),
                       advance_s=400)
    assert report_.checked.connected == [sid("CA1")]
    assert callback_rows(app)[0]["status"] == "connected"


def test_a_leg_still_ringing_keeps_the_claim_until_the_limit(credentialed, mocker, clock):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    report_, _ = check(app, mocker, clock, leg("ringing", clock.now()))
    assert report_.checked.kept == [sid("CA1")] and callback_rows(app)[0]["status"] == "claimed"
    report_, _ = check(app, mocker, clock, leg("ringing", clock.now()), advance_s=CHECK_LIMIT_S)
    row = callback_rows(app)[0]
    assert report_.checked.released == [sid("CA1")]
    assert row["status"] == "pending" and row["attempts"] == 0


def test_an_unanswered_leg_is_one_attempt_however_its_dial_result_comes_later(
        credentialed, mocker, clock):
    app, twilio, fence = credentialed
    agent_hangs_up(twilio)
    report_, _ = check(app, mocker, clock, leg("no-answer", clock.now()))
    assert report_.checked.unanswered == [sid("CA1")]
    row = callback_rows(app)[0]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["next_attempt_at"] is not None  # retried later, not at once
    report(twilio, fence, "no-answer", sid("CAlegA"))  # the journaled dial-result, replayed
    assert callback_rows(app)[0]["attempts"] == 1
    assert logged_events(app, sid("CA1")).count("CALLBACK_ATTEMPT") == 1


@pytest.mark.parametrize(("answered_by", "result"), [
    ("machine_end_beep", "voicemail"), ("fax", "voicemail"),
    (None, "no-answer"),  # picked up, ended before detection said who: nobody was helped
], ids=["machine", "fax", "before detection"])
def test_a_leg_that_reached_no_person_is_an_unanswered_attempt(credentialed, mocker, clock,
                                                                answered_by, result):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    check(app, mocker, clock, leg("completed", clock.now(), talked_s=20,
                                  answered_by=answered_by))
    row = callback_rows(app)[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_result"] == result


@pytest.mark.parametrize("legs", [[], ["canceled"]], ids=["never dialled", "cancelled"])
def test_a_claim_never_rung_goes_back_to_its_place_at_no_cost(credentialed, mocker, clock,
                                                               legs):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    listed = [leg(status, clock.now()) for status in legs]
    if not legs:  # Twilio's list may lag a fresh leg: "none" is trusted a minute on
        assert check(app, mocker, clock)[0].checked.kept == [sid("CA1")]
    report_, _ = check(app, mocker, clock, *listed, advance_s=LIST_LAG_S)
    assert report_.checked.released == [sid("CA1")]
    row = callback_rows(app)[0]
    assert row["status"] == "pending" and row["attempts"] == 0 and row["claim_token"] is None
    assert claimed_dial(twilio, sid("CAagentB"))["call"] == sid("CA1")  # the next agent rings
    assert callback_rows(app)[0]["agent_ended_at"] is None  # a fresh claim, not an ended one


def test_legs_of_earlier_claims_or_other_numbers_are_not_this_claims(credentialed, mocker,
                                                                      clock):
    """The agent's call may have rung others (or this customer for an earlier attempt)."""
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    earlier = clock.now() - timedelta(seconds=600)
    check(app, mocker, clock, leg("completed", earlier, talked_s=30, name="CAold",
                                  answered_by="human"), advance_s=LIST_LAG_S)
    assert callback_rows(app)[0]["status"] == "pending"  # released, not "connected"


def test_twilio_unreachable_keeps_the_claim_then_releases_it(credentialed, mocker, clock):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    report_, _ = check(app, mocker, clock, ConnectionError("Twilio unreachable"))
    assert report_.checked.kept == [sid("CA1")] and callback_rows(app)[0]["status"] == "claimed"
    report_, _ = check(app, mocker, clock, ConnectionError("still"), advance_s=CHECK_LIMIT_S)
    assert report_.checked.released == [sid("CA1")]
    assert callback_rows(app)[0]["status"] == "pending"


def test_a_result_that_arrives_while_twilio_is_asked_is_counted_once(credentialed, mocker,
                                                                     clock):
    """The journaled dial-result reaches the database while the round waits on Twilio: the
    same leg's attempt, keyed alike, counts once."""
    app, twilio, fence = credentialed
    agent_hangs_up(twilio)

    def dial_result_lands(**_query):
        report(twilio, fence, "no-answer", sid("CAlegA"))
        return [leg("no-answer", clock.now())]

    svc = app.extensions["holdwell"]
    mocker.patch.object(svc.rest_client.calls, "list", side_effect=dial_result_lands)
    clock.advance(15)
    watch_once(svc.store.engine, svc.config.callbacks, clock.now(), client=svc.rest_client)
    row = callback_rows(app)[0]
    assert row["attempts"] == 1 and row["status"] == "pending"
    assert logged_events(app, sid("CA1")).count("CALLBACK_ATTEMPT") == 1


def test_a_claim_whose_verdict_changes_nothing_is_not_left_held(credentialed, mocker, clock):
    """A leg Twilio dates inside this claim (clocks apart) whose attempt an earlier claim
    counted: the verdict changes nothing, so the claim is released, not kept for ever."""
    app, twilio, fence = credentialed
    report(twilio, fence, "no-answer", sid("CAlegA"))  # attempt 1, under the first claim
    clock.advance(400)
    assert claimed_dial(twilio, sid("CAagentA"))["claim"] != fence["claim"]
    agent_hangs_up(twilio)
    check(app, mocker, clock, leg("no-answer", clock.now()))  # the same leg, dated late
    row = callback_rows(app)[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and row["claim_token"] is None


def two_ended_agent_claims(make_app, clock):
    """CA1 and CA2 claimed by agents 1 and 2, whose calls then ended: both for the check."""
    app = make_app(CONFIG, account_sid="AC123")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    seed_pending(app.extensions["holdwell"].store.engine, [sid("CA1"), sid("CA2")],
                 clock.now() - timedelta(seconds=60))
    for n in (1, 2):
        claimed_dial(twilio, sid(f"CAagent{n}"))
        agent_hangs_up(twilio, f"CAagent{n}")
    return app


def test_one_unreachable_twilio_costs_the_round_one_request(make_app, mocker, clock):
    app = two_ended_agent_claims(make_app, clock)
    report_, listed = check(app, mocker, clock, ConnectionError("Twilio unreachable"))
    assert listed.call_count == 1  # the second claim waits for the next round unasked
    assert sorted(report_.checked.kept) == sorted([sid("CA1"), sid("CA2")])


def test_an_unreachable_twilio_is_warned_of_once_then_every_ten_minutes(make_app, mocker,
                                                                        clock, caplog):
    """Each round kept the claims and said again that Twilio could not say: now once, then
    every ten minutes with how many were held back; a new kind of trouble at once."""
    app = two_ended_agent_claims(make_app, clock)
    caplog.set_level("WARNING", logger="holdwell.callbacks")

    def warned() -> list[str]:
        return [record.getMessage() for record in caplog.records
                if "cannot say how its claim went" in record.getMessage()]

    for _ in range(10):  # 150 s of rounds
        report_, listed = check(app, mocker, clock, ConnectionError("Twilio unreachable"))
        assert listed.call_count == 1 and len(report_.checked.kept) == 2
    assert len(warned()) == 1
    check(app, mocker, clock, ConnectionError("Twilio unreachable"), advance_s=600)
    assert len(warned()) == 2 and "held back 9 more times since" in warned()[1]
    check(app, mocker, clock, TimeoutError("Twilio timed out"))  # another trouble: said
    assert len(warned()) == 3


def test_twilio_refusing_the_account_frees_ended_claims_unchecked(credentialed, mocker,
                                                                  clock):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    report_, _ = check(app, mocker, clock, TwilioRestException(401, "/Calls", "Authenticate"))
    assert report_.checked.released == [sid("CA1")]
    assert callback_rows(app)[0]["status"] == "pending"


def test_without_rest_credentials_an_ended_agent_frees_the_claim_at_once(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"), queue_time=60)
    claimed_dial(twilio, sid("CAagentA"))
    agent_hangs_up(twilio)
    assert callback_rows(app)[0]["status"] == "pending"


def test_a_worker_without_credentials_frees_claims_the_web_app_held(credentialed, clock):
    app, twilio, _ = credentialed
    agent_hangs_up(twilio)
    svc = app.extensions["holdwell"]
    clock.advance(15)
    report_ = watch_once(svc.store.engine, svc.config.callbacks, clock.now())  # no client
    assert report_.released == 1 and report_.checked is None
    assert callback_rows(app)[0]["status"] == "pending"


AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
legs = st.lists(st.builds(
    Leg, sid=st.sampled_from(["CA1", "CA2", "CA3"]),
    status=st.sampled_from(["queued", "ringing", "in-progress", "completed", "busy",
                            "no-answer", "failed", "canceled"]),
    created_at=st.integers(0, 600).map(lambda s: AT + timedelta(seconds=s)),
    answered_by=st.sampled_from(["", "human", "unknown", "machine_start", "fax"])), max_size=5)


@given(legs, st.randoms(), st.booleans())
def test_a_verdict_does_not_depend_on_the_order_twilio_lists_legs(found, shuffler, detection):
    shuffled = list(found)
    shuffler.shuffle(shuffled)
    assert verdict(shuffled, machine_detection=detection) == verdict(
        found, machine_detection=detection)


@given(legs, st.booleans())
def test_a_person_who_answered_always_makes_the_claim_kept_and_nothing_else(found, detection):
    def person(leg: Leg) -> bool:
        return (leg.status in ("in-progress", "completed")
                and not leg.answered_by.startswith(("machine", "fax"))
                and (bool(leg.answered_by) or not detection))

    outcome = verdict(found, machine_detection=detection).outcome
    assert (outcome == ANSWERED) == any(person(leg) for leg in found)
    if outcome == RELEASE:  # back in line only if nobody was reached or is being rung
        assert not found or any(leg.status == "canceled" for leg in found)
    if outcome != ANSWERED and any(leg.status in ("queued", "ringing") for leg in found):
        assert outcome == KEEP
    assert outcome in (ANSWERED, KEEP, RELEASE, UNANSWERED_ATTEMPT)


def test_a_claim_twilio_knows_nothing_of_does_not_stall_the_others(make_app, mocker, clock):
    """A 404 is about that claim's call (deleted, another account's), not Twilio being away:
    the other claims are still asked this round, not kept unchecked for an hour behind it."""
    app = two_ended_agent_claims(make_app, clock)
    svc = app.extensions["holdwell"]

    def listing(*, parent_call_sid, **_query):
        if parent_call_sid == sid("CAagent1"):
            raise TwilioRestException(404, "/Calls", "The requested resource was not found")
        return [leg("no-answer", clock.now(), name="CAleg2")]

    mocker.patch.object(svc.rest_client.calls, "list", side_effect=listing)
    for _ in range(2):  # the 404'd claim's first round may wait for Twilio's list to catch up
        clock.advance(61)
        report_ = watch_once(svc.store.engine, svc.config.callbacks, clock.now(),
                             client=svc.rest_client)
        assert sid("CA2") not in report_.checked.kept
    rows = {row["call_id"]: row for row in callback_rows(app)}
    assert rows[sid("CA2")]["attempts"] == 1  # asked, and settled as Twilio said
    assert rows[sid("CA1")]["status"] == "pending"  # no call to ask about: back in its place
