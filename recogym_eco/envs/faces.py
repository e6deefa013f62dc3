"""What every environment face shares: render modes, seeding, and the agents of a PettingZoo game.

One convention everywhere: ``reset(seed=s)`` re-seeds the face's generator with ``s``; ``reset()``
keeps drawing from the current one (a fresh, OS-seeded generator at the first reset), as Gymnasium's
``Env.reset`` does. The PettingZoo faces use the same rule through :class:`GameFace`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding

__all__ = ["PLATFORM", "RENDER_MODES", "GameFace", "check_render_mode", "creator_agent", "reseed_worlds",
           "stack_infos", "vector_reset_mask", "vector_seeds"]

PLATFORM = "platform"
RENDER_MODES = ("ansi", "rgb_array")


def creator_agent(index: int) -> str:
    """Agent name of creator ``index`` in every PettingZoo game of the suite."""
    return f"creator_{index}"


def check_render_mode(render_mode: str | None) -> str | None:
    """Returns ``render_mode`` if it is None or one of :data:`RENDER_MODES`; ``ValueError`` otherwise."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode must be None or one of {list(RENDER_MODES)}; got {render_mode!r}")
    return render_mode


def stack_infos(rows: dict[str, np.ndarray], mask: np.ndarray, keys: tuple[str, ...]) -> dict[str, Any]:
    """A batched face's info as ``VectorEnv._add_info`` builds it: for each of ``keys``, ``rows[key]`` (one
    row per world where ``mask`` is True) placed at those worlds, zeros (None for object arrays)
    elsewhere, and the boolean mask ``"_key"``."""
    out: dict[str, Any] = {}
    for key in keys:
        v = rows[key]
        if v.dtype == object:
            full = np.full(mask.size, None, dtype=object)
        else:
            full = np.zeros((mask.size, *v.shape[1:]), dtype=v.dtype)
        full[mask] = v
        out[key] = full
        out[f"_{key}"] = mask.copy()
    return out


def vector_seeds(seed: Any, num_envs: int) -> list[int | None]:
    """The seed of each world of a batched face, as ``SyncVectorEnv`` seeds copies of the single face:
    ``None`` -> keep every generator, an int ``s`` -> ``s + i`` for world i, a list -> one entry per world
    (``None``: keep that world's generator); ``ValueError`` otherwise."""
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return [int(seed) + i for i in range(num_envs)]
    if isinstance(seed, (list, tuple)) and len(seed) == num_envs:
        if all(s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool)) for s in seed):
            return [None if s is None else int(s) for s in seed]
    raise ValueError(
        f"seed must be None, an int or a list of {num_envs} ints or None (one per world), got {seed!r}"
    )


def vector_reset_mask(options: dict[str, Any] | None, num_envs: int) -> np.ndarray:
    """The worlds a batched face's ``reset(options={"reset_mask": mask})`` resets (all without the
    option): a numpy bool array of shape ``(num_envs,)`` with at least one True; a copy."""
    if options is None or "reset_mask" not in options:
        return np.ones(num_envs, dtype=bool)
    mask = options["reset_mask"]
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        raise TypeError(f"options['reset_mask'] must be a numpy bool array, got {type(mask).__name__} "
                        f"{getattr(mask, 'dtype', '')}")
    if mask.shape != (num_envs,):
        raise ValueError(f"options['reset_mask'] must have shape ({num_envs},) (num_envs), got {mask.shape}")
    if not mask.any():
        raise ValueError("options['reset_mask'] must select at least one world")
    return mask.copy()


def reseed_worlds(seed: Any, options: dict[str, Any] | None, started: np.ndarray,
                  generators: list[np.random.Generator | None]) -> np.ndarray:
    """The reset of a batched face's worlds, before their state: checks ``seed`` (:func:`vector_seeds`)
    and ``options`` (:func:`vector_reset_mask`; every never-reset world, ``started`` False, must be in
    the mask), gives each reset world a generator seeded with its seed (or keeps its own, as
    ``env.reset()`` does) in ``generators``, and returns the mask of the worlds to reset."""
    seeds = vector_seeds(seed, started.size)
    mask = vector_reset_mask(options, started.size)
    if not np.all(started | mask):
        raise ValueError("reset_mask must include every world that was never reset; "
                         "call reset() without it first")
    for i in np.flatnonzero(mask).tolist():
        if seeds[i] is not None or generators[i] is None:
            generators[i] = seeding.np_random(seeds[i])[0]
    return mask


class GameFace:
    """Bookkeeping shared by the PettingZoo faces: generator, agent names, spaces, action checks.

    A subclass sets ``possible_agents`` and the ``observation_spaces`` / ``action_spaces`` dicts
    (one object per agent, so the accessors return the same object every call).
    """

    possible_agents: list[str]
    observation_spaces: dict[str, spaces.Space]
    action_spaces: dict[str, spaces.Space]
    _np_random: np.random.Generator | None = None
    np_random_seed: int | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space of ``agent`` (the same object every call)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        """The action space of ``agent`` (the same object every call)."""
        return self.action_spaces[agent]

    @property
    def np_random(self) -> np.random.Generator:
        """The game's generator (a fresh, OS-seeded one if reset was never seeded)."""
        if self._np_random is None:
            self._np_random, self.np_random_seed = seeding.np_random(None)
        return self._np_random

    def _seed(self, seed: int | None) -> np.random.Generator:
        """Re-seeds with ``seed`` if given, else keeps the current generator (Gymnasium's rule)."""
        if seed is not None or self._np_random is None:
            self._np_random, self.np_random_seed = seeding.np_random(seed)
        return self._np_random

    def _check_actions(self, actions: Any) -> dict[str, Any]:
        """The action dict, checked: a dict whose keys are live agents (``TypeError``/``ValueError``)."""
        if not getattr(self, "agents", None):
            raise RuntimeError("the episode has ended: call reset() before step()")
        if not isinstance(actions, dict):
            raise TypeError(f"actions must be a dict mapping live agents (env.agents) to actions; "
                            f"got {type(actions).__name__}")
        unknown = set(actions) - set(self.agents)
        if unknown:
            raise ValueError(f"actions for agents not in the game: {sorted(unknown)}; live agents are env.agents")
        return actions


def float_actions(actions: Any, expected: str) -> np.ndarray:
    """A batched face's ``actions`` as a float64 array; ``TypeError`` naming ``expected`` (the shape and
    meaning the face wants) for strings, ``None`` or anything that is not numbers."""
    if isinstance(actions, (str, bytes)) or actions is None:
        raise TypeError(f"actions must be an array of shape {expected}, got {type(actions).__name__}")
    try:
        return np.asarray(actions, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"actions must be an array of shape {expected} of numbers: {exc}") from None
