"""Specs for primitives.random: each Rng method against the standard library's draws, draw by draw.

Every method is built from uniform draws of `random.Random(seed)` and says how many it uses, so
most specs replay the same seed in the standard library and check the value (worked out by hand
from those draws) and the draw count (the next `draw()` must be the stdlib's next number).
The statistical specs use fixed seeds and tolerances of five standard errors: a correct
implementation lands outside with probability about 6·10⁻⁷ per checked quantity, so a spec with
up to a dozen such checks fails less than 1 time in 100 000.
"""

import math
import random

import pytest

from policywerk.primitives import random as pw_random
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def _draws(seed, n):
    """The first n uniform draws of the standard library generator with this seed."""
    generator = random.Random(seed)
    return [generator.random() for _ in range(n)]


def _mean_and_std(samples):
    centre = math.fsum(samples) / len(samples)
    return centre, math.sqrt(math.fsum((s - centre) ** 2 for s in samples) / len(samples))


# --- uniform -------------------------------------------------------------------------------------


@exercise("primitives.random.Rng.uniform")
def test_uniform_by_default_is_the_standard_library_draw():
    for seed in (0, 1, 42):
        assert pw_random.Rng(seed).uniform() == random.Random(seed).random()


@exercise("primitives.random.Rng.uniform")
def test_uniform_scales_the_draw_to_low_plus_u_times_the_width():
    u = _draws(7, 1)[0]
    assert pw_random.Rng(7).uniform(2.0, 5.0) == pytest.approx(2.0 + 3.0 * u, rel=1e-12)
    assert pw_random.Rng(7).uniform(-1.0, 1.0) == pytest.approx(-1.0 + 2.0 * u, rel=1e-12)


@exercise("primitives.random.Rng.uniform")
def test_uniform_consumes_one_draw():
    rng, draws = pw_random.Rng(3), _draws(3, 3)
    assert rng.uniform() == draws[0]
    assert rng.draw() == draws[1]


@exercise("primitives.random.Rng.uniform")
def test_uniform_stays_in_the_interval_and_allows_a_one_point_one():
    rng = pw_random.Rng(12)
    samples = [rng.uniform(-3.0, -1.0) for _ in range(2000)]
    assert all(-3.0 <= s < -1.0 for s in samples)
    assert max(samples) - min(samples) > 1.9  # they spread over the interval
    assert pw_random.Rng(12).uniform(4.0, 4.0) == 4.0


@exercise("primitives.random.Rng.uniform")
def test_uniform_with_low_above_high_is_an_error_naming_both_bounds():
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).uniform(5.0, 2.0)
    assert_names(error, 5.0, 2.0)


# --- integers ------------------------------------------------------------------------------------


@exercise("primitives.random.Rng.integers")
def test_integers_is_low_plus_the_floor_of_u_times_the_width():
    # seed 0 draws 0.8444…: ⌊8.444…⌋ = 8
    assert pw_random.Rng(0).integers(0, 10) == 8
    for seed in range(20):
        u = _draws(seed, 1)[0]
        assert pw_random.Rng(seed).integers(-3, 4) == -3 + math.floor(u * 7)


@exercise("primitives.random.Rng.integers")
def test_integers_consumes_one_draw():
    rng, draws = pw_random.Rng(5), _draws(5, 2)
    assert rng.integers(10, 20) == 10 + math.floor(draws[0] * 10)
    assert rng.draw() == draws[1]


@exercise("primitives.random.Rng.integers")
def test_integers_stays_in_low_to_high_excluded_and_reaches_every_value():
    rng = pw_random.Rng(9)
    values = [rng.integers(-3, 4) for _ in range(2000)]
    assert set(values) == {-3, -2, -1, 0, 1, 2, 3}
    assert all(type(value) is int for value in values)


@exercise("primitives.random.Rng.integers")
def test_integers_needs_low_below_high_and_names_both():
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).integers(7, 3)
    assert_names(error, 7, 3)
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).integers(5, 5)  # high is excluded, so [5, 5) is empty
    assert_names(error, 5)


# --- normal --------------------------------------------------------------------------------------


@exercise("primitives.random.Rng.normal")
def test_normal_is_the_box_muller_cosine_of_two_draws():
    for seed in (0, 1, 2, 3):
        u1, u2 = _draws(seed, 2)
        expected = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
        assert pw_random.Rng(seed).normal() == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert pw_random.Rng(0).normal() == pytest.approx(0.096372, abs=1e-6)  # the docstring's example


@exercise("primitives.random.Rng.normal")
def test_normal_consumes_two_draws():
    rng, draws = pw_random.Rng(4), _draws(4, 3)
    rng.normal()
    assert rng.draw() == draws[2]


@exercise("primitives.random.Rng.normal")
def test_normal_shifts_by_the_mean_and_scales_by_the_std():
    z = pw_random.Rng(8).normal()
    assert pw_random.Rng(8).normal(2.0, 3.0) == pytest.approx(2.0 + 3.0 * z, rel=1e-12)
    assert pw_random.Rng(8).normal(-1.0, 0.0) == -1.0
    assert z != 0.0


@exercise("primitives.random.Rng.normal")
def test_normal_samples_have_the_requested_mean_and_std():
    rng = pw_random.Rng(2024)
    samples = [rng.normal(2.0, 3.0) for _ in range(20000)]
    centre, spread = _mean_and_std(samples)
    # Standard errors with n = 20 000 and σ = 3: of the mean σ/√n ≈ 0.0212, of the standard
    # deviation σ/√(2n) ≈ 0.0150. Five of each: 0.106 and 0.075 (see the module docstring).
    assert centre == pytest.approx(2.0, abs=0.106)
    assert spread == pytest.approx(3.0, abs=0.075)


@exercise("primitives.random.Rng.normal")
def test_normal_with_a_negative_std_is_an_error_naming_it():
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).normal(0.0, -0.5)
    assert_names(error, -0.5)


# --- normals -------------------------------------------------------------------------------------


@exercise("primitives.random.Rng.normals")
def test_normals_uses_both_the_cosine_and_the_sine_of_each_pair():
    u1, u2, u3, u4 = _draws(6, 4)
    r1, r2 = math.sqrt(-2.0 * math.log(1.0 - u1)), math.sqrt(-2.0 * math.log(1.0 - u3))
    expected = [
        r1 * math.cos(2.0 * math.pi * u2),
        r1 * math.sin(2.0 * math.pi * u2),
        r2 * math.cos(2.0 * math.pi * u4),
    ]  # n = 3 is odd: the last sine is dropped
    assert pw_random.Rng(6).normals(3) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@exercise("primitives.random.Rng.normals")
def test_normals_starts_with_the_same_sample_as_normal_and_scales_like_it():
    # what Rng(0).normal() gives, by its docstring's formula: √(−2·ln(1 − u₁))·cos(2π·u₂)
    u1, u2 = _draws(0, 2)
    first = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    standard = pw_random.Rng(0).normals(4)
    assert standard[0] == pytest.approx(first, rel=1e-12)
    shifted = pw_random.Rng(0).normals(4, 10.0, 0.5)
    assert shifted == pytest.approx([10.0 + 0.5 * z for z in standard], rel=1e-12)


@pytest.mark.parametrize(
    ("n", "consumed"),
    [
        pytest.param(0, 0, marks=exercise("primitives.random.Rng.normals"), id="none"),
        pytest.param(1, 2, marks=exercise("primitives.random.Rng.normals"), id="one"),
        pytest.param(4, 4, marks=exercise("primitives.random.Rng.normals"), id="even"),
        pytest.param(5, 6, marks=exercise("primitives.random.Rng.normals"), id="odd"),
    ],
)
def test_normals_returns_n_samples_and_consumes_two_draws_per_pair(n, consumed):
    # 2·⌈n/2⌉ draws: the next draw is the stdlib's draw number `consumed` (counting from 0).
    rng, draws = pw_random.Rng(31), _draws(31, 7)
    samples = rng.normals(n)
    assert isinstance(samples, list) and len(samples) == n
    assert rng.draw() == draws[consumed]


@exercise("primitives.random.Rng.normals")
def test_normals_samples_have_the_requested_mean_and_std():
    samples = pw_random.Rng(77).normals(20000, -1.0, 0.5)
    centre, spread = _mean_and_std(samples)
    # σ = 0.5, n = 20 000: five standard errors are 5·σ/√n ≈ 0.0177 for the mean and
    # 5·σ/√(2n) ≈ 0.0125 for the standard deviation.
    assert centre == pytest.approx(-1.0, abs=0.0177)
    assert spread == pytest.approx(0.5, abs=0.0125)


@exercise("primitives.random.Rng.normals")
def test_normals_with_std_zero_are_all_the_mean():
    # The docstring allows std = 0: mean + 0·z is the mean, whatever the draws.
    assert pw_random.Rng(8).normals(3, 2.5, 0.0) == [2.5, 2.5, 2.5]


@exercise("primitives.random.Rng.normals")
def test_normals_rejects_a_negative_count_or_std_naming_it():
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).normals(-2)
    assert_names(error, -2)
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).normals(3, 0.0, -1.0)
    assert_names(error, -1.0)


# --- categorical ---------------------------------------------------------------------------------


@exercise("primitives.random.Rng.categorical")
def test_categorical_picks_by_the_inverse_cdf_of_one_draw():
    # weights 1, 2, 3, 4 (total 10) have running totals 1, 3, 6, 10: the threshold u·10 falls
    # below 1 -> index 0, in [1, 3) -> 1, in [3, 6) -> 2, in [6, 10) -> 3.
    picked = set()
    for seed in range(40):
        threshold = _draws(seed, 1)[0] * 10.0
        expected = 0 if threshold < 1.0 else 1 if threshold < 3.0 else 2 if threshold < 6.0 else 3
        assert pw_random.Rng(seed).categorical([1.0, 2.0, 3.0, 4.0]) == expected
        picked.add(expected)
    assert picked == {0, 1, 2, 3}  # the seeds exercise every branch


@exercise("primitives.random.Rng.categorical")
def test_categorical_consumes_one_draw():
    rng, draws = pw_random.Rng(13), _draws(13, 2)
    rng.categorical([0.5, 0.5])
    assert rng.draw() == draws[1]
    assert pw_random.Rng(13).categorical([0.5, 0.5]) == (0 if draws[0] < 0.5 else 1)


@exercise("primitives.random.Rng.categorical")
def test_categorical_never_picks_a_zero_weight():
    rng = pw_random.Rng(21)
    assert {rng.categorical([0.0, 2.5, 0.0]) for _ in range(500)} == {1}
    assert {rng.categorical([0.0, 0.0, 0.0, 7.0]) for _ in range(500)} == {3}


@exercise("primitives.random.Rng.categorical")
def test_categorical_frequencies_follow_the_weights():
    rng, n = pw_random.Rng(99), 20000
    weights = [1.0, 2.0, 3.0, 4.0]  # need not sum to 1: probabilities 0.1, 0.2, 0.3, 0.4
    counts = [0, 0, 0, 0]
    for _ in range(n):
        counts[rng.categorical(weights)] += 1
    for count, p in zip(counts, (0.1, 0.2, 0.3, 0.4)):
        # five binomial standard errors √(p(1 − p)/n): 0.0106 for p = 0.1 up to 0.0173 for 0.4
        assert count / n == pytest.approx(p, abs=5.0 * math.sqrt(p * (1.0 - p) / n))


@exercise("primitives.random.Rng.categorical")
def test_categorical_rejects_a_negative_weight_naming_it():
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).categorical([1.0, -0.5, 2.0])
    assert_names(error, -0.5)


@exercise("primitives.random.Rng.categorical")
def test_categorical_rejects_an_infinite_weight_naming_it():
    # The docstring: a non-finite weight is refused (inf would make u·W infinite too).
    with pytest.raises(ValueError) as error:
        pw_random.Rng(0).categorical([1.0, math.inf, 2.0])
    assert_names(error, math.inf)


@exercise("primitives.random.Rng.categorical")
def test_categorical_rejects_weights_that_sum_to_zero_and_no_weights():
    with pytest.raises(ValueError):
        pw_random.Rng(0).categorical([0.0, 0.0, 0.0])
    with pytest.raises(ValueError):
        pw_random.Rng(0).categorical([])


# --- shuffle -------------------------------------------------------------------------------------


@exercise("primitives.random.Rng.shuffle")
def test_shuffle_is_fisher_yates_from_the_last_position_down():
    # For i = n − 1 … 1: swap items[i] with items[j], j = ⌊u·(i + 1)⌋, one draw u each.
    for seed in (0, 1, 2):
        items, expected = list("abcdef"), list("abcdef")
        for i, u in zip(range(5, 0, -1), _draws(seed, 5)):
            j = math.floor(u * (i + 1))
            expected[i], expected[j] = expected[j], expected[i]
        pw_random.Rng(seed).shuffle(items)
        assert items == expected
    items = [1, 2, 3, 4, 5]
    pw_random.Rng(0).shuffle(items)
    assert items == [3, 1, 2, 4, 5]  # the docstring's example


@pytest.mark.parametrize(
    "length",
    [
        pytest.param(length, marks=exercise("primitives.random.Rng.shuffle"), id=f"length-{length}")
        for length in (0, 1, 2, 7)
    ],
)
def test_shuffle_consumes_one_draw_fewer_than_the_length(length):
    rng, draws = pw_random.Rng(17), _draws(17, 8)
    items = list(range(length))
    rng.shuffle(items)
    assert sorted(items) == list(range(length))
    # n − 1 draws for n >= 1 and none for an empty list; then check one more shuffle of seven
    # items moves something, so a shuffle that does nothing cannot pass the short cases.
    assert rng.draw() == draws[max(length - 1, 0)]
    longer = list(range(7))
    pw_random.Rng(17).shuffle(longer)
    assert longer != list(range(7)) and sorted(longer) == list(range(7))


@exercise("primitives.random.Rng.shuffle")
def test_shuffle_gives_a_permutation_in_place():
    items = [float(i) for i in range(20)]
    original = list(items)
    same_list = items
    pw_random.Rng(8).shuffle(items)
    assert items is same_list
    assert sorted(items) == original
    assert items != original


@exercise("primitives.random.Rng.shuffle")
def test_shuffle_makes_every_ordering_of_three_items_equally_likely():
    rng, n = pw_random.Rng(4), 6000
    counts = {}
    for _ in range(n):
        items = [0, 1, 2]
        rng.shuffle(items)
        counts[tuple(items)] = counts.get(tuple(items), 0) + 1
    assert len(counts) == 6
    # each ordering has p = 1/6; five binomial standard errors √(p(1 − p)/n) ≈ 0.024
    for count in counts.values():
        assert count / n == pytest.approx(1.0 / 6.0, abs=5.0 * math.sqrt((1 / 6) * (5 / 6) / n))


# --- choice --------------------------------------------------------------------------------------


@exercise("primitives.random.Rng.choice")
def test_choice_picks_the_item_at_the_floor_of_u_times_the_length():
    # seed 0 draws 0.8444…: ⌊0.8444…·3⌋ = 2
    assert pw_random.Rng(0).choice(["a", "b", "c"]) == "c"
    items = ["north", "east", "south", "west", "stay"]
    for seed in range(20):
        u = _draws(seed, 1)[0]
        assert pw_random.Rng(seed).choice(items) == items[math.floor(u * 5)]


@exercise("primitives.random.Rng.choice")
def test_choice_from_an_empty_list_is_refused():
    with pytest.raises(ValueError):  # the docstring: "Raises ValueError for an empty list" (it names nothing)
        pw_random.Rng(0).choice([])


@exercise("primitives.random.Rng.choice")
def test_choice_consumes_one_draw_and_reaches_every_item():
    rng, draws = pw_random.Rng(10), _draws(10, 2)
    rng.choice([1, 2, 3])
    assert rng.draw() == draws[1]
    rng = pw_random.Rng(10)
    assert {rng.choice(["x", "y", "z"]) for _ in range(300)} == {"x", "y", "z"}


@exercise("primitives.random.Rng.choice")
def test_choice_from_an_empty_list_is_an_error():
    with pytest.raises(ValueError):
        pw_random.Rng(0).choice([])


# --- reproducibility -----------------------------------------------------------------------------


def _sequence(seed, method):
    rng = pw_random.Rng(seed)
    if method == "shuffle":
        result = []
        for _ in range(20):
            items = list(range(6))
            rng.shuffle(items)
            result.append(tuple(items))
        return result
    call = {
        "uniform": lambda: rng.uniform(-1.0, 1.0),
        "integers": lambda: rng.integers(0, 1000),
        "normal": lambda: rng.normal(),
        "normals": lambda: tuple(rng.normals(3)),
        "categorical": lambda: rng.categorical([1.0, 1.0, 1.0, 1.0, 1.0]),
        "choice": lambda: rng.choice(["a", "b", "c", "d", "e"]),
    }[method]
    return [call() for _ in range(20)]


@pytest.mark.parametrize(
    "method",
    [
        pytest.param(method, marks=exercise(f"primitives.random.Rng.{method}"), id=method)
        for method in ("uniform", "integers", "normal", "normals", "categorical", "shuffle", "choice")
    ],
)
def test_the_same_seed_gives_the_same_sequence_and_another_seed_another(method):
    first = _sequence(123, method)
    assert len(set(first)) > 1  # the values vary from call to call
    assert _sequence(123, method) == first
    assert _sequence(124, method) != first


@pytest.mark.parametrize("seed", [1.5, "7", True, None])
def test_a_generator_needs_an_integer_seed(seed):
    # Rng.__init__ is given code; this spec guards the promise that every run is seeded.
    with pytest.raises(ValueError, match="seed"):
        pw_random.Rng(seed)
