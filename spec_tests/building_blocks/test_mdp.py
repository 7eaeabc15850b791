"""Specs for building_blocks.mdp: the action spaces, the agent–world loop, and the World's own checks.

The rollout specs run tiny worlds built here by subclassing `mdp.World`: a corridor the agent
walks along (it terminates at the far end, and can be given a time limit that truncates it),
and a world whose start depends on the seed. Their action space is a small stand-in defined
here, so the rollout specs do not depend on the `Discrete.contains` exercise.
The statistical specs use fixed seeds and tolerances of five standard errors (see
test_random.py): a correct implementation lands outside with probability about 6·10⁻⁷ per
checked quantity.
"""

import math

import pytest

from policywerk.building_blocks import mdp
from policywerk.primitives.random import Rng
from spec_tests.reference_math import assert_names, stdlib_draws

exercise = pytest.mark.exercise


# --- tiny worlds ---------------------------------------------------------------------------------


class _Choices:
    """A stand-in action space: the listed actions and nothing else (no bools, no floats)."""

    def __init__(self, *actions):
        self.actions = actions

    def contains(self, action):
        return type(action) is int and action in self.actions

    def __repr__(self):
        return f"_Choices{self.actions}"


class _Corridor(mdp.World):
    """Cells 0 … length. Action 1 steps right, action 0 stays. Every step costs −1, except the
    one that reaches the far end, which pays +10 and terminates. With a time limit, the episode
    is truncated after that many steps unless it terminated on the last one."""

    def __init__(self, length=3, time_limit=None):
        self.action_space = _Choices(0, 1)
        self.length, self.time_limit = length, time_limit

    def _reset(self):
        self.position, self.steps = 0, 0
        return self.position

    def _step(self, action):
        self.position += action
        self.steps += 1
        terminated = self.position == self.length
        truncated = not terminated and self.time_limit is not None and self.steps >= self.time_limit
        return mdp.Step(self.position, 10.0 if terminated else -1.0, terminated, truncated, {})


class _SeededStart(mdp.World):
    """The start observation is the world's next uniform draw; any action ends the episode."""

    def __init__(self):
        self.action_space = _Choices(0)

    def _reset(self):
        return self.rng.draw()

    def _step(self, action):
        return mdp.Step("end", 1.0, True, False, {})


def _always(action):
    return lambda observation: action


# --- Discrete ------------------------------------------------------------------------------------


@exercise("building_blocks.mdp.Discrete.contains")
def test_discrete_contains_exactly_the_integers_from_zero_to_n_minus_one():
    space = mdp.Discrete(4)
    assert [space.contains(a) for a in range(4)] == [True, True, True, True]
    assert all(space.contains(a) is True for a in range(4))
    assert space.contains(4) is False
    assert space.contains(-1) is False


@exercise("building_blocks.mdp.Discrete.contains")
def test_discrete_contains_no_bools_and_no_floats_even_when_they_equal_an_action():
    space = mdp.Discrete(3)
    assert space.contains(1) is True
    assert space.contains(True) is False  # True == 1, but a bool is not an action
    assert space.contains(False) is False
    assert space.contains(1.0) is False  # 1.0 == 1, but a float is not an action
    assert space.contains("1") is False
    assert space.contains(None) is False


@exercise("building_blocks.mdp.Discrete.sample")
def test_discrete_sample_is_the_floor_of_one_draw_times_n():
    assert mdp.Discrete(4).sample(Rng(0)) == 3  # the docstring's example: ⌊0.8444…·4⌋ = 3
    for seed in range(20):
        u = stdlib_draws(seed, 1)[0]
        assert mdp.Discrete(7).sample(Rng(seed)) == math.floor(u * 7)


@exercise("building_blocks.mdp.Discrete.sample")
def test_discrete_sample_consumes_one_draw():
    rng, draws = Rng(11), stdlib_draws(11, 2)
    assert mdp.Discrete(5).sample(rng) == math.floor(draws[0] * 5)
    assert rng.draw() == draws[1]


@exercise("building_blocks.mdp.Discrete.sample")
def test_discrete_sample_gives_integers_in_the_space_with_equal_frequencies():
    space, rng, n = mdp.Discrete(4), Rng(2024), 8000
    samples = [space.sample(rng) for _ in range(n)]
    assert all(type(s) is int and 0 <= s < 4 for s in samples)
    # Each action has probability 1/4; the standard error of its frequency over 8000 samples
    # is √(0.25·0.75/8000) ≈ 0.00484, and five of them 0.0242.
    for action in range(4):
        assert samples.count(action) / n == pytest.approx(0.25, abs=0.0242)


# --- Box -----------------------------------------------------------------------------------------


@exercise("building_blocks.mdp.Box.contains")
def test_box_contains_vectors_within_the_bounds_including_the_bounds_themselves():
    space = mdp.Box(low=(-1.0, 0.0), high=(1.0, 2.0))
    assert space.contains([0.5, 1.0]) is True
    assert space.contains((0.5, 1.0)) is True  # a tuple is a sequence too
    assert space.contains([-1.0, 2.0]) is True  # the bounds are inside
    assert space.contains([0, 1]) is True  # integers are numbers
    assert space.contains([1.5, 1.0]) is False  # entry 0 above its high
    assert space.contains([0.0, -0.1]) is False  # entry 1 below its low
    assert space.contains([0.0, 2.5]) is False


@exercise("building_blocks.mdp.Box.contains")
def test_box_contains_only_vectors_of_its_length():
    space = mdp.Box(low=(-1.0, -1.0), high=(1.0, 1.0))
    assert space.contains([0.5, -1.0]) is True
    assert space.contains([0.5]) is False
    assert space.contains([0.5, 0.5, 0.5]) is False
    assert space.contains([]) is False
    assert mdp.Box(low=(0.0,), high=(1.0,)).contains(0.5) is False  # a bare number is not a vector
    assert space.contains(None) is False


@exercise("building_blocks.mdp.Box.contains")
def test_box_contains_no_nan_and_no_infinity_even_with_unbounded_sides():
    space = mdp.Box(low=(-1.0, -1.0), high=(1.0, 1.0))
    assert space.contains([0.0, 0.0]) is True
    assert space.contains([math.nan, 0.0]) is False
    assert space.contains([0.0, math.inf]) is False
    unbounded = mdp.Box(low=(-math.inf,), high=(math.inf,))
    assert unbounded.contains([1e300]) is True
    assert unbounded.contains([math.inf]) is False
    assert unbounded.contains([-math.inf]) is False
    assert unbounded.contains([math.nan]) is False


@exercise("building_blocks.mdp.Box.contains")
def test_box_contains_no_bool_entries():
    space = mdp.Box(low=(0.0, 0.0), high=(1.0, 1.0))
    assert space.contains([1, 0.5]) is True
    assert space.contains([True, 0.5]) is False  # True == 1 is in bounds, but a bool is not a number here
    assert space.contains([0.5, False]) is False
    assert space.contains(["0.5", 0.5]) is False


@exercise("building_blocks.mdp.Box.sample")
def test_box_sample_is_low_plus_a_draw_times_the_width_entry_by_entry():
    assert mdp.Box(low=(0.0,), high=(2.0,)).sample(Rng(0)) == pytest.approx([1.6888437030500962], rel=1e-12)
    u0, u1, u2 = stdlib_draws(5, 3)
    space = mdp.Box(low=(-1.0, 10.0, 3.0), high=(1.0, 20.0, 3.5))
    # entry 0 takes the first draw, entry 1 the second, entry 2 the third
    expected = [-1.0 + 2.0 * u0, 10.0 + 10.0 * u1, 3.0 + 0.5 * u2]
    sample = space.sample(Rng(5))
    assert isinstance(sample, list)
    assert sample == pytest.approx(expected, rel=1e-12)


@exercise("building_blocks.mdp.Box.sample")
def test_box_sample_consumes_one_draw_per_entry():
    rng, draws = Rng(9), stdlib_draws(9, 4)
    mdp.Box(low=(0.0, 0.0, 0.0), high=(1.0, 1.0, 1.0)).sample(rng)
    assert rng.draw() == draws[3]


@exercise("building_blocks.mdp.Box.sample")
def test_box_samples_lie_in_the_box_and_spread_over_it():
    space, rng = mdp.Box(low=(-2.0, 5.0), high=(-1.0, 9.0)), Rng(3)
    samples = [space.sample(rng) for _ in range(2000)]
    assert all(len(s) == 2 and -2.0 <= s[0] < -1.0 and 5.0 <= s[1] < 9.0 for s in samples)
    # The mean of a uniform on [a, b) is (a + b)/2 with standard deviation (b − a)/√12; over
    # 2000 samples five standard errors are 5·(b − a)/√(12·2000): 0.0323 and 0.129.
    assert math.fsum(s[0] for s in samples) / 2000 == pytest.approx(-1.5, abs=0.0323)
    assert math.fsum(s[1] for s in samples) / 2000 == pytest.approx(7.0, abs=0.129)


# --- rollout -------------------------------------------------------------------------------------


@exercise("building_blocks.mdp.rollout")
def test_rollout_records_each_step_as_a_transition_in_order():
    episode = mdp.rollout(_Corridor(length=3), _always(1))
    assert isinstance(episode, mdp.Episode)
    assert episode.transitions == [
        mdp.Transition(observation=0, action=1, reward=-1.0, next_observation=1, terminated=False, truncated=False),
        mdp.Transition(observation=1, action=1, reward=-1.0, next_observation=2, terminated=False, truncated=False),
        mdp.Transition(observation=2, action=1, reward=10.0, next_observation=3, terminated=True, truncated=False),
    ]
    assert (episode.length, episode.total_reward) == (3, 8.0)  # −1 − 1 + 10


@exercise("building_blocks.mdp.rollout")
def test_rollout_asks_the_policy_once_per_step_with_the_current_observation():
    seen = []

    def policy(observation):
        seen.append(observation)
        return 1 if len(seen) % 2 else 0  # right, stay, right, stay, …

    episode = mdp.rollout(_Corridor(length=2), policy)
    assert seen == [0, 1, 1]  # asked three times: the third step reaches the end
    assert [t.action for t in episode.transitions] == [1, 0, 1]
    assert [t.next_observation for t in episode.transitions] == [1, 1, 2]


@exercise("building_blocks.mdp.rollout")
def test_rollout_stops_when_the_episode_terminates():
    world = _Corridor(length=1)
    episode = mdp.rollout(world, _always(1), max_steps=50)
    assert episode.length == 1
    assert (episode.transitions[0].terminated, episode.transitions[0].truncated) == (True, False)
    assert world.steps == 1  # the world was never stepped past its end


@exercise("building_blocks.mdp.rollout")
def test_rollout_stops_when_a_time_limit_truncates_the_episode():
    world = _Corridor(length=10, time_limit=2)
    episode = mdp.rollout(world, _always(1), max_steps=50)
    assert [t.next_observation for t in episode.transitions] == [1, 2]
    last = episode.transitions[-1]
    assert (last.terminated, last.truncated, last.reward) == (False, True, -1.0)
    assert world.steps == 2


@exercise("building_blocks.mdp.rollout")
def test_rollout_stops_after_max_steps_even_if_the_episode_goes_on():
    world = _Corridor(length=3)
    episode = mdp.rollout(world, _always(0), max_steps=5)  # staying put never reaches the end
    assert episode.length == 5
    assert all(
        (t.observation, t.next_observation, t.terminated, t.truncated) == (0, 0, False, False)
        for t in episode.transitions
    )
    assert world.steps == 5


@exercise("building_blocks.mdp.rollout")
def test_rollout_of_max_steps_one_takes_a_single_step():
    # max_steps >= 1 is allowed, so one step is the shortest rollout there is
    world = _Corridor(length=3)
    episode = mdp.rollout(world, _always(1), max_steps=1)
    assert [(t.observation, t.action, t.next_observation) for t in episode.transitions] == [(0, 1, 1)]
    assert world.steps == 1


@exercise("building_blocks.mdp.rollout")
def test_rollout_by_default_stops_after_ten_thousand_steps():
    episode = mdp.rollout(_Corridor(length=3), _always(0))
    assert episode.length == 10_000
    assert episode.total_reward == -10_000.0


@exercise("building_blocks.mdp.rollout")
def test_rollout_resets_the_world_with_the_seed_it_is_given():
    world = _SeededStart()
    first = mdp.rollout(world, _always(0), seed=7)
    assert world.rng.seed == 7
    assert first.transitions[0].observation == stdlib_draws(7, 1)[0]
    # Without a seed, reset continues the world's generator: the next start is the second draw.
    second = mdp.rollout(world, _always(0))
    assert second.transitions[0].observation == stdlib_draws(7, 2)[1]
    # The same seed again gives the same start.
    assert mdp.rollout(world, _always(0), seed=7).transitions[0].observation == stdlib_draws(7, 1)[0]


@exercise("building_blocks.mdp.rollout")
def test_rollout_restarts_a_world_left_in_the_middle_of_an_episode():
    world = _Corridor(length=3)
    world.reset()
    world.step(1)
    world.step(1)
    episode = mdp.rollout(world, _always(1))
    assert [t.observation for t in episode.transitions] == [0, 1, 2]


@pytest.mark.parametrize(
    "max_steps",
    [
        pytest.param(0, marks=exercise("building_blocks.mdp.rollout"), id="zero"),
        pytest.param(-3, marks=exercise("building_blocks.mdp.rollout"), id="negative"),
    ],
)
def test_rollout_needs_max_steps_of_at_least_one_and_names_what_came(max_steps):
    with pytest.raises(ValueError) as error:
        mdp.rollout(_Corridor(), _always(1), max_steps=max_steps)
    assert_names(error, max_steps)


# --- the World's checks (given code) -------------------------------------------------------------


def test_a_world_cannot_be_stepped_before_reset():
    with pytest.raises(RuntimeError, match="reset"):
        _Corridor().step(1)


def test_a_world_cannot_be_stepped_after_termination_until_reset():
    world = _Corridor(length=1)
    world.reset()
    assert world.step(1).terminated
    with pytest.raises(RuntimeError, match=r"(?s)ended.*reset"):
        world.step(1)
    world.reset()
    assert world.step(0) == mdp.Step(0, -1.0, False, False, {})


def test_a_world_cannot_be_stepped_after_truncation_until_reset():
    world = _Corridor(length=10, time_limit=1)
    world.reset()
    assert world.step(1).truncated
    with pytest.raises(RuntimeError, match="ended"):
        world.step(1)


def test_an_action_outside_the_space_is_an_error_naming_the_action_and_the_space():
    world = _Corridor()
    world.reset()
    with pytest.raises(ValueError) as error:
        world.step(7)
    assert_names(error, 7, "_Choices(0, 1)")
    assert world.step(1).observation == 1  # the refused action did not move the world


@exercise("building_blocks.mdp.Discrete.contains")
def test_a_world_with_a_discrete_space_takes_its_actions_and_refuses_the_rest_by_name():
    world = _Corridor()
    world.action_space = mdp.Discrete(2)
    world.reset()
    assert world.step(0).observation == 0
    assert world.step(1).observation == 1
    for action in (2, -1, True, 1.0):  # the docstring: a bool is not an action, nor is 1.0
        assert world.action_space.contains(action) is False
        with pytest.raises(ValueError) as error:
            world.step(action)
        assert_names(error, repr(action))  # World.step (given) names the refused action


@pytest.mark.parametrize("n", [0, -3, 2.0, "4"])
def test_a_discrete_space_needs_a_positive_integer_size(n):
    # Discrete.__post_init__ is given code; the spec guards its promise of a clear error.
    with pytest.raises(ValueError, match=r"\bn\b"):
        mdp.Discrete(n)


@pytest.mark.parametrize(
    "low, high, pattern",
    [((), (), "low"), ((0.0,), (1.0, 2.0), "low"), ((1.0, 0.0), (0.0, 1.0), "low")],
    ids=["empty", "lengths differ", "low above high"],
)
def test_a_box_needs_matching_bounds_with_low_below_high(low, high, pattern):
    # Box.__post_init__ is given code: the bounds are checked once, where they enter.
    with pytest.raises(ValueError, match=pattern):
        mdp.Box(low=low, high=high)
