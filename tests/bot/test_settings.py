"""Settings: every variable of the contract, failing fast and naming the variable."""

from __future__ import annotations

import pytest

from bot.settings import ConfigurationError, Settings, load_settings, normalise_database_url

FAKE_BOT_TOKEN = "xoxb-fake-test-token"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "DATABASE_URL",
                 "PORT", "CONVENE_TIMEZONE", "CONVENE_CHANNEL", "CONVENE_COORDINATORS", "HEALTH_PORT",
                 "CONVENE_SOCKET_GIVE_UP_SECONDS", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET",
                 "SLACK_AUTHORIZE_URL", "CONVENE_UNINSTALLED_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_match_the_product_contract(tmp_path) -> None:
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.convene_timezone == "Europe/London"
    assert settings.convene_channel is None
    assert settings.convene_coordinators == frozenset()
    assert settings.database_url == f"sqlite:///{tmp_path / 'convene.sqlite3'}"


def test_env_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={FAKE_BOT_TOKEN}\nCONVENE_TIMEZONE=America/New_York\n")
    settings = load_settings()
    assert settings.bot_token() == FAKE_BOT_TOKEN
    assert settings.convene_timezone == "America/New_York"


def test_environment_wins_over_env_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PORT=4000\n")
    monkeypatch.setenv("PORT", "5000")
    assert load_settings().port == 5000


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/convene", "postgresql+psycopg://u:p@db.example:5432/convene"),
        ("postgresql://u@db/convene", "postgresql+psycopg://u@db/convene"),
        ("postgresql+psycopg://u@db/convene", "postgresql+psycopg://u@db/convene"),
        ("sqlite:///convene.sqlite3", "sqlite:///convene.sqlite3"),
    ],
)
def test_heroku_style_database_urls_are_accepted(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_coordinators_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVENE_COORDINATORS", "U0123ABCD, U0456EFGH,")
    assert load_settings().convene_coordinators == {"U0123ABCD", "U0456EFGH"}


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("SLACK_BOT_TOKEN", "xapp-not-a-bot-token", "SLACK_BOT_TOKEN"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token", "SLACK_APP_TOKEN"),
        ("PORT", "eighty", "PORT"),
        ("CONVENE_TIMEZONE", "Mars/Olympus_Mons", "CONVENE_TIMEZONE"),
        ("CONVENE_COORDINATORS", "alice,bob", "CONVENE_COORDINATORS"),
        ("CONVENE_CHANNEL", "#wg-commissioning", "CONVENE_CHANNEL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL"),
        ("HEALTH_PORT", "70000", "HEALTH_PORT"),
        ("HEALTH_PORT", "healthz", "HEALTH_PORT"),
        ("CONVENE_SOCKET_GIVE_UP_SECONDS", "1", "CONVENE_SOCKET_GIVE_UP_SECONDS"),
    ],
)
def test_a_malformed_value_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(named)
    assert "\n" not in message


def test_a_missing_token_is_named_when_it_is_needed() -> None:
    settings = load_settings()
    with pytest.raises(ConfigurationError, match="^SLACK_BOT_TOKEN is not set"):
        settings.bot_token()
    with pytest.raises(ConfigurationError, match="^SLACK_APP_TOKEN is not set"):
        settings.app_token()
    with pytest.raises(ConfigurationError, match="^SLACK_SIGNING_SECRET is not set"):
        settings.signing_secret()


def test_tokens_never_appear_in_errors_or_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    secret_looking = "xapp-fake-but-secret-123"
    monkeypatch.setenv("SLACK_BOT_TOKEN", secret_looking)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert secret_looking not in str(raised.value)
    settings = Settings(_env_file=None, slack_bot_token=FAKE_BOT_TOKEN)  # type: ignore[call-arg]
    assert FAKE_BOT_TOKEN not in repr(settings)
    assert FAKE_BOT_TOKEN not in str(settings.model_dump())


def test_blank_tokens_count_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "  ")
    assert load_settings().slack_app_token is None


def test_the_health_port_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().health_port is None
    monkeypatch.setenv("HEALTH_PORT", "")
    assert load_settings().health_port is None
    monkeypatch.setenv("HEALTH_PORT", "8080")
    assert load_settings().health_port == 8080


def test_socket_mode_gives_up_after_two_minutes_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().convene_socket_give_up_seconds == 120
    monkeypatch.setenv("CONVENE_SOCKET_GIVE_UP_SECONDS", "600")
    assert load_settings().convene_socket_give_up_seconds == 600


def test_one_workspace_unless_the_add_to_slack_variables_are_set() -> None:
    settings = load_settings()
    assert not settings.hosts_many_workspaces
    assert settings.uninstalled_retention.days == 30


def test_hosting_many_workspaces_needs_all_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    settings = load_settings()
    assert settings.hosts_many_workspaces
    with pytest.raises(ConfigurationError, match="^SLACK_CLIENT_SECRET is not set"):
        settings.oauth_credentials()
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "fake-client-secret")
    with pytest.raises(ConfigurationError, match="^SLACK_STATE_SECRET is not set"):
        load_settings().oauth_credentials()
    monkeypatch.setenv("SLACK_STATE_SECRET", "fake-state-secret")
    assert load_settings().oauth_credentials() == ("1111.2222", "fake-client-secret", "fake-state-secret")
    monkeypatch.delenv("SLACK_CLIENT_ID")
    with pytest.raises(ConfigurationError, match="^SLACK_CLIENT_ID is not set"):
        load_settings().oauth_credentials()


def test_secrets_of_add_to_slack_never_appear_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "fake-client-secret")
    monkeypatch.setenv("SLACK_STATE_SECRET", "fake-state-secret")
    shown = repr(load_settings())
    assert "fake-client-secret" not in shown and "fake-state-secret" not in shown


def test_slack_is_asked_for_installs_where_the_api_lives(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().authorize_url == "https://slack.com/oauth/v2/authorize"
    monkeypatch.setenv("SLACK_API_URL", "https://slack-gov.com/api/")
    assert load_settings().authorize_url == "https://slack-gov.com/oauth/v2/authorize"
    monkeypatch.setenv("SLACK_AUTHORIZE_URL", "https://proxy.example.org/oauth/v2/authorize")
    assert load_settings().authorize_url == "https://proxy.example.org/oauth/v2/authorize"


def test_one_groups_channel_and_coordinators_are_not_every_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVENE_CHANNEL", "C0123ABCD")
    monkeypatch.setenv("CONVENE_COORDINATORS", "U0123ABCD")
    assert load_settings().convene_channel == "C0123ABCD"
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    hosting = load_settings()
    assert hosting.convene_channel is None and hosting.convene_coordinators == frozenset()
