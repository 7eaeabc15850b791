"""The point mass of lesson 07, seen only as a small picture: DreamerV3 must learn from pixels.

The same world as `pointmass` (same dynamics, rewards, start and target draws, 50-step
episodes that are truncated, never terminated), but each observation is an 8×8 grey image
instead of the state vector:

    background   0.5 (grey)
    the mass     a bright Gaussian blob, + 0.5·exp(−d²/2σ²)
    the target   a dark Gaussian blob,   − 0.5·exp(−d²/2σ²)

with d the distance in pixels from a pixel's centre to the blob's centre and σ = 1 pixel.
A picture shows where things are, not how fast they move: an agent must infer the velocity
from successive frames, which is what DreamerV3's recurrent state is for.

Why these choices (measured in the sizing trials of lesson 07, maintainer/PERFORMANCE.md):
a one-pixel mass was never encoded by the world model, while smooth blobs give a gradient
everywhere near them; grey in the middle lets one blob be brighter and the other darker; and
8×8 learned at least as fast as 16×16, at a quarter of the cost.

Coordinates: the table's corner (−1, 1) (left, top) is the centre of pixel (row 0, column 0)
and (1, −1) the centre of pixel (size − 1, size − 1); images are flat lists, row by row, with
the explicit shape (channels, height, width) = (1, size, size) in `observation_shape`.

The scripted controller and the random policy act on the hidden state for scoring: the
lesson compares the agent with what a controller that knew the velocity would do.
"""

from __future__ import annotations

import math
from typing import Callable

from policywerk.building_blocks.mdp import Step
from policywerk.primitives.random import Rng
from policywerk.world import pointmass
from policywerk.world.pointmass import EPISODE_STEPS, PointMass

IMAGE_SIZE = 8  # pixels per side (8×8 learned at least as fast as 16×16 in the sizing trials)
BLOB_SIGMA = 1.0  # σ of each blob in pixels at 8×8 (the trials used 1.5 at 16×16)
BACKGROUND = 0.5  # grey, so the mass can be brighter and the target darker
AGENT_CONTRAST = 0.5  # the mass adds up to +0.5 (white at its centre)
TARGET_CONTRAST = -0.5  # the target adds down to −0.5 (black at its centre)
RENDER_SIZE = 32  # render() draws the same picture larger, for the lesson's animation


def pixel_coordinate(coordinate: float, size: int) -> float:
    """Where a table coordinate in [−1, 1] falls along an image axis of `size` pixels, in
    pixel units: (coordinate + 1)/2·(size − 1), so −1 is the centre of the first pixel and +1
    the centre of the last. (Rows count down from the top, so a row uses −y.)

    >>> pixel_coordinate(-1.0, 8), pixel_coordinate(1.0, 8), pixel_coordinate(0.0, 8)
    (0.0, 7.0, 3.5)
    """
    return (coordinate + 1.0) * 0.5 * (size - 1)


def draw_image(state: tuple[float, ...], size: int = IMAGE_SIZE, sigma: float = BLOB_SIGMA) -> list[float]:
    """The picture of a state (x, y, vx, vy, tx, ty): size×size floats, flat, row by row.

    pixel(r, c) = 0.5 + 0.5·exp(−((c − cₘ)² + (r − rₘ)²)/2σ²) − 0.5·exp(−((c − cₜ)² + (r − rₜ)²)/2σ²)

    with (rₘ, cₘ) the mass at column pixel_coordinate(x), row pixel_coordinate(−y), and
    (rₜ, cₜ) the target likewise. Each value lies in [0, 1]. A 2-D Gaussian is the product of
    two 1-D ones, exp(−dc²/2σ²)·exp(−dr²/2σ²): compute `size` exponentials per axis and
    blob, not one per pixel. The velocity is not drawn.

    Shapes: a state of 6 numbers -> (size·size,). Raises ValueError naming the size unless it
    is an integer >= 2, and naming σ unless σ > 0.

    >>> image = draw_image((-1.0, 1.0, 0.0, 0.0, 1.0, -1.0), size=2, sigma=0.5)
    >>> [round(v, 4) for v in image]  # mass top-left (0.5 + 0.5 − 0.5·e⁻⁴), target bottom-right
    [0.9908, 0.5, 0.5, 0.0092]
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 2:
        raise ValueError(f"draw_image: size must be an integer >= 2, got {size!r}")
    if not sigma > 0.0:
        raise ValueError(f"draw_image: sigma must be > 0, got {sigma}")
    exp, scale = math.exp, -0.5 / (sigma * sigma)
    x, y, _, _, tx, ty = state
    pixels = range(size)
    agent_col = [AGENT_CONTRAST * exp(scale * (c - pixel_coordinate(x, size)) ** 2) for c in pixels]
    agent_row = [exp(scale * (r - pixel_coordinate(-y, size)) ** 2) for r in pixels]
    target_col = [TARGET_CONTRAST * exp(scale * (c - pixel_coordinate(tx, size)) ** 2) for c in pixels]
    target_row = [exp(scale * (r - pixel_coordinate(-ty, size)) ** 2) for r in pixels]
    image = []
    for a_row, t_row in zip(agent_row, target_row):
        image.extend([BACKGROUND + a_row * a + t_row * t for a, t in zip(agent_col, target_col)])
    return image


class PixelPointMass(PointMass):
    """The point mass observed as a size×size image; everything else is `PointMass`.

    >>> world = PixelPointMass()
    >>> image, _ = world.reset(seed=0)
    >>> len(image), world.observation_shape, len(world.state)
    (64, (1, 8, 8), 6)
    """

    # given
    def __init__(self, size: int = IMAGE_SIZE, blob_sigma: float = BLOB_SIGMA, max_steps: int = EPISODE_STEPS):
        super().__init__(max_steps=max_steps)
        if not isinstance(size, int) or isinstance(size, bool) or size < 2:
            raise ValueError(f"PixelPointMass: size must be an integer >= 2, got {size!r}")
        if not blob_sigma > 0.0:
            raise ValueError(f"PixelPointMass: blob_sigma must be > 0, got {blob_sigma}")
        self.size, self.blob_sigma = size, blob_sigma
        self.observation_shape = (1, size, size)

    def _reset(self) -> list[float]:
        """A new episode exactly as `PointMass` draws it (same four draws); the observation is
        the picture of the new state, `draw_image(state, size, blob_sigma)`."""
        super()._reset()
        return draw_image(self.state, self.size, self.blob_sigma)

    def _step(self, action) -> Step:
        """One `PointMass` step (same dynamics, reward, truncation), observed as a picture."""
        step = super()._step(action)
        return Step(
            draw_image(self.state, self.size, self.blob_sigma), step.reward, step.terminated, step.truncated, step.info
        )

    # given
    def render(self) -> list[list[float]]:
        """The same picture drawn RENDER_SIZE pixels wide (blobs scaled alike), as rows; before
        the first reset, a grey square."""
        size = RENDER_SIZE
        if self.state is None:
            return [[BACKGROUND] * size for _ in range(size)]
        sigma = self.blob_sigma * (size - 1) / (self.size - 1)
        flat = draw_image(self.state, size, sigma)
        return [flat[row * size : (row + 1) * size] for row in range(size)]


# given
def reference_policy(world: PixelPointMass) -> Callable[[list[float]], list[float]]:
    """The scripted PD controller of `pointmass`, reading the world's hidden state (position,
    velocity, target), not the picture: the yardstick of the normalised score."""
    return lambda observation: pointmass.reference_policy(list(world.state))


# given
def random_policy(rng: Rng) -> Callable[[list[float]], list[float]]:
    """A policy that pushes uniformly at random in [−1, 1]² (two draws per step)."""
    return lambda observation: [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)]
