"""Gymnasium wrappers that apply to every environment of the suite (``social_choice``)."""

from recogym_eco.wrappers.social_choice import SOCIAL_CHOICE_KEYS, SocialChoiceReward

__all__ = ["SOCIAL_CHOICE_KEYS", "SocialChoiceReward"]
