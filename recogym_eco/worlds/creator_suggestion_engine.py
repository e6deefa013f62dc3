"""Which engine plays a CreatorSuggestion round, and the glue to the compiled one.

``engine`` (a :class:`~recogym_eco.worlds.creator_suggestion.CreatorSuggestionConfig` field):

* ``"numpy"``: :meth:`CreatorSuggestionWorld.step` in NumPy passes; every configuration and plug-in;
* ``"compiled"``: the numba round of :mod:`recogym_eco.worlds.creator_suggestion_kernel`, the same
  trajectory bit for bit, for the built-in plug-ins it knows (:func:`unsupported_reason`); elsewhere
  it falls back to ``"numpy"`` with an :class:`~recogym_eco.components.engines.EngineFallbackWarning`
  naming the reason;
* ``"fast"``: ``"compiled"`` where it applies; elsewhere, for the v1 defaults (feedback creators and
  the MF recommender), the numba round of :mod:`recogym_eco.worlds.creator_suggestion_fast_kernel`:
  the same world and draw order, but **not** the NumPy round's bits (ties in the ranking broken
  uniformly at random by a hash of item and user, its own rounding), so an episode is another
  realisation of the same world, fixed by the seed; elsewhere ``"numpy"`` with an
  ``EngineFallbackWarning``;
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
from recogym_eco.components.feedback_creators import FeedbackCreators
from recogym_eco.components.mf_recommender import MatrixFactorisationRecommender
from recogym_eco.components.pcg64 import is_pcg64
from recogym_eco.components.recommenders import OracleRecommender, PopularityRecommender

ENGINES: tuple[str, ...] = ("auto", "compiled", "fast", "numpy")
PARALLEL_USERS = 2048
"""A single world with at least this many users ranks its users in parallel threads."""

_TRUST_MODES = {"static": 0, "clicks": 1, "relative": 2}


def _shared_reason(world: Any) -> str | None:
    cfg = world.config
    if cfg.user_drift > 0 or cfg.boredom_memory > 0:
        return "user dynamics (user_drift, boredom_memory)"
    if cfg.trust_dynamics not in _TRUST_MODES:
        return f"trust_dynamics={cfg.trust_dynamics!r}"
    if not is_pcg64(world.rng):
        return f"bit generator {type(world.rng.bit_generator).__name__} (compiled: PCG64)"
    try:
        from recogym_eco.worlds import creator_suggestion_fast_kernel, creator_suggestion_kernel  # noqa: F401
    except ImportError as exc:
        return f"numba is not importable ({exc})"
    return None


def unsupported_reason(world: Any) -> str | None:
    """Why the exact compiled round cannot play this world (``None`` if it can)."""
    model = type(world.creator_model)
    if model not in (RandomHistory, MostClickedHistory):
        return f"creator model {model.__name__} (compiled: random_history, most_clicked_history)"
    recommender = world.recommender
    if type(recommender) not in (OracleRecommender, PopularityRecommender):
        return f"recommender {type(recommender).__name__} (compiled: oracle, popularity)"
    if isinstance(recommender, OracleRecommender) and recommender.noise > 0:
        return "estimation_noise > 0"
    return _shared_reason(world)


def fast_unsupported_reason(world: Any) -> str | None:
    """Why the fast round cannot play this world (``None`` if it can)."""
    if type(world.creator_model) is not FeedbackCreators:
        return f"creator model {type(world.creator_model).__name__} (fast: feedback)"
    if type(world.recommender) is not MatrixFactorisationRecommender:
        return f"recommender {type(world.recommender).__name__} (fast: mf)"
    return _shared_reason(world)


def resolve(world: Any) -> str:
    """The engine that plays this episode's rounds, ``"compiled"``, ``"fast"`` or ``"numpy"``; warns when
    the configured ``"compiled"`` or ``"fast"`` cannot play it."""
    engine = world.config.engine
    if engine == "numpy":
        return "numpy"
    reason = unsupported_reason(world)
    if reason is None:
        return "compiled"
    if engine == "fast":
        fast_reason = fast_unsupported_reason(world)
        if fast_reason is None:
            return "fast"
        reason = f"{reason}; the fast round: {fast_reason}"
    if engine in ("compiled", "fast"):
        warnings.warn(f"engine={engine!r} is unavailable for {reason}; using the 'numpy' engine instead",
                      EngineFallbackWarning, stacklevel=4)
    return "numpy"


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
"""The world's arrays the kernels read and update in place, in the kernels' argument order."""

PLUGIN_FIELDS: tuple[tuple[str, str], ...] = (
    ("recommender", "user"), ("recommender", "genre"), ("recommender", "creator"), ("recommender", "item"),
    ("recommender", "genre_bias"), ("recommender", "item_bias"), ("recommender", "serial"),
    ("creator_model", "value"), ("creator_model", "clicked"))
"""(plug-in, attribute) of the MF recommender's and the feedback creators' arrays the fast round
reads and updates in place, after :data:`STATE_FIELDS` in its argument order."""

_REBOUND = ("trust", "skill", "previous_reward", "usual_reward", "no_click_streak")
"""Arrays the NumPy round replaces rather than updates: the kernels get fresh copies, so an array a
caller kept from an earlier round is never changed under it."""


def fast_settings(world: Any) -> tuple:
    """The scalar arguments of the fast round after the position bias and the clock: trust mode and
    rates, skill rates, patience, seen rule, the MF and the feedback creators' parameters."""
    cfg = world.config
    mf, creators = world.recommender, world.creator_model
    return (_TRUST_MODES[cfg.trust_dynamics], float(cfg.trust_lr), float(cfg.usual_reward_rate),
            float(cfg.skill_growth), float(cfg.skill_decay), int(cfg.churn_patience), bool(cfg.exclude_seen),
            float(mf.lr), int(mf.steps), float(mf.reg), float(creators.lr), float(creators.temperature),
            float(creators.explore), float(creators.imitation))


def plugin_arrays(world: Any) -> list[np.ndarray]:
    """The arrays of :data:`PLUGIN_FIELDS` of ``world``, in order."""
    return [getattr(getattr(world, owner), name) for owner, name in PLUGIN_FIELDS]


def play_round(world: Any, suggestions: np.ndarray, engine: str) -> dict[str, Any]:
    """Plays one round of ``world`` in the ``"compiled"`` or ``"fast"`` kernel (its generator advanced
    as NumPy's would be) and returns the round's arrays: reward, clicks, exposure, on_platform,
    user_clicks, made_genre, active, followed, ignored, departed, genre_counts, clicks_total,
    active_users."""
    from recogym_eco.components.pcg64 import get_words, set_words

    cfg = world.config
    C, U, G = cfg.num_creators, cfg.num_users, cfg.num_genres
    for name in _REBOUND:
        setattr(world, name, np.array(getattr(world, name), copy=True))
    out = (np.zeros((4, C)), np.zeros(U), np.empty(C, dtype=np.int64), np.zeros((4, C), dtype=bool),
           np.zeros(G, dtype=np.int64))
    words = get_words(world.rng)
    state = [getattr(world, name) for name in STATE_FIELDS]
    threads = U >= PARALLEL_USERS
    if engine == "fast":
        from recogym_eco.worlds import creator_suggestion_fast_kernel as kernels

        creators = world.creator_model
        creators.value, creators.clicked = creators.value.copy(), creators.clicked.copy()
        arguments = (*state, *plugin_arrays(world), world._bias, world.round_index, *fast_settings(world))
    else:
        from recogym_eco.worlds import creator_suggestion_kernel as kernels

        arguments = (*state, world._bias, world.round_index, *kernel_settings(world))
    kernel = kernels.step_world_threads if threads else kernels.step_world
    clicks, users = kernel(words, suggestions, *arguments, threads, *out)
    set_words(world.rng, words)
    out_creator, out_user, made_genre, flags, genre_counts = out
    return {"reward": out_creator[0], "clicks": out_creator[1], "exposure": out_creator[2].astype(np.int64),
            "on_platform": out_creator[3] > 0, "user_clicks": out_user, "made_genre": made_genre,
            "active": flags[0], "followed": flags[1], "ignored": flags[2], "departed": flags[3],
            "genre_counts": genre_counts, "clicks_total": float(clicks), "active_users": int(users)}
