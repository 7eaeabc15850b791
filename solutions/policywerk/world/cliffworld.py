"""The cliff of lesson 04: Sutton & Barto's 4×12 cliff walk (Example 6.6).

    col:  0   1   2   3   4   5   6   7   8   9  10  11
    row 0 .   .   .   .   .   .   .   .   .   .   .   .
    row 1 .   .   .   .   .   .   .   .   .   .   .   .
    row 2 .   .   .   .   .   .   .   .   .   .   .   .
    row 3 S   C   C   C   C   C   C   C   C   C   C   G

    S start (36)   G goal (47): the episode ends there   C the cliff (37 … 46)

Every step costs −1. Stepping into the cliff costs −100 and puts the agent back on the start;
the episode goes on (the cliff is not terminal). A move off the grid leaves the agent where it
is, still at −1. The shortest route runs along the cliff edge, 13 steps (return −13); the
safe route along the top row takes 17 (return −17).

States are the cells numbered row-major (state = 12·row + col, so the start is 36 and the goal
47); the cliff cells are never states, since no agent stands on them. Actions are 0 = up,
1 = right, 2 = down, 3 = left.

The model matches Gymnasium's CliffWalking: for every state but the goal, `transitions` equals
Gymnasium's table `P[state][action]` of CliffWalking-v0, and of CliffWalking-v1 with its default
`is_slippery=False` (v1 only added that slippery option, where each move goes sideways with
probability 2/3; v0 and v1 register no time limit). Two conventions of this package differ
from Gymnasium's table, and neither is reachable in an episode: the goal here is absorbing
(reward 0, as planners expect) where Gymnasium's table moves on from it, and the cliff cells
have no rows here where Gymnasium's has some. Rewards are floats (−1.0, −100.0) where
Gymnasium's are integers, which compare equal. (Before Gymnasium, some popular versions ended
the episode at the cliff; Sutton & Barto and Gymnasium do not.)

Episodes are cut off (truncated) after `max_steps` steps, 10,000 by default: the textbook has
no limit, and a learner's first episodes, which wander, stay far below it.

Reference: R. S. Sutton & A. G. Barto, Reinforcement Learning: An Introduction (2nd ed.,
2018), Example 6.6 "Cliff Walking".
"""

from __future__ import annotations

from policywerk.building_blocks.mdp import Discrete, TabularWorld
from policywerk.primitives.random import Rng

ROWS, COLS = 4, 12
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
MOVES = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}
ACTION_NAMES = ("up", "right", "down", "left")


# given
def cell_state(row: int, col: int) -> int:
    """The state number of a cell: 12·row + col."""
    return row * COLS + col


START = cell_state(3, 0)
GOAL = cell_state(3, 11)
CLIFF = frozenset(cell_state(3, col) for col in range(1, 11))
STEP_REWARD, CLIFF_REWARD = -1.0, -100.0

# What render() draws in each cell.
FLOOR, CLIFF_MARK, GOAL_MARK, AGENT_MARK = 0.0, 0.5, 0.75, 1.0


class CliffWorld(TabularWorld):
    """The 4×12 cliff above, with Gymnasium's reset/step and its known model.

    >>> world = CliffWorld()
    >>> world.reset(seed=0)
    (36, {})
    >>> world.step(RIGHT)  # into the cliff: −100 and back to the start, the episode goes on
    Step(observation=36, reward=-100.0, terminated=False, truncated=False, info={})
    """

    # given
    def __init__(self, max_steps: int = 10_000):
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
            raise ValueError(f"CliffWorld: max_steps must be an integer >= 1, got {max_steps!r}")
        self.max_steps = max_steps
        self.n_states = ROWS * COLS
        self.states = [s for s in range(self.n_states) if s not in CLIFF]
        self.actions = [UP, RIGHT, DOWN, LEFT]
        self.action_space = Discrete(4)
        self.observation_space = Discrete(self.n_states)
        self.start_state = START
        self.terminal_states = frozenset({GOAL})

    def transitions(self, state: int, action: int) -> list[tuple[float, int, float, bool]]:
        """The outcomes of `action` in `state`: [(probability, next_state, reward, terminated)].

        The cliff is deterministic, so there is exactly one outcome, with probability 1.0:
        move one cell in the action's direction unless that leaves the grid (then stay).
        Landing in the cliff pays −100 and puts the agent on the start, not terminated (the
        episode goes on); landing on the goal pays −1 and terminates; any other landing pays
        −1. The goal is absorbing: it stays put with reward 0 and terminated True (a planner
        gives it value 0 and never backs up from it).

        Raises ValueError naming the state for a state that is not in `states` (a cliff cell, a
        number outside the grid), and naming the action for an action not in `actions`.

        >>> world = CliffWorld()
        >>> world.transitions(cell_state(2, 11), DOWN)  # onto the goal
        [(1.0, 47, -1.0, True)]
        >>> world.transitions(cell_state(2, 5), DOWN)  # over the edge: back to the start
        [(1.0, 36, -100.0, False)]
        >>> world.transitions(START, LEFT)  # off the grid: stay
        [(1.0, 36, -1.0, False)]
        """
        if state not in self.states:
            raise ValueError(f"CliffWorld.transitions: state must be one of {self.states}, got {state!r}")
        if not self.action_space.contains(action):
            raise ValueError(f"CliffWorld.transitions: action must be in {self.action_space}, got {action!r}")
        if state == GOAL:
            return [(1.0, state, 0.0, True)]
        row, col = divmod(state, COLS)
        d_row, d_col = MOVES[action]
        next_row, next_col = row + d_row, col + d_col
        if not (0 <= next_row < ROWS and 0 <= next_col < COLS):
            next_row, next_col = row, col
        next_state = cell_state(next_row, next_col)
        if next_state in CLIFF:
            return [(1.0, START, CLIFF_REWARD, False)]
        return [(1.0, next_state, STEP_REWARD, next_state == GOAL)]

    # given
    def render(self) -> list[list[float]]:
        """The grid as 4 rows of 12 numbers: floor 0.0, cliff 0.5, goal 0.75, and the agent's
        cell 1.0 (drawn over whatever is there).

        >>> world = CliffWorld(); _ = world.reset(seed=0)
        >>> world.render()[3][:3], world.render()[3][11]
        ([1.0, 0.5, 0.5], 0.75)
        """
        marks = dict.fromkeys(CLIFF, CLIFF_MARK)
        marks[GOAL] = GOAL_MARK
        grid = [[marks.get(cell_state(r, c), FLOOR) for c in range(COLS)] for r in range(ROWS)]
        agent = getattr(self, "state", None)
        if agent is not None:
            row, col = divmod(agent, COLS)
            grid[row][col] = AGENT_MARK
        return grid


def reference_policy(state: int) -> int:
    """The scripted optimum: from the start go up, then right along the cliff edge, then down.

    From the start that is up, right ×11, down: 13 steps, a return of −13, the shortest route
    (Sutton & Barto's "optimal path"). The rule works from every state: in the last column go
    down, above row 2 go down toward the edge row, in row 2 go right, and on the start go up.
    Every move shortens the distance to the goal by one without touching the cliff, so the
    route is shortest, hence optimal, from anywhere.

    >>> [ACTION_NAMES[reference_policy(s)] for s in (START, cell_state(2, 0), cell_state(2, 11), cell_state(0, 4))]
    ['up', 'right', 'down', 'down']
    """
    row, col = divmod(state, COLS)
    if row == ROWS - 1:
        return UP
    if col == COLS - 1 or row < ROWS - 2:
        return DOWN
    return RIGHT


# given
def random_policy(rng: Rng):
    """A policy that picks one of the four actions uniformly (one draw per step)."""
    return lambda state: rng.integers(0, 4)
