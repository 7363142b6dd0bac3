"""`handlers.home`: the listeners only read the request and hand the Home to `bot.slack.home`."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient

import handlers.home as home_handlers
from bot.views.home import pages_metadata
from bot.views.paging import HOME_PAGE_ACTION, home_page_value


class RecordingApp:
    """Just enough of a Bolt App to collect the listeners a package registers."""

    def __init__(self) -> None:
        self.listeners: dict[str, Callable[..., Any]] = {}

    def event(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._keep(f"event:{name}")

    def action(self, matcher: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._keep("action:page")

    def _keep(self, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def keep(func: Callable[..., Any]) -> Callable[..., Any]:
            self.listeners[key] = func
            return func
        return keep


@pytest.fixture
def publisher(monkeypatch: pytest.MonkeyPatch) -> Mock:
    built = Mock()
    monkeypatch.setattr(home_handlers, "HomePublisher", Mock(return_value=built))
    return built


@pytest.fixture
def app(publisher: Mock) -> RecordingApp:
    app = RecordingApp()
    runtime = SimpleNamespace(client=Mock(spec=WebClient), db=Mock(), directory=Mock(), clock=Mock(), settings=Mock())
    home_handlers.register(app, runtime)  # type: ignore[arg-type]
    return app


def test_opening_the_home_tab_publishes_it(app: RecordingApp, publisher: Mock) -> None:
    opened = app.listeners["event:app_home_opened"]
    opened(event={"tab": "home", "user": "U1"}, body={"team_id": "T1"})
    publisher.publish.assert_called_once_with("T1", "U1")


def test_opening_the_messages_tab_publishes_nothing(app: RecordingApp, publisher: Mock) -> None:
    app.listeners["event:app_home_opened"](event={"tab": "messages", "user": "U1"}, body={"team_id": "T1"})
    publisher.publish.assert_not_called()


def test_turning_a_page_keeps_the_other_sections_pages(app: RecordingApp, publisher: Mock) -> None:
    ack = Mock()
    body = {"team": {"id": "T1"}, "user": {"id": "U1"},
            "view": {"type": "home", "private_metadata": pages_metadata({"issues": 2})}}
    app.listeners["action:page"](ack=ack, body=body, client=Mock(spec=WebClient),
                                 action={"action_id": f"{HOME_PAGE_ACTION}_next", "value": home_page_value("polls", 3)})
    ack.assert_called_once()
    publisher.publish.assert_called_once_with("T1", "U1", pages={"issues": 2, "polls": 3})


def test_a_page_of_a_section_nobody_knows_is_ignored(app: RecordingApp, publisher: Mock) -> None:
    body = {"team": {"id": "T1"}, "user": {"id": "U1"}, "view": {"type": "home", "private_metadata": ""}}
    app.listeners["action:page"](ack=Mock(), body=body, client=Mock(spec=WebClient),
                                 action={"value": home_page_value("nonsense", 3)})
    publisher.publish.assert_called_once_with("T1", "U1", pages={})
