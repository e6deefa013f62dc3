"""A social-choice objective for every environment: reward = a weighted sum of what each actor gets.

Seed 003 (Boutilier et al., "Modeling Recommender Ecosystems", Sections 10–11) asks a recommender to
optimise an explicit social choice function that trades off user welfare, creator utility and
broader values such as content diversity. :class:`SocialChoiceReward` turns any env's reward into::

    reward = w_user * user_welfare + w_creator * creator_reward + w_retained * creators_retained
             + w_diversity * content_diversity

reading each term from the step's ``info``. Which key each environment provides (:data:`SOCIAL_CHOICE_KEYS`):

| env | user_welfare | creator_reward | creators_retained | content_diversity |
|---|---|---|---|---|
| CreatorSuggestion-v0/-v1 | ``clicks`` | sum of ``creator_reward`` | ``present_creators`` | ``content_diversity`` |
| ContentCompetition-v0 | ``welfare`` | ``creator_utility_mean`` | — | ``content_diversity`` |
| ExposureGame-v0 | ``user_welfare`` | sum of ``producer_utility`` | — | ``content_diversity`` |
| TrialOfferMarket-v0 | ``purchases`` | — | — | ``market_entropy`` |
| UserDynamics-v0 | ``mean_rating`` | — | — | ``coverage`` |

A term with a non-zero weight that the env does not provide raises a ``ValueError`` naming the env,
the term and the terms it has; ``keys=`` overrides or adds a term's info key for any env (a user's
env too). The terms are in the env's own units (clicks, counts, nats); choose weights accordingly.
``info["social_choice"]`` (reset and step) holds the four terms (NaN where not provided).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["SOCIAL_CHOICE_KEYS", "TERMS", "SocialChoiceReward"]

TERMS = ("user_welfare", "creator_reward", "creators_retained", "content_diversity")

#: Env name (id without namespace and version) -> term -> info key (a summed array or a number).
SOCIAL_CHOICE_KEYS: dict[str, dict[str, str]] = {
    "CreatorSuggestion": {"user_welfare": "clicks", "creator_reward": "creator_reward",
                          "creators_retained": "present_creators", "content_diversity": "content_diversity"},
    "ContentCompetition": {"user_welfare": "welfare", "creator_reward": "creator_utility_mean",
                           "content_diversity": "content_diversity"},
    "ExposureGame": {"user_welfare": "user_welfare", "creator_reward": "producer_utility",
                     "content_diversity": "content_diversity"},
    "TrialOfferMarket": {"user_welfare": "purchases", "content_diversity": "market_entropy"},
    "UserDynamics": {"user_welfare": "mean_rating", "content_diversity": "coverage"},
}


def _env_name(env: gym.Env) -> str:
    spec = getattr(env, "spec", None) or getattr(env.unwrapped, "spec", None)
    gym_id = spec.id if spec is not None else type(env.unwrapped).__name__.removesuffix("Env")
    return gym_id.rsplit("/", 1)[-1].rsplit("-v", 1)[0]


class SocialChoiceReward(gym.Wrapper):
    """Replaces the reward by the weighted social-choice combination of the module docstring.

    ``user_welfare``, ``creator_reward``, ``creators_retained``, ``content_diversity``: the weights
    (finite reals; default: user welfare only, which leaves the reward as the env's welfare term).
    ``keys``: term -> info key overrides. The env's own reward is kept in ``info["env_reward"]``.
    """

    def __init__(self, env: gym.Env, user_welfare: float = 1.0, creator_reward: float = 0.0,
                 creators_retained: float = 0.0, content_diversity: float = 0.0,
                 keys: dict[str, str] | None = None) -> None:
        super().__init__(env)
        weights = dict(zip(TERMS, (user_welfare, creator_reward, creators_retained, content_diversity)))
        for term, w in weights.items():
            if isinstance(w, bool) or not isinstance(w, (int, float, np.integer, np.floating)) or not np.isfinite(w):
                raise ValueError(f"weight {term} must be a finite real number; got {w!r}")
        unknown = set(keys or {}) - set(TERMS)
        if unknown:
            raise ValueError(f"keys may only name the terms {TERMS}; got {sorted(unknown)}")
        self.weights = {term: float(w) for term, w in weights.items()}
        name = _env_name(env)
        self.keys = {**SOCIAL_CHOICE_KEYS.get(name, {}), **(keys or {})}
        missing = [t for t, w in self.weights.items() if w != 0 and t not in self.keys]
        if missing:
            raise ValueError(f"{name} provides no info key for {missing} (it provides {sorted(self.keys)}); give "
                             f"those terms weight 0 or name their info key with keys={{term: info_key}}")

    def terms(self, info: dict[str, Any]) -> dict[str, float]:
        """The four terms read from ``info`` (NaN for those the env does not provide)."""
        out = {}
        for term in TERMS:
            key = self.keys.get(term)
            if key is None:
                out[term] = float("nan")
                continue
            if key not in info:
                raise ValueError(f"info has no key {key!r} for the term {term}; info keys are {sorted(info)}")
            out[term] = float(np.sum(info[key]))
        return out

    def _combine(self, terms: dict[str, float]) -> float:
        return float(sum(w * terms[t] for t, w in self.weights.items() if w != 0))

    def reset(self, **kwargs: Any):
        """Resets the env; ``info`` gains ``social_choice`` (the terms of the reset) and ``env_reward`` 0."""
        obs, info = self.env.reset(**kwargs)
        info = dict(info)
        info["social_choice"] = self.terms(info)
        info["env_reward"] = 0.0
        return obs, info

    def step(self, action: Any):
        """Steps the env and returns the weighted social-choice reward instead of the env's."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = dict(info)
        terms = self.terms(info)
        info["social_choice"] = terms
        info["env_reward"] = float(reward)
        return obs, self._combine(terms), terminated, truncated, info
