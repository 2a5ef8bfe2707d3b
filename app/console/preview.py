"""What a made-up caller would hear, minute by minute, from the real policy objects.

The queue's running policy (hold_policies) is asked for each segment exactly as the voice
routes ask it: a Situation per poll, `on_key` for each key the caller presses. The queue moves
at `answered_per_min`, and the wait estimate comes from that speed as it would from the log.
The caller rings now: near the queue's closing time they hear what a real caller would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from app.api.models import PreviewRequest, PreviewResponse, TimelineEntry
from app.services import Services
from hold_policies.base import Choice, HoldPolicy
from hold_policies.callback import with_plan
from hold_policies.durations import segment_duration_s, step_duration_s
from hold_policies.estimate import QueueFlow, estimate_wait
from hold_policies.factory import build_policy
from hold_policies.situation import Situation
from hold_policies.steps import AskSpeech, Leave, OfferKeys, Pause, Play, Say, Segment, Step
from hold_policies.welcome import first_document


@dataclass
class Caller:
    """The made-up caller: where they stand, what they heard, which keys are left to press."""

    position: int
    keys: list[str]
    waited_s: float = 0.0
    segments: int = 0
    announcements: int = 0
    announced_at_s: float | None = None


def heard(step: Step) -> tuple[str, str]:
    """(kind, words) of one step, as a person would describe hearing it."""
    match step:
        case Say(text=text):
            return "say", text
        case Pause(seconds=seconds):
            return "silence", f"{seconds} s of silence"
        case Play(audio=audio, expected_s=seconds):
            return "audio", f"{audio} ({seconds:g} s)"
        case OfferKeys(prompt=prompt, keys=keys):
            words = " ".join(heard(s)[1] for s in prompt)
            return "offer", f"{words} [keys {', '.join(keys)}]"
        case AskSpeech(prompt=prompt):
            words = " ".join(heard(s)[1] for s in prompt)
            return "ask", f"{words} [the caller may answer in a few words]"
        case Leave():
            return "leave", "leaves the queue (a callback is arranged)"
    return "other", type(step).__name__


def position_at(start: int, answered_per_min: float, waited_s: float) -> int:
    return start - math.floor(answered_per_min * waited_s / 60)


def situation(queue: str, caller: Caller, req: PreviewRequest, svc: Services) -> Situation:
    window = svc.config.estimate.window_s
    flow = QueueFlow(departures=round(req.answered_per_min * window / 60), window_s=window)
    estimate = estimate_wait(caller.position, flow, min_departures=svc.config.estimate
                             .min_departures, confidence=svc.config.estimate.confidence)
    since = None if caller.announced_at_s is None else caller.waited_s - caller.announced_at_s
    at = svc.clock.now() + timedelta(seconds=caller.waited_s)
    return Situation(queue=queue, call_id="", position=caller.position,
                     waited_s=caller.waited_s, queue_size=caller.position, estimate=estimate,
                     segments_heard=caller.segments, announcements=caller.announcements,
                     since_announcement_s=since,
                     closes_in_s=svc.config.closes_in_s(queue, at))


def _entries(steps: tuple[Step, ...], at_s: float, position: int,
             *, pressed: bool = False) -> tuple[list[TimelineEntry], float]:
    """Timeline rows for `steps` heard from `at_s`, and the time they end."""
    entries, t = [], at_s
    for step in steps:
        kind, words = heard(step)
        seconds = step_duration_s(step, key_pressed=pressed)
        entries.append(TimelineEntry(at_s=round(t, 1), duration_s=round(seconds, 1),
                                     position=position, kind=kind, heard=words,
                                     audio=step.audio if isinstance(step, Play) else None))
        t += seconds
    return entries, t


def _until_offer(segment: Segment) -> tuple[Step, ...]:
    """The steps up to the key offer: a key press there cuts the rest of the segment."""
    steps = []
    for step in segment.steps:
        steps.append(step)
        if isinstance(step, OfferKeys):
            break
    return tuple(steps)


def _hear(policy: HoldPolicy, caller: Caller, now: Situation,
          segment: Segment) -> tuple[list[TimelineEntry], Choice | None]:
    """One poll's segment; the next scripted key is pressed when it offers keys."""
    if not (segment.offered_keys and caller.keys):
        entries, _ = _entries(segment.steps, caller.waited_s, caller.position)
        caller.waited_s += max(segment_duration_s(segment), 1.0)
        return entries, None
    entries, t = _entries(_until_offer(segment), caller.waited_s, caller.position, pressed=True)
    digit = caller.keys.pop(0)
    decision = policy.on_key(now, digit)
    entries.append(TimelineEntry(at_s=round(t, 1), duration_s=0, position=caller.position,
                                 kind="key",
                                 heard=f"caller presses {digit}: {decision.choice}"))
    if decision.choice == Choice.CALLBACK:
        check, t = _number_check(policy, t, caller.position)
        entries += check
    reply, caller.waited_s = _entries(decision.segment.steps, t, caller.position)
    return entries + reply, decision.choice


SAMPLE_ENDING = "0100"
"""The last four digits of the made-up caller's number the preview reads back."""


def _number_check(policy: HoldPolicy, at_s: float, position: int
                  ) -> tuple[list[TimelineEntry], float]:
    """What a live caller who asks for a callback hears before its confirmation: their
    number read back to confirm (app.voice.callback_flow), and the key that confirms it.
    The preview had gone straight to the confirmation."""
    from app.voice.callback_flow import CONFIRM_KEY
    from app.voice.callers import spoken_digits
    from hold_policies.prompts import filled

    question = filled(policy.prompts.callback_number_check,
                      number=spoken_digits(SAMPLE_ENDING))
    asked, t = _entries((Say(question),), at_s, position, pressed=True)
    pressed = TimelineEntry(at_s=round(t, 1), duration_s=0, position=position, kind="key",
                            heard=f"caller presses {CONFIRM_KEY}: their number "
                                  f"(ending in {SAMPLE_ENDING}) confirmed")
    return [*asked, pressed], t


def arm_policy(svc: Services, queue: str, name: str) -> HoldPolicy:
    """The queue's policy or variant `name` as a live call hears it: the running object when
    the queue may play it, else built the same way (a variant no split names yet)."""
    running = svc.policies.get((queue, name))
    if running is not None:
        return running
    config = svc.config.queues[queue]
    if name not in config.variants and name != config.policy:
        raise LookupError(f"queue {queue!r} has no variant or policy {name!r} to preview")
    return with_plan(build_policy(config, name), svc.config.callbacks)


def timeline(svc: Services, req: PreviewRequest, name: str | None = None) -> PreviewResponse:
    """The first `req.minutes` of the wait, or until the caller is answered or leaves, under
    the queue's own policy or its policy or variant `name` (an experiment arm)."""
    if req.queue not in svc.config.queues:
        raise LookupError(f"no queue named {req.queue!r}")
    queue = req.queue
    policy = svc.policy(queue, None) if name is None else arm_policy(svc, queue, name)
    caller = Caller(position=req.position, keys=list(req.keys))
    entries: list[TimelineEntry] = []  # in line at once: the welcome opens the first segment
    answer_at_s = req.position / req.answered_per_min * 60
    outcome = f"still waiting after {req.minutes} min"
    while caller.waited_s < req.minutes * 60:
        if caller.waited_s >= answer_at_s:
            outcome = f"answered after {answer_at_s / 60:.1f} min"
            entries = [e for e in entries if e.at_s < answer_at_s]
            break
        caller.position = max(position_at(req.position, req.answered_per_min,
                                          caller.waited_s), 1)
        now = situation(queue, caller, req, svc)
        segment = (policy.next_segment(now) if caller.segments
                   else first_document(policy, now)[0])  # as /voice/wait answers a new call
        caller.segments += 1
        if segment.is_announcement:
            caller.announcements += 1
            caller.announced_at_s = caller.waited_s
        heard_now, choice = _hear(policy, caller, now, segment)
        entries += heard_now
        if choice == Choice.CALLBACK:
            outcome = "left the queue for a callback, keeping their place"
            break
    return PreviewResponse(queue=queue, policy=policy.name, timeline=entries, outcome=outcome)
