"""The console with variants (issue 16 item 8): the policy and experiment pages list a queue's
variants (read-only), a split may weigh variants, the per-arm results and verdict name them,
and saving the queue's form keeps them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from app.storage.schema import calls
from tests.console.conftest import PASSWORD, Console, bearer
from tests.support.sids import sid

CONFIG = """
[queues.support]
policy = "checkin"
[queues.support.variants.no_apology]
policy = "checkin"
prompts = { apology = "" }
[queues.support.variants.brisk]
policy = "checkin"
settings = { interval_s = 45 }
[queues.sales]
policy = "silence"
"""


@pytest.fixture
def app_with_variants(make_app, clock):
    from app.storage import users

    app = make_app(CONFIG)
    engine = app.extensions["holdwell"].store.engine
    for role in users.ROLES:
        users.add_user(engine, role, role, PASSWORD, clock.now())
    return app


def test_policy_pages_list_the_variants_read_only(app_with_variants):
    page = Console(app_with_variants, "analyst")
    listing = page.get("/console/policies").get_data(as_text=True)
    assert "no_apology (checkin)" in listing and "brisk (checkin)" in listing
    queue = page.get("/console/policies/support").get_data(as_text=True)
    assert 'data-variant="no_apology"' in queue and "apology: (silent)" in queue
    assert "checkin; interval: 45 s" in queue and "Read-only here" in queue
    assert 'name="variants' not in queue  # nothing to post: edited in the config file


def test_saving_the_queue_form_keeps_its_variants(app_with_variants):
    page = Console(app_with_variants, "operator")
    saved = page.post("/console/policies/support", {"checkin.interval_s": "75"})
    assert saved.status_code == 303, saved.data
    queue = app_with_variants.extensions["holdwell"].config.queues["support"]
    assert queue.checkin.interval_s == 75 and set(queue.variants) == {"no_apology", "brisk"}


def test_a_split_weighs_variants_and_its_results_name_them(app_with_variants, clock):
    svc = app_with_variants.extensions["holdwell"]
    page = Console(app_with_variants, "operator")
    form = page.get("/console/experiments").get_data(as_text=True)
    assert 'name="weight_no_apology"' in form and 'name="weight_brisk"' in form
    assert page.post("/console/experiments/support", {"weight_checkin": "1",
                                                      "weight_no_apology": "1"}).status_code == 303
    assert dict(svc.config.queues["support"].experiment.arms) == {"checkin": 1, "no_apology": 1}
    assert svc.policy("support", "checkin", "no_apology").prompts.apology == ""
    clock.advance(600)
    now = clock.now()
    rows = [{"call_id": sid(f"{arm} {n}"), "queue": "support", "policy": "checkin", "arm": arm,
             "arrived_at": now - timedelta(seconds=n), "entered_at": now,
             "outcome": "abandoned" if n < unserved else "answered", "wait_s": 30.0}
            for arm, unserved in (("checkin", 80), ("no_apology", 40)) for n in range(300)]
    with svc.store.engine.begin() as conn:
        conn.execute(insert(calls), rows)
    page_text = page.get("/console/experiments").get_data(as_text=True)
    assert "no_apology leaves fewer callers unserved" in page_text
    assert 'data-variant="no_apology"' in page_text


def test_the_api_takes_variant_arms_and_refuses_unknown_ones(app_with_variants, clock):
    from app.storage import users

    token = users.issue_token(app_with_variants.extensions["holdwell"].store.engine,
                              "operator", clock.now())
    client = app_with_variants.test_client()
    started = client.put("/api/v1/experiments/support", headers=bearer(token),
                         json={"arms": {"brisk": 1, "no_apology": 1}})
    assert started.status_code == 200, started.get_json()
    state = started.get_json()
    assert state["arms"] == {"brisk": 1, "no_apology": 1}
    assert state["variants"] == {"brisk": "checkin; interval: 45 s",
                                 "no_apology": "checkin; apology: (silent)"}
    unknown = client.put("/api/v1/experiments/sales", headers=bearer(token),
                         json={"arms": {"silence": 1, "no_apology": 1}})
    assert unknown.status_code == 422
    assert "arms.no_apology" in unknown.get_json()["fields"]  # as sent (API audit 33, D6)


def test_new_words_for_an_arm_start_a_new_count(app_with_variants, clock):
    """The split kept its start when a variant's words changed: the new words were credited
    with calls that heard the old ones."""
    from app.storage import config_versions
    from hold_policies.config import ExperimentConfig

    app = app_with_variants
    svc = app.extensions["holdwell"]
    page = Console(app, "analyst")
    base = config_versions.get(svc.store.engine).config()
    split = base.model_copy(update={"queues": {**base.queues, "support": base.queues[
        "support"].model_copy(update={"experiment": ExperimentConfig(
            arms={"no_apology": 1, "brisk": 1})})}})
    config_versions.add(svc.store.engine, split, author="op", note="split", now=clock.now())

    def finished(tag: str) -> None:
        finish_calls(svc, clock.now(), tag, 5)

    def counted() -> dict[str, int]:
        return arm_counts(page)

    clock.advance(60)
    finished("old")
    clock.advance(60)
    active = config_versions.get(svc.store.engine).config()
    unrelated = active.model_copy(update={"queues": {**active.queues, "support": active.queues[
        "support"].model_copy(update={"max_size": 77})}})
    config_versions.add(svc.store.engine, unrelated, author="op", note="size", now=clock.now())
    assert counted() == {"no_apology": 5, "brisk": 5}  # nothing an arm says changed
    queue = unrelated.queues["support"]
    variant = queue.variants["no_apology"]
    reworded = variant.model_copy(update={"prompts": variant.prompts.model_copy(
        update={"apology": "So sorry!"})})
    changed = unrelated.model_copy(update={"queues": {**unrelated.queues, "support": (
        queue.model_copy(update={"variants": {**queue.variants, "no_apology": reworded}}))}})
    clock.advance(60)
    config_versions.add(svc.store.engine, changed, author="op", note="words", now=clock.now())
    clock.advance(60)
    finished("new")
    assert counted() == {"no_apology": 5, "brisk": 5}  # only the calls since the new words


def test_a_new_overflow_offer_starts_a_new_count(app_with_variants, clock):
    """Every arm's callers past the maximum wait hear the overflow's offer: new words there
    had been credited with calls that heard the old offer (the queue's size is no such
    change)."""
    from app.storage import config_versions
    from hold_policies.config import ExperimentConfig, OverflowConfig

    app = app_with_variants
    svc = app.extensions["holdwell"]
    page = Console(app, "analyst")

    def save(update: dict, note: str) -> None:
        active = config_versions.get(svc.store.engine).config()
        queue = active.queues["support"].model_copy(update=update)
        line = active.line.model_copy(update={"support_number": "+14155550000"})
        config_versions.add(svc.store.engine, active.model_copy(update={
            "line": line, "queues": {**active.queues, "support": queue}}), author="op",
            note=note, now=clock.now())
        clock.advance(60)

    def finished(tag: str) -> None:
        finish_calls(svc, clock.now(), tag, 3)
        clock.advance(60)

    def counted() -> dict[str, int]:
        return arm_counts(page)

    save({"experiment": ExperimentConfig(arms={"no_apology": 1, "brisk": 1}),
          "overflow": OverflowConfig(max_wait_s=600)}, "split")
    finished("old")
    save({"max_size": 77}, "size")
    assert counted() == {"no_apology": 3, "brisk": 3}
    save({"overflow": OverflowConfig(max_wait_s=300)}, "sooner offer")
    finished("new")
    assert counted() == {"no_apology": 3, "brisk": 3}  # only the calls since the new offer
    save({"overflow": None}, "no offer")
    assert counted() == {}


def finish_calls(svc, now, tag: str, per_arm: int) -> None:  # noqa: ANN001
    """`per_arm` answered calls in each of the split's two arms, finished at `now`."""
    rows = [{"call_id": f"{tag}{n}", "queue": "support", "policy": "checkin", "arm": arm,
             "arrived_at": now, "entered_at": now, "outcome": "answered", "wait_s": 10.0}
            for n, arm in enumerate(["no_apology", "brisk"] * per_arm)]
    with svc.store.engine.begin() as conn:
        conn.execute(insert(calls), rows)


def arm_counts(page) -> dict[str, int]:  # noqa: ANN001
    """Each arm's calls as the experiments API counts them since the split started."""
    state = page.get("/api/v1/experiments/support").get_json()
    return {r["arm"]: r["calls"] for r in state["results"]}
