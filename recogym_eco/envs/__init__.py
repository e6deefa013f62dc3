"""Environments: one module per scenario (Gymnasium face) plus its ``*_v0`` PettingZoo module."""

from recogym_eco.envs import content_competition_v0, creator_suggestion_v0
from recogym_eco.envs.content_competition import ContentCompetitionEnv, register_content_competition
from recogym_eco.envs.creator_suggestion import CreatorSuggestionEnv, register_creator_suggestion

__all__ = [
    "ContentCompetitionEnv",
    "CreatorSuggestionEnv",
    "content_competition_v0",
    "creator_suggestion_v0",
    "register_content_competition",
    "register_creator_suggestion",
]
