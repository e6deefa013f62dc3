"""recogym_eco: reinforcement-learning environments for recommender ecosystems.

``import recogym_eco`` registers every environment of :data:`recogym_eco.registry.ENVIRONMENTS`
with Gymnasium (``gymnasium.make("recogym_eco/CreatorSuggestion-v0")``) and PettingZoo
(``pettingzoo.make("parallel", "recogym_eco/creator_suggestion-v0")``); the PettingZoo modules live
in ``recogym_eco.envs`` (``creator_suggestion_v0``, ``content_competition_v0``, ...).
"""

from recogym_eco.registry import ENVIRONMENTS, register_all

__version__ = "0.1.0"

register_all()

__all__ = ["ENVIRONMENTS", "__version__", "register_all"]
