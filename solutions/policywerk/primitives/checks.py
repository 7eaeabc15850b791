"""The checks every setting goes through: one place that says what a valid value is.

A discount, a learning rate or a number of episodes is checked where it enters (a Config's
__post_init__, a function's first lines), and a bad one is refused at once with a ValueError
that names it and the value that came, instead of a run that quietly learns nothing. Each
check takes the name to print, prefixed by where it was made ("Config: gamma",
"lambda_returns: lam"), so the message says where to look.

    require_unit          x ∈ [0, 1]             discounts γ, trace decays λ, ε, probabilities
    require_step_size     x ∈ (0, 1]             a step that moves part of the way toward a target
    require_positive      0 < x < ∞              learning rates, clip ranges, norms, temperatures
    require_non_negative  0 <= x < ∞             a loss term's weight, a noise's spread
    require_finite        −∞ < x < ∞             a starting value
    require_count         an int >= 1            episodes, steps, units, batch sizes
    require_one_of        one of the choices     a method's or an optimizer's name

Every comparison is written so that NaN fails it: `not 0.0 <= nan <= 1.0` is True.

This module holds no exercises: it is given whole, the same in both trees.
"""

from __future__ import annotations

import math


# given
def require_unit(name: str, value: float) -> None:
    """Refuse a value outside [0, 1].

    >>> require_unit("Config: gamma", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: Config: gamma must be in [0, 1], got 1.5
    """
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")


# given
def require_step_size(name: str, value: float) -> None:
    """Refuse a value outside (0, 1]: 0 would never move, more than 1 would overshoot the target."""
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value}")


# given
def require_positive(name: str, value: float) -> None:
    """Refuse a value that is not a finite number > 0."""
    if not 0.0 < value < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")


# given
def require_non_negative(name: str, value: float) -> None:
    """Refuse a value that is not a finite number >= 0."""
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")


# given
def require_finite(name: str, value: float) -> None:
    """Refuse infinity and NaN."""
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")


# given
def require_count(name: str, value: int) -> None:
    """Refuse anything but an integer >= 1. A bool is not a count, nor is 2.0.

    >>> require_count("Config: episodes", 2.5)
    Traceback (most recent call last):
    ...
    ValueError: Config: episodes must be an integer >= 1, got 2.5
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


# given
def require_one_of(name: str, value: str, choices: tuple[str, ...]) -> None:
    """Refuse a value that is not one of the choices, naming them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
