"""Looking at everything Convene sent Slack, and everything it stored, for one member.

`Acting` sends requests as members while remembering whose trigger opened which modal, so that
`Sweep` can tell, for every call the bot made to the fake Slack, who could see it: the member alone
(their DM, their modal, their App Home, a reply only they see), everyone in a channel, or nobody
(Slack reading its own directory). `Sweep.leaks()` lists every place a member's ID, names or
organisation reached anyone but them, uploaded files included. `stored_mentions()` reads every
table of the database itself, the scheduler's included, for the same.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, text

from storage.db import Database
from tests.harness.bot import BotUnderTest
from tests.harness.fake_slack import Call, FakeSlack

EVERYONE = "everyone"

# Calls that show nothing to anybody: Slack answering the bot about its own workspace.
READS = frozenset({
    "auth.test", "users.info", "users.list", "users.profile.get", "users.conversations", "conversations.info",
    "conversations.members", "conversations.history", "conversations.replies", "conversations.list",
    "conversations.open", "chat.getPermalink", "team.info", "bots.info", "files.getUploadURLExternal",
    "files.info", "file_upload",
})

_triggers = itertools.count(1)


@dataclass(frozen=True)
class Person:
    """A member and every way Convene could give them away."""

    user_id: str
    name: str
    real_name: str
    display_name: str
    organisation: str

    @property
    def needles(self) -> tuple[str, ...]:
        return (self.user_id, self.name, self.real_name, self.display_name, self.organisation,
                self.real_name.split()[-1])

    def add_to(self, fake: FakeSlack) -> None:
        fake.add_user(self.user_id, name=self.name, real_name=self.real_name, display_name=self.display_name,
                      tz="Europe/London")


def dm_owner(channel: str | None) -> str | None:
    """The member a DM channel (or a user ID used as a channel) belongs to."""
    if not channel:
        return None
    if channel.startswith("U"):
        return channel
    if channel.startswith("D"):
        return "U" + channel[1:]
    return None


@dataclass
class Acting:
    """Sends requests as members, remembering which trigger (and so which modal) was whose."""

    bot: BotUnderTest
    triggers: dict[str, str] = field(default_factory=dict)

    def _trigger(self, user_id: str) -> str:
        trigger = f"{next(_triggers)}.{int(self.bot.clock().timestamp())}.sweep{user_id.lower()}"
        self.triggers[trigger] = user_id
        return trigger

    def command(self, command: str, text: str = "", *, user: str, channel: str = "CGROUP") -> Any:
        response = self.bot.slack.command(command, text, user_id=user, channel_id=channel,
                                          trigger_id=self._trigger(user))
        self.bot.drain()
        return response

    def click(self, action: dict[str, Any], *, user: str, **where: Any) -> Any:
        response = self.bot.slack.block_action(action, user_id=user, trigger_id=self._trigger(user), **where)
        self.bot.drain()
        return response

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Any:
        response = self.bot.slack.view_submission(view, values, user_id=user, trigger_id=self._trigger(user))
        self.bot.drain()
        return response

    def shortcut(self, message: dict[str, Any], *, user: str, channel: str = "CGROUP") -> Any:
        response = self.bot.slack.message_shortcut("issue_log_message", message, user_id=user, channel_id=channel,
                                                   trigger_id=self._trigger(user))
        self.bot.drain()
        return response

    def open_home(self, *, user: str) -> dict[str, Any]:
        self.bot.slack.app_home_opened(user_id=user)
        self.bot.drain()
        return self.bot.fake.home_views.get(user, {})

    def last_view(self) -> dict[str, Any]:
        return self.bot.fake.calls_to("views.open")[-1].json("view")


@dataclass(frozen=True)
class Sighting:
    call: str
    audience: str
    needle: str
    excerpt: str


class Sweep:
    """Who could see each call the bot made, and where a member's details reached others."""

    def __init__(self, fake: FakeSlack, acting: Acting) -> None:
        self.fake = fake
        self.acting = acting
        self.view_owners: dict[str, str] = {}
        for call in fake.calls:
            if call.method in ("views.open", "views.push") and call.response and call.response.get("view"):
                owner = acting.triggers.get(str(call.args.get("trigger_id")))
                if owner:
                    self.view_owners[call.response["view"]["id"]] = owner

    def audience(self, call: Call) -> str | None:
        """The one member `call` was addressed to, EVERYONE, or None for a read that shows nothing."""
        args = call.args
        if call.method in READS:
            return None
        if call.method == "response_url":
            context = self.fake.response_url_context(str(args.get("response_url_name")))
            if args.get("response_type") == "in_channel" or not context.get("user"):
                return EVERYONE
            return str(context["user"])
        if call.method == "chat.postEphemeral":
            return str(args.get("user"))
        if call.method in ("views.open", "views.push"):
            return self.acting.triggers.get(str(args.get("trigger_id")), EVERYONE)
        if call.method == "views.update":
            return self.view_owners.get(str(args.get("view_id")), EVERYONE)
        if call.method == "views.publish":
            return str(args.get("user_id"))
        channel = args.get("channel") or args.get("channel_id")
        if call.method == "files.completeUploadExternal" and not channel:
            channel = args.get("channels")
        owner = dm_owner(str(channel) if channel else None)
        return owner or EVERYONE

    def leaks(self, person: Person) -> list[Sighting]:
        """Every call and uploaded file that showed `person` to anyone but them."""
        found = []
        for call in self.fake.calls:
            audience = self.audience(call)
            if audience is None or audience == person.user_id:
                continue
            found += _sightings(call.method, audience, json.dumps(call.args, default=str, ensure_ascii=False), person)
        for upload in self.fake.files:
            audience = dm_owner(upload.get("channel_id")) or EVERYONE
            if audience == person.user_id:
                continue
            content = upload.get("content") or b""
            body = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
            found += _sightings(f"file {upload.get('filename')}", audience, body, person)
        return found

    def seen_by_themselves(self, person: Person) -> int:
        """How many calls addressed to the member alone mention them: proves the sweep can see them."""
        count = 0
        for call in self.fake.calls:
            if self.audience(call) == person.user_id and _sightings(
                    call.method, person.user_id, json.dumps(call.args, default=str, ensure_ascii=False), person):
                count += 1
        return count


def _sightings(where: str, audience: str, haystack: str, person: Person) -> list[Sighting]:
    lowered = haystack.lower()
    out = []
    for needle in person.needles:
        at = lowered.find(needle.lower())
        if at >= 0:
            out.append(Sighting(where, audience, needle, haystack[max(0, at - 80):at + 80]))
    return out


def stored_mentions(db: Database, person: Person) -> list[str]:
    """`table.column` of every stored value, in every table of the database, that holds the member."""
    found = []
    tables = inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        for table in tables:
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        haystack = bytes(value).decode("latin-1")
                    else:
                        haystack = str(value)
                    lowered = haystack.lower()
                    for needle in person.needles:
                        if needle.lower() in lowered:
                            found.append(f"{table}.{column} ({needle!r})")
    return sorted(set(found))


def messages_showing(fake: FakeSlack, person: Person, channels: Iterable[str]) -> list[str]:
    """Messages as Slack now shows them in `channels` (threads included) that show the member."""
    found = []
    for channel in channels:
        for message in fake.messages(channel):
            body = json.dumps({"text": message.get("text"), "blocks": message.get("blocks"),
                               "files": message.get("files")}, ensure_ascii=False).lower()
            for needle in person.needles:
                if needle.lower() in body:
                    found.append(f"{channel}/{message['ts']}: {needle!r} in {message.get('text', '')[:120]!r}")
    return found
