"""Shared fixtures: small worlds that keep the suite fast."""

import pytest

@pytest.fixture
def small_kwargs() -> dict:
    return dict(num_creators=8, num_users=30, num_genres=5, slate_size=3, horizon=25)
