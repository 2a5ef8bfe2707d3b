"""Reading Twilio's webhook parameters: one frozen value per webhook, a 400 for malformed input.

Each webhook parses its request into one of these values before doing anything else, so a
missing id or a garbled number is a clear 400 that names the parameter, never "" passed on.
SIDs are checked against Twilio's shape (two letters + 32 hex): its signature scheme joins
names and values, so a captured signature for {CallSid: X, From: Y} also fits {CallSid: XFromY}.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from flask import abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app.storage.rows import CallRow
from app.storage.schema import PARTY_CHARS
from hold_policies.config import ARM_NAME_PATTERN
from hold_policies.prompts import REASON_MOST_CHARS

log = logging.getLogger(__name__)

SID_DIGITS = re.compile(r"[0-9a-f]{32}")
CALL_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress", "completed", "busy",
                           "failed", "no-answer", "canceled"})
QUEUE_RESULTS = frozenset({"bridged", "bridging-in-process", "error", "hangup", "leave",
                           "redirected", "redirected-from-bridged", "queue-full", "system-error"})
DIAL_STATUSES = frozenset({"completed", "answered", "busy", "no-answer", "failed", "canceled"})
UNANSWERED_DIALS = frozenset({"busy", "no-answer", "failed"})
"""Dial results that cost the customer an attempt. `canceled` is not one: the agent hung up
(or the leg was cancelled) while it rang, no fault of the customer's; it frees the claim,
keeping the callback's place and attempts (and so does the agent call's end)."""
ANSWERED_BY = frozenset({"human", "machine_start", "machine_end_beep", "machine_end_silence",
                         "machine_end_other", "fax", "unknown"})
KEYS = frozenset("0123456789*#")
MAX_EPISODE = 20  # times in line of one call: first, after a Twilio error, after drops
MAX_KEYED_DIGITS = 20  # a callback number keyed in: E.164 has at most 15 digits
CLAIM_SHAPE = re.compile(r"[0-9a-f-]{1,36}")
ARM_NAME = re.compile(ARM_NAME_PATTERN)
ROUTE_PARAMS_KEY = "holdwell.route_params"  # the request's RouteParams, kept in its environ


def arg(values: MultiDict, name: str, default: str = "") -> str:
    """`values.get(name, default)` without werkzeug's KeyError subclass, an HTTPException
    built and thrown away for every absent name (our URLs leave most of theirs out)."""
    return values[name] if name in values else default  # noqa: SIM401 - see above


def required(form: MultiDict, name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        abort(400, description=f"missing Twilio parameter {name}")
    return value


def is_sid(raw: str, prefix: str = "CA") -> bool:
    """Twilio's shape: two letters, then 32 lowercase hex digits."""
    return len(raw) == 34 and raw.startswith(prefix) and bool(SID_DIGITS.fullmatch(raw[2:]))


UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]+")
"""Controls, and what XML 1.0 cannot carry (lone surrogates, U+FFFE, U+FFFF): the words are
said in TwiML (a caller's reason to the agent), where they had been dropped at the answer
with a warning blaming the config's words, and a reason of nothing else briefed as empty."""


def one_line(raw: str) -> str:
    """Text as one printable line (no NUL, which PostgreSQL refuses in text; no controls;
    nothing TwiML cannot carry)."""
    return " ".join(UNPRINTABLE.sub(" ", raw).split())


def party(form: MultiDict, name: str) -> str | None:
    """A caller's From or an agent's To as the call log keeps it (one printable line cut to
    PARTY_CHARS, never refused: a SIP or client caller is still a caller); absent is None."""
    return one_line(form.get(name, ""))[:PARTY_CHARS] or None


def sid(form: MultiDict, name: str, prefix: str = "CA", *, optional: bool = False,
        sent_as: str = "Twilio parameter") -> str | None:
    """A Twilio SID (`prefix` + 32 lowercase hex); absent is None when `optional`. `sent_as`
    names where it comes from in a 400: holdwell's own URLs carry some as a "query
    parameter", which the 400 had called a missing Twilio parameter."""
    raw = form.get(name, "").strip()
    if not raw and optional:
        return None
    if not raw:
        abort(400, description=f"missing {sent_as} {name}")
    if not is_sid(raw, prefix):
        abort(400, description=f"{sent_as} {name} is not a {prefix} SID "
                               f"({prefix} and 32 hex digits): {raw[:40]!r}")
    return raw


def one_of(form: MultiDict, name: str, allowed: frozenset[str], *,
           default: str | None = None) -> str | None:
    """A parameter from Twilio's documented set of values; absent gives `default`."""
    raw = form.get(name, "").strip()
    if not raw:
        return default
    if raw not in allowed:
        abort(400, description=f"Twilio parameter {name} has an unknown value {raw[:40]!r} "
                               f"(one of {', '.join(sorted(allowed))})")
    return raw


LARGEST = {"QueueTime": 7 * 86400.0, "QueuePosition": 1_000_000.0,
           "CurrentQueueSize": 1_000_000.0, "RecordingDuration": 86400.0}
"""Beyond these no real queue goes: a week in line, a million callers, a day's message (Twilio
records at most four hours)."""


PLAIN_NUMBER = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")
"""How Twilio writes a number (QueueTime "42", Confidence "0.91"): ASCII digits, one point."""


def number(form: MultiDict, name: str, default: float | None = None) -> float | None:
    """A numeric parameter; absent gives `default`, garbage gives 400."""
    raw = form.get(name, "").strip()
    if not raw:
        return default
    if not PLAIN_NUMBER.fullmatch(raw.removeprefix("-")):  # float() also reads "1_000",
        abort(400, description=f"Twilio parameter {name} is not a number: {raw[:40]!r}")
    value = float(raw)  # "١٢", "nan", "1e3"; a negative one is a number, out of range
    if not math.isfinite(value) or value < 0 or value > LARGEST.get(name, math.inf):
        abort(400, description=f"Twilio parameter {name} is out of range: {raw[:40]!r} "
                               f"(0 to {LARGEST.get(name, math.inf):g})")
    return value


def digits(form: MultiDict, *, limit: int = 1) -> str:
    """The keys pressed (the first `limit`); anything but 0-9, * and # is a 400. Any number
    of keys is keypad input: a Gather ended by # takes as many as the caller presses."""
    raw = form.get("Digits", "").strip()
    if not set(raw) <= KEYS:
        abort(400, description=f"Twilio parameter Digits is not keypad input: {raw[:40]!r}")
    return raw[:limit]


RETRY_TOKEN = re.compile(r"[A-Za-z0-9_:.-]{1,64}")


def retry_token() -> str:
    """This request's I-Twilio-Idempotency-Token, the same on Twilio's retries of it; "" when
    absent or not token-shaped (it is not a documented contract, so only ever a better key)."""
    token = request.headers.get("I-Twilio-Idempotency-Token", "").strip()
    return token if RETRY_TOKEN.fullmatch(token) else ""


MAX_COUNT_DIGITS = 9
"""The longest count our URLs carry (an episode, a try, a window's seconds) is a few digits;
`int` refuses a string of more than 4,300 digits (Python's guard against slow parsing)."""


def is_count(raw: str) -> bool:
    """ASCII digits only (`str.isdigit` also takes "²", which `int` refuses), and few enough
    for `int`: a signed URL with an episode of 4,400 nines had raised ValueError, and a new
    caller at /voice/incoming heard a pause and was dropped (its safe answer read it too)."""
    return len(raw) <= MAX_COUNT_DIGITS and raw.isascii() and raw.isdigit()


@dataclass(frozen=True)
class RouteParams:
    """queue / policy / arm carried in our own URLs, so a route knows them even with no database.

    `episode` is the caller's time in line: 0 at first, 1 once put back after a Twilio error
    (their QueueTime restarts then, but their wait still counts from the first entry).
    `put_back`: this leg was put back after a Twilio error already (a second one ends the
    call); a first leg put back is episode 1, a rejoined leg (`resumes`) says so itself,
    since it starts at the episode its call reached.
    """

    queue: str | None
    policy: str | None
    arm: str
    episode: int = 0
    resumes: str | None = None  # a rejoined leg's URLs name the call it continues
    put_back: bool = False

    @classmethod
    def from_request(cls) -> RouteParams:
        """This request's, read once per request (a webhook asks for them more than once)."""
        environ = request.environ
        asked = environ.get(ROUTE_PARAMS_KEY)
        if asked is None:
            asked = environ[ROUTE_PARAMS_KEY] = cls.from_args(request.args)
        return asked

    @classmethod
    def from_args(cls, args: MultiDict) -> RouteParams:
        raw = arg(args, "episode", "0")
        episode = int(raw) if is_count(raw) and int(raw) <= MAX_EPISODE else 1 if raw else 0
        resumes = arg(args, "resumes").strip() or None
        if resumes is not None and not is_sid(resumes):
            resumes = None  # not ours: the leg stands for itself
        arm = arg(args, "arm")
        if arm and not ARM_NAME.fullmatch(arm):
            arm = ""  # not an arm we name (too long for the log, or not a name at all)
        put_back = arg(args, "put_back") == "1" or (episode > 0 and resumes is None)
        return cls(arg(args, "queue") or None, arg(args, "policy") or None, arm, episode,
                   resumes, put_back)

    def query(self, **extra: str) -> str:
        """Alphabetically sorted query string: Twilio may reorder params, and signatures care."""
        pairs = {"queue": self.queue or "", "policy": self.policy or "", "arm": self.arm,
                 "episode": str(self.episode) if self.episode else "",
                 "resumes": self.resumes or "",
                 "put_back": "1" if self.put_back and self.resumes else "", **extra}
        return urlencode(sorted((k, v) for k, v in pairs.items() if v))

    def back_in_line(self) -> RouteParams:
        """After a first Twilio error: the next time in line, of the same call and queue."""
        return replace(self, episode=self.episode + 1, put_back=True)

    def call_of(self, call_id: str) -> str:
        """The call a webhook's CallSid belongs to: a rejoined leg continues an earlier one."""
        return self.resumes or call_id

    def queue_only(self) -> RouteParams:
        """For agents' and callback legs' URLs, which belong to a queue, not a policy."""
        return RouteParams(self.queue, None, "")


def call_in_line(form: MultiDict) -> str:
    """The call a waiting leg belongs to: its own CallSid, or, for a caller who rang back
    after a dropped line, the call it continues (named in our own URL, `resumes=`)."""
    return RouteParams.from_request().call_of(sid(form, "CallSid"))


@dataclass(frozen=True)
class CallForm:
    """The number's Voice webhook (/voice/incoming): a new call."""

    call_id: str
    from_number: str | None

    @classmethod
    def parse(cls, form: MultiDict) -> CallForm:
        return cls(sid(form, "CallSid"), party(form, "From"))


@dataclass(frozen=True)
class StatusForm:
    """A status callback: the call's state now."""

    call_id: str
    status: str

    @classmethod
    def parse(cls, form: MultiDict) -> StatusForm:
        return cls(sid(form, "CallSid"), one_of(form, "CallStatus", CALL_STATUSES, default=""))


@dataclass(frozen=True)
class WaitForm:
    """The waitUrl request: who is waiting, where, and for how long."""

    call_id: str
    position: int
    queue_time_s: float  # from Twilio, or from the call log when a request lacks QueueTime
    queue_size: int
    queue_time_given: bool = True
    position_given: bool = True
    place_bounded: bool = True
    """Whether `position` is at least the caller's real place: given, or read where it
    cannot be too low (the line's size, the log's last poll). An unbounded one is never
    used to estimate a wait or promise a window."""

    @classmethod
    def parse(cls, form: MultiDict) -> WaitForm:
        position = number(form, "QueuePosition")
        queue_time = number(form, "QueueTime")
        size = number(form, "CurrentQueueSize")
        # Without QueuePosition the back of the line (the size) is the place assumed: an
        # estimate from it is never too short.
        place = position if position is not None else size
        return cls(
            call_id=call_in_line(form),
            position=max(int(place or 1), 1),
            queue_time_s=queue_time or 0.0,
            queue_size=int(size if size is not None else (position or 1)),
            queue_time_given=queue_time is not None,
            position_given=position is not None,
            place_bounded=place is not None,
        )

    @property
    def complete(self) -> bool:
        """Twilio sends both on every waitUrl request; a request without them is read
        against the call log (with_logged_place)."""
        return self.queue_time_given and self.position_given

    def with_logged_place(self, call: CallRow, now: datetime) -> WaitForm:
        """Gather actions come without QueuePosition and QueueTime (Twilio documents only
        Digits and the call's parameters there): the log says where the caller was at their
        last poll and how long they have waited, so a promise is never made as if first."""
        place = self
        if not self.queue_time_given and call.entered_at is not None:
            place = replace(place, queue_time_s=max((now - call.entered_at).total_seconds(), 0.0))
        if not self.position_given and call.last_position:
            place = replace(place, position=call.last_position, place_bounded=True,
                            queue_size=max(place.queue_size, call.last_position))
        return place


@dataclass(frozen=True)
class KeyForm:
    """A Gather action in the wait: the key pressed, and the caller's call."""

    wait: WaitForm
    digit: str  # "" when the Gather ended without a key
    from_number: str | None

    @classmethod
    def parse(cls, form: MultiDict) -> KeyForm:
        return cls(WaitForm.parse(form), digits(form), party(form, "From"))


MAX_REASON_CHARS = REASON_MOST_CHARS


def cut_at_word(text: str, most: int) -> str:
    """`text` if it has at most `most` characters, else its first words that fit."""
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0]


def transcript(form: MultiDict) -> str:
    """SpeechResult as one printable line, cut to MAX_REASON_CHARS ("" when absent)."""
    return cut_at_word(one_line(form.get("SpeechResult", "")), MAX_REASON_CHARS)


@dataclass(frozen=True)
class SpeechForm:
    """A speech Gather's action: the caller's words (Twilio's transcript) and its confidence.

    Twilio documents SpeechResult ("the transcribed result of your caller's speech") and
    Confidence ("a confidence score between 0.0 and 1.0", a float however it is printed:
    "0.8734126091003418", "9.5E-4"). The confidence is only logged beside the words, so one
    that is absent (some speech models omit it), unreadable or out of range is None, never
    a 400 that would lose the caller's words and fail their wait.
    """

    wait: WaitForm
    text: str
    confidence: float | None

    @staticmethod
    def present(form: MultiDict) -> bool:
        """A speech answer rather than keys (a speech Gather never posts Digits)."""
        return "SpeechResult" in form and not form.get("Digits", "").strip()

    @classmethod
    def parse(cls, form: MultiDict) -> SpeechForm:
        return cls(WaitForm.parse(form), transcript(form), confidence(form))


FLOAT = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,40})?(?:[eE][-+]?[0-9]{1,3})?")
"""A non-negative decimal float as any language prints one (ASCII digits, an exponent)."""


def confidence(form: MultiDict) -> float | None:
    """Twilio's Confidence, 0 to 1; None when absent, unreadable or out of range (logged)."""
    raw = form.get("Confidence", "").strip()
    if not raw:
        return None
    value = float(raw) if FLOAT.fullmatch(raw) else math.nan
    if not 0 <= value <= 1:  # nan too
        log.warning("Twilio parameter Confidence unreadable or out of range, not kept: %r",
                    raw[:40])
        return None
    return value


@dataclass(frozen=True)
class EntryForm:
    """A callback number keyed in (/voice/callback/entry): the digits and which try it is."""

    call_id: str
    keyed: str
    tries: int

    @classmethod
    def parse(cls, form: MultiDict, args: MultiDict, max_tries: int) -> EntryForm:
        raw = args.get("tries", "1").strip()
        if not is_count(raw) or not 1 <= int(raw) <= max_tries:
            abort(400, description=f"query parameter tries must be 1 to {max_tries}: {raw[:20]!r}")
        # One key more than a number can have: a longer entry stays too long (asked again).
        return cls(sid(form, "CallSid"), digits(form, limit=MAX_KEYED_DIGITS + 1), int(raw))


@dataclass(frozen=True)
class QueueResultForm:
    """The Enqueue action: how the wait ended.

    A hang-up is a hang-up even with a garbled QueueTime: `garbled` keeps that 400 so the route
    can store the sound fact first and still answer the malformed request with its 400.
    """

    call_id: str
    result: str
    queue_time_s: float | None
    garbled: HTTPException | None = None

    @classmethod
    def parse(cls, form: MultiDict) -> QueueResultForm:
        call_id = call_in_line(form)
        result = one_of(form, "QueueResult", QUEUE_RESULTS)
        if result is None:
            abort(400, description="missing Twilio parameter QueueResult")
        try:
            return cls(call_id, result, number(form, "QueueTime"))
        except HTTPException as error:
            return cls(call_id, result, None, error)


@dataclass(frozen=True)
class AgentForm:
    """An agent's call asking for the next caller (also its Dial's action)."""

    agent_call_id: str
    dial_status: str | None
    to: str | None

    @classmethod
    def parse(cls, form: MultiDict) -> AgentForm:
        return cls(sid(form, "CallSid"), one_of(form, "DialCallStatus", DIAL_STATUSES),
                   party(form, "To"))


@dataclass(frozen=True)
class ConnectForm:
    """The Queue noun's url, just before the bridge: who is answered, by which agent."""

    call_id: str
    queue_time_s: float | None  # None: QueueTime left out (the call log times the answer)
    agent_call_id: str | None
    rejoined: bool = False  # taken from the rejoin queue: the leg continues an earlier call

    @classmethod
    def parse(cls, form: MultiDict, args: MultiDict) -> ConnectForm:
        return cls(sid(form, "CallSid"), number(form, "QueueTime"),
                   sid(form, "DequeingCallSid", optional=True), bool(args.get("rejoined")))


@dataclass(frozen=True)
class CallbackLegForm:
    """A request about a callback's outbound leg: which callback and claim (our own URL), and
    what Twilio says of the leg (answered by, Dial status, queue result, call status)."""

    call_id: str  # the original caller's call, whose callback this is
    claim: str | None
    leg: str | None
    answered_by: str
    dial_status: str | None
    dial_leg: str | None
    queue_result: str | None
    status: str | None

    @classmethod
    def parse(cls, form: MultiDict, args: MultiDict) -> CallbackLegForm:
        claim = args.get("claim", "").strip() or None
        if claim is not None and not CLAIM_SHAPE.fullmatch(claim):
            abort(400, description=f"query parameter claim is not a claim token: {claim[:40]!r}")
        return cls(
            call_id=sid(args, "call", sent_as="query parameter"), claim=claim,
            leg=sid(form, "CallSid", optional=True),
            answered_by=one_of(form, "AnsweredBy", ANSWERED_BY, default="human"),
            dial_status=one_of(form, "DialCallStatus", DIAL_STATUSES),
            dial_leg=sid(form, "DialCallSid", optional=True),
            queue_result=one_of(form, "QueueResult", QUEUE_RESULTS),
            status=one_of(form, "CallStatus", CALL_STATUSES),
        )

    @property
    def reached_a_machine(self) -> bool:
        return is_a_machine(self.answered_by)


def is_a_machine(answered_by: str) -> bool:
    """Twilio's AnsweredBy says voicemail or a fax, not a person (`unknown` is treated as a
    person: better a greeting to an answering machine than hanging up on a customer)."""
    return answered_by.startswith(("machine", "fax"))


URL_SHAPE = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9._~/%+=-]*")
MAX_URL = 512
TRANSCRIPTION_STATUSES = frozenset({"completed", "failed"})


def recording_url(form: MultiDict, name: str = "RecordingUrl") -> str:
    """An https URL of Twilio's recording (no query, no credentials): it is played to an agent."""
    raw = form.get(name, "").strip()
    if not raw:
        abort(400, description=f"missing Twilio parameter {name}")
    if len(raw) > MAX_URL or not URL_SHAPE.fullmatch(raw):
        abort(400, description=f"Twilio parameter {name} is not an https URL: {raw[:60]!r}")
    return raw


@dataclass(frozen=True)
class RecordingForm:
    """The <Record> action (a message left from the queue): which call, and its recording.
    `Digits` is the key that ended it, or "hangup": not keypad input, so it is not read."""

    call_id: str
    from_number: str | None
    url: str
    recording_sid: str
    duration_s: float

    @classmethod
    def parse(cls, form: MultiDict) -> RecordingForm:
        return cls(sid(form, "CallSid"), party(form, "From"),
                   recording_url(form), sid(form, "RecordingSid", "RE"),
                   number(form, "RecordingDuration", 0.0) or 0.0)


@dataclass(frozen=True)
class TranscriptionForm:
    """Twilio's transcribeCallback: the words of a recorded message."""

    call_id: str
    recording_sid: str
    text: str
    status: str

    @classmethod
    def parse(cls, form: MultiDict) -> TranscriptionForm:
        status = one_of(form, "TranscriptionStatus", TRANSCRIPTION_STATUSES)
        if status is None:
            abort(400, description="missing Twilio parameter TranscriptionStatus")
        return cls(sid(form, "CallSid"), sid(form, "RecordingSid", "RE"),
                   one_line(form.get("TranscriptionText", ""))[:2000], status)
