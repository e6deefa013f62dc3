"""Environments: one module per scenario (Gymnasium face) plus its ``*_vN`` PettingZoo module.

Every environment is registered from one table, :data:`recogym_eco.registry.ENVIRONMENTS`.
"""

from recogym_eco.envs import content_competition_v0, creator_suggestion_v0
from recogym_eco.envs.content_competition import ContentCompetitionEnv
from recogym_eco.envs.creator_suggestion import CreatorSuggestionEnv

__all__ = [
    "ContentCompetitionEnv",
    "CreatorSuggestionEnv",
    "content_competition_v0",
    "creator_suggestion_v0",
]
