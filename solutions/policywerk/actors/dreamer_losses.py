"""DreamerV3's loss pieces: each a formula of the paper with its gradient, one number or one
vector at a time. The world model (dreamer_world_model), behaviour learning
(dreamer_behaviour) and the agent (dreamer_agent) are built from them.

    preprocess_image      symlog(pixel − ½): what the encoder sees and the decoder predicts
    latent_sample         z: K one-hot categoricals with a 1 % uniform mix (unimix), and the
                          straight-through gradient that treats the one-hot as its probabilities
    kl_divergence,        KL[q ‖ p] of two such latents, and the two KL terms with free bits:
    kl_balance            β_dyn·max(1, KL[sg(q) ‖ p]) + β_rep·max(1, KL[q ‖ sg(p)])
    twohot_loss,          a reward or a value predicted as a distribution over bins spaced
    twohot_mean           evenly in symlog space, trained by cross-entropy against the twohot
                          encoding of symlog(target); its prediction is symexp(mean bin)
    continue_loss         binary cross-entropy of "the episode goes on"
    lambda_returns        R_t = r_t + γ·c_t·((1 − λ)·v_{t+1} + λ·R_{t+1}),   R_H = v_H
    ReturnNormaliser      S = EMA of the 5th–95th percentile range; the actor divides by max(1, S)
    action_from_raw       a = tanh(mean) + std·ε, the reparameterised Gaussian action

sg is the stop-gradient: a value used as a constant, through which no gradient flows. Every
backward here is checked against central differences by the specs.

Reference: D. Hafner, J. Pasukonis, J. Ba and T. Lillicrap, "Mastering diverse domains through
world models", arXiv:2301.04104 (2023).
"""

from __future__ import annotations

import math
from operator import mul

from policywerk.building_blocks.distributions import (
    categorical_kl,
    categorical_kl_gradients,
    categorical_probabilities_backward,
    gaussian_entropy,
    straight_through_sample,
)
from policywerk.primitives.activations import softmax
from policywerk.primitives.checks import require_unit
from policywerk.primitives.losses import cross_entropy, cross_entropy_gradient, symexp, symlog, twohot, twohot_decode
from policywerk.primitives.random import Rng


def preprocess_image(image: list[float], pixels: int) -> list[float]:
    """What the encoder sees: every pixel centred on 0 and squashed, symlog(p − 0.5).

    DreamerV3 feeds its encoder symlog'd inputs so that no input scale dominates; the
    decoder learns to predict these same numbers. Grey (0.5) becomes 0.

    Shapes: (pixels,) -> (pixels,). Raises ValueError for an image of another length; the
    message names both lengths (pixels and the image's).

    >>> [round(v, 4) for v in preprocess_image([0.5, 1.0, 0.0, 0.75], pixels=4)]
    [0.0, 0.4055, -0.4055, 0.2231]
    """
    if len(image) != pixels:
        raise ValueError(f"preprocess_image: expected an image of {pixels} pixels, got {len(image)}")
    return [symlog(p - 0.5) for p in image]


def latent_sample(logits: list[float], classes: int, unimix: float, rng: Rng) -> tuple[list[float], list[float]]:
    """Sample the stochastic state z: K one-hot vectors, one per categorical, side by side.

    The logits hold K groups of C = `classes` numbers. For each group in turn, its
    probabilities are p = (1 − u)·softmax(group) + u/C (the unimix) and its one-hot sample is
    drawn from p with one draw (distributions.straight_through_sample). Returns
    (sample, probabilities), both K·C long. Forward the network uses the one-hot; backward
    the straight-through estimator treats it as p (see `latent_sample_backward`).

    Raises ValueError unless the logits split into one or more whole groups of `classes`
    (classes an integer >= 1); the message names the number of logits and classes.

    >>> latent_sample([0.0, 50.0, 50.0, 0.0], classes=2, unimix=0.01, rng=Rng(0))
    ([0.0, 1.0, 1.0, 0.0], [0.005, 0.995, 0.995, 0.005])
    """
    if not isinstance(classes, int) or classes < 1 or len(logits) % classes != 0 or not logits:
        raise ValueError(f"latent_sample: {len(logits)} logits do not split into groups of {classes!r} classes")
    sample: list[float] = []
    probabilities: list[float] = []
    for start in range(0, len(logits), classes):
        one_hot, group_probabilities = straight_through_sample(logits[start : start + classes], rng, unimix)
        sample += one_hot
        probabilities += group_probabilities
    return sample, probabilities


def latent_sample_backward(logits: list[float], grad_sample: list[float], classes: int, unimix: float) -> list[float]:
    """The straight-through gradient: ∂L/∂logits from ∂L/∂z, as if z were its probabilities.

    z = one_hot + p − sg(p) has the one-hot's value and p's gradient, so for each group
    ∂L/∂logits = categorical_probabilities_backward(group logits, ∂L/∂z of the group, u):
    (1 − u)·s_j·(g_j − Σ_i s_i·g_i) with s = softmax(group).

    Raises ValueError when the lengths differ or do not split into groups of `classes`; the
    message names both lengths.

    >>> latent_sample_backward([0.0, 0.0], [1.0, 0.0], classes=2, unimix=0.0)  # s = ½, ½
    [0.25, -0.25]
    """
    if len(grad_sample) != len(logits) or not isinstance(classes, int) or classes < 1 or len(logits) % classes != 0:
        raise ValueError(
            f"latent_sample_backward: expected logits and gradient of equal length in groups of {classes!r}, "
            f"got {len(logits)} and {len(grad_sample)}"
        )
    grad: list[float] = []
    for start in range(0, len(logits), classes):
        end = start + classes
        grad += categorical_probabilities_backward(logits[start:end], grad_sample[start:end], unimix)
    return grad


def kl_divergence(posterior_logits: list[float], prior_logits: list[float], classes: int, unimix: float) -> float:
    """KL[q ‖ p] between two stochastic states: the sum over the K categoricals of each
    group's KL (the categoricals are independent, so their KLs add), both with the unimix.

    Raises ValueError when the lengths differ or do not split into groups of `classes`; the
    message names both lengths.

    >>> round(kl_divergence([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], 2, 0.01), 12)
    0.0
    >>> round(kl_divergence([math.log(3.0), 0.0], [0.0, 0.0], 2, 0.0), 6)  # ¾·log(¾/½) + ¼·log(¼/½)
    0.130812
    """
    if (
        len(posterior_logits) != len(prior_logits)
        or not isinstance(classes, int)
        or classes < 1
        or len(prior_logits) % classes
    ):
        raise ValueError(
            f"kl_divergence: expected two latents of equal length in groups of {classes!r}, "
            f"got {len(posterior_logits)} and {len(prior_logits)}"
        )
    return sum(
        categorical_kl(posterior_logits[start : start + classes], prior_logits[start : start + classes], unimix)
        for start in range(0, len(prior_logits), classes)
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
    kl = kl_divergence(posterior_logits, prior_logits, classes, unimix)
    return (dynamics_scale + representation_scale) * max(free_bits, kl), kl


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
    if kl_divergence(posterior_logits, prior_logits, classes, unimix) <= free_bits:
        return [0.0] * len(posterior_logits), [0.0] * len(prior_logits)
    grad_posterior: list[float] = []
    grad_prior: list[float] = []
    for start in range(0, len(prior_logits), classes):
        end = start + classes
        group_posterior, group_prior = categorical_kl_gradients(
            posterior_logits[start:end], prior_logits[start:end], unimix
        )
        grad_posterior += [representation_scale * g for g in group_posterior]
        grad_prior += [dynamics_scale * g for g in group_prior]
    return grad_posterior, grad_prior


def twohot_loss(logits: list[float], target: float, bins: list[float]) -> float:
    """The loss of a twohot head (reward or critic): cross-entropy of softmax(logits) against
    twohot(symlog(target), bins), the target squashed first, then spread over its two bins.

    Shapes: (n,), a float, (n,) -> a float.

    >>> round(twohot_loss([0.0, 0.0, 0.0], math.e - 1.0, [-1.0, 0.0, 1.0]), 6)  # symlog = 1: all on the last bin
    1.098612
    """
    return cross_entropy(logits, twohot(symlog(target), bins))


def twohot_loss_gradient(logits: list[float], target: float, bins: list[float]) -> list[float]:
    """∂twohot_loss/∂logits = softmax(logits) − twohot(symlog(target), bins).

    >>> [round(g, 6) for g in twohot_loss_gradient([0.0, 0.0], symexp(0.25), [0.0, 1.0])]
    [-0.25, 0.25]
    """
    return cross_entropy_gradient(logits, twohot(symlog(target), bins))


def twohot_mean(logits: list[float], bins: list[float]) -> float:
    """The number a twohot head predicts: symexp of the mean bin, symexp(Σᵢ softmax(z)ᵢ·binsᵢ).

    >>> twohot_mean([0.0, 0.0], [-1.0, 1.0])
    0.0
    >>> round(twohot_mean([0.0, 1000.0], [0.0, 1.0]), 6) == round(math.e - 1.0, 6)
    True
    """
    return symexp(twohot_decode(softmax(logits), bins))


def twohot_mean_gradient(logits: list[float], bins: list[float]) -> list[float]:
    """∂twohot_mean/∂logits: with s = softmax(z) and m = Σ sᵢ·binsᵢ,

        ∂/∂zᵢ = symexp'(m)·sᵢ·(binsᵢ − m),    symexp'(m) = e^|m|.

    It carries the actor's gradient through the predicted rewards and values.

    >>> twohot_mean_gradient([0.0, 0.0], [-1.0, 1.0])  # m = 0: e⁰·½·(∓1)
    [-0.5, 0.5]
    """
    s = softmax(logits)
    mean = sum(map(mul, s, bins))
    slope = math.exp(abs(mean))
    return [slope * si * (b - mean) for si, b in zip(s, bins)]


def continue_loss(logit: float, target: float) -> float:
    """Binary cross-entropy of the continue head: −t·log σ(l) − (1 − t)·log(1 − σ(l)).

    Computed stably as max(l, 0) − t·l + log(1 + e^(−|l|)), which never overflows.

    >>> round(continue_loss(0.0, 1.0), 6)  # log 2
    0.693147
    >>> continue_loss(-1000.0, 0.0)
    0.0
    """
    return max(logit, 0.0) - target * logit + math.log1p(math.exp(-abs(logit)))


def continue_loss_gradient(logit: float, target: float) -> float:
    """∂continue_loss/∂l = σ(l) − t.

    >>> continue_loss_gradient(0.0, 1.0)
    -0.5
    """
    probability = 1.0 / (1.0 + math.exp(-logit)) if logit >= 0.0 else math.exp(logit) / (1.0 + math.exp(logit))
    return probability - target


def lambda_returns(
    rewards: list[float], continues: list[float], values: list[float], gamma: float, lam: float
) -> list[float]:
    """The λ-returns of one imagined trajectory of H steps, computed backward:

        R_H = v_H,    R_t = r_t + γ·c_t·((1 − λ)·v_{t+1} + λ·R_{t+1})    for t = H − 1 … 0

    Here rewards[t] and continues[t] are those the model predicts for the state reached by
    step t (r_{t+1}, c_{t+1} in the module docstring), values[t] = v(s_t) for t = 0 … H.
    λ = 0 gives the one-step target r + γ·c·v(next); λ = 1 the discounted sum plus γ^H·v_H.

    Shapes: (H,), (H,), (H + 1,) -> (H,). Raises ValueError for other lengths (the message
    names the three lengths) or for γ, λ outside [0, 1] (the message names the setting, gamma
    or lam, and its value).

    >>> lambda_returns([1.0, 1.0], [1.0, 1.0], [0.0, 2.0, 4.0], gamma=0.5, lam=0.5)  # R₁ = 1 + ½·4, R₀ = 1 + ½·(½·2 + ½·3)
    [2.25, 3.0]
    """
    if len(continues) != len(rewards) or len(values) != len(rewards) + 1:
        raise ValueError(
            f"lambda_returns: expected H rewards, H continues and H + 1 values, got {len(rewards)}, {len(continues)} and {len(values)}"
        )
    require_unit("lambda_returns: gamma", gamma)
    require_unit("lambda_returns: lam", lam)
    returns = [0.0] * len(rewards)
    following = values[-1]
    for t in range(len(rewards) - 1, -1, -1):
        following = rewards[t] + gamma * continues[t] * ((1.0 - lam) * values[t + 1] + lam * following)
        returns[t] = following
    return returns


def lambda_returns_backward(
    grad_returns: list[float],
    continues: list[float],
    values: list[float],
    returns: list[float],
    gamma: float,
    lam: float,
) -> tuple[list[float], list[float], list[float]]:
    """The gradient of `lambda_returns`: given ∂L/∂R_t, return (∂L/∂r, ∂L/∂c, ∂L/∂v).

    R_t depends on R_{t+1}, so the gradient flows forward in t: with G_t the total gradient
    reaching R_t, G_0 = ∂L/∂R_0 and G_{t+1} = ∂L/∂R_{t+1} + G_t·γ·c_t·λ. Then

        ∂L/∂r_t = G_t
        ∂L/∂c_t = G_t·γ·((1 − λ)·v_{t+1} + λ·R_{t+1})        (R_H = v_H)
        ∂L/∂v_{t+1} = G_t·γ·c_t·(1 − λ),  and v_H also gets G_{H−1}·γ·c_{H−1}·λ;  ∂L/∂v_0 = 0.

    Shapes: (H,), (H,), (H + 1,), (H,) -> (H,), (H,), (H + 1,). Raises ValueError for other
    lengths; the message names the four lengths.

    >>> lambda_returns_backward([1.0, 0.0], [1.0, 1.0], [0.0, 2.0, 4.0], [2.25, 3.0], gamma=0.5, lam=0.5)
    ([1.0, 0.25], [1.25, 0.5], [0.0, 0.25, 0.125])
    """
    horizon = len(grad_returns)
    if len(continues) != horizon or len(returns) != horizon or len(values) != horizon + 1:
        raise ValueError(
            f"lambda_returns_backward: expected H gradients, continues and returns and H + 1 values, got "
            f"{horizon}, {len(continues)}, {len(returns)} and {len(values)}"
        )
    grad_rewards, grad_continues, grad_values = [0.0] * horizon, [0.0] * horizon, [0.0] * (horizon + 1)
    carried = 0.0
    for t in range(horizon):
        total = grad_returns[t] + carried
        following = returns[t + 1] if t + 1 < horizon else values[horizon]
        grad_rewards[t] = total
        grad_continues[t] = total * gamma * ((1.0 - lam) * values[t + 1] + lam * following)
        grad_values[t + 1] += total * gamma * continues[t] * (1.0 - lam)
        carried = total * gamma * continues[t] * lam
    grad_values[horizon] += carried
    return grad_rewards, grad_continues, grad_values


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of the values, interpolating linearly between the two nearest ranks
    (numpy's default): with x sorted and position k = q/100·(n − 1),
    x[⌊k⌋] + (k − ⌊k⌋)·(x[⌊k⌋ + 1] − x[⌊k⌋]).

    Raises ValueError for no values, or for q outside [0, 100] (the message names q's value).

    >>> percentile([3.0, 1.0, 2.0, 4.0], 50.0), percentile([0.0, 10.0], 5.0)
    (2.5, 0.5)
    """
    if not values:
        raise ValueError("percentile: expected at least one value, got none")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile: q must be in [0, 100], got {q}")
    ordered = sorted(values)
    position = q / 100.0 * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


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
        require_unit("ReturnNormaliser: decay", decay)
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
        low, high = percentile(returns, self.low), percentile(returns, self.high)
        decay = self.decay
        self.low_value = decay * self.low_value + (1.0 - decay) * low
        self.high_value = decay * self.high_value + (1.0 - decay) * high
        return max(self.limit, self.high_value - self.low_value)


def action_from_raw(raw: list[float], noise: list[float], min_std: float, max_std: float) -> tuple[list[float], float]:
    """The actor's Gaussian action from its network output, reparameterised: (action, entropy).

    raw holds A raw means then A raw spreads. Per dimension (the paper's code):

        mean = tanh(raw_mean),  std = (max_std − min_std)·σ(raw_std + 2) + min_std
        action = mean + std·ε        (ε = noise, from N(0, 1); ε = 0 gives the greedy action)

    and the entropy Σ log std + ½·log(2πe) (distributions.gaussian_entropy of log std). The
    environment clips the force to [−1, 1]; the model sees the action as sampled.

    Raises ValueError unless len(raw) = 2·len(noise); the message names both: the expected
    2·len(noise) and len(raw).

    >>> action, entropy = action_from_raw([0.0, 1000.0, -1000.0, -1000.0], [0.5, 0.0], 0.1, 1.0)
    >>> action, round(entropy, 6)  # std = 0.1 in both: 0 + 0.1·0.5, tanh(1000) = 1
    ([0.05, 1.0], -1.767293)
    """
    size = len(noise)
    if len(raw) != 2 * size:
        raise ValueError(f"action_from_raw: expected {2 * size} raw outputs (means then spreads), got {len(raw)}")
    spread = max_std - min_std
    means = [math.tanh(m) for m in raw[:size]]
    stds = [spread * logistic(s + 2.0) + min_std for s in raw[size:]]
    action = [m + s * e for m, s, e in zip(means, stds, noise)]
    return action, gaussian_entropy([math.log(s) for s in stds])


def action_from_raw_backward(
    raw: list[float], noise: list[float], grad_action: list[float], grad_entropy: float, min_std: float, max_std: float
) -> list[float]:
    """∂L/∂raw from ∂L/∂action and ∂L/∂entropy, through `action_from_raw`:

        ∂L/∂raw_mean = g_a·(1 − tanh²(raw_mean))
        ∂L/∂raw_std  = (g_a·ε + g_H / std)·(max_std − min_std)·σ'(raw_std + 2),  σ' = σ·(1 − σ)

    (the action moves with the spread by ε; the entropy by 1/std per unit of std).

    Raises ValueError unless len(raw) = 2·len(noise) and len(grad_action) = len(noise); the
    message names the expected lengths (2·len(noise) and len(noise)) and the lengths it got.

    >>> action_from_raw_backward([0.0, -2.0], [1.0], [1.0], 0.0, 0.0, 1.0)  # σ'(0) = ¼
    [1.0, 0.25]
    """
    size = len(noise)
    if len(raw) != 2 * size or len(grad_action) != size:
        raise ValueError(
            f"action_from_raw_backward: expected {2 * size} raw outputs and {size} action gradients, got {len(raw)} and {len(grad_action)}"
        )
    spread = max_std - min_std
    grad_means = [g * (1.0 - math.tanh(m) ** 2) for g, m in zip(grad_action, raw[:size])]
    grad_stds = []
    for g, e, s in zip(grad_action, noise, raw[size:]):
        sig = logistic(s + 2.0)
        std = spread * sig + min_std
        grad_stds.append((g * e + grad_entropy / std) * spread * sig * (1.0 - sig))
    return grad_means + grad_stds


# given
def logistic(v: float) -> float:
    """σ(v) for one number, without overflow on either side."""
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0.0 else math.exp(v) / (1.0 + math.exp(v))
