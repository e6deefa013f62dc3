"""``SharedCreatorPolicy``: an SB3 actor-critic whose per-creator logits come from one shared network.

Observation: ``(num_creators, F)`` per env (F = num_genres + 2 for CreatorSuggestion: one-hot of the genre
made last round, a "made nothing" slot, the estimated trust). Action: ``MultiDiscrete([K] * num_creators)``
with K = num_genres + 1 choices per creator.

Network (all weights are shared across creators, nothing depends on ``num_creators``)::

    x_c  (F)  --encoder-->  e_c (H)                        per creator
    pool = [mean_c e_c, max_c e_c]                          summary of all creators (max optional)
    ctx  = MLP(pool)                                        (H)
    logits_c = head([e_c, ctx])                             (K)  -> PerCreatorCategoricalDistribution
    value    = MLP(pool of a separate critic encoder)       (1)

Options for CreatorSuggestion-v1's count logs (``observation="log"``, ``log_units="counts"``: rows of
width 5 G + 2 = the paper's G + 2 columns, then per genre the creator's uploads, its clicks, the
platform's recent clicks and recent items):

- ``count_transform="log1p"``: every count column x becomes log(1 + x) inside the network (counts grow
  to hundreds and saturate tanh units; the transform is part of the policy, so a saved model needs no
  normalisation statistics);
- ``genre_head=True``: a genre-shared scorer. Each (creator c, genre g) pair gets the features
  f_cg = [made last round in g, uploads_cg, clicks_cg, clicks_cg / (uploads_cg + 1), recent platform
  clicks_g, recent platform items_g] (counts log1p-transformed), and
  logit_cg = w . tanh(W_f f_cg + W_e e_c + W_x ctx + b) + b_0 for g = 1..G, logit_c0 = linear([e_c, ctx])
  for "no suggestion" (e_c, ctx: the creator's encoding and the pooled context, as below). The same
  weights score every genre, so a rule such as "suggest the genre where the creator got most clicks"
  is one direction of W_f rather than a G x G map to learn.

Because parameters do not depend on the creator count, a policy trained on 50 creators runs on 80:

- ``model.predict(obs)`` accepts observations with any number of creator rows (this policy overrides
  ``obs_to_tensor``/``predict`` so SB3's shape check does not reject them);
- to re-attach a saved model to a world with another creator count (e.g. to keep training or to
  evaluate through a VecEnv) use :func:`recogym_eco.agents.lore.agent.load_lore`, which calls
  ``PPO.load(path, env=env, custom_objects={"observation_space": env.observation_space,
  "action_space": env.action_space})``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.type_aliases import PyTorchObs
from torch import nn

from recogym_eco.agents.lore.distribution import PerCreatorCategoricalDistribution

POOLINGS = ("mean", "mean_max")
COUNT_TRANSFORMS = ("none", "log1p")
#: per-(creator, genre) features of the genre head (see the module docstring)
GENRE_FEATURES = 6


def _mlp(sizes: list[int], activation_fn: type[nn.Module], last_activation: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if last_activation or i < len(sizes) - 2:
            layers.append(activation_fn())
    return nn.Sequential(*layers)


class SharedCreatorPolicy(ActorCriticPolicy):
    """Actor-critic policy with one network shared across creators and a pooled summary.

    :param embed_dim: width H of the per-creator encoder and of the pooled context.
    :param encoder_layers: number of hidden layers of the per-creator encoders (actor and critic).
    :param head_dim: hidden width of the per-creator logit head (0: linear head).
    :param pooling: ``"mean"`` or ``"mean_max"`` (concatenate mean and max over creators).
    :param share_encoder: use the same per-creator encoder for actor and critic (default: separate).
    :param count_transform: ``"none"`` or ``"log1p"`` (log(1 + x) on the count columns of a counts-layout
        observation, width 5 G + 2; nothing else is touched).
    :param genre_head: score each genre with one genre-shared network (module docstring); needs the
        counts layout (width 5 G + 2).

    Other keyword arguments are SB3's ``ActorCriticPolicy`` ones (``activation_fn``, ``ortho_init``,
    ``optimizer_class``, ``optimizer_kwargs``); ``net_arch`` and feature extractors are not used.
    """

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        lr_schedule,
        embed_dim: int = 64,
        encoder_layers: int = 2,
        head_dim: int = 64,
        pooling: str = "mean_max",
        share_encoder: bool = False,
        count_transform: str = "none",
        genre_head: bool = False,
        **kwargs: Any,
    ):
        if not isinstance(action_space, spaces.MultiDiscrete) or action_space.nvec.ndim != 1:
            raise TypeError(f"SharedCreatorPolicy needs a 1-D MultiDiscrete action space, got {action_space}")
        if len(set(int(n) for n in action_space.nvec)) != 1:
            raise ValueError("all creators must have the same number of choices (num_genres + 1)")
        if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) != 2:
            raise TypeError(f"SharedCreatorPolicy needs a Box observation (creators, features), got {observation_space}")
        if observation_space.shape[0] != len(action_space.nvec):
            raise ValueError("observation rows must match the number of action dimensions (one per creator)")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}")
        if count_transform not in COUNT_TRANSFORMS:
            raise ValueError(f"count_transform must be one of {COUNT_TRANSFORMS}; got {count_transform!r}")
        counts_layout = int(observation_space.shape[1]) == 5 * (int(action_space.nvec[0]) - 1) + 2
        if (count_transform != "none" or genre_head) and not counts_layout:
            raise ValueError(f"count_transform={count_transform!r} / genre_head={genre_head!r} need the counts layout "
                             f"(observation='log', log_units='counts': {5 * (int(action_space.nvec[0]) - 1) + 2} "
                             f"features per creator); got {int(observation_space.shape[1])}")
        if kwargs.pop("use_sde", False):
            raise ValueError("gSDE is not available for discrete actions")
        kwargs.pop("net_arch", None)
        self.embed_dim = int(embed_dim)
        self.encoder_layers = int(encoder_layers)
        self.head_dim = int(head_dim)
        self.pooling = pooling
        self.share_encoder = bool(share_encoder)
        self.count_transform = count_transform
        self.genre_head = bool(genre_head)
        self.num_features = int(observation_space.shape[1])
        self.num_choices = int(action_space.nvec[0])
        kwargs.setdefault("activation_fn", nn.Tanh)
        super().__init__(observation_space, action_space, lr_schedule, net_arch=[], **kwargs)

    # -- building ---------------------------------------------------------------------------------------
    def _build(self, lr_schedule) -> None:
        self.action_dist = PerCreatorCategoricalDistribution(self.num_choices)
        act = self.activation_fn
        h = self.embed_dim
        enc_sizes = [self.num_features] + [h] * self.encoder_layers
        pool_dim = h * (2 if self.pooling == "mean_max" else 1)

        self.actor_encoder = _mlp(enc_sizes, act)
        self.critic_encoder = self.actor_encoder if self.share_encoder else _mlp(enc_sizes, act)
        self.context_net = _mlp([pool_dim, h], act)
        head_in = h + h
        if self.head_dim > 0 and not self.genre_head:
            self.head_net = _mlp([head_in, self.head_dim], act)
            latent = self.head_dim
        else:
            self.head_net = nn.Identity()
            latent = head_in
        if self.genre_head:
            self.genre_feature_net = nn.Linear(GENRE_FEATURES, self.head_dim or h)
            self.genre_creator_net = nn.Linear(h, self.head_dim or h, bias=False)
            self.genre_context_net = nn.Linear(h, self.head_dim or h, bias=False)
            self.genre_out = nn.Linear(self.head_dim or h, 1)
            self.genre_activation = act()
            self.action_net = nn.Linear(head_in, 1)
        else:
            self.action_net = self.action_dist.proba_distribution_net(latent)
        self.critic_net = _mlp([pool_dim, h], act)
        self.value_net = nn.Linear(h, 1)

        if self.ortho_init:
            gains = {
                self.actor_encoder: np.sqrt(2),
                self.critic_encoder: np.sqrt(2),
                self.context_net: np.sqrt(2),
                self.head_net: np.sqrt(2),
                self.critic_net: np.sqrt(2),
                self.action_net: 0.01,
                self.value_net: 1.0,
            }
            if self.genre_head:
                gains.update({self.genre_feature_net: np.sqrt(2), self.genre_creator_net: np.sqrt(2),
                              self.genre_context_net: np.sqrt(2), self.genre_out: 0.01})
            for module, gain in gains.items():
                module.apply(partial(self.init_weights, gain=gain))

        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.pop("net_arch", None)
        data.update(
            dict(
                embed_dim=self.embed_dim,
                encoder_layers=self.encoder_layers,
                head_dim=self.head_dim,
                pooling=self.pooling,
                share_encoder=self.share_encoder,
                count_transform=self.count_transform,
                genre_head=self.genre_head,
            )
        )
        return data

    # -- networks ---------------------------------------------------------------------------------------
    def _as_batch(self, obs: PyTorchObs) -> th.Tensor:
        x = obs.float()  # type: ignore[union-attr]
        if x.dim() == 2:  # a single observation (C, F)
            x = x.unsqueeze(0)
        if x.shape[-1] != self.num_features:
            raise ValueError(f"expected {self.num_features} features per creator, got {tuple(x.shape)}")
        if self.count_transform == "log1p":
            g2 = self.num_choices + 1
            x = th.cat([x[..., :g2], th.log1p(x[..., g2:].clamp_min(0.0))], dim=-1)
        return x

    def genre_features(self, x: th.Tensor) -> th.Tensor:
        """(B, C, G, 6) features f_cg of the genre head from a counts-layout batch ``x`` (B, C, 5 G + 2)
        (raw counts; log1p is applied here): last-round one-hot, log1p uploads, log1p clicks, clicks per
        upload, log1p platform clicks, log1p platform items."""
        G = self.num_choices - 1
        made, clicks = x[..., G + 2: 2 * G + 2], x[..., 2 * G + 2: 3 * G + 2]
        demand, supply = x[..., 3 * G + 2: 4 * G + 2], x[..., 4 * G + 2: 5 * G + 2]
        rate = clicks / (made + 1.0)
        return th.stack([x[..., :G], th.log1p(made), th.log1p(clicks), rate, th.log1p(demand), th.log1p(supply)],
                        dim=-1)

    def _pool(self, e: th.Tensor) -> th.Tensor:
        mean = e.mean(dim=1)
        if self.pooling == "mean":
            return mean
        return th.cat([mean, e.amax(dim=1)], dim=-1)

    def action_logits(self, obs: PyTorchObs) -> th.Tensor:
        """Per-creator logits, shape ``(B, C, K)``.

        The head's first layer acts on [e_c, ctx]: W [e_c; ctx] + b = W_e e_c + (W_ctx ctx + b), so the
        context term is computed once per sample and broadcast over creators (same result as
        concatenating, a third fewer multiply-adds).
        """
        x = self._as_batch(obs)
        e = self.actor_encoder(x)
        ctx = self.context_net(self._pool(e))
        if self.genre_head:
            raw = obs.float()  # type: ignore[union-attr]
            raw = raw.unsqueeze(0) if raw.dim() == 2 else raw
            hidden = self.genre_activation(self.genre_feature_net(self.genre_features(raw.clamp_min(0.0)))
                                          + self.genre_creator_net(e).unsqueeze(2)
                                          + self.genre_context_net(ctx)[:, None, None, :])
            genre_logits = self.genre_out(hidden).squeeze(-1)
            none_logit = self.action_net(th.cat([e, ctx.unsqueeze(1).expand(-1, e.shape[1], -1)], dim=-1))
            return th.cat([none_logit, genre_logits], dim=-1)
        if self.head_dim > 0:
            first, rest = self.head_net[0], self.head_net[1:]
            w_e, w_ctx = first.weight[:, : e.shape[-1]], first.weight[:, e.shape[-1]:]
            z = rest(e @ w_e.T + (ctx @ w_ctx.T + first.bias).unsqueeze(1))
        else:
            z = th.cat([e, ctx.unsqueeze(1).expand(-1, e.shape[1], -1)], dim=-1)
        return self.action_net(z)

    def predict_values(self, obs: PyTorchObs) -> th.Tensor:
        x = self._as_batch(obs)
        return self.value_net(self.critic_net(self._pool(self.critic_encoder(x))))

    def get_distribution(self, obs: PyTorchObs) -> PerCreatorCategoricalDistribution:
        return self.action_dist.proba_distribution(self.action_logits(obs))

    def forward(self, obs: th.Tensor, deterministic: bool = False) -> tuple[th.Tensor, th.Tensor, th.Tensor]:
        distribution = self.get_distribution(obs)
        actions = distribution.get_actions(deterministic=deterministic)
        log_prob = distribution.log_prob(actions)
        return actions, self.predict_values(obs), log_prob

    def evaluate_actions(self, obs: PyTorchObs, actions: th.Tensor) -> tuple[th.Tensor, th.Tensor, th.Tensor]:
        distribution = self.get_distribution(obs)
        return self.predict_values(obs), distribution.log_prob(actions), distribution.entropy()

    def _predict(self, observation: PyTorchObs, deterministic: bool = False) -> th.Tensor:
        return self.get_distribution(observation).get_actions(deterministic=deterministic)

    # -- creator-count agnostic inference ---------------------------------------------------------------
    def obs_to_tensor(self, observation) -> tuple[th.Tensor, bool]:
        """Like SB3's, but any number of creator rows is accepted: (C', F) or (B, C', F)."""
        obs = np.asarray(observation, dtype=np.float32)
        if obs.ndim not in (2, 3) or obs.shape[-1] != self.num_features:
            raise ValueError(
                f"expected an observation of shape (creators, {self.num_features}) or "
                f"(batch, creators, {self.num_features}), got {obs.shape}"
            )
        vectorized = obs.ndim == 3
        if not vectorized:
            obs = obs[None]
        return th.as_tensor(obs, device=self.device), vectorized

    def predict(
        self,
        observation: np.ndarray,
        state: tuple[np.ndarray, ...] | None = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
        self.set_training_mode(False)
        obs_tensor, vectorized = self.obs_to_tensor(observation)
        with th.no_grad():
            actions = self._predict(obs_tensor, deterministic=deterministic)
        actions = actions.cpu().numpy().astype(np.int64)
        if not vectorized:
            actions = actions[0]
        return actions, state
