"""Benchmark rows of lesson 05 (DQN on the catcher): how fast the world steps, the agent acts
and the learner updates, with the lesson's default settings.

    uv run python maintainer/bench_dqn.py                   # the reference
    uv run python maintainer/bench_dqn.py --tree exercises  # your code

`rows()` returns (name, value, unit) tuples for maintainer/bench.py. Times are process CPU
time (the machines are shared), best of a few repeats. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import sys
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
    observation, _ = world.reset(seed=1)
    memory = []
    for _ in range(2_000):
        action = policy(observation)
        step = world.step(action)
        memory.append(dqn.NStepTransition(observation, action, step.reward, step.observation, step.terminated, 1))
        observation = world.reset()[0] if step.terminated else step.observation

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
        ("DQN training (1,500 env steps, 500 updates)", per_second(training, short.total_steps, repeats=1), "env steps/s"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark rows of lesson 05 (DQN on the catcher)")
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    args = parser.parse_args(argv)
    for name, value, unit in rows(args.tree or "solutions"):
        print(f"{name:<52} {value:>10,.1f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
