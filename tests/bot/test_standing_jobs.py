"""Standing jobs keep their schedule across restarts, and `clock --once` runs each when it is due."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import standing
from storage.db import Database
from storage.repositories.processes import StandingJobRuns
from tests.harness.bot import BotUnderTest
from tests.harness.clock import ManualClock


def test_every_standing_job_runs_the_first_time(bot: BotUnderTest) -> None:
    assert standing.run_due(bot.runtime) == [job.job_id for job in standing.STANDING]
    assert standing.run_due(bot.runtime) == [], "nothing is due again at the same moment"


def test_a_job_runs_again_once_its_interval_has_passed(bot: BotUnderTest) -> None:
    standing.run_due(bot.runtime)
    bot.clock.advance(seconds=61)
    assert standing.run_due(bot.runtime) == ["issues:refresh-cards"]
    bot.clock.advance(seconds=60)
    assert standing.run_due(bot.runtime) == ["issues:refresh-cards", "polls:repair-messages",
                                            "proposals:repair-messages", "prompts:tick"]


def test_cron_a_little_early_does_not_skip_a_run(bot: BotUnderTest) -> None:
    standing.run_due(bot.runtime)
    bot.clock.advance(minutes=9, seconds=58)  # "every ten minutes" from cron, started two seconds sooner
    assert "digest:catch-up" in standing.run_due(bot.runtime)


def test_a_restart_does_not_postpone_standing_jobs(bot: BotUnderTest) -> None:
    started = bot.clock()
    standing.run_due(bot.runtime)
    bot.clock.advance(seconds=30)  # the process restarts half a minute later
    standing.install(bot.runtime.jobs, bot.runtime.db)
    assert bot.runtime.jobs.next_run("prompts:tick") == started + timedelta(seconds=120)
    assert bot.runtime.jobs.next_run("digest:catch-up") == started + timedelta(minutes=10)
    assert bot.runtime.jobs.next_run("housekeeping:prune-dispatches") == started + timedelta(days=1)


def test_a_job_overdue_at_start_runs_at_once(bot: BotUnderTest) -> None:
    standing.run_due(bot.runtime)
    bot.clock.advance(hours=5)  # down for five hours
    standing.install(bot.runtime.jobs, bot.runtime.db)
    assert bot.runtime.jobs.next_run("digest:catch-up") == bot.clock()
    assert bot.runtime.jobs.next_run("housekeeping:prune-events") == bot.clock()


def test_a_never_run_job_is_due_at_the_first_start(bot: BotUnderTest) -> None:
    standing.install(bot.runtime.jobs, bot.runtime.db)
    assert {bot.runtime.jobs.next_run(job.job_id) for job in standing.STANDING} == {bot.clock()}


def test_two_processes_claiming_the_same_run_get_it_once(db: Database, clock: ManualClock) -> None:
    interval = timedelta(minutes=10)
    with db.unit_of_work() as session:
        assert StandingJobRuns(session).claim("digest:catch-up", now=clock(), interval=interval) is True
    with db.unit_of_work() as session:
        assert StandingJobRuns(session).claim("digest:catch-up", now=clock(), interval=interval) is False
    clock.advance(minutes=10)
    with db.unit_of_work() as session:
        assert StandingJobRuns(session).claim("digest:catch-up", now=clock(), interval=interval) is True


def test_a_failing_job_does_not_stop_the_others(bot: BotUnderTest, monkeypatch) -> None:
    def broken() -> None:
        raise RuntimeError("the database went away")

    first = standing.STANDING[0]
    monkeypatch.setattr(standing, "STANDING", (standing.StandingJob(first.job_id, broken, first.interval),
                                               *standing.STANDING[1:]))
    assert standing.run_due(bot.runtime) == [job.job_id for job in standing.STANDING]
