"""Words Twilio would not say are refused when saved or checked, at the limit of the queue's
voice (warning 13521), and no answer built from the config can pass 64,000 bytes (11750);
a version stored before the check still loads and runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hold_policies.base import Voice
from hold_policies.config import ConfigError, parse_config
from hold_policies.prompts import EVERY_NAME, LONGEST_FILL, Prompts
from hold_policies.say_limits import SAY_URL_ENCODED_MOST, say_limit
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.spoken_words import SAID_TOGETHER
from hold_policies.steps import OfferKeys

LINE = {"line": {"support_number": "+14155550100"}}


def checked(queue: dict) -> None:
    parse_config({**LINE, "queues": {"support": queue}}, as_written=True)


def refusal(queue: dict) -> str:
    with pytest.raises(ConfigError) as refused:
        checked(queue)
    return str(refused.value)


def test_a_welcome_polly_cannot_say_is_refused_naming_the_field_and_the_limit():
    message = refusal({"prompts": {"welcome": "Thank you for calling. " * 5000}})
    assert "queues.support: prompts.welcome: 115,000 characters" in message
    assert "Amazon Polly voices (Polly.*) say at most 3,000" in message
    assert "warning 13521" in message


@pytest.mark.parametrize(("voice", "most", "said"), [
    ("Polly.Joanna", 3000, 3000), ("Polly.Joanna-Neural", 3000, 3000),
    ("Google.en-US-Standard-C", 5000, SAY_URL_ENCODED_MOST),  # URL-encoded, 4,500 bind first
    ("man", 4096, 4096), ("alice", 4096, 4096), ("", 4096, 4096)])
def test_each_voice_may_say_up_to_twilios_limit_for_it(voice, most, said):
    assert say_limit(voice or None).most_bytes == most
    word = "x" * 4 + "."  # no space or comma: URL-encoding leaves it as it is
    welcome = (word * said)[:said]
    checked({"voice": voice, "prompts": {"welcome": welcome}})
    assert f"at most {said:,}" in refusal({"voice": voice, "prompts": {"welcome": welcome + "x"}})


def test_characters_count_as_utf8_bytes_and_the_url_encoded_limit_applies():
    assert "3,002 characters (UTF-8 bytes)" in refusal({"prompts": {"welcome": "é" * 1501}})
    commas = "," * 1501  # 1,501 characters, 4,503 once URL-encoded (%2C)
    assert f"at most {SAY_URL_ENCODED_MOST:,}" in refusal({"prompts": {"welcome": commas}})


def test_texts_said_together_in_one_say_are_checked_together():
    message = refusal({"prompts": {"apology": "b" * 1500, "keep_waiting": "c" * 1500}})
    assert "prompts.apology + prompts.position (default)" in message
    assert "prompts.keep_waiting + prompts.callback_offer (default) said together" in message


def test_the_closed_line_words_and_the_callback_offer_are_never_counted_together():
    """No callback is offered once the line has closed, so a check-in says one or the
    other: counted together, a queue whose longest check-in fits had been refused."""
    long = "x" * 1450 + "."
    checked({"voice": "Polly.Joanna", "policy": "callback",
             "prompts": {"closed_while_waiting": long, "callback_offer": long}})
    assert "prompts.closed_while_waiting" in refusal({
        "voice": "Polly.Joanna", "policy": "callback",
        "prompts": {"closed_while_waiting": "x" * 2900 + ".", "callback_offer": long}})


def test_a_variants_words_are_checked_in_the_queues_voice():
    message = refusal({"policy": "callback", "variants": {"short": {
        "policy": "callback", "prompts": {"callback_offer": "x" * 3000}}}})
    assert "variants.short.prompts.callback_offer said together" in message


def test_all_an_arms_words_must_leave_room_in_one_64000_byte_answer():
    names = ["welcome", "connecting", "reason_question", "legacy_message", "callback_greeting",
             "keep_waiting_ack", "not_understood", "callback_number_entry",
             "callback_kept_waiting", "callback_number_invalid"]
    each_fits = {name: "&" * 1400 for name in names}  # 7,000 bytes each once escaped
    message = refusal({"prompts": each_fits})
    assert "could pass the 64,000 Twilio takes in one answer (error 11750" in message
    assert "prompts.welcome (7,000)" in message
    checked({"prompts": dict(list(each_fits.items())[:4])})


def test_a_stored_version_with_long_words_still_loads_to_run():
    loaded = parse_config({**LINE, "queues": {"support": {
        "prompts": {"welcome": "Thank you for calling. " * 5000}}}})
    assert len(loaded.queues["support"].prompts.welcome) == 115_000


def test_every_placeholder_has_a_longest_fill():
    assert set(LONGEST_FILL) == EVERY_NAME


def test_the_checkin_says_its_group_in_one_say_no_longer_than_the_check_counts():
    """SAID_TOGETHER's first group is what CheckinPolicy joins: a check-in at its longest
    (position, wait and callback offer all said; or, after closing time, that the line has
    closed in place of the offer) is no longer than the check's sum."""
    from hold_policies.callback import CallbackPolicy
    from hold_policies.prompts import filled_at_longest

    words = {"apology": "a" * 600, "closed_while_waiting": "z" * 3000,
             "position": "p {position}" * 50, "wait": "w {wait}" * 40,
             "keep_waiting": "k {keep_key}" * 60, "callback_offer": "c {callback_key} {wait}" * 30}
    policy = CallbackPolicy(voice=Voice("Polly.Joanna"), prompts=Prompts(**words),
                            offer_after_estimate_s=0)
    situation = Situation(queue="support", call_id="", position=4999, waited_s=600,
                          queue_size=4999, estimate=WaitEstimate(3000.0, 3600.0, 10))
    counted = " ".join(max((filled_at_longest(words[name]) for name in
                            (key.split(".")[1] for key in slot) if name in words), key=len)
                       for slot in SAID_TOGETHER[0])  # each slot at its longest, as checked
    for closes_in_s, told in ((None, "c 2"), (0, "z" * 3000)):  # no callback once closed
        segment = policy.checkin(replace(situation, closes_in_s=closes_in_s))
        said = next(s for s in segment.steps if isinstance(s, OfferKeys)).prompt[0].text
        assert told in said and len(said) <= len(counted)
