"""recogym_eco: reinforcement-learning environments for recommender ecosystems.

``import recogym_eco`` registers the Gymnasium ids (``recogym_eco/CreatorSuggestion-v0``,
``recogym_eco/ContentCompetition-v0``) and the PettingZoo games (``pettingzoo.make``);
their modules live in ``recogym_eco.envs`` (``creator_suggestion_v0``, ``content_competition_v0``).
"""

from recogym_eco.envs.content_competition import register_content_competition
from recogym_eco.envs.creator_suggestion import register_creator_suggestion

__version__ = "0.1.0"

register_creator_suggestion()
register_content_competition()

__all__ = ["__version__"]
