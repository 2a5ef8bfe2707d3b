"""Config saves that keep colliding are answered, not crashed: eight operators' PATCHes at
once had run out of five tries and got a 500 (security probe F3). Now each retry waits a
random, growing pause, and a save that still cannot land is a 503 with Retry-After saying
nothing was stored."""

from __future__ import annotations

import threading

from app.console import config_changes
from app.storage import config_versions
from tests.console.conftest import bearer


def test_many_savers_at_once_all_land(console_app, tokens):
    """Eight PATCHes of eight prompts at once, each its own client: every one lands, none
    is lost (the versions hold all eight words). In one process on SQLite they rarely
    collide; the probe's 500s came over HTTP on PostgreSQL, which the next test stands in
    for by making every try collide."""
    start, answers = threading.Barrier(8), []
    words = [f"Thanks for waiting, take {n}." for n in range(8)]
    keys = ["welcome", "apology", "next_in_line", "keep_waiting", "keep_waiting_ack",
            "connecting", "callback_kept_waiting", "callback_greeting"]

    def save(key: str, text: str) -> None:
        client = console_app.test_client()
        start.wait()
        answers.append(client.patch("/api/v1/policies/sales", json={
            "settings": {"prompts": {key: text}}}, headers=bearer(tokens["operator"])
        ).status_code)

    threads = [threading.Thread(target=save, args=pair) for pair in zip(keys, words,
                                                                         strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * 8
    prompts = config_versions.get(console_app.extensions["holdwell"].store.engine).config(
        ).queues["sales"].prompts
    assert {getattr(prompts, key) for key in keys} == set(words)


def test_a_save_that_never_lands_is_a_503_with_retry_after(console_app, tokens, as_role,
                                                         monkeypatch):
    def always_moved(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - another save won
        raise config_versions.ActiveMoved("version 9 became active after 1")

    monkeypatch.setattr(config_versions, "add", always_moved)
    monkeypatch.setattr(config_changes, "SAVE_PAUSE_S", 0.0)
    answer = console_app.test_client().patch("/api/v1/policies/sales", json={
        "settings": {"prompts": {"apology": "Sorry."}}}, headers=bearer(tokens["operator"]))
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert "nothing was stored; send it again" in answer.get_json()["error"]
    page = as_role("operator").post("/console/policies/sales", {"prompts.apology": "Sorry."})
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "nothing was stored" in page.get_data(as_text=True)
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    assert "503" in document["paths"]["/api/v1/policies/{queue}"]["patch"]["responses"]
    saving = {(path, method) for path, methods in document["paths"].items()
              for method, operation in methods.items() if "503" in operation["responses"]}
    assert saving == {("/api/v1/policies/{queue}", "put"),
                      ("/api/v1/policies/{queue}", "patch"),
                      ("/api/v1/config/rollback", "post"),
                      ("/api/v1/experiments/{queue}", "put"),
                      ("/api/v1/experiments/{queue}", "delete")}  # not a cancel, a what-if
