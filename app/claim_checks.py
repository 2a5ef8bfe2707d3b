"""Before an agent's claim goes back to the line, ask Twilio how its customer's leg went.

A claim's result reaches the app through two webhooks, /voice/callback/answer (the customer
picked up) and /voice/callback/dial-result (the agent's Dial ended). A host cut off from the
database journals them; another host, still connected, then heard the agent's call end (or
the claim outlived `claim_timeout_s`) and put the callback back in line, and the next free
agent rang a customer who had just been helped. With REST credentials, `holdwell callbacks`
first reads the agent call's child legs to the customer's number (Twilio's Call resource):

- answered by a person (in progress, or completed; with machine detection on, only once
  Twilio said it was a person): the promise is kept (CALLBACK_CONNECT, fenced by the claim's
  token, at the moment they answered, or now for a leg still in progress; the journaled
  answer, replayed later, adds nothing);
- still ringing (or detection still listening): the claim stays;
- otherwise the newest leg decides: busy, no answer, failed, a machine or a fax, or picked up
  but ended before detection said who: one unanswered attempt (keyed by the leg, as the
  dial-result would have been, so that one is not counted twice); cancelled while ringing
  (the agent hung up): back in line, in its place, no attempt spent; no leg at all a minute
  after the agent's end: never dialled, back in line. A claim its verdict leaves held (the
  attempt was counted before) is released too, so none stays claimed.

A REST call's claim (customer-first, or an at-risk rescue) outliving `claim_timeout_s` is
checked the same way, on the call placed for it: in progress with a person → they hold for
an agent (`on_line`: their answer was journaled on a host cut off), never rung again; answered
and ended → kept until its journaled webhooks say how it ended, and an hour on, ended with no
failure text (perhaps they were served: never dialled twice); not answered → an attempt.

Twilio unreachable (or a leg ringing for ever): the claim stays, at most CHECK_LIMIT_S, then
goes back to the line, so no callback is lost for want of an answer; once one request fails,
the round asks no more. Twilio refusing the account (401/403): freed unchecked, as without
credentials.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from twilio.base.exceptions import TwilioRestException

from app.number_mask import without_numbers
from app.seldom_warnings import SeldomWarnings, kind_of
from app.storage import callback_rest
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.ended_claims import EndedClaim, ended_claims, ended_holds
from app.storage.schema import callbacks
from app.voice.forms import UNANSWERED_DIALS, is_a_machine
from hold_policies.config import CallbacksConfig

log = logging.getLogger("holdwell.callbacks")
TWILIO_TROUBLE = SeldomWarnings()
"""Twilio failing the worker's reads, said once and then every ten minutes, not each round."""

CHECK_LIMIT_S = 3600.0
"""How long a claim may wait for Twilio to say how it went before it is released anyway."""
END_UNHEARD_S = CHECK_LIMIT_S
"""How long a held customer whose leg completed, how unheard, waits for its journaled
webhooks (a bridge, a hang-up) before the callback ends as a hang-up after answering."""
HUNG_UP_AFTER_ANSWERING = "hung up after answering"
LIST_LAG_S = 60.0
"""Twilio's list may not show a leg created moments ago: no leg is trusted only this long
after the agent's end (or the claim's timeout)."""
LEG_CLOCK_SLACK_S = 5.0
"""A leg created this long before the claim (Twilio's clock against ours) still belongs to it;
an earlier attempt on the same number is at least `min_retry_after_s` (10 s or more) older."""
RINGING = frozenset({"queued", "initiated", "ringing"})
TALKING = frozenset({"in-progress", "completed"})
EARLIEST = datetime.min.replace(tzinfo=UTC)
CANNOT_ASK = frozenset({401, 403})
"""Twilio refuses this account (wrong credentials): asking again will not help."""
NOT_FOUND = 404
"""Twilio has no such call: about one claim's call, not Twilio being away."""
Stopping = Callable[[], bool]


@dataclass(frozen=True)
class Leg:
    """One child leg of an agent's call, as Twilio's Call resource tells it."""

    sid: str
    status: str
    created_at: datetime | None
    answered_at: datetime | None = None  # a completed leg's: its end less its talk time
    answered_by: str = ""
    ended_at: datetime | None = None  # a completed leg's end


@dataclass(frozen=True)
class Verdict:
    """What a claim's legs say: KEEP it, it was ANSWERED (`at`, None: just now), UNANSWERED
    (`result` on `leg`), or RELEASE it (never dialled, or cancelled while it rang); a REST
    call ON_LINE, or ANSWERED_ENDED (`at`: when its leg ended, None: unknown)."""

    outcome: str
    at: datetime | None = None
    result: str = ""
    leg: str = ""


KEEP, ANSWERED, UNANSWERED_ATTEMPT, RELEASE = "keep", "answered", "unanswered", "release"
ON_LINE, ANSWERED_ENDED = "on line", "answered, ended"  # a REST call's customer
UNKNOWN_END = "answered, outcome unknown"
"""A REST call's customer answered, and an hour on nobody has heard how it ended: the
callback ends (never dialled twice), with no failure text (they may have been served)."""
NO_LEG = "no leg"  # a RELEASE's result when Twilio lists no leg to the customer


@dataclass(frozen=True)
class CheckReport:
    kept: list[str]
    connected: list[str]
    unanswered: list[str]
    released: list[str]


def verdict(legs: Iterable[Leg], *, machine_detection: bool = False,
            by_rest: bool = False) -> Verdict:
    """A claim's outcome from its customer's legs. A person on any leg keeps the promise;
    otherwise the newest leg decides. With machine detection on, a leg is a person only once
    Twilio says so (AnsweredBy human or unknown): one that ended before it did reached no one
    an agent spoke to. A REST call (`by_rest`) in progress holds a customer waiting for an
    agent (ON_LINE); one that ended after they answered went to whichever end its journaled
    webhooks say (KEEP, until they arrive or the limit)."""
    legs = sorted(legs, key=lambda leg: (leg.created_at or EARLIEST, leg.sid, leg.status,
                                         leg.answered_by))  # a total order: Twilio's is none
    for leg in legs:
        if leg.status in TALKING and not is_a_machine(leg.answered_by) and (
                leg.answered_by or not machine_detection):
            if not by_rest:
                return Verdict(ANSWERED, at=leg.answered_at)
            if leg.status == "in-progress":
                return Verdict(ON_LINE, leg=leg.sid)
            return Verdict(ANSWERED_ENDED, leg=leg.sid, at=leg.ended_at)
    listening = machine_detection and any(  # detection has not said who answered yet
        leg.status == "in-progress" and not leg.answered_by for leg in legs)
    if listening or any(leg.status in RINGING for leg in legs):
        return Verdict(KEEP)
    if not legs:
        return Verdict(RELEASE, result=NO_LEG)
    newest = legs[-1]
    if is_a_machine(newest.answered_by):
        return Verdict(UNANSWERED_ATTEMPT, result="voicemail", leg=newest.sid)
    if newest.status in UNANSWERED_DIALS or (by_rest and newest.status == "canceled"):
        return Verdict(UNANSWERED_ATTEMPT, result=newest.status, leg=newest.sid)
    if newest.status == "completed":  # picked up, but hung up before detection said who
        return Verdict(UNANSWERED_ATTEMPT, result="no-answer", leg=newest.sid)
    return Verdict(RELEASE, result="canceled")  # the agent hung up while it rang: no fault
    # of the customer's


def customer_legs(client: object, claim: EndedClaim) -> list[Leg]:
    """The claim's calls to its customer (one REST request; Twilio's errors propagate): an
    agent call's child legs to the number since the claim, or the REST call placed for it
    (looked up among the calls to the number since the claim if its sid was not stored)."""
    since = claim.claimed_at - timedelta(seconds=LEG_CLOCK_SLACK_S)
    if claim.by_rest and claim.rest_call_sid:
        return [leg_of(client.calls(claim.rest_call_sid).fetch())]
    if claim.by_rest:
        found = [call for call in client.calls.list(to=claim.number, limit=20)
                 if not getattr(call, "parent_call_sid", None)]
    else:
        found = client.calls.list(parent_call_sid=claim.agent_call_id, to=claim.number,
                                  limit=20)
    legs = [leg_of(call) for call in found]
    return [leg for leg in legs if leg.created_at is None or leg.created_at >= since]


def leg_of(call: object) -> Leg:
    """A Twilio CallInstance as a Leg. Only a completed leg says when it was answered (its
    end less its talk time); an in-progress one's start is when it began to ring."""
    end, duration = getattr(call, "end_time", None), getattr(call, "duration", None)
    answered = None
    if end is not None and duration not in (None, ""):
        answered = end - timedelta(seconds=int(duration))
    return Leg(sid=str(call.sid), status=str(getattr(call, "status", "") or ""),
               created_at=getattr(call, "date_created", None), answered_at=answered,
               answered_by=str(getattr(call, "answered_by", "") or ""), ended_at=end)


def check_ended_claims(engine: Engine, client: object, settings: CallbacksConfig,
                       now: datetime, stopping: Stopping = lambda: False) -> CheckReport:
    """Settle every agent claim whose agent call ended with no result, or which timed out,
    from what Twilio says of its customer's legs (see the module's docstring). Once Twilio
    fails to answer, the round asks no more (each try may take the client's timeout); once it
    refuses the account, claims are freed as if there were no credentials; a claim whose call
    Twilio does not know (404) is settled as one with no leg, and the round goes on."""
    report = CheckReport([], [], [], [])
    unreachable = refused = False
    scope = f"checking ended claims for {engine.url.render_as_string(hide_password=True)}"
    for claim in ended_claims(engine, now, settings.claim_timeout_s):
        if stopping():
            break
        if refused:
            found = Verdict(RELEASE, result="unchecked")
        elif unreachable:
            found = Verdict(KEEP)
        else:
            try:
                found = verdict(customer_legs(client, claim),
                                machine_detection=settings.answering_machine_detection,
                                by_rest=claim.by_rest)
                TWILIO_TROUBLE.clear(scope, log)
            except Exception as error:  # noqa: BLE001 - Twilio unreachable or refusing
                if isinstance(error, TwilioRestException) and error.status == NOT_FOUND:
                    # about this claim's call alone (deleted, another account's): as if no
                    # leg were listed, and the round asks on about the others
                    log.warning("callback %s: Twilio knows no such call (%s)", claim.call_id,
                                without_numbers(error))
                    settle(engine, claim, Verdict(RELEASE, result=NO_LEG), settings, now,
                           report)
                    continue
                refused = isinstance(error, TwilioRestException) and error.status in CANNOT_ASK
                unreachable = not refused
                TWILIO_TROUBLE.warning(log, scope, kind_of(error), now,
                                       "callback %s: Twilio cannot say how its claim went "
                                       "(%s)%s", claim.call_id, without_numbers(error),
                                       "; freeing ended claims unchecked"
                                       if refused else "; asking again next round")
                found = Verdict(RELEASE, result="unchecked") if refused else Verdict(KEEP)
        settle(engine, claim, found, settings, now, report)
    return report


def settle(engine: Engine, claim: EndedClaim, found: Verdict, settings: CallbacksConfig,
           now: datetime, report: CheckReport) -> None:
    """Apply one claim's verdict, fenced by its token (a result that arrived meanwhile wins);
    a claim the verdict leaves held (its attempt counted already) goes back to the line."""
    unsettled_s = (now - claim.unsettled_since).total_seconds()
    if found.result == NO_LEG and unsettled_s < LIST_LAG_S:
        found = Verdict(KEEP)  # no leg yet: perhaps not listed yet
    if found.outcome in (KEEP, ANSWERED_ENDED):
        if unsettled_s < CHECK_LIMIT_S:
            if found.outcome == ANSWERED_ENDED:
                note_leg_ended(engine, claim, found, now)
            report.kept.append(claim.call_id)
            return
        if found.outcome == KEEP:
            found = Verdict(RELEASE)  # never told: back in line rather than lost
    commands: list[c.Command] = []
    if found.outcome in (ON_LINE, ANSWERED_ENDED):  # their answer, as its webhook would say
        commands.append(c.CallbackOnLine(call_id=claim.call_id, now=now, claim=claim.token,
                                         leg_sid=found.leg, by_check=True))
        (report.connected if found.outcome == ON_LINE else report.unanswered).append(
            claim.call_id)
    if found.outcome == ANSWERED_ENDED:  # ... then its end, unknown: never rung again
        commands.append(c.CallbackUnanswered(
            call_id=claim.call_id, now=now, claim=claim.token, result=UNKNOWN_END,
            attempt_key=found.leg, final=True))  # final: reached, no failure text
    elif found.outcome == ANSWERED:
        commands.append(c.CallbackConnected(call_id=claim.call_id, now=found.at or now,
                                            claim=claim.token))
        report.connected.append(claim.call_id)
    elif found.outcome == UNANSWERED_ATTEMPT:
        commands.append(c.CallbackUnanswered.under(
            settings, call_id=claim.call_id, now=now, claim=claim.token, result=found.result,
            attempt_key=found.leg))
        report.unanswered.append(claim.call_id)
    if commands:
        with engine.begin() as conn:
            for command in commands:
                apply(conn, command)
        if not still_held(engine, claim):
            return
    callback_rest.release(engine, claim.call_id, claim.token)
    if found.outcome == RELEASE:
        report.released.append(claim.call_id)


def note_leg_ended(engine: Engine, claim: EndedClaim, found: Verdict, now: datetime) -> None:
    """A REST call answered and ended whose webhooks are journaled elsewhere: its end, as
    its own `completed` status would have said it (the same fact, under the same key). Its
    claim then holds no ring slot of a customer-first queue while the rest is awaited."""
    with engine.begin() as conn:
        apply(conn, c.CallbackUnanswered(
            call_id=claim.call_id, now=found.at or now, claim=claim.token,
            result=HUNG_UP_AFTER_ANSWERING, attempt_key=found.leg, final=True,
            end_unheard=True))


def end_unheard_holds(engine: Engine, settings: CallbacksConfig, now: datetime) -> list[str]:
    """Held customers whose leg completed END_UNHEARD_S ago and whose end nobody heard since
    (no bridge, no hang-up from the queue): ended as a hang-up after answering, never rung
    again, no failure text (they were reached). Needs no REST credentials."""
    ended = []
    for held in ended_holds(engine, now, END_UNHEARD_S):
        with engine.begin() as conn:
            apply(conn, c.CallbackUnanswered.under(
                settings, call_id=held.call_id, now=now, claim=held.token,
                result=HUNG_UP_AFTER_ANSWERING, attempt_key=held.rest_call_sid or "rest",
                final=True))
        ended.append(held.call_id)
    return ended


def still_held(engine: Engine, claim: EndedClaim) -> bool:
    """The claim is still held under its token (its verdict changed nothing: an attempt
    counted before, say), so nothing would ever settle it but a release."""
    with engine.connect() as conn:
        return conn.execute(select(callbacks.c.call_id).where(
            callbacks.c.call_id == claim.call_id, callbacks.c.status == "claimed",
            callbacks.c.claim_token == claim.token)).first() is not None
