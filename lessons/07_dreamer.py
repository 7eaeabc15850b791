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
At 800 updates its decoder explains about 60 % of a picture (image loss ≈ 3.3 where plain grey
scores 8.5), and a sample of 4 categoricals of 8 classes holds at most 8.3 nats, about what
the two blobs' positions need on the first frame. So the dream is a smudge, at best roughly
where the blobs are, it drifts within a few dreamed steps, and the actor learns all the same:
it needs the dream's rewards and their gradients, not its pictures. The surprise bars show
where the model was caught out (a large KL: the picture told it much it had not predicted).

    uv run python lessons/07_dreamer.py                   # the reference solution
    uv run python lessons/07_dreamer.py --long            # twice the training
    uv run python lessons/07_dreamer.py --tree exercises  # your code
The classic mistakes of this lesson, and the spec that catches each: MISTAKES.md, lesson 07.
"""

from __future__ import annotations

import sys
import time

import kit
import numpy as np
from matplotlib.ticker import MaxNLocator

EVALUATION_EPISODES = 20  # episodes per policy for the normalised score (seeds 0 … 19)
CONTEXT = 5  # the dream watches this many real frames, then imagines the rest
LONG_FACTOR = 2  # --long trains this many times the default number of updates
# What this implementation measured at each budget (normalised scores over the 20 episodes below).
MEASURED = {
    "default": "after 800 updates seeds 0, 1 and 2 scored 0.57, 0.58 and 0.35 (mean 0.50) over these 20 "
    "episodes, each world seeded from its run's generator (mdp.world_seed); when the world shared the run's seed "
    "they had scored 0.48, 0.66 and 0.70, and 0.37, 0.65 and −0.05 after 750 updates: a run can swing by 0.2 or "
    "more between evaluations",
    "long": "measured when the world still shared the run's seed: seed 0 (then 0.48 at 800 updates) scored 0.67 "
    "after 1000 updates, 0.68 after 1200, 0.77 after 1400 and 0.77 after 1600; after 1000 updates seeds 1 and 2 "
    "stood at 0.74 and 0.74",
}
# The bar for one run, the heavy spec's: at the defaults the greedy normalised score is at least
# 0.3 on every seed (and 0.5 on average over seeds 0–2). The reference: 0.565, 0.582 and 0.351,
# mean 0.499, a hair under the mean's bar (see MEASURED).
RESULT_BAR = 0.3
SHOWN_STEP = CONTEXT + 10  # the step of the fixed episode shown while training: 10 steps into the dream
PIXEL = 8  # each model pixel is drawn as an 8×8 block


def quick_config(dreamer_agent):
    """A tiny agent and budget for --quick (tests): it runs every part, it does not learn."""
    return dreamer_agent.Config(gru_units=8, categoricals=2, classes=4, encoder_units=16, hidden_units=8, head_units=8,
                          actor_critic_units=8, batch_size=4, sequence_length=8, imagination_starts=4, horizon=5,
                          prefill_steps=300, train_every=5, updates=12, eval_every=4, eval_episodes=2)  # fmt: skip


def greedy_episode(agent, world, seed):
    """One real greedy episode: its pictures and the actions taken after each."""
    image, _ = world.reset(seed=seed)
    images, actions, memory = [image], [], None
    while True:
        action, memory = agent.act(image, memory, None, greedy=True)
        step = world.step(action)
        actions.append(action)
        image = step.observation
        images.append(image)
        if step.terminated or step.truncated:
            return images, actions


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
    print(f"\nThe world: {size}×{size} pictures of the point mass, 50 steps an episode, reward −distance to the target.")
    print("DreamerV3 here, beside the paper (its small model size; the paper's numbers are in papers/CONSTANTS.md):")
    rows = [
        ("recurrent state (GRU)", "512 units or more", f"{config.gru_units} units"),
        ("stochastic state", "32 categoricals × 32 classes", f"{config.categoricals} × {config.classes}"),
        ("uniform mix · free bits", "1 % · 1 nat", f"{config.unimix:.0%} · {config.free_bits:g} nat"),
        ("KL scales: dynamics · representation", "0.5 · 0.1", f"{config.dynamics_scale:g} · {config.representation_scale:g}"),
        ("image loss scale", "1", f"{config.image_scale:g} (else the model ignores 64 pixels)"),
        ("reward · continue loss scales", "1 · 1", f"{config.reward_scale:g} · {config.continue_scale:g} (so the state learns the reward too)"),
        ("twohot bins (symlog space)", "255 on [−20, 20]", f"{config.bins} on [{config.bin_low:g}, {config.bin_high:g}]"),
        ("horizon · λ · γ", "15 · 0.95 · 0.997", f"{config.horizon} · {config.lam:g} · {config.gamma:g} (50-step episodes)"),
        ("entropy bonus · return scale", "3e-4 · EMA of P95 − P5", f"{config.entropy_scale:g} · the same"),
        ("learning rates: model · actor · critic", "1e-4 · 3e-5 · 3e-5", f"{config.model_lr:g} · {config.actor_lr:g} · {config.critic_lr:g}"),
        ("replay batch", "16 sequences × 64 steps", f"{config.batch_size} × {config.sequence_length}"),
        ("updates", "~10⁵–10⁶", f"{config.updates}, one per {config.train_every} real steps after {config.prefill_steps} random ones"),
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

    # ── the picture: built once, updated per frame ───────────────────────────────────────
    animation = kit.Animation(
        "Lesson 07 · Hafner et al. 2023 · DreamerV3",
        "the real world (left) and the model's dream (right)",
        "surprise: KL[posterior ‖ prior] at each step",
        "world-model losses and the greedy agent's score in the real world",
    )
    gap = 2 * PIXEL
    blank = np.full((size * PIXEL, 2 * size * PIXEL + gap), 0.5)
    picture = animation.world.imshow(blank, cmap="gray", vmin=0.0, vmax=1.0)
    animation.world.set_xticks([])
    animation.world.set_yticks([])
    step_label = animation.world.text(0.5, -0.06, "", transform=animation.world.transAxes, ha="center", va="top", fontsize=10)
    animation.world.axvline(size * PIXEL + gap / 2 - 0.5, color=kit.COLORS["accent"], linewidth=3)
    bars = animation.internals.bar(range(51), [0.0] * 51, color=kit.COLORS["reference"])
    animation.internals.axvline(CONTEXT - 0.5, color=kit.COLORS["accent"], linestyle="--", linewidth=1)
    animation.internals.set_xlabel("step (left of the dashes: the frames the dream saw)")
    animation.internals.set_ylabel("nats")
    animation.internals.set_xlim(-1, 51)
    trace_axes = animation.trace
    (image_line,) = trace_axes.plot([], [], color=kit.COLORS["ours"], label="image loss")
    (reward_line,) = trace_axes.plot([], [], color=kit.COLORS["second"], label="reward loss")
    (kl_line,) = trace_axes.plot([], [], color=kit.COLORS["reference"], label="KL (nats)")
    trace_axes.set_yscale("log")
    trace_axes.set_xlabel("updates")
    trace_axes.set_ylabel("world-model losses")
    trace_axes.grid(alpha=0.3)
    trace_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    score_axes = trace_axes.twinx()
    (score_line,) = score_axes.plot([], [], "-o", color=kit.COLORS["accent"], markersize=4, label="greedy score (real world)")
    score_axes.axhline(0.0, color="#aaaaaa", linewidth=0.8)
    score_axes.axhline(1.0, color="#aaaaaa", linewidth=0.8, linestyle=":")
    score_axes.set_ylim(-1.0, 1.1)
    score_axes.tick_params(labelsize=8)
    handles = [image_line, reward_line, kl_line, score_line]
    trace_axes.legend(handles, [h.get_label() for h in handles], loc="upper right", fontsize=8, ncols=2)

    updates, image_losses, reward_losses, kls = [], [], [], []
    evaluations, scores = [], []
    shown_world = pixel_pointmass.PixelPointMass(size=size)

    def dream_of(agent, seed):
        """A real greedy episode, the model's open-loop dream of it, and the per-step KL."""
        images, actions = greedy_episode(agent, shown_world, seed)
        pictures, _ = dreamer_world_model.open_loop(agent.model, images, actions + [[0.0, 0.0]], CONTEXT, Rng(seed))
        observation = agent.model.observe([[x] for x in images], [[a] for a in actions + [[0.0, 0.0]]], Rng(seed))
        kl = [dreamer_losses.kl_divergence(q[0], p[0], config.classes, config.unimix)
              for q, p in zip(observation.posterior_logits, observation.prior_logits)]  # fmt: skip
        return images, pictures, kl

    def draw(images, pictures, kl, step, heading):
        real = np.array(images[step]).reshape(size, size)
        dreamt = np.clip(np.array(pictures[step]).reshape(size, size), 0.0, 1.0)
        block = np.ones((PIXEL, PIXEL))
        composite = blank.copy()
        composite[:, : size * PIXEL] = np.kron(real, block)
        composite[:, size * PIXEL + gap :] = np.kron(dreamt, block)
        picture.set_data(composite)
        phase = "watching (posterior)" if step < CONTEXT else f"dreaming {step - CONTEXT + 1} steps ahead (prior only)"
        step_label.set_text(f"step {step}: {phase}")
        for index, (bar, value) in enumerate(zip(bars, kl + [0.0] * (51 - len(kl)))):
            bar.set_height(value)
            bar.set_color(kit.COLORS["second"] if index == step else kit.COLORS["reference"])
        animation.internals.set_ylim(0.0, max(1.0, 1.1 * max(kl)))
        image_line.set_data(updates, image_losses)
        reward_line.set_data(updates, reward_losses)
        kl_line.set_data(updates, kls)
        score_line.set_data(evaluations, scores)
        trace_axes.set_xlim(0, config.updates)
        if updates:
            low = min(min(image_losses), min(reward_losses), min(kls))
            high = max(max(image_losses), max(reward_losses), max(kls))
            trace_axes.set_ylim(max(low * 0.8, 1e-3), high * 1.25)
        animation.heading.set_text(heading)

    progress = kit.Progress(label="updates", total=config.updates)

    def on_update(report):
        stats = report.stats
        updates.append(report.update)
        image_losses.append(stats.model_terms["image"])
        reward_losses.append(stats.model_terms["reward"])
        kls.append(max(stats.kl, 1e-3))
        note = (f"image {stats.model_terms['image']:.2f}  reward {stats.model_terms['reward']:.3f}  KL {stats.kl:.2f}  "
                f"critic {stats.critic_loss:.2f}  dreamed return {stats.imagined_return:.1f}")  # fmt: skip
        if report.greedy_return is not None:
            note += f"  | greedy score {score_of(report.greedy_return):.2f}"
        progress.update(report.update, note)
        if report.evaluated:
            evaluations.append(report.update)
            scores.append(score_of(report.greedy_return))
            images, pictures, kl = dream_of(report.agent, dreamer_agent.EVALUATION_SEED_BASE)
            draw(images, pictures, kl, SHOWN_STEP, f"Lesson 07 · DreamerV3 · after {report.update} updates · "
                                                   f"greedy score {scores[-1]:.2f}")  # fmt: skip
            animation.capture(seconds=0.6)

    result = dreamer_agent.train(config, seed=args.seed, on_update=on_update)
    progress.close()
    agent = result.agent

    # ── the test: greedy in the real world, on the yardsticks' seeds ────────────────────
    greedy_returns = dreamer_agent.evaluate(agent, world, list(range(episodes)))
    greedy_return = sum(greedy_returns) / episodes
    score = score_of(greedy_return)

    # ── the final animation: one real episode beside its dream ──────────────────────────
    images, pictures, kl = dream_of(agent, dreamer_agent.EVALUATION_SEED_BASE)
    for step in range(0, len(images), 10 if args.quick else 2):
        draw(images, pictures, kl, step, f"Lesson 07 · DreamerV3 · trained: the real episode and the dream of it")
        animation.capture(seconds=1.0 if step in (0, CONTEXT) else 0.25)
    draw(images, pictures, kl, SHOWN_STEP, f"Lesson 07 · DreamerV3 · greedy score {score:.2f} in the real world")
    animation.capture(seconds=4.0)

    budget = "quick" if args.quick else "long" if long_mode else "default"
    print(f"\nTrained {len(result.reports)} updates on {result.env_steps:,} real steps "
          f"({config.prefill_steps:,} of them random), in {time.perf_counter() - started:.0f} s.")  # fmt: skip
    last = result.reports[-1].stats
    print(f"World model at the end: image loss {last.model_terms['image']:.2f}, reward loss {last.model_terms['reward']:.3f}, "
          f"KL {last.kl:.2f} nats a step (free bits: {config.free_bits:g}).")  # fmt: skip
    print(f"Greedy evaluations while training (updates: score): "
          + ", ".join(f"{u}: {score_of(v):.2f}" for u, v in result.evaluations) + ".")  # fmt: skip
    print(f"\nMean return over {episodes} real episodes: greedy DreamerV3 {greedy_return:.2f}, "
          f"scripted PD controller (sees the velocity) {reference_return:.2f}, random pushes {random_return:.2f}.")  # fmt: skip
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
        settings={"tree": args.tree, "seed": args.seed, "quick": args.quick, "long": long_mode, "updates": config.updates},
    )
    trace.add("greedy score", evaluations, scores)
    print()
    kit.state_result(trace, f"greedy normalised score over {episodes} real episodes (seed {args.seed})", score, RESULT_BAR,
                     True, "the reference measured 0.565, 0.582 and 0.351 on seeds 0, 1 and 2 at the defaults",
                     args.quick)  # fmt: skip
    kit.save_lesson_outputs(animation, trace, args.out, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
