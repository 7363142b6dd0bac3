"""/issue end to end: the real bot in HTTP mode, signed requests, the fake Slack."""

from __future__ import annotations

import csv
import io
import json
import threading
from typing import Any

from sqlalchemy import func, select

from storage.models import Issue, IssueVote, Member
from storage.repositories.workspaces import WorkspaceRepository
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state


def use_channel(bot: BotUnderTest, channel_id: str = "CGROUP") -> None:
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).channel_id = channel_id


def set_organisation(bot: BotUnderTest, user_id: str, organisation: str) -> None:
    bot.runtime.directory.ensure(TEAM_ID, user_id)
    with bot.runtime.db.unit_of_work() as session:
        session.get(Member, (TEAM_ID, user_id)).organisation = organisation


def say(bot: BotUnderTest, text: str, user: str = "UALICE", channel: str = "CGROUP") -> dict[str, Any]:
    """Send `/issue text`; the last thing the bot said back on the response URL (or in the ack)."""
    before = len(bot.fake.calls_to("response_url"))
    response = bot.slack.command("/issue", text, user_id=user, channel_id=channel)
    assert response.status == 200 and response.elapsed < 3
    bot.drain()
    replies = bot.fake.calls_to("response_url")
    if len(replies) > before:
        return replies[-1].args
    return response.json()


def said(reply: dict[str, Any]) -> str:
    return (reply.get("text") or "") + json.dumps(reply.get("blocks") or [], ensure_ascii=False)


def cards(bot: BotUnderTest, channel: str = "CGROUP") -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(channel) if "Issue #" in m["text"]]


def card_text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def click(bot: BotUnderTest, message: dict[str, Any], action_id: str, user: str, channel: str = "CGROUP") -> None:
    bot.slack.block_action({"action_id": action_id}, user_id=user, channel_id=channel, message=message)
    bot.drain()


def issue_row(bot: BotUnderTest, number: int) -> Issue:
    with bot.runtime.db.unit_of_work() as session:
        return session.scalar(select(Issue).where(Issue.team_id == TEAM_ID, Issue.number == number))


# ---------------------------------------------------------------------------------------------
# Adding in one line
# ---------------------------------------------------------------------------------------------


def test_a_one_line_issue_is_numbered_stored_and_posted_as_a_card(bot: BotUnderTest) -> None:
    use_channel(bot)
    reply = say(bot, "Lead providers keep the fee and pass the risk down #lead-provider-model #NHS")
    assert "Added *#1*" in reply["text"] and "<#CGROUP>" in reply["text"]
    assert reply["response_type"] == "ephemeral"
    [card] = cards(bot)
    shown = card_text(card)
    assert "*#1* Lead providers keep the fee and pass the risk down" in shown
    assert "#lead-provider-model #nhs" in shown
    assert "Raised by Alice Adams" in shown and "no +1s yet" in shown
    assert card["blocks"][2]["elements"][0]["action_id"] == "issue_plus_one"
    stored = issue_row(bot, 1)
    assert (stored.author_id, stored.credit, stored.channel_id, stored.message_ts) == ("UALICE", "named", "CGROUP",
                                                                                      card["ts"])

    say(bot, "Monitoring forms ask for the same numbers four times #monitoring", user="UBEN")
    assert issue_row(bot, 2).author_id == "UBEN"
    assert len(cards(bot)) == 2


def test_without_a_channel_the_issue_is_kept_and_the_reply_says_how_to_set_one(bot: BotUnderTest) -> None:
    reply = say(bot, "Nobody reads the social value returns #social-value")
    assert "Added *#1*" in reply["text"]
    assert "/convene settings channel #channel" in reply["text"]
    assert issue_row(bot, 1) is not None
    assert bot.fake.calls_to("chat.postMessage") == []


def test_convene_channel_from_the_environment_is_used_when_none_is_set_in_slack(db, fake, clock) -> None:
    from tests.harness.bot import start_bot
    running = start_bot(db.url, fake, clock=clock, convene_channel="CGROUP")
    try:
        say(running, "Tenders come out with two weeks to respond")
        assert len(cards(running)) == 1
    finally:
        running.drain()
        running.stop()


def test_a_channel_convene_is_not_in_gets_an_invite_hint_and_the_issue_stays(bot: BotUnderTest) -> None:
    bot.fake.add_channel("COTHER", name="elsewhere", members=["UALICE"], bot_is_member=False)
    use_channel(bot, "COTHER")
    reply = say(bot, "Payment by results punishes the people we help most #pbr")
    assert "/invite @Convene" in reply["text"] and "safe in the register" in reply["text"]
    assert issue_row(bot, 1).message_ts is None


def test_bad_input_is_refused_clearly_and_nothing_is_stored(bot: BotUnderTest) -> None:
    use_channel(bot)
    assert "Say what the issue is" in say(bot, "#nhs #contract-length")["text"]
    too_long = "Tender rules. " + "x" * 3100
    assert "3,000" in say(bot, too_long)["text"]
    assert "has no `banana`" in said(say(bot, "banana"))
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Issue)) == 0
    assert bot.fake.calls_to("chat.postMessage") == []


def test_user_text_cannot_ping_the_channel_or_fake_a_mention(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Tell &lt;!channel&gt; <!here> about <@UBEN|ben> &amp; more #social-value")
    [card] = cards(bot)
    shown = card_text(card) + card["text"]
    assert "<!channel>" not in shown and "<!here>" not in shown and "<@UBEN" not in shown
    assert "&lt;!channel&gt;" in shown and "@here" in shown and "&amp; more" in shown


def test_help_shows_grammar_and_examples(bot: BotUnderTest) -> None:
    reply = say(bot, "help")
    text = said(reply)
    assert "/issue list [#tag] [new|top|old]" in text and "/issue close 12 Raised with the ICB" in text


# ---------------------------------------------------------------------------------------------
# +1s
# ---------------------------------------------------------------------------------------------


def test_plus_one_is_counted_on_the_card_and_clicking_again_changes_nothing(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Contracts are only ever one year long #contract-length")
    [card] = cards(bot)
    click(bot, card, "issue_plus_one", "UBEN")
    [card] = cards(bot)
    assert "1 +1" in card_text(card) and '"+1 (1)"' in card_text(card)
    click(bot, card, "issue_plus_one", "UADMIN")
    [card] = cards(bot)
    assert "2 +1s" in card_text(card)
    click(bot, card, "issue_plus_one", "UBEN")  # again: the +1 only adds, so nothing changes
    [card] = cards(bot)
    assert "2 +1s" in card_text(card)
    with bot.runtime.db.unit_of_work() as session:
        assert sorted(session.scalars(select(IssueVote.user_id))) == ["UADMIN", "UBEN"]
        stored = session.scalar(select(Issue))
        assert stored.card_revision == stored.revision


def test_plus_one_from_the_command_and_on_a_closed_issue(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Consortia have no money to form #consortia")
    assert "You +1'd issue #1 (1 +1)" in say(bot, "+1 1", user="UBEN")["text"]
    assert "You already support #1 (1 +1)" in say(bot, "+1 #1", user="UBEN")["text"]
    say(bot, "close 1 Agreed at the November meeting")
    assert "closed" in say(bot, "+1 1", user="UBEN")["text"]
    assert "There is no issue #9" in say(bot, "+1 9")["text"]


# ---------------------------------------------------------------------------------------------
# +1 only adds; withdrawing is its own, explicit action
# ---------------------------------------------------------------------------------------------


def withdraw_from_menu(bot: BotUnderTest, card: dict[str, Any], user: str) -> None:
    """Pick *Withdraw my +1* in the card's ⋯ menu, as Slack sends it: the chosen option, no value."""
    menu = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "overflow")
    bot.slack.block_action({"action_id": menu["action_id"], "type": "overflow",
                            "selected_option": menu["options"][0]}, user_id=user, channel_id="CGROUP", message=card)
    bot.drain()


def last_reply(bot: BotUnderTest) -> dict[str, Any]:
    return bot.fake.calls_to("response_url")[-1].args


def test_a_double_tap_on_a_card_counts_one_plus_one_and_says_so(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Contracts are only ever one year long #contract-length")
    [card] = cards(bot)
    before = len(bot.fake.calls_to("response_url"))
    click(bot, card, "issue_plus_one", "UBEN")
    click(bot, card, "issue_plus_one", "UBEN")  # the second tap, on the card as it was
    assert _votes_of(bot, "UBEN") == [issue_row(bot, 1).id]
    assert "1 +1" in card_text(cards(bot)[0]) and '"+1 (1)"' in card_text(cards(bot)[0])
    [answer] = [c.args for c in bot.fake.calls_to("response_url")[before:]]
    assert answer["response_type"] == "ephemeral" and answer.get("replace_original") is False
    assert answer["text"].startswith("You already support #1 (1 +1) — to take it back use *Withdraw my +1*")
    assert "`/issue withdraw 1`" in answer["text"]
    assert len(bot.fake.calls_to("chat.update", ok_only=True)) == 1, "nothing changed, so the card is not redrawn"


def test_two_plus_one_clicks_at_the_same_moment_count_one(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Social value returns are never read #social-value")
    [card] = cards(bot)
    before = len(bot.fake.calls_to("response_url"))
    start = threading.Barrier(3)

    def tap() -> None:
        start.wait(timeout=10)
        bot.slack.block_action({"action_id": "issue_plus_one"}, user_id="UBEN", channel_id="CGROUP", message=card)

    taps = [threading.Thread(target=tap) for _ in range(3)]
    for thread in taps:
        thread.start()
    for thread in taps:
        thread.join(timeout=30)
    bot.drain()
    stored = issue_row(bot, 1)
    assert _votes_of(bot, "UBEN") == [stored.id] and stored.plus_ones == 1
    assert stored.card_revision == stored.revision and "1 +1" in card_text(cards(bot)[0])
    answers = [c.args["text"] for c in bot.fake.calls_to("response_url")[before:]]
    assert len(answers) == 2 and all(a.startswith("You already support #1 (1 +1)") for a in answers)


def test_withdraw_from_the_card_menu_takes_the_plus_one_back_and_redraws_the_card(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Consortia have no money to form #consortia")
    say(bot, "+1 1", user="UBEN")
    say(bot, "+1 1", user="UADMIN")
    [card] = cards(bot)
    assert "2 +1s" in card_text(card)
    menu = card["blocks"][2]["elements"][1]
    assert menu["type"] == "overflow" and menu["options"][0]["text"]["text"] == "Withdraw my +1"
    assert "confirm" in menu, "a slip of the thumb does not withdraw it"
    assert "UBEN" not in card_text(card) and "UADMIN" not in card_text(card), "the card never says who +1'd"
    withdraw_from_menu(bot, card, "UBEN")
    answer = last_reply(bot)
    assert answer["response_type"] == "ephemeral" and answer.get("replace_original") is False
    assert "You withdrew your +1 on issue #1 (1 +1)" in answer["text"]
    assert "1 +1" in card_text(cards(bot)[0]) and '"+1 (1)"' in card_text(cards(bot)[0])
    assert _votes_of(bot, "UBEN") == [] and _votes_of(bot, "UADMIN") == [issue_row(bot, 1).id]
    stored = issue_row(bot, 1)
    assert stored.card_revision == stored.revision


def test_withdrawing_without_a_plus_one_is_a_friendly_no_op(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Framework agreements lock us out for four years #procurement")
    say(bot, "+1 1", user="UBEN")
    updates = len(bot.fake.calls_to("chat.update"))
    withdraw_from_menu(bot, cards(bot)[0], "UADMIN")
    assert "You hadn't +1'd issue #1, so there was nothing to withdraw (1 +1)" in last_reply(bot)["text"]
    assert "You hadn't +1'd issue #1" in say(bot, "withdraw 1", user="UADMIN")["text"]
    assert "You hadn't +1'd issue #1" in say(bot, "-1 #1", user="UALICE")["text"]
    assert _votes_of(bot, "UBEN") == [issue_row(bot, 1).id] and issue_row(bot, 1).plus_ones == 1
    assert len(bot.fake.calls_to("chat.update")) == updates, "nothing changed, so the card is not redrawn"
    assert "Give its number to withdraw" in say(bot, "withdraw", user="UADMIN")["text"]
    assert "There is no issue #9" in say(bot, "withdraw 9", user="UADMIN")["text"]


def test_plus_one_command_twice_is_idempotent_and_withdraw_undoes_it(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Payment by results punishes the people we help most #pbr")
    assert "You +1'd issue #1 (1 +1)" in say(bot, "+1 1", user="UBEN")["text"]
    again = say(bot, "+1 #1", user="UBEN")
    assert again["response_type"] == "ephemeral"
    assert again["text"] == "You already support #1 (1 +1) — to take it back use `/issue withdraw 1`."
    assert _votes_of(bot, "UBEN") == [issue_row(bot, 1).id] and issue_row(bot, 1).plus_ones == 1
    assert "1 +1" in card_text(cards(bot)[0])
    assert len(bot.fake.calls_to("chat.update", ok_only=True)) == 1

    assert "You withdrew your +1 on issue #1 (no +1s yet)" in say(bot, "withdraw 1", user="UBEN")["text"]
    assert "no +1s yet" in card_text(cards(bot)[0]) and _votes_of(bot, "UBEN") == []
    assert "You +1'd issue #1" in say(bot, "plus1 1", user="UBEN")["text"]
    assert "You withdrew" in say(bot, "unplus1 1", user="UBEN")["text"]
    say(bot, "close 1 Raised with the ICB")
    assert "closed" in say(bot, "withdraw 1", user="UBEN")["text"]
    assert "/issue withdraw N" in said(say(bot, "help"))


def test_show_offers_withdraw_only_to_whoever_plus_oned_and_a_double_tap_keeps_the_plus_one(
        bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Monitoring forms ask for the same numbers four times #monitoring")

    def element(reply: dict[str, Any], action_id: str) -> dict[str, Any] | None:
        return next((e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
                     if e["action_id"] == action_id), None)

    shown = say(bot, "show 1", user="UBEN")
    assert element(shown, "issue_withdraw_plus_one") is None
    plus = element(shown, "issue_plus_one")
    bot.slack.block_action(plus, user_id="UBEN", channel_id="CGROUP")
    bot.drain()
    redrawn = last_reply(bot)
    assert redrawn["replace_original"] is True
    assert element(redrawn, "issue_plus_one")["text"]["text"] == ":white_check_mark: +1'd"
    assert redrawn["blocks"][-1]["elements"][-1]["action_id"] == "issue_withdraw_plus_one", \
        "withdrawing is further along, not where the +1 was tapped"

    bot.slack.block_action(plus, user_id="UBEN", channel_id="CGROUP")  # the second tap, on the old reply
    bot.drain()
    assert last_reply(bot)["text"].startswith("You already support #1 (1 +1)")
    assert last_reply(bot)["replace_original"] is False
    assert issue_row(bot, 1).plus_ones == 1

    assert element(say(bot, "show 1", user="UALICE"), "issue_withdraw_plus_one") is None, \
        "someone who has not +1'd is not offered to withdraw"
    bot.slack.block_action(element(redrawn, "issue_withdraw_plus_one"), user_id="UBEN", channel_id="CGROUP")
    bot.drain()
    after = last_reply(bot)
    assert after["replace_original"] is True and element(after, "issue_withdraw_plus_one") is None
    assert element(after, "issue_plus_one")["text"]["text"] == "+1" and "No +1s yet" in said(after)
    assert _votes_of(bot, "UBEN") == [] and "no +1s yet" in card_text(cards(bot)[0])


def test_a_second_plus_one_from_the_app_home_changes_nothing_and_sends_nothing(bot: BotUnderTest) -> None:
    add_many(bot, 2)
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    opened = bot.fake.home_views["UBEN"]
    plus = next(b["accessory"] for b in opened["blocks"] if "*#2*" in (b.get("text") or {}).get("text", ""))
    for _tap in range(2):
        bot.slack.block_action(plus, user_id="UBEN", view=opened)
        bot.drain()
    assert _votes_of(bot, "UBEN") == [issue_row(bot, 2).id] and issue_row(bot, 2).plus_ones == 1
    assert ":white_check_mark: +1'd" in json.dumps(bot.fake.home_views["UBEN"]["blocks"])
    assert bot.fake.calls_to("chat.postMessage") == [], "no direct message for a double tap"


# ---------------------------------------------------------------------------------------------
# Similar issues
# ---------------------------------------------------------------------------------------------


def test_a_similar_one_line_issue_is_offered_a_plus_one_instead(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Lead providers pass the risk down to small charities #lead-provider-model")
    say(bot, "Monitoring forms ask for the same data four times", user="UBEN")
    reply = say(bot, "Small charities carry all the risk under lead providers", user="UBEN")
    text = said(reply)
    assert "Before I add" in text and "*#1*" in text and "#2" not in text
    assert issue_row(bot, 3) is None, "nothing is added before they choose"
    bot.slack.block_action({"action_id": "issue_plus_one_instead", "value": json.dumps({"i": issue_row(bot, 1).id})},
                           user_id="UBEN", channel_id="CGROUP")
    bot.drain()
    answer = bot.fake.calls_to("response_url")[-1].args
    assert answer["replace_original"] is True and "You +1'd issue #1" in answer["text"]
    assert "1 +1" in card_text(cards(bot)[0])
    assert issue_row(bot, 3) is None


def test_add_anyway_adds_the_one_line_issue_as_typed(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Lead providers pass the risk down to small charities #lead-provider-model")
    reply = say(bot, "Lead providers pass on risk AND cut the price #nhs", user="UBEN")
    add = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == "issue_add_anyway")
    bot.slack.block_action(add, user_id="UBEN", channel_id="CGROUP")
    bot.drain()
    assert "Added *#2*" in bot.fake.calls_to("response_url")[-1].args["text"]
    stored = issue_row(bot, 2)
    assert stored.title == "Lead providers pass on risk AND cut the price" and stored.author_id == "UBEN"


# ---------------------------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------------------------


def open_form(bot: BotUnderTest, user: str = "UALICE") -> dict[str, Any]:
    bot.slack.command("/issue", "", user_id=user, channel_id="CGROUP")
    bot.drain()
    return bot.fake.calls_to("views.open")[-1].json("view")


def submit(bot: BotUnderTest, form: dict[str, Any], user: str = "UALICE", **answers: Any) -> Any:
    response = bot.slack.view_submission(form, view_state(form, answers), user_id=user)
    assert response.status == 200 and response.elapsed < 3
    bot.drain()
    return response.json() if response.text not in ("", "{}") else {}


def test_the_form_offers_themes_and_tags_already_used(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Rural services get no travel money #rural")
    form = open_form(bot)
    assert form["callback_id"] == "issue_modal"
    themes = next(b for b in form["blocks"] if b.get("block_id") == "issue_themes")["element"]
    groups = {g["label"]["text"]: [o["value"] for o in g["options"]] for g in themes["option_groups"]}
    assert groups["Themes"][:3] == ["lead-provider-model", "collaboratives-and-consortia", "contract-length"]
    assert "procurement-process" in groups["Themes"] and groups["Used in this group"] == ["rural"]
    commissioner = next(b for b in form["blocks"] if b.get("block_id") == "issue_commissioner")["element"]
    assert [o["value"] for o in commissioner["options"]] == ["local-authority", "nhs", "other-commissioner"]


def test_the_form_adds_an_issue_credited_to_an_organisation_only(bot: BotUnderTest) -> None:
    use_channel(bot)
    set_organisation(bot, "UALICE", "Riverside Trust")
    form = open_form(bot)
    organisation = next(b for b in form["blocks"] if b.get("block_id") == "issue_organisation")
    assert organisation["element"]["initial_value"] == "Riverside Trust"
    assert submit(bot, form, title="Tender portals differ for every council", detail="Six logins, six formats.",
                  themes=["procurement-process"], commissioner=["local-authority"], new_tags="#Digital, #rural",
                  credit="organisation", organisation="Riverside Trust") == {}
    stored = issue_row(bot, 1)
    assert stored.credit == "organisation" and stored.author_id == "UALICE" and stored.detail == "Six logins, six formats."
    [card] = cards(bot)
    shown = card_text(card)
    assert "Raised by a member from Riverside Trust" in shown
    assert "Alice" not in shown and "UALICE" not in shown
    assert "#digital #local-authority #procurement-process #rural" in shown
    confirmation = bot.fake.calls_to("response_url")[-1].args
    assert "Added *#1*" in confirmation["text"] and confirmation["response_type"] == "ephemeral"


def test_an_anonymous_issue_never_shows_its_author(bot: BotUnderTest) -> None:
    use_channel(bot)
    form = open_form(bot, user="UBEN")
    submit(bot, form, user="UBEN", title="Our commissioner threatened our contract when we spoke up",
           credit="anonymous")
    assert issue_row(bot, 1).author_id == "UBEN"
    shown = card_text(cards(bot)[0])
    assert "Raised anonymously" in shown and "Ben" not in shown and "UBEN" not in shown
    listed = said(say(bot, "list", user="UALICE"))
    details = said(say(bot, "show 1", user="UALICE"))
    for text in (listed, details):
        assert "Ben" not in text and "UBEN" not in text and "Raised anonymously" in text
    assert "The author added it" in details
    own = said(say(bot, "show 1", user="UBEN"))
    assert "You raised this; only you can see that here." in own


def test_form_problems_are_shown_on_their_fields_and_nothing_is_added(bot: BotUnderTest) -> None:
    use_channel(bot)
    form = open_form(bot)
    answer = submit(bot, form, title="ab", new_tags="#123", credit="organisation", organisation="")
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"issue_title", "issue_new_tags", "issue_organisation"}
    assert issue_row(bot, 1) is None and cards(bot) == []


def test_the_form_shows_similar_issues_before_adding_and_a_plus_one_from_it(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Lead providers pass the risk down to small charities #lead-provider-model")
    form = open_form(bot, user="UBEN")
    answer = submit(bot, form, user="UBEN", title="Small charities carry the risk for lead providers",
                    themes=["lead-provider-model"], credit="named")
    assert answer["response_action"] == "update"
    updated = answer["view"]
    assert updated["submit"]["text"] == "Add it anyway"
    title_input = next(b for b in updated["blocks"] if b.get("block_id") == "issue_title")["element"]
    assert title_input["initial_value"] == "Small charities carry the risk for lead providers"
    assert issue_row(bot, 2) is None

    opened = bot.fake.views[bot.fake.calls_to("views.open", ok_only=True)[-1].response["view"]["id"]]
    shown = {**opened, "blocks": updated["blocks"], "private_metadata": updated["private_metadata"],
             "submit": updated["submit"]}
    bot.slack.block_action({"action_id": "issue_plus_one"}, user_id="UBEN", view=shown)
    bot.drain()
    assert "1 +1" in card_text(cards(bot)[0])
    marked = bot.fake.calls_to("views.update")[-1].json("view")
    assert "You +1'd this" in json.dumps(marked["blocks"])
    bot.slack.block_action({"action_id": "issue_plus_one"}, user_id="UBEN", view=shown)  # a double tap
    bot.drain()
    assert "1 +1" in card_text(cards(bot)[0]) and issue_row(bot, 1).plus_ones == 1
    assert "You +1'd this" in json.dumps(bot.fake.calls_to("views.update")[-1].json("view")["blocks"])

    assert submit(bot, shown, user="UBEN", title="Small charities carry the risk for lead providers",
                  credit="named") == {}
    assert issue_row(bot, 2).title == "Small charities carry the risk for lead providers"


# ---------------------------------------------------------------------------------------------
# Lists, details, tags, closing
# ---------------------------------------------------------------------------------------------


def add_many(bot: BotUnderTest, count: int, *, tag: str = "#contract-length") -> None:
    """Issues straight through the service (quick), one per number."""
    from bot.services import issues
    with bot.runtime.db.unit_of_work() as session:
        for i in range(1, count + 1):
            issues.create_issue(session, TEAM_ID, issues.IssueDraft(title=f"Distinct problem {i} zq{i}x",
                                                                    tags=(tag,) if i % 2 else ()),
                                author_id="UALICE", now=bot.clock())


def test_list_is_paged_filtered_and_sorted(bot: BotUnderTest) -> None:
    add_many(bot, 23)
    first = say(bot, "list")
    text = said(first)
    assert first["response_type"] == "ephemeral"
    assert "newest first (1–10 of 23)" in text and "*#23*" in text and "*#14*" in text and "*#13*" not in text
    next_button = next(e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]
                       if e["action_id"] == "issue_list_page_next")
    bot.slack.block_action(next_button, user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    second = bot.fake.calls_to("response_url")[-1].args
    assert second["replace_original"] is True and "(11–20 of 23)" in said(second) and "*#12*" in said(second)

    tagged = said(say(bot, "list #contract-length old"))
    assert "tagged #contract-length" in tagged and "(1–10 of 12)" in tagged and "*#1*" in tagged and "*#2*" not in tagged

    say(bot, "+1 7", user="UBEN")
    say(bot, "+1 7", user="UADMIN")
    say(bot, "+1 3", user="UBEN")
    top = said(say(bot, "list top"))
    assert top.index("*#7*") < top.index("*#3*") < top.index("*#23*")

    assert "I don't know “sideways”" in say(bot, "list sideways")["text"]
    assert "none yet" in said(say(bot, "list closed"))


def test_plus_one_in_a_list_redraws_that_page(bot: BotUnderTest) -> None:
    add_many(bot, 3)
    page = say(bot, "list top", user="UBEN")
    plus = next(b["accessory"] for b in page["blocks"] if "*#2*" in b.get("text", {}).get("text", ""))
    bot.slack.block_action(plus, user_id="UBEN", channel_id="CGROUP")
    bot.drain()
    redrawn = bot.fake.calls_to("response_url")[-1].args
    assert redrawn["replace_original"] is True
    first = redrawn["blocks"][1]
    assert "*#2*" in first["text"]["text"] and first["accessory"]["text"]["text"] == ":white_check_mark: +1'd"
    assert first["accessory"]["action_id"] == "issue_plus_one", "still the +1 that only adds, not an undo"


def test_show_has_plus_ones_and_history_with_times_in_each_readers_zone(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Evidence we collect is never read #evidence-of-impact")
    say(bot, "+1 1", user="UBEN")
    bot.clock.advance(hours=1)
    say(bot, "tag 1 #social-value #nhs", user="UBEN")
    say(bot, "close 1 Shared with the council's scrutiny committee", user="UADMIN")
    text = said(say(bot, "show 1", user="UBEN"))
    assert "#1 Evidence we collect is never read" in text
    assert "1 +1*: Ben Brown" in text
    assert "Alice Adams added it" in text and "Ben Brown tagged it: #social-value #nhs" in text
    assert "Ada Admin closed it: Shared with the council's scrutiny committee" in text
    assert "<!date^" in text and "Resolution:" in text
    assert "There is no issue #99" in say(bot, "show 99")["text"]
    assert "Give its number" in say(bot, "show")["text"]


def test_anyone_tags_only_the_author_or_a_coordinator_untags_closes_and_reopens(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Framework agreements lock us out for four years #procurement")
    assert "Tagged issue #1 #contract-length." in say(bot, "tag 1 #Contract_Length", user="UBEN")["text"]
    assert "already had those tags" in say(bot, "tag 1 #contract-length", user="UBEN")["text"]
    refused = say(bot, "untag 1 #procurement-process", user="UBEN")["text"]
    assert "Only whoever raised issue #1 or a coordinator" in refused
    refused = say(bot, "close 1 Not my problem", user="UBEN")["text"]
    assert "Only whoever raised issue #1 or a coordinator can close it" in refused
    assert issue_row(bot, 1).status == "open"
    assert "Say how it was resolved" in say(bot, "close 1")["text"]
    assert "Closed issue #1" in say(bot, "close 1 Raised at the market engagement event")["text"]
    card = card_text(cards(bot)[0])
    assert "Closed: Raised at the market engagement event" in card and "issue_plus_one" not in card
    assert "already closed" in say(bot, "close 1 again")["text"]
    assert "only whoever raised" in say(bot, "reopen 1", user="UBEN")["text"].lower()
    assert "open again" in say(bot, "reopen 1", user="UADMIN")["text"]
    assert "issue_plus_one" in card_text(cards(bot)[0])
    assert "Removed #procurement-process" in say(bot, "untag 1 #procurement-process")["text"]


def test_the_author_edits_their_issue_and_its_card_follows(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Payment by results mean we can't plan #pbr")
    assert "Only whoever raised issue #1 can edit it" in say(bot, "edit 1", user="UBEN")["text"]
    bot.slack.command("/issue", "edit 1", user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    form = bot.fake.calls_to("views.open")[-1].json("view")
    assert form["title"]["text"] == "Edit issue" and form["submit"]["text"] == "Save"
    title = next(b for b in form["blocks"] if b.get("block_id") == "issue_title")["element"]
    assert title["initial_value"] == "Payment by results mean we can't plan"
    themes = next(b for b in form["blocks"] if b.get("block_id") == "issue_themes")["element"]
    assert [o["value"] for o in themes["initial_options"]] == ["payment-by-results"]
    submit(bot, form, title="Payment by results means we can't plan", themes=["payment-by-results"],
           new_tags="#cashflow", credit="anonymous")
    stored = issue_row(bot, 1)
    assert stored.title == "Payment by results means we can't plan" and stored.credit == "anonymous"
    card = card_text(cards(bot)[0])
    assert "Payment by results means we can't plan" in card and "#cashflow" in card and "Raised anonymously" in card
    assert "Saved your changes to issue #1" in bot.fake.calls_to("response_url")[-1].args["text"]


# ---------------------------------------------------------------------------------------------
# The message shortcut
# ---------------------------------------------------------------------------------------------


def log_message(bot: BotUnderTest, message: dict[str, Any], user: str, channel: str = "CGROUP") -> dict[str, Any]:
    response = bot.slack.message_shortcut("issue_log_message", message, user_id=user, channel_id=channel)
    assert response.status == 200 and response.elapsed < 3
    bot.drain()
    return bot.fake.calls_to("views.open")[-1].json("view") if bot.fake.calls_to("views.open") else {}


def test_logging_someone_elses_message_asks_them_how_to_be_credited(bot: BotUnderTest) -> None:
    use_channel(bot)
    set_organisation(bot, "UBEN", "Eastside Youth Project")
    message = bot.fake.add_message("CGROUP", "Our youth contract was cut to 6 months &amp; re-tendered.\n"
                                   "Nobody asked the young people.", user="UBEN")
    form = log_message(bot, message, user="UALICE")
    assert form["title"]["text"] == "Log as an issue"
    title = next(b for b in form["blocks"] if b.get("block_id") == "issue_title")["element"]
    detail = next(b for b in form["blocks"] if b.get("block_id") == "issue_detail")["element"]
    assert title["initial_value"] == "Our youth contract was cut to 6 months & re-tendered."
    assert "Nobody asked the young people." in detail["initial_value"]
    assert not any(b.get("block_id") == "issue_credit" for b in form["blocks"]), "Alice cannot choose for Ben"
    assert "Convene will ask them" in json.dumps(form["blocks"])

    submit(bot, form, title=title["initial_value"], detail=detail["initial_value"], themes=["contract-length"])
    stored = issue_row(bot, 1)
    assert (stored.author_id, stored.logged_by, stored.credit) == ("UBEN", "UALICE", "pending")
    assert stored.source_permalink == f"https://fake.slack.test/archives/CGROUP/p{message['ts'].replace('.', '')}"
    card = card_text(cards(bot)[0])
    assert "Ben" not in card and "Eastside" not in card and "has not yet said" in card
    assert "fake.slack.test/archives" not in card, "the link to the message would name its author"

    [question] = bot.fake.messages("UBEN")
    question_text = json.dumps(question["blocks"])
    assert "<@UALICE> added your message" in question_text and "Only Eastside Youth Project" in question_text
    organisation_button = next(e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]
                               if e["action_id"] == "issue_credit_organisation")
    bot.slack.block_action(organisation_button, user_id="UALICE", channel_id="DBEN", message=question)
    bot.drain()
    assert "Only the person who wrote that message" in bot.fake.calls_to("response_url")[-1].args["text"]
    assert issue_row(bot, 1).credit == "pending"

    bot.slack.block_action(organisation_button, user_id="UBEN", channel_id="DBEN", message=question)
    bot.drain()
    assert "Issue #1 credits Eastside Youth Project only" in bot.fake.calls_to("response_url")[-1].args["text"]
    card = card_text(cards(bot)[0])
    assert "Raised by a member from Eastside Youth Project" in card and "Ben" not in card

    named = next(e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "issue_credit_named")
    bot.slack.block_action(named, user_id="UBEN", channel_id="DBEN", message=question)
    bot.drain()
    card = card_text(cards(bot)[0])
    assert "Raised by Ben Brown (Eastside Youth Project)" in card and "the original message" in card


def test_logging_your_own_message_lets_you_choose_your_credit_and_asks_nobody(bot: BotUnderTest) -> None:
    use_channel(bot)
    message = bot.fake.add_message("CGROUP", "Social value scores are 10% but nobody checks delivery",
                                   user="UALICE")
    form = log_message(bot, message, user="UALICE")
    assert any(b.get("block_id") == "issue_credit" for b in form["blocks"])
    submit(bot, form, title="Social value scores are 10% but nobody checks delivery", credit="anonymous")
    stored = issue_row(bot, 1)
    assert (stored.author_id, stored.logged_by, stored.credit) == ("UALICE", None, "anonymous")
    assert bot.fake.messages("UALICE") == [] and bot.fake.messages("UBEN") == []
    assert "Added *#1*" in bot.fake.calls_to("response_url")[-1].args["text"]


def test_a_message_already_logged_is_not_logged_twice(bot: BotUnderTest) -> None:
    use_channel(bot)
    message = bot.fake.add_message("CGROUP", "Grant conditions change mid-year", user="UBEN")
    form = log_message(bot, message, user="UBEN")
    submit(bot, form, user="UBEN", title="Grant conditions change mid-year", credit="named")
    opened = len(bot.fake.calls_to("views.open"))
    log_message(bot, message, user="UALICE")
    assert len(bot.fake.calls_to("views.open")) == opened
    assert "already issue #1" in bot.fake.calls_to("response_url")[-1].args["text"]
    # The same form submitted twice adds it once.
    assert submit(bot, form, user="UBEN", title="Grant conditions change mid-year",
                  credit="named")["response_action"] == "errors"
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Issue)) == 1


def test_a_bot_message_is_credited_to_whoever_logs_it(bot: BotUnderTest) -> None:
    use_channel(bot)
    message = bot.fake.add_message("CGROUP", "Reminder: the ICB tender closes Friday", user="UBOT")
    message = {**message, "bot_id": "B0OTHER"}
    form = log_message(bot, message, user="UBEN")
    assert any(b.get("block_id") == "issue_credit" for b in form["blocks"])
    submit(bot, form, user="UBEN", title="Tenders close with a week's notice", credit="named")
    assert issue_row(bot, 1).author_id == "UBEN"


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def prepare_register(bot: BotUnderTest) -> None:
    use_channel(bot)
    set_organisation(bot, "UALICE", "Riverside Trust")
    say(bot, "Lead providers keep 15% and pass the risk down #lead-provider-model #nhs")
    form = open_form(bot, user="UBEN")
    submit(bot, form, user="UBEN", title="=SUM(A1) is what our commissioner pays per child",
           detail="We were told <b>not</b> to complain.\nSecond line.", themes=["payment-by-results"],
           credit="anonymous")
    say(bot, "+1 1", user="UBEN")
    say(bot, "+1 1", user="UADMIN")
    say(bot, "+1 2", user="UALICE")
    say(bot, "Nobody asked about procurement timelines", user="UADMIN")
    say(bot, "close 3 Fixed in the new framework", user="UADMIN")


def exported(bot: BotUnderTest, user: str) -> tuple[list[dict[str, str]], str, dict[str, Any]]:
    reply = say(bot, "export", user=user)
    assert "direct message" in reply["text"]
    uploads = [f for f in bot.fake.files if f["channel_id"] == "D" + user[1:]]
    csv_file = next(f for f in uploads if f["filename"].endswith(".csv"))
    md_file = next(f for f in uploads if f["filename"].endswith(".md"))
    assert csv_file["filename"] == "convene-issues-2026-11-24.csv"
    rows = list(csv.DictReader(io.StringIO(csv_file["content"].decode("utf-8"))))
    return rows, md_file["content"].decode("utf-8"), csv_file


def test_a_member_exports_everything_but_who_raised_anonymous_issues(bot: BotUnderTest) -> None:
    prepare_register(bot)
    rows, markdown, upload = exported(bot, "UALICE")
    assert [row["number"] for row in rows] == ["1", "2", "3"]
    assert "author_id" not in rows[0] and "logged_by" not in rows[0]
    assert rows[0]["credited_as"] == "Raised by Alice Adams (Riverside Trust)"
    assert rows[0]["plus_ones"] == "2" and rows[0]["tags"] == "#lead-provider-model #nhs"
    assert rows[1]["credited_as"] == "Raised anonymously"
    assert rows[1]["title"] == "'=SUM(A1) is what our commissioner pays per child", "no formula runs in a spreadsheet"
    assert rows[2]["status"] == "closed" and rows[2]["resolution"] == "Fixed in the new framework"
    assert "Ben" not in upload["content"].decode() and "UBEN" not in upload["content"].decode()
    assert "Ben" not in markdown and "UBEN" not in markdown
    assert "coordinators' copy" not in (upload["initial_comment"] or "")

    assert markdown.startswith("# Commissioning issues: evidence pack\n")
    assert "3 issues, 2 open, 3 +1s" in markdown
    assert markdown.index("## Lead provider model (#lead-provider-model)") < markdown.index("## Payment by results")
    assert markdown.index("## Payment by results") < markdown.index("## Not tagged")
    assert "### #1 Lead providers keep 15% and pass the risk down" in markdown
    assert "2 +1s · Raised by Alice Adams (Riverside Trust)" in markdown
    assert "- #1 Lead providers keep 15% and pass the risk down — 2 +1s (in full under Lead provider model" in markdown
    assert "> We were told &lt;b&gt;not&lt;/b&gt; to complain.\n> Second line." in markdown
    assert "Closed on 24 Nov 2026: Fixed in the new framework" in markdown


def test_a_coordinators_export_never_says_who_raised_an_anonymous_issue(bot: BotUnderTest) -> None:
    prepare_register(bot)
    rows, markdown, upload = exported(bot, "UADMIN")
    assert rows[1]["credit_choice"] == "anonymous" and rows[1]["credited_as"] == "Raised anonymously"
    assert rows[0]["credit_choice"] == "named" and rows[0]["credited_as"].startswith("Raised by Alice Adams")
    assert "author_id" not in rows[1] and "author_name" not in rows[1]
    csv_text = upload["content"].decode()
    assert "Ben" not in csv_text and "UBEN" not in csv_text, "not even coordinators learn who is anonymous"
    assert "Ben" not in markdown, "the evidence pack credits people as they chose"
    assert "coordinators' copy" in upload["initial_comment"]


def test_an_empty_register_still_exports(bot: BotUnderTest) -> None:
    rows, markdown, _upload = exported(bot, "UALICE")
    assert rows == [] and "The register is empty so far." in markdown


# ---------------------------------------------------------------------------------------------
# App Home, your data, cards kept in step
# ---------------------------------------------------------------------------------------------


def test_app_home_shows_the_top_open_issues_and_plus_ones_from_there(bot: BotUnderTest) -> None:
    add_many(bot, 7)
    say(bot, "+1 4", user="UADMIN")
    say(bot, "close 2 Done", user="UALICE")
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    home = bot.fake.home_views["UBEN"]
    text = json.dumps(home["blocks"])
    assert "Top open issues" in text and text.index("*#4*") < text.index("*#7*") and "*#2*" not in text
    plus = next(b["accessory"] for b in home["blocks"] if "*#7*" in (b.get("text") or {}).get("text", ""))
    bot.slack.block_action(plus, user_id="UBEN", view=bot.fake.home_views["UBEN"])
    bot.drain()
    assert issue_row(bot, 7).id in {v for v in _votes_of(bot, "UBEN")}
    republished = json.dumps(bot.fake.home_views["UBEN"]["blocks"])
    assert ":white_check_mark: +1'd" in republished


def _votes_of(bot: BotUnderTest, user: str) -> list[int]:
    with bot.runtime.db.unit_of_work() as session:
        return list(session.scalars(select(IssueVote.issue_id).where(IssueVote.user_id == user)))


def test_my_data_lists_issues_raised_and_plus_ones(bot: BotUnderTest) -> None:
    prepare_register(bot)
    bot.slack.command("/convene", "my-data", user_id="UBEN")
    bot.drain()
    upload = next(f for f in bot.fake.files if f["filename"] == "convene-my-data.json")
    records = json.loads(upload["content"])["data"]["Issues"]
    assert {"issue": 2, "credit": "anonymous", "you": "raised it"}.items() <= records[0].items()
    assert records[1]["plus_one_on_issue"] == 1


def test_forget_me_deletes_plus_ones_and_leaves_issues_anonymous(bot: BotUnderTest) -> None:
    prepare_register(bot)
    bot.slack.command("/convene", "forget-me", user_id="UALICE")
    bot.drain()
    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "value": "confirm"},
                           user_id="UALICE", channel_id="DALICE")
    bot.drain()
    stored = issue_row(bot, 1)
    assert (stored.author_id, stored.credit, stored.organisation) == (None, "anonymous", None)
    assert _votes_of(bot, "UALICE") == []
    assert stored.card_revision == stored.revision, "forget-me redraws the card at once"

    card = card_text(cards(bot)[0])
    assert "Alice" not in card and "Riverside" not in card and "Raised anonymously" in card
    assert "Alice" not in said(say(bot, "show 1", user="UBEN"))
    assert "A former member added it" in said(say(bot, "show 1", user="UBEN"))


def test_a_card_that_failed_to_update_is_put_right_by_the_job(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Monitoring returns are due the week of Christmas #monitoring")
    bot.fake.fail_next("chat.update", error="internal_error")
    reply = say(bot, "+1 1", user="UBEN")
    assert "You +1'd issue #1" in reply["text"], "the +1 is safe even though the card could not be updated"
    assert "no +1s yet" in card_text(cards(bot)[0])
    from bot.jobs.issues import refresh_stale_cards
    refresh_stale_cards()
    assert "1 +1" in card_text(cards(bot)[0])
    refresh_stale_cards()
    assert len(bot.fake.calls_to("chat.update", ok_only=True)) == 1, "a current card is left alone"


def test_a_deleted_card_is_no_longer_updated(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Consortium bids need a lead with reserves #consortia")
    bot.fake.fail_next("chat.update", error="message_not_found")
    say(bot, "+1 1", user="UBEN")
    assert issue_row(bot, 1).message_ts is None
    say(bot, "+1 1", user="UADMIN")
    assert len(bot.fake.calls_to("chat.update")) == 1


# ---------------------------------------------------------------------------------------------
# What other areas build on, and odds and ends
# ---------------------------------------------------------------------------------------------


def test_another_area_opens_the_form_prefilled_and_finds_the_issue_it_made(bot: BotUnderTest) -> None:
    """How the prompts area turns an answer into an issue: its own origin, the answerer's credit."""
    from bot.services import issues
    from bot.services.issues import Credit, IssuePrefill
    from bot.slack.issues import IssueForms

    use_channel(bot)
    prefill = IssuePrefill(title="Commissioners never visit our services",
                           detail="Answer to: what could a commissioner do differently?",
                           credit=Credit.ANONYMOUS, origin="prompt-answer:7", author_id="UBEN")
    forms = IssueForms(bot.runtime.client, bot.runtime.db, bot.runtime.clock)
    forms.open(trigger_id=bot.slack.new_trigger_id(), team_id=TEAM_ID, user_id="UADMIN", prefill=prefill)
    form = bot.fake.calls_to("views.open")[-1].json("view")
    assert not any(b.get("block_id") == "issue_credit" for b in form["blocks"])
    assert "Credited as its author chose: Anonymous." in json.dumps(form["blocks"])
    assert "UBEN" not in json.dumps(form) and "Ben" not in json.dumps(form), "not in the blocks nor the metadata"
    submit(bot, form, user="UADMIN", title="Commissioners never visit our services",
           detail="Answer to: what could a commissioner do differently?")
    with bot.runtime.db.unit_of_work() as session:
        made = issues.created_from(session, TEAM_ID, "prompt-answer:7")
    assert made is not None and made.number == 1 and made.attribution.line() == "Raised anonymously"
    stored = issue_row(bot, 1)
    assert (stored.author_id, stored.logged_by, stored.credit) == ("UBEN", "UADMIN", "anonymous")
    assert bot.fake.messages("UBEN") == [], "their choice was made already; nobody asks again"
    confirmation = bot.fake.messages("UADMIN")[-1]["text"]
    assert "Added *#1*" in confirmation, "without a response URL the confirmation comes by DM"


def test_a_tag_slack_turned_into_a_channel_link_keeps_its_name(bot: BotUnderTest) -> None:
    use_channel(bot)
    say(bot, "Our group's own channel is a tag too <#CGROUP|>")
    assert "#wg-commissioning" in card_text(cards(bot)[0])


def test_tags_lists_the_themes_and_the_tags_in_use(bot: BotUnderTest) -> None:
    say(bot, "Rural travel is never funded #rural #contract-length")
    text = said(say(bot, "tags"))
    assert "#lead-provider-model — Lead provider model (0)" in text
    assert "#contract-length — Contract length (1)" in text and "#rural (1)" in text


def test_an_issue_is_logged_even_when_its_message_has_no_permalink(bot: BotUnderTest) -> None:
    use_channel(bot)
    message = bot.fake.add_message("CGROUP", "Invoices are paid 90 days late", user="UALICE")
    form = log_message(bot, message, user="UALICE")
    bot.fake.fail_next("chat.getPermalink", error="channel_not_found")
    submit(bot, form, title="Invoices are paid 90 days late", credit="named")
    stored = issue_row(bot, 1)
    assert stored.source_permalink is None and stored.source_ts == message["ts"]


def test_when_slack_fails_to_post_the_card_the_issue_is_kept_and_they_are_told(bot: BotUnderTest) -> None:
    use_channel(bot)
    bot.fake.fail_next("chat.postMessage", error="internal_error")
    reply = say(bot, "Commissioners cancel meetings at a day's notice")
    assert "Added *#1*" in reply["text"] and "safe in the register" in reply["text"]
    assert issue_row(bot, 1).message_ts is None


def test_a_form_left_open_for_more_than_a_week_is_forgotten(bot: BotUnderTest) -> None:
    from bot.jobs.housekeeping import prune_issue_forms
    from storage.models import IssueForm

    use_channel(bot)
    form = open_form(bot)
    open_form(bot, user="UBEN")
    bot.clock.set("2026-12-02T09:00:00+00:00")
    fresh = open_form(bot, user="UADMIN")
    prune_issue_forms()
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(IssueForm)) == 1, "only the recent one stays"
    reply = submit(bot, form, title="Grant conditions change mid-year")
    assert "out of date" in reply["errors"]["issue_title"]
    submit(bot, fresh, user="UADMIN", title="Grant conditions change mid-year")
    assert issue_row(bot, 1).author_id == "UADMIN"
