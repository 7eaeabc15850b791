"""Benchmark rows of lesson 05 (DQN on the catcher): how fast the world steps, the agent acts
and the learner updates, with the lesson's default settings.

    uv run python maintainer/bench_dqn.py                   # the reference
    uv run python maintainer/bench_dqn.py --tree exercises  # your code

    uv run python maintainer/bench_dqn.py --phases          # where one update's time goes

`rows()` returns (name, value, unit) tuples for maintainer/bench.py. Times are process CPU
time (the machines are shared), best of a few repeats. Nothing here is a test.

`phases()` times one update at the defaults step by step, in the order of `DQN.update` (the
same calls, each under its own timer; the online network's forward and backward layer by
layer), best of several updates per phase, beside the whole update timed as one call.
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


def per_second(work, count: int, repeats: int = 3) -> float:
    """count / (best CPU seconds of `work()` over the repeats)."""
    return count / max(best_seconds(work, repeats), 1e-9)


def rows(tree: str | None = None) -> list[tuple[str, float, str]]:
    """Catcher steps, greedy actions, updates and whole training steps per second (CPU)."""
    if tree is not None:
        treepath.use_tree(tree)
    from policywerk.actors import dqn
    from policywerk.primitives.random import Rng
    from policywerk.world import catcher

    config = dqn.Config()
    world = catcher.Catcher()
    policy = catcher.random_policy(Rng(0))

    def env_steps(count=20_000):
        observation, _ = world.reset(seed=0)
        for _ in range(count):
            step = world.step(policy(observation))
            observation = world.reset()[0] if step.terminated else step.observation

    agent = dqn.DQN(world.observation_shape, 3, config, Rng(0))
    screens = [world.reset(seed=seed)[0] for seed in range(64)]

    def greedy_actions(count=1_000):
        for index in range(count):
            agent.greedy_action(screens[index % 64])

    # A replay memory filled by random play, then updates on minibatches of the default size.
    replay_rng = Rng(1)
    memory = replay_memory(world, policy, dqn)

    def updates(count=40):
        for _ in range(count):
            agent.update([memory[replay_rng.integers(0, len(memory))] for _ in range(config.batch_size)])

    short = dqn.Config(total_steps=1_500, learning_starts=500)

    def training():
        dqn.train(catcher.Catcher(), short, seed=0)

    return [
        ("catcher env steps (random policy)", per_second(env_steps, 20_000), "steps/s"),
        ("DQN greedy actions (one forward of 1 screen)", per_second(greedy_actions, 1_000), "actions/s"),
        (f"DQN updates (batch {config.batch_size}, target net, Adam)", per_second(updates, 40), "updates/s"),
        (
            "DQN training (1,500 env steps, 500 updates)",
            per_second(training, short.total_steps, repeats=1),
            "env steps/s",
        ),
    ]


def replay_memory(world, policy, dqn, count=2_000):
    """Transitions of random play, as the replay memory holds them (n = 1)."""
    observation, _ = world.reset(seed=1)
    memory = []
    for _ in range(count):
        action = policy(observation)
        step = world.step(action)
        memory.append(dqn.NStepTransition(observation, action, step.reward, step.observation, step.terminated, 1))
        observation = world.reset()[0] if step.terminated else step.observation
    return memory


def phases(tree: str | None = None, repeats: int = 7) -> list[tuple[str, float]]:
    """(phase, best CPU seconds) of one DQN update at the defaults, then the whole update."""
    if tree is not None:
        treepath.use_tree(tree)
    from policywerk.actors import dqn
    from policywerk.building_blocks.network import zero_grad
    from policywerk.building_blocks.optimizers import clip_by_global_norm
    from policywerk.primitives.random import Rng
    from policywerk.world import catcher

    config = dqn.Config()
    world = catcher.Catcher()
    agent = dqn.DQN(world.observation_shape, 3, config, Rng(0))
    memory = replay_memory(world, catcher.random_policy(Rng(0)), dqn)
    rng = Rng(1)
    best: dict[str, float] = {}

    def timed(name, function):
        started = time.process_time()
        value = function()
        best[name] = min(best.get(name, float("inf")), time.process_time() - started)
        return value

    layers = agent.online.layers
    for _ in range(repeats):
        batch = [memory[rng.integers(0, len(memory))] for _ in range(config.batch_size)]
        next_q, _ = timed(
            "1 target network forward (next observations)",
            lambda: agent.target.forward([t.next_observation for t in batch]),
        )
        targets = timed("2 TD targets", lambda: dqn.td_targets(batch, next_q, config.gamma))
        timed("3 zero the gradients", lambda: zero_grad(agent.online.parameters()))
        inputs, tape = [t.observation for t in batch], []
        for index, layer in enumerate(layers):
            inputs, layer_tape = timed(
                f"4 online forward: {index} {type(layer).__name__}", lambda: layer.forward(inputs)
            )
            tape.append(layer_tape)
        loss, seed = timed(
            "5 Huber loss and its gradient",
            lambda: dqn.td_loss_and_gradient(inputs, [t.action for t in batch], targets, config.huber_delta),
        )
        grad = seed
        for index in reversed(range(len(layers))):
            grad = timed(
                f"6 online backward: {index} {type(layers[index]).__name__}",
                lambda: layers[index].backward(tape[index], grad),
            )
        timed("7 clip the global norm", lambda: clip_by_global_norm(agent.online.parameters(), config.max_grad_norm))
        timed("8 Adam step", agent.optimizer.step)
    batches = [[memory[rng.integers(0, len(memory))] for _ in range(config.batch_size)] for _ in range(repeats)]
    whole = min(best_seconds(lambda: agent.update(batch), 1) for batch in batches)
    rows = sorted(best.items())
    return rows + [("sum of the phases", sum(best.values())), ("the whole update, one call (DQN.update)", whole)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark rows of lesson 05 (DQN on the catcher)")
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    parser.add_argument("--phases", action="store_true", help="time one update phase by phase instead")
    args = parser.parse_args(argv)
    if args.phases:
        for name, seconds in phases(args.tree or "solutions"):
            print(f"{name:<52} {seconds * 1000:>9.2f} ms")
        return 0
    for name, value, unit in rows(args.tree or "solutions"):
        print(f"{name:<52} {value:>10,.1f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
