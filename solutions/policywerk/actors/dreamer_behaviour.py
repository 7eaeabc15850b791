"""World models: DreamerV3 at small scale, part 3 of 4: behaviour learned in imagination.

Behaviour in imagination: from replayed posterior states, the actor and the world model's
prior roll out H = 15 steps. The λ-returns of the imagined rewards,

    R_t = r_{t+1} + γ·c_{t+1}·((1 − λ)·v(s_{t+1}) + λ·R_{t+1}),     R_H = v(s_H),

train the critic (twohot, plus a pull toward a slow EMA copy of itself), and the actor
ascends R_t / max(1, S) plus 3·10⁻⁴ times its entropy, S being an EMA of the 5th–95th
percentile range of the returns. For continuous actions the paper takes the gradient of R_t
*through the dynamics*: the action's reparameterised sample, the GRU, the prior and the heads
are all differentiated back to the actor's weights (the world model's weights stay as they are).

`imagine` rolls the actor and the prior forward from replayed states, `behaviour_losses`
scores the dream (λ-returns, the return scale, the actor's and the critic's losses) and
`actor_backward` takes the actor's gradient back through the dynamics. The critic's gradient
is its own network's backward from the logit gradients `behaviour_losses` sets up.

Reference: D. Hafner, J. Pasukonis, J. Ba and T. Lillicrap, "Mastering diverse domains through
world models", arXiv:2301.04104 (2023).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import add

from policywerk.actors.dreamer_losses import (
    ReturnNormaliser,
    action_from_raw,
    action_from_raw_backward,
    lambda_returns,
    lambda_returns_backward,
    latent_sample,
    latent_sample_backward,
    logistic,
    twohot_loss,
    twohot_loss_gradient,
    twohot_mean,
    twohot_mean_gradient,
)
from policywerk.actors.dreamer_world_model import ACTION_SIZE, WorldModel
from policywerk.building_blocks.network import MLP, defers_weight_gradients
from policywerk.primitives.random import Rng


# given
@dataclass
class Imagination:
    """An imagined trajectory of N starts over H steps: states s_0 … s_H and what made them."""

    hidden: list  # (H + 1) × N × units
    latents: list  # (H + 1) × N × KC
    raw_actions: list  # H × N × 4: the actor's outputs
    noises: list  # H × N × 2
    actions: list  # H × N × 2
    entropies: list  # H × N
    prior_logits: list  # H × N × KC: the prior of s_{t+1}
    actor_tapes: list = field(default_factory=list)  # one per step
    gru_tapes: list = field(default_factory=list)  # one per step
    prior_tapes: list = field(default_factory=list)  # one per step

    def features(self) -> list[list[float]]:
        """s_0 … s_H as (H + 1)·N rows, t-major."""
        return [h + z for hidden, latents in zip(self.hidden, self.latents) for h, z in zip(hidden, latents)]


def imagine(
    model: WorldModel,
    actor: MLP,
    start_hidden: list[list[float]],
    start_latents: list[list[float]],
    horizon: int,
    rng: Rng,
) -> Imagination:
    """Dream H steps ahead from N start states with the actor and the prior, no images:

        for t = 0 … H − 1:
            raw = actor(s_t);  ε ~ N(0, 1)² (rng.normals(2) per start, in order);
            a_t, entropy_t = action_from_raw(raw, ε, min_std, max_std)
            h_{t+1} = GRU([z_t, a_t], h_t);  prior logits = prior(h_{t+1})
            z_{t+1} = latent_sample(prior logits, C, unimix, rng)   (start n = 0 … N − 1 in turn)

    Keep the actor's, the GRU's and the prior's tape of every step for `actor_backward`.
    Raises ValueError unless horizon is an integer >= 1; the message names horizon and its
    value.
    """
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        raise ValueError(f"imagine: horizon must be an integer >= 1, got {horizon!r}")
    c = model.config
    hidden, latents = [start_hidden], [start_latents]
    raw_actions, noises, actions, entropies, prior_logits = [], [], [], [], []
    actor_tapes, gru_tapes, prior_tapes = [], [], []
    for t in range(horizon):
        raw, actor_tape = actor.forward([h + z for h, z in zip(hidden[t], latents[t])])
        noise = [rng.normals(ACTION_SIZE) for _ in raw]
        step_actions, step_entropies = [], []
        for r, e in zip(raw, noise):
            action, entropy = action_from_raw(r, e, c.min_std, c.max_std)
            step_actions.append(action)
            step_entropies.append(entropy)
        next_hidden, gru_tape = model.gru.step([z + a for z, a in zip(latents[t], step_actions)], hidden[t])
        logits, prior_tape = model.prior.forward(next_hidden)
        hidden.append(next_hidden)
        latents.append([latent_sample(row, c.classes, c.unimix, rng)[0] for row in logits])
        raw_actions.append(raw)
        noises.append(noise)
        actions.append(step_actions)
        entropies.append(step_entropies)
        prior_logits.append(logits)
        actor_tapes.append(actor_tape)
        gru_tapes.append(gru_tape)
        prior_tapes.append(prior_tape)
    return Imagination(
        hidden, latents, raw_actions, noises, actions, entropies, prior_logits, actor_tapes, gru_tapes, prior_tapes
    )


# given
@dataclass
class Behaviour:
    """The predictions along an imagined trajectory, the returns, and the actor's and the
    critic's losses with the gradients their backward passes start from."""

    rewards: list  # H × N: r̂ of s_1 … s_H
    continues: list  # H × N: ĉ of s_1 … s_H
    values: list  # (H + 1) × N: v(s_0) … v(s_H)
    returns: list  # H × N: R_0 … R_{H−1}
    weights: list  # H × N: w_0 = 1, w_t = w_{t−1}·γ·ĉ_t
    scale: float  # max(1, S)
    slow_values: list  # H × N
    actor_terms: dict[str, float]  # return, entropy
    critic_terms: dict[str, float]  # return, slow
    reward_logits: list = field(default_factory=list)  # H·N rows
    reward_tape: list = field(default_factory=list)
    continue_logits: list = field(default_factory=list)  # H·N rows
    continue_tape: list = field(default_factory=list)
    critic_logits: list = field(default_factory=list)  # (H + 1)·N rows
    critic_tape: list = field(default_factory=list)
    grad_returns: list = field(default_factory=list)  # H × N: ∂actor loss/∂R_t
    grad_entropies: list = field(default_factory=list)  # H × N: ∂actor loss/∂entropy_t
    grad_critic_logits: list = field(default_factory=list)  # (H + 1)·N rows: ∂critic loss/∂logits

    @property
    def actor_loss(self) -> float:
        return sum(self.actor_terms.values())

    @property
    def critic_loss(self) -> float:
        return sum(self.critic_terms.values())


def behaviour_losses(
    imagination: Imagination,
    model: WorldModel,
    critic: MLP,
    slow_critic: MLP,
    normaliser: ReturnNormaliser,
) -> Behaviour:
    """Score an imagined trajectory and set up the actor's and the critic's losses.

    Predictions (one forward pass each, over every step at once): r̂_t = twohot_mean of the
    reward head and ĉ_t = σ(continue logit) for s_1 … s_H; v_t = twohot_mean of the critic
    for s_0 … s_H (shared by the returns and the critic's loss); the slow critic's values for
    s_0 … s_{H−1}. Then per start: R = lambda_returns(r̂, ĉ, v, γ, λ); the weights
    w_0 = 1, w_t = w_{t−1}·γ·ĉ_t (how much of step t is still in the episode); and the scale
    max(1, S) = normaliser.update(all returns). With N starts, H steps and M = N·H:

        actor   return  −Σ w_t·R_t / (scale·M)           ∂/∂R_t = −w_t/(scale·M)
                entropy −η·Σ w_t·entropy_t / M            ∂/∂entropy_t = −η·w_t/M
        critic  return  Σ w_t·twohot_loss(critic logits_t, R_t) / M
                slow    ρ·Σ w_t·twohot_loss(critic logits_t, slow value_t) / M     (ρ = slow_regulariser)

    The critic's logit gradients (twohot_loss_gradient, same weights) fill the rows of
    s_0 … s_{H−1}; the rows of s_H are 0. The weights, the scale, the critic's targets and the
    slow values are stop-gradients: numbers the gradients treat as constants.
    """
    c, bins = model.config, model.bins
    horizon, starts = len(imagination.actions), len(imagination.actions[0])
    count = horizon * starts
    features = imagination.features()
    reward_logits, reward_tape = model.reward.forward(features[starts:])
    continue_logits, continue_tape = model.continue_head.forward(features[starts:])
    critic_logits, critic_tape = critic.forward(features)
    slow_logits, _ = slow_critic.forward(features[:count])
    rewards = [[twohot_mean(reward_logits[t * starts + n], bins) for n in range(starts)] for t in range(horizon)]
    continues = [[logistic(continue_logits[t * starts + n][0]) for n in range(starts)] for t in range(horizon)]
    values = [[twohot_mean(critic_logits[t * starts + n], bins) for n in range(starts)] for t in range(horizon + 1)]
    slow_values = [[twohot_mean(slow_logits[t * starts + n], bins) for n in range(starts)] for t in range(horizon)]
    columns = [
        lambda_returns(
            [row[n] for row in rewards], [row[n] for row in continues], [row[n] for row in values], c.gamma, c.lam
        )
        for n in range(starts)
    ]
    returns = [[columns[n][t] for n in range(starts)] for t in range(horizon)]
    weights = [[1.0] * starts]
    for t in range(1, horizon):
        weights.append([w * c.gamma * k for w, k in zip(weights[-1], continues[t - 1])])
    scale = normaliser.update([r for row in returns for r in row])

    actor_terms = {
        "return": -sum(w * r for ws, rs in zip(weights, returns) for w, r in zip(ws, rs)) / (scale * count),
        "entropy": -c.entropy_scale
        * sum(w * e for ws, es in zip(weights, imagination.entropies) for w, e in zip(ws, es))
        / count,
    }
    grad_returns = [[-w / (scale * count) for w in ws] for ws in weights]
    grad_entropies = [[-c.entropy_scale * w / count for w in ws] for ws in weights]

    critic_terms = {"return": 0.0, "slow": 0.0}
    grad_critic_logits = []
    for t in range(horizon):
        for n in range(starts):
            logits, w = critic_logits[t * starts + n], weights[t][n] / count
            critic_terms["return"] += w * twohot_loss(logits, returns[t][n], bins)
            critic_terms["slow"] += c.slow_regulariser * w * twohot_loss(logits, slow_values[t][n], bins)
            toward_return = twohot_loss_gradient(logits, returns[t][n], bins)
            toward_slow = twohot_loss_gradient(logits, slow_values[t][n], bins)
            slow_weight = c.slow_regulariser * w
            grad_critic_logits.append([w * a + slow_weight * b for a, b in zip(toward_return, toward_slow)])
    grad_critic_logits += [[0.0] * len(bins) for _ in range(starts)]
    return Behaviour(
        rewards,
        continues,
        values,
        returns,
        weights,
        scale,
        slow_values,
        actor_terms,
        critic_terms,
        reward_logits,
        reward_tape,
        continue_logits,
        continue_tape,
        critic_logits,
        critic_tape,
        grad_returns,
        grad_entropies,
        grad_critic_logits,
    )


# A speed-up that changes no sum: the actor's weight gradients of the H steps wait and are added once, over all H·N rows.
@defers_weight_gradients("actor")
def actor_backward(imagination: Imagination, behaviour: Behaviour, model: WorldModel, critic: MLP, actor: MLP) -> None:
    """The actor's gradient, backpropagated through the imagined dynamics (the paper's choice
    for continuous actions). Only the actor's weights gain gradients: the world model, the
    critic and the heads pass gradients through to their inputs and keep their own unchanged.

    1. Through the returns: per start, lambda_returns_backward(∂L/∂R, ĉ, v, R, γ, λ) gives
       ∂L/∂r̂, ∂L/∂ĉ and ∂L/∂v; through the heads (twohot_mean_gradient; σ' = ĉ·(1 − ĉ)) and
       their input gradients only (parameters=False), this is ∂L/∂s_t for t = 1 … H.
    2. Backward in time, t = H − 1 … 0, for the state s_{t+1} that step t made:
           ∂L/∂z_{t+1} → latent_sample_backward → prior backward (inputs only) → ∂L/∂h_{t+1}
           gru.backward_step(GRU tape of step t, ∂L/∂h_{t+1}, parameters=False)
               -> (∂L/∂[z_t, a_t], ∂L/∂h_t), carried to s_t
           ∂L/∂raw_t = action_from_raw_backward(raw, ε, ∂L/∂a_t, ∂L/∂entropy_t)
           actor.backward(actor tape of step t, ∂L/∂raw_t, inputs=False): the actor's
               weights only, its input being a stop-gradient (sg(s_t), as in the paper)
    """
    c, bins = model.config, model.bins
    horizon, starts = len(imagination.actions), len(imagination.actions[0])
    units, latent = c.gru_units, c.latent_size
    grad_reward_logits: list = [None] * (horizon * starts)
    grad_continue_logits: list = [None] * (horizon * starts)
    grad_critic_logits: list = [[0.0] * len(bins) for _ in range((horizon + 1) * starts)]
    for n in range(starts):
        grad_rewards, grad_continues, grad_values = lambda_returns_backward(
            [row[n] for row in behaviour.grad_returns],
            [row[n] for row in behaviour.continues],
            [row[n] for row in behaviour.values],
            [row[n] for row in behaviour.returns],
            c.gamma,
            c.lam,
        )
        for t in range(horizon):
            row = t * starts + n
            grad_reward_logits[row] = [
                grad_rewards[t] * g for g in twohot_mean_gradient(behaviour.reward_logits[row], bins)
            ]
            probability = behaviour.continues[t][n]
            grad_continue_logits[row] = [grad_continues[t] * probability * (1.0 - probability)]
            row = (t + 1) * starts + n
            grad_critic_logits[row] = [
                grad_values[t + 1] * g for g in twohot_mean_gradient(behaviour.critic_logits[row], bins)
            ]
    grad_following = model.reward.backward(behaviour.reward_tape, grad_reward_logits, parameters=False)
    through_continue = model.continue_head.backward(behaviour.continue_tape, grad_continue_logits, parameters=False)
    through_critic = critic.backward(behaviour.critic_tape, grad_critic_logits, parameters=False)[starts:]
    grad_following = [
        list(map(add, map(add, a, b), v)) for a, b, v in zip(grad_following, through_continue, through_critic)
    ]
    carried_hidden = [[0.0] * units for _ in range(starts)]
    carried_latent = [[0.0] * latent for _ in range(starts)]
    for t in range(horizon - 1, -1, -1):
        rows = grad_following[t * starts : (t + 1) * starts]
        grad_hidden = [list(map(add, row[:units], carried)) for row, carried in zip(rows, carried_hidden)]
        grad_prior_logits = [
            latent_sample_backward(logits, list(map(add, row[units:], carried)), c.classes, c.unimix)
            for logits, row, carried in zip(imagination.prior_logits[t], rows, carried_latent)
        ]
        through_prior = model.prior.backward(imagination.prior_tapes[t], grad_prior_logits, parameters=False)
        grad_hidden = [list(map(add, a, b)) for a, b in zip(grad_hidden, through_prior)]
        grad_inputs, carried_hidden = model.gru.backward_step(imagination.gru_tapes[t], grad_hidden, parameters=False)
        carried_latent = [row[:latent] for row in grad_inputs]
        grad_raw = [
            action_from_raw_backward(raw, noise, row[latent:], grad_entropy, c.min_std, c.max_std)
            for raw, noise, row, grad_entropy in zip(
                imagination.raw_actions[t], imagination.noises[t], grad_inputs, behaviour.grad_entropies[t]
            )
        ]
        actor.backward(imagination.actor_tapes[t], grad_raw, inputs=False)
