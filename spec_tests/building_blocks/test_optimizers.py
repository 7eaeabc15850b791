"""Specs for building_blocks.optimizers: SGD, momentum, RMSProp and Adam steps worked by hand,
clipping by the global norm, the optimizers' checks of their hyperparameters, and a learning
outcome: a small network trained with Adam solves XOR.
"""

import math

import pytest

from policywerk.building_blocks import dense, grad, network, optimizers
from policywerk.primitives import losses
from policywerk.primitives.random import Rng
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def _parameter(value, gradient):
    parameter = network.Parameter.of(value)
    parameter.grad = gradient
    return parameter


# --- SGD -----------------------------------------------------------------------------------


@exercise("building_blocks.optimizers.SGD.step")
def test_sgd_step_moves_every_number_by_lr_times_its_gradient():
    # w − 0.5·g: 1 − 0.25, −2 − 2, 0.5 + 0.5, 4 − 0; and 1 + 1 for the second parameter
    weight = _parameter([[1.0, -2.0], [0.5, 4.0]], [[0.5, 4.0], [-1.0, 0.0]])
    bias = _parameter([[1.0]], [[-2.0]])
    optimizers.SGD([weight, bias], lr=0.5).step()
    assert (weight.value, bias.value) == ([[0.75, -4.0], [1.0, 4.0]], [[2.0]])


@exercise("building_blocks.optimizers.SGD.step")
def test_sgd_step_keeps_the_gradients_so_a_second_step_moves_as_far_again():
    weight = _parameter([[1.0, -2.0]], [[0.5, 4.0]])
    optimizer = optimizers.SGD([weight], lr=0.25)
    optimizer.step()
    optimizer.step()
    assert weight.grad == [[0.5, 4.0]]
    assert weight.value == [[0.75, -4.0]]  # w − 2·0.25·g


# --- Momentum ------------------------------------------------------------------------------


@exercise("building_blocks.optimizers.Momentum.step")
def test_momentum_two_steps_worked_by_hand():
    # lr = ¼, μ = ½. First number: g = 2 → v = 2, w = 1 − ½ = ½; then g = 3 → v = 1 + 3 = 4,
    # w = ½ − 1 = −½. Second number: g = −4 → v = −4, w = 0 + 1 = 1; then g = 1 → v = −2 + 1 = −1,
    # w = 1 + ¼ = 5/4. The second parameter keeps its own velocity: g = 8 → v = 8, w = 2 − 2 = 0;
    # then g = 0 → v = 4, w = 0 − 1 = −1.
    weight, bias = _parameter([[1.0, 0.0]], [[2.0, -4.0]]), _parameter([[2.0]], [[8.0]])
    optimizer = optimizers.Momentum([weight, bias], lr=0.25, momentum=0.5)
    optimizer.step()
    assert (weight.value, bias.value) == ([[0.5, 1.0]], [[0.0]])
    weight.grad, bias.grad = [[3.0, 1.0]], [[0.0]]
    optimizer.step()
    assert (weight.value, bias.value) == ([[-0.5, 1.25]], [[-1.0]])


@exercise("building_blocks.optimizers.Momentum.step")
def test_momentum_with_a_steady_gradient_grows_its_step_toward_lr_g_over_one_minus_mu():
    # v after t steps is g·(1 + μ + … + μ^(t−1)) → g/(1 − μ): the step tends to 0.1·1/0.5 = 0.2
    weight = _parameter([[0.0]], [[1.0]])
    optimizer = optimizers.Momentum([weight], lr=0.1, momentum=0.5)
    optimizer.step()
    optimizer.step()
    assert weight.value[0][0] == pytest.approx(-0.25, rel=1e-12)  # steps of 0.1 then 0.15
    for _ in range(60):
        before = weight.value[0][0]
        optimizer.step()
    assert before - weight.value[0][0] == pytest.approx(0.2, rel=1e-9)


# --- RMSProp -------------------------------------------------------------------------------


@exercise("building_blocks.optimizers.RMSProp.step")
def test_rmsprop_one_step_worked_by_hand():
    # ρ = ¾, ε = 0, g = 2: s = ¼·4 = 1, so w = 0 − 0.1·2/√1 = −0.2. The docstring's example.
    weight = _parameter([[0.0]], [[2.0]])
    optimizers.RMSProp([weight], lr=0.1, decay=0.75, epsilon=0.0).step()
    assert weight.value == [[-0.2]]


@exercise("building_blocks.optimizers.RMSProp.step")
def test_rmsprop_first_step_moves_every_number_by_lr_over_root_one_minus_rho_whatever_its_scale():
    # s = (1 − ρ)·g², so g/√s = sign(g)/√(1 − ρ): with ρ = 0.99 (and ε = 0) every step is 10·lr
    weight = _parameter([[1.0, 1.0, 1.0]], [[0.01, -50.0, 3.0]])
    bias = _parameter([[0.0]], [[-0.2]])
    optimizers.RMSProp([weight, bias], lr=0.001, epsilon=0.0).step()
    assert weight.value[0] == pytest.approx([0.99, 1.01, 0.99], rel=1e-9)
    assert bias.value[0] == pytest.approx([0.01], rel=1e-9)


@exercise("building_blocks.optimizers.RMSProp.step")
def test_rmsprop_two_steps_keep_a_running_average_of_the_squares():
    # ρ = ½, lr = 1, ε = 0, g = 2 twice: s₁ = ½·4 = 2, step 2/√2 = √2; s₂ = ½·2 + ½·4 = 3, step 2/√3
    weight = _parameter([[0.0]], [[2.0]])
    optimizer = optimizers.RMSProp([weight], lr=1.0, decay=0.5, epsilon=0.0)
    optimizer.step()
    assert weight.value[0][0] == pytest.approx(-math.sqrt(2.0), rel=1e-12)
    optimizer.step()
    assert weight.value[0][0] == pytest.approx(-math.sqrt(2.0) - 2.0 / math.sqrt(3.0), rel=1e-12)


@exercise("building_blocks.optimizers.RMSProp.step")
def test_rmsprop_adds_epsilon_to_the_root_mean_square():
    # ρ = ¾, g = 2, so s = ¼·4 = 1 as in the docstring's example; with ε = 1 the step is
    # 0.1·2/(√1 + 1) = 0.1 instead of 0.2
    weight = _parameter([[0.0]], [[2.0]])
    optimizers.RMSProp([weight], lr=0.1, decay=0.75, epsilon=1.0).step()
    assert weight.value[0][0] == pytest.approx(-0.1, rel=1e-12)


# --- Adam ----------------------------------------------------------------------------------


@exercise("building_blocks.optimizers.Adam.step")
def test_adam_first_step_moves_every_number_by_lr_against_the_sign_of_its_gradient():
    # After one step m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε): lr to within a relative
    # ε/|g| <= 1e-6 for |g| >= 0.01 (checked to 1e-5).
    gradients = [[0.3, -20.0, 0.01], [-5e4, 1.0, -0.07]]
    weight = _parameter([[1.0, -1.0, 2.0], [0.5, 0.0, 3.0]], [list(row) for row in gradients])
    bias = _parameter([[4.0]], [[-0.5]])
    optimizers.Adam([weight, bias], lr=0.01).step()
    assert _moves(weight, [[1.0, -1.0, 2.0], [0.5, 0.0, 3.0]]) == pytest.approx(
        [-0.01, 0.01, -0.01, 0.01, -0.01, 0.01], rel=1e-5
    ), "Adam's bias correction makes the first step lr against the sign of each gradient: m and v start at zero"
    assert bias.value[0][0] - 4.0 == pytest.approx(0.01, rel=1e-5)


def _moves(parameter, before):
    return [w - b for row, old in zip(parameter.value, before) for w, b in zip(row, old)]


@exercise("building_blocks.optimizers.Adam.step")
def test_adam_second_step_worked_by_hand_from_the_formulas():
    # β₁ = 0.9, β₂ = 0.999, ε = 1e-8, lr = 0.1; w = 1 with g = 1 then g = −½.
    # Step 1: m = 0.1, v = 0.001; m̂ = 1, v̂ = 1: w = 1 − 0.1·1/(1 + 1e-8).
    # Step 2: m = 0.9·0.1 − 0.1·½ = 0.04; v = 0.999·0.001 + 0.001·¼ = 0.001249;
    #         m̂ = 0.04/(1 − 0.81) = 0.04/0.19; v̂ = 0.001249/(1 − 0.998001) = 0.001249/0.001999;
    #         w ← w − 0.1·m̂/(√v̂ + 1e-8), a step of about 0.02663.
    weight = _parameter([[1.0]], [[1.0]])
    other = _parameter([[0.0, 0.0]], [[2.0, -2.0]])  # a second parameter, with its own moments
    optimizer = optimizers.Adam([weight, other], lr=0.1)
    optimizer.step()
    first = 1.0 - 0.1 * 1.0 / (1.0 + 1e-8)
    assert weight.value[0][0] == pytest.approx(first, rel=1e-12)
    weight.grad = [[-0.5]]
    optimizer.step()
    m_hat, v_hat = 0.04 / 0.19, 0.001249 / 0.001999
    assert weight.value[0][0] == pytest.approx(first - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-9)
    assert first - weight.value[0][0] == pytest.approx(0.0266336, rel=1e-5)
    # The other parameter saw the same gradient twice: m̂ = g and v̂ = g² again, two steps of lr.
    assert other.value[0] == pytest.approx([-0.2, 0.2], rel=1e-7)


@exercise("building_blocks.optimizers.Adam.step")
def test_adam_step_keeps_the_gradients():
    weight = _parameter([[1.0]], [[0.5]])
    optimizers.Adam([weight], lr=0.01).step()
    assert weight.grad == [[0.5]]
    assert weight.value[0][0] == pytest.approx(0.99, rel=1e-9)


# --- global_norm and clip_by_global_norm ---------------------------------------------------


@exercise("building_blocks.optimizers.global_norm")
def test_global_norm_is_the_length_of_every_gradient_number_together():
    # √(1 + 4 + 0 + 4 + 16) = 5; the values do not count, only the gradients
    weight = _parameter([[100.0, 100.0], [100.0, 100.0]], [[1.0, -2.0], [0.0, 2.0]])
    bias = _parameter([[-7.0]], [[4.0]])
    assert optimizers.global_norm([weight, bias]) == 5.0


@exercise("building_blocks.optimizers.global_norm")
def test_global_norm_of_the_docstring_example():
    assert optimizers.global_norm([_parameter([[0.0, 0.0]], [[3.0, 4.0]])]) == 5.0  # the 3-4-5 triangle


@exercise("building_blocks.optimizers.clip_by_global_norm")
def test_clip_by_global_norm_scales_a_long_gradient_to_exactly_max_norm_keeping_its_direction():
    # ‖g‖ = √(36 + 64 + 0) = 10 > 5: every number is halved, across both parameters
    weight, bias = _parameter([[1.0, 1.0]], [[6.0, 0.0]]), _parameter([[1.0]], [[-8.0]])
    assert optimizers.clip_by_global_norm([weight, bias], 5.0) == 10.0
    rule = "every gradient is scaled by one factor, max_norm over the global norm of all of them, not each tensor by its own norm"
    assert weight.grad[0] == pytest.approx([3.0, 0.0], rel=1e-12), rule
    assert bias.grad[0] == pytest.approx([-4.0], rel=1e-12), rule
    after = math.sqrt(math.fsum(g * g for g in weight.grad[0] + bias.grad[0]))
    assert after == pytest.approx(5.0, rel=1e-12)
    assert (weight.value, bias.value) == ([[1.0, 1.0]], [[1.0]])


@exercise("building_blocks.optimizers.clip_by_global_norm")
def test_clip_by_global_norm_leaves_a_gradient_within_the_limit_alone_and_returns_its_norm():
    short = _parameter([[0.0, 0.0]], [[0.3, 0.4]])
    assert optimizers.clip_by_global_norm([short], 1.0) == pytest.approx(0.5, rel=1e-12)
    assert short.grad == [[0.3, 0.4]]
    at_the_limit = _parameter([[0.0, 0.0]], [[3.0, 4.0]])
    assert optimizers.clip_by_global_norm([at_the_limit], 5.0) == 5.0
    assert at_the_limit.grad == [[3.0, 4.0]]


@pytest.mark.parametrize(
    "max_norm",
    [
        pytest.param(0.0, marks=exercise("building_blocks.optimizers.clip_by_global_norm"), id="zero"),
        pytest.param(-1.5, marks=exercise("building_blocks.optimizers.clip_by_global_norm"), id="negative"),
    ],
)
def test_clip_by_global_norm_needs_a_positive_max_norm_and_names_what_came(max_norm):
    with pytest.raises(ValueError) as error:
        optimizers.clip_by_global_norm([_parameter([[0.0]], [[1.0]])], max_norm)
    assert_names(error, max_norm)


# --- the constructors' checks (given code) -------------------------------------------------


@pytest.mark.parametrize(
    "make, name, value",
    [
        pytest.param(lambda p: optimizers.SGD(p, lr=0.0), "lr", 0.0, id="SGD-lr=0.0"),
        pytest.param(lambda p: optimizers.SGD(p, lr=-0.1), "lr", -0.1, id="SGD-lr=-0.1"),
        pytest.param(lambda p: optimizers.Momentum(p, lr=0.0), "lr", 0.0, id="Momentum-lr=0.0"),
        pytest.param(
            lambda p: optimizers.Momentum(p, lr=0.1, momentum=1.0), "momentum", 1.0, id="Momentum-momentum=1.0"
        ),
        pytest.param(
            lambda p: optimizers.Momentum(p, lr=0.1, momentum=-0.1), "momentum", -0.1, id="Momentum-momentum=-0.1"
        ),
        pytest.param(lambda p: optimizers.RMSProp(p, lr=-1.0), "lr", -1.0, id="RMSProp-lr=-1.0"),
        pytest.param(lambda p: optimizers.RMSProp(p, lr=0.1, decay=1.0), "decay", 1.0, id="RMSProp-decay=1.0"),
        pytest.param(
            lambda p: optimizers.RMSProp(p, lr=0.1, epsilon=-1e-8), "epsilon", -1e-08, id="RMSProp-epsilon=-1e-08"
        ),
        pytest.param(lambda p: optimizers.Adam(p, lr=0.0), "lr", 0.0, id="Adam-lr=0.0"),
        pytest.param(lambda p: optimizers.Adam(p, lr=0.1, beta1=1.0), "beta1", 1.0, id="Adam-beta1=1.0"),
        pytest.param(lambda p: optimizers.Adam(p, lr=0.1, beta2=-0.5), "beta2", -0.5, id="Adam-beta2=-0.5"),
        pytest.param(lambda p: optimizers.Adam(p, lr=0.1, beta2=1.5), "beta2", 1.5, id="Adam-beta2=1.5"),
        pytest.param(lambda p: optimizers.Adam(p, lr=0.1, epsilon=-1.0), "epsilon", -1.0, id="Adam-epsilon=-1.0"),
    ],
)
def test_an_optimizer_rejects_a_bad_hyperparameter_naming_it_and_its_value(make, name, value):
    with pytest.raises(ValueError) as error:
        make([_parameter([[0.0]], [[1.0]])])
    assert_names(error, name, value)


# --- learning outcome ----------------------------------------------------------------------

_XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
_XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]


def _solves_xor(seed):
    """Train Dense(2 → 8) → tanh → Dense(8 → 1) → sigmoid with Adam (lr 0.05) on the four XOR
    cases, full batch, mean squared error, 300 steps; True when every output is on the right
    side of ½."""
    rng = Rng(seed)
    net = network.Sequential(
        [dense.Dense(2, 8, rng), network.Activation("tanh"), dense.Dense(8, 1, rng), network.Activation("sigmoid")]
    )
    optimizer = optimizers.Adam(net.parameters(), lr=0.05)
    for _ in range(300):
        network.zero_grad(net.parameters())
        grad.backpropagate(net, _XOR_INPUTS, _XOR_TARGETS, losses.mse, losses.mse_gradient)
        optimizer.step()
    outputs, _ = net.forward(_XOR_INPUTS)
    return all((output[0] > 0.5) == (target[0] > 0.5) for output, target in zip(outputs, _XOR_TARGETS))


@pytest.mark.slow
@exercise("building_blocks.optimizers.Adam.step")
def test_a_small_network_trained_with_adam_solves_xor():
    """XOR is the classic problem no single neuron solves; one hidden layer does.

    Measured with the reference: 1000 of 1000 seeds (0–999) solve it in 300 steps (also in 100),
    with every output within 0.02 of its target. With no failure in 1000 the failure rate per
    seed is below 3·10⁻³ at 95 % confidence (the rule of three), so demanding at least 9 of 10
    seeds fails a correct implementation with probability at most C(10, 2)·(3·10⁻³)² ≈ 4·10⁻⁴,
    well under 1 in 100. A broken optimizer or backward pass solves it on few seeds, if any.
    """
    solved = sum(_solves_xor(seed) for seed in range(10))
    assert solved >= 9, f"XOR solved on {solved} of 10 seeds"
