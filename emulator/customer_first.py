"""Customer-first callbacks in the emulator: the callback worker and Twilio's REST calls.

Live, `holdwell callbacks` runs `app.callback_watch.watch_round` every `--interval` seconds
and rings a customer through `calls.create` when it is their turn; Twilio rings them, posts
the call's `url` when they answer (with AnsweredBy under machine detection), runs the app's
<Enqueue> into the queue's priority queue (`NAME-callbacks`) and posts the call's
`status_callback` when the leg ends. Here the same round runs on the virtual clock, against
the app's own database and config, with `RestClient` standing in for Twilio's REST API (its
one boundary, as the app's tests mock it): each `calls.create` schedules a leg.

The leg draws its answer like an agent-first callback leg (the scenario's
`callbacks.answer_p`, `answer_after_s` and `ring_s`, the same callbacks stream; AnsweredBy
from `Realism`), so the two dialling modes differ only in who rings. A customer who answered
and is held does not hang up (`Holding`), the fast engine's documented assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from emulator import documents
from emulator.virtual_caller import VirtualCaller
from simulator.behaviour import Heard, Listener, Reaction

if TYPE_CHECKING:
    from app.callback_placer import RestPlacer

WORKER_INTERVAL_S = 15.0
"""`holdwell callbacks --interval`'s default: seconds between the worker's rounds."""


@dataclass
class RestLeg(VirtualCaller):
    """A customer's leg placed through the REST API (Direction outbound-api): from the line's
    number to theirs; Twilio reports its end to `status_callback`."""

    to_number: str = ""
    answer_url: str = ""
    status_callback: str = ""
    machine_detection: bool = False


class Holding(Listener):
    """A customer who answered their callback and holds for the next agent: they never hang
    up there (the fast engine's assumption; the app's hang-up path has its own route tests)."""

    def hear(self, now: float, heard: Heard) -> Reaction | None:
        return None


@dataclass(frozen=True)
class CreatedCall:
    """What `calls.create` returns (the app reads nothing of it but may log the SID)."""

    sid: str


class RestCalls:
    """`client.calls`: `create` schedules the leg in the emulator, at the current time."""

    def __init__(self, emulator: CustomerFirst) -> None:
        self.emulator = emulator

    def create(self, *, to: str, from_: str, url: str, status_callback: str,
               timeout: int = 60, machine_detection: str | None = None,
               **options: object) -> CreatedCall:
        return CreatedCall(self.emulator.place_call(to, from_, url, status_callback,
                                                    float(timeout), machine_detection))


class RestClient:
    """The part of twilio.rest.Client the callback placer uses."""

    def __init__(self, emulator: CustomerFirst) -> None:
        self.calls = RestCalls(emulator)


class CustomerFirst:
    """The worker's rounds and the REST legs (a mixin of TwilioEmulator: it uses its clock,
    event queue, requests and callers)."""

    placer: RestPlacer | None = None
    worker_interval_s: float = WORKER_INTERVAL_S

    def start_worker(self, interval_s: float = WORKER_INTERVAL_S) -> None:
        """Run the callback worker every `interval_s`, when a queue dials customer-first (an
        agent-first run has no worker, as before)."""
        from app.callback_placer import RestPlacer

        services = self.twilio.application.extensions["holdwell"]
        config = services.config
        if not config.customer_first_at_once():
            return
        self.placer = RestPlacer(RestClient(self), self.twilio.base_url,
                                 config.line.support_number, config.callbacks)
        self.worker_interval_s = interval_s
        self.plain_listener, self.listener_for = self.listener_for, self.holding_listener
        self.rest_legs: list[RestLeg] = []
        self.schedule(0.0, "callback_round", None)

    def holding_listener(self, caller: VirtualCaller, patience_s: float,
                         at: float) -> Listener:
        """The run's listeners, but a REST leg's customer holds patiently (`Holding`)."""
        if isinstance(caller, RestLeg):
            return Holding(self.scenario.reactions, patience_s, at, self.draw)
        return self.plain_listener(caller, patience_s, at)

    def callback_round(self, _: None, at: float) -> None:
        """One round of `holdwell callbacks` (the app's config as it runs now)."""
        from app.callback_watch import watch_round

        services = self.twilio.application.extensions["holdwell"]
        watch_round(services.store.engine, services.config, self.clock.now(), self.placer)
        self.schedule(at + self.worker_interval_s, "callback_round", None)

    def place_call(self, to: str, from_: str, url: str, status_callback: str,
                   timeout_s: float, machine_detection: str | None) -> str:
        """Twilio rings the customer: they pick up with `answer_p` after `answer_after_s`,
        else the ring ends after `ring_s` (at most the call's timeout) as no-answer."""
        at = (self.clock.now() - self.start).total_seconds()
        call_id = parse_qs(urlsplit(url).query).get("call", [""])[0]
        person = self.callers_by_sid.get(call_id)
        if person is None:
            self.errors.append(f"REST call for an unknown call {call_id!r}")
            return ""
        person = person.person
        leg = RestLeg(person.index, self.sids.leg(), from_, rang_at=at, heard=person.heard,
                      first=person, to_number=to, answer_url=url,
                      status_callback=status_callback,
                      machine_detection=bool(machine_detection))
        self.rest_legs.append(leg)
        model = self.scenario.callbacks
        if self.callback_draw() < model.answer_p:
            self.schedule(at + model.answer_after_s, "rest_answered", leg)
        else:
            self.schedule(at + min(timeout_s, model.ring_s), "rest_unanswered", leg)
        return leg.call_sid

    def rest_answered(self, leg: RestLeg, at: float) -> None:
        """The call's url, as for any answered outbound-api call; its TwiML runs on the leg
        (the greeting and <Enqueue> into the priority queue, or <Hangup> on a machine)."""
        leg.rang_at = at  # a call's duration counts from the answer
        params = self.call_params(leg)
        if leg.machine_detection:
            params["AnsweredBy"] = self.realism.pick_answered_by(self.realism_draw)
        try:
            verbs = documents.parse(self.post(leg.answer_url, "rest_answer", params))
        except documents.TwimlError as error:
            self.errors.append(f"REST answer {leg.call_sid}: {error}")
            return self.leg_status(leg, at, "completed")
        who = params.get("AnsweredBy", "human")
        self.answer_call(leg, at, verbs, "[called back, picks up] " if who == "human"
                         else f"[called back, answered by {who}] ")

    def rest_unanswered(self, leg: RestLeg, at: float) -> None:
        self.note(leg, at, "[called back, no answer]")
        leg.done = True
        self.leg_status(leg, at, "no-answer")

    def rest_params(self, leg: RestLeg) -> dict[str, str]:
        """The standard parameters of an outbound-api leg: from the line, to the customer."""
        return self.standard(leg.call_sid, leg.from_number, leg.to_number,
                             direction="outbound-api")
