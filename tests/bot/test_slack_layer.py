"""The member directory and the send-once helper, against the fake Slack and a real database."""

from __future__ import annotations

from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.client import SafeRetryHandler, make_web_client
from bot.slack.directory import BULK_REFRESH_THRESHOLD, MemberDirectory
from bot.slack.messages import OnceSender
from storage.db import Database
from storage.repositories.ledger import DispatchLedger
from tests.harness.bot import BOT_TOKEN, TEAM_ID
from tests.harness.clock import ManualClock, RecordingSleep
from tests.harness.fake_slack import FakeSlack


@pytest.fixture
def client(fake: FakeSlack):
    return make_web_client(BOT_TOKEN, fake.url, sleep=RecordingSleep())


def test_members_are_cached_and_refreshed_when_stale(db: Database, fake: FakeSlack, client, clock: ManualClock) -> None:
    directory = MemberDirectory(client, db, clock)
    alice = directory.ensure(TEAM_ID, "UALICE")
    assert (alice.real_name, alice.tz) == ("Alice Adams", "Europe/London")
    directory.ensure(TEAM_ID, "UALICE")
    assert len(fake.calls_to("users.info")) == 1, "a fresh member is read from the cache"

    fake.add_user("UALICE", name="alice", real_name="Alice Adams", tz="Asia/Tokyo")
    clock.advance(hours=25)
    assert directory.ensure(TEAM_ID, "UALICE").tz == "Asia/Tokyo"
    assert len(fake.calls_to("users.info")) == 2


def test_many_stale_members_are_refreshed_with_one_paged_list(db: Database, fake: FakeSlack, client,
                                                              clock: ManualClock) -> None:
    ids = [f"UMANY{i:03d}" for i in range(BULK_REFRESH_THRESHOLD + 5)]
    for user_id in ids:
        fake.add_user(user_id, name=user_id.lower(), tz="Europe/London")
    found = MemberDirectory(client, db, clock).ensure_many(TEAM_ID, ids)
    assert set(found) == set(ids)
    assert fake.calls_to("users.info") == []
    assert fake.calls_to("users.list")


def test_an_unknown_user_is_remembered_by_id(db: Database, fake: FakeSlack, client, clock: ManualClock) -> None:
    ghost = MemberDirectory(client, db, clock).ensure(TEAM_ID, "UGHOST1")
    assert ghost.label == "UGHOST1"


def test_the_audience_of_a_channel_leaves_out_bots_and_deactivated_people(db: Database, fake: FakeSlack, client,
                                                                           clock: ManualClock) -> None:
    fake.add_user("UGONE", name="gone", deleted=True)
    fake.add_user("UHELPER", name="helperbot", is_bot=True)
    fake.add_channel("CMIX", name="mix", members=["UALICE", "UGONE", "UHELPER", "UBEN"])
    audience = MemberDirectory(client, db, clock).audience(TEAM_ID, "CMIX")
    assert sorted(member.user_id for member in audience) == ["UALICE", "UBEN"]


def test_a_dispatch_is_sent_once_however_often_it_is_asked(db: Database, fake: FakeSlack, client,
                                                           clock: ManualClock) -> None:
    sender = OnceSender(client, db, clock)
    first = sender.dm(TEAM_ID, "reminder:poll-1:UALICE", user_id="UALICE", text="Please vote")
    second = sender.dm(TEAM_ID, "reminder:poll-1:UALICE", user_id="UALICE", text="Please vote")
    assert first is not None and second is None
    assert len(fake.calls_to("chat.postMessage")) == 1
    with db.unit_of_work() as session:
        dispatch = DispatchLedger(session).get(TEAM_ID, "reminder:poll-1:UALICE")
        assert dispatch is not None and dispatch.status == "sent" and dispatch.ts == first["ts"]


def test_a_failed_dispatch_is_recorded_and_retried_later(db: Database, fake: FakeSlack, client,
                                                         clock: ManualClock) -> None:
    sender = OnceSender(client, db, clock)
    fake.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError):
        sender.post(TEAM_ID, "announce:1", channel="CGROUP", text="Hello")
    with db.unit_of_work() as session:
        failed = DispatchLedger(session).get(TEAM_ID, "announce:1")
        assert failed is not None and (failed.status, failed.error) == ("failed", "channel_not_found")
    clock.advance(minutes=5)
    assert sender.post(TEAM_ID, "announce:1", channel="CGROUP", text="Hello") is not None
    assert len(fake.messages("CGROUP")) == 1


def test_rate_limits_are_waited_out_for_as_long_as_slack_asks(fake: FakeSlack) -> None:
    sleep = RecordingSleep()
    client = make_web_client(BOT_TOKEN, fake.url, sleep=sleep)
    fake.rate_limit_next("chat.postMessage", retry_after=3, times=2)
    client.chat_postMessage(channel="CGROUP", text="Hello")
    assert len(fake.messages("CGROUP")) == 1
    assert len(sleep.calls) == 2 and all(3 <= seconds < 3.5 for seconds in sleep.calls)


def _request(method: str) -> HttpRequest:
    return HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={}, body_params={})


def test_a_post_is_retried_only_when_it_never_reached_slack() -> None:
    handler = SafeRetryHandler(sleep=lambda seconds: None)
    post, read = _request("chat.postMessage"), _request("users.info")
    refused, reset = URLError(ConnectionRefusedError()), URLError(ConnectionResetError())
    assert handler.can_retry(state=RetryState(), request=post, error=refused)
    assert not handler.can_retry(state=RetryState(), request=post, error=reset)
    assert not handler.can_retry(state=RetryState(), request=post,
                                 response=HttpResponse(status_code=500, headers={}, body={}))
    assert handler.can_retry(state=RetryState(), request=read, error=reset)
    assert handler.can_retry(state=RetryState(), request=read, response=HttpResponse(status_code=503, headers={}))
    assert not handler.can_retry(state=RetryState(), request=read, response=HttpResponse(status_code=404, headers={}))
