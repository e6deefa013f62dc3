"""Stock SB3 and Gymnasium vector wiring runs every registered id with defaults, without user glue."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.registry import ENVIRONMENTS

ROWS = {row.gym_id: row for row in ENVIRONMENTS}


@pytest.mark.parametrize("gym_id", ROWS)
def test_sb3_make_vec_env_with_its_default_render_mode(gym_id):
    from stable_baselines3.common.env_util import make_vec_env

    venv = make_vec_env(gym_id, n_envs=2, env_kwargs=ROWS[gym_id].test_kwargs)
    obs = venv.reset()
    first = next(iter(obs.values())) if isinstance(obs, dict) else obs  # Dict spaces give a dict of batches
    assert first.shape[0] == 2
    venv.step([venv.action_space.sample() for _ in range(2)])
    venv.close()


@pytest.mark.parametrize("gym_id", ROWS)
def test_gymnasium_make_vec_sync(gym_id):
    venv = gym.make_vec(gym_id, num_envs=2, vectorization_mode="sync", **ROWS[gym_id].test_kwargs)
    obs, _ = venv.reset(seed=0)
    venv.step(venv.action_space.sample())
    venv.close()
    first = next(iter(obs.values())) if isinstance(obs, dict) else obs
    assert len(first) == 2


BATCHED = [row.gym_id for row in ENVIRONMENTS if row.vector_entry_point]


@pytest.mark.parametrize("gym_id", BATCHED)
def test_batched_face_is_the_sync_vector_env_of_single_faces(gym_id):
    """Every id with a ``vector_entry_point``: ``make_vec``'s default builds it, and over two episodes
    with autoresets it returns exactly what ``SyncVectorEnv`` over single faces returns."""
    from gymnasium.utils.env_checker import data_equivalence

    kwargs = ROWS[gym_id].test_kwargs
    batched = gym.make_vec(gym_id, num_envs=3, **kwargs)
    assert type(batched).__module__ + ":" + type(batched).__name__ == ROWS[gym_id].vector_entry_point
    reference = gym.vector.SyncVectorEnv([lambda: gym.make(gym_id, **kwargs)] * 3)
    outputs = []
    for venv in (batched, reference):
        venv.action_space.seed(5)
        steps = [venv.reset(seed=11)]
        while len(steps) < 40:
            steps.append(venv.step(venv.action_space.sample()))
        outputs.append(steps)
    for got, expected in zip(*outputs):
        for a, b in zip(got[:4], expected[:4]):
            assert data_equivalence(a, b, exact=True)
        info, ref = got[-1], expected[-1]
        assert info.keys() == ref.keys()
        for key in info:
            exact = key not in ("content_diversity", "exposure_gini")  # batched sums, equal to 1e-12
            assert data_equivalence(info[key], ref[key], exact=exact), key
    assert any(step[2].any() or step[3].any() for step in outputs[0][1:])


SUBPROC = """
import gymnasium as gym
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import SubprocVecEnv
import recogym_eco
from recogym_eco.registry import entry
row = entry({gym_id!r})
venv = make_vec_env(row.gym_id, n_envs=2, vec_env_cls=SubprocVecEnv, env_kwargs=row.test_kwargs)
venv.reset(); venv.close()
venv = make_vec_env("recogym_eco:" + row.gym_id, n_envs=2, vec_env_cls=SubprocVecEnv, env_kwargs=row.test_kwargs,
                    vec_env_kwargs=dict(start_method="spawn"))
venv.reset(); venv.close()
venv = gym.make_vec(row.gym_id, num_envs=2, vectorization_mode="async", **row.test_kwargs)
venv.reset(seed=0); venv.close()
print("ok")
"""


@pytest.mark.parametrize("gym_id", ROWS)
def test_worker_processes_know_the_ids_from_python_c(gym_id):
    """Workers started by forkserver or spawn find the ids (``python -c``: no importable __main__)."""
    done = subprocess.run([sys.executable, "-c", SUBPROC.format(gym_id=gym_id)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
