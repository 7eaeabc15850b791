"""Specs for building_blocks.traces: eligibility traces that fade by a factor each step and jump on
a visit (accumulating: +1, replacing: set to 1), the 1983 paper's input trace, and clearing.

Traces are lists changed in place and also returned, so each spec checks both: the returned
object is the very list passed in, and its entries hold the new traces. Factors are halves and
quarters, exact in binary floating point, hence the exact comparisons.
"""

import pytest

from policywerk.building_blocks import traces
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# --- decay ---------------------------------------------------------------------------------------


@exercise("building_blocks.traces.decay")
def test_decay_multiplies_every_trace_by_the_factor_in_place():
    eligibility = [1.0, 0.5, -2.0, 0.0]
    result = traces.decay(eligibility, 0.5)
    assert result is eligibility
    assert eligibility == [0.5, 0.25, -1.0, 0.0]


@exercise("building_blocks.traces.decay")
def test_decay_by_one_keeps_the_traces_and_by_zero_clears_them():
    kept = traces.decay([0.75, 2.0], 1.0)
    assert kept == [0.75, 2.0]
    assert traces.decay([0.75, 2.0], 0.0) == [0.0, 0.0]


@exercise("building_blocks.traces.decay")
def test_decay_k_times_by_gamma_lambda_leaves_gamma_lambda_to_the_k():
    # The trace of a state visited k steps ago is (γλ)^k: γ = 1, λ = 0.5 halves it each step.
    eligibility = [1.0, 8.0]
    for _ in range(3):
        traces.decay(eligibility, 1.0 * 0.5)
    assert eligibility == [0.125, 1.0]


@pytest.mark.parametrize(
    "factor",
    [pytest.param(f, marks=exercise("building_blocks.traces.decay"), id=f"factor={f}") for f in (-0.5, 1.5)],
)
def test_decay_refuses_a_factor_outside_zero_to_one_naming_it(factor):
    eligibility = [1.0]
    with pytest.raises(ValueError) as error:
        traces.decay(eligibility, factor)
    assert_names(error, factor)
    assert eligibility == [1.0]


# --- accumulate ----------------------------------------------------------------------------------


@exercise("building_blocks.traces.accumulate")
def test_accumulate_adds_one_to_the_visited_trace_in_place():
    eligibility = [0.5, 0.0, 0.25]
    result = traces.accumulate(eligibility, 0)
    assert result is eligibility
    assert eligibility == [1.5, 0.0, 0.25]


@exercise("building_blocks.traces.accumulate")
def test_accumulate_adds_the_amount_given_and_a_repeated_visit_climbs_above_one():
    eligibility = [0.0, 0.0]
    traces.accumulate(eligibility, 1, amount=2.5)
    assert eligibility == [0.0, 2.5]
    assert traces.accumulate([0.0], 0) == [1.0]
    twice = traces.accumulate(traces.accumulate([0.0, 0.0], 0), 0)
    assert twice == [2.0, 0.0]


@exercise("building_blocks.traces.decay")
@exercise("building_blocks.traces.accumulate")
def test_accumulating_traces_over_a_walk_weigh_each_past_visit_by_its_age():
    # Visits 0, 1, 0 with γλ = 0.5, decaying before each visit (as TD(λ) does):
    #   [1, 0] -> [0.5, 1] -> [0.25 + 1, 0.5] = [1.25, 0.5]: state 0 holds 0.5² + 0.5⁰.
    eligibility = [0.0, 0.0]
    for state in (0, 1, 0):
        traces.accumulate(traces.decay(eligibility, 0.5), state)
    assert eligibility == [1.25, 0.5]


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(i, marks=exercise("building_blocks.traces.accumulate"), id=f"index={i!r}")
        for i in (2, -1, True, 1.0)
    ],
)
def test_accumulate_refuses_an_index_outside_the_list_naming_it(index):
    eligibility = [0.0, 0.0]
    with pytest.raises(ValueError) as error:
        traces.accumulate(eligibility, index)
    assert_names(error, repr(index) if isinstance(index, bool) else index)
    assert eligibility == [0.0, 0.0]


# --- replace -------------------------------------------------------------------------------------


@exercise("building_blocks.traces.replace")
def test_replace_sets_the_visited_trace_to_one_in_place():
    eligibility = [0.5, 3.0]
    result = traces.replace(eligibility, 1)
    assert result is eligibility
    assert eligibility == [0.5, 1.0]


@exercise("building_blocks.traces.replace")
def test_replace_never_climbs_above_the_amount_however_often_a_state_is_visited():
    eligibility = [0.0, 0.0]
    for _ in range(3):
        traces.replace(eligibility, 0)
    assert eligibility == [1.0, 0.0], "a replacing trace is reset to the amount on a visit, never added to"
    assert traces.replace([0.0, 0.0], 0, amount=0.25) == [0.25, 0.0]


@exercise("building_blocks.traces.decay")
@exercise("building_blocks.traces.replace")
def test_replacing_traces_over_a_walk_reset_a_revisited_state_to_one():
    # The same walk as for accumulating traces: visits 0, 1, 0 with γλ = 0.5 give [1, 0.5], not [1.25, 0.5].
    eligibility = [0.0, 0.0]
    for state in (0, 1, 0):
        traces.replace(traces.decay(eligibility, 0.5), state)
    assert eligibility == [1.0, 0.5]


@pytest.mark.parametrize(
    "index",
    [pytest.param(i, marks=exercise("building_blocks.traces.replace"), id=f"index={i!r}") for i in (3, -2, False)],
)
def test_replace_refuses_an_index_outside_the_list_naming_it(index):
    eligibility = [0.0, 0.0, 0.0]
    with pytest.raises(ValueError) as error:
        traces.replace(eligibility, index)
    assert_names(error, repr(index) if isinstance(index, bool) else index)
    assert eligibility == [0.0, 0.0, 0.0]


# --- input_trace ---------------------------------------------------------------------------------


@exercise("building_blocks.traces.input_trace")
def test_input_trace_fades_every_trace_and_adds_one_minus_delta_times_the_amount_to_the_active_one():
    # δ = 0.75: [1, 0.5] fades to [0.75, 0.375]; input 1 is active with amount 2: + 0.25·2.
    eligibility = [1.0, 0.5]
    result = traces.input_trace(eligibility, 1, amount=2.0, decay_rate=0.75)
    assert result is eligibility
    assert eligibility == [0.75, 0.875]


@exercise("building_blocks.traces.input_trace")
def test_input_trace_of_a_steady_input_climbs_toward_the_amount():
    # e(t+1) = δ·e(t) + (1 − δ)·1 from 0 gives e(k) = 1 − δ^k: an average of the recent inputs.
    eligibility = [0.0, 0.0]
    for _ in range(4):
        traces.input_trace(eligibility, 0, amount=1.0, decay_rate=0.5)
    assert eligibility == [1.0 - 0.5**4, 0.0]


@exercise("building_blocks.traces.input_trace")
def test_input_trace_with_delta_zero_holds_only_this_input_and_with_delta_one_never_changes():
    assert traces.input_trace([0.5, 0.25], 0, amount=-1.0, decay_rate=0.0) == [-1.0, 0.0]
    assert traces.input_trace([0.5, 0.25], 0, amount=-1.0, decay_rate=1.0) == [0.5, 0.25]


@exercise("building_blocks.traces.input_trace")
def test_input_trace_of_the_1983_ase_with_delta_0_9_matches_the_paper_rule():
    # Barto, Sutton & Anderson (1983): e(t+1) = δ·e(t) + (1 − δ)·y·x, δ = 0.9, y = −1 here.
    eligibility = traces.input_trace([1.0, 0.0], 1, amount=-1.0, decay_rate=0.9)
    assert eligibility == pytest.approx([0.9, -0.1], abs=1e-15)


@pytest.mark.parametrize(
    "decay_rate",
    [pytest.param(d, marks=exercise("building_blocks.traces.input_trace"), id=f"decay_rate={d}") for d in (-0.1, 1.1)],
)
def test_input_trace_refuses_a_decay_rate_outside_zero_to_one_naming_it(decay_rate):
    with pytest.raises(ValueError) as error:
        traces.input_trace([0.0, 0.0], 0, amount=1.0, decay_rate=decay_rate)
    assert_names(error, decay_rate)


@exercise("building_blocks.traces.input_trace")
def test_input_trace_refuses_an_index_outside_the_list_leaving_the_traces_alone():
    eligibility = [0.5, 0.5]
    with pytest.raises(ValueError) as error:
        traces.input_trace(eligibility, 2, amount=1.0, decay_rate=0.5)
    assert_names(error, 2)
    assert eligibility == [0.5, 0.5]


# --- clear ---------------------------------------------------------------------------------------


@exercise("building_blocks.traces.clear")
def test_clear_sets_every_trace_to_zero_in_place():
    eligibility = [0.3, 1.2, -0.5]
    result = traces.clear(eligibility)
    assert result is eligibility
    assert eligibility == [0.0, 0.0, 0.0]


@exercise("building_blocks.traces.clear")
def test_clear_keeps_the_length_and_an_empty_list_stays_empty():
    assert traces.clear([5.0] * 7) == [0.0] * 7
    assert traces.clear([]) == []
