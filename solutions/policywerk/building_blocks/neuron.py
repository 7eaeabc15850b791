"""One neuron, forward and backward: the whole idea of a neural network in a page.

A neuron weighs its inputs, adds a bias and squashes the sum:

    z = w·x + b          (the pre-activation)
    y = σ(z)             (the output; σ the logistic sigmoid here)

Training needs the gradient of a loss L with respect to everything that can change. With
g = ∂L/∂y arriving from above, the chain rule gives, one factor per step back:

    ∂L/∂z = g·σ'(z) = g·y·(1 − y)
    ∂L/∂w = ∂L/∂z · x          (each weight is blamed in proportion to its input)
    ∂L/∂b = ∂L/∂z
    ∂L/∂x = ∂L/∂z · w          (what flows on to whatever produced x)

`dense.py` does the same for a whole layer of neurons over a batch of inputs at once; this
module keeps one neuron and one input so the chain rule stays visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from policywerk.primitives.vector import dot, require_same_length


# given
@dataclass
class NeuronGradients:
    """What `Neuron.backward` returns: the gradient for each weight, the bias, and each input."""

    weights: list[float]
    bias: float
    inputs: list[float]


@dataclass
class Neuron:
    """A sigmoid neuron with its weights and bias; `forward` remembers what `backward` needs.

    >>> neuron = Neuron(weights=[0.5, -0.5], bias=0.0)
    >>> neuron.forward([1.0, 1.0])
    0.5
    """

    weights: list[float]
    bias: float = 0.0
    _inputs: list[float] | None = field(default=None, repr=False)
    _output: float = field(default=0.0, repr=False)

    def forward(self, inputs: list[float]) -> float:
        """y = σ(w·x + b), keeping x and y for the backward pass.

        Raises ValueError naming both lengths when len(inputs) differs from len(weights).

        >>> Neuron(weights=[2.0], bias=-1.0).forward([0.5])  # σ(0) = 0.5
        0.5
        """
        require_same_length("Neuron.forward", self.weights, inputs)
        pre_activation = dot(self.weights, inputs) + self.bias
        if pre_activation >= 0.0:
            output = 1.0 / (1.0 + math.exp(-pre_activation))
        else:
            output = math.exp(pre_activation) / (1.0 + math.exp(pre_activation))
        self._inputs, self._output = list(inputs), output
        return output

    def backward(self, grad_output: float) -> NeuronGradients:
        """The gradients of the loss, given g = ∂L/∂y, by the chain rule of the module docstring.

        Uses the inputs and output remembered by the last `forward`; raises RuntimeError if
        there was none.

        >>> neuron = Neuron(weights=[2.0], bias=-1.0)
        >>> neuron.forward([0.5])
        0.5
        >>> neuron.backward(1.0)  # ∂L/∂z = 0.5·0.5 = 0.25
        NeuronGradients(weights=[0.125], bias=0.25, inputs=[0.5])
        """
        if self._inputs is None:
            raise RuntimeError("Neuron.backward: call forward first; backward uses what forward remembered")
        grad_pre_activation = grad_output * self._output * (1.0 - self._output)
        return NeuronGradients(
            weights=[grad_pre_activation * x for x in self._inputs],
            bias=grad_pre_activation,
            inputs=[grad_pre_activation * w for w in self.weights],
        )
