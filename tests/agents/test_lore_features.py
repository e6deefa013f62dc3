"""LoRe's platform-log features: the values, and that a model trained on them plays plain envs."""

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401
from recogym_eco.agents.lore import LoRePolicyPredictor, make_lore, make_lore_vec_env
from recogym_eco.agents.lore.features import PlatformLogFeatures
from recogym_eco.agents.shipped import shipped_model


def test_features_are_the_platform_logs():
    env = PlatformLogFeatures(gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=3, num_genres=4))
    obs, _ = env.reset(seed=0)
    world = env.unwrapped.world
    world.made[:] = [[2, 0, 2, 0], [0, 1, 0, 0], [1, 1, 1, 1]]
    world.click_log[:] = [[3, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 5]]
    world.genre_click_log[:] = 0
    world.genre_click_log[0] = [1, 0, 3, 0]
    obs = env.observation(world.observation())
    assert obs.shape == env.observation_space.shape == (3, 6 + 12) and obs.dtype == np.float32
    assert np.allclose(obs[0, 6:10], [0.5, 0, 0.5, 0]) and np.allclose(obs[2, 6:10], 0.25)
    assert np.allclose(obs[0, 10:14], [0.75, 0, 0.25, 0]) and np.allclose(obs[1, 10:14], 0)
    assert np.allclose(obs[:, 14:18], [0.25, 0, 0.75, 0])


def test_feature_model_plays_a_plain_env_through_the_predictor():
    venv = make_lore_vec_env(n_envs=2, seed=0, env_kwargs=dict(num_creators=5, num_genres=3, horizon=8),
                             features="log")
    model = make_lore(venv, seed=0, n_steps=8, batch_size=16, n_epochs=1)
    model.learn(32)
    env = gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=7, num_genres=3)
    obs, _ = env.reset(seed=1)
    action, _ = LoRePolicyPredictor(model, features_env=env).predict(obs)
    assert action.shape == (7,) and env.action_space.contains(action.astype(np.int64))


def test_split_head_equals_concatenated_head():
    import torch as th

    from recogym_eco.agents.lore import load_lore



    model = load_lore(str(shipped_model("lore_default")))
    policy = model.policy
    obs = th.rand(3, 11, policy.num_features)
    e = policy.actor_encoder(obs)
    ctx = policy.context_net(policy._pool(e))
    z = th.cat([e, ctx.unsqueeze(1).expand(-1, e.shape[1], -1)], dim=-1)
    reference = policy.action_net(policy.head_net(z))
    assert th.allclose(policy.action_logits(obs), reference, atol=1e-6)
