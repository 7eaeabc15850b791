"""Specs for world.catcher: the 16×16 screen, the falling fruit and the paddle, episodes of a
fixed number of fruits, and the scripted tracker.

The rules, as the specs read them (written out here, not taken from the module):

    screen      16×16 pixels, flat, row by row (pixel (i, j) at index 16·i + j): 0.0 empty,
                0.5 the paddle's three pixels on row 15, 1.0 the fruit (drawn over the paddle)
    state       (fruit_row, fruit_col, paddle_col, fruits_left), paddle_col the paddle's centre, 1 … 14
    reset       paddle centred on column 8, a fruit on row 0 in column Rng(seed).integers(0, 16),
                all fruits to come
    step        paddle_col += (−1, 0, +1)[action], kept in 1 … 14; then the fruit falls one row;
                on row 15 it lands: +1 if |fruit_col − paddle_col| <= 1, else −1; one fruit fewer;
                none left: terminated (the landed fruit stays on row 15); otherwise a new fruit on
                row 0 in column rng.integers(0, 16), in the same step
    time limit  max_steps, if given, truncates
"""

import statistics

import pytest

from policywerk.building_blocks.mdp import rollout
from policywerk.primitives.random import Rng
from policywerk.world import catcher
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

LEFT, STAY, RIGHT = 0, 1, 2


def draw(fruit_row, fruit_col, paddle_col):
    """The screen the rules above describe, drawn independently of the module."""
    pixels = [0.0] * 256
    for col in (paddle_col - 1, paddle_col, paddle_col + 1):
        pixels[16 * 15 + col] = 0.5
    pixels[16 * fruit_row + fruit_col] = 1.0
    return pixels


def fresh_world(seed=0, **options):
    world = catcher.Catcher(**options)
    observation, info = world.reset(seed=seed)
    return world, observation, info


# --- the constructor, render and the random policy (given code) -----------------------------------


def test_catcher_has_three_actions_and_a_one_channel_16_by_16_observation():
    world = catcher.Catcher()
    assert (world.action_space.n, world.observation_shape, world.fruits, world.max_steps) == (3, (1, 16, 16), 10, None)


@pytest.mark.parametrize(
    "options, pattern",
    [
        ({"fruits": 0}, "fruits.*0"),
        ({"fruits": 2.5}, r"fruits.*2\.5"),
        ({"max_steps": 0}, "max_steps.*0"),
        ({"max_steps": "9"}, "max_steps.*'9'"),
    ],
)
def test_catcher_rejects_settings_that_are_not_positive_integers(options, pattern):
    with pytest.raises(ValueError, match=pattern):
        catcher.Catcher(**options)


def test_random_policy_draws_each_action_uniformly_from_the_rng():
    policy, replay = catcher.random_policy(Rng(5)), Rng(5)
    actions = [policy(None) for _ in range(200)]
    assert actions == [replay.integers(0, 3) for _ in range(200)]
    assert set(actions) == {LEFT, STAY, RIGHT}


# --- frame ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(state, marks=exercise("world.catcher.frame"), id=str(state))
        for state in [(0, 3, 8, 10), (7, 0, 1, 4), (14, 15, 14, 1), (5, 8, 8, 2)]
    ],
)
def test_frame_draws_the_paddle_at_half_and_the_fruit_at_one(state):
    fruit_row, fruit_col, paddle_col, _ = state
    assert catcher.frame(state) == draw(fruit_row, fruit_col, paddle_col)


@exercise("world.catcher.frame")
def test_frame_is_flat_row_by_row_with_exactly_three_paddle_pixels_and_one_fruit():
    pixels = catcher.frame((2, 5, 10, 3))
    assert len(pixels) == 256
    assert pixels[16 * 2 + 5] == 1.0  # row 2, column 5
    assert [i for i, v in enumerate(pixels) if v == 0.5] == [16 * 15 + 9, 16 * 15 + 10, 16 * 15 + 11]
    assert sorted(set(pixels)) == [0.0, 0.5, 1.0] and sum(pixels) == 2.5


@exercise("world.catcher.frame")
def test_frame_draws_a_landed_fruit_over_the_paddle():
    # The last fruit, caught by the paddle's left pixel: the fruit shows, two paddle pixels remain.
    pixels = catcher.frame((15, 7, 8, 0))
    assert pixels[16 * 15 + 6 : 16 * 15 + 10] == [0.0, 1.0, 0.5, 0.5]
    assert sum(pixels) == 2.0


@exercise("world.catcher.frame")
def test_frame_returns_a_new_list_each_call():
    first = catcher.frame((0, 3, 8, 10))
    first[0] = 9.0
    assert catcher.frame((0, 3, 8, 10))[0] == 0.0


# --- Catcher._reset --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed",
    [pytest.param(seed, marks=exercise("world.catcher.Catcher._reset"), id=f"seed={seed}") for seed in (0, 1, 7)],
)
def test_reset_centres_the_paddle_and_drops_the_first_fruit_from_a_random_column(seed):
    column = Rng(seed).integers(0, 16)  # one draw per fruit
    world, observation, info = fresh_world(seed, fruits=4)
    assert world.state == (0, column, 8, 4)
    assert observation == draw(0, column, 8)
    assert info == {} and world.steps == 0


@exercise("world.catcher.Catcher._reset")
@exercise("world.catcher.Catcher._step")
def test_reset_starts_over_mid_episode():
    world, _, _ = fresh_world(0)
    for _ in range(20):
        world.step(RIGHT)
    world.reset(seed=3)
    assert world.state == (0, Rng(3).integers(0, 16), 8, 10) and world.steps == 0


@exercise("world.catcher.Catcher._reset")
def test_render_shows_the_screen_as_16_rows():
    world, observation, _ = fresh_world(2)
    grid = world.render()
    assert len(grid) == 16 and all(len(row) == 16 for row in grid)
    assert [v for row in grid for v in row] == observation


# --- Catcher._step ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, paddle",
    [
        pytest.param(a, p, marks=exercise("world.catcher.Catcher._step"), id=n)
        for a, p, n in ((LEFT, 7, "left"), (STAY, 8, "stay"), (RIGHT, 9, "right"))
    ],
)
def test_step_moves_the_paddle_then_the_fruit_falls_one_row(action, paddle):
    world, _, _ = fresh_world(0)
    column = world.state[1]
    step = world.step(action)
    assert world.state == (1, column, paddle, 10)
    assert (step.observation, step.reward, step.terminated, step.truncated, step.info) == (
        draw(1, column, paddle),
        0.0,
        False,
        False,
        {},
    )


@exercise("world.catcher.Catcher._step")
def test_step_stops_the_paddle_at_the_walls():
    world, _, _ = fresh_world(0)
    positions = [world.step(LEFT).observation[16 * 15 :].index(0.5) + 1 for _ in range(9)]
    assert positions == [7, 6, 5, 4, 3, 2, 1, 1, 1]  # the paddle covers columns 0 … 2 at the left wall
    positions = [world.step(RIGHT).observation[16 * 15 :].index(0.5) + 1 for _ in range(15)]
    assert positions[-3:] == [14, 14, 14] and world.state[2] == 14


@pytest.mark.parametrize(
    "fruit_col, reward",
    [
        pytest.param(c, r, marks=exercise("world.catcher.Catcher._step"), id=f"fruit in column {c}")
        for c, r in ((6, -1.0), (7, 1.0), (8, 1.0), (9, 1.0), (10, -1.0), (0, -1.0))
    ],
)
def test_a_landing_fruit_pays_plus_one_under_the_paddle_and_minus_one_beside_it(fruit_col, reward):
    world, _, _ = fresh_world(0, fruits=3)
    world.state = (14, fruit_col, 8, 3)  # one row above the bottom; the paddle covers 7, 8, 9
    next_column = Rng(0)
    next_column.integers(0, 16)  # the reset's draw
    step = world.step(STAY)
    assert (step.reward, step.terminated, step.truncated) == (reward, False, False)
    assert world.state == (0, next_column.integers(0, 16), 8, 2)  # a new fruit on top, one fewer to come


@exercise("world.catcher.Catcher._step")
def test_a_fruit_takes_15_steps_to_land_and_every_other_step_pays_nothing():
    world, _, _ = fresh_world(4)
    rewards = [world.step(STAY).reward for _ in range(15)]
    assert rewards[:14] == [0.0] * 14 and rewards[14] in (1.0, -1.0)
    assert world.state[0] == 0 and world.state[3] == 9


@exercise("world.catcher.Catcher._step")
def test_the_episode_terminates_when_the_last_fruit_lands_after_15_steps_per_fruit():
    world, _, _ = fresh_world(1, fruits=2)
    steps = [world.step(STAY) for _ in range(30)]
    assert [s.terminated for s in steps] == [False] * 29 + [True]
    assert not any(s.truncated for s in steps)
    assert [i for i, s in enumerate(steps) if s.reward != 0.0] == [14, 29]
    fruit_row, fruit_col, paddle_col, fruits_left = world.state
    assert (fruit_row, paddle_col, fruits_left) == (15, 8, 0)  # the last fruit stays where it landed
    assert steps[-1].observation == draw(fruit_row, fruit_col, paddle_col)  # the landed fruit on the bottom row
    with pytest.raises(RuntimeError):
        world.step(STAY)


@exercise("world.catcher.Catcher._step")
def test_a_default_episode_is_ten_fruits_in_150_steps_with_a_return_between_minus_10_and_10():
    episode = rollout(catcher.Catcher(), lambda observation: STAY, seed=0)
    assert episode.length == 150 and episode.transitions[-1].terminated
    assert sum(r != 0.0 for r in episode.rewards) == 10
    assert -10.0 <= episode.total_reward <= 10.0 and (episode.total_reward + 10.0) % 2.0 == 0.0


@exercise("world.catcher.Catcher._step")
def test_the_new_fruits_columns_come_from_the_worlds_rng_one_draw_per_fruit():
    world, _, _ = fresh_world(5, fruits=4)
    replay = Rng(5)
    columns = [replay.integers(0, 16) for _ in range(4)]
    seen = [world.state[1]]
    for _ in range(45):
        world.step(STAY)
        if world.state[0] == 0:
            seen.append(world.state[1])
    assert seen == columns


@exercise("world.catcher.Catcher._step")
def test_a_time_limit_truncates_without_terminating():
    world, _, _ = fresh_world(0, max_steps=20)
    steps = [world.step(LEFT) for _ in range(20)]
    assert [s.truncated for s in steps] == [False] * 19 + [True]
    assert not any(s.terminated for s in steps)
    with pytest.raises(RuntimeError):
        world.step(LEFT)


@pytest.mark.parametrize(
    "action",
    [pytest.param(a, marks=exercise("world.catcher.Catcher._step"), id=repr(a)) for a in (3, -1, 1.0, True, None)],
)
def test_step_rejects_an_action_outside_left_stay_right_naming_it(action):
    world, _, _ = fresh_world(0)
    with pytest.raises(ValueError) as error:
        world.step(action)
    assert_names(error, repr(action))  # World.step (given) names the refused action
    assert world.step(STAY).reward == 0.0  # the world still works after the refusal


# --- reference_policy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fruit_col, paddle_col, action",
    [
        pytest.param(f, p, a, marks=exercise("world.catcher.reference_policy"), id=f"fruit {f}, paddle {p}")
        for f, p, a in (
            (3, 8, LEFT),
            (7, 8, LEFT),
            (8, 8, STAY),
            (9, 8, RIGHT),
            (15, 14, RIGHT),
            (0, 1, LEFT),
            (1, 1, STAY),
        )
    ],
)
def test_the_tracker_moves_toward_the_fruits_column(fruit_col, paddle_col, action):
    assert catcher.reference_policy(draw(6, fruit_col, paddle_col)) == action
    # and in the mirror image, the other way: column c ↔ 15 − c, left ↔ right
    assert catcher.reference_policy(draw(6, 15 - fruit_col, 15 - paddle_col)) == 2 - action


@pytest.mark.parametrize(
    "missing",
    [pytest.param(m, marks=exercise("world.catcher.reference_policy"), id=f"no {m}") for m in ("paddle", "fruit")],
)
def test_the_tracker_refuses_a_frame_without_a_paddle_or_without_a_fruit(missing):
    pixels = draw(6, 3, 8)
    shown = 0.5 if missing == "paddle" else 1.0
    pixels = [0.0 if p == shown else p for p in pixels]
    with pytest.raises(ValueError):
        catcher.reference_policy(pixels)


@exercise("world.catcher.reference_policy")
def test_the_tracker_catches_every_fruit():
    returns = [rollout(catcher.Catcher(), catcher.reference_policy, seed=seed).total_reward for seed in range(20)]
    assert returns == [10.0] * 20


@exercise("world.catcher.reference_policy")
def test_the_tracker_rejects_a_screen_without_fruit_or_paddle():
    with pytest.raises(ValueError):
        catcher.reference_policy([0.0] * 256)


@exercise("world.catcher.Catcher._step")
def test_a_random_policy_misses_most_fruit():
    # A paddle 3 pixels wide wandering under 16 columns catches about one fruit in five: the
    # mean return is near 10·(0.2 − 0.8) = −6 (−6.2 over 2,000 episodes of the reference).
    returns = [
        rollout(catcher.Catcher(), catcher.random_policy(Rng(1000 + s)), seed=s).total_reward for s in range(200)
    ]
    assert -7.5 < statistics.fmean(returns) < -5.0
