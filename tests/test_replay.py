"""The v0 worlds replay their recorded trajectories bit for bit (``tests/replay/record.py`` made them).

A failure here means the dynamics of a published id changed: give the change a new id instead.
ContentCompetition has two fixtures, one per incremental engine (``engine="compiled"`` and
``engine="numpy"``): they may differ in the last bits of utilities (the compiled engine uses libm's
``exp``, NumPy its own), never in a creator's accept decision. ``v0_compiled.json`` was recorded with
the C kernel that the numba engine replaced; the numba engine reproduces it bit for bit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "replay"
sys.path.insert(0, str(HERE))
import record  # noqa: E402

def same(got, expected) -> bool:
    """Equal trajectories; ``info`` may have gained keys (it is reporting, not dynamics)."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(key in got and same(got[key], value) for key, value in expected.items())
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(map(same, got, expected))
    return got == expected


EXPECTED = {name: json.loads((HERE / f"v0_{name}.json").read_text()) for name in ("compiled", "numpy")}


@pytest.mark.parametrize("case", sorted(record.CS_CASES))
def test_creator_suggestion_v0_replays(case):
    got = record.gym_trajectory("recogym_eco/CreatorSuggestion-v0", record.CS_CASES[case])
    assert same(got, EXPECTED["compiled"][case])


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
@pytest.mark.parametrize("case", sorted(record.CC_CASES))
def test_content_competition_v0_replays(case, engine):
    got = record.gym_trajectory("recogym_eco/ContentCompetition-v0", dict(record.CC_CASES[case], engine=engine))
    assert same(got, EXPECTED[engine][case])


def test_parallel_faces_replay():
    from recogym_eco.envs import content_competition_v0, creator_suggestion_v0

    cs = record.parallel_trajectory(creator_suggestion_v0, record.CS_CASES["cs_default"])
    assert same(cs, EXPECTED["compiled"]["cs_parallel"])
    cc = record.parallel_trajectory(content_competition_v0, dict(preset="toy", max_cycles=8))
    assert same(cc, EXPECTED["compiled"]["cc_parallel"])
