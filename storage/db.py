"""Engines, sessions and the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.models.base import Base, CreatedAt, UpdatedAt, stamp_timestamps

Clock = Callable[[], datetime]
CLOCK = "clock"  # the key of the session's clock in `Session.info`

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for the bot: WAL and immediate transactions on SQLite, pre-ping on servers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            **kwargs,
        )
        _make_sqlite_safe_for_threads(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _make_sqlite_safe_for_threads(engine: Engine, *, in_memory: bool) -> None:
    # pysqlite starts transactions lazily, so two threads that read then write can deadlock
    # ("database is locked" with no wait). Taking the write lock at BEGIN makes writers queue
    # behind busy_timeout instead, which is what a handful of concurrent clicks needs.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Database:
    """The engine plus a session factory; `unit_of_work()` owns one transaction.

    Its sessions carry `clock` (the process's injected clock), which stamps `created_at` and
    `updated_at` on the rows they flush; assign `clock` to change it.
    """

    def __init__(self, url: str, *, clock: Clock = _system_clock, **engine_kwargs: Any) -> None:
        self.url = url
        self.clock = clock
        self.engine = create_db_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={CLOCK: self._now})
        event.listen(self.sessions, "before_flush", _stamp_before_flush)

    def _now(self) -> datetime:
        # Looked up at each call, so a clock assigned later (a test's) is the one that stamps.
        return self.clock()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Commit when the block succeeds, roll back when it raises."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _stamp_before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    stamp_timestamps(session, now_of(session))


def now_of(session: Session) -> datetime:
    """The current instant on the clock `session` carries (the system clock for a bare Session)."""
    clock: Clock = session.info.get(CLOCK, _system_clock)
    return clock()


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (`Session.execute` types its result as a plain Result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def add_once(session: Session, row: Base, *, conflict_columns: Sequence[str]) -> bool:
    """Insert `row` (not added to the session) unless a row with the same `conflict_columns` exists.

    True when this call inserted it; see `insert_ignoring_conflicts`. The columns set on `row` are
    the values; those left unset take their defaults.
    """
    state = inspect(row)
    values = {attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs if attr.key in state.dict}
    return insert_ignoring_conflicts(session, type(row), values, conflict_columns=conflict_columns)


def insert_ignoring_conflicts(
    session: Session,
    model: type[Base],
    values: Mapping[str, Any],
    *,
    conflict_columns: Sequence[str],
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row.

    Claims (one vote, one delivery, one digest) are made this way so that two processes racing
    for the same row never both win and neither raises.
    """
    dialect = session.get_bind().dialect.name
    # Both dialects' insert() build an INSERT with on_conflict_do_nothing().
    insert: Callable[..., Any] | None = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"Convene supports SQLite and PostgreSQL, not {dialect}")
    table = model.__table__
    values = _with_timestamps(session, model, values)
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        # rowcount is not reliable for ON CONFLICT across drivers; RETURNING is.
        .returning(table.c[conflict_columns[0]])
    )
    return session.execute(statement).first() is not None


def _with_timestamps(session: Session, model: type[Base], values: Mapping[str, Any]) -> Mapping[str, Any]:
    # A Core INSERT bypasses before_flush, so the mixins' stamps are filled in here.
    missing = [name for mixin, name in ((CreatedAt, "created_at"), (UpdatedAt, "updated_at"))
               if issubclass(model, mixin) and name not in values]
    if not missing:
        return values
    now = now_of(session)
    return {**values, **{name: now for name in missing}}
