"""The mechanics CreatorSuggestion-v1 adds to the creator-suggestion world (DESIGN Section 3b).

Every function is vectorised over the creator population and off by default, so v0 is untouched:

* :func:`skewed_initial_history`: creators' starting genres drawn with P(g) proportional to
  (g + 1)^(-skew), supply more concentrated than demand (``initial_genre_skew``);
* :func:`practice_skill`: learning by doing and forgetting (``skill_growth``, ``skill_decay``);
* :func:`relative_trust` and :func:`update_usual_reward`: trust that moves in proportion to what
  following a suggestion gained or lost against the creator's usual reward (``trust_dynamics="relative"``);
* :func:`check_v1_fields`: validation of the fields these mechanics read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.components.users import gumbel_top_k
from recogym_eco.components.validation import check_choice, check_int, check_real

LOG_UNITS = ("shares", "counts")


def skewed_initial_history(rng: np.random.Generator, num_creators: int, num_genres: int, low: int, high: int,
                           skew: float) -> np.ndarray:
    """Seeds each creator's history with n_c ~ U{low..high} distinct genres, one item each, drawn
    without replacement with P(g) proportional to (g + 1)^(-skew) (Gumbel-top-k).

    The same power law as the users' genre popularity (:func:`recogym_eco.components.users.genre_popularity`):
    with ``skew`` above ``preference_skew`` supply starts more concentrated on the popular genres
    than demand is (issue 9, item 3; YouTube creators cluster in few categories, seed 001 Section 5.1).
    """
    counts = rng.integers(low, high + 1, size=num_creators)
    log_w = -float(skew) * np.log(np.arange(num_genres, dtype=np.float64) + 1.0)
    chosen = gumbel_top_k(np.broadcast_to(log_w, (num_creators, num_genres)), np.minimum(counts, num_genres), rng)
    return chosen.astype(np.int64)


def practice_skill(skill: np.ndarray, base: np.ndarray, made_genre: np.ndarray, active: np.ndarray,
                   growth: float, decay: float) -> np.ndarray:
    """Learning by doing (skill in the genre made grows) and forgetting (skill elsewhere decays).

    For an active creator c that made genre g: s_cg <- s_cg + growth (1 - s_cg) (the gap to the
    click model's ceiling 1 closes geometrically); every genre a present creator did not make this
    round: s_cg' <- s_cg' - decay (s_cg' - base_cg'), back toward its initial skill ``base``. The
    "skills" of Prasad, Mladenov & Boutilier's content-prompting model (research/baselines-spec.md
    Section 4) and issue 9, item 4: suggestions have delayed costs and benefits.
    """
    C, G = skill.shape
    practised = np.zeros((C, G), dtype=bool)
    rows = np.flatnonzero(active)
    practised[rows, made_genre[rows]] = True
    grown = skill + growth * (1.0 - skill)
    faded = skill - decay * (skill - base)
    return np.where(practised, grown, faded)


def update_usual_reward(usual: np.ndarray, reward: np.ndarray, active: np.ndarray, rate: float) -> np.ndarray:
    """A creator's usual reward: exponential moving average over its active rounds,
    u <- u + rate (r - u) (rate 0.2 ~ SimuLine's 5-round window, research/baselines-spec.md Section 3.3)."""
    return np.where(active, usual + rate * (reward - usual), usual)


def relative_trust(trust: np.ndarray, followed: np.ndarray, reward: np.ndarray, usual: np.ndarray,
                   lr: float) -> np.ndarray:
    """Trust moved in proportion to what following paid against the creator's usual reward.

    d <- clip(d + lr (r - u) / (u + 1), 0, 1) for creators that followed a suggestion this round
    (research/baselines-spec.md Section 4, d <- clip(d + eta (r_follow - r_bar), 0, 1), made
    scale-free by the usual reward u; the +1 keeps it finite for creators without clicks). A tie
    (r = u) leaves trust unchanged, a loss lowers it in proportion to the loss, a gain raises it.
    """
    step = lr * (reward - usual) / (usual + 1.0)
    return np.where(followed, np.clip(trust + step, 0.0, 1.0), trust)


def check_v1_fields(config: Any) -> None:
    """Validates the fields of the v1 mechanics (``ValueError`` naming the field and what is allowed)."""
    for name in ("skill_growth", "skill_decay", "usual_reward_rate", "feedback_lr", "feedback_explore",
                 "feedback_imitation"):
        check_real(getattr(config, name), name, low=0.0, high=1.0)
    for name in ("feedback_temperature", "mf_lr"):
        check_real(getattr(config, name), name, low=0.0, low_open=True)
    check_real(config.mf_reg, "mf_reg", low=0.0)
    for name in ("mf_dim", "mf_steps"):
        check_int(getattr(config, name), name, low=1)
    if config.initial_genre_skew is not None:
        check_real(config.initial_genre_skew, "initial_genre_skew", low=0.0)
    check_choice(config.log_units, "log_units", LOG_UNITS)
