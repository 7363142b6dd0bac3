"""What each area contributes to the features that span them all.

An area (polls, issues, availability, prompts, digest…) adds its functions to these lists; the
App Home, `/convene my-data`, `/convene forget-me` and start-up read them. Order matters: it is
the order of the App Home's sections and of the data export.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import digest_sections, home_sections
from bot.home import HomeSection
from bot.services import availability, digest, issues_export, poll_dates, polls, prompts, proposals, volunteering
from bot.services.digest import DigestSectionSource
from bot.services.personal_data import Exporter, Forgetter, RedrawFinder, export_profile

HOME_SECTIONS: list[HomeSection] = [
    home_sections.polls_waiting_for_vote,
    home_sections.proposals_waiting_for_position,
    home_sections.prompts_waiting_for_answer,
    home_sections.your_availability,
    home_sections.top_open_issues,
    home_sections.open_volunteer_calls,
]

PERSONAL_DATA_EXPORTERS: list[Exporter] = [
    export_profile,
    polls.export_poll_data,
    availability.export_personal_data,
    volunteering.export_personal_data,
    issues_export.export_personal_data,
    prompts.export_personal_data,
    proposals.export_personal_data,
]

# Run before the declared treatment of every column (`storage.models.personal`): what a plain
# delete would get wrong (+1 counts, message revisions).
PERSONAL_DATA_FORGETTERS: list[tuple[str, Forgetter]] = [
    ("Polls", polls.forget_poll_data),
    ("Availability", availability.forget_personal_data),
    ("Volunteering", volunteering.forget_personal_data),
    ("Issues", issues_export.forget_member),
    ("Prompts", prompts.forget_personal_data),
    ("Proposals", proposals.forget_personal_data),
]

# Slack messages that may show a member, found before they are forgotten and redrawn after.
REDRAWN_AFTER_FORGETTING: list[RedrawFinder] = [
    polls.redraw_after_forgetting,
    proposals.redraw_after_forgetting,
    issues_export.redraw_after_forgetting,
    volunteering.redraw_after_forgetting,
    digest.redraw_after_forgetting,
]

# The weekly digest's sections, in order; an area with nothing to report returns None.
DIGEST_SECTIONS: list[DigestSectionSource] = [
    digest_sections.next_meetings,
    digest_sections.open_polls,
    digest_sections.open_proposals,
    digest_sections.decided_proposals,
    digest_sections.new_issues,
    digest_sections.top_issues,
    digest_sections.this_weeks_prompt,
    digest_sections.volunteer_calls,
    digest_sections.away_next_week,
]

# Slow first-use work done when a Slack-facing process starts (loading a parser's data…).
WARMERS: list[Callable[[], None]] = [
    poll_dates.warm,
    volunteering.warm_up,
]
