"""The speed table: how fast the package's kernels run beside the best pure-Python idiom.

    uv run python maintainer/bench.py                   # the reference, plus the test suite's time
    uv run python maintainer/bench.py --tree exercises  # your kernels instead
    uv run python maintainer/bench.py --no-suite        # without timing the test suite
    uv run python maintainer/bench.py --no-runs         # without the lesson and grader rows

Each kernel row times our function and the fastest idiom measured on these machines
(maintainer/PERFORMANCE.md) on the same realistic shapes, alternating the two so that load on
a shared machine hits both alike, and keeps the best of several repeats. The ratio is ours
over the idiom's rate: 1.0 means no overhead beyond the arithmetic. Later layers add rows to
KERNELS. Nothing here is a test: timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
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
        Kernel("matvec", "64×256 · 256", 64 * 256, lambda: matrix.matvec(weights, x), lambda: [best_dot(row, x) for row in weights]),
        Kernel("matmul", "(32×256)·(256×64)", 32 * 256 * 64, lambda: matrix.matmul(batch, right), idiom_matmul),
        Kernel(
            "matmul_transposed",
            "(32×256)·(64×256)ᵀ",
            32 * 256 * 64,
            lambda: matrix.matmul_transposed(batch, weights),
            lambda: [[best_dot(row, w) for w in weights] for row in batch],
        ),
        Kernel("outer", "64 ⊗ 256", 64 * 256, lambda: matrix.outer(short, y), lambda: [[a * b for b in y] for a in short]),
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
                full = [a * v0 + b * v1 + c * v2 + d * v3 + e * v4 + f * v5 + g * v6 + h * v7 + i * v8
                        for v0, v1, v2, v3, v4, v5, v6, v7, v8 in zip(*views)]  # fmt: skip
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
                    grad_image[offset : offset + span] = list(map(add, grad_image[offset : offset + span], [weight * v for v in g_full]))

    # GRU step, batch 16, input 64, hidden 64: forward then backward.
    gru = GRU(64, 64, Rng(0))
    gru_inputs = random_matrix(generator, 16, 64)
    gru_hidden = random_matrix(generator, 16, 64)
    gru_grad = random_matrix(generator, 16, 64)

    def ours_gru():
        gru.step(gru_inputs, gru_hidden)
        gru.backward_step(gru_grad)

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


def timed_run(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak memory (MiB) and exit status of one command in a subprocess."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, process.returncode


def lesson_rows(tree: str) -> list[tuple[str, float, float, int]]:
    """Each ready lesson at its defaults and in quick mode: time and peak memory."""
    from grading import manifest

    rows = []
    with tempfile.TemporaryDirectory() as out:
        for number, lesson in manifest.load().lessons.items():
            if lesson.status != "ready":
                continue
            for mode in ([], ["--quick"]):
                command = [sys.executable, lesson.script, "--tree", tree, "--out", out, *mode]
                rows.append((f"lesson {number} {'quick' if mode else 'defaults'}", *timed_run(command, ROOT)))
    return rows


def grader_rows() -> list[tuple[str, float, float, int]]:
    """The grader on a fresh copy of the repository with pristine stubs: cold and warm status, checks."""
    from maintainer.generate_exercises import generate

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "repo"
        keep = ["grader.py", "grading", "treepath.py", "maintainer", "curriculum.toml", "pyproject.toml", "spec_tests", "solutions", "lessons"]
        for name in keep:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                copy.mkdir(exist_ok=True)
                shutil.copy2(source, copy / name)
        generate(copy / "exercises")
        grader = [sys.executable, "grader.py"]
        rows.append(("grader status (cold: every spec runs)", *timed_run(grader, copy)))
        rows.append(("grader status (warm: from the progress file)", *timed_run(grader, copy)))
        for module in ("primitives.vector", "primitives.losses", "building_blocks.mdp", "building_blocks.policies"):
            rows.append((f"grader check {module}", *timed_run([*grader, "check", module], copy)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    parser.add_argument("--no-suite", action="store_true", help="skip timing the test suite")
    parser.add_argument("--no-runs", action="store_true", help="skip the lesson and grader runs")
    args = parser.parse_args(argv)
    folder = treepath.use_tree(args.tree)

    print(f"Python {platform.python_version()} ({platform.python_implementation()}), tree {folder.name}, "
          f"dot idiom: {'math.sumprod' if _sumprod else 'sum(map(mul, x, y))'}")  # fmt: skip
    if not args.no_suite:
        print(f"uv run pytest (default suite): {suite_seconds():.1f} s wall")
    print()
    print(f"{'kernel':<20} {'shape':<22} {'ours µs':>9} {'idiom µs':>9} {'ours M MAC/s':>13} {'idiom M MAC/s':>14} {'ratio':>6}")
    for make in KERNELS:
        for kernel in make():
            ours, idiom = compare(kernel)
            print(
                f"{kernel.name:<20} {kernel.shape:<22} {ours * 1e6:>9.1f} {idiom * 1e6:>9.1f} "
                f"{kernel.multiply_adds / ours / 1e6:>13.1f} {kernel.multiply_adds / idiom / 1e6:>14.1f} {idiom / ours:>6.2f}"
            )
    throughput = [module for module in ("bench_dqn", "bench_ppo", "bench_dreamer") if (ROOT / "maintainer" / f"{module}.py").exists()]
    if throughput:
        print()
        print(f"{'throughput':<48} {'value':>12}  unit")
        for module in throughput:
            for name, value, unit in importlib.import_module(f"maintainer.{module}").rows():
                print(f"{name:<48} {value:>12,.1f}  {unit}")
    if not args.no_runs:
        print()
        print(f"{'run':<48} {'wall s':>8} {'peak MiB':>9} {'exit':>5}")
        for name, seconds, memory, status in lesson_rows(args.tree or "solutions") + grader_rows():
            print(f"{name:<48} {seconds:>8.2f} {memory:>9.0f} {status:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
