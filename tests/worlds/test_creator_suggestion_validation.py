"""Bad CreatorSuggestion configurations: a ValueError naming the parameter, never a hang or NaN."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from recogym_eco.components.creators import truncated_normal
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld


@pytest.mark.parametrize("kwargs, name", [
    (dict(trust_prior=(np.inf, 1.0)), "trust_prior"),
    (dict(trust_prior=(1.0, np.nan)), "trust_prior"),
    (dict(trust_prior=1.0), "trust_prior"),
    (dict(trust_prior=(1.0, 2.0, 3.0)), "trust_prior"),
    (dict(skill_range=None), "skill_range"),
    (dict(skill_range="high"), "skill_range"),
    (dict(initial_genres=2), "initial_genres"),
    (dict(initial_genres=(2.5, 3)), "initial_genres"),
    (dict(interests_per_user=20), "interests_per_user"),
    (dict(user_activity="high"), "user_activity"),
    (dict(creator_activity=None), "creator_activity"),
    (dict(creator_activity={"a": 1}), "creator_activity"),
    (dict(user_activity=[0.5, "x"]), "user_activity"),
    (dict(num_creators=2.5), "num_creators"),
    (dict(trust_std=np.inf), "trust_std"),
    (dict(observation="pixels"), "observation"),
])
def test_bad_values_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        CreatorSuggestionConfig(**kwargs)


@pytest.mark.parametrize("mean", [0.0, 0.5, 1.0])
def test_huge_trust_spread_is_sampled_without_rejection_loops(mean):
    """std = 1e6: the truncated normal is uniform on [0, 1] to ~1e-12; a KS test against it passes."""
    draws = truncated_normal(np.random.default_rng(0), mean, 1e6, 5000)
    assert draws.min() >= 0 and draws.max() <= 1
    assert stats.kstest(draws, "uniform").pvalue > 1e-3


def test_inverse_cdf_branch_matches_the_truncated_normal():
    """mean 1, std 5000 (mass inside 8e-5: inverse-CDF branch): compare with scipy's truncnorm CDF."""
    draws = truncated_normal(np.random.default_rng(1), 1.0, 5000.0, 5000)
    dist = stats.truncnorm(-1.0 / 5000.0, 0.0, loc=1.0, scale=5000.0)
    assert stats.kstest(draws, dist.cdf).pvalue > 1e-3


def test_moderate_spread_keeps_rejection_sampling_bit_for_bit():
    """Mass inside [0, 1] well above the threshold: the first release's rejection loop, replayed by hand."""
    got = truncated_normal(np.random.default_rng(5), 0.4, 1.0, 200)
    ordered = np.empty(200)
    rng_b = np.random.default_rng(5)
    todo = np.arange(200)
    while todo.size:
        draw = rng_b.normal(0.4, 1.0, size=todo.size)
        ok = (draw >= 0) & (draw <= 1)
        ordered[todo[ok]] = draw[ok]
        todo = todo[~ok]
    assert np.array_equal(got, ordered)


def test_world_with_huge_trust_std_resets_and_observes_finite_values():
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(num_creators=20, num_users=10, trust_std=1e6))
    world.reset(np.random.default_rng(0))
    assert np.all(np.isfinite(world.observation()))
