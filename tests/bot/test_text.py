"""Reading command text and making user text safe."""

from __future__ import annotations

import pytest

from bot.text import QuoteError, channel_id_from, escape, split_args, subcommand, truncate, user_id_from


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> & <@U123> <https://x|y>") == "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x|y&gt;"


def test_truncate_marks_the_cut_with_an_ellipsis() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("a" * 50, 10)
    assert cut == "a" * 9 + "…" and len(cut) == 10


def test_truncate_never_leaves_half_an_escape() -> None:
    text = escape("fish " + "&" * 10)
    cut = truncate(text, 12)
    assert len(cut) <= 12
    assert not cut.rstrip("…").endswith(("&", "&a", "&am", "&amp"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"First meeting" "Tue 1 Dec 10am"', ["First meeting", "Tue 1 Dec 10am"]),
        ("“First meeting” “Tue 1 Dec 10am”", ["First meeting", "Tue 1 Dec 10am"]),
        ('“Mixed" quotes', ["Mixed", "quotes"]),
        ("plain words here", ["plain", "words", "here"]),
        ("it's fine", ["it's", "fine"]),
        ("  ", []),
    ],
)
def test_split_args_keeps_quoted_phrases_whole(text: str, expected: list[str]) -> None:
    assert split_args(text) == expected


def test_an_unclosed_quote_is_reported() -> None:
    with pytest.raises(QuoteError, match="never closed"):
        split_args('"First meeting" "Tue 1 Dec')


def test_subcommand_splits_off_the_first_word() -> None:
    assert subcommand("  Coordinators add <@U1>") == ("coordinators", "add <@U1>")
    assert subcommand("") == ("", "")


def test_mentions_as_slack_escapes_them() -> None:
    assert user_id_from("<@U0123ABCD|sam>") == "U0123ABCD"
    assert user_id_from("<@U0123ABCD>") == "U0123ABCD"
    assert user_id_from("@sam") is None
    assert channel_id_from("<#C0123ABCD|wg-commissioning>") == "C0123ABCD"
    assert channel_id_from("<#C0123ABCD|>") == "C0123ABCD"
    assert channel_id_from("#wg-commissioning") is None
