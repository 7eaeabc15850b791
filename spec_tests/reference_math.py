"""Small trusted helpers the specs share: seeded inputs, the math written plainly, and a
check that an error message names what its docstring promises.

Like gradcheck.py, this lives in spec_tests/, so no spec depends on the learner's code for
the numbers it compares against.
"""

from __future__ import annotations

import math
import random
import re


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


_NUMBER = re.compile(r"[-+]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)", re.IGNORECASE)


def assert_names(error, *values) -> None:
    """Check that an error's message names each of the values, in any order and any wording.

    `error` is what pytest.raises gives (or the exception itself). A str (an argument's name,
    a repr the docstring promises) must appear in the message, ignoring case. A number (int or
    float, not bool) must equal a number written in the message, so 2.0 is named by "2", "2.0"
    or "2.00", and -0.5 by "-0.5" or "-5e-01"; nan is named by "nan".
    """
    message = str(getattr(error, "value", error))
    numbers = [float(token) for token in _NUMBER.findall(message)]
    for value in values:
        if isinstance(value, str):
            named = value.lower() in message.lower()
        elif isinstance(value, float) and math.isnan(value):
            named = any(math.isnan(number) for number in numbers)
        else:
            named = value in numbers
        assert named, f"the error message should name {value!r}; it reads: {message!r}"
