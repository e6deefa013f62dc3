"""One RLlib PPO training iteration on each PettingZoo game of the suite (platform + shared creator policy).

Needs ``pip install "ray[rllib]"`` (RLlib pins gymnasium 1.2.2; the suite supports it). Run:
``python examples/multiagent/rllib_ppo.py``. The platform observation is flattened
(``flat_platform_observation=True``: RLlib has no default encoder for 2-D boxes); all creators share
one policy. Output recorded in ``examples/multiagent/README.md``.
"""

from __future__ import annotations

import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
from ray.tune.registry import register_env

from recogym_eco.envs import content_competition_v0, creator_suggestion_v0, creator_suggestion_v1, exposure_game_v0

GAMES = {
    "creator_suggestion_v0": lambda cfg: creator_suggestion_v0.parallel_env(
        num_creators=4, num_users=20, num_genres=4, horizon=10, keep_departed=True, flat_platform_observation=True),
    "creator_suggestion_v1": lambda cfg: creator_suggestion_v1.parallel_env(
        num_creators=4, num_users=20, num_genres=4, horizon=10, keep_departed=True, flat_platform_observation=True),
    "content_competition_v0": lambda cfg: content_competition_v0.parallel_env(
        preset="toy", max_cycles=10),
    "exposure_game_v0": lambda cfg: exposure_game_v0.parallel_env(
        num_producers=4, num_users=30, dim=3, num_groups=2, num_epochs=3, epoch_length=2),
}


def one_iteration(name: str) -> dict:
    register_env(name, lambda cfg: ParallelPettingZooEnv(GAMES[name](cfg)))
    probe = GAMES[name]({})
    config = (
        PPOConfig()
        .environment(name)
        .env_runners(num_env_runners=0)
        .multi_agent(policies={"platform", "creator"},
                     policy_mapping_fn=lambda agent_id, *args, **kwargs: "platform" if agent_id == "platform" else "creator")
        .training(train_batch_size_per_learner=200, minibatch_size=50, num_epochs=1)
    )
    algo = config.build_algo()
    result = algo.train()
    algo.stop()
    returns = result["env_runners"].get("agent_episode_returns_mean", {})
    return {"agents": len(probe.possible_agents), "timesteps": result["num_env_steps_sampled_lifetime"],
            "platform_return": returns.get("platform"),
            f"{probe.possible_agents[1]}_return": returns.get(probe.possible_agents[1])}


if __name__ == "__main__":
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    for game in GAMES:
        print(game, one_iteration(game), flush=True)
    ray.shutdown()
