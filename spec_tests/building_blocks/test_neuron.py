"""Specs for building_blocks.neuron: one sigmoid neuron, its forward pass and the chain rule
back through it, checked by hand and against central differences (the trusted checker's
tolerances: h = 1e-6, rtol 1e-5, atol 1e-7)."""

import math
import random

import pytest

from policywerk.building_blocks import neuron
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# The neuron's function written out here from its formula, so that the gradient specs check
# the backward pass against the truth and never lean on the learner's own forward pass.


def _output(weights, bias, inputs):
    pre_activation = math.fsum(w * x for w, x in zip(weights, inputs)) + bias
    return 1.0 / (1.0 + math.exp(-pre_activation))


def _uniform(seed, n, low=-2.0, high=2.0):
    generator = random.Random(seed)
    return [generator.uniform(low, high) for _ in range(n)]


# --- forward -------------------------------------------------------------------------------


@exercise("building_blocks.neuron.Neuron.forward")
def test_forward_squashes_the_weighted_sum_plus_bias_with_the_sigmoid():
    # z = 2·0.5 − 1 = 0 and σ(0) = 1/2; z = ln 3·1 + 1·2 − 2 = ln 3 and σ(ln 3) = 1/(1 + 1/3) = 3/4
    assert neuron.Neuron(weights=[2.0], bias=-1.0).forward([0.5]) == 0.5
    unit = neuron.Neuron(weights=[math.log(3.0), 1.0], bias=-2.0)
    assert unit.forward([1.0, 2.0]) == pytest.approx(0.75, rel=1e-12)


@exercise("building_blocks.neuron.Neuron.forward")
def test_forward_matches_the_formula_on_random_weights_and_inputs():
    weights, inputs = _uniform(1, 5), _uniform(2, 5)
    unit = neuron.Neuron(weights=weights, bias=0.3)
    assert unit.forward(inputs) == pytest.approx(_output(weights, 0.3, inputs), rel=1e-12)


@exercise("building_blocks.neuron.Neuron.forward")
def test_forward_rejects_inputs_of_another_length_naming_both_lengths():
    unit = neuron.Neuron(weights=[1.0, -1.0], bias=0.0)
    with pytest.raises(ValueError) as error:
        unit.forward([1.0, 2.0, 3.0])
    assert_names(error, 2, 3)


# --- backward ------------------------------------------------------------------------------


@exercise("building_blocks.neuron.Neuron.backward")
def test_backward_gives_the_worked_example_of_the_docstring():
    # y = σ(0) = 1/2, so ∂L/∂z = 1·½·½ = ¼; ∂L/∂w = ¼·0.5, ∂L/∂b = ¼, ∂L/∂x = ¼·2
    unit = neuron.Neuron(weights=[2.0], bias=-1.0)
    unit.forward([0.5])
    assert unit.backward(1.0) == neuron.NeuronGradients(weights=[0.125], bias=0.25, inputs=[0.5])


@exercise("building_blocks.neuron.Neuron.backward")
def test_backward_scales_everything_by_the_incoming_gradient():
    # z = 0.5 − 0.5 = 0, y = ½; with g = 2: ∂L/∂z = 2·¼ = ½, ∂L/∂w = ½·x, ∂L/∂x = ½·w
    unit = neuron.Neuron(weights=[1.0, -1.0], bias=0.0)
    unit.forward([0.5, 0.5])
    assert unit.backward(2.0) == neuron.NeuronGradients(weights=[0.25, 0.25], bias=0.5, inputs=[0.5, -0.5])


def _gradient_case(what):
    return pytest.param(what, marks=exercise("building_blocks.neuron.Neuron.backward"), id=what)


@pytest.mark.parametrize("what", [_gradient_case("weights"), _gradient_case("bias"), _gradient_case("inputs")])
def test_backward_matches_central_differences(what):
    weights, bias, inputs, grad_output = _uniform(3, 4), -0.4, _uniform(4, 4), 1.7
    unit = neuron.Neuron(weights=list(weights), bias=bias)
    unit.forward(list(inputs))
    gradients = unit.backward(grad_output)
    # L = g·y as a function of one group of numbers, the others held fixed.
    if what == "weights":
        check_gradient(lambda w: grad_output * _output(w, bias, inputs), weights, gradients.weights, what=what)
    elif what == "bias":
        check_gradient(lambda b: grad_output * _output(weights, b[0], inputs), [bias], [gradients.bias], what=what)
    else:
        check_gradient(lambda x: grad_output * _output(weights, bias, x), inputs, gradients.inputs, what=what)


@exercise("building_blocks.neuron.Neuron.backward")
def test_backward_uses_what_the_latest_forward_remembered():
    unit = neuron.Neuron(weights=[1.0, -1.0], bias=0.0)
    unit.forward([3.0, -2.0])
    unit.forward([0.5, 0.5])  # z = 0, y = ½: the gradient of the earlier input is gone
    assert unit.backward(2.0).weights == [0.25, 0.25]


@exercise("building_blocks.neuron.Neuron.backward")
def test_backward_before_any_forward_is_a_runtime_error():
    with pytest.raises(RuntimeError) as error:
        neuron.Neuron(weights=[1.0], bias=0.0).backward(1.0)
    assert error.type is not NotImplementedError  # the stub's error is a RuntimeError too
