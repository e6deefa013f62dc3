"""Drifting, boredom-prone users for the creator-suggestion world (seed 002 Chapter 2.3; DESIGN Section 5).

RecLab's ``topics-dynamic`` users mapped onto the genre click propensities theta[u, g] in [0, 1] of
CreatorSuggestion (genre = topic, click = consumption, theta = the rating on a [0, 1] scale). Both
mechanics are off by default, so CreatorSuggestion-v0 and -v1 keep their trajectories, and both reuse
the functions of :mod:`recogym_eco.components.user_dynamics`:

* affinity drift (``user_drift`` = a): every click on genre g by user u moves theta[u, g] up by a and
  every other genre down by a / (G - 1), the row clipped to [0, 1] (:func:`drift_topics`). Clicks
  are applied one slate position at a time, best rank first, so a user with several clicks in a
  slate drifts once per click, each step clipped as in the thesis.
* boredom (``boredom_memory`` m, ``boredom_threshold`` tau, ``boredom_penalty`` lambda): each user
  remembers the genres of its last m slates (items shown, not only clicked: the thesis's "observed",
  the rounds in which the user was active). When genre g fills at least tau of those m * k slots the
  user is bored of it and clicks it with theta_eff[u, g] = max(theta[u, g] - lambda, 0) instead of
  theta[u, g] (:func:`push_history`, :func:`boredom_flags`); the slate being shown is not counted.

The penalty is subtractive, as in the thesis's r = clip(pi(u, k_i) - lambda * 1{bored} + eps): lambda
is in the same units as theta and a (both mechanics move the same scale, as a and lambda both move the
rating in RecLab), and the clip at 0 is the thesis's clip at the bottom of the rating scale. A
multiplicative theta * (1 - lambda) would change the mechanic: weak interests would hardly be
penalised, while the thesis's absolute drop can push a bored favourite below an interest that is
not bored. Neither mechanic draws random numbers, so turning them on leaves every draw of the round
where it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.components.user_dynamics import boredom_flags, drift_topics, push_history
from recogym_eco.components.validation import check_int, check_real, require

__all__ = ["bored_genres", "bored_propensity", "check_user_dynamics_fields", "drift_preferences",
           "remember_slates"]


def check_user_dynamics_fields(config: Any) -> None:
    """Validates ``user_drift``, ``boredom_memory``, ``boredom_threshold`` and ``boredom_penalty``.

    ``ValueError`` naming the field and what is allowed; a threshold that m slates of k items can
    never reach (tau > m * k) is refused rather than silently leaving boredom off.
    """
    check_real(config.user_drift, "user_drift", low=0.0, high=1.0)
    check_int(config.boredom_memory, "boredom_memory", low=0)
    check_int(config.boredom_threshold, "boredom_threshold", low=1)
    check_real(config.boredom_penalty, "boredom_penalty", low=0.0, high=1.0)
    if config.boredom_memory > 0:
        reach = config.boredom_memory * config.slate_size
        require(config.boredom_threshold <= reach, "boredom_threshold",
                f"<= boredom_memory * slate_size = {reach} (the most items m slates can show)",
                config.boredom_threshold)


def drift_preferences(preferences: np.ndarray, users: np.ndarray, genre: np.ndarray, clicked: np.ndarray,
                      change: float) -> None:
    """Affinity drift of theta after a round, in place (seed 002 Section 2.3, topics-dynamic).

    For each click of user ``users[n]`` on the item at slate position j (genre ``genre[n, j]``), in
    order of j: theta[u, g] <- clip(theta[u, g] + a), theta[u, g'] <- clip(theta[u, g'] - a / (G - 1))
    for g' != g, clip to [0, 1]. ``users`` are distinct (one slate per active user), so each position
    is one batched :func:`drift_topics` call.
    """
    if change == 0.0:
        return
    for j in range(clicked.shape[1]):
        hit = clicked[:, j]
        drift_topics(preferences, users[hit], genre[hit, j], change, (0.0, 1.0))


def remember_slates(history: np.ndarray, position: np.ndarray, users: np.ndarray, genre: np.ndarray,
                    shown: np.ndarray) -> None:
    """Pushes each active user's slate (genres shown, -1 for empty slots) into its ring buffer of the
    last m slates, ``history`` (U, m, k), in place (:func:`push_history` with a slate per entry)."""
    push_history(history, position, users, np.where(shown, genre, -1))


def bored_genres(history: np.ndarray, num_genres: int, threshold: int) -> np.ndarray:
    """(n, G) bool: 1{genre g filled at least tau of the n users' remembered slots} (seed 002 Section 2.3).

    ``history`` (n, m, k) holds the genres of each user's last m slates (-1 = empty). Counts the slots
    equal to each genre and applies :func:`boredom_flags` to every (user, genre) pair at once.
    """
    n, width = history.shape[0], history.shape[1] * history.shape[2]
    same = history.reshape(n, 1, width) == np.arange(num_genres)[None, :, None]
    return boredom_flags(same.reshape(n * num_genres, width), threshold).reshape(n, num_genres)


def bored_propensity(theta: np.ndarray, bored: np.ndarray, penalty: float) -> np.ndarray:
    """theta_eff = max(theta - lambda * 1{bored}, 0): the click propensity of a bored user (subtractive,
    the thesis's r = clip(pi - lambda * 1{bored} + eps) on the [0, 1] scale of theta)."""
    return np.maximum(theta - penalty * bored, 0.0)
