"""A queue's language menu (hold_policies.language_menu), before anything else is said.

/voice/incoming of a queue with a menu answers the options, each in its queue's language and
voice, in a one-key <Gather> posted to /voice/language; no key carries on to /voice/incoming
of the queue rung, marked `menu=done`, as does a key that is not an option. A key that is an
option redirects to /voice/incoming of its queue, where the call begins as any call there
(closed line, a callback that stands in any of the menu's queues, a dropped line, the
welcome, all in that queue). Neither answer touches the database (but for a webhook naming a
removed queue, whose callback to the caller is looked up first), so the menu costs a caller
nothing when it is down; a caller who hangs up in it joined no queue and has no record in the
call log (only the status callback's HANGUP event, with no queue), as one who hangs up before
/voice/incoming answers.
"""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from app.services import services
from app.twiml import cached_twiml, one_key, say, twiml_response
from app.voice import returning
from app.voice.blueprint import bp
from app.voice.context import this_route
from app.voice.forms import CallForm, RouteParams, digits
from app.voice.safety import falls_back_to
from app.voice.urls import voice_url
from hold_policies.language_menu import MENU_TIMEOUT_S, options

CHOSEN = "menu"
"""The URL parameter, `menu=done`, of a /voice/incoming that comes after the menu."""


def menu_if_owed(queue: str, caller: CallForm) -> str | None:
    """The menu's TwiML for a new call of `queue`, or None: the queue has no menu, or this
    /voice/incoming comes after it, or its webhook names a removed queue where this caller
    has a callback pending (asked about it first, as before the menu: the call after it
    names the queue joined, and the callback would not be found, so they waited as well)."""
    if request.args.get(CHOSEN) == "done":
        return None
    svc = services()
    menu = svc.queue_config(queue).language_menu
    if not menu or returning.booked_in_removed_queue(caller) is not None:
        return None
    return cached_twiml(svc.twiml_cache, ("language_menu", queue), lambda: _menu(queue, menu))


def booked_in_the_menus_queues(queue: str, caller: CallForm) -> str | None:
    """After a menu (`menu=done`): the callback pending to this caller in another queue of
    a menu that offers `queue`, or of `queue`'s own, if any. One number serves them all, so a
    caller who booked in soporte and rings again is asked keep-or-wait in the queue they join
    (their callback had not been looked up there, and they waited as well: both)."""
    if request.args.get(CHOSEN) != "done":
        return None
    others = sorted({name for owner, settings in services().config.queues.items()
                     if settings.language_menu and (
                         queue == owner or queue in settings.language_menu.values())
                     for name in (owner, *settings.language_menu.values())} - {queue})
    return next((booked for name in others
                 if (booked := returning.booked_callback(name, caller)) is not None), None)


def _menu(queue: str, menu: dict[str, str]) -> VoiceResponse:
    svc = services()
    languages = svc.config.queue_languages()
    response = VoiceResponse()
    gather = one_key(response, timeout=MENU_TIMEOUT_S,
                     action=voice_url("language", RouteParams(queue, None, "")))
    for option in options(menu, languages):
        say(gather, svc.policy(option.queue, None).voice, option.words)
    return _to_incoming(response, queue)


def _to_incoming(response: VoiceResponse, queue: str) -> VoiceResponse:
    response.redirect(voice_url("incoming", RouteParams(queue, None, ""), **{CHOSEN: "done"}),
                      method="POST")
    return response


def stay() -> VoiceResponse:
    """The caller stays in the queue they rang (config in memory only)."""
    return _to_incoming(VoiceResponse(), this_route().queue)


@bp.post("/language")
@falls_back_to(stay)
def language() -> Response:
    """The key pressed at the menu: its queue, or (not an option) the queue rung."""
    CallForm.parse(request.form)  # a request with no call of its own is a 400
    key = digits(request.form)
    svc = services()
    rung = this_route().queue
    chosen = svc.queue_config(rung).language_menu.get(key, rung)
    return twiml_response(_to_incoming(
        VoiceResponse(), chosen if chosen in svc.config.queues else rung))
