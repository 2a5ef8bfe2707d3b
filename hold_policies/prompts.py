"""The words callers hear. Companies write their own; the defaults are short, warm and honest.

Each prompt may use only the placeholders it is filled with (PROMPT_PLACEHOLDERS: {position},
{wait}, {keep_key}, {callback_key}, {number} (spoken digits of a callback number), {minutes},
{reason} (the caller's own words, said to the agent)); the config check rejects any other
placeholder, and any format (`{position:>9}`, `{wait!r}`), so a typo never reaches a caller
as a stray brace or stops a prompt from being said. Nor may a text said aloud hold a brace of
its own (`{{`, `}}`): most prompts are said as written, never through `filled`, and would
read `{{name}}` out braces and all; the rest would say `{name}` (spoken_problem).
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, fields

from hold_policies.languages import BUILT_IN, ENGLISH, Language, check_defaults

PLACEHOLDERS = frozenset({"position", "wait", "keep_key", "callback_key", "number", "minutes",
                          "reason"})
EVERY_NAME = PLACEHOLDERS | {"opens", "voicemail_key", "text"}
"""Every name any text may use (the prompts', the closed line's and the overflow's words)."""
REASON_MOST_CHARS = 500
"""The longest transcript of a caller's reason kept: a few words asked for, 15 s by default
(at most Twilio's 60 s of speech, about 900 characters); past it the words are cut at a word
boundary."""
TRANSCRIPT_MOST_CHARS = 1000
"""The most of a left message's transcript an agent hears (cut at a word)."""
LONGEST_WAIT = max(len((language.open_ended or "{wait}").replace("{wait}", language.over_an_hour))
                   for language in BUILT_IN.values())
"""The longest {wait}: the open-ended wait as a language says it in place of "within {wait}"
(counted all in {wait}, the safe side)."""
LONGEST_FILL: dict[str, int] = {
    "position": 4, "wait": LONGEST_WAIT,
    "keep_key": 1, "callback_key": 1,
    "voicemail_key": 1, "number": len("1, 2 3 4, 5 6 7, 8 9 0 1, 2 3 4 5"),
    "minutes": len("999 Stunden und 59 Minuten"), "opens": 60, "reason": REASON_MOST_CHARS,
    "text": TRANSCRIPT_MOST_CHARS}
"""The most characters each placeholder is filled with: a queue holds 5,000 callers at most,
the open-ended wait reads "when your turn comes, which may take more than an hour" in place
of "within {wait}" (LONGEST_WAIT, in the language that says it longest),
a number 15 digits, a spoken opening ("on Wednesday at 10:30 AM") well under 60, a wait
said in hours and minutes under 1,000 hours in any built-in language (German the longest)."""
_IN_LINE = ("position", "keep_key", "callback_key")
_ESTIMATED = (*_IN_LINE, "wait")
PROMPT_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    # CheckinPolicy.fill: {wait} the band's words when there is one, else nothing;
    # {callback_key} nothing unless the policy is callback
    "position": _ESTIMATED,
    "next_in_line": _ESTIMATED,
    "wait": _ESTIMATED,
    "keep_waiting": _ESTIMATED,
    "callback_offer": _ESTIMATED,
    "callback_offer_no_estimate": _IN_LINE,  # filled with no band: {wait} always nothing
    "callback_confirm": _ESTIMATED,
    "callback_confirm_keyed": (*_ESTIMATED, "number"),
    # said by the overflow's offer too (Overflowing.on_key), which fills only {number}:
    # none of the others (after queue-full: the overflow's own words.full_confirm)
    "callback_confirm_no_estimate": (),
    "callback_confirm_keyed_no_estimate": ("number",),
    "callback_closing_soon": (),
    "callback_closed": (),
    "closed_while_waiting": (),
    "callback_number_given_up": (),
    "callback_number_check": ("number",),
    "callback_keyed_check": ("number",),
    "agent_callback_context": ("minutes",),
    "agent_callback_held": ("minutes",),
    "agent_caller_reason": ("minutes", "reason"),
    "agent_caller_position": ("position",),
    "agent_caller_promised": ("wait",),
    "agent_callback_reason": ("reason",),
}
"""What each prompt is filled with; a prompt not named here takes none. Most of those are
said as written, never through `filled` (returning_caller, resumed, callback_kept, ...): a
placeholder or a doubled brace in them would be read out as typed, so the config check refuses
every brace in a text that takes none (spoken_problem), whatever path says it."""

WELCOME_BY_POLICY = {
    "silence": (
        "Thank you for calling. All our agents are helping other callers. "
        "You will hold in silence, with no music or adverts. You are still connected, "
        "and we will answer as soon as we can."
    ),
    "checkin": (
        "Thank you for calling. All our agents are helping other callers. "
        "We will check in with you {every}; in between you will hear silence, "
        "with no music or adverts."
    ),
    "callback": (
        "Thank you for calling. All our agents are helping other callers. "
        "We will check in with you {every}; in between you will hear silence, "
        "with no music or adverts."
    ),
    "music_ads": "Thank you for calling. Your call is important to us. Please hold.",
}
"""The default welcomes; `{every}` is how often check-ins come (`how_often`), so a queue
checking in every five minutes never promises "about once a minute"."""


def _interval(interval_s: int) -> tuple[str, int]:
    """How an interval is said (languages.OFTEN's kind, and its number): under 5 minutes the
    nearest half-minute (once a minute for 45-74 s, a minute and a half for 75-104 s: 90 s
    had been "about every 2 minutes", a third too long, and 89 s "about once a minute");
    from 5 minutes whole minutes; under 45 s, 5 s steps."""
    if interval_s < 45:
        return "seconds", max(5, 5 * round(interval_s / 5))
    if interval_s < 75:
        return "minute", 1
    if interval_s < 285:
        whole, half = divmod(int(interval_s / 30 + 0.5), 2)
        if not half:
            return "minutes", whole
        return ("minute_and_a_half", 1) if whole == 1 else ("and_a_half", whole)
    return "minutes", int(interval_s / 60 + 0.5)


def how_often(interval_s: int, language: Language = ENGLISH) -> str:
    """A check-in interval in words a caller can hold us to ("about once a minute", "about
    every minute and a half", "aproximadamente cada 5 minutos"): `_interval`'s."""
    return language.every(*_interval(interval_s))


def how_soon(first_s: int, language: Language = ENGLISH) -> str:
    """When the first check-in comes, rounded as `how_often` rounds an interval ("in about
    5 minutes")."""
    return language.every(*_interval(first_s), first=True)


def check_in_times(interval_s: int, first_s: int | None = None,
                   language: Language = ENGLISH) -> str:
    """What the welcome promises about check-ins: how often, and when the first comes where
    that is later than the rhythm says (a first check-in after 5 minutes of a queue checking
    in every minute had been welcomed with "about once a minute": caller audit 34)."""
    often = how_often(interval_s, language)
    if first_s is None or first_s <= interval_s or _interval(first_s) == _interval(interval_s):
        return often
    return language.then.format(soon=how_soon(first_s, language), often=often)


@dataclass(frozen=True)
class Prompts:
    """Every sentence a policy may say; `welcome=None` takes the policy's own default."""

    welcome: str | None = None
    apology: str = "Sorry to keep you waiting."
    closed_while_waiting: str = (
        "Our line is now closed to new calls, but we will still answer everyone who is "
        "already waiting."
    )
    """Said in each check-in once the line's opening hours have ended: nothing ends a wait
    at closing (the agents answer who is in line), and a caller told nothing had no way to
    know the line had closed around them. An operator whose agents leave at closing words
    it otherwise (or sets it to "", to say nothing)."""
    position: str = "You are number {position} in line."
    next_in_line: str = "You are next in line."
    wait: str = "We expect to answer you within {wait}."
    keep_waiting: str = (
        "If you can hold a little longer, press {keep_key}, or just stay on the line."
    )
    callback_offer: str = (
        "Or press {callback_key} and we will call you back within {wait}, "
        "keeping your place in line."
    )
    callback_offer_no_estimate: str = (
        "Or press {callback_key} and we will call you back when your turn comes, "
        "keeping your place in line."
    )
    keep_waiting_ack: str = "Thank you. You keep your place in line."
    callback_confirm: str = (
        "Thank you. We will call you back at the number you are calling from, "
        "within {wait}. You keep your place in line. You can hang up now. Goodbye."
    )
    callback_confirm_no_estimate: str = (
        "Thank you. We will call you back at the number you are calling from, "
        "when your turn comes. You keep your place in line. You can hang up now. Goodbye."
    )
    callback_confirm_keyed: str = (
        "Thank you. We will call you back at {number}, within {wait}. You keep your place "
        "in line. You can hang up now. Goodbye."
    )
    callback_confirm_keyed_no_estimate: str = (
        "Thank you. We will call you back at {number}, when your turn comes. You keep your "
        "place in line. You can hang up now. Goodbye."
    )
    callback_closing_soon: str = (
        "Sorry, we close too soon to promise you a call back. You keep your place in line."
    )
    callback_closed: str = (
        "Sorry, our line has closed now, so we cannot promise you a call back. You keep your "
        "place in line."
    )
    callback_number_check: str = (
        "We will call you back at the number ending in {number}. Press 1 to confirm, "
        "or press 2 to key in another number."
    )
    callback_keyed_check: str = (
        "We will call you back at {number}. Press 1 to confirm, or press 2 to key in another "
        "number."
    )
    callback_number_entry: str = (
        "Please key in the number we should call, with its area code, then press the hash key."
    )
    callback_number_invalid: str = "Sorry, that is not a number we can call."
    callback_kept_waiting: str = "No problem. You keep your place in line."
    callback_number_given_up: str = (
        "No call back is booked, and you keep your place in line."
    )
    callback_unconfirmed: str = (
        "Sorry, we cannot confirm your call back just now. To try again, press 1. "
        "Or stay on the line, and you keep your place in line."
    )
    callback_already_booked: str = (
        "You already have a call back booked for this number. We will call you back. You "
        "can hang up now. Goodbye."
    )
    """Nor this, nor the next three, say the booking keeps a place in line: one booked at
    queue-full never had one, and one booked while closed is called in turn from the opening
    (caller audit, 2026-12-07: a queue-full booker ringing back had been told "it keeps your
    place in line")."""
    returning_caller: str = (
        "Welcome back. You already have a call back booked. "
        "To keep it, press 1, or just hang up. To cancel it and wait on the line now, at the "
        "end of the line, press 2."
    )
    callback_kept: str = "We will call you back as promised. Goodbye."
    resumed: str = "Welcome back. You keep your place in line from before."
    callback_traded_for_waiting: str = (
        "Your call back is cancelled. You are now waiting on the line, behind the callers "
        "already waiting."
    )
    """A new call joins the Twilio queue at its end: the callback's place is not carried
    over (Twilio serves a queue in the order it was joined), and the caller is told so."""
    callback_no_longer_booked: str = (
        "Your call back is no longer booked, so you are now waiting on the line, behind the "
        "callers already waiting."
    )
    """Said to a caller asked about a callback that ended while they answered (its last
    attempt rang this very call, busy): they wait on the line rather than being told it
    stands."""
    callback_on_its_way: str = (
        "Your call back is already on its way, so it stays as it is. Goodbye."
    )
    callback_unchanged: str = (
        "Sorry, we cannot change your call back just now. It stays booked, and we will call "
        "you back. Goodbye."
    )
    callback_change_unknown: str = (
        "Sorry, we cannot tell just now whether your call back was cancelled. Please call "
        "again in a minute: if it still stands, we will ask you again. Goodbye."
    )
    connecting: str = "Thank you for waiting. Connecting you to an agent now."
    callback_greeting: str = (
        "Hello, this is the call back you asked for. Thank you for waiting. "
        "Connecting you to an agent now."
    )
    callback_held_greeting: str = (
        "Hello, this is the call back you asked for. Thank you for waiting. Please stay on "
        "the line: an agent will be with you as soon as one is free."
    )
    """Said to a customer rung first (customer-first, or rung by REST), who then holds for an
    agent: never "connecting you now" before minutes of silence, nor "you are next" (two or
    more may hold at once)."""
    callback_still_held: str = "You are still connected, and next for our first free agent."
    """Said about once a minute while that customer holds at the head of the priority queue
    (behind another, they hear the fixed `still_held_behind`)."""
    agent_callback_context: str = (
        "Call back. The customer has been waiting {minutes} since first calling. "
        "Connecting now."
    )
    agent_callback_missed: str = "The customer did not answer. We will try again later."
    agent_callback_given_up: str = ("The customer did not answer. That was the last try for "
                                    "this call back.")
    """Said to the agent instead of agent_callback_missed when no attempt is left."""
    agent_callback_held: str = "They answered {minutes} ago and are holding for you."
    reason_question: str = (
        "While you wait, please tell us in a few words what your call is about, "
        "so the person who answers knows."
    )
    reason_thanks: str = "Thank you. We will pass that on. You keep your place in line."
    agent_caller_reason: str = "Next caller, waiting {minutes}. In their words: {reason}."
    agent_caller_position: str = "They were number {position} in line when they told us."
    agent_caller_promised: str = "We told them to expect an answer within {wait}."
    agent_callback_reason: str = "When they called, they told us: {reason}."
    not_understood: str = "Sorry, that key does nothing here. You keep your place in line."
    legacy_message: str = (
        "Your call is important to us. Please stay on the line. "
        "Did you know that most questions are answered on our website?"
    )

    def welcome_for(self, policy: str, interval_s: int = 60, first_s: int | None = None,
                    language: Language = ENGLISH) -> str:
        """The operator's welcome, else the policy's own in the queue's `language` (English
        where it has no words of its own), saying when check-ins come."""
        if self.welcome is not None:
            return self.welcome
        said = language.default_words
        template = said.defaults("welcome").get(policy, WELCOME_BY_POLICY[policy])
        return template.replace("{every}", check_in_times(interval_s, first_s, said))


def prompts_in(language: Language, **written: str) -> Prompts:
    """The words a queue in `language` says: the operator's `written`, the rest the
    language's own defaults (holdwell's English ones where it has none)."""
    return Prompts(**language.written_over("prompts", written))


def confirmation_template(prompts: Prompts, keyed_number: str, *, estimated: bool) -> str:
    """The callback confirmation's template: a keyed-in number is said back; the caller's
    own is "the number you are calling from"."""
    if keyed_number:
        return (prompts.callback_confirm_keyed if estimated
                else prompts.callback_confirm_keyed_no_estimate)
    return prompts.callback_confirm if estimated else prompts.callback_confirm_no_estimate


def filled(template: str, **values: object) -> str:
    """`template` with `values` by name, every other placeholder empty (the config check
    allows a prompt only the placeholders its caller fills: PROMPT_PLACEHOLDERS).

    Names only, never `str.format`: a stored version loaded leniently may carry a format
    (`{position:>999999999}` built a gigabyte inside a poll, `{wait:d}` raised on every
    check-in), a conversion or `{a.b}`; each is said as the plain value of its name."""
    parts: list[str] = []
    for literal, name, _format, _conversion in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:  # `{position.real}`, `{position[0]}`: the name they start with
            parts.append(str(values.get(re.split(r"[.\[]", name, maxsplit=1)[0], "")))
    return "".join(parts)


def _braced(names: Iterable[str]) -> str:
    """'{a}, {b}': placeholders as a text writes them."""
    return ", ".join(f"{{{name}}}" for name in names)


def placeholder_problem(template: str, allowed: Iterable[str], *,
                        formats_too: bool = True,
                        advised: Iterable[str] | None = None,
                        spoken: bool = False) -> str | None:
    """Why `template` could not be said as written (None: it can): a placeholder outside
    `allowed`, an unpaired brace, or (`formats_too`) a format or conversion on one. The
    advice lists `advised` (default `allowed`): what this very text is filled with, even
    when only names no text may use are refused (the API had advised an apology to use
    {position}, then refused it when saved).

    `spoken`: the text is said aloud, where a brace means nothing to a listener: an unpaired
    one is not advised to be doubled, and (with `formats_too`, as written) a doubled one is
    refused too (spoken_problem)."""
    advice = tuple(allowed if advised is None else advised)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        said = UNPAIRED_SAID.get(str(error), str(error))
        return f"{said} ({_no_brace_advice(advice) if spoken else 'write {{ or }} for a brace'})"
    used = [(name, spec, conversion) for _, name, spec, conversion in parsed
            if name is not None]
    allowed = tuple(allowed)
    if bad := sorted({name for name, _, _ in used} - set(allowed)):
        listed = _braced(advice) or "none"
        unknown = [name for name in bad if name not in EVERY_NAME]
        if unknown:  # a typo, most likely
            meant = difflib.get_close_matches(unknown[0].strip().lower(), advice, n=1,
                                              cutoff=0.6)
            guess = f" (did you mean {{{meant[0]}}}?)" if meant else ""
            return f"unknown placeholder {unknown}{guess}; this text may use: {listed}"
        return f"{_braced(bad)} is not filled in this text (other texts use it); this text " \
               f"may use: {listed}"  # real, but not filled here
    if formats_too and (formatted := next(
            (name for name, spec, conversion in used if spec or conversion), None)):
        return f"placeholders take no format or conversion (':...' or '!...'): {{{formatted}}}"
    if spoken and formats_too:
        return spoken_problem(parsed, advice)
    return None


UNPAIRED_SAID = {
    "Single '{' encountered in format string": "a '{' that opens no placeholder",
    "Single '}' encountered in format string": "a '}' that closes no placeholder",
    "expected '}' before end of string": "a '{' that is never closed with '}'",
    "unmatched '{' in format spec": "a '{' inside a placeholder",
}
"""Python's words for an unpaired brace, as an operator reads them ("Single '}' encountered
in format string" named a format string nobody wrote)."""


def _no_brace_advice(advised: tuple[str, ...]) -> str:
    if not advised:
        return "this text takes no placeholders, and a brace in it would be read out: " \
               "leave braces out"
    return f"a brace in words said aloud is only for a placeholder, written single: this " \
           f"text may use: {_braced(advised)}"


def spoken_problem(parsed: Iterable[tuple[str, str | None, str | None, str | None]],
                   advised: tuple[str, ...]) -> str | None:
    """Why a text said aloud, parsed, would say a brace (None: it would not). A doubled
    brace is the only way one reaches its words (`placeholder_problem` refuses the rest);
    a text said as written reads it out as typed ("{{name}}"), one said through `filled`
    as one brace ("{name}"). Either way a listener hears a brace, never a value: the
    operator meant a placeholder (`{{position}}`, as other template languages write one),
    or one their prompt is not filled with."""
    if not any("{" in literal or "}" in literal for literal, *_ in parsed):
        return None
    if not advised:
        return ("this text takes no placeholders, so its braces ('{{', '}}') would be read "
                "out: leave them out")
    return (f"a doubled brace ('{{{{', '}}}}') would be read out as a brace: write a "
            f"placeholder with single braces, and no other brace; this text may use: "
            f"{_braced(advised)}")


def only_placeholders(text: str | None, allowed: Iterable[str], *,
                      strict: bool = True, advised: Iterable[str] | None = None,
                      spoken: bool = False) -> str | None:
    """`text` unchanged, or a ValueError saying why it could not be said (a validator).
    Not `strict` (loading a file or a stored version): formats and doubled braces are let
    through, as before the per-prompt check, so what loaded yesterday loads today."""
    if text is not None and (problem := placeholder_problem(
            text, allowed, formats_too=strict, advised=advised, spoken=spoken)):
        raise ValueError(problem)
    return text


def filled_at_longest(template: str, character: str = "x") -> str:
    """`template` with every placeholder filled with its longest value (LONGEST_FILL) of
    `character`: the most a text can say, or weigh in TwiML with a character that escapes
    long ("&")."""
    return filled(template, **{name: character * most for name, most in LONGEST_FILL.items()})


def prompt_placeholders(name: str) -> tuple[str, ...]:
    return PROMPT_PLACEHOLDERS.get(name, ())


def prompt_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Prompts))


check_defaults("prompts", {f.name: f.default for f in fields(Prompts) if f.name != "welcome"})
check_defaults("welcome", WELCOME_BY_POLICY)
