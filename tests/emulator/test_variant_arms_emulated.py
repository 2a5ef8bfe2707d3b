"""Words under test through the emulator's own arms (issue 16 item 8): `emulate` maps a queue's
variants (their prompts and settings) into the config of the app it drives, the app's own arm
assignment draws each caller into one, and the records carry the arm — so the report compares
the variants as arms, as it does for the fast engine's runs.

The two variants differ in words (only `warm` apologises) and in a knob (`plain` checks in
first after 25 s, `warm` after 40 s), so each arm's check-ins show both overlays at work."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from analytics.report import build_report
from app.storage.read import read_records_frame
from emulator.run import emulate
from hold_policies.config import parse_config
from simulator.run import policy_named, simulate
from simulator.scenario import ScenarioError, simple_scenario

APOLOGY = "We are so sorry for the wait."
CONFIG = parse_config({"queues": {"support": {
    "policy": "silence",  # the queue's own policy is neither arm: the arms come from emulate
    "variants": {
        "warm": {"policy": "checkin", "prompts": {"apology": APOLOGY},
                 "settings": {"first_checkin_s": 40}},
        "plain": {"policy": "checkin", "prompts": {"apology": ""},
                  "settings": {"first_checkin_s": 25}},
    },
}}})
FIRST_CHECKIN_S = {"warm": 40, "plain": 25}
CHECK_IN = re.compile(r"You are (number \d+|next) in line")
CALLS = 40


def scenario():  # noqa: ANN201
    return simple_scenario(calls=CALLS, agents=1, arrivals_per_min=1.2, service_mean_min=1.5,
                           patience_mean_min=8.0)


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """One seeded run, callers split half and half between the two variants by the app."""
    url = f"sqlite:///{tmp_path_factory.mktemp('variant_split') / 'holdwell.db'}"
    run = emulate(scenario(), {"warm": 1, "plain": 1}, np.random.default_rng(816),
                  database_url=url, config=CONFIG, record=True)
    return url, run


def arm_in_urls(caller) -> str:  # noqa: ANN001
    return parse_qs(urlsplit(caller.wait_url).query)["arm"][0]


def check_ins(caller) -> list[tuple[float, str]]:  # noqa: ANN001
    """(seconds since ringing, words) of each check-in the caller heard."""
    heard = (re.match(r"t=(\d+) s: (.*)", line) for line in caller.heard)
    return [(float(m[1]), m[2]) for m in heard if m and CHECK_IN.search(m[2])]


def test_a_variant_split_runs_cleanly_and_both_arms_are_in_the_records(split):
    url, run = split
    assert run.errors == []
    records = read_records_frame(url, call_id_prefix=run.call_id_prefix)
    assert len(records) == CALLS
    assert set(records["arm"]) == {"warm", "plain"}
    assert set(records["policy"]) == {"checkin"}  # a variant logs its policy, its arm apart
    by_call = records.set_index("call_id")["arm"]
    assert all(by_call[c.call_sid] == arm_in_urls(c) for c in run.callers)


def test_each_arm_hears_its_own_words_and_knobs(split):
    _, run = split
    heard_by_arm: dict[str, int] = {"warm": 0, "plain": 0}
    for caller in run.callers:
        arm = arm_in_urls(caller)
        said = check_ins(caller)
        if not said:
            continue
        heard_by_arm[arm] += 1
        apologised = [APOLOGY in words for _, words in said]
        assert all(apologised) if arm == "warm" else not any(apologised), (arm, said)
        assert all("sorry" not in words.lower() for _, words in said) or arm == "warm"
        first_at = said[0][0] - (caller.enqueued_at - caller.rang_at)
        assert FIRST_CHECKIN_S[arm] <= first_at <= FIRST_CHECKIN_S[arm] + 3, (arm, said)
    assert min(heard_by_arm.values()) >= 3, heard_by_arm  # both arms really checked in


def test_the_summary_and_the_report_treat_the_variants_as_arms(split):
    url, run = split
    assert run.summary["arm"] == ""  # the whole split is no one arm's
    per_arm = run.summary["arms"]
    assert set(per_arm) == {"warm", "plain"}
    assert all(summary["arm"] == arm and summary["policy"] == "checkin"
               for arm, summary in per_arm.items())
    assert sum(summary["calls"] for summary in per_arm.values()) == run.summary["calls"] == CALLS
    report = build_report(read_records_frame(url, call_id_prefix=run.call_id_prefix))
    groups = {g["group"]: (g["policy"], g["arm"], g["calls"]) for g in report["policies"]}
    assert groups == {f"support · arm {arm}": ("checkin", arm, per_arm[arm]["calls"])
                      for arm in ("warm", "plain")}
    assert any(c["primary"] and {c["a"], c["b"]} == set(groups) for c in report["comparisons"])


def test_one_variant_runs_as_the_fast_engine_names_it(tmp_path):
    """Every caller hears the one variant; the run is labelled as the fast engine's is."""
    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    run = emulate(scenario(), "warm", np.random.default_rng(3), database_url=url,
                  config=CONFIG, record=True)
    assert run.errors == []
    records = read_records_frame(url, call_id_prefix=run.call_id_prefix)
    assert set(zip(records["policy"], records["arm"], strict=True)) == {("checkin", "warm")}
    assert "arms" not in run.summary
    fast = simulate(scenario(), policy_named("warm", CONFIG, "support"),
                    np.random.default_rng(3)).summary
    assert (run.summary["policy"], run.summary["arm"]) == (fast["policy"], fast["arm"]) == (
        "checkin", "warm")
    said = [words for caller in run.callers for _, words in check_ins(caller)]
    assert said and all(APOLOGY in words for words in said)


def test_an_unknown_variant_is_refused_naming_the_queues_variants(tmp_path):
    with pytest.raises(ScenarioError, match="or the queue's variants plain, warm"):
        emulate(scenario(), {"warm": 1, "chilly": 1}, np.random.default_rng(1),
                database_url=f"sqlite:///{tmp_path / 'holdwell.db'}", config=CONFIG)
