"""Which placeholders each prompt may use: the checker's table (PROMPT_PLACEHOLDERS), what the
policies really fill each prompt with, and README's `[queues.NAME.prompts] *` row all agree.

README once allowed {position} {keep_key} {callback_key} in callback_closing_soon and
callback_confirm_no_estimate, which `config check` refuses, and left out the {wait} it accepts
in position, next_in_line and keep_waiting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hold_policies import CheckinPolicy, Choice, WaitEstimate
from hold_policies.config import ConfigError, PromptsConfig, parse_config
from hold_policies.overflow import with_overflow
from hold_policies.overflow_rules import Overflow
from hold_policies.prompts import PROMPT_PLACEHOLDERS, Prompts, prompt_placeholders
from hold_policies.situation import Situation
from tests.hold_policies.test_policies import said

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = "| `[queues.NAME.prompts] *` |"
LIST_STARTS = "bare (no `:format` or `!conversion`): "
LIST_ENDS = " `holdwell config check`"


def readme_placeholders() -> dict[str, set[str]]:
    """The README row's claims: "`{a}` `{b}` in `p`, `q`; ...; none in the rest, `r` ..."
    read as {prompt: placeholders}; a prompt it does not name takes none."""
    row = next(line for line in README.read_text(encoding="utf-8").splitlines()
               if line.startswith(ROW))
    listed = row.split(LIST_STARTS, 1)[1].split(LIST_ENDS, 1)[0]
    claims: dict[str, set[str]] = {}
    for clause in listed.split("; "):
        names = set(re.findall(r"`\{(\w+)\}`", clause))
        none = clause.startswith("none in the rest")
        assert names or none, f"README clause names no placeholder: {clause!r}"
        for prompt in re.findall(r"`(\w+)`", clause):
            assert prompt not in claims, f"README names {prompt!r} twice"
            claims[prompt] = set() if none else names
    return claims


def test_readme_names_only_prompts_a_file_may_set():
    assert set(readme_placeholders()) <= set(PromptsConfig.model_fields)
    assert set(PROMPT_PLACEHOLDERS) <= set(PromptsConfig.model_fields)


@pytest.mark.parametrize("prompt", sorted(PromptsConfig.model_fields))
def test_readme_and_the_checker_allow_the_same_placeholders(prompt):
    readme = readme_placeholders().get(prompt, set())
    assert readme == set(prompt_placeholders(prompt)), (
        f"README allows {sorted(readme)} in {prompt}, config check "
        f"{sorted(prompt_placeholders(prompt))}")


@pytest.mark.parametrize("prompt", sorted(PromptsConfig.model_fields))
def test_config_check_accepts_what_readme_allows_and_refuses_the_rest(prompt):
    allowed = readme_placeholders().get(prompt, set())
    every = {"position", "wait", "keep_key", "callback_key", "number", "minutes", "reason"}
    data = {"queues": {"support": {"prompts": {prompt: " ".join(
        f"{{{name}}}" for name in sorted(allowed)) or "Plain words."}}}}
    parse_config(data, as_written=True)
    for refused in sorted(every - allowed):
        data = {"queues": {"support": {"prompts": {prompt: f"Say {{{refused}}}."}}}}
        with pytest.raises(ConfigError, match=f"queues.support.prompts.{prompt}"):
            parse_config(data, as_written=True)


THIRTY = WaitEstimate(expected_s=900.0, upper_s=1700.0, departures_seen=20)


def test_wait_is_filled_in_next_in_line_and_keep_waiting():
    """What the checker allows there is said: the wait's band (nothing without an estimate)."""
    policy = CheckinPolicy(prompts=Prompts(next_in_line="Next, within {wait}.",
                                           keep_waiting="About {wait}; press {keep_key}."))
    at_head = Situation("support", "CA1", 1, 600.0, 5, since_announcement_s=90,
                        estimate=THIRTY)
    text = said(policy.next_segment(at_head))
    assert "Next, within 30 minutes." in text and "About 30 minutes; press 1." in text
    assert "{" not in text


def test_the_overflow_says_the_closing_and_no_estimate_confirmation_filled_with_nothing():
    """Why the checker allows no placeholder in callback_closing_soon and
    callback_confirm_no_estimate: the overflow's offer says them with none filled in."""
    prompts = Prompts(callback_confirm_no_estimate="Booked at number {position}.",
                      callback_closing_soon="Too late; press {keep_key}.")
    policy = with_overflow(CheckinPolicy(prompts=prompts),
                           Overflow(max_wait_s=600, callback_key="2", voicemail_key="3"))
    booked = policy.on_key(Situation("support", "CA1", 4, 610.0, 9), "2")
    assert booked.choice is Choice.CALLBACK and said(booked.segment) == "Booked at number ."
    closing = policy.on_key(Situation("support", "CA1", 4, 610.0, 9, closes_in_s=60), "2")
    assert closing.choice is Choice.KEEP_WAITING and said(closing.segment) == "Too late; press ."
