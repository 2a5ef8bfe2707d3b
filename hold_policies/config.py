"""The operator's configuration file (TOML), validated so a bad file never reaches a caller.

Every knob has a default; unknown keys are errors. `load_config` raises `ConfigError` whose
message names each bad key, the bad value and what is allowed, and each rule across keys
(`cross_check`) that what parsed breaks.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from datetime import time as dt_time
from functools import cache, cached_property
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from hold_policies.closed_line import ClosedLine, closed_words_in
from hold_policies.experiment import shares
from hold_policies.hours import (
    DAY_PATTERN,
    DAYS,
    SPANS_PATTERN,
    OpeningHours,
    fixed_all_year,
    parse_spans,
    reversed_sign,
    zone_named,
    zone_names,
)
from hold_policies.language_menu import MENU_TIMEOUT_S, menu_problem
from hold_policies.languages import BUILT_IN, check_defaults, is_built_in, language_of
from hold_policies.numbers_only import STORED_LAX, NumbersAreNotSwitches
from hold_policies.overflow_rules import (
    TRANSCRIPT_READ_PER_MESSAGE_S,
    Overflow,
    brief_s,
    overflow_words_in,
)
from hold_policies.prompts import PLACEHOLDERS, only_placeholders, prompt_placeholders
from hold_policies.resume import ResumeRule
from hold_policies.spoken_words import answer_problem, left_in_english, say_problems
from hold_policies.toml_file import toml_text
from hold_policies.unseen_text import no_direction_controls
from hold_policies.voices import default_voice, mismatch, unknown_polly_voice, voice_heard
from hold_policies.xml_text import xml_text

PolicyName = Literal["silence", "checkin", "callback", "music_ads"]
POLICY_NAMES: tuple[str, ...] = ("silence", "checkin", "callback", "music_ads")


def phone_keys(most: int) -> Any:  # noqa: ANN401 - an Annotated type
    """A string of 0 to `most` phone keys (exactly one when `most` is 1), refused in words
    ("one phone key: a digit 0-9, * or #"), not as a regular expression; the JSON Schema
    still states the pattern."""
    least = 1 if most == 1 else 0
    return said_pattern(f"^[0-9*#]{{{least},{most}}}$", (
        "one phone key: a digit 0-9, * or #" if most == 1 else
        f"up to {most} phone keys, each a digit 0-9, * or #"))


def said_pattern(pattern: str, said: str) -> Any:  # noqa: ANN401 - an Annotated type
    """A string matching `pattern`, refused with `said` (words, not the regular expression);
    the JSON Schema still states the pattern."""

    def matching(value: str) -> str:
        if not re.fullmatch(pattern[1:-1], value):
            raise ValueError(said)  # what was typed is added where the error is shown
        return value

    return Annotated[str, AfterValidator(matching), WithJsonSchema({"type": "string",
                                                                    "pattern": pattern})]


Key = phone_keys(1)
MenuKey = said_pattern("^[0-9]$", "one digit, 0-9 (each option says its key, in its language)")
TWILIO_QUEUE_NAME_CHARS = 64
"""Twilio's longest queue FriendlyName."""
PRIORITY_SUFFIX = "-callbacks"
"""Twilio queue `NAME-callbacks`: customers who answered a REST-placed callback hold there."""
REJOIN_SUFFIX = "-rejoin"
"""Twilio queue `NAME-rejoin`: callers whose line dropped rejoin their place there."""
DERIVED_SUFFIXES = (PRIORITY_SUFFIX, REJOIN_SUFFIX)
MAX_QUEUE_NAME_CHARS = TWILIO_QUEUE_NAME_CHARS - max(map(len, DERIVED_SUFFIXES))


def _not_derived(name: str) -> str:
    """A queue name that is none of the Twilio queues the app derives from queue names."""
    for suffix in DERIVED_SUFFIXES:
        if name.endswith(suffix):
            raise ValueError(f"queue names may not end in {suffix!r}: the queue "
                             f"{name.removesuffix(suffix)!r} uses that Twilio queue")
    return name


def name_pattern(most: int) -> str:
    """The names a queue or an arm may have, as a regular expression (the JSON Schema's)."""
    return rf"^[A-Za-z0-9_-]{{1,{most}}}$"


def plain_name(what: str, most: int, why: str) -> Any:  # noqa: ANN401 - an Annotated type
    """A name of 1 to `most` letters A-Z, digits, '-' or '_', refused in words (`what`'s
    name is ...; `why`), not as a regular expression; the JSON Schema still states the
    pattern. `config check` had said "String should match pattern '^[A-Za-z0-9_-]{1,54}$'"
    of a queue named "soporte técnico"."""
    return said_pattern(name_pattern(most), (
        f"{what} name is 1 to {most} characters, each a letter A-Z (no accents or "
        f"spaces), a digit, '-' or '_' ({why})"))


QueueName = Annotated[plain_name("a queue's", MAX_QUEUE_NAME_CHARS,
                                 "it is also its Twilio queue's name"),
                      AfterValidator(_not_derived)]
"""A queue's name, also its Twilio queue's: at most 54 characters, so that the queues the app
derives from it (NAME-callbacks, NAME-rejoin) fit Twilio's 64, and none of those names."""
ARM_NAME_CHARS = 64
"""An arm's (a variant's) longest name: the call log keeps it in columns this wide."""
ARM_NAME_PATTERN = name_pattern(ARM_NAME_CHARS)
ArmName = plain_name("an arm's or variant's", ARM_NAME_CHARS,
                     "it is carried in URLs and the call log")
"""An experiment arm: a policy's name or one of the queue's variants (carried in URLs, logged)."""
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
"""A phone number as Twilio writes it: +, country code, number; 15 digits at most."""
BCP47 = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
"""A language tag as Twilio's <Say> and speech recognition take it (en-US, fr-FR, cmn-Hans-CN)."""
TWILIO_VOICE = re.compile(r"man|woman|alice|(Polly|Google)\.[A-Za-z0-9][A-Za-z0-9-]{0,63}")
"""A <Say> voice: man, woman, alice, Polly.<Name>[-Neural] or Google.<language>-<name>."""
MAX_QUEUE_SIZE = 5000
"""Twilio's largest queue (Queue resource: max_size default 1000, maximum 5000)."""
TWILIO_SIZE = ("the most callers Twilio holds in the queue; Twilio's queue takes it only when "
               "`holdwell twilio setup` is run")
"""Said beside the form's box and in the API's schema: the app itself never resizes it."""


def written_off_as(token: str | bool) -> tuple[BeforeValidator, PlainSerializer]:
    """For a setting whose "none" is not its default: TOML has no null, so "none" is written
    `token` ("" or false) in files, exports and JSON, and read back as none. Without it an
    exported `voice = none` came back as the default voice on import."""
    def read(value: object) -> object:
        return None if type(value) is type(token) and value == token else value
    return (BeforeValidator(read),
            PlainSerializer(lambda value: token if value is None else value, when_used="json"))


def _direction_as_written(text: str, info: ValidationInfo) -> str:
    """Direction controls are refused as written (AS_WRITTEN): a stored version with one
    still loads and runs, as every other new check lets it (one invisible character had
    switched a line's every queue to the fallback config at deploy: reviewer 34)."""
    return no_direction_controls(text) if info.context and info.context.get(AS_WRITTEN) \
        else text


Text = Annotated[str, AfterValidator(xml_text), AfterValidator(_direction_as_written)]
"""Any words or name an operator writes that may reach TwiML, a page or an export: one
character XML 1.0 forbids would make Twilio drop every caller who hears it, and a direction
override had shown a reviewer of the diff other words than callers hear (console audit 34,
D11)."""


def _language_tag(tag: str) -> str:
    if not BCP47.fullmatch(tag):
        raise ValueError("not a language tag as Twilio takes it: a language code and an "
                         "optional region, e.g. \"en-US\", \"en-GB\", \"cmn-CN\"")
    return tag


def _twilio_voice(voice: str) -> str:
    if not TWILIO_VOICE.fullmatch(voice):
        raise ValueError("not a Twilio <Say> voice: man, woman, alice, Polly.<Name> or "
                         "Google.<language>-<name>, e.g. \"Polly.Joanna\"")
    return voice


LanguageTag = Annotated[Text, AfterValidator(_language_tag)]
VoiceName = Annotated[Text, AfterValidator(_twilio_voice)]


NEIGHBOURS = {"US": frozenset({"US", "CA"}), "CA": frozenset({"US", "CA"})}
"""Countries dialled together by default: Twilio enables the US and Canada as one."""

AS_WRITTEN = "said_as_written"
"""Validation context key: check every text as it will be said (each placeholder one its
prompt is filled with, no format), as `config check`, `config import` and the console's saves
do. Without it (a file or a stored version loaded to run), only names no text may use are
refused: a version saved before the per-prompt check still loads and runs."""


def as_said(value: str | None, info: ValidationInfo, here: Iterable[str],
            anywhere: Iterable[str]) -> str | None:
    """A validator of a text said aloud (a prompt, `hours.words`, `overflow.words`): checked
    as it will be said (AS_WRITTEN in the context: only `here`, the names this text is filled
    with, no format, and no brace of its own, `{{` or `}}`, which would be read out), else
    only for names no text of its kind may use (`anywhere`)."""
    strict = bool(info.context and info.context.get(AS_WRITTEN))
    here = tuple(here)
    return only_placeholders(value, here if strict else anywhere, strict=strict, advised=here,
                             spoken=True)


SMS_MOST_CHARS = 1600
"""The longest body Twilio's Messages API sends (error 21617 past it)."""
WAIT_WORDS_MOST = 20
"""The longest a text's {wait} can read once filled ("more than an hour", "45 minutes")."""

LONGEST_SEGMENT_S = 600
"""The longest wait document any setting may make (a check-in interval, a silence or music
segment, the overflow's repeat): Twilio polls a waiting caller at least this often."""


class ConfigError(ValueError):
    """A configuration file that must not be used; the message says what to fix."""


CLAIM_MARGIN_S = 60
"""How much longer than a ring a callback claim lasts before it is taken back (the agent's
spoken context, the customer's answer and our own webhook all fit in it)."""
AMD_S = 30
"""Twilio's answering machine detection listens up to 30 s (its default timeout) after the
answer before the call goes on."""


def iso_date(value: object) -> object:
    """A date from its ISO form (a stored version is JSON); anything else as it is."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None
    return value


CROSS_CHECKS_DEFERRED = "cross_checks_deferred"
"""Validation context key: build the tables without their checks across keys (`cross_check`);
parse_config runs those itself, each on the keys that parsed, so that one bad key does not hide
every rule across keys (pydantic runs a table's own only once all its keys are valid)."""

CrossCheck = Callable[[Any, Mapping[str, Any]], "str | None"]
KeyPath = tuple[str, ...]
"""A key's parts, "queues.support.max_size" as ("queues", "support", "max_size")."""


def cross_check(*reads: str, outer_waits: bool = True) -> Callable[[CrossCheck], CrossCheck]:
    """Mark a table's method as a check across its keys: called with the validation context,
    it returns the problem (naming the keys) or None.

    `reads`: every key it reads, dotted and relative to the table ("*": any name; "D.*.[key]":
    only the names in dict D; "T.[table]": only whether table T is there), so that parse_config
    can skip it when one of them failed. `outer_waits`: when it fails, the checks of the tables
    around it that read one of the same keys are skipped (they would repeat its problem, or
    judge a value it refuses)."""
    def mark(check: CrossCheck) -> CrossCheck:
        check.cross_check_reads = tuple(  # type: ignore[attr-defined]
            tuple(read.split(".")) for read in reads)
        check.cross_check_outer_waits = outer_waits  # type: ignore[attr-defined]
        return check
    return mark


class Strict(NumbersAreNotSwitches):
    model_config = ConfigDict(extra="forbid", frozen=True)
    settled_from: ClassVar[dict[str, tuple[str, ...]]] = {}
    """The keys `_settle` fills in when left out, each with the keys it fills it from: left
    out, it is read as they are (a check reading it waits, as for them, when one is refused,
    or it would judge what a default made of it)."""

    @classmethod
    def cross_checks(cls) -> tuple[CrossCheck, ...]:
        """The table's checks across keys (`cross_check`), its bases' first, each in the
        order written."""
        return _cross_checks(cls)

    def _settle(self) -> None:
        """Fill in what follows from other keys when left out, before any check reads it."""

    @model_validator(mode="after")
    def _checked_across_keys(self, info: ValidationInfo) -> Strict:
        """Every `cross_check` of the table; its problems, all named in one error, refuse
        it (unless deferred to parse_config, CROSS_CHECKS_DEFERRED). The console and the API
        named only the first, so an operator fixed one and was refused again for the next."""
        self._settle()
        context = info.context or {}
        if context.get(CROSS_CHECKS_DEFERRED):
            return self
        problems = [problem for check in self.cross_checks()
                    if (problem := check(self, context))]
        if problems:
            raise ValueError("; ".join(problems))
        return self


@cache
def _cross_checks(cls: type[Strict]) -> tuple[CrossCheck, ...]:
    found: dict[str, CrossCheck] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            if hasattr(member, "cross_check_reads"):
                found[name] = member
    return tuple(found.values())


REGION_NAMES = {"UK": "GB"}
"""Codes people write for a country that are not its ISO 3166 code."""


def _known_region(code: str, info: ValidationInfo) -> str:
    """Checked as written (a stored version still loads, as an unplaced time zone does): a
    code no numbering plan has ("UK", "EU") had been taken, and then no number it covers
    was ever called back (each parses as "GB", never in {"UK"}), unsaid."""
    if not (info.context and info.context.get(AS_WRITTEN)):
        return code
    import phonenumbers  # only to check a file as written

    if code in phonenumbers.SUPPORTED_REGIONS:
        return code
    meant = REGION_NAMES.get(code)
    if meant:
        said = f"{code!r} is not the ISO 3166 code of its country: write {meant!r}"
    else:
        said = f"{code!r} is no country's ISO 3166 code (e.g. \"US\", \"GB\", \"DE\")"
    raise ValueError(f"{said}; no phone number is read as {code!r}, so none would "
                     "ever be called back under it")


Region = Annotated[said_pattern(r"^[A-Z]{2}$", "a country's two-letter ISO 3166 code in "
                                "capitals, e.g. \"US\", \"GB\", \"DE\""),
                   AfterValidator(_known_region)]
"""A country (ISO 3166 alpha-2) as phone numbers are read in it: callbacks' default region
and the countries they may dial."""


class CallbacksConfig(Strict):
    """How promised callbacks are placed, retried and watched."""

    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    retry_after_s: Annotated[int, Field(ge=30, le=86400)] = 300
    ring_timeout_s: Annotated[int, Field(ge=5, le=120)] = 25
    claim_timeout_s: Annotated[int, Field(ge=30, le=3600)] = 300
    """Outlasts a ring, answering machine detection and the longest brief: the default
    message (120 s, or its transcript read aloud) with the default ring (see least_claim_s)."""
    at_risk_margin_s: Annotated[int, Field(ge=0, le=3600)] = 120
    answering_machine_detection: bool = True
    default_region: Region = "US"
    countries: list[Region] | None = None
    """Countries (ISO 3166 codes) callbacks may dial; none: default_region's (with the US
    and Canada together, as Twilio's own geo permissions group them). Premium-rate and
    shared-cost numbers are never dialled (app.voice.callers): callers key in numbers."""
    sms_on_failure: bool = False
    sms_text: Text = (
        "Sorry, we tried to call you back and could not reach you. "
        "Please call us again and we will help you straight away."
    )
    place_via_rest: bool = False
    rest_at_once: Annotated[int, Field(ge=1, le=50)] = 2
    """With place_via_rest: at most this many of a queue's at-risk customers rung or held
    through REST at once (each who answers waits for the next free agent)."""
    min_retry_after_s: Annotated[int, Field(ge=10, le=86400)] = 60
    """The soonest retry after a missed attempt (never later than retry_after_s): used instead
    of retry_after_s when that would bring the retry within at_risk_margin_s of the promised
    time, or past it (hold_policies.promise.retry_delay_s)."""
    promise_target: Annotated[Annotated[float, Field(gt=0.5, lt=1)] | None,
                              *written_off_as(False)] = 0.95
    """Share of callback promises to keep: the window said is sized for it from the measured
    answer rate and the attempts; false (none): the bare wait band (the sizing before issue
    16)."""
    assumed_answer_p: Annotated[float, Field(gt=0, le=1)] = 0.85
    """The answer rate assumed until the log has shown enough callback attempts."""
    sms_confirm: bool = False
    sms_confirm_text: Text = (
        "We will call you back within {wait}, and you keep your place in line. "
        "If we cannot reach you, we will text you.")

    @field_validator("sms_confirm_text")
    @classmethod
    def _wait_placeholder_only(cls, text: str) -> str:
        return only_placeholders(text, ("wait",))

    @field_validator("sms_text", "sms_confirm_text")
    @classmethod
    def _fits_one_message(cls, text: str, info: ValidationInfo) -> str:
        """Checked as sent (AS_WRITTEN; a stored version still loads): Twilio's Messages
        API refuses a longer body, and the customer would get no text at all."""
        sent = len(text.replace("{wait}", "x" * WAIT_WORDS_MOST))
        if info.context and info.context.get(AS_WRITTEN) and sent > SMS_MOST_CHARS:
            raise ValueError(f"{sent:,} characters as sent, but Twilio's Messages API takes at "
                             f"most {SMS_MOST_CHARS:,} in one text (error 21617); shorten it")
        return text

    @cross_check("sms_on_failure", "sms_text", "sms_confirm", "sms_confirm_text")
    def _texts_turned_on_say_something(self, context: Mapping[str, Any]) -> str | None:
        """Checked as written (a stored version still loads): Twilio's Messages API refuses
        an empty body, so every text owed would be lost, each with only a logged error."""
        if not context.get(AS_WRITTEN):
            return None
        empty = [f"callbacks.{text} is empty, but {switch} is true: Twilio sends no empty "
                 f"text (error 21602), so no customer would get one; write the text or turn "
                 f"{switch} off" for switch, text in (("sms_on_failure", "sms_text"),
                                                       ("sms_confirm", "sms_confirm_text"))
                 if getattr(self, switch) and not getattr(self, text).strip()]
        return "; ".join(empty) or None

    def text(self, name: str, language: str | None) -> str:  # a name of TEXTS
        """`sms_text` or `sms_confirm_text` as a customer of a queue in `language` reads it:
        as written, else that language's own default (a Spanish queue's customers had been
        texted "We will call you back within 15 minutos" in English)."""
        if name in self.model_fields_set:
            return getattr(self, name)
        return language_of(language).default_words.defaults("texts").get(name, getattr(self, name))

    @cross_check("claim_timeout_s", "ring_timeout_s", "answering_machine_detection")
    def _claims_outlive_rings(self, context: Mapping[str, Any]) -> str | None:
        """A claim released while its agent may still be ringing the customer would let a
        second agent dial them too: the timeout must outlast any ring, with a margin."""
        if self.claim_timeout_s < self.least_claim_s():
            return self.claim_too_short(0, "")
        return None

    def callable_countries(self) -> frozenset[str]:
        """The countries callbacks may dial (`countries`, or default_region's)."""
        if self.countries:
            return frozenset(self.countries)
        return NEIGHBOURS.get(self.default_region, frozenset({self.default_region}))

    def least_claim_s(self, brief_s: float = 0) -> int:
        """The shortest claim that outlasts the agent's brief of `brief_s` (played before
        the Dial), the ring, answering machine detection and the margin."""
        amd_s = AMD_S if self.answering_machine_detection else 0
        return math.ceil(brief_s + self.ring_timeout_s + amd_s + CLAIM_MARGIN_S)

    def claim_too_short(self, brief_s: float, brief_key: str) -> str:
        """The error naming every key in the sum, the minimum and the fix."""
        amd = " + answering_machine_detection 30 s" if self.answering_machine_detection else ""
        brief = f"the agent's brief {brief_s:g} s ({brief_key}) + " if brief_key else ""
        least = self.least_claim_s(brief_s)
        return (f"callbacks.claim_timeout_s ({self.claim_timeout_s}) must be at least "
                f"{brief}ring_timeout_s {self.ring_timeout_s} s{amd} + {CLAIM_MARGIN_S} s = "
                f"{least}, or a second agent could dial a customer whose first agent is still "
                f"hearing about them or ringing them; set claim_timeout_s = {least}"
                + (" or lower the message's length" if brief_key else ""))


def longest_brief(queues: Mapping[str, QueueConfig]) -> tuple[float, str]:
    """The longest an agent hears about a callback before its Dial: its messages, no longer
    together than one played in full (message_max_s) or its transcript read aloud
    (overflow_rules.messages_told keeps them to it); and its key. Only
    agent-first dialling briefs under a claim (customer-first: once the customer holds)."""
    longest, key = 0.0, ""
    for name, queue in queues.items():
        overflow = queue.overflow
        if overflow is None or not overflow.voicemail or \
                queue.callback.dialling != "agent_first":
            continue
        read_s = brief_s(overflow.message_max_s, overflow.transcribe)
        if read_s > longest:
            longest = read_s
            key = f"queues.{name}.overflow.message_max_s {overflow.message_max_s}" + (
                f" x {TRANSCRIPT_READ_PER_MESSAGE_S:g}, transcript read aloud"
                if overflow.transcribe else "")
    return longest, key


TEXTS = ("sms_text", "sms_confirm_text")
"""The texts a customer is sent: in their queue's language where the operator left them out."""
check_defaults("texts", {name: CallbacksConfig.model_fields[name].default for name in TEXTS})


class PromptsConfig(Strict):
    welcome: Text | None = None
    apology: Text | None = None
    closed_while_waiting: Text | None = None
    position: Text | None = None
    next_in_line: Text | None = None
    wait: Text | None = None
    keep_waiting: Text | None = None
    callback_offer: Text | None = None
    callback_offer_no_estimate: Text | None = None
    keep_waiting_ack: Text | None = None
    callback_number_check: Text | None = None
    callback_keyed_check: Text | None = None
    callback_number_entry: Text | None = None
    callback_number_invalid: Text | None = None
    callback_kept_waiting: Text | None = None
    callback_number_given_up: Text | None = None
    callback_unconfirmed: Text | None = None
    callback_already_booked: Text | None = None
    returning_caller: Text | None = None
    callback_kept: Text | None = None
    resumed: Text | None = None
    callback_traded_for_waiting: Text | None = None
    callback_no_longer_booked: Text | None = None
    callback_on_its_way: Text | None = None
    callback_unchanged: Text | None = None
    callback_change_unknown: Text | None = None
    """What a caller hears of a callback already booked, a booking in doubt, and a return
    after a dropped line: a queue in another language could not word these, and its callers
    heard them in English read by its voice ("Welcome back. You keep your place in line from
    before." in Polly.Lucia's Spanish accent; caller audit)."""
    connecting: Text | None = None
    callback_greeting: Text | None = None
    callback_held_greeting: Text | None = None
    callback_still_held: Text | None = None
    agent_callback_context: Text | None = None
    agent_callback_missed: Text | None = None
    agent_callback_given_up: Text | None = None
    agent_callback_held: Text | None = None
    callback_confirm: Text | None = None
    callback_confirm_no_estimate: Text | None = None
    callback_confirm_keyed: Text | None = None
    callback_confirm_keyed_no_estimate: Text | None = None
    callback_closing_soon: Text | None = None
    callback_closed: Text | None = None
    not_understood: Text | None = None
    legacy_message: Text | None = None
    reason_question: Text | None = None
    reason_thanks: Text | None = None
    agent_caller_reason: Text | None = None
    agent_caller_position: Text | None = None
    agent_caller_promised: Text | None = None
    agent_callback_reason: Text | None = None

    @field_validator("*")
    @classmethod
    def known_placeholders(cls, value: str | None, info: ValidationInfo) -> str | None:
        return as_said(value, info, prompt_placeholders(info.field_name or ""), PLACEHOLDERS)


class SilenceConfig(Strict):
    segment_s: Annotated[int, Field(ge=10, le=LONGEST_SEGMENT_S)] = 60
    comfort_noise: Text | None = None


class CheckinConfig(Strict):
    interval_s: Annotated[int, Field(ge=20, le=LONGEST_SEGMENT_S)] = 60
    first_checkin_s: Annotated[int, Field(ge=0, le=600)] | None = None
    keep_key: Key = "1"
    gather_timeout_s: Annotated[int, Field(ge=1, le=15)] = 4
    announce_position: bool = True
    announce_wait: bool = True
    position_only_when_changed: bool = False
    ask_reason: bool = False
    """Ask once, in the first check-in, for a few words about the call (speech to text),
    said to the agent before the bridge (README 'The caller's reason')."""
    reason_timeout_s: Annotated[int, Field(ge=1, le=15)] = 5
    """Seconds the caller has to start speaking; silence skips the question."""
    reason_speech_end_s: Annotated[int, Field(ge=1, le=10)] = 2
    """A pause this long ends the answer (Gather speechTimeout)."""
    reason_max_speech_s: Annotated[int, Field(ge=3, le=60)] = 15
    """The longest answer taken (Gather maxSpeechTime; Twilio's own limit is 60 s)."""
    reason_language: LanguageTag | None = None
    """The language callers answer in (BCP-47, e.g. en-GB); none: the queue's language."""
    reason_hints: Text | None = None
    """Words and phrases callers are likely to say, comma-separated (Gather hints)."""

    @field_validator("reason_hints")
    @classmethod
    def short_hints(cls, hints: str | None) -> str | None:
        if hints is not None and (long := [h for h in hints.split(",") if len(h.strip()) > 100]):
            raise ValueError(f"each hint may have at most 100 characters (Twilio's limit); "
                             f"{long[0].strip()[:40]!r}... is longer")
        return hints


class CallbackConfig(CheckinConfig):
    callback_key: Key = "2"
    offer_after_estimate_s: Annotated[int, Field(ge=0, le=7200)] = 300
    offer_without_estimate_after_s: Annotated[int, Field(ge=0, le=7200)] = 300
    dialling: Literal["agent_first", "customer_first"] = "agent_first"
    """agent_first: a free agent dials the customer; customer_first: when it is their turn the
    callback worker rings the customer through the REST API and, on answering, they are put
    at the head of the line (the queue's priority queue), so they never wait again."""
    customer_first_at_once: Annotated[int, Field(ge=1, le=20)] = 2
    """customer_first: at most this many customers rung or answered-and-held per queue at
    once. 1 keeps the wait after answering shortest but lets later callers overtake a burst
    of callbacks (on the issue's busy line only ~80% of windows were kept); 2 keeps >= 95%."""

    @cross_check("callback_key", "keep_key")
    def distinct_keys(self, context: Mapping[str, Any]) -> str | None:
        if self.callback_key == self.keep_key:
            return f"callback_key and keep_key are both {self.keep_key!r}"
        return None


class MusicAdsConfig(Strict):
    music: Text = "hold_music"
    music_s: Annotated[int, Field(ge=5, le=LONGEST_SEGMENT_S)] = 60
    message_every_s: Annotated[int, Field(ge=10, le=LONGEST_SEGMENT_S)] = 60
    ad_audio: Text | None = None


SETTINGS_MODELS: dict[str, type[Strict]] = {
    "silence": SilenceConfig, "checkin": CheckinConfig, "callback": CallbackConfig,
    "music_ads": MusicAdsConfig}
"""Each policy's knobs: the table [queues.NAME.<policy>] and a variant's `settings`."""


LEAST_ARM_SHARE = 0.01
"""The smallest share of callers an arm may get: below it the split compares nothing."""
UNHEARD_ARM = "arm_unheard"
"""The error type of an arm under LEAST_ARM_SHARE (its context names the arm)."""


class ExperimentConfig(Strict):
    """Split callers between policies (or the queue's variants of them) by a deterministic draw
    per call (weights, any scale)."""

    arms: dict[ArmName, Annotated[float, Field(gt=0, allow_inf_nan=False)]]  # inf: one arm
    salt: Text = ""

    @field_validator("arms")
    @classmethod
    def at_least_two(cls, arms: dict[str, float]) -> dict[str, float]:
        """Kept by name, the order the draw takes them in (assign_arm): stored in the
        order they came, a split from the console's form and the same split from the API
        differed in every diff and export."""
        if len(arms) < 2:
            raise ValueError("an experiment needs at least two arms")
        return dict(sorted(arms.items()))

    @field_validator("arms")
    @classmethod
    def every_arm_heard(cls, arms: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        """Checked as written (a stored version still loads): an arm under 1% of callers
        is hardly ever heard and its results never come (1e-300 beside 1 had started as
        "checkin 1e-300 (0%)"). `arm` in the error's context: the form marks its box."""
        share = shares(arms)
        unheard = [name for name in arms if share[name] < LEAST_ARM_SHARE * (1 - 1e-9)]
        if unheard and info.context and info.context.get(AS_WRITTEN):
            raise PydanticCustomError(UNHEARD_ARM, "; ".join(
                f"arm {name!r} would get under {LEAST_ARM_SHARE:.0%} of callers (weight "
                f"{arms[name]:g}: {share[name]:.2%} of callers): every arm needs "
                f"at least "
                f"{LEAST_ARM_SHARE:.0%}; give it a larger weight or leave it out"
                for name in unheard), {"arm": unheard[0]})
        return arms


QUEUE_LEG_PROMPTS = frozenset({"connecting", "callback_greeting", "callback_held_greeting",
                               "callback_still_held", "agent_callback_context",
                               "agent_callback_missed", "agent_callback_given_up",
                               "agent_callback_held",
                               "agent_caller_reason",
                               "agent_caller_position", "agent_caller_promised",
                               "agent_callback_reason"})
"""Said on the agent's leg or the callback call, whose URLs carry the queue, not the caller's
arm: they are the queue's words, so a variant may not change them."""


def _not_a_policy(name: str) -> str:
    if name in POLICY_NAMES:
        raise ValueError(f"{name!r} is a policy's name; give the variant its own name "
                         f"(e.g. \"{name}_short\"), so the log tells the two apart")
    return name


VariantName = Annotated[ArmName, AfterValidator(_not_a_policy)]


QUEUE_WIDE_SETTINGS = frozenset({"dialling", "customer_first_at_once"})
"""Callback knobs a variant may not change: they decide who dials, for every call."""


class VariantConfig(Strict):
    """A named variant of a policy: the same policy with other words and knobs, so an experiment
    can put words under test. Its prompts and settings override the queue's own."""

    policy: PolicyName
    prompts: PromptsConfig = PromptsConfig()
    settings: dict[str, Any] = Field(default_factory=dict)
    """Knobs of `policy` (the keys of its [queues.NAME.<policy>] table), e.g. interval_s."""

    @field_validator("prompts")
    @classmethod
    def caller_words_only(cls, prompts: PromptsConfig) -> PromptsConfig:
        """A variant's own words are said to its callers only. A queue-leg prompt sent
        empty (null) sets nothing: GET writes every variant prompt, nulls included, and a
        PUT of that answer unchanged had been refused for them."""
        given = {name for name in prompts.model_fields_set if getattr(prompts, name) is not None}
        if bad := sorted(QUEUE_LEG_PROMPTS & given):
            raise ValueError(f"{', '.join(bad)}: said on the agent's or the callback's leg, "
                             f"which serve the whole queue; set it in [queues.NAME.prompts]")
        return prompts

    @cross_check("policy", "settings")
    def known_settings(self, context: Mapping[str, Any]) -> str | None:
        """Only keys the policy has, with values its own table would accept."""
        model = SETTINGS_MODELS[self.policy]
        if queue_wide := sorted(QUEUE_WIDE_SETTINGS & set(self.settings)):
            return (f"settings.{queue_wide[0]}: how callbacks are dialled serves the whole "
                    f"queue (its agents and the callback worker), not one arm; set it in "
                    f"[queues.NAME.callback]")
        if unknown := sorted(set(self.settings) - set(model.model_fields)):
            return (f"settings.{unknown[0]}: not a {self.policy} setting (known: "
                    f"{', '.join(model.model_fields)})")
        try:  # as written, strictly, as the policy's own table is read (`_built`): "90" or
            # 90.0 for interval_s and "no" for a switch are mistakes to name; a stored version
            # saved before this check still loads, its values coerced as they were then
            as_written = bool(context.get(AS_WRITTEN))
            model.model_validate(self.settings, strict=as_written,
                                 context=None if as_written else {STORED_LAX: True})
        except ValidationError as error:  # rules across keys wait for the queue's own table
            for item in (e for e in error.errors() if e["loc"]):
                key = dotted(item["loc"])
                message = item["msg"].removeprefix("Value error, ")
                return f"settings.{key}: {message} (got {shown(item.get('input'))})"
        return None


Spans = (Annotated[str, Field(json_schema_extra={"pattern": DAY_PATTERN})]
         | list[Annotated[str, Field(json_schema_extra={"pattern": SPANS_PATTERN})]] | None)
"""The patterns are for the OpenAPI document only: `HoursConfig.spans` refuses with words."""


CLOSED_WORDS_PLACEHOLDERS = {"closed": ("opens",), "booked": ("opens",), "full": ("opens",),
                             "not_confirmed": ("opens",), "already_booked": ("opens",),
                             "callback_offer": ("number", "callback_key")}
"""What each closed-line sentence is filled with (the others are said as written)."""


class ClosedWordsConfig(Strict):
    """What a closed line says ({opens}: "on Monday at 8 AM"; {number}; {callback_key})."""

    closed: Text | None = None
    never_opens: Text | None = None
    callback_offer: Text | None = None
    booked: Text | None = None
    already_booked: Text | None = None
    full: Text | None = None
    goodbye: Text | None = None
    wrong_key: Text | None = None
    nothing_booked: Text | None = None
    not_booked: Text | None = None
    not_confirmed: Text | None = None

    @field_validator("*")
    @classmethod
    def known_placeholders(cls, value: str | None, info: ValidationInfo) -> str | None:
        return as_said(value, info, CLOSED_WORDS_PLACEHOLDERS.get(info.field_name or "", ()),
                       ("opens", "number", "callback_key"))


def _joined(value: Spans) -> str:
    """A day's spans as one text: a list of spans is checked as a whole (no overlaps)."""
    return value if isinstance(value, str) else ", ".join(value or [])


class HoursConfig(Strict):
    """Opening hours in a time zone, closed dates, and callbacks booked while closed."""

    timezone: Annotated[str, Field(json_schema_extra=lambda schema: schema.update(
        enum=sorted(zone_names())))]
    monday: Spans = None
    tuesday: Spans = None
    wednesday: Spans = None
    thursday: Spans = None
    friday: Spans = None
    saturday: Spans = None
    sunday: Spans = None
    closed: list[Annotated[date, BeforeValidator(iso_date)]] = Field(default_factory=list)
    """Dates as TOML writes them, or ISO strings as a stored version (JSON) holds them."""
    callbacks_per_opening: Annotated[int, Field(ge=0, le=100_000)] | None = None
    callback_key: Key = "1"
    words: ClosedWordsConfig = ClosedWordsConfig()

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, name: str, info: ValidationInfo) -> str:
        """A place's zone as written (what the API's document lists); a version stored in
        "localtime" before that was refused still loads and runs. Its save, or any other
        queue's (each checks the whole config), is then refused naming this key: the fix."""
        zone_named(name, places_only=bool(info.context and info.context.get(AS_WRITTEN)))
        return name

    @field_validator(*DAYS, mode="before")
    @classmethod
    def spans_written_as_text(cls, value: object) -> object:
        """A day is a text or a list of texts, refused in those words: pydantic's own, one
        per member of the type, had named keys no file has ("monday.str", "monday.list[str]")
        and counted one mistake as two problems."""
        spans = value if isinstance(value, list) else [value]
        if value is None or all(isinstance(span, str) for span in spans):
            return value
        odd = next(span for span in spans if not isinstance(span, str))
        where = f"item {spans.index(odd) + 1} of the list is " if isinstance(value, list) \
            else ""
        raise PydanticCustomError("day_hours_type", (
            f"{where}{toml_kind(odd)}, but a day's hours are text in quotes: \"08:00-18:00\", "
            f"several spans as \"08:00-12:00, 13:00-18:00\" or a list of such texts, or "
            f"\"closed\""))

    @field_validator(*DAYS)
    @classmethod
    def spans(cls, value: Spans) -> Spans:
        parse_spans(_joined(value))
        return value

    @cross_check(*DAYS)
    def opens_sometime(self, context: Mapping[str, Any]) -> str | None:
        if not any(self.week()):
            return ("no day has opening hours, so the line would never open; "
                    "give at least one day, e.g. monday = \"08:00-18:00\"")
        return None

    def week(self) -> tuple[tuple, ...]:
        return tuple(parse_spans(_joined(getattr(self, name))) for name in DAYS)

    @cached_property
    def _hours(self) -> OpeningHours:
        return OpeningHours(self.timezone, self.week(), frozenset(self.closed))

    def opening_hours(self) -> OpeningHours:
        """Built once per config (agents ask on every loop of their Dial)."""
        return self._hours


OVERFLOW_WORDS_PLACEHOLDERS = {"callback": ("callback_key",), "voicemail": ("voicemail_key",),
                               "full_callback": ("callback_key",),
                               "agent_transcript": ("text",),
                               "full_number_check": ("number",)}
"""What each overflow sentence is filled with (the others are said as written)."""


class OverflowWordsConfig(Strict):
    """What the overflow offer and the message flow say (hold_policies.overflow.OverflowWords:
    {callback_key}, {voicemail_key}; {text} in agent_transcript)."""

    sorry: Text | None = None
    full: Text | None = None
    callback: Text | None = None
    full_callback: Text | None = None
    full_confirm: Text | None = None
    still: Text | None = None
    voicemail: Text | None = None
    stay: Text | None = None
    goodbye: Text | None = None
    cannot_stay: Text | None = None
    to_message: Text | None = None
    message_prompt: Text | None = None
    message_unsure: Text | None = None
    message_thanks: Text | None = None
    no_message: Text | None = None
    no_message_now: Text | None = None
    no_message_withheld: Text | None = None
    agent_message: Text | None = None
    agent_transcript: Text | None = None
    full_number_check: Text | None = None
    wrong_key: Text | None = None

    @field_validator("*")
    @classmethod
    def known_placeholders(cls, value: str | None, info: ValidationInfo) -> str | None:
        return as_said(value, info, OVERFLOW_WORDS_PLACEHOLDERS.get(info.field_name or "", ()),
                       ("callback_key", "voicemail_key", "text", "number"))


EARLY_OVERFLOW_S = 60
"""An overflow sooner than this is warned of: "sorry you have waited so long" within a minute."""
TRANSCRIBED_MAX_S = 120
"""Twilio transcribes recordings of up to two minutes."""


OVERFLOW_CROSS_CHECKS: dict[str, Any] = {"allOf": [
    {"anyOf": [{"required": ["max_wait_s"], "properties": {"max_wait_s": {"type": "integer"}}},
               {"required": ["when_full"], "properties": {"when_full": {"const": True}}}]},
    {"not": {"required": ["callback"], "properties": {"callback": {"const": False},
                                                      "voicemail": {"const": False}}}},
    {"not": {"required": ["transcribe", "message_max_s"], "properties": {
        "transcribe": {"const": True},
        "message_max_s": {"type": "integer", "minimum": TRANSCRIBED_MAX_S + 1}}}},
]}
"""`overflows_sometime`, `offers_something` and `transcribable`, stated in the table's JSON
schema (a field left out takes its default), so the API's document refuses what they do."""


class OverflowConfig(Strict):
    """Instead of a drop: past `max_wait_s`, or at Twilio's queue-full (`when_full`), offer a
    callback (keeping the caller's place) and/or a message (voicemail) that becomes one."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra=OVERFLOW_CROSS_CHECKS)

    max_wait_s: Annotated[int, Field(ge=0, le=86400)] | None = None
    when_full: bool = False
    callback: bool = True
    voicemail: bool = False
    callback_key: Key = "2"
    voicemail_key: Key = "3"
    after_offer: Literal["keep_waiting", "leave"] = "keep_waiting"
    repeat_s: Annotated[int, Field(ge=20, le=LONGEST_SEGMENT_S)] = 60
    message_max_s: Annotated[int, Field(ge=5, le=3600)] = 120
    transcribe: bool = False
    words: OverflowWordsConfig = OverflowWordsConfig()

    @cross_check("max_wait_s", "when_full")
    def overflows_sometime(self, context: Mapping[str, Any]) -> str | None:
        if self.max_wait_s is None and not self.when_full:
            return ("neither max_wait_s nor when_full is set, so nothing would ever overflow; "
                    "set max_wait_s = 1800 (say) and/or when_full = true, or remove the table")
        return None

    @cross_check("callback", "voicemail")
    def offers_something(self, context: Mapping[str, Any]) -> str | None:
        if not (self.callback or self.voicemail):
            return ("callback and voicemail are both false: there is nothing to offer; set "
                    "callback = true and/or voicemail = true")
        return None

    @cross_check("callback", "voicemail", "callback_key", "voicemail_key")
    def distinct_keys(self, context: Mapping[str, Any]) -> str | None:
        if self.callback and self.voicemail and self.callback_key == self.voicemail_key:
            return f"callback_key and voicemail_key are both {self.voicemail_key!r}"
        return None

    @cross_check("transcribe", "message_max_s")
    def transcribable(self, context: Mapping[str, Any]) -> str | None:
        if self.transcribe and self.message_max_s > TRANSCRIBED_MAX_S:
            return (f"message_max_s is {self.message_max_s}, but Twilio transcribes messages "
                    f"of up to {TRANSCRIBED_MAX_S} s; lower it or set transcribe = false")
        return None


class ResumeConfig(Strict):
    """[queues.NAME.resume]: a caller whose line dropped rejoins in their place (off: 0)."""

    within_s: Annotated[int, Field(ge=0, le=3600)] = 0
    after_checkin_s: Annotated[int, Field(ge=0, le=600)] = 15

    def rule(self) -> ResumeRule:
        return ResumeRule(within_s=self.within_s, after_checkin_s=self.after_checkin_s)


AUDIO_KNOBS: dict[str, tuple[str, ...]] = {
    "silence": ("comfort_noise",), "music_ads": ("music", "ad_audio")}
"""The settings of each policy that name a clip it plays."""


class AudioUse(NamedTuple):
    """One clip a queue's policy or variant `name` plays: the `knob` naming it, its `audio`
    (a library name or a URL) and all that policy's settings (its lengths among them)."""

    name: str
    knob: str
    audio: str
    knobs: dict[str, Any]


HEARD = ("policy", "experiment.arms", "variants.*.[key]", "variants.*.policy")
"""What a check of the policies a queue's callers may hear reads (QueueConfig.policy_names).

A queue's own checks across keys do not make the file's wait (outer_waits=False): those read
only the queues' names, or ask whether any queue offers callbacks or leaves a message, which
a queue's own problem cannot make up."""


class QueueConfig(Strict):
    policy: PolicyName = "checkin"
    voice: Annotated[VoiceName | None, *written_off_as("")] = "Polly.Joanna"
    """"" (none): no voice attribute, Twilio's own default voice. Left out: the language's
    own Polly voice (hold_policies.voices; Polly.Joanna for en-US)."""
    language: Annotated[LanguageTag | None, *written_off_as("")] = "en-US"
    """"" (none): no language attribute."""

    settled_from: ClassVar[dict[str, tuple[str, ...]]] = {"voice": ("language",)}

    def _settle(self) -> None:
        """A queue that names a language and no voice is read in that language's voice: it
        had been Polly.Joanna, whose English <Say> Twilio fails in another language. The
        voice so found is not one the operator set (not in `model_fields_set`), so a stored
        version leaves it out and a later change of language brings that language's own
        (it had been stored, and refused the change for a voice nobody chose)."""
        if "voice" not in self.model_fields_set:  # frozen model: set as pydantic does
            object.__setattr__(self, "voice", voice_heard({"language": self.language}))

    @cross_check("voice", "language")
    def voice_speaks_language(self, context: Mapping[str, Any]) -> str | None:
        """Checked as written (a stored version still runs): a Polly voice that cannot speak
        the queue's language makes Twilio fail every <Say>."""
        if not context.get(AS_WRITTEN):
            return None
        return mismatch(self.voice, self.language)
    max_size: Annotated[int, Field(ge=1, le=MAX_QUEUE_SIZE, description=TWILIO_SIZE)] = 1000
    prompts: PromptsConfig = PromptsConfig()
    silence: SilenceConfig = SilenceConfig()
    checkin: CheckinConfig = CheckinConfig()
    callback: CallbackConfig = CallbackConfig()
    music_ads: MusicAdsConfig = MusicAdsConfig()
    variants: dict[VariantName, VariantConfig] = Field(default_factory=dict)
    experiment: ExperimentConfig | None = None
    hours: HoursConfig | None = None  # none: always open
    overflow: OverflowConfig | None = None  # none: no maximum wait; queue-full hangs up
    resume: ResumeConfig = ResumeConfig()  # off unless within_s is set
    language_menu: dict[MenuKey, QueueName] = Field(default_factory=dict)
    """[queues.NAME.language_menu]: key -> queue, offered before anything else is said, each
    option in its queue's language ("Para español, pulse 2."); no key stays in this queue
    (hold_policies.language_menu). Empty: no menu."""

    @cross_check("overflow", "checkin.keep_key", "callback.keep_key", "callback.callback_key",
                 *HEARD, outer_waits=False)
    def overflow_keys_are_free(self, context: Mapping[str, Any]) -> str | None:
        """The overflow offer's keys must not already mean something in the wait: to the
        queue's own policies, or to any arm a split sends callers to (a variant's keys).
        Only the overflow's callback key may be a callback key already (the same choice)."""
        if self.overflow is None:
            return None
        users: dict[str, list[str]] = {}  # key -> every knob that gives it a meaning
        for key, knob in ((self.checkin.keep_key, "checkin.keep_key"),
                          (self.callback.keep_key, "callback.keep_key")):
            users.setdefault(key, []).append(knob)
        if "callback" in self.policy_names():
            users.setdefault(self.callback.callback_key, []).append("callback.callback_key")
        for name in sorted(self.heard_names() & set(self.variants)):
            try:
                knobs = self.knobs(name)
            except ValueError:  # its settings' own check names what is wrong with them
                continue
            for knob in ("keep_key", "callback_key"):
                if knob in knobs and (knob == "keep_key"
                                      or self.base_policy(name) == "callback"):
                    users.setdefault(knobs[knob], []).append(f"variants.{name}.settings.{knob}")
        offered = {"callback_key": self.overflow.callback_key if self.overflow.callback else None,
                   "voicemail_key": self.overflow.voicemail_key if self.overflow.voicemail
                   else None}
        for name, key in offered.items():
            clashes = [knob for knob in users.get(key, ())
                       if not (name == "callback_key" and knob.endswith("callback_key"))]
            if clashes:
                return f"overflow.{name} {key!r} is already {clashes[0]}; pick another key"
        return None

    def callback_keys(self) -> dict[str, str]:
        """The knob that sets each heard callback policy's or variant's callback key, and the
        key (a variant whose settings do not load is left to its own check)."""
        keys: dict[str, str] = {}
        for name in sorted(self.heard_names()):
            if self.base_policy(name) != "callback":
                continue
            try:
                key = self.knobs(name)["callback_key"]
            except ValueError:
                continue
            own = "callback_key" not in getattr(self.variants.get(name), "settings", {})
            keys["callback.callback_key" if own
                 else f"variants.{name}.settings.callback_key"] = key
        return keys

    def overflow_rules(self) -> Overflow | None:
        """The queue's overflow rules for the policies, or None when it has none."""
        table = self.overflow
        if table is None:
            return None
        words = {k: v for k, v in table.words.model_dump().items() if v is not None}
        return Overflow(
            max_wait_s=table.max_wait_s, when_full=table.when_full, queue_size=self.max_size,
            callback_key=table.callback_key if table.callback else None,
            voicemail_key=table.voicemail_key if table.voicemail else None,
            after_offer=table.after_offer, repeat_s=table.repeat_s,
            message_max_s=table.message_max_s, transcribe=table.transcribe,
            words=overflow_words_in(language_of(self.language), **words))

    def unknown_arms(self) -> list[str]:
        """The experiment's arms that are neither a policy nor one of the queue's variants."""
        return [arm for arm in (self.experiment.arms if self.experiment else ())
                if arm not in POLICY_NAMES and arm not in self.variants]

    @cross_check("experiment.arms", "variants.*.[key]", outer_waits=False)
    def arms_are_known(self, context: Mapping[str, Any]) -> str | None:
        """Every arm is a policy or one of this queue's variants."""
        if not (unknown := self.unknown_arms()):
            return None
        return (f"{', '.join(f'experiment.arms.{arm}' for arm in unknown)}: neither a policy "
                f"({', '.join(POLICY_NAMES)}) nor a variant of this queue "
                f"({', '.join(sorted(self.variants)) or 'none'}); define "
                + (f"it as [queues.NAME.variants.{unknown[0]}]" if len(unknown) == 1
                   else "each as [queues.NAME.variants.ARM]"))

    @cross_check("variants.*.[key]", "variants.*.policy", "variants.*.settings", *POLICY_NAMES,
                 outer_waits=False)
    def variants_fit_the_queue(self, context: Mapping[str, Any]) -> str | None:
        """A variant's knobs still agree with the queue's own table (e.g. its callback key
        differs from the keep key)."""
        for name in self.variants:
            try:
                self.knobs(name)
            except ValidationError as error:
                return (f"variants.{name}.settings: with the queue's own "
                        f"{self.variants[name].policy} settings: "
                        f"{error.errors()[0]['msg'].removeprefix('Value error, ')}")
        return None

    @cross_check("voice", "prompts", "variants", *HEARD, "hours.words", "hours.[table]",
                 "overflow.words", "overflow.[table]", outer_waits=False)
    def words_fit_twilio(self, context: Mapping[str, Any]) -> str | None:
        """Checked as said (AS_WRITTEN): each text fits one <Say> in the queue's voice, and
        all of them one TwiML answer, or Twilio would skip the words or fail the call."""
        if not context.get(AS_WRITTEN) or self.unknown_arms():
            return None  # an arm neither a policy nor a variant says nothing to weigh
        problems = say_problems(self) or [p for p in (answer_problem(self),) if p]
        return "; ".join(problems) or None

    @cross_check("hours.callbacks_per_opening", *HEARD, outer_waits=False)
    def capped_callbacks_are_offered(self, context: Mapping[str, Any]) -> str | None:
        """A cap on callbacks booked while closed means nothing if the queue offers none."""
        cap = self.hours.callbacks_per_opening if self.hours else None
        if cap and "callback" not in self.policy_names():
            offered = sorted(self.policy_names() & set(POLICY_NAMES))  # not an unknown arm
            return (f"hours.callbacks_per_opening is {cap}, but this queue's policies "
                    f"({', '.join(offered)}) offer no callbacks; use policy \"callback\" or "
                    f"remove the cap")
        return None

    def warnings(self, queue: str) -> list[str]:
        """What of this queue loads but likely does not do what was meant (see
        ineffective_knobs and language_warning): a save of the queue says the same lines
        as `config check` of the whole file."""
        return [*self.unheard_policy(queue), *self.two_callback_keys(queue),
                *self.ineffective_knobs(queue),
                *self.language_warning(queue),
                *self.english_words_warning(queue), *self.unvoiced_warning(queue),
                *self.unknown_voice_warning(queue), *self.reversed_zone_warning(queue),
                *self.early_overflow_warning(queue), *self.menu_of_one_warning(queue)]

    def menu_of_one_warning(self, queue: str) -> list[str]:
        """A language menu whose only option is the queue itself: every caller waits through
        it for nothing. Said, not refused: a second language's queue may be on its way."""
        if set(self.language_menu.values()) != {queue}:
            return []
        return [f"queues.{queue}.language_menu offers only {queue!r} itself: every caller "
                f"hears it, and {MENU_TIMEOUT_S} s of quiet after it, before joining, for "
                f"nothing; add another language's queue, or remove the menu"]

    def reversed_zone_warning(self, queue: str) -> list[str]:
        """An `Etc/GMT±N` opening-hours zone: said, not refused (it is a valid zone, and an
        operator who means UTC−2 may write it), since its sign reads backwards; so is an
        abbreviation that is a zone fixed all year ("EST", "GMT"), likely written for a
        place whose clocks change in summer."""
        zone = self.hours.timezone if self.hours is not None else None
        why = (reversed_sign(zone) or fixed_all_year(zone)) if zone else None
        return [f"queues.{queue}.hours.timezone = {why}"] if why else []

    def early_overflow_warning(self, queue: str) -> list[str]:
        """An overflow under a minute: every caller hears "We are sorry you have waited so
        long" (or the queue's own offer) as soon as, or soon after, they join: a likely
        minutes-for-seconds slip. Said, not refused: with words of its own, an offer on
        joining (a message or a callback instead of a wait) can be meant."""
        table = self.overflow
        if table is None or table.max_wait_s is None or table.max_wait_s >= EARLY_OVERFLOW_S:
            return []
        when = "at once" if table.max_wait_s == 0 else f"after {table.max_wait_s} s"
        own = {"checkin": self.checkin, "callback": self.callback}.get(self.policy)
        first_s = None if own is None else (own.interval_s if own.first_checkin_s is None
                                            else own.first_checkin_s)
        before = (f"before the first check-in (at {first_s} s)"
                  if first_s is not None and first_s > table.max_wait_s
                  else "before they have waited a minute")
        sorry = table.words.sorry or overflow_words_in(language_of(self.language)).sorry
        return [f"queues.{queue}.overflow.max_wait_s = {table.max_wait_s}: every caller is "
                f"offered the overflow {when}, {before}, hearing {sorry!r}; max_wait_s is in "
                f"seconds (30 minutes is 1800): set {EARLY_OVERFLOW_S} or more unless an "
                "offer on joining is meant"]

    def two_callback_keys(self, queue: str) -> list[str]:
        """The overflow's callback on another key than a heard callback policy's: the same
        choice, which callers past `max_wait_s` had heard offered on two keys (caller audit
        34, D5); the check-in now offers it once (Overflow.with_choices), on the policy's key.
        A warning, not a refusal: a save checks the whole config, and a stored version with
        such a pair on one queue had blocked every change to the others."""
        table = self.overflow
        if table is None or not table.callback or table.max_wait_s is None:
            return []
        offered = table.callback_key
        return [f"queues.{queue}.overflow.callback_key {offered!r} and {knob} {key!r} offer "
                f"the same callback: callers past max_wait_s hear it once, on {key!r}; set "
                f"overflow.callback_key = {key!r}"
                for knob, key in self.callback_keys().items() if key != offered][:1]

    def unheard_policy(self, queue: str) -> list[str]:
        """The queue's own policy while a split without it runs: every caller is put in an
        arm, so nobody hears it until the split stops. Setting it had said only "Saved",
        while the wallboard showed it as the queue's (console audit 34, D6)."""
        if self.experiment is None or self.policy in self.experiment.arms:
            return []
        arms = ", ".join(sorted(self.experiment.arms))
        return [f"queues.{queue}.policy = {self.policy!r}: no caller hears it while the "
                f"split runs ({arms}; every caller is put in one of its arms); it is what "
                f"callers hear once the split stops, or add it to the split to hear it now"]

    def ineffective_knobs(self, queue: str) -> list[str]:
        """Warnings for [checkin] knobs nothing reads: the callback policy has check-in knobs
        of its own in [callback] (CallbackConfig, with their own defaults), so on a queue
        that never plays `checkin` a knob set only there changes nothing callers hear.
        A warning, not a refusal: switching a queue from checkin to callback keeps its old
        table, and files and versions that passed before still import and run. Only a knob
        set away from its default is named: `config export --effective` writes every knob,
        and checking that export had warned of each default nobody set (a value written at
        its default says nothing an operator meant callers to hear)."""
        used = {self.base_policy(name) for name in self.heard_names() | set(self.variants)}
        if "checkin" in used or "callback" not in used:
            return []
        def said(value: object) -> str:
            return "(not set)" if value is None else written_as(value)

        fields = type(self.checkin).model_fields
        return [f"queues.{queue}.checkin.{knob} = {said(getattr(self.checkin, knob))} "
                f"has no effect: the queue's callback policy checks in as "
                f"[queues.{queue}.callback] says ({knob} = "
                f"{said(getattr(self.callback, knob))} there); set callback.{knob}"
                for knob in sorted(self.checkin.model_fields_set)
                if getattr(self.checkin, knob) != getattr(self.callback, knob)
                and getattr(self.checkin, knob) != fields[knob].get_default(
                    call_default_factory=True)]

    def language_warning(self, queue: str) -> list[str]:
        """A language holdwell has no words of its own for: its callers hear the wait
        ("5 minutes"), the opening time and the safety net's texts in English."""
        if is_built_in(self.language):
            return []
        return [f"queues.{queue}.language = {self.language!r}: holdwell's own words (the "
                f"{{wait}}, {{minutes}} and {{opens}} it fills in, and what it says when "
                f"something fails) are built in for {', '.join(sorted(BUILT_IN))} only, so "
                f"this queue's callers hear them in English"]

    def english_words_warning(self, queue: str) -> list[str]:
        """A queue in another language whose callers still hear holdwell's default words,
        which are English (read by that language's voice): "Thank you for calling…" in a
        Spanish queue that set only its language, with no word said. Said while what every
        caller in line hears is left so, with a count of the rest it may say."""
        if not self.language or self.language.split("-")[0].lower() == "en":
            return []
        left = left_in_english(self)
        if not left.heard:
            return []
        shown = ", ".join(key.removeprefix("prompts.") for key in left.heard)
        more = ("; what it says less often (callback confirmations, agents' briefings, "
                "closed and overflow words) is English too where not written") \
            if left.others else ""
        return [f"queues.{queue}.language = {self.language!r}, but what every caller in line "
                f"hears is left to holdwell's defaults, which are English ({shown}): write "
                f"it in {self.language} under [queues.{queue}.prompts]{more}"]

    def unknown_voice_warning(self, queue: str) -> list[str]:
        """A Polly voice holdwell does not know (voices.unknown_polly_voice)."""
        unknown = unknown_polly_voice(self.voice)
        return [f"queues.{queue}.voice = {self.voice[:60]!r}: {unknown}"] if unknown else []

    def unvoiced_warning(self, queue: str) -> list[str]:
        """A language no Polly voice here speaks, and no voice named: its <Say> goes without
        a voice, so Twilio reads it in its default voice ("man"), and a voice that cannot
        speak the language makes the <Say> fail."""
        if self.voice or not self.language or default_voice(self.language):
            return []
        return [f"queues.{queue}.language = {self.language!r} and no voice: holdwell knows "
                f"no Amazon Polly voice for it, so Twilio reads every prompt in its default "
                f"voice (\"man\"), and a <Say> whose voice cannot speak its language fails; "
                f"set voice to one that speaks {self.language} (a Google.{self.language}-… "
                f"voice, say)"]

    @property
    def clock_zone(self) -> str:
        """The queue's clock: its opening hours' time zone; UTC for one open around the
        clock (the wallboard's "today", a replayed log's days)."""
        return self.hours.timezone if self.hours is not None else "UTC"

    def closes_in_s(self, t: datetime) -> float | None:
        """Seconds from `t` until this queue closes (0: closed now; None: no hours, or it
        stays open for the hours' search horizon): `HoldwellConfig.closes_in_s`."""
        return None if self.hours is None else self.hours.opening_hours().open_for_s(t)

    def closed_line(self) -> ClosedLine | None:
        """The queue's hours and closed-line offer; None when it is always open."""
        return self._closed_line

    @cached_property
    def _closed_line(self) -> ClosedLine | None:
        """Built once per config: every /voice/incoming asks."""
        if self.hours is None:
            return None
        words = {k: v for k, v in self.hours.words.model_dump().items() if v is not None}
        return ClosedLine(self.hours.opening_hours(), "callback" in self.policy_names(),
                          self.hours.callbacks_per_opening, self.hours.callback_key,
                          closed_words_in(language_of(self.language), **words),
                          language_of(self.language))

    def heard_names(self) -> set[str]:
        """Every policy or variant a caller of this queue may hear: its own and the arms."""
        return {self.policy, *(self.experiment.arms if self.experiment else ())}

    def audio_uses(self) -> list[AudioUse]:
        """Every clip a caller of this queue may hear (a library name or a URL), by policy or
        variant in name order: what the app must find in its library and the emulator makes
        stand-ins for."""
        uses = []
        for name in sorted(self.heard_names()):
            knobs = self.knobs(name)
            uses += [AudioUse(name, knob, knobs[knob], knobs)
                     for knob in AUDIO_KNOBS.get(self.base_policy(name), ()) if knobs[knob]]
        return uses

    def policy_names(self) -> set[str]:
        """Every policy a caller of this queue may hear (a variant counts as its policy)."""
        return {self.base_policy(name) for name in self.heard_names()}

    def offers_callbacks(self) -> bool:
        """Whether any caller of this queue may be offered a callback: a callback policy in
        any arm, or the overflow's offer."""
        return "callback" in self.policy_names() or self.overflow is not None

    def keeps_places_twilio_cannot_count(self) -> bool:
        """Whether callers may be ahead of a waiting caller outside Twilio's count of the
        queue: callbacks keeping their place (`offers_callbacks`) or callers rejoined after a
        dropped line (`resume`). Only the call log counts those; without it, Twilio's
        position alone would tell a caller too small a place."""
        return self.offers_callbacks() or self.resume.rule().enabled

    def base_policy(self, name: str) -> str:
        """The policy behind `name`: a variant's policy, or the name itself."""
        variant = self.variants.get(name)
        return variant.policy if variant else name

    def knobs(self, name: str) -> dict[str, Any]:
        """The settings of policy or variant `name`: its policy's table with the variant's
        settings over it, validated together (raises pydantic's ValidationError)."""
        table = getattr(self, self.base_policy(name))
        variant = self.variants.get(name)
        if variant is None:
            return table.model_dump()
        return type(table).model_validate(  # as loaded: `known_settings` names a mistake
            {**table.model_dump(), **variant.settings}, context={STORED_LAX: True}).model_dump()

    def prompt_overrides(self, name: str) -> dict[str, str]:
        """The queue's own words with a variant's over them (only the prompts set)."""
        words = {k: v for k, v in self.prompts.model_dump().items() if v is not None}
        variant = self.variants.get(name)
        if variant is not None:
            words |= {k: v for k, v in variant.prompts.model_dump().items() if v is not None}
        if "callback_number_check" in words and "callback_keyed_check" not in words:
            # a line that words its own check says it for a keyed number too, as before the
            # keyed one existed (a Spanish queue's callers heard the English default)
            words["callback_keyed_check"] = words["callback_number_check"]
        return words


class EstimateConfig(Strict):
    window_s: Annotated[int, Field(ge=60, le=86400)] = 900
    min_departures: Annotated[int, Field(ge=1, le=1000)] = 5
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.9


class LineConfig(Strict):
    support_number: str | None = None  # callbacks' caller ID; `holdwell twilio setup`'s number
    default_queue: str | None = None

    @field_validator("support_number")
    @classmethod
    def e164(cls, number: str | None) -> str | None:
        if number is not None and not E164.fullmatch(number):
            raise ValueError("not a phone number in E.164 form: +, country code and number, "
                             "digits only (e.g. \"+14155550100\")")
        return number


class HoldwellConfig(Strict):
    line: LineConfig = LineConfig()
    estimate: EstimateConfig = EstimateConfig()
    callbacks: CallbacksConfig = CallbacksConfig()
    queues: dict[QueueName, QueueConfig] = Field(default_factory=lambda: {"support": QueueConfig()})

    @cross_check("queues.*.[key]")
    def some_queue(self, context: Mapping[str, Any]) -> str | None:
        return None if self.queues else "at least one [queues.NAME] table is needed"

    @cross_check("line.default_queue", "queues.*.[key]")
    def default_queue_exists(self, context: Mapping[str, Any]) -> str | None:
        default = self.line.default_queue
        if self.queues and default is not None and default not in self.queues:
            return f"line.default_queue {default!r} is not one of {sorted(self.queues)}"
        return None

    @cross_check("queues.*.language_menu", "queues.*.[key]", "queues.*.language")
    def language_menus_say_their_options(self, context: Mapping[str, Any]) -> str | None:
        """Each option of a language menu sends the caller to a configured queue, said in
        words holdwell has for that queue's language, no two alike: every menu at fault,
        named at once (the first alone had been, and the next refused the mended file)."""
        languages = self.queue_languages()
        return "; ".join(problem for name, queue in self.queues.items()
                         if (problem := menu_problem(name, queue.language_menu, languages))
                         ) or None

    @cross_check("callbacks.claim_timeout_s", "callbacks.ring_timeout_s",
                 "callbacks.answering_machine_detection", "queues.*.callback.dialling",
                 "queues.*.overflow.voicemail", "queues.*.overflow.message_max_s",
                 "queues.*.overflow.transcribe", "queues.*.overflow.[table]")
    def claims_outlive_briefs(self, context: Mapping[str, Any]) -> str | None:
        """An agent hears a caller's message before dialling them, on the claim's clock: a
        claim released meanwhile lets a second agent dial the customer too. (A queue left
        out for a bad name could only hide a longer brief, never make one up.)"""
        brief_s, key = longest_brief(self.queues)
        if self.callbacks.claim_timeout_s < self.callbacks.least_claim_s(brief_s):
            return self.callbacks.claim_too_short(brief_s, key)
        return None

    @cross_check("line.support_number", *(f"queues.*.{read}" for read in HEARD),
                 "queues.*.overflow.[table]")
    def callbacks_have_a_caller_id(self, context: Mapping[str, Any]) -> str | None:
        """A callback rings the customer from the support number; without one the customer
        would see whatever number the agent called from, or the call would fail."""
        offering = [name for name, queue in self.queues.items() if queue.offers_callbacks()]
        if offering and self.line.support_number is None:
            return (f"line.support_number: missing, but queue(s) {', '.join(offering)} offer "
                    f"callbacks, which ring the customer from it; give the line's number in "
                    f"E.164 form (e.g. \"+14155550100\"), one the Twilio account owns or has "
                    f"verified, as [line] support_number in the config file (then "
                    f"`holdwell config import`; the console and the API do not set it)")
        return None

    def queue_languages(self) -> dict[str, str | None]:
        """Each queue's language: what its customers are texted in (CallbacksConfig.text)."""
        return {name: queue.language for name, queue in self.queues.items()}

    def customer_first_queues(self) -> list[str]:
        """Queues whose callbacks ring the customer first (the callback worker does it)."""
        return list(self.customer_first_at_once())

    def customer_first_at_once(self) -> dict[str, int]:
        """Customer-first queues, each with how many of its customers may be rung or held at
        once (the worker's limit)."""
        return {name: queue.callback.customer_first_at_once
                for name, queue in self.queues.items()
                if queue.callback.dialling == "customer_first"}

    def is_open(self, queue: str, t: datetime) -> bool:
        """Whether `queue` takes calls (and dials callbacks) at `t`; unknown queues are open."""
        found = self.queues.get(queue)
        return found is None or found.hours is None or found.hours.opening_hours().is_open(t)

    def closes_in_s(self, queue: str, t: datetime) -> float | None:
        """Seconds from `t` until `queue` closes (0: closed now; None: no hours, or it stays
        open for the hours' search horizon): the live app's `Situation.closes_in_s`."""
        found = self.queues.get(queue)
        return None if found is None else found.closes_in_s(t)

    def warnings(self) -> list[str]:
        """What loads but likely does not do what was meant (see ineffective_knobs, and
        language_warning)."""
        return [warning for name, queue in self.queues.items()
                for warning in queue.warnings(name)]

    @property
    def default_queue(self) -> str:
        return self.line.default_queue or next(iter(self.queues))


def sets_nothing(config: HoldwellConfig, source: str) -> str | None:
    """Why a file that sets nothing (empty, or comments only) is suspect: valid, every
    setting at its default, but likelier a truncated copy or a `>` mistake. `config check`
    and `config import` refuse it (unless --all-defaults) and start-up seeding warns, with
    this one sentence; None for a file that sets anything."""
    if config.model_fields_set:
        return None
    return (f"{source} sets nothing (empty, or comments only): every policy, prompt and "
            "opening hour would be the built-in defaults, with no hours and the default queue "
            "only; a truncated copy?")


def written(model: BaseModel, *, defaults: bool = False) -> dict[str, Any]:
    """A config or a section of one as a version stores it: JSON types, defaults left out
    (`defaults`: written too, as `config export --effective` shows them), and so is a
    queue's voice its language chose, no more the operator's than a default (a stored one
    had refused a later change of language, for a voice nobody set). A voice the operator
    set is kept even when it is the field's default (Polly.Joanna set beside en-GB had come
    back as that language's Polly.Amy). Nor are the texts left to their defaults written with
    the `defaults`: each queue's customers read their language's (CallbacksConfig.text), and
    an English one exported, then imported, would have been the operator's for them all."""
    body = model.model_dump(mode="json", exclude_defaults=not defaults)
    callbacks = model.callbacks if isinstance(model, HoldwellConfig) else model \
        if isinstance(model, CallbacksConfig) else None
    if callbacks is not None:
        table = body.get("callbacks", {}) if isinstance(model, HoldwellConfig) else body
        for name in TEXTS:
            if name not in callbacks.model_fields_set:
                table.pop(name, None)
    chosen = {None: model} if isinstance(model, QueueConfig) else \
        model.queues if isinstance(model, HoldwellConfig) else {}
    for name, queue in chosen.items():
        if "voice" in queue.model_fields_set:
            table = body if name is None else \
                body.setdefault("queues", {}).setdefault(name, {})
            table["voice"] = queue.model_dump(mode="json", include={"voice"})["voice"]
        else:
            (body if name is None else body.get("queues", {}).get(name, {})).pop("voice", None)
    return body


def same_written(new: BaseModel, old: BaseModel) -> bool:
    """Whether two configs (or sections) are stored alike: the same settings set, the queues
    in the same order (the first takes calls with no `?queue=`), and a voice set by the
    operator told from one its language chose (a later language change keeps the one and
    follows with the other). Any other table's keys may come in any order: arms, variants
    and a variant's settings are read by name, and a split stored in the console's form
    order, read back sorted by the API's GET and PUT unchanged, had added a version."""
    return json.dumps(written(new), sort_keys=True) == \
        json.dumps(written(old), sort_keys=True) and _queue_order(new) == _queue_order(old)


def _queue_order(model: BaseModel) -> list[str]:
    return list(model.queues) if isinstance(model, HoldwellConfig) else []


SHOWN_CHARS = 60
"""The most of a value (or of a key's part) an error line repeats: a 200,000-character voice
had been echoed whole."""


def written_as(value: object) -> str:
    """`value` as a config file writes it: true/false, not Python's True/False, and a date
    or a time as TOML spells it (2026-12-25, not datetime.date(2026, 12, 25)); words keep
    their quotes, lists and tables their shape. An error had said "(got True)" of `true`,
    and a warning "set callback.ask_reason" beside "ask_reason = False", which, copied into
    the file, is no TOML."""
    return _written_as(value, SHOWN_DEPTH)


SHOWN_DEPTH = 8
"""How deep in lists and tables `written_as` goes: a line shows SHOWN_CHARS at most, and a
dotted key can nest a value hundreds deep."""


def _written_as(value: object, depth: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, list | tuple | Mapping) and depth <= 0:
        return "…"
    if isinstance(value, list | tuple):
        return f"[{', '.join(_written_as(item, depth - 1) for item in value)}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key!r}: {_written_as(item, depth - 1)}"
                               for key, item in value.items()) + "}"
    return repr(value)


def shown(value: object) -> str:
    """`value` as an error line shows it (written_as), cut short (with its length) when
    long."""
    text = written_as(value)
    if len(text) <= SHOWN_CHARS + 20:
        return text
    length = len(value) if isinstance(value, str) else len(text)
    return f"{text[:SHOWN_CHARS]}… ({length:,} characters)"


def dotted(loc: Iterable[object]) -> str:
    """An error's key, each long part cut short as `shown` cuts a value."""
    return ".".join(str(part) if len(str(part)) <= SHOWN_CHARS + 20 else shown(str(part))
                    for part in loc)


TABLE_EXPECTED = frozenset({"model_type", "dict_type"})
"""pydantic's error types for a value where a table belongs (`hours = "08:00-18:00"`): its
own words, "Input should be a valid dictionary or instance of HoursConfig", named a Python
class no operator has seen, and no TOML table."""


def toml_kind(value: object) -> str:
    """What a TOML value is, in TOML's words ("a number", "a table")."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a true/false switch)"
    if isinstance(value, int | float):
        return f"{value!r} (a number)"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date):
        return f"{value.isoformat()} (a date or time)"
    return "not text"


def toml_shape(value: object) -> str:
    """What a value given where a table belongs is, in TOML's words."""
    if not isinstance(value, list):
        return "a single value"
    if value and all(isinstance(each, Mapping) for each in value):
        return "an array of tables ([[…]])"
    return "a list"


REQUIRED_EXAMPLES = {"timezone": ", e.g. timezone = \"Europe/London\"",
                     "policy": ", e.g. policy = \"checkin\"",
                     "arms": ", e.g. arms = { checkin = 50, music_ads = 50 }"}
"""How each key a table cannot do without is written (HoursConfig, VariantConfig,
ExperimentConfig)."""


def toml_type_hint(kind: str, given: object, name: str) -> str:
    """How the file writes a value of the kind pydantic expected, when what it got is written
    as another kind ("60" in quotes for a number, 4.0 for a whole number, 1 for a key):
    "Input should be a valid integer (got '60')" had not said that the quotes were the
    mistake. "" when no hint fits."""
    key = name if name and not name.isdigit() else "key"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(given, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,18}\s*", given):
            # 18 digits at most: `int` refuses a text of over 4,300, whose ValueError had
            # ended `config check` as "unexpected error"; a longer one is no count anyway
            return f": a number is written without quotes, {key} = {int(given)}"
        if isinstance(given, float) and given.is_integer():
            return f": a whole number is written without a decimal point, {key} = {int(given)}"
        return ": a whole number, written without quotes (e.g. 60)"
    if kind in ("float_type", "float_parsing") and isinstance(given, str):
        try:
            number = float(given)
        except ValueError:
            return ": a number, written without quotes (e.g. 0.9)"
        if math.isfinite(number):
            return f": a number is written without quotes, {key} = {given.strip()}"
    if kind == "string_type" and isinstance(given, int | float) and not isinstance(given, bool):
        return (f": a phone key is written in quotes, {key} = \"{given}\""
                if key.endswith("_key") else ": text is written in quotes")
    if kind in ("date_type", "date_parsing", "date_from_datetime_inexact"):
        return ": a date is written YYYY-MM-DD, e.g. 2026-12-25"
    return ""


def error_lines(errors: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per pydantic error: the dotted key, what is wrong, the value given."""
    lines = []
    for item in errors:
        key = dotted(item["loc"])
        if item["type"] == "extra_forbidden":
            meant = meant_key(item["loc"])
            lines.append(f"  {key}: unknown key ("
                         + (f"did you mean {meant!r}? see" if meant else "check the spelling;"
                            " see") + " README 'Configuration')")
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":  # pydantic's "Field required" named no table or fix
            table = ".".join(str(part) for part in item["loc"][:-1])
            example = REQUIRED_EXAMPLES.get(str(item["loc"][-1]), "")
            message = f"missing: [{table}] needs this key{example}"
        if item["type"] in TABLE_EXPECTED:
            message = (f"must be a table ([{key}], or {{ … }} inline), not "
                       f"{toml_shape(item.get('input'))}")
        message += toml_type_hint(item["type"], item.get("input"), str(item["loc"][-1])
                                  if item["loc"] else "")
        if not key:  # a check across keys: its message names them; the input is the whole file
            lines.append(f"  {message}")
            continue
        given = item.get("input")  # a whole table is noise: the message names the key
        lines.append(f"  {key}: {message}"
                     + ("" if isinstance(given, dict) else f" (got {shown(given)})"))
    return lines


def _table_model(annotation: Any) -> type[BaseModel] | None:  # noqa: ANN401 - any type
    """The table (model) a field's type holds, through Annotated, None and containers."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for inner in get_args(annotation):
        if (found := _table_model(inner)) is not None:
            return found
    return None


def keys_at(loc: Iterable[str | int]) -> list[str]:
    """The keys the table at `loc` (an error's path, without its last part) takes; [] when
    it is no table's (a variant's free-form settings, a list)."""
    model: type[BaseModel] | None = HoldwellConfig
    named = False  # the part read is a name in a dict of tables (a queue's, a variant's)
    for part in loc:
        if model is None:
            return []
        if named:
            named = False
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        named = get_origin(_unwrapped(field.annotation)) is dict
        model = _table_model(field.annotation)
    return list(model.model_fields) if model is not None and not named else []


def _unwrapped(annotation: Any) -> Any:  # noqa: ANN401 - any type
    """A field's type without Annotated and None around it."""
    while get_origin(annotation) is Annotated or (
            get_origin(annotation) in (Union, UnionType) and type(None) in get_args(annotation)):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = args[0]
    return annotation


def meant_key(loc: tuple[str | int, ...]) -> str | None:
    """The key an unknown one most likely meant (None: none is near): the same in other
    case (`Policy`), one it begins (`mon` for monday), else the closest spelling (`polcy`).
    "check the spelling" alone had left the operator to find which letter was wrong."""
    typed, known = str(loc[-1]), keys_at(loc[:-1])
    if not known:
        return None
    same = [key for key in known if key.casefold() == typed.casefold()]
    begun = [key for key in known if len(typed) >= 3 and key.startswith(typed.lower())]
    near = difflib.get_close_matches(typed.lower(), known, n=1, cutoff=0.75)
    found = same or (begun if len(begun) == 1 else []) or near
    return found[0] if found else None


def describe_errors(error: ValidationError, source: str) -> str:
    """One line per problem: the dotted key, what is wrong, the value given."""
    return "\n".join([f"{source}: {error.error_count()} problem(s)", *error_lines(error.errors())])


def _built(data: dict[str, Any], context: Mapping[str, Any], *,
           strict: bool = True) -> HoldwellConfig:
    """The config with its checks across keys left to the caller (CROSS_CHECKS_DEFERRED).
    Strict: TOML and stored versions carry real types, so `max_size = true` or
    `interval_s = "60"` is a mistake to name, not a value to coerce (true became 1); not
    strict: a form's texts, taken as the console and the API take them."""
    return HoldwellConfig.model_validate(data, strict=strict,
                                         context={**context, CROSS_CHECKS_DEFERRED: True})


def _failed_key(data: Any, loc: Iterable[str | int]) -> KeyPath:
    """The deepest key of `data` on an error's path (the table or value at fault)."""
    path: KeyPath = ()
    for part in loc:
        if not (isinstance(data, dict) and isinstance(part, str) and part in data):
            break
        data, path = data[part], (*path, part)
    return path


def _without(data: dict[str, Any], paths: Iterable[KeyPath]) -> dict[str, Any]:
    """`data` with the keys at `paths` removed: only the tables along them are copied, each
    once (a deep copy of the whole file recursed once per level, and a dotted key can nest
    hundreds; a copy per removed key was quadratic in their number)."""
    top = dict(data)
    copied: set[KeyPath] = {()}
    for path in paths:
        table = top
        for depth, part in enumerate(path[:-1], 1):
            if path[:depth] not in copied:
                table[part] = dict(table[part])
                copied.add(path[:depth])
            table = table[part]
        del table[path[-1]]
    return top


def _outermost(paths: set[KeyPath]) -> set[KeyPath]:
    """The paths not within another of them (each checked against its own prefixes: linear
    in the paths' total length, where comparing every pair was quadratic in their number)."""
    return {path for path in paths if not any(path[:n] in paths for n in range(len(path)))}


def _what_parsed(data: dict[str, Any], errors: list[Any], context: Mapping[str, Any], *,
                 strict: bool = True) -> tuple[HoldwellConfig | None, list[KeyPath]]:
    """The config built from what parsed, each key at fault removed (its default taken;
    a table left without a key it needs, the table), and the keys removed; None when the
    rest cannot be built (a whole file at fault)."""
    failed: list[KeyPath] = []
    for _ in range(MOST_PRUNING_ROUNDS):
        paths = {_failed_key(data, error["loc"]) for error in errors}
        if () in paths:
            return None, failed
        paths = _outermost(paths)  # a key within one removed goes with it
        data = _without(data, paths)
        failed += sorted(paths)
        try:
            return _built(data, context, strict=strict), failed
        except ValidationError as error:  # a table now lacks a key it needs: remove it too
            errors = error.errors()
    return None, failed


MOST_PRUNING_ROUNDS = 10
"""Removing a bad key may leave its table without a key it needs (a variant's policy, the
hours' timezone): then the table goes too, a level up each round."""


def _touches(read: KeyPath, failed: KeyPath) -> bool:
    """Whether a key a check reads (a pattern, "*" any name) is, holds or is within `failed`."""
    return all(a == b or "*" in (a, b) for a, b in zip(read, failed, strict=False))


def cross_problems_at(config: HoldwellConfig, failed: list[KeyPath],
                      context: Mapping[str, Any]) -> list[tuple[KeyPath, str]]:
    """Every check across keys (`cross_check`) of every table, inner tables first, as the
    table's key and the problem; a check reading a key in `failed` is skipped (its answer
    would be about a default, not the file), and a check that fails counts its keys as
    failed for the tables around it (their checks would repeat it, or judge values already
    refused)."""
    found: list[tuple[KeyPath, str]] = []
    failed = list(failed)

    def visit(table: Strict, at: KeyPath) -> None:
        for settled, sources in table.settled_from.items():  # left out, and filled in
            if settled not in table.model_fields_set and any(  # from a refused key
                    _touches((*at, source), bad) for source in sources for bad in failed):
                failed.append((*at, settled))
        for name in type(table).model_fields:
            value = getattr(table, name)
            inner = value.items() if isinstance(value, dict) else [(None, value)]
            for key, item in inner:
                if isinstance(item, Strict):
                    visit(item, (*at, name) if key is None else (*at, name, key))
        found_here = []
        for check in table.cross_checks():
            reads = [(*at, *read) for read in check.cross_check_reads]  # type: ignore[attr-defined]
            if any(_touches(read, bad) for read in reads for bad in failed):
                continue
            try:
                problem = check(table, context)
            except ValueError as error:  # as pydantic takes a check that raises
                problem = str(error)
            if problem:
                found.append((at, problem))
                if check.cross_check_outer_waits:  # type: ignore[attr-defined]
                    found_here += reads
        failed.extend(found_here)

    visit(config, ())
    return found


def parse_config(data: dict[str, Any], source: str = "config", *,
                 as_written: bool = False) -> HoldwellConfig:
    """`as_written`: also check every text as it will be said (AS_WRITTEN).

    Every problem one run can honestly find: each key's own, then the rules across keys
    (`cross_check`) on what parsed, skipping only those that read a key at fault."""
    config, errors, across = _problems(data, as_written=as_written, strict=True)
    lines = error_lines(errors) + [f"  {'.'.join(at)}: {problem}" if at else f"  {problem}"
                                   for at, problem in across]
    if lines:
        raise ConfigError("\n".join([f"{source}: {len(lines)} problem(s)", *lines]))
    assert config is not None
    return config


def _problems(data: dict[str, Any], *, as_written: bool, strict: bool
              ) -> tuple[HoldwellConfig | None, list[Any], list[tuple[KeyPath, str]]]:
    """The config as built from what parsed (None: nothing could be), each key's own
    pydantic errors, and the checks across keys that fail on it, skipping those that read a
    key at fault (cross_problems_at): what `parse_config` and `every_problem` both tell."""
    context = {AS_WRITTEN: as_written}
    errors: list[Any] = []
    failed: list[KeyPath] = []
    try:
        config: HoldwellConfig | None = _built(data, context, strict=strict)
    except ValidationError as error:
        errors = error.errors()
        config, failed = _what_parsed(data, errors, context, strict=strict)
    return config, errors, cross_problems_at(config, failed, context) if config else []


def every_problem(data: dict[str, Any], *, as_written: bool = False,
                  strict: bool = True) -> ValidationError | None:
    """parse_config's problems as one pydantic ValidationError (None: there are none), for
    callers that name each by its key: the console's form and the API. Each key's own, as
    pydantic names it; then the checks across keys (`cross_check`) on what parsed, skipping
    those that read a key at fault, each table's in one error at the table's key (joined as
    pydantic joins them).

    pydantic runs a table's checks across keys only once all of its keys are valid, so one
    bad key hid every rule of the tables around it; checked again with the bad key left out
    (its old value, or its default), a rule that reads it judged a value nobody sent and
    named a problem that was not there ("no day has opening hours" beside the refused
    monday). Here, as in `config check`, a rule is told when it does not read a refused key,
    and only then: every problem that does not hang on a refused value, at once."""
    _, errors, across = _problems(data, as_written=as_written, strict=strict)
    tables: dict[KeyPath, list[str]] = {}
    for at, problem in across:
        tables.setdefault(at, []).append(problem)
    if not errors and not tables:
        return None
    details = [InitErrorDetails(type=PydanticCustomError(item["type"], item["msg"],
                                                         _plain(item.get("ctx"))),
                                loc=item["loc"], input=item.get("input"))
               for item in errors]
    details += [InitErrorDetails(type=PydanticCustomError(
        "value_error", "Value error, " + "; ".join(problems)), loc=at,
        input=_table_at(data, at)) for at, problems in tables.items()]
    return ValidationError.from_exception_data("HoldwellConfig", details)


def _plain(ctx: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An error's context as it can be carried again: its numbers and words (a limit's
    `min_length`), not the exception a validator raised (its message is the error's)."""
    kept = {key: value for key, value in (ctx or {}).items()
            if isinstance(value, str | int | float)}
    return kept or None


def _table_at(data: Any, at: KeyPath) -> Any:
    """The table at `at` in `data` as given (what pydantic names as a table's input), or an
    empty one when it was left out (its defaults were checked)."""
    for part in at:
        data = data.get(part, {}) if isinstance(data, Mapping) else {}
    return data


def load_config(path: str | Path, *, as_written: bool = False) -> HoldwellConfig:
    """Read and validate a TOML file; every failure is a `ConfigError` naming the problem
    (`as_written`: also every text as it will be said, see AS_WRITTEN)."""
    return load_config_text(path, as_written=as_written)[0]


def load_config_text(path: str | Path, *,
                     as_written: bool = False) -> tuple[HoldwellConfig, str]:
    """load_config, and the text it read, read once (a pipe has no second reading): an
    exported file's first line names the version it was exported from."""
    path = Path(path)
    return read_config_text(lambda: toml_text(path), str(path), as_written=as_written)


def read_config_text(read: Callable[[], str], source: str, *,
                     as_written: bool = False) -> tuple[HoldwellConfig, str]:
    """load_config_text of the text `read` returns (a file's, or standard input's for
    `config check -`), every failure a `ConfigError` naming `source` as the file is named."""
    try:
        text = read()
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such config file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{source}: not UTF-8 text (byte {error.start} cannot be decoded); "
                          f"save the file as UTF-8") from None
    except OSError as error:  # a folder, a path through a file, no permission, a loop
        raise ConfigError(f"{source}: cannot read the config file: "
                          f"{error.strerror or error}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: nested too deeply") from None
    return parse_config(data, source, as_written=as_written), text
