"""Specs for actors.dreamer_behaviour: behaviour learned in imagination (Hafner et al. 2023).

The imagined rollout step by step, the returns, weights and return scale, the actor's and
the critic's loss terms against their formulas, and their gradients against the trusted
checker (on the replays in dreamer_support: the dream's samples and the stop-gradients of the
recorded pass held; the actor's gradient goes back through the dynamics).
"""

import math

import pytest

from policywerk.actors import dreamer_behaviour, dreamer_losses
from policywerk.building_blocks.network import zero_grad
from policywerk.primitives.random import Rng
from spec_tests.actors.dreamer_support import (
    actor_loss_replay,
    check_parameter_gradient,
    critic_loss_replay,
    flat,
    tiny_agent,
    tiny_starts,
)
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


@exercise("actors.dreamer_behaviour.imagine")
def test_imagine_rolls_the_actor_and_the_prior_forward_step_by_step():
    agent = tiny_agent(1)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer_behaviour.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    c, replay = agent.config, Rng(3)
    assert len(imagination.hidden) == 4 and len(imagination.actions) == 3 and len(imagination.entropies[0]) == 4
    for t in range(3):
        states = [h + z for h, z in zip(imagination.hidden[t], imagination.latents[t])]
        raw = agent.actor.forward(states)[0]
        noises = [replay.normals(2) for _ in range(4)]  # the action noise of every start first…
        for n in range(4):
            action, entropy = dreamer_losses.action_from_raw(raw[n], noises[n], c.min_std, c.max_std)
            assert imagination.actions[t][n] == pytest.approx(action, abs=1e-12)
            assert imagination.entropies[t][n] == pytest.approx(entropy, abs=1e-12)
        inputs = [z + a for z, a in zip(imagination.latents[t], imagination.actions[t])]
        following = agent.model.gru.step(inputs, imagination.hidden[t])[0]
        assert flat(imagination.hidden[t + 1]) == pytest.approx(flat(following), abs=1e-12)
        logits = agent.model.prior.forward(following)[0]
        for n in range(4):  # …then the prior's sample of every start
            z, _ = dreamer_losses.latent_sample(logits[n], c.classes, c.unimix, replay)
            assert imagination.latents[t + 1][n] == z
    assert imagination.latents[0] == latents and imagination.hidden[0] == hidden


@pytest.mark.parametrize(
    "horizon", [pytest.param(h, marks=exercise("actors.dreamer_behaviour.imagine")) for h in (0, -3, 2.0)]
)
def test_imagine_rejects_a_horizon_below_one(horizon):
    agent = tiny_agent(1)
    hidden, latents = tiny_starts(agent, 2)
    with pytest.raises(ValueError) as error:
        dreamer_behaviour.imagine(agent.model, agent.actor, hidden, latents, horizon, Rng(3))
    assert_names(error, "horizon", horizon)


@exercise("actors.dreamer_behaviour.behaviour_losses")
def test_behaviour_scores_the_dream_with_lambda_returns_weights_and_the_return_scale():
    agent = tiny_agent(1, gamma=0.9, lam=0.8)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer_behaviour.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    normaliser = dreamer_losses.ReturnNormaliser(decay=0.5)
    behaviour = dreamer_behaviour.behaviour_losses(
        imagination, agent.model, agent.critic, agent.slow_critic, normaliser
    )
    bins, states = agent.config.bin_values, imagination.features()
    predict = lambda network, row: dreamer_losses.twohot_mean(network.forward([states[row]])[0][0], bins)  # noqa: E731
    for t in range(3):
        for n in range(4):
            row = (t + 1) * 4 + n
            assert behaviour.rewards[t][n] == pytest.approx(predict(agent.model.reward, row), abs=1e-12)
            logit = agent.model.continue_head.forward([states[row]])[0][0][0]
            assert behaviour.continues[t][n] == pytest.approx(1.0 / (1.0 + math.exp(-logit)), abs=1e-12)
    for t in range(4):
        assert behaviour.values[t] == pytest.approx([predict(agent.critic, t * 4 + n) for n in range(4)], abs=1e-12)
    for n in range(4):
        column = lambda rows: [row[n] for row in rows]  # noqa: E731
        expected = dreamer_losses.lambda_returns(
            column(behaviour.rewards), column(behaviour.continues), column(behaviour.values), 0.9, 0.8
        )
        assert column(behaviour.returns) == pytest.approx(expected, abs=1e-12)
        k = column(behaviour.continues)
        assert column(behaviour.weights) == pytest.approx([1.0, 0.9 * k[0], 0.81 * k[0] * k[1]], abs=1e-12)
    everything = flat(behaviour.returns)
    range_ = dreamer_losses.percentile(everything, 95.0) - dreamer_losses.percentile(everything, 5.0)
    assert behaviour.scale == pytest.approx(max(1.0, 0.5 * range_), abs=1e-12)


@exercise("actors.dreamer_behaviour.behaviour_losses")
def test_the_actor_and_critic_terms_follow_their_formulas():
    agent = tiny_agent(1, entropy_scale=0.5, slow_regulariser=0.7)
    hidden, latents = tiny_starts(agent, 2)
    imagination = dreamer_behaviour.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(3))
    behaviour = dreamer_behaviour.behaviour_losses(
        imagination, agent.model, agent.critic, agent.slow_critic, dreamer_losses.ReturnNormaliser(0.0, 0.01)
    )
    w, count, bins, states = behaviour.weights, 12, agent.config.bin_values, imagination.features()
    assert behaviour.actor_terms["return"] == pytest.approx(
        -sum(a * r for a, r in zip(flat(w), flat(behaviour.returns))) / (behaviour.scale * count), abs=1e-12
    )
    assert behaviour.actor_terms["entropy"] == pytest.approx(
        -0.5 * sum(a * e for a, e in zip(flat(w), flat(imagination.entropies))) / count, abs=1e-12
    )
    critic_logits = agent.critic.forward(states)[0]
    slow = [dreamer_losses.twohot_mean(row, bins) for row in agent.slow_critic.forward(states[:12])[0]]
    assert flat(behaviour.slow_values) == pytest.approx(slow, abs=1e-12)
    on_returns = (
        sum(
            a * dreamer_losses.twohot_loss(z, r, bins)
            for a, z, r in zip(flat(w), critic_logits, flat(behaviour.returns))
        )
        / count
    )
    on_slow = (
        0.7 * sum(a * dreamer_losses.twohot_loss(z, v, bins) for a, z, v in zip(flat(w), critic_logits, slow)) / count
    )
    assert behaviour.critic_terms == pytest.approx({"return": on_returns, "slow": on_slow}, abs=1e-12)
    assert behaviour.actor_loss == pytest.approx(sum(behaviour.actor_terms.values()), abs=1e-15)
    assert behaviour.grad_critic_logits[12:] == [[0.0] * 5] * 4  # no loss on the last state s_H


def recorded_dream(horizon=3, **changes):
    """A tiny agent's dream of `horizon` steps from 4 starts and its behaviour losses: the
    recorded pass the behaviour gradient checks replay."""
    agent = tiny_agent(2, **{"entropy_scale": 0.5, "gamma": 0.9, "lam": 0.7, **changes})
    hidden, latents = tiny_starts(agent, 3)
    imagination = dreamer_behaviour.imagine(agent.model, agent.actor, hidden, latents, horizon, Rng(4))
    normaliser = dreamer_losses.ReturnNormaliser(decay=0.0)
    behaviour = dreamer_behaviour.behaviour_losses(
        imagination, agent.model, agent.critic, agent.slow_critic, normaliser
    )
    return agent, imagination, behaviour


@exercise("actors.dreamer_behaviour.behaviour_losses")
def test_the_replays_of_the_losses_are_the_losses_at_the_recorded_weights():
    # The functions the gradient checks differentiate (dreamer_support), before any weight moves.
    agent, imagination, behaviour = recorded_dream()
    assert actor_loss_replay(agent, imagination, behaviour) == pytest.approx(behaviour.actor_loss, abs=1e-12)
    assert critic_loss_replay(agent, imagination, behaviour) == pytest.approx(behaviour.critic_loss, abs=1e-12)


@pytest.mark.parametrize(
    "entropy_scale",
    [
        pytest.param(
            scale,
            marks=exercise("actors.dreamer_behaviour.actor_backward", "actors.dreamer_behaviour.behaviour_losses"),
        )
        for scale in (0.0, 2.0)
    ],
)
def test_the_actor_gradient_passes_the_check_through_the_dynamics(entropy_scale):
    # The return term alone (η = 0), then with a large entropy term: the actor's weights, the
    # dream's noises and prior samples replayed, sg(s_t), the weights and the scale held.
    agent, imagination, behaviour = recorded_dream(entropy_scale=entropy_scale)

    def backward():
        dreamer_behaviour.actor_backward(imagination, behaviour, agent.model, agent.critic, agent.actor)

    check_parameter_gradient(
        lambda: actor_loss_replay(agent, imagination, behaviour),
        backward,
        agent.actor.parameters(),
        what=f"actor (entropy scale {entropy_scale})",
        per_parameter=6,
    )


@exercise(
    "actors.dreamer_behaviour.imagine",
    "actors.dreamer_behaviour.behaviour_losses",
    "actors.dreamer_behaviour.actor_backward",
)
def test_a_dream_of_a_single_step_is_scored_and_its_actor_gradient_passes_the_check():
    # horizon >= 1 is allowed: one step, so R_0 = r̂ + γ·ĉ·v_1 and the weights are all 1
    agent, imagination, behaviour = recorded_dream(horizon=1, entropy_scale=2.0)
    assert len(imagination.actions) == 1 and behaviour.weights == [[1.0] * 4]
    assert actor_loss_replay(agent, imagination, behaviour) == pytest.approx(behaviour.actor_loss, abs=1e-12)

    def backward():
        dreamer_behaviour.actor_backward(imagination, behaviour, agent.model, agent.critic, agent.actor)

    check_parameter_gradient(
        lambda: actor_loss_replay(agent, imagination, behaviour),
        backward,
        agent.actor.parameters(),
        what="actor over a one-step dream",
        per_parameter=6,
    )


@pytest.mark.parametrize(
    "slow_regulariser",
    [pytest.param(rho, marks=exercise("actors.dreamer_behaviour.behaviour_losses")) for rho in (0.0, 3.0)],
)
def test_the_critic_gradient_passes_the_check(slow_regulariser):
    # The return term alone (ρ = 0), then with a large pull toward the slow critic; the critic's
    # backward from the logit gradients behaviour_losses sets up, its inputs as data.
    agent, imagination, behaviour = recorded_dream(slow_regulariser=slow_regulariser)

    def backward():
        agent.critic.backward(behaviour.critic_tape, behaviour.grad_critic_logits, inputs=False)

    check_parameter_gradient(
        lambda: critic_loss_replay(agent, imagination, behaviour),
        backward,
        agent.critic.parameters(),
        what=f"critic (slow regulariser {slow_regulariser})",
        per_parameter=6,
    )


@exercise("actors.dreamer_behaviour.actor_backward")
def test_actor_backward_trains_the_actor_only():
    agent = tiny_agent(2)
    hidden, latents = tiny_starts(agent, 3)
    imagination = dreamer_behaviour.imagine(agent.model, agent.actor, hidden, latents, 3, Rng(4))
    behaviour = dreamer_behaviour.behaviour_losses(
        imagination, agent.model, agent.critic, agent.slow_critic, dreamer_losses.ReturnNormaliser()
    )
    heads = (
        agent.critic.parameters() + agent.model.parameters()
    )  # the docstring: the world model, the critic and the heads
    zero_grad(heads + agent.actor.parameters())
    dreamer_behaviour.actor_backward(imagination, behaviour, agent.model, agent.critic, agent.actor)
    assert all(g == 0.0 for parameter in heads for row in parameter.grad for g in row)  # inputs only
    assert any(g != 0.0 for parameter in agent.actor.parameters() for row in parameter.grad for g in row)
