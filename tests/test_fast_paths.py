"""The given fast paths of network.py give the very floats of the affine map, on the reference.

`affine_one_hot` and `affine_backward_one_hot` skip the multiplications by a sampled latent's
0s and 1s; they must change no number, so they are compared with the reference's `affine` and
`affine_backward` bit for bit. These are maintainers' checks, not specs: they hold for the
reference, whatever a learner's own affine map adds in which order.
"""

from __future__ import annotations

import random

import pytest

import treepath

try:
    treepath.use_tree("solutions")
except RuntimeError:  # this session imported another tree; the fast paths are checked on the reference
    pytest.skip("the fast paths are checked against the reference (solutions/) only", allow_module_level=True)

from policywerk.building_blocks import dense, network  # noqa: E402
from spec_tests.reference_math import one_hot_rows  # noqa: E402


@pytest.mark.parametrize("before, after", [(5, 0), (0, 2), (3, 4)])
def test_affine_one_hot_is_affine_bit_for_bit_wherever_the_one_hot_groups_sit(before, after):
    # A 0 adds nothing to b + Σ x·w and a 1 adds its weight: adding the hot columns' weights in
    # the dot product's own order gives the very same floats.
    generator = random.Random(before * 10 + after)
    width = before + 3 * 4 + after
    weights = [[generator.uniform(-1.0, 1.0) for _ in range(width)] for _ in range(6)]
    bias = [generator.uniform(-1.0, 1.0) for _ in range(6)]
    rows = one_hot_rows(generator, 7, before, 3, 4, after)
    assert network.affine_one_hot(rows, weights, bias, before, before + 12) == dense.affine(rows, weights, bias)


def test_affine_one_hot_takes_the_full_product_for_a_row_that_is_not_zeros_and_ones():
    # A gradient check's latent is one_hot + p − sg(p): nearly, not exactly, 0s and 1s.
    generator = random.Random(3)
    weights = [[generator.uniform(-1.0, 1.0) for _ in range(6)] for _ in range(2)]
    rows = [[0.3, -0.7, 1.0, 1e-9, 0.0, 0.0], [0.3, -0.7, 0.5, 0.0, 0.5, 0.0]]
    expected = [[sum(x * w for x, w in zip(row, weight)) + 0.25 for weight in weights] for row in rows]
    result = network.affine_one_hot(rows, weights, [0.25, 0.25], 2, 6)
    assert [v for row in result for v in row] == pytest.approx([v for row in expected for v in row], abs=1e-12)


@pytest.mark.parametrize("before, after", [(5, 0), (0, 2), (3, 4)])
def test_affine_backward_one_hot_is_affine_backward_bit_for_bit(before, after):
    # The weight gradient of a one-hot column is the sum of the gradient rows where it is 1,
    # in the order the full dot product over the batch adds them.
    generator = random.Random(50 + before * 10 + after)
    width = before + 3 * 4 + after
    weights = [[generator.uniform(-1.0, 1.0) for _ in range(width)] for _ in range(6)]
    inputs = one_hot_rows(generator, 9, before, 3, 4, after)
    grads = [[generator.uniform(-1.0, 1.0) for _ in range(6)] for _ in range(9)]
    expected = dense.affine_backward(inputs, weights, grads)
    assert network.affine_backward_one_hot(inputs, weights, grads, before, before + 12) == expected


@pytest.mark.parametrize("before, after", [(5, 0), (3, 4)])
def test_affine_backward_one_hot_without_the_input_gradient_gives_none_in_its_place(before, after):
    generator = random.Random(70 + before * 10 + after)
    width = before + 3 * 4 + after
    weights = [[generator.uniform(-1.0, 1.0) for _ in range(width)] for _ in range(6)]
    inputs = one_hot_rows(generator, 9, before, 3, 4, after)
    grads = [[generator.uniform(-1.0, 1.0) for _ in range(6)] for _ in range(9)]
    grad_weights, grad_bias, _ = dense.affine_backward(inputs, weights, grads)
    assert network.affine_backward_one_hot(inputs, weights, grads, before, before + 12, input_gradient=False) == (
        grad_weights, grad_bias, None
    )


def test_affine_backward_one_hot_is_affine_backward_for_rows_that_are_not_zeros_and_ones():
    inputs = [[0.3, 1.0, 0.0], [0.3, 0.5, 0.5]]
    weights, grads = [[1.0, -2.0, 0.5]], [[2.0], [-1.0]]
    expected = dense.affine_backward(inputs, weights, grads)
    assert network.affine_backward_one_hot(inputs, weights, grads, 1, 3) == expected
    assert expected[0] == [[0.3, 1.5, -0.5]]  # Gᵀ·X by hand: 2·0.3 − 0.3, 2·1 − 0.5, 0 − 0.5
