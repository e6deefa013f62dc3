"""Is there anything above MostHistoryClick + P-MMF for a suggestion policy to learn? (issue 9, item 8)

On CreatorSuggestion-v1 with CreAgent's P-MMF re-ranker, LoRe warm-started from MostHistoryClick (MHC)
ties MHC + P-MMF on every population, and PPO's fine-tuning does not move it. This script asks whether
the world leaves room above MHC at all, with two families of policies played on the same seeds and
compared, paired, with ``MostHistoryClick+PMMF_CreAgent``:

* **Variants of the rule** (deployable: they read only the ``observation="log"`` counts), registered as
  ``MHC-<rule>-<value>``: ``threshold`` (suggest only to creators with more than ``value`` clicks in
  their best genre), ``rate`` (rank genres by clicks + ``value`` x clicks per upload), ``crowding``
  (clicks x (platform yield of the genre / mean yield)^``value``; yield = (recent clicks + 1) /
  (recent items + 1)), ``recent`` (clicks discounted by ``value`` per round, from the change of the
  cumulative counts; the policy remembers the last observation), ``quiet`` (no suggestion in the last
  ``value`` rounds), ``late`` (none in the first ``value`` rounds), ``unclicked-yield`` (creators
  without clicks get the highest-yield genre they have made).
* **Planning with the true simulator** (privileged, not deployable), ``MHC-planner-<H>`` and
  ``MHC-planner-<H>-sig``: each round, MHC's joint suggestion and K - 1 = 4 variants in which S = 3
  random creators deviate (to no suggestion, their second most-clicked genre or a random genre) are
  each scored by M rollouts of H rounds (the candidate, then MHC) on deep copies of the env whose
  world generator is re-seeded with fresh seeds shared by the candidates (common random numbers; the
  real future draws are never seen); the best mean is played (``-sig``: only if its paired gain over
  MHC exceeds two standard errors, M = 6). Model-predictive control with a perfect model: if it cannot
  beat MHC, no suggestion policy that learns from the same world will, short of a different lever.

    python -m recogym_eco.train.lore_v1_headroom --seeds 12 --n-jobs 2 --out results/lore_v1_headroom
    python -m recogym_eco.train.lore_v1_headroom --seeds 8 --planners --out results/lore_v1_planner

Seeds 5000 + i by default (development seeds: disjoint from LoRe's training worlds and from the held-out
10 000+ of ``lore_v1_comparison``). Outputs in ``--out``: ``rounds.csv``, ``summary.md`` and plots
(:func:`recogym_eco.train.evaluation.evaluate_and_write`).
"""

from __future__ import annotations

import argparse
import copy
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from recogym_eco.agents import register_policy
from recogym_eco.agents.heuristics import SuggestionPolicy
from recogym_eco.train.presets import json_object_arg, positive_int_arg

__all__ = ["MostHistoryClickVariant", "RolloutPlanner", "RULES", "VARIANTS", "PLANNERS", "main"]

ENV_ID = "recogym_eco/CreatorSuggestion-v1"
MODULE = "recogym_eco.train.lore_v1_headroom"
RANKER = "PMMF_CreAgent"
RULES = ("threshold", "rate", "crowding", "recent", "quiet", "late", "unclicked-yield")
#: (rule, value) of the registered variants, ``MHC-<rule>-<value>``.
VARIANTS = (("threshold", 1), ("threshold", 3), ("rate", 5), ("crowding", 0.5), ("crowding", 1),
            ("recent", 0.8), ("recent", 0.95), ("quiet", 5), ("late", 5), ("unclicked-yield", 0))
#: (horizon, significance rule) of the registered planners, ``MHC-planner-<H>[-sig]``.
PLANNERS = ((20, False), (20, True))


def log_counts(observation: np.ndarray, num_genres: int) -> tuple[np.ndarray, ...]:
    """Uploads and clicks per (creator, genre), recent platform clicks and items per genre, from the
    counts layout of ``observation="log"`` (width 5 G + 2)."""
    G = num_genres
    if observation.shape[-1] != 5 * G + 2:
        raise ValueError(f"the MostHistoryClick variants read CreatorSuggestion-v1's count logs "
                         f"(observation='log', rows of width {5 * G + 2}); got width {observation.shape[-1]}")
    made = observation[:, G + 2:2 * G + 2].astype(np.float64)
    clicks = observation[:, 2 * G + 2:3 * G + 2].astype(np.float64)
    return made, clicks, observation[0, 3 * G + 2:4 * G + 2].astype(np.float64), \
        observation[0, 4 * G + 2:].astype(np.float64)


def best_clicked(key: np.ndarray, made: np.ndarray, clicks: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """MHC's rule on a ranking key: argmax of ``key`` over the genres a creator made (+1), 0 for a
    creator whose best genre has no more than ``threshold`` clicks."""
    key = np.where(made > 0, key, -np.inf)
    return np.where(clicks.max(axis=1) > threshold, np.argmax(key, axis=1) + 1, 0).astype(np.int64)


class MostHistoryClickVariant(SuggestionPolicy):
    """MostHistoryClick with one change (module docstring); ``rule`` in :data:`RULES`."""

    needs_log = True

    def __init__(self, env: Any = None, seed: int | None = None, rule: str = "threshold", value: float = 0.0,
                 horizon: int | None = None) -> None:
        super().__init__(env, seed)
        if rule not in RULES:
            raise ValueError(f"rule must be one of {list(RULES)}; got {rule!r}")
        if horizon is None:
            horizon = env.unwrapped.world.config.horizon if env is not None else 150
        self.rule, self.value, self.horizon = rule, float(value), int(horizon)
        self.round = 0
        self._last_clicks: np.ndarray | None = None
        self._discounted: np.ndarray | None = None

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        made, clicks, demand, supply = log_counts(observation, self._genres(observation))
        self.round += 1
        rule, value = self.rule, self.value
        if rule == "threshold":
            return best_clicked(clicks, made, clicks, value)
        if rule == "rate":
            return best_clicked(clicks + value * clicks / np.maximum(made, 1.0), made, clicks)
        yield_ = (demand + 1.0) / (supply + 1.0)
        if rule == "crowding":
            return best_clicked(clicks * (yield_ / yield_.mean()) ** value, made, clicks)
        if rule == "recent":
            if self._last_clicks is None or self.round == 1:
                self._discounted = clicks.copy()
            else:
                self._discounted = value * self._discounted + (clicks - self._last_clicks)
            self._last_clicks = clicks.copy()
            return best_clicked(self._discounted + 1e-6 * clicks, made, clicks)
        plain = best_clicked(clicks, made, clicks)
        if rule == "quiet":
            return plain if self.round <= self.horizon - value else np.zeros_like(plain)
        if rule == "late":
            return plain if self.round > value else np.zeros_like(plain)
        fallback = np.argmax(np.where(made > 0, yield_[None, :], -np.inf), axis=1) + 1
        return np.where(plain > 0, plain, fallback).astype(np.int64)


class RolloutPlanner(SuggestionPolicy):
    """Model-predictive control around MHC with the true simulator (module docstring); privileged."""

    needs_log = True

    def __init__(self, env: Any = None, seed: int | None = None, horizon: int = 20, candidates: int = 5,
                 rollouts: int = 3, deviators: int = 3, significant: bool = False) -> None:
        super().__init__(env, seed)
        if env is None:
            raise ValueError("RolloutPlanner plans on copies of its env: pass env")
        self.horizon, self.candidates, self.rollouts = int(horizon), int(candidates), int(rollouts)
        self.deviators, self.significant = int(deviators), bool(significant)
        self.changed = 0

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        G = self._genres(observation)
        made, clicks, _, _ = log_counts(observation, G)
        plain = best_clicked(clicks, made, clicks)
        C = plain.size
        second = np.argsort(-np.where(made > 0, clicks, -1.0), axis=1, kind="stable")[:, 1] + 1
        options = [plain]
        for _ in range(self.candidates - 1):
            option = plain.copy()
            who = self.rng.choice(C, min(self.deviators, C), replace=False)
            kind = self.rng.integers(0, 3, who.size)
            other = self.rng.integers(1, G + 1, who.size)
            option[who] = np.where(kind == 0, 0, np.where(kind == 1, second[who], other))
            options.append(option)
        seeds = self.rng.integers(0, 2**63, self.rollouts)
        clicks_of = np.zeros((len(options), self.rollouts))
        for k, option in enumerate(options):
            for m, seed in enumerate(seeds):
                clicks_of[k, m] = self._rollout(option, int(seed))
        gain = clicks_of - clicks_of[:1]
        best = int(np.argmax(gain.mean(axis=1)))
        if self.significant and best > 0:
            spread = gain[best].std(ddof=1) / np.sqrt(self.rollouts)
            best = best if gain[best].mean() > 2.0 * spread else 0
        self.changed += best > 0
        return options[best]

    def _rollout(self, first: np.ndarray, seed: int) -> float:
        """Clicks of ``horizon`` rounds on a copy of the env (world generator re-seeded with ``seed``):
        ``first``, then MHC."""
        env = copy.deepcopy(self.env)
        env.unwrapped.world.rng = np.random.default_rng(seed)
        action, total = first, 0.0
        for _ in range(self.horizon):
            observation, _, terminated, truncated, info = env.step(action)
            total += float(info["clicks"])
            if terminated or truncated:
                break
            made, clicks, _, _ = log_counts(observation, self.num_genres)
            action = best_clicked(clicks, made, clicks)
        env.close()
        return total


def variant_name(rule: str, value: float) -> str:
    """``MHC-<rule>-<value>`` (the value as written in :data:`VARIANTS`)."""
    return f"MHC-{rule}-{value}"


def planner_name(horizon: int, significant: bool) -> str:
    """``MHC-planner-<H>`` or ``MHC-planner-<H>-sig``."""
    return f"MHC-planner-{horizon}" + ("-sig" if significant else "")


def _register() -> None:
    for rule, value in VARIANTS:
        factory = partial(MostHistoryClickVariant, rule=rule, value=value)
        factory.needs_log = True
        register_policy(variant_name(rule, value), factory)
    for horizon, significant in PLANNERS:
        factory = partial(RolloutPlanner, horizon=horizon, rollouts=6 if significant else 3,
                          significant=significant)
        factory.needs_log = True
        register_policy(planner_name(horizon, significant), factory)


if __name__ != "__main__":  # run as a script, main() has the workers (and this process) import MODULE
    _register()


def main(argv: list[str] | None = None) -> None:
    """Plays MHC + P-MMF and the variants (or, with ``--planners``, the planners) on the same seeds and
    writes the paired comparison (module docstring)."""
    from recogym_eco.train.evaluation import evaluate_and_write, n_jobs_arg

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=positive_int_arg, default=12)
    parser.add_argument("--seed-start", type=int, default=5000)
    parser.add_argument("--env-kwargs", type=json_object_arg, default=None,
                        help="JSON object of CreatorSuggestion-v1 overrides, e.g. '{\"preference_skew\": 0.0}'")
    parser.add_argument("--planners", action="store_true",
                        help="play the planners (slow: ~2-4 min per episode) instead of the variants")
    parser.add_argument("--n-jobs", type=n_jobs_arg, default=2)
    parser.add_argument("--out", type=Path, default=Path("results/lore_v1_headroom"))
    args = parser.parse_args(argv)
    reference = f"MostHistoryClick+{RANKER}"
    if args.planners:
        names = [planner_name(h, s) for h, s in PLANNERS]
    else:
        names = [variant_name(r, v) for r, v in VARIANTS]
    policies = [reference] + [f"{name}+{RANKER}" for name in names]
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    start = time.perf_counter()
    summary = evaluate_and_write(policies, dict(args.env_kwargs or {}), seeds, args.out, reference,
                                 title=f"MostHistoryClick variants on {ENV_ID.split('/')[-1]}", env_id=ENV_ID,
                                 n_jobs=args.n_jobs, plugins=[MODULE])
    print(summary)
    print(f"\nwrote {args.out}/rounds.csv, summary.md and plots in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
