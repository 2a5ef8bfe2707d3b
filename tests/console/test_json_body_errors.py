"""A JSON body the API cannot read is a 400 that says why (security probe F6): invalid
UTF-8, a syntax error and a 5,000-digit number had all been told "send a JSON object body
with Content-Type: application/json", which is what the client had sent."""

from __future__ import annotations

import pytest

from tests.console.conftest import bearer

PATCH = "/api/v1/policies/sales"


@pytest.mark.parametrize(("body", "content_type", "said"), [
    (b'{"settings": {"prompts": {"apology": "\xff"}}}', "application/json",
     "the JSON body is not UTF-8 (byte 38 cannot start"),
    (b'{"settings": {"policy": "silence",}}', "application/json",
     "the body is not JSON: Expecting property name enclosed in double quotes at line 1 "
     "column 35"),
    (b'{"settings": {"max_size": ' + b"9" * 5000 + b"}}", "application/json",
     "a number in the JSON body has more than 4,300 digits"),
    (b"null", "application/json", "send a JSON object body (got null)"),
    (b'{"settings": {}}', "text/plain", "with Content-Type: application/json (got 'text/plain')"),
])
def test_an_unreadable_body_is_a_400_saying_why(console_app, tokens, body, content_type, said):
    answer = console_app.test_client().patch(PATCH, data=body, content_type=content_type,
                                             headers=bearer(tokens["operator"]))
    assert answer.status_code == 400
    assert said in answer.get_json()["error"]


def test_a_body_with_a_byte_order_mark_is_read(console_app, tokens):
    """PowerShell and .NET write UTF-8 with a BOM; get_json had read it, and RFC 8259 lets a
    reader ignore it (review 31 #8)."""
    body = "\ufeff" + '{"settings": {"prompts": {"apology": "Sorry."}}}'
    for encoded in (body.encode("utf-8"), body.encode("utf-16")):
        answer = console_app.test_client().patch(PATCH, data=encoded,
                                                 content_type="application/json",
                                                 headers=bearer(tokens["operator"]))
        assert answer.status_code == 200, answer.get_json()


def test_a_name_given_twice_in_one_object_is_a_422_naming_where(console_app, tokens):
    """json keeps the last of two equal names without a word, so `base_version` 1 then 10
    saved against version 10 where a gateway reading the first saw a stale write; repeated
    query parameters were already refused (API audit 35, D6)."""
    client = console_app.test_client()
    before = client.get("/api/v1/config/versions", headers=bearer(tokens["operator"])).get_json()
    body = (b'{"note": "twice", "settings": {"max_size": 778, "max_size": 779,'
            b' "prompts": {"apology": "a", "apology": "b"}}, "note": "again"}')
    answer = client.patch(PATCH, data=body, content_type="application/json",
                          headers=bearer(tokens["operator"]))
    assert answer.status_code == 422
    fields = answer.get_json()["fields"]
    assert fields == {
        "note": "given more than once in one JSON object; give it once (got ['twice', 'again'])",
        "settings.max_size": "given more than once in one JSON object; give it once "
                             "(got [778, 779])",
        "settings.prompts.apology": "given more than once in one JSON object; give it once "
                                    "(got ['a', 'b'])"}
    after = client.get("/api/v1/config/versions", headers=bearer(tokens["operator"])).get_json()
    assert after == before  # nothing saved
    same_names_apart = b'{"settings": {"max_size": 778, "prompts": {"max_size": "x"}}}'
    answer = client.patch(PATCH, data=same_names_apart, content_type="application/json",
                          headers=bearer(tokens["operator"]))
    assert "given more than once" not in str(answer.get_json())  # another object: no repeat
