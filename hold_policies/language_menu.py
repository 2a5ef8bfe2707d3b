"""A language menu before the queue: one number serving callers of several languages.

A line with an English and a Spanish queue had needed a number for each (or callers of one
language waited in the other's). A queue's `language_menu` offers, before anything else is
said, each option in its own language and voice ("Para español, pulse 2."); the key sends
the caller to that queue, and no key (or another) keeps them in the queue they rang. Each
option is said in words holdwell has for the target's language (Language.language_choice),
so only built-in languages can be offered; no two options may offer one language (each
names only its language: "Para español" twice, for es-MX and es-ES, would leave a caller
guessing), nor one the rung queue's own language unless it is that queue (its callers, who
stay by pressing nothing, would press it and leave).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hold_policies.languages import BUILT_IN, is_built_in, language_of

MENU_TIMEOUT_S = 3
"""Seconds of quiet after the last option before the caller stays in the queue they rang:
a caller of that queue's language presses nothing, and waits no longer than this."""


@dataclass(frozen=True)
class Option:
    """One key of a language menu: the queue it sends the caller to, and what it says."""

    key: str
    queue: str
    words: str


def option_words(language: str | None, key: str) -> str:
    """An option as said in `language` ("For English, press 1.")."""
    return language_of(language).language_choice.format(key=key)


def options(menu: Mapping[str, str], languages: Mapping[str, str | None]) -> list[Option]:
    """The menu's options in key order (`languages`: each queue's language tag)."""
    return [Option(key, queue, option_words(languages.get(queue), key))
            for key, queue in sorted(menu.items())]


def menu_problem(owner: str, menu: Mapping[str, str],
                 languages: Mapping[str, str | None]) -> str | None:
    """What is wrong with queue `owner`'s menu (`languages`: every configured queue's
    language), naming the key: a queue that is not configured, one whose language holdwell
    cannot say an option in, two options offering one language (es-MX and es-ES), or an
    option in the language of the queue rung, whose own callers stay by pressing nothing."""
    where = f"queues.{owner}.language_menu"
    said: dict[str, str] = {}
    for key, queue in sorted(menu.items()):
        if queue not in languages:
            return f"{where} {key!r}: {queue!r} is not one of the queues {sorted(languages)}"
        tag = languages[queue]
        if not tag or not is_built_in(tag):
            return (f"{where} {key!r}: queue {queue!r} has language {tag or 'none'!r}, and "
                    f"an option is said in its queue's language in holdwell's own words, "
                    f"which it has for {', '.join(built_in_names())}; set that queue's "
                    f"language, or leave it out of the menu")
        spoken = tag.split("-")[0].lower()  # an option names only the language
        if spoken in said:
            return (f"{where} {key!r}: offers the same language as {said[spoken]!r} (queues "
                    f"{menu[said[spoken]]!r} and {queue!r} both speak {spoken!r}, and each "
                    f"option names only its language: {option_words(tag, key)!r}); offer one "
                    f"queue per language")
        said[spoken] = key
    own = (languages.get(owner) or "en").split("-")[0].lower()  # none: said in English
    if owner not in menu.values() and own in said:  # its callers stay by pressing nothing
        key = said[own]
        return (f"{where} {key!r}: offers {menu[key]!r}, which speaks {own!r} as {owner!r}, "
                f"the queue rung, does: its callers would press {key} and leave it; offer "
                f"{owner!r} itself for {own!r}, or another language")
    return None


def built_in_names() -> list[str]:
    """The language codes holdwell can say an option in."""
    return sorted(code for code in BUILT_IN if "-" not in code)
