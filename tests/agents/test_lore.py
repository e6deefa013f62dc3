"""LoRe agent: vectorised distribution, shared policy, save/load, learned trust, evaluate_policy."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from stable_baselines3 import PPO
from stable_baselines3.common.distributions import MultiCategoricalDistribution
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from recogym_eco.agents.lore import (
    LearnedTrust,
    LoRePolicyPredictor,
    PerCreatorCategoricalDistribution,
    SharedCreatorPolicy,
    TrustNet,
    load_lore,
    make_lore,
)

th.set_num_threads(1)  # tiny networks; 2 threads thrash on a shared 2-core VM

ENV_ID = "recogym_eco/CreatorSuggestion-v0"
SMALL = dict(num_creators=8, num_users=30, num_genres=5, horizon=20)


def make_env(**overrides) -> gym.Env:
    import recogym_eco  # noqa: F401  (registers the env)

    return gym.make(ENV_ID, **{**SMALL, **overrides})


def small_model(n_envs: int = 2, seed: int = 0, **ppo) -> PPO:
    venv = make_vec_env(lambda: make_env(), n_envs=n_envs, seed=seed)
    kw = dict(n_steps=40, batch_size=40, n_epochs=4, learning_rate=3e-3, seed=seed)
    kw.update(ppo)
    return make_lore(venv, policy_kwargs=dict(embed_dim=16, head_dim=16), **kw)


# ---------------------------------------------------------------------------------------------------
# distribution
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch,slots,k", [(1, 1, 2), (7, 5, 4), (32, 50, 15)])
def test_distribution_matches_sb3_multicategorical(batch, slots, k):
    gen = th.Generator().manual_seed(batch * 100 + slots)
    logits = th.randn(batch, slots * k, generator=gen) * 3.0
    logits[0, :k] = th.tensor([50.0] + [-50.0] * (k - 1))  # near-degenerate slot
    actions = th.randint(0, k, (batch, slots), generator=gen)

    ref = MultiCategoricalDistribution([k] * slots).proba_distribution(logits)
    ours = PerCreatorCategoricalDistribution(k).proba_distribution(logits)
    ours3 = PerCreatorCategoricalDistribution(k).proba_distribution(logits.reshape(batch, slots, k))

    for d in (ours, ours3):
        assert th.allclose(d.log_prob(actions), ref.log_prob(actions), atol=1e-4)
        assert th.allclose(d.log_prob(actions.float()), ref.log_prob(actions), atol=1e-4)
        assert th.allclose(d.entropy(), ref.entropy(), atol=1e-4)
        assert th.equal(d.mode(), ref.mode())
        assert th.equal(d.get_actions(deterministic=True), ref.get_actions(deterministic=True))
        s = d.sample()
        assert s.shape == (batch, slots) and s.dtype == th.int64 and int(s.min()) >= 0 and int(s.max()) < k

    # gradients equal too (what PPO's update sees)
    l1 = logits.clone().requires_grad_(True)
    l2 = logits.clone().requires_grad_(True)
    a = MultiCategoricalDistribution([k] * slots).proba_distribution(l1)
    b = PerCreatorCategoricalDistribution(k).proba_distribution(l2)
    (a.log_prob(actions).sum() + 0.1 * a.entropy().sum()).backward()
    (b.log_prob(actions).sum() + 0.1 * b.entropy().sum()).backward()
    assert th.allclose(l1.grad, l2.grad, atol=1e-4)


def test_distribution_brute_force_joint():
    """Enumerate every joint action of a small problem: probabilities = product of per-slot softmaxes."""
    slots, k = 3, 4
    logits = th.randn(1, slots, k, generator=th.Generator().manual_seed(3))
    d = PerCreatorCategoricalDistribution(k).proba_distribution(logits)
    joint = th.tensor(list(itertools.product(range(k), repeat=slots)))  # (k^slots, slots)
    d_rep = PerCreatorCategoricalDistribution(k).proba_distribution(logits.expand(len(joint), -1, -1))
    logp = d_rep.log_prob(joint)
    soft = th.softmax(logits[0], dim=-1)
    expected = th.stack([soft[th.arange(slots), a].prod() for a in joint])
    assert th.allclose(logp.exp(), expected, atol=1e-6)
    assert abs(float(logp.exp().sum()) - 1.0) < 1e-5
    brute_entropy = -(logp.exp() * logp).sum()
    assert th.allclose(d.entropy()[0], brute_entropy, atol=1e-5)
    assert th.equal(d.mode()[0], joint[int(logp.argmax())])
    # sampling frequencies follow the per-slot probabilities
    th.manual_seed(0)
    big = PerCreatorCategoricalDistribution(k).proba_distribution(logits.expand(20000, -1, -1)).sample()
    freq = th.stack([(big == v).float().mean(0) for v in range(k)], dim=-1)
    assert th.allclose(freq, soft, atol=0.02)


def test_sample_never_draws_a_value_of_probability_zero():
    logits = th.tensor([[[0.0, -float("inf"), 1.0, -float("inf")], [-float("inf")] * 3 + [2.0]]])
    draws = PerCreatorCategoricalDistribution(4).proba_distribution(logits.expand(50000, -1, -1)).sample()
    assert set(draws[:, 0].tolist()) == {0, 2} and set(draws[:, 1].tolist()) == {3}


# ---------------------------------------------------------------------------------------------------
# policy
# ---------------------------------------------------------------------------------------------------
def test_policy_trains_and_distribution_changes():
    model = small_model()
    assert isinstance(model.policy, SharedCreatorPolicy)
    assert isinstance(model.policy.action_dist, PerCreatorCategoricalDistribution)
    obs, _ = make_env().reset(seed=123)
    obs_t = th.as_tensor(obs[None])
    with th.no_grad():
        before = model.policy.get_distribution(obs_t).probs.clone()
    model.learn(400)
    with th.no_grad():
        after = model.policy.get_distribution(obs_t).probs
    assert before.shape == after.shape == (1, SMALL["num_creators"], SMALL["num_genres"] + 1)
    assert float((after - before).abs().max()) > 1e-3
    assert th.allclose(after.sum(-1), th.ones(1, SMALL["num_creators"]), atol=1e-5)


def test_runs_on_a_different_creator_count(tmp_path):
    model = small_model()
    model.learn(80)
    big = make_env(num_creators=13)
    obs, _ = big.reset(seed=1)
    action, _ = model.predict(obs, deterministic=True)
    assert action.shape == (13,) and big.action_space.contains(action)
    batch_action, _ = model.predict(np.stack([obs, obs]), deterministic=False)
    assert batch_action.shape == (2, 13)
    _, reward, *_ = big.step(action)
    assert isinstance(reward, float)

    # re-attach the saved model to the 13-creator world (SB3 VecEnv path) and keep training
    path = tmp_path / "lore.zip"
    model.save(path)
    moved = load_lore(str(path), env=make_vec_env(lambda: make_env(num_creators=13), n_envs=1, seed=0), trusted=True)
    assert moved.observation_space.shape == (13, SMALL["num_genres"] + 2)
    assert np.array_equal(moved.predict(obs, deterministic=True)[0], action)
    moved.learn(40)


def test_save_load_round_trip_identical_actions(tmp_path):
    model = small_model()
    model.learn(80)
    path = tmp_path / "lore.zip"
    model.save(path)
    loaded = PPO.load(path, device="cpu")
    assert isinstance(loaded.policy, SharedCreatorPolicy)
    assert loaded.policy.embed_dim == 16 and loaded.policy.pooling == "mean_max"
    env = make_env()
    obs, _ = env.reset(seed=5)
    for _ in range(5):
        a1, _ = model.predict(obs, deterministic=True)
        a2, _ = loaded.predict(obs, deterministic=True)
        assert np.array_equal(a1, a2)
        th.manual_seed(11)
        s1, _ = model.predict(obs, deterministic=False)
        th.manual_seed(11)
        s2, _ = loaded.predict(obs, deterministic=False)
        assert np.array_equal(s1, s2)
        obs, *_ = env.step(a1)
    sd1, sd2 = model.policy.state_dict(), loaded.policy.state_dict()
    assert sd1.keys() == sd2.keys() and all(th.equal(sd1[k], sd2[k]) for k in sd1)


def test_evaluate_policy_runs_the_model():
    model = small_model()
    env = make_env()
    mean, std = evaluate_policy(model, env, n_eval_episodes=2, warn=False)
    assert np.isfinite(mean) and mean >= 0
    rewards, lengths = evaluate_policy(LoRePolicyPredictor(model), env, n_eval_episodes=2, warn=False,
                                       return_episode_rewards=True)
    assert len(rewards) == 2 and all(n > 0 for n in lengths)


# ---------------------------------------------------------------------------------------------------
# learned trust
# ---------------------------------------------------------------------------------------------------
def test_trust_net_converges_to_true_follow_rate():
    rng = np.random.default_rng(0)
    num_creators = 20
    true_rate = rng.uniform(0.05, 0.95, num_creators)
    ids = rng.integers(0, num_creators, 4000)
    followed = (rng.random(ids.size) < true_rate[ids]).astype(np.float32)
    f = np.bincount(ids, weights=followed, minlength=num_creators)
    n = np.bincount(ids, minlength=num_creators) - f
    empirical = f / (f + n)  # the MLE the BCE loss is minimised by
    net = TrustNet(num_creators, embed_dim=8, seed=0)
    net.fit_events(ids, followed, steps=150, lr=0.1)
    pred = net.predict_all()
    assert np.abs(pred - empirical).max() < 0.03
    assert np.abs(pred - true_rate).max() < 0.12
    assert np.abs(pred - true_rate).mean() < 0.05
    # the count form of the loss reaches the same MLE
    net2 = TrustNet(num_creators, seed=1)
    opt = net2.make_optimizer(lr=0.1)
    for _ in range(30):
        net2.fit_counts(f, n, steps=5, optimizer=opt)
    assert np.abs(net2.predict_all() - empirical).max() < 0.02


def test_learned_trust_wrapper_replaces_column_and_learns():
    env = LearnedTrust(make_env(horizon=60), lr=0.1)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    assert np.allclose(obs[:, -1], 0.5, atol=0.05) and "trust_learned" in info
    rng = np.random.default_rng(0)
    seen = np.zeros(SMALL["num_creators"])
    followed_total = np.zeros(SMALL["num_creators"])
    for _ in range(60):
        action = rng.integers(1, SMALL["num_genres"] + 1, SMALL["num_creators"])
        obs, _, terminated, truncated, info = env.step(action)
        seen += info["followed"] | info["ignored"]
        followed_total += info["followed"]
        assert np.array_equal(obs[:, -1], info["trust_learned"])
        if terminated or truncated:
            break
    ok = seen >= 10
    assert ok.any()
    empirical = followed_total[ok] / seen[ok]
    assert np.abs(obs[ok, -1] - empirical).max() < 0.15
