"""`/meet suggest` end to end: ranking members in two time zones, the one-click poll, and what is refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from bot.services.availability import AvailabilityDraft, DateRange, save_availability
from bot.views import suggest as views
from storage.models import Dispatch, Poll, PollOption
from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.polls_helpers import CHANNEL, only_poll, option_texts, poll_message, rendered
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

UTC = timezone.utc


def set_availability(bot: BotUnderTest, user_id: str, parts: Iterable[str], *, days: Iterable[int] = range(5),
                     organisation: str | None = None, away: tuple[DateRange, ...] = ()) -> None:
    """What the member would save in the `/availability` modal."""
    bot.runtime.directory.ensure(TEAM_ID, user_id)
    draft = AvailabilityDraft(slots=frozenset((day, part) for day in days for part in parts), away=away,
                              hours_per_month=None, organisation=organisation, tz_override=None)
    with bot.runtime.db.unit_of_work() as session:
        save_availability(session, TEAM_ID, user_id, draft, now=bot.clock())


def two_zones(bot: BotUnderTest) -> None:
    """Alice in London is free weekday afternoons, Ben in New York weekday mornings; Ada has not said."""
    set_availability(bot, "UALICE", ["afternoon"], organisation="Riverside Food Bank")
    set_availability(bot, "UBEN", ["morning"], organisation="Northside Advice")


def suggest(bot: BotUnderTest, text: str, *, user: str = "UALICE", channel: str = CHANNEL) -> dict[str, Any]:
    """`/meet suggest text`; returns the ephemeral reply (text and blocks) sent after the ack."""
    before = len(bot.fake.calls_to("response_url"))
    response = bot.slack.command("/meet", f"suggest {text}".strip(), user_id=user, channel_id=channel)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    calls = bot.fake.calls_to("response_url")
    assert len(calls) == before + 1, "one reply"
    reply = calls[-1].args
    assert reply.get("response_type") == "ephemeral"
    return reply


def shown(reply: dict[str, Any]) -> str:
    return reply.get("text", "") + json.dumps(reply.get("blocks") or [], ensure_ascii=False)


def button(reply: dict[str, Any], action_id: str) -> dict[str, Any]:
    block = next(b for b in reply["blocks"] if b.get("block_id") == "suggest-actions")
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    return {"type": "button", "action_id": action_id, "block_id": "suggest-actions", "value": element.get("value"),
            "text": element["text"]}


def press(bot: BotUnderTest, reply: dict[str, Any], action_id: str, *, user: str = "UALICE",
          drain: bool = True) -> None:
    response = bot.slack.block_action(button(reply, action_id), user_id=user, channel_id=CHANNEL)
    assert response.status == 200 and response.elapsed < 3.0
    if drain:
        bot.drain()


def polls(bot: BotUnderTest) -> int:
    with bot.runtime.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Poll)) or 0


def london(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")  # London is on GMT in November and December 2026


def token(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


def test_suggests_the_times_when_members_in_two_time_zones_are_both_free(bot: BotUnderTest) -> None:
    two_zones(bot)
    reply = suggest(bot, "90m next 2 weeks")
    text = shown(reply)
    # Ben's 09:00-12:00 in New York is 14:00-17:00 in London: a 90-minute meeting fits from 14:00.
    expected = [london(f"2026-{day} 14:00") for day in ("11-24", "11-25", "11-26", "11-27", "11-30")]
    sections = [b["text"]["text"] for b in reply["blocks"] if str(b.get("block_id", "")).startswith("suggested-")]
    assert len(sections) == 5
    for number, (section, start) in enumerate(zip(sections, expected, strict=True), start=1):
        assert section.startswith(f"*{number}. {token(start)}")
        assert token(start + timedelta(minutes=90)) in section
        assert "2 of 2 free · 2 organisations" in section
        assert "_Free:_ alice, ben" in section
    assert "2 of 3 people in <#CGROUP> have set their availability" in text
    assert "90 min" in text and "weekdays 09:00–21:00 Europe/London time" in text
    actions = next(b for b in reply["blocks"] if b.get("block_id") == "suggest-actions")
    assert [e["action_id"] for e in actions["elements"]] == [views.START_ACTION, views.EDIT_ACTION,
                                                             views.NUDGE_ACTION]
    assert polls(bot) == 0 and not bot.fake.calls_to("chat.postMessage")


def test_a_member_away_is_not_counted_on_those_days(bot: BotUnderTest) -> None:
    set_availability(bot, "UALICE", ["afternoon"], organisation="Riverside Food Bank")
    set_availability(bot, "UBEN", ["morning"], organisation="Northside Advice",
                     away=(DateRange(date(2026, 11, 24), date(2026, 11, 27)),))
    reply = suggest(bot, "1h this week")
    sections = [b["text"]["text"] for b in reply["blocks"] if str(b.get("block_id", "")).startswith("suggested-")]
    assert sections and all("1 of 2 free · 1 organisation" in s and "Ben" not in s for s in sections)


def test_start_a_poll_with_these_posts_one_poll_with_those_times_even_on_a_double_click(bot: BotUnderTest) -> None:
    two_zones(bot)
    reply = suggest(bot, '90m next 2 weeks "Steering group"')
    bot.fake.delay("chat.postMessage", 0.3, times=1)  # the first click is still posting when the second arrives
    press(bot, reply, views.START_ACTION, drain=False)
    press(bot, reply, views.START_ACTION, drain=False)
    bot.drain()

    assert polls(bot) == 1
    assert len(bot.fake.calls_to("chat.postMessage", ok_only=True)) == 1
    poll = only_poll(bot)
    assert (poll.title, poll.channel_id, poll.creator_id, poll.timezone) == (
        "Steering group", CHANNEL, "UALICE", "Europe/London")
    # Closes in 48 hours or halfway to the first time, whichever is sooner: the first is today at 14:00.
    assert poll.deadline == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    assert bot.runtime.jobs.next_run(f"poll-close:{poll.id}") == poll.deadline
    with bot.runtime.db.unit_of_work() as session:
        options = session.scalars(select(PollOption).order_by(PollOption.position)).all()
    assert [o.starts_at for o in options] == [london(f"2026-{d} 14:00") for d in
                                              ("11-24", "11-25", "11-26", "11-27", "11-30")]
    assert {(o.duration_minutes, o.all_day) for o in options} == {(90, False)}
    assert options[0].label == "Tue 24 Nov 14:00-15:30"
    message = poll_message(bot)
    assert len(option_texts(message)) == 5 and "Steering group" in rendered(message)
    assert "0 of 3 answered" in rendered(poll_message(bot))  # the channel's people are asked

    started = [c.args for c in bot.fake.calls_to("response_url") if c.args.get("replace_original")]
    assert len(started) == 1
    assert "Started the poll *Steering group*" in shown(started[0]) and "with 5 times" in shown(started[0])

    # A click from another device once it is posted links to the poll instead of making another.
    press(bot, reply, views.START_ACTION)
    assert polls(bot) == 1
    assert "already started a poll from these suggestions" in shown(bot.fake.calls_to("response_url")[-1].args)


def test_two_clicks_at_the_same_moment_post_one_poll(bot: BotUnderTest) -> None:
    two_zones(bot)
    reply = suggest(bot, "1h next week")
    barrier = threading.Barrier(4)

    def click() -> None:
        barrier.wait()
        press(bot, reply, views.START_ACTION, drain=False)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.drain()
    assert polls(bot) == 1
    assert len(bot.fake.calls_to("chat.postMessage", ok_only=True)) == 1
    with bot.runtime.db.unit_of_work() as session:
        claims = session.scalars(select(Dispatch).where(Dispatch.key.like("meet-suggest:%"))).all()
    assert [(c.status, c.channel_id) for c in claims] == [("sent", CHANNEL)]


def test_a_poll_that_cannot_be_posted_is_not_kept_and_the_button_works_again(bot: BotUnderTest) -> None:
    two_zones(bot)
    bot.fake.add_channel("CPRIVATE", name="wg-private", members=["UALICE", "UBEN"], bot_is_member=False)
    reply = suggest(bot, "1h next week in <#CPRIVATE|wg-private>")
    assert "<#CPRIVATE>" in shown(reply)
    press(bot, reply, views.START_ACTION)
    assert polls(bot) == 0
    assert "/invite @Convene" in shown(bot.fake.calls_to("response_url")[-1].args)

    bot.fake.add_channel("CPRIVATE", name="wg-private", members=["UALICE", "UBEN"])
    press(bot, reply, views.START_ACTION)
    assert polls(bot) == 1 and only_poll(bot).channel_id == "CPRIVATE"


def test_edit_and_start_opens_the_meet_form_filled_in(bot: BotUnderTest) -> None:
    two_zones(bot)
    reply = suggest(bot, "90m next week", user="UBEN")  # Ben reads and types times in New York
    press(bot, reply, views.EDIT_ACTION, user="UBEN")
    [opened] = bot.fake.calls_to("views.open", ok_only=True)
    view = next(v for v in bot.fake.views.values() if v["callback_id"] == "poll_create")
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "Meeting"
    assert fields["options"]["initial_value"].splitlines() == [
        f"{day} 09:00-10:30" for day in ("Mon 30 Nov", "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec")]
    assert fields["deadline"]["initial_value"] == "Thu 26 Nov 04:00"  # 48 hours on, in New York
    assert fields["channel"]["initial_conversation"] == CHANNEL
    assert polls(bot) == 0

    response = bot.slack.view_submission(view, view_state(view, {"title": "Working group call"}), user_id="UBEN")
    assert response.status == 200 and response.text in ("", "{}")
    bot.drain()
    poll = only_poll(bot)
    assert poll.title == "Working group call" and poll.deadline == datetime(2026, 11, 26, 9, tzinfo=UTC)
    with bot.runtime.db.unit_of_work() as session:
        starts = session.scalars(select(PollOption.starts_at).order_by(PollOption.position)).all()
    assert starts == [london(f"2026-{d} 14:00") for d in ("11-30", "12-01", "12-02", "12-03", "12-04")]


def test_nobody_has_set_their_availability(bot: BotUnderTest) -> None:
    reply = suggest(bot, "")
    text = shown(reply)
    assert "Nobody in <#CGROUP> has told Convene when they are usually free yet" in text
    assert "/availability" in text and "suggested-" not in text
    assert views.START_ACTION not in text
    press(bot, reply, "availability_open")  # the asker sets their own in one click
    assert [v["callback_id"] for v in bot.fake.views.values()] == ["availability_modal"]


def test_nobody_free_in_meeting_hours_says_so(bot: BotUnderTest) -> None:
    set_availability(bot, "UALICE", ["evening"])
    assert "weekdays 09:00–17:30" in convene_settings(bot, "meeting-hours weekdays 9am-5.30pm")
    reply = suggest(bot, "2h next week")
    assert "Nobody in <#CGROUP> who has set their availability is usually free for 2 hours" in shown(reply)
    assert views.START_ACTION not in shown(reply)

    bot.clock.set("2026-11-28T10:00:00+00:00")  # a Saturday
    reply = suggest(bot, "1h this week")
    assert "no meeting hours left in this week" in shown(reply)


def convene_settings(bot: BotUnderTest, text: str, *, user: str = "UADMIN") -> str:
    """`/convene settings text`; the ephemeral reply's text and blocks."""
    bot.slack.command("/convene", f"settings {text}".strip(), user_id=user, channel_id=CHANNEL)
    bot.drain()
    return shown(bot.fake.calls_to("response_url")[-1].args)


def test_a_group_free_only_in_the_evenings_gets_evening_times_by_default(bot: BotUnderTest) -> None:
    set_availability(bot, "UALICE", ["evening"], organisation="Riverside Food Bank")
    set_availability(bot, "UBEN", ["afternoon"], organisation="Northside Advice")  # 17:00-22:00 in London
    reply = suggest(bot, "90m next week")
    sections = [b["text"]["text"] for b in reply["blocks"] if str(b.get("block_id", "")).startswith("suggested-")]
    assert len(sections) == 5
    # Alice's evening (17-21) and Ben's New York afternoon (12-17, so 17:00-22:00 in London) overlap 17:00-21:00.
    first = london("2026-11-30 17:00")
    assert sections[0].startswith(f"*1. {token(first)}") and token(first + timedelta(minutes=90)) in sections[0]
    assert all("2 of 2 free · 2 organisations" in section and "_Free:_ alice, ben" in section
               for section in sections)
    assert "weekdays 09:00–21:00 Europe/London time" in shown(reply)


def test_coordinators_set_the_meeting_hours_and_suggestions_follow_them(bot: BotUnderTest) -> None:
    set_availability(bot, "UALICE", ["morning", "afternoon", "evening"], days=range(7))
    said = convene_settings(bot, "meeting-hours weekdays 18:00-20:00; Sat 10am-1pm")
    assert "weekdays 18:00–20:00 and Sat 10:00–13:00" in said and "Europe/London" in said
    assert "weekdays 18:00–20:00 and Sat 10:00–13:00" in convene_settings(bot, "", user="UALICE")
    bot.clock.set("2026-12-04T09:00:00+00:00")  # Friday morning
    reply = suggest(bot, "2h this week")
    sections = [b["text"]["text"] for b in reply["blocks"] if str(b.get("block_id", "")).startswith("suggested-")]
    # Friday evening and Saturday morning only; Saturday's 11:00 would overlap its 10:00.
    assert [section.split("*")[1].split(" ")[1].split("^")[0] for section in sections] == [
        token(london("2026-12-04 18:00")).split("^")[0], token(london("2026-12-05 10:00")).split("^")[0]]

    assert "back to the default" not in convene_settings(bot, "meeting-hours default")
    assert "weekdays 09:00–21:00 (the default)" in convene_settings(bot, "")


def test_meeting_hours_are_for_coordinators_and_bad_ones_are_explained(bot: BotUnderTest) -> None:
    refused = convene_settings(bot, "meeting-hours weekdays 18:00-21:00", user="UALICE")
    assert "Only a coordinator can change the group's meeting hours" in refused
    for typed, says in [("weekdays", "as meeting hours"), ("Funday 18:00-21:00", "“Funday” as days of the week"),
                        ("weekdays 21:00-18:00", "at least 15 minutes after it starts"),
                        ("weekdays 18:00-25:00", "“18:00-25:00” as a time range")]:
        reply = convene_settings(bot, f"meeting-hours {typed}")
        assert reply.startswith(":warning:") and says in reply, (typed, reply)
        assert "/convene settings meeting-hours weekdays 18:00-21:00; Sat 10:00-13:00" in reply
    with bot.runtime.db.unit_of_work() as session:
        assert WorkspaceRepository(session).get(TEAM_ID).meeting_hours is None, "nothing half-saved"


def test_the_settings_form_changes_the_meeting_hours_or_says_what_is_wrong(bot: BotUnderTest) -> None:
    bot.slack.block_action({"type": "button", "action_id": "convene_open_settings", "block_id": "x", "value": ""},
                           user_id="UADMIN", channel_id=CHANNEL)
    bot.drain()
    view = bot.fake.calls_to("views.open")[-1].json("view")
    field = next(b for b in view["blocks"] if b["block_id"] == "meeting_hours")
    assert field["element"]["initial_value"] == "weekdays 09:00-21:00"
    bad = bot.slack.view_submission(view, view_state(view, {"meeting_hours_input": "evenings please"}),
                                    user_id="UADMIN")
    assert bad.json()["response_action"] == "errors" and "meeting_hours" in bad.json()["errors"]
    good = bot.slack.view_submission(view, view_state(view, {"meeting_hours_input": "Mon-Thu 6pm-9pm"}),
                                     user_id="UADMIN")
    assert good.status == 200 and not good.text.strip()
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        assert WorkspaceRepository(session).get(TEAM_ID).meeting_hours == "0,1,2,3 18:00-21:00"


def test_bad_input_is_refused_with_a_friendly_example(bot: BotUnderTest) -> None:
    two_zones(bot)
    for text, says in [("10m", "too short"), ("9 hours", "longer than a meeting"),
                       ("90m next 8 weeks", "too far ahead"), ("90m sometime soon", "as when to look"),
                       ("90 next week", "minutes or hours")]:
        reply = suggest(bot, text)
        assert reply["text"].startswith(":warning:") and says in reply["text"], reply
        assert "For example: `/meet suggest" in reply["text"]
    assert polls(bot) == 0


def test_help_shows_suggest_and_its_rules(bot: BotUnderTest) -> None:
    for text in ("help", "suggest help"):
        response = bot.slack.command("/meet", text, user_id="UALICE", channel_id=CHANNEL)
        blocks = json.dumps(response.json()["blocks"], ensure_ascii=False)
        assert "/meet suggest [length] [when] [in #channel]" in blocks and "/meet suggest 90m next 2 weeks" in blocks
        assert "closes in 48 hours, or halfway to its first time" in blocks


def test_typed_in_a_direct_message_it_fits_the_groups_channel(bot: BotUnderTest) -> None:
    two_zones(bot)
    reply = suggest(bot, "1h next week", channel="DALICE")
    assert "I can't see who is in this conversation" in reply["text"]

    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).channel_id = CHANNEL
    reply = suggest(bot, "1h next week", channel="DALICE")
    assert "2 of 3 people in <#CGROUP>" in shown(reply)
    press(bot, reply, views.START_ACTION)
    assert only_poll(bot).channel_id == CHANNEL


def test_in_channel_fits_that_channels_people(bot: BotUnderTest) -> None:
    two_zones(bot)
    bot.fake.add_channel("CSMALL", name="wg-small", members=["UALICE"])
    reply = suggest(bot, "1h next week in <#CSMALL|wg-small>")
    text = shown(reply)
    assert "Everyone in <#CSMALL> (1) has said" in text and "1 of 1 free" in text and "Ben" not in text
    assert views.NUDGE_ACTION not in text

    reply = suggest(bot, "1h in <#CNOWHERE|gone>")
    assert "I can't see who is in <#CNOWHERE>" in reply["text"]


def test_ask_them_by_dm_nudges_those_who_have_not_set_it_once_a_week(bot: BotUnderTest) -> None:
    set_availability(bot, "UALICE", ["afternoon"])
    reply = suggest(bot, "1h next week")
    assert "the other 2 are not counted" in shown(reply)
    press(bot, reply, views.NUDGE_ACTION)
    nudged = {user: bot.fake.messages(user) for user in ("UBEN", "UADMIN", "UALICE")}
    assert len(nudged["UBEN"]) == 1 and len(nudged["UADMIN"]) == 1 and not nudged["UALICE"]
    dm = json.dumps(nudged["UBEN"][0]["blocks"])
    assert "alice is looking for times when <#CGROUP> can meet" in dm and "availability_open" in dm
    assert "Asked 2 people by direct message" in bot.fake.calls_to("response_url")[-1].args["text"]

    set_availability(bot, "UBEN", ["morning"])
    reply = suggest(bot, "1h next week", user="UBEN")
    press(bot, reply, views.NUDGE_ACTION, user="UBEN")
    assert len(bot.fake.messages("UADMIN")) == 1  # not asked twice in a week
    assert "1 other had been asked this week already" in bot.fake.calls_to("response_url")[-1].args["text"]

    bot.clock.advance(days=7)
    press(bot, reply, views.NUDGE_ACTION, user="UBEN")
    assert len(bot.fake.messages("UADMIN")) == 2


def test_stale_suggestions_are_refused_when_every_time_has_passed(bot: BotUnderTest) -> None:
    two_zones(bot)
    reply = suggest(bot, "1h this week")
    bot.clock.set("2026-12-01T09:00:00+00:00")
    press(bot, reply, views.START_ACTION)
    assert polls(bot) == 0
    assert "have all begun or passed" in bot.fake.calls_to("response_url")[-1].args["text"]
