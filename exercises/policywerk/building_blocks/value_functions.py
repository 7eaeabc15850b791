"""Tabular value functions: one number per state, V(s), or per state and action, Q(s, a).

V(s) estimates the return expected from state s; Q(s, a) the return from taking action a in
s and acting well afterwards. With few enough states, a list holds them all: lesson 01 fills
V by planning, lessons 03 and 04 learn V and Q from experience with the same small update,

    estimate ← estimate + α·(target − estimate),

which moves the estimate a fraction α of the way toward a target (a sampled return, or a
bootstrapped one such as r + γ·V(s')).
"""

from __future__ import annotations

from policywerk.primitives.vector import argmax


# given
def _require_index(what: str, index: int, size: int) -> None:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size:
        raise ValueError(f"{what} must be an integer in [0, {size}), got {index!r}")


# given
def _require_step_size(step_size: float) -> None:
    if not 0.0 < step_size <= 1.0:
        raise ValueError(f"step_size (α) must be in (0, 1], got {step_size}")


class TabularV:
    """A state-value table: `values[s]` is V(s), for states 0 … n_states − 1.

    >>> v = TabularV(3, initial=0.5)
    >>> v.values
    [0.5, 0.5, 0.5]
    """

    # given
    def __init__(self, n_states: int, initial: float = 0.0):
        if not isinstance(n_states, int) or n_states < 1:
            raise ValueError(f"TabularV: n_states must be an integer >= 1, got {n_states!r}")
        self.values = [float(initial)] * n_states

    def update(self, state: int, target: float, step_size: float) -> float:
        """Move V(state) toward `target` by the fraction α = step_size; return the error.

        error = target − V(s);  V(s) ← V(s) + α·error. With α = 1 the estimate jumps to the
        target; with small α it averages many noisy targets. Raises ValueError naming the
        state unless it is an integer in [0, n_states) (a bool or a float is not a state), and
        naming α when it is outside (0, 1]; a refused update changes nothing.

        >>> v = TabularV(2)
        >>> v.update(1, target=1.0, step_size=0.1), v.values
        (1.0, [0.0, 0.1])
        """
        raise NotImplementedError(
            'building_blocks.value_functions.TabularV.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.value_functions'
        )


class TabularQ:
    """An action-value table: `table[s][a]` is Q(s, a).

    >>> q = TabularQ(2, 3)
    >>> q.table
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    # given
    def __init__(self, n_states: int, n_actions: int, initial: float = 0.0):
        if not isinstance(n_states, int) or n_states < 1 or not isinstance(n_actions, int) or n_actions < 1:
            raise ValueError(
                f"TabularQ: n_states and n_actions must be integers >= 1, got {n_states!r} and {n_actions!r}"
            )
        self.n_actions = n_actions
        self.table = [[float(initial)] * n_actions for _ in range(n_states)]

    def update(self, state: int, action: int, target: float, step_size: float) -> float:
        """Move Q(state, action) toward `target` by the fraction α; return the error.

        error = target − Q(s, a);  Q(s, a) ← Q(s, a) + α·error. Only that one entry changes.
        Raises ValueError naming the state (or the action) unless it is an integer in
        [0, n_states) (or [0, n_actions)); a bool or a float is neither. Raises ValueError
        naming α when it is outside (0, 1]. A refused update changes nothing.

        >>> q = TabularQ(1, 2)
        >>> q.update(0, 1, target=-2.0, step_size=0.5), q.table
        (-2.0, [[0.0, -1.0]])
        """
        raise NotImplementedError(
            'building_blocks.value_functions.TabularQ.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.value_functions'
        )

    def best_value(self, state: int) -> float:
        """max over actions of Q(state, a): the value of acting greedily from `state`.

        This is what Q-learning bootstraps from: r + γ·max_a Q(s', a). Raises ValueError
        naming the state for one outside the table.

        >>> q = TabularQ(1, 3)
        >>> q.table[0] = [1.0, 3.0, 2.0]
        >>> q.best_value(0)
        3.0
        """
        raise NotImplementedError(
            'building_blocks.value_functions.TabularQ.best_value is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.value_functions'
        )

    def best_action(self, state: int) -> int:
        """argmax over actions of Q(state, a), ties going to the lowest action.

        Raises ValueError naming the state for one outside the table.

        >>> q = TabularQ(1, 3)
        >>> q.table[0] = [1.0, 3.0, 3.0]
        >>> q.best_action(0)
        1
        """
        raise NotImplementedError(
            'building_blocks.value_functions.TabularQ.best_action is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.value_functions'
        )
