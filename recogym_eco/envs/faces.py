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

__all__ = ["PLATFORM", "RENDER_MODES", "GameFace", "bar_picture", "check_render_mode", "creator_agent",
           "scatter_picture"]

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


_PALETTE = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]], dtype=np.uint8)


def bar_picture(panels: list[np.ndarray], height: int = 48, bar_width: int = 6) -> np.ndarray:
    """An RGB uint8 picture with one bar chart per panel (stacked vertically, white background).

    Panel p draws its values as bars scaled to its own maximum, in colour p of a fixed palette; the
    picture is a cheap summary of a round for ``render_mode="rgb_array"`` (video recorders, SB3).
    """
    width = max(1, max(len(v) for v in panels)) * bar_width
    rows = []
    for p, values in enumerate(panels):
        values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = values.max(initial=0.0)
        bar = np.zeros(width // bar_width, dtype=np.int64)
        bar[: values.size] = np.round(height * values / top).astype(np.int64) if top > 0 else 0
        level = np.arange(height)[::-1, None]
        filled = np.repeat(level < bar[None, :], bar_width, axis=1)
        filled[:, bar_width - 1 :: bar_width] = False
        panel = np.full((height + 4, width, 3), 255, dtype=np.uint8)
        panel[2:-2][filled] = _PALETTE[p % len(_PALETTE)]
        rows.append(panel)
    return np.concatenate(rows, axis=0)


def scatter_picture(groups: list[np.ndarray], size: int = 96, dot: int = 1) -> np.ndarray:
    """An RGB uint8 picture of point sets in their first two coordinates (white background).

    Group p is drawn in colour p of the palette, later groups on top; every group shares one frame
    (the bounding box of all points, with a margin), so positions are comparable within a picture.
    """
    pts = [np.asarray(g, dtype=np.float64).reshape(len(g), -1) for g in groups]
    pts = [np.hstack([g, np.zeros((len(g), max(0, 2 - g.shape[1])))])[:, :2] for g in pts]
    every = np.vstack([g for g in pts if len(g)] or [np.zeros((1, 2))])
    every = every[np.all(np.isfinite(every), axis=1)] if np.isfinite(every).any() else np.zeros((1, 2))
    low, high = every.min(axis=0), every.max(axis=0)
    span = np.maximum(high - low, 1e-12)
    canvas = np.full((size, size, 3), 255, dtype=np.uint8)
    for p, g in enumerate(pts):
        g = g[np.all(np.isfinite(g), axis=1)]
        cell = np.round(3 + (size - 7) * (g - low) / span).astype(np.int64)
        for dx in range(-dot, dot + 1):
            for dy in range(-dot, dot + 1):
                x = np.clip(cell[:, 0] + dx, 0, size - 1)
                y = np.clip(size - 1 - (cell[:, 1] + dy), 0, size - 1)
                canvas[y, x] = _PALETTE[p % len(_PALETTE)]
    return canvas


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
