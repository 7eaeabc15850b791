"""World models: DreamerV3 at small scale, part 4 of 4: the agent and its training loop.

The agent (`Dreamer`) holds the world model, the actor, the critic and the critic's slow copy,
with an Adam optimiser each. `train` runs the paper's loop on the pixel point mass:

    prefill the replay with random play;
    repeat: act in the real world (sampling), store every finished episode, and every
            `train_every` steps replay a batch and `update`: the world model on the batch,
            then the actor and the critic on a dream imagined from its states;
    now and then `evaluate` the greedy agent on episodes of its own seeds.

The pieces are in dreamer_losses, the settings and the world model in dreamer_world_model,
behaviour learning in dreamer_behaviour.

Reference: D. Hafner, J. Pasukonis, J. Ba and T. Lillicrap, "Mastering diverse domains through
world models", arXiv:2301.04104 (2023).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from policywerk.actors.dreamer_behaviour import actor_backward, behaviour_losses, imagine
from policywerk.actors.dreamer_losses import ReturnNormaliser, action_from_raw, latent_sample, preprocess_image
from policywerk.actors.dreamer_world_model import ACTION_SIZE, Batch, Config, WorldModel
from policywerk.building_blocks.mdp import world_seed
from policywerk.building_blocks.network import MLP, zero_grad
from policywerk.building_blocks.optimizers import Adam, clip_by_global_norm
from policywerk.building_blocks.replay_buffer import ReplayBuffer
from policywerk.primitives.random import Rng
from policywerk.world.pixel_pointmass import PixelPointMass, random_policy


# given
@dataclass
class EpisodeRecord:
    """One episode, step by step as `Batch` stores it: the first image (reward 0, masked),
    then each image that came back from the world with its reward."""

    images: list = field(default_factory=list)
    actions: list = field(default_factory=list)  # the action taken after each image ([0, 0] after the last)
    rewards: list = field(default_factory=list)
    continues: list = field(default_factory=list)
    reward_mask: list = field(default_factory=list)

    def begin(self, image: list[float]) -> None:
        """The first image: no reward came with it."""
        self.images.append(image)
        self.rewards.append(0.0)
        self.continues.append(1.0)
        self.reward_mask.append(0.0)

    def add(self, action: list[float], step) -> None:
        """The action taken after the latest image, and the Step the world answered with."""
        self.actions.append(list(action))
        self.images.append(step.observation)
        self.rewards.append(step.reward)
        self.continues.append(0.0 if step.terminated else 1.0)
        self.reward_mask.append(1.0)

    def end(self) -> None:
        """No action follows the last image."""
        self.actions.append([0.0] * ACTION_SIZE)


def sample_batch(buffer: ReplayBuffer, batch_size: int, length: int, rng: Rng) -> Batch:
    """Replay `batch_size` sequences of `length` consecutive steps, time-major.

    For each sequence in turn: pick an episode, buffer.sample(1, rng)[0] (one draw), then a
    start uniformly among the positions where `length` steps fit, rng.integers(0,
    len(episode.images) − length + 1) (one draw); a sequence never crosses an episode's end.
    Raises ValueError when an episode picked is shorter than `length`; the message names
    both, the episode's steps and `length`.
    """
    raise NotImplementedError(
        'actors.dreamer_agent.sample_batch is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer_agent'
    )


# given
@dataclass
class Memory:
    """What the agent carries from one real step to the next: h, z and the action it took."""

    hidden: list[float]
    latent: list[float]
    action: list[float]


# given
@dataclass
class UpdateStats:
    """The numbers of one update, for progress lines and the lesson's trace."""

    model_terms: dict[str, float]
    model_loss: float
    kl: float
    actor_loss: float
    critic_loss: float
    imagined_return: float  # mean λ-return R_0 over the imagination starts
    return_scale: float
    entropy: float  # mean entropy of the actor in imagination


class Dreamer:
    """The agent: world model, actor, critic (and its slow copy), their optimisers.

    >>> agent = Dreamer(Config(), Rng(0))
    >>> agent.actor.out_features, agent.critic.out_features  # a mean and a spread per force coordinate
    (4, 21)
    """

    # given
    def __init__(self, config: Config, rng: Rng):
        c = config
        self.config = c
        self.model = WorldModel(c, rng)
        units = c.actor_critic_units
        # The paper's actor starts with small outputs (outscale 0.01): mean ≈ 0, std ≈ 0.9.
        latent = (c.gru_units, c.feature_size)  # where z sits in s = [h, z]
        self.actor = MLP([c.feature_size, units, units, 2 * ACTION_SIZE], rng, "actor", last_scale=0.01, one_hot=latent)
        self.critic = MLP([c.feature_size, units, units, c.bins], rng, "critic", last_scale=0.0, one_hot=latent)
        self.slow_critic = MLP([c.feature_size, units, units, c.bins], rng, "slow_critic", one_hot=latent)
        for slow, fast in zip(self.slow_critic.parameters(), self.critic.parameters()):
            slow.value = [list(row) for row in fast.value]
        self.normaliser = ReturnNormaliser(c.return_decay, c.return_limit)
        self.model_optimizer = Adam(self.model.parameters(), lr=c.model_lr, epsilon=c.model_epsilon)
        self.actor_optimizer = Adam(self.actor.parameters(), lr=c.actor_lr, epsilon=c.actor_critic_epsilon)
        self.critic_optimizer = Adam(self.critic.parameters(), lr=c.critic_lr, epsilon=c.actor_critic_epsilon)

    def update(self, batch: Batch, rng: Rng) -> UpdateStats:
        """One training step of all three learners on a replayed batch, in the paper's order.

        1. World model: zero its gradients, observe, loss, backward; clip the global norm to
           model_clip; one Adam step.
        2. Imagination: `imagination_starts` posterior states picked without replacement (shuffle
           the T·B indices with rng.shuffle, take the first ones, row index t·B + b); their h
           and z are data now (no gradient into the model). imagine H steps; behaviour_losses.
        3. Actor: zero, actor_backward, clip to actor_critic_clip, Adam step.
        4. Critic: zero, critic.backward(critic tape, its logit gradients, inputs=False),
           clip, Adam step; then the slow critic moves 2 % of the way to the critic:
           slow ← slow + fraction·(critic − slow), number by number.
        """
        raise NotImplementedError(
            'actors.dreamer_agent.Dreamer.update is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer_agent'
        )

    def act(
        self, image: list[float], memory: Memory | None, rng: Rng | None, greedy: bool = False
    ) -> tuple[list[float], Memory]:
        """One real step: update the recurrent state with the new image, then act.

            h = 0 at an episode's start (memory None), else GRU([z, a], h) of the memory
            z = the posterior's sample given [h, embed(image)]; greedy: its mode (in each
                categorical the most probable class, ties to the lowest index)
            action = action_from_raw(actor([h, z]), ε): ε = rng.normals(2), or 0 when greedy

        Returns (action, Memory(h, z, action)). No gradients: the tapes are dropped.
        Raises ValueError for an image of the wrong size; the message names both sizes, the
        model's pixels and the image's.
        """
        raise NotImplementedError(
            'actors.dreamer_agent.Dreamer.act is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check actors.dreamer_agent'
        )


def evaluate(agent: Dreamer, world: PixelPointMass, seeds: list[int]) -> list[float]:
    """The greedy agent's undiscounted return in the REAL world, one episode per seed:
    world.reset(seed=s), then act greedily (memory None at the start) until the episode ends.
    """
    raise NotImplementedError(
        'actors.dreamer_agent.evaluate is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer_agent'
    )


# given
@dataclass
class UpdateReport:
    """What `train` tells its callback after each update."""

    update: int  # updates done
    env_steps: int  # real steps so far (prefill included)
    stats: UpdateStats
    greedy_return: float | None  # mean greedy return of the latest evaluation (None before the first)
    evaluated: bool  # whether this update ran an evaluation
    agent: Dreamer | None = None  # the agent as it is now (for drawing; do not train it from a callback)


# given
@dataclass
class TrainResult:
    agent: Dreamer
    reports: list[UpdateReport]  # one per update
    evaluations: list[tuple[int, float]]  # (updates done, mean greedy return)
    episode_returns: list[float]  # the return of every real training episode (prefill included)
    env_steps: int


EVALUATION_SEED_BASE = 10_000  # evaluation episodes use seeds 10 000, 10 001, … (never a training seed)


def train(config: Config, seed: int = 0, on_update: Callable[[UpdateReport], None] | None = None) -> TrainResult:
    """Train DreamerV3 on the pixel point mass: collect, replay, update; evaluate greedily now and then.

        rng = Rng(seed); world = PixelPointMass(config.image_size), first reset with
        seed=world_seed(rng) (building_blocks.mdp: the one seeding rule, the run's first draw);
        agent = Dreamer(config, rng),
        replay = ReplayBuffer(config.replay_capacity) of EpisodeRecords
        prefill: act with pixel_pointmass.random_policy(rng) for prefill_steps steps
        then until `updates` updates: act with the agent (sampling, memory carried between
        steps, None after a reset); after every train_every steps past the prefill (once
        the replay holds an episode), update on sample_batch(replay, batch_size,
        sequence_length, rng); every eval_every updates (and after the last) evaluate on
        eval_episodes seeds EVALUATION_SEED_BASE + i in a separate world.

    An episode enters the replay when it ends; episodes started in the prefill keep being
    collected by the same loop. Calls on_update(UpdateReport) after each update.
    """
    raise NotImplementedError(
        'actors.dreamer_agent.train is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check actors.dreamer_agent'
    )
