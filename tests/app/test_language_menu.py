"""A language menu before the queue (app.voice.language_menu): one number for an English and
a Spanish queue. Each option is said in its queue's language and voice; a key sends the
caller to that queue, where the call begins as any call there, and no key keeps them in the
queue they rang. The menu never touches the database."""

from __future__ import annotations

import tomllib

from sqlalchemy import select

from app.console.live_config import apply
from app.signed_client import SignedClient
from app.storage.schema import callbacks, calls
from hold_policies.config import parse_config
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.booking import book_from_the_line
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

MENU = """
[queues.support]
policy = "checkin"
[queues.support.language_menu]
"1" = "support"
"2" = "soporte"
[queues.soporte]
policy = "checkin"
language = "es-ES"
"""
CALLER = "+14155550100"


def rings(twilio: SignedClient, call: str, url: str = "/voice/incoming?queue=support"):
    return twilio.post(url, {"CallSid": call, "From": CALLER})


def logged_queues(app) -> list[tuple[str, str]]:  # noqa: ANN001
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(calls.c.call_id, calls.c.queue))]


def follow(twilio: SignedClient, answer, call: str, **form: str):  # noqa: ANN001, ANN201
    """What Twilio does next with `answer`: its Gather's action with `form` (a key), or its
    Redirect with the call's own parameters."""
    document = parse(answer.data)
    if form:
        return twilio.post(document.find("Gather").get("action"),
                           {"CallSid": call, "From": CALLER, **form})
    return twilio.post(document.find("Redirect").text, {"CallSid": call, "From": CALLER})


def test_the_menu_says_each_option_in_its_queues_language_and_voice(make_app):
    app = make_app(MENU)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    document = parse(rings(twilio, sid("CA1")).data)
    gather = document.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action").startswith("/voice/language")
    said = [(say.text, say.get("voice"), say.get("language")) for say in gather.iter("Say")]
    assert said == [("For English, press 1.", "Polly.Joanna", "en-US"),
                    ("Para español, pulse 2.", "Polly.Lucia", "es-ES")]
    assert document.find("Enqueue") is None  # nobody is in line before they choose
    assert "menu=done" in document.find("Redirect").text
    assert logged_queues(app) == []  # nor in the log


def test_a_key_sends_the_caller_to_its_queue_where_the_call_begins(make_app):
    app = make_app(MENU)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    chosen = follow(twilio, rings(twilio, sid("CA1")), sid("CA1"), Digits="2")
    enqueued = parse(follow(twilio, chosen, sid("CA1")).data)
    assert enqueued.find("Enqueue").text == "soporte"
    assert logged_queues(app) == [(sid("CA1"), "soporte")]


def test_no_key_or_another_key_keeps_the_caller_in_the_queue_they_rang(make_app):
    app = make_app(MENU)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    quiet = parse(follow(twilio, rings(twilio, sid("CA1")), sid("CA1")).data)
    other = follow(twilio, rings(twilio, sid("CA2")), sid("CA2"), Digits="7")
    other_enqueued = parse(follow(twilio, other, sid("CA2")).data)
    assert quiet.find("Enqueue").text == other_enqueued.find("Enqueue").text == "support"
    assert sorted(logged_queues(app)) == sorted([(sid("CA1"), "support"),
                                                 (sid("CA2"), "support")])


def test_the_chosen_queue_closed_says_so_in_its_language(make_app):
    closed = MENU + ('[queues.soporte.hours]\ntimezone = "UTC"\n'  # shut at the clock's 9:00
                     'monday = "13:00-14:00"\n')
    app = make_app(closed)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    chosen = follow(twilio, rings(twilio, sid("CA1")), sid("CA1"), Digits="2")
    answer = parse(follow(twilio, chosen, sid("CA1")).data)
    assert answer.find("Enqueue") is None
    assert "Ahora estamos cerrados" in " ".join(say.text for say in answer.iter("Say"))


def test_the_menu_and_the_choice_answer_with_the_database_locked(make_app, sqlite_url):
    app = make_app(MENU)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    with locked_sqlite(sqlite_url, "EXCLUSIVE"), request_budget(app, 0.2):
        menu = rings(twilio, sid("CA1"))
        chosen = follow(twilio, menu, sid("CA1"), Digits="2")
    assert parse(menu.data).find("Gather") is not None
    assert "queue=soporte" in parse(chosen.data).find("Redirect").text


def test_a_queue_without_a_menu_enqueues_at_once(make_app):
    app = make_app(MENU.replace('"1" = "support"\n"2" = "soporte"\n', ""))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    assert parse(rings(twilio, sid("CA1")).data).find("Enqueue").text == "support"


def test_the_choice_refuses_what_is_not_a_key(make_app):
    app = make_app(MENU)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/language?queue=support",
                         {"CallSid": sid("CA1"), "From": CALLER, "Digits": "2<x>"})
    assert answer.status_code == 400 and b"Digits" in answer.data


def test_a_key_pressed_in_a_menu_whose_queue_was_removed_meanwhile_is_still_its_option(make_app):
    """The caller chose from the menu they heard: removed while they listened, its queue takes
    nobody new, but "Para español, pulse 2" still sends them to soporte, which runs (it had
    been read in the default queue's menu, which has no 2: English support)."""
    with_sales = ('[queues.support]\npolicy = "checkin"\n[queues.sales]\npolicy = "checkin"\n'
                  '[queues.sales.language_menu]\n"2" = "soporte"\n'
                  '[queues.soporte]\npolicy = "checkin"\nlanguage = "es-ES"\n')
    app = make_app(with_sales)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    menu = rings(twilio, sid("CA1"), "/voice/incoming?queue=sales")
    apply(app.extensions["holdwell"],
          parse_config(tomllib.loads(with_sales.split("[queues.sales]")[0]
                                     + with_sales.split('"2" = "soporte"\n')[1]), "v2"),
          before=parse_config(tomllib.loads(with_sales), "v1"))
    chosen = follow(twilio, menu, sid("CA1"), Digits="2")
    assert "queue=soporte" in parse(chosen.data).find("Redirect").text
    assert parse(follow(twilio, chosen, sid("CA1")).data).find("Enqueue").text == "soporte"
    new = parse(rings(twilio, sid("CA2"), "/voice/incoming?queue=sales").data)
    assert new.find("Enqueue").text == "support"  # sales takes nobody new, nor offers its menu


def test_a_caller_ringing_a_removed_queue_about_its_callback_is_asked_before_any_menu(
        make_app, clock):
    """A number still naming a removed queue joins the default queue: its menu had come
    first, and the call after it named the default queue, so the removed queue's callback
    to this caller was never looked up, and they were queued while it stood (both)."""
    with_sales = ('[line]\nsupport_number = "+14155550000"\n' + MENU
                  + '[queues.sales]\npolicy = "callback"\n'
                  '[queues.sales.callback]\noffer_without_estimate_after_s = 0\n')
    app = make_app(with_sales)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    booking = sid("CAsales")
    rings(twilio, booking, "/voice/incoming?queue=sales")
    book_from_the_line(twilio, booking, "sales", clock)
    apply(app.extensions["holdwell"],
          parse_config(tomllib.loads(with_sales.split("[queues.sales]")[0]), "v2"),
          before=parse_config(tomllib.loads(with_sales), "v1"))
    clock.advance(60)
    answer = rings(twilio, sid("CAagain"), "/voice/incoming?queue=sales")
    again = parse(answer.data)
    assert again.find("Enqueue") is None and again.find("Redirect") is None
    assert "already have a call back booked" in spoken(answer.data)
    menu = parse(twilio.post("/voice/incoming?queue=sales",  # another caller: the menu
                             {"CallSid": sid("CAother"), "From": "+14155550199"}).data)
    assert menu.find("Gather").get("action").startswith("/voice/language")


def test_a_caller_with_a_callback_in_the_other_language_is_asked_before_waiting_too(
        make_app, clock):
    """One number now serves both queues: a caller who booked a callback in soporte (they
    pressed 2), rings again and presses nothing is asked, in support, whether to keep it or
    wait instead; they had been queued in support while the callback stood (both)."""
    config = ('[line]\nsupport_number = "+14155550000"\n'
              + MENU.replace('[queues.soporte]\npolicy = "checkin"',
                             '[queues.soporte]\npolicy = "callback"')
              + '[queues.soporte.callback]\noffer_without_estimate_after_s = 0\n')
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    booking = sid("CAbook")
    follow(twilio, follow(twilio, rings(twilio, booking), booking, Digits="2"), booking)
    book_from_the_line(twilio, booking, "soporte", clock)
    with app.extensions["holdwell"].store.engine.connect() as conn:
        assert conn.execute(select(callbacks.c.queue, callbacks.c.status)).all() == [
            ("soporte", "pending")]
    clock.advance(60)
    again = sid("CAagain")
    answer = follow(twilio, rings(twilio, again), again)  # presses nothing: support
    assert parse(answer.data).find("Enqueue") is None
    assert "already have a call back booked" in spoken(answer.data)
    waits = twilio.post(parse(answer.data).find("Gather").get("action"),
                        {"CallSid": again, "From": CALLER, "Digits": "2"})
    assert parse(waits.data).find("Enqueue").text == "support"  # waits instead: never both
    with app.extensions["holdwell"].store.engine.connect() as conn:
        assert conn.execute(select(callbacks.c.status)).scalars().all() == ["cancelled"]


def test_a_caller_with_a_callback_in_the_queue_rung_who_chooses_another_is_asked_there(
        make_app, clock):
    """The other way round, the menu not offering its own queue: booked in support (they
    pressed nothing), they ring again and press 2; soporte asks them, in Spanish."""
    config = ('[line]\nsupport_number = "+14155550000"\n'
              + MENU.replace('"1" = "support"\n', "").replace(
                  '[queues.support]\npolicy = "checkin"', '[queues.support]\npolicy = "callback"')
              + '[queues.support.callback]\noffer_without_estimate_after_s = 0\n')
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    booking = sid("CAbook")
    follow(twilio, rings(twilio, booking), booking)
    book_from_the_line(twilio, booking, "support", clock)
    clock.advance(60)
    again = sid("CAagain")
    answer = follow(twilio, follow(twilio, rings(twilio, again), again, Digits="2"), again)
    assert parse(answer.data).find("Enqueue") is None
    assert "queue=soporte" in parse(answer.data).find("Gather").get("action")
