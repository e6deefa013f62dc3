"""A TorchRL rollout of each PettingZoo game through ``torchrl.envs.PettingZooWrapper``.

Needs ``pip install torchrl``. Run: ``python examples/multiagent/torchrl_rollout.py``. TorchRL groups
agents with equal specs (``"creator"`` or ``"producer"`` here, plus ``"platform"``) and builds its specs from the reset
``info``, which is why every face of the suite reports the same ``info`` keys at reset and step.
Output recorded in ``examples/multiagent/README.md``.
"""

from __future__ import annotations

from torchrl.envs import PettingZooWrapper

from recogym_eco.envs import content_competition_v0, creator_suggestion_v0, creator_suggestion_v1, exposure_game_v0

GAMES = {
    "creator_suggestion_v0": lambda: creator_suggestion_v0.parallel_env(
        num_creators=4, num_users=20, num_genres=4, horizon=10, keep_departed=True),
    "creator_suggestion_v1": lambda: creator_suggestion_v1.parallel_env(
        num_creators=4, num_users=20, num_genres=4, horizon=10, keep_departed=True),
    "content_competition_v0": lambda: content_competition_v0.parallel_env(preset="toy", max_cycles=10),
    "exposure_game_v0": lambda: exposure_game_v0.parallel_env(
        num_producers=4, num_users=30, dim=3, num_groups=2, num_epochs=3, epoch_length=2),
}


def group(name: str) -> str:
    """``"platform"``, or the agents' kind (``creator_3`` -> ``creator``, ``producer_1`` -> ``producer``)."""
    return name.rsplit("_", 1)[0]


if __name__ == "__main__":
    for name, make in GAMES.items():
        game = make()
        groups = {}
        for agent in game.possible_agents:
            groups.setdefault(group(agent), []).append(agent)
        env = PettingZooWrapper(game, group_map=groups, use_mask=True, categorical_actions=True, seed=0)
        rollout = env.rollout(10)
        rewards = {g: float(rollout["next", g, "reward"].sum()) for g in groups}
        print(name, {"steps": rollout.batch_size[0], "groups": {g: len(a) for g, a in groups.items()},
                     "summed_rewards": rewards}, flush=True)
