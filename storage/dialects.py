"""The one statement that differs between SQLite and PostgreSQL: insert unless the key exists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_ignore(session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> int:
    """INSERT ... ON CONFLICT (keys) DO NOTHING; returns how many rows were actually inserted.

    The database decides under its own locks, so two transactions racing on one key cannot
    both win, which a SELECT-then-INSERT could not promise.
    """
    if not rows:
        return 0
    dialect = dialect_of(session)
    if dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))  # type: ignore[assignment]
    else:
        raise NotImplementedError(f"Baton stores data in SQLite or PostgreSQL, not {dialect}")
    # SQLAlchemy only keeps an INSERT's rowcount when asked to.
    result = session.execute(stmt, list(rows), execution_options={"preserve_rowcount": True})
    return cast(CursorResult[Any], result).rowcount
