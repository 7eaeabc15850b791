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
from policywerk.building_blocks.network import (
    Parameter,
    affine_backward_one_hot,
    affine_one_hot,
    require_batch,
    require_one_hot_range,
)
from policywerk.primitives.activations import sigmoid
from policywerk.primitives.random import Rng


class GRU:
    """A GRU cell: `step` advances a batch of hidden states by one input; `backward_step` undoes
    the latest step's chain rule. `forward_sequence` and `backward_sequence` loop over time.
    `backward_step(…, defer=True)` and `add_deferred_gradients` split one backward pass in two
    for speed: the gradients that flow back in time now, the weights' gradients at the end.

    >>> cell = GRU(input_size=1, hidden_size=2, rng=Rng(0))
    >>> len(cell.step([[1.0]], cell.initial_state(1))[0])
    2
    """

    # given
    def __init__(
        self, input_size: int, hidden_size: int, rng: Rng, name: str = "gru", one_hot: tuple[int, int] | None = None
    ):
        if not isinstance(input_size, int) or not isinstance(hidden_size, int) or input_size < 1 or hidden_size < 1:
            raise ValueError(f"GRU: sizes must be integers >= 1, got input_size={input_size!r}, hidden_size={hidden_size!r}")
        require_one_hot_range("GRU", one_hot, input_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.one_hot = one_hot  # (start, end): inputs there are one-hot groups (a sampled latent); see input_affine
        # Initial weights as three blocks of H rows, each scaled for its own fan-in and fan-out.
        input_blocks = [row for _ in range(3) for row in xavier_uniform(input_size, hidden_size, rng)]
        hidden_blocks = [row for _ in range(3) for row in xavier_uniform(hidden_size, hidden_size, rng)]
        self.input_weight = Parameter.of(input_blocks, f"{name}.input_weight")
        self.hidden_weight = Parameter.of(hidden_blocks, f"{name}.hidden_weight")
        self.input_bias = Parameter.of([[0.0] * 3 * hidden_size], f"{name}.input_bias")
        self.hidden_bias = Parameter.of([[0.0] * 3 * hidden_size], f"{name}.hidden_bias")
        self._stack: list[tuple] = []
        self._deferred: list[tuple] = []  # steps undone with defer=True, waiting for their weights' gradients

    # given
    def initial_state(self, batch: int) -> list[list[float]]:
        """Zeros: the hidden state before the first step, for `batch` sequences."""
        return [[0.0] * self.hidden_size for _ in range(batch)]

    # given
    def input_affine(self, inputs: list[list[float]]) -> list[list[float]]:
        """W·x + b for a batch of inputs (B × in) -> (B × 3H): `dense.affine`, or, for a cell
        whose inputs hold one-hot groups (`one_hot`), `dense.affine_one_hot`: the same numbers
        with fewer multiply-adds."""
        if self.one_hot is None:
            return affine(inputs, self.input_weight.value, self.input_bias.value[0])
        return affine_one_hot(inputs, self.input_weight.value, self.input_bias.value[0], *self.one_hot)

    def step(self, inputs: list[list[float]], hidden: list[list[float]]) -> list[list[float]]:
        """One step of the gate equations for a batch: (B × in), (B × H) -> the new (B × H).

        The input's share of the gates, W·x + b, comes from `self.input_affine(inputs)` (given);
        the hidden state's, U·h + c, from `affine`. Keeps x, h, r, z, n and U_n·h + c_n on a
        stack for `backward_step`. Raises ValueError for inputs or states of the wrong width, or
        batches of different sizes.
        """
        raise NotImplementedError(
            'building_blocks.recurrent.GRU.step is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.recurrent'
        )

    def backward_step(
        self, grad_new_hidden: list[list[float]], parameters: bool = True, defer: bool = False
    ) -> tuple[list[list[float]], list[list[float]]]:
        """Pop the latest step and apply its chain rule: given ∂L/∂h' (B × H), add the gradients
        of W, U, b, c, and return (∂L/∂x, ∂L/∂h) for that step's input and previous state.

        With parameters=False the weights' gradients are neither computed nor added: only
        (∂L/∂x, ∂L/∂h) = (G_x·W, G_h·U + g ⊙ z), for a caller that backpropagates through the
        cell to something else (an actor learning through a world model's dynamics) and would
        throw the weights' share away. It is half the multiply-adds of the full backward.

        With defer=True the weights' gradients are not added yet: the step's inputs, previous
        state and gate gradients (G_x, G_h) go on a list, the returned (∂L/∂x, ∂L/∂h) are those
        of parameters=False, and `add_deferred_gradients` later adds every kept step's share in
        one pass (for backpropagation through time over small batches; see there).

        Raises RuntimeError when no step is left to undo.
        """
        raise NotImplementedError(
            'building_blocks.recurrent.GRU.backward_step is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.recurrent'
        )

    # given
    def add_deferred_gradients(self) -> None:
        """Add the weights' gradients of every step undone with defer=True since the last call.

        They are the same sums as backward_step's, ∂W = Σ_t G_x,tᵀ·x_t and so on, taken over
        all the kept rows at once: each weight's gradient is one dot product over T·B rows
        instead of T dot products over B. In pure Python a dot product costs ~0.14 µs plus
        ~17 ns per multiply-add, so at B = 8 the one long dot is about twice as fast.
        """
        if not self._deferred:
            return
        inputs, hidden, grad_from_input, grad_from_hidden = ([row for kept in self._deferred for row in kept[k]] for k in range(4))
        self._deferred.clear()
        if self.one_hot is None:
            grad_w, grad_b, _ = affine_backward(inputs, self.input_weight.value, grad_from_input, input_gradient=False)
        else:  # the same sums, without multiplying by the latent's zeros
            grad_w, grad_b, _ = affine_backward_one_hot(inputs, self.input_weight.value, grad_from_input, *self.one_hot, False)
        grad_u, grad_c, _ = affine_backward(hidden, self.hidden_weight.value, grad_from_hidden, input_gradient=False)
        accumulate(self.input_weight, grad_w)
        accumulate(self.input_bias, [grad_b])
        accumulate(self.hidden_weight, grad_u)
        accumulate(self.hidden_bias, [grad_c])

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
