"""The one rule for what may be shown about who did something: credit × who is looking × where."""

from __future__ import annotations

import itertools

import pytest

from bot.services.attribution import Credit, Surface, actor, attribute, known_as, poll_answers
from storage.models import Member

SAM = Member(team_id="T1", user_id="USAM", name="sam", real_name="Sam Jones", display_name="sammy",
             organisation="Riverside Trust", deleted=False)


def shown(credit: Credit, *, viewer: str | None, surface: Surface) -> str:
    made = attribute(credit, author_id="USAM", author=SAM, organisation="Riverside Trust", surface=surface,
                     viewer=viewer)
    return f"{made.line()} | {made.label()} | {made.name} | {made.organisation} | {made.yours}"


@pytest.mark.parametrize(("viewer", "surface"), list(itertools.product(
    [None, "UADMIN", "UBEN", "USAM"], [Surface.CHANNEL, Surface.PRIVATE, Surface.FILE])))
def test_what_each_credit_shows_whoever_looks_wherever(viewer: str | None, surface: Surface) -> None:
    yours = viewer == "USAM" and surface is Surface.PRIVATE
    assert shown(Credit.NAMED, viewer=viewer, surface=surface) == (
        f"Raised by Sam Jones (Riverside Trust) | Sam Jones (Riverside Trust) | Sam Jones | Riverside Trust | {yours}")
    assert shown(Credit.ORGANISATION, viewer=viewer, surface=surface) == (
        f"Raised by a member from Riverside Trust | Someone at Riverside Trust | None | Riverside Trust | {yours}")
    for hidden in (Credit.ANONYMOUS, Credit.PENDING):
        text = shown(hidden, viewer=viewer, surface=surface)
        assert "Sam" not in text and "Riverside" not in text and "USAM" not in text


def test_a_named_author_who_was_forgotten_is_shown_as_anonymous() -> None:
    made = attribute(Credit.NAMED, author_id=None, author=None, organisation=None, surface=Surface.CHANNEL)
    assert made.credit == Credit.ANONYMOUS and made.line() == "Raised anonymously"


def test_a_hidden_authors_changes_say_the_author_or_you_to_themselves() -> None:
    members = {"USAM": SAM}
    assert actor("USAM", members=members, hidden="USAM", viewer="UBEN", surface=Surface.PRIVATE) == "The author"
    assert actor("USAM", members=members, hidden="USAM", viewer="USAM", surface=Surface.PRIVATE) == "You"
    assert actor("USAM", members=members, hidden=None, viewer="UBEN", surface=Surface.PRIVATE) == "Sam Jones"
    assert actor(None, members=members, hidden=None, viewer="UBEN", surface=Surface.PRIVATE) == "A former member"


def test_names_are_plain_text_and_a_departed_member_is_not_named() -> None:
    assert known_as(SAM) == "sammy"
    gone = Member(team_id="T1", user_id="UGONE", name="gone", real_name="Gone Person", display_name="", deleted=True)
    assert known_as(gone) == "A former member" and known_as(None) == "A former member"


def test_what_a_poll_shows_about_its_answers() -> None:
    def shows(**poll: bool) -> tuple[bool, bool, bool]:
        answers = poll_answers(**poll)
        return answers.counts, answers.names, answers.organisations

    assert shows(anonymous=False, hidden_until_closed=False, is_open=True) == (True, True, True)
    assert shows(anonymous=True, hidden_until_closed=False, is_open=True) == (True, False, False)
    assert shows(anonymous=True, hidden_until_closed=False, is_open=False) == (True, False, False)
    assert shows(anonymous=False, hidden_until_closed=True, is_open=True) == (False, False, False)
    assert shows(anonymous=False, hidden_until_closed=True, is_open=False) == (True, True, True)
