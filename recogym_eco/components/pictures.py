"""Small RGB pictures for ``render_mode="rgb_array"``, drawn with NumPy only (no plotting library).

Every face of the suite draws with these two helpers, so pictures look alike across environments.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bar_picture", "scatter_picture"]

_PALETTE = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]], dtype=np.uint8)


def bar_picture(panels: list[np.ndarray], height: int = 48, bar_width: int = 6) -> np.ndarray:
    """An RGB uint8 picture with one bar chart per panel (stacked vertically, white background).

    Panel p draws its values as bars scaled to its own maximum, in colour p of a fixed palette; the
    picture is a cheap summary of a round for ``render_mode="rgb_array"`` (video recorders, SB3).
    """
    width = max(1, max(len(v) for v in panels)) * bar_width
    rows = []
    for p, values in enumerate(panels):
        values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = values.max(initial=0.0)
        bar = np.zeros(width // bar_width, dtype=np.int64)
        bar[: values.size] = np.round(height * values / top).astype(np.int64) if top > 0 else 0
        level = np.arange(height)[::-1, None]
        filled = np.repeat(level < bar[None, :], bar_width, axis=1)
        filled[:, bar_width - 1 :: bar_width] = False
        panel = np.full((height + 4, width, 3), 255, dtype=np.uint8)
        panel[2:-2][filled] = _PALETTE[p % len(_PALETTE)]
        rows.append(panel)
    return np.concatenate(rows, axis=0)


def scatter_picture(groups: list[np.ndarray], size: int = 96, dot: int = 1) -> np.ndarray:
    """An RGB uint8 picture of point sets in their first two coordinates (white background).

    Group p is drawn in colour p of the palette, later groups on top; every group shares one frame
    (the bounding box of all points, with a margin), so positions are comparable within a picture.
    """
    pts = [np.asarray(g, dtype=np.float64).reshape(len(g), -1) for g in groups]
    pts = [np.hstack([g, np.zeros((len(g), max(0, 2 - g.shape[1])))])[:, :2] for g in pts]
    every = np.vstack([g for g in pts if len(g)] or [np.zeros((1, 2))])
    every = every[np.all(np.isfinite(every), axis=1)] if np.isfinite(every).any() else np.zeros((1, 2))
    low, high = every.min(axis=0), every.max(axis=0)
    span = np.maximum(high - low, 1e-12)
    canvas = np.full((size, size, 3), 255, dtype=np.uint8)
    for p, g in enumerate(pts):
        g = g[np.all(np.isfinite(g), axis=1)]
        cell = np.round(3 + (size - 7) * (g - low) / span).astype(np.int64)
        for dx in range(-dot, dot + 1):
            for dy in range(-dot, dot + 1):
                x = np.clip(cell[:, 0] + dx, 0, size - 1)
                y = np.clip(size - 1 - (cell[:, 1] + dy), 0, size - 1)
                canvas[y, x] = _PALETTE[p % len(_PALETTE)]
    return canvas
