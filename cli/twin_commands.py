"""`holdwell fit`, `holdwell backtest` and `holdwell staffing`: the twin of your own line.

Thin wrappers: records come from `--records` files or from DATABASE_URL (read here, in the
composition root, since the simulator may not import the app), and go to simulator functions.
"""

from __future__ import annotations

import math
from functools import partial
from io import BytesIO
from typing import TYPE_CHECKING

import click

from analytics.formatting import calls_said, percent_number
from cli.one_policy import one_set_of_callers
from cli.params import HTML_PAGE, FiniteFloatRange, OutFile, policy_names, was_given
from cli.progress import Heartbeat, stage, stderr_progress
from cli.queue_config import (
    CONFIG_PROBLEMS,
    queue_config,
    queue_options,
    queue_policies,
    whose_settings,
)
from cli.whole_file import whole_file
from cli.zone_option import timezone_option
from hold_policies.records import SERVICE_LEVEL_S
from simulator.as_run import as_the_queue_runs
from simulator.scenario import Callbacks, ScenarioError
from simulator.scenario_file import HEADER, twin_to_dict
from simulator.twin import Twin, fit_twin
from simulator.twin_report import fit_report

if TYPE_CHECKING:  # pandas loads only for commands that read a log
    import pandas as pd

HTML_OPTION = click.option("--html", "html_path", type=HTML_PAGE, default=None,
                           help="Also write the result as a self-contained HTML page.")


def write_html(path: str | None, title: str, command: str, sections: list[tuple[str, str]],
               images: list[tuple[str, bytes]] | None = None) -> None:
    """The HTML page, when --html was given."""
    if not path:
        return
    from simulator.twin_html import render_twin_html

    with whole_file(path) as partial:
        partial.write_text(render_twin_html(title, command, sections, images or []),
                           encoding="utf-8")
    click.echo(f"HTML page written to {path}")


def RECORDS_OPTION(command):  # noqa: ANN001, ANN201, N802 - a click decorator, as the others
    """--records files, or --db (as report and export take it): where the log is read."""
    command = click.option(
        "--db", "db_url", default=None,
        help="Database URL to read the calls from [default: $DATABASE_URL or "
             "sqlite:///holdwell.db]; not with --records.")(command)
    return click.option(
        "--records", "paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
        help="Record files (CSV/Parquet, with talk_s); default: the calls in --db.")(command)


def read_log(paths: tuple[str, ...], db_url: str | None = None) -> pd.DataFrame:
    """Records from files, or from the database (--db, else DATABASE_URL, else the local
    SQLite file) with the talk times and callback attempts read from its events, as
    `export` writes them (`fit` had no --db, unlike report and export)."""
    if paths and db_url:
        raise click.UsageError("give --records or --db, not both: the twin is fitted from "
                               "one log")
    if paths:
        from analytics.records import RecordsError, load_records

        try:
            return load_records(list(paths))
        except RecordsError as error:
            raise click.ClickException(str(error)) from None
    from app.storage.read import read_records_frame
    from cli.database import database_errors, database_url

    url = database_url(db_url)  # else $DATABASE_URL, else sqlite:///holdwell.db, as report
    with database_errors(url, "--db" if db_url else "DATABASE_URL"):
        return read_records_frame(url, for_twin=True)


TIMEZONE_OPTION = timezone_option(
    "The line's IANA time zone (e.g. Europe/Berlin): half-hours, dates and weekdays are "
    "read on its wall clock, as agents and callers keep them. In UTC a log across a "
    "daylight-saving change smears every opening and closing over an hour.")


FIT_HARM = "fitted whole, arrivals and agents would count each caller once per policy"
BACKTEST_HARM = ("fitted and scored whole, arrivals and agents would count each caller once "
                 "per policy, and the held-out days' actual figures would pool the policies")

POLICY_OPTION = click.option(
    "--policy", default=None, metavar="POLICY",
    help="Take only the calls that ran under this policy (a compare output holds its "
    "callers once per policy).")


def one_log_of_callers(records: pd.DataFrame, paths: tuple[str, ...], db_url: str | None,
                       policy: str | None, harm: str) -> pd.DataFrame:
    """The log's calls under `policy` (--policy), or the log refused when two policies
    share their callers (`one_set_of_callers`), for fit and backtest alike: a compare
    output had been fitted, or backtested, whole."""
    source = " ".join(paths) or ("the database (--db)" if db_url
                                 else "the database (DATABASE_URL)")
    if records.empty:  # it had blamed talk times: "no call in the log has a talk time"
        raise click.ClickException(f"{source}: no call records to fit yet: the twin is "
                                   "fitted from the calls a line has answered and lost")
    try:
        return one_set_of_callers(records, source, policy, "--records", "--policy", harm)
    except ScenarioError as error:
        raise click.UsageError(str(error)) from None


TAKE_UP_OPTION = click.option(
    "--take-up/--assume-take-up", "take_up", default=True, show_default=True,
    help="Fit callers' callback take-up (reactions callback_p and callback_if_too_long_p) so "
    "a simulation of the twin reproduces the measured acceptance (a few fast simulations, "
    "progress on stderr), or keep the behaviour model's assumption.")


@click.command("fit")
@RECORDS_OPTION
@click.option("--out", type=OutFile(suffixes=(".toml",)), default="scenario.toml",
              show_default=True, help="Scenario file to write.")
@click.option("--callback-retries", type=click.IntRange(0, 20), default=Callbacks.retries,
              show_default=True, help="Retries the line makes (for the answer chance).")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seed of the bootstrap behind the standard errors.")
@POLICY_OPTION
@TAKE_UP_OPTION
@TIMEZONE_OPTION
@queue_options
@HTML_OPTION
def fit_command(paths: tuple[str, ...], db_url: str | None, out: str, callback_retries: int,
                seed: int, policy: str | None, take_up: bool, timezone: str,
                config_path: str | None, queue: str | None, html_path: str | None) -> None:
    """Fit a twin of your line from its call log and write it as a scenario file (--config and
    --queue: the callback policy and settings the take-up's simulations run, as what-if's)."""
    records = one_log_of_callers(read_log(paths, db_url), paths, db_url, policy, FIT_HARM)
    try:  # said as it ends, as every long job's step is: it had said only its start
        with stage(f"fitting {calls_said(len(records))}"):
            twin = fit_twin(records, retries=callback_retries, seed=seed,
                            progress=Heartbeat("fitting"), timezone=timezone)
        if take_up:
            twin = fitted_take_up(twin, records, seed, config_path, queue)
    except CONFIG_PROBLEMS as error:
        raise click.ClickException(str(error)) from None
    from app.console.toml_writer import dumps

    with whole_file(out) as partial:
        partial.write_text(HEADER + dumps(twin_to_dict(twin)), encoding="utf-8")
    report = fit_report(twin)
    click.echo(report)
    click.echo(f"\nscenario written to {out}; try: holdwell whatif --scenario {out}")
    write_html(html_path, "The twin fitted from your call log", "fit", [("fit", report)])


def fitted_take_up(twin: Twin, records: pd.DataFrame, seed: int, config_path: str | None,
                   queue: str | None) -> Twin:
    """The twin with its callback take-up fitted to the measured acceptance, simulated under
    the queue's callback policy and settings, each simulation said on stderr as it ends."""
    from dataclasses import replace

    from simulator.fit_take_up import fit_take_up

    config, queue = queue_config(config_path, queue)
    [callback] = queue_policies(["callback"], config, queue)

    measured = twin.callbacks.acceptance

    def said(run: int, multiplier: float, simulated: float) -> None:
        click.echo(f"take-up: simulation {run}, {multiplier:.3f} x the assumed take-up: "
                   f"acceptance {100 * simulated:.1f}% (measured {100 * (measured or 0):.1f}%)",
                   err=True)

    click.echo(f"take-up: simulated with {whose_settings(config_path, queue)}", err=True)
    with stage("fitting callback take-up to the measured acceptance"):
        return replace(twin, take_up=fit_take_up(
            twin, records, policy=callback, seed=seed, progress=said,
            prepare=partial(as_the_queue_runs, config=config, queue=queue)))


@click.command("backtest")
@RECORDS_OPTION
@click.option("--test-days", type=click.IntRange(1, 366), default=7, show_default=True,
              help="Last days of the log to hold out and predict.")
@click.option("--replications", type=click.IntRange(2, 1000), default=20, show_default=True)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option("--plot", "plot_path", type=OutFile(suffixes=(".png",)), default="backtest.png",
              show_default=True, help="PNG of predicted vs actual by hour (a .png name: "
              "the HTML page embeds it as PNG).")
@POLICY_OPTION
@TAKE_UP_OPTION
@TIMEZONE_OPTION
@HTML_OPTION
def backtest_command(paths: tuple[str, ...], db_url: str | None, test_days: int,
                     replications: int, seed: int, plot_path: str, policy: str | None,
                     take_up: bool, timezone: str, html_path: str | None) -> None:
    """Fit on the first days of the log and predict the held-out days, hour by hour (the
    twin `fit` writes from the training days: callback take-up fitted, holdwell's default
    policy settings)."""
    from simulator.backtest import backtest
    from simulator.backtest_report import backtest_plot, backtest_table

    records = one_log_of_callers(read_log(paths, db_url), paths, db_url, policy,
                                 BACKTEST_HARM)
    try:
        with stderr_progress(test_days * replications, "backtest") as bar:
            result = backtest(records, test_days=test_days, replications=replications,
                              seed=seed, progress=bar.update, timezone=timezone,
                              take_up=take_up, take_up_progress=take_up_said)
    except ScenarioError as error:
        raise click.ClickException(str(error)) from None
    table = backtest_table(result)
    click.echo(table)
    png = BytesIO()  # drawn in memory: a device (--plot /dev/stdout) cannot be read back
    backtest_plot(result, png)  # for the page
    with whole_file(plot_path) as partial:
        partial.write_bytes(png.getvalue())
    click.echo(f"\nplot written to {plot_path}")
    write_html(html_path, "Backtest: the twin against held-out days", "backtest",
               [("predicted vs actual, by hour", table)],
               [("predicted (95% interval) vs actual, by hour", png.getvalue())])


def take_up_said(run: int, multiplier: float, simulated: float) -> None:
    """Each simulation of the backtest's take-up fit, on stderr (as `fit` says its own)."""
    click.echo(f"take-up: simulation {run}, {multiplier:.3f} x the assumed take-up: "
               f"acceptance {100 * simulated:.1f}%", err=True)


SCENARIO_FILE = click.option("--scenario", "scenario_path", required=True,
                             type=click.Path(exists=True, dir_okay=False),
                             help="A scenario file from `holdwell fit`.")


FRACTION = FiniteFloatRange(0, 1, min_open=True, max_open=True)
"""A target share, strictly between 0 and 1 (click names the flag when it is not)."""

TARGET_NOT_MET = 3
"""`holdwell staffing`'s exit code when a plan was searched but misses the target somewhere:
not 0 (a script must not take it for a plan), not 1 or 2 (bad input, usage)."""


@click.command("staffing")
@SCENARIO_FILE
@click.option("--policies", default="music_ads,silence,checkin,callback", show_default=True)
@click.option("--target-unserved", type=FRACTION, default=None,
              help="Most unserved per half-hour, e.g. 0.05 ((abandoned + callback failed + error + "
                   "overflow) / entered).")
@click.option("--target-service-level", type=FRACTION, default=None,
              help="Least (answered + called back) within --sl-seconds of entering / entered, "
                   "e.g. 0.8.")
@click.option("--sl-seconds", type=FiniteFloatRange(0), default=SERVICE_LEVEL_S,
              show_default=True)
@click.option("--day", default="all", show_default=True, help="Fitted weekday or all.")
@click.option("--replications", type=click.IntRange(2, 200), default=4, show_default=True)
@click.option("--days", type=click.IntRange(1, 60), default=5, show_default=True,
              help="Days per replication.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@queue_options
@HTML_OPTION
def staffing_command(scenario_path: str, policies: str, target_unserved: float | None,
                     target_service_level: float | None, sl_seconds: float, day: str,
                     replications: int, days: int, seed: int, config_path: str | None,
                     queue: str | None, html_path: str | None) -> None:
    """Fewest agents per half-hour for a target, per policy, with Erlang-A beside it.

    Exits 3 (after printing the table) when the search stops before a policy meets the
    target in every half-hour."""
    from simulator.scenario_file import load_twin
    from simulator.staff_plan import Removal, Target, plan_policies
    from simulator.staff_report import hhmm, staffing_table

    names = policy_names(policies)
    if (target_unserved is None) == (target_service_level is None):
        raise click.UsageError("give exactly one of --target-unserved or "
                               "--target-service-level")
    if target_unserved is not None and was_given(click.get_current_context(), "sl_seconds"):
        raise click.UsageError("--sl-seconds is the service level's threshold, unused with "
                               "--target-unserved (which counts no time): drop it, or give "
                               "--target-service-level instead")

    def said(name: str, rounds: int, missed: int, removal: Removal | None) -> None:
        if removal is None:
            click.echo(f"staffing {name}: round {rounds}, {missed} half-hour(s) not yet "
                       "meeting the target", err=True)
            return
        outcome = "kept: the day still meets the target" if removal.kept else (
            "put back: misses it at " + ", ".join(hhmm(s) for s in removal.missed))
        click.echo(f"staffing {name}: removal pass {removal.sweep}, {removal.tried} of "
                   f"{removal.of}: one agent fewer at {hhmm(removal.slot)} {outcome}", err=True)

    try:
        target = Target(target_unserved, target_service_level, sl_seconds)
        twin = load_twin(scenario_path)
        config, queue = queue_config(config_path, queue)
        chosen = queue_policies(names, config, queue)
        click.echo(whose_settings(config_path, queue), err=True)
        erlang, plans = plan_policies(twin, chosen, target, day=day, replications=replications,
                                      days=days, seed=seed, on_round=said, give_back=True,
                                      as_run=partial(as_the_queue_runs, config=config,
                                                     queue=queue))
    except (ValueError, *CONFIG_PROBLEMS) as error:
        raise click.ClickException(str(error)) from None
    table = staffing_table(twin, target, erlang, plans, day)
    click.echo(table)
    click.echo(whose_settings(config_path, queue))
    write_html(html_path, "Staffing per half-hour and policy", "staffing", [("plan", table)])
    unmet = [p.policy for p in plans if not p.met]
    if unmet:
        click.echo(f"holdwell staffing: the target is not met under {', '.join(unmet)} "
                   "(see NOT MET above); exit code 3", err=True)
        raise SystemExit(TARGET_NOT_MET)


SPACING_S = (10, 86400)
"""The retry spacings a line can be given ([callbacks] min_retry_after_s is at least 10 s,
retry_after_s at most a day): 0 and 1e308 had been simulated as advice."""


def spacings_of(text: str) -> list[float]:
    """The --spacings list: one or more numbers of seconds a line's retries can be spaced."""
    values = []
    low, high = SPACING_S
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # nan too
            raise click.BadParameter(f"{part!r} is not a number of seconds from {low} to "
                                     f"{high:,} (a line's retry spacings); write e.g. "
                                     "60,120,300", param_hint="--spacings")
        values.append(value)
    if not values:
        raise click.BadParameter("name at least one retry spacing in seconds, e.g. 60,120,300",
                                 param_hint="--spacings")
    if twice := sorted({v for v in values if values.count(v) > 1}):
        raise click.BadParameter(f"{', '.join(f'{v:g}' for v in twice)} named more than once; "
                                 "name each spacing once", param_hint="--spacings")
    return values


@click.command("promise")
@SCENARIO_FILE
@click.option("--spacings", default="60,120,180,300,600", show_default=True,
              help="Retry spacings to try, seconds.")
@click.option("--replications", type=click.IntRange(1, 200), default=5, show_default=True)
@click.option("--days", type=click.IntRange(1, 60), default=5, show_default=True)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@queue_options
def promise_command(scenario_path: str, spacings: str, replications: int, days: int,
                    seed: int, config_path: str | None, queue: str | None) -> None:
    """Which callback retry spacing keeps the promised band: broken share (late + failed)
    per spacing."""
    from simulator.promises import DEFINITION, RUNS_INTERVAL, spacing_sweep
    from simulator.scenario_file import load_twin
    from simulator.twin import twin_scenario

    values = spacings_of(spacings)
    try:
        config, queue = queue_config(config_path, queue)
        scenario = as_the_queue_runs(twin_scenario(load_twin(scenario_path), days=days),
                                     config, queue)
        (callback,) = queue_policies(["callback"], config, queue)
        click.echo(f"simulating {len(values)} spacings x {replications} runs of {days} day(s) "
                   f"under callback; {whose_settings(config_path, queue)} ...", err=True)
        with stderr_progress(len(values) * replications, "promise") as bar:
            rows = spacing_sweep(scenario, callback, values, range(seed, seed + replications),
                                 progress=bar.update)
    except (ValueError, *CONFIG_PROBLEMS) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{'retry spacing':>14}{'given a band':>14}{'open':>9}{'cancelled':>11}"
               f"{'late':>8}{'failed':>8}{'broken share (95% CI)':>28}")
    for row in rows:
        ci = row["broken_rate_ci"] or [math.nan, math.nan]
        share = "n/a" if row["broken_rate"] is None else (
            f"{percent_number(row['broken_rate'])}% [{percent_number(ci[0])}–"
            f"{percent_number(ci[1])}%]")
        click.echo(f"{row['retry_spacing_s']:>12g} s{row['given_band']:>14,}"
                   f"{row['pending']:>9,}{row['cancelled']:>11,}{row['late']:>8,}"
                   f"{row['failed']:>8,}{share:>28}")
    click.echo(f"\nsimulated: {replications} run(s) of {days} day(s) each under the callback "
               f"policy, seeds {seed} to {seed + replications - 1}, the same callers for "
               "every spacing")
    click.echo(f"definition: {DEFINITION}; {RUNS_INTERVAL}. given a band, open (still "
               "open: undecided, left out of the share), cancelled (withdrawn: left out; the "
               "simulator never cancels, so 0), late and failed count callbacks over all "
               "runs; the lowest broken share keeps the promise best")
    click.echo(whose_settings(config_path, queue))


@click.command("whatif")
@SCENARIO_FILE
@click.option("--policies", default="music_ads,silence,checkin,callback", show_default=True)
@click.option("--replications", type=click.IntRange(2, 10_000), default=20, show_default=True)
@click.option("--day", default="all", show_default=True, help="Fitted weekday or all.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes (default: every core).")
@queue_options
@HTML_OPTION
def whatif_command(scenario_path: str, policies: str, replications: int, day: str, seed: int,
                   workers: int | None, config_path: str | None, queue: str | None,
                   html_path: str | None) -> None:
    """Every policy on your fitted day, many times over: means with 95% intervals."""
    from simulator.scenario_file import load_twin
    from simulator.twin import twin_scenario
    from simulator.whatif import whatif, whatif_table

    names = policy_names(policies)
    try:
        config, queue = queue_config(config_path, queue)
        scenario = as_the_queue_runs(twin_scenario(load_twin(scenario_path), day=day),
                                     config, queue)
        chosen = queue_policies(names, config, queue)
        with stderr_progress(replications * len(chosen), "what-if") as bar:
            results = whatif(scenario, chosen, replications, seed, workers=workers,
                             progress=bar.update)
    except CONFIG_PROBLEMS as error:
        raise click.ClickException(str(error)) from None
    table = whatif_table(results, scenario, replications)
    click.echo(table)
    click.echo(whose_settings(config_path, queue))
    write_html(html_path, "What-if on your fitted day", "whatif", [("policies", table)])
