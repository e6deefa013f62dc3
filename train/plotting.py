"""Plot helpers shared by the scripts of ``recogym_eco.train``: distinguishable series and legends
outside the axes (figures are saved with ``bbox_inches="tight"`` so that nothing is clipped)."""

from __future__ import annotations

from typing import Any

import numpy as np

LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")


def series_style(index: int, length: int, markers: int = 8) -> dict[str, Any]:
    """Line style, marker, marker size and marker positions of series ``index`` (of ``length`` points):
    every series differs from its neighbours in style and marker, markers start at an offset that
    depends on the index, and later series have smaller markers, so where series coincide their
    markers nest instead of hiding each other."""
    every = max(1, length // markers)
    return {"linestyle": LINESTYLES[index % len(LINESTYLES)], "marker": MARKERS[index % len(MARKERS)],
            "markevery": (index % every, every), "markersize": 9.0 - 1.5 * (index % 4)}


def coincident(curves: list[np.ndarray]) -> list[int | None]:
    """For each curve, the index of the first earlier curve it equals (``np.allclose``), else None."""
    arrays = [np.asarray(c) for c in curves]
    same: list[int | None] = []
    for i, c in enumerate(arrays):
        earlier = (j for j in range(i) if arrays[j].shape == c.shape and np.allclose(arrays[j], c))
        same.append(next(earlier, None))
    return same


def coincident_labels(names: list[str], curves: list[np.ndarray]) -> list[str]:
    """``names`` with ``" (same as <earlier name>)"`` added where a curve equals an earlier one."""
    return [n if j is None else f"{n} (same as {names[j]})" for n, j in zip(names, coincident(curves))]


def legend_outside(ax: Any, **kwargs: Any) -> Any:
    """The legend of ``ax`` to the right of the axes, top-aligned."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)
