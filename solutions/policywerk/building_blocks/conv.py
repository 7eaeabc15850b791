"""2-D convolution over a batch of multi-channel images, with stride, zero padding and backprop.

An image is a flat list of C·H·W floats, channel by channel, row by row (pixel (c, i, j) at
index c·H·W + i·W + j); its shape (C, H, W) is the layer's to know. With kernels K of shape
(out, C, k, k), stride s and zero padding p, output channel o at position (y, x) is

    Y[o][y][x] = b[o] + Σ_c Σ_ki Σ_kj K[o][c][ki][kj] · X[c][y·s + ki − p][x·s + kj − p]

(X read as 0 outside the image), for y < (H + 2p − k)//s + 1, and likewise x.

The fast way in pure Python gathers, for every output position, the C·k·k input values its
kernel window covers (a "patch"; the gathering is the im2col trick), so that each output is
one dot product of a kernel row with a patch. The gradients reuse the same bookkeeping:

    ∂L/∂K[o][t] = Σ over samples and positions of G[o][pos] · patch[pos][t]
    ∂L/∂b[o]    = Σ over samples and positions of G[o][pos]
    ∂L/∂X[i]    = Σ over every (o, pos, t) whose window reads pixel i of G[o][pos] · K[o][t]

where t runs over the C·k·k taps of a window and G = ∂L/∂Y.

The layer follows the tape convention of dense.py: `outputs, tape = forward(images)` and
`backward(tape, grad_outputs)`. The tape is what backward needs, the values each tap read:
for every image, one "view" per tap listing that tap's value at every output position.
The layer keeps nothing between calls, so backward can run for any earlier forward.
"""

from __future__ import annotations

import functools
import math
from operator import itemgetter, mul

from policywerk.building_blocks.dense import Parameter, accumulate, require_batch, require_tape
from policywerk.primitives.random import Rng

# math.sumprod exists from Python 3.12 on; on 3.11 the dot product is sum(map(mul, …)).
_sumprod = getattr(math, "sumprod", None)
UNROLL_LIMIT = 64  # longer weighted sums are written as dot products, which are fast at that length


# given
@functools.cache
def unrolled_weighted_sum(terms: int):
    """A function f(views, weights, bias) -> [bias + w₀·v₀ + … + w₍ₙ₋₁₎·v₍ₙ₋₁₎ at each position],
    where views[i] lists v_i at every position: the n products written out in one expression.

    CPython runs one long expression about 1.6 times faster than n-term dot products for the
    short n of a convolution (9 for a 3×3 kernel), so the layer builds this function once per
    term count, as its source text, and keeps it.
    """
    values = ", ".join(f"v{i}" for i in range(terms))
    weights = ", ".join(f"w{i}" for i in range(terms))
    expression = " + ".join(f"w{i} * v{i}" for i in range(terms))
    source = (
        f"def weighted_sum(views, weights, bias):\n"
        f"    {weights}, = weights\n"
        f"    return [{expression} + bias for {values}, in zip(*views)]\n"  # the comma: one term is a 1-tuple
    )
    namespace: dict = {}
    exec(source, namespace)
    return namespace["weighted_sum"]


# given
def _tuple_getter(indices: tuple[int, ...]):
    """itemgetter(*indices), but always returning a tuple (itemgetter of one index returns the item)."""
    if len(indices) == 1:
        index = indices[0]
        return lambda values: (values[index],)
    return itemgetter(*indices)


# given
def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """How many kernel positions fit along one axis: (size + 2·padding − kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


class Conv2D:
    """A convolution layer: `in_channels` × H × W images in, `out_channels` × H' × W' out.

    >>> layer = Conv2D(1, 1, kernel_size=2, input_size=(2, 2), rng=Rng(0))
    >>> layer.weight.value = [[1.0, 2.0, 3.0, 4.0]]
    >>> outputs, tape = layer.forward([[1.0, 1.0, 1.0, 0.0]])
    >>> outputs, tape  # 1·1 + 2·1 + 3·1 + 4·0; one position, so each tap's view holds one value
    ([[6.0]], [[(1.0,), (1.0,), (1.0,), (0.0,)]])
    >>> layer.backward(tape, [[1.0]]), layer.weight.grad  # each kernel tap's gradient: the value it read
    ([[1.0, 2.0, 3.0, 4.0]], [[1.0, 1.0, 1.0, 0.0]])
    """

    # given
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        input_size: tuple[int, int],
        rng: Rng,
        stride: int = 1,
        padding: int = 0,
        input_gradient: bool = True,
        name: str = "conv",
    ):
        height, width = input_size
        for label, value in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("kernel_size", kernel_size),
            ("stride", stride),
            ("height", height),
            ("width", width),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Conv2D: {label} must be an integer >= 1, got {value!r}")
        if not isinstance(padding, int) or padding < 0:
            raise ValueError(f"Conv2D: padding must be an integer >= 0, got {padding!r}")
        if kernel_size > min(height, width) + 2 * padding:
            raise ValueError(
                f"Conv2D: a {kernel_size}×{kernel_size} kernel does not fit in a {height}×{width} input "
                f"padded by {padding} ({height + 2 * padding}×{width + 2 * padding})"
            )
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.input_size, self.stride, self.padding = (height, width), stride, padding
        self.output_size = (
            output_size(height, kernel_size, stride, padding),
            output_size(width, kernel_size, stride, padding),
        )
        self.input_gradient = input_gradient
        taps = in_channels * kernel_size * kernel_size
        std = math.sqrt(2.0 / taps)  # He et al. (2015), for the ReLU that usually follows
        self.weight = Parameter.of([rng.normals(taps, 0.0, std) for _ in range(out_channels)], f"{name}.weight")
        self.bias = Parameter.of([[0.0] * out_channels], f"{name}.bias")
        self.window_indices = self._window_indices()  # (positions × taps)
        tap_indices = list(zip(*self.window_indices))  # (taps × positions)
        self._read_taps = [_tuple_getter(indices) for indices in tap_indices]
        self._pixel_gathers = self._input_gradient_gathers(tap_indices)

    # given
    def _window_indices(self) -> list[list[int]]:
        """For every output position, the flat input index of each of its C·k·k taps.

        A tap that falls in the zero padding points one past the image's end, where forward
        appends a 0.0: padding costs one extra number per image, not a padded copy.
        """
        channels, (height, width), k, s, p = (
            self.in_channels,
            self.input_size,
            self.kernel_size,
            self.stride,
            self.padding,
        )
        outside = channels * height * width
        windows = []
        for y in range(self.output_size[0]):
            for x in range(self.output_size[1]):
                window = []
                for c in range(channels):
                    for ki in range(k):
                        row = y * s + ki - p
                        for kj in range(k):
                            col = x * s + kj - p
                            inside = 0 <= row < height and 0 <= col < width
                            window.append(c * height * width + row * width + col if inside else outside)
                windows.append(window)
        return windows

    # given
    def _input_gradient_gathers(self, tap_indices: list[tuple[int, ...]]) -> list:
        """For every input pixel, an itemgetter of the entries of M (taps × positions, flat)
        whose tap read that pixel: the input gradient is then one C-speed gather and sum per
        pixel. Each also names the two zeros appended to M, so every gather returns a tuple
        (an itemgetter of a single index would return a bare number)."""
        positions = len(tap_indices[0])
        zeros = len(tap_indices) * positions
        readers: list[list[int]] = [
            [zeros, zeros + 1] for _ in range(self.in_channels * self.input_size[0] * self.input_size[1] + 1)
        ]
        for t, indices in enumerate(tap_indices):
            for position, pixel in enumerate(indices):
                readers[pixel].append(t * positions + position)
        return [itemgetter(*reader) for reader in readers[:-1]]  # the last one is the padding's

    def forward(self, images: list[list[float]]) -> tuple[list[list[float]], list[list[tuple[float, ...]]]]:
        """(Y, tape): Y[o][pos] = b[o] + Σ_t K[o][t]·X[window(pos)][t] for each image -> (B × out·H'·W').

        Gathers, per tap t, the value that tap reads at every output position (a "view"); the
        tape is every image's views (B × taps × positions), what backward multiplies with.
        Raises ValueError for an empty batch, and naming the image's index, its length and
        C·H·W when an image does not hold C·H·W numbers.
        """
        height, width = self.input_size
        require_batch("Conv2D.forward", images, self.in_channels * height * width)
        kernels, bias = self.weight.value, self.bias.value[0]
        tape = [[read(image + [0.0]) for read in self._read_taps] for image in images]
        outputs = []
        if len(kernels[0]) <= UNROLL_LIMIT:
            weighted_sum = unrolled_weighted_sum(len(kernels[0]))
            for views in tape:
                outputs.append([value for kernel, b in zip(kernels, bias) for value in weighted_sum(views, kernel, b)])
            return outputs, tape
        for views in tape:
            patches = list(zip(*views))
            if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
                outputs.append([_sumprod(kernel, patch) + b for kernel, b in zip(kernels, bias) for patch in patches])
            else:
                outputs.append(
                    [sum(map(mul, kernel, patch), b) for kernel, b in zip(kernels, bias) for patch in patches]
                )
        return outputs, tape

    def backward(
        self, tape: list[list[tuple[float, ...]]], grad_outputs: list[list[float]]
    ) -> list[list[float]] | None:
        """Given the tape of a forward (its views) and G = ∂L/∂Y: add ∂L/∂K and ∂L/∂b to the
        gradients; return ∂L/∂X (B × C·H·W), or None when the layer was built with
        input_gradient=False (a first layer reading pixels needs none).

        ∂L/∂K[o][t] is a dot product of output channel o's gradient with tap t's view, over
        every sample and position at once. For ∂L/∂X, M[t][pos] = Σ_o K[o][t]·G[o][pos] is what
        tap t at position pos sends back, and each pixel sums the M entries that read it.
        Raises ValueError, naming what was expected and what came, for a gradient row of
        another width than out·H'·W' (both widths), a tape of another length than the B
        gradient rows (both lengths), and a tape image without one view per tap (another
        layer's tape: both counts of views); and for no tape at all (None).
        """
        positions = self.output_size[0] * self.output_size[1]
        require_batch("Conv2D.backward", grad_outputs, self.out_channels * positions)
        taps = len(self._read_taps)
        require_tape("Conv2D.backward", tape, len(grad_outputs), taps)
        channels = range(self.out_channels)
        grad_channels = [
            [g for grad in grad_outputs for g in grad[o * positions : (o + 1) * positions]] for o in channels
        ]
        tap_rows = [[v for views in tape for v in views[t]] for t in range(taps)]
        if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
            accumulate(self.weight, [[_sumprod(g, tap) for tap in tap_rows] for g in grad_channels])
        else:
            accumulate(self.weight, [[sum(map(mul, g, tap)) for tap in tap_rows] for g in grad_channels])
        accumulate(self.bias, [list(map(sum, grad_channels))])
        if not self.input_gradient:
            return None
        kernel_columns = list(zip(*self.weight.value))  # (taps × out)
        weighted_sum = unrolled_weighted_sum(self.out_channels) if self.out_channels <= UNROLL_LIMIT else None
        grad_inputs = []
        for grad in grad_outputs:
            grad_views = [grad[o * positions : (o + 1) * positions] for o in channels]
            if weighted_sum is not None:
                sent_back = [value for column in kernel_columns for value in weighted_sum(grad_views, column, 0.0)]
            else:
                per_position = list(zip(*grad_views))
                if _sumprod is not None:  # pragma: no cover - Python 3.12+ only; the coverage gate runs 3.11
                    sent_back = [_sumprod(column, g) for column in kernel_columns for g in per_position]
                else:
                    sent_back = [sum(map(mul, column, g)) for column in kernel_columns for g in per_position]
            sent_back += (0.0, 0.0)
            grad_inputs.append([sum(gather(sent_back)) for gather in self._pixel_gathers])
        return grad_inputs

    # given
    def parameters(self) -> list[Parameter]:
        return [self.weight, self.bias]
