"""What crosses to and from the SQLite writer process pickles back to an equal value."""

from __future__ import annotations

import dataclasses
import pickle
import uuid

import pytest

from kefu import events
from kefu.access import Actor
from kefu.actions.messages import MessageToSend, Sent
from kefu.lib.frames import StoredEvents, event_frame
from kefu.lib.pickling import reduce_by_fields


def _again(value):
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def test_a_chat_unit_and_its_result_come_back_equal():
    shopper = Actor(3, "visitor", 41, "访客 8f2c", frozenset(), None, None)
    unit = MessageToSend(shopper, 17, "这件T恤有M码吗？👕", uuid.uuid4(), payload={"sku": "T-M"})
    assert _again(unit) == unit
    assert _again(Sent(901, bot_may_look=True)) == Sent(901, True)


@pytest.mark.parametrize(
    "kind",
    [c for c in vars(events).values() if isinstance(c, type) and issubclass(c, events.Event)],
)
def test_every_event_comes_back_equal_with_its_kind(kind):
    event = kind(3, {"message": {"body": "退款什么时候到？"}}, frozenset({"shop:3", "visitor:ab"}))
    again = _again(event)
    assert type(again) is kind
    assert again == event


def test_stored_rows_come_back_with_their_frames():
    stored = StoredEvents(3, 811, [("shop:3", event_frame(812, "message.created", {"a": 1}))])
    again = _again(stored)
    assert again == stored
    assert again.last_id == 812
    assert again.frames[0][1].text() == stored.frames[0][1].text()


def test_a_field_not_taken_by_the_constructor_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Counted:
        name: str
        uses: int = dataclasses.field(default=0, init=False)

        __reduce__ = reduce_by_fields

    with pytest.raises(TypeError, match="cannot be rebuilt"):
        pickle.dumps(Counted("x"))
