"""Every table Convene keeps. Import models from here so Alembic sees them all."""

from storage.models.base import Base, UTCDateTime
from storage.models.issues import Issue, IssueCounter, IssueEvent, IssueTag, IssueVote
from storage.models.ledger import Dispatch, ProcessedEvent
from storage.models.workspace import Absence, Coordinator, Member, Workspace

__all__ = [
    "Absence",
    "Base",
    "Coordinator",
    "Dispatch",
    "Issue",
    "IssueCounter",
    "IssueEvent",
    "IssueTag",
    "IssueVote",
    "Member",
    "ProcessedEvent",
    "UTCDateTime",
    "Workspace",
]
