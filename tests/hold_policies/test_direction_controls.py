"""Words said to callers hold no direction override or isolate: the console showed "Thank
you. please stay on the line" where Polly read the letters backwards (console audit 34,
D11), so a reviewer of a diff could not see what a change said. Refused naming the key."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, parse_config
from tests.hold_policies.test_xml_safe_text import WORDS, problem_with

BACKWARDS = "Thank you. \u202eenil eht no yats esaelp"


@pytest.mark.parametrize("path", [*WORDS, "variants.short.prompts.apology",
                                  "callbacks.sms_text"])
def test_every_spoken_text_refuses_a_direction_override_by_name(path):
    key = path if path.startswith("callbacks.") else f"queues.sales.{path}"
    assert (f"{key}: contains a direction control (U+202E) at character 12"
            in problem_with(path, BACKWARDS, as_written=True))


@pytest.mark.parametrize("char", [chr(c) for c in (*range(0x202A, 0x202F),
                                                   *range(0x2066, 0x206A))])
def test_each_embedding_override_and_isolate_is_refused(char):
    assert f"(U+{ord(char):04X}) at character 6" in problem_with(
        "prompts.apology", f"Sorry{char}", as_written=True)


def test_direction_marks_stay_allowed_for_right_to_left_words():
    """LRM/RLM/ALM move only the neutral characters beside them (a number in Arabic words)."""
    words = "\u0627\u0646\u062a\u0638\u0631 \u200f5\u200e \u061cدقائق"
    config = parse_config({"queues": {"support": {"prompts": {"apology": words}}}})
    assert config.queues["support"].prompts.apology == words


def test_config_check_names_the_key():
    with pytest.raises(ConfigError, match=r"queues\.support\.prompts\.welcome: contains a "
                                          r"direction control \(U\+2067\)"):
        parse_config({"queues": {"support": {"prompts": {"welcome": "Hi \u2067x\u2069"}}}},
                     as_written=True)


def test_a_stored_version_holding_one_still_loads_and_runs():
    """Refused as written only: a version stored before the check, loaded to run, had been
    refused, and every queue fell back to the config file's policies (reviewer 34)."""
    config = parse_config({"queues": {"support": {"policy": "checkin", "prompts": {
        "welcome": "Hi \u2067x\u2069"}}}}, "version 3")
    assert config.queues["support"].policy == "checkin"
