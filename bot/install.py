"""'Add to Slack' (hosting many workspaces): GET /slack/install and GET /slack/oauth_redirect.

Bolt's OAuth flow with Convene's pages, its installation store (`bot.slack.installations`) and
signed, single-use states kept in the database, so any web worker can finish an install another
started. An install (or a new one after an uninstall) puts the workspace back in service.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Installation

from bot.slack.client import make_web_client
from bot.slack.installations import BOT_SCOPES, SignedStateStore
from bot.views import install as pages
from storage.repositories.workspaces import WorkspaceRepository

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
_HTML: dict[str, str | Sequence[str]] = {"Content-Type": "text/html; charset=utf-8"}


class ConveneOAuthFlow(OAuthFlow):
    def __init__(self, runtime: Runtime, settings: OAuthSettings) -> None:
        super().__init__(client=make_web_client(None, runtime.settings.slack_api_url, sleep=runtime.sleep),
                         logger=logging.getLogger("convene.install"), settings=settings)
        self.runtime = runtime

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return pages.install_page(url)

    def run_installation(self, code: str) -> Installation | None:
        installation = super().run_installation(code)
        if installation is not None and installation.bot_token_expires_at is not None:
            # Bolt dates the expiry by the system clock; Convene decides when to refresh by its own.
            drift = self.runtime.clock().timestamp() - time.time()
            installation.bot_token_expires_at = int(installation.bot_token_expires_at + drift)
        return installation

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        super().store_installation(request, installation)
        team_id = installation.team_id
        if team_id is None:
            return
        installations = self.runtime.installations
        if installations is not None:
            installations.forget_cached(team_id)
        with self.runtime.db.unit_of_work() as session:
            WorkspaceRepository(session).mark_installed(team_id, name=installation.team_name, now=self.runtime.clock())
        logger.info("Convene was installed in workspace %s", team_id)


def _installed(args: SuccessArgs) -> BoltResponse:
    return BoltResponse(status=200, body=pages.installed_page(args.installation.team_name), headers=dict(_HTML))


def _failed(args: FailureArgs) -> BoltResponse:
    logger.warning("An install did not complete: %s", args.reason)
    return BoltResponse(status=args.suggested_status_code, body=pages.failed_page(args.reason), headers=dict(_HTML))


def oauth_flow(runtime: Runtime) -> ConveneOAuthFlow:
    settings = runtime.settings
    installations = runtime.installations
    assert installations is not None, "oauth_flow() is for hosting many workspaces"
    client_id, client_secret, state_secret = settings.oauth_credentials()
    return ConveneOAuthFlow(runtime, OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.authorize_url,
        installation_store=installations.store,
        installation_store_bot_only=True,
        state_store=SignedStateStore(state_secret, runtime.db),
        callback_options=CallbackOptions(success=_installed, failure=_failed),
        logger=logging.getLogger("convene.install"),
    ))
