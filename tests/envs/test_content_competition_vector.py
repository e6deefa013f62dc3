"""The batched ContentCompetition face against Gymnasium's sync vector env over copies of the single face.

Reference: ``gymnasium.vector.SyncVectorEnv([lambda: gym.make(id, **kw)] * N)`` given the same seeds and
actions; every output (observations, rewards, terminations, truncations, every info array and mask)
must be equal, bit for bit, over several episodes with autoresets, with worlds brought out of phase by
``reset_mask``.
"""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401  (registers the ids)
from recogym_eco.envs.content_competition_vector import ContentCompetitionVectorEnv
from recogym_eco.registry import entry
from recogym_eco.worlds.content_competition import ContentCompetitionBatch

ID = "recogym_eco/ContentCompetition-v0"
TEST_KW = dict(entry(ID).test_kwargs)
# relevance_scale 0.5: many users see several creators at sigma = 0, so K-th / (K+1)-th ties occur
TOY_KW = dict(preset="toy", mechanism="SMT", horizon=3, num_creators=7, top_k=4, relevance_scale=0.5)

CONFIGS = {
    "test_kwargs-compiled": dict(TEST_KW, engine="compiled"),
    "test_kwargs-numpy": dict(TEST_KW, engine="numpy"),
    "toy-SMT-compiled": dict(TOY_KW, engine="compiled"),
    "toy-UIR-numpy": dict(TOY_KW, mechanism="UIR", engine="numpy"),
}


def assert_same(a, b, where: str = "") -> None:
    """Exact equality of nested tuples / dicts / arrays, dtypes and shapes included."""
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
        return
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (where, set(a) ^ set(b))
        for key in a:
            assert_same(a[key], b[key], f"{where}/{key}")
        return
    a, b = np.asarray(a), np.asarray(b)
    assert (a.dtype, a.shape) == (b.dtype, b.shape), (where, a.dtype, b.dtype, a.shape, b.shape)
    assert np.array_equal(a, b), (where, a, b)


def make_pair(kw: dict, n: int) -> tuple[gym.vector.VectorEnv, gym.vector.VectorEnv]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the engines asked for apply: no fallback
        vec = gym.make_vec(ID, num_envs=n, **kw)
    sync = gym.vector.SyncVectorEnv([lambda: gym.make(ID, **kw)] * n)
    return vec, sync


def play_both(vec, sync, steps: int, seed: int, masks: dict[int, np.ndarray]) -> int:
    """Plays both with the same random actions (and partial resets at the steps in ``masks``);
    returns how many worlds were autoreset. World 0 always plays neutral weights (under HMT its K(x)
    stays put while the other worlds' change)."""
    out_v, out_s = vec.reset(seed=seed), sync.reset(seed=seed)
    assert_same(out_v, out_s, "reset")
    rng = np.random.default_rng(seed)
    space = vec.single_action_space
    resets = 0
    pending = np.zeros(vec.num_envs, dtype=bool)
    for t in range(steps):
        if t in masks:
            m = masks[t]
            assert_same(vec.reset(options={"reset_mask": m.copy()}),
                        sync.reset(options={"reset_mask": m.copy()}), f"reset_mask at {t}")
            pending &= ~m
        actions = rng.uniform(space.low, space.high, size=(vec.num_envs, *space.shape)).astype(np.float32)
        actions[0] = 1.0
        out_v, out_s = vec.step(actions), sync.step(actions)
        assert_same(out_v, out_s, f"step {t}")
        resets += int(pending.sum())
        pending = out_v[2] | out_v[3]
    return resets


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_matches_sync_vector_env_over_episodes(name: str) -> None:
    kw = CONFIGS[name]
    vec, sync = make_pair(kw, 3)
    assert isinstance(vec.unwrapped, ContentCompetitionVectorEnv)
    epochs = vec.unwrapped.config.num_epochs
    steps = 2 * (epochs + 1) + 1
    # in phase: all worlds end together (two autoresets each); then out of phase after partial resets
    assert play_both(vec, sync, steps, seed=5, masks={}) == 6
    masks = {1: np.array([True, False, True]), 3: np.array([False, True, False])}
    assert play_both(vec, sync, steps, seed=11, masks=masks) >= 3


HMT_CASES = [("toy-beta0.1", 3, 3, 2), ("toy-beta0.1", 3, 3, 5), ("toy", 4, 2, 4), ("toy", 4, 2, 11)]


@pytest.mark.parametrize("preset,num_creators,top_k,seed", HMT_CASES)
def test_hmt_change_in_one_world_leaves_the_others_alone(preset, num_creators, top_k, seed) -> None:
    # world 1's K(x) changes every step, world 0's never: world 0 must still follow the single face
    # (seeds where refreshing every world's compiled caches on any K change made world 0 differ)
    kw = dict(preset=preset, mechanism="HMT", num_creators=num_creators, top_k=top_k, horizon=6,
              epoch_length=1, engine="compiled")
    vec, sync = make_pair(kw, 2)
    assert_same(vec.reset(seed=seed), sync.reset(seed=seed))
    actions = np.ones((2, vec.single_action_space.shape[0]), dtype=np.float32)
    for t in range(5):
        actions[1] = 0.3 if t % 2 else 2.0
        assert_same(vec.step(actions), sync.step(actions), f"step {t}")


def test_seed_list_and_int_seed_rule() -> None:
    vec, sync = make_pair(CONFIGS["toy-SMT-compiled"], 3)
    assert_same(vec.reset(seed=0), sync.reset(seed=0))
    # None: world 1 keeps drawing from its generator
    assert_same(vec.reset(seed=[4, None, 9]), sync.reset(seed=[4, None, 9]))
    single = gym.make(ID, **CONFIGS["toy-SMT-compiled"])
    obs, _ = vec.reset(seed=20)
    for i in range(3):
        assert np.array_equal(obs[i], single.reset(seed=20 + i)[0])
    with pytest.raises(ValueError, match="seed"):
        vec.reset(seed=[1, 2])


def test_one_batch_call_per_creator_step(monkeypatch) -> None:
    vec = ContentCompetitionVectorEnv(8, **CONFIGS["toy-SMT-compiled"])
    calls = []
    real = ContentCompetitionBatch.creator_step
    monkeypatch.setattr(ContentCompetitionBatch, "creator_step",
                        lambda self, moves=None: calls.append(self.B) or real(self))
    vec.reset(seed=0)
    vec.step(np.ones((8, vec.config.num_groups), dtype=np.float32))
    assert calls == [8] * vec.config.epoch_length


def test_reset_mask_resets_only_masked_worlds_and_clears_autoreset() -> None:
    kw = CONFIGS["toy-UIR-numpy"]
    vec = ContentCompetitionVectorEnv(3, **kw)
    L, epochs = vec.config.num_groups, vec.config.num_epochs
    a = np.full((3, L), 2.0, dtype=np.float32)
    vec.reset(seed=1)
    for _ in range(epochs):
        obs, _, term, trunc, _ = vec.step(a)
    assert trunc.all() and not term.any()
    mask = np.array([False, True, False])
    obs_m, info = vec.reset(options={"reset_mask": mask})
    assert np.array_equal(obs_m[~mask], obs[~mask])  # untouched worlds keep their last observation
    assert np.array_equal(info["_epoch"], mask) and info["epoch"][1] == 0
    assert obs_m[1, -1] == 0.0 and np.all(obs_m[1, L:2 * L] == 1.0)  # fresh: progress 0, neutral weights
    obs2, rew, _, trunc2, info2 = vec.step(a)
    # worlds 0 and 2 were pending: reset now (reward 0, action ignored); world 1 stepped its first epoch
    assert np.array_equal(info2["epoch"], [0, 1, 0]) and np.array_equal(rew == 0.0, [True, False, True])
    assert not trunc2.any() and np.all(obs2[1, L:2 * L] == 2.0)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "4", None])
def test_bad_num_envs(bad) -> None:
    with pytest.raises(ValueError, match="num_envs"):
        ContentCompetitionVectorEnv(bad, **TOY_KW)


def test_bad_actions_raise_before_state_changes() -> None:
    kw = CONFIGS["toy-SMT-compiled"]
    vec, twin = ContentCompetitionVectorEnv(2, **kw), ContentCompetitionVectorEnv(2, **kw)
    L = vec.config.num_groups
    with pytest.raises(RuntimeError, match="reset"):
        vec.step(np.ones((2, L)))
    assert_same(vec.reset(seed=3), twin.reset(seed=3))
    good = np.ones((2, L), dtype=np.float32)
    nan = good.copy()
    nan[1, 0] = np.nan
    high = good.copy()
    high[0, 2] = vec.config.w_max * 2
    for bad, err in ((None, TypeError), ("x", TypeError), (np.ones((3, L)), ValueError),
                     (np.ones(L), ValueError),
                     (nan, ValueError), (high, ValueError), ([[1.0] * L, [1.0]], TypeError)):
        with pytest.raises(err):
            vec.step(bad)
    for _ in range(vec.config.num_epochs + 1):
        assert_same(vec.step(good), twin.step(good))
    # a world being autoreset ignores its action, as in SyncVectorEnv: no error for it
    for _ in range(vec.config.num_epochs - 1):
        vec.step(good)
    assert vec.step(good)[3].all()
    vec.step(nan)


def test_spaces_metadata_and_make_vec() -> None:
    vec = gym.make_vec(ID, num_envs=4, **TEST_KW)
    single = gym.make(ID, **TEST_KW)
    assert vec.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    assert vec.single_observation_space == single.observation_space
    assert vec.single_action_space == single.action_space
    assert vec.observation_space.shape == (4, *single.observation_space.shape)
    assert vec.action_space.shape == (4, *single.action_space.shape)
    obs, _ = vec.reset(seed=0)
    assert obs in vec.observation_space
    obs, rew, term, trunc, _ = vec.step(vec.action_space.sample())
    assert obs in vec.observation_space and rew.dtype == np.float64 and term.dtype == trunc.dtype == np.bool_


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_one_frame_per_world(mode: str) -> None:
    vec = ContentCompetitionVectorEnv(2, render_mode=mode, **TOY_KW)
    single = gym.make(ID, render_mode=mode, **TOY_KW)
    vec.reset(seed=7)
    single.reset(seed=8)
    frames = vec.render()
    assert len(frames) == 2
    assert_same(frames[1], single.render())


def test_sb3_adapter_is_dummy_vec_env() -> None:
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import DummyVecEnv

    from recogym_eco.envs.sb3_vec_env import SB3VecEnv

    kw = CONFIGS["toy-SMT-compiled"]
    ours = SB3VecEnv(gym.make_vec(ID, num_envs=3, **kw))
    reference = DummyVecEnv([lambda: gym.make(ID, **kw)] * 3)
    trajectories = []
    for venv in (ours, reference):
        venv.seed(11)
        steps: list = [venv.reset()]
        rng = np.random.default_rng(0)
        for _ in range(10):
            obs, rewards, dones, infos = venv.step(rng.uniform(0.2, 5.0, (3, 5)).astype(np.float32))
            keys = ("terminal_observation", "TimeLimit.truncated", "welfare", "content_diversity")
            kept = tuple({k: v for k, v in i.items() if k in keys} for i in infos)
            steps.append((obs, rewards, dones, kept))
        trajectories.append(tuple(steps))
    assert_same(*trajectories)
    assert sum(int(step[2].sum()) for step in trajectories[0][1:]) >= 6
