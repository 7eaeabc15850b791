"""Specs for building_blocks.network: activation layers, Sequential networks whose forward pass
composes the layers and whose backward pass runs them in reverse, each layer with its own
tape, checked end to end against central differences; and zero_grad.

The tape convention: forward returns (outputs, tape) and backward(tape, grad_outputs) uses only
that tape, so it can differentiate any earlier forward. Some specs use tiny layers written here
(a scale, a shift, a recorder), so that what they say about Sequential does not depend on any
other exercise; the whole-network specs use the package's Dense layer (dense.py comes before
this module). Gradient checks use the trusted checker's tolerances: h = 1e-6, rtol 1e-5, atol 1e-7.
"""

import math
import random

import pytest

from policywerk.building_blocks import dense, network
from policywerk.primitives.random import Rng
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import affine, assert_names, flat, random_matrix, rows, weighted_sum

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
    """y = factor·x; backward multiplies by the factor too. Its tape is its name; it logs its
    calls by name, a backward call with the tape it was given."""

    def __init__(self, factor, log=None, name=""):
        self.factor, self.log, self.name = factor, log if log is not None else [], name

    def forward(self, inputs):
        self.log.append(("forward", self.name))
        return [[self.factor * v for v in sample] for sample in inputs], self.name

    def backward(self, tape, grad_outputs):
        self.log.append(("backward", self.name, tape))
        return [[self.factor * g for g in sample] for sample in grad_outputs]

    def parameters(self):
        return []


class _Shift:
    """y = x + shift; backward passes the gradient through unchanged. Its tape is the shift."""

    def __init__(self, shift):
        self.shift = shift

    def forward(self, inputs):
        return [[v + self.shift for v in sample] for sample in inputs], self.shift

    def backward(self, tape, grad_outputs):
        return grad_outputs

    def parameters(self):
        return []


class _Chain:
    """Sequential written out here (forward in order, backward in reverse, one tape per layer),
    so the Activation specs do not wait for the learner's Sequential, which comes after them."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        tape = []
        for layer in self.layers:
            inputs, layer_tape = layer.forward(inputs)
            tape.append(layer_tape)
        return inputs, tape

    def backward(self, tape, grad_outputs):
        for layer, layer_tape in zip(reversed(self.layers), reversed(tape)):
            grad_outputs = layer.backward(layer_tape, grad_outputs)
        return grad_outputs


def _dense(seed, in_features, out_features):
    """A package Dense layer with random weights and a random (nonzero) bias."""
    layer = dense.Dense(in_features, out_features, Rng(seed))
    layer.weight.value = random_matrix(seed + 100, out_features, in_features)
    layer.bias.value = random_matrix(seed + 200, 1, out_features)
    return layer


def _check_network(net, denses, kinds, inputs, grads, later_inputs=None):
    """Check net.backward(tape, grads) against central differences of L = Σ grads·net(inputs),
    for the input and for every weight and bias, with the network's function written out here:
    Dense → kinds[0] → Dense → kinds[1]. With later_inputs, another forward runs between the
    forward of `inputs` and the backward of its tape."""
    values = [([list(row) for row in layer.weight.value], list(layer.bias.value[0])) for layer in denses]

    def loss(inputs, values):
        hidden = _apply(kinds[0], affine(inputs, *values[0]))
        return weighted_sum(grads, _apply(kinds[1], affine(hidden, *values[1])))

    _, tape = net.forward(inputs)
    if later_inputs is not None:
        net.forward(later_inputs)
    grad_inputs = net.backward(tape, grads)
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
    outputs, _ = network.Activation(kind).forward(inputs)
    assert flat(outputs) == pytest.approx(flat(_apply(kind, inputs)), rel=1e-12, abs=1e-15)


@exercise("building_blocks.network.Activation.forward")
def test_activation_forward_gives_the_docstring_example():
    # relu clamps −1 to 0 and keeps 2
    outputs, _ = network.Activation("relu").forward([[-1.0, 2.0]])
    assert outputs == [[0.0, 2.0]]


@exercise("building_blocks.network.Activation.forward")
def test_activation_forward_returns_its_inputs_as_the_tape():
    # Backward needs f′ at the inputs, so the inputs are the tape.
    inputs = [[-1.5, 0.25, 2.0], [0.5, -0.75, -3.0]]
    _, tape = network.Activation("tanh").forward(inputs)
    assert tape == inputs


# --- Activation.backward -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [_kind_case("backward", kind) for kind in KINDS])
def test_activation_backward_matches_central_differences(kind):
    inputs, grads = _away_from_zero(51, 3, 4), random_matrix(52, 3, 4)
    layer = network.Activation(kind)
    _, tape = layer.forward(inputs)
    analytic = flat(layer.backward(tape, grads))
    check_gradient(lambda x: weighted_sum(grads, _apply(kind, rows(x, 4))), flat(inputs), analytic, what=kind)


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_multiplies_the_gradient_by_the_derivative_at_the_inputs():
    # relu′ is 0 left of 0 and 1 right of it; σ′(0) = ½·½ = ¼. The tape is the inputs.
    assert network.Activation("relu").backward([[-1.0, 2.0]], [[5.0, 5.0]]) == [[0.0, 5.0]]
    assert network.Activation("sigmoid").backward([[0.0, 0.0]], [[4.0, -8.0]]) == [[1.0, -2.0]]


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_of_an_earlier_forward_uses_that_forwards_inputs():
    # relu′ at the first forward's [3, −2] is [1, 0]; at the later forward's [−1, 2] it is [0, 1].
    layer = network.Activation("relu")
    _, first_tape = layer.forward([[3.0, -2.0]])
    layer.forward([[-1.0, 2.0]])
    assert layer.backward(first_tape, [[5.0, 5.0]]) == [[5.0, 0.0]]


@pytest.mark.parametrize("kind", [_kind_case("backward", kind) for kind in KINDS])
def test_activation_backward_inside_a_network_matches_central_differences(kind):
    # Dense(3 → 4) → activation → Dense(4 → 2), batch of 3: input, weight and bias gradients.
    first, second = _dense(61, 3, 4), _dense(62, 4, 2)
    net = _Chain([first, network.Activation(kind), second])
    _check_network(net, [first, second], (kind, None), random_matrix(63, 3, 3, -2.0, 2.0), random_matrix(64, 3, 2))


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_without_a_tape_is_an_error():
    with pytest.raises(ValueError):
        network.Activation("tanh").backward(None, [[1.0]])


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_rejects_a_gradient_for_a_batch_of_another_size_naming_both_sizes():
    layer = network.Activation("tanh")
    _, tape = layer.forward([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 1.0], [1.0, 1.0]])
    assert_names(error, 2, 3)  # 2 gradient rows for a tape of 3


@exercise("building_blocks.network.Activation.backward")
def test_activation_backward_rejects_a_gradient_row_of_the_wrong_width_naming_both_widths():
    layer = network.Activation("tanh")
    _, tape = layer.forward([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 1.0], [1.0, 1.0, 1.0]])
    assert_names(error, 3, 2)  # a row of 3 gradients for inputs of 2


# --- Sequential.forward --------------------------------------------------------------------


@exercise("building_blocks.network.Sequential.forward")
def test_sequential_forward_applies_the_layers_in_order():
    # (x + 1)·2 for shift-then-scale, x·2 + 1 for scale-then-shift
    assert network.Sequential([_Shift(1.0), _Scale(2.0)]).forward([[1.0, -3.0]])[0] == [[4.0, -4.0]]
    assert network.Sequential([_Scale(2.0), _Shift(1.0)]).forward([[1.0, -3.0]])[0] == [[3.0, -5.0]]


@exercise("building_blocks.network.Sequential.forward")
def test_sequential_forward_returns_the_tapes_of_its_layers_in_layer_order():
    # Each tiny layer's tape is its name or its shift: the network's tape lists them in order.
    net = network.Sequential([_Scale(2.0, name="a"), _Shift(5.0), _Scale(-3.0, name="c")])
    _, tape = net.forward([[1.0]])
    assert tape == ["a", 5.0, "c"]


@exercise("building_blocks.network.Sequential.forward")
def test_sequential_forward_of_dense_tanh_dense_sigmoid_is_the_composition():
    first, second = _dense(71, 3, 5), _dense(72, 5, 2)
    net = network.Sequential([first, network.Activation("tanh"), second, network.Activation("sigmoid")])
    inputs = random_matrix(73, 4, 3)
    hidden = _apply("tanh", affine(inputs, first.weight.value, first.bias.value[0]))
    expected = _apply("sigmoid", affine(hidden, second.weight.value, second.bias.value[0]))
    outputs, _ = net.forward(inputs)
    assert flat(outputs) == pytest.approx(flat(expected), rel=1e-12, abs=1e-15)


# --- Sequential.backward -------------------------------------------------------------------


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_chains_the_layers_gradients():
    net = network.Sequential([_Scale(2.0), _Shift(5.0), _Scale(-3.0)])
    _, tape = net.forward([[1.0]])
    # ∂L/∂x = 2·1·(−3)·g: each layer multiplies in its own factor
    assert net.backward(tape, [[0.5]]) == [[-3.0]]


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_runs_the_layers_in_reverse_order():
    log = []
    net = network.Sequential([_Scale(2.0, log, "a"), _Shift(5.0), _Scale(-3.0, log, "c")])
    _, tape = net.forward([[1.0]])
    log.clear()
    net.backward(tape, [[0.5]])
    assert [name for _, name, _ in log] == ["c", "a"]


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_hands_each_layer_its_entry_of_the_tape():
    # A tape made by hand, ["x", 5.0, "z"]: the last layer gets "z", the first gets "x".
    log = []
    net = network.Sequential([_Scale(2.0, log, "a"), _Shift(5.0), _Scale(-3.0, log, "c")])
    net.backward(["x", 5.0, "z"], [[0.5]])
    assert sorted((name, tape) for _, name, tape in log) == [("a", "x"), ("c", "z")]


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_of_dense_tanh_dense_sigmoid_matches_central_differences():
    # The whole network end to end, batch of 4, 3 → 5 → 2: every gradient at once.
    first, second = _dense(81, 3, 5), _dense(82, 5, 2)
    net = network.Sequential([first, network.Activation("tanh"), second, network.Activation("sigmoid")])
    _check_network(
        net, [first, second], ("tanh", "sigmoid"), random_matrix(83, 4, 3, -2.0, 2.0), random_matrix(84, 4, 2)
    )


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_of_an_earlier_forward_gives_that_forwards_gradients():
    # The point of the tape: forward batch 1, forward batch 2, then backward with batch 1's
    # tape gives the gradients of the loss at batch 1, checked against central differences.
    first, second = _dense(85, 3, 5), _dense(86, 5, 2)
    net = network.Sequential([first, network.Activation("tanh"), second, network.Activation("sigmoid")])
    inputs, later = random_matrix(87, 4, 3, -2.0, 2.0), random_matrix(88, 4, 3, -2.0, 2.0)
    _check_network(net, [first, second], ("tanh", "sigmoid"), inputs, random_matrix(89, 4, 2), later_inputs=later)


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_twice_accumulates_twice_the_parameter_gradients():
    first, second = _dense(91, 3, 4), _dense(92, 4, 2)
    net = network.Sequential([first, network.Activation("tanh"), second])
    inputs, grads = random_matrix(93, 2, 3), random_matrix(94, 2, 2)
    _, tape = net.forward(inputs)
    net.backward(tape, grads)
    once = [flat(p.grad) for p in (first.weight, first.bias, second.weight, second.bias)]
    net.backward(tape, grads)
    twice = [flat(p.grad) for p in (first.weight, first.bias, second.weight, second.bias)]
    for single, double in zip(once, twice):
        assert any(g != 0.0 for g in single)
        assert double == pytest.approx([2.0 * g for g in single], rel=1e-12, abs=1e-15)


@exercise("building_blocks.network.Sequential.backward")
def test_sequential_backward_rejects_a_tape_without_one_entry_per_layer_naming_both_counts():
    net = network.Sequential([_Scale(2.0), _Shift(5.0), _Scale(-3.0)])
    with pytest.raises(ValueError) as error:
        net.backward(["a", 5.0], [[0.5]])
    assert_names(error, 3, 2)  # 3 layers, 2 tape entries


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


# --- zero_grad -----------------------------------------------------------------------------


@exercise("building_blocks.network.zero_grad")
def test_zero_grad_sets_every_gradient_to_zeros_of_its_shape_and_keeps_the_values():
    shapes = [(4, 3), (1, 4), (2, 4)]  # a weight, a bias, another weight
    parameters = [network.Parameter.of(random_matrix(seed, *shape)) for seed, shape in enumerate(shapes)]
    for seed, parameter in enumerate(parameters):
        parameter.grad = random_matrix(10 + seed, len(parameter.value), len(parameter.value[0]))
    values = [[list(row) for row in parameter.value] for parameter in parameters]
    network.zero_grad(parameters)
    assert [parameter.grad for parameter in parameters] == [[[0.0] * 3] * 4, [[0.0] * 4], [[0.0] * 4] * 2]
    assert [parameter.value for parameter in parameters] == values


@exercise("building_blocks.network.zero_grad")
def test_zero_grad_between_two_backward_passes_gives_a_fresh_gradient():
    # A package Dense layer alone (dense.py comes first), so only zero_grad is under test here.
    layer = _dense(95, 3, 2)
    inputs, grads = random_matrix(96, 2, 3), random_matrix(97, 2, 2)
    _, tape = layer.forward(inputs)
    layer.backward(tape, grads)
    once = ([list(row) for row in layer.weight.grad], [list(row) for row in layer.bias.grad])
    network.zero_grad(layer.parameters())
    layer.backward(tape, grads)
    assert (layer.weight.grad, layer.bias.grad) == once


# --- Parameter, and the constructors' checks (given code) ----------------------------------


def test_the_parameter_and_the_checks_of_dense_are_the_ones_network_offers():
    # They live in dense.py and are imported here, so either import path gives the same objects.
    assert (network.Parameter, network.require_batch) == (dense.Parameter, dense.require_batch)


def test_a_parameter_starts_with_a_zero_gradient_of_its_shape_and_counts_its_numbers():
    parameter = network.Parameter.of([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "w")
    assert parameter.grad == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert (parameter.size, parameter.name) == (6, "w")


def test_an_activation_of_an_unknown_kind_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'swish'"):
        network.Activation("swish")


def test_a_sequential_network_needs_at_least_one_layer():
    with pytest.raises(ValueError, match="layer"):
        network.Sequential([])


def test_a_one_hot_range_inside_the_inputs_or_none_is_accepted():
    network.require_one_hot_range("layer", (0, 4), 4)
    network.require_one_hot_range("layer", None, 4)


@pytest.mark.parametrize("bad", [(3, 3), (-1, 2), (0, 5)], ids=["empty", "negative-start", "past-the-end"])
def test_a_one_hot_range_outside_the_inputs_is_refused_naming_it(bad):
    with pytest.raises(ValueError) as error:
        network.require_one_hot_range("layer", bad, 4)
    assert_names(error, "one_hot", repr(bad))


# --- MLP: the taped dense network ----------------------------------------------------------------


def hand_mlp(activation="tanh", activate_last=False):
    """A 2 → 2 → 1 MLP with every weight set by hand."""
    mlp = network.MLP([2, 2, 1], Rng(0), activation=activation, activate_last=activate_last)
    mlp.weights[0].value, mlp.biases[0].value = [[1.0, -1.0], [0.5, 2.0]], [[0.0, -0.5]]
    mlp.weights[1].value, mlp.biases[1].value = [[2.0, -3.0]], [[0.25]]
    return mlp


def random_mlp(sizes, activation, seed, **options):
    generator = random.Random(seed)
    mlp = network.MLP(sizes, Rng(seed), activation=activation, **options)
    for parameter in mlp.parameters():
        parameter.value = [[generator.uniform(-1.0, 1.0) for _ in row] for row in parameter.value]
    return mlp, generator


@exercise("building_blocks.network.MLP.forward")
def test_mlp_forward_is_an_affine_map_an_activation_and_an_affine_map():
    # x = (1, 2): W₁x + b₁ = (1 − 2, 0.5 + 4 − 0.5) = (−1, 4); y = 2·tanh(−1) − 3·tanh(4) + 0.25
    outputs, tape = hand_mlp().forward([[1.0, 2.0]])
    assert outputs == [[pytest.approx(2.0 * math.tanh(-1.0) - 3.0 * math.tanh(4.0) + 0.25, rel=1e-12)]]
    assert tape[0] == ([[1.0, 2.0]], [[-1.0, 4.0]])  # the layer's inputs and its pre-activations
    assert tape[1][0] == [[pytest.approx(math.tanh(-1.0), rel=1e-12), pytest.approx(math.tanh(4.0), rel=1e-12)]]
    assert tape[1][1] is None  # no activation after the last layer


@exercise("building_blocks.network.MLP.forward")
def test_mlp_forward_applies_the_activation_after_the_last_layer_only_when_asked():
    plain = hand_mlp(activation="relu").forward([[1.0, 2.0]])[0][0][0]  # 2·0 − 3·4 + 0.25 = −11.75
    activated, tape = hand_mlp(activation="relu", activate_last=True).forward([[1.0, 2.0]])
    assert plain == pytest.approx(-11.75, rel=1e-12)
    assert activated == [[0.0]] and tape[1][1] == [[pytest.approx(-11.75, rel=1e-12)]]


@exercise("building_blocks.network.MLP.forward")
def test_mlp_forward_treats_each_row_of_a_batch_on_its_own():
    mlp, generator = random_mlp([3, 4, 2], "elu", seed=1)
    rows = [[generator.uniform(-2.0, 2.0) for _ in range(3)] for _ in range(3)]
    together = mlp.forward(rows)[0]
    assert flat(together) == pytest.approx(flat([mlp.forward([row])[0][0] for row in rows]), rel=1e-12, abs=1e-15)
    assert together[0] != together[1]


@exercise("building_blocks.network.MLP.forward")
def test_mlp_forward_refuses_a_row_of_the_wrong_width_naming_both_widths():
    with pytest.raises(ValueError) as error:
        hand_mlp().forward([[1.0, 2.0, 3.0]])
    assert_names(error, 3, 2)  # a row of 3 for sizes[0] = 2


def mlp_outputs(mlp, rows, activation, activate_last):
    """The MLP's outputs, written out here from its parameter values: affine, activation, …,
    affine (and the activation after the last one only if activate_last)."""
    last = len(mlp.weights) - 1
    for index, (weight, bias) in enumerate(zip(mlp.weights, mlp.biases)):
        rows = affine(rows, weight.value, bias.value[0])
        if index < last or activate_last:
            rows = _apply(activation, rows)
    return rows


def mlp_loss_setup(activation, seed, **options):
    mlp, generator = random_mlp([3, 4, 2], activation, seed, **options)
    rows = [[generator.uniform(-2.0, 2.0) for _ in range(3)] for _ in range(2)]
    weights = [[generator.uniform(-1.0, 1.0) for _ in range(2)] for _ in range(2)]  # L = Σ weights ⊙ y
    return mlp, rows, weights


@pytest.mark.parametrize(
    "activation", [pytest.param(kind, marks=exercise("building_blocks.network.MLP.backward")) for kind in KINDS]
)
def test_mlp_backward_input_and_weight_gradients_match_central_differences(activation):
    mlp, rows, weights = mlp_loss_setup(activation, seed=11, activate_last=True)
    outputs, tape = mlp.forward(rows)
    grad_rows = mlp.backward(tape, weights)

    def loss_of_rows(point):
        return weighted_sum(weights, mlp_outputs(mlp, [point[0:3], point[3:6]], activation, True))

    check_gradient(loss_of_rows, flat(rows), flat(grad_rows), what=f"∂L/∂x ({activation})")
    for parameter in mlp.parameters():
        original = parameter.value

        def loss(point, parameter=parameter, original=original):
            parameter.value = [list(point[i : i + len(original[0])]) for i in range(0, len(point), len(original[0]))]
            try:
                return weighted_sum(weights, mlp_outputs(mlp, rows, activation, True))
            finally:
                parameter.value = original

        check_gradient(loss, flat(original), flat(parameter.grad), what=f"∂L/∂{parameter.name} ({activation})")


@exercise("building_blocks.network.MLP.backward")
def test_mlp_backward_works_from_an_earlier_forwards_tape():
    # The point of the tape: two forward passes, then the first one's backward gives the first
    # one's gradients (a recurrent model runs a network at every step before going back).
    mlp, rows, weights = mlp_loss_setup("tanh", seed=12)
    twin, *_ = mlp_loss_setup("tanh", seed=12)
    _, first = mlp.forward(rows)
    mlp.forward([[2.0 * v for v in row] for row in rows])
    grad_rows = mlp.backward(first, weights)
    assert flat(grad_rows) == pytest.approx(flat(twin.backward(twin.forward(rows)[1], weights)), rel=1e-12, abs=1e-15)
    assert len(grad_rows) == 2 and any(g != 0.0 for g in flat(grad_rows))
    for mine, theirs in zip(mlp.parameters(), twin.parameters()):
        assert flat(mine.grad) == pytest.approx(flat(theirs.grad), rel=1e-12, abs=1e-15)
        assert any(g != 0.0 for g in flat(mine.grad))


@exercise("building_blocks.network.MLP.backward")
def test_mlp_backward_accumulates_into_the_gradients():
    mlp, rows, weights = mlp_loss_setup("elu", seed=13)
    tape = mlp.forward(rows)[1]
    mlp.backward(tape, weights)
    once = [flat(parameter.grad) for parameter in mlp.parameters()]
    assert all(any(g != 0.0 for g in single) for single in once)
    mlp.backward(tape, weights)
    for parameter, single in zip(mlp.parameters(), once):
        assert flat(parameter.grad) == pytest.approx([2.0 * g for g in single], rel=1e-12, abs=1e-15)


@exercise("building_blocks.network.MLP.backward")
def test_mlp_backward_without_parameters_gives_the_input_gradient_and_moves_no_weight():
    mlp, rows, weights = mlp_loss_setup("sigmoid", seed=14)
    twin, *_ = mlp_loss_setup("sigmoid", seed=14)
    grad_rows = mlp.backward(mlp.forward(rows)[1], weights, parameters=False)
    assert flat(grad_rows) == pytest.approx(flat(twin.backward(twin.forward(rows)[1], weights)), rel=1e-12, abs=1e-15)
    assert all(g == 0.0 for parameter in mlp.parameters() for g in flat(parameter.grad))


@exercise("building_blocks.network.MLP.backward")
def test_mlp_backward_without_inputs_gives_the_weight_gradients_and_no_input_gradient():
    mlp, rows, weights = mlp_loss_setup("relu", seed=15)
    twin, *_ = mlp_loss_setup("relu", seed=15)
    assert mlp.backward(mlp.forward(rows)[1], weights, inputs=False) is None
    twin.backward(twin.forward(rows)[1], weights)
    for mine, theirs in zip(mlp.parameters(), twin.parameters()):
        assert flat(mine.grad) == pytest.approx(flat(theirs.grad), rel=1e-12, abs=1e-15)
        assert any(g != 0.0 for g in flat(mine.grad))


@exercise("building_blocks.network.MLP.backward")
def test_mlp_backward_refuses_a_tape_of_another_network_or_a_gradient_of_the_wrong_width():
    mlp = hand_mlp()
    _, tape = mlp.forward([[1.0, 2.0]])
    with pytest.raises(ValueError):
        mlp.backward(tape[:1], [[1.0]])  # one layer's entry for a two-layer network
    with pytest.raises(ValueError) as error:
        mlp.backward(tape, [[1.0, 1.0, 1.0]])
    assert_names(error, 3, 1)  # a row of 3 for sizes[-1] = 1


def test_an_mlp_needs_an_input_and_an_output_size_and_a_known_activation():
    with pytest.raises(ValueError, match=r"\[4\]"):
        network.MLP([4], Rng(0), name="lonely")
    with pytest.raises(ValueError, match="softplus"):
        network.MLP([4, 2], Rng(0), activation="softplus")


def test_an_mlp_starts_from_xavier_weights_zero_biases_and_a_scaled_last_layer():
    mlp = network.MLP([3, 5, 2], Rng(0), last_scale=0.0)
    assert [len(w.value) for w in mlp.weights] == [5, 2] and [len(w.value[0]) for w in mlp.weights] == [3, 5]
    assert (
        all(abs(v) <= math.sqrt(6.0 / 8.0) for v in flat(mlp.weights[0].value))
        and len(set(flat(mlp.weights[0].value))) == 15
    )
    assert flat(mlp.weights[1].value) == [0.0] * 10 and flat(mlp.biases[0].value) == [0.0] * 5
    assert [p.name for p in mlp.parameters()] == ["mlp.0.weight", "mlp.0.bias", "mlp.1.weight", "mlp.1.bias"]


# --- MLP's given speed-ups change nothing a learner computes ---------------------------------


@exercise("building_blocks.network.MLP.forward", "building_blocks.network.MLP.backward")
def test_an_mlp_told_its_inputs_hold_a_one_hot_latent_computes_what_the_plain_map_computes():
    # one_hot=(2, 8) lets the first layer skip the latent's zeros (given code); on rows that are
    # one-hot there, and on rows that are not (a gradient check's z + p − sg(p)), the outputs and
    # all gradients agree with the same MLP without the mark.
    generator = random.Random(31)
    latent = [[1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.25, 0.75, 1.0, 0.0, 0.0]]
    rows = [[generator.uniform(-1, 1), generator.uniform(-1, 1)] + z + [generator.uniform(-1, 1)] for z in latent]
    grads = [[generator.uniform(-1, 1) for _ in range(2)] for _ in rows]
    for chosen in (rows[:2], rows):  # only one-hot rows, then one row that is not
        results = []
        for one_hot in ((2, 8), None):
            mlp = network.MLP([9, 3, 2], Rng(4), one_hot=one_hot)
            outputs, tape = mlp.forward(chosen)
            grad_rows = mlp.backward(tape, grads[: len(chosen)])
            results.append(flat(outputs) + flat(grad_rows) + [g for p in mlp.parameters() for g in flat(p.grad)])
        assert results[0] == pytest.approx(results[1], rel=1e-12, abs=1e-15)
        assert any(g != 0.0 for g in results[0])


@exercise("building_blocks.network.MLP.backward")
def test_a_deferring_backward_that_raises_leaves_no_gradient_behind():
    # defers_weight_gradients (given) keeps the weight gradients' rows until the decorated pass
    # returns; if it raises, they are dropped, and a later backward starts clean.
    mlp = network.MLP([2, 2], Rng(0))

    @network.defers_weight_gradients("net")
    def broken_pass(net):
        net.backward(net.forward([[1.0, 2.0]])[1], [[1.0, -1.0]])
        raise ArithmeticError("a mistake in the middle of a backward pass")

    @network.defers_weight_gradients("net")
    def forward_only(net):
        return net.forward([[1.0, 2.0]])[0]

    with pytest.raises(ArithmeticError):
        broken_pass(mlp)
    forward_only(mlp)  # nothing kept, nothing to add
    assert all(g == 0.0 for parameter in mlp.parameters() for g in flat(parameter.grad))
    mlp.backward(mlp.forward([[1.0, 2.0]])[1], [[1.0, -1.0]])
    assert flat(mlp.weights[0].grad) == pytest.approx([1.0, 2.0, -1.0, -2.0], rel=1e-12)  # Gᵀ·X
