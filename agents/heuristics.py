"""Heuristic suggestion policies of seed 001 (Section 5.1, "Baselines"), with an SB3-style predict.

Each policy is bound to an env and reads only what the platform legitimately knows: the observation
and the world's ``platform_log()`` (uploads and clicks it hosted), never true trust or preferences.
``stable_baselines3.common.evaluation.evaluate_policy(policy, env)`` runs them like a trained model.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class SuggestionPolicy:
    """Base class: ``predict`` returns one suggestion per creator (0 = none, g + 1 = genre g)."""

    def __init__(self, env: Any = None, seed: int | None = None) -> None:
        self.env = env
        self.rng = np.random.default_rng(seed)

    @property
    def world(self) -> Any:
        if self.env is None:
            raise ValueError(f"{type(self).__name__} reads the platform's logs: construct it with the env, "
                             f"e.g. {type(self).__name__}(env)")
        return self.env.unwrapped.world

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        """Suggestions for one observation of shape (C, G + 2)."""
        raise NotImplementedError

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        """SB3 ``PolicyPredictor`` interface; accepts one observation or a batch of them."""
        obs = np.asarray(observation)
        if obs.ndim == 3:
            return np.stack([self.suggest(o) for o in obs]), state
        return self.suggest(obs), state


class NoSignal(SuggestionPolicy):
    """Reveals nothing: every creator follows its own fallback ("w/o signal")."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        return np.zeros(observation.shape[0], dtype=np.int64)


class Random(SuggestionPolicy):
    """Suggests to each creator a genre drawn uniformly at random."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        num_genres = observation.shape[1] - 2
        return self.rng.integers(1, num_genres + 1, size=observation.shape[0])


class MostClick(SuggestionPolicy):
    """Suggests to every creator the genre with most clicks platform-wide over recent rounds
    (nothing before the first click)."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        clicks = self.world.platform_log()["recent_genre_clicks"]
        genre = int(np.argmax(clicks)) + 1 if clicks.max() > 0 else 0
        return np.full(observation.shape[0], genre, dtype=np.int64)


class MostHistoryClick(SuggestionPolicy):
    """Suggests to each creator the genre, among those it has made, whose items got most clicks
    (nothing to a creator whose items were never clicked)."""

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        log = self.world.platform_log()
        clicks = np.where(log["made"] > 0, log["clicks"], -1.0)
        best = np.argmax(clicks, axis=1)
        return np.where(clicks.max(axis=1) > 0, best + 1, 0).astype(np.int64)


HEURISTICS = {"NoSignal": NoSignal, "Random": Random, "MostClick": MostClick, "MostHistoryClick": MostHistoryClick}
