"""Our own webhook URLs as Twilio should call them (absolute when a public URL is set)."""

from __future__ import annotations

from flask import g, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.storage.resume_writes import rejoin_queue
from app.voice.forms import RouteParams, is_count
from hold_policies.estimate import BAND_MINUTES


def voice_url(path: str, params: RouteParams, **extra: str) -> str:
    base = services().settings.public_url or ""
    query = params.query(**extra)
    return f"{base}/voice/{path}" + (f"?{query}" if query else "")


def audio_url(name: str) -> str | None:
    """URL of a prepared clip, or None (then the caller hears silence of the same length)."""
    library = services().audio
    path = library.url_path(name) if library is not None else None
    if path is None:
        return None
    return f"{services().settings.public_url or ''}{path}"


WELCOME_ARG = "welcome"
"""Marks the waitUrl of a new call's Enqueue: its first wait document opens with the welcome
(hold_policies.welcome). A caller put back after an error, rejoining after a dropped line,
or waiting instead of their callback has heard their own words, and no welcome."""


def enqueue(response: VoiceResponse, params: RouteParams, *, welcome: bool = False
            ) -> VoiceResponse:
    """The one way a caller joins the line: our wait and queue-result URLs on the Enqueue; a
    leg continuing a dropped call (`resumes`) joins the queue's rejoin queue. A new call
    (`welcome`) hears the welcome in the queue, at the start of its first wait document."""
    queue = rejoin_queue(params.queue) if params.resumes else params.queue
    wait_url = voice_url("wait", params, **({WELCOME_ARG: "1"} if welcome else {}))
    response.enqueue(queue, action=voice_url("queue-result", params),
                     method="POST", wait_url=wait_url, wait_url_method="POST")
    return response


def owes_welcome() -> bool:
    """Whether this wait request's URL is a new call's, owed the welcome in its first
    document (read from the URL alone: known without the database)."""
    return request.args.get(WELCOME_ARG) == "1"


WINDOW_ARG = "window"
"""The callback window (whole seconds) a wait document offered, on the action URL of its
keys and of every step of the callback flow after them (the read-back, a keyed number, the
confirmation): the caller is confirmed the window they heard. Signed with the URL, so not
the caller's to change; a URL without it (no window offered, or made before it existed)
confirms as before, a window sized at the confirmation."""
OFFERED_WINDOWS_S = frozenset(minutes * 60 for minutes in BAND_MINUTES)


def window_arg(window_s: float | None) -> dict[str, str]:
    """The query argument carrying an offered window (none when nothing was offered)."""
    if window_s is None or round(window_s) not in OFFERED_WINDOWS_S:
        return {}
    return {WINDOW_ARG: str(round(window_s))}


def offered_window_s() -> float | None:
    """The window this request's URL says was offered, or None (absent, or not a band we
    offer: then nothing is taken from it)."""
    raw = request.args.get(WINDOW_ARG, "")
    if not is_count(raw) or int(raw) not in OFFERED_WINDOWS_S:
        return None
    return float(raw)


def kept_flow_args() -> dict[str, str]:
    """What this request carries on to the next URL of the callback flow: its offered
    window, and the reason question it owes (`owes_reason`)."""
    owed = {REASON_OWED_ARG: "1"} if owes_reason() else {}
    return {**window_arg(offered_window_s()), **owed}


REASON_OWED_ARG = "reason"
"""Marks the callback flow of a caller whose key cut the first check-in before its reason
question: the question is still owed, and asked if they stay in line."""


def owe_reason() -> None:
    """This request starts a callback flow that owes the caller the reason question."""
    g.reason_owed = True


def owes_reason() -> bool:
    """Whether this request's callback flow owes the caller the reason question."""
    return bool(g.get("reason_owed")) or request.args.get(REASON_OWED_ARG) == "1"
