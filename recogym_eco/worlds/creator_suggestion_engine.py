"""Which engine plays a CreatorSuggestion round, and the glue to the compiled one.

``engine`` (a :class:`~recogym_eco.worlds.creator_suggestion.CreatorSuggestionConfig` field):

* ``"numpy"``: :meth:`CreatorSuggestionWorld.step` in NumPy passes; every configuration and plug-in;
* ``"compiled"``: the numba round of :mod:`recogym_eco.worlds.creator_suggestion_kernel`, the same
  trajectory bit for bit, for the built-in plug-ins it knows (:func:`unsupported_reason`); elsewhere
  it falls back to ``"numpy"`` with an :class:`~recogym_eco.components.engines.EngineFallbackWarning`
  naming the reason;
* ``"auto"`` (default): ``"compiled"`` where it applies, else ``"numpy"`` silently.

A round whose ranking lever is in use (an installed ranker) or whose creators are driven by the
PettingZoo face always runs on NumPy; ``info["engine"]`` says which engine played the round.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from recogym_eco.components.creator_models import MostClickedHistory, RandomHistory
from recogym_eco.components.engines import EngineFallbackWarning
from recogym_eco.components.pcg64 import is_pcg64
from recogym_eco.components.recommenders import OracleRecommender, PopularityRecommender

ENGINES: tuple[str, ...] = ("auto", "compiled", "numpy")
PARALLEL_USERS = 2048
"""A single world with at least this many users ranks its users in parallel threads."""

_TRUST_MODES = {"static": 0, "clicks": 1, "relative": 2}


def unsupported_reason(world: Any) -> str | None:
    """Why the compiled round cannot play this world (``None`` if it can)."""
    cfg = world.config
    model = type(world.creator_model)
    if model not in (RandomHistory, MostClickedHistory):
        return f"creator model {model.__name__} (compiled: random_history, most_clicked_history)"
    recommender = world.recommender
    if type(recommender) not in (OracleRecommender, PopularityRecommender):
        return f"recommender {type(recommender).__name__} (compiled: oracle, popularity)"
    if isinstance(recommender, OracleRecommender) and recommender.noise > 0:
        return "estimation_noise > 0"
    if cfg.user_drift > 0 or cfg.boredom_memory > 0:
        return "user dynamics (user_drift, boredom_memory)"
    if cfg.trust_dynamics not in _TRUST_MODES:
        return f"trust_dynamics={cfg.trust_dynamics!r}"
    if not is_pcg64(world.rng):
        return f"bit generator {type(world.rng.bit_generator).__name__} (compiled: PCG64)"
    try:
        from recogym_eco.worlds import creator_suggestion_kernel  # noqa: F401
    except ImportError as exc:
        return f"numba is not importable ({exc})"
    return None


def resolve(world: Any) -> bool:
    """Whether this episode's rounds run compiled; warns when ``engine="compiled"`` cannot."""
    engine = world.config.engine
    if engine == "numpy":
        return False
    reason = unsupported_reason(world)
    if reason is not None and engine == "compiled":
        warnings.warn(f"engine='compiled' is unavailable for {reason}; using the 'numpy' engine instead",
                      EngineFallbackWarning, stacklevel=4)
    return reason is None


def kernel_settings(world: Any) -> tuple:
    """The scalar arguments of the kernel: model, recommender, trust mode and rates, patience, seen rule."""
    from recogym_eco.worlds import creator_suggestion_kernel as kern

    cfg = world.config
    model = kern.MODEL_MOST_CLICKED if isinstance(world.creator_model, MostClickedHistory) else \
        kern.MODEL_RANDOM_HISTORY
    recommender = kern.RECOMMENDER_POPULARITY if isinstance(world.recommender, PopularityRecommender) else \
        kern.RECOMMENDER_ORACLE
    return (model, recommender, _TRUST_MODES[cfg.trust_dynamics], float(cfg.trust_lr), float(cfg.usual_reward_rate),
            float(cfg.skill_growth), float(cfg.skill_decay), int(cfg.churn_patience), bool(cfg.exclude_seen))


STATE_FIELDS: tuple[str, ...] = (
    "present", "creator_activity", "trust", "skill", "base_skill", "made", "feedback", "no_click_streak",
    "previous_reward", "usual_reward", "follows", "ignores", "click_log", "genre_click_log", "genre_supply_log",
    "item_genre", "item_serial", "item_quality", "item_clicks", "item_impressions", "seen_slot", "seen_serial",
    "preferences", "user_activity", "reward_weights")
"""The world's arrays the kernel reads and updates in place, in the kernel's argument order."""


def compiled_round(world: Any, suggestions: np.ndarray) -> dict[str, Any]:
    """Plays one round of ``world`` in the kernel (its generator advanced as NumPy would) and returns
    the round's arrays: reward, clicks, exposure, on_platform, user_clicks, made_genre, active,
    followed, ignored, departed, genre_counts, clicks_total, active_users."""
    from recogym_eco.components.pcg64 import get_words, set_words
    from recogym_eco.worlds.creator_suggestion_kernel import step_world

    cfg = world.config
    C, U, G = cfg.num_creators, cfg.num_users, cfg.num_genres
    for name in ("trust", "skill", "previous_reward", "usual_reward", "no_click_streak"):
        setattr(world, name, np.array(getattr(world, name), copy=True))
    out_creator = np.zeros((4, C))
    out_user = np.zeros(U)
    made_genre = np.empty(C, dtype=np.int64)
    flags = np.zeros((4, C), dtype=bool)
    genre_counts = np.zeros(G, dtype=np.int64)
    words = get_words(world.rng)
    clicks, users = step_world(words, suggestions, *(getattr(world, name) for name in STATE_FIELDS), world._bias,
                               world.round_index, *kernel_settings(world), U >= PARALLEL_USERS,
                               out_creator, out_user, made_genre, flags, genre_counts)
    set_words(world.rng, words)
    return {"reward": out_creator[0], "clicks": out_creator[1], "exposure": out_creator[2].astype(np.int64),
            "on_platform": out_creator[3] > 0, "user_clicks": out_user, "made_genre": made_genre,
            "active": flags[0], "followed": flags[1], "ignored": flags[2], "departed": flags[3],
            "genre_counts": genre_counts, "clicks_total": float(clicks), "active_users": int(users)}
