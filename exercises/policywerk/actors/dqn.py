"""Deep Q-learning from pixels: DQN (Mnih et al. 2013), with the additions that made it stable.

Q-learning (lesson 04) keeps one number per state and action. A screen of pixels has far too
many states for a table, so DQN replaces the table with a network: Q(s, ·; θ) reads the
pixels through convolutions and dense layers and outputs one value per action. (An
observation that is already a short vector of numbers, like a cart-pole's position, angle and
their velocities, needs no convolution: dense layers alone read it, and all the rest stays the
same.) The update is still Q-learning's, turned into a regression on minibatches:

    y = r + γ·max_a' Q(s', a'; θ⁻)            the TD target (just r when s' is terminal)
    L(θ) = mean over the batch of huber(Q(s, a; θ) − y)
    θ ← θ − lr·∇L                              only Q(s, a) of the action taken gets a gradient

Three ideas keep this from diverging, and this file names each where it happens:

1. Experience replay (the 2013 paper): every transition goes into a large memory, and each
   update learns from a random minibatch of it, which breaks the correlation between
   consecutive steps and reuses each transition many times.
2. Error clipping (the 2013 paper clips rewards; the 2015 paper clips the TD error to ±1,
   which is the gradient of a Huber loss): one surprising target cannot throw the weights far.
   Gradient clipping by global norm guards the same door once more.
3. A target network θ⁻ (Mnih et al. 2015, not in the 2013 paper): a frozen copy of the online
   network that the targets bootstrap from, copied from θ every C updates. Without it every
   step moves the target it is chasing. `Config(target_network=False)` switches it off, as in
   2013, so the lesson can show the difference.

And one later addition: n-step returns (Sutton 1988; in DQN since Hessel et al. 2018,
"Rainbow"). The target sums n rewards before it bootstraps,

    y = r_t + γ·r_{t+1} + … + γ^(m−1)·r_{t+m−1} + γ^m·max_a' Q(s_{t+m}, a'; θ⁻),   m <= n,

so a reward that arrives 15 steps after the decision that earned it (a fruit falling in the
catcher) travels back n steps per backup instead of one.

The crucial step easy to overlook: when the episode TERMINATED inside those m steps, the
target is the reward sum alone (nothing follows a terminal state); when a time limit
TRUNCATED it, the future was still there, so the target bootstraps from the final observation.

Exploration is ε-greedy, ε falling linearly from 1 to its final value (the 2013 paper: 1 to
0.1 over the first million frames). The optimizer is Adam by default (RMSProp, the paper's,
is one setting away).

References: V. Mnih et al., "Playing Atari with deep reinforcement learning", NIPS Deep
Learning Workshop (2013); V. Mnih et al., "Human-level control through deep reinforcement
learning", Nature 518 (2015); M. Hessel et al., "Rainbow: combining improvements in deep
reinforcement learning", AAAI (2018).
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Sequence

from policywerk.building_blocks.conv import Conv2D
from policywerk.building_blocks.dense import Dense
from policywerk.building_blocks.mdp import Transition, World, world_seed
from policywerk.building_blocks.network import Activation, Sequential, zero_grad
from policywerk.building_blocks.optimizers import Adam, RMSProp, clip_by_global_norm
from policywerk.building_blocks.policies import epsilon_greedy, greedy
from policywerk.building_blocks.replay_buffer import ReplayBuffer
from policywerk.building_blocks.returns import discounted_return
from policywerk.primitives.checks import require_count, require_one_of, require_positive, require_unit
from policywerk.primitives.losses import huber, huber_gradient
from policywerk.primitives.random import Rng
from policywerk.primitives.scalar import linear_schedule

OPTIMIZERS = ("adam", "rmsprop")


# ── hyperparameters ───────────────────────────────────────────────────────────────────────


# given
@dataclass(frozen=True)
class Config:
    """Every setting of a run. The defaults are the setting measured to learn the catcher
    (maintainer/PERFORMANCE.md, "The sizing trials"): 12,500 environment steps, 6,001
    updates. The paper's value is given beside each where it differs (2013 unless marked
    2015; papers/CONSTANTS.md lists them all)."""

    # the Q-network: conv → ReLU → dense → ReLU → dense (the paper: conv 16×8×8/4 → conv 32×4×4/2 → 256);
    # for a vector observation dense → ReLU → dense (build_dense_q_network), which reads only `hidden`
    conv_filters: int = 4  # 4 filters of 4×4, stride 2: a 16×16 screen becomes 7×7×4
    kernel_size: int = 4
    stride: int = 2
    hidden: int = 32  # dense units after the convolution, or after a vector observation (paper: 256)
    # the TD target
    gamma: float = 0.9  # discount (2015: 0.99; a fruit is worth chasing for ~15 steps)
    n_step: int = 3  # rewards summed before bootstrapping (Rainbow: 3; the 2013 paper: 1)
    target_network: bool = True  # bootstrap from a frozen copy (2015) instead of the online network (2013)
    target_sync: int = 100  # C: updates between copies of the online weights (2015: 10,000)
    huber_delta: float = 1.0  # the TD error beyond ±δ gets a constant gradient (2015: clip to ±1)
    # learning
    optimizer: str = "adam"  # "adam" or "rmsprop" (the paper's)
    learning_rate: float = 2e-3  # (2015: RMSProp 2.5e-4)
    # Measured on seeds 0-8 (greedy normalised score after 6,001 updates, the lesson's scoring):
    # 2e-3 gave 0.828, 0.988, 0.908, 0.933, 0.834, 0.951, 0.896, 0.828, 0.963 (mean 0.903, all
    # >= 0.8); 1e-3 gave 0.724, 0.908, 0.939, 0.834, 0.81, 0.896, 0.718, 0.902, 0.92 (mean 0.850).
    # At 1e-3 the same sweep also tried 5-step returns (mean 0.826), γ 0.95 (0.903, seed 0 at
    # 0.718) and ε over 2,500 steps (0.864, two seeds at 0.773): not taken.
    max_grad_norm: float = 10.0  # gradients rescaled to at most this global norm
    batch_size: int = 32  # minibatch (paper: 32)
    replay_capacity: int = 10_000  # transitions remembered (paper: the last million frames)
    learning_starts: int = 500  # environment steps before the first update
    update_every: int = 2  # environment steps per update (2015: 4)
    # exploration: ε from start to end linearly over epsilon_steps environment steps, then fixed
    epsilon_start: float = 1.0
    epsilon_end: float = 0.05  # (paper: 0.1)
    epsilon_steps: int = 5_000  # (paper: 1,000,000 frames)
    total_steps: int = 12_500  # environment steps of the whole run: 6,000 updates (paper: 10 million frames)

    def __post_init__(self):
        for name in (
            "conv_filters",
            "kernel_size",
            "stride",
            "hidden",
            "n_step",
            "target_sync",
            "batch_size",
            "replay_capacity",
            "learning_starts",
            "update_every",
            "epsilon_steps",
            "total_steps",
        ):
            require_count(f"Config: {name}", getattr(self, name))
        require_unit("Config: gamma (the discount)", self.gamma)
        for name in ("learning_rate", "huber_delta", "max_grad_norm"):
            require_positive(f"Config: {name}", getattr(self, name))
        require_one_of("Config: optimizer", self.optimizer, OPTIMIZERS)
        for name in ("epsilon_start", "epsilon_end"):
            require_unit(f"Config: {name}", getattr(self, name))
        if self.batch_size > self.replay_capacity:
            raise ValueError(
                f"Config: a replay batch of {self.batch_size} is larger than the buffer's capacity of {self.replay_capacity}"
            )
        # With n-step returns the first n − 1 steps make no transition yet: wait for a full batch.
        if self.learning_starts < self.batch_size + self.n_step - 1:
            raise ValueError(
                f"Config: learning_starts must be >= batch_size + n_step − 1 = {self.batch_size + self.n_step - 1} "
                f"(the buffer must hold a full batch at the first update), got {self.learning_starts}"
            )


# given
@dataclass
class NStepTransition:
    """What the replay memory holds: m <= n steps folded into one transition."""

    observation: list[float]  # s_t
    action: int  # a_t
    reward: float  # r_t + γ·r_{t+1} + … + γ^(m−1)·r_{t+m−1}
    next_observation: list[float]  # s_{t+m}, where the target bootstraps
    terminated: bool  # the episode terminated at step t+m−1: the target must not bootstrap
    steps: int  # m: the bootstrap is discounted by γ^m


# ── the Q-network ─────────────────────────────────────────────────────────────────────────


def build_q_network(observation_shape: tuple[int, int, int], n_actions: int, config: Config, rng: Rng) -> Sequential:
    """The Q-network: pixels in, one value per action out.

        Conv2D(C → conv_filters, kernel_size, stride, no padding, input_gradient=False)
        → ReLU → Dense(conv_filters·H'·W' → hidden, He init) → ReLU → Dense(hidden → n_actions)

    with H' = (H − kernel_size)//stride + 1 (likewise W'). The first layer needs no gradient
    for its input: nobody learns the pixels. Weights are drawn from rng in layer order.

    Pitfall: the kernel windows must tile the screen to its last row and column, i.e.
    (H − kernel_size) divisible by stride (likewise W). A 3×3 stride-2 kernel on a 16×16
    screen stops at row 14 and never sees the catcher's paddle on row 15. Raises ValueError
    for such a shape; the message names the kernel size, the stride and the screen's size.

    >>> net = build_q_network((1, 16, 16), 3, Config(), Rng(0))  # 4×4 stride 2: 16×16 → 7×7
    >>> [type(layer).__name__ for layer in net.layers], net.layers[2].in_features
    (['Conv2D', 'Activation', 'Dense', 'Activation', 'Dense'], 196)
    >>> len(net.forward([[0.0] * 256])[0][0]), sum(p.size for p in net.parameters())
    (3, 6471)
    """
    raise NotImplementedError(
        'actors.dqn.build_q_network is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )


# given
def build_dense_q_network(observation_size: int, n_actions: int, config: Config, rng: Rng) -> Sequential:
    """The Q-network for an observation that is a vector of numbers (a cart-pole's x, ẋ, θ, θ̇)
    instead of a screen: nothing to convolve, so dense layers read the vector itself.

        Dense(observation_size → hidden, He init) → ReLU → Dense(hidden → n_actions)

    Weights are drawn from rng in layer order. One hidden layer is enough for a cart-pole
    (lessons/bonus_gymnasium.py: 64 units; two layers of 32 learned no better).

    >>> net = build_dense_q_network(4, 2, Config(hidden=64), Rng(0))  # 4·64 + 64 + 64·2 + 2
    >>> [type(layer).__name__ for layer in net.layers], sum(p.size for p in net.parameters())
    (['Dense', 'Activation', 'Dense'], 450)
    >>> len(net.forward([[0.0, 0.1, -0.02, 0.3]])[0][0])
    2
    """
    return Sequential(
        [
            Dense(observation_size, config.hidden, rng, init="he", name="hidden"),
            Activation("relu"),
            Dense(config.hidden, n_actions, rng, name="q"),
        ]
    )


def sync_target(online: Sequential, target: Sequential) -> None:
    """Copy every parameter value of the online network into the target network (θ⁻ ← θ).

    A copy, not a share: the target's rows must be new lists, so that later updates of the
    online network leave the target frozen until the next sync. Gradients are not copied.
    Raises ValueError when the two networks' parameters differ in number or shape (before
    copying anything).

    >>> online, target = (build_q_network((1, 16, 16), 3, Config(), Rng(seed)) for seed in (0, 1))
    >>> sync_target(online, target)
    >>> target.parameters()[0].value == online.parameters()[0].value, target.parameters()[0].value is online.parameters()[0].value
    (True, False)
    """
    raise NotImplementedError(
        'actors.dqn.sync_target is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )


# ── exploration ───────────────────────────────────────────────────────────────────────────


def epsilon_at(config: Config, step: int) -> float:
    """ε at an environment step: linear from epsilon_start (step 0) to epsilon_end (step
    epsilon_steps), then fixed at epsilon_end: scalar.linear_schedule.

    Raises ValueError for a negative step; the message names step and its value.

    >>> config = Config(epsilon_start=1.0, epsilon_end=0.1, epsilon_steps=100)
    >>> [round(epsilon_at(config, step), 6) for step in (0, 50, 100, 1000)]
    [1.0, 0.55, 0.1, 0.1]
    """
    raise NotImplementedError(
        'actors.dqn.epsilon_at is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )


# ── n-step transitions and TD targets ─────────────────────────────────────────────────────


def n_step_transition(window: Sequence[Transition], gamma: float) -> NStepTransition:
    """Fold m consecutive steps of one episode into one transition for the replay memory.

    observation and action: the first step's; reward: r_0 + γ·r_1 + … + γ^(m−1)·r_(m−1)
    (returns.discounted_return); next_observation: the last step's; terminated: the last
    step's; steps: m = len(window). Only the last step may end the episode (terminated or
    truncated): a truncated window keeps terminated False, and its target bootstraps.

    Raises ValueError for an empty window, or for one that runs past the end of its
    episode; then the message names the index (from 0) of the first step that ended it.

    >>> steps = [Transition([0.0], 2, 1.0, [1.0], False, False), Transition([1.0], 0, 2.0, [2.0], True, False)]
    >>> n_step_transition(steps, gamma=0.5)  # 1 + 0.5·2
    NStepTransition(observation=[0.0], action=2, reward=2.0, next_observation=[2.0], terminated=True, steps=2)
    """
    raise NotImplementedError(
        'actors.dqn.n_step_transition is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )


def td_targets(batch: Sequence[NStepTransition], next_q_values: list[list[float]], gamma: float) -> list[float]:
    """The n-step TD target of each transition in a batch:

        y = reward                                       if it terminated (nothing follows)
        y = reward + γ^steps · max_a' next_q_values[i][a']   otherwise (also after a truncation)

    next_q_values[i] are the bootstrap network's Q-values of batch[i].next_observation (the
    target network's, or the online network's when it is switched off).

    Shapes: B transitions, B rows of n_actions -> B targets. Raises ValueError for γ outside
    [0, 1] (the message names gamma and its value) or for a batch and Q-values of different
    lengths (the message names both lengths).

    >>> batch = [NStepTransition([0.0], 0, 1.0, [1.0], False, 2), NStepTransition([0.0], 1, 1.0, [1.0], True, 1)]
    >>> td_targets(batch, [[3.0, 4.0], [3.0, 4.0]], gamma=0.5)  # 1 + 0.25·4; terminated: 1
    [2.0, 1.0]
    """
    raise NotImplementedError(
        'actors.dqn.td_targets is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )


# ── the loss ──────────────────────────────────────────────────────────────────────────────


def td_loss_and_gradient(
    q_values: list[list[float]], actions: Sequence[int], targets: Sequence[float], delta: float = 1.0
) -> tuple[float, list[list[float]]]:
    """The Huber loss of the taken actions' Q-values against their targets, and its gradient
    with respect to every Q-value (the seed of backpropagation):

        L = (1/B)·Σ_i huber(Q[i][a_i] − y_i)                 (losses.huber, threshold δ)
        ∂L/∂Q[i][a] = (1/B)·clip(Q[i][a_i] − y_i, −δ, δ)     for a = a_i, and 0 for every other a

    Only the action taken has a target: the other outputs get no gradient at all. The targets
    are constants (no gradient flows into the bootstrap network).

    Shapes: (B × n_actions), B actions, B targets -> (float, B × n_actions). Raises ValueError
    for an empty batch; for lengths that differ (the message names the three lengths); or for
    an action outside [0, n_actions) (the message names that action).

    >>> loss, grad = td_loss_and_gradient([[1.0, 5.0], [0.0, 0.0]], [1, 0], [3.0, 0.5])
    >>> loss, grad  # errors 2 (linear part: 1.5) and −0.5 (0.125); mean 0.8125; gradients 1/2, −0.5/2
    (0.8125, [[0.0, 0.5], [-0.25, 0.0]])
    """
    raise NotImplementedError(
        'actors.dqn.td_loss_and_gradient is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )


# ── the learner ───────────────────────────────────────────────────────────────────────────


class DQN:
    """The online Q-network, its target copy, the optimizer and the update count.

    The observation's shape picks the network: a screen (C, H, W) gets build_q_network's
    convolution, a vector (n,) build_dense_q_network's dense layers; any other shape is
    refused with a ValueError naming it.

    >>> agent = DQN((1, 16, 16), 3, Config(), Rng(0))
    >>> agent.greedy_action([0.0] * 256) in (0, 1, 2), agent.updates
    (True, 0)
    >>> [type(layer).__name__ for layer in DQN((4,), 2, Config(), Rng(0)).online.layers]
    ['Dense', 'Activation', 'Dense']
    """

    # given
    def __init__(self, observation_shape: tuple[int, ...], n_actions: int, config: Config, rng: Rng):
        self.config, self.n_actions = config, n_actions
        if len(observation_shape) == 3:
            self.online = build_q_network(observation_shape, n_actions, config, rng)
        elif len(observation_shape) == 1:
            self.online = build_dense_q_network(observation_shape[0], n_actions, config, rng)
        else:
            raise ValueError(
                f"DQN: observation_shape must be (channels, height, width) for a screen or (size,) for a vector, "
                f"got {observation_shape!r}"
            )
        # The target network starts as an exact copy, then is only ever changed by sync_target.
        self.target = copy.deepcopy(self.online) if config.target_network else None
        optimizer = Adam if config.optimizer == "adam" else RMSProp
        self.optimizer = optimizer(self.online.parameters(), lr=config.learning_rate)
        self.updates = 0

    def q_values(self, observation: list[float]) -> list[float]:
        """Q(s, ·) of one observation by the online network: one value per action."""
        raise NotImplementedError(
            'actors.dqn.DQN.q_values is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dqn'
        )

    def act(self, observation: list[float], epsilon: float, rng: Rng) -> int:
        """The behaviour policy: ε-greedy on the online network's Q(s, ·) (policies.epsilon_greedy:
        one draw for the coin, one more when exploring)."""
        raise NotImplementedError(
            'actors.dqn.DQN.act is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dqn'
        )

    def greedy_action(self, observation: list[float]) -> int:
        """argmax_a Q(s, a), ties to the lowest action, no randomness: the learned policy."""
        raise NotImplementedError(
            'actors.dqn.DQN.greedy_action is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dqn'
        )

    def update(self, batch: Sequence[NStepTransition]) -> float:
        """One gradient step on a minibatch; return its Huber loss (before the step).

            1. next Q-values of the next observations by the bootstrap network (the target
               network, or the online one when config.target_network is False)
            2. targets y = td_targets(batch, next Q, γ)
            3. zero the gradients; (Q, tape) = online.forward(observations); (loss, seed) =
               td_loss_and_gradient(Q, actions, y, δ); online.backward(tape, seed)
            4. clip_by_global_norm(parameters, max_grad_norm); optimizer.step()
            5. updates += 1; every target_sync updates: sync_target(online, target)

        backward takes the tape of the observations' forward, so when the online network also
        bootstraps, its forward on the next observations cannot disturb the gradient.
        """
        raise NotImplementedError(
            'actors.dqn.DQN.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dqn'
        )


# ── the training loop ─────────────────────────────────────────────────────────────────────


# given
@dataclass
class EpisodeReport:
    """What `train` tells its on_episode callback when an episode ends."""

    episode: int  # 1, 2, …
    total_reward: float  # the sum of the episode's rewards, as lived (ε-greedy)
    length: int  # its steps
    step: int  # the environment step at which it ended (1 … total_steps)
    agent: DQN  # the learner (live: it goes on learning after the callback)


# given
@dataclass
class UpdateReport:
    """What `train` tells its on_update callback after each gradient step."""

    update: int  # 1, 2, …
    loss: float  # the minibatch's Huber loss, before the step
    agent: DQN  # the learner, just updated (live)


# given
@dataclass
class TrainResult:
    agent: DQN  # the trained learner; agent.greedy_action(observation) is the greedy policy
    returns: list[float] = field(default_factory=list)  # sum of rewards of each finished episode, as lived (ε-greedy)
    lengths: list[int] = field(default_factory=list)  # steps of each finished episode
    losses: list[float] = field(default_factory=list)  # the Huber loss of each update
    episode_end_steps: list[int] = field(default_factory=list)  # the environment step at which each episode ended


def train(
    world: World,
    config: Config,
    seed: int = 0,
    on_episode: Callable[[EpisodeReport], None] | None = None,
    on_update: Callable[[UpdateReport], None] | None = None,
) -> TrainResult:
    """Run DQN for config.total_steps environment steps.

        rng = Rng(seed);  s ← world.reset(seed=world_seed(rng))      (the seeding rule: see mdp.world_seed)
        agent ← DQN(world.observation_shape, world.action_space.n, config, rng)
        for step = 0, 1, …, total_steps − 1:
            a ← agent.act(s, ε = epsilon_at(config, step), rng);  take it; keep the step in a
                window of the last n_step steps
            when the window holds n_step steps: replay.add(n_step_transition(window, γ)), drop
                its oldest step; when the episode ends, fold the rest of the window too
                (shorter windows), then call on_episode(EpisodeReport(episode, sum of rewards,
                length, step + 1, agent)) (episode counting from 1) and reset (no seed)
            after step + 1 >= learning_starts, every update_every steps (when (step + 1) is a
                multiple): loss = agent.update(replay.sample(batch_size, rng)), then
                on_update(UpdateReport(update, loss, agent)) (update counting from 1)

    After the world's seed, the one rng serves the weights, the ε-greedy choices and the
    replay samples, so a run is reproducible from its seed. An episode still running at the
    end is not recorded.
    """
    raise NotImplementedError(
        'actors.dqn.train is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dqn'
    )
