"""The console on PostgreSQL: people, versions, the wallboard and a cancel, on a fresh database."""

from __future__ import annotations

from app.signed_client import SignedClient
from app.storage import audit, config_versions, users
from tests.app.test_voice_contract import request_callback, wait_form
from tests.conftest import AUTH_TOKEN
from tests.console.conftest import CONFIG, PASSWORD, Console
from tests.support.postgres import fresh_postgres_url  # noqa: F401 - fixture
from tests.support.sids import sid

WAIT = "/voice/wait?policy=callback&queue=support"

CA2 = sid("CA2")


def test_the_console_works_on_postgresql(fresh_postgres_url, make_app, clock):  # noqa: F811
    app = make_app(CONFIG, database_url=fresh_postgres_url)
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "olu", "operator", PASSWORD, clock.now())
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post(WAIT, wait_form(sid("CA1"), queue_time=0))
    twilio.post("/voice/incoming?queue=support", {"CallSid": sid("CA2"), "From": "+14155550101"})
    twilio.post(WAIT, wait_form(sid("CA2"), queue_time=0))
    request_callback(twilio, sid("CA2"))
    operator = Console(app, "olu")
    state = operator.api("GET", "/api/v1/queues").get_json()
    support = next(q for q in state["queues"] if q["queue"] == "support")
    assert [c["call_id"] for c in support["waiting"]] == [sid("CA1")]
    assert support["callbacks_pending"] == 1 and state["config_version"] == 1
    assert operator.api("POST", f"/api/v1/callbacks/{CA2}/cancel",
                        {"reason": "solved by email"}).status_code == 200
    assert operator.post("/console/policies/support", {"policy": "silence"}).status_code == 303
    assert config_versions.get(engine).number == 2
    assert app.extensions["holdwell"].config.queues["support"].policy == "silence"
    actions = {e.action for e in audit.page(engine).entries}
    assert {"user.add", "session.login", "callback.cancel", "config.version"} <= actions
    assert operator.api("GET", "/api/v1/unserved").status_code == 200
