"""`holdwell config check` names every problem one run can honestly find: a bad key no longer
hides the rules across keys (an operator's file with a bad key, an unknown default queue and an
unknown experiment arm was told of the key alone), and a rule that reads a bad key is skipped
rather than judged on a default."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli.main import cli
from hold_policies.config import ConfigError, HoldwellConfig, parse_config

REVIEWED = """
[line]
support_number = "+14155550100"
default_queue = "sales"

[queues.support]
policy = "checkin"
max_size = 0
volume = 3

[queues.support.experiment]
arms = { checkin = 50, nope = 50 }
"""


def check(tmp_path, text: str) -> tuple[int, list[str]]:
    path = tmp_path / "holdwell.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    if result.exit_code:
        counted = re.search(r"(\d+) problem\(s\)", lines[0])
        assert counted and int(counted[1]) == len(lines) - 1  # the count is the lines listed
    return result.exit_code, lines[1:]


def test_a_bad_key_no_longer_hides_the_default_queue_and_an_unknown_arm(tmp_path):
    code, problems = check(tmp_path, REVIEWED)
    assert code == 1
    assert problems == [
        "  queues.support.max_size: Input should be greater than or equal to 1 (got 0)",
        "  queues.support.volume: unknown key (check the spelling; see README 'Configuration')",
        "  queues.support: experiment.arms.nope: neither a policy (silence, checkin, callback, "
        "music_ads) nor a variant of this queue (none); define it as "
        "[queues.NAME.variants.nope]",
        "  line.default_queue 'sales' is not one of ['support']",
    ]


def test_a_queues_rules_are_all_named_the_cap_and_the_arm_together(tmp_path):
    """Two rules of one queue, and a bad key in another queue: all three named."""
    code, problems = check(tmp_path, """
[line]
support_number = "+14155550100"
[queues.support]
policy = "checkin"
[queues.support.hours]
timezone = "Europe/London"
monday = "08:00-18:00"
callbacks_per_opening = 5
[queues.support.experiment]
arms = { checkin = 50, nope = 50 }
[queues.other.checkin]
interval_s = 3
""")
    assert code == 1 and len(problems) == 3
    assert problems[0].startswith("  queues.other.checkin.interval_s: ")
    assert any("experiment.arms.nope: neither a policy" in line for line in problems)
    assert any("hours.callbacks_per_opening is 5, but this queue's policies (checkin) offer "
               "no callbacks" in line for line in problems)


def test_rules_of_one_table_are_named_together():
    """Before, the first rule of a table to fail hid the rest of that table's rules."""
    with pytest.raises(ConfigError) as error:
        parse_config({"line": {"support_number": "+14155550100"},
                      "queues": {"support": {"overflow": {"callback": False}}}})
    assert "2 problem(s)" in str(error.value)
    assert "neither max_wait_s nor when_full is set" in str(error.value)
    assert "callback and voicemail are both false" in str(error.value)


@pytest.mark.parametrize(("data", "named", "not_named"), [
    # a bad number is not also "missing"
    ({"line": {"support_number": "555"}, "queues": {"support": {"policy": "callback"}}},
     "line.support_number: not a phone number", "missing"),
    # a variant refused for its policy is not also an unknown arm
    ({"queues": {"support": {"variants": {"short": {"policy": "loud"}},
                             "experiment": {"arms": {"checkin": 1, "short": 1}}}}},
     "queues.support.variants.short.policy", "neither a policy"),
    # a queue refused for its name is not also missing as the default queue
    ({"line": {"default_queue": "bad name"}, "queues": {"bad name": {}, "ok": {}}},
     "queues.bad name.[key]", "line.default_queue"),
    # hours refused for their time zone say nothing of their cap (the policy read is fine)
    ({"queues": {"support": {"hours": {"timezone": "Mars/Base", "monday": "08:00-18:00",
                                       "callbacks_per_opening": 3}}}},
     "queues.support.hours.timezone", "callbacks_per_opening"),
    # an arm refused for its weight: whether the queue offers callbacks is not judged without it
    ({"line": {"support_number": "+14155550100"},
      "queues": {"support": {"experiment": {"arms": {"callback": -1, "checkin": 1}},
                             "hours": {"timezone": "UTC", "monday": "08:00-18:00",
                                       "callbacks_per_opening": 3}}}},
     "queues.support.experiment.arms.callback", "callbacks_per_opening"),
    # a claim too short for the ring is not said again for the briefs
    ({"callbacks": {"claim_timeout_s": 60}, "queues": {"support": {"max_size": 0}}},
     "callbacks.claim_timeout_s (60) must be at least", "line.support_number"),
    # a voice left to a refused language is not the default's (Polly.Joanna, 3,000 bytes):
    # the words are not weighed for it ("xx-XX" has no Polly voice, and 4,096)
    ({"queues": {"support": {"language": "en_US",
                             "prompts": {"welcome": "Bitte warten Sie. " * 190}}}},
     "queues.support.language", "prompts.welcome"),
])
def test_a_rule_that_reads_a_bad_key_is_skipped_not_judged_on_a_default(data, named,
                                                                        not_named):
    with pytest.raises(ConfigError) as error:
        parse_config(data, as_written=True)
    message = str(error.value)
    assert message.count(named) == 1 and not_named not in message.replace(named, ""), message
    counted = re.search(r"(\d+) problem\(s\)", message)
    assert counted and int(counted[1]) == len(message.splitlines()) - 1


def test_a_file_that_passes_loads_as_before_and_the_console_still_refuses_rules():
    config = parse_config({"line": {"support_number": "+14155550100", "default_queue": "b"},
                           "queues": {"a": {"policy": "callback"}, "b": {}}}, as_written=True)
    assert config.default_queue == "b" and config.queues["a"].policy == "callback"
    with pytest.raises(ValueError, match="line.support_number: missing"):
        HoldwellConfig.model_validate({"queues": {"a": {"policy": "callback"}}})


@pytest.mark.parametrize(("toml", "key"), [
    ('[queues.support]\nvoice = "' + "x" * 200_000 + '"\n', "queues.support.voice"),
    ('[queues."' + "q" * 5_000 + '"]\npolicy = "checkin"\n', "queues."),
])
def test_a_long_bad_value_or_key_is_shown_cut_short_with_its_length(tmp_path, toml, key):
    """A 200,000-character voice was echoed whole: 200 KB of output for one problem."""
    path = tmp_path / "long.toml"
    path.write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 1 and key in result.output
    assert len(result.output) < 2_000, len(result.output)
    assert "characters)" in result.output


def test_braces_a_prompt_would_read_out_are_each_named(tmp_path):
    """Prompts said as written (returning_caller, resumed...) refused `{name}` but took
    `{{name}}`, which callers then heard read out, braces and all; a filled prompt said
    `{{position}}` as "{position}"."""
    code, problems = check(tmp_path, """
[queues.support]
policy = "checkin"

[queues.support.prompts]
returning_caller = "Welcome back, {{name}}. Press 1 to keep your call back."
resumed = "Welcome back }}"
position = "You are number {{position}} in line."
""")
    assert code == 1
    assert problems == [
        "  queues.support.prompts.position: a doubled brace ('{{', '}}') would be read out as "
        "a brace: write a placeholder with single braces, and no other brace; this text may "
        "use: {position}, {keep_key}, {callback_key}, {wait} (got 'You are number "
        "{{position}} in line.')",
        "  queues.support.prompts.returning_caller: this text takes no placeholders, so its "
        "braces ('{{', '}}') would be read out: leave them out (got 'Welcome back, {{name}}. "
        "Press 1 to keep your call back.')",
        "  queues.support.prompts.resumed: this text takes no placeholders, so its braces "
        "('{{', '}}') would be read out: leave them out (got 'Welcome back }}')",
    ]
