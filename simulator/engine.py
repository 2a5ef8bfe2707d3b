"""The fast engine with polling: every waiting caller hears what the real policy says.

It drives the `hold_policies` objects exactly as Twilio's waitUrl loop does: when a caller
starts waiting the policy is asked for a segment; when the segment ends it is asked again with
a fresh `Situation`. What the caller hears goes to the behaviour model, key presses go through
`policy.on_key`, and a callback leaves the queue but keeps the caller's place in line.

Arrivals come from pre-drawn arrays and agents from a heap of the times they next become
free, so a caller answered at once costs one heap operation. Every waiting caller has exactly
one live event (its segment's end or its reaction) in the event heap; answering the caller
just marks that event stale.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Callable

from hold_policies.base import Choice, HoldPolicy
from hold_policies.situation import Situation
from hold_policies.steps import Segment
from simulator.behaviour import Action, Reaction
from simulator.callbacks import CallbackLifecycle
from simulator.closed_hours import ClosedHours
from simulator.heard import MIN_SEGMENT_S, Heard, ends_the_wait, heard_from_segment
from simulator.ledger import Ledger
from simulator.overflow import Overflows
from simulator.resume import DROP, RING_BACK, Resumes
from simulator.scenario import Scenario
from simulator.staffing import Agents
from simulator.streams import Callers, Streams, UniformStream
from simulator.table import ABANDONED, ANSWERED, LEFT, OVERFLOW, CallTable, call_id
from simulator.waiter import END, HANG_UP, LEAVE, POLL, PRESS, READY, WAITING, Waiter
from simulator.waiting import Line, QueueSpeed

INF = math.inf
ANSWERS_KEPT, CHECK_EVERY = 200_000, 997


def situation_of(**values: object) -> Situation:
    """A `Situation` from keywords, without the frozen dataclass's slow `__init__` (this runs
    at every poll). Equality and hashing stay the dataclass's own, over every field; a field
    added later with a default takes it, one without a default fails at once
    (tests/simulator/test_sim_invariants.py checks the engine names every field)."""
    situation = object.__new__(Situation)
    situation.__dict__.update(values)
    return situation


def with_caller(situation: Situation, index: int) -> Situation:
    """The same situation with caller `index`'s call id."""
    return situation_of(**{**situation.__dict__, "call_id": call_id(index)})


HEARD: dict[Segment, tuple[Heard, bool, bool]] = {}
"""What each segment sounds like (segments are frozen values): shared by every run."""
_ANSWERS: dict[HoldPolicy, dict[Situation, tuple]] = {}


def answers_of(policy: HoldPolicy) -> dict[Situation, tuple]:
    """The remembered answers of `policy` (frozen, so equal policies answer alike)."""
    try:
        return _ANSWERS.setdefault(policy, {})
    except TypeError:  # an unhashable policy: remember for this run only
        return {}


class PolicyNotPure(RuntimeError):
    """A policy gave two callers in the same situation different segments."""


class PolledEngine(Overflows, CallbackLifecycle, ClosedHours, Resumes):
    """One run of one policy on one scenario's callers."""

    def __init__(self, scenario: Scenario, policy: HoldPolicy, streams: Streams,
                 callers: Callers, *, reuse_answers: bool = True) -> None:
        self.scenario, self.policy, self.queue = scenario, policy, scenario.queue
        self.next_segment = policy.next_segment
        self.callers = callers
        self.arrivals = callers.arrivals_s.tolist()
        self.talk = callers.service_s.tolist()  # callbacks add their own handoff
        self.service = (callers.service_s + scenario.handoff.connect_s).tolist()  # thanked
        self.service_at_once = (callers.service_s
                                + scenario.handoff.connect_after(0.0)).tolist()
        self.patience = callers.patience_s.tolist()
        self.ledger = Ledger(scenario.calls)
        self.line = Line()
        self.live = Line()  # of those, the callers in the queue itself (not callbacks)
        self.speed = QueueSpeed(scenario.estimates, log_start=float(callers.arrivals_s[0]))
        self.agents = Agents(scenario.agents, scenario.start, scenario.zone)
        self.events: list[tuple[float, int, Waiter]] = []
        self.seq = 0
        self.waiting = 0  # callers in the queue itself (Twilio's CurrentQueueSize)
        self.eligible = 0  # callers and callbacks an agent may take now
        self.waiters: dict[int, Waiter] = {}
        self.listening = scenario.reactions if scenario.reactions.active else None
        self.draw = UniformStream(streams.reactions)
        self.callback_draw = UniformStream(streams.callbacks)
        self.heard: dict[Segment, tuple[Heard, bool, bool]] = HEARD
        # A policy is a pure function of the situation, so two callers in the same situation
        # (all but the call id) get the same segment: remember answers, and check some. The
        # memory outlives the run (replications of a small day would otherwise start cold).
        self.answers: dict[Situation, tuple] | None = answers_of(policy) if reuse_answers \
            else None
        self.reused = 0
        self.setup_hours()
        self.setup_callbacks()
        self.setup_overflow()
        self.setup_resume()

    def run(self, progress: Callable[[int], None] | None = None) -> CallTable:
        """Process events in time order until every call, and every callback, has ended."""
        arrivals, service, events, agents = (self.arrivals, self.service_at_once, self.events,
                                             self.agents)
        free, line, orig = agents.free, self.line.entries, self.ledger.orig_position
        departed = self.speed.departures
        replace, n = heapq.heapreplace, len(arrivals)
        k, now, step = 0, 0.0, max(n // 100, 1)
        report = step
        pop = heapq.heappop
        hours = self.closed_line is not None
        ring_in_turn = self.ring_in_turn if self.customer_first else None
        while True:
            while events and events[0][1] != events[0][2].seq:
                pop(events)  # the caller was answered before this event: it is stale
            t = events[0][0] if events else INF
            dispatching = False
            if self.eligible and free:
                # An agent idle since free[0] takes the next one now, never in the past.
                ready = free[0] if free[0] > now else now
                if ready < t:
                    t, dispatching = ready, True
            change = agents.next_change  # first at its instant; an event there waits its turn
            if (change < t or (dispatching and change == t)) and (k < n or events or line
                                                                   or self.held):
                t, dispatching = change, False
            while k < n and arrivals[k] < t:  # arrivals first; most are answered at once
                a = arrivals[k]
                orig[k] = len(line) + 1
                if hours and not self.is_open_at(a):  # told when it opens; never queued
                    k += 1
                    if self.closed_arrival(k - 1, a):  # a booking: its event is now first
                        now = a
                        break
                    continue
                if free and free[0] <= a:  # answered at once (the app logs CONNECT too)
                    replace(free, a + service[k])
                    departed.append(a)
                    k += 1
                    continue
                self.wait_in_queue(k, a)
                now = a
                k += 1
                break
            else:
                if t == INF:
                    break
                now = t
                if dispatching:
                    self.dispatch(t)
                elif t == agents.next_change:
                    agents.change()
                else:
                    self.act(pop(events)[2], t)
                if ring_in_turn is not None:  # customer-first: has a callback's turn come?
                    ring_in_turn(t)
            if progress is not None and k >= report:
                progress(step)
                report += step
        self.fail_stranded_callbacks(now)
        if progress is not None:
            progress(n - (report - step))
        return self.ledger.table(self.scenario, self.policy.name, self.callers.arrivals_s,
                                 self.callers.service_s)

    def schedule(self, waiter: Waiter, at: float, action: int, key: str = "") -> None:
        """Make `action` at `at` the waiter's one live event."""
        self.seq += 1
        waiter.seq, waiter.action, waiter.key = self.seq, action, key
        heapq.heappush(self.events, (at, self.seq, waiter))

    def wait_in_queue(self, i: int, t: float) -> None:
        """No agent is free: the caller joins the line and Twilio asks for the wait document
        (unless the queue is full: then the overflow offer, or Twilio's queue-full)."""
        if self.full_at is not None and self.waiting >= self.full_at:
            return self.turned_away(i, t)
        self.line.join(i)
        self.live.join(i)
        self.waiting += 1
        self.eligible += 1
        waiter = self.waiters[i] = Waiter(i, self.listening, self.patience[i], t, self.draw)
        self.poll(waiter, t)

    def situation(self, waiter: Waiter, t: float) -> Situation:
        """All the live app tells a policy about this caller now, built by keyword, with the
        call id left blank: two callers in the same situation give equal (hashable) values."""
        i, last = waiter.i, waiter.last_announced
        seen, abandoned, window = self.speed.flow(t)
        position = bisect_left(self.line.entries, i) + 1
        waiting = self.waiting
        held = position - 1 - bisect_left(self.live.entries, i)  # callbacks ahead
        return situation_of(
            queue=self.queue, call_id="", position=position, waited_s=t - self.arrivals[i],
            queue_size=waiting,
            estimate=self.speed.estimate(position, seen, window, abandoned, waiting, held),
            segments_heard=waiter.segments, announcements=self.ledger.announcements[i],
            since_announcement_s=None if last is None else t - last,
            told_position=waiter.told_position, position_known=True,
            closes_in_s=self.closes_in_s(t), callback_number="",
            caller_id_callable=True,  # virtual callers never withhold their number,
            log_answered=True,  # and the virtual call log always answers
            offered_window_s=None)  # a poll: set at a key press (press)

    def ask(self, waiter: Waiter, situation: Situation) -> Segment:
        """The policy's segment for this caller (their own call id filled in)."""
        return self.next_segment(with_caller(situation, waiter.i))

    def poll(self, waiter: Waiter, t: float) -> None:
        """Twilio requests the wait document: ask the policy, play the segment."""
        situation = self.situation(waiter, t)
        answers = self.answers
        answer = answers.get(situation) if answers is not None else None
        if answer is None or self.time_to_check():
            segment = self.ask(waiter, situation)
            if answer is not None and answer[0] != segment:
                raise PolicyNotPure(f"{self.policy.name} answered one situation two ways "
                                    f"(caller {waiter.i}): run with reuse_answers=False")
            answer = (segment, *self.heard_in(segment))
            if answers is not None:
                if len(answers) > ANSWERS_KEPT:
                    answers.clear()
                answers[situation] = answer
        segment, heard, ends_call, announces = answer
        waiter.segments += 1
        waiter.offered_window_s = segment.offered_window_s  # what a key now answers
        if heard.overflow:
            self.offered.add(waiter.i)
        if announces:
            waiter.last_announced = t
            said = segment.announced_position
            if said is not None and (waiter.told_position is None or said < waiter.told_position):
                waiter.told_position = said
            self.ledger.announced(waiter.i, segment.announced_wait_s, situation.waited_s,
                                  situation.position)
        self.play(waiter, t, heard, ends_call)
        if announces and self.drop_p:  # a check-in may end in a dropped line
            self.maybe_drop(waiter, t)

    def time_to_check(self) -> bool:
        """Every CHECK_EVERY-th reused answer is asked again, so a policy whose answer depends
        on more than the situation (say, on the call id) is caught instead of trusted."""
        self.reused += 1
        return self.reused % CHECK_EVERY == 0

    def play(self, waiter: Waiter, t: float, heard: Heard, ends_call: bool) -> None:
        """The caller hears a document from `t`: their next event is its end or a reaction."""
        at = end = t + heard.duration_s
        action, key = POLL, ""
        if ends_call:
            action = END
            pressed = self.key_before_the_end(waiter, t, heard)
            if pressed is not None:
                at, action, key = max(pressed.at_s, t), PRESS, pressed.key
        elif waiter.listens:
            reaction = waiter.hear(t, heard)
            if reaction is not None:
                # never before now: a caller back from a dropped line may have no patience left
                at, key = max(reaction.at_s, t), reaction.key
                action = HANG_UP if reaction.action is Action.HANG_UP else PRESS
        else:
            deadline = self.arrivals[waiter.i] + self.patience[waiter.i]
            if deadline < end:
                at, action = max(deadline, t), HANG_UP
        self.seq = seq = self.seq + 1
        waiter.seq, waiter.action, waiter.key = seq, action, key
        heapq.heappush(self.events, (at, seq, waiter))

    def key_before_the_end(self, waiter: Waiter, t: float, heard: Heard) -> Reaction | None:
        """A key the caller presses in the keys' window of a document that then ends the wait
        (the overflow offer with `after_offer = "leave"`): live, the `<Gather>` takes it
        before the goodbye and the `<Leave>`. Nothing else they do there changes the end."""
        if not (waiter.listens and heard.key_window_s > 0):
            return None
        reaction = waiter.hear(t, heard)
        if reaction is None or reaction.action is not Action.PRESS:
            return None
        return reaction

    def heard_in(self, segment: Segment) -> tuple[Heard, bool, bool]:
        """What a caller hears in `segment`, whether it ends the wait, whether it announces."""
        found = self.heard.get(segment)
        if found is None:
            if len(self.heard) > 50_000:
                self.heard.clear()
            heard = heard_from_segment(segment)
            if heard.duration_s < MIN_SEGMENT_S:
                heard = Heard(duration_s=MIN_SEGMENT_S, leading_silence_s=MIN_SEGMENT_S)
            ends = ends_the_wait(segment)
            found = self.heard[segment] = (heard, ends, segment.is_announcement)
        return found

    def act(self, waiter: Waiter, t: float) -> None:
        """The waiter's live event is due."""
        action = waiter.action
        if action == POLL:
            self.poll(waiter, t)
        elif action == HANG_UP:
            self.leave_queue(waiter, t, ABANDONED)
        elif action == PRESS:
            self.press(waiter, t, waiter.key)
        elif action == LEAVE:
            self.left_for_callback(waiter, t)
        elif action == END:
            self.leave_queue(waiter, t, LEFT)
        elif action == DROP:
            self.dropped(waiter, t)
        elif action == RING_BACK:
            self.rang_back(waiter, t)
        else:
            self.callback_event(waiter, t)

    def press(self, waiter: Waiter, t: float, digit: str) -> None:
        """A key press goes to the policy; the caller hears its answer."""
        situation = situation_of(**{**self.situation(waiter, t).__dict__,
                                    "call_id": call_id(waiter.i),
                                    # the window the document offered, as the app's URLs carry it
                                    "offered_window_s": waiter.offered_window_s})
        decision = self.policy.on_key(situation, digit)
        heard, ends_call, _ = self.heard_in(decision.segment)
        waiter.offered_window_s = decision.segment.offered_window_s  # what a key now answers
        # (the answer's own offer, as the app's choice URL carries it: none, for most)
        if heard.overflow:  # the offer made again by a key where it ends the wait
            self.offered.add(waiter.i)
        if decision.choice is Choice.VOICEMAIL:  # a message: a callback task, place kept
            return self.leave_message(waiter, t, heard.duration_s)
        if decision.choice is not Choice.CALLBACK:
            return self.play(waiter, t, heard, ends_call)
        self.request_callback(waiter, t, decision.promised_wait_s)
        self.schedule(waiter, t + heard.duration_s, LEAVE)

    def leave_queue(self, waiter: Waiter, t: float, outcome: int) -> None:
        """The caller's wait ends here (answered, hung up, or ended by the policy)."""
        i = waiter.i
        if outcome != ANSWERED and i in self.offered:  # offered instead of a drop
            outcome = OVERFLOW
        self.ledger.outcome[i] = outcome
        self.ledger.wait[i] = t - self.arrivals[i]
        self.line.leave(i)
        self.live.leave(i)
        self.waiting -= 1
        self.eligible -= 1
        if outcome != LEFT:
            self.speed.departures.append(t)
            if outcome != ANSWERED:  # hung up (an overflow's too): ABANDONED or OVERFLOW
                self.speed.abandons.append(t)
        del self.waiters[i]
        waiter.seq = -1

    def dispatch(self, t: float) -> None:
        """An agent is free and someone may be taken: a customer-first callback held at the
        head of the line, else the oldest in line goes first."""
        if self.held:
            return self.take_held(t)
        waiters, parked = self.waiters, False
        for index in self.line.entries:
            waiter = waiters[index]
            if waiter.phase == WAITING:
                self.leave_queue(waiter, t, ANSWERED)
                heapq.heapreplace(self.agents.free, t + self.talk[index]
                                  + self.scenario.handoff.connect_after(t - self.arrivals[index]))
                return
            if waiter.phase == READY and not self.customer_first:  # else the worker rings
                if self.closed_line is None or self.is_open_at(t):
                    return self.attempt_callback(waiter, t)
                self.park_until_open(waiter, t)  # never dialled outside opening hours
                parked = True
        if parked:
            return
        raise RuntimeError(f"no one to dispatch at {t}: {self.eligible} counted eligible")


def run_polled(scenario: Scenario, policy: HoldPolicy, streams: Streams, callers: Callers,
               progress: Callable[[int], None] | None = None, *,
               reuse_answers: bool = True) -> CallTable:
    """Simulate with the policy consulted at every poll (reactions, keys and callbacks work)."""
    engine = PolledEngine(scenario, policy, streams, callers, reuse_answers=reuse_answers)
    return engine.run(progress)

