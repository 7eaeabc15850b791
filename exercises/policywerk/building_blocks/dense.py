"""A dense (fully connected) layer over a batch, with hand-written backpropagation.

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
`affine_one_hot` and `affine_backward_one_hot` are the two passes for inputs that hold one-hot
groups: they add the weights (or gradient rows) of the ones instead of multiplying every
entry, and give the same floats.
"""

from __future__ import annotations

import math
from operator import add, mul

from dataclasses import dataclass
from policywerk.primitives.random import Rng

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


# math.sumprod exists from Python 3.12 on; on 3.11 the dot product is sum(map(mul, …)).
_sumprod = getattr(math, "sumprod", None)


def xavier_uniform(in_features: int, out_features: int, rng: Rng) -> list[list[float]]:
    """Glorot & Bengio (2010) initial weights: each uniform in [−a, a], a = √(6 / (in + out)).

    The scale keeps the variance of activations and of gradients roughly equal from layer to
    layer for tanh and sigmoid units. Shapes: -> (out × in). One draw per weight, row by row.

    >>> weights = xavier_uniform(2, 3, Rng(0))
    >>> len(weights), len(weights[0]), all(abs(w) <= 1.0 for row in weights for w in row)  # a = √(6/5)
    (3, 2, True)
    """
    raise NotImplementedError(
        'building_blocks.dense.xavier_uniform is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.dense'
    )


def he_normal(in_features: int, out_features: int, rng: Rng) -> list[list[float]]:
    """He et al. (2015) initial weights for ReLU layers: each normal with mean 0 and standard
    deviation √(2 / in). Shapes: -> (out × in). Draws: rng.normals(in) for each row in turn.

    >>> [len(row) for row in he_normal(4, 2, Rng(0))]
    [4, 4]
    """
    raise NotImplementedError(
        'building_blocks.dense.he_normal is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.dense'
    )


_INITIALISERS = {"xavier": xavier_uniform, "he": he_normal}


def affine(inputs: list[list[float]], weights: list[list[float]], bias: list[float]) -> list[list[float]]:
    """Y = X·Wᵀ + b: for each sample x (a row of X) and each weight row w, the output y = w·x + b.

    Shapes: X (B × in), W (out × in), b (out,) -> (B × out). Every entry is one dot product
    of two rows. No shape checks here: the layers check once, where data enters.

    >>> affine([[1.0, 1.0], [0.0, -1.0]], [[1.0, 2.0]], [0.5])
    [[3.5], [-1.5]]
    """
    raise NotImplementedError(
        'building_blocks.dense.affine is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.dense'
    )


# given
def affine_one_hot(
    inputs: list[list[float]], weights: list[list[float]], bias: list[float], start: int, end: int
) -> list[list[float]]:
    """`affine`, bit for bit, for rows whose entries start … end − 1 are each exactly 0.0 or 1.0,
    as a sampled categorical latent is (one-hot groups side by side).

    In y = b + Σᵢ xᵢ·wᵢ a 0 adds nothing and a 1 adds its weight, so each output is the dot
    product of the other entries plus the weights of the hot columns, added in the order the
    full dot product adds them (an embedding lookup). With 4 ones among 32 latent entries a
    layer reading them does a fraction of its multiply-adds. A row that is not only 0s and 1s
    there (a gradient check's z = one_hot + p − sg(p)) takes the full dot product.

    >>> affine_one_hot([[2.0, 0.0, 1.0]], [[1.0, 10.0, 100.0]], [0.5], start=1, end=3)  # 0.5 + 2 + 100
    [[102.5]]
    """
    if _sumprod is not None:  # pragma: no cover - Python 3.12+: math.sumprod makes the full product cheap
        return affine(inputs, weights, bias)
    before, after = [w[:start] for w in weights], [w[end:] for w in weights]
    hot_columns = list(zip(*[w[start:end] for w in weights]))
    outputs = []
    for x in inputs:
        segment = x[start:end]
        hot = [i for i, v in enumerate(segment) if v]
        if segment.count(1.0) != len(hot):  # not only 0s and 1s
            outputs.append([sum(map(mul, x, w), b) for w, b in zip(weights, bias)])
            continue
        head = x[:start]
        row = [sum(map(mul, head, w), b) for w, b in zip(before, bias)]
        for i in hot:
            row = map(add, row, hot_columns[i])  # lazily: one list at the end
        if end < len(x):
            tail = x[end:]
            row = [sum(map(mul, tail, w), r) for w, r in zip(after, row)]
        outputs.append(list(row))
    return outputs


# given
def affine_backward_one_hot(
    inputs: list[list[float]],
    weights: list[list[float]],
    grad_outputs: list[list[float]],
    start: int,
    end: int,
    input_gradient: bool = True,
) -> tuple[list[list[float]], list[float], list[list[float]] | None]:
    """`affine_backward`, bit for bit, for inputs whose entries start … end − 1 are each exactly
    0.0 or 1.0 (the rows `affine_one_hot` is for).

    The weight gradient of such a column i is Σₙ G[n][j]·X[n][i], the sum of the gradient rows
    where X[n][i] = 1: added in the same order, without the multiplications by 0. When some
    row is not only 0s and 1s there, this is `affine_backward` itself.

    >>> affine_backward_one_hot([[1.0, 2.0], [0.0, 3.0]], [[1.0, 1.0]], [[10.0], [20.0]], 0, 1)
    ([[10.0, 80.0]], [30.0], [[10.0, 10.0], [20.0, 20.0]])
    """
    if _sumprod is not None:  # pragma: no cover - Python 3.12+: math.sumprod makes the full product cheap
        return affine_backward(inputs, weights, grad_outputs, input_gradient)
    input_columns = list(zip(*inputs))  # (in × B)
    hot_rows = []  # for each one-hot column: the rows where it is 1
    for column in input_columns[start:end]:
        rows = [n for n, v in enumerate(column) if v]
        if column.count(1.0) != len(rows):  # not only 0s and 1s
            return affine_backward(inputs, weights, grad_outputs, input_gradient)
        hot_rows.append(rows)
    grad_columns = list(zip(*grad_outputs))  # (out × B)
    zeros = [0.0] * len(grad_columns)
    hot_sums = zip(*[list(map(sum, zip(*[grad_outputs[n] for n in rows]))) if rows else zeros for rows in hot_rows])
    before, after = input_columns[:start], input_columns[end:]
    grad_weights = [
        [sum(map(mul, g, x)) for x in before] + list(hot) + [sum(map(mul, g, x)) for x in after]
        for g, hot in zip(grad_columns, hot_sums)
    ]
    grad_bias = list(map(sum, grad_columns))
    if not input_gradient:
        return grad_weights, grad_bias, None
    return grad_weights, grad_bias, affine(grad_outputs, [list(column) for column in zip(*weights)], [0.0] * len(input_columns))


# given
def require_one_hot_range(owner: str, one_hot: tuple[int, int] | None, width: int) -> None:
    """Check a layer's claim that its inputs start … end − 1 hold one-hot groups."""
    if one_hot is not None and not (len(one_hot) == 2 and 0 <= one_hot[0] < one_hot[1] <= width):
        raise ValueError(f"{owner}: one_hot must be (start, end) with 0 <= start < end <= {width} inputs, got {one_hot!r}")


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
    raise NotImplementedError(
        'building_blocks.dense.affine_backward is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.dense'
    )


# given
def accumulate(parameter: Parameter, gradient: list[list[float]]) -> None:
    """Add a gradient to a parameter's (backward passes accumulate; see network.py)."""
    parameter.grad = [list(map(add, old, new)) for old, new in zip(parameter.grad, gradient)]


class Dense:
    """y = W·x + b for each sample of a batch, with gradients for W, b and the input.

    >>> layer = Dense(2, 1, Rng(0))
    >>> layer.weight.value, layer.bias.value = [[1.0, 2.0]], [[0.5]]
    >>> layer.forward([[1.0, 1.0], [0.0, -1.0]])
    [[3.5], [-1.5]]
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
        self._inputs: list[list[float]] | None = None

    def forward(self, inputs: list[list[float]]) -> list[list[float]]:
        """Y = X·Wᵀ + b for a batch X (B × in) -> (B × out), by `affine`; keeps X for backward.

        Raises ValueError naming the sample when a row does not have `in_features` entries.
        """
        raise NotImplementedError(
            'building_blocks.dense.Dense.forward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.dense'
        )

    def backward(self, grad_outputs: list[list[float]]) -> list[list[float]]:
        """Given G = ∂L/∂Y (B × out): add Gᵀ·X to the weight gradient and the column sums of G
        to the bias gradient, and return ∂L/∂X = G·W (B × in), all by `affine_backward`.

        Raises RuntimeError without a forward first, ValueError for a gradient of another shape.
        """
        raise NotImplementedError(
            'building_blocks.dense.Dense.backward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.dense'
        )

    # given
    def parameters(self) -> list[Parameter]:
        return [self.weight, self.bias]
