"""Specs for actors.td_learner: TD(0), TD(λ) with traces, constant-α Monte Carlo and the offline
λ-return, online and with Sutton's (1988) repeated presentations, on hand-made episodes and on the
random walk.

Hand-made episodes use a small chain whose states are plain numbers; a Transition here is
(observation, action 0, reward, next_observation, terminated, truncated). Values are lists with
one entry per state number. Where a terminal state's entry is set to 8.0, that is on purpose: it
is not a prediction, and no update may read it.

The learning outcomes (marked slow) reproduce Sutton & Barto's random-walk figures:
Example 6.2 (TD(0) beats constant-α MC after 100 episodes, averaged over 100 runs) and the
19-state λ sweeps of figures 12.3 and 12.6 (the best RMS error, averaged over the first 10
episodes, is about 0.26 near λ = 0.8, far below λ = 0 and λ = 1), and the paper's experiment 1
(under repeated presentations, λ = 0 beats λ = 1, Widrow–Hoff).
"""

import math
import random

import pytest

from policywerk.actors import td_learner
from policywerk.building_blocks.mdp import Discrete, Episode, Transition, rollout
from policywerk.primitives.random import Rng
from policywerk.world import random_walk
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

FIVE_TRUE = [0.0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 0.0]  # the walk's true values, exits at 0 and 6
NINETEEN_TRUE = [0.0] + [k / 10 - 1.0 for k in range(1, 20)] + [0.0]
WALK = [1, 2, 3, 4, 5]


def step(state, reward, next_state, terminated=False, truncated=False):
    return Transition(state, 0, reward, next_state, terminated, truncated)


def walk_of(states, right_reward=1.0, left_reward=0.0, exits=(0, 6)):
    """The five-state walk's episode through the given states (the last one an exit)."""
    steps = []
    for state, next_state in zip(states, states[1:]):
        done = next_state in exits
        reward = right_reward if next_state == exits[1] else left_reward if next_state == exits[0] else 0.0
        steps.append(step(state, reward, next_state, terminated=done))
    return Episode(steps)


def walk_episodes(world, seed, count):
    """`count` episodes of a walk, the first reset with `seed`, the others continuing its generator."""
    return [rollout(world, random_walk.only_action, seed=seed if k == 0 else None) for k in range(count)]


def forward_view_increments(values, episode, gamma, lam):
    """Σ over the visits t of s of (G_t^λ − V(s_t)), with G^λ from its backward recursion, written here."""
    steps = episode.transitions
    targets, following = [0.0] * len(steps), 0.0
    for t in reversed(range(len(steps))):
        s = steps[t]
        if s.terminated:
            future = 0.0
        elif s.truncated or t == len(steps) - 1:
            future = values[s.next_observation]
        else:
            future = (1 - lam) * values[s.next_observation] + lam * following
        following = s.reward + gamma * future
        targets[t] = following
    increments = [0.0] * len(values)
    for s, target in zip(steps, targets):
        increments[s.observation] += target - values[s.observation]
    return increments


# --- rms_error -----------------------------------------------------------------------------------


@exercise("actors.td_learner.rms_error")
def test_rms_error_is_the_root_of_the_mean_squared_difference_over_the_listed_states():
    # Differences 0.25, 0, −0.5 over states 1–3: √((0.0625 + 0 + 0.25)/3). State 4 is not listed.
    got = td_learner.rms_error([0.0, 0.5, 0.5, 0.5, 9.0], [0.0, 0.25, 0.5, 1.0, 0.0], [1, 2, 3])
    assert got == pytest.approx(math.sqrt(0.3125 / 3), abs=1e-15)


@exercise("actors.td_learner.rms_error")
def test_rms_error_of_the_textbook_start_is_the_root_of_one_eighteenth():
    # V = 0.5 everywhere against 1/6 … 5/6: squared errors (4, 1, 0, 1, 4)/36, mean 10/180 = 1/18.
    # Sutton & Barto's Example 6.2 curves all start here, at about 0.236.
    values = [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0]
    assert td_learner.rms_error(values, FIVE_TRUE, WALK) == pytest.approx(math.sqrt(1 / 18), abs=1e-12)


@exercise("actors.td_learner.rms_error")
def test_rms_error_is_zero_at_the_truth_and_ignores_the_states_not_listed():
    assert td_learner.rms_error(FIVE_TRUE, FIVE_TRUE, WALK) == 0.0
    assert td_learner.rms_error([5.0, 1.0, 7.0], [0.0, 1.0, 0.0], [1]) == 0.0
    assert td_learner.rms_error([5.0, 1.0, 7.0], [0.0, 1.0, 0.0], [0, 1]) == pytest.approx(math.sqrt(12.5))


@exercise("actors.td_learner.rms_error")
def test_rms_error_refuses_tables_of_different_lengths_and_no_states():
    with pytest.raises(ValueError) as error:
        td_learner.rms_error([0.0, 0.0, 0.0], [0.0, 0.0], [0])
    assert_names(error, 3, 2)
    with pytest.raises(ValueError):
        td_learner.rms_error([0.0], [1.0], [])


# --- td_zero_update ------------------------------------------------------------------------------


@exercise("actors.td_learner.td_zero_update")
def test_td_zero_moves_the_state_a_fraction_alpha_of_the_td_error_and_returns_the_error():
    # δ = 0 + 1·V(2) − V(1) = 0.75 − 0.5 = 0.25; V(1) ← 0.5 + 0.5·0.25 = 0.625. Nothing else moves.
    values = [0.0, 0.5, 0.75, 0.5, 0.0]
    assert td_learner.td_zero_update(values, step(1, 0.0, 2), alpha=0.5, gamma=1.0) == 0.25
    assert values == [0.0, 0.625, 0.75, 0.5, 0.0]


@exercise("actors.td_learner.td_zero_update")
def test_td_zero_discounts_the_next_value():
    # δ = 1 + 0.5·V(3) − V(2) = 1 + 0.25 − 0.75 = 0.5; V(2) ← 0.75 + 0.25·0.5 = 0.875.
    values = [0.0, 0.5, 0.75, 0.5, 0.0]
    assert td_learner.td_zero_update(values, step(2, 1.0, 3), alpha=0.25, gamma=0.5) == 0.5
    assert values == [0.0, 0.5, 0.875, 0.5, 0.0]


@exercise("actors.td_learner.td_zero_update")
def test_td_zero_never_bootstraps_past_a_termination_but_does_on_a_truncation():
    # The exit's entry holds 8: read it only when the walk was cut off, not when it ended.
    ended = [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 8.0]
    assert td_learner.td_zero_update(ended, step(5, 1.0, 6, terminated=True), alpha=0.5, gamma=1.0) == 0.5, (
        "the target of a terminal step is its reward alone: this one bootstrapped from the next state"
    )
    assert ended[5] == 0.75
    cut_off = [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 8.0]
    assert td_learner.td_zero_update(cut_off, step(5, 1.0, 6, truncated=True), alpha=0.5, gamma=1.0) == 8.5, (
        "a time-out is not a termination: a truncated step still bootstraps from the next state's value"
    )
    assert cut_off[5] == 4.75 and cut_off[6] == 8.0


@exercise("actors.td_learner.td_zero_update")
def test_td_zero_after_the_first_textbook_episode_only_changed_the_last_state():
    # Sutton & Barto, Exercise 6.1/6.3: from V = 0.5, α = 0.1, an episode C → B → A → left exit
    # leaves B and C alone (δ = 0.5 − 0.5) and moves A by 0.1·(0 − 0.5) = −0.05.
    values = [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0]
    errors = [td_learner.td_zero_update(values, t, alpha=0.1, gamma=1.0) for t in walk_of([3, 2, 1, 0]).transitions]
    assert errors == [0.0, 0.0, -0.5]
    assert values == pytest.approx([0.0, 0.45, 0.5, 0.5, 0.5, 0.5, 0.0], abs=1e-15)


@pytest.mark.parametrize(
    "settings, named",
    [
        pytest.param(
            {"alpha": 0.0, "gamma": 1.0},
            ("alpha", 0.0),
            marks=exercise("actors.td_learner.td_zero_update"),
            id="alpha-0",
        ),
        pytest.param(
            {"alpha": -0.1, "gamma": 1.0},
            ("alpha", -0.1),
            marks=exercise("actors.td_learner.td_zero_update"),
            id="alpha-negative",
        ),
        pytest.param(
            {"alpha": 0.1, "gamma": 1.5},
            ("gamma", 1.5),
            marks=exercise("actors.td_learner.td_zero_update"),
            id="gamma-above-1",
        ),
    ],
)
def test_td_zero_refuses_a_bad_step_size_or_discount_naming_it(settings, named):
    values = [0.0, 0.5, 0.0]
    with pytest.raises(ValueError) as error:
        td_learner.td_zero_update(values, step(1, 1.0, 2, terminated=True), **settings)
    assert_names(error, *named)
    assert values == [0.0, 0.5, 0.0]


# --- td_lambda_episode ---------------------------------------------------------------------------


REVISIT = Episode([step(1, 0.0, 2), step(2, 0.0, 1), step(1, 1.0, 0, terminated=True)])


@exercise("actors.td_learner.td_lambda_episode")
def test_td_lambda_with_accumulating_traces_credits_a_revisited_state_for_both_visits():
    # γ = 1, λ = 0.5, α = 0.5, V = 0: the first two TD errors are 0, the last is 1. Traces before
    # the last update: state 1 visited 2 steps ago and now, 0.25 + 1 = 1.25; state 2, 0.5.
    values = [0.0, 0.0, 0.0]
    errors = td_learner.td_lambda_episode(values, REVISIT, alpha=0.5, gamma=1.0, lam=0.5)
    assert errors == [0.0, 0.0, 1.0]
    assert values == [0.0, 0.625, 0.25]  # 0.5·1·[0, 1.25, 0.5]


@exercise("actors.td_learner.td_lambda_episode")
def test_td_lambda_with_replacing_traces_resets_a_revisited_state_to_one():
    values = [0.0, 0.0, 0.0]
    errors = td_learner.td_lambda_episode(values, REVISIT, alpha=0.5, gamma=1.0, lam=0.5, replacing=True)
    assert errors == [0.0, 0.0, 1.0]
    assert values == [0.0, 0.5, 0.25]  # 0.5·1·[0, 1, 0.5]


@exercise("actors.td_learner.td_lambda_episode")
def test_td_lambda_computes_each_td_error_before_its_update_and_decays_traces_by_gamma_lambda():
    # γ = 0.5, λ = 1, α = 0.5; the exit (3) holds 8, never read.
    #   step 0: δ₀ = 0 + 0.5·0.25 − 0.5 = −0.375; e = [0, 1, 0, 0]; V(1) = 0.5 − 0.1875 = 0.3125
    #   step 1: δ₁ = 1 − 0.25 = 0.75; e = [0, 0.5, 1, 0]; V += 0.375·e: V(1) = 0.5, V(2) = 0.625
    values = [0.0, 0.5, 0.25, 8.0]
    episode = Episode([step(1, 0.0, 2), step(2, 1.0, 3, terminated=True)])
    errors = td_learner.td_lambda_episode(values, episode, alpha=0.5, gamma=0.5, lam=1.0)
    rule = "at each step, fade every trace by γ·λ, then mark the current state, then move every value along its trace"
    assert errors == [-0.375, 0.75], rule
    assert values == [0.0, 0.5, 0.625, 8.0], rule


@exercise("actors.td_learner.td_lambda_episode")
def test_td_lambda_bootstraps_from_the_final_observation_of_a_truncated_episode():
    # One step cut off: δ = 0 + 1·V(2) − V(1) = 8 − 0.5.
    values = [0.0, 0.5, 8.0]
    errors = td_learner.td_lambda_episode(
        values, Episode([step(1, 0.0, 2, truncated=True)]), alpha=0.5, gamma=1.0, lam=0.9
    )
    assert errors == [7.5] and values == [0.0, 4.25, 8.0]


@pytest.mark.parametrize(
    "world, seed",
    [
        pytest.param(
            random_walk.five_state(), 3, marks=exercise("actors.td_learner.td_lambda_episode"), id="five-states"
        ),
        pytest.param(
            random_walk.nineteen_state(), 4, marks=exercise("actors.td_learner.td_lambda_episode"), id="nineteen-states"
        ),
    ],
)
def test_td_lambda_with_lambda_zero_is_td_zero_step_by_step(world, seed):
    # With λ = 0 only the current state has a trace (1), so TD(λ) is TD(0). Computed here by hand.
    episodes = walk_episodes(world, seed, count=5)
    values, expected = [0.0] + [0.3] * (world.n_states - 2) + [0.0], [0.0] + [0.3] * (world.n_states - 2) + [0.0]
    for episode in episodes:
        errors = td_learner.td_lambda_episode(values, episode, alpha=0.2, gamma=0.9, lam=0.0)
        for t, error in zip(episode.transitions, errors):
            target = t.reward + (0.0 if t.terminated else 0.9 * expected[t.next_observation])
            assert error == pytest.approx(target - expected[t.observation], abs=1e-12)
            expected[t.observation] += 0.2 * (target - expected[t.observation])
    assert values == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "settings, named",
    [
        pytest.param(
            {"alpha": 0.0, "gamma": 1.0, "lam": 0.5},
            ("alpha", 0.0),
            marks=exercise("actors.td_learner.td_lambda_episode"),
            id="alpha",
        ),
        pytest.param(
            {"alpha": 0.1, "gamma": -0.5, "lam": 0.5},
            ("gamma", -0.5),
            marks=exercise("actors.td_learner.td_lambda_episode"),
            id="gamma",
        ),
        pytest.param(
            {"alpha": 0.1, "gamma": 1.0, "lam": 1.5},
            ("lam", 1.5),
            marks=exercise("actors.td_learner.td_lambda_episode"),
            id="lam-above",
        ),
        pytest.param(
            {"alpha": 0.1, "gamma": 1.0, "lam": -0.5},
            ("lam", -0.5),
            marks=exercise("actors.td_learner.td_lambda_episode"),
            id="lam-below",
        ),
    ],
)
def test_td_lambda_refuses_bad_settings_naming_them(settings, named):
    with pytest.raises(ValueError) as error:
        td_learner.td_lambda_episode([0.0, 0.0, 0.0], REVISIT, **settings)
    assert_names(error, *named)


# --- monte_carlo_episode -------------------------------------------------------------------------


@exercise("actors.td_learner.monte_carlo_episode")
def test_monte_carlo_moves_every_visit_toward_the_return_in_order():
    # C → D → C → D → E → right exit (+1), γ = 1: every return is 1. α = 0.5 from V = 0.5:
    # C: 0.5 → 0.75 → 0.875 (its second visit starts from the first's result); D likewise; E 0.75.
    values = [0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 8.0]
    errors = td_learner.monte_carlo_episode(values, walk_of([3, 4, 3, 4, 5, 6]), alpha=0.5, gamma=1.0)
    assert errors == [0.5, 0.5, 0.25, 0.25, 0.5]
    assert values == [0.0, 0.5, 0.5, 0.875, 0.875, 0.75, 8.0]


@exercise("actors.td_learner.monte_carlo_episode")
def test_monte_carlo_targets_are_the_discounted_returns():
    # C → D → E → right exit with γ = 0.5: G = [0.25, 0.5, 1]; α = 1 jumps to them.
    values = [0.0] * 7
    errors = td_learner.monte_carlo_episode(values, walk_of([3, 4, 5, 6]), alpha=1.0, gamma=0.5)
    assert errors == [0.25, 0.5, 1.0], (
        "a Monte Carlo target is the discounted return: each later reward counts γ^k times"
    )
    assert values[3:6] == [0.25, 0.5, 1.0]


@exercise("actors.td_learner.monte_carlo_episode")
def test_monte_carlo_bootstraps_a_truncated_episode_from_the_final_value_read_before_the_updates():
    # D → C (+1), then C → D cut off. The future after the cut is V(D) = 0.25 as it was, so
    # G = [1.25, 0.25]. α = 0.5: V(D) ← 0.25 + 0.5·1.0 = 0.75; V(C) ← 0.5 + 0.5·(−0.25) = 0.375.
    values = [0.0, 0.0, 0.0, 0.5, 0.25, 0.0, 0.0]
    episode = Episode([step(4, 1.0, 3), step(3, 0.0, 4, truncated=True)])
    errors = td_learner.monte_carlo_episode(values, episode, alpha=0.5, gamma=1.0)
    assert errors == [1.0, -0.25]
    assert values == [0.0, 0.0, 0.0, 0.375, 0.75, 0.0, 0.0]


@exercise("actors.td_learner.monte_carlo_episode")
def test_monte_carlo_refuses_a_bad_step_size_or_discount():
    with pytest.raises(ValueError) as error:
        td_learner.monte_carlo_episode([0.0] * 7, walk_of([3, 4, 5, 6]), alpha=-1.0, gamma=1.0)
    assert_names(error, "alpha", -1.0)
    with pytest.raises(ValueError) as error:
        td_learner.monte_carlo_episode([0.0] * 7, walk_of([3, 4, 5, 6]), alpha=0.1, gamma=2.0)
    assert_names(error, "gamma", 2.0)


# --- lambda_return_episode -----------------------------------------------------------------------


@exercise("actors.td_learner.lambda_return_episode")
def test_lambda_return_moves_each_state_toward_its_lambda_return():
    # γ = 0.5, λ = 0.5, the exit (3) holds 8, never read:
    #   G₁ = 1;  G₀ = 0 + 0.5·[0.5·V(2) + 0.5·G₁] = 0.5·(0.125 + 0.5) = 0.3125
    #   errors −0.1875 and 0.75; α = 0.5: V(1) = 0.40625, V(2) = 0.625
    values = [0.0, 0.5, 0.25, 8.0]
    episode = Episode([step(1, 0.0, 2), step(2, 1.0, 3, terminated=True)])
    errors = td_learner.lambda_return_episode(values, episode, alpha=0.5, gamma=0.5, lam=0.5)
    assert errors == [-0.1875, 0.75]
    assert values == [0.0, 0.40625, 0.625, 8.0]


@exercise("actors.td_learner.lambda_return_episode")
def test_lambda_return_with_lambda_zero_uses_the_values_frozen_for_the_episode():
    # B → C → B → A → left exit from V = (A 0.25, B 0.5, C 0.75), α = 0.5, targets r + V(next) read
    # before any update: 0.75, 0.5, 0.25, 0. In order: B → 0.625, C → 0.625, B → 0.4375, A → 0.125.
    # (Online TD(0) would give C 0.6875: its target V(B) would already be 0.625.)
    values = [0.0, 0.25, 0.5, 0.75, 0.0, 0.0, 0.0]
    errors = td_learner.lambda_return_episode(values, walk_of([2, 3, 2, 1, 0]), alpha=0.5, gamma=1.0, lam=0.0)
    assert errors == [0.25, -0.25, -0.375, -0.25]
    assert values == [0.0, 0.125, 0.4375, 0.625, 0.0, 0.0, 0.0]


@exercise("actors.td_learner.lambda_return_episode")
@exercise("actors.td_learner.monte_carlo_episode")
def test_lambda_return_with_lambda_one_is_constant_alpha_monte_carlo():
    world = random_walk.five_state()
    by_lambda_return, by_monte_carlo = [0.0] + [0.5] * 5 + [0.0], [0.0] + [0.5] * 5 + [0.0]
    for episode in walk_episodes(world, seed=7, count=20):
        td_learner.lambda_return_episode(by_lambda_return, episode, alpha=0.1, gamma=0.9, lam=1.0)
        td_learner.monte_carlo_episode(by_monte_carlo, episode, alpha=0.1, gamma=0.9)
    assert by_lambda_return == pytest.approx(by_monte_carlo, abs=1e-12)
    assert by_monte_carlo != [0.0] + [0.5] * 5 + [0.0]


@exercise("actors.td_learner.lambda_return_episode")
def test_lambda_return_bootstraps_a_truncated_episode():
    # One step cut off, reward 1, V(final) = 4, γ = 0.5: G = 1 + 0.5·4 = 3 whatever λ.
    values = [0.0, 1.0, 4.0]
    errors = td_learner.lambda_return_episode(
        values, Episode([step(1, 1.0, 2, truncated=True)]), alpha=0.5, gamma=0.5, lam=0.3
    )
    assert errors == [2.0] and values == [0.0, 2.0, 4.0]


@pytest.mark.parametrize(
    "settings, named",
    [
        pytest.param({"lam": 1.01}, ("lam", 1.01), marks=exercise("actors.td_learner.lambda_return_episode"), id="lam"),
        pytest.param(
            {"alpha": 0.0}, ("alpha", 0.0), marks=exercise("actors.td_learner.lambda_return_episode"), id="alpha-0"
        ),
        pytest.param(
            {"alpha": -0.1},
            ("alpha", -0.1),
            marks=exercise("actors.td_learner.lambda_return_episode"),
            id="alpha-negative",
        ),
        pytest.param(
            {"gamma": 1.5}, ("gamma", 1.5), marks=exercise("actors.td_learner.lambda_return_episode"), id="gamma"
        ),
    ],
)
def test_lambda_return_refuses_bad_settings_naming_them(settings, named):
    arguments = {"alpha": 0.1, "gamma": 1.0, "lam": 0.5} | settings
    with pytest.raises(ValueError) as error:
        td_learner.lambda_return_episode([0.0] * 7, walk_of([3, 4, 5, 6]), **arguments)
    assert_names(error, *named)


@exercise("actors.td_learner.lambda_return_episode")
def test_lambda_return_with_gamma_zero_moves_each_state_toward_its_reward():
    # γ = 0 is allowed: G_t^λ = r_t, so only E (paid 1 on its way out) moves, by α·1
    values = [0.0] * 7
    td_learner.lambda_return_episode(values, walk_of([3, 4, 5, 6]), alpha=0.5, gamma=0.0, lam=0.5)
    assert values == [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0]


# --- td_lambda_increments ------------------------------------------------------------------------


@exercise("actors.td_learner.td_lambda_increments")
def test_increments_sum_td_errors_times_traces_without_changing_the_values():
    # γ = 0.5, λ = 0.5 (traces fade by 0.25), V held at [0, 0.5, 0.25, 8]:
    #   δ₀ = 0.125 − 0.5 = −0.375, e = [0, 1, 0, 0]
    #   δ₁ = 1 − 0.25 = 0.75,      e = [0, 0.25, 1, 0]
    #   Δ = [0, −0.375 + 0.1875, 0.75, 0]
    values = [0.0, 0.5, 0.25, 8.0]
    episode = Episode([step(1, 0.0, 2), step(2, 1.0, 3, terminated=True)])
    assert td_learner.td_lambda_increments(values, episode, gamma=0.5, lam=0.5) == [0.0, -0.1875, 0.75, 0.0]
    assert values == [0.0, 0.5, 0.25, 8.0]


@pytest.mark.parametrize(
    "lam",
    [
        pytest.param(lam, marks=exercise("actors.td_learner.td_lambda_increments"), id=f"lam={lam}")
        for lam in (0.0, 0.3, 0.8, 1.0)
    ],
)
def test_increments_equal_the_forward_view_sum_of_lambda_return_errors(lam):
    # The offline equivalence of the backward view (traces) and the forward view (λ-returns).
    world = random_walk.nineteen_state()
    rng = random.Random(8)
    values = [0.0] + [rng.uniform(-1.0, 1.0) for _ in range(19)] + [0.0]
    for episode in walk_episodes(world, seed=9, count=3):
        got = td_learner.td_lambda_increments(values, episode, gamma=0.9, lam=lam)
        assert got == pytest.approx(forward_view_increments(values, episode, 0.9, lam), abs=1e-9)


@exercise("actors.td_learner.td_lambda_increments")
def test_increments_with_lambda_one_are_the_monte_carlo_errors_and_with_lambda_zero_the_td_errors():
    # B → C → B → A → left exit from V = (A 0.25, B 0.5, C 0.75), γ = 1, every return 0:
    #   λ = 1: Σ (0 − V(s_t)) = A −0.25, B −1.0 (two visits), C −0.75
    #   λ = 0: Σ δ: B (0.75 − 0.5) + (0.25 − 0.5) = 0, C 0.5 − 0.75 = −0.25, A 0 − 0.25 = −0.25
    values = [0.0, 0.25, 0.5, 0.75, 0.0, 0.0, 0.0]
    episode = walk_of([2, 3, 2, 1, 0])
    assert td_learner.td_lambda_increments(values, episode, gamma=1.0, lam=1.0) == [
        0.0,
        -0.25,
        -1.0,
        -0.75,
        0.0,
        0.0,
        0.0,
    ]
    assert td_learner.td_lambda_increments(values, episode, gamma=1.0, lam=0.0) == [
        0.0,
        -0.25,
        0.0,
        -0.25,
        0.0,
        0.0,
        0.0,
    ]


@exercise("actors.td_learner.td_lambda_increments")
def test_increments_of_a_truncated_episode_bootstrap_from_the_final_value():
    values = [0.0, 0.5, 8.0]
    got = td_learner.td_lambda_increments(values, Episode([step(1, 0.0, 2, truncated=True)]), gamma=0.5, lam=0.5)
    assert got == [0.0, 3.5, 0.0]  # 0 + 0.5·8 − 0.5


@exercise("actors.td_learner.td_lambda_increments")
def test_increments_refuse_a_discount_or_lambda_outside_zero_to_one():
    with pytest.raises(ValueError) as error:
        td_learner.td_lambda_increments([0.0] * 7, walk_of([3, 4, 5, 6]), gamma=1.5, lam=0.5)
    assert_names(error, "gamma", 1.5)
    with pytest.raises(ValueError) as error:
        td_learner.td_lambda_increments([0.0] * 7, walk_of([3, 4, 5, 6]), gamma=1.0, lam=-0.1)
    assert_names(error, "lam", -0.1)


# --- batch_train ---------------------------------------------------------------------------------

# Sutton & Barto's Example 6.4 ("You are the predictor"): A = 1, B = 2, the end = 0. Eight
# episodes: A, 0, B, 0 once; B, 1 six times; B, 0 once.
A, B, END = 1, 2, 0
PREDICTOR = [Episode([step(A, 0.0, B), step(B, 0.0, END, terminated=True)])]
PREDICTOR += [Episode([step(B, 1.0, END, terminated=True)]) for _ in range(6)]
PREDICTOR += [Episode([step(B, 0.0, END, terminated=True)])]


@exercise("actors.td_learner.batch_train")
def test_batch_td_on_the_predictor_example_gives_a_the_value_of_b():
    # The certainty-equivalence answer: A always goes to B for 0, so V(A) = V(B) = 6/8.
    result = td_learner.batch_train([0.0, 0.0, 0.0], PREDICTOR, alpha=0.05, lam=0.0, tolerance=1e-12)
    assert result.values == pytest.approx([0.0, 0.75, 0.75], abs=1e-9)


@exercise("actors.td_learner.batch_train")
def test_batch_monte_carlo_on_the_predictor_example_gives_a_its_only_return_zero():
    # The sample means: A was seen once, with return 0; B eight times, six of them 1.
    result = td_learner.batch_train([0.0, 0.0, 0.0], PREDICTOR, alpha=0.05, lam=1.0, tolerance=1e-12)
    assert result.values == pytest.approx([0.0, 0.0, 0.75], abs=1e-9)


def certainty_equivalence(training_set, n_states, sweeps=3_000):
    """The values of the maximum-likelihood model of the data (γ = 1): counts of s → s' with their
    mean rewards, solved by repeated backups. Written here, from the data alone."""
    counts = [[0] * n_states for _ in range(n_states)]
    reward_sum, visits, ends = [0.0] * n_states, [0] * n_states, set()
    for episode in training_set:
        for t in episode.transitions:
            counts[t.observation][t.next_observation] += 1
            reward_sum[t.observation] += t.reward
            visits[t.observation] += 1
            if t.terminated:
                ends.add(t.next_observation)
    values = [0.0] * n_states
    for _ in range(sweeps):
        values = [
            (reward_sum[s] + sum(c * (0.0 if s2 in ends else values[s2]) for s2, c in enumerate(counts[s]))) / visits[s]
            if visits[s]
            else 0.0
            for s in range(n_states)
        ]
    return values


def sample_means(training_set, n_states):
    """Every visit's return (γ = 1: the sum of the rewards from then on), averaged per state."""
    totals, visits = [0.0] * n_states, [0] * n_states
    for episode in training_set:
        rewards = episode.rewards
        for t, transition in enumerate(episode.transitions):
            totals[transition.observation] += sum(rewards[t:])
            visits[transition.observation] += 1
    return [total / count if count else 0.0 for total, count in zip(totals, visits)]


@exercise("actors.td_learner.batch_train")
def test_batch_td_on_a_random_walk_training_set_finds_the_certainty_equivalence_estimate():
    training_set = walk_episodes(random_walk.five_state(), seed=21, count=5)
    result = td_learner.batch_train([0.0] + [0.5] * 5 + [0.0], training_set, alpha=0.01, lam=0.0, tolerance=1e-11)
    assert result.values == pytest.approx(certainty_equivalence(training_set, 7), abs=1e-7)


@exercise("actors.td_learner.batch_train")
def test_batch_monte_carlo_on_a_random_walk_training_set_finds_the_sample_means():
    training_set = walk_episodes(random_walk.five_state(), seed=21, count=5)
    result = td_learner.batch_train([0.0] + [0.5] * 5 + [0.0], training_set, alpha=0.01, lam=1.0, tolerance=1e-11)
    assert result.values == pytest.approx(sample_means(training_set, 7), abs=1e-7)


@exercise("actors.td_learner.batch_train")
def test_batch_training_forgets_where_it_started_and_leaves_the_given_values_alone():
    training_set = walk_episodes(random_walk.five_state(), seed=22, count=4)
    start_low, start_high = [0.0] * 7, [0.0] + [1.0] * 5 + [0.0]
    low = td_learner.batch_train(start_low, training_set, alpha=0.02, lam=0.5, tolerance=1e-11)
    high = td_learner.batch_train(start_high, training_set, alpha=0.02, lam=0.5, tolerance=1e-11)
    assert low.values == pytest.approx(high.values, abs=1e-7)
    assert start_low == [0.0] * 7 and start_high == [0.0] + [1.0] * 5 + [0.0]


@exercise("actors.td_learner.batch_train")
def test_batch_training_holds_the_values_fixed_within_a_presentation():
    # One presentation of the predictor set from V = 0 with λ = 0: every δ uses V = 0, so the
    # increments are A: 0, B: 6·1 + 0 + 0 = 6; α = 0.1 gives V(B) = 0.6 and V(A) = 0.
    calls = []
    td_learner.batch_train(
        [0.0, 0.0, 0.0],
        PREDICTOR,
        alpha=0.1,
        lam=0.0,
        tolerance=1e-6,
        on_presentation=lambda report: calls.append((report.presentation, list(report.values), report.max_change)),
    )
    assert calls[0][0] == 1
    assert calls[0][1] == pytest.approx([0.0, 0.0, 0.6], abs=1e-12)
    assert calls[0][2] == pytest.approx(0.6, abs=1e-12)


@exercise("actors.td_learner.batch_train")
def test_batch_training_reports_every_presentation_and_stops_below_the_tolerance():
    calls = []
    result = td_learner.batch_train(
        [0.0, 0.0, 0.0],
        PREDICTOR,
        alpha=0.05,
        lam=1.0,
        tolerance=1e-8,
        on_presentation=lambda report: calls.append((report.presentation, list(report.values), report.max_change)),
    )
    assert [n for n, _, _ in calls] == list(range(1, result.presentations + 1))
    assert [change for _, _, change in calls] == result.max_changes
    assert calls[-1][1] == result.values
    assert result.max_changes[-1] < 1e-8 <= result.max_changes[-2]
    # V(B) has 8 visits: each presentation leaves (1 − 8·0.05) = 0.6 of its error, so about
    # log(1e-8/0.3)/log(0.6) ≈ 34 presentations.
    assert 25 <= result.presentations <= 45


@exercise("actors.td_learner.batch_train")
def test_batch_training_with_too_large_a_step_diverges_with_a_clear_error():
    # α = 1: B's 8 visits multiply its error by (1 − 8) = −7 every presentation.
    with pytest.raises(RuntimeError) as error:
        td_learner.batch_train([0.0, 0.0, 0.0], PREDICTOR, alpha=1.0, lam=1.0)
    assert not isinstance(error.value, NotImplementedError)  # the stub's error is a RuntimeError too


WIN = [Episode([step(B, 1.0, END, terminated=True)])]  # one episode: B, then +1 and the end


@exercise("actors.td_learner.batch_train")
def test_batch_training_stops_at_the_first_presentation_that_changes_nothing():
    # α = 1 on a single win: presentation 1 moves V(B) from 0 to its return 1 (a change of 1),
    # presentation 2 changes nothing. Two presentations are enough; one is not.
    result = td_learner.batch_train([0.0, 0.0, 0.0], WIN, alpha=1.0, max_presentations=2)
    assert (result.values, result.presentations, result.max_changes) == ([0.0, 0.0, 1.0], 2, [1.0, 0.0])
    with pytest.raises(RuntimeError) as error:
        td_learner.batch_train([0.0, 0.0, 0.0], WIN, alpha=1.0, max_presentations=1)
    assert_names(error, 1)


@exercise("actors.td_learner.batch_train")
def test_batch_training_counts_a_change_of_exactly_the_tolerance_as_still_moving():
    # "Stop when max_change < tolerance": the first change is 1 exactly, so tolerance 1 goes on
    result = td_learner.batch_train([0.0, 0.0, 0.0], WIN, alpha=1.0, tolerance=1.0)
    assert result.presentations == 2


@exercise("actors.td_learner.batch_train")
def test_batch_training_stops_at_the_first_change_that_is_not_finite():
    # α = 1 on the predictor example diverges (see above); no presentation follows the one
    # whose change overflowed
    reports = []
    with pytest.raises(RuntimeError):
        td_learner.batch_train([0.0, 0.0, 0.0], PREDICTOR, alpha=1.0, lam=1.0, on_presentation=reports.append)
    assert reports and all(math.isfinite(report.max_change) for report in reports[:-1])


@exercise("actors.td_learner.batch_train")
def test_batch_training_raises_when_the_presentations_run_out_naming_the_limit():
    with pytest.raises(RuntimeError) as error:
        td_learner.batch_train([0.0, 0.0, 0.0], PREDICTOR, alpha=0.01, max_presentations=2)
    assert_names(error, 2)


@pytest.mark.parametrize(
    "settings, named",
    [
        pytest.param({"training_set": []}, (), marks=exercise("actors.td_learner.batch_train"), id="empty-set"),
        pytest.param({"alpha": 0.0}, ("alpha", 0.0), marks=exercise("actors.td_learner.batch_train"), id="alpha-0"),
        pytest.param({"gamma": -0.1}, ("gamma", -0.1), marks=exercise("actors.td_learner.batch_train"), id="gamma"),
        pytest.param({"lam": 1.5}, ("lam", 1.5), marks=exercise("actors.td_learner.batch_train"), id="lam"),
        pytest.param(
            {"tolerance": 0.0}, ("tolerance", 0.0), marks=exercise("actors.td_learner.batch_train"), id="tolerance"
        ),
        pytest.param(
            {"max_presentations": 0},
            ("max_presentations", 0),
            marks=exercise("actors.td_learner.batch_train"),
            id="max-presentations",
        ),
    ],
)
def test_batch_training_refuses_bad_settings_naming_them(settings, named):
    arguments = {"values": [0.0, 0.0, 0.0], "training_set": PREDICTOR, "alpha": 0.05} | settings
    with pytest.raises(ValueError) as error:
        td_learner.batch_train(**arguments)
    assert_names(error, *named)


# --- train ---------------------------------------------------------------------------------------


def replay(world, config, seed, true_values):
    """What train must do, written out: the same seeded episodes, updated by the chosen method,
    and the RMS error over the walk's states before and after each episode. The first episode's
    seed is the first draw of Rng(seed): every learner's seeding rule."""
    walk = range(1, world.size + 1)
    values = [0.0] + [config.initial_value] * world.size + [0.0]
    errors = [math.sqrt(sum((values[s] - true_values[s]) ** 2 for s in walk) / world.size)]
    for episode in walk_episodes(world, Rng(seed).integers(0, 2**31 - 1), config.episodes):
        if config.method == "td0":
            for t in episode.transitions:
                td_learner.td_zero_update(values, t, config.alpha, config.gamma)
        elif config.method == "td_lambda":
            td_learner.td_lambda_episode(
                values, episode, config.alpha, config.gamma, config.lam, config.replacing_traces
            )
        elif config.method == "mc":
            td_learner.monte_carlo_episode(values, episode, config.alpha, config.gamma)
        else:
            td_learner.lambda_return_episode(values, episode, config.alpha, config.gamma, config.lam)
        errors.append(math.sqrt(sum((values[s] - true_values[s]) ** 2 for s in walk) / world.size))
    return values, errors


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(
            td_learner.Config(method="td0", alpha=0.1, episodes=12), marks=exercise("actors.td_learner.train"), id="td0"
        ),
        pytest.param(
            td_learner.Config(method="mc", alpha=0.02, episodes=12), marks=exercise("actors.td_learner.train"), id="mc"
        ),
        pytest.param(
            td_learner.Config(method="td_lambda", alpha=0.1, lam=0.6, episodes=12),
            marks=exercise("actors.td_learner.train"),
            id="td_lambda",
        ),
        pytest.param(
            td_learner.Config(method="td_lambda", alpha=0.1, lam=0.6, episodes=12, replacing_traces=True),
            marks=exercise("actors.td_learner.train"),
            id="td_lambda-replacing",
        ),
        pytest.param(
            td_learner.Config(method="lambda_return", alpha=0.2, lam=0.6, gamma=0.9, initial_value=0.0, episodes=12),
            marks=exercise("actors.td_learner.train"),
            id="lambda_return",
        ),
    ],
)
def test_train_updates_the_seeded_episodes_by_the_chosen_method(config):
    world = random_walk.five_state()
    result = td_learner.train(world, config, seed=31, true_values=FIVE_TRUE)
    values, errors = replay(random_walk.five_state(), config, seed=31, true_values=FIVE_TRUE)
    assert result.values == pytest.approx(values, abs=1e-12)
    assert result.rms_errors == pytest.approx(errors, abs=1e-12)
    assert result.values[0] == result.values[6] == 0.0


@exercise("actors.td_learner.train")
def test_train_on_the_nineteen_state_walk_with_lambda_returns_matches_the_replay():
    world = random_walk.nineteen_state()
    config = td_learner.Config(method="lambda_return", alpha=0.4, lam=0.8, initial_value=0.0, episodes=5)
    result = td_learner.train(world, config, seed=32, true_values=NINETEEN_TRUE)
    values, errors = replay(random_walk.nineteen_state(), config, seed=32, true_values=NINETEEN_TRUE)
    assert result.values == pytest.approx(values, abs=1e-12) and result.rms_errors == pytest.approx(errors, abs=1e-12)


@exercise("actors.td_learner.train")
def test_train_records_the_error_before_training_and_after_every_episode():
    result = td_learner.train(random_walk.five_state(), td_learner.Config(episodes=7), seed=1, true_values=FIVE_TRUE)
    assert len(result.rms_errors) == 8 and len(result.episode_lengths) == 7
    assert result.rms_errors[0] == pytest.approx(math.sqrt(1 / 18), abs=1e-12)  # V = 0.5 everywhere
    assert all(length >= 3 and length % 2 == 1 for length in result.episode_lengths)  # C is 3 steps from an exit


@exercise("actors.td_learner.train")
def test_train_starts_from_the_initial_value_given():
    # From V = 0 the error is √(Σ (k/6)²/5) = √(55/180).
    result = td_learner.train(
        random_walk.five_state(), td_learner.Config(initial_value=0.0, episodes=1), seed=1, true_values=FIVE_TRUE
    )
    assert result.rms_errors[0] == pytest.approx(math.sqrt(55 / 180), abs=1e-12)


@exercise("actors.td_learner.train")
def test_train_reports_the_number_the_episode_the_values_and_the_error_after_each_episode():
    calls = []
    result = td_learner.train(
        random_walk.five_state(),
        td_learner.Config(method="mc", alpha=0.05, episodes=5),
        seed=2,
        true_values=FIVE_TRUE,
        on_episode=lambda report: calls.append(
            (report.episode, list(report.values), report.trajectory.length, report.rms_error)
        ),
    )
    assert [n for n, *_ in calls] == [1, 2, 3, 4, 5]
    assert [length for _, _, length, _ in calls] == result.episode_lengths
    assert [rms for *_, rms in calls] == result.rms_errors[1:]
    assert calls[-1][1] == result.values


@exercise("actors.td_learner.train")
def test_train_is_reproducible_from_its_seed():
    config = td_learner.Config(method="td0", alpha=0.1, episodes=20)
    first = td_learner.train(random_walk.five_state(), config, seed=3, true_values=FIVE_TRUE)
    again = td_learner.train(random_walk.five_state(), config, seed=3, true_values=FIVE_TRUE)
    other = td_learner.train(random_walk.five_state(), config, seed=4, true_values=FIVE_TRUE)
    assert first.values == again.values and first.rms_errors == again.rms_errors
    assert first.episode_lengths != other.episode_lengths


@exercise("actors.td_learner.train")
def test_train_with_td_zero_learns_the_walk_over_ten_seeds():
    # After 100 episodes at α = 0.1 the textbook's error is well under 0.1 (our mean: about 0.053,
    # standard deviation 0.023 per run); the start is 0.236.
    finals = [
        td_learner.train(random_walk.five_state(), td_learner.Config(), seed=s, true_values=FIVE_TRUE).rms_errors[-1]
        for s in range(10)
    ]
    assert sum(finals) / 10 < 0.1


class _WalkWithAShortcut(random_walk.RandomWalk):
    """The five-state walk with a second action, listed after the walk's own: action 1 jumps
    straight off the left end for −1."""

    def __init__(self):
        super().__init__()
        self.actions = [random_walk.ONLY_ACTION, 1]
        self.action_space = Discrete(2)

    def transitions(self, state, action):
        if action == 1 and state not in self.terminal_states:
            return [(1.0, self.left_exit, -1.0, True)]
        return super().transitions(state, 0)


@exercise("actors.td_learner.train")
def test_train_always_takes_the_worlds_first_action():
    # The docstring's policy: "always taking the world's first action". Here that is the walk's
    # own, so the run is the plain walk's run (the same seeded draws, the same episodes).
    config = td_learner.Config(method="td0", alpha=0.1, episodes=5)
    shortcut = td_learner.train(_WalkWithAShortcut(), config, seed=1, true_values=FIVE_TRUE)
    plain = td_learner.train(random_walk.five_state(), config, seed=1, true_values=FIVE_TRUE)
    assert (shortcut.values, shortcut.rms_errors, shortcut.episode_lengths) == (
        plain.values,
        plain.rms_errors,
        plain.episode_lengths,
    )
    assert any(length > 1 for length in shortcut.episode_lengths)  # the shortcut would end every episode at once


@exercise("actors.td_learner.train")
def test_train_refuses_true_values_of_the_wrong_size():
    with pytest.raises(ValueError) as error:
        td_learner.train(random_walk.five_state(), td_learner.Config(), true_values=[0.5] * 5)
    assert_names(error, 7, 5)  # 7 state numbers (two terminals and five states), 5 values


@pytest.mark.parametrize(
    "settings, pattern",
    [
        ({"method": "sarsa"}, "method.*sarsa"),
        ({"alpha": 0.0}, r"alpha.*0\.0"),
        ({"alpha": -0.5}, r"alpha.*-0\.5"),
        ({"gamma": 1.1}, r"gamma.*1\.1"),
        ({"lam": -0.2}, r"lam.*-0\.2"),
        ({"episodes": 0}, "episodes.*0"),
        ({"episodes": 2.5}, r"episodes.*2\.5"),
        ({"initial_value": math.nan}, "initial_value.*nan"),
    ],
)
def test_config_refuses_bad_settings_naming_them(settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        td_learner.Config(**settings)


# --- learning outcomes (slow) --------------------------------------------------------------------


def mean_final_error(method, alpha, runs=100):
    world = random_walk.five_state()
    config = td_learner.Config(method=method, alpha=alpha, episodes=100)
    return (
        sum(td_learner.train(world, config, seed=run, true_values=FIVE_TRUE).rms_errors[-1] for run in range(runs))
        / runs
    )


@pytest.mark.slow
@exercise("actors.td_learner.td_zero_update")
@exercise("actors.td_learner.monte_carlo_episode")
@exercise("actors.td_learner.train")
def test_td_zero_beats_constant_alpha_monte_carlo_after_100_episodes_as_in_example_6_2():
    # Sutton & Barto, Example 6.2: V = 0.5 at the start, 100 episodes, 100 runs, the textbook's
    # step sizes. Measured with the reference: TD 0.034, 0.053, 0.067; MC 0.095, 0.077, 0.088,
    # 0.102 (standard error of each mean about 0.003–0.005; the runs share their episodes).
    td = {alpha: mean_final_error("td0", alpha) for alpha in (0.05, 0.1, 0.15)}
    mc = {alpha: mean_final_error("mc", alpha) for alpha in (0.01, 0.02, 0.03, 0.04)}
    assert max(td.values()) < min(mc.values()), (td, mc)
    assert 0.035 < td[0.1] < 0.08 and 0.06 < mc[0.02] < 0.115, (td, mc)


def best_error_per_lambda(update, lambdas, alphas, runs=100, episodes=10):
    """For each λ, the lowest over α of the RMS error averaged over the first `episodes` episodes
    and `runs` runs of the 19-state walk (V = 0 at the start), as in Sutton & Barto's figures."""
    world = random_walk.nineteen_state()
    training = [walk_episodes(world, seed=run, count=episodes) for run in range(runs)]
    best = {}
    for lam in lambdas:
        scores = []
        for alpha in alphas:
            total = 0.0
            for episodes_of_run in training:
                values = [0.0] * 21
                for episode in episodes_of_run:
                    update(values, episode, alpha, 1.0, lam)
                    error = td_learner.rms_error(values, NINETEEN_TRUE, list(range(1, 20)))
                    if not error < 10.0:  # diverged (too large an α for this λ): out of the race
                        total = math.inf
                        break
                    total += error
                if total == math.inf:
                    break
            scores.append(total / (runs * episodes))
        best[lam] = min(scores)
    return best


@pytest.mark.slow
@pytest.mark.parametrize(
    "update",
    [
        pytest.param(
            td_learner.lambda_return_episode,
            marks=exercise("actors.td_learner.lambda_return_episode"),
            id="offline-lambda-return",
        ),
        pytest.param(
            td_learner.td_lambda_episode, marks=exercise("actors.td_learner.td_lambda_episode"), id="td-lambda"
        ),
    ],
)
def test_the_lambda_sweep_on_the_nineteen_state_walk_is_best_at_an_intermediate_lambda(update):
    # Sutton & Barto, figures 12.3 (offline λ-return) and 12.6 (TD(λ)): best near λ = 0.8 with an
    # error of about 0.26. Measured with the reference (best α per λ on this grid): λ-return
    # 0.366, 0.259, 0.478; TD(λ) 0.344, 0.261, 0.491 for λ = 0, 0.8, 1 (standard errors ≈ 0.005).
    best = best_error_per_lambda(update, (0.0, 0.8, 1.0), (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8))
    assert 0.22 < best[0.8] < 0.30, best
    assert best[0.0] > best[0.8] + 0.05 and best[1.0] > best[0.8] + 0.1, best


@pytest.mark.slow
@exercise("actors.td_learner.batch_train")
@exercise("actors.td_learner.td_lambda_increments")
def test_repeated_presentations_favour_td_zero_over_widrow_hoff_as_in_the_paper_experiment_1():
    # Sutton (1988), experiment 1: training sets of 10 sequences, each presented until the
    # values settle. TD(0) converges to the certainty-equivalence estimate, λ = 1 to the sample
    # means, and on the walk the first is the better guess. Measured with the reference over
    # 100 sets: λ = 0 about 0.124, λ = 1 about 0.173 (standard errors about 0.005).
    world = random_walk.five_state()
    errors = {0.0: [], 1.0: []}
    for run in range(100):
        training_set = walk_episodes(world, seed=1000 + run, count=10)
        for lam in errors:
            result = td_learner.batch_train(
                [0.0] + [0.5] * 5 + [0.0], training_set, alpha=0.01, lam=lam, tolerance=1e-5
            )
            errors[lam].append(td_learner.rms_error(result.values, FIVE_TRUE, WALK))
    td_zero, widrow_hoff = sum(errors[0.0]) / 100, sum(errors[1.0]) / 100
    assert td_zero < widrow_hoff - 0.02, (td_zero, widrow_hoff)
    assert td_zero < 0.16, td_zero
