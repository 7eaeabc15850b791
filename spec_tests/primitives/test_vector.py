"""Specs for primitives.vector: elementwise arithmetic, dot products, summaries, and shape errors."""

import math

import pytest

from policywerk.primitives import vector
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


@exercise("primitives.vector.zeros")
def test_zeros_gives_n_float_zeros():
    assert vector.zeros(3) == [0.0, 0.0, 0.0]
    assert all(type(value) is float for value in vector.zeros(3))


@exercise("primitives.vector.zeros")
def test_zeros_of_length_zero_is_the_empty_vector():
    assert vector.zeros(0) == []  # the docstring: zeros(0) is []


@exercise("primitives.vector.zeros")
def test_zeros_rejects_a_negative_length_naming_it():
    with pytest.raises(ValueError) as error:
        vector.zeros(-1)
    assert_names(error, -1)


@exercise("primitives.vector.add")
def test_add_sums_entry_by_entry():
    assert vector.add([1.0, 2.0, 3.0], [10.0, 20.0, 30.0]) == [11.0, 22.0, 33.0]


@exercise("primitives.vector.add")
def test_add_leaves_its_inputs_unchanged():
    x, y = [1.0, 2.0], [3.0, 4.0]
    assert vector.add(x, y) == [4.0, 6.0]
    assert (x, y) == ([1.0, 2.0], [3.0, 4.0])


@exercise("primitives.vector.sub")
def test_sub_subtracts_entry_by_entry():
    assert vector.sub([1.0, 2.0, 3.0], [10.0, 20.0, 30.0]) == [-9.0, -18.0, -27.0]


@exercise("primitives.vector.hadamard")
def test_hadamard_multiplies_entry_by_entry():
    assert vector.hadamard([1.0, 2.0, 3.0], [4.0, 5.0, -6.0]) == [4.0, 10.0, -18.0]


@exercise("primitives.vector.scale")
def test_scale_multiplies_every_entry_by_the_factor():
    assert vector.scale([1.0, -2.0, 0.5], 3.0) == [3.0, -6.0, 1.5]


@exercise("primitives.vector.axpy")
def test_axpy_is_a_times_x_plus_y():
    # a·x + y with a = 2: [2·1 + 10, 2·2 + 20]
    assert vector.axpy(2.0, [1.0, 2.0], [10.0, 20.0]) == [12.0, 24.0]


@exercise("primitives.vector.axpy")
def test_axpy_with_minus_the_learning_rate_is_a_gradient_step():
    weights, gradient = [0.5, -0.5], [1.0, -2.0]
    assert vector.axpy(-0.1, gradient, weights) == pytest.approx([0.4, -0.3])


@exercise("primitives.vector.dot")
def test_dot_sums_the_products():
    # 1·4 + 2·5 + 3·6 = 32
    assert vector.dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == 32.0


@exercise("primitives.vector.dot")
def test_dot_of_orthogonal_vectors_is_zero_and_of_a_vector_with_itself_its_squared_norm():
    assert vector.dot([1.0, 0.0], [0.0, 7.0]) == 0.0
    assert vector.dot([3.0, 4.0], [3.0, 4.0]) == 25.0


@exercise("primitives.vector.dot")
def test_dot_of_long_vectors_matches_the_definition():
    x = [math.sin(i) for i in range(300)]
    y = [math.cos(i) for i in range(300)]
    expected = math.fsum(a * b for a, b in zip(x, y))
    assert vector.dot(x, y) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@exercise("primitives.vector.norm")
def test_norm_is_the_euclidean_length():
    assert vector.norm([3.0, 4.0]) == 5.0  # the 3-4-5 triangle
    assert vector.norm([1.0, 1.0, 1.0, 1.0]) == 2.0


@exercise("primitives.vector.norm")
def test_norm_does_not_overflow_on_huge_entries():
    # the docstring's case: 3-4-5 scaled by 1e200; squaring 3e200 alone would give inf
    assert vector.norm([3e200, 4e200]) == pytest.approx(5e200, rel=1e-12)


@exercise("primitives.vector.mean")
def test_mean_is_the_sum_over_the_count():
    assert vector.mean([1.0, 2.0, 6.0]) == 3.0


@exercise("primitives.vector.mean")
def test_mean_of_an_empty_vector_is_an_error():
    with pytest.raises(ValueError):
        vector.mean([])


@exercise("primitives.vector.variance")
def test_variance_divides_by_n():
    # mean 2.5; squared deviations 2.25, 0.25, 0.25, 2.25; sum 5; 5 / 4 = 1.25
    assert vector.variance([1.0, 2.0, 3.0, 4.0]) == 1.25


@exercise("primitives.vector.variance")
def test_variance_of_a_constant_vector_is_zero_and_of_an_empty_one_an_error():
    assert vector.variance([2.0, 2.0, 2.0]) == 0.0
    with pytest.raises(ValueError):
        vector.variance([])


@exercise("primitives.vector.argmax")
def test_argmax_gives_the_index_of_the_largest_entry():
    assert vector.argmax([0.1, -3.0, 0.7, 0.2]) == 2


@exercise("primitives.vector.argmax")
def test_argmax_finds_the_largest_entry_in_the_last_place():
    assert vector.argmax([1.0, 2.0, 3.0]) == 2  # increasing entries: the last index


@exercise("primitives.vector.argmax")
def test_argmax_breaks_ties_toward_the_lowest_index():
    assert vector.argmax([-1.0, 5.0, 2.0, 5.0, 5.0]) == 1


@exercise("primitives.vector.argmax")
def test_argmax_of_an_empty_vector_is_an_error():
    with pytest.raises(ValueError):
        vector.argmax([])


@exercise("primitives.vector.linspace")
def test_linspace_includes_both_ends_evenly_spaced():
    assert vector.linspace(0.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]


@exercise("primitives.vector.linspace")
def test_linspace_for_dreamer_bins_is_symmetric_with_zero_in_the_middle():
    bins = vector.linspace(-20.0, 20.0, 255)
    assert len(bins) == 255
    assert (bins[0], bins[127], bins[-1]) == (-20.0, pytest.approx(0.0, abs=1e-12), 20.0)


@exercise("primitives.vector.linspace")
def test_linspace_of_two_points_is_just_the_two_ends():
    # n = 2: one gap of stop − start
    assert vector.linspace(0.0, 1.0, 2) == [0.0, 1.0]


@exercise("primitives.vector.linspace")
def test_linspace_ends_exactly_on_stop_where_the_formula_would_round_short():
    # The docstring: the last entry is stop itself. By the formula it can round short:
    # 0.0 + 49·(1/49) is 0.9999999999999999, and 0.3 + 3·(1.0 − 0.3)/3 is 0.9999999999999998.
    fifty = vector.linspace(0.0, 1.0, 50)
    assert fifty[-1] == 1.0
    assert fifty[:-1] == pytest.approx([i / 49 for i in range(49)], rel=1e-12, abs=1e-15)
    assert vector.linspace(0.3, 1.0, 4)[-1] == 1.0


@exercise("primitives.vector.linspace")
def test_linspace_needs_at_least_two_points_naming_n():
    with pytest.raises(ValueError) as error:
        vector.linspace(0.0, 1.0, 1)
    assert_names(error, 1)


def _mismatch(name, call):
    return pytest.param(call, marks=exercise(f"primitives.vector.{name}"), id=name)


@pytest.mark.parametrize(
    "call",
    [
        _mismatch("add", lambda: vector.add([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("sub", lambda: vector.sub([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("hadamard", lambda: vector.hadamard([1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("axpy", lambda: vector.axpy(1.0, [1.0, 2.0, 3.0], [1.0, 2.0])),
        _mismatch("dot", lambda: vector.dot([1.0, 2.0, 3.0], [1.0, 2.0])),
    ],
)
def test_combining_vectors_of_different_lengths_is_an_error_naming_both_lengths(call):
    with pytest.raises(ValueError) as error:
        call()
    assert_names(error, 3, 2)
