"""CreatorSuggestion as a batched Gymnasium vector env: ``num_envs`` worlds in one compiled pass per step.

| | |
|---|---|
| Creation | ``gymnasium.make_vec("recogym_eco/CreatorSuggestion-v0", num_envs=N, **kwargs)`` (also ``-v1``) |
| Spaces | ``single_*`` are the single face's (:mod:`recogym_eco.envs.creator_suggestion`); batched with a leading axis N |
| Autoreset | ``AutoresetMode.NEXT_STEP`` (Gymnasium 1.x): a world that ended is reset by the next ``step``, whose action it ignores |
| Seeds | ``reset(seed=s)``: world i is the single env reset with ``seed=s + i`` (a list gives one seed per world) |
| Infos | the single face's ``info`` keys, each an array over worlds with its ``_key`` mask (Gymnasium's layout) |
| SB3 | :class:`recogym_eco.envs.sb3_vec_env.SB3VecEnv` (``make_sb3_vec_env``) |

Where a compiled round applies (:func:`recogym_eco.worlds.creator_suggestion_engine.resolve`: the v0
plug-ins; with ``engine="fast"`` also v1's MF recommender and feedback creators), the worlds' state
arrays (and the fast round's plug-in arrays) are stacked along a leading world axis and one numba
call (``step_worlds`` of :mod:`~recogym_eco.worlds.creator_suggestion_kernel` or
:mod:`~recogym_eco.worlds.creator_suggestion_fast_kernel`) plays the round of every world, worlds on
parallel threads; elsewhere (v1's defaults under ``engine="auto"``) the worlds step one after another
on NumPy. Either way world i plays exactly the trajectory of the single env seeded as above, with the
same ``engine`` (the tests compare both with Gymnasium's ``SyncVectorEnv``), because each world keeps
its own generator and the compiled rounds draw from it what the single world draws.

The ranking lever is not available here (the batched round is the plain top-k); the reward-weight
lever is :meth:`CreatorSuggestionVectorEnv.set_reward_weights`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from recogym_eco.components.validation import check_int
from recogym_eco.worlds import creator_suggestion_kernel as summary
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld, \
    check_suggestion_array, platform_observation
from recogym_eco.worlds.creator_suggestion_engine import PLUGIN_FIELDS, STATE_FIELDS, fast_settings, kernel_settings

_LAST = ("last_genre", "last_suggestion", "last_reward")
PARALLEL_WORLDS = 8
"""Batches of at least this many worlds step them on numba's threads (``prange``), unless
``numba.set_num_threads(1)`` (or ``NUMBA_NUM_THREADS=1``): on a machine busy with other processes,
one thread per batch is faster."""


class CreatorSuggestionVectorEnv(VectorEnv):
    """``num_envs`` CreatorSuggestion worlds stepped together; keyword arguments are
    :class:`~recogym_eco.worlds.creator_suggestion.CreatorSuggestionConfig`'s."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": [None]}

    def __init__(self, num_envs: int, render_mode: str | None = None, **kwargs: Any) -> None:
        check_int(num_envs, "num_envs", low=1)
        if render_mode is not None:
            raise ValueError(f"render_mode must be None for the batched env (render one world with the single "
                             f"face); got {render_mode!r}")
        self.num_envs = int(num_envs)
        self.render_mode = None
        self.config = CreatorSuggestionConfig(**kwargs)
        self.worlds = [CreatorSuggestionWorld(self.config) for _ in range(self.num_envs)]
        C, G = self.config.num_creators, self.config.num_genres
        world = self.worlds[0]
        self.single_observation_space = spaces.Box(0.0, world.observation_high, shape=(C, world.observation_width),
                                                   dtype=np.float32)
        self.single_action_space = spaces.MultiDiscrete(np.full(C, G + 1, dtype=np.int64))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._generators: list[np.random.Generator | None] = [None] * self.num_envs
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._state: dict[str, np.ndarray] | None = None
        self._reset_done = False
        self._every = np.ones(self.num_envs, dtype=bool)
        self._every.flags.writeable = False

    # ------------------------------------------------------------------ state
    @property
    def compiled(self) -> bool:
        """Whether the worlds step in a compiled batched round (else one after another on NumPy)."""
        return self._state is not None

    @property
    def engine(self) -> str:
        """The engine of the worlds' rounds: ``"compiled"``, ``"fast"`` or ``"numpy"`` (world 0's; every world
        of the batch has the same configuration)."""
        return self.worlds[0].engine

    def _pack(self, indices: np.ndarray) -> None:
        """Moves the freshly reset worlds' arrays into the stacked state and makes the worlds views of it."""
        N = self.num_envs
        if self._state is None:
            first = self.worlds[int(indices[0])]
            self._state = {name: np.zeros((N, *np.shape(getattr(first, name))), dtype=np.asarray(
                getattr(first, name)).dtype) for name in (*STATE_FIELDS, *_LAST)}
            self._state["words"] = np.zeros((N, 4), dtype=np.uint64)
            self._state["round_index"] = np.zeros(N, dtype=np.int64)
            if first.engine == "fast":
                for owner, name in PLUGIN_FIELDS:
                    value = np.asarray(getattr(getattr(first, owner), name))
                    self._state[f"{owner}.{name}"] = np.zeros((N, *value.shape), dtype=value.dtype)
        from recogym_eco.components.pcg64 import get_words

        for i in indices:
            world = self.worlds[i]
            for name in (*STATE_FIELDS, *_LAST):
                self._state[name][i] = getattr(world, name)
                setattr(world, name, self._state[name][i])
            if world.engine == "fast":
                for owner, name in PLUGIN_FIELDS:
                    key, plugin = f"{owner}.{name}", getattr(world, owner)
                    self._state[key][i] = getattr(plugin, name)
                    setattr(plugin, name, self._state[key][i])
            self._state["words"][i] = get_words(world.rng)
            self._state["round_index"][i] = 0

    def sync_worlds(self) -> list[CreatorSuggestionWorld]:
        """The worlds brought up to date (generators, clocks, end flags), e.g. to inspect or render one."""
        if self._state is not None:
            from recogym_eco.components.pcg64 import set_words

            for i, world in enumerate(self.worlds):
                set_words(world.rng, self._state["words"][i])
                world.round_index = int(self._state["round_index"][i])
                world.terminated = not bool(world.present.any())
                world.truncated = world.round_index >= self.config.horizon and not world.terminated
                world.done = world.terminated or world.truncated
        return self.worlds

    def set_reward_weights(self, weights: np.ndarray | None) -> None:
        """The creator reward-weight lever of every world: (num_users,) shared or (num_envs, num_users)."""
        U = self.config.num_users
        w = np.ones(U) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape not in ((U,), (self.num_envs, U)) or not np.all(np.isfinite(w)) or w.min() < 0:
            raise ValueError(f"weights must be a finite non-negative array of shape ({U},) or ({self.num_envs}, "
                             f"{U}); got shape {w.shape}")
        for i, world in enumerate(self.worlds):
            row = np.broadcast_to(w, (self.num_envs, U))[i]
            if self._state is not None:
                self._state["reward_weights"][i] = row
            else:
                world.set_reward_weights(row)

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None):
        """Resets every world (or those of ``options["reset_mask"]``); see the module docstring for seeds."""
        N = self.num_envs
        if seed is None or isinstance(seed, (int, np.integer)):
            seeds = [None if seed is None else int(seed) + i for i in range(N)]
        else:
            seeds = list(seed)
            if len(seeds) != N:
                raise ValueError(f"seed must be None, an int or a list of {N} seeds (num_envs); got {len(seeds)}")
        mask = np.ones(N, dtype=bool)
        if options and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.shape != (N,) or mask.dtype != np.bool_ or not mask.any():
                raise ValueError(f"options['reset_mask'] must be a boolean array of shape ({N},) with a True entry")
        if not self._reset_done and not mask.all():
            raise ValueError("the first reset must reset every world (no reset_mask)")
        indices = np.flatnonzero(mask)
        self._reset_worlds(indices, [seeds[i] for i in indices])
        self._autoreset[mask] = False
        self._reset_done = True
        info = self._reset_info(mask)
        return self._observations(), info

    def _reset_worlds(self, indices: np.ndarray, seeds: list[int | None]) -> None:
        for i, s in zip(indices, seeds):
            if s is not None or self._generators[i] is None:
                self._generators[i] = seeding.np_random(s)[0]
            self.worlds[i].reset(self._generators[i])
        if self.worlds[int(indices[0])].engine != "numpy":
            self._pack(indices)

    def step(self, actions: Any):
        """One round of every world (NEXT_STEP autoreset); returns batched (obs, rewards, terminated,
        truncated, infos)."""
        if not self._reset_done:
            raise RuntimeError("call reset() before step()")
        actions = self._check_actions(actions)
        resetting = self._autoreset.copy()
        if resetting.any():
            self._reset_worlds(np.flatnonzero(resetting), [None] * int(resetting.sum()))
        obs = None
        if self._state is not None:
            obs, rewards, terminated, truncated, info = self._step_compiled(actions, ~resetting)
        else:
            rewards, terminated, truncated, info = self._step_loop(actions, ~resetting)
        self._autoreset = terminated | truncated
        return (self._observations() if obs is None else obs), rewards, terminated, truncated, info

    def _check_actions(self, actions: Any) -> np.ndarray:
        return check_suggestion_array(actions, (self.num_envs, self.config.num_creators), self.config.num_genres,
                                      "actions", "num_envs, num_creators")

    def _observations(self) -> np.ndarray:
        if self._state is None:
            return np.stack([world.observation() for world in self.worlds])
        st = self.state
        a, b = self.config.trust_prior
        estimate = (st["follows"] + a) / (st["follows"] + st["ignores"] + a + b)
        return platform_observation(self.config, st["last_genre"], estimate, st["made"], st["click_log"],
                                    st["genre_click_log"], st["genre_supply_log"])

    @property
    def state(self) -> dict[str, np.ndarray]:
        """The stacked state arrays (leading world axis) of the compiled batch."""
        if self._state is None:
            raise RuntimeError("the batch steps on NumPy (no stacked state); see `compiled`")
        return self._state

    def _step_loop(self, actions: np.ndarray, stepping: np.ndarray):
        N = self.num_envs
        rewards = np.zeros(N)
        terminated = np.zeros(N, dtype=bool)
        truncated = np.zeros(N, dtype=bool)
        info: dict[str, Any] = {}
        for i, world in enumerate(self.worlds):
            if stepping[i]:
                result = world.step(actions[i])
                rewards[i] = result.clicks
                terminated[i], truncated[i] = world.terminated, world.truncated
                info = self._add_info(info, result.info, i)
            else:
                info = self._add_info(info, world.initial_info(), i)
        return rewards, terminated, truncated, info

    def _step_compiled(self, actions: np.ndarray, stepping: np.ndarray):
        import numba

        if any(world.ranker is not None for world in self.worlds):
            raise RuntimeError("the batched env has no ranking lever: use the single face to install a ranker")
        cfg, st, N = self.config, self._state, self.num_envs
        C, U, G = cfg.num_creators, cfg.num_users, cfg.num_genres
        out_creator = np.zeros((N, 4, C))
        out_user = np.zeros((N, U))
        made_genre = np.full((N, C), -1, dtype=np.int64)
        flags = np.zeros((N, 4, C), dtype=bool)
        genre_counts = np.zeros((N, G), dtype=np.int64)
        totals = np.zeros((N, 2))
        parallel = N >= PARALLEL_WORLDS and numba.get_num_threads() > 1
        world = self.worlds[0]
        state = [st[name] for name in STATE_FIELDS]
        if self.engine == "fast":
            from recogym_eco.worlds import creator_suggestion_fast_kernel as kernels

            state += [st[f"{owner}.{name}"] for owner, name in PLUGIN_FIELDS]
            settings = fast_settings(world)
        else:
            kernels = summary
            settings = kernel_settings(world)
        kernel = kernels.step_worlds_parallel if parallel else kernels.step_worlds
        paper = cfg.observation == "paper"
        obs = np.zeros((N, C, G + 2) if paper else (0, 0, 0), dtype=np.float32)
        terminated, truncated = np.zeros(N, dtype=bool), np.zeros(N, dtype=bool)
        diversity, follow_rate, gini = np.empty(N), np.empty(N), np.empty(N)
        counts = np.empty((N, 3), dtype=np.int64)
        genres_per_creator, exposure = np.empty((N, C), dtype=np.int64), np.empty((N, C), dtype=np.int64)
        trust_estimate, present = np.empty((N, C)), np.empty((N, C), dtype=bool)
        summary_args = (actions, made_genre, out_creator, flags, genre_counts, st["present"], st["made"],
                        st["follows"], st["ignores"], st["round_index"], st["last_genre"], st["last_suggestion"],
                        st["last_reward"], cfg.horizon, *map(float, cfg.trust_prior), paper, terminated, truncated,
                        diversity, genres_per_creator, counts, follow_rate, exposure, gini, trust_estimate, present, obs)
        kernel(stepping, *summary_args, st["words"], actions, *state, world._bias, st["round_index"], *settings, False,
               out_creator, out_user, made_genre, flags, genre_counts, totals)
        info = {
            "round": st["round_index"].copy(),
            "clicks": totals[:, 0],
            "content_diversity": diversity,
            "active_creators": counts[:, 0],
            "present_creators": counts[:, 1],
            "genres_per_creator": genres_per_creator,
            "follow_rate": follow_rate,
            "suggestions_sent": counts[:, 2],
            "exposure": exposure,
            "creator_clicks": out_creator[:, 1],
            "creator_reward": out_creator[:, 0],
            "exposure_gini": gini,
            "followed": flags[:, 1],
            "ignored": flags[:, 2],
            "trust_estimate": trust_estimate,
            "made_genre": made_genre,
            "genre_counts": genre_counts,
            "departed": flags[:, 3],
            "present": present,
            "active_users": totals[:, 1].astype(np.int64),
            "user_clicks": out_user,
            "engine": np.full(N, self.engine, dtype=object),
        }
        info.update({f"_{key}": self._every for key in list(info)})
        return (obs if paper else None), totals[:, 0].copy(), terminated, truncated, info

    def _reset_info(self, mask: np.ndarray) -> dict[str, Any]:
        info: dict[str, Any] = {}
        for i in np.flatnonzero(mask):
            info = self._add_info(info, self.worlds[i].initial_info(), int(i))
        return info

    def close_extras(self, **kwargs: Any) -> None:
        """Nothing to release: the worlds live in this process."""
