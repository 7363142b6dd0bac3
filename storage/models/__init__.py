"""Every table Convene keeps. Import models from here so Alembic sees them all."""

from storage.models.base import Base, UTCDateTime
from storage.models.ledger import Dispatch, ProcessedEvent
from storage.models.prompts import Prompt, PromptAnswer, PromptDelivery, PromptMember, PromptRound, PromptSettings
from storage.models.workspace import Absence, Coordinator, Member, Workspace

__all__ = [
    "Absence",
    "Base",
    "Coordinator",
    "Dispatch",
    "Member",
    "ProcessedEvent",
    "Prompt",
    "PromptAnswer",
    "PromptDelivery",
    "PromptMember",
    "PromptRound",
    "PromptSettings",
    "UTCDateTime",
    "Workspace",
]
