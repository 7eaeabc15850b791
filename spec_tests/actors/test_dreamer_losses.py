"""Specs for actors.dreamer_losses: the pieces of DreamerV3's losses (Hafner et al. 2023), on
hand-made numbers: the image preprocessing, the categorical latent (unimix probabilities, the
straight-through estimator's forward and gradient), KL balancing with free bits (values and
gradients, with their stop-gradients), the twohot heads, the continue head, λ-returns and
their gradient, percentiles and the return normaliser, the actor's reparameterised Gaussian.
Every gradient is checked against central differences.
"""

import math
import random

import pytest

from policywerk.actors import dreamer_losses
from policywerk.primitives.random import Rng
from spec_tests.actors.dreamer_support import (
    hand_kl,
    hand_twohot,
    softmax,
    symexp,
    symlog,
    unimix,
)
from spec_tests.gradcheck import check_gradient, check_vector_jacobian_product
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# --- preprocess_image ----------------------------------------------------------------------------


@exercise("actors.dreamer_losses.preprocess_image")
def test_preprocess_image_centres_each_pixel_on_grey_and_squashes_it_with_symlog():
    image = [0.5, 1.0, 0.0, 0.75, 0.3]
    # symlog(p − 0.5) = sign·ln(1 + |p − 0.5|): grey is 0, white ln 1.5, black −ln 1.5.
    expected = [0.0, math.log(1.5), -math.log(1.5), math.log(1.25), -math.log(1.2)]
    assert dreamer_losses.preprocess_image(image, pixels=5) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer_losses.preprocess_image")
def test_preprocess_image_rejects_an_image_of_the_wrong_size_naming_both_sizes():
    with pytest.raises(ValueError) as error:
        dreamer_losses.preprocess_image([0.5] * 63, pixels=64)
    assert_names(error, 64, 63)


# --- the categorical latent: unimix and the straight-through estimator ---------------------------


@exercise("actors.dreamer_losses.latent_sample")
def test_a_latent_of_one_class_per_categorical_is_all_ones():
    # C = 1: each group has one class, probability 1 whatever its logit; the sample is K ones.
    sample, probabilities = dreamer_losses.latent_sample([0.3, -2.0, 5.0], classes=1, unimix=0.01, rng=Rng(0))
    assert sample == [1.0, 1.0, 1.0] and probabilities == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)


@exercise("actors.dreamer_losses.latent_sample")
def test_latent_sample_gives_one_hot_groups_drawn_from_the_unimix_probabilities():
    logits = [1.0, -0.5, 0.3, 2.0, 2.0, -1.0]  # two categoricals of three classes
    sample, probabilities = dreamer_losses.latent_sample(logits, classes=3, unimix=0.01, rng=Rng(4))
    assert probabilities == pytest.approx(unimix(logits[:3], 0.01) + unimix(logits[3:], 0.01), abs=1e-12)
    for group in (sample[:3], sample[3:]):
        assert sorted(group) == [0.0, 0.0, 1.0]  # exactly one class per categorical
    # One draw per group, in order, by the inverse CDF of its probabilities.
    replay = Rng(4)
    expected = [replay.categorical(probabilities[:3]), replay.categorical(probabilities[3:])]
    assert [sample[:3].index(1.0), sample[3:].index(1.0)] == expected


@exercise("actors.dreamer_losses.latent_sample")
def test_unimix_keeps_every_class_at_least_one_percent_divided_by_the_classes():
    # Logits that make a class nearly impossible: softmax ≈ (1, 0, 0, 0); with u = 0.01 each
    # class keeps u/4 = 0.0025 and the favourite 0.99 + 0.0025.
    _, probabilities = dreamer_losses.latent_sample([300.0, 0.0, 0.0, 0.0], classes=4, unimix=0.01, rng=Rng(0))
    assert probabilities == pytest.approx([0.9925, 0.0025, 0.0025, 0.0025], abs=1e-12)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-12)


@exercise("actors.dreamer_losses.latent_sample")
def test_latent_samples_follow_their_probabilities():
    logits = [0.0, math.log(3.0)]  # softmax (¼, ¾)
    rng, hits, draws = Rng(11), 0, 4000
    for _ in range(draws):
        hits += dreamer_losses.latent_sample(logits, classes=2, unimix=0.0, rng=rng)[0][1] == 1.0
    assert abs(hits / draws - 0.75) < 4.0 * math.sqrt(0.75 * 0.25 / draws)  # within 4 standard errors


@pytest.mark.parametrize(
    "logits, classes",
    [
        pytest.param([0.0] * 5, 2, marks=exercise("actors.dreamer_losses.latent_sample")),
        pytest.param([0.0] * 4, 0, marks=exercise("actors.dreamer_losses.latent_sample")),
        pytest.param([], 2, marks=exercise("actors.dreamer_losses.latent_sample")),
    ],
)
def test_latent_sample_rejects_logits_that_do_not_split_into_whole_groups(logits, classes):
    with pytest.raises(ValueError) as error:
        dreamer_losses.latent_sample(logits, classes, 0.01, Rng(0))
    assert_names(error, len(logits), classes)


@exercise("actors.dreamer_losses.latent_sample_backward")
def test_the_straight_through_gradient_is_the_gradient_of_the_unimix_probabilities():
    # z = one_hot + p − sg(p): its Jacobian is p's, group by group (checked by central
    # differences of the probabilities themselves, with the trusted checker).
    generator = random.Random(3)
    logits = [generator.uniform(-2.0, 2.0) for _ in range(6)]

    def probabilities(point):
        return unimix(point[:3], 0.01) + unimix(point[3:], 0.01)

    check_vector_jacobian_product(
        probabilities,
        lambda point, g: dreamer_losses.latent_sample_backward(point, g, 3, 0.01),
        logits,
        what="straight-through",
    )


@exercise("actors.dreamer_losses.latent_sample_backward")
def test_the_straight_through_gradient_keeps_each_group_to_its_own_logits():
    # A gradient on the first group's sample reaches only the first group's logits: s = ½, ½.
    grad = dreamer_losses.latent_sample_backward([0.0, 0.0, 5.0, -5.0], [1.0, 0.0, 0.0, 0.0], classes=2, unimix=0.0)
    assert grad == pytest.approx([0.25, -0.25, 0.0, 0.0], abs=1e-12)


@exercise("actors.dreamer_losses.latent_sample_backward")
def test_latent_sample_backward_rejects_mismatched_lengths():
    with pytest.raises(ValueError) as error:
        dreamer_losses.latent_sample_backward([0.0] * 4, [1.0] * 3, classes=2, unimix=0.0)
    assert_names(error, 4, 3)


@exercise("actors.dreamer_losses.latent_sample_backward")
def test_the_straight_through_gradient_of_one_class_per_categorical_is_zero():
    # A group of one class has s = 1 whatever its logit: (1 − u)·1·(g − 1·g) = 0, one per logit
    grad = dreamer_losses.latent_sample_backward([0.3, -2.0, 5.0], [1.0, -1.0, 2.0], classes=1, unimix=0.01)
    assert grad == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)


@exercise("actors.dreamer_losses.latent_sample_backward")
def test_latent_sample_backward_rejects_groups_of_zero_classes():
    with pytest.raises(ValueError) as error:
        dreamer_losses.latent_sample_backward([0.0] * 4, [1.0] * 4, classes=0, unimix=0.0)
    assert_names(error, 4)  # both lengths are 4


# --- KL balancing and free bits ------------------------------------------------------------------


@exercise("actors.dreamer_losses.kl_divergence")
def test_kl_divergence_adds_the_kls_of_the_independent_categoricals():
    # First group: q = (¾, ¼) against p = (½, ½): ¾·ln(3/2) + ¼·ln(1/2) = 0.1308…; the second
    # group is identical on both sides and adds 0.
    value = dreamer_losses.kl_divergence([math.log(3.0), 0.0, 1.0, 2.0], [0.0, 0.0, 1.0, 2.0], classes=2, unimix=0.0)
    assert value == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5), abs=1e-12)


@exercise("actors.dreamer_losses.kl_divergence")
def test_kl_divergence_uses_the_unimix_on_both_sides():
    posterior, prior = [4.0, -1.0, 0.5, 0.0, 2.0, -3.0], [-1.0, 0.5, 1.0, 1.0, 0.0, 0.0]
    expected = hand_kl(posterior, prior, 3, 0.01)
    assert dreamer_losses.kl_divergence(posterior, prior, 3, 0.01) == pytest.approx(expected, abs=1e-12)
    assert expected != pytest.approx(hand_kl(posterior, prior, 3, 0.0), abs=1e-4)  # the mix matters


@exercise("actors.dreamer_losses.kl_divergence")
def test_kl_divergence_rejects_latents_of_different_lengths():
    with pytest.raises(ValueError) as error:
        dreamer_losses.kl_divergence([0.0] * 4, [0.0] * 6, classes=2, unimix=0.0)
    assert_names(error, 4, 6)


@exercise("actors.dreamer_losses.kl_divergence")
def test_kl_divergence_of_one_class_per_categorical_is_zero():
    # Each side of each group is certain (p = 1): every group's KL is 1·log(1/1) = 0, while the
    # same numbers read as one categorical of two classes are two different distributions
    assert dreamer_losses.kl_divergence([0.3, -2.0], [1.0, 4.0], classes=1, unimix=0.01) == pytest.approx(
        0.0, abs=1e-15
    )
    assert dreamer_losses.kl_divergence([0.3, -2.0], [1.0, 4.0], classes=2, unimix=0.01) > 0.1


@exercise("actors.dreamer_losses.kl_divergence")
def test_kl_divergence_rejects_groups_of_zero_classes():
    with pytest.raises(ValueError) as error:
        dreamer_losses.kl_divergence([0.0] * 4, [0.0] * 4, classes=0, unimix=0.0)
    assert_names(error, 4)  # both lengths are 4


BALANCE = dict(classes=3, unimix=0.01, free_bits=1.0, dynamics_scale=0.5, representation_scale=0.1)
FAR_POSTERIOR = [4.0, -2.0, 0.0, -1.0, 3.0, 0.5]  # KL to FAR_PRIOR ≈ 7.5 nats: above the free bits
FAR_PRIOR = [-2.0, 1.0, 2.5, 2.0, -2.0, 0.0]
NEAR_POSTERIOR = [0.2, 0.0, -0.1, 0.3, 0.1, 0.0]  # KL to NEAR_PRIOR ≈ 0.03 nats: below them
NEAR_PRIOR = [0.0, 0.1, 0.0, 0.0, 0.0, 0.2]


@exercise("actors.dreamer_losses.kl_balance")
def test_kl_balance_adds_both_scaled_terms_of_the_same_kl_above_the_free_bits():
    kl_value = hand_kl(FAR_POSTERIOR, FAR_PRIOR, 3, 0.01)
    assert kl_value > 1.0
    loss, reported = dreamer_losses.kl_balance(FAR_POSTERIOR, FAR_PRIOR, **BALANCE)
    assert reported == pytest.approx(kl_value, abs=1e-12)
    assert loss == pytest.approx(0.5 * kl_value + 0.1 * kl_value, abs=1e-12)  # β_dyn·KL + β_rep·KL


@exercise("actors.dreamer_losses.kl_balance")
def test_free_bits_clip_each_kl_below_at_one_nat():
    kl_value = hand_kl(NEAR_POSTERIOR, NEAR_PRIOR, 3, 0.01)
    assert kl_value < 1.0
    loss, reported = dreamer_losses.kl_balance(NEAR_POSTERIOR, NEAR_PRIOR, **BALANCE)
    assert reported == pytest.approx(kl_value, abs=1e-12)  # the KL itself is still reported
    assert loss == pytest.approx((0.5 + 0.1) * 1.0, abs=1e-12), (
        "free bits: a KL below one nat counts as one nat, max(1, KL)"
    )


@exercise("actors.dreamer_losses.kl_balance_gradients")
def test_the_dynamics_term_trains_only_the_prior_toward_the_held_posterior():
    # ∂/∂prior of β_dyn·max(1, KL[sg(q) ‖ p]), the posterior held constant.
    def dynamics_term(prior):
        return 0.5 * max(1.0, hand_kl(FAR_POSTERIOR, prior, 3, 0.01))

    _, grad_prior = dreamer_losses.kl_balance_gradients(FAR_POSTERIOR, FAR_PRIOR, **BALANCE)
    check_gradient(dynamics_term, FAR_PRIOR, grad_prior, what="dynamics KL")


@exercise("actors.dreamer_losses.kl_balance_gradients")
def test_the_representation_term_trains_only_the_posterior_toward_the_held_prior():
    # ∂/∂posterior of β_rep·max(1, KL[q ‖ sg(p)]): a tenth of the scale, not β_dyn + β_rep.
    def representation_term(posterior):
        return 0.1 * max(1.0, hand_kl(posterior, FAR_PRIOR, 3, 0.01))

    grad_posterior, _ = dreamer_losses.kl_balance_gradients(FAR_POSTERIOR, FAR_PRIOR, **BALANCE)
    check_gradient(
        representation_term,
        FAR_POSTERIOR,
        grad_posterior,
        what="representation KL (only β_rep reaches the posterior: the prior side is held by a stop-gradient)",
    )


@exercise("actors.dreamer_losses.kl_balance_gradients")
def test_below_the_free_bits_neither_side_gets_a_gradient():
    grad_posterior, grad_prior = dreamer_losses.kl_balance_gradients(NEAR_POSTERIOR, NEAR_PRIOR, **BALANCE)
    assert grad_posterior == [0.0] * 6 and grad_prior == [0.0] * 6
    # …while the same pair without free bits would be pulled together.
    grad_posterior, grad_prior = dreamer_losses.kl_balance_gradients(
        NEAR_POSTERIOR, NEAR_PRIOR, **{**BALANCE, "free_bits": 0.0}
    )
    assert max(map(abs, grad_posterior)) > 1e-4 and max(map(abs, grad_prior)) > 1e-4


@exercise("actors.dreamer_losses.kl_balance_gradients")
def test_the_free_bits_compare_kl_of_the_posterior_against_the_prior():
    # KL is not symmetric: q = (¾, ¼) against p = (½, ½) gives ¾·ln(3/2) + ¼·ln(1/2) = 0.1308…,
    # the other way round ½·ln(2/3) + ½·ln 2 = ½·ln(4/3) = 0.1438…. Free bits of 0.135 lie between.
    three_to_one, even = [math.log(3.0), 0.0], [0.0, 0.0]
    settings = dict(classes=2, unimix=0.0, free_bits=0.135, dynamics_scale=0.5, representation_scale=0.1)
    assert dreamer_losses.kl_balance_gradients(three_to_one, even, **settings) == (
        [0.0, 0.0],
        [0.0, 0.0],
    )  # 0.1308 <= 0.135
    grad_posterior, grad_prior = dreamer_losses.kl_balance_gradients(even, three_to_one, **settings)  # 0.1438 > 0.135
    assert max(map(abs, grad_posterior)) > 1e-3 and max(map(abs, grad_prior)) > 1e-3


# --- twohot heads --------------------------------------------------------------------------------

BINS = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


@exercise("actors.dreamer_losses.twohot_loss")
def test_twohot_loss_is_the_cross_entropy_against_the_twohot_of_the_symlog_target():
    logits = [0.3, -1.0, 2.0, 0.5, -0.2, 1.0]
    for target in (10.0, -1.5, 0.0, 500.0):
        weights = hand_twohot(symlog(target), BINS)  # 10 → ln 11 = 2.398: 0.602 on 2, 0.398 on 3
        expected = -sum(w * math.log(p) for w, p in zip(weights, softmax(logits)))
        assert dreamer_losses.twohot_loss(logits, target, BINS) == pytest.approx(expected, abs=1e-12), (
            f"target {target}: the two-hot target encodes symlog(target), not the raw target"
        )


@exercise("actors.dreamer_losses.twohot_loss_gradient")
def test_twohot_loss_gradient_is_predicted_minus_wanted_probabilities():
    logits = [0.3, -1.0, 2.0, 0.5, -0.2, 1.0]
    wanted = hand_twohot(symlog(-1.5), BINS)
    expected = [p - w for p, w in zip(softmax(logits), wanted)]
    assert dreamer_losses.twohot_loss_gradient(logits, -1.5, BINS) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer_losses.twohot_loss_gradient")
def test_twohot_loss_gradient_passes_the_gradient_check():
    generator = random.Random(5)
    logits = [generator.uniform(-2.0, 2.0) for _ in BINS]
    check_gradient(
        lambda z: dreamer_losses.twohot_loss(z, 4.2, BINS),
        logits,
        dreamer_losses.twohot_loss_gradient(logits, 4.2, BINS),
    )


@exercise("actors.dreamer_losses.twohot_mean")
def test_twohot_mean_is_the_symexp_of_the_mean_bin():
    logits = [0.3, -1.0, 2.0, 0.5, -0.2, 1.0]
    mean_bin = sum(p * b for p, b in zip(softmax(logits), BINS))
    assert dreamer_losses.twohot_mean(logits, BINS) == pytest.approx(symexp(mean_bin), abs=1e-12), (
        "the bins are in symlog space: the prediction is the symexp of the mean bin"
    )
    # All the mass on the bin 2.0 predicts symexp(2) = e² − 1.
    assert dreamer_losses.twohot_mean([0.0, 0.0, 0.0, 0.0, 800.0, 0.0], BINS) == pytest.approx(
        math.exp(2.0) - 1.0, abs=1e-9
    )


@exercise("actors.dreamer_losses.twohot_mean")
def test_a_zero_initialised_head_predicts_zero_on_symmetric_bins():
    assert dreamer_losses.twohot_mean([0.0] * 5, [-20.0, -10.0, 0.0, 10.0, 20.0]) == pytest.approx(0.0, abs=1e-9)
    assert dreamer_losses.twohot_mean([0.0] * 3, [-1.0, 1.0, 3.0]) == pytest.approx(math.e - 1.0, abs=1e-12)


@exercise("actors.dreamer_losses.twohot_mean_gradient")
def test_twohot_mean_gradient_passes_the_gradient_check():
    generator = random.Random(6)
    for _ in range(3):
        logits = [generator.uniform(-2.0, 2.0) for _ in BINS]
        check_gradient(
            lambda z: dreamer_losses.twohot_mean(z, BINS), logits, dreamer_losses.twohot_mean_gradient(logits, BINS)
        )


# --- the continue head ---------------------------------------------------------------------------


@exercise("actors.dreamer_losses.continue_loss")
def test_continue_loss_is_the_binary_cross_entropy_of_the_sigmoid():
    for logit, target in ((0.7, 1.0), (-1.3, 0.0), (2.0, 0.25)):
        p = 1.0 / (1.0 + math.exp(-logit))
        expected = -target * math.log(p) - (1.0 - target) * math.log(1.0 - p)
        assert dreamer_losses.continue_loss(logit, target) == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer_losses.continue_loss")
def test_continue_loss_stays_finite_for_huge_logits():
    assert dreamer_losses.continue_loss(1000.0, 0.0) == pytest.approx(1000.0, abs=1e-9)  # −log(1 − σ) ≈ l
    assert dreamer_losses.continue_loss(-1000.0, 1.0) == pytest.approx(1000.0, abs=1e-9)
    assert dreamer_losses.continue_loss(1000.0, 1.0) == pytest.approx(0.0, abs=1e-12)


@exercise("actors.dreamer_losses.continue_loss_gradient")
def test_continue_loss_gradient_is_sigmoid_minus_target_and_passes_the_check():
    assert dreamer_losses.continue_loss_gradient(0.0, 1.0) == -0.5
    for logit, target in ((0.7, 1.0), (-1.3, 0.0), (-800.0, 1.0)):
        check_gradient(
            lambda x: dreamer_losses.continue_loss(x[0], target),
            [logit],
            [dreamer_losses.continue_loss_gradient(logit, target)],
        )


# --- λ-returns in imagination --------------------------------------------------------------------

REWARDS = [-1.0, -0.5, 2.0]
CONTINUES = [1.0, 0.8, 1.0]
VALUES = [3.0, 1.0, -2.0, 4.0]


@exercise("actors.dreamer_losses.lambda_returns")
def test_lambda_returns_match_a_hand_computation():
    # γ = 0.9, λ = 0.5, backward from R₃ = v₃ = 4:
    #   R₂ = 2 + 0.9·1·(0.5·4 + 0.5·4)          = 5.6
    #   R₁ = −0.5 + 0.9·0.8·(0.5·(−2) + 0.5·5.6) = 0.796
    #   R₀ = −1 + 0.9·1·(0.5·1 + 0.5·0.796)      = −0.1918
    returns = dreamer_losses.lambda_returns(REWARDS, CONTINUES, VALUES, gamma=0.9, lam=0.5)
    assert returns == pytest.approx([-0.1918, 0.796, 5.6], abs=1e-12), (
        "each step is discounted by γ times its continuation flag: nothing carries past a predicted episode end"
    )


@exercise("actors.dreamer_losses.lambda_returns")
def test_lambda_zero_is_the_one_step_target_and_lambda_one_the_discounted_sum():
    one_step = dreamer_losses.lambda_returns(REWARDS, CONTINUES, VALUES, gamma=0.9, lam=0.0)
    assert one_step == pytest.approx([r + 0.9 * c * v for r, c, v in zip(REWARDS, CONTINUES, VALUES[1:])], abs=1e-12)
    full = dreamer_losses.lambda_returns(REWARDS, CONTINUES, VALUES, gamma=0.9, lam=1.0)
    # R₀ = r₀ + γc₀(r₁ + γc₁(r₂ + γc₂·v₃)) = −1 + 0.9·(−0.5 + 0.72·(2 + 3.6))
    assert full[0] == pytest.approx(-1.0 + 0.9 * (-0.5 + 0.72 * (2.0 + 0.9 * 4.0)), abs=1e-12)


@exercise("actors.dreamer_losses.lambda_returns")
def test_a_continue_of_zero_cuts_the_future_off():
    returns = dreamer_losses.lambda_returns([1.0, 7.0], [0.0, 1.0], [5.0, 6.0, 9.0], gamma=0.9, lam=0.95)
    assert returns[0] == 1.0  # nothing after the end of the episode
    assert returns[1] == pytest.approx(7.0 + 0.9 * 9.0, abs=1e-12)  # the last step still bootstraps from v₂


@pytest.mark.parametrize(
    "rewards, continues, values, gamma, lam, named",
    [
        pytest.param(
            [0.0] * 3, [1.0] * 3, [0.0] * 3, 0.9, 0.9, (3,), marks=exercise("actors.dreamer_losses.lambda_returns")
        ),
        pytest.param(
            [0.0] * 3, [1.0] * 2, [0.0] * 4, 0.9, 0.9, (3, 2, 4), marks=exercise("actors.dreamer_losses.lambda_returns")
        ),
        pytest.param(
            [0.0], [1.0], [0.0] * 2, 1.5, 0.9, ("gamma", 1.5), marks=exercise("actors.dreamer_losses.lambda_returns")
        ),
        pytest.param(
            [0.0], [1.0], [0.0] * 2, 0.9, -0.1, ("lam", -0.1), marks=exercise("actors.dreamer_losses.lambda_returns")
        ),
    ],
)
def test_lambda_returns_reject_mismatched_lengths_and_rates_outside_zero_one(
    rewards, continues, values, gamma, lam, named
):
    with pytest.raises(ValueError) as error:
        dreamer_losses.lambda_returns(rewards, continues, values, gamma, lam)
    assert_names(error, *named)


@pytest.mark.parametrize(
    "part",
    [
        pytest.param(part, marks=exercise("actors.dreamer_losses.lambda_returns_backward"))
        for part in ("rewards", "continues", "values")
    ],
)
def test_lambda_returns_backward_is_the_gradient_of_the_returns(part):
    gamma, lam = 0.9, 0.7
    inputs = {"rewards": REWARDS, "continues": CONTINUES, "values": VALUES}

    def returns_of(point):
        return dreamer_losses.lambda_returns(**{**inputs, part: point}, gamma=gamma, lam=lam)

    def backward(point, grad_returns):
        args = {**inputs, part: point}
        returns = dreamer_losses.lambda_returns(**args, gamma=gamma, lam=lam)
        grads = dreamer_losses.lambda_returns_backward(
            grad_returns, args["continues"], args["values"], returns, gamma, lam
        )
        return grads[("rewards", "continues", "values").index(part)]

    check_vector_jacobian_product(returns_of, backward, inputs[part], what=f"∂R/∂{part}")


@exercise("actors.dreamer_losses.lambda_returns_backward")
def test_lambda_returns_backward_rejects_mismatched_lengths():
    with pytest.raises(ValueError) as error:  # H = 2 but only 2 values, not H + 1 = 3
        dreamer_losses.lambda_returns_backward([1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [2.25, 3.0], gamma=0.5, lam=0.5)
    assert_names(error, 2)


@exercise("actors.dreamer_losses.lambda_returns_backward")
def test_lambda_returns_backward_on_a_hand_example():
    # From the module's worked example: ∂R₀ only: G₀ = 1, G₁ = 1·0.5·1·0.5 = 0.25.
    grads = dreamer_losses.lambda_returns_backward(
        [1.0, 0.0], [1.0, 1.0], [0.0, 2.0, 4.0], [2.25, 3.0], gamma=0.5, lam=0.5
    )
    assert grads == ([1.0, 0.25], [1.25, 0.5], [0.0, 0.25, 0.125])


# --- percentiles and the return normaliser -------------------------------------------------------


@pytest.mark.parametrize(
    "values, q, expected",
    [
        pytest.param(
            [3.0, 1.0, 2.0, 4.0], 50.0, 2.5, marks=exercise("actors.dreamer_losses.percentile")
        ),  # between 2 and 3
        pytest.param([0.0, 10.0], 5.0, 0.5, marks=exercise("actors.dreamer_losses.percentile")),  # 5 % of the way
        pytest.param(list(range(21)), 95.0, 19.0, marks=exercise("actors.dreamer_losses.percentile")),  # position 19
        pytest.param([4.0, -7.0, 2.5], 0.0, -7.0, marks=exercise("actors.dreamer_losses.percentile")),  # the minimum
        pytest.param([4.0, -7.0, 2.5], 100.0, 4.0, marks=exercise("actors.dreamer_losses.percentile")),  # the maximum
        pytest.param([-3.5], 95.0, -3.5, marks=exercise("actors.dreamer_losses.percentile")),  # one value
    ],
)
def test_percentile_interpolates_linearly_between_ranks(values, q, expected):
    assert dreamer_losses.percentile(values, q) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "values, q",
    [
        pytest.param([], 50.0, marks=exercise("actors.dreamer_losses.percentile")),
        pytest.param([1.0], 101.0, marks=exercise("actors.dreamer_losses.percentile")),
        pytest.param([1.0], -1.0, marks=exercise("actors.dreamer_losses.percentile")),
    ],
)
def test_percentile_rejects_no_values_and_q_outside_0_100(values, q):
    with pytest.raises(ValueError) as error:
        dreamer_losses.percentile(values, q)
    if values:
        assert_names(error, q)


@exercise("actors.dreamer_losses.ReturnNormaliser.update")
def test_the_return_scale_is_an_ema_of_the_5_to_95_percentile_range():
    normaliser = dreamer_losses.ReturnNormaliser(decay=0.9)
    returns = [float(v) for v in range(-100, 1)]  # P5 = −95, P95 = −5: range 90
    assert normaliser.update(returns) == pytest.approx(0.1 * 90.0, abs=1e-9)  # EMA from 0: 9.0
    assert normaliser.update(returns) == pytest.approx(0.1 * 90.0 + 0.9 * 0.1 * 90.0, abs=1e-9)  # 17.1
    assert (normaliser.low_value, normaliser.high_value) == pytest.approx((-0.19 * 95.0, -0.19 * 5.0), abs=1e-9)


@exercise("actors.dreamer_losses.ReturnNormaliser.update")
def test_small_returns_are_not_scaled_up():
    normaliser = dreamer_losses.ReturnNormaliser(decay=0.0, limit=1.0)
    assert normaliser.update([0.1, 0.2, 0.3]) == 1.0  # range 0.19 < 1: divide by 1
    assert normaliser.update([-30.0, 10.0]) == pytest.approx(36.0, abs=1e-9)  # decay 0: this batch's range


# --- the actor's Gaussian ------------------------------------------------------------------------


@exercise("actors.dreamer_losses.action_from_raw")
def test_action_from_raw_reparameterises_a_tanh_mean_and_a_bounded_spread():
    raw, noise = [0.4, -1.2, 0.3, -0.8], [0.7, -1.5]
    sigmoid = lambda v: 1.0 / (1.0 + math.exp(-v))  # noqa: E731
    stds = [0.9 * sigmoid(0.3 + 2.0) + 0.1, 0.9 * sigmoid(-0.8 + 2.0) + 0.1]
    expected = [math.tanh(0.4) + stds[0] * 0.7, math.tanh(-1.2) + stds[1] * -1.5]
    action, entropy = dreamer_losses.action_from_raw(raw, noise, min_std=0.1, max_std=1.0)
    assert action == pytest.approx(expected, abs=1e-12)
    assert entropy == pytest.approx(sum(math.log(s) + 0.5 * math.log(2.0 * math.pi * math.e) for s in stds), abs=1e-12)


@exercise("actors.dreamer_losses.action_from_raw")
def test_the_greedy_action_is_the_mean_and_the_spread_stays_within_its_bounds():
    action, _ = dreamer_losses.action_from_raw([0.5, -0.5, 50.0, -50.0], [0.0, 0.0], 0.1, 1.0)
    assert action == pytest.approx([math.tanh(0.5), math.tanh(-0.5)], abs=1e-12)
    wide = dreamer_losses.action_from_raw([0.0, 0.0, 50.0, -50.0], [1.0, 1.0], 0.1, 1.0)[0]
    assert wide == pytest.approx([1.0, 0.1], abs=1e-9)  # std → max_std and → min_std


@exercise("actors.dreamer_losses.action_from_raw")
def test_action_from_raw_rejects_a_raw_output_of_the_wrong_length():
    with pytest.raises(ValueError) as error:
        dreamer_losses.action_from_raw([0.0, 0.0, 0.0], [0.0, 0.0], 0.1, 1.0)
    assert_names(error, 4, 3)  # 2·2 expected, 3 given


@exercise("actors.dreamer_losses.action_from_raw_backward")
def test_action_from_raw_backward_passes_the_gradient_check():
    generator = random.Random(7)
    raw = [generator.uniform(-1.5, 1.5) for _ in range(4)]
    noise = [0.8, -1.3]

    def action_and_entropy(point):
        action, entropy = dreamer_losses.action_from_raw(point, noise, 0.1, 1.0)
        return action + [entropy]

    def backward(point, g):
        return dreamer_losses.action_from_raw_backward(point, noise, g[:2], g[2], 0.1, 1.0)

    check_vector_jacobian_product(action_and_entropy, backward, raw, what="actor Gaussian")


@exercise("actors.dreamer_losses.action_from_raw_backward")
def test_action_from_raw_backward_rejects_mismatched_lengths():
    with pytest.raises(ValueError) as error:
        dreamer_losses.action_from_raw_backward([0.0] * 4, [0.0, 0.0], [1.0], 0.0, 0.1, 1.0)
    assert_names(error, 4, 2, 1)  # 4 raw outputs as expected; 2 action gradients expected, 1 given
