"""Small trusted helpers the specs share: seeded inputs, and the math written plainly.

Like gradcheck.py, this lives in spec_tests/, so no spec depends on the learner's code for
the numbers it compares against.
"""

from __future__ import annotations

import math
import random


def stdlib_draws(seed: int, n: int) -> list[float]:
    """The first n uniform draws of the standard library's generator with this seed."""
    generator = random.Random(seed)
    return [generator.random() for _ in range(n)]


def random_matrix(seed: int, rows: int, columns: int, low: float = -1.0, high: float = 1.0) -> list[list[float]]:
    """A seeded (rows × columns) matrix of uniform numbers in [low, high)."""
    generator = random.Random(seed)
    return [[generator.uniform(low, high) for _ in range(columns)] for _ in range(rows)]


def flat(matrix: list[list[float]]) -> list[float]:
    return [value for row in matrix for value in row]


def rows(values: list[float], columns: int) -> list[list[float]]:
    """The inverse of flat: consecutive runs of `columns` numbers."""
    return [list(values[start : start + columns]) for start in range(0, len(values), columns)]


def affine(inputs, weights, bias) -> list[list[float]]:
    """Y = X·Wᵀ + b, summed exactly (math.fsum): the dense layer's definition, independently."""
    return [[math.fsum(w * x for w, x in zip(row, sample)) + b for row, b in zip(weights, bias)] for sample in inputs]


def weighted_sum(weights, outputs) -> float:
    """L = Σ c·Y, the scalar whose gradient with respect to Y is c."""
    return math.fsum(c * y for c_row, y_row in zip(weights, outputs) for c, y in zip(c_row, y_row))


def one_hot_rows(
    generator: random.Random, count: int, before: int, groups: int, classes: int, after: int
) -> list[list[float]]:
    """`count` rows [dense entries, one-hot groups, dense entries], as a world model's [h, z]
    and [z, a] are: `before` and `after` uniform numbers around `groups` groups of `classes`."""
    result = []
    for _ in range(count):
        latent = []
        for _ in range(groups):
            hot = generator.randrange(classes)
            latent += [1.0 if k == hot else 0.0 for k in range(classes)]
        dense_before = [generator.uniform(-1.0, 1.0) for _ in range(before)]
        result.append(dense_before + latent + [generator.uniform(-1.0, 1.0) for _ in range(after)])
    return result
