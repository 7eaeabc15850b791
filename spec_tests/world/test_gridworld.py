"""Specs for world.gridworld: the 5×5 grid's model, its reset/step episodes, and the scripted policy.

The map, as the module draws it (states numbered row-major, state = 5·row + col):

    col:  0   1   2   3   4
    row 0 .   .   .   .   G      G goal  = 4:  +1, terminal
    row 1 .   #   .   P   .      P pit   = 8:  −1, terminal
    row 2 .   .   .   .   .      # wall  = 6:  not a state; moving into it stays put
    row 3 .   .   .   .   .      S start = 20
    row 4 S   .   .   .   .      every other step: −0.04 (also a bump into the edge or wall)

Actions: 0 = up, 1 = right, 2 = down, 3 = left. The specs read this drawing, not the module's
constants, so a learner's model is checked against the map itself.
"""

from collections import deque

import pytest

from policywerk.primitives.random import Rng
from policywerk.world import gridworld
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

MAP = (
    "....G",
    ".#.P.",
    ".....",
    ".....",
    "S....",
)
GOAL, PIT, WALL, START = 4, 8, 6, 20
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
STEP_COST = -0.04
MOVES = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}
STATES = [s for s in range(25) if s != WALL]
NON_TERMINAL = [s for s in STATES if s not in (GOAL, PIT)]

# Shortest number of steps to the goal from each cell, counted by hand on the map (the pit and
# the wall are not crossed): e.g. the start goes 4 up and 4 right, 8 steps; (2, 1) goes right,
# up, up, right, right (5); (2, 3) goes right, up, up (3).
HAND_DISTANCES = (
    (4, 3, 2, 1, 0),
    (5, None, 3, None, 1),
    (6, 5, 4, 3, 2),
    (7, 6, 5, 4, 3),
    (8, 7, 6, 5, 4),
)


def cell(row, col):
    return 5 * row + col


def expected_outcome(state, action):
    """The single outcome the drawing implies, worked out from MAP (not from the module)."""
    row, col = divmod(state, 5)
    d_row, d_col = MOVES[action]
    row2, col2 = row + d_row, col + d_col
    if not (0 <= row2 < 5 and 0 <= col2 < 5) or MAP[row2][col2] == "#":
        row2, col2 = row, col  # bump: stay put
    mark = MAP[row2][col2]
    if mark == "G":
        return (1.0, cell(row2, col2), 1.0, True)
    if mark == "P":
        return (1.0, cell(row2, col2), -1.0, True)
    return (1.0, cell(row2, col2), STEP_COST, False)


def shortest_distances(world):
    """Breadth-first search backward from the goal over world.transitions: steps to the goal
    (a check of the learner's model; the reference_policy specs use HAND_DISTANCES instead)."""
    predecessors = {s: [] for s in STATES}
    for state in NON_TERMINAL:
        for action in (UP, RIGHT, DOWN, LEFT):
            for _, next_state, _, _ in world.transitions(state, action):
                predecessors[next_state].append(state)
    distance, queue = {GOAL: 0}, deque([GOAL])
    while queue:
        state = queue.popleft()
        for before in predecessors[state]:
            if before not in distance:
                distance[before] = distance[state] + 1
                queue.append(before)
    return distance


def run_episode(world, policy, start):
    """Start an episode in `start` (through the world's start_state) and follow `policy` to its end."""
    world.start_state = start
    observation, _ = world.reset(seed=0)
    steps = []
    while True:
        step = world.step(policy(observation))
        observation = step.observation
        steps.append(step)
        if step.terminated or step.truncated:
            return steps


# --- the layout (given code) ---------------------------------------------------------------------


def test_states_are_the_cells_row_major_without_the_wall():
    world = gridworld.GridWorld()
    assert world.n_states == 25
    assert world.states == STATES  # 24 states: every cell but the wall (6)
    assert world.actions == [UP, RIGHT, DOWN, LEFT]
    assert (world.start_state, world.terminal_states) == (START, frozenset({GOAL, PIT}))
    assert [gridworld.cell_state(r, c) for r, c in ((0, 4), (1, 3), (1, 1), (4, 0))] == [GOAL, PIT, WALL, START]


@pytest.mark.parametrize("max_steps", [0, -5, 2.5, "10"])
def test_gridworld_rejects_a_time_limit_that_is_not_a_positive_integer(max_steps):
    with pytest.raises(ValueError, match="max_steps"):
        gridworld.GridWorld(max_steps=max_steps)


def test_render_draws_floor_wall_pit_goal_and_the_agent():
    world = gridworld.GridWorld()
    before = world.render()  # no agent before the first reset
    assert before[1][1:4] == [0.25, 0.0, 0.5] and before[0][4] == 0.75 and before[4][0] == 0.0
    world.reset(seed=0)
    grid = world.render()
    assert grid[4][0] == 1.0  # the agent on the start cell
    assert (grid[1][1], grid[1][3], grid[0][4]) == (0.25, 0.5, 0.75)
    assert sum(value == 0.0 for row in grid for value in row) == 21  # 25 − wall − pit − goal − agent


def test_random_policy_draws_each_action_uniformly_from_the_rng():
    policy, replay = gridworld.random_policy(Rng(5)), Rng(5)
    actions = [policy(START) for _ in range(200)]
    assert actions == [replay.integers(0, 4) for _ in range(200)]
    assert set(actions) == {UP, RIGHT, DOWN, LEFT}


@pytest.mark.parametrize("action", [4, -1, 1.5, True])
def test_step_rejects_an_action_outside_the_space_naming_the_space_and_the_action(action):
    world = gridworld.GridWorld()
    world.reset(seed=0)
    with pytest.raises(ValueError) as error:
        world.step(action)
    assert_names(error, repr(action), "Discrete(n=4)")  # World.step (given) names both


# --- GridWorld.transitions -----------------------------------------------------------------------


@exercise("world.gridworld.GridWorld.transitions")
def test_transitions_follow_the_drawn_map_for_every_state_and_action():
    world = gridworld.GridWorld()
    for state in NON_TERMINAL:
        for action in (UP, RIGHT, DOWN, LEFT):
            assert world.transitions(state, action) == [expected_outcome(state, action)], (state, action)


@exercise("world.gridworld.GridWorld.transitions")
def test_transitions_into_the_goal_pay_plus_one_and_into_the_pit_minus_one_and_both_terminate():
    world = gridworld.GridWorld()
    assert world.transitions(cell(0, 3), RIGHT) == [(1.0, GOAL, 1.0, True)]
    assert world.transitions(cell(1, 4), UP) == [(1.0, GOAL, 1.0, True)]
    assert world.transitions(cell(1, 2), RIGHT) == [(1.0, PIT, -1.0, True)]
    assert world.transitions(cell(0, 3), DOWN) == [(1.0, PIT, -1.0, True)]
    assert world.transitions(cell(2, 3), UP) == [(1.0, PIT, -1.0, True)]


@exercise("world.gridworld.GridWorld.transitions")
def test_transitions_into_the_edge_or_the_wall_stay_in_place_and_cost_a_step():
    world = gridworld.GridWorld()
    assert world.transitions(START, LEFT) == [(1.0, START, STEP_COST, False)]  # the left edge
    assert world.transitions(START, DOWN) == [(1.0, START, STEP_COST, False)]  # the bottom edge
    assert world.transitions(cell(0, 0), UP) == [(1.0, cell(0, 0), STEP_COST, False)]  # the top edge
    assert world.transitions(cell(2, 4), RIGHT) == [(1.0, cell(2, 4), STEP_COST, False)]  # the right edge
    assert world.transitions(cell(2, 1), UP) == [(1.0, cell(2, 1), STEP_COST, False)]  # the wall from below
    assert world.transitions(cell(1, 0), RIGHT) == [(1.0, cell(1, 0), STEP_COST, False)]  # ... from the left
    assert world.transitions(cell(1, 2), LEFT) == [(1.0, cell(1, 2), STEP_COST, False)]  # ... from the right
    assert world.transitions(cell(0, 1), DOWN) == [(1.0, cell(0, 1), STEP_COST, False)]  # ... from above


@exercise("world.gridworld.GridWorld.transitions")
def test_transitions_of_an_open_move_go_one_cell_at_minus_0_04():
    world = gridworld.GridWorld()
    assert world.transitions(START, UP) == [(1.0, cell(3, 0), STEP_COST, False)]
    assert world.transitions(START, RIGHT) == [(1.0, cell(4, 1), STEP_COST, False)]
    assert world.transitions(cell(2, 2), DOWN) == [(1.0, cell(3, 2), STEP_COST, False)]
    assert world.transitions(cell(2, 2), LEFT) == [(1.0, cell(2, 1), STEP_COST, False)]


@exercise("world.gridworld.GridWorld.transitions")
def test_terminal_states_are_absorbing_with_reward_zero():
    world = gridworld.GridWorld()
    for terminal in (GOAL, PIT):
        for action in (UP, RIGHT, DOWN, LEFT):
            assert world.transitions(terminal, action) == [(1.0, terminal, 0.0, True)]


@exercise("world.gridworld.GridWorld.transitions")
def test_shortest_paths_over_the_transitions_match_the_distances_counted_on_the_map():
    distance = shortest_distances(gridworld.GridWorld())
    for state in STATES:
        if state != PIT:
            assert distance[state] == HAND_DISTANCES[state // 5][state % 5], state
    assert PIT not in distance  # nothing leads from the pit to the goal


@pytest.mark.parametrize(
    "state",
    [pytest.param(s, marks=exercise("world.gridworld.GridWorld.transitions"), id=f"state={s}") for s in (WALL, 25, -1)],
)
def test_transitions_reject_a_number_that_is_not_a_state(state):
    with pytest.raises(ValueError) as error:
        gridworld.GridWorld().transitions(state, UP)
    assert_names(error, state)


@pytest.mark.parametrize(
    "action",
    [
        # True is not among them: True == 1 is in `actions`, so the docstring does not refuse it
        pytest.param(a, marks=exercise("world.gridworld.GridWorld.transitions"), id=f"action={a!r}")
        for a in (4, -1, 1.5)
    ],
)
def test_transitions_reject_an_action_outside_the_actions_naming_it(action):
    with pytest.raises(ValueError) as error:
        gridworld.GridWorld().transitions(START, action)
    assert_names(error, action)


@exercise("world.gridworld.GridWorld.transitions")
def test_reset_and_step_follow_the_world_api():
    world = gridworld.GridWorld()
    assert world.reset(seed=0) == (START, {})
    step = world.step(UP)
    assert (step.observation, step.reward, step.terminated, step.truncated) == (cell(3, 0), STEP_COST, False, False)
    assert step.info == {}
    assert tuple(world.step(LEFT)) == (cell(3, 0), STEP_COST, False, False, {})  # a bump: same state


@exercise("world.gridworld.GridWorld.transitions")
def test_an_episode_is_truncated_after_max_steps_not_terminated():
    world = gridworld.GridWorld(max_steps=3)
    world.reset(seed=0)
    steps = [world.step(LEFT) for _ in range(3)]  # bump the left edge three times
    assert [(s.observation, s.terminated, s.truncated) for s in steps] == [
        (START, False, False),
        (START, False, False),
        (START, False, True),
    ]
    with pytest.raises(RuntimeError):
        world.step(UP)


@exercise("world.gridworld.GridWorld.transitions")
def test_the_default_time_limit_is_100_steps():
    world = gridworld.GridWorld()
    world.reset(seed=0)
    truncated = [world.step(DOWN).truncated for _ in range(100)]  # bump the bottom edge
    assert truncated == [False] * 99 + [True]


@exercise("world.gridworld.GridWorld.transitions")
def test_step_after_reaching_the_goal_raises_until_reset():
    world = gridworld.GridWorld()
    world.reset(seed=0)
    steps = [world.step(action) for action in [UP] * 4 + [RIGHT] * 4]  # up the left side, along the top
    assert [s.reward for s in steps] == [STEP_COST] * 7 + [1.0]
    assert (steps[-1].observation, steps[-1].terminated, steps[-1].truncated) == (GOAL, True, False)
    with pytest.raises(RuntimeError):
        world.step(LEFT)
    assert world.reset() == (START, {})
    assert world.step(RIGHT).observation == cell(4, 1)


# --- reference_policy ----------------------------------------------------------------------------


@exercise("world.gridworld.reference_policy")
def test_reference_policy_goes_up_onto_open_floor_and_otherwise_right():
    # Up when the cell above is floor; right in the top row, under the wall and under the pit.
    expected = {
        START: UP,
        cell(3, 3): UP,
        cell(2, 4): UP,
        cell(1, 4): UP,
        cell(1, 0): UP,
        cell(0, 0): RIGHT,
        cell(0, 3): RIGHT,
        cell(2, 1): RIGHT,  # the wall is above
        cell(2, 3): RIGHT,  # the pit is above
    }
    assert {s: gridworld.reference_policy(s) for s in expected} == expected


@exercise("world.gridworld.reference_policy")
def test_reference_policy_reaches_the_goal_from_the_start_in_8_steps_with_return_0_72():
    # 4 up, 4 right: seven steps at −0.04 then +1, an undiscounted return of 1 − 7·0.04 = 0.72.
    steps = run_episode(gridworld.GridWorld(), gridworld.reference_policy, START)
    assert len(steps) == 8
    assert (steps[-1].observation, steps[-1].terminated) == (GOAL, True)
    assert sum(s.reward for s in steps) == pytest.approx(0.72, abs=1e-12)


@exercise("world.gridworld.reference_policy")
def test_reference_policy_takes_a_shortest_path_from_every_non_terminal_state():
    world = gridworld.GridWorld()
    for state in NON_TERMINAL:
        steps = run_episode(world, gridworld.reference_policy, state)
        distance = HAND_DISTANCES[state // 5][state % 5]  # counted on the map
        assert (len(steps), steps[-1].observation) == (distance, GOAL), state
        assert all(s.reward == STEP_COST for s in steps[:-1]), state  # never the pit on the way
