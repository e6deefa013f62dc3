"""LoRe on CreatorSuggestion-v1 against every baseline, on held-out seeds (issue 9, item 8).

    python -m recogym_eco.train.lore_v1_comparison --lore agents/pretrained/lore_v1_default.zip \\
        --seeds 20 --out results/lore_v1_compare/default
    python -m recogym_eco.train.lore_v1_comparison --lore agents/pretrained/lore_v1_balanced.zip \\
        --env-kwargs '{"preference_skew": 0.0}' --out results/lore_v1_compare/balanced

X is the model played as it was trained: with the re-ranker its sidecar names (``"ranker"``, e.g.
LoRe + P-MMF), else alone. The baselines are the issue's (NoSignal, Random, MostClick,
MostHistoryClick, Reweight, P-MMF, FairRec, DemandAware); when X uses a re-ranker, the suggestion
heuristics combined with the same re-ranker (DemandAware + P-MMF, MostHistoryClick + P-MMF) are added,
so that what the suggestions add is compared with what other suggestion rules add on the same ranker.
Every policy plays the same held-out seeds (10 000 + i by default; LoRe trains on seeds below 200);
the table gives the mean ± 95% Student-t interval, the share of the per-seed click upper bound
(``recogym_eco.worlds.click_bound``) and the paired difference X − baseline with its verdict
("holds" = the interval excludes 0 with X ahead). Episodes come from
:func:`recogym_eco.train.creator_suggestion_v1_findings.run_episode`.

Outputs in ``--out``: ``runs.csv`` (one row per episode), ``comparison.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from recogym_eco.train.creator_suggestion_v1_findings import (
    BASELINES,
    ENV_ID,
    METRICS,
    RANKER_OF,
    Spec,
    load_lore_model,
    mean_ci,
    run_episode,
    verdict,
)

__all__ = ["compare", "lore_label", "policies_for"]

_WORKER: dict[str, Any] = {}


def lore_label(sidecar: dict[str, Any]) -> str:
    """``LoRe`` or ``LoRe+<ranker>`` (the findings' short ranker name) from a model's sidecar."""
    ranker = sidecar.get("ranker")
    if ranker is None:
        return "LoRe"
    short = {v: k for k, v in RANKER_OF.items()}
    if ranker not in short:
        raise ValueError(f"the sidecar's ranker {ranker!r} is not one of {sorted(short)}")
    return f"LoRe+{short[ranker]}"


def policies_for(x: str) -> list[str]:
    """The baselines X is compared with (module docstring)."""
    baselines = [*BASELINES, "DemandAware"]
    if "+" in x:
        ranker = x.split("+", 1)[1]
        baselines += [f"DemandAware+{ranker}", f"MostHistoryClick+{ranker}"]
    return baselines


def _init(lore_path: str | None) -> None:
    import torch as th

    th.set_num_threads(1)
    _WORKER["lore"] = load_lore_model(Path(lore_path)) if lore_path else None


def _episode(task: tuple[str, dict[str, Any], int]) -> dict[str, Any]:
    policy, kwargs, seed = task
    row = run_episode(Spec.parse(policy), kwargs, seed, _WORKER["lore"])
    return {"policy": policy, "seed": seed, **row}


def compare(lore_path: Path, seeds: list[int], kwargs: dict[str, Any], out: Path, n_jobs: int = 1) -> str:
    """Runs X and every baseline on ``seeds``; writes ``runs.csv`` and ``comparison.md``; returns the Markdown."""
    from recogym_eco.agents.lore import read_sidecar

    if len(seeds) < 2:
        raise ValueError("need at least 2 seeds for a confidence interval")
    x = lore_label(read_sidecar(lore_path))
    baselines = policies_for(x)
    tasks = [(p, kwargs, s) for p in [x, *baselines] for s in seeds]
    start = time.perf_counter()
    if n_jobs > 1:
        with get_context("spawn").Pool(n_jobs, initializer=_init, initargs=(str(lore_path),)) as pool:
            rows = pool.map(_episode, tasks, chunksize=1)
    else:
        _init(str(lore_path))
        rows = [_episode(t) for t in tasks]
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "runs.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["policy", "seed", *METRICS])
        writer.writeheader()
        writer.writerows(rows)

    def values(policy: str, metric: str) -> np.ndarray:
        by_seed = {r["seed"]: r[metric] for r in rows if r["policy"] == policy}
        return np.array([by_seed[s] for s in seeds])

    def pm(pair: tuple[float, float], digits: int = 0, sign: bool = False) -> str:
        return f"{pair[0]:{'+' if sign else ''}.{digits}f} ± {pair[1]:.{digits}f}"

    lines = [f"# LoRe on CreatorSuggestion-v1: X = {x} ({lore_path})", "",
             f"env overrides `{kwargs}`; held-out seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); "
             f"{time.perf_counter() - start:.0f} s", "",
             "| policy | cumulative clicks | share of upper bound | creators left | Δ clicks X − policy | verdict X > policy |",
             "|---|---|---|---|---|---|"]
    for policy in [x, *baselines]:
        cells = [pm(mean_ci(values(policy, "clicks"))), pm(mean_ci(values(policy, "bound_share")), 3),
                 pm(mean_ci(values(policy, "present_end")), 1)]
        if policy == x:
            cells += ["", ""]
        else:
            d = mean_ci(values(x, "clicks") - values(policy, "clicks"))
            cells += [pm(d, sign=True), verdict(d)]
        lines.append(f"| {policy} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    (out / "comparison.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    """Command line (module docstring); bad options are usage errors before any episode runs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lore", type=Path, required=True, help="saved LoRe model (.zip with sidecar .json)")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seed-start", type=int, default=10_000)
    parser.add_argument("--env-kwargs", type=json.loads, default=None, help="JSON object of env overrides")
    parser.add_argument("--n-jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--out", type=Path, default=Path("results") / "lore_v1_compare")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be >= 2")
    if args.n_jobs < 1:
        parser.error("--n-jobs must be >= 1")
    if not args.lore.is_file():
        parser.error(f"--lore: no file {args.lore}")
    if args.env_kwargs is not None and not isinstance(args.env_kwargs, dict):
        parser.error("--env-kwargs must be a JSON object")
    kwargs = dict(args.env_kwargs or {})
    try:
        gym.make(ENV_ID, **kwargs).close()
    except (TypeError, ValueError) as e:
        parser.error(f"--env-kwargs: {e}")
    print(compare(args.lore, list(range(args.seed_start, args.seed_start + args.seeds)), kwargs, args.out,
                  args.n_jobs))


if __name__ == "__main__":
    main()
