"""Specs for building_blocks.grad: one backpropagation step over a batch (the mean loss and its
gradient), and the numerical gradient check a learner uses on their own layers.

The specs run a small linear layer written here, whose forward and backward passes are
trusted and follow the tape convention (forward returns its inputs as the tape, backward reads
only the tape it is given), so that what they say about `grad` does not depend on any other
exercise. Gradient checks use the trusted checker's tolerances: h = 1e-6, rtol 1e-5, atol 1e-7.
"""

import math

import pytest

from policywerk.building_blocks import grad, network
from policywerk.primitives import losses
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import affine, assert_names, flat, random_matrix, rows

exercise = pytest.mark.exercise


class _Linear:
    """Y = X·Wᵀ + b with a trusted backward pass that accumulates, as every layer's must. Its
    tape is its inputs; it counts the forward passes."""

    def __init__(self, weights, bias):
        self.weight = network.Parameter.of([list(row) for row in weights], "weight")
        self.bias = network.Parameter.of([list(bias)], "bias")
        self.forwards = 0

    def forward(self, inputs):
        self.forwards += 1
        return affine(inputs, self.weight.value, self.bias.value[0]), inputs

    def backward(self, tape, grad_outputs):
        rows, columns = len(self.weight.value), len(self.weight.value[0])
        for j in range(rows):
            for i in range(columns):
                self.weight.grad[j][i] += math.fsum(g[j] * x[i] for g, x in zip(grad_outputs, tape))
            self.bias.grad[0][j] += math.fsum(g[j] for g in grad_outputs)
        return [
            [math.fsum(g[j] * self.weight.value[j][i] for j in range(rows)) for i in range(columns)]
            for g in grad_outputs
        ]

    def parameters(self):
        return [self.weight, self.bias]


def _mean_mse(inputs, targets, weights, bias):
    """(1/B)·Σₙ mse(predictionₙ, targetₙ), written out here."""
    predictions = affine(inputs, weights, bias)
    per_sample = [math.fsum((p - t) ** 2 for p, t in zip(ps, ts)) / len(ts) for ps, ts in zip(predictions, targets)]
    return math.fsum(per_sample) / len(per_sample)


# --- backpropagate -------------------------------------------------------------------------


@exercise("building_blocks.grad.backpropagate")
def test_backpropagate_returns_the_mean_loss_over_the_batch():
    # predictions [1, 2]·[1, 1] = 3 and [1, 2]·[0, 1] = 2 against targets 0: squared errors 9
    # and 4, mean 6.5
    layer = _Linear([[1.0, 2.0]], [0.0])
    loss = grad.backpropagate(layer, [[1.0, 1.0], [0.0, 1.0]], [[0.0], [0.0]], losses.mse, losses.mse_gradient)
    assert loss == 6.5


@exercise("building_blocks.grad.backpropagate")
def test_backpropagate_seeds_the_backward_pass_with_the_gradient_of_the_batch_mean():
    # ∂L/∂prediction for one sample is 2·(p − t)/n; the mean over B = 2 samples halves it:
    # (3 − 0) and (2 − 0) give seeds 3 and 2, so ∂L/∂W = 3·[1, 1] + 2·[0, 1] and ∂L/∂b = 3 + 2.
    layer = _Linear([[1.0, 2.0]], [0.0])
    grad.backpropagate(layer, [[1.0, 1.0], [0.0, 1.0]], [[0.0], [0.0]], losses.mse, losses.mse_gradient)
    assert (layer.weight.grad, layer.bias.grad) == ([[3.0, 5.0]], [[5.0]])


def _parameter_case(what):
    return pytest.param(what, marks=exercise("building_blocks.grad.backpropagate"), id=what)


@pytest.mark.parametrize("what", [_parameter_case("weight"), _parameter_case("bias")])
def test_backpropagate_gives_the_gradient_of_the_mean_loss(what):
    # Batch 4, 3 → 2, random everything; the mean mse as a function of the weights or the bias.
    weights, bias = random_matrix(1, 2, 3), random_matrix(2, 1, 2)[0]
    inputs, targets = random_matrix(3, 4, 3, -2.0, 2.0), random_matrix(4, 4, 2)
    layer = _Linear(weights, bias)
    returned = grad.backpropagate(layer, inputs, targets, losses.mse, losses.mse_gradient)
    assert returned == pytest.approx(_mean_mse(inputs, targets, weights, bias), rel=1e-12)
    if what == "weight":
        loss = lambda w: _mean_mse(inputs, targets, rows(w, 3), bias)  # noqa: E731
        check_gradient(loss, flat(weights), flat(layer.weight.grad), what=what)
    else:
        check_gradient(lambda b: _mean_mse(inputs, targets, weights, b), bias, flat(layer.bias.grad), what=what)


@exercise("building_blocks.grad.backpropagate")
def test_backpropagate_hands_the_loss_each_prediction_first_and_its_target_second():
    # loss(predictionₙ, targetₙ), step 2 of the module docstring; cross-entropy, unlike the mse,
    # tells the two apart. The identity layer gives logits [ln 3, 0] (softmax [3/4, 1/4]) and
    # [0, 0] (softmax [1/2, 1/2]): against targets [0, 1] and [1, 0] that is −log ¼ and −log ½,
    # mean (log 4 + log 2)/2 = (3/2)·log 2. The seeds (softmax − t)/2 are [3/8, −3/8] and
    # [−1/4, 1/4], so ∂L/∂b = [1/8, −1/8].
    layer = _Linear([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    inputs, targets = [[math.log(3.0), 0.0], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]
    loss = grad.backpropagate(layer, inputs, targets, losses.cross_entropy, losses.cross_entropy_gradient)
    assert loss == pytest.approx(1.5 * math.log(2.0), rel=1e-12)
    assert layer.bias.grad[0] == pytest.approx([0.125, -0.125], rel=1e-12)


@exercise("building_blocks.grad.backpropagate")
def test_backpropagate_runs_the_forward_pass_once():
    # One forward gives both the predictions for the loss and the tape for the backward pass.
    layer = _Linear([[1.0, 2.0]], [0.0])
    grad.backpropagate(layer, [[1.0, 1.0], [0.0, 1.0]], [[0.0], [0.0]], losses.mse, losses.mse_gradient)
    assert layer.forwards == 1


@exercise("building_blocks.grad.backpropagate")
def test_backpropagate_adds_to_the_gradients_already_held():
    layer = _Linear([[1.0, 2.0]], [0.0])
    layer.weight.grad, layer.bias.grad = [[10.0, 20.0]], [[30.0]]
    grad.backpropagate(layer, [[1.0, 1.0], [0.0, 1.0]], [[0.0], [0.0]], losses.mse, losses.mse_gradient)
    # the gradient of the worked example, [[3, 5]] and [[5]], on top of what was there
    assert (layer.weight.grad, layer.bias.grad) == ([[13.0, 25.0]], [[35.0]])


@exercise("building_blocks.grad.backpropagate")
def test_backpropagate_rejects_inputs_and_targets_of_different_lengths_naming_both():
    layer = _Linear([[1.0, 2.0]], [0.0])
    with pytest.raises(ValueError) as error:
        grad.backpropagate(layer, [[1.0, 1.0]] * 3, [[0.0]] * 2, losses.mse, losses.mse_gradient)
    assert_names(error, 3, 2)


# --- gradient_check ------------------------------------------------------------------------


def _sum_of_squares(parameters):
    """L = Σ w² over every number, whose gradient is 2w."""
    return lambda: math.fsum(w * w for parameter in parameters for row in parameter.value for w in row)


@exercise("building_blocks.grad.gradient_check")
def test_gradient_check_gives_the_largest_relative_error_over_every_number():
    # L = Σ w²: the true gradients are 2w = 6, 0.2 and −1. The grads held are 9 (off by 3, over
    # max(1, 9, 6) = 9: 1/3), 0.2 (right: 0) and −1.25 (off by ¼, over 1.25: 1/5). The worst is 1/3.
    first, second = network.Parameter.of([[3.0, 0.1]]), network.Parameter.of([[-0.5]])
    first.grad, second.grad = [[9.0, 0.2]], [[-1.25]]
    error = grad.gradient_check(_sum_of_squares([first, second]), [first, second])
    assert error == pytest.approx(1.0 / 3.0, abs=1e-7)


@exercise("building_blocks.grad.gradient_check")
def test_gradient_check_measures_small_gradients_by_their_absolute_error():
    # L = w² at w = 0.1: the true gradient is 0.2; grad 0.5 is off by 0.3, over max(1, 0.5, 0.2) = 1
    parameter = network.Parameter.of([[0.1]])
    parameter.grad = [[0.5]]
    assert grad.gradient_check(_sum_of_squares([parameter]), [parameter]) == pytest.approx(0.3, abs=1e-7)


@exercise("building_blocks.grad.gradient_check")
def test_gradient_check_is_tiny_for_a_correct_layer_and_large_once_a_gradient_is_doubled():
    weights, bias = random_matrix(11, 2, 3), random_matrix(12, 1, 2)[0]
    inputs, targets = random_matrix(13, 4, 3, -2.0, 2.0), random_matrix(14, 4, 2)
    layer = _Linear(weights, bias)
    predictions, tape = layer.forward(inputs)
    seed = [[2.0 * (p - t) / (2 * 4) for p, t in zip(ps, ts)] for ps, ts in zip(predictions, targets)]
    layer.backward(tape, seed)  # the trusted gradient of the mean mse

    def loss():
        return _mean_mse(inputs, targets, layer.weight.value, layer.bias.value[0])

    assert grad.gradient_check(loss, layer.parameters()) < 1e-6
    layer.weight.grad[1][2] *= 2.0
    assert grad.gradient_check(loss, layer.parameters()) > 0.05


@exercise("building_blocks.grad.gradient_check")
def test_gradient_check_nudges_each_number_both_ways_and_restores_it():
    # With h = ¼ every nudge is exact in binary: 1 ± ¼, −2 ± ¼, ½ ± ¼.
    first, second = network.Parameter.of([[1.0, -2.0]]), network.Parameter.of([[0.5]])
    first.grad, second.grad = [[2.0, -4.0]], [[1.0]]
    seen = []

    def loss():
        seen.append(tuple(first.value[0] + second.value[0]))
        return math.fsum(w * w for w in first.value[0] + second.value[0])

    error = grad.gradient_check(loss, [first, second], h=0.25)
    assert error == pytest.approx(0.0, abs=1e-12)  # central differences of a quadratic are exact
    nudged = {
        (1.25, -2.0, 0.5),
        (0.75, -2.0, 0.5),
        (1.0, -1.75, 0.5),
        (1.0, -2.25, 0.5),
        (1.0, -2.0, 0.75),
        (1.0, -2.0, 0.25),
    }
    assert nudged <= set(seen)
    assert (first.value, second.value) == ([[1.0, -2.0]], [[0.5]])
    assert (first.grad, second.grad) == ([[2.0, -4.0]], [[1.0]])
