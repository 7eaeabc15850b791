"""The speed table: how fast the package's kernels run beside the best pure-Python idiom.

    uv run python maintainer/bench.py                   # the reference, plus the test suite's time
    uv run python maintainer/bench.py --tree exercises  # your kernels instead
    uv run python maintainer/bench.py --no-suite        # kernels only

Each kernel row times our function and the fastest idiom measured on these machines
(../shared/PERFORMANCE.md) on the same realistic shapes, alternating the two so that load on
a shared machine hits both alike, and keeps the best of several repeats. The ratio is ours
over the idiom's rate: 1.0 means no overhead beyond the arithmetic. Later layers add rows to
KERNELS. Nothing here is a test: timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from operator import mul
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


KERNELS: list[Callable[[], list[Kernel]]] = [primitive_kernels]


def suite_seconds() -> float:
    """Wall time of the README's test command (run inside this environment)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=None, help="solutions (default) or exercises")
    parser.add_argument("--no-suite", action="store_true", help="skip timing the test suite")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
