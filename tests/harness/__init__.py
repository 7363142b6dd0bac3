"""Test harness: a fake Slack Web API, a signed-request sender and Block Kit validation.

* :mod:`tests.harness.fake_slack` -- ``FakeSlack``, a Web API server on loopback.
* :mod:`tests.harness.signed` -- ``SlackSender``, which posts signed requests to the bot.
* :mod:`tests.harness.blockkit` -- ``block_kit_problems`` / ``view_problems``.
* :mod:`tests.harness.fixtures` -- pytest fixtures ``fake_slack`` and ``slack_client``.
"""

from .blockkit import block_kit_problems, message_problems, view_problems
from .fake_slack import Call, FakeSlack
from .signed import Response, SlackSender, slack_signature, view_state

__all__ = [
    "FakeSlack",
    "Call",
    "SlackSender",
    "Response",
    "slack_signature",
    "view_state",
    "block_kit_problems",
    "view_problems",
    "message_problems",
]
