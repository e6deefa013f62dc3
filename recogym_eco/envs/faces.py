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

__all__ = ["PLATFORM", "RENDER_MODES", "GameFace", "check_render_mode", "creator_agent"]

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
