"""The twin simulates a queue's variants by name, as `holdwell whatif --policies` does: the
page offers them beside the four policies and the API takes them, checked against the
running config (a name it does not have is a 422 on `policies`, as a mistyped policy is)."""

from __future__ import annotations

import html

import pytest

from app.storage import users
from tests.console.conftest import CONFIG, PASSWORD, bearer

VARIANTS = """
[queues.support.variants.brisk]
policy = "checkin"
settings = { interval_s = 45 }
[queues.sales.variants.sales_quiet]
policy = "silence"
"""


@pytest.fixture
def console_app(make_app, clock):
    """The console's app and users, with a variant in each queue."""
    app = make_app(CONFIG + VARIANTS)
    engine = app.extensions["holdwell"].store.engine
    for role in users.ROLES:
        users.add_user(engine, role, role, PASSWORD, clock.now())
    return app


def whatif(app, token: str, policies: list[str]):  # noqa: ANN201
    return app.test_client().post("/api/v1/twin/whatif", headers=bearer(token),
                                  json={"policies": policies, "replications": 2})


def test_a_variant_of_the_twins_queue_runs_beside_its_policy(seeded, tokens):
    answer = whatif(seeded, tokens["analyst"], ["checkin", "brisk"])
    assert answer.status_code == 200, answer.get_json()
    rows = {row["policy"]: row for row in answer.get_json()["policies"]}
    assert list(rows) == ["checkin", "brisk"]
    assert rows["brisk"]["unserved_rate"]["mean"] is not None
    assert rows["brisk"]["unserved_vs_first"]["mean"] is not None  # paired with checkin
    assert rows["checkin"]["unserved_vs_first"] is None  # the first: no difference measured


def test_a_name_the_config_lacks_is_a_422_on_policies(seeded, tokens):
    unknown = whatif(seeded, tokens["analyst"], ["checkin", "brsik"])
    assert unknown.status_code == 422
    said = unknown.get_json()
    assert "unknown 'brsik'" in said["fields"]["policies"]
    assert "or a variant (brisk, sales_quiet)" in said["fields"]["policies"]
    elsewhere = whatif(seeded, tokens["analyst"], ["checkin", "sales_quiet"])
    assert elsewhere.status_code == 422  # sales' variant: the twin simulates support
    assert "not a policy or a variant of queue 'support'" in elsewhere.get_json()["fields"][
        "policies"]


def test_the_page_offers_the_variants_and_shows_their_rows(seeded, as_role):
    analyst = as_role("analyst")
    form = analyst.get("/console/twin").get_data(as_text=True)
    assert 'value="brisk" > brisk <span class="hint">(a checkin variant)</span>' in form
    assert 'value="sales_quiet" > sales_quiet' in form
    ran = analyst.get("/console/twin?run=1&replications=2&policies=checkin&policies=brisk")
    text = html.unescape(ran.get_data(as_text=True))
    assert ran.status_code == 200
    assert '<tr data-policy="brisk"><td data-label="policy">brisk</td>' in text


def test_a_run_with_no_policy_ticked_says_to_tick_one(seeded, as_role):
    """It had said pydantic's "List should have at least 1 item after validation, not 0
    (got [])" (operator audit)."""
    ran = as_role("analyst").get("/console/twin?run=1&replications=2")
    text = html.unescape(ran.get_data(as_text=True))
    assert ran.status_code == 422
    assert "tick at least one" in text and "List should have" not in text


def test_the_document_says_what_policies_may_name(console_app):
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    policies = document["components"]["schemas"]["TwinAsk"]["properties"]["policies"]
    assert policies["items"]["pattern"] and "variant" in policies["items"]["description"]
    assert policies["maxItems"] == 8
