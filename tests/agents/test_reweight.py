"""Reweight (seed 000, Algorithm 1): the multiplicative update, its schedule and the SB3-style predict."""

from __future__ import annotations

import numpy as np
import pytest

from recogym_eco.agents.reweight import Reweight
from recogym_eco.envs.content_competition import ContentCompetitionEnv


def test_update_is_multiplicative_normalised_and_clipped():
    agent = Reweight(3, horizon_epochs=10)
    u = np.array([0.9, 0.5, 0.1])
    w = agent.update(u)
    expect = np.exp(-0.5 * u)
    np.testing.assert_allclose(w, 3 * expect / expect.sum())
    assert w.mean() == pytest.approx(1.0) and w[2] > w[1] > w[0]  # under-served groups gain weight
    big = Reweight(2, 10)
    ref = np.ones(2)
    for _ in range(5):
        w = big.update(np.array([10.0, 0.0]))
        ref = ref * np.exp(-0.5 * np.array([10.0, 0.0]))
        ref = np.clip(2 * ref / ref.sum(), 0.2, 5.0)  # normalise to mean 1, then clip
    np.testing.assert_allclose(w, ref)
    assert w[0] == 0.2 and big.epoch == 5


def test_alpha_switches_after_half_the_horizon():
    agent = Reweight(2, horizon_epochs=4, alpha=(0.5, 0.1))
    assert [agent.alpha_at(e) for e in range(4)] == [0.5, 0.5, 0.1, 0.1]
    agent.update(np.zeros(2))
    agent.update(np.zeros(2))
    w = agent.update(np.array([1.0, 0.0]))
    e = np.exp(-0.1 * np.array([1.0, 0.0]))
    np.testing.assert_allclose(w, 2 * e / e.sum())
    assert np.array_equal(agent.reset(), np.ones(2)) and agent.epoch == 0


def test_predict_reads_the_platform_observation():
    L, E = 3, 10
    agent = Reweight(L, E)
    w0 = np.ones(L)
    obs0 = np.concatenate([[0.5, 0.2, 0.1], w0, [0.5, 0.3, 0.2], [0.0]]).astype(np.float32)
    act, state = agent.predict(obs0, state="s")
    np.testing.assert_allclose(act, 1.0)  # reset observation: deploy w^(0)
    assert state == "s" and act.dtype == np.float32
    obs1 = obs0.copy()
    obs1[-1] = 1 / E
    ref = Reweight(L, E)
    np.testing.assert_allclose(agent.predict(obs1)[0], ref.update(obs0[:L]), rtol=1e-6)
    obs_late = obs1.copy()
    obs_late[-1] = 0.9
    e = np.exp(-0.1 * obs0[:L])
    np.testing.assert_allclose(agent.predict(obs_late)[0], L * e / e.sum(), rtol=1e-6)
    batch = agent.predict(np.stack([obs0, obs1]))[0]
    assert batch.shape == (2, L)


def test_validation():
    with pytest.raises(ValueError, match="num_groups"):
        Reweight(0, 10)
    with pytest.raises(ValueError, match="clip"):
        Reweight(2, 10, clip=(2.0, 5.0))
    with pytest.raises(ValueError, match="group_utility must have shape"):
        Reweight(2, 10).update(np.ones(3))
    with pytest.raises(ValueError, match="observation"):
        Reweight(4, 10).predict(np.ones(5))


def test_drives_the_env_with_valid_actions_and_raises_weak_groups():
    env = ContentCompetitionEnv(
        preset="synthetic", mechanism="HMT", cluster_sizes=(40, 20, 10, 5, 3, 2), num_creators=8, top_k=3,
        num_groups=5, dim=3, horizon=20, epoch_length=2,
    )
    agent = Reweight(5, env.config.num_epochs)
    obs, _ = env.reset(seed=0)
    done = False
    while not done:
        action, _ = agent.predict(obs)
        assert env.action_space.contains(action)
        obs, r, term, trunc, info = env.step(action)
        done = term or trunc
    util, w = info["group_utility"], info["weights"]
    assert w[np.argmin(util)] > w[np.argmax(util)]
