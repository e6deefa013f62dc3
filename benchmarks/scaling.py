"""Scaling report: how the worlds' cost grows with users, creators and batched worlds, next to a kernel.

    python benchmarks/scaling.py [--quick] [--repeats 3] [--out results/scaling]

Writes ``<out>/scaling.md`` (Markdown tables, machine and command) and PNG figures, and prints the
tables. Every timing is a median over ``--repeats`` interleaved repeats:

1. CreatorSuggestion-v0, one world (the compiled round, exact seen-item exclusion): seconds per step
   and user-slates per second as users grow 10^2 -> 10^6 at 10^3 creators and as creators grow
   10^1 -> 10^4 at 10^4 users; in the same run the reference kernel
   (:mod:`reference_kernel`: scoring + exact top-k + clicks, no seen-item exclusion) on the same
   candidates and users, and the ratio env / kernel; the NumPy round for comparison up to 10^5 users;
   the fitted log-log slopes; the world's state in bytes and the peak memory of a step (tracemalloc).
2. Batched paper-scale worlds (50 creators, 100 users): world-steps per second as ``num_envs`` grows,
   ``gymnasium.make_vec`` (one compiled call per step for v0 and for v1 with ``engine="fast"``; v1's
   NumPy round steps world by world) next to Gymnasium's ``SyncVectorEnv`` of single envs.
3. ContentCompetition (synthetic preset, compiled engine): LBR proposals per second as users and as
   creators grow, with slopes.
4. Side by side at 10^4 users x 10^3 items with RecSim NG and RecLab, if their interpreters exist
   (``.venv-recsimng``, ``.venv-reclab``; install commands in ``_recsim_ng_timer.py`` and
   ``_reclab_timer.py``): seconds per round and user-slates per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from reference_kernel import recommend_and_click  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)


def world_bytes(world) -> int:
    """Bytes of the numpy arrays a CreatorSuggestion world holds (its state)."""
    seen: set[int] = set()
    total = 0
    for obj in (world, world.recommender, world.creator_model):
        for value in vars(obj).values():
            if isinstance(value, np.ndarray) and id(value) not in seen:
                seen.add(id(value))
                total += value.nbytes
    return total


def make_world(num_creators: int, num_users: int, engine: str = "auto"):
    from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld

    cfg = CreatorSuggestionConfig(num_creators=num_creators, num_users=num_users, horizon=10**9,
                                  churn_patience=10**9, engine=engine)
    world = CreatorSuggestionWorld(cfg)
    world.reset(np.random.default_rng(0))
    return world


def time_world(world, steps: int, rng: np.random.Generator) -> tuple[float, float]:
    """Seconds per step and user-slates per step over ``steps`` rounds of random suggestions."""
    C, G = world.config.num_creators, world.config.num_genres
    slates = 0
    t0 = time.perf_counter()
    for _ in range(steps):
        result = world.step(rng.integers(0, G + 1, C))
        slates += result.info["active_users"]
    return (time.perf_counter() - t0) / steps, slates / steps


def time_kernel(world, steps: int, seed: int) -> float:
    """Seconds per call of the reference kernel on the world's current candidates and active users."""
    cand = np.flatnonzero(((world.item_genre >= 0) & world.present[None, :]).ravel())
    genre = world.item_genre.ravel()[cand]
    quality = world.item_quality.ravel()[cand]
    users = np.flatnonzero(np.random.default_rng(seed).random(world.config.num_users) < world.user_activity)
    weight = quality * (1.0 + 1e-9 * np.random.default_rng(seed).random(cand.size))
    bias = world._bias
    recommend_and_click(world.preferences, genre, weight, quality, users, bias, seed)
    t0 = time.perf_counter()
    for s in range(steps):
        recommend_and_click(world.preferences, genre, weight, quality, users, bias, seed + s)
    return (time.perf_counter() - t0) / steps


def sweep_world(sizes: list[tuple[int, int]], repeats: int, numpy_up_to: int) -> list[dict]:
    """Rows of part 1: per (creators, users), env and kernel seconds per step, ratio, slates/s, memory."""
    rows = []
    for C, U in sizes:
        steps = max(3, min(50, 2_000_000 // (U * 5)))
        tracemalloc.start()
        world = make_world(C, U)
        rng = np.random.default_rng(1)
        time_world(world, world.config.freshness_window, rng)
        _, peak_build = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        env_s, kernel_s, numpy_s = [], [], []
        slates = 0.0
        for r in range(repeats):
            seconds, slates = time_world(world, steps, rng)
            env_s.append(seconds)
            kernel_s.append(time_kernel(world, steps, r))
        _, peak_step = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if U <= numpy_up_to:
            slow = make_world(C, U, engine="numpy")
            time_world(slow, slow.config.freshness_window, rng)
            numpy_s = [time_world(slow, max(2, steps // 4), rng)[0] for _ in range(repeats)]
        env, kernel = float(np.median(env_s)), float(np.median(kernel_s))
        rows.append({"creators": C, "users": U, "env_s": env, "kernel_s": kernel, "ratio": env / kernel,
                     "slates_per_s": slates / env, "kernel_slates_per_s": slates / kernel,
                     "numpy_s": float(np.median(numpy_s)) if numpy_s else None,
                     "state_mb": world_bytes(world) / 2**20, "peak_mb": max(peak_build, peak_step) / 2**20})
        print(f"  C={C:>6} U={U:>8}: env {env * 1e3:9.3f} ms  kernel {kernel * 1e3:9.3f} ms  ratio {env / kernel:5.2f}"
              f"  state {rows[-1]['state_mb']:8.1f} MB", flush=True)
    return rows


def sweep_batched(nums: list[int], repeats: int, steps: int) -> list[dict]:
    """Rows of part 2: world-steps per second of make_vec and SyncVectorEnv per num_envs, v0 and v1."""
    import gymnasium as gym

    import recogym_eco  # noqa: F401

    rows = []
    cases = (("recogym_eco/CreatorSuggestion-v0", {}), ("recogym_eco/CreatorSuggestion-v1", {}),
             ("recogym_eco/CreatorSuggestion-v1", {"engine": "fast"}))
    for env_id, kwargs in cases:
        for n in nums:
            label = env_id + (" (engine=fast)" if kwargs else "")
            result = {"env_id": label, "num_envs": n}
            for kind in ("make_vec", "sync"):
                if kind == "sync" and n > 64:
                    continue
                venv = gym.make_vec(env_id, num_envs=n, **kwargs) if kind == "make_vec" else \
                    gym.vector.SyncVectorEnv([lambda: gym.make(env_id, **kwargs)] * n)
                venv.reset(seed=0)
                rng = np.random.default_rng(0)
                actions = [rng.integers(0, 15, (n, 50)) for _ in range(steps)]
                venv.step(actions[0])
                rates = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    for a in actions:
                        venv.step(a)
                    rates.append(n * steps / (time.perf_counter() - t0))
                result[kind] = float(np.median(rates))
                venv.close()
            rows.append(result)
            sync = result.get("sync", float("nan"))
            print(f"  {label} N={n:>4}: make_vec {result['make_vec']:>9.0f}  sync {sync:>8.0f} world-steps/s", flush=True)
    return rows


def sweep_content_competition(repeats: int, quick: bool) -> list[dict]:
    """Rows of part 3: proposals per second (compiled engine) as users and creators grow."""
    from recogym_eco.worlds.content_competition import ContentCompetitionBatch, make_config, sample_instance

    base = make_config("synthetic")
    scales = [0.25, 1.0] if quick else [0.25, 1.0, 4.0]
    rows = []
    for axis in ("users", "creators"):
        for scale in scales:
            if axis == "users":
                cfg = make_config("synthetic", cluster_sizes=tuple(max(1, int(s * scale)) for s in base.cluster_sizes))
            else:
                cfg = make_config("synthetic", num_creators=max(2, int(base.num_creators * scale)))
            batch = ContentCompetitionBatch(cfg, 1, engine="compiled")
            batch.reset([np.random.default_rng(0)], [sample_instance(cfg, np.random.default_rng(0))])
            batch.creator_step()
            rates = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                steps = 2
                for _ in range(steps):
                    batch.creator_step()
                rates.append(steps * cfg.num_creators / (time.perf_counter() - t0))
            rows.append({"axis": axis, "users": cfg.num_users, "creators": cfg.num_creators,
                         "proposals_per_s": float(np.median(rates))})
            print(f"  ContentCompetition users={cfg.num_users} creators={cfg.num_creators}: "
                  f"{rows[-1]['proposals_per_s']:.0f} proposals/s", flush=True)
    return rows


def external(script: str, venv: str, args: list[str]) -> dict | None:
    """Runs a timer under another simulator's interpreter; ``None`` if that interpreter is missing."""
    python = Path(venv) / "bin" / "python"
    if not python.exists():
        return None
    out = subprocess.run([str(python), str(HERE / script), *args], capture_output=True, text=True, timeout=3600)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": (out.stderr or out.stdout)[-300:]}


def slope(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log y against log x (1 = linear growth)."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def figures(users: list[dict], creators: list[dict], batched: list[dict], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, rows, key, label in ((axes[0], users, "users", "users (10^3 creators)"),
                                 (axes[1], creators, "creators", "creators (10^4 users)")):
        x = [r[key] for r in rows]
        ax.loglog(x, [r["env_s"] for r in rows], "o-", label="world (compiled)")
        ax.loglog(x, [r["kernel_s"] for r in rows], "s--", label="reference kernel")
        numpy_rows = [r for r in rows if r["numpy_s"] is not None]
        if numpy_rows:
            ax.loglog([r[key] for r in numpy_rows], [r["numpy_s"] for r in numpy_rows], "^:", label="world (NumPy)")
        ax.set_xlabel(label)
        ax.set_ylabel("seconds per step")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("CreatorSuggestion-v0: one world's step vs the reference kernel")
    fig.tight_layout()
    paths.append(out / "scaling_world.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8.5, 4))
    for env_id in sorted({r["env_id"] for r in batched}):
        rows = [r for r in batched if r["env_id"] == env_id]
        name = env_id.split("/")[1].replace(" (engine=fast)", " fast")
        ax.loglog([r["num_envs"] for r in rows], [r["make_vec"] for r in rows], "o-", label=f"{name} make_vec")
        sync = [r for r in rows if "sync" in r]
        ax.loglog([r["num_envs"] for r in sync], [r["sync"] for r in sync], "s--", label=f"{name} SyncVectorEnv")
    ax.set_xlabel("num_envs (paper scale: 50 creators, 100 users)")
    ax.set_ylabel("world-steps per second")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    paths.append(out / "scaling_batched.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    head = "| " + " | ".join(title for title, _, _ in columns) + " |"
    rule = "|" + "|".join("---:" for _ in columns) + "|"
    body = ["| " + " | ".join(("n/a" if r.get(key) is None else format(r[key], fmt)) for _, key, fmt in columns) + " |"
            for r in rows]
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run of a minute)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-users", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("results") / "scaling")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    users = [100, 1_000, 10_000] if args.quick else [u for u in (100, 1_000, 10_000, 100_000, 1_000_000)
                                                       if u <= args.max_users]
    creators = [10, 100, 1_000] if args.quick else [10, 100, 1_000, 10_000]
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    load = os.getloadavg()
    print(f"machine: {machine}; load average {load}")
    warm = make_world(20, 50)
    time_world(warm, 3, np.random.default_rng(0))
    time_kernel(warm, 1, 0)
    print("1. one world, users grow (10^3 creators)")
    by_users = sweep_world([(1000, u) for u in users], args.repeats, numpy_up_to=100_000)
    print("1. one world, creators grow (10^4 users)")
    by_creators = sweep_world([(c, 10_000) for c in creators], args.repeats, numpy_up_to=10_000)
    print("2. batched paper-scale worlds")
    batched = sweep_batched([1, 8, 64] if args.quick else [1, 4, 16, 64, 256], args.repeats,
                            steps=20 if args.quick else 50)
    print("3. ContentCompetition")
    cc = sweep_content_competition(args.repeats, args.quick)
    print("4. side by side at 10^4 users x 10^3 items")
    side = {"RecSim NG": external("_recsim_ng_timer.py", ".venv-recsimng", ["--users", "10000", "--items", "1000"]),
            "RecLab": external("_reclab_timer.py", ".venv-reclab", ["--users", "10000", "--items", "1000"])}
    ours = next((r for r in by_creators if r["creators"] == 1000), None)
    paths = figures(by_users, by_creators, batched, args.out)

    cols = [("creators", "creators", "d"), ("users", "users", "d"), ("env s/step", "env_s", ".4g"),
            ("kernel s/step", "kernel_s", ".4g"), ("env / kernel", "ratio", ".2f"),
            ("user-slates/s", "slates_per_s", ".3g"), ("NumPy s/step", "numpy_s", ".4g"),
            ("state MB", "state_mb", ".1f"), ("peak MB", "peak_mb", ".1f")]
    lines = [f"# Scaling report\n\nMachine: {machine}; load average at the start {load[0]:.1f} (1 min), "
             f"{load[1]:.1f} (5 min). Command: `python benchmarks/scaling.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}`. Medians of {args.repeats} repeats; "
             f"peak MB: tracemalloc's peak while building the world and stepping it (after compilation).\n",
             "## One CreatorSuggestion-v0 world vs the reference kernel\n", "Users grow, 10^3 creators:\n",
             table(by_users, cols), "", "Creators grow, 10^4 users:\n", table(by_creators, cols), "",
             f"Log-log slope of env seconds per step: {slope([r['users'] for r in by_users], [r['env_s'] for r in by_users]):.2f}"
             f" in users (kernel {slope([r['users'] for r in by_users], [r['kernel_s'] for r in by_users]):.2f}), "
             f"{slope([r['creators'] for r in by_creators], [r['env_s'] for r in by_creators]):.2f} in creators "
             f"(kernel {slope([r['creators'] for r in by_creators], [r['kernel_s'] for r in by_creators]):.2f}).\n",
             "## Batched paper-scale worlds (world-steps per second)\n",
             table(batched, [("env", "env_id", "s"), ("num_envs", "num_envs", "d"), ("make_vec", "make_vec", ".0f"),
                             ("SyncVectorEnv", "sync", ".0f")]), "",
             "## ContentCompetition (synthetic, compiled engine)\n",
             table(cc, [("grows", "axis", "s"), ("users", "users", "d"), ("creators", "creators", "d"),
                        ("proposals/s", "proposals_per_s", ".0f")]), ""]
    for axis in ("users", "creators"):
        rows = [r for r in cc if r["axis"] == axis]
        lines.append(f"Slope of seconds per proposal in {axis}: "
                     f"{slope([r[axis] for r in rows], [1 / r['proposals_per_s'] for r in rows]):.2f}. ")
    lines += ["", "## Side by side at 10^4 users x 10^3 items\n", "| simulator | s/round | user-slates/s |", "|---|---:|---:|"]
    if ours is not None:
        lines.append(f"| recogym_eco CreatorSuggestion-v0 (10^3 creators) | {ours['env_s']:.4g} | {ours['slates_per_s']:.3g} |")
    for name, res in side.items():
        if res is None:
            lines.append(f"| {name} | not installed | |")
        elif "error" in res:
            lines.append(f"| {name} | failed: {res['error'][:80]!r} | |")
        else:
            lines.append(f"| {name} | {res['seconds_per_round']:.4g} | {res['user_slates_per_second']:.3g} |")
    lines += ["", *(f"![{p.stem}]({p.name})" for p in paths)]
    text = "\n".join(lines) + "\n"
    (args.out / "scaling.md").write_text(text)
    (args.out / "scaling.json").write_text(json.dumps({"users": by_users, "creators": by_creators, "batched": batched,
                                                       "content_competition": cc, "side_by_side": side}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
