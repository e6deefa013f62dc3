"""Heuristic suggestion policies of seed 001 (Section 5.1, "Baselines"), with an SB3-style predict.

Each policy reads only its observation, so it runs on a single env or a vectorised one
(``evaluate_policy(MostHistoryClick(venv), venv)``). ``NoSignal`` and ``Random`` work with either
observation; ``MostClick`` and ``MostHistoryClick`` need the platform's logs, the env option
``observation="log"`` (columns: one-hot of last genre + "nothing" slot, trust, then per genre the
creator's upload shares, its click shares and platform-wide recent click shares; CreatorSuggestion-v1's
``log_units="counts"`` gives the same blocks as absolute counts plus a fourth, platform-wide recent
items per genre, width 5 G + 2). The genre count comes from the action space
(``MultiDiscrete([G + 1] * C)``), so the layout is never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from recogym_eco.plugins import Registry

__all__ = ["HEURISTICS", "SUGGESTION_POLICIES", "MostClick", "MostHistoryClick", "NoSignal", "Random",
           "SuggestionPolicy", "SuggestionPredictor", "register_policy"]


@runtime_checkable
class SuggestionPredictor(Protocol):
    """What plays the platform on CreatorSuggestion: SB3's ``predict`` (one suggestion per creator, 0 =
    none, g + 1 = genre g, for one observation or a batch)."""

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        ...


class SuggestionPolicy:
    """Base class: ``predict`` returns one suggestion per creator (0 = none, g + 1 = genre g).

    ``env`` (a Gymnasium env or an SB3/Gymnasium vector env) gives the spaces; ``seed`` seeds the
    policy's own generator.
    """

    needs_log = False

    def __init__(self, env: Any = None, seed: int | None = None, num_genres: int | None = None) -> None:
        self.env = env
        self.rng = np.random.default_rng(seed)
        if num_genres is None and env is not None:
            nvec = np.asarray(getattr(env, "single_action_space", env.action_space).nvec)
            num_genres = int(nvec.ravel()[0]) - 1
        self.num_genres = num_genres

    def _genres(self, observation: np.ndarray) -> int:
        G = self.num_genres if self.num_genres is not None else observation.shape[-1] - 2
        width = observation.shape[-1]
        if width not in (G + 2, 4 * G + 2, 5 * G + 2):
            raise ValueError(f"{type(self).__name__}: observation rows of width {width} match neither the paper's "
                             f"state ({G + 2}) nor observation='log' ({4 * G + 2} in shares, {5 * G + 2} in "
                             f"counts) for {G} genres")
        if self.needs_log and width == G + 2:
            raise ValueError(f"{type(self).__name__} reads the platform's logs: make the env with "
                             f"observation='log' (rows of width {4 * G + 2} or {5 * G + 2}); got width {width}")
        return G

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        """Suggestions for one observation of shape (C, width)."""
        raise NotImplementedError

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        """SB3 ``PolicyPredictor`` interface; accepts one observation or a batch of them."""
        obs = np.asarray(observation)
        if obs.ndim == 3:
            return np.stack([self.suggest(o) for o in obs]), state
        return self.suggest(obs), state


def log_blocks(observation: np.ndarray, num_genres: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first three log blocks of an ``observation="log"`` row set: uploads, clicks and recent
    platform-wide clicks per genre (shares, or counts with ``log_units="counts"``)."""
    G = num_genres
    return observation[:, G + 2 : 2 * G + 2], observation[:, 2 * G + 2 : 3 * G + 2], observation[0, 3 * G + 2 : 4 * G + 2]


class NoSignal(SuggestionPolicy):
    """Reveals nothing: every creator follows its own fallback ("w/o signal")."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        return np.zeros(observation.shape[0], dtype=np.int64)


class Random(SuggestionPolicy):
    """Suggests to each creator a genre drawn uniformly at random."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        return self.rng.integers(1, self._genres(observation) + 1, size=observation.shape[0])


class MostClick(SuggestionPolicy):
    """Suggests to every creator the genre with most clicks platform-wide over recent rounds
    (nothing before the first click)."""

    needs_log = True

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        _, _, demand = log_blocks(observation, self._genres(observation))
        genre = int(np.argmax(demand)) + 1 if demand.max() > 0 else 0
        return np.full(observation.shape[0], genre, dtype=np.int64)


class MostHistoryClick(SuggestionPolicy):
    """Suggests to each creator the genre, among those it has made, whose items got most clicks
    (nothing to a creator whose items were never clicked)."""

    needs_log = True

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        made, clicks, _ = log_blocks(observation, self._genres(observation))
        clicks = np.where(made > 0, clicks, -1.0)
        best = np.argmax(clicks, axis=1)
        return np.where(clicks.max(axis=1) > 0, best + 1, 0).astype(np.int64)


HEURISTICS = {"NoSignal": NoSignal, "Random": Random, "MostClick": MostClick, "MostHistoryClick": MostHistoryClick}
"""The suggestion baselines of seed 001."""

SUGGESTION_POLICIES: Registry[SuggestionPredictor] = Registry("suggestion policy", SuggestionPredictor)
"""Every suggestion policy a policy spec can name (``recogym-eco evaluate --policies NAME+PMMF``)."""


def register_policy(name: str, factory: Callable[..., SuggestionPredictor]) -> None:
    """Registers a suggestion policy: ``factory(env, seed=seed)`` returns a fresh
    :class:`SuggestionPredictor` bound to ``env`` (the env with every lever of the spec installed).
    A ``needs_log = True`` attribute on the factory makes the evaluation build the env with
    ``observation="log"`` (as for MostHistoryClick). Registered, the name is usable in policy specs,
    ``recogym_eco.train.evaluate`` and ``recogym-eco train --bc-teacher``, also from a ``--plugin`` file."""
    SUGGESTION_POLICIES.register(name, factory)


for _name, _policy in HEURISTICS.items():
    register_policy(_name, _policy)
