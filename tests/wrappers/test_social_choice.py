"""SocialChoiceReward: the weighted sum by hand, every registered env, and clear errors."""

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.registry import ENVIRONMENTS
from recogym_eco.wrappers import SOCIAL_CHOICE_KEYS, SocialChoiceReward


def test_weighted_sum_by_hand_on_v1():
    env = SocialChoiceReward(gym.make("recogym_eco/CreatorSuggestion-v1", num_creators=6, num_users=20, num_genres=4),
                             user_welfare=1.0, creator_reward=0.5, creators_retained=2.0, content_diversity=10.0)
    _, info0 = env.reset(seed=0)
    _, reward, _, _, info = env.step(np.ones(6, dtype=np.int64))
    expected = info["clicks"] + 0.5 * info["creator_reward"].sum() + 2.0 * info["present_creators"] \
        + 10.0 * info["content_diversity"]
    assert reward == pytest.approx(expected)
    assert info["env_reward"] == info["clicks"] and set(info0) == set(info)


@pytest.mark.parametrize("row", ENVIRONMENTS, ids=lambda r: r.gym_id)
def test_every_env_has_welfare_and_diversity(row):
    env = SocialChoiceReward(gym.make(row.gym_id, disable_env_checker=True, **row.test_kwargs), content_diversity=1.0)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(env.action_space.sample())
    terms = info["social_choice"]
    assert reward == pytest.approx(terms["user_welfare"] + terms["content_diversity"])


def test_missing_term_is_a_clear_error_and_keys_override():
    row = next(r for r in ENVIRONMENTS if r.gym_id.endswith("ContentCompetition-v0"))
    assert "creators_retained" not in SOCIAL_CHOICE_KEYS["ContentCompetition"]
    with pytest.raises(ValueError, match="ContentCompetition provides no info key for \\['creators_retained'\\]"):
        SocialChoiceReward(gym.make(row.gym_id, **row.test_kwargs), creators_retained=1.0)
    env = SocialChoiceReward(gym.make(row.gym_id, **row.test_kwargs), user_welfare=0.0, creators_retained=1.0,
                             keys={"creators_retained": "accept_rate"})
    env.reset(seed=0)
    _, reward, _, _, info = env.step(env.action_space.sample())
    assert reward == pytest.approx(info["accept_rate"])
    with pytest.raises(ValueError, match="weight user_welfare"):
        SocialChoiceReward(gym.make(row.gym_id, **row.test_kwargs), user_welfare=float("nan"))
