"""Warm start for LoRe: behaviour cloning of a suggestion heuristic before PPO, and a critic warm-up.

PPO from a fresh policy starts at uniform random suggestions, the worst policy on CreatorSuggestion-v1
under a re-ranker (Random + P-MMF loses ~2,500 clicks to P-MMF alone: random genres undo the skill
creators gain by practice), and a joint reward over 50 creators gives each creator's choice a weak
learning signal. Starting PPO from a heuristic's behaviour is the usual remedy (imitation
pre-training, then reinforcement learning fine-tuning):

1. :func:`collect_teacher_data` plays the teacher (any object with ``predict(obs)``, e.g. a heuristic
   of ``recogym_eco.agents.heuristics``) in fresh worlds, replacing each creator's suggestion by a
   uniformly random one with probability ``explore`` so that states off the teacher's path are seen,
   and records (observation, teacher action) pairs;
2. :func:`behaviour_clone` fits the actor by cross-entropy, minimising
   -(1 / (N C)) sum_n sum_c log pi(a*_nc | s_n) over the recorded pairs (a*: the teacher's action,
   pi: the per-creator categorical of ``SharedCreatorPolicy``);
3. :func:`frozen_actor` keeps the actor's parameters fixed while PPO fits the critic for a few
   rollouts, so the first policy updates use advantages from a critic that knows the teacher's
   values rather than a random one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from stable_baselines3 import PPO

__all__ = ["actor_parameters", "behaviour_clone", "collect_teacher_data", "frozen_actor"]

CRITIC_MODULES = ("critic_encoder", "critic_net", "value_net")


def collect_teacher_data(make_env: Callable[[], gym.Env], make_teacher: Callable[[gym.Env], Any],
                         seeds: list[int], explore: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Observations (N, C, F) and teacher actions (N, C) from one episode per seed (see the module
    docstring, step 1). ``explore`` in [0, 1]: per creator and round, the executed suggestion is
    uniform over 0..G with that probability (the label stays the teacher's)."""
    if not 0.0 <= explore <= 1.0:
        raise ValueError(f"explore must be in [0, 1]; got {explore!r}")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    observations, actions = [], []
    for seed in seeds:
        env = make_env()
        teacher = make_teacher(env)
        rng = np.random.default_rng(seed)
        obs, _ = env.reset(seed=seed)
        choices = int(env.action_space.nvec[0])
        while True:
            label, _ = teacher.predict(obs, deterministic=True)
            label = np.asarray(label, dtype=np.int64)
            observations.append(np.asarray(obs, dtype=np.float32))
            actions.append(label)
            executed = np.where(rng.random(label.shape) < explore, rng.integers(0, choices, label.shape), label)
            obs, _, terminated, truncated, _ = env.step(executed)
            if terminated or truncated:
                break
        env.close()
    return np.stack(observations), np.stack(actions)


def behaviour_clone(model: PPO, observations: np.ndarray, actions: np.ndarray, epochs: int = 10,
                    batch_size: int = 64, learning_rate: float = 1e-3, seed: int = 0) -> list[float]:
    """Fits ``model``'s actor to the teacher's actions by minibatch cross-entropy (module docstring,
    step 2); returns the mean loss of each epoch. The critic is left alone."""
    if observations.ndim != 3 or actions.shape != observations.shape[:2]:
        raise ValueError(f"need observations (N, C, F) and actions (N, C); got {observations.shape}, {actions.shape}")
    if epochs < 1 or batch_size < 1 or not learning_rate > 0:
        raise ValueError("epochs and batch_size must be positive integers and learning_rate > 0")
    policy = model.policy
    params = actor_parameters(model)
    optimiser = th.optim.Adam(params, lr=learning_rate)
    obs_t = th.as_tensor(observations, dtype=th.float32)
    act_t = th.as_tensor(actions, dtype=th.int64)
    generator = th.Generator().manual_seed(seed)
    losses = []
    policy.set_training_mode(True)
    for _ in range(epochs):
        order = th.randperm(obs_t.shape[0], generator=generator)
        total, count = 0.0, 0
        for start in range(0, order.numel(), batch_size):
            idx = order[start:start + batch_size]
            logits = policy.action_logits(obs_t[idx])
            loss = th.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), act_t[idx].reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            th.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            total += loss.item() * idx.numel()
            count += idx.numel()
        losses.append(total / count)
    policy.set_training_mode(False)
    return losses


def actor_parameters(model: PPO) -> list[th.nn.Parameter]:
    """The parameters the action logits depend on: every parameter outside the critic's modules
    (with ``share_encoder=True`` the shared encoder counts as the actor's)."""
    policy = model.policy
    critic = set()
    for name in CRITIC_MODULES:
        module = getattr(policy, name)
        if name == "critic_encoder" and module is policy.actor_encoder:
            continue
        critic.update(id(p) for p in module.parameters())
    return [p for p in policy.parameters() if id(p) not in critic]


@contextmanager
def frozen_actor(model: PPO) -> Iterator[None]:
    """Within the block the actor's parameters take no gradient (PPO then fits only the critic)."""
    params = actor_parameters(model)
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
