"""The one table of environments: every Gymnasium id and PettingZoo game of the suite, with defaults.

``import recogym_eco`` registers every row (:func:`register_all`). Adding an environment means adding
one :class:`EnvEntry` to :data:`ENVIRONMENTS`; the conformance test (``tests/test_conformance.py``)
then checks it with Gymnasium's and SB3's ``check_env``, PettingZoo's API tests, determinism and
mid-episode ``deepcopy``/``pickle`` replay, using ``test_kwargs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ENVIRONMENTS", "EnvEntry", "entry", "register_all"]

NAMESPACE = "recogym_eco"


@dataclass(frozen=True)
class EnvEntry:
    """One environment of the suite.

    gym_id: ``"recogym_eco/Name-vN"``; entry_point: ``"module:Class"`` of the Gymnasium face;
    pettingzoo_module: module with ``parallel_env`` and ``env`` factories (``None``: no PettingZoo face),
    registered as ``recogym_eco/<module name without _vN>-vN``; defaults: keyword arguments both faces
    start from; test_kwargs: a small, fast configuration for the conformance tests.
    """

    gym_id: str
    entry_point: str
    pettingzoo_module: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    test_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def game_id(self) -> str | None:
        """PettingZoo registry id (``recogym_eco/creator_suggestion-v0``), or ``None``."""
        if self.pettingzoo_module is None:
            return None
        name = self.pettingzoo_module.rsplit(".", 1)[1]
        base, _, version = name.rpartition("_")
        return f"{NAMESPACE}/{base}-{version}"


ENVIRONMENTS: tuple[EnvEntry, ...] = (
    EnvEntry(
        gym_id="recogym_eco/CreatorSuggestion-v0",
        entry_point="recogym_eco.envs.creator_suggestion:CreatorSuggestionEnv",
        pettingzoo_module="recogym_eco.envs.creator_suggestion_v0",
        test_kwargs=dict(num_creators=6, num_users=20, num_genres=4, horizon=8),
    ),
    EnvEntry(
        gym_id="recogym_eco/ContentCompetition-v0",
        entry_point="recogym_eco.envs.content_competition:ContentCompetitionEnv",
        pettingzoo_module="recogym_eco.envs.content_competition_v0",
        defaults=dict(preset="synthetic", mechanism="none"),
        test_kwargs=dict(preset="synthetic", mechanism="HMT", num_creators=6, cluster_sizes=(12, 8),
                         num_groups=2, top_k=3, horizon=12, epoch_length=3),
    ),
)


def entry(gym_id: str) -> EnvEntry:
    """The row of ``gym_id``; ``ValueError`` listing the registered ids."""
    for row in ENVIRONMENTS:
        if row.gym_id == gym_id:
            return row
    raise ValueError(f"unknown environment id {gym_id!r}; registered: {[r.gym_id for r in ENVIRONMENTS]}")


def register_all() -> None:
    """Registers every row with Gymnasium and PettingZoo; idempotent."""
    import gymnasium as gym
    import pettingzoo

    for row in ENVIRONMENTS:
        if row.gym_id not in gym.registry:
            gym.register(id=row.gym_id, entry_point=row.entry_point, kwargs=dict(row.defaults))
        if row.game_id is None:
            continue
        for kind, factory in (("parallel", "parallel_env"), ("aec", "env")):
            if row.game_id not in getattr(pettingzoo, f"{kind}_registry"):
                pettingzoo.register(kind, row.game_id, entry_point=f"{row.pettingzoo_module}:{factory}")
