"""Experiment presets of the LoRe study (seed 001, Section 5) for CreatorSuggestion-v0, and the
command-line argument types the scripts of ``recogym_eco.train`` share.

Each preset is a dict of env keyword arguments on top of the env defaults:

- ``default``: the env defaults (paper scale; moderately skewed synthetic users, skew 1).
- ``balanced``: every genre equally popular (skew 0), in the spirit of the paper's YouTube data.
- ``skewed``: most users share one favourite genre (skew 2.5), in the spirit of its Amazon data.
- ``movielens``: user preferences from MovieLens-100K ratings (the 14 most-rated genres).
- ``trust-0.4`` / ``trust-0.6`` / ``trust-0.8``: the trust sweep of Figure 4(b), trust mean 0.4 /
  0.6 / 0.8 with std 1.0 and click-driven trust dynamics.
- ``creator-<fallback>``: the creator-model sweep of Section 5.4, one preset per fallback.

A preset ``p`` has a shipped LoRe model when ``lore_<p>`` (dashes as underscores) is one of
:func:`recogym_eco.agents.shipped.shipped_models`: today ``default`` and ``skewed``.
"""

from __future__ import annotations

import argparse
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


def parse_json_object(text: str | dict[str, Any] | None, what: str = "env overrides") -> dict[str, Any]:
    """``text`` (a JSON object string, a dict or None) as a dict; ``ValueError`` on invalid JSON or a
    JSON value that is not an object, quoting the input and saying what is expected."""
    if text is None:
        return {}
    if isinstance(text, dict):
        return dict(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} must be a JSON object such as '{{\"num_creators\": 20}}'; {text!r} is not "
                         f"valid JSON ({e})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object such as '{{\"num_creators\": 20}}'; got a JSON "
                         f"{type(value).__name__}: {text!r}")
    return value


def env_kwargs(preset: str = "default", overrides: str | dict[str, Any] | None = None) -> dict[str, Any]:
    """Keyword arguments of ``preset`` updated with ``overrides`` (a dict or a JSON object string)."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}; got {preset!r}")
    return {**PRESETS[preset], **parse_json_object(overrides)}


def json_object_arg(text: str) -> dict[str, Any]:
    """argparse ``type`` for a JSON-object option: a one-line usage error on bad input."""
    try:
        return parse_json_object(text, "the value")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def positive_int_arg(text: str) -> int:
    """argparse ``type`` for a count that must be at least 1 (seeds, envs, workers)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (at least 1); got {value}")
    return value


def non_negative_int_arg(text: str) -> int:
    """argparse ``type`` for a count that may be 0 (0 turns the step off)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (0 turns it off); got {value}")
    return value


def shipped_lore_name(preset: str) -> str | None:
    """Name of the shipped LoRe model trained on ``preset`` (``lore_<preset>``), or None if none is shipped."""
    from recogym_eco.agents.shipped import shipped_models

    name = "lore_" + preset.replace("-", "_")
    return name if name in shipped_models() else None
