"""At queue-full a callback is booked only once its number is read back and confirmed, as in
line (an audit found the queue-full key booking the caller ID unheard, while in line the
number is read back and confirmed with 1)."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.test_overflow_voicemail import LINE, RESULT, call, rows
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN

CHOICE = "/voice/overflow/choice?policy=checkin&queue=support"
CALLER = "+14155550187"


@pytest.fixture
def turned_away(make_app):
    """A caller the full queue turned away, who pressed 2 for a callback."""
    app = make_app(LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", call("c1", From=CALLER))
    twilio.post(RESULT, call("c1", From=CALLER, QueueResult="queue-full"))
    pressed = twilio.post(CHOICE, call("c1", From=CALLER, Digits="2"))
    return app, twilio, pressed


def test_the_callback_key_reads_the_number_back_and_books_nothing_yet(turned_away):
    app, _, pressed = turned_away
    assert top_verbs(pressed.data) == ["Gather", "Say", "Hangup"]
    gather = parse(pressed.data).find("Gather")
    assert spoken(pressed.data).startswith(
        "We will call you back at the number ending in 0 1 8 7. Press 1 to confirm.")
    assert gather.get("action").startswith("/voice/overflow/confirm?")
    assert rows(app) == []  # nothing promised before the caller confirms


def test_pressing_1_books_the_number_read_back(turned_away):
    app, twilio, pressed = turned_away
    confirm = parse(pressed.data).find("Gather").get("action")
    booked = twilio.post(confirm, call("c1", From=CALLER, Digits="1"))
    assert top_verbs(booked.data) == ["Say", "Hangup"]
    assert "We will call you back at the number you are calling from" in spoken(booked.data)
    assert [r["number"] for r in rows(app)] == [CALLER]


def test_no_key_books_nothing_and_says_goodbye_without_a_place(turned_away):
    app, _, pressed = turned_away
    after = spoken(pressed.data).split("Press 1 to confirm.", 1)[1]
    assert after.strip() == "Please call again a little later. Goodbye."
    assert "place" not in spoken(pressed.data) and rows(app) == []


def test_a_wrong_key_asks_once_more_then_says_goodbye(turned_away):
    app, twilio, pressed = turned_away
    confirm = parse(pressed.data).find("Gather").get("action")
    again = twilio.post(confirm, call("c1", From=CALLER, Digits="2"))
    assert spoken(again.data).startswith("Sorry, that key does nothing here. We will call you "
                                         "back at the number ending in 0 1 8 7.")
    assert "place in line" not in spoken(again.data)  # they were never in line
    twice = twilio.post(parse(again.data).find("Gather").get("action"),
                        call("c1", From=CALLER, Digits="2"))
    assert top_verbs(twice.data) == ["Say", "Hangup"] and rows(app) == []


@pytest.mark.parametrize("wrong", ["9", "1"])
def test_a_wrong_key_at_the_full_offer_is_said_so_and_offered_once_more(make_app, wrong):
    """Every other menu says a key does nothing and asks once more; the queue-full offer had
    said "Please call again a little later. Goodbye." and hung up at the first wrong key."""
    app = make_app(LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", call("c1", From=CALLER))
    offer = twilio.post(RESULT, call("c1", From=CALLER, QueueResult="queue-full"))
    choice = parse(offer.data).find("Gather").get("action")
    again = twilio.post(choice, call("c1", From=CALLER, Digits=wrong))
    assert top_verbs(again.data) == ["Say", "Gather", "Say", "Hangup"]
    said = spoken(again.data)
    assert said.startswith("Sorry, that key does nothing here. Sorry, our line is full right "
                           "now. Press 2 and we will call you back when your turn comes. "
                           "Press 3 to leave a message")
    assert said.endswith("Please call again a little later. Goodbye.")
    assert "place" not in said  # never in line
    retry = parse(again.data).find("Gather").get("action")
    assert "again=1" in retry
    twice = twilio.post(retry, call("c1", From=CALLER, Digits=wrong))  # a second wrong key
    assert top_verbs(twice.data) == ["Say", "Hangup"]
    assert spoken(twice.data) == "Please call again a little later. Goodbye."
    booked = twilio.post(retry, call("c1", From=CALLER, Digits="2"))  # or the key after all
    assert spoken(booked.data).startswith("We will call you back at the number ending in 0 1 8 7")
    silent = twilio.post(retry, call("c1", From=CALLER))  # no key: goodbye
    assert spoken(silent.data) == "Please call again a little later. Goodbye."
    assert rows(app) == []
