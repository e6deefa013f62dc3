"""Creator behaviour models as plug-ins: what a creator makes when it does not follow a suggestion.

A model keeps its own state over the creator population and is vectorised over creators:

* ``reset(rng, num_creators, num_genres)`` draws its initial state (``rng`` is the population
  generator of the episode);
* ``choose(rng, made, feedback)`` returns the genre every creator would pick this round, shape (C,),
  from the creator's own history (``made``: items per genre, ``feedback``: reward per genre, both (C, G));
* ``update(made, feedback, genre_reward, active)`` learns from the reward of the round just played
  (``genre_reward``: (C, G) reward each creator received per genre this round; ``active``: (C,) bool).

Models read only the creator's own history: creators never see the platform's data (the information
asymmetry LoRe exploits, seed 001 Section 3). The four models of seed 001 Section 5.4 are registered;
``register_creator_model(name, factory)`` adds a user's model, where ``factory(config)`` receives the
world's configuration and returns a fresh model. ``creator_fallback=`` takes a registered name or an
instance (the world deep-copies an instance, so worlds never share state).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from recogym_eco.components import creators as cm
from recogym_eco.plugins import Registry

__all__ = ["CREATOR_MODELS", "CFD", "CreatorModel", "MostClickedHistory", "RandomHistory", "SimuLine",
           "register_creator_model"]


@runtime_checkable
class CreatorModel(Protocol):
    """What a creator makes when it does not follow the platform (see the module docstring)."""

    def reset(self, rng: np.random.Generator, num_creators: int, num_genres: int) -> None: ...

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray: ...

    def update(self, made: np.ndarray, feedback: np.ndarray, genre_reward: np.ndarray, active: np.ndarray) -> None: ...


class _Stateless:
    """Base of models without state of their own."""

    def reset(self, rng: np.random.Generator, num_creators: int, num_genres: int) -> None:
        """Nothing to draw."""

    def update(self, made: np.ndarray, feedback: np.ndarray, genre_reward: np.ndarray, active: np.ndarray) -> None:
        """Nothing to learn: the history arrays already hold the new reward."""


class RandomHistory(_Stateless):
    """Uniform over the genres the creator has made before (seed 001, Section 5.4, "random")."""

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
        """P(g) = 1[made_g > 0] / #{g : made_g > 0}."""
        return cm.random_history(rng, made)


class MostClickedHistory(_Stateless):
    """The genre of the creator's own history with most reward; ties uniformly at random."""

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
        """argmax over made genres of feedback_g."""
        return cm.most_clicked_history(rng, made, feedback)


class CFD:
    """Creator Feature Dynamics (CreAgent; research/baselines-spec.md Section 3.1) at genre level.

    State: a unit propensity vector c per creator, c ~ N(0, I) normalised. Choice: softmax(c / T).
    Update for active creators: c <- normalise_2(c + lr * f), f_g = feedback_g / made_g.
    """

    def __init__(self, lr: float = 0.1, temperature: float = 0.1) -> None:
        self.lr = float(lr)
        self.temperature = float(temperature)
        self.propensity = np.zeros((0, 0))

    def reset(self, rng: np.random.Generator, num_creators: int, num_genres: int) -> None:
        """Draws c ~ N(0, I) per creator and normalises it to the unit sphere."""
        propensity = rng.normal(size=(num_creators, num_genres))
        self.propensity = propensity / np.linalg.norm(propensity, axis=1, keepdims=True)

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
        """Samples g ~ softmax(c / T)."""
        return cm.cfd_choice(rng, self.propensity, self.temperature)

    def update(self, made: np.ndarray, feedback: np.ndarray, genre_reward: np.ndarray, active: np.ndarray) -> None:
        """c <- normalise_2(c + lr * feedback / made) for active creators."""
        self.propensity = cm.cfd_update(self.propensity, made, feedback, self.lr, active)


class SimuLine:
    """SimuLine at genre level: P(g) proportional to the reward on g over the last ``window`` rounds
    plus ``smoothing`` (the creator copies what recently paid off)."""

    def __init__(self, window: int = 5, smoothing: float = 0.1) -> None:
        self.window = int(window)
        self.smoothing = float(smoothing)
        self.recent = np.zeros((self.window, 0, 0))
        self.rounds = 0

    def reset(self, rng: np.random.Generator, num_creators: int, num_genres: int) -> None:
        """Empties the window of recent rewards."""
        self.recent = np.zeros((self.window, num_creators, num_genres))
        self.rounds = 0

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
        """Samples g with P(g) proportional to sum of the window's reward on g + smoothing."""
        return cm.simuline_choice(rng, self.recent.sum(axis=0), self.smoothing)

    def update(self, made: np.ndarray, feedback: np.ndarray, genre_reward: np.ndarray, active: np.ndarray) -> None:
        """Stores this round's reward in the ring buffer of the last ``window`` rounds."""
        self.recent[self.rounds % self.window] = genre_reward
        self.rounds += 1


CREATOR_MODELS: Registry[CreatorModel] = Registry("creator model", CreatorModel)


def register_creator_model(name: str, factory: Callable[[Any], CreatorModel]) -> None:
    """Registers a creator model: ``factory(config)`` returns a fresh :class:`CreatorModel`.

    ``config`` is the world's configuration (``CreatorSuggestionConfig``), so a factory can read any
    of its fields; a factory that needs none may ignore it (``lambda config: MyModel()``).
    """
    CREATOR_MODELS.register(name, factory)


register_creator_model("random_history", lambda config: RandomHistory())
register_creator_model("most_clicked_history", lambda config: MostClickedHistory())
register_creator_model("cfd", lambda config: CFD(config.cfd_lr, config.cfd_temperature))
register_creator_model("simuline", lambda config: SimuLine(config.simuline_window, config.simuline_smoothing))

from recogym_eco.components import feedback_creators as _feedback  # noqa: E402,F401  (registers "feedback")
