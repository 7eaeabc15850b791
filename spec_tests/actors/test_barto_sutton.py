"""Specs for actors.barto_sutton: the ASE's output rule, the ACE's internal reinforcement, the
traced weights both elements learn with, the frozen ASE as a policy, and training on the
cart-pole (Barto, Sutton & Anderson 1983).

The algorithm is written out below a second time with plain lists and full loops over the
162 boxes (`paper_run`), straight from the paper's equations:

    y(t)    = +1 if w[box] + noise >= 0 else −1,  noise ~ N(0, 0.01²) from rng.normal (two draws)
    r̂(t)    = r(t) + γ·p(t) − p(t−1),  p(t) = v[new box], 0 at a failure; p(t−1) remembered
    e       ← δ·e;  e[box] += (1 − δ)·y        w ← w + α·r̂·e      (α = 1000, δ = 0.9)
    x̄       ← λ·x̄;  x̄[box] += 1 − λ           v ← v + β·r̂·x̄      (β = 0.5, λ = 0.8, γ = 0.95)
    after a failure: clear e and x̄, restart at rest.

The world's seed is the first draw of Rng(seed) (every learner's seeding rule); the noise is
every later draw. The balance world starts at rest whatever its seed, but that first draw
still decides which noise the ASE sees.

so a learner's `train`, whatever its inner form (full loops or lazy), is checked against the
paper, not against the reference.
"""

import math
import random

import pytest

from policywerk.actors import barto_sutton
from policywerk.primitives.random import Rng
from policywerk.world import balance
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

START = (0.0, 0.0, 0.0, 0.0)
ALPHA, DELTA, SIGMA, BETA, LAM, GAMMA = 1000.0, 0.9, 0.01, 0.5, 0.8, 0.95


def paper_run(seed, max_failures, max_steps=100_000, sigma=SIGMA):
    """The paper's algorithm with full loops; returns (trial lengths, w, v, states of every step)."""
    rng = Rng(seed)
    w, v, e, xbar = [0.0] * 162, [0.0] * 162, [0.0] * 162, [0.0] * 162
    world = balance.BalanceWorld(max_steps)
    state, _ = world.reset(seed=rng.integers(0, 2**31 - 1))
    box = balance.box_index(state)
    previous = v[box]
    lengths, length, states = [], 0, []
    while True:
        y = 1 if w[box] + rng.normal(0.0, sigma) >= 0.0 else -1
        step = world.step(1 if y > 0 else 0)
        length += 1
        states.append(step.observation)
        if step.terminated:
            prediction = 0.0
        else:
            next_box = balance.box_index(step.observation)
            prediction = v[next_box]
        r_hat = step.reward + GAMMA * prediction - previous
        e = [DELTA * trace for trace in e]
        e[box] += (1.0 - DELTA) * y
        xbar = [LAM * trace for trace in xbar]
        xbar[box] += 1.0 - LAM
        w = [weight + ALPHA * r_hat * trace for weight, trace in zip(w, e)]
        v = [weight + BETA * r_hat * trace for weight, trace in zip(v, xbar)]
        if step.terminated or step.truncated:
            lengths.append(length)
            if step.truncated or len(lengths) >= max_failures:
                return lengths, w, v, states
            e, xbar = [0.0] * 162, [0.0] * 162
            state, _ = world.reset()
            box = balance.box_index(state)
            previous = v[box]
            length = 0
        else:
            box, previous = next_box, prediction


class RecordingBalance(balance.BalanceWorld):
    """The balance world, remembering the seed of every reset."""

    def __init__(self, max_steps=100_000):
        super().__init__(max_steps)
        self.seeds = []

    def reset(self, seed=None):
        self.seeds.append(seed)
        return super().reset(seed)


def simple_traced_weights(operations, n_boxes, rate, decay):
    """The simple form of TracedWeights: full loops. Returns (weights, traces) after each operation."""
    weights, traces, history = [0.0] * n_boxes, [0.0] * n_boxes, []
    for operation in operations:
        if operation == "clear":
            traces = [0.0] * n_boxes
        else:
            box, amount, signal = operation
            traces = [decay * trace for trace in traces]
            traces[box] += (1.0 - decay) * amount
            weights = [weight + rate * signal * trace for weight, trace in zip(weights, traces)]
        history.append((list(weights), list(traces)))
    return history


def random_operations(seed, n_boxes, count, clear_every):
    """Updates on random boxes with random amounts and signals, and a clear now and then."""
    generator = random.Random(seed)
    operations = []
    for index in range(1, count + 1):
        if index % clear_every == 0:
            operations.append("clear")
        else:
            box = generator.randrange(n_boxes) if generator.random() < 0.6 else generator.randrange(3)
            operations.append((box, generator.choice((-1.0, 1.0)), generator.uniform(-0.2, 0.2)))
    return operations


# --- ase_output ----------------------------------------------------------------------------------


@exercise("actors.barto_sutton.ase_output")
def test_ase_output_is_the_sign_of_activation_plus_noise_as_plus_or_minus_one():
    cases = {(0.3, -0.01): 1, (-0.3, 0.01): -1, (5.0, -4.0): 1, (0.004, -0.01): -1, (-0.004, 0.01): 1}
    assert {args: barto_sutton.ase_output(*args) for args in cases} == cases


@exercise("actors.barto_sutton.ase_output")
def test_ase_output_treats_exactly_zero_as_a_push_right():
    # The paper's threshold function: f(s) = +1 if s >= 0, −1 if s < 0.
    assert barto_sutton.ase_output(0.0, 0.0) == 1
    assert barto_sutton.ase_output(0.25, -0.25) == 1
    assert barto_sutton.ase_output(0.0, -1e-300) == -1


@exercise("actors.barto_sutton.ase_output")
def test_ase_output_follows_the_noise_while_the_weight_is_zero():
    rng = Rng(7)
    noises = [rng.normal(0.0, SIGMA) for _ in range(200)]
    actions = [barto_sutton.ase_output(0.0, noise) for noise in noises]
    assert actions == [1 if noise >= 0.0 else -1 for noise in noises]
    assert set(actions) == {-1, 1}
    assert {barto_sutton.ase_output(0.5, noise) for noise in noises} == {1}  # |w| >> σ: the weight decides


# --- internal_reinforcement ----------------------------------------------------------------------


@exercise("actors.barto_sutton.internal_reinforcement")
def test_internal_reinforcement_on_a_hand_made_sequence_ending_in_a_failure():
    # Predictions −0.1, −0.3, −0.6 as the pole tips, then it falls (r = −1, p counts as 0):
    #   0 + 0.95·(−0.3) + 0.1 = −0.185;  0 + 0.95·(−0.6) + 0.3 = −0.27;  −1 − (−0.6) = −0.4.
    predictions = [-0.1, -0.3, -0.6, -0.8]  # the last is what the critic holds for the failed state
    rewards, failed = [0.0, 0.0, -1.0], [False, False, True]
    got = [
        barto_sutton.internal_reinforcement(rewards[t], predictions[t + 1], predictions[t], GAMMA, failed[t])
        for t in range(3)
    ]
    assert got == pytest.approx([-0.185, -0.27, -0.4], abs=1e-12), (
        "r̂ = r + γ·p(t) − p(t−1): the new prediction is discounted by γ"
    )


@exercise("actors.barto_sutton.internal_reinforcement")
def test_internal_reinforcement_counts_the_prediction_as_zero_at_a_failure():
    # Whatever the critic holds for the failed state, nothing follows a failure: r̂ = r − p(t−1).
    for held in (-0.9, 0.0, 0.7):
        assert barto_sutton.internal_reinforcement(-1.0, held, -0.25, GAMMA, True) == pytest.approx(-0.75, abs=1e-15), (
            "at a failure r̂ = r − p(t−1): nothing follows a failure, so there is no prediction to bootstrap from"
        )


@exercise("actors.barto_sutton.internal_reinforcement")
def test_internal_reinforcement_is_positive_when_things_go_better_than_predicted():
    # From a feared box (−0.8) into a safer one (−0.2): 0.95·(−0.2) + 0.8 = 0.61.
    assert barto_sutton.internal_reinforcement(0.0, -0.2, -0.8, GAMMA, False) == pytest.approx(0.61, abs=1e-12)
    # γ = 1 and an unchanged prediction: nothing new, r̂ = 0; γ = 0: r̂ = r − p(t−1).
    assert barto_sutton.internal_reinforcement(0.0, -0.4, -0.4, 1.0, False) == pytest.approx(0.0, abs=1e-15)
    assert barto_sutton.internal_reinforcement(0.5, -0.4, -0.3, 0.0, False) == pytest.approx(0.8, abs=1e-15)


@pytest.mark.parametrize(
    "gamma",
    [
        pytest.param(g, marks=exercise("actors.barto_sutton.internal_reinforcement"), id=f"gamma={g}")
        for g in (-0.1, 1.5)
    ],
)
def test_internal_reinforcement_rejects_a_discount_outside_0_1(gamma):
    with pytest.raises(ValueError) as error:
        barto_sutton.internal_reinforcement(0.0, -0.2, -0.1, gamma, False)
    assert_names(error, "gamma", gamma)


# --- TracedWeights -------------------------------------------------------------------------------


@exercise("actors.barto_sutton.TracedWeights.update")
@exercise("actors.barto_sutton.TracedWeights.trace")
def test_update_adds_the_box_to_the_faded_traces_then_moves_every_weight_along_its_trace():
    element = barto_sutton.TracedWeights(4, learning_rate=10.0, decay=0.5)
    element.update(1, amount=1.0, signal=0.0)  # e = [0, 0.5, 0, 0]; no signal: w stays 0
    assert element.weights() == [0.0, 0.0, 0.0, 0.0]
    element.update(3, amount=-1.0, signal=2.0)  # e = [0, 0.25, 0, −0.5]; w += 10·2·e
    assert element.weights() == pytest.approx([0.0, 5.0, 0.0, -10.0], abs=1e-12), (
        "the trace adds (1 − δ)·amount, not the amount at full strength"
    )
    assert [element.trace(box) for box in range(4)] == pytest.approx([0.0, 0.25, 0.0, -0.5], abs=1e-15)
    element.update(1, amount=1.0, signal=-1.0)  # e = [0, 0.125 + 0.5, 0, −0.25]; w −= 10·e
    assert element.weights() == pytest.approx([0.0, 5.0 - 6.25, 0.0, -10.0 + 2.5], abs=1e-12)
    assert [element.trace(box) for box in range(4)] == pytest.approx([0.0, 0.625, 0.0, -0.25], abs=1e-15)


@exercise("actors.barto_sutton.TracedWeights.weight")
@exercise("actors.barto_sutton.TracedWeights.update")
def test_weight_of_a_box_includes_every_update_since_its_last_visit():
    # Box 0 visited once (e = 0.1), then 100 updates of box 1 with signal 0.5: box 0's trace
    # fades as 0.1·0.9^k, so w[0] = 1000·0.5·0.1·(0.9 + 0.9² + … + 0.9^100) = 50·9·(1 − 0.9^100).
    element = barto_sutton.TracedWeights(2, learning_rate=1000.0, decay=0.9)
    element.update(0, amount=1.0, signal=0.0)
    for _ in range(100):
        element.update(1, amount=0.0, signal=0.5)
    assert element.weight(0) == pytest.approx(450.0 * (1.0 - 0.9**100), rel=1e-12)
    assert element.weight(1) == 0.0  # its trace got amount 0: nothing to learn with


@exercise("actors.barto_sutton.TracedWeights.trace")
@exercise("actors.barto_sutton.TracedWeights.update")
def test_trace_fades_by_the_decay_at_every_update_of_another_box():
    element = barto_sutton.TracedWeights(3, learning_rate=1.0, decay=0.8)
    element.update(2, amount=1.0, signal=0.0)
    fades = []
    for _ in range(40):
        fades.append(element.trace(2))
        element.update(0, amount=1.0, signal=0.0)
    assert fades == pytest.approx([0.2 * 0.8**k for k in range(40)], rel=1e-12)
    # Box 0 took amount 1 forty times: 0.2·(1 + 0.8 + … + 0.8^39) = 1 − 0.8^40.
    assert element.trace(1) == 0.0 and element.trace(0) == pytest.approx(1.0 - 0.8**40, rel=1e-12)


@exercise("actors.barto_sutton.TracedWeights.update")
@exercise("actors.barto_sutton.TracedWeights.weight")
@exercise("actors.barto_sutton.TracedWeights.trace")
def test_a_trace_of_exactly_one_fades_and_teaches_like_any_other():
    # δ = ½, amount 2: e[0] = ½·2 = 1 exactly. Then box 1 with signal 4: e[0] fades to ½ and
    # w[0] += 1·4·½ = 2. Then box 0 again with amount 0 and no signal: e[0] = ½·½ = ¼, w[0] stays 2.
    element = barto_sutton.TracedWeights(2, learning_rate=1.0, decay=0.5)
    element.update(0, amount=2.0, signal=0.0)
    assert element.trace(0) == 1.0
    element.update(1, amount=0.0, signal=4.0)
    assert (element.weight(0), element.trace(0)) == pytest.approx((2.0, 0.5), abs=1e-15)
    element.update(0, amount=0.0, signal=0.0)
    assert (element.weight(0), element.trace(0)) == pytest.approx((2.0, 0.25), abs=1e-15)


@exercise("actors.barto_sutton.TracedWeights.clear")
def test_clear_forgets_the_traces_but_keeps_the_weights():
    element = barto_sutton.TracedWeights(3, learning_rate=10.0, decay=0.5)
    element.update(0, amount=1.0, signal=1.0)  # e[0] = 0.5, w[0] = 5
    element.update(1, amount=1.0, signal=1.0)  # e = [0.25, 0.5, 0], w = [7.5, 5, 0]
    element.clear()
    assert [element.trace(box) for box in range(3)] == [0.0, 0.0, 0.0]
    assert element.weights() == pytest.approx([7.5, 5.0, 0.0], abs=1e-12)
    element.update(2, amount=1.0, signal=1.0)  # only box 2 has a trace now
    assert element.weights() == pytest.approx([7.5, 5.0, 5.0], abs=1e-12)


@pytest.mark.parametrize(
    "decay",
    [
        pytest.param(
            d,
            marks=[
                exercise(f"actors.barto_sutton.TracedWeights.{name}") for name in ("weight", "trace", "update", "clear")
            ],
            id=f"decay={d}",
        )
        for d in (0.9, 0.8, 0.5, 0.0)
    ],
)
def test_traced_weights_equal_the_simple_full_loop_form_over_a_long_random_sequence(decay):
    # 400 operations on 12 boxes (most on 3 of them), a clear every 97: longer than any
    # bookkeeping period a lazy form might use. Checked after every operation.
    operations = random_operations(seed=int(decay * 10), n_boxes=12, count=400, clear_every=97)
    expected = simple_traced_weights(operations, 12, rate=1000.0, decay=decay)
    element = barto_sutton.TracedWeights(12, learning_rate=1000.0, decay=decay)
    for index, (operation, (weights, traces)) in enumerate(zip(operations, expected)):
        if operation == "clear":
            element.clear()
        else:
            element.update(*operation)
        assert element.weights() == pytest.approx(weights, rel=1e-9, abs=1e-9), index
        assert [element.trace(box) for box in range(12)] == pytest.approx(traces, rel=1e-9, abs=1e-12), index
    assert any(abs(weight) > 1.0 for weight in element.weights())


@exercise("actors.barto_sutton.TracedWeights.update")
@exercise("actors.barto_sutton.TracedWeights.weight")
def test_traced_weights_with_decay_0_credit_only_the_last_box_and_with_decay_1_nothing():
    # δ = 0: e = (1 − 0)·amount on the current box only, so each update moves that box alone.
    forgetful = barto_sutton.TracedWeights(3, learning_rate=2.0, decay=0.0)
    for box, amount, signal in ((0, 1.0, 1.0), (1, -1.0, 0.5), (0, 1.0, -0.25)):
        forgetful.update(box, amount, signal)
    assert forgetful.weights() == pytest.approx([2.0 - 0.5, -1.0, 0.0], abs=1e-15)
    # δ = 1: e ← e + 0·amount stays 0 for ever, so nothing is ever learned.
    frozen = barto_sutton.TracedWeights(3, learning_rate=2.0, decay=1.0)
    for box, amount, signal in ((0, 1.0, 1.0), (1, -1.0, 0.5), (0, 1.0, -0.25)):
        frozen.update(box, amount, signal)
    assert frozen.weights() == [0.0, 0.0, 0.0] and frozen.trace(0) == 0.0


@pytest.mark.parametrize(
    "settings, pattern",
    [
        ({"n_boxes": 0, "learning_rate": 1.0, "decay": 0.5}, r"n_boxes.*0"),
        ({"n_boxes": 3, "learning_rate": 0.0, "decay": 0.5}, r"learning_rate.*0\.0"),
        ({"n_boxes": 3, "learning_rate": -1.0, "decay": 0.5}, r"learning_rate.*-1\.0"),
        ({"n_boxes": 3, "learning_rate": 1.0, "decay": 1.5}, r"decay.*1\.5"),
        ({"n_boxes": 3, "learning_rate": 1.0, "decay": -0.1}, r"decay.*-0\.1"),
    ],
)
def test_traced_weights_reject_bad_settings_naming_the_value(settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        barto_sutton.TracedWeights(**settings)


# --- Config --------------------------------------------------------------------------------------


def test_config_holds_the_papers_values():
    config = barto_sutton.Config()
    assert (config.alpha, config.delta, config.noise_std) == (1000.0, 0.9, 0.01)
    assert (config.beta, config.lam, config.gamma) == (0.5, 0.8, 0.95)
    assert config.max_failures == 100  # the authors' simulator gave up after 100 failed trials


@pytest.mark.parametrize(
    "settings, pattern",
    [
        ({"alpha": 0.0}, r"alpha.*> 0.*0\.0"),
        ({"alpha": -5.0}, r"alpha.*-5\.0"),
        ({"beta": 0.0}, r"beta.*0\.0"),
        ({"lam": 1.2}, r"lam.*\[0, 1\].*1\.2"),
        ({"lam": -0.2}, r"lam.*-0\.2"),
        ({"gamma": 1.01}, r"gamma.*\[0, 1\].*1\.01"),
        ({"gamma": -0.5}, r"gamma.*-0\.5"),
        ({"delta": 2.0}, r"delta.*2\.0"),
        ({"noise_std": -0.01}, r"noise_std.*-0\.01"),
        ({"max_failures": 0}, r"max_failures.*0"),
        ({"max_failures": -3}, r"max_failures.*-3"),
        ({"max_failures": 2.5}, r"max_failures.*2\.5"),
    ],
)
def test_config_rejects_bad_settings_naming_the_value(settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        barto_sutton.Config(**settings)


# --- ase_policy ----------------------------------------------------------------------------------


@exercise("actors.barto_sutton.ase_policy")
def test_ase_policy_pushes_the_way_the_weight_of_the_current_box_says():
    weights = [0.0] * 162
    weights[85] = 3.0  # the start's box: push right
    weights[balance.box_index((0.0, 0.0, -3 * math.pi / 180, 0.0))] = -3.0  # tilted left: push left
    policy = barto_sutton.ase_policy(weights, Rng(0))
    assert policy(START) == 1
    assert policy((0.0, 0.0, -3 * math.pi / 180, 0.0)) == 0


@exercise("actors.barto_sutton.ase_policy")
def test_ase_policy_draws_one_gaussian_per_step_and_lets_it_decide_a_zero_weight():
    policy, replay = barto_sutton.ase_policy([0.0] * 162, Rng(11), noise_std=0.01), Rng(11)
    actions = [policy(START) for _ in range(100)]
    assert actions == [1 if replay.normal(0.0, 0.01) >= 0.0 else 0 for _ in range(100)]
    assert set(actions) == {0, 1}


@exercise("actors.barto_sutton.ase_policy")
def test_ase_policy_keeps_its_own_copy_of_the_weights():
    weights = [2.0] * 162
    policy = barto_sutton.ase_policy(weights, Rng(0))
    weights[85] = -2.0  # changed after the policy was made
    assert policy(START) == 1


@pytest.mark.parametrize(
    "weights, noise_std, named",
    [
        pytest.param([0.0] * 161, 0.01, (162, 161), marks=exercise("actors.barto_sutton.ase_policy"), id="161-weights"),
        pytest.param(
            [0.0] * 162,
            -0.1,
            ("noise_std", -0.1),
            marks=exercise("actors.barto_sutton.ase_policy"),
            id="negative-noise",
        ),
    ],
)
def test_ase_policy_rejects_bad_input(weights, noise_std, named):
    with pytest.raises(ValueError) as error:
        barto_sutton.ase_policy(weights, Rng(0), noise_std)
    assert_names(error, *named)


# --- train ---------------------------------------------------------------------------------------


@exercise("actors.barto_sutton.train")
def test_train_follows_the_papers_equations_for_the_first_twelve_trials():
    lengths, w, v, _ = paper_run(seed=3, max_failures=12)
    result = barto_sutton.train(balance.BalanceWorld(), barto_sutton.Config(max_failures=12), seed=3)
    rule = "every trial follows the paper's equations, and a failure clears both elements' traces before the next trial"
    assert result.trial_lengths == lengths, rule
    assert (result.failures, result.balanced, result.steps) == (12, False, sum(lengths))
    assert result.ase_weights == pytest.approx(w, rel=1e-9, abs=1e-9), rule
    assert result.ace_weights == pytest.approx(v, rel=1e-9, abs=1e-12)
    assert min(result.ace_weights) < -0.1  # the critic has learned to fear something


@exercise("actors.barto_sutton.train")
def test_train_first_trial_explores_by_noise_and_its_failure_punishes_the_recent_actions():
    # Before the first failure r̂ = 0 (v = 0 everywhere), so w stays 0 and the noise alone
    # decides every push. At the failure r̂ = −1 − 0: w = −α·e and v = −β·x̄.
    lengths, w, v, _ = paper_run(seed=5, max_failures=1)
    result = barto_sutton.train(balance.BalanceWorld(), barto_sutton.Config(max_failures=1), seed=5)
    assert (result.trial_lengths, result.failures, result.steps) == (lengths, 1, lengths[0])
    assert result.ase_weights == pytest.approx(w, rel=1e-9, abs=1e-12), (
        "the actor's eligibility is the action times the box (y·x): the failure punishes each recent push in its own direction"
    )
    assert result.ace_weights == pytest.approx(v, rel=1e-9, abs=1e-12)
    assert sum(1 for weight in result.ase_weights if weight != 0.0) >= 2


@exercise("actors.barto_sutton.train")
def test_train_without_noise_pushes_right_until_the_first_failure():
    # σ = 0 and w = 0: f(0) = +1, every push goes right, exactly like pushing right by hand.
    world = balance.BalanceWorld()
    world.reset(seed=0)
    by_hand = 1
    while not world.step(1).terminated:
        by_hand += 1
    result = barto_sutton.train(balance.BalanceWorld(), barto_sutton.Config(noise_std=0.0, max_failures=1), seed=0)
    assert result.trial_lengths == [by_hand]


class _OffTheEnd(balance.BalanceWorld):
    """The balance world started at the end of the track, moving outward at 10 m/s: whichever
    way it is pushed, the first step leaves the track (x = 2.4 + 0.02·10 > 2.4)."""

    def _reset(self):
        self.state = (balance.X_LIMIT, 10.0, 0.0, 0.0)
        self.steps = 0
        return self.state


@exercise("actors.barto_sutton.train")
def test_train_copes_with_trials_that_fail_on_their_first_step():
    result = barto_sutton.train(_OffTheEnd(), barto_sutton.Config(max_failures=3), seed=0)
    assert (result.trial_lengths, result.failures, result.balanced, result.steps) == ([1, 1, 1], 3, False, 3)


@exercise("actors.barto_sutton.train")
def test_train_stops_at_the_first_trial_that_reaches_the_time_limit():
    lengths, w, _, _ = paper_run(seed=0, max_failures=100, max_steps=60)
    result = barto_sutton.train(balance.BalanceWorld(max_steps=60), barto_sutton.Config(), seed=0)
    assert result.trial_lengths == lengths and result.trial_lengths[-1] == 60, (
        "a trial that reaches the time limit has balanced, not failed: it is not punished, and training stops there"
    )
    assert (result.balanced, result.failures) == (True, len(lengths) - 1)
    assert result.ase_weights == pytest.approx(w, rel=1e-9, abs=1e-9)


@exercise("actors.barto_sutton.train")
def test_train_calls_on_step_for_every_step_and_on_trial_after_each_trial():
    lengths, _, v, states = paper_run(seed=2, max_failures=4)
    steps, trials = [], []

    def on_trial(report):
        trials.append(
            (
                report.trial,
                report.length,
                report.failed,
                [report.ace.trace(box) for box in range(162)],
                report.ace.weights(),
            )
        )

    barto_sutton.train(
        balance.BalanceWorld(),
        barto_sutton.Config(max_failures=4),
        seed=2,
        on_trial=on_trial,
        on_step=lambda report: steps.append((report.trial, report.step, report.state)),
    )
    assert [(trial, length, failed) for trial, length, failed, _, _ in trials] == [
        (k + 1, length, True) for k, length in enumerate(lengths)
    ]
    assert [(trial, step) for trial, step, _ in steps] == [
        (k + 1, s) for k, n in enumerate(lengths) for s in range(1, n + 1)
    ]
    assert [x for _, _, state in steps for x in state] == pytest.approx(
        [x for state in states for x in state], abs=1e-12
    )
    assert all(trace == 0.0 for _, _, _, traces, _ in trials for trace in traces)  # cleared before on_trial
    assert trials[-1][4] == pytest.approx(v, rel=1e-9, abs=1e-12)


@exercise("actors.barto_sutton.train")
def test_train_seeds_the_world_once_with_its_generators_first_draw_and_resets_it_after_each_failure():
    world = RecordingBalance()
    result = barto_sutton.train(world, barto_sutton.Config(max_failures=3), seed=4)
    assert result.failures == 3
    assert world.seeds == [Rng(4).integers(0, 2**31 - 1), None, None]  # the third failure ends the run


@pytest.mark.slow
@pytest.mark.timeout(600)
@exercise("actors.barto_sutton.train")
def test_train_balances_100000_steps_within_100_failures_for_most_seeds():
    # The paper's test: the authors' simulator balanced the pole for 100,000 steps after 79
    # failures in its logged run. With the paper's rules (output sign(w + noise), σ = 0.01),
    # the reference succeeds within 100 failures for 58 of seeds 0–99 (12 of seeds 0–19,
    # after 41 to 89 failures); a seed that fails usually locks into a repeating trial.
    # Over 20 seeds the number of successes is Binomial(20, p) with p ≈ 0.58 (95 % interval
    # 0.48–0.68), so demanding at least 5 fails a correct implementation with probability
    # P(X <= 4) ≈ 0.0006 at p = 0.58 (0.006 at p = 0.5, 0.010 at p = 0.48), while a learner
    # that does not learn balances 0. (At least 10, the bound first planned for p ≈ 0.7,
    # would fail a correct implementation about one time in six.)
    balanced = []
    for seed in range(20):
        result = barto_sutton.train(balance.BalanceWorld(max_steps=100_000), barto_sutton.Config(), seed=seed)
        assert result.balanced == (result.trial_lengths[-1] == 100_000)
        balanced.append(result.balanced)
    assert sum(balanced) >= 5, f"balanced within 100 failures for {sum(balanced)} of 20 seeds"
