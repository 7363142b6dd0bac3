"""`python -m bot clock --once` run the way cron runs it: separate processes at shifted times.

Each run is a real process whose clock starts at the given moment (libfaketime). Between runs the
test reads what the fake Slack received; nothing else moves time along.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.polls_helpers import MEET, click, meet, only_poll, poll_message, rendered
from tests.e2e.prompting import prompt_dms, say, use_group_channel
from tests.harness.bot import BOT_TOKEN, TEAM_ID, BotUnderTest
from tests.harness.processes import at, clean_env, convene

pytestmark = pytest.mark.slow

# The bot fixture's clock starts on Tuesday 24 November 2026 at 09:00 UTC (London is on UTC then).


def _cron_env(bot: BotUnderTest, tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path, DATABASE_URL=bot.runtime.db.url, SLACK_BOT_TOKEN=BOT_TOKEN,
                     SLACK_API_URL=bot.fake.url)


def _once(bot: BotUnderTest, tmp_path: Path, moment: str) -> str:
    """One cron run of `clock --once` starting at `moment`; its log."""
    result = convene(tmp_path, "clock", "--once", env=at(moment, _cron_env(bot, tmp_path)))
    assert result.returncode == 0, result.stderr
    return result.stderr


def _digests(bot: BotUnderTest) -> list[dict]:
    return [m for m in bot.fake.messages("CGROUP") if (m.get("metadata") or {}).get("event_type") == "convene_digest"]


@pytest.fixture
def group(bot: BotUnderTest) -> BotUnderTest:
    """A workspace Convene has known since October, with its channel set."""
    use_group_channel(bot)
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get(TEAM_ID).created_at = bot.clock().replace(month=10)
    return bot


def test_a_weekly_prompt_reaches_each_member_at_ten_in_their_own_zone(group: BotUnderTest, tmp_path: Path) -> None:
    assert "every Tuesday at 10:00" in say(group, "schedule weekly Tue 10:00")
    members = ("UALICE", "UADMIN", "UBEN")  # London, London, New York

    _once(group, tmp_path, "2026-11-24T09:55:00+00:00")
    assert [len(prompt_dms(group, u)) for u in members] == [0, 0, 0]
    _once(group, tmp_path, "2026-11-24T10:05:00+00:00")  # 10:05 in London, 05:05 in New York
    assert [len(prompt_dms(group, u)) for u in members] == [1, 1, 0]
    _once(group, tmp_path, "2026-11-24T10:15:00+00:00")
    assert [len(prompt_dms(group, u)) for u in members] == [1, 1, 0]
    _once(group, tmp_path, "2026-11-24T15:05:00+00:00")  # 10:05 in New York
    assert [len(prompt_dms(group, u)) for u in members] == [1, 1, 1]
    _once(group, tmp_path, "2026-11-24T15:15:00+00:00")
    assert [len(prompt_dms(group, u)) for u in members] == [1, 1, 1]


def test_the_default_friday_digest_is_posted_once_and_a_missed_one_is_caught_up(group: BotUnderTest,
                                                                               tmp_path: Path) -> None:
    _once(group, tmp_path, "2026-11-27T15:55:00+00:00")
    assert _digests(group) == []
    _once(group, tmp_path, "2026-11-27T16:05:00+00:00")
    [first] = _digests(group)
    assert first["metadata"]["event_payload"]["period"] == "2026-11-27"
    _once(group, tmp_path, "2026-11-27T16:15:00+00:00")
    _once(group, tmp_path, "2026-11-28T09:00:00+00:00")
    assert len(_digests(group)) == 1

    # Nothing ran on the next Friday afternoon; the first run that evening posts it, once.
    _once(group, tmp_path, "2026-12-04T22:10:00+00:00")
    _once(group, tmp_path, "2026-12-04T22:20:00+00:00")
    assert [d["metadata"]["event_payload"]["period"] for d in _digests(group)] == ["2026-11-27", "2026-12-04"]


def test_a_poll_closes_at_its_deadline(bot: BotUnderTest, tmp_path: Path) -> None:
    meet(bot, MEET)  # deadline Fri 27 Nov 5pm London
    click(bot, poll_message(bot), 1, "yes", user="UBEN")
    poll = only_poll(bot)
    _once(bot, tmp_path, (poll.deadline - timedelta(minutes=5)).isoformat())
    assert only_poll(bot).status == "open"
    _once(bot, tmp_path, (poll.deadline + timedelta(minutes=5)).isoformat())
    assert only_poll(bot).status == "closed"
    assert "*Closed.*" in rendered(poll_message(bot))
    _once(bot, tmp_path, (poll.deadline + timedelta(minutes=15)).isoformat())
    asked = [m for m in bot.fake.messages("UALICE") if "has closed" in m["text"]]
    assert len(asked) == 1, "the creator is asked to choose the final date once"


def test_two_runs_started_together_send_nothing_twice(group: BotUnderTest, tmp_path: Path) -> None:
    say(group, "schedule weekly Tue 10:00")
    group.fake.delay("chat.postMessage", seconds=0.2)  # keep both runs busy at the same time
    env = at("2026-11-24T10:05:00+00:00", _cron_env(group, tmp_path))
    runs = [subprocess.Popen([sys.executable, "-m", "bot", "clock", "--once"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, errors = run.communicate(timeout=60)
        assert run.returncode == 0, errors
    assert [len(prompt_dms(group, u)) for u in ("UALICE", "UADMIN", "UBEN")] == [1, 1, 0]
