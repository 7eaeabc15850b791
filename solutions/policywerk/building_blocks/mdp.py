"""The world API: how an agent and a world talk, with the same calls as Gymnasium.

    observation, info = world.reset(seed=0)
    step = world.step(action)          # Step(observation, reward, terminated, truncated, info)

`terminated` means the Markov decision process itself ended (the goal, the pit, a fallen
pole): there is no future, and a return must not bootstrap past it. `truncated` means a time
limit cut the episode short: the future was still there, so a return bootstraps from the
value of the final observation. Keeping the two apart is the whole reason Gymnasium split
its old `done` flag in two.

Every world here derives from `World`, which checks the calls (an action outside the space,
a step before `reset` or after the episode ended) so no world has to. Worlds with a known
model also derive from `TabularWorld` and expose `transitions(state, action)`, the
probabilities a planner such as value iteration needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from policywerk.primitives.random import Rng


# given
class Step(NamedTuple):
    """What `World.step` returns, in Gymnasium's order."""

    observation: Any
    reward: float
    terminated: bool  # the MDP ended: never bootstrap past this step
    truncated: bool  # a time limit cut the episode: bootstrap from the final observation
    info: dict


@dataclass(frozen=True)
class Discrete:
    """A finite action (or observation) space {0, 1, …, n − 1}.

    >>> Discrete(4)
    Discrete(n=4)
    """

    n: int

    # given
    def __post_init__(self):
        if not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"Discrete: n must be an integer >= 1, got {self.n!r}")

    def contains(self, action) -> bool:
        """Whether `action` is an integer in [0, n). A bool is not an action, nor is 1.0.

        >>> Discrete(4).contains(3), Discrete(4).contains(4), Discrete(4).contains(1.0)
        (True, False, False)
        """
        return isinstance(action, int) and not isinstance(action, bool) and 0 <= action < self.n

    def sample(self, rng: Rng) -> int:
        """A uniformly random element of the space. One draw.

        >>> Discrete(4).sample(Rng(0))  # ⌊0.8444…·4⌋ = 3
        3
        """
        return rng.integers(0, self.n)


@dataclass(frozen=True)
class Box:
    """A continuous space: vectors whose i-th entry lies in [low[i], high[i]].

    >>> Box(low=(-1.0, -1.0), high=(1.0, 1.0))
    Box(low=(-1.0, -1.0), high=(1.0, 1.0))
    """

    low: tuple[float, ...]
    high: tuple[float, ...]

    # given
    def __post_init__(self):
        if len(self.low) != len(self.high) or not self.low:
            raise ValueError(f"Box: low and high must be non-empty and of equal length, got {self.low} and {self.high}")
        if any(lo > hi for lo, hi in zip(self.low, self.high)):
            raise ValueError(f"Box: every low must be <= its high, got low={self.low} and high={self.high}")

    def contains(self, action) -> bool:
        """Whether `action` is a sequence of len(low) finite numbers, each within its bounds.

        >>> space = Box(low=(-1.0, -1.0), high=(1.0, 1.0))
        >>> space.contains([0.5, -1.0]), space.contains([0.5]), space.contains([2.0, 0.0])
        (True, False, False)
        """
        if not isinstance(action, (list, tuple)) or len(action) != len(self.low):
            return False
        return all(
            isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a) and lo <= a <= hi
            for a, lo, hi in zip(action, self.low, self.high)
        )

    def sample(self, rng: Rng) -> list[float]:
        """A vector uniform in the box, one draw per entry (entry 0 first).

        >>> Box(low=(0.0,), high=(2.0,)).sample(Rng(0))  # 0 + 0.8444…·2
        [1.6888437030500962]
        """
        return [rng.uniform(lo, hi) for lo, hi in zip(self.low, self.high)]


# given
class World:
    """The base of every world: Gymnasium's `reset` and `step`, with the checks every world needs.

    A world sets `action_space` (and `observation_space` or `observation_shape`) and writes
    `_reset()` -> observation and `_step(action)` -> Step. Randomness comes from `self.rng`:
    `reset(seed=s)` makes a fresh Rng(s); `reset()` without a seed continues the current
    generator (seed 0 if there is none yet), so a sequence of episodes is reproducible.
    """

    action_space: Discrete | Box
    rng: Rng | None = None
    _episode_over: bool | None = None  # None before the first reset

    def reset(self, seed: int | None = None) -> tuple[Any, dict]:
        if seed is not None or self.rng is None:
            self.rng = Rng(0 if seed is None else seed)
        self._episode_over = False
        return self._reset(), {}

    def step(self, action) -> Step:
        problem = self._action_problem(action)
        if problem is not None:
            raise ValueError(f"{type(self).__name__}.step: {problem}")
        if self._episode_over is None:
            raise RuntimeError(f"{type(self).__name__}.step: call reset() before the first step")
        if self._episode_over:
            raise RuntimeError(
                f"{type(self).__name__}.step: the episode has ended (terminated or truncated); call reset() to start a new one"
            )
        result = self._step(action)
        self._episode_over = result.terminated or result.truncated
        return result

    def _action_problem(self, action) -> str | None:
        """What is wrong with an action, or None: by default, anything outside the action space.
        A world that clips its actions accepts more and says so by overriding this."""
        if self.action_space.contains(action):
            return None
        return f"action {action!r} is not in the action space {self.action_space}"


# given
class TabularWorld(World):
    """A world with finitely many states and a known model, which planning can use directly.

    A subclass provides `n_states`, `states` (the states an agent can be in), `actions`,
    `start_state`, `terminal_states`, `max_steps` (the time limit) and
    `transitions(state, action)` -> [(probability, next_state, reward, terminated), …].
    `step` samples from that very list, so the model a planner sees is the world an agent
    lives in. Observations are the state numbers.
    """

    n_states: int
    states: list[int]
    actions: list[int]
    start_state: int
    terminal_states: frozenset[int]
    max_steps: int

    def _reset(self) -> int:
        self.state = self.start_state
        self.steps = 0
        return self.state

    def _step(self, action: int) -> Step:
        outcomes = self.transitions(self.state, action)
        if len(outcomes) == 1:
            _, next_state, reward, terminated = outcomes[0]
        else:
            _, next_state, reward, terminated = outcomes[self.rng.categorical([p for p, *_ in outcomes])]
        self.state = next_state
        self.steps += 1
        truncated = not terminated and self.steps >= self.max_steps
        return Step(next_state, reward, terminated, truncated, {})


# given
@dataclass
class Transition:
    """One step of experience: what was seen, done and received."""

    observation: Any
    action: Any
    reward: float
    next_observation: Any
    terminated: bool
    truncated: bool


# given
@dataclass
class Episode:
    """The transitions of one episode, in order."""

    transitions: list[Transition] = field(default_factory=list)

    @property
    def rewards(self) -> list[float]:
        return [t.reward for t in self.transitions]

    @property
    def length(self) -> int:
        return len(self.transitions)

    @property
    def total_reward(self) -> float:
        """The undiscounted return: the sum of the rewards."""
        return sum(self.rewards)


def rollout(world: World, policy: Callable[[Any], Any], seed: int | None = None, max_steps: int = 10_000) -> Episode:
    """Run one episode: reset the world (with `seed`), then act with `policy(observation)`
    until the episode is terminated or truncated, or `max_steps` steps have passed.

    Each step becomes a Transition(observation, action, reward, next_observation,
    terminated, truncated). The agent–world loop of every reinforcement-learning algorithm:

        observation, info = world.reset(seed=seed)
        repeat: action = policy(observation); step = world.step(action); record; move on

    Raises ValueError naming max_steps unless max_steps >= 1.
    """
    if max_steps < 1:
        raise ValueError(f"rollout: max_steps must be >= 1, got {max_steps}")
    observation, _ = world.reset(seed=seed)
    episode = Episode()
    for _ in range(max_steps):
        action = policy(observation)
        step = world.step(action)
        episode.transitions.append(
            Transition(observation, action, step.reward, step.observation, step.terminated, step.truncated)
        )
        if step.terminated or step.truncated:
            break
        observation = step.observation
    return episode


# given
def world_seed(rng: Rng) -> int:
    """The seed a training run gives its world: the first draw of the run's own generator.

    The one seeding rule of every learner's `train(world, config, seed, …)`:

        rng = Rng(seed)
        world.reset(seed=world_seed(rng))      before any other draw of rng
        … the agent's weights, its exploration, its minibatches: every later draw of rng …
        world.reset()                           for each later episode: the world's generator goes on

    Why not world.reset(seed=seed)? Then the world's generator would be a copy of the
    agent's: the world's first start, target or fruit would come from the very numbers that
    initialise the weights or make the first ε-greedy choice, and the two would be tied together
    in every run. A seed drawn from the run's generator gives the world a sequence of its own,
    still fixed by `seed`. One draw: rng.integers(0, 2³¹ − 1), a seed Gymnasium accepts too.

    >>> world_seed(Rng(0))  # ⌊0.8444…·(2³¹ − 1)⌋
    1813382117
    """
    return rng.integers(0, 2**31 - 1)
