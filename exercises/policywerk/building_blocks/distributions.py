"""Probability distributions that networks output, with the gradients that train them.

A policy or a latent variable is a distribution whose parameters a network computes: logits
for a categorical (a choice among K), a mean and a log standard deviation for a diagonal
Gaussian (a continuous vector). Learning needs, besides sampling, the log-probability of an
outcome, the entropy and the KL divergence between two such distributions, and their
gradients with respect to the parameters.

Categorical with a uniform mix (DreamerV3, Hafner et al. 2023): p = (1 − u)·softmax(z) + u/K,
so no class ever has probability 0 (u = 0.01 in the paper). With s = softmax(z), every
gradient below reaches the logits through the same vector-Jacobian product

    ∂L/∂z_j = (1 − u)·s_j·(∂L/∂p_j − Σ_i s_i·∂L/∂p_i),

which is `categorical_probabilities_backward`. A straight-through sample (Bengio et al. 2013)
is a one-hot vector in the forward pass whose gradient is passed to the probabilities as if
the one-hot were p itself: backward through it is that same function.

Diagonal Gaussian with mean μ and log standard deviation ℓ (σ = e^ℓ), per dimension:

    sample      x = μ + σ·ε,  ε ~ N(0, 1)                  (reparameterised: ε is the randomness)
    log-prob    log N(x; μ, σ) = Σ −½((x − μ)/σ)² − ℓ − ½·log 2π
    entropy     Σ ℓ + ½·log(2πe)
    KL(p ‖ q)   Σ ℓ_q − ℓ_p + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½
"""

from __future__ import annotations

import math

from policywerk.primitives.activations import softmax
from policywerk.primitives.random import Rng
from policywerk.primitives.vector import require_same_length

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


# given
def _require_unimix(unimix: float) -> None:
    if not 0.0 <= unimix < 1.0:
        raise ValueError(f"unimix must be in [0, 1), got {unimix}")


# given
def _require_log_std(log_std: list[float]) -> None:
    for index, value in enumerate(log_std):
        if not math.isfinite(value):
            raise ValueError(f"log_std must be finite, got {value} at index {index}")


# ── categorical ──────────────────────────────────────────────────────────────────────────


def categorical_probabilities(logits: list[float], unimix: float = 0.0) -> list[float]:
    """p = (1 − u)·softmax(z) + u/K: the class probabilities, mixed with a uniform share u.

    Raises ValueError naming u unless 0 <= u < 1.

    >>> categorical_probabilities([0.0, 0.0, 0.0, 0.0], unimix=0.5)  # uniform stays uniform
    [0.25, 0.25, 0.25, 0.25]
    >>> categorical_probabilities([1000.0, 0.0], unimix=0.01)  # never 0: at least u/K
    [0.995, 0.005]
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_probabilities is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_probabilities_backward(
    logits: list[float], grad_probabilities: list[float], unimix: float = 0.0
) -> list[float]:
    """∂L/∂z from ∂L/∂p: (1 − u)·s_j·(g_j − Σ_i s_i·g_i), with s = softmax(z) and g = ∂L/∂p.

    Also the backward pass of a straight-through one-hot sample (its gradient goes to p).
    Raises ValueError naming both lengths when they differ, and naming u when it is outside
    [0, 1).

    >>> categorical_probabilities_backward([0.0, 0.0], [1.0, 0.0])  # s = ½, ½
    [0.25, -0.25]
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_probabilities_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_log_prob(logits: list[float], index: int, unimix: float = 0.0) -> float:
    """log p_index of `categorical_probabilities`. Without a mix, compute it as the stable
    log-softmax z_i − max z − log Σ e^(z_j − max z).

    Raises ValueError naming the index and K for an index that is not an integer in [0, K),
    and naming u when it is outside [0, 1).

    >>> round(categorical_log_prob([0.0, 0.0], 1), 6)  # log ½
    -0.693147
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_log_prob is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_log_prob_gradient(logits: list[float], index: int, unimix: float = 0.0) -> list[float]:
    """∂ log p_i / ∂z for i = index: the backward of `categorical_probabilities` with
    ∂L/∂p = e_i / p_i. Without a mix it is one-hot(i) − softmax(z), REINFORCE's gradient.

    Raises ValueError naming the index and K for an index that is not an integer in [0, K),
    and naming u when it is outside [0, 1).

    >>> categorical_log_prob_gradient([0.0, 0.0], 0)
    [0.5, -0.5]
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_log_prob_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_entropy(logits: list[float], unimix: float = 0.0) -> float:
    """H(p) = −Σ p_i·log p_i (in nats). log K for a uniform p; 0 for a certain one.

    >>> round(categorical_entropy([0.0, 0.0, 0.0, 0.0]), 6) == round(math.log(4), 6)
    True
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_entropy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_entropy_gradient(logits: list[float], unimix: float = 0.0) -> list[float]:
    """∂H/∂z: the backward of the probabilities with ∂H/∂p_i = −(log p_i + 1).

    An actor adds η·H to its objective (DreamerV3: η = 3·10⁻⁴) to keep exploring; this is
    the direction that makes its distribution flatter.

    >>> categorical_entropy_gradient([0.0, 0.0])  # already as flat as it gets
    [0.0, 0.0]
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_entropy_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_kl(logits_p: list[float], logits_q: list[float], unimix: float = 0.0) -> float:
    """KL(p ‖ q) = Σ p_i·(log p_i − log q_i) >= 0, zero only when p = q.

    DreamerV3's world model pulls its prior q toward its posterior p with it (and back).
    Raises ValueError naming both lengths when they differ.

    >>> categorical_kl([0.0, 0.0], [0.0, 0.0])
    0.0
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_kl is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def categorical_kl_gradients(
    logits_p: list[float], logits_q: list[float], unimix: float = 0.0
) -> tuple[list[float], list[float]]:
    """(∂KL/∂z_p, ∂KL/∂z_q) of `categorical_kl`, through each side's probabilities with

        ∂KL/∂p_i = log p_i − log q_i + 1,    ∂KL/∂q_i = −p_i / q_i.

    A stop-gradient on one side (DreamerV3's KL balancing) just discards that side's gradient.
    Raises ValueError naming both lengths when they differ.

    >>> categorical_kl_gradients([0.0, 0.0], [0.0, 0.0])
    ([0.0, 0.0], [0.0, 0.0])
    """
    raise NotImplementedError(
        'building_blocks.distributions.categorical_kl_gradients is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def straight_through_sample(logits: list[float], rng: Rng, unimix: float = 0.0) -> tuple[list[float], list[float]]:
    """A one-hot sample of `categorical_probabilities` (one draw, by the inverse CDF), and the
    probabilities it was drawn from: (one_hot, p).

    Forward, the network sees the one-hot; backward, treat ∂L/∂one_hot as ∂L/∂p and continue
    with `categorical_probabilities_backward`. In symbols: one_hot + p − stop_gradient(p).

    >>> straight_through_sample([0.0, 1000.0], Rng(0))
    ([0.0, 1.0], [0.0, 1.0])
    """
    raise NotImplementedError(
        'building_blocks.distributions.straight_through_sample is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


# ── diagonal Gaussian ────────────────────────────────────────────────────────────────────


def gaussian_sample(mean: list[float], log_std: list[float], rng: Rng) -> tuple[list[float], list[float]]:
    """A reparameterised sample x = μ + e^ℓ·ε and its noise ε: (x, ε). Draws: rng.normals(n).

    Keeping ε lets a gradient flow through the sample: ∂x/∂μ = 1 and ∂x/∂ℓ = e^ℓ·ε.
    Raises ValueError naming both lengths when they differ, and naming the log-std entry
    that is not finite (nan, inf or −inf).

    >>> gaussian_sample([1.0], [-1000.0], Rng(0))[0]  # σ ≈ 0: the mean itself
    [1.0]
    """
    raise NotImplementedError(
        'building_blocks.distributions.gaussian_sample is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def gaussian_log_prob(x: list[float], mean: list[float], log_std: list[float]) -> float:
    """log N(x; μ, e^ℓ) = Σ −½·((x − μ)/σ)² − ℓ − ½·log 2π, summed over dimensions.

    Raises ValueError naming the lengths when they differ, and naming the log-std entry that
    is not finite (nan, inf or −inf).

    >>> round(gaussian_log_prob([0.0], [0.0], [0.0]), 6)  # −½·log 2π
    -0.918939
    """
    raise NotImplementedError(
        'building_blocks.distributions.gaussian_log_prob is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def gaussian_log_prob_gradients(
    x: list[float], mean: list[float], log_std: list[float]
) -> tuple[list[float], list[float]]:
    """(∂/∂μ, ∂/∂ℓ) of `gaussian_log_prob` at a fixed x: ((x − μ)/σ², ((x − μ)/σ)² − 1).

    This is what PPO's ratio needs: the log-probability of an action already taken, as a
    function of the policy's parameters. Raises ValueError as `gaussian_log_prob` does.

    >>> gaussian_log_prob_gradients([1.0], [0.0], [0.0])
    ([1.0], [0.0])
    """
    raise NotImplementedError(
        'building_blocks.distributions.gaussian_log_prob_gradients is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def gaussian_entropy(log_std: list[float]) -> float:
    """H = Σ ℓ + ½·log(2πe): it depends on the spread only, and grows by 1 nat per unit of ℓ
    in each dimension (so ∂H/∂ℓ = 1 everywhere). Raises ValueError naming the log-std entry
    that is not finite (nan, inf or −inf).

    >>> round(gaussian_entropy([0.0]), 6)  # ½·log(2πe)
    1.418939
    """
    raise NotImplementedError(
        'building_blocks.distributions.gaussian_entropy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def gaussian_kl(mean_p: list[float], log_std_p: list[float], mean_q: list[float], log_std_q: list[float]) -> float:
    """KL(p ‖ q) = Σ ℓ_q − ℓ_p + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½ between diagonal Gaussians.

    Raises ValueError naming the lengths when they differ, and naming the log-std entry (of
    either side) that is not finite (nan, inf or −inf).

    >>> gaussian_kl([1.0], [0.0], [0.0], [0.0])  # a unit shift of the mean
    0.5
    """
    raise NotImplementedError(
        'building_blocks.distributions.gaussian_kl is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )


def gaussian_kl_gradients(
    mean_p: list[float], log_std_p: list[float], mean_q: list[float], log_std_q: list[float]
) -> tuple[list[float], list[float], list[float], list[float]]:
    """The four gradients of `gaussian_kl`, per dimension, with d = μ_p − μ_q:

        ∂/∂μ_p = d/σ_q²       ∂/∂ℓ_p = σ_p²/σ_q² − 1
        ∂/∂μ_q = −d/σ_q²      ∂/∂ℓ_q = 1 − (σ_p² + d²)/σ_q²

    Raises ValueError as `gaussian_kl` does.

    >>> gaussian_kl_gradients([1.0], [0.0], [0.0], [0.0])
    ([1.0], [0.0], [-1.0], [-1.0])
    """
    raise NotImplementedError(
        'building_blocks.distributions.gaussian_kl_gradients is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.distributions'
    )
