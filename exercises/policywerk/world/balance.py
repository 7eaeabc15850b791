"""The cart-pole of lesson 02: Barto, Sutton & Anderson's (1983) pole balancing task.

A pole is hinged on a cart that runs on a 1-D track. Each step the controller pushes the
cart left or right with a fixed force (bang-bang control: never gently, never not at all),
and must keep the pole from falling and the cart on its track:

                 θ ╱          θ: the pole's angle from upright, radians, positive to the right
                  ╱           x: the cart's position, metres, positive to the right
             ┌───●───┐
      F ──▶  │  cart │        F = ±10 N, one of two actions each step
             └─○───○─┘
    ═════════════════════════ the track, |x| <= 2.4 m

The state is (x, ẋ, θ, θ̇): position, velocity, angle, angular velocity. The equations of
motion are the frictionless ones of the authors' own published simulator (the same ones
Gymnasium's CartPole uses), with g = 9.8 m/s², a 1.0 kg cart, a 0.1 kg pole of half-length
0.5 m, and M = 1.1 kg the total mass:

    temp = (F + m_p·l·θ̇²·sin θ) / M
    θ̈    = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / M))
    ẍ    = temp − m_p·l·θ̈·cos θ / M

integrated by explicit Euler steps of τ = 0.02 s, the positions moving with the OLD
velocities: x ← x + τ·ẋ, ẋ ← ẋ + τ·ẍ, θ ← θ + τ·θ̇, θ̇ ← θ̇ + τ·θ̈. (The paper's appendix adds
tiny friction terms, μ_c = 0.0005 and μ_p = 0.000002; the authors' simulator and this world
leave them out.)

The task fails when the pole leaves ±12° or the cart leaves ±2.4 m. The only reward is −1 at
that failure (0 on every other step): the agent hears nothing until it is too late, which is
what makes the problem hard and the 1983 adaptive critic interesting.

World API (Gymnasium's): actions Discrete(2), 0 = push left (−10 N), 1 = push right
(+10 N). The observation is the full state as a tuple of four floats (x, ẋ, θ, θ̇), which the
world also keeps in its public `state`. Every episode starts at rest, (0, 0, 0, 0), so the
world itself has no randomness. A failure ends the episode (terminated); the constructor's
`max_steps` cuts a balancing episode off (truncated): the lesson's cap.

The paper's learner does not see the state: it sees which of 162 boxes the state is in,
3 × 3 × 6 × 3 intervals of x, ẋ, θ and θ̇ (`box_index`).

Reference: A. G. Barto, R. S. Sutton and C. W. Anderson, "Neuronlike adaptive elements that
can solve difficult learning control problems", IEEE Transactions on Systems, Man, and
Cybernetics 13(5), 834–846 (1983).
"""

from __future__ import annotations

import math
from bisect import bisect_right

from policywerk.building_blocks.mdp import Box, Discrete, Step, World
from policywerk.primitives.random import Rng

GRAVITY = 9.8  # m/s²
CART_MASS = 1.0  # kg
POLE_MASS = 0.1  # kg
TOTAL_MASS = CART_MASS + POLE_MASS  # M = 1.1 kg
HALF_LENGTH = 0.5  # l, metres: the pivot to the pole's centre of mass
POLE_MASS_LENGTH = POLE_MASS * HALF_LENGTH  # m_p·l
FORCE = 10.0  # newtons, the size of every push
TIME_STEP = 0.02  # τ, seconds per Euler step

X_LIMIT = 2.4  # metres: the track's ends
THETA_LIMIT = math.radians(12.0)  # 0.2094395… rad (the authors' code rounds it to 0.2094384)
FAILURE_REWARD = -1.0

PUSH_LEFT, PUSH_RIGHT = 0, 1
FORCES = (-FORCE, FORCE)  # the force of each action
START = (0.0, 0.0, 0.0, 0.0)  # at rest, centred, upright

# The paper's boxes: interval edges of each state variable (a value equal to an edge belongs
# to the interval above it). 3 × 3 × 6 × 3 = 162 boxes.
X_EDGES = (-0.8, 0.8)  # metres
X_DOT_EDGES = (-0.5, 0.5)  # metres per second
THETA_EDGES = tuple(math.radians(d) for d in (-6.0, -1.0, 0.0, 1.0, 6.0))  # ±6°, ±1°, 0
THETA_DOT_EDGES = (math.radians(-50.0), math.radians(50.0))  # ±50°/s
N_BOXES = 162

# The reference controller's gains: push right when θ + 0.3·θ̇ + 0.1·x + 0.2·ẋ > 0.
GAIN_THETA_DOT, GAIN_X, GAIN_X_DOT = 0.3, 0.1, 0.2


def dynamics(state: tuple[float, float, float, float], force: float) -> tuple[float, float, float, float]:
    """One Euler step of τ = 0.02 s of the frictionless cart-pole under a horizontal force.

    With (x, ẋ, θ, θ̇) = state, M = cart + pole mass, m_p·l = pole mass × half-length:

        temp = (F + m_p·l·θ̇²·sin θ) / M
        θ̈    = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / M))
        ẍ    = temp − m_p·l·θ̈·cos θ / M

    then x + τ·ẋ, ẋ + τ·ẍ, θ + τ·θ̇, θ̇ + τ·θ̈: every variable moves with the derivative of the
    OLD state (explicit Euler; positions with the old velocities).

    Shapes: a 4-tuple and a float -> a new 4-tuple (the input is not changed). No checks here:
    it runs millions of times; the world checks the actions.

    At rest and upright only the force acts: temp = F/M, θ̈ = −(F/M)/(l·(4/3 − m_p/M)), and
    the pole starts to tip away from the push (θ̇ < 0 for a push to the right).

    >>> dynamics((0.0, 0.0, 0.0, 0.0), 10.0)  # positions still 0: they move with the old velocities
    (0.0, 0.1951219512195122, 0.0, -0.2926829268292683)
    """
    raise NotImplementedError(
        'world.balance.dynamics is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check world.balance'
    )


def has_failed(state: tuple[float, float, float, float]) -> bool:
    """Whether the task has failed: the cart is off the track (|x| > 2.4 m) or the pole has
    fallen past 12° (|θ| > THETA_LIMIT). The limits themselves still count as balanced.

    >>> has_failed((0.0, 0.0, 0.0, 0.0)), has_failed((2.5, 0.0, 0.0, 0.0)), has_failed((0.0, 0.0, -0.21, 0.0))
    (False, True, True)
    """
    raise NotImplementedError(
        'world.balance.has_failed is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check world.balance'
    )


def box_index(state: tuple[float, float, float, float]) -> int:
    """Which of the paper's 162 boxes the state is in: an integer in [0, 162).

    Each variable is cut into intervals at its edges (a value equal to an edge goes to the
    interval above it):

        x:  3 intervals at −0.8, 0.8 m            → i_x  ∈ {0, 1, 2}
        ẋ:  3 intervals at −0.5, 0.5 m/s          → i_ẋ  ∈ {0, 1, 2}
        θ:  6 intervals at −6°, −1°, 0°, 1°, 6°   → i_θ  ∈ {0, …, 5}
        θ̇:  3 intervals at −50°/s, 50°/s          → i_θ̇  ∈ {0, 1, 2}

    and the box is i_x + 3·i_ẋ + 9·i_θ + 54·i_θ̇ (the numbering of the authors' simulator).
    The ends of the track and ±12° bound the outer intervals; a failed state has no box.

    Raises ValueError for a failed state (see has_failed), naming the state (its four numbers).

    >>> box_index((0.0, 0.0, 0.0, 0.0))  # 1 + 3·1 + 9·3 + 54·1: the middle of x, ẋ, θ̇; θ in [0°, 1°)
    85
    >>> box_index((-1.0, 0.6, math.radians(-3.0), math.radians(60.0)))  # 0 + 3·2 + 9·1 + 54·2
    123
    """
    raise NotImplementedError(
        'world.balance.box_index is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check world.balance'
    )


# given
def box_intervals(box: int) -> tuple[int, int, int, int]:
    """The interval numbers (i_x, i_ẋ, i_θ, i_θ̇) of a box number: the inverse of the numbering
    in `box_index`, for drawing. Raises ValueError outside [0, 162)."""
    if not isinstance(box, int) or isinstance(box, bool) or not 0 <= box < N_BOXES:
        raise ValueError(f"box_intervals: box must be an integer in [0, {N_BOXES}), got {box!r}")
    return box % 3, box // 3 % 3, box // 9 % 6, box // 54


class BalanceWorld(World):
    """The cart-pole with Gymnasium's reset/step: starts at rest, fails at ±12° or ±2.4 m.

    >>> world = BalanceWorld(max_steps=1000)
    >>> world.reset(seed=0)
    ((0.0, 0.0, 0.0, 0.0), {})
    >>> world.step(PUSH_RIGHT)
    Step(observation=(0.0, 0.1951219512195122, 0.0, -0.2926829268292683), reward=0.0, terminated=False, truncated=False, info={})
    """

    # given
    def __init__(self, max_steps: int = 100_000):
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
            raise ValueError(f"BalanceWorld: max_steps must be an integer >= 1, got {max_steps!r}")
        self.max_steps = max_steps
        self.action_space = Discrete(2)
        # The observation: (x, ẋ, θ, θ̇) within the failure limits (the velocities are unbounded).
        self.observation_space = Box(
            low=(-X_LIMIT, -math.inf, -THETA_LIMIT, -math.inf), high=(X_LIMIT, math.inf, THETA_LIMIT, math.inf)
        )
        self.observation_shape = (4,)  # a vector of 4 numbers (what a network sizes its input by)
        self.state: tuple[float, float, float, float] | None = None
        self.steps = 0

    # given
    def _reset(self) -> tuple[float, float, float, float]:
        self.state = START
        self.steps = 0
        return self.state

    # given
    def _step(self, action: int) -> Step:
        self.state = state = dynamics(self.state, FORCES[action])
        self.steps += 1
        if has_failed(state):
            return Step(state, FAILURE_REWARD, True, False, {})
        return Step(state, 0.0, False, self.steps >= self.max_steps, {})

    # given
    def render(self) -> list[list[float]]:
        """Two points to draw, in metres: [[x, 0.0], [pole tip x, pole tip y]] for a pole of
        full length 2·l = 1 m standing on the cart at x (before the first reset: at rest)."""
        x, _, theta, _ = self.state if self.state is not None else START
        return [[x, 0.0], [x + 2.0 * HALF_LENGTH * math.sin(theta), 2.0 * HALF_LENGTH * math.cos(theta)]]


def reference_policy(state: tuple[float, float, float, float]) -> int:
    """A hand-made controller with fixed gains: push right (1) when

        u = θ + 0.3·θ̇ + 0.1·x + 0.2·ẋ > 0,

    else left (0). The θ and θ̇ terms push the cart under a falling pole (and damp it); the
    small x and ẋ terms have the same sign, which looks backwards but is how an inverted
    pendulum is steered home: pushing the cart further out tips the pole inward, and the
    angle terms then chase it back towards the centre. Gains picked by hand and checked by
    simulation: from rest it balances for 100,000 steps and more, the cart within a few
    millimetres of the centre; it also recovers from every corner of x = ±0.8 m,
    ẋ = ±0.3 m/s, θ = ±0.08 rad, θ̇ = ±0.3 rad/s.

    >>> reference_policy((0.0, 0.0, 0.05, 0.0)), reference_policy((0.0, 0.0, 0.05, -0.5))
    (1, 0)
    """
    raise NotImplementedError(
        'world.balance.reference_policy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check world.balance'
    )


# given
def random_policy(rng: Rng):
    """A policy that pushes left or right with equal probability (one draw per step)."""
    return lambda state: rng.integers(0, 2)
