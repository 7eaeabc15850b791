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

`MLP`, the dense network of PPO and of every part of DreamerV3, follows the same convention,
with two switches on its backward: parameters=False (only the input gradient, for a network
something else backpropagates through) and inputs=False (only the weight gradients).

`Parameter`, `require_batch` and `require_tape` live in dense.py, the first module with
parameters; they are imported here, so `from policywerk.building_blocks.network import
Parameter` works too. At the end, given: the speed-ups of the taped networks, which change no
number (the one-hot kernels, `AffineMap` and `defers_weight_gradients`).
"""

from __future__ import annotations

import functools
import inspect
import math
from operator import add, mul

from policywerk.building_blocks.dense import (
    Parameter,
    accumulate,
    affine,
    affine_backward,
    require_batch,
    require_tape,
    xavier_uniform,
)
from policywerk.primitives import activations
from policywerk.primitives.random import Rng

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
        raise NotImplementedError(
            'building_blocks.network.Activation.forward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    def backward(self, tape: list[list[float]], grad_outputs: list[list[float]]) -> list[list[float]]:
        """∂L/∂x = ∂L/∂y ⊙ f′(x), sample by sample, with x the inputs on the tape.

        Raises ValueError naming both lengths when the tape does not hold one input row per
        gradient row, naming both widths when a gradient row is not as wide as the inputs, and
        for no tape at all (None).

        >>> Activation("sigmoid").backward([[0.0, 0.0]], [[4.0, -8.0]])  # σ′(0) = ¼
        [[1.0, -2.0]]
        """
        raise NotImplementedError(
            'building_blocks.network.Activation.backward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

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
        raise NotImplementedError(
            'building_blocks.network.Sequential.forward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    def backward(self, tape: list, grad_outputs: list[list[float]]) -> list[list[float]]:
        """Feed the gradient back through every layer in reverse, each with its own tape:
        g ← layer.backward(layer's tape, g); return ∂L/∂inputs. Each layer accumulates its own
        parameters' gradients on the way.

        Raises ValueError naming both counts unless the tape holds one entry per layer (the
        tape of this network's forward); each layer checks its own entry.
        """
        raise NotImplementedError(
            'building_blocks.network.Sequential.backward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    def parameters(self) -> list[Parameter]:
        """Every layer's parameters, in layer order, in one list (what an optimizer steps)."""
        raise NotImplementedError(
            'building_blocks.network.Sequential.parameters is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )


def zero_grad(parameters: list[Parameter]) -> None:
    """Set every parameter's gradient to zeros of its shape, ready for a fresh backward; the
    values stay as they are. Backward passes add to the gradients, so call this before each
    new one: zero_grad(net.parameters()).

    >>> weight = Parameter(value=[[1.0, 2.0]], grad=[[5.0, -3.0]])
    >>> zero_grad([weight])
    >>> weight.grad, weight.value
    ([[0.0, 0.0]], [[1.0, 2.0]])
    """
    raise NotImplementedError(
        'building_blocks.network.zero_grad is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.network'
    )


class MLP:
    """Dense layers with one activation between them (and after the last one too if
    `activate_last`), over batches of rows: the network of PPO's policy and of every part of
    DreamerV3.

    Layer i is y = f(W_i·x + b_i), with W_i of shape (sizes[i+1] × sizes[i]) initialised by
    `dense.xavier_uniform` and b_i = 0; f is the activation (one of "sigmoid", "tanh", "relu",
    "elu"), left out after the last layer unless `activate_last`. `last_scale` multiplies the
    last layer's initial weights (0 gives the zero-initialised heads of DreamerV3).

    Like every layer here, the MLP is taped: `forward` returns its outputs and a tape of what
    its backward needs, so a backward pass can run for any earlier forward (a recurrent model
    runs the same network at every step before going back through time):

        outputs, tape = mlp.forward(rows)
        grad_rows = mlp.backward(tape, grad_outputs)                      # also adds to the weights' grad
        grad_rows = mlp.backward(tape, grad_outputs, parameters=False)    # only ∂L/∂inputs
        mlp.backward(tape, grad_outputs, inputs=False)                    # only the weights' grad (None)

    Each layer's affine map is `self.maps[i]` (an `AffineMap`): its forward is dense.affine
    and its backward dense.affine_backward, plus the speed-ups that change no number.

    >>> mlp = MLP([2, 3, 1], Rng(0), activation="tanh")
    >>> outputs, tape = mlp.forward([[0.5, -1.0]])
    >>> len(outputs), len(outputs[0]), len(tape)
    (1, 1, 2)
    """

    # given
    def __init__(
        self,
        sizes: list[int],
        rng: Rng,
        name: str = "mlp",
        activation: str = "elu",
        activate_last: bool = False,
        last_scale: float = 1.0,
        one_hot: tuple[int, int] | None = None,
    ):
        if len(sizes) < 2 or not all(isinstance(size, int) and size >= 1 for size in sizes):
            raise ValueError(f"MLP {name}: expected at least an input and an output size, integers >= 1, got {sizes}")
        if activation not in _FUNCTIONS:
            raise ValueError(f"MLP {name}: activation must be one of {sorted(_FUNCTIONS)}, got {activation!r}")
        self.name, self.activation, self.activate_last = name, activation, activate_last
        self.function, self.derivative = _FUNCTIONS[activation]
        self.in_features, self.out_features = sizes[0], sizes[-1]
        self.weights, self.biases = [], []
        for index, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
            self.weights.append(Parameter.of(xavier_uniform(fan_in, fan_out, rng), f"{name}.{index}.weight"))
            self.biases.append(Parameter.of([[0.0] * fan_out], f"{name}.{index}.bias"))
        last = self.weights[-1]
        last.value = [[last_scale * w for w in row] for row in last.value]
        self.maps = [
            AffineMap(weight, bias, one_hot if index == 0 else None, f"MLP {name}")
            for index, (weight, bias) in enumerate(zip(self.weights, self.biases))
        ]

    # given
    def parameters(self) -> list[Parameter]:
        """Layer by layer, the weight then the bias."""
        return [parameter for pair in zip(self.weights, self.biases) for parameter in pair]

    def forward(self, inputs: list[list[float]]) -> tuple[list[list[float]], list]:
        """Run the rows through every layer: x ← f(maps[i].forward(x)), without f after the
        last layer unless activate_last. Returns (outputs, tape).

        The tape holds one entry per layer, (that layer's inputs, its pre-activations W·x + b),
        with None for the pre-activations of a layer that has no activation after it: what
        `backward` needs, f' being taken at the pre-activations.

        Shapes: (B × sizes[0]) -> (B × sizes[-1]). Raises ValueError for an empty batch, and
        naming the row's width and sizes[0] for a row of the wrong width.

        >>> mlp = MLP([1, 1], Rng(0), activation="relu", activate_last=True)
        >>> mlp.weights[0].value = [[-2.0]]
        >>> mlp.forward([[1.0], [-1.0]])  # relu(−2·1), relu(−2·−1)
        ([[0.0], [2.0]], [([[1.0], [-1.0]], [[-2.0], [2.0]])])
        """
        raise NotImplementedError(
            'building_blocks.network.MLP.forward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    def backward(self, tape: list, grad_outputs: list[list[float]], parameters: bool = True, inputs: bool = True):
        """Backpropagate G = ∂L/∂outputs through the layers of a `forward`'s tape, last to first:

            G ← G ⊙ f'(pre-activations)            (for a layer with an activation)
            G ← maps[i].backward(layer inputs, G, parameters, input_gradient)

        which adds ∂L/∂W_i = Gᵀ·X and ∂L/∂b_i = Σ G to the weights' grad (unless parameters is
        False) and returns ∂L/∂X = G·W_i. The first layer's input gradient is taken only if
        `inputs` (else backward returns None). Returns ∂L/∂inputs (B × sizes[0]).

        Raises ValueError for a tape of another network (not one entry per layer), and naming
        both widths for gradient rows that do not have sizes[-1] entries.

        >>> mlp = MLP([1, 1], Rng(0))
        >>> mlp.weights[0].value = [[3.0]]
        >>> outputs, tape = mlp.forward([[2.0]])
        >>> mlp.backward(tape, [[1.0]]), mlp.weights[0].grad, mlp.biases[0].grad  # ∂(3x)/∂x, x, 1
        ([[3.0]], [[2.0]], [[1.0]])
        """
        raise NotImplementedError(
            'building_blocks.network.MLP.backward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )


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
    return (
        grad_weights,
        grad_bias,
        affine(grad_outputs, [list(column) for column in zip(*weights)], [0.0] * len(input_columns)),
    )


# given
def require_one_hot_range(owner: str, one_hot: tuple[int, int] | None, width: int) -> None:
    """Check a layer's claim that its inputs start … end − 1 hold one-hot groups."""
    if one_hot is not None and not (len(one_hot) == 2 and 0 <= one_hot[0] < one_hot[1] <= width):
        raise ValueError(
            f"{owner}: one_hot must be (start, end) with 0 <= start < end <= {width} inputs, got {one_hot!r}"
        )


# given
class AffineMap:
    """One affine map Y = X·Wᵀ + b of a taped network, over the Parameters its owner holds.

    `forward` is dense.affine and `backward` dense.affine_backward (adding the weight and bias
    gradients), or only the input gradient G·W when parameters is False. Two speed-ups, both
    given, change no number a learner's code would compute:

    - one_hot=(start, end): the inputs' entries start … end − 1 are a sampled latent's 0s and
      1s, and both passes add the weights of the ones instead of multiplying every entry
      (affine_one_hot and affine_backward_one_hot above: the same floats).
    - deferring (see `defers_weight_gradients`): backward keeps each call's rows and the weight
      gradients of all of them are added at the end in one pass. A weight's gradient is a dot
      product over the batch, and backpropagation through time brings a small batch per step;
      one long dot product costs less per multiply-add than many short ones. The sums are the
      same, added in another order.
    """

    def __init__(
        self, weight: Parameter, bias: Parameter, one_hot: tuple[int, int] | None = None, owner: str = "AffineMap"
    ):
        require_one_hot_range(owner, one_hot, len(weight.value[0]))
        self.weight, self.bias, self.one_hot = weight, bias, one_hot
        self.deferred: list | None = None  # a list of (inputs, grad) while deferring

    def forward(self, inputs: list[list[float]]) -> list[list[float]]:
        if self.one_hot is None:
            return affine(inputs, self.weight.value, self.bias.value[0])
        return affine_one_hot(inputs, self.weight.value, self.bias.value[0], *self.one_hot)

    def backward(
        self,
        inputs: list[list[float]],
        grad_outputs: list[list[float]],
        parameters: bool = True,
        input_gradient: bool = True,
    ) -> list[list[float]] | None:
        if parameters and self.deferred is None:
            grad_weight, grad_bias, grad_inputs = self._weight_gradients(inputs, grad_outputs, input_gradient)
            accumulate(self.weight, grad_weight)
            accumulate(self.bias, [grad_bias])
            return grad_inputs
        if parameters:
            self.deferred.append((inputs, grad_outputs))
        if not input_gradient:
            return None
        # G·W is the affine map with Wᵀ for weights and no bias.
        return affine(
            grad_outputs, [list(column) for column in zip(*self.weight.value)], [0.0] * len(self.weight.value[0])
        )

    def start_deferring(self) -> None:
        self.deferred = []

    def add_deferred(self) -> None:
        """Add the weight gradients of every deferred call, over all their rows at once."""
        kept, self.deferred = self.deferred, None
        if kept:
            rows = [row for inputs, _ in kept for row in inputs]
            grads = [row for _, grad in kept for row in grad]
            grad_weight, grad_bias, _ = self._weight_gradients(rows, grads, False)
            accumulate(self.weight, grad_weight)
            accumulate(self.bias, [grad_bias])

    def discard_deferred(self) -> None:
        self.deferred = None

    def _weight_gradients(self, inputs, grad_outputs, input_gradient):
        if self.one_hot is None:
            return affine_backward(inputs, self.weight.value, grad_outputs, input_gradient)
        return affine_backward_one_hot(
            inputs, self.weight.value, grad_outputs, *self.one_hot, input_gradient=input_gradient
        )


# given
def defers_weight_gradients(*paths: str):
    """Decorate a backward pass so that the named networks' weight gradients wait for its end.

    Each path names an argument of the decorated function, or an attribute of one
    ("self.gru"); the network found there (anything with `maps`) defers its AffineMaps'
    weight gradients while the function runs and adds them, over all the rows at once, when
    it returns. If the function raises, the kept rows are dropped. A speed-up only: the
    gradients are the same sums (see AffineMap), and the decorated code never sees it.
    """

    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def deferring(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            maps = []
            for path in paths:
                name, *attributes = path.split(".")
                network = bound.arguments[name]
                for attribute in attributes:
                    network = getattr(network, attribute)
                maps += network.maps
            for affine_map in maps:
                affine_map.start_deferring()
            try:
                result = function(*args, **kwargs)
            except BaseException:
                for affine_map in maps:
                    affine_map.discard_deferred()
                raise
            for affine_map in maps:
                affine_map.add_deferred()
            return result

        return deferring

    return decorate
