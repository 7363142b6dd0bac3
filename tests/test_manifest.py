"""manifest.yml stays in step with the code: commands, events, shortcuts and scopes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import handlers
from tests.harness.fake_slack import DEFAULT_SPEC_PATH, find_spec_path
from tests.harness.trim_spec import TRIMMED_SPEC, trim

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("bot", "handlers")

# slack_sdk helpers that call other methods, and methods newer than the published spec.
COMPOSITE_METHODS = {"files.upload_v2": {"files.getUploadURLExternal", "files.completeUploadExternal"}}
SCOPES_NOT_IN_SPEC = {
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_has_what_slack_requires(manifest: dict) -> None:
    info = manifest["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    # Limits from Slack's manifest schema (slackapi/manifest-schema): a manifest over them is refused
    # when pasted, and the app cannot be created.
    assert 1 <= len(manifest["features"]["bot_user"]["display_name"]) <= 80
    commands = manifest["features"]["slash_commands"]
    assert 1 <= len(commands) <= 50
    for command in commands:
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", command["command"])
        assert 0 < len(command["description"]) <= 100
        assert 0 < len(command.get("usage_hint", "x")) <= 1000
    shortcuts = manifest["features"].get("shortcuts", [])
    assert len(shortcuts) <= 10
    for shortcut in shortcuts:
        assert 1 <= len(shortcut["name"]) <= 24, shortcut["name"]
        assert 1 <= len(shortcut["description"]) <= 150
        assert 1 <= len(shortcut["callback_id"]) <= 255
        assert shortcut["type"] in ("message", "global")
    # The schema allows no other keys at these levels.
    assert set(manifest) <= {"_metadata", "display_information", "features", "oauth_config", "settings"}
    assert set(manifest["features"]) <= {"app_home", "bot_user", "shortcuts", "slash_commands", "unfurl_domains"}
    assert set(manifest["settings"]) <= {"event_subscriptions", "interactivity", "org_deploy_enabled",
                                         "socket_mode_enabled", "token_rotation_enabled", "incoming_webhooks"}
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)) and all(len(scope) <= 50 for scope in scopes)
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert len(events) == len(set(events)) <= 100


def test_every_command_the_code_handles_is_in_the_manifest_and_no_other(manifest: dict) -> None:
    in_manifest = {command["command"] for command in manifest["features"]["slash_commands"]}
    assert in_manifest == handlers.declared("COMMANDS")


def test_commands_escape_mentions_so_channels_and_people_arrive_as_ids(manifest: dict) -> None:
    assert all(command["should_escape"] is True for command in manifest["features"]["slash_commands"])


def test_every_event_the_code_handles_is_subscribed_and_no_other(manifest: dict) -> None:
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == handlers.declared("EVENTS")


def test_every_shortcut_the_code_handles_is_in_the_manifest(manifest: dict) -> None:
    in_manifest = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert in_manifest == handlers.declared("SHORTCUTS")


def _methods_called_in_code() -> set[str]:
    call = re.compile(r"\bclient\.([a-z]+)_(\w+)\(")
    methods: set[str] = set()
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            for family, rest in call.findall(path.read_text()):
                method = f"{family}.{rest}"
                methods |= COMPOSITE_METHODS.get(method, {method})
    return methods


def _scope_choices(spec: dict, method: str) -> set[str]:
    """The bot scopes of which one grants `method` (empty: no scope needed)."""
    if method in SCOPES_NOT_IN_SPEC:
        return SCOPES_NOT_IN_SPEC[method]
    operation = next(iter(spec["paths"]["/" + method].values()))
    choices: set[str] = set()
    for requirement in operation.get("security", []):
        for scope in requirement.get("slackAuth", []):
            if scope != "none":
                choices.add(re.sub(r":(bot|user)$", "", scope))
    return choices


def test_the_manifest_asks_for_every_scope_the_code_needs(manifest: dict) -> None:
    spec = json.loads(find_spec_path().read_text())
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    methods = _methods_called_in_code()
    assert "chat.postMessage" in methods, "the scan found no Slack calls: has the client variable been renamed?"
    missing = {method: sorted(choices) for method in sorted(methods)
               if (choices := _scope_choices(spec, method)) and not choices & granted}
    assert missing == {}


def test_message_events_need_their_history_scope(manifest: dict) -> None:
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    needs = {"message.im": "im:history", "message.channels": "channels:history", "app_mention": "app_mentions:read"}
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        if event in needs:
            assert needs[event] in granted, event


@pytest.mark.skipif(not DEFAULT_SPEC_PATH.is_file(), reason="../shared/slack-api-specs is not beside this clone")
def test_the_trimmed_spec_kept_in_the_repository_matches_slacks() -> None:
    assert json.loads(TRIMMED_SPEC.read_text()) == trim(json.loads(DEFAULT_SPEC_PATH.read_text()))
