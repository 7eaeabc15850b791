"""Specs for world.balance: the 1983 cart-pole's equations of motion, its failure test, the
paper's 162 boxes, the episodes of the world API, and the hand-made reference controller.

The equations, as the authors' simulator (and Gymnasium's CartPole) write them, with
g = 9.8, cart 1.0 kg, pole 0.1 kg, half-length l = 0.5 m, M = 1.1 kg and τ = 0.02 s:

    temp = (F + m_p·l·θ̇²·sin θ) / M
    θ̈    = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / M))
    ẍ    = temp − m_p·l·θ̈·cos θ / M
    x ← x + τ·ẋ,  ẋ ← ẋ + τ·ẍ,  θ ← θ + τ·θ̇,  θ̇ ← θ̇ + τ·θ̈     (explicit Euler, old velocities)

Written out again below (`expected_step`), so the module is checked against the equations,
not against itself. From rest with F = +10 N they give exact fractions: temp = 100/11,
l·(4/3 − m_p/M) = 41/66, θ̈ = −(100/11)/(41/66) = −600/41, ẍ = 100/11 + (0.05·600/41)/1.1
= 4400/451, so one step leads to (0, 8/41, 0, −12/41).

Boxes (the authors' numbering): i_x + 3·i_ẋ + 9·i_θ + 54·i_θ̇, the intervals cut at
x: −0.8, 0.8 · ẋ: −0.5, 0.5 · θ: −6°, −1°, 0°, 1°, 6° · θ̇: −50°/s, 50°/s, a value on an edge
belonging to the interval above it.
"""

import itertools
import math

import pytest

from policywerk.primitives.random import Rng
from policywerk.world import balance
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

DEG = math.pi / 180.0
START = (0.0, 0.0, 0.0, 0.0)
LEFT, RIGHT = 0, 1


def expected_step(state, force):
    """The equations above, written out independently of the module."""
    x, x_dot, theta, theta_dot = state
    g, m_cart, m_pole, half = 9.8, 1.0, 0.1, 0.5
    total = m_cart + m_pole
    temp = (force + m_pole * half * theta_dot**2 * math.sin(theta)) / total
    theta_acc = (g * math.sin(theta) - math.cos(theta) * temp) / (
        half * (4.0 / 3.0 - m_pole * math.cos(theta) ** 2 / total)
    )
    x_acc = temp - m_pole * half * theta_acc * math.cos(theta) / total
    tau = 0.02
    return (x + tau * x_dot, x_dot + tau * x_acc, theta + tau * theta_dot, theta_dot + tau * theta_acc)


def mirror(state):
    return tuple(-value for value in state)


# --- dynamics ------------------------------------------------------------------------------------

CHOSEN_STATES = [
    START,
    (0.5, -0.3, 0.1, -0.7),
    (-2.0, 1.2, -0.2, 1.5),
    (1.0, 0.0, 0.2, 2.0),
    (0.0, 2.0, 5 * DEG, -40 * DEG),
]


@pytest.mark.parametrize(
    "state, force",
    [
        pytest.param(state, force, marks=exercise("world.balance.dynamics"), id=f"{state}-F={force:+}")
        for state in CHOSEN_STATES
        for force in (-10.0, 10.0)
    ],
)
def test_dynamics_is_one_euler_step_of_the_frictionless_equations(state, force):
    assert balance.dynamics(state, force) == pytest.approx(expected_step(state, force), abs=1e-12)


@exercise("world.balance.dynamics")
def test_dynamics_from_rest_pushed_right_gives_the_exact_fractions():
    # See the module docstring: (0, 8/41, 0, −12/41). The cart speeds up right, the pole tips left.
    assert balance.dynamics(START, 10.0) == pytest.approx((0.0, 8 / 41, 0.0, -12 / 41), abs=1e-12)
    assert balance.dynamics(START, -10.0) == pytest.approx((0.0, -8 / 41, 0.0, 12 / 41), abs=1e-12)


@exercise("world.balance.dynamics")
def test_dynamics_moves_the_positions_with_the_old_velocities():
    # x' = x + τ·ẋ and θ' = θ + τ·θ̇ with the velocities BEFORE the step: 0.3 + 0.02·1 and
    # −0.05 + 0.02·2 (semi-implicit Euler would use the new ones and land elsewhere).
    new = balance.dynamics((0.3, 1.0, -0.05, 2.0), 10.0)
    assert (new[0], new[2]) == pytest.approx((0.32, -0.01), abs=1e-15)
    assert new[1] != 1.0 and new[3] != 2.0  # the velocities did change


@exercise("world.balance.dynamics")
def test_dynamics_without_a_push_lets_a_tilted_pole_fall_further():
    # F = 0, θ = 0.1: θ̈ = (g·sin θ − cos θ·temp)/(…) > 0 and the cart is pushed back (ẍ < 0).
    x, x_dot, theta, theta_dot = balance.dynamics((0.0, 0.0, 0.1, 0.0), 0.0)
    assert theta_dot > 0.0 and x_dot < 0.0
    assert (x, theta) == (0.0, 0.1)
    assert (x_dot, theta_dot) == pytest.approx(expected_step((0.0, 0.0, 0.1, 0.0), 0.0)[1::2], abs=1e-12)


@exercise("world.balance.dynamics")
def test_dynamics_is_mirror_symmetric_and_leaves_its_input_alone():
    state = (0.7, -0.4, 0.15, 0.9)
    kept = tuple(state)
    right = balance.dynamics(state, 10.0)
    left = balance.dynamics(mirror(state), -10.0)
    assert left == pytest.approx(mirror(right), abs=1e-15)
    assert state == kept and isinstance(right, tuple) and len(right) == 4
    assert right == pytest.approx(expected_step(state, 10.0), abs=1e-12)


# --- has_failed ----------------------------------------------------------------------------------


@exercise("world.balance.has_failed")
def test_has_failed_when_the_cart_leaves_the_track_or_the_pole_passes_12_degrees():
    failed = [
        (2.41, 0.0, 0.0, 0.0),
        (-2.41, 0.0, 0.0, 0.0),
        (0.0, 0.0, 12.01 * DEG, 0.0),
        (0.0, 0.0, -12.01 * DEG, 0.0),
        (3.0, 0.0, 0.5, 0.0),
    ]
    assert [balance.has_failed(state) for state in failed] == [True] * 5


@exercise("world.balance.has_failed")
def test_has_failed_is_false_inside_and_on_the_limits_whatever_the_velocities():
    balanced = [
        START,
        (2.4, 0.0, 0.0, 0.0),
        (-2.4, 0.0, 0.0, 0.0),
        (0.0, 0.0, math.radians(12.0), 0.0),
        (0.0, 0.0, -math.radians(12.0), 0.0),
        (1.0, 50.0, 0.1, -50.0),  # fast, but still up and on the track
    ]
    assert [balance.has_failed(state) for state in balanced] == [False] * 6
    assert balance.has_failed((2.4000001, 0.0, 0.0, 0.0)) == True  # noqa: E712 - just past the end: a bool True


# --- box_index -----------------------------------------------------------------------------------


def box_of(i_x, i_x_dot, i_theta, i_theta_dot):
    return i_x + 3 * i_x_dot + 9 * i_theta + 54 * i_theta_dot


# One value inside each interval, by hand.
INSIDE = (
    (-1.5, 0.0, 1.5),  # x
    (-1.0, 0.0, 1.0),  # ẋ
    (-9 * DEG, -3 * DEG, -0.5 * DEG, 0.5 * DEG, 3 * DEG, 9 * DEG),  # θ
    (-80 * DEG, 0.0, 80 * DEG),  # θ̇
)


@exercise("world.balance.box_index")
def test_box_index_of_the_start_is_85():
    # x, ẋ, θ̇ in their middle intervals, θ = 0 in [0°, 1°): 1 + 3·1 + 9·3 + 54·1.
    assert balance.box_index(START) == 85


@exercise("world.balance.box_index")
def test_box_index_of_known_states():
    known = {
        (-1.0, 0.6, -3 * DEG, 60 * DEG): box_of(0, 2, 1, 2),  # 123
        (2.0, -0.7, 10 * DEG, -60 * DEG): box_of(2, 0, 5, 0),  # 47
        (0.1, 0.1, -0.5 * DEG, 0.0): box_of(1, 1, 2, 1),  # 76
        (-2.3, -2.0, -11 * DEG, -100 * DEG): 0,
        (2.3, 2.0, 11 * DEG, 100 * DEG): 161,
        (0.0, 0.0, 2 * DEG, 0.0): box_of(1, 1, 4, 1),  # 94
    }
    assert {state: balance.box_index(state) for state in known} == known


@exercise("world.balance.box_index")
def test_box_index_numbers_all_162_boxes_as_x_plus_3_xdot_plus_9_theta_plus_54_thetadot():
    seen = {}
    for intervals in itertools.product(range(3), range(3), range(6), range(3)):
        state = tuple(INSIDE[variable][interval] for variable, interval in enumerate(intervals))
        seen[intervals] = balance.box_index(state)
        assert seen[intervals] == box_of(*intervals), intervals
    assert sorted(seen.values()) == list(range(162))


@exercise("world.balance.box_index")
def test_box_index_gives_the_states_on_the_limits_a_box():
    # has_failed: "the limits themselves still count as balanced", so they have a box; the outer
    # intervals of x and θ hold them: i_x = 0 or 2, i_θ = 0 or 5
    on_limits = {
        (balance.X_LIMIT, 0.0, 0.0, 0.0): box_of(2, 1, 3, 1),
        (-balance.X_LIMIT, 0.0, 0.0, 0.0): box_of(0, 1, 3, 1),
        (0.0, 0.0, balance.THETA_LIMIT, 0.0): box_of(1, 1, 5, 1),
        (0.0, 0.0, -balance.THETA_LIMIT, 0.0): box_of(1, 1, 0, 1),
    }
    assert {state: balance.box_index(state) for state in on_limits} == on_limits


@exercise("world.balance.box_index")
def test_box_index_puts_a_value_on_an_edge_in_the_interval_above():
    base = [0.5, 0.0, 3 * DEG, 0.0]  # box_of(1, 1, 4, 1)

    def box_with(variable, value):
        state = list(base)
        state[variable] = value
        return balance.box_index(tuple(state))

    assert [box_with(0, x) for x in (-0.8, 0.8)] == [box_of(1, 1, 4, 1), box_of(2, 1, 4, 1)]
    assert [box_with(1, v) for v in (-0.5, 0.5)] == [box_of(1, 1, 4, 1), box_of(1, 2, 4, 1)]
    edges = [math.radians(d) for d in (-6.0, -1.0, 0.0, 1.0, 6.0)]
    assert [box_with(2, theta) for theta in edges] == [box_of(1, 1, i, 1) for i in (1, 2, 3, 4, 5)]
    assert [box_with(3, w) for w in (math.radians(-50.0), math.radians(50.0))] == [
        box_of(1, 1, 4, 1),
        box_of(1, 1, 4, 2),
    ]


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(s, marks=exercise("world.balance.box_index"), id=str(s))
        for s in ((2.5, 0.0, 0.0, 0.0), (0.0, 0.0, -0.25, 0.0))
    ],
)
def test_box_index_refuses_a_failed_state_naming_it(state):
    with pytest.raises(ValueError) as error:
        balance.box_index(state)
    assert_names(error, *state)


def test_box_intervals_inverts_the_numbering():
    assert balance.box_intervals(123) == (0, 2, 1, 2)
    assert [balance.box_intervals(b) for b in (0, 161)] == [(0, 0, 0, 0), (2, 2, 5, 2)]
    with pytest.raises(ValueError, match="162"):
        balance.box_intervals(162)


# --- the world: reset, step, episodes ------------------------------------------------------------


def test_the_world_has_two_actions_and_starts_at_rest():
    world = balance.BalanceWorld(max_steps=50)
    assert world.action_space.n == 2
    assert world.reset(seed=3) == (START, {})
    assert world.state == START
    assert world.render() == [[0.0, 0.0], [0.0, 1.0]]  # the cart at 0, the 1 m pole straight up


@pytest.mark.parametrize("max_steps", [0, -1, 2.5, "100", True])
def test_the_world_rejects_a_time_limit_that_is_not_a_positive_integer(max_steps):
    with pytest.raises(ValueError, match="max_steps"):
        balance.BalanceWorld(max_steps=max_steps)


@pytest.mark.parametrize("action", [2, -1, 1.0, True, None])
def test_step_rejects_an_action_outside_the_space_naming_the_action_and_the_space(action):
    world = balance.BalanceWorld()
    world.reset(seed=0)
    with pytest.raises(ValueError) as error:
        world.step(action)
    assert_names(error, repr(action), "Discrete(n=2)")  # World.step (given) names both


@exercise("world.balance.dynamics")
@exercise("world.balance.has_failed")
def test_step_pushes_with_plus_or_minus_10_newtons_and_keeps_the_state_public():
    world = balance.BalanceWorld()
    world.reset(seed=0)
    step = world.step(RIGHT)
    assert step.observation == pytest.approx((0.0, 8 / 41, 0.0, -12 / 41), abs=1e-12)
    assert (step.reward, step.terminated, step.truncated, step.info) == (0.0, False, False, {})
    assert world.state == step.observation
    assert world.step(LEFT).observation == pytest.approx(expected_step(step.observation, -10.0), abs=1e-12)


@exercise("world.balance.dynamics")
@exercise("world.balance.has_failed")
def test_pushing_one_way_fails_with_reward_minus_one_terminated_then_refuses_to_step():
    world = balance.BalanceWorld()
    world.reset(seed=0)
    steps = [world.step(RIGHT)]
    while not steps[-1].terminated:
        steps.append(world.step(RIGHT))
        assert len(steps) < 200, "pushing right forever must make the pole fall"
    assert [s.reward for s in steps] == [0.0] * (len(steps) - 1) + [-1.0]
    assert not any(s.truncated for s in steps)
    assert steps[-1].observation[2] < -math.radians(12.0)  # the pole fell to the left, away from the push
    with pytest.raises(RuntimeError):
        world.step(LEFT)
    assert world.reset() == (START, {})


@exercise("world.balance.dynamics")
@exercise("world.balance.has_failed")
def test_an_episode_is_truncated_at_max_steps_not_terminated():
    world = balance.BalanceWorld(max_steps=5)
    world.reset(seed=0)
    steps = [world.step(action) for action in (RIGHT, LEFT, LEFT, RIGHT, RIGHT)]
    assert [(s.terminated, s.truncated) for s in steps] == [(False, False)] * 4 + [(False, True)]
    assert len({s.observation for s in steps}) == 5  # the state moved every step
    with pytest.raises(RuntimeError):
        world.step(RIGHT)


def test_random_policy_draws_each_action_from_the_rng():
    policy, replay = balance.random_policy(Rng(4)), Rng(4)
    actions = [policy(START) for _ in range(100)]
    assert actions == [replay.integers(0, 2) for _ in range(100)]
    assert set(actions) == {LEFT, RIGHT}


# --- reference_policy ----------------------------------------------------------------------------


@exercise("world.balance.reference_policy")
def test_reference_policy_pushes_right_when_theta_plus_its_gains_is_positive():
    # u = θ + 0.3·θ̇ + 0.1·x + 0.2·ẋ; right (1) when u > 0, else left (0).
    cases = {
        (0.0, 0.0, 0.05, 0.0): RIGHT,  # tilted right: move the cart under it
        (0.0, 0.0, -0.05, 0.0): LEFT,
        (0.0, 0.0, 0.05, -0.2): LEFT,  # u = 0.05 − 0.06: already swinging back fast enough
        (0.0, 0.0, 0.05, -0.1): RIGHT,  # u = 0.05 − 0.03
        (0.5, 0.0, -0.04, 0.0): RIGHT,  # u = −0.04 + 0.05: the x term steers home
        (0.0, -0.5, 0.05, 0.0): LEFT,  # u = 0.05 − 0.1
        START: LEFT,  # u = 0 is not > 0
    }
    assert {state: balance.reference_policy(state) for state in cases} == cases


@exercise("world.balance.reference_policy")
def test_reference_policy_balances_from_rest_for_20000_steps_near_the_centre():
    world = balance.BalanceWorld(max_steps=20_000)
    state, _ = world.reset(seed=0)
    largest_x, length = 0.0, 0
    while True:
        step = world.step(balance.reference_policy(state))
        state, length = step.observation, length + 1
        largest_x = max(largest_x, abs(state[0]))
        if step.terminated or step.truncated:
            break
    assert (length, step.truncated) == (20_000, True)
    assert largest_x < 0.1


@exercise("world.balance.reference_policy")
def test_reference_policy_recovers_from_every_corner_of_a_pushed_start():
    # The 16 corners of x = ±0.8 m, ẋ = ±0.3 m/s, θ = ±0.08 rad, θ̇ = ±0.3 rad/s: 2000 steps
    # (40 s) without failing, and by then the cart is back near the centre with the pole up.
    # The equations and the failure test are the spec's own, so only the policy is judged.
    for signs in itertools.product((-1.0, 1.0), repeat=4):
        start = tuple(sign * size for sign, size in zip(signs, (0.8, 0.3, 0.08, 0.3)))
        state = start
        for _ in range(2000):
            state = expected_step(state, 10.0 if balance.reference_policy(state) == RIGHT else -10.0)
            assert abs(state[0]) <= 2.4 and abs(state[2]) <= 12 * DEG, start
        assert abs(state[0]) < 0.3 and abs(state[2]) < 1 * DEG, start


def test_the_observation_is_a_vector_of_four_numbers_as_its_shape_says():
    # (x, ẋ, θ, θ̇): the shape a network sizes its input by (the DQN of the Gymnasium bonus).
    world = balance.BalanceWorld()
    observation, _ = world.reset(seed=0)
    assert world.observation_shape == (4,) and len(observation) == 4
