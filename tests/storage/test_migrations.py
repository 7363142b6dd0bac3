"""Migrations are the only way the schema is made, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from storage.db import Database
from storage.migrate import pending_revisions
from storage.models import Base

# Tables the migrations make for libraries: APScheduler's job store and slack_sdk's OAuth stores.
LIBRARY_TABLES = {"apscheduler_jobs", "slack_installations", "slack_bots", "slack_oauth_states"}


def _table_of(diff: tuple[object, ...]) -> str | None:
    thing = diff[1]
    table = getattr(thing, "table", thing)
    return getattr(table, "name", None)


def test_the_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [diff for diff in compare_metadata(context, Base.metadata)
                       if _table_of(diff) not in LIBRARY_TABLES]
    assert differences == []


def test_the_oauth_tables_are_the_ones_slack_sdk_reads_and_writes(db: Database) -> None:
    """Migration 0012 writes slack_sdk's table definitions out; they must still be the library's."""
    library = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(library, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(library, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(library, "slack_oauth_states")
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [diff for diff in compare_metadata(context, library)
                       if isinstance(diff, tuple) and _table_of(diff) in library.tables]
    assert differences == []


def test_nothing_is_pending_after_upgrade(db: Database) -> None:
    assert pending_revisions(db.engine) == []
