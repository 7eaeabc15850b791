"""The given fast paths of network.py change no number: checked on the reference only.

These are maintainers' checks, not specs: they hold for the reference, whatever a learner's
own affine map adds in which order.

- one-hot inputs: `affine_one_hot` and `affine_backward_one_hot` skip the multiplications by
  a sampled latent's 0s and 1s, and give the reference's `affine` and `affine_backward` bit
  for bit; every network of the Dreamer that reads the latent is marked where it sits;
- deferred weight gradients (`AffineMap`, `defers_weight_gradients`): a backward pass through
  time keeps each step's rows and adds the weight gradients once at the end: the same sums,
  added in another order (to 1e-12), and the input gradients bit for bit.
"""

from __future__ import annotations

import random

import pytest

import treepath

try:
    treepath.use_tree("solutions")
except RuntimeError:  # this session imported another tree; the fast paths are checked on the reference
    pytest.skip("the fast paths are checked against the reference (solutions/) only", allow_module_level=True)

from policywerk.actors import dreamer_agent, dreamer_world_model  # noqa: E402
from policywerk.building_blocks import dense, network  # noqa: E402
from policywerk.building_blocks.network import MLP, AffineMap, defers_weight_gradients  # noqa: E402
from policywerk.building_blocks.recurrent import GRU  # noqa: E402
from policywerk.primitives.random import Rng  # noqa: E402
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
        grad_weights,
        grad_bias,
        None,
    )


def test_affine_backward_one_hot_is_affine_backward_for_rows_that_are_not_zeros_and_ones():
    inputs = [[0.3, 1.0, 0.0], [0.3, 0.5, 0.5]]
    weights, grads = [[1.0, -2.0, 0.5]], [[2.0], [-1.0]]
    expected = dense.affine_backward(inputs, weights, grads)
    assert network.affine_backward_one_hot(inputs, weights, grads, 1, 3) == expected
    assert expected[0] == [[0.3, 1.5, -0.5]]  # Gᵀ·X by hand: 2·0.3 − 0.3, 2·1 − 0.5, 0 − 0.5


def without_one_hot(network):
    for affine_map in network.maps:
        affine_map.one_hot = None


def test_every_network_reading_the_latent_is_marked_where_it_sits():
    agent = dreamer_agent.Dreamer(dreamer_world_model.Config(), Rng(0))
    c, model = agent.config, agent.model
    for net in (model.decoder, model.reward, model.continue_head, agent.actor, agent.critic, agent.slow_critic):
        assert net.maps[0].one_hot == (c.gru_units, c.feature_size)  # z in s = [h, z]
    assert model.gru.input_map.one_hot == (0, c.latent_size)  # z in [z, a]
    for net in (model.encoder, model.posterior, model.prior):
        assert all(affine_map.one_hot is None for affine_map in net.maps)


def test_the_networks_reading_the_latent_give_the_full_products_bit_for_bit():
    agent = dreamer_agent.Dreamer(dreamer_world_model.Config(), Rng(0))
    c, model = agent.config, agent.model
    generator = random.Random(6)
    rows = one_hot_rows(generator, 5, c.gru_units, c.categoricals, c.classes, 0)
    for net in (model.decoder, model.reward, model.continue_head, agent.actor, agent.critic):
        outputs, tape = net.forward(rows)
        grads = [[generator.uniform(-1, 1) for _ in range(net.out_features)] for _ in rows]
        net.backward(tape, grads)
        fast = ([p.grad for p in net.parameters()], outputs)
        for parameter in net.parameters():
            parameter.grad = [[0.0] * len(row) for row in parameter.value]
        without_one_hot(net)
        outputs, tape = net.forward(rows)
        net.backward(tape, grads)
        assert fast == ([p.grad for p in net.parameters()], outputs)
    inputs = [row[c.gru_units :] + [0.3, -0.8] for row in rows]  # [z, a]
    hidden = [row[: c.gru_units] for row in rows]
    grad = [[generator.uniform(-1, 1) for _ in range(c.gru_units)] for _ in rows]
    results = []
    for one_hot in ((0, c.latent_size), None):
        gru = GRU(c.latent_size + 2, c.gru_units, Rng(1), one_hot=one_hot)
        states, tape = gru.step(inputs, hidden)
        results.append((states, gru.backward_step(tape, grad), [p.grad for p in gru.parameters()]))
    assert results[0] == results[1]


def test_a_row_that_is_not_only_zeros_and_ones_takes_the_full_product():
    generator = random.Random(2)
    rows = one_hot_rows(generator, 3, 2, 2, 3, 1)
    rows[1][3] = 0.25  # inside the marked range: the gradient check's z + p − sg(p) looks like this
    fast, full = (MLP([9, 4, 2], Rng(3), one_hot=one_hot) for one_hot in ((2, 8), None))
    assert fast.forward(rows)[0] == full.forward(rows)[0]


def test_deferred_weight_gradients_are_the_same_sums_and_the_input_gradients_the_same_floats():
    generator = random.Random(4)
    steps = [[[generator.uniform(-1, 1) for _ in range(3)] for _ in range(2)] for _ in range(4)]
    grads = [[[generator.uniform(-1, 1) for _ in range(2)] for _ in range(2)] for _ in range(4)]
    deferring, direct = (MLP([3, 4, 2], Rng(5)) for _ in range(2))

    @defers_weight_gradients("network")
    def through_time(network):
        return [network.backward(network.forward(rows)[1], grad) for rows, grad in zip(steps, grads)]

    deferred_inputs = through_time(deferring)
    direct_inputs = [direct.backward(direct.forward(rows)[1], grad) for rows, grad in zip(steps, grads)]
    assert deferred_inputs == direct_inputs
    for mine, theirs in zip(deferring.parameters(), direct.parameters()):
        assert [g for row in mine.grad for g in row] == pytest.approx(
            [g for row in theirs.grad for g in row], rel=1e-12, abs=1e-15
        )
        assert any(g != 0.0 for row in mine.grad for g in row)
    assert all(affine_map.deferred is None for affine_map in deferring.maps)  # nothing left waiting


def test_a_backward_pass_that_raises_leaves_no_deferred_rows_behind():
    network = MLP([2, 2], Rng(0))

    @defers_weight_gradients("network")
    def broken(network):
        network.backward(network.forward([[1.0, 2.0]])[1], [[1.0, 1.0]])
        raise ZeroDivisionError("a learner's mistake")

    with pytest.raises(ZeroDivisionError):
        broken(network)
    assert all(affine_map.deferred is None for affine_map in network.maps)
    assert all(g == 0.0 for parameter in network.parameters() for row in parameter.grad for g in row)


def test_deferring_reaches_a_network_by_an_attribute_path():
    model = dreamer_world_model.WorldModel(
        dreamer_world_model.Config(
            image_size=2,
            gru_units=2,
            categoricals=1,
            classes=2,
            encoder_units=2,
            hidden_units=2,
            head_units=2,
            bins=3,
            sequence_length=2,
        ),
        Rng(0),
    )
    seen = []

    @defers_weight_gradients("self.gru", "self.posterior")
    def backward(self):
        seen.append([affine_map.deferred for affine_map in self.gru.maps + self.posterior.maps])

    backward(model)
    assert seen == [[[]] * 4] and all(affine_map.deferred is None for affine_map in model.gru.maps)


def test_an_affine_map_refuses_a_one_hot_range_outside_its_inputs():
    layer = MLP([4, 3], Rng(0))
    with pytest.raises(ValueError, match=r"\(2, 6\)"):
        AffineMap(layer.weights[0], layer.biases[0], one_hot=(2, 6))
