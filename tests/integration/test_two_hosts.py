"""Scale out, not up: two app instances (separate gunicorns, as two hosts) on one PostgreSQL.

Callers' webhooks land on either host at random, as a load balancer would send them; agents
on both hosts take callbacks at the same moment. One truth per call, no double dial, and the
positions and estimates each host tells agree.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from sqlalchemy import create_engine, select

from app.storage.schema import call_events, callbacks, calls
from tests.integration.test_fault_matrix import sid
from tests.support.live_server import live_servers  # noqa: F401 - fixture

CONFIG_TOML = ('[line]\nsupport_number = "+14155550000"\n'
               '[queues.support]\npolicy = "callback"\n'
               '[queues.support.callback]\noffer_after_estimate_s = 60\n'
               'offer_without_estimate_after_s = 60\n')
CALLERS = 12


def test_two_hosts_share_one_truth_and_never_dial_twice(live_servers, postgres_url, tmp_path):  # noqa: F811
    config = tmp_path / "holdwell.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    hosts = [live_servers(postgres_url, config=config) for _ in range(2)]
    rng = random.Random(7)

    def host():
        return rng.choice(hosts)

    said: dict[str, list[str]] = {}
    for i in range(CALLERS):
        call = {"CallSid": sid(i), "From": f"+1415555{i + 1:04d}"}
        assert host().post("/voice/incoming?queue=support", call).is_twiml
        for queue_time in (0, 61):
            answer = host().post("/voice/wait?policy=callback&queue=support", {
                **call, "QueueTime": str(queue_time), "QueuePosition": str(i + 1),
                "CurrentQueueSize": str(CALLERS)})
            assert answer.is_twiml
            said.setdefault(sid(i), []).append(answer.body.decode())
    wanting = [i for i in range(CALLERS) if i % 2 == 0]
    for i in wanting:  # half take a callback (the keypad flow may cross hosts too)
        form = {"CallSid": sid(i), "From": f"+1415555{i + 1:04d}", "QueueTime": "70",
                "QueuePosition": str(i + 1), "Digits": "2"}
        offer = host().post("/voice/choice?policy=callback&queue=support", form)
        action = ElementTree.fromstring(offer.body).find("Gather").get("action")
        confirm = host().post(urlsplit(action).path + "?" + urlsplit(action).query,
                              {**form, "Digits": "1"})
        assert b"<Leave" in confirm.body
        host().post("/voice/queue-result?policy=callback&queue=support",
                    {**form, "QueueResult": "leave"})
    for i in range(CALLERS):
        if i % 2:  # the others are answered by agents on either host, or hang up
            call = {"CallSid": sid(i), "QueueTime": "90"}
            if i % 4 == 1:
                host().post("/voice/connect?queue=support", call)
                host().post("/voice/queue-result?queue=support",
                            {**call, "QueueResult": "bridged"})
            else:
                host().post("/voice/queue-result?queue=support",
                            {**call, "QueueResult": "hangup"})
            host().post("/voice/status", {"CallSid": sid(i), "CallStatus": "completed"})

    def agent(n: int) -> str | None:
        answer = hosts[n % 2].post("/voice/agent?queue=support", {"CallSid": f"CA{n:032x}"})
        dial = ElementTree.fromstring(answer.body).find("Dial")
        number = dial.find("Number") if dial is not None else None
        if number is None:
            return None
        return parse_qs(urlsplit(number.get("url")).query)["call"][0]

    with ThreadPoolExecutor(8) as pool:  # 16 agents at once on two hosts for 6 callbacks
        dialled = [call for call in pool.map(agent, range(16)) if call]
    assert sorted(dialled) == sorted(sid(i) for i in wanting)  # each once, none twice

    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(calls.c.call_id, calls.c.outcome)).all())
        claimed = dict(conn.execute(select(callbacks.c.call_id, callbacks.c.status)).all())
        pairs = conn.execute(select(call_events.c.call_id, call_events.c.event).where(
            call_events.c.event.in_(["ABANDON", "CONNECT"]))).all()
    engine.dispose()
    expected = {sid(i): ("left" if i % 2 == 0 else "answered" if i % 4 == 1 else "abandoned")
                for i in range(CALLERS)}
    assert outcomes == expected
    assert set(claimed.values()) == {"claimed"}
    per_call: dict[str, set[str]] = {}
    for call_id, event in pairs:
        per_call.setdefault(call_id, set()).add(event)
    assert all(len(events) == 1 for events in per_call.values())
    # Both hosts read one log: a caller's second check-in names the same position wherever
    # it was served (their place, plus older callbacks none of them had yet).
    for i in range(CALLERS):
        assert f"number {i + 1} in line" in said[sid(i)][1] or (
            i == 0 and "next in line" in said[sid(i)][1])
