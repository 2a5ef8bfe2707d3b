"""`holdwell simulate --engine twilio` with a queue's variants (issue 16 item 8): each variant runs
through the real app as its experiment arm, the records carry the arm, and `holdwell report`
compares the variants as arms — from the record files and from the database alike."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli.report_commands import report_command
from cli.simulate_commands import compare_command, simulate_command

CONFIG = """
[queues.support]
policy = "checkin"
[queues.support.variants.warm]
policy = "checkin"
prompts = { apology = "We are so sorry for the wait." }
[queues.support.variants.plain]
policy = "checkin"
prompts = { apology = "" }
settings = { interval_s = 45 }
"""
SMALL = ["--calls", "30", "--agents", "1", "--arrival-rate", "1.2", "--service-mean", "1.5",
         "--patience-mean", "8", "--seed", "4"]
GROUPS = {"support · arm warm", "support · arm plain"}


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    config = tmp_path / "holdwell.toml"
    config.write_text(CONFIG)
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    monkeypatch.chdir(tmp_path)  # a run without --sim-db writes its file here, not in the repo
    return config, url


def invoke(command, args: list[str]):  # noqa: ANN001, ANN201
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_simulate_runs_each_variant_through_the_app_and_report_compares_them(setup, tmp_path):
    config, url = setup
    files = {}
    for variant in ("warm", "plain"):
        files[variant] = tmp_path / f"{variant}.csv"
        result = invoke(simulate_command, ["--engine", "twilio", "--config", str(config),
                                           "--sim-db", url,
                                           "--policy", variant, *SMALL, "--json",
                                           "--out", str(files[variant])])
        summary = json.loads(result.stdout)
        assert (summary["engine"], summary["policy"], summary["arm"]) == (
            "twilio", "checkin", variant)
        assert summary["app_errors"] == 0 and summary["calls"] == 30
        records = pd.read_csv(files[variant])
        assert set(records["arm"]) == {variant} and set(records["policy"]) == {"checkin"}
    from_files = json.loads(invoke(report_command, [
        "--records", str(files["warm"]), "--records", str(files["plain"]), "--json"]).stdout)
    from_db = json.loads(invoke(report_command, ["--db", url, "--json"]).stdout)
    for report in (from_files, from_db):
        groups = {g["group"]: (g["policy"], g["arm"], g["calls"]) for g in report["policies"]}
        assert groups == {"support · arm warm": ("checkin", "warm", 30),
                          "support · arm plain": ("checkin", "plain", 30)}
        assert any(c["primary"] and {c["a"], c["b"]} == GROUPS for c in report["comparisons"])


def test_compare_runs_the_variants_side_by_side_on_the_emulated_app(setup):
    config, _ = setup
    result = invoke(compare_command, ["--engine", "twilio", "--config", str(config),
                                      "--policies", "warm,plain", *SMALL])
    columns = [line.split() for line in result.stdout.splitlines()]
    assert ["warm", "plain"] in columns  # named by arm, as the fast engine's columns are
    as_json = json.loads(invoke(compare_command, [
        "--engine", "twilio", "--config", str(config), "--policies", "warm,plain", *SMALL,
        "--json"]).stdout)
    assert [(s["arm"], s["calls"], s["app_errors"]) for s in as_json] == [
        ("warm", 30, 0), ("plain", 30, 0)]


def test_an_unknown_variant_names_the_queues_variants(setup):
    config, _ = setup
    result = CliRunner().invoke(simulate_command, ["--engine", "twilio", "--config", str(config),
                                                   "--policy", "chilly", *SMALL])
    assert result.exit_code != 0
    assert "unknown 'chilly'" in result.output and "plain, warm" in result.output


def test_made_up_calls_never_land_in_the_live_log(setup, tmp_path, monkeypatch):
    """The twilio engine logs in --sim-db or a fresh file, never DATABASE_URL (the line's live
    log, which reports, the console and the twin's fit read); naming it is refused."""
    import os

    from sqlalchemy import create_engine, inspect

    config, _ = setup
    live = os.environ["DATABASE_URL"]
    refused = CliRunner().invoke(simulate_command, ["--engine", "twilio", "--config",
                                                    str(config), "--sim-db", live, *SMALL])
    assert refused.exit_code != 0 and "live call log" in refused.output
    monkeypatch.chdir(tmp_path)
    result = invoke(simulate_command, ["--engine", "twilio", "--config", str(config), *SMALL])
    assert "holdwell-sim-" in result.stderr
    assert not inspect(create_engine(live)).has_table("calls")  # the live log untouched


def test_the_live_log_is_recognised_however_its_url_is_spelled(monkeypatch):
    import click

    from cli.simulate_commands import simulation_log

    monkeypatch.setenv("DATABASE_URL", "postgres://holdwell@db.example.com/line")
    with pytest.raises(click.ClickException, match="live call log"):
        simulation_log("postgresql+psycopg://holdwell@db.example.com/line")
    assert simulation_log("postgres://holdwell@db.example.com/sims") == \
        "postgresql+psycopg://holdwell@db.example.com/sims"


def test_a_sim_db_it_cannot_use_is_named_as_the_option(setup, tmp_path):
    """The catch-all had said "DATABASE_URL: cannot use the database at
    sqlite:///holdwell.db", a database this command never touches."""
    config, _ = setup
    result = CliRunner().invoke(simulate_command, [
        "--engine", "twilio", "--config", str(config), "--sim-db", "sqlite:///typo/y.db",
        *SMALL])
    assert result.exit_code == 1
    assert ("--sim-db: cannot use the database at sqlite:///typo/y.db: "
            "(sqlite3.OperationalError) unable to open database file") in result.output
    assert "DATABASE_URL" not in result.output


def test_the_twilio_engine_says_each_tenth_of_the_way(setup):
    """It counted ended calls by thousands: 2,000 calls said only 50% and 100%, fewer none."""
    config, url = setup
    result = invoke(simulate_command, ["--engine", "twilio", "--config", str(config),
                                       "--sim-db", url, *SMALL])
    said = [line for line in result.stderr.splitlines() if line.startswith("simulating: ")]
    assert [line.split()[1] for line in said] == [f"{n}%" for n in range(10, 101, 10)]


@pytest.mark.parametrize(("live", "sim"), [
    ("sqlite:///{dir}/live.db", "sqlite:///live.db"),  # relative to where it runs
    ("sqlite:///{dir}/live.db", "sqlite:///{dir}/../{name}/live.db"),
    ("sqlite:///{dir}/live.db", "sqlite:///{dir}/link.db"),  # a link to it
    (None, "sqlite:///holdwell.db"),  # DATABASE_URL unset: the live log is ./holdwell.db
    (None, "sqlite:///{dir}/holdwell.db"),
    ("postgresql://postgres@127.0.0.1:5432/line", "postgresql+psycopg://postgres@localhost/line"),
    ("postgresql://postgres@127.0.0.1/line", "postgresql://other@127.0.0.1:5432/line?x=y"),
    ("postgresql://postgres@10.0.0.5/line", "postgresql://postgres@/line?host=10.0.0.5"),
    ("sqlite:///{dir}/live.db", "sqlite:///file:live.db?mode=rw&uri=true"),
])
def test_the_live_log_is_refused_by_what_it_opens_not_how_it_is_written(
        tmp_path, monkeypatch, live, sim):
    """Only the URL's exact text had been refused: a relative or linked path, the default
    log, localhost for 127.0.0.1 or an added parameter let 150 made-up calls into a live
    log (operator audit 33, D1)."""
    import click

    from cli.simulate_commands import simulation_log

    monkeypatch.chdir(tmp_path)
    (tmp_path / "live.db").touch()
    (tmp_path / "link.db").symlink_to(tmp_path / "live.db")
    spelled = {"dir": tmp_path, "name": tmp_path.name}
    if live is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", live.format(**spelled))
    with pytest.raises(click.ClickException, match="live call log"):
        simulation_log(sim.format(**spelled))


@pytest.mark.parametrize("sim", ["sqlite:///other.db", "sqlite://",
                                 "postgresql://postgres@127.0.0.1:5432/sims",
                                 "postgresql://postgres@127.0.0.1:5433/line",
                                 "postgresql://postgres@127.0.0.1/line?port=5433"])
def test_another_database_beside_the_live_log_is_taken(tmp_path, monkeypatch, sim):
    from cli.simulate_commands import simulation_log

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/line"
                       if sim.startswith("postgresql") else f"sqlite:///{tmp_path}/live.db")
    assert simulation_log(sim) == sim
