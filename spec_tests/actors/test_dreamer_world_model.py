"""Specs for actors.dreamer_world_model: the RSSM on a tiny configuration (Hafner et al. 2023).

What `observe` computes step by step, each loss term against its formula, each term's
gradient through time against the trusted checker (on the replay in dreamer_support: the
sampled latents and the stop-gradients of the recorded pass held), and the open-loop dream.
"""

import math

import pytest

from policywerk.actors import dreamer_losses, dreamer_world_model
from policywerk.building_blocks.network import zero_grad
from policywerk.primitives.random import Rng
from spec_tests.actors.dreamer_support import (
    ONLY,
    check_parameter_gradient,
    flat,
    hand_kl,
    hand_twohot,
    softmax,
    symexp,
    symlog,
    tiny_batch,
    tiny_config,
    tiny_model,
    world_model_loss_replay,
)
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# --- observe -------------------------------------------------------------------------------------


@exercise("actors.dreamer_world_model.WorldModel.observe")
def test_observe_starts_from_a_zero_state_and_samples_one_hot_latents():
    model, batch = tiny_model(), tiny_batch(1)
    observation = model.observe(batch.images, batch.actions, Rng(2))
    assert len(observation.hidden) == 3 and len(observation.hidden[0]) == 2
    assert observation.hidden[0] == [[0.0] * 3, [0.0] * 3]  # h_0 = 0
    assert observation.hidden[1] != observation.hidden[0]
    for step in observation.latents:
        for z in step:
            assert len(z) == 6 and sorted(z[:3]) == [0.0, 0.0, 1.0] and sorted(z[3:]) == [0.0, 0.0, 1.0]
    assert len(observation.prior_logits) == 3 and len(observation.posterior_logits) == 3  # one per step t
    assert [len(row) for step in observation.prior_logits for row in step] == [6] * 6
    assert len(observation.features()) == 6 and len(observation.features()[0]) == 9  # T·B rows of [h, z]


@exercise("actors.dreamer_world_model.WorldModel.observe")
def test_observe_follows_the_rssm_equations_step_by_step():
    model, batch = tiny_model(3), tiny_batch(4)
    observation = model.observe(batch.images, batch.actions, Rng(5))
    replay, hidden = Rng(5), [[0.0] * 3, [0.0] * 3]
    embeds = model.encoder.forward([dreamer_losses.preprocess_image(x, 9) for step in batch.images for x in step])[0]
    for t in range(3):
        if t > 0:  # h_t = GRU([z_{t−1}, a_{t−1}], h_{t−1})
            previous = observation.latents[t - 1]
            hidden = model.gru.step([z + a for z, a in zip(previous, batch.actions[t - 1])], hidden)[0]
        assert flat(observation.hidden[t]) == pytest.approx(flat(hidden), abs=1e-12)
        logits = model.posterior.forward([h + e for h, e in zip(hidden, embeds[2 * t : 2 * t + 2])])[0]
        assert flat(observation.posterior_logits[t]) == pytest.approx(flat(logits), abs=1e-12)
        for b in range(2):  # samples in the order t, b, with one draw per categorical
            z, _ = dreamer_losses.latent_sample(logits[b], 3, 0.01, replay)
            assert observation.latents[t][b] == z
        assert flat(observation.prior_logits[t]) == pytest.approx(flat(model.prior.forward(hidden)[0]), abs=1e-12)


@exercise("actors.dreamer_world_model.WorldModel.observe")
def test_observe_rejects_images_of_the_wrong_size():
    model, batch = tiny_model(), tiny_batch(1, pixels=16)
    with pytest.raises(ValueError) as error:
        model.observe(batch.images, batch.actions, Rng(0))
    assert_names(error, 9, 16)  # the model's 3×3 pixels, the image's 16


# --- the world-model loss ------------------------------------------------------------------------


def hand_terms(model, observation, batch):
    """The five terms written out from their formulas, on the model's own head outputs."""
    c = model.config
    features = observation.features()
    decoded = model.decoder.forward(features)[0]
    reward_logits = model.reward.forward(features)[0]
    continue_logits = model.continue_head.forward(features)[0]
    rewards = [r for step in batch.rewards for r in step]
    masks = [m for step in batch.reward_mask for m in step]
    continues = [k for step in batch.continues for k in step]
    count = len(features)
    image = sum((p - x) ** 2 for row, target in zip(decoded, observation.targets) for p, x in zip(row, target))
    reward = 0.0
    for logits, r, m in zip(reward_logits, rewards, masks):
        wanted = hand_twohot(symlog(r), c.bin_values)
        reward += m * -sum(w * math.log(p) for w, p in zip(wanted, softmax(logits)) if w)
    cont = 0.0
    for (logit,), k in zip(continue_logits, continues):
        p = 1.0 / (1.0 + math.exp(-logit))
        cont += -k * math.log(p) - (1.0 - k) * math.log(1.0 - p)
    kls = [
        hand_kl(q, p, c.classes, c.unimix)
        for qs, ps in zip(observation.posterior_logits, observation.prior_logits)
        for q, p in zip(qs, ps)
    ]
    clipped = sum(max(c.free_bits, value) for value in kls)
    return {
        "image": c.image_scale * image / count,
        "reward": c.reward_scale * reward / count,
        "continue": c.continue_scale * cont / count,
        "dynamics": c.dynamics_scale * clipped / count,
        "representation": c.representation_scale * clipped / count,
    }, sum(kls) / count


@exercise("actors.dreamer_world_model.WorldModel.loss")
def test_each_world_model_term_matches_its_formula():
    model, batch = tiny_model(free_bits=0.05), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    loss = model.loss(observation, batch)
    expected, mean_kl = hand_terms(model, observation, batch)
    assert loss.terms == pytest.approx(expected, abs=1e-9)
    assert loss.kl == pytest.approx(mean_kl, abs=1e-12)
    assert loss.total == pytest.approx(sum(expected.values()), abs=1e-9)
    assert len(loss.reconstructions) == 6 and len(loss.reconstructions[0]) == 9


@exercise("actors.dreamer_world_model.WorldModel.loss")
def test_the_image_loss_is_scaled_so_the_model_cannot_ignore_the_pixels():
    model, batch = tiny_model(), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    heavy = model.loss(observation, batch).terms["image"]
    light = dreamer_world_model.WorldModel.loss(_with_config(model, image_scale=1.0), observation, batch).terms["image"]
    assert heavy == pytest.approx(10.0 * light, abs=1e-9) and light > 0.0


def _with_config(model, **changes):
    clone = dreamer_world_model.WorldModel.__new__(dreamer_world_model.WorldModel)
    clone.__dict__.update(model.__dict__)
    clone.config = tiny_config(**changes)
    return clone


@exercise("actors.dreamer_world_model.WorldModel.loss")
def test_free_bits_hold_both_kl_terms_at_their_floor():
    model, batch = tiny_model(free_bits=50.0), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    loss = model.loss(observation, batch)
    assert loss.terms["dynamics"] == pytest.approx(0.5 * 50.0, abs=1e-12)
    assert loss.terms["representation"] == pytest.approx(0.1 * 50.0, abs=1e-12)
    assert all(g == 0.0 for row in loss.grad_prior_logits + loss.grad_posterior_logits for g in row)


@exercise("actors.dreamer_world_model.WorldModel.loss")
def test_a_term_scaled_by_zero_adds_nothing_to_the_total_or_the_gradients():
    # reward_scale alone (Config): the other four terms are 0·(their sums), and so are their gradients.
    model, batch = tiny_model(free_bits=0.0, **ONLY["reward"]), tiny_batch(6)
    observation = model.observe(batch.images, batch.actions, Rng(7))
    loss = model.loss(observation, batch)
    assert loss.total == pytest.approx(loss.terms["reward"], abs=1e-12) and loss.total > 0.0
    assert all(
        g == 0.0 for row in loss.grad_reconstructions + loss.grad_prior_logits + loss.grad_continue_logits for g in row
    )
    assert all(g == 0.0 for row in loss.grad_posterior_logits for g in row)
    assert any(g != 0.0 for row in loss.grad_reward_logits for g in row)
    masked_row = loss.grad_reward_logits[1]  # step 0 of sequence 1 has no reward (mask 0)
    assert masked_row == [0.0] * 5


@exercise("actors.dreamer_world_model.WorldModel.loss")
def test_the_loss_is_the_sum_of_its_formulas_on_the_observed_states():
    # The replay the gradient checks differentiate is the paper's formula with the samples and
    # stop-gradients held; at the recorded weights it is the loss itself.
    model, batch = tiny_model(free_bits=0.3), tiny_batch(8)
    observation = model.observe(batch.images, batch.actions, Rng(9))
    assert model.loss(observation, batch).total == pytest.approx(
        world_model_loss_replay(model, batch, observation), abs=1e-9
    )


@pytest.mark.parametrize(
    "term",
    [
        pytest.param(
            term,
            marks=exercise(
                "actors.dreamer_world_model.WorldModel.backward", "actors.dreamer_world_model.WorldModel.loss"
            ),
        )
        for term in ONLY
    ],
)
def test_each_world_model_term_passes_the_gradient_check_through_time(term):
    # Every weight of the model (encoder, GRU, posterior, prior, decoder, heads), a subset of
    # entries each, one term alone (the others scaled by 0), against the replay of the recorded
    # pass (dreamer_support: the samples and the stop-gradients held).
    model, batch = tiny_model(free_bits=0.0, **ONLY[term]), tiny_batch(8)
    recorded = model.observe(batch.images, batch.actions, Rng(9))

    def backward():
        model.backward(recorded, model.loss(recorded, batch))

    check_parameter_gradient(
        lambda: world_model_loss_replay(model, batch, recorded),
        backward,
        model.parameters(),
        what=f"world model: {term}",
    )


@exercise("actors.dreamer_world_model.WorldModel.backward")
def test_world_model_backward_reaches_every_network():
    model, batch = tiny_model(free_bits=0.0), tiny_batch(8)
    zero_grad(model.parameters())
    observation = model.observe(batch.images, batch.actions, Rng(9))
    model.backward(observation, model.loss(observation, batch))
    for network in (
        model.encoder,
        model.gru,
        model.posterior,
        model.prior,
        model.decoder,
        model.reward,
        model.continue_head,
    ):
        assert any(g != 0.0 for parameter in network.parameters() for row in parameter.grad for g in row)


@exercise(
    "actors.dreamer_world_model.WorldModel.observe",
    "actors.dreamer_world_model.WorldModel.loss",
    "actors.dreamer_world_model.WorldModel.backward",
)
def test_the_world_model_observes_scores_and_learns_from_sequences_of_a_single_step():
    # T = 1: only h_0 = 0 and the posterior; no GRU step at all, and still every term and its gradient
    model, batch = tiny_model(free_bits=0.0), tiny_batch(11, steps=1)
    recorded = model.observe(batch.images, batch.actions, Rng(3))
    assert recorded.hidden == [[[0.0] * 3, [0.0] * 3]]
    assert model.loss(recorded, batch).total == pytest.approx(world_model_loss_replay(model, batch, recorded), abs=1e-9)
    check_parameter_gradient(
        lambda: world_model_loss_replay(model, batch, recorded),
        lambda: model.backward(recorded, model.loss(recorded, batch)),
        model.encoder.parameters() + model.posterior.parameters() + model.decoder.parameters(),
        what="world model over one step",
    )


# --- open-loop prediction ------------------------------------------------------------------------


def check_the_dream(model, images, actions, context, seed):
    """open_loop against the docstring's recipe run here: observe the context, then the GRU and
    the prior with the real actions, each state decoded and its reward predicted."""
    pictures, rewards = dreamer_world_model.open_loop(model, images, actions, context, Rng(seed))
    assert len(pictures) == len(images) and len(rewards) == len(images) and len(pictures[0]) == 9
    replay, c, bins = Rng(seed), model.config, model.config.bin_values
    observation = model.observe([[x] for x in images[:context]], [[a] for a in actions[:context]], replay)
    features = observation.features()
    hidden, latent = observation.hidden[-1][0], observation.latents[-1][0]
    for t in range(context, len(images)):  # no more images: the GRU and the prior, with the real actions
        hidden = model.gru.step([latent + actions[t - 1]], [hidden])[0][0]
        latent = dreamer_losses.latent_sample(model.prior.forward([hidden])[0][0], c.classes, c.unimix, replay)[0]
        features.append(hidden + latent)
    for t, feature in enumerate(features):
        decoded = model.decoder.forward([feature])[0][0]
        assert pictures[t] == pytest.approx([symexp(v) + 0.5 for v in decoded], abs=1e-12)
        assert rewards[t] == pytest.approx(
            dreamer_losses.twohot_mean(model.reward.forward([feature])[0][0], bins), abs=1e-12
        )


@exercise("actors.dreamer_world_model.open_loop")
def test_open_loop_watches_the_context_then_dreams_on_with_the_real_actions():
    episode = tiny_batch(6, steps=6, size=1)
    check_the_dream(tiny_model(5), [step[0] for step in episode.images], [step[0] for step in episode.actions], 2, 7)


@exercise("actors.dreamer_world_model.open_loop")
def test_open_loop_dreams_from_a_context_of_one_image_without_an_action_after_the_last():
    # context 1: the dream starts right after the first image; 5 actions for 6 images are enough
    episode = tiny_batch(6, steps=6, size=1)
    check_the_dream(
        tiny_model(5), [step[0] for step in episode.images], [step[0] for step in episode.actions][:5], 1, 7
    )


@exercise("actors.dreamer_world_model.open_loop")
def test_open_loop_with_every_image_as_context_is_the_posterior_reconstruction():
    model = tiny_model(5)
    episode = tiny_batch(6, steps=3, size=1)
    images, actions = [step[0] for step in episode.images], [step[0] for step in episode.actions]
    pictures, _ = dreamer_world_model.open_loop(model, images, actions, 3, Rng(7))
    observation = model.observe([[x] for x in images], [[a] for a in actions], Rng(7))
    loss = model.loss(
        observation,
        dreamer_world_model.Batch(
            episode.images, episode.actions, episode.rewards, episode.continues, episode.reward_mask
        ),
    )
    assert flat(pictures) == pytest.approx([symexp(v) + 0.5 for v in flat(loss.reconstructions)], abs=1e-12)


@pytest.mark.parametrize(
    "context", [pytest.param(k, marks=exercise("actors.dreamer_world_model.open_loop")) for k in (0, 4, 1.5)]
)
def test_open_loop_needs_a_context_of_one_image_up_to_all_of_them(context):
    model = tiny_model(5)
    episode = tiny_batch(6, steps=3, size=1)
    with pytest.raises(ValueError) as error:
        dreamer_world_model.open_loop(
            model, [s[0] for s in episode.images], [s[0] for s in episode.actions], context, Rng(0)
        )
    assert_names(error, context)


@exercise("actors.dreamer_world_model.open_loop")
def test_open_loop_needs_an_action_after_every_image_but_the_last():
    model = tiny_model(5)
    episode = tiny_batch(6, steps=4, size=1)
    with pytest.raises(ValueError) as error:
        dreamer_world_model.open_loop(
            model, [s[0] for s in episode.images], [s[0] for s in episode.actions][:2], 1, Rng(0)
        )
    assert_names(error, 2, 4)  # 2 actions for 4 images
