"""`bot.slack.home.HomePublisher`: one member's App Home, rendered from the database and published."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.areas import HOME_SECTIONS, HomeContext
from bot.services import privacy
from bot.slack.client import make_web_client
from bot.slack.directory import MemberDirectory
from bot.slack.home import HomePublisher
from bot.views import blocks as kit
from bot.views.blocks import Block
from bot.views.home import COORDINATOR_BUTTONS_BLOCK, FORGOTTEN, pages_metadata
from storage.db import Database
from tests.harness.bot import BOT_TOKEN, TEAM_ID, bot_settings
from tests.harness.clock import ManualClock, RecordingSleep
from tests.harness.fake_slack import FakeSlack


@pytest.fixture
def directory(db: Database, fake: FakeSlack, clock: ManualClock) -> MemberDirectory:
    return MemberDirectory(make_web_client(BOT_TOKEN, fake.url, sleep=RecordingSleep()), db, clock)


def published(client: Mock) -> tuple[str, dict[str, Any]]:
    client.views_publish.assert_called_once()
    kwargs = client.views_publish.call_args.kwargs
    return kwargs["user_id"], kwargs["view"]


def test_the_home_shows_each_section_with_what_it_was_given(db: Database, fake: FakeSlack, clock: ManualClock,
                                                             database_url: str, directory: MemberDirectory) -> None:
    seen: list[HomeContext] = []

    def section(session: Session, ctx: HomeContext) -> list[Block]:
        seen.append(ctx)
        return [kit.section(f"page {ctx.page('polls')} for {ctx.user_id}")]

    def nothing_to_say(session: Session, ctx: HomeContext) -> list[Block]:
        return []

    client = Mock(spec=WebClient)
    settings = bot_settings(database_url, fake, convene_timezone="Asia/Tokyo")
    HomePublisher(client, db, directory, clock, settings, sections=[section, nothing_to_say]).publish(
        TEAM_ID, "UALICE", pages={"polls": 3})

    user_id, view = published(client)
    assert user_id == "UALICE" and view["type"] == "home"
    assert "page 3 for UALICE" in str(view["blocks"])
    assert view["private_metadata"] == pages_metadata({"polls": 3}), "the pages are kept for the next click"
    [ctx] = seen
    assert (ctx.team_id, ctx.now, ctx.is_coordinator) == (TEAM_ID, clock(), False)
    assert ctx.zone.key == "Europe/London", "the member's own zone (from Slack) wins over the group's"


def test_coordinators_named_in_the_settings_get_their_buttons(db: Database, fake: FakeSlack, clock: ManualClock,
                                                               database_url: str, directory: MemberDirectory) -> None:
    client = Mock(spec=WebClient)
    settings = bot_settings(database_url, fake, convene_coordinators="UALICE")
    HomePublisher(client, db, directory, clock, settings, sections=[]).publish(TEAM_ID, "UALICE")
    _, view = published(client)
    assert any(block.get("block_id") == COORDINATOR_BUTTONS_BLOCK for block in view["blocks"])


def test_someone_forgotten_gets_an_empty_home_and_is_not_looked_up(db: Database, fake: FakeSlack, clock: ManualClock,
                                                                    database_url: str) -> None:
    with db.unit_of_work() as session:
        privacy.remember_forgotten(session, TEAM_ID, "UALICE", now=clock())
    directory = Mock(spec=MemberDirectory)
    client = Mock(spec=WebClient)
    HomePublisher(client, db, directory, clock, bot_settings(database_url, fake)).publish(TEAM_ID, "UALICE")
    _, view = published(client)
    assert FORGOTTEN in str(view["blocks"])
    directory.ensure.assert_not_called()


def test_by_default_every_area_has_its_section(db: Database, fake: FakeSlack, clock: ManualClock,
                                               database_url: str, directory: MemberDirectory) -> None:
    publisher = HomePublisher(Mock(spec=WebClient), db, directory, clock, bot_settings(database_url, fake))
    assert list(publisher.sections) == HOME_SECTIONS
    view = publisher.render(TEAM_ID, "UALICE")
    assert view["type"] == "home" and view["blocks"]
