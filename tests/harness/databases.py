"""Test databases: a fresh SQLite file, and a fresh PostgreSQL database per test run.

Each run gets its own PostgreSQL database (created on the server named by TEST_DATABASE_URL and
dropped afterwards) so that parallel runs on one machine never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.settings import normalise_database_url
from storage.db import Database
from storage.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def backends() -> list[str]:
    """The backends to test: TEST_DATABASES=sqlite,postgresql (both by default)."""
    chosen = os.environ.get("TEST_DATABASES", "sqlite,postgresql")
    return [name.strip() for name in chosen.split(",") if name.strip()]


def postgres_server_url() -> str:
    return normalise_database_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL))


def must_test_postgres() -> bool:
    """In CI a missing PostgreSQL is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or bool(os.environ.get("CONVENE_REQUIRE_POSTGRES"))


def postgres_unreachable_reason() -> str | None:
    url = postgres_server_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        where = make_url(url).render_as_string(hide_password=True)
        return f"PostgreSQL at {where} cannot be reached ({type(error).__name__})"
    finally:
        engine.dispose()
    return None


@contextmanager
def fresh_sqlite(directory: Path) -> Iterator[str]:
    url = f"sqlite:///{directory / 'convene-test.sqlite3'}"
    _migrate(url)
    yield url


@contextmanager
def fresh_postgres() -> Iterator[str]:
    server = make_url(postgres_server_url())
    name = f"convene_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    db = Database(url)
    try:
        upgrade(db.engine)
    finally:
        db.dispose()


def empty_all_tables(db: Database) -> None:
    """Delete every row, keeping the schema and Alembic's version."""
    tables = [name for name in inspect(db.engine).get_table_names() if name != "alembic_version"]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
