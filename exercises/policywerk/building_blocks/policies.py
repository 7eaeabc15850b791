"""Policies over one row of action values: how an agent turns Q(s, ·) into an action.

Greedy exploits what the agent believes; ε-greedy explores a fixed fraction of the time;
softmax (Boltzmann) explores in proportion to how good each action looks, with a temperature
that sets how much. All take a Q row (a list with one value per action) and, when they sample,
the package's seeded Rng; each says how many uniform draws it consumes.
"""

from __future__ import annotations

from policywerk.primitives.activations import softmax
from policywerk.primitives.random import Rng
from policywerk.primitives.vector import argmax


# given
def _require_epsilon(epsilon: float) -> None:
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")


# given
def _require_temperature(temperature: float) -> None:
    if not temperature > 0.0:
        raise ValueError(f"temperature must be > 0, got {temperature}")


def greedy(q_row: list[float]) -> int:
    """The action with the highest value; a tie goes to the lowest action. No draws.

    Raises ValueError for an empty row.

    >>> greedy([0.0, 2.0, 2.0, 1.0])
    1
    """
    raise NotImplementedError(
        'building_blocks.policies.greedy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.policies'
    )


def epsilon_greedy(q_row: list[float], epsilon: float, rng: Rng) -> int:
    """With probability ε a uniformly random action, otherwise the greedy one.

    Draws: one for the coin (explore when u < ε), drawn on every call, even at ε = 0 where it
    can never come up (so the generator moves the same way whatever ε is), and one more for
    the random action when exploring. The random action may happen to be the greedy one, so
    the greedy action's total probability is 1 − ε + ε/n. Raises ValueError naming ε unless
    0 <= ε <= 1.

    >>> epsilon_greedy([0.0, 5.0], epsilon=0.0, rng=Rng(0))
    1
    """
    raise NotImplementedError(
        'building_blocks.policies.epsilon_greedy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.policies'
    )


def epsilon_greedy_probabilities(q_row: list[float], epsilon: float) -> list[float]:
    """The probability of each action under ε-greedy: ε/n for every action, plus 1 − ε for
    the greedy one (ties to the lowest index, as `greedy`).

    Expected Sarsa and the spec of `epsilon_greedy` need these numbers. Raises ValueError
    naming ε unless 0 <= ε <= 1.

    >>> epsilon_greedy_probabilities([1.0, 3.0, 2.0, 0.0], 0.5)  # ε/n = 0.125, greedy + 0.5
    [0.125, 0.625, 0.125, 0.125]
    """
    raise NotImplementedError(
        'building_blocks.policies.epsilon_greedy_probabilities is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.policies'
    )


def softmax_probabilities(q_row: list[float], temperature: float = 1.0) -> list[float]:
    """Boltzmann probabilities: π(a) = e^(Q(a)/τ) / Σ_b e^(Q(b)/τ).

    A high temperature τ makes them nearly uniform; a low one nearly greedy. Raises ValueError
    naming τ unless τ > 0.

    >>> softmax_probabilities([0.0, 0.0], temperature=2.0)
    [0.5, 0.5]
    """
    raise NotImplementedError(
        'building_blocks.policies.softmax_probabilities is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.policies'
    )


def softmax_policy(q_row: list[float], temperature: float, rng: Rng) -> int:
    """An action sampled from the Boltzmann probabilities of `softmax_probabilities`. One draw.

    Raises ValueError naming τ unless τ > 0.

    >>> softmax_policy([0.0, 100.0], temperature=1.0, rng=Rng(0))
    1
    """
    raise NotImplementedError(
        'building_blocks.policies.softmax_policy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.policies'
    )
