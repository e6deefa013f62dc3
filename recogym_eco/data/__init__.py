"""Real-world data used to calibrate the simulated worlds (numpy only, nothing downloaded)."""

from recogym_eco.data.movielens import (
    ENV_VAR,
    GENRES,
    MovieLens,
    find_movielens,
    genre_preferences,
    load_movielens,
    user_item_matrix,
)

__all__ = [
    "ENV_VAR",
    "GENRES",
    "MovieLens",
    "find_movielens",
    "genre_preferences",
    "load_movielens",
    "user_item_matrix",
]
