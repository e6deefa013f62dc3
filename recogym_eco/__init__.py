"""recogym_eco: reinforcement-learning environments for recommender ecosystems.

``import recogym_eco`` registers every environment of :data:`recogym_eco.registry.ENVIRONMENTS`
with Gymnasium (``gymnasium.make("recogym_eco/CreatorSuggestion-v0")``) and PettingZoo
(``pettingzoo.make("parallel", "recogym_eco/creator_suggestion-v0")``); the PettingZoo modules live
in ``recogym_eco.envs`` (``creator_suggestion_v0``, ``content_competition_v0``, ...).

Plug-in points (a user's class plugs in without editing the package; see envs.md, "Extending"):
:class:`CreatorModel` with :func:`register_creator_model`, :class:`Recommender` with
:func:`register_recommender`, and rankers with ``recogym_eco.agents.register_ranker``.
"""

from recogym_eco.components.creator_models import CreatorModel, register_creator_model
from recogym_eco.components.recommenders import Recommender, register_recommender
from recogym_eco.components.ranking import Ranker, RankingRequest
from recogym_eco.registry import ENVIRONMENTS, register_all

__version__ = "0.1.0"

register_all()

__all__ = [
    "ENVIRONMENTS",
    "CreatorModel",
    "Ranker",
    "RankingRequest",
    "Recommender",
    "__version__",
    "register_all",
    "register_creator_model",
    "register_recommender",
]
