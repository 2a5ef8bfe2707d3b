"""`holdwell simulate`, `holdwell compare` and `holdwell erlang`: thin wrappers over simulator.

Engines are looked up in `ENGINES` by `--engine`; each takes (scenario, policy, rng, progress)
and returns a `SimulationRun` (records and the `--json` summary), so the Twilio emulator can
join as `ENGINES["twilio"]` with the same flags and output.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import click
import numpy as np

from analytics.formatting import percent_number
from analytics.tables import PARQUET_SUFFIXES
from cli.database import cannot_use
from cli.memory_check import check_fits_in_memory
from cli.params import FiniteFloatRange, OutFile, leads_to_stdout, policy_names, was_given
from cli.progress import stderr_progress
from cli.queue_config import (
    CONFIG_OPTION,
    QUEUE_OPTION,
    named_as,
    queue_config,
)
from cli.whole_file import whole_file
from hold_policies.base import HoldPolicy, label
from hold_policies.config import POLICY_NAMES, ConfigError, HoldwellConfig
from hold_policies.experiment import shares
from hold_policies.factory import prompts_of, voice_of
from hold_policies.records import SERVICE_LEVEL_S
from simulator.as_run import as_the_queue_runs
from simulator.behaviour import Reactions
from simulator.distributions import DistributionError, parse_distribution
from simulator.erlang import ErlangA, fewest_agents
from simulator.metrics import unserved_vs
from simulator.promises import late_callbacks_line
from simulator.report import (
    erlang_table,
    reactions_off_note,
    run_name,
    summary_table,
    unstable_note,
)
from simulator.run import (
    SimulationRun,
    policy_named,
    simulate,
    summary_after_warmup,
)
from simulator.scenario import (
    MAX_CALLS,
    Callbacks,
    Handoff,
    RateProfile,
    Scenario,
    ScenarioError,
    Staffing,
    handoff_for,
    parse_steps,
    simple_scenario,
)
from simulator.scenario_file import MAX_AGENTS, MAX_CALLS_PER_MIN, MAX_MEAN_S


class Engine(Protocol):
    """A simulation engine: same scenario, policy and random numbers in; calls and summary out."""

    def __call__(self, scenario: Scenario, policy: HoldPolicy, rng: np.random.Generator,
                 progress: Callable[[int], None] | None = None) -> SimulationRun: ...


class TwilioEngine:
    """The emulator as an engine: the real app, signed webhooks, a virtual clock.

    A variant runs as the app's own experiment arm (its words and knobs, its name in every
    record's arm), so reports compare variants as they compare the fast engine's. Calls stay
    in `--sim-db`, or in a fresh SQLite file of each policy's own named on stderr, so reports
    and exports run on them afterwards; never in DATABASE_URL, the line's live log (made-up
    callers there would join every report, the console and the twin's fit).

    Runs sharing one log cannot share its dates: the app reads the log's recent past (its
    queue's departures for estimates, its callback answer rate, each number's standing
    callback), so a second policy on the same hours would hear of the first's callers. A
    run into `--sim-db` is therefore moved past the calls there (`emulator.run.fresh_start`),
    and compare says so (`dates_line`); without `--sim-db` each policy gets its own file,
    so every policy of a compare runs on the scenario's own dates.
    """

    config: HoldwellConfig | None = None
    database_url: str | None = None
    runs_splits = True
    """`policy` may be the queue's split (arm -> weight, `running_split`): the app then draws
    each caller into an arm as it does live, every record carries its arm, and the run's
    `arms` holds each arm's calls (its table and summary are the whole split's, "split")."""

    def __call__(self, scenario: Scenario, policy: HoldPolicy | Mapping[str, float],
                 rng: np.random.Generator,
                 progress: Callable[[int], None] | None = None) -> SimulationRun:
        from emulator.run import emulate

        split = dict(policy) if isinstance(policy, Mapping) else None
        name = "split" if split else label(policy)
        url = self.database_url
        if not url:
            named = re.sub(r"[^A-Za-z0-9_-]", "_", name)
            path = Path(f"holdwell-sim-{datetime.now(UTC):%Y%m%dT%H%M%S}-{named}.db").resolve()
            url = f"sqlite:///{path}"
        click.echo(f"twilio engine: calls are logged in {url}", err=True)
        with sim_db_errors(url, "--sim-db" if self.database_url else "the simulation's log"):
            run = emulate(scenario, split or name, rng, database_url=url, config=self.config,
                          progress=progress)
        if run.table.start != scenario.start:
            click.echo(moved_run(scenario.start, run.table.start, url,
                                 self.clock_zone(scenario.queue)), err=True)
        if run.errors:
            click.echo(f"the app answered {len(run.errors)} request(s) wrongly; first: "
                       f"{run.errors[0]}", err=True)
        if split:  # the whole run is no one arm's (even when every caller drew one), nor
            # its first caller's policy, nor (every caller rang while the line was closed: no
            # record to label it) the queue's own policy, which nobody heard
            table = replace(run.table, policy="split", arm="")
            return SimulationRun(table, {**run.summary, "policy": "split", "arm": ""}, run.arms)
        return SimulationRun(run.table, run.summary)

    def clock_zone(self, queue: str) -> str:
        """The queue's clock (`QueueConfig.clock_zone`), on which a moved run keeps its
        weekdays and times of day; UTC without a config."""
        queues = self.config.queues if self.config is not None else {}
        return queues[queue].clock_zone if queue in queues else "UTC"


def moved_run(wanted: datetime, start: datetime, url: str, zone: str = "UTC") -> str:
    """Why a Twilio run's calls carry later dates than asked: the log already held calls
    from then on, and a run may not mix with them (`emulator.run.fresh_start`). Dates and
    the new start are on the line's clock (`zone`, named), where the weeks are counted: in
    UTC, a Berlin run moved to its Saturday midnight had read as Friday 23:00."""
    weeks = round((start - wanted) / timedelta(weeks=1))
    wanted, start = (moment.astimezone(ZoneInfo(zone)) for moment in (wanted, start))
    return (f"twilio engine: {url} already holds calls from {wanted:%a %Y-%m-%d} on, so this "
            f"run is moved {weeks} week(s) later, to start {start:%a %Y-%m-%d %H:%M} {zone}: "
            "the same weekdays and times of day on the line's clock (a closed date is the "
            "later week's), and its records carry the later dates")


def dated(run: SimulationRun) -> dict:
    """A run's `--json` summary with its `start` (ISO 8601, UTC): the moment its entry times
    count from. A Twilio run moved past a log's calls starts later than the scenario, and
    a compare into one `--sim-db` gives each policy its own week (`dates_line` says so in
    the table's output; JSON had carried no date)."""
    return {**run.summary, "start": run.table.start.astimezone(UTC).isoformat()}


def dates_line(runs: list[SimulationRun], zone: str) -> str | None:
    """Which dates each policy of a compare ran on, when they differ (a Twilio compare into
    one `--sim-db`: each run moved past the last, `TwilioEngine`), and what that changes;
    None when every policy met the same dates. Said, since records and reports show the
    dates and a pairing across them is only as good as the weeks are alike."""
    starts = [run.table.start for run in runs]
    if len(set(starts)) == 1:
        return None
    clock = ZoneInfo(zone)
    each = ", ".join(f"{run_name(run.summary)} from {start.astimezone(clock):%a %Y-%m-%d %H:%M}"
                     for run, start in zip(runs, starts, strict=True))
    return (f"dates: the policies ran on different dates of one log ({each}, {zone}): the "
            "same callers at the same weekday and time of day on the line's clock, each run "
            "moved whole weeks past the last, since the app reads the log's recent past "
            "(estimates, callbacks) and policies on the same hours would hear of each "
            "other's callers; a closed date or a daylight-saving change in one week and "
            "not another gives their callers different hours (then \"unserved vs the "
            "first\" is n/a); without --sim-db each policy has a log of its own and all "
            "run on the same dates")


@contextmanager
def sim_db_errors(url: str, name: str) -> Iterator[None]:
    """A database the emulator cannot use, named as the option that gave it: the catch-all
    had named DATABASE_URL and sqlite:///holdwell.db, which this command never touches."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, ImportError) as error:
        raise click.ClickException(cannot_use(url, name, error)) from None


ENGINES: dict[str, Engine] = {"fast": simulate, "twilio": TwilioEngine()}
PROBLEMS = (ScenarioError, DistributionError, ConfigError)

MEAN_MINUTES = FiniteFloatRange(0, MAX_MEAN_S / 60, min_open=True)
"""A mean talk or patience in minutes: above 0, at most a week (the scenario file's bound)."""

SCENARIO_OPTIONS = (
    click.option("--calls", type=click.IntRange(1, MAX_CALLS), default=10_000,
                 show_default=True, help="Calls to simulate."),
    click.option("--agents", type=click.IntRange(0, MAX_AGENTS), default=10, show_default=True),
    click.option("--arrival-rate", type=FiniteFloatRange(0, MAX_CALLS_PER_MIN, min_open=True),
                 default=1.8, show_default=True,
                 help="Calls per minute (Poisson)."),
    click.option("--service-mean", type=MEAN_MINUTES, default=5.0, show_default=True,
                 help="Mean talk time, minutes."),
    click.option("--service", "service_kind", default="exponential", show_default=True,
                 help="exponential, weibull:K or lognormal:SIGMA."),
    click.option("--patience-mean", type=MEAN_MINUTES, default=3.0, show_default=True,
                 help="Mean caller patience, minutes."),
    click.option("--patience", "patience_kind", default="exponential", show_default=True,
                 help="exponential, weibull:K, lognormal:SIGMA, empirical:RECORDS.csv or none."),
    click.option("--reactions", type=click.Choice(["default", "off"]), default="default",
                 show_default=True, help="Callers react to what they hear, or not (off: the "
                 "Erlang-A caller, who presses no key: no caller takes a callback, so a "
                 "callback policy holds callers as silence does, and policies compared differ "
                 "only in what nobody reacts to)."),
    click.option("--callback-answer-p", type=FiniteFloatRange(0, 1), default=Callbacks.answer_p,
                 show_default=True, help="Chance a customer answers a callback attempt."),
    click.option("--callback-retries", type=click.IntRange(0, 20), default=Callbacks.retries,
                 show_default=True, help="Retries after a missed callback attempt (0-20)."),
    click.option("--seed", type=click.IntRange(0), default=1, show_default=True),
    click.option("--warmup", type=FiniteFloatRange(0), default=0.0, show_default=True,
                 metavar="MIN", help="Leave calls entering in the first MIN minutes out of the "
                 "figures (the queue starts empty; use in long overloaded runs)."),
    CONFIG_OPTION,
    QUEUE_OPTION,
    click.option("--rate-profile", default=None, metavar="MIN:RATE,...",
                 help="Arrival rate over the day, calls/min from each minute of day, e.g. "
                 "0:0.2,480:2.5,1080:0.8 (replaces --arrival-rate)."),
    click.option("--staffing", default=None, metavar="MIN:AGENTS,...",
                 help="Agents on duty from each minute of day, e.g. 0:2,480:12,1080:4 "
                 "(replaces --agents)."),
    click.option("--arrivals-from", type=click.Path(exists=True, dir_okay=False),
                 default=None, help="Replay the arrival times of a records file (CSV/Parquet), "
                 "e.g. a real call log's export, or of a file with just an entered_at column "
                 "of ISO-8601 times: its calls at their times (so no --calls, "
                 "--arrival-rate or --rate-profile)."),
    click.option("--arrivals-policy", default=None, metavar="POLICY",
                 help="With --arrivals-from: replay only the calls that ran under this "
                 "policy (a compare output holds its callers once per policy)."),
    click.option("--handoff", type=click.Choice(["app", "none"]), default="app",
                 show_default=True, help="Agent time for the app's connect messages (app), or "
                 "none (the pure Erlang-A model)."),
    click.option("--scenario", "scenario_file", type=click.Path(exists=True, dir_okay=False),
                 default=None, help="A scenario file from `holdwell fit`: its fitted day "
                 "replaces the arrival, agent, talk, patience and callback flags."),
    click.option("--day", default="all", show_default=True,
                 help="With --scenario: the fitted weekday (mon..sun) or all days' average."),
    click.option("--days", type=click.IntRange(1, 366), default=1, show_default=True,
                 help="With --scenario: how many such days to simulate."),
    click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table."),
)


def scenario_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The scenario flags every simulation command shares."""
    for option in reversed(SCENARIO_OPTIONS):
        command = option(command)
    return command


REPLACED_BY_SCENARIO = ("calls", "agents", "arrival_rate", "service_mean", "service_kind",
                        "patience_mean", "patience_kind", "callback_answer_p",
                        "callback_retries", "rate_profile", "staffing", "arrivals_from")
"""The flags a --scenario file's fitted day replaces (its reactions and handoff flags stay)."""


REPLACED_BY = (
    ("scenario_file", REPLACED_BY_SCENARIO,
     "--scenario's fitted day sets the arrivals, agents, talk, patience and callbacks, so "
     "these would be ignored; leave them out, or edit the scenario file (or simulate "
     "without it)"),
    ("arrivals_from", ("calls", "arrival_rate", "rate_profile"),
     "--arrivals-from replays the file's calls at their times, so these would be ignored; "
     "leave them out"),
    ("rate_profile", ("arrival_rate",),
     "--rate-profile sets the arrival rate through the day, so this would be ignored; leave "
     "it out"),
    ("staffing", ("agents",),
     "--staffing sets the agents through the day, so this would be ignored; leave it out"),
)
"""Each flag that replaces others, the flags it replaces, and why they would be ignored."""


def check_not_replaced(options: dict[str, Any]) -> None:
    """Refuse a flag given beside one that replaces it: `--scenario s.toml --agents 20` had
    simulated the fitted agents, and `--arrivals-from log.csv --arrival-rate 9` the log's
    arrivals, without a word: a different run from the one asked for."""
    context = click.get_current_context(silent=True)
    if context is None:
        return
    for source, replaced, why in REPLACED_BY:
        if not options.get(source):
            continue
        given = [name for name in replaced if was_given(context, name)]
        if given:
            flags = ", ".join(option.opts[0] for option in context.command.params
                              if option.name in given)
            raise click.UsageError(f"{flags}: {why}")


def build(options: dict[str, Any]) -> tuple[Scenario, HoldwellConfig, str | None]:
    """Scenario, configuration and queue from the shared flags (minutes in, seconds inside)."""
    check_not_replaced(options)
    config, queue = queue_config(options["config_path"], options["queue"])
    patience = parse_distribution(options["patience_kind"], options["patience_mean"] * 60,
                                  what="--patience")
    service = parse_distribution(options["service_kind"], options["service_mean"] * 60,
                                 what="--service", patience=False)
    scenario = simple_scenario(
        calls=options["calls"], agents=options["agents"],
        arrivals_per_min=options["arrival_rate"], service_mean_min=options["service_mean"],
        patience_mean_min=options["patience_mean"], patience=patience, service=service,
        reactions=Reactions() if options["reactions"] == "default" else Reactions.off(),
        callbacks=Callbacks(answer_p=options["callback_answer_p"],
                            retries=options["callback_retries"]),
        handoff=handoff_for(prompts_of(config.queues[queue]), voice=voice_of(config.queues[queue]))
        if options["handoff"] == "app"
        else Handoff(),
    )
    scenario = day_shape(scenario, options, config.queues[queue].clock_zone)
    if options.get("scenario_file"):
        scenario = fitted_day(scenario, options)
    elif options.get("day", "all") != "all" or options.get("days", 1) != 1:  # had been
        # ignored without a word: the run was a different one from the one asked for
        raise click.UsageError("--day and --days choose a fitted day of a --scenario file; "
                               "give --scenario, or leave them out")
    scenario = as_the_queue_runs(scenario, config, queue)  # the fitted day's too
    scenario = with_configs_attempts(scenario, config, options["callback_retries"])
    ENGINES["twilio"].config = config
    ENGINES["twilio"].database_url = simulation_log(options.get("sim_db"))
    return scenario, config, queue


def with_configs_attempts(scenario: Scenario, config: HoldwellConfig,
                          retries: int) -> Scenario:
    """The config's own [callbacks] max_attempts, when it sets one, is how often a callback
    is tried: `--engine twilio` had replaced it with --callback-retries + 1 without a word
    (callers dialled three times under max_attempts = 2), and the fast engine ignored it.
    --callback-retries saying otherwise is refused, naming both."""
    if "max_attempts" not in config.callbacks.model_fields_set:
        return scenario
    wanted = config.callbacks.max_attempts - 1
    if retries not in (Callbacks.retries, wanted):
        raise click.UsageError(f"--callback-retries {retries} and the config's [callbacks] "
                               f"max_attempts = {config.callbacks.max_attempts} disagree "
                               f"(retries are attempts - 1): give one")
    return replace(scenario, callbacks=replace(scenario.callbacks, retries=wanted))


SIM_DB = click.option(
    "--sim-db", metavar="URL", help="With --engine twilio: the database its made-up calls are "
    "logged in (default: a fresh SQLite file, named on stderr); never DATABASE_URL.")


def simulation_log(url: str | None) -> str | None:
    """`--sim-db` as SQLAlchemy names it, refused when it is the line's live log, however
    either is spelled (a platform's postgres://, a relative or linked SQLite path, localhost
    for 127.0.0.1, the default port left out) and when DATABASE_URL is unset too: the live
    log is then ./holdwell.db."""
    if not url:
        return None
    from app.settings import DEFAULT_DATABASE_URL, sqlalchemy_url  # no Flask: the fast
    from app.storage.db_identity import same_database  # engine's import stays light

    url = sqlalchemy_url(url)
    if same_database(url, sqlalchemy_url(os.environ.get("DATABASE_URL")
                                         or DEFAULT_DATABASE_URL)):
        raise click.ClickException(
            "--sim-db is DATABASE_URL, the line's live call log: made-up callers would join "
            "its reports, console and fit; name another database (or none: a fresh SQLite file)")
    return url


def day_shape(scenario: Scenario, options: dict[str, Any], zone: str = "UTC") -> Scenario:
    """The rate profile, staffing schedule or replayed arrivals, when given, from midnight
    on the line's clock (`zone`): a replay's first call's day, else Monday's
    (`line_midnight`, as a fitted day's). Both engines run the scenario built here; a
    Berlin line's `--rate-profile 480:3` had risen at 08:00 UTC, 09:00 on its clock, an hour
    after its 08:00 opening."""
    from simulator.line_clock import line_midnight

    scenario = replace(scenario, start=line_midnight(zone), zone=zone)
    changes: dict[str, Any] = {}
    if options.get("rate_profile") is not None:  # "" too: an unset variable, said
        steps = parse_steps(options["rate_profile"], "--rate-profile")
        for minute, rate in steps:
            if rate > MAX_CALLS_PER_MIN:
                raise ScenarioError(f"--rate-profile: {rate:g} calls a minute at minute "
                                    f"{minute:g} is over {MAX_CALLS_PER_MIN:,g}, as "
                                    "--arrival-rate is")
        changes["arrivals"] = named_as(RateProfile, "--rate-profile", steps)
    if options.get("staffing") is not None:
        steps = parse_steps(options["staffing"], "--staffing")
        for minute, n in steps:
            if n != int(n):
                raise ScenarioError(f"--staffing: agents must be whole numbers (got {n:g} at "
                                    f"minute {minute:g}); write e.g. 0:2,480:12")
            if n > MAX_AGENTS:
                raise ScenarioError(f"--staffing: {n:g} agents at minute {minute:g} is over "
                                    f"{MAX_AGENTS:,}, as --agents is")
        changes["agents"] = named_as(Staffing, "--staffing",
                                     tuple((minute, int(n)) for minute, n in steps))
    if options.get("arrivals_policy") and not options.get("arrivals_from"):
        raise ScenarioError("--arrivals-policy picks the calls of --arrivals-from's file to "
                            "replay: give --arrivals-from too")
    if options.get("arrivals_from"):
        scenario = scenario.replaying(
            _arrivals_of(options["arrivals_from"], options.get("arrivals_policy")), zone)
    return replace(scenario, **changes) if changes else scenario


def _arrivals_of(path: str, policy: str | None) -> list[datetime]:
    """`--arrivals-from`'s moments; a file that cannot be read at all (empty, a broken CSV
    quote) is said as the option's problem: its RecordsError had been 'holdwell: unexpected
    error (RecordsError)', as if holdwell had a bug."""
    from analytics.validation import RecordsError
    from cli.arrival_times import replayed_moments

    try:
        return replayed_moments(path, policy)
    except RecordsError as error:
        raise ScenarioError(f"--arrivals-from: {error}") from None


def fitted_day(flags: Scenario, options: dict[str, Any]) -> Scenario:
    """The fitted twin's day, keeping the flags' reactions and handoff (`build` then gives it
    what the queue's config sets, `as_the_queue_runs`): `--reactions default` with the
    twin's callback take-up (fitted to the log's acceptance by `holdwell fit`)."""
    from simulator.scenario_file import load_twin
    from simulator.twin import twin_scenario

    twin = load_twin(options["scenario_file"])
    reactions = flags.reactions
    if reactions == Reactions():
        reactions = twin.reactions()
    return twin_scenario(twin, day=options["day"], days=options["days"], reactions=reactions,
                         handoff=flags.handoff)


@contextmanager
def progress_bar(scenario: Scenario, runs: int = 1) -> Iterator[Callable[[int], None]]:
    """Progress on stderr: a bar on a terminal, lines in a log (cli.progress); with --json
    too, since only stdout is for machines (a run of millions of calls said nothing for
    minutes). It counts the calls drawn; with --days, it first says that more are drawn than
    are counted (the summary's count had looked a thousand calls short of the progress's)."""
    if scenario.horizon_s is not None and scenario.expected_calls < scenario.calls:
        click.echo(f"simulating {scenario.calls:,} arrivals a run to cover "
                   f"{scenario.horizon_s / 86400:g} day(s); those entering after it "
                   f"(about {scenario.calls - scenario.expected_calls:,.0f}) are simulated "
                   "but not counted", err=True)
    with stderr_progress(scenario.calls * runs, "simulating") as bar:
        yield bar.update


def counted(run: SimulationRun, scenario: Scenario, warmup_min: float) -> SimulationRun:
    """The run with its figures over the calls after the warm-up (any engine)."""
    if not warmup_min:
        return run
    summary = summary_after_warmup(run.table, scenario, warmup_min * 60, run.summary["wall_s"])
    if summary["calls_simulated"] and not summary["calls"]:
        raise ScenarioError(f"--warmup: all {summary['calls_simulated']:,} calls entered in "
                            f"the first {warmup_min:g} minutes, so no call is left to count; "
                            "shorten the warm-up or simulate more calls")
    if run.arms:  # a split's arms are counted after the same warm-up
        summary["arms"] = {arm: summary_after_warmup(table, scenario, warmup_min * 60, None)
                           for arm, table in run.arms.items()}
    return SimulationRun(run.table, summary, run.arms)


def records_written(out: str, summary: dict, start: datetime, whose: str = "") -> str:
    """Where the records went, and, after a warm-up, that they hold its calls too and how
    to count what the figures count (from the run's `start`: a Twilio run's may be moved)."""
    said = f"records{whose} written to {out}"
    if not summary.get("warmup_s"):
        return said
    return (f"{with_warmup(said, summary)}; {counting(out, start, summary)} counts what the "
            "figures above count")


def with_warmup(said: str, summary: dict) -> str:
    """`said` of a records file, and that it holds the warm-up's calls too."""
    return (f"{said}: every call simulated, the warm-up's too ({summary['calls_simulated']:,} "
            "a policy)")


def counting(out: str, start: datetime, summary: dict, until: datetime | None = None) -> str:
    """The report command that counts in `out` what a run's figures count: its calls from
    the end of its warm-up (from the run's `start`), up to `until` when given."""
    after = (start + timedelta(seconds=summary["warmup_s"])).isoformat()
    to = f" --to {until.isoformat()}" if until is not None else ""
    return f"`holdwell report --records {out} --from {after}{to}`"


def compare_records_written(out: str, runs: list[SimulationRun]) -> str:
    """`records_written` for a compare's file: one `--from` while every policy ran on the
    same dates; else (a Twilio compare into one `--sim-db`, each run moved weeks past the
    last, `dates_line`) each policy's own period, from its warm-up's end to the next run's
    start: the first policy's `--from` had counted every later policy's warm-up too."""
    starts = [run.table.start for run in runs]
    if len(set(starts)) == 1 or not runs[0].summary.get("warmup_s"):
        return records_written(out, runs[0].summary, starts[0], " of every policy")
    each = []
    for run, start in zip(runs, starts, strict=True):
        until = min((other for other in starts if other > start), default=None)
        each.append(f"{counting(out, start, run.summary, until)} counts what "
                    f"{run_name(run.summary)}'s figures count")
    head = with_warmup(f"records of every policy written to {out}", runs[0].summary)
    return (f"{head}; the policies ran on different dates of the log, so each its own "
            f"period: {', '.join(each)}")


def what_was_counted(summary: dict) -> str:
    """One line saying which calls the figures count (and one for a closed line's callers)."""
    if not summary.get("warmup_s"):
        line = (f"counted: all {summary['calls']:,} calls (the queue starts empty; --warmup MIN "
                "leaves the first minutes out)")
    else:
        line = (f"counted: {summary['calls']:,} of {summary['calls_simulated']:,} calls, those "
                f"entering after a {summary['warmup_s'] / 60:g}-minute warm-up")
    if "closed" in summary:
        line += (f"\nclosed: {summary['closed']:,} calls rang outside opening hours (not in the "
                 f"figures above); {summary['closed_callbacks_booked']:,} booked a callback for "
                 f"the opening: {summary['closed_callbacks_connected']:,} connected, "
                 f"{summary['closed_callbacks_failed']:,} failed")
    return line


def counted_in_each(summaries: list[dict]) -> str:
    """`what_was_counted` once when every policy's says the same (the same callers on the
    same dates), else each policy's, named: policies a Twilio compare ran on different weeks
    may meet different hours, and the first policy's closed callers had stood for all."""
    said = [what_was_counted(summary) for summary in summaries]
    if len(set(said)) == 1:
        return said[0]
    return "\n".join(f"{run_name(summary)}: {line}" for summary, lines in
                     zip(summaries, said, strict=True) for line in lines.splitlines())


def write_records(runs: list[SimulationRun], path: str, file_format: str) -> None:
    """CSV or Parquet (`file_format`) in the call-log record format (analytics' writer
    validates it), every run's calls in one file.

    Every run numbers its callers sim-0000001… (the same caller, the same number, under every
    policy), so the file's ids carry the run's arm or policy (checkin-sim-0000001): runs of
    several policies then report together, and the same file given twice is refused."""
    import pandas as pd  # only when writing: the fast engine's command starts without it

    frames = []
    for table in (table for run in runs for table in (run.arms.values() or [run.table])):
        frame = table.frame()  # a split's calls as each arm's: their arm and policy heard
        label = table.arm or table.policy
        frame["call_id"] = f"{label}-" + frame["call_id"].astype(str)
        frames.append(frame)
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    try:
        from analytics.records import write_records as write
        from analytics.validation import MOST_SECONDS, SECONDS_COLUMNS
    except ImportError:  # analytics not installed: a plain pandas file with the same columns
        if file_format == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return
    longest = frame[[c for c in SECONDS_COLUMNS if c in frame]].apply(pd.to_numeric).max(axis=1)
    if (over := int((longest > MOST_SECONDS).sum())):
        raise TooLongToRecord(
            f"not written: {over:,} call(s) waited more than {MOST_SECONDS:,.0f} s (7 days; "
            f"the longest {longest.max():,.0f} s), which no record file holds (report, fit and "
            "export refuse such a wait as a typo or another unit): the figures are the run's; "
            "for a file, shorten --service-mean or --patience-mean (or the scenario's), or add "
            "--agents")
    write(frame, path, file_format)


class TooLongToRecord(click.ClickException):
    """The run's records hold a wait longer than any record file may (MOST_SECONDS): the
    file is not written, and the command says so after the run's figures. Not refused before
    the run: a wait's length is known only once simulated (the overloaded line of a day's
    means waits past a week; the same means on enough agents never do)."""


def records_format(out: str) -> str:
    """Parquet when the name ends so, else CSV: a device such as /dev/stdout has no suffix to
    say, so it gets CSV (a pipe named x.parquet gets Parquet)."""
    return "parquet" if Path(out).suffix.lower() in PARQUET_SUFFIXES else "csv"


def written(runs: list[SimulationRun], out: str | None) -> bool:
    """Write the records to `out`, if given; whether the command's own lines should then go
    to stderr: `--out /dev/stdout` reads the records alone, as export's does."""
    if not out:
        return False
    try:
        with whole_file(out) as partial:
            write_records(runs, partial, records_format(out))
    except TooLongToRecord as error:
        error.message = f"--out {out}: {error.message}"
        raise
    return leads_to_stdout(Path(out))


def written_or_refused(runs: list[SimulationRun], out: str | None
                       ) -> tuple[bool, TooLongToRecord | None]:
    """`written`, and the refusal to raise once the run's figures are said (on stdout: no
    records went there)."""
    try:
        return written(runs, out), None
    except TooLongToRecord as refused:
        return False, refused


# refused before the run: a name without .csv or .parquet, or a folder that does not exist
OUT = click.option("--out", type=OutFile(suffixes=(".csv", ".parquet", ".pq")),
                   help="Write every call's record here (.csv or .parquet; `holdwell report "
                        "--records` reads it). A device or pipe such as /dev/stdout gets CSV "
                        "and this command's own lines go to stderr.")


def running_split(config: HoldwellConfig, queue: str) -> dict[str, float] | None:
    """The split the queue runs (arm -> weight, its `experiment.arms`), or None: while it
    runs, every caller is drawn into one of its arms and none hears the queue's `policy`
    unless it is an arm."""
    experiment = config.queues[queue].experiment
    return dict(experiment.arms) if experiment is not None else None


def split_words(arms: Mapping[str, float]) -> str:
    """A split as its arms and their shares of callers: "callback 50%, music_ads 50%"."""
    return ", ".join(f"{arm} {percent_number(share, 0)}%" for arm, share in shares(arms).items())


def split_refused(queue: str, arms: Mapping[str, float], engine: str) -> str:
    """Why an engine that runs one policy for every caller does not simulate the queue's
    split, and what to run instead (the queue's `policy` had been simulated without a word,
    though with the split running nobody hears it)."""
    return (f"queue {queue} runs a split ({split_words(arms)}), which --engine {engine} "
            "cannot simulate (it runs one policy for every caller): --engine twilio "
            "simulates the split, each caller drawn into an arm as live; or --policy NAME "
            f"simulates one arm ({', '.join(arms)}) for every caller")


def split_not_simulated(queue: str, arms: Mapping[str, float], policy: str) -> str:
    """What `--policy` on a queue running a split simulates, and what it leaves out."""
    return (f"note: queue {queue} runs a split ({split_words(arms)}); --policy {policy} is "
            "simulated for every caller, so the split is not simulated (leave --policy out, "
            "with --engine twilio, to simulate it)")


def split_compared(queue: str, arms: Mapping[str, float]) -> str:
    """What `compare` runs on a queue running a split: each policy given, for every caller
    (it had said nothing of the split its callers hear)."""
    return (f"note: queue {queue} runs a split ({split_words(arms)}); compare runs each of "
            "--policies for every caller, not the split (simulate --engine twilio without "
            "--policy runs the split)")


def with_arms(run: SimulationRun, arms: Mapping[str, float]) -> SimulationRun:
    """A split's run, its summary saying the split it ran (arm -> share of callers)."""
    return replace(run, summary={**run.summary, "split": shares(arms)})


def arm_columns(run: SimulationRun) -> list[dict]:
    """The summaries the table shows: each arm's, then the whole split's, for a split; the
    run's own otherwise."""
    if not run.arms:
        return [run.summary]
    return [*run.summary["arms"].values(), {**run.summary, "arm": "all arms"}]


@click.command("simulate")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default="fast", show_default=True)
@click.option("--policy", default=None, metavar="NAME",
              help=f"Hold policy ({', '.join(POLICY_NAMES)}) or one of the queue's variants "
              "([queues.NAME.variants.X] in --config); default: what the queue's callers "
              "hear: its own policy, or the split it runs ([queues.NAME.experiment]; "
              "--engine twilio only).")
@scenario_options
@SIM_DB
@OUT
def simulate_command(engine: str, policy: str | None, out: str | None, **options: Any) -> None:
    """Simulate a queue under one hold policy (or the split it runs): abandonment, waits,
    callbacks."""
    try:
        scenario, config, queue = build(options)
        split = running_split(config, queue)
        if split is not None and policy is not None:
            click.echo(split_not_simulated(queue, split, policy), err=True)
            split = None
        if split is not None and not getattr(ENGINES[engine], "runs_splits", False):
            raise click.ClickException(split_refused(queue, split, engine))
        chosen = split if split is not None else named_as(
            policy_named, "--policy", config.queues[queue].policy if policy is None else policy,
            config, queue, key="policy")
        check_fits_in_memory(scenario.calls)
        with progress_bar(scenario) as progress:
            run = ENGINES[engine](scenario, chosen, np.random.default_rng(options["seed"]),
                                  progress)
        run = counted(run, scenario, options["warmup"])
        if split is not None:
            run = with_arms(run, split)
    except PROBLEMS as error:
        raise click.ClickException(str(error)) from None
    note = None if split is not None else reactions_off_note(scenario, [chosen])
    if note:
        run.summary["note"] = note
    aside, refused = written_or_refused([run], out)
    if options["as_json"]:
        click.echo(json.dumps(dated(run)), err=aside)
        if out and not refused and not aside and run.summary.get("warmup_s"):
            click.echo(records_written(out, run.summary, run.table.start), err=True)
    else:
        click.echo(summary_table(arm_columns(run), scenario), err=aside)
        click.echo(what_was_counted(run.summary), err=aside)
        click.echo(late_callbacks_line(run.table), err=aside)
        if note:
            click.echo(note, err=aside)
        if out and not refused:
            click.echo(records_written(out, run.summary, run.table.start), err=aside)
    if refused:
        raise refused


@click.command("compare")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default="fast", show_default=True)
@click.option("--policies", default=",".join(POLICY_NAMES), show_default=True,
              help="Comma-separated policies (or the queue's variants) to run on the same "
              "callers.")
@scenario_options
@SIM_DB
@OUT
def compare_command(engine: str, policies: str, out: str | None, **options: Any) -> None:
    """Run several policies on the same callers (common random numbers), side by side."""
    names = policy_names(policies, f"of {', '.join(POLICY_NAMES)}")
    try:
        scenario, config, queue = build(options)
        if (split := running_split(config, queue)) is not None:
            click.echo(split_compared(queue, split), err=True)
        chosen = [named_as(policy_named, "--policies", name, config, queue, key="policy")
                  for name in names]
        check_fits_in_memory(scenario.calls, len(chosen))
        runs = []
        with progress_bar(scenario, len(chosen)) as progress:
            for policy in chosen:
                rng = np.random.default_rng(options["seed"])  # the same callers for everyone
                run = ENGINES[engine](scenario, policy, rng, progress)
                runs.append(counted(run, scenario, options["warmup"]))
    except PROBLEMS as error:
        raise click.ClickException(str(error)) from None
    aside, refused = written_or_refused(runs, out)
    summaries = [run.summary for run in runs]
    for run in runs[1:]:  # the same callers met every policy: their difference is paired
        run.summary["unserved_vs_first"] = unserved_vs(runs[0].table, run.table)
    note = reactions_off_note(scenario, chosen)
    for summary in summaries if note else ():
        summary["note"] = note
    if options["as_json"]:
        click.echo(json.dumps([dated(run) for run in runs]), err=aside)
        if refused:
            raise refused
        if out and not aside and summaries[0].get("warmup_s"):
            click.echo(compare_records_written(out, runs), err=True)
        return
    click.echo(summary_table(summaries, scenario), err=aside)
    click.echo(counted_in_each(summaries), err=aside)
    moved = dates_line(runs, config.queues[queue].clock_zone)
    if moved:
        click.echo(moved, err=aside)
    for run in runs:
        click.echo(f"{run_name(run.summary)}: {late_callbacks_line(run.table)}", err=aside)
    if note:
        click.echo(note, err=aside)
    if refused:
        raise refused
    if out:
        click.echo(compare_records_written(out, runs), err=aside)


@click.command("erlang")
@click.option("--agents", type=click.IntRange(0), default=None,
              help="Agents (omit with a --target-*).")
@click.option("--arrival-rate", type=float, required=True, help="Calls per minute.")
@click.option("--service-mean", type=float, required=True, help="Mean talk time, minutes.")
@click.option("--patience-mean", type=float, default=math.inf, show_default=True,
              help="Mean patience, minutes (inf: callers never hang up, Erlang-C).")
@click.option("--target-abandonment", type=float, default=None,
              help="Find the fewest agents with P(abandon) at most this (e.g. 0.05).")
@click.option("--target-service-level", type=float, default=None,
              help="Find the fewest agents answering this share within --sl-seconds.")
@click.option("--sl-seconds", type=FiniteFloatRange(0), default=SERVICE_LEVEL_S,
              show_default=True,
              help="Threshold of the service level, seconds.")
@click.option("--json", "as_json", is_flag=True)
def erlang_command(agents: int | None, arrival_rate: float, service_mean: float,
                   patience_mean: float, target_abandonment: float | None,
                   target_service_level: float | None, sl_seconds: float, as_json: bool) -> None:
    """Exact Erlang-A (M/M/n+M) figures, and the fewest agents for a target."""
    for name, value in (("--arrival-rate", arrival_rate), ("--service-mean", service_mean)):
        if not (value > 0 and math.isfinite(value)):
            raise click.BadParameter(f"must be a finite number > 0 (got {value})", param_hint=name)
    if not patience_mean > 0:
        raise click.BadParameter(f"must be > 0 minutes, or inf for callers who never hang up "
                                 f"(got {patience_mean})", param_hint="--patience-mean")
    targeted = target_abandonment is not None or target_service_level is not None
    if agents is not None and targeted:
        raise click.UsageError("give --agents or a --target-*, not both: a target finds the "
                               "fewest agents (the --agents given had been ignored)")
    rates = (arrival_rate, 1 / service_mean,
             0.0 if math.isinf(patience_mean) else 1 / patience_mean)
    try:
        if targeted:
            agents = fewest_agents(*rates, max_abandon=target_abandonment,
                                   min_service_level=target_service_level,
                                   within=sl_seconds / 60)
        if agents is None:
            raise ValueError("give --agents, or a --target-abandonment/--target-service-level")
        queue = ErlangA(*rates, agents)
        figures = {
            "agents": agents, "offered_load_erlang": queue.load, "rho": queue.rho,
            "p_wait": queue.p_wait, "p_abandon": queue.p_abandon,
            "p_abandon_given_wait": queue.p_abandon_given_wait,
            "mean_wait_s": queue.mean_wait * 60,
            "service_level": queue.service_level(sl_seconds / 60), "service_level_s": sl_seconds,
            "service_level_counting_abandons": queue.answered_within(sl_seconds / 60),
            "stable": queue.stable,  # an unstable Erlang-C line had read as 0% abandonment
            "note": None if queue.stable else unstable_note(queue),
        }
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps({k: v if not isinstance(v, float) or math.isfinite(v) else None
                               for k, v in figures.items()}))
        return
    if targeted:
        goals = ([f"P(abandon) at most {percent_number(target_abandonment, 2)}%"]
                 if target_abandonment is not None else []) + (
            [f"answered within {sl_seconds:g} s / all callers at least "
             f"{percent_number(target_service_level, 2)}%"]
            if target_service_level is not None else [])
        click.echo(f"fewest agents meeting the target ({' and '.join(goals)}): {agents}")
    click.echo(erlang_table(queue, sl_seconds))
    click.echo(f"  answered within {sl_seconds:g} s / all callers (abandons count as misses; "
               f"what --target-service-level uses): "
               f"{percent_number(figures['service_level_counting_abandons'], 2)}%")
