"""Lesson 04 — Watkins 1989: learning to act from experience (Q-learning, with Sarsa beside it).

Without a model, an agent learns how good each action is in each state, Q(s, a), from the steps
it takes. Q-learning moves Q(s, a) toward r + γ·max_a' Q(s', a'), the value of acting greedily
afterwards, even while it explores: it learns the optimal policy's values (off-policy). Sarsa
moves it toward r + γ·Q(s', a'), a' being the action it really takes next: it learns the values
of the exploring policy it follows (on-policy). On the cliff, ε-greedy with ε = 0.1, the
difference shows: Q-learning's greedy route hugs the edge and its exploring walk falls in now
and then; Sarsa settles on a safer route and falls less.

    uv run python lessons/04_q_learning.py                   # the reference solution
    uv run python lessons/04_q_learning.py --tree exercises  # your code
The classic mistakes of this lesson, and the spec that catches each: MISTAKES.md, lesson 04.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

import kit

STEP_SIZE, EPSILON, GAMMA = 0.5, 0.1, 1.0  # Sutton & Barto, Example 6.6 (Figure 6.4)
EPISODES, RUNS = 500, 100  # the figure's 500 episodes; the trace is the mean over RUNS runs
QUICK_EPISODES, QUICK_RUNS = 100, 4
EVALUATION_EPISODES = 20  # episodes per policy for the normalised score (seeds 0 … 19)
# The bar, the slow spec's: after 500 episodes Q-learning's greedy route is the optimal 13-step
# cliff-edge route (return −13) in every run. The reference found it in all 100 runs (seeds
# 0–99) and in each of 1,000 seeds when the spec was calibrated.
RESULT_BAR = 1.0
LATE = (200, 500)  # the episodes over which the online returns are compared (inclusive)
SMOOTHING = 10  # episodes in the moving average drawn in the animation
FLOOR = -100.0  # the trace's scale ends here, as the textbook's figure does
FRAME_EPISODES = (
    1,
    2,
    3,
    5,
    8,
    10,
    15,
    20,
    25,
    30,
    40,
    50,
    60,
    70,
    80,
    100,
    125,
    150,
    175,
    200,
    250,
    300,
    350,
    400,
    450,
    500,
)
NAMES = {"q_learning": "Q-learning", "sarsa": "Sarsa"}
# Arrow (dx, dy) per action in image coordinates, where rows grow downward: up is −y.
ARROW = {0: (0.0, -0.62), 1: (0.62, 0.0), 2: (0.0, 0.62), 3: (-0.62, 0.0)}


def greedy_route(world, q_table, start, cols, max_length=60):
    """Follow the greedy action (ties to the lowest, as TabularQ.best_action) from the start
    through the world's model: the cells visited, ending at the goal, at a fall into the cliff
    (the cliff cell is the last one drawn), or where the route would loop."""
    moves = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}
    route, state = [start], start
    while len(route) < max_length:
        row = q_table[state]
        action = row.index(max(row))
        ((_, next_state, reward, terminated),) = world.transitions(state, action)
        if reward <= -100.0:  # fell: draw the step into the cliff cell, then stop
            d_row, d_col = moves[action]
            route.append(state + d_row * cols + d_col)
            break
        if next_state in route:
            break
        route.append(next_state)
        if terminated:
            break
        state = next_state
    return route


def describe(route, cols):
    """A route as its moves, repeats counted: "up, right ×11, down"."""
    names = {-cols: "up", 1: "right", cols: "down", -1: "left"}
    moves = [names[b - a] for a, b in zip(route, route[1:])]
    parts = []
    for move in moves:
        if parts and parts[-1][0] == move:
            parts[-1][1] += 1
        else:
            parts.append([move, 1])
    return ", ".join(move if count == 1 else f"{move} ×{count}" for move, count in parts) or "no move"


def moving_average(values, width):
    """The mean of each value and the width − 1 before it (fewer at the start)."""
    averaged, total = [], 0.0
    for index, value in enumerate(values):
        total += value
        if index >= width:
            total -= values[index - width]
        averaged.append(total / min(index + 1, width))
    return averaged


def ink_on(color):
    """Arrow colour that reads on a cell of this colour: white on dark cells, near-black on light."""
    red, green, blue = color[:3]
    return "white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.45 else "#222222"


def train_runs(task):
    """A job for a worker process (kit.in_workers): train both rules on each seed of the task at
    the lesson's settings; per seed and rule, (its returns, its greedy route at the end)."""
    from policywerk.actors import q_learner
    from policywerk.world import cliffworld

    seeds, episodes = task
    world = cliffworld.CliffWorld()
    outcomes = []
    for seed in seeds:
        outcome = {}
        for method in q_learner.METHODS:
            config = q_learner.Config(
                method=method, step_size=STEP_SIZE, epsilon=EPSILON, gamma=GAMMA, episodes=episodes
            )
            result = q_learner.train(world, config, seed=seed)
            outcome[method] = (result.returns, greedy_route(world, result.q.table, cliffworld.START, cliffworld.COLS))
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    args = kit.parse_args(__doc__, argv)
    from policywerk.actors import q_learner
    from policywerk.building_blocks.mdp import rollout
    from policywerk.primitives.random import Rng
    from policywerk.world import cliffworld

    started = time.perf_counter()
    episodes = QUICK_EPISODES if args.quick else EPISODES
    runs = QUICK_RUNS if args.quick else RUNS
    evaluation_episodes = 5 if args.quick else EVALUATION_EPISODES
    configs = {
        m: q_learner.Config(method=m, step_size=STEP_SIZE, epsilon=EPSILON, gamma=GAMMA, episodes=episodes)
        for m in q_learner.METHODS
    }
    world = cliffworld.CliffWorld()
    rows, cols = cliffworld.ROWS, cliffworld.COLS
    print(__doc__.split("\n\n")[0])
    print(
        f"\nThe world: Sutton & Barto's {rows}×{cols} cliff, −1 a step, −100 and back to the start on the cliff, "
        f"γ = {GAMMA:g}."
    )
    print(
        f"Code: {args.tree}. ε-greedy with ε = {EPSILON}, α = {STEP_SIZE}; {runs} runs of {episodes} episodes "
        f"for each rule (seeds {args.seed} … {args.seed + runs - 1})."
    )

    # ── training: every run of both rules, the first here (its Q tables kept for the frames),
    #    the others in worker processes, a few seeds to a job ─────────────────────────────
    seeds = [args.seed + run for run in range(1, runs)]
    results = kit.in_workers(train_runs, [(seeds[start : start + 5], episodes) for start in range(0, len(seeds), 5)])
    frame_episodes = [e for e in FRAME_EPISODES if e <= episodes]
    snapshots = {method: {} for method in q_learner.METHODS}  # method -> {episode: Q table}
    featured = {}  # method -> the first run's result
    for method in q_learner.METHODS:

        def on_episode(report, method=method):
            if report.episode in frame_episodes:
                snapshots[method][report.episode] = [list(row) for row in report.q.table]

        featured[method] = q_learner.train(world, configs[method], seed=args.seed, on_episode=on_episode)
    outcomes = [
        {m: (featured[m].returns, greedy_route(world, featured[m].q.table, cliffworld.START, cols)) for m in featured}
    ]
    returns = {method: [] for method in q_learner.METHODS}  # method -> one list of returns per run
    final_routes = {method: [] for method in q_learner.METHODS}
    second_half = {method: [] for method in q_learner.METHODS}  # each run's mean return over its second half
    progress = kit.Progress(label="training: run", total=runs)
    for run in range(runs):
        if run == len(outcomes):
            outcomes += next(results)
        for method in q_learner.METHODS:
            run_returns, route = outcomes[run][method]
            returns[method].append(run_returns)
            second_half[method].append(statistics.fmean(run_returns[episodes // 2 :]))
            final_routes[method].append(route)
        progress.update(
            run + 1,
            "mean return, second half: "
            + ", ".join(f"{NAMES[m]} {statistics.fmean(v):.1f}" for m, v in second_half.items()),
        )
    progress.close()
    mean_returns = {m: [statistics.fmean(run[e] for run in r) for e in range(episodes)] for m, r in returns.items()}

    # ── the picture: built once, updated per frame ────────────────────────────────────────
    import matplotlib
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    animation = kit.Animation(
        "Lesson 04 · Watkins 1989 · Q-learning and Sarsa on the cliff",
        "the cliff: greedy routes from the start",
        "greedy action per state · colour: max_a Q(s, a)",
        f"sum of rewards per episode (mean of {runs} runs, {SMOOTHING}-episode moving average)",
        colors=255,  # the small marks (dots, arrows, letters) keep their colours
    )
    animation.figure.subplots_adjust(right=0.92)  # room for the colour bar's labels
    colors = {"q_learning": kit.COLORS["ours"], "sarsa": kit.COLORS["second"]}
    layout = cliffworld.CliffWorld().render()  # a world never reset: no agent drawn on it
    # render(): floor 0, cliff 0.5, goal 0.75, agent 1 (0.25 is unused); one colour per quarter
    cells = ListedColormap(["#f4f4f4", "#f4f4f4", "#8c6d46", "#60b060", "#6fa8dc"])
    animation.world.imshow(layout, cmap=cells, vmin=-0.125, vmax=1.125, extent=(-0.5, cols - 0.5, rows - 0.5, -0.5))
    # The letters sit low in their cells: the routes run through the cells' centres.
    animation.world.text(-0.44, 3.46, "S", ha="left", va="bottom", fontsize=10, fontweight="bold")
    animation.world.text(11.44, 3.46, "G", ha="right", va="bottom", fontsize=10, fontweight="bold")
    animation.world.text(5.5, 3, "the cliff  −100", ha="center", va="center", fontsize=10, color="white")
    offsets = {"q_learning": 0.12, "sarsa": -0.12}  # so the two routes stay visible where they overlap
    route_lines = {
        m: animation.world.plot([], [], "-o", color=colors[m], linewidth=2.5, markersize=4, label=f"{NAMES[m]}")[0]
        for m in q_learner.METHODS
    }
    animation.world.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncols=2, fontsize=9, frameon=False)
    notes = animation.world.text(
        0.0, -0.42, "", transform=animation.world.transAxes, va="top", fontsize=8.5, family="monospace"
    )
    animation.moving(*route_lines.values(), notes)
    # Six bands of 5: few colours, so the GIF palette keeps the routes' red and blue exact.
    value_colors = matplotlib.colormaps["viridis"].resampled(6).with_extremes(bad="#e4e4e4")  # grey: nothing tried yet
    tops = {"q_learning": 0.0, "sarsa": rows + 1.2}  # the two grids stacked in the internals pane
    heatmaps, arrows = {}, {}
    for method, top in tops.items():
        blank = [[float("nan")] * cols for _ in range(rows)]
        heatmaps[method] = animation.internals.imshow(
            blank, cmap=value_colors, vmin=-30.0, vmax=0.0, extent=(-0.5, cols - 0.5, top + rows - 0.5, top - 0.5)
        )
        arrows[method] = animation.internals.quiver(
            [c for r in range(rows) for c in range(cols)],
            [top + r for r in range(rows) for c in range(cols)],
            [0.0] * (rows * cols),
            [0.0] * (rows * cols),
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.008,
            headwidth=3.2,
            headlength=3.5,
            headaxislength=3.2,
            color="white",
            pivot="middle",
        )
        cliff = Rectangle((0.5, top + 2.5), cols - 2, 1, color="#8c6d46", zorder=3)
        animation.internals.add_patch(cliff)
        # The goal's value is 0, the top of the colour scale: a dark letter reads on it.
        goal = animation.internals.text(
            11, top + 3, "G", ha="center", va="center", fontsize=10, fontweight="bold", color="#222222"
        )
        animation.moving(heatmaps[method], arrows[method], cliff, goal)  # cliff and goal over the heat map
    colorbar = animation.figure.colorbar(
        heatmaps["sarsa"], ax=animation.internals, fraction=0.035, pad=0.02, shrink=0.8
    )
    colorbar.ax.tick_params(labelsize=8)
    animation.internals.set_xlim(-0.5, cols - 0.5)
    animation.internals.set_ylim(tops["sarsa"] + rows - 0.5, -0.5)
    animation.internals.set_xticks([])
    animation.internals.set_yticks(
        [tops[m] + 1.5 for m in q_learner.METHODS], labels=[NAMES[m] for m in q_learner.METHODS]
    )
    for method, label in zip(q_learner.METHODS, animation.internals.get_yticklabels()):
        label.set_color(colors[method])
        label.set_fontweight("bold")
    animation.internals.tick_params(length=0)
    for spine in animation.internals.spines.values():
        spine.set_visible(False)
    animation.world.set_xticks([c + 0.5 for c in range(cols - 1)], labels=[])
    animation.world.set_yticks([r + 0.5 for r in range(rows - 1)], labels=[])
    animation.world.tick_params(length=0)
    animation.world.grid(color="white", linewidth=1.2)
    trace_lines = {
        m: animation.trace.plot([], [], "-", color=colors[m], linewidth=2, label=NAMES[m])[0] for m in q_learner.METHODS
    }
    for level, text, above in (
        (-13.0, "−13: the cliff-edge route, walked greedily", True),
        (-17.0, "−17: the top-row route", False),
    ):
        animation.trace.axhline(level, color=kit.COLORS["reference"], linestyle="--", linewidth=1)
        animation.trace.text(
            episodes * 0.99,
            level + (0.8 if above else -0.8),
            text,
            ha="right",
            va="bottom" if above else "top",
            fontsize=8,
            color=kit.COLORS["reference"],
        )
    animation.trace.text(
        0.01,
        0.97,
        "textbook (S&B Figure 6.4): Sarsa ≈ −25, Q-learning ≈ −50 while exploring",
        transform=animation.trace.transAxes,
        va="top",
        fontsize=8,
        color=kit.COLORS["reference"],
    )
    animation.trace.set_xlim(0, episodes)
    animation.trace.set_ylim(FLOOR, 0)
    animation.trace.set_xlabel("episode")
    animation.trace.set_ylabel("sum of rewards")
    animation.trace.grid(alpha=0.3)
    animation.trace.legend(loc="lower right", fontsize=9)
    smoothed = {m: moving_average(mean_returns[m], SMOOTHING) for m in q_learner.METHODS}
    # The first episodes wander for hundreds of steps, far below the floor of the scale: they are
    # drawn on the floor, and a note says how far below it they are.
    below = animation.trace.annotate(
        "",
        xy=(0, FLOOR),
        xytext=(0.12 * episodes, FLOOR + 9),
        fontsize=8.5,
        va="center",
        arrowprops={"arrowstyle": "->", "color": "#444444"},
    )
    animation.moving(*trace_lines.values(), below, animation.heading)

    def draw(episode):
        lines = []
        for method in q_learner.METHODS:
            q_table = snapshots[method].get(episode) or [[0.0] * 4 for _ in range(rows * cols)]
            route = greedy_route(world, q_table, cliffworld.START, cols) if episode else [cliffworld.START]
            route_lines[method].set_data([s % cols for s in route], [s // cols + offsets[method] for s in route])
            values, u, v = [], [], []
            for state in range(rows * cols):
                row = q_table[state]
                tried = state in world.states and state not in world.terminal_states and max(row) != min(row)
                values.append(max(row) if tried else float("nan"))
                du, dv = ARROW[row.index(max(row))] if tried else (float("nan"), float("nan"))
                u.append(du)
                v.append(dv)
            grid = [values[r * cols : (r + 1) * cols] for r in range(rows)]
            grid[3][11] = 0.0  # the goal: nothing follows it
            heatmaps[method].set_data(grid)
            arrows[method].set_UVC(u, v)
            shades = heatmaps[method].cmap(
                heatmaps[method].norm([0.0 if value != value else value for value in values])
            )
            arrows[method].set_color([ink_on(shade) for shade in shades])
            recent = featured[method].returns[max(0, episode - 10) : episode]
            lengths = featured[method].lengths[max(0, episode - 10) : episode]
            falls = sum(round((-r - n) / 99) for r, n in zip(recent, lengths))
            reached = route[-1] == cliffworld.GOAL
            walked = f"return {-(len(route) - 1):>3}" if reached else "misses goal"
            lines.append(f"{NAMES[method]:<10} greedy {walked} · falls, last {len(recent):>2} episodes: {falls}")
        if episode == 0:
            lines = ["before the first episode: Q = 0 everywhere,", "no action preferred anywhere (grey), no route yet"]
        notes.set_text("\n".join(lines) + f"\n(the first run, seed {args.seed})")
        for method in q_learner.METHODS:
            trace_lines[method].set_data(
                range(1, episode + 1), [max(value, FLOOR) for value in smoothed[method][:episode]]
            )
        cut = [
            (number, value)
            for m in q_learner.METHODS
            for number, value in enumerate(smoothed[m][:episode], start=1)
            if value < FLOOR
        ]
        if cut:
            last_cut = max(number for number, _ in cut)
            lowest = min(value for _, value in cut)
            below.set_text(
                f"episodes 1–{last_cut} lie below {FLOOR:.0f} (the lowest at {lowest:,.0f}): drawn on the floor".replace(
                    "-", "−"
                )
            )
            below.xy = (last_cut / 2, FLOOR)
        below.set_visible(bool(cut))
        animation.heading.set_text(f"Lesson 04 · Watkins 1989 · Q-learning and Sarsa on the cliff · episode {episode}")

    for episode in [0] + frame_episodes:
        draw(episode)
        animation.capture(seconds=0.6 if episode < episodes else 4.0)

    # ── how good are the learned greedy policies? ─────────────────────────────────────────
    def evaluate(make_policy):
        """Mean undiscounted return over the evaluation seeds, and how many episodes hit the time limit."""
        total, cut = 0.0, 0
        for seed in range(evaluation_episodes):
            episode = rollout(world, make_policy(seed), seed=seed)
            total += episode.total_reward
            cut += episode.transitions[-1].truncated
        return total / evaluation_episodes, cut

    reference_return, _ = evaluate(lambda seed: cliffworld.reference_policy)
    random_return, random_cut = evaluate(lambda seed: cliffworld.random_policy(Rng(1000 + seed)))
    greedy_returns = {m: evaluate(lambda seed, q=featured[m].q: q.best_action)[0] for m in q_learner.METHODS}
    scores = {m: (greedy_returns[m] - random_return) / (reference_return - random_return) for m in q_learner.METHODS}

    # Over all runs: where do the greedy routes go, and what did the exploring agent earn?
    edge = {cliffworld.cell_state(2, c) for c in range(1, 11)}  # the row beside the cliff
    optimal_route = greedy_route(
        world,
        [[float(a == cliffworld.reference_policy(s)) for a in range(4)] for s in range(rows * cols)],
        cliffworld.START,
        cols,
    )  # up, right ×11, down: the reference policy's route
    optimal_share = sum(r == optimal_route for r in final_routes["q_learning"]) / runs
    safe_share = sum(not edge & set(r) and r[-1] == cliffworld.GOAL for r in final_routes["sarsa"]) / runs
    off_edge_share = sum(not edge & set(r) for r in final_routes["sarsa"]) / runs
    first, last = (LATE[0], LATE[1]) if episodes >= LATE[1] else (episodes // 2, episodes)
    late = {
        m: statistics.fmean(statistics.fmean(run[first - 1 : last]) for run in returns[m]) for m in q_learner.METHODS
    }

    print(
        f"\nOnline: the sum of rewards per episode while exploring (ε = {EPSILON}), episodes {first}–{last}, "
        f"mean of {runs} runs:"
    )
    print(f"  Sarsa      {late['sarsa']:7.1f}    (Sutton & Barto, Figure 6.4: about −25 … −28)")
    print(f"  Q-learning {late['q_learning']:7.1f}    (Sutton & Barto, Figure 6.4: about −50 … −60)")
    print("Greedy: the learned policies walked without exploration, from the start:")
    print(
        f"  Q-learning's greedy route is the 13-step cliff-edge route (return −13) in {optimal_share:.0%} of runs "
        "(textbook: the optimal path, −13)"
    )
    print(
        f"  Sarsa's greedy route stays off the row beside the cliff in {off_edge_share:.0%} of runs, and off it all the "
        f"way to the goal in {safe_share:.0%} (textbook: the safer path, −17); with α = {STEP_SIZE} kept fixed its values "
        "stay noisy, and some routes loop before the goal"
    )
    arrived = Counter(1 - len(r) for r in final_routes["sarsa"] if r[-1] == cliffworld.GOAL)  # return = −steps
    print(
        "  Sarsa's greedy returns where the route reaches the goal: "
        + ", ".join(
            f"−{-value} in {count} run{'' if count == 1 else 's'}"
            for value, count in sorted(arrived.items(), reverse=True)
        )
    )
    for method in q_learner.METHODS:
        route = final_routes[method][0]
        ending = "the goal" if route[-1] == cliffworld.GOAL else "a loop or a fall, not the goal"
        steps = len(route) - 1
        print(
            f"  first run (seed {args.seed}), {NAMES[method]:<10}: {describe(route, cols)} "
            f"({steps} step{'' if steps == 1 else 's'} to {ending})"
        )
    print(
        f"\nMean return over {evaluation_episodes} episodes: scripted optimum {reference_return:.1f}, "
        f"random {random_return:,.1f} ({random_cut} of {evaluation_episodes} random walks cut at {world.max_steps:,} steps), "
        + ", ".join(f"{NAMES[m]} greedy {greedy_returns[m]:.1f}" for m in q_learner.METHODS)
        + "."
    )
    print(
        "Normalised score (greedy − random) / (optimum − random): "
        + ", ".join(f"{NAMES[m]} {scores[m]:.5f}" for m in q_learner.METHODS)
        + " (the random walk is so poor that any route to the goal scores near 1; the returns above say more)"
    )

    # The first episodes wander for hundreds of steps (returns near −1,000 and below); like the
    # textbook's figure, the trace is cut at FLOOR so the comparison of the two rules stays readable.
    floor = FLOOR
    trace = kit.Trace(
        lesson="04_q_learning",
        title=f"Sum of rewards per episode on the cliff (ε = {EPSILON}, α = {STEP_SIZE}, mean of {runs} runs, cut at −100)",
        x_label="episode",
        y_label="sum of rewards during the episode",
        settings={
            "tree": args.tree,
            "seed": args.seed,
            "quick": args.quick,
            "runs": runs,
            "episodes": episodes,
            "step_size": STEP_SIZE,
            "epsilon": EPSILON,
            "gamma": GAMMA,
            "cut_below": floor,
            "episodes_cut": {NAMES[m]: sum(v < floor for v in mean_returns[m]) for m in q_learner.METHODS},
        },
    )
    for method in q_learner.METHODS:
        trace.add(NAMES[method], list(range(1, episodes + 1)), [max(v, floor) for v in mean_returns[method]])
    print()
    kit.state_result(
        trace,
        f"share of the {runs} runs whose Q-learning greedy route returns −13 (the optimum)",
        optimal_share,
        RESULT_BAR,
        True,
        "the reference measured 1.0, in all 100 runs on seeds 0–99",
        args.quick,
    )
    kit.save_lesson_outputs(animation, trace, args.out, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
