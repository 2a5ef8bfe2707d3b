"""The generated OpenAPI document, fuzzed by schemathesis: no 5xx, and every response matches
the schema it declares (status, content type, body)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.console.conftest import bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(console_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", console_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))  # no shrinking: a failure shows as found
def test_the_api_never_errors_and_answers_as_documented(case, tokens):
    case.call_and_validate(headers=bearer(tokens["operator"]), checks=CHECKS)


def test_every_route_is_documented_with_its_role(console_app):
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    rules = {rule.rule for rule in console_app.url_map.iter_rules()
             if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"}
    documented = {path.replace("{", "<").replace("}", ">") for path in document["paths"]}
    assert {re.sub(r"<int\([^)]*\):", "<", r) for r in rules} == documented
    put = document["paths"]["/api/v1/policies/{queue}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PolicyChange")
    assert "interval_s" in str(document["components"]["schemas"]["CheckinConfig"])


def test_the_document_states_the_nul_ban_where_requests_refuse_a_nul(console_app):
    """A client (or schemathesis) reading the document knows a NUL is refused: every free
    text field of a request carries the pattern, and the pattern refuses what no_nul does."""
    schemas = console_app.test_client().get("/api/v1/openapi.json").get_json()[
        "components"]["schemas"]
    texts = {(name, field): spec for name in ("CancelRequest", "PolicyChange",
                                              "RollbackRequest", "ExperimentStart")
             for field, spec in schemas[name]["properties"].items()
             if field in ("reason", "note")}
    assert len(texts) == 4
    for spec in texts.values():
        pattern = re.compile(spec["pattern"])
        assert pattern.search("a reason") and pattern.search("")
        assert not pattern.search("a\x00reason") and not pattern.search("\x00")


@pytest.mark.parametrize(("method", "path", "model", "good", "body"), [
    ("put", "/api/v1/experiments/support", "ExperimentStart",
     {"arms": {"checkin": 1, "silence": 1}}, {"arms": {"checkin": 1, "not a name!": 1}}),
    ("post", "/api/v1/twin/whatif", "TwinAsk",
     {"policies": ["silence", "checkin"]}, {"policies": ["silence", "silence"]}),
])
def test_bodies_the_api_refuses_the_document_refuses_too(console_app, tokens, method, path,
                                                         model, good, body):
    """A client validating against the document learns what the API will refuse: a map's
    keys outside their pattern (pydantic wrote only `patternProperties`, which lets any other
    key through) and a list that must name each item once."""
    from jsonschema import Draft202012Validator

    client = console_app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    validator = Draft202012Validator({**document, "$ref": f"#/components/schemas/{model}"})
    assert validator.is_valid(good) and not validator.is_valid(body)
    answer = getattr(client, method)(path, json=body, headers=bearer(tokens["operator"]))
    assert answer.status_code == 422


def test_the_document_lists_429_where_the_api_answers_it(console_app):
    """One fit, what-if or preview render runs per worker; another is a 429 with
    Retry-After (tests/console/test_twin_one_at_a_time), which a client reads here."""
    paths = console_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    busy = {(path, method) for path, operations in paths.items()
            for method, operation in operations.items() if "429" in operation["responses"]}
    assert busy == {("/api/v1/twin", "get"), ("/api/v1/twin/whatif", "post"),
                    ("/api/v1/preview.wav", "get")}
    assert "Retry-After" in paths["/api/v1/twin"]["get"]["responses"]["429"]["description"]


@pytest.mark.parametrize("path", ["/api/v1/unserved?strat=2026-01-01",
                                  "/api/v1/unserved.csv?start=2026-01-01&sort=wait",
                                  "/api/v1/queues?queue=support",
                                  "/api/v1/callbacks?status=pending"])
def test_a_query_parameter_no_endpoint_takes_is_a_422_naming_it(console_app, tokens, path):
    """Ignored, `?strat=` (for `start`) answered the default day as if it had been asked."""
    answer = console_app.test_client().get(path, headers=bearer(tokens["operator"]))
    named = path.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]
    assert answer.status_code == 422, answer.data
    assert named in str(answer.get_json())


@pytest.mark.parametrize("path", ["/api/v1/unserved?start=2026-01-02&start=2026-01-01",
                                  "/api/v1/audit?page=1&page=2",
                                  "/api/v1/twin?window_days=7&window_days=abc"])
def test_a_query_parameter_given_twice_is_a_422_naming_it(console_app, tokens, path):
    """The first of the two had been used without a word (API audit 33, D7)."""
    answer = console_app.test_client().get(path, headers=bearer(tokens["admin"]))
    named = path.split("?")[1].split("=")[0]
    assert answer.status_code == 422, answer.data
    assert answer.get_json()["fields"][named].startswith("given more than once")


def test_the_twins_half_hours_are_documented_on_the_lines_clock(console_app):
    """The twin fits on the default queue's opening-hours zone (its `timezone` says which):
    the document had called its half-hours UTC (a reviewer's finding)."""
    schemas = console_app.test_client().get("/api/v1/openapi.json").get_json()[
        "components"]["schemas"]
    start = schemas["SlotFit"]["properties"]["start"]["description"]
    assert "UTC" not in start and "line's clock" in start


@pytest.mark.parametrize(("path", "model", "good", "refused"), [
    ("/api/v1/twin/whatif", "TwinAsk", [{"agents": [3]}, {"agents": [3] * 48}, {"agents": None},
                                        {"target_unserved": 0.05}],
     [{"agents": [3, 4]}, {"agents": [3] * 47},
      {"target_unserved": 0.05, "target_service_level": 0.8}]),
])
def test_limits_the_api_states_in_prose_the_document_states_too(console_app, tokens, path,
                                                                model, good, refused):
    """Schemathesis sent the twin 2 to 47 agents, or both staffing targets, which the
    document allowed and the API refuses (a 422): the document now says so."""
    from jsonschema import Draft202012Validator

    client = console_app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    validator = Draft202012Validator({**document, "$ref": f"#/components/schemas/{model}"})
    assert all(validator.is_valid(body) for body in good)
    for body in refused:
        assert not validator.is_valid(body), body
        answer = client.post(path, json=body, headers=bearer(tokens["analyst"]))
        assert answer.status_code == 422, (body, answer.data)


@pytest.mark.parametrize(("moment", "accepted"), [
    ("2026-12-01T09:00:00Z", True), ("1901-01-01T00:00:00+14:00", True),
    ("9997-12-31T23:59:59-12:00", True), ("0001-01-01T00:00:00Z", False),
    ("1900-01-01T00:00:00+05:00", False), ("9999-06-01T00:00:00Z", False),
    ("9998-12-31T23:59:59-12:00", False), ("", True)])
def test_a_period_the_document_allows_is_one_the_api_takes(console_app, tokens, moment,
                                                           accepted):
    """The period's years were bounded in prose only (schemathesis sent year 0001 and was
    refused): the parameters' pattern now states them, never wider than the API's bounds.
    An empty value, taken as the default, the document had refused (API audit 35, D7)."""
    from jsonschema import Draft202012Validator

    client = console_app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/api/v1/unserved"]["get"]["parameters"]
    for name in ("start", "end"):
        schema = next(p["schema"] for p in parameters if p["name"] == name)
        assert Draft202012Validator(schema).is_valid(moment) is accepted
    # each alone (a period whose end is its start is refused as holding no call)
    for query in ({"end": moment}, {"start": moment, "end": "9998-06-01T00:00:00Z"}):
        answer = client.get("/api/v1/unserved", query_string=query,
                            headers=bearer(tokens["operator"]))
        if accepted:
            assert answer.status_code == 200, answer.data
        else:
            assert answer.status_code == 422


def test_an_analysts_figures_are_described_in_the_document(console_app):
    """459 of 545 properties had no description, among them every count and time of the
    wallboard, the unserved list and the experiments (console audit 36, D4): these say what
    they count and in what unit."""
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name in ("WaitingCaller", "TodayStats", "QueueState", "UnservedCaller", "ArmResult",
                 "ArmComparison", "Interval", "PolicyOutcome"):
        bare = [field for field, spec in schemas[name]["properties"].items()
                if "description" not in spec and field not in ("queue", "arm", "policy",
                                                               "baseline")
                and "$ref" not in spec and "allOf" not in spec]
        assert not bare, f"{name}: {bare} say nothing of what they count"
