"""Every write to the call log as a value: what happened, to which call, when.

A command carries everything its write needs (including `now`), so it can be applied at
once, or journaled on disk when the database is slow or down and applied later, in order,
with the same result (`app.storage.apply`). Each fact it logs has a dedupe key, so applying
a command twice — a Twilio retry, or a replay after a crash — inserts nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from hold_policies.config import CallbacksConfig


@dataclass(frozen=True)
class Command:
    """One write; subclasses name their fields. `journaled=False` ones must reach the database
    before anyone is told they happened (a callback request)."""

    call_id: str
    now: datetime
    journaled: ClassVar[bool] = True

    def to_json(self) -> str:
        values = {k: (v.isoformat() if isinstance(v, datetime) else v)
                  for k, v in asdict(self).items()}
        return json.dumps({"type": type(self).__name__, **values}, sort_keys=True)


@dataclass(frozen=True)
class Labelled(Command):
    """A write from a request whose URL names the queue, policy and arm the caller hears."""

    queue: str = ""
    policy: str = ""
    arm: str = ""


@dataclass(frozen=True)
class BeginCall(Labelled):
    """/voice/incoming: who called, and which queue, policy and arm they were given."""

    from_number: str | None = None


@dataclass(frozen=True)
class NotePoll(Labelled):
    """A waitUrl request: the caller is in line, at `position`, `queue_time_s` in."""

    queue_time_s: float = 0.0
    position: int | None = None
    episode: int = 0
    rejoins: bool = False  # the queue keeps dropped callers' places: count rejoined ones ahead
    put_back: bool | None = None
    """Back at the end of Twilio's queue after an error: a new time in line begins. None (a
    journaled copy from before this field): as `episode` says. A rejoined leg after a dropped
    line is a later episode but keeps its place from the first entry: False."""
    attempted: bool = True
    """False on a journaled copy whose write was never tried (the journal had a backlog, or
    the breaker was open): it cannot have been counted, so replayed late it still counts."""


@dataclass(frozen=True)
class Announce(Labelled):
    """A check-in or offer was served (what was said, the estimate told)."""

    queue_time_s: float = 0.0
    episode: int = 0
    position: int | None = None
    kind: str = ""
    announced_wait_s: float | None = None
    keys: tuple[str, ...] = ()
    text: str = ""
    said_instead: bool = False
    """What the caller heard when the poll's own write could not answer in time: it replaces
    a check-in that write may have stored all the same (its COMMIT cut off, but landed)."""


@dataclass(frozen=True)
class KeyPress(Labelled):
    queue_time_s: float = 0.0
    episode: int = 0
    digit: str = ""
    choice: str = ""
    retry_token: str = ""
    """Twilio's I-Twilio-Idempotency-Token, the same on a retry of the request ("" if none,
    or when the request's signed QueueTime keys it): a Gather action carries no QueueTime,
    so without it a retry looks like a second press."""


@dataclass(frozen=True)
class Connect(Command):
    """The Queue noun's url: an agent dequeued the caller (the answer time). It cannot know
    the caller's time in line (episode): `outcome_of` tells it from the QueueTime."""

    queue: str = ""
    queue_time_s: float | None = 0.0
    """Twilio's QueueTime; None when the request left it out: the call log's start of this
    time in line gives it when the command is applied (journaled, a lookup in the route
    could not be made), never "now - 0 s"."""
    agent_call_id: str | None = None
    rejoined: bool = False
    """Taken from the rejoin queue: `call_id` is the leg's CallSid, and the call the leg
    continues is found when the command is applied (journaled while the database is away,
    a lookup first would file the answer under the leg, as a call of its own)."""


@dataclass(frozen=True)
class QueueResult(Labelled):
    """The Enqueue action: Twilio's word on how a time in line ended."""

    result: str = ""
    queue_time_s: float | None = None
    episode: int = 0


@dataclass(frozen=True)
class CallStatus(Command):
    """The status callback of a caller's call, or of an agent's (which ends their claims)."""

    status: str = ""
    check_claims: bool = False
    """An agent's claims with no result yet wait for `holdwell callbacks` to ask Twilio how
    the customer's leg went (the app has REST credentials); False: back in line, due once
    the ring it may have started is over (`ring_s`)."""
    ring_s: float = 0.0
    """Without REST credentials: the longest ring a freed claim's Dial may still be making.
    Its result, reported late, counts an attempt before anyone rings again: due at once, a
    second agent had rung the customer one time past max_attempts (chaos soak 33)."""


@dataclass(frozen=True)
class RequestCallback(Command):
    """The caller confirmed a number: keep their place and promise a call back."""

    journaled: ClassVar[bool] = False
    queue: str = ""
    number: str = ""
    digit: str = ""
    promised_wait_s: float | None = None
    queue_time_s: float = 0.0
    episode: int = 0
    line_full: bool = False  # booked at Twilio's queue-full: the caller never queued


@dataclass(frozen=True)
class Closed(Labelled):
    """/voice/incoming outside opening hours: told when the line opens, never queued."""

    from_number: str | None = None
    opens_at: str | None = None  # ISO-8601 UTC of the next opening (None: none in sight)
    offered_callback: bool = False


@dataclass(frozen=True)
class BookCallback(Command):
    """A caller outside opening hours asked to be called back at the next opening: stored
    before it is confirmed, and only while that opening's cap (`cap`, None: none) allows."""

    journaled: ClassVar[bool] = False
    queue: str = ""
    number: str = ""
    digit: str = ""
    due_at: str = ""  # ISO-8601 UTC of the opening it is for
    cap: int | None = None


@dataclass(frozen=True)
class RangBack(Labelled):
    """Rang while their callback (`booked`) was pending: asked whether to keep it or wait
    (`choice` "asked"), or chose to wait instead ("wait"). Logged before the caller answers,
    so a hang-up at the question ends a call the log knows (their callback stands)."""

    from_number: str | None = None
    booked: str = ""
    choice: str = "asked"


@dataclass(frozen=True)
class KeptCallback(Labelled):
    """Rang back while their callback was pending and kept it: this call is never queued."""

    booked: str = ""  # the call whose callback they keep


@dataclass(frozen=True)
class CancelForWaiting(Command):
    """Rang back while their callback was pending and chose to wait on the line instead:
    the pending callback (`call_id`) is cancelled before the new call (`by_call`) is queued,
    so they never have both. Stored, never journaled: the caller is told the outcome."""

    journaled: ClassVar[bool] = False
    by_call: str = ""


@dataclass(frozen=True)
class Resume(Labelled):
    """A caller rang back after a dropped line: the new leg (`leg`) continues `call_id` as its
    time in line number `episode`, so the log keeps both legs as one call."""

    leg: str = ""
    episode: int = 1


@dataclass(frozen=True)
class CallbackOnLine(Command):
    """A REST-placed callback was answered: the customer waits in the priority queue."""

    claim: str | None = None
    leg_sid: str = ""
    by_check: bool = False  # only Twilio's Call resource says so: held, or bridged already


@dataclass(frozen=True)
class CallbackConnected(Command):
    """The customer picked up (or was taken from the priority queue): the promise is kept."""

    claim: str | None = None
    held_s: float | None = None  # taken from the priority queue: seconds they waited there
    agent_call_id: str | None = None  # ... and the agent leg that took them


@dataclass(frozen=True)
class CallbackLegConnected(Command):
    """The priority queue's url, just before the bridge, which knows only the customer's
    REST leg: `call_id` is that leg's CallSid, and the callback is found from it when the
    command is applied, so the moment is journaled like any other when the database is
    away (a separate lookup first would lose it)."""

    held_s: float | None = None
    agent_call_id: str | None = None


@dataclass(frozen=True)
class CallbackEnded(Command):
    """A kept callback's conversation is over (the agent's Dial completed, or the held
    customer's bridge ended): when the agent's talk ended."""

    claim: str | None = None


@dataclass(frozen=True)
class CallbackCanceled(Command):
    """The claim's Dial was canceled while it rang (the agent hung up): no attempt, and
    nobody rings the customer any more, so the claim goes back to its place at once."""

    claim: str | None = None


@dataclass(frozen=True)
class CallbackUnanswered(Command):
    """Busy, no answer, failed or voicemail on one attempt: retry later, or give up."""

    claim: str | None = None
    result: str = ""
    attempt_key: str = ""
    max_attempts: int = 3
    retry_after_s: float = 300.0
    soonest_retry_s: float | None = None  # none: always retry_after_s (before issue 16)
    retry_margin_s: float = 0.0  # retry soonest if the regular one lands this near the promise
    final: bool = False  # the customer had answered (then hung up): never dialled again
    text_if_failed: bool = True
    """The customer is owed the failure text if this fails the callback (False: they were
    never rung, so "we tried to call you" would be false; a `final` attempt owes none
    either: they were reached)."""
    end_unheard: bool = False
    """With `final`: the leg's status said it completed, but not how (no queue result heard:
    perhaps journaled on a host cut off, a bridge to an agent among them). The callback is
    then not failed at once: `holdwell callbacks` ends it after END_UNHEARD_S unless its
    webhooks say otherwise meanwhile (app.claim_checks)."""

    @classmethod
    def under(cls, settings: CallbacksConfig, **fields: Any) -> CallbackUnanswered:
        """One attempt spaced and counted as the config says (its retries and their sizing),
        whoever heard it: a webhook, or `holdwell callbacks` asking Twilio."""
        return cls(max_attempts=settings.max_attempts, retry_after_s=settings.retry_after_s,
                   soonest_retry_s=settings.min_retry_after_s,
                   retry_margin_s=settings.at_risk_margin_s, **fields)


@dataclass(frozen=True)
class Overflowed(Labelled):
    """Offered a callback or a message instead of a drop (`reason`: max_wait, the queue's
    maximum wait passed; queue_full, Twilio's queue-full). Logged once per time in line."""

    reason: str = ""
    queue_time_s: float | None = None
    episode: int = 0


@dataclass(frozen=True)
class ChooseVoicemail(Command):
    """The caller pressed the message key: stored before they leave the line, so the Enqueue
    action knows to answer with <Record> (never journaled: it must be readable at once)."""

    journaled: ClassVar[bool] = False
    queue: str = ""
    digit: str = ""
    queue_time_s: float | None = None
    episode: int = 0


@dataclass(frozen=True)
class LeaveVoicemail(Command):
    """The <Record> action: the message becomes a callback task with its recording (one
    callback per person: a number with one outstanding gets the recording on that one)."""

    queue: str = ""
    number: str | None = None  # None: the caller ID cannot be called back (the message stays)
    recording_url: str = ""
    recording_sid: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class VoicemailTranscribed(Command):
    """Twilio's transcribeCallback: the message's words, kept for the agent."""

    recording_sid: str = ""
    text: str = ""
    status: str = ""


@dataclass(frozen=True)
class Reason(Labelled):
    """The caller said, in a few words, what the call is about (a speech Gather's answer).
    Their time in line and place come from the log when the fact is stored (a Gather action
    carries neither): app.storage.reason_writes."""

    text: str = ""
    confidence: float | None = None
    episode: int = 0


@dataclass(frozen=True)
class Briefed(Command):
    """An agent (`agent_call_id`) was told this waiting call's reason before their Dial: the
    CONNECT's agent shows whether they then took this call or another."""

    queue: str = ""
    agent_call_id: str = ""


COMMANDS: dict[str, type[Command]] = {cls.__name__: cls for cls in (
    BeginCall, NotePoll, Announce, KeyPress, Connect, QueueResult, CallStatus, RequestCallback,
    CallbackOnLine, CallbackConnected, CallbackLegConnected, CallbackEnded, CallbackUnanswered,
    CallbackCanceled, Closed, BookCallback, RangBack, KeptCallback, CancelForWaiting,
    Overflowed, ChooseVoicemail, LeaveVoicemail, VoicemailTranscribed, Reason, Briefed, Resume)}


def from_json(line: str) -> Command:
    """The command a journal line holds (the inverse of `Command.to_json`)."""
    values: dict[str, Any] = json.loads(line)
    cls = COMMANDS[values.pop("type")]
    kinds = {f.name: f.type for f in fields(cls)}
    for name, value in list(values.items()):
        if name == "now":
            values[name] = datetime.fromisoformat(value)
        elif name == "keys":
            values[name] = tuple(value)
        elif name not in kinds:
            values.pop(name)  # a field a newer version wrote: ignore, never fail a replay
    return cls(**values)
