"""Specs for building_blocks.policies: greedy, ε-greedy and softmax (Boltzmann) action choice.

The sampling policies are checked draw by draw against the standard library generator that
`Rng(seed)` wraps: which action comes out of which draws, and how many draws are consumed (the
next `draw()` must be the stdlib's next number); where a boundary matters (a coin of exactly ε),
an Rng whose draws are scripted. The statistical spec uses a fixed seed and a
tolerance of five standard errors per action: a correct implementation lands outside with
probability about 6·10⁻⁷ per checked frequency.
"""

import math

import pytest

from policywerk.building_blocks import policies
from policywerk.primitives.random import Rng
from spec_tests.reference_math import assert_names, stdlib_draws

exercise = pytest.mark.exercise


class _ScriptedRng(Rng):
    """An Rng whose draws are the given numbers, in order: every Rng method is built on draw()."""

    def __init__(self, draws):
        super().__init__(0)
        self._scripted = iter(draws)

    def draw(self):
        return next(self._scripted)


# --- greedy --------------------------------------------------------------------------------------


@exercise("building_blocks.policies.greedy")
def test_greedy_picks_the_action_with_the_highest_value():
    assert policies.greedy([0.5, -1.0, 2.5, 1.0]) == 2
    assert policies.greedy([-3.0, -1.0, -2.0]) == 1
    assert type(policies.greedy([-3.0, -1.0, -2.0])) is int


@exercise("building_blocks.policies.greedy")
def test_greedy_breaks_ties_toward_the_lowest_action():
    assert policies.greedy([0.0, 2.0, 2.0, 1.0]) == 1
    assert policies.greedy([1.0, 1.0, 1.0, 1.5, 1.5]) == 3


@exercise("building_blocks.policies.greedy")
def test_greedy_of_an_empty_row_is_an_error():
    assert policies.greedy([0.0, 4.0]) == 1
    with pytest.raises(ValueError):
        policies.greedy([])


# --- epsilon_greedy ------------------------------------------------------------------------------


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_exploits_with_one_draw_when_the_coin_is_at_least_epsilon():
    q_row, rng, draws = [0.0, 5.0, 1.0, 2.0], Rng(0), stdlib_draws(0, 2)
    assert draws[0] >= 0.5  # seed 0 first draws 0.8444…: no exploring at ε = 0.5
    assert policies.epsilon_greedy(q_row, 0.5, rng) == 1
    assert rng.draw() == draws[1]  # one draw consumed


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_explores_with_a_second_draw_when_the_coin_is_below_epsilon():
    q_row, rng, draws = [0.0, 5.0, 1.0, 2.0], Rng(1), stdlib_draws(1, 3)
    assert draws[0] < 0.5  # seed 1 first draws 0.1344…: explore at ε = 0.5
    # the random action is ⌊u₂·n⌋ = ⌊0.8474…·4⌋ = 3
    assert policies.epsilon_greedy(q_row, 0.5, rng) == 3
    assert rng.draw() == draws[2]  # two draws consumed


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_follows_the_draw_contract_for_many_seeds():
    q_row = [1.0, -2.0, 4.0, 4.0, 0.5]  # greedy action 2 (the tie with 3 goes to the lowest)
    for seed in range(40):
        u = stdlib_draws(seed, 3)
        rng = Rng(seed)
        action = policies.epsilon_greedy(q_row, 0.4, rng)
        if u[0] < 0.4:
            assert (action, rng.draw()) == (math.floor(u[1] * 5), u[2]), f"seed {seed}"
        else:
            assert (action, rng.draw()) == (2, u[1]), f"seed {seed}"


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_at_the_ends_is_always_greedy_or_always_random():
    q_row = [0.0, 0.0, 9.0]
    rng = Rng(4)
    assert [policies.epsilon_greedy(q_row, 0.0, rng) for _ in range(50)] == [2] * 50
    rng, draws = Rng(4), stdlib_draws(4, 101)
    actions = [policies.epsilon_greedy(q_row, 1.0, rng) for _ in range(50)]
    assert actions == [math.floor(draws[2 * k + 1] * 3) for k in range(50)]  # every coin explores
    assert rng.draw() == draws[100]


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_at_epsilon_zero_still_draws_one_coin_per_call():
    # The docstring: the coin is drawn on every call, even at ε = 0. Three calls, three draws:
    # the next draw is the stdlib's fourth number for the seed.
    rng, draws = Rng(6), stdlib_draws(6, 4)
    assert [policies.epsilon_greedy([0.0, 3.0], 0.0, rng) for _ in range(3)] == [1, 1, 1]
    assert rng.draw() == draws[3]


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_explores_only_when_the_draw_is_strictly_below_epsilon():
    q_row = [0.0, 0.0, 9.0]
    # a coin of exactly ε does not explore: one draw used, the greedy action 2
    rng = _ScriptedRng([0.25, 0.5])
    assert policies.epsilon_greedy(q_row, 0.25, rng) == 2
    assert rng.draw() == 0.5
    # so ε = 0 never explores, not even on a draw of 0.0
    assert policies.epsilon_greedy(q_row, 0.0, _ScriptedRng([0.0, 0.5])) == 2
    # just below ε explores, and the second draw picks ⌊0.5·3⌋ = 1
    assert policies.epsilon_greedy(q_row, 0.25, _ScriptedRng([0.2499, 0.5])) == 1


@exercise("building_blocks.policies.epsilon_greedy")
def test_epsilon_greedy_frequencies_match_its_probabilities():
    q_row, epsilon, n = [0.2, 1.5, -0.3, 0.9], 0.3, 20000
    rng = Rng(123)
    actions = [policies.epsilon_greedy(q_row, epsilon, rng) for _ in range(n)]
    expected = [0.075, 0.775, 0.075, 0.075]  # ε/4 each, plus 1 − ε on the greedy action 1
    for action, p in enumerate(expected):
        # five standard errors of a frequency: 5·√(p(1 − p)/n) = 0.0093 for p = 0.075, 0.0148 for 0.775
        assert actions.count(action) / n == pytest.approx(p, abs=5 * math.sqrt(p * (1 - p) / n))


@pytest.mark.parametrize(
    "epsilon",
    [
        pytest.param(-0.1, marks=exercise("building_blocks.policies.epsilon_greedy"), id="negative"),
        pytest.param(1.5, marks=exercise("building_blocks.policies.epsilon_greedy"), id="above-one"),
    ],
)
def test_epsilon_greedy_refuses_an_epsilon_outside_zero_to_one_naming_it(epsilon):
    with pytest.raises(ValueError) as error:
        policies.epsilon_greedy([0.0, 1.0], epsilon, Rng(0))
    assert_names(error, epsilon)


# --- epsilon_greedy_probabilities ----------------------------------------------------------------


@exercise("building_blocks.policies.epsilon_greedy_probabilities")
def test_epsilon_greedy_probabilities_give_epsilon_over_n_plus_one_minus_epsilon_to_the_greedy_action():
    # ε/n = 0.5/4 = 0.125 for every action; the greedy action 1 gets 1 − 0.5 more: 0.625
    assert policies.epsilon_greedy_probabilities([1.0, 3.0, 2.0, 0.0], 0.5) == [0.125, 0.625, 0.125, 0.125]
    # ε = 0.2, n = 5: 0.04 each, and 1 − 0.2 + 0.04 = 0.84 on action 4
    assert policies.epsilon_greedy_probabilities([0.0, 1.0, 2.0, 3.0, 4.0], 0.2) == pytest.approx(
        [0.04, 0.04, 0.04, 0.04, 0.84], abs=1e-15
    )


@exercise("building_blocks.policies.epsilon_greedy_probabilities")
def test_epsilon_greedy_probabilities_sum_to_one():
    for epsilon in (0.0, 0.1, 0.37, 0.9, 1.0):
        probabilities = policies.epsilon_greedy_probabilities([0.3, -1.0, 2.0, 2.0, 0.0, 1.0, 5.0], epsilon)
        assert len(probabilities) == 7
        assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-12)
        assert probabilities[6] == pytest.approx(1.0 - epsilon + epsilon / 7, abs=1e-15)


@exercise("building_blocks.policies.epsilon_greedy_probabilities")
def test_epsilon_greedy_probabilities_put_the_greedy_share_on_the_lowest_tied_action():
    assert policies.epsilon_greedy_probabilities([0.0, 2.0, 2.0], 0.3) == pytest.approx([0.1, 0.8, 0.1], abs=1e-15)


@exercise("building_blocks.policies.epsilon_greedy_probabilities")
def test_epsilon_greedy_probabilities_at_the_ends_are_greedy_and_uniform():
    assert policies.epsilon_greedy_probabilities([1.0, 4.0, 2.0, 3.0], 0.0) == [0.0, 1.0, 0.0, 0.0]
    assert policies.epsilon_greedy_probabilities([1.0, 4.0, 2.0, 3.0], 1.0) == [0.25, 0.25, 0.25, 0.25]


@pytest.mark.parametrize(
    "epsilon",
    [
        pytest.param(-0.5, marks=exercise("building_blocks.policies.epsilon_greedy_probabilities"), id="negative"),
        pytest.param(1.01, marks=exercise("building_blocks.policies.epsilon_greedy_probabilities"), id="above-one"),
    ],
)
def test_epsilon_greedy_probabilities_refuse_an_epsilon_outside_zero_to_one_naming_it(epsilon):
    with pytest.raises(ValueError) as error:
        policies.epsilon_greedy_probabilities([0.0, 1.0], epsilon)
    assert_names(error, epsilon)


# --- softmax_probabilities -----------------------------------------------------------------------


@exercise("building_blocks.policies.softmax_probabilities")
def test_softmax_probabilities_are_the_boltzmann_formula():
    # e^(Q/τ) with Q = [0, ln 3] and τ = 1 is [1, 3]: normalised, [1/4, 3/4]
    assert policies.softmax_probabilities([0.0, math.log(3.0)]) == pytest.approx([0.25, 0.75], rel=1e-12)
    # τ = 2 halves the values: Q = [0, 2·ln 3] gives the same [1/4, 3/4]
    assert policies.softmax_probabilities([0.0, 2.0 * math.log(3.0)], temperature=2.0) == pytest.approx(
        [0.25, 0.75], rel=1e-12
    )
    # [1, 2, 0] at τ = 1: e, e², 1 over their sum
    total = math.e + math.e**2 + 1.0
    expected = [math.e / total, math.e**2 / total, 1.0 / total]
    assert policies.softmax_probabilities([1.0, 2.0, 0.0], 1.0) == pytest.approx(expected, rel=1e-12)


@exercise("building_blocks.policies.softmax_probabilities")
def test_softmax_probabilities_at_a_high_temperature_are_nearly_uniform():
    probabilities = policies.softmax_probabilities([1.0, 2.0, 3.0, -1.0], temperature=1000.0)
    # each Q/τ is within 0.004 of the others, so every e^(Q/τ) is within about 0.4 % of the
    # others and every probability within 0.01 of 1/4
    assert probabilities == pytest.approx([0.25] * 4, abs=0.01)
    assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-12)


@exercise("building_blocks.policies.softmax_probabilities")
def test_softmax_probabilities_at_a_low_temperature_are_nearly_greedy():
    # at τ = 0.01 the gap of 1 to the best action becomes a factor e^(−100) ≈ 4·10⁻⁴⁴
    probabilities = policies.softmax_probabilities([1.0, 2.0, 3.0, -1.0], temperature=0.01)
    assert probabilities == pytest.approx([0.0, 0.0, 1.0, 0.0], abs=1e-40)


@exercise("building_blocks.policies.softmax_probabilities")
def test_softmax_probabilities_do_not_change_when_a_constant_is_added_to_the_row():
    row = [0.3, -1.2, 2.0, 0.0]
    base = policies.softmax_probabilities(row, temperature=0.5)
    assert base[2] > base[0] > base[3] > base[1] > 0.0
    for constant in (-50.0, 7.0, 1000.0):  # 1000/0.5 = 2000 would overflow e^x without care
        shifted = policies.softmax_probabilities([q + constant for q in row], temperature=0.5)
        assert shifted == pytest.approx(base, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(
    "temperature",
    [
        pytest.param(0.0, marks=exercise("building_blocks.policies.softmax_probabilities"), id="zero"),
        pytest.param(-1.5, marks=exercise("building_blocks.policies.softmax_probabilities"), id="negative"),
    ],
)
def test_softmax_probabilities_need_a_positive_temperature_and_name_what_came(temperature):
    with pytest.raises(ValueError) as error:
        policies.softmax_probabilities([0.0, 1.0], temperature)
    assert_names(error, temperature)


# --- softmax_policy ------------------------------------------------------------------------------


def _first_index_above(probabilities, u):
    """The inverse CDF: the first index whose running total exceeds u."""
    running = 0.0
    for index, p in enumerate(probabilities):
        running += p
        if running > u:
            return index
    return len(probabilities) - 1


@exercise("building_blocks.policies.softmax_policy")
def test_softmax_policy_picks_by_the_inverse_cdf_of_one_draw():
    # [1, 2, 0] at τ = 1: probabilities ≈ [0.2447, 0.6652, 0.0900], running totals ≈ 0.2447, 0.9100, 1
    total = math.e + math.e**2 + 1.0
    probabilities = [math.e / total, math.e**2 / total, 1.0 / total]
    assert policies.softmax_policy([1.0, 2.0, 0.0], 1.0, Rng(0)) == 1  # u = 0.8444…
    assert policies.softmax_policy([1.0, 2.0, 0.0], 1.0, Rng(1)) == 0  # u = 0.1344…
    assert policies.softmax_policy([1.0, 2.0, 0.0], 1.0, Rng(2)) == 2  # u = 0.9560…
    for seed in range(40):
        u = stdlib_draws(seed, 1)[0]
        expected = _first_index_above(probabilities, u)
        assert policies.softmax_policy([1.0, 2.0, 0.0], 1.0, Rng(seed)) == expected, f"seed {seed}"


@exercise("building_blocks.policies.softmax_policy")
def test_softmax_policy_consumes_one_draw():
    rng, draws = Rng(6), stdlib_draws(6, 2)
    action = policies.softmax_policy([0.5, 0.0, 1.0], 2.0, rng)
    assert action in (0, 1, 2)
    assert rng.draw() == draws[1]


@exercise("building_blocks.policies.softmax_policy")
def test_softmax_policy_uses_the_temperature():
    # u = 0.8444… (seed 0). At τ = 1 the row [3, 0] puts e³/(e³ + 1) ≈ 0.953 on action 0, so
    # action 0 comes out; at τ = 100 both get ≈ 0.5, and u lands past the first half: action 1.
    assert policies.softmax_policy([3.0, 0.0], 1.0, Rng(0)) == 0
    assert policies.softmax_policy([3.0, 0.0], 100.0, Rng(0)) == 1


@pytest.mark.parametrize(
    "temperature",
    [
        pytest.param(0.0, marks=exercise("building_blocks.policies.softmax_policy"), id="zero"),
        pytest.param(-2.0, marks=exercise("building_blocks.policies.softmax_policy"), id="negative"),
    ],
)
def test_softmax_policy_needs_a_positive_temperature_naming_it(temperature):
    with pytest.raises(ValueError) as error:
        policies.softmax_policy([0.0, 1.0], temperature, Rng(0))
    assert_names(error, temperature)
