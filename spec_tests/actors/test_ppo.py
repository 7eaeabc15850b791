"""Specs for actors.ppo: the clipped surrogate and its gradient, the policy and value losses,
rollouts that keep the sampled (pre-clip) action, GAE that bootstraps on truncation, the
minibatch update, training, and the learning outcome on the point mass.

PPO's objective per sample (Schulman et al. 2017, equation 7), with r = π(a|s)/π_old(a|s):

    L^CLIP = min(r·Â, clip(r, 1 − ε, 1 + ε)·Â)
    ∂L^CLIP/∂log π = r·Â, except 0 where the clipped term is the smaller one and r lies
                     outside [1 − ε, 1 + ε] (Â > 0 and r > 1 + ε, or Â < 0 and r < 1 − ε)

With ε = 0.2 and Â = ±2, the six regions worked out by hand:

    r     Â    r·Â    clip(r)·Â   L^CLIP   gradient
    1.1   +2   2.2    2.2          2.2      2.2      inside the clip range
    1.5   +2   3.0    2.4          2.4      0        above: clipped, no gradient
    0.5   +2   1.0    1.6          1.0      1.0      below: the unclipped term is smaller
    1.1   −2  −2.2   −2.2         −2.2     −2.2      inside
    1.5   −2  −3.0   −2.4         −3.0     −3.0      above: the unclipped term is smaller
    0.5   −2  −1.0   −1.6         −1.6      0        below: clipped, no gradient

Gradients are checked with the trusted central-difference checker (spec_tests/gradcheck.py)
at points away from the kinks r = 1 ± ε.
"""

import inspect
import math
import random

import pytest

from policywerk.actors import ppo
from policywerk.building_blocks import distributions
from policywerk.building_blocks.mdp import rollout
from policywerk.building_blocks.network import MLP
from policywerk.primitives.random import Rng
from policywerk.world import pointmass
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

EVALUATION_SEEDS = range(20)  # the lesson's evaluation episodes (world seeds)


def gaussian_policy(mean=(0.0, 0.0), log_std=(0.0, 0.0), hidden=8, seed=0):
    """A policy whose mean is `mean` in every state (last layer: zero weights, that bias)."""
    policy = ppo.GaussianPolicy(ppo.N_FEATURES, 2, hidden, Rng(seed))
    policy.net.weights[-1].value = [[0.0] * hidden for _ in range(2)]
    policy.net.biases[-1].value = [list(mean)]
    policy.log_std.value = [list(log_std)]
    return policy


def linear_value_net(weights=(1.0, 0.0, 0.0, 0.0), bias=0.0):
    """V(φ) = w·φ + b: a single dense layer with hand-set weights."""
    net = MLP([4, 1], Rng(0))
    net.weights[0].value, net.biases[0].value = [list(weights)], [[bias]]
    return net


def flat(rows):
    return [value for row in rows for value in row]


def greedy_mean_return(policy_for_seed):
    world = pointmass.PointMass()
    return sum(rollout(world, policy_for_seed(seed), seed=seed).total_reward for seed in EVALUATION_SEEDS) / len(
        EVALUATION_SEEDS
    )


def normalised_score(agent):
    """(agent − random) / (PD controller − random), each the mean return over the same 20 seeds."""
    ours = greedy_mean_return(lambda seed: ppo.greedy_policy(agent.policy))
    controller = greedy_mean_return(lambda seed: pointmass.reference_policy)
    random_pushes = greedy_mean_return(lambda seed: pointmass.random_policy(Rng(2000 + seed)))
    return (ours - random_pushes) / (controller - random_pushes)


# --- features ------------------------------------------------------------------------------------


@exercise("actors.ppo.features")
def test_features_are_the_targets_offset_then_the_velocity():
    # [x, y, vx, vy, tx, ty] = [0.5, −0.5, 0.1, 0.2, 1, 1]: offset (0.5, 1.5), velocity (0.1, 0.2).
    assert ppo.features([0.5, -0.5, 0.1, 0.2, 1.0, 1.0]) == pytest.approx([0.5, 1.5, 0.1, 0.2], abs=1e-15)
    assert ppo.features([-1.0, 0.25, -0.3, 0.0, -0.5, -0.75]) == pytest.approx([0.5, -1.0, -0.3, 0.0], abs=1e-15)


@exercise("actors.ppo.features")
@pytest.mark.parametrize("observation", [[0.0] * 4, [0.0] * 7, []])
def test_features_refuse_an_observation_that_is_not_the_point_masss_six_numbers(observation):
    with pytest.raises(ValueError) as error:
        ppo.features(observation)
    assert_names(error, 6, len(observation))


# --- the Gaussian policy -------------------------------------------------------------------------


@exercise("actors.ppo.GaussianPolicy.act")
def test_act_returns_the_sample_before_any_clipping_and_its_log_probability():
    # μ = (0.9, −0.9) everywhere, σ = e: many samples fall outside [−1, 1] and must stay there.
    policy = gaussian_policy(mean=(0.9, -0.9), log_std=(1.0, 1.0))
    rng, replay = Rng(3), Rng(3)
    outside = 0
    for step in range(30):
        action, log_prob = policy.act([0.1 * step, -0.2, 0.05, 0.0], rng)
        noise = replay.normals(2)
        assert action == pytest.approx([0.9 + math.e * noise[0], -0.9 + math.e * noise[1]], abs=1e-12)
        assert log_prob == pytest.approx(distributions.gaussian_log_prob(action, [0.9, -0.9], [1.0, 1.0]), abs=1e-12)
        outside += any(abs(a) > 1.0 for a in action)
    assert outside >= 10


@exercise("actors.ppo.GaussianPolicy.act")
def test_act_centres_its_samples_on_the_networks_mean_for_these_features():
    policy = ppo.GaussianPolicy(ppo.N_FEATURES, 2, 8, Rng(1), initial_log_std=-3.0)  # σ ≈ 0.05
    state = [0.7, -0.4, 0.2, 0.1]
    mean = policy.means([state])[0]
    rng, replay = Rng(9), Rng(9)
    action, log_prob = policy.act(state, rng)
    noise = replay.normals(2)
    assert action == pytest.approx([m + math.exp(-3.0) * z for m, z in zip(mean, noise)], abs=1e-12)
    assert log_prob == pytest.approx(distributions.gaussian_log_prob(action, mean, [-3.0, -3.0]), abs=1e-12)


@exercise("actors.ppo.greedy_policy")
def test_greedy_policy_acts_with_the_mean_of_the_features_and_draws_nothing():
    policy = ppo.GaussianPolicy(ppo.N_FEATURES, 2, 8, Rng(2), initial_log_std=1.0)
    act = ppo.greedy_policy(policy)
    observation = [0.2, -0.3, 0.1, 0.0, -0.6, 0.5]
    expected = policy.means([ppo.features(observation)])[0]
    assert act(observation) == pytest.approx(expected, abs=1e-15)
    assert act(observation) == act(observation)  # no noise, however wide σ is
    assert act([0.0] * 6) != act(observation)


@exercise("actors.ppo.greedy_policy")
def test_greedy_policy_returns_the_mean_even_outside_the_force_box():
    act = ppo.greedy_policy(gaussian_policy(mean=(1.5, -0.25)))
    assert act([0.0, 0.0, 0.0, 0.0, 0.5, 0.5]) == pytest.approx(
        [1.5, -0.25], abs=1e-15
    )  # the world clips, not the policy


# --- the clipped surrogate -----------------------------------------------------------------------

# (ratio, advantage, L^CLIP, gradient): the table in the module docstring.
REGIONS = [
    (1.1, 2.0, 2.2, 2.2),
    (1.5, 2.0, 2.4, 0.0),
    (0.5, 2.0, 1.0, 1.0),
    (1.1, -2.0, -2.2, -2.2),
    (1.5, -2.0, -3.0, -3.0),
    (0.5, -2.0, -1.6, 0.0),
]
REGION_NAMES = ["inside+", "above+", "below+", "inside-", "above-", "below-"]


@pytest.mark.parametrize(
    "ratio, advantage, expected",
    [
        pytest.param(r, a, value, marks=exercise("actors.ppo.clipped_surrogate"), id=name)
        for (r, a, value, _), name in zip(REGIONS, REGION_NAMES)
    ],
)
def test_clipped_surrogate_in_each_region_of_the_ratio(ratio, advantage, expected):
    assert ppo.clipped_surrogate(ratio, advantage, 0.2) == pytest.approx(expected, abs=1e-12)


@exercise("actors.ppo.clipped_surrogate")
def test_clipped_surrogate_clips_at_its_own_epsilon():
    # ε = 0.1: r = 1.25 counts as 1.1 for a positive advantage, and 0.7 as 0.9 for a negative one.
    assert ppo.clipped_surrogate(1.25, 1.0, 0.1) == pytest.approx(1.1, abs=1e-12)
    assert ppo.clipped_surrogate(0.7, -3.0, 0.1) == pytest.approx(-2.7, abs=1e-12)
    assert ppo.clipped_surrogate(1.25, 1.0, 0.3) == pytest.approx(1.25, abs=1e-12)  # inside a wider range


@exercise("actors.ppo.clipped_surrogate")
def test_clipped_surrogate_is_never_above_the_unclipped_objective():
    # The min makes L^CLIP a lower (pessimistic) bound on r·Â.
    generator = random.Random(11)
    for _ in range(200):
        ratio, advantage = generator.uniform(0.0, 3.0), generator.uniform(-5.0, 5.0)
        assert ppo.clipped_surrogate(ratio, advantage, 0.2) <= ratio * advantage + 1e-12, (
            "L^CLIP is the min of r·Â and clip(r)·Â: clipping the ratio without the min can rise above r·Â"
        )


@exercise("actors.ppo.clipped_surrogate_gradient")
def test_clipped_surrogate_gradient_inside_the_clip_range_is_ratio_times_advantage():
    assert ppo.clipped_surrogate_gradient(1.1, 2.0, 0.2) == pytest.approx(2.2, abs=1e-12)
    assert ppo.clipped_surrogate_gradient(1.1, -2.0, 0.2) == pytest.approx(-2.2, abs=1e-12)
    assert ppo.clipped_surrogate_gradient(0.85, 4.0, 0.2) == pytest.approx(3.4, abs=1e-12)


@exercise("actors.ppo.clipped_surrogate_gradient")
def test_clipped_surrogate_gradient_vanishes_beyond_the_clip_in_the_advantages_direction_only():
    # Â > 0: nothing more to gain above 1 + ε, but below 1 − ε the gradient is r·Â.
    assert ppo.clipped_surrogate_gradient(1.5, 2.0, 0.2) == 0.0, (
        "where the clip is active in the advantage's direction the gradient is zero"
    )
    assert ppo.clipped_surrogate_gradient(0.5, 2.0, 0.2) == pytest.approx(1.0, abs=1e-12)
    # Â < 0: nothing more to gain below 1 − ε, but above 1 + ε the gradient is r·Â.
    assert ppo.clipped_surrogate_gradient(0.5, -2.0, 0.2) == 0.0
    assert ppo.clipped_surrogate_gradient(1.5, -2.0, 0.2) == pytest.approx(-3.0, abs=1e-12)


@exercise("actors.ppo.clipped_surrogate_gradient")
def test_clipped_surrogate_gradient_takes_ratio_times_advantage_at_the_kinks():
    # The docstring: "At the kinks r = 1 ± ε … this takes r·Â". ε = ¼ puts them at 1.25 and 0.75
    # exactly, on the side where the gradient would otherwise vanish.
    assert ppo.clipped_surrogate_gradient(1.25, 2.0, 0.25) == 2.5
    assert ppo.clipped_surrogate_gradient(0.75, -2.0, 0.25) == -1.5


@exercise("actors.ppo.clipped_surrogate_gradient")
def test_clipped_surrogate_gradient_passes_the_trusted_checker_away_from_the_kinks():
    # As a function of log π with log π_old fixed: f(log π) = L^CLIP(exp(log π − log π_old), Â).
    generator = random.Random(5)
    checked = set()
    for _ in range(60):
        ratio, advantage = generator.uniform(0.3, 2.0), generator.choice([-1.0, 1.0]) * generator.uniform(0.1, 3.0)
        if min(abs(ratio - 0.8), abs(ratio - 1.2)) < 1e-3:
            continue  # too close to a kink for central differences
        old_log_prob = -1.3
        log_prob = old_log_prob + math.log(ratio)

        def surrogate(point):
            return ppo.clipped_surrogate(math.exp(point[0] - old_log_prob), advantage, 0.2)

        check_gradient(
            surrogate,
            [log_prob],
            [ppo.clipped_surrogate_gradient(ratio, advantage, 0.2)],
            what=f"r={ratio:.3f}, A={advantage:.3f}",
        )
        checked.add(((ratio > 1.2) - (ratio < 0.8), advantage > 0))
    assert len(checked) == 6  # every region, for both signs of the advantage


@pytest.mark.parametrize(
    "function",
    [
        pytest.param(name, marks=exercise(f"actors.ppo.{name}"), id=name)
        for name in ("clipped_surrogate", "clipped_surrogate_gradient")
    ],
)
@pytest.mark.parametrize("clip", [0.0, -0.2])
def test_the_surrogate_refuses_a_clip_epsilon_that_is_not_positive(function, clip):
    with pytest.raises(ValueError) as error:
        getattr(ppo, function)(1.0, 1.0, clip)
    assert_names(error, "clip", clip)


# --- normalize_advantages ------------------------------------------------------------------------


@exercise("actors.ppo.normalize_advantages")
def test_normalize_advantages_subtracts_the_mean_and_divides_by_the_population_std():
    # [1, 3, 2, 2]: mean 2, variance (1 + 1 + 0 + 0)/4 = ½, so ±1 becomes ±√2.
    assert ppo.normalize_advantages([1.0, 3.0, 2.0, 2.0]) == pytest.approx(
        [-math.sqrt(2), math.sqrt(2), 0.0, 0.0], abs=1e-7
    ), "normalising subtracts the mean before dividing by the standard deviation"


@exercise("actors.ppo.normalize_advantages")
def test_normalize_advantages_gives_mean_zero_std_one_and_keeps_the_order():
    generator = random.Random(4)
    advantages = [generator.uniform(-30.0, 10.0) for _ in range(64)]
    normalised = ppo.normalize_advantages(advantages)
    mean = sum(normalised) / 64
    std = math.sqrt(sum((a - mean) ** 2 for a in normalised) / 64)
    assert mean == pytest.approx(0.0, abs=1e-12) and std == pytest.approx(1.0, abs=1e-6)
    assert sorted(range(64), key=advantages.__getitem__) == sorted(range(64), key=normalised.__getitem__)


@exercise("actors.ppo.normalize_advantages")
def test_normalize_advantages_of_equal_values_are_zeros_not_a_division_by_zero():
    assert ppo.normalize_advantages([5.0, 5.0, 5.0]) == [0.0, 0.0, 0.0]
    assert ppo.normalize_advantages([-2.5]) == [0.0]


@exercise("actors.ppo.normalize_advantages")
def test_normalize_advantages_adds_1e_8_to_the_standard_deviation():
    # [0, 2e-8]: mean 1e-8, std 1e-8, so each is ±1e-8 / (1e-8 + 1e-8) = ±½
    assert ppo.normalize_advantages([0.0, 2e-8]) == pytest.approx([-0.5, 0.5], rel=1e-6)


@exercise("actors.ppo.normalize_advantages")
def test_normalize_advantages_refuses_an_empty_minibatch():
    with pytest.raises(ValueError):
        ppo.normalize_advantages([])


# --- policy_loss ---------------------------------------------------------------------------------

LOG_PROB_AT_ONE = -0.5 - 0.5 * math.log(2 * math.pi)  # log N(1; 0, 1) = log N(−1; 0, 1)


@exercise("actors.ppo.policy_loss")
def test_policy_loss_on_two_samples_by_hand_one_clipped():
    # μ = 0, σ = 1, Â = +1 for both. Sample 0 (a = 1): r = 1.5 > 1.2, its term is 1.2 and it has
    # no gradient. Sample 1 (a = −1): r = 0.5, its term 0.5, ∂/∂log π = 0.5, and
    # ∂log π/∂μ = (a − μ)/σ² = −1, ∂log π/∂ℓ = (a − μ)²/σ² − 1 = 0.
    # loss = −(1.2 + 0.5)/2 = −0.85; ∂loss/∂μ₁ = −½·0.5·(−1) = 0.25.
    result = ppo.policy_loss(
        means=[[0.0], [0.0]],
        log_std=[0.0],
        actions=[[1.0], [-1.0]],
        old_log_probs=[LOG_PROB_AT_ONE - math.log(1.5), LOG_PROB_AT_ONE - math.log(0.5)],
        advantages=[1.0, 1.0],
        clip=0.2,
    )
    assert result.loss == pytest.approx(-0.85, abs=1e-12), (
        "the ratio is π/π_old = exp(log π − log π_old), not inverted, and each term is min(r·Â, clip(r)·Â)"
    )
    assert flat(result.grad_means) == pytest.approx([0.0, 0.25], abs=1e-12)
    assert result.grad_log_std == pytest.approx([0.0], abs=1e-12)
    assert result.clip_fraction == 0.5 + 0.5  # both ratios lie outside [0.8, 1.2]
    assert result.entropy == pytest.approx(0.5 * math.log(2 * math.pi * math.e), abs=1e-12)


@exercise("actors.ppo.policy_loss")
def test_policy_loss_at_ratio_one_is_minus_the_mean_advantage_and_pulls_the_mean_toward_good_actions():
    # r = 1 everywhere: loss = −mean Â = −(2 − 1)/2. Sample 0 (a = 1, Â = 2): ∂loss/∂μ = −½·2·1 = −1,
    # so gradient descent moves μ toward a = 1; sample 1 (a = −1, Â = −1): −½·(−1)·(−1) = −0.5.
    result = ppo.policy_loss([[0.0], [0.0]], [0.0], [[1.0], [-1.0]], [LOG_PROB_AT_ONE] * 2, [2.0, -1.0], clip=0.2)
    assert result.loss == pytest.approx(-0.5, abs=1e-12)
    assert flat(result.grad_means) == pytest.approx([-1.0, -0.5], abs=1e-12)
    assert (result.clip_fraction, result.approx_kl) == (0.0, pytest.approx(0.0, abs=1e-12))


@exercise("actors.ppo.policy_loss")
def test_policy_loss_of_a_minibatch_of_one_sample():
    # The docstring's example: μ = 0, σ = 1, a = 1, log π_old = log N(1; 0, 1), so r = 1 and
    # loss = −Â = −2, ∂loss/∂μ = −Â·(a − μ) = −2, ∂loss/∂ℓ = −Â·((a − μ)² − 1) = 0
    result = ppo.policy_loss([[0.0]], [0.0], [[1.0]], [LOG_PROB_AT_ONE], [2.0], clip=0.2)
    assert result.loss == pytest.approx(-2.0, abs=1e-12)
    assert flat(result.grad_means) == pytest.approx([-2.0], abs=1e-12)
    assert result.grad_log_std == pytest.approx([0.0], abs=1e-12)


def random_minibatch(seed, size=8):
    """A minibatch whose ratios lie in every region and at least 0.02 from the kinks."""
    generator = random.Random(seed)
    means = [[generator.uniform(-1.0, 1.0) for _ in range(2)] for _ in range(size)]
    log_std = [generator.uniform(-0.7, 0.3) for _ in range(2)]
    actions = [[m + generator.gauss(0.0, 0.8) for m in mean] for mean in means]
    ratios = [0.5, 0.9, 1.1, 1.6, 0.6, 1.0, 1.4, 0.95][:size]
    old = [distributions.gaussian_log_prob(a, m, log_std) - math.log(r) for a, m, r in zip(actions, means, ratios)]
    advantages = [generator.choice([-1.0, 1.0]) * generator.uniform(0.2, 2.0) for _ in range(size)]
    return means, log_std, actions, old, advantages


@exercise("actors.ppo.policy_loss")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_policy_loss_gradients_pass_the_trusted_checker_away_from_the_kinks(seed):
    means, log_std, actions, old, advantages = random_minibatch(seed)
    size = len(means)

    def loss_of(point):
        return ppo.policy_loss(
            [point[2 * i : 2 * i + 2] for i in range(size)], point[2 * size :], actions, old, advantages, 0.2, 0.01
        ).loss

    result = ppo.policy_loss(means, log_std, actions, old, advantages, 0.2, 0.01)
    point = [m for mean in means for m in mean] + log_std
    check_gradient(
        loss_of, point, [g for row in result.grad_means for g in row] + result.grad_log_std, what="policy_loss"
    )


@exercise("actors.ppo.policy_loss")
def test_policy_loss_subtracts_the_entropy_bonus_so_descent_widens_the_gaussian():
    means, log_std, actions, old, advantages = random_minibatch(3)
    plain = ppo.policy_loss(means, log_std, actions, old, advantages, 0.2, entropy_coef=0.0)
    bonus = ppo.policy_loss(means, log_std, actions, old, advantages, 0.2, entropy_coef=0.1)
    entropy = distributions.gaussian_entropy(log_std)
    assert bonus.loss == pytest.approx(plain.loss - 0.1 * entropy, abs=1e-12), (
        "the entropy bonus is subtracted from the loss: adding it would make descent narrow the Gaussian"
    )
    assert bonus.grad_log_std == pytest.approx([g - 0.1 for g in plain.grad_log_std], abs=1e-12)  # ∂H/∂ℓ = 1
    assert flat(bonus.grad_means) == pytest.approx(flat(plain.grad_means), abs=1e-15)
    # With no advantage to chase, only the bonus acts: its gradient step ℓ ← ℓ − lr·∂loss/∂ℓ raises ℓ.
    alone = ppo.policy_loss(means, log_std, actions, old, [0.0] * len(means), 0.2, entropy_coef=0.1)
    assert alone.loss == pytest.approx(-0.1 * entropy, abs=1e-12) and alone.grad_log_std == pytest.approx(
        [-0.1, -0.1], abs=1e-12
    )


@exercise("actors.ppo.policy_loss")
def test_policy_loss_reports_the_clip_fraction_and_an_approximate_kl():
    # Ratios 0.5, 0.9, 1.1, 1.6, 0.6, 1.0, 1.4, 0.95: four of eight outside [0.8, 1.2].
    means, log_std, actions, old, advantages = random_minibatch(4)
    result = ppo.policy_loss(means, log_std, actions, old, advantages, 0.2)
    ratios = [0.5, 0.9, 1.1, 1.6, 0.6, 1.0, 1.4, 0.95]
    assert result.clip_fraction == pytest.approx(0.5, abs=1e-12)
    assert result.approx_kl == pytest.approx(sum(r - 1.0 - math.log(r) for r in ratios) / 8, abs=1e-9)


@exercise("actors.ppo.policy_loss")
@pytest.mark.parametrize(
    "changes, named",
    [
        ({"means": []}, ()),
        ({"means": [], "actions": [], "old_log_probs": [], "advantages": []}, ()),  # empty, but not ragged
        ({"actions": [[0.0, 0.0]]}, (2, 1)),  # the lengths: 2 means, 1 action
        ({"old_log_probs": [0.0] * 3}, (2, 3)),
        ({"advantages": [1.0]}, (2, 1)),
        ({"clip": 0.0}, ("clip", 0.0)),
    ],
)
def test_policy_loss_refuses_an_empty_or_ragged_minibatch_and_a_bad_clip(changes, named):
    settings = dict(
        means=[[0.0, 0.0]] * 2,
        log_std=[0.0, 0.0],
        actions=[[0.1, 0.2]] * 2,
        old_log_probs=[-1.0, -2.0],
        advantages=[1.0, -1.0],
        clip=0.2,
    )
    settings.update(changes)
    with pytest.raises(ValueError) as error:
        ppo.policy_loss(**settings)
    assert_names(error, *named)


# --- value_loss ----------------------------------------------------------------------------------


@exercise("actors.ppo.value_loss")
def test_value_loss_is_the_mean_squared_error_with_gradient_two_errors_over_the_batch():
    # Errors (1, −2, 0): loss (1 + 4 + 0)/3 = 5/3; gradients 2·(1, −2, 0)/3.
    loss, gradient = ppo.value_loss([2.0, -1.0, 0.5], [1.0, 1.0, 0.5])
    assert loss == pytest.approx(5 / 3, abs=1e-12)
    assert gradient == pytest.approx([2 / 3, -4 / 3, 0.0], abs=1e-12)


@exercise("actors.ppo.value_loss")
def test_value_loss_gradient_passes_the_trusted_checker():
    generator = random.Random(8)
    predictions = [generator.uniform(-20.0, 0.0) for _ in range(6)]
    returns = [generator.uniform(-20.0, 0.0) for _ in range(6)]
    check_gradient(
        lambda v: ppo.value_loss(v, returns)[0], predictions, ppo.value_loss(predictions, returns)[1], what="value_loss"
    )


@exercise("actors.ppo.value_loss")
@pytest.mark.parametrize("predictions, returns", [([], []), ([1.0, 2.0], [1.0])])
def test_value_loss_refuses_an_empty_or_mismatched_batch(predictions, returns):
    with pytest.raises(ValueError) as error:
        ppo.value_loss(predictions, returns)
    assert_names(error, len(predictions), len(returns))


# --- collect_rollout -----------------------------------------------------------------------------


@exercise("actors.ppo.collect_rollout")
def test_collect_rollout_keeps_the_sampled_action_before_the_worlds_clip_and_its_log_probability():
    # σ = e: most forces fall outside the box. The rollout must keep the sample the Gaussian drew
    # (and the log-probability of that very number), while the world moves with the clipped force.
    policy = gaussian_policy(mean=(0.5, -0.5), log_std=(1.0, 1.0))
    world, twin = pointmass.PointMass(), pointmass.PointMass()
    observation, _ = world.reset(seed=21)
    twin_observation, _ = twin.reset(seed=21)
    steps = ppo.collect_rollout(world, policy, observation, 40, Rng(6))
    replay = Rng(6)
    outside = 0
    for t in range(40):
        noise = replay.normals(2)
        expected_action = [0.5 + math.e * noise[0], -0.5 + math.e * noise[1]]
        assert steps.actions[t] == pytest.approx(expected_action, abs=1e-12)
        assert steps.log_probs[t] == pytest.approx(
            distributions.gaussian_log_prob(expected_action, [0.5, -0.5], [1.0, 1.0]), abs=1e-12
        )
        assert steps.features[t] == pytest.approx(ppo.features(twin_observation), abs=1e-15)
        moved = twin.step([max(-1.0, min(1.0, a)) for a in expected_action])
        assert steps.rewards[t] == pytest.approx(moved.reward, abs=1e-15)
        assert steps.next_features[t] == pytest.approx(ppo.features(moved.observation), abs=1e-15)
        twin_observation = moved.observation
        outside += any(abs(a) > 1.0 for a in steps.actions[t])
    assert outside >= 20
    assert steps.next_observation == pytest.approx(twin_observation, abs=1e-15)


@exercise("actors.ppo.collect_rollout")
def test_collect_rollout_runs_on_across_truncations_keeping_each_final_observation():
    # Episodes of 5 steps: 12 steps are 5 + 5 + 2. Step 4 ends the first episode: its next
    # features are those of the final observation, and step 5 starts from the new episode's reset.
    policy = gaussian_policy(mean=(0.3, 0.1), log_std=(-1.0, -1.0))
    world, twin = pointmass.PointMass(max_steps=5), pointmass.PointMass(max_steps=5)
    observation, _ = world.reset(seed=9)
    twin_observation, _ = twin.reset(seed=9)
    steps = ppo.collect_rollout(world, policy, observation, 12, Rng(2))
    assert steps.truncated == [False] * 4 + [True] + [False] * 4 + [True] + [False] * 2
    assert steps.terminated == [False] * 12
    assert (
        len(steps.features)
        == len(steps.actions)
        == len(steps.log_probs)
        == len(steps.rewards)
        == len(steps.next_features)
        == 12
    )
    for t in range(12):
        assert steps.features[t] == pytest.approx(ppo.features(twin_observation), abs=1e-15), t
        moved = twin.step(steps.actions[t])
        assert steps.next_features[t] == pytest.approx(ppo.features(moved.observation), abs=1e-15), t
        twin_observation = twin.reset()[0] if moved.truncated else moved.observation
    assert steps.next_features[4] != steps.features[5]  # the final observation, not the next start
    assert steps.next_observation == pytest.approx(twin_observation, abs=1e-15)


@exercise("actors.ppo.collect_rollout")
@pytest.mark.parametrize("count", [0, -3, 2.0])
def test_collect_rollout_refuses_a_step_count_that_is_not_a_positive_integer(count):
    world = pointmass.PointMass()
    observation, _ = world.reset(seed=0)
    with pytest.raises(ValueError) as error:
        ppo.collect_rollout(world, gaussian_policy(), observation, count, Rng(0))
    assert_names(error, "steps", count)


# --- advantages_and_returns ----------------------------------------------------------------------


def three_steps(terminated_at=None):
    """A hand-made rollout for V(φ) = φ[0]: values 1, 2, 0.5; rewards 1, −1, 2; next values 2, 4, 3.

    Step 1 ends an episode (truncated, or terminated if asked); step 2 is the rollout's last."""
    truncated = [False, terminated_at is None, False]
    terminated = [False, terminated_at is not None, False]
    return ppo.Rollout(
        features=[[1.0, 0, 0, 0], [2.0, 0, 0, 0], [0.5, 0, 0, 0]],
        actions=[[0.0, 0.0]] * 3,
        log_probs=[0.0] * 3,
        rewards=[1.0, -1.0, 2.0],
        next_features=[[2.0, 0, 0, 0], [4.0, 0, 0, 0], [3.0, 0, 0, 0]],
        terminated=terminated,
        truncated=truncated,
    )


@exercise("actors.ppo.advantages_and_returns")
def test_advantages_bootstrap_from_the_final_observations_value_on_truncation():
    # γ = λ = ½. δ₂ = 2 + ½·3 − 0.5 = 3 (the rollout's end: bootstrap);
    # δ₁ = −1 + ½·4 − 2 = −1 (truncated: V(final observation) = 4 still counts);
    # δ₀ = 1 + ½·2 − 1 = 1.  Â = (δ₀ + ¼·δ₁, δ₁, δ₂) = (0.75, −1, 3); R = Â + V = (1.75, 1, 3.5).
    advantages, returns = ppo.advantages_and_returns(three_steps(), linear_value_net(), gamma=0.5, lam=0.5)
    assert advantages == pytest.approx([0.75, -1.0, 3.0], abs=1e-12)
    assert returns == pytest.approx([1.75, 1.0, 3.5], abs=1e-12)


@exercise("actors.ppo.advantages_and_returns")
def test_advantages_do_not_bootstrap_past_a_termination():
    # As above, but step 1 terminated: δ₁ = −1 − 2 = −3, and Â₀ = 1 + ¼·(−3) = 0.25.
    advantages, returns = ppo.advantages_and_returns(
        three_steps(terminated_at=1), linear_value_net(), gamma=0.5, lam=0.5
    )
    assert advantages == pytest.approx([0.25, -3.0, 3.0], abs=1e-12)
    assert returns == pytest.approx([1.25, -1.0, 3.5], abs=1e-12)


@exercise("actors.ppo.advantages_and_returns")
def test_advantages_with_lambda_one_are_the_bootstrapped_returns_minus_the_values():
    # λ = 1, γ = 1, V = φ[0] + 1: a 2-step episode cut by the time limit. Â₁ = −1 + 5 − 3 = 1;
    # Â₀ = δ₀ + Â₁ = (1 + 3 − 2) + 1 = 3 = (1 − 1 + 5) − 2.
    steps = ppo.Rollout(
        features=[[1.0, 0, 0, 0], [2.0, 0, 0, 0]],
        actions=[[0.0, 0.0]] * 2,
        log_probs=[0.0] * 2,
        rewards=[1.0, -1.0],
        next_features=[[2.0, 0, 0, 0], [4.0, 0, 0, 0]],
        terminated=[False, False],
        truncated=[False, True],
    )
    advantages, returns = ppo.advantages_and_returns(steps, linear_value_net(bias=1.0), gamma=1.0, lam=1.0)
    assert advantages == pytest.approx([3.0, 1.0], abs=1e-12)
    assert returns == pytest.approx([5.0, 4.0], abs=1e-12), (
        "the critic's targets are the returns Â + V, not the advantages"
    )


@exercise("actors.ppo.advantages_and_returns")
def test_advantages_discount_by_gamma_and_fade_by_gamma_times_lambda():
    # γ = ½, λ = 1 (not equal, so they cannot stand for each other): δ = (1, −1, 3) as above; the
    # truncation after step 1 ends the first episode, so Â₁ = δ₁ and Â₀ = δ₀ + γλ·δ₁ = 1 − ½.
    advantages, returns = ppo.advantages_and_returns(three_steps(), linear_value_net(), gamma=0.5, lam=1.0)
    assert advantages == pytest.approx([0.5, -1.0, 3.0], abs=1e-12)
    assert returns == pytest.approx([1.5, 1.0, 3.5], abs=1e-12)


@exercise("actors.ppo.advantages_and_returns")
@pytest.mark.parametrize(
    "gamma, lam, name", [(1.5, 0.95, "gamma"), (-0.1, 0.95, "gamma"), (0.99, 1.01, "lam"), (0.99, -1.0, "lam")]
)
def test_advantages_refuse_a_discount_or_lambda_outside_zero_one(gamma, lam, name):
    with pytest.raises(ValueError) as error:
        ppo.advantages_and_returns(three_steps(), linear_value_net(), gamma=gamma, lam=lam)
    assert_names(error, name, gamma if name == "gamma" else lam)


# --- ppo_update ----------------------------------------------------------------------------------


def one_state_rollout(count=8):
    """One state; half the actions pushed +0.5 in x (advantage +1), half −0.5 (advantage −1).
    Returns 5 everywhere. The log-probabilities are filled in for the policy at hand."""
    state = [0.5, 0.0, 0.0, 0.0]
    actions = [[0.5, 0.0] if i % 2 == 0 else [-0.5, 0.0] for i in range(count)]
    advantages = [1.0 if i % 2 == 0 else -1.0 for i in range(count)]
    steps = ppo.Rollout(
        features=[state] * count,
        actions=actions,
        rewards=[0.0] * count,
        next_features=[state] * count,
        terminated=[False] * count,
        truncated=[False] * count,
    )
    return steps, advantages, [5.0] * count


def fresh_agent(config, seed=0):
    return ppo.make_agent(config, 2, Rng(seed))


@exercise("actors.ppo.ppo_update")
def test_ppo_update_moves_the_mean_toward_the_better_action_and_the_value_toward_the_returns():
    config = ppo.Config(epochs=3, minibatch_size=4, lr=0.01, hidden=8)
    agent = fresh_agent(config)
    steps, advantages, returns = one_state_rollout()
    state = steps.features[0]
    mean = agent.policy.means([state])[0]
    steps.log_probs = [distributions.gaussian_log_prob(a, mean, agent.policy.log_std.value[0]) for a in steps.actions]
    value_before = agent.value_net.forward([state])[0][0][0]
    stats = ppo.ppo_update(agent, steps, advantages, returns, config, Rng(1))
    assert agent.policy.means([state])[0][0] > mean[0] + 0.01  # toward +0.5, the action with Â > 0
    assert abs(agent.value_net.forward([state])[0][0][0] - 5.0) < abs(value_before - 5.0) - 0.01
    assert stats["gradient_steps"] == 3 * 2  # 3 epochs of 2 minibatches of 4
    assert stats["value_loss"] > 0.0 and stats["approx_kl"] >= 0.0 and 0.0 <= stats["clip_fraction"] <= 1.0
    assert math.isfinite(stats["policy_loss"]) and stats["entropy"] == pytest.approx(
        2 * (0.5 * math.log(2 * math.pi * math.e)), abs=0.1
    )


@exercise("actors.ppo.ppo_update")
def test_ppo_update_cuts_each_shuffled_epoch_into_minibatches_the_last_one_smaller(monkeypatch):
    seen = []
    original = ppo.policy_loss

    def recording(means, log_std, actions, old_log_probs, advantages, clip, entropy_coef=0.0):
        seen.append(list(advantages))
        return original(means, log_std, actions, old_log_probs, advantages, clip, entropy_coef)

    monkeypatch.setattr(ppo, "policy_loss", recording)
    config = ppo.Config(epochs=2, minibatch_size=4, hidden=4)
    steps, _, returns = one_state_rollout(10)
    steps.log_probs = [-2.0] * 10
    advantages = [float(i * i) for i in range(10)]  # all different, so each minibatch normalises its own
    rng, replay = Rng(3), Rng(3)
    stats = ppo.ppo_update(fresh_agent(config), steps, advantages, returns, config, rng)
    assert stats["gradient_steps"] == 6 and [len(batch) for batch in seen] == [4, 4, 2] * 2
    for batch in seen:  # each minibatch's advantages arrive normalised: mean 0, std 1
        mean = sum(batch) / len(batch)
        assert mean == pytest.approx(0.0, abs=1e-9)
        assert math.sqrt(sum((a - mean) ** 2 for a in batch) / len(batch)) == pytest.approx(1.0, abs=1e-6)
    for _ in range(2):  # one shuffle of the 10 indices per epoch, nothing else drawn
        replay.shuffle(list(range(10)))
    assert rng.draw() == replay.draw()


def record_losses(monkeypatch):
    """Wrap ppo.policy_loss and ppo.value_loss so that every call's arguments (by name) and
    result are kept: ([(arguments, PolicyLoss)], [(arguments, (error, gradient))])."""
    policy_calls, value_calls = [], []
    for name, calls in (("policy_loss", policy_calls), ("value_loss", value_calls)):
        original = getattr(ppo, name)

        def recording(*args, original=original, calls=calls, **kwargs):
            arguments = inspect.signature(original).bind(*args, **kwargs)
            arguments.apply_defaults()
            result = original(*args, **kwargs)
            calls.append((dict(arguments.arguments), result))
            return result

        monkeypatch.setattr(ppo, name, recording)
    return policy_calls, value_calls


def distinct_rollout(count=8):
    """`count` steps that differ in everything: step i has features [0.1·i, 0.05, 0, 0], action
    [0.1·i, −0.1] (so the action tells the step), log π_old = −4 − 0.01·i (far below log π: the
    ratios start well above 1 + ε), return i."""
    steps = ppo.Rollout(
        features=[[0.1 * i, 0.05, 0.0, 0.0] for i in range(count)],
        actions=[[0.1 * i, -0.1] for i in range(count)],
        log_probs=[-4.0 - 0.01 * i for i in range(count)],
        rewards=[0.0] * count,
        next_features=[[0.0] * 4] * count,
        terminated=[False] * count,
        truncated=[False] * count,
    )
    advantages = [float((i * 7) % 5) - 2.0 + 0.1 * i for i in range(count)]
    return steps, advantages, [float(i) for i in range(count)]


def normalised(advantages):
    """(Â − mean)/(std + 1e-8), written out here."""
    mean = sum(advantages) / len(advantages)
    std = math.sqrt(sum((a - mean) ** 2 for a in advantages) / len(advantages))
    return [(a - mean) / (std + 1e-8) for a in advantages]


@exercise("actors.ppo.ppo_update")
def test_ppo_update_returns_the_mean_of_each_loss_over_its_minibatches(monkeypatch):
    policy_calls, value_calls = record_losses(monkeypatch)
    config = ppo.Config(epochs=2, minibatch_size=4, hidden=4)
    steps, advantages, returns = distinct_rollout(10)  # 2 epochs of minibatches of 4, 4 and 2
    stats = ppo.ppo_update(fresh_agent(config), steps, advantages, returns, config, Rng(3))
    assert stats["gradient_steps"] == len(policy_calls) == len(value_calls) == 6

    def mean(values):
        return sum(values) / len(values)

    expected = {
        "policy_loss": mean([result.loss for _, result in policy_calls]),
        "entropy": mean([result.entropy for _, result in policy_calls]),
        "approx_kl": mean([result.approx_kl for _, result in policy_calls]),
        "clip_fraction": mean([result.clip_fraction for _, result in policy_calls]),
        "value_loss": mean([error for _, (error, _) in value_calls]),
    }
    assert {name: stats[name] for name in expected} == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert expected["clip_fraction"] > 0.0 and expected["approx_kl"] > 0.0  # log π_old is far from log π: both move


@exercise("actors.ppo.ppo_update")
def test_ppo_update_gives_both_losses_the_minibatchs_own_samples(monkeypatch):
    # Every step differs, so a minibatch's actions tell which steps it holds; its old log-probs,
    # advantages and returns must be those same steps', and (before any weight has moved) its
    # means and value predictions the networks' outputs for those steps' features.
    policy_calls, value_calls = record_losses(monkeypatch)
    config = ppo.Config(epochs=2, minibatch_size=3, hidden=4)
    agent = fresh_agent(config)
    steps, advantages, returns = distinct_rollout(8)
    means_before = agent.policy.means(steps.features)
    values_before = [v[0] for v in agent.value_net.forward(steps.features)[0]]
    ppo.ppo_update(agent, steps, advantages, returns, config, Rng(2))
    batches = []
    for (policy_arguments, _), (value_arguments, _) in zip(policy_calls, value_calls):
        batch = [round(action[0] * 10) for action in policy_arguments["actions"]]
        batches.append(batch)
        assert policy_arguments["old_log_probs"] == [steps.log_probs[i] for i in batch]
        assert policy_arguments["advantages"] == pytest.approx(normalised([advantages[i] for i in batch]), abs=1e-9)
        assert value_arguments["returns"] == [returns[i] for i in batch]
    first_policy, first_value = policy_calls[0][0], value_calls[0][0]
    assert flat(first_policy["means"]) == pytest.approx(flat([means_before[i] for i in batches[0]]), abs=1e-12)
    assert first_value["predictions"] == pytest.approx([values_before[i] for i in batches[0]], abs=1e-12)
    # each epoch's minibatches (3, 3, 2) hold every step once
    assert [sorted(sum(batches[3 * epoch : 3 * epoch + 3], [])) for epoch in range(2)] == [list(range(8))] * 2


@exercise("actors.ppo.ppo_update")
def test_ppo_update_starts_each_minibatch_from_zeroed_gradients():
    # Gradients left over from elsewhere must not leak into the step: an agent whose gradients
    # hold 1000 before the update ends exactly where an identical agent with zero gradients does.
    config = ppo.Config(epochs=2, minibatch_size=4, hidden=4)
    clean, dirty = fresh_agent(config, seed=1), fresh_agent(config, seed=1)
    for parameter in dirty.policy.parameters() + dirty.value_net.parameters():
        parameter.grad = [[1000.0] * len(row) for row in parameter.value]
    steps, advantages, returns = distinct_rollout(8)

    def values(agent):
        return [[list(row) for row in p.value] for p in agent.policy.parameters() + agent.value_net.parameters()]

    before = values(clean)
    for agent in (clean, dirty):
        ppo.ppo_update(agent, steps, advantages, returns, config, Rng(4))
    assert values(dirty) == values(clean) != before


@exercise("actors.ppo.ppo_update")
def test_ppo_update_scales_the_value_gradient_by_value_coef(monkeypatch):
    # "the gradient times c₁": what reaches the value network's backward is c₁·∂L/∂V of value_loss
    _, value_calls = record_losses(monkeypatch)
    config = ppo.Config(epochs=1, minibatch_size=4, hidden=4, value_coef=0.25)
    agent = fresh_agent(config)
    sent = []
    original = agent.value_net.backward

    def recording(tape, grad_outputs, *args, **kwargs):
        sent.append([list(row) for row in grad_outputs])
        return original(tape, grad_outputs, *args, **kwargs)

    monkeypatch.setattr(agent.value_net, "backward", recording)
    steps, advantages, returns = distinct_rollout(8)
    ppo.ppo_update(agent, steps, advantages, returns, config, Rng(0))
    assert len(sent) == len(value_calls) == 2
    for grad_outputs, (_, (_, gradient)) in zip(sent, value_calls):
        assert flat(grad_outputs) == pytest.approx([0.25 * g for g in gradient], rel=1e-12)


@exercise("actors.ppo.ppo_update")
def test_ppo_update_keeps_a_last_minibatch_of_a_single_step(monkeypatch):
    policy_calls, _ = record_losses(monkeypatch)
    config = ppo.Config(epochs=1, minibatch_size=4, hidden=4)
    steps, advantages, returns = distinct_rollout(9)
    stats = ppo.ppo_update(fresh_agent(config), steps, advantages, returns, config, Rng(0))
    assert [len(arguments["actions"]) for arguments, _ in policy_calls] == [4, 4, 1] and stats["gradient_steps"] == 3


@exercise("actors.ppo.ppo_update")
def test_ppo_update_clips_the_gradients_to_the_global_norm_before_adam():
    # Clipped to a norm of 1e-12, every gradient is far below Adam's ε = 1e-8, so no weight can
    # move by more than lr·1e-4·(steps); with the usual clip the first steps move weights by ~lr.
    def largest_move(max_grad_norm):
        config = ppo.Config(epochs=1, minibatch_size=8, lr=0.01, hidden=8, max_grad_norm=max_grad_norm)
        agent = fresh_agent(config)
        before = [[list(row) for row in p.value] for p in agent.policy.parameters() + agent.value_net.parameters()]
        steps, advantages, returns = one_state_rollout()
        steps.log_probs = [-1.5] * 8
        ppo.ppo_update(agent, steps, advantages, returns, config, Rng(0))
        after = agent.policy.parameters() + agent.value_net.parameters()
        return max(
            abs(a - b)
            for p, old in zip(after, before)
            for row, old_row in zip(p.value, old)
            for a, b in zip(row, old_row)
        )

    assert largest_move(1e-12) < 1e-5
    assert largest_move(0.5) > 5e-3


# --- train ---------------------------------------------------------------------------------------


class RecordingPointMass(pointmass.PointMass):
    """The point mass, remembering the seeds it was reset with and every reward it gave."""

    def __init__(self, max_steps):
        super().__init__(max_steps)
        self.seeds, self.rewards = [], []

    def reset(self, seed=None):
        self.seeds.append(seed)
        return super().reset(seed)

    def step(self, action):
        step = super().step(action)
        self.rewards.append(step.reward)
        return step


TINY = dict(total_steps=100, rollout_steps=32, epochs=2, minibatch_size=16, hidden=4)


@exercise("actors.ppo.train")
def test_train_runs_whole_rollouts_until_the_step_budget_and_reports_each_update():
    # ⌈100 / 32⌉ = 4 updates of 32 steps; each: 2 epochs × 2 minibatches of 16.
    reports = []
    world = RecordingPointMass(max_steps=10)
    result = ppo.train(world, ppo.Config(**TINY), seed=5, on_update=reports.append)
    assert [r.stats.update for r in reports] == [1, 2, 3, 4]
    assert [r.stats.env_steps for r in reports] == [32, 64, 96, 128]
    assert [r.stats.gradient_steps for r in reports] == [4, 8, 12, 16]
    assert (result.env_steps, result.gradient_steps, len(result.updates)) == (128, 16, 4)
    assert [r.stats for r in reports] == result.updates and all(r.agent is result.agent for r in reports)
    last = reports[-1].stats
    assert last.std == pytest.approx([math.exp(l) for l in result.agent.policy.log_std.value[0]], abs=1e-15)
    assert all(math.isfinite(x) for s in result.updates for x in (s.policy_loss, s.value_loss, s.entropy, s.approx_kl))


@exercise("actors.ppo.train")
def test_train_seeds_the_world_once_from_its_generator_and_sums_each_episodes_rewards():
    world = RecordingPointMass(max_steps=10)
    result = ppo.train(world, ppo.Config(**TINY), seed=5)
    assert world.seeds[0] == Rng(5).integers(0, 2**31 - 1)  # the run's first draw
    assert world.seeds[1:] == [None] * 12  # later episodes continue the world's own generator
    # 128 steps: 12 whole episodes of 10 steps (the 13th is unfinished).
    expected = [sum(world.rewards[10 * e : 10 * e + 10]) for e in range(12)]
    assert result.episode_returns == pytest.approx(expected, abs=1e-9)
    per_update = [s.episode_return for s in result.updates]
    assert per_update[0] == pytest.approx(sum(expected[:3]) / 3, abs=1e-9)  # episodes that ended in steps 1–32


@exercise("actors.ppo.train")
def test_train_continues_each_rollout_where_the_last_one_ended_and_updates_on_its_estimates(monkeypatch):
    # The docstring's loop: collect from `observation`, estimate with (γ, λ), update on those
    # estimates, then observation = rollout.next_observation.
    collected, updated = [], []
    original_collect, original_update = ppo.collect_rollout, ppo.ppo_update

    def collect(world, policy, observation, steps, rng):
        rollout_ = original_collect(world, policy, observation, steps, rng)
        collected.append((list(observation), list(rollout_.next_observation)))
        return rollout_

    def update(agent, rollout_, advantages, returns, config, rng):
        expected = ppo.advantages_and_returns(rollout_, agent.value_net, config.gamma, config.lam)
        updated.append(((advantages, returns), expected))
        return original_update(agent, rollout_, advantages, returns, config, rng)

    monkeypatch.setattr(ppo, "collect_rollout", collect)
    monkeypatch.setattr(ppo, "ppo_update", update)
    config = ppo.Config(**TINY)
    assert (config.gamma, config.lam) == (0.99, 0.95)  # two different numbers, so a swap shows
    ppo.train(RecordingPointMass(max_steps=10), config, seed=5)
    assert len(collected) == len(updated) == 4
    assert all(later[0] == earlier[1] for earlier, later in zip(collected, collected[1:]))
    for (advantages, returns), (expected_advantages, expected_returns) in updated:
        assert advantages == pytest.approx(expected_advantages, rel=1e-12, abs=1e-12)
        assert returns == pytest.approx(expected_returns, rel=1e-12, abs=1e-12)


@exercise("actors.ppo.train")
def test_train_is_reproducible_from_its_seed():
    first = ppo.train(pointmass.PointMass(), ppo.Config(**TINY), seed=2)
    again = ppo.train(pointmass.PointMass(), ppo.Config(**TINY), seed=2)
    other = ppo.train(pointmass.PointMass(), ppo.Config(**TINY), seed=3)
    assert first.episode_returns == again.episode_returns and first.episode_returns != other.episode_returns
    assert first.agent.policy.log_std.value == again.agent.policy.log_std.value


# --- Config --------------------------------------------------------------------------------------


def test_config_defaults_are_the_papers_where_they_fit():
    config = ppo.Config()
    assert (config.clip, config.lam, config.gamma) == (0.2, 0.95, 0.99)
    assert (config.epochs, config.minibatch_size, config.initial_log_std, config.entropy_coef) == (10, 64, 0.0, 0.0)
    assert config.max_grad_norm == 0.5 and config.total_steps % config.rollout_steps == 0


@pytest.mark.parametrize(
    "settings, pattern",
    [
        ({"clip": 0.0}, "clip"),
        ({"clip": -0.1}, "clip"),
        ({"gamma": 1.5}, "gamma"),
        ({"gamma": -0.01}, "gamma"),
        ({"lam": 1.01}, "lam"),
        ({"lam": -0.5}, "lam"),
        ({"lr": 0.0}, "lr"),
        ({"max_grad_norm": -1.0}, "max_grad_norm"),
        ({"epochs": 0}, "epochs"),
        ({"minibatch_size": 2.5}, "minibatch_size"),
        ({"rollout_steps": True}, "rollout_steps"),
        ({"entropy_coef": -0.01}, "entropy_coef"),
        ({"value_coef": -1.0}, "value_coef"),
        ({"initial_log_std": math.inf}, "initial_log_std"),
    ],
)
def test_config_refuses_settings_out_of_range_naming_them(settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        ppo.Config(**settings)


# --- learning outcomes ---------------------------------------------------------------------------

SLOW = dict(total_steps=16_384)  # 16 updates (the lesson's defaults: 20)


@pytest.mark.slow
@pytest.mark.timeout(300)
@exercise("actors.ppo.train")
@exercise("actors.ppo.ppo_update")
def test_ppo_learns_to_reach_the_target_on_every_seed_with_a_reduced_budget():
    # 3 seeds × 16,384 steps: every greedy normalised score at least 0.8. The reference scored
    # 0.90–0.96 at this budget over 17 seeds (0–2, 100–109, 200–203): 0.8 leaves a wide margin.
    scores = [
        normalised_score(ppo.train(pointmass.PointMass(), ppo.Config(**SLOW), seed=seed).agent) for seed in range(3)
    ]
    assert min(scores) >= 0.8, scores


@pytest.mark.heavy
@pytest.mark.timeout(1800)
@exercise("actors.ppo.train")
def test_ppo_at_its_defaults_scores_0_9_on_average_and_0_8_on_every_seed():
    scores = [normalised_score(ppo.train(pointmass.PointMass(), ppo.Config(), seed=seed).agent) for seed in range(3)]
    assert sum(scores) / 3 >= 0.9 and min(scores) >= 0.8, scores
