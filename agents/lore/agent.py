"""LoRe = SB3 PPO + :class:`~recogym_eco.agents.lore.policy.SharedCreatorPolicy` on the suggestion lever.

Train::

    from recogym_eco.agents.lore import make_lore_vec_env, make_lore
    venv = make_lore_vec_env(n_envs=16, seed=0)               # CreatorSuggestion-v0, reward normalised
    model = make_lore(venv, seed=0)                           # PPO with LORE_PPO_DEFAULTS
    model.learn(400_000)
    model.save("lore.zip")

Load / evaluate (any creator count with the same genre count)::

    from recogym_eco.agents.lore import load_lore
    model = load_lore("lore.zip")                             # spaces as saved
    model = load_lore("lore.zip", env=other_env)              # re-attach to another creator count
    action, _ = model.predict(obs, deterministic=False)       # any (C', G+2) obs works directly
    evaluate_policy(LoRePolicyPredictor(model), env)          # stochastic by default, see below

Hyperparameters live in :data:`LORE_PPO_DEFAULTS` and :data:`LORE_POLICY_KWARGS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecNormalize

from recogym_eco.agents.lore.features import PlatformLogFeatures, platform_log_features
from recogym_eco.agents.lore.policy import SharedCreatorPolicy
from recogym_eco.agents.lore.trust import LearnedTrust

ENV_ID = "recogym_eco/CreatorSuggestion-v0"

#: Policy network: small on purpose (~8k parameters, a ~0.1 MB zip): the per-creator network runs on
#: batch x creators rows, so its width sets the update cost at 200+ creators.
LORE_POLICY_KWARGS: dict[str, Any] = dict(
    embed_dim=32,
    encoder_layers=1,
    head_dim=32,
    pooling="mean_max",
    share_encoder=False,
)

#: PPO hyperparameters (one place), for 16 envs (``make_lore_vec_env``'s default): one rollout is
#: 16 x 100 = 1600 steps, 2 minibatches x 5 epochs per update. Chosen by short pilots on the default
#: world (see train/train_lore.py): the joint PPO ratio is a product over all creators, so per-creator
#: steps are small; a high learning rate, clip 0.3 and short rollouts (many updates) learn fastest within
#: the 15-minute budget; gamma 0.95 (~20 rounds) covers an item's freshness window and churn patience.
LORE_PPO_DEFAULTS: dict[str, Any] = dict(
    learning_rate=2e-3,
    n_steps=100,
    batch_size=800,
    n_epochs=5,
    gamma=0.95,
    gae_lambda=0.9,
    clip_range=0.3,
    ent_coef=0.0,
    vf_coef=0.5,
    max_grad_norm=0.5,
)


def _ensure_registered() -> None:
    import recogym_eco  # noqa: F401  (registers recogym_eco/CreatorSuggestion-v0)


def make_lore_vec_env(
    n_envs: int = 16,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    trust: str = "mle",
    normalize_reward: bool = True,
    gamma: float = LORE_PPO_DEFAULTS["gamma"],
    vec_env_cls: type[VecEnv] | None = None,
    env_id: str | Callable[..., gym.Env] = ENV_ID,
    monitor_dir: str | None = None,
    features: str = "paper",
) -> VecEnv:
    """A VecEnv of CreatorSuggestion worlds for training LoRe.

    :param trust: ``"mle"`` (the env's Beta-smoothed estimate, default) or ``"learned"`` (the paper's
        network, :class:`~recogym_eco.agents.lore.trust.LearnedTrust`).
    :param normalize_reward: wrap in ``VecNormalize(norm_obs=False, norm_reward=True)``: rewards
        (clicks ~0-100 per round) are divided by a running std of the discounted return, which keeps the
        critic's loss from swamping the actor's gradient under ``max_grad_norm``. Observations are not
        normalised, so a saved model needs no VecNormalize statistics at inference time.
    :param monitor_dir: where SB3's ``Monitor`` writes per-episode (raw) clicks, if given.
    :param features: ``"paper"`` (the paper's state: last genre + trust) or ``"log"`` (plus the
        platform's logs, :class:`~recogym_eco.agents.lore.features.PlatformLogFeatures`).
    """
    if isinstance(env_id, str):
        _ensure_registered()
    if trust not in ("mle", "learned"):
        raise ValueError("trust must be 'mle' or 'learned'")
    if features not in ("paper", "log"):
        raise ValueError(f"features must be 'paper' or 'log'; got {features!r}")
    layers = ([LearnedTrust] if trust == "learned" else []) + ([PlatformLogFeatures] if features == "log" else [])

    def wrapper(env: gym.Env) -> gym.Env:
        for layer in layers:
            env = layer(env)
        return env

    # SB3's make_vec_env asks string ids for render_mode="rgb_array" unless told otherwise
    kwargs = {"render_mode": None, **(env_kwargs or {})} if isinstance(env_id, str) else dict(env_kwargs or {})
    venv = make_vec_env(env_id, n_envs=n_envs, seed=seed, env_kwargs=kwargs, wrapper_class=wrapper,
                        vec_env_cls=vec_env_cls or DummyVecEnv, monitor_dir=monitor_dir)
    if normalize_reward:
        venv = VecNormalize(venv, norm_obs=False, norm_reward=True, gamma=gamma)
    return venv


def make_lore(env: gym.Env | VecEnv, policy_kwargs: dict[str, Any] | None = None, **ppo_kwargs: Any) -> PPO:
    """PPO with :class:`SharedCreatorPolicy` and :data:`LORE_PPO_DEFAULTS` (overridden by ``ppo_kwargs``)."""
    kwargs = {**LORE_PPO_DEFAULTS, **ppo_kwargs}
    pk = {**LORE_POLICY_KWARGS, **(policy_kwargs or {})}
    return PPO(SharedCreatorPolicy, env, policy_kwargs=pk, **kwargs)


def load_lore(path: str, env: gym.Env | VecEnv | None = None, device: str = "cpu", **kwargs: Any) -> PPO:
    """Load a saved LoRe model with SB3's ``PPO.load``.

    With ``env`` given, the model's spaces are replaced by the env's (``custom_objects``), so a model
    trained on 50 creators attaches to a world with 80 (same genre count) for further training or
    VecEnv evaluation. Without ``env``, the saved spaces are kept; ``model.predict`` still accepts any
    creator count.
    """
    custom = dict(kwargs.pop("custom_objects", None) or {})
    if env is not None:
        custom.setdefault("observation_space", env.observation_space)
        custom.setdefault("action_space", env.action_space)
    return PPO.load(path, env=env, device=device, custom_objects=custom or None, **kwargs)


class LoRePolicyPredictor:
    """SB3-style ``predict`` around a LoRe model, with its own sampling choice.

    ``evaluate_policy`` always passes ``deterministic`` (default True). LoRe's policy is stochastic by
    design (the paper samples a ~ pi(s)); with one network shared by all creators, the argmax gives every
    creator in the same state the same suggestion, which herds them into one genre. This wrapper uses
    ``deterministic=self.deterministic`` whatever the caller passes (``None``: honour the caller).
    A model trained with platform-log features (``features="log"``) reads them from ``features_env``
    (the env it plays in), so it takes the env's plain observation like every other policy.
    """

    def __init__(self, model: PPO | str, deterministic: bool | None = False, env: gym.Env | None = None,
                 features_env: gym.Env | None = None):
        self.model = load_lore(model, env=env) if isinstance(model, str) else model
        self.deterministic = deterministic
        self.features_env = features_env

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        det = deterministic if self.deterministic is None else self.deterministic
        obs = np.asarray(observation)
        if obs.shape[-1] < self.model.policy.num_features:
            if self.features_env is None:
                raise ValueError("this LoRe model reads platform-log features: pass features_env=<the env it plays in>")
            obs = platform_log_features(obs, self.features_env.unwrapped.world)
        return self.model.predict(obs, state=state, episode_start=episode_start, deterministic=det)

    def reset(self) -> None:  # stateless; offered for symmetry with heuristic agents
        return None


__all__ = [
    "ENV_ID",
    "LORE_PPO_DEFAULTS",
    "LORE_POLICY_KWARGS",
    "make_lore_vec_env",
    "make_lore",
    "load_lore",
    "LoRePolicyPredictor",
]
