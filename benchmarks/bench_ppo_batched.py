"""PPO throughput with LoRe on batched worlds: env steps per second (rollout collection + update).

    python benchmarks/bench_ppo_batched.py [--num-envs 1 8 32 64] [--env-ids v0 v1 v1-fast] [--rollouts 3]
                                          [--repeats 3] [--vec batched dummy] [--torch-threads 1]

For each env id and ``num_envs`` N, a fresh process builds LoRe's training VecEnv
(``make_lore_vec_env``: ``batched`` = ``gymnasium.make_vec`` through ``SB3VecEnv``, what
``recogym-eco train --num-envs N`` uses; ``dummy`` = SB3's ``DummyVecEnv`` of single envs) and LoRe's
PPO (``LORE_PPO_DEFAULTS``: rollouts of 100 steps per world, minibatches of 800, 5 epochs, one torch
thread unless ``--torch-threads``) and times ``learn`` over ``--rollouts`` rollouts after one untimed
rollout (compilation, warm-up). ``v1-fast`` is CreatorSuggestion-v1 with ``engine="fast"`` (its compiled round: the same world,
not the NumPy round's bits). It also times the env alone (random actions, same VecEnv), so the table shows how much of
PPO's time is the world. Medians over ``--repeats`` processes; the machine and its load are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

IDS = {"v0": "recogym_eco/CreatorSuggestion-v0", "v1": "recogym_eco/CreatorSuggestion-v1",
       "v1-fast": "recogym_eco/CreatorSuggestion-v1"}
ENV_KWARGS = {"v1-fast": {"engine": "fast"}}


def worker(name: str, num_envs: int, rollouts: int, vec: str, torch_threads: int) -> dict:
    """One measurement in this process: PPO env-steps/s and env-only steps/s."""
    import warnings

    import numpy as np
    import torch as th

    warnings.filterwarnings("ignore")
    th.set_num_threads(torch_threads)
    from stable_baselines3.common.vec_env import DummyVecEnv

    from recogym_eco.agents.lore import LORE_PPO_DEFAULTS, make_lore, make_lore_vec_env

    venv = make_lore_vec_env(n_envs=num_envs, seed=0, env_id=IDS[name], env_kwargs=ENV_KWARGS.get(name),
                             features="log", vec_env_cls=DummyVecEnv if vec == "dummy" else None)
    model = make_lore(venv, seed=0, device="cpu")
    per_rollout = LORE_PPO_DEFAULTS["n_steps"] * num_envs
    model.learn(per_rollout)
    t0 = time.perf_counter()
    model.learn(rollouts * per_rollout, reset_num_timesteps=False)
    ppo = rollouts * per_rollout / (time.perf_counter() - t0)
    rng = np.random.default_rng(0)
    obs = venv.reset()
    steps = max(200, per_rollout) // num_envs
    actions = [rng.integers(0, 15, (num_envs, obs.shape[1])) for _ in range(steps)]
    t0 = time.perf_counter()
    for a in actions:
        venv.step(a)
    env_only = steps * num_envs / (time.perf_counter() - t0)
    return {"ppo_steps_per_s": ppo, "env_steps_per_s": env_only}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-envs", type=int, nargs="+", default=[1, 8, 32, 64])
    p.add_argument("--env-ids", nargs="+", choices=sorted(IDS), default=["v0", "v1"])
    p.add_argument("--vec", nargs="+", choices=["batched", "dummy"], default=["batched", "dummy"])
    p.add_argument("--rollouts", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--torch-threads", type=int, default=1, help="torch threads of PPO (default 1)")
    p.add_argument("--worker", nargs=5, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        name, n, rollouts, vec, threads = args.worker
        print(json.dumps(worker(name, int(n), int(rollouts), vec, int(threads))))
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"load {os.getloadavg()}; torch threads {args.torch_threads}")
    print("| env | num_envs | VecEnv | PPO env-steps/s | PPO min-max | env alone steps/s | env share of PPO time |")
    print("|---|---:|---|---:|---:|---:|---:|")
    rows = []
    for name in args.env_ids:
        for n in args.num_envs:
            for vec in args.vec:
                runs = []
                for _ in range(args.repeats):
                    out = subprocess.run([sys.executable, __file__, "--worker", name, str(n), str(args.rollouts),
                                          vec, str(args.torch_threads)], capture_output=True, text=True, check=True,
                                         env={**os.environ, "OMP_NUM_THREADS": "1"})
                    runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                ppo = statistics.median(r["ppo_steps_per_s"] for r in runs)
                env = statistics.median(r["env_steps_per_s"] for r in runs)
                rows.append({"env_id": IDS[name], "num_envs": n, "vec": vec, "ppo": ppo, "env": env})
                label = IDS[name] + (" (engine=fast)" if name in ENV_KWARGS else "")
                spread = f"{min(r['ppo_steps_per_s'] for r in runs):.0f}-{max(r['ppo_steps_per_s'] for r in runs):.0f}"
                print(f"| {label} | {n} | {vec} | {ppo:.0f} | {spread} | {env:.0f} | {ppo / env:.0%} |", flush=True)


if __name__ == "__main__":
    main()
