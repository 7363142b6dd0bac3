"""What `/convene my-data` and `/convene forget-me` show."""

from __future__ import annotations

from bot.services.personal_data import PersonalData
from bot.views.blocks import Block, actions, button, confirm_dialog, context, section

FORGET_ACTION = "convene_forget_me"


def my_data_summary(sections: list[PersonalData]) -> str:
    counts = ", ".join(f"{s.area.lower()}: {len(s.records)}" for s in sections)
    return f"Here is everything Convene stores about you ({counts}). The attached file has it all."


def forget_me_blocks() -> list[Block]:
    return [
        section(
            "*Forget me?* Convene will delete everything it stores about you: your profile, "
            "availability and dates away, your votes, answers and sign-ups. Issues you raised stay in the "
            "register, credited as anonymous. This cannot be undone."
        ),
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
    return f":white_check_mark: Done. Convene deleted or anonymised what it stored about you: {parts}."
