"""A refused key is named alone: no rule across keys that reads it is judged on a value
nobody sent (its old value, or its default), in the console's form and the API alike, as
`holdwell config check` names a file's problems. A rule that does not read it is named at
once, beside it, and a rule that does is named once the key parses, if it is broken then.

The form had checked the settings again with each refused box left out, so a refused monday
came with "no day has opening hours", and a callback key mistyped while the keys were
swapped with "callback_key and keep_key are both '2'" (the old callback key); the API had
named the refused key alone, but also hid every rule of the tables around it until the key
was mended (a voice that cannot speak the language, beside a bad check-in interval)."""

from __future__ import annotations

import html
import re

import pytest

from app.console import config_changes
from hold_policies.config import ConfigError, parse_config
from tests.console.conftest import bearer

NO_DAY = "no day has opening hours"
BAD_MONDAY = "hours.monday: '8:60-18:00': 8:60 is no time of day"
CLASH = "voice Polly.Joanna speaks en-US, but language is es-ES"


def said(answer) -> str:  # noqa: ANN001 - a test client's response
    return html.unescape(answer.get_data(as_text=True))


def marked(page: str) -> list[str]:
    """The boxes the page marks as wrong."""
    return re.findall(r'<div class="invalid">(?:(?!</div>).)*?name="([^"]+)"', page, re.S)


def test_a_refused_day_of_opening_hours_is_the_forms_one_problem(as_role):
    page = said(as_role("operator").post("/console/policies/sales", {
        "hours.timezone": "Europe/London", "hours.monday": "8:60-18:00"}))
    assert "Not saved: 1 problem." in page  # not a box of this form: none marked
    assert BAD_MONDAY in page
    assert NO_DAY not in page  # it had been the second problem, made up
    with pytest.raises(ConfigError) as checked:  # what `holdwell config check` says of it
        parse_config({"queues": {"sales": {"hours": {"timezone": "Europe/London",
                                                     "monday": "8:60-18:00"}}}})
    assert "1 problem(s)" in str(checked.value) and NO_DAY not in str(checked.value)


def test_a_mistyped_key_is_not_judged_by_its_old_value(as_role, console_app):
    """Swapping the callback and keep keys with a slip: the callback key "x" is refused, and
    the keep key "2" clashes with nothing sent (the old callback key is "2")."""
    operator = as_role("operator")
    page = said(operator.post("/console/policies/support", {
        "callback.callback_key": "x", "callback.keep_key": "2"}))
    assert "Not saved: 1 problem, marked below" in page
    assert "callback.callback_key: one phone key: a digit 0-9, * or # (got 'x')" in page
    assert "are both" not in page
    assert marked(page) == ["callback.callback_key"]  # keep_key had been marked too
    page = said(operator.post("/console/policies/support", {  # mended into a real clash:
        "callback.callback_key": "2", "callback.keep_key": "2"}))  # told, at both boxes
    assert "callback.keep_key: callback_key and keep_key are both '2'" in page
    assert sorted(marked(page)) == ["callback.callback_key", "callback.keep_key"]
    saved = operator.post("/console/policies/support", {
        "callback.callback_key": "1", "callback.keep_key": "2"})
    assert saved.status_code == 303
    callback = config_changes.active_config(
        console_app.extensions["holdwell"]).queues["support"].callback
    assert (callback.callback_key, callback.keep_key) == ("1", "2")


def test_words_are_not_weighed_for_the_voice_of_a_language_refused(as_role):
    """The voice box left to the language: with the language refused, the words had been
    weighed for the old language's voice (Polly.Joanna's 3,000 bytes); a language the slip
    may have meant ("xx-XX") has no Polly voice, and 4,096. Once the language parses, a
    real excess is told."""
    operator = as_role("operator")
    welcome = "Bitte warten Sie. " * 190  # 3,420 bytes
    page = said(operator.post("/console/policies/sales", {
        "language": "de_DE", "prompts.welcome": welcome}))
    assert "Not saved: 1 problem, marked below" in page
    assert "language: not a language tag as Twilio takes it" in page
    assert "3,420 characters" not in page
    page = said(operator.post("/console/policies/sales", {
        "language": "de-DE", "prompts.welcome": welcome}))
    assert "prompts.welcome: 3,420 characters (UTF-8 bytes), but Twilio's Amazon Polly " \
           "voices (Polly.*) say at most 3,000" in page and "Polly.Vicki" in page


def test_a_rule_that_reads_no_refused_key_is_told_at_once(as_role):
    """Hours with no day and a refused cap: the cap's own problem, and the days' (which
    do not hang on the cap), in one answer."""
    page = said(as_role("operator").post("/console/policies/sales", {
        "hours.timezone": "Europe/London", "hours.callbacks_per_opening": "-1"}))
    assert "Not saved: 2 problems." in page  # not boxes of this form: none marked
    assert "hours.callbacks_per_opening: Input should be greater than or equal to 0" in page
    assert f"hours: {NO_DAY}" in page


@pytest.fixture
def api(console_app, tokens):  # noqa: ANN201
    client, token = console_app.test_client(), bearer(tokens["operator"])
    return lambda method, json: client.open("/api/v1/policies/support", method=method,
                                            headers=token, json=json)


def fields_of(answer) -> dict[str, str]:  # noqa: ANN001
    assert answer.status_code == 422, answer.get_json()
    return answer.get_json()["fields"]


def test_the_api_names_a_refused_key_alone(api):
    fields = fields_of(api("PATCH", {"settings": {"hours": {
        "timezone": "Europe/London", "monday": "8:60-18:00"}}}))
    assert list(fields) == ["settings.hours.monday"], fields
    fields = fields_of(api("PATCH", {"settings": {"callback": {
        "callback_key": "x", "keep_key": "2"}}}))
    assert list(fields) == ["settings.callback.callback_key"], fields


def test_the_api_names_every_problem_that_hangs_on_no_refused_key(api):
    fields = fields_of(api("PATCH", {"settings": {
        "checkin": {"interval_s": -5}, "voice": "Polly.Joanna", "language": "es-ES"}}))
    assert fields["settings.checkin.interval_s"].startswith(
        "Input should be greater than or equal to 20")
    assert fields["settings"].startswith(CLASH)  # it had been told only once 20 or more
    fields = fields_of(api("PATCH", {"settings": {"hours": {
        "timezone": "Europe/London", "callbacks_per_opening": -1}}}))
    assert set(fields) == {"settings.hours.callbacks_per_opening", "settings.hours"}
    assert fields["settings.hours"].startswith(NO_DAY)


def test_a_put_names_them_too(api, console_app, tokens):
    got = console_app.test_client().get("/api/v1/policies/support",
                                        headers=bearer(tokens["operator"])).get_json()
    settings = {**got["settings"], "voice": "Polly.Joanna", "language": "es-ES",
                "checkin": {**got["settings"]["checkin"], "interval_s": -5}}
    answer = api("PUT", {"settings": settings, "base_version": got["base_version"]})
    fields = fields_of(answer)
    assert set(fields) == {"settings", "settings.checkin.interval_s"}, fields
    assert fields["settings"].startswith(CLASH)
    summary = answer.get_json()["error"]  # the summary says both
    assert f"settings: {CLASH}" in summary and "settings.checkin.interval_s: " in summary


def test_a_stored_problem_in_another_queue_is_named_not_said_to_be_marked(as_role, console_app):
    """A version stored before a check (support's apology with a doubled brace, which the
    check once advised) refuses a save of sales, naming the key it is at; the page had said
    "1 problem, marked below" with no box of this form marked."""
    from app.storage import config_versions

    engine = console_app.extensions["holdwell"].store.engine
    config = config_changes.active_config(console_app.extensions["holdwell"])
    support = config.queues["support"]
    prompts = support.prompts.model_copy(update={"apology": "Sorry {{name}}, we are busy."})
    config_versions.add(engine, config.model_copy(update={"queues": {
        **config.queues, "support": support.model_copy(update={"prompts": prompts})}}),
        author="test", note="stored before the check",
        now=console_app.extensions["holdwell"].clock.now())
    page = said(as_role("operator").post("/console/policies/sales", {
        "hours.timezone": "Europe/London", "hours.monday": "08:00-18:00"}))
    assert "Not saved: 1 problem." in page
    assert "marked below" not in page and marked(page) == []
    assert "queues.support.prompts.apology" in page
