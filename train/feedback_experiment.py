"""Seed 002 Section 2.6 on ``recogym_eco/UserDynamics-v0``: offline metrics versus online mean rating.

Per environment (``--envs``, default topics-static, topics-dynamic, ml-100k) and trial (``--trials``,
default 10; trial t uses seed ``--seed + t``, so topics-static and topics-dynamic share the population
and the initial data of a trial):

1. reset the env: a uniform sample of initial ratings (100,000 at full size);
2. tune OnlineMF's (dim, reg) and ItemKNN's neighbourhood by 5-fold CV RMSE on trial 0's initial data
   (never re-tuned), and compute every recommender's offline RMSE and nDCG@20 by 5-fold CV on each
   trial's initial data;
3. run every recommender greedily online (``horizon`` steps of ``rating_frequency * num_users``
   users, refitting on all the ratings acquired so far before every step) and record the mean rating
   per step and, at the end, the per-topic mean affinity.

``--scale s`` shrinks the world for a quick run: users, items and the number of steps by s, initial
ratings by s^2 (same density), and the affinity change a by 1/s, so that each user consumes the same
fraction of the catalogue and drifts by the same total amount as at full size (100 recommendations
of 0.1 at s = 1). Outputs in ``--out`` (default ``results/feedback``): ``online.csv`` (mean rating per
step), ``summary.csv`` (per env and recommender: online mean rating with a 95% interval, offline RMSE
and nDCG@20), ``spearman.csv``, ``affinity.csv``, ``tuning.csv`` and ``feedback_*.png``.
Example (a few minutes on one core): ``python -m recogym_eco.train.feedback_experiment --scale 0.2 --trials 3``.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

import numpy as np

ENVS = ("topics-static", "topics-dynamic", "ml-100k")
RECS = ("Random", "TopPop", "Oracle", "ItemKNN", "MF")
COLORS = {"Random": "tab:gray", "TopPop": "tab:orange", "Oracle": "tab:green", "ItemKNN": "tab:purple", "MF": "tab:blue"}


def env_kwargs(preset: str, scale: float, movielens: str | None) -> dict[str, Any]:
    """Configuration of ``preset`` shrunk by ``scale`` (see the module docstring)."""
    from recogym_eco.worlds.user_dynamics import PRESETS

    kw: dict[str, Any] = dict(preset=preset, horizon=max(1, int(round(500 * scale))))
    if preset == "ml-100k":
        kw.update(movielens_path=movielens)
        if scale < 1:
            kw.update(num_users=int(round(943 * scale)), num_items=int(round(1682 * scale)))
    else:
        kw.update(num_users=int(round(1000 * scale)), num_items=int(round(1700 * scale)))
    if PRESETS[preset].get("affinity_change", 0.0) > 0 and scale != 1:
        kw["affinity_change"] = PRESETS[preset]["affinity_change"] / scale
    return kw


def make_rec(name: str, env: Any, seed: int, tuned: dict[str, dict[str, Any]], warm: bool) -> Any:
    """A fresh recommender ``name`` with its tuned hyperparameters."""
    from recogym_eco.agents import recommenders as R

    if name == "MF":
        return R.OnlineMF(env, seed=seed, warm_start=warm, **tuned["MF"])
    if name == "ItemKNN":
        return R.ItemKNN(env, seed=seed, **tuned["ItemKNN"])
    return R.RECOMMENDERS[name](env, seed=seed)


def tune(ratings: np.ndarray, seed: int) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """5-fold CV grid searches on the initial data (Section 2.6, step 2)."""
    from recogym_eco.agents.recommenders import ItemKNN, OnlineMF, cross_validate

    best_mf, table = OnlineMF.tune(ratings, seed=seed)
    rows = [dict(recommender="MF", **r) for r in table]
    knn = []
    for k in (10, 20, 40):
        rmse = cross_validate(lambda: ItemKNN(neighbours=k), ratings, 5, seed)["rmse"]
        knn.append(dict(recommender="ItemKNN", neighbours=k, rmse=rmse))
    rows += knn
    best_knn = min(knn, key=lambda r: r["rmse"])
    return {"MF": best_mf, "ItemKNN": dict(neighbours=best_knn["neighbours"])}, rows


def run_env(preset: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every trial and recommender on one environment."""
    import gymnasium as gym
    from tqdm import tqdm

    import recogym_eco  # noqa: F401
    from recogym_eco.agents.recommenders import cross_validate

    kw = env_kwargs(preset, args.scale, args.movielens)
    env = gym.make("recogym_eco/UserDynamics-v0", **kw).unwrapped
    out: dict[str, Any] = dict(online=[], offline=[], affinity=[], tuning=[], kwargs=kw)
    tuned: dict[str, dict[str, Any]] | None = None
    for trial in range(args.trials):
        seed = args.seed + trial
        obs, info = env.reset(seed=seed)
        initial = obs["ratings"].copy()
        if tuned is None:
            tuned, rows = tune(initial, seed) if {"MF", "ItemKNN"} & set(args.recs) else ({}, [])
            out["tuning"] = [dict(env=preset, **r) for r in rows]
        for name in args.recs:
            metrics = cross_validate(lambda: make_rec(name, env, seed, tuned, False), initial, 5, seed)
            out["offline"].append(dict(env=preset, recommender=name, trial=trial, **metrics))
        for name in args.recs:
            obs, info = env.reset(seed=seed)
            rec = make_rec(name, env, seed, tuned, not args.mf_from_scratch)
            start = info["topic_affinity"]
            bar = tqdm(total=kw["horizon"], desc=f"{preset} trial {trial} {name}", leave=False, disable=args.quiet)
            done = False
            while not done:
                action, _ = rec.predict(obs)
                obs, reward, term, trunc, info = env.step(action)
                out["online"].append((preset, name, trial, info["step"], reward))
                done = term or trunc
                bar.update(1)
            bar.close()
            for k, (a0, a1) in enumerate(zip(start, info["topic_affinity"])):
                out["affinity"].append(dict(env=preset, recommender=name, trial=trial, topic=k, start=a0, end=a1))
    return out


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def summarise(results: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per (env, recommender): online mean rating over steps and trials with a 95% interval over
    trials, offline RMSE and nDCG@20; Spearman of each offline metric with the online mean rating."""
    summary, corr = [], []
    for preset, res in results.items():
        online = np.array([r[4] for r in res["online"]])
        names = np.array([r[1] for r in res["online"]])
        trials = np.array([r[2] for r in res["online"]])
        for name in [n for n in RECS if n in set(names.tolist())]:
            per_trial = np.array([online[(names == name) & (trials == t)].mean() for t in np.unique(trials)])
            off = [r for r in res["offline"] if r["recommender"] == name]
            half = 1.96 * per_trial.std(ddof=1) / np.sqrt(per_trial.size) if per_trial.size > 1 else float("nan")
            summary.append(dict(env=preset, recommender=name, online_mean_rating=per_trial.mean(), ci95=half,
                                offline_rmse=np.mean([r["rmse"] for r in off]),
                                offline_ndcg20=np.mean([r["ndcg"] for r in off])))
        rows = [s for s in summary if s["env"] == preset]
        online_mean = np.array([s["online_mean_rating"] for s in rows])
        for metric in ("offline_ndcg20", "offline_rmse"):
            corr.append(dict(env=preset, metric=metric, with_oracle=spearman(np.array([s[metric] for s in rows]), online_mean),
                             without_oracle=spearman(np.array([s[metric] for s in rows if s["recommender"] != "Oracle"]),
                                                     online_mean[[s["recommender"] != "Oracle" for s in rows]])))
    return summary, corr


def ranked_affinity(rows: list[dict[str, Any]], recommender: str) -> tuple[np.ndarray, np.ndarray]:
    """(trials, K) start and end mean affinity per topic, topics ranked by final affinity within each trial
    (which topics win differs between trials, so averaging by topic id would hide Fig. 2.7's effect)."""
    rows = [r for r in rows if r["recommender"] == recommender]
    if not rows:
        return np.zeros((0, 0)), np.zeros((0, 0))
    trials = sorted({r["trial"] for r in rows})
    K = max(r["topic"] for r in rows) + 1
    start, end = np.zeros((len(trials), K)), np.zeros((len(trials), K))
    for r in rows:
        t = trials.index(r["trial"])
        start[t, r["topic"]], end[t, r["topic"]] = r["start"], r["end"]
    order = np.argsort(-end, axis=1)
    return np.take_along_axis(start, order, axis=1), np.take_along_axis(end, order, axis=1)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Writes dict rows with the first row's keys as header."""
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plot(results: dict[str, dict[str, Any]], summary: list[dict[str, Any]], out: Path) -> list[Path]:
    """Mean rating over time, offline-vs-online scatter (Fig. 2.1/2.6) and TopPop's affinities (Fig. 2.7)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    envs = list(results)
    fig, axes = plt.subplots(1, len(envs), figsize=(5 * len(envs), 3.6), squeeze=False)
    for ax, preset in zip(axes[0], envs):
        rows = results[preset]["online"]
        for name in [n for n in RECS if any(r[1] == n for r in rows)]:
            steps = sorted({r[3] for r in rows if r[1] == name})
            by_trial: dict[int, dict[int, float]] = {}
            for r in rows:
                if r[1] == name:
                    by_trial.setdefault(r[2], {})[r[3]] = r[4]
            M = np.array([[t.get(s, np.nan) for s in steps] for t in by_trial.values()])
            mean = np.nanmean(M, axis=0)
            ax.plot(steps, mean, label=name, color=COLORS[name])
            if M.shape[0] > 1:
                half = 1.96 * np.nanstd(M, axis=0, ddof=1) / np.sqrt(M.shape[0])
                ax.fill_between(steps, mean - half, mean + half, color=COLORS[name], alpha=0.2)
        ax.set(title=preset, xlabel="step", ylabel="mean rating of recommended items")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    files.append(out / "feedback_mean_rating.png")
    fig.savefig(files[-1], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(2, len(envs), figsize=(5 * len(envs), 7), squeeze=False)
    for j, preset in enumerate(envs):
        for i, metric in enumerate(("offline_ndcg20", "offline_rmse")):
            ax = axes[i][j]
            for s in summary:
                if s["env"] == preset:
                    ax.errorbar(s[metric], s["online_mean_rating"], yerr=s["ci95"], fmt="o", color=COLORS[s["recommender"]],
                                label=s["recommender"])
            ax.set(title=preset, xlabel=metric.replace("offline_", "offline "), ylabel="online mean rating")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    files.append(out / "feedback_offline_online.png")
    fig.savefig(files[-1], dpi=110)
    plt.close(fig)

    topic_envs = [e for e in envs if e.startswith("topics")]
    if topic_envs:
        fig, axes = plt.subplots(1, len(topic_envs), figsize=(5 * len(topic_envs), 3.4), squeeze=False, sharey=True)
        for ax, preset in zip(axes[0], topic_envs):
            start, end = ranked_affinity(results[preset]["affinity"], "TopPop")
            if end.size == 0:
                continue
            K = end.shape[1]
            ax.bar(np.arange(K), end.mean(axis=0), color="tab:orange", label="after TopPop (trial mean)")
            for row in end:
                ax.plot(np.arange(K), row, ".", color="k", markersize=3)
            ax.plot(np.arange(K), start.mean(axis=0), "_", color="tab:blue", markersize=12, label="start")
            ax.axhline(4.5, color="k", lw=0.5, ls=":")
            ax.set(title=f"{preset}: TopPop", xlabel="topic, ranked by final affinity in each trial",
                   ylabel="mean affinity over users", ylim=(1, 5))
        axes[0][0].legend(fontsize=8, loc="lower left")
        fig.tight_layout()
        files.append(out / "feedback_toppop_affinity.png")
        fig.savefig(files[-1], dpi=110)
        plt.close(fig)
    return files


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (``python -m recogym_eco.train.feedback_experiment``)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--envs", nargs="+", default=list(ENVS), choices=["topics-static", "topics-dynamic", "latent-static",
                                                                     "latent-dynamic", "ml-100k"])
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--recs", nargs="+", default=list(RECS), choices=list(RECS), help="recommenders to run")
    p.add_argument("--scale", type=float, default=1.0, help="shrink users, items and steps (see above); 1 = thesis size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--movielens", default=None, help="MovieLens-100K path (default: $RECOGYM_ECO_MOVIELENS or recbole)")
    p.add_argument("--mf-from-scratch", action="store_true",
                   help="refit MF from a fresh initialisation every step (thesis); default warm-starts 2 ALS sweeps")
    p.add_argument("--out", default="results/feedback")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.trials < 1 or not 0 < args.scale <= 1:
        p.error("--trials must be >= 1 and --scale in (0, 1]")
    from tqdm import tqdm

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    t0 = time.time()
    for preset in tqdm(args.envs, desc="environments", disable=args.quiet):
        if preset == "ml-100k":
            from recogym_eco.data.movielens import find_movielens

            try:
                find_movielens(args.movielens)
            except (FileNotFoundError, ValueError) as err:
                print(f"skipping ml-100k: {err}")
                continue
        results[preset] = run_env(preset, args)
    summary, corr = summarise(results)
    write_csv(out / "online.csv", [dict(env=r[0], recommender=r[1], trial=r[2], step=r[3], mean_rating=r[4])
                                   for res in results.values() for r in res["online"]])
    write_csv(out / "summary.csv", summary)
    write_csv(out / "spearman.csv", corr)
    write_csv(out / "affinity.csv", [r for res in results.values() for r in res["affinity"]] or [dict(env="", topic="")])
    tuning = [r for res in results.values() for r in res["tuning"]]
    with (out / "tuning.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["env", "recommender", "dim", "reg", "neighbours", "rmse"])
        writer.writeheader()
        writer.writerows(tuning)
    files = plot(results, summary, out)
    for s in summary:
        print(f"{s['env']:15s} {s['recommender']:8s} online {s['online_mean_rating']:.3f} +- {s['ci95']:.3f}  "
              f"offline RMSE {s['offline_rmse']:.3f}  nDCG@20 {s['offline_ndcg20']:.3f}")
    for preset, res in results.items():
        for name in RECS:
            _, end = ranked_affinity(res["affinity"], name)
            if end.size and preset.startswith("topics"):
                print(f"{preset:15s} {name:8s} final mean affinity, top 3 topics per trial: "
                      f"{np.round(end[:, :3], 2).tolist()}; topics above 4.5 per trial: {(end > 4.5).sum(axis=1).tolist()}")
    for c in corr:
        print(f"{c['env']:15s} Spearman({c['metric']}, online) = {c['with_oracle']:+.2f} (without Oracle {c['without_oracle']:+.2f})")
    print(f"wrote {out}/*.csv and {', '.join(f.name for f in files)} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
