"""Everything Convene stores about a member, to show them (`/convene my-data`) or forget it
(`/convene forget-me`).

Both are driven by the declarations on the models (`storage.models.personal`): my-data holds
every row in which a declared column refers to the member, and forget-me applies each declared
column's treatment (delete the row, clear the column, or put an anonymous marker in it), then
remembers the member only as a keyed hash (`bot.services.privacy`) so that nothing Convene does
on its own brings them back. Each area adds, in `bot.areas`, a readable summary of its records
(`PERSONAL_DATA_EXPORTERS`), the bookkeeping a plain delete would get wrong, such as +1 counts
(`PERSONAL_DATA_FORGETTERS`), and which Slack messages may show the member and must be redrawn
(`REDRAWN_AFTER_FORGETTING`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.services import privacy
from bot.services.attribution import FORMER_MEMBER
from storage.db import rows_changed
from storage.models import Base, Coordinator, Member
from storage.models.personal import Forget, Personal
from storage.repositories.workspaces import AbsenceRepository, MemberRepository


@dataclass(frozen=True)
class PersonalData:
    """One area's records about a member, as plain JSON-able dicts."""

    area: str
    records: list[dict[str, Any]] = field(default_factory=list)


Exporter = Callable[[Session, str, str], PersonalData]
Forgetter = Callable[[Session, str, str], int]
"""Does what a plain delete would get wrong in one area (counters, revisions); returns rows touched."""


@dataclass
class Redraw:
    """Slack messages that may show a member, to redraw once they are forgotten.

    Polls, proposals, issues and calls are redrawn from the database; `messages` (channel, ts) are posts
    that cannot be rebuilt (an announcement, a digest) and have the member's name taken out.
    """

    polls: set[int] = field(default_factory=set)
    proposals: set[int] = field(default_factory=set)
    issues: set[int] = field(default_factory=set)
    calls: set[int] = field(default_factory=set)
    messages: set[tuple[str, str]] = field(default_factory=set)

    def add(self, other: Redraw) -> Redraw:
        self.polls |= other.polls
        self.proposals |= other.proposals
        self.issues |= other.issues
        self.calls |= other.calls
        self.messages |= other.messages
        return self


RedrawFinder = Callable[[Session, str, str], Redraw]


# ---- The declarations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Declared:
    table: Table
    column: Column
    personal: Personal


def declared_columns() -> list[_Declared]:
    """Every column that refers to a member, in table dependency order."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            personal = column.info.get("personal")
            if isinstance(personal, Personal):
                if "team_id" not in table.columns:
                    raise TypeError(f"{table.name} refers to members but has no team_id to scope them")
                found.append(_Declared(table, column, personal))
    return found


def _refers(declared: _Declared, user_id: str) -> ColumnElement[bool]:
    """Rows where this column (or, for a data column, its owner) refers to the member."""
    column = declared.table.columns[declared.personal.owner] if declared.personal.owner else declared.column
    if declared.personal.in_key:
        # Keys name members as whole `:U…` parts: `poll-reminder:42:U0123`.
        return or_(column.like(f"%:{user_id}"), column.like(f"%:{user_id}:%"))
    return column == user_id


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _refers_in_row(declared: _Declared, row: Any, user_id: str) -> bool:
    value = row._mapping[declared.personal.owner or declared.column.name]
    if value is None:
        return False
    if declared.personal.in_key:
        return f":{user_id}:" in f"{value}:"
    return bool(value == user_id)


def stored_rows(session: Session, team_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row in every table that refers to the member, table by table.

    A row also names other people sometimes (the author of an issue the member closed): those
    columns are left out unless Slack shows them to everyone anyway, so one member's export never
    reveals who wrote something anonymously.
    """
    by_table: dict[Table, list[_Declared]] = {}
    for declared in declared_columns():
        by_table.setdefault(declared.table, []).append(declared)
    out: dict[str, list[dict[str, Any]]] = {}
    for table, columns in by_table.items():
        direct = [d for d in columns if d.personal.owner is None]
        query = select(table).where(table.c.team_id == team_id, or_(*(_refers(d, user_id) for d in direct)))
        records = []
        for row in session.execute(query):
            hidden = {d.column.name for d in columns
                      if not _refers_in_row(d, row, user_id) and not (d.personal.shown_in_slack and d.personal.owner is None)}
            record = {name: _json(value) for name, value in row._mapping.items() if name not in hidden}
            record["_why"] = "; ".join(d.personal.meaning for d in direct if _refers_in_row(d, row, user_id))
            records.append(record)
        if records:
            out[table.name] = records
    return out


def references(session: Session, team_id: str, user_id: str) -> list[str]:
    """The declared columns that still refer to the member (`table.column`): empty once forgotten."""
    left = []
    for declared in declared_columns():
        if declared.personal.owner is not None:
            continue
        count = session.scalar(select(func.count()).select_from(declared.table).where(
            declared.table.c.team_id == team_id, _refers(declared, user_id)))
        if count:
            left.append(f"{declared.table.name}.{declared.column.name}")
    return left


def apply_declarations(session: Session, team_id: str, user_id: str) -> dict[str, int]:
    """Forget the member in every table as its columns declare; rows touched per table.

    Data columns go first (while their owner still names the member), then references are
    cleared or replaced, then the member's own rows are deleted, children before parents.
    """
    touched: dict[str, int] = {}

    def count(table: Table, rows: int | None) -> None:
        if rows:
            touched[table.name] = touched.get(table.name, 0) + int(rows)

    columns = declared_columns()
    owned = [d for d in columns if d.personal.owner is not None]
    kept = [d for d in columns if d.personal.owner is None and d.personal.forget is not Forget.DELETE_ROW]
    deleted = [d for d in columns if d.personal.owner is None and d.personal.forget is Forget.DELETE_ROW]
    for declared in owned + kept:
        value = declared.personal.replacement if declared.personal.forget is Forget.REPLACE else None
        scope = and_(declared.table.c.team_id == team_id, _refers(declared, user_id))
        if value is not None:
            scope = and_(scope, declared.column != value)
        result = session.execute(update(declared.table).where(scope).values({declared.column.name: value}))
        count(declared.table, rows_changed(result))
    for declared in reversed(deleted):
        result = session.execute(delete(declared.table).where(declared.table.c.team_id == team_id,
                                                              _refers(declared, user_id)))
        count(declared.table, rows_changed(result))
    return touched


# ---- my-data ----------------------------------------------------------------------------------


def export_profile(session: Session, team_id: str, user_id: str) -> PersonalData:
    member = MemberRepository(session).get(team_id, user_id)
    records: list[dict[str, Any]] = []
    if member is not None:
        records.append({
            "user_id": member.user_id,
            "name": member.name,
            "real_name": member.real_name,
            "display_name": member.display_name,
            "slack_time_zone": member.tz,
            "time_zone_override": member.tz_override,
            "organisation": member.organisation,
            "is_admin": member.is_admin,
            "is_owner": member.is_owner,
            "refreshed_at": member.refreshed_at.isoformat() if member.refreshed_at else None,
        })
    for absence in AbsenceRepository(session).for_member(team_id, user_id):
        records.append({"away_from": absence.starts_on.isoformat(), "away_until": absence.ends_on.isoformat(),
                        "note": absence.note})
    if session.get(Coordinator, (team_id, user_id)) is not None:
        records.append({"coordinator": True})
    return PersonalData("Profile", records)


def collect(session: Session, team_id: str, user_id: str, exporters: list[Exporter]) -> list[PersonalData]:
    """Every area's records about the member."""
    return [export(session, team_id, user_id) for export in exporters]


def as_json(sections: list[PersonalData], *, team_id: str, user_id: str, exported_at: str,
            rows: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """The export file's content: each area's summary, then every stored row that refers to them."""
    return json.dumps(
        {"team_id": team_id, "user_id": user_id, "exported_at": exported_at,
         "data": {section.area: section.records for section in sections},
         "stored_rows": rows or {}},
        indent=2, ensure_ascii=False, default=str,
    )


# ---- forget-me ---------------------------------------------------------------------------------


# How forget-me's reply groups what the declarations took care of.
_AREA_OF_TABLE = {"members": "Profile", "absences": "Profile", "coordinators": "Profile",
                  "dispatches": "Messages Convene sent you"}


@dataclass(frozen=True)
class Forgotten:
    """What forgetting did: rows touched per table, and the Slack messages to redraw."""

    rows: dict[str, int]  # rows deleted or anonymised, per area
    redraw: Redraw
    # How Slack messages showed the member, to take out of posts that cannot be rebuilt.
    names: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def names_of(member: Member | None) -> tuple[str, ...]:
    """How Slack messages may have shown the member: their names, and each with their organisation
    as a credit shows it ("Sam Jones (Riverside Trust)"), so that both go together."""
    if member is None:
        return ()
    names = {n for n in (member.real_name, member.display_name, member.name, member.label)
             if n and n != member.user_id and len(n) > 1}
    if member.organisation:
        names |= {f"{name} ({member.organisation})" for name in names}
    # Longest first, so "Ben Brown (Riverside)" goes before "Ben Brown", and that before "Ben".
    return tuple(sorted(names, key=len, reverse=True))


def forget(session: Session, team_id: str, user_id: str, forgetters: Iterable[tuple[str, Forgetter]], *,
           redraw: Iterable[RedrawFinder], now: datetime) -> Forgotten:
    """Delete or anonymise everything about the member, as the declarations say, and remember
    (as a keyed hash only) that they asked, so that Convene leaves them out until they come back."""
    names = names_of(MemberRepository(session).get(team_id, user_id))
    found = Redraw()
    for finder in redraw:
        found.add(finder(session, team_id, user_id))
    rows: dict[str, int] = {}
    for area, forgetter in forgetters:
        rows[area] = forgetter(session, team_id, user_id)
    session.flush()
    for table, touched in apply_declarations(session, team_id, user_id).items():
        area = _AREA_OF_TABLE.get(table, table.replace("_", " ").capitalize())
        rows[area] = rows.get(area, 0) + touched
    left = references(session, team_id, user_id)
    if left:
        raise RuntimeError(f"Forgetting a member left references in {', '.join(left)}")
    privacy.remember_forgotten(session, team_id, user_id, now=now)
    return Forgotten(rows, found, names)


def redact(value: Any, user_id: str, names: Iterable[str], *, replacement: str = FORMER_MEMBER) -> Any:
    """`value` (text, or a message's blocks) with the member's mentions and names taken out."""
    patterns = [re.compile(rf"<@{re.escape(user_id)}(\|[^>]*)?>")]
    patterns += [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in names]

    def clean(text: str) -> str:
        for pattern in patterns:
            text = pattern.sub(replacement, text)
        return text

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return clean(item)
        if isinstance(item, list):
            return [walk(part) for part in item]
        if isinstance(item, dict):
            return {key: walk(part) for key, part in item.items()}
        return item

    return walk(value)
