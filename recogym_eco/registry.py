"""The one table of environments: every Gymnasium id and PettingZoo game of the suite, with defaults.

``import recogym_eco`` registers every row (:func:`register_all`). Adding an environment means adding
one :class:`EnvEntry` to :data:`ENVIRONMENTS`; the conformance test (``tests/test_conformance.py``)
then checks it with Gymnasium's and SB3's ``check_env``, PettingZoo's API tests, determinism and
mid-episode ``deepcopy``/``pickle`` replay, using ``test_kwargs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ENVIRONMENTS", "EnvEntry", "entry", "preload_in_worker_processes", "register_all"]

NAMESPACE = "recogym_eco"


@dataclass(frozen=True)
class EnvEntry:
    """One environment of the suite.

    gym_id: ``"recogym_eco/Name-vN"``; entry_point: ``"module:Class"`` of the Gymnasium face;
    pettingzoo_module: module with ``parallel_env`` and ``env`` factories (``None``: no PettingZoo face),
    registered as ``recogym_eco/<module name without _vN>-vN``; defaults: keyword arguments both faces
    start from; test_kwargs: a small, fast configuration for the conformance tests; fuzz: for the
    property-based tests, keyword -> tuple of valid values, drawn independently on top of test_kwargs
    (plain data, so the package needs no test library); vector_entry_point: ``"module:Class"`` of a
    batched :class:`gymnasium.vector.VectorEnv` that ``gymnasium.make_vec(gym_id, num_envs=N)`` builds
    (``None``: Gymnasium's sync vector env over copies of the face).
    """

    gym_id: str
    entry_point: str
    pettingzoo_module: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    test_kwargs: dict[str, Any] = field(default_factory=dict)
    fuzz: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    vector_entry_point: str | None = None

    @property
    def game_id(self) -> str | None:
        """PettingZoo registry id (``recogym_eco/creator_suggestion-v0``), or ``None``."""
        if self.pettingzoo_module is None:
            return None
        name = self.pettingzoo_module.rsplit(".", 1)[1]
        base, _, version = name.rpartition("_")
        return f"{NAMESPACE}/{base}-{version}"


ENVIRONMENTS: tuple[EnvEntry, ...] = (
    EnvEntry(
        gym_id="recogym_eco/CreatorSuggestion-v0",
        entry_point="recogym_eco.envs.creator_suggestion:CreatorSuggestionEnv",
        pettingzoo_module="recogym_eco.envs.creator_suggestion_v0",
        vector_entry_point="recogym_eco.envs.creator_suggestion_vector:CreatorSuggestionVectorEnv",
        test_kwargs=dict(num_creators=6, num_users=20, num_genres=4, horizon=8),
        fuzz=dict(num_creators=(1, 2, 7), num_users=(1, 3, 25), num_genres=(1, 2, 5), slate_size=(1, 3, 8),
                  horizon=(1, 6), trust_mean=(0.0, 0.5, 1.0), trust_std=(0.0, 1.0, 1e6),
                  trust_dynamics=("static", "clicks"), trust_prior=((1.0, 1.0), (0.01, 50.0)),
                  creator_fallback=("random_history", "most_clicked_history", "cfd", "simuline"),
                  churn_patience=(1, 10), creator_activity=(0.0, 0.8, 1.0), user_activity=(0.0, 0.8, 1.0),
                  freshness_window=(1, 3), exclude_seen=(True, False), preference_skew=(0.0, 5.0),
                  recommender=("oracle", "popularity"), estimation_noise=(0.0, 0.5),
                  skill_range=((0.6, 1.0), (1.0, 1.0), (1e-6, 1e-6)), observation=("paper", "log")),
    ),
    EnvEntry(
        gym_id="recogym_eco/CreatorSuggestion-v1",
        entry_point="recogym_eco.envs.creator_suggestion:CreatorSuggestionEnv",
        pettingzoo_module="recogym_eco.envs.creator_suggestion_v1",
        vector_entry_point="recogym_eco.envs.creator_suggestion_vector:CreatorSuggestionVectorEnv",
        defaults=dict(recommender="mf", creator_fallback="feedback", initial_genre_skew=2.0, skill_range=(0.4, 0.8),
                      skill_growth=0.1, skill_decay=0.01, trust_dynamics="relative", log_units="counts"),
        test_kwargs=dict(num_creators=6, num_users=20, num_genres=4, horizon=8),
        fuzz=dict(num_creators=(1, 2, 7), num_users=(1, 3, 25), num_genres=(1, 2, 5), slate_size=(1, 3, 8),
                  horizon=(1, 6), trust_mean=(0.0, 0.5, 1.0), trust_std=(0.0, 1.0),
                  trust_dynamics=("relative", "clicks", "static"), trust_lr=(0.05, 1.0),
                  creator_fallback=("feedback", "random_history", "simuline"), recommender=("mf", "oracle"),
                  churn_patience=(1, 10), creator_activity=(0.0, 0.8, 1.0), user_activity=(0.0, 0.8, 1.0),
                  freshness_window=(1, 3), exclude_seen=(True, False), initial_genre_skew=(None, 0.0, 2.0, 50.0),
                  skill_growth=(0.0, 0.1, 1.0), skill_decay=(0.0, 0.01, 1.0), skill_range=((0.4, 0.8), (1e-6, 1e-6)),
                  feedback_explore=(0.0, 0.1, 1.0), feedback_temperature=(1e-3, 1.0, 1e3), mf_lr=(0.05, 5.0),
                  mf_steps=(1, 3), observation=("paper", "log"), log_units=("counts", "shares"),
                  user_drift=(0.0, 0.1, 1.0), boredom_memory=(0, 2, 5), boredom_threshold=(1, 2),
                  boredom_penalty=(0.0, 0.5, 1.0)),
    ),
    EnvEntry(
        gym_id="recogym_eco/ContentCompetition-v0",
        entry_point="recogym_eco.envs.content_competition:ContentCompetitionEnv",
        pettingzoo_module="recogym_eco.envs.content_competition_v0",
        defaults=dict(preset="synthetic", mechanism="none"),
        test_kwargs=dict(preset="synthetic", mechanism="HMT", num_creators=6, cluster_sizes=(12, 8),
                         num_groups=2, top_k=3, horizon=12, epoch_length=3),
        vector_entry_point="recogym_eco.envs.content_competition_vector:ContentCompetitionVectorEnv",
    ),
    EnvEntry(
        gym_id="recogym_eco/TrialOfferMarket-v0",
        entry_point="recogym_eco.envs.trial_offer_market:TrialOfferMarketEnv",
        defaults=dict(preset="synthetic-heterogeneous"),
        test_kwargs=dict(preset="synthetic-heterogeneous", num_items=12, num_types=3, num_positions=8,
                         batch_size=20, horizon=6),
        fuzz=dict(preset=("synthetic-homogeneous", "synthetic-heterogeneous"), num_items=(1, 2, 60),
                  num_types=(1, 2, 5), num_positions=(1, 8, 50), feedback=(0.0, 0.5, 1.0, 10.0),
                  batch_size=(1, 20, 500), horizon=(1, 6), shared_ranking=(False, True),
                  initial_purchases=(1, 5), instance_seed=(0, 7), engine=("numba", "numpy")),
        vector_entry_point="recogym_eco.envs.trial_offer_market_vector:TrialOfferMarketVectorEnv",
    ),
    EnvEntry(
        gym_id="recogym_eco/UserDynamics-v0",
        entry_point="recogym_eco.envs.user_dynamics:UserDynamicsEnv",
        defaults=dict(preset="topics-dynamic"),
        test_kwargs=dict(preset="topics-dynamic", num_users=30, num_items=40, horizon=10, on_masked="resample"),
        fuzz=dict(preset=("topics-static", "topics-dynamic", "latent-static", "latent-dynamic"),
                  num_users=(2, 5, 30), num_items=(2, 3, 40), rating_frequency=(0.5, 1.0), noise=(0.0, 0.5, 5.0),
                  affinity_change=(0.0, 0.1, 1.0), boredom_penalty=(0.0, 1.0, 10.0), num_init_ratings=(0, 1),
                  horizon=(1, 10)),
    ),
    EnvEntry(
        gym_id="recogym_eco/ExposureGame-v0",
        entry_point="recogym_eco.envs.exposure_game:ExposureGameEnv",
        pettingzoo_module="recogym_eco.envs.exposure_game_v0",
        defaults=dict(demand="synthetic"),
        test_kwargs=dict(num_producers=4, num_users=30, dim=3, num_groups=2, num_epochs=3, epoch_length=2),
    ),
)


def entry(gym_id: str) -> EnvEntry:
    """The row of ``gym_id``; ``ValueError`` listing the registered ids."""
    for row in ENVIRONMENTS:
        if row.gym_id == gym_id:
            return row
    raise ValueError(f"unknown environment id {gym_id!r}; registered: {[r.gym_id for r in ENVIRONMENTS]}")


def preload_in_worker_processes() -> None:
    """Makes forkserver worker processes import ``recogym_eco`` (and so know its ids) before they run.

    SB3's ``SubprocVecEnv`` starts workers with the forkserver method; they unpickle ``gym.make(id)``
    calls without importing the package that registered ``id`` (``NamespaceNotFound`` from
    ``python -c`` or a notebook). The modules the forkserver already preloads are kept. Under the
    spawn method (Windows) use the self-importing id form ``"recogym_eco:recogym_eco/Name-vN"``.
    """
    import multiprocessing
    from multiprocessing import forkserver

    preload = list(getattr(getattr(forkserver, "_forkserver", None), "_preload_modules", None) or ["__main__"])
    if "recogym_eco" not in preload:
        multiprocessing.set_forkserver_preload([*preload, "recogym_eco"])


def register_all() -> None:
    """Registers every row with Gymnasium and PettingZoo (idempotent) and preloads the package in
    forkserver workers (:func:`preload_in_worker_processes`)."""
    import gymnasium as gym
    import pettingzoo

    preload_in_worker_processes()

    for row in ENVIRONMENTS:
        if row.gym_id not in gym.registry:
            gym.register(id=row.gym_id, entry_point=row.entry_point, vector_entry_point=row.vector_entry_point,
                         kwargs=dict(row.defaults))
        if row.game_id is None:
            continue
        for kind, factory in (("parallel", "parallel_env"), ("aec", "env")):
            if row.game_id not in getattr(pettingzoo, f"{kind}_registry"):
                pettingzoo.register(kind, row.game_id, entry_point=f"{row.pettingzoo_module}:{factory}")
