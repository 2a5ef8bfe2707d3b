"""Bad input to the console and the API is a 4xx that says what was wrong, never a 500."""

from __future__ import annotations

import json
import re

import pytest

from tests.console.conftest import PASSWORD, Console, bearer


@pytest.mark.parametrize(("path", "status", "said"), [
    ("/console/versions?show=999", 404, "no config version 999"),
    ("/console/versions?show=-1", 404, "no config version -1"),
    ("/console/versions?show=99999999999999999999", 404, "no config version"),
    ("/console/versions?before=9223372036854775808", 422, "before"),  # past SQLite's
    ("/console/versions?before=2147483648", 422, "2147483647"),  # integers (D9); the API's bound
    ("/console/unserved.csv?start=notadate", 422, "start"),
    ("/console/unserved.csv?end=0001-01-01T00:00", 422, "end"),
    ("/console/unserved?end=0001-01-01T00:00", 422, "end"),
    ("/console/unserved?start=0001-01-01T00:00%2B01:00", 422, "start"),
    ("/console/unserved?start=0.5", 422, "not a number"),  # not seconds since 1970
    ("/console/unserved.csv?end=1764579600", 422, "ISO-8601"),
    ("/console/preview.wav?queue=sales&position=0", 422, "position"),
    ("/console/preview.wav", 422, "queue"),
])
def test_a_bad_query_is_a_page_naming_the_problem(as_role, path, status, said):
    response = as_role("analyst").get(path)
    assert response.status_code == status
    assert said in response.get_data(as_text=True)


def test_starting_or_stopping_a_split_on_no_such_queue_is_a_404(as_role):
    operator = as_role("operator")
    stop = operator.post("/console/experiments/nosuch", {"action": "stop"})
    start = operator.post("/console/experiments/nosuch", {"weight_silence": "1",
                                                          "weight_checkin": "1"})
    for response in (stop, start):
        assert response.status_code == 404
        assert "no queue named &#39;nosuch&#39;" in response.get_data(as_text=True)


@pytest.mark.parametrize(("form", "named"), [
    ({"checkin": "x", "checkin.interval_s": "90"}, "checkin.interval_s"),
    ({"prompts.apology": "sorry", "prompts.apology.x": "1"}, "prompts.apology.x"),
])
def test_a_form_name_under_a_value_is_a_422_naming_it(as_role, form, named):
    response = as_role("operator").post("/console/policies/sales", form)
    assert response.status_code == 422
    assert f"{named}: no such field" in response.get_data(as_text=True)


def test_the_api_names_a_date_too_early_to_take_a_day_from(console_app, tokens):
    client = console_app.test_client()
    for path in ("/api/v1/unserved?end=0001-01-01T00:00",
                 "/api/v1/unserved.csv?end=0001-01-01T12:00"):
        response = client.get(path, headers=bearer(tokens["analyst"]))
        assert response.status_code == 422
        assert "end" in response.get_json()["fields"]


def test_a_sign_in_whose_next_holds_a_line_break_lands_on_the_wallboard(console_app):
    visitor = Console(console_app, None)
    response = visitor.post("/console/login", {"name": "analyst", "password": PASSWORD,
                                               "next": "/console/\r\nX-Injected: 1"})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    assert "X-Injected" not in response.headers


def test_a_wrong_method_under_the_api_says_which_are_allowed(console_app, tokens):
    response = console_app.test_client().delete("/api/v1/queues",
                                                headers=bearer(tokens["admin"]))
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and response.is_json


def test_the_openapi_document_says_which_query_parameters_are_required(console_app):
    paths = console_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/preview", "/api/v1/preview.wav"):
        required = {p["name"]: p["required"] for p in paths[path]["get"]["parameters"]}
        assert required["queue"] is True and required["position"] is False
    unserved = paths["/api/v1/unserved"]["get"]["parameters"]
    assert not any(p["required"] for p in unserved)


@pytest.mark.parametrize(("prompts", "named"), [
    ({"callback_number_check": "Within {wait}, at {number}?"},
     "prompts.callback_number_check: {wait} is not filled in this text"),
    ({"position": "You are number {position:s} in line."}, "no format or conversion"),
    ({"position": "You are number {position:>200000000} in line."}, "no format"),
    ({"callback_kept_waiting": "You keep place {position}."}, "this text may use: none"),
    ({"returning_caller": "Welcome back, {{name}}."},
     "prompts.returning_caller: this text takes no placeholders, so its braces"),
    ({"position": "You are number {{position}} in line."},
     "prompts.position: a doubled brace"),
])
def test_a_prompt_the_line_could_not_say_is_refused_before_it_is_saved(
        console_app, tokens, prompts, named):
    """A prompt with a placeholder it is not filled with, or a format on one, used to be saved
    (200) and then stopped every check-in or callback booking on the live line; one with a
    doubled brace was saved and read out, braces and all."""
    client = console_app.test_client()
    before = client.get("/api/v1/policies/support", headers=bearer(tokens["operator"])).json
    response = client.patch("/api/v1/policies/support", json={"settings": {
        "policy": "callback", "prompts": prompts}}, headers=bearer(tokens["operator"]))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert named in response.get_data(as_text=True)
    after = client.get("/api/v1/policies/support", headers=bearer(tokens["operator"])).json
    assert after == before  # nothing saved


def test_the_policy_form_refuses_a_prompt_with_braces_it_would_read_out(as_role):
    """The console's form saves through the same check: a prompt said as written, with a
    doubled brace, was saved and its braces read out to every caller who heard it."""
    operator = as_role("operator")
    before = without_csrf_tokens(operator.get("/console/policies/sales").get_data(as_text=True))
    response = operator.post("/console/policies/sales",
                             {"prompts.returning_caller": "Welcome back, {{name}}."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "prompts.returning_caller: this text takes no placeholders, so its braces" in page
    after = operator.get("/console/policies/sales").get_data(as_text=True)
    assert without_csrf_tokens(after) == before  # nothing saved


def without_csrf_tokens(page: str) -> str:
    """The page less its CSRF tokens, which carry the second they were made in (two reads
    a second apart differ there alone: a CI run failed on it)."""
    return re.sub(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]*"', r'\1"', page)


def test_a_policy_save_names_every_problem_across_its_keys_at_once(as_role):
    """Two rules of one table broken at once: the console named only the first, so the
    operator fixed it and was refused again for the second."""
    response = as_role("operator").post("/console/policies/sales",
                                        {"overflow.callback": "false"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "neither max_wait_s nor when_full is set" in page
    assert "callback and voicemail are both false" in page


@pytest.mark.parametrize(("method", "path", "role"), [
    ("PATCH", "/api/v1/policies/support", "operator"),
    ("POST", "/api/v1/twin/whatif", "analyst")])
def test_a_json_body_nested_past_the_recursion_limit_is_a_400(console_app, tokens, method,
                                                              path, role):
    deep = '{"settings": ' + "[" * 5000 + "]" * 5000 + "}"
    answer = console_app.test_client().open(
        path, method=method, data=deep, content_type="application/json",
        headers={"Authorization": f"Bearer {tokens[role]}"})
    assert answer.status_code == 400 and "nested too deeply" in answer.get_json()["error"]


def test_a_json_body_over_the_cap_is_refused_unread(console_app, tokens):
    """A 2 MB body (a 50 MB one was read and parsed in full, then refused with 422): 413,
    said as JSON, and the document lists it for each endpoint that takes a body."""
    body = json.dumps({"settings": {"prompts": {"welcome": "x" * 2_000_000}}})
    client = console_app.test_client()
    refused = client.patch("/api/v1/policies/sales", data=body,
                           content_type="application/json", headers=bearer(tokens["operator"]))
    assert refused.status_code == 413
    assert refused.get_json()["error"] == "the JSON body is over 1,048,576 bytes"
    document = client.get("/api/v1/openapi.json").get_json()
    assert "413" in document["paths"]["/api/v1/policies/{queue}"]["patch"]["responses"]
    assert "413" not in document["paths"]["/api/v1/queues"]["get"]["responses"]


def test_a_chunked_json_body_over_the_cap_is_a_413_too(console_app, tokens):
    """Sent without a length, a body is cut at the cap as it is read: it had then read as
    broken JSON, a 400 saying to send JSON. Over real HTTP (the test client sends no
    chunked body)."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, console_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        def patch(body: bytes) -> tuple[int, dict]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("PATCH", "/api/v1/policies/sales", encode_chunked=True,
                         body=(body[i:i + 65536] for i in range(0, len(body), 65536)),
                         headers={**bearer(tokens["operator"]),
                                  "Content-Type": "application/json"})
            answer = conn.getresponse()
            return answer.status, json.loads(answer.read())
        big = json.dumps({"settings": {"prompts": {"welcome": "x" * 3_000_000}}}).encode()
        status, said = patch(big)
        assert (status, said["error"]) == (413, "the JSON body is over 1,048,576 bytes")
        small = json.dumps({"settings": {"max_size": 7}}).encode()
        assert patch(small)[0] == 200
    finally:
        server.shutdown()
