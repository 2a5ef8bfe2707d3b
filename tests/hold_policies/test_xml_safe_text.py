"""Operator text the config accepts is text TwiML can carry: a character XML 1.0 forbids, in any
words, name or URL, is refused with the key and the character named (reviewer's defect)."""

from __future__ import annotations

from xml.etree import ElementTree
from xml.sax.saxutils import escape

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hold_policies.config import (
    ClosedWordsConfig,
    ConfigError,
    OverflowWordsConfig,
    PromptsConfig,
    load_config,
    parse_config,
)
from hold_policies.unseen_text import DIRECTION_CONTROLS

FORM_FEED = "Sorry for the wait.\x0c"
"""A pasted page break: the reviewer's console reproduction."""
NAMED = "contains a control character (U+000C) at character 20"


def every_table() -> dict:
    """A queue with every table that holds operator text, all valid."""
    return {"line": {"support_number": "+14155550000"},
            "queues": {"sales": {
                "policy": "callback",
                "hours": {"timezone": "Europe/London", "monday": "08:00-18:00"},
                "overflow": {"max_wait_s": 1800},
                "variants": {"short": {"policy": "music_ads"}},
                "experiment": {"arms": {"callback": 1, "short": 1}}}}}


def problem_with(path: str, value: str, as_written: bool = False) -> str:
    """The ConfigError message when the key at dotted `path` (under queues.sales, or the
    file's top when it starts with "callbacks.") is set to `value` (`as_written`: checked as
    a save or `config check` does)."""
    data = every_table()
    table = data if path.startswith("callbacks.") else data["queues"]["sales"]
    *parents, key = path.split(".")
    for part in parents:
        table = table.setdefault(part, {})
    table[key] = value
    with pytest.raises(ConfigError) as error:
        parse_config(data, as_written=as_written)
    return str(error.value)


WORDS = ([f"prompts.{name}" for name in PromptsConfig.model_fields]
         + [f"hours.words.{name}" for name in ClosedWordsConfig.model_fields]
         + [f"overflow.words.{name}" for name in OverflowWordsConfig.model_fields])


@pytest.mark.parametrize("path", WORDS)
def test_every_prompt_and_words_key_refuses_a_form_feed_by_name(path):
    assert f"queues.sales.{path}: {NAMED}" in problem_with(path, FORM_FEED)


@pytest.mark.parametrize("path", [
    "voice", "language", "checkin.reason_hints", "checkin.reason_language",
    "callback.reason_hints", "silence.comfort_noise", "music_ads.music", "music_ads.ad_audio",
    "experiment.salt", "variants.short.prompts.apology", "callbacks.sms_text",
    "callbacks.sms_confirm_text"])
def test_names_audio_voices_and_other_operator_text_refuse_a_form_feed(path):
    key = path if path.startswith("callbacks.") else f"queues.sales.{path}"
    assert f"{key}: {NAMED}" in problem_with(path, FORM_FEED)


def test_a_variants_setting_is_checked_by_the_same_rule_and_reads_the_same():
    message = problem_with("variants.short.settings.ad_audio", FORM_FEED)
    assert f"queues.sales.variants.short: settings.ad_audio: {NAMED}" in message
    assert "Value error" not in message


@pytest.mark.parametrize(("char", "named"), [
    ("\x00", "a control character (U+0000)"),
    ("\x08", "a control character (U+0008)"),
    ("\x0b", "a control character (U+000B)"),
    ("\x1f", "a control character (U+001F)"),
    ("\ud800", "a lone surrogate (U+D800, half of a broken character)"),
    ("\udfff", "a lone surrogate (U+DFFF, half of a broken character)"),
    ("\ufffe", "a Unicode noncharacter (U+FFFE)"),
    ("\uffff", "a Unicode noncharacter (U+FFFF)"),
])
def test_each_kind_of_character_xml_forbids_is_named_with_its_code(char, named):
    message = problem_with("prompts.apology", f"Sorry{char}")
    assert f"queues.sales.prompts.apology: contains {named} at character 6" in message


def test_a_toml_file_with_an_escaped_nul_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "holdwell.toml"
    path.write_text('[queues.support.prompts]\napology = "Sorry\\u0000"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"queues\.support\.prompts\.apology: contains a "
                                          r"control character \(U\+0000\)"):
        load_config(path)


def xml_reads(text: str) -> bool:
    """Whether an XML parser takes `text` as an element's content (its verdict is the rule)."""
    document = f"<Say>{escape(text)}</Say>".encode("utf-8", "surrogatepass")
    try:
        ElementTree.fromstring(document)
    except ElementTree.ParseError:
        return False
    return True


def accepted(text: str) -> bool:
    """Whether the config takes `text` as a prompt as written (the apology: no placeholder)."""
    try:
        parse_config({"queues": {"support": {"prompts": {"apology": text}}}}, as_written=True)
    except ConfigError:
        return False
    return True


@given(st.text())
@example("Sorry\x0c")
@example("tab\tnew\nline\r\n, DEL\x7f, C1\x85, é, 你好, 🙂, \ufffd")
@example("Sorry \ud800")
@example("\ufffe")
@example("Thank you. \u202eenil eht no yats esaelp")
@example("Sorry {{")
def test_the_config_accepts_exactly_the_prompts_an_xml_parser_reads(text):
    """Those that hold no direction control too (test_direction_controls), nor a brace:
    the apology takes no placeholder, and any brace would be read out (test_spoken_braces;
    doubled, as this test had written them, they had passed)."""
    assert accepted(text) == (xml_reads(text) and not DIRECTION_CONTROLS.search(text)
                              and "{" not in text and "}" not in text)


def refusal(key: str, value: str) -> str | None:
    """The problem named for queues.support.<key> = value, or None when it is accepted."""
    try:
        parse_config({"queues": {"support": {key: value}}})
    except ConfigError as error:
        return str(error)
    return None


def test_a_voice_is_one_twilio_speaks_with_and_real_ones_are_kept():
    real = ["Polly.Joanna", "Polly.Amy", "Polly.Joanna-Neural", "man", "woman", "alice",
            "Google.en-GB-Standard-A"]
    bad = ["<x>", "Polly.", "Polly Joanna", "Joanna", 'Polly.Jo"anna']
    assert [refusal("voice", voice) for voice in real] == [None] * len(real)
    for voice in bad:
        assert "queues.support.voice: not a Twilio <Say> voice" in (refusal("voice", voice) or "")


def test_a_language_is_a_tag_and_real_ones_are_kept():
    real = ["en-US", "en-GB", "fr-FR", "cmn-Hans-CN", "arb"]
    bad = ["<x>", "English", "en_US", "en-"]
    assert [refusal("language", tag) for tag in real] == [None] * len(real)
    for tag in bad:
        assert "queues.support.language: not a language tag" in (refusal("language", tag) or "")
