"""Quality inspection of a draft reply, for the composer: findings with their words, a
tip and a rewrite, and whether the shop's settings would stop it from being sent."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from kefu.actions.quality import MAX_TEXT, do_check_reply
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/quality", tags=["quality"], responses=ERROR_RESPONSES)


class CheckIn(ApiModel):
    text: str = Field(max_length=MAX_TEXT, description="The draft reply", examples=["这都不懂吗？"])
    context: str | None = Field(
        None, max_length=MAX_TEXT, description="The shopper's previous message"
    )


class SpanOut(ApiModel):
    start: int = Field(description="Offset of the first character (Unicode code points)")
    end: int = Field(description="Offset after the last character")
    text: str = Field(description="The flagged words, text[start:end]")
    rule: str = Field(description="phrase:<entry>, pattern:<name> or stacked:<entry>")


class FindingOut(ApiModel):
    code: str = Field(description="One of the eight finding codes of docs/quality.md")
    label_zh: str = Field(examples=["蔑视语"])
    label_en: str = Field(examples=["contempt"])
    blocking: bool = Field(description="The shop refuses to send a reply with this code")
    why_zh: str = Field(
        description="The words or rule behind the finding (for a finding only the trained "
        "model made, the clause it read)"
    )
    why_en: str
    tip_zh: str = Field(description="How to say it instead (observation, feeling, need, request)")
    tip_en: str
    suggestion: str = Field(description="The clause the rewrite puts in place of the flagged one")
    spans: list[SpanOut]


class CheckOut(ApiModel):
    findings: list[FindingOut] = Field(description="Empty for a good reply")
    blocked: bool = Field(description="Sending this reply would be refused (422)")
    rewrite: str | None = Field(description="The whole reply rewritten; null when not needed")


@router.post("/check", summary="Check a draft reply: findings, why, and a suggested rewrite")
async def check_reply(body: CheckIn, session: SessionDep, actor: ActorDep) -> CheckOut:
    review = await do_check_reply(session, actor, body.text, body.context)
    return CheckOut(
        findings=[
            FindingOut(
                code=advice.code,
                label_zh=advice.label_zh,
                label_en=advice.label_en,
                blocking=advice.code in review.blocking,
                why_zh=advice.why_zh,
                why_en=advice.why_en,
                tip_zh=advice.tip_zh,
                tip_en=advice.tip_en,
                suggestion=advice.suggestion,
                spans=[SpanOut.model_validate(span) for span in advice.spans],
            )
            for advice in review.findings
        ],
        blocked=bool(review.blocking),
        rewrite=review.rewrite,
    )
