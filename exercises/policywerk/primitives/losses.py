"""Losses and the transforms of values around them, each with the gradient backprop starts from.

A loss turns a prediction and a target into one number to make small; its gradient with
respect to the prediction is where every backward pass begins. Regression losses here
average over the entries (mean, not sum), so their gradients carry a 1/n.

symlog, symexp and twohot are DreamerV3's way of predicting rewards and values whose scale is
unknown in advance (Hafner et al. 2023): squash the target with symlog, spread it over two
neighbouring bins (twohot), and learn the bin probabilities with cross-entropy.
"""

import math
from bisect import bisect_right

from policywerk.primitives.vector import require_same_length


def mse(prediction: list[float], target: list[float]) -> float:
    """Mean squared error: (1/n)·Σᵢ (pᵢ − tᵢ)².

    Shapes: (n,), (n,) with n >= 1 -> a float. Raises ValueError naming both lengths when
    they differ, and for empty vectors.

    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    raise NotImplementedError(
        'primitives.losses.mse is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def mse_gradient(prediction: list[float], target: list[float]) -> list[float]:
    """∂mse/∂pᵢ = 2·(pᵢ − tᵢ)/n.

    Shapes: (n,), (n,) with n >= 1 -> (n,). Raises ValueError naming both lengths when they
    differ, and for empty vectors.

    >>> mse_gradient([1.0, 2.0], [1.0, 4.0])
    [0.0, -2.0]
    """
    raise NotImplementedError(
        'primitives.losses.mse_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def cross_entropy(logits: list[float], target: list[float]) -> float:
    """Cross-entropy of a target distribution against softmax(logits): −Σᵢ tᵢ·log softmax(z)ᵢ.

    The target is a probability vector: one-hot for a class label, two-hot for DreamerV3's
    reward and value heads. log softmax is computed stably: zᵢ − m − log Σⱼ e^(zⱼ − m), m = max z.

    Shapes: (n,), (n,) with n >= 1 -> a float. Raises ValueError naming both lengths when
    they differ, and for no logits at all.

    >>> round(cross_entropy([0.0, 0.0], [1.0, 0.0]), 6)  # log 2
    0.693147
    """
    raise NotImplementedError(
        'primitives.losses.cross_entropy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def cross_entropy_gradient(logits: list[float], target: list[float]) -> list[float]:
    """∂/∂zᵢ of `cross_entropy` = softmax(z)ᵢ·Σⱼ tⱼ − tᵢ, which is softmax(z) − t when the
    target sums to 1: predicted minus wanted probabilities.

    Shapes: (n,), (n,) with n >= 1 -> (n,). Raises ValueError naming both lengths when they
    differ, and for no logits at all.

    >>> cross_entropy_gradient([0.0, 0.0], [1.0, 0.0])
    [-0.5, 0.5]
    """
    raise NotImplementedError(
        'primitives.losses.cross_entropy_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def huber(prediction: list[float], target: list[float], delta: float = 1.0) -> float:
    """The Huber loss, averaged over entries: with e = p − t,

        ½·e²               when |e| <= δ
        δ·(|e| − ½·δ)      otherwise.

    Quadratic near zero and linear far out, so one huge TD error cannot blow up a step:
    this is the DQN paper's "error clipping" (Mnih et al. 2015) written as a loss.

    Shapes: (n,), (n,) with n >= 1 -> a float. Raises ValueError naming both lengths when
    they differ, for empty vectors, and naming δ when δ <= 0.

    >>> huber([0.5, 3.0], [0.0, 0.0])  # (0.125 + 2.5) / 2
    1.3125
    """
    raise NotImplementedError(
        'primitives.losses.huber is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def huber_gradient(prediction: list[float], target: list[float], delta: float = 1.0) -> list[float]:
    """∂huber/∂pᵢ = clip(pᵢ − tᵢ, −δ, δ)/n: the error itself near zero, ±δ far out.

    Shapes: (n,), (n,) with n >= 1 -> (n,). Raises ValueError naming both lengths when they
    differ, for empty vectors, and naming δ when δ <= 0.

    >>> huber_gradient([0.5, 3.0], [0.0, 0.0])
    [0.25, 0.5]
    """
    raise NotImplementedError(
        'primitives.losses.huber_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def symlog(x: float) -> float:
    """symlog(x) = sign(x)·ln(1 + |x|): like the identity near 0, like a log far out, odd.

    DreamerV3 squashes inputs and targets with it so that one set of hyperparameters copes
    with rewards of any scale.

    >>> symlog(0.0), round(symlog(math.e - 1.0), 12), round(symlog(1.0 - math.e), 12)
    (0.0, 1.0, -1.0)
    """
    raise NotImplementedError(
        'primitives.losses.symlog is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def symlog_derivative(x: float) -> float:
    """d symlog(x)/dx = 1 / (1 + |x|) (the same on both sides of 0, so symlog is smooth there).

    >>> symlog_derivative(0.0), symlog_derivative(-3.0)
    (1.0, 0.25)
    """
    raise NotImplementedError(
        'primitives.losses.symlog_derivative is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def symexp(x: float) -> float:
    """symexp(x) = sign(x)·(e^|x| − 1), the inverse of symlog: symexp(symlog(x)) = x.

    >>> symexp(0.0), round(symexp(1.0), 12) == round(math.e - 1.0, 12)
    (0.0, True)
    """
    raise NotImplementedError(
        'primitives.losses.symexp is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


# given
def _require_bins(operation: str, bins: list[float]) -> None:
    if len(bins) < 2:
        raise ValueError(f"{operation}: expected at least 2 bins, got {len(bins)}")
    for index in range(1, len(bins)):
        if not bins[index] > bins[index - 1]:
            raise ValueError(
                f"{operation}: bins must increase strictly, but bins[{index}] = {bins[index]} "
                f"follows bins[{index - 1}] = {bins[index - 1]}"
            )


def twohot(value: float, bins: list[float]) -> list[float]:
    """Spread a number over the two bins around it, so that the weights' mean is the number.

    With bins[k] <= value < bins[k+1], the weights are
        bins[k]:   (bins[k+1] − value) / (bins[k+1] − bins[k])
        bins[k+1]: (value − bins[k])   / (bins[k+1] − bins[k])
    and 0 elsewhere; then Σᵢ weightᵢ·binsᵢ = value exactly. A value below the first bin or
    above the last puts all its weight on that end bin (it is clamped, not extrapolated).

    Shapes: a float, (n,) increasing bins with n >= 2 -> (n,) weights summing to 1. Raises
    ValueError naming the count for fewer than 2 bins, and naming the first index i with
    bins[i] <= bins[i − 1] when the bins do not increase strictly.

    >>> twohot(0.25, [0.0, 1.0, 2.0])
    [0.75, 0.25, 0.0]
    >>> twohot(7.0, [0.0, 1.0, 2.0])
    [0.0, 0.0, 1.0]
    """
    raise NotImplementedError(
        'primitives.losses.twohot is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )


def twohot_decode(probabilities: list[float], bins: list[float]) -> float:
    """The number a distribution over bins stands for: its mean, Σᵢ pᵢ·binsᵢ.

    Decoding a `twohot` encoding gives back the (clamped) value.

    Shapes: (n,), (n,) -> a float. Raises ValueError naming both lengths when they differ.

    >>> twohot_decode([0.75, 0.25, 0.0], [0.0, 1.0, 2.0])
    0.25
    """
    raise NotImplementedError(
        'primitives.losses.twohot_decode is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.losses'
    )
