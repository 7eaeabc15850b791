"""Specs for building_blocks.network: activation layers, and Sequential networks whose forward
pass composes the layers and whose backward pass runs them in reverse, checked end to end
against central differences.

Some specs use tiny layers written here (a scale, a shift, a logger), so that what they say
about Sequential does not depend on any other exercise; the whole-network specs use the
package's Dense layer (dense.py comes before this module). Gradient checks use the trusted
checker's tolerances: h = 1e-6, rtol 1e-5, atol 1e-7.
"""

import math
import random

import pytest

from policywerk.building_blocks import dense, network
from policywerk.primitives.random import Rng
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import affine, weighted_sum, random_matrix, flat, rows

exercise = pytest.mark.exercise

KINDS = ("sigmoid", "tanh", "relu", "elu")

# The activations written out here from their textbook formulas (ELU with α = 1), so the
# gradient specs never lean on the learner's own forward passes.
_FUNCTION = {
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
    "tanh": math.tanh,
    "relu": lambda v: max(0.0, v),
    "elu": lambda v: v if v > 0.0 else math.exp(v) - 1.0,
    None: lambda v: v,
}


def _apply(kind, batch):
    return [[_FUNCTION[kind](v) for v in sample] for sample in batch]


def _away_from_zero(seed, rows, columns, low=-3.0, high=3.0, gap=0.05):
    """Seeded entries that keep clear of the relu kink at 0."""
    generator = random.Random(seed)
    batch = []
    while len(batch) < rows:
        sample = []
        while len(sample) < columns:
            v = generator.uniform(low, high)
            if abs(v) > gap:
                sample.append(v)
        batch.append(sample)
    return batch


class _Scale:
    """y = factor·x; backward multiplies by the factor too. Logs its calls by name."""

    def __init__(self, factor, log=None, name=""):
        self.factor, self.log, self.name = factor, log if log is not None else [], name

    def forward(self, inputs):
        self.log.append(("forward", self.name))
        return [[self.factor * v for v in sample] for sample in inputs]

    def backward(self, grad_outputs):
        self.log.append(("backward", self.name))
        return [[self.factor * g for g in sample] for sample in grad_outputs]

    def parameters(self):
        return []


class _Shift:
    """y = x + shift; backward passes the gradient through unchanged."""

    def __init__(self, shift):
        self.shift = shift

    def forward(self, inputs):
        return [[v + self.shift for v in sample] for sample in inputs]

    def backward(self, grad_outputs):
        return grad_outputs

    def parameters(self):
        return []


def _dense(seed, in_features, out_features):
    """A package Dense layer with random weights and a random (nonzero) bias."""
    layer = dense.Dense(in_features, out_features, Rng(seed))
    layer.weight.value = random_matrix(seed + 100, out_features, in_features)
    layer.bias.value = random_matrix(seed + 200, 1, out_features)
    return layer


def _check_network(net, denses, kinds, inputs, grads):
    """Check net.backward(grads) against central differences of L = Σ grads·net(inputs), for the
    input and for every weight and bias, with the network's function written out here:
    Dense → kinds[0] → Dense → kinds[1]."""
    values = [([list(row) for row in layer.weight.value], list(layer.bias.value[0])) for layer in denses]

    def loss(inputs, values):
        hidden = _apply(kinds[0], affine(inputs, *values[0]))
        return weighted_sum(grads, _apply(kinds[1], affine(hidden, *values[1])))

    net.forward(inputs)
    grad_inputs = net.backward(grads)
    width = len(inputs[0])
    check_gradient(lambda x: loss(rows(x, width), values), flat(inputs), flat(grad_inputs), what="input")
    for index, layer in enumerate(denses):
        weights, bias = values[index]

        def with_weights(w, index=index, bias=bias, columns=len(weights[0])):
            changed = list(values)
            changed[index] = (rows(w, columns), bias)
            return loss(inputs, changed)

        def with_bias(b, index=index, weights=weights):
            changed = list(values)
            changed[index] = (weights, b)
            return loss(inputs, changed)

        check_gradient(with_weights, flat(weights), flat(layer.weight.grad), what=f"layer {index} weight")
        check_gradient(with_bias, bias, flat(layer.bias.grad), what=f"layer {index} bias")


# --- Activation.forward --------------------------------------------------------------------


def _kind_case(name, kind):
    return pytest.param(kind, marks=exercise(f"building_blocks.network.Activation.{name}"), id=kind)


@pytest.mark.parametrize("kind", [_kind_case("forward", kind) for kind in KINDS])
def test_activation_forward_applies_its_function_to_every_entry_of_every_sample(kind):
    inputs = [[-1.5, 0.25, 2.0], [0.5, -0.75, -3.0]]
    assert flat(network.Activation(kind).forward(inputs)) == pytest.approx(flat(_apply(kind, inputs)), rel=1e-12, abs=1e-15)


@exercise("building_blocks.network.Activation.forward")
def test_activation_forward_gives_the_docstring_example():
    # relu clamps −1 to 0 and keeps 2
    assert network.Activation("relu").forward([[-1.0, 2.0]]) == [[0.0, 2.0]]


# --- Activation.backward -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [_kind_case("backward", kind) for kind in KINDS])
def test_activation_backward_matches_central_differences(kind):
    inputs, grads = _away_from_zero(51, 3, 4), random_matrix(52, 3, 4)
    layer = network.Activation(kind)
    layer.forward(inputs)
    analytic = flat(layer.backward(grads))
    check_gradient(lambda x: weighted_sum(grads, _apply(kind, rows(x, 4))), flat(inputs), analytic, what=kind)


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_multiplies_the_gradient_by_the_derivative_at_the_input():
    # relu′ is 0 left of 0 and 1 right of it; σ′(0) = ½·½ = ¼
    relu = network.Activation("relu")
    relu.forward([[-1.0, 2.0]])
    assert relu.backward([[5.0, 5.0]]) == [[0.0, 5.0]]
    sigmoid = network.Activation("sigmoid")
    sigmoid.forward([[0.0, 0.0]])
    assert sigmoid.backward([[4.0, -8.0]]) == [[1.0, -2.0]]


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_uses_the_inputs_of_the_latest_forward():
    layer = network.Activation("relu")
    layer.forward([[3.0, -2.0]])
    layer.forward([[-1.0, 2.0]])
    assert layer.backward([[5.0, 5.0]]) == [[0.0, 5.0]]


@pytest.mark.parametrize("kind", [_kind_case("backward", kind) for kind in KINDS])
def test_activation_backward_inside_a_network_matches_central_differences(kind):
    # Dense(3 → 4) → activation → Dense(4 → 2), batch of 3: input, weight and bias gradients.
    first, second = _dense(61, 3, 4), _dense(62, 4, 2)
    net = network.Sequential([first, network.Activation(kind), second])
    _check_network(net, [first, second], (kind, None), random_matrix(63, 3, 3, -2.0, 2.0), random_matrix(64, 3, 2))


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_before_any_forward_is_an_error_that_says_to_call_forward():
    with pytest.raises(RuntimeError, match="forward") as error:
        network.Activation("tanh").backward([[1.0]])
    assert error.type is not NotImplementedError


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_rejects_a_gradient_for_a_batch_of_another_size_naming_both_sizes():
    layer = network.Activation("tanh")
    layer.forward([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(ValueError, match=r"(?s)\b2\b.*\b3\b"):
        layer.backward([[1.0, 1.0], [1.0, 1.0]])


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_rejects_a_gradient_row_of_the_wrong_width_naming_both_widths():
    layer = network.Activation("tanh")
    layer.forward([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"(?s)sample 1\b.*\b3\b.*\b2\b"):
        layer.backward([[1.0, 1.0], [1.0, 1.0, 1.0]])


# --- Sequential.forward --------------------------------------------------------------------


@exercise("building_blocks.network.Sequential.forward")
def test_sequential_forward_applies_the_layers_in_order():
    # (x + 1)·2 for shift-then-scale, x·2 + 1 for scale-then-shift
    assert network.Sequential([_Shift(1.0), _Scale(2.0)]).forward([[1.0, -3.0]]) == [[4.0, -4.0]]
    assert network.Sequential([_Scale(2.0), _Shift(1.0)]).forward([[1.0, -3.0]]) == [[3.0, -5.0]]


@exercise("building_blocks.network.Sequential.forward")
def test_sequential_forward_of_dense_tanh_dense_sigmoid_is_the_composition():
    first, second = _dense(71, 3, 5), _dense(72, 5, 2)
    net = network.Sequential([first, network.Activation("tanh"), second, network.Activation("sigmoid")])
    inputs = random_matrix(73, 4, 3)
    hidden = _apply("tanh", affine(inputs, first.weight.value, first.bias.value[0]))
    expected = _apply("sigmoid", affine(hidden, second.weight.value, second.bias.value[0]))
    assert flat(net.forward(inputs)) == pytest.approx(flat(expected), rel=1e-12, abs=1e-15)


# --- Sequential.backward -------------------------------------------------------------------


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_runs_the_layers_in_reverse_order():
    log = []
    net = network.Sequential([_Scale(2.0, log, "a"), _Shift(5.0), _Scale(-3.0, log, "c")])
    net.forward([[1.0]])
    log.clear()
    # ∂L/∂x = 2·1·(−3)·g: each layer multiplies in its own factor
    assert net.backward([[0.5]]) == [[-3.0]]
    assert log == [("backward", "c"), ("backward", "a")]


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_of_dense_tanh_dense_sigmoid_matches_central_differences():
    # The whole network end to end, batch of 4, 3 → 5 → 2: every gradient at once.
    first, second = _dense(81, 3, 5), _dense(82, 5, 2)
    net = network.Sequential([first, network.Activation("tanh"), second, network.Activation("sigmoid")])
    _check_network(net, [first, second], ("tanh", "sigmoid"), random_matrix(83, 4, 3, -2.0, 2.0), random_matrix(84, 4, 2))


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_twice_accumulates_twice_the_parameter_gradients():
    first, second = _dense(91, 3, 4), _dense(92, 4, 2)
    net = network.Sequential([first, network.Activation("tanh"), second])
    inputs, grads = random_matrix(93, 2, 3), random_matrix(94, 2, 2)
    net.forward(inputs)
    net.backward(grads)
    once = [flat(p.grad) for p in (first.weight, first.bias, second.weight, second.bias)]
    net.backward(grads)
    twice = [flat(p.grad) for p in (first.weight, first.bias, second.weight, second.bias)]
    for single, double in zip(once, twice):
        assert any(g != 0.0 for g in single)
        assert double == pytest.approx([2.0 * g for g in single], rel=1e-12, abs=1e-15)


# --- Sequential.parameters -----------------------------------------------------------------


@exercise("building_blocks.network.Sequential.parameters")
def test_sequential_parameters_lists_every_layers_parameters_in_layer_order():
    first, second = dense.Dense(3, 4, Rng(0)), dense.Dense(4, 2, Rng(1))
    net = network.Sequential([first, network.Activation("tanh"), second, network.Activation("sigmoid")])
    parameters = net.parameters()
    assert len(parameters) == 4
    # The very objects the layers hold, so an optimizer's steps reach the layers.
    assert all(p is q for p, q in zip(parameters, [first.weight, first.bias, second.weight, second.bias]))


@exercise("building_blocks.network.Sequential.parameters")
def test_sequential_parameters_of_layers_without_any_is_an_empty_list():
    assert network.Sequential([network.Activation("relu"), _Scale(2.0)]).parameters() == []


# --- Sequential.zero_grad ------------------------------------------------------------------


@exercise("building_blocks.network.Sequential.zero_grad")
def test_sequential_zero_grad_sets_every_gradient_to_zero_and_keeps_the_values():
    first, second = dense.Dense(3, 4, Rng(0)), dense.Dense(4, 2, Rng(1))
    net = network.Sequential([first, network.Activation("tanh"), second])
    layers = (first.weight, first.bias, second.weight, second.bias)
    for seed, parameter in enumerate(layers):
        parameter.grad = random_matrix(seed, len(parameter.value), len(parameter.value[0]))
    values = [[list(row) for row in parameter.value] for parameter in layers]
    net.zero_grad()
    assert [parameter.grad for parameter in layers] == [[[0.0] * len(row) for row in value] for value in values]
    assert [parameter.value for parameter in layers] == values


@exercise("building_blocks.network.Sequential.zero_grad")
def test_sequential_zero_grad_between_two_backward_passes_gives_a_fresh_gradient():
    first = _dense(95, 3, 2)
    net = network.Sequential([first, network.Activation("tanh")])
    inputs, grads = random_matrix(96, 2, 3), random_matrix(97, 2, 2)
    net.forward(inputs)
    net.backward(grads)
    once = [list(row) for row in first.weight.grad]
    net.zero_grad()
    net.backward(grads)
    assert first.weight.grad == once


# --- Parameter, and the constructors' checks (given code) ----------------------------------


def test_a_parameter_starts_with_a_zero_gradient_of_its_shape_and_counts_its_numbers():
    parameter = network.Parameter.of([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "w")
    assert parameter.grad == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert (parameter.size, parameter.name) == (6, "w")


def test_an_activation_of_an_unknown_kind_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'swish'"):
        network.Activation("swish")


def test_a_sequential_network_needs_at_least_one_layer():
    with pytest.raises(ValueError, match="at least one layer"):
        network.Sequential([])
