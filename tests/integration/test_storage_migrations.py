"""The migration scripts build exactly the schema storage/tables.py declares, on both dialects."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from storage.engine import make_engine
from storage.migrate import alembic_config, current, upgrade


def schema_differences(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_upgrade_builds_the_declared_schema_and_can_run_again(db_url: str) -> None:
    assert current(db_url) is None
    upgrade(db_url)
    upgrade(db_url)  # every start-up runs it: a no-op once at head
    assert current(db_url) == ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert schema_differences(db_url) == []


def test_the_comparison_notices_a_missing_index(db_url: str) -> None:
    # Guards the test above against comparing nothing at all.
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_handoffs_status_submitted_at"))
    engine.dispose()
    diffs = schema_differences(db_url)
    assert [(d[0], d[1].name) for d in diffs] == [("add_index", "ix_handoffs_status_submitted_at")]
