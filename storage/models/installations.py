"""What Convene keeps about its installations when it hosts many workspaces.

The installations themselves (bot tokens, refresh tokens, who installed) are slack_sdk's
`slack_installations` and `slack_bots` tables, and the install links' states its
`slack_oauth_states`: migration 0012 creates them, `bot.slack.installations` reads and writes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class TokenRefresh(Base):
    """A claim on refreshing one workspace's rotating bot token: of all the processes that find it
    expiring at the same moment, the one holding the claim asks Slack, and the others wait for the
    token it stores."""

    __tablename__ = "token_refreshes"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Until when the claim holds; a process that died while refreshing loses it after this.
    leased_until: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
