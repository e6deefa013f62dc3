"""The compiled CreatorSuggestion round plays the NumPy round's trajectory bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from recogym_eco.components.engines import EngineFallbackWarning
from recogym_eco.components.pcg64 import get_words, set_words
from recogym_eco.components.pcg64_kernels import fill_doubles
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld

CASES = {
    "default": dict(num_creators=12, num_users=30, horizon=25),
    "clicks_mch_weights": dict(num_creators=9, num_users=40, num_genres=5, slate_size=3, horizon=30,
                               trust_dynamics="clicks", creator_fallback="most_clicked_history", churn_patience=3),
    "popularity_no_seen": dict(num_creators=15, num_users=20, num_genres=4, horizon=20, recommender="popularity",
                               exclude_seen=False, freshness_window=3),
    "v1_mechanics": dict(num_creators=10, num_users=50, horizon=25, trust_dynamics="relative", skill_growth=0.1,
                         skill_decay=0.05, initial_genre_skew=2.0, trust_std=0.3, trust_mean=0.8, slate_size=8),
    "scarce": dict(num_creators=3, num_users=60, num_genres=6, slate_size=7, freshness_window=2, horizon=20,
                   creator_activity=0.3, user_activity=np.linspace(0.1, 1.0, 60), churn_patience=2),
}


def trajectory(engine: str, kwargs: dict, seed: int, weights: bool) -> list:
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(engine=engine, **kwargs))
    if weights:
        world.set_reward_weights(np.linspace(0.0, 2.0, world.config.num_users))
    world.reset(np.random.default_rng(seed))
    actions = np.random.default_rng(seed + 1)
    out = [world.observation()]
    while not world.done:
        a = actions.integers(0, world.config.num_genres + 1, world.config.num_creators)
        a[actions.random(a.size) < 0.3] = 0
        result = world.step(a)
        assert result.info["engine"] == engine
        out.append((world.observation(), {k: v for k, v in result.info.items() if k != "engine"}))
    out.append({name: getattr(world, name) for name in ("trust", "skill", "made", "feedback", "seen_slot",
                                                        "seen_serial", "item_clicks", "usual_reward")})
    out.append(world.rng.random())
    return out


def assert_same(a, b) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_round_is_the_numpy_round(case, seed):
    weights = case == "clicks_mch_weights"
    assert_same(trajectory("compiled", CASES[case], seed, weights), trajectory("numpy", CASES[case], seed, weights))


def test_pcg64_words_reproduce_numpy_draws():
    rng = np.random.default_rng(3).spawn(2)[1]
    reference = np.random.default_rng(3).spawn(2)[1]
    words = get_words(rng)
    got = np.empty(257)
    fill_doubles(words, got)
    set_words(rng, words)
    assert np.array_equal(got, reference.random(257))
    assert rng.random() == reference.random() and rng.integers(1 << 40) == reference.integers(1 << 40)


def test_auto_picks_compiled_only_where_it_applies():
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(num_creators=5, num_users=10))
    world.reset(np.random.default_rng(0))
    assert world.compiled and world.step(np.zeros(5, dtype=int)).info["engine"] == "compiled"
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(num_creators=5, num_users=10, creator_fallback="cfd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        world.reset(np.random.default_rng(0))
    assert not world.compiled and world.step(np.zeros(5, dtype=int)).info["engine"] == "numpy"


def test_compiled_where_it_cannot_apply_warns_with_the_reason():
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(num_creators=5, num_users=10, engine="compiled",
                                                           estimation_noise=0.1))
    with pytest.warns(EngineFallbackWarning, match="estimation_noise"):
        world.reset(np.random.default_rng(0))
    assert not world.compiled


def test_bad_engine_is_named():
    with pytest.raises(ValueError, match="engine"):
        CreatorSuggestionConfig(engine="turbo")


def test_installed_ranker_and_driven_creators_fall_back_to_numpy():
    from recogym_eco.agents.rankers import RANKERS

    world = CreatorSuggestionWorld(CreatorSuggestionConfig(num_creators=6, num_users=10))
    world.reset(np.random.default_rng(0))
    assert world.step(np.zeros(6, dtype=int), creator_actions=np.full(6, -1)).info["engine"] == "numpy"
    world.set_ranker(RANKERS.create("fairrec", world.config) if "fairrec" in RANKERS.names() else None)
    if world.ranker is not None:
        assert world.step(np.zeros(6, dtype=int)).info["engine"] == "numpy"


def random_config(rng: np.random.Generator) -> dict:
    G = int(rng.integers(1, 7))
    return dict(num_creators=int(rng.integers(1, 12)), num_users=int(rng.integers(1, 40)), num_genres=G,
                slate_size=int(rng.integers(1, 8)), freshness_window=int(rng.integers(1, 5)),
                horizon=int(rng.integers(1, 20)), churn_patience=int(rng.integers(1, 6)),
                creator_activity=float(rng.choice([0.0, 0.5, 1.0])), user_activity=float(rng.choice([0.3, 1.0])),
                trust_mean=float(rng.random()), trust_std=float(rng.choice([0.0, 0.5, 5.0])),
                trust_dynamics=str(rng.choice(["static", "clicks", "relative"])), trust_lr=float(rng.random()),
                recommender=str(rng.choice(["oracle", "popularity"])),
                creator_fallback=str(rng.choice(["random_history", "most_clicked_history"])),
                exclude_seen=bool(rng.random() < 0.7), skill_growth=float(rng.choice([0.0, 0.3])),
                skill_decay=float(rng.choice([0.0, 0.2])), skill_range=(1e-3, 1.0),
                initial_genres=(1, G), preference_skew=float(rng.choice([0.0, 3.0])))


@pytest.mark.parametrize("draw", range(25))
def test_random_configurations_agree(draw):
    rng = np.random.default_rng(1000 + draw)
    kwargs = random_config(rng)
    assert_same(trajectory("compiled", kwargs, draw, False), trajectory("numpy", kwargs, draw, False))


def test_users_on_parallel_threads_give_the_same_round():
    from recogym_eco.worlds.creator_suggestion_engine import PARALLEL_USERS

    kwargs = dict(num_creators=20, num_users=PARALLEL_USERS + 5, horizon=6, trust_dynamics="relative")
    assert_same(trajectory("compiled", kwargs, 3, True), trajectory("numpy", kwargs, 3, True))


@pytest.mark.parametrize("kind", ["spread", "ties", "bunched", "one_genre", "equal"])
def test_candidate_sort_is_numpys_stable_order(kind):
    """The compiled candidate order against NumPy's: stable argsort of -weight, then stable by genre
    (``bunched``: all but one weight in a sliver of the range, the path that falls back to merge sort)."""
    from recogym_eco.worlds.creator_suggestion_kernel import sort_candidates

    rng = np.random.default_rng(3)
    n, G = 400, 7
    genre = rng.integers(0, 1 if kind == "one_genre" else G, n)
    weight = {"spread": rng.uniform(0.6, 1.0, n), "one_genre": rng.uniform(0.6, 1.0, n),
              "ties": rng.choice([0.5, 1 / 3, 0.25, 0.2], n), "equal": np.full(n, 0.7),
              "bunched": np.append(1 + 1e-6 * rng.random(n - 1), 1e3)}[kind]
    by_weight = np.argsort(-weight, kind="stable")
    expected = by_weight[np.argsort(genre[by_weight], kind="stable")]
    order, sorted_weight, start = np.empty(n, dtype=np.int64), np.empty(n), np.empty(G + 1, dtype=np.int64)
    sort_candidates(genre, weight, start, order, sorted_weight)
    assert np.array_equal(order, expected) and np.array_equal(sorted_weight, weight[expected])
    assert np.array_equal(start, np.searchsorted(np.sort(genre), np.arange(G + 1)))
