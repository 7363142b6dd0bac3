"""The register's Block Kit stays within Slack's limits and escapes user text, whatever is typed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.services import issues_export
from bot.services.issues import Attribution, Credit, FormView, HistoryLine, IssueDetails, IssueSummary, ListQuery, Page
from bot.views import issues as view
from tests.harness.blockkit import block_kit_problems, view_problems

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
NASTY = "<!channel> & <@U0123|boss> <https://evil.example|click> *bold* "


def summary(number: int = 1, *, title: str = "Short contracts", detail: str = "", tags: tuple[str, ...] = (),
            status: str = "open", credit: Credit = Credit.NAMED, plus_ones: int = 0, voted: bool = False,
            permalink: str | None = None) -> IssueSummary:
    return IssueSummary(
        id=number * 10, number=number, title=title, detail=detail, tags=tags, plus_ones=plus_ones, status=status,
        attribution=Attribution(credit, name="Sam <Jones>", organisation="A & B Trust"), created_at=NOW,
        closed_at=NOW if status == "closed" else None, resolution=NASTY * 200 if status == "closed" else None,
        channel_id="CGROUP", message_ts="1.2", source_permalink=permalink, voted=voted,
    )


def unescaped_mention(blocks: object) -> bool:
    text = json.dumps(blocks)
    return "<!channel>" in text or "<@U0123" in text or "<https://evil" in text


def test_a_card_with_everything_at_its_limit_is_accepted_and_escaped() -> None:
    item = summary(title=NASTY * 10, detail=NASTY * 100, tags=tuple(f"tag-number-{i}" for i in range(10)),
                   plus_ones=12345, permalink="https://fake.slack.test/archives/C1/p1")
    text, blocks = view.card_message(item)
    assert block_kit_problems(blocks, surface="message") == []
    assert not unescaped_mention(blocks) and "<!channel>" not in text
    assert "&lt;!channel&gt;" in json.dumps(blocks) and "+1 (12345)" in json.dumps(blocks)
    closed_text, closed = view.card_message(summary(status="closed"))
    assert block_kit_problems(closed, surface="message") == [] and not unescaped_mention(closed)
    assert "issue_plus_one" not in json.dumps(closed)


def test_the_form_is_valid_with_a_hundred_used_tags_long_prefills_and_similar_issues() -> None:
    prefill = FormView(token="f" * 32, title="t" * 400, detail="d" * 5000,
                       tags=("contract-length", "nhs", "housing", "rural"), credit=Credit.ORGANISATION,
                       organisation="o" * 300, source_channel_id="C1", own_message=True)
    form = view.issue_modal(prefill, used_tags=[f"used-{i}" for i in range(150)] + ["housing"],
                            similar=[summary(i, title=NASTY * 20) for i in range(1, 4)], similar_shown=True,
                            voted={20})
    assert view_problems(form) == []
    assert not unescaped_mention(form["blocks"])
    themes = next(b for b in form["blocks"] if b.get("block_id") == view.THEMES_BLOCK)["element"]
    assert sum(len(group["options"]) for group in themes["option_groups"]) == 100
    assert [o["value"] for o in themes["initial_options"]] == ["contract-length", "housing"]
    other = next(b for b in form["blocks"] if b.get("block_id") == view.NEW_TAGS_BLOCK)["element"]
    assert other["initial_value"] == "#rural"
    assert form["submit"]["text"] == "Add it anyway"
    token, shown = view.decode_metadata(form["private_metadata"])
    assert shown and token == "f" * 32
    assert json.loads(form["private_metadata"]) == {"f": "f" * 32, "shown": 1}, "the form carries a token only"


def test_the_form_for_someone_elses_message_does_not_ask_the_logger_for_credit() -> None:
    form = view.issue_modal(FormView(token="t", title="x", source_channel_id="C1", message_author="UBEN",
                                     chooses_credit=False, credit=Credit.PENDING), used_tags=[])
    assert view_problems(form) == []
    ids = [b.get("block_id") for b in form["blocks"]]
    assert view.CREDIT_BLOCK not in ids and view.ORGANISATION_BLOCK not in ids
    assert form["title"]["text"] == "Log as an issue"


def test_the_form_for_someone_elses_anonymous_answer_says_how_it_is_credited_and_not_by_whom() -> None:
    form = view.issue_modal(FormView(token="t", title="x", chooses_credit=False, credit=Credit.ANONYMOUS,
                                     credited_as=Attribution(Credit.ANONYMOUS)), used_tags=[])
    assert view_problems(form) == []
    text = json.dumps(form)
    assert "Credited as its author chose: Anonymous." in text and view.CREDIT_BLOCK not in text


def test_a_list_page_of_long_titles_fits_and_pages() -> None:
    items = [summary(i, title=NASTY * 30, tags=("nhs",), voted=i % 2 == 0) for i in range(11, 21)]
    page = Page(query=ListQuery(tag="nhs", order="top", status="all", page=2), items=items, total=45, pages=5)
    blocks = view.list_blocks(page)
    assert block_kit_problems(blocks, surface="message") == [] and not unescaped_mention(blocks)
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["issue_list_page_previous", "issue_list_page_next"]
    assert "(11–20 of 45)" in blocks[0]["text"]["text"]
    value = json.loads(blocks[1]["accessory"]["value"])
    assert view.query_from(value["l"]) == page.query


def test_show_with_a_long_detail_many_voters_and_a_long_history_fits() -> None:
    found = IssueDetails(
        summary=replace(summary(detail=(NASTY + "\n") * 400, credit=Credit.ANONYMOUS, status="closed"),
                        attribution=Attribution(Credit.ANONYMOUS, yours=True)),
        voters=[f"Member <{i}>" for i in range(200)],
        history=[HistoryLine(NOW + timedelta(minutes=i), "Sam <Jones>", "tagged it: #x " + NASTY) for i in range(60)],
        viewer_is_author=True, viewer_may_change=True,
    )
    blocks = view.show_blocks(found)
    assert block_kit_problems(blocks, surface="message") == [] and not unescaped_mention(blocks)
    text = json.dumps(blocks)
    assert "You raised this; only you can see that here." in text and "40 earlier changes" in text


def test_the_similar_prompt_home_section_and_credit_question_fit() -> None:
    items = [summary(i, title=NASTY * 20, tags=("a",) * 3) for i in range(1, 4)]
    text, blocks = view.similar_prompt(NASTY * 10, items, original_text="x" * 2000)
    assert block_kit_problems(blocks, surface="message") == [] and not unescaped_mention(blocks)
    home = view.home_section(items)
    assert block_kit_problems(home, surface="home") == [] and view.home_section([]) == []
    text, blocks = view.credit_question(items[0], logged_by="UALICE", organisation="o" * 200)
    assert block_kit_problems(blocks, surface="message") == [] and not unescaped_mention(blocks)


def test_the_evidence_pack_makes_user_text_inert() -> None:
    row = issues_export.ExportRow(
        number=1, title="<script>alert(1)</script> *urgent*", detail="[link](https://evil.example)\n\n# heading",
        tags=(), status="open", resolution="", plus_ones=1, credited_as="Raised anonymously", created_at=NOW,
        closed_at=None, source_link="",
    )
    markdown = issues_export.as_markdown([row], generated_at=NOW, zone=ZoneInfo("Europe/London"))
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown and "\\*urgent\\*" in markdown
    assert "> \\[link\\](https://evil.example)\n>\n> # heading" in markdown
    assert "## Not tagged" in markdown and "1 issue, 1 open, 1 +1 from members" in markdown


def test_csv_cells_cannot_start_formulas() -> None:
    rows = [issues_export.ExportRow(number=1, title="@cmd", detail="-2+3", tags=(), status="open", resolution="",
                                    plus_ones=0, credited_as="+x", created_at=NOW, closed_at=None,
                                    source_link="=HYPERLINK(\"x\")")]
    text = issues_export.as_csv(rows, full=False)
    assert "'@cmd" in text and "'-2+3" in text and "'+x" in text and "'=HYPERLINK" in text
