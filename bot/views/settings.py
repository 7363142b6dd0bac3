"""The group's settings and coordinators, as Slack shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.workspaces import Coordinators, GroupSettings
from bot.views.blocks import Block, actions, button, context, input_block, modal, option, section

SETTINGS_MODAL = "convene_settings"
OPEN_SETTINGS_ACTION = "convene_open_settings"
CHANNEL_BLOCK = "channel"
CHANNEL_ACTION = "channel_select"
TIMEZONE_BLOCK = "timezone"
TIMEZONE_ACTION = "timezone_select"
MEETING_HOURS_BLOCK = "meeting_hours"
MEETING_HOURS_ACTION = "meeting_hours_input"
QUORUM_BLOCK = "quorum"
QUORUM_ACTION = "quorum_input"


def settings_blocks(settings: GroupSettings, *, can_change: bool, paces: Sequence[str] = ()) -> list[Block]:
    """The group's settings; `paces` are one line each for the digest and prompts (mrkdwn)."""
    if settings.channel_id:
        channel = f"<#{settings.channel_id}>" + (" (from CONVENE_CHANNEL)" if settings.channel_from_env else "")
    else:
        channel = "_not set_ — digests and announcements have nowhere to go yet"
    zone = f"`{settings.timezone}`" + (" (from CONVENE_TIMEZONE)" if settings.timezone_from_env else "")
    hours = settings.meeting_hours.describe() + (" (the default)" if settings.meeting_hours_default else "")
    quorum = (f"{settings.quorum.describe()} must take part" if settings.quorum
              else "none (a proposal's outcome counts however many take part)")
    blocks: list[Block] = [
        section("*Convene settings for this group*"),
        section("\n".join([f"*Channel:* {channel}", f"*Time zone:* {zone}",
                           f"*Meeting hours* (for `/meet suggest`, {settings.timezone} time): {hours}",
                           f"*Quorum for proposals:* {quorum}", *paces])),
    ]
    if can_change:
        blocks.append(actions(button("Change settings", OPEN_SETTINGS_ACTION, style="primary")))
        blocks.append(context("Or type `/convene settings channel #channel`, `/convene settings timezone Europe/London` or "
                              "`/convene settings meeting-hours weekdays 18:00-21:00; Sat 10:00-13:00`, "
                              "`/convene settings quorum 50% organisations`; "
                              "`/digest schedule Fri 16:00` and `/prompt schedule weekly Tue 10:00` set the pace."))
    else:
        blocks.append(context("Coordinators can change these. `/convene coordinators list` shows who they are."))
    return blocks


def settings_modal(settings: GroupSettings) -> dict[str, Any]:
    channel_select: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": CHANNEL_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick the group's channel"},
        "filter": {"include": ["public", "private"], "exclude_bot_users": True, "exclude_external_shared_channels": True},
    }
    if settings.channel_id:
        channel_select["initial_conversation"] = settings.channel_id
    timezone_select: dict[str, Any] = {
        "type": "external_select",
        "action_id": TIMEZONE_ACTION,
        "placeholder": {"type": "plain_text", "text": "Type a city, e.g. London"},
        "min_query_length": 2,
        "initial_option": option(settings.timezone, settings.timezone),
    }
    quorum_input: dict[str, Any] = {"type": "plain_text_input", "action_id": QUORUM_ACTION, "max_length": 40,
                                    "placeholder": {"type": "plain_text", "text": "50% organisations"}}
    if settings.quorum is not None:
        quorum_input["initial_value"] = f"{settings.quorum.percent}% {settings.quorum.basis}"
    return modal(
        "Convene settings",
        [
            input_block("Group channel", channel_select, block_id=CHANNEL_BLOCK,
                        hint="Digests and announcements are posted here. Invite Convene to it."),
            input_block("Home time zone", timezone_select, block_id=TIMEZONE_BLOCK,
                        hint="Used for the digest schedule and for anyone without a Slack time zone."),
            input_block("Meeting hours", {
                "type": "plain_text_input",
                "action_id": MEETING_HOURS_ACTION,
                "initial_value": settings.meeting_hours.as_typed(),
                "max_length": 300,
            }, block_id=MEETING_HOURS_BLOCK,
                hint="When /meet suggest may propose meetings, in the home time zone, e.g. "
                     "“weekdays 18:00-21:00; Sat 10:00-13:00”."),
            input_block("Quorum for proposals", quorum_input, block_id=QUORUM_BLOCK, optional=True,
                        hint="How much of the group must take part for a proposal's outcome to count, e.g. "
                             "“50% organisations” or “60% members”. Leave it empty for none."),
        ],
        callback_id=SETTINGS_MODAL,
        submit="Save",
    )


def timezone_options(zones: list[str]) -> list[dict[str, Any]]:
    return [option(zone.replace("_", " "), zone) for zone in zones]


def coordinators_blocks(found: Coordinators) -> list[Block]:
    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(f"<@{user_id}>" for user_id in ids) or "_none_"

    return [
        section("*Coordinators* can create and close any poll, manage prompts and the digest, and export data."),
        section(
            f"*Added in Slack:* {names(found.added)}\n"
            f"*Named in CONVENE_COORDINATORS:* {names(found.configured)}\n"
            f"*Workspace admins and owners:* {names(found.admins)}"
        ),
        context("Add one with `/convene coordinators add @someone`; remove with `/convene coordinators remove @someone`."),
    ]
