"""Scalars: the small pieces of arithmetic that reinforcement learning keeps reaching for.

Clipping (PPO's ratio, actions at a world's bounds), signs (the 1983 action element's output),
linear schedules (DQN's decaying ε) and exponential moving averages (DreamerV3's return scale
and slow critic) are each one line of math; writing them once, with their edge cases, means
no agent has to get them right again.
"""


def clip(x: float, low: float, high: float) -> float:
    """x limited to the interval [low, high]: low if x < low, high if x > high, else x.

    Raises ValueError naming both bounds when low > high (an empty interval).

    >>> clip(1.7, -1.0, 1.0), clip(-3.0, -1.0, 1.0), clip(0.25, -1.0, 1.0)
    (1.0, -1.0, 0.25)
    """
    if low > high:
        raise ValueError(f"clip: low must be <= high, got low={low} and high={high}")
    return low if x < low else high if x > high else x


def sign(x: float) -> float:
    """The sign of x as a float: 1.0 for x > 0, −1.0 for x < 0, and 0.0 for zero.

    >>> sign(2.5), sign(-0.1), sign(0.0)
    (1.0, -1.0, 0.0)
    """
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def lerp(start: float, end: float, fraction: float) -> float:
    """Linear interpolation: start + fraction·(end − start).

    fraction 0 gives start, 1 gives end, 0.5 the midpoint; values outside [0, 1]
    extrapolate (clamp first if that is not what you want).

    >>> lerp(1.0, 0.1, 0.5)
    0.55
    """
    return start + fraction * (end - start)


def linear_schedule(start: float, end: float, duration: int, step: int) -> float:
    """A value that moves linearly from start to end over `duration` steps, then stays at end.

    value(step) = lerp(start, end, min(step / duration, 1)). DQN's exploration rate is one:
    ε = linear_schedule(1.0, 0.1, 1_000_000, frame) in Mnih et al. (2013).

    With duration 1 the value is start at step 0 and end from step 1 on. Raises ValueError
    naming the duration unless it is > 0, and naming the step unless it is >= 0.

    >>> [linear_schedule(1.0, 0.0, 4, t) for t in (0, 1, 4, 9)]
    [1.0, 0.75, 0.0, 0.0]
    """
    if duration <= 0:
        raise ValueError(f"linear_schedule: duration must be > 0, got {duration}")
    if step < 0:
        raise ValueError(f"linear_schedule: step must be >= 0, got {step}")
    return lerp(start, end, min(step / duration, 1.0))


def ema(average: float, value: float, decay: float) -> float:
    """One step of an exponential moving average: decay·average + (1 − decay)·value.

    A decay near 1 remembers long and moves slowly. DreamerV3 tracks its return scale with
    decay 0.99 and keeps a slow copy of the critic with rate 0.02 (decay 0.98).

    Raises ValueError naming the decay unless 0 <= decay <= 1.

    >>> ema(10.0, 20.0, 0.9)
    11.0
    """
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"ema: decay must be in [0, 1], got {decay}")
    return decay * average + (1.0 - decay) * value
