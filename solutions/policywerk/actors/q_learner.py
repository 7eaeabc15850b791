"""Learning to act from experience: Q-learning (Watkins 1989), with Sarsa beside it.

Without a model, an agent can still learn the value of each action in each state, Q(s, a),
from the transitions it lives through. After each step (s, a, r, s') Q-learning moves Q(s, a)
toward a one-step target that bootstraps from the best action in the next state,

    Q(s, a) ← Q(s, a) + α·[r + γ·max_a' Q(s', a') − Q(s, a)],

whatever action the agent actually takes next. It learns the values of the greedy policy while
it behaves ε-greedily: it is off-policy. Sarsa (Rummery & Niranjan 1994; named by Sutton 1996)
changes one thing, the action the target bootstraps from: the next action a' the agent really
takes, chosen ε-greedily before the update,

    Q(s, a) ← Q(s, a) + α·[r + γ·Q(s', a') − Q(s, a)],

so it learns the values of the ε-greedy policy it follows: it is on-policy. On the cliff this
one difference shows: Q-learning's greedy route hugs the cliff edge (the optimum, −13), but
its ε-greedy walk along that edge falls in now and then; Sarsa counts those falls in its
values and settles on a route further from the edge, worse when walked greedily (−15 or −17)
but better while exploring (Sutton & Barto, Example 6.6: about −25 per episode online for
Sarsa against about −50 for Q-learning, with ε = 0.1 and α = 0.5).

The crucial step easy to overlook: when a transition ends the episode (terminated), the
target is r alone. Nothing follows a terminal state, so there is nothing to bootstrap from.
When a time limit cuts the episode (truncated), the future was still there: bootstrap as usual.

References: C. J. C. H. Watkins, "Learning from delayed rewards", PhD thesis, University of
Cambridge (1989); C. J. C. H. Watkins & P. Dayan, "Q-learning", Machine Learning 8 (1992);
G. A. Rummery & M. Niranjan, "On-line Q-learning using connectionist systems" (1994);
Sutton & Barto, Reinforcement Learning: An Introduction (2nd ed.), sections 6.4–6.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from policywerk.building_blocks.mdp import TabularWorld, world_seed
from policywerk.building_blocks.policies import epsilon_greedy
from policywerk.building_blocks.value_functions import TabularQ
from policywerk.primitives.checks import require_count, require_one_of, require_step_size, require_unit
from policywerk.primitives.random import Rng

METHODS = ("q_learning", "sarsa")


# given
@dataclass(frozen=True)
class Config:
    """The settings of a run: Sutton & Barto's Example 6.6 (Figure 6.4) by default."""

    method: str = "q_learning"  # the backup: "q_learning" (off-policy) or "sarsa" (on-policy)
    step_size: float = 0.5  # α, as in the textbook's cliff figure
    epsilon: float = 0.1  # ε of the ε-greedy behaviour, kept fixed (the textbook's figure)
    gamma: float = 1.0  # the cliff is an undiscounted episodic task
    episodes: int = 500  # the horizontal axis of the textbook's figure
    initial_q: float = 0.0  # Q(s, a) before any experience

    def __post_init__(self):
        require_one_of("Config: method", self.method, METHODS)
        require_step_size("Config: step_size (α)", self.step_size)
        require_unit("Config: epsilon", self.epsilon)
        require_unit("Config: gamma (the discount)", self.gamma)
        require_count("Config: episodes", self.episodes)


# given
def _require_next_action(q: TabularQ, next_action) -> None:
    if not isinstance(next_action, int) or isinstance(next_action, bool) or not 0 <= next_action < q.n_actions:
        raise ValueError(
            f"sarsa_update: next_action must be an integer in [0, {q.n_actions}) unless the step terminated, got {next_action!r}"
        )


def q_learning_update(
    q: TabularQ,
    state: int,
    action: int,
    reward: float,
    next_state: int,
    terminated: bool,
    step_size: float,
    gamma: float,
) -> float:
    """One Q-learning backup of Q(state, action) from one transition; return the TD error.

        target = r                                  if the step terminated the episode
        target = r + γ·max_a' Q(next_state, a')     otherwise (also when only truncated)
        δ = target − Q(s, a);   Q(s, a) ← Q(s, a) + α·δ

    Only that one entry changes (TabularQ.update does the last line). The max makes the target
    the value of acting greedily from s', whatever the agent will actually do: off-policy.

    Raises ValueError for γ outside [0, 1] or α outside (0, 1] (the message names the
    setting, gamma or step_size, and its value), or for a state or action outside the table.
    Nothing changes when it raises.

    >>> q = TabularQ(2, 2)
    >>> q.table[1] = [2.0, -4.0]
    >>> q_learning_update(q, 0, 1, reward=-1.0, next_state=1, terminated=False, step_size=0.5, gamma=1.0)
    1.0
    >>> q.table[0]  # target −1 + max(2, −4) = 1; Q moves half-way from 0
    [0.0, 0.5]
    >>> q_learning_update(q, 0, 1, reward=-1.0, next_state=1, terminated=True, step_size=0.5, gamma=1.0)
    -1.5
    """
    require_unit("q_learning_update: gamma (the discount)", gamma)
    target = reward if terminated else reward + gamma * q.best_value(next_state)
    return q.update(state, action, target, step_size)


def sarsa_update(
    q: TabularQ,
    state: int,
    action: int,
    reward: float,
    next_state: int,
    next_action: int | None,
    terminated: bool,
    step_size: float,
    gamma: float,
) -> float:
    """One Sarsa backup of Q(state, action) from (s, a, r, s', a'); return the TD error.

        target = r                                   if the step terminated the episode
        target = r + γ·Q(next_state, next_action)    otherwise
        δ = target − Q(s, a);   Q(s, a) ← Q(s, a) + α·δ

    next_action is the action the agent really takes in s' (chosen ε-greedily before this
    update), so the target is the value of the policy being followed: on-policy. When the step
    terminated there is no next action: pass None (it is not read).

    Raises ValueError for γ outside [0, 1] or α outside (0, 1] (the message names the
    setting, gamma or step_size, and its value), for a state or action outside the table, or,
    when the step did not terminate, for a next_action that is not an integer action of the
    table (the message names next_action and the value it got). Nothing changes when it raises.

    >>> q = TabularQ(2, 2)
    >>> q.table[1] = [2.0, -4.0]
    >>> sarsa_update(q, 0, 1, reward=-1.0, next_state=1, next_action=1, terminated=False, step_size=0.5, gamma=1.0)
    -5.0
    >>> q.table[0]  # target −1 + Q(1, 1) = −5, not the max: Q moves half-way from 0
    [0.0, -2.5]
    """
    require_unit("sarsa_update: gamma (the discount)", gamma)
    if terminated:
        target = reward
    else:
        _require_next_action(q, next_action)
        target = reward + gamma * q.table[next_state][next_action]
    return q.update(state, action, target, step_size)


def q_learning_episode(world: TabularWorld, q: TabularQ, config: Config, rng: Rng) -> tuple[float, int]:
    """Live one episode with ε-greedy actions, updating Q after every step; return (sum of
    rewards, number of steps).

        s ← world.reset()
        repeat:  a ← ε-greedy(Q(s, ·)) with rng;  step ← world.step(a)
                 q_learning_update(q, s, a, r, s', terminated, α, γ)
                 until terminated or truncated;  s ← s'

    The world's actions must be 0 … n − 1 (they index the rows of Q). One ε-greedy choice per
    step (one or two draws of rng, see epsilon_greedy). The sum of rewards is the episode's
    undiscounted return as the exploring agent lived it: the "online" performance the
    textbook plots.

    >>> from policywerk.world.cliffworld import CliffWorld
    >>> world, q = CliffWorld(), TabularQ(48, 4)
    >>> q_learning_episode(world, q, Config(epsilon=0.0), Rng(0))  # greedy from Q = 0: a long search, no fall
    (-120.0, 120)
    """
    table, epsilon, step_size, gamma = q.table, config.epsilon, config.step_size, config.gamma
    state, _ = world.reset()
    total, steps = 0.0, 0
    while True:
        action = epsilon_greedy(table[state], epsilon, rng)
        next_state, reward, terminated, truncated, _ = world.step(action)
        q_learning_update(q, state, action, reward, next_state, terminated, step_size, gamma)
        total += reward
        steps += 1
        if terminated or truncated:
            return total, steps
        state = next_state


def sarsa_episode(world: TabularWorld, q: TabularQ, config: Config, rng: Rng) -> tuple[float, int]:
    """Live one episode the Sarsa way; return (sum of rewards, number of steps).

        s ← world.reset();  a ← ε-greedy(Q(s, ·))
        repeat:  step ← world.step(a)
                 if terminated: sarsa_update(q, s, a, r, s', None, True, α, γ); stop
                 a' ← ε-greedy(Q(s', ·))        (chosen BEFORE the update, and then taken)
                 sarsa_update(q, s, a, r, s', a', False, α, γ)
                 if truncated: stop
                 s, a ← s', a'

    The order matters: a' is drawn from the Q values before the update, and it is the action
    really taken next, so exactly one ε-greedy choice is made per step, as in Q-learning. On
    truncation the update still bootstraps from Q(s', a'): the future was there.

    >>> from policywerk.world.cliffworld import CliffWorld
    >>> world, q = CliffWorld(), TabularQ(48, 4)
    >>> sarsa_episode(world, q, Config(epsilon=0.0), Rng(0))  # greedy from Q = 0, as in q_learning_episode
    (-135.0, 135)
    """
    table, epsilon, step_size, gamma = q.table, config.epsilon, config.step_size, config.gamma
    state, _ = world.reset()
    action = epsilon_greedy(table[state], epsilon, rng)
    total, steps = 0.0, 0
    while True:
        next_state, reward, terminated, truncated, _ = world.step(action)
        total += reward
        steps += 1
        if terminated:
            sarsa_update(q, state, action, reward, next_state, None, True, step_size, gamma)
            return total, steps
        next_action = epsilon_greedy(table[next_state], epsilon, rng)
        sarsa_update(q, state, action, reward, next_state, next_action, False, step_size, gamma)
        if truncated:
            return total, steps
        state, action = next_state, next_action


# given
@dataclass
class EpisodeReport:
    """What `train` tells its callback after each episode."""

    episode: int  # 1, 2, …
    total_reward: float  # the sum of the episode's rewards, as lived (ε-greedy)
    length: int  # its steps
    q: TabularQ  # the values learned so far (live: it goes on learning after the callback)


# given
@dataclass
class TrainResult:
    q: TabularQ  # the learned action values; q.best_action(s) is the greedy policy
    returns: list[float] = field(default_factory=list)  # sum of rewards of each episode, as lived (ε-greedy)
    lengths: list[int] = field(default_factory=list)  # steps of each episode


def train(
    world: TabularWorld,
    config: Config,
    seed: int = 0,
    on_episode: Callable[[EpisodeReport], None] | None = None,
) -> TrainResult:
    """Run `config.episodes` episodes of Q-learning (config.method "q_learning") or Sarsa ("sarsa").

        q = TabularQ(world.n_states, len(world.actions), config.initial_q)
        rng = Rng(seed);  world.reset(seed=world_seed(rng))     (the seeding rule: see mdp.world_seed)
        for episode = 1 … config.episodes:
            total, length = q_learning_episode or sarsa_episode (world, q, config, rng)
            record both;  on_episode(EpisodeReport(episode, total, length, q))

    The world is reset with its seed once, before the first episode (each episode then resets
    it without a seed, and its generator goes on); every choice of the agent draws from rng.
    Returns TrainResult(q, the return of every episode, the length of every episode).

    >>> from policywerk.world.cliffworld import CliffWorld, START, ACTION_NAMES
    >>> result = train(CliffWorld(), Config(episodes=100), seed=0)
    >>> len(result.returns), ACTION_NAMES[result.q.best_action(START)]  # the edge route's first step
    (100, 'up')
    """
    run_episode = q_learning_episode if config.method == "q_learning" else sarsa_episode
    q = TabularQ(world.n_states, len(world.actions), config.initial_q)
    rng = Rng(seed)
    world.reset(seed=world_seed(rng))
    result = TrainResult(q)
    for episode in range(1, config.episodes + 1):
        total, length = run_episode(world, q, config, rng)
        result.returns.append(total)
        result.lengths.append(length)
        if on_episode is not None:
            on_episode(EpisodeReport(episode, total, length, q))
    return result
