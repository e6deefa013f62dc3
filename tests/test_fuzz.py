"""Property-based fuzzing of every registered id: random valid configurations and action sequences.

For each draw: no exception, no NaN or infinity in observations, rewards and numeric ``info``,
observations inside the observation space, and the invariants the docs state (below, per id). The
fast variant runs in CI; ``-m slow`` runs the long one (``FUZZ_EXAMPLES`` draws per id).
"""

from __future__ import annotations

import os
import warnings

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import recogym_eco  # noqa: F401
from recogym_eco.registry import ENVIRONMENTS

ROWS = {row.gym_id: row for row in ENVIRONMENTS}
SLOW_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "700"))


def configurations(gym_id: str):
    row = ROWS[gym_id]
    fields = {name: st.sampled_from(values) for name, values in row.fuzz.items()}
    return st.fixed_dictionaries(fields).map(lambda drawn: {**row.test_kwargs, **drawn})


def finite(value) -> bool:
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return True
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    arr = np.asarray(value)
    return not np.issubdtype(arr.dtype, np.number) or bool(np.all(np.isfinite(arr)))


def creator_suggestion_invariants(env: gym.Env, reward: float, info: dict, previous: dict | None) -> None:
    cfg = env.unwrapped.config
    assert reward == info["clicks"] == info["user_clicks"].sum()
    assert reward <= cfg.slate_size * info["active_users"]
    assert info["exposure"].sum() <= cfg.slate_size * info["active_users"]
    assert info["active_creators"] <= info["present_creators"] + info["departed"].sum() <= cfg.num_creators
    assert not (info["followed"] & info["ignored"]).any()
    assert 0.0 <= info["follow_rate"] <= 1.0 and 0.0 <= info["exposure_gini"] <= 1.0
    if previous is not None:
        assert info["present_creators"] <= previous["present_creators"]


INVARIANTS = {"recogym_eco/CreatorSuggestion-v0": creator_suggestion_invariants,
              "recogym_eco/CreatorSuggestion-v1": creator_suggestion_invariants}


def play(gym_id: str, kwargs: dict, seed: int, steps: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make(gym_id, disable_env_checker=True, **kwargs)
    obs, info = env.reset(seed=seed)
    assert env.observation_space.contains(obs) and finite(info)
    env.action_space.seed(seed)
    previous = None
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs), "observation outside the space"
        assert np.isfinite(reward) and finite(info)
        if gym_id in INVARIANTS:
            INVARIANTS[gym_id](env, reward, info, previous)
        previous = info
        if terminated or truncated:
            break


def fuzz(gym_id: str, examples: int):
    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(kwargs=configurations(gym_id), seed=st.integers(0, 2**31 - 1), steps=st.integers(1, 12))
    def run(kwargs, seed, steps):
        play(gym_id, kwargs, seed, steps)

    run()


@pytest.mark.parametrize("gym_id", ROWS)
def test_fuzz_fast(gym_id):
    fuzz(gym_id, 40)


@pytest.mark.slow
@pytest.mark.parametrize("gym_id", ROWS)
def test_fuzz_slow(gym_id):
    fuzz(gym_id, SLOW_EXAMPLES)
