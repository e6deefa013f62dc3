"""Pre-deployment audit of producer incentives (seed 002, Section 5.3, Fig. 5.3) on the ExposureGame world.

For every demand source (synthetic Gaussian clusters on the sphere, MovieLens-100K PMF and NMF user
embeddings), embedding dimension d, producer count n and temperature tau, and for several seeds (the
recommender's / demand's seed) and restarts (the producers' initial strategies), producers run the
thesis's reparametrised gradient ascent to convergence (early stopping when the l2 change of the
parameters falls below ``tol * sqrt(d)``, at most ``--max-steps`` steps). The final profile is checked
with the first- and second-order conditions of Definition 3 (Riemannian gradient norm below
1e-5 sqrt(d); no positive eigenvalue of the Riemannian Hessian) and summarised by how producers cluster
(mean pairwise similarity <s_i, s_k>, number of distinct contents, alignment with the mean demand
direction), content diversity and user welfare.

Step size: alpha = ``--step-scale`` * tau (the thesis code's ``scale_lr_by_temperature`` option; the
thesis's runs used a constant alpha in {0.01, 0.1} with up to 50,000 steps, which does not fit a
few-minute budget at tau = 1). All seeds and restarts of one setting run side by side as one batch of
worlds; converged worlds are frozen.

Outputs in ``--out`` (relative to the working directory, default ``results/exposure``):
``exposure_runs.csv`` (one row per run), ``exposure_summary.csv`` (per setting: means over runs, all
and those passing the second-order test) and ``exposure_clustering.png`` (Fig. 5.3 analogue).
Example: ``python -m recogym_eco.train.exposure_experiment --movielens-path ml-100k --out results/exposure``.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

SOURCES = ("synthetic", "movielens-pmf", "movielens-nmf")
RUN_FIELDS = ["source", "dim", "num_producers", "tau", "seed", "restart", "steps", "converged", "grad_norm",
              "first_order", "max_eigenvalue", "second_order", "confirmed", "best_move_gain", "mean_similarity",
              "num_clusters", "distinct_fraction", "content_diversity", "alignment", "user_welfare",
              "best_cosine", "seconds"]


def demand_for(source: str, dim: int, seed: int, args: argparse.Namespace) -> np.ndarray:
    """User embeddings (m, d) of one demand source and seed (seed = the recommender's / sampler's seed)."""
    from recogym_eco.worlds.exposure_game import make_config
    from recogym_eco.worlds.exposure_demand import sample_demand

    if source == "synthetic":
        cfg = make_config(demand="synthetic", dim=dim, num_users=args.synthetic_users, num_clusters=args.clusters,
                          cluster_spread=args.spread, demand_seed=seed)
    else:
        fac = source.split("-")[1]
        cfg = make_config(demand="movielens", factorisation=fac, dim=dim, movielens_path=args.movielens_path,
                          demand_seed=seed, strategy_set="orthant" if fac == "nmf" else "sphere")
    return sample_demand(cfg, np.random.default_rng(seed))


def run_setting(C: np.ndarray, n: int, tau: float, orthant: bool, seeds: list[int], restarts: int,
                args: argparse.Namespace) -> list[dict[str, Any]]:
    """Gradient ascent for every (seed, restart) of one setting as a batch; diagnostics per run."""
    from recogym_eco.components.metrics import shannon_entropy
    from recogym_eco.worlds import exposure_game_math as xm
    from recogym_eco.worlds.exposure_game import gradient_ascent_step

    B = C.shape[0]
    m, d = C.shape[1], C.shape[2]
    theta = np.empty((B, n, d))
    for b in range(B):
        rng = np.random.default_rng([seeds[b // restarts], b % restarts, n, int(round(1e6 * tau))])
        T = rng.standard_normal((n, d))
        theta[b] = xm.project_strategies(np.abs(T) if orthant else T, orthant)
    tauv = np.full(m, tau)
    alpha = args.step_scale * tau
    steps = np.zeros(B, dtype=np.int64)
    active = np.arange(B)
    t0 = time.perf_counter()
    for _ in range(args.max_steps):
        new, _, change = gradient_ascent_step(C[active], theta[active], tauv, alpha, orthant)
        theta[active] = new
        steps[active] += 1
        active = active[change >= args.tol * math.sqrt(d)]
        if active.size == 0:
            break
    seconds = time.perf_counter() - t0
    S = theta / np.linalg.norm(theta, axis=-1, keepdims=True)
    rows = []
    for b in range(B):
        Cb, Sb = C[b], S[b]
        parts = xm.exposure_parts(Cb, Sb, tauv, need_others=True)
        G = xm.euclidean_gradient(Cb, parts)
        R = xm.riemannian_gradient(Sb, G, orthant)
        ev = xm.riemannian_hessian_eigenvalues(Sb, G, xm.euclidean_hessian(Cb, parts), orthant)
        finite = ev[np.isfinite(ev)]
        top = float(finite.max()) if finite.size else -math.inf
        scale = max(float(np.abs(finite).max()) if finite.size else 0.0, 1e-300)
        gnorm = float(np.linalg.norm(R, axis=-1).max())
        first = gnorm <= 1e-5 * math.sqrt(d)
        labels = xm.cluster_labels(Sb, args.cluster_tol)
        sizes = np.bincount(labels)
        mean_c = Cb.mean(0)
        cbar = mean_c / np.linalg.norm(mean_c)
        cos = (Cb / np.linalg.norm(Cb, axis=1, keepdims=True)) @ Sb.T
        rows.append({
            "seed": seeds[b // restarts], "restart": b % restarts, "steps": int(steps[b]),
            "converged": bool(b not in set(active.tolist())), "grad_norm": gnorm, "first_order": first,
            "max_eigenvalue": top, "second_order": first and top <= 1e-9 * scale,
            "confirmed": first and top < -1e-9 * scale,
            "best_move_gain": float(xm.best_move_gain(Cb, Sb, parts, R, args.probe_radius, orthant).max()),
            "mean_similarity": float(xm.mean_similarity(Sb)), "num_clusters": int(sizes.size),
            "distinct_fraction": sizes.size / n, "content_diversity": shannon_entropy(sizes),
            "alignment": float((Sb @ cbar).mean()), "user_welfare": float(xm.user_welfare(parts).mean()),
            "best_cosine": float(cos.max(1).mean()), "seconds": seconds / B,
        })
    return rows


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per setting: run counts and means (all runs, and runs passing the second-order test)."""
    keys = sorted({(r["source"], r["dim"], r["num_producers"], r["tau"]) for r in rows},
                  key=lambda k: (SOURCES.index(k[0]), k[1], k[2], k[3]))
    out = []
    for key in keys:
        rs = [r for r in rows if (r["source"], r["dim"], r["num_producers"], r["tau"]) == key]
        ok = [r for r in rs if r["second_order"]]
        row = {"source": key[0], "dim": key[1], "num_producers": key[2], "tau": key[3], "runs": len(rs),
               "converged": sum(r["converged"] for r in rs), "first_order": sum(r["first_order"] for r in rs),
               "second_order": len(ok), "confirmed": sum(r["confirmed"] for r in rs)}
        for name in ("mean_similarity", "distinct_fraction", "alignment", "content_diversity", "best_cosine",
                     "user_welfare", "grad_norm", "steps"):
            vals = np.array([r[name] for r in rs], dtype=float)
            row[f"{name}_mean"] = float(vals.mean())
            row[f"{name}_sd"] = float(vals.std())
            okv = np.array([r[name] for r in ok], dtype=float)
            row[f"{name}_mean_lne"] = float(okv.mean()) if okv.size else float("nan")
        out.append(row)
    return out


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Fig. 5.3 analogue: similarity, distinct content and best-match cosine against tau."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sources = [s for s in SOURCES if any(r["source"] == s for r in rows)]
    panels = [("mean_similarity", "mean pairwise similarity <s_i, s_k>"),
              ("distinct_fraction", "distinct contents / n"),
              ("best_cosine", "users' best cosine match")]
    fig, axes = plt.subplots(len(panels), len(sources), figsize=(4.2 * len(sources), 3.2 * len(panels)),
                             squeeze=False)
    combos = sorted({(r["dim"], r["num_producers"]) for r in rows})
    styles = {c: (f"C{k}", "o-" if c[0] == min(x[0] for x in combos) else "s--") for k, c in enumerate(combos)}
    for j, src in enumerate(sources):
        for i, (name, label) in enumerate(panels):
            ax = axes[i, j]
            for combo in combos:
                rs = [r for r in rows if r["source"] == src and (r["dim"], r["num_producers"]) == combo]
                if not rs:
                    continue
                taus = sorted({r["tau"] for r in rs})
                color, style = styles[combo]
                for r in rs:
                    jit = 1.0 + 0.06 * (hash((r["seed"], r["restart"])) % 5 - 2) / 2
                    ax.scatter(r["tau"] * jit, r[name], s=12, color=color, alpha=0.35,
                               marker="o" if r["second_order"] else "x")
                ax.plot(taus, [np.mean([r[name] for r in rs if r["tau"] == t]) for t in taus], style, color=color,
                        label=f"d={combo[0]}, n={combo[1]}")
            ax.set_xscale("log")
            ax.set_xlabel("temperature tau")
            if j == 0:
                ax.set_ylabel(label)
            if i == 0:
                ax.set_title(src)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Producers at the found equilibria (o: passes the second-order test, x: does not)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    with open(path, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=fields)
        wr.writeheader()
        for r in rows:
            wr.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES)
    p.add_argument("--taus", nargs="+", type=float, default=[0.01, 0.1, 1.0])
    p.add_argument("--producers", nargs="+", type=int, default=[10, 100])
    p.add_argument("--dims", nargs="+", type=int, default=[3, 50])
    p.add_argument("--seeds", type=int, default=2, help="demand / recommender seeds")
    p.add_argument("--restarts", type=int, default=2, help="initial strategy profiles per seed")
    p.add_argument("--max-steps", type=int, default=4000)
    p.add_argument("--tol", type=float, default=1e-8, help="stop when the l2 change < tol * sqrt(d)")
    p.add_argument("--step-scale", type=float, default=10.0, help="alpha = step_scale * tau")
    p.add_argument("--probe-radius", type=float, default=0.05)
    p.add_argument("--cluster-tol", type=float, default=1e-3)
    p.add_argument("--synthetic-users", type=int, default=500)
    p.add_argument("--clusters", type=int, default=4)
    p.add_argument("--spread", type=float, default=0.3)
    p.add_argument("--movielens-path", default=None, help="MovieLens-100K (folder, zip or recbole wheel)")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads")
    p.add_argument("--out", default="results/exposure")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    for name in ("seeds", "restarts", "max_steps", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if any(t <= 0 for t in args.taus):
        p.error("--taus must be > 0 (the gradient dynamics need a softmax)")
    return args


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the audit; write the CSVs and the figure to ``--out``; return the summary rows."""
    args = parse_args(argv)
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = list(args.sources)
    if any(s.startswith("movielens") for s in sources):
        from recogym_eco.data.movielens import find_movielens

        try:
            find_movielens(args.movielens_path)
        except FileNotFoundError as err:
            print(f"skipping MovieLens sources: {str(err).splitlines()[0]}")
            sources = [s for s in sources if not s.startswith("movielens")]
    seeds = list(range(args.seeds))
    jobs = [(s, d, n, t) for s in sources for d in args.dims for n in args.producers for t in args.taus]
    rows: list[dict[str, Any]] = []
    with threadpool_limits(args.threads):
        demands = {}
        bar = tqdm(jobs, desc="exposure audit", disable=args.quiet)
        for src, d, n, tau in bar:
            bar.set_postfix(source=src, d=d, n=n, tau=tau)
            if (src, d) not in demands:
                Cs = [demand_for(src, d, s, args) for s in seeds]
                demands[(src, d)] = np.repeat(np.stack(Cs), args.restarts, axis=0)
            for r in run_setting(demands[(src, d)], n, tau, src.endswith("nmf"), seeds, args.restarts, args):
                rows.append({"source": src, "dim": d, "num_producers": n, "tau": tau, **r})
    _write_csv(out / "exposure_runs.csv", rows, RUN_FIELDS)
    summary = summarise(rows)
    if summary:
        _write_csv(out / "exposure_summary.csv", summary, list(summary[0]))
        plot(rows, out / "exposure_clustering.png")
    for row in summary:
        print(f"{row['source']:14s} d={row['dim']:<3d} n={row['num_producers']:<4d} tau={row['tau']:<5g} "
              f"similarity {row['mean_similarity_mean']:.3f} +- {row['mean_similarity_sd']:.3f} "
              f"distinct {row['distinct_fraction_mean']:.2f} converged {row['converged']}/{row['runs']} "
              f"2nd-order {row['second_order']}/{row['runs']}")
    return summary


if __name__ == "__main__":
    main()
