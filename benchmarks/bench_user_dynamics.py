"""Speed of a UserDynamics-v0 ``topics-dynamic`` step next to RecLab's ``topics-dynamic-v1``, side by side.

Size: 10,000 users x 1,700 items, 19 topics, rating_frequency 0.2 = 2,000 online users per step, the
RecLab topics-dynamic-v1 parameters (noise 0.5, drift 0.1, memory 5, boredom 2 -> "> 2", penalty 1).
Both start from ``--init`` initial ratings (RecLab rates them one by one in Python, so the
thesis' density would take minutes to reset; the step cost does not depend on it). Each repeat
times ``--steps`` steps of RecLab (in its own interpreter, ``--reclab-python``) and then of ours,
alternating, with random unmasked items chosen outside the timed region. Ours is reported twice:
the world step (the simulation, metrics included) and the Gymnasium ``env.step`` (which also copies
the dense 10,000 x 1,700 rating observation and builds the action mask).

If RecLab's interpreter is missing, a clearly labelled re-implementation of its per-user Python loop
(``reclab_loop_step`` below) is timed instead.

    python -m venv .venv-reclab && .venv-reclab/bin/pip install reclab==0.1.2
    python benchmarks/bench_user_dynamics.py [--reclab-python .venv-reclab/bin/python] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401

HERE = Path(__file__).parent


def reclab_loop_step(state: dict, online: np.ndarray, recs: np.ndarray, rng: np.random.RandomState,
                     satiation: bool = True) -> None:
    """RE-IMPLEMENTATION (not RecLab's code) of RecLab 0.1.2's per-user step loop for topics-dynamic-v1:
    per user, a rating with boredom from its history list, (``satiation``) RecLab 0.1.2's update of the
    whole (U, K) satiation array, and the drift of the user's row; then a dict update of the ratings.
    ``satiation=False`` is the loop of the thesis-era RecLab (no satiation feature)."""
    prefs, topics, hist, ratings, sat = state["prefs"], state["topics"], state["hist"], state["ratings"], state["sat"]
    K = prefs.shape[1]
    new = {}
    for u, item in zip(online, recs):
        k = topics[item]
        r = prefs[u, k] + 0.0 * sat[u, k]
        if [topics[i] for i in hist[u]].count(k) > 2:
            r -= 1.0
        r = np.clip(r + rng.randn() * 0.5, 1, 5)
        if satiation:
            recommended = np.zeros(K)
            recommended[k] = 1
            sat = 0.0 * (sat + recommended) + rng.randn(K) * 0.0
        if prefs[u, k] <= 5:
            prefs[u, k] += 0.1
            prefs[u, np.arange(K) != k] -= 0.1 / (K - 1)
        new[u, item] = (r, np.zeros(0))
        hist[u].append(item)
        if len(hist[u]) == 6:
            hist[u].pop(0)
    ratings.update(new)
    state["sat"] = sat


def time_reclab(python: str | None, users: int, items: int, init: int, steps: int, seed: int) -> tuple[list[float], str]:
    """Seconds per RecLab step (its own interpreter), or of the re-implementation when unavailable."""
    if python and Path(python).exists():
        out = subprocess.run([python, str(HERE / "_reclab_topics_timer.py"), str(users), str(items), str(init),
                              str(steps), str(seed)], capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])["step_seconds"], "RecLab 0.1.2 topics-dynamic-v1"
    return time_loop(users, items, steps, seed, True), "RE-IMPLEMENTATION of RecLab's per-user loop (RecLab not installed)"


def time_loop(users: int, items: int, steps: int, seed: int, satiation: bool) -> list[float]:
    """Seconds per step of :func:`reclab_loop_step`."""
    rng = np.random.RandomState(seed)
    state = dict(prefs=rng.uniform(0.5, 5.5, (users, 19)), topics=rng.randint(0, 19, items),
                 hist={u: [] for u in range(users)}, ratings={}, sat=np.zeros((users, 19)))
    times = []
    for _ in range(steps):
        online = rng.choice(users, int(0.2 * users), replace=False)
        recs = rng.randint(0, items, online.size)
        start = time.perf_counter()
        reclab_loop_step(state, online, recs, rng, satiation)
        times.append(time.perf_counter() - start)
    return times


def time_ours(users: int, items: int, init: int, steps: int, seed: int) -> tuple[list[float], list[float]]:
    """Seconds per world step and per Gymnasium env step (separate episodes from the same seed)."""
    kw = dict(preset="topics-dynamic", num_users=users, num_items=items, num_init_ratings=init, horizon=steps + 1)
    env = gym.make("recogym_eco/UserDynamics-v0", **kw).unwrapped
    world_times, env_times = [], []
    rng = np.random.default_rng(seed)
    for timed in (world_times, env_times):
        env.reset(seed=seed)
        world = env.world
        for _ in range(steps):
            mask = world.action_mask()
            action = np.where(mask, rng.random(mask.shape), -1.0).argmax(axis=1)
            start = time.perf_counter()
            world.step(action) if timed is world_times else env.step(action)
            timed.append(time.perf_counter() - start)
    return world_times, env_times


def main(argv: list[str] | None = None) -> None:
    """Prints median seconds per step and the speed-ups."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--items", type=int, default=1_700)
    p.add_argument("--init", type=int, default=10_000)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--reclab-python", default=os.environ.get("RECLAB_PYTHON", ".venv-reclab/bin/python"),
                   help="interpreter with reclab==0.1.2 installed (default $RECLAB_PYTHON or .venv-reclab/bin/python)")
    args = p.parse_args(argv)
    if not os.path.isfile(args.reclab_python):
        p.error(f"--reclab-python {args.reclab_python} not found: create it with `python -m venv .venv-reclab && "
                f".venv-reclab/bin/pip install reclab==0.1.2`")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{sys.version.split()[0]}, numpy {np.__version__}")
    ref, loop, ours_world, ours_env, label = [], [], [], [], ""
    for rep in range(args.repeats):
        times, label = time_reclab(args.reclab_python, args.users, args.items, args.init, args.steps, rep)
        ref += times
        loop += time_loop(args.users, args.items, args.steps, rep, satiation=False)
        w, e = time_ours(args.users, args.items, args.init, args.steps, rep)
        ours_world += w
        ours_env += e
    r, w, e = np.median(ref), np.median(ours_world), np.median(ours_env)
    print(f"{args.users} users x {args.items} items, {int(0.2 * args.users)} online per step, "
          f"{args.repeats} x {args.steps} steps each (median seconds per step)")
    print(f"  {label:62s} {r * 1e3:9.2f} ms")
    lp = np.median(loop)
    print(f"  {'RE-IMPLEMENTED per-user loop without 0.1.2 satiation update':62s} {lp * 1e3:9.2f} ms")
    print(f"  {'recogym_eco UserDynamics-v0 world.step':62s} {w * 1e3:9.2f} ms   speed-up {r / w:6.1f}x ({lp / w:.1f}x vs the loop)")
    print(f"  {'recogym_eco UserDynamics-v0 env.step (dense obs copy + mask)':62s} {e * 1e3:9.2f} ms   speed-up {r / e:6.1f}x ({lp / e:.1f}x vs the loop)")


if __name__ == "__main__":
    main()
