"""What every world with more than one engine shares."""

from __future__ import annotations


class EngineFallbackWarning(RuntimeWarning):
    """The requested engine cannot run this configuration here; another one (named) is used instead."""
