"""Specs for world.pointmass: the damped point mass of lessons 06 and 07, its episodes, and
the scripted PD controller.

The dynamics, per step, with the force f clipped to [−1, 1] per coordinate:

    v ← 0.9·v + 0.1·f
    p ← clip(p + 0.2·v, −1, 1)        (the new velocity; at a wall the velocity is kept)

The reward is −√((tx − x)² + (ty − y)²) after the move. The observation is the state as a
list, in the order [x, y, vx, vy, tx, ty]. Start and target are drawn at each reset, four
uniform draws in [−1, 1] in the order x, y, tx, ty; every episode is truncated (never
terminated) after 50 steps. The PD controller: f = clip(10·(t − p) − 5·v) per coordinate.

Most numbers below are worked out by hand and compared with a tolerance of 1e-12 (the
products such as 0.2·0.45 are not exact in binary).
"""

import math

import pytest

from policywerk.building_blocks.mdp import rollout
from policywerk.primitives.random import Rng
from policywerk.world import pointmass
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def expected_step(state, force):
    """The dynamics above, written out independently of the module."""
    x, y, vx, vy, tx, ty = state
    fx, fy = (max(-1.0, min(1.0, f)) for f in force)
    vx, vy = 0.9 * vx + 0.1 * fx, 0.9 * vy + 0.1 * fy
    return (max(-1.0, min(1.0, x + 0.2 * vx)), max(-1.0, min(1.0, y + 0.2 * vy)), vx, vy, tx, ty)


# --- dynamics ------------------------------------------------------------------------------------


@exercise("world.pointmass.dynamics")
def test_dynamics_from_rest_adds_a_tenth_of_the_force_to_the_velocity_then_moves_a_fifth_of_it():
    # v = 0.1·(0.5, −1) = (0.05, −0.1); p = (0.1 + 0.2·0.05, −0.2 + 0.2·(−0.1)) = (0.11, −0.22).
    new = pointmass.dynamics((0.1, -0.2, 0.0, 0.0, 0.5, 0.5), [0.5, -1.0])
    assert new == pytest.approx((0.11, -0.22, 0.05, -0.1, 0.5, 0.5), abs=1e-12)


@exercise("world.pointmass.dynamics")
def test_dynamics_damps_the_velocity_by_0_9_and_moves_with_the_new_velocity():
    # No force: v = 0.9·(0.5, −0.3) = (0.45, −0.27); p = (0.2·0.45, 0.3 + 0.2·(−0.27)) = (0.09, 0.246).
    new = pointmass.dynamics((0.0, 0.3, 0.5, -0.3, -0.7, 0.8), [0.0, 0.0])
    assert new == pytest.approx((0.09, 0.246, 0.45, -0.27, -0.7, 0.8), abs=1e-12)


@exercise("world.pointmass.dynamics")
def test_dynamics_clips_each_force_coordinate_to_minus_one_one():
    state = (0.2, -0.4, 0.1, 0.3, 0.0, 0.0)
    assert pointmass.dynamics(state, [3.0, -7.0]) == pytest.approx(pointmass.dynamics(state, [1.0, -1.0]), abs=1e-15)
    assert pointmass.dynamics(state, [0.3, 5.0]) == pytest.approx(expected_step(state, [0.3, 1.0]), abs=1e-12)
    assert pointmass.dynamics(state, [0.3, 5.0])[2] == pytest.approx(
        0.9 * 0.1 + 0.1 * 0.3, abs=1e-12
    )  # 0.3 kept as it is
    # and the other way round: x pushed below −1, y above 1
    assert pointmass.dynamics(state, [-3.0, 7.0]) == pytest.approx(expected_step(state, [-1.0, 1.0]), abs=1e-12)


@exercise("world.pointmass.dynamics")
def test_dynamics_stops_the_mass_at_the_walls_but_keeps_its_velocity():
    # v = (0.9·0.5 + 0.1, −0.9·0.5 − 0.1) = (0.55, −0.55): p would be 0.99 ± 0.11, beyond the walls.
    new = pointmass.dynamics((0.99, -0.99, 0.5, -0.5, 0.0, 0.0), [1.0, -1.0])
    assert new == pytest.approx((1.0, -1.0, 0.55, -0.55, 0.0, 0.0), abs=1e-12)


@exercise("world.pointmass.dynamics")
def test_dynamics_returns_a_new_six_tuple_and_leaves_the_target_and_its_input_alone():
    state = (-0.3, 0.6, -0.2, 0.4, 0.25, -0.75)
    kept = tuple(state)
    new = pointmass.dynamics(state, [-0.6, 0.2])
    assert isinstance(new, tuple) and len(new) == 6 and state == kept
    assert new[4:] == (0.25, -0.75)
    assert new == pytest.approx(expected_step(state, [-0.6, 0.2]), abs=1e-12)


# --- distance_to_target --------------------------------------------------------------------------


@exercise("world.pointmass.distance_to_target")
def test_distance_to_target_is_the_euclidean_distance_from_the_position_whatever_the_velocity():
    # (4 − 1, 5 − 1) = (3, 4): a 3-4-5 triangle.
    assert pointmass.distance_to_target((1.0, 1.0, 9.0, -9.0, 4.0, 5.0)) == pytest.approx(5.0, abs=1e-12)
    assert pointmass.distance_to_target((-0.5, 0.5, 0.0, 0.0, 0.5, -0.5)) == pytest.approx(math.sqrt(2.0), abs=1e-12)


@exercise("world.pointmass.distance_to_target")
def test_distance_to_target_is_zero_on_the_target_and_symmetric():
    assert pointmass.distance_to_target((0.3, -0.2, 1.0, 1.0, 0.3, -0.2)) == 0.0
    there = pointmass.distance_to_target((0.1, 0.7, 0.0, 0.0, -0.6, 0.2))
    back = pointmass.distance_to_target((-0.6, 0.2, 0.0, 0.0, 0.1, 0.7))
    assert there == pytest.approx(back, abs=1e-15) and there == pytest.approx(math.hypot(0.7, 0.5), abs=1e-12)


# --- the world: reset, step, episodes ------------------------------------------------------------


def test_the_world_has_a_force_box_of_minus_one_one_squared_and_a_six_number_observation():
    world = pointmass.PointMass()
    assert (world.action_space.low, world.action_space.high) == ((-1.0, -1.0), (1.0, 1.0))
    assert world.observation_shape == (6,)
    assert world.max_steps == pointmass.EPISODE_STEPS == 50


@exercise("world.pointmass.PointMass._reset")
def test_reset_draws_position_then_target_uniformly_and_starts_at_rest():
    replay = Rng(7)
    x, y, tx, ty = (replay.uniform(-1.0, 1.0) for _ in range(4))  # the order x, y, tx, ty
    world = pointmass.PointMass()
    observation, info = world.reset(seed=7)
    assert observation == [x, y, 0.0, 0.0, tx, ty] and info == {}
    assert world.state == (x, y, 0.0, 0.0, tx, ty)
    assert isinstance(observation, list)


@exercise("world.pointmass.PointMass._reset")
def test_reset_without_a_seed_continues_the_generator_and_with_one_starts_again():
    replay = Rng(3)
    draws = [replay.uniform(-1.0, 1.0) for _ in range(8)]
    world = pointmass.PointMass()
    first, _ = world.reset(seed=3)
    second, _ = world.reset()
    assert first == [draws[0], draws[1], 0.0, 0.0, draws[2], draws[3]]
    assert second == [draws[4], draws[5], 0.0, 0.0, draws[6], draws[7]]
    assert world.reset(seed=3)[0] == first
    assert all(-1.0 <= value <= 1.0 for value in first + second)


@exercise("world.pointmass.PointMass._step")
def test_step_moves_by_the_dynamics_and_rewards_minus_the_distance_after_the_move():
    world = pointmass.PointMass()
    start, _ = world.reset(seed=1)
    step = world.step([0.4, -0.9])
    moved = expected_step(tuple(start), [0.4, -0.9])
    assert step.observation == pytest.approx(list(moved), abs=1e-12) and isinstance(step.observation, list)
    assert step.reward == pytest.approx(-math.hypot(moved[4] - moved[0], moved[5] - moved[1]), abs=1e-12)
    assert (step.terminated, step.truncated, step.info) == (False, False, {})
    assert world.state == tuple(step.observation)


@exercise("world.pointmass.PointMass._step")
def test_step_accepts_a_force_outside_the_box_and_clips_it():
    world = pointmass.PointMass()
    start, _ = world.reset(seed=2)
    step = world.step([5.0, -2.5])
    assert step.observation == pytest.approx(list(expected_step(tuple(start), [1.0, -1.0])), abs=1e-12)


@exercise("world.pointmass.PointMass._step")
def test_an_episode_is_truncated_after_50_steps_never_terminated_then_refuses_to_step():
    world = pointmass.PointMass()
    world.reset(seed=0)
    steps = [world.step([0.1, -0.1]) for _ in range(50)]
    assert [(s.terminated, s.truncated) for s in steps] == [(False, False)] * 49 + [(False, True)]
    assert all(s.reward < 0.0 for s in steps)
    with pytest.raises(RuntimeError):
        world.step([0.0, 0.0])
    observation, _ = world.reset()
    assert observation[2:4] == [0.0, 0.0] and not world.step([0.0, 0.0]).truncated


@exercise("world.pointmass.PointMass._step")
def test_a_shorter_time_limit_truncates_at_that_many_steps():
    world = pointmass.PointMass(max_steps=3)
    world.reset(seed=4)
    assert [world.step([1.0, 1.0]).truncated for _ in range(3)] == [False, False, True]


@pytest.mark.parametrize("max_steps", [0, -5, 2.5, "50", True])
def test_the_world_rejects_a_time_limit_that_is_not_a_positive_integer(max_steps):
    with pytest.raises(ValueError, match="max_steps"):
        pointmass.PointMass(max_steps=max_steps)


@pytest.mark.parametrize(
    "action",
    [[1.0], [0.1, 0.2, 0.3], 0.5, "ab", [math.nan, 0.0], [0.0, math.inf], [True, 0.0], ["1", 0.0]],
)
def test_step_rejects_a_wrong_length_or_non_finite_force_naming_it(action):
    # PointMass._action_problem is given code: it names the refused force by its repr.
    world = pointmass.PointMass()  # the force is checked first, even before the first reset
    with pytest.raises(ValueError) as error:
        world.step(action)
    assert_names(error, repr(action))


def test_step_before_the_first_reset_is_an_error():
    with pytest.raises(RuntimeError, match=r"reset\(\)"):
        pointmass.PointMass().step([0.0, 0.0])


def test_render_draws_the_target_and_the_mass_on_a_21_by_21_table():
    world = pointmass.PointMass()
    assert world.render() == [[0.0] * 21 for _ in range(21)]  # nothing before the first reset
    world.state = (-1.0, 1.0, 0.0, 0.0, 1.0, -1.0)  # mass top-left, target bottom-right
    picture = world.render()
    assert (picture[0][0], picture[20][20]) == (1.0, 0.5)
    assert sum(value for row in picture for value in row) == 1.5


def test_random_policy_pushes_uniformly_with_two_draws_per_step():
    policy, replay = pointmass.random_policy(Rng(5)), Rng(5)
    forces = [policy([0.0] * 6) for _ in range(50)]
    assert forces == [[replay.uniform(-1.0, 1.0), replay.uniform(-1.0, 1.0)] for _ in range(50)]
    assert all(-1.0 <= f <= 1.0 for force in forces for f in force)


# --- reference_policy ----------------------------------------------------------------------------


@exercise("world.pointmass.reference_policy")
def test_reference_policy_is_ten_times_the_offset_minus_five_times_the_velocity():
    # x: 10·(0.08 − 0.0) − 5·0.1 = 0.3;  y: 10·(−0.05 − 0.01) − 5·(−0.04) = −0.4.
    assert pointmass.reference_policy([0.0, 0.01, 0.1, -0.04, 0.08, -0.05]) == pytest.approx([0.3, -0.4], abs=1e-12)
    # At the target and at rest there is nothing to do.
    assert pointmass.reference_policy([0.2, -0.3, 0.0, 0.0, 0.2, -0.3]) == pytest.approx([0.0, 0.0], abs=1e-15)


@exercise("world.pointmass.reference_policy")
def test_reference_policy_clips_each_coordinate_to_the_force_box():
    # x: 10·1.5 = 15 -> 1;  y: 10·(−0.01) − 5·0.1 = −0.6, inside;  then a braking case: −5·0.5 = −2.5 -> −1.
    assert pointmass.reference_policy([-0.5, 0.0, 0.0, 0.1, 1.0, -0.01]) == pytest.approx([1.0, -0.6], abs=1e-12)
    assert pointmass.reference_policy([0.0, 0.0, 0.5, 0.0, 0.0, 0.0]) == pytest.approx([-1.0, 0.0], abs=1e-12)
    assert isinstance(pointmass.reference_policy([0.0] * 6), list)


@exercise("world.pointmass.reference_policy")
def test_reference_policy_brings_the_mass_to_the_target_and_holds_it_there():
    world = pointmass.PointMass()
    for seed in range(10):
        episode = rollout(world, pointmass.reference_policy, seed=seed)
        assert episode.length == 50 and episode.transitions[-1].truncated
        assert -episode.transitions[-1].reward < 0.01, seed  # within 1 cm of the target at the end
        assert all(-t.reward < 0.01 for t in episode.transitions[-10:]), seed  # and it stayed


@exercise("world.pointmass.reference_policy")
def test_reference_policy_scores_minus_7_19_per_episode_over_200_seeds_against_about_minus_53_at_random():
    # The module's stated figure (its comment: the gains' grid search over 200 episodes).
    world = pointmass.PointMass()
    controller = sum(rollout(world, pointmass.reference_policy, seed=seed).total_reward for seed in range(200)) / 200
    random_pushes = (
        sum(rollout(world, pointmass.random_policy(Rng(1000 + seed)), seed=seed).total_reward for seed in range(200))
        / 200
    )
    assert controller == pytest.approx(-7.19, abs=0.01)
    assert -58.0 < random_pushes < -50.0
