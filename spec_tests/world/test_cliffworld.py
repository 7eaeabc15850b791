"""Specs for world.cliffworld: Sutton & Barto's cliff (Example 6.6), its model, its episodes and
the scripted optimal route.

The map, as the module draws it (states numbered row-major, state = 12·row + col):

    col:  0   1   2   3   4   5   6   7   8   9  10  11
    row 0 .   .   .   .   .   .   .   .   .   .   .   .
    row 1 .   .   .   .   .   .   .   .   .   .   .   .
    row 2 .   .   .   .   .   .   .   .   .   .   .   .
    row 3 S   C   C   C   C   C   C   C   C   C   C   G

S start = 36, G goal = 47 (terminal), C cliff = 37 … 46 (not states). Every step −1; a step
into the cliff −100 and back to the start, the episode going on; a bump into the edge stays put.
Actions: 0 = up, 1 = right, 2 = down, 3 = left, as in Gymnasium's CliffWalking. The specs read
this drawing, not the module's constants, so a learner's model is checked against the map.
"""

from collections import deque

import pytest

from policywerk.building_blocks.mdp import rollout
from policywerk.primitives.random import Rng
from policywerk.world import cliffworld
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

MAP = (
    "............",
    "............",
    "............",
    "SCCCCCCCCCCG",
)
START, GOAL = 36, 47
CLIFF = list(range(37, 47))
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
MOVES = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}
STATES = [s for s in range(48) if s not in CLIFF]  # 38: the top three rows, the start, the goal
NON_TERMINAL = [s for s in STATES if s != GOAL]
EDGE = [24 + col for col in range(1, 11)]  # row 2 above the cliff


def cell(row, col):
    return 12 * row + col


def gymnasium_outcome(state, action):
    """Gymnasium's CliffWalking table entry P[state][action], by its rule (v0, and v1 with
    is_slippery=False): clamp the move to the grid; a cliff cell sends the agent to the start
    with −100, not terminated; otherwise −1, terminated exactly on the goal."""
    row, col = divmod(state, 12)
    d_row, d_col = MOVES[action]
    row2, col2 = min(max(row + d_row, 0), 3), min(max(col + d_col, 0), 11)
    if MAP[row2][col2] == "C":
        return (1.0, START, -100.0, False)
    return (1.0, cell(row2, col2), -1.0, MAP[row2][col2] == "G")


def shortest_distances(world):
    """Breadth-first search backward from the goal over world.transitions: steps to the goal."""
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


def test_states_are_the_cells_row_major_without_the_cliff():
    world = cliffworld.CliffWorld()
    assert world.n_states == 48
    assert world.states == STATES
    assert world.actions == [UP, RIGHT, DOWN, LEFT]
    assert (world.start_state, world.terminal_states) == (START, frozenset({GOAL}))
    assert (cliffworld.START, cliffworld.GOAL, sorted(cliffworld.CLIFF)) == (START, GOAL, CLIFF)
    assert [cliffworld.cell_state(r, c) for r, c in ((3, 0), (3, 11), (2, 5))] == [START, GOAL, 29]


@pytest.mark.parametrize("max_steps", [0, -5, 2.5, "10", True])
def test_cliffworld_rejects_a_time_limit_that_is_not_a_positive_integer(max_steps):
    with pytest.raises(ValueError, match="max_steps"):
        cliffworld.CliffWorld(max_steps=max_steps)


def test_render_draws_floor_cliff_goal_and_the_agent():
    world = cliffworld.CliffWorld()
    before = world.render()  # no agent before the first reset
    assert before[3] == [0.0] + [0.5] * 10 + [0.75] and before[0] == [0.0] * 12
    world.reset(seed=0)
    grid = world.render()
    assert grid[3][0] == 1.0  # the agent on the start cell
    assert sum(value == 0.0 for row in grid for value in row) == 36


def test_random_policy_draws_each_action_uniformly_from_the_rng():
    policy, replay = cliffworld.random_policy(Rng(5)), Rng(5)
    actions = [policy(START) for _ in range(200)]
    assert actions == [replay.integers(0, 4) for _ in range(200)]
    assert set(actions) == {UP, RIGHT, DOWN, LEFT}


# --- CliffWorld.transitions ----------------------------------------------------------------------


@exercise("world.cliffworld.CliffWorld.transitions")
def test_transitions_equal_gymnasiums_cliffwalking_table_for_every_state_and_action():
    world = cliffworld.CliffWorld()
    for state in NON_TERMINAL:
        for action in (UP, RIGHT, DOWN, LEFT):
            assert world.transitions(state, action) == [gymnasium_outcome(state, action)], (state, action)


@exercise("world.cliffworld.CliffWorld.transitions")
def test_every_step_into_the_cliff_costs_100_and_returns_to_the_start_without_ending():
    world = cliffworld.CliffWorld()
    assert world.transitions(START, RIGHT) == [(1.0, START, -100.0, False)]
    for col in range(1, 11):  # from the edge row, down is over the edge
        assert world.transitions(cell(2, col), DOWN) == [(1.0, START, -100.0, False)], col


@exercise("world.cliffworld.CliffWorld.transitions")
def test_transitions_onto_the_goal_cost_one_and_terminate():
    world = cliffworld.CliffWorld()
    assert world.transitions(cell(2, 11), DOWN) == [(1.0, GOAL, -1.0, True)]
    assert world.transitions(cell(1, 11), DOWN) == [(1.0, cell(2, 11), -1.0, False)]


@exercise("world.cliffworld.CliffWorld.transitions")
def test_transitions_into_the_edge_of_the_grid_stay_in_place_and_cost_one():
    world = cliffworld.CliffWorld()
    assert world.transitions(START, LEFT) == [(1.0, START, -1.0, False)]
    assert world.transitions(START, DOWN) == [(1.0, START, -1.0, False)]
    assert world.transitions(cell(0, 5), UP) == [(1.0, cell(0, 5), -1.0, False)]
    assert world.transitions(cell(1, 11), RIGHT) == [(1.0, cell(1, 11), -1.0, False)]
    assert world.transitions(cell(2, 0), LEFT) == [(1.0, cell(2, 0), -1.0, False)]


@exercise("world.cliffworld.CliffWorld.transitions")
def test_transitions_of_an_open_move_go_one_cell_at_minus_one():
    world = cliffworld.CliffWorld()
    assert world.transitions(START, UP) == [(1.0, cell(2, 0), -1.0, False)]
    assert world.transitions(cell(2, 0), DOWN) == [(1.0, START, -1.0, False)]  # back onto the start: no cliff
    assert world.transitions(cell(1, 4), RIGHT) == [(1.0, cell(1, 5), -1.0, False)]
    assert world.transitions(cell(1, 4), LEFT) == [(1.0, cell(1, 3), -1.0, False)]
    assert world.transitions(cell(2, 7), UP) == [(1.0, cell(1, 7), -1.0, False)]


@exercise("world.cliffworld.CliffWorld.transitions")
def test_the_goal_is_absorbing_with_reward_zero():
    world = cliffworld.CliffWorld()
    for action in (UP, RIGHT, DOWN, LEFT):
        assert world.transitions(GOAL, action) == [(1.0, GOAL, 0.0, True)]


@exercise("world.cliffworld.CliffWorld.transitions")
def test_shortest_paths_over_the_transitions_are_the_manhattan_routes_around_the_cliff():
    # From (r, c) above the cliff: down to row 2, right to column 11, down onto the goal:
    # (2 − r) + (11 − c) + 1 steps. The start goes up first: 1 + 11 + 1 = 13.
    distance = shortest_distances(cliffworld.CliffWorld())
    assert distance[START] == 13
    for row in range(3):
        for col in range(12):
            assert distance[cell(row, col)] == (2 - row) + (11 - col) + 1, (row, col)


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(s, marks=exercise("world.cliffworld.CliffWorld.transitions"), id=f"state={s}")
        for s in (37, 46, 48, -1)
    ],
)
def test_transitions_reject_a_number_that_is_not_a_state(state):
    with pytest.raises(ValueError) as error:
        cliffworld.CliffWorld().transitions(state, UP)
    assert_names(error, state)


@pytest.mark.parametrize(
    "action",
    [
        # True is not among them: True == 1 is in `actions`, so the docstring does not refuse it
        pytest.param(a, marks=exercise("world.cliffworld.CliffWorld.transitions"), id=f"action={a!r}")
        for a in (4, -1, 1.5)
    ],
)
def test_transitions_reject_an_action_outside_the_actions_naming_it(action):
    with pytest.raises(ValueError) as error:
        cliffworld.CliffWorld().transitions(START, action)
    assert_names(error, action)


@exercise("world.cliffworld.CliffWorld.transitions")
def test_reset_and_step_follow_the_world_api_and_the_cliff_does_not_end_the_episode():
    world = cliffworld.CliffWorld()
    assert world.reset(seed=0) == (START, {})
    assert tuple(world.step(RIGHT)) == (START, -100.0, False, False, {})  # fell, back on the start
    assert tuple(world.step(UP)) == (cell(2, 0), -1.0, False, False, {})
    assert tuple(world.step(RIGHT)) == (cell(2, 1), -1.0, False, False, {})
    assert tuple(world.step(DOWN)) == (START, -100.0, False, False, {})  # fell again: still going


@exercise("world.cliffworld.CliffWorld.transitions")
def test_an_episode_is_truncated_after_max_steps_not_terminated():
    world = cliffworld.CliffWorld(max_steps=3)
    world.reset(seed=0)
    steps = [world.step(RIGHT) for _ in range(3)]  # three falls
    assert [(s.observation, s.reward, s.terminated, s.truncated) for s in steps] == [
        (START, -100.0, False, False),
        (START, -100.0, False, False),
        (START, -100.0, False, True),
    ]
    with pytest.raises(RuntimeError):
        world.step(UP)


@exercise("world.cliffworld.CliffWorld.transitions")
def test_the_default_time_limit_is_a_generous_10000_steps():
    world = cliffworld.CliffWorld()
    world.reset(seed=0)
    truncated = [world.step(LEFT).truncated for _ in range(10_000)]  # bump the left edge
    assert truncated.index(True) == 9_999 and sum(truncated) == 1


@exercise("world.cliffworld.CliffWorld.transitions")
def test_the_optimal_route_ends_on_the_goal_and_a_further_step_raises_until_reset():
    world = cliffworld.CliffWorld()
    world.reset(seed=0)
    steps = [world.step(action) for action in [UP] + [RIGHT] * 11 + [DOWN]]
    assert [s.reward for s in steps] == [-1.0] * 13
    assert (steps[-1].observation, steps[-1].terminated, steps[-1].truncated) == (GOAL, True, False)
    with pytest.raises(RuntimeError):
        world.step(LEFT)
    assert world.reset() == (START, {})


# --- reference_policy ----------------------------------------------------------------------------


@exercise("world.cliffworld.reference_policy")
def test_reference_policy_from_the_start_is_up_right_eleven_times_down_with_return_minus_13():
    # Sutton & Barto's "optimal path" along the cliff edge: 13 steps at −1.
    episode = rollout(cliffworld.CliffWorld(), cliffworld.reference_policy, seed=0)
    assert [t.action for t in episode.transitions] == [UP] + [RIGHT] * 11 + [DOWN]
    assert [t.next_observation for t in episode.transitions][:2] == [cell(2, 0), cell(2, 1)]
    assert (episode.total_reward, episode.transitions[-1].terminated) == (-13.0, True)


@exercise("world.cliffworld.reference_policy")
def test_reference_policy_goes_down_above_the_edge_row_and_in_the_last_column():
    expected = {cell(0, 0): DOWN, cell(1, 6): DOWN, cell(0, 11): DOWN, cell(2, 11): DOWN, cell(2, 3): RIGHT, START: UP}
    assert {s: cliffworld.reference_policy(s) for s in expected} == expected


@exercise("world.cliffworld.reference_policy")
def test_reference_policy_takes_a_shortest_path_from_every_state_and_never_falls():
    world = cliffworld.CliffWorld()
    for state in NON_TERMINAL:
        steps = run_episode(world, cliffworld.reference_policy, state)
        row, col = divmod(state, 12)
        # counted on the map: down to row 2, right to column 11, down onto the goal (the start
        # goes up first: 13 steps)
        distance = 13 if state == START else (2 - row) + (11 - col) + 1
        assert (len(steps), steps[-1].observation) == (distance, GOAL), state
        assert all(s.reward == -1.0 for s in steps), state
