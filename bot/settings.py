"""Convene's configuration: one typed object, read once from the environment (and `.env`)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in the working directory, decided when settings are read."""
    return f"sqlite:///{Path.cwd() / 'convene.sqlite3'}"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the variable and never its value."""


class Settings(BaseSettings):
    """Every variable of the product contract's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = Field(default_factory=default_database_url)
    port: int = Field(default=3000, ge=1, le=65535)
    convene_timezone: str = "Europe/London"
    convene_channel: str | None = None
    convene_coordinators: Annotated[frozenset[str], NoDecode] = frozenset()
    # Hours before a poll's deadline that members who have not answered are reminded (0: never).
    convene_poll_reminder_hours: int = Field(default=24, ge=0, le=24 * 14)
    # `run` and `clock` serve GET /healthz on this port when it is set.
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # Seconds Socket Mode may stay disconnected before `run` exits non-zero for its supervisor to
    # restart it (it reconnects by itself long before, whenever Slack can be reached).
    convene_socket_give_up_seconds: int = Field(default=120, ge=5, le=24 * 3600)
    # Hosting many workspaces ("Add to Slack"): all three set, in HTTP mode; tokens then come from
    # the installation store instead of SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None
    # Where "Add to Slack" sends people; by default the host of SLACK_API_URL (GovSlack: slack-gov.com).
    slack_authorize_url: str | None = None
    # Days a workspace's data is kept after Convene is uninstalled from it (0: deleted at once).
    convene_uninstalled_retention_days: int = Field(default=30, ge=0, le=3650)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret", "health_port", "slack_client_id",
                     "slack_client_secret", "slack_state_secret", "slack_authorize_url", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("convene_channel", mode="before")
    @classmethod
    def _channel_shape(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and not _CHANNEL_ID.match(str(value)):
            raise ValueError("must be a channel ID such as C0123ABCD (right-click the channel, Copy link)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_authorize_url")
    @classmethod
    def _authorize_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/oauth/v2/authorize")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("convene_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London") from None
        return value

    @field_validator("convene_coordinators", mode="before")
    @classmethod
    def _coordinators(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            bad = [part for part in ids if not _USER_ID.match(part)]
            if bad:
                raise ValueError("must be comma-separated Slack user IDs such as U0123ABCD,U0456EFGH")
            return frozenset(ids)
        return value

    @model_validator(mode="after")
    def _one_group_settings_only_for_one_group(self) -> Settings:
        # A channel or coordinators named for the whole process belong to one workspace; hosting
        # many, each group sets its own in Slack and nothing of one may show in another.
        if self.hosts_many_workspaces:
            self.convene_channel = None
            self.convene_coordinators = frozenset()
        return self

    @property
    def poll_reminder_lead(self) -> timedelta:
        return timedelta(hours=self.convene_poll_reminder_hours)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.convene_timezone)

    @property
    def hosts_many_workspaces(self) -> bool:
        """True when any of the three "Add to Slack" variables is set (`oauth_credentials()` then
        insists on all three)."""
        return any(value is not None for value in (self.slack_client_id, self.slack_client_secret,
                                                   self.slack_state_secret))

    def oauth_credentials(self) -> tuple[str, str, str]:
        """SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET, all three or a clear error."""
        client_id = self.slack_client_id
        if client_id is None:
            raise ConfigurationError(
                "SLACK_CLIENT_ID is not set: it should hold the app's Client ID (Basic Information → App "
                "Credentials), with SLACK_CLIENT_SECRET and SLACK_STATE_SECRET, to host many workspaces.")
        secret = _require(self.slack_client_secret, "SLACK_CLIENT_SECRET",
                          "the app's Client Secret (Basic Information → App Credentials)")
        state = _require(self.slack_state_secret, "SLACK_STATE_SECRET",
                         "a long random string of your own that signs the install links")
        return client_id, secret, state

    @property
    def authorize_url(self) -> str:
        """Slack's authorize page: SLACK_AUTHORIZE_URL, else on SLACK_API_URL's host."""
        if self.slack_authorize_url:
            return self.slack_authorize_url
        root = self.slack_api_url.rstrip("/").removesuffix("/api")
        return f"{root}/oauth/v2/authorize"

    @property
    def uninstalled_retention(self) -> timedelta:
        return timedelta(days=self.convene_uninstalled_retention_days)

    def bot_token(self) -> str:
        return _require(self.slack_bot_token, "SLACK_BOT_TOKEN", "the bot token, xoxb-…")

    def app_token(self) -> str:
        return _require(self.slack_app_token, "SLACK_APP_TOKEN", "the app-level token, xapp-…, for Socket Mode")

    def signing_secret(self) -> str:
        return _require(self.slack_signing_secret, "SLACK_SIGNING_SECRET", "the signing secret, for HTTP mode")


def _require(value: SecretStr | None, name: str, what: str) -> str:
    if value is None:
        raise ConfigurationError(f"{name} is not set: it should hold {what}.")
    return value.get_secret_value()


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` form platforms hand out and use the psycopg 3 driver for PostgreSQL."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not re.match(r"^[a-z0-9+]+://", url):
        raise ValueError("must be a database URL such as sqlite:///convene.sqlite3 or postgres://user@host/db")
    return url


def load_settings(**overrides: object) -> Settings:
    """Read the settings once, turning any validation failure into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigurationError(f"{name} {reason}.") from None
