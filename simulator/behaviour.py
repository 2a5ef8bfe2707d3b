"""How a virtual caller reacts to what they hear while on hold: patience, keys, hang-ups.

Shared by the fast engine and the Twilio emulator: both describe a wait document as `Heard`
(what sounded, when, what was announced, which keys were offered) and ask a `Listener` what
its caller does. The scenario's patience distribution is a caller's patience under neutral
hold (music, or silence short enough not to seem dead). What is heard speeds up or slows down
how fast that patience is used up (`*_rate` below: 1 = neutral), which is a proportional-hazards
change for exponential patience; a few events trigger a hang-up or a key press directly.

Every parameter has a default and a reason; research numbers come from
reference/contact-center.md section 5, and everything else is marked as an assumption. The
defaults reproduce the *direction* of the findings (position information lowers abandonment
against music; apologies alone barely help; an announcement causes a small spike of
hang-ups); they are a calibration to check against real logs, not proof.

Calibration (tests/simulator/test_sim_behaviour.py). Munichor & Rafaeli's set-up — nobody
answered, patience with a 100 s mean so that music alone loses 70% within two minutes —
gives with these defaults ≈70% for music only, ≈70% for music with the apologising legacy
message (study: 67%), and ≈46% with position check-ins (study: 36%). In a queue the effects
are smaller: callers who stay longer make others wait longer, so part of any gain in patience
turns into waiting rather than fewer abandons (near overload, abandonment tends to 1 - 1/rho
whatever callers hear). Wait bands are deliberately pessimistic, so the callers who give up
on hearing one (`too_long_leave_p`) cost abandonment: a real trade-off the model shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import NamedTuple

from simulator.errors import ScenarioError
from simulator.heard import Heard

INF = math.inf


@dataclass(frozen=True)
class Reactions:
    """The caller behaviour model's parameters. `Reactions.off()` is the Erlang-A caller."""

    informed_rate: float = 0.5
    """Patience use while the caller knows their position or wait. Munichor & Rafaeli (2007):
    ≈70% abandoned with music only vs 36% with queue-position information over a ~2 min hold,
    a hazard ratio of ln(0.64)/ln(0.30) ≈ 0.37 under exponential patience. We take 0.5: a lab
    study of students likely overstates the field effect (size: assumption; direction: study)."""

    apology_rate: float = 0.92
    """Patience use after an apology or 'your call is important' message without position.
    Munichor & Rafaeli (2007): 67% abandoned with music + apologies vs 70% music only, a
    hazard ratio of ln(0.33)/ln(0.30) ≈ 0.92: apologies alone barely help."""

    advert_rate: float = 1.08
    """Patience use once adverts have been heard on hold. Assumption: unwanted adverts annoy
    (seeds/); with the apology they come with, music + ads stays about neutral (0.99)."""

    dead_air_s: float = 90.0
    """Seconds of unbroken dead silence (no comfort noise) after which a caller wonders whether
    the line dropped. Assumption; consistent with North & Hargreaves (1999), where people
    waited least in the no-music condition. Comfort noise or any sound resets it."""

    dead_air_hangup_p: float = 0.1
    """Chance of hanging up, thinking the line is dead, at each `dead_air_s` of silence.
    Assumption."""

    announcement_hangup_p: float = 0.02
    """Chance of hanging up shortly after first hearing one's position or wait: the hazard
    peak after a position announcement (Brown et al. 2005, reproduced by Gans, Koole &
    Mandelbaum 2003: 'the information here encourages abandonment'). Size, and that only the
    first announcement does it: assumptions."""

    announcement_hangup_within_s: float = 20.0
    """Those hang-ups (and the ones below) happen uniformly within this many seconds after
    the message ends. Assumption."""

    too_long_leave_p: float = 0.2
    """Share of callers who, told a wait longer than they are willing to wait, leave at once
    instead of waiting until their patience runs out: callers renege in response to delay
    announcements (Armony, Shimkin & Whitt 2009). A caller is one kind or the other (drawn at
    their first announcement), so repeated check-ins do not compound it. Size: assumption."""

    overdue_rate: float = 1.5
    """Patience use once kept past the first announced wait: one extra minute past the
    announced wait raises the abandonment hazard by up to 52% (Webb, Yu & Bretthauer 2019)."""

    keep_key_p: float = 0.3
    """Chance a caller who means to keep waiting presses the keep-waiting key when asked.
    Assumption; silence means 'keep waiting' anyway, so it only shows up in the log."""

    callback_p: float = 0.2
    """Chance a caller takes an offered callback although the announced wait is one they
    would sit through. Assumption; `holdwell fit` scales it and `callback_if_too_long_p`
    together (their ratio kept) to the acceptance a log measures (simulator.fit_take_up)."""

    callback_if_too_long_p: float = 0.8
    """Chance a caller takes an offered callback when the announced wait is longer than
    they are willing to wait. Assumption: a callback beats giving up (fitted with
    `callback_p`)."""

    closed_callback_p: float = 0.4
    """Chance a caller who rings while the line is closed, and is offered a callback for the
    next opening, books it (the rest hang up after the message; nobody who rings while closed
    joins the queue). Assumption: fewer than take an in-queue offer when the wait is too long
    (`callback_if_too_long_p`), since the opening may be days away."""

    key_delay_s: float = 1.5
    """Seconds after a prompt ends before the caller's key press (must fit the Gather
    timeout, else the key is too late and nothing is pressed). Assumption."""

    reason_p: float = 0.6
    """Chance a caller asked in the first check-in what the call is about (a queue's
    `ask_reason`) answers in a few words before the question's timeout. Assumption. Giving a
    reason changes nothing else a caller does: not their patience, keys or outcome, and the
    next check-in comes when it would have (the policy pauses until it is due). So the fast
    engine counts the question's time for everyone and draws nothing for it (its calls are
    the same with any reason_p); the Twilio emulator's callers answer with this chance, so
    the app's words, storage and agent briefings are exercised."""

    reason_speaking_s: float = 4.0
    """Seconds a caller who answers speaks, after the question ends (the speech Gather then
    waits its speech-end pause before posting the words). Assumption: a few words."""

    overflow_callback_p: float = 0.5
    """Share of callers offered the overflow (past the queue's maximum wait, or turned away
    by a full queue) who take the callback, when one is offered. Drawn once per caller, at
    their first offer: the offer repeats about once a minute without compounding.
    Assumption: like `callback_if_too_long_p`, but some distrust a promise after a long wait."""

    overflow_voicemail_p: float = 0.2
    """Share of those callers who leave a message instead, when a message is offered (the
    rest keep waiting, or hang up, as their patience says). Assumption."""

    message_s: float = 30.0
    """Seconds a caller speaks when leaving a message. Assumption."""

    line_drop_p: float = 0.0
    """Chance that a check-in ends in a dropped line a few seconds later (a slip of the
    thumb, a network drop), counted as a hang-up. No field data: off by default; set it to
    see what `[queues.NAME.resume]` is worth (issue 16 item 6)."""

    line_drop_after_s: float = 3.0
    """Seconds after the start of the check-in that such a drop happens. Assumption."""

    ring_back_p: float = 0.8
    """Share of callers whose line dropped who ring back (only drops: a caller who decided
    to hang up does not). Assumption."""

    ring_back_s: float = 45.0
    """Mean seconds before they ring back (exponential). Assumption."""

    def __post_init__(self) -> None:
        if self.overflow_callback_p + self.overflow_voicemail_p > 1:
            raise ScenarioError("reactions.overflow_callback_p + overflow_voicemail_p: must be "
                                f"at most 1 (got {self.overflow_callback_p} + "
                                f"{self.overflow_voicemail_p})")
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_p") and not 0 <= value <= 1:
                raise ScenarioError(f"reactions.{item.name}: must be in [0, 1] (got {value})")
            if item.name.endswith("_rate") and not (0 < value < INF):
                raise ScenarioError(f"reactions.{item.name}: must be > 0 (got {value})")
            if item.name.endswith("_s") and not value >= 0:
                raise ScenarioError(f"reactions.{item.name}: must be >= 0 s (got {value})")

    @classmethod
    def off(cls) -> Reactions:
        """Callers who ignore what they hear and press nothing: the Erlang-A caller."""
        return cls(informed_rate=1, apology_rate=1, advert_rate=1, dead_air_hangup_p=0,
                   announcement_hangup_p=0, too_long_leave_p=0, overdue_rate=1, keep_key_p=0,
                   callback_p=0, callback_if_too_long_p=0, closed_callback_p=0, reason_p=0,
                   overflow_callback_p=0, overflow_voicemail_p=0, line_drop_p=0)

    @property
    def active(self) -> bool:
        """False when nothing heard can change an outcome (the engine may skip listening)."""
        return self != Reactions.off()


class Action(StrEnum):
    """What a caller does during a wait document."""

    HANG_UP = "hang_up"
    PRESS = "press"


class Reaction(NamedTuple):
    """The caller's first action in a document, at an absolute time in seconds."""

    action: Action
    at_s: float
    key: str = ""
    cause: str = ""  # patience, dead_air, announcement, too_long, callback, keep


class Listener:
    """One caller's patience and what they have heard so far.

    `patience_s` is drawn from the scenario; `draw()` returns uniform numbers in [0, 1).
    Call `hear(now, heard)` when each wait document starts, in time order. Patience is a
    budget of neutral-hold seconds, used at `rate` (x `overdue_rate` after the promise).
    """

    __slots__ = ("advertised", "apologised", "budget", "draw", "informed", "overflow_choice",
                 "promise_at", "rate", "reactions", "reneges", "silent_since", "since")

    def __init__(self, reactions: Reactions, patience_s: float, entered_s: float,
                 draw: Callable[[], float]) -> None:
        self.reactions, self.draw = reactions, draw
        self.budget, self.since = patience_s, entered_s
        self.rate = 1.0
        self.promise_at = INF  # when the first announced wait runs out
        self.informed = self.apologised = self.advertised = False
        self.reneges: bool | None = None  # decided when first told where they stand
        self.overflow_choice: str | None = None  # callback, voicemail or "": at the first offer
        self.silent_since: float | None = None

    def hang_up_at(self) -> float:
        """When patience runs out if nothing else changes."""
        since, promise, rate = self.since, self.promise_at, self.rate
        if since >= promise:
            return since + self.budget / (rate * self.reactions.overdue_rate)
        on_time = rate * (promise - since)  # patience used until the promise is broken
        if self.budget <= on_time:
            return since + self.budget / rate
        return promise + (self.budget - on_time) / (rate * self.reactions.overdue_rate)

    def _consume(self, now: float) -> None:
        """Use up patience from the last document to `now`."""
        since, promise, rate = self.since, self.promise_at, self.rate
        if now <= promise:
            self.budget -= rate * (now - since)
        else:
            late = now - max(promise, since)
            self.budget -= rate * (now - since - late + late * self.reactions.overdue_rate)
        self.since = now

    def hear(self, now: float, heard: Heard) -> Reaction | None:
        """Start hearing `heard` at `now`: the caller's first action in it; None = no action
        before it ends (the caller listens to the end and the policy is asked again)."""
        if self.promise_at == INF:  # no promise to break: one rate since the last document
            self.budget -= self.rate * (now - self.since)
            self.since = now
        else:
            self._consume(now)
        if heard.informs or heard.apology or heard.advert:
            self._learn(now, heard)
        end = now + heard.duration_s
        at, cause = self.hang_up_at(), "patience"
        dead = self._dead_air(now, heard)
        if dead < at:
            at, cause = dead, "dead_air"
        if heard.overflow and heard.message_end_s is not None:
            chosen = self.answer_overflow(now + heard.message_end_s, heard)
            if chosen is not None and chosen.at_s < at:
                return chosen if chosen.at_s < end else None
        if heard.informs and heard.message_end_s is not None:
            chosen = self._answer_announcement(now + heard.message_end_s, heard)
            if chosen is not None and chosen.at_s < at:
                return chosen if chosen.at_s < end else None
        return Reaction(Action.HANG_UP, at, cause=cause) if at < end else None

    def _learn(self, now: float, heard: Heard) -> None:
        """Remember what this document told the caller; it sets how fast patience goes."""
        r = self.reactions
        if heard.informs:
            self.informed = True
            if heard.wait_s is not None and self.promise_at == INF:
                self.promise_at = now + (heard.message_end_s or 0.0) + heard.wait_s
        self.apologised = self.apologised or heard.apology
        self.advertised = self.advertised or heard.advert
        rate = r.informed_rate if self.informed else r.apology_rate if self.apologised else 1.0
        self.rate = rate * r.advert_rate if self.advertised else rate

    def _dead_air(self, now: float, heard: Heard) -> float:
        """When a dead-air hang-up happens in this document (inf if none); tracks the silence."""
        r = self.reactions
        start = self.silent_since if self.silent_since is not None else now
        silent_until = now + heard.leading_silence_s
        if heard.leading_silence_s < heard.duration_s:  # some sound: the run restarts after it
            trailing = heard.trailing_silence_s
            self.silent_since = now + heard.duration_s - trailing if trailing > 0 else None
        elif self.silent_since is None:
            self.silent_since = now
        if r.dead_air_hangup_p <= 0 or r.dead_air_s <= 0:
            return INF
        k = max(1, math.ceil((now - start) / r.dead_air_s))
        while start + k * r.dead_air_s < silent_until:
            if self.draw() < r.dead_air_hangup_p:
                return start + k * r.dead_air_s
            k += 1
        return INF

    def answer_overflow(self, message_at: float, heard: Heard) -> Reaction | None:
        """At the overflow offer: the key of the callback or the message this caller takes
        (decided at their first offer), if it is on offer and the key comes in time."""
        r = self.reactions
        if self.overflow_choice is None:
            u = self.draw()
            self.overflow_choice = (
                "callback" if u < r.overflow_callback_p
                else "voicemail" if u < r.overflow_callback_p + r.overflow_voicemail_p else "")
        key = {"callback": heard.callback_key, "voicemail": heard.voicemail_key}.get(
            self.overflow_choice)
        if key is None or r.key_delay_s > heard.key_window_s:
            return None
        return Reaction(Action.PRESS, message_at + r.key_delay_s, key, self.overflow_choice)

    def _answer_announcement(self, message_at: float, heard: Heard) -> Reaction | None:
        """Take a callback, leave, hang up in the spike, or press keep: at most one."""
        r = self.reactions
        first = self.reneges is None
        if first:
            self.reneges = self.draw() < r.too_long_leave_p
        u_callback, u_spike, u_when, u_keep = self.draw(), self.draw(), self.draw(), self.draw()
        too_long = heard.wait_s is not None and heard.wait_s > self.hang_up_at() - message_at
        key_at = message_at + r.key_delay_s
        key_in_time = r.key_delay_s <= heard.key_window_s
        leave_at = message_at + u_when * r.announcement_hangup_within_s
        if heard.callback_key and key_in_time:
            take = r.callback_if_too_long_p if too_long else r.callback_p
            if u_callback < take:
                return Reaction(Action.PRESS, key_at, heard.callback_key, "callback")
        if too_long and self.reneges:
            return Reaction(Action.HANG_UP, leave_at, cause="too_long")
        if first and u_spike < r.announcement_hangup_p:
            return Reaction(Action.HANG_UP, leave_at, cause="announcement")
        if heard.keep_key and key_in_time and u_keep < r.keep_key_p:
            return Reaction(Action.PRESS, key_at, heard.keep_key, "keep")
        return None
