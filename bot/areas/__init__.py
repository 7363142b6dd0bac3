"""What each area contributes to the features that span them all.

An area (polls, issues, availability, prompts, digest…) adds its functions to these lists; the
App Home, the weekly digest, `/convene my-data`, `/convene forget-me` and start-up read them.
Order matters: it is the order of the App Home's sections, of the digest's and of the data export.

- `context`: what a Home section and a digest section are given (`HomeContext`, `DigestContext`).
- `home`: each area's App Home section (`HOME_SECTIONS`).
- `digest`: each area's part of the weekly digest (`DIGEST_SECTIONS`, `build_digest`).
- `personal_data`: each area's export, forgetting and redrawing of one member's data.
- `warmup`: slow first-use work done when a process starts (`WARMERS`).
"""

from __future__ import annotations

from bot.areas.context import DigestContext, DigestSectionSource, HomeContext, HomeSection
from bot.areas.digest import DIGEST_SECTIONS, build_digest
from bot.areas.home import HOME_PAGE_SIZE, HOME_SECTIONS, home_sections
from bot.areas.personal_data import PERSONAL_DATA_EXPORTERS, PERSONAL_DATA_FORGETTERS, REDRAWN_AFTER_FORGETTING
from bot.areas.warmup import WARMERS

__all__ = [
    "DIGEST_SECTIONS",
    "HOME_PAGE_SIZE",
    "HOME_SECTIONS",
    "PERSONAL_DATA_EXPORTERS",
    "PERSONAL_DATA_FORGETTERS",
    "REDRAWN_AFTER_FORGETTING",
    "WARMERS",
    "DigestContext",
    "DigestSectionSource",
    "HomeContext",
    "HomeSection",
    "build_digest",
    "home_sections",
]
