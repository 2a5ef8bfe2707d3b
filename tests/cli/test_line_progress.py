"""Progress where stderr is no terminal (a CI log, a file): a line at each tenth, and between
them at least every 10 s with the time left; a run whose first tenth takes 10 minutes had
said nothing for those minutes (a reviewer's `whatif --replications 10000`)."""

from __future__ import annotations

import click
from click.testing import CliRunner

from cli.progress import LineProgress


def said(total: int, runs: int, each_s: float) -> list[str]:
    """The lines a job of `total` steps prints while `runs` of them take `each_s` each."""
    now = [0.0]

    @click.command()
    def job() -> None:
        bar = LineProgress(total, "what-if", every_s=10.0, clock=lambda: now[0])
        for _ in range(runs):
            now[0] += each_s
            bar.update(1)

    return CliRunner().invoke(job).output.splitlines()


def test_a_slow_job_speaks_between_tenths_with_the_time_left():
    lines = said(1000, 30, 12.0)  # 3% of the job, no tenth reached
    assert len(lines) == 30  # each run came 12 s after the last line
    assert lines[0].startswith("what-if: 0.1% (1 of 1,000), about")
    assert lines[-1] == "what-if: 3.0% (30 of 1,000), about 3.2 h left"  # 970 x 12 s


def test_a_quick_job_says_only_its_tenths():
    assert said(100, 100, 0.01) == [f"what-if: {10 * k}% ({10 * k:,} of 100)"
                                    for k in range(1, 11)]


def test_a_tenth_crossed_in_a_big_step_says_the_share_done_not_the_tenth():
    """Steps of 345 in 1,000: the line at the third tenth had read "30% (345... of", floored."""
    now = [0.0]

    @click.command()
    def job() -> None:
        bar = LineProgress(1000, "redact", every_s=10.0, clock=lambda: now[0])
        for _ in range(2):
            bar.update(345)

    lines = CliRunner().invoke(job).output.splitlines()
    assert lines == ["redact: 34% (345 of 1,000)", "redact: 69% (690 of 1,000)"]


def test_a_job_almost_done_does_not_say_100_percent():
    now = [0.0]

    @click.command()
    def job() -> None:
        bar = LineProgress(1000, "redact", every_s=10.0, clock=lambda: now[0])
        bar.update(996)
        bar.update(4)

    assert CliRunner().invoke(job).output.splitlines() == [
        "redact: 99% (996 of 1,000)", "redact: 100% (1,000 of 1,000)"]


def test_results_that_come_a_chunk_at_a_time_give_a_sensible_time_left():
    """A pool's first chunk of 500 runs took 25 s: the line had said nothing, then "0.0%
    (1 of 8,000), about 46.2 h left" from the chunk's first result (analyst audit 34). The
    pool's waiting says time passed (`update(0)` each second); the chunk's results, arriving
    together, are then weighed together."""
    now = [0.0]

    @click.command()
    def job() -> None:
        bar = LineProgress(8000, "what-if", every_s=10.0, clock=lambda: now[0])
        for _ in range(25):  # waiting on the first chunk
            now[0] += 1.0
            bar.update(0)
        for _ in range(500):
            bar.update(1)
        now[0] += 11.0
        bar.update(1)

    lines = CliRunner().invoke(job).output.splitlines()
    assert lines[:2] == ["what-if: 0 of 8,000 done, 10 s so far",
                         "what-if: 0 of 8,000 done, 20 s so far"]
    assert lines[2] == "what-if: 6.3% (501 of 8,000), about 9 min left"  # 36 s for 501


def test_replicate_says_time_passed_while_a_pool_works(monkeypatch):
    import simulator.replicate as replicate_module
    from hold_policies.silence import SilencePolicy
    from simulator.distributions import Exponential
    from simulator.scenario import RateProfile, Scenario, Staffing

    monkeypatch.setattr(replicate_module, "TICK_S", 0.001)
    steps: list[int] = []
    scenario = Scenario(calls=200, arrivals=RateProfile.constant(2.0),
                        agents=Staffing.constant(4), service=Exponential(120.0),
                        patience=Exponential(300.0))
    replicate_module.replicate(scenario, [SilencePolicy()], 4, seed=1, workers=2,
                               progress=steps.append)
    assert steps.count(1) == 4 and 0 in steps
