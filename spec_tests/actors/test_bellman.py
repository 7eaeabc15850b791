"""Specs for actors.bellman: one-step lookahead, greedy policies, value iteration, policy evaluation
and policy iteration, on the lesson's gridworld and on a small slippery chain defined here.

The gridworld (states row-major, state = 5·row + col; actions 0 up, 1 right, 2 down, 3 left):

    col:  0   1   2   3   4
    row 0 .   .   .   .   G      G goal = 4 (+1, terminal), P pit = 8 (−1, terminal)
    row 1 .   #   .   P   .      # wall = 6 (not a state), S start = 20
    row 2 .   .   .   .   .      every other step costs −0.04
    row 3 .   .   .   .   .
    row 4 S   .   .   .   .

The closed forms used throughout. The world is deterministic and every step costs, so the
optimal value of a state d steps from the goal (by a shortest path that avoids the pit) is the
return of that path: d − 1 steps at −0.04, then +1 with nothing after it,

    G(d) = −0.04·(1 + γ + … + γ^(d−2)) + γ^(d−1) = −0.04·(1 − γ^(d−1))/(1 − γ) + γ^(d−1).

For the start, d = 8 and γ = 0.9: γ^7 = 0.4782969, so
G(8) = −0.04·(1 − 0.4782969)/0.1 + 0.4782969 = −0.20868124 + 0.4782969 = 0.26961566;
with γ = 1 it is 1 − 7·0.04 = 0.72, the undiscounted return of the 8-step path.
"""

import math

import pytest

from policywerk.actors import bellman
from policywerk.building_blocks import mdp
from policywerk.primitives.random import Rng
from policywerk.world import gridworld
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

GAMMA = 0.9
STEP_COST = -0.04
GOAL, PIT, WALL, START = 4, 8, 6, 20
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3

# Steps to the goal by a shortest path, counted by hand on the map above (None: wall, pit).
DISTANCES = (
    (4, 3, 2, 1, 0),
    (5, None, 3, None, 1),
    (6, 5, 4, 3, 2),
    (7, 6, 5, 4, 3),
    (8, 7, 6, 5, 4),
)
DISTANCE = {5 * r + c: d for r, row in enumerate(DISTANCES) for c, d in enumerate(row) if d is not None}
NON_TERMINAL = sorted(s for s in DISTANCE if s != GOAL)

# The optimal policy with ties to the lowest action: up wherever up is on a shortest path
# (open floor above), otherwise right (the top row, under the wall, under the pit).
U, R, N = UP, RIGHT, None
OPTIMAL_POLICY = [
    R,
    R,
    R,
    R,
    N,
    U,
    N,
    U,
    N,
    U,
    U,
    R,
    U,
    R,
    U,
    U,
    U,
    U,
    U,
    U,
    U,
    U,
    U,
    U,
    U,
]


def cell(row, col):
    return 5 * row + col


def path_value(d, gamma):
    """G(d): d − 1 steps at −0.04, then +1 (the formula of the module docstring, as a sum)."""
    return STEP_COST * math.fsum(gamma**i for i in range(d - 1)) + gamma ** (d - 1)


def optimal_values(gamma):
    values = [0.0] * 25
    for state in NON_TERMINAL:
        values[state] = path_value(DISTANCE[state], gamma)
    return values


def bellman_right_side(world, values, state, gamma):
    """max_a Σ p·(r + γ·V(s')), with no γ·V(s') after a terminal outcome; written here, not
    taken from bellman.action_values."""
    return max(
        math.fsum(p * (r if done else r + gamma * values[s2]) for p, s2, r, done in world.transitions(state, a))
        for a in world.actions
    )


class SlipperyChain(mdp.TabularWorld):
    """Two states: 0 (the start) and 1 (terminal). Action 0, 'go', reaches 1 with probability
    0.8 for +1 and slips back to 0 with probability 0.2 for −0.5; action 1, 'wait', stays in 0
    for −0.1."""

    def __init__(self):
        self.n_states = 2
        self.states = [0, 1]
        self.actions = [0, 1]
        self.action_space = mdp.Discrete(2)
        self.observation_space = mdp.Discrete(2)
        self.start_state = 0
        self.terminal_states = frozenset({1})
        self.max_steps = 50

    def transitions(self, state, action):
        if state == 1:
            return [(1.0, 1, 0.0, True)]
        if action == 0:
            return [(0.8, 1, 1.0, True), (0.2, 0, -0.5, False)]
        return [(1.0, 0, -0.1, False)]


# Optimal chain value: going is best, V = 0.8·1 + 0.2·(−0.5 + γV), so V = 0.7/(1 − 0.2γ);
# with γ = 0.9 that is 0.7/0.82 = 0.853658…, and waiting instead would give −0.1 + 0.9·0.8537 ≈ 0.668.
CHAIN_VALUE = 0.7 / (1.0 - 0.2 * GAMMA)


def test_a_world_with_several_outcomes_samples_them_by_their_probabilities():
    # TabularWorld.step (given) draws one outcome of transitions() with the world's rng.
    world, successes = SlipperyChain(), 0
    for seed in range(200):
        world.reset(seed=seed)
        step = world.step(0)
        expected_index = Rng(seed).categorical([0.8, 0.2])
        expected = (1, 1.0, True, False) if expected_index == 0 else (0, -0.5, False, False)
        assert (step.observation, step.reward, step.terminated, step.truncated) == expected, seed
        successes += step.terminated
    assert 0.7 < successes / 200 < 0.9  # about 0.8 (standard error 0.03)


# --- action_values -------------------------------------------------------------------------------


@exercise("actors.bellman.action_values")
def test_action_values_next_to_the_goal_do_not_bootstrap_past_the_terminal_outcomes():
    world = gridworld.GridWorld()
    values = [0.0] * 25
    values[GOAL], values[PIT] = 100.0, -50.0  # terminal slots: must be ignored
    values[cell(0, 3)], values[cell(0, 2)] = 0.2, 0.5
    # From (0, 3): up bumps and stays: −0.04 + 0.9·0.2 = 0.14; right is the goal: +1 (not
    # 1 + 0.9·100); down is the pit: −1 (not −1 − 0.9·50); left: −0.04 + 0.9·0.5 = 0.41.
    q = bellman.action_values(world, values, cell(0, 3), GAMMA)
    assert q == pytest.approx([0.14, 1.0, -1.0, 0.41], abs=1e-12), (
        "the value of an outcome that ends the episode is its reward alone: these bootstrapped from the terminal state's value"
    )


@exercise("actors.bellman.action_values")
def test_action_values_next_to_the_pit_follow_each_move():
    world = gridworld.GridWorld()
    values = [0.0] * 25
    values[PIT] = 9.0  # ignored: the pit ends the episode
    values[cell(2, 4)], values[cell(3, 3)], values[cell(2, 2)] = 0.7, 0.3, 0.4
    # From (2, 3) with γ = 0.5: up is the pit −1; right −0.04 + 0.5·0.7 = 0.31;
    # down −0.04 + 0.5·0.3 = 0.11; left −0.04 + 0.5·0.4 = 0.16.
    q = bellman.action_values(world, values, cell(2, 3), 0.5)
    assert q == pytest.approx([-1.0, 0.31, 0.11, 0.16], abs=1e-12)


@exercise("actors.bellman.action_values")
def test_action_values_with_gamma_zero_are_the_immediate_rewards():
    world = gridworld.GridWorld()
    values = [float(s) for s in range(25)]  # anything: γ = 0 ignores them
    # From (1, 4): up the goal +1, right bumps −0.04, down −0.04, left the pit −1.
    assert bellman.action_values(world, values, cell(1, 4), 0.0) == pytest.approx(
        [1.0, -0.04, -0.04, -1.0], abs=1e-12
    ), "with γ = 0 an action is worth its immediate reward: only V(s') is discounted, never the reward r"


@exercise("actors.bellman.action_values")
def test_action_values_weight_each_outcome_by_its_probability():
    # go: 0.8·(+1) + 0.2·(−0.5 + 0.9·0.5) = 0.8 − 0.01 = 0.79 (the 7.0 in the terminal slot is
    # ignored); wait: −0.1 + 0.9·0.5 = 0.35.
    q = bellman.action_values(SlipperyChain(), [0.5, 7.0], 0, GAMMA)
    assert q == pytest.approx([0.79, 0.35], abs=1e-12), "each outcome counts with its probability: Σ p·(r + γ·V(s'))"


# --- greedy_policy -------------------------------------------------------------------------------


@exercise("actors.bellman.greedy_policy")
def test_greedy_policy_of_the_optimal_values_is_the_optimal_policy_with_none_at_terminals_and_the_wall():
    world = gridworld.GridWorld()
    assert bellman.greedy_policy(world, optimal_values(GAMMA), GAMMA) == OPTIMAL_POLICY, (
        "the greedy policy takes no action (None) at terminal states and the wall, and the best one elsewhere"
    )


@exercise("actors.bellman.greedy_policy")
def test_greedy_policy_breaks_ties_toward_the_lowest_action():
    # With V = 0 every move costs −0.04 except into the goal (+1) or the pit (−1): the ties go to
    # up (0), except at (0, 3), where right reaches the goal, and at (2, 3), where up is the pit
    # and right, down and left tie at −0.04, so right (1).
    world = gridworld.GridWorld()
    expected = [None if s in (GOAL, PIT, WALL) else UP for s in range(25)]
    expected[cell(0, 3)] = expected[cell(2, 3)] = RIGHT
    assert bellman.greedy_policy(world, [0.0] * 25, GAMMA) == expected


@exercise("actors.bellman.greedy_policy")
def test_greedy_policy_follows_the_values_in_every_direction():
    world = gridworld.GridWorld()
    values = [0.0] * 25
    values[cell(4, 2)], values[cell(3, 1)] = 3.0, 2.0
    policy = bellman.greedy_policy(world, values, GAMMA)
    # (3, 2): down to 3.0 beats left to 2.0; (4, 3): left to 3.0; (3, 0): right to 2.0.
    assert [policy[cell(3, 2)], policy[cell(4, 3)], policy[cell(3, 0)]] == [DOWN, LEFT, RIGHT]


@exercise("actors.bellman.greedy_policy")
def test_greedy_policy_weighs_the_probabilities_of_a_stochastic_world():
    world = SlipperyChain()
    # V = [0, 0]: go 0.8 − 0.1 = 0.7 beats wait −0.1. V = [10, 0]: go 0.7 + 0.18·10 = 2.5 loses to
    # wait −0.1 + 0.9·10 = 8.9.
    assert bellman.greedy_policy(world, [0.0, 0.0], GAMMA) == [0, None]
    assert bellman.greedy_policy(world, [10.0, 0.0], GAMMA) == [1, None]


# --- value_iteration -----------------------------------------------------------------------------


@exercise("actors.bellman.value_iteration")
def test_value_iteration_gives_the_start_the_value_of_its_8_step_path():
    result = bellman.value_iteration(gridworld.GridWorld(), GAMMA)
    assert result.values[START] == pytest.approx(0.26961566, abs=1e-8)  # G(8), module docstring
    for state in NON_TERMINAL:
        assert result.values[state] == pytest.approx(path_value(DISTANCE[state], GAMMA), abs=1e-12), state


@exercise("actors.bellman.value_iteration")
def test_value_iteration_reaches_a_fixed_point_of_the_bellman_optimality_equation():
    world = gridworld.GridWorld()
    result = bellman.value_iteration(world, GAMMA)
    assert result.converged
    for state in NON_TERMINAL:
        assert abs(result.values[state] - bellman_right_side(world, result.values, state, GAMMA)) <= 1e-9, state


@exercise("actors.bellman.value_iteration")
def test_value_iteration_gives_terminal_states_and_the_wall_value_zero_and_no_action():
    result = bellman.value_iteration(gridworld.GridWorld(), GAMMA)
    assert [result.values[s] for s in (GOAL, PIT, WALL)] == [0.0, 0.0, 0.0]
    assert result.policy == OPTIMAL_POLICY  # None at 4, 6 and 8, the optimal action elsewhere


@exercise("actors.bellman.value_iteration")
def test_value_iteration_sweeps_stay_within_the_contraction_bound():
    # Each sweep is a γ-contraction, so Δ_k <= γ^(k−1)·Δ₁, and Δ_k < tol once
    # k >= 1 + ceil(log(tol/Δ₁)/log γ).
    tolerance = 1e-6
    result = bellman.value_iteration(gridworld.GridWorld(), GAMMA, tolerance=tolerance)
    first = result.max_changes[0]
    assert first == pytest.approx(1.0)  # sweep 1: the goal's neighbours go from 0 to +1
    assert result.sweeps == len(result.max_changes)
    assert result.sweeps <= 1 + math.ceil(math.log(tolerance / first) / math.log(GAMMA))
    for k, change in enumerate(result.max_changes, start=1):
        assert change <= GAMMA ** (k - 1) * first + 1e-12, k
    assert all(later <= earlier for earlier, later in zip(result.max_changes, result.max_changes[1:]))
    assert result.max_changes[-1] < tolerance and result.converged


@exercise("actors.bellman.value_iteration")
def test_value_iteration_needs_one_sweep_per_step_of_the_longest_path_plus_one():
    # After sweep k the states within k steps of the goal hold their final value G(d), and the
    # others hold the k-step cost −0.04·(1 + … + γ^(k−1)). Sweep k changes a state k steps away by
    # G(k) − (−0.04·(1 + … + γ^(k−2))) = γ^(k−1), more than the others' 0.04·γ^(k−1), so
    # Δ_k = γ^(k−1) for k = 1…8 (the start is 8 steps away), and sweep 9 changes nothing.
    result = bellman.value_iteration(gridworld.GridWorld(), GAMMA)
    assert result.sweeps == 9
    assert result.max_changes == pytest.approx([GAMMA**k for k in range(8)] + [0.0], abs=1e-12)


@exercise("actors.bellman.value_iteration")
def test_value_iteration_calls_on_sweep_once_per_sweep_with_the_new_values_and_the_max_change():
    calls = []
    result = bellman.value_iteration(
        gridworld.GridWorld(), GAMMA, on_sweep=lambda sweep, values, change: calls.append((sweep, list(values), change))
    )
    assert [sweep for sweep, _, _ in calls] == list(range(1, result.sweeps + 1))
    assert [change for _, _, change in calls] == result.max_changes
    assert calls[-1][1] == result.values
    after_first = calls[0][1]  # one backup from V = 0: +1 beside the goal, −0.04 elsewhere
    assert (after_first[cell(0, 3)], after_first[cell(1, 4)], after_first[START]) == pytest.approx((1.0, 1.0, -0.04))


@exercise("actors.bellman.value_iteration")
def test_value_iteration_ripples_back_from_the_goal_one_step_per_sweep():
    # The lesson's animation. Every state pays the step cost from sweep 1 on, so "no news yet"
    # is the k-step cost W_k = −0.04·(1 + γ + … + γ^(k−1)), not 0. After sweep k, exactly the
    # states within k steps of the goal are above W_k, and they already hold their final G(d).
    snapshots = []
    bellman.value_iteration(gridworld.GridWorld(), GAMMA, on_sweep=lambda k, values, _: snapshots.append(list(values)))
    assert len(snapshots) == 9, (
        "one sweep per step of the longest path, plus one: a sweep reads only the previous sweep's values, not in place"
    )
    for k, values in enumerate(snapshots, start=1):
        no_news = STEP_COST * math.fsum(GAMMA**i for i in range(k))
        reached = {s for s in NON_TERMINAL if values[s] > no_news + 1e-9}
        assert reached == {s for s in NON_TERMINAL if DISTANCE[s] <= k}, k
        for state in NON_TERMINAL:
            expected = path_value(DISTANCE[state], GAMMA) if DISTANCE[state] <= k else no_news
            assert values[state] == pytest.approx(expected, abs=1e-12), (
                f"after sweep {k}, state {state}: a sweep computes every new value from the previous sweep's values, not in place"
            )
        assert [values[s] for s in (GOAL, PIT, WALL)] == [0.0, 0.0, 0.0]


@exercise("actors.bellman.value_iteration")
def test_value_iteration_with_gamma_zero_values_each_state_by_its_best_immediate_reward():
    # γ = 0: V(s) = max_a r. +1 beside the goal, −0.04 elsewhere (beside the pit too: step away).
    result = bellman.value_iteration(gridworld.GridWorld(), 0.0)
    expected = [0.0 if s in (GOAL, PIT, WALL) else STEP_COST for s in range(25)]
    expected[cell(0, 3)] = expected[cell(1, 4)] = 1.0
    assert result.values == pytest.approx(expected, abs=1e-12)
    assert result.sweeps == 2  # the second sweep changes nothing


@exercise("actors.bellman.value_iteration")
def test_value_iteration_with_gamma_one_values_the_start_at_the_undiscounted_return_0_72():
    result = bellman.value_iteration(gridworld.GridWorld(), 1.0)
    assert result.values[START] == pytest.approx(0.72, abs=1e-12)  # 1 − 7·0.04
    for state in NON_TERMINAL:
        assert result.values[state] == pytest.approx(1.0 - 0.04 * (DISTANCE[state] - 1), abs=1e-12), state


@exercise("actors.bellman.value_iteration")
def test_value_iteration_stopped_by_max_sweeps_reports_not_converged():
    result = bellman.value_iteration(gridworld.GridWorld(), GAMMA, max_sweeps=3)
    assert (result.sweeps, result.converged) == (3, False)
    assert result.max_changes == pytest.approx([1.0, 0.9, 0.81], abs=1e-12)  # γ^(k−1), see above
    # Three sweeps: (0, 1), 3 steps away, has G(3) = −0.04·1.9 + 0.81 = 0.734; the start still
    # holds the 3-step cost −0.04·(1 + 0.9 + 0.81) = −0.1084.
    assert (result.values[cell(0, 1)], result.values[START]) == pytest.approx((0.734, -0.1084), abs=1e-12)


@exercise("actors.bellman.value_iteration")
def test_value_iteration_stops_only_on_a_change_strictly_below_the_tolerance():
    # γ = 0 (see the spec above): sweep 1 changes the cells beside the goal by exactly 1.0 and
    # sweep 2 changes nothing. With tolerance = 1.0, sweep 1's change is not below it.
    result = bellman.value_iteration(gridworld.GridWorld(), 0.0, tolerance=1.0)
    assert (result.sweeps, result.max_changes, result.converged) == (2, [1.0, 0.0], True)


@exercise("actors.bellman.value_iteration")
def test_value_iteration_with_max_sweeps_one_runs_one_sweep_and_says_it_did_not_converge():
    # γ = 0, tolerance = 1.0: the one allowed sweep changes a value by exactly 1.0, not below 1.0.
    result = bellman.value_iteration(gridworld.GridWorld(), 0.0, tolerance=1.0, max_sweeps=1)
    assert (result.sweeps, result.max_changes, result.converged) == (1, [1.0], False)


@exercise("actors.bellman.value_iteration")
def test_value_iteration_allowed_exactly_the_sweeps_it_needs_converges():
    # The gridworld at γ = 0.9 converges on sweep 9 (see above): max_sweeps = 9 is enough.
    result = bellman.value_iteration(gridworld.GridWorld(), GAMMA, max_sweeps=9)
    assert (result.sweeps, result.converged) == (9, True)


@exercise("actors.bellman.value_iteration")
def test_value_iteration_on_a_stochastic_world_solves_the_expected_bellman_equation():
    result = bellman.value_iteration(SlipperyChain(), GAMMA, tolerance=1e-12)
    assert result.values == pytest.approx([CHAIN_VALUE, 0.0], abs=1e-10)  # 0.7/0.82
    assert result.policy == [0, None]


# --- policy_evaluation ---------------------------------------------------------------------------


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_of_the_shortest_path_policy_is_the_closed_form():
    # The optimal policy walks a shortest path from everywhere, so V^π(s) = G(d(s)); the values
    # settle after 8 synchronous sweeps (the longest path) and sweep 9 changes nothing.
    values, sweeps = bellman.policy_evaluation(gridworld.GridWorld(), OPTIMAL_POLICY, GAMMA)
    assert values == pytest.approx(optimal_values(GAMMA), abs=1e-12)
    assert values[START] == pytest.approx(0.26961566, abs=1e-8)
    assert sweeps == 9


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_with_gamma_one_sums_the_rewards_of_each_path():
    values, _ = bellman.policy_evaluation(gridworld.GridWorld(), OPTIMAL_POLICY, 1.0)
    assert values[START] == pytest.approx(0.72, abs=1e-12)  # 1 − 7·0.04
    assert values[cell(2, 1)] == pytest.approx(0.84, abs=1e-12)  # 5 steps: 1 − 4·0.04


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_of_a_policy_that_never_ends_is_the_geometric_series_of_step_costs():
    # Always up. Cells that end up bumping the top edge or the wall forever are worth
    # −0.04/(1 − 0.9) = −0.4; column 4 walks up into the goal (G(1) = 1, G(2) = 0.86,
    # G(3) = 0.734, G(4) = 0.6206) and column 3 below the pit walks into it
    # (−1, −0.04 − 0.9 = −0.94, −0.04 − 0.9·0.94 = −0.886).
    world = gridworld.GridWorld()
    always_up = [None if s in (GOAL, PIT, WALL) else UP for s in range(25)]
    values, _ = bellman.policy_evaluation(world, always_up, GAMMA)
    expected = [0.0 if s in (GOAL, PIT, WALL) else -0.4 for s in range(25)]
    for row, value in zip((1, 2, 3, 4), (1.0, 0.86, 0.734, 0.6206)):
        expected[cell(row, 4)] = value
    for row, value in zip((2, 3, 4), (-1.0, -0.94, -0.886)):
        expected[cell(row, 3)] = value
    assert values == pytest.approx(expected, abs=1e-8), (
        "policy evaluation follows the policy's own action in each state, not the best one"
    )


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_of_a_never_ending_policy_without_discount_raises():
    # With γ = 1 the top row loses 0.04 on every sweep, forever.
    always_up = [None if s in (GOAL, PIT, WALL) else UP for s in range(25)]
    with pytest.raises(RuntimeError) as error:
        bellman.policy_evaluation(gridworld.GridWorld(), always_up, 1.0, max_sweeps=50)
    assert_names(error, 50)  # the docstring: the message names max_sweeps' value


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_on_a_stochastic_world_weighs_the_outcomes():
    world = SlipperyChain()
    go, _ = bellman.policy_evaluation(world, [0, None], GAMMA)
    wait, _ = bellman.policy_evaluation(world, [1, None], GAMMA)
    assert go == pytest.approx([CHAIN_VALUE, 0.0], abs=1e-8)  # 0.7/(1 − 0.2·0.9)
    assert wait == pytest.approx([-1.0, 0.0], abs=1e-8)  # −0.1/(1 − 0.9)


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_stops_only_on_a_change_strictly_below_the_tolerance():
    # γ = 0: V^π(s) is the immediate reward of π's move, so sweep 1 changes the cells beside
    # the goal by exactly 1.0 (0 → +1) and sweep 2 changes nothing; 1.0 is not below 1.0.
    values, sweeps = bellman.policy_evaluation(gridworld.GridWorld(), OPTIMAL_POLICY, 0.0, tolerance=1.0)
    assert sweeps == 2
    assert (values[cell(0, 3)], values[START]) == pytest.approx((1.0, STEP_COST), abs=1e-12)


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_allowed_exactly_the_sweeps_it_needs_returns_the_values():
    # The shortest-path policy settles on sweep 9 (see above): max_sweeps = 9 is enough.
    values, sweeps = bellman.policy_evaluation(gridworld.GridWorld(), OPTIMAL_POLICY, GAMMA, max_sweeps=9)
    assert sweeps == 9
    assert values[START] == pytest.approx(0.26961566, abs=1e-8)


@exercise("actors.bellman.policy_evaluation")
def test_policy_evaluation_allowed_one_sweep_too_few_raises_naming_the_limit():
    # Sweep 8 still changes the start by γ^7 ≈ 0.48 (see the value iteration specs).
    with pytest.raises(RuntimeError) as error:
        bellman.policy_evaluation(gridworld.GridWorld(), OPTIMAL_POLICY, GAMMA, max_sweeps=8)
    assert_names(error, 8)


# --- policy_iteration ----------------------------------------------------------------------------


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_finds_the_same_policy_and_values_as_value_iteration():
    world = gridworld.GridWorld()
    result = bellman.policy_iteration(world, GAMMA)
    reference = bellman.value_iteration(world, GAMMA)
    assert result.policy == reference.policy == OPTIMAL_POLICY
    assert result.values == pytest.approx(reference.values, abs=1e-9)
    assert result.values[START] == pytest.approx(0.26961566, abs=1e-8)


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_calls_on_iteration_with_values_that_never_get_worse():
    calls = []
    result = bellman.policy_iteration(
        gridworld.GridWorld(),
        GAMMA,
        on_iteration=lambda i, values, policy: calls.append((i, list(values), list(policy))),
    )
    assert [i for i, _, _ in calls] == list(range(1, result.iterations + 1))
    assert result.iterations >= 2  # the first-action policy (always up) is not optimal
    first_values = calls[0][1]  # V of "always up": see the never-ending policy spec above
    assert (first_values[START], first_values[cell(4, 4)]) == pytest.approx((-0.4, 0.6206), abs=1e-8)
    for (_, before, _), (_, after, _) in zip(calls, calls[1:]):
        assert all(a >= b - 1e-9 for a, b in zip(after, before))  # policy improvement theorem
    assert calls[-1][1] == pytest.approx(result.values, abs=1e-12)
    assert result.evaluation_sweeps >= result.iterations


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_raises_when_the_policy_still_changes_after_max_iterations():
    with pytest.raises(RuntimeError) as error:
        bellman.policy_iteration(gridworld.GridWorld(), GAMMA, max_iterations=1)
    assert_names(error, 1)  # the docstring: the message names max_iterations' value


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_on_a_stochastic_world_keeps_the_optimal_first_action():
    # It starts with action 0 (go), already optimal: one round, and V = 0.7/0.82.
    result = bellman.policy_iteration(SlipperyChain(), GAMMA)
    assert (result.policy, result.iterations) == ([0, None], 1)
    assert result.values == pytest.approx([CHAIN_VALUE, 0.0], abs=1e-8)


class WaitFirstChain(SlipperyChain):
    """The slippery chain with its actions swapped: action 0 waits, action 1 goes. Policy
    iteration starts by waiting, so it has to switch once."""

    def transitions(self, state, action):
        return super().transitions(state, 1 - action)


# Sweeps of policy_evaluation (tolerance 1e-10, γ = 0.9) on the chain, from V = 0:
# waiting, V_k = −0.1·(1 + 0.9 + … + 0.9^(k−1)), so sweep k changes V by 0.1·0.9^(k−1); that is
# first below 1e-10 at k = 198 (0.9^197 ≈ 9.7e-10, 0.9^196 ≈ 1.08e-9).
# Going, V_k = 0.7·(1 + 0.18 + … + 0.18^(k−1)) (V = 0.8 + 0.2·(−0.5 + 0.9·V)), so sweep k
# changes V by 0.7·0.18^(k−1); first below 1e-10 at k = 15 (0.7·0.18^14 ≈ 2.6e-11,
# 0.7·0.18^13 ≈ 1.5e-10).
WAIT_SWEEPS, GO_SWEEPS = 198, 15


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_counts_every_iteration_and_adds_up_the_sweeps_of_every_evaluation():
    # Iteration 1 evaluates waiting (V = −1) and switches to going (0.854 > −0.1 + 0.9·(−1));
    # iteration 2 evaluates going and changes nothing.
    calls = []
    result = bellman.policy_iteration(
        WaitFirstChain(), GAMMA, on_iteration=lambda i, values, policy: calls.append((i, list(values), list(policy)))
    )
    assert (result.iterations, result.evaluation_sweeps) == (2, WAIT_SWEEPS + GO_SWEEPS)
    assert [(i, policy) for i, _, policy in calls] == [(1, [1, None]), (2, [1, None])]
    assert calls[0][1] == pytest.approx([-1.0, 0.0], abs=1e-8)
    assert result.policy == [1, None]
    assert result.values == pytest.approx([CHAIN_VALUE, 0.0], abs=1e-8)


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_allowed_exactly_the_iterations_it_needs_returns_the_policy():
    result = bellman.policy_iteration(WaitFirstChain(), GAMMA, max_iterations=2)  # 2: see above
    assert (result.policy, result.iterations) == ([1, None], 2)


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_allowed_one_iteration_too_few_raises_naming_the_limit():
    # Iteration 1 switches the chain's start from waiting to going: the policy still changed.
    with pytest.raises(RuntimeError) as error:
        bellman.policy_iteration(WaitFirstChain(), GAMMA, max_iterations=1)
    assert_names(error, 1)


class NearTie(mdp.TabularWorld):
    """Two states: 0 (the start) and 1 (terminal). Both actions end the episode at once;
    action 0 pays +1 and action 1 pays 1 + gap. Q(0, ·) = [1, 1 + gap] exactly as rewards
    (no γ·V after a terminal outcome)."""

    def __init__(self, gap):
        self.gap = gap
        self.n_states = 2
        self.states = [0, 1]
        self.actions = [0, 1]
        self.action_space = mdp.Discrete(2)
        self.observation_space = mdp.Discrete(2)
        self.start_state = 0
        self.terminal_states = frozenset({1})
        self.max_steps = 5

    def transitions(self, state, action):
        if state == 1:
            return [(1.0, 1, 0.0, True)]
        return [(1.0, 1, 1.0 + self.gap * action, True)]


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_keeps_the_current_action_when_a_better_one_beats_it_by_no_more_than_1e_9():
    # The docstring's tie rule: action 1 is better by 8e-10 only, a tie (within 1e-9), so the
    # first action stays and the first improvement is already stable.
    calls = []
    result = bellman.policy_iteration(
        NearTie(8e-10), GAMMA, on_iteration=lambda i, v, policy: calls.append(list(policy))
    )
    assert result.iterations == 1
    assert calls == [[0, None]]


@exercise("actors.bellman.policy_iteration")
def test_policy_iteration_switches_when_the_better_action_beats_the_current_by_more_than_1e_9():
    # A gap of 2e-9 is no tie: iteration 1 switches to action 1, iteration 2 is stable.
    calls = []
    result = bellman.policy_iteration(
        NearTie(2e-9), GAMMA, on_iteration=lambda i, v, policy: calls.append(list(policy))
    )
    assert result.iterations == 2
    assert calls == [[1, None], [1, None]]
    assert result.policy == [1, None]


# --- bad settings --------------------------------------------------------------------------------


def _bad(name, call, named, case):
    return pytest.param(call, named, marks=exercise(f"actors.bellman.{name}"), id=f"{name}-{case}")


def _vi(**settings):
    return lambda: bellman.value_iteration(gridworld.GridWorld(), **settings)


def _pe(**settings):
    always_up = [None if s in (GOAL, PIT, WALL) else UP for s in range(25)]
    return lambda: bellman.policy_evaluation(gridworld.GridWorld(), always_up, **settings)


def _pi(**settings):
    return lambda: bellman.policy_iteration(gridworld.GridWorld(), **settings)


@pytest.mark.parametrize(
    "call, named",
    [
        _bad("value_iteration", _vi(gamma=-0.1), ("gamma", -0.1), "gamma-below-0"),
        _bad("value_iteration", _vi(gamma=1.5), ("gamma", 1.5), "gamma-above-1"),
        _bad("value_iteration", _vi(gamma=GAMMA, tolerance=0.0), ("tolerance", 0.0), "tolerance-0"),
        _bad("value_iteration", _vi(gamma=GAMMA, tolerance=-1e-3), ("tolerance", -1e-3), "tolerance-negative"),
        _bad("value_iteration", _vi(gamma=GAMMA, max_sweeps=0), ("max_sweeps", 0), "max_sweeps-0"),
        _bad("value_iteration", _vi(gamma=GAMMA, max_sweeps=2.5), ("max_sweeps", 2.5), "max_sweeps-float"),
        _bad("policy_evaluation", _pe(gamma=-0.1), ("gamma", -0.1), "gamma-below-0"),
        _bad("policy_evaluation", _pe(gamma=1.5), ("gamma", 1.5), "gamma-above-1"),
        _bad("policy_evaluation", _pe(gamma=GAMMA, tolerance=0.0), ("tolerance", 0.0), "tolerance-0"),
        _bad("policy_evaluation", _pe(gamma=GAMMA, max_sweeps=0), ("max_sweeps", 0), "max_sweeps-0"),
        _bad("policy_iteration", _pi(gamma=-0.1), ("gamma", -0.1), "gamma-below-0"),
        _bad("policy_iteration", _pi(gamma=1.5), ("gamma", 1.5), "gamma-above-1"),
        _bad("policy_iteration", _pi(gamma=GAMMA, tolerance=0.0), ("tolerance", 0.0), "tolerance-0"),
        _bad("policy_iteration", _pi(gamma=GAMMA, max_iterations=0), ("max_iterations", 0), "max_iterations-0"),
    ],
)
def test_planning_rejects_bad_settings_naming_the_setting_and_its_value(call, named):
    with pytest.raises(ValueError) as error:
        call()
    assert_names(error, *named)
