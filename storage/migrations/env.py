"""Alembic environment: runs Convene's migrations against the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.models import Base

config = context.config
target_metadata = Base.metadata


# Created by migrations for APScheduler (0001) and slack_sdk's OAuth stores (0012); not Convene's models.
EXTERNAL_TABLES = {"apscheduler_jobs", "slack_installations", "slack_bots", "slack_oauth_states"}


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    table = getattr(obj, "table", obj)
    return getattr(table, "name", name) not in EXTERNAL_TABLES


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    from bot.settings import load_settings
    from storage.db import create_db_engine

    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
