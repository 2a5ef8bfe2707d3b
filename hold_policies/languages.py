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

A language may also have its own defaults for the words an operator may write (WORD_TABLES:
the prompts, a closed line's and the overflow's words, the welcomes, how often check-ins
come, the texts): a queue in it that writes none hears them in its language, not holdwell's
English defaults (a Spanish queue with only `language = "es-ES"` had heard "Sorry to keep
you waiting. You are number 3 in line. We expect to answer you within 15 minutos.": caller
audit). A language has all of these tables or none; without them it hears English, and
`config check` warns. A table named with a region (`[pt-PT]`) is its language's table with
the region's own words over it: a Brazilian caller had heard European Portuguese ("Estávamos
a ligar de volta"), and `pt` is read by a Brazilian voice. A region's table is read for its
own tag and for the tags SHARED_REGION_TABLES gives it: `[es-419]` (Latin-American Spanish)
for every Spanish tag of the Americas (es-MX, es-US, es-AR...), whose callers had heard
Castilian Spain's "pulse", "cola" and "tecla almohadilla"; `es`, es-ES and Spanish elsewhere
(es-GQ, es-PH) keep the Castilian `[es]`.
"""

from __future__ import annotations

import math
import string
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

FIXED_TEXTS = ("back_in_line", "queue_full", "queue_full_closing", "line_failed",
               "choice_failed", "callback_not_now", "cannot_call_back", "cannot_book",
               "cannot_confirm", "already_helped", "not_held", "still_held_behind",
               "booked_while_closed", "calling_again", "not_calling_again", "message_lost",
               "goodbye", "connecting_now")
"""The texts of the safety net, said when something fails (app.voice), and the few fixed
words said where a configurable prompt would not be true (still_held_behind,
booked_while_closed, which an agent hears of a callback booked while the line was shut, and
connecting_now, said for the default `connecting` to a caller answered before any wait:
hold_policies.connecting)."""
FIXED_PLACEHOLDERS = {"queue_full_closing": {"opens"}}
"""The fixed texts that take a placeholder (the rest take none): queue_full_closing says when
the line opens again ({opens}, as a closed line says it), for a full queue that closes
before "a little later" would come."""


WORD_TABLES = ("prompts", "closed_line", "overflow", "welcome", "texts")
"""A language's own defaults for what an operator may write: hold_policies.prompts.Prompts,
closed_line.ClosedWords, overflow_rules.OverflowWords, prompts.WELCOME_BY_POLICY and
config.CallbacksConfig's texts (each keyed by its English default's names; checked where
that default is defined, `check_defaults`). All or none."""
OFTEN = ("seconds", "minute", "minute_and_a_half", "and_a_half", "minutes")
"""The ways a check-in interval is said (hold_policies.prompts.how_often): every {n}
seconds, once a minute, every minute and a half, every {n} and a half minutes, every {n}
minutes; each as how often (`often`) and as when the first comes (`soon`, with `then`
joining the two: "in about 5 minutes, and then about once a minute")."""


@dataclass(frozen=True)
class Language:
    """How holdwell's own words read in one language."""

    code: str  # its table's name: "es" for es-ES, "es-419" for es-MX, "pt-PT", "en" for en-GB
    one_minute: str
    minutes: str  # {n}: 2 and more
    an_hour: str  # exactly 60 minutes: "within an hour", "waiting an hour"
    one_hour: str  # the hour of "1 hour 20 minutes"
    hours: str  # {n}: 2 and more
    hours_and_minutes: str  # {hours} {minutes}: "1 hour 20 minutes"
    over_an_hour: str  # the open-ended band
    open_ended: str | None  # what `within` becomes in a prompt past the bands
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
    day_parts: tuple[tuple[int, str], ...] = ()  # {part}: from which hour each is said
    midnight: str = ""  # said for 00:00 ("midnight"), where "12 AM" would be
    noon: str = ""  # said for 12:00 ("noon"), where "12 PM" would be
    tonight: str = ""  # {time}: an opening at 00:00 named by the night before it
    tomorrow_night: str = ""  # {time}
    this_week_night: str = ""  # {weekday} {time}: the weekday before the opening
    later_night: str = ""  # {weekday} {day} {month} {time}: the date before it
    one_on_the_hour: str = ""  # 1:00 where one o'clock takes other words ("la 1:00")
    one_with_minutes: str = ""  # {mm}: 1:01 to 1:59 likewise ("la 1:{mm}")
    first_of_month: str = ""  # the 1st of a month where it is an ordinal ("1º", "1er")
    within: str = ""  # what `open_ended` replaces in a prompt ("within {wait}")
    often: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    soon: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    then: str = ""  # {soon} {often}: the first check-in, then the rhythm
    language_choice: str = ""  # {key}: a language menu's option, said in this language
    words: dict[str, dict[str, str]] = field(default_factory=dict, hash=False, compare=False)
    """Its own defaults, by WORD_TABLES name (none: holdwell's English ones)."""

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
        part = next((words for start, words in reversed(self.day_parts) if hour >= start), "")
        if part:  # "las 2 de la tarde": the 12-hour clock with the part of the day
            hour = hour % 12 or 12
        template = self.on_the_hour if minute == 0 else self.with_minutes
        if hour == 1 and self.one_on_the_hour:  # "a la 1:00": a Spanish caller had heard
            template = self.one_on_the_hour if minute == 0 else self.one_with_minutes  # las
        return template.format(h=hour, mm=f"{minute:02d}", part=part)

    def text(self, name: str) -> str:
        """A fixed text of the safety net (FIXED_TEXTS)."""
        return self.fixed[name]

    def day_of_month(self, day: int) -> str:
        """A date's day as said: "1º" for the first where the language says it so (Italian
        "uno gennaio" and Brazilian "um de janeiro" are not said; "primo", "primeiro" are)."""
        return self.first_of_month if day == 1 and self.first_of_month else str(day)

    def defaults(self, table: str) -> dict[str, str]:
        """Its own defaults of WORD_TABLES `table` (empty: the English ones stand)."""
        return self.words.get(table, {})

    def written_over(self, table: str, written: dict[str, str]) -> dict[str, str]:
        """The words of WORD_TABLES `table` a queue in this language says: the operator's
        `written` over the language's own defaults (none where it has none: the English
        defaults of the table's fields stand)."""
        return {**self.default_words.defaults(table), **written}

    @property
    def own_defaults(self) -> bool:
        """Whether an operator's words left out are said in this language (WORD_TABLES); an
        English region's few words (`is_english_region`) are English's, not a language's own."""
        return bool(self.words) and not is_english_region(self.code)

    @property
    def default_words(self) -> Language:
        """The language an operator's words left out are said in: this one, or English."""
        return self if self.own_defaults or self.code == "en" or is_english_region(self.code) \
            else ENGLISH

    def every(self, kind: str, n: int, *, first: bool = False) -> str:
        """An interval in words (OFTEN `kind`, `n` seconds or minutes): how often, or, with
        `first`, when the first comes."""
        return (self.soon if first else self.often)[kind].format(n=n)


NIGHT_WORDS = ("tonight", "tomorrow_night", "this_week_night", "later_night")
"""A language naming a midnight opening by the night before it has all four (or none)."""

ONE_O_CLOCK = ("one_on_the_hour", "one_with_minutes")
"""A language whose one o'clock takes other words has both (or none)."""

WORDS_FILE = "languages.toml"
"""Where the words are: data, one table per language, so a translation is edited as text."""


def _exactly(code: str, name: str, given: dict, names: tuple[str, ...] | set[str]) -> None:
    """`given` (table `name` of language `code`) has every one of `names` and no other."""
    missing = [n for n in names if n not in given]
    unknown = sorted(set(given) - set(names))
    if missing or unknown:
        raise ValueError(f"{WORDS_FILE} [{code}.{name}]: missing {missing}, unknown {unknown}")


def is_english_region(code: str) -> bool:
    """An English region's table ("en-US"): only the defaults it says otherwise (English
    has no tables of its own defaults to lay a whole region over)."""
    return code.lower().startswith("en-")


def _language(code: str, table: dict) -> Language:
    """One table of WORDS_FILE, checked whole: a missing word would reach a caller as
    English, or as nothing."""
    table = dict(table)
    fixed = table.pop("fixed", {})
    _exactly(code, "fixed", fixed, FIXED_TEXTS)
    for name, text in fixed.items():
        if _placeholders(text) != FIXED_PLACEHOLDERS.get(name, set()):
            raise ValueError(f"{WORDS_FILE} [{code}.fixed] {name}: placeholders "
                             f"{sorted(_placeholders(text))}, but it takes "
                             f"{sorted(FIXED_PLACEHOLDERS.get(name, set()))}")
    words = {name: table.pop(name) for name in WORD_TABLES if name in table}
    if words and set(words) != set(WORD_TABLES) and not is_english_region(code):
        raise ValueError(f"{WORDS_FILE} [{code}]: {', '.join(WORD_TABLES)}: all or none")
    for timing in ("often", "soon") if words or code == "en" else ():
        _exactly(code, timing, table.get(timing, {}), OFTEN)  # the welcome's words
    table = {"open_ended": None, "on_the_hour": "", "with_minutes": "", **table}
    for together in (NIGHT_WORDS, ONE_O_CLOCK, ("open_ended", "within")):
        given = [table.get(name) for name in together]
        if any(given) and not all(given):
            raise ValueError(f"{WORDS_FILE} [{code}]: {', '.join(together)}: all or none")
    if _placeholders(table.get("language_choice", "")) != {"key"}:
        raise ValueError(f"{WORDS_FILE} [{code}] language_choice: missing, or not with "
                         "{key} as its one placeholder (a language menu says it)")
    table["weekdays"], table["months"] = tuple(table["weekdays"]), tuple(table["months"])
    table["day_parts"] = _day_parts(code, table)
    return Language(code=code, fixed=fixed, words=words, **table)


def _day_parts(code: str, table: dict) -> tuple[tuple[int, str], ...]:
    """The parts of the day a 12-hour clock says ("de la tarde"): from 0, hours rising, each
    with words; every clock template then says {part}, and none does without them."""
    parts = tuple((int(start), str(words)) for start, words in table.get("day_parts", ()))
    starts = [start for start, _ in parts]
    if parts and (starts[0] != 0 or starts != sorted(set(starts)) or starts[-1] > 23
                  or not all(words.strip() for _, words in parts)):
        raise ValueError(f"{WORDS_FILE} [{code}] day_parts: [hour, words] pairs from hour 0, "
                         f"hours rising to at most 23, each with words")
    for name in ("on_the_hour", "with_minutes", *ONE_O_CLOCK):
        if table.get(name) and ("part" in _placeholders(table[name])) != bool(parts):
            raise ValueError(f"{WORDS_FILE} [{code}] {name}: says {{part}} exactly when "
                             f"day_parts are given")
    return parts


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _over(base: dict, region: dict) -> dict:
    """A region's table over its language's: each table within merged, name by name."""
    return {name: {**base[name], **value} if isinstance(value, dict) and name in base
            else value for name, value in {**base, **region}.items()}


def _built_in() -> dict[str, Language]:
    text = resources.files("hold_policies").joinpath(WORDS_FILE).read_text(encoding="utf-8")
    tables = tomllib.loads(text)
    return {code: _language(code, _over(tables[code.split("-")[0]], table) if "-" in code
                            else table) for code, table in tables.items()}


BUILT_IN: dict[str, Language] = _built_in()
ENGLISH, SPANISH = BUILT_IN["en"], BUILT_IN["es"]

SHARED_REGION_TABLES: dict[str, tuple[str, ...]] = {
    "es-419": ("es-AR", "es-BO", "es-BR", "es-BZ", "es-CL", "es-CO", "es-CR", "es-CU",
               "es-DO", "es-EC", "es-GT", "es-HN", "es-MX", "es-NI", "es-PA", "es-PE",
               "es-PR", "es-PY", "es-SV", "es-US", "es-UY", "es-VE"),
}
"""The tags a region's table is read for besides its own name: one table for many countries.
`es-419` is Latin America and the Caribbean (UN M.49 region 419): the tags are the Spanish
of each country there (with Brazil's and Belize's) and of the United States, whose Hispanic
callers speak Latin-American Spanish, as Polly's es-US voices (Lupe) do; the locales Unicode
CLDR gives es-419 as parent. Their callers say "oprima" (or "marque", "presione"), not
Spain's "pulse"; "fila", not "cola", slang in several of them; "la tecla de numeral", not
"la tecla almohadilla". Spain (es-ES, es-EA, es-IC), Equatorial Guinea (es-GQ) and the
Philippines (es-PH) keep the Castilian `es`, as in CLDR. Listed, not inferred from the
region subtag: "es-US" names no country of region 419."""
_SHARED: dict[str, str] = {tag.lower(): table for table, tags in SHARED_REGION_TABLES.items()
                           for tag in tags}


@lru_cache(maxsize=64)
def language_of(tag: str | None) -> Language:
    """The built-in language of a queue's language tag, case aside: its region's table where
    there is one ("pt-PT") or one shared by its region (SHARED_REGION_TABLES: "es-419" of
    "es-MX"), else its primary subtag's ("es" of "es-ES"); English for none or one not
    built in."""
    found = {code.lower(): language for code, language in BUILT_IN.items()}
    tag = (tag or "en").lower()
    return (found.get(tag) or found.get(shared_region(tag) or "")
            or found.get(tag.split("-")[0], ENGLISH))


def shared_region(tag: str) -> str | None:
    """The region table a tag shares (SHARED_REGION_TABLES: "es-419" of "es-AR"), else None."""
    return _SHARED.get(tag.lower())


def check_defaults(table: str, english: dict[str, str]) -> None:
    """Each built-in language's own defaults of WORD_TABLES `table` against the English ones
    (`english`, by name): the same names, each with the same placeholders, none empty (read
    once, where the English defaults are defined: a word missing would be said in English,
    and a placeholder lost would drop the caller's wait or number)."""
    for code, language in BUILT_IN.items():
        if not language.words:
            continue
        own = language.defaults(table)
        region = is_english_region(code)  # a few words over the English defaults
        _exactly(code, table, own, tuple(name for name in english if name in own or not region))
        for name, text in own.items():
            if not text.strip() or _placeholders(text) != _placeholders(english[name]):
                raise ValueError(f"{WORDS_FILE} [{code}.{table}] {name}: placeholders "
                                 f"{sorted(_placeholders(text))}, but the English default "
                                 f"has {sorted(_placeholders(english[name]))}")


def is_built_in(tag: str | None) -> bool:
    return not tag or (tag.split("-")[0].lower() in BUILT_IN)
