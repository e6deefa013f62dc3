"""Evaluate platform policies on CreatorSuggestion-v0 over seeds: CSV, Markdown table and plots.

A policy is named by a spec: a suggestion policy (``NoSignal``, ``Random``, ``MostClick``,
``MostHistoryClick``, ``LoRe`` = the shipped model of ``--preset``, a shipped model's name such as
``lore_default_paper_state``, or a path to a saved model ``.zip``), optionally joined with ``+`` to a
ranker (``PMMF``, ``FairRec``, or one a ``--plugin`` registers) and/or the reward lever
(``Reweight``). A lever named alone runs with NoSignal suggestions: ``PMMF`` = ``NoSignal+PMMF``.
``label=spec`` names a spec in the tables (``LoRe-skewed=results/lore/skewed_s0/model.zip+PMMF``).
Unless ``--env-kwargs`` sets the env's ``observation`` option, each policy gets the observation it
reads (the world is the same): a LoRe model its sidecar's, MostClick and MostHistoryClick ``"log"``.

    python -m recogym_eco.train.evaluate --preset default --seeds 10 \\
        --policies NoSignal MostClick MostHistoryClick Reweight PMMF FairRec LoRe LoRe+PMMF LoRe+FairRec

Outputs in ``--out``: ``rounds.csv`` (per-round metrics of every run), ``summary.md`` (mean and 95%
confidence interval over seeds, and paired differences to ``--reference``; with one seed no interval
exists and the table says ``n/a``), ``clicks_per_round.png``, ``active_creators.png`` (creators who
made content in the round), ``present_creators.png`` (creators still on the platform),
``genres_per_creator.png``. Evaluation seeds start at ``--seed-start`` (10 000 by default), away from
the seeds ``train/train_lore.py`` trains on.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from scipy import stats
from tqdm import tqdm

import recogym_eco  # noqa: F401
from recogym_eco.agents.demand_aware import DemandAware
from recogym_eco.agents.heuristics import HEURISTICS as BASE_HEURISTICS
from recogym_eco.agents.rankers import RANKERS
from recogym_eco.agents.shipped import shipped_model, shipped_models
from recogym_eco.plugins import load_plugin
from recogym_eco.train.plotting import coincident_labels, legend_outside, series_style
from recogym_eco.train.presets import (
    PRESETS,
    env_kwargs,
    json_object_arg,
    positive_int_arg,
    shipped_lore_name,
)


#: The suggestion heuristics a policy spec can name (DemandAware needs CreatorSuggestion-v1's count logs).
HEURISTICS = {**BASE_HEURISTICS, "DemandAware": DemandAware}
ENV_ID = "recogym_eco/CreatorSuggestion-v0"
ENV_IDS = ("recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1")
METRICS = ("clicks", "content_diversity", "active_creators", "present_creators", "genres_per_creator",
           "follow_rate", "exposure_gini")
ONE_SEED_NOTE = ("note: with one seed no confidence interval is possible; the ± columns say n/a "
                 "(use 2 or more seeds)")
#: (metric, y label, file) of the per-round curve plots.
CURVES = (
    ("clicks", "clicks per round", "clicks_per_round.png"),
    ("active_creators", "active creators (made content this round)", "active_creators.png"),
    ("present_creators", "creators on the platform", "present_creators.png"),
)


def _names_hint() -> str:
    return (f"suggestion policies {sorted(HEURISTICS)}, LoRe (the preset's shipped model), a shipped model "
            f"{shipped_models()} or a path to a saved model (.zip); rankers {list(RANKERS.names())} "
            f"(register more with --plugin); reward lever Reweight")


@dataclass
class PolicySpec:
    """A parsed policy spec: which suggestion policy, ranker and reward lever to combine."""

    name: str
    suggestion: str
    ranker: str | None
    reweight: bool

    @classmethod
    def parse(cls, spec: str) -> PolicySpec:
        """``[label=]part[+part...]``; ``ValueError`` naming the unknown part and every known name."""
        name, _, body = spec.rpartition("=") if "=" in spec else (spec, "", spec)
        parts = body.split("+")
        suggestions = set(HEURISTICS) | {"LoRe"} | set(shipped_models())
        for part in parts:
            if part not in RANKERS and part != "Reweight" and part not in suggestions and not part.endswith(".zip"):
                raise ValueError(f"unknown suggestion policy or ranker {part!r} in policy spec {spec!r}; known: "
                                 f"{_names_hint()}")
        rankers = [p for p in parts if p in RANKERS]
        reweight = "Reweight" in parts
        rest = [p for p in parts if p not in RANKERS and p != "Reweight"]
        if len(rankers) > 1:
            raise ValueError(f"policy spec {spec!r} must combine at most one ranker; got {rankers}")
        if len(rest) > 1:
            raise ValueError(f"policy spec {spec!r} must combine at most one suggestion policy; got {rest}")
        return cls(name, rest[0] if rest else "NoSignal", rankers[0] if rankers else None, reweight)


def model_path(suggestion: str, preset: str = "default") -> Path | None:
    """The saved model a suggestion plays: None for a heuristic; ``LoRe``: the shipped model of
    ``preset`` (``ValueError`` saying how to pass one if the preset has none); a shipped model's name;
    else the path itself (``FileNotFoundError`` if missing)."""
    if suggestion in HEURISTICS:
        return None
    if suggestion == "LoRe":
        name = shipped_lore_name(preset)
        if name is None:
            have = [p for p in sorted(PRESETS) if shipped_lore_name(p)]
            raise ValueError(f"preset {preset!r} has no shipped LoRe model (presets with one: {have}; shipped "
                             f"models: {shipped_models()}); train one with `recogym-eco train --preset {preset} "
                             f"--out DIR` and pass it as `--policies LoRe=DIR/model.zip`, or name a shipped model")
        return shipped_model(name)
    if suggestion in shipped_models():
        return shipped_model(suggestion)
    path = Path(suggestion)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}: train one with `recogym-eco train` "
                                f"(or pass the path of a saved LoRe model .zip with its sidecar .json)")
    return path


def _model_observation(path: Path) -> str | None:
    """The observation option a saved model was trained with (from its sidecar), if it says."""
    from recogym_eco.agents.lore import read_sidecar

    try:
        return read_sidecar(path).get("env_kwargs", {}).get("observation")
    except FileNotFoundError:
        return None


def build(spec: PolicySpec, kwargs: dict[str, Any], seed: int, models: dict[str, Any],
          preset: str = "default", env_id: str = ENV_ID) -> tuple[gym.Env, Any]:
    """The env with the spec's levers installed, and the suggestion policy bound to it."""
    path = model_path(spec.suggestion, preset)
    if "observation" not in kwargs:
        if path is not None:
            observation = _model_observation(path)
        else:
            observation = "log" if getattr(HEURISTICS[spec.suggestion], "needs_log", False) else None
        kwargs = {**kwargs, **({"observation": observation} if observation else {})}
    env = gym.make(env_id, **kwargs)
    if spec.ranker is not None:
        from recogym_eco.agents.rankers import WithRanker

        env = WithRanker(env, RANKERS.create(spec.ranker))
    if spec.reweight:
        from recogym_eco.agents.reward_lever import WithReweight

        env = WithReweight(env)
    if path is None:
        return env, HEURISTICS[spec.suggestion](env, seed=seed)
    from recogym_eco.agents.lore import LoRePolicyPredictor, load_lore

    key = str(path)
    if key not in models:
        models[key] = load_lore(key)
    width = models[key].policy.num_features
    if env.observation_space.shape[-1] != width:
        raise ValueError(f"model {path} reads observations of width {width} per creator, but the env with "
                         f"kwargs {kwargs} gives {env.observation_space.shape[-1]}: evaluate it with the "
                         f"env kwargs it was trained with (its sidecar .json)")
    models[key].set_random_seed(seed)
    return env, LoRePolicyPredictor(models[key])


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


def evaluate(policies: list[str], kwargs: dict[str, Any], seeds: list[int], out: Path,
             reference: list[str] | str | None = "NoSignal", title: str = "CreatorSuggestion-v0",
             preset: str = "default", env_id: str = ENV_ID) -> str:
    """Runs every policy on every seed, writes the outputs and returns the Markdown summary. ``LoRe``
    in a spec is the shipped model of ``preset``."""
    specs = [PolicySpec.parse(p) for p in policies]
    for spec in specs:
        model_path(spec.suggestion, preset)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(seeds) == 1:
        print(ONE_SEED_NOTE, flush=True)
    out.mkdir(parents=True, exist_ok=True)
    models: dict[str, Any] = {}
    runs: dict[str, dict[int, list[dict]]] = {s.name: {} for s in specs}
    with tqdm(total=len(specs) * len(seeds), desc="evaluating", unit="episode") as bar:
        for spec in specs:
            for seed in seeds:
                env, policy = build(spec, kwargs, seed, models, preset, env_id)
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
    note = f"{ONE_SEED_NOTE}\n\n" if len(seeds) == 1 else ""
    (out / "summary.md").write_text(f"# {title}\n\nenv kwargs: `{kwargs}`; seeds {seeds[0]}..{seeds[-1]}\n\n"
                                    f"{note}{summary}\n")
    plot(runs, out, title)
    return summary


def check_env_kwargs(kwargs: dict[str, Any], env_id: str = ENV_ID) -> None:
    """Builds the env once so that a wrong keyword or value fails before any run."""
    gym.make(env_id, **kwargs).close()


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
                        help="import a module or .py file first (it may register rankers, creator models, "
                             "recommenders); repeatable")
    args = parser.parse_args(argv)
    for plugin in args.plugin:
        load_plugin(plugin)
    kwargs = env_kwargs(args.preset, args.env_kwargs)
    try:
        for spec in args.policies:
            model_path(PolicySpec.parse(spec).suggestion, args.preset)
    except (ValueError, FileNotFoundError) as e:
        parser.error(f"argument --policies: {e}")
    try:
        check_env_kwargs(kwargs, args.env_id)
    except (TypeError, ValueError) as e:
        parser.error(f"env kwargs {kwargs} (preset {args.preset!r} + --env-kwargs): {e}")
    out = args.out or Path("results") / f"eval_{args.preset}"
    start = time.perf_counter()
    summary = evaluate(args.policies, kwargs, list(range(args.seed_start, args.seed_start + args.seeds)), out,
                       args.reference, title=f"{args.env_id.split('/')[-1]} [{args.preset}]", preset=args.preset,
                       env_id=args.env_id)
    print(summary)
    print(f"\nwrote {out}/rounds.csv, summary.md and plots in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
