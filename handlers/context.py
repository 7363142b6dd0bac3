"""Who is asking: built once per request by a middleware, read by every listener.

`asking(context)` gives the request's `Asking`: the workspace, the acting member (with Slack's
view of them refreshed the first time it is needed), their time zone, the group's, and whether
they are a coordinator. Each is worked out at most once per request, and only when a listener
needs it, so a click that needs none of them costs nothing.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App, BoltContext, BoltResponse

from bot.runtime import Runtime
from bot.services.members import is_coordinator, member_zone, require_coordinator, workspace_zone
from storage.models import Member
from storage.repositories.workspaces import WorkspaceRepository

KEY = "convene_asking"


class Asking:
    """The person and workspace behind one request."""

    def __init__(self, runtime: Runtime, team_id: str, user_id: str | None) -> None:
        self._rt = runtime
        self.team_id = team_id
        self.user_id = user_id

    @cached_property
    def member(self) -> Member | None:
        """The acting member as Slack describes them now (admin flags, time zone)."""
        if not self.user_id:
            return None
        return self._rt.directory.ensure(self.team_id, self.user_id)

    @cached_property
    def home_zone(self) -> ZoneInfo:
        """The group's time zone: its setting in Slack, else CONVENE_TIMEZONE."""
        with self._rt.db.unit_of_work() as session:
            return workspace_zone(WorkspaceRepository(session).get(self.team_id), self._rt.home_zone)

    @cached_property
    def zone(self) -> ZoneInfo:
        """The acting member's time zone (their override, their Slack profile, else the group's)."""
        return member_zone(self.member, self.home_zone)

    @cached_property
    def is_coordinator(self) -> bool:
        if not self.user_id:
            return False
        self.member  # noqa: B018 - fresh admin flags first
        with self._rt.db.unit_of_work() as session:
            return is_coordinator(session, self.team_id, self.user_id,
                                  configured=self._rt.settings.convene_coordinators)

    def require_coordinator(self, doing: str, *, looked_after: str | None = None) -> None:
        """NotAllowed unless the acting member is a coordinator (the one guard, with fresh flags)."""
        if self.is_coordinator:
            return
        with self._rt.db.unit_of_work() as session:
            require_coordinator(session, self.team_id, self.user_id or "", self._rt.settings.convene_coordinators,
                                doing, looked_after=looked_after)


def asking(context: BoltContext) -> Asking:
    return context[KEY]


def register(app: App, runtime: Runtime) -> None:
    def know_who_is_asking(body: dict[str, Any], context: BoltContext, next: Any) -> BoltResponse | None:
        team_id = context.team_id or body.get("team_id") or (body.get("team") or {}).get("id") or ""
        context[KEY] = Asking(runtime, team_id, context.user_id)
        return next()

    app.middleware(know_who_is_asking)
