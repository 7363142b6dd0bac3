"""A fake Slack Web API on loopback, for testing the bot without Slack.

``FakeSlack`` is a small threaded HTTP server that answers the Web API methods
the bot uses the way Slack does (response shapes, error codes, paging), keeps
the resulting workspace state (messages, files, views) for tests to inspect,
checks every call against Slack's OpenAPI spec and Block Kit rules, and can
inject failures (errors, HTTP 429 rate limits, slow answers).

Typical use::

    with FakeSlack() as fake:
        fake.add_user("U1", name="alice", tz="Europe/London")
        fake.add_channel("C1", name="wg-commissioning", members=["U1"])
        client = WebClient(token=fake.bot_token, base_url=fake.url)
        ...  # run the bot against `client`
        assert fake.messages("C1")[-1]["text"] == "Hello"
        assert fake.problems == []

Everything the bot sends is recorded in ``fake.calls``; anything Slack would
have refused (or that real Slack would silently mangle) is also described in
``fake.problems``, which tests should assert is empty.

The constructor's workspace is the primary one; ``add_workspace`` registers
more, and the app can be installed through OAuth (``approve`` plays the
browser, ``oauth.v2.access`` exchanges the code, rotating tokens are refreshed
with ``grant_type=refresh_token``).  Each call is attributed to the workspace of
its token (``call.team_id``), and a call naming another workspace's channel,
user, message, view or file is refused and reported in ``fake.problems``.
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import html
import itertools
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .blockkit import message_problems, view_problems

__all__ = [
    "FakeSlack",
    "Call",
    "SpecNotFoundError",
    "find_spec_path",
    "load_spec_methods",
    "ALLOW_LISTED_METHODS",
    "REQUIRED_OVERRIDES",
    "REQUIRED_ONE_OF",
    "RETIRED_METHODS",
]

T = TypeVar("T")

DEFAULT_TEAM_ID = "T0CONVENE"
DEFAULT_BOT_USER_ID = "UBOT"
DEFAULT_BOT_TOKEN = "xoxb-fake-test-token"
BOT_ID = "B0CONVENE"
APP_ID = "A0CONVENE"
TEAM_NAME = "Convene Test"
TEAM_DOMAIN = "convene-test"
PERMALINK_HOST = "https://fake.slack.test"
DEFAULT_CLIENT_ID = "1111.2222"
DEFAULT_CLIENT_SECRET = "fake-client-secret"
DEFAULT_TOKEN_LIFETIME = 43200  # seconds: Slack's rotating tokens last 12 hours
OAUTH_CODE_LIFETIME = 600  # seconds: an OAuth code is good for 10 minutes

# --------------------------------------------------------------------------------
# The OpenAPI spec, and where it is wrong for today's Slack
# --------------------------------------------------------------------------------

SPEC_ENV_VAR = "SLACK_API_SPEC"
SPEC_FILENAME = "slack_web_openapi_v2.json"
# tests/harness/fake_slack.py -> parents[2] is the repository root; the spec lives
# in a sibling checkout, ../shared/slack-api-specs/, next to the repository.
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = REPO_ROOT.parent / "shared" / "slack-api-specs" / SPEC_FILENAME
TRIMMED_SPEC_PATH = Path(__file__).with_name("slack_web_api_methods.json")

# Methods Slack added after the spec snapshot (v1.7.0) was taken.  Values are the
# required arguments (token excluded).  Checked against the spec: none of these
# is in it.
ALLOW_LISTED_METHODS: dict[str, frozenset[str]] = {
    # Socket Mode: opens a WebSocket URL; takes the app-level (xapp-) token.
    "apps.connections.open": frozenset(),
    # The upload flow behind WebClient.files_upload_v2 (files.upload is retired).
    "files.getUploadURLExternal": frozenset({"filename", "length"}),
    "files.completeUploadExternal": frozenset({"files"}),
}

# Where the spec's `required` flags disagree with Slack's behaviour today.  Each
# entry *replaces* the spec's required set for that method (token excluded).
REQUIRED_OVERRIDES: dict[str, frozenset[str]] = {
    # The spec marks nothing required for the entire conversations.* family, but
    # Slack answers channel_not_found / invalid_arguments without these.
    "conversations.archive": frozenset({"channel"}),
    "conversations.close": frozenset({"channel"}),
    "conversations.create": frozenset({"name"}),
    "conversations.history": frozenset({"channel"}),
    "conversations.info": frozenset({"channel"}),
    "conversations.invite": frozenset({"channel", "users"}),
    "conversations.join": frozenset({"channel"}),
    "conversations.kick": frozenset({"channel", "user"}),
    "conversations.leave": frozenset({"channel"}),
    "conversations.mark": frozenset({"channel", "ts"}),
    "conversations.members": frozenset({"channel"}),
    "conversations.rename": frozenset({"channel", "name"}),
    "conversations.replies": frozenset({"channel", "ts"}),
    "conversations.setPurpose": frozenset({"channel", "purpose"}),
    "conversations.setTopic": frozenset({"channel", "topic"}),
    "conversations.unarchive": frozenset({"channel"}),
    # Spec: nothing required.  Slack needs the message's channel and ts.
    "chat.delete": frozenset({"channel", "ts"}),
    # Spec: nothing required.  Slack needs where and when (content is checked
    # separately, like chat.postMessage: text, blocks or attachments).
    "chat.scheduleMessage": frozenset({"channel", "post_at"}),
    "chat.meMessage": frozenset({"channel", "text"}),
    # Spec: only token.  users.info without `user` is user_not_found.
    "users.info": frozenset({"user"}),
    "files.info": frozenset({"file"}),
    "files.delete": frozenset({"file"}),
    # Spec: only channel.  Pinning files went away; a message timestamp is needed.
    "pins.add": frozenset({"channel", "timestamp"}),
    "pins.remove": frozenset({"channel", "timestamp"}),
    # Spec: trigger_id required, but Slack equally accepts interactivity_pointer
    # (see REQUIRED_ONE_OF); the view itself is what is always required.
    "views.open": frozenset({"view"}),
    "views.push": frozenset({"view"}),
    # Spec: only token.  An update without a view is invalid_arguments.
    "views.update": frozenset({"view"}),
    # See REQUIRED_ONE_OF.
    "oauth.v2.access": frozenset(),
}

# "At least one of" requirements that a flat `required` flag cannot express.
REQUIRED_ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    "views.open": (("trigger_id", "interactivity_pointer"),),
    "views.push": (("trigger_id", "interactivity_pointer"),),
    "views.update": (("view_id", "external_id"),),
    "conversations.open": (("users", "channel"),),
    # Spec: `code` required, but refreshing a rotating token sends refresh_token instead.
    "oauth.v2.access": (("code", "refresh_token"),),
}

# In the spec but no longer usable.  files.upload was retired for all apps on
# 2025-11-12 (apps created after 2024-05-16 could never call it); use
# WebClient.files_upload_v2, which this fake supports.
RETIRED_METHODS: dict[str, str] = {
    "files.upload": "method_deprecated",
}

# Methods that are called without the bot token.
NO_TOKEN_METHODS = frozenset({"api.test", "oauth.access", "oauth.v2.access", "oauth.token"})
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})

# Methods carrying a message body (validated as Block Kit on the message surface).
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"})


class SpecNotFoundError(FileNotFoundError):
    """The Slack OpenAPI spec FakeSlack validates against could not be found."""


def find_spec_path() -> Path:
    """Locate Slack's OpenAPI spec: ``$SLACK_API_SPEC``, else ``../shared/slack-api-specs/`` next to
    the repo, else the trimmed copy kept in the repository (see ``trim_spec.py``)."""
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise SpecNotFoundError(f"${SPEC_ENV_VAR} points at {override!r}, which is not a file.")
        return path
    if DEFAULT_SPEC_PATH.is_file():
        return DEFAULT_SPEC_PATH
    if TRIMMED_SPEC_PATH.is_file():
        return TRIMMED_SPEC_PATH
    raise SpecNotFoundError(
        f"FakeSlack needs Slack's OpenAPI spec ({SPEC_FILENAME}) to validate calls, but it is neither at "
        f"{DEFAULT_SPEC_PATH} nor at {TRIMMED_SPEC_PATH}. Point {SPEC_ENV_VAR} at the file."
    )


@lru_cache(maxsize=4)
def load_spec_methods(spec_path: str) -> dict[str, frozenset[str]]:
    """Map every method in the spec to its required arguments (``token`` excluded, as it may be a header)."""
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    methods: dict[str, frozenset[str]] = {}
    for path, operations in spec.get("paths", {}).items():
        required: set[str] = set()
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param.get("required") and param.get("name") != "token":
                    required.add(param["name"])
        methods[path.lstrip("/")] = frozenset(required)
    return methods


def _method_table(spec_path: Path) -> dict[str, frozenset[str]]:
    table = dict(load_spec_methods(str(spec_path)))
    table.update(REQUIRED_OVERRIDES)
    table.update(ALLOW_LISTED_METHODS)
    return table


# --------------------------------------------------------------------------------
# Recorded calls
# --------------------------------------------------------------------------------


@dataclass
class Call:
    """One HTTP request the bot made to the fake, and what the fake answered.

    ``method`` is the Web API method (``"chat.postMessage"``), or ``"response_url"``
    for a post to a response URL, or ``"file_upload"`` for the bytes of a
    files_upload_v2 upload.  ``args`` merges query string, form body and JSON
    body; JSON-encoded string values (``blocks``, ``view``...) are kept exactly as
    sent -- use :meth:`json` to decode them.  ``status``/``response`` are ``None``
    only while a delayed request is still being answered.  ``team_id`` is the
    workspace whose bot token the call carried (``None`` for calls without one,
    such as ``oauth.v2.access``, response-URL posts and uploads, or with a token
    the fake never issued).
    """

    method: str
    args: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    at: float
    status: int | None = None
    response: dict[str, Any] | None = None
    team_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when the fake answered HTTP 200 with ``ok: true``."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    def json(self, key: str) -> Any:
        """Decode ``args[key]`` whether it arrived as a JSON string or as a JSON value; ``None`` if absent."""
        value = self.args.get(key)
        if isinstance(value, (bytes, bytearray)):
            value = value.decode("utf-8")
        if isinstance(value, str):
            return json.loads(value)
        return value

    def __repr__(self) -> str:  # short, for assertion messages
        keys = ", ".join(sorted(self.args))
        error = self.response.get("error") if self.response else None
        outcome = f"{self.status}" + (f" {error}" if error else "")
        return f"<Call {self.method} [{keys}] -> {outcome}>"


class SlackError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Workspace:
    """A workspace the app is (or was) installed in, and its current credentials."""

    team_id: str
    team_name: str
    domain: str
    bot_user_id: str
    bot_id: str
    bot_token: str  # the access token issued last
    rotating: bool = False
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    refresh_token: str | None = None
    installed: bool = True
    scope: str = ""

    def info(self, tokens: Mapping[str, _Token]) -> dict[str, Any]:
        out: dict[str, Any] = {"team_id": self.team_id, "bot_token": self.bot_token, "bot_user_id": self.bot_user_id,
                               "bot_id": self.bot_id, "team_name": self.team_name}
        if self.rotating:
            token = tokens.get(self.bot_token)
            out.update(refresh_token=self.refresh_token, expires_at=token.expires_at if token else None)
        return out


@dataclass
class _Token:
    """An access token the fake issued: whose it is, until when it works, whether it was revoked."""

    team_id: str
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class _Countdown:
    """A fault that applies to the next ``remaining`` calls (None: until cleared)."""

    remaining: int | None
    params: dict[str, Any]

    def take(self) -> bool:
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


# --------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------


class FakeSlack:
    """A fake Slack Web API server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        team_id: str = DEFAULT_TEAM_ID,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_token: str = DEFAULT_BOT_TOKEN,
        *,
        bot_name: str = "convene",
        strict_directory: bool = False,
        seed_default_users: bool = True,
        clock: Callable[[], float] = time.time,
        spec_path: str | os.PathLike[str] | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ) -> None:
        """Create (but do not start) the fake.

        ``strict_directory``: when false (the default), posting to a well-formed but
        unknown channel ID (``C…``/``G…``/``D…``) or opening a DM with an unknown
        user simply works; when true, those answer ``channel_not_found`` /
        ``user_not_found`` as Slack would.  Lookups (users.info,
        conversations.info/members) always need the user/channel to be added.

        ``seed_default_users``: add the bot user and ``USLACKBOT`` to the directory,
        as real ``users.list`` answers include them (bots must filter them out).

        ``clock`` gives wall-clock seconds for message timestamps, ``post_at``
        checks and time-zone offsets; rotating tokens and OAuth codes expire on it
        too.  Raises :class:`SpecNotFoundError` if the OpenAPI spec is missing.

        ``team_id``/``bot_user_id``/``bot_token`` describe the primary workspace;
        more can be added with :meth:`add_workspace` or installed through OAuth
        (``client_id``/``client_secret`` are the app's credentials, see :meth:`approve`).
        """
        self._primary_args = (team_id, bot_user_id, bot_token)
        self.bot_name = bot_name
        self.client_id = client_id
        self.client_secret = client_secret
        # Where approve() sends the browser when the authorize URL carries no redirect_uri.
        self.redirect_uri: str | None = None
        self.strict_directory = strict_directory
        self.seed_default_users = seed_default_users
        self._clock = clock
        self.spec_path = Path(spec_path) if spec_path else find_spec_path()
        if not self.spec_path.is_file():
            raise SpecNotFoundError(f"Slack OpenAPI spec not found at {self.spec_path}")
        self._methods = _method_table(self.spec_path)

        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._socket_mode: Any = None  # a SocketModeServer once enable_socket_mode() is called
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)

        self._token_serial = itertools.count(1)
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._clear_activity()
        self._clear_faults_locked()
        self._register_primary()

        self._handlers: dict[str, Callable[[Call], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.conversations": self._users_conversations,
            "users.profile.get": self._users_profile_get,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.list": self._conversations_list,
            "conversations.join": self._conversations_join,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.deleteScheduledMessage": self._chat_delete_scheduled_message,
            "chat.scheduledMessages.list": self._chat_scheduled_messages_list,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.info": self._files_info,
            "files.delete": self._files_delete,
            "oauth.v2.access": self._oauth_v2_access,
        }

    # ---- lifecycle ---------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving on an ephemeral loopback port (idempotent); returns ``self``."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server(self)
            self._server = server
            # A short poll interval keeps stop() (and so each test's teardown) fast.
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="FakeSlack", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if self._socket_mode is not None:
            self._socket_mode.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on (only once started)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started; call start() first")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` -- the root of every URL the fake serves."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=fake.url)``."""
        return f"{self.base_url}/api/"

    def enable_socket_mode(self) -> Any:
        """Serve Socket Mode too: `apps.connections.open` then hands out URLs of a real WebSocket
        server (a :class:`tests.harness.socket_mode.SocketModeServer`, returned; stopped with the fake)."""
        from .socket_mode import SocketModeServer

        with self._lock:
            if self._socket_mode is None:
                self._socket_mode = SocketModeServer(app_id=APP_ID, on_problem=lambda reason: self._problem(
                    "socket_mode", reason.removeprefix("socket_mode: "))).start()
            return self._socket_mode

    def reset(self, directory: bool = False) -> None:
        """Forget calls, problems, faults, messages, files, views, OAuth codes and refresh-grant counts.

        Users, channels and workspaces (with their current tokens) are kept unless
        ``directory`` is true; then only the primary workspace remains, as the
        constructor made it.
        """
        with self._lock:
            self._clear_activity()
            self._clear_faults_locked()
            if directory:
                self._users.clear()
                self._channels.clear()
                self._register_primary()

    def _register_primary(self) -> None:
        """(Re)create the directory's workspaces from scratch: only the primary one, as constructed."""
        team_id, bot_user_id, bot_token = self._primary_args
        self._workspaces: dict[str, _Workspace] = {}
        self._tokens: dict[str, _Token] = {}
        self._refresh_tokens: dict[str, str] = {}  # refresh token -> team_id (only the valid ones)
        self._channel_teams: dict[str, str] = {}  # channel ID -> team_id, for the directory's channels and DMs
        self._primary_team_id = team_id
        self._register_workspace(_Workspace(
            team_id=team_id, team_name=TEAM_NAME, domain=TEAM_DOMAIN, bot_user_id=bot_user_id, bot_id=BOT_ID,
            bot_token=bot_token,
        ))
        if self.seed_default_users:
            # Real users.list answers include Slackbot, with is_bot false.
            self.add_user("USLACKBOT", name="slackbot", real_name="Slackbot", tz="America/Los_Angeles")

    def _clear_activity(self) -> None:
        self._calls: list[Call] = []
        self._problems: list[str] = []
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._scheduled: list[dict[str, Any]] = []
        self._files: list[dict[str, Any]] = []
        self._pending_uploads: dict[str, dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, dict[str, Any]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._last_ts_us = 0
        self._file_teams: dict[str, str] = {}  # file ID -> team_id of the workspace that uploaded it
        self._adopted: dict[str, str] = {}  # unknown channel/user ID -> team_id of the first workspace using it
        self._oauth_codes: dict[str, dict[str, Any]] = {}
        self._refresh_grants: dict[str, int] = {}
        self._caller: str | None = None  # team_id of the call being answered (None: the primary workspace)

    # ---- what the bot sent --------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every request so far, in arrival order (a snapshot copy)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        """The calls to one method (``"response_url"`` for response-URL posts); ``ok_only`` keeps successful ones."""
        with self._lock:
            return [c for c in self._calls if c.method == method and (not ok_only or c.ok)]

    @property
    def problems(self) -> list[str]:
        """Every spec / Block Kit / protocol violation seen, as ``"<method>: <reason>"``."""
        with self._lock:
            return list(self._problems)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages now in ``channel`` (ID, ``#name`` or a user ID for the bot's DM), oldest first.

        Includes thread replies (see ``thread_ts``).  Each dict has ``ts``,
        ``text``, ``blocks``, ``attachments``, ``user``, ``thread_ts``,
        ``metadata``, ``files``, ``reactions``, ``edited`` and ``channel`` keys.
        """
        with self._lock:
            channel_id = self._lookup_channel_id(channel)
            return copy.deepcopy(self._messages.get(channel_id, []))

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """The message at ``ts`` in ``channel``; raises ``KeyError`` if there is none."""
        for msg in self.messages(channel):
            if msg["ts"] == ts:
                return msg
        raise KeyError(f"no message with ts={ts} in {channel}")

    @property
    def files(self) -> list[dict[str, Any]]:
        """Completed uploads: ``id``, ``filename``, ``title``, ``content`` (bytes), ``channel_id``,
        ``channels``, ``initial_comment``, ``thread_ts``."""
        with self._lock:
            return copy.deepcopy(self._files)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """View ID -> current view, for every view opened, pushed, updated or published."""
        with self._lock:
            return copy.deepcopy(self._views)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """User ID -> the App Home view last published for that user."""
        with self._lock:
            return copy.deepcopy(self._home_views)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response-URL posts): ``channel``, ``user``, ``ts``, ``text``, ``blocks``."""
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def scheduled(self) -> list[dict[str, Any]]:
        """Messages scheduled with chat.scheduleMessage and not yet delivered or deleted."""
        with self._lock:
            return copy.deepcopy(self._scheduled)

    def deliver_scheduled(self, now: float | None = None) -> list[dict[str, Any]]:
        """Post every scheduled message whose ``post_at`` is at or before ``now`` (default: the clock)."""
        now = self._clock() if now is None else now
        delivered = []
        with self._lock:
            for item in [s for s in self._scheduled if s["post_at"] <= now]:
                self._scheduled.remove(item)
                bot_user_id = self._workspace_of_channel(item["channel"]).bot_user_id
                delivered.append(self._store_message(item["channel"], item["message_args"], user=bot_user_id))
        return copy.deepcopy(delivered)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, message: str | None = None) -> T:
        """Poll ``predicate()`` every 10 ms until it returns something truthy, and return that.

        On timeout raise ``AssertionError`` listing the most recent calls and problems.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                recent = "\n  ".join(repr(c) for c in self.calls[-15:]) or "(none)"
                problems = "\n  ".join(self.problems) or "(none)"
                raise AssertionError(
                    f"{message or 'condition not met'} within {timeout}s.\n"
                    f"Recent calls:\n  {recent}\nProblems:\n  {problems}"
                )
            time.sleep(0.01)

    # ---- workspaces ------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        """The primary workspace's team ID (the constructor's)."""
        return self._primary_team_id

    @property
    def bot_user_id(self) -> str:
        """The primary workspace's bot user ID."""
        return self._workspaces[self._primary_team_id].bot_user_id

    @property
    def bot_token(self) -> str:
        """The primary workspace's bot token (the one issued last, if it was re-installed through OAuth)."""
        return self._workspaces[self._primary_team_id].bot_token

    def add_workspace(
        self,
        team_id: str,
        *,
        bot_token: str | None = None,
        bot_user_id: str | None = None,
        team_name: str | None = None,
        rotating: bool = False,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    ) -> dict[str, Any]:
        """Register another workspace the app is already installed in, with a live bot token.

        Defaults: token ``xoxb-fake-<team_id lowercased>``, bot user ``UBOT`` + ``team_id[1:5]``
        (seeded in the directory unless ``seed_default_users=False``), bot ID ``B`` + ``team_id[1:]``,
        name ``Workspace <team_id>``.  ``rotating``: the token expires ``token_lifetime`` seconds
        from now (the fake's clock) and a refresh token is issued for ``oauth.v2.access``.

        Returns ``team_id``, ``bot_token``, ``bot_user_id``, ``bot_id``, ``team_name`` (and, when
        rotating, ``refresh_token`` and ``expires_at``).
        """
        with self._lock:
            if team_id in self._workspaces:
                raise ValueError(f"workspace {team_id} is already registered")
            bot_token = bot_token or f"xoxb-fake-{team_id.lower()}"
            if bot_token in self._tokens:
                raise ValueError(f"token {bot_token!r} already belongs to workspace {self._tokens[bot_token].team_id}")
            bot_user_id = bot_user_id or _default_bot_user_id(team_id)
            taken = {ws.bot_user_id: ws.team_id for ws in self._workspaces.values()}
            if bot_user_id in taken:
                raise ValueError(f"bot user {bot_user_id} is already workspace {taken[bot_user_id]}'s; pass bot_user_id")
            workspace = _Workspace(
                team_id=team_id, team_name=team_name or f"Workspace {team_id}", domain=team_id.lower(),
                bot_user_id=bot_user_id, bot_id="B" + team_id[1:], bot_token=bot_token, rotating=rotating,
                token_lifetime=token_lifetime,
            )
            self._register_workspace(workspace)
            return workspace.info(self._tokens)

    def workspace(self, team_id: str) -> dict[str, Any]:
        """What :meth:`add_workspace` returns, for any registered workspace, plus ``installed`` and ``scope``."""
        with self._lock:
            workspace = self._workspace(team_id)
            return {**workspace.info(self._tokens), "installed": workspace.installed, "scope": workspace.scope}

    @property
    def workspaces(self) -> list[str]:
        """Team IDs of every registered workspace, the primary first."""
        with self._lock:
            return list(self._workspaces)

    def calls_for(self, team_id: str) -> list[Call]:
        """The calls made with one of that workspace's bot tokens (current, expired or revoked)."""
        with self._lock:
            return [c for c in self._calls if c.team_id == team_id]

    def installed_token(self, team_id: str) -> str:
        """The workspace's current access token; ``KeyError`` if the app is not installed there."""
        with self._lock:
            workspace = self._workspace(team_id)
            if not workspace.installed:
                raise KeyError(f"the app is not installed in {team_id} (uninstalled)")
            return workspace.bot_token

    def uninstall(self, team_id: str) -> None:
        """The app is removed from that workspace: every token it had answers ``invalid_auth`` from now on."""
        with self._lock:
            workspace = self._workspace(team_id)
            workspace.installed = False
            self._revoke_tokens(team_id)

    def refresh_grants(self, team_id: str) -> int:
        """How many refresh-token grants (``oauth.v2.access`` with ``grant_type=refresh_token``)
        succeeded for that workspace since the start or the last :meth:`reset`."""
        with self._lock:
            return self._refresh_grants.get(team_id, 0)

    def _workspace(self, team_id: str) -> _Workspace:
        try:
            return self._workspaces[team_id]
        except KeyError:
            raise KeyError(f"no workspace {team_id} (known: {', '.join(self._workspaces)})") from None

    @property
    def _ws(self) -> _Workspace:
        """The workspace of the call being answered (the primary one outside calls)."""
        return self._workspaces[self._caller or self._primary_team_id]

    def _register_workspace(self, workspace: _Workspace) -> None:
        self._workspaces[workspace.team_id] = workspace
        self._issue_token(workspace, workspace.bot_token)
        if self.seed_default_users:
            self.add_user(workspace.bot_user_id, name=self.bot_name, real_name="Convene", is_bot=True,
                          team_id=workspace.team_id)

    def _issue_token(self, workspace: _Workspace, token: str | None = None) -> str:
        """Issue a new access token (and, when rotating, a new refresh token) to a workspace."""
        serial = next(self._token_serial)
        if token is None:
            if workspace.rotating:
                token = f"xoxe.xoxb-1-{workspace.team_id}-{serial:06d}"
            else:
                token = f"xoxb-fake-{workspace.team_id.lower()}-{serial:06d}"
        expires_at = self._clock() + workspace.token_lifetime if workspace.rotating else None
        self._tokens[token] = _Token(workspace.team_id, expires_at)
        workspace.bot_token = token
        if workspace.refresh_token is not None:
            self._refresh_tokens.pop(workspace.refresh_token, None)
            workspace.refresh_token = None
        if workspace.rotating:
            workspace.refresh_token = f"xoxe-1-{workspace.team_id}-{serial:06d}"
            self._refresh_tokens[workspace.refresh_token] = workspace.team_id
        return token

    def _revoke_tokens(self, team_id: str) -> None:
        for token in self._tokens.values():
            if token.team_id == team_id:
                token.revoked = True
        for refresh_token in [r for r, team in self._refresh_tokens.items() if team == team_id]:
            del self._refresh_tokens[refresh_token]
        self._workspaces[team_id].refresh_token = None

    def _bot_user_for(self, team_id: str) -> str:
        workspace = self._workspaces.get(team_id)
        return workspace.bot_user_id if workspace else _default_bot_user_id(team_id)

    def _team_of_channel(self, channel_id: str) -> str | None:
        return self._channel_teams.get(channel_id) or self._adopted.get(channel_id)

    def _team_of_user(self, user_id: str) -> str | None:
        user = self._users.get(user_id)
        return user["team_id"] if user else self._adopted.get(user_id)

    def _workspace_of_channel(self, channel_id: str) -> _Workspace:
        """The workspace a channel belongs to; the current caller's (or the primary) if nobody's yet."""
        team_id = self._team_of_channel(channel_id)
        return self._workspaces.get(team_id, self._ws) if team_id else self._ws

    # ---- OAuth ("Add to Slack") ---------------------------------------------------------

    @property
    def authorize_url(self) -> str:
        """Slack's ``/oauth/v2/authorize`` on the fake: what the app's install page should link to."""
        return f"{self.base_url}/oauth/v2/authorize"

    def approve(
        self,
        authorize_url: str,
        team_id: str,
        *,
        user_id: str,
        team_name: str | None = None,
        rotating: bool = False,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    ) -> str:
        """What the browser does when ``user_id``, a member of ``team_id``, clicks "Allow".

        ``authorize_url`` is the URL the app's install page linked to (HTML-escaped
        ``&amp;`` is accepted).  Creates a single-use code, valid 10 minutes on the fake's
        clock, and returns the redirect the browser follows: ``redirect_uri`` (from the
        URL, else ``fake.redirect_uri``) with ``code`` and ``state``.  ``oauth.v2.access``
        with that code installs the app in ``team_id`` (``rotating``: with token rotation).
        Raises ``AssertionError`` if the URL is not one Slack would accept.
        """
        with self._lock:
            query, redirect_uri = self._check_authorize_url(authorize_url)
            code = f"fake-oauth-code-{next(self._token_serial):06d}"
            self._oauth_codes[code] = {
                "team_id": team_id, "user_id": user_id, "team_name": team_name, "rotating": rotating,
                "token_lifetime": token_lifetime, "scope": query["scope"], "redirect_uri": redirect_uri,
                "expires_at": self._clock() + OAUTH_CODE_LIFETIME,
            }
            return _add_query(redirect_uri, {"code": code, "state": query["state"]})

    def deny(self, authorize_url: str) -> str:
        """What the browser does when the member clicks "Cancel": the redirect with ``error=access_denied``."""
        with self._lock:
            query, redirect_uri = self._check_authorize_url(authorize_url)
            return _add_query(redirect_uri, {"error": "access_denied", "state": query["state"]})

    def _check_authorize_url(self, authorize_url: str) -> tuple[dict[str, str], str]:
        """The query of an authorize URL Slack would accept, and where its redirect goes; else AssertionError."""

        def require(condition: object, message: str) -> None:
            if not condition:  # not `assert`: this must hold under python -O too
                raise AssertionError(message)

        url = html.unescape(authorize_url)
        split = urlsplit(url)
        expected = urlsplit(self.authorize_url)
        require((split.scheme, split.netloc, split.path) == (expected.scheme, expected.netloc, expected.path),
                f"{authorize_url!r} is not the fake's authorize URL {self.authorize_url!r}: configure the app's "
                "OAuth authorization_url as fake.authorize_url")
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        require(query.get("client_id") == self.client_id,
                f"authorize URL has client_id={query.get('client_id')!r}, but the app's client ID is {self.client_id!r}")
        require(query.get("scope"), f"authorize URL has no scope (the bot scopes to grant): {authorize_url!r}")
        require(query.get("state"),
                f"authorize URL has no state (Slack hands it back to protect the flow): {authorize_url!r}")
        redirect_uri = query.get("redirect_uri") or self.redirect_uri
        require(redirect_uri, "authorize URL has no redirect_uri and fake.redirect_uri is not set: "
                              "Slack would not know where to send the browser")
        return query, str(redirect_uri)

    # ---- directory -----------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a user that users.info / users.list answer with; returns the user object.

        ``team_id``: the user's workspace (``None``: the primary one).
        """
        team_id = team_id or self._primary_team_id
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r} for {user_id}") from exc
        real_name = real_name if real_name is not None else name
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "display_name": display_name if display_name is not None else name,
                "real_name": real_name,
                "real_name_normalized": real_name,
                "team": team_id,
                **({"email": email} if email else {}),
            },
        }
        if is_bot:
            workspace = self._workspaces.get(team_id)
            user["profile"]["bot_id"] = workspace.bot_id if workspace else "B" + team_id[1:]
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        members: Iterable[str] = (),
        is_private: bool = False,
        bot_is_member: bool = True,
        is_archived: bool = False,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a channel.  The bot user is made a member unless ``bot_is_member`` is false.

        ``team_id``: the channel's workspace (``None``: the primary one); the bot
        member is that workspace's bot user.

        Like Slack, conversations.members then lists the bot too.  Posting to a
        channel the bot is not in answers ``not_in_channel`` (public) or
        ``channel_not_found`` (private).
        """
        team_id = team_id or self._primary_team_id
        bot_user_id = self._bot_user_for(team_id)
        member_list = list(dict.fromkeys(members))
        if bot_is_member and bot_user_id not in member_list:
            member_list.append(bot_user_id)
        channel = {
            "id": channel_id,
            "name": name,
            "is_private": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_archived": is_archived,
            "members": member_list,
            "created": 1700000000,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        with self._lock:
            self._channels[channel_id] = channel
            self._channel_teams[channel_id] = team_id
        return copy.deepcopy(channel)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Put a message from someone (e.g. a human) in a channel's history; returns it (with its ts)."""
        with self._lock:
            channel_id = self._lookup_channel_id(channel)
            args = {"text": text, "blocks": blocks, "thread_ts": thread_ts}
            return copy.deepcopy(self._store_message(channel_id, args, user=user, ts=ts))

    def response_url(
        self,
        name: str = "r1",
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
    ) -> str:
        """A response URL on the fake.  Posts to it are recorded as ``Call(method="response_url")``.

        With ``channel``/``message_ts``/``user`` (what Slack knows about the
        interaction), posts also take effect: ``replace_original`` edits and
        ``delete_original`` deletes that message, ``in_channel`` responses post in
        ``channel``, ephemeral ones are added to ``fake.ephemerals``.
        """
        with self._lock:
            self._response_urls[name] = {"channel": channel, "message_ts": message_ts, "user": user, "uses": 0}
        return f"{self.base_url}/response/{name}"

    def response_url_context(self, name: str) -> dict[str, Any]:
        """What the fake knows about response URL ``name``: its ``channel``, ``message_ts`` and ``user``."""
        with self._lock:
            context = self._response_urls.get(name) or {}
            return {key: context.get(key) for key in ("channel", "message_ts", "user")}

    # ---- fault injection ---------------------------------------------------------------

    def fail_next(self, method: str, error: str = "internal_error", times: int = 1, *, status: int = 200) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}`` (HTTP ``status``).

        ``method`` may be ``"response_url"``: those posts then fail with HTTP ``status``
        (404 when left at 200) and ``error`` as the plain-text body, as Slack's do.
        """
        with self._lock:
            self._fail.setdefault(method, []).append(_Countdown(times, {"error": error, "status": status}))

    def fail_after_next(self, method: str, error: str = "internal_error", times: int = 1, *,
                        status: int = 500) -> None:
        """Carry out the next ``times`` calls of ``method`` (a message is posted, a file shared), then
        answer them with ``error`` and HTTP ``status``, as Slack does when it fails after acting."""
        with self._lock:
            self._fail_after.setdefault(method, []).append(_Countdown(times, {"error": error, "status": status}))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After: retry_after``."""
        with self._lock:
            self._rate_limits.setdefault(method, []).append(_Countdown(times, {"retry_after": retry_after}))

    def rate_limit_share(
        self, share: float, methods: Iterable[str] | None = None, retry_after: int = 1, seed: int = 1
    ) -> None:
        """Rate-limit a random ``share`` (0..1) of calls, reproducibly (``seed``).

        ``methods=None`` means every Web API method; response-URL posts are only
        affected when ``"response_url"`` is listed.  ``share=0`` turns it off.
        """
        if not 0 <= share <= 1:
            raise ValueError("share must be between 0 and 1")
        with self._lock:
            self._share = (share, frozenset(methods) if methods is not None else None, retry_after, random.Random(seed))

    def delay(self, method: str, seconds: float, times: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds`` (``times=None``: until cleared)."""
        with self._lock:
            self._delays.setdefault(method, []).append(_Countdown(times, {"seconds": seconds}))

    def clear_faults(self) -> None:
        """Remove every injected failure, rate limit and delay."""
        with self._lock:
            self._clear_faults_locked()

    def _clear_faults_locked(self) -> None:
        self._fail: dict[str, list[_Countdown]] = {}
        self._fail_after: dict[str, list[_Countdown]] = {}
        self._rate_limits: dict[str, list[_Countdown]] = {}
        self._delays: dict[str, list[_Countdown]] = {}
        self._share: tuple[float, frozenset[str] | None, int, random.Random] | None = None

    @staticmethod
    def _take(faults: dict[str, list[_Countdown]], method: str) -> dict[str, Any] | None:
        for fault in faults.get(method, []):
            if fault.take():
                return fault.params
        return None

    def _take_rate_limit(self, method: str) -> int | None:
        params = self._take(self._rate_limits, method)
        if params is not None:
            return int(params["retry_after"])
        if self._share is not None:
            share, methods, retry_after, rng = self._share
            applies = method in methods if methods is not None else method not in ("response_url", "file_upload")
            if applies and rng.random() < share:
                return retry_after
        return None

    # ---- HTTP plumbing ----------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items()}
        path = split.path
        try:
            if path.startswith("/api/"):
                reply = self._serve_api(path[len("/api/"):], split.query, headers, body)
            elif path.startswith("/upload/"):
                reply = self._serve_upload(path[len("/upload/"):], headers, body)
            elif path.startswith("/response/"):
                reply = self._serve_response_url(path[len("/response/"):], headers, body)
            elif path == "/oauth/v2/authorize":
                reply = self._serve_authorize(handler.path, headers)
            else:
                self._problem(handler.command, f"request to unknown path {path!r}")
                reply = _Reply(404, b"not found", {"Content-Type": "text/plain"})
        except Exception as exc:  # a bug in the fake must not look like a hung bot
            self._problem("fake", f"FakeSlack crashed on {path}: {exc!r}")
            reply = _Reply(500, json.dumps({"ok": False, "error": "fatal_error"}).encode(), _JSON)
        handler.send_response(reply.status)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        try:
            handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during a delay())

    def _record(self, method: str, args: dict[str, Any], token: str | None, headers: dict[str, str]) -> tuple[Call, float]:
        """Record a call on arrival and return it with the delay to apply."""
        call = Call(method=method, args=args, token=token, headers=headers, at=time.monotonic())
        with self._lock:
            issued = self._tokens.get(token) if token and method not in NO_TOKEN_METHODS else None
            call.team_id = issued.team_id if issued else None
            self._calls.append(call)
            delay = self._take(self._delays, method)
        return call, float(delay["seconds"]) if delay else 0.0

    def _serve_api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> _Reply:
        args, parse_errors, token, token_source = _parse_args(query, headers, body)
        call, delay = self._record(method, args, token, headers)
        if delay:
            time.sleep(delay)
        with self._lock:
            extra_headers: dict[str, str] = {}
            retry_after = self._take_rate_limit(method)
            if retry_after is not None:
                status, payload = 429, {"ok": False, "error": "ratelimited"}
                extra_headers["Retry-After"] = str(retry_after)
            else:
                try:
                    status, payload = self._answer_api(call, parse_errors, token_source)
                except Exception as exc:  # a bug in the fake must be visible, not a hang
                    self._problem(method, f"FakeSlack crashed answering this call: {exc!r}")
                    status, payload = 500, {"ok": False, "error": "fatal_error"}
            call.status, call.response = status, payload
        return _Reply(status, json.dumps(payload).encode(), {**_JSON, **extra_headers})

    def _answer_api(self, call: Call, parse_errors: list[str], token_source: str | None) -> tuple[int, dict[str, Any]]:
        method = call.method
        for error in parse_errors:
            self._problem(method, error)
        if parse_errors:
            return 200, {"ok": False, "error": "invalid_form_data"}

        auth_error = self._check_token(call, token_source)
        if auth_error:
            return 200, {"ok": False, "error": auth_error}
        self._caller = call.team_id
        try:
            return self._answer_authorized(call)
        finally:
            self._caller = None

    def _answer_authorized(self, call: Call) -> tuple[int, dict[str, Any]]:
        method = call.method
        if method in RETIRED_METHODS:
            self._problem(method, "this method is retired in today's Slack (use files_upload_v2 for files.upload)")
            return 200, {"ok": False, "error": RETIRED_METHODS[method]}
        if method not in self._methods:
            self._problem(method, "unknown method: not in Slack's OpenAPI spec nor in ALLOW_LISTED_METHODS")
            return 200, {"ok": False, "error": "unknown_method"}

        missing = self._missing_arguments(method, call.args)
        if missing:
            self._problem(method, f"missing required argument(s): {', '.join(missing)}")
            return 200, {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] missing required field: {m}" for m in missing]},
            }

        try:
            self._check_isolation(call)
        except SlackError as exc:
            return 200, {"ok": False, "error": exc.error}

        fault = self._take(self._fail, method)
        if fault is not None:
            return int(fault["status"]), {"ok": False, "error": fault["error"]}

        handler = self._handlers.get(method)
        if handler is None:
            return 200, {"ok": True}  # a real method we do not model: accept it
        try:
            answer = handler(call)
        except SlackError as exc:
            return 200, {"ok": False, "error": exc.error, **exc.extra}
        failed_after = self._take(self._fail_after, method)
        if failed_after is not None:
            return int(failed_after["status"]), {"ok": False, "error": failed_after["error"]}
        return 200, {"ok": True, **answer}

    def _check_token(self, call: Call, token_source: str | None) -> str | None:
        method, token = call.method, call.token
        if method in NO_TOKEN_METHODS:
            return None
        if token_source == "json":
            # Slack ignores a token inside a JSON body; it must be a header.
            self._problem(method, "token sent inside a JSON body; Slack only reads it from the Authorization header")
            return "not_authed"
        if not token:
            self._problem(method, "no token (send 'Authorization: Bearer xoxb-...')")
            return "not_authed"
        if method in APP_TOKEN_METHODS:
            if token.startswith("xapp-"):
                return None
            return "not_allowed_token_type" if token.startswith("xox") else "invalid_auth"
        issued = self._tokens.get(token)
        if issued is None or issued.revoked:
            return "not_allowed_token_type" if token.startswith("xapp-") else "invalid_auth"
        if issued.expires_at is not None and self._clock() >= issued.expires_at:
            return "token_expired"  # the bot's to handle (refresh the token), not a harness problem
        return None

    def _check_isolation(self, call: Call) -> None:
        """Refuse, as Slack would, a call whose arguments name another workspace's channel, user,
        message, view, file or scheduled message; and record it as a problem."""
        team = call.team_id
        if team is None:
            return
        method, args = call.method, call.args

        def check(kind: str, thing: str, owner: str | None, error: str) -> None:
            if owner is not None and owner != team:
                self._problem(method, f"cross-workspace call: token of {team} used for {kind} {thing} of {owner}")
                raise SlackError(error)

        def check_user(user_id: str) -> None:
            if user_id != "USLACKBOT":  # Slackbot is in every workspace
                check("user", user_id, self._team_of_user(user_id), "user_not_found")

        def check_channel(channel: str) -> None:
            if _USER_RE.match(channel):  # posting to a user ID means the DM with them
                check_user(channel)
            else:
                check("channel", channel, self._team_of_channel(channel), "channel_not_found")

        for key in ("channel", "channel_id"):
            for channel in _id_list(args.get(key), split=False):
                check_channel(channel)
        for channel in _id_list(args.get("channels")):
            check_channel(channel)
        for key in ("user", "user_id"):
            for user_id in _id_list(args.get(key), split=False):
                check_user(user_id)
        for user_id in _id_list(args.get("users")):
            check_user(user_id)
        for key in ("ts", "timestamp", "message_ts"):
            ts = args.get(key)
            if isinstance(ts, str) and ts and len(self._workspaces) > 1:
                teams = {self._team_of_channel(cid) for cid, history in self._messages.items()
                         if any(m["ts"] == ts for m in history)}
                if teams and team not in teams and None not in teams:
                    error = "thread_not_found" if method == "conversations.replies" else "message_not_found"
                    check("message", ts, sorted(t for t in teams if t)[0], error)
        view_id = args.get("view_id")
        if isinstance(view_id, str) and view_id in self._views:
            check("view", view_id, self._views[view_id]["team_id"], "not_found")
        external_id = args.get("external_id")
        if method == "views.update" and isinstance(external_id, str) and external_id:
            owners = {v["team_id"] for v in self._views.values() if v["external_id"] == external_id}
            if owners and team not in owners:
                check("view with external_id", external_id, sorted(owners)[0], "not_found")
        file_ids = _id_list(args.get("file"), split=False)
        if method == "files.completeUploadExternal":
            try:
                entries = call.json("files")
            except ValueError:
                entries = None
            if isinstance(entries, list):
                file_ids += [str(e["id"]) for e in entries if isinstance(e, dict) and e.get("id")]
        for file_id in file_ids:
            pending = self._pending_uploads.get(file_id)
            check("file", file_id, pending["team_id"] if pending else self._file_teams.get(file_id), "file_not_found")
        scheduled_id = args.get("scheduled_message_id")
        for item in self._scheduled:
            if item["id"] == scheduled_id:
                check("scheduled message", scheduled_id, self._team_of_channel(item["channel"]),
                      "invalid_scheduled_message_id")

    def _missing_arguments(self, method: str, args: Mapping[str, Any]) -> list[str]:
        def present(name: str) -> bool:
            return args.get(name) not in (None, "")

        missing = sorted(name for name in self._methods[method] if not present(name))
        for group in REQUIRED_ONE_OF.get(method, ()):
            if not any(present(name) for name in group):
                missing.append(" or ".join(group))
        return missing

    def _problem(self, method: str, reason: str) -> None:
        with self._lock:
            self._problems.append(f"{method}: {reason}")

    # ---- upload URLs and response URLs -----------------------------------------------------

    def _serve_upload(self, file_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        call, delay = self._record("file_upload", {"file_id": file_id, "length": len(body)}, None, headers)
        if delay:
            time.sleep(delay)
        with self._lock:
            pending = self._pending_uploads.get(file_id)
            if pending is None:
                self._problem("file_upload", f"upload to unknown or already completed file id {file_id!r}")
                call.status, call.response = 404, {"ok": False, "error": "file_not_found"}
                return _Reply(404, b"file_not_found", {"Content-Type": "text/plain"})
            if len(body) != pending["length"]:
                self._problem(
                    "file_upload",
                    f"{file_id}: uploaded {len(body)} bytes but files.getUploadURLExternal declared length={pending['length']}",
                )
            pending["content"] = body
            call.status, call.response = 200, {"ok": True}
        return _Reply(200, f"OK - {len(body)}".encode(), {"Content-Type": "text/plain; charset=utf-8"})

    def _serve_authorize(self, raw_path: str, headers: dict[str, str]) -> _Reply:
        """``GET /oauth/v2/authorize?...&team=T…&user=U…``: approve() as a 302 to the app's redirect URI."""
        query = dict(parse_qsl(urlsplit(raw_path).query, keep_blank_values=True))
        call, delay = self._record("oauth_authorize", query, None, headers)
        if delay:
            time.sleep(delay)
        try:
            if not (query.get("team") and query.get("user")):
                raise AssertionError("GET /oauth/v2/authorize needs team=T… and user=U… "
                                     "(who clicks Allow in which workspace)")
            location = self.approve(self.base_url + raw_path, query["team"], user_id=query["user"],
                                    rotating=_truthy(query.get("rotating")))
        except AssertionError as exc:
            self._problem("oauth_authorize", str(exc))
            call.status, call.response = 400, {"ok": False, "error": "invalid_request"}
            return _Reply(400, str(exc).encode(), {"Content-Type": "text/plain; charset=utf-8"})
        call.status, call.response = 302, {"ok": True, "location": location}
        return _Reply(302, b"", {"Location": location})

    def _serve_response_url(self, name: str, headers: dict[str, str], body: bytes) -> _Reply:
        ctype = headers.get("Content-Type", "").lower()
        problems: list[str] = []
        try:
            if "json" in ctype or body.lstrip().startswith(b"{"):
                data = json.loads(body or b"{}")
            else:  # Slack also accepts form-encoded payload=<json>
                data = json.loads(dict(parse_qsl(body.decode("utf-8"))).get("payload", "{}"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError) as exc:
            data, problems = {}, [f"body is not a JSON object ({exc})"]
        args = {**data, "response_url_name": name}
        call, delay = self._record("response_url", args, None, headers)
        if delay:
            time.sleep(delay)

        def reply(status: int, error: str | None = None) -> _Reply:
            call.status = status
            call.response = {"ok": error is None, **({"error": error} if error else {})}
            return _Reply(status, (error or "ok").encode(), {"Content-Type": "text/plain; charset=utf-8"})

        with self._lock:
            retry_after = self._take_rate_limit("response_url")
            if retry_after is not None:
                rep = reply(429, "ratelimited")
                rep.headers["Retry-After"] = str(retry_after)
                return rep
            for p in problems:
                self._problem("response_url", p)
            if problems:
                return reply(400, "invalid_payload")
            context = self._response_urls.setdefault(
                name, {"channel": None, "message_ts": None, "user": None, "uses": 0}
            )
            context["uses"] += 1
            if context["uses"] > 5:
                # Slack allows a response URL to be used 5 times within 30 minutes.
                self._problem("response_url", f"{name}: used {context['uses']} times; Slack allows 5")
                return reply(404, "used_up")

            delete = _truthy(data.get("delete_original"))
            found = message_problems(
                text=data.get("text"),
                blocks=data.get("blocks"),
                attachments=data.get("attachments"),
                require_content=not delete,
            )
            response_type = data.get("response_type")
            if response_type not in (None, "in_channel", "ephemeral"):
                found.append(f"response_type must be 'in_channel' or 'ephemeral', got {response_type!r}")
            for p in found:
                self._problem("response_url", f"{name}: {p}")
            if found:
                return reply(400, "invalid_blocks")

            fault = self._take(self._fail, "response_url")
            if fault is not None:
                return reply(int(fault["status"]) if fault["status"] != 200 else 404, fault["error"])
            self._apply_response(context, data, delete)
        return reply(200)

    def _apply_response(self, context: dict[str, Any], data: dict[str, Any], delete: bool) -> None:
        channel, message_ts = context["channel"], context["message_ts"]
        if channel is None:
            return  # nothing known about where it was triggered: just record the call
        original = self._find_message(channel, message_ts) if message_ts else None
        bot_user_id = self._workspace_of_channel(channel).bot_user_id
        if delete:
            if original is not None:
                self._messages[channel].remove(original)
        elif _truthy(data.get("replace_original")) and original is not None:
            for key in ("text", "blocks", "attachments"):
                if key in data:
                    original[key] = data[key] if data[key] is not None else ([] if key != "text" else "")
            original["edited"] = {"user": bot_user_id, "ts": self._next_ts()}
        elif data.get("response_type") == "in_channel":
            self._store_message(channel, {k: data.get(k) for k in ("text", "blocks", "attachments", "thread_ts")}, user=bot_user_id)
        else:
            self._ephemerals.append(
                {"channel": channel, "user": context["user"], "ts": self._next_ts(),
                 "text": data.get("text", ""), "blocks": data.get("blocks") or []}
            )

    # ---- helpers for state ----------------------------------------------------------------

    def _next_ts(self) -> str:
        # Unique and strictly increasing, derived from the clock like Slack's.
        micros = max(int(self._clock() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _lookup_channel_id(self, channel: str, team_id: str | None = None) -> str:
        """Best-effort mapping of '#name', a user ID (DM) or an ID to a channel ID, for inspection.

        Names are looked up in ``team_id``'s channels; without it, the primary workspace's first.
        """
        if channel in self._channels:
            return channel
        if _USER_RE.match(channel):
            for cid, info in self._channels.items():
                if info.get("is_im") and info.get("user") == channel:
                    return cid
            return "D" + channel[1:]
        if channel.startswith("#") or not _ID_RE.match(channel):
            name = channel.lstrip("#")
            teams = [team_id] if team_id else [self._primary_team_id, None]
            for team in teams:
                for cid, info in self._channels.items():
                    if info.get("name") == name and (team is None or self._team_of_channel(cid) == team):
                        return cid
        return channel

    def _resolve_channel(self, channel: str, *, for_post: bool = False) -> str:
        """Resolve a channel argument like Slack: ID, '#name'/name, or (posting) a user ID meaning the DM.

        Names are the calling workspace's; an unknown well-formed ID becomes the caller's."""
        ws = self._ws
        if channel in self._channels:
            info = self._channels[channel]
            if for_post and not info["is_im"] and not info["is_mpim"]:
                if info["is_archived"]:
                    raise SlackError("is_archived")
                if ws.bot_user_id not in info["members"]:
                    raise SlackError("channel_not_found" if info["is_private"] else "not_in_channel")
            return channel
        if for_post and _USER_RE.match(channel):
            return self._open_dm([channel])["id"]
        if _ID_RE.match(channel):
            if self.strict_directory:
                raise SlackError("channel_not_found")
            self._adopted.setdefault(channel, ws.team_id)
            return channel
        name = channel.lstrip("#")
        for cid, info in self._channels.items():
            if info["name"] == name and self._team_of_channel(cid) == ws.team_id:
                return self._resolve_channel(cid, for_post=for_post)
        raise SlackError("channel_not_found")

    def _open_dm(self, users: list[str]) -> dict[str, Any]:
        for user in users:
            if user not in self._users and (self.strict_directory or not _USER_RE.match(user)):
                raise SlackError("user_not_found")
        for user in users:
            if user not in self._users:
                self._adopted.setdefault(user, self._ws.team_id)  # an unknown user becomes the caller's
        if len(users) == 1:
            # A DM belongs to the user's workspace (the isolation check makes that the caller's).
            team_id = self._team_of_user(users[0]) or self._ws.team_id
            channel_id = "D" + users[0][1:]  # stable per user
            if channel_id not in self._channels:
                self._channels[channel_id] = {
                    "id": channel_id, "name": None, "is_private": True, "is_im": True, "is_mpim": False,
                    "is_archived": False, "user": users[0], "members": [users[0], self._bot_user_for(team_id)],
                    "created": int(self._clock()),
                }
                self._channel_teams[channel_id] = team_id
            return self._channels[channel_id]
        members = sorted(set(users) | {self._ws.bot_user_id})
        channel_id = "G" + base64.b32encode(",".join(members).encode()).decode().rstrip("=")[:10]
        if channel_id not in self._channels:
            self._channels[channel_id] = {
                "id": channel_id, "name": "mpdm-" + "--".join(members) + "-1", "is_private": True,
                "is_im": False, "is_mpim": True, "is_archived": False, "members": members,
                "created": int(self._clock()),
            }
            self._channel_teams[channel_id] = self._ws.team_id
        return self._channels[channel_id]

    def _require_known_channel(self, channel: str) -> dict[str, Any]:
        channel_id = channel if channel in self._channels else self._lookup_channel_id(channel, self._ws.team_id)
        info = self._channels.get(channel_id)
        if info is None:
            raise SlackError("channel_not_found")
        return info

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        for msg in self._messages.get(channel, []):
            if msg["ts"] == ts:
                return msg
        return None

    def _store_message(self, channel: str, args: Mapping[str, Any], *, user: str, ts: str | None = None) -> dict[str, Any]:
        """Add a message to a channel (oldest first) and maintain its thread parent's counters."""
        thread_ts = args.get("thread_ts") or None
        msg: dict[str, Any] = {
            "type": "message",
            "ts": ts or self._next_ts(),
            "text": args.get("text") or "",
            "blocks": args.get("blocks") or [],
            "attachments": args.get("attachments") or [],
            "user": user,
            "thread_ts": thread_ts,
            "metadata": args.get("metadata"),
            "files": list(args.get("files") or []),
            "reactions": [],
            "edited": None,
            "channel": channel,
        }
        bot = next((ws for ws in self._workspaces.values() if ws.bot_user_id == user), None)
        if bot is not None:
            msg.update(bot_id=bot.bot_id, app_id=APP_ID)
        if thread_ts and _truthy(args.get("reply_broadcast")):
            msg["subtype"] = "thread_broadcast"
        history = self._messages.setdefault(channel, [])
        history.append(msg)
        history.sort(key=lambda m: _ts_key(m["ts"]))
        if thread_ts:
            parent = self._find_message(channel, thread_ts)
            if parent is not None and parent is not msg:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["reply_users"] = sorted(set(parent.get("reply_users", [])) | {user})
                parent["latest_reply"] = msg["ts"]
        return msg

    def _is_callers(self, info: Mapping[str, Any]) -> bool:
        """Whether a channel of the directory belongs to the calling workspace."""
        return self._team_of_channel(info["id"]) in (None, self._ws.team_id)

    def _public_message(self, msg: Mapping[str, Any]) -> dict[str, Any]:
        """A stored message shaped like Slack's API objects (no empty or internal fields)."""
        out = {k: v for k, v in msg.items() if k != "channel" and v not in (None, [], {})}
        out.setdefault("text", "")
        out["team"] = self._team_of_channel(msg["channel"]) or self._ws.team_id
        return copy.deepcopy(out)

    def _user_object(self, user: Mapping[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(dict(user))
        zone = ZoneInfo(user["tz"])
        now = datetime.fromtimestamp(self._clock(), tz=timezone.utc).astimezone(zone)
        offset = now.utcoffset()
        out["tz_label"] = now.tzname() or user["tz"]
        out["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        return out

    def _channel_object(self, info: Mapping[str, Any], *, num_members: bool = False) -> dict[str, Any]:
        if info["is_im"]:
            return {"id": info["id"], "created": info["created"], "is_im": True, "is_org_shared": False,
                    "user": info["user"], "is_user_deleted": False, "priority": 0}
        out = {
            "id": info["id"],
            "name": info["name"],
            "name_normalized": info["name"],
            "is_channel": not info["is_private"] and not info["is_mpim"],
            "is_group": info["is_private"] and not info["is_mpim"],
            "is_im": False,
            "is_mpim": info["is_mpim"],
            "is_private": info["is_private"],
            "created": info["created"],
            "is_archived": info["is_archived"],
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self._ws.bot_user_id in info["members"],
            "topic": copy.deepcopy(info.get("topic", {})),
            "purpose": copy.deepcopy(info.get("purpose", {})),
        }
        if num_members:
            out["num_members"] = len(info["members"])
        return out

    def _message_body(self, call: Call, *, require_content: bool = True) -> dict[str, Any]:
        """Decode and validate text/blocks/attachments/metadata of a message-bearing call."""
        method, args = call.method, call.args
        body: dict[str, Any] = {}
        for key in ("blocks", "attachments", "metadata"):
            if key not in args:
                continue
            try:
                body[key] = call.json(key)
            except ValueError:
                self._problem(method, f"{key} is not valid JSON")
                raise SlackError(f"invalid_{key}_format" if key != "metadata" else "invalid_metadata_format") from None
        if "text" in args:
            body["text"] = args["text"]
        found = message_problems(
            text=body.get("text"), blocks=body.get("blocks"), attachments=body.get("attachments"),
            require_content=require_content,
        )
        for p in found:
            self._problem(method, p)
        if found:
            if any(p.startswith("message has no") for p in found):
                raise SlackError("no_text")
            if any(p.startswith("text:") for p in found) and not any(p.startswith("blocks") for p in found):
                raise SlackError("msg_too_long")
            raise SlackError("invalid_blocks", errors=found,
                             response_metadata={"messages": [f"[ERROR] {p}" for p in found]})
        metadata = body.get("metadata")
        if metadata is not None and (
            not isinstance(metadata, dict) or "event_type" not in metadata or "event_payload" not in metadata
        ):
            self._problem(method, "metadata needs event_type and event_payload")
            raise SlackError("invalid_metadata_schema")
        for key in ("thread_ts", "reply_broadcast"):
            if key in args:
                body[key] = args[key]
        return body

    def _view_arg(self, call: Call, *, expect_type: str | None) -> dict[str, Any]:
        try:
            view = call.json("view")
        except ValueError:
            self._problem(call.method, "view is not valid JSON")
            raise SlackError("invalid_arguments") from None
        found = view_problems(view)
        if not found and expect_type and view.get("type") != expect_type:
            found = [f"view.type: {call.method} needs a {expect_type!r} view, got {view.get('type')!r}"]
        for p in found:
            self._problem(call.method, p)
        if found:
            # Views answer invalid_arguments (not invalid_blocks), with JSON pointers.
            raise SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in found]})
        return view

    def _page(self, items: list[T], args: Mapping[str, Any], default_limit: int = 100) -> tuple[list[T], str]:
        """Cursor paging as Slack does it; returns the page and next_cursor ('' at the end)."""
        limit = _int_arg(args, "limit", default_limit) or default_limit
        cursor = args.get("cursor") or ""
        offset = 0
        if cursor:
            try:
                kind, _, number = base64.b64decode(cursor.encode()).decode().partition(":")
                if kind != "next":
                    raise ValueError(cursor)
                offset = int(number)
            except (ValueError, UnicodeDecodeError):
                raise SlackError("invalid_cursor") from None
        page = items[offset: offset + limit]
        end = offset + limit
        next_cursor = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
        return page, next_cursor

    # ---- method handlers ------------------------------------------------------------------
    # Each returns the response body minus "ok": true, or raises SlackError.

    def _api_test(self, call: Call) -> dict[str, Any]:
        args = {k: v for k, v in call.args.items()}
        if "error" in args:
            raise SlackError(str(args["error"]), args=args)
        return {"args": args} if args else {}

    def _oauth_v2_access(self, call: Call) -> dict[str, Any]:
        """The OAuth code grant (installs the app) and the refresh-token grant (rotates its token)."""
        args = call.args
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        auth = next((v for k, v in call.headers.items() if k.lower() == "authorization"), "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                self._problem(call.method, "Authorization: Basic header does not decode to client_id:client_secret")
                raise SlackError("invalid_client_id") from None
        if not client_id:
            self._problem(call.method, "no client credentials (HTTP Basic auth, or client_id and client_secret)")
            raise SlackError("invalid_client_id")
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackError("bad_client_secret")

        grant_type = args.get("grant_type") or ("refresh_token" if args.get("refresh_token") and not args.get("code")
                                                 else "authorization_code")
        if grant_type == "refresh_token":
            return self._refresh_grant(args.get("refresh_token") or "")
        if grant_type != "authorization_code":
            raise SlackError("invalid_grant_type")
        grant = self._oauth_codes.get(args.get("code") or "")
        if grant is None or self._clock() >= grant["expires_at"]:
            raise SlackError("invalid_code")
        if args.get("redirect_uri") and args["redirect_uri"] != grant["redirect_uri"]:
            raise SlackError("bad_redirect_uri")
        del self._oauth_codes[args["code"]]  # single use
        workspace = self._install(grant)
        answer: dict[str, Any] = {
            "app_id": APP_ID,
            "authed_user": {"id": grant["user_id"]},
            "scope": workspace.scope,
            "token_type": "bot",
            "access_token": workspace.bot_token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if workspace.rotating:
            answer.update(expires_in=workspace.token_lifetime, refresh_token=workspace.refresh_token)
        return answer

    def _install(self, grant: Mapping[str, Any]) -> _Workspace:
        """Install the app in a workspace (registering it if new) with fresh tokens; old ones stop working."""
        team_id = grant["team_id"]
        workspace = self._workspaces.get(team_id)
        if workspace is None:
            bot_user_id = _default_bot_user_id(team_id)
            taken = {ws.bot_user_id for ws in self._workspaces.values()}
            suffix = itertools.count(2)
            while bot_user_id in taken:
                bot_user_id = f"{_default_bot_user_id(team_id)}{next(suffix)}"
            workspace = _Workspace(
                team_id=team_id, team_name=grant["team_name"] or f"Workspace {team_id}", domain=team_id.lower(),
                bot_user_id=bot_user_id, bot_id="B" + team_id[1:], bot_token="", rotating=grant["rotating"],
                token_lifetime=grant["token_lifetime"], scope=grant["scope"],
            )
            self._workspaces[team_id] = workspace
            self._issue_token(workspace)
            if self.seed_default_users:
                self.add_user(bot_user_id, name=self.bot_name, real_name="Convene", is_bot=True, team_id=team_id)
            return workspace
        self._revoke_tokens(team_id)
        workspace.installed = True
        workspace.rotating = grant["rotating"]
        workspace.token_lifetime = grant["token_lifetime"]
        workspace.scope = grant["scope"]
        if grant["team_name"]:
            workspace.team_name = grant["team_name"]
        self._issue_token(workspace)
        return workspace

    def _refresh_grant(self, refresh_token: str) -> dict[str, Any]:
        team_id = self._refresh_tokens.get(refresh_token)
        if team_id is None:
            raise SlackError("invalid_refresh_token")
        workspace = self._workspaces[team_id]
        self._issue_token(workspace)  # replaces the refresh token; the previous access token lives on until it expires
        self._refresh_grants[team_id] = self._refresh_grants.get(team_id, 0) + 1
        return {
            "app_id": APP_ID,
            "scope": workspace.scope,
            "token_type": "bot",
            "access_token": workspace.bot_token,
            "bot_user_id": workspace.bot_user_id,
            "refresh_token": workspace.refresh_token,
            "expires_in": workspace.token_lifetime,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _auth_test(self, call: Call) -> dict[str, Any]:
        return {
            "url": f"https://{self._ws.domain}.slack.com/",
            "team": self._ws.team_name,
            "user": self.bot_name,
            "team_id": self._ws.team_id,
            "user_id": self._ws.bot_user_id,
            "bot_id": self._ws.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, call: Call) -> dict[str, Any]:
        if self._socket_mode is not None:
            return {"url": self._socket_mode.open_url()}
        return {"url": "ws://127.0.0.1:1/"}  # nothing listens unless enable_socket_mode() was called

    def _users_info(self, call: Call) -> dict[str, Any]:
        user = self._users.get(call.args["user"])
        if user is None:
            raise SlackError("user_not_found")
        return {"user": self._user_object(user)}

    def _users_list(self, call: Call) -> dict[str, Any]:
        members = [self._user_object(u) for u in self._users.values() if u["team_id"] == self._ws.team_id]
        page, next_cursor = self._page(members, call.args, default_limit=1000)
        return {"members": page, "cache_ts": int(self._clock()), "response_metadata": {"next_cursor": next_cursor}}

    def _users_lookup_by_email(self, call: Call) -> dict[str, Any]:
        for user in self._users.values():
            if user["profile"].get("email") == call.args["email"] and user["team_id"] == self._ws.team_id:
                return {"user": self._user_object(user)}
        raise SlackError("users_not_found")

    def _users_profile_get(self, call: Call) -> dict[str, Any]:
        user = self._users.get(call.args.get("user") or self._ws.bot_user_id)
        if user is None:
            raise SlackError("user_not_found")
        return {"profile": copy.deepcopy(user["profile"])}

    def _users_conversations(self, call: Call) -> dict[str, Any]:
        user = call.args.get("user") or self._ws.bot_user_id
        types = _types_arg(call.args)
        channels = [self._channel_object(c) for c in self._channels.values()
                    if user in c["members"] and _channel_type(c) in types and self._is_callers(c)]
        page, next_cursor = self._page(channels, call.args)
        return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, call: Call) -> dict[str, Any]:
        info = self._require_known_channel(call.args["channel"])
        return {"channel": self._channel_object(info, num_members=_truthy(call.args.get("include_num_members")))}

    def _conversations_members(self, call: Call) -> dict[str, Any]:
        info = self._require_known_channel(call.args["channel"])
        page, next_cursor = self._page(list(info["members"]), call.args)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, call: Call) -> dict[str, Any]:
        if call.args.get("channel"):
            info = self._require_known_channel(call.args["channel"])
            return {"channel": self._channel_object(info) if _truthy(call.args.get("return_im")) else {"id": info["id"]}}
        users = [u.strip() for u in str(call.args["users"]).split(",") if u.strip()]
        if len(users) > 8:
            raise SlackError("too_many_users")
        existed = any(c.get("is_im") and c.get("user") == users[0] for c in self._channels.values()) if len(users) == 1 else False
        info = self._open_dm(users)
        channel = self._channel_object(info) if _truthy(call.args.get("return_im")) else {"id": info["id"]}
        return {"channel": channel, **({"no_op": True, "already_open": True} if existed else {})}

    def _conversations_list(self, call: Call) -> dict[str, Any]:
        types = _types_arg(call.args)
        exclude_archived = _truthy(call.args.get("exclude_archived"))
        channels = [
            self._channel_object(c) for c in self._channels.values()
            if _channel_type(c) in types and not (exclude_archived and c["is_archived"]) and self._is_callers(c)
        ]
        page, next_cursor = self._page(channels, call.args)
        return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_join(self, call: Call) -> dict[str, Any]:
        channel_id = self._resolve_channel(call.args["channel"])
        info = self._channels.get(channel_id)
        if info is None:
            return {"channel": {"id": channel_id}}
        if info["is_private"] or info["is_im"]:
            raise SlackError("method_not_supported_for_channel_type")
        if info["is_archived"]:
            raise SlackError("is_archived")
        extra: dict[str, Any] = {}
        if self._ws.bot_user_id in info["members"]:
            extra = {"warning": "already_in_channel", "response_metadata": {"warnings": ["already_in_channel"]}}
        else:
            info["members"].append(self._ws.bot_user_id)
        return {"channel": self._channel_object(info), **extra}

    def _readable_channel(self, channel: str) -> str:
        channel_id = self._resolve_channel(channel)
        info = self._channels.get(channel_id)
        if info is not None and self._ws.bot_user_id not in info["members"]:
            raise SlackError("not_in_channel" if not info["is_private"] else "channel_not_found")
        return channel_id

    def _conversations_history(self, call: Call) -> dict[str, Any]:
        args = call.args
        channel_id = self._readable_channel(args["channel"])
        inclusive = _truthy(args.get("inclusive"))
        oldest = _ts_key(args.get("oldest") or "0")
        latest = _ts_key(args["latest"]) if args.get("latest") else None
        top_level = [
            m for m in self._messages.get(channel_id, [])
            if m["thread_ts"] in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]
        selected = [
            self._public_message(m) for m in reversed(top_level)  # newest first
            if _in_range(_ts_key(m["ts"]), oldest, latest, inclusive)
        ]
        page, next_cursor = self._page(selected, args)
        return {"messages": page, "has_more": bool(next_cursor), "pin_count": 0,
                "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_replies(self, call: Call) -> dict[str, Any]:
        args = call.args
        channel_id = self._readable_channel(args["channel"])
        msg = self._find_message(channel_id, args["ts"])
        if msg is None:
            raise SlackError("thread_not_found")
        root_ts = msg["thread_ts"] or msg["ts"]
        inclusive = _truthy(args.get("inclusive"))
        oldest = _ts_key(args.get("oldest") or "0")
        latest = _ts_key(args["latest"]) if args.get("latest") else None
        thread = [
            self._public_message(m) for m in self._messages[channel_id]
            if (m["ts"] == root_ts or m["thread_ts"] == root_ts)
            and (m["ts"] == root_ts or _in_range(_ts_key(m["ts"]), oldest, latest, inclusive))
        ]
        page, next_cursor = self._page(thread, args, default_limit=1000)
        return {"messages": page, "has_more": bool(next_cursor), "response_metadata": {"next_cursor": next_cursor}}

    def _chat_post_message(self, call: Call) -> dict[str, Any]:
        body = self._message_body(call)
        channel_id = self._resolve_channel(call.args["channel"], for_post=True)
        msg = self._store_message(channel_id, body, user=self._ws.bot_user_id)
        return {"channel": channel_id, "ts": msg["ts"], "message": self._public_message(msg)}

    def _chat_post_ephemeral(self, call: Call) -> dict[str, Any]:
        body = self._message_body(call)
        channel_id = self._resolve_channel(call.args["channel"], for_post=True)
        user = call.args["user"]
        info = self._channels.get(channel_id)
        if info is not None and user not in info["members"]:
            raise SlackError("user_not_in_channel")
        ts = self._next_ts()
        self._ephemerals.append({"channel": channel_id, "user": user, "ts": ts, "text": body.get("text", ""),
                                 "blocks": body.get("blocks") or [], "thread_ts": body.get("thread_ts")})
        return {"message_ts": ts}

    def _chat_update(self, call: Call) -> dict[str, Any]:
        # Content is optional here only in theory; Slack wants text, blocks or attachments.
        body = self._message_body(call)
        channel_id = self._resolve_channel(call.args["channel"])
        msg = self._find_message(channel_id, call.args["ts"])
        if msg is None:
            raise SlackError("message_not_found")
        if msg["user"] != self._ws.bot_user_id:
            raise SlackError("cant_update_message")
        # Omitted fields keep their previous value (an empty list clears blocks).
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "text" else None)
        msg["edited"] = {"user": self._ws.bot_user_id, "ts": self._next_ts()}
        public = self._public_message(msg)
        return {"channel": channel_id, "ts": msg["ts"], "text": msg["text"], "message": public}

    def _chat_delete(self, call: Call) -> dict[str, Any]:
        channel_id = self._resolve_channel(call.args["channel"])
        msg = self._find_message(channel_id, call.args["ts"])
        if msg is None:
            raise SlackError("message_not_found")
        if msg["user"] != self._ws.bot_user_id:
            raise SlackError("cant_delete_message")
        self._messages[channel_id].remove(msg)
        if msg["thread_ts"] and msg["thread_ts"] != msg["ts"]:
            parent = self._find_message(channel_id, msg["thread_ts"])
            if parent is not None and parent.get("reply_count"):
                parent["reply_count"] -= 1
        return {"channel": channel_id, "ts": msg["ts"]}

    def _chat_get_permalink(self, call: Call) -> dict[str, Any]:
        channel_id = self._resolve_channel(call.args["channel"])
        msg = self._find_message(channel_id, call.args["message_ts"])
        if msg is None:
            raise SlackError("message_not_found")
        link = f"{PERMALINK_HOST}/archives/{channel_id}/p{msg['ts'].replace('.', '')}"
        if msg["thread_ts"] and msg["thread_ts"] != msg["ts"]:
            link += f"?thread_ts={msg['thread_ts']}&cid={channel_id}"
        return {"channel": channel_id, "permalink": link}

    def _chat_schedule_message(self, call: Call) -> dict[str, Any]:
        body = self._message_body(call)
        channel_id = self._resolve_channel(call.args["channel"], for_post=True)
        post_at = _int_arg(call.args, "post_at", None)
        if post_at is None:
            raise SlackError("invalid_time")
        now = self._clock()
        if post_at <= now:
            raise SlackError("time_in_past")
        if post_at > now + 120 * 24 * 3600:
            raise SlackError("time_too_far")
        scheduled_id = self._new_id("Q")
        self._scheduled.append({"id": scheduled_id, "channel": channel_id, "post_at": post_at,
                                "date_created": int(now), "text": body.get("text", ""), "message_args": body})
        message = {"type": "message", "text": body.get("text", ""), "user": self._ws.bot_user_id, "bot_id": self._ws.bot_id,
                   **({"blocks": body["blocks"]} if body.get("blocks") else {})}
        return {"channel": channel_id, "scheduled_message_id": scheduled_id, "post_at": post_at, "message": message}

    def _chat_delete_scheduled_message(self, call: Call) -> dict[str, Any]:
        for item in self._scheduled:
            if item["id"] == call.args["scheduled_message_id"]:
                self._scheduled.remove(item)
                return {}
        raise SlackError("invalid_scheduled_message_id")

    def _chat_scheduled_messages_list(self, call: Call) -> dict[str, Any]:
        channel = call.args.get("channel")
        items = [
            {"id": s["id"], "channel_id": s["channel"], "post_at": s["post_at"],
             "date_created": s["date_created"], "text": s["text"]}
            for s in self._scheduled
            if (not channel or s["channel"] == channel) and self._team_of_channel(s["channel"]) in (None, self._ws.team_id)
        ]
        page, next_cursor = self._page(items, call.args)
        return {"scheduled_messages": page, "response_metadata": {"next_cursor": next_cursor}}

    def _reaction_target(self, call: Call) -> tuple[dict[str, Any], str]:
        channel_id = self._resolve_channel(call.args["channel"])
        msg = self._find_message(channel_id, call.args["timestamp"])
        if msg is None:
            raise SlackError("message_not_found")
        return msg, str(call.args["name"]).strip(":")

    def _reactions_add(self, call: Call) -> dict[str, Any]:
        msg, name = self._reaction_target(call)
        for reaction in msg["reactions"]:
            if reaction["name"] == name:
                if self._ws.bot_user_id in reaction["users"]:
                    raise SlackError("already_reacted")
                reaction["users"].append(self._ws.bot_user_id)
                reaction["count"] += 1
                return {}
        msg["reactions"].append({"name": name, "users": [self._ws.bot_user_id], "count": 1})
        return {}

    def _reactions_remove(self, call: Call) -> dict[str, Any]:
        if not call.args.get("channel") or not call.args.get("timestamp"):
            raise SlackError("no_item_specified")
        msg, name = self._reaction_target(call)
        for reaction in msg["reactions"]:
            if reaction["name"] == name and self._ws.bot_user_id in reaction["users"]:
                reaction["users"].remove(self._ws.bot_user_id)
                reaction["count"] -= 1
                if not reaction["count"]:
                    msg["reactions"].remove(reaction)
                return {}
        raise SlackError("no_reaction")

    def _reactions_get(self, call: Call) -> dict[str, Any]:
        channel_id = self._resolve_channel(call.args.get("channel") or "")
        msg = self._find_message(channel_id, call.args.get("timestamp") or "")
        if msg is None:
            raise SlackError("message_not_found")
        return {"type": "message", "channel": channel_id, "message": self._public_message(msg)}

    def _store_view(self, view: Mapping[str, Any], *, view_id: str | None = None,
                    previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        view_id = view_id or self._new_id("V")
        stored = {
            "id": view_id,
            "team_id": self._ws.team_id,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": copy.deepcopy(previous["state"]) if previous else {"values": {}},
            "hash": f"{int(self._clock())}.{next(self._ids):08x}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": previous.get("previous_view_id") if previous else None,
            "root_view_id": previous.get("root_view_id", view_id) if previous else view_id,
            "app_id": APP_ID,
            "external_id": view.get("external_id", previous.get("external_id", "") if previous else ""),
            "app_installed_team_id": self._ws.team_id,
            "bot_id": self._ws.bot_id,
        }
        for key in ("title", "submit", "close"):
            if view.get(key) is not None:
                stored[key] = copy.deepcopy(view[key])
        self._views[view_id] = stored
        return copy.deepcopy(stored)

    def _check_external_id(self, view: Mapping[str, Any], own_id: str | None = None) -> None:
        external_id = view.get("external_id")
        if external_id and any(v["external_id"] == external_id and v["id"] != own_id and v["team_id"] == self._ws.team_id
                               for v in self._views.values()):
            raise SlackError("duplicate_external_id")

    def _views_open(self, call: Call) -> dict[str, Any]:
        view = self._view_arg(call, expect_type="modal")
        self._check_external_id(view)
        return {"view": self._store_view(view)}

    def _views_push(self, call: Call) -> dict[str, Any]:
        return self._views_open(call)

    def _views_update(self, call: Call) -> dict[str, Any]:
        view = self._view_arg(call, expect_type=None)
        view_id, external_id = call.args.get("view_id"), call.args.get("external_id")
        current = self._views.get(view_id) if view_id else next(
            (v for v in self._views.values() if v["external_id"] == external_id and v["team_id"] == self._ws.team_id),
            None,
        )
        if current is None:
            raise SlackError("not_found")
        if call.args.get("hash") and call.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(view, own_id=current["id"])
        stored = self._store_view(view, view_id=current["id"], previous=current)
        for user, home in self._home_views.items():
            if home["id"] == stored["id"]:
                self._home_views[user] = copy.deepcopy(stored)
        return {"view": stored}

    def _views_publish(self, call: Call) -> dict[str, Any]:
        view = self._view_arg(call, expect_type="home")
        user_id = call.args["user_id"]
        if user_id not in self._users:
            if self.strict_directory:
                raise SlackError("user_not_found")
            self._adopted.setdefault(user_id, self._ws.team_id)
        current = self._home_views.get(user_id)
        if current is not None and call.args.get("hash") and call.args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        stored = self._store_view(view, view_id=current["id"] if current else None, previous=current)
        self._home_views[user_id] = copy.deepcopy(stored)
        return {"view": stored}

    def _files_get_upload_url_external(self, call: Call) -> dict[str, Any]:
        length = _int_arg(call.args, "length", None)
        if length is None or length < 0:
            self._problem(call.method, f"length must be a byte count, got {call.args.get('length')!r}")
            raise SlackError("invalid_arguments")
        file_id = self._new_id("F")
        self._pending_uploads[file_id] = {
            "filename": call.args["filename"], "length": length, "content": None,
            "alt_txt": call.args.get("alt_txt"), "snippet_type": call.args.get("snippet_type"),
            "team_id": self._ws.team_id,
        }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, call: Call) -> dict[str, Any]:
        try:
            entries = call.json("files")
        except ValueError:
            self._problem(call.method, "files is not valid JSON")
            raise SlackError("invalid_arguments") from None
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) and e.get("id") for e in entries):
            self._problem(call.method, "files must be a JSON array of {id, title}")
            raise SlackError("invalid_arguments")
        for entry in entries:
            pending = self._pending_uploads.get(entry["id"])
            if pending is None or pending["content"] is None:
                why = "was never uploaded to its upload_url" if pending else "is unknown or already completed"
                self._problem(call.method, f"file {entry['id']} {why}")
                raise SlackError("file_not_found")

        channels = [c for c in str(call.args.get("channels") or "").split(",") if c]
        if call.args.get("channel_id"):
            channels.insert(0, call.args["channel_id"])
        channel_ids = [self._resolve_channel(c, for_post=True) for c in channels]
        thread_ts = call.args.get("thread_ts") or None
        if thread_ts and len(channel_ids) > 1:
            self._problem(call.method, "thread_ts with more than one channel")
            raise SlackError("invalid_arguments")

        completed, public_files = [], []
        for entry in entries:
            pending = self._pending_uploads.pop(entry["id"])
            title = entry.get("title") or pending["filename"]
            record = {
                "id": entry["id"], "filename": pending["filename"], "title": title,
                "content": pending["content"], "channel_id": channel_ids[0] if channel_ids else None,
                "channels": channel_ids, "initial_comment": call.args.get("initial_comment"),
                "thread_ts": thread_ts,
            }
            self._files.append(record)
            self._file_teams[entry["id"]] = pending["team_id"]
            completed.append({"id": entry["id"], "title": title})
            public_files.append({
                "id": entry["id"], "name": pending["filename"], "title": title,
                "size": len(pending["content"]), "user": self._ws.bot_user_id,
                "url_private": f"{self.base_url}/files/{entry['id']}/{pending['filename']}",
                "permalink": f"{PERMALINK_HOST}/files/{self._ws.bot_user_id}/{entry['id']}/{pending['filename']}",
            })
        for channel_id in channel_ids:
            self._store_message(
                channel_id,
                {"text": call.args.get("initial_comment") or "", "files": public_files, "thread_ts": thread_ts},
                user=self._ws.bot_user_id,
            )
        return {"files": completed}

    def _files_info(self, call: Call) -> dict[str, Any]:
        for record in self._files:
            if record["id"] == call.args["file"]:
                return {"file": {"id": record["id"], "name": record["filename"], "title": record["title"],
                                 "size": len(record["content"]), "channels": list(record["channels"])}}
        raise SlackError("file_not_found")

    def _files_delete(self, call: Call) -> dict[str, Any]:
        for record in self._files:
            if record["id"] == call.args["file"]:
                self._files.remove(record)
                return {}
        raise SlackError("file_not_found")


# --------------------------------------------------------------------------------
# Module helpers
# --------------------------------------------------------------------------------

_JSON = {"Content-Type": "application/json; charset=utf-8"}
_ID_RE = re.compile(r"^[CGD][A-Z0-9]+$")
_USER_RE = re.compile(r"^[UW][A-Z0-9]+$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.fake._serve(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def _parse_args(query: str, headers: Mapping[str, str], body: bytes) -> tuple[dict[str, Any], list[str], str | None, str | None]:
    """Merge query, form and JSON arguments; return (args, parse errors, token, where the token came from)."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    errors: list[str] = []
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
    json_token = None
    if body:
        if ctype.startswith("application/json"):
            try:
                data = json.loads(body)
            except ValueError as exc:
                data, errors = {}, [f"JSON body does not parse: {exc}"]
            if not isinstance(data, dict):
                errors.append("JSON body must be an object")
                data = {}
            json_token = data.pop("token", None)
            args.update(data)
        elif ctype.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if name:
                    args[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
        else:
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if auth.lower().startswith("bearer "):
        args.pop("token", None)
        return args, errors, auth[7:].strip(), "header"
    form_token = args.pop("token", None)
    if form_token:
        return args, errors, form_token, "form"
    if json_token:
        return args, errors, json_token, "json"
    return args, errors, None, None


def _id_list(value: Any, *, split: bool = True) -> list[str]:
    """The IDs in an argument: a string (comma-separated when ``split``) or a JSON list of strings."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if split else ([value] if value else [])
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _default_bot_user_id(team_id: str) -> str:
    return "UBOT" + team_id[1:5]


def _add_query(url: str, params: Mapping[str, str]) -> str:
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _int_arg(args: Mapping[str, Any], key: str, default: int | None) -> int | None:
    value = args.get(key)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return None if default is None else default


def _ts_key(ts: Any) -> Decimal:
    try:
        return Decimal(str(ts))
    except InvalidOperation:
        raise SlackError("invalid_ts_latest") from None


def _in_range(ts: Decimal, oldest: Decimal, latest: Decimal | None, inclusive: bool) -> bool:
    if inclusive:
        return ts >= oldest and (latest is None or ts <= latest)
    return ts > oldest and (latest is None or ts < latest)


def _channel_type(info: Mapping[str, Any]) -> str:
    if info["is_im"]:
        return "im"
    if info["is_mpim"]:
        return "mpim"
    return "private_channel" if info["is_private"] else "public_channel"


def _types_arg(args: Mapping[str, Any]) -> set[str]:
    return {t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()}
