"""The register's rules without Slack or a database: parsing, tags, titles, similarity, credit lines."""

from __future__ import annotations

import pytest

from bot.services import issues
from bot.services.errors import InvalidInput
from bot.services.issues import Attribution, Credit, IssueDraft
from bot.text import unslack


@pytest.mark.parametrize(("raw", "tag"), [
    ("#Lead Provider_Model", "lead-provider-model"),
    ("#contract--length!", "contract-length"),
    ("  #NHS ", "nhs"),
    ("#PbR", "payment-by-results"),
    ("#council", "local-authority"),
    ("#Économie-sociale", "économie-sociale"),
])
def test_tags_are_normalised(raw: str, tag: str) -> None:
    assert issues.normalise_tag(raw) == tag


@pytest.mark.parametrize("raw", ["#", "#123", "#---", "#" + "x" * 41])
def test_unusable_tags_are_refused_with_an_example(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        issues.normalise_tag(raw)
    assert refused.value.example


def test_repeated_tags_count_once_and_more_than_ten_are_refused() -> None:
    assert issues.normalise_tags(["#NHS", "nhs", "#Nhs"]) == ["nhs"]
    with pytest.raises(InvalidInput, match="at most 10 tags"):
        issues.normalise_tags([f"#tag{i}x" for i in range(11)])


def test_one_line_issue_takes_trailing_tags_off_the_text_and_keeps_inline_ones() -> None:
    draft = issues.parse_one_line("Our #NHS contract is renewed yearly, which kills planning #contract-length #nhs")
    assert draft.title == "Our #NHS contract is renewed yearly, which kills planning"
    assert draft.tags == ("nhs", "contract-length")
    assert draft.detail == ""


def test_one_line_issue_reads_slack_escaping_and_channel_links_as_tags() -> None:
    draft = issues.parse_one_line("Risk &amp; reward are not shared &lt;fairly&gt; <#C0123|lead-provider-model>")
    assert draft.title == "Risk & reward are not shared <fairly>"
    assert draft.tags == ("lead-provider-model",)


def test_a_quoted_start_lets_an_issue_begin_with_a_subcommand_word() -> None:
    draft = issues.parse_one_line("“Close relationships with commissioners are rare” #relationships-with-commissioners")
    assert draft.title == "Close relationships with commissioners are rare"
    assert draft.tags == ("relationships-with-commissioners",)


def test_tags_alone_are_not_an_issue() -> None:
    with pytest.raises(InvalidInput, match="Say what the issue is"):
        issues.parse_one_line("#nhs #contract-length")


def test_long_text_keeps_its_first_sentence_as_title_and_everything_as_detail() -> None:
    first = "Lead providers keep the management fee and pass the risk down."
    rest = " Small charities carry the cost of every late payment. " * 4
    title, detail = issues.split_title(first + rest)
    assert title == first
    assert detail.startswith("Small charities") and len(detail) > 100


def test_long_text_without_a_sentence_break_is_cut_at_a_word_and_kept_whole_in_the_detail() -> None:
    text = "word " * 60
    title, detail = issues.split_title(text)
    assert len(title) <= issues.TITLE_MAX and title.endswith("…") and " wor…" not in title
    assert detail == text.strip()


def test_drafts_over_the_limits_are_refused() -> None:
    with pytest.raises(InvalidInput, match="3,000"):
        issues.validate_draft(IssueDraft(title="A fine title", detail="x" * 3001))
    with pytest.raises(InvalidInput, match="title"):
        issues.validate_draft(IssueDraft(title="ab"))
    with pytest.raises(InvalidInput, match="which organisation"):
        issues.validate_draft(IssueDraft(title="A fine title", credit=Credit.ORGANISATION))


def test_the_form_reports_each_problem_against_its_field() -> None:
    draft, errors = issues.draft_from_form(title="", detail="y" * 3001, chosen_tags=["nhs"], other_tags="#123",
                                           credit=Credit.ORGANISATION, organisation="")
    assert draft is None
    assert set(errors) == {"title", "detail", "tags", "organisation"}
    draft, errors = issues.draft_from_form(title="Short contracts", detail="", chosen_tags=["nhs"],
                                           other_tags="#rural, #Housing", credit=Credit.NAMED, organisation=None)
    assert errors == {} and draft is not None
    assert draft.tags == ("nhs", "rural", "housing")


def test_list_queries_read_tag_order_status_and_page_in_any_order() -> None:
    assert issues.parse_list_query("top #Contract-Length all 3") == issues.ListQuery("contract-length", "top", "all", 3)
    assert issues.parse_list_query("") == issues.ListQuery()
    with pytest.raises(InvalidInput, match="banana"):
        issues.parse_list_query("banana")


def test_issue_numbers_are_read_with_or_without_a_hash() -> None:
    assert issues.parse_number("#12", doing="show") == 12
    with pytest.raises(InvalidInput, match="/issue close 12"):
        issues.parse_number("twelve", doing="close")


def test_similar_titles_rank_above_unrelated_ones_and_common_words_count_for_little() -> None:
    documents = [
        (1, issues.issue_terms("Lead providers pass risk down to small charities", ["lead-provider-model"])),
        (2, issues.issue_terms("Monitoring forms ask for the same data four times", [])),
        (3, issues.issue_terms("Commissioners change the contract terms every year", [])),
    ] + [(10 + i, issues.issue_terms(f"Commissioners and contract problem number {i}", [])) for i in range(20)]
    query = set(issues.issue_terms("Small charities carry the risk under lead providers", []).split())
    ranked = issues.rank_similar(query, documents, limit=3)
    assert ranked[0][0] == 1
    assert all(doc_id != 2 for doc_id, _ in ranked)
    # Sharing only a word every issue uses is not similarity.
    query = set(issues.issue_terms("Commissioners never reply to our emails", []).split())
    assert issues.rank_similar(query, documents, limit=3) == []


def test_stemming_lets_plurals_meet() -> None:
    assert issues.terms_of("Contracts are renewed") == issues.terms_of("contract renewing") == {"contract", "renew"}
    assert issues.stem("charities") == "charity"


def test_credit_lines_show_only_what_the_author_chose() -> None:
    assert Attribution(Credit.NAMED, "Sam", "Riverside Trust").line() == "Raised by Sam (Riverside Trust)"
    assert Attribution(Credit.ORGANISATION, organisation="Riverside Trust").line() == \
        "Raised by a member from Riverside Trust"
    assert Attribution(Credit.ANONYMOUS).line() == "Raised anonymously"
    assert "has not yet said" in Attribution(Credit.PENDING).line()


def test_unslack_makes_slack_markup_plain() -> None:
    assert unslack("Ask <@U123|sam> in <#C1|general> &amp; <!here> <https://x.org|the site>") == \
        "Ask @sam in #general & @here the site (https://x.org)"
    assert unslack("<!subteam^S1|@wg> <mailto:a@b.org|a@b.org> <!date^1^{date}|1 Dec>") == "@wg a@b.org (a@b.org) 1 Dec"


def test_a_credit_button_names_one_of_the_three_ways_of_being_credited() -> None:
    from bot.services.attribution import Credit
    from bot.services.errors import InvalidInput
    from bot.services.issues import credit_choice

    assert [credit_choice(c.value) for c in (Credit.NAMED, Credit.ORGANISATION, Credit.ANONYMOUS)] == [
        Credit.NAMED, Credit.ORGANISATION, Credit.ANONYMOUS]
    for forged in ("admin", "", None, 3):
        with pytest.raises(InvalidInput, match="not a way to be credited"):
            credit_choice(forged)
