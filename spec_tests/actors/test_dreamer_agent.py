"""Specs for actors.dreamer_agent: replay, acting, the update and the training loop of
DreamerV3 at small scale (Hafner et al. 2023), on small settings and tiny budgets; then what
the agent learns: the world model's dreams after a reduced budget (slow) and the greedy
agent's score in the real world at the lesson's defaults (heavy).
"""

import copy
import math
import random

import pytest

from policywerk.actors import dreamer_agent, dreamer_losses, dreamer_world_model
from policywerk.building_blocks.mdp import world_seed
from policywerk.building_blocks.network import zero_grad
from policywerk.building_blocks.optimizers import Adam, clip_by_global_norm
from policywerk.building_blocks.replay_buffer import ReplayBuffer
from policywerk.primitives.random import Rng
from policywerk.world import pixel_pointmass
from policywerk.world.pixel_pointmass import PixelPointMass
from spec_tests.actors.dreamer_support import flat, randomise
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise

SMALL = dict(
    image_size=4,
    batch_size=4,
    sequence_length=5,
    gru_units=4,
    categoricals=2,
    classes=3,
    encoder_units=6,
    hidden_units=6,
    head_units=4,
    actor_critic_units=6,
    bins=7,
    horizon=3,
    imagination_starts=4,
)


def small_config(**changes):
    return dreamer_world_model.Config(**{**SMALL, **changes})


def random_episodes(count, seed, size=4):
    """Whole episodes of random pushes in the pixel world, as EpisodeRecords."""
    world, generator, records = PixelPointMass(size=size), random.Random(seed), []
    for episode in range(count):
        record = dreamer_agent.EpisodeRecord()
        image, _ = world.reset(seed=seed * 100 + episode)
        record.begin(image)
        while True:
            action = [generator.uniform(-1.0, 1.0), generator.uniform(-1.0, 1.0)]
            step = world.step(action)
            record.add(action, step)
            image = step.observation
            if step.truncated:
                record.end()
                break
        records.append(record)
    return records


def labelled_episode(label, length):
    """An episode whose entries say where they come from: image [label, step]."""
    record = dreamer_agent.EpisodeRecord()
    for step in range(length):
        record.images.append([float(label), float(step)])
        record.actions.append([float(label), -float(step)])
        record.rewards.append(-float(step))
        record.continues.append(1.0)
        record.reward_mask.append(0.0 if step == 0 else 1.0)
    return record


# --- sample_batch --------------------------------------------------------------------------------


@exercise("actors.dreamer_agent.sample_batch")
def test_sample_batch_replays_consecutive_steps_of_one_episode_time_major():
    buffer = ReplayBuffer(10)
    for label in range(3):
        buffer.add(labelled_episode(label, 8))
    batch = dreamer_agent.sample_batch(buffer, batch_size=5, length=4, rng=Rng(2))
    columns = (batch.images, batch.actions, batch.rewards, batch.continues, batch.reward_mask)
    assert [len(column) for column in columns] == [4] * 5 and all(
        len(step) == 5 for column in columns for step in column
    )  # T × B
    replay = Rng(2)
    for b in range(5):  # an episode (one draw), then a start where 4 steps fit (one draw)
        label = replay.integers(0, 3)
        start = replay.integers(0, 8 - 4 + 1)
        assert [batch.images[t][b] for t in range(4)] == [[float(label), float(start + t)] for t in range(4)]
        assert [batch.actions[t][b] for t in range(4)] == [[float(label), -float(start + t)] for t in range(4)]
        assert [batch.rewards[t][b] for t in range(4)] == [-float(start + t) for t in range(4)]
        assert [batch.reward_mask[t][b] for t in range(4)] == [0.0 if start + t == 0 else 1.0 for t in range(4)]
        assert [batch.continues[t][b] for t in range(4)] == [1.0] * 4
    for seed in range(3):  # a single sequence, which mostly ends before its episode does: still T = 3 of everything
        single = dreamer_agent.sample_batch(buffer, batch_size=1, length=3, rng=Rng(seed))
        assert [
            len(column)
            for column in (single.images, single.actions, single.rewards, single.continues, single.reward_mask)
        ] == [3] * 5


@exercise("actors.dreamer_agent.sample_batch")
def test_sample_batch_can_take_a_whole_episode_but_not_more():
    buffer = ReplayBuffer(2)
    buffer.add(labelled_episode(7, 6))
    whole = dreamer_agent.sample_batch(buffer, batch_size=1, length=6, rng=Rng(0))
    assert [step[0] for step in whole.images] == [[7.0, float(t)] for t in range(6)]
    with pytest.raises(ValueError) as error:
        dreamer_agent.sample_batch(buffer, batch_size=1, length=7, rng=Rng(0))
    assert_names(error, 6, 7)


# --- acting --------------------------------------------------------------------------------------


@exercise("actors.dreamer_agent.Dreamer.act")
def test_act_starts_an_episode_from_a_zero_state_and_acts_on_the_posterior():
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 1)
    image = random_episodes(1, 3)[0].images[0]
    action, memory = agent.act(image, None, Rng(5))
    assert memory.hidden == [0.0] * 4 and memory.action == action
    c, replay = agent.config, Rng(5)
    embed = agent.model.encoder.forward([dreamer_losses.preprocess_image(image, 16)])[0][0]
    logits = agent.model.posterior.forward([[0.0] * 4 + embed])[0][0]
    latent, _ = dreamer_losses.latent_sample(logits, c.classes, c.unimix, replay)
    raw = agent.actor.forward([[0.0] * 4 + latent])[0][0]
    expected, _ = dreamer_losses.action_from_raw(raw, replay.normals(2), c.min_std, c.max_std)
    assert memory.latent == latent and action == pytest.approx(expected, abs=1e-12)


@exercise("actors.dreamer_agent.Dreamer.act")
def test_act_carries_the_recurrent_state_from_step_to_step():
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 1)
    images = random_episodes(1, 3)[0].images
    _, memory = agent.act(images[0], None, Rng(5))
    _, following = agent.act(images[1], memory, Rng(6))
    expected = agent.model.gru.step([memory.latent + memory.action], [memory.hidden])[0][0]
    assert following.hidden == pytest.approx(expected, abs=1e-12) and following.hidden != [0.0] * 4


@exercise("actors.dreamer_agent.Dreamer.act")
def test_the_greedy_agent_acts_on_the_posterior_mode_with_the_mean_action():
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 2)
    image = random_episodes(1, 4)[0].images[0]
    action, memory = agent.act(image, None, None, greedy=True)
    embed = agent.model.encoder.forward([dreamer_losses.preprocess_image(image, 16)])[0][0]
    logits = agent.model.posterior.forward([[0.0] * 4 + embed])[0][0]
    mode = []
    for group in (logits[:3], logits[3:]):
        mode += [1.0 if k == group.index(max(group)) else 0.0 for k in range(3)]
    raw = agent.actor.forward([[0.0] * 4 + mode])[0][0]
    assert memory.latent == mode
    assert action == pytest.approx([math.tanh(raw[0]), math.tanh(raw[1])], abs=1e-12)
    assert agent.act(image, None, None, greedy=True)[0] == action  # no randomness


@exercise("actors.dreamer_agent.Dreamer.act")
def test_the_greedy_mode_is_taken_in_each_categorical_on_its_own():
    # Posterior logits fixed by its last layer's bias: (0, 1, 0 | 5, 0, 0). The first group's
    # mode is its class 1, whatever the larger logit of the second group says.
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    last_weight, last_bias = agent.model.posterior.weights[-1], agent.model.posterior.biases[-1]
    last_weight.value = [[0.0] * len(row) for row in last_weight.value]
    last_bias.value = [[0.0, 1.0, 0.0, 5.0, 0.0, 0.0]]
    _, memory = agent.act(random_episodes(1, 4)[0].images[0], None, None, greedy=True)
    assert memory.latent == [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]


@exercise("actors.dreamer_agent.Dreamer.act")
def test_the_greedy_mode_of_one_class_per_categorical_is_all_ones():
    # classes = 1: each categorical is certain, its mode its only class
    agent = dreamer_agent.Dreamer(small_config(classes=1, categoricals=3), Rng(0))
    _, memory = agent.act(random_episodes(1, 4)[0].images[0], None, None, greedy=True)
    assert memory.latent == [1.0, 1.0, 1.0]


@exercise("actors.dreamer_agent.Dreamer.act")
def test_act_rejects_an_image_of_the_wrong_size():
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    with pytest.raises(ValueError) as error:
        agent.act([0.5] * 64, None, Rng(0))
    assert_names(error, 16, 64)


@exercise("actors.dreamer_agent.evaluate")
def test_evaluate_plays_one_greedy_episode_per_seed_in_the_real_world():
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    randomise([agent.model, agent.actor], 3)
    world = PixelPointMass(size=4)
    returns = dreamer_agent.evaluate(agent, world, [7, 8])
    for seed, value in zip([7, 8], returns):
        image, _ = world.reset(seed=seed)
        memory, total = None, 0.0
        for t in range(50):
            action, memory = agent.act(image, memory, None, greedy=True)
            step = world.step(action)
            total += step.reward
            image = step.observation
        assert step.truncated and value == pytest.approx(total, abs=1e-12)
    assert len(returns) == 2 and all(value < 0.0 for value in returns)


# --- the update ----------------------------------------------------------------------------------


@exercise("actors.dreamer_agent.Dreamer.update")
def test_an_update_steps_all_three_learners_and_moves_the_slow_critic_two_percent():
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    buffer = ReplayBuffer(5)
    for record in random_episodes(2, 1):
        buffer.add(record)
    batch = dreamer_agent.sample_batch(buffer, 4, 5, Rng(1))
    snapshot = lambda network: [[list(row) for row in p.value] for p in network.parameters()]  # noqa: E731
    model, actor, critic, slow = (snapshot(n) for n in (agent.model, agent.actor, agent.critic, agent.slow_critic))
    stats = agent.update(batch, Rng(2))
    for network, before in ((agent.model, model), (agent.actor, actor), (agent.critic, critic)):
        assert snapshot(network) != before
    for old, new_slow, new_fast in zip(flat(slow), flat(snapshot(agent.slow_critic)), flat(snapshot(agent.critic))):
        assert new_slow == pytest.approx(old + 0.02 * (new_fast - old), abs=1e-12)
    assert stats.model_loss == pytest.approx(sum(stats.model_terms.values()), abs=1e-9) and stats.model_loss > 0.0
    assert stats.return_scale >= 1.0 and stats.entropy > 0.0
    assert agent.normaliser.high_value != 0.0 or agent.normaliser.low_value != 0.0


def small_batch(seed=1):
    buffer = ReplayBuffer(5)
    for record in random_episodes(2, seed):
        buffer.add(record)
    return dreamer_agent.sample_batch(buffer, 4, 5, Rng(seed))


def all_values(agent):
    return [
        [list(row) for row in p.value]
        for n in (agent.model, agent.actor, agent.critic, agent.slow_critic)
        for p in n.parameters()
    ]


@exercise("actors.dreamer_agent.Dreamer.update")
def test_an_update_starts_each_learner_from_zeroed_gradients():
    # Gradients left over from elsewhere must not leak into any step: an agent whose gradients
    # hold 1000 before the update ends exactly where an identical agent with zero gradients does.
    clean, dirty = dreamer_agent.Dreamer(small_config(), Rng(0)), dreamer_agent.Dreamer(small_config(), Rng(0))
    for network in (dirty.model, dirty.actor, dirty.critic):
        for parameter in network.parameters():
            parameter.grad = [[1000.0] * len(row) for row in parameter.value]
    batch, before = small_batch(), all_values(clean)
    for agent in (clean, dirty):
        agent.update(batch, Rng(2))
    assert all_values(dirty) == all_values(clean) != before


@exercise("actors.dreamer_agent.Dreamer.update")
def test_an_update_clips_each_learners_gradient_to_its_global_norm():
    # Clipped to a norm of 1e-12, every gradient is far below Adam's ε (1e-8 for the model, 1e-5
    # for the actor and critic), so no weight moves by more than a ten-thousandth of its
    # learning rate; with the usual clips the first Adam step moves some weight by about lr.
    def largest_moves(**clips):
        agent = dreamer_agent.Dreamer(small_config(**clips), Rng(0))
        randomise([agent.critic], 5)  # the zero-initialised critic head would give the actor no gradient to clip
        for slow, fast in zip(agent.slow_critic.parameters(), agent.critic.parameters()):
            slow.value = [list(row) for row in fast.value]
        before = {
            name: [[list(row) for row in p.value] for p in getattr(agent, name).parameters()]
            for name in ("model", "actor", "critic")
        }
        agent.update(small_batch(), Rng(2))
        return {
            name: max(
                abs(a - b)
                for p, old in zip(getattr(agent, name).parameters(), before[name])
                for row, old_row in zip(p.value, old)
                for a, b in zip(row, old_row)
            )
            for name in before
        }

    c = small_config()
    tight = largest_moves(model_clip=1e-12, actor_critic_clip=1e-12)
    usual = largest_moves()
    for name, lr in (("model", c.model_lr), ("actor", c.actor_lr), ("critic", c.critic_lr)):
        assert tight[name] < 1e-4 * lr, name
        assert usual[name] > 0.5 * lr, name


def recorded_update(monkeypatch, agent, batch, rng):
    """Run agent.update, keeping what it observed (with a copy of rng as observe left it), the
    loss it took, the starts and dream it imagined and the behaviour it scored."""
    seen = {}
    observe, loss = agent.model.observe, agent.model.loss
    imagine, behaviour_losses = dreamer_agent.imagine, dreamer_agent.behaviour_losses

    def recording_observe(images, actions, rng):
        seen["observation"] = observe(images, actions, rng)
        seen["rng"] = copy.deepcopy(rng)
        return seen["observation"]

    def recording_loss(observation, batch):
        seen["loss"] = loss(observation, batch)
        return seen["loss"]

    def recording_imagine(model, actor, start_hidden, start_latents, horizon, rng):
        seen["starts"] = ([list(h) for h in start_hidden], [list(z) for z in start_latents])
        seen["imagination"] = imagine(model, actor, start_hidden, start_latents, horizon, rng)
        return seen["imagination"]

    def recording_behaviour(imagination, model, critic, slow_critic, normaliser):
        seen["critics"] = (critic, slow_critic)
        seen["behaviour"] = behaviour_losses(imagination, model, critic, slow_critic, normaliser)
        return seen["behaviour"]

    monkeypatch.setattr(agent.model, "observe", recording_observe)
    monkeypatch.setattr(agent.model, "loss", recording_loss)
    monkeypatch.setattr(dreamer_agent, "imagine", recording_imagine)
    monkeypatch.setattr(dreamer_agent, "behaviour_losses", recording_behaviour)
    seen["stats"] = agent.update(batch, rng)
    return seen


@exercise("actors.dreamer_agent.Dreamer.update")
def test_an_update_imagines_from_posterior_states_picked_by_one_shuffle(monkeypatch):
    # "shuffle the T·B indices with rng.shuffle, take the first ones, row index t·B + b": right
    # after observe, the same shuffle of range(5·4) picks the 4 starts (t, b) = divmod(index, 4).
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    seen = recorded_update(monkeypatch, agent, small_batch(), Rng(2))
    indices = list(range(5 * 4))
    seen["rng"].shuffle(indices)
    chosen = [divmod(index, 4) for index in indices[:4]]
    observation = seen["observation"]
    assert seen["starts"] == (
        [observation.hidden[t][b] for t, b in chosen],
        [observation.latents[t][b] for t, b in chosen],
    )


@exercise("actors.dreamer_agent.Dreamer.update")
def test_an_update_reports_the_numbers_of_its_losses_and_its_dream(monkeypatch):
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    randomise([agent.critic], 5)  # a critic that predicts something, so the returns are not all 0
    seen = recorded_update(monkeypatch, agent, small_batch(), Rng(2))
    stats, loss, behaviour, imagination = seen["stats"], seen["loss"], seen["behaviour"], seen["imagination"]
    assert (stats.model_terms, stats.model_loss, stats.kl) == (loss.terms, loss.total, loss.kl)
    assert (stats.actor_loss, stats.critic_loss, stats.return_scale) == (
        behaviour.actor_loss,
        behaviour.critic_loss,
        behaviour.scale,
    )
    assert stats.imagined_return == pytest.approx(
        sum(behaviour.returns[0]) / 4, rel=1e-12
    )  # mean R_0 over the 4 starts
    assert stats.entropy == pytest.approx(
        sum(flat(imagination.entropies)) / (4 * 3), rel=1e-12
    )  # over 4 starts and H = 3
    assert len(set(flat(behaviour.returns))) > 1  # the returns differ from step to step: R_0 is not any R_t


@exercise("actors.dreamer_agent.Dreamer.update")
def test_an_update_scores_the_dream_with_the_critic_and_regularises_toward_the_slow_critic(monkeypatch):
    # behaviour_losses(imagination, model, critic, slow_critic, normaliser): the learning critic
    # first. (At the start both hold the same numbers, so only which is which can tell.)
    agent = dreamer_agent.Dreamer(small_config(), Rng(0))
    seen = recorded_update(monkeypatch, agent, small_batch(), Rng(2))
    assert seen["critics"][0] is agent.critic and seen["critics"][1] is agent.slow_critic


@exercise("actors.dreamer_agent.Dreamer.update")
def test_repeated_updates_fit_the_world_model_to_a_batch():
    # Every seed: 30 updates on one batch take its world-model loss well down (measured: to
    # under half; asked: under 70 %).
    for seed in range(3):
        buffer = ReplayBuffer(5)
        for record in random_episodes(3, seed):
            buffer.add(record)
        agent, rng = dreamer_agent.Dreamer(small_config(), Rng(seed)), Rng(seed)
        batch = dreamer_agent.sample_batch(buffer, 4, 5, rng)
        losses = [agent.update(batch, rng).model_loss for _ in range(30)]
        assert sum(losses[-3:]) < 0.7 * sum(losses[:3])


# --- the training loop ---------------------------------------------------------------------------

RUN = dict(prefill_steps=100, train_every=5, updates=4, eval_every=2, eval_episodes=2)


@exercise("actors.dreamer_agent.train")
def test_train_prefills_then_updates_every_train_every_steps_and_evaluates():
    reports = []
    result = dreamer_agent.train(small_config(**RUN), seed=3, on_update=reports.append)
    assert [report.update for report in reports] == [1, 2, 3, 4] and result.reports == reports
    assert [report.env_steps for report in reports] == [105, 110, 115, 120]  # 100 random steps, then 5 per update
    assert result.env_steps == 120 and len(result.episode_returns) == 2  # two 50-step episodes ended
    assert [update for update, _ in result.evaluations] == [2, 4]
    assert [report.evaluated for report in reports] == [False, True, False, True]
    assert reports[1].greedy_return == result.evaluations[0][1] and reports[0].greedy_return is None
    assert all(-150.0 < value < 0.0 for _, value in result.evaluations)  # 50 steps of −distance ≤ 2√2
    assert isinstance(result.agent, dreamer_agent.Dreamer) and all(report.agent is result.agent for report in reports)


@exercise("actors.dreamer_agent.train")
def test_train_seeds_its_world_once_with_the_runs_first_draw(monkeypatch):
    # The seeding rule (building_blocks.mdp.world_seed): the training world's first reset uses
    # world_seed(Rng(seed)), drawn before anything else; every later reset passes no seed.
    # The evaluation world resets with EVALUATION_SEED_BASE + i instead.
    worlds = []

    class RecordingPixelPointMass(PixelPointMass):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seeds = []
            worlds.append(self)

        def reset(self, seed=None):
            self.seeds.append(seed)
            return super().reset(seed=seed)

    monkeypatch.setattr(dreamer_agent, "PixelPointMass", RecordingPixelPointMass)
    monkeypatch.setattr(pixel_pointmass, "PixelPointMass", RecordingPixelPointMass)
    dreamer_agent.train(small_config(**{**RUN, "updates": 2}), seed=3)
    evaluation_seeds = {dreamer_agent.EVALUATION_SEED_BASE + i for i in range(RUN["eval_episodes"])}
    training = [w for w in worlds if w.seeds and w.seeds[0] not in evaluation_seeds]
    assert len(training) == 1, [w.seeds for w in worlds]
    assert training[0].seeds[0] == world_seed(Rng(3))
    assert len(training[0].seeds) >= 2 and all(seed is None for seed in training[0].seeds[1:])  # 110 steps: 2 episodes


def recorded_train(monkeypatch, config, seed):
    """Run train, keeping the training world's episodes (reset observation, every observation
    and reward), the replay's records, the images the agent acted on (with the world's latest
    observation then), the random pushes and the shapes of the updates' batches."""
    seen = {"episodes": [], "records": [], "acted": [], "pushed": 0, "batches": []}
    evaluation_seeds = {dreamer_agent.EVALUATION_SEED_BASE + i for i in range(config.eval_episodes)}

    class RecordingWorld(PixelPointMass):
        def reset(self, seed=None):
            image, info = super().reset(seed=seed)
            self.training = getattr(self, "training", seed not in evaluation_seeds)
            if self.training:
                seen["episodes"].append({"observations": [image], "rewards": []})
            return image, info

        def step(self, action):
            step = super().step(action)
            if self.training:
                seen["episodes"][-1]["observations"].append(step.observation)
                seen["episodes"][-1]["rewards"].append(step.reward)
            return step

    class RecordingBuffer(ReplayBuffer):
        def add(self, item):
            seen["records"].append(item)
            super().add(item)

    act, update, random_policy = dreamer_agent.Dreamer.act, dreamer_agent.Dreamer.update, dreamer_agent.random_policy

    def recording_act(self, image, memory, rng, greedy=False):
        if not greedy:
            seen["acted"].append((image, seen["episodes"][-1]["observations"][-1]))
        return act(self, image, memory, rng, greedy)

    def recording_update(self, batch, rng):
        seen["batches"].append((len(batch.images), len(batch.images[0])))
        return update(self, batch, rng)

    def recording_random_policy(rng):
        policy = random_policy(rng)

        def push(observation):
            seen["pushed"] += 1
            return policy(observation)

        return push

    monkeypatch.setattr(dreamer_agent, "PixelPointMass", RecordingWorld)
    monkeypatch.setattr(pixel_pointmass, "PixelPointMass", RecordingWorld)
    monkeypatch.setattr(dreamer_agent, "ReplayBuffer", RecordingBuffer)
    monkeypatch.setattr(dreamer_agent.Dreamer, "act", recording_act)
    monkeypatch.setattr(dreamer_agent.Dreamer, "update", recording_update)
    monkeypatch.setattr(dreamer_agent, "random_policy", recording_random_policy)
    seen["result"] = dreamer_agent.train(config, seed=seed)
    return seen


@exercise("actors.dreamer_agent.train")
def test_train_prefills_with_random_pushes_then_acts_with_the_agent_on_the_latest_image(monkeypatch):
    seen = recorded_train(monkeypatch, small_config(**RUN), seed=3)
    steps = sum(len(episode["rewards"]) for episode in seen["episodes"])
    assert steps == seen["result"].env_steps == 120  # every real step counted once
    assert seen["pushed"] == 100 and len(seen["acted"]) == 20  # prefill_steps random pushes, then the agent
    assert all(image == latest for image, latest in seen["acted"])


@exercise("actors.dreamer_agent.train")
def test_train_keeps_each_finished_episode_whole_in_the_replay_and_returns_its_rewards(monkeypatch):
    # EpisodeRecord: the first image with no reward, then an (action, step) per step, and the
    # closing [0, 0] action: one entry per image in every list.
    seen = recorded_train(monkeypatch, small_config(**RUN), seed=3)
    finished = seen["episodes"][: len(seen["records"])]
    assert len(seen["records"]) == 2
    for record, episode in zip(seen["records"], finished):
        assert record.images == episode["observations"]
        assert record.rewards == [0.0] + episode["rewards"] and record.reward_mask == [0.0] + [1.0] * 50
        assert len(record.actions) == len(record.continues) == 51 and record.actions[-1] == [0.0, 0.0]
    assert seen["result"].episode_returns == pytest.approx([sum(e["rewards"]) for e in finished], abs=1e-12)


@exercise("actors.dreamer_agent.train")
def test_train_updates_on_batches_of_batch_size_sequences_of_sequence_length(monkeypatch):
    seen = recorded_train(monkeypatch, small_config(**RUN), seed=3)
    assert seen["batches"] == [(5, 4)] * 4  # T = sequence_length 5, B = batch_size 4


@exercise("actors.dreamer_agent.train")
def test_train_starts_updating_as_soon_as_the_replay_holds_an_episode():
    # Prefill 30 steps, but the first episode only ends (enters the replay) at step 50: counting
    # from there, every 5th step updates: after steps 54, 59 and 64.
    result = dreamer_agent.train(
        small_config(**{**RUN, "prefill_steps": 30, "updates": 3, "eval_every": 3, "eval_episodes": 1}), seed=3
    )
    assert [report.env_steps for report in result.reports] == [54, 59, 64]


@exercise("actors.dreamer_agent.train")
def test_train_evaluates_after_the_last_update_and_is_reproducible():
    config = small_config(**{**RUN, "updates": 3})
    first, again = dreamer_agent.train(config, seed=5), dreamer_agent.train(config, seed=5)
    assert [update for update, _ in first.evaluations] == [2, 3]
    assert first.evaluations == again.evaluations and first.episode_returns == again.episode_returns
    other = dreamer_agent.train(config, seed=6)
    assert other.episode_returns != first.episode_returns


@exercise("actors.dreamer_agent.train")
def test_the_evaluation_uses_its_own_seeds_and_the_greedy_actor():
    result = dreamer_agent.train(small_config(**{**RUN, "updates": 2, "eval_episodes": 3}), seed=1)
    seeds = [dreamer_agent.EVALUATION_SEED_BASE + i for i in range(3)]
    expected = dreamer_agent.evaluate(result.agent, PixelPointMass(size=4), seeds)
    assert result.evaluations[-1][1] == pytest.approx(sum(expected) / 3, abs=1e-12)


# --- given code: the configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"horizon": 0}, "horizon"),
        ({"bin_low": 1.0, "bin_high": 20.0}, "contain 0"),
        ({"bin_low": -20.0, "bin_high": -1.0}, "contain 0"),
        ({"model_lr": 0.0}, "model_lr"),
        ({"actor_lr": -1e-3}, "actor_lr"),
        ({"critic_lr": 0.0}, "critic_lr"),
        ({"image_size": 1}, "image_size"),
        ({"sequence_length": 1}, "sequence_length"),
        ({"bins": 1}, "bins"),
        ({"gamma": 1.5}, "gamma"),
        ({"unimix": 1.0}, "unimix"),
        ({"min_std": 0.0}, "min_std"),
        ({"prefill_steps": -1}, "prefill_steps"),
        ({"image_scale": -1.0}, "image_scale"),
        ({"return_limit": 0.0}, "return_limit"),
        ({"batch_size": 2.5}, "batch_size"),
    ],
)
def test_config_rejects_settings_that_cannot_work(changes, message):
    with pytest.raises(ValueError, match=message):
        dreamer_world_model.Config(**changes)


def test_config_defaults_are_the_papers_where_the_lesson_keeps_them():
    c = dreamer_world_model.Config()
    assert (c.unimix, c.dynamics_scale, c.representation_scale, c.free_bits) == (0.01, 0.5, 0.1, 1.0)
    assert (c.horizon, c.lam, c.entropy_scale, c.slow_critic_fraction) == (15, 0.95, 3e-4, 0.02)
    assert (c.min_std, c.max_std, c.return_decay) == (0.1, 1.0, 0.99)
    assert c.latent_size == 32 and c.feature_size == 64 and len(c.bin_values) == c.bins


def test_config_deviations_from_the_paper_are_the_measured_ones():
    # Named in the module docstring, each with its measurement: the prediction terms ×10 (the
    # image's from the sizing trials, the reward's and continue's from the read-out of the
    # model state the docstring reports),
    # and 21 twohot bins on [−5, 5] in symlog space instead of the paper's 255 on [−20, 20].
    c = dreamer_world_model.Config()
    assert (c.image_scale, c.reward_scale, c.continue_scale, c.head_units) == (10.0, 10.0, 10.0, 32)
    assert (c.bins, c.bin_low, c.bin_high) == (21, -5.0, 5.0)
    assert c.bin_values[10] == 0.0 and c.bin_values[1] - c.bin_values[0] == pytest.approx(0.5)


def test_return_normaliser_rejects_bad_settings():
    for kwargs in ({"decay": 1.5}, {"limit": 0.0}, {"low": 95.0, "high": 5.0}):
        with pytest.raises(ValueError):
            dreamer_losses.ReturnNormaliser(**kwargs)


# --- the world model learns (slow) -------------------------------------------------------------

WORLD_MODEL_UPDATES = 600  # the reduced budget: world-model updates only, no behaviour


def dreamed_reward_error_ratio(seed, updates=WORLD_MODEL_UPDATES):
    """Train the world model alone (defaults, `updates` updates on 100 episodes of random
    pushes: the default prefill), then dream on 30 held-out episodes: from 3 windows of each,
    watch 5 frames and dream 15 steps with the episode's actions, 4 times (each dream samples
    its own latents from the prior; their mean reward is the model's expected reward). Returns
    the squared error of those dreamed rewards divided by that of always predicting the
    training mean reward: below 1, the dream knows more than the average."""
    c, rng = dreamer_world_model.Config(), Rng(seed)
    model = dreamer_world_model.WorldModel(c, rng)
    optimizer = Adam(model.parameters(), lr=c.model_lr, epsilon=c.model_epsilon)
    replay = ReplayBuffer(c.replay_capacity)
    for record in random_episodes(100, seed, size=c.image_size):
        replay.add(record)
    for _ in range(updates):  # step 1 of Dreamer.update, on its own
        batch = dreamer_agent.sample_batch(replay, c.batch_size, c.sequence_length, rng)
        zero_grad(model.parameters())
        observation = model.observe(batch.images, batch.actions, rng)
        model.backward(observation, model.loss(observation, batch))
        clip_by_global_norm(model.parameters(), c.model_clip)
        optimizer.step()
    rewards = [r for record in replay.items for r, m in zip(record.rewards, record.reward_mask) if m]
    mean_reward = sum(rewards) / len(rewards)
    dream_error = mean_error = 0.0
    dream_rng = Rng(seed)
    for record in random_episodes(30, 1000 + seed, size=c.image_size):
        for start in (0, 15, 30):
            window = slice(start, start + 20)
            dreams = [
                dreamer_world_model.open_loop(model, record.images[window], record.actions[window], 5, dream_rng)[1]
                for _ in range(4)
            ]
            for step, real in enumerate(record.rewards[start + 5 : start + 20], start=5):
                guess = sum(dream[step] for dream in dreams) / len(dreams)
                dream_error += (guess - real) ** 2
                mean_error += (mean_reward - real) ** 2
    return dream_error / mean_error


@pytest.mark.slow
@pytest.mark.timeout(900)
@exercise(
    "actors.dreamer_world_model.WorldModel.observe",
    "actors.dreamer_world_model.WorldModel.loss",
    "actors.dreamer_world_model.WorldModel.backward",
    "actors.dreamer_world_model.open_loop",
    "actors.dreamer_agent.sample_batch",
)
def test_after_a_reduced_budget_the_world_model_dreams_rewards_better_than_the_mean():
    # 15 steps into a dream the model has seen no picture for 15 steps: to beat the mean it must
    # have learned where the target is, how the pushes move the mass, and what the distance
    # pays. Required: the dream removes at least a quarter of the mean predictor's error.
    # Calibration: seeds 0, 1, 2 gave ratios 0.30, 0.37, 0.36 after 600 updates, and
    # seed 2 between 0.39 and 0.56 at 400–800 updates. One dream per window over 10 episodes
    # was too noisy to test: it gave seed 2 a ratio of 1.02 at 600 updates.
    ratio = dreamed_reward_error_ratio(seed=0)
    assert ratio < 0.75, f"dreamed reward error / mean-predictor error = {ratio:.3f}"


# --- the learning outcome at the defaults (heavy) -----------------------------------------------


def normalised_scores(agent, seeds):
    """(greedy − random) / (controller − random), mean returns over the same real episodes."""
    world = PixelPointMass()

    def mean_return(make_policy):
        total = 0.0
        for seed in seeds:
            image, _ = world.reset(seed=seed)
            policy = make_policy(seed)
            while True:
                step = world.step(policy(image))
                total += step.reward
                if step.truncated:
                    break
                image = step.observation
        return total / len(seeds)

    from policywerk.world import pixel_pointmass

    reference = mean_return(lambda seed: pixel_pointmass.reference_policy(world))
    random_pushes = mean_return(lambda seed: pixel_pointmass.random_policy(Rng(1000 + seed)))
    greedy = sum(dreamer_agent.evaluate(agent, world, seeds)) / len(seeds)
    return (greedy - random_pushes) / (reference - random_pushes)


@pytest.mark.heavy
@pytest.mark.timeout(7200)
@exercise("actors.dreamer_agent.train")
def test_at_the_defaults_the_greedy_agent_acts_well_in_the_real_world():
    # The lesson's outcome: over 3 seeds, the greedy actor's normalised score in the REAL world
    # is at least 0.5 on average and at least 0.3 for every seed (20 evaluation episodes).
    # Measured at the defaults (1050 updates, 8 imagination starts) with each world seeded by
    # mdp.world_seed: 0.797, 0.69 and 0.646 on Python 3.11 (mean 0.711); 0.786, 0.69 and 0.646 on
    # 3.13. The spread over seeds 0-8 (measured only to see it, never to choose seeds) is in the
    # Config's comment: 82 of their 84 triples meet this bar, the lowest seed scoring 0.394. A
    # correct implementation that adds in another order follows another trajectory, so it draws
    # its own triple: expect this spec to pass on most such draws, as it passes on the reference.
    scores = [
        normalised_scores(dreamer_agent.train(dreamer_world_model.Config(), seed=seed).agent, list(range(20)))
        for seed in range(3)
    ]
    assert sum(scores) / 3 >= 0.5 and min(scores) >= 0.3, f"scores {scores}"
