"""Which bot token a Slack call carries when Convene hosts many workspaces ("Add to Slack").

Each workspace that installs Convene has an installation in slack_sdk's SQLAlchemy store (tables
from migration 0012). Every Web API call Convene makes is for the workspace it is acting for:
a request sets it for everything the request does (`bot.app.ConveneApp`), a job for the
workspace it works on (`bot.jobs.for_workspace`). `WorkspaceClient` reads that workspace's bot
token for each call, and `Installations` keeps the tokens, refreshing a rotating token once,
whichever process finds it expiring first, before it expires.

With one workspace (SLACK_BOT_TOKEN set, no client id) none of this is used: the one client
carries the one token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import and_, or_, select, update

from bot.clock import Clock
from bot.slack.client import Sleep
from storage.db import Database, insert_ignoring_conflicts, rows_changed
from storage.models import TokenRefresh

logger = logging.getLogger(__name__)

# The bot scopes "Add to Slack" asks for: the manifests' (tests/test_manifest.py keeps them equal).
BOT_SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "channels:read", "groups:read",
              "im:write", "files:write", "channels:history", "groups:history", "im:history", "reactions:write")

# A rotating token is refreshed this long before it expires (Slack's last 12 hours).
REFRESH_BEFORE = timedelta(minutes=30)
# How long one process may take to refresh a token before another may try.
REFRESH_LEASE = timedelta(seconds=30)
# How long a process waits for another's refresh before giving up on the call.
REFRESH_WAIT_SECONDS = 15.0
# How long a process trusts the token it read; an installation replaced elsewhere is seen after this.
CACHE_SECONDS = 30.0

_acting_for: ContextVar[str | None] = ContextVar("convene_workspace", default=None)


class NotInstalled(Exception):
    """The workspace has no installation (never installed, uninstalled, or its tokens revoked)."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"Convene is not installed in workspace {team_id}")
        self.team_id = team_id


class NoWorkspace(RuntimeError):
    """A Slack call was made without saying which workspace it is for: a defect, never a guess."""


@contextmanager
def acting_for(team_id: str | None) -> Iterator[None]:
    """Every Slack call made inside (and in work handed to Convene's executors) is for `team_id`."""
    token = _acting_for.set(team_id)
    try:
        yield
    finally:
        _acting_for.reset(token)


def current_workspace() -> str | None:
    return _acting_for.get()


@dataclass
class _Cached:
    bot: Bot
    read_at: float


class Installations:
    """The installations of every workspace, and their bot tokens (refreshed when they rotate)."""

    def __init__(self, *, client_id: str, client_secret: str, db: Database, clock: Clock,
                 oauth_client: WebClient, sleep: Sleep = time.sleep) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.db = db
        self.clock = clock
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=db.engine,
                                                 logger=logging.getLogger("convene.installations"))
        self._oauth_client = oauth_client
        self._sleep = sleep
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()
        # One refresh at a time in this process; the database claim covers the other processes.
        self._refreshing = threading.Lock()

    # ---- reading -----------------------------------------------------------------------------

    def bot(self, team_id: str) -> Bot:
        """The workspace's bot installation with a token that is not about to expire."""
        bot = self._cached(team_id) or self._load(team_id)
        if self._expiring(bot):
            bot = self._refresh(team_id)
        return bot

    def bot_token(self, team_id: str) -> str:
        token = self.bot(team_id).bot_token
        if not token:
            raise NotInstalled(team_id)
        return token

    def is_installed(self, team_id: str) -> bool:
        try:
            self.bot(team_id)
        except NotInstalled:
            return False
        return True

    def _cached(self, team_id: str) -> Bot | None:
        with self._lock:
            cached = self._cache.get(team_id)
        if cached is None or time.monotonic() - cached.read_at > CACHE_SECONDS:
            return None
        return cached.bot

    def _load(self, team_id: str) -> Bot:
        bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            self.forget_cached(team_id)
            raise NotInstalled(team_id)
        with self._lock:
            self._cache[team_id] = _Cached(bot, time.monotonic())
        return bot

    def forget_cached(self, team_id: str) -> None:
        """Read the installation again at the next call (it was just installed again or removed)."""
        with self._lock:
            self._cache.pop(team_id, None)

    def _expiring(self, bot: Bot) -> bool:
        expires_at = bot.bot_token_expires_at
        return expires_at is not None and expires_at <= (self.clock() + REFRESH_BEFORE).timestamp()

    # ---- token rotation ----------------------------------------------------------------------

    def _refresh(self, team_id: str) -> Bot:
        """Refresh the token once, whichever process gets the claim; the others wait for its token."""
        deadline = time.monotonic() + REFRESH_WAIT_SECONDS
        with self._refreshing:
            while True:
                bot = self._load(team_id)
                if not self._expiring(bot):
                    return bot
                if self._claim(team_id):
                    try:
                        bot = self._load(team_id)  # another process may have finished just now
                        return bot if not self._expiring(bot) else self._rotate(team_id, bot)
                    finally:
                        self._release(team_id)
                if time.monotonic() > deadline:
                    raise NotInstalled(team_id)
                self._sleep(0.05)

    def _claim(self, team_id: str) -> bool:
        now = self.clock()
        with self.db.unit_of_work() as session:
            if insert_ignoring_conflicts(session, TokenRefresh,
                                         {"team_id": team_id, "leased_until": now + REFRESH_LEASE},
                                         conflict_columns=["team_id"]):
                return True
            taken = session.execute(
                update(TokenRefresh)
                .where(TokenRefresh.team_id == team_id,
                       or_(TokenRefresh.leased_until.is_(None), TokenRefresh.leased_until < now))
                .values(leased_until=now + REFRESH_LEASE))
            return rows_changed(taken) == 1

    def _release(self, team_id: str) -> None:
        with self.db.unit_of_work() as session:
            session.execute(update(TokenRefresh).where(TokenRefresh.team_id == team_id)
                            .values(leased_until=None, refreshed_at=self.clock()))

    def _rotate(self, team_id: str, bot: Bot) -> Bot:
        try:
            response = self._oauth_client.oauth_v2_access(
                client_id=self.client_id, client_secret=self._client_secret,
                grant_type="refresh_token", refresh_token=bot.bot_refresh_token)
        except SlackApiError as error:
            logger.warning("Slack refused to refresh the token of workspace %s (%s)", team_id,
                           error.response.get("error"))
            raise NotInstalled(team_id) from None
        expires_at = int(self.clock().timestamp()) + int(response["expires_in"])
        values = {
            "bot_token": response["access_token"],
            "bot_refresh_token": response.get("refresh_token") or bot.bot_refresh_token,
            "bot_token_expires_at": datetime.fromtimestamp(expires_at, tz=timezone.utc).replace(tzinfo=None),
        }
        with self.db.engine.begin() as connection:
            for table in (self.store.installations, self.store.bots):
                connection.execute(table.update().where(and_(
                    table.c.client_id == self.client_id, table.c.team_id == team_id,
                    table.c.bot_refresh_token == bot.bot_refresh_token)).values(**values))
        logger.info("Refreshed the bot token of workspace %s", team_id)
        self.forget_cached(team_id)
        return self._load(team_id)

    # ---- leaving -----------------------------------------------------------------------------

    # ---- the installer's own data ------------------------------------------------------------

    def installed_by(self, team_id: str, user_id: str) -> list[dict[str, Any]]:
        """What the installation records about the member who installed Convene (never its tokens),
        for `/convene my-data`."""
        table = self.store.installations
        with self.db.engine.connect() as connection:
            rows = connection.execute(select(table.c.team_id, table.c.team_name, table.c.user_id,
                                             table.c.bot_scopes, table.c.installed_at)
                                      .where(table.c.client_id == self.client_id, table.c.team_id == team_id,
                                             table.c.user_id == user_id))
            return [dict(row._mapping) for row in rows]

    def forget_installer(self, team_id: str, user_id: str) -> int:
        """`/convene forget-me`: the installation no longer names who installed it."""
        table = self.store.installations
        with self.db.engine.begin() as connection:
            result = connection.execute(table.update().where(
                table.c.client_id == self.client_id, table.c.team_id == team_id, table.c.user_id == user_id)
                .values(user_id=""))
            return int(result.rowcount or 0)

    def remove(self, team_id: str) -> None:
        """Delete the workspace's installation: no call can be made for it until it installs again."""
        self.store.delete_installation(enterprise_id=None, team_id=team_id)
        self.store.delete_bot(enterprise_id=None, team_id=team_id)
        self.forget_cached(team_id)


def installed_team_ids(db: Database, client_id: str) -> list[str]:
    """The workspaces with a bot installation of this app."""
    bots = SQLAlchemyInstallationStore(client_id=client_id, engine=db.engine).bots
    with db.engine.connect() as connection:
        rows = connection.execute(select(bots.c.team_id).where(bots.c.client_id == client_id,
                                                               bots.c.bot_token.is_not(None)).distinct())
        return sorted(team_id for (team_id,) in rows if team_id)


class WorkspaceClient(WebClient):
    """A WebClient whose every call carries the bot token of the workspace Convene is acting for."""

    def __init__(self, installations: Installations, **kwargs: Any) -> None:
        self._installations = installations
        self._explicit: str | None = None
        super().__init__(token=None, **kwargs)

    @property
    def token(self) -> str | None:
        if self._explicit is not None:
            return self._explicit
        team_id = _acting_for.get()
        if team_id is None:
            raise NoWorkspace("A Slack call was made without a workspace: wrap it in acting_for(team_id)")
        return self._installations.bot_token(team_id)

    @token.setter
    def token(self, value: str | None) -> None:
        self._explicit = value


class InstallationAuthorize(Authorize):
    """Bolt's authorize for requests: the installation's bot token, refreshed like the jobs' tokens."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

    def __call__(self, *, context: BoltContext, enterprise_id: str | None, team_id: str | None,
                 user_id: str | None, actor_enterprise_id: str | None = None, actor_team_id: str | None = None,
                 actor_user_id: str | None = None) -> AuthorizeResult | None:
        if not team_id:
            return None
        try:
            bot = self.installations.bot(team_id)
        except NotInstalled:
            logger.info("A request came from workspace %s, where Convene is not installed", team_id)
            return None
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot.bot_token,
                               bot_id=bot.bot_id, bot_user_id=bot.bot_user_id, bot_scopes=bot.bot_scopes,
                               user_id=user_id)


class SignedStateStore(SQLAlchemyOAuthStateStore):
    """Install links' states, signed with SLACK_STATE_SECRET and usable once.

    A state that was not signed here is refused without a database lookup; a signed one only
    while it is stored, and consuming it deletes it, so a replayed redirect is refused too.
    """

    EXPIRATION_SECONDS = 600

    def __init__(self, secret: str, db: Database) -> None:
        super().__init__(expiration_seconds=self.EXPIRATION_SECONDS, engine=db.engine,
                         logger=logging.getLogger("convene.installations"))
        self._key = secret.encode()

    def _signature(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = super().issue(*args, **kwargs)
        return f"{nonce}.{self._signature(nonce)}"

    def consume(self, state: str) -> bool:
        nonce, _, signature = (state or "").partition(".")
        if not nonce or not hmac.compare_digest(signature, self._signature(nonce)):
            return False
        return super().consume(nonce)
