"""Fixtures shared by the whole suite.

Tests that take `db` or `bot` run once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.db import Database
from tests.harness import databases
from tests.harness.bot import TEAM_ID, BotUnderTest, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack

# `fake_slack` and `slack_client`: a bare fake Slack and a client on it, for the harness's own tests.
pytest_plugins = ["tests.harness.fixtures"]


@pytest.fixture(scope="session", params=databases.backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for this run, on each backend in turn."""
    if request.param == "sqlite":
        with databases.fresh_sqlite(tmp_path_factory.mktemp("sqlite")) as url:
            yield url
        return
    reason = databases.postgres_unreachable_reason()
    if reason is not None:
        if databases.must_test_postgres():
            pytest.fail(f"{reason}, and CI requires PostgreSQL.", pytrace=False)
        pytest.skip(f"{reason}: the PostgreSQL half of the suite is skipped. Start PostgreSQL or set "
                    "TEST_DATABASE_URL to run it.")
    with databases.fresh_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def _session_database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def db(_session_database: Database, clock: ManualClock) -> Iterator[Database]:
    """The test database, emptied after each test; the rows it writes are stamped on `clock`."""
    _session_database.clock = clock
    yield _session_database
    databases.empty_all_tables(_session_database)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock("2026-11-24T09:00:00+00:00")


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    """The fake Slack Web API, on the test's clock (message timestamps agree with the bot's time).

    A test fails if the bot sent anything Slack would reject.
    """
    server = FakeSlack(team_id=TEAM_ID, clock=lambda: clock().timestamp()).start()
    server.add_user("UALICE", name="alice", real_name="Alice Adams", tz="Europe/London")
    server.add_user("UBEN", name="ben", real_name="Ben Brown", tz="America/New_York")
    server.add_user("UADMIN", name="ada", real_name="Ada Admin", tz="Europe/London", is_admin=True)
    server.add_channel("CGROUP", name="wg-commissioning", members=["UALICE", "UBEN", "UADMIN"])
    yield server
    server.stop()
    assert not server.problems, "The bot sent Slack something it would reject:\n" + "\n".join(server.problems)


@pytest.fixture
def bot(db: Database, fake: FakeSlack, clock: ManualClock) -> Iterator[BotUnderTest]:
    """The real bot in HTTP mode, on the test database, talking to the fake Slack."""
    running = start_bot(db.url, fake, clock=clock)
    yield running
    running.drain()
    running.stop()
