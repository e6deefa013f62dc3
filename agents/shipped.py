"""Models shipped with the package, found with ``importlib.resources`` (works from a wheel or a checkout)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["shipped_model", "shipped_models"]


def shipped_models() -> list[str]:
    """Names of the shipped models (``lore_default``, ``lore_skewed``, ...)."""
    folder = resources.files("recogym_eco.agents") / "pretrained"
    return sorted(entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".zip"))


def shipped_model(name: str) -> Path:
    """Path of the shipped model ``name`` (with or without ``.zip``); ``ValueError`` listing the names."""
    stem = name[:-4] if name.endswith(".zip") else name
    if stem not in shipped_models():
        raise ValueError(f"no shipped model named {name!r}; shipped models: {shipped_models()}")
    return Path(str(resources.files("recogym_eco.agents") / "pretrained" / f"{stem}.zip"))
