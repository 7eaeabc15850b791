"""A network as a sequence of layers, and the one convention every layer follows: the tape.

Every layer (Dense, Activation, Sequential itself, Conv2D, Pool2D) has

    outputs, tape = layer.forward(inputs)              a batch in, a batch out, and a tape
    grad_inputs = layer.backward(tape, grad_outputs)   ∂L/∂inputs for the forward that made the tape
    layer.parameters() -> list[Parameter]

A batch is a list of flat vectors, one per sample. The tape is what that layer's backward
needs from its forward: an activation's tape is its inputs x (backward takes f′(x)); a
network's tape is the list of its layers' tapes, in layer order. Layers keep nothing between
calls, so backward can run for any earlier forward, not only the latest:

    outputs_1, tape_1 = net.forward(batch_1)
    outputs_2, tape_2 = net.forward(batch_2)
    net.backward(tape_1, grad_1)   # the first forward's gradients, as if it had been the only one

Backward passes *accumulate* into each parameter's `grad` (+=), because a parameter used twice
(a recurrent cell over a sequence, one network evaluated on two batches) must sum both
contributions. Call `zero_grad(net.parameters())` before each new gradient.

`Parameter`, `require_batch` and `require_tape` live in dense.py, the first module with
parameters; they are imported here, so `from policywerk.building_blocks.network import
Parameter` works too. At the end, given: the fast paths of the affine map for inputs that
hold a sampled one-hot latent.
"""

from __future__ import annotations

import math
from operator import add, mul

from policywerk.building_blocks.dense import Parameter, affine, affine_backward, require_batch, require_tape
from policywerk.primitives import activations

_FUNCTIONS = {
    "sigmoid": (activations.sigmoid, activations.sigmoid_derivative),
    "tanh": (activations.tanh, activations.tanh_derivative),
    "relu": (activations.relu, activations.relu_derivative),
    "elu": (activations.elu, activations.elu_derivative),
}


class Activation:
    """An elementwise activation as a layer: y = f(x) row by row; no parameters. Its tape is x.

    kind is one of "sigmoid", "tanh", "relu", "elu".

    >>> layer = Activation("relu")
    >>> outputs, tape = layer.forward([[-1.0, 2.0]])
    >>> outputs, layer.backward(tape, [[5.0, 5.0]])  # relu′ is 0 at −1 and 1 at 2
    ([[0.0, 2.0]], [[0.0, 5.0]])
    """

    # given
    def __init__(self, kind: str):
        if kind not in _FUNCTIONS:
            raise ValueError(f"Activation: kind must be one of {sorted(_FUNCTIONS)}, got {kind!r}")
        self.kind = kind
        self.function, self.derivative = _FUNCTIONS[kind]

    def forward(self, inputs: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
        """(f applied to every sample, the tape): the tape is the inputs, where backward takes f′.

        >>> Activation("relu").forward([[-1.0], [3.0]])
        ([[0.0], [3.0]], [[-1.0], [3.0]])
        """
        return [self.function(sample) for sample in inputs], inputs

    def backward(self, tape: list[list[float]], grad_outputs: list[list[float]]) -> list[list[float]]:
        """∂L/∂x = ∂L/∂y ⊙ f′(x), sample by sample, with x the inputs on the tape.

        Raises ValueError when the tape does not hold one input row per gradient row, or when a
        gradient row is not as wide as the inputs, naming expected and got.

        >>> Activation("sigmoid").backward([[0.0, 0.0]], [[4.0, -8.0]])  # σ′(0) = ¼
        [[1.0, -2.0]]
        """
        require_tape("Activation.backward", tape, len(grad_outputs))
        require_batch("Activation.backward", grad_outputs, len(tape[0]))
        return [list(map(mul, g, self.derivative(x))) for g, x in zip(grad_outputs, tape)]

    # given
    def parameters(self) -> list[Parameter]:
        return []


class Sequential:
    """Layers applied in order; backward runs them in reverse. Its tape is its layers' tapes.

    >>> net = Sequential([Activation("sigmoid"), Activation("relu")])
    >>> outputs, tape = net.forward([[0.0, 0.0]])
    >>> outputs, tape  # sigmoid's tape is the network's inputs, relu's is sigmoid's outputs
    ([[0.5, 0.5]], [[[0.0, 0.0]], [[0.5, 0.5]]])
    >>> net.backward(tape, [[4.0, 8.0]])  # relu′(½) = 1, then σ′(0) = ¼
    [[1.0, 2.0]]
    """

    # given
    def __init__(self, layers: list):
        if not layers:
            raise ValueError("Sequential: expected at least one layer")
        self.layers = list(layers)

    def forward(self, inputs: list[list[float]]) -> tuple[list[list[float]], list]:
        """Feed the batch through every layer in order, x ← layer.forward(x), and keep each
        layer's tape: return (the last layer's outputs, [layer 0's tape, layer 1's tape, …])."""
        tape = []
        for layer in self.layers:
            inputs, layer_tape = layer.forward(inputs)
            tape.append(layer_tape)
        return inputs, tape

    def backward(self, tape: list, grad_outputs: list[list[float]]) -> list[list[float]]:
        """Feed the gradient back through every layer in reverse, each with its own tape:
        g ← layer.backward(layer's tape, g); return ∂L/∂inputs. Each layer accumulates its own
        parameters' gradients on the way.

        Raises ValueError unless the tape holds one entry per layer (the tape of this network's
        forward); each layer checks its own entry.
        """
        require_tape("Sequential.backward", tape, len(self.layers))
        for layer, layer_tape in zip(reversed(self.layers), reversed(tape)):
            grad_outputs = layer.backward(layer_tape, grad_outputs)
        return grad_outputs

    def parameters(self) -> list[Parameter]:
        """Every layer's parameters, in layer order, in one list (what an optimizer steps)."""
        return [parameter for layer in self.layers for parameter in layer.parameters()]


def zero_grad(parameters: list[Parameter]) -> None:
    """Set every parameter's gradient to zeros of its shape, ready for a fresh backward; the
    values stay as they are. Backward passes add to the gradients, so call this before each
    new one: zero_grad(net.parameters()).

    >>> weight = Parameter(value=[[1.0, 2.0]], grad=[[5.0, -3.0]])
    >>> zero_grad([weight])
    >>> weight.grad, weight.value
    ([[0.0, 0.0]], [[1.0, 2.0]])
    """
    for parameter in parameters:
        parameter.grad = [[0.0] * len(row) for row in parameter.value]


# ── given: fast paths for layers that read a sampled one-hot latent ──
#
# A world model's recurrent cell and heads read [h, z] rows whose z holds one-hot groups. These
# kernels give the very floats of `affine` and `affine_backward` for such rows while skipping
# the multiplications by 0 and 1; tests/test_fast_paths.py checks them bit for bit.

# math.sumprod exists from Python 3.12 on; on 3.11 the dot product is sum(map(mul, …)).
_sumprod = getattr(math, "sumprod", None)


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
