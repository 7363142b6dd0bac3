"""What `/convene my-data` and `/convene forget-me` show. README's "Privacy" says the same."""

from __future__ import annotations

from typing import Any

from bot.services.personal_data import PersonalData
from bot.views.blocks import Block, actions, button, confirm_dialog, context, section

FORGET_ACTION = "convene_forget_me"

FORGET_ME = (
    "*Forget me?* Convene will delete everything it stores about you: your profile and organisation, "
    "availability and dates away, your votes, answers, +1s and sign-ups, and the record of messages it "
    "sent you. Where you appear in the group's records (a poll you made, a prompt you wrote, an issue you "
    "closed, a coordinator you added) your name is taken out. Issues you raised stay in the register, "
    "credited as anonymous. Messages in Slack that showed your name are redrawn without it. "
    "Convene then leaves you out of prompts, reminders and polls until you use it again. "
    "This cannot be undone."
)


def my_data_summary(sections: list[PersonalData], rows: dict[str, list[dict[str, Any]]] | None = None) -> str:
    counts = ", ".join(f"{s.area.lower()}: {len(s.records)}" for s in sections)
    stored = sum(len(found) for found in (rows or {}).values())
    return (f"Here is everything Convene stores about you ({counts}). The attached file has it all, "
            f"including every stored row that refers to you ({stored}).")


def forget_me_blocks() -> list[Block]:
    return [
        section(FORGET_ME),
        actions(
            button(
                "Delete my data",
                FORGET_ACTION,
                value="confirm",
                style="danger",
                confirm=confirm_dialog("Delete your data?", "Everything Convene stores about you goes. Sure?",
                                       confirm="Delete it", deny="Keep it"),
            )
        ),
        context("`/convene my-data` first if you want a copy."),
    ]


def forgotten_text(touched: dict[str, int]) -> str:
    total = sum(touched.values())
    if total == 0:
        return "Convene had nothing stored about you."
    parts = ", ".join(f"{area.lower()} ({count})" for area, count in touched.items() if count)
    return (f":white_check_mark: Done. Convene deleted or anonymised what it stored about you: {parts}. "
            "It will leave you out until you use it again.")
