"""Lesson 07 — Hafner et al. 2023 (DreamerV3): learning to act inside a learned world model.

The point mass again, but the agent now sees only an 8×8 picture: a bright blob (the mass) and
a dark one (the target) on grey, and no velocity. DreamerV3 learns a model of this world from
replayed experience: a recurrent state that remembers (a GRU), a stochastic state of
categorical variables, and heads that predict the next picture, the reward and whether the
episode goes on. Then it learns to act without touching the world at all: from remembered
states it *dreams* 15 steps ahead with its own model, and its actor follows the gradient of
the dreamed λ-returns back through the dream. What it learned is then tested in the real
world, greedily.

What the picture shows, and what not to expect from it: the model's own pictures are blurry.
After the default training its decoder explains about two thirds of a picture (image loss
≈ 2.8 where plain grey scores 8.5), and a sample of 4 categoricals of 8 classes holds at most
8.3 nats, about what the two blobs' positions need on the first frame. So the dream is a
smudge, at best roughly where the blobs are, it drifts within a few dreamed steps, and the
actor learns all the same: it needs the dream's rewards and their gradients, not its
pictures. The surprise bars show where the model was caught out (a large KL: the picture
told it much it had not predicted).

    uv run python lessons/07_dreamer.py                   # the reference solution
    uv run python lessons/07_dreamer.py --long            # twice the training
    uv run python lessons/07_dreamer.py --tree exercises  # your code
The classic mistakes of this lesson, and the spec that catches each: MISTAKES.md, lesson 07.
"""

from __future__ import annotations

import math
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

import kit

EVALUATION_EPISODES = 20  # episodes per policy for the normalised score (seeds 0 … 19)
CONTEXT = 5  # the dream watches this many real frames, then imagines the rest
LONG_FACTOR = 2  # --long trains this many times the default number of updates
# What this implementation measured at each budget (normalised scores over the 20 episodes below).
MEASURED = {
    "default": "after 1050 updates seeds 0, 1 and 2 scored 0.80, 0.69 and 0.65 (mean 0.71) over these 20 "
    "episodes, each world seeded from its run's generator (mdp.world_seed); after 1000 they stood at 0.72, 0.59 "
    "and 0.59, after 1100 at 0.83, 0.55 and 0.68: a run can swing by 0.1 or more between evaluations",
    "long": "measured when the budget was 800 updates of 16 imagination starts and the world still shared the run's seed: seed 0 (then 0.48 at 800) scored 0.67 "
    "after 1000 updates, 0.68 after 1200, 0.77 after 1400 and 0.77 after 1600; after 1000 updates seeds 1 and 2 "
    "stood at 0.74 and 0.74",
}
# The bar for one run, the heavy spec's: at the defaults the greedy normalised score is at least
# 0.3 on every seed (and 0.5 on average over seeds 0–2); the reference's scores are in MEASURED.
RESULT_BAR = 0.3
SHOWN_STEP = CONTEXT + 10  # the step of the fixed episode the poster shows: 10 steps into the dream
STRIP_BANDS = ((0, 2, 4, 6), (10, 15, 25, 50))  # the steps of the film strip drawn at each evaluation
GREYS = 64  # the pictures are drawn in this many greys, all of them in the GIF's palette


def quick_config(dreamer_agent):
    """A tiny agent and budget for --quick (tests): it runs every part, it does not learn."""
    return dreamer_agent.Config(
        gru_units=8,
        categoricals=2,
        classes=4,
        encoder_units=16,
        hidden_units=8,
        head_units=8,
        actor_critic_units=8,
        batch_size=4,
        sequence_length=8,
        imagination_starts=4,
        horizon=5,
        prefill_steps=300,
        train_every=5,
        updates=12,
        eval_every=4,
        eval_episodes=2,
    )


def greedy_episode(agent, world, seed):
    """One real greedy episode: its pictures, the actions taken after each, and the world's
    hidden state at each picture (for the marks of where the mass and the target really are)."""
    image, _ = world.reset(seed=seed)
    images, actions, states, memory = [image], [], [tuple(world.state)], None
    while True:
        action, memory = agent.act(image, memory, None, greedy=True)
        step = world.step(action)
        actions.append(action)
        image = step.observation
        images.append(image)
        states.append(tuple(world.state))
        if step.terminated or step.truncated:
            return images, actions, states


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    long_mode = "--long" in argv
    args = kit.parse_args(__doc__, [a for a in argv if a != "--long"])
    from policywerk.actors import dreamer_agent, dreamer_losses, dreamer_world_model
    from policywerk.primitives.random import Rng
    from policywerk.world import pixel_pointmass

    started = time.perf_counter()
    if args.quick:
        config = quick_config(dreamer_agent)
    elif long_mode:
        config = dreamer_agent.Config(updates=LONG_FACTOR * dreamer_agent.Config().updates)
    else:
        config = dreamer_agent.Config()
    episodes = 5 if args.quick else EVALUATION_EPISODES
    size = config.image_size
    print(__doc__.split("\n\n")[0])
    print(
        f"\nThe world: {size}×{size} pictures of the point mass, 50 steps an episode, reward −distance to the target."
    )
    print("DreamerV3 here, beside the paper (its small model size; the paper's numbers are in papers/CONSTANTS.md):")
    rows = [
        ("recurrent state (GRU)", "512 units or more", f"{config.gru_units} units"),
        ("stochastic state", "32 categoricals × 32 classes", f"{config.categoricals} × {config.classes}"),
        ("uniform mix · free bits", "1 % · 1 nat", f"{config.unimix:.0%} · {config.free_bits:g} nat"),
        (
            "KL scales: dynamics · representation",
            "0.5 · 0.1",
            f"{config.dynamics_scale:g} · {config.representation_scale:g}",
        ),
        ("image loss scale", "1", f"{config.image_scale:g} (else the model ignores 64 pixels)"),
        (
            "reward · continue loss scales",
            "1 · 1",
            f"{config.reward_scale:g} · {config.continue_scale:g} (so the state learns the reward too)",
        ),
        (
            "twohot bins (symlog space)",
            "255 on [−20, 20]",
            f"{config.bins} on [{config.bin_low:g}, {config.bin_high:g}]",
        ),
        (
            "horizon · λ · γ",
            "15 · 0.95 · 0.997",
            f"{config.horizon} · {config.lam:g} · {config.gamma:g} (50-step episodes)",
        ),
        ("entropy bonus · return scale", "3e-4 · EMA of P95 − P5", f"{config.entropy_scale:g} · the same"),
        (
            "learning rates: model · actor · critic",
            "1e-4 · 3e-5 · 3e-5",
            f"{config.model_lr:g} · {config.actor_lr:g} · {config.critic_lr:g}",
        ),
        ("replay batch", "16 sequences × 64 steps", f"{config.batch_size} × {config.sequence_length}"),
        ("imagination starts per update", "every replayed state", f"{config.imagination_starts}"),
        (
            "updates",
            "~10⁵–10⁶",
            f"{config.updates}, one per {config.train_every} real steps after {config.prefill_steps} random ones",
        ),
    ]
    for name, paper, ours in rows:
        print(f"  {name:<40} {paper:<30} {ours}")
    print(f"Code: {args.tree}. Training{' (quick)' if args.quick else ' (long)' if long_mode else ''}…")

    # ── the yardsticks: the scripted controller (which sees the velocity) and random pushes ──
    world = pixel_pointmass.PixelPointMass(size=size)

    def mean_return(policy_for_seed):
        total = 0.0
        for seed in range(episodes):
            image, _ = world.reset(seed=seed)
            policy = policy_for_seed(seed)
            while True:
                step = world.step(policy(image))
                total += step.reward
                if step.truncated or step.terminated:
                    break
                image = step.observation
        return total / episodes

    reference_return = mean_return(lambda seed: pixel_pointmass.reference_policy(world))
    random_return = mean_return(lambda seed: pixel_pointmass.random_policy(Rng(1000 + seed)))

    def score_of(value):
        return (value - random_return) / (reference_return - random_return)

    # ── training; at each evaluation, the model's view of one fixed real episode is kept ──
    updates, image_losses, reward_losses, kls = [], [], [], []
    evaluations, scores, shots = [], [], []
    shown_world = pixel_pointmass.PixelPointMass(size=size)

    def dream_of(agent, seed):
        """A real greedy episode, the model's open-loop dream of it, the per-step KL and the
        real states."""
        images, actions, states = greedy_episode(agent, shown_world, seed)
        pictures, _ = dreamer_world_model.open_loop(agent.model, images, actions + [[0.0, 0.0]], CONTEXT, Rng(seed))
        observation = agent.model.observe([[x] for x in images], [[a] for a in actions + [[0.0, 0.0]]], Rng(seed))
        kl = [
            dreamer_losses.kl_divergence(q[0], p[0], config.classes, config.unimix)
            for q, p in zip(observation.posterior_logits, observation.prior_logits)
        ]
        return {"images": images, "pictures": pictures, "kl": kl, "states": states}

    progress = kit.Progress(label="updates", total=config.updates)

    def on_update(report):
        stats = report.stats
        updates.append(report.update)
        image_losses.append(stats.model_terms["image"])
        reward_losses.append(stats.model_terms["reward"])
        kls.append(max(stats.kl, 1e-3))
        note = (
            f"image {stats.model_terms['image']:.2f}  reward {stats.model_terms['reward']:.3f}  KL {stats.kl:.2f}  "
            f"critic {stats.critic_loss:.2f}  dreamed return {stats.imagined_return:.1f}"
        )
        if report.greedy_return is not None:
            note += f"  | greedy score {score_of(report.greedy_return):.2f}"
        progress.update(report.update, note)
        if report.evaluated:
            evaluations.append(report.update)
            scores.append(score_of(report.greedy_return))
            shots.append({"update": report.update, **dream_of(report.agent, dreamer_agent.EVALUATION_SEED_BASE)})

    result = dreamer_agent.train(config, seed=args.seed, on_update=on_update)
    progress.close()
    agent = result.agent

    # ── the test: greedy in the real world, on the yardsticks' seeds ────────────────────
    greedy_returns = dreamer_agent.evaluate(agent, world, list(range(episodes)))
    greedy_return = sum(greedy_returns) / episodes
    score = score_of(greedy_return)
    final = {"update": config.updates, **dream_of(agent, dreamer_agent.EVALUATION_SEED_BASE)}

    # ── the picture, drawn after training (so the loss axis is fixed from the first frame) ──
    animation = kit.Animation(
        "Lesson 07 · Hafner et al. 2023 · DreamerV3",
        "the real world and the model's picture of it",
        "surprise: KL(posterior || prior) at each step",
        "world-model losses and the greedy agent's score in the real world",
        inks=[],
    )
    animation.figure.subplots_adjust(right=0.92)  # room for the score's axis on the right
    greys = ListedColormap(plt.get_cmap("gray")(np.linspace(0.0, 1.0, GREYS)))
    greys.set_bad("white")  # the gaps between pictures
    picture = animation.world.imshow(
        np.full((size, size), 0.5), cmap=greys, vmin=0.0, vmax=1.0, interpolation="nearest"
    )
    animation.world.set_xticks([])
    animation.world.set_yticks([])
    for spine in animation.world.spines.values():
        spine.set_visible(False)
    (mass_marks,) = animation.world.plot(
        [], [], "o", markersize=9, markerfacecolor="none", markeredgecolor=kit.COLORS["second"], markeredgewidth=1.2
    )
    (target_marks,) = animation.world.plot([], [], "+", markersize=9, color=kit.COLORS["ours"], markeredgewidth=1.5)
    world_texts = []  # the labels of the pictures, written anew for each frame
    step_label = animation.world.text(
        0.5, -0.03, "", transform=animation.world.transAxes, ha="center", va="top", fontsize=9
    )
    bars = animation.internals.bar(range(51), [0.0] * 51, color=kit.COLORS["reference"])
    animation.internals.axvline(CONTEXT - 0.5, color=kit.COLORS["accent"], linestyle="--", linewidth=1)
    animation.internals.set_xlabel("step (left of the dashes: the frames the dream saw)")
    animation.internals.set_ylabel("nats")
    animation.internals.set_xlim(-1, 51)
    kl_top = max(1.0, 1.1 * max(max(shot["kl"]) for shot in [*shots, final]))
    animation.internals.set_ylim(0.0, kl_top)
    trace_axes = animation.trace
    (image_line,) = trace_axes.plot([], [], color=kit.COLORS["ours"], label="image loss")
    (reward_line,) = trace_axes.plot([], [], color=kit.COLORS["second"], label="reward loss")
    (kl_line,) = trace_axes.plot([], [], color=kit.COLORS["reference"], label="KL (nats)")
    trace_axes.set_yscale("log")
    trace_axes.set_xlabel("updates")
    trace_axes.set_ylabel("world-model losses")
    trace_axes.grid(alpha=0.3)
    trace_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    trace_axes.set_xlim(0, config.updates)
    low = min(min(image_losses), min(reward_losses), min(kls))
    high = max(max(image_losses), max(reward_losses), max(kls))
    trace_axes.set_ylim(max(low * 0.8, 1e-3), high * 1.25)
    score_axes = trace_axes.twinx()
    (score_line,) = score_axes.plot(
        [],
        [],
        "-o",
        color=kit.COLORS["accent"],
        markersize=4,
        label=f"greedy score while training ({config.eval_episodes} real episodes)",
    )
    score_axes.axhline(0.0, color="#aaaaaa", linewidth=0.8)
    score_axes.axhline(1.0, color="#aaaaaa", linewidth=0.8, linestyle=":")
    score_axes.set_ylim(-1.0, 1.1)
    score_axes.set_ylabel("greedy normalised score", color=kit.COLORS["accent"])
    score_axes.tick_params(axis="y", labelsize=8, colors=kit.COLORS["accent"])
    handles = [image_line, reward_line, kl_line, score_line]
    trace_axes.legend(handles, [h.get_label() for h in handles], loc="upper right", fontsize=8, ncols=2)

    def marks(state, row0, col0):
        """Where a state's mass and target fall in a picture drawn from pixel (row0, col0)."""
        x, y, _, _, tx, ty = state
        to_pixel = pixel_pointmass.pixel_coordinate
        return (col0 + to_pixel(x, size), row0 + to_pixel(-y, size)), (
            col0 + to_pixel(tx, size),
            row0 + to_pixel(-ty, size),
        )

    def strip_cells(bands):
        """The film strip: per band of steps, the real pictures in a row above the model's."""
        cells, band_height = [], 2 * size + 1 + 4  # a pixel between the two rows, four between bands
        for b, steps in enumerate(bands):
            for j, step in enumerate(steps):
                for k, kind in enumerate(("real", "model")):
                    cells.append((step, kind, b * band_height + k * (size + 1), j * (size + 1)))
        return cells

    def draw(shot, cells, current, heading, note):
        """One frame: the pictures in `cells` (step, real or model, top row, left column) with
        the marks of where the mass and the target really are, the KL bars with step `current`
        in red, and the trace up to the shot's update."""
        height = max(row0 for _, _, row0, _ in cells) + size
        width = max(col0 for _, _, _, col0 in cells) + size
        canvas = np.full((height, width), np.nan)
        masses, targets = [], []
        while world_texts:
            world_texts.pop().remove()
        large = len(cells) == 2
        for step, kind, row0, col0 in cells:
            source = shot["images"] if kind == "real" else shot["pictures"]
            canvas[row0 : row0 + size, col0 : col0 + size] = np.clip(
                np.array(source[step]).reshape(size, size), 0.0, 1.0
            )
            mass, target = marks(shot["states"][step], row0, col0)
            masses.append(mass)
            targets.append(target)
            if large:
                world_texts.append(
                    animation.world.text(
                        col0 + size / 2 - 0.5,
                        row0 - 0.7,
                        "real" if kind == "real" else "the model's picture",
                        ha="center",
                        va="bottom",
                        fontsize=9,
                    )
                )
            elif kind == "real":
                world_texts.append(
                    animation.world.text(
                        col0 + size / 2 - 0.5,
                        row0 - 0.6,
                        f"step {step}",
                        ha="center",
                        va="bottom",
                        fontsize=7.5,
                        color=kit.COLORS["second"] if step >= CONTEXT else "black",
                    )
                )
            if not large and col0 == 0:
                world_texts.append(
                    animation.world.text(-0.8, row0 + size / 2 - 0.5, kind, ha="right", va="center", fontsize=7.5)
                )
        picture.set_data(canvas)
        picture.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
        animation.world.set_xlim(-0.5 - (0 if large else 5), width - 0.5)  # room on the left for the row names
        animation.world.set_ylim(height - 0.5, -0.5 - (1.5 if large else 2.0))
        mass_marks.set_data([m[0] for m in masses], [m[1] for m in masses])
        target_marks.set_data([t[0] for t in targets], [t[1] for t in targets])
        for mark in (mass_marks, target_marks):
            mark.set_markersize(16 if large else 6)
        step_label.set_text(note + "\nred ○: the mass, blue +: the target, where they really are")
        kl = shot["kl"]
        for index, (bar, value) in enumerate(zip(bars, kl + [0.0] * (51 - len(kl)))):
            bar.set_height(value)
            bar.set_color(kit.COLORS["second"] if index == current else kit.COLORS["reference"])
        shown = sum(1 for u in updates if u <= shot["update"])
        image_line.set_data(updates[:shown], image_losses[:shown])
        reward_line.set_data(updates[:shown], reward_losses[:shown])
        kl_line.set_data(updates[:shown], kls[:shown])
        evaluated = sum(1 for u in evaluations if u <= shot["update"])
        score_line.set_data(evaluations[:evaluated], scores[:evaluated])
        animation.heading.set_text(heading)

    strip = strip_cells(STRIP_BANDS)
    for shot, shot_score in zip(shots, scores):
        draw(
            shot,
            strip,
            None,
            f"Lesson 07 · DreamerV3 · after {shot['update']} updates · greedy score {shot_score:.2f}",
            f"the fixed episode: steps 0–{CONTEXT - 1} watched (posterior), from step {CONTEXT} dreamed (red)",
        )
        animation.capture(seconds=0.6)

    # ── the final animation: one real episode beside its dream, step by step ─────────────
    def step_note(step):
        x, y, _, _, tx, ty = final["states"][step]
        distance = math.dist((x, y), (tx, ty))
        phase = "watching (posterior)" if step < CONTEXT else f"dreaming {step - CONTEXT + 1} steps ahead (prior only)"
        on_it = " (on it: the blobs cancel out)" if distance < 0.15 else ""
        return f"step {step}: {phase}\nthe mass is {distance:.2f} from the target{on_it}"

    for step in range(0, len(final["images"]), 10 if args.quick else 2):
        draw(
            final,
            [(step, "real", 0, 0), (step, "model", 0, size + 2)],
            step,
            "Lesson 07 · DreamerV3 · trained: the real episode and the dream of it",
            step_note(step),
        )
        animation.capture(seconds=1.0 if step in (0, CONTEXT) else 0.25)
    draw(
        final,
        [(SHOWN_STEP, "real", 0, 0), (SHOWN_STEP, "model", 0, size + 2)],
        SHOWN_STEP,
        f"Lesson 07 · DreamerV3 · greedy score {score:.2f} over {episodes} real episodes",
        step_note(SHOWN_STEP),
    )
    animation.capture(seconds=4.0)

    budget = "quick" if args.quick else "long" if long_mode else "default"
    print(
        f"\nTrained {len(result.reports)} updates on {result.env_steps:,} real steps "
        f"({config.prefill_steps:,} of them random), in {time.perf_counter() - started:.0f} s."
    )
    last = result.reports[-1].stats
    print(
        f"World model at the end: image loss {last.model_terms['image']:.2f}, reward loss {last.model_terms['reward']:.3f}, "
        f"KL {last.kl:.2f} nats a step (free bits: {config.free_bits:g})."
    )
    print(
        "Greedy evaluations while training (updates: score): "
        + ", ".join(f"{u}: {score_of(v):.2f}" for u, v in result.evaluations)
        + "."
    )
    print(
        f"\nMean return over {episodes} real episodes: greedy DreamerV3 {greedy_return:.2f}, "
        f"scripted PD controller (sees the velocity) {reference_return:.2f}, random pushes {random_return:.2f}."
    )
    print(f"Normalised score (agent − random) / (controller − random) = {score:.2f}")
    if not args.quick:
        print(f"What this budget scored when it was measured: {MEASURED[budget]}.")

    # The trace is the outcome alone: the losses (in the tens) would flatten a score in [−1, 1];
    # the animation's bottom panel draws them beside it on two axes.
    trace = kit.Trace(
        lesson="07_dreamer",
        title="DreamerV3 on the pixel point mass: the greedy agent in the real world",
        x_label="updates",
        y_label="normalised score",
        settings={
            "tree": args.tree,
            "seed": args.seed,
            "quick": args.quick,
            "long": long_mode,
            "updates": config.updates,
        },
    )
    trace.add("greedy score", evaluations, scores)
    print()
    kit.state_result(
        trace,
        f"greedy normalised score over {episodes} real episodes (seed {args.seed})",
        score,
        RESULT_BAR,
        True,
        "the reference measured 0.797, 0.69 and 0.646 on seeds 0, 1 and 2 at the defaults",
        args.quick,
    )
    kit.save_lesson_outputs(animation, trace, args.out, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
