"""Pytest fixtures for the harness, loaded by ``tests/conftest.py`` (``pytest_plugins``).

``fake_slack`` is a started :class:`FakeSlack` (stopped afterwards);
``slack_client`` is a ``slack_sdk.WebClient`` pointed at it with the fake bot token.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from .fake_slack import FakeSlack


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running FakeSlack for one test."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> WebClient:
    """A WebClient talking to ``fake_slack`` with its bot token."""
    return WebClient(token=fake_slack.bot_token, base_url=fake_slack.url)
