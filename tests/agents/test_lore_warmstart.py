"""LoRe on CreatorSuggestion-v1: count transform, genre-shared head, ranker in training, warm start."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch as th

from recogym_eco.agents.heuristics import MostHistoryClick
from recogym_eco.agents.lore import load_lore, make_lore, make_lore_vec_env, save_lore
from recogym_eco.agents.lore.imitation import (
    actor_parameters,
    behaviour_clone,
    collect_teacher_data,
    frozen_actor,
)

th.set_num_threads(1)

ENV_ID = "recogym_eco/CreatorSuggestion-v1"
SMALL = dict(num_creators=6, num_users=20, num_genres=4, horizon=12, observation="log")
G = SMALL["num_genres"]


def small_model(ranker: str | None = None, **policy_kwargs):
    venv = make_lore_vec_env(n_envs=2, seed=0, env_id=ENV_ID, features="log",
                             env_kwargs={k: v for k, v in SMALL.items() if k != "observation"}, ranker=ranker)
    kwargs = dict(count_transform="log1p", genre_head=True, embed_dim=8, head_dim=8)
    kwargs.update(policy_kwargs)
    return make_lore(venv, policy_kwargs=kwargs, n_steps=12, batch_size=24, n_epochs=2, seed=0)


def random_counts(batch: int, creators: int, seed: int = 0) -> th.Tensor:
    """Counts-layout observations: one-hot last genre (or made nothing), trust, four count blocks."""
    rng = np.random.default_rng(seed)
    obs = np.zeros((batch, creators, 5 * G + 2), dtype=np.float32)
    last = rng.integers(0, G + 1, size=(batch, creators))
    obs[np.arange(batch)[:, None], np.arange(creators)[None, :], last] = 1.0
    obs[..., G + 1] = rng.random((batch, creators))
    obs[..., G + 2:] = rng.integers(0, 60, size=(batch, creators, 4 * G))
    obs[..., 3 * G + 2:] = obs[:, :1, 3 * G + 2:]  # platform blocks: the same row for every creator
    return th.as_tensor(obs)


def test_log1p_transform_touches_only_the_count_columns():
    policy = small_model().policy
    x = random_counts(2, 5)
    got = policy._as_batch(x)
    assert th.equal(got[..., : G + 2], x[..., : G + 2])
    assert th.allclose(got[..., G + 2:], th.log(1.0 + x[..., G + 2:]))


def test_genre_head_scores_every_genre_with_the_same_weights():
    """Two genres whose per-genre features are equal (in every block) get equal logits; changing one
    genre's features moves only its own logit (the creator summary is held fixed)."""
    policy = small_model().policy
    x = random_counts(3, 5, seed=1)
    for block in range(5):
        start = block * G + (2 if block else 0)
        x[..., start + 3] = x[..., start + 1]
    with th.no_grad():
        logits = policy.action_logits(x)
        assert logits.shape == (3, 5, G + 1)
        assert th.allclose(logits[..., 2], logits[..., 4], atol=1e-6)
        e = policy.actor_encoder(policy._as_batch(x))
        ctx = policy.context_net(policy._pool(e))
        f = policy.genre_features(x)
        f[..., 0, 2] += 5.0  # more clicks in genre 0
        hidden = policy.genre_activation(policy.genre_feature_net(f) + policy.genre_creator_net(e).unsqueeze(2)
                                         + policy.genre_context_net(ctx)[:, None, None, :])
        moved = policy.genre_out(hidden).squeeze(-1)
    assert th.allclose(moved[..., 1:], logits[..., 2:], atol=1e-6)
    assert not th.allclose(moved[..., 0], logits[..., 1])


def test_genre_features_by_hand():
    policy = small_model().policy
    x = random_counts(1, 2, seed=2)
    f = policy.genre_features(x)
    c, g = 1, 3
    made, clicks = float(x[0, c, G + 2 + g]), float(x[0, c, 2 * G + 2 + g])
    demand, supply = float(x[0, c, 3 * G + 2 + g]), float(x[0, c, 4 * G + 2 + g])
    expected = [float(x[0, c, g]), np.log1p(made), np.log1p(clicks), clicks / (made + 1), np.log1p(demand),
                np.log1p(supply)]
    assert np.allclose(f[0, c, g].numpy(), expected, atol=1e-6)


def test_count_options_need_the_counts_layout():
    venv = make_lore_vec_env(n_envs=1, env_id=ENV_ID, features="paper",
                             env_kwargs={k: v for k, v in SMALL.items() if k != "observation"})
    with pytest.raises(ValueError, match="counts layout"):
        make_lore(venv, policy_kwargs=dict(genre_head=True))
    with pytest.raises(ValueError, match="count_transform"):
        small_model(count_transform="sqrt")


def test_unknown_ranker_is_refused():
    with pytest.raises(ValueError, match="registered ranker"):
        make_lore_vec_env(n_envs=1, env_id=ENV_ID, features="log", ranker="NoSuchRanker")


def test_ranker_is_installed_and_recorded(tmp_path):
    model = small_model(ranker="PMMF_CreAgent")
    env = model.get_env().venv.envs[0]
    assert type(env.unwrapped.world.ranker).__name__ == "PMMF"
    path = save_lore(model, tmp_path / "m.zip", env_id=ENV_ID, env_kwargs=SMALL, ranker="PMMF_CreAgent")
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["ranker"] == "PMMF_CreAgent" and sidecar["policy_kwargs"]["genre_head"] is True
    loaded = load_lore(path)
    x = random_counts(2, 9, seed=3)
    with th.no_grad():
        assert th.allclose(loaded.policy.action_logits(x), model.policy.action_logits(x))


def test_collect_teacher_data_without_exploration_replays_the_teacher():
    make_env = lambda: gym.make(ENV_ID, **SMALL)  # noqa: E731
    obs, actions = collect_teacher_data(make_env, lambda env: MostHistoryClick(env), [5], explore=0.0)
    assert obs.shape == (SMALL["horizon"], SMALL["num_creators"], 5 * G + 2) and actions.shape == obs.shape[:2]
    env = make_env()
    teacher = MostHistoryClick(env)
    o, _ = env.reset(seed=5)
    for t in range(SMALL["horizon"]):
        assert np.array_equal(o, obs[t])
        a, _ = teacher.predict(o)
        assert np.array_equal(a, actions[t])
        o, *_ = env.step(a)
    with pytest.raises(ValueError, match="explore"):
        collect_teacher_data(make_env, lambda env: MostHistoryClick(env), [5], explore=1.5)


def test_behaviour_clone_learns_a_rule_the_head_can_express():
    """Teacher: suggest the genre with the most clicks (none without clicks), on random observations;
    after cloning, the policy's most likely action agrees with it on fresh observations."""
    model = small_model()

    def teacher(x: th.Tensor) -> np.ndarray:
        clicks = x[..., 2 * G + 2: 3 * G + 2].numpy()
        return np.where(clicks.max(-1) > 0, clicks.argmax(-1) + 1, 0)

    train = random_counts(400, 6, seed=4)
    train[..., 2 * G + 2: 3 * G + 2] *= th.as_tensor(np.random.default_rng(4).random((400, 6, 1)) > 0.2)
    losses = behaviour_clone(model, train.numpy(), teacher(train), epochs=25, learning_rate=1e-2)
    assert losses[-1] < 0.5 * losses[0]
    test = random_counts(50, 6, seed=5)
    with th.no_grad():
        agree = (model.policy.action_logits(test).argmax(-1).numpy() == teacher(test)).mean()
    assert agree > 0.9
    with pytest.raises(ValueError, match="observations"):
        behaviour_clone(model, train.numpy()[0], teacher(train))


def test_frozen_actor_trains_only_the_critic():
    model = small_model()
    actor = [p.detach().clone() for p in actor_parameters(model)]
    critic = [p.detach().clone() for p in model.policy.value_net.parameters()]
    with frozen_actor(model):
        model.learn(48)
    assert all(th.equal(a, p) for a, p in zip(actor, actor_parameters(model)))
    assert not all(th.equal(c, p) for c, p in zip(critic, model.policy.value_net.parameters()))
    assert all(p.requires_grad for p in model.policy.parameters())
