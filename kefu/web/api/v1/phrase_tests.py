"""Script A/B tests on quick phrases: start a test, insert a phrase into a conversation
(its sticky variant, recorded), read the outcomes per variant, promote the winner."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter
from pydantic import Field

from kefu.actions.phrase_tests import (
    MAX_VARIANTS,
    do_promote_variant,
    do_start_phrase_test,
    do_use_phrase,
    load_phrase_test,
)
from kefu.actions.phrases import MAX_PHRASE
from kefu.crm.stats import Comparison
from kefu.models import PhraseTestStatus
from kefu.models.base import utcnow
from kefu.queries.phrase_tests import ORDER_DAYS, TestResults, phrase_test_results
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["workspace"], responses=ERROR_RESPONSES)


class PhraseTestIn(ApiModel):
    variants: list[str] = Field(
        min_length=1,
        max_length=MAX_VARIANTS - 1,
        description=f"1 to {MAX_VARIANTS - 1} texts (each up to {MAX_PHRASE} characters, "
        "with the phrase variables) to test against the phrase's own text, variant 0",
    )


class PhraseTestOut(ApiModel):
    id: int
    phrase_id: int
    variants: list[str]
    status: PhraseTestStatus
    winner: int | None = Field(description="The promoted variant's index, once ended")
    created_at: datetime
    ended_at: datetime | None


class PhraseUseOut(ApiModel):
    text: str = Field(description="The text to insert, variables filled for the conversation")
    test_id: int | None = Field(description="Set when the phrase is under an A/B test")
    variant: int | None = Field(description="The conversation's variant (always the same)")


class PromoteIn(ApiModel):
    variant: int = Field(ge=0, lt=MAX_VARIANTS, description="The winning variant's index")


class VariantOutcomeOut(ApiModel):
    index: int
    text: str
    conversations: int = Field(description="Conversations the variant was used in")
    replied: int = Field(description="… where the shopper wrote after the first use")
    reply_rate: float | None
    ordered: int = Field(description=f"… whose customer ordered within {ORDER_DAYS} days")
    order_rate: float | None
    rated: int
    rating: float | None = Field(description="Average stars of the rated conversations")


class ComparisonOut(ApiModel):
    variant: int
    difference: float = Field(description="Rate of this variant minus that of variant 0")
    ci_low: float = Field(description="95 % confidence interval of the difference")
    ci_high: float
    z: float | None
    p_value: float | None = Field(description="Two-proportion z-test, two-sided")


class PhraseTestResultsOut(ApiModel):
    test: PhraseTestOut
    order_days: int
    variants: list[VariantOutcomeOut]
    reply: list[ComparisonOut] = Field(description="Reply rate of each variant against 0")
    order: list[ComparisonOut] = Field(description="Order rate of each variant against 0")


def _compared(comparisons: list[Comparison | None]) -> list[ComparisonOut]:
    return [
        ComparisonOut(variant=i, **asdict(c))
        for i, c in enumerate(comparisons, start=1)
        if c is not None
    ]


def _results_out(results: TestResults) -> PhraseTestResultsOut:
    return PhraseTestResultsOut(
        test=PhraseTestOut.model_validate(results.test),
        order_days=ORDER_DAYS,
        variants=[
            VariantOutcomeOut(
                index=v.index,
                text=v.text,
                conversations=v.conversations,
                replied=v.replied,
                reply_rate=v.reply_rate,
                ordered=v.ordered,
                order_rate=v.order_rate,
                rated=v.rated,
                rating=v.rating,
            )
            for v in results.variants
        ],
        reply=_compared(results.reply),
        order=_compared(results.order),
    )


@router.post(
    "/quick-phrases/{phrase_id}/tests",
    status_code=201,
    summary="Start an A/B test of a shop phrase's text against others",
    description="Supervisors; one running test per phrase. Conversations are split among "
    "the variants at random, each conversation always getting the same one.",
)
async def start_test(
    phrase_id: IdPath, body: PhraseTestIn, session: SessionDep, actor: ActorDep
) -> PhraseTestOut:
    test = await do_start_phrase_test(session, actor, phrase_id, body.variants)
    await session.commit()
    return PhraseTestOut.model_validate(test)


@router.post(
    "/conversations/{conversation_id}/quick-phrases/{phrase_id}/use",
    summary="Insert a phrase into a conversation: its text, or the conversation's variant",
    description="The composer calls this when an agent picks a phrase. Under a running "
    "A/B test the use is recorded for the test's results.",
)
async def use_phrase(
    conversation_id: IdPath, phrase_id: IdPath, session: SessionDep, actor: ActorDep
) -> PhraseUseOut:
    used = await do_use_phrase(session, actor, phrase_id, conversation_id, utcnow())
    await session.commit()
    return PhraseUseOut(**asdict(used))


@router.get(
    "/phrase-tests/{test_id}/results",
    summary="Outcomes per variant, with the z-test and 95 % interval against variant 0",
)
async def test_results(
    test_id: IdPath, session: SessionDep, actor: ActorDep
) -> PhraseTestResultsOut:
    test = await load_phrase_test(session, actor, test_id)
    return _results_out(await phrase_test_results(session, actor, test))


@router.post(
    "/phrase-tests/{test_id}/promote",
    summary="End a test: the winning variant's text becomes the phrase's",
)
async def promote(
    test_id: IdPath, body: PromoteIn, session: SessionDep, actor: ActorDep
) -> PhraseTestOut:
    test = await do_promote_variant(session, actor, test_id, body.variant, utcnow())
    await session.commit()
    return PhraseTestOut.model_validate(test)
