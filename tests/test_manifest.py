"""Both app manifests stay in step with the code: commands, events, shortcuts and scopes.

manifest.yml is for Socket Mode (`python -m bot run`), manifest.http.yml for HTTP mode (`python -m bot
web`); every test that takes `manifest` runs on each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import handlers
from bot.install import REDIRECT_PATH
from bot.slack.installations import BOT_SCOPES
from bot.web import SLACK_PATH
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


SOCKET_MANIFEST = "manifest.yml"
HTTP_MANIFEST = "manifest.http.yml"
# What README tells people to replace with their own host before pasting manifest.http.yml.
HTTP_REQUEST_URL = f"https://YOUR-HOST{SLACK_PATH}"
URL = re.compile(r"https?://\S+")


def _load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


@pytest.fixture(scope="module", params=[SOCKET_MANIFEST, HTTP_MANIFEST])
def manifest(request: pytest.FixtureRequest) -> dict:
    return _load(request.param)


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
        assert set(command) <= {"command", "url", "description", "usage_hint", "should_escape"}
        assert URL.fullmatch(command.get("url", "https://x")) and len(command.get("url", "")) <= 3000
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
    subscriptions = manifest["settings"]["event_subscriptions"]
    interactivity = manifest["settings"]["interactivity"]
    assert set(subscriptions) <= {"request_url", "bot_events", "user_events", "metadata_subscriptions"}
    assert set(interactivity) <= {"is_enabled", "request_url", "message_menu_options_url"}
    for url in (subscriptions.get("request_url"), interactivity.get("request_url"),
                interactivity.get("message_menu_options_url")):
        assert url is None or (URL.fullmatch(url) and len(url) <= 3500), url


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


# Why each bot scope is asked for. A scope that is not here is not needed: add it only with the call
# (or event, or feature) that needs it. Methods are checked against Slack's spec and the code.
SCOPES_FOR_METHODS = {
    "chat:write": {"chat.postMessage", "chat.update", "chat.delete"},
    "users:read": {"users.info", "users.list"},
    # conversations.info on a #channel in an issue's text; conversations.members for the people of a
    # poll's channel, the group's channel and `/meet suggest in #channel`: public and private channels.
    "channels:read": {"conversations.info", "conversations.members"},
    "groups:read": {"conversations.info", "conversations.members"},
    "im:write": {"conversations.open"},
    "files:write": {"files.getUploadURLExternal", "files.completeUploadExternal"},
    # conversations.history on the digest's channel: was this week's digest posted by a process that died?
    "channels:history": {"conversations.history"},
    "groups:history": {"conversations.history"},
    "reactions:write": {"reactions.add"},
}
SCOPES_FOR_EVENTS = {"im:history": "message.im"}
# Slash commands and the message shortcut; posting in public channels Convene was not invited to.
SCOPES_FOR_FEATURES = {"commands", "chat:write.public"}


def test_the_manifest_asks_for_no_scope_the_code_does_not_use(manifest: dict) -> None:
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    explained = set(SCOPES_FOR_METHODS) | set(SCOPES_FOR_EVENTS) | SCOPES_FOR_FEATURES
    assert granted - explained == set(), "a scope with no call, event or feature that needs it"
    assert explained - granted == set()


def test_each_scope_is_still_needed_by_what_the_code_calls() -> None:
    spec = json.loads(find_spec_path().read_text())
    called = _methods_called_in_code()
    for scope, methods in SCOPES_FOR_METHODS.items():
        assert methods & called, f"{scope}: the code no longer calls {sorted(methods)}"
        for method in methods & called:
            assert scope in _scope_choices(spec, method), f"{scope} does not grant {method}"
    events = handlers.declared("EVENTS")
    for scope, event in SCOPES_FOR_EVENTS.items():
        assert event in events, f"{scope}: nothing handles {event} any more"
    assert handlers.declared("COMMANDS") or handlers.declared("SHORTCUTS")


def _without_http_settings(manifest: dict) -> dict:
    """The manifest less what only HTTP mode has: request URLs and the Socket Mode switch."""
    stripped = json.loads(json.dumps(manifest))
    for command in stripped["features"]["slash_commands"]:
        command.pop("url", None)
    stripped["settings"]["event_subscriptions"].pop("request_url", None)
    stripped["settings"]["interactivity"].pop("request_url", None)
    stripped["settings"]["interactivity"].pop("message_menu_options_url", None)
    stripped["settings"].pop("socket_mode_enabled")
    stripped["oauth_config"].pop("redirect_urls", None)
    return stripped


def test_both_manifests_declare_the_same_app() -> None:
    assert _without_http_settings(_load(HTTP_MANIFEST)) == _without_http_settings(_load(SOCKET_MANIFEST))


def test_the_socket_mode_manifest_uses_socket_mode_and_no_request_url() -> None:
    manifest = _load(SOCKET_MANIFEST)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert not URL.search(json.dumps(manifest["settings"])), "Socket Mode ignores request URLs"
    assert all("url" not in command for command in manifest["features"]["slash_commands"])


def test_the_http_manifest_sends_everything_to_the_web_process() -> None:
    manifest = _load(HTTP_MANIFEST)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == HTTP_REQUEST_URL
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"] == HTTP_REQUEST_URL
    assert [command.get("url") for command in manifest["features"]["slash_commands"]] == (
        [HTTP_REQUEST_URL] * len(manifest["features"]["slash_commands"]))


def _options_listeners_in_code() -> int:
    return sum(len(re.findall(r"\bapp\.options\(", path.read_text()))
               for directory in SOURCE_DIRS for path in (ROOT / directory).rglob("*.py"))


def test_the_http_manifest_has_the_options_load_url_the_select_menus_need() -> None:
    assert _options_listeners_in_code() > 0, "no select menu loads its options: has `app.options` been renamed?"
    assert _load(HTTP_MANIFEST)["settings"]["interactivity"]["message_menu_options_url"] == HTTP_REQUEST_URL


def test_the_http_manifest_brings_add_to_slack_back_to_the_web_process() -> None:
    assert _load(HTTP_MANIFEST)["oauth_config"]["redirect_urls"] == [f"https://YOUR-HOST{REDIRECT_PATH}"]


def test_add_to_slack_asks_for_the_manifests_scopes(manifest: dict) -> None:
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])
