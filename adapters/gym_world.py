"""A Gymnasium environment seen through policywerk's world API, so your own agents can run on it.

    from adapters.gym_world import GymnasiumWorld
    world = GymnasiumWorld("CliffWalking-v1")
    observation, info = world.reset(seed=0)
    step = world.step(1)                      # Step(observation, reward, terminated, truncated, info)

This lives outside the learning package, which stays standard-library only; it needs the
optional `gymnasium` dependency group (`uv sync --group gymnasium`). What it maps:

- spaces: Discrete(n) -> Discrete(n); a one-dimensional Box -> Box(low, high). Anything else
  (Dict, Tuple, images) is refused with a message naming the space;
- observations: an int for a Discrete space, a list of floats for a Box (numpy stays outside);
  a Box's length is also given as `observation_shape` = (n,), which the DQN reads to build
  its dense Q-network;
- actions: FrozenLake numbers its moves 0 = left, 1 = down, 2 = right, 3 = up; our grid worlds
  (like CliffWalking) use 0 = up, 1 = right, 2 = down, 3 = left, so FrozenLake's actions are
  translated both ways (ACTION_ORDERS);
- terminated and truncated pass through unchanged, as do rewards (as floats);
- toy-text environments publish their model (`unwrapped.P`): the world then also has n_states,
  states, actions, terminal_states and transitions(state, action), like our tabular worlds.
"""

from __future__ import annotations

from policywerk.building_blocks.mdp import Box, Discrete, Step, World

INSTALL = "uv sync --group gymnasium   (or: pip install gymnasium)"

# For each environment whose moves are numbered unlike ours: ORDER[our_action] = its action.
ACTION_ORDERS = {"FrozenLake": (3, 2, 1, 0)}  # our up, right, down, left -> its 3, 2, 1, 0


class MissingExtra(RuntimeError):
    """Gymnasium is not installed: the message says how to install it."""


def import_gymnasium():
    try:
        import gymnasium
    except ImportError:
        raise MissingExtra(f"this needs Gymnasium, an optional extra: {INSTALL}") from None
    return gymnasium


def map_space(space, what: str) -> Discrete | Box:
    """Our space for a Gymnasium space, or a ValueError naming the one we cannot map."""
    kind = type(space).__name__
    if kind == "Discrete" and int(getattr(space, "start", 0)) == 0:
        return Discrete(int(space.n))
    if kind == "Box" and len(space.shape) == 1:
        return Box(low=tuple(float(v) for v in space.low), high=tuple(float(v) for v in space.high))
    raise ValueError(
        f"cannot map the {what} space {space}: the adapter handles Discrete spaces starting at 0 and "
        "one-dimensional Box spaces (no Dict, Tuple or image spaces)"
    )


class GymnasiumWorld(World):
    """A Gymnasium environment with our reset/step, Step and spaces (see the module docstring)."""

    def __init__(self, env_id: str, **make_arguments):
        gymnasium = import_gymnasium()
        try:
            self.env = gymnasium.make(env_id, **make_arguments)
        except gymnasium.error.Error as error:
            raise ValueError(f"Gymnasium has no environment {env_id!r} ({error})") from None
        self.env_id = env_id
        self.action_space = map_space(self.env.action_space, "action")
        self.observation_space = map_space(self.env.observation_space, "observation")
        if isinstance(self.observation_space, Box):
            self.observation_shape = (len(self.observation_space.low),)
        self.order = next((order for name, order in ACTION_ORDERS.items() if env_id.startswith(name)), None)
        model = getattr(self.env.unwrapped, "P", None)
        if model is not None and isinstance(self.observation_space, Discrete):
            self._model = model
            self.n_states = self.observation_space.n
            self.states = list(range(self.n_states))
            self.actions = list(range(self.action_space.n))
            # The states an episode ends in: wherever a transition marked done arrives.
            self.terminal_states = frozenset(
                next_state
                for s in self.states
                for a in self.actions
                for _, next_state, _, done in self.transitions(s, a)
                if done
            )

    def _theirs(self, action):
        return self.order[action] if self.order is not None else action

    def _observation(self, observation):
        if isinstance(self.observation_space, Discrete):
            return int(observation)
        return [float(value) for value in observation]

    def reset(self, seed: int | None = None):
        self._episode_over = False
        observation, info = self.env.reset(seed=seed)
        return self._observation(observation), dict(info)

    def _step(self, action) -> Step:
        theirs = self._theirs(action) if isinstance(self.action_space, Discrete) else list(action)
        observation, reward, terminated, truncated, info = self.env.step(theirs)
        return Step(self._observation(observation), float(reward), bool(terminated), bool(truncated), dict(info))

    def transitions(self, state: int, action: int) -> list[tuple[float, int, float, bool]]:
        """The published model in our numbering: [(probability, next_state, reward, terminated)]."""
        if not hasattr(self, "_model"):
            raise ValueError(f"{self.env_id} publishes no model (transitions are for toy-text environments)")
        return [
            (float(p), int(next_state), float(reward), bool(done))
            for p, next_state, reward, done in self._model[state][self._theirs(action)]
        ]

    def close(self) -> None:
        self.env.close()
