"""Platform policies on CreatorSuggestion over seeds: policy specs, one episode, and the public
:func:`evaluate`, which runs the (policy, seed) episodes in this process, in local worker processes
(joblib/loky) or as Ray tasks, and returns the same per-round rows in every case.

    from recogym_eco.train import evaluate

    rows = evaluate(["NoSignal", "MostHistoryClick+PMMF"], "recogym_eco/CreatorSuggestion-v0",
                    {"num_users": 20, "num_creators": 10, "horizon": 5}, seeds=[0, 1], n_jobs=2)

A policy is named by a spec: a suggestion policy (``NoSignal``, ``Random``, ``MostClick``,
``MostHistoryClick``, ``DemandAware``, ``LoRe`` = the shipped model of ``preset``, a shipped model's name
such as ``lore_default_paper_state``, or a path to a saved model ``.zip``), optionally joined with ``+``
to a ranker (``PMMF``, ``FairRec``, or one a plug-in registers) and/or the reward lever (``Reweight``).
A lever named alone runs with NoSignal suggestions: ``PMMF`` = ``NoSignal+PMMF``. ``label=spec`` names
a spec in the rows. Unless ``env_kwargs`` sets the env's ``observation`` option, each policy gets the
observation it reads (the world is the same): a LoRe model its sidecar's, MostClick and
MostHistoryClick ``"log"``. Nothing here imports torch until a LoRe policy is built.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401
from recogym_eco.agents import RANKERS, SUGGESTION_POLICIES
from recogym_eco.agents.shipped import shipped_model, shipped_models
from recogym_eco.plugins import load_plugin
from recogym_eco.train.presets import PRESETS, shipped_lore_name

__all__ = ["BACKENDS", "ENV_ID", "ENV_IDS", "METRICS", "PolicySpec", "build",
           "check_env_kwargs", "evaluate", "model_path", "parse_policies", "run_episode"]

ENV_ID = "recogym_eco/CreatorSuggestion-v0"
ENV_IDS = ("recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1")
#: Per-round metrics of a row: the mean over the round's ``info[metric]``.
METRICS = ("clicks", "content_diversity", "active_creators", "present_creators", "genres_per_creator",
           "follow_rate", "exposure_gini")
BACKENDS = ("local", "ray")


def _names_hint() -> str:
    return (f"suggestion policies {sorted(SUGGESTION_POLICIES.names())} (register more with --plugin), LoRe "
            f"(the preset's shipped model), a shipped model {shipped_models()} or a path to a saved model "
            f"(.zip); rankers {list(RANKERS.names())} (register more with --plugin); reward lever Reweight")


@dataclass
class PolicySpec:
    """A parsed policy spec: which suggestion policy, ranker and reward lever to combine."""

    name: str
    suggestion: str
    ranker: str | None
    reweight: bool

    @classmethod
    def parse(cls, spec: str) -> PolicySpec:
        """``[label=]part[+part...]``; ``ValueError`` naming the unknown part and every known name.

        The label ends at the first ``=``; a saved model's path (up to ``.zip``) may itself hold ``=``
        or ``+`` (Ray Tune's trial folders do)."""
        name, sep, body = spec.partition("=")
        if not sep:
            name = body = spec
        end = body.find(".zip")
        if end >= 0 and (end + 4 == len(body) or body[end + 4] == "+"):
            parts = [body[:end + 4], *[p for p in body[end + 4:].split("+") if p]]
        else:
            parts = body.split("+")
        suggestions = set(SUGGESTION_POLICIES.names()) | {"LoRe"} | set(shipped_models())
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
    if suggestion in SUGGESTION_POLICIES:
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


def parse_policies(policies: Sequence[str], preset: str = "default") -> list[PolicySpec]:
    """Parsed specs with their models found; ``ValueError`` on an unknown name or two specs with one
    label (their rows could not be told apart), ``FileNotFoundError`` on a missing model."""
    if isinstance(policies, str) or not isinstance(policies, Sequence):
        raise TypeError(f"policies must be a list of policy specs; got {type(policies).__name__} "
                        f"{policies!r}")
    if not policies:
        raise ValueError("policies must name at least one policy spec")
    specs = [PolicySpec.parse(p) for p in policies]
    for spec in specs:
        model_path(spec.suggestion, preset)
    names = [s.name for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"policies must have distinct labels; {twice} appear more than once "
                         f"(name one with label=spec)")
    return specs


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
            needs_log = getattr(SUGGESTION_POLICIES.factory(spec.suggestion), "needs_log", False)
            observation = "log" if needs_log else None
        kwargs = {**kwargs, **({"observation": observation} if observation else {})}
    env = gym.make(env_id, **kwargs)
    if spec.ranker is not None:
        from recogym_eco.agents.rankers import WithRanker

        env = WithRanker(env, RANKERS.create(spec.ranker))
    if spec.reweight:
        from recogym_eco.agents.reward_lever import WithReweight

        env = WithReweight(env)
    if path is None:
        return env, SUGGESTION_POLICIES.create(spec.suggestion, env, seed=seed)
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


def check_env_kwargs(kwargs: dict[str, Any], env_id: str = ENV_ID) -> None:
    """Builds the env once so that a wrong keyword or value fails before any run."""
    gym.make(env_id, **kwargs).close()


@contextmanager
def _one_thread() -> Iterator[None]:
    """One BLAS/OpenMP thread and, if torch is loaded, one torch thread while an episode runs (restored
    after): every backend then computes the same way, and parallel workers do not oversubscribe."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    try:
        with threadpool_limits(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def _episode_rows(spec: str, env_id: str, kwargs: dict[str, Any], seed: int, preset: str,
                  plugins: tuple[str, ...], models: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One (policy, seed) episode as rows ``{policy, seed, round, *METRICS}``; the unit of work every
    backend runs (in a worker it loads ``plugins`` first, so their rankers exist there)."""
    for plugin in plugins:
        load_plugin(plugin)
    parsed = PolicySpec.parse(spec)
    env, policy = build(parsed, kwargs, seed, {} if models is None else models, preset, env_id)
    try:
        with _one_thread():
            rows = run_episode(env, policy, seed)
    finally:
        env.close()
    return [{"policy": parsed.name, "seed": seed, "round": int(r["round"]), **{m: r[m] for m in METRICS}}
            for r in rows]


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    if isinstance(seeds, np.ndarray) and seeds.ndim == 1:
        seeds = seeds.tolist()
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise ValueError(f"seeds must be a non-empty list of integers; got {seeds!r}")
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be non-negative integers; got {list(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct; got {list(seeds)}")
    return [int(s) for s in seeds]


def _check_n_jobs(n_jobs: int) -> None:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or not (n_jobs >= 1 or n_jobs == -1):
        raise ValueError(f"n_jobs must be a positive integer (worker processes) or -1 (one per CPU); "
                         f"got {n_jobs!r}")


def _progress(total: int, show: bool):
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="evaluating", unit="episode")


def _run_local(tasks: list[tuple], n_jobs: int, bar: Any) -> list[list[dict[str, Any]]]:
    """In this process (``n_jobs=1``, LoRe models loaded once) or on joblib's loky worker processes."""
    if n_jobs == 1:
        models: dict[str, Any] = {}
        results = []
        for task in tasks:
            results.append(_episode_rows(*task, models=models))
            if bar is not None:
                bar.set_postfix(policy=results[-1][0]["policy"], seed=str(task[3]))
                bar.update()
        return results
    from joblib import Parallel, delayed

    results = []
    run = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
    for rows in run(delayed(_episode_rows)(*task) for task in tasks):
        results.append(rows)
        if bar is not None:
            bar.update()
    return results


def _run_ray(tasks: list[tuple], bar: Any) -> list[list[dict[str, Any]]]:
    """One Ray task (one CPU) per (policy, seed); starts a local Ray only if none is initialised."""
    try:
        import ray
    except ImportError as e:
        raise ImportError("backend='ray' needs Ray: pip install 'recogym_eco[ray]' (or pip install ray), "
                          "or use backend='local'") from e
    if not ray.is_initialized():
        ray.init()
    remote = ray.remote(num_cpus=1)(_episode_rows)
    refs = [remote.remote(*task) for task in tasks]
    index = {ref: i for i, ref in enumerate(refs)}
    results: list[Any] = [None] * len(refs)
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        results[index[done[0]]] = ray.get(done[0])
        if bar is not None:
            bar.update()
    return results


def evaluate(policies: Sequence[str], env_id: str, env_kwargs: Mapping[str, Any] | None, seeds: Sequence[int],
             backend: str = "local", n_jobs: int = 1, *, preset: str = "default", plugins: Sequence[str] = (),
             progress: bool = False) -> list[dict[str, Any]]:
    """Plays every policy spec on ``env_id(**env_kwargs)`` for every seed; returns one row per round,
    ``{"policy", "seed", "round", *METRICS}`` (a metric is the round's ``np.mean(info[metric])``),
    ordered by policy (as given), seed (as given) and round, so every backend returns the same list.

    ``backend="local"``: ``n_jobs=1`` runs in this process, ``n_jobs>1`` (or -1, one per CPU) on joblib's
    loky worker processes. ``backend="ray"``: one Ray task per (policy, seed) on the cluster Ray is
    connected to; ``ray.init()`` (a local Ray) is called only if Ray is not initialised, so call
    ``ray.init(address=...)`` first to use a cluster; ``n_jobs`` is not used (Ray schedules the tasks).
    Each episode runs with one BLAS and one torch thread and is seeded only by its seed, so its rows do
    not depend on the backend or on the other episodes. ``plugins`` (``.py`` files or module names) are
    loaded here and in every worker, so their rankers exist there; a ranker registered by other means
    exists only in this process. ``LoRe`` in a spec is the shipped model of ``preset``. Every argument
    is checked (``ValueError``/``TypeError`` naming it, ``FileNotFoundError`` for a missing model)
    before any episode runs.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}; got {backend!r}")
    _check_n_jobs(n_jobs)
    if env_id not in ENV_IDS:
        raise ValueError(f"env_id must be one of {list(ENV_IDS)}; got {env_id!r}")
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}; got {preset!r}")
    if env_kwargs is not None and not isinstance(env_kwargs, Mapping):
        raise TypeError(f"env_kwargs must be a dict of env keyword arguments or None; "
                        f"got {type(env_kwargs).__name__}")
    if isinstance(plugins, str):
        raise TypeError(f"plugins must be a list of plug-in files or modules; got the string {plugins!r}")
    plugin_specs = tuple(str(Path(p).resolve()) if str(p).endswith(".py") else str(p) for p in plugins)
    for plugin in plugin_specs:
        load_plugin(plugin)
    specs = parse_policies(policies, preset)
    seed_list = _check_seeds(seeds)
    kwargs = dict(env_kwargs or {})
    check_env_kwargs(kwargs, env_id)
    tasks = [(policy, env_id, kwargs, seed, preset, plugin_specs)
             for policy in policies for seed in seed_list]
    bar = _progress(len(tasks), progress)
    try:
        results = _run_ray(tasks, bar) if backend == "ray" else _run_local(tasks, n_jobs, bar)
    finally:
        if bar is not None:
            bar.close()
    order = {(s.name, seed): i for i, (s, seed) in enumerate((s, seed) for s in specs for seed in seed_list)}
    rows = [row for episode in results for row in episode]
    return sorted(rows, key=lambda r: (order[r["policy"], r["seed"]], r["round"]))
