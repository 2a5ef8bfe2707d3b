"""`holdwell demo`: scripted callers ring the real webhook routes, no Twilio account needed.

Each policy gets its own queue, one agent and four callers, run by the Twilio emulator (the
one TwiML reader in the codebase) on a virtual clock: requests are signed exactly as Twilio
signs them, so signature validation stays on. The first caller is answered at once and keeps
the agent busy; the others wait — one patiently, one pressing the key the policy offers (on
`callback`: call me back, which an agent then places), one hanging up after 100 s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.storage.read import read_records_frame
from emulator.emulator import VirtualCaller
from emulator.run import EmulatedRun, emulate
from hold_policies.config import POLICY_NAMES, HoldwellConfig
from simulator.behaviour import Action, Listener, Reaction, Reactions
from simulator.distributions import Exponential
from simulator.heard import Heard
from simulator.scenario import Callbacks, Estimates, ReplayedArrivals, Scenario, Staffing
from simulator.streams import Callers


@dataclass(frozen=True)
class ScriptedCaller:
    """One demo caller: when they ring (s), how long they talk (s), their patience (s) and
    which offered key they press at the first check-in that offers it (`keep`/`callback`)."""

    rings_at_s: float
    talk_s: float
    patience_s: float = math.inf
    presses: str | None = None


SCRIPT = (
    ScriptedCaller(0, 150),
    ScriptedCaller(5, 60),
    ScriptedCaller(10, 60, presses="keep"),
    ScriptedCaller(15, 60, patience_s=100),
)
CALLBACK_SCRIPT = (*SCRIPT[:2], ScriptedCaller(10, 60, presses="callback"), SCRIPT[3])
DEMO_CONFIG = HoldwellConfig.model_validate({
    "line": {"support_number": "+14155550100"},
    "queues": {"support": {
        "policy": "callback",
        "callback": {"offer_after_estimate_s": 60, "offer_without_estimate_after_s": 60},
    }}})


class ScriptedListener(Listener):
    """Ears that follow a script instead of the behaviour model: patience runs out at a set
    time (nothing else makes them hang up) and the scripted key is pressed once offered."""

    def __init__(self, patience_s: float, entered_s: float, presses: str | None) -> None:
        super().__init__(Reactions.off(), patience_s, entered_s, lambda: 0.999)
        self.presses = presses

    def hear(self, now: float, heard: Heard) -> Reaction | None:  # noqa: D102
        reaction = super().hear(now, heard)
        key = {"keep": heard.keep_key, "callback": heard.callback_key}.get(self.presses or "")
        if key and heard.message_end_s is not None:
            press_at = now + heard.message_end_s + 1.0
            if reaction is None or press_at < reaction.at_s:
                self.presses = None
                return Reaction(Action.PRESS, press_at, key, "scripted")
        return reaction


def scripted(script: tuple[ScriptedCaller, ...]) -> Callable[[VirtualCaller, float, float],
                                                             Listener]:
    def listener_for(caller: VirtualCaller, patience_s: float, at: float) -> Listener:
        return ScriptedListener(patience_s, at, script[caller.index].presses)
    return listener_for


def demo_scenario(script: tuple[ScriptedCaller, ...]) -> Scenario:
    """One agent, the script's arrivals, callbacks always answered; estimates as configured
    by default (5 departures: four callers never reach it, so nobody hears a wait guessed
    from two answers over the whole window, as "within 45 minutes" to the next in line)."""
    return Scenario(
        calls=len(script),
        arrivals=ReplayedArrivals(tuple(c.rings_at_s for c in script)),
        agents=Staffing.constant(1),
        service=Exponential(60.0),  # unused: the script sets every talk time
        patience=Exponential(60.0),  # unused: the script sets every patience
        reactions=Reactions.off(),
        callbacks=Callbacks(answer_p=1.0),
        estimates=Estimates(),
    )


def run_policy(policy: str, database_url: str) -> EmulatedRun:
    script = CALLBACK_SCRIPT if policy == "callback" else SCRIPT
    callers = Callers(arrivals_s=np.array([c.rings_at_s for c in script]),
                      service_s=np.array([c.talk_s for c in script]),
                      patience_s=np.array([c.patience_s for c in script]))
    return emulate(demo_scenario(script), policy, np.random.default_rng(0),
                   database_url=database_url, config=DEMO_CONFIG, record=True,
                   callers=callers, listener_for=scripted(script))


def run_demo(database_url: str, *, rounds: int = 1,
             echo: Callable[[str], None] = print) -> None:
    """Every policy in turn (`rounds` times): what each caller heard, then the call log."""
    runs = [name for name in POLICY_NAMES for _ in range(rounds)]
    for number, policy in enumerate(runs, start=1):
        run = run_policy(policy, database_url)
        echo(f"\n######## policy {policy}: one agent, four callers (run {number} of "
             f"{len(runs)}) ########")
        for caller in run.callers:
            echo(f"\n== {caller.call_sid} heard (t = seconds since the call began):")
            for line in caller.heard:
                echo(f"   {line}")
        for error in run.errors:
            echo(f"   app fault: {error}")
        show_log(database_url, run.call_id_prefix, echo)


def show_log(database_url: str, prefix: str, echo: Callable[[str], None]) -> None:
    frame = read_records_frame(database_url, call_id_prefix=prefix).sort_values("call_id")
    estimates = Estimates()
    echo("\nCall log (wait_s = seconds in queue until answered, abandoned or left, - if "
         "never in line; callback_connected = chose a callback, kept their place and was "
         "called back; announcements = spoken updates heard while waiting, the greeting "
         "not counted; first_announced_wait_s = the first wait estimate told to the caller, "
         "in seconds, blank if none was told: an estimate needs "
         f"{estimates.min_departures} departures in the last {estimates.window_s / 60:g} "
         "minutes, which four callers never make, so here check-ins tell the place in "
         "line instead):")
    echo(f"{'call_id':<36}{'policy':<11}{'outcome':<20}{'wait_s':>8}{'announcements':>15}"
         f"{'first_announced_wait_s':>24}")
    for row in frame.to_dict("records"):
        announced = row["first_announced_wait_s"]
        wait = row["wait_s"]
        echo(f"{row['call_id']:<36}{row['policy']:<11}{row['outcome'] or '-':<20}"
             f"{'-' if wait is None or wait != wait else f'{wait:.0f}':>8}"
             f"{row['announcements']:>15}"
             f"{'' if announced is None or announced != announced else f'{announced:.0f}':>24}")
