"""The package's one source of randomness: a seeded generator, and the distributions built on it.

Every random choice in policywerk (an initial weight, an ε-greedy coin, a sampled action, a
replay minibatch) goes through an `Rng` made from an explicit seed, so the same seed gives
the same run. Underneath is the standard library's Mersenne Twister (`random.Random`); every
method here is built from its uniform draws in [0, 1), and each says how many it consumes, so
a run can be reasoned about draw by draw.
"""

import math
import random as _stdlib_random
from bisect import bisect_left, bisect_right
from itertools import accumulate


class Rng:
    """A seeded random number generator.

    >>> rng = Rng(seed=0)
    >>> rng.uniform() == _stdlib_random.Random(0).random()
    True
    """

    # given
    def __init__(self, seed: int):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Rng: seed must be an integer, got {seed!r}")
        self.seed = seed
        self._generator = _stdlib_random.Random(seed)

    # given
    def draw(self) -> float:
        """One uniform number in [0, 1): the single draw every other method is made of."""
        return self._generator.random()

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        """A number uniform in [low, high): low + u·(high − low) for one draw u. One draw.

        Raises ValueError naming both bounds when low > high.

        >>> 2.0 <= Rng(3).uniform(2.0, 5.0) < 5.0
        True
        """
        raise NotImplementedError(
            'primitives.random.Rng.uniform is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )

    def integers(self, low: int, high: int) -> int:
        """An integer uniform in [low, high) (high excluded): low + ⌊u·(high − low)⌋. One draw.

        Raises ValueError naming both bounds unless low < high.

        >>> Rng(0).integers(0, 10)  # the first draw of seed 0 is 0.8444…, and ⌊8.444…⌋ = 8
        8
        """
        raise NotImplementedError(
            'primitives.random.Rng.integers is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )

    def normal(self, mean: float = 0.0, std: float = 1.0) -> float:
        """A Gaussian sample mean + std·z, z ~ N(0, 1) by the Box–Muller transform. Two draws.

        With u₁, u₂ uniform: z = √(−2·ln(1 − u₁))·cos(2π·u₂). (1 − u₁ lies in (0, 1], so the
        logarithm is always defined.) Raises ValueError naming std when std < 0.

        >>> round(Rng(0).normal(), 6)  # u₁ = 0.8444…, u₂ = 0.7579…
        0.096372
        """
        raise NotImplementedError(
            'primitives.random.Rng.normal is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )

    def normals(self, n: int, mean: float = 0.0, std: float = 1.0) -> list[float]:
        """n Gaussian samples, using both outputs of each Box–Muller pair. 2·⌈n/2⌉ draws.

        Each pair (u₁, u₂) gives r·cos(2π·u₂) and r·sin(2π·u₂), r = √(−2·ln(1 − u₁)); with n odd
        the last sine is dropped. Twice as fast per sample as calling `normal` n times, which is
        why initialising a layer's weights uses it.

        std = 0 is allowed: every sample is then the mean. Raises ValueError naming n unless it
        is an integer >= 0, and naming std when std < 0.

        >>> [round(z, 6) for z in Rng(0).normals(3)]  # the first equals Rng(0).normal()
        [0.096372, -1.926636, -0.0585]
        """
        raise NotImplementedError(
            'primitives.random.Rng.normals is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )

    def categorical(self, weights: list[float]) -> int:
        """An index drawn with probability proportional to its weight, by the inverse CDF.

        With u one draw and W = Σ weights, return the first index i whose running total
        w₀ + … + wᵢ exceeds u·W. One draw. Weights need not sum to 1.

        Raises ValueError for no weights or weights that sum to 0, and naming the weight for a
        negative or non-finite one (inf or nan).

        >>> Rng(0).categorical([0.0, 1.0, 0.0])
        1
        """
        raise NotImplementedError(
            'primitives.random.Rng.categorical is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )

    def shuffle(self, items: list) -> None:
        """Shuffle a list in place (Fisher–Yates). len(items) − 1 draws.

        For i from n − 1 down to 1: swap items[i] with items[j], j = integers(0, i + 1).
        Every ordering is equally likely.

        >>> items = [1, 2, 3, 4, 5]
        >>> Rng(0).shuffle(items)
        >>> items
        [3, 1, 2, 4, 5]
        """
        raise NotImplementedError(
            'primitives.random.Rng.shuffle is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )

    def choice(self, items: list):
        """One item picked uniformly: items[integers(0, len(items))]. One draw.

        Raises ValueError for an empty list.

        >>> Rng(0).choice(["a", "b", "c"])  # ⌊0.8444…·3⌋ = 2
        'c'
        """
        raise NotImplementedError(
            'primitives.random.Rng.choice is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check primitives.random'
        )
