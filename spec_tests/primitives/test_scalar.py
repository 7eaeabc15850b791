"""Specs for primitives.scalar: clipping, signs, interpolation, schedules and moving averages."""

import math

import pytest

from policywerk.primitives import scalar
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


@exercise("primitives.scalar.clip")
def test_clip_moves_values_outside_the_interval_to_the_nearer_end():
    assert scalar.clip(1.7, -1.0, 1.0) == 1.0
    assert scalar.clip(-3.0, -1.0, 1.0) == -1.0
    assert scalar.clip(math.inf, 0.0, 2.0) == 2.0


@exercise("primitives.scalar.clip")
def test_clip_keeps_values_inside_the_interval_and_allows_a_single_point_interval():
    assert scalar.clip(0.25, -1.0, 1.0) == 0.25
    assert scalar.clip(-1.0, -1.0, 1.0) == -1.0  # the ends belong to the interval
    # low == high is a one-point interval, not an empty one: everything lands on it.
    assert scalar.clip(2.0, 0.5, 0.5) == 0.5
    assert scalar.clip(-2.0, 0.5, 0.5) == 0.5


@exercise("primitives.scalar.clip")
def test_clip_with_low_above_high_is_an_error_naming_both_bounds():
    with pytest.raises(ValueError) as error:
        scalar.clip(3.0, 5.0, 2.0)
    assert_names(error, 5.0, 2.0)


@exercise("primitives.scalar.sign")
def test_sign_is_plus_or_minus_one_by_the_side_of_zero():
    assert scalar.sign(2.5) == 1.0
    assert scalar.sign(-0.1) == -1.0
    assert scalar.sign(1e-300) == 1.0 and scalar.sign(-math.inf) == -1.0


@exercise("primitives.scalar.sign")
def test_sign_of_zero_is_zero_and_every_result_is_a_float():
    assert scalar.sign(0.0) == 0.0 and scalar.sign(-0.0) == 0.0
    results = [scalar.sign(value) for value in (7, -7, 0)]
    assert results == [1.0, -1.0, 0.0]
    assert all(type(result) is float for result in results)


@exercise("primitives.scalar.lerp")
def test_lerp_moves_the_fraction_of_the_way_from_start_to_end():
    # start + fraction·(end − start) = 1 + 0.5·(0.1 − 1) = 0.55
    assert scalar.lerp(1.0, 0.1, 0.5) == pytest.approx(0.55, rel=1e-12)
    assert scalar.lerp(2.0, 6.0, 0.25) == 3.0


@exercise("primitives.scalar.lerp")
def test_lerp_gives_start_at_fraction_zero_and_end_at_fraction_one():
    assert scalar.lerp(2.0, 6.0, 0.0) == 2.0
    assert scalar.lerp(2.0, 6.0, 1.0) == 6.0


@exercise("primitives.scalar.lerp")
def test_lerp_extrapolates_outside_zero_to_one():
    assert scalar.lerp(2.0, 6.0, 1.5) == 8.0  # 2 + 1.5·4
    assert scalar.lerp(2.0, 6.0, -0.5) == 0.0  # 2 − 0.5·4


@exercise("primitives.scalar.linear_schedule")
def test_linear_schedule_moves_linearly_then_stays_at_the_end():
    assert [scalar.linear_schedule(1.0, 0.0, 4, t) for t in (0, 1, 2, 4, 9)] == [1.0, 0.75, 0.5, 0.0, 0.0]


@exercise("primitives.scalar.linear_schedule")
def test_linear_schedule_for_dqn_exploration_is_halfway_after_half_a_million_frames():
    # Mnih et al.: ε from 1.0 to 0.1 over 10⁶ frames; at 5·10⁵ frames 1 − 0.5·0.9 = 0.55
    assert scalar.linear_schedule(1.0, 0.1, 1_000_000, 500_000) == pytest.approx(0.55, rel=1e-12)
    assert scalar.linear_schedule(1.0, 0.1, 1_000_000, 5_000_000) == pytest.approx(0.1, rel=1e-12)


@exercise("primitives.scalar.linear_schedule")
def test_linear_schedule_over_one_step_is_start_then_end():
    # min(step / 1, 1) is 0 at step 0 and 1 from step 1 on
    assert [scalar.linear_schedule(2.0, 5.0, 1, t) for t in (0, 1, 7)] == [2.0, 5.0, 5.0]


@exercise("primitives.scalar.linear_schedule")
def test_linear_schedule_needs_a_positive_duration_naming_it():
    with pytest.raises(ValueError):
        scalar.linear_schedule(1.0, 0.0, 0, 3)
    with pytest.raises(ValueError) as error:
        scalar.linear_schedule(1.0, 0.0, -4, 3)
    assert_names(error, -4)


@exercise("primitives.scalar.linear_schedule")
def test_linear_schedule_needs_a_step_not_below_zero_naming_it():
    with pytest.raises(ValueError) as error:
        scalar.linear_schedule(1.0, 0.0, 10, -2)
    assert_names(error, -2)


@exercise("primitives.scalar.ema")
def test_ema_mixes_the_average_and_the_new_value_by_the_decay():
    # 0.9·10 + 0.1·20 = 11
    assert scalar.ema(10.0, 20.0, 0.9) == pytest.approx(11.0, rel=1e-12)
    # 0.98·1 + 0.02·(−4) = 0.9
    assert scalar.ema(1.0, -4.0, 0.98) == pytest.approx(0.9, rel=1e-12)


@exercise("primitives.scalar.ema")
def test_ema_with_decay_one_keeps_the_average_and_with_decay_zero_takes_the_value():
    assert scalar.ema(3.0, 8.0, 1.0) == 3.0
    assert scalar.ema(3.0, 8.0, 0.0) == 8.0


@exercise("primitives.scalar.ema")
def test_ema_repeated_on_a_constant_value_converges_to_it():
    average = 0.0
    for _ in range(400):
        average = scalar.ema(average, 5.0, 0.9)
    # the distance left is 5·0.9⁴⁰⁰, about 2e-18
    assert average == pytest.approx(5.0, rel=1e-12)


@exercise("primitives.scalar.ema")
def test_ema_rejects_a_decay_outside_zero_to_one_naming_it():
    for decay in (1.5, -0.1):
        with pytest.raises(ValueError) as error:
            scalar.ema(1.0, 2.0, decay)
        assert_names(error, decay)
