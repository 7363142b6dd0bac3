"""Migrations are the only way the schema is made, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.db import Database
from storage.migrate import pending_revisions
from storage.models import Base


def test_the_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            diff for diff in compare_metadata(context, Base.metadata)
            if not (diff[0] == "remove_table" and diff[1].name == "apscheduler_jobs")
            and not (diff[0] == "remove_index" and diff[1].table.name == "apscheduler_jobs")
        ]
    assert differences == []


def test_nothing_is_pending_after_upgrade(db: Database) -> None:
    assert pending_revisions(db.engine) == []
