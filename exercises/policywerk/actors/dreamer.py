"""World models: DreamerV3 at small scale, learning to steer the point mass from pixels.

DreamerV3 (Hafner et al. 2023) learns a model of its world from experience, then learns to
act by *imagining* the future inside that model. Three networks train side by side:

  the world model   encodes each image, keeps a recurrent state h (a GRU) and a stochastic
                    state z (several categoricals), and learns to predict what comes next:
                    the image itself, the reward and whether the episode continues;
  the critic        learns the λ-return of imagined trajectories, v(s) ≈ E[R^λ];
  the actor         learns to choose actions whose imagined returns are high.

The recurrent state-space model (RSSM), at each step t of a replayed sequence:

    h_t = GRU(h_{t−1}, [z_{t−1}, a_{t−1}])               deterministic state (h_0 = 0)
    z_t ~ q(z | h_t, embed(x_t))                        posterior: sees the image
    ẑ_t ~ p(z | h_t)                                    prior: must guess without it
    x̂_t, r̂_t, ĉ_t = decoder, reward and continue heads of s_t = [h_t, z_t]

z is a set of K categoricals of C classes each, sampled as one-hot vectors with a 1 % uniform
mix (no class ever has probability 0) and straight-through gradients (the backward pass
treats the one-hot as its probabilities). The world-model loss per step is

    L = β_pred·(L_image + L_reward + L_continue) + β_dyn·max(1, KL[sg(q) ‖ p]) + β_rep·max(1, KL[q ‖ sg(p)])

with sg the stop-gradient: the dynamics term (β_dyn = 0.5) moves only the prior toward the
posterior, the representation term (β_rep = 0.1) moves the posterior a little toward what
the prior can predict ("KL balancing"), and max(1, ·) ("free bits") stops both once they are
within 1 nat, so the model does not squeeze out information it needs. Rewards and values are
predicted as distributions over 255 bins spaced evenly in symlog space, trained by
cross-entropy against the twohot encoding of symlog(target).

Behaviour in imagination: from replayed posterior states, the actor and the world model's
prior roll out H = 15 steps. The λ-returns of the imagined rewards,

    R_t = r_{t+1} + γ·c_{t+1}·((1 − λ)·v(s_{t+1}) + λ·R_{t+1}),     R_H = v(s_H),

train the critic (twohot, plus a pull toward a slow EMA copy of itself), and the actor
ascends R_t / max(1, S) plus 3·10⁻⁴ times its entropy, S being an EMA of the 5th–95th
percentile range of the returns. For continuous actions the paper takes the gradient of R_t
*through the dynamics*: the action's reparameterised sample, the GRU, the prior and the heads
are all differentiated back to the actor's weights (the world model's weights stay as they are).

What differs here, and why (the paper's value first; each is in `Config`):
- sizes: GRU 32 units and 4 categoricals × 8 classes (paper: ≥ 512 units, 32 × 32), MLPs of
  16–64 units with ELU and no layer norm, replay batches of 8 × 16 (paper 16 × 64) and 16
  imagination starts per update (paper: every replayed state) — pure Python is ~500× slower
  than numpy, and these are the sizes the prototype found to learn in 10 minutes.
- the image loss is scaled ×10: summed over only 64 pixels it is the size of the KL terms,
  and the world model then encoded nothing (the prototype's one decisive change). The reward
  and continue terms are scaled ×10 as well, so the representation is shaped by the reward
  too: after 400 world-model updates on random play, a linear read-out of the model state
  predicted the reward with R² 0.65 instead of 0.17 (measured).
- discount 0.97 (paper 1 − 1/333 ≈ 0.997): episodes last 50 steps; 0.97 learned faster.
- learning rates 3e-3 / 1e-3 / 3e-4 for world model / actor / critic (paper 1e-4, 3e-5,
  3e-5): a budget of 800 updates instead of hundreds of thousands.
- 21 twohot bins on [−5, 5] in symlog space instead of 255 on [−20, 20]: every reward and
  return here lies within ±150 (symlog ±5), so the paper's range left 38 of 41 bins unused by
  the rewards, and a head spent its early updates pushing them down. With true positions as
  input, a reward head reached a squared error of 0.031 in 800 updates with 21 bins on ±5,
  against 0.18 with 41 on ±20 (the reward's variance: 0.25). Fewer bins are cheaper too
  (255 bins cost 1.16 s per update instead of 0.75 s).
- reward and continue heads of 32 hidden units (16 learned the reward more slowly).
- the actor's inputs are a stop-gradient, as in the paper's code. That code also subtracts
  the critic's v(s_t) from R_t in the backprop objective and lets gradient pass through it;
  here the objective is R_t alone (a baseline held constant would not change the gradient).

What an update costs at the defaults (one core, Python 3.11; `maintainer/bench_dreamer.py`):
about 0.6 s, four fifths of it in the dense kernels (affine maps and their backward). The
world model takes 0.25 s (observe 0.06, loss 0.03, backward through time 0.15); behaviour
0.35 s: imagination 0.08, the returns and losses 0.07, the actor's backprop through the
dynamics 0.16 (the GRU's weight gradients are skipped there, and the actor's backward runs
once over all 240 imagined rows), the critic 0.04. Two shortcuts save about 0.1 s and change
no number: the world model's backward through time defers the GRU's and the posterior's
weight gradients to one pass over all T·B rows (`defer=True`: one long dot product per
weight instead of T short ones), and every layer that reads the latent z adds the weights of
its 4 ones instead of multiplying all 32 entries, and sums the gradient rows where z is 1
for its weight gradient (`dense.affine_one_hot`, `dense.affine_backward_one_hot`).

Reference: D. Hafner, J. Pasukonis, J. Ba and T. Lillicrap, "Mastering diverse domains through
world models", arXiv:2301.04104 (2023).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import add, mul
from typing import Callable

from policywerk.building_blocks.dense import Dense, accumulate, affine, affine_backward
from policywerk.building_blocks.distributions import (
    categorical_kl,
    categorical_kl_gradients,
    categorical_probabilities,
    categorical_probabilities_backward,
    gaussian_entropy,
    straight_through_sample,
)
from policywerk.building_blocks.network import Parameter, affine_backward_one_hot, affine_one_hot, require_one_hot_range
from policywerk.building_blocks.optimizers import Adam, clip_by_global_norm
from policywerk.building_blocks.recurrent import GRU
from policywerk.building_blocks.replay_buffer import ReplayBuffer
from policywerk.primitives.activations import elu, elu_derivative, softmax
from policywerk.primitives.losses import cross_entropy, cross_entropy_gradient, symexp, symlog, twohot, twohot_decode
from policywerk.primitives.random import Rng
from policywerk.primitives.vector import linspace
from policywerk.world.pixel_pointmass import PixelPointMass, random_policy


# ── hyperparameters ──────────────────────────────────────────────────────────────────────


# given
@dataclass(frozen=True)
class Config:
    """Every setting of the agent: the paper's value where we use it, else the deviation and why
    (see the module docstring). The defaults are the lesson's (the prototype's best setting)."""

    # the world and the replayed data
    image_size: int = 8  # the pixel point mass's picture is image_size × image_size
    batch_size: int = 8  # replayed sequences per update (paper 16)
    sequence_length: int = 16  # steps per replayed sequence (paper 64)
    replay_capacity: int = 1000  # episodes kept (50 steps each); the oldest go first
    # the RSSM and the heads (paper: GRU ≥ 512, 32 categoricals × 32 classes, MLPs of ≥ 512)
    gru_units: int = 32
    categoricals: int = 4
    classes: int = 8
    unimix: float = 0.01  # 1 % uniform mix in every categorical (paper)
    encoder_units: int = 64
    hidden_units: int = 32  # posterior, prior and decoder MLPs
    head_units: int = 32  # reward and continue heads (16 learned the reward more slowly)
    actor_critic_units: int = 32  # two hidden layers each
    bins: int = 21  # paper 255; see the module docstring
    bin_low: float = -5.0  # the bins span [bin_low, bin_high] in symlog space (paper: ±20)
    bin_high: float = 5.0
    # world-model losses (paper: prediction 1, dynamics 0.5, representation 0.1, free bits 1)
    image_scale: float = 10.0  # paper 1.0; ×10 so the model cannot ignore the 64 pixels
    prediction_scale: float = 10.0  # reward and continue terms: paper 1.0; ×10 like the image
    dynamics_scale: float = 0.5
    representation_scale: float = 0.1
    free_bits: float = 1.0
    # behaviour in imagination (paper: H 15, λ 0.95, η 3e-4, std in [0.1, 1], slow critic 0.02)
    horizon: int = 15
    gamma: float = 0.97  # paper 1 − 1/333; episodes here last 50 steps
    lam: float = 0.95
    entropy_scale: float = 3e-4
    min_std: float = 0.1
    max_std: float = 1.0
    return_decay: float = 0.99  # EMA of the 5th–95th percentile range of the returns
    return_limit: float = 1.0  # divide by max(limit, S): small returns are not blown up
    slow_critic_fraction: float = 0.02
    slow_regulariser: float = 1.0
    imagination_starts: int = 16  # paper: every replayed state
    # optimisers (paper: 1e-4 / 3e-5 / 3e-5; ε 1e-8 / 1e-5; clipping 1000 / 100)
    model_lr: float = 3e-3
    actor_lr: float = 1e-3
    critic_lr: float = 3e-4
    model_epsilon: float = 1e-8
    actor_critic_epsilon: float = 1e-5
    model_clip: float = 1000.0
    actor_critic_clip: float = 100.0
    # the schedule of a run
    prefill_steps: int = 5000  # random steps before the first update
    train_every: int = 20  # environment steps per update (the prototype: more data is nearly free)
    updates: int = 800  # ~0.7 s each with the acting: under 10 minutes (a world-model-only warm-up made the prototype worse: none)
    eval_every: int = 50  # updates between greedy evaluations
    eval_episodes: int = 5

    def __post_init__(self):
        for name in ("image_size", "batch_size", "sequence_length", "replay_capacity", "gru_units", "categoricals",
                     "classes", "encoder_units", "hidden_units", "head_units", "actor_critic_units", "horizon",
                     "imagination_starts", "train_every", "eval_every", "eval_episodes"):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Config: {name} must be an integer >= 1, got {value!r}")
        for name in ("prefill_steps", "updates"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Config: {name} must be an integer >= 0, got {value!r}")
        if self.image_size < 2:
            raise ValueError(f"Config: image_size must be >= 2, got {self.image_size}")
        if self.sequence_length < 2:
            raise ValueError(f"Config: sequence_length must be >= 2 (the model learns from what follows), got {self.sequence_length}")
        if not isinstance(self.bins, int) or self.bins < 2:
            raise ValueError(f"Config: bins must be an integer >= 2, got {self.bins!r}")
        if not self.bin_low < self.bin_high or not self.bin_low <= 0.0 <= self.bin_high:
            raise ValueError(
                f"Config: the bin range [bin_low, bin_high] must contain 0 (a reward or value of 0 must be representable), "
                f"got [{self.bin_low}, {self.bin_high}]"
            )
        for name in ("model_lr", "actor_lr", "critic_lr", "model_clip", "actor_critic_clip"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"Config: {name} must be > 0, got {getattr(self, name)}")
        for name in ("gamma", "lam", "return_decay", "slow_critic_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Config: {name} must be in [0, 1], got {getattr(self, name)}")
        if not 0.0 <= self.unimix < 1.0:
            raise ValueError(f"Config: unimix must be in [0, 1), got {self.unimix}")
        if not 0.0 < self.min_std <= self.max_std:
            raise ValueError(f"Config: expected 0 < min_std <= max_std, got {self.min_std} and {self.max_std}")
        for name in ("image_scale", "prediction_scale", "dynamics_scale", "representation_scale", "free_bits",
                     "entropy_scale", "slow_regulariser", "model_epsilon", "actor_critic_epsilon"):  # fmt: skip
            if not getattr(self, name) >= 0.0:
                raise ValueError(f"Config: {name} must be >= 0, got {getattr(self, name)}")
        if not self.return_limit > 0.0:
            raise ValueError(f"Config: return_limit must be > 0, got {self.return_limit}")

    # given
    @property
    def latent_size(self) -> int:
        """K·C: the length of z, the K one-hot vectors side by side."""
        return self.categoricals * self.classes

    # given
    @property
    def feature_size(self) -> int:
        """The length of the model state s = [h, z] that every head and the actor read."""
        return self.gru_units + self.latent_size

    # given
    @property
    def bin_values(self) -> list[float]:
        """The twohot bins, evenly spaced in symlog space on [bin_low, bin_high]."""
        return linspace(self.bin_low, self.bin_high, self.bins)


ACTION_SIZE = 2  # the point mass is pushed in x and y


# ── 1. the pieces of the losses ──────────────────────────────────────────────────────────


def preprocess_image(image: list[float], pixels: int) -> list[float]:
    """What the encoder sees: every pixel centred on 0 and squashed, symlog(p − 0.5).

    DreamerV3 feeds its encoder symlog'd inputs so that no input scale dominates; the
    decoder learns to predict these same numbers. Grey (0.5) becomes 0.

    Shapes: (pixels,) -> (pixels,). Raises ValueError for an image of another length.

    >>> [round(v, 4) for v in preprocess_image([0.5, 1.0, 0.0, 0.75], pixels=4)]
    [0.0, 0.4055, -0.4055, 0.2231]
    """
    raise NotImplementedError(
        'actors.dreamer.preprocess_image is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def latent_sample(logits: list[float], classes: int, unimix: float, rng: Rng) -> tuple[list[float], list[float]]:
    """Sample the stochastic state z: K one-hot vectors, one per categorical, side by side.

    The logits hold K groups of C = `classes` numbers. For each group in turn, its
    probabilities are p = (1 − u)·softmax(group) + u/C (the unimix) and its one-hot sample is
    drawn from p with one draw (distributions.straight_through_sample). Returns
    (sample, probabilities), both K·C long. Forward the network uses the one-hot; backward
    the straight-through estimator treats it as p (see `latent_sample_backward`).

    Raises ValueError unless the logits split into whole groups of `classes`.

    >>> latent_sample([0.0, 50.0, 50.0, 0.0], classes=2, unimix=0.01, rng=Rng(0))
    ([0.0, 1.0, 1.0, 0.0], [0.005, 0.995, 0.995, 0.005])
    """
    raise NotImplementedError(
        'actors.dreamer.latent_sample is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def latent_sample_backward(logits: list[float], grad_sample: list[float], classes: int, unimix: float) -> list[float]:
    """The straight-through gradient: ∂L/∂logits from ∂L/∂z, as if z were its probabilities.

    z = one_hot + p − sg(p) has the one-hot's value and p's gradient, so for each group
    ∂L/∂logits = categorical_probabilities_backward(group logits, ∂L/∂z of the group, u):
    (1 − u)·s_j·(g_j − Σ_i s_i·g_i) with s = softmax(group).

    Raises ValueError when the lengths differ or do not split into groups of `classes`.

    >>> latent_sample_backward([0.0, 0.0], [1.0, 0.0], classes=2, unimix=0.0)  # s = ½, ½
    [0.25, -0.25]
    """
    raise NotImplementedError(
        'actors.dreamer.latent_sample_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def kl_divergence(posterior_logits: list[float], prior_logits: list[float], classes: int, unimix: float) -> float:
    """KL[q ‖ p] between two stochastic states: the sum over the K categoricals of each
    group's KL (the categoricals are independent, so their KLs add), both with the unimix.

    Raises ValueError when the lengths differ or do not split into groups of `classes`.

    >>> round(kl_divergence([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], 2, 0.01), 12)
    0.0
    >>> round(kl_divergence([math.log(3.0), 0.0], [0.0, 0.0], 2, 0.0), 6)  # ¾·log(¾/½) + ¼·log(¼/½)
    0.130812
    """
    raise NotImplementedError(
        'actors.dreamer.kl_divergence is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def kl_balance(
    posterior_logits: list[float],
    prior_logits: list[float],
    classes: int,
    unimix: float,
    free_bits: float,
    dynamics_scale: float,
    representation_scale: float,
) -> tuple[float, float]:
    """The two KL terms of the world-model loss, with free bits: (loss, KL).

        loss = β_dyn·max(free, KL[sg(q) ‖ p]) + β_rep·max(free, KL[q ‖ sg(p)])

    Forward, both KLs are the same number, `kl_divergence(q, p)`, so the loss is
    (β_dyn + β_rep)·max(free, KL); the stop-gradients only change who learns from which
    term (see `kl_balance_gradients`).

    >>> round(kl_balance([math.log(3.0), 0.0], [0.0, 0.0], 2, 0.0, 0.1, 0.5, 0.1)[0], 6)  # 0.6·0.130812
    0.078487
    >>> kl_balance([math.log(3.0), 0.0], [0.0, 0.0], 2, 0.0, 1.0, 0.5, 0.1)[0]  # below 1 nat: 0.6·1
    0.6
    """
    raise NotImplementedError(
        'actors.dreamer.kl_balance is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def kl_balance_gradients(
    posterior_logits: list[float],
    prior_logits: list[float],
    classes: int,
    unimix: float,
    free_bits: float,
    dynamics_scale: float,
    representation_scale: float,
) -> tuple[list[float], list[float]]:
    """(∂loss/∂posterior logits, ∂loss/∂prior logits) of `kl_balance`, with its stop-gradients.

    The dynamics term KL[sg(q) ‖ p] reaches only the prior and the representation term
    KL[q ‖ sg(p)] only the posterior, so with the group gradients
    (∂KL/∂q, ∂KL/∂p) = distributions.categorical_kl_gradients(q group, p group, u):

        ∂/∂posterior = β_rep·∂KL/∂q,    ∂/∂prior = β_dyn·∂KL/∂p      when KL > free,
        both 0                                                     when KL <= free (free bits).

    >>> kl_balance_gradients([0.0, 0.0], [0.0, 0.0], 2, 0.0, free_bits=1.0, dynamics_scale=0.5, representation_scale=0.1)
    ([0.0, 0.0], [0.0, 0.0])
    """
    raise NotImplementedError(
        'actors.dreamer.kl_balance_gradients is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def twohot_loss(logits: list[float], target: float, bins: list[float]) -> float:
    """The loss of a twohot head (reward or critic): cross-entropy of softmax(logits) against
    twohot(symlog(target), bins), the target squashed first, then spread over its two bins.

    Shapes: (n,), a float, (n,) -> a float.

    >>> round(twohot_loss([0.0, 0.0, 0.0], math.e - 1.0, [-1.0, 0.0, 1.0]), 6)  # symlog = 1: all on the last bin
    1.098612
    """
    raise NotImplementedError(
        'actors.dreamer.twohot_loss is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def twohot_loss_gradient(logits: list[float], target: float, bins: list[float]) -> list[float]:
    """∂twohot_loss/∂logits = softmax(logits) − twohot(symlog(target), bins).

    >>> [round(g, 6) for g in twohot_loss_gradient([0.0, 0.0], symexp(0.25), [0.0, 1.0])]
    [-0.25, 0.25]
    """
    raise NotImplementedError(
        'actors.dreamer.twohot_loss_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def twohot_mean(logits: list[float], bins: list[float]) -> float:
    """The number a twohot head predicts: symexp of the mean bin, symexp(Σᵢ softmax(z)ᵢ·binsᵢ).

    >>> twohot_mean([0.0, 0.0], [-1.0, 1.0])
    0.0
    >>> round(twohot_mean([0.0, 1000.0], [0.0, 1.0]), 6) == round(math.e - 1.0, 6)
    True
    """
    raise NotImplementedError(
        'actors.dreamer.twohot_mean is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def twohot_mean_gradient(logits: list[float], bins: list[float]) -> list[float]:
    """∂twohot_mean/∂logits: with s = softmax(z) and m = Σ sᵢ·binsᵢ,

        ∂/∂zᵢ = symexp'(m)·sᵢ·(binsᵢ − m),    symexp'(m) = e^|m|.

    It carries the actor's gradient through the predicted rewards and values.

    >>> twohot_mean_gradient([0.0, 0.0], [-1.0, 1.0])  # m = 0: e⁰·½·(∓1)
    [-0.5, 0.5]
    """
    raise NotImplementedError(
        'actors.dreamer.twohot_mean_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def continue_loss(logit: float, target: float) -> float:
    """Binary cross-entropy of the continue head: −t·log σ(l) − (1 − t)·log(1 − σ(l)).

    Computed stably as max(l, 0) − t·l + log(1 + e^(−|l|)), which never overflows.

    >>> round(continue_loss(0.0, 1.0), 6)  # log 2
    0.693147
    >>> continue_loss(-1000.0, 0.0)
    0.0
    """
    raise NotImplementedError(
        'actors.dreamer.continue_loss is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def continue_loss_gradient(logit: float, target: float) -> float:
    """∂continue_loss/∂l = σ(l) − t.

    >>> continue_loss_gradient(0.0, 1.0)
    -0.5
    """
    raise NotImplementedError(
        'actors.dreamer.continue_loss_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# given
def _require_unit(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")


def lambda_returns(rewards: list[float], continues: list[float], values: list[float], gamma: float, lam: float) -> list[float]:
    """The λ-returns of one imagined trajectory of H steps, computed backward:

        R_H = v_H,    R_t = r_t + γ·c_t·((1 − λ)·v_{t+1} + λ·R_{t+1})    for t = H − 1 … 0

    Here rewards[t] and continues[t] are those the model predicts for the state reached by
    step t (r_{t+1}, c_{t+1} in the module docstring), values[t] = v(s_t) for t = 0 … H.
    λ = 0 gives the one-step target r + γ·c·v(next); λ = 1 the discounted sum plus γ^H·v_H.

    Shapes: (H,), (H,), (H + 1,) -> (H,). Raises ValueError for other lengths or γ, λ
    outside [0, 1].

    >>> lambda_returns([1.0, 1.0], [1.0, 1.0], [0.0, 2.0, 4.0], gamma=0.5, lam=0.5)  # R₁ = 1 + ½·4, R₀ = 1 + ½·(½·2 + ½·3)
    [2.25, 3.0]
    """
    raise NotImplementedError(
        'actors.dreamer.lambda_returns is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def lambda_returns_backward(
    grad_returns: list[float], continues: list[float], values: list[float], returns: list[float], gamma: float, lam: float
) -> tuple[list[float], list[float], list[float]]:
    """The gradient of `lambda_returns`: given ∂L/∂R_t, return (∂L/∂r, ∂L/∂c, ∂L/∂v).

    R_t depends on R_{t+1}, so the gradient flows forward in t: with G_t the total gradient
    reaching R_t, G_0 = ∂L/∂R_0 and G_{t+1} = ∂L/∂R_{t+1} + G_t·γ·c_t·λ. Then

        ∂L/∂r_t = G_t
        ∂L/∂c_t = G_t·γ·((1 − λ)·v_{t+1} + λ·R_{t+1})        (R_H = v_H)
        ∂L/∂v_{t+1} = G_t·γ·c_t·(1 − λ),  and v_H also gets G_{H−1}·γ·c_{H−1}·λ;  ∂L/∂v_0 = 0.

    Shapes: (H,), (H,), (H + 1,), (H,) -> (H,), (H,), (H + 1,).

    >>> lambda_returns_backward([1.0, 0.0], [1.0, 1.0], [0.0, 2.0, 4.0], [2.25, 3.0], gamma=0.5, lam=0.5)
    ([1.0, 0.25], [1.25, 0.5], [0.0, 0.25, 0.125])
    """
    raise NotImplementedError(
        'actors.dreamer.lambda_returns_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of the values, interpolating linearly between the two nearest ranks
    (numpy's default): with x sorted and position k = q/100·(n − 1),
    x[⌊k⌋] + (k − ⌊k⌋)·(x[⌊k⌋ + 1] − x[⌊k⌋]).

    Raises ValueError for no values or q outside [0, 100].

    >>> percentile([3.0, 1.0, 2.0, 4.0], 50.0), percentile([0.0, 10.0], 5.0)
    (2.5, 0.5)
    """
    raise NotImplementedError(
        'actors.dreamer.percentile is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


class ReturnNormaliser:
    """DreamerV3's return scale: S = EMA of (95th − 5th percentile) of the λ-returns, and the
    actor divides its returns by max(1, S). Large returns are scaled down to a unit range;
    small ones are not scaled up (noise in sparse rewards would be amplified).

    >>> normaliser = ReturnNormaliser(decay=0.5)
    >>> normaliser.update([0.0, 10.0])  # range 9.0 (0.5 to 9.5): S = 0.5·0 + 0.5·9 = 4.5
    4.5
    """

    # given
    def __init__(self, decay: float = 0.99, limit: float = 1.0, low: float = 5.0, high: float = 95.0):
        _require_unit("ReturnNormaliser: decay", decay)
        if not limit > 0.0:
            raise ValueError(f"ReturnNormaliser: limit must be > 0, got {limit}")
        if not 0.0 <= low < high <= 100.0:
            raise ValueError(f"ReturnNormaliser: expected 0 <= low < high <= 100 percentiles, got {low} and {high}")
        self.decay, self.limit, self.low, self.high = decay, limit, low, high
        self.low_value = 0.0  # EMA of the low percentile (starts at 0, as in the paper's code)
        self.high_value = 0.0  # EMA of the high percentile

    def update(self, returns: list[float]) -> float:
        """Fold one batch of returns into the EMAs and return the scale to divide by:

            low ← d·low + (1 − d)·percentile(returns, 5);  high likewise with 95
            scale = max(limit, high − low)

        (the EMA of the range is the range of the EMAs). Raises ValueError for no returns.
        """
        raise NotImplementedError(
            'actors.dreamer.ReturnNormaliser.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer'
        )


def action_from_raw(raw: list[float], noise: list[float], min_std: float, max_std: float) -> tuple[list[float], float]:
    """The actor's Gaussian action from its network output, reparameterised: (action, entropy).

    raw holds A raw means then A raw spreads. Per dimension (the paper's code):

        mean = tanh(raw_mean),  std = (max_std − min_std)·σ(raw_std + 2) + min_std
        action = mean + std·ε        (ε = noise, from N(0, 1); ε = 0 gives the greedy action)

    and the entropy Σ log std + ½·log(2πe) (distributions.gaussian_entropy of log std). The
    environment clips the force to [−1, 1]; the model sees the action as sampled.

    Raises ValueError unless len(raw) = 2·len(noise).

    >>> action, entropy = action_from_raw([0.0, 1000.0, -1000.0, -1000.0], [0.5, 0.0], 0.1, 1.0)
    >>> action, round(entropy, 6)  # std = 0.1 in both: 0 + 0.1·0.5, tanh(1000) = 1
    ([0.05, 1.0], -1.767293)
    """
    raise NotImplementedError(
        'actors.dreamer.action_from_raw is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def action_from_raw_backward(
    raw: list[float], noise: list[float], grad_action: list[float], grad_entropy: float, min_std: float, max_std: float
) -> list[float]:
    """∂L/∂raw from ∂L/∂action and ∂L/∂entropy, through `action_from_raw`:

        ∂L/∂raw_mean = g_a·(1 − tanh²(raw_mean))
        ∂L/∂raw_std  = (g_a·ε + g_H / std)·(max_std − min_std)·σ'(raw_std + 2),  σ' = σ·(1 − σ)

    (the action moves with the spread by ε; the entropy by 1/std per unit of std).

    >>> action_from_raw_backward([0.0, -2.0], [1.0], [1.0], 0.0, 0.0, 1.0)  # σ'(0) = ¼
    [1.0, 0.25]
    """
    raise NotImplementedError(
        'actors.dreamer.action_from_raw_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# given
def _sigmoid(v: float) -> float:
    """σ(v) for one number, without overflow on either side."""
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0.0 else math.exp(v) / (1.0 + math.exp(v))


# ── 2. networks ──────────────────────────────────────────────────────────────────────────


# given
class MLP:
    """Dense layers with ELU between them (and after the last one too if `activate_last`),
    over batches of rows, built on `dense.affine` and `dense.affine_backward`.

    A `Sequential` keeps only its latest inputs; a recurrent model runs the same network at
    every step before any backward pass. So `forward` returns a tape of what its backward
    needs, and `backward(tape, …)` can run for any earlier call:

        outputs, tape = mlp.forward(rows)
        grad_inputs = mlp.backward(tape, grad_outputs)                     # adds to the weights' grad
        grad_inputs = mlp.backward(tape, grad_outputs, parameters=False)   # only ∂L/∂inputs
        mlp.backward(tape, grad_outputs, inputs=False)                      # only the weights' grad (None)
        grad_inputs = mlp.backward(tape, grad_outputs, defer=True)          # the weights' grad waits for:
        mlp.add_deferred_gradients()                                        # all deferred calls' rows at once

    Deferring pays in backpropagation through time, where each step's gradient arrives on its
    own and the batch is small: a weight's gradient is a dot product over the batch, and one
    dot over T·B rows costs about half as much per multiply-add as T dots over B = 8.
    """

    def __init__(self, sizes: list[int], rng: Rng, name: str, activate_last: bool = False, last_scale: float = 1.0,
                 one_hot: tuple[int, int] | None = None):  # fmt: skip
        if len(sizes) < 2:
            raise ValueError(f"MLP {name}: expected at least an input and an output size, got {sizes}")
        self.layers = [Dense(a, b, rng, name=f"{name}.{i}") for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]
        last = self.layers[-1].weight
        last.value = [[last_scale * w for w in row] for row in last.value]  # 0: the paper's zero-initialised heads
        self.activate_last = activate_last
        self.in_features, self.out_features = sizes[0], sizes[-1]
        require_one_hot_range(f"MLP {name}", one_hot, sizes[0])
        self.one_hot = one_hot  # (start, end): the inputs there are a sampled latent's 0s and 1s (dense.affine_one_hot)
        self._deferred: list[list] = [[] for _ in self.layers]  # per layer: (inputs, ∂L/∂pre-activations) kept by defer=True

    def parameters(self) -> list[Parameter]:
        return [parameter for layer in self.layers for parameter in layer.parameters()]

    def forward(self, inputs: list[list[float]]) -> tuple[list[list[float]], list]:
        tape = []
        rows, last = inputs, len(self.layers) - 1
        for index, layer in enumerate(self.layers):
            layer_inputs = rows
            if index == 0 and self.one_hot is not None:
                rows = affine_one_hot(rows, layer.weight.value, layer.bias.value[0], *self.one_hot)
            else:
                rows = affine(rows, layer.weight.value, layer.bias.value[0])
            if index < last or self.activate_last:
                tape.append((layer_inputs, rows))  # the inputs and the pre-activations
                rows = [elu(row) for row in rows]
            else:
                tape.append((layer_inputs, None))
        return rows, tape

    def backward(self, tape: list, grad_outputs: list[list[float]], parameters: bool = True, inputs: bool = True,
                 defer: bool = False):  # fmt: skip
        grad = grad_outputs
        for index in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[index]
            layer_inputs, pre_activations = tape[index]
            if pre_activations is not None:
                grad = [list(map(mul, g, elu_derivative(pre))) for g, pre in zip(grad, pre_activations)]
            need_inputs = index > 0 or inputs
            if parameters and not defer:
                grad_weight, grad_bias, grad = self._affine_backward(index, layer_inputs, grad, need_inputs)
                accumulate(layer.weight, grad_weight)
                accumulate(layer.bias, [grad_bias])
            else:  # only ∂L/∂X = G·W, as the affine map with Wᵀ for weights
                if parameters:  # defer: this layer's rows wait for add_deferred_gradients
                    self._deferred[index].append((layer_inputs, grad))
                transposed = [list(column) for column in zip(*layer.weight.value)]
                grad = affine(grad, transposed, [0.0] * layer.in_features) if need_inputs else None
        return grad

    def add_deferred_gradients(self) -> None:
        """Add the weights' gradients of every backward(defer=True) since the last call, layer by
        layer over all their rows at once (the same sums as adding them call by call)."""
        for index, (layer, kept) in enumerate(zip(self.layers, self._deferred)):
            if kept:
                rows, grads = [row for inputs, _ in kept for row in inputs], [row for _, grad in kept for row in grad]
                grad_weight, grad_bias, _ = self._affine_backward(index, rows, grads, False)
                accumulate(layer.weight, grad_weight)
                accumulate(layer.bias, [grad_bias])
                kept.clear()

    def _affine_backward(self, index: int, inputs: list, grad: list, input_gradient: bool):
        """Layer `index`'s affine_backward: the one-hot version for a first layer that reads a latent."""
        weights = self.layers[index].weight.value
        if index == 0 and self.one_hot is not None:
            return affine_backward_one_hot(inputs, weights, grad, *self.one_hot, input_gradient=input_gradient)
        return affine_backward(inputs, weights, grad, input_gradient=input_gradient)


# given
def join_tapes(tapes: list[list]) -> list:
    """One tape for several forward passes of the same MLP, their rows in order: what a single
    backward over all those rows needs (when no gradient has to wait for another step's)."""
    return [
        (
            [row for tape in tapes for row in tape[layer][0]],
            None if tapes[0][layer][1] is None else [row for tape in tapes for row in tape[layer][1]],
        )
        for layer in range(len(tapes[0]))
    ]


# given
def zero_grad(parameters: list[Parameter]) -> None:
    """Set every gradient to 0 before a new backward pass (backward passes accumulate)."""
    for parameter in parameters:
        parameter.grad = [[0.0] * len(row) for row in parameter.value]


# given
def _split_rows(rows: list[list[float]], at: int) -> tuple[list[list[float]], list[list[float]]]:
    """Cut every row in two at `at`: ([row[:at]], [row[at:]])."""
    return [row[:at] for row in rows], [row[at:] for row in rows]


# ── 3. the world model ───────────────────────────────────────────────────────────────────


# given
@dataclass
class Batch:
    """Replayed sequences, time-major: entry [t][b] is step t of sequence b.

    One step of an episode is stored as DreamerV3 stores it: the image, the action then taken,
    and the reward and continue flag that came *with* the image (for an episode's first
    image, no reward came: reward 0 and reward_mask 0)."""

    images: list[list[list[float]]]  # T × B × pixels, raw values in [0, 1]
    actions: list[list[list[float]]]  # T × B × 2: the action taken after seeing images[t][b]
    rewards: list[list[float]]  # T × B
    continues: list[list[float]]  # T × B: 1 − terminated on arriving at the image
    reward_mask: list[list[float]]  # T × B: 0 at an episode's first step, else 1


# given
@dataclass
class Held:
    """What a gradient check holds fixed in the world model: the sampled one-hots and the
    inputs of each stop-gradient, all from an earlier pass (`Observation.held`)."""

    latents: list  # T × B × KC: the one-hot samples
    probabilities: list  # T × B × KC: sg(p) of the straight-through estimator
    posterior_logits: list  # T × B × KC: sg(q) in the dynamics KL
    prior_logits: list  # T × B × KC: sg(p) in the representation KL


# given
@dataclass
class Observation:
    """What `WorldModel.observe` computed for a batch, kept for the loss and the backward pass."""

    targets: list  # T·B rows: the preprocessed images (what the decoder must predict)
    hidden: list  # T × B × H: h_t
    latents: list  # T × B × KC: z_t as the networks saw it
    posterior_logits: list  # T × B × KC
    probabilities: list  # T × B × KC: the posterior probabilities (with the unimix)
    prior_logits: list  # T × B × KC
    embed_tape: list = field(default_factory=list)
    posterior_tapes: list = field(default_factory=list)  # one per step
    prior_tape: list = field(default_factory=list)  # over all T·B rows

    def features(self) -> list[list[float]]:
        """The model states s_t = [h_t, z_t] as T·B rows, t-major (row t·B + b)."""
        return [h + z for hidden, latents in zip(self.hidden, self.latents) for h, z in zip(hidden, latents)]

    def held(self) -> Held:
        """This pass's samples and stop-gradient inputs, to replay them in a gradient check."""
        return Held(self.latents, self.probabilities, self.posterior_logits, self.prior_logits)


# given
@dataclass
class WorldModelLoss:
    """The world-model loss of one batch: its terms (each a mean over the T·B steps, already
    scaled), and the gradients of the chosen terms with respect to each head's output."""

    total: float
    terms: dict[str, float]  # image, reward, continue, dynamics, representation
    kl: float  # mean KL[q ‖ p] per step, in nats (before free bits)
    reconstructions: list  # T·B rows: the decoder's output (in preprocessed units)
    decoder_tape: list = field(default_factory=list)
    reward_tape: list = field(default_factory=list)
    continue_tape: list = field(default_factory=list)
    grad_reconstructions: list = field(default_factory=list)  # T·B × pixels
    grad_reward_logits: list = field(default_factory=list)  # T·B × bins
    grad_continue_logits: list = field(default_factory=list)  # T·B × 1
    grad_posterior_logits: list = field(default_factory=list)  # T·B × KC (representation term)
    grad_prior_logits: list = field(default_factory=list)  # T·B × KC (dynamics term)


WORLD_MODEL_TERMS = ("image", "reward", "continue", "dynamics", "representation")


# given
def _latent_probabilities(logits: list[float], classes: int, unimix: float) -> list[float]:
    """The unimixed probabilities of every group, side by side (no sampling)."""
    probabilities: list[float] = []
    for start in range(0, len(logits), classes):
        probabilities += categorical_probabilities(logits[start : start + classes], unimix)
    return probabilities


# given
def straight_through(
    logits: list[float], classes: int, unimix: float, rng: Rng | None, held_sample=None, held_probabilities=None
) -> tuple[list[float], list[float]]:
    """(z, p): a fresh `latent_sample`, or, in a gradient check, the held one-hot replayed as
    z = one_hot + p − sg(p) with sg(p) the held probabilities: the same value, and the
    derivative the straight-through estimator claims, p's."""
    if held_sample is None:
        return latent_sample(logits, classes, unimix, rng)
    probabilities = _latent_probabilities(logits, classes, unimix)
    return [o + p - q for o, p, q in zip(held_sample, probabilities, held_probabilities)], probabilities


class WorldModel:
    """The RSSM with its encoder and heads (see the module docstring for the equations).

    >>> model = WorldModel(Config(), Rng(0))
    >>> model.gru.hidden_size, model.prior.out_features, model.reward.out_features
    (32, 32, 21)
    """

    # given
    def __init__(self, config: Config, rng: Rng):
        c = config
        pixels, features = c.image_size * c.image_size, c.feature_size
        self.config, self.pixels, self.bins = c, pixels, c.bin_values
        self.encoder = MLP([pixels, c.encoder_units], rng, "encoder", activate_last=True)
        self.gru = GRU(c.latent_size + ACTION_SIZE, c.gru_units, rng, name="sequence", one_hot=(0, c.latent_size))  # [z, a]
        self.posterior = MLP([c.gru_units + c.encoder_units, c.hidden_units, c.latent_size], rng, "posterior")
        self.prior = MLP([c.gru_units, c.hidden_units, c.latent_size], rng, "prior")
        latent = (c.gru_units, features)  # where z sits in s = [h, z]
        self.decoder = MLP([features, c.hidden_units, pixels], rng, "decoder", one_hot=latent)
        self.reward = MLP([features, c.head_units, c.bins], rng, "reward", last_scale=0.0, one_hot=latent)  # zero-initialised (paper)
        self.continue_head = MLP([features, c.head_units, 1], rng, "continue", one_hot=latent)

    # given
    def parameters(self) -> list[Parameter]:
        networks = (self.encoder, self.gru, self.posterior, self.prior, self.decoder, self.reward, self.continue_head)
        return [parameter for network in networks for parameter in network.parameters()]

    # given
    def forget(self) -> None:
        """Drop the GRU's record of its steps when no backward pass will follow (acting)."""
        self.gru._stack.clear()

    def observe(self, images: list, actions: list, rng: Rng | None, held: Held | None = None) -> Observation:
        """Run the RSSM over a batch of sequences with the posterior: the representation the
        losses judge. images[t][b] are raw pictures, actions[t][b] the action taken after them.

            embed_t = encoder(preprocess_image(x_t))                    (all T·B at once)
            h_0 = 0;  h_t = GRU([z_{t−1}, a_{t−1}], h_{t−1}) for t >= 1   (a GRU step per t)
            posterior logits_t = posterior([h_t, embed_t]);  z_t = straight-through sample
            prior logits_t = prior(h_t)                                 (all T·B at once, after)

        Sample z with `straight_through(logits, C, u, rng, …)`, passing held.latents[t][b] and
        held.probabilities[t][b] when `held` is given (a gradient check), else None.
        Raises ValueError for images of the wrong size (through `preprocess_image`).
        """
        raise NotImplementedError(
            'actors.dreamer.WorldModel.observe is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer'
        )

    def loss(self, observation: Observation, batch: Batch, held: Held | None = None, terms=WORLD_MODEL_TERMS) -> WorldModelLoss:
        """The world-model loss of an observed batch, averaged over its N = T·B steps, and the
        gradient of the chosen `terms` with respect to every head's output (0 for the others):

            image           α·Σ_pixels (x̂ − x)² / N          x̂ = decoder(s), x = the target; α = image_scale
            reward          β·Σ mask·twohot_loss(reward logits, r, bins) / N           β = prediction_scale
            continue        β·Σ continue_loss(continue logit, c) / N
            dynamics        β_dyn·Σ max(free, KL[sg(q) ‖ p]) / N
            representation  β_rep·Σ max(free, KL[q ‖ sg(p)]) / N

        Gradients: 2α·(x̂ − x)/N; β·mask·twohot_loss_gradient/N; β·continue_loss_gradient/N;
        and for the KL terms `kl_balance_gradients`/N (its prior part is the dynamics term's,
        its posterior part the representation term's). With `held`, sg(q) and sg(p) are the
        held logits (so each term's gradient is that of the function computed); without, q
        and p themselves. `kl` is the mean KL[q ‖ p] before free bits.
        """
        raise NotImplementedError(
            'actors.dreamer.WorldModel.loss is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer'
        )

    def backward(self, observation: Observation, loss: WorldModelLoss) -> None:
        """Backpropagate the loss's gradients into every weight of the world model, through time.

        1. The heads: decoder, reward and continue backward from their output gradients give
           ∂L/∂s for every step (T·B rows); the prior backward from the dynamics gradient
           gives ∂L/∂h from the prior.
        2. Backward in time, t = T − 1 … 0, for the B rows of step t:
               ∂L/∂z_t = the heads' part + what the GRU step t → t+1 sent back to its input z_t
               ∂L/∂h_t = the heads' part + the prior's + what the GRU step t → t+1 sent back
               ∂L/∂posterior logits_t = latent_sample_backward(logits, ∂L/∂z_t) + the
                   representation gradient; the posterior's backward splits ∂L/∂[h_t, embed_t]
               then (t >= 1) gru.backward_step(∂L/∂h_t) -> (∂L/∂[z_{t−1}, a_{t−1}], ∂L/∂h_{t−1})
           The posterior and the GRU run with defer=True: their weights' gradients wait, and
           add_deferred_gradients() adds them over all T·B rows after the loop (the same
           sums as dot products over T·B rows instead of T over B: ~30 ms less per update).
        3. The encoder backward from ∂L/∂embed (its inputs are data: no input gradient).

        Gradients add to what the weights hold (zero them first for a fresh gradient).
        """
        raise NotImplementedError(
            'actors.dreamer.WorldModel.backward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer'
        )


def open_loop(model: WorldModel, images: list, actions: list, context: int, rng: Rng) -> tuple[list, list]:
    """What the world model makes of one real episode: it watches the first `context` images,
    then dreams the rest from the same actions, with no more images (the paper's open-loop
    predictions). Returns (pictures, rewards), one per image of the episode:

        t < context:   s_t from the posterior (`observe` on the episode as a batch of one);
                       the picture decoded from s_t, the reward predicted for s_t
        t >= context:  h_t = GRU([z_{t−1}, a_{t−1}], h_{t−1}); z_t a sample of the prior(h_t)

    A picture decoded from s is symexp(decoder(s)) + 0.5 per pixel (undoing
    `preprocess_image`); a reward is twohot_mean(reward head(s)). actions[t] is the action
    taken after images[t]. Raises ValueError unless 1 <= context <= len(images), or when an
    action is missing.
    """
    raise NotImplementedError(
        'actors.dreamer.open_loop is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# ── 4. behaviour in imagination ──────────────────────────────────────────────────────────


# given
@dataclass
class HeldImagination:
    """What a gradient check holds fixed in imagination: the actor's inputs (the paper stops
    their gradient), the action noise, and the prior's one-hots with their sg(p)."""

    actor_inputs: list  # H × N × F
    noises: list  # H × N × 2
    latents: list  # H × N × KC (of s_1 … s_H)
    probabilities: list  # H × N × KC


# given
@dataclass
class Imagination:
    """An imagined trajectory of N starts over H steps: states s_0 … s_H and what made them."""

    hidden: list  # (H + 1) × N × units
    latents: list  # (H + 1) × N × KC
    actor_inputs: list  # H × N × F: the states the actor saw
    raw_actions: list  # H × N × 4: the actor's outputs
    noises: list  # H × N × 2
    actions: list  # H × N × 2
    entropies: list  # H × N
    prior_logits: list  # H × N × KC: the prior of s_{t+1}
    probabilities: list  # H × N × KC
    actor_tapes: list = field(default_factory=list)  # one per step
    prior_tapes: list = field(default_factory=list)  # one per step

    def features(self) -> list[list[float]]:
        """s_0 … s_H as (H + 1)·N rows, t-major."""
        return [h + z for hidden, latents in zip(self.hidden, self.latents) for h, z in zip(hidden, latents)]

    def held(self) -> HeldImagination:
        return HeldImagination(self.actor_inputs, self.noises, self.latents[1:], self.probabilities)


def imagine(
    model: WorldModel,
    actor: MLP,
    start_hidden: list[list[float]],
    start_latents: list[list[float]],
    horizon: int,
    rng: Rng | None,
    held: HeldImagination | None = None,
) -> Imagination:
    """Dream H steps ahead from N start states with the actor and the prior, no images:

        for t = 0 … H − 1:
            raw = actor(s_t);  ε ~ N(0, 1)² (rng.normals(2) per start, in order);
            a_t, entropy_t = action_from_raw(raw, ε, min_std, max_std)
            h_{t+1} = GRU([z_t, a_t], h_t);  prior logits = prior(h_{t+1})
            z_{t+1} = straight_through(prior logits, …)      (a sample of the prior)

    With `held`, the actor reads held.actor_inputs[t] instead of s_t, and the noises and
    the prior samples are the held ones. Raises ValueError for a horizon < 1.
    """
    raise NotImplementedError(
        'actors.dreamer.imagine is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# given
@dataclass
class HeldBehaviour:
    """The stop-gradient inputs of the behaviour losses, held fixed in a gradient check."""

    weights: list  # H × N: w_t
    scale: float  # max(1, S)
    returns: list  # H × N: the critic's targets
    slow_values: list  # H × N: the slow critic's values


# given
@dataclass
class Behaviour:
    """The predictions along an imagined trajectory, the returns, and the actor's and the
    critic's losses with the gradients their backward passes start from."""

    rewards: list  # H × N: r̂ of s_1 … s_H
    continues: list  # H × N: ĉ of s_1 … s_H
    values: list  # (H + 1) × N: v(s_0) … v(s_H)
    returns: list  # H × N: R_0 … R_{H−1}
    weights: list  # H × N: w_0 = 1, w_t = w_{t−1}·γ·ĉ_t
    scale: float  # max(1, S)
    slow_values: list  # H × N
    actor_terms: dict[str, float]  # return, entropy
    critic_terms: dict[str, float]  # return, slow
    reward_logits: list = field(default_factory=list)  # H·N rows
    reward_tape: list = field(default_factory=list)
    continue_logits: list = field(default_factory=list)  # H·N rows
    continue_tape: list = field(default_factory=list)
    critic_logits: list = field(default_factory=list)  # (H + 1)·N rows
    critic_tape: list = field(default_factory=list)
    grad_returns: list = field(default_factory=list)  # H × N: ∂actor loss/∂R_t
    grad_entropies: list = field(default_factory=list)  # H × N: ∂actor loss/∂entropy_t
    grad_critic_logits: list = field(default_factory=list)  # (H + 1)·N rows: ∂critic loss/∂logits

    @property
    def actor_loss(self) -> float:
        return sum(self.actor_terms.values())

    @property
    def critic_loss(self) -> float:
        return sum(self.critic_terms.values())

    def held(self) -> HeldBehaviour:
        return HeldBehaviour(self.weights, self.scale, self.returns, self.slow_values)


ACTOR_TERMS = ("return", "entropy")
CRITIC_TERMS = ("return", "slow")


def behaviour_losses(
    imagination: Imagination,
    model: WorldModel,
    critic: MLP,
    slow_critic: MLP,
    normaliser: ReturnNormaliser,
    held: HeldBehaviour | None = None,
    actor_terms=ACTOR_TERMS,
    critic_terms=CRITIC_TERMS,
) -> Behaviour:
    """Score an imagined trajectory and set up the actor's and the critic's losses.

    Predictions (one forward pass each, over every step at once): r̂_t = twohot_mean of the
    reward head and ĉ_t = σ(continue logit) for s_1 … s_H; v_t = twohot_mean of the critic
    for s_0 … s_H (shared by the returns and the critic's loss); the slow critic's values for
    s_0 … s_{H−1}. Then per start: R = lambda_returns(r̂, ĉ, v, γ, λ); the weights
    w_0 = 1, w_t = w_{t−1}·γ·ĉ_t (how much of step t is still in the episode); and the scale
    max(1, S) = normaliser.update(all returns). With N starts, H steps and M = N·H:

        actor   return  −Σ w_t·R_t / (scale·M)           ∂/∂R_t = −w_t/(scale·M)
                entropy −η·Σ w_t·entropy_t / M            ∂/∂entropy_t = −η·w_t/M
        critic  return  Σ w_t·twohot_loss(critic logits_t, R_t) / M
                slow    ρ·Σ w_t·twohot_loss(critic logits_t, slow value_t) / M     (ρ = slow_regulariser)

    The critic's logit gradients (twohot_loss_gradient, same weights) fill the rows of
    s_0 … s_{H−1}; the rows of s_H are 0. Weights, scale, the critic's targets and the slow
    values are stop-gradients: with `held` they are the held ones (and the normaliser is not
    updated). Only the named terms enter the losses and the gradients.
    """
    raise NotImplementedError(
        'actors.dreamer.behaviour_losses is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


def actor_backward(imagination: Imagination, behaviour: Behaviour, model: WorldModel, critic: MLP, actor: MLP) -> None:
    """The actor's gradient, backpropagated through the imagined dynamics (the paper's choice
    for continuous actions). Only the actor's weights gain gradients: the world model, the
    critic and the heads pass gradients through to their inputs and keep their own unchanged.

    1. Through the returns: per start, lambda_returns_backward(∂L/∂R, ĉ, v, R, γ, λ) gives
       ∂L/∂r̂, ∂L/∂ĉ and ∂L/∂v; through the heads (twohot_mean_gradient; σ' = ĉ·(1 − ĉ)) and
       their input gradients only (parameters=False), this is ∂L/∂s_t for t = 1 … H.
    2. Backward in time, t = H − 1 … 0, for the state s_{t+1} that step t made:
           ∂L/∂z_{t+1} → latent_sample_backward → prior backward (inputs only) → ∂L/∂h_{t+1}
           gru.backward_step(∂L/∂h_{t+1}, parameters=False) -> (∂L/∂[z_t, a_t], ∂L/∂h_t),
               carried to s_t
           ∂L/∂raw_t = action_from_raw_backward(raw, ε, ∂L/∂a_t, ∂L/∂entropy_t)
    3. One actor backward over all H·N rows at once (`join_tapes` of the H steps' tapes), weights
       only: the actor's input is a stop-gradient. One pass of 240 rows costs less than 15
       of 16: a weight gradient is a dot product over the batch, and long dots are cheaper
       per multiply-add in pure Python.
    """
    raise NotImplementedError(
        'actors.dreamer.actor_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# ── 5. replay, acting and the training loop ──────────────────────────────────────────────


# given
@dataclass
class EpisodeRecord:
    """One episode, step by step as `Batch` stores it: the first image (reward 0, masked),
    then each image that came back from the world with its reward."""

    images: list = field(default_factory=list)
    actions: list = field(default_factory=list)  # the action taken after each image ([0, 0] after the last)
    rewards: list = field(default_factory=list)
    continues: list = field(default_factory=list)
    reward_mask: list = field(default_factory=list)

    def begin(self, image: list[float]) -> None:
        """The first image: no reward came with it."""
        self.images.append(image)
        self.rewards.append(0.0)
        self.continues.append(1.0)
        self.reward_mask.append(0.0)

    def add(self, action: list[float], step) -> None:
        """The action taken after the latest image, and the Step the world answered with."""
        self.actions.append(list(action))
        self.images.append(step.observation)
        self.rewards.append(step.reward)
        self.continues.append(0.0 if step.terminated else 1.0)
        self.reward_mask.append(1.0)

    def end(self) -> None:
        """No action follows the last image."""
        self.actions.append([0.0] * ACTION_SIZE)


def sample_batch(buffer: ReplayBuffer, batch_size: int, length: int, rng: Rng) -> Batch:
    """Replay `batch_size` sequences of `length` consecutive steps, time-major.

    For each sequence in turn: pick an episode, buffer.sample(1, rng)[0] (one draw), then a
    start uniformly among the positions where `length` steps fit, rng.integers(0,
    len(episode.images) − length + 1) (one draw); a sequence never crosses an episode's end.
    Raises ValueError when an episode picked is shorter than `length`.
    """
    raise NotImplementedError(
        'actors.dreamer.sample_batch is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# given
@dataclass
class Memory:
    """What the agent carries from one real step to the next: h, z and the action it took."""

    hidden: list[float]
    latent: list[float]
    action: list[float]


# given
@dataclass
class UpdateStats:
    """The numbers of one update, for progress lines and the lesson's trace."""

    model_terms: dict[str, float]
    model_loss: float
    kl: float
    actor_loss: float
    critic_loss: float
    imagined_return: float  # mean λ-return R_0 over the imagination starts
    return_scale: float
    entropy: float  # mean entropy of the actor in imagination


# given
def _adam(parameters: list[Parameter], lr: float, epsilon: float) -> Adam:
    return Adam(parameters, lr=lr, epsilon=epsilon)


class Dreamer:
    """The agent: world model, actor, critic (and its slow copy), their optimisers.

    >>> agent = Dreamer(Config(), Rng(0))
    >>> agent.actor.out_features, agent.critic.out_features  # a mean and a spread per force coordinate
    (4, 21)
    """

    # given
    def __init__(self, config: Config, rng: Rng):
        c = config
        self.config = c
        self.model = WorldModel(c, rng)
        units = c.actor_critic_units
        # The paper's actor starts with small outputs (outscale 0.01): mean ≈ 0, std ≈ 0.9.
        latent = (c.gru_units, c.feature_size)  # where z sits in s = [h, z]
        self.actor = MLP([c.feature_size, units, units, 2 * ACTION_SIZE], rng, "actor", last_scale=0.01, one_hot=latent)
        self.critic = MLP([c.feature_size, units, units, c.bins], rng, "critic", last_scale=0.0, one_hot=latent)
        self.slow_critic = MLP([c.feature_size, units, units, c.bins], rng, "slow_critic", one_hot=latent)
        for slow, fast in zip(self.slow_critic.parameters(), self.critic.parameters()):
            slow.value = [list(row) for row in fast.value]
        self.normaliser = ReturnNormaliser(c.return_decay, c.return_limit)
        self.model_optimizer = _adam(self.model.parameters(), c.model_lr, c.model_epsilon)
        self.actor_optimizer = _adam(self.actor.parameters(), c.actor_lr, c.actor_critic_epsilon)
        self.critic_optimizer = _adam(self.critic.parameters(), c.critic_lr, c.actor_critic_epsilon)

    def update(self, batch: Batch, rng: Rng) -> UpdateStats:
        """One training step of all three learners on a replayed batch, in the paper's order.

        1. World model: zero its gradients, observe, loss, backward; clip the global norm to
           model_clip; one Adam step.
        2. Imagination: `imagination_starts` posterior states picked without replacement (shuffle
           the T·B indices with rng.shuffle, take the first ones, row index t·B + b); their h
           and z are data now (no gradient into the model). imagine H steps; behaviour_losses.
        3. Actor: zero, actor_backward, clip to actor_critic_clip, Adam step.
        4. Critic: zero, critic.backward(critic tape, its logit gradients, inputs=False),
           clip, Adam step; then the slow critic moves 2 % of the way to the critic:
           slow ← slow + fraction·(critic − slow), number by number.
        """
        raise NotImplementedError(
            'actors.dreamer.Dreamer.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer'
        )

    def act(self, image: list[float], memory: Memory | None, rng: Rng | None, greedy: bool = False) -> tuple[list[float], Memory]:
        """One real step: update the recurrent state with the new image, then act.

            h = 0 at an episode's start (memory None), else GRU([z, a], h) of the memory
            z = the posterior's sample given [h, embed(image)]; greedy: its mode (in each
                categorical the most probable class, ties to the lowest index)
            action = action_from_raw(actor([h, z]), ε): ε = rng.normals(2), or 0 when greedy

        Returns (action, Memory(h, z, action)). No gradients: the GRU's record is dropped.
        Raises ValueError for an image of the wrong size.
        """
        raise NotImplementedError(
            'actors.dreamer.Dreamer.act is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer'
        )


def evaluate(agent: Dreamer, world: PixelPointMass, seeds: list[int]) -> list[float]:
    """The greedy agent's undiscounted return in the REAL world, one episode per seed:
    world.reset(seed=s), then act greedily (memory None at the start) until the episode ends.
    """
    raise NotImplementedError(
        'actors.dreamer.evaluate is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )


# given
@dataclass
class UpdateReport:
    """What `train` tells its callback after each update."""

    update: int  # updates done
    env_steps: int  # real steps so far (prefill included)
    stats: UpdateStats
    greedy_return: float | None  # mean greedy return of the latest evaluation (None before the first)
    evaluated: bool  # whether this update ran an evaluation
    agent: Dreamer | None = None  # the agent as it is now (for drawing; do not train it from a callback)


# given
@dataclass
class TrainResult:
    agent: Dreamer
    reports: list[UpdateReport]  # one per update
    evaluations: list[tuple[int, float]]  # (updates done, mean greedy return)
    episode_returns: list[float]  # the return of every real training episode (prefill included)
    env_steps: int


EVALUATION_SEED_BASE = 10_000  # evaluation episodes use seeds 10 000, 10 001, … (never a training seed)


def train(config: Config, seed: int = 0, on_update: Callable[[UpdateReport], None] | None = None) -> TrainResult:
    """Train DreamerV3 on the pixel point mass: collect, replay, update; evaluate greedily now and then.

        world = PixelPointMass(config.image_size), rng = Rng(seed), agent = Dreamer(config, rng),
        replay = ReplayBuffer(config.replay_capacity) of EpisodeRecords
        prefill: act with pixel_pointmass.random_policy(rng) for prefill_steps steps
        then until `updates` updates: act with the agent (sampling, memory carried between
        steps, None after a reset); after every train_every steps past the prefill (once
        the replay holds an episode), update on sample_batch(replay, batch_size,
        sequence_length, rng); every eval_every updates (and after the last) evaluate on
        eval_episodes seeds EVALUATION_SEED_BASE + i in a separate world.

    An episode enters the replay when it ends; episodes started in the prefill keep being
    collected by the same loop. Calls on_update(UpdateReport) after each update.
    """
    raise NotImplementedError(
        'actors.dreamer.train is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer'
    )
