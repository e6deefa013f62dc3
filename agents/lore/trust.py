"""Learned trust: the LoRe paper's trust estimator (a small network on creator id, BCE on follow events).

The default trust signal of ``CreatorSuggestion`` is the env's closed-form Beta-smoothed follow rate,
already in the last observation column. This module offers the paper's variant (seed 001, §4.2.3):

- :class:`TrustNet`: creator id -> embedding -> linear -> sigmoid = P(follow). Trained by minimising the
  binary cross-entropy over a dataset of follow events ``(creator_id, followed)``. Because every event of
  one creator has the same input, the loss over all events equals the per-creator count form
  ``-sum_c [f_c log p_c + n_c log(1 - p_c)]`` (f = follows, n = ignores); :meth:`TrustNet.fit_counts`
  uses it so that online training costs O(creators) per step whatever the number of events.
  ``weight_decay`` acts as a prior that keeps creators with few events near the initial 0.5.
- :class:`LearnedTrust`: a Gymnasium ``ObservationWrapper`` that replaces the trust column of the
  observation with the network's prediction and trains the network online from ``info["followed"]``
  and ``info["ignored"]`` after every step. The network is re-initialised at every ``reset`` (a new
  episode draws new creators) unless ``reset_each_episode=False``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from torch import nn


class TrustNet(nn.Module):
    """P(creator follows a suggestion) from the creator's id: embedding -> linear -> sigmoid."""

    def __init__(self, num_creators: int, embed_dim: int = 8, seed: int | None = None):
        super().__init__()
        gen = th.Generator().manual_seed(0 if seed is None else int(seed))
        self.num_creators = int(num_creators)
        self.embedding = nn.Embedding(self.num_creators, embed_dim)
        self.out = nn.Linear(embed_dim, 1)
        with th.no_grad():
            self.embedding.weight.normal_(0.0, 0.1, generator=gen)
            self.out.weight.normal_(0.0, 0.1, generator=gen)
            self.out.bias.zero_()  # start at P = 0.5 for everyone

    def forward(self, ids: th.Tensor) -> th.Tensor:
        """Follow probability of each id, same shape as ``ids``."""
        return th.sigmoid(self.logits(ids))

    def logits(self, ids: th.Tensor) -> th.Tensor:
        return self.out(self.embedding(ids)).squeeze(-1)

    def predict_all(self) -> np.ndarray:
        """Follow probability of every creator, float32 ``(num_creators,)``."""
        with th.no_grad():
            return self(th.arange(self.num_creators)).numpy().astype(np.float32)

    def make_optimizer(self, lr: float = 0.05, weight_decay: float = 0.0) -> th.optim.Optimizer:
        return th.optim.Adam(self.parameters(), lr=lr, weight_decay=weight_decay)

    def fit_events(self, ids: np.ndarray, followed: np.ndarray, steps: int = 200, lr: float = 0.05,
                   weight_decay: float = 0.0, optimizer: th.optim.Optimizer | None = None) -> float:
        """Full-batch BCE on a list of events (creator id, followed in {0, 1}); returns the last loss."""
        ids_t = th.as_tensor(np.asarray(ids), dtype=th.long)
        y = th.as_tensor(np.asarray(followed), dtype=th.float32)
        opt = optimizer or self.make_optimizer(lr, weight_decay)
        loss = th.zeros(())
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(self.logits(ids_t), y)
            loss.backward()
            opt.step()
        return float(loss.detach())

    def fit_counts(self, follows: np.ndarray, ignores: np.ndarray, steps: int = 5,
                   optimizer: th.optim.Optimizer | None = None, lr: float = 0.05) -> float:
        """The same BCE as :meth:`fit_events` written with per-creator event counts (C,)."""
        f = th.as_tensor(np.asarray(follows), dtype=th.float32)
        n = th.as_tensor(np.asarray(ignores), dtype=th.float32)
        total = float((f + n).sum())
        if total <= 0:
            return 0.0
        opt = optimizer or self.make_optimizer(lr)
        ids = th.arange(self.num_creators)
        loss = th.zeros(())
        for _ in range(steps):
            opt.zero_grad()
            z = self.logits(ids)
            # -[f log sigmoid(z) + n log(1 - sigmoid(z))], numerically stable
            loss = -(f * nn.functional.logsigmoid(z) + n * nn.functional.logsigmoid(-z)).sum() / total
            loss.backward()
            opt.step()
        return float(loss.detach())


class LearnedTrust(gym.ObservationWrapper):
    """Replace the trust column of a CreatorSuggestion observation with a :class:`TrustNet` prediction.

    :param env: an env whose observation is ``(num_creators, F)`` with trust in column ``trust_column``
        and whose ``info`` carries boolean ``followed`` / ``ignored`` arrays ``(num_creators,)``.
    :param embed_dim: embedding width of the network.
    :param lr: Adam learning rate. :param steps_per_round: gradient steps after each round.
    :param weight_decay: L2 on the parameters (a prior toward 0.5 for creators with few events).
    :param reset_each_episode: start a fresh network at every ``reset`` (new episode = new creators).
    :param seed: seed of the network's initialisation.

    The prediction is also reported as ``info["trust_learned"]``.
    """

    def __init__(self, env: gym.Env, embed_dim: int = 8, lr: float = 0.05, steps_per_round: int = 5,
                 weight_decay: float = 0.0, reset_each_episode: bool = True, trust_column: int = -1,
                 seed: int | None = 0):
        super().__init__(env)
        shape = env.observation_space.shape
        if shape is None or len(shape) != 2:
            raise TypeError(f"LearnedTrust needs a (creators, features) observation, got {env.observation_space}")
        self.num_creators = int(shape[0])
        self.embed_dim, self.lr, self.steps_per_round = embed_dim, lr, steps_per_round
        self.weight_decay, self.reset_each_episode = weight_decay, reset_each_episode
        self.trust_column, self._seed = trust_column, seed
        self._new_net()

    def _new_net(self) -> None:
        self.net = TrustNet(self.num_creators, self.embed_dim, seed=self._seed)
        self.optimizer = self.net.make_optimizer(self.lr, self.weight_decay)
        self.follows = np.zeros(self.num_creators)
        self.ignores = np.zeros(self.num_creators)
        self._pred = self.net.predict_all()

    def observation(self, observation: np.ndarray) -> np.ndarray:
        obs = np.array(observation, dtype=np.float32, copy=True)
        obs[:, self.trust_column] = self._pred
        return obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if self.reset_each_episode:
            self._new_net()
        obs, info = self.env.reset(seed=seed, options=options)
        info = dict(info)
        info["trust_learned"] = self._pred.copy()
        return self.observation(obs), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        followed = np.asarray(info["followed"], dtype=bool)
        ignored = np.asarray(info["ignored"], dtype=bool)
        if followed.any() or ignored.any():
            self.follows += followed
            self.ignores += ignored
            self.net.fit_counts(self.follows, self.ignores, steps=self.steps_per_round, optimizer=self.optimizer)
            self._pred = self.net.predict_all()
        info = dict(info)
        info["trust_learned"] = self._pred.copy()
        return self.observation(obs), reward, terminated, truncated, info
