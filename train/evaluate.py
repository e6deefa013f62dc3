"""Evaluate platform policies on CreatorSuggestion-v0 over seeds: CSV, Markdown table and plots.

A policy is named by a spec: a suggestion policy (``NoSignal``, ``Random``, ``MostClick``,
``MostHistoryClick``, ``LoRe`` = the shipped model, or a path to a saved SB3 model), optionally
joined with ``+`` to a ranker (``PMMF``, ``FairRec``) and/or the reward lever (``Reweight``). A
lever named alone runs with NoSignal suggestions: ``PMMF`` = ``NoSignal+PMMF``. ``label=spec``
names a spec in the tables (``LoRe-skewed=results/lore/skewed_s0/model.zip+PMMF``).

    python -m recogym_eco.train.evaluate --preset default --seeds 10 \\
        --policies NoSignal MostClick MostHistoryClick Reweight PMMF FairRec LoRe LoRe+PMMF LoRe+FairRec

Outputs in ``--out``: ``rounds.csv`` (per-round metrics of every run), ``summary.md`` (mean and 95%
confidence interval over seeds, and paired differences to ``--reference``), ``clicks_per_round.png``,
``active_creators.png``, ``genres_per_creator.png``. Evaluation seeds start at ``--seed-start``
(10 000 by default), away from the seeds ``train/train_lore.py`` trains on.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from scipy import stats
from tqdm import tqdm

import recogym_eco  # noqa: F401
from recogym_eco.agents.heuristics import HEURISTICS
from recogym_eco.agents.rankers import RANKERS
from recogym_eco.agents.shipped import shipped_model
from recogym_eco.plugins import load_plugin
from recogym_eco.train.presets import PRESETS, env_kwargs

ENV_ID = "recogym_eco/CreatorSuggestion-v0"
METRICS = ("clicks", "content_diversity", "active_creators", "present_creators", "genres_per_creator",
           "follow_rate", "exposure_gini")


@dataclass
class PolicySpec:
    """A parsed policy spec: which suggestion policy, ranker and reward lever to combine."""

    name: str
    suggestion: str
    ranker: str | None
    reweight: bool

    @classmethod
    def parse(cls, spec: str) -> PolicySpec:
        name, _, body = spec.rpartition("=") if "=" in spec else (spec, "", spec)
        parts = body.split("+")
        rankers = [p for p in parts if p in RANKERS]
        reweight = "Reweight" in parts
        rest = [p for p in parts if p not in RANKERS and p != "Reweight"]
        known = set(HEURISTICS) | {"LoRe"}
        unknown = [p for p in rest if p not in known and not p.endswith(".zip")]
        if len(rankers) > 1 or len(rest) > 1:
            hint = (f"; unknown name(s) {unknown}: suggestion policies {sorted(known)} or a .zip model, rankers "
                    f"{list(RANKERS.names())} (register more with --plugin), lever Reweight") if unknown else ""
            raise ValueError(f"policy spec {spec!r} must combine at most one suggestion policy and one ranker{hint}")
        suggestion = rest[0] if rest else "NoSignal"
        if suggestion not in HEURISTICS and suggestion != "LoRe" and not suggestion.endswith(".zip"):
            raise ValueError(f"unknown suggestion policy {suggestion!r} in {spec!r}: use one of "
                             f"{sorted(HEURISTICS) + ['LoRe']} or a path to a saved model (.zip); rankers: "
                             f"{list(RANKERS.names())}; lever: Reweight")
        return cls(name, suggestion, rankers[0] if rankers else None, reweight)


def build(spec: PolicySpec, kwargs: dict[str, Any], seed: int, models: dict[str, Any]) -> tuple[gym.Env, Any]:
    """The env with the spec's levers installed, and the suggestion policy bound to it.

    Heuristics read the ``observation="log"`` view; a saved model plays the observation its sidecar
    names. The observation option never changes the dynamics, so every policy meets the same worlds.
    """
    model = None
    if spec.suggestion in HEURISTICS:
        observation = "log"
    else:
        from recogym_eco.agents.lore import load_lore, read_sidecar

        path = str(shipped_model("lore_default")) if spec.suggestion == "LoRe" else spec.suggestion
        if not Path(path).is_file():
            raise FileNotFoundError(f"no saved model at {path}: train one with `recogym-eco train` "
                                    f"(or pass the path of a saved SB3 model)")
        observation = read_sidecar(path)["env_kwargs"].get("observation", "paper")
        if path not in models:
            models[path] = load_lore(path)
        model = models[path]
        model.set_random_seed(seed)
    env = gym.make(ENV_ID, **{**kwargs, "observation": observation})
    if spec.ranker is not None:
        from recogym_eco.agents.rankers import WithRanker

        env = WithRanker(env, RANKERS.create(spec.ranker))
    if spec.reweight:
        from recogym_eco.agents.reward_lever import WithReweight

        env = WithReweight(env)
    if model is None:
        return env, HEURISTICS[spec.suggestion](env, seed=seed)
    from recogym_eco.agents.lore import LoRePolicyPredictor

    return env, LoRePolicyPredictor(model)


def run_episode(env: gym.Env, policy: Any, seed: int) -> list[dict[str, float]]:
    """Plays one episode; returns one row of metrics per round."""
    obs, _ = env.reset(seed=seed)
    rows = []
    while True:
        action, _ = policy.predict(obs, deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        row = {m: float(np.mean(info[m])) for m in METRICS}
        row["round"] = info["round"]
        rows.append(row)
        if terminated or truncated:
            return rows


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the two-sided 95% Student-t confidence interval."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean()), float(half)


def summarise(runs: dict[str, dict[int, list[dict]]], references: list[str] | str | None) -> str:
    """Markdown table of per-seed episode statistics (mean ± 95% CI) and paired differences to each
    of ``references``."""
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
        cells = [f"{m:.2f} ± {h:.2f}" for m, h in (mean_ci(per_seed(policy, f)) for f in stats_fns.values())]
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
            excludes = "yes" if abs(d_clicks[0]) > d_clicks[1] else "no"
            lines.append(f"| {policy} | {d_clicks[0]:+.1f} ± {d_clicks[1]:.1f} | {d_left[0]:+.2f} ± {d_left[1]:.2f} "
                         f"| {excludes} |")
    return "\n".join(lines)


def plot(runs: dict[str, dict[int, list[dict]]], out: Path, title: str) -> list[Path]:
    """PNG plots: clicks per round, creators on the platform over time, genres per creator."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def curve(policy: str, metric: str) -> np.ndarray:
        rows = list(runs[policy].values())
        length = min(len(r) for r in rows)
        return np.array([[x[metric] for x in r[:length]] for r in rows])

    colours = plt.get_cmap("tab20")(np.linspace(0, 1, 20))[::2].tolist() + plt.get_cmap("tab20")(
        np.linspace(0, 1, 20))[1::2].tolist()
    window = 10
    paths = []
    for metric, ylabel, name in (("clicks", "clicks per round", "clicks_per_round.png"),
                                 ("present_creators", "creators on the platform", "active_creators.png")):
        fig, ax = plt.subplots(figsize=(9, 5))
        for index, policy in enumerate(runs):
            data = curve(policy, metric)
            if metric == "clicks":
                kernel = np.ones(window) / window
                data = np.array([np.convolve(row, kernel, mode="valid") for row in data])
            mean, sem = data.mean(axis=0), data.std(axis=0) / np.sqrt(max(len(data), 1))
            x = np.arange(1, len(mean) + 1) + (window - 1 if metric == "clicks" else 0)
            style = "-" if "LoRe" in policy else "--"
            ax.plot(x, mean, style, label=policy, lw=1.6, color=colours[index % len(colours)])
            ax.fill_between(x, mean - sem, mean + sem, alpha=0.15, color=colours[index % len(colours)])
        ax.set_xlabel("round")
        smoothing = f", {window}-round moving average" if metric == "clicks" else ""
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title}: {ylabel}\n(mean ± s.e. over {len(next(iter(runs.values())))} seeds{smoothing})")
        ax.legend(fontsize=8, ncol=2)
        fig.tight_layout()
        fig.savefig(out / name, dpi=120)
        plt.close(fig)
        paths.append(out / name)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    names = list(runs)
    values = [curve(p, "genres_per_creator")[:, -1] for p in names]
    ax.boxplot(values, tick_labels=names)
    ax.set_ylabel("distinct genres per creator at the end (mean over creators)")
    ax.set_title(f"{title}: genres per creator")
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "genres_per_creator.png", dpi=120)
    plt.close(fig)
    return paths + [out / "genres_per_creator.png"]


def evaluate(policies: list[str], kwargs: dict[str, Any], seeds: list[int], out: Path,
             reference: list[str] | str | None = "NoSignal", title: str = "CreatorSuggestion-v0") -> str:
    """Runs every policy on every seed, writes the outputs and returns the Markdown summary."""
    specs = [PolicySpec.parse(p) for p in policies]
    out.mkdir(parents=True, exist_ok=True)
    models: dict[str, Any] = {}
    runs: dict[str, dict[int, list[dict]]] = {s.name: {} for s in specs}
    with tqdm(total=len(specs) * len(seeds), desc="evaluating", unit="episode") as bar:
        for spec in specs:
            for seed in seeds:
                env, policy = build(spec, kwargs, seed, models)
                runs[spec.name][seed] = run_episode(env, policy, seed)
                bar.set_postfix(policy=spec.name, seed=str(seed))
                bar.update()
    with open(out / "rounds.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["policy", "seed", "round", *METRICS])
        writer.writeheader()
        for policy, by_seed in runs.items():
            for seed, rows in by_seed.items():
                writer.writerows({"policy": policy, "seed": seed, **r} for r in rows)
    summary = summarise(runs, reference)
    (out / "summary.md").write_text(f"# {title}\n\nenv kwargs: `{kwargs}`; seeds {seeds[0]}..{seeds[-1]}\n\n{summary}\n")
    plot(runs, out, title)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", nargs="+",
                        default=["NoSignal", "Random", "MostClick", "MostHistoryClick"], help="policy specs")
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS))
    parser.add_argument("--env-kwargs", default=None, help="JSON object of env keyword overrides")
    parser.add_argument("--seeds", type=int, default=5, help="number of evaluation seeds")
    parser.add_argument("--seed-start", type=int, default=10_000)
    parser.add_argument("--reference", nargs="+", default=["NoSignal", "LoRe"],
                        help="policies that paired differences are taken to (those evaluated)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/eval_<preset>)")
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="import a module or .py file first (it may register rankers, creator models, "
                             "recommenders); repeatable")
    args = parser.parse_args(argv)
    for plugin in args.plugin:
        load_plugin(plugin)
    kwargs = env_kwargs(args.preset, args.env_kwargs)
    out = args.out or Path("results") / f"eval_{args.preset}"
    start = time.perf_counter()
    summary = evaluate(args.policies, kwargs, list(range(args.seed_start, args.seed_start + args.seeds)), out,
                       args.reference, title=f"CreatorSuggestion-v0 [{args.preset}]")
    print(summary)
    print(f"\nwrote {out}/rounds.csv, summary.md and plots in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
