"""A split started or stopped at the same moment as a policy save never undoes that save.

set_arms read the queue once, before its save loop, and when another version landed first it
retried with that stale copy: the policy save (200) was silently reverted by the experiment
change (200). A change is now a function of the version it is applied to.
"""

from __future__ import annotations

import threading

from app.console import config_changes, experiments
from app.storage import config_versions
from tests.console.conftest import bearer

ROUNDS = 40


def test_a_policy_save_landing_while_a_split_starts_is_kept(console_app, tokens, monkeypatch):
    svc, token = console_app.extensions["holdwell"], bearer(tokens["operator"])
    got = console_app.test_client().get("/api/v1/policies/support", headers=token).get_json()
    got["settings"]["prompts"]["apology"] = "Sorry, truly."
    read = config_versions.get
    raced: list[int] = []

    def read_then_someone_saves(engine, number=None):  # noqa: ANN001, ANN202
        version = read(engine, number)
        if number is None and not raced:  # right after the split's save read the active one
            raced.append(0)
            raced[0] = console_app.test_client().put(
                "/api/v1/policies/support", headers=token, json=got).status_code
        return version

    monkeypatch.setattr(config_versions, "get", read_then_someone_saves)
    with console_app.app_context():
        experiments.set_arms(svc, "support", {"checkin": 1, "silence": 1}, actor="olu", note="")
    monkeypatch.undo()
    support = config_changes.active_config(svc).queues["support"]
    assert raced == [200]
    assert support.prompts.apology == "Sorry, truly."  # the other save survives
    assert support.experiment.arms == {"checkin": 1, "silence": 1}


def at_once(app, token: dict, requests: dict[str, tuple[str, str, dict]]) -> dict:  # noqa: ANN001
    """Send each (method, path, body) from its own thread, released together; the answers."""
    start, answers = threading.Barrier(len(requests)), {}

    def send(name: str, method: str, path: str, body: dict) -> None:
        client = app.test_client()
        start.wait()
        answers[name] = client.open(path, method=method, json=body, headers=token)

    threads = [threading.Thread(target=send, args=(name, *request))
               for name, request in requests.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_saves_at_once_never_undo_each_other_over_many_rounds(console_app, tokens):
    token = bearer(tokens["operator"])
    lost = []
    for i in range(ROUNDS):
        read = console_app.test_client().get("/api/v1/policies/support", headers=token)
        settings = read.get_json()["settings"]
        settings["prompts"]["apology"] = f"Sorry, run {i}."
        arms = {"checkin": 1, "silence": 1 + i % 2}
        answers = at_once(console_app, token, {
            "policy": ("PUT", "/api/v1/policies/support",
                       {"settings": settings, "base_version": read.get_json()["base_version"]}),
            "split": ("PUT", "/api/v1/experiments/support", {"arms": arms})})
        assert answers["split"].status_code == 200, answers["split"].get_json()
        assert answers["policy"].status_code in (200, 409), answers["policy"].get_json()
        now = config_changes.active_config(console_app.extensions["holdwell"]).queues["support"]
        assert now.experiment.arms == arms  # the split's change is never lost either
        if answers["policy"].status_code == 200 and now.prompts.apology != f"Sorry, run {i}.":
            lost.append(i)
    assert lost == []
