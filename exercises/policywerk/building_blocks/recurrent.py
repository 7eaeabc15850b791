"""A gated recurrent unit (GRU; Cho et al. 2014) with backpropagation through time.

A GRU carries a hidden state h from step to step. At each step, for an input x (batch rows),

    r  = σ(W_r·x + b_r + U_r·h + c_r)          reset gate: how much of h the candidate sees
    z  = σ(W_z·x + b_z + U_z·h + c_z)          update gate: how much of h is kept
    n  = tanh(W_n·x + b_n + r ⊙ (U_n·h + c_n))  candidate state
    h' = (1 − z) ⊙ n + z ⊙ h

(the convention of PyTorch's GRU: the reset gate multiplies U_n·h + c_n, after the product).
W = [W_r; W_z; W_n] is (3H × in) and U = [U_r; U_z; U_n] is (3H × H), with biases b and c of
3H each; so the three gates' pre-activations come from two affine maps, `affine(x, W, b)` and
`affine(h, U, c)`, whose first H entries belong to r, the next H to z, the last H to n.

Backpropagation through time runs the steps in reverse. `step` pushes what its backward needs
onto a stack; `backward_step` pops the latest one. With g = ∂L/∂h' and the pre-activations
a_r, a_z, a_n of r, z, n:

    ∂L/∂n = g ⊙ (1 − z)         ∂L/∂a_n = ∂L/∂n ⊙ (1 − n²)
    ∂L/∂z = g ⊙ (h − n)         ∂L/∂a_z = ∂L/∂z ⊙ z ⊙ (1 − z)
    ∂L/∂r = ∂L/∂a_n ⊙ (U_n·h + c_n)           ∂L/∂a_r = ∂L/∂r ⊙ r ⊙ (1 − r)
    ∂L/∂(W·x + b) = [∂L/∂a_r, ∂L/∂a_z, ∂L/∂a_n]
    ∂L/∂(U·h + c) = [∂L/∂a_r, ∂L/∂a_z, ∂L/∂a_n ⊙ r]
    ∂L/∂h = (those through U) + g ⊙ z
"""

from __future__ import annotations

import math

from policywerk.building_blocks.dense import accumulate, affine, affine_backward, xavier_uniform
from policywerk.building_blocks.network import Parameter, require_batch
from policywerk.primitives.activations import sigmoid
from policywerk.primitives.random import Rng


class GRU:
    """A GRU cell: `step` advances a batch of hidden states by one input; `backward_step` undoes
    the latest step's chain rule. `forward_sequence` and `backward_sequence` loop over time.

    >>> cell = GRU(input_size=1, hidden_size=2, rng=Rng(0))
    >>> len(cell.step([[1.0]], cell.initial_state(1))[0])
    2
    """

    # given
    def __init__(self, input_size: int, hidden_size: int, rng: Rng, name: str = "gru"):
        if not isinstance(input_size, int) or not isinstance(hidden_size, int) or input_size < 1 or hidden_size < 1:
            raise ValueError(f"GRU: sizes must be integers >= 1, got input_size={input_size!r}, hidden_size={hidden_size!r}")
        self.input_size, self.hidden_size = input_size, hidden_size
        # Initial weights as three blocks of H rows, each scaled for its own fan-in and fan-out.
        input_blocks = [row for _ in range(3) for row in xavier_uniform(input_size, hidden_size, rng)]
        hidden_blocks = [row for _ in range(3) for row in xavier_uniform(hidden_size, hidden_size, rng)]
        self.input_weight = Parameter.of(input_blocks, f"{name}.input_weight")
        self.hidden_weight = Parameter.of(hidden_blocks, f"{name}.hidden_weight")
        self.input_bias = Parameter.of([[0.0] * 3 * hidden_size], f"{name}.input_bias")
        self.hidden_bias = Parameter.of([[0.0] * 3 * hidden_size], f"{name}.hidden_bias")
        self._stack: list[tuple] = []

    # given
    def initial_state(self, batch: int) -> list[list[float]]:
        """Zeros: the hidden state before the first step, for `batch` sequences."""
        return [[0.0] * self.hidden_size for _ in range(batch)]

    def step(self, inputs: list[list[float]], hidden: list[list[float]]) -> list[list[float]]:
        """One step of the gate equations for a batch: (B × in), (B × H) -> the new (B × H).

        Keeps x, h, r, z, n and U_n·h + c_n on a stack for `backward_step`. Raises ValueError
        for inputs or states of the wrong width, or batches of different sizes.
        """
        raise NotImplementedError(
            'building_blocks.recurrent.GRU.step is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.recurrent'
        )

    def backward_step(
        self, grad_new_hidden: list[list[float]], parameters: bool = True
    ) -> tuple[list[list[float]], list[list[float]]]:
        """Pop the latest step and apply its chain rule: given ∂L/∂h' (B × H), add the gradients
        of W, U, b, c, and return (∂L/∂x, ∂L/∂h) for that step's input and previous state.

        With parameters=False the weights' gradients are neither computed nor added: only
        (∂L/∂x, ∂L/∂h) = (G_x·W, G_h·U + g ⊙ z), for a caller that backpropagates through the
        cell to something else (an actor learning through a world model's dynamics) and would
        throw the weights' share away. It is half the multiply-adds of the full backward.

        Raises RuntimeError when no step is left to undo.
        """
        raise NotImplementedError(
            'building_blocks.recurrent.GRU.backward_step is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.recurrent'
        )

    def forward_sequence(self, inputs: list[list[list[float]]], hidden: list[list[float]]) -> list[list[list[float]]]:
        """Step through a sequence of T input batches from `hidden`; return the T new states.

        >>> cell = GRU(1, 1, Rng(0))
        >>> len(cell.forward_sequence([[[1.0]], [[0.5]], [[0.0]]], cell.initial_state(1)))
        3
        """
        raise NotImplementedError(
            'building_blocks.recurrent.GRU.forward_sequence is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.recurrent'
        )

    def backward_sequence(
        self, grad_states: list[list[list[float]]]
    ) -> tuple[list[list[list[float]]], list[list[float]]]:
        """Backpropagation through time over the last len(grad_states) steps.

        grad_states[t] = ∂L/∂h_t from outside (a loss on that state). Going back in time, the
        gradient reaching h_t is its own plus what flows back from step t+1. Returns the
        gradients of the T input batches and of the initial state.
        """
        raise NotImplementedError(
            'building_blocks.recurrent.GRU.backward_sequence is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.recurrent'
        )

    # given
    def parameters(self) -> list[Parameter]:
        return [self.input_weight, self.hidden_weight, self.input_bias, self.hidden_bias]
