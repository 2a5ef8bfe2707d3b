"""Config validation: every kind of bad input names the key, the value and what is allowed."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, HoldwellConfig, load_config, parse_config
from hold_policies.experiment import assign_arm
from hold_policies.factory import assign, build_policy


def write(tmp_path, text: str) -> str:
    path = tmp_path / "holdwell.toml"
    path.write_text(text)
    return str(path)


def test_every_knob_has_a_default():
    config = HoldwellConfig()
    assert config.default_queue == "support"
    queue = config.queues["support"]
    assert queue.policy == "checkin" and queue.checkin.interval_s == 60


def test_a_full_file_loads(tmp_path):
    config = load_config(write(tmp_path, """
[line]
default_queue = "billing"
support_number = "+14155550000"
[estimate]
window_s = 600
[queues.billing]
policy = "callback"
voice = "Polly.Amy"
language = "en-GB"
[queues.billing.callback]
offer_after_estimate_s = 120
[queues.billing.prompts]
position = "Sorry, {position} callers are ahead."
[queues.sales]
policy = "silence"
"""))
    assert config.default_queue == "billing"
    assert build_policy(config.queues["billing"]).offer_after_estimate_s == 120


@pytest.mark.parametrize(("text", "expected"), [
    ('[queues.support]\npolicy = "jazz"', "queues.support.policy"),
    ('[queues.support]\npolicy = "jazz"', "'silence', 'checkin', 'callback' or 'music_ads'"),
    ("[queues.support.checkin]\ninterval_s = 5", "queues.support.checkin.interval_s"),
    ("[queues.support.checkin]\ninterval_s = 5", "greater than or equal to 20 (got 5)"),
    ("[queues.support]\npolcy = 'silence'", "queues.support.polcy: unknown key"),
    ("[queues.support.prompts]\napology = 'Sorry {name}'", "unknown placeholder ['name']"),
    ("[queues.support.callback]\ncallback_key = '1'", "callback_key and keep_key are both"),
    ("[queues.support.checkin]\nkeep_key = '12'", "queues.support.checkin.keep_key"),
    ("[queues.support.experiment]\narms = { checkin = 1 }", "at least two arms"),
    ("[queues.support.experiment]\narms = { checkin = 1, opera = 1 }", "opera"),
    ('[queues."bad name!"]\npolicy = "silence"', "queues.bad name!"),
    ('[line]\ndefault_queue = "nope"\n[queues.support]', "default_queue 'nope'"),
    ("[estimate]\nconfidence = 1.5", "estimate.confidence"),
    ("[queues.support.checkin]\ninterval_s = 'often'", "valid integer"),
    ("[queues.support]\nmax_size = 5001", "queues.support.max_size"),
    ("[queues.support]\nmax_size = 0", "greater than or equal to 1 (got 0)"),
    ('[queues.support]\npolicy = "callback"', "line.support_number: missing"),
    ('[queues.support]\npolicy = "callback"', "queue(s) support offer callbacks"),
    ("[queues.support.experiment]\narms = { checkin = 1, callback = 1 }",
     "line.support_number: missing"),
    ('[line]\nsupport_number = "4155550100"', "line.support_number: not a phone number in E.164"),
    ('[line]\nsupport_number = "+1 415 555 0100"', "(got '+1 415 555 0100')"),
    ("[queues.support]\nmax_size = true", "queues.support.max_size: must be a number, not true"),
    ("[queues.support.checkin]\ninterval_s = false",
     "queues.support.checkin.interval_s: must be a number, not false"),
])
def test_bad_config_names_the_key_and_problem(tmp_path, text, expected):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert expected in str(error.value)

AS_SAID = [
    ("[queues.support.prompts]\napology = 'Sorry, {position}'",
     "queues.support.prompts.apology: {position} is not filled in this text (other texts "
     "use it); this text may use: "
     "none"),
    ("[queues.support.prompts]\ncallback_number_check = 'Within {wait}, {number}'",
     "{wait} is not filled in this text (other texts use it); this text may use: {number}"),
    ("[queues.support.prompts]\nposition = 'You are number {position:s}'",
     "placeholders take no format or conversion (':...' or '!...'): {position}"),
    ("[queues.support.prompts]\nposition = 'Number {position:>200000000}'", "no format"),
    ("[queues.support.prompts]\nwait = 'In {wait!r}'", "no format"),
    ("[queues.support.prompts]\nposition = 'Number {position'",
     "a brace in words said aloud is only for a placeholder, written single"),
    ("[queues.support.prompts]\nposition = 'Number {{position}}'",
     "queues.support.prompts.position: a doubled brace ('{{', '}}') would be read out"),
    ("[queues.support.prompts]\nreturning_caller = 'Welcome back {{name}}'",
     "queues.support.prompts.returning_caller: this text takes no placeholders, so its braces"),
    ("[queues.support.prompts]\ncallback_offer_no_estimate = 'Press {callback_key} ({wait})'",
     "{wait} is not filled in this text"),
    ("[queues.support.hours.words]\nclosed = 'Closed. Call {number}'",
     "queues.support.hours.words.closed: {number} is not filled in this text"),
    ("[queues.support.overflow.words]\ncallback = 'Press {voicemail_key}'",
     "{voicemail_key} is not filled in this text (other texts use it); this text may "
     "use: {callback_key}"),
]


@pytest.mark.parametrize(("text", "expected"), AS_SAID)
def test_a_text_that_could_not_be_said_as_written_is_named_when_checked(tmp_path, text,
                                                                       expected):
    """`config check`, `config import` and the console's saves check each text as it will be
    said: a placeholder its prompt is not filled with (said as nothing, or as a brace), a
    format on one (which stopped every check-in), an unpaired brace."""
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), as_written=True)
    assert expected in str(error.value)


@pytest.mark.parametrize(("text", "expected"),
                         [case for case in AS_SAID if case[0].startswith("[queues.support.prompts]")
                          and "brace" not in case[1]])
def test_a_file_or_version_saved_before_the_per_text_check_still_loads(tmp_path, text,
                                                                      expected):
    """Loading to run checks only names no text may use, as before: a version stored under
    yesterday's rules is not dropped for the file's config."""
    load_config(write(tmp_path, text))



def test_not_toml_and_missing_file_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[queues.support\npolicy="))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path):
    """Notepad's "UTF-8 with BOM" starts the file with U+FEFF: the file is read, not refused as
    'not valid TOML ... line 1, column 1'."""
    path = tmp_path / "holdwell.toml"
    path.write_bytes("\ufeff[queues.sales]\npolicy = \"silence\"\n".encode())
    config = load_config(path, as_written=True)
    assert config.queues["sales"].policy == "silence"


def test_config_check_reads_a_file_with_a_byte_order_mark(tmp_path):
    from click.testing import CliRunner

    from cli.main import cli
    path = tmp_path / "holdwell.toml"
    path.write_bytes(b"\xef\xbb\xbf[queues.sales]\npolicy = \"silence\"\n")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "queue sales: policy silence" in result.output


def test_all_problems_are_reported_at_once():
    with pytest.raises(ConfigError) as error:
        parse_config({"queues": {"a": {"policy": "x", "colour": "red"}}})
    assert "2 problem(s)" in str(error.value)


def test_experiment_assignment_is_deterministic_and_proportional():
    arms = {"checkin": 1.0, "music_ads": 1.0}
    draws = [assign_arm(f"CA{i}", arms, salt="s") for i in range(4000)]
    assert draws == [assign_arm(f"CA{i}", arms, salt="s") for i in range(4000)]
    assert 0.46 < draws.count("checkin") / 4000 < 0.54
    other_salt = [assign_arm(f"CA{i}", arms, salt="t") for i in range(200)]
    assert other_salt != draws[:200]


def test_queue_in_experiment_assigns_policy_and_arm():
    config = parse_config({"queues": {"support": {
        "experiment": {"arms": {"checkin": 3, "music_ads": 1}}}}})
    picks = [assign(config.queues["support"], f"CA{i}") for i in range(2000)]
    assert {p.policy for p in picks} == {"checkin", "music_ads"}
    assert all(p.arm == p.policy for p in picks)
    assert 0.70 < sum(p.arm == "checkin" for p in picks) / 2000 < 0.80


def test_the_shipped_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "holdwell.example.toml"
    assert load_config(example).queues["support"].checkin.interval_s == 60


def test_callbacks_with_a_caller_id_load_and_other_policies_need_none():
    config = parse_config({"line": {"support_number": "+442071838750"},
                           "queues": {"support": {"policy": "callback"}}})
    assert config.line.support_number == "+442071838750"
    assert parse_config({"queues": {"support": {"policy": "silence"}}}).line.support_number is None


def test_a_check_across_keys_does_not_dump_the_whole_file():
    with pytest.raises(ConfigError) as error:
        parse_config({"queues": {"support": {"policy": "callback", "voice": "Polly.Amy"}}})
    assert "Polly.Amy" not in str(error.value)


def test_an_infinite_weight_is_refused_and_huge_finite_weights_keep_their_shares():
    """inf, or finite weights whose sum overflows, sent every caller to one arm."""
    with pytest.raises(ConfigError, match="experiment.arms.checkin"):
        parse_config({"queues": {"support": {"experiment": {
            "arms": {"checkin": float("inf"), "music_ads": 1}}}}})
    arms = {"checkin": 1e308, "music_ads": 1e308}
    draws = [assign_arm(f"CA{i}", arms) for i in range(2000)]
    assert 0.45 < draws.count("checkin") / 2000 < 0.55

