"""Specs for building_blocks.replay_buffer: the circular memory of transitions and its uniform
sampling with replacement, with the seeded Rng's draws spelled out.

While there is room, `add` appends; once full, each new item overwrites the oldest, going round
in a circle. `sample(n, rng)` returns items[rng.integers(0, len)] n times, one draw each.
"""

import pytest

from policywerk.building_blocks import replay_buffer
from policywerk.primitives.random import Rng
from spec_tests.reference_math import assert_names

exercise = pytest.mark.exercise


def filled(capacity, items):
    buffer = replay_buffer.ReplayBuffer(capacity)
    for item in items:
        buffer.add(item)
    return buffer


# --- ReplayBuffer.add ----------------------------------------------------------------------------


@exercise("building_blocks.replay_buffer.ReplayBuffer.add")
def test_add_appends_while_there_is_room():
    buffer = filled(5, ["a", "b", "c"])
    assert buffer.items == ["a", "b", "c"]
    assert len(buffer) == 3


@exercise("building_blocks.replay_buffer.ReplayBuffer.add")
def test_add_to_a_full_buffer_overwrites_the_oldest_item_in_a_circle():
    buffer = filled(3, range(5))
    assert buffer.items == [3, 4, 2]  # 3 overwrote 0, then 4 overwrote 1
    assert len(buffer) == 3
    for item in (5, 6, 7):
        buffer.add(item)
    assert buffer.items == [6, 7, 5]  # 5 overwrote 2, 6 overwrote 3, 7 overwrote 4


@exercise("building_blocks.replay_buffer.ReplayBuffer.add")
def test_add_always_keeps_the_latest_capacity_items():
    for count in range(1, 30):
        buffer = filled(7, range(count))
        assert sorted(buffer.items) == list(range(max(0, count - 7), count)), count


@exercise("building_blocks.replay_buffer.ReplayBuffer.add")
def test_add_to_a_buffer_of_one_keeps_only_the_latest_item():
    buffer = filled(1, ["first", "second", "third"])
    assert buffer.items == ["third"]


@exercise("building_blocks.replay_buffer.ReplayBuffer.add")
def test_add_stores_the_item_itself():
    transition = {"observation": [0.0, 1.0], "action": 2, "reward": -1.0}
    buffer = filled(2, [transition])
    assert buffer.items[0] is transition


# --- ReplayBuffer.sample -------------------------------------------------------------------------


@exercise("building_blocks.replay_buffer.ReplayBuffer.sample")
def test_sample_picks_items_by_one_integer_draw_each():
    # Seed 0's first draws are 0.844…, 0.757…, 0.420…: times 4 they floor to 3, 3, 1.
    assert filled(10, "abcd").sample(3, Rng(0)) == ["d", "d", "b"]


@exercise("building_blocks.replay_buffer.ReplayBuffer.sample")
def test_sample_of_one_item_is_a_list_of_one():
    # batch_size 1 is in range (1 to the items held): seed 0's first draw 0.844… times 4 floors to 3.
    assert filled(10, "abcd").sample(1, Rng(0)) == ["d"]


@exercise("building_blocks.replay_buffer.ReplayBuffer.sample")
def test_sample_follows_the_rngs_integers_and_uses_one_draw_per_item():
    buffer = filled(6, range(100, 109))  # holds 106, 107, 108, 103, 104, 105
    for seed in range(10):
        rng, reference = Rng(seed), Rng(seed)
        batch = buffer.sample(5, rng)
        assert batch == [buffer.items[reference.integers(0, 6)] for _ in range(5)]
        assert rng.draw() == reference.draw()  # nothing else was drawn


@exercise("building_blocks.replay_buffer.ReplayBuffer.sample")
def test_sample_leaves_the_buffer_as_it_was():
    buffer = filled(4, ["a", "b", "c"])
    batch = buffer.sample(3, Rng(1))
    assert len(batch) == 3 and set(batch) <= {"a", "b", "c"}
    assert buffer.items == ["a", "b", "c"]


@exercise("building_blocks.replay_buffer.ReplayBuffer.sample")
def test_sample_reaches_every_item_about_equally_often():
    buffer = filled(4, ["a", "b", "c", "d"])
    rng = Rng(7)
    counts = dict.fromkeys("abcd", 0)
    for _ in range(1000):
        for item in buffer.sample(4, rng):
            counts[item] += 1
    # 4000 picks, 1000 expected each, standard deviation √(4000·¼·¾) ≈ 27: allow 5 of them
    assert all(abs(count - 1000) < 140 for count in counts.values()), counts


@exercise("building_blocks.replay_buffer.ReplayBuffer.sample")
def test_sample_from_an_empty_buffer_is_an_error():
    with pytest.raises(ValueError):
        replay_buffer.ReplayBuffer(5).sample(1, Rng(0))


@pytest.mark.parametrize(
    "batch_size",
    [
        pytest.param(n, marks=exercise("building_blocks.replay_buffer.ReplayBuffer.sample"), id=str(n))
        for n in (4, 0, -2)
    ],
)
def test_sample_refuses_a_batch_size_outside_one_to_the_items_held_naming_both(batch_size):
    buffer = filled(10, "abc")
    with pytest.raises(ValueError) as error:
        buffer.sample(batch_size, Rng(0))
    assert_names(error, batch_size, 3)  # and the 3 items held


# --- the constructor's checks (given code) -------------------------------------------------------


@pytest.mark.parametrize("capacity", [0, -1, 2.5, True])
def test_a_capacity_that_is_not_a_positive_integer_is_refused_naming_it(capacity):
    with pytest.raises(ValueError, match=f"capacity.*{capacity!r}"):
        replay_buffer.ReplayBuffer(capacity)
