"""Every API write that replaces what someone else may have changed can be made conditional on
the version the client read, as the console's forms are (API audit 33, D1, D2, D5, D9): a
roll-back or a split change built on a version no longer active had silently undone the
newer one, and a base_version never stored was answered as someone else's change."""

from __future__ import annotations

from app.storage import config_versions
from tests.console.conftest import bearer


def active(app):  # noqa: ANN001, ANN201
    return config_versions.get(app.extensions["holdwell"].store.engine)


def test_a_rollback_decided_on_an_older_active_version_is_refused(console_app, tokens):
    client, operator = console_app.test_client(), bearer(tokens["operator"])
    seen = client.get("/api/v1/config/versions", headers=operator).get_json()["active"]
    client.patch("/api/v1/policies/support", headers=bearer(tokens["admin"]),
                 json={"settings": {"max_size": 777}, "note": "B: bigger queue"})
    late = client.post("/api/v1/config/rollback", headers=operator,
                       json={"version": 1, "base_version": seen, "note": "A: back"})
    assert late.status_code == 409, late.get_json()
    assert "not rolled back" in late.get_json()["error"]
    assert active(console_app).config().queues["support"].max_size == 777  # B's kept
    now = client.get("/api/v1/config/versions", headers=operator).get_json()["active"]
    done = client.post("/api/v1/config/rollback", headers=operator,
                       json={"version": 1, "base_version": now, "note": "A: back"})
    assert done.status_code == 200 and done.get_json()["changed"] is True
    assert done.get_json()["note"] == "roll back to version 1: A: back"  # its target said (D9)
    future = client.post("/api/v1/config/rollback", headers=operator,
                         json={"version": 1, "base_version": 999})
    assert future.status_code == 422
    assert future.get_json()["fields"]["base_version"].startswith("no config version 999")


def test_a_split_change_or_stop_on_a_version_no_longer_active_is_refused(console_app, tokens):
    client, operator = console_app.test_client(), bearer(tokens["operator"])
    read = client.get("/api/v1/experiments/sales", headers=operator).get_json()
    assert read["version"] == active(console_app).number and read["running"] is False
    started = client.put("/api/v1/experiments/sales", headers=bearer(tokens["admin"]),
                         json={"arms": {"checkin": 1, "silence": 1}, "note": "B's split"})
    assert started.status_code == 200 and started.get_json()["version"] == read["version"] + 1
    stale_put = client.put("/api/v1/experiments/sales", headers=operator,
                           json={"arms": {"checkin": 1, "music_ads": 3},
                                 "base_version": read["version"]})
    assert stale_put.status_code == 409
    stale_stop = client.delete(f"/api/v1/experiments/sales?base_version={read['version']}",
                               headers=operator)
    assert stale_stop.status_code == 409
    in_body = client.delete("/api/v1/experiments/sales", headers=operator,
                            json={"base_version": read["version"]})
    assert in_body.status_code == 400 and "?base_version=" in in_body.get_json()["error"]
    assert active(console_app).config().queues["sales"].experiment.arms == {
        "checkin": 1, "silence": 1}  # B's split runs through all three
    fresh = started.get_json()["version"]
    stopped = client.delete(f"/api/v1/experiments/sales?base_version={fresh}",
                            headers=operator)
    assert stopped.status_code == 200 and stopped.get_json()["running"] is False


def test_a_base_version_never_stored_is_the_clients_mistake_not_a_conflict(console_app,
                                                                         tokens):
    client, operator = console_app.test_client(), bearer(tokens["operator"])
    answer = client.patch("/api/v1/policies/sales", headers=operator,
                          json={"settings": {"max_size": 223}, "base_version": 9999})
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["fields"]["base_version"] == (
        "no config version 9999 (the active one is 1)")
    assert active(console_app).number == 1


def test_versions_come_a_hundred_a_page_and_say_what_lies_beyond(console_app, tokens, as_role):
    """The list had stopped at the newest 100 without a word, and no parameter reached the
    rest (API audit 33, D3)."""
    engine = console_app.extensions["holdwell"].store.engine
    config, first = active(console_app).config(), active(console_app)
    for n in range(2, 206):
        config_versions.add(engine, config.model_copy(update={"queues": {
            **config.queues, "support": config.queues["support"].model_copy(
                update={"max_size": n})}}), author="test", note=f"v{n}",
            now=first.created_at)
    client, token = console_app.test_client(), bearer(tokens["analyst"])
    pages, before = [], None
    while True:
        query = f"?before={before}" if before else ""
        page = client.get(f"/api/v1/config/versions{query}", headers=token).get_json()
        assert page["active"] == 205 and page["total"] == 205
        pages.append([v["number"] for v in page["versions"]])
        before = page["next_before"]
        if before is None:
            break
    assert [len(p) for p in pages] == [100, 100, 5]
    assert sum(pages, []) == list(range(205, 0, -1))  # each once, newest first
    assert client.get("/api/v1/config/versions?before=zero",
                      headers=token).status_code == 422
    console = as_role("analyst").get("/console/versions").get_data(as_text=True)
    assert "100 of 205 versions shown (205 to 106)" in console
    assert 'href="/console/versions?before=106">Older versions</a>' in console
    older = as_role("analyst").get("/console/versions?before=6").get_data(as_text=True)
    assert "5 of 205 versions shown (5 to 1)" in older and "Older versions" not in older


def test_a_write_with_http_preconditions_is_told_to_use_base_version(console_app, tokens):
    """A stale If-Match had been applied (200): a client using HTTP's own mechanism thought
    itself protected (API audit 33, D4). Reads ignore them, as before."""
    client, operator = console_app.test_client(), bearer(tokens["operator"])
    for header in ("If-Match", "If-Unmodified-Since", "If-None-Match"):
        answer = client.patch("/api/v1/policies/sales", json={"settings": {"max_size": 301}},
                              headers={**operator, header: '"1"'})
        assert answer.status_code == 400, header
        assert answer.get_json()["error"].startswith(f"{header} is not read by this API")
    assert active(console_app).number == 1  # nothing saved
    assert client.get("/api/v1/policies/sales",
                      headers={**operator, "If-None-Match": '"1"'}).status_code == 200


def test_a_queues_refusal_names_the_field_as_the_request_sent_it(console_app, tokens):
    """Checks of the whole config had named `queues.sales.prompts.welcome`, or `queues.sales`
    with the field first in the message, which a client cannot map to what it sent (API
    audit 33, D6)."""
    client, operator = console_app.test_client(), bearer(tokens["operator"])

    def fields(method: str, path: str, body: dict) -> dict:
        answer = client.open(path, method=method, json=body, headers=operator)
        assert answer.status_code == 422
        return answer.get_json()["fields"]

    assert list(fields("PATCH", "/api/v1/policies/sales", {
        "settings": {"prompts": {"welcome": "Hi {position:>10}"}}})) == [
            "settings.prompts.welcome"]
    long = fields("PATCH", "/api/v1/policies/sales", {
        "settings": {"prompts": {"welcome": "x" * 5000}}})
    assert list(long) == ["settings.prompts.welcome"]
    assert long["settings.prompts.welcome"].startswith("5,000 characters")
    assert list(fields("PATCH", "/api/v1/policies/sales", {
        "settings": {"language": "es-ES", "voice": "Polly.Joanna"}})) == ["settings"]
    assert list(fields("PUT", "/api/v1/experiments/sales", {
        "arms": {"checkin": 1, "nosuch": 1}})) == ["arms.nosuch"]
