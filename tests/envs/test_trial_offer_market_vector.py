"""The batched TrialOfferMarket face against Gymnasium's sync vector env over copies of the single face.

Reference: ``gymnasium.vector.SyncVectorEnv([lambda: gym.make(id, **kw)] * N)`` given the same seeds and
actions; every output (observations, rewards, terminations, truncations, every info array and mask)
must be equal, bit for bit, over several episodes with autoresets, with worlds brought out of phase by
``reset_mask``. SB3: the adapter's trajectories are ``DummyVecEnv``'s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401  (registers the ids)
from recogym_eco.envs.trial_offer_market_vector import TrialOfferMarketVectorEnv
from recogym_eco.worlds.trial_offer_market import top_slots
from recogym_eco.registry import entry
from recogym_eco.worlds import trial_offer_market_kernels

ID = "recogym_eco/TrialOfferMarket-v0"
TEST_KW = dict(entry(ID).test_kwargs)

CONFIGS = {
    "test_kwargs": TEST_KW,
    "shared_ranking": dict(TEST_KW, shared_ranking=True),
    "numpy-per-type-feedback": dict(TEST_KW, engine="numpy", feedback=[0.2, 0.5, 1.0]),
    "homogeneous-all-visible": dict(preset="synthetic-homogeneous", num_items=30, num_positions=50,
                                    batch_size=200, horizon=4, initial_purchases=3),
    "custom-zero-appeal": dict(preset="custom", appeal=[[0.0, 0.0, 0.0, 0.0], [0.3, 0.0, 0.9, 0.5]],
                               quality=[[0.5, 0.5, 0.5, 0.5], [0.2, 0.9, 0.4, 0.7]], type_weights=[0.4, 0.6],
                               num_positions=2, batch_size=30, horizon=3),
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
    return gym.make_vec(ID, num_envs=n, **kw), gym.vector.SyncVectorEnv([lambda: gym.make(ID, **kw)] * n)


def play_both(vec, sync, steps: int, seed: int, masks: dict[int, np.ndarray]) -> int:
    """Plays both with the same random scores (world 0 keeps one score array, so its ranking is not
    rebuilt; world 1 often gets coarse scores full of ties) and partial resets at the steps in
    ``masks``; returns how many worlds were autoreset."""
    assert_same(vec.reset(seed=seed), sync.reset(seed=seed), "reset")
    rng = np.random.default_rng(seed)
    shape = vec.single_action_space.shape
    fixed = rng.uniform(-1, 1, shape).astype(np.float32)
    resets = 0
    pending = np.zeros(vec.num_envs, dtype=bool)
    for t in range(steps):
        if t in masks:
            m = masks[t]
            assert_same(vec.reset(options={"reset_mask": m.copy()}),
                        sync.reset(options={"reset_mask": m.copy()}), f"reset_mask at {t}")
            pending &= ~m
        actions = rng.uniform(-1, 1, size=(vec.num_envs, *shape)).astype(np.float32)
        actions[0] = fixed
        if t % 2:
            actions[1] = np.round(actions[1], 1)
        out_v, out_s = vec.step(actions), sync.step(actions)
        assert_same(out_v, out_s, f"step {t}")
        resets += int(pending.sum())
        pending = out_v[2] | out_v[3]
    return resets


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_matches_sync_vector_env_over_episodes(name: str) -> None:
    kw = CONFIGS[name]
    vec, sync = make_pair(kw, 3)
    assert isinstance(vec, TrialOfferMarketVectorEnv)
    horizon = vec.config.horizon
    steps = 2 * (horizon + 1) + 1
    # in phase: all worlds end together (two autoresets each); then out of phase after partial resets
    assert play_both(vec, sync, steps, seed=5, masks={}) == 6
    masks = {1: np.array([True, False, True]), 3: np.array([False, True, False])}
    assert play_both(vec, sync, steps, seed=11, masks=masks) >= 3


@pytest.mark.parametrize("trial", range(6))
def test_top_slots_is_the_stable_argsort(trial: int) -> None:
    rng = np.random.default_rng(trial)
    shape = (int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 40)))
    scores = np.round(rng.uniform(-1, 1, shape), int(rng.integers(0, 3)))  # many ties
    scores[0, 0] = -0.0 if trial % 2 else 0.0
    P = int(rng.integers(1, shape[-1] + 1))
    top = np.argsort(-scores, axis=-1, kind="stable")[..., :P]
    positions = np.argsort(top, axis=-1, kind="stable")
    items, got_positions = top_slots(scores, P)
    assert np.array_equal(items, np.take_along_axis(top, positions, axis=-1))
    assert np.array_equal(got_positions, positions)


def test_visibility_is_the_single_worlds() -> None:
    vec, sync = make_pair(TEST_KW, 2)
    vec.reset(seed=0)
    sync.reset(seed=0)
    actions = np.round(np.random.default_rng(0).uniform(-1, 1, (2, *vec.single_action_space.shape)), 1)
    vec.step(actions)
    sync.step(actions)
    for i in range(2):
        assert np.array_equal(vec.visibility[i], sync.envs[i].unwrapped.visibility)
        assert np.array_equal(vec.counts[i], sync.envs[i].unwrapped.world.counts)


def test_seed_list_and_int_seed_rule() -> None:
    vec, sync = make_pair(TEST_KW, 3)
    assert_same(vec.reset(seed=0), sync.reset(seed=0))
    # None: world 1 keeps drawing from its generator
    assert_same(vec.reset(seed=[4, None, 9]), sync.reset(seed=[4, None, 9]))
    a = np.random.default_rng(1).uniform(-1, 1, (3, *vec.single_action_space.shape)).astype(np.float32)
    assert_same(vec.step(a), sync.step(a))
    single = gym.make(ID, **TEST_KW)
    vec.reset(seed=20)
    obs, reward, *_ = vec.step(a)
    for i in range(3):
        single.reset(seed=20 + i)
        one = single.step(a[i])
        assert np.array_equal(obs[i], one[0]) and reward[i] == one[1]
    for bad in ([1, 2], [1, 2, 3.5], "7", 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            vec.reset(seed=bad)


def test_one_compiled_call_per_step(monkeypatch) -> None:
    calls = []
    real = trial_offer_market_kernels.run_arrivals_batch

    def counting(stepping, counts, *rest):
        calls.append(counts.shape[0])
        return real(stepping, counts, *rest)

    monkeypatch.setattr(trial_offer_market_kernels, "run_arrivals_batch", counting)
    vec = TrialOfferMarketVectorEnv(8, **TEST_KW)
    vec.reset(seed=0)
    for _ in range(3):
        vec.step(vec.action_space.sample())
    assert calls == [8, 8, 8]


def test_reset_mask_resets_only_masked_worlds_and_clears_autoreset() -> None:
    vec = TrialOfferMarketVectorEnv(3, **TEST_KW)
    H, I = vec.config.horizon, vec.num_items
    a = np.random.default_rng(0).uniform(-1, 1, (3, *vec.single_action_space.shape))
    vec.reset(seed=1)
    for _ in range(H):
        obs, _, term, trunc, _ = vec.step(a)
    assert trunc.all() and not term.any()
    mask = np.array([False, True, False])
    obs_m, info = vec.reset(options={"reset_mask": mask})
    assert np.array_equal(obs_m[~mask], obs[~mask])  # untouched worlds keep their last observation
    assert np.array_equal(info["_step"], mask) and info["step"][1] == 0
    assert obs_m[1, -1] == 0.0 and np.all(obs_m[1, :I] == np.float32(1 / I))
    obs2, rew, _, trunc2, info2 = vec.step(a)
    # worlds 0 and 2 were pending: reset now (reward 0, action ignored); world 1 stepped once
    assert np.array_equal(info2["step"], [0, 1, 0]) and rew[0] == rew[2] == 0.0
    assert np.array_equal(info2["arrivals"], [0, vec.config.batch_size, 0]) and not trunc2.any()
    for bad, err in ((np.array([1, 0, 1]), TypeError), (np.zeros(3, dtype=bool), ValueError),
                     (np.ones(2, dtype=bool), ValueError)):
        with pytest.raises(err, match="reset_mask"):
            vec.reset(options={"reset_mask": bad})
    with pytest.raises(ValueError, match="never reset"):
        TrialOfferMarketVectorEnv(2, **TEST_KW).reset(options={"reset_mask": np.array([True, False])})


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "4", None])
def test_bad_num_envs(bad) -> None:
    with pytest.raises(ValueError, match="num_envs"):
        TrialOfferMarketVectorEnv(bad, **TEST_KW)


def test_bad_config_raises_as_the_single_face() -> None:
    with pytest.raises(ValueError, match="preset"):
        gym.make_vec(ID, num_envs=2, preset="netflix")
    with pytest.raises(ValueError, match="render_mode"):
        TrialOfferMarketVectorEnv(2, render_mode="human", **TEST_KW)
    with pytest.raises(TypeError, match="unknown TrialOfferMarket parameter"):
        TrialOfferMarketVectorEnv(2, num_item=3)


def test_bad_actions_raise_before_state_changes() -> None:
    vec, twin = TrialOfferMarketVectorEnv(2, **TEST_KW), TrialOfferMarketVectorEnv(2, **TEST_KW)
    n = vec.single_action_space.shape[0]
    with pytest.raises(RuntimeError, match="reset"):
        vec.step(np.zeros((2, n)))
    assert_same(vec.reset(seed=3), twin.reset(seed=3))
    good = np.random.default_rng(0).uniform(-1, 1, (2, n)).astype(np.float32)
    nan = good.copy()
    nan[1, 0] = np.nan
    for bad, err, match in ((None, TypeError, "actions"), ("x", TypeError, "actions"),
                            ([[0.0] * n, [0.0]], TypeError, "actions"),
                            (np.zeros((3, n)), ValueError, r"actions must have shape \(2, 36\)"),
                            (np.zeros(n), ValueError, "actions must have shape"),
                            (np.zeros((2, n + 1)), ValueError, "actions must have shape"),
                            (np.zeros((2, vec.num_items)), ValueError, "num_types \\* num_items"),
                            (nan, ValueError, "finite")):
        with pytest.raises(err, match=match):
            vec.step(bad)
    for _ in range(vec.config.horizon + 1):
        assert_same(vec.step(good), twin.step(good))
    # a world being autoreset ignores its action, as in SyncVectorEnv: no error for it
    for _ in range(vec.config.horizon - 1):
        vec.step(good)
    assert vec.step(good)[3].all()
    nan[0] = np.nan
    assert vec.step(nan)[4]["step"].tolist() == [0, 0]


def test_spaces_metadata_and_make_vec() -> None:
    for kw in (TEST_KW, CONFIGS["shared_ranking"]):
        vec = gym.make_vec(ID, num_envs=4, **kw)
        single = gym.make(ID, **kw)
        assert vec.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
        assert vec.single_observation_space == single.observation_space
        assert vec.single_action_space == single.action_space
        assert vec.observation_space.shape == (4, *single.observation_space.shape)
        assert vec.action_space.shape == (4, *single.action_space.shape)
        obs, _ = vec.reset(seed=0)
        assert obs in vec.observation_space
        obs, rew, term, trunc, _ = vec.step(vec.action_space.sample())
        assert obs in vec.observation_space and rew.dtype == np.float64
        assert term.dtype == trunc.dtype == np.bool_
    assert gym.make_vec(ID, num_envs=2, engine="numpy").unwrapped.engine == "numpy"


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_one_frame_per_world(mode: str) -> None:
    vec = TrialOfferMarketVectorEnv(2, render_mode=mode, **TEST_KW)
    single = gym.make(ID, render_mode=mode, **TEST_KW)
    a = np.random.default_rng(2).uniform(-1, 1, (2, *vec.single_action_space.shape))
    vec.reset(seed=7)
    single.reset(seed=8)
    vec.step(a)
    single.step(a[1])
    frames = vec.render()
    assert len(frames) == 2
    assert_same(frames[1], single.render())
    assert TrialOfferMarketVectorEnv(2, **TEST_KW).render() is None


def test_sb3_adapter_is_dummy_vec_env() -> None:
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import DummyVecEnv

    from recogym_eco.envs.sb3_vec_env import SB3VecEnv, make_sb3_vec_env

    ours = SB3VecEnv(gym.make_vec(ID, num_envs=3, **TEST_KW))
    reference = DummyVecEnv([lambda: gym.make(ID, **TEST_KW)] * 3)
    n = ours.action_space.shape[0]
    trajectories = []
    for venv in (ours, reference):
        venv.seed(11)
        steps: list = [venv.reset()]
        rng = np.random.default_rng(0)
        for _ in range(15):
            obs, rewards, dones, infos = venv.step(rng.uniform(-1, 1, (3, n)).astype(np.float32))
            keys = ("terminal_observation", "TimeLimit.truncated", "efficiency", "market_shares", "step")
            kept = tuple({k: v for k, v in i.items() if k in keys} for i in infos)
            steps.append((obs, rewards, dones, kept))
        trajectories.append(tuple(steps))
    assert_same(*trajectories)
    assert sum(int(step[2].sum()) for step in trajectories[0][1:]) >= 6
    venv = make_sb3_vec_env(ID, 2, seed=0, **TEST_KW)
    venv.reset()
    for _ in range(TEST_KW["horizon"]):
        _, _, dones, infos = venv.step(np.zeros((2, n), dtype=np.float32))
    assert dones.all() and all("episode" in i for i in infos)


SIGNATURES = """
import json, gymnasium as gym, numpy as np, recogym_eco
from recogym_eco.worlds import trial_offer_market_kernels as k
kw = dict(num_items=12, num_types=3, num_positions=8, batch_size=20, horizon=6)
for env in (gym.make_vec("recogym_eco/TrialOfferMarket-v0", num_envs=2, **kw),
            gym.make("recogym_eco/TrialOfferMarket-v0", **kw)):
    env.reset(seed=0)
    env.step(env.action_space.sample())
print(json.dumps({name: len(getattr(k, name).signatures) for name in ("_arrivals", "run_arrivals_batch",
                                                                        "run_arrivals_kernel")}))
"""


def test_batched_and_single_kernels_share_one_signature_of_the_loop(tmp_path) -> None:
    """The single and the batched kernel call the shared loop with one signature (numba's cache is
    unsafe for a function with several signatures compiled by concurrent processes; fresh cache)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", SIGNATURES], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"_arrivals": 1, "run_arrivals_batch": 1,
                                                                 "run_arrivals_kernel": 1}
