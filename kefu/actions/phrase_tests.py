"""A/B tests of the shop's quick phrases (话术 variants).

A supervisor tests a shop phrase's text (variant 0, the control) against 1 to 3 others.
When an agent inserts the phrase, the conversation gets one variant, chosen by a hash of
the test and the conversation: random across conversations, the same every time in one
conversation, so a shopper never sees the script change mid-chat. Each insertion is
recorded; the results (kefu/queries/phrase_tests.py) read the outcomes from the
conversations afterwards. Promoting a winner copies its text into the phrase and ends the test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import lock_row, record_audit, snapshot
from kefu.actions.phrases import clean_phrase_body
from kefu.crm.stats import sticky_index
from kefu.errors import Conflict, Invalid, NotFound
from kefu.lib.phrases import fill
from kefu.models import PhraseTest, PhraseTestStatus, PhraseUse, QuickPhrase
from kefu.queries.access import fetch_owned
from kefu.queries.workspace import customer_panel

MAX_VARIANTS = 4


def variant_for(test_id: int, conversation_id: int, count: int) -> int:
    """The variant a conversation gets in a test: uniform, and fixed for that pair."""
    return sticky_index(f"kefu-phrase-test:{test_id}:{conversation_id}", count)


def _clean_variants(body: str, challengers: Any) -> list[str]:
    """The phrase's own text (variant 0, the control) and 1 to 3 other texts."""
    if not isinstance(challengers, list) or not 1 <= len(challengers) < MAX_VARIANTS:
        raise Invalid(f"give 1 to {MAX_VARIANTS - 1} texts to test", field="variants")
    texts = [body, *(clean_phrase_body(text) for text in challengers)]
    if len(set(texts)) != len(texts):
        raise Invalid("each text must differ from the phrase's and the others", field="variants")
    return texts


async def running_test(session: AsyncSession, phrase: QuickPhrase) -> PhraseTest | None:
    return await session.scalar(
        select(PhraseTest).where(
            PhraseTest.shop_id == phrase.shop_id,
            PhraseTest.phrase_id == phrase.id,
            PhraseTest.status == PhraseTestStatus.RUNNING,
        )
    )


async def _shop_phrase(session: AsyncSession, actor: Actor, phrase_id: int) -> QuickPhrase:
    """A phrase of the shop's library (agents' own phrases are not tested)."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    phrase = await fetch_owned(session, actor, QuickPhrase, phrase_id, "quick phrase")
    if phrase.agent_id is not None:
        if not _owns(actor, phrase):
            raise NotFound("quick phrase")
        raise Conflict("only the shop's phrases can be A/B tested")
    return phrase


def _owns(actor: Actor, phrase: QuickPhrase) -> bool:
    """An agent's own phrase (a key's id is no agent's: ids of different tables)."""
    return actor.kind == "agent" and phrase.agent_id == actor.id


async def do_start_phrase_test(
    session: AsyncSession, actor: Actor, phrase_id: int, challengers: Any
) -> PhraseTest:
    """Start testing a shop phrase's text against ``challengers``; one running test per
    phrase."""
    phrase = await _shop_phrase(session, actor, phrase_id)
    texts = _clean_variants(phrase.body, challengers)
    await lock_row(session, QuickPhrase, phrase.id)  # two starts at once: one wins
    if await running_test(session, phrase) is not None:
        raise Conflict("this phrase already has a running A/B test")
    test = PhraseTest(shop_id=actor.shop_id, phrase_id=phrase.id, variants=texts)
    session.add(test)
    await session.flush()
    record_audit(session, actor, "phrase_test.start", "phrase_test", test.id, after=snapshot(test))
    return test


async def load_phrase_test(session: AsyncSession, actor: Actor, test_id: int) -> PhraseTest:
    return await fetch_owned(session, actor, PhraseTest, test_id, "phrase test")


@dataclass(frozen=True, slots=True)
class PhraseInsert:
    """What the composer inserts: the text filled for the conversation, and the test
    variant it came from (None when the phrase is not being tested)."""

    text: str
    test_id: int | None
    variant: int | None


async def do_use_phrase(
    session: AsyncSession, actor: Actor, phrase_id: int, conversation_id: int, now: datetime
) -> PhraseInsert:
    """The text of a phrase for a conversation; under a running test, the conversation's
    variant, and the use recorded."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    phrase = await fetch_owned(session, actor, QuickPhrase, phrase_id, "quick phrase")
    if phrase.agent_id is not None and not _owns(actor, phrase):
        raise NotFound("quick phrase")
    panel = await customer_panel(session, actor, conversation_id)
    test = await running_test(session, phrase) if phrase.agent_id is None else None
    if test is None:
        return PhraseInsert(fill(phrase.body, panel.variables), None, None)
    variant = variant_for(test.id, panel.conversation.id, len(test.variants))
    session.add(
        PhraseUse(
            shop_id=actor.shop_id,
            test_id=test.id,
            conversation_id=panel.conversation.id,
            variant=variant,
            agent_id=actor.id if actor.kind == "agent" else None,
            used_at=now,
        )
    )
    await session.flush()
    return PhraseInsert(fill(test.variants[variant], panel.variables), test.id, variant)


async def do_promote_variant(
    session: AsyncSession, actor: Actor, test_id: int, variant: Any, now: datetime
) -> PhraseTest:
    """End a running test with ``variant`` the winner: its text becomes the phrase's."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    test = await load_phrase_test(session, actor, test_id)
    await lock_row(session, PhraseTest, test.id)
    await session.refresh(test)
    if test.status is not PhraseTestStatus.RUNNING:
        raise Conflict("this A/B test has already ended")
    if not isinstance(variant, int) or not 0 <= variant < len(test.variants):
        raise Invalid("no such variant in this test", field="variant")
    phrase = await fetch_owned(session, actor, QuickPhrase, test.phrase_id, "quick phrase")
    before = snapshot(phrase)
    phrase.body = test.variants[variant]
    test.status, test.winner, test.ended_at = PhraseTestStatus.ENDED, variant, now
    await session.flush()
    record_audit(
        session,
        actor,
        "phrase_test.promote",
        "quick_phrase",
        phrase.id,
        before=before,
        after=snapshot(phrase) | {"test_id": test.id, "winner": variant},
    )
    return test
