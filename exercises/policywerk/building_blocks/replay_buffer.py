"""Experience replay: a fixed-size memory of transitions, sampled uniformly for learning.

DQN (Mnih et al. 2013) learns from random minibatches of its past experience instead of from
each transition as it comes: consecutive transitions are strongly correlated, and sampling
from a large memory breaks the correlation and reuses each transition many times. The memory
is circular: once full, each new transition overwrites the oldest.
"""

from __future__ import annotations

from typing import Any

from policywerk.primitives.random import Rng


class ReplayBuffer:
    """A circular buffer of at most `capacity` items, sampled uniformly with replacement.

    >>> buffer = ReplayBuffer(capacity=2)
    >>> for item in ("a", "b", "c"):
    ...     buffer.add(item)
    >>> len(buffer), buffer.items
    (2, ['c', 'b'])
    """

    # given
    def __init__(self, capacity: int):
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            raise ValueError(f"ReplayBuffer: capacity must be an integer >= 1, got {capacity!r}")
        self.capacity = capacity
        self.items: list[Any] = []
        self.next_slot = 0  # where the next item goes once the buffer is full

    # given
    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: Any) -> None:
        """Store an item: append while there is room, then overwrite the oldest, in a circle.

        >>> buffer = ReplayBuffer(capacity=3)
        >>> for item in range(5):
        ...     buffer.add(item)
        >>> buffer.items  # 3 overwrote 0, then 4 overwrote 1
        [3, 4, 2]
        """
        raise NotImplementedError(
            'building_blocks.replay_buffer.ReplayBuffer.add is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.replay_buffer'
        )

    def sample(self, batch_size: int, rng: Rng) -> list[Any]:
        """`batch_size` items, each picked uniformly from the whole buffer (with replacement):
        items[rng.integers(0, len)], one draw per item, in order.

        Raises ValueError for an empty buffer, and naming batch_size and the number of items
        held unless 1 <= batch_size <= len (a batch larger than the buffer would have to repeat
        items, which is almost always a bug: learning started too early).

        >>> buffer = ReplayBuffer(capacity=10)
        >>> for item in "abcd":
        ...     buffer.add(item)
        >>> buffer.sample(3, Rng(0))  # draws 0.844…, 0.757…, 0.420… times 4
        ['d', 'd', 'b']
        """
        raise NotImplementedError(
            'building_blocks.replay_buffer.ReplayBuffer.sample is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check building_blocks.replay_buffer'
        )
