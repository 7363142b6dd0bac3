"""Each workspace's bot token: read from its installation, refreshed once when it rotates (however
many processes need it at the same moment), and never used without saying which workspace."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.slack.client import make_web_client
from bot.slack.installations import (
    Installations,
    NotInstalled,
    NoWorkspace,
    SignedStateStore,
    acting_for,
    installed_team_ids,
)
from storage.db import Database
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack


def _installations(db: Database, fake: FakeSlack, clock: ManualClock) -> Installations:
    """What one process (a web worker, the clock) holds."""
    return Installations(client_id=fake.client_id, client_secret=fake.client_secret, db=db, clock=clock,
                         oauth_client=make_web_client(None, fake.url))


def _save(installations: Installations, fake: FakeSlack, team_id: str) -> None:
    """Store the installation the fake's workspace has, as the install flow would."""
    workspace = fake.workspace(team_id)
    installations.store.save(Installation(
        app_id="A0CONVENE", enterprise_id=None, team_id=team_id, team_name=workspace["team_name"],
        bot_token=workspace["bot_token"], bot_id=workspace["bot_id"], bot_user_id=workspace["bot_user_id"],
        bot_scopes="commands,chat:write", bot_refresh_token=workspace.get("refresh_token"),
        bot_token_expires_at=int(workspace["expires_at"]) if workspace.get("expires_at") else None,
        user_id="UINSTALLER", installed_at=datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp(),
    ))


def test_each_workspace_gets_its_own_token(db: Database, fake: FakeSlack, clock: ManualClock) -> None:
    installations = _installations(db, fake, clock)
    for team_id in ("T0ALDER", "T0BIRCH"):
        fake.add_workspace(team_id)
        _save(installations, fake, team_id)
    client = make_web_client(None, fake.url, installations=installations)
    for team_id in ("T0ALDER", "T0BIRCH"):
        with acting_for(team_id):
            assert client.auth_test()["team_id"] == team_id
    assert installed_team_ids(db, fake.client_id) == ["T0ALDER", "T0BIRCH"]


def test_a_call_without_a_workspace_is_refused_before_it_leaves(db: Database, fake: FakeSlack,
                                                                 clock: ManualClock) -> None:
    client = make_web_client(None, fake.url, installations=_installations(db, fake, clock))
    with pytest.raises(NoWorkspace):
        client.auth_test()
    assert fake.calls == []


def test_a_workspace_without_an_installation_has_no_token(db: Database, fake: FakeSlack, clock: ManualClock) -> None:
    installations = _installations(db, fake, clock)
    with pytest.raises(NotInstalled):
        installations.bot_token("T0CEDAR")
    assert not installations.is_installed("T0CEDAR")


def test_an_expiring_token_is_refreshed_once_by_two_processes_at_the_same_moment(
        db: Database, fake: FakeSlack, clock: ManualClock) -> None:
    fake.add_workspace("T0ALDER", rotating=True, token_lifetime=3600)
    first, second = _installations(db, fake, clock), _installations(db, fake, clock)
    _save(first, fake, "T0ALDER")
    old = fake.workspace("T0ALDER")["bot_token"]
    assert first.bot_token("T0ALDER") == old and second.bot_token("T0ALDER") == old
    assert fake.refresh_grants("T0ALDER") == 0

    clock.advance(minutes=40)  # within half an hour of expiring: both processes want a fresh token
    start = threading.Barrier(2)
    got: list[str] = []

    def need_token(installations: Installations) -> None:
        start.wait()
        got.append(installations.bot_token("T0ALDER"))

    threads = [threading.Thread(target=need_token, args=(each,)) for each in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert fake.refresh_grants("T0ALDER") == 1
    new = fake.installed_token("T0ALDER")
    assert new != old and got == [new, new]
    with acting_for("T0ALDER"):
        assert make_web_client(None, fake.url, installations=second).auth_test()["ok"]


def test_a_refresh_slack_refuses_leaves_the_workspace_without_a_token(db: Database, fake: FakeSlack,
                                                                     clock: ManualClock) -> None:
    fake.add_workspace("T0ALDER", rotating=True, token_lifetime=3600)
    installations = _installations(db, fake, clock)
    _save(installations, fake, "T0ALDER")
    fake.uninstall("T0ALDER")  # the refresh token dies with the install
    clock.advance(hours=2)
    with pytest.raises(NotInstalled):
        installations.bot_token("T0ALDER")


def test_install_states_are_signed_and_used_once(db: Database) -> None:
    states = SignedStateStore("fake-state-secret", db)
    state = states.issue()
    nonce, _, signature = state.partition(".")
    assert not states.consume(f"{nonce}.{'0' * len(signature)}"), "a state signed with another key"
    assert not SignedStateStore("another-secret", db).consume(state)
    assert states.consume(state)
    assert not states.consume(state), "a state is good for one install only"
    assert not states.consume("not-a-state")
