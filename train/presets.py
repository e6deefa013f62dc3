"""Experiment presets of the LoRe study (seed 001, Section 5) for CreatorSuggestion-v0.

Each preset is a dict of env keyword arguments on top of the env defaults:

- ``default``: the env defaults (paper scale; moderately skewed synthetic users, skew 1).
- ``balanced``: every genre equally popular (skew 0), in the spirit of the paper's YouTube data.
- ``skewed``: most users share one favourite genre (skew 2.5), in the spirit of its Amazon data.
- ``movielens``: user preferences from MovieLens-100K ratings (the 14 most-rated genres).
- ``trust-0.4`` / ``trust-0.6`` / ``trust-0.8``: the trust sweep of Figure 4(b), trust mean 0.4 /
  0.6 / 0.8 with std 1.0 and click-driven trust dynamics.
- ``creator-<fallback>``: the creator-model sweep of Section 5.4, one preset per fallback.
"""

from __future__ import annotations

import json
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "balanced": {"preference_skew": 0.0},
    "skewed": {"preference_skew": 2.5},
    "movielens": {"user_preferences": "movielens"},
    **{f"trust-{m}": {"trust_mean": m, "trust_std": 1.0, "trust_dynamics": "clicks"} for m in (0.4, 0.6, 0.8)},
    **{f"creator-{f}": {"creator_fallback": f} for f in ("random_history", "most_clicked_history", "cfd", "simuline")},
}


def env_kwargs(preset: str = "default", overrides: str | dict[str, Any] | None = None) -> dict[str, Any]:
    """Keyword arguments of ``preset`` updated with ``overrides`` (a dict or a JSON object string)."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}; got {preset!r}")
    extra = json.loads(overrides) if isinstance(overrides, str) else dict(overrides or {})
    if not isinstance(extra, dict):
        raise ValueError(f"env overrides must be a JSON object; got {overrides!r}")
    return {**PRESETS[preset], **extra}
