"""Help for every command: grammar and examples that work."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text import escape, truncate
from bot.views.blocks import Block, context, divider, fit_blocks, header, section


@dataclass(frozen=True)
class Usage:
    grammar: str
    does: str
    example: str | None = None


@dataclass(frozen=True)
class CommandHelp:
    command: str
    summary: str
    usages: tuple[Usage, ...]
    coordinators_only: bool = False


INTRO = (
    "*Convene* helps the working group find dates to meet, see who is free, keep a register of "
    "commissioning issues, answer a few good questions now and then, and read one short digest a week."
)

COMMANDS: dict[str, CommandHelp] = {
    "/convene": CommandHelp(
        "/convene",
        "Help, the group's settings, coordinators and your data.",
        (
            Usage("/convene help", "what Convene does and how to use every command"),
            Usage("/convene settings", "the group's channel and time zone (coordinators can change them)"),
            Usage("/convene settings channel #channel", "where digests and announcements go",
                  "/convene settings channel #wg-commissioning"),
            Usage("/convene settings timezone Area/City", "the group's home time zone",
                  "/convene settings timezone Europe/London"),
            Usage("/convene coordinators list", "who can manage polls, prompts and the digest"),
            Usage("/convene coordinators add @someone", "make a member a coordinator",
                  "/convene coordinators add @sam"),
            Usage("/convene coordinators remove @someone", "take coordinator rights away"),
            Usage("/convene my-data", "get a direct message with everything Convene stores about you"),
            Usage("/convene forget-me", "delete what Convene stores about you (after you confirm)"),
        ),
    ),
    "/prompt": CommandHelp(
        "/prompt",
        "Good questions about commissioning, sent to members now and then; every answer kept.",
        (
            Usage("/prompt list", "the prompts in the order they will be sent, and the schedule"),
            Usage("/prompt add <question>", "add a question to the end of the queue",
                  "/prompt add What did your last tender cost you in staff time?"),
            Usage("/prompt edit N <question>", "reword prompt N",
                  "/prompt edit 7 What would make monitoring worth the time it takes?"),
            Usage("/prompt move N to M", "put prompt N at place M in the queue (1 is sent next)", "/prompt move 7 to 1"),
            Usage("/prompt retire N", "stop sending prompt N (its answers are kept); `restore N` brings it back",
                  "/prompt retire 4"),
            Usage("/prompt schedule weekly|fortnightly|monthly Day HH:MM",
                  "when prompts go out, at that time in each member's own time zone; `monthly` is the first such "
                  "day of the month", "/prompt schedule weekly Tue 10:00"),
            Usage("/prompt schedule off", "stop scheduled prompts"),
            Usage("/prompt send now [N]", "send prompt N (or the next one) to the group's channel members now",
                  "/prompt send now 3"),
            Usage("/prompt nudge N|off", "one reminder after N days to members who have not answered",
                  "/prompt nudge 3"),
            Usage("/prompt answers N", "read the answers to prompt N, credited as their authors chose",
                  "/prompt answers 7"),
            Usage("/prompt pause", "no prompts for you for four weeks; `/prompt resume` to start again"),
        ),
        coordinators_only=True,
    ),
}


def _usage_line(usage: Usage) -> str:
    line = f"`{usage.grammar}` — {usage.does}"
    if usage.example and usage.example != usage.grammar:
        line += f"\n      e.g. `{usage.example}`"
    return line


def command_help_blocks(command: str) -> list[Block]:
    """Help for one command."""
    help_ = COMMANDS[command]
    lines = "\n".join(_usage_line(u) for u in help_.usages)
    blocks = [section(f"*{help_.command}* — {help_.summary}"), section(lines)]
    if help_.coordinators_only:
        blocks.append(context("Changing things needs a coordinator; anyone can look."))
    return blocks


def command_help_text(command: str) -> str:
    help_ = COMMANDS[command]
    return f"{help_.command}: {help_.summary} Try `{help_.command} help`."


def overview_blocks() -> list[Block]:
    """`/convene help`: what Convene does and every command's grammar."""
    blocks: list[Block] = [header("Convene"), section(INTRO), divider()]
    for command in COMMANDS:
        blocks.extend(command_help_blocks(command))
    blocks.append(context("Quotes can be straight \"…\" or curly “…”. Times are read in your own Slack time zone."))
    return fit_blocks(blocks)


def unknown_subcommand_blocks(command: str, word: str) -> list[Block]:
    said = escape(truncate(word, 40))
    return [section(f"Sorry, `{command}` has no `{said}`. Here is what it can do:"), *command_help_blocks(command)]
