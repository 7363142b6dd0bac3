"""What each area contributes to `/convene my-data` and `/convene forget-me`.

Order matters: it is the order of the data export.
"""

from __future__ import annotations

from bot.services import availability, digest, issues_export, polls, prompts, proposals, volunteering
from bot.services.personal_data import Exporter, Forgetter, RedrawFinder, export_profile

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
