"""Benchmark rows for lesson 06 (PPO on the point mass): how fast experience is gathered and
how fast the networks learn from it.

    uv run python maintainer/bench_ppo.py                   # the reference
    uv run python maintainer/bench_ppo.py --tree exercises  # your code

`rows()` returns (name, value, unit) tuples; maintainer/bench.py prints them with the others.
Each row is the best of a few repeats (process time), so load from other work on a shared
machine hurts it less. Nothing here is a test: the numbers are reported, never asserted.
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
    """Environment steps per second (the world alone, and collecting with the policy), gradient
    steps per second (one PPO minibatch: policy and value network, forward, backward, clip,
    Adam), and a whole training run's environment steps per second, at the lesson's defaults."""
    if tree is not None:
        treepath.use_tree(tree)
    from policywerk.actors import ppo
    from policywerk.primitives.random import Rng
    from policywerk.world import pointmass

    config = ppo.Config()
    steps = config.rollout_steps
    world = pointmass.PointMass()

    def world_alone():
        observation, _ = world.reset(seed=0)
        for _ in range(steps):
            step = world.step(pointmass.reference_policy(observation))
            observation = world.reset()[0] if step.truncated else step.observation

    agent = ppo.make_agent(config, 2, Rng(0))
    observation, _ = world.reset(seed=0)
    collected = {}

    def collect():
        collected["rollout"] = ppo.collect_rollout(world, agent.policy, observation, steps, Rng(1))

    collect_seconds = best_seconds(collect, repeats)
    rollout = collected["rollout"]
    advantages, returns = ppo.advantages_and_returns(rollout, agent.value_net, config.gamma, config.lam)
    one_epoch = ppo.Config(epochs=1)
    minibatches = -(-steps // config.minibatch_size)
    update_seconds = best_seconds(
        lambda: ppo.ppo_update(agent, rollout, advantages, returns, one_epoch, Rng(2)), repeats
    )
    short_run = ppo.Config(total_steps=4 * steps)
    train_seconds = best_seconds(lambda: ppo.train(pointmass.PointMass(), short_run, seed=0), 1)
    return [
        ("ppo: point mass + PD controller, env steps", steps / best_seconds(world_alone, repeats), "steps/s"),
        ("ppo: collect_rollout (policy sample + world), env steps", steps / collect_seconds, "steps/s"),
        (
            f"ppo: ppo_update, minibatch {config.minibatch_size}, hidden {config.hidden}, gradient steps",
            minibatches / update_seconds,
            "steps/s",
        ),
        (
            f"ppo: train ({short_run.total_steps:,} steps, {config.epochs} epochs), env steps",
            short_run.total_steps / train_seconds,
            "steps/s",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    args = parser.parse_args(argv)
    for name, value, unit in rows(args.tree or "solutions"):
        print(f"{name:<70} {value:>10,.0f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
