"""Activation functions on vectors, each beside the derivative that backpropagation needs.

Elementwise activations f come with `f_derivative(x)`, the vector of f'(xᵢ); the gradient
through them is the incoming gradient ⊙ f'(x). Softmax, log-softmax and layer norm mix the
entries of x, so they come with `f_backward(x, grad_output)` instead, which returns the
vector-Jacobian product ∂L/∂x = Jᵀ·∂L/∂y directly (cheaper than building the Jacobian).

Everything is written to stay finite for large inputs: sigmoid never evaluates exp of a
large positive number, and softmax subtracts the maximum before exponentiating.
"""

import math

from policywerk.primitives.vector import require_same_length


def sigmoid(x: list[float]) -> list[float]:
    """The logistic function σ(v) = 1 / (1 + e^(−v)), entry by entry; values in (0, 1).

    For v < 0 compute it as e^v / (1 + e^v): the same number, but e^(−v) would overflow for
    v below about −709.

    Shapes: (n,) -> (n,).

    >>> sigmoid([0.0, -1000.0, 1000.0])
    [0.5, 0.0, 1.0]
    """
    raise NotImplementedError(
        'primitives.activations.sigmoid is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def sigmoid_derivative(x: list[float]) -> list[float]:
    """σ'(v) = σ(v)·(1 − σ(v)), entry by entry; largest (0.25) at v = 0.

    Shapes: (n,) -> (n,).

    >>> sigmoid_derivative([0.0])
    [0.25]
    """
    raise NotImplementedError(
        'primitives.activations.sigmoid_derivative is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def tanh(x: list[float]) -> list[float]:
    """The hyperbolic tangent tanh(v) = (e^v − e^(−v)) / (e^v + e^(−v)), entry by entry.

    Values in (−1, 1); math.tanh is exact and never overflows.

    Shapes: (n,) -> (n,).

    >>> tanh([0.0, 100.0])
    [0.0, 1.0]
    """
    raise NotImplementedError(
        'primitives.activations.tanh is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def tanh_derivative(x: list[float]) -> list[float]:
    """tanh'(v) = 1 − tanh(v)², entry by entry; 1 at v = 0.

    Shapes: (n,) -> (n,).

    >>> tanh_derivative([0.0])
    [1.0]
    """
    raise NotImplementedError(
        'primitives.activations.tanh_derivative is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def relu(x: list[float]) -> list[float]:
    """The rectifier max(0, v), entry by entry.

    Shapes: (n,) -> (n,).

    >>> relu([-2.0, 0.0, 3.0])
    [0.0, 0.0, 3.0]
    """
    raise NotImplementedError(
        'primitives.activations.relu is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def relu_derivative(x: list[float]) -> list[float]:
    """1 where v > 0, else 0 (at v = 0 the kink; we take 0, as most libraries do).

    Shapes: (n,) -> (n,).

    >>> relu_derivative([-2.0, 0.0, 3.0])
    [0.0, 0.0, 1.0]
    """
    raise NotImplementedError(
        'primitives.activations.relu_derivative is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def elu(x: list[float], alpha: float = 1.0) -> list[float]:
    """The exponential linear unit: v for v > 0, α·(e^v − 1) otherwise.

    Like ReLU on the positive side, but smooth and negative (down to −α) on the other.

    Shapes: (n,) -> (n,).

    >>> elu([1.0, 0.0])
    [1.0, 0.0]
    """
    raise NotImplementedError(
        'primitives.activations.elu is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def elu_derivative(x: list[float], alpha: float = 1.0) -> list[float]:
    """ELU's derivative: 1 for v > 0, α·e^v otherwise.

    Shapes: (n,) -> (n,).

    >>> elu_derivative([2.0, 0.0])
    [1.0, 1.0]
    """
    raise NotImplementedError(
        'primitives.activations.elu_derivative is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def softmax(x: list[float]) -> list[float]:
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ): turns scores (logits) into probabilities.

    Subtract max(x) from every entry first: the result is the same (the factor e^(−max)
    cancels) and no exponent can overflow.

    Shapes: (n,) with n >= 1 -> (n,), entries positive and summing to 1. Raises ValueError
    for an empty vector.

    >>> softmax([0.0, 0.0])
    [0.5, 0.5]
    >>> softmax([1000.0, 0.0])
    [1.0, 0.0]
    """
    raise NotImplementedError(
        'primitives.activations.softmax is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def softmax_backward(x: list[float], grad_output: list[float]) -> list[float]:
    """The gradient through softmax: ∂L/∂xᵢ = sᵢ·(gᵢ − Σⱼ sⱼ·gⱼ), with s = softmax(x) and
    g = ∂L/∂s the gradient arriving from above.

    It follows from ∂sⱼ/∂xᵢ = sⱼ·(δᵢⱼ − sᵢ). Shapes: (n,), (n,) -> (n,). Raises ValueError
    naming both lengths when they differ.

    >>> softmax_backward([0.0, 0.0], [1.0, 0.0])
    [0.25, -0.25]
    """
    raise NotImplementedError(
        'primitives.activations.softmax_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def log_softmax(x: list[float]) -> list[float]:
    """log softmax(x)ᵢ = xᵢ − log Σⱼ e^(xⱼ), computed as xᵢ − m − log Σⱼ e^(xⱼ − m), m = max(x).

    Computing the logarithm directly is both stabler and cheaper than log(softmax(x)): it
    never takes the log of an underflowed 0.

    Shapes: (n,) with n >= 1 -> (n,). Raises ValueError for an empty vector.

    >>> log_softmax([0.0, 0.0])  # log(1/2) twice
    [-0.6931471805599453, -0.6931471805599453]
    """
    raise NotImplementedError(
        'primitives.activations.log_softmax is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def log_softmax_backward(x: list[float], grad_output: list[float]) -> list[float]:
    """The gradient through log-softmax: ∂L/∂xᵢ = gᵢ − softmax(x)ᵢ·Σⱼ gⱼ, g = ∂L/∂(log s).

    It follows from ∂(log sⱼ)/∂xᵢ = δᵢⱼ − sᵢ. Shapes: (n,), (n,) -> (n,). Raises ValueError
    naming both lengths when they differ.

    >>> log_softmax_backward([0.0, 0.0], [1.0, 0.0])
    [0.5, -0.5]
    """
    raise NotImplementedError(
        'primitives.activations.log_softmax_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def layer_norm(x: list[float], epsilon: float = 1e-5) -> list[float]:
    """Layer normalisation without a learned scale and shift: yᵢ = (xᵢ − μ) / √(σ² + ε),
    with μ the mean and σ² the population variance of x.

    The output has mean 0 and variance just under 1, whatever the scale of x; ε keeps the
    division finite when every entry is equal.

    Shapes: (n,) with n >= 1 -> (n,). Raises ValueError for an empty vector, and naming ε
    for ε <= 0.

    >>> [round(v, 4) for v in layer_norm([1.0, 3.0])]
    [-1.0, 1.0]
    """
    raise NotImplementedError(
        'primitives.activations.layer_norm is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )


def layer_norm_backward(x: list[float], grad_output: list[float], epsilon: float = 1e-5) -> list[float]:
    """The gradient through `layer_norm`: with y its output, g = ∂L/∂y and s = √(σ² + ε),

        ∂L/∂xᵢ = (gᵢ − mean(g) − yᵢ·mean(g ⊙ y)) / s.

    The two means are what normalising takes away: shifting every xᵢ by the same amount, or
    (nearly) scaling them all, does not change y.

    Shapes: (n,), (n,) -> (n,). Raises ValueError naming both lengths when they differ.

    >>> layer_norm_backward([1.0, 3.0], [1.0, 1.0])  # a uniform push on y moves nothing
    [0.0, 0.0]
    """
    raise NotImplementedError(
        'primitives.activations.layer_norm_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check primitives.activations'
    )
