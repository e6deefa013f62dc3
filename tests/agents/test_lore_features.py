"""The ``observation="log"`` option (the platform's logs), and LoRe models as plain SB3 models."""

import json
import pickle
import zipfile

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy

import recogym_eco  # noqa: F401
from recogym_eco.agents.lore import LoRePolicyPredictor, load_lore, make_lore, make_lore_vec_env, save_lore
from recogym_eco.agents.shipped import shipped_model, shipped_models


def test_log_observation_is_the_platform_logs():
    env = gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=3, num_genres=4, observation="log")
    env.reset(seed=0)
    world = env.unwrapped.world
    world.made[:] = [[2, 0, 2, 0], [0, 1, 0, 0], [1, 1, 1, 1]]
    world.click_log[:] = [[3, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 5]]
    world.genre_click_log[:] = 0
    world.genre_click_log[0] = [1, 0, 3, 0]
    obs = world.observation()
    assert obs.shape == env.observation_space.shape == (3, 6 + 12) and obs.dtype == np.float32
    assert np.allclose(obs[0, 6:10], [0.5, 0, 0.5, 0]) and np.allclose(obs[2, 6:10], 0.25)
    assert np.allclose(obs[0, 10:14], [0.75, 0, 0.25, 0]) and np.allclose(obs[1, 10:14], 0)
    assert np.allclose(obs[:, 14:18], [0.25, 0, 0.75, 0])
    paper = gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=3, num_genres=4)
    assert np.array_equal(paper.reset(seed=0)[0], env.reset(seed=0)[0][:, :6])


def test_observation_option_leaves_the_dynamics_alone():
    runs = []
    for observation in ("paper", "log"):
        env = gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=6, num_users=20, observation=observation)
        env.reset(seed=4)
        env.action_space.seed(0)
        runs.append([env.step(env.action_space.sample())[1] for _ in range(15)])
    assert runs[0] == runs[1]


def test_log_model_plays_a_log_env_with_any_creator_count():
    venv = make_lore_vec_env(n_envs=2, seed=0, env_kwargs=dict(num_creators=5, num_genres=3, horizon=8),
                             features="log")
    model = make_lore(venv, seed=0, n_steps=8, batch_size=16, n_epochs=1)
    model.learn(32)
    env = gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=7, num_genres=3, observation="log")
    obs, _ = env.reset(seed=1)
    action, _ = LoRePolicyPredictor(model).predict(obs)
    assert action.shape == (7,) and env.action_space.contains(action.astype(np.int64))


@pytest.mark.parametrize("name", ["lore_default", "lore_skewed", "lore_default_paper_state", "lore_v1_default",
                                  "lore_v1_balanced", "lore_v1_skewed"])
def test_every_shipped_model_is_a_plain_sb3_model(name):
    path = shipped_model(name)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    env = gym.make(sidecar["env_id"], **{**sidecar["env_kwargs"], "horizon": 5})
    mean, _ = evaluate_policy(PPO.load(path, device="cpu"), env, n_eval_episodes=1, warn=False)
    assert mean > 0


def test_safe_load_equals_trusted_load_on_shipped_models():
    for name in shipped_models():
        safe, trusted = load_lore(shipped_model(name)), load_lore(shipped_model(name), trusted=True)
        for key, value in trusted.policy.state_dict().items():
            assert np.array_equal(value.numpy(), safe.policy.state_dict()[key].numpy()), (name, key)


class Hostile:
    """Unpickling this writes a marker file: the attack that SB3's cloudpickled .zip allows."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_safe_load_never_unpickles_the_model_file(tmp_path):
    path = save_lore(load_lore(shipped_model("lore_default")), tmp_path / "model.zip")
    marker = tmp_path / "pwned"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "evil.zip", "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "data":
                spec = json.loads(data)
                spec["policy_class"][":serialized:"] = __import__("base64").b64encode(
                    pickle.dumps(Hostile(str(marker)))).decode()
                data = json.dumps(spec).encode()
            dst.writestr(item, data)
    (tmp_path / "evil.json").write_text(path.with_suffix(".json").read_text())
    model = load_lore(tmp_path / "evil.zip")
    assert not marker.exists() and model.policy.num_features == 58
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "evil2.zip", "w") as dst:
        for item in src.namelist():
            dst.writestr(item, pickle.dumps(Hostile(str(marker))) if item == "policy.pth" else src.read(item))
    (tmp_path / "evil2.json").write_text(path.with_suffix(".json").read_text())
    with pytest.raises(Exception):
        load_lore(tmp_path / "evil2.zip")
    assert not marker.exists()


def test_load_without_sidecar_says_how(tmp_path):
    path = save_lore(load_lore(shipped_model("lore_default")), tmp_path / "model.zip")
    path.with_suffix(".json").unlink()
    with pytest.raises(FileNotFoundError, match="trusted=True"):
        load_lore(path)


def test_heuristics_read_only_the_observation_and_run_vectorised():
    from stable_baselines3.common.env_util import make_vec_env

    from recogym_eco.agents.heuristics import MostClick, MostHistoryClick

    kwargs = dict(num_creators=6, num_users=20, horizon=6, observation="log")
    venv = make_vec_env("recogym_eco/CreatorSuggestion-v0", n_envs=2, env_kwargs=kwargs)
    for policy in (MostHistoryClick(venv), MostClick(venv)):
        mean, _ = evaluate_policy(policy, venv, n_eval_episodes=2, warn=False)
        assert mean > 0
    with pytest.raises(ValueError, match="observation='log'"):
        MostHistoryClick(gym.make("recogym_eco/CreatorSuggestion-v0")).predict(np.zeros((50, 16), np.float32))


def test_split_head_equals_concatenated_head():
    import torch as th

    policy = load_lore(shipped_model("lore_default")).policy
    obs = th.rand(3, 11, policy.num_features)
    e = policy.actor_encoder(obs)
    ctx = policy.context_net(policy._pool(e))
    z = th.cat([e, ctx.unsqueeze(1).expand(-1, e.shape[1], -1)], dim=-1)
    reference = policy.action_net(policy.head_net(z))
    assert th.allclose(policy.action_logits(obs), reference, atol=1e-6)
