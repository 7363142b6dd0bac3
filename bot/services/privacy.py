"""Remembering who asked to be forgotten without keeping their ID.

Each workspace has a random secret (`storage.models.privacy`). A forgotten member is stored as
HMAC-SHA256(secret, their user ID): fan-outs, directory refreshes and reminders check the IDs Slack
gives them against it and leave those members out, and the mark goes as soon as the member uses
Convene again (`handlers.middleware`). The hash cannot be turned back into the ID; someone holding
the database, and so the secret, can only test an ID they already know.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from storage.repositories.privacy import PrivacyRepository
from storage.repositories.workspaces import WorkspaceRepository


def _key(session: Session, team_id: str, *, now: datetime | None) -> bytes | None:
    """The workspace's secret; with `now`, made on first use (else None while there is none)."""
    repo = PrivacyRepository(session)
    secret = repo.secret(team_id)
    if secret is None and now is not None:
        WorkspaceRepository(session).get_or_create(team_id, now=now)
        secret = repo.add_secret(team_id, secrets.token_hex(32), now=now)
    return bytes.fromhex(secret) if secret is not None else None


def _digest(key: bytes, user_id: str) -> str:
    return hmac.new(key, b"forgotten-member:" + user_id.encode(), hashlib.sha256).hexdigest()


def remember_forgotten(session: Session, team_id: str, user_id: str, *, now: datetime) -> None:
    """Keep the member out of everything Convene does on its own, without keeping their ID."""
    key = _key(session, team_id, now=now)
    assert key is not None
    PrivacyRepository(session).add_forgotten(team_id, _digest(key, user_id), now=now)


def forgotten_among(session: Session, team_id: str, user_ids: Iterable[str]) -> set[str]:
    """Those of `user_ids` who asked to be forgotten and have not used Convene since."""
    ids = list(dict.fromkeys(user_ids))
    key = _key(session, team_id, now=None)
    if key is None or not ids:
        return set()
    by_digest = {_digest(key, user_id): user_id for user_id in ids}
    return {by_digest[digest] for digest in PrivacyRepository(session).forgotten_among(team_id, by_digest)}


def is_forgotten(session: Session, team_id: str, user_id: str) -> bool:
    return bool(forgotten_among(session, team_id, [user_id]))


def welcome_back(session: Session, team_id: str, user_id: str) -> bool:
    """The member is using Convene again: stop leaving them out. True when they had been forgotten."""
    key = _key(session, team_id, now=None)
    return key is not None and PrivacyRepository(session).remove_forgotten(team_id, _digest(key, user_id))
