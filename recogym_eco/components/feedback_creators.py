"""Creators that respond to their (reward-weighted) feedback, explore, and imitate the platform.

The default creator model of CreatorSuggestion-v1 (issue 9, item 2). It combines CreAgent's
feedback-driven creators (a creator moves toward the genres whose items earned it reward,
research/baselines-spec.md Section 3.1) with SimuLine's copying of what the platform shows
(a creator samples from the pool's mix, Section 3.3):

* value v[c, g]: the creator's recent reward per item in genre g, an exponential moving average
  v <- v + lr (r - v) over the items it makes in g (lr = 0.2 ~ SimuLine's 5-round window);
* choice: with probability 1 - explore, g ~ softmax(v[c] / temperature) over the genres it has
  made; with probability explore it explores: with probability ``imitation`` it imitates, drawing g
  in proportion to the platform's clicks per genre last round (+1 each), else g uniformly at random.

The reward is the creator's reward (clicks weighted by the reward lever), so Reweight moves these
creators. What they imitate is public (what the platform showed and what users clicked); they never
see user preferences or the platform's estimates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.components import creators as cm

__all__ = ["FeedbackCreators"]


class FeedbackCreators:
    """Feedback-driven, exploring, imitating creators (see the module docstring)."""

    def __init__(self, lr: float = 0.2, temperature: float = 1.0, explore: float = 0.1,
                 imitation: float = 0.5) -> None:
        self.lr, self.temperature, self.explore, self.imitation = float(lr), float(temperature), float(explore), \
            float(imitation)
        self.value = np.zeros((0, 0))
        self.clicked = np.zeros(0)
        self._before: np.ndarray | None = None

    def reset(self, rng: np.random.Generator, num_creators: int, num_genres: int) -> None:
        """Values 0 (no reward seen yet); no platform clicks seen yet."""
        self.value = np.zeros((num_creators, num_genres))
        self.clicked = np.zeros(num_genres)
        self._before = None

    def probabilities(self, made: np.ndarray) -> np.ndarray:
        """P[c, g] = (1 - explore) softmax_{g made}(v[c] / T) + explore ((1 - imitation) / G + imitation m_g),
        m_g = (clicks_g + 1) / sum_h (clicks_h + 1)."""
        G = made.shape[1]
        logits = np.where(made > 0, self.value / self.temperature, -np.inf)
        top = logits.max(axis=1, keepdims=True)
        weights = np.exp(logits - np.where(np.isfinite(top), top, 0.0))
        total = weights.sum(axis=1, keepdims=True)
        own = np.divide(weights, total, out=np.full_like(weights, 1.0 / G), where=total > 0)
        trending = (self.clicked + 1.0) / (self.clicked + 1.0).sum()
        explore = (1.0 - self.imitation) / G + self.imitation * trending
        return (1.0 - self.explore) * own + self.explore * explore[None, :]

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
        """One genre per creator drawn from :meth:`probabilities`."""
        self._before = made.copy()
        return cm.sample_categorical(rng, self.probabilities(made))

    def update(self, made: np.ndarray, feedback: np.ndarray, genre_reward: np.ndarray, active: np.ndarray) -> None:
        """v[c, g] <- v + lr (reward of its new item in g - v) for every item made this round."""
        if self._before is None or self._before.shape != made.shape:
            return
        new = (made > self._before) & active[:, None]
        self.value = np.where(new, self.value + self.lr * (genre_reward - self.value), self.value)

    def observe_platform(self, shown: np.ndarray, clicked: np.ndarray) -> None:
        """Remembers the platform's clicks per genre this round (what imitation copies)."""
        self.clicked = np.asarray(clicked, dtype=np.float64).copy()


def _factory(config: Any) -> FeedbackCreators:
    return FeedbackCreators(config.feedback_lr, config.feedback_temperature, config.feedback_explore,
                            config.feedback_imitation)


def _register() -> None:
    from recogym_eco.components.creator_models import register_creator_model

    register_creator_model("feedback", _factory)


_register()
