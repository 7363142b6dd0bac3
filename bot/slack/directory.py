"""Members as Slack describes them, cached in the database and refreshed when stale.

Someone who asked Convene to forget them is never stored again from here, whatever Slack lists:
until they use Convene again they are handed out as a stand-in (not stored, deactivated, named
"a former member"), so audiences leave them out and nothing re-creates their row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import privacy
from bot.services.attribution import FORMER_MEMBER
from storage.db import Database
from storage.models import Member
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=24)
# Past this many stale members one paged users.list is cheaper than one users.info each.
BULK_REFRESH_THRESHOLD = 20


def profile_from_slack(user: dict[str, Any]) -> dict[str, object]:
    """The fields Convene keeps from a users.info / users.list user object."""
    profile = user.get("profile") or {}
    return {
        "name": user.get("name") or "",
        "real_name": user.get("real_name") or profile.get("real_name") or "",
        "display_name": profile.get("display_name") or "",
        "tz": user.get("tz"),
        "is_admin": user.get("is_admin", False),
        "is_owner": user.get("is_owner", False),
        "is_bot": user.get("is_bot", False) or user.get("id") == "USLACKBOT",
        "deleted": user.get("deleted", False),
    }


def forgotten_stand_in(team_id: str, user_id: str) -> Member:
    """Who a forgotten member is to Convene until they come back: nobody it may message or name."""
    return Member(team_id=team_id, user_id=user_id, name="", real_name="", display_name=FORMER_MEMBER.capitalize(),
                  tz=None, is_admin=False, is_owner=False, is_bot=False, deleted=True, organisation=None,
                  tz_override=None, refreshed_at=None)


class MemberDirectory:
    """Looks members up in the cache first and asks Slack only for those unknown or stale."""

    def __init__(self, client: WebClient, db: Database, clock: Clock) -> None:
        self.client = client
        self.db = db
        self.clock = clock

    def ensure(self, team_id: str, user_id: str) -> Member:
        """The member, refreshed from `users.info` when unknown or older than a day."""
        return self.ensure_many(team_id, [user_id])[user_id]

    def ensure_many(self, team_id: str, user_ids: Iterable[str]) -> dict[str, Member]:
        ids = list(dict.fromkeys(user_ids))
        now = self.clock()
        with self.db.unit_of_work() as session:
            WorkspaceRepository(session).get_or_create(team_id, now=now)
            forgotten = privacy.forgotten_among(session, team_id, ids)
            ids = [user_id for user_id in ids if user_id not in forgotten]
            known = MemberRepository(session).many(team_id, ids)
        stale = [
            user_id
            for user_id in ids
            if user_id not in known
            or known[user_id].refreshed_at is None
            or now - known[user_id].refreshed_at > STALE_AFTER  # type: ignore[operator]
        ]
        if len(stale) > BULK_REFRESH_THRESHOLD:
            self.refresh_all(team_id)
        else:
            for user_id in stale:
                self._refresh_one(team_id, user_id)
        with self.db.unit_of_work() as session:
            found = MemberRepository(session).many(team_id, ids)
        missing = [user_id for user_id in ids if user_id not in found]
        if missing:
            # Slack could not describe them (user_not_found): remember them as bare IDs.
            with self.db.unit_of_work() as session:
                repo = MemberRepository(session)
                for user_id in missing:
                    found[user_id] = repo.upsert_from_slack(team_id, user_id, {"name": user_id}, now=now)
        found.update({user_id: forgotten_stand_in(team_id, user_id) for user_id in forgotten})
        return found

    def refresh_all(self, team_id: str) -> int:
        """Refresh every member from the paged `users.list`; returns how many were stored."""
        count = 0
        for page in self.client.users_list(limit=200):
            now = self.clock()
            users = page.get("members", [])
            with self.db.unit_of_work() as session:
                repo = MemberRepository(session)
                forgotten = privacy.forgotten_among(session, team_id, [user["id"] for user in users])
                for user in users:
                    if user["id"] not in forgotten:
                        repo.upsert_from_slack(team_id, user["id"], profile_from_slack(user), now=now)
                        count += 1
        return count

    def _refresh_one(self, team_id: str, user_id: str) -> None:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return
        with self.db.unit_of_work() as session:
            MemberRepository(session).upsert_from_slack(team_id, user_id, profile_from_slack(user), now=self.clock())

    def channel_member_ids(self, channel_id: str) -> list[str]:
        """Every member of a channel, across `conversations.members` pages."""
        ids: list[str] = []
        for page in self.client.conversations_members(channel=channel_id, limit=200):
            ids.extend(page.get("members", []))
        return ids

    def audience(self, team_id: str, channel_id: str) -> list[Member]:
        """The people in a channel Convene may message: no bots, no deactivated accounts."""
        members = self.ensure_many(team_id, self.channel_member_ids(channel_id))
        return [member for member in members.values() if not member.is_bot and not member.deleted]
