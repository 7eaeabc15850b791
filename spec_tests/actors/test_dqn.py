"""Specs for actors.dqn: the Q-networks (for screens and for vectors), n-step TD targets, the
Huber TD loss and its gradient, the target network, ε-greedy exploration, one update, the
training loop, and the learning outcomes on the catcher.

The update of DQN on a minibatch of transitions (s, a, R, s', terminated, m), R being the
discounted sum of m <= n rewards:

    y = R                                        when the episode terminated within the m steps
    y = R + γ^m·max_a' Q(s', a'; θ⁻)             otherwise (also when a time limit truncated it)
    L = (1/B)·Σ huber(Q(s, a; θ) − y)            ∂L/∂Q(s, a) = clip(Q(s, a) − y, −δ, δ)/B, other actions 0

θ⁻ is the target network, a copy of θ made every C updates and frozen in between (or θ itself
when the target network is switched off, as in the 2013 paper).

The normalised score of a policy is (G − G_random) / (G_tracker − G_random), G being the mean
undiscounted return of 20 catcher episodes (seeds 0 … 19); the tracker catches every fruit (+10),
the random policy about one in five (−6.3).
"""

import math
import random
import re
import statistics

import pytest

from policywerk.actors import dqn
from policywerk.building_blocks import conv, dense, mdp, network, optimizers, replay_buffer
from policywerk.primitives.random import Rng
from policywerk.world import catcher
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

SHAPE = (1, 16, 16)


def tiny_config(**overrides):
    """A small network and budget: 2 conv filters, 5 hidden units, batches of 4."""
    settings = dict(
        conv_filters=2,
        hidden=5,
        batch_size=4,
        replay_capacity=64,
        learning_starts=8,
        target_sync=3,
        epsilon_steps=20,
        total_steps=40,
    )
    settings.update(overrides)
    return dqn.Config(**settings)


def random_screens(count, seed):
    generator = random.Random(seed)
    return [[generator.uniform(0.0, 1.0) for _ in range(256)] for _ in range(count)]


def random_vectors(count, seed):
    """Cart-pole-like observations: four numbers each."""
    generator = random.Random(seed)
    return [[generator.uniform(-1.0, 1.0) for _ in range(4)] for _ in range(count)]


def random_vector_batch(size, seed):
    """Transitions between 4-number observations, with 2 actions."""
    generator = random.Random(seed)
    vectors = random_vectors(2 * size, seed)
    return [
        dqn.NStepTransition(
            vectors[2 * i],
            generator.randrange(2),
            generator.choice([-1.0, 0.0, 1.0]),
            vectors[2 * i + 1],
            i % 3 == 0,
            generator.randint(1, 3),
        )
        for i in range(size)
    ]


def random_batch(size, seed, terminated_every=3):
    generator = random.Random(seed)
    screens = random_screens(2 * size, seed)
    return [
        dqn.NStepTransition(
            screens[2 * i],
            generator.randrange(3),
            generator.choice([-1.0, 0.0, 0.81, 1.0]),
            screens[2 * i + 1],
            i % terminated_every == 0,
            generator.randint(1, 3),
        )
        for i in range(size)
    ]


def values_of(net):
    return [[list(row) for row in parameter.value] for parameter in net.parameters()]


def step(observation, action, reward, next_observation, terminated=False, truncated=False):
    return mdp.Transition(observation, action, reward, next_observation, terminated, truncated)


def huber(error, delta=1.0):
    return 0.5 * error * error if abs(error) <= delta else delta * (abs(error) - 0.5 * delta)


def mean_return(policy_for_seed, seeds=range(20), **world_options):
    return statistics.fmean(rollout_return(policy_for_seed(seed), seed, **world_options) for seed in seeds)


def rollout_return(policy, seed, **world_options):
    return mdp.rollout(catcher.Catcher(**world_options), policy, seed=seed).total_reward


def normalised_score(agent, **world_options):
    random_return = mean_return(lambda seed: catcher.random_policy(Rng(1000 + seed)), **world_options)
    tracker_return = mean_return(lambda seed: catcher.reference_policy, **world_options)
    agent_return = mean_return(lambda seed: agent.greedy_action, **world_options)
    return (agent_return - random_return) / (tracker_return - random_return)


# --- Config (given) ------------------------------------------------------------------------------


def test_config_defaults_are_the_settings_measured_to_learn_the_catcher():
    # maintainer/PERFORMANCE.md, "The sizing trials": conv 4 filters 4×4 stride 2 → dense 32 → 3;
    # 3-step returns; target sync every 100 updates; γ 0.9; Adam 2e-3; Huber; batch 32;
    # ε 1 → 0.05 over 5k steps; learning starts at 500; an update every 2 environment steps.
    config = dqn.Config()
    assert (config.conv_filters, config.kernel_size, config.stride, config.hidden) == (4, 4, 2, 32)
    assert (config.n_step, config.target_network, config.target_sync, config.gamma) == (3, True, 100, 0.9)
    assert (config.optimizer, config.learning_rate, config.huber_delta, config.batch_size) == ("adam", 2e-3, 1.0, 32)
    assert (config.epsilon_start, config.epsilon_end, config.epsilon_steps) == (1.0, 0.05, 5_000)
    assert (config.learning_starts, config.update_every) == (500, 2)
    assert config.total_steps == 12_500  # (12,500 − 500)/2 + 1 = 6,001 updates


@pytest.mark.parametrize(
    "settings, pattern",
    [
        ({"learning_rate": 0.0}, r"learning_rate.*0\.0"),
        ({"learning_rate": -1e-3}, r"learning_rate.*-0\.001"),
        ({"gamma": 1.5}, r"gamma.*1\.5"),
        ({"gamma": -0.1}, r"gamma.*-0\.1"),
        ({"batch_size": 64, "replay_capacity": 32}, r"batch of 64.*capacity of 32"),
        ({"learning_starts": 33}, r"learning_starts.*34.*33"),
        ({"optimizer": "sgd"}, r"adam.*rmsprop.*'sgd'"),
        ({"epsilon_end": 1.2}, r"epsilon_end.*1\.2"),
        ({"epsilon_start": -0.5}, r"epsilon_start.*-0\.5"),
        ({"n_step": 0}, r"n_step.*0"),
        ({"total_steps": 2.5}, r"total_steps.*2\.5"),
        ({"huber_delta": 0.0}, r"huber_delta.*0\.0"),
        ({"max_grad_norm": -1.0}, r"max_grad_norm.*-1\.0"),
    ],
)
def test_config_rejects_bad_settings_naming_the_value(settings, pattern):
    with pytest.raises(ValueError, match=pattern):
        dqn.Config(**settings)


# --- build_q_network -----------------------------------------------------------------------------


@exercise("actors.dqn.build_q_network")
def test_q_network_reads_pixels_through_a_4x4_stride_2_convolution_then_dense_layers():
    net = dqn.build_q_network(SHAPE, 3, dqn.Config(), Rng(0))
    first, relu_1, hidden, relu_2, head = net.layers
    assert isinstance(first, conv.Conv2D) and isinstance(hidden, dense.Dense) and isinstance(head, dense.Dense)
    assert (relu_1.kind, relu_2.kind) == ("relu", "relu")
    assert (first.in_channels, first.out_channels, first.kernel_size, first.stride, first.padding) == (1, 4, 4, 2, 0)
    assert first.output_size == (7, 7)  # (16 − 4)//2 + 1
    assert first.input_gradient is False  # nobody learns the pixels
    assert (hidden.in_features, hidden.out_features, head.in_features, head.out_features) == (196, 32, 32, 3)
    assert sum(p.size for p in net.parameters()) == 6_471  # 4·16 + 4 + 196·32 + 32 + 32·3 + 3


@exercise("actors.dqn.build_q_network")
def test_q_network_draws_its_weights_from_the_rng_in_layer_order():
    # Conv2D, then the hidden layer with He initialisation, then the head (Xavier, the default).
    config, rng = dqn.Config(conv_filters=2, hidden=6), Rng(3)
    expected = [
        conv.Conv2D(1, 2, 4, (16, 16), rng, stride=2, input_gradient=False),
        dense.Dense(98, 6, rng, init="he"),
        dense.Dense(6, 3, rng),
    ]
    net = dqn.build_q_network(SHAPE, 3, config, Rng(3))
    assert values_of(net) == [[list(row) for row in p.value] for layer in expected for p in layer.parameters()]


@exercise("actors.dqn.build_q_network")
def test_q_network_gives_one_value_per_action_for_each_screen_of_a_batch():
    net = dqn.build_q_network(SHAPE, 5, dqn.Config(), Rng(1))
    q_values, _ = net.forward(random_screens(4, seed=2))
    assert len(q_values) == 4 and all(len(row) == 5 for row in q_values)
    assert len({tuple(row) for row in q_values}) == 4  # different screens, different values


@exercise("actors.dqn.build_q_network")
def test_q_network_sees_every_row_and_column_of_the_screen():
    # With every weight 1 and every bias 0 the output sums what the windows read, so a pixel
    # changes it exactly when some window covers the pixel, the paddle's row 15 included.
    net = dqn.build_q_network(SHAPE, 3, dqn.Config(), Rng(0))
    for parameter in net.parameters():
        parameter.value = [[1.0 if "bias" not in parameter.name else 0.0 for _ in row] for row in parameter.value]
    blank = net.forward([[0.0] * 256])[0][0]
    for row, col in [(15, 0), (15, 15), (0, 15), (8, 7)]:
        screen = [0.0] * 256
        screen[16 * row + col] = 1.0
        assert net.forward([screen])[0][0] != blank, (row, col)


@pytest.mark.parametrize(
    "kernel_size, stride",
    [
        pytest.param(k, s, marks=exercise("actors.dqn.build_q_network"), id=f"{k}x{k}-stride-{s}")
        for k, s in ((3, 2), (8, 3), (5, 2))
    ],
)
def test_q_network_refuses_a_kernel_whose_windows_miss_the_last_row(kernel_size, stride):
    # (16 − k) is not a multiple of the stride: the last window ends before row 15.
    with pytest.raises(ValueError) as error:
        dqn.build_q_network(SHAPE, 3, dqn.Config(kernel_size=kernel_size, stride=stride), Rng(0))
    assert_names(error, kernel_size, stride, 16)


@exercise("actors.dqn.build_q_network")
def test_q_network_accepts_any_kernel_whose_windows_tile_the_screen():
    # 2×2 stride 3 on 8×8: (8 − 2) = 6 is a multiple of 3, so windows start at 0, 3, 6 and the
    # last ends on row 7: H' = W' = 6//3 + 1 = 3, and the hidden layer reads 4·3·3 = 36 numbers
    net = dqn.build_q_network((1, 8, 8), 3, dqn.Config(kernel_size=2, stride=3), Rng(0))
    assert net.layers[2].in_features == 36


@pytest.mark.parametrize(
    "height, width",
    [pytest.param(h, w, marks=exercise("actors.dqn.build_q_network"), id=f"{h}x{w}") for h, w in ((16, 15), (15, 16))],
)
def test_q_network_refuses_a_screen_whose_last_column_or_last_row_alone_is_missed(height, width):
    # 4×4 stride 2: (16 − 4) is even, (15 − 4) is not; one side left out is enough to refuse
    with pytest.raises(ValueError) as error:
        dqn.build_q_network((1, height, width), 3, dqn.Config(), Rng(0))
    assert_names(error, 4, 2, height, width)


# --- build_dense_q_network (given), and the network DQN picks for its observation ----------------


def test_dense_q_network_for_4_numbers_and_2_actions_is_dense_relu_dense_with_450_parameters():
    net = dqn.build_dense_q_network(4, 2, dqn.Config(hidden=64), Rng(0))
    hidden, relu, head = net.layers
    assert isinstance(hidden, dense.Dense) and isinstance(head, dense.Dense) and relu.kind == "relu"
    assert (hidden.in_features, hidden.out_features, head.in_features, head.out_features) == (4, 64, 64, 2)
    assert sum(p.size for p in net.parameters()) == 450  # 4·64 + 64 + 64·2 + 2


def test_dense_q_network_draws_its_weights_from_the_rng_in_layer_order():
    # The hidden layer with He initialisation, then the head (Xavier, the default).
    rng = Rng(3)
    expected = [dense.Dense(4, 6, rng, init="he"), dense.Dense(6, 2, rng)]
    net = dqn.build_dense_q_network(4, 2, dqn.Config(hidden=6), Rng(3))
    assert values_of(net) == [[list(row) for row in p.value] for layer in expected for p in layer.parameters()]


def test_dqn_on_a_vector_observation_builds_the_dense_q_network_and_its_target_copy():
    agent = dqn.DQN((4,), 2, tiny_config(), Rng(0))
    assert values_of(agent.online) == values_of(dqn.build_dense_q_network(4, 2, tiny_config(), Rng(0)))
    assert values_of(agent.target) == values_of(agent.online)


@pytest.mark.parametrize("shape", [(2, 3), (1, 1, 16, 16)], ids=["2x3", "1x1x16x16"])
def test_dqn_refuses_an_observation_shape_that_is_neither_a_screen_nor_a_vector_naming_it(shape):
    with pytest.raises(ValueError, match=re.escape(repr(shape))):
        dqn.DQN(shape, 2, tiny_config(), Rng(0))


# --- sync_target -----------------------------------------------------------------------------------


@exercise("actors.dqn.sync_target")
def test_sync_target_copies_every_online_value_into_the_target():
    online = dqn.build_q_network(SHAPE, 3, tiny_config(), Rng(0))
    target = dqn.build_q_network(SHAPE, 3, tiny_config(), Rng(1))
    assert values_of(target) != values_of(online)
    before = values_of(online)
    dqn.sync_target(online, target)
    assert values_of(target) == values_of(online) == before  # θ⁻ ← θ: the online values, the online network untouched
    screens = random_screens(2, seed=0)
    assert target.forward(screens)[0] == online.forward(screens)[0]


@exercise("actors.dqn.sync_target")
def test_sync_target_makes_a_copy_that_later_online_changes_leave_alone():
    online = dqn.build_q_network(SHAPE, 3, tiny_config(), Rng(0))
    target = dqn.build_q_network(SHAPE, 3, tiny_config(), Rng(1))
    dqn.sync_target(online, target)
    frozen = values_of(target)
    assert frozen == values_of(online)
    for parameter in online.parameters():
        parameter.value[0][0] += 1.0  # in place, row by row, as Adam moves weights
    assert values_of(target) == frozen and values_of(online) != frozen, (
        "syncing copies the online weights into the target network: sharing the lists would move the target with every step"
    )


@exercise("actors.dqn.sync_target")
def test_sync_target_refuses_networks_of_different_shapes():
    online = dqn.build_q_network(SHAPE, 3, tiny_config(), Rng(0))
    target = dqn.build_q_network(SHAPE, 3, tiny_config(hidden=6), Rng(0))
    before = [[list(row) for row in p.value] for p in target.parameters()]
    with pytest.raises(ValueError):
        dqn.sync_target(online, target)
    assert [p.value for p in target.parameters()] == before  # nothing copied


# --- epsilon_at --------------------------------------------------------------------------------------


@exercise("actors.dqn.epsilon_at")
def test_epsilon_starts_at_its_start_and_reaches_its_end_after_epsilon_steps_then_stays():
    config = dqn.Config(epsilon_start=0.9, epsilon_end=0.2, epsilon_steps=10)
    assert dqn.epsilon_at(config, 0) == 0.9
    assert dqn.epsilon_at(config, 10) == pytest.approx(0.2, abs=1e-12)
    assert [dqn.epsilon_at(config, s) for s in (11, 100, 10**6)] == [dqn.epsilon_at(config, 10)] * 3


@exercise("actors.dqn.epsilon_at")
def test_epsilon_falls_linearly_in_between():
    # 0.9 + (s/10)·(0.2 − 0.9): 0.76 at step 2, 0.55 at step 5
    config = dqn.Config(epsilon_start=0.9, epsilon_end=0.2, epsilon_steps=10)
    assert [dqn.epsilon_at(config, s) for s in (2, 5, 9)] == pytest.approx([0.76, 0.55, 0.27], abs=1e-12)


@exercise("actors.dqn.epsilon_at")
def test_epsilon_of_the_default_schedule_goes_from_1_to_0_05_over_5000_steps():
    config = dqn.Config()
    assert [dqn.epsilon_at(config, s) for s in (0, 2_500, 5_000, 15_000)] == pytest.approx(
        [1.0, 0.525, 0.05, 0.05], abs=1e-12
    )


@exercise("actors.dqn.epsilon_at")
def test_epsilon_refuses_a_negative_step():
    with pytest.raises(ValueError) as error:
        dqn.epsilon_at(dqn.Config(), -1)
    assert_names(error, "step", -1)


# --- n_step_transition -------------------------------------------------------------------------------


@exercise("actors.dqn.n_step_transition")
def test_n_step_transition_sums_the_discounted_rewards_from_the_first_state_to_the_last_next_state():
    # 1 + 0.5·2 + 0.25·(−4) = 1
    window = [step([0.0], 2, 1.0, [1.0]), step([1.0], 0, 2.0, [2.0]), step([2.0], 1, -4.0, [3.0])]
    assert dqn.n_step_transition(window, 0.5) == dqn.NStepTransition([0.0], 2, 1.0, [3.0], False, 3)


@exercise("actors.dqn.n_step_transition")
def test_n_step_transition_of_a_window_ending_in_termination_is_terminated():
    window = [step([4.0], 1, 0.0, [5.0]), step([5.0], 1, 1.0, [6.0], terminated=True)]
    assert dqn.n_step_transition(window, 0.9) == dqn.NStepTransition([4.0], 1, 0.9, [6.0], True, 2)


@exercise("actors.dqn.n_step_transition")
def test_n_step_transition_of_a_window_ending_in_truncation_is_not_terminated():
    # A time limit is not the end of the MDP: the target must still bootstrap from [6.0].
    window = [step([4.0], 0, 0.5, [5.0]), step([5.0], 2, -1.0, [6.0], truncated=True)]
    assert dqn.n_step_transition(window, 0.5) == dqn.NStepTransition([4.0], 0, 0.0, [6.0], False, 2), (
        "a time-out is not a termination: a window cut off by the time limit is stored as not terminated"
    )


@exercise("actors.dqn.n_step_transition")
def test_n_step_transition_of_one_step_is_the_step_itself():
    assert dqn.n_step_transition([step([1.0], 2, -1.0, [2.0])], 0.9) == dqn.NStepTransition(
        [1.0], 2, -1.0, [2.0], False, 1
    )


@exercise("actors.dqn.n_step_transition")
def test_n_step_transition_refuses_an_empty_window_or_one_that_runs_past_the_episode_end():
    with pytest.raises(ValueError):
        dqn.n_step_transition([], 0.9)
    for ending in ({"terminated": True}, {"truncated": True}):
        window = [step([0.0], 0, 1.0, [1.0]), step([1.0], 0, 1.0, [2.0], **ending), step([9.0], 0, 1.0, [9.5])]
        with pytest.raises(ValueError) as error:
            dqn.n_step_transition(window, 0.9)
        assert_names(error, 1)  # the index of the step that ended the episode


# --- td_targets --------------------------------------------------------------------------------------


@exercise("actors.dqn.td_targets")
def test_td_target_of_an_ongoing_transition_bootstraps_from_the_best_next_value_discounted_by_gamma_to_the_m():
    # 1.5 + 0.5³·max(2, 8, −4) = 1.5 + 1
    transition = dqn.NStepTransition([0.0], 0, 1.5, [1.0], False, 3)
    assert dqn.td_targets([transition], [[2.0, 8.0, -4.0]], 0.5) == [2.5], (
        "an n-step target bootstraps with γ to the n, the number of steps the transition spans, not with γ"
    )


@exercise("actors.dqn.td_targets")
def test_td_target_of_a_terminal_transition_is_its_reward_alone():
    transition = dqn.NStepTransition([0.0], 1, 0.75, [1.0], True, 2)
    assert dqn.td_targets([transition], [[100.0, 200.0, 300.0]], 0.9) == [0.75], (
        "the target of a terminal step is its reward alone: this one bootstrapped from the next state"
    )


@exercise("actors.dqn.td_targets")
def test_td_target_of_a_truncated_transition_bootstraps_from_the_final_observation():
    # The window of 2 steps was cut by the time limit (terminated False): −1 + 0.5²·4 = 0.
    window = [step([4.0], 0, 0.0, [5.0]), step([5.0], 2, -1.0, [6.0], truncated=True)]
    transition = dqn.n_step_transition(window, 0.5)
    assert dqn.td_targets([transition], [[4.0, 2.0, 3.0]], 0.5) == [-0.5 + 1.0]


@exercise("actors.dqn.td_targets")
def test_td_targets_of_a_mixed_batch_follow_each_transitions_own_steps_and_ending():
    batch = [
        dqn.NStepTransition([0.0], 0, 1.0, [1.0], False, 1),  # 1 + 0.5·6
        dqn.NStepTransition([0.0], 0, 1.0, [1.0], False, 2),  # 1 + 0.25·6
        dqn.NStepTransition([0.0], 0, -1.0, [1.0], True, 3),  # −1
    ]
    assert dqn.td_targets(batch, [[6.0, 0.0], [0.0, 6.0], [6.0, 6.0]], 0.5) == [4.0, 2.5, -1.0]


@exercise("actors.dqn.td_targets")
def test_td_targets_refuse_a_bad_discount_or_q_values_of_another_length():
    transition = dqn.NStepTransition([0.0], 0, 1.0, [1.0], False, 1)
    with pytest.raises(ValueError) as error:
        dqn.td_targets([transition], [[0.0]], 1.5)
    assert_names(error, "gamma", 1.5)
    with pytest.raises(ValueError) as error:
        dqn.td_targets([transition], [[0.0], [1.0]], 0.9)
    assert_names(error, 1, 2)  # 1 transition, 2 rows of Q-values


# --- td_loss_and_gradient ----------------------------------------------------------------------------


@exercise("actors.dqn.td_loss_and_gradient")
def test_td_loss_is_the_mean_huber_loss_of_the_taken_actions_only():
    # errors: 5 − 3 = 2 (linear: 2 − 0.5 = 1.5) and 0 − 0.5 = −0.5 (quadratic: 0.125); the
    # untaken values (1.0 and 7.0) play no part. Mean: 0.8125.
    loss, _ = dqn.td_loss_and_gradient([[1.0, 5.0], [0.0, 7.0]], [1, 0], [3.0, 0.5])
    assert loss == 0.8125


@exercise("actors.dqn.td_loss_and_gradient")
def test_td_loss_gradient_is_the_clipped_error_over_the_batch_at_the_taken_action_and_zero_elsewhere():
    # clip(2, −1, 1)/2 = 0.5 and −0.5/2 = −0.25
    _, gradient = dqn.td_loss_and_gradient([[1.0, 5.0, 2.0], [0.0, 7.0, 2.0]], [1, 0], [3.0, 0.5])
    assert gradient == [[0.0, 0.5, 0.0], [-0.25, 0.0, 0.0]], (
        "the loss is a mean over the batch, so each row's gradient is divided by the batch size"
    )


@exercise("actors.dqn.td_loss_and_gradient")
def test_td_loss_with_a_wider_delta_stays_quadratic_longer():
    # δ = 3: the error 2 is now quadratic: ½·4 = 2, gradient 2/1
    loss, gradient = dqn.td_loss_and_gradient([[5.0, 0.0]], [0], [3.0], delta=3.0)
    assert (loss, gradient) == (2.0, [[2.0, 0.0]])


@exercise("actors.dqn.td_loss_and_gradient")
def test_td_loss_gradient_matches_central_differences():
    generator = random.Random(4)
    q_values = [[generator.uniform(-2.0, 2.0) for _ in range(3)] for _ in range(5)]
    actions = [generator.randrange(3) for _ in range(5)]
    # errors of −2.5, −0.4, 0.3, 0.7, 1.8: both sides of δ = 1, none near the kink
    targets = [q[a] + e for q, a, e in zip(q_values, actions, (2.5, 0.4, -0.3, -0.7, -1.8))]

    def loss_of(flat):
        rows = [flat[3 * i : 3 * i + 3] for i in range(5)]
        return dqn.td_loss_and_gradient(rows, actions, targets)[0]

    _, gradient = dqn.td_loss_and_gradient(q_values, actions, targets)
    check_gradient(loss_of, [q for row in q_values for q in row], [g for row in gradient for g in row], what="∂L/∂Q")


@exercise("actors.dqn.td_loss_and_gradient")
def test_td_loss_refuses_mismatched_lengths_and_actions_outside_the_outputs():
    with pytest.raises(ValueError) as error:
        dqn.td_loss_and_gradient([[0.0], [1.0]], [0], [0.0, 1.0])
    assert_names(error, 2, 1)  # 2 rows and 2 targets, 1 action
    with pytest.raises(ValueError) as error:
        dqn.td_loss_and_gradient([[0.0, 1.0, 2.0]], [3], [1.0])
    assert_names(error, 3)
    with pytest.raises(ValueError):
        dqn.td_loss_and_gradient([], [], [])


@exercise("actors.dqn.td_loss_and_gradient")
@exercise("actors.dqn.build_q_network")
def test_the_whole_q_network_loss_passes_the_trusted_gradient_checker():
    # Backpropagation from the TD loss through dense, ReLU and the convolution, every parameter
    # checked against central differences. Random screens and non-zero biases keep every ReLU
    # away from its kink.
    net = dqn.build_q_network(SHAPE, 3, tiny_config(conv_filters=2, hidden=4), Rng(2))
    generator = random.Random(6)
    for parameter in net.parameters():
        if "bias" in parameter.name:
            parameter.value = [[generator.uniform(0.05, 0.2) for _ in row] for row in parameter.value]
    screens, actions = random_screens(3, seed=5), [2, 0, 1]
    q_values, _ = net.forward(screens)
    targets = [q[a] + e for q, a, e in zip(q_values, actions, (1.7, -0.3, 0.4))]
    parameters = net.parameters()

    def set_parameters(flat):
        position = 0
        for parameter in parameters:
            rows = []
            for row in parameter.value:
                rows.append(list(flat[position : position + len(row)]))
                position += len(row)
            parameter.value = rows

    def loss_of(flat):
        set_parameters(flat)
        return dqn.td_loss_and_gradient(net.forward(screens)[0], actions, targets)[0]

    point = [w for parameter in parameters for row in parameter.value for w in row]
    network.zero_grad(parameters)
    outputs, tape = net.forward(screens)
    _, seed = dqn.td_loss_and_gradient(outputs, actions, targets)
    net.backward(tape, seed)
    analytic = [g for parameter in parameters for row in parameter.grad for g in row]
    check_gradient(loss_of, point, analytic, what="∂L/∂θ of the Q-network")


# --- DQN: acting ---------------------------------------------------------------------------------------


@exercise("actors.dqn.DQN.q_values")
def test_q_values_are_the_online_networks_outputs_for_one_screen():
    agent = dqn.DQN(SHAPE, 3, tiny_config(), Rng(0))
    screen = random_screens(1, seed=1)[0]
    q_row = agent.q_values(screen)
    assert q_row == agent.online.forward([screen])[0][0] and len(q_row) == 3


@exercise("actors.dqn.DQN.greedy_action")
def test_greedy_action_is_the_argmax_with_ties_to_the_lowest_action():
    agent = dqn.DQN(SHAPE, 3, tiny_config(), Rng(0))
    head = agent.online.layers[-1]
    head.weight.value = [[0.0] * 5 for _ in range(3)]
    screen = random_screens(1, seed=1)[0]
    for bias, expected in (([1.0, 2.0, 2.0], 1), ([0.0, -1.0, 0.5], 2), ([3.0, 3.0, 3.0], 0)):
        head.bias.value = [bias]
        assert agent.greedy_action(screen) == expected


@exercise("actors.dqn.DQN.greedy_action")
def test_greedy_action_follows_the_q_values_screen_by_screen():
    agent = dqn.DQN(SHAPE, 3, dqn.Config(), Rng(4))
    actions = []
    for screen in random_screens(12, seed=3):
        q_row = agent.online.forward([screen])[0][0]
        actions.append(agent.greedy_action(screen))
        assert actions[-1] == q_row.index(max(q_row))


@exercise("actors.dqn.DQN.act")
def test_act_with_epsilon_zero_is_greedy():
    agent = dqn.DQN(SHAPE, 3, tiny_config(), Rng(0))
    agent.online.layers[-1].bias.value = [[0.0, 0.0, 50.0]]  # action 2 is clearly best
    rng = Rng(3)
    assert [agent.act(screen, 0.0, rng) for screen in random_screens(5, seed=2)] == [2] * 5


@exercise("actors.dqn.DQN.act")
def test_act_with_epsilon_one_draws_a_coin_then_a_uniform_action_from_the_rng():
    # policies.epsilon_greedy: one draw for the coin (explore when u < ε), one for the action.
    agent = dqn.DQN(SHAPE, 3, tiny_config(), Rng(0))
    agent.online.layers[-1].bias.value = [[0.0, 0.0, 50.0]]
    screen = random_screens(1, seed=2)[0]
    rng, replay = Rng(9), Rng(9)
    actions = [agent.act(screen, 1.0, rng) for _ in range(300)]
    expected = []
    for _ in range(300):
        replay.uniform()
        expected.append(replay.integers(0, 3))
    assert actions == expected and set(actions) == {0, 1, 2}


@exercise("actors.dqn.DQN.act")
def test_act_on_a_vector_observation_is_greedy_on_the_dense_networks_values():
    agent = dqn.DQN((4,), 2, tiny_config(), Rng(0))
    agent.online.layers[-1].bias.value = [[0.0, 50.0]]  # action 1 is clearly best
    rng = Rng(3)
    assert [agent.act(observation, 0.0, rng) for observation in random_vectors(5, seed=2)] == [1] * 5


# --- DQN.update ----------------------------------------------------------------------------------------


def expected_loss(agent, batch, bootstrap_net):
    next_q = bootstrap_net.forward([t.next_observation for t in batch])[0]
    q = agent.online.forward([t.observation for t in batch])[0]
    gamma = agent.config.gamma
    targets = [t.reward if t.terminated else t.reward + gamma**t.steps * max(n) for t, n in zip(batch, next_q)]
    return statistics.fmean(huber(row[t.action] - y) for row, t, y in zip(q, batch, targets)), targets


@exercise("actors.dqn.DQN.update")
def test_update_returns_the_huber_loss_against_the_target_networks_targets_before_its_step():
    agent = dqn.DQN(SHAPE, 3, dqn.Config(), Rng(0))
    for parameter in agent.online.parameters():  # move the online network away from its target copy
        parameter.value = [[w * 1.1 for w in row] for row in parameter.value]
    batch = random_batch(8, seed=1)
    loss, _ = expected_loss(agent, batch, agent.target)
    assert agent.update(batch) == pytest.approx(loss, rel=1e-12), (
        "the TD targets come from the frozen target network, not from the online network being trained"
    )
    assert agent.updates == 1


@pytest.mark.parametrize(
    "optimizer", [pytest.param(name, marks=exercise("actors.dqn.DQN.update"), id=name) for name in ("adam", "rmsprop")]
)
def test_one_gradient_step_lowers_the_huber_loss_on_a_fixed_batch(optimizer):
    agent = dqn.DQN(SHAPE, 3, dqn.Config(optimizer=optimizer, learning_rate=1e-4), Rng(1))
    batch = random_batch(16, seed=2)
    before, targets = expected_loss(agent, batch, agent.target)
    agent.update(batch)
    q = agent.online.forward([t.observation for t in batch])[0]
    after = statistics.fmean(huber(row[t.action] - y) for row, t, y in zip(q, batch, targets))
    assert after < before


@exercise("actors.dqn.DQN.update")
def test_the_target_network_stays_frozen_between_syncs():
    agent = dqn.DQN(SHAPE, 3, tiny_config(target_sync=3), Rng(0))
    initial = values_of(agent.online)
    assert values_of(agent.target) == initial  # an exact copy at the start
    for update in (1, 2):
        agent.update(random_batch(4, seed=update))
        assert values_of(agent.target) == initial, update  # frozen while the online network moves
        assert values_of(agent.online) != initial
    agent.update(random_batch(4, seed=3))  # the 3rd update syncs
    synced = values_of(agent.online)
    assert values_of(agent.target) == synced
    assert synced != initial  # θ⁻ ← θ: the online network keeps what it learned, the target takes it
    agent.update(random_batch(4, seed=4))
    assert values_of(agent.target) == synced and values_of(agent.online) != synced


@exercise("actors.dqn.DQN.update")
def test_without_a_target_network_the_targets_bootstrap_from_the_online_network():
    agent = dqn.DQN(SHAPE, 3, tiny_config(target_network=False), Rng(0))
    assert agent.target is None
    batch = random_batch(6, seed=7)
    loss, _ = expected_loss(agent, batch, agent.online)
    assert agent.update(batch) == pytest.approx(loss, rel=1e-12)


@exercise("actors.dqn.DQN.update")
def test_each_update_starts_from_zeroed_gradients():
    # Backward passes accumulate (+=), so step 3 zeroes the gradients first. Two updates in a row
    # must leave the second minibatch's gradient alone, as a twin that zeroes by hand before its
    # second update has it.
    agent, twin = (dqn.DQN(SHAPE, 3, dqn.Config(), Rng(0)) for _ in range(2))
    first, second = random_batch(8, seed=1), random_batch(8, seed=2)
    agent.update(first)
    twin.update(first)
    agent.update(second)
    for parameter in twin.online.parameters():
        parameter.grad = [[0.0] * len(row) for row in parameter.grad]
    twin.update(second)
    mine = [g for p in agent.online.parameters() for row in p.grad for g in row]
    theirs = [g for p in twin.online.parameters() for row in p.grad for g in row]
    assert any(g != 0.0 for g in theirs)
    assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-12), (
        "update must zero the gradients before its backward pass: this one added the previous minibatch's gradient to this one's"
    )


@exercise("actors.dqn.DQN.update")
def test_update_clips_the_gradient_to_max_grad_norm():
    batch = random_batch(8, seed=3)
    norms = []
    for max_norm in (1e6, 1e-3):
        agent = dqn.DQN(SHAPE, 3, dqn.Config(max_grad_norm=max_norm), Rng(0))
        agent.update(batch)
        norms.append(optimizers.global_norm(agent.online.parameters()))
    assert norms[0] > 1e-2  # the real gradient
    assert norms[1] == pytest.approx(1e-3, rel=1e-9)  # rescaled to the cap


@exercise("actors.dqn.DQN.update")
def test_update_learns_only_through_the_taken_actions_output():
    # Only Q(s, a) of the taken action has a target: the head's other rows get no gradient.
    agent = dqn.DQN(SHAPE, 3, tiny_config(), Rng(0))
    batch = [
        dqn.NStepTransition(t.observation, 1, t.reward, t.next_observation, t.terminated, t.steps)
        for t in random_batch(4, 1)
    ]
    head_before = [list(row) for row in agent.online.layers[-1].weight.value]
    agent.update(batch)
    head_after = agent.online.layers[-1].weight.value
    assert head_after[0] == head_before[0] and head_after[2] == head_before[2]
    assert head_after[1] != head_before[1]


@exercise("actors.dqn.DQN.update")
def test_update_on_vector_observations_returns_the_huber_loss_and_moves_the_dense_network():
    agent = dqn.DQN((4,), 2, tiny_config(), Rng(0))
    batch = random_vector_batch(8, seed=1)
    loss, _ = expected_loss(agent, batch, agent.target)
    before = values_of(agent.online)
    assert agent.update(batch) == pytest.approx(loss, rel=1e-12)
    assert values_of(agent.online) != before


# --- train ---------------------------------------------------------------------------------------------


def tiny_run(seed=0, **overrides):
    """Three one-fruit episodes (15 steps each) and 5 more steps; updates at steps 8, 10, …, 50."""
    episodes, updates = [], []
    config = tiny_config(total_steps=50, learning_starts=8, update_every=2, **overrides)
    result = dqn.train(
        catcher.Catcher(fruits=1), config, seed=seed, on_episode=episodes.append, on_update=updates.append
    )
    return result, episodes, updates


class RecordingCatcher(catcher.Catcher):
    """The catcher, remembering the seed of every reset."""

    def __init__(self, **options):
        super().__init__(**options)
        self.seeds = []

    def reset(self, seed=None):
        self.seeds.append(seed)
        return super().reset(seed)


@exercise("actors.dqn.train")
def test_train_runs_episodes_and_updates_and_reports_after_each():
    result, episodes, updates = tiny_run()
    assert (result.lengths, result.episode_end_steps) == ([15, 15, 15], [15, 30, 45])
    assert all(total in (-1.0, 1.0) for total in result.returns)
    assert [(r.episode, r.total_reward, r.length, r.step) for r in episodes] == [
        (i + 1, total, 15, 15 * (i + 1)) for i, total in enumerate(result.returns)
    ]
    assert [r.update for r in updates] == list(range(1, 23))  # steps 8, 10, …, 50
    assert result.agent.updates == 22 and len(result.losses) == 22
    assert [r.loss for r in updates] == result.losses and all(math.isfinite(x) and x >= 0.0 for x in result.losses)
    assert all(r.agent is result.agent for r in episodes + updates)


@exercise("actors.dqn.train")
def test_train_seeds_the_world_once_with_its_generators_first_draw_then_draws_the_weights():
    world = RecordingCatcher(fruits=1)
    dqn.train(world, tiny_config(total_steps=50), seed=3)
    assert world.seeds == [Rng(3).integers(0, 2**31 - 1), None, None, None]  # three episodes end, a fourth begins
    # Before the first update the weights are the initial ones, drawn right after the world's seed.
    rng = Rng(3)
    rng.integers(0, 2**31 - 1)
    initial = values_of(dqn.DQN(SHAPE, 3, tiny_config(), rng).online)
    early = dqn.train(catcher.Catcher(fruits=1), tiny_config(total_steps=7), seed=3)
    assert early.agent.updates == 0 and values_of(early.agent.online) == initial


@exercise("actors.dqn.train")
def test_train_updates_when_step_plus_one_is_a_multiple_of_update_every():
    # update_every 3, learning from step 8 on, 20 steps: after steps 9, 12, 15 and 18
    config = tiny_config(total_steps=20, learning_starts=8, update_every=3)
    assert dqn.train(catcher.Catcher(fruits=1), config, seed=0).agent.updates == 4


@exercise("actors.dqn.train")
def test_train_is_reproducible_from_its_seed():
    first, _, _ = tiny_run(seed=3)
    again, _, _ = tiny_run(seed=3)
    other, _, _ = tiny_run(seed=4)
    assert (first.returns, first.losses) == (again.returns, again.losses)
    assert values_of(first.agent.online) == values_of(again.agent.online)
    assert first.losses != other.losses


@exercise("actors.dqn.train")
def test_train_callbacks_only_watch_a_run_without_them_is_the_same():
    watched, _, _ = tiny_run(seed=2)
    config = tiny_config(total_steps=50, learning_starts=8, update_every=2)
    unwatched = dqn.train(catcher.Catcher(fruits=1), config, seed=2)
    assert (unwatched.returns, unwatched.losses, unwatched.episode_end_steps) == (
        watched.returns,
        watched.losses,
        [15, 30, 45],
    )
    assert values_of(unwatched.agent.online) == values_of(watched.agent.online)


@exercise("actors.dqn.train")
def test_train_stores_n_step_transitions_with_shorter_ones_at_each_episode_end(monkeypatch):
    stored = []

    class RecordingBuffer(replay_buffer.ReplayBuffer):
        def add(self, item):
            stored.append(item)
            super().add(item)

    monkeypatch.setattr(dqn, "ReplayBuffer", RecordingBuffer)
    result, _, _ = tiny_run(gamma=0.5)
    # Each 15-step episode: 13 windows of 3 steps, then windows of 2 and 1 ending at its end;
    # the 5 steps after the third episode make 3 windows of 3 (the last 2 steps still wait).
    per_episode = [3] * 13 + [2, 1]
    assert [t.steps for t in stored] == per_episode * 3 + [3] * 3
    for episode, total in enumerate(result.returns):
        ending = stored[15 * episode : 15 * episode + 15]
        assert [t.terminated for t in ending] == [False] * 12 + [True] * 3
        assert [t.reward for t in ending] == [0.0] * 12 + [0.25 * total, 0.5 * total, total]  # the landing, discounted
    assert all(t.next_observation is not t.observation for t in stored)
    # Each step starts where the one before it led: the window starting 3 steps later starts at
    # this window's last next observation (s_{t+3}), within each episode.
    for episode in range(3):
        ending = stored[15 * episode : 15 * episode + 15]
        assert all(later.observation == first.next_observation for first, later in zip(ending, ending[3:]))


@exercise("actors.dqn.train")
def test_train_with_rmsprop_and_no_target_network_runs_too():
    result, _, updates = tiny_run(optimizer="rmsprop", target_network=False)
    assert result.agent.target is None and isinstance(result.agent.optimizer, optimizers.RMSProp)
    assert len(updates) == 22 and all(math.isfinite(x) for x in result.losses)


# --- learning outcomes ---------------------------------------------------------------------------------


# A reduced budget for CI: a smaller network (2 filters, 16 hidden units) updated on 16
# transitions after every step, 8-step returns and a target synced every 50 updates: 2,701
# updates per seed.
SLOW = dict(
    conv_filters=2,
    hidden=16,
    batch_size=16,
    learning_rate=2e-3,
    total_steps=3_000,
    learning_starts=300,
    epsilon_steps=1_500,
    n_step=8,
    target_sync=50,
    update_every=1,
)


@pytest.mark.slow
@pytest.mark.timeout(300)
@exercise("actors.dqn.train")
@exercise("actors.dqn.DQN.update")
def test_dqn_learns_to_catch_on_a_reduced_budget():
    # Random play scores 0 and the tracker 1. Over 20 seeds of the reference this budget gave
    # greedy normalised scores of 0.06 … 0.49 (mean 0.24, standard deviation 0.10: a catch rate
    # of about 32 % against random's 19 %). The mean of 3 seeds has a spread of about 0.06; the
    # bound sits 2.4 spreads below its mean (a correct implementation fails about 1 time in 120).
    scores = [normalised_score(dqn.train(catcher.Catcher(), dqn.Config(**SLOW), seed=seed).agent) for seed in range(3)]
    assert statistics.fmean(scores) >= 0.1, scores


@pytest.mark.heavy
@pytest.mark.timeout(1800)
@exercise("actors.dqn.train")
def test_dqn_at_its_defaults_catches_well_on_every_seed():
    # The lesson's run, 3 seeds: every greedy normalised score at least 0.8. Measured under the
    # seeding rule of mdp.world_seed: 0.828, 0.988 and 0.908. Over seeds 0-8, measured only to
    # see the spread (never to choose seeds), every seed reaches 0.8; dqn.Config's comment on
    # learning_rate keeps the nine scores and the settings that did worse.
    scores = [normalised_score(dqn.train(catcher.Catcher(), dqn.Config(), seed=seed).agent) for seed in range(3)]
    assert min(scores) >= 0.8, scores
