"""Platform-side decision makers.

- ``heuristics``: suggestion baselines of seed 001 (NoSignal, Random, MostClick, MostHistoryClick) and the
  registry of suggestion policies; ``demand_aware``: the DemandAware heuristic.
- ``rankers``: the ranking lever (TopK, PMMF, FairRec) and the ``WithRanker`` wrapper.
- ``reweight``: adaptive group reweighting (seed 000, Algorithm 1); ``reward_lever.WithReweight``
  applies it to CreatorSuggestion's creator rewards.
- ``lore``: the LoRe PPO agent (creator-shared actor-critic, vectorised per-creator categorical,
  trust estimators, platform-log features); trained models in ``pretrained/``.
- ``shipped``: the models shipped in ``pretrained/`` (``shipped_model(name)``).

``register_ranker`` (from ``rankers``) and ``register_policy`` (from ``heuristics``; DemandAware is
registered too) are re-exported here; importing this package needs no torch.
"""

from recogym_eco.agents.demand_aware import DemandAware  # noqa: F401  (registers it)
from recogym_eco.agents.heuristics import SUGGESTION_POLICIES, register_policy
from recogym_eco.agents.rankers import RANKERS, register_ranker

__all__ = ["RANKERS", "SUGGESTION_POLICIES", "register_policy", "register_ranker"]
