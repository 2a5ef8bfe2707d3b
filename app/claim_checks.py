"""Before an agent's claim goes back to the line, ask Twilio how its customer's leg went.

A claim's result reaches the app through two webhooks, /voice/callback/answer (the customer
picked up) and /voice/callback/dial-result (the agent's Dial ended). A host cut off from the
database journals them; another host, still connected, then heard the agent's call end (or
the claim outlived `claim_timeout_s`) and put the callback back in line, and the next free
agent rang a customer who had just been helped. With REST credentials, `holdwell callbacks`
first reads the agent call's child legs to the customer's number (Twilio's Call resource):

- answered by a person (in progress, or completed): the promise is kept (CALLBACK_CONNECT,
  fenced by the claim's token, at the moment they answered; the journaled answer, replayed
  later, adds nothing);
- still ringing: the claim stays;
- busy, no answer, failed, or a machine: one unanswered attempt (keyed by the leg, as the
  dial-result would have been, so that one is not counted again);
- never dialled, or cancelled while ringing (the agent hung up): back in line, in its place,
  no attempt spent.

Twilio unreachable (or a leg ringing for ever): the claim stays, at most CHECK_LIMIT_S, then
goes back to the line, so no callback is lost for want of an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from app.storage import callback_rest
from app.storage import commands as c
from app.storage.apply import apply
from app.storage.ended_claims import EndedClaim, ended_claims
from hold_policies.config import CallbacksConfig

log = logging.getLogger("holdwell.callbacks")

CHECK_LIMIT_S = 3600.0
"""How long a claim may wait for Twilio to say how it went before it is released anyway."""
LEG_CLOCK_SLACK_S = 30.0
"""A leg created this long before the claim (Twilio's clock against ours) still belongs to it;
an earlier attempt on the same number is at least `min_retry_after_s` older."""
RINGING = frozenset({"queued", "initiated", "ringing"})
UNANSWERED = frozenset({"busy", "no-answer", "failed"})
EARLIEST = datetime.min.replace(tzinfo=UTC)
MACHINE = "machine"  # Twilio's answered_by values for machines start with it


@dataclass(frozen=True)
class Leg:
    """One child leg of an agent's call, as Twilio's Call resource tells it."""

    sid: str
    status: str
    created_at: datetime | None
    answered_at: datetime | None = None
    answered_by: str = ""


@dataclass(frozen=True)
class Verdict:
    """What a claim's legs say: KEEP it, it was ANSWERED (`at`), UNANSWERED (`result` on
    `leg`), or RELEASE it (never dialled, or cancelled while it rang)."""

    outcome: str
    at: datetime | None = None
    result: str = ""
    leg: str = ""


KEEP, ANSWERED, UNANSWERED_ATTEMPT, RELEASE = "keep", "answered", "unanswered", "release"


@dataclass(frozen=True)
class CheckReport:
    kept: list[str]
    connected: list[str]
    unanswered: list[str]
    released: list[str]


def verdict(legs: Iterable[Leg]) -> Verdict:
    """A claim's outcome from its customer's legs (the newest leg decides between failures)."""
    legs = sorted(legs, key=lambda leg: (leg.created_at or EARLIEST, leg.sid, leg.status,
                                         leg.answered_by))  # a total order: Twilio's is none
    for leg in legs:
        if leg.status in ("in-progress", "completed") and not leg.answered_by.startswith(MACHINE):
            return Verdict(ANSWERED, at=leg.answered_at)
    if any(leg.status in RINGING for leg in legs):
        return Verdict(KEEP)
    for leg in reversed(legs):
        if leg.answered_by.startswith(MACHINE):
            return Verdict(UNANSWERED_ATTEMPT, result="voicemail", leg=leg.sid)
        if leg.status in UNANSWERED:
            return Verdict(UNANSWERED_ATTEMPT, result=leg.status, leg=leg.sid)
    return Verdict(RELEASE)


def customer_legs(client: object, claim: EndedClaim) -> list[Leg]:
    """The agent call's child legs to the claim's number since the claim (one REST request;
    Twilio's errors propagate)."""
    since = claim.claimed_at - timedelta(seconds=LEG_CLOCK_SLACK_S)
    found = client.calls.list(parent_call_sid=claim.agent_call_id, to=claim.number, limit=20)
    legs = [leg_of(call) for call in found]
    return [leg for leg in legs if leg.created_at is None or leg.created_at >= since]


def leg_of(call: object) -> Leg:
    """A Twilio CallInstance as a Leg: answered when its talk time began (end − duration)."""
    status = str(getattr(call, "status", "") or "")
    end, duration = getattr(call, "end_time", None), getattr(call, "duration", None)
    answered = getattr(call, "start_time", None)
    if end is not None and duration not in (None, ""):
        answered = end - timedelta(seconds=int(duration))
    return Leg(sid=str(call.sid), status=status, created_at=getattr(call, "date_created", None),
               answered_at=answered, answered_by=str(getattr(call, "answered_by", "") or ""))


def check_ended_claims(engine: Engine, client: object, settings: CallbacksConfig,
                       now: datetime) -> CheckReport:
    """Settle every agent claim whose agent call ended with no result, or which timed out,
    from what Twilio says of its customer's legs (see the module's docstring)."""
    report = CheckReport([], [], [], [])
    for claim in ended_claims(engine, now, settings.claim_timeout_s):
        try:
            found = verdict(customer_legs(client, claim))
        except Exception as error:  # noqa: BLE001 - Twilio unreachable or refusing: wait
            log.warning("callback %s: Twilio cannot say how its claim went (%s)",
                        claim.call_id, error)
            found = Verdict(KEEP)
        settle(engine, claim, found, settings, now, report)
    return report


def settle(engine: Engine, claim: EndedClaim, found: Verdict, settings: CallbacksConfig,
           now: datetime, report: CheckReport) -> None:
    """Apply one claim's verdict, fenced by its token (a result that arrived meanwhile wins)."""
    waited_s = (now - claim.unsettled_since).total_seconds()
    if found.outcome == KEEP and waited_s < CHECK_LIMIT_S:
        report.kept.append(claim.call_id)
        return
    command: c.Command
    if found.outcome == ANSWERED:
        command = c.CallbackConnected(call_id=claim.call_id, now=found.at or now,
                                      claim=claim.token)
        report.connected.append(claim.call_id)
    elif found.outcome == UNANSWERED_ATTEMPT:
        command = c.CallbackUnanswered(
            call_id=claim.call_id, now=now, claim=claim.token, result=found.result,
            attempt_key=found.leg, max_attempts=settings.max_attempts,
            retry_after_s=settings.retry_after_s, soonest_retry_s=settings.min_retry_after_s,
            retry_margin_s=settings.at_risk_margin_s)
        report.unanswered.append(claim.call_id)
    else:  # never dialled, cancelled, or Twilio silent past CHECK_LIMIT_S: not lost
        callback_rest.release(engine, claim.call_id, claim.token)
        report.released.append(claim.call_id)
        return
    with engine.begin() as conn:
        apply(conn, command)
