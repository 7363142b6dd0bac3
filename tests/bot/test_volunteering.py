"""Reading `/volunteer` and rendering calls for volunteers."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services import paging
from bot.services.errors import InvalidInput
from bot.services.volunteering import CallFormInvalid, CallRequest, CallState, parse_call, read_call_form, read_deadline
from bot.views.volunteering import (
    call_blocks,
    create_modal,
    extend_modal,
    open_calls_blocks,
    thanks_text,
    volunteering_home_blocks,
)
from tests.harness.blockkit import block_kit_problems, view_problems

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)  # a Tuesday
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def parse(text: str, zone: ZoneInfo = LONDON) -> CallRequest:
    return parse_call(text, zone=zone, now=NOW)


def test_the_example_from_the_product_contract() -> None:
    request = parse('"Draft the scope document" 2 by Fri 4 Dec')
    assert request.task == "Draft the scope document"
    assert request.needed == 2
    # A day without a time closes at the end of that day, in the poster's time zone.
    assert request.deadline == datetime(2026, 12, 4, 23, 59, tzinfo=timezone.utc)


def test_curly_quotes_no_deadline_and_one_person_by_default() -> None:
    assert parse("“Bring the banner” 3") == CallRequest("Bring the banner", 3, None)
    assert parse("“Bring the banner”") == CallRequest("Bring the banner", 1, None)


def test_unquoted_tasks() -> None:
    assert parse("Draft the scope document 2 by Fri 4 Dec 5pm").deadline == datetime(2026, 12, 4, 17, 0,
                                                                                     tzinfo=timezone.utc)
    assert parse("Stand by the stall 2") == CallRequest("Stand by the stall", 2, None)
    assert parse("Stand by the stall") == CallRequest("Stand by the stall", 1, None)
    assert parse("Bring biscuits by Friday").task == "Bring biscuits"
    assert parse("Read 2 reports") == CallRequest("Read 2 reports", 1, None)


def test_the_deadline_is_read_in_the_posters_time_zone() -> None:
    london = parse('"Task" 1 by Fri 4 Dec 5pm').deadline
    new_york = parse('"Task" 1 by Fri 4 Dec 5pm', NEW_YORK).deadline
    assert london == datetime(2026, 12, 4, 17, tzinfo=timezone.utc)
    assert new_york == datetime(2026, 12, 4, 22, tzinfo=timezone.utc)
    assert read_deadline("1/12 14:00", zone=LONDON, now=NOW) == datetime(2026, 12, 1, 14, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "says"), [
    ('"Task" 2 by Tue 3 Dec', "is a Thursday, not a Tuesday"),
    ('"Task" 2 by yesterday', "is in the past"),
    ('"Task" 2 by the twelfth of never', "could not read"),
    ('"Task" 0', "1 to 100 people"),
    ('"Task" 101', "1 to 100 people"),
    ('"Task" 2 soon', "could not read “soon”"),
    ('"Task" 2 by', "after `by`"),
    ('"Task', "never closed"),
    ('""', "Say what needs doing"),
    ('"' + "x" * 301 + '" 2', "under 300 characters"),
])
def test_bad_calls_are_refused_with_an_example(text: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(text)
    assert says in str(caught.value)
    assert "/volunteer" in str(caught.value)


def _call(**overrides: object) -> CallState:
    values: dict[str, object] = dict(
        id=7, team_id="T0CONVENE", channel_id="CGROUP", message_ts="1.1", task="Draft <!channel> & scope",
        needed=2, created_by="UALICE", created_at=NOW, deadline=datetime(2026, 12, 4, 23, 59, tzinfo=timezone.utc),
        status="open", close_reason=None, closed_at=None, closed_by=None, version=1, helpers=("UBEN",), cant=("UCAROL",),
    )
    values.update(overrides)
    return CallState(**values)  # type: ignore[arg-type]


def test_an_open_call_shows_sign_ups_buttons_and_escapes_the_task() -> None:
    blocks = call_blocks(_call())
    assert block_kit_problems(blocks, surface="message") == []
    rendered = json.dumps(blocks)
    assert "<!channel>" not in rendered and "&lt;!channel&gt; &amp; scope" in rendered
    assert "Signed up (1 of 2):* <@UBEN>" in rendered
    assert "1 can't this time" in rendered and "1 place left" in rendered
    deadline = int(datetime(2026, 12, 4, 23, 59, tzinfo=timezone.utc).timestamp())
    assert f"<!date^{deadline}^" in rendered  # the deadline in each reader's own time zone
    assert [e.get("action_id") for e in blocks[-1]["elements"]] == ["volunteer_help", "volunteer_cant",
                                                                     "volunteer_manage"]


def test_a_filled_call_thanks_and_names_the_volunteers() -> None:
    call = _call(status="closed", close_reason="filled", closed_at=NOW, helpers=("UBEN", "UDAN"))
    blocks = call_blocks(call)
    assert block_kit_problems(blocks, surface="message") == []
    rendered = json.dumps(blocks)
    assert "volunteer_help" not in rendered
    assert "<@UBEN> and <@UDAN>" in rendered
    assert "Thank you <@UBEN> and <@UDAN>" in thanks_text(call)


def test_a_call_closed_at_its_deadline_says_so() -> None:
    call = _call(status="closed", close_reason="deadline", closed_at=NOW, helpers=())
    assert "deadline" in thanks_text(call) and "nobody signed up" in thanks_text(call)
    assert "Closed at its deadline" in json.dumps(call_blocks(call))


def test_many_volunteers_stay_within_slacks_limits() -> None:
    helpers = tuple(f"U{n:08d}" for n in range(100))
    blocks = call_blocks(_call(needed=100, helpers=helpers))
    assert block_kit_problems(blocks, surface="message") == []
    assert "60 more" in json.dumps(blocks)


def test_the_extend_modal_and_lists_are_valid() -> None:
    assert view_problems(extend_modal(_call(), zone=LONDON)) == []
    assert "Fri 4 Dec 23:59" in json.dumps(extend_modal(_call(), zone=LONDON))
    assert block_kit_problems(open_calls_blocks([_call(), _call(id=8)]), surface="message") == []
    home = volunteering_home_blocks([_call(), _call(id=8, helpers=())], "UBEN", paging.window(2, 1, 5))
    assert block_kit_problems(home, surface="home") == []
    assert "You're signed up" in json.dumps(home[1]) and "volunteer_help" in json.dumps(home[2])


def test_the_call_for_volunteers_form_is_valid_and_read_as_the_command_reads_it() -> None:
    form = create_modal(channel_id="CGROUP", zone_name="Europe/London", max_task=300, max_needed=100)
    assert view_problems(form) == [] and "CGROUP" in json.dumps(form)
    assert "initial_conversation" not in json.dumps(create_modal(channel_id="DALICE", zone_name="Europe/London",
                                                                 max_task=300, max_needed=100))
    assert read_call_form(" Draft  the scope ", "2", "Fri 4 Dec", zone=LONDON, now=NOW) == parse(
        '"Draft the scope" 2 by Fri 4 Dec')
    assert read_call_form("Book the room", None, "", zone=LONDON, now=NOW) == CallRequest("Book the room", 1, None)
    with pytest.raises(CallFormInvalid) as refused:
        read_call_form("x" * 301, "101", "Tue 3 Dec", zone=LONDON, now=NOW)
    assert set(refused.value.fields) == {"task", "needed", "deadline"}
    assert "Thursday" in refused.value.fields["deadline"] and "/volunteer" not in refused.value.fields["deadline"]
