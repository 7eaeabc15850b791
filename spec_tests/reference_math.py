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
