"""Planning with a known model: value iteration and policy iteration (Bellman 1957).

When the world's transitions are known, the best values satisfy Bellman's optimality
equation,

    V*(s) = max_a Σ_{s'} P(s' | s, a)·[r(s, a, s') + γ·V*(s')],

with V* = 0 at terminal states (nothing follows them). The right-hand side is a contraction:
applying it to any guess V shrinks the distance to V* by the factor γ, so repeating it (value
iteration) converges from anywhere, sweep after sweep, information flowing backward from the
rewards one step per sweep. Policy iteration instead alternates two steps until the policy
stops changing: evaluate the current policy exactly, then make it greedy with respect to its
own values.

Sweeps here are synchronous (every state updated from the previous sweep's values), as in
Bellman's formulation; that makes each sweep one application of the contraction, and the
ripple from the goal exactly one cell per sweep.

Reference: R. Bellman, "A Markovian decision process", Journal of Mathematics and Mechanics 6
(1957); Sutton & Barto, Reinforcement Learning: An Introduction (2nd ed.), chapter 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from policywerk.building_blocks.mdp import TabularWorld
from policywerk.building_blocks.policies import greedy


# given
@dataclass
class ValueIterationResult:
    values: list[float]  # V(s) for every state number (0 at terminal states and non-states)
    policy: list[int | None]  # the greedy action per state; None at terminal states and non-states
    sweeps: int  # how many sweeps ran
    max_changes: list[float] = field(default_factory=list)  # max |ΔV| of each sweep
    converged: bool = True  # the last change fell below the tolerance


# given
@dataclass
class PolicyIterationResult:
    values: list[float]  # V of the final policy
    policy: list[int | None]
    iterations: int  # evaluation + improvement rounds
    evaluation_sweeps: int  # sweeps spent evaluating, over all rounds


# given
def _require_planning_settings(gamma: float, tolerance: float, limit: int, limit_name: str = "max_sweeps") -> None:
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma (the discount) must be in [0, 1], got {gamma}")
    if not tolerance > 0.0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"{limit_name} must be an integer >= 1, got {limit!r}")


def action_values(world: TabularWorld, values: list[float], state: int, gamma: float) -> list[float]:
    """One-step lookahead: Q(s, a) = Σ_{s'} p·(r + γ·V(s')) for each action, in world.actions order.

    Where an outcome is terminal, nothing follows it: its term is p·r (do not add γ·V(s')).

    Shapes: values has one entry per state number -> one entry per action.

    >>> from policywerk.world.gridworld import GridWorld, cell_state
    >>> world = GridWorld()
    >>> v = [0.0] * world.n_states
    >>> [round(q, 2) for q in action_values(world, v, cell_state(0, 3), gamma=0.9)]  # right: goal, down: pit
    [-0.04, 1.0, -1.0, -0.04]
    """
    raise NotImplementedError(
        'actors.bellman.action_values is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.bellman'
    )


def greedy_policy(world: TabularWorld, values: list[float], gamma: float) -> list[int | None]:
    """The action that maximises the one-step lookahead in every non-terminal state.

    policy[s] = argmax_a Q(s, a) from `action_values`, ties to the lowest action; None for
    terminal states and for numbers that are not states (the gridworld's wall).

    >>> from policywerk.world.gridworld import GridWorld, cell_state, RIGHT
    >>> world = GridWorld()
    >>> greedy_policy(world, [0.0] * world.n_states, 0.9)[cell_state(0, 3)] == RIGHT
    True
    """
    raise NotImplementedError(
        'actors.bellman.greedy_policy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.bellman'
    )


def value_iteration(
    world: TabularWorld,
    gamma: float,
    tolerance: float = 1e-6,
    max_sweeps: int = 10_000,
    on_sweep: Callable[[int, list[float], float], None] | None = None,
) -> ValueIterationResult:
    """Sweep V ← max_a Q(s, a) over all states until the largest change is below `tolerance`.

    Start from V = 0 everywhere. Each sweep computes every non-terminal state's new value
    from the previous sweep's values (synchronously), then calls on_sweep(sweep, values,
    max_change) with the new values (sweep counts from 1). Stop as soon as a sweep's
    max_change is strictly below tolerance (converged; that sweep counts), or when sweep
    number max_sweeps is done (converged tells whether its change was below tolerance).
    The policy is greedy_policy of the final values.

    Because each sweep is a γ-contraction, max_change after sweep k is at most γ^(k−1) times
    that of sweep 1.

    Raises ValueError unless 0 <= γ <= 1, tolerance > 0 and max_sweeps is an integer >= 1;
    the message names the setting at fault (gamma, tolerance or max_sweeps) and its value.
    """
    raise NotImplementedError(
        'actors.bellman.value_iteration is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.bellman'
    )


def policy_evaluation(
    world: TabularWorld,
    policy: list[int | None],
    gamma: float,
    tolerance: float = 1e-10,
    max_sweeps: int = 100_000,
) -> tuple[list[float], int]:
    """V^π: sweep V(s) ← Q(s, π(s)) over the non-terminal states until the largest change is
    below `tolerance`; return (values, sweeps).

    Synchronous sweeps from V = 0, like value iteration but following the policy's action
    instead of the best one, and the same stopping rule: `sweeps` counts every sweep run,
    the last one (whose change fell strictly below tolerance) included.

    Raises RuntimeError if sweep number max_sweeps still changed a value by tolerance or
    more (with γ = 1 a policy that never ends an episode has no finite value); the message
    names max_sweeps' value. Raises ValueError for bad settings, as value_iteration does.
    """
    raise NotImplementedError(
        'actors.bellman.policy_evaluation is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.bellman'
    )


def policy_iteration(
    world: TabularWorld,
    gamma: float,
    tolerance: float = 1e-10,
    max_iterations: int = 1_000,
    on_iteration: Callable[[int, list[float], list[int | None]], None] | None = None,
) -> PolicyIterationResult:
    """Evaluate, improve, repeat until the policy is stable.

    Start with the first action everywhere. Each iteration: values = V^π (policy_evaluation
    with the same gamma and tolerance); then for every non-terminal state switch to the
    greedy action of `action_values`, but keep the current action unless the best beats it
    by more than 1e-9 (a tie, within 1e-9, keeps the current action): without that rule, two
    equally good actions can swap forever on rounding noise (Sutton & Barto, exercise 4.4).
    Call on_iteration(iteration, values, policy) after each improvement, with the improved
    policy (iteration counts from 1). Stop after the first iteration that changed no action,
    and return that policy's values with their greedy policy (ties to the lowest action, as
    in value iteration); `iterations` counts every iteration run, the stable one included, and
    `evaluation_sweeps` adds up the sweeps of all the policy evaluations.

    Raises RuntimeError if iteration number max_iterations still changed an action; the
    message names max_iterations' value. Raises ValueError for bad settings, as
    value_iteration does (max_iterations in place of max_sweeps).
    """
    raise NotImplementedError(
        'actors.bellman.policy_iteration is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.bellman'
    )
