"""The random walk of lesson 03: Sutton's (1988) chain of states, a pure prediction problem.

The five-state walk of the paper and of Sutton & Barto's Example 6.2:

    state:    0     1   2   3   4   5     6
              ◀──   A   B   C   D   E   ──▶
    reward:   0                           +1        every other step: 0

Every episode starts in the middle (C = 3) and steps left or right with probability ½ each,
until it leaves the chain: off the left end (state 0, reward 0) or off the right end (state
6, reward +1); both exits end the episode (terminated). With γ = 1 the value of a state is the
probability of leaving on the right, V = 1/6, 2/6, …, 5/6 for A … E.

The 19-state variant of Sutton & Barto's figures 7.2 and 12.3 pays −1 on the left exit and
+1 on the right; its true values are −0.9, −0.8, …, 0.9.

States are numbered 0 … size + 1: 0 the left exit, 1 … size the walk (A = 1 … E = 5), size + 1
the right exit. Observations are these numbers. Nothing here is controlled: the action space
is Discrete(1), the one action 0 means "let the walk take its step", so there is no policy to
improve and no score to normalise; the task is to *predict* the outcome.

The model is known: `transitions(state, action)` lists the two outcomes, and `true_values`
computes the values a learner should find from that model alone.

Reference: R. S. Sutton, "Learning to predict by the methods of temporal differences",
Machine Learning 3 (1988), section 3.2; Sutton & Barto, Reinforcement Learning: An
Introduction (2nd ed.), Example 6.2 and section 12.1.
"""

from __future__ import annotations

from policywerk.building_blocks.mdp import Discrete, TabularWorld

ONLY_ACTION = 0  # the walk's single action: nothing to choose
STATE_NAMES = "ABCDE"  # the five-state walk's letters, for states 1 … 5

# What render() draws in each cell.
FLOOR, LEFT_EXIT_MARK, RIGHT_EXIT_MARK, AGENT_MARK = 0.0, 0.25, 0.75, 1.0


class RandomWalk(TabularWorld):
    """A chain of `size` states between two exits, with Gymnasium's reset/step and its model.

    >>> world = RandomWalk()
    >>> world.reset(seed=0)
    (3, {})
    >>> world.step(ONLY_ACTION)  # the first draw of seed 0 is 0.844…: right
    Step(observation=4, reward=0.0, terminated=False, truncated=False, info={})
    """

    # given
    def __init__(self, size: int = 5, left_reward: float = 0.0, right_reward: float = 1.0, max_steps: int = 10_000):
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"RandomWalk: size must be an integer >= 1, got {size!r}")
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
            raise ValueError(f"RandomWalk: max_steps must be an integer >= 1, got {max_steps!r}")
        self.size = size
        self.left_reward, self.right_reward = float(left_reward), float(right_reward)
        self.max_steps = (
            max_steps  # a walk of 19 states lasts 100 steps on average; 10,000 is never reached in practice
        )
        self.n_states = size + 2
        self.states = list(range(self.n_states))
        self.actions = [ONLY_ACTION]
        self.action_space = Discrete(1)
        self.observation_space = Discrete(self.n_states)
        self.left_exit, self.right_exit = 0, size + 1
        self.start_state = (size + 1) // 2  # the middle (C for five states, 10 for nineteen)
        self.terminal_states = frozenset({self.left_exit, self.right_exit})

    def transitions(self, state: int, action: int) -> list[tuple[float, int, float, bool]]:
        """The outcomes of the walk's step from `state`: [(probability, next_state, reward, terminated)].

        From a walk state s: [(0.5, s − 1, …), (0.5, s + 1, …)], the left outcome first. A step
        onto the left exit (state 0) pays left_reward and terminates; onto the right exit
        (size + 1) pays right_reward and terminates; any other step pays 0 and goes on. An exit
        is absorbing: [(1.0, exit, 0.0, True)], as in the gridworld.

        Raises ValueError naming the state for a state that is not one of the integers
        0 … size + 1, and naming the action for an action other than 0.

        >>> RandomWalk().transitions(1, 0)  # A: off the left end, or on to B
        [(0.5, 0, 0.0, True), (0.5, 2, 0.0, False)]
        >>> RandomWalk().transitions(5, 0)  # E: back to D, or off the right end for +1
        [(0.5, 4, 0.0, False), (0.5, 6, 1.0, True)]
        """
        raise NotImplementedError(
            'world.random_walk.RandomWalk.transitions is not written yet: replace this raise with your code.'
            ' Check it with: uv run python grader.py check world.random_walk'
        )

    # given
    def render(self) -> list[list[float]]:
        """The chain as one row of size + 2 numbers: floor 0.0, left exit 0.25, right exit 0.75,
        and the walker's cell 1.0 (drawn over whatever is there).

        >>> world = RandomWalk(); _ = world.reset(seed=0)
        >>> world.render()
        [[0.25, 0.0, 0.0, 1.0, 0.0, 0.0, 0.75]]
        """
        row = [FLOOR] * self.n_states
        row[self.left_exit], row[self.right_exit] = LEFT_EXIT_MARK, RIGHT_EXIT_MARK
        walker = getattr(self, "state", None)
        if walker is not None:
            row[walker] = AGENT_MARK
        return [row]


# given
def five_state() -> RandomWalk:
    """The walk of Sutton (1988) and Sutton & Barto's Example 6.2: A … E, 0 on the left, +1 on the right."""
    return RandomWalk(size=5, left_reward=0.0, right_reward=1.0)


# given
def nineteen_state() -> RandomWalk:
    """Sutton & Barto's 19-state walk (figures 7.2, 12.3, 12.6): −1 on the left, +1 on the right."""
    return RandomWalk(size=19, left_reward=-1.0, right_reward=1.0)


# given
def only_action(observation: int) -> int:
    """The walk's "policy": there is one action, so it is always 0."""
    return ONLY_ACTION


def true_values(
    world: TabularWorld, gamma: float = 1.0, tolerance: float = 1e-13, max_sweeps: int = 100_000
) -> list[float]:
    """The values a learner should find, computed from the model alone (no sampling).

    The walk has one action, so the values solve the Bellman equation of its only policy,

        V(s) = Σ_{s'} p·(r + γ·V(s'))      (the γ·V(s') term dropped where the outcome terminates),

    with V = 0 at the exits. Start from V = 0 and sweep the non-terminal states in order,
    updating in place (each sweep already uses the values it just changed: Gauss–Seidel,
    about twice as fast as synchronous sweeps), until a sweep changes no value by
    `tolerance` or more. One entry per state number, 0.0 at terminal states.

    The walk has one action; for a world with several, this evaluates "always take the
    first action". Raises ValueError naming γ unless 0 <= γ <= 1, and naming max_sweeps
    unless it is an integer >= 1; raises RuntimeError naming max_sweeps if the values still
    move after that many sweeps (with γ = 1 a world that never ends has no finite value).

    >>> [round(v, 9) for v in true_values(RandomWalk())]  # exits, then 1/6 … 5/6
    [0.0, 0.166666667, 0.333333333, 0.5, 0.666666667, 0.833333333, 0.0]
    """
    raise NotImplementedError(
        'world.random_walk.true_values is not written yet: replace this raise with your code.'
        ' Check it with: uv run python grader.py check world.random_walk'
    )
