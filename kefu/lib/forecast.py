"""How many conversations will open in each hour of the next week, for staffing, and how
far to trust it: a seasonal model next to the seasonal-naive baseline (each hour as the
same hour last week), both scored by a rolling-origin backtest over the last weeks.

The model: shape × level. Inbound volume has a strong hour-of-week shape (quiet nights,
busy evenings, a different weekend) and a level that drifts (a campaign, the season). The
shape is each hour's share of its week, averaged over past weeks with exponentially
decaying weights (``decay`` per week back), so one noisy week counts less than it does in
the naive forecast; the level is the weekly total smoothed by Holt's linear method with a
damped trend, so growth carries on without running away. ``decay`` is chosen per origin
from a few candidates by how well each forecast the last week of the history it may see,
so the backtest never peeks at what it scores.

Pure numpy: a series is hourly counts, oldest first, ending at the forecast origin; its
hour-of-week is implied (the hour ``WEEK`` hours before a forecast hour is the same hour
of the week), so no calendar is needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WEEK = 168
MIN_MODEL_WEEKS = 2  # the model needs two weeks to see a level move; naive needs one
MAX_BACKTEST_WEEKS = 4
DECAYS = (0.3, 0.5, 0.7, 0.9)  # candidate weights of the week before, per week back
FIT_WEEKS = 2  # the decay is judged on forecasts of up to this many trailing weeks
LEVEL_ALPHA = 0.5  # Holt's smoothing of the weekly level …
TREND_BETA = 0.3  # … of its trend …
DAMPING = 0.8  # … and how much of the trend carries into the next week

NOT_ENOUGH = "not_enough_history"  # under one week: no forecast at all
NAIVE_ONLY = "naive_only"  # one week: the naive forecast only, no backtest
NO_BACKTEST = "no_backtest"  # two weeks: both forecasts, nothing left to score them on


@dataclass(frozen=True, slots=True)
class Errors:
    """Errors of one method over the backtest's hours: MAE in conversations per hour,
    sMAPE in percent (an hour where both are zero counts as no error)."""

    mae: float
    smape: float


@dataclass(frozen=True, slots=True)
class Forecast:
    """The next ``WEEK`` hours by the model (``None`` without enough history) and by the
    naive baseline, and the backtest of both (``None`` when there is too little history);
    ``note`` names what is missing (``NOT_ENOUGH``, ``NAIVE_ONLY``, ``NO_BACKTEST``)."""

    weeks: int  # whole weeks of history used
    model: list[float] | None
    naive: list[float] | None
    model_errors: Errors | None = None
    naive_errors: Errors | None = None
    backtest_weeks: int = 0
    decay: float | None = None
    note: str | None = None


def whole_weeks(counts: Sequence[float]) -> np.ndarray:
    """The history as whole weeks ending at the origin: the oldest partial week is
    dropped, then the silent weeks before the first conversation (a shop that opened three
    weeks ago has three weeks of history, not eight with five empty ones)."""
    series = np.asarray(counts, dtype=np.float64)
    weeks = series[len(series) % WEEK :].reshape(-1, WEEK)
    active = np.flatnonzero(weeks.sum(axis=1))
    return weeks[active[0] :].ravel() if len(active) else series[:0]


def seasonal_naive(history: np.ndarray) -> np.ndarray:
    """Each hour of the next week as the same hour of the last week."""
    return history[-WEEK:].copy()


def seasonal_model(history: np.ndarray, decay: float) -> np.ndarray:
    """The next week: the exponentially weighted hour-of-week shape × the Holt level."""
    weeks = history.reshape(-1, WEEK)
    totals = weeks.sum(axis=1)
    shares = np.divide(weeks, totals[:, None], out=np.zeros_like(weeks), where=totals[:, None] > 0)
    weights = decay ** np.arange(len(weeks))[::-1]  # the last week weighs 1
    shape = weights @ shares / weights.sum()
    return shape * max(_holt_next(totals), 0.0)


def _holt_next(totals: np.ndarray) -> float:
    """The next weekly total by Holt's linear method with a damped trend."""
    level, trend = float(totals[0]), float(totals[1] - totals[0]) if len(totals) > 1 else 0.0
    for total in totals[1:]:
        previous = level
        level = LEVEL_ALPHA * total + (1 - LEVEL_ALPHA) * (level + DAMPING * trend)
        trend = TREND_BETA * (level - previous) + (1 - TREND_BETA) * DAMPING * trend
    return level + DAMPING * trend


def fitted_decay(history: np.ndarray) -> float:
    """The candidate decay whose model best forecasts the history's last weeks (up to
    ``FIT_WEEKS``, each from the weeks before it); the middle one when there are too few
    weeks to judge. One week alone is a noisy judge: it often prefers a short memory."""
    judged = min(FIT_WEEKS, len(history) // WEEK - MIN_MODEL_WEEKS)
    if judged < 1:
        return DECAYS[len(DECAYS) // 2]
    errors = np.zeros(len(DECAYS))
    for back in range(1, judged + 1):
        origin = len(history) - back * WEEK
        seen, actual = history[:origin], history[origin : origin + WEEK]
        errors += [np.abs(seasonal_model(seen, d) - actual).mean() for d in DECAYS]
    return DECAYS[int(np.argmin(errors))]


def errors(forecasts: np.ndarray, actual: np.ndarray) -> Errors:
    """MAE and sMAPE of ``forecasts`` against ``actual``."""
    gap = np.abs(forecasts - actual)
    scale = np.abs(forecasts) + np.abs(actual)
    ratio = np.divide(2 * gap, scale, out=np.zeros_like(gap), where=scale > 0)
    return Errors(round(float(gap.mean()), 3), round(float(ratio.mean() * 100), 2))


def backtest(history: np.ndarray, weeks: int) -> tuple[Errors, Errors]:
    """Rolling origin over the last ``weeks`` weeks: from the start of each, forecast its
    week with what came before it, by the model and by naive; errors over all their hours."""
    model, naive, actual = [], [], []
    for back in range(weeks, 0, -1):
        origin = len(history) - back * WEEK
        seen = history[:origin]
        model.append(seasonal_model(seen, fitted_decay(seen)))
        naive.append(seasonal_naive(seen))
        actual.append(history[origin : origin + WEEK])
    truth = np.concatenate(actual)
    return errors(np.concatenate(model), truth), errors(np.concatenate(naive), truth)


def forecast_week(counts: Sequence[float], *, backtest_weeks: int = MAX_BACKTEST_WEEKS) -> Forecast:
    """Forecast the ``WEEK`` hours after ``counts`` (hourly, oldest first), with as long a
    backtest as the history allows (up to ``backtest_weeks``; each origin keeps at least
    ``MIN_MODEL_WEEKS`` weeks to fit on)."""
    history = whole_weeks(counts)
    weeks = len(history) // WEEK
    if weeks < 1:
        return Forecast(0, None, None, note=NOT_ENOUGH)
    naive = seasonal_naive(history).tolist()
    if weeks < MIN_MODEL_WEEKS:
        return Forecast(weeks, None, naive, note=NAIVE_ONLY)
    decay = fitted_decay(history)
    model = [round(float(v), 3) for v in seasonal_model(history, decay)]
    scored = min(backtest_weeks, weeks - MIN_MODEL_WEEKS)
    if scored < 1:
        return Forecast(weeks, model, naive, decay=decay, note=NO_BACKTEST)
    model_errors, naive_errors = backtest(history, scored)
    return Forecast(weeks, model, naive, model_errors, naive_errors, scored, decay)
