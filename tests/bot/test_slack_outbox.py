"""The Slack-side modules built from explicit collaborators (client, database, sender, clock), against
the fake Slack and a real database: the digest, prompt DMs, the issue form, calls for volunteers."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.services import digest as digests
from bot.services import prompts as service
from bot.services import volunteering
from bot.services.digest import Schedule
from bot.services.issues import IssuePrefill
from bot.slack.client import make_web_client
from bot.slack.digest import METADATA_EVENT, STALE_CLAIM, DigestMessages, Outcome
from bot.slack.issues import IssueForms
from bot.slack.messages import OnceSender
from bot.slack.prompts import PROMPT_EVENT, PromptMessages
from bot.slack.volunteer_calls import VolunteerCalls
from storage.db import Database
from storage.models import PromptDelivery, PromptRound
from storage.repositories.digest import DigestRepository
from storage.repositories.prompts import DeliveryRepository
from storage.repositories.workspaces import WorkspaceRepository
from tests.harness.bot import BOT_TOKEN, TEAM_ID
from tests.harness.clock import ManualClock, RecordingSleep
from tests.harness.fake_slack import FakeSlack

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def client(fake: FakeSlack):
    return make_web_client(BOT_TOKEN, fake.url, sleep=RecordingSleep())


def _workspace(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=clock() - timedelta(days=30))


# ---- The digest ----------------------------------------------------------------------------------


def _schedule(channel_id: str | None = "CGROUP") -> Schedule:
    return Schedule(4, 16, 0, LONDON, True, channel_id)


def _digests(fake: FakeSlack) -> list[dict]:
    return [m for m in fake.messages("CGROUP") if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT]


def test_a_digest_is_posted_once_per_period_with_metadata_naming_it(db: Database, fake: FakeSlack, client,
                                                                    clock: ManualClock) -> None:
    _workspace(db, clock)
    messages = DigestMessages(client, db, clock, sections=[])
    period = digests.last_due_period(_schedule(), clock())
    first = messages.publish(TEAM_ID, period, schedule=_schedule())
    second = messages.publish(TEAM_ID, period, schedule=_schedule())
    assert first.outcome is Outcome.POSTED and second.outcome is Outcome.ALREADY_POSTED
    assert second.ts == first.ts
    [posted] = _digests(fake)
    assert posted["metadata"]["event_payload"] == {"team_id": TEAM_ID, "period": period.key}


def test_a_digest_without_a_channel_is_not_posted(db: Database, fake: FakeSlack, client,
                                                  clock: ManualClock) -> None:
    _workspace(db, clock)
    period = digests.last_due_period(_schedule(None), clock())
    result = DigestMessages(client, db, clock, sections=[]).publish(TEAM_ID, period, schedule=_schedule(None))
    assert result.outcome is Outcome.NO_CHANNEL
    assert fake.calls_to("chat.postMessage") == []


def test_a_stale_claim_is_looked_for_in_the_channel_before_posting_again(db: Database, fake: FakeSlack, client,
                                                                         clock: ManualClock) -> None:
    _workspace(db, clock)
    messages = DigestMessages(client, db, clock, sections=[])
    period = digests.last_due_period(_schedule(), clock())
    fake.fail_after_next("chat.postMessage", "internal_error")  # posted, but the answer is lost
    assert messages.publish(TEAM_ID, period, schedule=_schedule()).outcome is Outcome.FAILED
    assert messages.publish(TEAM_ID, period, schedule=_schedule()).outcome is Outcome.IN_PROGRESS
    clock.advance(seconds=STALE_CLAIM.total_seconds() + 60)
    found = messages.publish(TEAM_ID, period, schedule=_schedule())
    assert found.outcome is Outcome.ALREADY_POSTED
    [posted] = _digests(fake)
    assert found.ts == posted["ts"]
    with db.unit_of_work() as session:
        run = DigestRepository(session).run(TEAM_ID, period.key)
        assert run is not None and run.status == "posted" and run.ts == posted["ts"]


# ---- Prompt DMs -----------------------------------------------------------------------------------


def _round(db: Database, clock: ManualClock) -> PromptRound:
    _workspace(db, clock)
    with db.unit_of_work() as session:
        round_ = service.scheduled_round(session, TEAM_ID, clock().date(), now=clock())
        assert round_ is not None
        return round_


def _prompts(client, db: Database, clock: ManualClock) -> PromptMessages:
    return PromptMessages(client, db, OnceSender(client, db, clock), clock)


def test_a_prompt_is_claimed_sent_once_and_recorded(db: Database, fake: FakeSlack, client,
                                                    clock: ManualClock) -> None:
    round_ = _round(db, clock)
    messages = _prompts(client, db, clock)
    recipient = service.Recipient("UALICE", clock())
    assert messages.deliver(round_, recipient) == "sent"
    assert messages.deliver(round_, recipient) == "taken"
    [dm] = fake.messages("UALICE")
    assert dm["metadata"]["event_type"] == PROMPT_EVENT
    with db.unit_of_work() as session:
        # Another member's delivery in the same round is still theirs to claim.
        assert DeliveryRepository(session).claim(round_, "UBEN", due_at=clock(), now=clock()) is not None


def test_a_prompt_whose_post_had_an_unknown_outcome_is_found_not_sent_again(db: Database, fake: FakeSlack,
                                                                            client, clock: ManualClock) -> None:
    round_ = _round(db, clock)
    fake.fail_after_next("chat.postMessage", "internal_error")
    assert _prompts(client, db, clock).deliver(round_, service.Recipient("UALICE", clock())) == "sent"
    assert len(fake.messages("UALICE")) == 1


def test_a_prompt_slack_refuses_for_good_is_marked_failed(db: Database, fake: FakeSlack, client,
                                                          clock: ManualClock) -> None:
    round_ = _round(db, clock)
    fake.fail_next("chat.postMessage", "user_disabled")
    assert _prompts(client, db, clock).deliver(round_, service.Recipient("UALICE", clock())) == "failed"
    assert fake.messages("UALICE") == []


def test_a_nudge_goes_once_and_a_redraw_updates_the_prompt(db: Database, fake: FakeSlack, client,
                                                           clock: ManualClock) -> None:
    round_ = _round(db, clock)
    messages = _prompts(client, db, clock)
    assert messages.deliver(round_, service.Recipient("UALICE", clock())) == "sent"
    delivery_id, channel_id = _only_delivery(db, round_)
    assert messages.nudge(delivery_id, channel_id, round_.question) == 1
    assert messages.nudge(delivery_id, channel_id, round_.question) == 0
    assert len(fake.messages("UALICE")) == 2
    messages.redraw(delivery_id)
    assert len(fake.calls_to("chat.update", ok_only=True)) == 1


def _only_delivery(db: Database, round_: PromptRound) -> tuple[int, str | None]:
    with db.unit_of_work() as session:
        [row] = session.execute(select(PromptDelivery).where(PromptDelivery.round_id == round_.id)).scalars()
        return row.id, row.channel_id


# ---- The issue form -------------------------------------------------------------------------------


def test_the_issue_form_opens_prefilled_from_its_collaborators(db: Database, fake: FakeSlack, client,
                                                               clock: ManualClock) -> None:
    _workspace(db, clock)
    IssueForms(client, db, clock).open(trigger_id="1.1764000000.0123456789abcdef01234567", team_id=TEAM_ID,
                                       user_id="UALICE", prefill=IssuePrefill(title="Commissioners never visit"))
    [opened] = fake.calls_to("views.open", ok_only=True)
    assert "Commissioners never visit" in json.dumps(opened.json("view"))


# ---- Calls for volunteers -------------------------------------------------------------------------


def test_a_call_for_volunteers_is_redrawn_and_its_closing_thanked_once(db: Database, fake: FakeSlack, client,
                                                                       clock: ManualClock) -> None:
    _workspace(db, clock)
    with db.unit_of_work() as session:
        call = volunteering.create_call(session, TEAM_ID, "CGROUP", "UALICE",
                                        volunteering.parse_call('"Staff the stall" 2', zone=LONDON, now=clock()),
                                        now=clock())
    posted = client.chat_postMessage(channel="CGROUP", text="A call for volunteers")
    with db.unit_of_work() as session:
        volunteering.attach_message(session, TEAM_ID, call.id, posted["ts"])
    calls = VolunteerCalls(client, db, OnceSender(client, db, clock))
    assert calls.refresh(TEAM_ID, call.id).is_open
    assert "Staff the stall" in fake.message("CGROUP", posted["ts"])["text"]
    with db.unit_of_work() as session:
        closed, _ = volunteering.close_call(session, TEAM_ID, call.id, "UALICE", is_coordinator=False, now=clock())
    calls.announce_closed(closed)
    calls.announce_closed(closed)
    assert len(fake.calls_to("chat.postMessage", ok_only=True)) == 2, "the call itself, then one thank-you"
