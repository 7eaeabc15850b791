"""Specs for building_blocks.dense: the two initialisers, the affine map and its gradients, and
the Dense layer over a batch with its tape (forward returns its inputs as the tape, backward
differentiates the forward whose tape it is given), checked by hand and against central
differences (the trusted checker's tolerances: h = 1e-6, rtol 1e-5, atol 1e-7).

The statistical specs use fixed seeds and tolerances of five standard errors: a correct
implementation lands outside with probability about 6·10⁻⁷ per checked quantity.
"""

import math
import random
import re

import pytest

from policywerk.building_blocks import dense
from policywerk.primitives.random import Rng
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import affine, assert_names, flat, random_matrix, rows, stdlib_draws, weighted_sum

exercise = pytest.mark.exercise


# The affine map written out here from its formula, so that the gradient specs check the
# backward passes against the truth and never lean on the learner's own forward pass.


# --- xavier_uniform ------------------------------------------------------------------------


@exercise("building_blocks.dense.xavier_uniform")
def test_xavier_uniform_gives_out_rows_of_in_weights_within_the_glorot_limit():
    weights = dense.xavier_uniform(2, 3, Rng(0))
    assert [len(row) for row in weights] == [2, 2, 2]
    limit = math.sqrt(6.0 / 5.0)  # a = √(6 / (in + out))
    assert all(-limit <= w <= limit for row in weights for w in row)


@exercise("building_blocks.dense.xavier_uniform")
def test_xavier_uniform_draws_each_weight_once_row_by_row():
    # Rng.uniform(−a, a) is −a + u·2a for one draw u of the seeded generator.
    limit = math.sqrt(6.0 / 7.0)
    draws = stdlib_draws(5, 12)
    expected = rows([-limit + u * 2.0 * limit for u in draws], 3)
    weights = dense.xavier_uniform(3, 4, Rng(5))
    assert [len(row) for row in weights] == [3, 3, 3, 3]
    assert flat(weights) == pytest.approx(flat(expected), rel=1e-12, abs=1e-15)


@exercise("building_blocks.dense.xavier_uniform")
def test_xavier_uniform_spreads_over_the_whole_interval_with_variance_two_over_in_plus_out():
    in_features, out_features = 100, 200
    weights = flat(dense.xavier_uniform(in_features, out_features, Rng(11)))
    limit = math.sqrt(6.0 / (in_features + out_features))
    assert len(weights) == 20_000
    # The extremes: P(all 20 000 inside ±0.99a) = 0.99^20000 ≈ e^−201.
    assert max(weights) > 0.99 * limit and min(weights) < -0.99 * limit
    # E[w²] = a²/3 = 2/(in + out); Var(w²) = a⁴/5 − a⁴/9 = 4a⁴/45, so the standard error of the
    # mean of 20 000 squares is √(4/45)·a²/√20000 ≈ 0.63 % of a²/3; five of them is 3.2 %.
    mean_square = math.fsum(w * w for w in weights) / len(weights)
    assert mean_square == pytest.approx(2.0 / (in_features + out_features), rel=0.032)


# --- he_normal -----------------------------------------------------------------------------


def _box_muller_rows(seed, in_features, out_features, std):
    """What Rng(seed).normals(in_features, 0, std) gives for each row in turn, from the stdlib
    generator: each pair of draws (u₁, u₂) makes r·cos(2πu₂) and r·sin(2πu₂), r = √(−2 ln(1 − u₁));
    with an odd count the last sine of each row is dropped."""
    generator = random.Random(seed)
    rows = []
    for _ in range(out_features):
        row = []
        for _ in range((in_features + 1) // 2):
            radius = std * math.sqrt(-2.0 * math.log(1.0 - generator.random()))
            angle = 2.0 * math.pi * generator.random()
            row += [radius * math.cos(angle), radius * math.sin(angle)]
        rows.append(row[:in_features])
    return rows


@exercise("building_blocks.dense.he_normal")
def test_he_normal_draws_one_normals_call_per_row_with_std_root_two_over_in():
    # in = 3 is odd: each row uses two Box–Muller pairs (four draws) and drops the last sine.
    weights = dense.he_normal(3, 2, Rng(4))
    assert [len(row) for row in weights] == [3, 3]
    expected = _box_muller_rows(4, 3, 2, math.sqrt(2.0 / 3.0))
    assert flat(weights) == pytest.approx(flat(expected), rel=1e-12, abs=1e-15)


@exercise("building_blocks.dense.he_normal")
def test_he_normal_has_mean_zero_and_standard_deviation_root_two_over_in():
    in_features, out_features = 50, 400
    weights = flat(dense.he_normal(in_features, out_features, Rng(12)))
    assert len(weights) == 20_000
    std = math.sqrt(2.0 / in_features)
    n = len(weights)
    mean = math.fsum(weights) / n
    sample_std = math.sqrt(math.fsum((w - mean) ** 2 for w in weights) / n)
    # Standard errors for n normal samples: σ/√n for the mean (0.71 % of σ), σ/√(2n) for the
    # standard deviation (0.5 % of σ); the bounds are five of each.
    assert abs(mean) < 5.0 * std / math.sqrt(n)
    assert sample_std == pytest.approx(std, rel=5.0 / math.sqrt(2.0 * n))


# --- both initialisers ---------------------------------------------------------------------


def _initialiser(name):
    return pytest.param(name, marks=exercise(f"building_blocks.dense.{name}"), id=name)


@pytest.mark.parametrize("name", [_initialiser("xavier_uniform"), _initialiser("he_normal")])
def test_an_initialiser_gives_the_same_weights_for_the_same_seed_and_others_for_another(name):
    initialise = getattr(dense, name)
    assert initialise(4, 3, Rng(7)) == initialise(4, 3, Rng(7))
    assert initialise(4, 3, Rng(7)) != initialise(4, 3, Rng(8))


@pytest.mark.parametrize("name", [_initialiser("xavier_uniform"), _initialiser("he_normal")])
def test_an_initialiser_accepts_sizes_of_one(name):
    # the docstrings refuse sizes below 1 only: one input and one output is a (1 × 1) matrix
    weights = getattr(dense, name)(1, 1, Rng(0))
    assert len(weights) == 1 and len(weights[0]) == 1


@pytest.mark.parametrize(
    "name, sizes",
    [
        pytest.param("xavier_uniform", (0, 3), marks=exercise("building_blocks.dense.xavier_uniform"), id="xavier-in"),
        pytest.param(
            "xavier_uniform", (2, -1), marks=exercise("building_blocks.dense.xavier_uniform"), id="xavier-out"
        ),
        pytest.param(
            "xavier_uniform", (2, 0), marks=exercise("building_blocks.dense.xavier_uniform"), id="xavier-out-zero"
        ),
        pytest.param("he_normal", (0, 3), marks=exercise("building_blocks.dense.he_normal"), id="he-in"),
        pytest.param("he_normal", (2, 0), marks=exercise("building_blocks.dense.he_normal"), id="he-out"),
    ],
)
def test_an_initialiser_rejects_sizes_below_one_naming_them(name, sizes):
    with pytest.raises(ValueError) as error:
        getattr(dense, name)(*sizes, Rng(0))
    assert_names(error, *sizes)  # the docstrings: both sizes are named


# --- affine --------------------------------------------------------------------------------

# A hand-sized case shared by the affine specs: X (2 × 2), W (3 × 2), b (3,), G (2 × 3).
_X = [[1.0, 2.0], [3.0, -1.0]]
_W = [[1.0, 0.0], [0.5, -1.0], [2.0, 1.0]]
_B = [0.5, -1.0, 2.0]
_G = [[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]]


@exercise("building_blocks.dense.affine")
def test_affine_is_one_dot_product_plus_bias_per_sample_and_output():
    # Y[n][j] = W[j]·X[n] + b[j]: sample [1, 2] gives [1 + 0.5, 0.5 − 2 − 1, 2 + 2 + 2];
    # sample [3, −1] gives [3 + 0.5, 1.5 + 1 − 1, 6 − 1 + 2]
    assert dense.affine(_X, _W, _B) == [[1.5, -2.5, 6.0], [3.5, 1.5, 7.0]]


@exercise("building_blocks.dense.affine")
def test_affine_maps_a_batch_of_three_from_four_to_five_features():
    inputs, weights, bias = random_matrix(1, 3, 4), random_matrix(2, 5, 4), random_matrix(3, 1, 5)[0]
    outputs = dense.affine(inputs, weights, bias)
    assert [len(row) for row in outputs] == [5, 5, 5]
    assert flat(outputs) == pytest.approx(flat(affine(inputs, weights, bias)), rel=1e-12, abs=1e-15)


# --- affine_backward -----------------------------------------------------------------------


@exercise("building_blocks.dense.affine_backward")
def test_affine_backward_gives_the_three_products_worked_by_hand():
    # ∂L/∂W = GᵀX: row j is Σₙ G[n][j]·X[n]: 1·[1, 2] + 2·[3, −1] = [7, 0]; 1·[3, −1];
    #   −1·[1, 2] + ½·[3, −1] = [½, −5/2].
    # ∂L/∂b: the column sums of G, [3, 1, −½].
    # ∂L/∂X = G·W: row n is Σⱼ G[n][j]·W[j]: [1, 0] − [2, 1] = [−1, −1];
    #   2·[1, 0] + [½, −1] + ½·[2, 1] = [7/2, −½].
    grad_weights, grad_bias, grad_inputs = dense.affine_backward(_X, _W, _G)
    assert grad_weights == [[7.0, 0.0], [3.0, -1.0], [0.5, -2.5]]
    assert grad_bias == [3.0, 1.0, -0.5], "the bias gradient sums the output gradients over every example of the batch"
    assert grad_inputs == [[-1.0, -1.0], [3.5, -0.5]]


def _affine_case(what):
    return pytest.param(what, marks=exercise("building_blocks.dense.affine_backward"), id=what)


@pytest.mark.parametrize("what", [_affine_case("weights"), _affine_case("bias"), _affine_case("inputs")])
def test_affine_backward_matches_central_differences(what):
    # Batch 3, 4 → 5 features, random everything; L = Σ G·Y, so ∂L/∂Y = G.
    inputs, weights, bias, grads = (
        random_matrix(21, 3, 4),
        random_matrix(22, 5, 4),
        random_matrix(23, 1, 5)[0],
        random_matrix(24, 3, 5),
    )
    grad_weights, grad_bias, grad_inputs = dense.affine_backward(inputs, weights, grads)
    if what == "weights":
        loss = lambda w: weighted_sum(grads, affine(inputs, rows(w, 4), bias))  # noqa: E731
        check_gradient(loss, flat(weights), flat(grad_weights), what=what)
    elif what == "bias":
        loss = lambda b: weighted_sum(grads, affine(inputs, weights, b))  # noqa: E731
        check_gradient(loss, bias, grad_bias, what=what)
    else:
        loss = lambda x: weighted_sum(grads, affine(rows(x, 4), weights, bias))  # noqa: E731
        check_gradient(loss, flat(inputs), flat(grad_inputs), what=what)


@exercise("building_blocks.dense.affine_backward")
def test_affine_backward_without_the_input_gradient_gives_none_in_its_place():
    grad_weights, grad_bias, grad_inputs = dense.affine_backward(_X, _W, _G, input_gradient=False)
    assert grad_inputs is None
    assert (grad_weights, grad_bias) == ([[7.0, 0.0], [3.0, -1.0], [0.5, -2.5]], [3.0, 1.0, -0.5])


# --- Dense ---------------------------------------------------------------------------------


def _layer(seed, in_features, out_features):
    """A Dense layer with random weights and a random (nonzero) bias set from a stdlib generator."""
    layer = dense.Dense(in_features, out_features, Rng(seed))
    layer.weight.value = random_matrix(seed + 100, out_features, in_features)
    layer.bias.value = random_matrix(seed + 200, 1, out_features)
    return layer


def _hand_layer():
    """The class docstring's layer: W = [[1, 2]], b = [0.5]."""
    layer = dense.Dense(2, 1, Rng(0))
    layer.weight.value, layer.bias.value = [[1.0, 2.0]], [[0.5]]
    return layer


def _parameter_gradients(inputs, grads, out_features, in_features):
    """Gᵀ·X and the column sums of G, summed exactly: a dense layer's parameter gradients."""
    weight = [
        [math.fsum(g[j] * x[i] for g, x in zip(grads, inputs)) for i in range(in_features)] for j in range(out_features)
    ]
    return weight, [math.fsum(g[j] for g in grads) for j in range(out_features)]


@exercise("building_blocks.dense.Dense.forward")
def test_dense_forward_uses_the_layers_weight_and_bias():
    # The class docstring's example: [1, 2]·[1, 1] + 0.5 = 3.5 and [1, 2]·[0, −1] + 0.5 = −1.5
    outputs, _ = _hand_layer().forward([[1.0, 1.0], [0.0, -1.0]])
    assert outputs == [[3.5], [-1.5]]


@exercise("building_blocks.dense.Dense.forward")
def test_dense_forward_maps_a_batch_of_three_from_four_to_five_features():
    layer, inputs = _layer(1, 4, 5), random_matrix(2, 3, 4)
    outputs, _ = layer.forward(inputs)
    assert [len(row) for row in outputs] == [5, 5, 5]
    expected = affine(inputs, layer.weight.value, layer.bias.value[0])
    assert flat(outputs) == pytest.approx(flat(expected), rel=1e-12, abs=1e-15)


@exercise("building_blocks.dense.Dense.forward")
def test_dense_forward_returns_its_inputs_as_the_tape():
    # Backward needs X for ∂L/∂W = Gᵀ·X, and nothing else from the forward pass.
    inputs = random_matrix(3, 3, 2)
    _, tape = _layer(4, 2, 5).forward(inputs)
    assert tape == inputs


@exercise("building_blocks.dense.Dense.forward")
def test_dense_forward_rejects_a_sample_of_the_wrong_width_naming_it_and_both_widths():
    layer = dense.Dense(2, 3, Rng(0))
    with pytest.raises(ValueError) as error:
        layer.forward([[1.0, 2.0], [1.0, 2.0, 3.0]])
    assert_names(error, 1, 3, 2)  # sample 1, its 3 entries, the layer's 2 inputs


@exercise("building_blocks.dense.Dense.forward")
def test_dense_forward_rejects_an_empty_batch():
    with pytest.raises(ValueError):
        dense.Dense(2, 3, Rng(0)).forward([])


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_returns_the_input_gradient_worked_by_hand():
    # ∂L/∂X = G·W with W = [[1, 2]] and G = [[1], [2]]: the rows 1·[1, 2] and 2·[1, 2]
    assert _hand_layer().backward([[1.0, 1.0], [0.0, -1.0]], [[1.0], [2.0]]) == [[1.0, 2.0], [2.0, 4.0]]


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_adds_the_parameter_gradients_worked_by_hand():
    # X = [[1, 1], [0, −1]] (the tape), G = [[1], [2]]:
    # ∂L/∂W = 1·[1, 1] + 2·[0, −1] = [1, −1]; ∂L/∂b = 1 + 2 = 3
    layer = _hand_layer()
    layer.backward([[1.0, 1.0], [0.0, -1.0]], [[1.0], [2.0]])
    assert (layer.weight.grad, layer.bias.grad) == ([[1.0, -1.0]], [[3.0]])


def _dense_case(what):
    return pytest.param(what, marks=exercise("building_blocks.dense.Dense.backward"), id=what)


@pytest.mark.parametrize("what", [_dense_case("weight"), _dense_case("bias"), _dense_case("input")])
def test_dense_backward_matches_central_differences(what):
    # Batch 3, 4 → 5 features, random weights, bias and inputs; L = Σ G·Y, so ∂L/∂Y = G.
    layer, inputs, grads = _layer(31, 4, 5), random_matrix(32, 3, 4), random_matrix(33, 3, 5)
    weights, bias = [list(row) for row in layer.weight.value], list(layer.bias.value[0])
    _, tape = layer.forward(inputs)
    grad_inputs = layer.backward(tape, grads)
    if what == "weight":
        loss = lambda w: weighted_sum(grads, affine(inputs, rows(w, 4), bias))  # noqa: E731
        check_gradient(loss, flat(weights), flat(layer.weight.grad), what=what)
    elif what == "bias":
        loss = lambda b: weighted_sum(grads, affine(inputs, weights, b))  # noqa: E731
        check_gradient(loss, bias, flat(layer.bias.grad), what=what)
    else:
        loss = lambda x: weighted_sum(grads, affine(rows(x, 4), weights, bias))  # noqa: E731
        check_gradient(loss, flat(inputs), flat(grad_inputs), what=what)


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_of_an_earlier_forward_gives_that_forwards_gradients():
    # The point of the tape: after a second forward on other inputs, the first forward's tape
    # still gives the first forward's gradients, Gᵀ·X₁ and G·W, as if it had been the only one.
    layer, first, second, grads = (
        _layer(51, 4, 5),
        random_matrix(52, 3, 4),
        random_matrix(53, 3, 4),
        random_matrix(54, 3, 5),
    )
    _, first_tape = layer.forward(first)
    layer.forward(second)
    grad_inputs = layer.backward(first_tape, grads)
    expected_weight, expected_bias = _parameter_gradients(first, grads, 5, 4)
    assert flat(layer.weight.grad) == pytest.approx(flat(expected_weight), rel=1e-12, abs=1e-15)
    assert layer.bias.grad[0] == pytest.approx(expected_bias, rel=1e-12, abs=1e-15)
    expected_inputs = [[math.fsum(g[j] * layer.weight.value[j][i] for j in range(5)) for i in range(4)] for g in grads]
    assert flat(grad_inputs) == pytest.approx(flat(expected_inputs), rel=1e-12, abs=1e-15)


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_twice_accumulates_twice_the_parameter_gradients():
    layer, inputs, grads = _layer(41, 4, 5), random_matrix(42, 3, 4), random_matrix(43, 3, 5)
    _, tape = layer.forward(inputs)
    first = layer.backward(tape, grads)
    second = layer.backward(tape, grads)
    assert first == second  # the input gradient is not accumulated: nothing holds it
    # Gᵀ·X and the column sums of G once per call, summed: twice the single gradient.
    expected_weight, expected_bias = _parameter_gradients(inputs, grads, 5, 4)
    assert flat(layer.weight.grad) == pytest.approx([2.0 * g for g in flat(expected_weight)], rel=1e-12, abs=1e-15)
    assert layer.bias.grad[0] == pytest.approx([2.0 * g for g in expected_bias], rel=1e-12, abs=1e-15)


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_without_a_tape_is_an_error():
    with pytest.raises(ValueError):
        dense.Dense(2, 3, Rng(0)).backward(None, [[1.0, 2.0, 3.0]])


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_rejects_the_tape_of_a_wider_layer_naming_both_widths():
    # A tape of 3-wide inputs cannot come from this 2-input layer: its gradient would not fit W.
    with pytest.raises(ValueError) as error:
        dense.Dense(2, 3, Rng(0)).backward([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    assert_names(error, 3, 2)


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_rejects_a_gradient_of_the_wrong_width_naming_both_widths():
    layer = dense.Dense(2, 3, Rng(0))
    with pytest.raises(ValueError) as error:
        layer.backward([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [1.0, 2.0, 3.0]])
    assert_names(error, 2, 3)  # a row of 2 gradients where the layer has 3 outputs


@exercise("building_blocks.dense.Dense.backward")
def test_dense_backward_rejects_a_gradient_for_a_batch_of_another_size_naming_both_sizes():
    layer = dense.Dense(2, 3, Rng(0))
    _, tape = layer.forward([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert_names(error, 2, 3)  # 2 gradient rows for a tape of 3


# --- the layer's constructor (given code) --------------------------------------------------


@pytest.mark.parametrize(
    "arguments, shown",
    [
        pytest.param((2, 3, "lecun"), "'lecun'", id="unknown-init"),
        pytest.param((0, 3, "zeros"), "in=0", id="in-zero"),
        pytest.param((2, 1.5, "zeros"), "out=1.5", id="out-not-an-integer"),
    ],
)
def test_a_dense_layer_refuses_an_unknown_initialiser_or_sizes_below_one_naming_them(arguments, shown):
    in_features, out_features, init = arguments
    with pytest.raises(ValueError, match=re.escape(shown)):
        dense.Dense(in_features, out_features, Rng(0), init=init)


def test_a_tape_of_the_right_shape_passes_its_check():
    dense.require_tape("layer", [[1.0, 2.0], [3.0, 4.0]], 2, 2)
    dense.require_tape("layer", [[], []], 2, 0)  # average pooling's tape: nothing per image


@pytest.mark.parametrize(
    "tape, length, width, message",
    [
        pytest.param([[1.0], [2.0]], 3, None, "expected a tape of length 3, got length 2", id="too-short"),
        pytest.param(None, 1, None, "expected a tape of length 1, got a NoneType", id="no-tape"),
        pytest.param([], 0, None, "expected a tape of length 0, got length 0", id="empty"),
        pytest.param([[1.0, 2.0], [1.0, 2.0, 3.0]], 2, 2, "tape entry 1 has 3 items, expected 2", id="too-wide"),
        pytest.param([[1.0, 2.0], 0.5], 2, 2, "tape entry 1 is a float, expected 2 items", id="not-a-list"),
    ],
)
def test_a_tape_of_another_shape_is_refused_naming_expected_and_got(tape, length, width, message):
    with pytest.raises(ValueError, match=f"^layer: {re.escape(message)}$"):
        dense.require_tape("layer", tape, length, width)


def test_a_dense_layer_starts_with_a_zero_bias_and_named_parameters():
    layer = dense.Dense(2, 3, Rng(0), init="zeros", name="head")
    assert layer.weight.value == [[0.0, 0.0]] * 3 and layer.bias.value == [[0.0, 0.0, 0.0]]
    assert [p.name for p in layer.parameters()] == ["head.weight", "head.bias"]
    assert [p.grad for p in layer.parameters()] == [[[0.0, 0.0]] * 3, [[0.0, 0.0, 0.0]]]
