"""The scores of the multi-seed time-to-accuracy race (bench/bench_train.py): pure functions, hand-checked."""

import math

from bench.bench_train import _mean_curve_crossing, _median_speedup, _mlperf_time


def test_mlperf_time_drops_fastest_and_slowest():
    assert _mlperf_time([10.0, 50.0, 20.0, 30.0, 1.0]) == (10.0 + 20.0 + 30.0) / 3


def test_mlperf_time_counts_a_miss_as_the_slowest():
    assert _mlperf_time([10.0, None, 20.0, 30.0, 40.0]) == (20.0 + 30.0 + 40.0) / 3
    assert _mlperf_time([None, None, 20.0, 30.0, 40.0]) is None  # a kept run never reached it


def test_median_speedup_scores_misses_as_losses_or_wins():
    assert _median_speedup([(10.0, 30.0), (10.0, 20.0), (None, 20.0)]) == 2.0  # ratios 0, 2, 3
    assert _median_speedup([(10.0, None), (10.0, 20.0), (10.0, 30.0)]) == 3.0  # ratios 2, 3, inf
    assert _median_speedup([(None, None), (10.0, 20.0), (10.0, 40.0)]) == 3.0  # neither crossed: left out
    assert _median_speedup([(None, None)]) is None
    assert math.isinf(_median_speedup([(1.0, None)]))


def test_mean_curve_crossing_averages_seeds_at_shared_steps():
    a = [{"step": 50, "accuracy": 0.80, "train_s": 5.0}, {"step": 100, "accuracy": 0.86, "train_s": 10.0}]
    b = [{"step": 50, "accuracy": 0.86, "train_s": 6.0}, {"step": 100, "accuracy": 0.84, "train_s": 12.0}]
    # step 50: mean 0.83 (one seed above 85 % is luck); step 100: mean 0.85
    crossing = _mean_curve_crossing([a, b], 0.85)
    assert crossing["step"] == 100 and crossing["train_s"] == 11.0
    assert _mean_curve_crossing([a, b], 0.9) is None
    assert _mean_curve_crossing([a, b[:1]], 0.85) is None  # step 100 is not shared
