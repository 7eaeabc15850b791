"""Returns: what a reward sequence is worth, and the targets that value learning chases.

All functions work on one stretch of experience of T steps (it may hold several episodes)
given as parallel lists, step t being "in s_t, received r_t, landed in s_{t+1}":

    rewards[t]      r_t
    next_values[t]  V(s_{t+1}), the value of the observation step t returned
    terminated[t]   the episode ended at step t: the MDP is over, nothing follows
    truncated[t]    a time limit cut the episode at step t: the future was still there
    values[t]       V(s_t) (GAE only)

The one rule every function follows: after a termination the future is worth 0; after a
truncation, and after the last step of the stretch, it is worth next_values[t], the value of
the observation the world returned (the "final observation"). Bootstrapping on a
termination, or not bootstrapping on a truncation, biases every value learned from it.

Reference: Sutton & Barto, Reinforcement Learning: An Introduction (2nd ed.), chapters 7 and
12; Schulman et al., "High-dimensional continuous control using generalized advantage
estimation" (2016) for GAE.
"""

from __future__ import annotations

from policywerk.primitives.checks import require_unit


# given
def _require_stretch(
    rewards: list[float], next_values: list[float], terminated: list[bool], truncated: list[bool], **more: list
) -> None:
    lengths = {
        "rewards": len(rewards),
        "next_values": len(next_values),
        "terminated": len(terminated),
        "truncated": len(truncated),
    }
    lengths.update({name: len(values) for name, values in more.items()})
    if len(set(lengths.values())) > 1:
        raise ValueError(f"every list must have one entry per step, got lengths {lengths}")


def discounted_return(rewards: list[float], gamma: float) -> float:
    """G = r₀ + γ·r₁ + γ²·r₂ + … over one whole episode (nothing after its last reward).

    Computed backward, G ← r + γ·G, which needs no powers. Raises ValueError naming γ unless
    0 <= γ <= 1.

    >>> discounted_return([1.0, 0.0, 2.0], gamma=0.5)  # 1 + 0.5·0 + 0.25·2
    1.5
    """
    require_unit("gamma", gamma)
    total = 0.0
    for reward in reversed(rewards):
        total = reward + gamma * total
    return total


def returns_to_go(
    rewards: list[float], next_values: list[float], terminated: list[bool], truncated: list[bool], gamma: float
) -> list[float]:
    """The (Monte Carlo) return from every step: G_t = r_t + γ·G_{t+1}, within each episode.

    At the end of an episode or of the stretch, G_{t+1} is replaced by the future's worth:
    0 after a termination, next_values[t] after a truncation or at the stretch's last step.

    Shapes: T entries each -> T returns. Raises ValueError naming the lengths for lists of
    different lengths, and naming γ when it is outside [0, 1].

    >>> returns_to_go([1.0, 1.0], [0.0, 5.0], [False, True], [False, False], gamma=0.5)
    [1.5, 1.0]
    >>> returns_to_go([1.0, 1.0], [0.0, 5.0], [False, False], [False, True], gamma=0.5)  # cut off: bootstrap
    [2.75, 3.5]
    """
    _require_stretch(rewards, next_values, terminated, truncated)
    require_unit("gamma", gamma)
    returns = [0.0] * len(rewards)
    following = 0.0
    for t in reversed(range(len(rewards))):
        if terminated[t]:
            following = 0.0
        elif truncated[t] or t == len(rewards) - 1:
            following = next_values[t]
        following = rewards[t] + gamma * following
        returns[t] = following
    return returns


def n_step_returns(
    rewards: list[float],
    next_values: list[float],
    terminated: list[bool],
    truncated: list[bool],
    gamma: float,
    n: int,
) -> list[float]:
    """G_t^(n) = r_t + γ·r_{t+1} + … + γ^(m−1)·r_{t+m−1} + γ^m·B, with m = n steps, or fewer when
    the episode or the stretch ends first; B = 0 if the episode terminated at step t+m−1,
    else next_values[t+m−1].

    n = 1 is the one-step TD target r_t + γ·V(s_{t+1}); a large n is the Monte Carlo return.
    DQN's "multi-step" targets are these (Hessel et al. 2018).

    An n longer than what is left of the stretch stops at its last step and bootstraps there.
    Raises ValueError naming the lengths for lists of different lengths, naming γ when it is
    outside [0, 1], and naming n unless it is an integer >= 1.

    >>> n_step_returns([1.0, 1.0, 1.0], [10.0, 10.0, 10.0], [False] * 3, [False] * 3, gamma=0.5, n=2)
    [4.0, 4.0, 6.0]
    """
    _require_stretch(rewards, next_values, terminated, truncated)
    require_unit("gamma", gamma)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    size = len(rewards)
    returns = []
    for t in range(size):
        total, discount, k = 0.0, 1.0, t
        while True:  # add rewards until n of them, the episode's end, or the stretch's end
            total += discount * rewards[k]
            discount *= gamma
            if terminated[k]:
                break
            if truncated[k] or k == t + n - 1 or k == size - 1:
                total += discount * next_values[k]
                break
            k += 1
        returns.append(total)
    return returns


def lambda_returns(
    rewards: list[float],
    next_values: list[float],
    terminated: list[bool],
    truncated: list[bool],
    gamma: float,
    lam: float,
) -> list[float]:
    """The λ-return, a blend of all n-step returns: G_t^λ = (1 − λ)·Σ_n λ^(n−1)·G_t^(n),
    computed backward with the recursion

        G_t^λ = r_t + γ·[(1 − λ)·V(s_{t+1}) + λ·G_{t+1}^λ]

    where, at the end of an episode or the stretch, the bracket is 0 after a termination and
    V(s_{t+1}) = next_values[t] after a truncation or at the last step.

    λ = 0 gives the one-step TD target r_t + γ·V(s_{t+1}); λ = 1 gives `returns_to_go`.
    Raises ValueError naming the lengths for lists of different lengths, and naming γ or λ
    when it is outside [0, 1].

    >>> lambda_returns([0.0, 1.0], [2.0, 0.0], [False, True], [False, False], gamma=1.0, lam=0.5)
    [1.5, 1.0]
    >>> lambda_returns([1.0, 2.0], [3.0, 4.0], [False, False], [False, False], gamma=0.5, lam=0.5)  # the stretch ends: bootstrap
    [2.75, 4.0]
    """
    _require_stretch(rewards, next_values, terminated, truncated)
    require_unit("gamma", gamma)
    require_unit("lam", lam)
    returns = [0.0] * len(rewards)
    following = 0.0
    for t in reversed(range(len(rewards))):
        if terminated[t]:
            future = 0.0
        elif truncated[t] or t == len(rewards) - 1:
            future = next_values[t]
        else:
            future = (1.0 - lam) * next_values[t] + lam * following
        following = rewards[t] + gamma * future
        returns[t] = following
    return returns


def gae(
    rewards: list[float],
    values: list[float],
    next_values: list[float],
    terminated: list[bool],
    truncated: list[bool],
    gamma: float,
    lam: float,
) -> list[float]:
    """Generalised advantage estimates (Schulman et al. 2016): A_t = Σ_k (γλ)^k·δ_{t+k}, with
    the TD errors δ_t = r_t + γ·V(s_{t+1}) − V(s_t) and the sum running to the episode's end:

        A_t = δ_t + γλ·A_{t+1}     within an episode,
        A_t = δ_t                  at its last step (terminated, truncated, or the stretch's end),

    where V(s_{t+1}) = next_values[t], taken as 0 after a termination. On a truncation the TD
    error still bootstraps from the final observation's value: only a termination zeroes it.
    A_t + V(s_t) is the λ-return; λ = 0 gives A_t = δ_t, λ = 1 the return minus V(s_t).

    Raises ValueError naming the lengths for lists of different lengths, and naming γ or λ
    when it is outside [0, 1].

    >>> gae([1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [False, True], [False, False], gamma=0.5, lam=1.0)
    [1.5, 1.0]
    """
    _require_stretch(rewards, next_values, terminated, truncated, values=values)
    require_unit("gamma", gamma)
    require_unit("lam", lam)
    advantages = [0.0] * len(rewards)
    following = 0.0
    for t in reversed(range(len(rewards))):
        bootstrap = 0.0 if terminated[t] else gamma * next_values[t]
        td_error = rewards[t] + bootstrap - values[t]
        episode_goes_on = not (terminated[t] or truncated[t] or t == len(rewards) - 1)
        following = td_error + (gamma * lam * following if episode_goes_on else 0.0)
        advantages[t] = following
    return advantages
