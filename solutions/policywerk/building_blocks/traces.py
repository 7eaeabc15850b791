"""Eligibility traces: a fading memory of what was recently visited, for credit assignment.

When a reward or a TD error arrives, which earlier states (or boxes, or features) deserve
the credit? A trace keeps one number per state: it jumps up when the state is visited and
fades by a factor each step. An update then moves every state's estimate in proportion to
its trace, so recently and frequently visited states learn the most:

    V(s) ← V(s) + α·δ·e(s)   for every s

Traces here are plain lists changed in place (the hot loop of TD(λ) touches them every
step); each function also returns the list, so calls can be chained in a spec.

    accumulating   e(s) ← e(s) + 1 on a visit     (Sutton 1988's TD(λ))
    replacing      e(s) ← 1 on a visit            (Singh & Sutton 1996)
    decaying       e ← γλ·e every step
    input trace    e ← δ·e + (1 − δ)·x            (the 1983 ASE and ACE: an average of recent inputs)
"""

from __future__ import annotations


# given
def _require_index(traces: list[float], index: int) -> None:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(traces):
        raise ValueError(f"index must be an integer in [0, {len(traces)}), got {index!r}")


def decay(traces: list[float], factor: float) -> list[float]:
    """Fade every trace: e(s) ← factor·e(s) for all s (factor = γλ for TD(λ)). In place.

    Raises ValueError naming the factor unless 0 <= factor <= 1, leaving the traces unchanged.

    >>> decay([1.0, 0.5], 0.5)
    [0.5, 0.25]
    """
    if not 0.0 <= factor <= 1.0:
        raise ValueError(f"decay: factor must be in [0, 1], got {factor}")
    traces[:] = [factor * e for e in traces]
    return traces


def accumulate(traces: list[float], index: int, amount: float = 1.0) -> list[float]:
    """A visit adds to the trace: e(index) ← e(index) + amount. In place.

    A state visited twice in quick succession ends up with a trace above 1. Raises ValueError
    naming the index unless it is an integer in [0, len(traces)) (a bool or a float is not
    an index), leaving the traces unchanged.

    >>> accumulate([0.5, 0.0], 0)
    [1.5, 0.0]
    """
    _require_index(traces, index)
    traces[index] += amount
    return traces


def replace(traces: list[float], index: int, amount: float = 1.0) -> list[float]:
    """A visit resets the trace: e(index) ← amount, however high it was. In place.

    Raises ValueError naming the index unless it is an integer in [0, len(traces)) (a bool
    or a float is not an index), leaving the traces unchanged.

    >>> replace([0.5, 0.0], 0)
    [1.0, 0.0]
    """
    _require_index(traces, index)
    traces[index] = amount
    return traces


def input_trace(traces: list[float], index: int, amount: float, decay_rate: float) -> list[float]:
    """The 1983 paper's trace of one active input: every trace fades by δ, and the active one
    gains (1 − δ)·amount, so e(t+1) = δ·e(t) + (1 − δ)·x(t)·amount for a one-hot input x.

    Barto, Sutton & Anderson (1983) use it with amount = the action y ∈ {−1, +1} for the ASE
    (δ = 0.9), and amount = 1 for the ACE (λ = 0.8). Raises ValueError naming δ unless
    0 <= δ <= 1, and naming the index unless it is an integer in [0, len(traces)); either
    way the traces are left unchanged.

    >>> input_trace([1.0, 0.0], 1, amount=-1.0, decay_rate=0.9)
    [0.9, -0.09999999999999998]
    """
    _require_index(traces, index)
    decay(traces, decay_rate)
    traces[index] += (1.0 - decay_rate) * amount
    return traces


def clear(traces: list[float]) -> list[float]:
    """Forget everything: every trace to 0, as at the start of an episode (or after a failure
    in the 1983 cart-pole). In place.

    >>> clear([0.3, 1.2])
    [0.0, 0.0]
    """
    traces[:] = [0.0] * len(traces)
    return traces
