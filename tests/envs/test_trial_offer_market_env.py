"""TrialOfferMarket-v0 Gymnasium face and the ranking baselines of recogym_eco.agents.market_rankers."""

from __future__ import annotations

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest
from recogym_eco.agents.market_rankers import PopularityRanker, QualityRanker, RandomRanker

import recogym_eco  # noqa: F401  (registers the ids)
from recogym_eco.envs.trial_offer_market import TrialOfferMarketEnv
from recogym_eco.registry import entry
from recogym_eco.worlds.trial_offer_market import market_efficiency

ID = "recogym_eco/TrialOfferMarket-v0"
SMALL = entry(ID).test_kwargs


def _run(env, actions_from, seed, steps=None):
    obs, info = env.reset(seed=seed)
    out = [(obs, info)]
    done, t = False, 0
    while not done and (steps is None or t < steps):
        obs, rew, term, trunc, info = env.step(actions_from(obs))
        out.append((obs, rew, info))
        done = term or trunc
        t += 1
    return out


def _same(a, b):
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, dict):
                assert u.keys() == v.keys()
                for k in u:
                    np.testing.assert_array_equal(u[k], v[k])
            else:
                np.testing.assert_array_equal(u, v)


def test_checkers_pass():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(ID, **SMALL)
    check_env(env.unwrapped, skip_render_check=False)
    sb3_check_env(gym.make(ID, **SMALL))
    sb3_check_env(gym.make(ID, **SMALL, shared_ranking=True))


def test_spaces_info_reward_and_truncation():
    env = gym.make(ID, **SMALL)
    u = env.unwrapped
    T, I = u.world.num_types, u.world.num_items
    assert env.action_space.shape == (T * I,) and env.observation_space.shape == (I + 1,)
    obs, info = env.reset(seed=0)
    keys = set(info)
    assert {"market_shares", "efficiency", "market_entropy", "type_efficiency", "expected_efficiency"} <= keys
    np.testing.assert_allclose(obs[:I], 1.0 / I, rtol=1e-6)
    total = I * u.config.initial_purchases
    for t in range(1, SMALL["horizon"] + 1):
        obs, rew, term, trunc, info = env.step(env.action_space.sample())
        assert set(info) == keys and isinstance(rew, float) and not term
        assert trunc == (t == SMALL["horizon"])
        new_total = int(u.world.counts.sum())
        assert rew == new_total - total == info["purchases"]
        total = new_total
        assert info["efficiency"] == pytest.approx(rew / SMALL["batch_size"])
        np.testing.assert_allclose(info["market_shares"], u.world.counts / total)
        assert info["market_entropy"] == pytest.approx(-(info["market_shares"] * np.log(info["market_shares"])).sum())
        assert obs[-1] == pytest.approx(t / SMALL["horizon"])
        dense = market_efficiency(info["market_shares"], u.type_weights, u.visibility, u.quality, u.world.feedback)
        assert info["expected_efficiency"] == pytest.approx(dense, rel=1e-12)
        assert info["type_efficiency"].shape == (T,) and np.all((info["type_efficiency"] >= 0) & (info["type_efficiency"] <= 1))
    assert info["efficiency_cumulative"] == pytest.approx(u.world.purchases / (SMALL["horizon"] * SMALL["batch_size"]))
    with pytest.raises(RuntimeError):
        env.step(env.action_space.sample())


def test_bad_actions_raise_before_state_changes():
    env = gym.make(ID, **SMALL).unwrapped
    env.reset(seed=0)
    counts = env.world.counts.copy()
    for bad, exc in ((np.zeros(3), ValueError), (np.full(env.action_space.shape, np.inf), ValueError), ("a", TypeError)):
        with pytest.raises(exc):
            env.step(bad)
    np.testing.assert_array_equal(env.world.counts, counts)
    with pytest.raises(ValueError, match="render_mode"):
        TrialOfferMarketEnv(**SMALL, render_mode="human")
    with pytest.raises(ValueError, match="preset"):
        gym.make(ID, preset="netflix")


def test_seeded_episodes_reproduce_and_copies_continue():
    env = gym.make(ID, **SMALL)
    acts = [env.action_space.sample() for _ in range(SMALL["horizon"])]
    it = iter(acts)
    a = _run(env, lambda o: next(it), seed=3)
    it = iter(acts)
    b = _run(gym.make(ID, **SMALL), lambda o: next(it), seed=3)
    _same(a, b)
    it = iter(acts)
    c = _run(gym.make(ID, **SMALL), lambda o: next(it), seed=4)
    assert any(not np.array_equal(x[0], y[0]) for x, y in zip(a[1:], c[1:]))
    base = gym.make(ID, **SMALL).unwrapped
    base.reset(seed=5)
    for k in range(2):
        base.step(acts[k])
    clones = [copy.deepcopy(base), pickle.loads(pickle.dumps(base))]
    for k in range(2, SMALL["horizon"]):
        ref = base.step(acts[k])
        for cl in clones:
            got = cl.step(acts[k])
            np.testing.assert_array_equal(ref[0], got[0])
            assert ref[1:4] == got[1:4]


def test_render_modes():
    env = gym.make(ID, **SMALL, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(env.action_space.sample())
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    env = gym.make(ID, **SMALL, render_mode="ansi")
    env.reset(seed=0)
    assert "efficiency" in env.render()


def test_public_arrays_and_equilibrium_homogeneous():
    env = gym.make(ID, preset="synthetic-homogeneous", num_items=10, num_types=3, num_positions=10, feedback=0.5)
    u = env.unwrapped
    env.reset(seed=0)
    q = u.quality[0]
    action = np.linspace(1, -1, 10)[np.argsort(np.argsort(-q))]  # quality order
    env.step(action)
    v = u.visibility[0]
    np.testing.assert_allclose(v, u.appeal[0] * u.world.position_factors[u.world.positions[0]])
    x = (v * q) ** 2
    np.testing.assert_allclose(u.equilibrium_shares(), x / x.sum(), rtol=1e-12)


def test_baselines_predict_shapes_and_orders():
    env = gym.make(ID, **SMALL)
    u = env.unwrapped
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(env.action_space.sample())
    I, T = u.world.num_items, u.world.num_types
    pop, qual, rnd = PopularityRanker(env), QualityRanker(env), RandomRanker(env, seed=1)
    for agent in (pop, qual, rnd):
        act, state = agent.predict(obs, deterministic=True)
        assert state is None and env.action_space.contains(act)
        batch, _ = agent.predict(np.stack([obs, obs]))
        assert batch.shape == (2, T * I)
    u.world.set_ranking(pop.predict(obs)[0])
    shares = u.world.market_shares()
    order = np.lexsort((np.arange(I), -shares))
    np.testing.assert_array_equal(u.world.positions[0][order], np.arange(I))
    u.world.set_ranking(qual.predict(obs)[0])
    for i in range(T):
        np.testing.assert_array_equal(np.argsort(u.world.positions[i]), np.argsort(-u.quality[i], kind="stable"))
    a1, a2 = rnd.predict(obs)[0], rnd.predict(obs)[0]
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1.reshape(T, I)[0], a1.reshape(T, I)[1])  # one order for all types
    np.testing.assert_array_equal(RandomRanker(env, seed=7).predict(obs)[0], RandomRanker(env, seed=7).predict(obs)[0])
    shared = gym.make(ID, **SMALL, shared_ranking=True)
    o, _ = shared.reset(seed=0)
    for agent in (PopularityRanker(shared), QualityRanker(shared), RandomRanker(shared, seed=0)):
        assert agent.predict(o)[0].shape == (I,)
    with pytest.raises(TypeError):
        QualityRanker(gym.make("CartPole-v1"))


def test_quality_beats_popularity_beats_random_on_synthetic():
    eff = {}
    for name, make in (("random", lambda e: RandomRanker(e, seed=0)), ("popularity", PopularityRanker),
                       ("quality", QualityRanker)):
        vals = []
        for seed in range(4):
            env = gym.make(ID, preset="synthetic-heterogeneous", batch_size=200, horizon=50)
            agent = make(env)
            out = _run(env, lambda o, a=agent: a.predict(o)[0], seed=seed)
            vals.append(out[-1][2]["efficiency_cumulative"])
        eff[name] = np.mean(vals)
    assert eff["quality"] > eff["popularity"] > eff["random"]
