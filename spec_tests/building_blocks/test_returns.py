"""Specs for building_blocks.returns: discounted returns, returns-to-go, n-step returns, λ-returns
and generalised advantage estimates over a stretch of experience.

A stretch is parallel lists, step t being "in s_t, received r_t, landed in s_{t+1}":
rewards[t], next_values[t] = V(s_{t+1}), terminated[t], truncated[t] (and values[t] = V(s_t)
for GAE). The rule behind every spec on episode ends: after a termination nothing follows (the
future is worth 0, whatever next_values says); after a truncation, or at the stretch's last
step, the future is worth next_values[t], the value of the final observation.

Most numbers are halves and quarters, exact in binary floating point, hence the exact
comparisons; the identities on random stretches compare with a stated tolerance. The trusted
helpers below (`one_step_targets`, `n_step`, `episode_end`) are written from the definitions,
step by step, so the identities do not lean on the module under test.
"""

import random

import pytest

from policywerk.building_blocks import returns
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

F, T = False, True


def one_step_targets(rewards, next_values, terminated, gamma):
    """r_t + γ·V(s_{t+1}), with nothing after a termination: the one-step TD target."""
    return [r + (0.0 if done else gamma * v) for r, v, done in zip(rewards, next_values, terminated)]


def episode_end(t, terminated, truncated):
    """The index of the last step of the episode that step t belongs to (or of the stretch)."""
    while not (terminated[t] or truncated[t] or t == len(terminated) - 1):
        t += 1
    return t


def n_step(rewards, next_values, terminated, truncated, gamma, t, n):
    """G_t^(n) from the definition: up to n rewards of t's episode, then the bootstrap (0 after a termination)."""
    last = min(t + n - 1, episode_end(t, terminated, truncated))
    total = sum(gamma ** (k - t) * rewards[k] for k in range(t, last + 1))
    if not terminated[last]:
        total += gamma ** (last - t + 1) * next_values[last]
    return total


def random_stretch(seed, size=9):
    """A seeded stretch of two episodes: the first terminates at step 3, the second is cut off at
    the end (truncated), with values that chain, next_values[t] == values[t + 1] inside episodes."""
    rng = random.Random(seed)
    rewards = [rng.uniform(-1.0, 1.0) for _ in range(size)]
    values = [rng.uniform(-2.0, 2.0) for _ in range(size)]
    terminated = [t == 3 for t in range(size)]
    truncated = [t == size - 1 for t in range(size)]
    next_values = [values[t + 1] if t + 1 < size else rng.uniform(-2.0, 2.0) for t in range(size)]
    next_values[3] = 5.0  # the value of a terminal observation: must never be used
    return rewards, values, next_values, terminated, truncated


# --- discounted_return ---------------------------------------------------------------------------


@exercise("building_blocks.returns.discounted_return")
def test_discounted_return_weighs_the_k_th_reward_by_gamma_to_the_k():
    # 1 + 0.5·2 + 0.25·3 = 2.75
    assert returns.discounted_return([1.0, 2.0, 3.0], gamma=0.5) == 2.75


@exercise("building_blocks.returns.discounted_return")
def test_discounted_return_with_gamma_one_is_the_sum_and_with_gamma_zero_the_first_reward():
    assert returns.discounted_return([1.0, 2.0, 3.0], gamma=1.0) == 6.0
    assert returns.discounted_return([4.0, 5.0], gamma=0.0) == 4.0


@exercise("building_blocks.returns.discounted_return")
def test_discounted_return_of_no_rewards_is_zero_and_a_late_reward_is_discounted_by_its_delay():
    assert returns.discounted_return([], gamma=0.9) == 0.0
    assert returns.discounted_return([0.0, 0.0, 0.0, 8.0], gamma=0.5) == 1.0  # 0.5³·8


@pytest.mark.parametrize(
    "gamma",
    [
        pytest.param(g, marks=exercise("building_blocks.returns.discounted_return"), id=f"gamma={g}")
        for g in (-0.1, 1.5)
    ],
)
def test_discounted_return_refuses_a_discount_outside_zero_to_one_naming_it(gamma):
    with pytest.raises(ValueError) as error:
        returns.discounted_return([1.0], gamma=gamma)
    assert_names(error, gamma)


# --- returns_to_go -------------------------------------------------------------------------------


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_of_a_terminated_episode_never_use_the_terminal_observation_value():
    # G₂ = 2, G₁ = 0 + 0.5·2 = 1, G₀ = 1 + 0.5·1 = 1.5; the 100 after the termination is ignored.
    got = returns.returns_to_go([1.0, 0.0, 2.0], [7.0, 7.0, 100.0], [F, F, T], [F, F, F], gamma=0.5)
    assert got == [1.5, 1.0, 2.0]


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_of_a_truncated_episode_bootstrap_from_the_final_observation():
    # Cut off at step 2 with V(final) = 4: G₂ = 2 + 0.5·4 = 4, G₁ = 0 + 0.5·4 = 2, G₀ = 1 + 0.5·2 = 2.
    got = returns.returns_to_go([1.0, 0.0, 2.0], [7.0, 7.0, 4.0], [F, F, F], [F, F, T], gamma=0.5)
    assert got == [2.0, 2.0, 4.0], (
        "a time-out is not a termination: a truncated step bootstraps from its final observation's value"
    )


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_of_a_cut_off_episode_differ_from_a_terminated_one_by_the_discounted_final_value():
    # The same rewards, the same final observation worth 4; only the flag differs. Step t's return
    # differs by γ^(T−t)·4 = 4·0.5³⁻ᵗ: 0.5, 1, 2.
    rewards, next_values = [1.0, 0.0, 2.0], [7.0, 7.0, 4.0]
    ended = returns.returns_to_go(rewards, next_values, [F, F, T], [F, F, F], gamma=0.5)
    cut_off = returns.returns_to_go(rewards, next_values, [F, F, F], [F, F, T], gamma=0.5)
    assert [c - e for c, e in zip(cut_off, ended)] == [0.5, 1.0, 2.0]


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_at_the_end_of_the_stretch_bootstrap_even_without_a_flag():
    # The stretch stops mid-episode: the future is still V(final) = 6. G₁ = 1 + 0.5·6, G₀ = 0 + 0.5·4.
    assert returns.returns_to_go([0.0, 1.0], [9.0, 6.0], [F, F], [F, F], gamma=0.5) == [2.0, 4.0]


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_do_not_leak_across_an_episode_boundary():
    # Two episodes: steps 0–1 (terminated at 1) and steps 2–3. The first episode's returns must
    # not change when the second one's rewards do.
    flags = ([F, T, F, T], [F, F, F, F])
    first = returns.returns_to_go([1.0, 2.0, 3.0, 4.0], [0.0] * 4, *flags, gamma=1.0)
    second = returns.returns_to_go([1.0, 2.0, -30.0, 40.0], [0.0] * 4, *flags, gamma=1.0)
    assert first == [3.0, 2.0, 7.0, 4.0]
    assert second[:2] == [3.0, 2.0] and second[2:] == [10.0, 40.0]


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_with_gamma_one_are_the_sums_of_the_remaining_rewards():
    rewards = [0.5, -1.0, 2.0, 0.25, 1.0]
    got = returns.returns_to_go(rewards, [3.0] * 5, [F, F, F, F, T], [F] * 5, gamma=1.0)
    assert got == [sum(rewards[t:]) for t in range(5)]  # [2.75, 2.25, 3.25, 1.25, 1.0]


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_of_an_empty_stretch_are_empty_and_of_one_step_its_target():
    assert returns.returns_to_go([], [], [], [], gamma=0.9) == []
    assert returns.returns_to_go([1.0], [2.0], [F], [T], gamma=0.5) == [2.0]


@pytest.mark.parametrize(
    "lists",
    [
        pytest.param(
            ([1.0, 2.0], [0.0], [F, F], [F, F]),
            marks=exercise("building_blocks.returns.returns_to_go"),
            id="next_values",
        ),
        pytest.param(
            ([1.0, 2.0], [0.0, 0.0], [F], [F, F]),
            marks=exercise("building_blocks.returns.returns_to_go"),
            id="terminated",
        ),
        pytest.param(
            ([1.0, 2.0], [0.0, 0.0], [F, F], [F, F, F]),
            marks=exercise("building_blocks.returns.returns_to_go"),
            id="truncated",
        ),
    ],
)
def test_returns_to_go_refuse_lists_of_different_lengths_naming_the_lengths(lists):
    with pytest.raises(ValueError) as error:
        returns.returns_to_go(*lists, gamma=0.9)
    assert_names(error, *{len(values) for values in lists})


@exercise("building_blocks.returns.returns_to_go")
def test_returns_to_go_refuse_a_discount_outside_zero_to_one():
    with pytest.raises(ValueError) as error:
        returns.returns_to_go([1.0], [0.0], [F], [F], gamma=1.5)
    assert_names(error, 1.5)


# --- n_step_returns ------------------------------------------------------------------------------


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_add_n_discounted_rewards_then_the_discounted_value_n_steps_on():
    # γ = 0.5, n = 2, terminated at step 3:
    #   G₀ = 1 + 0.5·2 + 0.25·V(s₂) = 1 + 1 + 0.25·6 = 3.5
    #   G₁ = 2 + 0.5·3 + 0.25·V(s₃) = 2 + 1.5 + 0.25·7 = 5.25
    #   G₂ = 3 + 0.5·4 (the episode ends: no bootstrap) = 5
    #   G₃ = 4
    got = returns.n_step_returns([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [F, F, F, T], [F] * 4, gamma=0.5, n=2)
    assert got == [3.5, 5.25, 5.0, 4.0]


@exercise("building_blocks.returns.n_step_returns")
def test_one_step_returns_are_the_one_step_td_targets():
    rewards, next_values = [1.0, -0.5, 2.0, 0.25], [0.5, 4.0, 9.0, -2.0]
    terminated, truncated = [F, F, T, F], [F, F, F, T]
    got = returns.n_step_returns(rewards, next_values, terminated, truncated, gamma=0.5, n=1)
    assert got == one_step_targets(rewards, next_values, terminated, 0.5)  # [1.25, 1.5, 2.0, -0.75]


@pytest.mark.parametrize(
    "n", [pytest.param(n, marks=exercise("building_blocks.returns.n_step_returns"), id=f"n={n}") for n in (5, 6, 50)]
)
def test_n_step_returns_with_n_at_least_the_episode_length_are_the_returns_to_go(n):
    # A terminated episode of 5 steps, γ = 0.5: G_t = Σ 0.5^(k−t)·r_k. Worked backward:
    # G₄ = 1, G₃ = 0 + 0.5, G₂ = 2 + 0.25, G₁ = −1 + 1.125, G₀ = 0.5 + 0.0625.
    rewards = [0.5, -1.0, 2.0, 0.0, 1.0]
    got = returns.n_step_returns(rewards, [3.0] * 5, [F, F, F, F, T], [F] * 5, gamma=0.5, n=n)
    assert got == [0.5625, 0.125, 2.25, 0.5, 1.0]


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_longer_than_every_episode_equal_returns_to_go_on_a_stretch_of_two_episodes():
    # The first episode terminates (4 steps), the second is cut off (5 steps): n = 5 reaches
    # every episode's end, so each return is the Monte Carlo return, bootstrapped only at the cut.
    rewards, _, next_values, terminated, truncated = random_stretch(seed=11)
    got = returns.n_step_returns(rewards, next_values, terminated, truncated, gamma=0.9, n=5)
    monte_carlo = [n_step(rewards, next_values, terminated, truncated, 0.9, t, 100) for t in range(9)]
    assert got == pytest.approx(monte_carlo, abs=1e-12)
    assert got != pytest.approx(
        returns.n_step_returns(rewards, next_values, terminated, truncated, gamma=0.9, n=4), abs=1e-6
    )


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_match_the_definition_on_a_stretch_of_two_episodes_for_every_n():
    rewards, _, next_values, terminated, truncated = random_stretch(seed=1)
    for n in range(1, 11):
        got = returns.n_step_returns(rewards, next_values, terminated, truncated, gamma=0.9, n=n)
        expected = [n_step(rewards, next_values, terminated, truncated, 0.9, t, n) for t in range(9)]
        assert got == pytest.approx(expected, abs=1e-12), n


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_longer_than_the_stretch_stop_and_bootstrap_at_its_last_step():
    # No flags, n = 5 but only 3 steps: every return runs to step 2 and bootstraps from
    # next_values[2] = 10. With γ = 0.5: G₂ = 1 + 0.5·10 = 6, G₁ = 1 + 0.5·1 + 0.25·10 = 4,
    # G₀ = 1 + 0.5 + 0.25 + 0.125·10 = 3.
    got = returns.n_step_returns([1.0, 1.0, 1.0], [10.0, 10.0, 10.0], [F] * 3, [F] * 3, gamma=0.5, n=5)
    assert got == [3.0, 4.0, 6.0]


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_bootstrap_at_a_truncation_inside_the_window_and_stop_there():
    # n = 3 from step 0, but the episode is cut off at step 1 (V(final) = 4); step 2 starts a new
    # episode whose reward 100 must not leak in. G₀ = 1 + 0.5·2 + 0.25·4 = 3.
    got = returns.n_step_returns([1.0, 2.0, 100.0], [9.0, 4.0, 0.0], [F, F, T], [F, T, F], gamma=0.5, n=3)
    assert got == [3.0, 4.0, 100.0]


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_of_a_cut_off_episode_differ_from_a_terminated_one():
    rewards, next_values = [1.0, 1.0, 1.0], [0.0, 0.0, 8.0]
    ended = returns.n_step_returns(rewards, next_values, [F, F, T], [F, F, F], gamma=0.5, n=2)
    cut_off = returns.n_step_returns(rewards, next_values, [F, F, F], [F, F, T], gamma=0.5, n=2)
    assert ended == [1.5, 1.5, 1.0]  # G₀ bootstraps from V(s₂) = 0
    assert cut_off == [1.5, 3.5, 5.0]  # G₁ = 1 + 0.5·1 + 0.25·8, G₂ = 1 + 0.5·8: within n = 2 of the end


@pytest.mark.parametrize(
    "n",
    [pytest.param(n, marks=exercise("building_blocks.returns.n_step_returns"), id=f"n={n!r}") for n in (0, -1, 1.5)],
)
def test_n_step_returns_refuse_an_n_that_is_not_a_positive_integer_naming_it(n):
    with pytest.raises(ValueError) as error:
        returns.n_step_returns([1.0], [0.0], [F], [F], gamma=0.9, n=n)
    assert_names(error, n)


@exercise("building_blocks.returns.n_step_returns")
def test_n_step_returns_refuse_bad_lists_and_a_bad_discount_naming_them():
    with pytest.raises(ValueError) as error:
        returns.n_step_returns([1.0, 2.0], [0.0], [F, F], [F, F], gamma=0.9, n=1)
    assert_names(error, 2, 1)  # the lengths
    with pytest.raises(ValueError) as error:
        returns.n_step_returns([1.0], [0.0], [F], [F], gamma=-0.5, n=1)
    assert_names(error, -0.5)


# --- lambda_returns ------------------------------------------------------------------------------


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_returns_follow_the_backward_recursion_on_a_hand_example():
    # γ = 1, λ = 0.5, terminated at step 2 (its next value 9 is ignored):
    #   G₂ = 1
    #   G₁ = 0 + 0.5·V(s₂) + 0.5·G₂ = 0.125 + 0.5 = 0.625
    #   G₀ = 0 + 0.5·V(s₁) + 0.5·G₁ = 0.25 + 0.3125 = 0.5625
    got = returns.lambda_returns([0.0, 0.0, 1.0], [0.5, 0.25, 9.0], [F, F, T], [F, F, F], gamma=1.0, lam=0.5)
    assert got == [0.5625, 0.625, 1.0]


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_zero_gives_the_one_step_td_targets():
    rewards, _, next_values, terminated, truncated = random_stretch(seed=2)
    got = returns.lambda_returns(rewards, next_values, terminated, truncated, gamma=0.9, lam=0.0)
    assert got == pytest.approx(one_step_targets(rewards, next_values, terminated, 0.9), abs=1e-12)


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_one_gives_the_monte_carlo_returns_to_go():
    rewards, _, next_values, terminated, truncated = random_stretch(seed=3)
    got = returns.lambda_returns(rewards, next_values, terminated, truncated, gamma=0.9, lam=1.0)
    expected = [n_step(rewards, next_values, terminated, truncated, 0.9, t, 100) for t in range(9)]
    assert got == pytest.approx(expected, abs=1e-12)


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_returns_are_the_lambda_weighted_average_of_the_n_step_returns():
    # G_t^λ = (1 − λ)·Σ_{n=1}^{N−1} λ^(n−1)·G_t^(n) + λ^(N−1)·G_t^(N), N = the steps left in t's
    # episode: every longer n gives the same G_t^(N), so their weights add up to λ^(N−1).
    rewards, _, next_values, terminated, truncated = random_stretch(seed=4)
    gamma, lam = 0.9, 0.7
    got = returns.lambda_returns(rewards, next_values, terminated, truncated, gamma=gamma, lam=lam)
    for t in range(9):
        left = episode_end(t, terminated, truncated) - t + 1
        expected = (1 - lam) * sum(
            lam ** (n - 1) * n_step(rewards, next_values, terminated, truncated, gamma, t, n) for n in range(1, left)
        )
        expected += lam ** (left - 1) * n_step(rewards, next_values, terminated, truncated, gamma, t, left)
        assert got[t] == pytest.approx(expected, abs=1e-12), t


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_returns_of_a_cut_off_episode_bootstrap_and_of_a_terminated_one_do_not():
    # One step, reward 1, final observation worth 4, γ = 0.5: 1 + 0.5·4 = 3 when cut off, 1 when it ended.
    assert returns.lambda_returns([1.0], [4.0], [F], [T], gamma=0.5, lam=0.5) == [3.0]
    assert returns.lambda_returns([1.0], [4.0], [T], [F], gamma=0.5, lam=0.5) == [1.0]


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_returns_bootstrap_at_the_stretchs_last_step_when_it_is_not_flagged():
    # The stretch ends at step 1 with neither flag: the future there is next_values[1] = 4,
    # not λ·(a return that does not exist). γ = λ = 0.5:
    #   G₁ = 2 + 0.5·4 = 4
    #   G₀ = 1 + 0.5·[(1 − 0.5)·3 + 0.5·G₁] = 1 + 0.5·3.5 = 2.75
    got = returns.lambda_returns([1.0, 2.0], [3.0, 4.0], [F, F], [F, F], gamma=0.5, lam=0.5)
    assert got == [2.75, 4.0]


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_returns_do_not_leak_across_an_episode_boundary():
    flags = ([T, F, T], [F, F, F])
    first = returns.lambda_returns([1.0, 2.0, 3.0], [0.0, 0.5, 0.0], *flags, gamma=1.0, lam=0.5)
    second = returns.lambda_returns([1.0, 20.0, 30.0], [0.0, 0.5, 0.0], *flags, gamma=1.0, lam=0.5)
    assert first[0] == second[0] == 1.0
    assert first[1:] == [2.0 + 0.25 + 1.5, 3.0]  # r + 0.5·V(s₂) + 0.5·G₂


@pytest.mark.parametrize(
    "settings, named",
    [
        pytest.param(
            {"gamma": 1.5, "lam": 0.5}, 1.5, marks=exercise("building_blocks.returns.lambda_returns"), id="gamma"
        ),
        pytest.param(
            {"gamma": 0.9, "lam": -0.25},
            -0.25,
            marks=exercise("building_blocks.returns.lambda_returns"),
            id="lam-below",
        ),
        pytest.param(
            {"gamma": 0.9, "lam": 1.25}, 1.25, marks=exercise("building_blocks.returns.lambda_returns"), id="lam-above"
        ),
    ],
)
def test_lambda_returns_refuse_a_discount_or_lambda_outside_zero_to_one_naming_it(settings, named):
    with pytest.raises(ValueError) as error:
        returns.lambda_returns([1.0], [0.0], [F], [F], **settings)
    assert_names(error, named)


@exercise("building_blocks.returns.lambda_returns")
def test_lambda_returns_refuse_lists_of_different_lengths_naming_them():
    with pytest.raises(ValueError) as error:
        returns.lambda_returns([1.0, 2.0], [0.0, 0.0], [F, F], [F], gamma=0.9, lam=0.5)
    assert_names(error, 2, 1)


# --- gae -----------------------------------------------------------------------------------------


@exercise("building_blocks.returns.gae")
def test_gae_sums_discounted_td_errors_on_a_hand_example():
    # γ = λ = 0.5, terminated at step 1 (its next value 9 is ignored):
    #   δ₁ = 1 − 0.25 = 0.75;  δ₀ = 1 + 0.5·0.25 − 0.5 = 0.625
    #   A₁ = 0.75;  A₀ = 0.625 + 0.25·0.75 = 0.8125
    got = returns.gae([1.0, 1.0], [0.5, 0.25], [0.25, 9.0], [F, T], [F, F], gamma=0.5, lam=0.5)
    assert got == [0.8125, 0.75]


@exercise("building_blocks.returns.gae")
def test_gae_with_lambda_zero_is_the_td_error():
    rewards, values, next_values, terminated, truncated = random_stretch(seed=5)
    got = returns.gae(rewards, values, next_values, terminated, truncated, gamma=0.9, lam=0.0)
    targets = one_step_targets(rewards, next_values, terminated, 0.9)
    assert got == pytest.approx([g - v for g, v in zip(targets, values)], abs=1e-12)


@exercise("building_blocks.returns.gae")
def test_gae_with_lambda_one_is_the_return_minus_the_value():
    rewards, values, next_values, terminated, truncated = random_stretch(seed=6)
    got = returns.gae(rewards, values, next_values, terminated, truncated, gamma=0.9, lam=1.0)
    expected = [n_step(rewards, next_values, terminated, truncated, 0.9, t, 100) - values[t] for t in range(9)]
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "seed", [pytest.param(seed, marks=exercise("building_blocks.returns.gae"), id=f"seed={seed}") for seed in (7, 8, 9)]
)
def test_gae_plus_the_values_equals_the_lambda_returns_when_the_values_chain(seed):
    # Inside an episode next_values[t] == values[t + 1], so A_t + V(s_t) telescopes into
    # r_t + γ·[(1 − λ)·V(s_{t+1}) + λ·G_{t+1}^λ]. Computed here from the definition of G^λ.
    rewards, values, next_values, terminated, truncated = random_stretch(seed)
    gamma, lam = 0.95, 0.6
    got = returns.gae(rewards, values, next_values, terminated, truncated, gamma=gamma, lam=lam)
    for t in range(9):
        left = episode_end(t, terminated, truncated) - t + 1
        lambda_return = (1 - lam) * sum(
            lam ** (n - 1) * n_step(rewards, next_values, terminated, truncated, gamma, t, n) for n in range(1, left)
        ) + lam ** (left - 1) * n_step(rewards, next_values, terminated, truncated, gamma, t, left)
        assert got[t] + values[t] == pytest.approx(lambda_return, abs=1e-12), t


@exercise("building_blocks.returns.gae")
def test_gae_is_the_lambda_weighted_sum_of_n_step_advantages():
    # Schulman et al. (2016), eq. 16: A^GAE = (1 − λ)·(A⁽¹⁾ + λ·A⁽²⁾ + λ²·A⁽³⁾ + …), with the
    # n-step advantage A⁽ⁿ⁾ = G^(n) − V(s_t) and the weights of n beyond the episode's end
    # collected on the last one.
    rewards, values, next_values, terminated, truncated = random_stretch(seed=10)
    gamma, lam = 0.9, 0.8
    got = returns.gae(rewards, values, next_values, terminated, truncated, gamma=gamma, lam=lam)
    for t in range(9):
        left = episode_end(t, terminated, truncated) - t + 1
        advantage = [
            n_step(rewards, next_values, terminated, truncated, gamma, t, n) - values[t] for n in range(1, left + 1)
        ]
        expected = (1 - lam) * sum(lam**k * advantage[k] for k in range(left - 1)) + lam ** (left - 1) * advantage[-1]
        assert got[t] == pytest.approx(expected, abs=1e-12), t


@exercise("building_blocks.returns.gae")
def test_gae_bootstraps_the_td_error_on_a_truncation_but_not_on_a_termination():
    # One step, r = 1, V(s) = 0.5, final observation worth 4, γ = 0.5:
    # cut off: δ = 1 + 2 − 0.5 = 2.5; ended: δ = 1 − 0.5 = 0.5.
    assert returns.gae([1.0], [0.5], [4.0], [F], [T], gamma=0.5, lam=0.9) == [2.5]
    assert returns.gae([1.0], [0.5], [4.0], [T], [F], gamma=0.5, lam=0.9) == [0.5]


@exercise("building_blocks.returns.gae")
def test_gae_does_not_leak_across_an_episode_boundary():
    # Episode one is steps 0–1 (truncated at 1), episode two is step 2. Changing episode two's
    # reward must leave episode one's advantages alone.
    # γ = λ = 1, every V(s) = 0.5, the cut-off observation worth 0:
    #   δ₁ = 1 + 0 − 0.5 = 0.5;  δ₀ = 1 + 0.5 − 0.5 = 1;  A₀ = δ₀ + A₁ = 1.5;  A₂ = r₂ − 0.5.
    args = ([0.5, 0.5, 0.5], [0.5, 0.0, 0.0], [F, F, T], [F, T, F])
    first = returns.gae([1.0, 1.0, 1.0], *args, gamma=1.0, lam=1.0)
    second = returns.gae([1.0, 1.0, -99.0], *args, gamma=1.0, lam=1.0)
    rule = "the GAE sum stops at every episode end, a truncation as well as a termination: nothing leaks into the next episode"
    assert first[:2] == second[:2] == [1.5, 0.5], rule
    assert (first[2], second[2]) == (0.5, -99.5), rule


@pytest.mark.parametrize(
    "settings, named",
    [
        pytest.param({"gamma": -0.5, "lam": 0.5}, -0.5, marks=exercise("building_blocks.returns.gae"), id="gamma"),
        pytest.param({"gamma": 0.9, "lam": 2.0}, 2.0, marks=exercise("building_blocks.returns.gae"), id="lam"),
    ],
)
def test_gae_refuses_a_discount_or_lambda_outside_zero_to_one_naming_it(settings, named):
    with pytest.raises(ValueError) as error:
        returns.gae([1.0], [0.0], [0.0], [F], [F], **settings)
    assert_names(error, named)


@exercise("building_blocks.returns.gae")
def test_gae_refuses_values_of_another_length_naming_them():
    with pytest.raises(ValueError) as error:
        returns.gae([1.0, 2.0], [0.0, 0.0, 0.0], [0.0, 0.0], [F, F], [F, F], gamma=0.9, lam=0.5)
    assert_names(error, 3, 2)
