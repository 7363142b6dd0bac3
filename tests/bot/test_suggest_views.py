"""How `/meet suggest` answers: within Slack's limits, names escaped, the right buttons for the right case."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.services.availability import MemberAvailability
from bot.services.suggest import Proposal, Suggestions, Window, proposal, suggest
from bot.views import suggest as views
from tests.harness.blockkit import block_kit_problems

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
WINDOW = Window(date(2026, 11, 24), date(2026, 12, 8), "the next 2 weeks")


def found(known: int, unknown: int = 0, *, parts: tuple[str, ...] = ("morning",)) -> Suggestions:
    members = [MemberAvailability(f"U{n:04d}", LONDON, frozenset((d, p) for d in range(5) for p in parts))
               for n in range(known)]
    audience = [m.user_id for m in members] + [f"UNEW{n:04d}" for n in range(unknown)]
    organisations = {m.user_id: f"Organisation {n % 7}" for n, m in enumerate(members)}
    return suggest(members, audience=audience, organisations=organisations, length=timedelta(minutes=90),
                   window=WINDOW, now=NOW, zone=LONDON)


def render(result: Suggestions, names: dict[str, str] | None = None, asker: str = "U0000") -> tuple[str, list]:
    value = proposal(result, key="k", channel_id="CGROUP", title=None).to_value()
    return views.suggestions_message(result, channel_id="CGROUP", names=names or {}, asker_id=asker,
                                     proposal_value=value)


def text_of(blocks: list) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_suggestions_show_each_time_as_a_date_token_with_who_is_free() -> None:
    result = found(3, unknown=1)
    text, blocks = render(result, {"U0000": "Sam", "U0001": "Priya", "U0002": "Jo"})
    assert block_kit_problems(blocks, surface="message") == []
    shown = text_of(blocks)
    first = result.slots[0]
    assert f"<!date^{int(first.starts_at.timestamp())}^{{date_short_pretty}} at {{time}}|Tue 24 Nov, 09:30>" in shown
    assert "3 of 3 free · 3 organisations" in shown and "_Free:_ Sam, Priya, Jo" in shown
    assert "3 of 4 people in <#CGROUP> have set their availability; the other one is not counted" in shown
    assert "not on days they are away" in shown
    assert "5 suggested times for 90 min" in text


def test_names_are_escaped_and_long_lists_shortened() -> None:
    result = found(40)
    names = {f"U{n:04d}": f"<!channel> & Person number {n}" for n in range(40)}
    _, blocks = render(result, names)
    assert block_kit_problems(blocks, surface="message") == []
    shown = text_of(blocks)
    assert "<!channel>" not in shown and "&lt;!channel&gt; &amp; Person number 0" in shown
    assert "more" in shown and "40 of 40 free · 7 organisations" in shown


def test_the_nudge_button_is_offered_only_when_someone_else_has_not_set_theirs() -> None:
    _, blocks = render(found(2))
    assert views.NUDGE_ACTION not in text_of(blocks)
    _, blocks = render(found(2, unknown=3))
    assert '"Ask them by DM to set it (3)"' in text_of(blocks)
    only_me = found(0, unknown=1)
    _, blocks = views.no_availability_message(only_me, channel_id="CGROUP", asker_id="UNEW0000")
    assert views.NUDGE_ACTION not in text_of(blocks)


def test_the_asker_who_has_not_set_theirs_is_told_so() -> None:
    _, blocks = render(found(2, unknown=1), asker="UNEW0000")
    assert "you included: `/availability` sets yours" in text_of(blocks)


def test_the_buttons_carry_the_proposal() -> None:
    result = found(2)
    _, blocks = render(result)
    buttons = next(b for b in blocks if b.get("block_id") == "suggest-actions")["elements"]
    start, edit = buttons[0], buttons[1]
    assert start["style"] == "primary" and start["text"]["text"] == "Start a poll with these"
    proposed = Proposal.from_value(start["value"])
    assert edit["value"] == start["value"]
    assert proposed.starts == tuple(slot.starts_at for slot in result.slots)
    assert proposed.length == timedelta(minutes=90) and proposed.channel_id == "CGROUP"


def test_no_availability_and_nobody_free_messages_point_somewhere_useful() -> None:
    _, blocks = views.no_availability_message(found(0, unknown=4), channel_id="CGROUP", asker_id="UNEW0000")
    assert block_kit_problems(blocks, surface="message") == []
    assert "`/availability`" in text_of(blocks) and "availability_open" in text_of(blocks)

    _, blocks = views.nobody_free_message(found(2, parts=("evening",)), channel_id="CGROUP", asker_id="U0000")
    assert block_kit_problems(blocks, surface="message") == []
    assert "Try a shorter meeting or a longer window" in text_of(blocks)


def test_started_and_nudge_messages() -> None:
    text, blocks = views.started_message(title="R&D <call>", channel_id="CGROUP", permalink="https://x.test/p",
                                         options=5, deadline=NOW + timedelta(hours=48), zone=LONDON)
    assert block_kit_problems(blocks, surface="message") == []
    shown = text_of(blocks)
    assert "*R&amp;D &lt;call&gt;* in <#CGROUP> with 5 times. It closes <!date^" in shown
    assert "<https://x.test/p|Open the poll>" in shown
    _, dm = views.availability_nudge(asker_name="<Sam>", channel_id="CGROUP")
    assert block_kit_problems(dm, surface="message") == []
    assert "&lt;Sam&gt; is looking for times" in text_of(dm)
    assert views.nudged_text(asked=1, already=0).startswith(":envelope: Asked 1 person by direct message")
    assert "2 others had been asked this week already" in views.nudged_text(asked=0, already=2)
    assert "could not message 1 person" in views.nudged_text(asked=0, already=0, failed=1)
    assert "Everyone in the channel has set their availability" in views.nudged_text(asked=0, already=0)
