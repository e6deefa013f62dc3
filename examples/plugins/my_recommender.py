"""A recommender written outside the package: each user's smoothed click-through rate per genre.

It learns only from what it shows (``observe``): A[u, g] = (clicks + 1) / (impressions + 2) of user u
on genre g, b_i = 1 (times a tiny tie-breaking jitter). The scores factor as A[u, genre_i] * b_i with
A >= 0 and b > 0, so ``factored = True`` lets the world use its exact fast top-k.
Run: ``python examples/plugins/my_recommender.py``.
"""

import gymnasium as gym
import numpy as np

import recogym_eco


class GenreCTR:
    """Per-user, per-genre Beta(1, 1)-smoothed click-through rate, learned online."""

    factored = True

    def reset(self, world) -> None:
        shape = (world.config.num_users, world.config.num_genres)
        self.clicks, self.impressions = np.zeros(shape), np.zeros(shape)

    def score(self, world, users, slots, rng):
        affinity = (self.clicks[users] + 1.0) / (self.impressions[users] + 2.0)
        return affinity, 1.0 + 1e-9 * rng.random(slots.size)

    def observe(self, world, users, slots, shown, clicked) -> None:
        genre = world.item_genre.ravel()[slots]
        rows = np.broadcast_to(users[:, None], slots.shape)
        np.add.at(self.impressions, (rows[shown], genre[shown]), 1.0)
        np.add.at(self.clicks, (rows[clicked], genre[clicked]), 1.0)


assert isinstance(GenreCTR(), recogym_eco.Recommender)
recogym_eco.register_recommender("genre_ctr", lambda config: GenreCTR())

if __name__ == "__main__":
    for recommender in ("oracle", "popularity", "genre_ctr"):
        env = gym.make("recogym_eco/CreatorSuggestion-v0", recommender=recommender)
        env.reset(seed=0)
        total = sum(env.step(np.zeros(50, dtype=np.int64))[1] for _ in range(150))
        print(f"recommender={recommender!r}: {total:.0f} clicks")
