"""Specs for primitives.activations: each activation, its derivative or backward pass checked
against central differences, and the stability promises for large logits."""

import math
import random

import pytest

from policywerk.primitives import activations
from spec_tests.gradcheck import check_elementwise_derivative, check_vector_jacobian_product
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# Forward functions written out here from their textbook formulas, so that a gradient spec
# checks the derivative alone and never leans on the learner's own forward pass.


def _sigmoid(x):
    return [1.0 / (1.0 + math.exp(-v)) for v in x]


def _tanh(x):
    return [(math.exp(v) - math.exp(-v)) / (math.exp(v) + math.exp(-v)) for v in x]


def _relu(x):
    return [max(0.0, v) for v in x]


def _elu(alpha):
    return lambda x: [v if v > 0.0 else alpha * (math.exp(v) - 1.0) for v in x]


def _softmax(x):
    weights = [math.exp(v) for v in x]
    total = math.fsum(weights)
    return [w / total for w in weights]


def _log_softmax(x):
    log_total = math.log(math.fsum(math.exp(v) for v in x))
    return [v - log_total for v in x]


def _layer_norm(epsilon):
    def forward(x):
        n = len(x)
        mu = math.fsum(x) / n
        variance = math.fsum((v - mu) ** 2 for v in x) / n
        return [(v - mu) / math.sqrt(variance + epsilon) for v in x]

    return forward


def _uniform(seed, n, low=-4.0, high=4.0):
    generator = random.Random(seed)
    return [generator.uniform(low, high) for _ in range(n)]


def _away_from_zero(seed, n, low=-4.0, high=4.0, gap=0.05):
    """Seeded points that keep clear of a kink at 0."""
    generator = random.Random(seed)
    points = []
    while len(points) < n:
        v = generator.uniform(low, high)
        if abs(v) > gap:
            points.append(v)
    return points


# --- sigmoid -------------------------------------------------------------------------------


@exercise("primitives.activations.sigmoid")
def test_sigmoid_is_one_over_one_plus_e_to_the_minus_v():
    # σ(0) = 1/2; σ(ln 3) = 1 / (1 + 1/3) = 3/4; σ(−ln 3) = 1 / (1 + 3) = 1/4
    assert activations.sigmoid([0.0, math.log(3.0), -math.log(3.0)]) == pytest.approx([0.5, 0.75, 0.25], rel=1e-12)


@exercise("primitives.activations.sigmoid")
def test_sigmoid_of_minus_v_is_one_minus_sigmoid_of_v():
    x = _uniform(1, 8, -10.0, 10.0)
    positive = activations.sigmoid(x)
    negative = activations.sigmoid([-v for v in x])
    assert [p + q for p, q in zip(positive, negative)] == pytest.approx([1.0] * 8, rel=1e-12)
    assert all(0.0 < p < 1.0 for p in positive)


@exercise("primitives.activations.sigmoid")
def test_sigmoid_of_huge_logits_stays_finite_and_saturates():
    # e^(−v) overflows for v below about −709: a stable sigmoid never evaluates it.
    assert activations.sigmoid([1000.0, -1000.0, -710.0]) == [1.0, 0.0, pytest.approx(math.exp(-710.0), rel=1e-9)]


@exercise("primitives.activations.sigmoid_derivative")
def test_sigmoid_derivative_matches_central_differences():
    check_elementwise_derivative(_sigmoid, activations.sigmoid_derivative, _uniform(11, 10, -6.0, 6.0))


@exercise("primitives.activations.sigmoid_derivative")
def test_sigmoid_derivative_peaks_at_a_quarter_and_vanishes_for_huge_logits():
    # σ(0)·(1 − σ(0)) = ½·½; far out σ is 0 or 1, so σ·(1 − σ) is 0, not an overflow.
    assert activations.sigmoid_derivative([0.0, 1000.0, -1000.0]) == [0.25, 0.0, 0.0]


# --- tanh ----------------------------------------------------------------------------------


@exercise("primitives.activations.tanh")
def test_tanh_follows_its_definition_and_is_odd():
    # tanh(v) = (e^v − e^(−v)) / (e^v + e^(−v)); tanh(ln 2) = (2 − ½) / (2 + ½) = 3/5
    assert activations.tanh([math.log(2.0), -math.log(2.0)]) == pytest.approx([0.6, -0.6], rel=1e-12)
    x = _uniform(2, 6)
    assert activations.tanh(x) == pytest.approx(_tanh(x), rel=1e-12)


@exercise("primitives.activations.tanh")
def test_tanh_of_huge_inputs_is_plus_or_minus_one():
    assert activations.tanh([1000.0, -1000.0]) == [1.0, -1.0]


@exercise("primitives.activations.tanh_derivative")
def test_tanh_derivative_matches_central_differences():
    check_elementwise_derivative(_tanh, activations.tanh_derivative, _uniform(12, 10, -3.0, 3.0))


@exercise("primitives.activations.tanh_derivative")
def test_tanh_derivative_is_one_at_zero_and_one_minus_tanh_squared_elsewhere():
    # 1 − tanh(ln 2)² = 1 − 9/25 = 16/25
    assert activations.tanh_derivative([0.0, math.log(2.0), 1000.0]) == [1.0, pytest.approx(0.64, rel=1e-12), 0.0]


# --- relu ----------------------------------------------------------------------------------


@exercise("primitives.activations.relu")
def test_relu_keeps_positive_entries_and_zeroes_the_rest():
    assert activations.relu([-2.0, 0.0, 3.0, -0.5, 0.25]) == [0.0, 0.0, 3.0, 0.0, 0.25]


@exercise("primitives.activations.relu")
def test_relu_never_goes_negative_and_leaves_its_input_unchanged():
    x = _uniform(6, 10, -1000.0, 1000.0)
    before = list(x)
    y = activations.relu(x)
    assert y == [v if v > 0.0 else 0.0 for v in before]
    assert min(y) >= 0.0 and max(y) > 0.0
    assert x == before


@exercise("primitives.activations.relu_derivative")
def test_relu_derivative_matches_central_differences_away_from_the_kink():
    check_elementwise_derivative(_relu, activations.relu_derivative, _away_from_zero(13, 12))


@exercise("primitives.activations.relu_derivative")
def test_relu_derivative_is_one_on_the_positive_side_and_zero_at_and_below_the_kink():
    assert activations.relu_derivative([-2.0, 0.0, 3.0, 1e-300]) == [0.0, 0.0, 1.0, 1.0]


# --- elu -----------------------------------------------------------------------------------


@exercise("primitives.activations.elu")
def test_elu_is_the_identity_above_zero_and_alpha_times_e_to_the_v_minus_one_below():
    # α·(e^(−1) − 1) with α = 0.5; e^0 − 1 = 0 at v = 0
    assert activations.elu([2.0, -1.0, 0.0], alpha=0.5) == [2.0, pytest.approx(0.5 * (math.exp(-1.0) - 1.0)), 0.0]


@exercise("primitives.activations.elu")
def test_elu_uses_alpha_one_by_default_and_levels_off_at_minus_alpha():
    assert activations.elu([-1.0, 3.0]) == [pytest.approx(math.exp(-1.0) - 1.0, rel=1e-12), 3.0]
    assert activations.elu([-1000.0], alpha=2.0) == [-2.0]


@exercise("primitives.activations.elu")
def test_elu_is_the_identity_between_zero_and_one_too():
    # 0.5 > 0, so elu(0.5) = 0.5; −1 < 0, so elu(−1) = e⁻¹ − 1
    assert activations.elu([0.5, -1.0]) == [0.5, pytest.approx(math.exp(-1.0) - 1.0, rel=1e-12)]


@exercise("primitives.activations.elu_derivative")
def test_elu_derivative_is_one_between_zero_and_one_too():
    # 0.5 > 0, so the slope is 1; at −1 it is α·e⁻¹ with α = 1
    assert activations.elu_derivative([0.5, -1.0]) == [1.0, pytest.approx(math.exp(-1.0), rel=1e-12)]


@exercise("primitives.activations.elu_derivative")
@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_elu_derivative_matches_central_differences(alpha):
    check_elementwise_derivative(_elu(alpha), lambda x: activations.elu_derivative(x, alpha), _away_from_zero(14, 12))


@exercise("primitives.activations.elu_derivative")
def test_elu_derivative_is_one_above_zero_and_alpha_times_e_to_the_v_at_and_below():
    # α·e^0 = α at the kink; α·e^(−1) below it
    assert activations.elu_derivative([2.0, 0.0, -1.0], alpha=0.5) == [1.0, 0.5, pytest.approx(0.5 * math.exp(-1.0))]


# --- softmax -------------------------------------------------------------------------------


@exercise("primitives.activations.softmax")
def test_softmax_of_hand_picked_logits():
    # e^0 : e^(ln 3) = 1 : 3, so the probabilities are 1/4 and 3/4
    assert activations.softmax([0.0, math.log(3.0)]) == pytest.approx([0.25, 0.75], rel=1e-12)


@exercise("primitives.activations.softmax")
def test_softmax_sums_to_one_and_keeps_the_order_of_the_logits():
    x = _uniform(3, 7)
    probabilities = activations.softmax(x)
    assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-12)
    assert all(p > 0.0 for p in probabilities)
    assert sorted(range(7), key=lambda i: x[i]) == sorted(range(7), key=lambda i: probabilities[i])


@exercise("primitives.activations.softmax")
def test_softmax_of_huge_logits_stays_finite_and_correct():
    assert activations.softmax([1000.0, 0.0]) == [1.0, 0.0]
    assert activations.softmax([1000.0, 1000.0]) == [0.5, 0.5]
    assert activations.softmax([-1000.0, -1000.0, -1000.0, -1000.0]) == [0.25, 0.25, 0.25, 0.25]


@exercise("primitives.activations.softmax")
def test_softmax_of_an_empty_vector_is_an_error():
    with pytest.raises(ValueError):
        activations.softmax([])


@exercise("primitives.activations.softmax_backward")
def test_softmax_backward_matches_central_differences():
    for seed in range(3):
        check_vector_jacobian_product(_softmax, activations.softmax_backward, _uniform(20 + seed, 6), seed=seed)


@exercise("primitives.activations.softmax_backward")
def test_softmax_backward_on_a_hand_computed_example():
    # s = (½, ½), g = (1, 0): Σ s·g = ½, so s ⊙ (g − ½) = (¼, −¼)
    assert activations.softmax_backward([0.0, 0.0], [1.0, 0.0]) == [0.25, -0.25]


@exercise("primitives.activations.softmax_backward")
def test_softmax_backward_stays_finite_for_huge_logits():
    # softmax(1000, 1000) = (½, ½) computed stably; then as in the hand example
    assert activations.softmax_backward([1000.0, 1000.0], [1.0, 0.0]) == [0.25, -0.25]


# --- log_softmax ---------------------------------------------------------------------------


@exercise("primitives.activations.log_softmax")
def test_log_softmax_is_the_logarithm_of_softmax():
    # log(1/4), log(3/4) for the logits 0 and ln 3
    assert activations.log_softmax([0.0, math.log(3.0)]) == pytest.approx([math.log(0.25), math.log(0.75)], rel=1e-12)
    x = _uniform(4, 6)
    assert activations.log_softmax(x) == pytest.approx(_log_softmax(x), rel=1e-12, abs=1e-12)


@exercise("primitives.activations.log_softmax")
def test_log_softmax_of_huge_logits_stays_finite_and_correct():
    # log Σ e^x = 1000 + log(1 + e^(−1000)) = 1000 in floating point
    assert activations.log_softmax([1000.0, 0.0]) == [0.0, -1000.0]
    # the log of an underflowed softmax would be −inf; the direct formula gives −1000
    assert activations.log_softmax([-1000.0, 0.0]) == [-1000.0, 0.0]


@exercise("primitives.activations.log_softmax")
def test_log_softmax_of_an_empty_vector_is_an_error():
    with pytest.raises(ValueError):
        activations.log_softmax([])


@exercise("primitives.activations.log_softmax_backward")
def test_log_softmax_backward_matches_central_differences():
    for seed in range(3):
        check_vector_jacobian_product(_log_softmax, activations.log_softmax_backward, _uniform(30 + seed, 6), seed=seed)


@exercise("primitives.activations.log_softmax_backward")
def test_log_softmax_backward_on_a_hand_computed_example():
    # g − softmax(x)·Σg with softmax = (½, ½) and Σg = 1: (1 − ½, 0 − ½)
    assert activations.log_softmax_backward([0.0, 0.0], [1.0, 0.0]) == [0.5, -0.5]


@exercise("primitives.activations.log_softmax_backward")
def test_log_softmax_backward_stays_finite_for_huge_logits():
    # softmax(1000, 0) = (1, 0) and Σg = 2: (1 − 2, 1 − 0)
    assert activations.log_softmax_backward([1000.0, 0.0], [1.0, 1.0]) == [-1.0, 1.0]


# --- layer_norm ----------------------------------------------------------------------------


@exercise("primitives.activations.layer_norm")
def test_layer_norm_centres_and_divides_by_the_standard_deviation():
    # μ = 2, σ² = 1: (x − 2) / √(1 + ε) with ε = 0.25 gives ∓1/√1.25
    scale = 1.0 / math.sqrt(1.25)
    assert activations.layer_norm([1.0, 3.0], epsilon=0.25) == pytest.approx([-scale, scale], rel=1e-12)


@exercise("primitives.activations.layer_norm")
def test_layer_norm_output_has_mean_zero_and_variance_just_under_one():
    x = _uniform(5, 9, -50.0, 50.0)
    y = activations.layer_norm(x)
    assert math.fsum(y) / 9 == pytest.approx(0.0, abs=1e-12)
    assert math.fsum(v * v for v in y) / 9 == pytest.approx(1.0, abs=1e-6)
    assert y == pytest.approx(_layer_norm(1e-5)(x), rel=1e-12, abs=1e-12)


@exercise("primitives.activations.layer_norm")
def test_layer_norm_of_a_constant_vector_is_finite_zeros():
    # every entry equals the mean; ε keeps the division by √(0 + ε) finite
    assert activations.layer_norm([4.0, 4.0, 4.0]) == [0.0, 0.0, 0.0]


@exercise("primitives.activations.layer_norm")
def test_layer_norm_rejects_an_empty_vector_and_a_non_positive_epsilon():
    with pytest.raises(ValueError):
        activations.layer_norm([])
    with pytest.raises(ValueError):
        activations.layer_norm([1.0, 2.0], epsilon=0.0)
    with pytest.raises(ValueError) as error:
        activations.layer_norm([1.0, 2.0], epsilon=-0.5)
    assert_names(error, -0.5)


@exercise("primitives.activations.layer_norm_backward")
@pytest.mark.parametrize("epsilon", [1e-5, 0.5])
def test_layer_norm_backward_matches_central_differences(epsilon):
    for seed in range(3):
        check_vector_jacobian_product(
            _layer_norm(epsilon),
            lambda x, g: activations.layer_norm_backward(x, g, epsilon),
            _uniform(40 + seed, 6, -3.0, 3.0),
            seed=seed,
        )


@exercise("primitives.activations.layer_norm_backward")
def test_layer_norm_backward_of_a_uniform_push_is_zero_but_of_a_tilt_is_not():
    # adding the same g to every yᵢ moves nothing: the normalisation removes the mean
    assert activations.layer_norm_backward([1.0, 3.0], [1.0, 1.0]) == [0.0, 0.0]
    # a push on y₀ alone survives the normalisation: it raises x₀ and lowers x₁
    tilted = activations.layer_norm_backward([1.0, 3.0, 8.0], [1.0, 0.0, 0.0])
    assert tilted[0] > 0.01 and tilted[1] < -0.01


# --- shape errors --------------------------------------------------------------------------


def _mismatch(name, call):
    return pytest.param(call, marks=exercise(f"primitives.activations.{name}"), id=name)


@pytest.mark.parametrize(
    "call",
    [
        _mismatch("softmax_backward", lambda: activations.softmax_backward([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("log_softmax_backward", lambda: activations.log_softmax_backward([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("layer_norm_backward", lambda: activations.layer_norm_backward([1.0, 2.0, 3.0], [1.0, 2.0])),
    ],
)
def test_backward_with_a_gradient_of_the_wrong_length_is_an_error_naming_both_lengths(call):
    with pytest.raises(ValueError) as error:
        call()
    assert_names(error, 3, 2)
