"""Vectors as plain lists of floats: the arithmetic every later layer is written in.

A vector is a `list[float]`. Every function here returns a new list or a number and leaves
its inputs unchanged. Vectors that are combined must have the same length: `zip` and `map`
would silently stop at the shorter one, so each function checks first and raises a
ValueError that names both lengths.

Speed matters from here on (a network's forward pass is dot products): the measured fastest
pure-Python dot product is `sum(map(operator.mul, x, y))` on Python 3.11, and `math.sumprod`
on 3.12+, where it is about 2.6 times faster still.
"""

import math
from operator import add as _add, mul as _mul, sub as _sub

# math.sumprod exists from Python 3.12 on; on 3.11 the reference falls back to sum(map(mul)).
_sumprod = getattr(math, "sumprod", None)


# given
def require_same_length(operation: str, x: list, y: list) -> None:
    """Raise a ValueError naming both lengths unless x and y have the same length.

    >>> require_same_length("dot", [1.0, 2.0], [3.0])
    Traceback (most recent call last):
    ...
    ValueError: dot: x has length 2 but y has length 1; they must be equal
    """
    if len(x) != len(y):
        raise ValueError(f"{operation}: x has length {len(x)} but y has length {len(y)}; they must be equal")


def zeros(n: int) -> list[float]:
    """A vector of n zeros.

    Shapes: n (an int >= 0) -> (n,); zeros(0) is the empty vector []. Raises ValueError
    naming n for a negative or non-integer n.

    >>> zeros(3)
    [0.0, 0.0, 0.0]
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"zeros: n must be an integer >= 0, got {n!r}")
    return [0.0] * n


def add(x: list[float], y: list[float]) -> list[float]:
    """Elementwise sum: (x + y)ᵢ = xᵢ + yᵢ.

    Shapes: (n,), (n,) -> (n,). Raises ValueError naming both lengths when they differ.

    >>> add([1.0, 2.0], [10.0, 20.0])
    [11.0, 22.0]
    """
    require_same_length("add", x, y)
    return list(map(_add, x, y))


def sub(x: list[float], y: list[float]) -> list[float]:
    """Elementwise difference: (x − y)ᵢ = xᵢ − yᵢ.

    Shapes: (n,), (n,) -> (n,). Raises ValueError naming both lengths when they differ.

    >>> sub([1.0, 2.0], [10.0, 20.0])
    [-9.0, -18.0]
    """
    require_same_length("sub", x, y)
    return list(map(_sub, x, y))


def hadamard(x: list[float], y: list[float]) -> list[float]:
    """Elementwise (Hadamard) product: (x ⊙ y)ᵢ = xᵢ·yᵢ.

    Backpropagation uses it all the time: the gradient through an elementwise function f is
    the incoming gradient ⊙ f'(input).

    Shapes: (n,), (n,) -> (n,). Raises ValueError naming both lengths when they differ.

    >>> hadamard([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    [4.0, 10.0, 18.0]
    """
    require_same_length("hadamard", x, y)
    return list(map(_mul, x, y))


def scale(x: list[float], factor: float) -> list[float]:
    """Every entry multiplied by one number: (c·x)ᵢ = c·xᵢ.

    Shapes: (n,), a float -> (n,).

    >>> scale([1.0, -2.0], 3.0)
    [3.0, -6.0]
    """
    return [factor * value for value in x]


def axpy(a: float, x: list[float], y: list[float]) -> list[float]:
    """a·x + y, the update at the heart of gradient descent (w ← w + (−lr)·g).

    The name is the classic BLAS one: "a times x plus y".

    Shapes: a float, (n,), (n,) -> (n,). Raises ValueError naming both lengths when they
    differ.

    >>> axpy(2.0, [1.0, 2.0], [10.0, 20.0])
    [12.0, 24.0]
    """
    require_same_length("axpy", x, y)
    return [a * xi + yi for xi, yi in zip(x, y)]


def dot(x: list[float], y: list[float]) -> float:
    """The dot product x·y = Σᵢ xᵢ·yᵢ.

    The one kernel everything else is made of: a neuron, a matrix-vector product, a value
    estimate with linear features. Use the fastest idiom you can find; the reference uses
    `math.sumprod` where Python has it (3.12+) and `sum(map(operator.mul, x, y))` otherwise.

    Shapes: (n,), (n,) -> a float. Raises ValueError naming both lengths when they differ.

    >>> dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    32.0
    """
    require_same_length("dot", x, y)
    if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
        return _sumprod(x, y)
    return sum(map(_mul, x, y))


def norm(x: list[float]) -> float:
    """The Euclidean length ‖x‖ = √(Σᵢ xᵢ²); 0.0 for an empty vector.

    Used for gradient clipping by global norm and for distances in the point-mass world.

    It must stay finite whenever the answer is: the norm of [3e200, 4e200] is 5e200, but
    squaring 3e200 overflows a float to inf (the largest float is about 1.8e308), so the
    entries cannot simply be squared and summed. Scale them first (divide by the largest
    |xᵢ|, then multiply the result back), or let `math.hypot`, which scales internally, do it.

    Shapes: (n,) -> a float >= 0.

    >>> norm([3.0, 4.0])
    5.0
    """
    # hypot scales internally, so huge or tiny entries neither overflow nor underflow.
    return math.hypot(*x)


def mean(x: list[float]) -> float:
    """The arithmetic mean (1/n)·Σᵢ xᵢ.

    Shapes: (n,) with n >= 1 -> a float. Raises ValueError for an empty vector (the mean of
    nothing is undefined, and 0.0 would hide the bug).

    >>> mean([1.0, 2.0, 6.0])
    3.0
    """
    if not x:
        raise ValueError("mean: expected a vector with at least one entry, got an empty one")
    return sum(x) / len(x)


def variance(x: list[float]) -> float:
    """The population variance (1/n)·Σᵢ (xᵢ − mean)², dividing by n, not n − 1.

    PPO normalises advantages with it: (A − mean) / (std + ε), std = √variance.

    Shapes: (n,) with n >= 1 -> a float >= 0. Raises ValueError for an empty vector.

    >>> variance([1.0, 2.0, 3.0, 4.0])
    1.25
    """
    centre = mean(x)
    return sum([(value - centre) ** 2 for value in x]) / len(x)


def argmax(x: list[float]) -> int:
    """The index of the largest entry; on a tie, the lowest such index.

    Greedy policies rest on it, and "ties go to the lowest index" keeps runs reproducible.

    Shapes: (n,) with n >= 1 -> an int in [0, n). Raises ValueError for an empty vector.

    >>> argmax([0.5, 2.0, 2.0, -1.0])
    1
    """
    if not x:
        raise ValueError("argmax: expected a vector with at least one entry, got an empty one")
    # max() keeps the first of equal keys, which is the lowest index.
    return max(range(len(x)), key=x.__getitem__)


def linspace(start: float, stop: float, n: int) -> list[float]:
    """n evenly spaced numbers from start to stop, both ends included.

    The i-th entry is start + i·(stop − start)/(n − 1), except the last, which is exactly
    stop: computed by the formula it can miss by a rounding error (with step = 1/49,
    0.0 + 49·step is 0.9999999999999999, not 1.0), so set it to stop itself. DreamerV3's
    255 twohot bins are `linspace(-20.0, 20.0, 255)` in symlog space.

    Shapes: floats and an int n >= 2 -> (n,). Raises ValueError naming n unless it is an
    integer >= 2.

    >>> linspace(0.0, 1.0, 5)
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"linspace: n must be an integer >= 2 (both ends are included), got {n!r}")
    step = (stop - start) / (n - 1)
    return [start + i * step for i in range(n - 1)] + [stop]
