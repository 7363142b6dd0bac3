"""What `/convene delete-workspace-data` shows: the warning with its confirmation, and the outcome."""

from __future__ import annotations

from bot.views.blocks import Block, actions, button, confirm_dialog, context, section

DELETE_WORKSPACE_DATA_ACTION = "convene_delete_workspace_data"

DELETE_WORKSPACE_DATA = (
    "*Delete all of this workspace's Convene data?* Every poll and vote, issue and +1, prompt and answer, "
    "proposal and position, call for volunteers, availability, member profile, coordinator and setting goes, "
    "for everyone, along with anything scheduled (digests, reminders, deadlines). Messages Convene already "
    "posted stay in Slack. Convene stays installed and starts afresh the next time someone uses it. "
    "This cannot be undone."
)


def delete_workspace_data_blocks() -> list[Block]:
    return [
        section(DELETE_WORKSPACE_DATA),
        actions(
            button(
                "Delete the workspace's data",
                DELETE_WORKSPACE_DATA_ACTION,
                value="confirm",
                style="danger",
                confirm=confirm_dialog("Delete everything?", "All of this workspace's Convene data goes, for "
                                       "everyone. Sure?", confirm="Delete it all", deny="Keep it"),
            )
        ),
        context("`/issue export` and `/prompt answers` first if the group wants a copy. To remove Convene "
                "itself, uninstall it from the workspace's app settings: its data then goes after the host's "
                "retention period."),
    ]


def workspace_data_deleted_text(rows: int) -> str:
    if rows == 0:
        return "Convene had nothing stored for this workspace."
    return (f":white_check_mark: Done. Convene deleted this workspace's data ({rows} records) and everything "
            "it had scheduled here.")
