"""Every column that refers to a member says what my-data and forget-me do with it."""

from __future__ import annotations

import re

from sqlalchemy import Column

from storage.models import Base
from storage.models.personal import Forget, Personal

# Names that hold a member's Slack user ID in every table Convene has had so far.
LOOKS_LIKE_A_MEMBER = re.compile(
    r"(^|_)(user|author|member|actor|creator|requester|voter|owner|recipient)_ids?$"
    r"|^(user|author|member|creator|recipient)$|_by$"
)


def _columns() -> list[tuple[str, Column]]:  # type: ignore[type-arg]
    return [(table.name, column) for table in Base.metadata.sorted_tables for column in table.columns]


def test_every_column_that_looks_like_a_member_reference_is_declared() -> None:
    undeclared = [f"{table}.{column.name}" for table, column in _columns()
                  if LOOKS_LIKE_A_MEMBER.search(column.name) and "personal" not in column.info]
    assert undeclared == [], (
        "These columns look like they name a member but do not say what /convene my-data and "
        "/convene forget-me do with them: add info=personal(...) (storage/models/personal.py) "
        "or info=NOT_PERSONAL"
    )


def test_the_pattern_finds_the_columns_it_is_meant_to() -> None:
    for name in ("user_id", "author_id", "member_id", "closed_by", "added_by", "creator_id", "actor_id"):
        assert LOOKS_LIKE_A_MEMBER.search(name), name
    for name in ("team_id", "issue_id", "channel_id", "title", "number", "is_owner"):
        assert not LOOKS_LIKE_A_MEMBER.search(name), name


def test_declarations_are_consistent() -> None:
    for table, column in _columns():
        declared = column.info.get("personal")
        if declared is None:
            continue
        assert isinstance(declared, Personal), f"{table}.{column.name}"
        where = f"{table}.{column.name}"
        if declared.owner is not None:
            owner = column.table.columns[declared.owner]
            assert isinstance(owner.info.get("personal"), Personal), f"{where}: its owner is not declared"
        if declared.forget is Forget.CLEAR:
            assert column.nullable, f"{where} is cleared when its member is forgotten, so it must be nullable"
        if declared.forget is Forget.REPLACE:
            assert declared.replacement is not None, where
