"""Creators as independent learners: RLlib multi-agent PPO on creator_suggestion_v1, platform fixed.

The platform is not an agent here: its suggestions come from a fixed policy (``--platform``, a
heuristic of ``recogym_eco.agents.heuristics``; ``NoSignal`` by default, so no creator is ever
told what to make), through the PettingZoo face's ``platform_policy`` option. Every creator is an
RLlib agent and all of them map to one shared policy ``"creator"`` (parameter sharing; each
creator still acts on its own observation: its upload and reward shares per genre, the suggestion
it got, its last reward). A creator's reward is the clicks its items get.

Why v1 and not v0: under v1 the behaviour-model creators (``creator_fallback="feedback"``) already
learn from clicks, and their portfolios start more concentrated than demand (``initial_genre_skew=2``),
so there is a gap between supply and demand and a hand-made adaptive baseline to compare with.
Under v0 (``random_history`` fallback) the behaviour model only repeats its history, and the
comparison says less. Skill also grows with practice under v1, so specialising can pay.

After ``--iterations`` PPO iterations the script plays ``--eval-episodes`` held-out seeds with
each of these creator populations (the platform policy is the same) and reports what they make:

* ``trained``: the shared policy after training, actions sampled from it,
* ``untrained``: the same network before its first update,
* ``uniform random``: every action (skip or a genre) equally likely,
* ``behaviour model``: no creator action, the env's own creator model decides (v1's feedback creators),

against ``demand``, the users' share of click propensity per genre,
``sum_u theta[u, g] / sum_{u, g'} theta[u, g']``, and ``initial portfolios``, the creators' upload
shares at reset. The genre shares count made items only; ``skip`` is the share of a creator's rounds
on the platform without an item (behaviour-model creators are active with probability
``creator_activity``, 0.8); ``TV`` is the total-variation distance ``1/2 sum_g |made_g - demand_g|``.
Clicks per round and creator return come with 95% Student-t intervals over the seeds, and the
trained creators' paired differences to every other population over the same seeds.

    python examples/ray/rllib_creators.py --iterations 2 --eval-episodes 2    # smoke run
    python examples/ray/rllib_creators.py --iterations 40                      # recorded in README.md

Outputs under ``--out`` (default ``results/ray/rllib_creators``): ``genre_shares.png`` (bar chart),
``summary.md`` (table and training curve), ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from recogym_eco.agents.heuristics import HEURISTICS
from recogym_eco.envs import creator_suggestion_v1
from recogym_eco.train.evaluation import mean_ci
from recogym_eco.train.presets import json_object_arg, non_negative_int_arg, positive_int_arg

ENV_NAME = "recogym_eco_creator_suggestion_v1_creators"
#: The small world of the example (``--env-kwargs`` adds to it; the rest are v1's defaults).
BASE_ENV = {"num_creators": 10, "num_users": 50, "num_genres": 6, "horizon": 50}
POLICY = "creator"
Chooser = Callable[[dict[str, np.ndarray]], dict[str, int]]


def make_game(env_kwargs: dict[str, Any], platform: str = "NoSignal", platform_seed: int = 0):
    """The creators-only parallel game: v1 with ``env_kwargs``, ``keep_departed=True`` (a fixed agent
    set for RLlib) and the platform's suggestions from the heuristic ``platform``."""
    if platform not in HEURISTICS:
        raise ValueError(f"platform must be one of {sorted(HEURISTICS)}; got {platform!r}")
    kwargs = dict(env_kwargs)
    policy_cls = HEURISTICS[platform]
    if policy_cls.needs_log:
        kwargs.setdefault("observation", "log")
    probe = creator_suggestion_v1.parallel_env(**kwargs)
    policy = policy_cls(seed=platform_seed, num_genres=probe.config.num_genres)
    return creator_suggestion_v1.parallel_env(platform_policy=policy, keep_departed=True, **kwargs)


def demand_shares(preferences: np.ndarray) -> np.ndarray:
    """Users' demand per genre: ``sum_u theta[u, g] / sum_{u, g'} theta[u, g']``."""
    column = preferences.sum(axis=0)
    return column / column.sum()


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """``1/2 sum_g |p_g - q_g|``: 0 for equal distributions, 1 for disjoint ones."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def rollout(game_fn: Callable[[], Any], choose: Chooser | None, seeds: list[int]) -> dict[str, Any]:
    """Plays one episode per seed with creators acting by ``choose(observations)`` (``None``: the
    env's behaviour model); returns made items per genre, skip share, per-seed clicks per round and
    mean creator return (sum over rounds of the creators' mean reward), creators left at the end, and
    demand and initial-portfolio shares averaged over seeds."""
    made = skips = on_platform = 0
    clicks, returns, left, demand, initial = [], [], [], [], []
    for seed in seeds:
        game = game_fn()
        obs, _ = game.reset(seed=seed)
        world = game.world
        demand.append(demand_shares(world.preferences))
        initial.append(world.made.sum(axis=0) / world.made.sum())
        made_genre = np.zeros(world.config.num_genres, dtype=np.int64)
        episode_clicks = episode_return = 0.0
        rounds = 0
        while game.agents:
            present = world.present.copy()
            obs, rewards, _, _, infos = game.step({} if choose is None else choose(obs))
            genres = np.array([infos[f"creator_{i}"]["made_genre"] for i in range(len(present))])
            made_genre += np.bincount(genres[genres >= 0], minlength=made_genre.size)
            skips += int((present & (genres < 0)).sum())
            on_platform += int(present.sum())
            episode_clicks += sum(info["clicks"] for info in infos.values())
            episode_return += sum(rewards.values()) / len(present)
            rounds += 1
        clicks.append(episode_clicks / max(rounds, 1))
        returns.append(episode_return)
        left.append(float(world.present.sum()))
        made = made + made_genre
    made = np.asarray(made)
    return {"made": made, "made_share": made / max(int(made.sum()), 1), "skip": skips / max(on_platform, 1),
            "clicks_per_round": float(np.mean(clicks)), "creator_return": float(np.mean(returns)),
            "creators_left": float(np.mean(left)), "clicks_per_round_by_seed": np.array(clicks),
            "creator_return_by_seed": np.array(returns),
            "demand": np.mean(demand, axis=0), "initial": np.mean(initial, axis=0)}


def uniform_chooser(num_genres: int, seed: int) -> Chooser:
    """Every creator picks skip or one of the genres with probability 1 / (G + 1)."""
    rng = np.random.default_rng(seed)
    return lambda obs: {name: int(rng.integers(0, num_genres + 1)) for name in obs}


def module_chooser(module: Any, seed: int) -> Chooser:
    """Actions sampled from an RLlib RLModule's categorical policy, ``a ~ softmax(logits(obs))``, one
    forward pass for all creators; the draws come from a NumPy generator seeded with ``seed``."""
    import torch

    rng = np.random.default_rng(seed)

    def choose(obs: dict[str, np.ndarray]) -> dict[str, int]:
        names = list(obs)
        with torch.no_grad():
            out = module.forward_inference({"obs": torch.as_tensor(np.stack([obs[n] for n in names]))})
        logits = out["action_dist_inputs"].double().numpy()
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        u = rng.random((len(names), 1))
        actions = (probs.cumsum(axis=1) < u).sum(axis=1)
        return {n: int(min(a, probs.shape[1] - 1)) for n, a in zip(names, actions)}

    return choose


def build_algo(args: argparse.Namespace, env_kwargs: dict[str, Any]):
    """PPO on the new API stack: ``ParallelPettingZooEnv`` around :func:`make_game`, every creator
    mapped to the one shared module ``"creator"``. The value loss is not clipped: creator returns run
    to the hundreds, and RLlib's default clip of the squared error at 10 would stall the critic."""
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
    from ray.tune.registry import register_env

    register_env(ENV_NAME, lambda cfg: ParallelPettingZooEnv(
        make_game(cfg["env_kwargs"], cfg["platform"], getattr(cfg, "worker_index", 0))))
    config = (
        PPOConfig()
        .environment(ENV_NAME, env_config={"env_kwargs": env_kwargs, "platform": args.platform})
        .env_runners(num_env_runners=args.env_runners)
        .multi_agent(policies={POLICY}, policy_mapping_fn=lambda agent_id, *a, **k: POLICY)
        .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=[64, 64]))
        .training(train_batch_size_per_learner=args.batch, minibatch_size=args.minibatch,
                  num_epochs=args.epochs, lr=args.lr, gamma=args.gamma, lambda_=0.95,
                  entropy_coeff=args.entropy, vf_clip_param=float("inf"))
        .debugging(seed=args.seed)
    )
    return config.build_algo()


def _real_arg(low: float, high: float | None, low_open: bool = False) -> Callable[[str], float]:
    """argparse ``type`` for a finite number in [low, high] (``(low, high]`` with ``low_open``)."""
    where = f"{'(' if low_open else '['}{low}, {'inf)' if high is None else f'{high}]'}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number in {where}; got {text!r}") from None
        too_low = value < low or (low_open and value == low)
        if not np.isfinite(value) or too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be a number in {where}; got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """Command line of the example; counts and JSON options are checked as they are parsed."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iterations", type=positive_int_arg, default=40, help="PPO training iterations")
    p.add_argument("--batch", type=positive_int_arg, default=1000,
                   help="env steps (rounds) sampled per iteration; every round gives one step per creator")
    p.add_argument("--minibatch", type=positive_int_arg, default=500)
    p.add_argument("--epochs", type=positive_int_arg, default=5)
    p.add_argument("--lr", type=_real_arg(0.0, None, low_open=True), default=1e-3, help="learning rate (> 0)")
    p.add_argument("--gamma", type=_real_arg(0.0, 1.0), default=0.95, help="discount in [0, 1]")
    p.add_argument("--entropy", type=_real_arg(0.0, None), default=0.0, help="entropy coefficient (>= 0)")
    p.add_argument("--platform", default="NoSignal", choices=sorted(HEURISTICS),
                   help="the fixed platform policy")
    p.add_argument("--env-kwargs", type=json_object_arg, default={},
                   help=f"JSON object over the example's world {BASE_ENV} (v1 defaults for the rest)")
    p.add_argument("--env-runners", type=non_negative_int_arg, default=0,
                   help="RLlib env runners (0: sample in the driver)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-episodes", type=positive_int_arg, default=20)
    p.add_argument("--eval-seed-base", type=int, default=1_000_000, help="first held-out seed")
    p.add_argument("--num-cpus", type=positive_int_arg, default=2, help="CPUs of the local Ray")
    p.add_argument("--address", default=None, help="Ray cluster address for ray.init; default: local")
    p.add_argument("--out", type=Path, default=Path("results") / "ray" / "rllib_creators")
    return p


def table(rows: dict[str, dict[str, Any]], demand: np.ndarray, initial: np.ndarray) -> str:
    """Markdown table: genre shares of made items, skip share, TV distance to demand, clicks per round
    and mean creator return (mean ± 95% CI over seeds), creators left; then the paired differences of
    the trained creators to every other population over the same seeds."""
    G = demand.size
    head = ("| creators | " + " | ".join(f"g{g}" for g in range(G))
            + " | skip | TV to demand | clicks/round | creator return | creators left |")
    lines = [head, "|" + "---|" * (G + 6)]
    for label, shares in (("demand (users)", demand), ("initial portfolios", initial)):
        tv = "" if label.startswith("demand") else f"{total_variation(shares, demand):.3f}"
        lines.append(f"| {label} | " + " | ".join(f"{s:.2f}" for s in shares) + f" |  | {tv} |  |  |  |")
    for label, r in rows.items():
        c, r_ = mean_ci(r["clicks_per_round_by_seed"]), mean_ci(r["creator_return_by_seed"])
        lines.append(f"| {label} | " + " | ".join(f"{s:.2f}" for s in r["made_share"])
                     + f" | {r['skip']:.2f} | {total_variation(r['made_share'], demand):.3f} | "
                     f"{c[0]:.1f} ± {c[1]:.1f} | {r_[0]:.1f} ± {r_[1]:.1f} | {r['creators_left']:.1f} |")
    if "trained" in rows:
        lines += ["", "| trained minus | Δ clicks/round | Δ creator return |", "|---|---|---|"]
        for label, r in rows.items():
            if label == "trained":
                continue
            dc = mean_ci(rows["trained"]["clicks_per_round_by_seed"] - r["clicks_per_round_by_seed"])
            dr = mean_ci(rows["trained"]["creator_return_by_seed"] - r["creator_return_by_seed"])
            lines.append(f"| {label} | {dc[0]:+.1f} ± {dc[1]:.1f} | {dr[0]:+.1f} ± {dr[1]:.1f} |")
    return "\n".join(lines)


def plot(rows: dict[str, dict[str, Any]], demand: np.ndarray, initial: np.ndarray, path: Path) -> None:
    """Grouped bar chart of genre shares: demand, initial portfolios and each creator population."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {"demand (users)": demand, "initial portfolios": initial,
              **{k: r["made_share"] for k, r in rows.items()}}
    G = demand.size
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * G), 3.8))
    for i, (label, shares) in enumerate(series.items()):
        ax.bar(np.arange(G) + (i - (len(series) - 1) / 2) * width, shares, width, label=label,
               color="black" if label.startswith("demand") else None)
    ax.set_xticks(np.arange(G), [f"genre {g}" for g in range(G)])
    ax.set_ylabel("share of items made (demand: of click propensity)")
    ax.set_title("What creators make (CreatorSuggestion-v1, platform fixed)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Trains the shared creator policy, plays the held-out seeds with every creator population,
    prints the table, writes the chart and summary; returns the rollout statistics and curve."""
    parser = build_parser()
    args = parser.parse_args(argv)
    env_kwargs = {**BASE_ENV, **args.env_kwargs}
    try:
        probe = make_game(env_kwargs, args.platform)
        probe.reset(seed=0)
    except (TypeError, ValueError) as e:
        parser.error(f"--env-kwargs {args.env_kwargs} (over {BASE_ENV}): {e}")
    G = probe.config.num_genres
    import ray
    import torch

    torch.set_num_threads(1)
    started = not ray.is_initialized()
    if started:
        if args.address:
            ray.init(address=args.address, log_to_driver=False)
        else:
            ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    seeds = [args.eval_seed_base + i for i in range(args.eval_episodes)]

    def game() -> Any:
        return make_game(env_kwargs, args.platform, platform_seed=args.seed)

    try:
        algo = build_algo(args, env_kwargs)
        rows: dict[str, dict[str, Any]] = {
            "behaviour model": rollout(game, None, seeds),
            "uniform random": rollout(game, uniform_chooser(G, args.seed), seeds),
            "untrained": rollout(game, module_chooser(algo.get_module(POLICY), args.seed), seeds),
        }
        curve = []
        t0 = time.time()
        for it in range(1, args.iterations + 1):
            result = algo.train()
            returns = result["env_runners"].get("agent_episode_returns_mean", {})
            point = {"iteration": it, "env_steps": int(result["num_env_steps_sampled_lifetime"]),
                     "creator_return": float(np.mean(list(returns.values()))) if returns else float("nan"),
                     "seconds": round(time.time() - t0, 1)}
            curve.append(point)
            print(f"iteration {it}: {point['env_steps']} env steps, mean creator episode return "
                  f"{point['creator_return']:.1f}, {point['seconds']} s", flush=True)
        rows["trained"] = rollout(game, module_chooser(algo.get_module(POLICY), args.seed), seeds)
        algo.stop()
    finally:
        if started:
            ray.shutdown()
    demand, initial = rows["behaviour model"]["demand"], rows["behaviour model"]["initial"]
    text = table(rows, demand, initial)
    args.out.mkdir(parents=True, exist_ok=True)
    plot(rows, demand, initial, args.out / "genre_shares.png")
    header = (f"CreatorSuggestion-v1 {env_kwargs}, platform {args.platform}, {args.iterations} PPO "
              f"iterations ({curve[-1]['env_steps']} env steps), {len(seeds)} held-out seeds "
              f"{seeds[0]}..{seeds[-1]}")
    (args.out / "summary.md").write_text(f"{header}\n\n{text}\n\ncurve: {json.dumps(curve)}\n")
    (args.out / "summary.json").write_text(json.dumps(
        {"env_kwargs": env_kwargs, "platform": args.platform, "curve": curve, "demand": demand.tolist(),
         "initial": initial.tolist(),
         "rows": {k: {m: (v.tolist() if isinstance(v, np.ndarray) else v) for m, v in r.items()}
                  for k, r in rows.items()}}, indent=1))
    print(f"\n{header}\n\n{text}\n\nchart: {args.out / 'genre_shares.png'}", flush=True)
    return {"rows": rows, "curve": curve, "demand": demand, "initial": initial}


if __name__ == "__main__":
    main()
