"""Reading what people type into slash commands, and making user text safe for Slack's mrkdwn."""

from __future__ import annotations

import re
from typing import NamedTuple

ELLIPSIS = "…"

# Slack clients turn straight quotes into typographic ones as people type.
_QUOTE_PAIRS = {'"': '"', "“": "”", "”": "”", "„": "“", "«": "»", "'": "'", "‘": "’"}

_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_USER_ID = re.compile(r"^@?([UW][A-Z0-9]{6,})$")
_BARE_CHANNEL_ID = re.compile(r"^#?([CG][A-Z0-9]{6,})$")


def escape(text: str) -> str:
    """Escape &, < and > so user text cannot become a mention, a link or `<!channel>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters, ending with "…" when cut."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    # Never leave half an escape sequence such as "&am" behind.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and amp >= len(cut) - 5:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


class QuoteError(ValueError):
    """A quoted argument was opened and never closed."""


def split_args(text: str) -> list[str]:
    """Split command text on spaces, keeping "quoted phrases" (straight or typographic) whole.

    >>> split_args('"First meeting" “Tue 1 Dec 10am” deadline')
    ['First meeting', 'Tue 1 Dec 10am', 'deadline']
    """
    args: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        closer = _QUOTE_PAIRS.get(char)
        if closer is not None and char not in "'‘":
            end = _find_closing(text, i + 1, closer)
            if end == -1:
                raise QuoteError(f"A quote opened before “{truncate(text[i + 1 :], 30)}” is never closed.")
            args.append(text[i + 1 : end].strip())
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        args.append(text[start:i])
    return args


def _find_closing(text: str, start: int, closer: str) -> int:
    # Accept any double quote as the closer: phones mix “ and " within one command.
    closers = {closer, '"', "”", "“"} if closer in '"”“' else {closer}
    for index in range(start, len(text)):
        if text[index] in closers:
            return index
    return -1


class Subcommand(NamedTuple):
    """The first word of a command's text, lower-cased, and the rest untouched."""

    name: str
    rest: str


def subcommand(text: str) -> Subcommand:
    stripped = (text or "").strip()
    if not stripped:
        return Subcommand("", "")
    head, _, rest = stripped.partition(" ")
    return Subcommand(head.lower(), rest.strip())


def user_id_from(token: str) -> str | None:
    """`<@U123|name>` or a bare `U123…` → the user ID, else None."""
    token = token.strip()
    match = _USER_MENTION.match(token) or _BARE_USER_ID.match(token)
    return match.group(1) if match else None


def channel_id_from(token: str) -> str | None:
    """`<#C123|name>` or a bare `C123…` → the channel ID, else None."""
    token = token.strip()
    match = _CHANNEL_MENTION.match(token) or _BARE_CHANNEL_ID.match(token)
    return match.group(1) if match else None


_SLACK_TOKEN = re.compile(r"<([^<>]*)>")


def unslack(text: str) -> str:
    """Slack's formatted text (a message, or an escaped slash command) as the person wrote it.

    `<@U1|sam>` → `@sam`, `<#C1|general>` → `#general`, `<!here>` → `@here`,
    `<https://x.org|x>` → `x (https://x.org)`, and `&amp;`, `&lt;`, `&gt;` → `&`, `<`, `>`.
    The result is plain text: escape it again before it goes back into mrkdwn.
    """

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            if special.startswith("date"):
                return label or ""
            if special.startswith("subteam"):
                return label or "@group"
            return "@" + (label or special)
        if label and label != target:
            return f"{label} ({target.removeprefix('mailto:')})"
        return target.removeprefix("mailto:")

    return _SLACK_TOKEN.sub(plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
