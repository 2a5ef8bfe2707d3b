"""Request and response models of the API. The OpenAPI document is generated from these,
and the console's forms validate with the same ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field

from app.storage.config_versions import MAX_NOTE_LENGTH
from hold_policies.config import ArmName, QueueConfig, phone_keys
from hold_policies.numbers_only import NumbersAreNotSwitches
from hold_policies.unseen_text import shown


def no_nul(text: str) -> str:
    """PostgreSQL's text cannot hold a NUL; refused here it is a 422 naming the field."""
    if "\x00" in text:
        raise ValueError("must not contain a NUL character (\\u0000)")
    return text


NO_NUL = {"pattern": "^[^\\u0000]*$"}
"""The NUL ban, stated in the OpenAPI document (no_nul enforces it, with a clearer message
than a pattern's), so a client or a fuzzer reading the document knows it."""

Text = Annotated[str, Field(max_length=MAX_NOTE_LENGTH, json_schema_extra=NO_NUL),
                 AfterValidator(no_nul)]


class Model(NumbersAreNotSwitches):
    model_config = ConfigDict(extra="forbid")


Answered = Annotated[int, Field(description="answered in line")]
Abandoned = Annotated[int, Field(description="hung up while waiting (short hang-ups too)")]
CallbacksConnected = Annotated[int, Field(description="called back and reached an agent")]
CallbacksFailed = Annotated[int, Field(description="called back, never reached")]
"""Outcome counts as `holdwell report` counts them, one wording wherever a model gives them
(today's, an experiment arm's)."""


class WaitingCaller(Model):
    call_id: str = Field(description="Twilio's CallSid of the caller's call")
    position: int = Field(description="their place in line, 1 = next to be answered: the "
                          "callers in the queue ahead of them and the callbacks still owed "
                          "that entered before them (they keep their place), as a check-in "
                          "tells the caller")
    waited_s: float = Field(description="seconds since they entered the queue")
    last_told: str | None = Field(description="the words of the last check-in they heard")


class TodayStats(Model):
    """Since midnight on the queue's clock (`timezone`), over calls that entered the queue
    and ended (not those that hung up in the greeting, rang while closed or kept a pending
    callback); callbacks count at their real wait (entering the queue -> connected)."""

    calls: int = Field(description="calls that entered the queue today and ended")
    answered: Answered
    abandoned: Abandoned
    callbacks_connected: CallbacksConnected
    callbacks_failed: CallbacksFailed
    unserved: int = Field(description="abandoned + callback failed + error + overflow (the "
                          "callers GET /api/v1/unserved lists)")
    unserved_rate: float | None = Field(description="unserved / calls, as `holdwell report` "
                                        "counts them")
    served_in_time_rate: float | None = Field(
        description="(answered within the threshold + callbacks connected within it of "
        "entering the queue) / calls, as `holdwell report` counts its served_in_time_rate: "
        "every caller in the denominator")
    time_to_serve_s: float | None = Field(
        description="mean time from entering the queue to an agent of served calls, a "
        "callback at its real wait (entering -> connected), as `holdwell report` counts its "
        "time_to_serve_s")
    service_level: float | None = Field(
        description="calls answered in line within the threshold / calls answered in line, "
        "as `holdwell report` counts its service_level (Asterisk's SL; callbacks left out: "
        "compare policies that offer them on served_in_time_rate). Until 2026-12-07 this "
        "field held served within the threshold / served, callbacks included")
    service_threshold_s: float = Field(description="the threshold of served_in_time_rate and "
                                       "service_level, seconds from entering the queue")
    asa_s: float | None = Field(
        description="average speed of answer: the mean wait of calls answered in line, as "
        "`holdwell report` counts its asa_s (callbacks left out: compare policies that offer "
        "them on time_to_serve_s). Until 2026-12-07 this field held time_to_serve_s")
    since: datetime = Field(description="when today began for this queue: midnight on its "
                            "clock, in UTC")
    timezone: str = Field(description="the queue's clock: its opening hours' time zone, or "
                          "UTC for a queue without opening hours")


class QueueState(Model):
    queue: str = Field(description="the queue's name, as the config and the log give it")
    policy: str = Field(description="the queue's own policy (while a split runs, callers hear "
                        "the split's arms: `split`)")
    split: dict[str, float] = Field(default_factory=dict, description="the running A/B split: "
                                    "each arm's share of callers (empty: no split)")
    waiting: list[WaitingCaller] = Field(description="the first callers in line, in Twilio's "
                                         "order (a caller put back after a Twilio error is "
                                         "behind those who entered before they came back), at "
                                         "most 200 of them (waiting_count says how many in all)")
    waiting_count: int = Field(description="every caller waiting now")
    longest_wait_s: float | None = Field(description="seconds the longest-waiting caller has "
                                         "waited (null: nobody waiting)")
    callbacks_pending: int = Field(description="callbacks promised and not yet kept")
    callbacks_at_risk: int = Field(description="of those, the ones whose promised time has "
                                   "passed or falls within callbacks.at_risk_margin_s of now")
    callbacks_not_yet_due: int = Field(0, description="of those, the ones booked while the line "
                                       "was closed whose opening is still to come: owed, not "
                                       "to be dialled before it")
    today: TodayStats = Field(description="today's finished calls (see TodayStats)")


class QueuesResponse(Model):
    as_of: datetime
    config_version: int | None
    queues: list[QueueState]


class UnservedCaller(Model):
    call_id: str = Field(description="Twilio's CallSid of the caller's call")
    queue: str
    outcome: str = Field(description="abandoned, callback_failed, error or overflow: the "
                         "outcomes the unserved rate counts")
    number: str | None = Field(description="masked for analysts")
    entered_at: datetime = Field(description="when they entered the queue (UTC)")
    wait_s: float | None = Field(description="seconds from entering the queue to the end of "
                                 "their wait")
    heard: str | None = Field(description="the last check-in they heard, if any")
    announcements: int = Field(description="check-ins they heard")


class UnservedResponse(Model):
    start: datetime
    end: datetime
    callers: list[UnservedCaller] = Field(description="oldest first across every queue, in "
                                          "the order they rang; at most 5000")
    truncated: bool = Field(description="true when the period holds more: the newest were "
                            "left out (ask again with a later start or a shorter period)")


class CallbackAttempt(Model):
    time: datetime
    result: str


class CallbackMessage(Model):
    left_at: datetime
    seconds: int | None = None  # the recording's length
    url: str | None = None  # its recording; only for roles that see numbers
    transcript: str | None = None  # its words, where transcribed; same rule


class CallbackCancel(Model):
    by: str = Field(description="who cancelled it (a console user, or an API token's)")
    at: datetime
    reason: str | None = Field(description="why, as typed; null for roles that do not see "
                                           "callers' numbers")


class CallbackItem(Model):
    call_id: str
    queue: str
    number: str | None
    status: str
    entered_at: datetime | None = Field(description="when the caller entered the queue (the "
                                        "place the callback keeps); null for one booked "
                                        "while the line was closed or from a full queue: "
                                        "they never queued")
    requested_at: datetime
    promised_by: datetime | None
    due_at: datetime | None = Field(None, description="booked while the line was closed: the "
                                    "opening it is due at, not dialled before (then in turn "
                                    "with the other bookings; no time was promised); null "
                                    "for a callback asked for from the queue")
    line_full: bool = Field(False, description="booked at Twilio's queue-full (the overflow's "
                            "offer): the caller was never queued, and no time was promised")
    held_until: datetime | None = Field(
        None, description="not rung before this, for what Twilio said of the call it was "
        "booked on (`holdwell callbacks` with REST credentials): its caller is still on it, "
        "or stayed on past the confirmation, answered there perhaps by a host whose record of "
        "it is not stored yet; null when not held so")
    held_because: str | None = Field(None, description="why it is held (with held_until)")
    at_risk: bool
    attempts: list[CallbackAttempt]
    left_message: bool = False  # a message from the queue (issue 16 item 5)
    messages: list[CallbackMessage] = Field(
        default_factory=list, description="every message the caller left, oldest first; "
                                           "their recordings and words only for roles that "
                                           "see numbers")
    message_url: str | None = Field(None, deprecated="read messages[].url (every message)",
                                    description="the first message's recording")
    transcript: str | None = Field(None, deprecated="read messages[].transcript",
                                   description="the first message's words")
    cancelled: CallbackCancel | None = Field(
        None, description="who cancelled it, when and why (a cancelled one only)")


class CallbacksResponse(Model):
    callbacks: list[CallbackItem] = Field(description="every open promise (pending, claimed, "
                                          "on the line), oldest first; then settled ones of "
                                          "the last day, newest first")
    open_count: int = Field(description="open promises: all of them are listed")
    settled_count: int = Field(description="callbacks settled in the last day")
    settled_shown: int = Field(description="of those, how many are listed (the newest)")
    truncated: bool = Field(description="true when settled callbacks were left out")


REASON_SHOWN_MIN = 3
"""A cancel reason's least characters that show (spaces, controls, zero-width and other
unseen characters left out: hold_policies.unseen_text.shown)."""


def says_too_little(reason: str) -> bool:
    """Fewer than REASON_SHOWN_MIN characters that show: four zero-width spaces had cancelled
    a callback with a reason that read as nothing, row and audit log alike (console audit
    34, D10)."""
    return len("".join(shown(reason).split())) < REASON_SHOWN_MIN


def shows_a_reason(reason: str) -> str:
    if says_too_little(reason):
        raise ValueError(f"must have at least {REASON_SHOWN_MIN} characters that show "
                         "(spaces, controls, zero-width and direction characters do not "
                         "count)")
    return reason


class CancelRequest(Model):
    reason: Annotated[str, Field(min_length=REASON_SHOWN_MIN, max_length=300,
                                 json_schema_extra=NO_NUL),
                      AfterValidator(no_nul), AfterValidator(shows_a_reason)]


VersionNumber = Annotated[int, Field(ge=1, le=2**31 - 1)]


class QueuePolicy(Model):
    """A queue's whole policy section, exactly as under [queues.NAME] in the TOML file, and
    the config version it was read from."""

    settings: QueueConfig
    note: Text = ""
    base_version: VersionNumber | None = Field(
        default=None, description="the config version these settings were read from (GET "
        "returns it); when given and someone changed this queue since, the change is "
        "refused with 409 instead of silently undoing theirs")


class PolicyChange(QueuePolicy):
    """PUT: the whole queue, as GET returns it, replaces the active one. A settings object
    that leaves out any field (in any section) is refused with 422 naming each, since
    saving it would reset them to their defaults: send every field, PATCH the ones to
    change, or set replace_whole_queue."""

    base_version: VersionNumber = Field(
        description="required: the config version the settings were read from (GET returns "
        "it); if someone changed this queue since, 409 instead of silently undoing that")
    replace_whole_queue: bool = Field(
        default=False, description="true: fields left out of settings are reset to their "
        "defaults (the queue becomes exactly what was sent, experiment, hours and overflow "
        "included)")


class PolicyPatch(Model):
    """PATCH: only the fields given in settings change, section by section (a map such as
    variants or experiment.arms, or null, is one value); every other field keeps the
    active version's value, including changes saved meanwhile. The queue they make is what
    is checked: a section given in part is not judged alone (an hours table without its
    timezone, overflow words without max_wait_s had been refused though the queue had them)."""

    settings: dict[str, Any] = Field(description=(
        "any of a queue's settings (PolicyChange's settings), sections given in part; a "
        "field the queue they make would not accept is refused with 422 naming it"),
        json_schema_extra={"propertyNames": {"enum": sorted(QueueConfig.model_fields)}})
    note: Text = ""
    base_version: VersionNumber | None = Field(
        default=None, description="the config version these settings were read from (GET "
        "returns it); when given and someone changed this queue since, the change is "
        "refused with 409 instead of silently undoing theirs")


class ConfigVersionInfo(Model):
    number: int
    created_at: datetime
    author: str
    note: str


class SavedVersion(ConfigVersionInfo):
    changed: bool = Field(description="false: the queue already had these settings, so no "
                          "version was added and this is the active version, unchanged")
    warnings: list[str] = Field(default_factory=list, description=(
        "settings saved that load but likely do nothing (a knob the queue's policy never "
        "reads, say); empty when there are none. The save stands either way"))


class ConfigVersionDetail(ConfigVersionInfo):
    toml: str
    diff: str = Field(description="unified diff against the previous version")


class VersionsResponse(Model):
    active: int | None
    versions: list[ConfigVersionInfo] = Field(description="newest first, at most 100")
    total: int = Field(default=0, description="versions stored in all")
    next_before: int | None = Field(default=None, description="older versions exist: ask "
                                    "for them with ?before= this number; null: none older")


class VersionsQuery(Model):
    before: VersionNumber | None = Field(default=None, description="only versions numbered "
                                         "below this (a page's next_before)")


class RollbackRequest(Model):
    version: VersionNumber
    note: Text = Field(default="", description="why; the version's note is 'roll back to "
                       "version N: ' and this")
    base_version: VersionNumber | None = Field(
        default=None, description="the active version when you decided (GET "
        "/config/versions' `active`); when given and another version became active since, "
        "the roll-back is refused with 409 instead of silently undoing that change")


MAX_WEIGHT = 1000
"""An arm's largest weight (weights are relative)."""


class ExperimentStart(Model):
    """Arms are policies or the queue's variants (checked against the queue when saved)."""

    arms: Annotated[dict[ArmName, Annotated[float, Field(gt=0, le=MAX_WEIGHT,
                                                         allow_inf_nan=False)]],
                    Field(min_length=2)]
    note: Text = ""
    base_version: VersionNumber | None = Field(
        default=None, description="the config version the split was read from (GET "
        "/experiments/QUEUE's `version`); when given and someone changed this queue since, "
        "409 instead of replacing a split you never saw")


class ExperimentStop(Model):
    """DELETE's query: the split to stop is the one read at `base_version`."""

    base_version: VersionNumber | None = Field(
        default=None, description="the config version the split was read from (GET "
        "/experiments/QUEUE's `version`); when given and someone changed this queue since, "
        "409 instead of stopping a split you never saw")


class ArmResult(Model):
    """One arm's finished calls by outcome (they add up to `calls`) and its unserved rate, as
    `holdwell report` counts them."""

    arm: str
    calls: int = Field(description="finished calls randomised to the arm that entered the "
                       "queue (intention to treat)")
    answered: Answered
    abandoned: Abandoned
    callbacks_connected: CallbacksConnected
    callbacks_failed: CallbacksFailed
    left: int = Field(description="out of line, a callback still pending or none asked for")
    errors: int = Field(description="ended by Twilio's error")
    overflow: int = Field(description="offered a callback or message past the maximum wait, "
                          "took neither")
    voicemail: int = Field(description="left a message not yet called back")
    unserved_rate: float | None = Field(description="(abandoned + callbacks failed + errors + "
                                        "overflow) / calls")
    unserved_rate_ci_low: float | None = Field(description="95% interval, low end: Wilson's, "
                                               "widened where calls close in time move "
                                               "together (as the report's)")
    unserved_rate_ci_high: float | None = Field(description="95% interval, high end")


class ArmComparison(Model):
    """One arm's unserved rate against the baseline arm's."""

    arm: str
    baseline: str
    difference: float | None = Field(description="arm's unserved rate less the baseline's "
                                     "(a fraction: 0.02 = 2 points)")
    ci_low: float | None = Field(description="95% interval of the difference, low end (not "
                                 "adjusted for the other pairs): Newcombe's, widened where "
                                 "calls close in time move together to the difference ± "
                                 "t·sqrt(se_a² + se_b²) of the arms' clustered errors, as "
                                 "`holdwell report` gives it (Newcombe's alone is narrower "
                                 "then)")
    ci_high: float | None = Field(description="its high end")
    p_value_holm: float | None = Field(description="two-sided p-value of the difference (the "
                                       "report's test: the z-test, Fisher's exact test, or the "
                                       "clustered t-test where larger), Holm-adjusted across "
                                       "the queue's pairs (the report's p_value_holm)")
    p_value: float | None = Field(deprecated=True, description="the same as p_value_holm, "
                                  "under the name the report gives the unadjusted one: read "
                                  "p_value_holm")
    verdict: str = Field(description="what the difference allows an operator to conclude")


class ExperimentState(Model):
    queue: str
    version: int | None = Field(default=None, description="the active config version this "
                                "was read from: send it as base_version to change or stop "
                                "only this split")
    running: bool
    arms: dict[str, float]
    results: list[ArmResult]
    comparisons: list[ArmComparison]
    variants: dict[str, str] = {}  # the queue's variants: name -> policy and what differs
    counting_since: datetime | None = Field(
        default=None, description="when the arms' counts start (UTC): the split's first "
        "config version with these arms and what each arm's callers hear; a change to "
        "those starts a new count. Null when no split runs (the counts are the last 7 days)")


class ExperimentChange(ExperimentState):
    changed: bool = Field(description="false: the split was already so (started with these "
                          "arms, or not running), so no config version was added")
    warnings: list[str] = Field(default_factory=list, description=(
        "what of the queue, with this split, loads but likely does nothing, as a policy "
        "save's `warnings` (an arm's clip this app has no file for plays silence); empty "
        "when there is none. The change stands either way"))


class PreviewRequest(Model):
    queue: Annotated[str, Field(max_length=64)]
    position: Annotated[int, Field(ge=1, le=500)] = 5
    answered_per_min: Annotated[float, Field(gt=0, le=60, allow_inf_nan=False)] = 0.5
    minutes: Annotated[int, Field(ge=1, le=30)] = 6
    keys: Annotated[phone_keys(10),
                    Field(description="keys pressed, one at each offer, in order")] = ""


class TimelineEntry(Model):
    at_s: float = Field(description="seconds since the caller joined the queue, as they "
                                    "rang (the welcome opens their first wait document)")
    duration_s: float
    position: int
    kind: str = Field(description="say, silence, audio, offer, key or leave")
    heard: str
    audio: str | None = Field(default=None, description="the audio clip played, if any")


class PreviewResponse(Model):
    queue: str
    policy: str
    timeline: list[TimelineEntry]
    outcome: str


class AuditItem(Model):
    time: datetime
    actor: str
    action: str
    target: str
    detail: dict
    id: int = Field(description="the entry's own number: the same entry has it on every "
                    "page, and `?before=` it asks for the entries listed after it")


AuditKind = Literal["all", "changes", "config", "people", "callbacks", "privacy", "sign-ins"]
"""app.storage.audit.KINDS (a test holds the two together): changes are everything but
sign-ins."""


class AuditQuery(Model):
    kind: AuditKind = "all"
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    before: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        default=None, description="only the entries listed after entry `before` (a "
        "page's `next_before`): older ones, whatever was written or pruned since; a "
        "reader paging by `page` meets an entry again for each one written meanwhile. "
        "`page` then counts from there")


class AuditResponse(Model):
    entries: list[AuditItem]
    total: int = Field(description="entries of this kind in all, on every page")
    page: int
    pages: int = Field(description="pages of 50 entries, newest first")
    next_before: int | None = Field(
        default=None, description="more entries are listed after this page: ask for them "
        "with ?before= this number (the id of its last entry); null: this page is the last")


class Done(Model):
    message: str


class Problem(Model):
    error: str
    fields: dict[str, str] = Field(default_factory=dict,
                                   description="field path -> what is wrong and what is allowed")
