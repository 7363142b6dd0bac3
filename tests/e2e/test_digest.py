"""/digest and the weekly job: exactly one digest per period, whatever happens."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest

from bot.jobs import digest as digest_jobs
from storage.models import Absence
from storage.repositories.digest import DigestRepository
from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.polls_helpers import MEET, click, meet, poll_message, press
from tests.e2e.prompting import reply_in_dm, send_now, use_group_channel
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.fake_slack import TEAM_DOMAIN
from tests.harness.signed import view_state

FRIDAY_4PM = "2026-11-27T16:00:00+00:00"  # London is on UTC in November


def _say(bot: BotUnderTest, text: str, user: str = "UADMIN") -> dict:
    bot.slack.command("/digest", text, user_id=user, response_url=bot.fake.response_url("digest"))
    bot.drain()
    return bot.fake.calls_to("response_url")[-1].args


@pytest.fixture
def group(bot: BotUnderTest) -> BotUnderTest:
    """A workspace Convene has known since before this week, with its channel set."""
    with bot.runtime.db.unit_of_work() as session:
        workspace = WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock())
        workspace.created_at = bot.clock().replace(month=10)
        workspace.channel_id = "CGROUP"
    return bot


def _digests(bot: BotUnderTest) -> list[dict]:
    return [m for m in bot.fake.messages("CGROUP") if (m.get("metadata") or {}).get("event_type") == "convene_digest"]


def test_the_weekly_job_posts_once_even_when_run_twice(group: BotUnderTest) -> None:
    group.clock.set(FRIDAY_4PM)
    digest_jobs.post_due_digest(TEAM_ID)
    digest_jobs.post_due_digest(TEAM_ID)
    [posted] = _digests(group)
    assert posted["metadata"]["event_payload"]["period"] == "2026-11-27"
    with group.runtime.db.unit_of_work() as session:
        run = DigestRepository(session).run(TEAM_ID, "2026-11-27")
        assert (run.status, run.ts) == ("posted", posted["ts"])


def test_two_clocks_running_the_job_at_once_post_one_digest(group: BotUnderTest) -> None:
    group.clock.set(FRIDAY_4PM)
    group.fake.delay("chat.postMessage", seconds=0.3)
    barrier = threading.Barrier(4)

    def clock_process() -> None:
        barrier.wait()
        digest_jobs.post_due_digest(TEAM_ID)

    threads = [threading.Thread(target=clock_process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(_digests(group)) == 1


def test_a_crash_between_posting_and_recording_does_not_post_twice(group: BotUnderTest,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    group.clock.set(FRIDAY_4PM)

    def die(*args: object, **kwargs: object) -> None:
        raise SystemExit("the clock process was killed")

    monkeypatch.setattr(DigestRepository, "mark_posted", die)
    with pytest.raises(SystemExit):
        digest_jobs.post_due_digest(TEAM_ID)
    monkeypatch.undo()
    assert len(_digests(group)) == 1

    group.clock.advance(minutes=2)
    digest_jobs.catch_up()  # the claim is fresh: someone may still be posting
    group.clock.advance(minutes=15)
    digest_jobs.catch_up()  # stale: look in the channel, find it, record it
    digest_jobs.post_due_digest(TEAM_ID)
    [posted] = _digests(group)
    with group.runtime.db.unit_of_work() as session:
        run = DigestRepository(session).run(TEAM_ID, "2026-11-27")
        assert (run.status, run.ts) == ("posted", posted["ts"])


def test_a_crash_before_posting_is_recovered_by_posting_once(group: BotUnderTest) -> None:
    group.clock.set(FRIDAY_4PM)
    with group.runtime.db.unit_of_work() as session:
        DigestRepository(session).claim(TEAM_ID, "2026-11-27", start=group.clock(), end=group.clock(),
                                        token="dead-process", now=group.clock(), channel_id="CGROUP",
                                        requested_by=None)
    digest_jobs.post_due_digest(TEAM_ID)
    assert _digests(group) == [], "a fresh claim belongs to someone still posting"
    group.clock.advance(minutes=11)
    digest_jobs.catch_up()
    digest_jobs.catch_up()
    assert len(_digests(group)) == 1


def test_a_digest_missed_while_down_is_posted_on_return_once(group: BotUnderTest) -> None:
    group.clock.set("2026-11-27T22:30:00+00:00")  # back six and a half hours late
    digest_jobs.catch_up()
    digest_jobs.catch_up()
    assert len(_digests(group)) == 1


def test_a_digest_missed_by_more_than_the_grace_period_is_skipped(group: BotUnderTest) -> None:
    group.clock.set("2026-11-28T09:00:00+00:00")
    digest_jobs.catch_up()
    digest_jobs.post_due_digest(TEAM_ID)
    assert _digests(group) == []


def test_catch_up_keeps_the_weekly_job_in_the_store(group: BotUnderTest) -> None:
    digest_jobs.catch_up()
    next_run = group.runtime.jobs.next_run(f"digest:{TEAM_ID}")
    assert next_run is not None and next_run.isoformat() == "2026-11-27T16:00:00+00:00"


def test_digest_now_posts_this_weeks_digest_early_and_only_once(group: BotUnderTest) -> None:
    reply = _say(group, "now")
    assert "Posted the digest for 20–27 Nov 2026" in reply["text"]
    assert "scheduled one will not be posted again" in reply["text"]
    assert "already posted" in _say(group, "now")["text"]
    group.clock.set(FRIDAY_4PM)
    digest_jobs.post_due_digest(TEAM_ID)
    assert len(_digests(group)) == 1


def test_a_quiet_week_gives_a_short_digest_that_says_so(group: BotUnderTest) -> None:
    group.clock.set(FRIDAY_4PM)
    digest_jobs.post_due_digest(TEAM_ID)
    [posted] = _digests(group)
    assert "quiet week" in json.dumps(posted["blocks"], ensure_ascii=False)
    assert len(posted["blocks"]) <= 5


def test_who_is_away_in_the_coming_week_is_listed(group: BotUnderTest) -> None:
    group.runtime.directory.ensure(TEAM_ID, "UBEN")
    with group.runtime.db.unit_of_work() as session:
        session.add(Absence(team_id=TEAM_ID, user_id="UBEN", starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 2)))
        session.add(Absence(team_id=TEAM_ID, user_id="UBEN", starts_on=date(2026, 12, 20), ends_on=date(2026, 12, 24)))
    group.clock.set(FRIDAY_4PM)
    digest_jobs.post_due_digest(TEAM_ID)
    rendered = json.dumps(_digests(group)[0]["blocks"], ensure_ascii=False)
    assert "Away in the coming week" in rendered and "ben — Mon 30 Nov – Wed 2 Dec" in rendered
    assert "<@UBEN" not in rendered, "nobody is @-mentioned for being away"
    assert "20 Dec" not in rendered


def test_not_being_in_the_channel_is_explained_and_retried_later(group: BotUnderTest) -> None:
    group.fake.fail_next("chat.postMessage", error="not_in_channel")
    assert "/invite @Convene" in _say(group, "now")["text"]
    with group.runtime.db.unit_of_work() as session:
        assert DigestRepository(session).run(TEAM_ID, "2026-11-27").status == "failed"
    _say(group, "now")
    assert len(_digests(group)) == 1


def test_members_see_the_schedule_but_cannot_change_it(group: BotUnderTest) -> None:
    status = _say(group, "", user="UALICE")
    assert "Fridays at 16:00 (Europe/London)" in json.dumps(status["blocks"], ensure_ascii=False)
    assert "looked after by coordinators" in _say(group, "now", user="UALICE")["text"]
    assert "looked after by coordinators" in _say(group, "preview", user="UALICE")["text"]
    assert _digests(group) == []


def test_preview_is_ephemeral_and_posts_nothing(group: BotUnderTest) -> None:
    preview = _say(group, "preview")
    assert preview["response_type"] == "ephemeral"
    assert "only you can see this" in json.dumps(preview["blocks"], ensure_ascii=False)
    assert _digests(group) == []


def test_schedule_and_channel_changes(group: BotUnderTest) -> None:
    group.clock.set("2026-11-25T12:00:00+00:00")  # a Wednesday: the next Tuesday is 1 December
    said = _say(group, "schedule Tue 9:30am")["text"]
    assert "Tuesdays at 09:30, read in the group's time zone (Europe/London)" in said
    next_run = group.runtime.jobs.next_run(f"digest:{TEAM_ID}")
    assert next_run.isoformat() == "2026-12-01T09:30:00+00:00"
    assert f"<!date^{int(next_run.timestamp())}^" in said, "the next one, in each reader's own time"
    assert "I can't read" in _say(group, "schedule whenever")["text"]
    assert "off" in _say(group, "schedule off")["text"]
    assert group.runtime.jobs.next_run(f"digest:{TEAM_ID}") is None
    _say(group, "schedule on")
    assert "<#COTHER>" in _say(group, "channel <#COTHER|elsewhere>")["text"]
    with group.runtime.db.unit_of_work() as session:
        settings = DigestRepository(session).settings(TEAM_ID)
        assert (settings.weekday, settings.hour, settings.minute, settings.enabled, settings.channel_id) == (
            1, 9, 30, True, "COTHER")


def test_open_calls_for_volunteers_are_listed_with_links(group: BotUnderTest) -> None:
    # As Slack sends it when someone types: "Draft the R&D <scope> @channel" 2
    group.slack.command("/volunteer", '"Draft the R&amp;D &lt;scope&gt; <!channel>" 2', user_id="UALICE",
                        channel_id="CGROUP")
    group.drain()
    [call] = [m for m in group.fake.messages("CGROUP") if "scope" in m["text"]]
    group.clock.set(FRIDAY_4PM)
    digest_jobs.post_due_digest(TEAM_ID)
    rendered = json.dumps(_digests(group)[0]["blocks"], ensure_ascii=False)
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/CGROUP/p{call['ts'].replace('.', '')}"
    assert "Calls for volunteers" in rendered and link in rendered
    assert "Draft the R&amp;D &lt;scope&gt; @channel" in rendered and "2 of 2 places to fill" in rendered
    assert "<!channel>" not in rendered


def _week_digest(bot: BotUnderTest) -> str:
    bot.clock.set(FRIDAY_4PM)
    digest_jobs.post_due_digest(TEAM_ID)
    [posted] = _digests(bot)
    return json.dumps(posted["blocks"], ensure_ascii=False)


def test_open_polls_show_how_many_answered_and_never_who_has_not(group: BotUnderTest) -> None:
    meet(group, '"Scope <!here> meeting" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm" deadline "Mon 30 Nov 5pm"')
    click(group, poll_message(group), 0, "yes", user="UBEN")
    rendered = _week_digest(group)
    assert "Open polls" in rendered and "Scope @here meeting" in rendered and "<!here>" not in rendered
    assert "1 of 3 answered" in rendered and "closes <!date^" in rendered
    polls_part = next(b["text"]["text"] for b in _digests(group)[0]["blocks"] if b.get("block_id") == "digest-polls")
    assert "<@" not in polls_part


def test_the_next_meeting_is_shown_once_decided(group: BotUnderTest) -> None:
    meet(group, MEET)
    message = poll_message(group)
    click(group, message, 1, "yes", user="UBEN")
    press(group, message, "poll_close", user="UALICE")
    view = group.fake.calls_to("views.open")[-1].json("view")
    group.slack.view_submission(view, view_state(view, {"final": view["blocks"][1]["element"]["initial_option"]["value"]}),
                                user_id="UALICE")
    group.drain()
    rendered = _week_digest(group)
    assert "Next meeting" in rendered and "First meeting" in rendered and "<!date^" in rendered
    assert "quiet week" not in rendered


def _backed_issue(bot: BotUnderTest, text: str) -> None:
    """Alice adds an issue with `/issue`; Ben +1s its card."""
    bot.slack.command("/issue", text, user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    card = bot.fake.messages("CGROUP")[-1]
    plus_one = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
                    if "+1" in e["text"]["text"])
    bot.slack.block_action({"type": "button", "action_id": plus_one["action_id"], "value": plus_one.get("value", ""),
                            "block_id": "x"}, user_id="UBEN", channel_id="CGROUP", message=card)
    bot.drain()


def test_new_and_top_issues_are_listed_with_their_plus_ones(group: BotUnderTest) -> None:
    _backed_issue(group, "Lead provider contracts push all the risk onto small partners #lead-provider")
    rendered = _week_digest(group)
    assert "New issues (1)" in rendered and "#1 Lead provider contracts" in rendered
    assert "Most supported issues" in rendered and "1 × +1" in rendered and "#lead-provider" in rendered


def test_a_quiet_week_still_shows_what_stands(group: BotUnderTest) -> None:
    _backed_issue(group, "Monitoring forms differ for every funder #monitoring")
    group.clock.set("2026-12-04T16:00:00+00:00")  # a week later: nothing new since
    digest_jobs.post_due_digest(TEAM_ID)
    rendered = json.dumps(_digests(group)[-1]["blocks"], ensure_ascii=False)
    assert "quiet week" in rendered and "Most supported issues" in rendered and "New issues" not in rendered


def test_this_weeks_prompt_shows_the_question_and_how_many_answered_without_unshared_quotes(
        group: BotUnderTest) -> None:
    use_group_channel(group)
    send_now(group)
    reply_in_dm(group, "UBEN", "Please do not put this <!channel> in the digest.")
    rendered = _week_digest(group)
    assert "This week's question" in rendered and "1 of 3 answered" in rendered
    assert "Please do not put this" not in rendered
