"""A PUT replaces the whole queue, so it must be sent whole: one that leaves fields out is
refused with 422 naming them (it used to answer 200 and reset them, dropping the queue's
welcome, split and hours), unless it says replace_whole_queue; base_version is required.
PATCH changes only the fields it sends."""

from __future__ import annotations

import pytest

from app.console import config_changes
from app.storage import config_versions
from hold_policies.config import QueueConfig
from tests.console.conftest import bearer

WELCOME = "Thanks for calling sales."


@pytest.fixture
def api(console_app, tokens):  # noqa: ANN201
    """(method, body) -> the answer, as the operator, on /api/v1/policies/sales."""
    client, token = console_app.test_client(), bearer(tokens["operator"])
    return lambda method, body=None: client.open("/api/v1/policies/sales", method=method,
                                                 json=body, headers=token)


@pytest.fixture
def sales(console_app):  # noqa: ANN201
    """Sales with a welcome, a split and opening hours (version 2); its active settings."""
    svc = console_app.extensions["holdwell"]
    config = config_changes.active_config(svc)
    queue = QueueConfig.model_validate({
        **config.queues["sales"].model_dump(), "prompts": {"welcome": WELCOME},
        "experiment": {"arms": {"checkin": 1, "silence": 1}},
        "hours": {"timezone": "Europe/London", "monday": "09:00-17:00"}})
    config_versions.add(svc.store.engine, config.model_copy(
        update={"queues": {**config.queues, "sales": queue}}), author="setup", note="",
        now=svc.clock.now())
    return lambda: config_changes.active_config(svc).queues["sales"]


def test_a_put_leaving_sections_out_is_refused_naming_them(api, sales):
    refused = api("PUT", {"settings": {"policy": "checkin"}, "base_version": 2})
    assert refused.status_code == 422
    fields = refused.get_json()["fields"]
    assert {"settings.prompts", "settings.experiment", "settings.hours"} <= set(fields)
    assert "settings.policy" not in fields
    assert "PATCH" in refused.get_json()["error"]
    assert sales().prompts.welcome == WELCOME and sales().experiment is not None


def test_a_put_leaving_out_one_prompt_is_refused_naming_it(api, sales):
    got = api("GET").get_json()
    del got["settings"]["prompts"]["welcome"]
    refused = api("PUT", got)
    assert refused.status_code == 422
    assert list(refused.get_json()["fields"]) == ["settings.prompts.welcome"]
    assert sales().prompts.welcome == WELCOME


def test_a_put_without_base_version_is_refused(api, sales):
    got = api("GET").get_json()
    del got["base_version"]
    refused = api("PUT", got)
    assert refused.status_code == 422
    assert "base_version" in refused.get_json()["fields"]


def test_replace_whole_queue_says_the_rest_goes_back_to_defaults(api, sales):
    replaced = api("PUT", {"settings": {"policy": "silence"}, "base_version": 2,
                           "replace_whole_queue": True})
    assert replaced.status_code == 200 and replaced.get_json()["number"] == 3
    assert sales().policy == "silence"
    assert (sales().prompts.welcome, sales().experiment, sales().hours) == (None, None, None)


def test_a_patch_changes_only_what_it_sends(api, sales):
    patched = api("PATCH", {"settings": {"policy": "silence", "prompts": {"apology": "Sorry."}},
                            "note": "quiet"})
    assert patched.status_code == 200 and patched.get_json()["changed"] is True
    assert sales().policy == "silence" and sales().prompts.apology == "Sorry."
    assert sales().prompts.welcome == WELCOME  # the section's other fields are kept
    assert sales().experiment.arms == {"checkin": 1, "silence": 1}
    assert sales().hours.timezone == "Europe/London"
    stale = api("PATCH", {"settings": {"voice": "alice"}, "base_version": 2})
    assert stale.status_code == 409  # the queue changed since version 2
    assert stale.get_json()["error"].endswith("reapply your change and PATCH with the new "
                                              "base_version")  # it had said PUT
    typo = api("PATCH", {"settings": {"prompts": {"apology": "Sorry {postion}."}}})
    assert typo.status_code == 422  # advice for this very text: the apology takes none
    assert typo.get_json()["fields"]["settings.prompts.apology"].startswith(
        "unknown placeholder ['postion']; this text may use: none (got")


def test_the_openapi_document_states_the_contract(console_app):
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert "base_version" in schemas["PolicyChange"]["required"]
    assert "replace_whole_queue" in schemas["PolicyChange"]["properties"]
    assert "leaves out" in schemas["PolicyChange"]["description"]
    patch = document["paths"]["/api/v1/policies/{queue}"]["patch"]
    assert patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PolicyPatch")


def test_get_sent_back_as_a_put_works_on_a_queue_with_a_variant(make_app, clock):
    """The README's PUT "takes the whole queue as GET returns it"; GET writes every variant
    prompt, nulls included, and the variant's check counted a queue-leg prompt sent as null
    as set: no PUT built from GET could change such a queue (a reviewer's finding)."""
    from app.storage import users

    app = make_app('[queues.support]\npolicy = "checkin"\n'
                   '[queues.support.variants.short]\npolicy = "checkin"\n'
                   '[queues.support.variants.short.prompts]\napology = "Sorry."\n')
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "olu", "operator", "correct horse battery", clock.now())
    token = bearer(users.issue_token(engine, "olu", clock.now()))
    client = app.test_client()
    got = client.get("/api/v1/policies/support", headers=token).get_json()
    assert got["settings"]["variants"]["short"]["prompts"]["connecting"] is None
    settings = {**got["settings"], "voice": "alice"}
    put = client.put("/api/v1/policies/support", headers=token,
                     json={"settings": settings, "base_version": got["base_version"]})
    assert put.status_code == 200, put.get_json()
    now = client.get("/api/v1/policies/support", headers=token).get_json()["settings"]
    assert now["voice"] == "alice" and now["variants"]["short"]["prompts"]["apology"] == "Sorry."
    assert now["variants"]["short"]["prompts"]["connecting"] is None  # still the queue's own


PATCHED_QUEUE = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
keep_key = "3"
callback_key = "2"
[queues.support.variants.short]
policy = "checkin"
[queues.support.hours]
timezone = "Europe/London"
monday = "08:00-18:00"
[queues.support.overflow]
max_wait_s = 1800
"""


@pytest.fixture
def patched(make_app, clock):  # noqa: ANN201
    """(settings) -> the answer to PATCH /api/v1/policies/support with them, as an operator."""
    from app.storage import users

    app = make_app(PATCHED_QUEUE)
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "olu", "operator", "correct horse battery", clock.now())
    token = bearer(users.issue_token(engine, "olu", clock.now()))
    client = app.test_client()
    return lambda settings: client.patch("/api/v1/policies/support", headers=token,
                                         json={"settings": settings})


@pytest.mark.parametrize("settings", [
    {"hours": {"tuesday": "08:00-18:00"}},  # had been "hours.timezone: Field required"
    {"hours": {"callbacks_per_opening": 5}},  # "this queue's policies offer no callbacks"
    {"overflow": {"words": {"sorry": "So sorry."}}},  # "neither max_wait_s nor when_full"
    # "callback_key and keep_key are both '1'" (without the overflow, whose callback on key
    # 2 would now offer the same callback on a second key)
    {"callback": {"callback_key": "1"}, "overflow": None},
    {"experiment": {"arms": {"short": 1, "callback": 1}}},  # "nor a variant (none)"
])
def test_a_patch_is_checked_as_the_queue_it_makes_not_alone(patched, settings):
    """Each was refused with a false reason: the fields sent were checked as a whole queue,
    everything else at its default, before being laid over the active one (a reviewer's
    finding)."""
    answer = patched(settings)
    assert answer.status_code == 200, answer.get_json()


@pytest.mark.parametrize(("settings", "named"), [
    ({"callback": {"callback_key": "3"}}, "keep_key"),  # clashes with the queue's keep_key
    ({"hours": {"timezone": "Mars/Olympus"}}, "timezone"),
    ({"no_such_setting": 1}, "no_such_setting"),
])
def test_a_patch_that_makes_a_wrong_queue_is_a_422_naming_the_field(patched, settings, named):
    answer = patched(settings)
    assert answer.status_code == 422 and named in str(answer.get_json())


def test_the_document_refuses_the_partial_put_the_api_refuses(console_app, api, sales):
    """Schemathesis sent PUTs the document called valid and the API refused (a settings
    object with a field left out): the document now says a PUT is whole unless it sets
    replace_whole_queue, in every section, so a client validating against it learns that."""
    from jsonschema import Draft202012Validator

    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    valid = Draft202012Validator({**document, "$ref": "#/components/schemas/PolicyChange"})
    whole = api("GET").get_json()
    assert valid.is_valid(whole)
    partial = {**whole, "settings": {**whole["settings"],
                                     "prompts": {k: v for k, v in whole["settings"][
                                         "prompts"].items() if k != "welcome"}}}
    assert not valid.is_valid(partial)
    assert api("PUT", partial).status_code == 422
    replacing = {**partial, "replace_whole_queue": True}
    assert valid.is_valid(replacing)
    assert not valid.is_valid({**partial, "replace_whole_queue": False})
    assert api("PUT", replacing).status_code == 200


@pytest.mark.parametrize(("overflow", "taken"), [
    ({"max_wait_s": 600}, True), ({"when_full": True}, True),
    ({"max_wait_s": 0, "callback": False, "voicemail": True}, True),
    ({"when_full": True, "transcribe": True}, True),
    ({"max_wait_s": 600, "transcribe": True, "message_max_s": 120}, True),
    ({}, False), ({"max_wait_s": None, "when_full": False, "words": {}}, False),
    ({"max_wait_s": 600, "callback": False}, False),
    ({"when_full": True, "callback": False, "voicemail": False}, False),
    ({"max_wait_s": 600, "transcribe": True, "message_max_s": 121}, False),
])
def test_the_document_refuses_the_overflow_tables_the_api_refuses(console_app, api, sales,
                                                                  overflow, taken):
    """Schemathesis sent an overflow table with neither max_wait_s nor when_full, which the
    document allowed and the API refuses: the table's checks across keys are stated in its
    schema (a field left out takes its default), and the two agree both ways."""
    from jsonschema import Draft202012Validator

    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    valid = Draft202012Validator({**document, "$ref": "#/components/schemas/PolicyChange"})
    whole = api("GET").get_json()
    body = {**whole, "replace_whole_queue": True,
            "settings": {**whole["settings"], "overflow": overflow}}
    assert valid.is_valid(body) is taken
    answer = api("PUT", body)
    assert answer.status_code == (200 if taken else 422), answer.get_json()


@pytest.mark.parametrize(("zone", "taken"), [
    ("Europe/London", True), ("America/New_York", True), ("UTC", True),
    ("", False), ("Mars/Olympus", False), ("posixrules", False),
    ("posix/Europe/London", False), ("europe/london", False)])
def test_a_time_zone_the_document_lists_is_one_the_api_takes(console_app, api, sales, zone,
                                                             taken):
    """Schemathesis sent hours with the time zone "" (any string, said the document): the
    document lists the tz database's names, and the API takes exactly those (ZoneInfo had
    also opened files such as "posixrules" that are no zone's name)."""
    from jsonschema import Draft202012Validator

    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    valid = Draft202012Validator({**document, "$ref": "#/components/schemas/PolicyChange"})
    whole = api("GET").get_json()
    hours = {**whole["settings"]["hours"], "timezone": zone}
    body = {**whole, "settings": {**whole["settings"], "hours": hours}}
    assert valid.is_valid(body) is taken
    answer = api("PUT", body)
    assert answer.status_code == (200 if taken else 422), answer.get_json()
    if not taken:
        assert "timezone" in str(answer.get_json())


@pytest.mark.parametrize(("settings", "taken"), [
    ({"prompts": {"welcome": "Hello."}}, True), ({"overflow": None}, True),
    ({"": {}}, False), ({"welcome": "Hello."}, False), ({"no_such_setting": 1}, False)])
def test_a_patch_names_only_settings_the_document_lists(console_app, api, sales, settings,
                                                        taken):
    """A PATCH's settings were any object in the document, and the API refuses a name no
    queue has (schemathesis sent "" and random text): the document lists the names."""
    from jsonschema import Draft202012Validator

    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    valid = Draft202012Validator({**document, "$ref": "#/components/schemas/PolicyPatch"})
    assert valid.is_valid({"settings": settings}) is taken
    answer = api("PATCH", {"settings": settings})
    assert answer.status_code == (200 if taken else 422), answer.get_json()
