"""Backpropagation through a whole network, and a numerical check of the gradients it gives.

One training step of a network on a batch, end to end:

    1. forward:   predictions, tape = network.forward(inputs)
    2. loss:      L = (1/B)·Σₙ loss(predictionₙ, targetₙ)            (the batch mean)
    3. seed:      ∂L/∂predictionₙ = (1/B)·loss_gradient(predictionₙ, targetₙ)
    4. backward:  network.backward(tape, seed): every layer adds its share to its parameters' grad

A hand-written backward pass is easy to get subtly wrong, so `gradient_check` compares each
parameter's gradient with the slope measured directly: nudge the number by ±h, run the
forward pass twice, and take (L(w + h) − L(w − h)) / 2h. Use it on your own layers; the specs
use a separate checker of their own.
"""

from __future__ import annotations

from typing import Callable

from policywerk.building_blocks.network import Parameter


def backpropagate(
    network,
    inputs: list[list[float]],
    targets: list[list[float]],
    loss: Callable[[list[float], list[float]], float],
    loss_gradient: Callable[[list[float], list[float]], list[float]],
) -> float:
    """Run steps 1–4 above on one batch; return the mean loss. Gradients are added to what the
    parameters already hold: call zero_grad(network.parameters()) first for a fresh gradient.

    loss and loss_gradient act on one sample, e.g. losses.mse and losses.mse_gradient.
    Raises ValueError naming both lengths when inputs and targets differ in length.
    """
    raise NotImplementedError(
        'building_blocks.grad.backpropagate is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.grad'
    )


def gradient_check(
    loss_of_parameters: Callable[[], float],
    parameters: list[Parameter],
    h: float = 1e-6,
) -> float:
    """The largest relative error between each parameter's `grad` and central differences.

    loss_of_parameters() must compute the loss from the parameters' current values (a fresh
    forward pass, no backward). For each number w: numeric = (L(w + h) − L(w − h)) / 2h, and
    the relative error is |grad − numeric| / max(1, |grad|, |numeric|). Below ~1e-6 the
    backward pass is almost surely right; above ~1e-3 it is almost surely wrong.
    Every number is restored after it is nudged.
    """
    raise NotImplementedError(
        'building_blocks.grad.gradient_check is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check building_blocks.grad'
    )
