"""The declarative base: naming convention, time-zone-aware instants, and the timestamp mixins."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, TypeDecorator, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from storage.models.personal import Forget

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always hands back aware datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Convene stores only time-zone-aware datetimes")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class CreatedAt:
    """`created_at`: stamped from the session's clock when the row is first flushed, unless given."""

    created_at: Mapped[datetime] = mapped_column()


class UpdatedAt:
    """`updated_at`: stamped from the session's clock on insert, and again whenever the row is edited.

    Not every write is an edit. Forget-me clearing a member's name from a row that stays with the
    group is not one, nor is a change confined to `not_edits`, the bookkeeping Convene keeps for
    itself (where its message is, the rotation order): the redraw sweepers wait for a row to go
    quiet, and such writes must not make it look freshly changed. A flush that sets `updated_at`
    itself keeps that value.
    """

    updated_at: Mapped[datetime] = mapped_column()
    not_edits: ClassVar[frozenset[str]] = frozenset()


class Timestamps(CreatedAt, UpdatedAt):
    """Both `created_at` and `updated_at`."""


def stamp_timestamps(session: Session, now: datetime) -> None:
    """Fill in the timestamps of what `session` is about to flush (called from `before_flush`)."""
    for row in session.new:
        if isinstance(row, CreatedAt) and row.created_at is None:
            row.created_at = now
        if isinstance(row, UpdatedAt) and row.updated_at is None:
            row.updated_at = now
    for row in session.dirty:
        if isinstance(row, UpdatedAt) and _edited(row):
            row.updated_at = now


def _edited(row: UpdatedAt) -> bool:
    state = inspect(row)
    if state.attrs.updated_at.history.has_changes():
        return False
    columns = state.mapper.column_attrs
    for attr in state.attrs:
        if attr.key not in columns or attr.key in row.not_edits or not attr.history.has_changes():
            continue
        if not (_forgets_a_member(columns[attr.key].columns[0]) and attr.value is None):
            return True
    return False


def _forgets_a_member(column: Any) -> bool:
    declared = column.info.get("personal")
    return declared is not None and declared.forget is Forget.CLEAR
