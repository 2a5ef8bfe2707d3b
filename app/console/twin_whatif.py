"""What-if, staffing and backtest on the live twin, bounded for a web request.

The fast engine runs in the request's own process (`workers=1`): forking a pool out of a
threaded web server could copy a lock another thread holds. So the work is bounded twice:
before it starts, the replications shrink until the callers to simulate fit `MAX_CALLER_RUNS`
(said in the notes); while it runs, a deadline (the environment's `HOLDWELL_TWIN_LIMIT_S`,
read into Settings, default 20 s) stops it with a message asking for less, and each process
runs one at a time (`twin_limits`). The page and POST /api/v1/twin/whatif both call `answer`.
Every simulation runs the busiest queue as `holdwell whatif --config` does: its policies and
what it sets beyond them (`simulator.as_run`), so the console and the CLI give one figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from app.api.twin_models import (
    VARIANTS,
    BacktestRow,
    BacktestView,
    PolicyOutcome,
    StaffingView,
    StaffRow,
    TwinAnswer,
    TwinAsk,
)
from app.console.twin_limits import Deadline, TwinProblem, limit_s, one_at_a_time
from app.console.twin_live import LiveTwin, busiest_queue, live_twin
from app.console.twin_view import estimate, fit_view, interval, num
from app.services import Services
from hold_policies.base import HoldPolicy
from hold_policies.config import POLICY_NAMES, VariantConfig
from simulator.as_run import as_the_queue_runs
from simulator.fit_results import SLOT_MIN, hhmm
from simulator.staff_report import goal_words, wide_slots

if TYPE_CHECKING:
    from simulator.scenario import Scenario

MAX_CALLER_RUNS = 300_000
STAFFING_REPLICATIONS, STAFFING_DAYS = 4, 2
BACKTEST_REPLICATIONS = 10


WHATIF_ADVICE = ("ask for fewer `replications` or `policies` (or fewer days), or run "
                 "`holdwell whatif`")


def configured_variants(svc: Services) -> Iterator[tuple[str, VariantConfig]]:
    """Every configured queue's variants, queue by queue, each queue's by name."""
    for queue in svc.config.queues.values():
        yield from sorted(queue.variants.items())


def ask_context(svc: Services) -> dict[str, object]:
    """TwinAsk's validation context: every configured queue's variants, which `policies` may
    name (whether the twin's own queue has it is known after the fit: `policies_of`)."""
    return {VARIANTS: frozenset(name for name, _ in configured_variants(svc))}


def policies_of(svc: Services, queue: str, names: list[str]) -> list[HoldPolicy]:
    """Each policy or variant asked for, as queue `queue` configures it (422 on `policies`
    for a variant of another queue, or one the config no longer has)."""
    from simulator.run import policy_named
    from simulator.scenario import ScenarioError

    try:
        return [policy_named(name, svc.config, queue) for name in names]
    except ScenarioError as error:
        unknown = next((name for name in names if name not in
                        (*POLICY_NAMES, *svc.config.queues[queue].variants)), None)
        if unknown is None:  # not a name it refused: the scenario's own words
            raise TwinProblem(str(error), 422, "policies") from None
        raise TwinProblem(f"{unknown!r} is not a policy or a variant of queue {queue!r}, "
                          "which the twin simulates (most of the window's calls waited there)",
                          422, "policies") from None


def replications_within(calls: int, policies: int, asked: int) -> tuple[int, list[str]]:
    """The replications that fit the budget of simulated callers, with a note if fewer."""
    fits = MAX_CALLER_RUNS // max(1, calls * policies)
    if fits < 2:
        raise TwinProblem(f"a fitted day of {calls:,} calls x {policies} policies is more than "
                          "the console simulates: ask for fewer policies, or run "
                          "`holdwell whatif`")
    if fits >= asked:
        return asked, []
    return fits, [f"{fits} replications instead of {asked}: the console simulates at most "
                  f"{MAX_CALLER_RUNS:,} callers per what-if"]


def agents_of(live: LiveTwin, ask: TwinAsk) -> tuple[int, ...]:
    """The fitted agents, or the override: one number for every open half-hour, or 48."""
    fitted = live.twin.agents.per_slot
    if ask.agents is None:
        return fitted
    if len(ask.agents) == len(fitted):
        return tuple(ask.agents)
    rates = live.twin.day_rates(ask.day)
    return tuple(ask.agents[0] if rate > 0 or n > 0 else 0
                 for rate, n in zip(rates.per_min, fitted, strict=True))


def answer(svc: Services, ask: TwinAsk) -> TwinAnswer:
    """The fit, each policy on the fitted day, and the staffing plan or backtest if asked:
    heavy work, so one at a time per process and all of it within one deadline."""
    deadline = Deadline(limit_s(svc), WHATIF_ADVICE)
    with one_at_a_time(deadline):
        return _answer(svc, ask, deadline)


def _answer(svc: Services, ask: TwinAsk, deadline: Deadline) -> TwinAnswer:
    from simulator.twin import twin_scenario
    from simulator.whatif import whatif

    live = live_twin(svc, ask.window_days, deadline)
    if ask.day != "all" and ask.day not in live.twin.weekdays():
        raise TwinProblem(f"no calls on a {ask.day} in the log's window (a day without calls "
                          "is taken as shut); choose all or one of "
                          f"{', '.join(live.twin.weekdays())}", 422, "day")
    check_backtest_days(live, ask)
    agents = agents_of(live, ask)
    queue = queue_of(svc, live)
    as_run = partial(as_the_queue_runs, config=svc.config, queue=queue)
    scenario = as_run(twin_scenario(live.twin, day=ask.day, agents=agents))
    policies = policies_of(svc, queue, ask.policies)
    replications, notes = replications_within(scenario.calls, len(policies), ask.replications)
    results = whatif(scenario, policies, replications, ask.seed, workers=1, progress=deadline)
    outcomes = [PolicyOutcome(
        policy=name, unserved_rate=interval(f["unserved_rate"]),
        abandonment_rate=interval(f["abandonment_rate"]), asa_s=interval(f["asa_s"]),
        service_level=interval(f["service_level"]),
        time_to_serve_s=interval(f["time_to_serve_s"]),
        served_in_time_rate=interval(f["served_in_time_rate"]),
        promise_kept=interval(f["callback_promise_kept_rate"]),
        unserved_vs_first=None if index == 0 else interval(f["unserved_vs_first"]))
        for index, (name, f) in enumerate(results.items())]
    plan = staffing(live, ask, policies, deadline, as_run)
    return TwinAnswer(
        fit=fit_view(live), day=ask.day, calls_per_day=round(scenario.expected_calls),
        agents=list(agents),
        replications=replications, policies=outcomes,
        staffing=plan, backtest=backtest(live, ask, deadline),
        notes=notes + [f"each policy with the words, knobs, opening hours, estimate settings, "
                       f"resume rule and size queue {queue!r} has configured"]
        + unmet_notes(plan))


def queue_of(svc: Services, live: LiveTwin) -> str:
    """The configured queue most of the window's calls waited in (else the default queue):
    its words and knobs are what the line's callers would hear under each policy."""
    return busiest_queue(svc.config, live.records)


def staffing(live: LiveTwin, ask: TwinAsk, policies: list, deadline: Deadline,
             as_run: Callable[[Scenario], Scenario]) -> StaffingView | None:
    """Agents per half-hour that meet the target, per policy, with Erlang-A beside it: added
    where it misses, never taken back (an upper bound on the fewest, within the page's time
    limit; `holdwell staffing` takes back what the target does not need). Each day simulated
    `as_run` (the queue's hours, estimates, resume rule and size), as `holdwell staffing
    --config` simulates it."""
    if ask.target_unserved is None and ask.target_service_level is None:
        return None
    from simulator.staff_plan import Target, plan_policies

    target = Target(ask.target_unserved, ask.target_service_level, ask.sl_seconds)
    erlang, plans = plan_policies(live.twin, policies, target, day=ask.day,
                                  replications=STAFFING_REPLICATIONS, days=STAFFING_DAYS,
                                  seed=ask.seed, workers=1, on_round=deadline,
                                  as_run=as_run)
    rates = live.twin.day_rates(ask.day)
    rows = [StaffRow(start=hhmm(s), calls_per_min=estimate(rate, rates.se_per_min[s]),
                     borrowed=rates.borrowed[s], erlang_a=erlang[s],
                     agents={p.policy: p.agents[s] for p in plans},
                     figure={p.policy: interval((p.mean[s], p.half_width[s])) for p in plans},
                     met={p.policy: not p.missed[s] for p in plans},
                     too_few_calls_bound={p.policy: num(p.unresolved_bound[s]) for p in plans})
            for s, rate in enumerate(rates.per_min) if rate > 0]
    return StaffingView(target=goal_words(target), replications=STAFFING_REPLICATIONS,
                        days=STAFFING_DAYS,
                        rows=rows, agent_hours={p.policy: p.agent_hours for p in plans},
                        erlang_a_agent_hours=sum(erlang) * SLOT_MIN / 60,
                        target_met={p.policy: p.met for p in plans},
                        missed_half_hours={p.policy: [hhmm(s) for s in p.missed_slots]
                                           for p in plans},
                        wide_margins_half_hours={p.policy: [hhmm(s) for s in wide_slots(p, target)]
                                                 for p in plans},
                        too_few_calls_half_hours={p.policy: [hhmm(s) for s in p.unresolved_slots]
                                                  for p in plans})


def unmet_notes(plan: StaffingView | None) -> list[str]:
    """A plain note per policy whose staffing plan misses the target (the page shows notes)."""
    if plan is None:
        return []
    return [f"staffing under {policy}: the target is NOT MET in {len(slots)} half-hour(s) "
            f"({', '.join(slots)}); the search stopped at its round limit, so its agents "
            "there are too few and its agent-hours a lower bound"
            for policy, slots in plan.missed_half_hours.items() if slots] + [
        f"staffing under {policy}: in {len(slots)} half-hour(s) ({', '.join(slots)}) no "
        "simulated call fell short of the target, but too few were simulated to show it met; "
        "its agents there may be too few"
        for policy, slots in plan.too_few_calls_half_hours.items() if slots]


def check_backtest_days(live: LiveTwin, ask: TwinAsk) -> None:
    """Refuse a backtest longer than the window allows before anything is simulated."""
    if ask.backtest_days is not None and ask.backtest_days > live.backtest_days_max:
        raise TwinProblem(f"the window has calls on {live.days} day(s): a backtest can hold "
                          f"out at most {live.backtest_days_max} (it holds out and trains on "
                          "days with calls, two to train at least)",
                          422, "backtest_days")


def backtest(live: LiveTwin, ask: TwinAsk, deadline: Deadline) -> BacktestView | None:
    """Fit on all but the last `backtest_days` days of the window, predict those by hour."""
    if ask.backtest_days is None:
        return None
    from simulator.backtest import backtest as run_backtest
    from simulator.backtest_report import coverage

    result = run_backtest(live.records, test_days=ask.backtest_days,
                          replications=BACKTEST_REPLICATIONS, seed=ask.seed, workers=1,
                          progress=deadline, timezone=live.twin.timezone)
    rows = [BacktestRow(hour=int(r.hour), metric=r.metric, calls=int(r.entered),
                        actual=num(r.actual), predicted=num(r.predicted), low=num(r.low),
                        high=num(r.high)) for r in result.hourly.itertuples()]
    return BacktestView(train_days=list(result.train_days), test_days=list(result.test_days),
                        replications=result.replications, rows=rows,
                        inside={m: num(v) for m, v in coverage(result).items()})
