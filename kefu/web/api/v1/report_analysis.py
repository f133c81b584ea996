"""Analysis of a shop's service (owners, supervisors, analysts and API keys: the
``view_reports`` permission): rising topics of shoppers' messages, the hourly inbound
forecast for staffing with its backtest, and which first intents precede orders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from kefu.reports.forecast import inbound_forecast
from kefu.reports.intents import intents_before_orders
from kefu.reports.topics import MAX_TOPICS, shop_topics
from kefu.web.api.v1.report_params import ReportQueryDep
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)


class ExampleOut(ApiModel):
    message_id: int
    conversation_id: int
    text: str = Field(description="What the shopper wrote (its first 500 characters)")
    at: AwareDatetime


class TopicOut(ApiModel):
    terms: list[str] = Field(description="The topic's telling words, heaviest first")
    now: int = Field(description="Messages of the last 7 days in the topic")
    before: int = Field(description="Messages of the 28 days before in the topic")
    share_now: float = Field(description="Of the last 7 days' messages, 0–1")
    share_before: float
    rising: float = Field(
        description="How far `now` exceeds what the topic's earlier share predicts, in "
        "standard deviations of a count; above 3 is a real rise"
    )
    examples: list[ExampleOut] = Field(description="Up to 3 recent messages of the topic")


class TopicsOut(ApiModel):
    recent_start: AwareDatetime
    reference_start: AwareDatetime
    end: AwareDatetime
    recent_messages: int = Field(description="Shopper messages read from the last 7 days")
    reference_messages: int
    topics: list[TopicOut] = Field(description="Most rising first")


class ErrorsOut(ApiModel):
    mae: float = Field(description="Mean absolute error, conversations per hour")
    smape: float = Field(description="Symmetric mean absolute percentage error, %")


class ForecastHourOut(ApiModel):
    hour: AwareDatetime
    model: float | None = Field(description="null: too little history for the model")
    naive: float | None = Field(description="The same hour last week")


class ForecastOut(ApiModel):
    origin: AwareDatetime = Field(description="The first forecast hour")
    history_weeks: int = Field(description="Whole weeks of history the forecast used")
    history: list[float] = Field(description="Conversations opened per hour, 8 weeks to origin")
    forecast: list[ForecastHourOut] = Field(description="The next 168 hours")
    backtest_weeks: int = Field(description="Weeks scored by the rolling-origin backtest")
    model_errors: ErrorsOut | None
    naive_errors: ErrorsOut | None
    note: str | None = Field(
        description="not_enough_history (under a week), naive_only (one week), "
        "no_backtest (two weeks); null when all is there"
    )


class IntentOut(ApiModel):
    intent: str = Field(description="Intent code of the shopper's first message")
    conversations: int
    converted: int = Field(description="Conversations followed by a conversion fact")
    rate: float = Field(description="converted / conversations, 0–1")


class IntentsOut(ApiModel):
    conversations: int = Field(description="Conversations read (the newest 5,000 at most)")
    without_message: int = Field(description="Conversations without a shopper text message")
    converted: int
    intents: list[IntentOut] = Field(description="Highest conversion rate first")


@router.get("/reports/topics", summary="Rising topics of shoppers' messages")
async def get_topics(
    session: SessionDep,
    actor: ActorDep,
    query: ReportQueryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_TOPICS, description="Topics to return")] = 10,
) -> TopicsOut:
    """The last 7 days of the period against the 28 days before it."""
    report = await shop_topics(session, actor, query.period, query.filters, limit=limit)
    return TopicsOut.model_validate(report)


@router.get("/reports/forecast", summary="Hourly inbound forecast with its backtest")
async def get_forecast(session: SessionDep, actor: ActorDep, query: ReportQueryDep) -> ForecastOut:
    """Conversations opened per hour for the next 7 days after the period's end (or from
    now), by the seasonal model and by the seasonal-naive baseline."""
    report = await inbound_forecast(session, actor, query.period, query.filters)
    result = report.forecast
    hours: list[datetime] = report.hours()
    return ForecastOut(
        origin=report.origin,
        history_weeks=result.weeks,
        history=report.history,
        forecast=[
            ForecastHourOut(
                hour=hour,
                model=result.model[i] if result.model else None,
                naive=result.naive[i] if result.naive else None,
            )
            for i, hour in enumerate(hours)
        ],
        backtest_weeks=result.backtest_weeks,
        model_errors=result.model_errors,
        naive_errors=result.naive_errors,
        note=result.note,
    )


@router.get("/reports/intents", summary="Conversion rate by the shopper's first intent")
async def get_intents(session: SessionDep, actor: ActorDep, query: ReportQueryDep) -> IntentsOut:
    report = await intents_before_orders(session, actor, query.period, query.filters)
    return IntentsOut.model_validate(report)
