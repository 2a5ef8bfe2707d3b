"""`holdwell config check` warns about [checkin] knobs a callback queue never reads, and
still passes the file (exit 0): the callback table has its own check-in knobs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli

CALLBACK_WITH_CHECKIN_KNOBS = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.checkin]
interval_s = 90
"""


def checked(config_file, text: str):  # noqa: ANN001, ANN201 - a fixture, click's Result
    """`holdwell config check` of a file holding `text`."""
    return CliRunner().invoke(cli, ["config", "check", config_file(text)])


def test_config_check_warns_that_a_checkin_knob_does_nothing_on_a_callback_queue(config_file):
    result = CliRunner().invoke(cli, ["config", "check",
                                      config_file(CALLBACK_WITH_CHECKIN_KNOBS)])
    assert result.exit_code == 0
    assert ("warning: queues.support.checkin.interval_s = 90 has no effect: the queue's "
            "callback policy checks in as [queues.support.callback] says (interval_s = 60 "
            "there); set callback.interval_s") in result.output
    assert "OK, 1 queue(s)" in result.output


def test_config_check_warns_of_a_polly_voice_it_does_not_know(config_file):
    """`Polly.Joana` had passed every check (walk-through F2): Twilio fails every <Say> in a
    voice Polly lacks, so the callers would have heard nothing."""
    result = checked(config_file, '[queues.support]\nvoice = "Polly.Joana"\nlanguage = "es-ES"\n')
    assert result.exit_code == 0
    assert ("warning: queues.support.voice = 'Polly.Joana': not an Amazon Polly voice "
            "holdwell knows (did you mean Polly.Joanna?)") in result.output
    known = checked(config_file, '[queues.support]\nvoice = "Polly.Joanna-Neural"\n')
    assert "warning" not in known.output


def test_config_check_warns_that_a_queue_in_a_language_without_defaults_speaks_english(
        config_file):
    """`language = "fr-FR"` alone had passed with no word (walk-through F5), and its callers
    heard "Thank you for calling…" in English, read by the French voice. French now has
    defaults of its own (below); a language without them (Japanese, not built in) is still
    warned of."""
    bare = checked(config_file, '[queues.sales]\npolicy = "silence"\nlanguage = "ja-JP"\n')
    assert bare.exit_code == 0
    assert ("warning: queues.sales.language = 'ja-JP', but what every caller in line hears "
            "is left to holdwell's defaults, which are English (welcome, connecting)"
            ) in bare.output
    written = checked(config_file, '[queues.sales]\npolicy = "silence"\nlanguage = "ja-JP"\n'
                      '[queues.sales.prompts]\nwelcome = "お電話ありがとうございます。"\n'
                      'connecting = "担当者におつなぎします。"\n')
    assert "which are English" not in written.output  # a silence queue says nothing else
    # to every caller: no warning to silence only by writing all 44 texts (review 31 #13)
    checkin = checked(config_file, '[queues.sales]\npolicy = "checkin"\nlanguage = "ja-JP"\n'
                      '[queues.sales.prompts]\nwelcome = "お電話ありがとうございます。"\n')
    said = [line for line in checkin.output.splitlines()
            if line.startswith("warning: queues.sales.language = 'ja-JP', but ")]
    assert said and ("which are English (apology, position, next_in_line, wait, "
                     "keep_waiting, connecting): write it in ja-JP") in said[0]
    english = checked(config_file, '[queues.sales]\nlanguage = "en-GB"\n')
    assert "warning" not in english.output


@pytest.mark.parametrize("language", ["es-ES", "es-MX", "pt-BR", "pt-PT", "it-IT", "fr-FR",
                                      "fr-CA", "de-DE", "nl-NL"])
def test_a_queue_in_a_language_with_defaults_of_its_own_is_not_warned(config_file, language):
    """A Spanish, Portuguese, Italian, French, German or Dutch queue that writes nothing hears
    its own language's defaults (hold_policies/languages.toml): nothing is left in English to
    warn of."""
    bare = checked(config_file, f'[queues.sales]\npolicy = "callback"\nlanguage = "{language}"\n'
                   '[line]\nsupport_number = "+14155550000"\n')
    assert bare.exit_code == 0, bare.output
    assert "English" not in bare.output


def test_config_check_says_each_arms_share_of_callers(config_file):
    """Weights are relative: 50 and 40 meant as percentages split callers 56/44. `check` had
    echoed `{'checkin': 50.0, 'music_ads': 40.0}`, so the slip passed unseen."""
    result = checked(config_file, "[queues.support.experiment]\n"
                                  "arms = { checkin = 50, music_ads = 40 }\n")
    assert result.exit_code == 0
    assert ("queue support: policy checkin (A/B split: checkin 50 (56%), music_ads 40 (44%))"
            in result.output)
    assert "{'checkin'" not in result.output
