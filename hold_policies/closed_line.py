"""What a caller outside opening hours hears, and whether they may book a callback.

One definition for the live app, the emulator and the fast engine: a closed line says when it
opens again ("We open again on Monday at 8 AM"), and, where the queue offers callbacks and the
opening's callbacks are not all booked, offers one for that opening.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from hold_policies.hours import OpeningHours
from hold_policies.languages import ENGLISH, Language, check_defaults
from hold_policies.prompts import filled


@dataclass(frozen=True)
class ClosedWords:
    """Templates: {opens} is the spoken opening ("on Monday at 8 AM"), {number} spoken digits."""

    closed: str = "Thank you for calling. We are closed now. We open again {opens}."
    never_opens: str = "Thank you for calling. We are closed now."
    callback_offer: str = (
        "If you would like us to call you back at the number ending in {number} when we "
        "open, press {callback_key} now.")
    booked: str = ("Thank you. We open {opens}, and we will call you back in turn from then. "
                   "Goodbye.")
    """Bookings are dialled one after another from the opening, so no booking is told the
    opening's minute as if it were theirs (the fortieth is called long after it)."""
    already_booked: str = ("You already have a call back booked for this number. We open "
                           "{opens}, and we will call you back in turn from then.")
    """Said instead of the offer to a caller whose callback stands (one per person)."""
    full: str = ("Sorry, all the call backs we can make after we open {opens} are booked. "
                 "Please call us again then. Goodbye.")
    goodbye: str = "Goodbye."
    """The closed message has thanked the caller already (it had been said twice a call)."""
    wrong_key: str = "Sorry, that key does nothing here."
    """Said to a key at the offer that is not its key, before the offer is made once more."""
    nothing_booked: str = ("No call back has been booked. If you would like one, please call "
                           "again. Goodbye.")
    """The end of a call whose caller pressed a wrong key at the offer and then did not book."""
    not_booked: str = ("Sorry, we could not book a call back just now. "
                       "Please call us again when we open. Goodbye.")
    not_confirmed: str = ("Sorry, we cannot confirm your call back just now. If it was booked, "
                          "we will call you back in turn after we open {opens}. If you are "
                          "not sure, please call us again then. Goodbye.")
    """Said when the booking's COMMIT was cut off and nobody could read it back: true
    whether or not it is stored (`not_booked` would be false if it is)."""


check_defaults("closed_line", asdict(ClosedWords()))


def closed_words_in(language: Language, **written: str) -> ClosedWords:
    """A closed line's words in `language`: the operator's `written`, the rest the
    language's own defaults (holdwell's English ones where it has none)."""
    return ClosedWords(**language.written_over("closed_line", written))


@dataclass(frozen=True)
class ClosedLine:
    """A queue's opening hours and its offer to callers who ring outside them.

    `callbacks_per_opening`: at most this many callbacks booked for one opening (None: no
    cap; 0: never offered). `offers_callbacks`: the queue offers callbacks at all.
    """

    hours: OpeningHours
    offers_callbacks: bool = False
    callbacks_per_opening: int | None = None
    callback_key: str = "1"
    words: ClosedWords = ClosedWords()
    language: Language = ENGLISH  # the queue's: how {opens} is said

    def opens_words(self, opening: datetime, now: datetime) -> str:
        """When the line opens, in the queue's language."""
        return when_words(opening, now, self.hours, self.language)

    def is_open(self, t: datetime) -> bool:
        return self.hours.is_open(t)

    def may_offer(self, booked: int) -> bool:
        """A callback may be offered when `booked` are already booked for the opening."""
        if not self.offers_callbacks or self.callbacks_per_opening == 0:
            return False
        return self.callbacks_per_opening is None or booked < self.callbacks_per_opening


def clock_words(moment: datetime, language: Language = ENGLISH) -> str:
    """'8 AM', '8:30 AM', 'noon', 'midnight': as people say the time (in `language`:
    '8:00', '14 h 30', '8 Uhr')."""
    return language.time_words(moment.hour, moment.minute)


def when_words(opening: datetime, now: datetime, hours: OpeningHours,
               language: Language = ENGLISH) -> str:
    """When the line opens, said from `now` in the queue's time zone and language: 'today at
    2 PM', 'tomorrow at 8 AM', 'on Monday at 8 AM' (within a week), else 'on Monday,
    January 4 at 8 AM' (names from `language`, never the machine's locale).

    An opening at 00:00 is named by the night it ends where the language can ('tonight at
    midnight', 'on Friday night at midnight'): "tomorrow at midnight" said on Friday
    evening of Saturday 00:00 is heard as the end of Saturday, a day late."""
    there, here = hours.local(opening), hours.local(now)
    days = (there.date() - here.date()).days
    at = clock_words(there, language)
    if (there.hour, there.minute) == (0, 0) and language.tonight and days >= 1:
        return day_words(there - timedelta(days=1), days - 1, at, language, (
            language.tonight, language.tomorrow_night, language.this_week_night,
            language.later_night))
    return day_words(there, days, at, language, (
        language.today, language.tomorrow, language.this_week, language.later))


def day_words(day: datetime, days: int, at: str, language: Language,
              templates: tuple[str, str, str, str]) -> str:
    """`at` on `day`, `days` from today, in the first of `templates` (today, tomorrow,
    within a week, later) that fits: the day's words, or the night's that ends at it."""
    today, tomorrow, this_week, later = templates
    if days == 0:
        return today.format(time=at)
    if days == 1:
        return tomorrow.format(time=at)
    weekday = language.weekdays[day.weekday()]
    if days < 7:
        return this_week.format(weekday=weekday, time=at)
    return later.format(weekday=weekday, month=language.months[day.month - 1],
                        day=language.day_of_month(day.day), time=at)


def closed_message(line: ClosedLine, now: datetime) -> tuple[str, datetime | None]:
    """What a closed line says, and when it opens (None: not within the search horizon)."""
    opening = line.hours.next_opening(now)
    if opening is None:
        return line.words.never_opens, None
    return filled(line.words.closed, opens=line.opens_words(opening, now)), opening
