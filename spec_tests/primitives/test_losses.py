"""Specs for primitives.losses: the regression and classification losses with their gradients
checked against central differences, and DreamerV3's symlog, symexp and two-hot encoding."""

import math
import random

import pytest

from policywerk.primitives import losses
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# Losses written out here from their textbook formulas, so that a gradient spec checks the
# gradient alone and never leans on the learner's own loss.


def _mse(target):
    return lambda p: math.fsum((a - b) ** 2 for a, b in zip(p, target)) / len(p)


def _log_softmax(z):
    top = max(z)
    log_total = top + math.log(math.fsum(math.exp(v - top) for v in z))
    return [v - log_total for v in z]


def _cross_entropy(target):
    return lambda z: -math.fsum(t * l for t, l in zip(target, _log_softmax(z)))


def _huber(target, delta):
    def loss(p):
        total = 0.0
        for a, b in zip(p, target):
            e = abs(a - b)
            total += 0.5 * e * e if e <= delta else delta * (e - 0.5 * delta)
        return total / len(p)

    return loss


def _symlog(x):
    return math.copysign(math.log(1.0 + abs(x)), x)


def _uniform(seed, n, low=-3.0, high=3.0):
    generator = random.Random(seed)
    return [generator.uniform(low, high) for _ in range(n)]


def _probabilities(seed, n):
    weights = _uniform(seed, n, 0.1, 1.0)
    total = math.fsum(weights)
    return [w / total for w in weights]


BINS = [-2.0, -0.5, 0.0, 1.0, 4.0]


def _twohot(value, bins):
    """The two-hot weights of the twohot docstring, written out here (clamped at the ends)."""
    weights = [0.0] * len(bins)
    if value <= bins[0] or value >= bins[-1]:
        weights[0 if value <= bins[0] else -1] = 1.0
        return weights
    k = max(i for i in range(len(bins) - 1) if bins[i] <= value)
    weights[k + 1] = (value - bins[k]) / (bins[k + 1] - bins[k])
    weights[k] = (bins[k + 1] - value) / (bins[k + 1] - bins[k])
    return weights


# --- mse -----------------------------------------------------------------------------------


@exercise("primitives.losses.mse")
def test_mse_is_the_mean_of_the_squared_errors():
    # errors 0, −2, 3: (0 + 4 + 9) / 3
    assert losses.mse([1.0, 2.0, 5.0], [1.0, 4.0, 2.0]) == pytest.approx(13.0 / 3.0, rel=1e-12)


@exercise("primitives.losses.mse")
def test_mse_of_an_empty_prediction_is_an_error():
    with pytest.raises(ValueError):
        losses.mse([], [])


@exercise("primitives.losses.mse_gradient")
def test_mse_gradient_matches_central_differences():
    for seed in range(3):
        prediction, target = _uniform(seed, 6), _uniform(100 + seed, 6)
        check_gradient(_mse(target), prediction, losses.mse_gradient(prediction, target))


@exercise("primitives.losses.mse_gradient")
def test_mse_gradient_is_two_times_the_error_over_n():
    # 2·(p − t)/n with n = 4: errors 1, −2, 0.5, 0
    assert losses.mse_gradient([1.0, 0.0, 2.5, 7.0], [0.0, 2.0, 2.0, 7.0]) == [0.5, -1.0, 0.25, 0.0]


@exercise("primitives.losses.mse_gradient")
def test_mse_gradient_of_an_empty_prediction_is_an_error():
    with pytest.raises(ValueError):
        losses.mse_gradient([], [])


# --- cross_entropy -------------------------------------------------------------------------


@exercise("primitives.losses.cross_entropy")
def test_cross_entropy_of_a_one_hot_target_is_minus_the_log_softmax_at_the_label():
    logits = _uniform(7, 5)
    for label in range(5):
        one_hot = [1.0 if i == label else 0.0 for i in range(5)]
        assert losses.cross_entropy(logits, one_hot) == pytest.approx(-_log_softmax(logits)[label], rel=1e-12)


@exercise("primitives.losses.cross_entropy")
def test_cross_entropy_of_a_two_hot_target_weighs_both_log_probabilities():
    # softmax(0, ln 3) = (¼, ¾); target (½, ½): −(½·log ¼ + ½·log ¾)
    expected = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    assert losses.cross_entropy([0.0, math.log(3.0)], [0.5, 0.5]) == pytest.approx(expected, rel=1e-12)


@exercise("primitives.losses.cross_entropy")
def test_cross_entropy_of_huge_logits_stays_finite_and_correct():
    # log softmax(1000, 0) = (0, −1000) and log softmax(−1000, 0) = (−1000, 0), computed stably
    assert losses.cross_entropy([1000.0, 0.0], [0.0, 1.0]) == 1000.0
    assert losses.cross_entropy([-1000.0, 0.0], [1.0, 0.0]) == 1000.0
    assert losses.cross_entropy([1000.0, 1000.0], [1.0, 0.0]) == pytest.approx(math.log(2.0), rel=1e-12)


@exercise("primitives.losses.cross_entropy")
def test_cross_entropy_of_no_logits_is_an_error():
    with pytest.raises(ValueError):
        losses.cross_entropy([], [])


@exercise("primitives.losses.cross_entropy_gradient")
def test_cross_entropy_gradient_matches_central_differences():
    for seed in range(3):
        logits, target = _uniform(seed, 6), _probabilities(200 + seed, 6)
        check_gradient(_cross_entropy(target), logits, losses.cross_entropy_gradient(logits, target))


@exercise("primitives.losses.cross_entropy_gradient")
def test_cross_entropy_gradient_holds_for_a_target_that_does_not_sum_to_one():
    # the general formula softmax(z)·Σt − t, not just softmax(z) − t
    logits, target = _uniform(5, 4), [0.5, 0.0, 2.0, 0.25]
    check_gradient(_cross_entropy(target), logits, losses.cross_entropy_gradient(logits, target))


@exercise("primitives.losses.cross_entropy_gradient")
def test_cross_entropy_gradient_is_predicted_minus_wanted_probabilities():
    # softmax(0, ln 3) = (¼, ¾), target (0, 1)
    assert losses.cross_entropy_gradient([0.0, math.log(3.0)], [0.0, 1.0]) == pytest.approx([0.25, -0.25], rel=1e-12)


@exercise("primitives.losses.cross_entropy_gradient")
def test_cross_entropy_gradient_of_huge_logits_stays_finite_and_correct():
    # softmax(1000, 0) = (1, 0); softmax(−1000, −1000) = (½, ½)
    assert losses.cross_entropy_gradient([1000.0, 0.0], [0.0, 1.0]) == [1.0, -1.0]
    assert losses.cross_entropy_gradient([-1000.0, -1000.0], [1.0, 0.0]) == [-0.5, 0.5]


# --- huber ---------------------------------------------------------------------------------


@exercise("primitives.losses.huber")
def test_huber_is_half_the_squared_error_inside_delta():
    # ½·e² for e = 0.5, −1.5 (δ = 2): (0.125 + 1.125) / 2
    assert losses.huber([1.5, -1.0], [1.0, 0.5], delta=2.0) == 0.625


@exercise("primitives.losses.huber")
def test_huber_is_linear_outside_delta():
    # δ·(|e| − δ/2) for e = 5, −3 (δ = 2): (2·4 + 2·2) / 2
    assert losses.huber([5.0, -1.0], [0.0, 2.0], delta=2.0) == 6.0


@exercise("primitives.losses.huber")
def test_huber_mixes_both_pieces_and_uses_delta_one_by_default():
    # (½·0.5² + 1·(3 − ½)) / 2 = (0.125 + 2.5) / 2; at |e| = δ both pieces give ½·δ²
    assert losses.huber([0.5, 3.0], [0.0, 0.0]) == 1.3125
    assert losses.huber([3.0], [0.0], delta=3.0) == 4.5


@exercise("primitives.losses.huber")
@pytest.mark.parametrize("delta", [0.0, -1.5])
def test_huber_rejects_a_delta_that_is_not_positive_naming_it(delta):
    with pytest.raises(ValueError) as error:
        losses.huber([1.0], [0.0], delta=delta)
    assert_names(error, delta)


@exercise("primitives.losses.huber")
def test_huber_of_an_empty_prediction_is_an_error():
    with pytest.raises(ValueError):
        losses.huber([], [])


@exercise("primitives.losses.huber_gradient")
@pytest.mark.parametrize("delta", [1.0, 0.4])
def test_huber_gradient_matches_central_differences_away_from_the_kinks(delta):
    generator = random.Random(int(delta * 10))
    prediction, target = [], []
    while len(prediction) < 8:
        p, t = generator.uniform(-2.0, 2.0), generator.uniform(-2.0, 2.0)
        if abs(abs(p - t) - delta) > 0.05:  # |e| = δ is where the second derivative jumps
            prediction.append(p)
            target.append(t)
    check_gradient(_huber(target, delta), prediction, losses.huber_gradient(prediction, target, delta))


@exercise("primitives.losses.huber_gradient")
def test_huber_gradient_is_the_error_clipped_to_delta_over_n():
    # clip(e, −δ, δ)/n with δ = 2, n = 4: errors 1, 5, −3, −0.5
    assert losses.huber_gradient([1.0, 5.0, -3.0, 0.5], [0.0, 0.0, 0.0, 1.0], delta=2.0) == [0.25, 0.5, -0.5, -0.125]


@exercise("primitives.losses.huber_gradient")
@pytest.mark.parametrize("delta", [0.0, -1.5])
def test_huber_gradient_rejects_a_delta_that_is_not_positive_naming_it(delta):
    with pytest.raises(ValueError) as error:
        losses.huber_gradient([1.0], [0.0], delta=delta)
    assert_names(error, delta)


@exercise("primitives.losses.huber_gradient")
def test_huber_gradient_of_an_empty_prediction_is_an_error():
    with pytest.raises(ValueError):
        losses.huber_gradient([], [])


# --- symlog and symexp ---------------------------------------------------------------------


@exercise("primitives.losses.symlog")
def test_symlog_is_the_signed_log_of_one_plus_the_magnitude():
    # ln(1 + (e − 1)) = 1, and symlog is odd
    assert losses.symlog(math.e - 1.0) == pytest.approx(1.0, rel=1e-12)
    assert losses.symlog(1.0 - math.e) == pytest.approx(-1.0, rel=1e-12)
    assert losses.symlog(99.0) == pytest.approx(math.log(100.0), rel=1e-12)


@exercise("primitives.losses.symlog")
def test_symlog_is_nearly_the_identity_near_zero_and_stays_finite_far_out():
    assert losses.symlog(0.0) == 0.0
    assert losses.symlog(1e-12) == pytest.approx(1e-12, rel=1e-9)
    assert losses.symlog(-1e300) == pytest.approx(-300.0 * math.log(10.0), rel=1e-12)


@exercise("primitives.losses.symlog_derivative")
@pytest.mark.parametrize("x", [-7.5, -0.8, 0.3, 2.0, 40.0])
def test_symlog_derivative_matches_central_differences(x):
    check_gradient(lambda point: _symlog(point[0]), [x], [losses.symlog_derivative(x)])


@exercise("primitives.losses.symlog_derivative")
def test_symlog_derivative_is_one_over_one_plus_the_magnitude_on_both_sides():
    # 1 / (1 + 3) on either side; 1 at 0, where symlog is smooth
    assert (losses.symlog_derivative(3.0), losses.symlog_derivative(-3.0)) == (0.25, 0.25)
    assert losses.symlog_derivative(0.0) == 1.0


@exercise("primitives.losses.symexp")
def test_symexp_is_the_signed_exponential_minus_one():
    # e^1 − 1, and symexp is odd
    assert losses.symexp(1.0) == pytest.approx(math.e - 1.0, rel=1e-12)
    assert losses.symexp(-math.log(100.0)) == pytest.approx(-99.0, rel=1e-12)


@exercise("primitives.losses.symexp")
def test_symexp_undoes_symlog():
    # symlog written out here (log1p keeps tiny |x| exact), so only symexp is under test
    for x in [-1e6, -3.7, -1e-9, 0.0, 0.5, 12.0, 2.5e8]:
        assert losses.symexp(math.copysign(math.log1p(abs(x)), x)) == pytest.approx(x, rel=1e-12, abs=1e-300)


# --- twohot --------------------------------------------------------------------------------


@exercise("primitives.losses.twohot")
def test_twohot_splits_the_weight_between_the_two_neighbouring_bins():
    # 0.25 lies a quarter of the way from bin 0.0 to bin 1.0
    assert losses.twohot(0.25, BINS) == [0.0, 0.0, 0.75, 0.25, 0.0]
    # −1.25 lies halfway between −2 and −0.5
    assert losses.twohot(-1.25, BINS) == [0.5, 0.5, 0.0, 0.0, 0.0]


@exercise("primitives.losses.twohot")
def test_twohot_weights_sum_to_one_and_their_mean_is_the_value():
    for value in _uniform(9, 20, -2.0, 4.0):
        weights = losses.twohot(value, BINS)
        assert math.fsum(weights) == pytest.approx(1.0, abs=1e-12)
        assert math.fsum(w * b for w, b in zip(weights, BINS)) == pytest.approx(value, abs=1e-12)
        assert sum(1 for w in weights if w != 0.0) <= 2


@exercise("primitives.losses.twohot")
def test_twohot_of_a_value_exactly_on_a_bin_puts_all_the_weight_there():
    assert losses.twohot(1.0, BINS) == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert losses.twohot(-2.0, BINS) == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert losses.twohot(4.0, BINS) == [0.0, 0.0, 0.0, 0.0, 1.0]


@exercise("primitives.losses.twohot")
def test_twohot_clamps_values_outside_the_bins_to_the_end_bins():
    assert losses.twohot(-50.0, BINS) == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert losses.twohot(4.001, BINS) == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert losses.twohot(1e300, BINS) == [0.0, 0.0, 0.0, 0.0, 1.0]


@exercise("primitives.losses.twohot")
@pytest.mark.parametrize(
    "bins, named",
    [
        ([0.0, 1.0, 2.0, 2.0], 3),  # bins[3] = bins[2]: the first index that does not increase
        ([0.0, 2.0, 5.0, 4.0], 3),
        ([3.0, -1.0], 1),
        ([1.0], 1),  # one bin: the count
    ],
    ids=["repeated", "decreasing", "reversed", "single"],
)
def test_twohot_rejects_bins_that_do_not_increase_strictly_naming_where(bins, named):
    with pytest.raises(ValueError) as error:
        losses.twohot(0.5, bins)
    assert_names(error, named)


@exercise("primitives.losses.twohot_decode")
def test_twohot_decode_is_the_mean_of_the_bins_under_the_probabilities():
    # 0.2·(−1) + 0.5·0 + 0.3·2
    assert losses.twohot_decode([0.2, 0.5, 0.3], [-1.0, 0.0, 2.0]) == pytest.approx(0.4, rel=1e-12)


@exercise("primitives.losses.twohot_decode")
def test_twohot_decode_with_bins_of_another_length_is_an_error_naming_both_lengths():
    with pytest.raises(ValueError) as error:
        losses.twohot_decode([0.5, 0.5], [0.0, 1.0, 2.0])
    assert_names(error, 2, 3)


@exercise("primitives.losses.twohot_decode")
def test_twohot_decode_gives_back_a_twohot_encoded_value_inside_the_range():
    # the weights from the twohot formula, written out here: Σ weight·bin is the value
    for value in [-1.999, -0.75, -0.5, 0.1, 3.5, 3.999]:
        assert losses.twohot_decode(_twohot(value, BINS), BINS) == pytest.approx(value, abs=1e-12)


@exercise("primitives.losses.twohot_decode")
def test_twohot_decode_gives_back_the_clamped_value_outside_the_range():
    assert losses.twohot_decode(_twohot(-9.0, BINS), BINS) == -2.0
    assert losses.twohot_decode(_twohot(250.0, BINS), BINS) == 4.0


# --- shape errors --------------------------------------------------------------------------


def _mismatch(name, call):
    return pytest.param(call, marks=exercise(f"primitives.losses.{name}"), id=name)


@pytest.mark.parametrize(
    "call",
    [
        _mismatch("mse", lambda: losses.mse([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("mse_gradient", lambda: losses.mse_gradient([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("cross_entropy", lambda: losses.cross_entropy([1.0, 2.0, 3.0], [1.0, 0.0])),
        _mismatch("cross_entropy_gradient", lambda: losses.cross_entropy_gradient([1.0, 2.0, 3.0], [1.0, 0.0])),
        _mismatch("huber", lambda: losses.huber([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("huber_gradient", lambda: losses.huber_gradient([1.0, 2.0, 3.0], [1.0, 2.0])),
    ],
)
def test_a_prediction_and_target_of_different_lengths_is_an_error_naming_both_lengths(call):
    with pytest.raises(ValueError) as error:
        call()
    assert_names(error, 3, 2)


@exercise("primitives.losses.cross_entropy_gradient")
def test_cross_entropy_and_its_gradient_refuse_empty_logits():
    with pytest.raises(ValueError):
        losses.cross_entropy_gradient([], [])
