"""A socket's outbox: frames leave in order, a full outbox refuses ephemeral frames and
holds must-arrive ones until there is room, and the writer waits for the next frame."""

from __future__ import annotations

import asyncio

from kefu.realtime.outbox import Outbox


def frame(n: int) -> dict[str, int]:
    return {"n": n}


async def test_frames_leave_in_the_order_they_came():
    outbox = Outbox(10)
    for n in range(5):
        assert outbox.offer(frame(n))
    assert [outbox.take() for _ in range(6)] == [*map(frame, range(5)), None]


async def test_a_full_outbox_refuses_what_may_be_dropped():
    outbox = Outbox(2)
    assert outbox.offer(frame(1)) and outbox.offer(frame(2))
    assert not outbox.offer(frame(3))
    assert outbox.take() == frame(1)
    assert outbox.offer(frame(4))
    assert [outbox.take(), outbox.take()] == [frame(2), frame(4)]


async def full_with_two_waiting(outbox: Outbox) -> tuple[asyncio.Task[None], asyncio.Task[None]]:
    """A full outbox of one frame (1) and two senders waiting with frames 2 and 3."""
    outbox.offer(frame(1))
    first = asyncio.create_task(outbox.put(frame(2)))
    second = asyncio.create_task(outbox.put(frame(3)))
    await asyncio.sleep(0.01)
    assert not first.done() and not second.done()
    return first, second


async def test_a_frame_that_must_arrive_waits_for_room_and_keeps_its_place():
    outbox = Outbox(1)
    ack, later = await full_with_two_waiting(outbox)
    assert outbox.take() == frame(1)
    await asyncio.wait_for(ack, 1)
    assert not later.done()  # one frame of room: one sender, the first
    assert outbox.take() == frame(2)
    await asyncio.wait_for(later, 1)
    assert outbox.take() == frame(3)


async def test_a_sender_that_gave_up_waiting_does_not_take_the_room_of_another():
    outbox = Outbox(1)
    gone, waiting = await full_with_two_waiting(outbox)
    gone.cancel()  # its socket closed
    await asyncio.sleep(0)
    assert outbox.take() == frame(1)
    await asyncio.wait_for(waiting, 1)
    assert outbox.take() == frame(3)


async def test_the_writer_waits_for_the_next_frame():
    outbox = Outbox(4)
    writer = asyncio.create_task(outbox.next())
    await asyncio.sleep(0.01)
    assert not writer.done()
    outbox.offer(frame(7))
    assert await asyncio.wait_for(writer, 1) == frame(7)


async def test_a_writer_that_stopped_waiting_can_wait_again():
    outbox = Outbox(4)
    try:
        async with asyncio.timeout(0.01):  # the heartbeat interval passed
            await outbox.next()
    except TimeoutError:
        pass
    outbox.offer(frame(1))
    assert await asyncio.wait_for(outbox.next(), 1) == frame(1)
