"""The catcher of lesson 05: catch falling fruit with a paddle, seen only as pixels.

A 16×16 screen. A fruit (one pixel) appears in a random column of the top row and falls one
row per step; a paddle three pixels wide slides along the bottom row. Each step the agent
moves the paddle one column left, keeps it still, or moves it one column right (it stops at
the walls), then the fruit falls one row:

    row  0   . . . . . o . . . . . . . . . .      o the fruit: 1.0
    …                  ↓
    row 14   . . . . . . . . . . . . . . . .
    row 15   . . . . . . . ■ ■ ■ . . . . . .      ■ the paddle: 0.5, everything else 0.0

When the fruit reaches the bottom row it lands: +1 if the paddle covers its column (a catch),
−1 if not (a miss); 0 on every other step. A new fruit then appears at the top, in the same
step, so each fruit takes 15 steps to fall and a decision made at the top is paid for 15
steps later: the credit-assignment problem in miniature.

An episode is a fixed number of fruits, 10 by default (150 steps): after the last one lands
the episode ends as *terminated*. The constructor's `max_steps`, if given, is a time limit
that cuts an episode short as *truncated*. The returns run from −10 (every fruit missed) to
+10 (every fruit caught).

World API (Gymnasium's): actions Discrete(3), 0 = left, 1 = stay, 2 = right. The observation
is the screen, a flat list of 256 floats, row by row (pixel (i, j) at index 16·i + j), of shape
`observation_shape` = (1, 16, 16): one channel, as a convolution reads it. The full state is
the public tuple `state` = (fruit_row, fruit_col, paddle_col, fruits_left), the paddle's
column being the centre of its three pixels (1 … 14). The frame after a landing shows the next
fruit at the top; the frame after the last landing shows the landed fruit on the bottom row.

This is a small stand-in for the Atari screens of Mnih et al. (2013): the agent sees only the
pixels, never the state, and must learn to read the fruit's column and the paddle's from them.
"""

from __future__ import annotations

from policywerk.building_blocks.mdp import Discrete, Step, World
from policywerk.primitives.random import Rng

SIZE = 16  # the screen is SIZE × SIZE pixels
BOTTOM = SIZE - 1  # the paddle's row, where a fruit lands
PADDLE_HALF_WIDTH = 1  # the paddle covers its centre column and one column on each side
PADDLE_MIN, PADDLE_MAX = PADDLE_HALF_WIDTH, SIZE - 1 - PADDLE_HALF_WIDTH  # the centre's range: 1 … 14
PADDLE_START = SIZE // 2  # every episode starts with the paddle centred on column 8
FRUITS = 10  # fruits per episode
LEFT, STAY, RIGHT = 0, 1, 2
MOVES = (-1, 0, 1)  # the paddle's move for each action
ACTION_NAMES = ("left", "stay", "right")
CATCH_REWARD, MISS_REWARD = 1.0, -1.0
EMPTY, PADDLE, FRUIT = 0.0, 0.5, 1.0  # pixel values


def frame(state: tuple[int, int, int, int]) -> list[float]:
    """The screen of a state (fruit_row, fruit_col, paddle_col, fruits_left), as a flat list.

    256 pixels, row by row (pixel (i, j) at index 16·i + j): 0.0 everywhere, 0.5 on the
    paddle's three pixels of the bottom row (columns paddle_col − 1 … paddle_col + 1), then
    1.0 on the fruit (drawn last, so a fruit landed on the paddle shows as the fruit).
    A new list every call.

    >>> pixels = frame((0, 3, 8, 10))
    >>> len(pixels), pixels[3], pixels[16 * 15 + 7 : 16 * 15 + 10], sum(pixels)
    (256, 1.0, [0.5, 0.5, 0.5], 2.5)
    """
    fruit_row, fruit_col, paddle_col, _ = state
    pixels = [EMPTY] * (SIZE * SIZE)
    left = BOTTOM * SIZE + paddle_col - PADDLE_HALF_WIDTH
    pixels[left : left + 2 * PADDLE_HALF_WIDTH + 1] = [PADDLE] * (2 * PADDLE_HALF_WIDTH + 1)
    pixels[fruit_row * SIZE + fruit_col] = FRUIT
    return pixels


class Catcher(World):
    """The catcher with Gymnasium's reset/step: `fruits` fruits per episode (terminated after
    the last lands), and an optional time limit `max_steps` (truncated).

    >>> world = Catcher()
    >>> observation, _ = world.reset(seed=0)
    >>> world.state, len(observation)  # the fruit in column ⌊0.8444…·16⌋ = 13
    ((0, 13, 8, 10), 256)
    >>> step = world.step(RIGHT)
    >>> world.state, step.reward, step.terminated
    ((1, 13, 9, 10), 0.0, False)
    """

    # given
    def __init__(self, fruits: int = FRUITS, max_steps: int | None = None):
        if not isinstance(fruits, int) or isinstance(fruits, bool) or fruits < 1:
            raise ValueError(f"Catcher: fruits must be an integer >= 1, got {fruits!r}")
        if max_steps is not None and (not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1):
            raise ValueError(f"Catcher: max_steps must be None (no time limit) or an integer >= 1, got {max_steps!r}")
        self.fruits, self.max_steps = fruits, max_steps
        self.action_space = Discrete(3)
        self.observation_shape = (1, SIZE, SIZE)
        self.state: tuple[int, int, int, int] | None = None
        self.steps = 0

    def _reset(self) -> list[float]:
        """A new episode: the paddle centred on column 8, the first fruit on the top row in
        column rng.integers(0, 16) (one draw), all `fruits` still to come, the step count at
        0; return the frame of that state.

        >>> world = Catcher(fruits=3)
        >>> _ = world.reset(seed=0); world.state
        (0, 13, 8, 3)
        """
        self.state = (0, self.rng.integers(0, SIZE), PADDLE_START, self.fruits)
        self.steps = 0
        return frame(self.state)

    def _step(self, action: int) -> Step:
        """Move the paddle, let the fruit fall one row, and settle a landing.

            paddle_col ← clip(paddle_col + move(action), 1, 14)    (−1, 0, +1 for left, stay, right)
            fruit_row  ← fruit_row + 1
            on the bottom row: reward +1 if |fruit_col − paddle_col| <= 1 else −1, one fruit
                fewer to come; terminated when none is left, else a new fruit at row 0 in
                column rng.integers(0, 16) (one draw)
            truncated when not terminated and max_steps is set and reached

        >>> world = Catcher(fruits=1)
        >>> _ = world.reset(seed=0)
        >>> world.state = (14, 9, 8, 1)  # the fruit one row above the paddle's right end
        >>> world.step(STAY)[1:4], world.state
        ((1.0, True, False), (15, 9, 8, 0))
        """
        fruit_row, fruit_col, paddle_col, fruits_left = self.state
        paddle_col = min(PADDLE_MAX, max(PADDLE_MIN, paddle_col + MOVES[action]))
        fruit_row += 1
        reward, terminated = 0.0, False
        if fruit_row == BOTTOM:
            reward = CATCH_REWARD if abs(fruit_col - paddle_col) <= PADDLE_HALF_WIDTH else MISS_REWARD
            fruits_left -= 1
            if fruits_left == 0:
                terminated = True
            else:
                fruit_row, fruit_col = 0, self.rng.integers(0, SIZE)
        self.state = (fruit_row, fruit_col, paddle_col, fruits_left)
        self.steps += 1
        truncated = not terminated and self.max_steps is not None and self.steps >= self.max_steps
        return Step(frame(self.state), reward, terminated, truncated, {})

    # given
    def render(self) -> list[list[float]]:
        """The screen as 16 rows of 16 pixels (an empty screen before the first reset)."""
        pixels = frame(self.state) if self.state is not None else [EMPTY] * (SIZE * SIZE)
        return [pixels[row * SIZE : (row + 1) * SIZE] for row in range(SIZE)]


def reference_policy(observation: list[float]) -> int:
    """The tracker, a scripted policy that catches every fruit: read the fruit's column and the
    paddle's centre from the pixels and move toward the fruit.

    The fruit is the pixel equal to 1.0 (its column: index mod 16); the paddle's centre is one
    column right of the first 0.5 in the bottom row. Left when the fruit is left of the
    centre, right when it is right of it, stay when it is above it. A fruit needs 15 steps to
    land and the paddle needs at most 13 to get under any column, so nothing is missed.

    Raises ValueError when the observation shows no paddle or no fruit.

    >>> reference_policy(frame((0, 3, 8, 10))), reference_policy(frame((5, 8, 8, 10))), reference_policy(frame((9, 15, 8, 10)))
    (0, 1, 2)
    """
    bottom = observation[BOTTOM * SIZE :]
    if PADDLE not in bottom or FRUIT not in observation:
        raise ValueError("catcher.reference_policy: expected a catcher frame with a paddle (0.5) and a fruit (1.0)")
    paddle_col = bottom.index(PADDLE) + PADDLE_HALF_WIDTH
    fruit_col = observation.index(FRUIT) % SIZE
    if fruit_col < paddle_col:
        return LEFT
    if fruit_col > paddle_col:
        return RIGHT
    return STAY


# given
def random_policy(rng: Rng):
    """A policy that picks left, stay or right uniformly (one draw per step)."""
    return lambda observation: rng.integers(0, 3)
