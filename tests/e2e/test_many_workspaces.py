"""One Convene serving many groups: "Add to Slack", each workspace's own token, and nothing of one
workspace ever seen in another. The real bot in HTTP mode, the real redirect flow, the fake Slack
with several workspaces (it refuses, and reports, a call about another workspace's channel or
member)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, inspect, select, text

from bot.jobs import digest as digest_jobs
from bot.jobs import prompts as prompt_jobs
from bot.jobs import workspaces as workspace_jobs
from bot.slack.installations import installed_team_ids
from storage.db import Database
from storage.models import Issue, Poll, Workspace
from tests.harness.bot import BotUnderTest
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.hosting import get, install, sender_for, start_hosting_bot, start_install
from tests.harness.signed import SlackSender

# The fixture clock starts on Tuesday 24 November 2026, 09:00 UTC (09:00 in London, 04:00 in New York).
TUESDAY_10_LONDON = "2026-11-24T10:00:00+00:00"
TUESDAY_10_NEW_YORK = "2026-11-24T15:00:00+00:00"
FRIDAY_4PM_LONDON = "2026-11-27T16:00:00+00:00"
FRIDAY_4PM_NEW_YORK = "2026-11-27T21:00:00+00:00"


@dataclass(frozen=True)
class Group:
    """One workspace's group: its coordinator, a member, its channel and words only it uses."""

    team_id: str
    name: str
    coordinator: str
    member: str
    channel: str
    zone: str
    word: str

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.team_id, self.coordinator, self.member, self.channel)


ALDER = Group("T0ALDER", "Alder Alliance", "UALDCOORD", "UALDMEMB", "CALDER", "Europe/London", "Aldermoor")
BIRCH = Group("T0BIRCH", "Birch Network", "UBIRCOORD", "UBIRMEMB", "CBIRCH", "America/New_York", "Birchwood")


def _seed(fake: FakeSlack, group: Group) -> None:
    fake.add_user(group.coordinator, name=group.coordinator.lower(), real_name=f"{group.word} Coordinator",
                  tz=group.zone, is_admin=True, team_id=group.team_id)
    fake.add_user(group.member, name=group.member.lower(), real_name=f"{group.word} Member", tz=group.zone,
                  team_id=group.team_id)
    fake.add_channel(group.channel, name=f"{group.word.lower()}-wg", members=[group.coordinator, group.member],
                     team_id=group.team_id)


@pytest.fixture
def hosting(db: Database, fake: FakeSlack, clock: ManualClock) -> Iterator[BotUnderTest]:
    running = start_hosting_bot(db.url, fake, clock=clock)
    yield running
    running.drain()
    running.stop()


@pytest.fixture
def groups(hosting: BotUnderTest) -> BotUnderTest:
    """Alder and Birch have both installed Convene through "Add to Slack"."""
    for group in (ALDER, BIRCH):
        page = install(hosting, group.team_id, user_id=group.coordinator, team_name=group.name)
        assert page.status == 200 and "Convene is installed" in page.text, page
        _seed(hosting.fake, group)
    return hosting


def _command(bot: BotUnderTest, group: Group, command: str, text: str, *, user: str | None = None) -> str:
    """Send a slash command from the group's channel; what Convene answered (ack and response URL)."""
    slack = sender_for(bot, group.team_id)
    before = len(bot.fake.calls_to("response_url"))
    response = slack.command(command, text, user_id=user or group.coordinator, channel_id=group.channel)
    assert response.status == 200, response
    bot.drain()
    said = [response.text] + [json.dumps(call.args) for call in bot.fake.calls_to("response_url")[before:]]
    return "\n".join(said)


# ---- Add to Slack ------------------------------------------------------------------------------


def test_two_workspaces_install_through_the_redirect_flow(hosting: BotUnderTest, db: Database) -> None:
    started = start_install(hosting)
    assert "Add Convene to Slack" in started.page.text
    assert started.authorize_url.startswith(hosting.fake.authorize_url + "?")
    for scope in ("commands", "chat:write", "users:read"):
        assert scope in started.authorize_url

    for group in (ALDER, BIRCH):
        page = install(hosting, group.team_id, user_id=group.coordinator, team_name=group.name)
        assert page.status == 200
        assert "Convene is installed" in page.text and group.name in page.text

    assert installed_team_ids(db, hosting.fake.client_id) == sorted([ALDER.team_id, BIRCH.team_id])
    with db.unit_of_work() as session:
        assert {w.team_id: w.name for w in session.scalars(select(Workspace))} == {
            ALDER.team_id: ALDER.name, BIRCH.team_id: BIRCH.name}
    # Each install's code was exchanged once, with the app's credentials.
    assert len(hosting.fake.calls_to("oauth.v2.access", ok_only=True)) == 2


def test_a_forged_state_is_refused_with_a_clear_page(hosting: BotUnderTest, db: Database) -> None:
    started = start_install(hosting)
    redirect = hosting.fake.approve(started.authorize_url, ALDER.team_id, user_id=ALDER.coordinator)
    forged_state = "d6a7c0e0-0000-4000-8000-000000000000.0123456789abcdef0123456789abcdef"

    # A state that is not this browser's.
    page = get(redirect.replace(started.state, forged_state), cookie=started.cookie)
    assert page.status == 400 and "another browser" in page.text

    # A state made up by someone who also set the cookie: its signature gives it away.
    page = get(redirect.replace(started.state, forged_state), cookie=f"slack-app-oauth-state={forged_state}")
    assert page.status == 401 and "already been used or has expired" in page.text

    assert installed_team_ids(db, hosting.fake.client_id) == []
    assert hosting.fake.calls_to("oauth.v2.access") == [], "no code is exchanged for a forged state"


def test_a_replayed_redirect_is_refused(hosting: BotUnderTest, db: Database) -> None:
    started = start_install(hosting)
    redirect = hosting.fake.approve(started.authorize_url, ALDER.team_id, user_id=ALDER.coordinator)
    assert get(redirect, cookie=started.cookie).status == 200
    again = get(redirect, cookie=started.cookie)
    assert again.status == 401 and "Convene was not installed" in again.text
    assert len(hosting.fake.calls_to("oauth.v2.access")) == 1


def test_cancelling_in_slack_says_nothing_was_installed(hosting: BotUnderTest, db: Database) -> None:
    started = start_install(hosting)
    page = get(hosting.fake.deny(started.authorize_url), cookie=started.cookie)
    assert "Convene was not installed" in page.text and "cancelled" in page.text
    assert installed_team_ids(db, hosting.fake.client_id) == []


def test_a_request_from_a_workspace_that_never_installed_is_not_served(groups: BotUnderTest) -> None:
    stranger = groups.fake.add_workspace("T0CEDAR")
    groups.fake.add_user("UCEDAR", name="cedar", team_id="T0CEDAR")
    slack = SlackSender(groups.url, "fake-signing-secret-for-tests", team_id="T0CEDAR",
                        bot_user_id=stranger["bot_user_id"], fake=groups.fake)
    slack.command("/issue", "Cedar contracts are too short", user_id="UCEDAR", channel_id="CCEDAR")
    groups.drain()
    assert groups.fake.calls_for("T0CEDAR") == []
    with groups.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Issue)) == 0


# ---- The same scenario in both, apart -------------------------------------------------------------


def _run_the_scenario(bot: BotUnderTest) -> None:
    for group in (ALDER, BIRCH):
        _command(bot, group, "/convene", f"settings channel <#{group.channel}|{group.word.lower()}-wg>")
        _command(bot, group, "/convene", f"settings timezone {group.zone}")
        _command(bot, group, "/meet",
                 f'"{group.word} planning" "Tue 1 Dec 10am" "Wed 2 Dec 2pm" deadline "Mon 30 Nov 5pm"')
        _command(bot, group, "/issue", f"{group.word} lead providers keep a fifth of the money #lead-provider",
                 user=group.member)
        _command(bot, group, "/prompt", "schedule weekly Tue 10:00")
        sender_for(bot, group.team_id).app_home_opened(user_id=group.member)
        bot.drain()
    for moment in (TUESDAY_10_LONDON, TUESDAY_10_NEW_YORK):
        bot.clock.set(moment)
        prompt_jobs.tick()
    for group, moment in ((ALDER, FRIDAY_4PM_LONDON), (BIRCH, FRIDAY_4PM_NEW_YORK)):
        bot.clock.set(moment)
        digest_jobs.post_due_digest(group.team_id)


def _prompt_dms(fake: FakeSlack, user_id: str) -> list[dict]:
    return [m for m in fake.messages(user_id)
            if any(str(b.get("block_id", "")).startswith("prompt_actions_") for b in m.get("blocks") or [])]


def test_the_same_scenario_runs_in_both_workspaces_with_their_own_tokens(groups: BotUnderTest) -> None:
    fake = groups.fake
    _run_the_scenario(groups)

    for group in (ALDER, BIRCH):
        channel = json.dumps(fake.messages(group.channel))
        assert f"{group.word} planning" in channel, "the poll"
        assert f"{group.word} lead providers" in channel, "the issue's card"
        assert any((m.get("metadata") or {}).get("event_type") == "convene_digest"
                   for m in fake.messages(group.channel)), "the weekly digest"
        assert len(_prompt_dms(fake, group.member)) == 1, "this week's prompt"
        assert group.member in fake.home_views
        token = fake.installed_token(group.team_id)
        mine = fake.calls_for(group.team_id)
        assert mine and all(call.token == token for call in mine)

    # The prompt reached each member at 10:00 where they are.
    [alder_prompt] = _prompt_dms(fake, ALDER.member)
    [birch_prompt] = _prompt_dms(fake, BIRCH.member)
    assert float(alder_prompt["ts"]) < float(birch_prompt["ts"])

    # Every call Convene made carried a workspace's token (none tokenless, none guessed).
    tokenless = [c for c in fake.calls if c.team_id is None and c.method not in ("oauth.v2.access", "response_url")]
    assert tokenless == []


def test_nothing_of_one_workspace_appears_in_the_others_calls(groups: BotUnderTest) -> None:
    _run_the_scenario(groups)
    _command(groups, ALDER, "/issue", "export")
    _command(groups, BIRCH, "/issue", "export")
    _command(groups, ALDER, "/convene", "coordinators list")
    _command(groups, BIRCH, "/convene", "coordinators list")
    _command(groups, BIRCH, "/meet", "suggest")
    # Birch logs an issue much like Alder's: the similar-issue hint may only look in Birch's register.
    _command(groups, BIRCH, "/issue", "Lead providers keep a fifth of the money", user=BIRCH.coordinator)

    for group, other in ((ALDER, BIRCH), (BIRCH, ALDER)):
        calls = groups.fake.calls_for(group.team_id)
        assert calls
        for call in calls:
            seen = json.dumps(call.args, ensure_ascii=False)
            for leak in (*other.ids, other.word, other.name):
                assert leak not in seen, f"{other.team_id}'s {leak!r} went to {group.team_id} in {call!r}"
    # Response URLs are per request: each answered only its own workspace's people.
    for call in groups.fake.calls_to("response_url"):
        seen = json.dumps(call.args, ensure_ascii=False)
        assert not (ALDER.word in seen and BIRCH.word in seen), call


# ---- Token rotation ---------------------------------------------------------------------------


def test_an_expired_rotating_token_is_refreshed_once_and_used(hosting: BotUnderTest) -> None:
    page = install(hosting, ALDER.team_id, user_id=ALDER.coordinator, team_name=ALDER.name, rotating=True,
                   token_lifetime=12 * 3600)
    assert page.status == 200
    _seed(hosting.fake, ALDER)
    first = hosting.fake.installed_token(ALDER.team_id)
    assert first.startswith("xoxe.xoxb-")
    _command(hosting, ALDER, "/issue", "Aldermoor tenders take six weeks to write", user=ALDER.member)
    assert hosting.fake.refresh_grants(ALDER.team_id) == 0

    hosting.clock.advance(hours=12)  # the token has expired
    sender_for(hosting, ALDER.team_id).app_home_opened(user_id=ALDER.member)
    hosting.drain()
    assert hosting.fake.refresh_grants(ALDER.team_id) == 1
    second = hosting.fake.installed_token(ALDER.team_id)
    assert second != first
    after = [c for c in hosting.fake.calls_for(ALDER.team_id) if c.token == second]
    assert after and all(c.ok for c in after)
    expired = [c for c in hosting.fake.calls_for(ALDER.team_id) if (c.response or {}).get("error") == "token_expired"]
    assert expired == [], "the token is refreshed before it expires, not after Slack refuses it"


# ---- Leaving ------------------------------------------------------------------------------------


def _uninstall(bot: BotUnderTest, group: Group) -> None:
    bot.fake.uninstall(group.team_id)
    response = sender_for(bot, group.team_id).event({"type": "app_uninstalled"})
    assert response.status == 200
    bot.drain()


def test_uninstalling_stops_that_workspaces_jobs(groups: BotUnderTest, db: Database) -> None:
    for group in (ALDER, BIRCH):
        _command(groups, group, "/convene", f"settings channel <#{group.channel}|{group.word.lower()}-wg>")
        _command(groups, group, "/prompt", "schedule weekly Tue 10:00")
    _uninstall(groups, BIRCH)
    assert installed_team_ids(db, groups.fake.client_id) == [ALDER.team_id]
    birch_calls = len(groups.fake.calls_for(BIRCH.team_id))

    for moment in (TUESDAY_10_LONDON, TUESDAY_10_NEW_YORK):
        groups.clock.set(moment)
        prompt_jobs.tick()
    groups.clock.set(FRIDAY_4PM_NEW_YORK)
    digest_jobs.post_due_digest(BIRCH.team_id)
    digest_jobs.catch_up()

    assert len(groups.fake.calls_for(BIRCH.team_id)) == birch_calls, "nothing is sent for Birch any more"
    assert _prompt_dms(groups.fake, BIRCH.member) == []
    assert len(_prompt_dms(groups.fake, ALDER.member)) == 1, "Alder carries on"
    with db.unit_of_work() as session:
        assert session.get(Workspace, BIRCH.team_id).uninstalled_at is not None
        assert session.get(Workspace, ALDER.team_id).uninstalled_at is None


def test_revoking_the_bot_token_stops_the_workspace_but_a_user_token_does_not(groups: BotUnderTest,
                                                                             db: Database) -> None:
    birch = sender_for(groups, BIRCH.team_id)
    birch.event({"type": "tokens_revoked", "tokens": {"oauth": [BIRCH.member], "bot": []}})
    groups.drain()
    assert installed_team_ids(db, groups.fake.client_id) == sorted([ALDER.team_id, BIRCH.team_id])
    bot_user = groups.fake.workspace(BIRCH.team_id)["bot_user_id"]
    birch.event({"type": "tokens_revoked", "tokens": {"bot": [bot_user]}})
    groups.drain()
    assert installed_team_ids(db, groups.fake.client_id) == [ALDER.team_id]
    with db.unit_of_work() as session:
        assert session.get(Workspace, BIRCH.team_id).uninstalled_at is not None


def test_installing_again_brings_the_workspace_back(groups: BotUnderTest, db: Database) -> None:
    _uninstall(groups, BIRCH)
    page = install(groups, BIRCH.team_id, user_id=BIRCH.coordinator, team_name=BIRCH.name)
    assert page.status == 200
    with db.unit_of_work() as session:
        assert session.get(Workspace, BIRCH.team_id).uninstalled_at is None
    assert "Birchwood" in _command(groups, BIRCH, "/issue", "Birchwood grants arrive late", user=BIRCH.member)


def _rows_of(db: Database, team_id: str) -> dict[str, int]:
    """Rows holding `team_id`, per table, in every table of the database (slack_sdk's too)."""
    inspector = inspect(db.engine)
    tables = [table for table in inspector.get_table_names()
              if "team_id" in {column["name"] for column in inspector.get_columns(table)}]
    found = {}
    with db.engine.connect() as connection:
        for table in tables:
            count = connection.execute(text(f'SELECT COUNT(*) FROM "{table}" WHERE team_id = :t'),
                                       {"t": team_id}).scalar()
            if count:
                found[table] = count
    return found


def test_a_coordinator_can_delete_the_workspaces_data(groups: BotUnderTest, db: Database) -> None:
    _run_the_scenario(groups)
    assert _rows_of(db, BIRCH.team_id)

    said = _command(groups, BIRCH, "/convene", "delete-workspace-data", user=BIRCH.member)
    assert "Only a coordinator" in said
    assert "Delete all of this workspace" in _command(groups, BIRCH, "/convene", "delete-workspace-data")
    alder_before = _rows_of(db, ALDER.team_id)
    birch_jobs = [job for job in groups.runtime.scheduler.get_jobs() if job.args and job.args[0] == BIRCH.team_id]
    assert birch_jobs, "Birch had scheduled work (its digest, its poll's reminders)"

    slack = sender_for(groups, BIRCH.team_id)
    slack.block_action({"action_id": "convene_delete_workspace_data", "value": "confirm"},
                       user_id=BIRCH.member, channel_id=BIRCH.channel)
    groups.drain()
    assert _rows_of(db, BIRCH.team_id), "a member's click deletes nothing"

    slack.block_action({"action_id": "convene_delete_workspace_data", "value": "confirm"},
                       user_id=BIRCH.coordinator, channel_id=BIRCH.channel)
    groups.drain()
    left = _rows_of(db, BIRCH.team_id)
    # Only the installation is left: Convene stays installed and starts afresh.
    assert set(left) == {"slack_installations", "slack_bots"}, left
    assert not [job for job in groups.runtime.scheduler.get_jobs() if job.args and job.args[0] == BIRCH.team_id]
    assert _rows_of(db, ALDER.team_id) == alder_before
    assert "deleted this workspace's data" in json.dumps(groups.fake.calls_to("response_url")[-1].args)
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Poll).where(Poll.team_id == BIRCH.team_id)) == 0


def test_data_goes_after_the_retention_period_following_an_uninstall(groups: BotUnderTest, db: Database) -> None:
    _run_the_scenario(groups)
    _uninstall(groups, BIRCH)
    groups.clock.advance(days=29)
    workspace_jobs.delete_expired()
    assert _rows_of(db, BIRCH.team_id)
    groups.clock.advance(days=2)
    workspace_jobs.delete_expired()
    assert _rows_of(db, BIRCH.team_id) == {}
    assert _rows_of(db, ALDER.team_id)


# ---- One workspace (SLACK_BOT_TOKEN) ----------------------------------------------------------------


def test_one_workspace_that_uninstalls_gets_nothing_until_someone_uses_convene_again(bot: BotUnderTest) -> None:
    from tests.e2e.prompting import prompt_dms, say, tick, use_group_channel

    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    assert bot.slack.event({"type": "app_uninstalled"}).status == 200
    bot.drain()
    tick(bot, TUESDAY_10_LONDON)
    assert prompt_dms(bot, "UALICE") == []

    bot.slack.command("/convene", "help", user_id="UALICE")  # installed again, and used
    bot.drain()
    tick(bot, "2026-12-01T10:00:00+00:00")
    assert len(prompt_dms(bot, "UALICE")) == 1


def test_whoever_installed_convene_finds_it_in_their_data_and_can_have_it_forgotten(groups: BotUnderTest,
                                                                                   db: Database) -> None:
    _command(groups, ALDER, "/convene", "my-data")
    exported = json.loads(groups.fake.files[-1]["content"])
    [installed] = exported["stored_rows"]["slack_installations"]
    assert installed["user_id"] == ALDER.coordinator and installed["team_id"] == ALDER.team_id
    assert "xoxb" not in json.dumps(exported), "an export never carries a token"

    sender_for(groups, ALDER.team_id).block_action(
        {"type": "button", "action_id": "convene_forget_me", "block_id": "b", "value": "confirm"},
        user_id=ALDER.coordinator, channel_id=ALDER.channel)
    groups.drain()
    with db.engine.connect() as connection:
        installers = connection.execute(text("SELECT team_id, user_id FROM slack_installations")).all()
    assert (ALDER.team_id, ALDER.coordinator) not in installers
    assert (BIRCH.team_id, BIRCH.coordinator) in installers, "only the member who asked is forgotten"
    assert installed_team_ids(db, groups.fake.client_id) == sorted([ALDER.team_id, BIRCH.team_id])
