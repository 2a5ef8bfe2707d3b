"""A language menu's config (hold_policies.language_menu): each option sends the caller to a
configured queue and is said in words holdwell has for its language, no two alike; every
mistake is refused naming the queue's `language_menu` and the key."""

from __future__ import annotations

import tomllib

import pytest
from werkzeug.datastructures import MultiDict

from app.console.policy_form import parse as parse_form
from hold_policies.config import ConfigError, parse_config
from hold_policies.language_menu import options
from hold_policies.languages import BUILT_IN, _language, language_of

QUEUES = """
[queues.support.language_menu]
{menu}
[queues.soporte]
language = "es-MX"
[queues.espana]
language = "es-ES"
[queues.japan]
language = "ja-JP"
[queues.plain]
language = ""
[queues.english]
language = "en-GB"
"""


def config_with(menu: str):  # noqa: ANN201
    return parse_config(tomllib.loads("[queues.support]\n" + QUEUES.format(menu=menu)), "t")


def refusal(menu: str) -> str:
    with pytest.raises(ConfigError) as error:
        config_with(menu)
    return str(error.value)


def test_a_menu_of_configured_queues_in_built_in_languages_loads():
    config = config_with('"1" = "support"\n"2" = "soporte"')
    assert config.queues["support"].language_menu == {"1": "support", "2": "soporte"}
    assert config.queues["soporte"].language_menu == {}  # none unless given


@pytest.mark.parametrize(("menu", "said"), [
    ('"2" = "nowhere"', "language_menu '2': 'nowhere' is not one of the queues"),
    ('"22" = "soporte"', "language_menu.22.[key]: one digit, 0-9"),
    ('"*" = "soporte"', "language_menu.*.[key]: one digit, 0-9"),
    ('"3" = "japan"', "language_menu '3': queue 'japan' has language 'ja-JP'"),
    ('"3" = "plain"', "language_menu '3': queue 'plain' has language 'none'"),
    ('"1" = "english"', "language_menu '1': offers 'english', which speaks 'en' as 'support'"),
    ('"2" = "soporte"\n"3" = "espana"',  # Mexican and Castilian: "Para español" twice
     "language_menu '3': offers the same language as '2' (queues 'soporte' and 'espana'"),
])
def test_each_mistake_is_refused_naming_the_key(menu, said):
    assert said in refusal(menu)


def test_removing_a_queue_a_menu_offers_is_refused_naming_the_menu():
    text = "[queues.support]\n[queues.support.language_menu]\n\"2\" = \"soporte\"\n"
    with pytest.raises(ConfigError, match="language_menu '2': 'soporte' is not one of"):
        parse_config(tomllib.loads(text), "t")


def test_every_built_in_language_says_an_option_in_its_own_words():
    said = {code: language.language_choice.format(key="2")
            for code, language in BUILT_IN.items()}
    assert all("2" in words and "{" not in words for words in said.values())
    bases = {code: words for code, words in said.items() if "-" not in code}
    assert len(set(bases.values())) == len(bases)  # no language borrows another's words
    assert said["pt-PT"] != said["pt"]  # "prima", as [pt-PT] presses elsewhere; not "tecle"
    assert said["es-419"] == "Para español, oprima 2."  # the Americas' "oprima", not "pulse"


def test_a_language_table_without_the_option_or_its_key_is_refused():
    english = dict(vars(language_of("en")))
    base = {name: value for name, value in english.items()
            if name not in ("code", "words", "often", "soon")}
    base["weekdays"], base["months"] = list(base["weekdays"]), list(base["months"])
    for broken in ("", "For English, press 2."):
        with pytest.raises(ValueError, match="language_choice"):
            _language("xx", {**base, "language_choice": broken,
                             "often": english["often"], "soon": english["soon"]})


def test_the_options_come_in_key_order_each_in_its_queues_words():
    said = options({"2": "soporte", "1": "support"}, {"support": "en-GB", "soporte": "es-MX"})
    assert [(o.key, o.queue, o.words) for o in said] == [
        ("1", "support", "For English, press 1."), ("2", "soporte", "Para español, oprima 2.")]


def test_saving_the_queue_from_the_console_form_keeps_its_menu():
    config = config_with('"2" = "soporte"')
    saved = parse_form(MultiDict({"policy": "silence"}), config.queues["support"])
    assert saved.policy == "silence" and saved.language_menu == {"2": "soporte"}


def test_a_queue_with_no_language_speaks_english_so_may_not_offer_an_english_queue():
    """language = "" is said in English (no language attribute: Twilio's en-US, holdwell's
    English words), so its callers, told "For English, press 1", would press it and leave."""
    config = ('[queues.plain]\nlanguage = ""\n[queues.plain.language_menu]\n"1" = "english"\n'
              '[queues.english]\nlanguage = "en-GB"\n')
    with pytest.raises(ConfigError) as error:
        parse_config(tomllib.loads(config), "t")
    assert "language_menu '1': offers 'english', which speaks 'en' as 'plain'" in str(error.value)


def test_every_menu_at_fault_is_named_at_once():
    """An operator mends every menu from one refusal: the check had named the first only."""
    message = refusal('"2" = "nowhere"\n[queues.english.language_menu]\n"3" = "japan"')
    assert "queues.support.language_menu '2'" in message
    assert "queues.english.language_menu '3'" in message


def test_a_menu_offering_only_its_own_queue_is_warned_of_not_refused():
    config = config_with('"1" = "support"')
    assert any("language_menu offers only 'support' itself" in warning
               for warning in config.warnings())
    assert not any("language_menu" in warning
                   for warning in config_with('"1" = "support"\n"2" = "soporte"').warnings())
