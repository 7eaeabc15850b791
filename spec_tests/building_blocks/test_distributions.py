"""Specs for building_blocks.distributions: the categorical with a uniform mix and the diagonal
Gaussian, their log-probabilities, entropies and KL divergences, every gradient against central
differences, and the sampling contracts (which draws of the seeded Rng they use).

Categorical: p = (1 − u)·softmax(z) + u/K. Gaussian with mean μ and log standard deviation ℓ:
log N(x; μ, e^ℓ) = Σ −½((x − μ)/σ)² − ℓ − ½·log 2π, entropy Σ ℓ + ½·log(2πe), and
KL(p ‖ q) = Σ ℓ_q − ℓ_p + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½.
"""

import math
import random

import pytest

from policywerk.building_blocks import distributions
from policywerk.primitives.random import Rng
from spec_tests.gradcheck import check_gradient, check_vector_jacobian_product, numerical_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

LN3 = math.log(3.0)  # softmax([0, ln 3]) = [1/4, 3/4]


def random_logits(seed, k=5, spread=2.0):
    generator = random.Random(seed)
    return [generator.uniform(-spread, spread) for _ in range(k)]


def per_unimix(name, ids=("unimix-0", "unimix-0.01")):
    return [pytest.param(u, marks=exercise(name), id=i) for u, i in zip((0.0, 0.01), ids)]


# The forward functions written out here from the module docstring's formulas, so that a
# gradient spec checks the gradient alone and never leans on the learner's own forward pass.


def _probabilities(z, unimix=0.0):
    top = max(z)
    weights = [math.exp(v - top) for v in z]
    total = math.fsum(weights)
    return [(1.0 - unimix) * w / total + unimix / len(z) for w in weights]


def _log_prob(z, index, unimix):
    return math.log(_probabilities(z, unimix)[index])


def _entropy(z, unimix):
    return -math.fsum(p * math.log(p) for p in _probabilities(z, unimix) if p > 0.0)


def _kl(z_p, z_q, unimix):
    p, q = _probabilities(z_p, unimix), _probabilities(z_q, unimix)
    return math.fsum(a * (math.log(a) - math.log(b)) for a, b in zip(p, q) if a > 0.0)


def _gaussian_log_prob(x, mean, log_std):
    return math.fsum(
        -0.5 * ((xi - m) / math.exp(l)) ** 2 - l - 0.5 * math.log(2.0 * math.pi) for xi, m, l in zip(x, mean, log_std)
    )


def _gaussian_kl(mean_p, log_std_p, mean_q, log_std_q):
    return math.fsum(
        lq - lp + (math.exp(2.0 * lp) + (mp - mq) ** 2) / (2.0 * math.exp(2.0 * lq)) - 0.5
        for mp, lp, mq, lq in zip(mean_p, log_std_p, mean_q, log_std_q)
    )


# --- categorical_probabilities -------------------------------------------------------------------


@exercise("building_blocks.distributions.categorical_probabilities")
def test_probabilities_are_the_softmax_without_a_mix():
    assert distributions.categorical_probabilities([0.0, LN3]) == pytest.approx([0.25, 0.75], rel=1e-12)


@exercise("building_blocks.distributions.categorical_probabilities")
def test_probabilities_mix_in_a_uniform_share():
    # (1 − 0.2)·[1/4, 3/4] + 0.2/2 = [0.2 + 0.1, 0.6 + 0.1]
    assert distributions.categorical_probabilities([0.0, LN3], unimix=0.2) == pytest.approx([0.3, 0.7], rel=1e-12)
    # DreamerV3's 1 %: a class softmax gives no chance still gets u/K = 0.005
    assert distributions.categorical_probabilities([1000.0, 0.0], unimix=0.01) == pytest.approx(
        [0.995, 0.005], rel=1e-12
    )


@pytest.mark.parametrize(
    "unimix",
    [
        pytest.param(u, marks=exercise("building_blocks.distributions.categorical_probabilities"), id=f"unimix-{u}")
        for u in (0.0, 0.01, 0.5)
    ],
)
def test_probabilities_sum_to_one_and_none_falls_below_u_over_k(unimix):
    for seed in range(20):
        logits = random_logits(seed, k=6, spread=30.0)
        p = distributions.categorical_probabilities(logits, unimix)
        assert len(p) == 6
        assert sum(p) == pytest.approx(1.0, abs=1e-12)
        assert min(p) >= unimix / 6 - 1e-15
        assert p.index(max(p)) == logits.index(max(logits))


@exercise("building_blocks.distributions.categorical_probabilities")
def test_probabilities_of_huge_logits_stay_finite():
    p = distributions.categorical_probabilities([1000.0, -1000.0, 999.0])
    assert all(math.isfinite(v) for v in p)
    assert p == pytest.approx([1.0 / (1.0 + math.exp(-1.0)), 0.0, 1.0 / (1.0 + math.e)], rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(
    "unimix",
    [
        pytest.param(u, marks=exercise("building_blocks.distributions.categorical_probabilities"), id=str(u))
        for u in (1.0, -0.1)
    ],
)
def test_probabilities_refuse_a_mix_outside_zero_to_one_naming_it(unimix):
    with pytest.raises(ValueError) as error:
        distributions.categorical_probabilities([0.0, 1.0], unimix)
    assert_names(error, unimix)


# --- categorical_probabilities_backward ----------------------------------------------------------


@exercise("building_blocks.distributions.categorical_probabilities_backward")
def test_probabilities_backward_on_two_even_classes():
    # s = [½, ½], g = [1, 0]: Σ s·g = ½, so ∂L/∂z = [½·(1 − ½), ½·(0 − ½)]
    assert distributions.categorical_probabilities_backward([0.0, 0.0], [1.0, 0.0]) == [0.25, -0.25]


@exercise("building_blocks.distributions.categorical_probabilities_backward")
def test_probabilities_backward_scales_by_one_minus_the_mix():
    # the mix's u/K is a constant; only (1 − u)·softmax depends on z
    plain = distributions.categorical_probabilities_backward([0.0, LN3, -1.0], [2.0, -1.0, 0.5])
    mixed = distributions.categorical_probabilities_backward([0.0, LN3, -1.0], [2.0, -1.0, 0.5], unimix=0.25)
    assert mixed == pytest.approx([0.75 * g for g in plain], rel=1e-12)
    assert sum(plain) == pytest.approx(0.0, abs=1e-12)  # adding a constant to every logit changes nothing
    assert plain[0] > 0.0 > plain[1]


@pytest.mark.parametrize("unimix", per_unimix("building_blocks.distributions.categorical_probabilities_backward"))
def test_probabilities_backward_is_the_vector_jacobian_product_of_the_probabilities(unimix):
    for seed in range(3):
        check_vector_jacobian_product(
            lambda z: _probabilities(z, unimix),
            lambda z, g: distributions.categorical_probabilities_backward(z, g, unimix),
            random_logits(seed),
            seed=seed,
        )


@exercise("building_blocks.distributions.categorical_probabilities_backward")
def test_probabilities_backward_refuses_lengths_that_differ_and_a_bad_mix():
    with pytest.raises(ValueError) as error:
        distributions.categorical_probabilities_backward([0.0, 0.0, 0.0], [1.0, 0.0])
    assert_names(error, 3, 2)
    with pytest.raises(ValueError) as error:
        distributions.categorical_probabilities_backward([0.0, 0.0], [1.0, 0.0], unimix=1.5)
    assert_names(error, 1.5)


# --- categorical_log_prob ------------------------------------------------------------------------


@exercise("building_blocks.distributions.categorical_log_prob")
def test_log_prob_is_the_log_of_the_class_probability():
    assert distributions.categorical_log_prob([0.0, LN3], 0) == pytest.approx(math.log(0.25), rel=1e-12)
    assert distributions.categorical_log_prob([0.0, LN3], 1) == pytest.approx(math.log(0.75), rel=1e-12)
    assert distributions.categorical_log_prob([0.0, LN3], 0, unimix=0.2) == pytest.approx(math.log(0.3), rel=1e-12)


@exercise("building_blocks.distributions.categorical_log_prob")
def test_log_prob_of_a_class_with_a_vanishing_probability_stays_finite():
    # log-softmax: 0 − 1000 − log(1 + e^−1000) = −1000, where log(softmax) would be log 0
    assert distributions.categorical_log_prob([1000.0, 0.0], 1) == pytest.approx(-1000.0, rel=1e-12)
    # with a mix the probability is at least u/K = 0.005
    assert distributions.categorical_log_prob([1000.0, 0.0], 1, unimix=0.01) == pytest.approx(
        math.log(0.005), rel=1e-12
    )


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(i, marks=exercise("building_blocks.distributions.categorical_log_prob"), id=repr(i))
        for i in (3, -1, 1.0)
    ],
)
def test_log_prob_refuses_an_index_outside_the_classes_naming_it(index):
    with pytest.raises(ValueError) as error:
        distributions.categorical_log_prob([0.0, 1.0, 2.0], index)
    assert_names(error, index, 3)  # the index, and K = 3


# --- categorical_log_prob_gradient ---------------------------------------------------------------


@exercise("building_blocks.distributions.categorical_log_prob_gradient")
def test_log_prob_gradient_without_a_mix_is_one_hot_minus_the_probabilities():
    # REINFORCE's ∇ log π: e_0 − [1/4, 3/4]
    assert distributions.categorical_log_prob_gradient([0.0, LN3], 0) == pytest.approx([0.75, -0.75], rel=1e-12)
    assert distributions.categorical_log_prob_gradient([0.0, LN3, 0.0], 1) == pytest.approx(
        [-0.2, 0.4, -0.2], rel=1e-12
    )


@pytest.mark.parametrize("unimix", per_unimix("building_blocks.distributions.categorical_log_prob_gradient"))
def test_log_prob_gradient_matches_central_differences(unimix):
    logits = random_logits(7)
    for index in range(len(logits)):
        check_gradient(
            lambda z: _log_prob(z, index, unimix),
            logits,
            distributions.categorical_log_prob_gradient(logits, index, unimix),
            what=f"∂ log p_{index} / ∂z",
        )


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(i, marks=exercise("building_blocks.distributions.categorical_log_prob_gradient"), id=repr(i))
        for i in (5, 3, -1, 1.0)
    ],
)
def test_log_prob_gradient_refuses_an_index_outside_the_classes_naming_it(index):
    # 3 = K is the first index past the end: [0, K) leaves it out
    with pytest.raises(ValueError) as error:
        distributions.categorical_log_prob_gradient([0.0, 1.0, 2.0], index)
    assert_names(error, index, 3)  # the index, and K = 3


# --- categorical_entropy -------------------------------------------------------------------------


@exercise("building_blocks.distributions.categorical_entropy")
def test_entropy_of_a_uniform_choice_is_log_k_and_of_a_certain_one_zero():
    assert distributions.categorical_entropy([0.3] * 4) == pytest.approx(math.log(4.0), rel=1e-12)
    assert distributions.categorical_entropy([1000.0, 0.0, -5.0]) == pytest.approx(0.0, abs=1e-12)


@exercise("building_blocks.distributions.categorical_entropy")
def test_entropy_is_minus_the_expected_log_probability():
    # −(¼·log ¼ + ¾·log ¾) ≈ 0.5623; with u = 0.2 the probabilities are [0.3, 0.7]
    plain = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    mixed = -(0.3 * math.log(0.3) + 0.7 * math.log(0.7))
    assert distributions.categorical_entropy([0.0, LN3]) == pytest.approx(plain, rel=1e-12)
    assert distributions.categorical_entropy([0.0, LN3], unimix=0.2) == pytest.approx(mixed, rel=1e-12)


@exercise("building_blocks.distributions.categorical_entropy")
def test_entropy_of_a_certain_choice_with_a_mix_is_above_zero():
    # p = [0.995, 0.005]: the mix keeps some uncertainty
    expected = -(0.995 * math.log(0.995) + 0.005 * math.log(0.005))
    assert distributions.categorical_entropy([1000.0, 0.0], unimix=0.01) == pytest.approx(expected, rel=1e-12)


# --- categorical_entropy_gradient ----------------------------------------------------------------


@pytest.mark.parametrize("unimix", per_unimix("building_blocks.distributions.categorical_entropy_gradient"))
def test_entropy_gradient_matches_central_differences(unimix):
    for seed in range(3):
        logits = random_logits(seed + 10)
        check_gradient(
            lambda z: _entropy(z, unimix),
            logits,
            distributions.categorical_entropy_gradient(logits, unimix),
            what="∂H/∂z",
        )


@exercise("building_blocks.distributions.categorical_entropy_gradient")
def test_entropy_gradient_is_zero_where_the_distribution_is_flat_and_flattens_it_elsewhere():
    assert distributions.categorical_entropy_gradient([0.5, 0.5, 0.5]) == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)
    gradient = distributions.categorical_entropy_gradient([0.0, LN3, 0.0])
    assert gradient[1] < 0.0 < gradient[0]  # lower the favourite, raise the others


@exercise("building_blocks.distributions.categorical_entropy_gradient")
def test_entropy_gradient_of_a_certain_choice_is_finite():
    # p = [1, 0, 0] exactly: 0·log 0 counts as 0, and nothing changes p to first order
    gradient = distributions.categorical_entropy_gradient([1000.0, 0.0, -3.0])
    assert len(gradient) == 3
    assert gradient == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)


# --- categorical_kl ------------------------------------------------------------------------------


@exercise("building_blocks.distributions.categorical_kl")
def test_kl_is_zero_between_equal_distributions_and_positive_otherwise():
    assert distributions.categorical_kl([0.2, -1.0, 3.0], [0.2, -1.0, 3.0]) == pytest.approx(0.0, abs=1e-12)
    for seed in range(10):
        assert distributions.categorical_kl(random_logits(seed), random_logits(seed + 100), unimix=0.01) > 0.0


@exercise("building_blocks.distributions.categorical_kl")
def test_kl_sums_p_times_the_log_ratio():
    # p = [¼, ¾], q = [½, ½]: ¼·log(¼/½) + ¾·log(¾/½)
    expected = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    assert distributions.categorical_kl([0.0, LN3], [0.0, 0.0]) == pytest.approx(expected, rel=1e-12)


@exercise("building_blocks.distributions.categorical_kl")
def test_kl_from_a_certain_choice_is_minus_the_log_of_its_probability_under_q():
    # p = [1, 0]: the zero term counts as 0, so KL = log(1/q_0) = log 2
    assert distributions.categorical_kl([1000.0, 0.0], [0.0, 0.0]) == pytest.approx(math.log(2.0), rel=1e-12)


@exercise("building_blocks.distributions.categorical_kl")
def test_kl_refuses_lengths_that_differ_naming_both():
    with pytest.raises(ValueError) as error:
        distributions.categorical_kl([0.0, 0.0, 0.0], [0.0, 0.0])
    assert_names(error, 3, 2)


# --- categorical_kl_gradients --------------------------------------------------------------------


@pytest.mark.parametrize("unimix", per_unimix("building_blocks.distributions.categorical_kl_gradients"))
def test_kl_gradients_match_central_differences_on_both_sides(unimix):
    logits_p, logits_q = random_logits(21), random_logits(22)
    grad_p, grad_q = distributions.categorical_kl_gradients(logits_p, logits_q, unimix)
    check_gradient(lambda z: _kl(z, logits_q, unimix), logits_p, grad_p, what="∂KL/∂z_p")
    check_gradient(lambda z: _kl(logits_p, z, unimix), logits_q, grad_q, what="∂KL/∂z_q")


@exercise("building_blocks.distributions.categorical_kl_gradients")
def test_kl_gradient_toward_q_without_a_mix_is_q_minus_p():
    # ∂KL/∂z_q = q − p, the cross-entropy gradient: here [½, ½] against p = [¼, ¾]
    grad_p, grad_q = distributions.categorical_kl_gradients([0.0, LN3], [0.0, 0.0])
    assert grad_q == pytest.approx([0.25, -0.25], rel=1e-12)
    assert len(grad_p) == 2 and grad_p[1] > 0.0  # lowering z_p[1] brings p toward q


@exercise("building_blocks.distributions.categorical_kl_gradients")
def test_kl_gradients_from_a_certain_choice_are_finite():
    grad_p, grad_q = distributions.categorical_kl_gradients([1000.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert grad_p == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    assert grad_q == pytest.approx([1.0 / 3.0 - 1.0, 1.0 / 3.0, 1.0 / 3.0], rel=1e-12)  # q − p


@exercise("building_blocks.distributions.categorical_kl_gradients")
def test_kl_gradients_refuse_lengths_that_differ_naming_both():
    with pytest.raises(ValueError) as error:
        distributions.categorical_kl_gradients([0.0, 0.0], [0.0, 0.0, 0.0])
    assert_names(error, 2, 3)


# --- straight_through_sample ---------------------------------------------------------------------


@exercise("building_blocks.distributions.straight_through_sample")
def test_straight_through_sample_is_a_one_hot_of_one_categorical_draw():
    logits = [0.5, -1.0, 1.5, 0.0]
    for seed in range(20):
        rng = Rng(seed)
        one_hot, p = distributions.straight_through_sample(logits, rng)
        reference = Rng(seed)
        index = reference.categorical(_probabilities(logits))
        assert one_hot == [1.0 if i == index else 0.0 for i in range(4)]
        assert rng.draw() == reference.draw()  # exactly one draw was used


@exercise("building_blocks.distributions.straight_through_sample")
def test_straight_through_sample_draws_from_the_mixed_probabilities_and_returns_them():
    # p = [0.75, 0.25] with u = 0.5; seed 0's first draw is 0.844…, past 0.75: class 1, which
    # the softmax alone would never pick.
    one_hot, p = distributions.straight_through_sample([1000.0, 0.0], Rng(0), unimix=0.5)
    assert one_hot == [0.0, 1.0]
    assert p == pytest.approx([0.75, 0.25], rel=1e-12)


@exercise("building_blocks.distributions.straight_through_sample")
@exercise("building_blocks.distributions.categorical_probabilities_backward")
def test_straight_through_backward_is_the_probabilities_backward():
    # In symbols the sample is one_hot + p − stop_gradient(p): its value is the one-hot and its
    # derivative is p's. Differentiate that expression numerically, the sample held fixed.
    logits, unimix = random_logits(30, k=4), 0.01
    one_hot, p = distributions.straight_through_sample(logits, Rng(3), unimix)
    assert sorted(one_hot) == [0.0, 0.0, 0.0, 1.0]

    def straight_through(z):
        return [o + q - q0 for o, q, q0 in zip(one_hot, _probabilities(z, unimix), p)]

    assert straight_through(logits) == pytest.approx(one_hot, abs=1e-15)
    check_vector_jacobian_product(
        straight_through, lambda z, g: distributions.categorical_probabilities_backward(z, g, unimix), logits
    )


# --- gaussian_sample -----------------------------------------------------------------------------


@exercise("building_blocks.distributions.gaussian_sample")
def test_gaussian_sample_is_the_mean_plus_sigma_times_the_rngs_normals():
    mean, log_std = [1.0, -2.0, 0.5], [0.0, math.log(2.0), -1.0]
    for seed in range(5):
        rng = Rng(seed)
        x, noise = distributions.gaussian_sample(mean, log_std, rng)
        reference = Rng(seed)
        expected_noise = reference.normals(3)
        assert noise == expected_noise
        assert x == pytest.approx([m + math.exp(l) * e for m, l, e in zip(mean, log_std, expected_noise)], rel=1e-12)
        assert rng.draw() == reference.draw()  # normals(3) used 4 draws, and nothing else was drawn


@exercise("building_blocks.distributions.gaussian_sample")
def test_gaussian_sample_with_a_tiny_spread_is_the_mean():
    x, noise = distributions.gaussian_sample([1.0, -3.0, 2.5], [-1000.0, -1000.0, -1000.0], Rng(0))
    assert x == [1.0, -3.0, 2.5]
    assert len(noise) == 3 and noise[0] != 0.0


@exercise("building_blocks.distributions.gaussian_sample")
def test_gaussian_sample_refuses_lengths_that_differ_naming_both():
    with pytest.raises(ValueError) as error:
        distributions.gaussian_sample([0.0, 0.0, 0.0], [0.0, 0.0], Rng(0))
    assert_names(error, 3, 2)


# --- gaussian_log_prob ---------------------------------------------------------------------------


@exercise("building_blocks.distributions.gaussian_log_prob")
def test_gaussian_log_prob_of_a_standard_normal():
    # one standard deviation out: −½ − ½·log 2π
    assert distributions.gaussian_log_prob([1.0], [0.0], [0.0]) == pytest.approx(
        -0.5 - 0.5 * math.log(2.0 * math.pi), rel=1e-12
    )


@exercise("building_blocks.distributions.gaussian_log_prob")
def test_gaussian_log_prob_sums_the_log_densities_of_the_dimensions():
    x, mean, log_std = [0.3, -1.0, 2.0], [0.0, 0.5, 1.0], [0.0, math.log(0.5), math.log(3.0)]
    # each density 1/(σ√(2π))·exp(−(x − μ)²/(2σ²)), written out
    expected = sum(
        math.log(math.exp(-((xi - m) ** 2) / (2.0 * s * s)) / (s * math.sqrt(2.0 * math.pi)))
        for xi, m, s in zip(x, mean, [1.0, 0.5, 3.0])
    )
    assert distributions.gaussian_log_prob(x, mean, log_std) == pytest.approx(expected, rel=1e-12)


@exercise("building_blocks.distributions.gaussian_log_prob")
def test_gaussian_log_prob_far_out_in_the_tail_stays_finite():
    # 1000 standard deviations: −½·10⁶ − ½·log 2π, where the density itself underflows to 0
    value = distributions.gaussian_log_prob([1000.0], [0.0], [0.0])
    assert value == pytest.approx(-500000.0 - 0.5 * math.log(2.0 * math.pi), rel=1e-12)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=exercise(f"building_blocks.distributions.{name}"), id=name)
        for name in ("gaussian_log_prob", "gaussian_log_prob_gradients")
    ],
)
@pytest.mark.parametrize(
    "x, mean, log_std",
    [
        pytest.param([0.0, 0.0, 0.0], [0.0], [0.0], id="x-longer"),
        pytest.param([0.0], [0.0, 0.0], [0.0, 0.0], id="x-shorter"),
        pytest.param([0.0], [0.0], [0.0, 0.0, 0.0], id="log-std-longer"),
    ],
)
def test_gaussian_log_prob_and_its_gradients_refuse_lengths_that_differ_naming_them(name, x, mean, log_std):
    # The gradients' docstring: "Raises ValueError as gaussian_log_prob does" (naming the lengths).
    with pytest.raises(ValueError) as error:
        getattr(distributions, name)(x, mean, log_std)
    assert_names(error, *{len(x), len(mean), len(log_std)})


# --- gaussian_log_prob_gradients -----------------------------------------------------------------


@exercise("building_blocks.distributions.gaussian_log_prob_gradients")
def test_gaussian_log_prob_gradients_on_a_hand_example():
    # x − μ = 2, σ = 2: ∂/∂μ = 2/4 = 0.5, ∂/∂ℓ = (2/2)² − 1 = 0; x − μ = −1, σ = 1: −1 and 0
    grad_mean, grad_log_std = distributions.gaussian_log_prob_gradients([3.0, 0.0], [1.0, 1.0], [math.log(2.0), 0.0])
    assert grad_mean == pytest.approx([0.5, -1.0], rel=1e-12)
    assert grad_log_std == pytest.approx([0.0, 0.0], abs=1e-12)
    _, grad_log_std = distributions.gaussian_log_prob_gradients([0.0], [0.0], [0.0])
    assert grad_log_std == [-1.0]  # at the mean, a wider spread only lowers the density


@exercise("building_blocks.distributions.gaussian_log_prob_gradients")
def test_gaussian_log_prob_gradients_match_central_differences():
    generator = random.Random(40)
    x, mean = [generator.uniform(-2, 2) for _ in range(4)], [generator.uniform(-2, 2) for _ in range(4)]
    log_std = [generator.uniform(-1, 1) for _ in range(4)]
    grad_mean, grad_log_std = distributions.gaussian_log_prob_gradients(x, mean, log_std)
    check_gradient(lambda m: _gaussian_log_prob(x, m, log_std), mean, grad_mean, what="∂/∂μ")
    check_gradient(lambda l: _gaussian_log_prob(x, mean, l), log_std, grad_log_std, what="∂/∂ℓ")


# --- gaussian_entropy ----------------------------------------------------------------------------


@exercise("building_blocks.distributions.gaussian_entropy")
def test_gaussian_entropy_is_the_sum_of_log_stds_plus_half_log_two_pi_e_per_dimension():
    half_log_two_pi_e = 0.5 * math.log(2.0 * math.pi * math.e)  # ≈ 1.4189
    assert distributions.gaussian_entropy([0.0]) == pytest.approx(half_log_two_pi_e, rel=1e-12)
    assert distributions.gaussian_entropy([0.5, -2.0, 1.0]) == pytest.approx(-0.5 + 3.0 * half_log_two_pi_e, rel=1e-12)


@exercise("building_blocks.distributions.gaussian_entropy")
def test_gaussian_entropy_grows_with_slope_one_in_each_log_std():
    log_std = [0.3, -0.7, 1.2]
    slopes = numerical_gradient(distributions.gaussian_entropy, log_std)
    assert slopes == pytest.approx([1.0, 1.0, 1.0], rel=1e-6)


@exercise("building_blocks.distributions.gaussian_entropy")
def test_gaussian_entropy_matches_minus_the_integral_of_p_log_p():
    # A midpoint sum of −p·log p over ±12σ for σ = e^0.4, against the closed form.
    sigma, steps, width = math.exp(0.4), 24000, 24.0 * math.exp(0.4)
    dx = width / steps
    total = 0.0
    for i in range(steps):
        x = -width / 2.0 + (i + 0.5) * dx
        log_p = -0.5 * (x / sigma) ** 2 - 0.4 - 0.5 * math.log(2.0 * math.pi)
        total -= math.exp(log_p) * log_p * dx
    assert distributions.gaussian_entropy([0.4]) == pytest.approx(total, rel=1e-9)


# --- gaussian_kl ---------------------------------------------------------------------------------


@exercise("building_blocks.distributions.gaussian_kl")
def test_gaussian_kl_on_hand_examples():
    # a unit shift of the mean: (0 + 1)/2 − ½ = ½
    assert distributions.gaussian_kl([1.0], [0.0], [0.0], [0.0]) == pytest.approx(0.5, rel=1e-12)
    # σ_p = 1 against σ_q = 2: log 2 − 0 + 1/(2·4) − ½ = log 2 − 3/8
    assert distributions.gaussian_kl([0.0], [0.0], [0.0], [math.log(2.0)]) == pytest.approx(
        math.log(2.0) - 0.375, rel=1e-12
    )


@exercise("building_blocks.distributions.gaussian_kl")
def test_gaussian_kl_is_zero_for_equal_distributions_and_positive_otherwise():
    mean, log_std = [0.5, -1.0, 2.0], [0.1, -0.3, 0.7]
    assert distributions.gaussian_kl(mean, log_std, mean, log_std) == pytest.approx(0.0, abs=1e-12)
    generator = random.Random(50)
    for _ in range(10):
        args = [[generator.uniform(-1.5, 1.5) for _ in range(3)] for _ in range(4)]
        assert distributions.gaussian_kl(*args) > 0.0


@exercise("building_blocks.distributions.gaussian_kl")
def test_gaussian_kl_sums_over_dimensions_and_is_not_symmetric():
    # N(1, 1) against N(0, 2²): log 2 + (1 + 1)/(2·4) − ½ = log 2 − ¼
    # N(0, e^0.5 squared) against N(0, 1): 0 − 0.5 + e/2 − ½ = e/2 − 1
    one, other = math.log(2.0) - 0.25, math.e / 2.0 - 1.0
    assert distributions.gaussian_kl([1.0], [0.0], [0.0], [math.log(2.0)]) == pytest.approx(one, rel=1e-12)
    assert distributions.gaussian_kl([0.0], [0.5], [0.0], [0.0]) == pytest.approx(other, rel=1e-12)
    both = distributions.gaussian_kl([1.0, 0.0], [0.0, 0.5], [0.0, 0.0], [math.log(2.0), 0.0])
    assert both == pytest.approx(one + other, rel=1e-12)
    # KL(q ‖ p) with the first pair swapped: −log 2 + (4 + 1)/2 − ½ = 2 − log 2, another number
    assert distributions.gaussian_kl([0.0], [math.log(2.0)], [1.0], [0.0]) == pytest.approx(
        2.0 - math.log(2.0), rel=1e-12
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=exercise(f"building_blocks.distributions.{name}"), id=name)
        for name in ("gaussian_kl", "gaussian_kl_gradients")
    ],
)
@pytest.mark.parametrize("short", [0, 1, 2, 3], ids=["mean_p", "log_std_p", "mean_q", "log_std_q"])
def test_gaussian_kl_and_its_gradients_refuse_lengths_that_differ_naming_them(name, short):
    # One of the four arguments has one entry where the other three have two. The gradients'
    # docstring: "Raises ValueError as gaussian_kl does" (naming the lengths).
    args = [[0.0, 0.0] for _ in range(4)]
    args[short] = [0.0]
    with pytest.raises(ValueError) as error:
        getattr(distributions, name)(*args)
    assert_names(error, 1, 2)


# --- gaussian_kl_gradients -----------------------------------------------------------------------


@exercise("building_blocks.distributions.gaussian_kl_gradients")
def test_gaussian_kl_gradients_on_the_unit_shift():
    # d = 1, σ_p = σ_q = 1: (d, 1 − 1, −d, 1 − (1 + 1))
    assert distributions.gaussian_kl_gradients([1.0], [0.0], [0.0], [0.0]) == ([1.0], [0.0], [-1.0], [-1.0])


@exercise("building_blocks.distributions.gaussian_kl_gradients")
def test_gaussian_kl_gradients_of_all_four_arguments_match_central_differences():
    generator = random.Random(60)
    args = [[generator.uniform(-1.5, 1.5) for _ in range(4)] for _ in range(4)]
    gradients = distributions.gaussian_kl_gradients(*args)
    assert len(gradients) == 4
    for position, (name, analytic) in enumerate(zip(("μ_p", "ℓ_p", "μ_q", "ℓ_q"), gradients)):

        def kl(point, position=position):
            changed = list(args)
            changed[position] = point
            return _gaussian_kl(*changed)

        check_gradient(kl, args[position], analytic, what=f"∂KL/∂{name}")


@exercise("building_blocks.distributions.gaussian_kl_gradients")
def test_gaussian_kl_gradients_vanish_between_equal_distributions_only():
    mean, log_std = [0.5, -1.0], [0.1, -0.3]
    gradients = distributions.gaussian_kl_gradients(mean, log_std, mean, log_std)
    assert [g for grad in gradients for g in grad] == pytest.approx([0.0] * 8, abs=1e-12)
    shifted = distributions.gaussian_kl_gradients([1.5, -1.0], log_std, mean, log_std)
    assert shifted[0][0] > 0.0 > shifted[2][0]


# --- a log-std that is not finite ----------------------------------------------------------------

GAUSSIAN_CALLS = {
    "gaussian_sample": lambda bad: distributions.gaussian_sample([0.0, 0.0], [0.0, bad], Rng(0)),
    "gaussian_log_prob": lambda bad: distributions.gaussian_log_prob([0.0, 0.0], [0.0, 0.0], [0.0, bad]),
    "gaussian_log_prob_gradients": lambda bad: distributions.gaussian_log_prob_gradients(
        [0.0, 0.0], [0.0, 0.0], [0.0, bad]
    ),
    "gaussian_entropy": lambda bad: distributions.gaussian_entropy([0.0, bad]),
    "gaussian_kl": lambda bad: distributions.gaussian_kl([0.0, 0.0], [0.0, bad], [0.0, 0.0], [0.0, 0.0]),
    "gaussian_kl_gradients": lambda bad: distributions.gaussian_kl_gradients(
        [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, bad]
    ),
    # the KL's docstrings: a log-std of either side; the other side of each from the two above
    "gaussian_kl q": lambda bad: distributions.gaussian_kl([0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, bad]),
    "gaussian_kl_gradients p": lambda bad: distributions.gaussian_kl_gradients(
        [0.0, 0.0], [0.0, bad], [0.0, 0.0], [0.0, 0.0]
    ),
}


@pytest.mark.parametrize(
    "name, bad",
    [
        pytest.param(name, bad, marks=exercise(f"building_blocks.distributions.{name.split()[0]}"), id=f"{name}-{bad}")
        for name in GAUSSIAN_CALLS
        for bad in (math.nan, math.inf, -math.inf)
    ],
)
def test_gaussian_functions_refuse_a_log_std_that_is_not_finite_naming_it(name, bad):
    with pytest.raises(ValueError) as error:
        GAUSSIAN_CALLS[name](bad)
    assert_names(error, bad)
