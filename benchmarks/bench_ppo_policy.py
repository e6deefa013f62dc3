"""PPO env-steps per second (rollout collection + update): SB3's stock MlpPolicy with a MultiDiscrete
action (one ``Categorical`` per creator, a Python loop) vs LoRe's ``SharedCreatorPolicy`` with the
vectorised per-creator categorical.

Each run is a fresh Python process (timings on a shared 2-core VM drift with process history), the
table reports the median and the range over ``--repeats`` runs. Both policies get the same world
(``CreatorSuggestion-v0`` defaults with ``--num-creators`` creators, 200 by default), the same VecEnv and
the same PPO settings. A random-action loop over the same VecEnv gives the environment's own ceiling.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ppo_policy.py                  # SB3 PPO defaults
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ppo_policy.py --settings lore  # LoRe's PPO settings
    PYTHONPATH=. .venv/bin/python benchmarks/bench_ppo_policy.py --repeats 5 --timesteps 4096
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mlp_with_vectorised_distribution():
    """SB3's MlpPolicy (same flattened-observation MLP and ``Linear(64, C * K)`` head) with only the
    distribution swapped for the vectorised one: isolates the cost of SB3's per-dimension loop."""
    from stable_baselines3.common.policies import ActorCriticPolicy

    from recogym_eco.agents.lore.distribution import PerCreatorCategoricalDistribution

    class MlpVectorisedPolicy(ActorCriticPolicy):
        def _build(self, lr_schedule) -> None:
            super()._build(lr_schedule)  # builds action_net = Linear(latent, sum(nvec)) as for MultiDiscrete
            self.action_dist = PerCreatorCategoricalDistribution(int(self.action_space.nvec[0]))

        def _get_action_dist_from_latent(self, latent_pi):
            return self.action_dist.proba_distribution(self.action_net(latent_pi))

    return MlpVectorisedPolicy


def worker(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch as th

    th.set_num_threads(args.threads)
    import recogym_eco  # noqa: F401
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    from recogym_eco.agents.lore import LORE_POLICY_KWARGS, SharedCreatorPolicy

    venv = make_vec_env("recogym_eco/CreatorSuggestion-v0", n_envs=args.n_envs, seed=args.seed,
                        env_kwargs=dict(num_creators=args.num_creators, render_mode=None))
    if args.worker == "env":
        venv.reset()
        rng = np.random.default_rng(args.seed)
        n = args.timesteps // args.n_envs
        t0 = time.perf_counter()
        for _ in range(n):
            venv.step(rng.integers(0, venv.action_space.nvec, size=(args.n_envs, len(venv.action_space.nvec))))
        dt = time.perf_counter() - t0
        return dict(kind="env", steps=n * args.n_envs, seconds=dt, steps_per_s=n * args.n_envs / dt)

    ppo = dict(n_steps=args.n_steps, batch_size=args.batch_size, n_epochs=args.n_epochs, seed=args.seed,
               device="cpu", verbose=0)
    if args.worker == "stock":
        model = PPO("MlpPolicy", venv, **ppo)
    elif args.worker == "stock_vec":
        model = PPO(mlp_with_vectorised_distribution(), venv, **ppo)
    else:
        model = PPO(SharedCreatorPolicy, venv, policy_kwargs=dict(LORE_POLICY_KWARGS), **ppo)

    class Timer(BaseCallback):
        def __init__(self):
            super().__init__()
            self.collect = 0.0
            self._t = 0.0

        def _on_rollout_start(self):
            self._t = time.perf_counter()

        def _on_rollout_end(self):
            self.collect += time.perf_counter() - self._t

        def _on_step(self):
            return True

    timer = Timer()
    t0 = time.perf_counter()
    model.learn(args.timesteps, callback=timer)
    dt = time.perf_counter() - t0
    steps = model.num_timesteps
    n_params = sum(p.numel() for p in model.policy.parameters())
    return dict(kind=args.worker, steps=steps, seconds=dt, steps_per_s=steps / dt, collect_s=timer.collect,
                update_s=dt - timer.collect, params=n_params)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-creators", type=int, default=200)
    p.add_argument("--timesteps", type=int, default=2048,
                   help="env steps per timed run (rounded up to whole rollouts)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--settings", choices=["sb3", "lore", "custom"], default="sb3",
                   help="sb3: SB3's PPO defaults (1 env, n_steps 2048, batch 64, 10 epochs); lore: LoRe's "
                        "training settings (16 envs, n_steps 100, batch 800, 5 epochs); custom: the flags below")
    p.add_argument("--n-envs", type=int, default=1)
    p.add_argument("--n-steps", type=int, default=2048)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--n-epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads per run (1 by default: 2 threads thrash when the 2-core VM is shared)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kinds", default="env,vectorised,stock_vec,stock",
                   help="comma list of env, vectorised, stock_vec, stock")
    p.add_argument("--json", type=Path, default=None, help="also write the raw runs as JSON")
    p.add_argument("--worker", choices=["env", "stock", "stock_vec", "vectorised"], default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.settings == "sb3":
        args.n_envs, args.n_steps, args.batch_size, args.n_epochs = 1, 2048, 64, 10
    elif args.settings == "lore":
        args.n_envs, args.n_steps, args.batch_size, args.n_epochs = 16, 100, 800, 5
    if args.timesteps % (args.n_envs * args.n_steps):
        args.timesteps = (args.timesteps // (args.n_envs * args.n_steps) + 1) * args.n_envs * args.n_steps

    if args.worker:
        print("RESULT " + json.dumps(worker(args)), flush=True)
        return

    runs: dict[str, list[dict]] = {}
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for rep in range(args.repeats):
        for kind in args.kinds.split(","):
            cmd = [sys.executable, __file__, "--worker", kind, "--seed", str(args.seed + rep), "--settings", "custom"]
            for flag in ("num_creators", "timesteps", "n_envs", "n_steps", "batch_size", "n_epochs", "threads"):
                cmd += ["--" + flag.replace("_", "-"), str(getattr(args, flag))]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
            if out.returncode != 0 or not lines:
                sys.exit(f"worker {kind} failed:\n{out.stdout}\n{out.stderr}")
            res = json.loads(lines[-1][7:])
            runs.setdefault(kind, []).append(res)
            print(f"  run {rep + 1}/{args.repeats} {kind:10s} {res['steps_per_s']:9.1f} env-steps/s", flush=True)

    print()
    print(f"[{args.settings} settings] PPO on CreatorSuggestion-v0, {args.num_creators} creators (defaults otherwise), {args.n_envs} envs, "
          f"n_steps={args.n_steps}, batch={args.batch_size}, epochs={args.n_epochs}, {args.timesteps} steps/run, "
          f"torch threads={args.threads}, median of {args.repeats} fresh processes")
    print()
    print("| policy | env-steps/s (median) | range | collect s | update s | params |")
    print("|---|---|---|---|---|---|")
    names = {"env": "environment only (random actions)", "stock": "SB3 MlpPolicy + MultiDiscrete (stock)",
             "stock_vec": "SB3 MlpPolicy + vectorised categorical",
             "vectorised": "SharedCreatorPolicy + vectorised categorical (LoRe)"}
    med = {}
    for kind, rs in runs.items():
        sps = [r["steps_per_s"] for r in rs]
        med[kind] = statistics.median(sps)
        col = statistics.median([r.get("collect_s", float("nan")) for r in rs])
        upd = statistics.median([r.get("update_s", float("nan")) for r in rs])
        params = rs[0].get("params", "")
        print(f"| {names[kind]} | {med[kind]:.0f} | {min(sps):.0f}–{max(sps):.0f} | {col:.2f} | {upd:.2f} | {params} |")
    print()
    for kind in ("vectorised", "stock_vec"):
        if "stock" in med and kind in med:
            print(f"speed-up ({names[kind]} / stock, medians): {med[kind] / med['stock']:.1f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
