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
    exp = math.exp
    return [1.0 / (1.0 + exp(-v)) if v >= 0.0 else exp(v) / (1.0 + exp(v)) for v in x]


def sigmoid_derivative(x: list[float]) -> list[float]:
    """σ'(v) = σ(v)·(1 − σ(v)), entry by entry; largest (0.25) at v = 0.

    Shapes: (n,) -> (n,).

    >>> sigmoid_derivative([0.0])
    [0.25]
    """
    return [s * (1.0 - s) for s in sigmoid(x)]


def tanh(x: list[float]) -> list[float]:
    """The hyperbolic tangent tanh(v) = (e^v − e^(−v)) / (e^v + e^(−v)), entry by entry.

    Values in (−1, 1); math.tanh is exact and never overflows.

    Shapes: (n,) -> (n,).

    >>> tanh([0.0, 100.0])
    [0.0, 1.0]
    """
    return list(map(math.tanh, x))


def tanh_derivative(x: list[float]) -> list[float]:
    """tanh'(v) = 1 − tanh(v)², entry by entry; 1 at v = 0.

    Shapes: (n,) -> (n,).

    >>> tanh_derivative([0.0])
    [1.0]
    """
    return [1.0 - t * t for t in map(math.tanh, x)]


def relu(x: list[float]) -> list[float]:
    """The rectifier max(0, v), entry by entry.

    Shapes: (n,) -> (n,).

    >>> relu([-2.0, 0.0, 3.0])
    [0.0, 0.0, 3.0]
    """
    return [v if v > 0.0 else 0.0 for v in x]


def relu_derivative(x: list[float]) -> list[float]:
    """1 where v > 0, else 0 (at v = 0 the kink; we take 0, as most libraries do).

    Shapes: (n,) -> (n,).

    >>> relu_derivative([-2.0, 0.0, 3.0])
    [0.0, 0.0, 1.0]
    """
    return [1.0 if v > 0.0 else 0.0 for v in x]


def elu(x: list[float], alpha: float = 1.0) -> list[float]:
    """The exponential linear unit: v for v > 0, α·(e^v − 1) otherwise.

    Like ReLU on the positive side, but smooth and negative (down to −α) on the other.

    Shapes: (n,) -> (n,).

    >>> elu([1.0, 0.0])
    [1.0, 0.0]
    """
    exp = math.exp
    return [v if v > 0.0 else alpha * (exp(v) - 1.0) for v in x]


def elu_derivative(x: list[float], alpha: float = 1.0) -> list[float]:
    """ELU's derivative: 1 for v > 0, α·e^v otherwise.

    Shapes: (n,) -> (n,).

    >>> elu_derivative([2.0, 0.0])
    [1.0, 1.0]
    """
    exp = math.exp
    return [1.0 if v > 0.0 else alpha * exp(v) for v in x]


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
    if not x:
        raise ValueError("softmax: expected at least one logit, got an empty vector")
    exp = math.exp
    top = max(x)
    weights = [exp(v - top) for v in x]
    total = sum(weights)
    return [w / total for w in weights]


def softmax_backward(x: list[float], grad_output: list[float]) -> list[float]:
    """The gradient through softmax: ∂L/∂xᵢ = sᵢ·(gᵢ − Σⱼ sⱼ·gⱼ), with s = softmax(x) and
    g = ∂L/∂s the gradient arriving from above.

    It follows from ∂sⱼ/∂xᵢ = sⱼ·(δᵢⱼ − sᵢ). Shapes: (n,), (n,) -> (n,). Raises ValueError
    naming both lengths when they differ.

    >>> softmax_backward([0.0, 0.0], [1.0, 0.0])
    [0.25, -0.25]
    """
    require_same_length("softmax_backward", x, grad_output)
    s = softmax(x)
    expected = sum(si * gi for si, gi in zip(s, grad_output))
    return [si * (gi - expected) for si, gi in zip(s, grad_output)]


def log_softmax(x: list[float]) -> list[float]:
    """log softmax(x)ᵢ = xᵢ − log Σⱼ e^(xⱼ), computed as xᵢ − m − log Σⱼ e^(xⱼ − m), m = max(x).

    Computing the logarithm directly is both stabler and cheaper than log(softmax(x)): it
    never takes the log of an underflowed 0.

    Shapes: (n,) with n >= 1 -> (n,). Raises ValueError for an empty vector.

    >>> log_softmax([0.0, 0.0])  # log(1/2) twice
    [-0.6931471805599453, -0.6931471805599453]
    """
    if not x:
        raise ValueError("log_softmax: expected at least one logit, got an empty vector")
    exp = math.exp
    top = max(x)
    log_total = top + math.log(sum([exp(v - top) for v in x]))
    return [v - log_total for v in x]


def log_softmax_backward(x: list[float], grad_output: list[float]) -> list[float]:
    """The gradient through log-softmax: ∂L/∂xᵢ = gᵢ − softmax(x)ᵢ·Σⱼ gⱼ, g = ∂L/∂(log s).

    It follows from ∂(log sⱼ)/∂xᵢ = δᵢⱼ − sᵢ. Shapes: (n,), (n,) -> (n,). Raises ValueError
    naming both lengths when they differ.

    >>> log_softmax_backward([0.0, 0.0], [1.0, 0.0])
    [0.5, -0.5]
    """
    require_same_length("log_softmax_backward", x, grad_output)
    total = sum(grad_output)
    return [gi - si * total for si, gi in zip(softmax(x), grad_output)]


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
    if not x:
        raise ValueError("layer_norm: expected at least one entry, got an empty vector")
    if epsilon <= 0.0:
        raise ValueError(f"layer_norm: epsilon must be > 0, got {epsilon}")
    n = len(x)
    centre = sum(x) / n
    centred = [v - centre for v in x]
    inverse_std = 1.0 / math.sqrt(sum([c * c for c in centred]) / n + epsilon)
    return [c * inverse_std for c in centred]


def layer_norm_backward(x: list[float], grad_output: list[float], epsilon: float = 1e-5) -> list[float]:
    """The gradient through `layer_norm`: with y its output, g = ∂L/∂y and s = √(σ² + ε),

        ∂L/∂xᵢ = (gᵢ − mean(g) − yᵢ·mean(g ⊙ y)) / s.

    The two means are what normalising takes away: shifting every xᵢ by the same amount, or
    (nearly) scaling them all, does not change y.

    Shapes: (n,), (n,) -> (n,). Raises ValueError naming both lengths when they differ.

    >>> layer_norm_backward([1.0, 3.0], [1.0, 1.0])  # a uniform push on y moves nothing
    [0.0, 0.0]
    """
    require_same_length("layer_norm_backward", x, grad_output)
    y = layer_norm(x, epsilon)
    n = len(x)
    centre = sum(x) / n
    inverse_std = 1.0 / math.sqrt(sum([(v - centre) ** 2 for v in x]) / n + epsilon)
    mean_grad = sum(grad_output) / n
    mean_grad_y = sum(g * yi for g, yi in zip(grad_output, y)) / n
    return [(g - mean_grad - yi * mean_grad_y) * inverse_std for g, yi in zip(grad_output, y)]
