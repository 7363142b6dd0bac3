"""Each area's part of the digest put into words (`bot.views.digest`), from what its service found."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import areas
from bot.services import digest as digests
from bot.services.availability import Away
from bot.services.digest import MAX_LINES_PER_SECTION, Digest
from bot.services.polls import Meeting, OpenPollSummary
from bot.services.prompts import PeriodPrompt, Quote
from bot.views import digest as views

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 20, 16, tzinfo=timezone.utc)


def meeting(title: str, *, decided_at: datetime | None) -> Meeting:
    return Meeting(poll_id=1, team_id="T1", title=title, channel_id="C1", message_ts="1.1", option_id=1,
                   starts_at=START + timedelta(days=10), duration=None, all_day=False, zone=LONDON, sequence=0,
                   decided_at=decided_at)


@pytest.mark.parametrize("empty", [
    lambda: views.meetings_section([], period_start=START),
    lambda: views.open_polls_section([], zone=LONDON),
    lambda: views.open_proposals_section([], zone=LONDON),
    lambda: views.decided_proposals_section([]),
    lambda: views.new_issues_section([]),
    lambda: views.top_issues_section([]),
    lambda: views.prompt_section(None),
    lambda: views.volunteer_calls_section([]),
    lambda: views.away_section([]),
])
def test_an_area_with_nothing_to_report_has_no_section(empty) -> None:
    assert empty() is None


def test_meetings_are_news_only_when_one_was_decided_this_period() -> None:
    earlier = views.meetings_section([meeting("Planning", decided_at=START - timedelta(days=1))], period_start=START)
    assert earlier is not None and (earlier.title, earlier.news) == ("Next meeting", False)
    now = views.meetings_section([meeting("Planning", decided_at=START - timedelta(days=1)),
                                  meeting("Review", decided_at=START + timedelta(hours=1))], period_start=START)
    assert now is not None and (now.title, now.news) == ("Coming up", True)


def test_long_lists_show_a_few_lines_count_the_rest_and_escape_titles() -> None:
    polls = [OpenPollSummary(i, f"Poll <{i}> & co", "C1", f"{i}.1", None, voters=i, invited=10) for i in range(15)]
    part = views.open_polls_section(polls, zone=LONDON)
    assert part is not None
    assert len(part.lines) == MAX_LINES_PER_SECTION and part.total == 15
    assert part.lines[3].label == "Poll &lt;3&gt; &amp; co"
    assert part.lines[3].detail == "3 of 10 answered"
    assert (part.lines[3].channel_id, part.lines[3].ts) == ("C1", "3.1")


def test_who_is_away_is_plain_text_with_their_dates() -> None:
    part = views.away_section([Away("U1", "Alice <Adams>", date(2026, 11, 23), date(2026, 11, 23)),
                               Away("U2", "Ben", date(2026, 11, 24), date(2026, 11, 26))])
    assert part is not None and not part.news
    assert [(line.label, line.detail) for line in part.lines] == [
        ("Alice &lt;Adams&gt;", "Mon 23 Nov"), ("Ben", "Tue 24 Nov – Thu 26 Nov")]


def test_the_prompt_says_how_many_answered_and_quotes_as_credited() -> None:
    asked = PeriodPrompt(number=4, question="What went *well*?", started_at=START, sent=8, answered=3,
                         quotes=[Quote("The <b>minutes</b>", "Alice (Acme)")])
    part = views.prompt_section(asked)
    assert part is not None
    assert part.summary == "_What went *well*?_\n3 of 8 answered. Answer any time from the message Convene sent you."
    assert [(line.label, line.detail) for line in part.lines] == [("“The &lt;b&gt;minutes&lt;/b&gt;”", "Alice (Acme)")]
    assert views.prompt_section(PeriodPrompt(5, "Q", START, 0, 0, [])).summary.startswith("_Q_\nno one was asked yet")


def test_the_digest_is_gathered_from_the_areas_in_order() -> None:
    period = digests.Period("2026-11-27", START, START + timedelta(days=7))
    ctx = areas.DigestContext("T1", period, START + timedelta(days=2), LONDON)
    assert ctx.until == START + timedelta(days=2)

    def quiet(session, context):
        return None

    def standing(session, context):
        return views.away_section([Away("U1", context.team_id, date(2026, 11, 23), date(2026, 11, 23))])

    built = areas.build_digest(None, ctx, [quiet, standing])
    assert isinstance(built, Digest) and [part.key for part in built.sections] == ["away"] and built.quiet
