"""Benchmark rows for lesson 07 (DreamerV3 on the pixel point mass): how fast the world is
seen, how fast the agent acts, and how fast each of its learners updates.

    uv run python maintainer/bench_dreamer.py                   # the reference
    uv run python maintainer/bench_dreamer.py --tree exercises  # your code

`rows()` returns (name, value, unit) tuples; maintainer/bench.py prints them with the others.
Each row is the best of a few repeats (process time), so load from other work on a shared
machine hurts it less. Nothing here is a test: the numbers are reported, never asserted.

Where an update's time goes (measured here: one core, Python 3.11, defaults): about 0.6 s, four
fifths of it in the dense kernels. The world model about 0.25 s (observe 0.06, loss 0.03,
backward through time 0.15); behaviour about 0.35 s (imagination 0.08, returns and losses
0.07, the actor's backprop through the dynamics 0.16, the critic 0.04). Two given speed-ups
(network.AffineMap) save about 0.1 s and change no number: the posterior's, the GRU's and the
actor's weight gradients are added once over all their rows (one long dot product per weight
instead of one per step), and every layer that reads the latent z adds the weights of its
ones instead of multiplying all its entries. Lesson 07 took 617 s without them, 552 s with.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import treepath  # noqa: E402
from maintainer.timing import best_seconds  # noqa: E402



def rows(tree: str | None = None, repeats: int = 3) -> list[tuple[str, float, str]]:
    """Pixel-world steps per second, acting steps per second (the agent's posterior and actor on
    one picture), and at the lesson's defaults: world-model updates per second (observe, loss,
    backpropagation through time, clipping, Adam), behaviour updates per second (imagination,
    returns, the actor's backprop through the dynamics, the critic) and whole updates per second."""
    if tree is not None:
        treepath.use_tree(tree)
    from policywerk.actors import dreamer_agent, dreamer_behaviour
    from policywerk.building_blocks.network import zero_grad
    from policywerk.building_blocks.optimizers import clip_by_global_norm
    from policywerk.building_blocks.replay_buffer import ReplayBuffer
    from policywerk.primitives.random import Rng
    from policywerk.world import pixel_pointmass

    config = dreamer_agent.Config()
    world = pixel_pointmass.PixelPointMass(size=config.image_size)
    pushes = pixel_pointmass.random_policy(Rng(0))
    steps = 500

    replay = ReplayBuffer(20)

    def world_alone():
        image, _ = world.reset(seed=0)
        record = dreamer_agent.EpisodeRecord()
        record.begin(image)
        for _ in range(steps):
            action = pushes(image)
            step = world.step(action)
            record.add(action, step)
            image = step.observation
            if step.truncated:
                record.end()
                replay.add(record)
                image, _ = world.reset()
                record = dreamer_agent.EpisodeRecord()
                record.begin(image)

    world_seconds = best_seconds(world_alone, repeats)
    agent, rng = dreamer_agent.Dreamer(config, Rng(0)), Rng(1)

    def act():
        image, _ = world.reset(seed=0)
        memory = None
        for _ in range(steps // 5):
            action, memory = agent.act(image, memory, rng)
            step = world.step(action)
            image = world.reset()[0] if step.truncated else step.observation
            memory = None if step.truncated else memory

    batch = dreamer_agent.sample_batch(replay, config.batch_size, config.sequence_length, rng)
    model = agent.model
    kept = {}

    def model_update():
        zero_grad(model.parameters())
        observation = model.observe(batch.images, batch.actions, rng)
        model.backward(observation, model.loss(observation, batch))
        clip_by_global_norm(model.parameters(), config.model_clip)
        agent.model_optimizer.step()
        kept["observation"] = observation

    def behaviour_update():
        observation = kept["observation"]
        starts = [(t, b) for t in range(config.sequence_length) for b in range(config.batch_size)][: config.imagination_starts]
        hidden = [observation.hidden[t][b] for t, b in starts]
        latents = [observation.latents[t][b] for t, b in starts]
        imagination = dreamer_behaviour.imagine(model, agent.actor, hidden, latents, config.horizon, rng)
        behaviour = dreamer_behaviour.behaviour_losses(imagination, model, agent.critic, agent.slow_critic, agent.normaliser)
        zero_grad(agent.actor.parameters() + agent.critic.parameters())
        dreamer_behaviour.actor_backward(imagination, behaviour, model, agent.critic, agent.actor)
        agent.actor_optimizer.step()
        agent.critic.backward(behaviour.critic_tape, behaviour.grad_critic_logits, inputs=False)
        agent.critic_optimizer.step()

    model_seconds = best_seconds(model_update, repeats)
    behaviour_seconds = best_seconds(behaviour_update, repeats)
    update_seconds = best_seconds(lambda: agent.update(batch, rng), repeats)
    shape = f"batch {config.batch_size}×{config.sequence_length}, GRU {config.gru_units}, {config.categoricals}×{config.classes} latent"
    return [
        (f"dreamer: pixel point mass {config.image_size}×{config.image_size} + random pushes, env steps", steps / world_seconds, "steps/s"),
        ("dreamer: act (encoder, posterior, GRU, actor), env steps", (steps // 5) / best_seconds(act, repeats), "steps/s"),
        (f"dreamer: world-model updates ({shape})", 1.0 / model_seconds, "updates/s"),
        (f"dreamer: behaviour updates ({config.imagination_starts} starts × horizon {config.horizon})", 1.0 / behaviour_seconds, "updates/s"),
        ("dreamer: whole updates (world model + actor + critic)", 1.0 / update_seconds, "updates/s"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    args = parser.parse_args(argv)
    for name, value, unit in rows(args.tree or "solutions"):
        print(f"{name:<80} {value:>10,.2f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
