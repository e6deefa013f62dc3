"""MovieLens-100K: ratings, movie genres and user demographics as plain numpy arrays.

MovieLens-100K (GroupLens Research, https://grouplens.org/datasets/movielens/100k/) holds 100,000
ratings (1-5 stars) by 943 users of 1,682 movies, collected 1997-98. Each movie carries one or more of
19 genre flags and each user an age, gender and occupation. The worlds of this package use it to
calibrate users' genre tastes and the popularity skew of items.

Two copies of the same data are understood, read directly from disk (nothing is ever downloaded):

* **GroupLens layout** - the folder ``ml-100k/`` from ``ml-100k.zip`` (or the zip itself):
  ``u.data`` (tab-separated ``user item rating timestamp``), ``u.item`` (pipe-separated, latin-1,
  ``id|title|release date|video release date|IMDb URL|`` followed by 19 genre flags) and ``u.user``
  (pipe-separated ``id|age|gender|occupation|zip``).
* **RecBole atomic files** - ``ml-100k.inter``, ``ml-100k.item`` and ``ml-100k.user``, shipped inside
  the pure-Python ``recbole==1.2.1`` wheel under ``recbole/dataset_example/ml-100k/``. These are
  tab-separated UTF-8 with a typed header (``user_id:token``, ``class:token_seq``, ...); genres are a
  space-separated token list and the release year is split out of the title. Any stem is accepted
  (RecBole names the files after their folder). A folder of them, the ``.whl`` itself (read with
  :mod:`zipfile`, not extracted) or an installed ``recbole`` package all work.

Both sources load to equal :class:`MovieLens` objects: original ids are sorted numerically and
renumbered ``0..n-1``, ratings keep the file's row order, genres follow the GroupLens column order
(:data:`GENRES`), and titles are stored as RecBole stores them: without GroupLens' final parenthesised
group, normally the release year (``"Toy Story (1995)"`` -> ``"Toy Story"``), and with RecBole's
``"unkonwn"`` title corrected to ``"unknown"``.

Where the data is found is decided by :func:`find_movielens`: an explicit path, else the environment
variable ``RECOGYM_ECO_MOVIELENS``, else the example folder of an installed ``recbole``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np

__all__ = [
    "ENV_VAR",
    "GENRES",
    "MovieLens",
    "find_movielens",
    "genre_preferences",
    "load_movielens",
    "user_item_matrix",
]

ENV_VAR = "RECOGYM_ECO_MOVIELENS"

GENRES: tuple[str, ...] = (
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)

_GROUPLENS_FILES = ("u.data", "u.item", "u.user")
_RECBOLE_SUFFIXES = (".inter", ".item", ".user")
_RECBOLE_WHEEL_DIR = "recbole/dataset_example/ml-100k"
_TITLE_YEAR = re.compile(r"\s*\([^()]*\)\s*$")
_RECBOLE_TITLE_FIXES = {"unkonwn": "unknown"}

_HOW_TO_GET = (
    "Get MovieLens-100K in one of two ways and pass its path (or set the environment variable "
    f"{ENV_VAR} to it):\n"
    "  1. the GroupLens folder: download and unzip https://files.grouplens.org/datasets/movielens/"
    "ml-100k.zip and pass the 'ml-100k' folder (holding u.data, u.item, u.user) or the zip itself;\n"
    "  2. the copy shipped with RecBole: `pip download recbole==1.2.1 --no-deps -d DIR` and pass "
    "DIR/recbole-1.2.1-py3-none-any.whl (or its unzipped recbole/dataset_example/ml-100k folder), "
    "or `pip install recbole==1.2.1 --no-deps` to have it found automatically."
)


@dataclass(frozen=True)
class MovieLens:
    """MovieLens-100K with 0-based contiguous ids; arrays are read-only.

    ratings: (n, 3) int64 rows ``(user, item, rating)``, rating in 1..5, in the source file's order.
    timestamps: (n,) int64 Unix seconds of each rating (zeros if the source lacks them).
    num_users, num_items: id ranges; every user/item of the user/item files counts, rated or not.
    item_genres: (num_items, len(genre_names)) bool genre flags (a movie may have several).
    genre_names: column names of ``item_genres``, in GroupLens order (:data:`GENRES`).
    item_titles: title of each item without its final "(year)" group ("" if the item file lacks it).
    user_age: (num_users,) int64 age in years (-1 if unknown).
    user_gender: (num_users,) '<U1' ``"M"``/``"F"`` ("" if unknown).
    user_occupation: occupation of each user ("" if unknown).

    ``==`` compares every field, arrays element-wise.
    """

    ratings: np.ndarray
    timestamps: np.ndarray
    num_users: int
    num_items: int
    item_genres: np.ndarray
    genre_names: tuple[str, ...]
    item_titles: tuple[str, ...]
    user_age: np.ndarray
    user_gender: np.ndarray
    user_occupation: tuple[str, ...]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MovieLens):
            return NotImplemented
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray):
                if not (isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)):
                    return False
            elif a != b:
                return False
        return True

    def __repr__(self) -> str:
        return (
            f"MovieLens(num_users={self.num_users}, num_items={self.num_items}, "
            f"num_ratings={len(self.ratings)}, num_genres={len(self.genre_names)})"
        )


@dataclass(frozen=True)
class _Files:
    """The three data files of one copy, whatever their container."""

    layout: Literal["grouplens", "recbole"]
    origin: str
    read: Callable[[str], bytes]
    ratings: str
    items: str
    users: str


def find_movielens(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve where MovieLens-100K lives, without reading or downloading it.

    Order: ``path`` if given; else the environment variable ``RECOGYM_ECO_MOVIELENS``; else the
    ``dataset_example/ml-100k`` folder of an installed ``recbole`` package (located with
    :func:`importlib.util.find_spec`, so recbole and its torch dependency are not imported).
    The result is an existing folder or zip/wheel file; :func:`load_movielens` checks its contents.

    Raises FileNotFoundError naming the path (or saying how to obtain the data when nothing is found).
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():
            raise FileNotFoundError(f"MovieLens path {str(p)!r} does not exist.\n{_HOW_TO_GET}")
        return p
    env = os.environ.get(ENV_VAR)
    if env:
        p = Path(env).expanduser()
        if not p.exists():
            raise FileNotFoundError(
                f"{ENV_VAR}={env!r} points to a path that does not exist.\n{_HOW_TO_GET}"
            )
        return p
    spec = importlib.util.find_spec("recbole")
    if spec is not None and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            p = Path(root) / "dataset_example" / "ml-100k"
            if p.is_dir():
                return p
    raise FileNotFoundError(f"MovieLens-100K not found.\n{_HOW_TO_GET}")


def load_movielens(path: str | os.PathLike[str] | None = None) -> MovieLens:
    """Load MovieLens-100K from a GroupLens folder/zip, a RecBole folder or wheel (see module doc).

    ``path`` is resolved by :func:`find_movielens`. A folder may also be the parent of an ``ml-100k``
    folder (e.g. recbole's ``dataset_example``). Raises FileNotFoundError if the path is missing and
    ValueError if it does not hold the expected files or they are malformed. Every field is checked,
    and the first bad one is reported with its file, 1-based line and what is allowed: each row has
    exactly the layout's column count (a RecBole row: its header's); user and item ids are
    non-negative integers; ratings are whole stars 1..5 and timestamps whole seconds >= 0 (``nan``,
    ``inf`` and non-numbers rejected, nothing rounded); GroupLens genre flags are ``0``/``1`` and
    RecBole genres names of :data:`GENRES`; an age is a non-negative integer and a gender ``M``/``F``
    (either may be empty).
    """
    files = _locate(find_movielens(path))
    if files.layout == "grouplens":
        return _load_grouplens(files)
    return _load_recbole(files)


def genre_preferences(
    ml: MovieLens,
    *,
    drop_unknown: bool = True,
    min_ratings: int = 1,
    pseudo_count: float = 2.0,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each user's preference for each genre in [0, 1], from what and how they rated.

    For user u and genre g, over u's ratings r of movies tagged g (a movie with several genres counts
    for each of them):

    * ``n[u,g]`` = number of such ratings, ``s[u,g]`` = their sum, ``m[u]`` = u's mean rating over all
      their ratings (3 for a user without ratings);
    * smoothed mean ``mean[u,g] = (s[u,g] + c * m[u]) / (n[u,g] + c)`` with pseudo-count
      ``c = pseudo_count`` (default 2: two phantom ratings at the user's own mean, so a genre seen
      once does not jump to 1 or 0);
    * liking ``like[u,g] = clip((mean[u,g] - 1) / 4, 0, 1)`` (stars 1..5 mapped onto 0..1);
    * share ``share[u,g] = n[u,g] / max_h n[u,h]`` over the returned genres (1 for u's most-rated
      genre, 0 for a genre never watched; 0 everywhere for a user without ratings);
    * ``pref[u,g] = like[u,g] * share[u,g]``, set to 0 where ``n[u,g] < min_ratings``.

    Returns ``(pref, names)``: pref is (num_users, G') float64 and names its column genres, i.e.
    ``ml.genre_names`` without ``"unknown"`` when ``drop_unknown`` (the default).
    """
    if pseudo_count < 0:
        raise ValueError(f"pseudo_count must be >= 0, got {pseudo_count}")
    keep = np.array([not (drop_unknown and g == "unknown") for g in ml.genre_names], dtype=bool)
    names = tuple(g for g, k in zip(ml.genre_names, keep) if k)
    genres = ml.item_genres[:, keep]

    users, items = ml.ratings[:, 0], ml.ratings[:, 1]
    stars = ml.ratings[:, 2].astype(np.float64)
    n_user = np.bincount(users, minlength=ml.num_users).astype(np.float64)
    s_user = np.bincount(users, weights=stars, minlength=ml.num_users)
    mean_user = np.divide(s_user, n_user, out=np.full(ml.num_users, 3.0), where=n_user > 0)

    shape = (ml.num_users, len(names))
    rating_idx, genre_idx = np.nonzero(genres[items])
    cell = users[rating_idx] * len(names) + genre_idx
    size = shape[0] * shape[1]
    n = np.bincount(cell, minlength=size).astype(np.float64).reshape(shape)
    s = np.bincount(cell, weights=stars[rating_idx], minlength=size).reshape(shape)

    denom = n + pseudo_count
    mean = np.divide(
        s + pseudo_count * mean_user[:, None],
        denom,
        out=np.broadcast_to(mean_user[:, None], n.shape).copy(),
        where=denom > 0,
    )
    like = np.clip((mean - 1.0) / 4.0, 0.0, 1.0)
    top = n.max(axis=1, keepdims=True) if names else np.zeros((ml.num_users, 1))
    share = np.divide(n, top, out=np.zeros_like(n), where=top > 0)
    pref = like * share
    pref[n < min_ratings] = 0.0
    return pref, names


def user_item_matrix(ml: MovieLens) -> np.ndarray:
    """Dense (num_users, num_items) float32 matrix of stars; 0 marks an unrated pair."""
    m = np.zeros((ml.num_users, ml.num_items), dtype=np.float32)
    m[ml.ratings[:, 0], ml.ratings[:, 1]] = ml.ratings[:, 2]
    return m


def _locate(p: Path) -> _Files:
    """Find the three data files in a folder or a zip/wheel; ValueError if they are not there."""
    if p.is_dir():
        found = _files_in_folder(p)
        if found is None and (p / "ml-100k").is_dir():
            found = _files_in_folder(p / "ml-100k")
        if found is None:
            raise ValueError(
                f"{str(p)!r} holds no MovieLens-100K data: expected the GroupLens files "
                f"{', '.join(_GROUPLENS_FILES)} or RecBole files *.inter, *.item, *.user "
                f"(directly or in an 'ml-100k' subfolder).\n{_HOW_TO_GET}"
            )
        return found
    if zipfile.is_zipfile(p):
        return _files_in_zip(p)
    raise ValueError(
        f"{str(p)!r} is neither a folder nor a zip/wheel file; expected a MovieLens-100K folder, "
        f"ml-100k.zip or a recbole .whl.\n{_HOW_TO_GET}"
    )


def _files_in_folder(folder: Path) -> _Files | None:
    def read(name: str) -> bytes:
        return (folder / name).read_bytes()

    if all((folder / f).is_file() for f in _GROUPLENS_FILES):
        return _Files("grouplens", str(folder), read, *_GROUPLENS_FILES)
    picked = _pick_recbole([f.name for f in folder.iterdir() if f.is_file()], folder.name, str(folder))
    if picked is None:
        return None
    return _Files("recbole", str(folder), read, *picked)


def _pick_recbole(names: Sequence[str], stem_hint: str, origin: str) -> tuple[str, str, str] | None:
    """The (inter, item, user) file names among ``names``, all with one stem; None if absent."""
    stems = [
        n[: -len(".inter")]
        for n in names
        if n.endswith(".inter") and all(n[: -len(".inter")] + s in names for s in _RECBOLE_SUFFIXES)
    ]
    if not stems:
        return None
    if len(stems) > 1:
        if stem_hint not in stems:
            raise ValueError(
                f"{origin!r} holds several RecBole datasets ({', '.join(sorted(stems))}); "
                "pass the path of a folder with just one."
            )
        stems = [stem_hint]
    stem = stems[0]
    return stem + ".inter", stem + ".item", stem + ".user"


def _files_in_zip(p: Path) -> _Files:
    with zipfile.ZipFile(p) as zf:
        members = [m for m in zf.namelist() if not m.endswith("/")]
    by_dir: dict[str, list[str]] = {}
    for m in members:
        pm = PurePosixPath(m)
        by_dir.setdefault(str(pm.parent), []).append(pm.name)
    ordered = sorted(by_dir, key=lambda d: (d != _RECBOLE_WHEEL_DIR, d.count("/"), d))
    for d in ordered:
        names = by_dir[d]
        prefix = "" if d == "." else d + "/"

        def read(name: str, _prefix: str = prefix) -> bytes:
            with zipfile.ZipFile(p) as zf:
                return zf.read(_prefix + name)

        origin = f"{p}!{prefix}"
        if all(f in names for f in _GROUPLENS_FILES):
            return _Files("grouplens", origin, read, *_GROUPLENS_FILES)
        picked = _pick_recbole(names, PurePosixPath(d).name, origin)
        if picked is not None:
            return _Files("recbole", origin, read, *picked)
    raise ValueError(
        f"zip file {str(p)!r} holds no MovieLens-100K data: expected a member folder with "
        f"{', '.join(_GROUPLENS_FILES)} or with RecBole *.inter, *.item, *.user files "
        f"(recbole wheels keep them in {_RECBOLE_WHEEL_DIR}/).\n{_HOW_TO_GET}"
    )


_Row = tuple[int, list[str]]


def _rows(files: _Files, name: str, sep: str, encoding: str) -> list[_Row]:
    """``(line number, fields)`` of every non-blank line of ``name``; lines count from 1 and split at
    ``\\n`` only (``str.splitlines`` would also split latin-1 text at byte 0x85)."""
    try:
        text = files.read(name).decode(encoding)
    except UnicodeDecodeError as e:
        raise _bad(files, name, f"not {encoding} text ({e})") from None
    return [
        (k, line.rstrip("\r").split(sep))
        for k, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]


def _bad(files: _Files, name: str, what: str, line: int | None = None) -> ValueError:
    at = "" if line is None else f", line {line}"
    return ValueError(f"malformed MovieLens file {name!r} in {files.origin!r}{at}: {what}")


def _check_width(files: _Files, name: str, rows: Sequence[_Row], width: int, layout: str) -> None:
    """ValueError at the first row without exactly ``width`` fields."""
    for line, row in rows:
        if len(row) != width:
            raise _bad(files, name, f"expected {width} columns ({layout}), got {len(row)}: {row!r}", line)


def _ids(files: _Files, name: str, rows: Sequence[_Row], col: int, what: str) -> list[str]:
    """Column ``col`` as id tokens; ValueError at the first that is not a non-negative integer."""
    tokens = [row[col].strip() for _, row in rows]
    for (line, _), t in zip(rows, tokens):
        if not (t.isascii() and t.isdigit()):
            raise _bad(files, name, f"{what} must be a non-negative integer, got {t!r}", line)
    return tokens


def _to_float(token: str) -> float:
    try:
        return float(token)
    except ValueError:
        return float("nan")


def _whole_numbers(
    files: _Files, name: str, rows: Sequence[_Row], col: int, what: str, low: float, high: float
) -> np.ndarray:
    """Column ``col`` as int64; ValueError at the first token that is not a finite whole number in
    ``[low, high]`` (non-numbers, ``nan`` and ``inf`` included)."""
    values = np.array([_to_float(row[col]) for _, row in rows], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (values == np.round(values)) & (values >= low) & (values <= high)
    if not ok.all():
        k = int(np.argmin(ok))
        line, row = rows[k]
        allowed = f"from {low:g} to {high:g}" if np.isfinite(high) else f">= {low:g}"
        allowed = "a whole number " + allowed
        raise _bad(files, name, f"{what} must be {allowed}, got {row[col].strip()!r}", line)
    return values.astype(np.int64)


def _inter(
    files: _Files, rows: Sequence[_Row], cu: int, ci: int, cr: int, ct: int | None
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Validated rating rows: user and item id tokens, stars (1..5) and timestamps (zeros without ``ct``)."""
    if not rows:
        raise _bad(files, files.ratings, "no ratings")
    name = files.ratings
    users = _ids(files, name, rows, cu, "user id")
    items = _ids(files, name, rows, ci, "item id")
    stars = _whole_numbers(files, name, rows, cr, "rating", 1, 5)
    if ct is None:
        stamps = np.zeros(len(rows), dtype=np.int64)
    else:
        stamps = _whole_numbers(files, name, rows, ct, "timestamp (Unix seconds)", 0, np.inf)
    return users, items, stars, stamps


def _user_fields(files: _Files, line: int, age: str, gender: str) -> tuple[int, str]:
    """Age in years (-1 if empty) and gender ``M``/``F`` ("" if empty); ValueError otherwise."""
    if age and not (age.isascii() and age.isdigit()):
        raise _bad(files, files.users, f"age must be a non-negative integer (or empty), got {age!r}", line)
    if gender not in ("M", "F", ""):
        raise _bad(files, files.users, f"gender must be 'M' or 'F' (or empty), got {gender!r}", line)
    return (int(age) if age else -1), gender


def _id_index(*id_lists: Sequence[str]) -> dict[str, int]:
    """Map original id tokens (non-negative integers) to 0..n-1 in numeric order."""
    ids = {t for lst in id_lists for t in lst}
    return {t: i for i, t in enumerate(sorted(ids, key=int))}


def _strip_year(title: str) -> str:
    return _TITLE_YEAR.sub("", title).strip()


def _assemble(
    files: _Files,
    inter: tuple[list[str], list[str], np.ndarray, np.ndarray],
    items: list[tuple[str, str, np.ndarray]],
    users: list[tuple[str, int, str, str]],
) -> MovieLens:
    """Build the dataset from validated fields: rating columns (user ids, item ids, stars, timestamps),
    item rows (id, title, genre flags) and user rows (id, age, gender, occupation)."""
    inter_users, inter_items, stars, timestamps = inter
    uidx = _id_index(inter_users, [u[0] for u in users])
    iidx = _id_index(inter_items, [i[0] for i in items])
    ratings = np.stack(
        [
            np.array([uidx[u] for u in inter_users], dtype=np.int64),
            np.array([iidx[i] for i in inter_items], dtype=np.int64),
            stars,
        ],
        axis=1,
    )

    num_users, num_items = len(uidx), len(iidx)
    item_genres = np.zeros((num_items, len(GENRES)), dtype=bool)
    titles = [""] * num_items
    for iid, title, flags in items:
        titles[iidx[iid]] = title
        item_genres[iidx[iid]] = flags
    user_age = np.full(num_users, -1, dtype=np.int64)
    user_gender = np.full(num_users, "", dtype="<U1")
    occupation = [""] * num_users
    for uid, age, gender, occ in users:
        k = uidx[uid]
        user_age[k] = age
        user_gender[k] = gender
        occupation[k] = occ

    for a in (ratings, timestamps, item_genres, user_age, user_gender):
        a.setflags(write=False)
    return MovieLens(
        ratings=ratings,
        timestamps=timestamps,
        num_users=num_users,
        num_items=num_items,
        item_genres=item_genres,
        genre_names=GENRES,
        item_titles=tuple(titles),
        user_age=user_age,
        user_gender=user_gender,
        user_occupation=tuple(occupation),
    )


def _load_grouplens(files: _Files) -> MovieLens:
    rows = _rows(files, files.ratings, "\t", "latin-1")
    _check_width(files, files.ratings, rows, 4, "tab-separated user, item, rating, timestamp")
    inter = _inter(files, rows, 0, 1, 2, 3)

    n_genres = len(GENRES)
    rows = _rows(files, files.items, "|", "latin-1")
    _check_width(files, files.items, rows, 5 + n_genres,
                 f"id|title|release date|video release date|IMDb URL|{n_genres} genre flags")
    ids = _ids(files, files.items, rows, 0, "item id")
    items = []
    for iid, (line, row) in zip(ids, rows):
        tokens = [f.strip() for f in row[-n_genres:]]
        wrong = [t for t in tokens if t not in ("0", "1")]
        if wrong:
            raise _bad(files, files.items, f"genre flags must be 0 or 1, got {wrong[0]!r}", line)
        items.append((iid, _strip_year(row[1]), np.array([t == "1" for t in tokens], dtype=bool)))

    rows = _rows(files, files.users, "|", "latin-1")
    _check_width(files, files.users, rows, 5, "id|age|gender|occupation|zip code")
    ids = _ids(files, files.users, rows, 0, "user id")
    users = [
        (uid, *_user_fields(files, line, row[1].strip(), row[2].strip()), row[3].strip())
        for uid, (line, row) in zip(ids, rows)
    ]
    return _assemble(files, inter, items, users)


def _recbole_table(files: _Files, name: str, required: Sequence[str]) -> tuple[dict[str, int], list[_Row]]:
    """Rows of a RecBole atomic file after its header and the column index of each field name (types
    dropped); ValueError if a required column is missing or a row's width differs from the header's."""
    rows = _rows(files, name, "\t", "utf-8")
    if not rows:
        raise _bad(files, name, "empty file")
    header_line, header = rows[0]
    cols = {h.split(":", 1)[0].strip(): k for k, h in enumerate(header)}
    missing = [c for c in required if c not in cols]
    if missing:
        raise _bad(files, name, f"header {header!r} lacks column(s) {missing}", header_line)
    _check_width(files, name, rows[1:], len(header), "one per header field " + ", ".join(cols))
    return cols, rows[1:]


def _load_recbole(files: _Files) -> MovieLens:
    cols, rows = _recbole_table(files, files.ratings, ("user_id", "item_id", "rating"))
    inter = _inter(files, rows, cols["user_id"], cols["item_id"], cols["rating"], cols.get("timestamp"))

    cols, rows = _recbole_table(files, files.items, ("item_id",))
    genre_col = {g: k for k, g in enumerate(GENRES)}
    ctitle, cclass = cols.get("movie_title"), cols.get("class")
    ids = _ids(files, files.items, rows, cols["item_id"], "item id")
    items = []
    for iid, (line, r) in zip(ids, rows):
        flags = np.zeros(len(GENRES), dtype=bool)
        for token in ([] if cclass is None else r[cclass].split()):
            if token not in genre_col:
                raise _bad(files, files.items, f"unknown genre {token!r} (known: {', '.join(GENRES)})", line)
            flags[genre_col[token]] = True
        title = "" if ctitle is None else r[ctitle].strip()
        items.append((iid, _RECBOLE_TITLE_FIXES.get(title, title), flags))

    cols, rows = _recbole_table(files, files.users, ("user_id",))

    def col(r: list[str], name: str) -> str:
        return r[cols[name]].strip() if name in cols else ""

    ids = _ids(files, files.users, rows, cols["user_id"], "user id")
    users = [
        (uid, *_user_fields(files, line, col(r, "age"), col(r, "gender")), col(r, "occupation"))
        for uid, (line, r) in zip(ids, rows)
    ]
    return _assemble(files, inter, items, users)
