"""Bonus — take your agents to Gymnasium: the same code on the environments everyone uses.

Your Q-learning and Sarsa on Gymnasium's CliffWalking and FrozenLake, and your ACE/ASE on its
CartPole (the very physics of our balance world), each beside the same agent on our own world
or beside a planner's optimum. Needs the optional extra:

    uv sync --group gymnasium
    uv run python lessons/bonus_gymnasium.py                   # the reference agents
    uv run python lessons/bonus_gymnasium.py --tree exercises  # yours
"""

from __future__ import annotations

import time

import kit

GREEDY_EPISODES = 100  # evaluation episodes for FrozenLake's success rate


def main(argv: list[str] | None = None) -> int:
    args = kit.parse_args(__doc__, argv)
    try:
        from adapters.gym_world import GymnasiumWorld, import_gymnasium

        import_gymnasium()
    except RuntimeError as missing:  # adapters.gym_world.MissingExtra
        print(f"{missing}\nThen run this again: uv run python lessons/bonus_gymnasium.py")
        return 1
    from policywerk.actors import barto_sutton, bellman, q_learner
    from policywerk.world import balance, cliffworld

    started = time.perf_counter()
    print(__doc__.split("\n\n")[0])
    print(f"Code: {args.tree}.\n")
    trace = kit.Trace(lesson="bonus_gymnasium", title="CliffWalking: Gymnasium's and ours coincide (same table, same seed)",
                      x_label="episode", y_label="sum of rewards (10-episode mean, cut at −100)",
                      settings={"tree": args.tree, "seed": args.seed, "quick": args.quick})  # fmt: skip

    # ── CliffWalking: the same table as our cliff ───────────────────────────────────────
    episodes = 100 if args.quick else 500
    config = q_learner.Config(episodes=episodes)
    print(f"CliffWalking-v1 and our cliff: Q-learning and Sarsa, α 0.5, ε 0.1, {episodes} episodes, seed {args.seed}")
    for method in q_learner.METHODS:
        for label, world in (("Gymnasium", GymnasiumWorld("CliffWalking-v1")), ("ours", cliffworld.CliffWorld())):
            result = q_learner.train(world, method, config, seed=args.seed)
            route = greedy_route(world, result.q.best_action, start=36, limit=100)
            online = sum(result.returns[episodes // 2 :]) / (episodes - episodes // 2)
            ending = f"the goal in {len(route) - 1} steps" if route[-1] == 47 else "no goal within 100 steps"
            print(f"  {method:<10} on {label:<9}: online return (second half) {online:7.1f}; greedy route reaches {ending}")
            smoothed = [max(-100.0, sum(result.returns[max(0, i - 9) : i + 1]) / len(result.returns[max(0, i - 9) : i + 1]))
                        for i in range(episodes)]  # fmt: skip
            trace.add(f"{method} · {label} cliff", list(range(1, episodes + 1)), smoothed)

    # ── FrozenLake: slippery ice, and a planner's optimum from the published model ──────
    lake = GymnasiumWorld("FrozenLake-v1")
    plan = bellman.value_iteration(lake, gamma=0.99, tolerance=1e-8)
    planner_rate = success_rate(lake, lambda s: plan.policy[s], seed=args.seed)
    lake_episodes = 500 if args.quick else 3000
    # The only reward is the goal's +1: from Q = 0, ε = 0.1 rarely finds it and the greedy policy
    # stays blind. Optimistic initial values (Q = 1, Sutton & Barto §2.6) make every untried
    # action look worth trying until it has been tried.
    lake_config = q_learner.Config(step_size=0.1, epsilon=0.1, gamma=0.99, episodes=lake_episodes, initial_q=1.0)
    print(f"\nFrozenLake-v1 (slippery 4×4; moves mapped to our up/right/down/left): {lake_episodes} episodes, "
          "α 0.1, ε 0.1, γ 0.99, optimistic Q = 1 at the start")
    print(f"  value iteration on the published model (our bellman.value_iteration): success {planner_rate:.0%} greedy")
    for method in q_learner.METHODS:
        result = q_learner.train(lake, method, lake_config, seed=args.seed)
        rate = success_rate(lake, result.q.best_action, seed=args.seed)
        print(f"  {method:<10}: greedy success {rate:.0%} over {GREEDY_EPISODES} episodes")

    # ── CartPole: the 1983 cart-pole, with the paper's reward ───────────────────────────
    cap = 500  # CartPole-v1's time limit
    print(f"\nCartPole-v1 (sutton_barto_reward: −1 on failure) and our balance world, cap {cap} steps: ACE/ASE, 100 failures at most")
    for label, world in (("Gymnasium", GymnasiumWorld("CartPole-v1", sutton_barto_reward=True)), ("ours", balance.BalanceWorld(max_steps=cap))):
        result = barto_sutton.train(world, barto_sutton.Config(), seed=args.seed, max_failures=100)
        outcome = f"balanced {cap} steps after {result.failures} failures" if result.balanced else f"not balanced within {result.failures} failures"
        print(f"  on {label:<9}: {outcome} ({result.steps:,} steps)")

    kit.report_written(kit.save_trace(trace, args.out), started)
    return 0


def greedy_route(world, best_action, start: int, limit: int) -> list[int]:
    """The states visited by the greedy policy from the start (no exploration), up to `limit` steps."""
    state, _ = world.reset(seed=0)
    route = [state]
    for _ in range(limit):
        step = world.step(best_action(state))
        state = step.observation
        route.append(state)
        if step.terminated or step.truncated:
            break
    return route


def success_rate(world, policy, seed: int) -> float:
    """The fraction of GREEDY_EPISODES episodes that end with a reward (FrozenLake's goal)."""
    reached = 0
    world.reset(seed=seed)
    for _ in range(GREEDY_EPISODES):
        state, _ = world.reset()
        while True:
            step = world.step(policy(state))
            state = step.observation
            if step.terminated or step.truncated:
                reached += step.reward > 0
                break
    return reached / GREEDY_EPISODES


if __name__ == "__main__":
    raise SystemExit(main())
