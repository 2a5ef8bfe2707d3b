"""The words callers hear. Companies write their own; the defaults are short, warm and honest.

Templates may use {position}, {wait}, {keep_key}, {callback_key}, {number} (spoken digits
of a callback number), {minutes} and {reason} (the caller's own words, said to the agent);
the config check
rejects any other placeholder so a typo never reaches a caller as a stray brace.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, fields

PLACEHOLDERS = frozenset({"position", "wait", "keep_key", "callback_key", "number", "minutes",
                          "reason"})

WELCOME_BY_POLICY = {
    "silence": (
        "Thank you for calling. All our agents are helping other callers. "
        "You will hold in silence, with no music or adverts. You are still connected, "
        "and we will answer as soon as we can."
    ),
    "checkin": (
        "Thank you for calling. All our agents are helping other callers. "
        "We will check in with you about once a minute; in between you will hear silence, "
        "with no music or adverts."
    ),
    "callback": (
        "Thank you for calling. All our agents are helping other callers. "
        "We will check in with you about once a minute; in between you will hear silence, "
        "with no music or adverts."
    ),
    "music_ads": "Thank you for calling. Your call is important to us. Please hold.",
}


@dataclass(frozen=True)
class Prompts:
    """Every sentence a policy may say; `welcome=None` takes the policy's own default."""

    welcome: str | None = None
    apology: str = "Sorry to keep you waiting."
    position: str = "You are number {position} in line."
    next_in_line: str = "You are next in line."
    wait: str = "We expect to answer you within {wait}."
    keep_waiting: str = (
        "If you can hold a little longer, press {keep_key}, or just stay on the line."
    )
    callback_offer: str = (
        "Or press {callback_key}, hang up, and we will call you back within {wait}, "
        "keeping your place in line."
    )
    callback_offer_no_estimate: str = (
        "Or press {callback_key}, hang up, and we will call you back when your turn comes, "
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
    callback_number_check: str = (
        "We will call you back at the number ending in {number}. Press 1 to confirm, "
        "or press 2 to key in another number."
    )
    callback_number_entry: str = (
        "Please key in the number we should call, with its area code, then press the hash key."
    )
    callback_number_invalid: str = "Sorry, that is not a number we can call."
    callback_kept_waiting: str = "No problem. You keep your place in line."
    callback_already_booked: str = (
        "You already have a call back booked for this number, and it keeps your place in "
        "line. We will call you back. You can hang up now. Goodbye."
    )
    returning_caller: str = (
        "Welcome back. You already have a call back booked, and it keeps your place in line. "
        "To keep it, press 1, or just hang up. To wait on the line instead, press 2."
    )
    callback_kept: str = "We will call you back as promised, keeping your place. Goodbye."
    resumed: str = "Welcome back. You keep your place in line from before."
    callback_traded_for_waiting: str = (
        "Your call back is cancelled, and you are now waiting on the line."
    )
    callback_on_its_way: str = (
        "Your call back is already on its way, so it stays as it is. Goodbye."
    )
    connecting: str = "Thank you for waiting. Connecting you to an agent now."
    callback_greeting: str = (
        "Hello, this is the call back you asked for. Thank you for waiting. "
        "Connecting you to an agent now."
    )
    agent_callback_context: str = (
        "Call back. The customer has been waiting {minutes} since first calling. "
        "Connecting now."
    )
    agent_callback_missed: str = "The customer did not answer. We will try again later."
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

    def welcome_for(self, policy: str) -> str:
        return self.welcome if self.welcome is not None else WELCOME_BY_POLICY[policy]


def confirmation_template(prompts: Prompts, keyed_number: str, *, estimated: bool) -> str:
    """The callback confirmation's template: a keyed-in number is said back; the caller's
    own is "the number you are calling from"."""
    if keyed_number:
        return (prompts.callback_confirm_keyed if estimated
                else prompts.callback_confirm_keyed_no_estimate)
    return prompts.callback_confirm if estimated else prompts.callback_confirm_no_estimate


def with_number_only(template: str, number: str) -> str:
    """`template` with {number} filled and every other placeholder empty (for a policy with
    no estimate or position to fill them)."""
    return template.format(**{**dict.fromkeys(PLACEHOLDERS, ""), "number": number})


def unknown_placeholders(template: str, allowed: Iterable[str] = PLACEHOLDERS) -> set[str]:
    """Placeholders in `template` outside `allowed` (by default: those no prompt can fill)."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    return names - set(allowed)


def only_placeholders(text: str | None, allowed: tuple[str, ...]) -> str | None:
    """`text` unchanged, or a ValueError naming what it uses beyond `allowed` (a validator)."""
    if text is not None and (bad := unknown_placeholders(text, allowed)):
        listed = ", ".join(f"{{{name}}}" for name in allowed)
        raise ValueError(f"unknown placeholder {sorted(bad)}; allowed: {listed}")
    return text


def prompt_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Prompts))
