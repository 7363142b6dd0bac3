"""Which columns refer to a member, and what `/convene my-data` and `/convene forget-me` do with them.

Every column that holds a member's Slack user ID, or data that is a member's own in a row that
outlives them (the organisation an issue credits, the link to the message it came from), says so
with `info=personal(...)`. `bot.services.personal_data` reads nothing else: my-data exports every
row in which one of these columns refers to the member, and forget-me applies each column's
treatment. `tests/storage/test_personal_declarations.py` fails when a column that looks like a
reference to a member (`*_by`, `user_id`, `author_id`…) is not declared, so a new feature cannot
forget to say what happens to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Forget(StrEnum):
    """What `/convene forget-me` does to a row where the column refers to the member."""

    DELETE_ROW = "delete the row"  # the row is the member's own (a vote, an answer, their profile)
    CLEAR = "clear it"  # the row stays with the group; the column becomes NULL
    REPLACE = "replace it with an anonymous marker"  # for a column that cannot be NULL


@dataclass(frozen=True)
class Personal:
    """A column's link to a member.

    `meaning` is how my-data describes the row ("a poll you closed"). A column with `owner` holds
    the data of the member named in that other column of the same row (an issue's organisation
    is its author's); it is exported and forgotten when that column refers to the member.
    `in_key` marks a ledger key that names members as `:U…` parts. `shown_in_slack` says the
    reference is public in Slack anyway (a poll's creator, a coordinator), so my-data may show
    it to the member whose row it is even when it names someone else.
    """

    forget: Forget
    meaning: str
    owner: str | None = None
    replacement: Any = None
    in_key: bool = False
    shown_in_slack: bool = False


def personal(forget: Forget, meaning: str, **details: Any) -> dict[str, Personal]:
    """The `info=` of a column that refers to a member."""
    declared = Personal(forget, meaning, **details)
    if (forget is Forget.REPLACE) != (declared.replacement is not None):
        raise ValueError("A replacement is given exactly when the treatment is REPLACE")
    return {"personal": declared}


NOT_PERSONAL: dict[str, None] = {"personal": None}
"""For a column whose name looks like a member reference but is not one."""
