"""What the DreamerV3 specs share: the formulas written out, tiny settings, and the replay
that the gradient checks differentiate. Trusted code: it lives in spec_tests/, never in the
package, and uses the learner's code only for forward passes its own specs check.

Why a replay. A gradient check compares a backward pass with central differences of the
function it claims to differentiate. The world model's and the behaviour's losses, as the
agent computes them, are not quite that function: a sampled one-hot z does not move when a
weight moves (the straight-through estimator claims it moves like its probabilities p), and
a stop-gradient sg(x) is by definition a constant. So the checks differentiate a replay of a
recorded pass: the same networks run again at the perturbed weights, with

    every one-hot z  replaced by  z + p − sg(p)    (p at the current weights, sg(p) recorded:
                                                   the same value, the estimator's derivative)
    every sg(x)      taken from the recorded pass  (KL balancing's sg(q) and sg(p); the actor's
                                                   inputs; the weights, the scale, the critic's
                                                   targets and the slow values)

The learner's code never knows about this: it samples with its Rng and computes the paper's
formulas, and the checks record what it computed.
"""

from __future__ import annotations

import math
import random

from policywerk.actors import dreamer_agent, dreamer_world_model
from policywerk.building_blocks.network import zero_grad
from policywerk.primitives.random import Rng
from spec_tests.gradcheck import check_gradient

# ── the formulas, written out ────────────────────────────────────────────────────────────


def softmax(logits):
    top = max(logits)
    weights = [math.exp(z - top) for z in logits]
    return [w / sum(weights) for w in weights]


def unimix(logits, u):
    return [(1.0 - u) * p + u / len(logits) for p in softmax(logits)]


def latent_probabilities(logits, classes, u):
    """The unimixed probabilities of every group of a latent's logits, side by side."""
    return [p for s in range(0, len(logits), classes) for p in unimix(logits[s : s + classes], u)]


def kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q))


def hand_kl(posterior_logits, prior_logits, classes, u):
    """KL[q ‖ p] of two latents written out: the sum over groups of Σ q·log(q/p)."""
    return sum(
        kl(unimix(posterior_logits[s : s + classes], u), unimix(prior_logits[s : s + classes], u))
        for s in range(0, len(prior_logits), classes)
    )


def symlog(x):
    return math.copysign(math.log(1.0 + abs(x)), x)


def symexp(x):
    return math.copysign(math.exp(abs(x)) - 1.0, x)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def flat(nested):
    """Every number of a nested list, in order (pytest.approx compares flat lists)."""
    if isinstance(nested, (list, tuple)):
        return [value for item in nested for value in flat(item)]
    return [nested]


def hand_twohot(value, bins):
    """The two weights around a value, from the definition (clamped at the ends)."""
    weights = [0.0] * len(bins)
    if value <= bins[0]:
        weights[0] = 1.0
    elif value >= bins[-1]:
        weights[-1] = 1.0
    else:
        k = max(i for i in range(len(bins)) if bins[i] <= value)
        above = (value - bins[k]) / (bins[k + 1] - bins[k])
        weights[k], weights[k + 1] = 1.0 - above, above
    return weights


def hand_twohot_loss(logits, target, bins):
    """−Σ twohot(symlog(target))·log softmax(logits)."""
    return -sum(w * math.log(p) for w, p in zip(hand_twohot(symlog(target), bins), softmax(logits)) if w)


def hand_twohot_mean(logits, bins):
    return symexp(sum(p * b for p, b in zip(softmax(logits), bins)))


def hand_lambda_returns(rewards, continues, values, gamma, lam):
    """R_H = v_H, R_t = r_t + γ·c_t·((1 − λ)·v_{t+1} + λ·R_{t+1}), backward in t."""
    returns, following = [0.0] * len(rewards), values[-1]
    for t in reversed(range(len(rewards))):
        following = rewards[t] + gamma * continues[t] * ((1.0 - lam) * values[t + 1] + lam * following)
        returns[t] = following
    return returns


def hand_action(raw, noise, min_std, max_std):
    """(action, entropy) of the reparameterised Gaussian: tanh mean, spread σ(raw + 2) mapped to [min, max]."""
    size = len(noise)
    stds = [(max_std - min_std) * sigmoid(s + 2.0) + min_std for s in raw[size:]]
    action = [math.tanh(m) + s * e for m, s, e in zip(raw[:size], stds, noise)]
    return action, sum(math.log(s) + 0.5 * math.log(2.0 * math.pi * math.e) for s in stds)


# ── tiny settings ────────────────────────────────────────────────────────────────────────

TINY = dict(
    image_size=3,
    batch_size=2,
    sequence_length=3,
    gru_units=3,
    categoricals=2,
    classes=3,
    encoder_units=4,
    hidden_units=4,
    head_units=3,
    actor_critic_units=4,
    bins=5,
    bin_low=-2.0,
    bin_high=2.0,
)

# Config settings that leave one world-model term alone in the loss (the others scaled by 0).
ONLY = {
    term: {
        name: (1.0 if name == f"{term}_scale" else 0.0)
        for name in ("image_scale", "reward_scale", "continue_scale", "dynamics_scale", "representation_scale")
    }
    for term in ("image", "reward", "continue", "dynamics", "representation")
}


def tiny_config(**changes):
    return dreamer_world_model.Config(**{**TINY, **changes})


def randomise(networks, seed):
    """Every weight uniform in [−1, 1] (the zero-initialised heads too), so every path matters."""
    generator = random.Random(seed)
    for network in networks:
        for parameter in network.parameters():
            parameter.value = [[generator.uniform(-1.0, 1.0) for _ in row] for row in parameter.value]


def tiny_batch(seed, steps=3, size=2, pixels=9):
    generator = random.Random(seed)
    return dreamer_world_model.Batch(
        images=[[[generator.random() for _ in range(pixels)] for _ in range(size)] for _ in range(steps)],
        actions=[[[generator.uniform(-1.0, 1.0) for _ in range(2)] for _ in range(size)] for _ in range(steps)],
        rewards=[[generator.uniform(-2.0, 0.0) for _ in range(size)] for _ in range(steps)],
        continues=[[float(generator.random() < 0.7) for _ in range(size)] for _ in range(steps)],
        reward_mask=[[0.0 if t == 0 and b == 1 else 1.0 for b in range(size)] for t in range(steps)],
    )


def tiny_model(seed=0, **changes):
    model = dreamer_world_model.WorldModel(tiny_config(**changes), Rng(seed))
    randomise([model], seed)
    return model


def tiny_agent(seed=0, **changes):
    agent = dreamer_agent.Dreamer(tiny_config(**changes), Rng(seed))
    randomise([agent.model, agent.actor, agent.critic, agent.slow_critic], seed)
    return agent


def tiny_starts(agent, seed):
    """Posterior states of a tiny batch, as the update would pick them: 4 starts."""
    batch = tiny_batch(seed)
    observation = agent.model.observe(batch.images, batch.actions, Rng(seed))
    rows = [(t, b) for t in range(3) for b in range(2)][:4]
    return [observation.hidden[t][b] for t, b in rows], [observation.latents[t][b] for t, b in rows]


# ── the trusted checker on a subset of a model's weights ─────────────────────────────────


def parameter_subset(parameters, per_parameter, seed):
    """(parameter, row, column) for up to `per_parameter` entries of every parameter."""
    generator = random.Random(seed)
    chosen = []
    for parameter in parameters:
        entries = [(r, k) for r, row in enumerate(parameter.value) for k in range(len(row))]
        for r, k in generator.sample(entries, min(per_parameter, len(entries))):
            chosen.append((parameter, r, k))
    return chosen


def check_parameter_gradient(loss_of_parameters, backward, parameters, what, per_parameter=5, seed=0):
    """The trusted checker on a subset of every parameter's entries: analytic from `backward()`
    (run once, after zeroing), numeric from central differences of `loss_of_parameters()`."""
    zero_grad(parameters)
    backward()
    chosen = parameter_subset(parameters, per_parameter, seed)
    analytic = [parameter.grad[r][k] for parameter, r, k in chosen]
    start = [parameter.value[r][k] for parameter, r, k in chosen]

    def loss_at(point):
        for (parameter, r, k), value in zip(chosen, point):
            parameter.value[r][k] = value
        return loss_of_parameters()

    try:
        check_gradient(loss_at, start, analytic, what=what, rtol=1e-4, atol=1e-7)
    finally:
        for (parameter, r, k), value in zip(chosen, start):
            parameter.value[r][k] = value
    assert sum(abs(a) > 1e-6 for a in analytic) >= len(analytic) // 4  # a check of zeros would prove nothing


# ── the replays ──────────────────────────────────────────────────────────────────────────


def _replayed(one_hot, logits, recorded_logits, classes, u):
    """z + p − sg(p): the recorded one-hot's value, moving like its probabilities."""
    now, then = latent_probabilities(logits, classes, u), latent_probabilities(recorded_logits, classes, u)
    return [o + p - q for o, p, q in zip(one_hot, now, then)]


def world_model_loss_replay(model, batch, recorded) -> float:
    """The world-model loss at the model's current weights, the recorded `observe`'s samples
    and stop-gradients held (see the module docstring): the function `WorldModel.backward`
    differentiates."""
    c = model.config
    steps, size = len(batch.images), len(batch.images[0])
    count = steps * size
    targets = [[symlog(p - 0.5) for p in image] for step in batch.images for image in step]
    embeds = model.encoder.forward(targets)[0]
    hidden, latents = [[0.0] * c.gru_units for _ in range(size)], None
    features, kl_terms = [], 0.0
    for t in range(steps):
        if t > 0:
            hidden = model.gru.step([z + a for z, a in zip(latents, batch.actions[t - 1])], hidden)[0]
        posterior = model.posterior.forward([h + e for h, e in zip(hidden, embeds[t * size : (t + 1) * size])])[0]
        prior = model.prior.forward(hidden)[0]
        latents = [
            _replayed(recorded.latents[t][b], posterior[b], recorded.posterior_logits[t][b], c.classes, c.unimix)
            for b in range(size)
        ]
        features += [h + z for h, z in zip(hidden, latents)]
        for b in range(size):
            stopped_q, stopped_p = recorded.posterior_logits[t][b], recorded.prior_logits[t][b]
            kl_terms += c.dynamics_scale * max(c.free_bits, hand_kl(stopped_q, prior[b], c.classes, c.unimix))
            kl_terms += c.representation_scale * max(c.free_bits, hand_kl(posterior[b], stopped_p, c.classes, c.unimix))
    bins = c.bin_values
    decoded = model.decoder.forward(features)[0]
    reward_logits = model.reward.forward(features)[0]
    continue_logits = model.continue_head.forward(features)[0]
    rewards = [r for step in batch.rewards for r in step]
    masks = [m for step in batch.reward_mask for m in step]
    continues = [k for step in batch.continues for k in step]
    image = sum((p - x) ** 2 for row, target in zip(decoded, targets) for p, x in zip(row, target))
    reward = sum(m * hand_twohot_loss(z, r, bins) for z, r, m in zip(reward_logits, rewards, masks))
    cont = sum(
        -k * math.log(sigmoid(z)) - (1.0 - k) * math.log(1.0 - sigmoid(z))
        for (z,), k in zip(continue_logits, continues)
    )
    return (c.image_scale * image + c.reward_scale * reward + c.continue_scale * cont + kl_terms) / count


def actor_loss_replay(agent, recorded_imagination, recorded_behaviour) -> float:
    """The actor's loss at the current weights, through the imagined dynamics: the recorded
    dream's noises and prior samples replayed, the actor's inputs sg(s_t), the weights and the
    scale held. The function `actor_backward` differentiates."""
    model, c = agent.model, agent.config
    bins, horizon = c.bin_values, len(recorded_imagination.actions)
    starts = len(recorded_imagination.actions[0])
    recorded_states = recorded_imagination.features()
    hidden, latents = recorded_imagination.hidden[0], recorded_imagination.latents[0]
    states, entropies = [[h + z for h, z in zip(hidden, latents)]], []
    for t in range(horizon):
        raw = agent.actor.forward(recorded_states[t * starts : (t + 1) * starts])[0]  # sg(s_t)
        moves = [hand_action(r, e, c.min_std, c.max_std) for r, e in zip(raw, recorded_imagination.noises[t])]
        entropies.append([entropy for _, entropy in moves])
        hidden = model.gru.step([z + a for z, (a, _) in zip(latents, moves)], hidden)[0]
        logits = model.prior.forward(hidden)[0]
        latents = [
            _replayed(
                recorded_imagination.latents[t + 1][n],
                logits[n],
                recorded_imagination.prior_logits[t][n],
                c.classes,
                c.unimix,
            )
            for n in range(starts)
        ]
        states.append([h + z for h, z in zip(hidden, latents)])
    rows = [state for step in states for state in step]
    rewards = [hand_twohot_mean(z, bins) for z in model.reward.forward(rows[starts:])[0]]
    continues = [sigmoid(z) for (z,) in model.continue_head.forward(rows[starts:])[0]]
    values = [hand_twohot_mean(z, bins) for z in agent.critic.forward(rows)[0]]
    weights, scale, count = recorded_behaviour.weights, recorded_behaviour.scale, horizon * starts
    total = 0.0
    for n in range(starts):
        column = lambda entries, first=0, last=horizon: [entries[t * starts + n] for t in range(first, last)]  # noqa: E731
        returns = hand_lambda_returns(
            column(rewards), column(continues), column(values, 0, horizon + 1), c.gamma, c.lam
        )
        for t in range(horizon):
            total -= weights[t][n] * returns[t] / (scale * count)
            total -= c.entropy_scale * weights[t][n] * entropies[t][n] / count
    return total


def critic_loss_replay(agent, recorded_imagination, recorded_behaviour) -> float:
    """The critic's loss at the critic's current weights, on the recorded dream's states, with
    the weights, the λ-return targets and the slow values held. The function the critic's
    backward from `behaviour_losses`' logit gradients differentiates."""
    c = agent.config
    horizon, starts = len(recorded_imagination.actions), len(recorded_imagination.actions[0])
    count = horizon * starts
    logits = agent.critic.forward(recorded_imagination.features()[:count])[0]
    total = 0.0
    for t in range(horizon):
        for n in range(starts):
            z, w = logits[t * starts + n], recorded_behaviour.weights[t][n]
            total += w * hand_twohot_loss(z, recorded_behaviour.returns[t][n], c.bin_values) / count
            total += (
                c.slow_regulariser * w * hand_twohot_loss(z, recorded_behaviour.slow_values[t][n], c.bin_values) / count
            )
    return total
