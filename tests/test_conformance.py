"""Every registered environment, checked the same way (one parametrised test per row of the registry).

Gymnasium's and SB3's ``check_env``; PettingZoo's ``parallel_api_test``, ``api_test`` and
``parallel_seed_test`` where the row has a game; full-episode determinism for a seed; ``deepcopy`` and
``pickle`` made mid-episode that continue exactly like the original; reset and step ``info`` with the
same keys; both render modes. Adding an environment to ``recogym_eco.registry.ENVIRONMENTS`` adds it here.
"""

from __future__ import annotations

import copy
import importlib
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco
from recogym_eco.registry import ENVIRONMENTS

ROWS = {row.gym_id: row for row in ENVIRONMENTS}
GAMES = {gid: row for gid, row in ROWS.items() if row.pettingzoo_module is not None}
ENGINES = {"recogym_eco/CreatorSuggestion-v1": [{"engine": "fast"}]}
"""Options that swap the engine playing an id's rounds: each is checked like a row of its own."""
VARIANTS = [pytest.param(gid, {}, id=gid) for gid in ROWS] + [
    pytest.param(gid, extra, id=f"{gid}-{extra['engine']}") for gid, extras in ENGINES.items() for extra in extras]


def make(gym_id: str, **extra) -> gym.Env:
    return gym.make(gym_id, disable_env_checker=True, **{**ROWS[gym_id].test_kwargs, **extra})


def assert_same(a, b) -> None:
    """Deep equality of observations, rewards and infos (arrays compared exactly, NaN == NaN)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b or (a != a and b != b), (a, b)


def rollout(env: gym.Env, steps: int, seed: int) -> list:
    env.action_space.seed(seed)
    out = []
    for _ in range(steps):
        step = env.step(env.action_space.sample())
        out.append(step)
        if step[2] or step[3]:
            break
    return out


def test_registry_is_what_gymnasium_and_pettingzoo_know():
    import pettingzoo

    assert recogym_eco.ENVIRONMENTS is ENVIRONMENTS
    for row in ENVIRONMENTS:
        assert row.gym_id in gym.registry
        if row.game_id is not None:
            assert row.game_id in pettingzoo.parallel_registry and row.game_id in pettingzoo.aec_registry


@pytest.mark.parametrize("gym_id, extra", VARIANTS)
def test_gymnasium_and_sb3_check_env(gym_id, extra):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(make(gym_id, **extra).unwrapped, skip_render_check=False)
        sb3_check_env(make(gym_id, **extra), warn=False)


@pytest.mark.parametrize("gym_id, extra", VARIANTS)
def test_full_episode_is_determined_by_the_seed(gym_id, extra):
    runs = []
    for _ in range(2):
        env = make(gym_id, **extra)
        runs.append([env.reset(seed=123)] + rollout(env, 10_000, seed=5))
    assert_same(runs[0], runs[1])


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize("gym_id, extra", VARIANTS)
def test_mid_episode_copy_continues_like_the_original(gym_id, extra, how):
    env = make(gym_id, **extra)
    env.reset(seed=7)
    rollout(env, 2, seed=1)
    twin = copy.deepcopy(env) if how == "deepcopy" else pickle.loads(pickle.dumps(env))
    assert_same(rollout(env, 10_000, seed=2), rollout(twin, 10_000, seed=2))


@pytest.mark.parametrize("gym_id, extra", VARIANTS)
def test_reset_and_step_info_have_the_same_keys(gym_id, extra):
    env = make(gym_id, **extra)
    _, info = env.reset(seed=0)
    step_info = env.step(env.action_space.sample())[4]
    assert set(info) == set(step_info)


@pytest.mark.parametrize("gym_id", ROWS)
def test_render_modes(gym_id):
    env = make(gym_id, render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(2):
        frame = env.render()
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3 and frame.size > 0
        env.step(env.action_space.sample())
    env = make(gym_id, render_mode="ansi")
    env.reset(seed=0)
    env.step(env.action_space.sample())
    assert isinstance(env.render(), str)
    with pytest.raises(ValueError, match="render_mode"):
        make(gym_id, render_mode="human3d")


def _game(gym_id):
    return importlib.import_module(GAMES[gym_id].pettingzoo_module)


@pytest.mark.parametrize("gym_id", GAMES)
def test_pettingzoo_api_tests(gym_id):
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

    module, kwargs = _game(gym_id), GAMES[gym_id].test_kwargs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parallel_api_test(module.parallel_env(**kwargs), num_cycles=20)
        api_test(module.env(**kwargs), num_cycles=20)
        parallel_seed_test(lambda: module.parallel_env(**kwargs), num_cycles=20)


@pytest.mark.parametrize("gym_id", GAMES)
def test_pettingzoo_render_modes_are_declared_and_validated(gym_id):
    module, kwargs = _game(gym_id), GAMES[gym_id].test_kwargs
    game = module.parallel_env(render_mode="rgb_array", **kwargs)
    assert set(game.metadata["render_modes"]) >= {"ansi", "rgb_array"}
    game.reset(seed=0)
    game.step({})
    assert game.render().dtype == np.uint8
    with pytest.raises(ValueError, match="render_mode"):
        module.parallel_env(render_mode="human3d", **kwargs)
    with pytest.raises(TypeError, match="dict"):
        game.step(None)


@pytest.mark.parametrize("gym_id", GAMES)
def test_pettingzoo_game_copies_continue_like_the_original(gym_id):
    module, kwargs = _game(gym_id), GAMES[gym_id].test_kwargs
    game = module.parallel_env(**kwargs)
    game.reset(seed=3)
    game.step({})
    twin = pickle.loads(pickle.dumps(game))
    for _ in range(3):
        if not game.agents:
            break
        assert_same(game.step({})[:2], twin.step({})[:2])
