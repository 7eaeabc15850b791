"""Learning from interaction: the adaptive critic on the cart-pole (Barto, Sutton & Anderson 1983).

Two neuron-like elements learn to balance the pole with no model of the physics and no
teacher, from one bad signal: r = −1 when the pole falls or the cart hits the end of the
track, 0 otherwise. The state reaches them only as a one-hot vector x(t) over the 162 boxes
(world.balance.box_index), so every weighted sum Σ wᵢ·xᵢ is simply the weight of the box the
cart-pole is in.

The ASE (associative search element) acts. Its output is the push,

    y(t) = f(Σ wᵢ(t)·xᵢ(t) + noise(t)),   f(s) = +1 (right) if s >= 0, −1 (left) otherwise,

with Gaussian noise of σ = 0.01 to try things, and it learns by reinforcing what it recently
did in the boxes it recently visited, through its eligibility traces e:

    wᵢ(t+1) = wᵢ(t) + α·r̂(t)·eᵢ(t)                 α = 1000
    eᵢ(t+1) = δ·eᵢ(t) + (1 − δ)·y(t)·xᵢ(t)          δ = 0.9

The ACE (adaptive critic element) turns the rare failure signal into a signal at every step.
It predicts failure, p(t) = Σ vᵢ(t)·xᵢ(t) = v[box], and reports how much better or worse the
latest step went than it predicted, the internal reinforcement

    r̂(t) = r(t) + γ·p(t) − p(t−1)                   γ = 0.95, and p(t) = 0 at a failure,

which both elements learn from; the critic itself learns through traces x̄ of the boxes:

    vᵢ(t+1) = vᵢ(t) + β·r̂(t)·x̄ᵢ(t)                 β = 0.5
    x̄ᵢ(t+1) = λ·x̄ᵢ(t) + (1 − λ)·xᵢ(t)               λ = 0.8

A step into a box the critic fears gives r̂ < 0 at once, long before the failure itself:
that is the idea that became temporal-difference learning and the actor-critic. p(t−1) is
the prediction made one step earlier (with the weights of then), as in the paper. After a
failure the cart-pole starts again at rest and every trace is cleared: a new trial begins.

One step of `train`, in order: the ASE picks y from w[box]; the world moves; the critic
predicts p for the new box (0 on failure) and r̂ = r + γ·p − p_previous; both elements take
the box into their traces and learn from r̂ (ASE with amount y, ACE with amount 1).

Reference: A. G. Barto, R. S. Sutton and C. W. Anderson, "Neuronlike adaptive elements that
can solve difficult learning control problems", IEEE Transactions on Systems, Man, and
Cybernetics 13(5), 834–846 (1983). Their simulator balanced the pole for 100,000 steps after
79 failures in its logged run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from policywerk.building_blocks.mdp import World, world_seed

# The simple form of TracedWeights is built from these; the lazy reference does the same arithmetic itself.
from policywerk.building_blocks.traces import clear, input_trace  # noqa: F401
from policywerk.primitives.checks import require_count, require_non_negative, require_positive, require_unit
from policywerk.primitives.random import Rng
from policywerk.world.balance import N_BOXES, PUSH_LEFT, PUSH_RIGHT, box_index


# given
@dataclass(frozen=True)
class Config:
    """The paper's settings (Barto, Sutton & Anderson 1983), which the lesson uses unchanged."""

    alpha: float = 1000.0  # α, the ASE's learning rate
    delta: float = 0.9  # δ, the decay of the ASE's eligibility traces
    noise_std: float = 0.01  # σ of the Gaussian noise added to the ASE's sum
    beta: float = 0.5  # β, the ACE's learning rate
    lam: float = 0.8  # λ, the decay of the ACE's input traces
    gamma: float = 0.95  # γ, the discount in the internal reinforcement
    max_failures: int = 100  # give up after this many failed trials (as the authors' simulator did)

    def __post_init__(self):
        require_positive("Config: alpha (a learning rate)", self.alpha)
        require_positive("Config: beta (a learning rate)", self.beta)
        for name in ("delta", "lam", "gamma"):
            require_unit(f"Config: {name}", getattr(self, name))
        require_non_negative("Config: noise_std", self.noise_std)
        require_count("Config: max_failures", self.max_failures)


def ase_output(activation: float, noise: float) -> int:
    """The ASE's action: y = f(activation + noise), f(s) = +1 if s >= 0 else −1 (the paper's
    threshold function; +1 pushes right, −1 left).

    `activation` is Σ wᵢ·xᵢ, which for the one-hot box input is the weight of the current box;
    `noise` is one Gaussian sample of standard deviation σ (drawn by the caller). While a box's
    weight is near 0 the noise decides (the element explores); once |w| is well above σ, the
    weight does. (The authors' simulator used a softer rule instead, pushing right with
    probability 1/(1 + e^(−w)); this is the paper's.)

    >>> ase_output(0.3, -0.01), ase_output(-0.3, 0.01), ase_output(0.0, -0.02), ase_output(0.0, 0.0)
    (1, -1, -1, 1)
    """
    raise NotImplementedError(
        'actors.barto_sutton.ase_output is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.barto_sutton'
    )


def internal_reinforcement(
    reward: float, prediction: float, previous_prediction: float, gamma: float, failed: bool
) -> float:
    """The ACE's internal reinforcement r̂(t) = r(t) + γ·p(t) − p(t−1).

    `prediction` is p(t), the critic's value of the box just entered; `previous_prediction`
    is p(t−1), the value it gave one step earlier. At a failure nothing follows: p(t) counts
    as 0 whatever the critic holds (`failed` True), so r̂ = r − p(t−1).

    Positive r̂: things went better than predicted; negative: worse. With r = 0 and p
    falling as the pole tips (p = v[box] < 0 in feared boxes), r̂ < 0 warns before the end.

    Raises ValueError unless 0 <= γ <= 1; the message names gamma and its value.

    >>> internal_reinforcement(0.0, -1.0, -0.25, gamma=0.5, failed=False)  # 0 + 0.5·(−1) + 0.25
    -0.25
    >>> internal_reinforcement(-1.0, -1.0, -0.25, gamma=0.5, failed=True)  # −1 + 0 + 0.25
    -0.75
    """
    raise NotImplementedError(
        'actors.barto_sutton.internal_reinforcement is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.barto_sutton'
    )


class TracedWeights:
    """One weight per box with an input trace per box: the learning part of the ASE (weights w,
    traces e, rate α, decay δ) and of the ACE (weights v, traces x̄, rate β, decay λ).

    The simple form, which passes every spec, keeps two lists, `values` (the weights) and
    `traces`, and loops over all boxes at each update:

        e ← decay·e;  e[box] += (1 − decay)·amount          (traces.input_trace)
        w[i] ← w[i] + rate·signal·e[i]   for every box i

    The reference does the same arithmetic lazily, which is many times faster: only the
    visited box's trace gains anything in a step; every other trace just fades, so a box's
    weight can be brought up to date when it is next read, from the time elapsed since its
    last visit (see `update`). Both give the same weights up to rounding.

    >>> element = TracedWeights(n_boxes=3, learning_rate=10.0, decay=0.5)
    >>> element.update(box=1, amount=1.0, signal=0.0)  # e[1] = 0.5; no signal, no learning
    >>> element.update(box=2, amount=-1.0, signal=1.0)  # e = [0, 0.25, −0.5]; w += 10·1·e
    >>> element.weights(), element.trace(1)
    ([0.0, 2.5, -5.0], 0.25)
    """

    # given
    def __init__(self, n_boxes: int, learning_rate: float, decay: float):
        require_count("TracedWeights: n_boxes", n_boxes)
        require_positive("TracedWeights: learning_rate", learning_rate)
        require_unit("TracedWeights: decay", decay)
        self.n_boxes, self.learning_rate, self.decay = n_boxes, learning_rate, decay
        self.values = [0.0] * n_boxes  # the weights (in the lazy form: as of each box's last visit)
        self.traces = [0.0] * n_boxes  # the traces (in the lazy form: as of each box's last visit)
        # Bookkeeping of the lazy form only (the simple form needs none of it). Time runs in
        # epochs of `epoch_length` updates, short enough that decay**epoch_length >= 1e-3.
        self.epoch_length = (
            1 if decay < 1e-3 else 1000 if decay == 1.0 else max(1, int(math.log(1e-3) / math.log(decay)))
        )
        self.powers = [decay**k for k in range(self.epoch_length + 1)]  # decay**k
        self.clock = 0  # updates so far in this epoch
        self.signal_sum = 0.0  # Σ signal_k·decay^k over this epoch's updates k = 1 … clock
        self.stamps = [0] * n_boxes  # the clock at each box's last visit
        self.sums_at_stamp = [0.0] * n_boxes  # signal_sum at each box's last visit
        self.visited: set[int] = set()  # the boxes whose trace may be non-zero

    def weight(self, box: int) -> float:
        """The current weight of one box (w[box] for the ASE, the prediction v[box] for the ACE).

        Simple form: values[box]. Lazy form: the stored weight plus what the updates since the
        box's last visit (at clock s, trace e) added: rate·e·Σ_{k=s+1}^{clock} signal_k·decay^(k−s),
        = rate·e·(signal_sum − sums_at_stamp[box]) / decay^s.

        >>> element = TracedWeights(2, learning_rate=1.0, decay=0.5)
        >>> element.update(0, amount=1.0, signal=2.0)  # e[0] = 0.5, w[0] = 1.0
        >>> element.update(1, amount=0.0, signal=4.0)  # e[0] fades to 0.25, w[0] += 4·0.25
        >>> element.weight(0)
        2.0
        """
        raise NotImplementedError(
            'actors.barto_sutton.TracedWeights.weight is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.barto_sutton'
        )

    def trace(self, box: int) -> float:
        """The current trace of one box, as the last update left it.

        Simple form: traces[box]. Lazy form: the trace of the box's last visit, faded by the
        updates since: traces[box]·decay^(clock − stamps[box]).

        >>> element = TracedWeights(2, learning_rate=1.0, decay=0.5)
        >>> element.update(0, amount=1.0, signal=0.0)
        >>> element.update(1, amount=1.0, signal=0.0)
        >>> element.trace(0), element.trace(1)  # 0.5·0.5, then (1 − 0.5)·1
        (0.25, 0.5)
        """
        raise NotImplementedError(
            'actors.barto_sutton.TracedWeights.trace is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.barto_sutton'
        )

    def update(self, box: int, amount: float, signal: float) -> None:
        """One step of learning: the box enters the traces, then every weight moves along its trace.

            e ← decay·e;  e[box] += (1 − decay)·amount      (traces.input_trace)
            w ← w + rate·signal·e                           (every box)

        For the ASE: amount = y (the action just taken), signal = r̂, rate α, decay δ. For the
        ACE: amount = 1, signal = r̂, rate β, decay λ. The trace that learns from r̂ already
        holds the step that r̂ judges (Barto, Sutton & Anderson 1983: e(t) and x̄(t) include x(t−1)).

        The reference is lazy, O(1) per call: it brings only `box` up to date (its weight, then
        its faded trace), adds signal·decay^clock to the running signal_sum that every other box
        reads its catch-up from (see `weight`), and records the box's new trace, clock and
        signal_sum. Every epoch_length updates the given `_settle()` brings all visited boxes up
        to date and starts a new epoch, so decay^clock never gets small enough to lose precision.

        No checks: it runs twice per step of training (`box` is a box number from box_index).

        >>> element = TracedWeights(2, learning_rate=1.0, decay=0.5)
        >>> element.update(0, amount=-1.0, signal=2.0)  # e = [−0.5, 0]; w = [−1, 0]
        >>> element.weights()
        [-1.0, 0.0]
        """
        raise NotImplementedError(
            'actors.barto_sutton.TracedWeights.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.barto_sutton'
        )

    # given
    def _settle(self) -> None:
        """The lazy form's epoch change: bring every visited box up to date, start the clock at 0."""
        clock, powers, rate, signal_sum = self.clock, self.powers, self.learning_rate, self.signal_sum
        for box in list(self.visited):
            trace, stamp = self.traces[box], self.stamps[box]
            if stamp < clock:
                self.values[box] += rate * trace * (signal_sum - self.sums_at_stamp[box]) / powers[stamp]
                trace *= powers[clock - stamp]
            self.traces[box], self.stamps[box], self.sums_at_stamp[box] = trace, 0, 0.0
            if trace == 0.0:
                self.visited.discard(box)
        self.clock, self.signal_sum = 0, 0.0

    def clear(self) -> None:
        """Forget every trace (after a failure: a new trial starts), keeping what was learned.

        Simple form: traces.clear(traces). Lazy form: first bring every visited box's weight up
        to date (the catch-up needs the traces being forgotten), then zero the traces.

        >>> element = TracedWeights(2, learning_rate=1.0, decay=0.5)
        >>> element.update(0, amount=1.0, signal=1.0)
        >>> element.clear()
        >>> element.weights(), element.trace(0)
        ([0.5, 0.0], 0.0)
        """
        raise NotImplementedError(
            'actors.barto_sutton.TracedWeights.clear is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.barto_sutton'
        )

    # given
    def weights(self) -> list[float]:
        """Every box's current weight: [weight(0), …, weight(n_boxes − 1)]."""
        return [self.weight(box) for box in range(self.n_boxes)]


def ase_policy(weights: list[float], rng: Rng, noise_std: float = 0.01) -> Callable[[tuple], int]:
    """The trained ASE as a world policy, learning frozen: state -> world action.

    For a state: the box's weight w[box_index(state)] plus one Gaussian sample rng.normal(0, σ)
    (two draws) goes through ase_output; y = +1 is PUSH_RIGHT (1), y = −1 is PUSH_LEFT (0).

    Raises ValueError unless there is one weight per box (the message names 162 and the
    number of weights given) and σ >= 0 (the message names noise_std and its value).

    >>> policy = ase_policy([5.0] * 162, Rng(0), noise_std=0.01)
    >>> policy((0.0, 0.0, 0.0, 0.0))
    1
    """
    raise NotImplementedError(
        'actors.barto_sutton.ase_policy is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.barto_sutton'
    )


# given
@dataclass
class StepReport:
    """What `train` tells its on_step callback after every step of the world."""

    trial: int  # 1, 2, …
    step: int  # the step within the trial: 1, 2, …
    state: tuple  # the state the step led to (x, ẋ, θ, θ̇)


# given
@dataclass
class TrialReport:
    """What `train` tells its on_trial callback at the end of each trial."""

    trial: int  # 1, 2, …
    length: int  # its steps
    failed: bool  # False for the trial that reached the time limit (balanced)
    ase: TracedWeights  # the actor, its traces already cleared after a failure (live: it learns on)
    ace: TracedWeights  # the critic, likewise


# given
@dataclass
class TrainResult:
    trial_lengths: list[int]  # steps of each trial in order; the last is the balanced one if balanced
    failures: int  # trials that ended in a failure
    balanced: bool  # the last trial reached the world's time limit
    steps: int  # steps over all trials
    ase_weights: list[float] = field(default_factory=list)  # w per box at the end
    ace_weights: list[float] = field(default_factory=list)  # v per box at the end: the critic's predictions


def train(
    world: World,
    config: Config,
    seed: int = 0,
    on_trial: Callable[[TrialReport], None] | None = None,
    on_step: Callable[[StepReport], None] | None = None,
) -> TrainResult:
    """Learn to balance: trial after trial, until one trial reaches the world's time limit
    (balanced) or `config.max_failures` trials have failed.

    Any world with the cart-pole's state (x, ẋ, θ, θ̇), pushes PUSH_LEFT and PUSH_RIGHT, and
    reward −1 on a failure will do: our BalanceWorld, or Gymnasium's CartPole through the adapter.

    Set up: rng = Rng(seed); world.reset(seed=world_seed(rng)) (the seeding rule: see
    mdp.world_seed); ase = TracedWeights(N_BOXES, α, δ), ace = TracedWeights(N_BOXES, β, λ);
    box = box_index(state); previous = ace.weight(box) (the critic's prediction p(t−1)). Then
    every step:

        y = ase_output(ase.weight(box), rng.normal(0, σ))          # act (two draws)
        step = world.step(PUSH_RIGHT if y > 0 else PUSH_LEFT)
        prediction = 0 if step.terminated else ace.weight(next_box) # p(t), next_box = box_index(…)
        r̂ = internal_reinforcement(step.reward, prediction, previous, γ, step.terminated)
        ase.update(box, y, r̂);  ace.update(box, 1.0, r̂)            # learn (traces include box)
        on a failure: clear both traces, reset the world (no seed), box and previous = ace.weight(box) anew
        otherwise:    box = next_box, previous = prediction          # p(t) becomes p(t−1)

    Pitfalls: p(t−1) is the number predicted one step ago, as in the paper, not the box's
    weight re-read after learning (the authors' simulator re-reads it); p(t) = 0 at a failure;
    the traces clear after the failure's update, not before it, or the failure teaches nothing.

    Callbacks: on_step(StepReport(trial, step_in_trial, state)) after each world step (the
    state moved to; trials and steps count from 1); on_trial(TrialReport(trial, length, failed,
    ase, ace)) at the end of each trial, after the traces are cleared (failed False for the
    balanced trial).

    Returns TrainResult(trial_lengths, failures, balanced, steps, ase.weights(), ace.weights()).
    """
    raise NotImplementedError(
        'actors.barto_sutton.train is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.barto_sutton'
    )
