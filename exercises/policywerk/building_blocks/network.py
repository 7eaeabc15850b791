"""A network as a sequence of layers, and the one shape every layer's parameters take.

Every layer has `forward(batch) -> batch`, `backward(grad_batch) -> grad_batch` and
`parameters() -> list[Parameter]`. A batch is a list of flat vectors, one per sample. A
Parameter is a matrix (a list of rows) with a gradient of the same shape beside it: weights
are (out × in) rows, a bias is a single row. Optimizers see nothing else, so one optimizer
serves dense layers, convolutions and recurrent cells alike.

Backward passes *accumulate* into `grad` (+=), because a parameter used twice (a recurrent
cell over a sequence, one network evaluated on two batches) must sum both contributions.
Call `zero_grad` before each new gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import mul

from policywerk.primitives import activations


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


_FUNCTIONS = {
    "sigmoid": (activations.sigmoid, activations.sigmoid_derivative),
    "tanh": (activations.tanh, activations.tanh_derivative),
    "relu": (activations.relu, activations.relu_derivative),
    "elu": (activations.elu, activations.elu_derivative),
}


class Activation:
    """An elementwise activation as a layer: y = f(x) row by row; no parameters.

    kind is one of "sigmoid", "tanh", "relu", "elu".

    >>> layer = Activation("relu")
    >>> layer.forward([[-1.0, 2.0]])
    [[0.0, 2.0]]
    """

    # given
    def __init__(self, kind: str):
        if kind not in _FUNCTIONS:
            raise ValueError(f"Activation: kind must be one of {sorted(_FUNCTIONS)}, got {kind!r}")
        self.kind = kind
        self.function, self.derivative = _FUNCTIONS[kind]
        self._inputs: list[list[float]] | None = None

    def forward(self, inputs: list[list[float]]) -> list[list[float]]:
        """f applied to every sample; the inputs are kept for backward.

        >>> Activation("tanh").forward([[0.0], [0.0]])
        [[0.0], [0.0]]
        """
        raise NotImplementedError(
            'building_blocks.network.Activation.forward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    def backward(self, grad_outputs: list[list[float]]) -> list[list[float]]:
        """∂L/∂x = ∂L/∂y ⊙ f'(x), sample by sample, with x from the last forward.

        Raises RuntimeError without a forward first, ValueError for a batch of another shape.

        >>> layer = Activation("relu")
        >>> _ = layer.forward([[-1.0, 2.0]])
        >>> layer.backward([[5.0, 5.0]])
        [[0.0, 5.0]]
        """
        raise NotImplementedError(
            'building_blocks.network.Activation.backward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    # given
    def parameters(self) -> list[Parameter]:
        return []


class Sequential:
    """Layers applied in order; backward runs them in reverse.

    >>> net = Sequential([Activation("relu"), Activation("tanh")])
    >>> net.forward([[-1.0, 0.0]])
    [[0.0, 0.0]]
    """

    # given
    def __init__(self, layers: list):
        if not layers:
            raise ValueError("Sequential: expected at least one layer")
        self.layers = list(layers)

    def forward(self, inputs: list[list[float]]) -> list[list[float]]:
        """Feed the batch through every layer in order: x ← layer.forward(x)."""
        raise NotImplementedError(
            'building_blocks.network.Sequential.forward is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )

    def backward(self, grad_outputs: list[list[float]]) -> list[list[float]]:
        """Feed the gradient back through every layer in reverse: g ← layer.backward(g); return
        ∂L/∂inputs. Each layer accumulates its own parameters' gradients on the way."""
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

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0, ready for the next backward."""
        raise NotImplementedError(
            'building_blocks.network.Sequential.zero_grad is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.network'
        )
