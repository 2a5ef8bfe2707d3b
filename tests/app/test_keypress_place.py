"""A key press comes without Twilio's position (Gather actions carry none): the caller's place
is the one logged at their last poll. Callbacks booked since by callers who were ahead then
were counted in that place already: they must not be added again, or the window promised
grows between the offer and the confirmation (a reviewer heard "within 30 minutes" offered
and "within 45" confirmed)."""

from __future__ import annotations

from app import create_app
from app.clock import ManualClock
from app.signed_client import SignedClient
from app.storage.migrate import upgrade
from tests.app.test_callback_rest import REST_CONFIG
from tests.app.test_callbacks import CHOICE, WAIT
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def line_of_three(config_file, folder, *, book_before_last_poll: bool):
    """A, B and C wait (C third); A and B book callbacks, before or after C's last poll.
    Each line has its own database and its own clock, read the same in both."""
    url = f"sqlite:///{folder / 'line.db'}"
    upgrade(url)
    clock = ManualClock()
    app = create_app({"auth_token": AUTH_TOKEN, "database_url": url, "db_budget_s": 5.0,
                      "config_path": config_file(REST_CONFIG),
                      "journal_dir": str(folder / "journal")}, clock=clock)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(3):  # departures, so an offer can name a window
        twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAold{n}"),
                                                     "QueueTime": "9"})
        clock.advance(20)
    for n, who in enumerate(("A", "B", "C"), 1):
        twilio.post("/voice/incoming", {"CallSid": sid(who), "From": f"+1415555010{n}"})
        twilio.post(WAIT, {**wait_form(sid(who), queue_time=0, position=n, size=n),
                           "From": f"+1415555010{n}"})
        clock.advance(1)
    clock.advance(60)

    def book() -> None:
        for n, who in enumerate(("A", "B"), 1):
            form = {**wait_form(sid(who), queue_time=70, position=1, size=3), "Digits": "2",
                    "From": f"+1415555010{n}"}  # each on their own number
            offer = twilio.post(CHOICE, form)
            twilio.post(parse(offer.data).find("Gather").get("action"), {**form, "Digits": "1"})

    if book_before_last_poll:
        book()
        clock.advance(2)
        twilio.post(WAIT, wait_form(sid("C"), queue_time=60, position=1, size=1))
    else:
        twilio.post(WAIT, wait_form(sid("C"), queue_time=58, position=3, size=3))
        clock.advance(2)
        book()
    clock.advance(5)
    return app, twilio, clock


def test_a_callback_booked_since_the_last_poll_is_not_counted_twice(config_file, tmp_path):
    offers = []
    for before in (True, False):
        folder = tmp_path / str(before)
        folder.mkdir()
        app, twilio, clock = line_of_three(config_file, folder, book_before_last_poll=before)
        key = {"CallSid": sid("C"), "From": "+14155550103"}  # a Gather action: no position
        check = twilio.post(CHOICE, {**key, "Digits": "2"})
        confirmed = twilio.post(parse(check.data).find("Gather").get("action"),
                                {**key, "Digits": "1"})
        offers.append(spoken(confirmed.data))
    assert "within" in offers[0] and offers[0] == offers[1]  # the window, said the same
