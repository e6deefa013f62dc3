"""The LoRe paper's findings (seed 001, Section 5), checked on CreatorSuggestion-v1 on held-out seeds.

Every comparison is paired (same seeds, so the same populations) with a two-sided 95% Student-t
interval of the per-seed differences; a finding "holds" when the interval excludes zero in the
paper's direction. ``X`` is the policy under test: the LoRe model given with ``--lore PATH`` (a saved
model with its sidecar JSON), played as it was trained (with the re-ranker its sidecar names:
``LoRe+PMMF`` for the shipped v1 models; the same re-ranker's heuristics, ``DemandAware+PMMF`` and
``MostHistoryClick+PMMF``, then join the baselines), otherwise the strongest policy available without
training, the demand-aware heuristic (``DemandAware``), and every table says which.

1. ``main`` (Fig. 2, Table 2): X vs every baseline (NoSignal, Random, MostClick, MostHistoryClick,
   Reweight, P-MMF, FairRec; DemandAware too when X is LoRe): cumulative clicks, share of the
   per-seed click upper bound (``recogym_eco.worlds.click_bound``), content diversity, active
   creators, creators left; Reweight vs NoSignal.
2. ``rerank`` (Table 3): S+P-MMF and S+FairRec vs S, S = X's suggestion policy alone (CreAgent's
   settings: 10 warm-up rounds).
3. ``trust`` (Fig. 4b): trust mean 0.4 / 0.6 / 0.8 with std ``--trust-std`` (0.2: with the paper's
   1.0 the truncated means are all ~0.5 and the sweep does not move trust); the truncated means
   (closed form and measured); X's gain over NoSignal and over Reweight at each mean.
4. ``creators`` (Fig. 5): each creator model (feedback, cfd, simuline, random_history,
   most_clicked_history): X vs NoSignal, Reweight, FairRec.
5. ``headroom``: how much the suggestion lever can move clicks at all: two *privileged* suggestion
   policies that read the world's hidden state (not deployable; diagnostics only): ``OracleSkill``
   suggests each creator its most skilled genre among those it has made, ``OracleDemand`` the genre
   maximising true skill x true demand per item supplied last round; vs NoSignal, with the MF and the
   oracle recommender.

    python -m recogym_eco.train.creator_suggestion_v1_findings --seeds 20 --out results/v1_findings
    python -m recogym_eco.train.creator_suggestion_v1_findings --experiments main rerank \
        --env-kwargs '{"preference_skew": 2.5}' --out results/v1_findings_skewed

Outputs in ``--out``: ``runs.csv`` (one row per episode), ``findings.md`` (tables and verdicts),
``main.png``, ``trust.png``, ``creators.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
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
from recogym_eco.agents.heuristics import HEURISTICS
from recogym_eco.agents.rankers import RANKERS, WithRanker
from recogym_eco.agents.reward_lever import WithReweight
from recogym_eco.train.evaluation import mean_ci
from recogym_eco.worlds.click_bound import click_upper_bound

ENV_ID = "recogym_eco/CreatorSuggestion-v1"
EXPERIMENTS = ("main", "rerank", "trust", "creators", "headroom")
BASELINES = ("NoSignal", "Random", "MostClick", "MostHistoryClick", "Reweight", "PMMF", "FairRec")
RANKER_OF = {"PMMF": "PMMF_CreAgent", "FairRec": "FairRec_CreAgent"}
TRUST_MEANS = (0.4, 0.6, 0.8)
CREATOR_MODELS = ("feedback", "cfd", "simuline", "random_history", "most_clicked_history")
METRICS = ("clicks", "bound_share", "content_diversity", "active_creators", "present_end", "trust_start",
           "trust_end")


@dataclass(frozen=True)
class Spec:
    """A policy: ``suggestion`` (a heuristic name, ``DemandAware`` or ``LoRe``) with an optional
    ranker (``PMMF``/``FairRec``, CreAgent's settings) and/or the Reweight reward lever."""

    suggestion: str
    ranker: str | None = None
    reweight: bool = False

    @classmethod
    def parse(cls, name: str) -> Spec:
        """``Reweight``, ``PMMF``, ``FairRec`` alone run with NoSignal; ``X+PMMF`` combines."""
        parts = name.split("+")
        ranker = next((p for p in parts if p in RANKER_OF), None)
        rest = [p for p in parts if p not in RANKER_OF and p != "Reweight"]
        return cls(rest[0] if rest else "NoSignal", ranker, "Reweight" in parts)


class OracleSkill:
    """Privileged diagnostic: suggests each creator its highest true-skill genre among those it has made."""

    def __init__(self, env: gym.Env) -> None:
        self.world = env.unwrapped.world

    def predict(self, observation: Any, deterministic: bool = True) -> tuple[np.ndarray, None]:
        w = self.world
        return np.argmax(np.where(w.made > 0, w.skill, -1.0), axis=1) + 1, None


class OracleDemand(OracleSkill):
    """Privileged diagnostic: argmax_g true skill[c, g] x expected demand_g / (items of g last round + 1),
    demand_g = sum_u p_u theta[u, g]."""

    def predict(self, observation: Any, deterministic: bool = True) -> tuple[np.ndarray, None]:
        w = self.world
        demand = (w.preferences * w.user_activity[:, None]).sum(axis=0)
        supply = np.bincount(w.last_genre[w.last_genre >= 0], minlength=demand.size) + 1.0
        return np.argmax(w.skill * (demand / supply)[None, :], axis=1) + 1, None


PRIVILEGED = {"OracleSkill": OracleSkill, "OracleDemand": OracleDemand}


def build(spec: Spec, kwargs: dict[str, Any], seed: int, lore: Any) -> tuple[gym.Env, Any]:
    """The env with the spec's levers installed and the suggestion policy bound to it."""
    observation = lore["observation"] if spec.suggestion == "LoRe" else "log"
    env = gym.make(ENV_ID, **{**kwargs, "observation": observation})
    if spec.ranker is not None:
        env = WithRanker(env, RANKERS.create(RANKER_OF[spec.ranker]))
    if spec.reweight:
        env = WithReweight(env)
    if spec.suggestion == "LoRe":
        lore["model"].set_random_seed(seed)
        return env, lore["predictor"]
    if spec.suggestion == "DemandAware":
        return env, DemandAware(env)
    if spec.suggestion in PRIVILEGED:
        return env, PRIVILEGED[spec.suggestion](env)
    return env, HEURISTICS[spec.suggestion](env, seed=seed)


def run_episode(spec: Spec, kwargs: dict[str, Any], seed: int, lore: Any) -> dict[str, float]:
    """One episode: cumulative clicks, its share of the click upper bound, mean diversity and active
    creators per round, creators left at the end, mean trust at the start and at the end."""
    env, policy = build(spec, kwargs, seed, lore)
    obs, _ = env.reset(seed=seed)
    world = env.unwrapped.world
    bound, trust_start = click_upper_bound(world), float(world.trust.mean())
    clicks, diversity, active = 0.0, [], []
    while True:
        action, _ = policy.predict(obs, deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        clicks += info["clicks"]
        diversity.append(info["content_diversity"])
        active.append(info["active_creators"])
        if terminated or truncated:
            break
    return {"clicks": clicks, "bound_share": clicks / bound, "content_diversity": float(np.mean(diversity)),
            "active_creators": float(np.mean(active)), "present_end": float(info["present_creators"]),
            "trust_start": trust_start, "trust_end": float(world.trust.mean())}


def verdict(diff: tuple[float, float], direction: int = 1) -> str:
    """``holds`` when the paired interval excludes 0 in ``direction`` (+1: greater), ``reversed`` when it
    excludes 0 the other way, ``no difference`` otherwise (``n/a`` without an interval)."""
    mean, half = diff
    if math.isnan(half):
        return "n/a"
    if direction * mean - half > 0:
        return "holds"
    if direction * mean + half < 0:
        return "reversed"
    return "no difference"


def truncated_mean(mean: float, std: float) -> float:
    """Mean of N(mean, std^2) truncated to [0, 1]: mean + std (phi(a) - phi(b)) / (Phi(b) - Phi(a))."""
    if std == 0:
        return mean
    a, b = (0 - mean) / std, (1 - mean) / std
    return float(mean + std * (stats.norm.pdf(a) - stats.norm.pdf(b)) / (stats.norm.cdf(b) - stats.norm.cdf(a)))


class Runner:
    """Runs and caches episodes: key (setting, policy) -> list of per-seed metric dicts."""

    def __init__(self, seeds: list[int], lore: Any, bar: tqdm, trust_std: float = 0.2) -> None:
        self.seeds, self.lore, self.bar, self.trust_std = seeds, lore, bar, trust_std
        self.results: dict[tuple[str, str], list[dict[str, float]]] = {}
        self.rows: list[dict[str, Any]] = []

    def get(self, setting: str, kwargs: dict[str, Any], policy: str) -> list[dict[str, float]]:
        """Per-seed metrics of ``policy`` in ``setting`` (env ``kwargs``), run once and cached."""
        key = (setting, policy)
        if key not in self.results:
            spec = Spec.parse(policy)
            out = []
            for seed in self.seeds:
                self.bar.set_postfix_str(f"{setting}: {policy}")
                metrics = run_episode(spec, kwargs, seed, self.lore)
                out.append(metrics)
                self.rows.append({"setting": setting, "policy": policy, "seed": seed, **metrics})
                self.bar.update()
            self.results[key] = out
        return self.results[key]

    def values(self, setting: str, kwargs: dict[str, Any], policy: str, metric: str) -> np.ndarray:
        """One metric over the seeds, in seed order (so two policies' arrays pair up)."""
        return np.array([r[metric] for r in self.get(setting, kwargs, policy)])


def _pm(pair: tuple[float, float], digits: int = 1, sign: bool = False) -> str:
    mean, half = pair
    m = f"{mean:+.{digits}f}" if sign else f"{mean:.{digits}f}"
    return f"{m} ± {'n/a' if math.isnan(half) else f'{half:.{digits}f}'}"


def _diff(run: Runner, setting: str, kwargs: dict, a: str, b: str, metric: str = "clicks") -> tuple[float, float]:
    return mean_ci(run.values(setting, kwargs, a, metric) - run.values(setting, kwargs, b, metric))


def main_tables(run: Runner, kwargs: dict, x: str, baselines: list[str]) -> tuple[list[str], list[tuple]]:
    """Fig. 2 / Table 2: the metric table, X vs every baseline, Reweight vs NoSignal."""
    lines = ["## Fig. 2 and Table 2: X vs every baseline (default v1 world)", "",
             "| policy | cumulative clicks | share of upper bound | content diversity | active creators | "
             "creators left |", "|---|---|---|---|---|---|"]
    for policy in [x, *baselines]:
        cells = [_pm(mean_ci(run.values("default", kwargs, policy, m)), d) for m, d in
                 (("clicks", 0), ("bound_share", 3), ("content_diversity", 3), ("active_creators", 2),
                  ("present_end", 1))]
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    lines += ["", f"Paired differences X = {x} minus baseline (mean ± 95% CI over seeds):", "",
              "| baseline | Δ clicks | verdict X > baseline | Δ diversity | verdict | Δ active creators | verdict |",
              "|---|---|---|---|---|---|---|"]
    verdicts = []
    for base in baselines:
        cells = []
        for metric in ("clicks", "content_diversity", "active_creators"):
            d = _diff(run, "default", kwargs, x, base, metric)
            v = verdict(d)
            cells += [_pm(d, 3 if metric == "content_diversity" else 1, sign=True), v]
            verdicts.append((f"{x} > {base} ({metric})", d, v))
        lines.append(f"| {base} | " + " | ".join(cells) + " |")
    d = _diff(run, "default", kwargs, "Reweight", "NoSignal")
    same = np.array_equal(run.values("default", kwargs, "Reweight", "clicks"),
                          run.values("default", kwargs, "NoSignal", "clicks"))
    lines += ["", f"Reweight − NoSignal: Δ clicks {_pm(d, sign=True)} → **{verdict(d)}** "
              f"(identical runs on every seed: {'yes' if same else 'no'})"]
    verdicts.append(("Reweight > NoSignal (clicks)", d, verdict(d)))
    return lines, verdicts


def rerank_table(run: Runner, kwargs: dict, x: str) -> tuple[list[str], list[tuple]]:
    """Table 3: S + P-MMF and S + FairRec vs S, S = X's suggestion policy alone (X itself, or the LoRe
    model without the re-ranker it was trained with)."""
    base = x.split("+")[0]
    lines = [f"## Table 3: re-rankers on top of {base} (CreAgent settings, 10 warm-up rounds)", "",
             f"| policy | cumulative clicks | Δ clicks vs {base} | verdict (paper: adds to {base}) |",
             "|---|---|---|---|"]
    verdicts = []
    for ranker in ("PMMF", "FairRec"):
        policy = f"{base}+{ranker}"
        d = _diff(run, "default", kwargs, policy, base)
        lines.append(f"| {policy} | {_pm(mean_ci(run.values('default', kwargs, policy, 'clicks')), 0)} | "
                     f"{_pm(d, sign=True)} | {verdict(d)} |")
        verdicts.append((f"{policy} > {base}", d, verdict(d)))
    return lines, verdicts


def trust_table(run: Runner, kwargs: dict, x: str, std: float) -> tuple[list[str], list[tuple], dict]:
    """Fig. 4b: X's gain over NoSignal and Reweight as trust falls."""
    lines = [f"## Fig. 4b: trust sweep (trust ~ N(μ, {std}²) truncated to [0, 1], relative trust dynamics)", "",
             "| μ | truncated mean (closed form) | measured start | measured end under X | X − NoSignal | "
             "X − Reweight | verdict X > Reweight |", "|---|---|---|---|---|---|---|"]
    verdicts, gains = [], {}
    for mu in TRUST_MEANS:
        setting, kw = f"trust-{mu}", {**kwargs, "trust_mean": mu, "trust_std": std}
        d_none = _diff(run, setting, kw, x, "NoSignal")
        d_rw = _diff(run, setting, kw, x, "Reweight")
        gains[mu] = run.values(setting, kw, x, "clicks") - run.values(setting, kw, "NoSignal", "clicks")
        start = mean_ci(run.values(setting, kw, x, "trust_start"))
        end = mean_ci(run.values(setting, kw, x, "trust_end"))
        lines.append(f"| {mu} | {truncated_mean(mu, std):.3f} | {_pm(start, 3)} | {_pm(end, 3)} | "
                     f"{_pm(d_none, sign=True)} | {_pm(d_rw, sign=True)} | {verdict(d_rw)} |")
        verdicts.append((f"{x} > Reweight at trust mean {mu}", d_rw, verdict(d_rw)))
    d = mean_ci(gains[TRUST_MEANS[-1]] - gains[TRUST_MEANS[0]])
    lines += ["", f"Gain over NoSignal at μ = {TRUST_MEANS[-1]} minus at μ = {TRUST_MEANS[0]}: {_pm(d, sign=True)} "
              f"→ **{verdict(d)}** (paper: the gain falls slightly as trust falls)"]
    verdicts.append(("X's gain falls as trust falls", d, verdict(d)))
    return lines, verdicts, gains


def creator_table(run: Runner, kwargs: dict, x: str) -> tuple[list[str], list[tuple]]:
    """Fig. 5: X vs NoSignal, Reweight and FairRec under every creator model."""
    others = ("NoSignal", "Reweight", "FairRec")
    lines = ["## Fig. 5: creator-model sweep", "", "| creator model | " + " | ".join(
        f"{p} clicks" for p in (x, *others)) + " | " + " | ".join(f"X − {p}" for p in others) + " | X best? |",
             "|---|" + "---|" * (2 * len(others) + 2)]
    verdicts = []
    for model in CREATOR_MODELS:
        setting, kw = f"creator-{model}", {**kwargs, "creator_fallback": model}
        clicks = [_pm(mean_ci(run.values(setting, kw, p, "clicks")), 0) for p in (x, *others)]
        diffs = [_diff(run, setting, kw, x, p) for p in others]
        vs = [verdict(d) for d in diffs]
        best = "yes" if all(v == "holds" for v in vs) else "no"
        lines.append(f"| {model} | " + " | ".join(clicks) + " | " + " | ".join(
            f"{_pm(d, sign=True)} ({v})" for d, v in zip(diffs, vs)) + f" | {best} |")
        verdicts += [(f"{x} > {p} with {model} creators", d, v) for p, d, v in zip(others, diffs, vs)]
    return lines, verdicts


def headroom_table(run: Runner, kwargs: dict, x: str) -> tuple[list[str], list[tuple]]:
    """Privileged suggestion policies vs NoSignal, under the MF and the oracle recommender."""
    lines = ["## Headroom of the suggestion lever (privileged diagnostics, not deployable)", "",
             "| recommender | NoSignal clicks | policy | clicks | Δ vs NoSignal | verdict |",
             "|---|---|---|---|---|---|"]
    verdicts = []
    for rec in ("mf", "oracle"):
        setting, kw = f"recommender-{rec}", {**kwargs, "recommender": rec}
        base = _pm(mean_ci(run.values(setting, kw, "NoSignal", "clicks")), 0)
        for policy in (x, "OracleSkill", "OracleDemand"):
            d = _diff(run, setting, kw, policy, "NoSignal")
            lines.append(f"| {rec} | {base} | {policy} | {_pm(mean_ci(run.values(setting, kw, policy, 'clicks')), 0)} "
                         f"| {_pm(d, sign=True)} | {verdict(d)} |")
            verdicts.append((f"{policy} > NoSignal with the {rec} recommender", d, verdict(d)))
    return lines, verdicts


def plots(run: Runner, kwargs: dict, x: str, baselines: list[str], out: Path, experiments: list[str]) -> None:
    """``main.png`` (share of the upper bound per policy), ``trust.png``, ``creators.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "main" in experiments:
        names = [x, *baselines]
        means = [mean_ci(run.values("default", kwargs, p, "bound_share")) for p in names]
        fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
        ax.bar(range(len(names)), [m for m, _ in means], yerr=[h for _, h in means], capsize=3, color="tab:blue")
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_ylabel("cumulative clicks / upper bound")
        ax.set_title(f"CreatorSuggestion-v1: share of the click upper bound ({len(run.seeds)} seeds, 95% CI)")
        fig.savefig(out / "main.png", dpi=120)
        plt.close(fig)
    if "trust" in experiments:
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        for policy, marker in ((x, "o"), ("Reweight", "s"), ("NoSignal", "^")):
            kw = [{**kwargs, "trust_mean": mu, "trust_std": run.trust_std} for mu in TRUST_MEANS]
            vals = [mean_ci(run.values(f"trust-{mu}", k, policy, "clicks")) for mu, k in zip(TRUST_MEANS, kw)]
            ax.errorbar(TRUST_MEANS, [v for v, _ in vals], yerr=[h for _, h in vals], marker=marker, capsize=3,
                        label=policy)
        ax.set_xlabel("trust mean μ")
        ax.set_ylabel("cumulative clicks")
        ax.legend()
        ax.set_title("trust sweep")
        fig.savefig(out / "trust.png", dpi=120)
        plt.close(fig)
    if "creators" in experiments:
        fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
        policies = (x, "NoSignal", "Reweight", "FairRec")
        width = 0.8 / len(policies)
        for j, policy in enumerate(policies):
            vals = [mean_ci(run.values(f"creator-{m}", {**kwargs, "creator_fallback": m}, policy, "clicks"))
                    for m in CREATOR_MODELS]
            ax.bar(np.arange(len(CREATOR_MODELS)) + j * width, [v for v, _ in vals], width,
                   yerr=[h for _, h in vals], capsize=2, label=policy)
        ax.set_xticks(np.arange(len(CREATOR_MODELS)) + 0.4 - width / 2, CREATOR_MODELS)
        ax.set_ylabel("cumulative clicks")
        ax.legend(fontsize=8)
        ax.set_title("creator-model sweep")
        fig.savefig(out / "creators.png", dpi=120)
        plt.close(fig)


def load_lore_model(path: Path | None) -> dict[str, Any] | None:
    """The LoRe model of ``path`` with its predictor, observation option and the re-ranker it was trained
    with (``"PMMF"``/``"FairRec"`` from the sidecar's ``"ranker"``, else None), or None."""
    if path is None:
        return None
    from recogym_eco.agents.lore import LoRePolicyPredictor, load_lore, read_sidecar

    sidecar = read_sidecar(path)
    if sidecar.get("env_id") != ENV_ID:
        raise ValueError(f"{path} was trained on {sidecar.get('env_id')!r}, not {ENV_ID}")
    trained_with = sidecar.get("ranker")
    ranker = next((name for name, full in RANKER_OF.items() if full == trained_with), None)
    if trained_with is not None and ranker is None:
        raise ValueError(f"{path} was trained with the ranker {trained_with!r}; the findings play "
                         f"{sorted(RANKER_OF.values())} only")
    model = load_lore(path)
    return {"model": model, "predictor": LoRePolicyPredictor(model), "ranker": ranker,
            "observation": sidecar.get("env_kwargs", {}).get("observation", "paper")}


def run_findings(seeds: list[int], out: Path, lore_path: Path | None = None, experiments: list[str] | None = None,
                 trust_std: float = 0.2, env_overrides: dict[str, Any] | None = None) -> str:
    """Runs the chosen experiments, writes ``runs.csv``, ``findings.md`` and the plots; returns the Markdown."""
    experiments = list(experiments or EXPERIMENTS)
    lore = load_lore_model(lore_path)
    x = "DemandAware" if lore is None else "LoRe" if lore["ranker"] is None else f"LoRe+{lore['ranker']}"
    baselines = list(BASELINES) + (["DemandAware"] if lore is not None else [])
    if "+" in x:
        baselines += [f"DemandAware+{lore['ranker']}", f"MostHistoryClick+{lore['ranker']}"]
    kwargs = dict(env_overrides or {})
    per_seed = {"main": len(baselines) + 1, "rerank": 2, "trust": 3 * len(TRUST_MEANS),
                "creators": 4 * len(CREATOR_MODELS), "headroom": 8}
    total = sum(per_seed[e] for e in experiments) * len(seeds)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    sections, verdicts = [], []
    with tqdm(total=total, desc="v1 findings", unit="episode") as bar:
        run = Runner(seeds, lore, bar, trust_std)
        if "main" in experiments:
            lines, v = main_tables(run, kwargs, x, baselines)
            sections.append(lines), verdicts.extend(v)
        if "rerank" in experiments:
            lines, v = rerank_table(run, kwargs, x)
            sections.append(lines), verdicts.extend(v)
        if "trust" in experiments:
            lines, v, _ = trust_table(run, kwargs, x, trust_std)
            sections.append(lines), verdicts.extend(v)
        if "creators" in experiments:
            lines, v = creator_table(run, kwargs, x)
            sections.append(lines), verdicts.extend(v)
        if "headroom" in experiments:
            lines, v = headroom_table(run, kwargs, x)
            sections.append(lines), verdicts.extend(v)
    with open(out / "runs.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["setting", "policy", "seed", *METRICS])
        writer.writeheader()
        writer.writerows(run.rows)
    plots(run, kwargs, x, baselines, out, experiments)
    stand_in = "" if lore is not None else (
        "**X = DemandAware**: no LoRe model was given (`--lore PATH`), so the demand-aware suggestion heuristic "
        "(`recogym_eco.agents.demand_aware`, the suggestion policy built to be hard to beat without training) "
        "stands in for LoRe in every table; whether it is the strongest policy is what the tables show.\n\n")
    summary = ["# CreatorSuggestion-v1: the paper's findings", "",
               f"env `{ENV_ID}` with overrides `{kwargs}`; held-out seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); "
               f"X = {x}{'' if lore is None else f' ({lore_path})'}; {time.perf_counter() - start:.0f} s", "",
               stand_in, "## Verdicts", "", "| finding | paired Δ (mean ± 95% CI) | verdict |", "|---|---|---|"]
    summary += [f"| {name} | {_pm(d, 3 if 'diversity' in name else 1, sign=True)} | {v} |" for name, d, v in verdicts]
    text = "\n".join(summary + [""] + ["\n".join(s) + "\n" for s in sections])
    (out / "findings.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20, help="number of held-out seeds (>= 2 for intervals)")
    parser.add_argument("--seed-start", type=int, default=10_000)
    parser.add_argument("--lore", type=Path, default=None, help="saved LoRe model (.zip with sidecar .json)")
    parser.add_argument("--experiments", nargs="+", choices=EXPERIMENTS, default=list(EXPERIMENTS))
    parser.add_argument("--trust-std", type=float, default=0.2)
    parser.add_argument("--env-kwargs", type=json.loads, default=None,
                        help='JSON object of env overrides, e.g. \'{"preference_skew": 2.5}\' (skewed users)')
    parser.add_argument("--out", type=Path, default=Path("results") / "v1_findings")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be >= 1")
    if not args.trust_std >= 0:
        parser.error("--trust-std must be >= 0")
    if args.lore is not None and not args.lore.is_file():
        parser.error(f"--lore: no file {args.lore}")
    if args.env_kwargs is not None and not isinstance(args.env_kwargs, dict):
        parser.error("--env-kwargs must be a JSON object")
    try:
        gym.make(ENV_ID, **(args.env_kwargs or {})).close()
    except (TypeError, ValueError) as e:
        parser.error(f"--env-kwargs: {e}")
    text = run_findings(list(range(args.seed_start, args.seed_start + args.seeds)), args.out, args.lore,
                        args.experiments, args.trust_std, args.env_kwargs)
    print(text)


if __name__ == "__main__":
    main()
