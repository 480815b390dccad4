"""Engines for the two databases Baton runs on: a SQLite file by default, PostgreSQL for replicas.

The SQLite settings are what make a single file safe for a bot that answers Slack while its
scheduler writes: WAL lets readers run beside the one writer, busy_timeout makes a second
writer wait instead of failing, and foreign keys are off by default in SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000")
_POSTGRES_NAMES = {"postgres", "postgresql", "postgresql+psycopg"}


def normalize_url(url: str | URL) -> URL:
    """`postgres://` and `postgresql://` (as hosting platforms hand them out) use psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_NAMES:
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine configured for Baton's dialects; extra kwargs go to `create_engine`."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    connect_args = {"check_same_thread": False, **kwargs.pop("connect_args", {})}
    if in_memory:
        # Each new connection to ":memory:" is a new empty database: share one connection.
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def ping(engine: Engine) -> bool:
    """Whether the database answers a trivial query (for /healthz); never raises."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return False
    return True
