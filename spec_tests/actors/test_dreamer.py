"""Specs for actors.dreamer: DreamerV3 at small scale (Hafner et al. 2023).

In the order the module builds it:
1. the pieces of the losses on hand-made numbers: the image preprocessing, the categorical
   latent (unimix probabilities, the straight-through estimator's forward and gradient), KL
   balancing with free bits (values and gradients, with their stop-gradients), the twohot
   heads, the continue head, λ-returns in imagination and their gradient, percentiles and the
   return normaliser, the actor's reparameterised Gaussian;
2. the world model on a tiny configuration: what `observe` computes, each loss term against
   its formula, and each term's gradient against the trusted checker;
3. behaviour in imagination: the imagined rollout, the returns and weights, and the actor's
   and the critic's loss terms against the trusted checker;
4. replay, acting, the update and the training loop, on a tiny budget.

The gradient checks differentiate the function as computed, so every stop-gradient input is
held as a constant and every sampled latent fixed (taken from a first pass, `held()`): a
straight-through sample is replayed as one_hot + p − sg(p), whose derivative is p's, exactly
what the straight-through estimator claims. The stops are deliberate: they are the algorithm.
"""

import math
import random

import pytest

from policywerk.actors import dreamer
from policywerk.building_blocks.optimizers import Adam, clip_by_global_norm
from policywerk.building_blocks.replay_buffer import ReplayBuffer
from policywerk.primitives.random import Rng
from policywerk.world.pixel_pointmass import PixelPointMass
from spec_tests.gradcheck import check_gradient, check_vector_jacobian_product
from spec_tests.reference_math import one_hot_rows

exercise = pytest.mark.exercise


def softmax(logits):
    top = max(logits)
    weights = [math.exp(z - top) for z in logits]
    return [w / sum(weights) for w in weights]


def unimix(logits, u):
    return [(1.0 - u) * p + u / len(logits) for p in softmax(logits)]


def kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q))


def hand_kl(posterior_logits, prior_logits, classes, u):
    """KL[q ‖ p] of two latents written out: the sum over groups of Σ q·log(q/p)."""
    return sum(
        kl(unimix(posterior_logits[s : s + classes], u), unimix(prior_logits[s : s + classes], u))
        for s in range(0, len(prior_logits), classes)
    )


def symlog(x):
    return math.copysign(math.log(1.0 + abs(x)), x)


def symexp(x):
    return math.copysign(math.exp(abs(x)) - 1.0, x)


def flat(nested):
    """Every number of a nested list, in order (pytest.approx compares flat lists)."""
    if isinstance(nested, (list, tuple)):
        return [value for item in nested for value in flat(item)]
    return [nested]


def hand_twohot(value, bins):
    """The two weights around a value, from the definition (clamped at the ends)."""
    weights = [0.0] * len(bins)
    if value <= bins[0]:
        weights[0] = 1.0
    elif value >= bins[-1]:
        weights[-1] = 1.0
    else:
        k = max(i for i in range(len(bins)) if bins[i] <= value)
        above = (value - bins[k]) / (bins[k + 1] - bins[k])
        weights[k], weights[k + 1] = 1.0 - above, above
    return weights


# ═══ 1. the pieces of the losses ══════════════════════════════════════════════════════════


# --- preprocess_image ----------------------------------------------------------------------------


@exercise("actors.dreamer.preprocess_image")
def test_preprocess_image_centres_each_pixel_on_grey_and_squashes_it_with_symlog():
    image = [0.5, 1.0, 0.0, 0.75, 0.3]
    # symlog(p − 0.5) = sign·ln(1 + |p − 0.5|): grey is 0, white ln 1.5, black −ln 1.5.
    expected = [0.0, math.log(1.5), -math.log(1.5), math.log(1.25), -math.log(1.2)]
    assert dreamer.preprocess_image(image, pixels=5) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer.preprocess_image")
def test_preprocess_image_rejects_an_image_of_the_wrong_size_naming_both_sizes():
    with pytest.raises(ValueError, match=r"64 pixels.*got 63"):
        dreamer.preprocess_image([0.5] * 63, pixels=64)


# --- the categorical latent: unimix and the straight-through estimator ---------------------------


@exercise("actors.dreamer.latent_sample")
def test_latent_sample_gives_one_hot_groups_drawn_from_the_unimix_probabilities():
    logits = [1.0, -0.5, 0.3, 2.0, 2.0, -1.0]  # two categoricals of three classes
    sample, probabilities = dreamer.latent_sample(logits, classes=3, unimix=0.01, rng=Rng(4))
    assert probabilities == pytest.approx(unimix(logits[:3], 0.01) + unimix(logits[3:], 0.01), abs=1e-12)
    for group in (sample[:3], sample[3:]):
        assert sorted(group) == [0.0, 0.0, 1.0]  # exactly one class per categorical
    # One draw per group, in order, by the inverse CDF of its probabilities.
    replay = Rng(4)
    expected = [replay.categorical(probabilities[:3]), replay.categorical(probabilities[3:])]
    assert [sample[:3].index(1.0), sample[3:].index(1.0)] == expected


@exercise("actors.dreamer.latent_sample")
def test_unimix_keeps_every_class_at_least_one_percent_divided_by_the_classes():
    # Logits that make a class nearly impossible: softmax ≈ (1, 0, 0, 0); with u = 0.01 each
    # class keeps u/4 = 0.0025 and the favourite 0.99 + 0.0025.
    _, probabilities = dreamer.latent_sample([300.0, 0.0, 0.0, 0.0], classes=4, unimix=0.01, rng=Rng(0))
    assert probabilities == pytest.approx([0.9925, 0.0025, 0.0025, 0.0025], abs=1e-12)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-12)


@exercise("actors.dreamer.latent_sample")
def test_latent_samples_follow_their_probabilities():
    logits = [0.0, math.log(3.0)]  # softmax (¼, ¾)
    rng, hits, draws = Rng(11), 0, 4000
    for _ in range(draws):
        hits += dreamer.latent_sample(logits, classes=2, unimix=0.0, rng=rng)[0][1] == 1.0
    assert abs(hits / draws - 0.75) < 4.0 * math.sqrt(0.75 * 0.25 / draws)  # within 4 standard errors


@pytest.mark.parametrize(
    "logits, classes",
    [
        pytest.param([0.0] * 5, 2, marks=exercise("actors.dreamer.latent_sample")),
        pytest.param([0.0] * 4, 0, marks=exercise("actors.dreamer.latent_sample")),
        pytest.param([], 2, marks=exercise("actors.dreamer.latent_sample")),
    ],
)
def test_latent_sample_rejects_logits_that_do_not_split_into_whole_groups(logits, classes):
    with pytest.raises(ValueError, match="groups"):
        dreamer.latent_sample(logits, classes, 0.01, Rng(0))


@exercise("actors.dreamer.latent_sample_backward")
def test_the_straight_through_gradient_is_the_gradient_of_the_unimix_probabilities():
    # z = one_hot + p − sg(p): its Jacobian is p's, group by group (checked by central
    # differences of the probabilities themselves, with the trusted checker).
    generator = random.Random(3)
    logits = [generator.uniform(-2.0, 2.0) for _ in range(6)]

    def probabilities(point):
        return unimix(point[:3], 0.01) + unimix(point[3:], 0.01)

    check_vector_jacobian_product(
        probabilities, lambda point, g: dreamer.latent_sample_backward(point, g, 3, 0.01), logits, what="straight-through"
    )


@exercise("actors.dreamer.latent_sample_backward")
def test_the_straight_through_gradient_keeps_each_group_to_its_own_logits():
    # A gradient on the first group's sample reaches only the first group's logits: s = ½, ½.
    grad = dreamer.latent_sample_backward([0.0, 0.0, 5.0, -5.0], [1.0, 0.0, 0.0, 0.0], classes=2, unimix=0.0)
    assert grad == pytest.approx([0.25, -0.25, 0.0, 0.0], abs=1e-12)


@exercise("actors.dreamer.latent_sample_backward")
def test_latent_sample_backward_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="equal length"):
        dreamer.latent_sample_backward([0.0] * 4, [1.0] * 3, classes=2, unimix=0.0)


# --- KL balancing and free bits ------------------------------------------------------------------


@exercise("actors.dreamer.kl_divergence")
def test_kl_divergence_adds_the_kls_of_the_independent_categoricals():
    # First group: q = (¾, ¼) against p = (½, ½): ¾·ln(3/2) + ¼·ln(1/2) = 0.1308…; the second
    # group is identical on both sides and adds 0.
    value = dreamer.kl_divergence([math.log(3.0), 0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0], classes=2, unimix=0.0)
    assert value == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5), abs=1e-12)


@exercise("actors.dreamer.kl_divergence")
def test_kl_divergence_uses_the_unimix_on_both_sides():
    posterior, prior = [4.0, -1.0, 0.5, 0.0, 2.0, -3.0], [-1.0, 0.5, 1.0, 1.0, 0.0, 0.0]
    expected = hand_kl(posterior, prior, 3, 0.01)
    assert dreamer.kl_divergence(posterior, prior, 3, 0.01) == pytest.approx(expected, abs=1e-12)
    assert expected != pytest.approx(hand_kl(posterior, prior, 3, 0.0), abs=1e-4)  # the mix matters


@exercise("actors.dreamer.kl_divergence")
def test_kl_divergence_rejects_latents_of_different_lengths():
    with pytest.raises(ValueError, match="equal length"):
        dreamer.kl_divergence([0.0] * 4, [0.0] * 6, classes=2, unimix=0.0)


BALANCE = dict(classes=3, unimix=0.01, free_bits=1.0, dynamics_scale=0.5, representation_scale=0.1)
FAR_POSTERIOR = [4.0, -2.0, 0.0, -1.0, 3.0, 0.5]  # KL to FAR_PRIOR ≈ 7.5 nats: above the free bits
FAR_PRIOR = [-2.0, 1.0, 2.5, 2.0, -2.0, 0.0]
NEAR_POSTERIOR = [0.2, 0.0, -0.1, 0.3, 0.1, 0.0]  # KL to NEAR_PRIOR ≈ 0.03 nats: below them
NEAR_PRIOR = [0.0, 0.1, 0.0, 0.0, 0.0, 0.2]


@exercise("actors.dreamer.kl_balance")
def test_kl_balance_adds_both_scaled_terms_of_the_same_kl_above_the_free_bits():
    kl_value = hand_kl(FAR_POSTERIOR, FAR_PRIOR, 3, 0.01)
    assert kl_value > 1.0
    loss, reported = dreamer.kl_balance(FAR_POSTERIOR, FAR_PRIOR, **BALANCE)
    assert reported == pytest.approx(kl_value, abs=1e-12)
    assert loss == pytest.approx(0.5 * kl_value + 0.1 * kl_value, abs=1e-12)  # β_dyn·KL + β_rep·KL


@exercise("actors.dreamer.kl_balance")
def test_free_bits_clip_each_kl_below_at_one_nat():
    kl_value = hand_kl(NEAR_POSTERIOR, NEAR_PRIOR, 3, 0.01)
    assert kl_value < 1.0
    loss, reported = dreamer.kl_balance(NEAR_POSTERIOR, NEAR_PRIOR, **BALANCE)
    assert reported == pytest.approx(kl_value, abs=1e-12)  # the KL itself is still reported
    assert loss == pytest.approx((0.5 + 0.1) * 1.0, abs=1e-12)  # max(1, KL) = 1 in both terms


@exercise("actors.dreamer.kl_balance_gradients")
def test_the_dynamics_term_trains_only_the_prior_toward_the_held_posterior():
    # ∂/∂prior of β_dyn·max(1, KL[sg(q) ‖ p]), the posterior held constant.
    def dynamics_term(prior):
        return 0.5 * max(1.0, hand_kl(FAR_POSTERIOR, prior, 3, 0.01))

    _, grad_prior = dreamer.kl_balance_gradients(FAR_POSTERIOR, FAR_PRIOR, **BALANCE)
    check_gradient(dynamics_term, FAR_PRIOR, grad_prior, what="dynamics KL")


@exercise("actors.dreamer.kl_balance_gradients")
def test_the_representation_term_trains_only_the_posterior_toward_the_held_prior():
    # ∂/∂posterior of β_rep·max(1, KL[q ‖ sg(p)]): a tenth of the scale, not β_dyn + β_rep.
    def representation_term(posterior):
        return 0.1 * max(1.0, hand_kl(posterior, FAR_PRIOR, 3, 0.01))

    grad_posterior, _ = dreamer.kl_balance_gradients(FAR_POSTERIOR, FAR_PRIOR, **BALANCE)
    check_gradient(representation_term, FAR_POSTERIOR, grad_posterior, what="representation KL")


@exercise("actors.dreamer.kl_balance_gradients")
def test_below_the_free_bits_neither_side_gets_a_gradient():
    grad_posterior, grad_prior = dreamer.kl_balance_gradients(NEAR_POSTERIOR, NEAR_PRIOR, **BALANCE)
    assert grad_posterior == [0.0] * 6 and grad_prior == [0.0] * 6
    # …while the same pair without free bits would be pulled together.
    grad_posterior, grad_prior = dreamer.kl_balance_gradients(NEAR_POSTERIOR, NEAR_PRIOR, **{**BALANCE, "free_bits": 0.0})
    assert max(map(abs, grad_posterior)) > 1e-4 and max(map(abs, grad_prior)) > 1e-4


# --- twohot heads --------------------------------------------------------------------------------

BINS = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


@exercise("actors.dreamer.twohot_loss")
def test_twohot_loss_is_the_cross_entropy_against_the_twohot_of_the_symlog_target():
    logits = [0.3, -1.0, 2.0, 0.5, -0.2, 1.0]
    for target in (10.0, -1.5, 0.0, 500.0):
        weights = hand_twohot(symlog(target), BINS)  # 10 → ln 11 = 2.398: 0.602 on 2, 0.398 on 3
        expected = -sum(w * math.log(p) for w, p in zip(weights, softmax(logits)))
        assert dreamer.twohot_loss(logits, target, BINS) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer.twohot_loss_gradient")
def test_twohot_loss_gradient_is_predicted_minus_wanted_probabilities():
    logits = [0.3, -1.0, 2.0, 0.5, -0.2, 1.0]
    wanted = hand_twohot(symlog(-1.5), BINS)
    expected = [p - w for p, w in zip(softmax(logits), wanted)]
    assert dreamer.twohot_loss_gradient(logits, -1.5, BINS) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer.twohot_loss_gradient")
def test_twohot_loss_gradient_passes_the_gradient_check():
    generator = random.Random(5)
    logits = [generator.uniform(-2.0, 2.0) for _ in BINS]
    check_gradient(lambda z: dreamer.twohot_loss(z, 4.2, BINS), logits, dreamer.twohot_loss_gradient(logits, 4.2, BINS))


@exercise("actors.dreamer.twohot_mean")
def test_twohot_mean_is_the_symexp_of_the_mean_bin():
    logits = [0.3, -1.0, 2.0, 0.5, -0.2, 1.0]
    mean_bin = sum(p * b for p, b in zip(softmax(logits), BINS))
    assert dreamer.twohot_mean(logits, BINS) == pytest.approx(symexp(mean_bin), abs=1e-12)
    # All the mass on the bin 2.0 predicts symexp(2) = e² − 1.
    assert dreamer.twohot_mean([0.0, 0.0, 0.0, 0.0, 800.0, 0.0], BINS) == pytest.approx(math.exp(2.0) - 1.0, abs=1e-9)


@exercise("actors.dreamer.twohot_mean")
def test_a_zero_initialised_head_predicts_zero_on_symmetric_bins():
    assert dreamer.twohot_mean([0.0] * 5, [-20.0, -10.0, 0.0, 10.0, 20.0]) == pytest.approx(0.0, abs=1e-9)
    assert dreamer.twohot_mean([0.0] * 3, [-1.0, 1.0, 3.0]) == pytest.approx(math.e - 1.0, abs=1e-12)


@exercise("actors.dreamer.twohot_mean_gradient")
def test_twohot_mean_gradient_passes_the_gradient_check():
    generator = random.Random(6)
    for _ in range(3):
        logits = [generator.uniform(-2.0, 2.0) for _ in BINS]
        check_gradient(lambda z: dreamer.twohot_mean(z, BINS), logits, dreamer.twohot_mean_gradient(logits, BINS))


# --- the continue head ---------------------------------------------------------------------------


@exercise("actors.dreamer.continue_loss")
def test_continue_loss_is_the_binary_cross_entropy_of_the_sigmoid():
    for logit, target in ((0.7, 1.0), (-1.3, 0.0), (2.0, 0.25)):
        p = 1.0 / (1.0 + math.exp(-logit))
        expected = -target * math.log(p) - (1.0 - target) * math.log(1.0 - p)
        assert dreamer.continue_loss(logit, target) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer.continue_loss")
def test_continue_loss_stays_finite_for_huge_logits():
    assert dreamer.continue_loss(1000.0, 0.0) == pytest.approx(1000.0, abs=1e-9)  # −log(1 − σ) ≈ l
    assert dreamer.continue_loss(-1000.0, 1.0) == pytest.approx(1000.0, abs=1e-9)
    assert dreamer.continue_loss(1000.0, 1.0) == pytest.approx(0.0, abs=1e-12)


@exercise("actors.dreamer.continue_loss_gradient")
def test_continue_loss_gradient_is_sigmoid_minus_target_and_passes_the_check():
    assert dreamer.continue_loss_gradient(0.0, 1.0) == -0.5
    for logit, target in ((0.7, 1.0), (-1.3, 0.0), (-800.0, 1.0)):
        check_gradient(lambda x: dreamer.continue_loss(x[0], target), [logit], [dreamer.continue_loss_gradient(logit, target)])


# --- λ-returns in imagination --------------------------------------------------------------------

REWARDS = [-1.0, -0.5, 2.0]
CONTINUES = [1.0, 0.8, 1.0]
VALUES = [3.0, 1.0, -2.0, 4.0]


@exercise("actors.dreamer.lambda_returns")
def test_lambda_returns_match_a_hand_computation():
    # γ = 0.9, λ = 0.5, backward from R₃ = v₃ = 4:
    #   R₂ = 2 + 0.9·1·(0.5·4 + 0.5·4)          = 5.6
    #   R₁ = −0.5 + 0.9·0.8·(0.5·(−2) + 0.5·5.6) = 0.796
    #   R₀ = −1 + 0.9·1·(0.5·1 + 0.5·0.796)      = −0.1918
    returns = dreamer.lambda_returns(REWARDS, CONTINUES, VALUES, gamma=0.9, lam=0.5)
    assert returns == pytest.approx([-0.1918, 0.796, 5.6], abs=1e-12)


@exercise("actors.dreamer.lambda_returns")
def test_lambda_zero_is_the_one_step_target_and_lambda_one_the_discounted_sum():
    one_step = dreamer.lambda_returns(REWARDS, CONTINUES, VALUES, gamma=0.9, lam=0.0)
    assert one_step == pytest.approx([r + 0.9 * c * v for r, c, v in zip(REWARDS, CONTINUES, VALUES[1:])], abs=1e-12)
    full = dreamer.lambda_returns(REWARDS, CONTINUES, VALUES, gamma=0.9, lam=1.0)
    # R₀ = r₀ + γc₀(r₁ + γc₁(r₂ + γc₂·v₃)) = −1 + 0.9·(−0.5 + 0.72·(2 + 3.6))
    assert full[0] == pytest.approx(-1.0 + 0.9 * (-0.5 + 0.72 * (2.0 + 0.9 * 4.0)), abs=1e-12)


@exercise("actors.dreamer.lambda_returns")
def test_a_continue_of_zero_cuts_the_future_off():
    returns = dreamer.lambda_returns([1.0, 7.0], [0.0, 1.0], [5.0, 6.0, 9.0], gamma=0.9, lam=0.95)
    assert returns[0] == 1.0  # nothing after the end of the episode
    assert returns[1] == pytest.approx(7.0 + 0.9 * 9.0, abs=1e-12)  # the last step still bootstraps from v₂


@pytest.mark.parametrize(
    "rewards, continues, values, gamma, lam, message",
    [
        pytest.param([0.0] * 3, [1.0] * 3, [0.0] * 3, 0.9, 0.9, "H \\+ 1 values", marks=exercise("actors.dreamer.lambda_returns")),
        pytest.param([0.0] * 3, [1.0] * 2, [0.0] * 4, 0.9, 0.9, "H continues", marks=exercise("actors.dreamer.lambda_returns")),
        pytest.param([0.0], [1.0], [0.0] * 2, 1.5, 0.9, "gamma", marks=exercise("actors.dreamer.lambda_returns")),
        pytest.param([0.0], [1.0], [0.0] * 2, 0.9, -0.1, "lam", marks=exercise("actors.dreamer.lambda_returns")),
    ],
)
def test_lambda_returns_reject_mismatched_lengths_and_rates_outside_zero_one(rewards, continues, values, gamma, lam, message):
    with pytest.raises(ValueError, match=message):
        dreamer.lambda_returns(rewards, continues, values, gamma, lam)


@pytest.mark.parametrize(
    "part",
    [pytest.param(part, marks=exercise("actors.dreamer.lambda_returns_backward")) for part in ("rewards", "continues", "values")],
)
def test_lambda_returns_backward_is_the_gradient_of_the_returns(part):
    gamma, lam = 0.9, 0.7
    inputs = {"rewards": REWARDS, "continues": CONTINUES, "values": VALUES}

    def returns_of(point):
        return dreamer.lambda_returns(**{**inputs, part: point}, gamma=gamma, lam=lam)

    def backward(point, grad_returns):
        args = {**inputs, part: point}
        returns = dreamer.lambda_returns(**args, gamma=gamma, lam=lam)
        grads = dreamer.lambda_returns_backward(grad_returns, args["continues"], args["values"], returns, gamma, lam)
        return grads[("rewards", "continues", "values").index(part)]

    check_vector_jacobian_product(returns_of, backward, inputs[part], what=f"∂R/∂{part}")


@exercise("actors.dreamer.lambda_returns_backward")
def test_lambda_returns_backward_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="H \\+ 1 values"):
        dreamer.lambda_returns_backward([1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [2.25, 3.0], gamma=0.5, lam=0.5)


@exercise("actors.dreamer.lambda_returns_backward")
def test_lambda_returns_backward_on_a_hand_example():
    # From the module's worked example: ∂R₀ only: G₀ = 1, G₁ = 1·0.5·1·0.5 = 0.25.
    grads = dreamer.lambda_returns_backward([1.0, 0.0], [1.0, 1.0], [0.0, 2.0, 4.0], [2.25, 3.0], gamma=0.5, lam=0.5)
    assert grads == ([1.0, 0.25], [1.25, 0.5], [0.0, 0.25, 0.125])


# --- percentiles and the return normaliser -------------------------------------------------------


@pytest.mark.parametrize(
    "values, q, expected",
    [
        pytest.param([3.0, 1.0, 2.0, 4.0], 50.0, 2.5, marks=exercise("actors.dreamer.percentile")),  # between 2 and 3
        pytest.param([0.0, 10.0], 5.0, 0.5, marks=exercise("actors.dreamer.percentile")),  # 5 % of the way
        pytest.param(list(range(21)), 95.0, 19.0, marks=exercise("actors.dreamer.percentile")),  # position 19
        pytest.param([4.0, -7.0, 2.5], 0.0, -7.0, marks=exercise("actors.dreamer.percentile")),  # the minimum
        pytest.param([4.0, -7.0, 2.5], 100.0, 4.0, marks=exercise("actors.dreamer.percentile")),  # the maximum
        pytest.param([-3.5], 95.0, -3.5, marks=exercise("actors.dreamer.percentile")),  # one value
    ],
)
def test_percentile_interpolates_linearly_between_ranks(values, q, expected):
    assert dreamer.percentile(values, q) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "values, q",
    [
        pytest.param([], 50.0, marks=exercise("actors.dreamer.percentile")),
        pytest.param([1.0], 101.0, marks=exercise("actors.dreamer.percentile")),
        pytest.param([1.0], -1.0, marks=exercise("actors.dreamer.percentile")),
    ],
)
def test_percentile_rejects_no_values_and_q_outside_0_100(values, q):
    with pytest.raises(ValueError, match="percentile"):
        dreamer.percentile(values, q)


@exercise("actors.dreamer.ReturnNormaliser.update")
def test_the_return_scale_is_an_ema_of_the_5_to_95_percentile_range():
    normaliser = dreamer.ReturnNormaliser(decay=0.9)
    returns = [float(v) for v in range(-100, 1)]  # P5 = −95, P95 = −5: range 90
    assert normaliser.update(returns) == pytest.approx(0.1 * 90.0, abs=1e-9)  # EMA from 0: 9.0
    assert normaliser.update(returns) == pytest.approx(0.1 * 90.0 + 0.9 * 0.1 * 90.0, abs=1e-9)  # 17.1
    assert (normaliser.low_value, normaliser.high_value) == pytest.approx((-0.19 * 95.0, -0.19 * 5.0), abs=1e-9)


@exercise("actors.dreamer.ReturnNormaliser.update")
def test_small_returns_are_not_scaled_up():
    normaliser = dreamer.ReturnNormaliser(decay=0.0, limit=1.0)
    assert normaliser.update([0.1, 0.2, 0.3]) == 1.0  # range 0.19 < 1: divide by 1
    assert normaliser.update([-30.0, 10.0]) == pytest.approx(36.0, abs=1e-9)  # decay 0: this batch's range


# --- the actor's Gaussian ------------------------------------------------------------------------


@exercise("actors.dreamer.action_from_raw")
def test_action_from_raw_reparameterises_a_tanh_mean_and_a_bounded_spread():
    raw, noise = [0.4, -1.2, 0.3, -0.8], [0.7, -1.5]
    sigmoid = lambda v: 1.0 / (1.0 + math.exp(-v))  # noqa: E731
    stds = [0.9 * sigmoid(0.3 + 2.0) + 0.1, 0.9 * sigmoid(-0.8 + 2.0) + 0.1]
    expected = [math.tanh(0.4) + stds[0] * 0.7, math.tanh(-1.2) + stds[1] * -1.5]
    action, entropy = dreamer.action_from_raw(raw, noise, min_std=0.1, max_std=1.0)
    assert action == pytest.approx(expected, abs=1e-12)
    assert entropy == pytest.approx(sum(math.log(s) + 0.5 * math.log(2.0 * math.pi * math.e) for s in stds), abs=1e-12)


@exercise("actors.dreamer.action_from_raw")
def test_the_greedy_action_is_the_mean_and_the_spread_stays_within_its_bounds():
    action, _ = dreamer.action_from_raw([0.5, -0.5, 50.0, -50.0], [0.0, 0.0], 0.1, 1.0)
    assert action == pytest.approx([math.tanh(0.5), math.tanh(-0.5)], abs=1e-12)
    wide = dreamer.action_from_raw([0.0, 0.0, 50.0, -50.0], [1.0, 1.0], 0.1, 1.0)[0]
    assert wide == pytest.approx([1.0, 0.1], abs=1e-9)  # std → max_std and → min_std


@exercise("actors.dreamer.action_from_raw")
def test_action_from_raw_rejects_a_raw_output_of_the_wrong_length():
    with pytest.raises(ValueError, match="4 raw outputs"):
        dreamer.action_from_raw([0.0, 0.0, 0.0], [0.0, 0.0], 0.1, 1.0)


@exercise("actors.dreamer.action_from_raw_backward")
def test_action_from_raw_backward_passes_the_gradient_check():
    generator = random.Random(7)
    raw = [generator.uniform(-1.5, 1.5) for _ in range(4)]
    noise = [0.8, -1.3]

    def action_and_entropy(point):
        action, entropy = dreamer.action_from_raw(point, noise, 0.1, 1.0)
        return action + [entropy]

    def backward(point, g):
        return dreamer.action_from_raw_backward(point, noise, g[:2], g[2], 0.1, 1.0)

    check_vector_jacobian_product(action_and_entropy, backward, raw, what="actor Gaussian")


@exercise("actors.dreamer.action_from_raw_backward")
def test_action_from_raw_backward_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="4 raw outputs and 2 action gradients"):
        dreamer.action_from_raw_backward([0.0] * 4, [0.0, 0.0], [1.0], 0.0, 0.1, 1.0)


# ═══ 2. the world model ═══════════════════════════════════════════════════════════════════

TINY = dict(image_size=3, batch_size=2, sequence_length=3, gru_units=3, categoricals=2, classes=3, encoder_units=4,
            hidden_units=4, head_units=3, actor_critic_units=4, bins=5, bin_low=-2.0, bin_high=2.0)  # fmt: skip


def tiny_config(**changes):
    return dreamer.Config(**{**TINY, **changes})


def randomise(networks, seed):
    """Every weight uniform in [−1, 1] (the zero-initialised heads too), so every path matters."""
    generator = random.Random(seed)
    for network in networks:
        for parameter in network.parameters():
            parameter.value = [[generator.uniform(-1.0, 1.0) for _ in row] for row in parameter.value]


def tiny_batch(seed, steps=3, size=2, pixels=9):
    generator = random.Random(seed)
    return dreamer.Batch(
        images=[[[generator.random() for _ in range(pixels)] for _ in range(size)] for _ in range(steps)],
        actions=[[[generator.uniform(-1.0, 1.0) for _ in range(2)] for _ in range(size)] for _ in range(steps)],
        rewards=[[generator.uniform(-2.0, 0.0) for _ in range(size)] for _ in range(steps)],
        continues=[[float(generator.random() < 0.7) for _ in range(size)] for _ in range(steps)],
        reward_mask=[[0.0 if t == 0 and b == 1 else 1.0 for b in range(size)] for t in range(steps)],
    )


def tiny_model(seed=0, **changes):
    model = dreamer.WorldModel(tiny_config(**changes), Rng(seed))
    randomise([model], seed)
    return model


def parameter_subset(parameters, per_parameter, seed):
    """(parameter, row, column) for up to `per_parameter` entries of every parameter."""
    generator = random.Random(seed)
    chosen = []
    for parameter in parameters:
        entries = [(r, k) for r, row in enumerate(parameter.value) for k in range(len(row))]
        for r, k in generator.sample(entries, min(per_parameter, len(entries))):
            chosen.append((parameter, r, k))
    return chosen


def check_parameter_gradient(loss_of_parameters, backward, parameters, what, per_parameter=5, seed=0):
    """The trusted checker on a subset of every parameter's entries: analytic from `backward()`
    (run once, after zeroing), numeric from central differences of `loss_of_parameters()`."""
    dreamer.zero_grad(parameters)
    backward()
    chosen = parameter_subset(parameters, per_parameter, seed)
    analytic = [parameter.grad[r][k] for parameter, r, k in chosen]
    start = [parameter.value[r][k] for parameter, r, k in chosen]

    def loss_at(point):
        for (parameter, r, k), value in zip(chosen, point):
            parameter.value[r][k] = value
        return loss_of_parameters()

    try:
        check_gradient(loss_at, start, analytic, what=what, rtol=1e-4, atol=1e-7)
    finally:
        for (parameter, r, k), value in zip(chosen, start):
            parameter.value[r][k] = value
    assert sum(abs(a) > 1e-6 for a in analytic) >= len(analytic) // 4  # a check of zeros would prove nothing


# --- observe -------------------------------------------------------------------------------------


@exercise("actors.dreamer.WorldModel.observe")
def test_observe_starts_from_a_zero_state_and_samples_one_hot_latents():
    model, batch = tiny_model(), tiny_batch(1)
    observation = model.observe(batch.images, batch.actions, Rng(2))
    assert len(observation.hidden) == 3 and len(observation.hidden[0]) == 2
    assert observation.hidden[0] == [[0.0] * 3, [0.0] * 3]  # h_0 = 0
    assert observation.hidden[1] != observation.hidden[0]
    for step in observation.latents:
        for z in step:
            assert len(z) == 6 and sorted(z[:3]) == [0.0, 0.0, 1.0] and sorted(z[3:]) == [0.0, 0.0, 1.0]
    assert [len(row) for step in observation.prior_logits for row in step] == [6] * 6
    assert len(observation.features()) == 6 and len(observation.features()[0]) == 9  # T·B rows of [h, z]


@exercise("actors.dreamer.WorldModel.observe")
def test_observe_follows_the_rssm_equations_step_by_step():
    model, batch = tiny_model(3), tiny_batch(4)
    observation = model.observe(batch.images, batch.actions, Rng(5))
    model.forget()
    replay, hidden = Rng(5), [[0.0] * 3, [0.0] * 3]
    embeds = model.encoder.forward([dreamer.preprocess_image(x, 9) for step in batch.images for x in step])[0]
    for t in range(3):
        if t > 0:  # h_t = GRU([z_{t−1}, a_{t−1}], h_{t−1})
            previous = observation.latents[t - 1]
            hidden = model.gru.step([z + a for z, a in zip(previous, batch.actions[t - 1])], hidden)
            model.forget()
        assert flat(observation.hidden[t]) == pytest.approx(flat(hidden), abs=1e-12)
        logits = model.posterior.forward([h + e for h, e in zip(hidden, embeds[2 * t : 2 * t + 2])])[0]
        assert flat(observation.posterior_logits[t]) == pytest.approx(flat(logits), abs=1e-12)
        for b in range(2):  # samples in the order t, b, with one draw per categorical
            z, p = dreamer.latent_sample(logits[b], 3, 0.01, replay)
            assert observation.latents[t][b] == z and observation.probabilities[t][b] == pytest.approx(p, abs=1e-12)
        assert flat(observation.prior_logits[t]) == pytest.approx(flat(model.prior.forward(hidden)[0]), abs=1e-12)


@exercise("actors.dreamer.WorldModel.observe")
def test_a_held_pass_replays_the_same_latents_and_values():
    model, batch = tiny_model(), tiny_batch(1)
    first = model.observe(batch.images, batch.actions, Rng(2))
    again = model.observe(batch.images, batch.actions, None, first.held())
    assert flat(again.latents) == pytest.approx(flat(first.latents), abs=1e-12)
    assert flat(again.prior_logits) == pytest.approx(flat(first.prior_logits), abs=1e-12)


@exercise("actors.dreamer.WorldModel.observe")
def test_observe_rejects_images_of_the_wrong_size():
    model, batch = tiny_model(), tiny_batch(1, pixels=16)
    with pytest.raises(ValueError, match="9 pixels"):
        model.observe(batch.images, batch.actions, Rng(0))


# --- the world-model loss ------------------------------------------------------------------------


def hand_terms(model, observation, batch):
    """The five terms written out from their formulas, on the model's own head outputs."""
    c = model.config
    features = observation.features()
    decoded = model.decoder.forward(features)[0]
    reward_logits = model.reward.forward(features)[0]
    continue_logits = model.continue_head.forward(features)[0]
    rewards = [r for step in batch.rewards for r in step]
    masks = [m for step in batch.reward_mask for m in step]
    continues = [k for step in batch.continues for k in step]
    count = len(features)
    image = sum((p - x) ** 2 for row, target in zip(decoded, observation.targets) for p, x in zip(row, target))
    reward = 0.0
    for logits, r, m in zip(reward_logits, rewards, masks):
        wanted = hand_twohot(symlog(r), c.bin_values)
        reward += m * -sum(w * math.log(p) for w, p in zip(wanted, softmax(logits)) if w)
    cont = 0.0
    for (logit,), k in zip(continue_logits, continues):
        p = 1.0 / (1.0 + math.exp(-logit))
        cont += -k * math.log(p) - (1.0 - k) * math.log(1.0 - p)
    kls = [hand_kl(q, p, c.classes, c.unimix) for qs, ps in zip(observation.posterior_logits, observation.prior_logits) for q, p in zip(qs, ps)]
    clipped = sum(max(c.free_bits, value) for value in kls)
    return {
        "image": c.image_scale * image / count,
        "reward": c.prediction_scale * reward / count,
        "continue": c.prediction_scale * cont / count,
        "dynamics": c.dynamics_scale * clipped / count,
        "representation": c.representation_scale * clipped / count,
    }, sum(kls) / count


@exercise("actors.dreamer.WorldModel.loss")
def test_each_world_model_term_matches_its_formula():
    model, batch = tiny_model(free_bits=0.05), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    loss = model.loss(observation, batch)
    expected, mean_kl = hand_terms(model, observation, batch)
    assert loss.terms == pytest.approx(expected, abs=1e-9)
    assert loss.kl == pytest.approx(mean_kl, abs=1e-12)
    assert loss.total == pytest.approx(sum(expected.values()), abs=1e-9)
    assert len(loss.reconstructions) == 6 and len(loss.reconstructions[0]) == 9


@exercise("actors.dreamer.WorldModel.loss")
def test_the_image_loss_is_scaled_so_the_model_cannot_ignore_the_pixels():
    model, batch = tiny_model(), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    heavy = model.loss(observation, batch).terms["image"]
    light = dreamer.WorldModel.loss(_with_config(model, image_scale=1.0), observation, batch).terms["image"]
    assert heavy == pytest.approx(10.0 * light, abs=1e-9) and light > 0.0


def _with_config(model, **changes):
    clone = dreamer.WorldModel.__new__(dreamer.WorldModel)
    clone.__dict__.update(model.__dict__)
    clone.config = dreamer.Config(**{**TINY, **changes})
    return clone


@exercise("actors.dreamer.WorldModel.loss")
def test_free_bits_hold_both_kl_terms_at_their_floor():
    model, batch = tiny_model(free_bits=50.0), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    loss = model.loss(observation, batch)
    assert loss.terms["dynamics"] == pytest.approx(0.5 * 50.0, abs=1e-12)
    assert loss.terms["representation"] == pytest.approx(0.1 * 50.0, abs=1e-12)
    assert all(g == 0.0 for row in loss.grad_prior_logits + loss.grad_posterior_logits for g in row)


@exercise("actors.dreamer.WorldModel.loss")
def test_only_the_chosen_terms_enter_the_total_and_the_gradients():
    model, batch = tiny_model(free_bits=0.0), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    loss = model.loss(observation, batch, terms=("reward",))
    assert loss.total == pytest.approx(loss.terms["reward"], abs=1e-12) and loss.total > 0.0
    assert all(g == 0.0 for row in loss.grad_reconstructions + loss.grad_prior_logits + loss.grad_continue_logits for g in row)
    assert any(g != 0.0 for row in loss.grad_reward_logits for g in row)
    masked_row = loss.grad_reward_logits[1]  # step 0 of sequence 1 has no reward (mask 0)
    assert masked_row == [0.0] * 5


@pytest.mark.parametrize(
    "term",
    [
        pytest.param(term, marks=exercise("actors.dreamer.WorldModel.backward", "actors.dreamer.WorldModel.loss"))
        for term in dreamer.WORLD_MODEL_TERMS
    ],
)
def test_each_world_model_term_passes_the_gradient_check_through_time(term):
    # Every weight of the model (encoder, GRU, posterior, prior, decoder, heads), a subset of
    # entries each, with the sampled latents and the stop-gradient inputs held.
    model, batch = tiny_model(free_bits=0.0), tiny_batch(8)
    held = model.observe(batch.images, batch.actions, Rng(9)).held()
    model.forget()

    def loss_of_parameters():
        observation = model.observe(batch.images, batch.actions, None, held)
        model.forget()
        return model.loss(observation, batch, held, terms=(term,)).total

    def backward():
        observation = model.observe(batch.images, batch.actions, None, held)
        model.backward(observation, model.loss(observation, batch, held, terms=(term,)))

    check_parameter_gradient(loss_of_parameters, backward, model.parameters(), what=f"world model: {term}")


@exercise("actors.dreamer.WorldModel.backward")
def test_world_model_backward_reaches_every_network_and_undoes_every_gru_step():
    model, batch = tiny_model(free_bits=0.0), tiny_batch(8)
    dreamer.zero_grad(model.parameters())
    observation = model.observe(batch.images, batch.actions, Rng(9))
    model.backward(observation, model.loss(observation, batch))
    for network in (model.encoder, model.gru, model.posterior, model.prior, model.decoder, model.reward, model.continue_head):
        assert any(g != 0.0 for parameter in network.parameters() for row in parameter.grad for g in row)
    with pytest.raises(RuntimeError, match="no step left"):
        model.gru.backward_step([[0.0] * 3] * 2)  # all T − 1 steps were popped by the backward pass


# --- open-loop prediction ------------------------------------------------------------------------


@exercise("actors.dreamer.open_loop")
def test_open_loop_watches_the_context_then_dreams_on_with_the_real_actions():
    model = tiny_model(5)
    episode = tiny_batch(6, steps=6, size=1)
    images, actions = [step[0] for step in episode.images], [step[0] for step in episode.actions]
    pictures, rewards = dreamer.open_loop(model, images, actions, 2, Rng(7))
    assert len(pictures) == 6 and len(rewards) == 6 and len(pictures[0]) == 9
    replay, c, bins = Rng(7), model.config, model.config.bin_values
    observation = model.observe([[x] for x in images[:2]], [[a] for a in actions[:2]], replay)
    model.forget()
    features = observation.features()
    hidden, latent = observation.hidden[-1][0], observation.latents[-1][0]
    for t in range(2, 6):  # no more images: the GRU and the prior, with the real actions
        hidden = model.gru.step([latent + actions[t - 1]], [hidden])[0]
        model.forget()
        latent = dreamer.latent_sample(model.prior.forward([hidden])[0][0], c.classes, c.unimix, replay)[0]
        features.append(hidden + latent)
    for t, feature in enumerate(features):
        decoded = model.decoder.forward([feature])[0][0]
        assert pictures[t] == pytest.approx([symexp(v) + 0.5 for v in decoded], abs=1e-12)
        assert rewards[t] == pytest.approx(dreamer.twohot_mean(model.reward.forward([feature])[0][0], bins), abs=1e-12)


@exercise("actors.dreamer.open_loop")
def test_open_loop_with_every_image_as_context_is_the_posterior_reconstruction():
    model = tiny_model(5)
    episode = tiny_batch(6, steps=3, size=1)
    images, actions = [step[0] for step in episode.images], [step[0] for step in episode.actions]
    pictures, _ = dreamer.open_loop(model, images, actions, 3, Rng(7))
    observation = model.observe([[x] for x in images], [[a] for a in actions], Rng(7))
    loss = model.loss(observation, dreamer.Batch(episode.images, episode.actions, episode.rewards, episode.continues, episode.reward_mask))
    assert flat(pictures) == pytest.approx([symexp(v) + 0.5 for v in flat(loss.reconstructions)], abs=1e-12)


@pytest.mark.parametrize("context", [pytest.param(k, marks=exercise("actors.dreamer.open_loop")) for k in (0, 4, 1.5)])
def test_open_loop_needs_a_context_of_one_image_up_to_all_of_them(context):
    model = tiny_model(5)
    episode = tiny_batch(6, steps=3, size=1)
    with pytest.raises(ValueError, match="context"):
        dreamer.open_loop(model, [s[0] for s in episode.images], [s[0] for s in episode.actions], context, Rng(0))


@exercise("actors.dreamer.open_loop")
def test_open_loop_needs_an_action_after_every_image_but_the_last():
    model = tiny_model(5)
    episode = tiny_batch(6, steps=4, size=1)
    with pytest.raises(ValueError, match="action after every image"):
        dreamer.open_loop(model, [s[0] for s in episode.images], [s[0] for s in episode.actions][:2], 1, Rng(0))


# ═══ 3. behaviour in imagination ══════════════════════════════════════════════════════════


def tiny_agent(seed=0, **changes):
    agent = dreamer.Dreamer(tiny_config(**changes), Rng(seed))
    randomise([agent.model, agent.actor, agent.critic, agent.slow_critic], seed)
    return agent


def tiny_starts(agent, seed):
    """Posterior states of a tiny batch, as the update would pick them: 4 starts."""
    batch = tiny_batch(seed)
    observation = agent.model.observe(batch.images, batch.actions, Rng(seed))
    agent.model.forget()
    rows = [(t, b) for t in range(3) for b in range(2)][:4]
    return [observation.hidden[t][b] for t, b in rows], [observation.latents[t][b] for t, b in rows]


@exercise("actors.dreamer.imagine")
def test_imagine_rolls_the_actor_and_the_prior_forward_step_by_step():
    agent = tiny_agent(1)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    agent.model.forget()
    c, replay = agent.config, Rng(3)
    assert len(imagination.hidden) == 4 and len(imagination.actions) == 3 and len(imagination.entropies[0]) == 4
    for t in range(3):
        states = [h + z for h, z in zip(imagination.hidden[t], imagination.latents[t])]
        raw = agent.actor.forward(states)[0]
        noises = [replay.normals(2) for _ in range(4)]  # the action noise of every start first…
        for n in range(4):
            action, entropy = dreamer.action_from_raw(raw[n], noises[n], c.min_std, c.max_std)
            assert imagination.actions[t][n] == pytest.approx(action, abs=1e-12)
            assert imagination.entropies[t][n] == pytest.approx(entropy, abs=1e-12)
        inputs = [z + a for z, a in zip(imagination.latents[t], imagination.actions[t])]
        following = agent.model.gru.step(inputs, imagination.hidden[t])
        agent.model.forget()
        assert flat(imagination.hidden[t + 1]) == pytest.approx(flat(following), abs=1e-12)
        logits = agent.model.prior.forward(following)[0]
        for n in range(4):  # …then the prior's sample of every start
            z, _ = dreamer.latent_sample(logits[n], c.classes, c.unimix, replay)
            assert imagination.latents[t + 1][n] == z
    assert imagination.latents[0] == latents and imagination.hidden[0] == hidden


@pytest.mark.parametrize("horizon", [pytest.param(h, marks=exercise("actors.dreamer.imagine")) for h in (0, -3, 2.0)])
def test_imagine_rejects_a_horizon_below_one(horizon):
    agent = tiny_agent(1)
    hidden, latents = tiny_starts(agent, 2)
    with pytest.raises(ValueError, match="horizon"):
        dreamer.imagine(agent.model, agent.actor, hidden, latents, horizon, Rng(3))


@exercise("actors.dreamer.behaviour_losses")
def test_behaviour_scores_the_dream_with_lambda_returns_weights_and_the_return_scale():
    agent = tiny_agent(1, gamma=0.9, lam=0.8)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    agent.model.forget()
    normaliser = dreamer.ReturnNormaliser(decay=0.5)
    behaviour = dreamer.behaviour_losses(imagination, agent.model, agent.critic, agent.slow_critic, normaliser)
    bins, states = agent.config.bin_values, imagination.features()
    predict = lambda network, row: dreamer.twohot_mean(network.forward([states[row]])[0][0], bins)  # noqa: E731
    for t in range(3):
        for n in range(4):
            row = (t + 1) * 4 + n
            assert behaviour.rewards[t][n] == pytest.approx(predict(agent.model.reward, row), abs=1e-12)
            logit = agent.model.continue_head.forward([states[row]])[0][0][0]
            assert behaviour.continues[t][n] == pytest.approx(1.0 / (1.0 + math.exp(-logit)), abs=1e-12)
    for t in range(4):
        assert behaviour.values[t] == pytest.approx([predict(agent.critic, t * 4 + n) for n in range(4)], abs=1e-12)
    for n in range(4):
        column = lambda rows: [row[n] for row in rows]  # noqa: E731
        expected = dreamer.lambda_returns(column(behaviour.rewards), column(behaviour.continues), column(behaviour.values), 0.9, 0.8)
        assert column(behaviour.returns) == pytest.approx(expected, abs=1e-12)
        k = column(behaviour.continues)
        assert column(behaviour.weights) == pytest.approx([1.0, 0.9 * k[0], 0.81 * k[0] * k[1]], abs=1e-12)
    everything = flat(behaviour.returns)
    range_ = dreamer.percentile(everything, 95.0) - dreamer.percentile(everything, 5.0)
    assert behaviour.scale == pytest.approx(max(1.0, 0.5 * range_), abs=1e-12)


@exercise("actors.dreamer.behaviour_losses")
def test_the_actor_and_critic_terms_follow_their_formulas():
    agent = tiny_agent(1, entropy_scale=0.5, slow_regulariser=0.7)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    agent.model.forget()
    behaviour = dreamer.behaviour_losses(imagination, agent.model, agent.critic, agent.slow_critic, dreamer.ReturnNormaliser(0.0, 0.01))
    w, count, bins, states = behaviour.weights, 12, agent.config.bin_values, imagination.features()
    assert behaviour.actor_terms["return"] == pytest.approx(-sum(a * r for a, r in zip(flat(w), flat(behaviour.returns))) / (behaviour.scale * count), abs=1e-12)
    assert behaviour.actor_terms["entropy"] == pytest.approx(-0.5 * sum(a * e for a, e in zip(flat(w), flat(imagination.entropies))) / count, abs=1e-12)
    critic_logits = agent.critic.forward(states)[0]
    slow = [dreamer.twohot_mean(row, bins) for row in agent.slow_critic.forward(states[:12])[0]]
    assert flat(behaviour.slow_values) == pytest.approx(slow, abs=1e-12)
    on_returns = sum(a * dreamer.twohot_loss(z, r, bins) for a, z, r in zip(flat(w), critic_logits, flat(behaviour.returns))) / count
    on_slow = 0.7 * sum(a * dreamer.twohot_loss(z, v, bins) for a, z, v in zip(flat(w), critic_logits, slow)) / count
    assert behaviour.critic_terms == pytest.approx({"return": on_returns, "slow": on_slow}, abs=1e-12)
    assert behaviour.actor_loss == pytest.approx(sum(behaviour.actor_terms.values()), abs=1e-15)
    assert behaviour.grad_critic_logits[12:] == [[0.0] * 5] * 4  # no loss on the last state s_H


@exercise("actors.dreamer.behaviour_losses")
def test_held_stop_gradients_replace_the_weights_scale_and_targets_and_leave_the_normaliser_alone():
    agent = tiny_agent(1)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    agent.model.forget()
    normaliser = dreamer.ReturnNormaliser(decay=0.5)
    first = dreamer.behaviour_losses(imagination, agent.model, agent.critic, agent.slow_critic, normaliser)
    before = (normaliser.low_value, normaliser.high_value)
    held = dreamer.HeldBehaviour([[2.0] * 4] * 3, 4.0, first.returns, first.slow_values)
    again = dreamer.behaviour_losses(imagination, agent.model, agent.critic, agent.slow_critic, normaliser, held)
    assert (normaliser.low_value, normaliser.high_value) == before
    assert again.actor_terms["return"] == pytest.approx(-2.0 * sum(flat(first.returns)) / (4.0 * 12), abs=1e-12)


def behaviour_check(term, which):
    """The trusted checker on one behaviour term, with the imagination's samples and the
    behaviour's stop-gradient inputs held (the actor's terms on the actor's weights through
    the dynamics; the critic's on the critic's weights)."""
    agent = tiny_agent(2, entropy_scale=0.5, gamma=0.9, lam=0.7)
    hidden, latents = tiny_starts(agent, 3)
    model, normaliser = agent.model, dreamer.ReturnNormaliser(decay=0.0)
    first = dreamer.imagine(model, agent.actor, hidden, latents, 3, Rng(4))
    model.forget()
    held_imagination = first.held()
    held_behaviour = dreamer.behaviour_losses(first, model, agent.critic, agent.slow_critic, normaliser).held()
    terms = {"actor_terms": (term,)} if which == "actor" else {"critic_terms": (term,)}

    def run():
        imagination = dreamer.imagine(model, agent.actor, hidden, latents, 3, None, held_imagination)
        return imagination, dreamer.behaviour_losses(imagination, model, agent.critic, agent.slow_critic, normaliser, held_behaviour, **terms)

    def loss_of_parameters():
        _, behaviour = run()
        model.forget()
        return behaviour.actor_loss if which == "actor" else behaviour.critic_loss

    def backward():
        imagination, behaviour = run()
        if which == "actor":
            dreamer.actor_backward(imagination, behaviour, model, agent.critic, agent.actor)
        else:
            model.forget()
            agent.critic.backward(behaviour.critic_tape, behaviour.grad_critic_logits, inputs=False)

    network = agent.actor if which == "actor" else agent.critic
    check_parameter_gradient(loss_of_parameters, backward, network.parameters(), what=f"{which}: {term}", per_parameter=6)


@pytest.mark.parametrize(
    "term",
    [pytest.param(term, marks=exercise("actors.dreamer.actor_backward", "actors.dreamer.behaviour_losses")) for term in dreamer.ACTOR_TERMS],
)
def test_each_actor_term_passes_the_gradient_check_through_the_dynamics(term):
    behaviour_check(term, "actor")


@pytest.mark.parametrize(
    "term",
    [pytest.param(term, marks=exercise("actors.dreamer.behaviour_losses")) for term in dreamer.CRITIC_TERMS],
)
def test_each_critic_term_passes_the_gradient_check(term):
    behaviour_check(term, "critic")


@exercise("actors.dreamer.actor_backward")
def test_actor_backward_trains_the_actor_only_and_undoes_every_imagined_gru_step():
    agent = tiny_agent(2)
    hidden, latents = tiny_starts(agent, 3)
    imagination = dreamer.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(4))
    behaviour = dreamer.behaviour_losses(imagination, agent.model, agent.critic, agent.slow_critic, dreamer.ReturnNormaliser())
    heads = agent.critic.parameters() + agent.model.reward.parameters() + agent.model.prior.parameters() + agent.model.gru.parameters()
    dreamer.zero_grad(heads + agent.actor.parameters())
    dreamer.actor_backward(imagination, behaviour, agent.model, agent.critic, agent.actor)
    assert all(g == 0.0 for parameter in heads for row in parameter.grad for g in row)  # inputs only
    assert any(g != 0.0 for parameter in agent.actor.parameters() for row in parameter.grad for g in row)
    with pytest.raises(RuntimeError, match="no step left"):
        agent.model.gru.backward_step([[0.0] * 3] * 4)


# ═══ 4. replay, acting, the update and the training loop ══════════════════════════════════

SMALL = dict(image_size=4, batch_size=4, sequence_length=5, gru_units=4, categoricals=2, classes=3, encoder_units=6,
             hidden_units=6, head_units=4, actor_critic_units=6, bins=7, horizon=3, imagination_starts=4)  # fmt: skip


def small_config(**changes):
    return dreamer.Config(**{**SMALL, **changes})


def random_episodes(count, seed, size=4):
    """Whole episodes of random pushes in the pixel world, as EpisodeRecords."""
    world, generator, records = PixelPointMass(size=size), random.Random(seed), []
    for episode in range(count):
        record = dreamer.EpisodeRecord()
        image, _ = world.reset(seed=seed * 100 + episode)
        record.begin(image)
        while True:
            action = [generator.uniform(-1.0, 1.0), generator.uniform(-1.0, 1.0)]
            step = world.step(action)
            record.add(action, step)
            image = step.observation
            if step.truncated:
                record.end()
                break
        records.append(record)
    return records


def labelled_episode(label, length):
    """An episode whose entries say where they come from: image [label, step]."""
    record = dreamer.EpisodeRecord()
    for step in range(length):
        record.images.append([float(label), float(step)])
        record.actions.append([float(label), -float(step)])
        record.rewards.append(-float(step))
        record.continues.append(1.0)
        record.reward_mask.append(0.0 if step == 0 else 1.0)
    return record


# --- sample_batch --------------------------------------------------------------------------------


@exercise("actors.dreamer.sample_batch")
def test_sample_batch_replays_consecutive_steps_of_one_episode_time_major():
    buffer = ReplayBuffer(10)
    for label in range(3):
        buffer.add(labelled_episode(label, 8))
    batch = dreamer.sample_batch(buffer, batch_size=5, length=4, rng=Rng(2))
    assert len(batch.images) == 4 and len(batch.images[0]) == 5  # T × B
    replay = Rng(2)
    for b in range(5):  # an episode (one draw), then a start where 4 steps fit (one draw)
        label = replay.integers(0, 3)
        start = replay.integers(0, 8 - 4 + 1)
        assert [batch.images[t][b] for t in range(4)] == [[float(label), float(start + t)] for t in range(4)]
        assert [batch.actions[t][b] for t in range(4)] == [[float(label), -float(start + t)] for t in range(4)]
        assert [batch.rewards[t][b] for t in range(4)] == [-float(start + t) for t in range(4)]
        assert [batch.reward_mask[t][b] for t in range(4)] == [0.0 if start + t == 0 else 1.0 for t in range(4)]
        assert [batch.continues[t][b] for t in range(4)] == [1.0] * 4


@exercise("actors.dreamer.sample_batch")
def test_sample_batch_can_take_a_whole_episode_but_not_more():
    buffer = ReplayBuffer(2)
    buffer.add(labelled_episode(7, 6))
    whole = dreamer.sample_batch(buffer, batch_size=1, length=6, rng=Rng(0))
    assert [step[0] for step in whole.images] == [[7.0, float(t)] for t in range(6)]
    with pytest.raises(ValueError, match="6 steps.*7"):
        dreamer.sample_batch(buffer, batch_size=1, length=7, rng=Rng(0))


# --- acting --------------------------------------------------------------------------------------


@exercise("actors.dreamer.Dreamer.act")
def test_act_starts_an_episode_from_a_zero_state_and_acts_on_the_posterior():
    agent = dreamer.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 1)
    image = random_episodes(1, 3)[0].images[0]
    action, memory = agent.act(image, None, Rng(5))
    assert memory.hidden == [0.0] * 4 and memory.action == action
    c, replay = agent.config, Rng(5)
    embed = agent.model.encoder.forward([dreamer.preprocess_image(image, 16)])[0][0]
    logits = agent.model.posterior.forward([[0.0] * 4 + embed])[0][0]
    latent, _ = dreamer.latent_sample(logits, c.classes, c.unimix, replay)
    raw = agent.actor.forward([[0.0] * 4 + latent])[0][0]
    expected, _ = dreamer.action_from_raw(raw, replay.normals(2), c.min_std, c.max_std)
    assert memory.latent == latent and action == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer.Dreamer.act")
def test_act_carries_the_recurrent_state_and_leaves_no_gru_record_behind():
    agent = dreamer.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 1)
    images = random_episodes(1, 3)[0].images
    _, memory = agent.act(images[0], None, Rng(5))
    _, following = agent.act(images[1], memory, Rng(6))
    expected = agent.model.gru.step([memory.latent + memory.action], [memory.hidden])[0]
    agent.model.forget()
    assert following.hidden == pytest.approx(expected, abs=1e-12) and following.hidden != [0.0] * 4
    with pytest.raises(RuntimeError, match="no step left"):
        agent.model.gru.backward_step([[0.0] * 4])


@exercise("actors.dreamer.Dreamer.act")
def test_the_greedy_agent_acts_on_the_posterior_mode_with_the_mean_action():
    agent = dreamer.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 2)
    image = random_episodes(1, 4)[0].images[0]
    action, memory = agent.act(image, None, None, greedy=True)
    embed = agent.model.encoder.forward([dreamer.preprocess_image(image, 16)])[0][0]
    logits = agent.model.posterior.forward([[0.0] * 4 + embed])[0][0]
    mode = []
    for group in (logits[:3], logits[3:]):
        mode += [1.0 if k == group.index(max(group)) else 0.0 for k in range(3)]
    raw = agent.actor.forward([[0.0] * 4 + mode])[0][0]
    assert memory.latent == mode
    assert action == pytest.approx([math.tanh(raw[0]), math.tanh(raw[1])], abs=1e-12)
    assert agent.act(image, None, None, greedy=True)[0] == action  # no randomness


@exercise("actors.dreamer.Dreamer.act")
def test_act_rejects_an_image_of_the_wrong_size():
    agent = dreamer.Dreamer(small_config(), Rng(0))
    with pytest.raises(ValueError, match="16 pixels.*got 64"):
        agent.act([0.5] * 64, None, Rng(0))


@exercise("actors.dreamer.evaluate")
def test_evaluate_plays_one_greedy_episode_per_seed_in_the_real_world():
    agent = dreamer.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 3)
    world = PixelPointMass(size=4)
    returns = dreamer.evaluate(agent, world, [7, 8])
    for seed, value in zip([7, 8], returns):
        image, _ = world.reset(seed=seed)
        memory, total = None, 0.0
        for t in range(50):
            action, memory = agent.act(image, memory, None, greedy=True)
            step = world.step(action)
            total += step.reward
            image = step.observation
        assert step.truncated and value == pytest.approx(total, abs=1e-12)
    assert len(returns) == 2 and all(value < 0.0 for value in returns)


# --- the update ----------------------------------------------------------------------------------


@exercise("actors.dreamer.Dreamer.update")
def test_an_update_steps_all_three_learners_and_moves_the_slow_critic_two_percent():
    agent = dreamer.Dreamer(small_config(), Rng(0))
    buffer = ReplayBuffer(5)
    for record in random_episodes(2, 1):
        buffer.add(record)
    batch = dreamer.sample_batch(buffer, 4, 5, Rng(1))
    snapshot = lambda network: [[list(row) for row in p.value] for p in network.parameters()]  # noqa: E731
    model, actor, critic, slow = (snapshot(n) for n in (agent.model, agent.actor, agent.critic, agent.slow_critic))
    stats = agent.update(batch, Rng(2))
    for network, before in ((agent.model, model), (agent.actor, actor), (agent.critic, critic)):
        assert snapshot(network) != before
    for old, new_slow, new_fast in zip(flat(slow), flat(snapshot(agent.slow_critic)), flat(snapshot(agent.critic))):
        assert new_slow == pytest.approx(old + 0.02 * (new_fast - old), abs=1e-12)
    assert stats.model_loss == pytest.approx(sum(stats.model_terms.values()), abs=1e-9) and stats.model_loss > 0.0
    assert stats.return_scale >= 1.0 and stats.entropy > 0.0
    assert agent.normaliser.high_value != 0.0 or agent.normaliser.low_value != 0.0
    with pytest.raises(RuntimeError, match="no step left"):
        agent.model.gru.backward_step([[0.0] * 4] * 4)


@exercise("actors.dreamer.Dreamer.update")
def test_repeated_updates_fit_the_world_model_to_a_batch():
    # Every seed: 30 updates on one batch take its world-model loss well down (measured: to
    # under half; asked: under 70 %).
    for seed in range(3):
        buffer = ReplayBuffer(5)
        for record in random_episodes(3, seed):
            buffer.add(record)
        agent, rng = dreamer.Dreamer(small_config(), Rng(seed)), Rng(seed)
        batch = dreamer.sample_batch(buffer, 4, 5, rng)
        losses = [agent.update(batch, rng).model_loss for _ in range(30)]
        assert sum(losses[-3:]) < 0.7 * sum(losses[:3])


# --- the training loop ---------------------------------------------------------------------------

RUN = dict(prefill_steps=100, train_every=5, updates=4, eval_every=2, eval_episodes=2)


@exercise("actors.dreamer.train")
def test_train_prefills_then_updates_every_train_every_steps_and_evaluates():
    reports = []
    result = dreamer.train(small_config(**RUN), seed=3, on_update=reports.append)
    assert [report.update for report in reports] == [1, 2, 3, 4] and result.reports == reports
    assert [report.env_steps for report in reports] == [105, 110, 115, 120]  # 100 random steps, then 5 per update
    assert result.env_steps == 120 and len(result.episode_returns) == 2  # two 50-step episodes ended
    assert [update for update, _ in result.evaluations] == [2, 4]
    assert [report.evaluated for report in reports] == [False, True, False, True]
    assert reports[1].greedy_return == result.evaluations[0][1] and reports[0].greedy_return is None
    assert all(-150.0 < value < 0.0 for _, value in result.evaluations)  # 50 steps of −distance ≤ 2√2
    assert isinstance(result.agent, dreamer.Dreamer) and all(report.agent is result.agent for report in reports)


@exercise("actors.dreamer.train")
def test_train_evaluates_after_the_last_update_and_is_reproducible():
    config = small_config(**{**RUN, "updates": 3})
    first, again = dreamer.train(config, seed=5), dreamer.train(config, seed=5)
    assert [update for update, _ in first.evaluations] == [2, 3]
    assert first.evaluations == again.evaluations and first.episode_returns == again.episode_returns
    other = dreamer.train(config, seed=6)
    assert other.episode_returns != first.episode_returns


@exercise("actors.dreamer.train")
def test_the_evaluation_uses_its_own_seeds_and_the_greedy_actor():
    result = dreamer.train(small_config(**{**RUN, "updates": 2, "eval_episodes": 3}), seed=1)
    seeds = [dreamer.EVALUATION_SEED_BASE + i for i in range(3)]
    expected = dreamer.evaluate(result.agent, PixelPointMass(size=4), seeds)
    assert result.evaluations[-1][1] == pytest.approx(sum(expected) / 3, abs=1e-12)


# --- given code: the configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"horizon": 0}, "horizon"),
        ({"bin_low": 1.0, "bin_high": 20.0}, "contain 0"),
        ({"bin_low": -20.0, "bin_high": -1.0}, "contain 0"),
        ({"model_lr": 0.0}, "model_lr"),
        ({"actor_lr": -1e-3}, "actor_lr"),
        ({"critic_lr": 0.0}, "critic_lr"),
        ({"image_size": 1}, "image_size"),
        ({"sequence_length": 1}, "sequence_length"),
        ({"bins": 1}, "bins"),
        ({"gamma": 1.5}, "gamma"),
        ({"unimix": 1.0}, "unimix"),
        ({"min_std": 0.0}, "min_std"),
        ({"prefill_steps": -1}, "prefill_steps"),
        ({"image_scale": -1.0}, "image_scale"),
        ({"return_limit": 0.0}, "return_limit"),
        ({"batch_size": 2.5}, "batch_size"),
    ],
)
def test_config_rejects_settings_that_cannot_work(changes, message):
    with pytest.raises(ValueError, match=message):
        dreamer.Config(**changes)


def test_config_defaults_are_the_papers_where_the_lesson_keeps_them():
    c = dreamer.Config()
    assert (c.unimix, c.dynamics_scale, c.representation_scale, c.free_bits) == (0.01, 0.5, 0.1, 1.0)
    assert (c.horizon, c.lam, c.entropy_scale, c.slow_critic_fraction) == (15, 0.95, 3e-4, 0.02)
    assert (c.min_std, c.max_std, c.return_decay) == (0.1, 1.0, 0.99)
    assert c.latent_size == 32 and c.feature_size == 64 and len(c.bin_values) == c.bins


def test_config_deviations_from_the_paper_are_the_measured_ones():
    # Named in the module docstring, each with its measurement: the prediction terms ×10 (the
    # image's since the prototype, the reward's and continue's since issue 11's diagnosis),
    # and 21 twohot bins on [−5, 5] in symlog space instead of the paper's 255 on [−20, 20].
    c = dreamer.Config()
    assert (c.image_scale, c.prediction_scale, c.head_units) == (10.0, 10.0, 32)
    assert (c.bins, c.bin_low, c.bin_high) == (21, -5.0, 5.0)
    assert c.bin_values[10] == 0.0 and c.bin_values[1] - c.bin_values[0] == pytest.approx(0.5)


def test_return_normaliser_rejects_bad_settings():
    for kwargs in ({"decay": 1.5}, {"limit": 0.0}, {"low": 95.0, "high": 5.0}):
        with pytest.raises(ValueError):
            dreamer.ReturnNormaliser(**kwargs)


def test_mlp_needs_an_input_and_an_output_size():
    with pytest.raises(ValueError, match="at least"):
        dreamer.MLP([4], Rng(0), "lonely")


def test_mlp_backward_with_defer_adds_the_same_weight_gradients_when_asked():
    # The world model's posterior runs once per step of a sequence; its weights' gradients wait
    # and are added over all steps' rows at once: the same sums, and the same input gradients.
    generator = random.Random(4)
    mlp, twin = (dreamer.MLP([3, 4, 2], Rng(5), "mlp") for _ in range(2))
    steps = [[[generator.uniform(-1.0, 1.0) for _ in range(3)] for _ in range(2)] for _ in range(3)]
    grads = [[[generator.uniform(-1.0, 1.0) for _ in range(2)] for _ in range(2)] for _ in range(3)]
    for rows, grad in zip(steps, grads):
        deferred = mlp.backward(mlp.forward(rows)[1], grad, defer=True)
        at_once = twin.backward(twin.forward(rows)[1], grad)
        assert [g for row in deferred for g in row] == pytest.approx([g for row in at_once for g in row], abs=1e-12)
    assert all(g == 0.0 for parameter in mlp.parameters() for row in parameter.grad for g in row)
    mlp.add_deferred_gradients()
    mlp.add_deferred_gradients()  # nothing left to add
    for mine, theirs in zip(mlp.parameters(), twin.parameters()):
        assert [g for row in mine.grad for g in row] == pytest.approx([g for row in theirs.grad for g in row], abs=1e-12)
        assert any(g != 0.0 for row in mine.grad for g in row)


def test_the_networks_reading_the_latent_skip_its_zeros_and_change_no_number():
    # decoder, reward, continue, actor, critic and slow critic read s = [h, z], the GRU reads
    # [z, a]: each adds the weights of z's ones (dense.affine_one_hot), and gives exactly what
    # the full product gives.
    agent = dreamer.Dreamer(dreamer.Config(), Rng(0))
    model, c = agent.model, agent.config
    rows = one_hot_rows(random.Random(6), 5, c.gru_units, c.categoricals, c.classes, 0)
    for network in (model.decoder, model.reward, model.continue_head, agent.actor, agent.critic, agent.slow_critic):
        assert network.one_hot == (c.gru_units, c.feature_size)
        outputs = network.forward(rows)[0]
        network.one_hot = None
        assert network.forward(rows)[0] == outputs
    assert model.gru.one_hot == (0, c.latent_size)
    inputs = [row[c.gru_units :] + [0.3, -0.8] for row in rows]  # [z, a]
    hidden = [row[: c.gru_units] for row in rows]
    states = model.gru.step(inputs, hidden)
    model.gru.one_hot = None
    assert model.gru.step(inputs, hidden) == states


def test_the_weight_gradients_of_the_layers_reading_the_latent_are_the_full_products():
    # Their backward passes sum the gradient rows where z is 1 (dense.affine_backward_one_hot):
    # the same floats as the full products, deferred or not.
    generator = random.Random(8)
    c = dreamer.Config()
    rows = one_hot_rows(generator, 6, c.gru_units, c.categoricals, c.classes, 0)
    grads = [[generator.uniform(-1.0, 1.0) for _ in range(c.bins)] for _ in rows]
    gradients = []
    for one_hot in ((c.gru_units, c.feature_size), None):
        critic = dreamer.Dreamer(c, Rng(0)).critic
        critic.one_hot = one_hot
        critic.backward(critic.forward(rows)[1], grads, inputs=False)
        gradients.append([parameter.grad for parameter in critic.parameters()])
    assert gradients[0] == gradients[1]
    grad_hidden = [[generator.uniform(-1.0, 1.0) for _ in range(c.gru_units)] for _ in rows]
    gradients = []
    for one_hot in ((0, c.latent_size), None):
        gru = dreamer.WorldModel(c, Rng(0)).gru
        gru.one_hot = one_hot
        gru.step([row[c.gru_units :] + [0.3, -0.8] for row in rows], [row[: c.gru_units] for row in rows])  # [z, a], h
        gru.backward_step(grad_hidden, defer=True)
        gru.add_deferred_gradients()
        gradients.append([parameter.grad for parameter in gru.parameters()])
    assert gradients[0] == gradients[1]


def test_an_mlp_refuses_a_one_hot_range_outside_its_inputs():
    with pytest.raises(ValueError, match=r"one_hot must be \(start, end\) with 0 <= start < end <= 4 inputs, got \(2, 6\)"):
        dreamer.MLP([4, 3], Rng(0), "head", one_hot=(2, 6))


# --- the world model learns (slow: about 3 minutes of CPU) --------------------------------------

WORLD_MODEL_UPDATES = 600  # the reduced budget: world-model updates only, no behaviour


def dreamed_reward_error_ratio(seed, updates=WORLD_MODEL_UPDATES):
    """Train the world model alone (defaults, `updates` updates on 100 episodes of random
    pushes: the default prefill), then dream on 30 held-out episodes: from 3 windows of each,
    watch 5 frames and dream 15 steps with the episode's actions, 4 times (each dream samples
    its own latents from the prior; their mean reward is the model's expected reward). Returns
    the squared error of those dreamed rewards divided by that of always predicting the
    training mean reward: below 1, the dream knows more than the average."""
    c, rng = dreamer.Config(), Rng(seed)
    model = dreamer.WorldModel(c, rng)
    optimizer = Adam(model.parameters(), lr=c.model_lr, epsilon=c.model_epsilon)
    replay = ReplayBuffer(c.replay_capacity)
    for record in random_episodes(100, seed, size=c.image_size):
        replay.add(record)
    for _ in range(updates):  # step 1 of Dreamer.update, on its own
        batch = dreamer.sample_batch(replay, c.batch_size, c.sequence_length, rng)
        model.forget()
        dreamer.zero_grad(model.parameters())
        observation = model.observe(batch.images, batch.actions, rng)
        model.backward(observation, model.loss(observation, batch))
        clip_by_global_norm(model.parameters(), c.model_clip)
        optimizer.step()
    model.forget()
    rewards = [r for record in replay.items for r, m in zip(record.rewards, record.reward_mask) if m]
    mean_reward = sum(rewards) / len(rewards)
    dream_error = mean_error = 0.0
    dream_rng = Rng(seed)
    for record in random_episodes(30, 1000 + seed, size=c.image_size):
        for start in (0, 15, 30):
            window = slice(start, start + 20)
            dreams = [dreamer.open_loop(model, record.images[window], record.actions[window], 5, dream_rng)[1] for _ in range(4)]
            for step, real in enumerate(record.rewards[start + 5 : start + 20], start=5):
                guess = sum(dream[step] for dream in dreams) / len(dreams)
                dream_error += (guess - real) ** 2
                mean_error += (mean_reward - real) ** 2
    return dream_error / mean_error


@pytest.mark.slow
@pytest.mark.timeout(900)
@exercise("actors.dreamer.WorldModel.observe", "actors.dreamer.WorldModel.loss", "actors.dreamer.WorldModel.backward",
          "actors.dreamer.open_loop", "actors.dreamer.sample_batch")  # fmt: skip
def test_after_a_reduced_budget_the_world_model_dreams_rewards_better_than_the_mean():
    # 15 steps into a dream the model has seen no picture for 15 steps: to beat the mean it must
    # have learned where the target is, how the pushes move the mass, and what the distance
    # pays. Required: the dream removes at least a quarter of the mean predictor's error.
    # Calibration (issue 11): seeds 0, 1, 2 gave ratios 0.30, 0.37, 0.36 after 600 updates, and
    # seed 2 between 0.39 and 0.56 at 400–800 updates. One dream per window over 10 episodes
    # was too noisy to test: it gave seed 2 a ratio of 1.02 at 600 updates.
    ratio = dreamed_reward_error_ratio(seed=0)
    assert ratio < 0.75, f"dreamed reward error / mean-predictor error = {ratio:.3f}"


# --- the learning outcome at the defaults (heavy: about 9 minutes of CPU per seed) ----------------


def normalised_scores(agent, seeds):
    """(greedy − random) / (controller − random), mean returns over the same real episodes."""
    world = PixelPointMass()

    def mean_return(make_policy):
        total = 0.0
        for seed in seeds:
            image, _ = world.reset(seed=seed)
            policy = make_policy(seed)
            while True:
                step = world.step(policy(image))
                total += step.reward
                if step.truncated:
                    break
                image = step.observation
        return total / len(seeds)

    from policywerk.world import pixel_pointmass

    reference = mean_return(lambda seed: pixel_pointmass.reference_policy(world))
    random_pushes = mean_return(lambda seed: pixel_pointmass.random_policy(Rng(1000 + seed)))
    greedy = sum(dreamer.evaluate(agent, world, seeds)) / len(seeds)
    return (greedy - random_pushes) / (reference - random_pushes)


@pytest.mark.heavy
@pytest.mark.timeout(7200)
@exercise("actors.dreamer.train")
def test_at_the_defaults_the_greedy_agent_acts_well_in_the_real_world():
    # The outcome: over 3 seeds, the greedy actor's normalised score in the REAL world
    # is at least 0.5 on average and at least 0.3 for every seed (20 evaluation episodes).
    # Measured (issue 11, 800 updates, about 9 minutes of CPU per seed): 0.48, 0.66 and 0.70, mean
    # 0.61. The margin is thin in time, not in score: after 750 updates the same seeds stood at
    # 0.37, 0.65 and −0.05 (seed 2 took off between 750 and 800), after 900 at 0.62, 0.56, 0.76.
    scores = [normalised_scores(dreamer.train(dreamer.Config(), seed=seed).agent, list(range(20))) for seed in range(3)]
    assert sum(scores) / 3 >= 0.5 and min(scores) >= 0.3, f"scores {scores}"
