"""LoRe platform agent (seed 001, §4): PPO actor-critic with a creator-shared policy and trust estimators.

- :class:`PerCreatorCategoricalDistribution` (``distribution.py``): vectorised per-creator categorical.
- :class:`SharedCreatorPolicy` (``policy.py``): SB3 ``ActorCriticPolicy``, one network for all creators.
- :class:`TrustNet`, :class:`LearnedTrust` (``trust.py``): the paper's learned trust estimator.
- :func:`make_lore`, :func:`make_lore_vec_env`, :func:`save_lore`, :func:`load_lore` (no unpickling by
  default), :class:`LoRePolicyPredictor` (``agent.py``): factory, saving with a sidecar JSON, safe
  loading (any creator count) and an ``evaluate_policy``-ready predictor.
- ``imitation.py``: warm start (behaviour cloning of a suggestion heuristic, critic warm-up with the
  actor frozen), used by ``recogym-eco train --bc-teacher ... --critic-warmup ...``.
"""

from recogym_eco.agents.lore.agent import (
    ENV_ID,
    LORE_POLICY_KWARGS,
    LORE_PPO_DEFAULTS,
    LoRePolicyPredictor,
    load_lore,
    make_lore,
    make_lore_vec_env,
    read_sidecar,
    save_lore,
)
from recogym_eco.agents.lore.distribution import PerCreatorCategoricalDistribution
from recogym_eco.agents.lore.policy import SharedCreatorPolicy
from recogym_eco.agents.lore.trust import LearnedTrust, TrustNet

__all__ = [
    "ENV_ID",
    "LORE_POLICY_KWARGS",
    "LORE_PPO_DEFAULTS",
    "LearnedTrust",
    "LoRePolicyPredictor",
    "PerCreatorCategoricalDistribution",
    "SharedCreatorPolicy",
    "TrustNet",
    "load_lore",
    "read_sidecar",
    "save_lore",
    "make_lore",
    "make_lore_vec_env",
]
