"""The point mass of lessons 06 and 07: push a puck across a square table to a target.

A point mass moves in the square [−1, 1]² with velocity and damping. Each step the agent
applies a force f ∈ [−1, 1]² (anything outside is clipped to the bounds, per coordinate):

    v ← 0.9·v + 0.1·f               damping keeps the speed bounded
    p ← clip(p + 0.2·v, −1, 1)      the walls stop the mass (its velocity is kept)

Start and target are drawn uniformly in [−1, 1]² at each reset. The reward is minus the
distance to the target, so an agent earns most by getting there quickly and staying. There
is no terminal state: every episode is cut after 50 steps, as *truncated*, and a return
must bootstrap from the final observation's value there.

Observation: [x, y, vx, vy, tx, ty] (position, velocity, target). An agent may compute the
target's offset (tx − x, ty − y) from it; the full state is the public tuple `state`.
"""

from __future__ import annotations

import math

from policywerk.building_blocks.mdp import Box, Step, World
from policywerk.primitives.random import Rng

DAMPING = 0.9  # v ← DAMPING·v + FORCE_SCALE·f
FORCE_SCALE = 0.1
STEP_SCALE = 0.2  # p ← p + STEP_SCALE·v
EPISODE_STEPS = 50
# The scripted controller's gains, from a grid search over kp ∈ 4 … 30, kd ∈ 0 … 8 on 200
# episodes: −7.19 per episode (the best found, −7.18, is within noise); random pushes: −54.8.
PROPORTIONAL_GAIN, DERIVATIVE_GAIN = 10.0, 5.0


def dynamics(state: tuple[float, ...], force: list[float]) -> tuple[float, ...]:
    """One step of the mass: (x, y, vx, vy, tx, ty) and a force -> the next state.

    Clip each force coordinate to [−1, 1]; v ← 0.9·v + 0.1·f; p ← clip(p + 0.2·v, −1, 1),
    with the new velocity; the target does not move.

    >>> dynamics((0.0, 0.0, 0.0, 0.0, 0.5, 0.5), [1.0, -3.0])  # the −3 acts as −1
    (0.020000000000000004, -0.020000000000000004, 0.1, -0.1, 0.5, 0.5)
    """
    x, y, vx, vy, tx, ty = state
    fx = -1.0 if force[0] < -1.0 else 1.0 if force[0] > 1.0 else force[0]
    fy = -1.0 if force[1] < -1.0 else 1.0 if force[1] > 1.0 else force[1]
    vx = DAMPING * vx + FORCE_SCALE * fx
    vy = DAMPING * vy + FORCE_SCALE * fy
    x = min(1.0, max(-1.0, x + STEP_SCALE * vx))
    y = min(1.0, max(-1.0, y + STEP_SCALE * vy))
    return (x, y, vx, vy, tx, ty)


def distance_to_target(state: tuple[float, ...]) -> float:
    """√((tx − x)² + (ty − y)²); the reward is minus this.

    >>> distance_to_target((0.0, 0.0, 0.0, 0.0, 3.0, 4.0))
    5.0
    """
    return math.hypot(state[4] - state[0], state[5] - state[1])


class PointMass(World):
    """The point mass with Gymnasium's reset/step; episodes truncate after `max_steps`.

    >>> world = PointMass()
    >>> observation, _ = world.reset(seed=0)
    >>> len(observation), world.step([0.0, 0.0]).truncated
    (6, False)
    """

    # given
    def __init__(self, max_steps: int = EPISODE_STEPS):
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
            raise ValueError(f"PointMass: max_steps must be an integer >= 1, got {max_steps!r}")
        self.max_steps = max_steps
        self.action_space = Box(low=(-1.0, -1.0), high=(1.0, 1.0))
        self.observation_shape = (6,)
        self.state: tuple[float, ...] | None = None

    # given
    def _action_problem(self, action) -> str | None:
        # Out-of-bounds forces are clipped, not refused; a wrong length or a NaN is a bug.
        if not isinstance(action, (list, tuple)) or len(action) != 2:
            return f"expected a force of 2 numbers, got {action!r}"
        if not all(isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a) for a in action):
            return f"expected 2 finite numbers, got {action!r}"
        return None

    def _reset(self) -> list[float]:
        """A new episode: position then target, each uniform in [−1, 1]² (four draws, in the
        order x, y, tx, ty), velocity zero; the observation is the state as a list."""
        uniform = self.rng.uniform
        x, y, tx, ty = uniform(-1.0, 1.0), uniform(-1.0, 1.0), uniform(-1.0, 1.0), uniform(-1.0, 1.0)
        self.state = (x, y, 0.0, 0.0, tx, ty)
        self.steps = 0
        return list(self.state)

    def _step(self, action) -> Step:
        """Move by `dynamics`, reward −distance to the target after the move, truncate at the
        step limit (never terminate)."""
        self.state = dynamics(self.state, action)
        self.steps += 1
        return Step(list(self.state), -distance_to_target(self.state), False, self.steps >= self.max_steps, {})

    # given
    def render(self) -> list[list[float]]:
        """A 21×21 picture of the table: 0 empty, 0.5 the target, 1 the mass (drawn last)."""
        size = 21
        grid = [[0.0] * size for _ in range(size)]
        if self.state is not None:
            for (px, py), mark in (((self.state[4], self.state[5]), 0.5), ((self.state[0], self.state[1]), 1.0)):
                col = min(size - 1, int((px + 1.0) / 2.0 * size))
                row = min(size - 1, int((1.0 - py) / 2.0 * size))
                grid[row][col] = mark
        return grid


def reference_policy(observation: list[float]) -> list[float]:
    """A scripted PD controller: force = clip(10·(target − position) − 5·velocity) per coordinate.

    The proportional term pulls toward the target, the derivative term brakes before it.

    >>> reference_policy([0.0, 0.0, 0.2, 0.0, 0.05, -0.05])  # x: 0.5 − 1.0; y: −0.5
    [-0.5, -0.5]
    """
    x, y, vx, vy, tx, ty = observation
    fx = PROPORTIONAL_GAIN * (tx - x) - DERIVATIVE_GAIN * vx
    fy = PROPORTIONAL_GAIN * (ty - y) - DERIVATIVE_GAIN * vy
    return [max(-1.0, min(1.0, fx)), max(-1.0, min(1.0, fy))]


# given
def random_policy(rng: Rng):
    """A policy that pushes uniformly at random in [−1, 1]² (two draws per step)."""
    return lambda observation: [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)]
