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

Backpropagation through time runs the steps in reverse. `step` returns the new state and a
tape of what its backward needs (x, h, r, z, n and U_n·h + c_n); `backward_step(tape, g)`
applies that step's chain rule, for any step in any order. With g = ∂L/∂h' and the
pre-activations a_r, a_z, a_n of r, z, n:

    ∂L/∂n = g ⊙ (1 − z)         ∂L/∂a_n = ∂L/∂n ⊙ (1 − n²)
    ∂L/∂z = g ⊙ (h − n)         ∂L/∂a_z = ∂L/∂z ⊙ z ⊙ (1 − z)
    ∂L/∂r = ∂L/∂a_n ⊙ (U_n·h + c_n)           ∂L/∂a_r = ∂L/∂r ⊙ r ⊙ (1 − r)
    ∂L/∂(W·x + b) = [∂L/∂a_r, ∂L/∂a_z, ∂L/∂a_n]
    ∂L/∂(U·h + c) = [∂L/∂a_r, ∂L/∂a_z, ∂L/∂a_n ⊙ r]
    ∂L/∂h = (those through U) + g ⊙ z
"""

from __future__ import annotations

import math

from policywerk.building_blocks.dense import xavier_uniform
from policywerk.building_blocks.network import AffineMap, Parameter, require_batch
from policywerk.primitives.activations import sigmoid
from policywerk.primitives.random import Rng


class GRU:
    """A GRU cell: `step` advances a batch of hidden states by one input and returns its tape;
    `backward_step` applies one step's chain rule from its tape. `forward_sequence` and
    `backward_sequence` loop over time.

    The two affine maps, W·x + b and U·h + c, are `self.input_map` and `self.hidden_map`
    (network.AffineMap): dense.affine forward and dense.affine_backward backward.

    >>> cell = GRU(input_size=1, hidden_size=2, rng=Rng(0))
    >>> new_hidden, tape = cell.step([[1.0]], cell.initial_state(1))
    >>> len(new_hidden[0])
    2
    """

    # given
    def __init__(
        self, input_size: int, hidden_size: int, rng: Rng, name: str = "gru", one_hot: tuple[int, int] | None = None
    ):
        if not isinstance(input_size, int) or not isinstance(hidden_size, int) or input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"GRU: sizes must be integers >= 1, got input_size={input_size!r}, hidden_size={hidden_size!r}"
            )
        self.input_size, self.hidden_size = input_size, hidden_size
        # Initial weights as three blocks of H rows, each scaled for its own fan-in and fan-out.
        input_blocks = [row for _ in range(3) for row in xavier_uniform(input_size, hidden_size, rng)]
        hidden_blocks = [row for _ in range(3) for row in xavier_uniform(hidden_size, hidden_size, rng)]
        self.input_weight = Parameter.of(input_blocks, f"{name}.input_weight")
        self.hidden_weight = Parameter.of(hidden_blocks, f"{name}.hidden_weight")
        self.input_bias = Parameter.of([[0.0] * 3 * hidden_size], f"{name}.input_bias")
        self.hidden_bias = Parameter.of([[0.0] * 3 * hidden_size], f"{name}.hidden_bias")
        # one_hot=(start, end): the inputs there are a sampled latent's 0s and 1s (a speed-up; see AffineMap).
        self.input_map = AffineMap(self.input_weight, self.input_bias, one_hot, "GRU")
        self.hidden_map = AffineMap(self.hidden_weight, self.hidden_bias)
        self.maps = [self.input_map, self.hidden_map]

    # given
    def initial_state(self, batch: int) -> list[list[float]]:
        """Zeros: the hidden state before the first step, for `batch` sequences."""
        return [[0.0] * self.hidden_size for _ in range(batch)]

    def step(self, inputs: list[list[float]], hidden: list[list[float]]) -> tuple[list[list[float]], tuple]:
        """One step of the gate equations for a batch: (B × in), (B × H) -> (the new (B × H), tape).

        The input's share of the gates, W·x + b, is `self.input_map.forward(inputs)`; the hidden
        state's, U·h + c, `self.hidden_map.forward(hidden)` (each B × 3H: r, z, n blocks). The
        tape is (x, h, r, z, n, U_n·h + c_n), each a batch of rows: what `backward_step` needs.
        Raises ValueError for an empty batch, naming both widths for inputs or states of the
        wrong width (what came, and input_size or hidden_size), and naming both batch sizes when
        the inputs and states differ in number.

        >>> cell = GRU(1, 1, Rng(0))
        >>> new_hidden, _ = cell.step([[0.0]], [[0.0]])  # all weights act on 0, biases 0: n = 0, h' = ½·0 + ½·0
        >>> new_hidden
        [[0.0]]
        """
        H = self.hidden_size
        require_batch("GRU.step inputs", inputs, self.input_size)
        require_batch("GRU.step hidden", hidden, H)
        if len(inputs) != len(hidden):
            raise ValueError(f"GRU.step: {len(inputs)} inputs but {len(hidden)} hidden states")
        from_input = self.input_map.forward(inputs)
        from_hidden = self.hidden_map.forward(hidden)
        tanh = math.tanh
        resets, updates, candidates, new_hidden = [], [], [], []
        for gx, gh, h in zip(from_input, from_hidden, hidden):
            r = sigmoid([a + b for a, b in zip(gx[:H], gh[:H])])
            z = sigmoid([a + b for a, b in zip(gx[H : 2 * H], gh[H : 2 * H])])
            n = [tanh(a + ri * b) for a, ri, b in zip(gx[2 * H :], r, gh[2 * H :])]
            resets.append(r)
            updates.append(z)
            candidates.append(n)
            new_hidden.append([(1.0 - zi) * ni + zi * hi for zi, ni, hi in zip(z, n, h)])
        hidden_candidate = [gh[2 * H :] for gh in from_hidden]
        return new_hidden, (inputs, hidden, resets, updates, candidates, hidden_candidate)

    def backward_step(
        self, tape: tuple, grad_new_hidden: list[list[float]], parameters: bool = True
    ) -> tuple[list[list[float]], list[list[float]]]:
        """One step's chain rule: given the step's tape and ∂L/∂h' (B × H), return (∂L/∂x, ∂L/∂h)
        for that step's input and previous state, adding the gradients of W, U, b and c.

        With G_x = [∂L/∂a_r, ∂L/∂a_z, ∂L/∂a_n] and G_h = [∂L/∂a_r, ∂L/∂a_z, ∂L/∂a_n ⊙ r]
        (the module docstring), the two affine maps do the rest:
        `self.input_map.backward(x, G_x, parameters)` adds ∂L/∂W, ∂L/∂b and returns G_x·W;
        `self.hidden_map.backward(h, G_h, parameters)` adds ∂L/∂U, ∂L/∂c and returns G_h·U; and
        ∂L/∂h = G_h·U + g ⊙ z. With parameters=False no weight gradient is added (a caller that
        only backpropagates through the cell, as an actor through a world model's dynamics).

        Raises ValueError for a tape that is not a step's, naming both widths for gradient rows
        that do not have hidden_size entries, and naming both batch sizes for a gradient batch
        of another size than the step's.
        """
        if not isinstance(tape, tuple) or len(tape) != 6:
            raise ValueError(f"GRU.backward_step: expected the tape of a step (6 entries), got {tape!r:.60}")
        inputs, hidden, resets, updates, candidates, hidden_candidate = tape
        require_batch("GRU.backward_step", grad_new_hidden, self.hidden_size)
        if len(grad_new_hidden) != len(hidden):
            raise ValueError(f"GRU.backward_step: {len(grad_new_hidden)} gradient rows for a step of {len(hidden)}")
        grad_from_input, grad_from_hidden, grad_hidden_direct = [], [], []
        for g, h, r, z, n, hn in zip(grad_new_hidden, hidden, resets, updates, candidates, hidden_candidate):
            grad_n = [gi * (1.0 - zi) * (1.0 - ni * ni) for gi, zi, ni in zip(g, z, n)]
            grad_z = [gi * (hi - ni) * zi * (1.0 - zi) for gi, hi, ni, zi in zip(g, h, n, z)]
            grad_r = [gn * b * ri * (1.0 - ri) for gn, b, ri in zip(grad_n, hn, r)]
            grad_from_input.append(grad_r + grad_z + grad_n)
            grad_from_hidden.append(grad_r + grad_z + [gn * ri for gn, ri in zip(grad_n, r)])
            grad_hidden_direct.append([gi * zi for gi, zi in zip(g, z)])
        grad_inputs = self.input_map.backward(inputs, grad_from_input, parameters)
        grad_hidden = self.hidden_map.backward(hidden, grad_from_hidden, parameters)
        grad_previous = [
            [a + b for a, b in zip(through_u, direct)] for through_u, direct in zip(grad_hidden, grad_hidden_direct)
        ]
        return grad_inputs, grad_previous

    def forward_sequence(
        self, inputs: list[list[list[float]]], hidden: list[list[float]]
    ) -> tuple[list[list[list[float]]], list[tuple]]:
        """Step through a sequence of T input batches from `hidden`: (the T new states, their T tapes).

        Each batch goes through `self.step`, the state it returns feeding the next, so the
        states and tapes are exactly those of T calls of `step` in a row.

        >>> cell = GRU(1, 1, Rng(0))
        >>> states, tapes = cell.forward_sequence([[[1.0]], [[0.5]], [[0.0]]], cell.initial_state(1))
        >>> len(states), len(tapes)
        (3, 3)
        """
        states, tapes = [], []
        for batch in inputs:
            hidden, tape = self.step(batch, hidden)
            states.append(hidden)
            tapes.append(tape)
        return states, tapes

    def backward_sequence(
        self, tapes: list[tuple], grad_states: list[list[list[float]]]
    ) -> tuple[list[list[list[float]]], list[list[float]]]:
        """Backpropagation through time over the steps of `forward_sequence`'s tapes.

        grad_states[t] = ∂L/∂h_t from outside (a loss on that state). Going back in time, the
        gradient reaching h_t is its own plus what flows back from step t+1. Returns the
        gradients of the T input batches and of the initial state. Raises ValueError naming
        both counts unless there is one gradient batch per tape (and at least one tape).
        """
        if len(tapes) != len(grad_states) or not tapes:
            raise ValueError(
                f"GRU.backward_sequence: expected one gradient batch per step, got {len(grad_states)} for {len(tapes)} steps"
            )
        grad_carried = [[0.0] * self.hidden_size for _ in grad_states[-1]]
        grad_inputs: list[list[list[float]]] = []
        for tape, grad in zip(reversed(tapes), reversed(grad_states)):
            total = [[a + b for a, b in zip(own, carried)] for own, carried in zip(grad, grad_carried)]
            grad_x, grad_carried = self.backward_step(tape, total)
            grad_inputs.append(grad_x)
        grad_inputs.reverse()
        return grad_inputs, grad_carried

    # given
    def parameters(self) -> list[Parameter]:
        return [self.input_weight, self.hidden_weight, self.input_bias, self.hidden_bias]
