"""An upper bound on the expected clicks of an episode of the creator-suggestion world, per seed.

No policy (suggestions, ranker, reward lever, recommender) can exceed it. The argument: in round t
an active user u is shown at most k items, the item at rank r is clicked with probability
theta[u, g] * quality * b(r) <= max_g theta[u, g] * qmax_g * b(r), where qmax_g bounds the quality
of any item of genre g (its maker's skill: 1 when skill can grow toward 1, else the largest initial
skill of any creator in g, since skill never rises without growth). User u is active with probability
p_u whatever the platform does, and the population (theta, p_u, skill) is drawn from the reset seed
before any action. Summing over ranks, users and the T rounds::

    E[clicks] <= T * sum_u p_u * max_g (theta[u, g] * qmax_g) * sum_{r=1..k} b(r)

It ignores every constraint that only lowers clicks (supply actually made, trust, churn, items a
user has seen), so it bounds every policy; a policy's share of it says how much headroom is left.
Early termination (every creator gone) only lowers the left side. Boredom only lowers theta; with
``user_drift`` > 0 theta can rise to 1 over an episode, so the bound then takes max_g theta[u, g] <= 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.components.users import position_bias

__all__ = ["click_upper_bound", "round_click_upper_bound"]


def round_click_upper_bound(world: Any) -> float:
    """The bound on one round's expected clicks (see the module docstring), read after ``world.reset``."""
    cfg = world.config
    qmax = np.ones(cfg.num_genres) if cfg.skill_growth > 0 else world.base_skill.max(axis=0)
    theta = world.preferences if cfg.user_drift == 0 else np.ones_like(world.preferences)
    best = (theta * qmax[None, :]).max(axis=1)
    return float((world.user_activity * best).sum() * position_bias(cfg.slate_size).sum())


def click_upper_bound(world: Any) -> float:
    """The bound on an episode's expected clicks: ``horizon`` times :func:`round_click_upper_bound`."""
    return world.config.horizon * round_click_upper_bound(world)
