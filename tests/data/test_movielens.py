"""MovieLens-100K loader: both layouts, wheel/zip reading, path resolution, derived matrices.

Fixtures are the made-up ``ml-100k-mini`` folders written by ``make_movielens_fixture.py``.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import numpy as np
import pytest

from recogym_eco.data import (
    ENV_VAR,
    GENRES,
    MovieLens,
    find_movielens,
    genre_preferences,
    load_movielens,
    user_item_matrix,
)

HERE = Path(__file__).resolve().parent
GROUPLENS = HERE / "ml-100k-mini"
RECBOLE = HERE / "ml-100k-mini-recbole"


@pytest.fixture(scope="module")
def ml() -> MovieLens:
    return load_movielens(GROUPLENS)


def _raw_grouplens() -> tuple[list[tuple[int, int, int, int]], dict[int, list[int]]]:
    """Independent parse of the fixture: rating rows and each original item id's genre flags."""
    ratings = [tuple(map(int, line.split("\t"))) for line in (GROUPLENS / "u.data").read_text().splitlines()]
    flags = {}
    for line in (GROUPLENS / "u.item").read_text(encoding="latin-1").splitlines():
        parts = line.split("|")
        flags[int(parts[0])] = [int(f) for f in parts[-19:]]
    return ratings, flags


def test_both_layouts_load_equal(ml: MovieLens) -> None:
    other = load_movielens(RECBOLE)
    assert other == ml
    for name in ("ratings", "timestamps", "item_genres", "user_age", "user_gender"):
        a, b = getattr(ml, name), getattr(other, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert ml != dataclasses.replace(ml, num_users=31)
    assert ml != dataclasses.replace(ml, ratings=ml.ratings[::-1])


def test_counts_and_types(ml: MovieLens) -> None:
    assert (ml.num_users, ml.num_items, len(ml.ratings)) == (30, 40, 400)
    assert ml.ratings.shape == (400, 3) and ml.ratings.dtype == np.int64
    assert ml.timestamps.shape == (400,) and ml.timestamps.dtype == np.int64
    assert ml.item_genres.shape == (40, 19) and ml.item_genres.dtype == bool
    assert ml.genre_names == GENRES and GENRES[0] == "unknown" and len(GENRES) == 19
    assert ml.user_age.dtype == np.int64 and ml.user_gender.dtype.kind == "U"
    assert len(ml.item_titles) == 40 and len(ml.user_occupation) == 30
    assert not ml.ratings.flags.writeable


def test_hand_check_of_fixture(ml: MovieLens) -> None:
    raw, flags = _raw_grouplens()
    item_ids = sorted(flags)
    assert item_ids[-1] == 101 and len(item_ids) == 40
    u0, i0, r0, t0 = raw[0]
    assert ml.ratings[0].tolist() == [u0 - 1, item_ids.index(i0), r0] and ml.timestamps[0] == t0
    assert ml.ratings[:, 2].min() >= 1 and ml.ratings[:, 2].max() <= 5
    expected_genres = np.array([flags[i] for i in item_ids], dtype=bool)
    assert np.array_equal(ml.item_genres, expected_genres)
    assert ml.item_genres[0].nonzero()[0].tolist() == [0]
    assert ml.item_titles[0] == "unknown" and ml.item_titles[4] == "Movie 5, The"
    assert ml.item_titles[8] == "Movie 9 (1993)"
    assert ml.item_titles[6] == "Café Société" and ml.item_titles[39] == "Movie 101"
    assert (ml.user_age[0], ml.user_gender[0], ml.user_occupation[0]) == (67, "F", "educator")
    per_user = np.bincount(ml.ratings[:, 0], minlength=30)
    assert per_user[29] == 0 and per_user[:29].min() > 0
    assert 39 not in ml.ratings[:, 1]


def test_user_item_matrix(ml: MovieLens) -> None:
    m = user_item_matrix(ml)
    assert m.shape == (30, 40) and m.dtype == np.float32
    assert np.count_nonzero(m) == 400
    u, i, r = ml.ratings[7]
    assert m[u, i] == r
    assert not m[29].any() and not m[:, 39].any()


def test_genre_preferences_shape_and_range(ml: MovieLens) -> None:
    pref, names = genre_preferences(ml)
    assert names == GENRES[1:] and pref.shape == (30, 18)
    assert np.all((pref >= 0) & (pref <= 1))
    assert not pref[29].any()
    full, full_names = genre_preferences(ml, drop_unknown=False)
    assert full_names == GENRES and full.shape == (30, 19)
    strict, _ = genre_preferences(ml, min_ratings=3)
    assert np.all(strict <= pref) and np.count_nonzero(strict) < np.count_nonzero(pref)


def test_genre_preferences_hand_value(ml: MovieLens) -> None:
    raw, flags = _raw_grouplens()
    user, c = 1, 2.0
    mine = [(item, stars) for u, item, stars, _ in raw if u == user]
    mean_all = sum(s for _, s in mine) / len(mine)
    counts = [sum(flags[i][g] for i, _ in mine) for g in range(1, 19)]
    g = int(np.argmax(counts)) + 1
    second = sorted(range(1, 19), key=lambda h: -counts[h - 1])[1]
    pref, names = genre_preferences(ml)
    for genre in (g, second):
        rated = [s for i, s in mine if flags[i][genre]]
        smoothed = (sum(rated) + c * mean_all) / (len(rated) + c)
        expected = (smoothed - 1) / 4 * len(rated) / max(counts)
        assert pref[user - 1, names.index(GENRES[genre])] == pytest.approx(expected)
    never = [h for h in range(1, 19) if counts[h - 1] == 0]
    assert never and all(pref[user - 1, names.index(GENRES[h])] == 0 for h in never)


def _fake_wheel(tmp_path: Path, folder: str) -> Path:
    whl = tmp_path / "recbole-1.2.1-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr("recbole/__init__.py", "")
        for f in RECBOLE.iterdir():
            zf.write(f, f"{folder}/{f.name.replace('ml-100k-mini', 'ml-100k')}")
    return whl


def test_wheel_path(tmp_path: Path, ml: MovieLens) -> None:
    whl = _fake_wheel(tmp_path, "recbole/dataset_example/ml-100k")
    assert load_movielens(whl) == ml
    assert load_movielens(str(whl)) == ml


def test_grouplens_zip(tmp_path: Path, ml: MovieLens) -> None:
    z = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in GROUPLENS.iterdir():
            zf.write(f, f"ml-100k/{f.name}")
    assert load_movielens(z) == ml


def test_bad_paths(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope"):
        load_movielens(missing)
    with pytest.raises(ValueError, match=r"u\.data.*\.inter"):
        load_movielens(tmp_path)
    (tmp_path / "u.data").write_text("1\t2\t3\t4\n")
    with pytest.raises(ValueError, match=str(tmp_path.name)):
        load_movielens(tmp_path)
    junk = tmp_path / "junk.whl"
    junk.write_text("not a zip")
    with pytest.raises(ValueError, match="junk.whl"):
        load_movielens(junk)
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("recbole/__init__.py", "")
    with pytest.raises(ValueError, match="recbole/dataset_example/ml-100k"):
        load_movielens(empty)


def test_malformed_files(tmp_path: Path) -> None:
    for f in RECBOLE.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    item = tmp_path / "ml-100k-mini.item"
    item.write_text(item.read_text(encoding="utf-8").replace("Horror", "Horrorr", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="Horrorr"):
        load_movielens(tmp_path)
    inter = tmp_path / "ml-100k-mini.inter"
    inter.write_text("user:token\titem_id:token\n1\t2\n")
    with pytest.raises(ValueError, match="user_id"):
        load_movielens(tmp_path)


def test_recbole_without_timestamps(tmp_path: Path, ml: MovieLens) -> None:
    for f in RECBOLE.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    inter = tmp_path / "ml-100k-mini.inter"
    lines = inter.read_text().splitlines()
    inter.write_text("".join("\t".join(line.split("\t")[:3]) + "\n" for line in lines))
    other = load_movielens(tmp_path)
    assert np.array_equal(other.ratings, ml.ratings)
    assert other.timestamps.dtype == np.int64 and not other.timestamps.any()


def test_env_var_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ml: MovieLens) -> None:
    monkeypatch.setenv(ENV_VAR, str(RECBOLE))
    assert find_movielens() == RECBOLE
    assert load_movielens() == ml
    assert find_movielens(GROUPLENS) == GROUPLENS
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match=ENV_VAR):
        find_movielens()


def test_nothing_found_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(FileNotFoundError) as err:
        find_movielens()
    msg = str(err.value)
    assert ENV_VAR in msg and "u.data" in msg and "pip download recbole==1.2.1 --no-deps" in msg


def test_installed_recbole_is_found_without_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.machinery
    import importlib.util
    import sys

    pkg = tmp_path / "site" / "recbole"
    target = pkg / "dataset_example" / "ml-100k"
    target.mkdir(parents=True)
    for f in RECBOLE.iterdir():
        (target / f.name.replace("ml-100k-mini", "ml-100k")).write_bytes(f.read_bytes())
    (pkg / "__init__.py").write_text("raise RuntimeError('recbole must not be imported')\n")
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    assert isinstance(importlib.util.find_spec("recbole").loader, importlib.machinery.SourceFileLoader)
    assert find_movielens() == target
    assert load_movielens().num_users == 30
    assert "recbole" not in sys.modules
