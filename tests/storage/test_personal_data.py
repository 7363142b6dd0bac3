"""my-data and forget-me as the declarations drive them, on a real database; and how a forgotten
member is remembered (a keyed hash, never their ID)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from bot.services import issues, personal_data, privacy
from bot.services.issues import Credit, IssueDraft, Source
from storage.db import Database
from storage.models import Coordinator, ForgottenMember, Issue, Member
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

T = "T0CONVENE"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _members(db: Database, *user_ids: str) -> None:
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(T, now=NOW)
        for user_id in user_ids:
            MemberRepository(session).upsert_from_slack(T, user_id, {"name": user_id.lower(),
                                                                    "real_name": f"{user_id.title()} Person"}, now=NOW)


def _anonymous_issue_closed_by_ben(db: Database) -> int:
    with db.unit_of_work() as session:
        issue = issues.create_issue(session, T, IssueDraft(title="Short contracts kill continuity",
                                                           credit=Credit.ORGANISATION, organisation="Riverside Trust"),
                                    author_id="UALICE", now=NOW, source=Source("CGROUP", "1.2", "https://x/p12"))
        issue.closed_by, issue.status, issue.resolution = "UBEN", "closed", "Raised with the ICB"
        return issue.id


def test_a_members_rows_never_show_who_wrote_something_anonymously(db: Database) -> None:
    _members(db, "UALICE", "UBEN")
    _anonymous_issue_closed_by_ben(db)
    with db.unit_of_work() as session:
        bens = personal_data.stored_rows(session, T, "UBEN")
        alices = personal_data.stored_rows(session, T, "UALICE")
    [closed] = bens["issues"]
    assert closed["closed_by"] == "UBEN" and closed["title"] == "Short contracts kill continuity"
    assert "author_id" not in closed and "organisation" not in closed and "source_permalink" not in closed
    assert "an issue you closed" in closed["_why"]
    [raised] = alices["issues"]
    assert (raised["author_id"], raised["organisation"], raised["source_permalink"]) == (
        "UALICE", "Riverside Trust", "https://x/p12")
    assert raised["closed_by"] == "UBEN", "who closed it is shown to everyone in Slack anyway"


def test_forgetting_applies_every_declaration_and_leaves_no_reference(db: Database) -> None:
    _members(db, "UALICE", "UBEN", "UADMIN")
    issue_id = _anonymous_issue_closed_by_ben(db)
    with db.unit_of_work() as session:
        session.add(Coordinator(team_id=T, user_id="UBEN", added_by="UALICE", added_at=NOW))
        session.add(Coordinator(team_id=T, user_id="UALICE", added_by="UADMIN", added_at=NOW))
        assert set(personal_data.references(session, T, "UALICE")) >= {"issues.author_id", "members.user_id",
                                                                       "coordinators.added_by", "coordinators.user_id"}
        touched = personal_data.apply_declarations(session, T, "UALICE")
        assert touched["issues"] >= 1 and touched["members"] == 1
        assert personal_data.references(session, T, "UALICE") == []
    with db.unit_of_work() as session:
        issue = session.get(Issue, issue_id)
        assert (issue.author_id, issue.credit, issue.organisation, issue.source_permalink, issue.source_ts) == (
            None, "anonymous", None, None, None)
        assert issue.closed_by == "UBEN", "someone else's part in the issue stays"
        assert session.get(Coordinator, (T, "UBEN")).added_by is None
        assert session.get(Coordinator, (T, "UALICE")) is None
        assert session.get(Member, (T, "UALICE")) is None and session.get(Member, (T, "UBEN")) is not None


def test_a_forgotten_member_is_remembered_only_as_a_keyed_hash(db: Database) -> None:
    _members(db, "UALICE")
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create("T2", now=NOW)
        privacy.remember_forgotten(session, T, "UALICE", now=NOW)
        privacy.remember_forgotten(session, "T2", "UALICE", now=NOW)
    with db.unit_of_work() as session:
        digests = list(session.scalars(select(ForgottenMember.digest)))
        assert len(set(digests)) == 2, "each workspace's own secret makes a different hash"
        assert all("UALICE" not in digest and len(digest) == 64 for digest in digests)
        assert privacy.forgotten_among(session, T, ["UALICE", "UBEN"]) == {"UALICE"}
        assert privacy.welcome_back(session, T, "UALICE") is True
        assert privacy.forgotten_among(session, T, ["UALICE"]) == set()
        assert privacy.welcome_back(session, T, "UALICE") is False
        assert privacy.is_forgotten(session, "T2", "UALICE"), "forgetting is per workspace"


def test_forget_refuses_to_leave_a_reference_behind(db: Database) -> None:
    _members(db, "UALICE")
    with db.unit_of_work() as session:
        forgotten = personal_data.forget(session, T, "UALICE", [], redraw=[], now=NOW)
    assert forgotten.rows == {"Profile": 1} and forgotten.names[0] == "Ualice Person"
    with db.unit_of_work() as session:
        assert personal_data.references(session, T, "UALICE") == []
        assert privacy.is_forgotten(session, T, "UALICE")


def test_redacting_takes_out_mentions_and_whole_names_only() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn",
                                            "text": "Thank you <@UBEN> and <@UBEN|ben>! Ben Brown (Eastside) and Ben; Bench stays."}}]
    cleaned = personal_data.redact(blocks, "UBEN", ("Ben Brown (Eastside)", "Ben Brown", "Ben"))
    text = cleaned[0]["text"]["text"]
    assert text == ("Thank you a former member and a former member! a former member and a former member; "
                    "Bench stays.")
