"""Learning to predict: TD(0), TD(λ) and constant-α Monte Carlo (Sutton 1988).

A prediction problem: experience arrives as episodes, and the learner must estimate V(s), the
return expected from each state, without knowing the world's model. Two ways to learn:

    Monte Carlo      V(s_t) ← V(s_t) + α·(G_t − V(s_t))                      wait for the outcome G_t
    TD(0)            V(s_t) ← V(s_t) + α·(r_t + γ·V(s_{t+1}) − V(s_t))        learn from the next guess

The TD error δ_t = r_t + γ·V(s_{t+1}) − V(s_t) needs one step, not the whole episode:
"learning a guess from a guess". Sutton's 1988 paper showed that on the random walk this is
not only possible but better: TD(0) learns faster than Monte Carlo from the same episodes.
TD(λ) spans the two with an eligibility trace, e(s) ← γλ·e(s) + [s = s_t], and moves every
state by α·δ_t·e(s); λ = 0 is TD(0), λ = 1 is Monte Carlo (offline, exactly). Its forward-view
twin, the offline λ-return algorithm, moves each V(s_t) toward the λ-return G_t^λ.

Two ways to use a fixed set of episodes, both in the paper:

    online / once    update as the episodes come (Sutton & Barto, Example 6.2; the paper's
                     experiment 2), one pass
    batch            the paper's "repeated presentations" (experiment 1): sum the increments
                     over the whole training set with V held fixed, apply them, repeat until V
                     stops moving. Batch TD(0) then finds the certainty-equivalence estimate (the
                     values of the maximum-likelihood model of the data), batch Monte Carlo the
                     sample mean of the returns seen from each state (Sutton & Barto, 6.3).

Pitfalls, each a spec: never bootstrap past a termination (the value of a terminal state is
not a prediction: nothing follows), but do bootstrap on a truncation (the walk went on); the
TD error of a step is computed before that step's update; batch increments use the values of
the start of the presentation, not values changed halfway through it.

Values are plain lists indexed by state number (an entry per state, terminal ones included and
left at 0). The walk's episodes do not depend on the values (there is nothing to control), so
applying an episode's updates step by step in order after it ended is the same as applying them
while it runs: "online" here means "after every step", not "while the world waits".

Reference: R. S. Sutton, "Learning to predict by the methods of temporal differences", Machine
Learning 3 (1988), equations (4) and the random-walk experiments of section 3; Sutton & Barto,
Reinforcement Learning: An Introduction (2nd ed.), sections 6.1–6.3 (TD(0), Example 6.2, batch
updating, Example 6.4), 12.1 (the offline λ-return algorithm) and 12.2 (TD(λ)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from policywerk.building_blocks import returns, traces
from policywerk.building_blocks.mdp import Episode, TabularWorld, Transition, rollout, world_seed
from policywerk.primitives.checks import require_count, require_finite, require_one_of, require_positive, require_unit
from policywerk.primitives.random import Rng

METHODS = ("td0", "td_lambda", "mc", "lambda_return")


# given
@dataclass(frozen=True)
class Config:
    """The settings of one online training run (Sutton & Barto, Example 6.2, unless noted)."""

    method: str = "td0"  # "td0", "td_lambda" (traces), "mc" (constant-α Monte Carlo), "lambda_return" (offline)
    alpha: float = 0.1  # the textbook's TD α ∈ {0.05, 0.1, 0.15}; its MC α ∈ {0.01, 0.02, 0.03, 0.04}
    lam: float = 0.0  # λ, for td_lambda and lambda_return (19-state figures: best near 0.8)
    gamma: float = 1.0  # the walk is undiscounted in the paper and the book
    initial_value: float = 0.5  # V of every non-terminal state at the start: 0.5 (5 states), 0 (19 states)
    episodes: int = 100  # the textbook's 100 episodes (its 19-state figures: the first 10)
    replacing_traces: bool = False  # td_lambda only: Sutton 1988 accumulates; Singh & Sutton 1996 replace

    def __post_init__(self):
        require_one_of("Config: method", self.method, METHODS)
        _require_settings(self.alpha, self.gamma, self.lam)
        require_count("Config: episodes", self.episodes)
        require_finite("Config: initial_value", self.initial_value)


# given
def _require_settings(alpha: float, gamma: float, lam: float = 0.0) -> None:
    require_positive("alpha (the step size)", alpha)
    require_unit("gamma (the discount)", gamma)
    require_unit("lam (λ, the trace decay)", lam)


# given
def _stretch(values: list[float], episode: Episode) -> tuple[list[float], list[float], list[bool], list[bool]]:
    """An episode as the parallel lists the returns module takes: rewards, V(next observation),
    terminated and truncated flags, each one entry per step (values read as they are now)."""
    steps = episode.transitions
    return (
        [step.reward for step in steps],
        [values[step.next_observation] for step in steps],
        [step.terminated for step in steps],
        [step.truncated for step in steps],
    )


def rms_error(values: list[float], true_values: list[float], states: list[int]) -> float:
    """The root-mean-squared error of the estimates over the listed states:

        RMS = √( (1/|S|)·Σ_{s ∈ S} (V(s) − V*(s))² )

    The measure of Sutton (1988) and of Sutton & Barto's random-walk figures, taken over the
    non-terminal states (the exits' values are 0 by definition, so they would only dilute it).

    Shapes: values and true_values one entry per state number; states a non-empty list of
    state numbers -> a float. Raises ValueError when values and true_values differ in length
    (the message names both lengths) or states is empty.

    >>> rms_error([0.5, 0.5, 0.0], [0.0, 1.0, 9.0], states=[0, 1])  # √((0.25 + 0.25)/2)
    0.5
    """
    if len(values) != len(true_values):
        raise ValueError(
            f"rms_error: values has {len(values)} entries but true_values has {len(true_values)}; they must be equal"
        )
    if not states:
        raise ValueError("rms_error: expected at least one state to measure, got none")
    return math.sqrt(sum((values[s] - true_values[s]) ** 2 for s in states) / len(states))


def td_zero_update(values: list[float], transition: Transition, alpha: float, gamma: float) -> float:
    """One TD(0) step: move V(s) toward the one-step target; return the TD error δ. In place.

        δ = r + γ·V(s') − V(s)        (r + 0 − V(s) if the step terminated: nothing follows)
        V(s) ← V(s) + α·δ

    with s = transition.observation, s' = transition.next_observation, r = transition.reward.
    On a truncation the walk would have gone on, so the target still bootstraps from V(s').
    Only V(s) changes.

    Raises ValueError unless α > 0 and 0 <= γ <= 1; the message names the setting (alpha or
    gamma) and its value.

    >>> from policywerk.building_blocks.mdp import Transition
    >>> values = [0.0, 0.5, 0.25, 0.0]
    >>> td_zero_update(values, Transition(1, 0, 0.0, 2, False, False), alpha=0.5, gamma=1.0)  # 0 + 0.25 − 0.5
    -0.25
    >>> values
    [0.0, 0.375, 0.25, 0.0]
    """
    _require_settings(alpha, gamma)
    state = transition.observation
    bootstrap = 0.0 if transition.terminated else gamma * values[transition.next_observation]
    td_error = transition.reward + bootstrap - values[state]
    values[state] += alpha * td_error
    return td_error


def td_lambda_episode(
    values: list[float], episode: Episode, alpha: float, gamma: float, lam: float, replacing: bool = False
) -> list[float]:
    """Online TD(λ) over one episode with eligibility traces; return the TD errors. In place.

    Traces start at 0 for the episode. At each step, in order (Sutton & Barto, section 12.2):

        δ   = r + γ·V(s') − V(s)        (no γ·V(s') after a termination)
        e   ← γλ·e,  then e(s) ← e(s) + 1   (accumulating: Sutton 1988)
                         or e(s) ← 1          (replacing: Singh & Sutton 1996)
        V   ← V + α·δ·e                  (every state, by its trace)

    δ uses the values before this step's update. λ = 0 leaves only e(s) = 1, which is TD(0):
    the same values as td_zero_update step by step. Use traces.decay, traces.accumulate and
    traces.replace from building_blocks.traces.

    Shapes: values one entry per state number -> one TD error per step.
    Raises ValueError unless α > 0 and 0 <= γ, λ <= 1; the message names the setting (alpha,
    gamma or lam) and its value.

    >>> from policywerk.building_blocks.mdp import Episode, Transition
    >>> episode = Episode([Transition(1, 0, 0.0, 2, False, False), Transition(2, 0, 1.0, 3, True, False)])
    >>> values = [0.0, 0.0, 0.0, 0.0]
    >>> td_lambda_episode(values, episode, alpha=0.5, gamma=1.0, lam=0.5)  # δ₀ = 0, δ₁ = 1 − 0
    [0.0, 1.0]
    >>> values  # e = [0, 0.5, 1, 0] at the second step: V ← V + 0.5·1·e
    [0.0, 0.25, 0.5, 0.0]
    """
    _require_settings(alpha, gamma, lam)
    eligibility = [0.0] * len(values)
    fade = gamma * lam
    mark = traces.replace if replacing else traces.accumulate
    td_errors = []
    for step in episode.transitions:
        state = step.observation
        bootstrap = 0.0 if step.terminated else gamma * values[step.next_observation]
        td_error = step.reward + bootstrap - values[state]
        traces.decay(eligibility, fade)
        mark(eligibility, state)
        step_size = alpha * td_error
        values[:] = [value + step_size * trace for value, trace in zip(values, eligibility)]
        td_errors.append(td_error)
    return td_errors


def monte_carlo_episode(values: list[float], episode: Episode, alpha: float, gamma: float) -> list[float]:
    """Constant-α Monte Carlo over one finished episode; return the errors G_t − V(s_t). In place.

    First the return from every step, G_t = r_t + γ·G_{t+1} (returns.returns_to_go, whose
    next_values are V(s_{t+1}) read before any update: they matter only if the episode was
    truncated, when G bootstraps from the final observation's value). Then, for t = 0, 1, …
    in order, every visit counts:

        V(s_t) ← V(s_t) + α·(G_t − V(s_t))        (Sutton & Barto, equation 6.1)

    A state visited twice is moved twice, the second time from where the first move left it.

    Shapes: values one entry per state number -> one error per step.
    Raises ValueError unless α > 0 and 0 <= γ <= 1; the message names the setting (alpha or
    gamma) and its value.

    >>> from policywerk.building_blocks.mdp import Episode, Transition
    >>> episode = Episode([Transition(1, 0, 0.0, 2, False, False), Transition(2, 0, 1.0, 3, True, False)])
    >>> values = [0.0, 0.5, 0.5, 0.0]
    >>> monte_carlo_episode(values, episode, alpha=0.5, gamma=1.0)  # G = [1, 1]
    [0.5, 0.5]
    >>> values
    [0.0, 0.75, 0.75, 0.0]
    """
    _require_settings(alpha, gamma)
    rewards, next_values, terminated, truncated = _stretch(values, episode)
    targets = returns.returns_to_go(rewards, next_values, terminated, truncated, gamma)
    errors = []
    for step, target in zip(episode.transitions, targets):
        state = step.observation
        error = target - values[state]
        values[state] += alpha * error
        errors.append(error)
    return errors


def lambda_return_episode(values: list[float], episode: Episode, alpha: float, gamma: float, lam: float) -> list[float]:
    """The offline λ-return algorithm over one finished episode; return the errors G_t^λ − V(s_t). In place.

    At the episode's end (Sutton & Barto, section 12.1), with the values as they were during
    the episode: the λ-returns of every step (returns.lambda_returns, next_values = V(s_{t+1})
    read before any update),

        G_t^λ = r_t + γ·[(1 − λ)·V(s_{t+1}) + λ·G_{t+1}^λ],

    then, for t = 0, 1, … in order, V(s_t) ← V(s_t) + α·(G_t^λ − V(s_t)) (every visit, as in
    monte_carlo_episode). λ = 1 is exactly constant-α Monte Carlo; λ = 0 moves each state toward
    its one-step target r_t + γ·V(s_{t+1}) with V frozen for the episode.

    Shapes: values one entry per state number -> one error per step.
    Raises ValueError unless α > 0 and 0 <= γ, λ <= 1; the message names the setting (alpha,
    gamma or lam) and its value.

    >>> from policywerk.building_blocks.mdp import Episode, Transition
    >>> episode = Episode([Transition(1, 0, 0.0, 2, False, False), Transition(2, 0, 1.0, 3, True, False)])
    >>> values = [0.0, 0.0, 0.5, 0.0]
    >>> lambda_return_episode(values, episode, alpha=0.5, gamma=1.0, lam=0.5)  # G^λ = [0.5·0.5 + 0.5·1, 1]
    [0.75, 0.5]
    >>> values
    [0.0, 0.375, 0.75, 0.0]
    """
    _require_settings(alpha, gamma, lam)
    rewards, next_values, terminated, truncated = _stretch(values, episode)
    targets = returns.lambda_returns(rewards, next_values, terminated, truncated, gamma, lam)
    errors = []
    for step, target in zip(episode.transitions, targets):
        state = step.observation
        error = target - values[state]
        values[state] += alpha * error
        errors.append(error)
    return errors


def td_lambda_increments(values: list[float], episode: Episode, gamma: float, lam: float) -> list[float]:
    """The TD(λ) increments of one episode with V held fixed: Sutton (1988), equation (4).

    The paper's rule, Δw_t = α·(P_{t+1} − P_t)·Σ_{k<=t} λ^(t−k)·∇P_k, in a table: the
    per-state sum over the episode

        Δ(s) = Σ_t δ_t·e_t(s),   δ_t = r_t + γ·V(s_{t+1}) − V(s_t)  (no γ·V(s_{t+1}) after a termination),
                                 e_t = γλ·e_{t−1} + [s = s_t]       (accumulating, from e = 0)

    without α (the caller scales), and without changing `values`: every δ uses the same V.
    The forward view gives the same numbers: Δ(s) = Σ over the visits t of s of (G_t^λ − V(s)).
    λ = 0 sums the TD errors of each state's visits; λ = 1 (γ = 1, a terminated episode) sums
    G_t − V(s_t), the Monte Carlo errors.

    Shapes: values one entry per state number -> one increment per state number.
    Raises ValueError unless 0 <= γ, λ <= 1; the message names the setting (gamma or lam)
    and its value.

    >>> from policywerk.building_blocks.mdp import Episode, Transition
    >>> episode = Episode([Transition(1, 0, 0.0, 2, False, False), Transition(2, 0, 1.0, 3, True, False)])
    >>> td_lambda_increments([0.0, 0.0, 0.5, 0.0], episode, gamma=1.0, lam=0.5)  # δ = [0.5, 0.5]; e₁ = [0, 0.5, 1, 0]
    [0.0, 0.75, 0.5, 0.0]
    """
    _require_settings(1.0, gamma, lam)
    eligibility = [0.0] * len(values)
    increments = [0.0] * len(values)
    fade = gamma * lam
    for step in episode.transitions:
        state = step.observation
        bootstrap = 0.0 if step.terminated else gamma * values[step.next_observation]
        td_error = step.reward + bootstrap - values[state]
        traces.decay(eligibility, fade)
        traces.accumulate(eligibility, state)
        increments = [total + td_error * trace for total, trace in zip(increments, eligibility)]
    return increments


# given
@dataclass
class PresentationReport:
    """What `batch_train` tells its callback after each presentation of the training set."""

    presentation: int  # 1, 2, …
    values: list[float]  # V after this presentation's increments
    max_change: float  # α·max_s |Σ Δ(s)|: how far the values moved


# given
@dataclass
class BatchResult:
    values: list[float]  # the values V settled at
    presentations: int  # how many times the training set was presented
    max_changes: list[float] = field(default_factory=list)  # max |ΔV| of each presentation


def batch_train(
    values: list[float],
    training_set: list[Episode],
    alpha: float,
    gamma: float = 1.0,
    lam: float = 0.0,
    tolerance: float = 1e-10,
    max_presentations: int = 100_000,
    on_presentation: Callable[[PresentationReport], None] | None = None,
) -> BatchResult:
    """Sutton's (1988) repeated presentations: train on a fixed set of episodes until V settles.

    Each presentation sums td_lambda_increments over every episode of the training set, all
    with the same V (the values of the start of the presentation), then applies them once:

        V ← V + α·Σ_episodes Δ_episode,    max_change = α·max_s |Σ Δ(s)|

    and calls on_presentation(PresentationReport(presentation, values, max_change)) (counting
    from 1). Stop when
    max_change < tolerance. The fixed points (Sutton & Barto, section 6.3): λ = 0 gives the
    certainty-equivalence estimate, V(s) = mean over the visits of s of r + γ·V(s'); λ = 1 the
    mean of the returns observed from s. A small α is needed: the summed step of a state
    grows with its number of visits, and too large a step overshoots and diverges.

    Returns a BatchResult with a new list of values (the `values` passed in are not changed).
    Raises ValueError for an empty training set, or for α <= 0, γ or λ outside [0, 1], a
    tolerance <= 0 or max_presentations not an integer >= 1 (the message names the setting,
    alpha, gamma, lam, tolerance or max_presentations, and its value). Raises RuntimeError
    when the values diverge (a change that is no longer finite: lower α), or when they still
    move after max_presentations presentations (the message names max_presentations' value).

    >>> from policywerk.building_blocks.mdp import Episode, Transition
    >>> win = Episode([Transition(1, 0, 1.0, 2, True, False)])
    >>> lose = Episode([Transition(1, 0, 0.0, 0, True, False)])
    >>> result = batch_train([0.0, 0.0, 0.0], [win, win, lose], alpha=0.1)  # V(1) → 2/3
    >>> round(result.values[1], 6), result.values[0]
    (0.666667, 0.0)
    """
    _require_settings(alpha, gamma, lam)
    if not training_set:
        raise ValueError("batch_train: expected at least one episode in the training set, got none")
    require_positive("batch_train: tolerance", tolerance)
    require_count("batch_train: max_presentations", max_presentations)
    values = list(values)
    max_changes = []
    for presentation in range(1, max_presentations + 1):
        totals = [0.0] * len(values)
        for episode in training_set:
            totals = [
                total + increment for total, increment in zip(totals, td_lambda_increments(values, episode, gamma, lam))
            ]
        values = [value + alpha * total for value, total in zip(values, totals)]
        max_change = alpha * max(abs(total) for total in totals)
        max_changes.append(max_change)
        if on_presentation is not None:
            on_presentation(PresentationReport(presentation, values, max_change))
        if not math.isfinite(max_change):
            raise RuntimeError(
                f"batch_train: the values diverged after {presentation} presentations (alpha = {alpha} is too large "
                "for this training set: the summed step of a state grows with its visits)"
            )
        if max_change < tolerance:
            return BatchResult(values, presentation, max_changes)
    raise RuntimeError(
        f"batch_train: the values still changed by {max_changes[-1]:.3g} after {max_presentations} presentations "
        "(raise max_presentations, or alpha if it is very small)"
    )


# given
@dataclass
class EpisodeReport:
    """What `train` tells its callback after each episode."""

    episode: int  # 1, 2, …
    trajectory: Episode  # the episode's transitions, as the world produced them
    values: list[float]  # V after this episode's updates (live: later episodes change it)
    rms_error: float  # the RMS error of V over the non-terminal states, after the updates


# given
@dataclass
class TrainResult:
    values: list[float]  # V(s) after the last episode, one entry per state number
    rms_errors: list[float]  # RMS error over the non-terminal states: before training, then after each episode
    episode_lengths: list[int] = field(default_factory=list)  # steps of each episode


def train(
    world: TabularWorld,
    config: Config,
    seed: int = 0,
    on_episode: Callable[[EpisodeReport], None] | None = None,
    *,
    true_values: list[float],
) -> TrainResult:
    """Online learning: config.episodes episodes of the world, each used once as it comes.

    Values start at config.initial_value for every non-terminal state and 0 at the terminal
    ones. The episodes come from `rollout(world, policy, seed)`, the policy always taking the
    world's first action (the walk has only one): the first episode with seed =
    world_seed(Rng(seed)) (the seeding rule: see mdp.world_seed), every later one with None,
    so the world's generator goes on and one seed fixes the whole sequence. After each
    episode, update the values by config.method:

        "td0"            td_zero_update on every transition, in order
        "td_lambda"      td_lambda_episode (λ = config.lam, replacing = config.replacing_traces)
        "mc"             monte_carlo_episode
        "lambda_return"  lambda_return_episode (λ = config.lam)

    then record the RMS error over the non-terminal states (rms_error against true_values) and
    call on_episode(EpisodeReport(episode, trajectory, values, rms)) (episode from 1). The
    result holds the final values, the RMS errors (config.episodes + 1 of them: before the
    first episode, then after each) and the episodes' lengths.

    `true_values` is data, not a setting of the learner: V* of every state, what the error is
    measured against (world.random_walk.true_values computes it from the model). It is passed
    by name, so that the call reads as every learner's does: train(world, config, seed, …).

    Raises ValueError when true_values has not one entry per state number; the message names
    both counts, the world's state numbers (n_states) and the entries given.

    >>> from policywerk.world.random_walk import five_state, true_values
    >>> world = five_state()
    >>> result = train(world, Config(method="td0", alpha=0.1, episodes=3), seed=0, true_values=true_values(world))
    >>> len(result.rms_errors), round(result.rms_errors[0], 4)  # at V = 0.5: √((4 + 1 + 0 + 1 + 4)/36/5)
    (4, 0.2357)
    """
    if len(true_values) != world.n_states:
        raise ValueError(f"train: true_values must have one entry per state ({world.n_states}), got {len(true_values)}")
    values = [config.initial_value] * world.n_states
    for terminal in world.terminal_states:
        values[terminal] = 0.0
    walk_states = [s for s in world.states if s not in world.terminal_states]
    action = world.actions[0]
    first_seed = world_seed(Rng(seed))
    errors = [rms_error(values, true_values, walk_states)]
    lengths = []
    for number in range(1, config.episodes + 1):
        episode = rollout(world, lambda observation: action, seed=first_seed if number == 1 else None)
        if config.method == "td0":
            for step in episode.transitions:
                td_zero_update(values, step, config.alpha, config.gamma)
        elif config.method == "td_lambda":
            td_lambda_episode(values, episode, config.alpha, config.gamma, config.lam, config.replacing_traces)
        elif config.method == "mc":
            monte_carlo_episode(values, episode, config.alpha, config.gamma)
        else:
            lambda_return_episode(values, episode, config.alpha, config.gamma, config.lam)
        errors.append(rms_error(values, true_values, walk_states))
        lengths.append(episode.length)
        if on_episode is not None:
            on_episode(EpisodeReport(number, episode, values, errors[-1]))
    return TrainResult(values, errors, lengths)
