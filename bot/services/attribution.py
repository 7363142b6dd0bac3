"""What may be shown about who did something: the one rule every message, modal, App Home
section, digest section and export follows.

Three things decide it: the credit its author chose (named, organisation only, anonymous, or not
asked yet), who is looking, and where it is shown (a channel everyone reads, a view only the
viewer sees, a file that can be passed on). Services call these functions and hand views what
they return; a view never receives the ID of an author who is not named, and nothing here
depends on who is asking beyond "is it the author themselves, alone": coordinators and
workspace admins see exactly what every member sees.

Polls follow the same idea with `poll_answers()`: an anonymous poll shows how many answered what,
never who did or which organisations they come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.models import Member

FORMER_MEMBER = "a former member"


class Credit(StrEnum):
    """How the author of an issue, an answer or a reason chose to be credited."""

    NAMED = "named"
    ORGANISATION = "organisation"
    ANONYMOUS = "anonymous"
    # Logged from someone else's message; they have not yet said how to be credited.
    PENDING = "pending"


CREDIT_CHOICES = (Credit.NAMED, Credit.ORGANISATION, Credit.ANONYMOUS)


class Surface(StrEnum):
    """Where something is shown, which decides whether "this is yours" may be said."""

    CHANNEL = "channel"  # a message in a channel, the digest, an issue card: everyone there reads it
    PRIVATE = "private"  # an ephemeral reply, a modal, the App Home, a DM: the viewer alone
    FILE = "file"  # an export: it can be forwarded, so it never says "you"


@dataclass(frozen=True)
class Attribution:
    """Who did something, as far as their credit choice lets anyone see: plain text, escape it for mrkdwn.

    `yours` is true only on a surface the author alone sees, when the author is the viewer.
    """

    credit: Credit
    name: str | None = None
    organisation: str | None = None
    yours: bool = False

    @property
    def named(self) -> bool:
        return self.credit == Credit.NAMED and self.name is not None

    @property
    def anonymous(self) -> bool:
        """Nothing about the person is shown: neither a name nor an organisation."""
        return not self.named and not (self.credit == Credit.ORGANISATION and self.organisation)

    def line(self) -> str:
        """How an issue's card, list and export say who raised it."""
        if self.named:
            return f"Raised by {self.name}" + (f" ({self.organisation})" if self.organisation else "")
        if self.credit == Credit.ORGANISATION and self.organisation:
            return f"Raised by a member from {self.organisation}"
        if self.credit == Credit.PENDING:
            return "Logged from a message; its author has not yet said how to be credited"
        return "Raised anonymously"

    def label(self) -> str:
        """How an answer or a quote is credited: "Sam Jones (Riverside Trust)", "Someone at …", "Anonymous"."""
        if self.named:
            return f"{self.name} ({self.organisation})" if self.organisation else str(self.name)
        if self.credit == Credit.ORGANISATION:
            return f"Someone at {self.organisation}" if self.organisation else "A member organisation"
        return "Anonymous"


def full_name(member: Member | None) -> str | None:
    """A member's name as a register or a quote prints it: their full name where Slack has one,
    since display names are often nicknames."""
    if member is None:
        return None
    return member.real_name or member.label


def known_as(member: Member | None) -> str:
    """The name people know a member by in Slack, as plain text (never an @-mention)."""
    if member is None or member.deleted:
        return FORMER_MEMBER.capitalize()
    return member.label


def attribute(credit: str | Credit, *, author_id: str | None, author: Member | None, organisation: str | None,
              surface: Surface, viewer: str | None = None) -> Attribution:
    """What may be shown about the author of an issue, an answer or a reason.

    Named shows their name (and organisation); organisation only shows the organisation, never
    the person; anonymous and not-yet-asked show nothing about them. A named author who has
    been forgotten is shown as anonymous.
    """
    chosen = Credit(credit)
    yours = surface is Surface.PRIVATE and viewer is not None and author_id is not None and viewer == author_id
    if chosen == Credit.NAMED:
        if author_id is None:
            return Attribution(Credit.ANONYMOUS, yours=yours)
        return Attribution(chosen, name=full_name(author) or author_id, organisation=organisation, yours=yours)
    if chosen == Credit.ORGANISATION:
        return Attribution(chosen, organisation=organisation, yours=yours)
    return Attribution(chosen, yours=yours)


def actor(actor_id: str | None, *, members: dict[str, Member], hidden: str | None, viewer: str | None,
          surface: Surface) -> str:
    """Who made a change (an issue's history): `hidden` is an author who chose not to be named,
    shown as "the author" (or "you", to themselves alone)."""
    if actor_id is None:
        return FORMER_MEMBER.capitalize()
    if hidden is not None and actor_id == hidden:
        return "You" if surface is Surface.PRIVATE and viewer == actor_id else "The author"
    return full_name(members.get(actor_id)) or actor_id


@dataclass(frozen=True)
class PollAnswers:
    """What a poll's message, results and exports may show about its answers."""

    counts: bool  # how many answered what, and which option is best
    names: bool  # who answered what
    organisations: bool  # which organisations the Yes voters come from


def poll_answers(*, anonymous: bool, hidden_until_closed: bool, is_open: bool) -> PollAnswers:
    """Hidden until closed shows nothing until it closes; anonymous never shows who, or which organisations."""
    counts = not (hidden_until_closed and is_open)
    return PollAnswers(counts=counts, names=counts and not anonymous, organisations=counts and not anonymous)
