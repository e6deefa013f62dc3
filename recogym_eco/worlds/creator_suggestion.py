"""The creator-suggestion world (LoRe, seed 001): one simulation core behind both env faces.

A round (seed 001 Sections 3 and 5.1; DESIGN Section 3):

1. the platform sends each creator a suggestion a_c in {0 (none), 1..G (genre a_c - 1)};
2. every present creator is active with probability p_c; an active creator with a suggestion follows
   it with probability d_c (its trust), otherwise it makes the genre its creator model picks
   (``creator_fallback``: a registered :class:`~recogym_eco.components.creator_models.CreatorModel`);
3. new items join the pool; candidates are the items of the last ``freshness_window`` rounds whose
   creator is still on the platform;
4. every active user (probability p_u) gets a slate of k items: the recommender (a registered
   :class:`~recogym_eco.components.recommenders.Recommender`) scores candidates, the ranker (top-k
   unless replaced) orders them; the user clicks slate item i at position r with
   probability theta[u, genre_i] * quality_i * b(r), b(r) = 1 / log2(r + 1);
5. creators receive their reward (clicks, each weighted by the clicking user's reward weight); their
   histories update; a creator with ``churn_patience`` consecutive active rounds without a click
   leaves for good;
6. trust dynamics (``"clicks"``): followers gain ``trust_lr`` trust if the round's reward beat their
   previous one, and lose it otherwise; ``"relative"``: trust moves in proportion to the gain or loss
   against the creator's usual reward.

Off by default (v0), on in CreatorSuggestion-v1 (:mod:`recogym_eco.worlds.creator_dynamics`):
skewed initial supply, skill that grows with practice and decays without, relative trust, the
platform's logs in absolute counts; the creator model may also see what the platform showed and
what was clicked per genre (its optional ``observe_platform(shown, clicked)``).

Off by default on both ids (:mod:`recogym_eco.worlds.creator_user_dynamics`): users whose
propensities drift toward the genres they click (``user_drift``) and who tire of genres shown too
often (``boredom_memory``, ``boredom_threshold``, ``boredom_penalty``), RecLab's topics-dynamic users
(seed 002, Section 2.3). In step 4 the click probability then uses the bored propensity, and after
the clicks theta drifts and the slates enter the users' memories.

The whole state is a handful of arrays over creators, users and the (window, creator) item pool, so
a step is a few NumPy passes and many worlds can later share a leading axis.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from recogym_eco.components import creators as cm
from recogym_eco.components.creator_models import CREATOR_MODELS, CreatorModel
from recogym_eco.components.metrics import gini, shannon_entropy
from recogym_eco.components.recommenders import RECOMMENDERS, Recommender
from recogym_eco.components.ranking import EMPTY_SLOT, Ranker, RankingRequest, top_k_indices
from recogym_eco.components.users import position_bias, synthetic_preferences
from recogym_eco.components.validation import (
    as_float_array,
    check_choice,
    check_int,
    check_pair,
    check_probabilities,
    check_real,
    is_finite_real,
    is_int,
    is_real,
    require,
)
from recogym_eco.worlds import creator_dynamics as dyn
from recogym_eco.worlds import creator_suggestion_engine as engines
from recogym_eco.worlds import creator_user_dynamics as udyn

PREFERENCE_SOURCES = ("synthetic", "movielens")
OBSERVATIONS = ("paper", "log")


def _plugin(registry: Any, value: Any, config: Any) -> Any:
    """A fresh plug-in from a registered name, or a private deep copy of a user's instance."""
    return registry.create(value, config) if isinstance(value, str) else copy.deepcopy(value)


@dataclass
class CreatorSuggestionConfig:
    """Every parameter of the CreatorSuggestion world, validated once in ``__post_init__``.

    Defaults are the paper scale of seed 001 (Section 5.2): 50 creators, 100 users, 14 genres,
    slates of 5, 150 rounds, trust ~ N(0.5, 1.0) truncated to [0, 1], churn after 10 rounds.
    """

    num_creators: int = 50
    num_users: int = 100
    num_genres: int = 14
    slate_size: int = 5
    horizon: int = 150
    trust_mean: float = 0.5
    trust_std: float = 1.0
    trust_dynamics: str = "static"
    trust_lr: float = 0.05
    trust_prior: tuple[float, float] = (1.0, 1.0)
    creator_fallback: str | CreatorModel = "random_history"
    churn_patience: int = 10
    creator_activity: float | np.ndarray = 0.8
    user_activity: float | np.ndarray = 0.8
    freshness_window: int = 10
    exclude_seen: bool = True
    user_preferences: str | np.ndarray = "synthetic"
    preference_skew: float = 1.0
    interests_per_user: int | None = None
    movielens_path: str | None = None
    recommender: str | Recommender = "oracle"
    estimation_noise: float = 0.0
    skill_range: tuple[float, float] = (0.6, 1.0)
    initial_genres: tuple[int, int] | None = None
    cfd_lr: float = 0.1
    cfd_temperature: float = 0.1
    simuline_window: int = 5
    simuline_smoothing: float = 0.1
    observation: str = "paper"
    initial_genre_skew: float | None = None
    skill_growth: float = 0.0
    skill_decay: float = 0.0
    usual_reward_rate: float = 0.2
    log_units: str = "shares"
    feedback_lr: float = 0.2
    feedback_temperature: float = 1.0
    feedback_explore: float = 0.1
    feedback_imitation: float = 0.5
    mf_dim: int = 16
    mf_lr: float = 0.2
    mf_steps: int = 3
    mf_reg: float = 0.01
    user_drift: float = 0.0
    boredom_memory: int = 0
    boredom_threshold: int = 1
    boredom_penalty: float = 0.0
    engine: str = "auto"

    def __post_init__(self) -> None:
        for name in ("num_creators", "num_users", "num_genres", "slate_size", "horizon", "churn_patience",
                     "freshness_window", "simuline_window"):
            check_int(getattr(self, name), name, low=1)
        require(isinstance(self.exclude_seen, (bool, np.bool_)), "exclude_seen", "True or False",
                self.exclude_seen)
        for name, high, low_open in (("trust_mean", 1.0, False), ("trust_std", None, False),
                                     ("trust_lr", 1.0, False), ("preference_skew", None, False),
                                     ("estimation_noise", None, False), ("cfd_lr", None, False),
                                     ("cfd_temperature", None, True), ("simuline_smoothing", None, True)):
            check_real(getattr(self, name), name, low=0.0, high=high, low_open=low_open)
        check_choice(self.trust_dynamics, "trust_dynamics", cm.TRUST_DYNAMICS)
        CREATOR_MODELS.check(self.creator_fallback, "creator_fallback")
        RECOMMENDERS.check(self.recommender, "recommender")
        check_choice(self.observation, "observation", OBSERVATIONS)
        check_choice(self.engine, "engine", engines.ENGINES)
        dyn.check_v1_fields(self)
        udyn.check_user_dynamics_fields(self)
        allowed = "a pair (alpha, beta) of finite positive numbers"
        prior = check_pair(self.trust_prior, "trust_prior", allowed)
        require(all(is_finite_real(v) and v > 0 for v in prior), "trust_prior", allowed, self.trust_prior)
        allowed = "a pair (low, high) with 0 < low <= high <= 1"
        skill = check_pair(self.skill_range, "skill_range", allowed)
        require(all(is_real(v) for v in skill) and 0 < skill[0] <= skill[1] <= 1, "skill_range", allowed,
                self.skill_range)
        allowed = f"None (= (1, min(3, num_genres))) or a pair (low, high) of integers with 1 <= low <= high <= " \
                  f"num_genres ({self.num_genres})"
        if self.initial_genres is None:
            self.initial_genres = (1, min(3, self.num_genres))
        init = check_pair(self.initial_genres, "initial_genres", allowed)
        require(all(is_int(v) for v in init) and 1 <= init[0] <= init[1] <= self.num_genres, "initial_genres",
                allowed, self.initial_genres)
        if self.interests_per_user is None:
            self.interests_per_user = min(3, self.num_genres)
        require(is_int(self.interests_per_user) and 1 <= self.interests_per_user <= self.num_genres,
                "interests_per_user", f"None (= min(3, num_genres)) or an integer in [1, num_genres = "
                f"{self.num_genres}]", self.interests_per_user)
        self.creator_activity = check_probabilities(self.creator_activity, "creator_activity",
                                                    self.num_creators)
        self.user_activity = check_probabilities(self.user_activity, "user_activity", self.num_users)
        if isinstance(self.user_preferences, str):
            require(self.user_preferences in PREFERENCE_SOURCES, "user_preferences",
                    f"one of {PREFERENCE_SOURCES} or an array of shape (num_users, num_genres)",
                    self.user_preferences)
        else:
            prefs = as_float_array(self.user_preferences, "user_preferences",
                                   "an array of shape (num_users, num_genres) with values in [0, 1]")
            require(prefs.shape == (self.num_users, self.num_genres), "user_preferences",
                    f"an array of shape (num_users, num_genres) = ({self.num_users}, {self.num_genres})",
                    f"array of shape {prefs.shape}")
            require(bool(np.all(np.isfinite(prefs)) and prefs.min() >= 0 and prefs.max() <= 1),
                    "user_preferences", "an array with values in [0, 1]", "values outside [0, 1]")
            self.user_preferences = prefs

    def as_kwargs(self) -> dict[str, Any]:
        """The configuration as keyword arguments (for rebuilding an env with the same world)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def platform_observation(config: CreatorSuggestionConfig, last_genre: np.ndarray, trust_estimate: np.ndarray,
                         made: np.ndarray, click_log: np.ndarray, genre_click_log: np.ndarray,
                         genre_supply_log: np.ndarray) -> np.ndarray:
    """The platform's observation (see :meth:`CreatorSuggestionWorld.observation`) from the world's arrays,
    with any leading batch axes: ``last_genre`` (..., C), ``made`` (..., C, G), ``genre_click_log`` (..., W, G)."""
    G = config.num_genres
    obs = np.zeros((*last_genre.shape, G + 2), dtype=np.float32)
    np.put_along_axis(obs, np.where(last_genre >= 0, last_genre, G)[..., None], 1.0, axis=-1)
    obs[..., G + 1] = trust_estimate
    if config.observation == "paper":
        return obs
    demand = genre_click_log.sum(axis=-2)[..., None, :]
    if config.log_units == "counts":
        supply = genre_supply_log.sum(axis=-2)[..., None, :]
        logs = [made, click_log, np.broadcast_to(demand, made.shape), np.broadcast_to(supply, made.shape)]
        return np.concatenate([obs, *(x.astype(np.float32) for x in logs)], axis=-1)
    made_share = made / np.maximum(made.sum(axis=-1, keepdims=True), 1)
    click_share = click_log / np.maximum(click_log.sum(axis=-1, keepdims=True), 1)
    demand_share = np.broadcast_to(demand / np.maximum(demand.sum(axis=-1, keepdims=True), 1.0), made.shape)
    return np.concatenate([obs, *(x.astype(np.float32) for x in (made_share, click_share, demand_share))], axis=-1)


def check_suggestion_array(suggestions: Any, shape: tuple[int, ...], num_genres: int, name: str,
                           shape_meaning: str) -> np.ndarray:
    """Suggestions as int64 of ``shape``: integers (or integral floats) in [0, G], 0 = none, g + 1 =
    genre g; ``ValueError`` naming ``name`` and what is allowed otherwise."""
    arr = np.asarray(suggestions)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} ({shape_meaning}); got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or (np.issubdtype(arr.dtype, np.floating)
                                                      and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))):
        raise ValueError(f"{name} must hold integers in [0, {num_genres}]; got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.min(initial=0) < 0 or arr.max(initial=0) > num_genres:
        raise ValueError(f"{name} entries must be in [0, {num_genres}] (0 = no suggestion, g + 1 = suggest genre "
                         f"g); got range [{arr.min()}, {arr.max()}]")
    return arr


@dataclass
class RoundResult:
    """What one round produced; the env faces turn it into observations, rewards and ``info``."""

    clicks: float
    creator_reward: np.ndarray
    creator_clicks: np.ndarray
    exposure: np.ndarray
    user_clicks: np.ndarray
    made_genre: np.ndarray
    active: np.ndarray
    followed: np.ndarray
    ignored: np.ndarray
    departed: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


class CreatorSuggestionWorld:
    """State and dynamics of one creator-suggestion world; see the module docstring for a round."""

    def __init__(self, config: CreatorSuggestionConfig) -> None:
        self.config = config
        self.ranker: Ranker | None = None
        self.creator_model: CreatorModel = _plugin(CREATOR_MODELS, config.creator_fallback, config)
        self.recommender: Recommender = _plugin(RECOMMENDERS, config.recommender, config)
        self.reward_weights: np.ndarray = np.ones(config.num_users)
        self._bias = position_bias(config.slate_size)
        self._movielens_prefs: np.ndarray | None = None
        if isinstance(config.user_preferences, str) and config.user_preferences == "movielens":
            self._movielens_prefs = self._load_movielens_preferences()
        self.round_index = 0
        self.done = True
        self.terminated = self.truncated = False
        self.engine = "numpy"

    def _load_movielens_preferences(self) -> np.ndarray:
        from recogym_eco.data.movielens import genre_preferences, load_movielens

        prefs, _names = genre_preferences(load_movielens(self.config.movielens_path))
        num_genres = self.config.num_genres
        if num_genres > prefs.shape[1]:
            raise ValueError(f"num_genres must be <= {prefs.shape[1]} (MovieLens genres) with "
                             f"user_preferences='movielens'; got {num_genres}")
        keep = np.sort(np.argsort(-prefs.sum(axis=0), kind="stable")[:num_genres])
        return prefs[:, keep]

    # ------------------------------------------------------------------ levers
    @property
    def compiled(self) -> bool:
        """Whether this episode's rounds run in the exact compiled round (``engine`` is the one in use:
        ``"compiled"``, ``"fast"`` or ``"numpy"``)."""
        return self.engine == "compiled"

    def set_ranker(self, ranker: Ranker | None) -> None:
        """Installs a ranker on the ranking lever (``None`` restores top-k)."""
        if ranker is not None and not isinstance(ranker, Ranker):
            raise TypeError(f"ranker must implement reset(num_creators) and rank(request); got {type(ranker)!r}")
        self.ranker = ranker
        if ranker is not None:
            ranker.reset(self.config.num_creators)

    def set_reward_weights(self, weights: np.ndarray | None) -> None:
        """Sets the creator reward-weight lever: a click by user u pays its creator ``weights[u]``.

        ``weights`` is a non-negative array of shape (num_users,) (expand per-group weights with
        ``group_weights[user_groups]``); ``None`` restores plain clicks.
        """
        if weights is None:
            self.reward_weights = np.ones(self.config.num_users)
            return
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (self.config.num_users,) or not np.all(np.isfinite(w)) or w.min() < 0:
            raise ValueError(f"reward weights must be a finite non-negative array of shape "
                             f"({self.config.num_users},); got shape {w.shape}")
        self.reward_weights = w.copy()

    # ------------------------------------------------------------------ reset
    def reset(self, rng: np.random.Generator) -> None:
        """Draws a fresh population and empties the item pool, from ``rng`` only."""
        cfg = self.config
        population_rng, self.rng = rng.spawn(2)
        C, U, G, W = cfg.num_creators, cfg.num_users, cfg.num_genres, cfg.freshness_window
        if isinstance(cfg.user_preferences, np.ndarray):
            self.preferences = cfg.user_preferences.copy()
        elif self._movielens_prefs is not None:
            pool = self._movielens_prefs
            rows = population_rng.choice(pool.shape[0], size=U, replace=U > pool.shape[0])
            self.preferences = pool[rows]
        else:
            self.preferences = synthetic_preferences(population_rng, U, G, cfg.preference_skew,
                                                     cfg.interests_per_user)
        self.trust = cm.truncated_normal(population_rng, cfg.trust_mean, cfg.trust_std, C)
        self.creator_activity = np.broadcast_to(np.asarray(cfg.creator_activity, dtype=np.float64), (C,)).copy()
        self.user_activity = np.broadcast_to(np.asarray(cfg.user_activity, dtype=np.float64), (U,)).copy()
        low, high = cfg.skill_range
        self.skill = population_rng.uniform(low, high, size=(C, G))
        self.base_skill = self.skill.copy()
        if cfg.initial_genre_skew is None:
            self.made = cm.initial_history(population_rng, C, G, *cfg.initial_genres)
        else:
            self.made = dyn.skewed_initial_history(population_rng, C, G, *cfg.initial_genres, cfg.initial_genre_skew)
        self.feedback = np.zeros((C, G))
        self.creator_model.reset(population_rng, C, G)
        self.present = np.ones(C, dtype=bool)
        self.no_click_streak = np.zeros(C, dtype=np.int64)
        self.previous_reward = np.zeros(C)
        self.usual_reward = np.zeros(C)
        self.last_genre = np.full(C, -1, dtype=np.int64)
        self.last_suggestion = np.zeros(C, dtype=np.int64)
        self.last_reward = np.zeros(C)
        self.follows = np.zeros(C, dtype=np.int64)
        self.ignores = np.zeros(C, dtype=np.int64)
        self.click_log = np.zeros((C, G))
        self.genre_click_log = np.zeros((cfg.freshness_window, G))
        self.genre_supply_log = np.zeros((cfg.freshness_window, G))
        self.item_genre = np.full((W, C), -1, dtype=np.int64)
        self.item_serial = np.full((W, C), -1, dtype=np.int64)
        self.seen_slot = np.full((U, W, cfg.slate_size), -1, dtype=np.int64)
        self.seen_serial = np.full((U, W, cfg.slate_size), -1, dtype=np.int64)
        self.item_quality = np.zeros((W, C))
        self.item_clicks = np.zeros((W, C))
        self.item_impressions = np.zeros((W, C))
        self.shown_genres = np.full((U, cfg.boredom_memory, cfg.slate_size), -1, dtype=np.int64)
        self.shown_position = np.zeros(U, dtype=np.int64)
        self.round_index = 0
        self.done = self.terminated = self.truncated = False
        if self.ranker is not None:
            self.ranker.reset(C)
        self.recommender.reset(self)
        self.engine = engines.resolve(self)

    def click_propensity(self, users: np.ndarray) -> np.ndarray:
        """(n, G) the propensities theta[u, g] the users click with this round: theta itself, or with
        boredom on max(theta - lambda, 0) for the genres u is bored of
        (:func:`creator_user_dynamics.bored_propensity`)."""
        theta = self.preferences[users]
        cfg = self.config
        if cfg.boredom_memory == 0 or cfg.boredom_penalty == 0:
            return theta
        bored = udyn.bored_genres(self.shown_genres[users], cfg.num_genres, cfg.boredom_threshold)
        return udyn.bored_propensity(theta, bored, cfg.boredom_penalty)

    # ------------------------------------------------------------------ platform's knowledge
    def trust_estimate(self) -> np.ndarray:
        """Beta-smoothed maximum-likelihood follow rate: (follows + a) / (follows + ignores + a + b).

        The platform's estimate of trust from the follow/ignore events it has seen (seed 001,
        Section 4.2.3, closed form of the MLE with a Beta(a, b) prior, ``trust_prior``).
        """
        a, b = self.config.trust_prior
        return (self.follows + a) / (self.follows + self.ignores + a + b)

    def platform_log(self) -> dict[str, np.ndarray]:
        """What the platform has logged (never hidden truth such as trust or preferences).

        ``made``: items each creator has uploaded per genre (C, G); ``clicks``: clicks its items got
        per genre (C, G); ``recent_genre_clicks``: platform-wide clicks per genre over the last
        ``freshness_window`` rounds (G,); ``present``: creators still on the platform.
        """
        return {"made": self.made.copy(), "clicks": self.click_log.copy(),
                "recent_genre_clicks": self.genre_click_log.sum(axis=0), "present": self.present.copy()}

    @property
    def observation_width(self) -> int:
        """Columns per creator row: G + 2 (``"paper"``), 4 G + 2 (``"log"`` in shares) or 5 G + 2
        (``"log"`` in counts)."""
        G = self.config.num_genres
        if self.config.observation == "paper":
            return G + 2
        return 4 * G + 2 if self.config.log_units == "shares" else 5 * G + 2

    @property
    def observation_high(self) -> float:
        """Upper bound of every observation entry: 1, or infinity for logs in absolute counts."""
        counts = self.config.observation == "log" and self.config.log_units == "counts"
        return float("inf") if counts else 1.0

    def observation(self) -> np.ndarray:
        """Platform observation (C, G + 2) float32, the paper's state (seed 001, Section 4.1): one-hot
        of last round's genre with a "made nothing" slot, then the estimated trust.

        ``observation="log"`` appends, per creator, three blocks of G shares from the platform's own
        logs (all in [0, 1]): its uploads per genre / its uploads, the clicks its items got per genre /
        its clicks (0 before its first click), and platform-wide clicks per genre over the last
        ``freshness_window`` rounds / their sum (the same row for every creator). Shape (C, 4 G + 2).
        With ``log_units="counts"`` (v1) the logs are absolute counts, :func:`platform_observation`:
        uploads and clicks per genre per creator, platform-wide recent clicks and recent items per
        genre. Shape (C, 5 G + 2).
        """
        return platform_observation(self.config, self.last_genre, self.trust_estimate(), self.made, self.click_log,
                                    self.genre_click_log, self.genre_supply_log)

    # ------------------------------------------------------------------ one round
    def fallback_genres(self) -> np.ndarray:
        """The genre every creator's fallback behaviour model would pick this round, shape (C,)."""
        genres = np.asarray(self.creator_model.choose(self.rng, self.made, self.feedback))
        C, G = self.config.num_creators, self.config.num_genres
        if genres.shape != (C,) or not np.issubdtype(genres.dtype, np.integer) or genres.min(initial=0) < 0 \
                or genres.max(initial=0) >= G:
            raise ValueError(f"creator model {type(self.creator_model).__name__}.choose must return an integer "
                             f"array of shape ({C},) with genres in [0, {G - 1}]; got {genres.dtype} {genres.shape}")
        return genres

    def initial_info(self) -> dict[str, Any]:
        """The ``info`` of a reset: every key a step reports, for a round in which nothing happened yet."""
        C, U, G = self.config.num_creators, self.config.num_users, self.config.num_genres
        zeros_c = np.zeros(C)
        none = np.zeros(C, dtype=bool)
        return {"round": 0, "clicks": 0.0, "content_diversity": 0.0, "active_creators": 0,
                "present_creators": int(self.present.sum()), "genres_per_creator": (self.made > 0).sum(axis=1),
                "follow_rate": 0.0, "suggestions_sent": 0, "exposure": np.zeros(C, dtype=np.int64),
                "creator_clicks": zeros_c.copy(), "creator_reward": zeros_c.copy(), "exposure_gini": 0.0,
                "followed": none.copy(), "ignored": none.copy(), "trust_estimate": self.trust_estimate(),
                "made_genre": np.full(C, -1, dtype=np.int64), "genre_counts": np.zeros(G, dtype=np.int64),
                "departed": none.copy(), "present": self.present.copy(), "active_users": 0,
                "user_clicks": np.zeros(U), "engine": self.engine}

    def check_suggestions(self, suggestions: Any) -> np.ndarray:
        """Validates the platform's action: integers in [0, G] of shape (C,)."""
        return check_suggestion_array(suggestions, (self.config.num_creators,), self.config.num_genres, "action",
                                      "one suggestion per creator")

    def check_creator_actions(self, creator_actions: Any) -> np.ndarray:
        """Validates creator choices: -1 (use the behaviour model), 0 (skip) or g + 1, shape (C,)."""
        cfg = self.config
        arr = np.asarray(creator_actions)
        if arr.shape != (cfg.num_creators,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"creator_actions must be an integer array of shape ({cfg.num_creators},); "
                             f"got {arr.dtype} {arr.shape}")
        if arr.min() < -1 or arr.max() > cfg.num_genres:
            raise ValueError(f"creator_actions entries must be in [-1, {cfg.num_genres}]")
        return arr.astype(np.int64)

    def step(self, suggestions: Any, creator_actions: Any | None = None) -> RoundResult:
        """Plays one round; see the module docstring. Raises before changing state on bad input."""
        if self.done:
            raise RuntimeError("the episode has ended: call reset() before step()")
        cfg, rng = self.config, self.rng
        a = self.check_suggestions(suggestions)
        driven = self.check_creator_actions(creator_actions) if creator_actions is not None else None
        C, U, G, W = cfg.num_creators, cfg.num_users, cfg.num_genres, cfg.freshness_window
        if self.engine != "numpy" and driven is None and self.ranker is None:
            out = engines.play_round(self, a, self.engine)
            return self._finish_round(a, out["clicks_total"], out["reward"], out["clicks"], out["exposure"],
                                      out["user_clicks"], out["made_genre"], out["active"], out["followed"],
                                      out["ignored"], out["departed"], out["on_platform"], out["genre_counts"],
                                      out["active_users"], self.engine)

        # 1-2. creators decide what to make
        on_platform = self.present.copy()
        active = on_platform & (rng.random(C) < self.creator_activity)
        suggested = a > 0
        follow = suggested & (rng.random(C) < self.trust)
        fallback = self.fallback_genres()
        made_genre = np.where(follow, a - 1, fallback)
        if driven is not None:
            is_driven = driven >= 0
            active = np.where(is_driven, on_platform & (driven > 0), active)
            made_genre = np.where(is_driven, driven - 1, made_genre)
            follow = np.where(is_driven, suggested & (made_genre == a - 1), follow)
        made_genre = np.where(active, made_genre, -1)
        followed = active & suggested & follow
        ignored = active & suggested & ~follow

        # 3. item pool: slot (round mod W, creator)
        slot = self.round_index % W
        self.item_genre[slot] = made_genre
        self.item_serial[slot] = self.round_index * C + np.arange(C)
        self.item_quality[slot] = np.where(active, self.skill[np.arange(C), np.maximum(made_genre, 0)], 0.0)
        self.item_clicks[slot] = 0.0
        self.item_impressions[slot] = 0.0
        candidate = (self.item_genre >= 0) & self.present[None, :]
        cand_flat = np.flatnonzero(candidate.ravel())
        cand_genre = self.item_genre.ravel()[cand_flat]
        cand_creator = cand_flat % C

        # 4. recommendation and clicks
        users = np.flatnonzero(rng.random(U) < self.user_activity)
        scores = self._scores(users, cand_flat, rng)
        seen = self._seen_candidates(users, cand_flat) if cfg.exclude_seen else None
        slates = self._rank(scores, cand_genre, cand_creator, seen, rng)
        shown = slates >= 0
        items = np.append(cand_flat, 0)[np.where(shown, slates, cand_flat.size)]
        self.seen_slot[:, slot] = -1
        self.seen_slot[users, slot] = np.where(shown, items, -1)
        self.seen_serial[users, slot] = self.item_serial.ravel()[items]
        genre = self.item_genre.ravel()[items]
        theta = self.click_propensity(users)
        p_click = theta[np.arange(users.size)[:, None], genre] * self.item_quality.ravel()[items] * self._bias[None, :]
        clicked = shown & (rng.random(slates.shape) < p_click)
        self.recommender.observe(self, users, items, shown, clicked)
        udyn.drift_preferences(self.preferences, users, genre, clicked, cfg.user_drift)
        if cfg.boredom_memory > 0:
            udyn.remember_slates(self.shown_genres, self.shown_position, users, genre, shown)

        # 5. rewards, histories, churn
        creator_of = items % C
        weight = np.broadcast_to(self.reward_weights[users][:, None], slates.shape)
        creator_reward = np.bincount(creator_of[clicked], weights=weight[clicked], minlength=C).astype(np.float64)
        creator_clicks = np.bincount(creator_of[clicked], minlength=C).astype(np.float64)
        exposure = np.bincount(creator_of[shown], minlength=C)
        genre_reward = np.bincount(creator_of[clicked] * G + genre[clicked], weights=weight[clicked],
                                   minlength=C * G).reshape(C, G)
        self.item_clicks += np.bincount(items[clicked], minlength=W * C).reshape(W, C)
        self.item_impressions += np.bincount(items[shown], minlength=W * C).reshape(W, C)
        user_clicks = np.zeros(U)
        user_clicks[users] = clicked.sum(axis=1)

        self.made[np.flatnonzero(active), made_genre[active]] += 1
        self.feedback += genre_reward
        self.creator_model.update(self.made, self.feedback, genre_reward, active)
        observe_platform = getattr(self.creator_model, "observe_platform", None)
        if observe_platform is not None:
            observe_platform(np.bincount(genre[shown], minlength=G).astype(np.float64),
                             np.bincount(genre[clicked], minlength=G).astype(np.float64))
        if cfg.skill_growth > 0 or cfg.skill_decay > 0:
            self.skill = dyn.practice_skill(self.skill, self.base_skill, made_genre, active, cfg.skill_growth,
                                            cfg.skill_decay)
        if cfg.trust_dynamics == "clicks":
            self.trust = cm.update_trust(self.trust, followed, creator_reward, self.previous_reward, cfg.trust_lr)
        elif cfg.trust_dynamics == "relative":
            self.trust = dyn.relative_trust(self.trust, followed, creator_reward, self.usual_reward, cfg.trust_lr)
        self.usual_reward = dyn.update_usual_reward(self.usual_reward, creator_reward, active, cfg.usual_reward_rate)
        self.previous_reward = np.where(active, creator_reward, self.previous_reward)
        self.no_click_streak = np.where(creator_clicks > 0, 0, self.no_click_streak + (active & (creator_clicks == 0)))
        departed = self.present & (self.no_click_streak >= cfg.churn_patience)
        self.present &= ~departed
        self.follows += followed
        self.ignores += ignored
        raw_genre_clicks = np.bincount(creator_of[clicked] * G + genre[clicked], minlength=C * G).reshape(C, G)
        self.click_log += raw_genre_clicks
        self.genre_click_log[self.round_index % W] = raw_genre_clicks.sum(axis=0)
        self.genre_supply_log[self.round_index % W] = np.bincount(made_genre[active], minlength=G)
        genre_counts = np.bincount(made_genre[active], minlength=G)
        return self._finish_round(a, float(clicked.sum()), creator_reward, creator_clicks, exposure, user_clicks,
                                  made_genre, active, followed, ignored, departed, on_platform, genre_counts,
                                  int(users.size), "numpy")

    def _finish_round(self, a: np.ndarray, clicks: float, creator_reward: np.ndarray, creator_clicks: np.ndarray,
                      exposure: np.ndarray, user_clicks: np.ndarray, made_genre: np.ndarray, active: np.ndarray,
                      followed: np.ndarray, ignored: np.ndarray, departed: np.ndarray, on_platform: np.ndarray,
                      genre_counts: np.ndarray, active_users: int, engine: str) -> RoundResult:
        """The bookkeeping every engine shares after a round: last round's arrays, the clock, the end of
        the episode and ``info``."""
        self.last_genre = made_genre
        self.last_suggestion = a
        self.last_reward = creator_reward
        self.round_index += 1
        self.terminated = not bool(self.present.any())
        self.truncated = self.round_index >= self.config.horizon and not self.terminated
        self.done = self.terminated or self.truncated
        sent = int((active & (a > 0)).sum())
        info = {
            "round": self.round_index,
            "clicks": clicks,
            "content_diversity": shannon_entropy(genre_counts),
            "active_creators": int(active.sum()),
            "present_creators": int(self.present.sum()),
            "genres_per_creator": (self.made > 0).sum(axis=1),
            "follow_rate": float(followed.sum() / sent) if sent else 0.0,
            "suggestions_sent": sent,
            "exposure": exposure,
            "creator_clicks": creator_clicks,
            "creator_reward": creator_reward,
            "exposure_gini": gini(exposure[on_platform]),
            "followed": followed,
            "ignored": ignored,
            "trust_estimate": self.trust_estimate(),
            "made_genre": made_genre,
            "genre_counts": genre_counts,
            "departed": departed,
            "present": self.present.copy(),
            "active_users": active_users,
            "user_clicks": user_clicks,
            "engine": engine,
        }
        return RoundResult(clicks, creator_reward, creator_clicks, exposure, user_clicks, made_genre, active,
                           followed, ignored, departed, info)

    def _scores(self, users: np.ndarray, cand_flat: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
        """The recommender's scores, checked: a factored pair (A, b) or a dense (users, candidates) matrix."""
        out = self.recommender.score(self, users, cand_flat, rng)
        name = type(self.recommender).__name__
        if self.recommender.factored:
            affinity, weight = (np.asarray(x, dtype=np.float64) for x in out)
            if affinity.shape != (users.size, self.config.num_genres) or weight.shape != (cand_flat.size,):
                raise ValueError(f"factored recommender {name} must return A of shape ({users.size}, "
                                 f"{self.config.num_genres}) and b of shape ({cand_flat.size},); got "
                                 f"{affinity.shape} and {weight.shape}")
            if (affinity.size and not affinity.min() >= 0) or (weight.size and not weight.min() > 0):
                raise ValueError(f"factored recommender {name} must return A >= 0 and b > 0 (the exact fast "
                                 f"top-k relies on it); set factored = False for other scores")
            return affinity, weight
        scores = np.asarray(out, dtype=np.float64)
        if scores.shape != (users.size, cand_flat.size) or np.isnan(scores).any():
            raise ValueError(f"recommender {name} must return scores of shape ({users.size}, {cand_flat.size}) "
                             f"without NaN; got shape {scores.shape}")
        return scores.copy()

    def _seen_candidates(self, users: np.ndarray, cand_flat: np.ndarray) -> np.ndarray:
        """(num_users, W * k) candidate indices each user was already shown (-1 = none).

        Each seen entry keeps the pool slot and the item's serial number (round made * C +
        creator), so an entry whose slot has since been refilled no longer matches and drops out.
        """
        width = self.seen_slot.shape[1] * self.seen_slot.shape[2]
        slot = self.seen_slot[users].reshape(users.size, width)
        serial = self.seen_serial[users].reshape(users.size, width)
        slot_to_cand = np.full(self.item_serial.size + 1, -1, dtype=np.int64)
        slot_to_cand[cand_flat] = np.arange(cand_flat.size)
        valid = self.item_serial.ravel()[slot] == serial
        return np.where(valid, slot_to_cand[slot], -1)

    def _rank(self, scores: tuple[np.ndarray, np.ndarray] | np.ndarray, cand_genre: np.ndarray,
              cand_creator: np.ndarray, seen: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
        """Slates as candidate indices (num_users, k), via the installed ranker or the exact fast top-k.

        Items a user was already shown (``seen``) score -inf and are never shown again. With no
        ranker installed the top-k is computed exactly without scoring every candidate: since
        score = A[u, g] * b_i with A >= 0 and b > 0, a user's top-k lies among the k best unseen
        items of each genre (DESIGN Section 11). In genre g's list sorted by b, the user's t-th
        unseen position is p_t = t + #{i : s_i - i <= t}, s_0 < s_1 < ... the positions it has
        seen, so only G * k columns are scored per user.
        """
        k, G = self.config.slate_size, self.config.num_genres
        factored = isinstance(scores, tuple)
        num_users, num_cand = (scores[0] if factored else scores).shape[0], cand_genre.size
        rows = np.arange(num_users)[:, None]
        if num_cand == 0:
            return np.full((num_users, k), EMPTY_SLOT, dtype=np.int64)
        if self.ranker is not None or not factored:
            dense = scores[0][:, cand_genre] * scores[1][None, :] if factored else scores
            if seen is not None:
                dense[np.broadcast_to(rows, seen.shape)[seen >= 0], seen[seen >= 0]] = -np.inf
            if self.ranker is None:
                return top_k_indices(dense, k)
            request = RankingRequest(dense, cand_creator, cand_genre, self.config.num_creators, k, rng,
                                     self.round_index)
            return np.asarray(self.ranker.rank(request), dtype=np.int64)
        affinity, item_weight = scores
        order = np.lexsort((-item_weight, cand_genre))
        genre_start = np.searchsorted(cand_genre[order], np.arange(G + 1))
        position = np.empty(num_cand + 1, dtype=np.int64)
        position[order] = np.arange(num_cand) - genre_start[cand_genre[order]]
        t = np.arange(k)
        p = np.broadcast_to(t, (num_users, G, k))
        if seen is not None and seen.size:
            shift = int(num_cand).bit_length()
            item_key = np.append((cand_genre << shift) | position[:num_cand], G << shift)
            key = item_key[seen]
            key.sort(axis=1)
            genre_of = key >> shift
            group = rows * (G + 1) + genre_of
            counts = np.bincount(group.ravel(), minlength=num_users * (G + 1)).reshape(num_users, G + 1)
            group_start = np.cumsum(counts, axis=1) - counts
            q = (key & ((1 << shift) - 1)) - np.arange(key.shape[1]) + group_start.ravel()[group]
            np.clip(q, 0, k, out=q)
            below = np.bincount((group * (k + 1) + q).ravel(), minlength=num_users * (G + 1) * (k + 1))
            below = below.reshape(num_users, G + 1, k + 1)[:, :G, :k]
            for j in range(1, k):
                below[:, :, j] += below[:, :, j - 1]
            below += t
            p = below
        return self._merge_genre_lists(affinity, item_weight, order, genre_start, p)

    def _merge_genre_lists(self, affinity: np.ndarray, item_weight: np.ndarray, order: np.ndarray,
                           genre_start: np.ndarray, p: np.ndarray) -> np.ndarray:
        """k-way merge of every user's per-genre lists into its top-k slate, best first.

        ``p[u, g, t]`` is the position (in genre g's list sorted by b) of user u's t-th best unseen
        item of g; along t the scores A[u, g] * b fall, so k rounds of "take the best head, advance
        that genre" give the exact top-k in O(U * G) per round.
        """
        num_users, G, k = p.shape
        num_cand = order.size
        rows = np.arange(num_users)
        size = np.diff(genre_start)

        def heads(r: np.ndarray, g: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            inside = depth < k
            pos = p[r, g, np.minimum(depth, k - 1)]
            ok = inside & (pos < size[g])
            cand = order[np.minimum(genre_start[g] + pos, num_cand - 1)]
            return np.where(ok, affinity[r, g] * item_weight[cand], -np.inf), cand

        first = p[:, :, 0]
        head_cand = order[np.minimum(genre_start[:G] + first, num_cand - 1)]
        head_score = np.where(first < size, affinity * item_weight[head_cand], -np.inf)
        depth = np.zeros((num_users, G), dtype=np.int64)
        slates = np.full((num_users, k), EMPTY_SLOT, dtype=np.int64)
        for j in range(k):
            g = np.argmax(head_score, axis=1)
            got = head_score[rows, g] > -np.inf
            slates[:, j] = np.where(got, head_cand[rows, g], EMPTY_SLOT)
            depth[rows, g] += 1
            head_score[rows, g], head_cand[rows, g] = heads(rows, g, depth[rows, g])
        return slates
