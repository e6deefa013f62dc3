"""recogym_eco: reinforcement-learning environments for recommender ecosystems.

``import recogym_eco`` registers the Gymnasium ids (``recogym_eco/CreatorSuggestion-v0``, ...);
the PettingZoo games live in ``recogym_eco.envs`` (``creator_suggestion_v0``, ...).
"""

from recogym_eco.envs.creator_suggestion import register_creator_suggestion

__version__ = "0.1.0"

register_creator_suggestion()

__all__ = ["__version__"]
