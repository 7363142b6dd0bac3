"""Help for every command: grammar and examples that work."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.availability import PARTS_OF_DAY
from bot.services.meeting_hours import DEFAULT_MEETING_HOURS
from bot.services.suggest import DEFAULT_LENGTH, MAX_WINDOW_DAYS, POLL_ANSWER_TIME, describe_length
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
    notes: tuple[str, ...] = ()  # shown under the usages in the command's own help


INTRO = (
    "*Convene* helps the working group find dates to meet, see who is free, keep a register of "
    "commissioning issues, decide on the asks they lead to, answer a few good questions now and then, and "
    "read one short digest a week."
)

COMMANDS: dict[str, CommandHelp] = {
    "/convene": CommandHelp(
        "/convene",
        "Help, the group's settings, coordinators and your data.",
        (
            Usage("/convene help", "what Convene does and how to use every command"),
            Usage("/convene settings", "the group's channel, time zone and meeting hours (coordinators can change them)"),
            Usage("/convene settings channel #channel", "where digests and announcements go",
                  "/convene settings channel #wg-commissioning"),
            Usage("/convene settings timezone Area/City", "the group's home time zone",
                  "/convene settings timezone Europe/London"),
            Usage("/convene settings meeting-hours <days> <from-to>; …",
                  "when `/meet suggest` may propose meetings, in the group's time zone (`default` resets)",
                  "/convene settings meeting-hours weekdays 18:00-21:00; Sat 10:00-13:00"),
            Usage("/convene settings quorum N% organisations|members",
                  "how much of the group must take part in a proposal for its outcome to count (`off` for none)",
                  "/convene settings quorum 50% organisations"),
            Usage("/convene coordinators list", "who can manage polls, prompts and the digest"),
            Usage("/convene coordinators add @someone", "make a member a coordinator",
                  "/convene coordinators add @sam"),
            Usage("/convene coordinators remove @someone", "take coordinator rights away"),
            Usage("/convene my-data", "get a direct message with everything Convene stores about you"),
            Usage("/convene forget-me", "delete what Convene stores about you (after you confirm); issues you "
                  "raised stay, credited as anonymous, and Convene leaves you out until you use it again"),
            Usage("/convene delete-workspace-data", "coordinators: delete all of this workspace's Convene data, "
                  "for everyone, after a confirmation"),
        ),
    ),
    "/meet": CommandHelp(
        "/meet",
        "Find a date: a poll with Yes / If need be / No for each option, then a calendar invite.",
        (
            Usage("/meet", "open a form: title, options one per line, deadline, channel and settings"),
            Usage('/meet "Title" "option" "option" … [deadline "when"]',
                  "post a poll in this channel straight away",
                  '/meet "First meeting" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm" "Thu 3 Dec" deadline "Fri 27 Nov 5pm"'),
            Usage('/meet "Title" "option" … anonymous hide-votes no-if-need-be',
                  "optional words after the options: never show names, hide answers until it closes, "
                  "only Yes and No"),
            Usage('/meet suggest [length] [when] [in #channel] ["Title"]',
                  "up to five times when the most people in the channel (and the most organisations) are usually "
                  "free, from their `/availability`; one click starts a poll with them",
                  "/meet suggest 90m next 2 weeks"),
            Usage("/meet list", "the open polls in this channel"),
            Usage("/meet help", "this help"),
        ),
        notes=(
            "Options are read in your Slack time zone: a time (`Tue 1 Dec 10am`, `1/12 14:00`), a range "
            "(`Wed 2 Dec 2-4pm`, `14:00-16:00`, `2pm to 4pm`), a whole day (`Thu 3 Dec`), or "
            "`next Tuesday 2pm`, `tomorrow at noon`. A time without an end counts as an hour in the calendar file.",
            "Members of the channel who have not answered get one reminder a day before the deadline; at the "
            "deadline the poll closes, the creator picks the final date and Convene announces it with an `.ics` file.",
            "`/meet suggest`: a length such as `90m`, `1h`, `1h30`, `2 hours` or `45 min` (15 minutes to 8 hours; "
            f"{describe_length(DEFAULT_LENGTH)} if left out) and when: `next 2 weeks` (if left out), `next week`, "
            f"`this week`, `next 10 days`, `tomorrow` or `until Fri 11 Dec`, up to {MAX_WINDOW_DAYS // 7} weeks "
            f"ahead. Times start on the hour or half hour within the group's meeting hours, in its time zone "
            f"({DEFAULT_MEETING_HOURS.describe()} unless a coordinator sets others with "
            "`/convene settings meeting-hours`); "
            "each person counts as free from their usual week in their own time zone, not on days they are away, "
            "and people who have not set their availability are not counted. *Start a poll with these* posts a "
            f"poll in that channel that closes in {int(POLL_ANSWER_TIME.total_seconds() // 3600)} hours, or halfway "
            "to its first time if that is sooner; *Edit and start* opens the form above, filled in.",
        ),
    ),
    "/availability": CommandHelp(
        "/availability",
        "When you are usually free, when you are away, and the group's week.",
        (
            Usage("/availability", "open a form: the parts of each weekday you are usually free ("
                  + ", ".join(f"{part.name} {part.start}–{part.end}" for part in PARTS_OF_DAY)
                  + ", your time), dates away, hours a month you can give, your organisation and time zone"),
            Usage("/availability team", "the group's week as a heat map in your time zone, who is away in the "
                  "next four weeks and the hours offered"),
            Usage("/availability help", "this help"),
        ),
    ),
    "/volunteer": CommandHelp(
        "/volunteer",
        "Ask for volunteers: people sign up with a button and the call closes when enough have.",
        (
            Usage("/volunteer \"task\" N [by date]", "post a call for N people in this channel; it closes when N "
                  "have signed up or at the deadline (read in your time zone)",
                  "/volunteer \"Draft the scope document\" 2 by Fri 4 Dec"),
            Usage("/volunteer", "open the form: the task, how many people, the deadline and the channel"),
            Usage("/volunteer list", "the calls still open"),
            Usage("/volunteer help", "this help"),
        ),
    ),
    "/issue": CommandHelp(
        "/issue",
        "The group's register of commissioning issues: add them, +1 them, tag them, export them.",
        (
            Usage("/issue <text> #tag #tag", "add an issue in one line; each #word is a tag",
                  "/issue Lead providers pass on risk but not the money #lead-provider-model #nhs"),
            Usage("/issue", "open the form: title, detail, themes, commissioner, and how you are credited"),
            Usage("/issue list [#tag] [new|top|old] [open|closed|all]", "the register, a page at a time",
                  "/issue list #contract-length top"),
            Usage("/issue show N", "one issue with its +1s and history", "/issue show 12"),
            Usage("/issue +1 N", "+1 an issue; once is enough, a second +1 changes nothing", "/issue +1 12"),
            Usage("/issue withdraw N", "take back your +1 (also `-1`; or *Withdraw my +1* in the card's ⋯ menu)",
                  "/issue withdraw 12"),
            Usage("/issue tag N #tag", "add tags to an issue", "/issue tag 12 #social-value"),
            Usage("/issue untag N #tag", "remove a tag (whoever raised it, or a coordinator)",
                  "/issue untag 12 #social-value"),
            Usage("/issue edit N", "change an issue you raised, or how you are credited", "/issue edit 12"),
            Usage("/issue close N <resolution>", "close an issue with what happened (whoever raised it, or a coordinator)",
                  "/issue close 12 Raised with the ICB, who will review contract lengths"),
            Usage("/issue reopen N", "open a closed issue again", "/issue reopen 12"),
            Usage("/issue tags", "the themes and the tags in use"),
            Usage("/issue export", "a CSV and a Markdown evidence pack, sent to you by direct message"),
        ),
    ),
    "/propose": CommandHelp(
        "/propose",
        "Put an ask to the group: members agree, abstain, disagree or block, and the outcome is recorded "
        "with the organisations behind it.",
        (
            Usage("/propose", "open a form: the proposal, the issues it addresses, when it closes, the channel, "
                  "anonymous or hidden positions"),
            Usage('/propose "proposal" #N #N closes "when" [anonymous] [hidden]',
                  "post a proposal in this channel straight away, addressing those issues from the register",
                  '/propose "We ask commissioners to stop requiring a single lead provider" #12 #15 closes "Fri 5pm"'),
            Usage("/propose list [open|decided] [page N]", "every proposal, newest first, a page at a time",
                  "/propose list decided"),
            Usage("/propose show N", "one proposal with its positions, reasons, issues and outcome",
                  "/propose show 3"),
            Usage("/propose help", "this help"),
        ),
        notes=(
            "The closing time is read in your Slack time zone (`Fri 5pm`, `Mon 7 Dec 10am`, `tomorrow at noon`); "
            "left out, a proposal closes a week later at 17:00. Members of the channel who have not responded get "
            "one reminder in a direct message before it closes; nobody is named for not responding.",
            "Click *Agree*, *Abstain*, *Disagree* or *Block*, again to change it until it closes; *My position* "
            "adds a reason and says how you are shown (by name, by organisation only, or anonymously). In an "
            "anonymous proposal nobody sees who took which position. An organisation agrees when one of its "
            "members agrees and none disagrees or blocks.",
            "At the closing time, or when its author or a coordinator closes it, they record the outcome: "
            "*Agreed*, *Agreed with changes*, *Not agreed* or *Withdrawn*, with a statement; a block must be "
            "resolved before a proposal is recorded as agreed. *Change closing time* moves it, and *Reopen* "
            "takes positions again after it closed without an outcome (its author or a coordinator). With a quorum "
            "(`/convene settings quorum 50% organisations`) a proposal without enough taking part is marked "
            "“no quorum”. Decided proposals show on their issues, and in `/issue export`'s evidence pack and "
            "decisions.csv.",
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
        notes=(
            "Any answer can become an issue in the register: its author presses *Make it an issue* on the "
            "prompt's message; a coordinator can do it from `/prompt answers N` when the author allowed sharing.",
        ),
        coordinators_only=True,
    ),
    "/digest": CommandHelp(
        "/digest",
        "The weekly digest: one short message a week that replaces the chasing.",
        (
            Usage("/digest", "when and where the digest is posted, and when it was last posted"),
            Usage("/digest preview", "see exactly what would be posted, only to you"),
            Usage("/digest now", "post this week's digest now (there is still only one a week)"),
            Usage("/digest schedule Day HH:MM", "when it is posted, in the group's time zone",
                  "/digest schedule Fri 16:00"),
            Usage("/digest schedule off", "stop the weekly digest (`/digest schedule on` starts it again)"),
            Usage("/digest channel #channel", "where it is posted", "/digest channel #wg-commissioning"),
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
    blocks.extend(context(note) for note in help_.notes)
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
