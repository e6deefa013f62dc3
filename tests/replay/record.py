"""Records reference trajectories of the v0 worlds for the replay tests (``test_replay.py``).

Run ``python tests/replay/record.py [FILE [ENGINE]]`` only when a world's dynamics change on purpose
(which also needs a new environment id): ``v0_compiled.json compiled`` and ``v0_numpy.json numpy``
(ContentCompetition's ``engine=``). Each case is a list of steps; a step stores the observation, reward and
numeric ``info`` values exactly (JSON floats round-trip), so replaying it shows any change in any bit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent

CS_CASES: dict[str, dict[str, Any]] = {
    "cs_default": dict(num_creators=12, num_users=30, horizon=12),
    "cs_clicks_mch": dict(num_creators=10, num_users=25, horizon=10, trust_dynamics="clicks",
                          creator_fallback="most_clicked_history"),
    "cs_cfd_popularity": dict(num_creators=10, num_users=25, horizon=10, creator_fallback="cfd",
                              recommender="popularity"),
    "cs_simuline_noise": dict(num_creators=10, num_users=25, horizon=10, creator_fallback="simuline",
                              estimation_noise=0.2, exclude_seen=False),
}
CC_CASES: dict[str, dict[str, Any]] = {
    "cc_toy_none": dict(preset="toy", horizon=20),
    "cc_synth_hmt": dict(preset="synthetic", mechanism="HMT", num_creators=12, cluster_sizes=(20, 10, 6),
                         num_groups=3, top_k=4, horizon=20, epoch_length=4),
    "cc_synth_smt": dict(preset="synthetic", mechanism="SMT", num_creators=10, cluster_sizes=(15, 10),
                         num_groups=2, top_k=3, horizon=15, epoch_length=3),
    "cc_synth_uir": dict(preset="synthetic", mechanism="UIR", num_creators=10, cluster_sizes=(15, 10),
                         num_groups=2, top_k=3, horizon=15, epoch_length=3),
}


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.astype(np.float64).ravel().tolist()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


def _info(info: dict[str, Any]) -> dict[str, Any]:
    return {k: p for k, v in sorted(info.items()) if (p := _plain(v)) is not None}


def gym_trajectory(env_id: str, kwargs: dict[str, Any], seed: int = 7) -> list[dict[str, Any]]:
    """Reset with ``seed``, then step with actions sampled from a separately seeded action space."""
    import gymnasium as gym

    import recogym_eco  # noqa: F401  (registers the ids)

    env = gym.make(env_id, disable_env_checker=True, **kwargs)
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed + 1)
    steps = [{"obs": _plain(obs), "info": _info(info)}]
    done = False
    while not done:
        obs, reward, term, trunc, info = env.step(env.action_space.sample())
        steps.append({"obs": _plain(obs), "reward": float(reward), "info": _info(info)})
        done = term or trunc
    return steps


def parallel_trajectory(module: Any, kwargs: dict[str, Any], seed: int = 11, max_steps: int = 8) -> list[dict]:
    """PettingZoo parallel face: every live agent acts (action spaces seeded), for ``max_steps``."""
    env = module.parallel_env(**kwargs)
    obs, infos = env.reset(seed=seed)
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + i)
    steps = [{a: _plain(o) for a, o in sorted(obs.items())}]
    for _ in range(max_steps):
        if not env.agents:
            break
        actions = {a: env.action_space(a).sample() for a in env.agents}
        obs, rewards, terms, truncs, infos = env.step(actions)
        steps.append({"obs": {a: _plain(o) for a, o in sorted(obs.items())},
                      "rewards": {a: float(r) for a, r in sorted(rewards.items())},
                      "platform_info": _info(infos.get("platform", {}))})
    return steps


def record_all(engine: str = "auto") -> dict[str, Any]:
    import recogym_eco  # noqa: F401  (registers the ids)
    from recogym_eco.envs import content_competition_v0, creator_suggestion_v0

    out: dict[str, Any] = {}
    for name, kw in CS_CASES.items():
        out[name] = gym_trajectory("recogym_eco/CreatorSuggestion-v0", kw)
    for name, kw in CC_CASES.items():
        out[name] = gym_trajectory("recogym_eco/ContentCompetition-v0", dict(kw, engine=engine))
    out["cs_parallel"] = parallel_trajectory(creator_suggestion_v0, CS_CASES["cs_default"])
    out["cc_parallel"] = parallel_trajectory(content_competition_v0, dict(preset="toy", max_cycles=8))
    return out


if __name__ == "__main__":
    target = HERE / (sys.argv[1] if len(sys.argv) > 1 else "v0_compiled.json")
    target.write_text(json.dumps(record_all(sys.argv[2] if len(sys.argv) > 2 else "auto")))
    print(f"wrote {target}")
