"""A creator behaviour model written outside the package: epsilon-greedy on the reward per item.

Each creator makes the genre of its own history with the best reward per item, except with
probability epsilon, when it tries a genre uniformly at random; epsilon decays after every round the
creator is active. Run: ``python examples/plugins/my_creator_model.py``.
"""

import gymnasium as gym
import numpy as np

import recogym_eco


class EpsilonGreedy:
    """Creator model: best reward per item among made genres, uniform exploration with prob. epsilon."""

    def __init__(self, epsilon: float = 0.3, decay: float = 0.95) -> None:
        self.epsilon0, self.decay = epsilon, decay

    def reset(self, rng: np.random.Generator, num_creators: int, num_genres: int) -> None:
        self.epsilon = np.full(num_creators, self.epsilon0)

    def choose(self, rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
        per_item = np.where(made > 0, feedback / np.maximum(made, 1), -np.inf)
        best = np.argmax(per_item + 1e-9 * rng.random(made.shape), axis=1)
        explore = rng.random(made.shape[0]) < self.epsilon
        return np.where(explore, rng.integers(0, made.shape[1], made.shape[0]), best)

    def update(self, made: np.ndarray, feedback: np.ndarray, genre_reward: np.ndarray, active: np.ndarray) -> None:
        self.epsilon = np.where(active, self.epsilon * self.decay, self.epsilon)


assert isinstance(EpsilonGreedy(), recogym_eco.CreatorModel)
recogym_eco.register_creator_model("epsilon_greedy", lambda config: EpsilonGreedy())

if __name__ == "__main__":
    for fallback in ("epsilon_greedy", EpsilonGreedy(epsilon=0.5)):  # a registered name or an instance
        env = gym.make("recogym_eco/CreatorSuggestion-v0", creator_fallback=fallback)
        obs, info = env.reset(seed=0)
        total = 0.0
        for _ in range(150):
            obs, reward, terminated, truncated, info = env.step(np.zeros(50, dtype=np.int64))
            total += reward
        print(f"creator_fallback={fallback!r}: {total:.0f} clicks, "
              f"{info['genres_per_creator'].mean():.2f} genres per creator")
