"""Pooling: shrink each channel of an image by summarising k × k windows, max or mean.

Images are flat lists of C·H·W floats as in conv.py. Each channel is pooled on its own, with
windows of size k moved by a stride s (by default s = k, windows side by side):

    max pooling      Y[c][y][x] = max of X[c][y·s + i][x·s + j] over 0 <= i, j < k
    average pooling  Y[c][y][x] = mean of the same k² numbers

Backward: max pooling routes each output's gradient to the one input that was the maximum
(the first one, on a tie) and gives the others nothing; average pooling spreads it evenly,
1/k² to each input of the window. Where windows overlap (s < k) the shares add up.

The layer follows the tape convention of dense.py: `outputs, tape = forward(images)` and
`backward(tape, grad_outputs)`, keeping nothing between calls. The tape holds, for every
image, the input index that won each window (max pooling); average pooling needs no record
beyond the number of images, so each image's entry is empty.
"""

from __future__ import annotations

from operator import itemgetter

from policywerk.building_blocks.dense import Parameter, require_batch, require_tape

MODES = ("max", "average")


class Pool2D:
    """Max or average pooling over each channel of a batch of images.

    >>> pool = Pool2D("max", channels=1, input_size=(2, 2), kernel_size=2)
    >>> outputs, tape = pool.forward([[1.0, 5.0, 3.0, 2.0]])
    >>> outputs, tape  # the 5 at index 1 won the window
    ([[5.0]], [[1]])
    >>> pool.backward(tape, [[10.0]])
    [[0.0, 10.0, 0.0, 0.0]]
    """

    # given
    def __init__(
        self, mode: str, channels: int, input_size: tuple[int, int], kernel_size: int, stride: int | None = None
    ):
        if mode not in MODES:
            raise ValueError(f"Pool2D: mode must be one of {MODES}, got {mode!r}")
        stride = kernel_size if stride is None else stride
        height, width = input_size
        for label, value in (
            ("channels", channels),
            ("kernel_size", kernel_size),
            ("stride", stride),
            ("height", height),
            ("width", width),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Pool2D: {label} must be an integer >= 1, got {value!r}")
        if kernel_size > min(height, width):
            raise ValueError(f"Pool2D: a {kernel_size}×{kernel_size} window does not fit in a {height}×{width} input")
        self.mode, self.channels, self.kernel_size, self.stride = mode, channels, kernel_size, stride
        self.input_size = (height, width)
        self.output_size = ((height - kernel_size) // stride + 1, (width - kernel_size) // stride + 1)
        self.windows = [
            [
                c * height * width + (y * stride + i) * width + x * stride + j
                for i in range(kernel_size)
                for j in range(kernel_size)
            ]
            for c in range(channels)
            for y in range(self.output_size[0])
            for x in range(self.output_size[1])
        ]
        self._read_windows = [itemgetter(*window) for window in self.windows]

    def forward(self, images: list[list[float]]) -> tuple[list[list[float]], list[list[int]]]:
        """(Y, tape): pool every window of every channel -> (B × C·H'·W'). The tape holds, per
        image, the input index that won each window (max pooling; the first maximum on a tie),
        or an empty list (average pooling).

        Raises ValueError for an empty batch, and naming the image's index, its length and
        C·H·W when an image does not hold C·H·W numbers.
        """
        require_batch("Pool2D.forward", images, self.channels * self.input_size[0] * self.input_size[1])
        if self.mode == "average":
            area = float(self.kernel_size * self.kernel_size)
            return [[sum(read(image)) / area for read in self._read_windows] for image in images], [[] for _ in images]
        outputs, routes = [], []
        for image in images:
            values = [read(image) for read in self._read_windows]
            best = [max(window) for window in values]
            outputs.append(best)
            routes.append([window[v.index(b)] for window, v, b in zip(self.windows, values, best)])
        return outputs, routes

    def backward(self, tape: list[list[int]], grad_outputs: list[list[float]]) -> list[list[float]]:
        """∂L/∂X for the forward that made the tape: each output's gradient to the winner of its
        window (max), or 1/k² of it to every input of the window (average); shares add where
        windows overlap.

        Raises ValueError, naming what was expected and what came, for a gradient row of
        another width than C·H'·W' (both widths), a tape of another length than the B gradient
        rows (both lengths), and, in max pooling, a tape image without one winner per window
        (both counts); and for no tape at all (None).
        """
        outputs = self.channels * self.output_size[0] * self.output_size[1]
        require_batch("Pool2D.backward", grad_outputs, outputs)
        require_tape("Pool2D.backward", tape, len(grad_outputs), outputs if self.mode == "max" else 0)
        size = self.channels * self.input_size[0] * self.input_size[1]
        grad_inputs = []
        for routes, grad in zip(tape, grad_outputs):
            grad_image = [0.0] * size
            if self.mode == "max":
                for index, g in zip(routes, grad):
                    grad_image[index] += g
            else:
                share = 1.0 / (self.kernel_size * self.kernel_size)
                for window, g in zip(self.windows, grad):
                    for index in window:
                        grad_image[index] += g * share
            grad_inputs.append(grad_image)
        return grad_inputs

    # given
    def parameters(self) -> list[Parameter]:
        return []
