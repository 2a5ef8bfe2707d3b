"""Alembic's migrations create exactly the tables the code uses."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.storage import console_schema  # noqa: F401 - the console's tables share the MetaData
from app.storage.migrate import downgrade, upgrade
from app.storage.schema import metadata


def test_upgraded_schema_matches_the_models(sqlite_url):
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_downgrade_to_base_and_back(sqlite_url):
    downgrade(sqlite_url, "base")
    assert "calls" not in inspect(create_engine(sqlite_url)).get_table_names()
    upgrade(sqlite_url)
    assert "calls" in inspect(create_engine(sqlite_url)).get_table_names()
