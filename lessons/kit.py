"""The drawing kit every lesson shares: command line, progress, the three-pane animation, outputs.

Every lesson's animation has one layout:

    ┌──────────────────────┬──────────────────────┐
    │ the world, or a       │ the algorithm's       │
    │ trajectory in it      │ internals             │
    ├──────────────────────┴──────────────────────┤
    │ the training trace (reward or loss)          │
    └─────────────────────────────────────────────┘

A lesson builds its artists once (an image, arrows, lines), then for each frame updates their
data and calls `Animation.capture()`. Redrawing a figure that exists is fast and keeps memory
flat; frames are kept as small palette images. Artists handed to `Animation.moving` are drawn
over a kept picture of everything else, which is drawn again only when something else changed.
At the end `save_lesson_outputs` writes the four files every lesson leaves in output/: NAME.gif,
NAME_poster.png, NAME_trace.png and NAME_trace.json (the numbers behind the trace, which
`grader.py compare lesson` draws again). `in_workers` runs independent jobs (other seeds, other
settings) in worker processes.

Drawing lives here, outside both package trees: it is not an exercise, and the package never
imports matplotlib. Nor does this module until something is drawn, so a lesson starts at once.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import treepath  # noqa: E402

OUTPUT = ROOT / "output"
FIGURE_SIZE = (9.6, 7.2)  # inches; at DPI 80 a frame is 768 × 576 pixels
DPI = 80
NEW_COLOR = 3 * 10**2  # squared RGB distance from the palette beyond which a colour is new to it
NEW_COLOR_PIXELS = 200  # pixels of new colours that call for a new palette (fewer: edges, blends)
COLORS = {"ours": "#1f77b4", "second": "#d62728", "reference": "#7f7f7f", "accent": "#2ca02c"}


def new_figure(figsize, dpi=DPI):
    """A figure drawn by Agg, made without pyplot: no global state to close afterwards."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def __getattr__(name):
    """`kit.plt`, imported on first use (the grader draws with it)."""
    if name == "plt":
        import matplotlib

        matplotlib.use("Agg")  # no display needed, and the same pixels everywhere
        import matplotlib.pyplot

        return matplotlib.pyplot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def in_workers(function, jobs: list) -> list:
    """`function(job)` for each job, the results in the jobs' order, the jobs shared among worker
    processes (one per core) where the system can fork; elsewhere one after the other, here.
    Each job must depend on nothing but its arguments (its own seed), so the results are the same
    either way. Returns an iterator: a result is ready as soon as it and those before it are."""
    jobs = list(jobs)
    if len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return map(function, jobs)
    workers = min(len(jobs), os.cpu_count() or 1)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    results = pool.map(function, jobs)
    pool.shutdown(wait=False)  # the workers finish the jobs already given, then stop
    return results


# ── command line ─────────────────────────────────────────────────────────────────────────


def parse_args(description: str, argv: list[str] | None = None, **defaults) -> argparse.Namespace:
    """The options every lesson takes, then the chosen tree on the import path.

    --tree solutions|exercises   whose code trains (default: the reference, so a newcomer sees the goal)
    --quick                      a small budget, for tests
    --seed N                     the seed of every random choice (default 0)
    --out DIR                    where the four files go (default output/)

    Import policywerk only after this call: it decides which tree `import policywerk` means.
    """
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises: whose code trains")
    parser.add_argument("--quick", action="store_true", help="a small budget (for tests)")
    parser.add_argument("--seed", type=int, default=defaults.get("seed", 0), help="seed of every random choice")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder for the GIF, poster, trace and trace JSON")
    args = parser.parse_args(argv)
    try:
        args.tree_folder = treepath.use_tree(args.tree)
    except ValueError as error:
        parser.error(str(error))
    args.tree = args.tree_folder.name if args.tree_folder.parent == ROOT else str(args.tree_folder)
    return args


class Progress:
    """A progress line: rewritten in place on a terminal; otherwise a plain line at most once
    a second, so logs stay short."""

    def __init__(self, label: str, total: int | None = None):
        self.label, self.total = label, total
        self.interactive = sys.stdout.isatty()
        self.started = self.printed = time.perf_counter()

    def update(self, done: int, note: str = "") -> None:
        now = time.perf_counter()
        count = f"{done}/{self.total}" if self.total else f"{done}"
        line = f"  {self.label} {count} ({now - self.started:.1f} s) {note}"
        if self.interactive:
            print("\r" + line.ljust(100), end="", flush=True)
        elif done == 1 or now - self.printed >= 1.0 or done == self.total:
            print(line, flush=True)
            self.printed = now

    def close(self) -> None:
        if self.interactive:
            print()


# ── the three-pane animation ─────────────────────────────────────────────────────────────


INK_LEVELS, GREY_LEVELS = 12, 64  # the fixed palette of `InkPalette`


class InkPalette:
    """A fixed palette for every frame of an animation: GREY_LEVELS greys from black to white,
    and each ink blended with white in INK_LEVELS steps (what antialiased lines and text on
    white are made of); at most 255 colours. Each pixel takes its nearest colour (in RGB),
    looked up once per colour and remembered: Pillow's own palette mapping is coarser, and
    would turn white into a light grey and a grey into a tinted one."""

    def __init__(self, inks):
        import matplotlib.colors
        import numpy as np

        white = np.ones(3)
        colours = [np.full(3, g) for g in np.linspace(0.0, 1.0, GREY_LEVELS)]
        for ink in inks:
            rgb = np.array(matplotlib.colors.to_rgb(ink))
            colours += [(1 - t) * white + t * rgb for t in np.linspace(1 / INK_LEVELS, 1.0, INK_LEVELS)]
        self.table = np.unique(np.round(np.array(colours) * 255).astype(np.int64), axis=0)
        if len(self.table) > 255:
            raise ValueError(f"InkPalette: {len(inks)} inks need {len(self.table)} colours; at most 255 fit")
        self.flat = [int(v) for v in self.table.reshape(-1)]
        self.lookup = np.full(1 << 24, 255, dtype=np.uint8)  # 24-bit colour -> index; 255: not yet seen

    def quantize(self, pixels):
        """An RGB array (height, width, 3) as a "P" image of this palette."""
        import numpy as np
        from PIL import Image

        codes = (pixels[..., 0].astype(np.int64) << 16) | (pixels[..., 1].astype(np.int64) << 8) | pixels[..., 2]
        indices = self.lookup[codes]
        unseen = indices == 255
        if unseen.any():
            new = np.unique(codes[unseen])
            rgb = np.stack([new >> 16, (new >> 8) & 255, new & 255], axis=1)
            self.lookup[new] = ((rgb[:, None, :] - self.table[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
            indices = self.lookup[codes]
        image = Image.fromarray(indices, mode="P")
        image.putpalette(self.flat)
        return image


class Animation:
    """A figure in the lessons' three-pane layout, and the frames captured from it. Without
    `inks`, a frame drawn whole gets an adaptive palette of `colors` colours (at most 255); more
    keep a small mark's colour true where the most common colours would otherwise take its place.
    With `inks`, every frame is mapped to one fixed `InkPalette`."""

    def __init__(
        self, title: str, world_title: str, internals_title: str, trace_title: str, colors: int = 96, inks=None
    ):
        """inks: the colours the lesson draws with besides COLORS (any matplotlib colour). Given,
        every frame is mapped to one fixed `InkPalette` of them: frames share their colours (a
        grey picture stays grey, a small patch of colour is never merged away)."""
        self.figure = new_figure(FIGURE_SIZE)
        self.colors = colors
        grid = self.figure.add_gridspec(2, 2, height_ratios=(1.35, 1.0), hspace=0.32, wspace=0.22)
        self.world = self.figure.add_subplot(grid[0, 0])
        self.internals = self.figure.add_subplot(grid[0, 1])
        self.trace = self.figure.add_subplot(grid[1, :])
        self.world.set_title(world_title, fontsize=11)
        self.internals.set_title(internals_title, fontsize=11)
        self.trace.set_title(trace_title, fontsize=11)
        self.heading = self.figure.suptitle(title, fontsize=13, fontweight="bold")
        self.figure.subplots_adjust(left=0.07, right=0.97, top=0.9, bottom=0.08)
        self.frames: list = []  # PIL palette images
        self.durations: list[int] = []
        self._moving: list = []  # artists drawn afresh on every frame, over the kept background
        self._background = None  # the pixels of everything else, while nothing else changes
        self._whole = None  # the last frame drawn whole: its pixels, its palette indices, its palette
        self.palette = None if inks is None else InkPalette([*COLORS.values(), "black", *inks])
        self.last_pixels = None  # the last frame before quantisation: the poster

    def moving(self, *artists):
        """Mark artists that change from frame to frame (a cart, a line, a title): `capture` draws
        them over a kept picture of the rest, which it draws again only when the rest changed.
        They are drawn after everything else, by zorder: give here, too, what must lie above them.
        Returns the artists, the one given if only one."""
        for artist in artists:
            artist.set_animated(True)  # an animated artist does not mark the figure stale
            self._moving.append(artist)
        self._moving.sort(key=lambda artist: artist.get_zorder())  # stable: ties in the order given
        return artists[0] if len(artists) == 1 else artists

    def capture(self, seconds: float = 0.5) -> None:
        """Draw the figure as it is now and keep it as one frame shown for `seconds`."""
        import numpy as np
        from PIL import Image

        canvas = self.figure.canvas
        whole = self._background is None or self.figure.stale  # stale: an artist not moving changed
        if whole:
            canvas.draw()  # everything but the moving artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._moving:
            self.figure.draw_artist(artist)
        # Drawing some artists (a legend, a scatter) marks their parts stale, which reaches the
        # figure: no change to the rest, so it does not call for a whole drawing next time.
        self.figure.stale = False
        pixels = np.array(canvas.buffer_rgba())  # rows × columns × RGBA
        self.last_pixels = pixels[..., :3].copy()
        if self.palette is not None:  # one fixed palette: every pixel its nearest colour
            self.frames.append(self.palette.quantize(pixels[..., :3]))
            self.durations.append(int(seconds * 1000))
            return
        packed = pixels.view(np.uint32)[..., 0]  # one number per pixel, to compare frames fast
        frame, fresh_palette = None, whole
        if not fresh_palette:  # only the moving artists differ: look up only the changed pixels' colours
            whole_packed, whole_indices, palette, colors = self._whole
            changed = packed != whole_packed
            indices = whole_indices.copy()
            if changed.any():
                # Each distinct new colour gets its nearest palette colour, exactly (PIL's palette
                # lookup is coarser: it turned white into (252, 252, 252)).
                distinct, where, counts = np.unique(packed[changed], return_inverse=True, return_counts=True)
                rgb = distinct.view(np.uint8).reshape(-1, 4)[:, :3].astype(np.int32)
                distances = ((rgb[:, None, :] - colors[None, :, :]) ** 2).sum(axis=2)
                nearest = distances.argmin(axis=1)
                indices[changed] = nearest[where.reshape(-1)]
                # Colours the palette lacks, over more than an edge's few pixels (a cell's new
                # shade): this frame gets a palette of its own.
                fresh_palette = int(counts[distances.min(axis=1) > NEW_COLOR].sum()) > NEW_COLOR_PIXELS
            if not fresh_palette:
                frame = Image.fromarray(indices.astype(np.uint8))
                frame.putpalette(palette)
        if fresh_palette:
            frame = Image.fromarray(pixels[..., :3]).convert("P", palette=Image.Palette.ADAPTIVE, colors=self.colors)
            palette = frame.getpalette()
            self._whole = (packed, np.asarray(frame), palette, np.array(palette, dtype=np.int32).reshape(-1, 3))
        self.frames.append(frame)
        self.durations.append(int(seconds * 1000))

    def save_gif(self, path: Path) -> None:
        if not self.frames:
            raise ValueError("the animation has no frames: call capture() at least once")
        first, *rest = self.frames
        first.save(path, save_all=True, append_images=rest, duration=self.durations, loop=0, optimize=True)

    def close(self) -> None:
        self.figure.clear()


# ── the trace and the outputs ────────────────────────────────────────────────────────────


@dataclass
class Trace:
    """The numbers behind a lesson's training trace: one or more named series of (x, y)."""

    lesson: str  # "01_bellman"
    title: str
    x_label: str
    y_label: str
    series: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # name -> {"x": […], "y": […]}
    log_y: bool = False
    settings: dict = field(default_factory=dict)  # tree, seed, quick, …
    result: dict | None = None  # what the lesson counts as reached: see `result_record`

    def add(self, name: str, x: list[float], y: list[float]) -> None:
        if len(x) != len(y):
            raise ValueError(f"trace series {name!r}: {len(x)} x values but {len(y)} y values")
        self.series[name] = {"x": list(x), "y": list(y)}

    @classmethod
    def load(cls, path: Path) -> Trace:
        return cls(**json.loads(Path(path).read_text()))


def result_record(name: str, value: float, bar: float, higher_is_better: bool, measured: str, quick: bool) -> dict:
    """The trace's "result": what the lesson measures, the bar it counts as reached, how that bar
    was measured (the reference's figure and its seeds), and whether this run reached it.
    `grader.py lesson` prints it beside the reference's; a quick run is never judged.

    >>> result_record("greedy normalised score", 0.9, 0.8, True, "the reference measured 0.96 (seeds 0-2)", False)["reached"]
    True
    """
    reached = value >= bar if higher_is_better else value <= bar
    return {
        "name": name,
        "value": float(value),
        "bar": float(bar),
        "higher_is_better": higher_is_better,
        "reached": reached,
        "measured": measured,
        "quick": quick,
    }


def state_result(
    trace: Trace, name: str, value: float, bar: float, higher_is_better: bool, measured: str, quick: bool
) -> dict:
    """Store the lesson's result in its trace and print it in one line: what it reached, the bar,
    and how the bar was measured. A quick run says it is not judged.

    >>> trace = Trace("00_demo", "demo", "x", "y")
    >>> _ = state_result(trace, "RMS error", 0.05, 0.08, False, "the reference measured 0.053", quick=False)
    Result: RMS error: 0.05 (bar ≤ 0.08; the reference measured 0.053): the bar is reached.
    >>> trace.result["reached"]
    True
    >>> _ = state_result(trace, "score", 0.1, 0.8, True, "the reference measured 0.9", quick=True)
    Result: score: 0.1 (bar ≥ 0.8; the reference measured 0.9): a --quick run is too short to be judged.
    """
    trace.result = result_record(name, value, bar, higher_is_better, measured, quick)
    if quick:
        verdict = "a --quick run is too short to be judged"
    else:
        verdict = "the bar is reached" if trace.result["reached"] else "the bar is NOT reached"
    print(f"Result: {name}: {value:.4g} (bar {'≥' if higher_is_better else '≤'} {bar:.4g}; {measured}): {verdict}.")
    return trace.result


def draw_trace(axes, trace: Trace, style: str = "-", alpha: float = 1.0, label_suffix: str = "", colors=None) -> None:
    """Draw every series of a trace on the given axes (used by lessons and by the grader)."""
    import matplotlib

    palette = colors or matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (name, points) in enumerate(trace.series.items()):
        axes.plot(
            points["x"], points["y"], style, color=palette[index % len(palette)], alpha=alpha, label=name + label_suffix
        )
    axes.set_xlabel(trace.x_label)
    axes.set_ylabel(trace.y_label)
    if trace.log_y:
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=9)


def display_path(path: Path) -> str:
    """A path as a learner would type it: relative to the repository when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def save_trace(trace: Trace, out: Path) -> list[Path]:
    """Write NAME_trace.png (the trace drawn) and NAME_trace.json (its numbers)."""
    out.mkdir(parents=True, exist_ok=True)
    trace_png, trace_json = out / f"{trace.lesson}_trace.png", out / f"{trace.lesson}_trace.json"
    figure = new_figure((8, 4))
    axes = figure.add_subplot()
    draw_trace(axes, trace)
    axes.set_title(trace.title)
    figure.tight_layout()
    figure.savefig(trace_png)
    trace_json.write_text(json.dumps(asdict(trace), indent=1) + "\n")
    return [trace_png, trace_json]


def report_written(written: list[Path], started: float) -> None:
    print(f"\nWrote {', '.join(display_path(path) for path in written)} in {time.perf_counter() - started:.1f} s.")


def save_lesson_outputs(
    animation: Animation, trace: Trace, out: Path, started: float, poster_frame: int = -1
) -> list[Path]:
    """Write NAME.gif, NAME_poster.png, NAME_trace.png and NAME_trace.json, close the figure,
    and say what was written and how long the lesson took (since `started`, a perf_counter)."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    gif, poster = out / f"{trace.lesson}.gif", out / f"{trace.lesson}_poster.png"
    animation.save_gif(gif)
    last = poster_frame in (-1, len(animation.frames) - 1) and animation.last_pixels is not None
    # The last frame as drawn, before the GIF's palette; another frame as the GIF holds it.
    (Image.fromarray(animation.last_pixels) if last else animation.frames[poster_frame].convert("RGB")).save(poster)
    animation.close()
    written = [gif, poster, *save_trace(trace, out)]
    report_written(written, started)
    return written
