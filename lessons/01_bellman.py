"""Lesson 01 — Bellman 1957: planning with a known model (value iteration, policy iteration).

When the rules of a world are known, an agent does not need to try anything: it can compute
how good every state is. Value iteration starts from V = 0 and applies Bellman's optimality
backup to every state at once, sweep after sweep,

    V(s) ← max_a Σ_{s'} P(s'|s, a)·[r + γ·V(s')],

and each sweep carries the news of the goal one cell further back. The greedy policy of the
final values is optimal. Policy iteration gets there by another road: evaluate a policy,
make it greedy, repeat.

    uv run python lessons/01_bellman.py                   # the reference solution
    uv run python lessons/01_bellman.py --tree exercises  # your code
The classic mistakes of this lesson, and the spec that catches each: MISTAKES.md, lesson 01.
"""

from __future__ import annotations

import time

import kit

GAMMA = 0.9  # the discount of the lesson (SPEC: γ = 0.9)
TOLERANCE = 1e-6  # value iteration stops when no value moves by this much in a sweep
EVALUATION_EPISODES = 20  # episodes per policy for the normalised score (seeds 0 … 19)
# The bar: both planners' V(start) within 1e-5 of its true value (the closed form below). Value
# iteration stopped at TOLERANCE is within γ/(1 − γ)·TOLERANCE = 9e-6 of it; the reference's
# planners both land on it to within rounding (an error of 1.1e-16).
RESULT_BAR = 1e-5
# Arrow (dx, dy) per action in image coordinates, where rows grow downward: up is −y.
ARROW = {0: (0.0, -0.3), 1: (0.3, 0.0), 2: (0.0, 0.3), 3: (-0.3, 0.0)}


def ink_on(color):
    """Text colour that reads on a cell of this colour: white on dark cells, near-black on light."""
    red, green, blue = color[:3]
    return "white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.45 else "#111111"


def greedy_path(policy, decided, start, terminal_states, cols, max_length=24):
    """Follow the arrows from the start while they are decided: the cells visited, ending at
    a terminal state, an undecided cell or a loop."""
    moves = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}
    path, state = [start], start
    while state in decided and len(path) < max_length:
        row, col = divmod(state, cols)
        d_row, d_col = moves[policy[state]]
        state = (row + d_row) * cols + col + d_col
        if state in path:
            break
        path.append(state)
        if state in terminal_states:
            break
    return path


def main(argv: list[str] | None = None) -> int:
    args = kit.parse_args(__doc__, argv)
    from policywerk.actors import bellman
    from policywerk.building_blocks.mdp import rollout
    from policywerk.primitives.random import Rng
    from policywerk.world import gridworld

    started = time.perf_counter()
    world = gridworld.GridWorld()
    rows, cols = gridworld.ROWS, gridworld.COLS
    episodes = 5 if args.quick else EVALUATION_EPISODES
    print(__doc__.split("\n\n")[0])
    print(f"\nThe world: a {rows}×{cols} grid, goal +1 (top right), pit −1, a wall, −0.04 a step, γ = {GAMMA}.")
    print(f"Code: {args.tree}. Value iteration to tolerance {TOLERANCE:g}…")

    # ── value iteration, each sweep's values kept for the picture ───────────────────────
    sweeps, changes, start_values, sweep_values = [], [], [], []
    progress = kit.Progress(label="value iteration: sweep")

    def on_sweep(sweep, values, max_change):
        sweeps.append(sweep)
        changes.append(max_change)
        start_values.append(values[gridworld.START])
        sweep_values.append(list(values))
        progress.update(sweep, f"max |ΔV| = {max_change:.3g}")

    result = bellman.value_iteration(world, GAMMA, TOLERANCE, on_sweep=on_sweep)
    progress.close()

    # ── the picture: built once, updated per sweep ──────────────────────────────────────
    import matplotlib
    from matplotlib.colors import ListedColormap

    animation = kit.Animation(
        "Lesson 01 · Bellman 1957 · value iteration",
        "the gridworld: greedy path from the start",
        "V(s) and the greedy policy",
        "value iteration: the values settle sweep by sweep",
        colors=255,  # the small marks (dots, arrows, letters) keep their colours
    )
    layout = world.render()
    layout[divmod(gridworld.START, cols)[0]][divmod(gridworld.START, cols)[1]] = 0.0  # the start is drawn as a letter
    cells = ListedColormap(["#f4f4f4", "#555555", "#e06060", "#60b060", "#6fa8dc"])
    animation.world.imshow(layout, cmap=cells, vmin=-0.125, vmax=1.125)
    # The letters sit in their cell's corner: the path runs through the cells' centres.
    for state, letter in ((gridworld.START, "S"), (gridworld.GOAL, "G"), (gridworld.PIT, "P")):
        row, col = divmod(state, cols)
        animation.world.text(
            col - 0.42, row - 0.4, letter, ha="left", va="top", fontsize=14, fontweight="bold", color="#111111"
        )
    (path_line,) = animation.world.plot([], [], "-o", color=kit.COLORS["ours"], linewidth=3, markersize=7)
    value_colors = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#555555")  # the wall is "bad": no value
    heatmap = animation.internals.imshow([[0.0] * cols for _ in range(rows)], cmap=value_colors, vmin=-1.0, vmax=1.0)
    numbers = [
        [animation.internals.text(c, r - 0.28, "", ha="center", va="center", fontsize=9) for c in range(cols)]
        for r in range(rows)
    ]
    arrows = animation.internals.quiver(
        [c for r in range(rows) for c in range(cols)],
        [r + 0.12 for r in range(rows) for c in range(cols)],
        [0.0] * (rows * cols),
        [0.0] * (rows * cols),
        angles="xy",
        scale_units="xy",
        scale=1,
        width=0.012,
        color="#222222",
    )
    for axes in (animation.world, animation.internals):
        axes.set_xticks([c + 0.5 for c in range(cols - 1)], labels=[])
        axes.set_yticks([r + 0.5 for r in range(rows - 1)], labels=[])
        axes.tick_params(length=0)
    animation.world.grid(color="white", linewidth=1.5)
    # The values' cell borders as lines of their own, drawn over the heat map on every frame.
    borders = [
        animation.internals.vlines([c + 0.5 for c in range(cols - 1)], -0.5, rows - 0.5, colors="white", linewidth=1.5),
        animation.internals.hlines([r + 0.5 for r in range(rows - 1)], -0.5, cols - 0.5, colors="white", linewidth=1.5),
    ]
    for line in borders:
        line.set_zorder(0.5)  # over the heat map (0), under the numbers and arrows
    # Sweep 0 is the start, V = 0 everywhere: the trace has a point from the first frame on.
    (change_line,) = animation.trace.plot([], [], "-o", color=kit.COLORS["second"], label="max |ΔV| in the sweep")
    (start_line,) = animation.trace.plot([], [], "-o", color=kit.COLORS["ours"], label="V(start)")
    animation.trace.set_xlabel("sweep")
    animation.trace.set_xticks(range(len(sweeps) + 1))
    animation.trace.set_xlim(-0.3, len(sweeps) + 0.3)
    animation.trace.set_ylim(-0.3, 1.15)
    animation.trace.grid(alpha=0.3)
    animation.trace.legend(loc="upper center", ncols=2, fontsize=9)
    story = animation.trace.text(
        0.01, 0.62, "", transform=animation.trace.transAxes, ha="left", va="top", fontsize=9, linespacing=1.5
    )
    animation.moving(
        path_line,
        heatmap,
        *borders,
        *(text for row in numbers for text in row),
        arrows,
        animation.internals.title,
        *animation.internals.spines.values(),
        change_line,
        start_line,
        story,
        animation.heading,
    )
    events = ["before the first sweep: V = 0 everywhere"]

    def draw(values, shown_sweeps, sweep_label):
        policy = bellman.greedy_policy(world, values, GAMMA)
        u, v, decided = [], [], set()
        # Terminal cells are coloured by the reward that ends the episode there; their value is 0.
        shown = {gridworld.GOAL: 1.0, gridworld.PIT: -1.0, gridworld.WALL: float("nan")}
        colors = heatmap.cmap(heatmap.norm([shown.get(state, values[state]) for state in range(world.n_states)]))
        inks = []
        for state in range(world.n_states):
            row, col = divmod(state, cols)
            known = state in world.states and state not in world.terminal_states
            q_values = bellman.action_values(world, values, state, GAMMA) if known else [0.0]
            # An arrow only where the actions differ: before the news arrives, all look alike.
            if known and max(q_values) - min(q_values) > 1e-12:
                decided.add(state)
            du, dv = ARROW[policy[state]] if state in decided else (float("nan"), float("nan"))  # NaN: no arrow
            u.append(du)
            v.append(dv)
            inks.append(ink_on(colors[state]) if state != gridworld.WALL else "white")
            if state == gridworld.WALL:
                numbers[row][col].set_text("wall")
            elif state in world.terminal_states:
                numbers[row][col].set_text("goal +1" if state == gridworld.GOAL else "pit −1")
            else:
                numbers[row][col].set_text(f"{values[state]:.2f}")
            numbers[row][col].set_color(inks[-1])
        heatmap.set_data([[shown.get(r * cols + c, values[r * cols + c]) for c in range(cols)] for r in range(rows)])
        arrows.set_UVC(u, v)
        arrows.set_color(inks)
        path = greedy_path(policy, decided, gridworld.START, world.terminal_states, cols)
        path_line.set_data([s % cols for s in path], [s // cols for s in path])
        animation.internals.title.set_text(f"V(s) and the greedy policy · {sweep_label}")
        change_line.set_data(sweeps[:shown_sweeps], changes[:shown_sweeps])
        start_line.set_data([0, *sweeps[:shown_sweeps]], [0.0, *start_values[:shown_sweeps]])
        return path

    reached_goal = positive = False
    for shown_sweeps in range(len(sweeps) + 1):
        values = sweep_values[shown_sweeps - 1] if shown_sweeps else [0.0] * world.n_states
        path = draw(values, shown_sweeps, f"after sweep {shown_sweeps}" if shown_sweeps else "before the first sweep")
        if shown_sweeps and not reached_goal and path[-1] == gridworld.GOAL:
            reached_goal = True
            events.append(f"sweep {shown_sweeps}: the greedy path from the start reaches the goal")
        if shown_sweeps and not positive and values[gridworld.START] > 0:
            positive = True
            events.append(f"sweep {shown_sweeps}: V(start) > 0, the goal's +1 outweighs the steps' cost")
        story.set_text("\n".join(events))
        animation.capture(seconds=1.2 if shown_sweeps == 0 else 0.9)
    events.append(f"sweep {result.sweeps}: max |ΔV| < {TOLERANCE:g}: converged")
    story.set_text("\n".join(events))
    path = draw(result.values, len(sweeps), f"converged after {result.sweeps} sweeps")
    animation.heading.set_text(f"Lesson 01 · Bellman 1957 · value iteration converged in {result.sweeps} sweeps")
    animation.capture(seconds=4.0)

    # ── policy iteration: the other road ────────────────────────────────────────────────
    iteration_result = bellman.policy_iteration(world, GAMMA)
    same_policy = iteration_result.policy == result.policy
    largest_gap = max(abs(a - b) for a, b in zip(iteration_result.values, result.values))

    # ── how good is the greedy policy? ──────────────────────────────────────────────────
    def mean_return(make_policy):
        return sum(rollout(world, make_policy(seed), seed=seed).total_reward for seed in range(episodes)) / episodes

    greedy_return = mean_return(lambda seed: lambda state: result.policy[state])
    reference_return = mean_return(lambda seed: gridworld.reference_policy)
    random_return = mean_return(lambda seed: gridworld.random_policy(Rng(1000 + seed)))
    score = (greedy_return - random_return) / (reference_return - random_return)

    closed_form = -0.04 * (1 - GAMMA**7) / (1 - GAMMA) + GAMMA**7
    steps = len(path) - 1
    print(
        f"\nValue iteration converged after {result.sweeps} sweeps (largest change per sweep: "
        + ", ".join(f"{c:.3g}" for c in result.max_changes)
        + ")."
    )
    print(f"V(start) = {result.values[gridworld.START]:.6f}; the shortest path has 8 steps, so it should be")
    print(f"  −0.04·(1 − γ⁷)/(1 − γ) + γ⁷ = {closed_form:.6f}: seven steps that cost, then the goal.")
    print(
        f"The greedy path from the start: {steps} steps, " + " → ".join(f"({s // cols},{s % cols})" for s in path) + "."
    )
    print(
        f"Policy iteration: {iteration_result.iterations} rounds of evaluate-then-improve "
        f"({iteration_result.evaluation_sweeps} evaluation sweeps); "
        f"{'the same policy' if same_policy else 'a DIFFERENT policy'} as value iteration, "
        f"values within {largest_gap:.1e}."
    )
    print(
        f"\nMean return over {episodes} episodes: greedy {greedy_return:.2f}, scripted optimum {reference_return:.2f}, "
        f"random {random_return:.2f}."
    )
    print(f"Normalised score (greedy − random) / (optimum − random) = {score:.2f}")

    trace = kit.Trace(
        lesson="01_bellman",
        title="Value iteration on the gridworld (γ = 0.9)",
        x_label="sweep",
        y_label="value",
        settings={"tree": args.tree, "seed": args.seed, "quick": args.quick, "gamma": GAMMA, "tolerance": TOLERANCE},
    )
    trace.add("max |ΔV| in the sweep", sweeps, changes)
    trace.add("V(start)", sweeps, start_values)
    error = max(abs(values[gridworld.START] - closed_form) for values in (result.values, iteration_result.values))
    print()
    kit.state_result(
        trace,
        "error of V(start) against its true value (the worse of the two planners)",
        error,
        RESULT_BAR,
        False,
        "the reference measured 1.1e-16 (rounding), the true value being the closed form above",
        args.quick,
    )
    kit.save_lesson_outputs(animation, trace, args.out, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
