"""The Bolt App factory: it only wires."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltRequest, BoltResponse

import handlers
from bot.runtime import Runtime
from bot.slack.client import make_web_client
from bot.slack.installations import InstallationAuthorize, acting_for

logger = logging.getLogger(__name__)


class ConveneApp(App):
    """Bolt's App, acting for the request's workspace in everything the request does: its Slack
    calls carry that workspace's token (`bot.slack.installations`), also in after-ack work."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with acting_for(req.context.team_id):
            return super().dispatch(req)


def build_app(runtime: Runtime, *, http: bool, verify_token: bool = True) -> App:
    """A Bolt App on the runtime's client and executor, with every listener registered.

    `http` turns on request signature verification (HTTP mode); Socket Mode does without.
    Hosting many workspaces (HTTP mode only), requests are authorised from the installations
    and the app serves "Add to Slack" (`bot.install`).
    """
    settings = runtime.settings
    if runtime.installations is not None:
        from bot.install import oauth_flow

        if not http:
            raise ValueError("Hosting many workspaces needs HTTP mode")
        app = ConveneApp(
            # Bolt's own client is tokenless: it exchanges install codes, and each request gets a
            # client with its workspace's token from `authorize`.
            client=make_web_client(None, settings.slack_api_url, sleep=runtime.sleep),
            signing_secret=settings.signing_secret(),
            # Bolt takes an Authorize instance as it is (its type says only plain functions).
            authorize=InstallationAuthorize(runtime.installations),  # type: ignore[arg-type]
            oauth_flow=oauth_flow(runtime),
            process_before_response=False,
            listener_executor=runtime.executor,
            logger=logging.getLogger("convene.bolt"),
        )
    else:
        app = ConveneApp(
            client=runtime.client,
            signing_secret=settings.signing_secret() if http else "",
            request_verification_enabled=http,
            token_verification_enabled=verify_token,
            process_before_response=False,
            listener_executor=runtime.executor,
            logger=logging.getLogger("convene.bolt"),
        )
    handlers.register(app, runtime)
    return app
