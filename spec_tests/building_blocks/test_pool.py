"""Specs for building_blocks.pool: max and average pooling of each channel, the tape that
records where max pooling's gradients go, the routing of their gradients, and their shape errors.

Images are flat lists of C·H·W numbers, as for the convolution. Max pooling sends each output's
gradient to the first maximum of its window (row by row inside the window); average pooling
spreads it as 1/k² to every input of the window; where windows overlap the shares add up.
The hand-computed sums are integers divided by 4, exact in binary floating point.
"""

import random

import pytest

from policywerk.building_blocks import pool
from spec_tests.gradcheck import check_gradient
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


# X = 1 5 2 0    four 2×2 windows: top-left {1, 5, 3, 2}, top-right {2, 0, 8, 1},
#     3 2 8 1                      bottom-left {0, 0, 7, 1}, bottom-right {4, 4, 3, 6}
#     0 0 4 4
#     7 1 3 6
IMAGE_4X4 = [1.0, 5.0, 2.0, 0.0, 3.0, 2.0, 8.0, 1.0, 0.0, 0.0, 4.0, 4.0, 7.0, 1.0, 3.0, 6.0]


def flat(rows):
    return [value for row in rows for value in row]


def naive_pooling(mode, channels, height, width, k, stride, images):
    """Each window's max or mean, loop by loop (channel, then row, then column of the output):
    the pooling written out here, so the gradient spec never leans on the learner's forward."""
    out_height, out_width = (height - k) // stride + 1, (width - k) // stride + 1
    outputs = []
    for image in images:
        output = []
        for c in range(channels):
            for y in range(out_height):
                for x in range(out_width):
                    window = [
                        image[(c * height + y * stride + i) * width + x * stride + j]
                        for i in range(k)
                        for j in range(k)
                    ]
                    output.append(max(window) if mode == "max" else sum(window) / (k * k))
        outputs.append(output)
    return outputs


# --- Pool2D.forward ------------------------------------------------------------------------------


@exercise("building_blocks.pool.Pool2D.forward")
def test_max_pooling_keeps_the_largest_number_of_each_window():
    layer = pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2)
    assert layer.forward([IMAGE_4X4])[0] == [[5.0, 8.0, 7.0, 6.0]]


@exercise("building_blocks.pool.Pool2D.forward")
def test_average_pooling_takes_the_mean_of_each_window():
    layer = pool.Pool2D("average", channels=1, input_size=(4, 4), kernel_size=2)
    # (1 + 5 + 3 + 2)/4 = 2.75, (2 + 0 + 8 + 1)/4 = 2.75, (0 + 0 + 7 + 1)/4 = 2, (4 + 4 + 3 + 6)/4 = 4.25
    assert layer.forward([IMAGE_4X4])[0] == [[2.75, 2.75, 2.0, 4.25]]


@exercise("building_blocks.pool.Pool2D.forward")
def test_max_pooling_of_negative_numbers_is_the_one_nearest_zero_not_zero():
    layer = pool.Pool2D("max", channels=1, input_size=(2, 2), kernel_size=2)
    assert layer.forward([[-3.0, -0.5, -2.0, -7.0]])[0] == [[-0.5]]


@pytest.mark.parametrize(
    "mode, expected",
    [
        pytest.param("max", [[4.0, 8.0], [2.0, -1.0]], marks=exercise("building_blocks.pool.Pool2D.forward"), id="max"),
        pytest.param(
            "average", [[2.5, 6.5], [0.5, -2.5]], marks=exercise("building_blocks.pool.Pool2D.forward"), id="average"
        ),
    ],
)
def test_pooling_treats_each_channel_and_each_image_on_its_own(mode, expected):
    layer = pool.Pool2D(mode, channels=2, input_size=(2, 2), kernel_size=2)
    # channel 0 of the first image: 1 2 3 4 (max 4, mean 2.5); channel 1: 8 7 6 5 (max 8, mean 6.5)
    images = [[1.0, 2.0, 3.0, 4.0, 8.0, 7.0, 6.0, 5.0], [2.0, 0.0, 0.0, 0.0, -4.0, -1.0, -3.0, -2.0]]
    assert layer.forward(images)[0] == expected


@pytest.mark.parametrize(
    "mode, expected",
    [
        pytest.param("max", [[9.0, 9.0, 9.0, 9.0]], marks=exercise("building_blocks.pool.Pool2D.forward"), id="max"),
        pytest.param(
            "average", [[3.0, 3.25, 3.75, 4.0]], marks=exercise("building_blocks.pool.Pool2D.forward"), id="average"
        ),
    ],
)
def test_pooling_with_a_stride_below_the_kernel_size_reads_overlapping_windows(mode, expected):
    # X = 0 1 0   2×2 windows at stride 1: {0, 1, 2, 9}, {1, 0, 9, 3}, {2, 9, 0, 4}, {9, 3, 4, 0},
    #     2 9 3   every one holding the 9; their means are 12/4, 13/4, 15/4 and 16/4
    #     0 4 0
    layer = pool.Pool2D(mode, channels=1, input_size=(3, 3), kernel_size=2, stride=1)
    assert layer.forward([[0.0, 1.0, 0.0, 2.0, 9.0, 3.0, 0.0, 4.0, 0.0]])[0] == expected


@exercise("building_blocks.pool.Pool2D.forward")
def test_pooling_leaves_out_the_rows_and_columns_no_window_reaches():
    # (5 − 2)//2 + 1 = 2 windows along each axis: the last row and column are never read.
    layer = pool.Pool2D("max", channels=1, input_size=(5, 5), kernel_size=2)
    image = [float(i) for i in range(25)]
    image[4] = image[20] = image[24] = 100.0  # the last column and row
    assert layer.forward([image])[0] == [[6.0, 8.0, 16.0, 18.0]]


@exercise("building_blocks.pool.Pool2D.forward")
def test_max_pooling_returns_as_the_tape_the_input_index_that_won_each_window():
    # The maxima 5, 8, 7, 6 sit at indices 1, 6, 12 and 15 of the flat image; one list per image.
    layer = pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2)
    _, tape = layer.forward([IMAGE_4X4, [-v for v in IMAGE_4X4]])
    # −X has its maxima where X has its minima (the first one on a tie): 0, 3, 8 and 14.
    assert tape == [[1, 6, 12, 15], [0, 3, 8, 14]]


@exercise("building_blocks.pool.Pool2D.forward")
def test_average_pooling_returns_an_empty_tape_entry_per_image():
    # Every input of a window gets its share: nothing to remember but how many images there were.
    layer = pool.Pool2D("average", channels=1, input_size=(4, 4), kernel_size=2)
    assert layer.forward([IMAGE_4X4, IMAGE_4X4])[1] == [[], []]


@exercise("building_blocks.pool.Pool2D.forward")
def test_forward_refuses_an_image_of_the_wrong_length_naming_both_lengths():
    layer = pool.Pool2D("max", channels=2, input_size=(4, 4), kernel_size=2)  # 2·4·4 = 32 numbers
    with pytest.raises(ValueError) as error:
        layer.forward([[0.0] * 32, [0.0] * 31])
    assert_names(error, 1, 31, 32)  # image 1 holds 31 numbers, not 32


# --- Pool2D.backward -----------------------------------------------------------------------------


@exercise("building_blocks.pool.Pool2D.backward")
def test_max_pooling_routes_each_gradient_to_the_maximum_of_its_window():
    layer = pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2)
    _, tape = layer.forward([IMAGE_4X4])
    # The maxima 5, 8, 7, 6 sit at indices 1, 6, 12 and 15; every other input gets nothing.
    expected = [0.0] * 16
    expected[1], expected[6], expected[12], expected[15] = 10.0, 20.0, 30.0, 40.0
    assert layer.backward(tape, [[10.0, 20.0, 30.0, 40.0]]) == [expected]


@exercise("building_blocks.pool.Pool2D.backward")
def test_max_pooling_on_a_tie_routes_the_gradient_to_the_first_maximum_only():
    layer = pool.Pool2D("max", channels=1, input_size=(2, 2), kernel_size=2)
    _, tape = layer.forward([[2.0, 7.0, 7.0, 7.0], [7.0, 1.0, 7.0, 1.0]])
    # Row by row inside the window: index 1 comes before 2 and 3; index 0 before 2.
    assert layer.backward(tape, [[3.0], [5.0]]) == [[0.0, 3.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]]


@exercise("building_blocks.pool.Pool2D.backward")
def test_average_pooling_spreads_each_gradient_evenly_over_its_window():
    layer = pool.Pool2D("average", channels=1, input_size=(2, 4), kernel_size=2)
    _, tape = layer.forward([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]])
    # 1/k² = 1/4 of 4 to each input of the left window, of 8 to each of the right one.
    assert layer.backward(tape, [[4.0, 8.0]]) == [[1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]]


@exercise("building_blocks.pool.Pool2D.backward")
def test_average_pooling_with_overlapping_windows_adds_up_the_shares():
    layer = pool.Pool2D("average", channels=1, input_size=(3, 3), kernel_size=2, stride=1)
    _, tape = layer.forward([[0.0] * 9])
    # G = [1, 2, 3, 4] over the windows at (0,0), (0,1), (1,0), (1,1); each input sums a quarter
    # of the gradients of the windows holding it: the centre (1 + 2 + 3 + 4)/4 = 2.5, the top
    # middle (1 + 2)/4 = 0.75, the corners a quarter of their one window's.
    assert layer.backward(tape, [[1.0, 2.0, 3.0, 4.0]]) == [[0.25, 0.75, 0.5, 1.0, 2.5, 1.5, 0.75, 1.75, 1.0]]


@exercise("building_blocks.pool.Pool2D.backward")
def test_max_pooling_with_overlapping_windows_adds_up_at_a_shared_maximum():
    layer = pool.Pool2D("max", channels=1, input_size=(3, 3), kernel_size=2, stride=1)
    _, tape = layer.forward([[0.0, 1.0, 0.0, 2.0, 9.0, 3.0, 0.0, 4.0, 0.0]])
    # The centre 9 wins all four windows and collects 1 + 2 + 3 + 4.
    assert layer.backward(tape, [[1.0, 2.0, 3.0, 4.0]]) == [[0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0]]


@exercise("building_blocks.pool.Pool2D.backward")
def test_max_pooling_backward_of_an_earlier_forward_routes_by_that_forwards_winners():
    # The point of the tape: the first forward's 9 sits at index 0; a later forward's at 3.
    layer = pool.Pool2D("max", channels=1, input_size=(2, 2), kernel_size=2)
    _, first_tape = layer.forward([[9.0, 0.0, 0.0, 0.0]])
    layer.forward([[0.0, 0.0, 0.0, 9.0]])
    assert layer.backward(first_tape, [[1.0]]) == [[1.0, 0.0, 0.0, 0.0]]


# (mode, channels, (height, width), kernel_size, stride)
CONFIGURATIONS = {
    "max-2ch-4x4-k2": ("max", 2, (4, 4), 2, None),
    "max-1ch-5x5-k3-s1-overlapping": ("max", 1, (5, 5), 3, 1),
    "max-2ch-5x4-k2-s1-overlapping": ("max", 2, (5, 4), 2, 1),
    "average-2ch-4x4-k2": ("average", 2, (4, 4), 2, None),
    "average-1ch-5x5-k3-s1-overlapping": ("average", 1, (5, 5), 3, 1),
    "average-2ch-5x4-k2-s1-overlapping": ("average", 2, (5, 4), 2, 1),
}


@pytest.mark.parametrize(
    "configuration",
    [
        pytest.param(c, marks=exercise("building_blocks.pool.Pool2D.backward"), id=name)
        for name, c in CONFIGURATIONS.items()
    ],
)
def test_backward_matches_central_differences_away_from_ties(configuration):
    mode, channels, (height, width), k, stride = configuration
    layer = pool.Pool2D(mode, channels=channels, input_size=(height, width), kernel_size=k, stride=stride)
    generator = random.Random(5)
    size = channels * height * width
    images = []
    for _ in range(2):
        # Distinct values at least 0.09 apart: a step of h = 1e-6 never changes a window's winner.
        order = generator.sample(range(size), size)
        images.append([0.1 * rank - 1.0 + generator.uniform(0.0, 0.01) for rank in order])
    outputs, tape = layer.forward(images)
    weights = [[generator.uniform(-1.0, 1.0) for _ in row] for row in outputs]
    analytic = layer.backward(tape, weights)

    def loss(point):
        batch = [point[i : i + size] for i in range(0, len(point), size)]
        outputs = naive_pooling(mode, channels, height, width, k, k if stride is None else stride, batch)
        return sum(w * y for weight_row, output in zip(weights, outputs) for w, y in zip(weight_row, output))

    check_gradient(loss, flat(images), flat(analytic), what=f"∂L/∂images ({mode} pooling)", rtol=1e-6, atol=1e-8)


@exercise("building_blocks.pool.Pool2D.backward")
def test_backward_refuses_a_gradient_of_the_wrong_width_naming_both_widths():
    layer = pool.Pool2D("average", channels=1, input_size=(4, 4), kernel_size=2)  # 4 outputs per image
    _, tape = layer.forward([IMAGE_4X4])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 2.0, 3.0]])
    assert_names(error, 3, 4)


@exercise("building_blocks.pool.Pool2D.backward")
def test_backward_refuses_a_gradient_for_a_batch_of_another_size():
    layer = pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2)
    _, tape = layer.forward([IMAGE_4X4, IMAGE_4X4, IMAGE_4X4])
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
    assert_names(error, 2, 3)  # two gradient rows for a tape of three images


@exercise("building_blocks.pool.Pool2D.backward")
def test_backward_without_a_tape_is_an_error():
    layer = pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2)
    with pytest.raises(ValueError):
        layer.backward(None, [[1.0, 2.0, 3.0, 4.0]])


@exercise("building_blocks.pool.Pool2D.backward")
def test_max_pooling_refuses_a_tape_without_a_winner_for_every_window_naming_both_counts():
    # Average pooling's tape records no winners; max pooling needs one per window, 4 here.
    _, tape = pool.Pool2D("average", channels=1, input_size=(4, 4), kernel_size=2).forward([IMAGE_4X4])
    layer = pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2)
    with pytest.raises(ValueError) as error:
        layer.backward(tape, [[1.0, 2.0, 3.0, 4.0]])
    assert_names(error, 0, 4)


# --- the constructor's checks (given code) -------------------------------------------------------


def test_a_window_larger_than_the_input_is_refused_naming_the_sizes():
    with pytest.raises(ValueError, match=r"(?s)3×3.*2×5"):
        pool.Pool2D("max", channels=1, input_size=(2, 5), kernel_size=3)


def test_an_unknown_pooling_mode_is_refused_by_name():
    with pytest.raises(ValueError, match="'min'"):
        pool.Pool2D("min", channels=1, input_size=(4, 4), kernel_size=2)


def test_a_stride_below_one_is_refused_and_pooling_has_nothing_to_learn():
    with pytest.raises(ValueError, match="stride.*0"):
        pool.Pool2D("max", channels=1, input_size=(4, 4), kernel_size=2, stride=0)
    assert pool.Pool2D("average", channels=1, input_size=(4, 4), kernel_size=2).parameters() == []
