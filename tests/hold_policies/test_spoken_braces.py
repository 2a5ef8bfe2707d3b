"""No text said aloud may hold a brace of its own: the config check refuses `{{` and `}}` in
every prompt, `hours.words` and `overflow.words` text, as it refuses an unknown placeholder.

Most prompts take no placeholders and are said as written, never through `filled`
(returning_caller, callback_kept, resumed, callback_already_booked, callback_unconfirmed,
callback_kept_waiting, the callback trade's words, the apology, the greetings...). `config
check`, `config import` and the console's saves refused `{name}` in them, but let a doubled
brace through, and advised one for an unpaired brace ("write {{ or }} for a brace"): a
caller then heard "Welcome back {{name}}" read out, braces and all. A prompt that is filled
said `{{position}}` (as other template languages write a placeholder) as "{position}". The
rule is one for every spoken key, so a text added later is held to it too (the tests walk
every key of each table)."""

from __future__ import annotations

import pytest

from hold_policies.closed_line import ClosedWords
from hold_policies.config import (
    CLOSED_WORDS_PLACEHOLDERS,
    OVERFLOW_WORDS_PLACEHOLDERS,
    ClosedWordsConfig,
    ConfigError,
    OverflowWordsConfig,
    PromptsConfig,
    parse_config,
)
from hold_policies.languages import BUILT_IN, FIXED_PLACEHOLDERS, FIXED_TEXTS
from hold_policies.overflow_rules import OverflowWords
from hold_policies.prompts import PROMPT_PLACEHOLDERS, Prompts, prompt_names, prompt_placeholders

TABLES = {"prompts": (PromptsConfig, prompt_placeholders),
          "hours.words": (ClosedWordsConfig, lambda key: CLOSED_WORDS_PLACEHOLDERS.get(key, ())),
          "overflow.words": (OverflowWordsConfig,
                             lambda key: OVERFLOW_WORDS_PLACEHOLDERS.get(key, ()))}
KEYS = [(table, key) for table, (model, _) in TABLES.items() for key in model.model_fields]
"""Every spoken key of a queue: a key added to any of these tables is walked too."""
AS_WRITTEN_PROMPTS = ("returning_caller", "callback_kept", "resumed", "callback_already_booked",
                      "callback_unconfirmed", "callback_traded_for_waiting",
                      "callback_no_longer_booked", "callback_on_its_way", "callback_unchanged",
                      "callback_change_unknown", "callback_kept_waiting")
"""The audit's prompts said as written (app.voice: returning, resume, callback_flow)."""


def data(path: str, value: str) -> dict:
    """A queue with every table of spoken words, `path` (dotted, under the queue) set."""
    queue: dict = {"policy": "callback",
                   "hours": {"timezone": "Europe/London", "monday": "08:00-18:00"},
                   "overflow": {"max_wait_s": 1800},
                   "variants": {"short": {"policy": "checkin"}}}
    table = queue
    *parents, key = path.split(".")
    for part in parents:
        table = table.setdefault(part, {})
    table[key] = value
    return {"line": {"support_number": "+14155550000"}, "queues": {"support": queue}}


def refusal(path: str, value: str, *, as_written: bool = True) -> str | None:
    try:
        parse_config(data(path, value), as_written=as_written)
    except ConfigError as error:
        return str(error)
    return None


def test_every_spoken_key_is_walked():
    """The keys walked are every prompt a policy says, and each table's placeholder lists
    name only keys it has (a stale name would leave a renamed text taking none)."""
    assert set(PromptsConfig.model_fields) == set(prompt_names())
    assert set(PROMPT_PLACEHOLDERS) <= set(PromptsConfig.model_fields)
    assert set(CLOSED_WORDS_PLACEHOLDERS) <= set(ClosedWordsConfig.model_fields)
    assert set(OVERFLOW_WORDS_PLACEHOLDERS) <= set(OverflowWordsConfig.model_fields)
    assert set(AS_WRITTEN_PROMPTS) <= set(PromptsConfig.model_fields)


@pytest.mark.parametrize(("table", "key"), KEYS)
@pytest.mark.parametrize("braces", ["{{", "}}", "{{name}}", "{{ own }}"])
def test_a_doubled_brace_is_refused_in_every_spoken_key_naming_it(table, key, braces):
    own = (TABLES[table][1](key) or ("name",))[0]
    text = f"Welcome back, {braces.replace('own', own)}."
    problem = refusal(f"{table}.{key}", text)
    assert problem is not None, f"{table}.{key} = {text!r} was accepted"
    assert f"queues.support.{table}.{key}: " in problem
    assert "would be read out" in problem


@pytest.mark.parametrize(("table", "key"), [(table, key) for table, key in KEYS
                                            if not TABLES[table][1](key)])
def test_a_text_that_takes_no_placeholders_says_so_when_it_holds_braces(table, key):
    problem = refusal(f"{table}.{key}", "Welcome back, {{name}}.")
    assert (f"queues.support.{table}.{key}: this text takes no placeholders, so its braces "
            f"('{{{{', '}}}}') would be read out: leave them out (got 'Welcome back, "
            f"{{{{name}}}}.')") in (problem or "")


@pytest.mark.parametrize("prompt", AS_WRITTEN_PROMPTS)
def test_the_audits_prompts_said_as_written_take_no_placeholder_and_no_brace(prompt):
    assert prompt_placeholders(prompt) == ()
    for text in ("Welcome back {{", "Welcome back }}", "Welcome back {{name}}"):
        assert "this text takes no placeholders" in (refusal(f"prompts.{prompt}", text) or "")
    assert "this text may use: none" in (refusal(f"prompts.{prompt}", "Hi {position}") or "")


def test_a_placeholder_written_double_is_told_to_be_written_single():
    problem = refusal("prompts.position", "You are number {{position}} in line.")
    assert ("queues.support.prompts.position: a doubled brace ('{{', '}}') would be read out "
            "as a brace: write a placeholder with single braces, and no other brace; this text "
            "may use: {position}, {keep_key}, {callback_key}, {wait}") in (problem or "")


@pytest.mark.parametrize(("prompt", "advice"), [
    ("returning_caller", "this text takes no placeholders, and a brace in it would be read "
                         "out: leave braces out"),
    ("callback_number_check", "a brace in words said aloud is only for a placeholder, "
                              "written single: this text may use: {number}")])
def test_an_unpaired_brace_is_no_longer_advised_to_be_doubled(prompt, advice):
    """Doubling it, as advised, had passed the check and been read out."""
    problem = refusal(f"prompts.{prompt}", "Press 1 {to keep it.") or ""
    assert advice in problem and "write {{" not in problem


def test_a_variants_prompts_are_held_to_the_same_rule():
    problem = refusal("variants.short.prompts.callback_kept_waiting", "Kept {{position}}.")
    assert ("queues.support.variants.short.prompts.callback_kept_waiting: this text takes no "
            "placeholders") in (problem or "")


@pytest.mark.parametrize(("table", "key"), KEYS)
def test_a_stored_version_with_doubled_braces_still_loads_to_run(table, key):
    """As every check newer than a stored version: it loads and runs (loading checks only
    names no text may use); its next save is refused naming the key."""
    assert refusal(f"{table}.{key}", "Hi {{there}}.", as_written=False) is None


def defaults() -> list[tuple[str, str]]:
    """(dotted path, default text) of every spoken key, English as the defaults are."""
    welcome = [("prompts.welcome", Prompts().welcome_for(policy))
               for policy in ("silence", "checkin", "callback", "music_ads")]
    own = [(f"prompts.{name}", getattr(Prompts(), name)) for name in prompt_names()
           if name != "welcome"]
    closed = [(f"hours.words.{name}", getattr(ClosedWords(), name))
              for name in ClosedWordsConfig.model_fields]
    overflow = [(f"overflow.words.{name}", getattr(OverflowWords(), name))
                for name in OverflowWordsConfig.model_fields]
    return welcome + own + closed + overflow


@pytest.mark.parametrize(("path", "text"), defaults())
def test_every_default_text_written_out_passes_as_written(path, text):
    assert refusal(path, text) is None


@pytest.mark.parametrize("code", sorted(BUILT_IN))
def test_no_built_in_language_says_a_brace_of_its_own(code):
    """holdwell's fixed texts are said as written in every built-in language, but for the
    placeholders a few take (FIXED_PLACEHOLDERS), filled before they are said."""
    language = BUILT_IN[code]
    for name in FIXED_TEXTS:
        text = language.text(name)
        for placeholder in FIXED_PLACEHOLDERS.get(name, ()):
            text = text.replace(f"{{{placeholder}}}", "")
        assert "{" not in text and "}" not in text, f"{code}.fixed.{name}: {text!r}"
