"""creator_suggestion_v1: CreatorSuggestion-v1, the creator-suggestion world with v1 mechanics.

| | |
|---|---|
| Gymnasium | ``gym.make("recogym_eco/CreatorSuggestion-v1", **kwargs)`` (the ``CreatorSuggestionEnv`` class with :data:`V1_DEFAULTS`) |
| PettingZoo | ``creator_suggestion_v1.parallel_env(**kwargs)``, ``creator_suggestion_v1.env(**kwargs)`` |
| Observation | ``"paper"``: ``Box(0, 1, (C, G + 2))`` as v0; ``"log"``: ``Box(0, inf, (C, 5 G + 2))``: the paper's state, then per creator its uploads and clicks per genre, platform-wide clicks and items per genre over the last ``freshness_window`` rounds, all absolute counts |
| Action, reward, agents | as ``CreatorSuggestion-v0`` |

Same round as v0 (``recogym_eco.worlds.creator_suggestion``); the models behind it change
(DESIGN Section 3b, issue 9). Each default below, with its reason:

* ``recommender="mf"``: online logistic matrix factorisation on the platform's own impressions and
  clicks, cold start by genre and creator (``components.mf_recommender``); the paper ranks with a
  learned recommender (DIN, seed 001 Section 5.2), CreAgent with MF retrained on its own logs.
  ``mf_dim=16, mf_lr=0.2, mf_steps=3, mf_reg=0.01`` (config defaults; the step size was chosen
  among 0.05 / 0.1 / 0.2 / 0.5 by the recommender's own accuracy, the rank correlation of its scores
  with the true click probabilities, on training seeds 0–2).
* ``creator_fallback="feedback"``: feedback-driven, exploring, imitating creators
  (``components.feedback_creators``; CreAgent's CFD creators and SimuLine's copying of the pool),
  ``feedback_lr=0.2`` (SimuLine's 5-round window), ``feedback_temperature=1.0`` (one click per item
  of difference multiplies a genre's odds by e), ``feedback_explore=0.1``, ``feedback_imitation=0.5``.
* ``initial_genre_skew=2.0``: creators' starting genres drawn with P(g) proportional to (g + 1)^-2, twice
  the users' ``preference_skew`` (1.0), so supply starts more concentrated than demand (issue 9
  measured the paper's diversity pattern with exactly this skew on v0; no v1 run chose it).
* ``skill_range=(0.4, 0.8)``, ``skill_growth=0.1``, ``skill_decay=0.01``: skill starts below the
  click model's ceiling 1 so practice matters; each item made closes 10% of the gap to 1 (the step
  size 0.1 of CreAgent's CFD/LBR creators), each round without practice gives back 1% of what was
  gained (skill learned over ~10 items fades over ~100 rounds, within the 150-round horizon).
* ``trust_dynamics="relative"``, ``trust_lr=0.05``, ``usual_reward_rate=0.2``: following a
  suggestion moves trust by 0.05 (r - u) / (u + 1) against the creator's usual reward u (ties do
  not lower trust; research/baselines-spec.md Section 4).
* ``log_units="counts"``: ``observation="log"`` gives absolute counts (the platform's logs as logged).

Speed: v1's round runs on NumPy by default (``engine="auto"``: the trajectories this id published);
``engine="fast"`` plays the same world in a compiled round (ties in the ranking broken uniformly at
random, its own rounding: not the NumPy bits), 4-5x faster for one world and batched by
``gymnasium.make_vec`` (envs.md, "Engines and many worlds at once").
"""

from __future__ import annotations

from typing import Any

from pettingzoo.utils.conversions import parallel_to_aec

from recogym_eco.envs import creator_suggestion_v0 as v0

ENV_ID = "recogym_eco/CreatorSuggestion-v1"

#: The v1 defaults (reasons in the module docstring); the registry row of ENV_ID holds the same dict.
V1_DEFAULTS: dict[str, Any] = dict(
    recommender="mf",
    creator_fallback="feedback",
    initial_genre_skew=2.0,
    skill_range=(0.4, 0.8),
    skill_growth=0.1,
    skill_decay=0.01,
    trust_dynamics="relative",
    log_units="counts",
)


class raw_env(v0.raw_env):  # noqa: N801 — PettingZoo's naming convention
    """The PettingZoo game of ``creator_suggestion_v0`` with :data:`V1_DEFAULTS` (same options)."""

    metadata = {**v0.raw_env.metadata, "name": "creator_suggestion_v1"}

    def __init__(self, render_mode: str | None = None, platform_policy: Any = None, keep_departed: bool = False,
                 flat_platform_observation: bool = False, **kwargs: Any) -> None:
        super().__init__(render_mode=render_mode, platform_policy=platform_policy, keep_departed=keep_departed,
                         flat_platform_observation=flat_platform_observation, **{**V1_DEFAULTS, **kwargs})


def parallel_env(**kwargs: Any) -> raw_env:
    """The v1 game with PettingZoo's parallel API."""
    return raw_env(**kwargs)


def env(**kwargs: Any):
    """The v1 game with PettingZoo's AEC API."""
    return parallel_to_aec(raw_env(**kwargs))
