"""Specs for building_blocks.conv: the 2-D convolution's forward pass on hand-computed images
and its tape, its backward pass (for the forward whose tape it is given) against central
differences, and its shape errors.

An image is a flat list of C·H·W numbers, channel by channel, row by row; output channel o
at (y, x) is b[o] + Σ_c Σ_ki Σ_kj K[o][c][ki][kj]·X[c][y·s + ki − p][x·s + kj − p], with X read
as 0 in the padding. The hand-computed examples use small integers and halves, so every
partial sum is exact in binary floating point and the comparisons are exact whatever order a
correct implementation adds in.

The layer has two code paths each way: a window of at most UNROLL_LIMIT (64) taps, and at
most 64 output channels in backward, are summed by an unrolled expression; longer ones by dot
products. The configurations below reach both with tiny images.
"""

import random
import statistics

import pytest

from policywerk.building_blocks import conv, dense, network, optimizers
from policywerk.primitives import losses
from policywerk.primitives.random import Rng
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def layer_with(in_channels, out_channels, kernel_size, input_size, kernels, bias, **options):
    layer = conv.Conv2D(in_channels, out_channels, kernel_size, input_size, Rng(0), **options)
    layer.weight.value = [list(row) for row in kernels]
    layer.bias.value = [list(bias)]
    return layer


# The 3×3 image and the 2×2 kernel of the first hand example:
#     X = 1 2 0     K =  1  −1     b = 1
#         0 1 3          2  0.5
#         2 0 1
IMAGE_3X3 = [1.0, 2.0, 0.0, 0.0, 1.0, 3.0, 2.0, 0.0, 1.0]
KERNEL_2X2 = [1.0, -1.0, 2.0, 0.5]


def hand_layer(**options):
    return layer_with(1, 1, 2, (3, 3), [KERNEL_2X2], [1.0], **options)


def naive_convolution(layer, images):
    """The defining sum, loop by loop: the trusted reference for random configurations."""
    channels, (height, width), k = layer.in_channels, layer.input_size, layer.kernel_size
    stride, padding = layer.stride, layer.padding
    out_height, out_width = conv.output_size(height, k, stride, padding), conv.output_size(width, k, stride, padding)
    outputs = []
    for image in images:
        output = []
        for o in range(layer.out_channels):
            kernel = layer.weight.value[o]
            for y in range(out_height):
                for x in range(out_width):
                    total = layer.bias.value[0][o]
                    for c in range(channels):
                        for ki in range(k):
                            for kj in range(k):
                                row, col = y * stride + ki - padding, x * stride + kj - padding
                                if 0 <= row < height and 0 <= col < width:
                                    total += kernel[(c * k + ki) * k + kj] * image[(c * height + row) * width + col]
                    output.append(total)
        outputs.append(output)
    return outputs


# (in_channels, out_channels, kernel_size, (height, width), stride, padding, images in the batch)
CONFIGURATIONS = {
    "1to1-k2-s1-p0": (1, 1, 2, (3, 3), 1, 0, 2),  # one output channel: a one-term sum in backward
    "1to2-k1-one-tap": (1, 2, 1, (3, 2), 1, 0, 2),  # a 1×1 kernel on one channel: a one-term sum forward
    "2to3-k3-s1-p1-non-square": (2, 3, 3, (5, 4), 1, 1, 2),
    "3to2-k2-s2-p0": (3, 2, 2, (5, 5), 2, 0, 2),
    "2to2-k3-s2-p1": (2, 2, 3, (6, 6), 2, 1, 2),
    "lesson05-k4-s2-on-16x16": (1, 2, 4, (16, 16), 2, 0, 1),
    "80-taps-dot-products": (5, 2, 4, (4, 4), 1, 1, 2),  # 5·4·4 = 80 taps > UNROLL_LIMIT
    "65-outputs-dot-products": (1, 65, 2, (2, 3), 1, 0, 1),  # 65 output channels > UNROLL_LIMIT
}


def random_setup(configuration, seed):
    """A layer with random kernels and bias (not the initialiser's), and a batch of random images."""
    in_channels, out_channels, k, (height, width), stride, padding, batch = configuration
    generator = random.Random(seed)
    layer = conv.Conv2D(in_channels, out_channels, k, (height, width), Rng(seed), stride=stride, padding=padding)
    layer.weight.value = [[generator.uniform(-1.0, 1.0) for _ in row] for row in layer.weight.value]
    layer.bias.value = [[generator.uniform(-1.0, 1.0) for _ in range(out_channels)]]
    images = [[generator.uniform(-1.0, 1.0) for _ in range(in_channels * height * width)] for _ in range(batch)]
    return layer, images, generator


def weighted_output(layer, images, weights):
    """L = Σ c·Y: a scalar whose gradient with respect to Y is the weights c, with Y the defining
    sum (so the gradient specs never lean on the learner's own forward)."""
    outputs = naive_convolution(layer, images)
    return sum(w * y for weight_row, output in zip(weights, outputs) for w, y in zip(weight_row, output))


def flat(rows):
    return [value for row in rows for value in row]


def shaped(values, like):
    rows, start = [], 0
    for row in like:
        rows.append(list(values[start : start + len(row)]))
        start += len(row)
    return rows


def configurations(exercise_name):
    return [pytest.param(config, marks=exercise(exercise_name), id=name) for name, config in CONFIGURATIONS.items()]


# --- Conv2D.forward ------------------------------------------------------------------------------


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_slides_a_2x2_kernel_over_a_3x3_image_and_adds_the_bias():
    # Each output is the kernel times the 2×2 block under it, plus b = 1:
    #   Y00 = 1·1 − 1·2 + 2·0 + 0.5·1 + 1 = 0.5      Y01 = 1·2 − 1·0 + 2·1 + 0.5·3 + 1 = 6.5
    #   Y10 = 1·0 − 1·1 + 2·2 + 0.5·0 + 1 = 4.0      Y11 = 1·1 − 1·3 + 2·0 + 0.5·1 + 1 = −0.5
    assert hand_layer().forward([IMAGE_3X3])[0] == [[0.5, 6.5, 4.0, -0.5]]


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_returns_as_the_tape_what_each_tap_read_at_every_position():
    # Tap t of the 2×2 kernel reads, at the four positions (0,0), (0,1), (1,0), (1,1) of
    #     X = 1 2 0       top-left tap:     1 2 0 1      top-right tap:    2 0 1 3
    #         0 1 3       bottom-left tap:  0 1 2 0      bottom-right tap: 1 3 0 1
    #         2 0 1
    _, tape = hand_layer().forward([IMAGE_3X3])
    views = [[list(view) for view in image_views] for image_views in tape]
    assert views == [[[1.0, 2.0, 0.0, 1.0], [2.0, 0.0, 1.0, 3.0], [0.0, 1.0, 2.0, 0.0], [1.0, 3.0, 0.0, 1.0]]]


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_with_stride_two_reads_side_by_side_blocks():
    # X = 1 0 2 1   K = 1 2   b = −1; with s = 2 the four 2×2 blocks do not overlap:
    #     0 1 1 0       3 4   TL 1·1 + 2·0 + 3·0 + 4·1 − 1 = 4    TR 1·2 + 2·1 + 3·1 + 4·0 − 1 = 6
    #     3 1 0 0             BL 1·3 + 2·1 + 3·0 + 4·2 − 1 = 12   BR 1·0 + 2·0 + 3·1 + 4·1 − 1 = 6
    #     0 2 1 1
    image = [1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 1.0, 0.0, 3.0, 1.0, 0.0, 0.0, 0.0, 2.0, 1.0, 1.0]
    layer = layer_with(1, 1, 2, (4, 4), [[1.0, 2.0, 3.0, 4.0]], [-1.0], stride=2)
    assert layer.forward([image])[0] == [[4.0, 6.0, 12.0, 6.0]]


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_with_padding_one_reads_zeros_around_the_image():
    # X = 1 2 padded by one ring of zeros is the 4×4 grid   0 0 0 0   K = 1  0.5   b = 0
    #     3 4                                               0 1 2 0       −1  2
    #                                                       0 3 4 0
    #                                                       0 0 0 0
    # Y[y][x] = 1·P[y][x] + 0.5·P[y][x+1] − 1·P[y+1][x] + 2·P[y+1][x+1]:
    #   Y00 = 2·1 = 2          Y01 = −1·1 + 2·2 = 3               Y02 = −1·2 = −2
    #   Y10 = 0.5·1 + 2·3 = 6.5  Y11 = 1 + 0.5·2 − 3 + 2·4 = 7     Y12 = 2 − 4 = −2
    #   Y20 = 0.5·3 = 1.5      Y21 = 3 + 0.5·4 = 5                Y22 = 4
    layer = layer_with(1, 1, 2, (2, 2), [[1.0, 0.5, -1.0, 2.0]], [0.0], padding=1)
    assert layer.forward([[1.0, 2.0, 3.0, 4.0]])[0] == [[2.0, 3.0, -2.0, 6.5, 7.0, -2.0, 1.5, 5.0, 4.0]]


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_lays_out_channels_one_after_another_in_inputs_and_outputs():
    # A 1×1 kernel mixes the channels pixel by pixel: Y[o] = K[o][0]·X[0] + K[o][1]·X[1] + b[o].
    #   o = 0: 1·[1, 2, 3, 4] + 0.5·[10, 20, 30, 40] + 0  = [6, 12, 18, 24]
    #   o = 1: −2·[1, 2, 3, 4] + 0.25·[10, 20, 30, 40] + 1 = [1.5, 2, 2.5, 3]
    layer = layer_with(2, 2, 1, (2, 2), [[1.0, 0.5], [-2.0, 0.25]], [0.0, 1.0])
    image = [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]
    assert layer.forward([image])[0] == [[6.0, 12.0, 18.0, 24.0, 1.5, 2.0, 2.5, 3.0]]


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_treats_each_image_of_a_batch_on_its_own():
    doubled = [2.0 * v for v in IMAGE_3X3]
    # The second image is twice the first: every output doubles its weighted sum, then adds b = 1.
    assert hand_layer().forward([IMAGE_3X3, doubled, IMAGE_3X3])[0] == [
        [0.5, 6.5, 4.0, -0.5],
        [0.0, 12.0, 7.0, -2.0],
        [0.5, 6.5, 4.0, -0.5],
    ]


@pytest.mark.parametrize("configuration", configurations("building_blocks.conv.Conv2D.forward"))
def test_forward_agrees_with_the_defining_sum_on_random_images(configuration):
    layer, images, _ = random_setup(configuration, seed=3)
    expected = naive_convolution(layer, images)
    outputs, _ = layer.forward(images)
    assert len(outputs) == len(expected)
    for output, wanted in zip(outputs, expected):
        assert output == pytest.approx(wanted, rel=1e-12, abs=1e-12)


@exercise("building_blocks.conv.Conv2D.forward")
def test_forward_refuses_an_image_of_the_wrong_length_naming_both_lengths():
    layer = conv.Conv2D(2, 1, 2, (3, 3), Rng(0))  # expects 2·3·3 = 18 numbers per image
    with pytest.raises(ValueError) as error:
        layer.forward([[0.0] * 18, [0.0] * 17])
    assert_names(error, 1, 17, 18)  # image 1 holds 17 numbers, not 18


# --- Conv2D.backward -----------------------------------------------------------------------------


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_on_the_hand_example_gives_kernel_and_bias_gradients():
    layer = hand_layer()
    _, tape = layer.forward([IMAGE_3X3])
    # G = ∂L/∂Y = [1, 0, 0, 2]: only the top-left and bottom-right windows matter.
    layer.backward(tape, [[1.0, 0.0, 0.0, 2.0]])
    # ∂L/∂K = 1·(top-left block [1, 2, 0, 1]) + 2·(bottom-right block [1, 3, 0, 1]) = [3, 8, 0, 3]
    assert layer.weight.grad == [[3.0, 8.0, 0.0, 3.0]]
    assert layer.bias.grad == [[3.0]], (
        "a filter's bias gradient sums its output gradient over every position the filter slides over"
    )  # 1 + 0 + 0 + 2


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_on_the_hand_example_gives_the_image_gradient():
    layer = hand_layer()
    _, tape = layer.forward([IMAGE_3X3])
    # ∂L/∂X for G = [1, 0, 0, 2]: 1·K laid on the top-left window plus 2·K laid on the
    # bottom-right one; the centre pixel is in both: 1·0.5 + 2·1 = 2.5.
    assert layer.backward(tape, [[1.0, 0.0, 0.0, 2.0]]) == [[1.0, -1.0, 0.0, 2.0, 2.5, -2.0, 0.0, 4.0, 1.0]]


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_accumulates_kernel_and_bias_gradients_over_calls():
    layer = hand_layer()
    _, tape = layer.forward([IMAGE_3X3])
    first = layer.backward(tape, [[1.0, 0.0, 0.0, 2.0]])
    second = layer.backward(tape, [[1.0, 0.0, 0.0, 2.0]])
    assert first == second == [[1.0, -1.0, 0.0, 2.0, 2.5, -2.0, 0.0, 4.0, 1.0]]
    assert layer.weight.grad == [[6.0, 16.0, 0.0, 6.0]]  # twice [3, 8, 0, 3]
    assert layer.bias.grad == [[6.0]]


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_sums_kernel_gradients_over_the_images_of_a_batch():
    layer = hand_layer()
    _, tape = layer.forward([IMAGE_3X3, [2.0 * v for v in IMAGE_3X3]])
    layer.backward(tape, [[1.0, 0.0, 0.0, 2.0], [1.0, 0.0, 0.0, 2.0]])
    # The second image is twice the first, so it adds twice [3, 8, 0, 3].
    assert layer.weight.grad == [[9.0, 24.0, 0.0, 9.0]]
    assert layer.bias.grad == [[6.0]]


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_of_an_earlier_forward_reads_that_forwards_image():
    # The point of the tape: after a forward of another image (all 5s), the first forward's tape
    # still gives the hand example's kernel gradient [3, 8, 0, 3].
    layer = hand_layer()
    _, first_tape = layer.forward([IMAGE_3X3])
    layer.forward([[5.0] * 9])
    layer.backward(first_tape, [[1.0, 0.0, 0.0, 2.0]])
    assert layer.weight.grad == [[3.0, 8.0, 0.0, 3.0]]


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_without_input_gradient_returns_none_but_still_accumulates_kernel_gradients():
    # A None alone would pass for a backward that does nothing: the gradients must be there too.
    layer = hand_layer(input_gradient=False)
    _, tape = layer.forward([IMAGE_3X3])
    assert layer.backward(tape, [[1.0, 0.0, 0.0, 2.0]]) is None
    assert layer.weight.grad == [[3.0, 8.0, 0.0, 3.0]]
    assert layer.bias.grad == [[3.0]]


@pytest.mark.parametrize("configuration", configurations("building_blocks.conv.Conv2D.backward"))
def test_backward_input_gradient_matches_central_differences(configuration):
    layer, images, generator = random_setup(configuration, seed=11)
    outputs, tape = layer.forward(images)
    weights = [[generator.uniform(-1.0, 1.0) for _ in row] for row in outputs]
    analytic = layer.backward(tape, weights)
    width = len(images[0])

    def loss(point):
        return weighted_output(layer, [point[i : i + width] for i in range(0, len(point), width)], weights)

    check_gradient(loss, flat(images), flat(analytic), what="∂L/∂images", rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("configuration", configurations("building_blocks.conv.Conv2D.backward"))
def test_backward_kernel_and_bias_gradients_match_central_differences(configuration):
    layer, images, generator = random_setup(configuration, seed=12)
    outputs, tape = layer.forward(images)
    weights = [[generator.uniform(-1.0, 1.0) for _ in row] for row in outputs]
    layer.backward(tape, weights)
    for parameter in layer.parameters():
        original = parameter.value

        def loss(point, parameter=parameter, original=original):
            parameter.value = shaped(point, original)
            try:
                return weighted_output(layer, images, weights)
            finally:
                parameter.value = original

        check_gradient(loss, flat(original), flat(parameter.grad), what=f"∂L/∂{parameter.name}", rtol=1e-6, atol=1e-8)


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_refuses_a_gradient_of_the_wrong_width_naming_both_widths():
    layer = hand_layer()  # 1 channel of 2×2 outputs: 4 numbers per image
    _, tape = layer.forward([IMAGE_3X3])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 0.0, 0.0, 2.0, 3.0]])
    assert_names(error, 5, 4)


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_refuses_a_gradient_for_a_batch_of_another_size():
    layer = hand_layer()
    _, tape = layer.forward([IMAGE_3X3, IMAGE_3X3])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 0.0, 0.0, 2.0]])
    assert_names(error, 1, 2)  # one gradient row for a tape of two images


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_without_a_tape_is_an_error():
    with pytest.raises(ValueError):
        hand_layer().backward(None, [[1.0, 0.0, 0.0, 2.0]])


@exercise("building_blocks.conv.Conv2D.backward")
def test_backward_refuses_the_tape_of_a_layer_with_other_taps_naming_both_counts():
    # A 1×1 kernel reads 1 tap per window; this 2×2 layer's backward needs 4 views per image.
    _, tape = layer_with(1, 1, 1, (2, 2), [[1.0]], [0.0]).forward([[1.0, 2.0, 0.0, 1.0]])
    with pytest.raises(ValueError) as error:
        hand_layer().backward(tape, [[1.0, 0.0, 0.0, 2.0]])
    assert_names(error, 1, 4)


# --- the constructor's checks (given code) -------------------------------------------------------


def test_a_kernel_larger_than_the_padded_input_is_refused_naming_the_sizes():
    with pytest.raises(ValueError, match=r"(?s)5×5.*3×3"):
        conv.Conv2D(1, 1, 5, (3, 3), Rng(0))
    layer = conv.Conv2D(1, 1, 5, (3, 3), Rng(0), padding=1)  # padded to 5×5: it fits, once
    assert layer.output_size == (1, 1)


def test_the_output_size_counts_the_kernel_positions_along_each_axis():
    # (size + 2·padding − kernel) // stride + 1: (16 − 4)//2 + 1 = 7, and (5 + 2 − 3)//2 + 1 = 3
    assert conv.Conv2D(1, 1, 4, (16, 16), Rng(0), stride=2).output_size == (7, 7)
    assert conv.Conv2D(1, 1, 3, (5, 6), Rng(0), stride=2, padding=1).output_size == (3, 3)


@pytest.mark.parametrize(
    "arguments, options, pattern",
    [
        ((0, 1, 2, (3, 3)), {}, "in_channels.*0"),
        ((1, 1, 2, (3, 3)), {"stride": 0}, "stride.*0"),
        ((1, 1, 2, (3, 3)), {"padding": -1}, "padding.*-1"),
    ],
    ids=["no-channels", "stride-0", "negative-padding"],
)
def test_the_constructor_refuses_sizes_below_one_and_a_negative_padding(arguments, options, pattern):
    with pytest.raises(ValueError, match=pattern):
        conv.Conv2D(*arguments, Rng(0), **options)


# --- learning outcome (slow) ---------------------------------------------------------------------


def lit_pixel_image(generator, row, col):
    """A 16×16 image: faint noise everywhere (uniform in [0, 0.1)), one pixel lit to [0.5, 1)."""
    image = [generator.uniform(0.0, 0.1) for _ in range(256)]
    image[row * 16 + col] = generator.uniform(0.5, 1.0)
    return image


def column_finder_accuracy(seed, updates=100, batch=16, channels=8):
    """Train Conv2D(1 → 8, 4×4, stride 2) → relu → Dense(8·7·7 → 16) with Adam on the
    cross-entropy of the lit pixel's column; return the accuracy on 256 held-out images."""
    rng = Rng(seed)
    first = conv.Conv2D(1, channels, 4, (16, 16), rng, stride=2, input_gradient=False)  # 7×7 out
    net = network.Sequential([first, network.Activation("relu"), dense.Dense(channels * 49, 16, rng)])
    optimizer = optimizers.Adam(net.parameters(), lr=0.03)
    generator = random.Random(seed)
    for _ in range(updates):
        cells = [(generator.randrange(16), generator.randrange(16)) for _ in range(batch)]
        logits, tape = net.forward([lit_pixel_image(generator, row, col) for row, col in cells])
        targets = [[1.0 if k == col else 0.0 for k in range(16)] for _, col in cells]
        network.zero_grad(net.parameters())
        net.backward(tape, [[g / batch for g in losses.cross_entropy_gradient(z, t)] for z, t in zip(logits, targets)])
        optimizer.step()
    held_out = random.Random(1_000_000 + seed)  # images the training never saw, one per cell
    cells = [(row, col) for row in range(16) for col in range(16)]
    logits, _ = net.forward([lit_pixel_image(held_out, row, col) for row, col in cells])
    return sum(max(range(16), key=z.__getitem__) == col for z, (_, col) in zip(logits, cells)) / len(cells)


@pytest.mark.slow
@exercise("building_blocks.conv.Conv2D.forward")
@exercise("building_blocks.conv.Conv2D.backward")
def test_a_small_conv_net_learns_which_of_16_columns_holds_the_lit_pixel():
    # Lesson 05's first layer (a 4×4 kernel at stride 2 on 16×16) under a dense read-out, 100
    # Adam updates of 16 images. The faint background noise and the random brightness make
    # every test image new, though the 256 positions are all seen in training. In 400 seeds of
    # the reference the held-out accuracy averaged 98.2 % (sd 1.6 points, lowest 88.3 %, one
    # seed under 90 %); resampled means of 5 seeds never fell below 93.5 % in 100,000 draws.
    # With the kernels frozen at their initial values (no kernel gradient) the same net
    # reaches only 46–79 %.
    accuracies = [column_finder_accuracy(seed) for seed in range(5)]
    assert sum(accuracy >= 0.9 for accuracy in accuracies) >= 4, accuracies
    assert statistics.fmean(accuracies) >= 0.93, accuracies


@exercise("building_blocks.conv.Conv2D.forward")
def test_a_kernel_as_large_as_the_image_gives_one_output_per_channel():
    # One position: each output is the whole image weighted by its kernel, plus the bias.
    layer = conv.Conv2D(1, 2, kernel_size=2, input_size=(2, 2), rng=Rng(0))
    layer.weight.value = [[1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5]]
    layer.bias.value = [[0.25, -1.0]]
    # 1·1 + 2·1 + 3·1 + 4·0 + 0.25 = 6.25 and 0.5·3 − 1 = 0.5
    assert layer.forward([[1.0, 1.0, 1.0, 0.0]])[0] == [[6.25, 0.5]]
