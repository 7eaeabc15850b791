"""Benchmark rows for lesson 07 (DreamerV3 on the pixel point mass): how fast the world is
seen, how fast the agent acts, and how fast each of its learners updates.

    uv run python maintainer/bench_dreamer.py                   # the reference
    uv run python maintainer/bench_dreamer.py --tree exercises  # your code
    uv run python maintainer/bench_dreamer.py --phases          # where one update's time goes

`rows()` returns (name, value, unit) tuples; maintainer/bench.py prints them with the others.
Each row is the best of a few repeats (process time), so load from other work on a shared
machine hurts it less. Nothing here is a test: the numbers are reported, never asserted.

Where an update's time goes (measured here: one core, Python 3.11, defaults): about 0.35 s,
most of it in the dense kernels. The world model about 0.2 s (observe 0.05, loss 0.03,
backward through time 0.12); behaviour about 0.14 s with 8 imagination starts (imagination
0.03, returns and losses 0.03, the actor's backprop through the dynamics 0.07, the critic
0.01); behaviour scales with the starts, the world model does not. Python 3.13 takes about
0.6 of these times. Two given speed-ups (network.AffineMap) change no number: the
posterior's, the GRU's and the actor's weight gradients are added once over all their rows
(one long dot product per weight instead of one per step), and every layer that reads the
latent z adds the weights of its ones instead of multiplying all its entries. When they came
in (16 starts, 800 updates), lesson 07 took 617 s without them and 552 s with them.

`phases()` times one update at the defaults step by step, in the order of `Dreamer.update`
(the same calls, each under its own timer), best of several updates per phase, beside the
whole update timed as one call.
"""

from __future__ import annotations

import argparse
import sys
import time
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
        starts = [(t, b) for t in range(config.sequence_length) for b in range(config.batch_size)][
            : config.imagination_starts
        ]
        hidden = [observation.hidden[t][b] for t, b in starts]
        latents = [observation.latents[t][b] for t, b in starts]
        imagination = dreamer_behaviour.imagine(model, agent.actor, hidden, latents, config.horizon, rng)
        behaviour = dreamer_behaviour.behaviour_losses(
            imagination, model, agent.critic, agent.slow_critic, agent.normaliser
        )
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
        (
            f"dreamer: pixel point mass {config.image_size}×{config.image_size} + random pushes, env steps",
            steps / world_seconds,
            "steps/s",
        ),
        (
            "dreamer: act (encoder, posterior, GRU, actor), env steps",
            (steps // 5) / best_seconds(act, repeats),
            "steps/s",
        ),
        (f"dreamer: world-model updates ({shape})", 1.0 / model_seconds, "updates/s"),
        (
            f"dreamer: behaviour updates ({config.imagination_starts} starts × horizon {config.horizon})",
            1.0 / behaviour_seconds,
            "updates/s",
        ),
        ("dreamer: whole updates (world model + actor + critic)", 1.0 / update_seconds, "updates/s"),
    ]


def phases(tree: str | None = None, repeats: int = 5) -> list[tuple[str, float]]:
    """(phase, best CPU seconds) of one Dreamer update at the defaults, then the whole update."""
    if tree is not None:
        treepath.use_tree(tree)
    from policywerk.actors import dreamer_agent
    from policywerk.actors.dreamer_behaviour import actor_backward, behaviour_losses, imagine
    from policywerk.building_blocks.network import zero_grad
    from policywerk.building_blocks.optimizers import clip_by_global_norm
    from policywerk.building_blocks.replay_buffer import ReplayBuffer
    from policywerk.primitives.random import Rng
    from policywerk.world import pixel_pointmass

    c = dreamer_agent.Config()
    world = pixel_pointmass.PixelPointMass(size=c.image_size)
    pushes = pixel_pointmass.random_policy(Rng(0))
    replay = ReplayBuffer(20)
    for seed in range(20):  # twenty random episodes
        image, _ = world.reset(seed=seed)
        record = dreamer_agent.EpisodeRecord()
        record.begin(image)
        while True:
            action = pushes(image)
            step = world.step(action)
            record.add(action, step)
            image = step.observation
            if step.truncated or step.terminated:
                break
        record.end()
        replay.add(record)
    agent, rng = dreamer_agent.Dreamer(c, Rng(0)), Rng(1)
    model = agent.model
    best: dict[str, float] = {}

    def timed(name, function):
        started = time.process_time()
        value = function()
        best[name] = min(best.get(name, float("inf")), time.process_time() - started)
        return value

    for _ in range(repeats):
        batch = dreamer_agent.sample_batch(replay, c.batch_size, c.sequence_length, rng)
        timed("01 world model: zero the gradients", lambda: zero_grad(model.parameters()))
        observation = timed(
            "02 world model: observe (encoder, GRU, prior, posterior)",
            lambda: model.observe(batch.images, batch.actions, rng),
        )
        model_loss = timed("03 world model: loss (heads, KL)", lambda: model.loss(observation, batch))
        timed("04 world model: backward through time", lambda: model.backward(observation, model_loss))
        timed(
            "05 world model: clip and Adam",
            lambda: (clip_by_global_norm(model.parameters(), c.model_clip), agent.model_optimizer.step()),
        )

        def starts():
            size = len(batch.images[0])
            indices = list(range(len(batch.images) * size))
            rng.shuffle(indices)
            chosen = [divmod(index, size) for index in indices[: c.imagination_starts]]
            return [list(observation.hidden[t][b]) for t, b in chosen], [
                list(observation.latents[t][b]) for t, b in chosen
            ]

        start_hidden, start_latents = timed("06 pick the imagination's starts", starts)
        imagination = timed(
            "07 imagine (GRU, prior, actor) over the horizon",
            lambda: imagine(model, agent.actor, start_hidden, start_latents, c.horizon, rng),
        )
        behaviour = timed(
            "08 behaviour losses (reward, continue, critic; λ-returns)",
            lambda: behaviour_losses(imagination, model, agent.critic, agent.slow_critic, agent.normaliser),
        )
        timed(
            "09 actor: zero and backward through the dynamics",
            lambda: (
                zero_grad(agent.actor.parameters()),
                actor_backward(imagination, behaviour, model, agent.critic, agent.actor),
            ),
        )
        timed(
            "10 actor: clip and Adam",
            lambda: (clip_by_global_norm(agent.actor.parameters(), c.actor_critic_clip), agent.actor_optimizer.step()),
        )
        timed(
            "11 critic: zero and backward",
            lambda: (
                zero_grad(agent.critic.parameters()),
                agent.critic.backward(behaviour.critic_tape, behaviour.grad_critic_logits, inputs=False),
            ),
        )
        timed(
            "12 critic: clip and Adam",
            lambda: (
                clip_by_global_norm(agent.critic.parameters(), c.actor_critic_clip),
                agent.critic_optimizer.step(),
            ),
        )

        def slow_critic():
            fraction = c.slow_critic_fraction
            for slow, fast in zip(agent.slow_critic.parameters(), agent.critic.parameters()):
                slow.value = [
                    [s + fraction * (f - s) for s, f in zip(slow_row, fast_row)]
                    for slow_row, fast_row in zip(slow.value, fast.value)
                ]

        timed("13 slow critic follows the critic", slow_critic)
    batches = [dreamer_agent.sample_batch(replay, c.batch_size, c.sequence_length, rng) for _ in range(repeats)]
    whole = min(best_seconds(lambda: agent.update(batch, rng), 1) for batch in batches)
    rows = sorted(best.items())
    return rows + [("sum of the phases", sum(best.values())), ("the whole update, one call (Dreamer.update)", whole)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    parser.add_argument("--phases", action="store_true", help="time one update phase by phase instead")
    args = parser.parse_args(argv)
    if args.phases:
        for name, seconds in phases(args.tree or "solutions"):
            print(f"{name:<64} {seconds * 1000:>9.1f} ms")
        return 0
    for name, value, unit in rows(args.tree or "solutions"):
        print(f"{name:<80} {value:>10,.2f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
