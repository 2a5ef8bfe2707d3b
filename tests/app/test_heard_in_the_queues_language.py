"""A caller on a non-English line hears only their language: every path walked through the
real routes, in each language with words of its own, on queues that set nothing but their
`language`.

A Spanish queue with only `language = "es-ES"` had said "Sorry to keep you waiting. You are
number 3 in line. We expect to answer you within 15 minutos." and "Thank you. We will call
you back ... within más de una hora." (caller audit): holdwell's defaults were English.

The walk goes through the welcome, check-ins with and without an estimate, every key of the
callback flow (a number read back, keyed in, refused, given up), the reason question,
closing time and a closed line (a callback booked, refused, full), the overflow offer and a
message, Twilio's queue-full and errors, a caller ringing back with a callback booked or
after a dropped line, the agent's briefs, a callback's customer (dialled by the agent, or
rung first and held), and what each route says when the database fails. Every <Say> is
kept; then:
- each is in the queue's language and voice (its `language` attribute, a voice that speaks
  it);
- none holds a word only English has (every English default and built-in word, less those
  the language shares);
- every text the language has (hold_policies/languages.toml: its defaults, its fixed texts)
  was heard, save those named in NOT_WALKED with why: a text added later is walked here too,
  or named there.
English is walked the same way as a control: the walk reaches what it claims to.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask import request

from app.signed_client import SignedClient
from app.storage.call_log import Written
from app.storage.deadline import DatabaseUnavailable, Unsettled
from app.storage.migrate import upgrade
from emulator import documents
from emulator.ears import ears_for
from emulator.listening import listen
from hold_policies.closed_line import ClosedWords
from hold_policies.languages import ENGLISH, is_english_region, language_of
from hold_policies.overflow_rules import OverflowWords
from hold_policies.prompts import WELCOME_BY_POLICY, Prompts
from hold_policies.voices import voice_language
from tests.conftest import AUTH_TOKEN
from tests.support.broken_store import break_store
from tests.support.sids import sid

TAGS = ("es-ES", "es-MX", "pt-BR", "pt-PT", "it-IT", "fr-FR", "de-DE", "nl-NL", "en-US")
LINE, FROM, OTHER, THIRD = "+14155550000", "+14155550100", "+14155550123", "+14155550177"
NINTH = "+14155550199"
KEYED = "2125550199"
REASON = {"es": "Quiero cambiar mi dirección", "pt": "Quero mudar o meu endereço",
          "it": "Vorrei cambiare il mio indirizzo", "fr": "Je souhaite changer mon adresse",
          "de": "Ich möchte meine Adresse ändern", "nl": "Ik wil mijn adres wijzigen",
          "en": "I want to change my address"}
TRANSCRIPT = {"es": "Llámenme por mi pedido", "pt": "Liguem-me por causa da encomenda",
              "it": "Richiamatemi per il mio ordine", "fr": "Rappelez-moi pour ma commande",
              "de": "Rufen Sie mich wegen meiner Bestellung zurück",
              "nl": "Bel mij terug over mijn bestelling", "en": "Call me about my order"}
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def config(tag: str) -> str:
    return f"""
[line]
support_number = "{LINE}"
[callbacks]
max_attempts = 2
[estimate]
min_departures = 1
[queues.ventas]
policy = "callback"
language = "{tag}"
[queues.ventas.callback]
offer_without_estimate_after_s = 0
offer_after_estimate_s = 0
ask_reason = true
[queues.ventas.hours]
timezone = "UTC"
monday = "08:00-18:00"
tuesday = "08:00-18:00"
callbacks_per_opening = 1
[queues.ventas.overflow]
max_wait_s = 1800
when_full = true
voicemail = true
transcribe = true
message_max_s = 60
voicemail_key = "3"
[queues.ventas.resume]
within_s = 300
[queues.espera]
policy = "checkin"
language = "{tag}"
[queues.espera.checkin]
first_checkin_s = 300
[queues.salida]
policy = "checkin"
language = "{tag}"
[queues.salida.overflow]
max_wait_s = 120
after_offer = "leave"
[queues.silencio]
policy = "silence"
language = "{tag}"
[queues.musica]
policy = "music_ads"
language = "{tag}"
[queues.musica.overflow]
max_wait_s = 120
"""


@dataclass
class Walk:
    """One language's walk: the app, its clock, and every <Say> its answers held."""

    client: SignedClient
    app: object
    clock: object
    monkeypatch: pytest.MonkeyPatch
    code: str
    said: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)

    def post(self, url: str, form: dict[str, str]) -> ElementTree.Element:
        response = self.client.post(url, form)
        assert response.status_code in (200, 204), (url, response.status_code, response.data)
        return ElementTree.fromstring(response.data) if response.data else ElementTree.Element(
            "Response")

    @property
    def store(self):  # noqa: ANN201 - the app's call log
        return self.app.extensions["holdwell"].store

    @contextmanager
    def failing(self, method: str, error: Exception | None = None, returns: object = None):
        """The call log's `method` raising `error` (or returning `returns`) meanwhile."""
        def instead(*_args, **_kwargs):
            if error is not None:
                raise error
            return returns

        with self.monkeypatch.context() as patch:
            patch.setattr(self.store, method, instead)
            yield

    def at(self, when: datetime) -> None:
        self.clock.set(when)


def action(root: ElementTree.Element, verb: str = "Gather") -> str:
    found = root.find(f".//{verb}")
    assert found is not None, ElementTree.tostring(root)
    return found.get("waitUrl" if verb == "Enqueue" else "action") or ""


def form(call: str, queue_time: float | None = None, position: int = 3, caller: str = FROM,
         **extra: str) -> dict[str, str]:
    params = {"CallSid": sid(call), "From": caller, **extra}
    if queue_time is not None:
        params |= {"QueueTime": str(int(queue_time)), "QueuePosition": str(position),
                   "CurrentQueueSize": "9"}
    return params


def url(route: str, queue: str, policy: str | None = None, **args: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"policy": policy, "queue": queue, **args}.items()
                     if v is not None)
    return f"/voice/{route}?{query}"


def enter(w: Walk, call: str, queue: str = "ventas", caller: str = FROM) -> str:
    """A new call: in line, welcomed; its wait URL."""
    joined = w.post(url("incoming", queue), form(call, caller=caller))
    wait = action(joined, "Enqueue")
    w.post(wait, form(call, 0, caller=caller))
    return wait.replace("&welcome=1", "")


def waited(w: Walk, wait: str, call: str, seconds: float, caller: str = FROM,
           queue_time: float | None = None, position: int = 3) -> ElementTree.Element:
    """The next wait document `seconds` later (at `queue_time` in line: default `seconds`)."""
    w.clock.advance(seconds)
    return w.post(wait, form(call, seconds if queue_time is None else queue_time, position,
                             caller=caller))


def press(w: Walk, at: str, call: str, digits: str, caller: str = FROM, **extra: str):
    return w.post(at, form(call, caller=caller, Digits=digits, **extra))


def agent(w: Walk, queue: str = "ventas", name: str = "agent") -> ElementTree.Element:
    return w.post(url("agent", queue), {"CallSid": sid(name), "To": LINE})


def book(w: Walk, call: str, caller: str, keyed: str = "") -> None:
    """A callback booked from a check-in: the caller ID confirmed, or another number."""
    wait = enter(w, call, caller=caller)
    check = press(w, action(waited(w, wait, call, 60, caller=caller)), call, "2",
                  caller=caller, QueueTime="61")
    if keyed:
        check = press(w, action(press(w, action(check), call, "2", caller=caller)), call,
                      keyed, caller=caller)
    press(w, action(check), call, "1", caller=caller)
    w.post(wait.replace("/voice/wait", "/voice/queue-result"),
           form(call, caller=caller, QueueResult="leave", QueueTime="62"))


def before_any_answer(w: Walk) -> None:
    """No caller answered yet: nothing to estimate from, so callbacks are promised "when your
    turn comes"."""
    book(w, "nueve", NINTH)
    book(w, "diez", "+14155550110", keyed="2125550110")


def answered_calls(w: Walk) -> None:
    """A few callers answered at once (connecting without thanks), so the line has a speed and
    check-ins an estimate; the last after a wait (thanked)."""
    for n in range(4):
        wait = enter(w, f"answered{n}", caller=f"+1415555020{n}")
        w.clock.advance(3 if n < 3 else 40)
        w.post(url("connect", "ventas"), {"CallSid": sid(f"answered{n}"),
                                          "QueueTime": "3" if n < 3 else "40",
                                          "DequeingCallSid": sid("agent")})
        w.post(wait.replace("/voice/wait", "/voice/queue-result"),
               {"CallSid": sid(f"answered{n}"), "QueueResult": "bridged", "QueueTime": "3"})
        w.clock.advance(20)


def in_line(w: Walk) -> None:
    """Check-ins, the reason question and every key of the callback flow."""
    wait = enter(w, "uno")
    checkin = waited(w, wait, "uno", 60)  # a check-in with its estimate, offer and question
    choice = action(checkin)
    speech = next(g for g in checkin.iter("Gather") if g.get("input") == "speech")
    w.post(speech.get("action"), form("uno", SpeechResult=REASON[w.code[:2]],
                                      Confidence="0.9"))
    press(w, choice, "uno", "1", QueueTime="65")
    press(w, choice, "uno", "9", QueueTime="66")
    check = press(w, choice, "uno", "2", QueueTime="67")  # the caller ID read back
    press(w, action(check), "uno", "5")  # a key that does nothing there
    entry = press(w, action(check), "uno", "2")  # another number
    for _ in range(3):  # refused, then given up
        entry = press(w, action(entry), "uno", "123")
    check = press(w, choice, "uno", "2", QueueTime="80")
    entry = press(w, action(check), "uno", "2")
    keyed = press(w, action(entry), "uno", KEYED)
    press(w, action(keyed), "uno", "1")  # booked at the number keyed in
    w.post(wait.replace("/voice/wait", "/voice/queue-result"),
           form("uno", QueueResult="leave", QueueTime="85"))
    # the caller's own number, booked while a second call from it still waits
    twin = enter(w, "dos-twin", caller=OTHER)
    book(w, "dos", OTHER)
    check = press(w, twin.replace("/voice/wait", "/voice/choice"), "dos-twin", "2",
                  caller=OTHER, QueueTime="70")
    press(w, action(check), "dos-twin", "1", caller=OTHER)  # theirs is booked already
    wait = enter(w, "seis", caller="+14155550666")  # told a wait, and says why they call:
    checkin = waited(w, wait, "seis", 60, caller="+14155550666")  # the agent hears both
    speech = next(g for g in checkin.iter("Gather") if g.get("input") == "speech")
    w.post(speech.get("action"), form("seis", caller="+14155550666",
                                      SpeechResult=REASON[w.code[:2]], Confidence="0.9"))
    waited(w, wait, "seis", 70, caller="+14155550666", queue_time=130)
    # what the call log could not take: no history, no booking, a booking in doubt
    wait = enter(w, "tres", caller=THIRD)
    checkin = waited(w, wait, "tres", 60, caller=THIRD)
    with w.failing("snapshot"):
        press(w, action(checkin), "tres", "2", caller=THIRD, QueueTime="61")
    check = press(w, action(checkin), "tres", "2", caller=THIRD, QueueTime="62")
    with w.failing("store_now", DatabaseUnavailable("down")):
        press(w, action(check), "tres", "1", caller=THIRD)
    with w.failing("store_now", Unsettled("cut off")):
        press(w, action(check), "tres", "1", caller=THIRD)
    with w.failing("poll", DatabaseUnavailable("down")), w.failing("snapshot"):
        waited(w, wait, "tres", 60, caller=THIRD)  # a check-in without the log


def returning(w: Walk) -> None:
    """Ringing back with a callback booked (OTHER's): kept, traded, asked again, in doubt."""
    def asked(call: str) -> str:
        return action(w.post(url("incoming", "ventas"), form(call, caller=OTHER)))

    question = asked("back1")
    press(w, question, "back1", "7", caller=OTHER)  # a key that does nothing: asked again
    press(w, question, "back1", "1", caller=OTHER)
    with w.failing("store_now", Unsettled("cut off")):
        press(w, asked("back2"), "back2", "2", caller=OTHER)
    with w.failing("store_now", DatabaseUnavailable("down")):
        press(w, asked("back3"), "back3", "2", caller=OTHER)
    press(w, asked("back4"), "back4", "2", caller=OTHER)  # cancelled: waits instead
    gone = url("callback/returning", "ventas", "callback", booked=sid("no-such-callback"))
    press(w, gone, "back5", "2", caller=OTHER)


def dropped_and_back(w: Walk) -> None:
    wait = enter(w, "siete", caller="+14155550444")
    waited(w, wait, "siete", 60, caller="+14155550444")
    w.clock.advance(5)
    w.post(wait.replace("/voice/wait", "/voice/queue-result"),
           form("siete", caller="+14155550444", QueueResult="hangup", QueueTime="65"))
    w.clock.advance(20)
    w.post(url("incoming", "ventas"), form("siete-back", caller="+14155550444"))


def dialled(w: Walk, name: str) -> tuple[ElementTree.Element, str]:
    """The next agent's <Dial> of a callback, and its result's URL."""
    answer = agent(w, name=name)
    fence = {k: v[0] for k, v in parse_qs(urlsplit(action(answer, "Dial")).query).items()}
    assert "claim" in fence, (name, ElementTree.tostring(answer))
    return answer, url("callback/dial-result", "ventas", None, call=fence["call"],
                       claim=fence["claim"])


def callbacks_dialled(w: Walk) -> None:
    """The agents' side: briefs, the customer's greeting, unanswered attempts (tried again,
    or the last), already helped; the held customer of a callback rung first."""
    w.clock.advance(120)
    answer, _ = dialled(w, "agent1")  # the oldest: "nueve"'s, who rings while it is dialled
    question = action(w.post(url("incoming", "ventas"), form("nueve-back", caller=NINTH)))
    press(w, question, "nueve-back", "2", caller=NINTH)  # on its way: it stands
    number = answer.find(".//Number").get("url")
    w.post(number, {"CallSid": sid("leg1"), "AnsweredBy": "human"})
    with w.failing("write", returns=Written(True, False)):  # answered on their own meanwhile
        w.post(number, {"CallSid": sid("leg1b"), "AnsweredBy": "human"})
    for last in (False, True):  # "diez"'s, then "uno"'s (told the words they gave)
        for name in ("diez", "uno"):
            _, result = dialled(w, f"agent-{name}-{last}")
            if name == "diez":
                w.post(result, {"CallSid": sid("agent"), "DialCallStatus": "no-answer",
                                "DialCallSid": sid(f"leg-{name}-{last}")})
            else:  # rung first and held: Twilio refused it the priority queue
                w.post(result.replace("dial-result", "rest-result").replace("queue=ventas&",
                                                                            ""),
                       {"CallSid": sid(f"leg-{name}-{last}"), "QueueResult": "queue-full"})
        w.clock.advance(900)
    seis = url("wait", "ventas", "callback")  # still in line, polled: the next agent is told
    w.post(seis, form("seis", 60 + 70 + 1800 + 120, position=1, caller="+14155550666"))
    agent(w, name="agent-briefed")  # what "seis" said, where they were, the wait told
    held = {"call": sid("dos"), "claim": "0" * 32}
    w.post(url("callback/rest-answer", "ventas", None, **held),
           {"CallSid": sid("rest-leg"), "AnsweredBy": "human"})
    for position in ("1", "2"):
        w.post(url("callback/rest-wait", "ventas"),
               {"CallSid": sid("rest-leg"), "QueueTime": "60", "QueuePosition": position})


def closing_time(w: Walk) -> None:
    """A callback pressed for as the line closes, and a caller still in line after it."""
    w.at(MONDAY.replace(hour=17, minute=30))
    wait = enter(w, "cuatro", caller="+14155550555")
    checkin = waited(w, wait, "cuatro", 60, caller="+14155550555")
    press(w, action(checkin), "cuatro", "2", caller="+14155550555", QueueTime="61")
    w.at(MONDAY.replace(hour=17, minute=55))  # full, too near closing for "a little later"
    w.post(url("queue-result", "ventas", "callback"),
           form("lleno-cierre", caller="+14155550556", QueueResult="queue-full"))
    w.at(MONDAY.replace(hour=18, minute=5))
    checkin = w.post(wait, form("cuatro", 2100 - 1800 + 300, caller="+14155550555"))
    press(w, action(checkin), "cuatro", "2", caller="+14155550555", QueueTime="601")


def closed_line(w: Walk) -> None:
    """Outside hours: when it opens, the callback offer, a wrong key, booked, full, and what
    the call log could not take."""
    w.at(MONDAY.replace(hour=19))
    offers = {}
    for name, caller in (("b", "+14155550801"), ("c", "+14155550802"),
                         ("d", "+14155550803"), ("e", "+14155550804")):
        offers[name] = action(w.post(url("incoming", "ventas"), form(f"closed-{name}",
                                                                     caller=caller)))
    wrong = press(w, offers["b"], "closed-b", "9", caller="+14155550801")
    press(w, action(wrong), "closed-b", "9", caller="+14155550801")
    press(w, offers["b"], "closed-b", "1", caller="+14155550801")  # booked
    press(w, offers["c"], "closed-c", "1", caller="+14155550802")  # the opening is full
    with w.failing("store_now", DatabaseUnavailable("down")):
        press(w, offers["d"], "closed-d", "1", caller="+14155550803")
    with w.failing("store_now", Unsettled("cut off")):
        press(w, offers["e"], "closed-e", "1", caller="+14155550804")
    w.post(url("incoming", "ventas"), form("closed-b2", caller="+14155550801"))  # booked: said
    w.at(MONDAY.replace(hour=8) + timedelta(days=1))  # the opening: its booking is dialled
    agent(w, name="agent-morning")


def overflow(w: Walk) -> None:
    """Past the maximum wait: the offer, a message; the full queue's offer; leaving."""
    w.at(MONDAY.replace(hour=10) + timedelta(days=1))
    wait = enter(w, "cinco", caller="+14155550901")
    offer = waited(w, wait, "cinco", 1810, caller="+14155550901")
    press(w, action(offer), "cinco", "3", caller="+14155550901", QueueTime="1812")
    result = wait.replace("/voice/wait", "/voice/queue-result")
    w.post(result, form("cinco", caller="+14155550901", QueueResult="leave", QueueTime="1815"))
    recorded = url("voicemail/recorded", "ventas")
    recording = sid("msg", "RE")
    w.post(recorded, form("cinco", caller="+14155550901", Digits="#", RecordingSid=recording,
                          RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC1/"
                                       f"Recordings/{recording}", RecordingDuration="12"))
    w.post(url("voicemail/transcribed", "ventas"),
           {"CallSid": sid("cinco"), "RecordingSid": recording,
            "TranscriptionText": TRANSCRIPT[w.code[:2]], "TranscriptionStatus": "completed"})
    with w.failing("read", DatabaseUnavailable("down")):  # did they choose a message?
        w.post(result, form("cinco", caller="+14155550901", QueueResult="leave"))
    withheld = enter(w, "oculto", caller="anonymous")
    offer = waited(w, withheld, "oculto", 1810, caller="anonymous")
    press(w, action(offer), "oculto", "3", caller="anonymous", QueueTime="1811")
    busy = enter(w, "ocho", caller="+14155550902")
    offer = waited(w, busy, "ocho", 1810, caller="+14155550902")
    with w.failing("store_now", DatabaseUnavailable("down")):
        press(w, action(offer), "ocho", "3", caller="+14155550902", QueueTime="1811")
    w.clock.advance(60)
    agent(w, name="agent-message")  # the message's callback: its words first
    # Twilio's queue-full: the offer outside the line
    full = w.post(url("queue-result", "ventas", "callback"),
                  form("lleno", caller="+14155550903", QueueResult="queue-full"))
    again = press(w, action(full), "lleno", "9", caller="+14155550903")
    check = press(w, action(again), "lleno", "2", caller="+14155550903")
    check = press(w, action(check), "lleno", "5", caller="+14155550903")
    press(w, action(check), "lleno", "1", caller="+14155550903")
    press(w, action(full), "lleno-oculto", "2", caller="anonymous")
    check = press(w, action(full), "lleno2", "2", caller="+14155550904")
    with w.failing("store_now", DatabaseUnavailable("down")):
        press(w, action(check), "lleno2", "1", caller="+14155550904")
    with w.failing("store_now", Unsettled("cut off")):
        press(w, action(check), "lleno2", "1", caller="+14155550904")
    # a queue whose offer ends the wait: the keep key pressed as it comes, then the offer;
    # and one without check-ins, hearing it again
    gone = enter(w, "salida", "salida", caller="+14155550905")
    checkin = waited(w, gone, "salida", 60, caller="+14155550905")
    w.clock.advance(65)
    press(w, action(checkin), "salida", "1", caller="+14155550905", QueueTime="125")
    waited(w, gone, "salida", 5, caller="+14155550905", queue_time=130)
    music, music_time = enter(w, "musica", "musica", caller="+14155550906"), 0
    for queue_time in (60, 130, 200, 320):  # the offer past 120 s, then again
        w.clock.advance(queue_time - int(music_time))
        music_time = queue_time
        w.post(music, form("musica", queue_time, caller="+14155550906"))


def out_of_the_line(w: Walk) -> None:
    """Twilio's results: an error puts the caller back once, a second ends the call; a full
    queue without an offer; the other queues' welcomes; a caller answered at once."""
    result = url("queue-result", "espera", "checkin")
    w.post(result, form("err", QueueResult="error", QueueTime="30"))
    w.post(result + "&episode=1", form("err", QueueResult="error", QueueTime="30"))
    w.post(result, form("full", QueueResult="queue-full"))
    for queue in ("espera", "silencio", "musica"):  # the head of a line with no callbacks
        wait = enter(w, f"w-{queue}", queue, caller="+14155550990")
        waited(w, wait, f"w-{queue}", 300, caller="+14155550990", position=1)


def database_down(w: Walk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every route's own safe answer, the call log failing behind each."""
    with monkeypatch.context() as patch:
        patch.setattr(w, "monkeypatch", patch)
        break_store(w.app, patch)
        w.post(url("incoming", "ventas"), form("down"))
        w.post(url("wait", "ventas", "callback", welcome="1"), form("down", 0))
        w.post(url("choice", "ventas", "callback"), form("down", 60, Digits="2"))
        w.post(url("callback/confirm", "ventas", "callback", number=FROM),
               form("down", 60, Digits="1"))
        w.post(url("queue-result", "ventas", "callback"),
               form("down", QueueResult="error", QueueTime="60"))
        w.post(url("closed/book", "ventas", "callback"), form("down", Digits="1"))
        w.post(url("overflow/choice", "ventas", "callback"), form("down", Digits="2"))
        w.post(url("voicemail/recorded", "ventas"), form(
            "down", RecordingDuration="3", RecordingSid=sid("m2", "RE"),
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/"
                         f"{sid('m2', 'RE')}"))
        w.post(url("connect", "ventas"), {"CallSid": sid("down"), "QueueTime": "60"})
        w.post(url("callback/answer", "ventas", None, call=sid("uno"), claim="2" * 32),
               {"CallSid": sid("leg"), "AnsweredBy": "human"})
        w.post(url("callback/rest-answer", "ventas", None, call=sid("uno"), claim="2" * 32),
               {"CallSid": sid("leg"), "AnsweredBy": "human"})
        w.post(url("callback/returning", "ventas", "callback", booked=sid("uno")),
               form("down", Digits="2"))


def walk(make_app, clock, monkeypatch, tag: str) -> Walk:
    clock.set(MONDAY)
    app = make_app(config(tag))
    w = Walk(SignedClient(app.test_client(), AUTH_TOKEN), app, clock, monkeypatch, tag)

    @app.after_request
    def keep(response):  # noqa: ANN001, ANN202 - a Flask hook
        if response.mimetype == "text/xml" and response.get_data():
            root = ElementTree.fromstring(response.get_data())
            w.said += [(request.path, node.text or "", node.get("voice"),
                        node.get("language")) for node in root.iter("Say")]
        return response

    before_any_answer(w)
    answered_calls(w)
    in_line(w)
    returning(w)
    dropped_and_back(w)
    callbacks_dialled(w)
    closing_time(w)
    closed_line(w)
    overflow(w)
    out_of_the_line(w)
    database_down(w, monkeypatch)
    return w


WORD_NAMES = ("one_minute", "minutes", "an_hour", "one_hour", "hours", "over_an_hour",
              "open_ended", "today", "tomorrow", "this_week", "later", "midnight", "noon",
              "tonight", "tomorrow_night", "this_week_night", "later_night")
"""A language's words of time and waiting (hold_policies.languages.Language)."""


def _texts(language) -> dict[str, str]:  # noqa: ANN001 - a Language
    """Every text `language` has of its own that the walk can hear, by where it is written:
    its defaults (for English, the dataclasses' own), its fixed texts."""
    if is_english_region(language.code) or language is ENGLISH:  # an English region's few
        words = getattr(language, "words", {})  # words over the dataclasses' own (en-US)
        tables = {name: {**table, **words.get(name, {})} for name, table in {
            "prompts": {k: v for k, v in asdict(Prompts()).items() if k != "welcome"},
            "closed_line": asdict(ClosedWords()), "overflow": asdict(OverflowWords()),
            "welcome": WELCOME_BY_POLICY}.items()}
    else:
        tables = {name: table for name, table in getattr(language, "words", {}).items()
                  if name != "texts"}
    return {f"{table}.{k}": v for table, texts in tables.items() for k, v in texts.items()} | {
        f"fixed.{k}": v for k, v in language.fixed.items()}


def _words(language) -> set[str]:  # noqa: ANN001 - a Language
    """Every word `language` has of its own, lower case."""
    texts = [*_texts(language).values(), *language.weekdays, *language.months,
             *(getattr(language, name) or "" for name in WORD_NAMES),
             *getattr(language, "often", {}).values(), *getattr(language, "soon", {}).values()]
    return {word.lower() for text in texts
            for word in re.findall(r"\w+", re.sub(r"\{[a-z_]+\}", " ", text))}


NOT_WALKED = {
    "prompts.agent_callback_held": "a held customer's agent (take_called_back, the log's "
                                   "HEARD): tests/app/test_customer_first_brief.py",
    "closed_line.never_opens": "a line that never opens within the search horizon",
}


def pattern(template: str) -> re.Pattern[str]:
    """A text's template as a pattern of what is said: each placeholder any words."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


@pytest.mark.parametrize("tag", TAGS)
def test_every_path_is_said_in_the_queues_language_only(make_app, clock, monkeypatch, tag):
    w = walk(make_app, clock, monkeypatch, tag)
    language = language_of(tag)
    assert len(w.said) > 200
    wrong = {(path, voice, lang) for path, _, voice, lang in w.said
             if lang != tag or (voice_language(voice) or "")[:2] != tag[:2]}
    assert not wrong, wrong  # every <Say> in the queue's language, read by a voice of it
    if language is not ENGLISH and not is_english_region(language.code):
        only_english = (_words(ENGLISH) | {"am", "pm"}) - _words(language)
        heard = sorted({text for _, text, _, _ in w.said
                        if {word.lower() for word in re.findall(r"\w+", text)} & only_english})
        assert not heard, heard  # no word only English has
    texts = _texts(language)
    unheard = sorted(name for name, template in texts.items()
                     if name not in NOT_WALKED
                     and not any(pattern(template).search(text) for _, text, _, _ in w.said))
    assert not unheard, " ".join(unheard)  # every text it has, heard


HEARD_FIELDS = ("keep_key", "callback_key", "position", "wait_s", "overflow", "voicemail_key",
                "apology")


def heard_in_line(make_app, clock, tmp_path, tag: str) -> dict[str, dict[str, object]]:
    """What the emulator's virtual caller makes of the app's own documents in `tag`: a
    check-in with its estimate and callback offer, the overflow offer with a message, the
    number read back for a callback; and the keys of a closed line's offer and of the
    question to a caller ringing back with a callback booked."""
    clock.set(MONDAY.replace(hour=10))
    queue = "ventas"
    database = f"sqlite:///{tmp_path / tag}.db"  # a call log of its own, and its own config
    upgrade(database)
    path = tmp_path / f"holdwell-{tag}.toml"
    path.write_text(config(tag), encoding="utf-8")
    app = make_app(config_path=str(path), database_url=database,
                   journal_dir=str(tmp_path / f"journal-{tag}"))
    client = SignedClient(app.test_client(), AUTH_TOKEN)
    caller, other, third = FROM, OTHER, THIRD

    def form(call: str, *args: object, **values: str) -> dict[str, str]:
        return globals()["form"](call, *args, **{"caller": caller, **values})

    def post(path: str, values: dict[str, str]) -> tuple[documents.Verb, ...]:
        response = client.post(path, values)
        assert response.status_code == 200, (path, response.data)
        return documents.parse(response.data)

    def gather(verbs: tuple[documents.Verb, ...]) -> documents.Verb:
        return next(verb for verb in verbs if verb.name == "Gather"
                    and "dtmf" in (verb.get("input") or "dtmf"))

    def heard(verbs: tuple[documents.Verb, ...]) -> dict[str, object]:
        found = listen(verbs, lambda url: 10.0).heard
        return {name: getattr(found, name) for name in HEARD_FIELDS}

    def enter(call: str, number: str) -> str:
        joined = ElementTree.fromstring(client.post(url("incoming", queue),
                                                    form(call, caller=number)).data)
        wait = action(joined, "Enqueue")
        post(wait, form(call, 0, caller=number))
        return wait.replace("&welcome=1", "")

    for n in range(4):  # answered at once: the line has a speed, so check-ins an estimate
        wait = enter(f"answered{n}", f"+141555020{n}")
        clock.advance(3)
        client.post(url("connect", queue), {"CallSid": sid(f"answered{n}"),
                                               "QueueTime": "3", "DequeingCallSid": sid("a")})
        client.post(wait.replace("/voice/wait", "/voice/queue-result"),
                    {"CallSid": sid(f"answered{n}"), "QueueResult": "bridged",
                     "QueueTime": "3"})
        clock.advance(20)
    wait = enter("uno", caller)
    clock.advance(60)
    checkin = post(wait, form("uno", 60, 3))
    check = post(gather(checkin).get("action"), form("uno", Digits="2", QueueTime="61"))
    said = documents.spoken(check[:check.index(gather(check)) + 1])
    ears = ears_for(documents.said_in(check))
    post(gather(check).get("action"), form("uno", Digits="1"))  # booked
    client.post(wait.replace("/voice/wait", "/voice/queue-result"),
                form("uno", QueueResult="leave", QueueTime="62"))
    wait = enter("cinco", other)
    clock.advance(1810)
    offer = post(wait, form("cinco", 1810, 3, caller=other))
    returning = post(url("incoming", queue), form("back"))
    clock.set(MONDAY.replace(hour=20))
    closed = post(url("incoming", queue), form("closed", caller=third))
    question = documents.spoken((gather(returning),))
    back = ears_for(documents.said_in(returning))
    return {"checkin": heard(checkin), "overflow": heard(offer),
            "number check": {"read back": ears.heard("number_check", said)},
            "closed line": {"keys": documents.offered((gather(closed),))},
            "ringing back": {"keep": back.first("keep_callback", question),
                             "wait": back.first("wait_instead", question)}}


@pytest.mark.parametrize("tag", TAGS)
def test_the_virtual_caller_hears_the_queues_language_as_it_hears_english(
        make_app, clock, tmp_path, tag):
    """A virtual caller (emulator.listening) on a Spanish, Portuguese, Italian, French, German
    or Dutch queue hears the same position, wait, apology and keys in the app's own documents
    as on an English one (it had heard none: its patterns were English only, so it pressed no
    key)."""
    english = heard_in_line(make_app, clock, tmp_path, "en-US")
    assert english["checkin"] == {"keep_key": "1", "callback_key": "2", "position": 3,
                                  "wait_s": english["checkin"]["wait_s"], "overflow": False,
                                  "voicemail_key": None, "apology": True}
    assert english["checkin"]["wait_s"] is not None
    assert english["overflow"]["overflow"] and english["overflow"]["voicemail_key"] == "3"
    assert english["overflow"]["callback_key"] == "2"
    assert english["number check"] == {"read back": True}
    assert english["closed line"]["keys"] and english["ringing back"] == {"keep": "1",
                                                                         "wait": "2"}
    theirs = english if tag == "en-US" else heard_in_line(make_app, clock, tmp_path, tag)
    for situation, heard in english.items():
        assert theirs[situation] == heard, situation
