"""LoRe = SB3 PPO + :class:`~recogym_eco.agents.lore.policy.SharedCreatorPolicy` on the suggestion lever.

Train::

    from recogym_eco.agents.lore import make_lore_vec_env, make_lore
    venv = make_lore_vec_env(n_envs=16, seed=0)               # CreatorSuggestion-v0, reward normalised
    model = make_lore(venv, seed=0)                           # PPO with LORE_PPO_DEFAULTS
    model.learn(400_000)
    model.save("lore.zip")

Save with :func:`save_lore` (the SB3 ``.zip`` plus a sidecar ``.json`` with ``env_id`` and
``env_kwargs``). Load / evaluate (any creator count with the same genre count)::

    from recogym_eco.agents.lore import load_lore
    model = load_lore("lore.zip")                             # weights only, no unpickling (needs the sidecar)
    model = load_lore("lore.zip", env=other_env)              # re-attach to another creator count
    action, _ = model.predict(obs, deterministic=False)       # any (C', width) obs works directly
    evaluate_policy(LoRePolicyPredictor(model), env)          # stochastic by default, see below

A shipped model is also a plain SB3 model: ``evaluate_policy(PPO.load(path), gym.make(env_id,
**env_kwargs))`` with the sidecar's ``env_id`` and ``env_kwargs`` (``PPO.load`` unpickles: use it only
on files you trust).

Hyperparameters live in :data:`LORE_PPO_DEFAULTS` and :data:`LORE_POLICY_KWARGS`.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
import torch as th
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecNormalize

from recogym_eco.agents.lore.policy import SharedCreatorPolicy
from recogym_eco.agents.lore.trust import LearnedTrust

ENV_ID = "recogym_eco/CreatorSuggestion-v0"

#: Rollout state left out of a saved model (``PPO.load`` rebuilds it on the next ``learn``).
SHIP_EXCLUDE = ("_last_obs", "_last_original_obs", "_last_episode_starts", "ep_info_buffer", "ep_success_buffer")

#: Policy network: small on purpose (8-11k parameters, a 150-190 KB zip): the per-creator network runs on
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
    ranker: str | None = None,
    plugins: Sequence[str] = (),
) -> VecEnv:
    """A VecEnv of CreatorSuggestion worlds for training LoRe.

    :param trust: ``"mle"`` (the env's Beta-smoothed estimate, default) or ``"learned"`` (the paper's
        network, :class:`~recogym_eco.agents.lore.trust.LearnedTrust`).
    :param normalize_reward: wrap in ``VecNormalize(norm_obs=False, norm_reward=True)``: rewards
        (clicks ~0-100 per round) are divided by a running std of the discounted return, which keeps the
        critic's loss from swamping the actor's gradient under ``max_grad_norm``. Observations are not
        normalised, so a saved model needs no VecNormalize statistics at inference time.
    :param vec_env_cls: SB3's VecEnv class over copies of the env; ``None`` (default): the batched env
        (``gymnasium.make_vec``, :class:`~recogym_eco.envs.sb3_vec_env.SB3VecEnv`: the same trajectories
        as ``DummyVecEnv``, one compiled call per step where the world's round compiles), or ``DummyVecEnv``
        when a wrapper (learned trust, a ranker) must wrap each world.
    :param monitor_dir: where SB3's ``Monitor`` writes per-episode (raw) clicks, if given.
    :param features: ``"paper"`` (the paper's state: last genre + trust) or ``"log"`` (plus the
        platform's logs): the env option ``observation``, which ``env_kwargs`` may also set.
    :param ranker: a registered ranker name (``recogym_eco.agents.rankers.RANKERS``, e.g. ``"PMMF_CreAgent"``)
        installed in every training world (``WithRanker``), so LoRe learns the suggestions that pay under
        that re-ranker (the paper's LoRe + P-MMF, seed 001 Table 3); None: the recommender's top-k.
    :param plugins: plug-in files or modules (``recogym_eco.plugins.load_plugin``) that each world's
        process loads before building the ranker, so a ranker a plug-in registers also works in
        ``SubprocVecEnv`` workers.
    """
    if isinstance(env_id, str):
        _ensure_registered()
    if trust not in ("mle", "learned"):
        raise ValueError("trust must be 'mle' or 'learned'")
    if features not in ("paper", "log"):
        raise ValueError(f"features must be 'paper' or 'log'; got {features!r}")
    kwargs = {"observation": features, **(env_kwargs or {})}
    if kwargs["observation"] != features:
        raise ValueError(f"features={features!r} contradicts env_kwargs observation={kwargs['observation']!r}")
    if isinstance(env_id, str):
        kwargs = {"render_mode": None, **kwargs}  # no rgb_array frames during training
    wrapper = None
    if ranker is not None:
        from recogym_eco.agents.rankers import RANKERS

        if ranker not in RANKERS:
            raise ValueError(f"ranker must be a registered ranker {list(RANKERS.names())} or None; got {ranker!r}")
        wrapper = _RankerWrapper(ranker, LearnedTrust if trust == "learned" else None, tuple(plugins))
    elif trust == "learned":
        wrapper = LearnedTrust
    if vec_env_cls is None and wrapper is None and isinstance(env_id, str):
        from recogym_eco.envs.sb3_vec_env import make_sb3_vec_env

        venv = make_sb3_vec_env(env_id, n_envs, seed=seed, monitor_dir=monitor_dir, **kwargs)
    else:
        venv = make_vec_env(env_id, n_envs=n_envs, seed=seed, env_kwargs=kwargs, wrapper_class=wrapper,
                            vec_env_cls=vec_env_cls or DummyVecEnv, monitor_dir=monitor_dir)
    if normalize_reward:
        venv = VecNormalize(venv, norm_obs=False, norm_reward=True, gamma=gamma)
    return venv


class _RankerWrapper:
    """Picklable ``wrapper_class`` for ``make_vec_env``: loads the plug-ins (in a worker process they
    are not loaded yet), installs a fresh instance of the named ranker (``WithRanker``), then the
    optional trust wrapper."""

    def __init__(self, ranker: str, then: type[gym.Wrapper] | None = None,
                 plugins: tuple[str, ...] = ()) -> None:
        self.ranker, self.then, self.plugins = ranker, then, plugins

    def __call__(self, env: gym.Env) -> gym.Env:
        from recogym_eco.agents.rankers import RANKERS, WithRanker
        from recogym_eco.plugins import load_plugin

        for plugin in self.plugins:
            load_plugin(plugin)
        env = WithRanker(env, RANKERS.create(self.ranker))
        return self.then(env) if self.then is not None else env


def make_lore(env: gym.Env | VecEnv, policy_kwargs: dict[str, Any] | None = None, **ppo_kwargs: Any) -> PPO:
    """PPO with :class:`SharedCreatorPolicy` and :data:`LORE_PPO_DEFAULTS` (overridden by ``ppo_kwargs``)."""
    kwargs = {**LORE_PPO_DEFAULTS, **ppo_kwargs}
    pk = {**LORE_POLICY_KWARGS, **(policy_kwargs or {})}
    return PPO(SharedCreatorPolicy, env, policy_kwargs=pk, **kwargs)


def sidecar_path(path: str | Path) -> Path:
    """``model.zip`` -> ``model.json``: the sidecar that says which env a saved model plays."""
    path = Path(path)
    return path.with_suffix(".json") if path.suffix == ".zip" else path.with_name(path.name + ".json")


def save_lore(model: PPO, path: str | Path, env_id: str = ENV_ID, env_kwargs: dict[str, Any] | None = None,
              *, ship: bool = False, ranker: str | None = None) -> Path:
    """Saves ``model`` in SB3's format and writes its sidecar ``<name>.json``.

    The sidecar holds ``env_id``, ``env_kwargs`` (JSON values only: the observation option, the preset's
    parameters), the policy class and its keyword arguments: everything :func:`load_lore` needs to
    rebuild the policy without unpickling. ``ship=True`` leaves out the rollout state (~3x smaller).
    ``ranker``: the re-ranker the model was trained under (recorded as ``"ranker"``; evaluate it as
    ``<model>+<ranker>``); omitted when None.
    """
    path = Path(path)
    if path.suffix != ".zip":
        path = path.with_name(path.name + ".zip")
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path, exclude=list(SHIP_EXCLUDE) if ship else None)
    kwargs = dict(env_kwargs or {})
    kwargs.setdefault("observation", "log" if model.policy.num_features > model.action_space.nvec[0] + 1 else "paper")
    sidecar = {"env_id": env_id, "env_kwargs": kwargs, "algorithm": "PPO", "policy": "SharedCreatorPolicy",
               "policy_kwargs": dict(model.policy_kwargs), "num_features": int(model.policy.num_features)}
    if ranker is not None:
        sidecar["ranker"] = ranker
    sidecar_path(path).write_text(json.dumps(sidecar, indent=2))
    return path


def read_sidecar(path: str | Path) -> dict[str, Any]:
    """The sidecar of a saved model; ``FileNotFoundError`` saying how to proceed without one."""
    side = sidecar_path(path)
    if not side.is_file():
        raise FileNotFoundError(f"{side} not found: a LoRe model needs its sidecar JSON (env_id, env_kwargs, "
                                f"policy_kwargs) to load without unpickling; save models with save_lore, or pass "
                                f"trusted=True to unpickle {path} (this runs code stored in the file)")
    return json.loads(side.read_text())


def load_lore(path: str | Path, env: gym.Env | VecEnv | None = None, device: str = "cpu", *,
              trusted: bool = False, **kwargs: Any) -> PPO:
    """Loads a saved LoRe model.

    Default (``trusted=False``): nothing is unpickled. The policy is rebuilt from the sidecar JSON
    (:func:`save_lore`) and its weights read with ``torch.load(weights_only=True)``; the model has the
    policy (for ``predict`` and evaluation), not the optimiser state. ``trusted=True`` uses SB3's
    ``PPO.load``, which unpickles the file (arbitrary code can run: only for files you trust), and
    restores everything, for further training.

    With ``env`` given, the model takes the env's spaces, so a model trained on 50 creators attaches
    to a world with 80 (same genre count). Without it, the sidecar's env gives the spaces;
    ``model.predict`` accepts any creator count either way.
    """
    if trusted:
        custom = {"policy_class": SharedCreatorPolicy, **dict(kwargs.pop("custom_objects", None) or {})}
        if env is not None:
            custom.setdefault("observation_space", env.observation_space)
            custom.setdefault("action_space", env.action_space)
        return PPO.load(path, env=env, device=device, custom_objects=custom, **kwargs)
    sidecar = read_sidecar(path)
    if sidecar.get("policy") != "SharedCreatorPolicy":
        raise ValueError(f"{path}: load_lore rebuilds SharedCreatorPolicy models; the sidecar says {sidecar.get('policy')!r}")
    venv = env if isinstance(env, VecEnv) else DummyVecEnv([
        (lambda: env) if env is not None else (lambda: gym.make(sidecar["env_id"], **sidecar["env_kwargs"]))])
    ppo_kwargs = {**LORE_PPO_DEFAULTS, "batch_size": LORE_PPO_DEFAULTS["n_steps"] * venv.num_envs, **kwargs}
    model = PPO(SharedCreatorPolicy, venv, policy_kwargs=sidecar["policy_kwargs"], device=device, **ppo_kwargs)
    with zipfile.ZipFile(path) as archive:
        state = th.load(io.BytesIO(archive.read("policy.pth")), map_location=device, weights_only=True)
    model.policy.load_state_dict(state)
    return model


class LoRePolicyPredictor:
    """SB3-style ``predict`` around a LoRe model, with its own sampling choice.

    ``evaluate_policy`` always passes ``deterministic`` (default True). LoRe's policy is stochastic by
    design (the paper samples a ~ pi(s)); with one network shared by all creators, the argmax gives every
    creator in the same state the same suggestion, which herds them into one genre. This wrapper uses
    ``deterministic=self.deterministic`` whatever the caller passes (``None``: honour the caller).
    It reads only the observation: play it in an env made with the model's sidecar ``env_kwargs``.
    """

    def __init__(self, model: PPO | str, deterministic: bool | None = False, env: gym.Env | None = None):
        self.model = load_lore(model, env=env) if isinstance(model, (str, Path)) else model
        self.deterministic = deterministic

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        det = deterministic if self.deterministic is None else self.deterministic
        return self.model.predict(observation, state=state, episode_start=episode_start, deterministic=det)

    def reset(self) -> None:  # stateless; offered for symmetry with heuristic agents
        return None


__all__ = [
    "ENV_ID",
    "LORE_PPO_DEFAULTS",
    "LORE_POLICY_KWARGS",
    "make_lore_vec_env",
    "make_lore",
    "load_lore",
    "read_sidecar",
    "save_lore",
    "sidecar_path",
    "LoRePolicyPredictor",
]
