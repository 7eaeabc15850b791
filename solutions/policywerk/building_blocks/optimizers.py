"""Optimizers: how a gradient becomes a step, from plain SGD to Adam, and clipping by global norm.

Each optimizer holds the parameters it steps (see network.Parameter: a matrix with a gradient
beside it) and any state it keeps per number (a velocity, running averages). `step()` moves
every parameter once using its current `grad`; it does not clear the gradients.

    SGD        w ← w − lr·g
    momentum   v ← μ·v + g;             w ← w − lr·v
    RMSProp    s ← ρ·s + (1 − ρ)·g²;     w ← w − lr·g / (√s + ε)        (Tieleman & Hinton 2012)
    Adam       m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
               m̂ = m / (1 − β₁ᵗ);       v̂ = v / (1 − β₂ᵗ);  w ← w − lr·m̂ / (√v̂ + ε)   (Kingma & Ba 2015)

Adam's bias correction matters most at the start: after the first step m̂ = g and v̂ = g², so
every parameter moves by lr·g/(|g| + ε), almost exactly lr, against the sign of its gradient.
"""

from __future__ import annotations

import math

from policywerk.building_blocks.network import Parameter


# given
def _require_positive(name: str, value: float) -> None:
    if not value > 0.0:
        raise ValueError(f"{name} must be > 0, got {value}")


# given
def _require_fraction(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")


# given
def _zeros_like(parameters: list[Parameter]) -> list[list[list[float]]]:
    """One zero matrix per parameter, of its shape: the optimizers' per-number state."""
    return [[[0.0] * len(row) for row in parameter.value] for parameter in parameters]


class SGD:
    """Stochastic gradient descent: w ← w − lr·g.

    >>> p = Parameter.of([[1.0, 2.0]]); p.grad = [[0.5, -1.0]]
    >>> SGD([p], lr=0.1).step(); p.value
    [[0.95, 2.1]]
    """

    # given
    def __init__(self, parameters: list[Parameter], lr: float):
        _require_positive("SGD: lr", lr)
        self.parameters, self.lr = list(parameters), lr

    def step(self) -> None:
        """Move every number against its gradient by lr times the gradient."""
        lr = self.lr
        for parameter in self.parameters:
            parameter.value = [
                [w - lr * g for w, g in zip(row, grads)] for row, grads in zip(parameter.value, parameter.grad)
            ]


class Momentum:
    """SGD with momentum (Polyak 1964): a velocity that accumulates past gradients.

    v ← μ·v + g;  w ← w − lr·v. With a steady gradient the step grows toward lr·g/(1 − μ).

    >>> p = Parameter.of([[0.0]]); p.grad = [[1.0]]
    >>> opt = Momentum([p], lr=0.1, momentum=0.5)
    >>> opt.step(); opt.step(); p.value  # steps of 0.1·1 then 0.1·1.5
    [[-0.25]]
    """

    # given
    def __init__(self, parameters: list[Parameter], lr: float, momentum: float = 0.9):
        _require_positive("Momentum: lr", lr)
        _require_fraction("Momentum: momentum", momentum)
        self.parameters, self.lr, self.momentum = list(parameters), lr, momentum
        self.velocity = _zeros_like(self.parameters)

    def step(self) -> None:
        """v ← μ·v + g, then w ← w − lr·v, number by number."""
        lr, mu = self.lr, self.momentum
        for index, parameter in enumerate(self.parameters):
            velocity = [[mu * v + g for v, g in zip(vs, gs)] for vs, gs in zip(self.velocity[index], parameter.grad)]
            self.velocity[index] = velocity
            parameter.value = [[w - lr * v for w, v in zip(ws, vs)] for ws, vs in zip(parameter.value, velocity)]


class RMSProp:
    """RMSProp: divide each step by a running root-mean-square of that number's gradients.

    s ← ρ·s + (1 − ρ)·g²;  w ← w − lr·g / (√s + ε). The 2013 DQN paper trained with it.

    >>> p = Parameter.of([[0.0]]); p.grad = [[2.0]]
    >>> RMSProp([p], lr=0.1, decay=0.75, epsilon=0.0).step(); p.value  # s = 0.25·4 = 1: step 0.1·2/1
    [[-0.2]]
    """

    # given
    def __init__(self, parameters: list[Parameter], lr: float, decay: float = 0.99, epsilon: float = 1e-8):
        _require_positive("RMSProp: lr", lr)
        _require_fraction("RMSProp: decay", decay)
        if epsilon < 0.0:
            raise ValueError(f"RMSProp: epsilon must be >= 0, got {epsilon}")
        self.parameters, self.lr, self.decay, self.epsilon = list(parameters), lr, decay, epsilon
        self.square_average = _zeros_like(self.parameters)

    def step(self) -> None:
        """s ← ρ·s + (1 − ρ)·g², then w ← w − lr·g/(√s + ε), number by number."""
        lr, rho, eps, sqrt = self.lr, self.decay, self.epsilon, math.sqrt
        for index, parameter in enumerate(self.parameters):
            averages = [
                [rho * s + (1.0 - rho) * g * g for s, g in zip(ss, gs)]
                for ss, gs in zip(self.square_average[index], parameter.grad)
            ]
            self.square_average[index] = averages
            parameter.value = [
                [w - lr * g / (sqrt(s) + eps) for w, g, s in zip(ws, gs, ss)]
                for ws, gs, ss in zip(parameter.value, parameter.grad, averages)
            ]


class Adam:
    """Adam (Kingma & Ba 2015): momentum on the gradient, RMSProp on its square, both
    bias-corrected for their start at zero.

    >>> p = Parameter.of([[1.0, 1.0]]); p.grad = [[0.3, -20.0]]
    >>> Adam([p], lr=0.01).step(); [round(w, 6) for w in p.value[0]]  # both move by lr
    [0.99, 1.01]
    """

    # given
    def __init__(
        self, parameters: list[Parameter], lr: float, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8
    ):
        _require_positive("Adam: lr", lr)
        _require_fraction("Adam: beta1", beta1)
        _require_fraction("Adam: beta2", beta2)
        if epsilon < 0.0:
            raise ValueError(f"Adam: epsilon must be >= 0, got {epsilon}")
        self.parameters, self.lr, self.beta1, self.beta2, self.epsilon = list(parameters), lr, beta1, beta2, epsilon
        self.first_moment = _zeros_like(self.parameters)
        self.second_moment = _zeros_like(self.parameters)
        self.steps = 0

    def step(self) -> None:
        """t ← t + 1; update m and v; w ← w − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)."""
        self.steps += 1
        b1, b2, eps, sqrt = self.beta1, self.beta2, self.epsilon, math.sqrt
        # Fold both corrections into the step size: lr·m̂/(√v̂ + ε) = lr_t·m/(√v + ε·√(1 − β₂ᵗ)).
        correction = math.sqrt(1.0 - b2**self.steps)
        lr_t = self.lr * correction / (1.0 - b1**self.steps)
        eps_t = eps * correction
        for index, parameter in enumerate(self.parameters):
            first, second, values = self.first_moment[index], self.second_moment[index], parameter.value
            for r, grads in enumerate(parameter.grad):
                m_row, v_row, w_row = first[r], second[r], values[r]
                for k, g in enumerate(grads):
                    m = b1 * m_row[k] + (1.0 - b1) * g
                    v = b2 * v_row[k] + (1.0 - b2) * g * g
                    m_row[k], v_row[k] = m, v
                    w_row[k] -= lr_t * m / (sqrt(v) + eps_t)


def global_norm(parameters: list[Parameter]) -> float:
    """‖g‖ over every gradient number of every parameter: √(Σ g²).

    >>> p = Parameter.of([[0.0, 0.0]]); p.grad = [[3.0, 4.0]]
    >>> global_norm([p])
    5.0
    """
    return math.sqrt(sum(g * g for parameter in parameters for row in parameter.grad for g in row))


def clip_by_global_norm(parameters: list[Parameter], max_norm: float) -> float:
    """Scale every gradient by max_norm / ‖g‖ when the global norm ‖g‖ exceeds max_norm, so the
    direction is kept and the length capped. Returns the norm before clipping.

    PPO and DreamerV3 clip this way; it keeps one bad batch from throwing the weights far.
    Raises ValueError naming max_norm unless max_norm > 0.

    >>> p = Parameter.of([[0.0, 0.0]]); p.grad = [[3.0, 4.0]]
    >>> clip_by_global_norm([p], 1.0), p.grad
    (5.0, [[0.6000000000000001, 0.8]])
    """
    _require_positive("clip_by_global_norm: max_norm", max_norm)
    norm = global_norm(parameters)
    if norm > max_norm:
        factor = max_norm / norm
        for parameter in parameters:
            parameter.grad = [[factor * g for g in row] for row in parameter.grad]
    return norm
