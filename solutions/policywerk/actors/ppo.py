"""Policy gradients with a trust region you can write in one line: PPO (Schulman et al. 2017).

A policy-gradient method improves a stochastic policy π_θ(a | s) directly: it makes actions
that turned out better than expected (a positive advantage Â) more probable, and worse ones
less. Taking many gradient steps on one batch of experience is tempting, since experience is
expensive, but the plain objective Ê[π_θ(a|s)/π_old(a|s)·Â] lets the policy run far from the
one that collected the data, where those advantages no longer hold. PPO clips the
probability ratio r = π_θ(a|s)/π_old(a|s), so that moving it beyond [1 − ε, 1 + ε] earns
nothing more:

    L^CLIP(θ) = Ê[ min( r·Â, clip(r, 1 − ε, 1 + ε)·Â ) ]

and then runs several epochs of minibatch Adam on L^CLIP minus a value loss plus an entropy
bonus (the paper's equation 9). Each update here is one loop, top to bottom:

    1. collect T steps with the current policy (a Gaussian: a tanh network gives the mean,
       one learned log standard deviation per action dimension gives the spread);
    2. estimate advantages with GAE(γ, λ) from a separate value network;
    3. K epochs over shuffled minibatches: normalise the minibatch's advantages, step the
       policy on −L^CLIP (gradients clipped to a global norm) and the value network on its
       squared error.

The crucial details, easy to get wrong:
- The log-probability in the ratio is that of the action *as sampled*, before the world
  clips it to [−1, 1]²: the Gaussian produced the sample, not the clipped force.
- The old log-probabilities are numbers recorded at collection; they never change during the
  epochs, and no gradient flows into them.
- The point mass never terminates; its episodes are *truncated* after 50 steps, so the last
  step's advantage bootstraps from the value of the final observation (building_blocks/returns).
- L^CLIP is to be maximised: the loss is its negative, and the entropy bonus is subtracted.

The observation [x, y, vx, vy, tx, ty] of the point mass is turned into the features
(tx − x, ty − y, vx, vy): where the target is from here, and how we move.

Reference: J. Schulman, F. Wolski, P. Dhariwal, A. Radford, O. Klimov, "Proximal policy
optimization algorithms", arXiv:1707.06347 (2017); GAE: Schulman et al. (2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from policywerk.building_blocks.distributions import (
    gaussian_entropy,
    gaussian_log_prob,
    gaussian_log_prob_gradients,
    gaussian_sample,
)
from policywerk.building_blocks.mdp import World, world_seed
from policywerk.building_blocks.network import MLP, Parameter, zero_grad
from policywerk.building_blocks.optimizers import Adam, clip_by_global_norm
from policywerk.building_blocks.returns import gae
from policywerk.primitives.checks import (
    require_count,
    require_finite,
    require_non_negative,
    require_positive,
    require_unit,
)
from policywerk.primitives.random import Rng

N_FEATURES = 4  # (tx − x, ty − y, vx, vy)
ADVANTAGE_EPSILON = 1e-8  # keeps the normalisation finite when a minibatch's advantages are all equal


# given
@dataclass(frozen=True)
class Config:
    """The settings of a run. The paper's MuJoCo values where they fit (papers/CONSTANTS.md);
    where ours differ, the comment says why."""

    total_steps: int = 20_480  # environment steps of training: 20 updates (the paper: 10⁶ per MuJoCo task)
    rollout_steps: int = 1024  # T, steps collected per update (the paper: 2048; our task is short)
    epochs: int = 10  # K, passes over each rollout (the paper: 10)
    minibatch_size: int = 64  # M (the paper: 64)
    lr: float = 1e-3  # Adam's step size (the paper: 3·10⁻⁴; a net this small learns faster with more)
    gamma: float = 0.99  # γ (the paper)
    lam: float = 0.95  # GAE λ (the paper)
    clip: float = 0.2  # ε (the paper)
    value_coef: float = 0.5  # c₁, the value loss's weight (the authors' later code; the paper leaves it open)
    entropy_coef: float = 0.0  # c₂ (the paper: 0 for MuJoCo)
    max_grad_norm: float = 0.5  # global-norm clip of each network's gradient (the authors' later code)
    hidden: int = 16  # tanh units in each network's one hidden layer (the paper: two layers of 64)
    initial_log_std: float = 0.0  # ℓ at the start, σ = 1 (the authors' code)

    def __post_init__(self):
        for name in ("total_steps", "rollout_steps", "epochs", "minibatch_size", "hidden"):
            require_count(f"Config: {name}", getattr(self, name))
        for name in ("clip", "lr", "max_grad_norm"):
            require_positive(f"Config: {name}", getattr(self, name))
        require_unit("Config: gamma", self.gamma)
        require_unit("Config: lam", self.lam)
        for name in ("value_coef", "entropy_coef"):
            require_non_negative(f"Config: {name}", getattr(self, name))
        require_finite("Config: initial_log_std", self.initial_log_std)


# ── the agent: a Gaussian policy and a separate value network ─────────────────────────────


def features(observation: list[float]) -> list[float]:
    """What the networks see: the target's offset from the mass, and the mass's velocity.

        [x, y, vx, vy, tx, ty]  ->  [tx − x, ty − y, vx, vy]

    Raises ValueError unless the observation has the point mass's 6 numbers; the message
    names 6 and how many numbers it got.

    >>> features([0.5, -0.5, 0.1, 0.2, 1.0, 1.0])
    [0.5, 1.5, 0.1, 0.2]
    """
    if len(observation) != 6:
        raise ValueError(
            f"features: expected the point mass's 6 numbers [x, y, vx, vy, tx, ty], got {len(observation)}: {observation!r}"
        )
    x, y, vx, vy, tx, ty = observation
    return [tx - x, ty - y, vx, vy]


class GaussianPolicy:
    """π(a | s) = N(μ(s), diag(σ²)): a tanh network maps the features to the mean μ(s), and the
    log standard deviation ℓ = log σ is one learned number per action dimension, the same in
    every state (state-independent, as in the paper's continuous-control experiments).
    """

    # given
    def __init__(self, n_features: int, n_actions: int, hidden: int, rng: Rng, initial_log_std: float = 0.0):
        # A small last layer makes every initial mean close to 0: no state starts with a bias
        # in some direction (the authors' code initialises this layer at 1 % of the usual scale).
        self.net = MLP([n_features, hidden, n_actions], rng, name="policy", activation="tanh", last_scale=0.01)
        self.log_std = Parameter.of([[initial_log_std] * n_actions], "policy.log_std")

    # given
    def forward(self, batch: list[list[float]]) -> tuple[list[list[float]], list]:
        """(μ(s) for a batch of feature vectors (B × features) -> (B × actions), the network's tape)."""
        return self.net.forward(batch)

    # given
    def means(self, batch: list[list[float]]) -> list[list[float]]:
        """μ(s) for a batch of feature vectors (B × features) -> (B × actions)."""
        return self.forward(batch)[0]

    # given
    def parameters(self) -> list[Parameter]:
        return self.net.parameters() + [self.log_std]

    # given
    def backward(self, tape: list, grad_means: list[list[float]], grad_log_std: list[float]) -> None:
        """Accumulate the gradients of a loss, given the tape of `forward`, ∂L/∂μ per sample and ∂L/∂ℓ."""
        self.net.backward(tape, grad_means)
        self.log_std.grad = [[old + new for old, new in zip(self.log_std.grad[0], grad_log_std)]]

    def act(self, state_features: list[float], rng: Rng) -> tuple[list[float], float]:
        """Sample an action for one state and return it with its log-probability: (a, log π(a | s)).

        μ = the network's output for these features; a = μ + σ·z with z ~ N(0, 1) per dimension
        (`gaussian_sample`: rng.normals(n), two draws per pair of dimensions); log π(a | s) =
        `gaussian_log_prob(a, μ, ℓ)`. Return the sample itself, NOT clipped to the world's
        bounds: the world clips the force it applies, but this Gaussian produced the sample,
        and the ratio of the update must compare the probabilities of the same number.

        >>> policy = GaussianPolicy(4, 2, 8, Rng(0))  # ℓ = 0: σ = 1
        >>> action, log_prob = policy.act([0.1, 0.2, 0.0, 0.0], Rng(1))
        >>> mean = policy.means([[0.1, 0.2, 0.0, 0.0]])[0]
        >>> action == [m + z for m, z in zip(mean, Rng(1).normals(2))]
        True
        >>> log_prob == gaussian_log_prob(action, mean, [0.0, 0.0])
        True
        """
        mean = self.net.forward([state_features])[0][0]
        log_std = self.log_std.value[0]
        action, _ = gaussian_sample(mean, log_std, rng)
        return action, gaussian_log_prob(action, mean, log_std)


# given
def value_network(n_features: int, hidden: int, rng: Rng) -> MLP:
    """V(s): features -> tanh hidden layer -> one number. Separate from the policy (no shared layers)."""
    return MLP([n_features, hidden, 1], rng, name="value", activation="tanh")


def greedy_policy(policy: GaussianPolicy) -> Callable[[list[float]], list[float]]:
    """A deterministic policy for evaluation: act with the mean μ(s), no noise.

    Returns a function observation -> action (the world clips it to [−1, 1]²).

    >>> policy = GaussianPolicy(4, 2, 8, Rng(0))
    >>> act = greedy_policy(policy)
    >>> act([0.0, 0.0, 0.0, 0.0, 0.5, 0.5]) == policy.means([[0.5, 0.5, 0.0, 0.0]])[0]
    True
    """
    means = policy.means
    return lambda observation: means([features(observation)])[0]


# ── the clipped surrogate objective ───────────────────────────────────────────────────────


def clipped_surrogate(ratio: float, advantage: float, clip: float) -> float:
    """One sample's term of L^CLIP, the paper's equation 7: min(r·Â, clip(r, 1 − ε, 1 + ε)·Â).

    The min makes it a pessimistic bound: for Â > 0 the objective stops growing once r passes
    1 + ε (no reward for making a good action much more likely than before); for Â < 0 it stops
    once r falls below 1 − ε. In the other direction the unclipped term is the smaller one, so
    a change that made things worse is always counted in full.

    Raises ValueError unless ε > 0; the message names clip and its value.

    >>> clipped_surrogate(1.5, 2.0, 0.2)  # Â > 0, r above 1 + ε: clip(1.5)·2 = 1.2·2
    2.4
    >>> clipped_surrogate(0.5, 2.0, 0.2)  # Â > 0, r below 1 − ε: min(0.5·2, 0.8·2) = 1.0
    1.0
    >>> clipped_surrogate(0.5, -2.0, 0.2)  # Â < 0, r below 1 − ε: min(−1.0, −1.6)
    -1.6
    """
    require_positive("clipped_surrogate: clip (ε)", clip)
    clipped_ratio = min(max(ratio, 1.0 - clip), 1.0 + clip)
    return min(ratio * advantage, clipped_ratio * advantage)


def clipped_surrogate_gradient(ratio: float, advantage: float, clip: float) -> float:
    """∂/∂log π of `clipped_surrogate`, with r = exp(log π − log π_old), so ∂r/∂log π = r.

        r·Â   where the unclipped term r·Â is the one the min picks (it is <= the clipped one),
        0     where the clipped term is picked and r is outside [1 − ε, 1 + ε]: it is constant there.

    So the gradient vanishes exactly when Â > 0 and r > 1 + ε, or Â < 0 and r < 1 − ε: the
    policy has already moved as far as the trust region allows in the advantage's direction.
    (At the kinks r = 1 ± ε either one-sided value would do; this takes r·Â.)

    Raises ValueError unless ε > 0; the message names clip and its value.

    >>> clipped_surrogate_gradient(1.5, 2.0, 0.2), clipped_surrogate_gradient(0.5, 2.0, 0.2)
    (0.0, 1.0)
    >>> clipped_surrogate_gradient(1.5, -2.0, 0.2), clipped_surrogate_gradient(0.5, -2.0, 0.2)
    (-3.0, 0.0)
    """
    require_positive("clipped_surrogate_gradient: clip (ε)", clip)
    if (advantage > 0.0 and ratio > 1.0 + clip) or (advantage < 0.0 and ratio < 1.0 - clip):
        return 0.0
    return ratio * advantage


def normalize_advantages(advantages: list[float]) -> list[float]:
    """(Â − mean) / (std + 1e-8) over one minibatch, std the population standard deviation.

    The sign of each advantage relative to the batch is what matters to the policy; rescaling
    makes the step size independent of the reward's scale (the authors' code does this per
    minibatch). Raises ValueError for an empty list.

    >>> [round(a, 6) for a in normalize_advantages([1.0, 3.0, 2.0, 2.0])]  # mean 2, std √½
    [-1.414214, 1.414214, 0.0, 0.0]
    """
    if not advantages:
        raise ValueError("normalize_advantages: expected at least one advantage, got none")
    count = len(advantages)
    mean = sum(advantages) / count
    std = math.sqrt(sum((a - mean) ** 2 for a in advantages) / count)
    scale = 1.0 / (std + ADVANTAGE_EPSILON)
    return [(a - mean) * scale for a in advantages]


# given
@dataclass
class PolicyLoss:
    """The policy's loss on one minibatch, its gradients, and what to watch while training."""

    loss: float  # −mean L^CLIP − c₂·H
    grad_means: list[list[float]]  # ∂loss/∂μ, one row per sample
    grad_log_std: list[float]  # ∂loss/∂ℓ
    entropy: float  # H of the Gaussian, in nats
    clip_fraction: float  # share of samples whose ratio lies outside [1 − ε, 1 + ε]
    approx_kl: float  # mean of (r − 1) − log r, an estimate of KL(π_old ‖ π) >= 0


def policy_loss(
    means: list[list[float]],
    log_std: list[float],
    actions: list[list[float]],
    old_log_probs: list[float],
    advantages: list[float],
    clip: float,
    entropy_coef: float = 0.0,
) -> PolicyLoss:
    """The policy's minibatch loss, −(1/B)·Σᵢ L^CLIP_i − c₂·H, and its gradients w.r.t. μ and ℓ.

    For each sample i: log πᵢ = gaussian_log_prob(aᵢ, μᵢ, ℓ), rᵢ = exp(log πᵢ − old_log_probᵢ),
    its term clipped_surrogate(rᵢ, Âᵢ, ε). By the chain rule through log πᵢ,

        ∂loss/∂μᵢ = −(1/B)·gᵢ·∂log πᵢ/∂μᵢ          gᵢ = clipped_surrogate_gradient(rᵢ, Âᵢ, ε)
        ∂loss/∂ℓ  = −(1/B)·Σᵢ gᵢ·∂log πᵢ/∂ℓ − c₂    (∂H/∂ℓ = 1 per dimension)

    with ∂log π/∂μ and ∂log π/∂ℓ from gaussian_log_prob_gradients. The entropy bonus is
    *subtracted* from the loss: minimising the loss then widens the Gaussian (∂loss/∂ℓ gets −c₂).

    Shapes: means and actions (B × n), log_std (n,), old_log_probs and advantages (B,).
    Raises ValueError for an empty batch; for lists of different lengths (the message names
    the lengths); or for ε <= 0 (the message names clip and its value).

    >>> result = policy_loss([[0.0]], [0.0], [[1.0]], [-1.4189385332046727], [2.0], clip=0.2)
    >>> result.loss, result.grad_means, result.grad_log_std  # r = 1: −Â, −Â·(a − μ), −Â·((a − μ)² − 1)
    (-2.0, [[-2.0]], [0.0])
    """
    require_positive("policy_loss: clip (ε)", clip)
    count = len(means)
    if count == 0:
        raise ValueError("policy_loss: expected a non-empty minibatch")
    lengths = {
        "means": count,
        "actions": len(actions),
        "old_log_probs": len(old_log_probs),
        "advantages": len(advantages),
    }
    if len(set(lengths.values())) > 1:
        raise ValueError(f"policy_loss: every list must have one entry per sample, got lengths {lengths}")
    scale = 1.0 / count
    objective, clipped, kl = 0.0, 0, 0.0
    grad_means = []
    grad_log_std = [0.0] * len(log_std)
    for mean, action, old_log_prob, advantage in zip(means, actions, old_log_probs, advantages):
        log_ratio = gaussian_log_prob(action, mean, log_std) - old_log_prob
        ratio = math.exp(log_ratio)
        objective += clipped_surrogate(ratio, advantage, clip)
        clipped += abs(ratio - 1.0) > clip
        kl += ratio - 1.0 - log_ratio
        weight = -scale * clipped_surrogate_gradient(ratio, advantage, clip)  # ∂loss/∂log πᵢ
        d_mean, d_log_std = gaussian_log_prob_gradients(action, mean, log_std)
        grad_means.append([weight * g for g in d_mean])
        grad_log_std = [total + weight * g for total, g in zip(grad_log_std, d_log_std)]
    entropy = gaussian_entropy(log_std)
    return PolicyLoss(
        loss=-objective * scale - entropy_coef * entropy,
        grad_means=grad_means,
        grad_log_std=[g - entropy_coef for g in grad_log_std],
        entropy=entropy,
        clip_fraction=clipped * scale,
        approx_kl=kl * scale,
    )


def value_loss(predictions: list[float], returns: list[float]) -> tuple[float, list[float]]:
    """The value network's loss on a minibatch, the mean squared error to the GAE returns, and
    its gradient w.r.t. each prediction:

        L = (1/B)·Σᵢ (Vᵢ − Rᵢ)²,     ∂L/∂Vᵢ = 2·(Vᵢ − Rᵢ)/B

    The returns Rᵢ = Âᵢ + V_old(sᵢ) are fixed targets (no gradient flows into them).
    Raises ValueError for an empty batch or lists of different lengths; the message names
    both lengths.

    >>> value_loss([1.0, 0.0], [0.0, 0.0])
    (0.5, [1.0, 0.0])
    """
    if not predictions or len(predictions) != len(returns):
        raise ValueError(
            f"value_loss: expected as many returns as predictions (at least one), got {len(predictions)} and {len(returns)}"
        )
    scale = 1.0 / len(predictions)
    errors = [v - r for v, r in zip(predictions, returns)]
    return sum(e * e for e in errors) * scale, [2.0 * e * scale for e in errors]


# ── collecting experience and estimating advantages ───────────────────────────────────────


# given
@dataclass
class Rollout:
    """T steps of experience, as parallel lists (step t: in s_t did a_t, got r_t, saw s_{t+1})."""

    features: list[list[float]] = field(default_factory=list)  # φ(s_t)
    actions: list[list[float]] = field(default_factory=list)  # a_t as sampled (before the world's clip)
    log_probs: list[float] = field(default_factory=list)  # log π_old(a_t | s_t), fixed from now on
    rewards: list[float] = field(default_factory=list)
    next_features: list[list[float]] = field(
        default_factory=list
    )  # φ(s_{t+1}); the final observation at an episode's end
    terminated: list[bool] = field(default_factory=list)
    truncated: list[bool] = field(default_factory=list)
    next_observation: list[float] | None = None  # where the next rollout continues (after a reset if the episode ended)


def collect_rollout(world: World, policy: GaussianPolicy, observation: list[float], steps: int, rng: Rng) -> Rollout:
    """Act with the current policy for `steps` steps, starting from `observation`, and record them.

        for each step:  φ = features(observation); a, log π = policy.act(φ, rng)
                        step = world.step(a)          (the world clips a to its bounds)
                        record φ, a, log π, r, features(step.observation), terminated, truncated
                        if the episode ended: observation = world.reset()[0]  (no seed: the
                        world's generator goes on) else observation = step.observation

    Episodes run on across rollouts: the one unfinished at the end continues in the next
    rollout from `next_observation`. The `next_features` of a step that ended an episode are
    those of the final observation the world returned, not of the new episode's start: a
    truncated return bootstraps from there.

    Raises ValueError unless steps is an integer >= 1; the message names steps and its value.
    """
    require_count("collect_rollout: steps", steps)
    rollout = Rollout()
    act, step_world, reset = policy.act, world.step, world.reset
    state_features = features(observation)
    for _ in range(steps):
        action, log_prob = act(state_features, rng)
        next_observation, reward, terminated, truncated, _ = step_world(action)
        next_features = features(next_observation)
        rollout.features.append(state_features)
        rollout.actions.append(action)
        rollout.log_probs.append(log_prob)
        rollout.rewards.append(reward)
        rollout.next_features.append(next_features)
        rollout.terminated.append(terminated)
        rollout.truncated.append(truncated)
        if terminated or truncated:
            next_observation, _ = reset()
            next_features = features(next_observation)
        state_features = next_features
    rollout.next_observation = next_observation
    return rollout


def advantages_and_returns(
    rollout: Rollout, value_net: MLP, gamma: float, lam: float
) -> tuple[list[float], list[float]]:
    """GAE advantages Â_t and the value targets R_t = Â_t + V(s_t) of a rollout.

    Evaluate the value network once on all φ(s_t) and once on all φ(s_{t+1}) (two batch forward
    passes), then call returns.gae(rewards, values, next_values, terminated, truncated, γ, λ).
    gae zeroes the future after a termination only: on a truncation, and at the rollout's last
    step, the advantage bootstraps from V(final observation).

    Shapes: T steps -> (T advantages, T returns). Raises ValueError for γ or λ outside [0, 1];
    the message names the setting (gamma or lam) and its value.

    >>> net = MLP([4, 1], Rng(0))
    >>> net.weights[0].value, net.biases[0].value = [[0.0] * 4], [[1.0]]  # V = 1 everywhere
    >>> steps = Rollout(features=[[0.0] * 4], rewards=[-0.5], next_features=[[0.0] * 4], terminated=[False], truncated=[True])
    >>> advantages_and_returns(steps, net, gamma=0.5, lam=0.95)  # −0.5 + 0.5·1 − 1, then + 1
    ([-1.0], [0.0])
    """
    require_unit("advantages_and_returns: gamma", gamma)
    require_unit("advantages_and_returns: lam", lam)
    values = [v[0] for v in value_net.forward(rollout.features)[0]]
    next_values = [v[0] for v in value_net.forward(rollout.next_features)[0]]
    advantages = gae(rollout.rewards, values, next_values, rollout.terminated, rollout.truncated, gamma, lam)
    return advantages, [a + v for a, v in zip(advantages, values)]


# ── the update: K epochs of minibatch Adam on the clipped objective ───────────────────────


# given
@dataclass
class Agent:
    """Everything that learns: the policy, the value network, and one Adam for each."""

    policy: GaussianPolicy
    value_net: MLP
    policy_optimizer: Adam
    value_optimizer: Adam


# given
def make_agent(config: Config, n_actions: int, rng: Rng) -> Agent:
    """A fresh agent: policy weights first, then the value network's, all drawn from `rng`."""
    policy = GaussianPolicy(N_FEATURES, n_actions, config.hidden, rng, config.initial_log_std)
    value_net = value_network(N_FEATURES, config.hidden, rng)
    return Agent(policy, value_net, Adam(policy.parameters(), lr=config.lr), Adam(value_net.parameters(), lr=config.lr))


def ppo_update(
    agent: Agent, rollout: Rollout, advantages: list[float], returns: list[float], config: Config, rng: Rng
) -> dict[str, float]:
    """K = config.epochs passes over the rollout in shuffled minibatches; return the mean losses.

    Each epoch: shuffle the step indices (rng.shuffle, T − 1 draws) and cut them into
    minibatches of config.minibatch_size (the last one may be smaller). For each minibatch:

        policy:  Â = normalize_advantages(the minibatch's advantages)
                 loss = policy_loss(μ(φ), ℓ, a, log π_old, Â, ε, c₂)
                 zero the gradients, backward, clip_by_global_norm(·, max_grad_norm), Adam step
        value:   loss = value_loss(V(φ), R); the gradient times c₁ (value_coef)
                 zero the gradients, backward, clip_by_global_norm(·, max_grad_norm), Adam step

    The two networks share nothing, so each has its own gradient, clip and optimizer.
    Returns {"policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction",
    "gradient_steps"}: the means over all minibatches, and their count.
    """
    policy, value_net = agent.policy, agent.value_net
    size = len(rollout.rewards)
    totals = {"policy_loss": 0.0, "value_loss": 0.0, "entropy": 0.0, "approx_kl": 0.0, "clip_fraction": 0.0}
    minibatches = 0
    indices = list(range(size))
    for _ in range(config.epochs):
        rng.shuffle(indices)
        for start in range(0, size, config.minibatch_size):
            batch = indices[start : start + config.minibatch_size]
            batch_features = [rollout.features[i] for i in batch]

            means, tape = policy.forward(batch_features)
            loss = policy_loss(
                means,
                policy.log_std.value[0],
                [rollout.actions[i] for i in batch],
                [rollout.log_probs[i] for i in batch],
                normalize_advantages([advantages[i] for i in batch]),
                config.clip,
                config.entropy_coef,
            )
            zero_grad(policy.parameters())
            policy.backward(tape, loss.grad_means, loss.grad_log_std)
            clip_by_global_norm(policy.parameters(), config.max_grad_norm)
            agent.policy_optimizer.step()

            outputs, value_tape = value_net.forward(batch_features)
            predictions = [v[0] for v in outputs]
            error, grad_values = value_loss(predictions, [returns[i] for i in batch])
            zero_grad(value_net.parameters())
            value_net.backward(value_tape, [[config.value_coef * g] for g in grad_values])
            clip_by_global_norm(value_net.parameters(), config.max_grad_norm)
            agent.value_optimizer.step()

            totals["policy_loss"] += loss.loss
            totals["value_loss"] += error
            totals["entropy"] += loss.entropy
            totals["approx_kl"] += loss.approx_kl
            totals["clip_fraction"] += loss.clip_fraction
            minibatches += 1
    means = {name: total / minibatches for name, total in totals.items()}
    means["gradient_steps"] = minibatches
    return means


# ── training ──────────────────────────────────────────────────────────────────────────


# given
@dataclass
class UpdateStats:
    """What one update did, averaged over its minibatches."""

    update: int  # 1, 2, …
    env_steps: int  # environment steps so far
    gradient_steps: int  # minibatch steps so far
    policy_loss: float
    value_loss: float
    entropy: float
    approx_kl: float
    clip_fraction: float
    std: list[float]  # σ per action dimension after the update
    episode_return: float  # mean undiscounted return of the episodes that ended in this rollout (nan if none)


# given
@dataclass
class UpdateReport:
    """What `train` tells its on_update callback after each update."""

    stats: UpdateStats  # the numbers of this update (also kept in TrainResult.updates)
    agent: Agent  # the learner, just updated (live: the next update changes it)


# given
@dataclass
class TrainResult:
    agent: Agent
    updates: list[UpdateStats] = field(default_factory=list)
    episode_returns: list[float] = field(
        default_factory=list
    )  # undiscounted, of every finished episode, as lived (sampling)
    env_steps: int = 0
    gradient_steps: int = 0


def train(
    world: World,
    config: Config,
    seed: int = 0,
    on_update: Callable[[UpdateReport], None] | None = None,
) -> TrainResult:
    """PPO on the point mass: ⌈total_steps / rollout_steps⌉ rounds of collect, estimate, update.

        rng = Rng(seed); observation = world.reset(seed=world_seed(rng))   (the seeding rule: see mdp.world_seed)
        agent = make_agent(config, number of action dimensions, rng)
        repeat:  rollout = collect_rollout(world, policy, observation, rollout_steps, rng)
                 advantages, returns = advantages_and_returns(rollout, value net, γ, λ)
                 ppo_update(agent, rollout, advantages, returns, config, rng)
                 record UpdateStats; on_update(UpdateReport(stats, agent)); observation = rollout.next_observation

    Episode returns are summed as they are lived, across rollout boundaries.
    """
    rng = Rng(seed)
    observation, _ = world.reset(seed=world_seed(rng))
    agent = make_agent(config, len(world.action_space.low), rng)
    result = TrainResult(agent=agent)
    running_return = 0.0
    for update in range(1, math.ceil(config.total_steps / config.rollout_steps) + 1):
        rollout = collect_rollout(world, agent.policy, observation, config.rollout_steps, rng)
        observation = rollout.next_observation
        finished = []
        for reward, terminated, truncated in zip(rollout.rewards, rollout.terminated, rollout.truncated):
            running_return += reward
            if terminated or truncated:
                finished.append(running_return)
                running_return = 0.0
        advantages, returns = advantages_and_returns(rollout, agent.value_net, config.gamma, config.lam)
        losses = ppo_update(agent, rollout, advantages, returns, config, rng)
        result.env_steps += len(rollout.rewards)
        result.gradient_steps += losses["gradient_steps"]
        result.episode_returns.extend(finished)
        stats = UpdateStats(
            update=update,
            env_steps=result.env_steps,
            gradient_steps=result.gradient_steps,
            policy_loss=losses["policy_loss"],
            value_loss=losses["value_loss"],
            entropy=losses["entropy"],
            approx_kl=losses["approx_kl"],
            clip_fraction=losses["clip_fraction"],
            std=[math.exp(l) for l in agent.policy.log_std.value[0]],
            episode_return=sum(finished) / len(finished) if finished else math.nan,
        )
        result.updates.append(stats)
        if on_update is not None:
            on_update(UpdateReport(stats, agent))
    return result
