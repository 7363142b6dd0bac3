"""Background work for the register of issues."""

from __future__ import annotations

import logging

from bot.jobs import runtime
from bot.slack.installations import acting_for
from bot.slack.issue_cards import IssueCards
from storage.repositories.issues import IssueRepository

logger = logging.getLogger(__name__)

# Enough for a busy minute; the rest wait for the next run.
CARDS_PER_RUN = 50


def refresh_stale_cards() -> None:
    """Update the cards in the channel that show an older state than their issue's.

    Catches what an immediate update missed: Slack failing, two processes racing, or
    `/convene forget-me` anonymising issues (which has no Slack client to hand).
    """
    rt = runtime()
    with rt.db.unit_of_work() as session:
        stale = IssueRepository(session).stale_cards(limit=CARDS_PER_RUN)
    serving = set(rt.serving([team_id for team_id, _ in stale]))
    cards = IssueCards(rt.client, rt.db, rt.sender, rt.clock, rt.settings)
    for team_id, issue_id in stale:
        if team_id in serving:
            with acting_for(team_id):
                cards.update_card(team_id, issue_id)
