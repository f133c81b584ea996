"""The staffing forecast: on a week-shaped series with noise the seasonal model beats
"same hour last week" in the backtest, and too little history gives the baseline or a
clear note instead of a made-up curve."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.lib.forecast import (
    NAIVE_ONLY,
    NO_BACKTEST,
    NOT_ENOUGH,
    WEEK,
    backtest,
    errors,
    forecast_week,
    seasonal_model,
    whole_weeks,
)

# A shop's day: quiet at night, busy late morning and in the evening (conversations/hour).
DAY = np.array(
    [2, 1, 1, 0.5, 0.5, 1, 2, 4, 8, 12, 15, 14, 11, 12, 13, 12, 11, 10, 12, 16, 20, 19, 12, 5]
)
WEEKDAY_FACTORS = np.array([1.0, 1.0, 1.0, 1.0, 1.1, 1.4, 1.3])  # weekends are busier


def shop_series(weeks: int, *, growth: float = 0.0, seed: int = 0) -> np.ndarray:
    """Poisson counts around the day × weekday shape, the level growing ``growth`` a week."""
    rng = np.random.default_rng(seed)
    shape = np.concatenate([DAY * f for f in WEEKDAY_FACTORS])
    level = 1 + growth * np.arange(weeks * WEEK) / WEEK
    return rng.poisson(np.tile(shape, weeks) * level).astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_model_beats_same_hour_last_week_on_eight_noisy_weeks(seed):
    result = forecast_week(shop_series(8, seed=seed))
    assert result.weeks == 8 and result.backtest_weeks == 4 and result.note is None
    # Averaging 4–7 weeks instead of taking one halves the noise's variance: with Poisson
    # counts the MAE ratio is about √((1 + 1/5) / 2) ≈ 0.77; 0.87 leaves room for the level.
    assert result.model_errors.mae < 0.87 * result.naive_errors.mae
    assert len(result.model) == len(result.naive) == WEEK


def test_the_model_follows_a_growing_level():
    result = forecast_week(shop_series(8, growth=0.05, seed=3))
    assert result.model_errors.mae < result.naive_errors.mae
    # The shape sums to 214 × 7.8 = 1,669.2 a week; the ninth week's level is about
    # 1 + 0.05 × 8.5 = 1.425 times that (the damped trend lags a little behind it).
    assert 1.3 * 1669.2 < sum(result.model) < 1.5 * 1669.2


def test_the_forecast_keeps_the_hour_of_the_week():
    result = forecast_week(shop_series(6, seed=4))
    shape = np.concatenate([DAY * f for f in WEEKDAY_FACTORS])
    assert np.corrcoef(result.model, shape)[0, 1] > 0.97
    assert result.model[5 * 24 + 20] > 20 > 2 > result.model[1 * 24 + 4]  # Sat 20:00, Tue 04:00


def test_a_perfectly_weekly_series_is_forecast_exactly():
    series = np.tile(np.arange(WEEK, dtype=float) % 24, 5)
    model_errors, naive_errors = backtest(series, 3)
    assert model_errors.mae == pytest.approx(0, abs=1e-9)
    assert naive_errors.mae == 0
    assert seasonal_model(series, 0.5) == pytest.approx(series[-WEEK:])


def test_under_a_week_there_is_no_forecast():
    result = forecast_week(shop_series(1)[:100])
    assert (result.note, result.model, result.naive, result.weeks) == (NOT_ENOUGH, None, None, 0)


def test_one_week_gives_the_baseline_only():
    series = shop_series(1, seed=5)
    result = forecast_week(np.concatenate([np.zeros(5 * WEEK), series]))  # silent weeks dropped
    assert result.note == NAIVE_ONLY and result.weeks == 1
    assert result.model is None and result.model_errors is None
    assert result.naive == series.tolist()


def test_two_weeks_give_both_forecasts_but_no_backtest():
    result = forecast_week(shop_series(2, seed=6))
    assert result.note == NO_BACKTEST and result.model is not None and result.model_errors is None


def test_history_is_cut_to_whole_weeks_from_the_first_conversation():
    series = np.concatenate([np.zeros(50), np.ones(WEEK + 30)])
    assert len(whole_weeks(series)) == WEEK
    assert len(whole_weeks(np.zeros(3 * WEEK))) == 0


def test_errors_by_hand():
    found = errors(np.array([2.0, 0.0, 4.0, 0.0]), np.array([1.0, 0.0, 2.0, 3.0]))
    # |gaps| 1, 0, 2, 3 → MAE 1.5; sMAPE (2/3 + 0 + 4/6 + 6/3) / 4 = 0.8333 → 83.33 %
    assert (found.mae, found.smape) == (1.5, 83.33)
