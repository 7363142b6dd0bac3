"""Convene hosting many workspaces, for end-to-end tests: the real bot in HTTP mode with the three
"Add to Slack" variables set, and installs through the real redirect flow against the fake Slack.

    bot = start_hosting_bot(db.url, fake, clock=clock)
    installed = install(bot, "T0BRAMBLE", user_id="UBEA")   # GET /slack/install, Allow, the redirect
    slack = sender_for(bot, "T0BRAMBLE")                     # signed requests from that workspace
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.harness.bot import SIGNING_SECRET, BotUnderTest, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.signed import SlackSender

STATE_SECRET = "fake-state-secret-for-tests"
_LINK = re.compile(r'href="([^"]*oauth/v2/authorize[^"]*)"')


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str


def get(url: str, *, cookie: str | None = None) -> Page:
    """GET as a browser does (no redirects followed), keeping the answer whatever its status."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Page(response.status, {k.lower(): v for k, v in response.headers.items()},
                        response.read().decode())
    except urllib.error.HTTPError as error:
        return Page(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())


def start_hosting_bot(database_url: str, fake: FakeSlack, *, clock: ManualClock, **overrides: Any) -> BotUnderTest:
    """`python -m bot web` as a host runs it: no SLACK_BOT_TOKEN, the app's client id and secrets."""
    settings: dict[str, Any] = {
        "slack_bot_token": None,
        "slack_client_id": fake.client_id,
        "slack_client_secret": fake.client_secret,
        "slack_state_secret": STATE_SECRET,
    }
    settings.update(overrides)
    bot = start_bot(database_url, fake, clock=clock, **settings)
    fake.redirect_uri = f"{bot.url}/slack/oauth_redirect"
    return bot


@dataclass
class InstallStart:
    """The install page as a browser received it: the "Add to Slack" link and the state cookie."""

    page: Page
    authorize_url: str
    cookie: str

    @property
    def state(self) -> str:
        return re.search(r"[?&]state=([^&]+)", self.authorize_url).group(1)  # type: ignore[union-attr]


def start_install(bot: BotUnderTest) -> InstallStart:
    page = get(f"{bot.url}/slack/install")
    assert page.status == 200, page
    link = _LINK.search(page.text)
    assert link, f"no Add to Slack link on the install page:\n{page.text}"
    cookie = page.headers.get("set-cookie", "").split(";", 1)[0]
    assert cookie, "the install page set no state cookie"
    return InstallStart(page, html.unescape(link.group(1)), cookie)


def install(bot: BotUnderTest, team_id: str, *, user_id: str, team_name: str | None = None,
            rotating: bool = False, token_lifetime: int = 43200) -> Page:
    """Install Convene in `team_id` the way a member does: the install page, "Allow" in Slack, and the
    redirect back (with the browser's cookie). The page the redirect showed."""
    started = start_install(bot)
    redirect = bot.fake.approve(started.authorize_url, team_id, user_id=user_id, team_name=team_name,
                                rotating=rotating, token_lifetime=token_lifetime)
    return get(redirect, cookie=started.cookie)


def sender_for(bot: BotUnderTest, team_id: str) -> SlackSender:
    """Signed requests from one workspace, as Slack sends them there (one sender per workspace, so
    its event IDs never repeat)."""
    senders: dict[str, SlackSender] = bot.extra.setdefault("senders", {})
    if team_id not in senders:
        workspace = bot.fake.workspace(team_id)
        senders[team_id] = SlackSender(bot.url, SIGNING_SECRET, team_id=team_id,
                                       bot_user_id=workspace["bot_user_id"], fake=bot.fake)
    return senders[team_id]
