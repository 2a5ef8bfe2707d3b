"""A PostgreSQL whose sessions run in another time zone: times are still read as UTC.

timestamptz comes back in the session's zone; the watch relabelled that wall time as UTC, so
in New York a promise a minute ahead was called overdue and in Tokyo a late one only at risk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, select, text

from app.callback_watch import watch_once
from app.storage.db import make_engine
from app.storage.schema import callbacks
from hold_policies.config import CallbacksConfig
from tests.support.postgres import fresh_database

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AHEAD, LATE = "CA" + "1" * 32, "CA" + "2" * 32


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_the_watch_tells_at_risk_from_overdue_in_any_session_time_zone(zone):
    with fresh_database() as url:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"ALTER DATABASE \"{url.rsplit('/', 1)[1]}\" SET timezone = "
                              f"'{zone}'"))
        admin.dispose()
        plain = create_engine(url)  # a session in the database's zone
        try:
            with plain.begin() as conn:
                for call_id, promised in ((AHEAD, NOW + timedelta(seconds=60)),
                                          (LATE, NOW - timedelta(seconds=60))):
                    conn.execute(insert(callbacks).values(
                        call_id=call_id, queue="support", number="+14155550100",
                        entered_at=NOW - timedelta(minutes=10),
                        requested_at=NOW - timedelta(minutes=9), promised_by=promised,
                        status="pending"))
            report = watch_once(plain, CallbacksConfig(), NOW)
            assert report.at_risk == [AHEAD] and report.overdue == [LATE]
        finally:
            plain.dispose()
        engine = make_engine(url)  # the app's own sessions are UTC
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SHOW timezone")).scalar() == "UTC"
                stored = conn.execute(select(callbacks.c.promised_by).where(
                    callbacks.c.call_id == AHEAD)).scalar()
            assert stored.utcoffset() == timedelta(0) and stored == NOW + timedelta(seconds=60)
        finally:
            engine.dispose()
