"""A batched Gymnasium vector env as a stable-baselines3 ``VecEnv`` (needs the ``agents`` extra).

SB3 resets a finished environment inside ``step`` and hands its last observation over in
``infos[i]["terminal_observation"]`` (with ``infos[i]["TimeLimit.truncated"]`` for a truncation);
Gymnasium 1.x vector envs reset it on the *next* step instead. :class:`SB3VecEnv` turns the second
into the first for any vector env that accepts ``reset(options={"reset_mask": mask})`` (Gymnasium
1.1+, and every batched env of this suite): after a step, the finished worlds are reset at once,
without a seed, exactly as SB3's ``DummyVecEnv`` resets its copies, so the trajectories are the
DummyVecEnv's (tested).

    from recogym_eco.envs.sb3_vec_env import make_sb3_vec_env
    venv = make_sb3_vec_env("recogym_eco/CreatorSuggestion-v0", num_envs=32, seed=0)
    model = PPO("MlpPolicy", venv).learn(100_000)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import VecEnv, VecMonitor
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices, VecEnvObs, VecEnvStepReturn

__all__ = ["SB3VecEnv", "make_sb3_vec_env"]


def split_infos(info: dict[str, Any], num_envs: int) -> list[dict[str, Any]]:
    """Gymnasium's batched ``info`` (arrays with ``_key`` masks) as one dict per environment."""
    keys = [key for key in info if not key.startswith("_")]
    columns = [split_infos(info[key], num_envs) if isinstance(info[key], dict) else list(info[key]) for key in keys]
    masks = [info.get(f"_{key}") for key in keys]
    if all(mask is None or mask.all() for mask in masks):
        return [dict(zip(keys, row)) for row in zip(*columns)] if keys else [{} for _ in range(num_envs)]
    out: list[dict[str, Any]] = [{} for _ in range(num_envs)]
    for key, column, mask in zip(keys, columns, masks):
        for i in range(num_envs) if mask is None else np.flatnonzero(mask):
            out[i][key] = column[i]
    return out


class SB3VecEnv(VecEnv):
    """SB3's ``VecEnv`` interface over a Gymnasium vector env (see the module docstring)."""

    def __init__(self, venv: gym.vector.VectorEnv) -> None:
        if not isinstance(venv, gym.vector.VectorEnv):
            raise TypeError(f"venv must be a gymnasium.vector.VectorEnv; got {type(venv).__name__}")
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self._actions: np.ndarray | None = None

    def reset(self) -> VecEnvObs:
        """Resets every world with the seeds given to :meth:`seed` (then forgets them)."""
        seeds = None if all(s is None for s in self._seeds) else list(self._seeds)
        options = self._options[0] if self._options and self._options[0] else None
        obs, info = self.venv.reset(seed=seeds, options=options)
        self.reset_infos = split_infos(info, self.num_envs)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        """One step of every world; finished worlds are reset at once (SB3's convention)."""
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        dones = terminated | truncated
        infos = split_infos(info, self.num_envs)
        for i in range(self.num_envs):
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        if dones.any():
            for i in np.flatnonzero(dones):
                infos[i]["terminal_observation"] = obs[i].copy()
            reset_obs, reset_info = self.venv.reset(options={"reset_mask": dones.copy()})
            obs = np.array(obs)
            obs[dones] = reset_obs[dones]
            fresh = split_infos(reset_info, self.num_envs)
            for i in np.flatnonzero(dones):
                self.reset_infos[i] = fresh[i]
        return obs, np.asarray(rewards, dtype=np.float32), dones, infos

    def close(self) -> None:
        self.venv.close()

    def _targets(self, indices: VecEnvIndices) -> list[int]:
        return list(self._get_indices(indices))

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """The batched env's attribute, once per requested index (the worlds share one object)."""
        return [getattr(self.venv, attr_name) for _ in self._targets(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        result = getattr(self.venv, method_name)(*method_args, **method_kwargs)
        return [result for _ in self._targets(indices)]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._targets(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None] * self.num_envs


def make_sb3_vec_env(env_id: str, num_envs: int, seed: int | None = None, monitor: bool = True,
                     monitor_dir: str | None = None, **kwargs: Any) -> VecEnv:
    """``gymnasium.make_vec(env_id, num_envs, **kwargs)`` as an SB3 ``VecEnv`` (with ``VecMonitor`` for
    episode statistics unless ``monitor=False``, written to ``monitor_dir/monitor.csv`` if given),
    seeded with ``seed`` (world i: ``seed + i``)."""
    venv: VecEnv = SB3VecEnv(gym.make_vec(env_id, num_envs=num_envs, **kwargs))
    if seed is not None:
        venv.seed(seed)
    if not monitor:
        return venv
    filename = None
    if monitor_dir is not None:
        os.makedirs(monitor_dir, exist_ok=True)
        filename = os.path.join(monitor_dir, "monitor.csv")
    return VecMonitor(venv, filename=filename)

