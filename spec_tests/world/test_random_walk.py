"""Specs for world.random_walk: Sutton's (1988) chain, its model, its episodes and its true values.

The five-state walk, as the module numbers it:

    state:    0     1   2   3   4   5     6
              ◀──   A   B   C   D   E   ──▶
    reward:   0                           +1        every other step: 0, start at C = 3

Each step goes left or right with probability ½ (the left outcome listed first); both exits end
the episode. The 19-state walk numbers 0 … 20, starts at 10, pays −1 on the left exit.

True values with γ = 1: the probability of leaving on the right (gambler's ruin on a fair
coin), V(k) = k/6 for the five states; for the 19-state walk V(k) = P(right) − P(left) =
2·k/20 − 1 = −0.9 … 0.9. The specs compute expected values from these formulas, or from a
hand-solved system where noted, never from the module.
"""

import math

import pytest

from policywerk.building_blocks.mdp import rollout
from policywerk.world import random_walk
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

LEFT_EXIT, START, RIGHT_EXIT = 0, 3, 6


def walk_episode(world, seed=None):
    return rollout(world, random_walk.only_action, seed=seed)


# --- the layout (given code) ---------------------------------------------------------------------


def test_the_five_state_walk_numbers_its_states_from_the_left_exit_to_the_right_exit():
    world = random_walk.five_state()
    assert (world.size, world.n_states, world.states) == (5, 7, [0, 1, 2, 3, 4, 5, 6])
    assert (world.start_state, world.terminal_states) == (START, frozenset({LEFT_EXIT, RIGHT_EXIT}))
    assert (world.left_reward, world.right_reward) == (0.0, 1.0)
    assert world.actions == [0] and world.action_space.n == 1
    assert random_walk.STATE_NAMES[world.start_state - 1] == "C"


def test_the_nineteen_state_walk_starts_in_the_middle_and_pays_minus_one_on_the_left():
    world = random_walk.nineteen_state()
    assert (world.n_states, world.start_state, world.terminal_states) == (21, 10, frozenset({0, 20}))
    assert (world.left_reward, world.right_reward) == (-1.0, 1.0)


@pytest.mark.parametrize("settings", [{"size": 0}, {"size": 2.5}, {"size": True}, {"max_steps": 0}, {"max_steps": "9"}])
def test_random_walk_rejects_a_size_or_time_limit_that_is_not_a_positive_integer(settings):
    with pytest.raises(ValueError, match=next(iter(settings))):
        random_walk.RandomWalk(**settings)


def test_render_draws_the_exits_and_the_walker():
    world = random_walk.five_state()
    assert world.render() == [[0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75]]  # no walker before reset
    world.reset(seed=0)
    assert world.render() == [[0.25, 0.0, 0.0, 1.0, 0.0, 0.0, 0.75]]


def test_the_only_action_is_zero_whatever_the_observation():
    assert [random_walk.only_action(s) for s in range(7)] == [0] * 7


@pytest.mark.parametrize("action", [1, -1, 0.0, True])
def test_step_rejects_any_action_but_zero_naming_the_space(action):
    world = random_walk.five_state()
    world.reset(seed=0)
    with pytest.raises(ValueError, match=r"Discrete\(n=1\)"):
        world.step(action)


# --- RandomWalk.transitions ----------------------------------------------------------------------


@exercise("world.random_walk.RandomWalk.transitions")
def test_transitions_of_the_inner_states_go_left_or_right_with_probability_one_half_for_nothing():
    world = random_walk.five_state()
    for state in (2, 3, 4):  # B, C, D
        assert world.transitions(state, 0) == [(0.5, state - 1, 0.0, False), (0.5, state + 1, 0.0, False)], state


@exercise("world.random_walk.RandomWalk.transitions")
def test_transitions_off_the_ends_terminate_with_zero_on_the_left_and_plus_one_on_the_right():
    world = random_walk.five_state()
    assert world.transitions(1, 0) == [(0.5, LEFT_EXIT, 0.0, True), (0.5, 2, 0.0, False)]
    assert world.transitions(5, 0) == [(0.5, 4, 0.0, False), (0.5, RIGHT_EXIT, 1.0, True)]


@exercise("world.random_walk.RandomWalk.transitions")
def test_transitions_of_the_nineteen_state_walk_pay_minus_one_on_the_left_exit():
    world = random_walk.nineteen_state()
    assert world.transitions(1, 0) == [(0.5, 0, -1.0, True), (0.5, 2, 0.0, False)]
    assert world.transitions(19, 0) == [(0.5, 18, 0.0, False), (0.5, 20, 1.0, True)]
    assert world.transitions(10, 0) == [(0.5, 9, 0.0, False), (0.5, 11, 0.0, False)]


@exercise("world.random_walk.RandomWalk.transitions")
def test_transitions_use_the_rewards_the_walk_was_built_with():
    world = random_walk.RandomWalk(size=1, left_reward=-2.0, right_reward=3.0)
    assert world.transitions(1, 0) == [(0.5, 0, -2.0, True), (0.5, 2, 3.0, True)]


@exercise("world.random_walk.RandomWalk.transitions")
def test_the_exits_are_absorbing_with_reward_zero():
    world = random_walk.five_state()
    assert world.transitions(LEFT_EXIT, 0) == [(1.0, LEFT_EXIT, 0.0, True)]
    assert world.transitions(RIGHT_EXIT, 0) == [(1.0, RIGHT_EXIT, 0.0, True)]


@exercise("world.random_walk.RandomWalk.transitions")
def test_transitions_probabilities_sum_to_one_everywhere():
    world = random_walk.nineteen_state()
    for state in world.states:
        assert math.fsum(p for p, *_ in world.transitions(state, 0)) == 1.0, state


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(s, marks=exercise("world.random_walk.RandomWalk.transitions"), id=f"state={s!r}")
        for s in (7, -1, 2.5)
    ],
)
def test_transitions_reject_a_number_that_is_not_a_state_naming_it(state):
    with pytest.raises(ValueError) as error:
        random_walk.five_state().transitions(state, 0)
    assert_names(error, state)


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(a, marks=exercise("world.random_walk.RandomWalk.transitions"), id=f"action={a!r}")
        for a in (1, -1, True)
    ],
)
def test_transitions_reject_an_action_other_than_zero_naming_the_space_and_the_action(action):
    with pytest.raises(ValueError) as error:
        random_walk.five_state().transitions(START, action)
    assert_names(error, repr(action) if isinstance(action, bool) else action)


@exercise("world.random_walk.RandomWalk.transitions")
def test_an_episode_starts_at_c_moves_one_state_per_step_and_ends_at_an_exit():
    world = random_walk.five_state()
    for seed in range(20):
        episode = walk_episode(world, seed)
        states = [episode.transitions[0].observation] + [t.next_observation for t in episode.transitions]
        assert states[0] == START
        assert all(abs(b - a) == 1 for a, b in zip(states, states[1:]))
        assert all(1 <= s <= 5 for s in states[:-1]) and states[-1] in (LEFT_EXIT, RIGHT_EXIT)
        last = episode.transitions[-1]
        assert (last.terminated, last.truncated) == (True, False)
        assert episode.rewards == [0.0] * (len(states) - 2) + [1.0 if states[-1] == RIGHT_EXIT else 0.0]


@exercise("world.random_walk.RandomWalk.transitions")
def test_episodes_from_c_end_on_the_right_half_of_the_time():
    # 2000 episodes: the share of right exits has standard deviation √(¼/2000) ≈ 0.011.
    world = random_walk.five_state()
    world.reset(seed=11)
    right = sum(walk_episode(world).total_reward for _ in range(2000))
    assert abs(right / 2000 - 0.5) < 0.05


@exercise("world.random_walk.RandomWalk.transitions")
def test_episodes_from_b_end_on_the_right_a_third_of_the_time_and_last_six_steps_on_average():
    # From B (2 of 6 steps from the left exit): P(right) = 2/6, mean length 2·(6 − 2) = 8 steps.
    world = random_walk.five_state()
    world.start_state = 2
    world.reset(seed=12)
    episodes = [walk_episode(world) for _ in range(3000)]
    assert abs(sum(e.total_reward for e in episodes) / 3000 - 1 / 3) < 0.05
    assert abs(sum(e.length for e in episodes) / 3000 - 8.0) < 0.6  # the lengths' sd is about 7


@exercise("world.random_walk.RandomWalk.transitions")
def test_the_same_seed_gives_the_same_walk():
    world = random_walk.nineteen_state()
    first = [(t.observation, t.reward) for t in walk_episode(world, seed=5).transitions]
    again = [(t.observation, t.reward) for t in walk_episode(world, seed=5).transitions]
    assert first == again and len(first) >= 10  # at least 10 steps from the middle of 19 states


@exercise("world.random_walk.RandomWalk.transitions")
def test_a_walk_cut_off_by_the_time_limit_is_truncated_not_terminated():
    # From C no exit is closer than 3 steps, so with a limit of 2 every episode is cut off.
    world = random_walk.RandomWalk(max_steps=2)
    episode = walk_episode(world, seed=0)
    assert [(t.terminated, t.truncated) for t in episode.transitions] == [(False, False), (False, True)]
    assert episode.transitions[-1].next_observation in (1, 3, 5)


# --- true_values ---------------------------------------------------------------------------------


@exercise("world.random_walk.true_values")
def test_true_values_of_the_five_state_walk_are_one_sixth_to_five_sixths():
    values = random_walk.true_values(random_walk.five_state())
    assert values == pytest.approx([0.0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 0.0], abs=1e-9)


@exercise("world.random_walk.true_values")
def test_true_values_of_the_nineteen_state_walk_are_minus_0_9_to_0_9():
    values = random_walk.true_values(random_walk.nineteen_state())
    assert values == pytest.approx([0.0] + [k / 10 - 1.0 for k in range(1, 20)] + [0.0], abs=1e-9)


@exercise("world.random_walk.true_values")
def test_true_values_with_a_discount_solve_the_hand_worked_system():
    # Three states, 0 left, +1 right, γ = 0.5 (so each step to a neighbour weighs 0.5·0.5 = ¼):
    #   V₁ = ¼·V₂,   V₂ = ¼·(V₁ + V₃),   V₃ = ¼·V₂ + ½
    # gives V₂ = ⅛·V₂ + ⅛, so V₂ = 1/7, V₁ = 1/28, V₃ = 15/28.
    values = random_walk.true_values(random_walk.RandomWalk(size=3), gamma=0.5)
    assert values == pytest.approx([0.0, 1 / 28, 1 / 7, 15 / 28, 0.0], abs=1e-9)


@exercise("world.random_walk.true_values")
def test_true_values_with_gamma_zero_are_the_expected_immediate_rewards():
    # Only E can earn anything in one step: ½·(+1).
    values = random_walk.true_values(random_walk.five_state(), gamma=0.0)
    assert values == [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0]


class BiasedWalk(random_walk.RandomWalk):
    """The five-state walk with a biased coin, right with probability ¾, written out here."""

    def transitions(self, state, action):
        if state in (LEFT_EXIT, RIGHT_EXIT):
            return [(1.0, state, 0.0, True)]
        right_reward = 1.0 if state + 1 == RIGHT_EXIT else 0.0
        return [
            (0.25, state - 1, 0.0, state - 1 == LEFT_EXIT),
            (0.75, state + 1, right_reward, state + 1 == RIGHT_EXIT),
        ]


@exercise("world.random_walk.true_values")
def test_true_values_are_computed_from_the_world_model_not_from_a_formula():
    # Gambler's ruin with p = ¾ to the right, r = (1 − p)/p = ⅓, exits 6 steps apart:
    # P(right exit from k) = (1 − r^k)/(1 − r^6).
    values = random_walk.true_values(BiasedWalk(size=5))
    r = 1 / 3
    assert values == pytest.approx([0.0] + [(1 - r**k) / (1 - r**6) for k in range(1, 6)] + [0.0], abs=1e-9)


@exercise("world.random_walk.true_values")
def test_true_values_satisfy_the_bellman_equation_of_the_model():
    # The model read off the drawing, not the learner's transitions: from s, ½ to s − 1 and ½ to
    # s + 1; stepping onto exit 0 pays −1 and onto exit 20 pays +1, and both end the episode.
    values = random_walk.true_values(random_walk.nineteen_state())
    for state in range(1, 20):
        left = -1.0 if state == 1 else values[state - 1]
        right = 1.0 if state == 19 else values[state + 1]
        assert values[state] == pytest.approx(0.5 * left + 0.5 * right, abs=1e-10), state


class _OneStep(random_walk.RandomWalk):
    """The five-state walk where every inner state ends the episode at once, paying its reward
    on the way out: V(s) = reward, found by the first sweep and confirmed by the second."""

    def __init__(self, reward):
        super().__init__(size=5)
        self.reward = reward

    def transitions(self, state, action):
        if state in (LEFT_EXIT, RIGHT_EXIT):
            return [(1.0, state, 0.0, True)]
        return [(1.0, RIGHT_EXIT, self.reward, True)]


class _TwoActions(random_walk.RandomWalk):
    """The five-state walk with a second action: action 0 ends at once paying 1, action 1 at
    once paying −1."""

    def __init__(self):
        super().__init__(size=5)
        self.actions = [0, 1]

    def transitions(self, state, action):
        if state in (LEFT_EXIT, RIGHT_EXIT):
            return [(1.0, state, 0.0, True)]
        return [(1.0, RIGHT_EXIT, 1.0 if action == 0 else -1.0, True)]


@exercise("world.random_walk.true_values")
def test_true_values_stop_after_the_first_sweep_that_changes_nothing():
    # reward 0: the first sweep leaves every value at 0, so one sweep is enough
    assert random_walk.true_values(_OneStep(0.0), max_sweeps=1) == [0.0] * 7
    # reward ½: sweep 1 moves the values from 0 to ½, sweep 2 changes nothing
    assert random_walk.true_values(_OneStep(0.5), max_sweeps=2) == [0.0] + [0.5] * 5 + [0.0]


@exercise("world.random_walk.true_values")
def test_true_values_count_a_change_of_exactly_the_tolerance_as_still_moving():
    # "until a sweep changes no value by tolerance or more": sweep 1 changes each value by ½
    # exactly, so with tolerance ½ and a single sweep allowed the values have not settled
    with pytest.raises(RuntimeError) as error:
        random_walk.true_values(_OneStep(0.5), tolerance=0.5, max_sweeps=1)
    assert_names(error, 1)


@exercise("world.random_walk.true_values")
def test_true_values_of_a_world_with_several_actions_follow_the_first_action():
    # the docstring: "always take the first action", here the one that pays 1
    assert random_walk.true_values(_TwoActions()) == [0.0] + [1.0] * 5 + [0.0]


@exercise("world.random_walk.true_values")
def test_true_values_raise_when_the_sweeps_run_out_naming_the_limit():
    with pytest.raises(RuntimeError) as error:
        random_walk.true_values(random_walk.nineteen_state(), max_sweeps=3)
    assert_names(error, 3)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"gamma": 1.5}, marks=exercise("world.random_walk.true_values"), id="gamma-above-1"),
        pytest.param({"gamma": -0.1}, marks=exercise("world.random_walk.true_values"), id="gamma-below-0"),
        pytest.param({"max_sweeps": 0}, marks=exercise("world.random_walk.true_values"), id="max_sweeps-0"),
        pytest.param({"max_sweeps": -2}, marks=exercise("world.random_walk.true_values"), id="max_sweeps-negative"),
    ],
)
def test_true_values_refuse_bad_settings_naming_them(settings):
    with pytest.raises(ValueError) as error:
        random_walk.true_values(random_walk.five_state(), **settings)
    assert_names(error, *settings.values())
