"""The user-dynamics world (RecLab, seed 002 Chapter 2): a platform recommends items to online users.

One step (Section 2.3 and 2.6 of seed 002; DESIGN Section 5):

1. the platform gives each of the ``n_online`` online users one item (``action[j]`` for the j-th
   online user); an item the user has already rated (initial survey or an earlier recommendation)
   is *masked*: with ``on_masked="raise"`` (default) choosing one raises ``ValueError`` naming the
   user and the item before any state changes; with ``on_masked="resample"`` it is replaced by an
   unmasked item drawn uniformly by the world's generator and counted in ``info["masked_replaced"]``;
2. each online user rates its item (the user model's rating rule, with boredom from its memory);
3. the user model updates (affinity drift; the item enters the user's memory);
4. the platform's observation gains the ratings; the catalogue coverage and consumption profiles
   update;
5. the next online users are drawn uniformly without replacement (``rating_frequency`` of all users)
   among the users who have not rated every item yet.

The episode truncates after ``horizon`` steps and terminates early when fewer than ``n_online`` users
have an unrated item left. Reset draws the population and an initial uniform sample of ``num_init_ratings`` (user, item)
pairs without replacement, rated by the initial users without dynamics (RecLab instead runs its
dynamics through the initial sample; here it is a survey of the starting preferences).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from recogym_eco.components.user_dynamics import LatentUsers, TopicUsers, fit_movielens_latent, synthetic_latent_parameters

MODELS = ("topics", "latent", "ml-100k")
ON_MASKED = ("raise", "resample")
_STATIC = dict(affinity_change=0.0, memory_length=0, boredom_threshold=0, boredom_penalty=0.0)
PRESETS: dict[str, dict[str, Any]] = {
    "topics-static": dict(model="topics", num_users=1000, num_items=1700, num_topics=19, noise=0.5, **_STATIC),
    # RecLab's topics-dynamic-v1 uses threshold 2 with a strict "count > 2": at least 3 in our >= form
    "topics-dynamic": dict(model="topics", num_users=1000, num_items=1700, num_topics=19, noise=0.5,
                           affinity_change=0.1, memory_length=5, boredom_threshold=3, boredom_penalty=1.0),
    "latent-static": dict(model="latent", num_users=1000, num_items=1700, latent_dim=100, noise=0.5, **_STATIC),
    "latent-dynamic": dict(model="latent", num_users=1000, num_items=1700, latent_dim=100, noise=0.5,
                           affinity_change=0.2, memory_length=5, boredom_threshold=3, boredom_penalty=1.0),
    "ml-100k": dict(model="ml-100k", noise=0.5, **_STATIC),
}
INIT_DENSITY = 100_000 / (1000 * 1700)


def _check(condition: bool, name: str, allowed: str, value: Any) -> None:
    if not condition:
        raise ValueError(f"{name} must be {allowed}; got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


@dataclass
class UserDynamicsConfig:
    """Every parameter of the UserDynamics world, validated once in ``__post_init__``.

    ``None`` takes the preset's value. Presets (seed 002 Section 2.3; RecLab's ``*-v1`` registry):
    1000 users, 1700 items, noise sigma = 0.5, 19 topics or d = 100 latent dimensions; the dynamic
    presets drift by a = 0.1 (topics) / 0.2 (latent) and penalise by lambda = 1 when at least tau = 3 of
    the last m = 5 consumed items share the topic. ``num_init_ratings`` defaults to the thesis'
    density, 100,000 / (1000 x 1700) of all pairs.
    """

    preset: str = "topics-dynamic"
    num_users: int | None = None
    num_items: int | None = None
    num_topics: int | None = None
    latent_dim: int | None = None
    noise: float | None = None
    affinity_change: float | None = None
    memory_length: int | None = None
    boredom_threshold: int | None = None
    boredom_penalty: float | None = None
    boredom_similarity: float = 0.5
    rating_frequency: float = 0.2
    num_init_ratings: int | None = None
    horizon: int = 500
    affinity_bounds: tuple[float, float] = (1.0, 5.0)
    on_masked: str = "raise"
    movielens_path: str | None = None
    mf_dim: int = 32
    mf_cache: str | None = None

    def __post_init__(self) -> None:
        _check(isinstance(self.preset, str) and self.preset in PRESETS, "preset", f"one of {tuple(PRESETS)}", self.preset)
        base = PRESETS[self.preset]
        self.model: str = base["model"]
        for f in fields(self):
            if getattr(self, f.name) is None and f.name in base:
                setattr(self, f.name, base[f.name])
        if self.model == "topics":
            _check(_is_int(self.num_topics) and self.num_topics >= 2, "num_topics", "an integer >= 2", self.num_topics)
        if self.model == "latent":
            _check(_is_int(self.latent_dim) and self.latent_dim >= 1, "latent_dim", "a positive integer", self.latent_dim)
        if self.model == "ml-100k":
            _check(_is_int(self.mf_dim) and self.mf_dim >= 1, "mf_dim", "a positive integer", self.mf_dim)
        for name in ("num_users", "num_items"):
            value = getattr(self, name)
            if value is not None or self.model != "ml-100k":
                _check(_is_int(value) and value >= 2, name, "an integer >= 2" + (" or None (all of the data)"
                       if self.model == "ml-100k" else ""), value)
        for name in ("memory_length", "boredom_threshold"):
            value = getattr(self, name)
            _check(_is_int(value) and value >= 0, name, "a non-negative integer", value)
        _check(self.boredom_threshold <= self.memory_length, "boredom_threshold",
               f"<= memory_length ({self.memory_length}); a larger threshold could never be reached",
               self.boredom_threshold)
        _check(_is_int(self.horizon) and self.horizon >= 1, "horizon", "a positive integer", self.horizon)
        for name in ("noise", "affinity_change", "boredom_penalty", "boredom_similarity", "rating_frequency"):
            value = getattr(self, name)
            _check(_is_real(value) and np.isfinite(value), name, "a finite real number", value)
        _check(self.noise >= 0, "noise", ">= 0", self.noise)
        _check(self.boredom_penalty >= 0, "boredom_penalty", ">= 0", self.boredom_penalty)
        _check(-1.0 <= self.boredom_similarity <= 1.0, "boredom_similarity", "a cosine in [-1, 1]", self.boredom_similarity)
        if self.model == "latent" or self.model == "ml-100k":
            _check(0.0 <= self.affinity_change <= 1.0, "affinity_change",
                   "in [0, 1] for latent users (a convex step towards the item)", self.affinity_change)
        else:
            _check(self.affinity_change >= 0, "affinity_change", ">= 0", self.affinity_change)
        _check(0.0 < self.rating_frequency <= 1.0, "rating_frequency", "in (0, 1]", self.rating_frequency)
        bounds = tuple(self.affinity_bounds)
        _check(len(bounds) == 2 and all(_is_real(b) for b in bounds) and bounds[0] < bounds[1], "affinity_bounds",
               "a pair (low, high) with low < high", self.affinity_bounds)
        self.affinity_bounds = (float(bounds[0]), float(bounds[1]))
        _check(self.on_masked in ON_MASKED, "on_masked", f"one of {ON_MASKED}", self.on_masked)
        if self.num_init_ratings is not None:
            _check(_is_int(self.num_init_ratings) and self.num_init_ratings >= 0, "num_init_ratings",
                   "a non-negative integer", self.num_init_ratings)
        if self.model != "ml-100k":
            self._check_sizes()

    def _check_sizes(self) -> None:
        n_online = int(self.rating_frequency * self.num_users)
        _check(n_online >= 1, "rating_frequency", f"large enough that int(rating_frequency * num_users) >= 1 "
               f"(num_users = {self.num_users})", self.rating_frequency)
        pairs = self.num_users * self.num_items
        if self.num_init_ratings is None:
            self.num_init_ratings = int(round(INIT_DENSITY * pairs))
        _check(self.num_init_ratings // self.num_items <= self.num_users - n_online, "num_init_ratings",
               f"small enough that at least {n_online} users keep an unrated item: <= "
               f"{(self.num_users - n_online + 1) * self.num_items - 1}", self.num_init_ratings)

    @property
    def num_online(self) -> int:
        """Users served per step: int(rating_frequency * num_users), as RecLab."""
        return int(self.rating_frequency * self.num_users)


@dataclass
class StepResult:
    """What one step produced: the served users, their items and ratings, and the world's metrics."""

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    masked_replaced: int
    info: dict[str, Any]


class UserDynamicsWorld:
    """Simulation core behind ``recogym_eco/UserDynamics-v0`` (see the module docstring)."""

    def __init__(self, config: UserDynamicsConfig) -> None:
        self.config = config
        if config.model == "ml-100k":
            self._ml = fit_movielens_latent(config.movielens_path, dim=config.mf_dim, cache=config.mf_cache)
            self._data_sizes = self._ml["user_factors"].shape[0], self._ml["item_factors"].shape[0]
            for name, size in zip(("num_users", "num_items"), self._data_sizes):
                value = getattr(config, name)
                _check(value is None or value <= size, name, f"<= {size} (the data's count) or None", value)
                setattr(config, name, size if value is None else value)
            config._check_sizes()
        self.num_users, self.num_items, self.num_online = config.num_users, config.num_items, config.num_online
        self.users: TopicUsers | LatentUsers | None = None
        self.rng: np.random.Generator | None = None
        self.step_index = 0
        self.terminated = False

    @property
    def truncated(self) -> bool:
        """True once ``horizon`` steps have been played."""
        return self.step_index >= self.config.horizon

    def _make_users(self, rng: np.random.Generator) -> TopicUsers | LatentUsers:
        c = self.config
        dyn = dict(noise=c.noise, change=c.affinity_change, memory=c.memory_length, threshold=c.boredom_threshold,
                   penalty=c.boredom_penalty)
        if c.model == "topics":
            return TopicUsers.sample(rng, c.num_users, c.num_items, c.num_topics, affinity_bounds=c.affinity_bounds, **dyn)
        if c.model == "latent":
            params = synthetic_latent_parameters(rng, c.num_users, c.num_items, c.latent_dim)
        else:
            users = np.sort(rng.choice(self._data_sizes[0], size=c.num_users, replace=False))
            items = np.sort(rng.choice(self._data_sizes[1], size=c.num_items, replace=False))
            params = dict(offset=self._ml["offset"], user_bias=self._ml["user_bias"][users],
                          item_bias=self._ml["item_bias"][items], user_factors=self._ml["user_factors"][users],
                          item_factors=self._ml["item_factors"][items])
        return LatentUsers(**params, similarity=c.boredom_similarity, **dyn)

    def reset(self, rng: np.random.Generator) -> None:
        """Draws the population, the initial uniform rating sample and the first online users from ``rng``."""
        U, I = self.num_users, self.num_items
        self.rng = rng
        self.users = self._make_users(rng)
        self.ratings = np.zeros((U, I), dtype=np.float32)
        self.rated = np.zeros((U, I), dtype=bool)
        flat = rng.choice(U * I, size=self.config.num_init_ratings, replace=False)
        u0, i0 = flat // I, flat % I
        self.ratings[u0, i0] = self.users.rate(u0, i0, rng)
        self.rated[u0, i0] = True
        self.rated_count = self.rated.sum(axis=1)
        self.recommended = np.zeros(I, dtype=bool)
        self.profile = np.zeros((U, self.users.profiles(np.zeros(1, dtype=np.int64)).shape[1]))
        self.unit_sum = np.zeros(self.profile.shape[1])
        self.live_users = 0
        self.step_index = 0
        self.terminated = False
        self.online = np.zeros(self.num_online, dtype=np.int64)
        self._draw_online()

    def _draw_online(self) -> None:
        """Draws the next online users uniformly among those with an unrated item; too few ends the episode."""
        open_users = np.flatnonzero(self.rated_count < self.num_items)
        if open_users.size < self.num_online:
            self.terminated = True
            return
        self.online = np.sort(self.rng.choice(open_users, size=self.num_online, replace=False))

    def action_mask(self) -> np.ndarray:
        """(n_online, I) bool: True where the item may be recommended to that online user (not rated yet)."""
        return ~self.rated[self.online]

    def expected_ratings(self, users: np.ndarray | None = None) -> np.ndarray:
        """True expected ratings (n, I) for ``users`` (default: the online ones). Privileged: the Oracle's input."""
        return self.users.expected_ratings(self.online if users is None else np.asarray(users))

    def _validate(self, action: Any) -> np.ndarray:
        items = np.asarray(action)
        if items.shape != (self.num_online,) or not np.issubdtype(items.dtype, np.integer):
            raise ValueError(f"action must be an integer array of shape ({self.num_online},) (one item per online "
                             f"user); got {items.dtype} array of shape {items.shape}")
        if items.min() < 0 or items.max() >= self.num_items:
            raise ValueError(f"action items must lie in [0, {self.num_items}); got values in "
                             f"[{items.min()}, {items.max()}]")
        return items.astype(np.int64)

    def step(self, action: Any) -> StepResult:
        """Plays one step; see the module docstring for the order of events."""
        if self.users is None:
            raise RuntimeError("call reset() before step()")
        if self.terminated or self.truncated:
            raise RuntimeError("the episode is over; call reset()")
        items = self._validate(action)
        users = self.online
        bad = self.rated[users, items]
        replaced = int(bad.sum())
        if replaced and self.config.on_masked == "raise":
            j = int(np.flatnonzero(bad)[0])
            raise ValueError(f"item {items[j]} is masked for user {users[j]} (online slot {j}): that user has "
                             f"already rated it; {replaced} masked choice(s) in this action. Use "
                             f"action_mask()/info['action_mask'], or on_masked='resample'")
        if replaced:
            items = items.copy()
            keys = self.rng.random((replaced, self.num_items))
            keys[self.rated[users[bad]]] = -1.0
            items[bad] = keys.argmax(axis=1)
        ratings = self.users.rate(users, items, self.rng)
        self.users.consume(users, items)
        self.ratings[users, items] = ratings
        self.rated[users, items] = True
        self.rated_count[users] += 1
        self.recommended[items] = True
        self._update_profiles(users, items)
        self.step_index += 1
        self._draw_online()
        return StepResult(users, items, ratings, replaced, self.metrics())

    @staticmethod
    def _unit(rows: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms > 0, norms, 1.0)

    def _update_profiles(self, users: np.ndarray, items: np.ndarray) -> None:
        old = self.profile[users]
        new = old + self.users.profiles(items)
        self.profile[users] = new
        self.unit_sum += self._unit(new).sum(axis=0) - self._unit(old).sum(axis=0)
        self.live_users += int((np.abs(old).sum(axis=1) == 0).sum() - (np.abs(new).sum(axis=1) == 0).sum())

    def homogenisation(self) -> float:
        """Mean pairwise cosine similarity of users' consumption profiles (sum of consumed items' profiles).

        With unit vectors x_u over the n users who consumed something: (||sum_u x_u||^2 - n) / (n (n - 1));
        the sum is kept up to date from the served users only. Topic users: profiles are topic counts;
        latent users: sums of unit item factors.
        """
        n = self.live_users
        if n < 2:
            return 0.0
        return float((self.unit_sum @ self.unit_sum - n) / (n * (n - 1)))

    def metrics(self) -> dict[str, Any]:
        """Per-topic mean affinity, catalogue coverage and homogenisation (fresh arrays)."""
        return {
            "topic_affinity": self.users.topic_affinity(),
            "coverage": float(self.recommended.mean()),
            "homogenisation": self.homogenisation(),
        }

    def observation(self) -> dict[str, np.ndarray]:
        """The platform's view: every rating observed so far (0 = none) and the online users (copies)."""
        return {"ratings": self.ratings.copy(), "online_users": self.online.copy()}
