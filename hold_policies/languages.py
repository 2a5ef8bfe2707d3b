"""holdwell's own words in the queue's language: what it fills into operators' prompts and
what it says when something fails.

Operators write their prompts in their callers' language, but some words are holdwell's:
the wait band ({wait}: "5 minutes", "an hour", "more than an hour"), the time an agent
hears a caller waited ({minutes}: "2 hours"), when a closed line opens ({opens}: "tomorrow
at 8 AM") and the fixed texts of the safety net ("Sorry, we could not take that choice
just now..."), which no config reaches. A Spanish queue heard those in English between its
own Spanish sentences (a review listening as callers). Each built-in language
(languages.toml beside this module) has them all; a queue whose language is not built in
hears English, and `config check` warns so.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

FIXED_TEXTS = ("back_in_line", "queue_full", "line_failed", "choice_failed",
               "callback_not_now", "cannot_call_back", "cannot_book", "cannot_confirm",
               "already_helped", "not_held", "still_held_behind", "booked_while_closed",
               "calling_again", "not_calling_again", "message_lost", "goodbye",
               "connecting_now")
"""The texts of the safety net, said when something fails (app.voice), and the few fixed
words said where a configurable prompt would not be true (still_held_behind,
booked_while_closed, which an agent hears of a callback booked while the line was shut, and
connecting_now, said for the default `connecting` to a caller answered before any wait:
hold_policies.connecting)."""


@dataclass(frozen=True)
class Language:
    """How holdwell's own words read in one language."""

    code: str  # the primary subtag of the queue's language ("es" for es-MX)
    one_minute: str
    minutes: str  # {n}: 2 and more
    an_hour: str  # exactly 60 minutes: "within an hour", "waiting an hour"
    one_hour: str  # the hour of "1 hour 20 minutes"
    hours: str  # {n}: 2 and more
    hours_and_minutes: str  # {hours} {minutes}: "1 hour 20 minutes"
    over_an_hour: str  # the open-ended band
    open_ended: str | None  # what "within {wait}" becomes past the bands (English prompts)
    today: str  # {time}
    tomorrow: str
    this_week: str  # {weekday} {time}
    later: str  # {weekday} {day} {month} {time}
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    on_the_hour: str  # {h}: 0-23, or 1-12 with twelve_hour
    with_minutes: str  # {h} {mm}
    fixed: dict[str, str] = field(hash=False, compare=False)
    twelve_hour: bool = False
    midnight: str = ""  # said for 00:00 ("midnight"), where "12 AM" would be
    noon: str = ""  # said for 12:00 ("noon"), where "12 PM" would be
    tonight: str = ""  # {time}: an opening at 00:00 named by the night before it
    tomorrow_night: str = ""  # {time}
    this_week_night: str = ""  # {weekday} {time}: the weekday before the opening
    later_night: str = ""  # {weekday} {day} {month} {time}: the date before it
    one_on_the_hour: str = ""  # 1:00 where one o'clock takes other words ("la 1:00")
    one_with_minutes: str = ""  # {mm}: 1:01 to 1:59 likewise ("la 1:{mm}")

    def wait_words(self, minutes: int | None) -> str:
        """A band in words: "1 minute", "5 minutes", "an hour" (the top band, never "60
        minutes"), or the open-ended one (None). Past an hour, as `duration_words`."""
        if minutes is None:
            return self.over_an_hour
        return self.duration_words(minutes)

    def waited_words(self, seconds: float) -> str:
        """A wait so far in whole minutes, rounded up (never "0 minutes"): what an agent
        hears a caller waited ("4 minutes", "an hour", "2 hours", "1 hour 20 minutes"; an
        agent heard "waiting 120 minutes", "1440 minutes")."""
        return self.duration_words(max(math.ceil(seconds / 60), 1))

    def duration_words(self, minutes: int) -> str:
        """Whole minutes as people say them: minutes under an hour, "an hour" for exactly
        one, else hours and what minutes remain ("2 hours", "1 hour 20 minutes")."""
        if minutes < 60:
            return self.one_minute if minutes == 1 else self.minutes.format(n=minutes)
        if minutes == 60:
            return self.an_hour
        hours, rest = divmod(minutes, 60)
        said = self.one_hour if hours == 1 else self.hours.format(n=hours)
        if rest == 0:
            return said
        return self.hours_and_minutes.format(hours=said, minutes=self.duration_words(rest))

    def time_words(self, hour: int, minute: int) -> str:
        """A clock time as people say it: "8 AM", "8:30 PM", "midnight", "noon"; "8:00",
        "14 h 30", "8 Uhr". "12 AM" and "12 PM" are never said: callers mix them up, and
        heard "tomorrow at 12 AM" as a day later than it was."""
        if minute == 0 and hour == 0 and self.midnight:
            return self.midnight
        if minute == 0 and hour == 12 and self.noon:
            return self.noon
        if self.twelve_hour:
            spoken = f"{hour % 12 or 12}" + ("" if minute == 0 else f":{minute:02d}")
            return f"{spoken} {'AM' if hour < 12 else 'PM'}"
        template = self.on_the_hour if minute == 0 else self.with_minutes
        if hour == 1 and self.one_on_the_hour:  # "a la 1:00": a Spanish caller had heard
            template = self.one_on_the_hour if minute == 0 else self.one_with_minutes  # las
        return template.format(h=hour, mm=f"{minute:02d}")

    def text(self, name: str) -> str:
        """A fixed text of the safety net (FIXED_TEXTS)."""
        return self.fixed[name]


NIGHT_WORDS = ("tonight", "tomorrow_night", "this_week_night", "later_night")
"""A language naming a midnight opening by the night before it has all four (or none)."""

ONE_O_CLOCK = ("one_on_the_hour", "one_with_minutes")
"""A language whose one o'clock takes other words has both (or none)."""

WORDS_FILE = "languages.toml"
"""Where the words are: data, one table per language, so a translation is edited as text."""


def _language(code: str, table: dict) -> Language:
    """One table of WORDS_FILE, checked whole: a missing word would reach a caller as
    English, or as nothing."""
    fixed = table.pop("fixed", {})
    missing = [name for name in FIXED_TEXTS if name not in fixed]
    if missing or set(fixed) - set(FIXED_TEXTS):
        raise ValueError(f"{WORDS_FILE} [{code}.fixed]: missing {missing}, unknown "
                         f"{sorted(set(fixed) - set(FIXED_TEXTS))}")
    table = {"open_ended": None, "on_the_hour": "", "with_minutes": "", **table}
    for words in (NIGHT_WORDS, ONE_O_CLOCK):
        given = [table.get(name) for name in words]
        if any(given) and not all(given):
            raise ValueError(f"{WORDS_FILE} [{code}]: {', '.join(words)}: all or none")
    table["weekdays"], table["months"] = tuple(table["weekdays"]), tuple(table["months"])
    return Language(code=code, fixed=fixed, **table)


def _built_in() -> dict[str, Language]:
    text = resources.files("hold_policies").joinpath(WORDS_FILE).read_text(encoding="utf-8")
    return {code: _language(code, table) for code, table in tomllib.loads(text).items()}


BUILT_IN: dict[str, Language] = _built_in()
ENGLISH, SPANISH = BUILT_IN["en"], BUILT_IN["es"]


@lru_cache(maxsize=64)
def language_of(tag: str | None) -> Language:
    """The built-in language of a queue's language tag (its primary subtag: "es" of
    "es-MX"); English for none or one not built in."""
    return BUILT_IN.get((tag or "en").split("-")[0].lower(), ENGLISH)


def is_built_in(tag: str | None) -> bool:
    return not tag or (tag.split("-")[0].lower() in BUILT_IN)
