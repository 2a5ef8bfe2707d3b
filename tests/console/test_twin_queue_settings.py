"""The console's twin simulates the busiest queue as `holdwell whatif --config` does: its
opening hours, estimate settings, resume rule and max_size laid on the fitted day, not its
policies alone. The console had simulated the bare fitted day, so for a queue with hours or a
size its what-if figures, staffing plan and fitted take-up differed from the CLI's for the
same log and config."""

from __future__ import annotations

import dataclasses
import math
import tomllib

import pytest
from click.testing import CliRunner

from app.storage import users
from hold_policies.config import HoldwellConfig, parse_config
from simulator.as_run import as_the_queue_runs
from tests.console.conftest import PASSWORD, bearer

QUEUE = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
max_size = 3
[queues.support.resume]
within_s = 120
[queues.support.hours]
timezone = "UTC"
monday = "07:00-20:00"
tuesday = "07:00-20:00"
wednesday = "07:00-20:00"
thursday = "07:00-20:00"
friday = "07:00-20:00"
saturday = "07:00-20:00"
sunday = "07:00-20:00"
[estimate]
window_s = 600
"""
"""A queue whose settings beyond its policy all show: at most 3 waiting (4 to 9 agents),
closed two hours before the log's calls stop, dropped callers rejoining, a 10-minute window."""


@pytest.fixture
def console_app(make_app, clock):
    """The console's app and users, its one queue with hours, a resume rule and a size."""
    app = make_app(QUEUE)
    engine = app.extensions["holdwell"].store.engine
    for role in users.ROLES:
        users.add_user(engine, role, role, PASSWORD, clock.now())
    return app


def config_of(text: str) -> HoldwellConfig:
    return parse_config(tomllib.loads(text))


def recording_whatif(monkeypatch) -> list[tuple]:  # noqa: ANN001 - a fixture
    """Every call of `simulator.whatif.whatif` (scenario, policies, its figures), run as is."""
    import simulator.whatif

    real, seen = simulator.whatif.whatif, []

    def whatif(scenario, policies, replications, seed, **kwargs):  # noqa: ANN001, ANN202
        figures = real(scenario, policies, replications, seed, **kwargs)
        seen.append((scenario, policies, figures))
        return figures

    monkeypatch.setattr(simulator.whatif, "whatif", whatif)
    return seen


def same(a: dict, b: dict) -> bool:
    """Figures equal, NaN (a figure no replication had) equal to NaN."""
    def flat(figures: dict) -> list:
        return [None if isinstance(v, float) and math.isnan(v) else v
                for policy in sorted(figures) for key in sorted(figures[policy])
                for v in figures[policy][key]]
    return flat(a) == flat(b)


def test_the_consoles_whatif_is_the_clis_whatif_config_for_the_same_twin(
        seeded, tokens, tmp_path, monkeypatch):
    from cli.twin_commands import whatif_command
    from simulator import scenario_file
    from simulator.twin import twin_scenario
    from simulator.whatif import whatif

    seen = recording_whatif(monkeypatch)
    reply = seeded.test_client().post(
        "/api/v1/twin/whatif", headers=bearer(tokens["analyst"]),
        json={"policies": ["checkin"], "replications": 2, "seed": 3})
    assert reply.status_code == 200, reply.get_json()
    [(console_day, policies, console_figures)] = seen
    assert console_day.queue == "support" and console_day.queue_max_size == 3
    assert console_day.closed_line is not None and console_day.resume is not None
    assert console_day.resume.within_s == 120 and console_day.estimates.window_s == 600

    [live] = seeded.extensions["holdwell_twins"].values()  # the twin the console fitted
    monkeypatch.setattr(scenario_file, "load_twin", lambda _: live.twin)
    config = tmp_path / "queue.toml"
    config.write_text(QUEUE, encoding="utf-8")
    ran = CliRunner().invoke(whatif_command, [
        "--scenario", str(config), "--config", str(config), "--policies", "checkin",
        "--replications", "2", "--seed", "3", "--workers", "1"])
    assert ran.exit_code == 0, ran.output
    [_, (cli_day, _, cli_figures)] = seen
    assert console_day == cli_day
    assert same(console_figures, cli_figures)
    [row] = reply.get_json()["policies"]
    assert row["unserved_rate"]["mean"] == pytest.approx(cli_figures["checkin"]["unserved_rate"][0])
    bare = whatif(twin_scenario(live.twin), policies, 2, 3, workers=1)  # the old console's
    assert bare["checkin"]["unserved_rate"][0] < console_figures["checkin"]["unserved_rate"][0]


def test_the_consoles_staffing_plan_simulates_the_queues_settings(seeded, tokens,
                                                                   monkeypatch):
    """As `holdwell staffing --config` does (its `as_run`)."""
    from simulator import staff_plan
    from simulator.twin import twin_scenario

    monkeypatch.setattr(staff_plan, "MAX_ROUNDS", 1)
    real, given = staff_plan.plan_policies, []

    def plan_policies(*args, as_run=None, **kwargs):  # noqa: ANN002, ANN003, ANN202
        given.append(as_run)
        return real(*args, as_run=as_run, **kwargs)

    monkeypatch.setattr(staff_plan, "plan_policies", plan_policies)
    reply = seeded.test_client().post(
        "/api/v1/twin/whatif", headers=bearer(tokens["analyst"]),
        json={"policies": ["checkin"], "replications": 2, "target_unserved": 0.2})
    assert reply.status_code == 200, reply.get_json()
    [as_run] = given
    [live] = seeded.extensions["holdwell_twins"].values()
    day = twin_scenario(live.twin)
    assert as_run is not None
    assert as_run(day) == as_the_queue_runs(day, config_of(QUEUE), "support")


def test_the_take_up_is_fitted_on_the_day_the_queues_whatifs_run(monkeypatch):
    """`holdwell fit --config` fits it on the queue's hours, estimates, resume rule and
    size (`prepare`); the console had fitted it on the bare fitted day."""
    import pandas as pd

    import simulator.fit_take_up
    from app.console import twin_live
    from app.console.twin_limits import Deadline
    from simulator.fit_results import ASSUMED_TAKE_UP
    from tests.console.twin_seed import TRUTH

    config = config_of(QUEUE.replace('policy = "checkin"', 'policy = "callback"'))
    prepared = []

    def fitted(twin, records, *, prepare=None, **_):  # noqa: ANN001, ANN202
        prepared.append(prepare)
        return ASSUMED_TAKE_UP

    @dataclasses.dataclass(frozen=True)
    class Fitted:  # a twin, as far as the take-up's step reads one
        take_up: object = None

    monkeypatch.setattr(simulator.fit_take_up, "fit_take_up", fitted)
    twin_live._with_take_up(Fitted(), pd.DataFrame({"queue": ["support"]}),
                            Deadline(60.0, ""), config)
    [prepare] = prepared
    assert prepare is not None
    assert prepare(TRUTH) == as_the_queue_runs(TRUTH, config, "support")
    assert prepare(TRUTH).queue_max_size == 3


def test_the_consoles_twin_is_the_one_fit_writes_for_the_same_log(seeded, tokens, tmp_path):
    """The console simulated the twin as fitted, the CLI as its scenario file rounds it (5
    decimals): their what-ifs for one log and seed differed by that rounding (analyst
    audit 42, finding 5). The console now simulates the twin as the file holds it."""
    import dataclasses

    from cli.twin_commands import fit_command
    from simulator.scenario_file import load_twin

    fitted = seeded.test_client().get("/api/v1/twin", headers=bearer(tokens["analyst"]))
    assert fitted.status_code == 200, fitted.get_json()
    [live] = seeded.extensions["holdwell_twins"].values()
    out = tmp_path / "twin.toml"
    url = seeded.extensions["holdwell"].settings.database_url
    ran = CliRunner().invoke(fit_command, ["--db", url, "--out", str(out), "--assume-take-up"])
    assert ran.exit_code == 0, ran.output
    written = load_twin(out)
    assert dataclasses.replace(live.twin, take_up=written.take_up) == written
