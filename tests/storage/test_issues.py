"""The register on a real database (SQLite and PostgreSQL): numbering, constraints, queries."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.services import issues
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.issues import AlreadyLogged, Credit, IssueDraft, Source
from storage.db import Database
from storage.models import Issue, IssueVote

T1 = "T0CONVENE"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def add(db: Database, title: str, *, team: str = T1, author: str = "UALICE", at: datetime = NOW,
        tags: tuple[str, ...] = (), credit: Credit = Credit.NAMED, origin: str | None = None) -> Issue:
    with db.unit_of_work() as session:
        return issues.create_issue(session, team, IssueDraft(title=title, tags=tags, credit=credit),
                                   author_id=author, now=at, origin=origin)


def run_together(count: int, work) -> list[BaseException]:
    """Start `count` threads on `work(i)` at the same moment; the exceptions they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as error:  # collected and asserted on by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_numbers_are_unique_and_gapless_when_issues_are_added_at_the_same_moment(db: Database) -> None:
    def add_five(i: int) -> None:
        for j in range(5):
            add(db, f"Concurrent issue {i}-{j}", author=f"U{i:07d}")

    assert run_together(8, add_five) == []
    with db.unit_of_work() as session:
        numbers = sorted(session.scalars(select(Issue.number).where(Issue.team_id == T1)))
    assert numbers == list(range(1, 41))


def test_each_workspace_numbers_its_own_issues(db: Database) -> None:
    assert add(db, "First here").number == 1
    assert add(db, "First there", team="T0OTHER").number == 1
    assert add(db, "Second here").number == 2


def test_the_database_refuses_a_repeated_number_or_a_second_plus_one(db: Database) -> None:
    first = add(db, "Short contracts")
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(Issue(team_id=T1, number=first.number, title="x", detail="", credit="named", status="open",
                              terms="", revision=1, card_revision=0, created_at=NOW, updated_at=NOW))
    with db.unit_of_work() as session:
        session.add(IssueVote(issue_id=first.id, user_id="UBEN", team_id=T1, created_at=NOW))
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(IssueVote(issue_id=first.id, user_id="UBEN", team_id=T1, created_at=NOW))


def test_plus_ones_at_the_same_moment_are_all_counted_once(db: Database) -> None:
    issue = add(db, "Procurement portals")

    def plus_one(i: int) -> None:
        with db.unit_of_work() as session:
            issues.add_plus_one(session, T1, issue.id, f"U{i:07d}", now=NOW)

    assert run_together(10, plus_one) == []
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(IssueVote)) == 10
        assert issues.card(session, T1, issue.id).summary.plus_ones == 10
        assert session.get(Issue, issue.id).revision == 11

    def take_back(i: int) -> None:
        with db.unit_of_work() as session:
            issues.withdraw_plus_one(session, T1, issue.id, f"U{i:07d}", now=NOW)

    assert run_together(10, take_back) == []
    with db.unit_of_work() as session:
        assert session.get(Issue, issue.id).plus_ones == 0


def test_a_double_click_never_counts_twice(db: Database) -> None:
    issue = add(db, "Evidence nobody reads")
    results = []

    def click(_i: int) -> None:
        with db.unit_of_work() as session:
            results.append(issues.add_plus_one(session, T1, issue.id, "UBEN", now=NOW))

    assert run_together(4, click) == []
    with db.unit_of_work() as session:
        assert issues.card(session, T1, issue.id).summary.plus_ones == 1
        assert session.get(Issue, issue.id).revision == 2, "only the +1 that counted changed the card"
    assert sorted(r.changed for r in results) == [False, False, False, True]
    assert all(r.supported and r.count == 1 for r in results)


def test_withdrawing_twice_at_once_takes_one_plus_one_away(db: Database) -> None:
    issue = add(db, "Tenders with two weeks to respond")
    with db.unit_of_work() as session:
        issues.add_plus_one(session, T1, issue.id, "UBEN", now=NOW)
        issues.add_plus_one(session, T1, issue.id, "UALICE", now=NOW)

    def withdraw(_i: int) -> None:
        with db.unit_of_work() as session:
            issues.withdraw_plus_one(session, T1, issue.id, "UBEN", now=NOW)

    assert run_together(4, withdraw) == []
    with db.unit_of_work() as session:
        assert session.get(Issue, issue.id).plus_ones == 1
        assert list(session.scalars(select(IssueVote.user_id))) == ["UALICE"]


def test_one_issue_per_origin(db: Database) -> None:
    made = add(db, "From an answer", origin="prompt-answer:42")
    with pytest.raises(AlreadyLogged) as again:
        add(db, "From the same answer", origin="prompt-answer:42")
    assert again.value.number == made.number
    with db.unit_of_work() as session:
        assert issues.created_from(session, T1, "prompt-answer:42").number == made.number
        assert issues.created_from(session, T1, "prompt-answer:43") is None
        assert session.scalar(select(Issue.number).where(Issue.number == 2)) is None, "no number was used up"


def test_an_invalid_draft_stores_nothing(db: Database) -> None:
    with pytest.raises(InvalidInput):
        add(db, "x")
    with db.unit_of_work() as session:
        assert session.scalars(select(Issue)).all() == []
    assert add(db, "Now a real one").number == 1


def test_what_the_digest_reads_new_issues_in_a_period_and_top_issues(db: Database) -> None:
    add(db, "Last week", at=NOW - timedelta(days=8))
    second = add(db, "This week, anonymous", at=NOW - timedelta(days=2), credit=Credit.ANONYMOUS, tags=("nhs",))
    third = add(db, "Today", at=NOW)
    with db.unit_of_work() as session:
        for user in ("UBEN", "UADMIN"):
            issues.add_plus_one(session, T1, third.id, user, now=NOW)
        issues.add_plus_one(session, T1, second.id, "UBEN", now=NOW)
        fresh = issues.new_issues(session, T1, since=NOW - timedelta(days=7), until=NOW + timedelta(seconds=1))
        top = issues.top_issues(session, T1, limit=2)
    assert [i.number for i in fresh] == [2, 3]
    assert fresh[0].attribution.line() == "Raised anonymously" and fresh[0].tags == ("nhs",)
    assert [(i.number, i.plus_ones) for i in top] == [(3, 2), (2, 1)]


def test_closing_needs_the_author_or_a_coordinator(db: Database) -> None:
    issue = add(db, "Contract variations without notice")
    with db.unit_of_work() as session, pytest.raises(NotAllowed):
        issues.close(session, T1, issue.number, "Done", actor_id="UBEN", now=NOW, acting_is_coordinator=False)
    with db.unit_of_work() as session:
        issues.close(session, T1, issue.number, "Done", actor_id="UCOORD", now=NOW, acting_is_coordinator=True)
    with db.unit_of_work() as session:
        assert session.get(Issue, issue.id).status == "closed"


def test_a_logged_message_credits_its_writer_only_when_they_say(db: Database) -> None:
    with db.unit_of_work() as session:
        issue = issues.create_issue(session, T1, IssueDraft(title="Youth contract cut", credit=Credit.PENDING),
                                    author_id="UBEN", logged_by="UALICE", now=NOW,
                                    source=Source("CGROUP", "1.2", "https://x/p12"), origin="message:CGROUP:1.2")
    with db.unit_of_work() as session:
        shown = issues.card(session, T1, issue.id).summary
        assert shown.attribution.credit == Credit.PENDING and shown.source_permalink is None
        with pytest.raises(NotAllowed):
            issues.choose_credit(session, T1, issue.id, "UALICE", Credit.NAMED, now=NOW)
    with db.unit_of_work() as session:
        issues.choose_credit(session, T1, issue.id, "UBEN", Credit.NAMED, now=NOW)
    with db.unit_of_work() as session:
        shown = issues.card(session, T1, issue.id).summary
        assert shown.attribution.line() == "Raised by UBEN" and shown.source_permalink == "https://x/p12"


def test_forgetting_a_member_takes_their_plus_ones_off_the_counts(db: Database) -> None:
    from bot.services.issues_export import forget_member

    first, second = add(db, "One issue"), add(db, "Another issue", author="UBEN")
    with db.unit_of_work() as session:
        for issue in (first, second):
            issues.add_plus_one(session, T1, issue.id, "UALICE", now=NOW)
            issues.add_plus_one(session, T1, issue.id, "UBEN", now=NOW)
    with db.unit_of_work() as session:
        forget_member(session, T1, "UALICE")
    with db.unit_of_work() as session:
        assert [session.get(Issue, i.id).plus_ones for i in (first, second)] == [1, 1]
        assert set(session.scalars(select(IssueVote.user_id))) == {"UBEN"}
        stored = session.get(Issue, first.id)
        assert (stored.author_id, stored.credit) == (None, "anonymous")


def test_one_form_submitted_twice_at_once_adds_one_issue(db: Database) -> None:
    from bot.services.errors import NotFound
    from bot.services.issues import IssuePrefill

    with db.unit_of_work() as session:
        form = issues.start_form(session, T1, "UALICE", IssuePrefill(title="Short contracts"), now=NOW)
    draft = IssueDraft(title="Short contracts kill continuity")

    def submit(_i: int) -> None:
        with db.unit_of_work() as session:
            row = issues.form_for(session, T1, "UALICE", form.token, now=NOW)
            issues.save_form(session, T1, "UALICE", row, draft, now=NOW)

    errors = run_together(4, submit)
    assert errors and all(isinstance(error, NotFound) for error in errors)
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Issue)) == 1
