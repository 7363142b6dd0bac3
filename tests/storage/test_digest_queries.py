"""Gathering the digest takes the same few queries for a month-old group as for a busy one."""

from __future__ import annotations

from bench.digest import build, seed_history
from storage.db import Database
from tests.harness.databases import empty_all_tables


def test_the_digest_takes_a_fixed_small_number_of_queries_whatever_the_size(db: Database) -> None:
    seed_history(db, members=6, issue_count=30, plus_ones=40, answer_count=100, poll_count=10, weeks=4)
    small, small_statements = build(db)
    empty_all_tables(db)
    seed_history(db, members=25, issue_count=800, plus_ones=3000, answer_count=4000, poll_count=80, weeks=52)
    large, large_statements = build(db)

    assert [s.key for s in small.sections] == [s.key for s in large.sections]
    assert len(large.sections) == 7, "every section should have something to say, or this proves little"
    # One statement per section's list (its details joined in), whatever the size: a query per item
    # would make hundreds, and a second query per section would pass twelve.
    assert large_statements == small_statements
    assert large_statements <= 12
