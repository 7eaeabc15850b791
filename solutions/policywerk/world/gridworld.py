"""The gridworld of lesson 01: a 5×5 deterministic grid with a goal, a pit and a wall.

    col:  0   1   2   3   4
    row 0 .   .   .   .   G      G goal: +1, the episode ends
    row 1 .   #   .   P   .      P pit: −1, the episode ends
    row 2 .   .   .   .   .      # wall: cannot be entered
    row 3 .   .   .   .   .      S start
    row 4 S   .   .   .   .      every other step costs −0.04

States are the cells numbered row-major (state = 5·row + col, so the start is 20 and the goal
4); the wall's number, 6, is never a state. Actions are 0 = up, 1 = right, 2 = down, 3 = left,
as in Gymnasium's CliffWalking. A move into the wall or off the grid leaves the agent where it
is (and still costs −0.04). Episodes are cut off (truncated) after 100 steps.

The model is known: `transitions(state, action)` lists the outcomes a planner needs.
"""

from __future__ import annotations

from policywerk.building_blocks.mdp import Discrete, TabularWorld
from policywerk.primitives.random import Rng

ROWS, COLS = 5, 5
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
MOVES = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}
ACTION_NAMES = ("up", "right", "down", "left")


# given
def cell_state(row: int, col: int) -> int:
    """The state number of a cell: 5·row + col."""
    return row * COLS + col


GOAL = cell_state(0, 4)
PIT = cell_state(1, 3)
WALL = cell_state(1, 1)
START = cell_state(4, 0)
GOAL_REWARD, PIT_REWARD, STEP_REWARD = 1.0, -1.0, -0.04

# What render() draws in each cell.
FLOOR, WALL_MARK, PIT_MARK, GOAL_MARK, AGENT_MARK = 0.0, 0.25, 0.5, 0.75, 1.0


class GridWorld(TabularWorld):
    """The 5×5 grid above, with Gymnasium's reset/step and its known model.

    >>> world = GridWorld()
    >>> world.reset(seed=0)
    (20, {})
    >>> world.step(UP)
    Step(observation=15, reward=-0.04, terminated=False, truncated=False, info={})
    """

    # given
    def __init__(self, max_steps: int = 100):
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
            raise ValueError(f"GridWorld: max_steps must be an integer >= 1, got {max_steps!r}")
        self.max_steps = max_steps
        self.n_states = ROWS * COLS
        self.states = [s for s in range(self.n_states) if s != WALL]
        self.actions = [UP, RIGHT, DOWN, LEFT]
        self.action_space = Discrete(4)
        self.observation_space = Discrete(self.n_states)
        self.start_state = START
        self.terminal_states = frozenset({GOAL, PIT})

    def transitions(self, state: int, action: int) -> list[tuple[float, int, float, bool]]:
        """The outcomes of `action` in `state`: [(probability, next_state, reward, terminated)].

        The grid is deterministic, so there is exactly one outcome, with probability 1.0:
        move one cell in the action's direction unless that leaves the grid or enters the
        wall (then stay); reward +1 and terminated on reaching the goal, −1 and terminated on
        the pit, −0.04 otherwise. A terminal state is absorbing: it stays put with reward 0
        and terminated True (a planner gives it value 0 and never backs up from it).

        Raises ValueError naming the state for a state that is not in `states`, and naming the
        action for an action not in `actions`.

        >>> GridWorld().transitions(cell_state(0, 3), RIGHT)  # next to the goal
        [(1.0, 4, 1.0, True)]
        >>> GridWorld().transitions(cell_state(2, 1), UP)  # into the wall: stay
        [(1.0, 11, -0.04, False)]
        """
        if state not in self.states:
            raise ValueError(f"GridWorld.transitions: state must be one of {self.states}, got {state!r}")
        if not self.action_space.contains(action):
            raise ValueError(f"GridWorld.transitions: action must be in {self.action_space}, got {action!r}")
        if state in self.terminal_states:
            return [(1.0, state, 0.0, True)]
        row, col = divmod(state, COLS)
        d_row, d_col = MOVES[action]
        next_row, next_col = row + d_row, col + d_col
        next_state = cell_state(next_row, next_col)
        if not (0 <= next_row < ROWS and 0 <= next_col < COLS) or next_state == WALL:
            next_state = state
        if next_state == GOAL:
            return [(1.0, next_state, GOAL_REWARD, True)]
        if next_state == PIT:
            return [(1.0, next_state, PIT_REWARD, True)]
        return [(1.0, next_state, STEP_REWARD, False)]

    # given
    def render(self) -> list[list[float]]:
        """The grid as 5 rows of 5 numbers: floor 0.0, wall 0.25, pit 0.5, goal 0.75, and the
        agent's cell 1.0 (drawn over whatever is there).

        >>> world = GridWorld(); _ = world.reset(seed=0)
        >>> world.render()[4][0], world.render()[1][1], world.render()[0][4]
        (1.0, 0.25, 0.75)
        """
        marks = {WALL: WALL_MARK, PIT: PIT_MARK, GOAL: GOAL_MARK}
        grid = [[marks.get(cell_state(r, c), FLOOR) for c in range(COLS)] for r in range(ROWS)]
        agent = getattr(self, "state", None)
        if agent is not None:
            row, col = divmod(agent, COLS)
            grid[row][col] = AGENT_MARK
        return grid


def reference_policy(state: int) -> int:
    """A scripted optimal policy: go up when the cell above is open floor, else right.

    Every move then shortens the distance to the goal in the top-right corner by one: up
    runs into the top row (or around the wall), right runs along it; the pit is passed on
    its right. Each step costs, so a shortest path is optimal for any γ < 1 here, and this
    one is shortest from every cell (8 steps from the start).

    >>> [reference_policy(s) for s in (START, cell_state(2, 3), cell_state(0, 0))]
    [0, 1, 1]
    """
    row, col = divmod(state, COLS)
    above = cell_state(row - 1, col)
    if row > 0 and above not in (WALL, PIT):
        return UP
    return RIGHT


# given
def random_policy(rng: Rng):
    """A policy that picks one of the four actions uniformly (one draw per step)."""
    return lambda state: rng.integers(0, 4)
