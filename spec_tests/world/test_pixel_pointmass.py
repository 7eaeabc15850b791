"""Specs for world.pixel_pointmass: the point mass seen as an 8×8 grey picture with a bright
blob for the mass and a dark blob for the target, and otherwise the very same world.

The picture, written out again below (`expected_image`) one pixel at a time, from the rule

    pixel(r, c) = 0.5 + 0.5·exp(−((c − cₘ)² + (r − rₘ)²)/2σ²) − 0.5·exp(−((c − cₜ)² + (r − rₜ)²)/2σ²)
    column of x = (x + 1)/2·(size − 1),   row of y = (1 − y)/2·(size − 1)

so the module's faster per-axis form is checked against the plain formula, not itself.
"""

import math
import random

import pytest

from policywerk.building_blocks.mdp import rollout
from policywerk.primitives.random import Rng
from policywerk.world import pixel_pointmass, pointmass
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def expected_image(state, size=8, sigma=1.0):
    """The rule above, pixel by pixel."""
    x, y, _, _, tx, ty = state
    mass = ((x + 1.0) / 2.0 * (size - 1), (1.0 - y) / 2.0 * (size - 1))  # (column, row)
    target = ((tx + 1.0) / 2.0 * (size - 1), (1.0 - ty) / 2.0 * (size - 1))
    image = []
    for r in range(size):
        for c in range(size):
            near_mass = math.exp(-((c - mass[0]) ** 2 + (r - mass[1]) ** 2) / (2.0 * sigma**2))
            near_target = math.exp(-((c - target[0]) ** 2 + (r - target[1]) ** 2) / (2.0 * sigma**2))
            image.append(0.5 + 0.5 * near_mass - 0.5 * near_target)
    return image


def random_states(count, seed):
    generator = random.Random(seed)
    return [
        tuple(generator.uniform(-1.0, 1.0) for _ in range(2))
        + (generator.uniform(-0.5, 0.5), generator.uniform(-0.5, 0.5))
        + tuple(generator.uniform(-1.0, 1.0) for _ in range(2))
        for _ in range(count)
    ]


# --- pixel_coordinate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [pytest.param(size, marks=exercise("world.pixel_pointmass.pixel_coordinate")) for size in (2, 8, 16)],
)
def test_pixel_coordinate_maps_the_table_corners_onto_the_first_and_last_pixel_centres(size):
    assert pixel_pointmass.pixel_coordinate(-1.0, size) == 0.0
    assert pixel_pointmass.pixel_coordinate(1.0, size) == pytest.approx(size - 1, abs=1e-12)
    assert pixel_pointmass.pixel_coordinate(0.0, size) == pytest.approx((size - 1) / 2, abs=1e-12)  # the middle


@exercise("world.pixel_pointmass.pixel_coordinate")
def test_pixel_coordinate_is_linear_between_the_corners():
    # 0.5 is three quarters of the way from −1 to 1: 0.75·15 = 11.25 on 16 pixels.
    assert pixel_pointmass.pixel_coordinate(0.5, 16) == pytest.approx(11.25, abs=1e-12)
    assert pixel_pointmass.pixel_coordinate(-0.5, 8) == pytest.approx(1.75, abs=1e-12)


# --- draw_image ----------------------------------------------------------------------------------


@exercise("world.pixel_pointmass.draw_image")
def test_draw_image_follows_the_blob_formula_pixel_by_pixel():
    for state in random_states(6, seed=1):
        image = pixel_pointmass.draw_image(state)
        assert len(image) == 64
        assert image == pytest.approx(expected_image(state), abs=1e-12)


@exercise("world.pixel_pointmass.draw_image")
def test_draw_image_honours_the_size_and_the_blob_width():
    state = random_states(1, seed=2)[0]
    for size, sigma in ((16, 1.5), (5, 0.7), (2, 0.5)):
        image = pixel_pointmass.draw_image(state, size, sigma)
        assert len(image) == size * size
        assert image == pytest.approx(expected_image(state, size, sigma), abs=1e-12)


@exercise("world.pixel_pointmass.draw_image")
def test_the_mass_is_the_brightest_pixel_and_the_target_the_darkest_on_grey():
    # Mass on the top-left corner pixel, target on the bottom-right one: far apart.
    image = pixel_pointmass.draw_image((-1.0, 1.0, 0.3, -0.2, 1.0, -1.0))
    assert max(range(64), key=image.__getitem__) == 0 and min(range(64), key=image.__getitem__) == 63
    assert image[0] == pytest.approx(1.0, abs=1e-6) and image[63] == pytest.approx(0.0, abs=1e-6)
    # The opposite corners are ~5 σ from both blobs: grey.
    assert image[7] == pytest.approx(0.5, abs=1e-5) and image[56] == pytest.approx(0.5, abs=1e-5)
    assert all(0.0 <= value <= 1.0 for value in image)


@exercise("world.pixel_pointmass.draw_image")
def test_the_picture_does_not_show_the_velocity():
    still = pixel_pointmass.draw_image((0.2, -0.4, 0.0, 0.0, -0.5, 0.6))
    moving = pixel_pointmass.draw_image((0.2, -0.4, 0.7, -0.3, -0.5, 0.6))
    assert still == moving and len(still) == 64


@pytest.mark.parametrize(
    "size, sigma, named",
    [
        pytest.param(1, 1.0, 1, marks=exercise("world.pixel_pointmass.draw_image")),
        pytest.param(8.5, 1.0, 8.5, marks=exercise("world.pixel_pointmass.draw_image")),
        pytest.param(8, 0.0, 0.0, marks=exercise("world.pixel_pointmass.draw_image")),
        pytest.param(8, -1.5, -1.5, marks=exercise("world.pixel_pointmass.draw_image")),
    ],
)
def test_draw_image_rejects_a_size_below_two_or_a_blob_width_that_is_not_positive_naming_it(size, sigma, named):
    with pytest.raises(ValueError) as error:
        pixel_pointmass.draw_image((0.0, 0.0, 0.0, 0.0, 0.5, 0.5), size, sigma)
    assert_names(error, named)


# --- PixelPointMass: reset and step --------------------------------------------------------------


@exercise("world.pixel_pointmass.PixelPointMass._reset")
def test_reset_draws_the_state_as_the_point_mass_does_and_shows_its_picture():
    for seed in range(5):
        pixels, plain = pixel_pointmass.PixelPointMass(), pointmass.PointMass()
        image, info = pixels.reset(seed=seed)
        plain.reset(seed=seed)
        assert pixels.state == plain.state and pixels.state[2:4] == (0.0, 0.0)
        assert image == pytest.approx(expected_image(pixels.state), abs=1e-12) and info == {}


@exercise("world.pixel_pointmass.PixelPointMass._reset")
def test_reset_uses_the_chosen_size_and_blob_width():
    world = pixel_pointmass.PixelPointMass(size=16, blob_sigma=1.5)
    image, _ = world.reset(seed=3)
    assert world.observation_shape == (1, 16, 16)
    assert image == pytest.approx(expected_image(world.state, 16, 1.5), abs=1e-12)


@exercise("world.pixel_pointmass.PixelPointMass._step")
def test_step_moves_rewards_and_truncates_exactly_as_the_point_mass():
    generator = random.Random(4)
    pixels, plain = pixel_pointmass.PixelPointMass(), pointmass.PointMass()
    pixels.reset(seed=7)
    plain.reset(seed=7)
    for t in range(50):
        force = [generator.uniform(-1.5, 1.5), generator.uniform(-1.5, 1.5)]  # beyond ±1: clipped by both
        step, reference = pixels.step(force), plain.step(force)
        assert pixels.state == plain.state
        assert (step.reward, step.terminated, step.truncated, step.info) == (reference.reward, False, t == 49, {})
        assert step.observation == pytest.approx(expected_image(pixels.state), abs=1e-12)


@exercise("world.pixel_pointmass.PixelPointMass._step")
def test_a_moving_mass_moves_its_blob_and_leaves_the_target_in_place():
    world = pixel_pointmass.PixelPointMass(size=8)
    world.reset(seed=0)
    world.state = (-0.8, 0.0, 0.0, 0.0, 0.5, 0.5)
    first = world.step([1.0, 0.0]).observation
    for _ in range(20):
        last = world.step([1.0, 0.0]).observation
    brightest = [max(range(64), key=image.__getitem__) for image in (first, last)]
    assert brightest[1] % 8 > brightest[0] % 8  # further right
    assert min(range(64), key=first.__getitem__) == min(range(64), key=last.__getitem__)


@exercise("world.pixel_pointmass.PixelPointMass._step")
def test_the_reference_controller_scores_the_same_through_the_pixel_world():
    # The controller reads the hidden state, so the pictures change nothing: −7.19 per episode
    # on average in pointmass (its docstring); here the same seeds give the same returns.
    world, plain = pixel_pointmass.PixelPointMass(), pointmass.PointMass()
    for seed in range(4):
        ours = rollout(world, pixel_pointmass.reference_policy(world), seed=seed)
        theirs = rollout(plain, pointmass.reference_policy, seed=seed)
        assert ours.length == 50 and ours.transitions[-1].truncated
        assert ours.total_reward == pytest.approx(theirs.total_reward, abs=1e-12)
        assert len(ours.transitions[0].observation) == 64


# --- given code: construction, rendering, policies -----------------------------------------------


@pytest.mark.parametrize("size, sigma", [(1, 1.0), (0, 1.0), (8.5, 1.0), (True, 1.0), (8, 0.0), (8, -0.5)])
def test_the_world_rejects_a_size_below_two_or_a_blob_width_that_is_not_positive(size, sigma):
    with pytest.raises(ValueError, match="size|blob_sigma"):
        pixel_pointmass.PixelPointMass(size=size, blob_sigma=sigma)


@exercise("world.pixel_pointmass.PixelPointMass._reset")
@exercise("world.pixel_pointmass.PixelPointMass._step")
def test_the_world_keeps_the_point_mass_action_space_and_time_limit():
    world = pixel_pointmass.PixelPointMass(max_steps=3)
    assert world.action_space.low == (-1.0, -1.0) and world.action_space.high == (1.0, 1.0)
    world.reset(seed=0)
    assert [world.step([0.0, 0.0]).truncated for _ in range(3)] == [False, False, True]
    with pytest.raises(RuntimeError, match="ended"):
        world.step([0.0, 0.0])
    with pytest.raises(ValueError) as error:
        pixel_pointmass.PixelPointMass().step([0.0])
    assert_names(error, "[0.0]")  # the given force check names the refused force


@exercise("world.pixel_pointmass.PixelPointMass._reset")
def test_render_draws_the_picture_larger_and_grey_before_the_first_reset():
    world = pixel_pointmass.PixelPointMass()
    assert world.render() == [[0.5] * 32 for _ in range(32)]
    world.reset(seed=0)
    world.state = (-1.0, 1.0, 0.0, 0.0, 1.0, -1.0)
    grid = world.render()
    assert len(grid) == 32 and all(len(row) == 32 for row in grid)
    assert grid[0][0] == pytest.approx(1.0, abs=1e-6) and grid[31][31] == pytest.approx(0.0, abs=1e-6)


def test_random_policy_pushes_uniformly_in_the_square_from_the_rng():
    policy, replay = pixel_pointmass.random_policy(Rng(5)), Rng(5)
    forces = [policy([0.5] * 64) for _ in range(100)]
    assert forces == [[replay.uniform(-1.0, 1.0), replay.uniform(-1.0, 1.0)] for _ in range(100)]
    assert all(-1.0 <= f <= 1.0 for force in forces for f in force)
