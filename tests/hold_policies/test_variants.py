"""Words under test (issue 16 item 8): a named variant of a policy is an experiment arm."""

from __future__ import annotations

import pytest

from hold_policies.base import label
from hold_policies.config import ConfigError, HoldwellConfig, load_config, parse_config
from hold_policies.factory import assign, build_policy
from hold_policies.situation import Situation
from tests.support.sids import sid

SPLIT = """
[queues.support.prompts]
keep_waiting = "Press {keep_key} to keep your place."
[queues.support.checkin]
interval_s = 90
[queues.support.variants.no_apology]
policy = "checkin"
prompts = { apology = "" }
[queues.support.variants.brisk]
policy = "checkin"
settings = { interval_s = 45, announce_wait = false }
[queues.support.experiment]
arms = { checkin = 1, no_apology = 1, brisk = 1 }
"""


def write(tmp_path, text: str) -> str:
    path = tmp_path / "holdwell.toml"
    path.write_text(text)
    return str(path)


@pytest.fixture
def queue(tmp_path):
    return load_config(write(tmp_path, SPLIT)).queues["support"]


def checkin_text(policy) -> str:
    segment = policy.checkin(Situation(queue="support", call_id=sid("c"), position=3,
                                       waited_s=120.0, queue_size=5))
    return " ".join(say.text for step in segment.steps for say in getattr(step, "prompt", ()))


def test_a_variant_is_its_policy_with_its_own_words_and_the_queues_other_words(queue):
    base, variant = build_policy(queue, "checkin"), build_policy(queue, "no_apology")
    assert (variant.name, variant.variant, label(variant)) == ("checkin", "no_apology",
                                                               "no_apology")
    assert (base.variant, label(base)) == ("", "checkin")
    assert "Sorry to keep you waiting." in checkin_text(base)
    assert "Sorry" not in checkin_text(variant)
    assert "Press 1 to keep your place." in checkin_text(variant)  # the queue's own words stay
    assert variant.interval_s == base.interval_s == 90  # and its knobs


def test_a_variants_settings_override_the_queues_table(queue):
    brisk = build_policy(queue, "brisk")
    assert (brisk.interval_s, brisk.announce_wait, brisk.announce_position) == (45, False, True)
    assert brisk.prompts.apology == "Sorry to keep you waiting."


def test_the_check_in_says_whether_it_apologises(queue):
    situation = Situation(queue="support", call_id=sid("c"), position=2, waited_s=100.0,
                          queue_size=4)
    assert build_policy(queue, "checkin").checkin(situation).apologises
    assert not build_policy(queue, "no_apology").checkin(situation).apologises


def test_variant_arms_log_the_base_policy_and_the_variant_as_the_arm(queue):
    picks = [assign(queue, sid(f"call {i}")) for i in range(3000)]
    assert {p.policy for p in picks} == {"checkin"}
    assert {p.arm for p in picks} == {"checkin", "no_apology", "brisk"}
    for arm in ("checkin", "no_apology", "brisk"):
        assert 0.29 < sum(p.arm == arm for p in picks) / 3000 < 0.37
    assert picks == [assign(queue, sid(f"call {i}")) for i in range(3000)]  # stable


def test_names_a_call_may_carry_and_the_policies_behind_them(queue):
    assert queue.heard_names() == {"checkin", "no_apology", "brisk"}
    assert queue.policy_names() == {"checkin"}


def test_a_callback_variant_needs_the_lines_number_like_the_callback_policy():
    with pytest.raises(ConfigError, match="line.support_number: missing"):
        parse_config({"queues": {"support": {
            "variants": {"offer_early": {"policy": "callback",
                                         "settings": {"offer_after_estimate_s": 60}}},
            "experiment": {"arms": {"checkin": 1, "offer_early": 1}}}}})


def test_a_variant_survives_the_stored_round_trip(tmp_path):
    config = load_config(write(tmp_path, SPLIT))
    body = config.model_dump(mode="json", exclude_defaults=True)
    again = HoldwellConfig.model_validate(body)
    assert again == config
    assert body["queues"]["support"]["variants"]["no_apology"] == {
        "policy": "checkin", "prompts": {"apology": ""}}


@pytest.mark.parametrize(("variant", "arms", "expected"), [
    ('[queues.support.variants.checkin]\npolicy = "checkin"', None,
     "queues.support.variants.checkin.[key]: 'checkin' is a policy's name"),
    ('[queues.support.variants.x]\npolicy = "chekin"', None,
     "queues.support.variants.x.policy: Input should be 'silence', 'checkin'"),
    ('[queues.support.variants.x]\npolicy = "checkin"\nprompts = { apolgy = "" }', None,
     "queues.support.variants.x.prompts.apolgy: unknown key"),
    ('[queues.support.variants.x]\npolicy = "checkin"\nprompts = { apology = "{nme}" }', None,
     "queues.support.variants.x.prompts.apology: unknown placeholder ['nme']"),
    ('[queues.support.variants.x]\npolicy = "checkin"\nprompts = { connecting = "Hi" }', None,
     "queues.support.variants.x.prompts: connecting: said on the agent's or the callback's"),
    ('[queues.support.variants.x]\npolicy = "checkin"\nsettings = { interval_s = 5 }', None,
     "queues.support.variants.x: settings.interval_s: Input should be greater than or equal "
     "to 20 (got 5)"),
    ('[queues.support.variants.x]\npolicy = "checkin"\nsettings = { callback_key = "2" }', None,
     "queues.support.variants.x: settings.callback_key: not a checkin setting"),
    ('[queues.support.variants.x]\npolicy = "callback"\nsettings = { callback_key = "1" }\n'
     '[line]\nsupport_number = "+14155550100"', None,
     "queues.support: variants.x.settings: with the queue's own callback settings: "
     "callback_key and keep_key are both '1'"),
    ('[queues.support.variants."x y"]\npolicy = "checkin"', None,
     "queues.support.variants.x y.[key]: an arm's or variant's name is 1 to 64 characters, "
     "each a letter A-Z (no accents or spaces), a digit, '-' or '_' (it is carried in URLs "
     "and the call log) (got 'x y')"),
    # the call log keeps an arm in 64 characters
    (f'[queues.support.variants.{"v" * 65}]\npolicy = "checkin"', None,
     f"queues.support.variants.{'v' * 65}.[key]: an arm's or variant's name is 1 to 64 "
     "characters"),
    ('[queues.support.variants.x]\npolicy = "checkin"', "{ checkin = 1, y = 1 }",
     "queues.support: experiment.arms.y: neither a policy (silence, checkin, callback, "
     "music_ads) nor a variant of this queue (x)"),
])
def test_a_bad_variant_names_the_key(tmp_path, variant, arms, expected):
    text = variant + (f"\n[queues.support.experiment]\narms = {arms}" if arms else "")
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert expected in str(error.value)
    assert "{'policy'" not in str(error.value)  # never the whole table dumped back


CLIPS = """
[queues.support]
policy = "silence"
[queues.support.silence]
comfort_noise = "hiss"
segment_s = 30
[queues.support.music_ads]
music = "https://cdn.example.com/bed.mp3"
[queues.support.variants.with_advert]
policy = "music_ads"
settings = { music = "bed", ad_audio = "offer", music_s = 45 }
[queues.support.variants.quiet]
policy = "silence"
settings = { comfort_noise = "" }
[queues.support.experiment]
arms = { silence = 1, music_ads = 1, with_advert = 1, quiet = 1 }
"""


def test_audio_uses_name_every_clip_each_arm_plays_and_what_the_built_policy_plays(tmp_path):
    """One list, read by the app (which files it needs) and the emulator (which stand-ins
    to make): each arm's clips with the settings that say their lengths, and the same
    names the built policies carry."""
    queue = load_config(write(tmp_path, CLIPS)).queues["support"]
    uses = [(use.name, use.knob, use.audio) for use in queue.audio_uses()]
    assert uses == [("music_ads", "music", "https://cdn.example.com/bed.mp3"),
                    ("silence", "comfort_noise", "hiss"),
                    ("with_advert", "music", "bed"), ("with_advert", "ad_audio", "offer")]
    assert {use.knob: use.knobs["music_s"] for use in queue.audio_uses()
            if use.name == "with_advert"} == {"music": 45, "ad_audio": 45}
    for name in queue.heard_names():
        built = build_policy(queue, name)
        carried = {getattr(built, knob) for knob in ("comfort_noise", "music", "ad_audio")
                   if getattr(built, knob, None)}
        assert carried == {use.audio for use in queue.audio_uses() if use.name == name}, name


def overflowing(offer: str, split: str):
    """The config of a queue with an overflow offering `offer` (TOML lines) and `split`,
    parsed as a new file is."""
    import tomllib

    text = ('[line]\nsupport_number = "+14155550100"\n[queues.support]\npolicy = "checkin"\n'
            f'[queues.support.overflow]\nmax_wait_s = 600\n{offer}{split}')
    return parse_config(tomllib.loads(text), "f", as_written=True)


HOLD3 = '[queues.support.variants.hold3]\npolicy = "checkin"\nsettings = {keep_key = "3"}\n'


def test_an_arms_keep_key_may_not_be_the_overflow_voicemail_key():
    """The same key on the queue's own checkin table is refused; set through a variant it
    was accepted, and a caller pressing it to keep holding was sent to voicemail."""
    voicemail = "voicemail = true\ncallback = false\n"
    split = "[queues.support.experiment]\narms = {checkin = 1, hold3 = 1}\n" + HOLD3
    with pytest.raises(ConfigError, match=r"voicemail_key '3' is already "
                                          r"variants\.hold3\.settings\.keep_key"):
        overflowing(voicemail, split)
    overflowing(voicemail, split.replace("hold3 = 1}", "silence = 1}"))  # nobody hears hold3
    overflowing(voicemail, split.replace('keep_key = "3"', 'keep_key = "4"'))


def test_an_arms_keep_key_may_not_be_the_overflow_callback_key_either():
    """Another arm's callback key on the same key hid the keep key from the check, and the
    callback-key exemption let the overflow's callback key through: pressing it to keep
    holding booked the overflow callback."""
    callback = 'voicemail = false\ncallback = true\ncallback_key = "3"\n'
    split = ("[queues.support.experiment]\narms = {acb = 1, hold3 = 1}\n"
             '[queues.support.variants.acb]\npolicy = "callback"\n'
             'settings = {callback_key = "3"}\n' + HOLD3)
    with pytest.raises(ConfigError, match=r"callback_key '3' is already "
                                          r"variants\.hold3\.settings\.keep_key"):
        overflowing(callback, split)
    overflowing(callback, split.replace("hold3 = 1}", "checkin = 1}"))  # the same choice


def warned(config) -> list[str]:  # noqa: ANN001
    return [line for line in config.queues["support"].warnings("support")
            if "offer the same callback" in line]


def test_the_overflow_callback_on_another_key_than_a_heard_callback_policys_is_warned():
    """The overflow's callback and a callback policy's are the same choice: on keys 2 and 3
    a caller past max_wait_s heard "Press 2 and we will call you back … Press 3 and we will
    call you back …" (caller audit 34, D5). The check-in offers it once (see
    tests/app/test_overflow_voicemail.py), and the config is warned, naming both keys: a
    refusal had blocked every save of a config holding such a pair, on any queue."""
    three = 'callback_key = "3"\n'
    own = "[queues.support.experiment]\narms = {checkin = 1, callback = 1}\n"
    found = warned(overflowing(three, own))
    assert len(found) == 1 and "overflow.callback_key '3' and callback.callback_key '2'" \
        in found[0]
    acb = ("[queues.support.experiment]\narms = {checkin = 1, acb = 1}\n"
           '[queues.support.variants.acb]\npolicy = "callback"\n'
           'settings = {callback_key = "5"}\n')
    assert "variants.acb.settings.callback_key '5'" in warned(overflowing(three, acb))[0]
    assert not warned(overflowing('callback_key = "5"\n', acb))  # one key: the arm's own
    assert not warned(overflowing(three, own.replace("callback = 1", "silence = 1")))
    assert not warned(overflowing('callback = false\nvoicemail = true\nvoicemail_key = "3"\n',
                                  own))


@pytest.mark.parametrize("setting", [{"interval_s": "90"}, {"interval_s": 90.0},
                                     {"announce_wait": "no"}, {"announce_position": 0}])
def test_a_variants_settings_are_read_as_strictly_as_the_policys_own_table(setting):
    """The same values in [queues.NAME.checkin] are refused; in a variant they were coerced
    ("no" became False) and the string stayed in the stored body and its export."""
    key = next(iter(setting))
    data = {"queues": {"support": {"variants": {"v": {"policy": "checkin",
                                                        "settings": setting}}}}}
    with pytest.raises(ConfigError, match=f"settings.{key}"):
        parse_config(data, "f", as_written=True)
    parse_config(data, "stored version")  # what loaded yesterday loads today
