"""Environments: one module per scenario (Gymnasium face) plus its ``*_v0`` PettingZoo module."""

from recogym_eco.envs import creator_suggestion_v0
from recogym_eco.envs.creator_suggestion import CreatorSuggestionEnv, register_creator_suggestion

__all__ = ["CreatorSuggestionEnv", "creator_suggestion_v0", "register_creator_suggestion"]
