"""Every table Convene keeps. Import models from here so Alembic sees them all."""

from storage.models.availability import AvailabilityProfile, WeeklySlot
from storage.models.base import Base, UTCDateTime
from storage.models.digest import DigestRun, DigestSettings
from storage.models.installations import TokenRefresh
from storage.models.issues import Issue, IssueCounter, IssueEvent, IssueForm, IssueTag, IssueVote
from storage.models.ledger import Dispatch, ProcessedEvent
from storage.models.polls import Poll, PollInvitee, PollOption, PollVote
from storage.models.privacy import ForgottenMember, WorkspaceSecret
from storage.models.processes import Heartbeat, StandingJobRun
from storage.models.prompts import Prompt, PromptAnswer, PromptDelivery, PromptMember, PromptRound, PromptSettings
from storage.models.proposals import Proposal, ProposalInvitee, ProposalIssue, ProposalPosition
from storage.models.volunteering import VolunteerCall, VolunteerResponse
from storage.models.workspace import Absence, Coordinator, Member, Workspace

__all__ = [
    "Absence",
    "AvailabilityProfile",
    "Base",
    "Coordinator",
    "DigestRun",
    "DigestSettings",
    "Dispatch",
    "ForgottenMember",
    "Heartbeat",
    "Issue",
    "IssueCounter",
    "IssueEvent",
    "IssueForm",
    "IssueTag",
    "IssueVote",
    "Member",
    "Poll",
    "PollInvitee",
    "PollOption",
    "PollVote",
    "ProcessedEvent",
    "Proposal",
    "ProposalInvitee",
    "ProposalIssue",
    "ProposalPosition",
    "Prompt",
    "PromptAnswer",
    "PromptDelivery",
    "PromptMember",
    "PromptRound",
    "PromptSettings",
    "StandingJobRun",
    "TokenRefresh",
    "UTCDateTime",
    "VolunteerCall",
    "VolunteerResponse",
    "WeeklySlot",
    "Workspace",
    "WorkspaceSecret",
]
