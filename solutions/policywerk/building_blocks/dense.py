"""A dense (fully connected) layer over a batch, with hand-written backpropagation, and the
pieces every layer shares: the Parameter, and the checks of a batch and of a tape.

Weights are stored as rows, W of shape (out × in), one row per output neuron, and a bias b
of shape (out,). For a batch X of shape (B × in), one sample per row:

    forward     Y = X·Wᵀ + b                    Y[n][j] = Σᵢ X[n][i]·W[j][i] + b[j]
    backward    ∂L/∂W = Gᵀ·X                    ∂L/∂W[j][i] = Σₙ G[n][j]·X[n][i]
                ∂L/∂b = Σₙ G[n]                 (the column sums of G)
                ∂L/∂X = G·W                     ∂L/∂X[n][i] = Σⱼ G[n][j]·W[j][i]

with G = ∂L/∂Y of shape (B × out). Every entry of each product is a dot product of two rows,
which is the fastest form in pure Python: the forward pass takes dots of a sample with a
weight row; the weight gradient takes dots over the batch axis, after transposing G and X
once each; the input gradient takes dots of a gradient row with a column of W (a row of Wᵀ).

Every layer follows one convention, the tape, and keeps nothing between calls:

    outputs, tape = layer.forward(inputs)              the tape: what backward will need
    grad_inputs = layer.backward(tape, grad_outputs)   ∂L/∂inputs, for that forward

A dense layer's tape is its inputs X, the only thing its backward needs besides W. Because
backward reads the tape it is given, it can run for any earlier forward, not only the latest.

A Parameter is a matrix (a list of rows) with a gradient of the same shape beside it: weights
are (out × in) rows, a bias is a single row. Optimizers see nothing else, so one optimizer
serves dense layers, convolutions and recurrent cells alike. Backward passes *accumulate*
into `grad` (+=), because a parameter used twice (a recurrent cell over a sequence, one
network evaluated on two batches) must sum both contributions; zero the gradients before
each new one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import add, mul

from policywerk.primitives.random import Rng

# math.sumprod exists from Python 3.12 on; on 3.11 the dot product is sum(map(mul, …)).
_sumprod = getattr(math, "sumprod", None)


# given
@dataclass
class Parameter:
    """A matrix of numbers to learn, and the gradient of the loss with respect to each."""

    value: list[list[float]]
    grad: list[list[float]]
    name: str = ""

    @classmethod
    def of(cls, value: list[list[float]], name: str = "") -> Parameter:
        return cls(value=value, grad=[[0.0] * len(row) for row in value], name=name)

    @property
    def size(self) -> int:
        return sum(len(row) for row in self.value)


# given
def require_batch(operation: str, batch: list[list[float]], width: int) -> None:
    """Raise a ValueError naming the sample unless every vector in the batch has `width` entries."""
    if not isinstance(batch, list) or not batch:
        raise ValueError(f"{operation}: expected a non-empty batch (a list of vectors), got {type(batch).__name__}")
    for index, sample in enumerate(batch):
        if len(sample) != width:
            raise ValueError(f"{operation}: sample {index} has {len(sample)} entries, expected {width}")


# given
def require_tape(operation: str, tape: list, length: int, width: int | None = None) -> None:
    """Raise a ValueError unless the tape has the shape this backward needs: a non-empty list of
    `length` entries (one per sample of the batch, or one per layer of a network), each a list
    or tuple of `width` items when a width is given. A tape from another layer, or from a
    forward over another batch, is caught here instead of giving wrong gradients.

    >>> require_tape("Dense.backward", [[1.0, 2.0]], 1, 2)
    >>> require_tape("Dense.backward", [[1.0, 2.0]], 2, 2)
    Traceback (most recent call last):
    ValueError: Dense.backward: expected a tape of length 2, got length 1
    """
    if not isinstance(tape, list) or not tape or len(tape) != length:
        got = f"length {len(tape)}" if isinstance(tape, list) else f"a {type(tape).__name__}"
        raise ValueError(f"{operation}: expected a tape of length {length}, got {got}")
    if width is not None:
        for index, entry in enumerate(tape):
            if not isinstance(entry, (list, tuple)):
                raise ValueError(f"{operation}: tape entry {index} is a {type(entry).__name__}, expected {width} items")
            if len(entry) != width:
                raise ValueError(f"{operation}: tape entry {index} has {len(entry)} items, expected {width}")


def xavier_uniform(in_features: int, out_features: int, rng: Rng) -> list[list[float]]:
    """Glorot & Bengio (2010) initial weights: each uniform in [−a, a], a = √(6 / (in + out)).

    The scale keeps the variance of activations and of gradients roughly equal from layer to
    layer for tanh and sigmoid units. Shapes: -> (out × in). One draw per weight, row by row.
    Raises ValueError naming both sizes unless both are >= 1.

    >>> weights = xavier_uniform(2, 3, Rng(0))
    >>> len(weights), len(weights[0]), all(abs(w) <= 1.0 for row in weights for w in row)  # a = √(6/5)
    (3, 2, True)
    """
    if in_features < 1 or out_features < 1:
        raise ValueError(f"xavier_uniform: sizes must be >= 1, got in={in_features} and out={out_features}")
    limit = math.sqrt(6.0 / (in_features + out_features))
    return [[rng.uniform(-limit, limit) for _ in range(in_features)] for _ in range(out_features)]


def he_normal(in_features: int, out_features: int, rng: Rng) -> list[list[float]]:
    """He et al. (2015) initial weights for ReLU layers: each normal with mean 0 and standard
    deviation √(2 / in). Shapes: -> (out × in). Draws: rng.normals(in) for each row in turn.
    Raises ValueError naming both sizes unless both are >= 1.

    >>> [len(row) for row in he_normal(4, 2, Rng(0))]
    [4, 4]
    """
    if in_features < 1 or out_features < 1:
        raise ValueError(f"he_normal: sizes must be >= 1, got in={in_features} and out={out_features}")
    std = math.sqrt(2.0 / in_features)
    return [rng.normals(in_features, 0.0, std) for _ in range(out_features)]


_INITIALISERS = {"xavier": xavier_uniform, "he": he_normal}


def affine(inputs: list[list[float]], weights: list[list[float]], bias: list[float]) -> list[list[float]]:
    """Y = X·Wᵀ + b: for each sample x (a row of X) and each weight row w, the output y = w·x + b.

    Shapes: X (B × in), W (out × in), b (out,) -> (B × out). Every entry is one dot product
    of two rows. No shape checks here: the layers check once, where data enters.

    >>> affine([[1.0, 1.0], [0.0, -1.0]], [[1.0, 2.0]], [0.5])
    [[3.5], [-1.5]]
    """
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        return [[_sumprod(x, w) + b for w, b in zip(weights, bias)] for x in inputs]
    return [[sum(map(mul, x, w), b) for w, b in zip(weights, bias)] for x in inputs]


def affine_backward(
    inputs: list[list[float]], weights: list[list[float]], grad_outputs: list[list[float]], input_gradient: bool = True
) -> tuple[list[list[float]], list[float], list[list[float]] | None]:
    """The gradients of Y = X·Wᵀ + b, given G = ∂L/∂Y: (∂L/∂W, ∂L/∂b, ∂L/∂X) =
    (Gᵀ·X, the column sums of G, G·W), the last None when input_gradient is False.

    Shapes: X (B × in), W (out × in), G (B × out) -> (out × in), (out,), (B × in). Transpose
    G, X and W once each, so every entry is a dot product of two rows.

    >>> affine_backward([[1.0, 2.0]], [[3.0, 4.0]], [[10.0]])
    ([[10.0, 20.0]], [10.0], [[30.0, 40.0]])
    """
    grad_columns = list(zip(*grad_outputs))  # (out × B)
    input_columns = list(zip(*inputs))  # (in × B)
    grad_bias = list(map(sum, grad_columns))
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        grad_weights = [[_sumprod(g, x) for x in input_columns] for g in grad_columns]
    else:
        grad_weights = [[sum(map(mul, g, x)) for x in input_columns] for g in grad_columns]
    if not input_gradient:
        return grad_weights, grad_bias, None
    weight_columns = list(zip(*weights))  # Wᵀ: (in × out)
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        return grad_weights, grad_bias, [[_sumprod(g, w) for w in weight_columns] for g in grad_outputs]
    return grad_weights, grad_bias, [[sum(map(mul, g, w)) for w in weight_columns] for g in grad_outputs]


# given
def accumulate(parameter: Parameter, gradient: list[list[float]]) -> None:
    """Add a gradient to a parameter's (backward passes accumulate; see the module docstring)."""
    parameter.grad = [list(map(add, old, new)) for old, new in zip(parameter.grad, gradient)]


class Dense:
    """y = W·x + b for each sample of a batch, with gradients for W, b and the input.

    >>> layer = Dense(2, 1, Rng(0))
    >>> layer.weight.value, layer.bias.value = [[1.0, 2.0]], [[0.5]]
    >>> outputs, tape = layer.forward([[1.0, 1.0], [0.0, -1.0]])
    >>> outputs, tape  # the tape is the inputs
    ([[3.5], [-1.5]], [[1.0, 1.0], [0.0, -1.0]])
    >>> layer.backward(tape, [[1.0], [2.0]]), layer.weight.grad, layer.bias.grad
    ([[1.0, 2.0], [2.0, 4.0]], [[1.0, -1.0]], [[3.0]])
    """

    # given
    def __init__(self, in_features: int, out_features: int, rng: Rng, init: str = "xavier", name: str = "dense"):
        if init not in _INITIALISERS and init != "zeros":
            raise ValueError(f"Dense: init must be 'xavier', 'he' or 'zeros', got {init!r}")
        if not isinstance(in_features, int) or not isinstance(out_features, int) or in_features < 1 or out_features < 1:
            raise ValueError(f"Dense: sizes must be integers >= 1, got in={in_features!r} and out={out_features!r}")
        self.in_features, self.out_features = in_features, out_features
        weights = (
            [[0.0] * in_features for _ in range(out_features)]
            if init == "zeros"
            else _INITIALISERS[init](in_features, out_features, rng)
        )
        self.weight = Parameter.of(weights, f"{name}.weight")
        self.bias = Parameter.of([[0.0] * out_features], f"{name}.bias")

    def forward(self, inputs: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
        """(Y, tape): Y = X·Wᵀ + b for a batch X (B × in) -> (B × out), by `affine`; the tape is
        X itself, all that backward needs.

        Raises ValueError for an empty batch, and naming the sample's index, its width and
        `in_features` when a row does not have `in_features` entries.
        """
        require_batch("Dense.forward", inputs, self.in_features)
        return affine(inputs, self.weight.value, self.bias.value[0]), inputs

    def backward(self, tape: list[list[float]], grad_outputs: list[list[float]]) -> list[list[float]]:
        """Given the tape of a forward (its inputs X, B × in) and G = ∂L/∂Y (B × out): add Gᵀ·X to
        the weight gradient and the column sums of G to the bias gradient, and return
        ∂L/∂X = G·W (B × in), all by `affine_backward`.

        Raises ValueError, naming what was expected and what came, for a gradient row that
        does not have `out_features` entries (both widths), a tape of another length than the
        B gradient rows (both lengths), and tape rows that do not have `in_features` entries
        (another layer's tape: both widths); and for no tape at all (None).
        """
        require_batch("Dense.backward", grad_outputs, self.out_features)
        require_tape("Dense.backward", tape, len(grad_outputs), self.in_features)
        grad_weights, grad_bias, grad_inputs = affine_backward(tape, self.weight.value, grad_outputs)
        accumulate(self.weight, grad_weights)
        accumulate(self.bias, [grad_bias])
        return grad_inputs

    # given
    def parameters(self) -> list[Parameter]:
        return [self.weight, self.bias]
