"""Specs for primitives.matrix: shapes of nested lists, flattening and reshaping, and the products."""

import math
import random

import pytest

from policywerk.primitives import matrix
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def _tensor_2x3x4():
    """A (2, 3, 4) tensor whose entry (k, i, j) is 100·k + 10·i + j, so every entry says where it is."""
    return [[[100.0 * k + 10.0 * i + j for j in range(4)] for i in range(3)] for k in range(2)]


def _random_matrix(generator, rows, cols):
    return [[generator.uniform(-1.0, 1.0) for _ in range(cols)] for _ in range(rows)]


@exercise("primitives.matrix.shape")
def test_shape_counts_rows_and_columns_of_a_matrix_and_the_length_of_a_vector():
    assert matrix.shape([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) == (2, 3)
    assert matrix.shape([1.0, 2.0, 3.0, 4.0]) == (4,)


@exercise("primitives.matrix.shape")
def test_shape_of_a_3d_tensor_is_channels_height_width():
    assert matrix.shape(_tensor_2x3x4()) == (2, 3, 4)


@exercise("primitives.matrix.shape")
def test_shape_of_a_number_is_empty_and_of_an_empty_list_is_zero():
    assert matrix.shape(3.5) == ()
    assert matrix.shape([]) == (0,)


@exercise("primitives.matrix.shape")
def test_shape_of_a_ragged_list_is_an_error_naming_the_entry_that_differs():
    # Entry 3 has shape (1,), entries 0 to 2 have (2,): the index 3 is named.
    with pytest.raises(ValueError) as error:
        matrix.shape([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0]])
    assert_names(error, 3)
    # In a 3-D tensor the fourth matrix, entry 3, has shape (2, 4) instead of (1, 4).
    with pytest.raises(ValueError) as error:
        matrix.shape([[[0.0] * 4], [[0.0] * 4], [[0.0] * 4], [[1.0] * 4, [2.0] * 4]])
    assert_names(error, 3)


@exercise("primitives.matrix.zeros")
def test_zeros_builds_nested_lists_of_float_zeros():
    assert matrix.zeros((2, 3)) == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert matrix.zeros((4,)) == [0.0, 0.0, 0.0, 0.0]
    assert all(type(value) is float for row in matrix.zeros((2, 3)) for value in row)


@exercise("primitives.matrix.zeros")
def test_zeros_of_a_3d_shape_has_that_many_channels_rows_and_columns():
    tensor = matrix.zeros((2, 3, 4))
    assert len(tensor) == 2
    assert all(len(channel) == 3 for channel in tensor)
    assert all(len(row) == 4 for channel in tensor for row in channel)
    assert all(value == 0.0 for channel in tensor for row in channel for value in row)


@exercise("primitives.matrix.zeros")
def test_zeros_rows_are_independent_lists():
    # [[0.0] * 4] * 3 would repeat one list, and writing one entry would change three.
    tensor = matrix.zeros((2, 3, 4))
    tensor[0][1][2] = 5.0
    changed = [(k, i, j) for k in range(2) for i in range(3) for j in range(4) if tensor[k][i][j] != 0.0]
    assert changed == [(0, 1, 2)]


@exercise("primitives.matrix.zeros")
def test_zeros_needs_one_or_more_dimensions_none_of_them_negative():
    assert matrix.zeros((1, 1)) == [[0.0]]
    with pytest.raises(ValueError):
        matrix.zeros(())
    with pytest.raises(ValueError) as error:
        matrix.zeros((2, -1))
    assert_names(error, -1)


@exercise("primitives.matrix.flatten")
def test_flatten_lists_a_matrix_row_by_row():
    assert matrix.flatten([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


@exercise("primitives.matrix.flatten")
def test_flatten_puts_pixel_k_i_j_of_a_3d_tensor_at_index_k_h_w_plus_i_w_plus_j():
    flat = matrix.flatten(_tensor_2x3x4())
    assert len(flat) == 24
    for k in range(2):
        for i in range(3):
            for j in range(4):
                assert flat[k * 12 + i * 4 + j] == 100.0 * k + 10.0 * i + j


@exercise("primitives.matrix.flatten")
def test_flatten_of_a_single_row_or_a_single_column_is_its_entries_in_order():
    assert matrix.flatten([[[1.0, 2.0, 3.0]]]) == [1.0, 2.0, 3.0]
    assert matrix.flatten([[4.0], [5.0], [6.0]]) == [4.0, 5.0, 6.0]


@exercise("primitives.matrix.reshape")
def test_reshape_lays_a_flat_list_out_row_by_row():
    assert matrix.reshape([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3)) == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert matrix.reshape([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (3, 2)) == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


@exercise("primitives.matrix.reshape")
def test_reshape_into_one_column_gives_one_row_per_entry():
    # (2, 1): two rows of one entry each, as in the docstring
    assert matrix.reshape([1.0, 2.0], (2, 1)) == [[1.0], [2.0]]


@exercise("primitives.matrix.reshape")
def test_reshape_builds_a_3d_tensor_from_its_row_major_list():
    flat = [100.0 * k + 10.0 * i + j for k in range(2) for i in range(3) for j in range(4)]
    assert matrix.reshape(flat, (2, 3, 4)) == _tensor_2x3x4()


@exercise("primitives.matrix.flatten")
@exercise("primitives.matrix.reshape")
def test_flatten_then_reshape_gives_back_the_3d_tensor():
    tensor = _tensor_2x3x4()
    flat = matrix.flatten(tensor)
    assert flat == sorted(flat) and len(flat) == 24  # entries grow with k, then i, then j
    assert matrix.reshape(flat, (2, 3, 4)) == tensor


@exercise("primitives.matrix.reshape")
def test_reshape_with_the_wrong_number_of_entries_is_an_error_naming_count_and_shape():
    with pytest.raises(ValueError) as error:
        matrix.reshape([1.0, 2.0, 3.0, 4.0, 5.0], (2, 3))
    assert_names(error, 5, 2, 3)  # the count, and the shape by its dimensions


@exercise("primitives.matrix.transpose")
def test_transpose_swaps_rows_and_columns():
    assert matrix.transpose([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert matrix.transpose([[7.0, 8.0]]) == [[7.0], [8.0]]


@exercise("primitives.matrix.transpose")
def test_transpose_twice_is_the_identity():
    generator = random.Random(3)
    m = _random_matrix(generator, 3, 5)
    once = matrix.transpose(m)
    assert len(once) == 5 and all(len(row) == 3 for row in once)
    assert matrix.transpose(once) == m


@exercise("primitives.matrix.transpose")
def test_transpose_returns_lists_and_leaves_its_input_unchanged():
    m = [[1.0, 2.0], [3.0, 4.0]]
    result = matrix.transpose(m)
    assert result == [[1.0, 3.0], [2.0, 4.0]]
    assert all(type(row) is list for row in result)
    assert m == [[1.0, 2.0], [3.0, 4.0]]


@exercise("primitives.matrix.matvec")
def test_matvec_is_one_dot_product_per_row():
    # [1·1 + 2·0 + 3·(−1), 4·1 + 5·0 + 6·(−1)] = [−2, −2]; [1 + 2, 3 + 4] = [3, 7]
    assert matrix.matvec([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 0.0, -1.0]) == [-2.0, -2.0]
    assert matrix.matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]) == [3.0, 7.0]


@exercise("primitives.matrix.matvec")
def test_matvec_matches_the_definition_on_a_random_matrix():
    generator = random.Random(11)
    m = _random_matrix(generator, 4, 6)
    x = [generator.uniform(-1.0, 1.0) for _ in range(6)]
    expected = [math.fsum(m[i][j] * x[j] for j in range(6)) for i in range(4)]
    assert matrix.matvec(m, x) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@exercise("primitives.matrix.matmul_transposed")
def test_matmul_transposed_takes_dot_products_of_rows_of_a_with_rows_of_b():
    # [1, 2]·[3, 4] = 11 and [1, 2]·[5, 6] = 17
    assert matrix.matmul_transposed([[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]) == [[11.0, 17.0]]


@exercise("primitives.matrix.matmul_transposed")
def test_matmul_transposed_equals_the_product_with_the_transpose_of_b():
    # (A·Bᵀ)ᵢⱼ = Σₖ Aᵢₖ·Bⱼₖ, summed exactly here, never by the learner's matmul or transpose
    generator = random.Random(5)
    a = _random_matrix(generator, 2, 3)
    b = _random_matrix(generator, 4, 3)
    expected = [[math.fsum(a[i][k] * b[j][k] for k in range(3)) for j in range(4)] for i in range(2)]
    result = matrix.matmul_transposed(a, b)
    assert len(result) == 2 and all(len(row) == 4 for row in result)
    assert result == [pytest.approx(row, rel=1e-12, abs=1e-12) for row in expected]


@exercise("primitives.matrix.matmul")
def test_matmul_of_a_2x3_and_a_3x2_matrix_worked_by_hand():
    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    b = [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]
    # row 1: 1·7 + 2·9 + 3·11 = 58,  1·8 + 2·10 + 3·12 = 64
    # row 2: 4·7 + 5·9 + 6·11 = 139, 4·8 + 5·10 + 6·12 = 154
    assert matrix.matmul(a, b) == [[58.0, 64.0], [139.0, 154.0]]


@exercise("primitives.matrix.matmul")
def test_matmul_with_the_identity_changes_nothing_and_the_order_matters():
    a = [[1.0, 2.0], [3.0, 4.0]]
    b = [[5.0, 6.0], [7.0, 8.0]]
    identity = [[1.0, 0.0], [0.0, 1.0]]
    assert matrix.matmul(identity, b) == b
    assert matrix.matmul(a, b) == [[19.0, 22.0], [43.0, 50.0]]
    assert matrix.matmul(b, a) == [[23.0, 34.0], [31.0, 46.0]]


@exercise("primitives.matrix.matmul")
def test_matmul_of_a_row_and_a_column_is_a_1x1_matrix_and_of_a_column_and_a_row_an_outer_product():
    row, column = [[1.0, 2.0, 3.0]], [[4.0], [5.0], [6.0]]
    assert matrix.matmul(row, column) == [[32.0]]  # 4 + 10 + 18
    assert matrix.matmul(column, row) == [[4.0, 8.0, 12.0], [5.0, 10.0, 15.0], [6.0, 12.0, 18.0]]


@exercise("primitives.matrix.outer")
def test_outer_multiplies_every_entry_of_x_with_every_entry_of_y():
    assert matrix.outer([1.0, 2.0], [3.0, 4.0, 5.0]) == [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]


@exercise("primitives.matrix.outer")
def test_outer_of_a_length_3_and_a_length_2_vector_is_3_by_2():
    x, y = [2.0, -1.0, 0.5], [4.0, 3.0]
    # the column x times the row y: row i is xᵢ·y
    assert matrix.outer(x, y) == [[8.0, 6.0], [-4.0, -3.0], [2.0, 1.5]]


def _mismatch(name, call, numbers):
    return pytest.param(call, numbers, marks=exercise(f"primitives.matrix.{name}"), id=name)


A_2X3 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
B_4X5 = [[1.0] * 5 for _ in range(4)]


@pytest.mark.parametrize(
    ("call", "numbers"),
    [
        # m is (2, 3), x has 4 entries: m's shape and x's length
        _mismatch("matvec", lambda: matrix.matvec(A_2X3, [1.0, 2.0, 3.0, 4.0]), (2, 3, 4)),
        # a is (2, 3), b is (4, 5): b would need 3 rows
        _mismatch("matmul", lambda: matrix.matmul(A_2X3, B_4X5), (2, 3, 4, 5)),
        # a is (2, 3), b is (4, 5): rows of 3 and of 5 entries
        _mismatch("matmul_transposed", lambda: matrix.matmul_transposed(A_2X3, B_4X5), (2, 3, 4, 5)),
    ],
)
def test_products_of_shapes_that_do_not_fit_are_an_error_naming_both_shapes(call, numbers):
    with pytest.raises(ValueError) as error:
        call()
    assert_names(error, *numbers)  # each shape by its dimensions, in any format


@exercise("primitives.matrix.flatten")
def test_flatten_of_a_ragged_list_is_an_error():
    with pytest.raises(ValueError):
        matrix.flatten([[1.0, 2.0], [3.0]])


@exercise("primitives.matrix.reshape")
def test_reshape_refuses_missing_or_negative_dimensions():
    with pytest.raises(ValueError):
        matrix.reshape([1.0] * 6, ())
    with pytest.raises(ValueError) as error:
        matrix.reshape([1.0] * 6, (-2, -3))
    assert_names(error, -2, -3)


@exercise("primitives.matrix.reshape")
def test_reshape_into_a_shape_with_a_zero_dimension_gives_empty_rows():
    # the inverse of flatten(zeros((3, 0))) == []
    assert matrix.reshape([], (3, 0)) == [[], [], []]


def _not_a_matrix(name, call):
    return pytest.param(call, marks=exercise(f"primitives.matrix.{name}"), id=name)


@pytest.mark.parametrize(
    "call",
    [
        _not_a_matrix("transpose", lambda: matrix.transpose([])),
        _not_a_matrix("matvec", lambda: matrix.matvec([1.0, 2.0], [1.0, 2.0])),
        _not_a_matrix("matmul", lambda: matrix.matmul([[1.0, 2.0], [3.0]], [[1.0], [2.0]])),
        _not_a_matrix("matmul_transposed", lambda: matrix.matmul_transposed([[1.0, 2.0]], [[1.0, 2.0], [3.0]])),
    ],
)
def test_products_refuse_empty_flat_or_ragged_matrices(call):
    # zip would silently cut a ragged row short
    with pytest.raises(ValueError):
        call()
