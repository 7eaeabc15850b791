"""The speed table: how fast the package's kernels run beside the best pure-Python idiom, and
what each lesson and the grader cost to run.

    uv run python maintainer/bench.py                    # everything, on the reference
    uv run python maintainer/bench.py --tree exercises   # your kernels and lessons instead
    uv run python maintainer/bench.py --no-suite         # without timing the test suite
    uv run python maintainer/bench.py --no-runs          # without the lesson and grader rows
    uv run python maintainer/bench.py --lessons 01 04    # only the lesson rows, of these lessons
    uv run python maintainer/bench.py --lessons --quick  # only the lesson rows, every ready lesson, --quick
    uv run python maintainer/bench.py --grader             # only the grader rows
    uv run python maintainer/bench.py --python /path/to/python3.13 --lessons --quick   # another interpreter

Each kernel row times our function and the fastest idiom measured on these machines
(maintainer/PERFORMANCE.md) on the same realistic shapes, alternating the two so that load on
a shared machine hits both alike, and keeps the best of several repeats. The ratio is ours
over the idiom's rate: 1.0 means no overhead beyond the arithmetic. Later layers add rows to
KERNELS. The throughput rows come from the bench_* modules beside this file, when present.

Each run row is one subprocess of this interpreter: a lesson (at its defaults, or --quick),
or the grader on a fresh copy of the repository. It shows the wall time, the CPU time (user +
system) and the peak resident memory (ru_maxrss) of that process, as os.wait4 reports them,
its exit status, and the lesson's "Result: …" line when it printed one. Lessons 05 to 07 at
their defaults take many minutes each.

--python runs all of it under another interpreter, given by its path: uv makes that
interpreter a project environment of its own from uv.lock (in .bench-envs/, or --env DIR;
never downloading an interpreter), and this script runs again in it. A separate environment
and not the current one's packages, because matplotlib's compiled parts are built per Python
version. Nothing here is a test: timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from operator import add, mul
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import treepath  # noqa: E402

_sumprod = getattr(math, "sumprod", None)


def best_dot(x, y):
    """The fastest pure-Python dot product on this interpreter."""
    return _sumprod(x, y) if _sumprod else sum(map(mul, x, y))


@dataclass
class Kernel:
    name: str
    shape: str
    multiply_adds: int
    ours: Callable[[], object]
    idiom: Callable[[], object]


def seconds_per_call(function: Callable[[], object], budget: float = 0.05) -> float:
    """Time per call, averaged over enough calls to fill about `budget` seconds."""
    start = time.perf_counter()
    function()
    calls = max(1, int(budget / max(time.perf_counter() - start, 1e-7)))
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def compare(kernel: Kernel, repeats: int = 7) -> tuple[float, float]:
    """Best seconds per call of ours and of the idiom, measured alternately."""
    ours, idiom = math.inf, math.inf
    for _ in range(repeats):
        ours = min(ours, seconds_per_call(kernel.ours))
        idiom = min(idiom, seconds_per_call(kernel.idiom))
    return ours, idiom


def random_matrix(generator: random.Random, rows: int, cols: int) -> list[list[float]]:
    return [[generator.uniform(-1.0, 1.0) for _ in range(cols)] for _ in range(rows)]


def primitive_kernels() -> list[Kernel]:
    from policywerk.primitives import matrix, vector

    generator = random.Random(0)
    x, y = [generator.uniform(-1, 1) for _ in range(256)], [generator.uniform(-1, 1) for _ in range(256)]
    short = x[:64]
    weights = random_matrix(generator, 64, 256)  # out × in, as a dense layer stores them
    batch = random_matrix(generator, 32, 256)  # batch × in
    right = random_matrix(generator, 256, 64)  # in × out

    def idiom_matmul():
        columns = list(zip(*right))
        return [[best_dot(row, column) for column in columns] for row in batch]

    return [
        Kernel("dot", "256", 256, lambda: vector.dot(x, y), lambda: best_dot(x, y)),
        Kernel(
            "matvec",
            "64×256 · 256",
            64 * 256,
            lambda: matrix.matvec(weights, x),
            lambda: [best_dot(row, x) for row in weights],
        ),
        Kernel("matmul", "(32×256)·(256×64)", 32 * 256 * 64, lambda: matrix.matmul(batch, right), idiom_matmul),
        Kernel(
            "matmul_transposed",
            "(32×256)·(64×256)ᵀ",
            32 * 256 * 64,
            lambda: matrix.matmul_transposed(batch, weights),
            lambda: [[best_dot(row, w) for w in weights] for row in batch],
        ),
        Kernel(
            "outer", "64 ⊗ 256", 64 * 256, lambda: matrix.outer(short, y), lambda: [[a * b for b in y] for a in short]
        ),
    ]


def layer_kernels() -> list[Kernel]:
    """Forward + backward of the network layers beside hand-written idioms for the same shapes."""
    from policywerk.building_blocks.conv import Conv2D
    from policywerk.building_blocks.dense import Dense
    from policywerk.building_blocks.recurrent import GRU
    from policywerk.primitives.random import Rng

    generator = random.Random(1)
    # Dense, batch 32, 256 -> 64.
    dense = Dense(256, 64, Rng(0))
    batch = random_matrix(generator, 32, 256)
    grad_out = random_matrix(generator, 32, 64)

    def ours_dense():
        _, tape = dense.forward(batch)
        dense.backward(tape, grad_out)

    def idiom_dense():
        weights, bias = dense.weight.value, dense.bias.value[0]
        [[best_dot(x, w) + b for w, b in zip(weights, bias)] for x in batch]
        grad_columns, input_columns, weight_columns = list(zip(*grad_out)), list(zip(*batch)), list(zip(*weights))
        [[best_dot(g, x) for x in input_columns] for g in grad_columns]
        list(map(sum, grad_columns))
        [[best_dot(g, w) for w in weight_columns] for g in grad_out]

    # Conv, batch 8, 1 -> 8 channels, 16×16, 3×3, stride 1, no padding (14×14 out).
    conv = Conv2D(1, 8, 3, (16, 16), Rng(0))
    images = random_matrix(generator, 8, 256)
    conv_grad = random_matrix(generator, 8, 8 * 14 * 14)
    offsets = [ki * 16 + kj for ki in range(3) for kj in range(3)]
    span = 13 * 16 + 14  # from the first to the last output position, in the flat image

    def ours_conv():
        _, tape = conv.forward(images)
        conv.backward(tape, conv_grad)

    def idiom_conv_forward():
        # Shifted views of the flat image, the 9 taps unrolled, garbage columns 14 and 15 dropped.
        kernels = conv.weight.value
        for image in images:
            views = [image[o : o + span] for o in offsets]
            for k in kernels:
                a, b, c, d, e, f, g, h, i = k
                full = [
                    a * v0 + b * v1 + c * v2 + d * v3 + e * v4 + f * v5 + g * v6 + h * v7 + i * v8
                    for v0, v1, v2, v3, v4, v5, v6, v7, v8 in zip(*views)
                ]
                [full[r * 16 : r * 16 + 14] for r in range(14)]

    def idiom_conv():
        idiom_conv_forward()
        kernels = conv.weight.value
        for image, grad in zip(images, conv_grad):
            views = [image[o : o + span] for o in offsets]
            # backward: kernel gradient as dots over positions, input gradient by shift-add
            for o in range(8):
                g_rows = grad[o * 196 : (o + 1) * 196]
                g_full = [v for r in range(14) for v in g_rows[r * 14 : r * 14 + 14] + [0.0, 0.0]][:span]
                [best_dot(g_full, view) for view in views]
                grad_image = [0.0] * 256
                for offset, weight in zip(offsets, kernels[o]):
                    grad_image[offset : offset + span] = list(
                        map(add, grad_image[offset : offset + span], [weight * v for v in g_full])
                    )

    # GRU step, batch 16, input 64, hidden 64: forward then backward.
    gru = GRU(64, 64, Rng(0))
    gru_inputs = random_matrix(generator, 16, 64)
    gru_hidden = random_matrix(generator, 16, 64)
    gru_grad = random_matrix(generator, 16, 64)

    def ours_gru():
        _, tape = gru.step(gru_inputs, gru_hidden)
        gru.backward_step(tape, gru_grad)

    def idiom_gru():
        W, U = gru.input_weight.value, gru.hidden_weight.value
        gx = [[best_dot(x, w) for w in W] for x in gru_inputs]
        gh = [[best_dot(h, u) for u in U] for h in gru_hidden]
        for a, b, h, gout in zip(gx, gh, gru_hidden, gru_grad):
            r = [1.0 / (1.0 + math.exp(-(p + q))) for p, q in zip(a[:64], b[:64])]
            z = [1.0 / (1.0 + math.exp(-(p + q))) for p, q in zip(a[64:128], b[64:128])]
            n = [math.tanh(p + ri * q) for p, ri, q in zip(a[128:], r, b[128:])]
            [(1.0 - zi) * ni + zi * hi for zi, ni, hi in zip(z, n, h)]
            [gi * (1.0 - zi) * (1.0 - ni * ni) for gi, zi, ni in zip(gout, z, n)]
            [gi * (hi - ni) * zi * (1.0 - zi) for gi, hi, ni, zi in zip(gout, h, n, z)]
        # the backward's four products, as dense's
        g3 = [row * 3 for row in gru_grad]
        for weights, inputs in ((W, gru_inputs), (U, gru_hidden)):
            grad_columns, input_columns, weight_columns = list(zip(*g3)), list(zip(*inputs)), list(zip(*weights))
            [[best_dot(g, x) for x in input_columns] for g in grad_columns]
            [[best_dot(g, w) for w in weight_columns] for g in g3]

    return [
        Kernel("dense fwd+bwd", "32 × (256 → 64)", 3 * 32 * 256 * 64, ours_dense, idiom_dense),
        Kernel("conv forward", "8 × 1→8, 16², 3×3", 8 * 8 * 196 * 9, lambda: conv.forward(images), idiom_conv_forward),
        Kernel("conv fwd+bwd", "8 × 1→8, 16², 3×3", 3 * 8 * 8 * 196 * 9, ours_conv, idiom_conv),
        Kernel("GRU step fwd+bwd", "16 × (64 + 64 → 64)", 3 * 16 * 192 * 128, ours_gru, idiom_gru),
    ]


KERNELS: list[Callable[[], list[Kernel]]] = [primitive_kernels, layer_kernels]


def suite_seconds() -> float:
    """Wall time of the README's test command (run inside this environment)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


@dataclass
class Run:
    """One command run in a subprocess, as the operating system accounted for it."""

    name: str
    wall: float  # seconds
    cpu: float  # user + system seconds of the child (and of any children it waited for)
    peak: float  # MiB: the child's ru_maxrss (the largest resident set of it and its waited-for children)
    status: int  # exit status
    result: str = ""  # a lesson's "Result: …" line, when it printed one
    output: str = ""  # everything it printed, stdout and stderr interleaved


def timed_run(name: str, command: list[str], cwd: Path) -> Run:
    """Run a command, its output read (a lesson's result line kept), and account for it with wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    output = process.stdout.read()  # to its end, so the child never blocks on a full pipe
    _, status, usage = os.wait4(process.pid, 0)  # wait4, not wait: the child's own resource usage
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    results = [line.strip() for line in output.splitlines() if line.startswith("Result: ")]
    cpu = usage.ru_utime + usage.ru_stime
    return Run(name, wall, cpu, usage.ru_maxrss / 1024, process.returncode, results[-1] if results else "", output)


def chosen_lessons(numbers: list[str] | None) -> dict[str, str]:
    """Lesson number -> script, of the lessons asked for (default: every ready one)."""
    from grading import manifest

    lessons = manifest.load().lessons
    unknown = [n for n in numbers or [] if n not in lessons]
    if unknown:
        raise SystemExit(f"bench.py: no lesson {', '.join(unknown)}; lessons are {', '.join(lessons)}")
    return {n: lessons[n].script for n in numbers or [n for n, lesson in lessons.items() if lesson.status == "ready"]}


def lesson_runs(tree: str, lessons: dict[str, str], quick: bool):
    """Each lesson in a subprocess of this interpreter, one Run as each ends (its outputs discarded)."""
    with tempfile.TemporaryDirectory() as out:
        for number, script in lessons.items():
            command = [sys.executable, script, "--tree", tree, "--out", out, *(["--quick"] if quick else [])]
            yield timed_run(f"lesson {number}{' --quick' if quick else ''}", command, ROOT)


def grader_runs():
    """The grader on a fresh copy of the repository with pristine stubs: cold and warm status, checks."""
    from maintainer.generate_exercises import generate

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "repo"
        keep = [
            "grader.py",
            "grading",
            "treepath.py",
            "maintainer",
            "curriculum.toml",
            "pyproject.toml",
            "spec_tests",
            "solutions",
            "lessons",
        ]
        for name in keep:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                copy.mkdir(exist_ok=True)
                shutil.copy2(source, copy / name)
        generate(copy / "exercises")
        grader = [sys.executable, "grader.py"]
        yield timed_run("grader status (cold: every spec runs)", grader, copy)
        yield timed_run("grader status (warm: from the progress file)", grader, copy)
        for module in ("primitives.scalar", "primitives.vector", "primitives.losses", "building_blocks.mdp"):
            yield timed_run(f"grader check {module}", [*grader, "check", module], copy)


def print_runs(runs) -> None:
    print(f"{'run':<46} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'exit':>5}  result")
    for run in runs:
        print(
            f"{run.name:<46} {run.wall:>8.2f} {run.cpu:>8.2f} {run.peak:>9.0f} {run.status:>5}  {run.result}",
            flush=True,
        )


# ── another interpreter ──────────────────────────────────────────────────────────────────


def interpreter_environment(python: Path, folder: Path | None) -> Path:
    """The Python of a project environment made for `python`: the dependencies of uv.lock, as
    for the default .venv, but built for that interpreter (matplotlib's compiled parts are
    per Python version, so the current environment cannot lend its packages).

    uv makes it, or brings it up to date, in `folder` (default .bench-envs/<implementation>-
    <version>/, git-ignored), with that very interpreter and never a downloaded one."""
    if not (python.is_file() and os.access(python, os.X_OK)):
        raise SystemExit(f"bench.py: {python} is not an executable file")
    described = subprocess.run(
        [
            str(python),
            "-c",
            "import platform; print(platform.python_implementation().lower() + '-' + platform.python_version())",
        ],
        capture_output=True,
        text=True,
    )
    if described.returncode != 0:
        raise SystemExit(f"bench.py: {python} does not run: {described.stderr.strip()}")
    folder = folder or ROOT / ".bench-envs" / described.stdout.strip()
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    if uv is None:
        raise SystemExit("bench.py: --python needs uv on the PATH, to make the interpreter's environment")
    environment = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(folder), UV_PYTHON_DOWNLOADS="never")
    environment.pop("VIRTUAL_ENV", None)  # the current environment's, which uv would warn about
    synced = subprocess.run(
        [uv, "sync", "--frozen", "--quiet", "--no-python-downloads", "--python", str(python)], cwd=ROOT, env=environment
    )
    if synced.returncode != 0:
        raise SystemExit(f"bench.py: uv could not make the environment {folder} for {python}")
    return next(p for p in (folder / "bin" / "python", folder / "Scripts" / "python.exe") if p.exists())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    parser.add_argument(
        "--python",
        type=Path,
        default=None,
        metavar="PATH",
        help="run everything under this interpreter (its own environment, made from uv.lock; never downloaded)",
    )
    parser.add_argument(
        "--env", type=Path, default=None, metavar="DIR", help="where --python's environment is (default .bench-envs/…)"
    )
    parser.add_argument(
        "--lessons",
        nargs="*",
        default=None,
        metavar="NN",
        help="only the lesson rows: of these lessons (default every ready one)",
    )
    parser.add_argument("--quick", action="store_true", help="run the lessons in their --quick mode")
    parser.add_argument(
        "--grader", action="store_true", help="only the grader rows (after the lesson rows, with --lessons)"
    )
    parser.add_argument("--no-suite", action="store_true", help="skip timing the test suite")
    parser.add_argument("--no-runs", action="store_true", help="skip the lesson and grader runs")
    args = parser.parse_args(argv)
    if args.python is not None:
        # The whole bench again, in a subprocess of that interpreter's environment.
        python = interpreter_environment(args.python.expanduser().absolute(), args.env)
        rest = _without_options(sys.argv[1:] if argv is None else argv, {"--python", "--env"})
        return subprocess.call([str(python), str(Path(__file__).resolve()), *rest])
    folder = treepath.use_tree(args.tree)
    tree = args.tree or "solutions"
    lessons = chosen_lessons([n.zfill(2) for n in args.lessons] if args.lessons else None)

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}, {sys.executable}), tree {folder.name}, "
        f"dot idiom: {'math.sumprod' if _sumprod else 'sum(map(mul, x, y))'}"
    )
    if args.lessons is not None or args.grader:
        print()
        print_runs(
            itertools.chain(
                lesson_runs(tree, lessons, args.quick) if args.lessons is not None else (),
                grader_runs() if args.grader else (),
            )
        )
        return 0
    if not args.no_suite:
        print(f"uv run pytest (default suite): {suite_seconds():.1f} s wall")
    print()
    print(
        f"{'kernel':<20} {'shape':<22} {'ours µs':>9} {'idiom µs':>9} {'ours M MAC/s':>13} {'idiom M MAC/s':>14} {'ratio':>6}"
    )
    for make in KERNELS:
        for kernel in make():
            ours, idiom = compare(kernel)
            print(
                f"{kernel.name:<20} {kernel.shape:<22} {ours * 1e6:>9.1f} {idiom * 1e6:>9.1f} "
                f"{kernel.multiply_adds / ours / 1e6:>13.1f} {kernel.multiply_adds / idiom / 1e6:>14.1f} {idiom / ours:>6.2f}"
            )
    throughput = [
        module
        for module in ("bench_dqn", "bench_ppo", "bench_dreamer")
        if (ROOT / "maintainer" / f"{module}.py").exists()
    ]
    if throughput:
        print()
        print(f"{'throughput':<48} {'value':>12}  unit")
        for module in throughput:
            for name, value, unit in importlib.import_module(f"maintainer.{module}").rows():
                print(f"{name:<48} {value:>12,.1f}  {unit}")
    if not args.no_runs:
        print()
        print_runs(itertools.chain(lesson_runs(tree, lessons, args.quick), grader_runs()))
    return 0


def _without_options(arguments: list[str], names: set[str]) -> list[str]:
    """The arguments without the named options and their values ("--python X" or "--python=X")."""
    kept, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in names:
            skip = True
        elif argument.split("=", 1)[0] not in names:
            kept.append(argument)
    return kept


if __name__ == "__main__":
    sys.exit(main())
