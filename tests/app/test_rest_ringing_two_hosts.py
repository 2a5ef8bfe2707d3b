"""Two hosts' `holdwell callbacks` rescuing at-risk callbacks through REST ring no more of a
queue's customers at once than `rest_at_once`: each counted who was in hand, then claimed
and rang on its own count, so N hosts rang N times the limit, and customers answered to
wait in silence for an agent (the limit's reason). The count and the claim are one step
under the queue's lock, as customer-first's already were."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import update

from app.callback_placer import RestPlacer
from app.callback_watch import watch_once
from app.storage import callback_rest
from app.storage.db import make_engine
from app.storage.schema import callbacks
from hold_policies.config import CallbacksConfig
from tests.support.callback_rows import seed_pending

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REST_ROUND_TRIP_S = 0.3


def test_two_watches_never_ring_more_than_rest_at_once(postgres_url, mocker):
    engine = make_engine(postgres_url)
    seed_pending(engine, [f"CB{i:02d}" for i in range(6)], NOW - timedelta(minutes=10))
    with engine.begin() as conn:  # all at risk: promised within the margin
        conn.execute(update(callbacks).values(promised_by=NOW + timedelta(seconds=30)))
    settings = CallbacksConfig(rest_at_once=2)
    client = mocker.Mock()  # Twilio's REST API: only its boundary is faked
    client.calls.create.side_effect = lambda **_: (
        time.sleep(REST_ROUND_TRIP_S), SimpleNamespace(sid="CA" + "1" * 32))[1]
    placer = RestPlacer(client, "https://hold.example.com", "+14155550000", settings)
    start = threading.Barrier(2)
    reports = []

    def host() -> None:
        start.wait()
        reports.append(watch_once(engine, settings, NOW, placer))

    hosts = [threading.Thread(target=host) for _ in range(2)]
    for thread in hosts:
        thread.start()
    for thread in hosts:
        thread.join()
    placed = sorted(call_id for report in reports for call_id in report.placed)
    assert client.calls.create.call_count == len(placed) == settings.rest_at_once, placed
    assert callback_rest.in_hand(engine, "support") == settings.rest_at_once
    engine.dispose()
