"""What each area contributes to the features that span them all.

An area (polls, issues, availability, prompts, digest…) adds its functions to these lists; the
App Home, `/convene my-data`, `/convene forget-me` and start-up read them. Order matters: it is
the order of the App Home's sections and of the data export.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.home import HomeSection
from bot.services import prompts
from bot.services.personal_data import Exporter, Forgetter, export_profile

HOME_SECTIONS: list[HomeSection] = [
    prompts.home_section,
]

PERSONAL_DATA_EXPORTERS: list[Exporter] = [
    export_profile,
    prompts.export_personal_data,
]

# Run before the member's profile is deleted; anonymise what must outlive the member.
PERSONAL_DATA_FORGETTERS: list[tuple[str, Forgetter]] = [
    ("Prompts", prompts.forget_personal_data),
]

# Slow first-use work done when a Slack-facing process starts (loading a parser's data…).
WARMERS: list[Callable[[], None]] = []
