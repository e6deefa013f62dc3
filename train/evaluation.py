"""Evaluate platform policies on CreatorSuggestion-v0 over seeds: CSV, Markdown table and plots.

A policy is named by a spec: a suggestion policy (``NoSignal``, ``Random``, ``MostClick``,
``MostHistoryClick``, ``LoRe`` = the shipped model of ``--preset``, a shipped model's name such as
``lore_default_paper_state``, or a path to a saved model ``.zip``), optionally joined with ``+`` to a
ranker (``PMMF``, ``FairRec``, or one a ``--plugin`` registers) and/or the reward lever
(``Reweight``). A lever named alone runs with NoSignal suggestions: ``PMMF`` = ``NoSignal+PMMF``.
``label=spec`` names a spec in the tables (``LoRe-skewed=results/lore/skewed_s0/model.zip+PMMF``).
Unless ``--env-kwargs`` sets the env's ``observation`` option, each policy gets the observation it
reads (the world is the same): a LoRe model its sidecar's, MostClick and MostHistoryClick ``"log"``.

    python -m recogym_eco.train.evaluation --preset default --seeds 10 \\
        --policies NoSignal MostClick MostHistoryClick Reweight PMMF FairRec LoRe LoRe+PMMF LoRe+FairRec

Outputs in ``--out``: ``rounds.csv`` (per-round metrics of every run), ``summary.md`` (mean and 95%
confidence interval over seeds, and paired differences to ``--reference``; with one seed no interval
exists and the table says ``n/a``), ``clicks_per_round.png``, ``active_creators.png`` (creators who
made content in the round), ``present_creators.png`` (creators still on the platform),
``genres_per_creator.png``. Evaluation seeds start at ``--seed-start`` (10 000 by default), away from
the seeds ``train/train_lore.py`` trains on.

``--n-jobs N`` runs the episodes on N local worker processes, ``--backend ray`` as Ray tasks (a local
Ray, or the cluster ``RAY_ADDRESS`` names); the rows, and so every output, are the same in every case.
The episodes themselves are :func:`recogym_eco.train.evaluate` (``train/rollouts.py``).
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from recogym_eco.plugins import load_plugin
from recogym_eco.train.plotting import coincident_labels, legend_outside, series_style
from recogym_eco.train.presets import PRESETS, env_kwargs, json_object_arg, positive_int_arg
from recogym_eco.train.rollouts import (  # noqa: F401  (re-exported: the names this script's users import)
    BACKENDS,
    ENV_ID,
    ENV_IDS,
    METRICS,
    PolicySpec,
    build,
    check_env_kwargs,
    evaluate,
    model_path,
    parse_policies,
    run_episode,
)

ONE_SEED_NOTE = ("note: with one seed no confidence interval is possible; the ± columns say n/a "
                 "(use 2 or more seeds)")
#: (metric, y label, file) of the per-round curve plots.
CURVES = (
    ("clicks", "clicks per round", "clicks_per_round.png"),
    ("active_creators", "active creators (made content this round)", "active_creators.png"),
    ("present_creators", "creators on the platform", "present_creators.png"),
)


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the two-sided 95% Student-t confidence interval
    ``t_{0.975, n-1} * s / sqrt(n)``; the half-width is NaN for fewer than two values (no interval)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean()), float(half)


def _pm(mean: float, half: float, digits: int = 2, sign: bool = False) -> str:
    """``mean ± half`` with ``n/a`` for a missing interval."""
    m = f"{mean:+.{digits}f}" if sign else f"{mean:.{digits}f}"
    return f"{m} ± {'n/a' if math.isnan(half) else f'{half:.{digits}f}'}"


def summarise(runs: dict[str, dict[int, list[dict]]], references: list[str] | str | None) -> str:
    """Markdown table of per-seed episode statistics (mean ± 95% CI) and paired differences to each
    of ``references``; with one seed the intervals read ``n/a``."""
    def per_seed(policy: str, fn) -> np.ndarray:
        return np.array([fn(rows) for _, rows in sorted(runs[policy].items())])

    stats_fns = {
        "cumulative clicks": lambda r: sum(x["clicks"] for x in r),
        "clicks / round": lambda r: np.mean([x["clicks"] for x in r]),
        "content diversity": lambda r: np.mean([x["content_diversity"] for x in r]),
        "active creators": lambda r: np.mean([x["active_creators"] for x in r]),
        "creators left at end": lambda r: r[-1]["present_creators"],
        "genres / creator (end)": lambda r: r[-1]["genres_per_creator"],
    }
    header = "| policy | " + " | ".join(stats_fns) + " |"
    lines = [header, "|" + "---|" * (len(stats_fns) + 1)]
    for policy in runs:
        cells = [_pm(*mean_ci(per_seed(policy, f))) for f in stats_fns.values()]
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    for reference in [references] if isinstance(references, str) else list(references or []):
        if reference not in runs:
            continue
        lines += ["", f"Paired differences to {reference} over the same seeds (mean ± 95% CI):", "",
                  "| policy | Δ cumulative clicks | Δ creators left at end | CI excludes 0 (clicks) |",
                  "|---|---|---|---|"]
        ref_clicks = per_seed(reference, stats_fns["cumulative clicks"])
        ref_left = per_seed(reference, stats_fns["creators left at end"])
        for policy in runs:
            if policy == reference:
                continue
            d_clicks = mean_ci(per_seed(policy, stats_fns["cumulative clicks"]) - ref_clicks)
            d_left = mean_ci(per_seed(policy, stats_fns["creators left at end"]) - ref_left)
            excludes = "n/a" if math.isnan(d_clicks[1]) else "yes" if abs(d_clicks[0]) > d_clicks[1] else "no"
            lines.append(f"| {policy} | {_pm(*d_clicks, digits=1, sign=True)} | {_pm(*d_left, sign=True)} "
                         f"| {excludes} |")
    return "\n".join(lines)


def curve_figure(runs: dict[str, dict[int, list[dict]]], metric: str, ylabel: str, title: str, window: int = 10):
    """Figure of ``metric`` per round, mean ± standard error over seeds for each policy (clicks: a
    ``window``-round moving average). Every policy has its own colour, line style and marker (markers
    offset along the curve), so coinciding curves stay visible and their legend entry names the
    policy they coincide with; the legend sits outside the axes."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def curve(policy: str) -> np.ndarray:
        rows = list(runs[policy].values())
        length = min(len(r) for r in rows)
        return np.array([[x[metric] for x in r[:length]] for r in rows])

    tab20 = plt.get_cmap("tab20")(np.linspace(0, 1, 20))
    colours = tab20[::2].tolist() + tab20[1::2].tolist()
    window = window if metric == "clicks" else 1
    names = list(runs)
    data = [curve(policy) for policy in names]
    smoothed = window > 1 and min(d.shape[1] for d in data) >= window
    if smoothed:
        data = [np.array([np.convolve(row, np.ones(window) / window, mode="valid") for row in d]) for d in data]
    means = [d.mean(axis=0) for d in data]
    labels = coincident_labels(names, means)
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    for index, (label, d, mean) in enumerate(zip(labels, data, means)):
        sem = d.std(axis=0) / np.sqrt(max(len(d), 1))
        x = np.arange(1, len(mean) + 1) + (window - 1 if smoothed else 0)
        colour = colours[index % len(colours)]
        ax.plot(x, mean, label=label, lw=1.6, color=colour, **series_style(index, len(x)))
        ax.fill_between(x, mean - sem, mean + sem, alpha=0.15, color=colour)
    ax.set_xlabel("round")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    smoothing = f", {window}-round moving average" if smoothed else ""
    seeds = len(next(iter(runs.values())))
    ax.set_title(f"{title}: {ylabel}\n(mean ± s.e. over {seeds} seed{'s' if seeds != 1 else ''}{smoothing})")
    legend_outside(ax, fontsize=8)
    return fig


def plot(runs: dict[str, dict[int, list[dict]]], out: Path, title: str) -> list[Path]:
    """PNG plots: one per entry of :data:`CURVES` (clicks per round, active creators, creators on the
    platform) and a box plot of genres per creator at the end; saved with a tight bounding box."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for metric, ylabel, name in CURVES:
        fig = curve_figure(runs, metric, ylabel, title)
        fig.savefig(out / name, dpi=120, bbox_inches="tight")
        plt.close(fig)
        paths.append(out / name)
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    names = list(runs)
    values = [np.array([rows[-1]["genres_per_creator"] for rows in runs[p].values()]) for p in names]
    ax.boxplot(values, tick_labels=names)
    ax.set_xlabel("policy")
    ax.set_ylabel("distinct genres per creator at the end\n(mean over creators)")
    ax.set_title(f"{title}: genres per creator")
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", fontsize=8)
    fig.savefig(out / "genres_per_creator.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return paths + [out / "genres_per_creator.png"]


def runs_of(rows: list[dict[str, Any]]) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Rows of :func:`evaluate` grouped as ``{policy: {seed: [round rows]}}`` in their order."""
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for row in rows:
        per_round = {k: v for k, v in row.items() if k not in ("policy", "seed")}
        runs.setdefault(row["policy"], {}).setdefault(row["seed"], []).append(per_round)
    return runs


def evaluate_and_write(policies: list[str], kwargs: dict[str, Any], seeds: list[int], out: Path,
                       reference: list[str] | str | None = "NoSignal", title: str = "CreatorSuggestion-v0",
                       preset: str = "default", env_id: str = ENV_ID, backend: str = "local", n_jobs: int = 1,
                       plugins: Sequence[str] = ()) -> str:
    """Runs every policy on every seed with :func:`evaluate` (``backend``, ``n_jobs``), writes
    ``rounds.csv``, ``summary.md`` and the plots to ``out`` and returns the Markdown summary. ``LoRe``
    in a spec is the shipped model of ``preset``; ``plugins`` are loaded first (here and in every worker)."""
    for plugin in plugins:
        load_plugin(plugin)
    parse_policies(policies, preset)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(seeds) == 1:
        print(ONE_SEED_NOTE, flush=True)
    out.mkdir(parents=True, exist_ok=True)
    rows = evaluate(policies, env_id, kwargs, seeds, backend, n_jobs, preset=preset, plugins=plugins,
                    progress=True)
    with open(out / "rounds.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["policy", "seed", "round", *METRICS])
        writer.writeheader()
        writer.writerows(rows)
    runs = runs_of(rows)
    summary = summarise(runs, reference)
    note = f"{ONE_SEED_NOTE}\n\n" if len(seeds) == 1 else ""
    (out / "summary.md").write_text(f"# {title}\n\nenv kwargs: `{kwargs}`; seeds {seeds[0]}..{seeds[-1]}\n\n"
                                    f"{note}{summary}\n")
    plot(runs, out, title)
    return summary


def n_jobs_arg(text: str) -> int:
    """argparse ``type`` for ``--n-jobs``: a positive integer, or -1 for one worker per CPU."""
    if text.strip() == "-1":
        return -1
    return positive_int_arg(text)


def main(argv: list[str] | None = None) -> None:
    """``recogym-eco evaluate``: unknown names, counts, JSON and env kwargs are usage errors (exit code 2,
    one line naming what is allowed) raised before any episode runs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", nargs="+",
                        default=["NoSignal", "Random", "MostClick", "MostHistoryClick"], help="policy specs")
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS))
    parser.add_argument("--env-id", default=ENV_ID, choices=ENV_IDS,
                        help="the CreatorSuggestion version (default %(default)s)")
    parser.add_argument("--env-kwargs", type=json_object_arg, default=None,
                        help="JSON object of env keyword overrides, e.g. '{\"num_creators\": 20}'")
    parser.add_argument("--seeds", type=positive_int_arg, default=5,
                        help="number of evaluation seeds (at least 2 for a confidence interval)")
    parser.add_argument("--seed-start", type=int, default=10_000)
    parser.add_argument("--reference", nargs="+", default=["NoSignal", "LoRe"],
                        help="policies that paired differences are taken to (those evaluated)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/eval_<preset>)")
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="import a module or .py file first (it may register rankers, suggestion policies, "
                             "creator models, recommenders); repeatable")
    parser.add_argument("--backend", default="local", choices=BACKENDS,
                        help="where the episodes run: local (this process, or --n-jobs worker processes) or "
                             "ray (one Ray task per policy and seed; RAY_ADDRESS names a cluster, else a "
                             "local Ray); the outputs are the same (default %(default)s)")
    parser.add_argument("--n-jobs", type=n_jobs_arg, default=1,
                        help="local worker processes (1: this process; -1: one per CPU); not used with "
                             "--backend ray (default %(default)s)")
    args = parser.parse_args(argv)
    if args.seed_start < 0:
        parser.error(f"argument --seed-start: must be a non-negative integer; got {args.seed_start}")
    for plugin in args.plugin:
        load_plugin(plugin)
    kwargs = env_kwargs(args.preset, args.env_kwargs)
    try:
        parse_policies(args.policies, args.preset)
    except (ValueError, FileNotFoundError) as e:
        parser.error(f"argument --policies: {e}")
    try:
        check_env_kwargs(kwargs, args.env_id)
    except (TypeError, ValueError) as e:
        parser.error(f"env kwargs {kwargs} (preset {args.preset!r} + --env-kwargs): {e}")
    out = args.out or Path("results") / f"eval_{args.preset}"
    start = time.perf_counter()
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    summary = evaluate_and_write(args.policies, kwargs, seeds, out, args.reference,
                                 title=f"{args.env_id.split('/')[-1]} [{args.preset}]", preset=args.preset,
                                 env_id=args.env_id, backend=args.backend, n_jobs=args.n_jobs, plugins=args.plugin)
    print(summary)
    print(f"\nwrote {out}/rounds.csv, summary.md and plots in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
