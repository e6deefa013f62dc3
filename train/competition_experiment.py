"""Reproduce seed 000's Figures 1-3 on recogym_eco's ContentCompetition environment.

* ``--preset toy``: Figure 1. Creator paths under LBR with no intervention and with the centre user's
  weight halved (UIR, w = (0.5, 1, 1, 1, 1)), first for the preset ``toy-beta0.1`` (beta = 0.1: the
  printed "beta = 10" read as an inverse temperature, the reading under which s_i = x_i is
  welfare-optimal and an equilibrium, as the paper states), then for ``toy`` (beta = 10 as printed),
  K = 3, over ``--seeds`` seeds. Outputs ``toy_paths_beta0.1.png``, ``toy_paths_printed.png``,
  ``toy_runs.csv``.
* ``--preset synthetic`` / ``--preset movielens``: Figures 2 and 3. For every seed (an independently
  sampled world) and mechanism in ``--mechanisms``, one full episode of the Gymnasium env
  (``horizon / epoch_length`` epochs) with the platform following :class:`recogym_eco.agents.reweight.Reweight`
  (``none`` keeps w = 1); seeds run side by side in one process (``--batch``). Outputs ``<preset>_welfare.csv`` (welfare per epoch), ``<preset>_groups.csv`` (final weights
  and group utilities by group rank), ``<preset>_summary.csv`` and ``<preset>_figure.png`` (welfare
  curves with one-sigma bands, final group weights, final group utilities by group size). The
  synthetic preset also writes ``synthetic_clusters.csv`` and adds the paper's per-cluster axis to
  the figure: final weights and utilities by the generating clusters (the ten Gaussian clusters of
  Section 5.1.1, which the k-means groups only approximate); MovieLens has no generating clusters.

Runs are independent processes (``--workers``), so results do not depend on the worker count.
Example: ``recogym-eco competition --preset synthetic --seeds 10 --workers 2``.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np


MECHS = ("none", "UIR", "SMT", "HMT")
COLORS = {"none": "tab:blue", "UIR": "tab:orange", "SMT": "tab:green", "HMT": "tab:red"}
HATCHES = ("", "//", "..", "xx")


# ------------------------------------------------------------------------------------------ toy


TOY_SETTINGS = (("toy-beta0.1", "beta0.1"), ("toy", "printed"))  # (preset, file tag), the new reading first


def toy_run(seed: int, preset: str, centre_weight: float, eta: float, horizon: int) -> dict:
    """One toy episode of ``preset`` (``toy`` or ``toy-beta0.1``), UIR with w = (centre_weight, 1, 1, 1, 1)."""
    from recogym_eco.worlds.content_competition import ContentCompetitionWorld, make_config

    cfg = make_config(preset, mechanism="UIR", eta=eta, horizon=horizon, epoch_length=1)
    beta, top_k = cfg.beta, cfg.top_k
    world = ContentCompetitionWorld(cfg)
    world.reset(np.random.default_rng(seed))
    world.set_weights(np.array([centre_weight, 1.0, 1.0, 1.0, 1.0]))
    start = world.strategies
    out = world.run_epoch(horizon, record=True)
    traj = np.concatenate([start[None], out["trajectory"]])
    dist = np.linalg.norm(world.X[:, None, :] - world.S[None, :, :], axis=2)
    served = dist.min(1) < 0.25
    # welfare with the default reward (w = 1) is what users get: UIR changes rewards, not matching
    return {
        "seed": seed, "preset": preset, "beta": beta, "top_k": top_k, "centre_weight": centre_weight,
        "welfare": world.welfare(), "user_utility": world.user_utilities(), "served": served,
        "nearest_creator_distance": dist.min(1), "trajectory": traj,
    }


TOY_USERS = np.array([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]], dtype=float)


def toy_paths_figure(by_weight: dict[float, dict], beta: float, top_k: int):
    """Figure 1 of seed 000: creator paths in the toy world's two dimensions, one panel per centre
    weight (``by_weight``: weight -> :func:`toy_run` result). Each creator has its own colour and line
    style, starts at a circle and ends at an arrow; users are stars; legend outside the panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recogym_eco.train.plotting import LINESTYLES

    fig, axes = plt.subplots(1, len(by_weight), figsize=(5 * len(by_weight) + 1.5, 5), layout="constrained",
                             squeeze=False)
    for ax, (w, r) in zip(axes[0], by_weight.items()):
        traj = r["trajectory"]
        for i in range(traj.shape[1]):
            style = LINESTYLES[i % len(LINESTYLES)]
            ax.plot(traj[:, i, 0], traj[:, i, 1], style, lw=1.2, color=f"C{i}", label=f"creator {i + 1}")
            ax.plot(*traj[0, i], "o", ms=5, color=f"C{i}", mfc="none")
            ax.annotate("", xy=traj[-1, i], xytext=traj[max(0, len(traj) - 2), i],
                        arrowprops=dict(arrowstyle="->", color=f"C{i}", lw=1.5))
        ax.scatter(TOY_USERS[:, 0], TOY_USERS[:, 1], s=120, c="k", marker="*", zorder=5, label="users")
        ax.set_title(f"{'no intervention' if w == 1 else f'centre weight {w:g}'}\n"
                     f"beta={beta:g}, K={top_k}, welfare={r['welfare']:.3f}, served={int(r['served'].sum())}/5")
        ax.set_xlabel("dimension 1 (x[0])")
        ax.set_ylabel("dimension 2 (x[1])")
        ax.set_xlim(-1.4, 1.4)
        ax.set_ylim(-1.4, 1.4)
        ax.set_aspect("equal")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8,
               title="o start, -> end")
    return fig


def run_toy(args: argparse.Namespace, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    rows = []
    jobs = [(s, preset, tag, w) for preset, tag in TOY_SETTINGS for w in (1.0, 0.5)
            for s in range(args.seeds)]
    results = {}
    for s, preset, tag, w in tqdm(jobs, desc="toy"):
        r = toy_run(s, preset, w, args.toy_eta, args.toy_horizon)
        results[(tag, w, s)] = r
        rows.append([preset, r["beta"], r["top_k"], w, s, f"{r['welfare']:.6f}", int(r["served"].sum()),
                     int(r["served"][1:].all())]
                    + [f"{u:.4f}" for u in r["user_utility"]] + [f"{d:.3f}" for d in r["nearest_creator_distance"]])
    with open(out / "toy_runs.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["preset", "beta", "top_k", "centre_weight", "seed", "welfare", "users_served",
                     "all_outer_served"] + [f"pi_x{j+1}" for j in range(5)] + [f"dist_x{j+1}" for j in range(5)])
        wr.writerows(rows)
    for preset, tag in TOY_SETTINGS:
        r0 = results[(tag, 1.0, args.toy_plot_seed)]
        by_weight = {w: results[(tag, w, args.toy_plot_seed)] for w in (1.0, 0.5)}
        fig = toy_paths_figure(by_weight, r0["beta"], r0["top_k"])
        fig.savefig(out / f"toy_paths_{tag}.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
    for preset, tag in TOY_SETTINGS:
        for w in (1.0, 0.5):
            rs = [results[(tag, w, s)] for s in range(args.seeds)]
            wel = [r["welfare"] for r in rs]
            allsv = sum(bool(r["served"][1:].all()) for r in rs)
            served = np.mean([r["served"].sum() for r in rs])
            print(f"toy {preset:11s} (beta={rs[0]['beta']:g}) centre_w={w}: welfare {np.mean(wel):.4f} +- "
                  f"{np.std(wel):.4f}; users served {served:.1f}/5; all four outer users served in "
                  f"{allsv}/{args.seeds} seeds")


# ------------------------------------------------------------------------------------ synthetic


def _write_partial(folder: str, preset: str, mechanism: str, seeds: list[int], W: np.ndarray, Wd: np.ndarray,
                   seconds: float) -> None:
    """Welfare curves so far (so that an interrupted run still leaves data)."""
    path = Path(folder) / "partial" / f"{preset}_{mechanism}_seeds{seeds[0]}-{seeds[-1]}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["mechanism", "seed", "epoch", "welfare", "welfare_default_matching", "elapsed_s"])
        for b, s in enumerate(seeds):
            for e in range(W.shape[1]):
                wr.writerow([mechanism, s, e, f"{W[b, e]:.6f}", f"{Wd[b, e]:.6f}", f"{seconds:.1f}"])


def batch_episodes(preset: str, mechanism: str, seeds: list[int], overrides: dict, checkpoint: int = 0,
                   checkpoint_dir: str = ".") -> list[dict]:
    """Full episodes of one mechanism for several seeds, simulated side by side.

    Each seed is an independent world with its own generator (``np.random.default_rng(seed)``), so
    its trajectory is the same as when run alone. The platform follows Algorithm 1: weights start at
    1, and after every epoch each world's :class:`recogym_eco.agents.reweight.Reweight` turns the epoch's mean
    group utilities into the next weights (``none`` keeps w = 1).
    """
    from recogym_eco.agents.reweight import Reweight
    from recogym_eco.worlds.content_competition import ContentCompetitionBatch, make_config

    t0 = time.perf_counter()
    c = make_config(preset, mechanism=mechanism, **overrides)
    B = len(seeds)
    batch = ContentCompetitionBatch(c, B)
    # one BLAS / OpenMP thread: the workers are the parallelism, and on a shared machine sklearn's k-means
    # threads spin against each other (10 k-means groupings: 43 s with the default threads, 0.6 s with one;
    # same labels)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        batch.reset([np.random.default_rng(s) for s in seeds])
    agents = [Reweight(c.num_groups, c.num_epochs, clip=(c.w_min, c.w_max)) for _ in seeds]
    dense_default = mechanism in ("SMT", "HMT")

    def default_welfare() -> np.ndarray:
        if not dense_default:
            return batch.user_utilities().mean(1)
        return np.array([batch.default_matching_user_utilities(b).mean() for b in range(B)])

    welfare = [batch.user_utilities().mean(1)]
    welfare_default = [default_welfare()]
    weights = np.ones((B, c.num_groups))
    accept = []
    for epoch in range(c.num_epochs):
        batch.set_weights(weights)
        grp = np.zeros((B, c.num_groups))
        wel = np.zeros(B)
        pi_epoch = np.zeros((B, batch.m))
        for _ in range(c.epoch_length):
            accept.append(batch.creator_step())
            pi = batch.user_utilities()
            pi_epoch += pi
            wel += pi.mean(1)
            grp += batch.group_utilities()
        grp /= c.epoch_length
        pi_epoch /= c.epoch_length
        welfare.append(wel / c.epoch_length)
        welfare_default.append(default_welfare())
        if mechanism != "none":
            weights = np.stack([a.update(g) for a, g in zip(agents, grp)])
        if checkpoint and (epoch + 1) % checkpoint == 0:
            _write_partial(checkpoint_dir, preset, mechanism, seeds, np.stack(welfare, axis=1), np.stack(welfare_default, axis=1),
                           time.perf_counter() - t0)
    welfare = np.stack(welfare, axis=1)
    welfare_default = np.stack(welfare_default, axis=1)
    seconds = (time.perf_counter() - t0) / B
    out = []
    for b, s in enumerate(seeds):
        m = batch.metrics(b)
        from recogym_eco.components.groups import group_means

        out.append({
            "preset": preset, "mechanism": mechanism, "seed": s,
            "welfare": welfare[b], "welfare_default": welfare_default[b],
            "weights": batch.weights[b].copy(), "group_utility": grp[b],
            "group_utility_default": group_means(batch.default_matching_user_utilities(b), batch.labels[b], c.num_groups),
            "group_share": batch.group_shares[b], "exposure_gini": m["exposure_gini"],
            "content_diversity": m["content_diversity"], "seconds": seconds,
            "accept_rate_last": float(np.mean([a[b] for a in accept[-c.epoch_length:]])),
            "rmse": (batch.instances[b].extra or {}).get("rmse"),
            **cluster_view(batch.instances[b].extra, pi_epoch[b], batch.weights[b][batch.labels[b]]),
        })
    return out


def cluster_view(extra: dict | None, pi: np.ndarray, user_weight: np.ndarray) -> dict:
    """Final utility and weight by generating cluster (seed 000, Section 5.1.1: the ten Gaussian
    clusters the synthetic users are drawn from), or {} where the instance has none (MovieLens).

    ``cluster_utility`` = mean of the last epoch's pi(x) over the cluster's users; ``cluster_weight`` =
    mean over its users of the weight of their k-means group; ``cluster_size`` = users per cluster.
    """
    truth = (extra or {}).get("true_cluster")
    if truth is None:
        return {}
    sizes = np.bincount(truth)
    return {"cluster_size": sizes, "cluster_utility": np.bincount(truth, weights=pi) / sizes,
            "cluster_weight": np.bincount(truth, weights=user_weight) / sizes}


def _job(args: tuple) -> list[dict]:
    return batch_episodes(*args)


def run_competition(args: argparse.Namespace, out: Path) -> None:
    from tqdm import tqdm

    overrides = {}
    if args.horizon:
        overrides["horizon"] = args.horizon
    if args.movielens_path and args.preset == "movielens":
        overrides["movielens_path"] = args.movielens_path
    seeds = list(range(args.seed0, args.seed0 + args.seeds))
    chunks = [seeds[i : i + args.batch] for i in range(0, len(seeds), args.batch)]
    jobs = [(args.preset, m, ch, overrides, args.checkpoint, str(out)) for ch in chunks for m in args.mechanisms]
    t0 = time.perf_counter()
    results: list[dict] = []
    if args.workers > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as ex:
            futs = [ex.submit(_job, j) for j in jobs]
            for f in tqdm(as_completed(futs), total=len(futs), desc=f"{args.preset} batches"):
                results.extend(f.result())
    else:
        for j in tqdm(jobs, desc=f"{args.preset} batches"):
            results.extend(_job(j))
    wall = time.perf_counter() - t0
    results.sort(key=lambda r: (r["seed"], MECHS.index(r["mechanism"])))
    write_results(args.preset, results, out, wall)


def write_results(preset: str, results: list[dict], out: Path, wall: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mechs = [m for m in MECHS if any(r["mechanism"] == m for r in results)]
    with open(out / f"{preset}_welfare.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["mechanism", "seed", "epoch", "welfare", "welfare_default_matching"])
        for r in results:
            for e, (w, wd) in enumerate(zip(r["welfare"], r["welfare_default"])):
                wr.writerow([r["mechanism"], r["seed"], e, f"{w:.6f}", f"{wd:.6f}"])
    with open(out / f"{preset}_groups.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["mechanism", "seed", "group_rank", "group_share", "final_weight", "final_group_utility",
                     "final_group_utility_default_matching"])
        for r in results:
            order = np.argsort(-r["group_share"], kind="stable")
            for rank, g in enumerate(order):
                wr.writerow([r["mechanism"], r["seed"], rank, f"{r['group_share'][g]:.5f}", f"{r['weights'][g]:.4f}",
                             f"{r['group_utility'][g]:.5f}", f"{r['group_utility_default'][g]:.5f}"])
    if all("cluster_utility" in r for r in results):
        with open(out / f"{preset}_clusters.csv", "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["mechanism", "seed", "cluster", "cluster_size", "final_mean_weight",
                         "final_cluster_utility"])
            for r in results:
                columns = zip(r["cluster_size"], r["cluster_weight"], r["cluster_utility"])
                for k, (n, w, u) in enumerate(columns):
                    wr.writerow([r["mechanism"], r["seed"], k + 1, int(n), f"{w:.4f}", f"{u:.5f}"])
    summary = []
    base = {r["seed"]: r for r in results if r["mechanism"] == "none"}
    for m in mechs:
        rs = [r for r in results if r["mechanism"] == m]
        fin = np.array([r["welfare"][-1] for r in rs])
        find = np.array([r["welfare_default"][-1] for r in rs])
        gain = np.array([r["welfare"][-1] - base[r["seed"]]["welfare"][-1] for r in rs if r["seed"] in base])
        gaind = np.array([r["welfare_default"][-1] - base[r["seed"]]["welfare_default"][-1] for r in rs if r["seed"] in base])
        summary.append({
            "mechanism": m, "seeds": len(rs), "final_welfare_mean": fin.mean(), "final_welfare_std": fin.std(),
            "gain_vs_none_mean": gain.mean() if gain.size else np.nan,
            "seeds_better_than_none": int((gain > 0).sum()) if gain.size else 0,
            "final_welfare_default_matching_mean": find.mean(),
            "gain_default_matching_vs_none_mean": gaind.mean() if gaind.size else np.nan,
            "exposure_gini_mean": np.mean([r["exposure_gini"] for r in rs]),
            "content_diversity_mean": np.mean([r["content_diversity"] for r in rs]),
            "seconds_per_episode_mean": np.mean([r["seconds"] for r in rs]),
        })
    with open(out / f"{preset}_summary.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(summary[0]))
        wr.writeheader()
        for s in summary:
            wr.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in s.items()})
    print(f"{preset}: {len(results)} episodes in {wall:.1f} s wall")
    for s in summary:
        print(f"  {s['mechanism']:4s} final welfare {s['final_welfare_mean']:.4f} +- {s['final_welfare_std']:.4f}"
              f"  gain vs none {s['gain_vs_none_mean']:+.4f} ({s['seeds_better_than_none']}/{s['seeds']} seeds)"
              f"  | default-matching welfare {s['final_welfare_default_matching_mean']:.4f}"
              f" (gain {s['gain_default_matching_vs_none_mean']:+.4f})")
    fig = competition_figure(preset, results)
    fig.savefig(out / f"{preset}_figure.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def competition_figure(preset: str, results: list[dict]):
    """Figures 2-3 of seed 000: (a) welfare per epoch (mean ± 1 sd over seeds) under the deployed
    matching, (a') under the default (beta, K), (b) final group weights, (c) final group utilities,
    groups ordered by size; where every result has ``cluster_*`` entries (:func:`cluster_view`), a
    second row with the paper's per-cluster axis: (d) final mean weight and (e) final utility of each
    generating cluster. Each mechanism has its own colour, line style, marker and bar hatch; a
    mechanism whose curve equals an earlier one's says so in the legend, which sits outside the panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recogym_eco.train.plotting import coincident, series_style

    mechs = [m for m in MECHS if any(r["mechanism"] == m for r in results)]
    clusters = all("cluster_utility" in r for r in results)
    fig = plt.figure(figsize=(22, 9.8 if clusters else 4.8), layout="constrained")
    grid = fig.add_gridspec(2 if clusters else 1, 4)
    axes = [fig.add_subplot(grid[0, j]) for j in range(4)]
    panels = (("welfare", axes[0], "a"), ("welfare_default", axes[1], "a'"))
    curves = {key: [np.stack([r[key] for r in results if r["mechanism"] == m]) for m in mechs] for key, _, _ in panels}
    same = {key: coincident([c.mean(0) for c in curves[key]]) for key, _, _ in panels}
    labels = []
    for i, m in enumerate(mechs):
        notes = [f"{tag}: same as {mechs[same[key][i]]}" for key, _, tag in panels if same[key][i] is not None]
        labels.append(f"{m} ({'; '.join(notes)})" if notes else m)
    for key, ax, tag in panels:
        for m, A, label in zip(mechs, curves[key], labels):
            x = np.arange(A.shape[1])
            mu, sd = A.mean(0), A.std(0)
            ax.plot(x, mu, color=COLORS[m], label=label if tag == "a" else "_nolegend_",
                    **series_style(MECHS.index(m), len(x)))
            ax.fill_between(x, mu - sd, mu + sd, color=COLORS[m], alpha=0.2)
        ax.set_xlabel("epoch (M creator steps)")
        ax.set_ylabel("welfare (mean user utility)")
    axes[0].set_title("(a) welfare (deployed matching), mean +- 1 sd")
    axes[1].set_title("(a') welfare of the same content under default (beta, K)")
    L = len(results[0]["group_share"])
    width = 0.8 / max(1, len(mechs))
    for j, m in enumerate(mechs):
        rs = [r for r in results if r["mechanism"] == m]
        order = [np.argsort(-r["group_share"], kind="stable") for r in rs]
        Wt = np.stack([r["weights"][o] for r, o in zip(rs, order)])
        Gu = np.stack([r["group_utility"][o] for r, o in zip(rs, order)])
        xs = np.arange(L) + (j - (len(mechs) - 1) / 2) * width
        if m != "none":
            hatch = HATCHES[MECHS.index(m) % len(HATCHES)]
            axes[2].bar(xs, Wt.mean(0), width, yerr=Wt.std(0), color=COLORS[m], hatch=hatch, label=m)
            axes[3].bar(xs, Gu.mean(0), width, color=COLORS[m], hatch=hatch, label=m)
        else:
            axes[3].plot(np.arange(L), Gu.mean(0), "--", marker="o", color=COLORS[m], label="none")
    sizes = np.mean([np.sort(r["group_share"])[::-1] for r in results], axis=0)
    for ax, t in ((axes[2], "(b) final group weights"), (axes[3], "(c) final group utilities")):
        ax.set_xticks(np.arange(L))
        ax.set_xticklabels([f"{100 * s:.1f}" for s in sizes], rotation=90, fontsize=7)
        ax.set_xlabel("group (mean share of users, %), largest first")
        ax.set_title(t)
    axes[2].set_ylabel("final weight w_g (mean +- 1 sd)")
    axes[3].set_ylabel("final group utility (mean)")
    if clusters:
        cluster_panels(fig, grid, mechs, results)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8, title="welfare (a, a')")
    fig.legend(*axes[3].get_legend_handles_labels(), loc="outside right lower", fontsize=8,
               title="groups (b, c)" + (", clusters (d, e)" if clusters else ""))
    seeds = len(results) // max(1, len(mechs))
    fig.suptitle(f"ContentCompetition '{preset}': {seeds} seed{'s' if seeds != 1 else ''}")
    return fig


def cluster_panels(fig, grid, mechs: list[str], results: list[dict]) -> None:
    """Panels (d) and (e) of :func:`competition_figure`: final mean weight (mean +- 1 sd over seeds) and
    final utility of every generating cluster, clusters in the preset's order (largest first)."""
    sizes = np.mean([r["cluster_size"] for r in results], axis=0)
    C = len(sizes)
    ax_w, ax_u = fig.add_subplot(grid[1, 0:2]), fig.add_subplot(grid[1, 2:4])
    width = 0.8 / max(1, len(mechs))
    for j, m in enumerate(mechs):
        rs = [r for r in results if r["mechanism"] == m]
        Wt = np.stack([r["cluster_weight"] for r in rs])
        Gu = np.stack([r["cluster_utility"] for r in rs])
        xs = np.arange(C) + (j - (len(mechs) - 1) / 2) * width
        if m != "none":
            hatch = HATCHES[MECHS.index(m) % len(HATCHES)]
            ax_w.bar(xs, Wt.mean(0), width, yerr=Wt.std(0), color=COLORS[m], hatch=hatch)
            ax_u.bar(xs, Gu.mean(0), width, color=COLORS[m], hatch=hatch)
        else:
            ax_u.plot(np.arange(C), Gu.mean(0), "--", marker="o", color=COLORS[m])
    for ax, t in ((ax_w, "(d) final mean weight of each generating cluster's users"),
                  (ax_u, "(e) final utility of each generating cluster")):
        ax.set_xticks(np.arange(C))
        ax.set_xticklabels([f"c{k + 1}\n({n:g})" for k, n in enumerate(sizes)], fontsize=8)
        ax.set_xlabel("generating cluster (users), largest first")
        ax.set_title(t)
    ax_w.set_ylabel("mean weight of its users (mean +- 1 sd)")
    ax_u.set_ylabel("mean user utility (mean over seeds)")


def main(argv: list[str] | None = None) -> None:
    """``recogym-eco competition``: counts are checked as they are parsed (exit code 2 on bad input)."""
    from recogym_eco.train.presets import non_negative_int_arg, positive_int_arg

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=["toy", "synthetic", "movielens"], default="synthetic")
    p.add_argument("--seeds", type=positive_int_arg, default=10, help="number of seeds (independently sampled worlds)")
    p.add_argument("--seed0", type=int, default=0, help="first seed")
    p.add_argument("--mechanisms", nargs="+", choices=MECHS, default=list(MECHS))
    p.add_argument("--horizon", type=positive_int_arg, default=None,
                   help="creator steps per episode (default: the preset's)")
    p.add_argument("--workers", type=positive_int_arg, default=2, help="parallel processes")
    p.add_argument("--batch", type=positive_int_arg, default=5, help="seeds simulated side by side in one process")
    p.add_argument("--checkpoint", type=non_negative_int_arg, default=50,
                   help="write partial welfare curves every N epochs (0: off)")
    p.add_argument("--movielens-path", default=None)
    p.add_argument("--toy-eta", type=float, default=0.05)
    p.add_argument("--toy-horizon", type=positive_int_arg, default=1000)
    p.add_argument("--toy-plot-seed", type=int, default=0, help="which of the seeds the path plots show")
    p.add_argument("--out", default="results/content_competition")
    args = p.parse_args(argv)
    if args.preset == "toy" and not 0 <= args.toy_plot_seed < args.seeds:
        p.error(f"argument --toy-plot-seed: must be one of the seeds run, 0..{args.seeds - 1}; got {args.toy_plot_seed}")
    if args.toy_eta <= 0 or not np.isfinite(args.toy_eta):
        p.error(f"argument --toy-eta: must be a positive step size; got {args.toy_eta}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.preset == "toy":
        run_toy(args, out)
    else:
        run_competition(args, out)


if __name__ == "__main__":
    main()
