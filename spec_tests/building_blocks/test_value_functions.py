"""Specs for building_blocks.value_functions: the tabular V and Q tables, their step toward a
target, and the greedy summaries of a Q row.

The update is estimate ← estimate + α·(target − estimate). The numbers below are chosen so the
arithmetic is exact in binary floating point (halves, quarters), hence the exact comparisons.
"""

import pytest

from policywerk.building_blocks import value_functions
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# --- TabularV.update -----------------------------------------------------------------------------


@exercise("building_blocks.value_functions.TabularV.update")
def test_v_update_moves_a_fraction_alpha_toward_the_target_and_returns_the_error():
    v = value_functions.TabularV(3, initial=1.0)
    # error = 3 − 1 = 2; V(1) ← 1 + 0.25·2 = 1.5
    assert v.update(1, target=3.0, step_size=0.25) == 2.0
    assert v.values == [1.0, 1.5, 1.0]


@exercise("building_blocks.value_functions.TabularV.update")
def test_v_update_with_alpha_one_jumps_to_the_target():
    v = value_functions.TabularV(2, initial=0.5)
    assert v.update(0, target=-2.0, step_size=1.0) == -2.5  # −2 − 0.5
    assert v.values == [-2.0, 0.5]


@exercise("building_blocks.value_functions.TabularV.update")
def test_v_update_repeated_shrinks_the_error_by_one_minus_alpha_each_time():
    v = value_functions.TabularV(4)
    # Each update leaves (1 − α) of the error: after k updates it is (1 − α)^k of the first.
    errors = [v.update(2, target=4.0, step_size=0.3) for _ in range(60)]
    assert errors == pytest.approx([4.0 * 0.7**k for k in range(60)], rel=1e-9)
    assert v.values[2] == pytest.approx(4.0, abs=1e-8)  # 4·0.7^60 ≈ 2·10⁻⁹
    assert v.values[:2] + v.values[3:] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(5, marks=exercise("building_blocks.value_functions.TabularV.update"), id="too-large"),
        pytest.param(-1, marks=exercise("building_blocks.value_functions.TabularV.update"), id="negative"),
        pytest.param(True, marks=exercise("building_blocks.value_functions.TabularV.update"), id="bool"),
        pytest.param(1.0, marks=exercise("building_blocks.value_functions.TabularV.update"), id="float"),
    ],
)
def test_v_update_refuses_a_state_outside_the_table_naming_it(state):
    v = value_functions.TabularV(3)
    with pytest.raises(ValueError) as error:
        v.update(state, target=1.0, step_size=0.5)
    assert_names(error, repr(state) if isinstance(state, bool) else state)
    assert v.values == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "step_size",
    [
        pytest.param(0.0, marks=exercise("building_blocks.value_functions.TabularV.update"), id="zero"),
        pytest.param(-0.1, marks=exercise("building_blocks.value_functions.TabularV.update"), id="negative"),
        pytest.param(1.5, marks=exercise("building_blocks.value_functions.TabularV.update"), id="above-one"),
    ],
)
def test_v_update_refuses_a_step_size_outside_zero_to_one_naming_it(step_size):
    with pytest.raises(ValueError) as error:
        value_functions.TabularV(3).update(1, target=1.0, step_size=step_size)
    assert_names(error, step_size)


# --- TabularQ.update -----------------------------------------------------------------------------


@exercise("building_blocks.value_functions.TabularQ.update")
def test_q_update_moves_one_entry_a_fraction_alpha_toward_the_target_and_returns_the_error():
    q = value_functions.TabularQ(2, 3, initial=1.0)
    # error = −3 − 1 = −4; Q(1, 2) ← 1 + 0.5·(−4) = −1
    assert q.update(1, 2, target=-3.0, step_size=0.5) == -4.0
    assert q.table == [[1.0, 1.0, 1.0], [1.0, 1.0, -1.0]]


@exercise("building_blocks.value_functions.TabularQ.update")
def test_q_update_with_alpha_one_jumps_to_the_target_and_touches_nothing_else():
    q = value_functions.TabularQ(3, 2)
    assert q.update(2, 1, target=7.5, step_size=1.0) == 7.5
    assert q.table == [[0.0, 0.0], [0.0, 0.0], [0.0, 7.5]]
    assert q.update(2, 1, target=7.5, step_size=1.0) == 0.0  # already there: no error left


@exercise("building_blocks.value_functions.TabularQ.update")
def test_q_update_repeated_shrinks_the_error_by_one_minus_alpha_each_time():
    q = value_functions.TabularQ(2, 3, initial=2.0)
    # the first error is −6 − 2 = −8, then (1 − 0.25)^k of it
    errors = [q.update(1, 1, target=-6.0, step_size=0.25) for _ in range(80)]
    assert errors == pytest.approx([-8.0 * 0.75**k for k in range(80)], rel=1e-9)
    assert q.table[1][1] == pytest.approx(-6.0, abs=1e-8)  # 8·0.75^80 ≈ 8·10⁻¹¹
    assert q.table[0] == [2.0, 2.0, 2.0] and q.table[1][0] == q.table[1][2] == 2.0


@pytest.mark.parametrize(
    ("state", "action", "named"),
    [
        pytest.param(5, 0, 5, marks=exercise("building_blocks.value_functions.TabularQ.update"), id="state-too-large"),
        pytest.param(
            True, 0, "True", marks=exercise("building_blocks.value_functions.TabularQ.update"), id="state-bool"
        ),
        pytest.param(0, 4, 4, marks=exercise("building_blocks.value_functions.TabularQ.update"), id="action-too-large"),
        pytest.param(
            0, -1, -1, marks=exercise("building_blocks.value_functions.TabularQ.update"), id="action-negative"
        ),
        pytest.param(0, 1.0, 1.0, marks=exercise("building_blocks.value_functions.TabularQ.update"), id="action-float"),
    ],
)
def test_q_update_refuses_a_state_or_action_outside_the_table_naming_it(state, action, named):
    q = value_functions.TabularQ(2, 3)
    with pytest.raises(ValueError) as error:
        q.update(state, action, target=1.0, step_size=0.5)
    assert_names(error, named)
    assert q.table == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize(
    "step_size",
    [
        pytest.param(0.0, marks=exercise("building_blocks.value_functions.TabularQ.update"), id="zero"),
        pytest.param(1.25, marks=exercise("building_blocks.value_functions.TabularQ.update"), id="above-one"),
    ],
)
def test_q_update_refuses_a_step_size_outside_zero_to_one_naming_it(step_size):
    with pytest.raises(ValueError) as error:
        value_functions.TabularQ(2, 3).update(1, 1, target=1.0, step_size=step_size)
    assert_names(error, step_size)


# --- TabularQ.best_value -------------------------------------------------------------------------


@exercise("building_blocks.value_functions.TabularQ.best_value")
def test_best_value_is_the_largest_entry_of_the_row():
    q = value_functions.TabularQ(3, 3)
    q.table[1] = [1.0, 3.0, 2.0]
    q.table[2] = [-4.0, -2.0, -7.0]  # all negative: the max is not 0
    assert q.best_value(1) == 3.0
    assert q.best_value(2) == -2.0
    assert q.best_value(0) == 0.0


@exercise("building_blocks.value_functions.TabularQ.best_value")
def test_best_value_follows_updates():
    q = value_functions.TabularQ(2, 2, initial=-1.0)
    assert q.best_value(1) == -1.0
    q.update(1, 0, target=5.0, step_size=0.5)  # Q(1, 0) ← −1 + 0.5·6 = 2
    assert q.best_value(1) == 2.0


@exercise("building_blocks.value_functions.TabularQ.best_value")
def test_best_value_refuses_a_state_outside_the_table_naming_it():
    with pytest.raises(ValueError) as error:
        value_functions.TabularQ(2, 3).best_value(5)
    assert_names(error, 5)


# --- TabularQ.best_action ------------------------------------------------------------------------


@exercise("building_blocks.value_functions.TabularQ.best_action")
def test_best_action_is_the_index_of_the_largest_entry():
    q = value_functions.TabularQ(3, 3)
    q.table[0] = [1.0, 2.0, 3.0]
    q.table[1] = [-1.0, -5.0, -3.0]
    q.table[2] = [0.0, 9.0, -9.0]
    assert [q.best_action(s) for s in range(3)] == [2, 0, 1]
    assert all(type(q.best_action(s)) is int for s in range(3))


@exercise("building_blocks.value_functions.TabularQ.best_action")
def test_best_action_breaks_ties_toward_the_lowest_action():
    q = value_functions.TabularQ(2, 4)
    q.table[0] = [0.5, 3.0, 3.0, 3.0]
    assert q.best_action(0) == 1
    q.table[1] = [2.0, 2.0, 2.0, 2.0]
    q.table[1][3] = 2.5
    assert q.best_action(1) == 3


@exercise("building_blocks.value_functions.TabularQ.best_action")
def test_best_action_refuses_a_state_outside_the_table_naming_it():
    with pytest.raises(ValueError) as error:
        value_functions.TabularQ(2, 3).best_action(-2)
    assert_names(error, -2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: value_functions.TabularV(0),
        lambda: value_functions.TabularQ(0, 2),
        lambda: value_functions.TabularQ(3, 0),
        lambda: value_functions.TabularQ(3, 1.5),
    ],
    ids=["V with no states", "Q with no states", "Q with no actions", "Q with a fractional action count"],
)
def test_a_table_needs_at_least_one_state_and_one_action(make):
    # The constructors are given code; a table with no entries is a bug worth a clear error.
    with pytest.raises(ValueError, match="n_states|n_actions"):
        make()
