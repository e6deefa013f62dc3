"""Reproduce seed 004's Figure 2 on recogym_eco's TrialOfferMarket-v0.

Homogeneous (one user type) against heterogeneous (``--num-types`` k-means types) markets, each under
random, popularity and quality (oracle) ranking, ``--runs`` seeded runs per cell. One run is one
episode of ``round(300,000 * --scale)`` arrivals (the paper's length at ``--scale 1``), re-ranked every
``--batch`` arrivals (one env step) and measured every ``--record-every`` arrivals: cumulative
efficiency (purchases per arrival since the start, the paper's measure) and the entropy of the market
shares. Random and popularity ranking show one list to every type (as in the paper); quality ranking
sorts each type's list by its own q_ij.

Outputs in ``--out`` (default ``results/market`` under the working directory): ``market_runs.csv``
(one row per run and measurement), ``market_summary.csv`` (median and quartiles at the end) and
``market_figure2.png`` (left: median efficiency over time with 25-75 % bands, homogeneous dashed;
right: heterogeneous efficiency against entropy, medians with quartile error bars at four times).

Example: ``python -m recogym_eco.train.market_experiment --scale 0.1 --runs 50``
(``--preset synthetic`` runs the synthetic presets instead of MovieLens).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

import numpy as np

STRATEGIES = ("random", "popularity", "quality")
COLORS = {"random": "tab:green", "popularity": "tab:orange", "quality": "tab:blue"}
PAPER_ARRIVALS = 300_000


def _env_kwargs(args: argparse.Namespace, setting: str, strategy: str, steps: int) -> dict:
    kw = dict(batch_size=args.batch, horizon=steps, feedback=args.feedback, shared_ranking=strategy != "quality",
              instance_seed=args.instance_seed)
    if args.preset == "movielens":
        kw.update(preset="movielens", num_types=1 if setting == "homogeneous" else args.num_types,
                  movielens_path=args.movielens_path, unseen_only=args.unseen_only)
    else:
        kw.update(preset=f"synthetic-{setting}", num_types=args.num_types, num_items=args.num_items)
    return kw


def run_cell(args: argparse.Namespace, setting: str, strategy: str, steps: int, every: int,
             bar: Any) -> list[dict]:
    """All runs of one (setting, strategy) cell; one row per run and measurement."""
    import gymnasium as gym
    from recogym_eco.agents.market_rankers import PopularityRanker, QualityRanker, RandomRanker

    import recogym_eco  # noqa: F401

    env = gym.make("recogym_eco/TrialOfferMarket-v0", **_env_kwargs(args, setting, strategy, steps))
    rows = []
    for run in range(args.runs):
        seed = args.seed + run
        if strategy == "random":
            agent = RandomRanker(env, seed=10_000 + seed)
        else:
            agent = PopularityRanker(env) if strategy == "popularity" else QualityRanker(env)
        obs, info = env.reset(seed=seed)
        for t in range(1, steps + 1):
            obs, _, _, _, info = env.step(agent.predict(obs)[0])
            if t % every == 0 or t == steps:
                rows.append({"setting": setting, "strategy": strategy, "run": run, "arrivals": t * args.batch,
                             "efficiency": info["efficiency_cumulative"], "entropy": info["market_entropy"],
                             "expected_efficiency": info["expected_efficiency"]})
        bar.update(1)
    return rows


def _quantiles(rows: list[dict], setting: str, strategy: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    sel = [r for r in rows if r["setting"] == setting and r["strategy"] == strategy]
    xs = np.array(sorted({r["arrivals"] for r in sel}))
    if xs.size == 0:
        return xs, np.zeros((3, 0))
    vals = np.array([[r[key] for r in sel if r["arrivals"] == x] for x in xs])
    return xs, np.percentile(vals, [25, 50, 75], axis=1)


def plot(rows: list[dict], path: Path, title: str) -> None:
    """Figure 2: efficiency over time (left) and efficiency against entropy, heterogeneous (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for strategy in STRATEGIES:
        for setting, ls in (("homogeneous", "--"), ("heterogeneous", "-")):
            xs, (lo, med, hi) = _quantiles(rows, setting, strategy, "efficiency")
            if xs.size == 0:
                continue
            ax1.plot(xs, med, ls, color=COLORS[strategy], label=f"{strategy} ({setting[:5]}.)")
            ax1.fill_between(xs, lo, hi, color=COLORS[strategy], alpha=0.15, linewidth=0)
        xs, (elo, emed, ehi) = _quantiles(rows, "heterogeneous", strategy, "efficiency")
        _, (hlo, hmed, hhi) = _quantiles(rows, "heterogeneous", strategy, "entropy")
        if xs.size == 0:
            continue
        ax2.plot(hmed, emed, "-", color=COLORS[strategy], label=strategy)
        marks = np.unique(np.clip(np.searchsorted(xs, xs[-1] * np.array([0.0, 1 / 3, 2 / 3, 1.0])), 0, xs.size - 1))
        ax2.errorbar(hmed[marks], emed[marks], xerr=[hmed[marks] - hlo[marks], hhi[marks] - hmed[marks]],
                     yerr=[emed[marks] - elo[marks], ehi[marks] - emed[marks]], fmt="o", color=COLORS[strategy],
                     capsize=3, ms=4)
    ax1.set_xlabel("arrivals")
    ax1.set_ylabel("efficiency (purchases / arrivals)")
    ax1.set_title("efficiency over time (median, 25-75 %)")
    ax1.legend(fontsize=7, ncol=2)
    ax2.set_xlabel("entropy of market shares (nats)")
    ax2.set_ylabel("efficiency")
    ax2.set_title("heterogeneous: efficiency vs entropy")
    ax2.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def summarise(rows: list[dict]) -> list[dict]:
    """Median and quartiles of the last measurement of every cell."""
    out = []
    for setting in ("homogeneous", "heterogeneous"):
        for strategy in STRATEGIES:
            sel = [r for r in rows if r["setting"] == setting and r["strategy"] == strategy]
            if not sel:
                continue
            last = max(r["arrivals"] for r in sel)
            e = np.array([r["efficiency"] for r in sel if r["arrivals"] == last])
            h = np.array([r["entropy"] for r in sel if r["arrivals"] == last])
            out.append({"setting": setting, "strategy": strategy, "arrivals": last, "runs": e.size,
                        "efficiency_q25": np.percentile(e, 25), "efficiency_median": np.median(e),
                        "efficiency_q75": np.percentile(e, 75), "entropy_q25": np.percentile(h, 25),
                        "entropy_median": np.median(h), "entropy_q75": np.percentile(h, 75)})
    return out


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=["movielens", "synthetic"], default="movielens")
    p.add_argument("--scale", type=float, default=0.1, help="fraction of the paper's 300,000 arrivals per run")
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--batch", type=int, default=100, help="arrivals per env step (the ranking is refreshed each step)")
    p.add_argument("--record-every", type=int, default=1000, help="arrivals between measurements")
    p.add_argument("--num-types", type=int, default=100, help="user types of the heterogeneous market")
    p.add_argument("--num-items", type=int, default=200, help="items (synthetic preset)")
    p.add_argument("--feedback", type=float, default=0.5, help="social-feedback exponent r")
    p.add_argument("--unseen-only", action="store_true", help="movielens: the 'unseen movies only' variant")
    p.add_argument("--movielens-path", default=None)
    p.add_argument("--instance-seed", type=int, default=0, help="synthetic instance / k-means seed")
    p.add_argument("--seed", type=int, default=0, help="seed of the first run")
    p.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    p.add_argument("--out", default="results/market")
    args = p.parse_args(argv)
    if args.scale <= 0 or args.runs < 1 or args.batch < 1 or args.record_every < 1:
        p.error("--scale must be > 0 and --runs, --batch, --record-every >= 1")
    from tqdm import tqdm

    steps = max(1, round(PAPER_ARRIVALS * args.scale / args.batch))
    every = max(1, round(args.record_every / args.batch))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows: list[dict] = []
    cells = [(s, g) for s in ("homogeneous", "heterogeneous") for g in args.strategies]
    with tqdm(total=len(cells) * args.runs, desc="market runs") as bar:
        for setting, strategy in cells:
            bar.set_postfix_str(f"{setting}/{strategy}")
            rows += run_cell(args, setting, strategy, steps, every, bar)
    _write(out / "market_runs.csv", rows)
    summary = summarise(rows)
    _write(out / "market_summary.csv", summary)
    title = (f"TrialOfferMarket-v0 {args.preset}: {steps * args.batch:,} arrivals/run, {args.runs} runs, "
             f"r={args.feedback}, {args.num_types} types, re-ranked every {args.batch} arrivals")
    plot(rows, out / "market_figure2.png", title)
    for s in summary:
        print(f"{s['setting']:>13} {s['strategy']:>10}: efficiency {s['efficiency_median']:.4f} "
              f"[{s['efficiency_q25']:.4f}, {s['efficiency_q75']:.4f}]  entropy {s['entropy_median']:.3f} "
              f"[{s['entropy_q25']:.3f}, {s['entropy_q75']:.3f}]")
    print(f"wrote {out}/market_runs.csv, market_summary.csv, market_figure2.png in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
