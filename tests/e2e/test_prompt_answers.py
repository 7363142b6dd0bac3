"""Members answer prompts (in the modal or by writing in the DM), skip, pause; every answer is kept."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.services import prompts as service
from storage.models import Issue, Member, PromptAnswer, PromptDelivery, PromptMember
from tests.e2e.prompting import (
    answers,
    delete_in_dm,
    deliveries,
    delivery_id_of,
    edit_in_dm,
    prompt_dms,
    reply_in_dm,
    say,
    send_now,
    use_group_channel,
)
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state


def _prompted(bot: BotUnderTest, number: int = 3) -> None:
    use_group_channel(bot)
    send_now(bot, f"send now {number}")


def _open_modal(bot: BotUnderTest, user: str, *, message: dict | None = None, home_view: dict | None = None) -> dict:
    before = len(bot.fake.calls_to("views.open"))
    if home_view is not None:
        bot.slack.block_action({"action_id": "prompt_answer"}, user_id=user, view=home_view)
    else:
        bot.slack.block_action({"action_id": "prompt_answer"}, user_id=user, channel_id="D" + user[1:],
                               message=message or prompt_dms(bot, user)[0])
    bot.drain()
    opened = bot.fake.calls_to("views.open")
    assert len(opened) == before + 1, bot.fake.calls[-3:]
    return opened[-1].json("view")


def _submit(bot: BotUnderTest, view: dict, user: str, **answers_: object) -> object:
    response = bot.slack.view_submission(view, view_state(view, answers_), user_id=user)
    bot.drain()
    return response


def test_a_reply_in_the_dm_is_logged_with_a_reaction_and_one_word_about_credit(bot: BotUnderTest) -> None:
    _prompted(bot)
    message = reply_in_dm(bot, "UALICE", "Our lead provider kept 30% &amp; paid us in arrears &lt;again&gt;")
    [answer] = answers(bot, "UALICE")
    assert answer.text == "Our lead provider kept 30% & paid us in arrears <again>"
    assert (answer.credit, answer.shareable, answer.message_ts) == ("anonymous", False, message["ts"])
    assert bot.fake.message("DALICE", message["ts"])["reactions"][0]["name"] == "white_check_mark"
    [ack] = [m for m in bot.fake.messages("DALICE") if m["thread_ts"] == message["ts"] and m["user"] == "UBOT"]
    assert "anonymously" in ack["text"] and "will not be quoted" in ack["text"]
    prompt = prompt_dms(bot, "UALICE")[0]
    assert "Answered" in prompt["text"] and "Edit answer" in json.dumps(prompt["blocks"])

    more = reply_in_dm(bot, "UALICE", "And the contract was only 12 months.")
    assert [a.text for a in answers(bot, "UALICE")][-1] == "And the contract was only 12 months."
    assert bot.fake.message("DALICE", more["ts"])["reactions"], "every answer is acknowledged"
    acks = [m for m in bot.fake.messages("DALICE") if m["user"] == "UBOT" and m["thread_ts"]]
    assert len(acks) == 1, "the word about credit is said once"


def test_a_reply_in_the_prompts_thread_answers_that_prompt(bot: BotUnderTest) -> None:
    _prompted(bot)
    [prompt] = prompt_dms(bot, "UALICE")
    reply_in_dm(bot, "UALICE", "They asked for a 40-page impact report nobody read.", thread_ts=prompt["ts"])
    [answer] = answers(bot, "UALICE")
    assert answer.delivery_id == delivery_id_of(prompt)


def test_editing_or_deleting_the_message_updates_or_withdraws_the_answer(bot: BotUnderTest) -> None:
    _prompted(bot)
    message = reply_in_dm(bot, "UALICE", "Two years.")
    edit_in_dm(bot, "UALICE", message["ts"], "Two years, with a break clause at 12 months.")
    [answer] = answers(bot, "UALICE")
    assert answer.text == "Two years, with a break clause at 12 months."

    edit_in_dm(bot, "UALICE", message["ts"], "Someone else's words", editor="UBEN")
    assert answers(bot, "UALICE")[0].text == "Two years, with a break clause at 12 months."

    delete_in_dm(bot, "UALICE", message["ts"])
    assert answers(bot, "UALICE") == []
    prompt = prompt_dms(bot, "UALICE")[0]
    assert "Skip" in json.dumps(prompt["blocks"]), "back to asking"


def test_messages_that_are_not_the_members_own_words_are_not_answers(bot: BotUnderTest) -> None:
    _prompted(bot)
    for event in (
        {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "text": "I am a bot", "channel": "DALICE",
         "channel_type": "im", "ts": "1795549999.000100"},
        {"type": "message", "user": "UBOT", "bot_id": "B0CONVENE", "text": "Convene itself", "channel": "DALICE",
         "channel_type": "im", "ts": "1795549999.000200"},
        {"type": "message", "subtype": "channel_join", "user": "UALICE", "text": "joined", "channel": "DALICE",
         "channel_type": "im", "ts": "1795549999.000300"},
        {"type": "message", "user": "UALICE", "text": "In a channel, not the DM", "channel": "CGROUP",
         "channel_type": "channel", "ts": "1795549999.000400"},
    ):
        bot.slack.event(event)
    bot.drain()
    assert answers(bot) == []
    reply_in_dm(bot, "UALICE", "Real answer: the portal timed out twice.")
    reply_in_dm(bot, "UALICE", "Thanks!")
    assert [a.text for a in answers(bot)] == ["Real answer: the portal timed out twice."]


def test_a_slack_retry_of_the_same_message_logs_one_answer(bot: BotUnderTest) -> None:
    _prompted(bot)
    message = bot.fake.add_message("DALICE", "Short contracts, every time.", user="UALICE")
    for retry in (None, 1):
        bot.slack.message_event("Short contracts, every time.", user_id="UALICE", channel_id="DALICE",
                                ts=message["ts"], channel_type="im", event_id="Ev0SAME", retry_num=retry)
        bot.drain()
    assert len(answers(bot)) == 1


def test_writing_when_no_prompt_is_waiting_gets_one_short_explanation_a_day(bot: BotUnderTest) -> None:
    reply_in_dm(bot, "UBEN", "hello?")
    reply_in_dm(bot, "UBEN", "anyone there?")
    said = [m for m in bot.fake.messages("DBEN") if m["user"] == "UBOT"]
    assert len(said) == 1 and "no recent prompt" in said[0]["text"]
    assert answers(bot) == []


def test_the_answer_modal_keeps_the_credit_choice_and_reopens_prefilled(bot: BotUnderTest) -> None:
    _prompted(bot)
    view = _open_modal(bot, "UALICE")
    assert view["callback_id"] == "prompt_answer_modal"
    assert "Think of the last bid" in json.dumps(view)
    response = _submit(bot, view, "UALICE", text="The lead partner changed the budget after we signed.",
                       credit="organisation", share=["quote"])
    assert response.status == 200 and response.text in ("", "{}")
    [answer] = answers(bot, "UALICE")
    assert (answer.credit, answer.shareable, answer.source_key) == ("organisation", True, "modal")
    prompt = prompt_dms(bot, "UALICE")[0]
    assert "Answered" in prompt["text"]

    again = _open_modal(bot, "UALICE", message=prompt)
    text_input = next(b for b in again["blocks"] if b.get("block_id") == "answer_text")["element"]
    credit = next(b for b in again["blocks"] if b.get("block_id") == "answer_credit")["element"]
    assert text_input["initial_value"] == "The lead partner changed the budget after we signed."
    assert credit["initial_option"]["value"] == "organisation"
    _submit(bot, again, "UALICE", text="The lead partner cut our budget by a fifth after we signed.",
            credit="named", share=[])
    [answer] = answers(bot, "UALICE")
    assert answer.text.startswith("The lead partner cut") and (answer.credit, answer.shareable) == ("named", False)


def test_the_modal_credit_choice_applies_to_answers_written_in_messages_too(bot: BotUnderTest) -> None:
    _prompted(bot)
    reply_in_dm(bot, "UALICE", "We were asked for postcode data we do not hold.")
    view = _open_modal(bot, "UALICE")
    assert "We were asked for postcode data" in json.dumps(view), "what they wrote is shown"
    _submit(bot, view, "UALICE", credit="named", share=["quote"])
    [answer] = answers(bot, "UALICE")
    assert (answer.credit, answer.shareable, answer.text) == ("named", True, "We were asked for postcode data we do not hold.")


def test_an_empty_answer_is_refused_in_the_modal(bot: BotUnderTest) -> None:
    _prompted(bot)
    view = _open_modal(bot, "UALICE")
    response = _submit(bot, view, "UALICE", text="   ", credit="named")
    body = response.json()
    assert body["response_action"] == "errors" and "answer_text" in body["errors"]
    assert answers(bot) == []


def test_someone_elses_prompt_cannot_be_answered(bot: BotUnderTest) -> None:
    _prompted(bot)
    alice_prompt = prompt_dms(bot, "UALICE")[0]
    bot.slack.block_action({"action_id": "prompt_answer"}, user_id="UBEN", channel_id="DBEN", message=alice_prompt)
    bot.drain()
    assert bot.fake.calls_to("views.open") == []
    assert "sent to someone else" in bot.fake.calls_to("response_url")[-1].args["text"]


def test_skip_marks_the_prompt_skipped_and_says_so(bot: BotUnderTest) -> None:
    _prompted(bot)
    bot.slack.block_action({"action_id": "prompt_skip"}, user_id="UALICE", channel_id="DALICE",
                           message=prompt_dms(bot, "UALICE")[0])
    bot.drain()
    [delivery] = deliveries(bot, "UALICE")
    assert delivery.skipped_at == bot.clock()
    prompt = prompt_dms(bot, "UALICE")[0]
    assert "Skipped" in prompt["text"] and "Answer anyway" in json.dumps(prompt["blocks"])


def test_pause_me_for_four_weeks_and_resume(bot: BotUnderTest) -> None:
    _prompted(bot)
    bot.slack.block_action({"action_id": "prompt_pause"}, user_id="UALICE", channel_id="DALICE",
                           message=prompt_dms(bot, "UALICE")[0])
    bot.drain()
    told = bot.fake.calls_to("response_url")[-1].args
    assert told["response_type"] == "ephemeral" and "paused for you until" in told["text"]
    with bot.runtime.db.unit_of_work() as session:
        pause = session.get(PromptMember, (TEAM_ID, "UALICE"))
        assert (pause.paused_until - bot.clock()).days == 28
    bot.slack.block_action({"action_id": "prompt_resume", "value": "resume"}, user_id="UALICE", channel_id="DALICE",
                           response_url=bot.fake.response_url("resume", channel="DALICE"))
    bot.drain()
    assert "Welcome back" in bot.fake.calls_to("response_url")[-1].args["text"]
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(PromptMember, (TEAM_ID, "UALICE")).paused_until is None


def test_app_home_lists_prompts_waiting_for_an_answer(bot: BotUnderTest) -> None:
    _prompted(bot)
    bot.slack.app_home_opened(user_id="UALICE")
    bot.drain()
    home = bot.fake.home_views["UALICE"]
    assert "Prompts waiting for your answer" in json.dumps(home) and "Think of the last bid" in json.dumps(home)

    view = _open_modal(bot, "UALICE", home_view=home)
    _submit(bot, view, "UALICE", text="Clear roles agreed before we wrote a word.", credit="named")
    assert len(answers(bot, "UALICE")) == 1
    assert "Prompts waiting for your answer" not in json.dumps(bot.fake.home_views["UALICE"]), "home redrawn"

    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    assert "Prompts waiting for your answer" in json.dumps(bot.fake.home_views["UBEN"])


def test_coordinators_read_answers_as_their_authors_allowed(bot: BotUnderTest) -> None:
    _prompted(bot)
    bot.runtime.directory.ensure(TEAM_ID, "UADMIN")
    with bot.runtime.db.unit_of_work() as session:
        session.get(Member, (TEAM_ID, "UADMIN")).organisation = "Riverside Food Bank"
    _submit(bot, _open_modal(bot, "UALICE"), "UALICE", text="Named answer from Alice.", credit="named")
    _submit(bot, _open_modal(bot, "UADMIN"), "UADMIN", text="An answer <!channel> by organisation.",
            credit="organisation")
    reply_in_dm(bot, "UBEN", "A candid answer Ben would rather not sign.")

    shown = say(bot, "answers 3")
    assert "Alice Adams" in shown and "Named answer from Alice." in shown
    assert "Someone at Riverside Food Bank" in shown and "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "A candid answer Ben would rather not sign." in shown and "— Anonymous" in shown
    assert "UBEN" not in shown and "Ben Brown" not in shown and "ben" not in shown.replace("Ben would", "")
    assert "Only a coordinator" in say(bot, "answers 3", user="UALICE")


def test_answers_are_paged(bot: BotUnderTest) -> None:
    _prompted(bot)
    for index in range(23):
        reply_in_dm(bot, "UBEN", f"Point number {index + 1} about monitoring.")
    first = say(bot, "answers 3")
    assert "page 1 of 3" in first and "Point number 10 about" in first and "Point number 11 about" not in first
    reply = [c for c in bot.fake.calls_to("response_url") if c.args.get("blocks")][-1].args
    button = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"] if "Next" in e["text"]["text"])
    bot.slack.block_action({"action_id": button["action_id"], "value": button["value"]}, user_id="UADMIN",
                           channel_id="C1", response_url=bot.fake.response_url("next-page", channel="C1"))
    bot.drain()
    second = bot.fake.calls_to("response_url")[-1].args
    assert second["replace_original"] is True
    assert "page 2 of 3" in json.dumps(second["blocks"]) and "Point number 11 about" in json.dumps(second["blocks"])


def test_the_digest_gets_this_periods_prompt_the_count_and_allowed_quotes(bot: BotUnderTest) -> None:
    _prompted(bot)
    _submit(bot, _open_modal(bot, "UALICE"), "UALICE", text="Quote me, named.", credit="named", share=["quote"])
    _submit(bot, _open_modal(bot, "UADMIN"), "UADMIN", text="Quote me anonymously.", credit="anonymous",
            share=["quote"])
    reply_in_dm(bot, "UBEN", "Do not quote me.")
    week = timedelta(days=7)
    with bot.runtime.db.unit_of_work() as session:
        found = service.period_prompt(session, TEAM_ID, start=bot.clock() - week, end=bot.clock())
    assert found is not None and found.number == 3 and "last bid" in found.question
    assert (found.sent, found.answered) == (3, 3)
    assert [(q.text, q.credited_as) for q in found.quotes] == [
        ("Quote me, named.", "Alice Adams"), ("Quote me anonymously.", "Anonymous"),
    ]
    with bot.runtime.db.unit_of_work() as session:
        next_week = bot.clock() + week
        assert service.period_prompt(session, TEAM_ID, start=next_week - week + timedelta(seconds=1),
                                     end=next_week) is None


def test_my_data_includes_prompts_and_forget_me_deletes_them(bot: BotUnderTest) -> None:
    _prompted(bot)
    reply_in_dm(bot, "UALICE", "What I said about the lead provider.")
    reply_in_dm(bot, "UBEN", "Ben's answer stays.")
    bot.slack.command("/convene", "my-data", user_id="UALICE")
    bot.drain()
    exported = json.loads(bot.fake.files[-1]["content"])["data"]["Prompts"]
    assert any(r.get("answer") == "What I said about the lead provider." for r in exported)
    assert any("last bid" in r.get("prompt", "") for r in exported)

    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "value": "confirm"},
                           user_id="UALICE", channel_id="DALICE")
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        mine = select(func.count()).select_from(PromptAnswer).where(PromptAnswer.user_id == "UALICE")
        assert session.scalar(mine) == 0
        assert session.scalar(select(func.count()).select_from(PromptDelivery)
                              .where(PromptDelivery.user_id == "UALICE")) == 0
    assert [a.text for a in answers(bot)] == ["Ben's answer stays."]


def test_app_home_shows_a_pause_and_resumes_it(bot: BotUnderTest) -> None:
    say(bot, "pause", user="UALICE")
    bot.slack.app_home_opened(user_id="UALICE")
    bot.drain()
    home = bot.fake.home_views["UALICE"]
    assert "paused for you until" in json.dumps(home)
    bot.slack.block_action({"action_id": "prompt_resume"}, user_id="UALICE", view=home)
    bot.drain()
    assert "paused for you" not in json.dumps(bot.fake.home_views["UALICE"])
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(PromptMember, (TEAM_ID, "UALICE")).paused_until is None


# Answers that become issues


def _issue(bot: BotUnderTest, number: int = 1) -> Issue:
    with bot.runtime.db.unit_of_work() as session:
        return session.scalar(select(Issue).where(Issue.number == number))


def test_the_author_makes_their_answer_an_issue_from_the_prompt_message(bot: BotUnderTest) -> None:
    _prompted(bot)
    _submit(bot, _open_modal(bot, "UALICE"), "UALICE", credit="named",
            text="The lead provider kept a 20% top slice. We never saw the monitoring data.")
    answered = prompt_dms(bot, "UALICE")[0]
    make = next(e for b in answered["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["text"]["text"] == "Make it an issue")
    bot.slack.block_action(make, user_id="UALICE", channel_id="DALICE", message=answered)
    bot.drain()
    form = bot.fake.calls_to("views.open")[-1].json("view")
    assert form["callback_id"] == "issue_modal"
    fields = {b.get("block_id"): b.get("element", {}) for b in form["blocks"]}
    assert fields["issue_title"]["initial_value"] == "The lead provider kept a 20% top slice."
    assert "In answer to:" in fields["issue_detail"]["initial_value"]

    response = bot.slack.view_submission(form, view_state(form, {}), user_id="UALICE")
    bot.drain()
    assert response.status == 200
    issue = _issue(bot)
    assert (issue.title, issue.author_id, issue.credit) == ("The lead provider kept a 20% top slice.", "UALICE", "named")
    with bot.runtime.db.unit_of_work() as session:
        [answer] = answers(bot, "UALICE")
        assert service.issues_from_answers(session, TEAM_ID, [answer.id]) == {answer.id: 1}

    bot.slack.block_action(make, user_id="UALICE", channel_id="DALICE", message=answered)
    bot.drain()
    assert "already issue #1" in bot.fake.calls_to("response_url")[-1].args["text"]


def test_a_coordinator_makes_a_shared_anonymous_answer_an_issue_without_naming_its_author(bot: BotUnderTest) -> None:
    _prompted(bot)
    _submit(bot, _open_modal(bot, "UBEN"), "UBEN", text="Quarterly monitoring costs us a day a month.",
            credit="anonymous", share=["quote"])
    say(bot, "answers 3")
    page = [c for c in bot.fake.calls_to("response_url") if c.args.get("blocks")][-1].args
    [make] = [b["accessory"] for b in page["blocks"] if (b.get("accessory") or {}).get("action_id") == "prompt_answer_to_issue"]
    bot.slack.block_action(make, user_id="UADMIN", channel_id="C1", response_url=bot.fake.response_url("answers"))
    bot.drain()
    form = bot.fake.calls_to("views.open")[-1].json("view")
    bot.slack.view_submission(form, view_state(form, {}), user_id="UADMIN")
    bot.drain()
    issue = _issue(bot)
    assert (issue.author_id, issue.credit) == ("UBEN", "anonymous")
    card = next(m for m in bot.fake.messages("CGROUP") if "Quarterly monitoring" in m["text"])
    assert "UBEN" not in json.dumps(card) and "Ben" not in json.dumps(card)
    assert "became issue #1" in say(bot, "answers 3")


def test_a_coordinator_cannot_make_an_unshared_answer_an_issue(bot: BotUnderTest) -> None:
    _prompted(bot)
    reply_in_dm(bot, "UBEN", "Not for sharing, please.")
    assert "Make it an issue" not in say(bot, "answers 3")
    [answer] = answers(bot, "UBEN")
    bot.slack.block_action({"action_id": "prompt_answer_to_issue", "value": str(answer.id)}, user_id="UADMIN",
                           channel_id="C1", response_url=bot.fake.response_url("forged"))
    bot.drain()
    assert "Only whoever wrote an answer" in bot.fake.calls_to("response_url")[-1].args["text"]
    assert _issue(bot) is None
