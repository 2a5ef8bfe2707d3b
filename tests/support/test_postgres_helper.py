"""Fresh databases per test: created migrated, isolated from each other, dropped afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL
from tests.support.postgres import PostgresUnavailable, fresh_database


def test_each_fresh_database_is_migrated_separate_and_dropped_afterwards():
    try:
        with fresh_database() as first, fresh_database(migrate=False) as second:
            assert make_url(first).database != make_url(second).database
            engine = create_engine(first)
            assert "call_events" in inspect(engine).get_table_names()
            engine.dispose()
            engine = create_engine(second)
            assert inspect(engine).get_table_names() == []
            engine.dispose()
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    admin = create_engine(POSTGRES_URL)
    with admin.connect() as conn:
        names = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    admin.dispose()
    assert not {make_url(first).database, make_url(second).database} & names


def test_an_unreachable_server_is_reported_with_its_url():
    with pytest.raises(PostgresUnavailable, match="127.0.0.1:9"), fresh_database(
            "postgresql+psycopg://nobody@127.0.0.1:9/none"):
        pass
