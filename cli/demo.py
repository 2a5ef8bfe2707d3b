"""`holdwell demo`: scripted callers ring the real webhook routes, no Twilio account needed.

Each policy gets its own queue and a few callers; one agent per queue answers every 80 s.
A caller presses a key or hangs up as its script says. Requests are signed exactly as
Twilio signs them, so signature validation stays on, and the clock is virtual.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from app import create_app
from app.clock import ManualClock
from app.signed_client import SignedClient
from app.storage.migrate import upgrade
from audio.generate import music_bed
from audio.kinds import Kind
from audio.prepare import write_prepared
from hold_policies.config import POLICY_NAMES
from hold_policies.durations import say_duration_s

AGENT_EVERY_S = 80
DEMO_CONFIG = "[estimate]\nmin_departures = 2\n" + "\n".join(
    f'[queues.{name}]\npolicy = "{name}"\n' for name in POLICY_NAMES
) + '[queues.callback.callback]\noffer_after_estimate_s = 60\noffer_without_estimate_after_s = 60\n'


@dataclass
class ScriptedCaller:
    call_id: str
    queue: str
    press: str | None = None  # key pressed at the first check-in that offers it
    hang_up_at_s: float | None = None
    entered_s: float = 0.0
    next_poll_s: float = 0.0
    done: bool = False
    heard: list[str] = field(default_factory=list)


def listen(xml: bytes) -> tuple[float, list[str], list[str], bool]:
    """(seconds it lasts, what was heard, keys offered, left the queue) of a wait document."""
    seconds, heard, keys, left = 0.0, [], [], False
    for verb in ElementTree.fromstring(xml).iter():
        if verb.tag == "Say":
            seconds += say_duration_s(verb.text or "")
            heard.append(f'"{verb.text}"')
        elif verb.tag == "Pause":
            seconds += float(verb.get("length", 1))
            heard.append(f"[silence {verb.get('length')} s]")
        elif verb.tag == "Play":
            seconds += 60.0
            heard.append(f"[audio {verb.text}]")
        elif verb.tag == "Gather":
            seconds += float(verb.get("timeout", 5))
            keys.append(verb.get("action", ""))
        elif verb.tag == "Leave":
            left = True
    return seconds, heard, keys, left


def run_demo(database_url: str, *, calls_per_policy: int = 1,
             echo: Callable[[str], None] = print) -> None:
    upgrade(database_url)
    token = secrets.token_hex(16)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "demo.toml"
        config.write_text(DEMO_CONFIG, encoding="utf-8")
        echo("Preparing a telephone-ready music bed for the legacy music_ads baseline ...")
        write_prepared(Path(folder) / "hold_music.wav", music_bed(duration_s=60), Kind.MUSIC)
        app = create_app({"auth_token": token, "database_url": database_url,
                          "config_path": str(config), "audio_dir": folder}, clock=clock)
        twilio = SignedClient(app.test_client(), token)
        callers = script(calls_per_policy, secrets.token_hex(3))
        run_script(twilio, clock, callers)
    for caller in callers:
        echo(f"\n== {caller.call_id} (queue {caller.queue}) heard:")
        for line in caller.heard:
            echo(f"   {line}")
    show_log(app, [c.call_id for c in callers], echo)


def script(per_policy: int, tag: str) -> list[ScriptedCaller]:
    """Three callers a queue: one patient, one who presses a key, one who gives up."""
    callers = []
    for policy in POLICY_NAMES:
        for n in range(per_policy):
            base = f"CA{tag}{policy[:3]}{n}"
            callers += [
                ScriptedCaller(f"{base}a", policy, entered_s=0),
                ScriptedCaller(f"{base}b", policy, entered_s=10,
                               press="2" if policy == "callback" else "1"),
                ScriptedCaller(f"{base}c", policy, entered_s=20, hang_up_at_s=100),
            ]
    return callers


def run_script(twilio: SignedClient, clock: ManualClock, callers: list[ScriptedCaller]) -> None:
    start = clock.now()
    for t in range(0, 600):
        clock.set(start)
        clock.advance(t)
        for caller in callers:
            step(twilio, caller, t, callers)
        if t and t % AGENT_EVERY_S == 0:
            for queue in {c.queue for c in callers}:
                answer_next(twilio, [c for c in callers if c.queue == queue], t)


def step(
    twilio: SignedClient, caller: ScriptedCaller, t: float, everyone: list[ScriptedCaller]
) -> None:
    if caller.done or t < caller.entered_s:
        return
    waited = t - caller.entered_s
    if t == caller.entered_s:
        response = twilio.post(f"/voice/incoming?queue={caller.queue}",
                               {"CallSid": caller.call_id, "From": "+14155550123"})
        caller.heard.append(f"t=0 s: {' '.join(listen(response.data)[1])} [joins the queue]")
        return
    if caller.hang_up_at_s is not None and waited >= caller.hang_up_at_s:
        twilio.post(f"/voice/queue-result?queue={caller.queue}",
                    {"CallSid": caller.call_id, "QueueResult": "hangup", "QueueTime": str(waited)})
        caller.heard.append(f"t={waited:.0f} s: [hangs up]")
        caller.done = True
        return
    if t >= caller.next_poll_s:
        line = [c for c in everyone if c.queue == caller.queue and not c.done
                and c.entered_s < t]
        position = sorted(c.entered_s for c in line).index(caller.entered_s) + 1
        poll(twilio, caller, waited, position, len(line))


def poll(
    twilio: SignedClient, caller: ScriptedCaller, waited: float, position: int, size: int
) -> None:
    form = {"CallSid": caller.call_id, "QueueTime": str(int(waited)),
            "QueuePosition": str(position), "CurrentQueueSize": str(size),
            "From": "+14155550123"}
    response = twilio.post(f"/voice/wait?policy={caller.queue}&queue={caller.queue}", form)
    seconds, heard, gathers, _ = listen(response.data)
    caller.heard.append(f"t={waited:.0f} s: {' '.join(heard)}")
    caller.next_poll_s = waited + caller.entered_s + seconds
    if gathers and caller.press:
        reply = twilio.post(gathers[0], {**form, "Digits": caller.press})
        _, said, confirm, left = listen(reply.data)
        caller.heard.append(f"t={waited:.0f} s: [presses {caller.press}] {' '.join(said)}")
        caller.press = None
        if confirm:  # the callback flow reads the caller ID back: confirm it
            reply = twilio.post(confirm[0], {**form, "Digits": "1"})
            _, said, _, left = listen(reply.data)
            caller.heard.append(f"t={waited:.0f} s: [presses 1] {' '.join(said)}")
        if left:
            twilio.post(f"/voice/queue-result?queue={caller.queue}",
                        {"CallSid": caller.call_id, "QueueResult": "leave",
                         "QueueTime": str(int(waited))})
            caller.done = True


def answer_next(twilio: SignedClient, callers: list[ScriptedCaller], t: float) -> None:
    waiting = [c for c in callers if not c.done and t > c.entered_s]
    if not waiting:
        return
    caller = min(waiting, key=lambda c: c.entered_s)
    waited = t - caller.entered_s
    response = twilio.post(f"/voice/connect?queue={caller.queue}",
                           {"CallSid": caller.call_id, "QueueTime": str(int(waited)),
                            "DequeingCallSid": f"AGENT{int(t)}"})
    caller.heard.append(f"t={waited:.0f} s: {' '.join(listen(response.data)[1])} [answered]")
    twilio.post(f"/voice/queue-result?queue={caller.queue}",
                {"CallSid": caller.call_id, "QueueResult": "bridged", "QueueTime": str(waited)})
    caller.done = True


def show_log(app, call_ids: list[str], echo: Callable[[str], None]) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from app.storage.schema import calls

    engine = app.extensions["holdwell"].store.engine
    with engine.connect() as conn:
        rows = conn.execute(select(calls).where(calls.c.call_id.in_(call_ids))
                            .order_by(calls.c.queue, calls.c.call_id)).mappings().all()
    echo("\nCall log (wait_s = seconds in queue until answered, abandoned or left; "
         "left = chose a callback, which keeps its place until an agent calls back):")
    echo(f"{'call_id':<22}{'policy':<11}{'outcome':<12}{'wait_s':>8}{'announcements':>15}"
         f"{'first_announced_wait_s':>24}")
    for row in rows:
        announced = row["first_announced_wait_s"]
        echo(f"{row['call_id']:<22}{row['policy']:<11}{row['outcome'] or '-':<12}"
             f"{row['wait_s'] or 0:>8.0f}{row['announcements']:>15}"
             f"{'' if announced is None else f'{announced:.0f}':>24}")
