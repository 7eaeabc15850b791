"""Our worlds against Gymnasium's, and the adapter that carries our agents over to it.

Skipped when the optional extra is absent; CI installs it after the default suite and runs
these with `uv run --group gymnasium pytest tests/test_gymnasium.py`.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

gymnasium = pytest.importorskip("gymnasium")

import treepath  # noqa: E402

if "policywerk" not in sys.modules:  # alone, these run on the reference
    treepath.use_tree("solutions")
np = pytest.importorskip("numpy")

from adapters.gym_world import GymnasiumWorld, map_space  # noqa: E402
from policywerk.building_blocks.mdp import Box, Discrete  # noqa: E402
from policywerk.world import balance, cliffworld  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_our_cliff_has_gymnasium_cliffwalkings_transition_table():
    """Every state an agent can be in, every action: the same (probability, next, reward, end)."""
    ours, theirs = cliffworld.CliffWorld(), GymnasiumWorld("CliffWalking-v1")
    for state in ours.states:
        if state in ours.terminal_states:
            continue  # our goal is absorbing; Gymnasium's table never reaches its goal row
        for action in ours.actions:
            assert ours.transitions(state, action) == theirs.transitions(state, action), (state, action)


def test_one_step_of_our_balance_world_equals_cartpoles():
    """From seeded states inside the failure bounds, both pushes: the same next state, to 1e-12."""
    env = gymnasium.make("CartPole-v1").unwrapped
    env.reset(seed=0)
    generator = random.Random(0)
    for _ in range(50):
        state = (
            generator.uniform(-2.0, 2.0),
            generator.uniform(-2.0, 2.0),
            generator.uniform(-0.2, 0.2),
            generator.uniform(-2.0, 2.0),
        )
        for action in (0, 1):
            env.state = np.array(state, dtype=np.float64)
            env.steps_beyond_terminated = None
            env.step(action)
            ours = balance.dynamics(state, balance.FORCES[action])
            assert ours == pytest.approx(tuple(float(v) for v in env.state), abs=1e-12), (state, action)


def test_the_adapter_maps_spaces_and_gives_plain_python_observations():
    cliff = GymnasiumWorld("CliffWalking-v1")
    assert (cliff.action_space, cliff.observation_space) == (Discrete(4), Discrete(48))
    observation, info = cliff.reset(seed=0)
    assert type(observation) is int and observation == 36 and isinstance(info, dict)
    cart = GymnasiumWorld("CartPole-v1")
    assert cart.action_space == Discrete(2) and isinstance(cart.observation_space, Box)
    observation, _ = cart.reset(seed=0)
    assert len(observation) == 4 and all(type(v) is float for v in observation)


def test_a_box_observation_gives_its_length_as_the_observation_shape():
    # What a network agent (the DQN) reads to size its input; tabular observations have none.
    assert GymnasiumWorld("CartPole-v1").observation_shape == (4,)
    assert not hasattr(GymnasiumWorld("CliffWalking-v1"), "observation_shape")


def test_frozenlakes_actions_are_translated_to_our_up_right_down_left():
    lake = GymnasiumWorld("FrozenLake-v1", is_slippery=False)
    # state 4 is row 1, column 0: our up (0) leads to state 0, our right (1) to state 5
    assert lake.transitions(4, 0) == [(1.0, 0, 0.0, False)]
    assert lake.transitions(4, 1)[0][1] == 5
    lake.reset(seed=0)
    assert lake.step(2).observation == 4  # our down from the start (0)


def test_termination_and_truncation_pass_through_and_a_finished_episode_refuses_steps():
    lake = GymnasiumWorld("FrozenLake-v1", is_slippery=False)
    lake.reset(seed=0)
    lake.step(1)  # right to state 1
    step = lake.step(2)  # down into the hole at state 5
    assert (step.observation, step.terminated, step.truncated) == (5, True, False)
    with pytest.raises(RuntimeError, match="episode has ended"):
        lake.step(0)
    cart = GymnasiumWorld("CartPole-v1", max_episode_steps=3)
    cart.reset(seed=0)
    steps = [cart.step(action) for action in (0, 1, 0)]
    assert [s.truncated for s in steps] == [False, False, True] and not any(s.terminated for s in steps)


def test_unsupported_spaces_and_unknown_environments_are_refused_clearly():
    with pytest.raises(ValueError, match="cannot map the observation space Tuple"):
        GymnasiumWorld("Blackjack-v1")
    with pytest.raises(ValueError, match="no environment 'NoSuchWorld-v0'"):
        GymnasiumWorld("NoSuchWorld-v0")
    with pytest.raises(ValueError, match="Dict"):
        map_space(gymnasium.spaces.Dict({"a": gymnasium.spaces.Discrete(2)}), "observation")
    with pytest.raises(ValueError, match="action 4 is not in the action space"):
        world = GymnasiumWorld("CliffWalking-v1")
        world.reset(seed=0)
        world.step(4)


def test_the_bonus_lesson_runs_in_quick_mode():
    completed = subprocess.run(
        [sys.executable, "lessons/bonus_gymnasium.py", "--quick", "--out", str(ROOT / "output")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "CliffWalking" in completed.stdout and "CartPole" in completed.stdout
