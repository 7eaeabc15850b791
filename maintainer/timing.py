"""The one timer of the benchmark scripts: the best process time over a few repeats.

Process CPU time, not wall time: these machines are shared, and another job on the second
core slows the wall clock, not the work. The best of several repeats, because noise only
ever adds time.
"""

from __future__ import annotations

import time
from typing import Callable


def best_seconds(function: Callable[[], object], repeats: int = 3) -> float:
    """The shortest process time of `repeats` calls of function()."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        function()
        best = min(best, time.process_time() - started)
    return best
