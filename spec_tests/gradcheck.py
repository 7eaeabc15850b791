"""The trusted gradient checker: central differences, independent of the learner's code.

Every backward pass in the package is checked here against

    ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h,

whose error is O(h²) from the Taylor series plus O(ε_machine/h) from rounding; h = 1e-6
balances the two for functions of order one. This file lives in spec_tests/, not in the
package, so a learner's own `grad.py` can never vouch for itself.

On a mismatch the assertion shows the worst entries, analytic beside numeric.
"""

from __future__ import annotations

import math
import random
from typing import Callable, Sequence


def numerical_gradient(f: Callable[[list[float]], float], x: Sequence[float], h: float = 1e-6) -> list[float]:
    """Central-difference gradient of a scalar function of a flat list of floats."""
    point = list(x)
    gradient = []
    for i, value in enumerate(point):
        point[i] = value + h
        above = f(list(point))
        point[i] = value - h
        below = f(list(point))
        point[i] = value
        gradient.append((above - below) / (2.0 * h))
    return gradient


def assert_gradients_close(
    analytic: Sequence[float],
    numeric: Sequence[float],
    *,
    what: str = "gradient",
    rtol: float = 1e-5,
    atol: float = 1e-7,
    show: int = 5,
) -> None:
    """Fail unless |analytic − numeric| <= atol + rtol·|numeric| everywhere, showing the worst."""
    analytic, numeric = list(analytic), list(numeric)
    if len(analytic) != len(numeric):
        raise AssertionError(f"{what}: the analytic gradient has {len(analytic)} entries, expected {len(numeric)}")
    rows = []
    for index, (a, n) in enumerate(zip(analytic, numeric)):
        if not isinstance(a, (int, float)) or math.isnan(a):
            rows.append((math.inf, index, a, n))
            continue
        excess = abs(a - n) - (atol + rtol * abs(n))
        if excess > 0:
            rows.append((excess, index, a, n))
    if rows:
        rows.sort(key=lambda row: row[0], reverse=True)
        lines = [f"{what}: {len(rows)} of {len(numeric)} entries differ from central differences (worst first)"]
        lines.append(f"  {'index':>6}  {'analytic':>14}  {'numeric':>14}  {'difference':>12}")
        for _, index, a, n in rows[:show]:
            difference = abs(a - n) if isinstance(a, (int, float)) else math.nan
            lines.append(f"  {index:>6}  {a!s:>14.14}  {n:>14.8g}  {difference:>12.3g}")
        raise AssertionError("\n".join(lines))


def check_gradient(
    f: Callable[[list[float]], float],
    x: Sequence[float],
    analytic: Sequence[float],
    *,
    what: str = "gradient",
    h: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that `analytic` is the gradient of the scalar function f at x."""
    assert_gradients_close(analytic, numerical_gradient(f, x, h), what=what, rtol=rtol, atol=atol)


def check_vector_jacobian_product(
    f: Callable[[list[float]], list[float]],
    backward: Callable[[list[float], list[float]], list[float]],
    x: Sequence[float],
    *,
    seed: int = 0,
    what: str = "backward",
    h: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that backward(x, g) = Jᵀ·g for the vector function f, with a random g.

    It checks the gradient of the scalar L(x) = Σⱼ gⱼ·f(x)ⱼ, which is exactly Jᵀ·g. The
    weights g come from the checker's own generator, not from the package's.
    """
    generator = random.Random(seed)
    output_length = len(f(list(x)))
    weights = [generator.uniform(-1.0, 1.0) for _ in range(output_length)]

    def weighted_output(point: list[float]) -> float:
        return sum(w * y for w, y in zip(weights, f(point)))

    check_gradient(weighted_output, x, backward(list(x), weights), what=what, h=h, rtol=rtol, atol=atol)


def check_elementwise_derivative(
    f: Callable[[list[float]], list[float]],
    derivative: Callable[[list[float]], list[float]],
    x: Sequence[float],
    **tolerances,
) -> None:
    """Assert that derivative(x)ᵢ = f'(xᵢ) for an elementwise function f."""
    check_vector_jacobian_product(
        f,
        lambda point, weights: [w * d for w, d in zip(weights, derivative(point))],
        x,
        what=tolerances.pop("what", "derivative"),
        **tolerances,
    )
