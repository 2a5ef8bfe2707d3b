"""Twilio's queue semantics on a virtual clock, driving the real Flask app.

Callers ring /voice/incoming and join the queue its <Enqueue> names once whatever comes
before it is said (nothing, for a new call: the app's welcome opens the first wait
document). An agent waiting in <Dial><Queue> takes a caller the moment they join, before any
wait document; otherwise the waitUrl is requested at once and again each time its document
ends (a bridge interrupts it, as Twilio does), with QueuePosition, QueueTime,
CurrentQueueSize, QueueSid and AvgQueueTime (the average age of the callers waiting now, as
Twilio defines it). Keys go to the Gather's action (Digits and the call's parameters only);
<Leave/> and hang-ups end the wait with the right QueueResult at the Enqueue action, and the
number's status callback reports the call completed — in either order when the caller's leg
has ended, as Twilio does not promise one. An invalid or forbidden wait document ends the
wait with QueueResult=error, as Twilio does; a <Play> whose URL answers an HTTP error is
skipped wherever it is (the caller hears nothing of it and the document goes on), and the run
records an error naming the URL and the status, as Twilio's debugger would. Agents run
their own TwiML: /voice/agent, <Dial><Queue> (the Queue url is played to the caller, then the
bridge), the Dial's action when the conversation ends or the Dial times out, and
<Dial><Number> for callbacks, whose legs answering-machine detection may report as a
machine, a fax or unknown. They keep the scenario's staffing schedule as the fast engine
does: new agents call in at a change, and going off duty an idle agent hangs up at once, a
busy one after their call (a callback's attempt result still reaches its action). In a
customer-first queue the app's callback worker rings the customer through the REST API
instead, and the answered leg holds in the queue the app names
(emulator.customer_first).
Every request is signed with the auth token and carries exactly the parameters Twilio
documents for it (emulator.parameters); <Say> is timed by emulator.speech, not by the app's
own model.

Virtual callers decide with the same behaviour model as the fast engine (`Listener`),
hearing what the app actually returned. A speech <Gather> (the optional question about the
call's reason) is answered by `reactions.reason_p` of callers with a scripted phrase
(`reasons`), posted as SpeechResult and Confidence like Twilio's transcript.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from app.clock import ManualClock
from app.signed_client import SignedClient, SignedWsgiClient
from emulator import documents
from emulator.clips import Clip, clip_of, unfetched, unreachable
from emulator.customer_first import CustomerFirst, RestLeg
from emulator.documents import TwimlError, Verb
from emulator.ears import ears_for
from emulator.listening import Listened, listen
from emulator.parameters import post_params
from emulator.realism import Realism, Sids
from emulator.rejoining import Rejoins
from emulator.returning import Returns, RingingAgain
from emulator.virtual_caller import VirtualCaller
from simulator.behaviour import Action, Listener
from simulator.scenario import Scenario
from simulator.staffing import staffing_changes
from simulator.streams import Callers, UniformStream

AGENT_ROUTE = "/voice/agent"
"""The agents' own webhook: each loop asks it for the next caller or callback."""

ListenerFactory = Callable[["VirtualCaller", float, float], Listener]
"""Makes a caller's ears: (caller, patience in s, time entering the queue in s) -> Listener."""

ACCOUNT_SID = "AC" + "0" * 32
LINE_NUMBER = "+14155550000"
MIN_DOCUMENT_S = 1.0
TRANSCRIPTION_S = 30.0  # Twilio transcribes a message and calls back about this much later
MESSAGE_WORDS = "Please call me back about my order"
RECORDINGS = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/"
KEY_CONFIRM = "1"
REASONS = ("I was charged twice this month", "My parcel has not arrived",
           "I cannot log in to my account", "I want to change my address")
"""What virtual callers say when asked what the call is about (one phrase per caller)."""
SPEECH_CONFIDENCE = "0.87"


def caller_number(i: int) -> str:
    """Caller i's number: +1 415 555 0001 to 9999 in turn, never the line's own (the app
    never calls that back)."""
    return f"+1415555{i % 9_999 + 1:04d}"


@lru_cache(maxsize=64)
def queue_sid(name: str) -> str:
    """The SID of the Twilio queue called `name` ("QU" + 32 hex, one per name)."""
    return "QU" + hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()


class Posted(NamedTuple):
    """One request the emulator made (kept with `record`): when, where, what, and which kind
    of Twilio request it was (a key of emulator.parameters.DOCUMENTED)."""

    at: float
    url: str
    params: dict[str, str]
    kind: str


@dataclass
class VirtualAgent:
    sid: str
    waiting_since: float | None = None  # in <Dial><Queue> with nobody to take
    dial_action: str | None = None
    connect_url: str = "/voice/connect"
    dial_timeout: float = 30.0
    live: int = 0
    queue: str = ""  # the Twilio queue its <Dial><Queue> takes from
    on_duty: bool = True  # the schedule counts them; off duty, they leave once free
    present: bool = True  # their call to the app is up (off duty: until their call ends)


class TwilioEmulator(Rejoins, Returns, CustomerFirst):
    """One scenario through the app; `run()` returns when every call and callback has ended."""

    max_queue_size = 1000
    """The Twilio queue's max_size (its default): one more caller gets QueueResult=queue-full."""

    def __init__(self, twilio: SignedClient | SignedWsgiClient, clock: ManualClock,
                 scenario: Scenario, callers: Callers, reactions_draw: UniformStream,
                 callbacks_draw: UniformStream,
                 *, progress: Callable[[int], None] | None = None,
                 record: bool = False, tag: str = "",
                 number_entries: tuple[str, ...] = (),
                 listener_for: ListenerFactory | None = None,
                 realism: Realism | None = None,
                 realism_draw: Callable[[], float] | None = None,
                 reasons: tuple[str, ...] = REASONS,
                 ringing_again: RingingAgain | None = None,
                 external_audio: Mapping[str, Clip] | None = None) -> None:
        self.twilio, self.clock, self.scenario, self.callers = twilio, clock, scenario, callers
        self.draw, self.callback_draw = reactions_draw, callbacks_draw
        self.realism = realism or Realism()
        self.realism_draw = realism_draw or callbacks_draw  # order of webhooks, AnsweredBy
        self.start = clock.now()
        self.events: list[tuple[float, int, str, object]] = []
        self.seq = 0
        self.queues: dict[str, list[VirtualCaller]] = {}  # Twilio's queues, by name
        self.legs: list[VirtualCaller] = []  # people's later calls (rang back, rang again)
        self.callers_by_sid: dict[str, VirtualCaller] = {}
        self.sids = Sids(tag)
        staffing = scenario.agents
        self.agents = [VirtualAgent(self.sids.agent(n), on_duty=n < staffing.initial,
                                    present=n < staffing.initial)
                       for n in range(staffing.most)]
        self.staffing_changes = staffing_changes(staffing, scenario.start, scenario.zone)
        self.clips: dict[str, Clip] = {}  # each <Play> URL as fetched and decoded, once
        self.external_audio = dict(external_audio or {})  # other sites' clips: stand-ins
        self.own_hosts = {"", urlsplit(getattr(twilio, "base_url", "")).netloc}
        self.callbacks_outstanding = False  # True from a <Leave/> until the log says none is
        self.busy_events = 0  # heap entries other than idle agents' timeouts
        self.progress, self.record = progress, record
        self.errors: list[str] = []
        self.requests: list[Posted] = []  # kept when `record`
        self.tag = tag
        self.number_entries = number_entries
        self.listener_for = listener_for or self.behaviour_model
        self.reasons = reasons  # what callers say when asked what the call is about
        self.ringing_again = ringing_again or RingingAgain()
        self.drop_p = self.scenario.reactions.line_drop_p  # 0: no line ever drops

    def behaviour_model(self, caller: VirtualCaller, patience_s: float, at: float) -> Listener:
        """The scenario's caller-behaviour model, shared with the fast engine."""
        return Listener(self.scenario.reactions, patience_s, at, self.draw)

    def note(self, caller: VirtualCaller, at: float, text: str) -> None:
        """With `record`, what the caller heard or did, at seconds since they first rang."""
        if self.record:
            caller.heard.append(f"t={at - caller.person.rang_at:.0f} s: {text}")

    # -- the loop --------------------------------------------------------------------------
    def schedule(self, at: float, kind: str, subject: object) -> int:
        self.seq += 1
        self.busy_events += kind not in IDLE_EVENTS
        heapq.heappush(self.events, (at, self.seq, kind, subject))
        return self.seq

    def run(self) -> list[VirtualCaller]:
        for i, at in enumerate(self.callers.arrivals_s):
            self.schedule(float(at), "arrive", i)
        for agent in self.agents:
            if agent.on_duty:
                self.schedule(0.0, "agent_ready", agent)
        self.next_staffing_change()
        callers: list[VirtualCaller] = []
        while self.events:
            at, seq, kind, subject = heapq.heappop(self.events)
            self.busy_events -= kind not in IDLE_EVENTS
            if kind == "agent_wake" and subject.live != seq:
                continue
            owner = subject[0] if isinstance(subject, tuple) else subject
            if kind in LIVE_EVENTS and owner.live != seq:
                continue  # superseded: the caller was answered, hung up or moved on
            self.clock.set(self.start + timedelta(seconds=at))
            if kind == "arrive":
                callers.append(self.arrive(subject, at))
                continue
            getattr(self, kind)(subject, at)
            if kind in ("hang_up", "bridge_end", "leave") and self.progress:
                self.progress(1)  # each call (by thousands, 2,000 calls said only 50%, 100%)
            if self.busy_events == 0 and not self.anyone_waiting() and \
                    not self.any_callback_pending():
                break
        return callers

    def anyone_waiting(self) -> bool:
        """Someone is in one of Twilio's queues."""
        return any(self.queues.values())

    def any_callback_pending(self) -> bool:
        """Asks the app's own log: a simulation ends only when every callback is resolved."""
        if self.callbacks_outstanding:
            from app.storage.callback_queue import pending

            engine = self.twilio.application.extensions["holdwell"].store.engine
            self.callbacks_outstanding = bool(pending(engine))
        return self.callbacks_outstanding

    # -- HTTP -------------------------------------------------------------------------------
    def post(self, url: str, kind: str, values: dict[str, str]) -> bytes:
        """POST a `kind` request (checked against Twilio's documented parameters)."""
        params = post_params(kind, values)
        if self.record:
            at = (self.clock.now() - self.start).total_seconds()
            self.requests.append(Posted(at, url, params, kind))
        response = self.twilio.post(url, params)
        if response.status_code == 204:
            return b""
        if response.status_code != 200:
            self.errors.append(f"{url}: HTTP {response.status_code}")
            raise TwimlError(f"{url} answered HTTP {response.status_code}")
        return response.data

    def audio_seconds(self, url: str) -> float:
        """How long a <Play> plays (a message recorded on this run is Twilio's own: its
        length is known)."""
        if url.startswith(RECORDINGS):
            return float(self.scenario.reactions.message_s)
        return self.clip(url).duration_s

    def clip(self, url: str) -> Clip:
        """Twilio fetches <Play> audio by GET, once, and decodes it (PCM, mu-law or A-law
        WAV); a file it cannot decode, or only in part, is an error naming it, not a crash.
        So is a URL answering an HTTP error (404, 500): Twilio skips that <Play> and goes on
        with the next verb, wherever the <Play> is. A clip on another site is a stand-in
        (`external_audio`, clips.assumed): the emulator cannot fetch the internet."""
        if url not in self.clips:
            self.clips[url] = self.fetch(url)
            if self.clips[url].problem:
                self.errors.append(self.clips[url].problem)
        return self.clips[url]

    def fetch(self, url: str) -> Clip:
        if url in self.external_audio:
            return self.external_audio[url]
        if urlsplit(url).netloc not in self.own_hosts:
            return unreachable(url)
        response = self.twilio.get(urlsplit(url).path)
        if response.status_code != 200:
            return unfetched(url, response.status_code)
        return clip_of(response.data, url)

    @staticmethod
    def standard(call_sid: str, from_: str, to: str, *, status: str = "in-progress",
                 direction: str = "inbound") -> dict[str, str]:
        """Twilio's standard request parameters for one call leg."""
        return {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": from_, "To": to,
                "CallStatus": status, "Direction": direction, "ApiVersion": "2010-04-01"}

    def call_params(self, caller: VirtualCaller) -> dict[str, str]:
        if isinstance(caller, RestLeg):
            return self.rest_params(caller)
        return self.standard(caller.call_sid, caller.from_number, LINE_NUMBER)

    def queue_params(self, caller: VirtualCaller, at: float) -> dict[str, str]:
        """The waitUrl's parameters: the caller's place in their own Twilio queue."""
        line = self.queues[caller.queue]
        ages = [at - member.enqueued_at for member in line]
        return {**self.call_params(caller), "QueueSid": queue_sid(caller.queue),
                "QueuePosition": str(line.index(caller) + 1),
                "QueueTime": str(int(at - caller.enqueued_at)),
                "CurrentQueueSize": str(len(line)),
                "MaxQueueSize": str(self.max_queue_size),
                "AvgQueueTime": str(int(sum(ages) / len(ages))) if ages else "0"}

    # -- callers ----------------------------------------------------------------------------
    def arrive(self, i: int, at: float) -> VirtualCaller:
        caller = VirtualCaller(i, self.sids.caller(i), caller_number(i), rang_at=at,
                               entries=list(self.number_entries))
        self.ring(caller, at)
        return caller

    def call_again(self, caller: VirtualCaller, at: float, *,
                   patience_from: float | None = None) -> VirtualCaller:
        """The same person calls the line again, from the same number, on a new call."""
        person = caller.person
        leg = VirtualCaller(person.index, self.sids.again(), person.from_number, rang_at=at,
                            heard=person.heard, first=person, patience_from=patience_from)
        self.legs.append(leg)
        self.ring(leg, at)
        return leg

    def ring(self, caller: VirtualCaller, at: float) -> None:
        """The number's Voice webhook, and what the caller does with its answer."""
        self.callers_by_sid[caller.call_sid] = caller
        try:
            verbs = documents.parse(self.post("/voice/incoming", "incoming",
                                              self.call_params(caller)))
        except TwimlError as error:
            self.errors.append(f"incoming {caller.call_sid}: {error}")
            caller.done = True
            return
        self.answer_call(caller, at, verbs)

    def answer_call(self, caller: VirtualCaller, at: float, verbs: tuple[Verb, ...],
                    doing: str = "") -> None:
        """A call document before any queue: its <Enqueue> joins the queue it names once
        what comes before is said; without one the call ends there (the line is closed, or a
        returning caller keeps their callback), unless it asks them something first."""
        t = at
        for verb in verbs:
            if verb.name == "Enqueue":
                caller.wait_url, caller.action_url = verb.get("waitUrl"), verb.get("action")
                caller.queue = verb.text
                break
            t += documents.seconds(verb, self.audio_seconds)
        if not caller.wait_url:  # a plain call document, never queued
            if self.asked_keep_or_wait(caller, at, verbs):
                return
            if verbs and verbs[-1].name == "Redirect":  # a language menu: the virtual
                # callers speak the language of the queue they rang, so they press nothing
                self.note(caller, at, f"{doing}{documents.describe(verbs)} [presses nothing]")
                self.schedule(t, "redirected", (caller, verbs[-1].text))
                return
            self.closed_line(caller, at, verbs, doing)
            return
        self.note(caller, at, f"{doing}{documents.describe(verbs)} [joins {caller.queue}]")
        caller.live = self.schedule(t, "enqueue", caller)

    def redirected(self, subject: tuple[VirtualCaller, str], at: float) -> None:
        """Twilio follows a plain call document's <Redirect>, once all before it has played:
        what the app answers there is a call document as the first was."""
        caller, url = subject
        try:
            verbs = documents.parse(self.post(url, "incoming", self.call_params(caller)))
        except TwimlError as error:
            self.errors.append(f"redirect {caller.call_sid}: {error}")
            caller.done = True
            return
        self.answer_call(caller, at, verbs)

    def closed_line(self, caller: VirtualCaller, at: float, verbs: tuple[Verb, ...],
                    pressed: str = "") -> None:
        """A call document outside a queue (the line is closed): the caller hears it; offered
        a key for a callback at the opening, they press it with `closed_callback_p`, just
        after the offer. Twilio then runs the Gather's action; the call ends at <Hangup/>."""
        reactions, t = self.scenario.reactions, at
        for n, verb in enumerate(verbs):
            heard = documents.seconds(verb, self.audio_seconds)
            if verb.name == "Gather" and self.draw() < reactions.closed_callback_p:
                keys = documents.offered((verb,))
                if keys:
                    offer = heard - float(verb.get("timeout", "5"))
                    self.note(caller, at, f"{pressed}{documents.describe(verbs[:n + 1])} "
                                          f"[line closed]")
                    self.schedule(t + offer + reactions.key_delay_s, "closed_key",
                                  (caller, verb.get("action"), keys[0]))
                    return
            if verb.name == "Hangup":
                break
            t += heard
        self.note(caller, at, f"{pressed}{documents.describe(verbs)} [the call ends]")
        caller.done = True
        self.schedule(t, "completed", caller)

    def key_outside_queue(self, caller: VirtualCaller, action: str, key: str, what: str
                          ) -> tuple[Verb, ...]:
        """A key pressed in a plain call document: its Gather's action, and the answer
        (nothing, noted as `what` went wrong, if it does not parse)."""
        try:
            return documents.parse(self.post(action, "gather", {**self.call_params(caller),
                                                                "Digits": key}))
        except TwimlError as error:
            self.errors.append(f"{what} {caller.call_sid}: {error}")
            return ()

    def closed_key(self, subject: tuple[VirtualCaller, str, str], at: float) -> None:
        """The key after a closed line's offer: what the app answers ends the call."""
        caller, action, key = subject
        verbs = self.key_outside_queue(caller, action, key, "closed line")
        self.callbacks_outstanding = True  # a callback booked for the opening
        self.closed_line(caller, at, verbs, f"[presses {key}] ")

    def enqueue(self, caller: VirtualCaller, at: float) -> None:
        """Into the Twilio queue its <Enqueue> named (made on first use, as Twilio does)."""
        caller.enqueued_at = at
        patience = float(self.callers.patience_s[caller.index])
        since = at if caller.patience_from is None else caller.patience_from
        caller.listener = self.listener_for(caller, patience, since)
        line = self.queues.setdefault(caller.queue, [])
        if len(line) >= self.max_queue_size:  # Twilio rejects the Enqueue
            return self.queue_full(caller, at)
        line.append(caller)
        idle = next((a for a in self.agents
                     if a.waiting_since is not None and a.queue == caller.queue), None)
        if idle is not None and line[0] is caller:
            return self.bridge(idle, caller, at)
        self.poll(caller, at)

    def poll(self, caller: VirtualCaller, at: float, url: str | None = None) -> None:
        """Twilio requests the wait document (again, or a <Redirect>'s url) and plays it."""
        try:
            if url is None:
                body = self.post(caller.wait_url, "wait", self.queue_params(caller, at))
            else:
                body = self.post(url, "redirect", self.call_params(caller))
            verbs = documents.parse(body, documents.WAIT_VERBS)
            heard = self.play(caller, at, verbs)
            if self.drop_p and heard is not None:  # a check-in may end in a dropped line
                self.maybe_drop(caller, at, heard.heard)
        except TwimlError as error:
            self.errors.append(f"wait {caller.call_sid}: {error}")
            self.end_wait(caller, at, "error")

    def play(self, caller: VirtualCaller, at: float, verbs: tuple[Verb, ...],
             doing: str = "") -> Listened | None:
        """The caller hears a wait document: their next event is its end or a reaction.
        Returns what they heard, unless the document ends the wait."""
        heard = listen(verbs, self.audio_seconds)
        self.note(caller, at, doing + documents.describe(verbs))
        end = at + max(heard.heard.duration_s, 0.0)
        if heard.ends_with in ("Leave", "Hangup"):
            # The Gather takes a key pressed in its window, before the goodbye and the end.
            reaction = caller.listener.hear(at, heard.heard) if heard.gather_action else None
            if reaction is not None and reaction.action is Action.PRESS:
                caller.live = self.schedule(max(reaction.at_s, at), "press",
                                            (caller, heard.gather_action, reaction.key))
                return heard
            event = "leave" if heard.ends_with == "Leave" else "hang_up"  # Twilio: hangup
            caller.live = self.schedule(end, event, caller)
            return None
        reaction = caller.listener.hear(at, heard.heard)  # None: listens to the end
        speaks = self.answer_at(caller, at, heard)
        if speaks is not None and (reaction is None or reaction.at_s >= speaks[0]):
            caller.live = self.schedule(speaks[0], "speak", (caller, heard.speech.action,
                                                             speaks[1]))
        elif reaction is not None and reaction.action is Action.HANG_UP and reaction.at_s < end:
            # never before now: a caller back from a dropped line may have no patience left
            caller.live = self.schedule(max(reaction.at_s, at), "hang_up", caller)
        elif (reaction is not None and reaction.action is Action.PRESS and reaction.at_s < end
              and heard.gather_action):
            caller.live = self.schedule(reaction.at_s, "press", (caller, heard.gather_action,
                                                                  reaction.key))
        elif heard.ends_with == "Redirect":
            caller.live = self.schedule(end, "redirect", (caller, heard.redirect))
        else:
            caller.live = self.schedule(max(end, at + MIN_DOCUMENT_S), "repoll", caller)
        return heard

    def answer_at(self, caller: VirtualCaller, at: float,
                  heard: Listened) -> tuple[float, str] | None:
        """(when the words are posted, the words) if the document asks what the call is about
        and this caller answers (`reactions.reason_p`): they speak for reason_speaking_s after
        the question, and Twilio posts once the speech-end pause has passed."""
        ask = heard.speech
        if ask is None or not self.reasons or self.draw() >= self.scenario.reactions.reason_p:
            return None
        said = self.scenario.reactions.reason_speaking_s
        return (at + ask.asked_s + said + ask.speech_end_s,
                self.reasons[caller.index % len(self.reasons)])

    def speak(self, subject: tuple[VirtualCaller, str, str], at: float) -> None:
        """The speech Gather's action: Twilio's transcript and its confidence."""
        caller, action, words = subject
        try:
            verbs = documents.parse(self.post(action, "gather_speech", {
                **self.call_params(caller), "SpeechResult": words,
                "Confidence": SPEECH_CONFIDENCE}), documents.WAIT_VERBS)
        except TwimlError as error:
            self.errors.append(f"speech {caller.call_sid}: {error}")
            return self.end_wait(caller, at, "error")
        self.play(caller, at, verbs, f"[says {words!r}] ")

    def repoll(self, caller: VirtualCaller, at: float) -> None:
        self.poll(caller, at)

    def redirect(self, subject: tuple[VirtualCaller, str], at: float) -> None:
        caller, url = subject
        self.poll(caller, at, url)

    def press(self, subject: tuple[VirtualCaller, str, str], at: float) -> None:
        caller, action, key = subject
        try:
            verbs = documents.parse(self.post(action, "gather", {**self.call_params(caller),
                                                                 "Digits": key}),
                                    documents.WAIT_VERBS)
            gather = next((v for v in verbs if v.name == "Gather"), None)
            heard = verbs[:verbs.index(gather) + 1] if gather else verbs  # a key answers the
            # gather: what follows it is the no-key fallback, never heard (the transcript had
            # said "No problem. You keep your place in line." before the caller's "1")
            reply = self.callback_dialog(caller, heard) if gather else None
            if reply is None:
                self.play(caller, at, verbs, f"[presses {key}] ")
                return
            self.note(caller, at, f"[presses {key}] {documents.describe(heard)}")
            prompt = sum(documents.seconds(c, self.audio_seconds) for c in gather.children)
            caller.live = self.schedule(at + prompt + 1.0, "press",
                                        (caller, gather.get("action"), reply))
        except TwimlError as error:
            self.errors.append(f"choice {caller.call_sid}: {error}")
            self.end_wait(caller, at, "error")

    def callback_dialog(self, caller: VirtualCaller, verbs: tuple[Verb, ...]) -> str | None:
        """Keys for the callback dialog: confirm the number read back, or key in the caller's
        planned numbers (`number_entries`, e.g. a bad one first) one by one; heard in English
        or in the words' own language (emulator.ears)."""
        said, ears = documents.spoken(verbs), ears_for(documents.said_in(verbs))
        if ears.heard("number_check", said):  # the caller ID's ending, or a keyed number
            return "2" if caller.entries else KEY_CONFIRM
        if ears.heard("number_entry", said) and caller.entries:
            return caller.entries.pop(0)  # Twilio sends the digits without the finishing #
        return None

    def leave(self, caller: VirtualCaller, at: float) -> None:
        self.callbacks_outstanding = True  # the app's callback confirmation ends in <Leave/>
        self.end_wait(caller, at, "leave")
        if self.ringing_again.ring_again_p:  # some ring again before the callback comes
            self.maybe_ring_again(caller, at)

    def hang_up(self, caller: VirtualCaller, at: float) -> None:
        self.note(caller, at, "[hangs up]")
        self.end_wait(caller, at, "hangup")

    def end_wait(self, caller: VirtualCaller, at: float, result: str) -> None:
        """Out of the queue: the Enqueue action with QueueResult and the status callback.

        After a hang-up both fire at once, in no promised order; a caller still on the line
        (leave, error) first hears what the action answers, and only then does the call end.
        """
        line = self.queues.get(caller.queue)
        if line and caller in line:
            line.remove(caller)
        caller.live, caller.done = -1, True
        if result == "hangup":
            return self.race(caller, at, result)
        verbs = self.enqueue_action(caller, at, result)
        if result == "error" and self.back_in_line(caller, at, verbs):
            return
        if self.outside_queue(caller, at, verbs):  # a message to record, say
            return
        heard = sum(documents.seconds(verb, self.audio_seconds) for verb in verbs)
        self.schedule(at + heard, "completed", caller)

    def race(self, caller: VirtualCaller, at: float, result: str,
             left_queue_at: float | None = None) -> None:
        """The caller's leg is gone: the Enqueue action and the status callback race."""
        if self.realism_draw() < self.realism.status_first_p:
            self.completed(caller, at)
            self.enqueue_action(caller, at, result, left_queue_at)
        else:
            self.enqueue_action(caller, at, result, left_queue_at)
            self.completed(caller, at)

    def enqueue_action(self, caller: VirtualCaller, at: float, result: str,
                       left_queue_at: float | None = None) -> tuple[Verb, ...]:
        """The Enqueue action: how the wait ended (QueueTime: seconds in the queue, up to the
        bridge for a bridged call; neither it nor QueueSid when never enqueued, as at
        queue-full); what the app answers, if it parses."""
        waited = (at if left_queue_at is None else left_queue_at) - caller.enqueued_at
        params = {**self.call_params(caller), "QueueResult": result,
                  "QueueSid": queue_sid(caller.queue),
                  "QueueTime": str(int(waited))}
        if result == "queue-full":
            del params["QueueSid"], params["QueueTime"]
        try:
            return documents.parse(self.post(caller.action_url, "enqueue_action", params))
        except TwimlError as error:
            self.errors.append(f"queue-result {caller.call_sid}: {error}")
            return ()

    def completed(self, caller: VirtualCaller, at: float) -> None:
        """The number's status callback: the call is over (the only event subscribed)."""
        self.leg_status(caller, at, "completed")

    def leg_status(self, caller: VirtualCaller, at: float, status: str) -> None:
        """A call's status callback (the number's, or a REST call's own `status_callback`):
        CallDuration and Duration, from the answer, only when it completed."""
        params = {**self.call_params(caller), "CallStatus": status,
                  "CallbackSource": "call-progress-events", "SequenceNumber": "0",
                  "Timestamp": format_datetime(self.clock.now())}
        if status == "completed":
            seconds = int(at - caller.rang_at)
            params.update(CallDuration=str(seconds), Duration=str(-(-seconds // 60)))
        url = caller.status_callback if isinstance(caller, RestLeg) else "/voice/status"
        self.post(url, "status", params)

    def back_in_line(self, caller: VirtualCaller, at: float, verbs: tuple[Verb, ...]) -> bool:
        """After QueueResult=error the app may <Enqueue> the caller again (at the back)."""
        t = at
        for verb in verbs:
            if verb.name == "Enqueue":
                caller.wait_url, caller.action_url = verb.get("waitUrl"), verb.get("action")
                caller.queue, caller.done = verb.text, False
                caller.live = self.schedule(t, "enqueue", caller)
                return True
            t += documents.seconds(verb, self.audio_seconds)
        return False

    # -- outside the queue: the overflow offer at queue-full, and messages -----------------
    def queue_full(self, caller: VirtualCaller, at: float) -> None:
        """Twilio's queue-full: the Enqueue action at once; the caller hears its answer."""
        caller.live, caller.done = -1, True
        verbs = self.enqueue_action(caller, at, "queue-full")
        self.note(caller, at, f"[queue full] {documents.describe(verbs)}")
        if not self.outside_queue(caller, at, verbs):
            heard = sum(documents.seconds(verb, self.audio_seconds) for verb in verbs)
            self.schedule(at + heard, "completed", caller)

    def outside_queue(self, caller: VirtualCaller, at: float, verbs: tuple[Verb, ...]) -> bool:
        """A plain call document with a <Gather> (the overflow offer: the caller answers it
        as the behaviour model says) or a <Record> (they speak `reactions.message_s`, or
        until maxLength). False when it has neither."""
        if not any(verb.name in ("Gather", "Record") for verb in verbs):
            return False
        t = at
        for verb in verbs:
            if verb.name == "Gather" and caller.listener is not None:
                heard = listen((verb,), self.audio_seconds).heard
                key = caller.listener.answer_overflow(t + (heard.message_end_s or 0.0), heard)
                if key is not None:
                    self.schedule(key.at_s, "plain_key", (caller, verb.get("action"), key.key))
                    return True
            if verb.name == "Record":
                spoken_s = min(self.scenario.reactions.message_s,
                               float(verb.get("maxLength", "3600")))
                self.schedule(t + 1.0 + spoken_s, "recorded", (caller, verb, spoken_s))
                return True
            if verb.name == "Hangup":
                break
            t += documents.seconds(verb, self.audio_seconds)
        self.schedule(t, "completed", caller)
        return True

    def plain_key(self, subject: tuple[VirtualCaller, str, str], at: float) -> None:
        """A key outside the queue goes to its Gather's action; the answer is played (the
        number read back at queue-full is confirmed as in line: `callback_dialog`)."""
        caller, action, key = subject
        verbs = self.key_outside_queue(caller, action, key, "overflow")
        self.callbacks_outstanding = True  # a callback booked, or a message to come
        self.note(caller, at, f"[presses {key}] {documents.describe(verbs)}")
        gather = next((v for v in verbs if v.name == "Gather"), None)
        heard = verbs[:verbs.index(gather) + 1] if gather is not None else ()
        reply = self.callback_dialog(caller, heard) if heard else None
        if gather is not None and reply is not None:
            prompt = sum(documents.seconds(c, self.audio_seconds) for c in gather.children)
            self.schedule(at + prompt + 1.0, "plain_key", (caller, gather.get("action"), reply))
            return
        if not self.outside_queue(caller, at, verbs):
            heard = sum(documents.seconds(verb, self.audio_seconds) for verb in verbs)
            self.schedule(at + heard, "completed", caller)

    def recorded(self, subject: tuple[VirtualCaller, Verb, float], at: float) -> None:
        """The <Record> action: the recording's URL, SID and length, and the key (#) that
        ended it; a transcription, when asked for, follows on its own callback."""
        caller, record, spoken_s = subject
        sid = f"RE{self.tag}{caller.index + 1:0{32 - len(self.tag)}d}"
        url = f"{RECORDINGS}{sid}"
        try:
            verbs = documents.parse(self.post(record.get("action"), "record_action", {
                **self.call_params(caller), "RecordingUrl": url, "RecordingSid": sid,
                "RecordingDuration": str(int(spoken_s)), "Digits": "#"}))
        except TwimlError as error:
            self.errors.append(f"recorded {caller.call_sid}: {error}")
            verbs = ()
        self.callbacks_outstanding = True  # the message is a callback task
        self.note(caller, at, f"[leaves a {spoken_s:.0f} s message] "
                              f"{documents.describe(verbs)}")
        if record.get("transcribe") == "true" and record.get("transcribeCallback"):
            self.schedule(at + TRANSCRIPTION_S, "transcribed",
                          (caller, record.get("transcribeCallback"), sid, url))
        heard = sum(documents.seconds(verb, self.audio_seconds) for verb in verbs)
        self.schedule(at + heard, "completed", caller)

    def transcribed(self, subject: tuple[VirtualCaller, str, str, str], at: float) -> None:
        """Twilio's transcribeCallback: the message's words (nobody hears the answer)."""
        caller, url, sid, recording = subject
        self.post(url, "transcription", {
            "CallSid": caller.call_sid, "AccountSid": ACCOUNT_SID, "RecordingSid": sid,
            "RecordingUrl": recording, "TranscriptionSid": "TR" + sid[2:],
            "TranscriptionText": MESSAGE_WORDS, "TranscriptionStatus": "completed",
            "TranscriptionUrl": recording.replace("/Recordings/", "/Transcriptions/TR")})

    # -- agents -----------------------------------------------------------------------------
    def next_staffing_change(self) -> None:
        """The schedule's next change (steps repeat daily), as an event that never keeps a
        run going by itself."""
        change = next(self.staffing_changes, None)
        if change is not None:
            at, agents = change
            self.schedule(at, "staffing_change", agents)

    def staffing_change(self, agents: int, at: float) -> None:
        """The schedule's count from now, as the fast engine's `Agents.change`: agents come
        on at the change (one still finishing a call before leaving just stays); going off,
        idle agents leave at once, then busy ones as they next become free (a call is never
        cut). The fast engine sends home those free soonest; here, the last to come on."""
        on_duty = [agent for agent in self.agents if agent.on_duty]
        for agent in [agent for agent in self.agents if not agent.on_duty][
                :max(agents - len(on_duty), 0)]:
            agent.on_duty = True
            if not agent.present:
                agent.present = True
                self.schedule(at, "agent_ready", agent)
        idle_first = sorted(reversed(on_duty), key=lambda agent: agent.waiting_since is None)
        for agent in idle_first[:max(len(on_duty) - agents, 0)]:
            agent.on_duty = False
            if agent.waiting_since is not None:  # hangs up from its <Dial><Queue> now
                agent.waiting_since, agent.live, agent.present = None, 0, False
        self.next_staffing_change()

    def goes_home(self, agent: VirtualAgent, url: str) -> bool:
        """An agent off duty hangs up instead of asking the agent route for more work (their
        Dial's result still reaches a callback's own action: its attempt is logged)."""
        if agent.on_duty or urlsplit(url).path != AGENT_ROUTE:
            return False
        agent.present = False
        return True

    def agent_ready(self, agent: VirtualAgent, at: float, url: str = AGENT_ROUTE,
                    kind: str = "incoming", extra: dict[str, str] | None = None) -> None:
        """The agent's call asks for TwiML: its own webhook, a Redirect or its Dial's action."""
        if self.goes_home(agent, url):
            return
        params = {**self.standard(agent.sid, "client:agent", LINE_NUMBER), **(extra or {})}
        try:
            verbs = documents.parse(self.post(url, kind, params))
        except TwimlError as error:
            self.errors.append(f"agent {agent.sid}: {error}")
            return
        self.run_agent(agent, at, verbs)

    def run_agent(self, agent: VirtualAgent, at: float, verbs: tuple[Verb, ...]) -> None:
        t = at
        for verb in verbs:
            if verb.name == "Dial":
                return self.dial(agent, t, verb)
            if verb.name == "Redirect":
                agent.live = self.schedule(t, "agent_redirect", (agent, verb.text))
                return
            t += documents.seconds(verb, self.audio_seconds)

    def agent_redirect(self, subject: tuple[VirtualAgent, str], at: float) -> None:
        agent, url = subject
        self.agent_ready(agent, at, url, "redirect")

    def dial_ended(self, agent: VirtualAgent, at: float, status: str,
                   leg: tuple[str, float, bool] | None = None) -> None:
        """The agent's Dial is over: its action gets the result (with the dialled leg's SID,
        seconds and whether it was bridged, when there was a leg). Without an action the
        agent's document has nothing left: the agent calls in again."""
        if agent.dial_action is None:
            return self.agent_ready(agent, at)
        extra = {"DialCallStatus": status, "DialBridged": "false"}
        if leg is not None:
            sid, seconds, bridged = leg
            extra.update(DialCallSid=sid, DialCallDuration=str(int(seconds)),
                         DialBridged="true" if bridged else "false")
        self.agent_ready(agent, at, agent.dial_action, "dial_action", extra)

    def dial(self, agent: VirtualAgent, at: float, dial: Verb) -> None:
        agent.dial_action = dial.get("action")
        agent.dial_timeout = float(dial.get("timeout", "30"))
        noun = dial.children[0] if dial.children else None
        if noun is not None and noun.name == "Number":
            return self.ring_customer(agent, at, dial, noun)
        if noun is not None:  # <Queue>: the head of the queue it names, when there is one
            agent.connect_url = noun.get("url") or "/voice/connect"
            agent.queue = noun.text
        line = self.queues.get(agent.queue)
        if line:
            return self.bridge(agent, line[0], at)
        agent.waiting_since = at
        agent.live = self.schedule(at + agent.dial_timeout, "agent_wake", agent)

    def agent_wake(self, agent: VirtualAgent, at: float) -> None:
        """The agent's <Dial><Queue> timed out with nobody to take: its action asks again."""
        agent.waiting_since = None
        if not self.callbacks_outstanding and not self.anyone_waiting():
            agent.waiting_since = at  # nothing could change: keep waiting without a request
            agent.live = self.schedule(at + agent.dial_timeout, "agent_wake", agent)
            return
        self.dial_ended(agent, at, "no-answer")

    def bridge(self, agent: VirtualAgent, caller: VirtualCaller, at: float) -> None:
        """Dequeue the head: the Queue url plays to the caller, then the conversation."""
        agent.waiting_since, agent.live = None, 0
        self.queues[caller.queue].remove(caller)
        caller.live = -1
        params = {**self.call_params(caller), "QueueSid": queue_sid(caller.queue),
                  "QueueTime": str(int(at - caller.enqueued_at)), "DequeingCallSid": agent.sid}
        try:
            verbs = documents.parse(self.post(agent.connect_url, "queue_url", params),
                                    documents.CONNECT_VERBS)
            whisper = sum(documents.seconds(v, self.audio_seconds) for v in verbs)
            self.note(caller, at, f"{documents.describe(verbs)} [answered by an agent]")
        except TwimlError as error:
            self.errors.append(f"connect {caller.call_sid}: {error}")
            whisper = 0.0
        talk = float(self.callers.service_s[caller.index])
        self.schedule(at + whisper + talk, "bridge_end", (agent, caller, at))

    def bridge_end(self, subject: tuple[VirtualAgent, VirtualCaller, float], at: float) -> None:
        """The conversation is over: the caller's Enqueue action (bridged) and status callback
        race; the agent's Dial action follows."""
        agent, caller, bridged_at = subject
        caller.done = True
        self.race(caller, at, "bridged", left_queue_at=bridged_at)
        self.dial_ended(agent, at, "completed", (caller.call_sid, at - bridged_at, True))

    # -- callbacks --------------------------------------------------------------------------
    def ring_customer(self, agent: VirtualAgent, at: float, dial: Verb, number: Verb) -> None:
        """<Dial><Number>: a new leg rings the customer; they pick up or it times out."""
        model = self.scenario.callbacks
        leg = self.sids.leg()
        if self.callback_draw() < model.answer_p:
            self.schedule(at + model.answer_after_s, "callback_answered",
                          (agent, dial, number, leg))
        else:
            ring = min(float(dial.get("timeout", "25")), model.ring_s)
            self.schedule(at + ring, "callback_unanswered", (agent, leg))

    def callback_answered(self, subject: tuple[VirtualAgent, Verb, Verb, str], at: float) -> None:
        """The leg answered: with machineDetection, Twilio says who (or what) did, and the
        Number's url runs on that leg before the bridge (a <Hangup> there ends the leg)."""
        agent, dial, number, leg = subject
        url = number.get("url")
        call_id = parse_qs(urlsplit(url).query).get("call", [""])[0]
        params = {**self.standard(leg, dial.get("callerId") or LINE_NUMBER, number.text,
                                  direction="outbound-dial"), "ParentCallSid": agent.sid}
        if number.get("machineDetection"):
            params["AnsweredBy"] = self.realism.pick_answered_by(self.realism_draw)
        caller = self.callers_by_sid.get(call_id)
        try:
            verbs = documents.parse(self.post(url, "number_url", params),
                                    documents.NUMBER_URL_VERBS)
        except TwimlError as error:
            self.errors.append(f"callback answer {call_id}: {error}")
            verbs = (Verb("Hangup", "", {}),)
        heard = 0.0
        for verb in verbs:
            if verb.name == "Hangup":
                break
            heard += documents.seconds(verb, self.audio_seconds)
        bridged = not any(verb.name == "Hangup" for verb in verbs)
        if caller is not None:
            caller.called_back = caller.called_back or bridged
            answered_by = params.get("AnsweredBy", "human")
            who = "picks up" if answered_by == "human" else f"answered by {answered_by}"
            self.note(caller, at, f"[called back, {who}] {documents.describe(verbs)}")
        talk = float(self.callers.service_s[caller.index]) if caller and bridged else 0.0
        self.schedule(at + heard + talk, "callback_end", (agent, leg, heard + talk, bridged))

    def callback_unanswered(self, subject: tuple[VirtualAgent, str], at: float) -> None:
        agent, leg = subject
        self.dial_ended(agent, at, "no-answer", (leg, 0.0, False))

    def callback_end(self, subject: tuple[VirtualAgent, str, float, bool], at: float) -> None:
        agent, leg, seconds, bridged = subject
        self.dial_ended(agent, at, "completed", (leg, seconds, bridged))


IDLE_EVENTS = frozenset({"agent_wake", "callback_round", "staffing_change"})
"""Events that never keep a run going by themselves (an idle agent's timeout, the worker,
the staffing schedule)."""

LIVE_EVENTS = frozenset({"enqueue", "repoll", "hang_up", "press", "leave",
                         "redirect", "speak", "drop"})
