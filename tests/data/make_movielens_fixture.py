"""Write the tiny made-up MovieLens fixtures used by ``test_movielens.py`` (deterministic).

Run from anywhere: ``python tests/data/make_movielens_fixture.py``. It (re)writes

* ``ml-100k-mini/`` in the GroupLens layout (``u.data``, ``u.item`` latin-1, ``u.user``), and
* ``ml-100k-mini-recbole/ml-100k-mini.{inter,item,user}`` in RecBole's atomic-file layout (UTF-8,
  typed header, title and release year split, genres as a token list), as recbole 1.2.1 ships them.

The data: 30 users (ids 1..30; user 30 has no ratings), 40 items (ids 1..39 and 101, so numeric and
lexicographic id order differ; item 101 is never rated), 400 distinct ratings in random row order.
Item 1 mimics the real item 267 (title 'unknown', no date, only the 'unknown' genre; RecBole spells its
title 'unkonwn'), item 9 the real item 1412 (GroupLens title ending in '(1993) (V)', RecBole year 'V'),
and item 7 has a non-ASCII title to exercise the encodings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)  # fmt: skip
OCCUPATIONS = ("student", "engineer", "artist", "other", "writer", "educator")
NUM_USERS, NUM_RATINGS = 30, 400
ITEM_IDS = tuple(range(1, 40)) + (101,)


def build() -> dict[str, list]:
    rng = np.random.default_rng(20240601)
    items = []
    for iid in ITEM_IDS:
        year = 1950 + int(rng.integers(0, 48))
        if iid == 1:
            flags = [0] * len(GENRES)
            flags[0] = 1
        else:
            k = int(rng.integers(1, 4))
            chosen = rng.choice(np.arange(1, len(GENRES)), size=k, replace=False)
            flags = [int(g in chosen) for g in range(len(GENRES))]
        title = "Movie %d, The" % iid if iid % 5 == 0 else "Movie %d" % iid
        if iid == 7:
            title = "Café Société"
        if iid == 9:
            title, year = "Movie 9 (1993)", "V"
        items.append((iid, title, str(year), flags))

    users = []
    for uid in range(1, NUM_USERS + 1):
        users.append(
            (uid, int(rng.integers(15, 70)), "MF"[int(rng.integers(0, 2))],
             OCCUPATIONS[int(rng.integers(0, len(OCCUPATIONS)))], "%05d" % int(rng.integers(0, 99999)))
        )  # fmt: skip

    rated_users = np.arange(1, NUM_USERS)
    rated_items = np.array(ITEM_IDS[:-1])
    pairs = [(u, i) for u in rated_users for i in rated_items]
    pick = rng.choice(len(pairs), size=NUM_RATINGS, replace=False)
    ratings = []
    for k in pick:
        u, i = pairs[k]
        stars, when = int(rng.integers(1, 6)), 874724710 + int(rng.integers(0, 20_000_000))
        ratings.append((int(u), int(i), stars, when))
    return {"items": items, "users": users, "ratings": ratings}


def write_grouplens(data: dict[str, list], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ratings = "".join("%d\t%d\t%d\t%d\n" % r for r in data["ratings"])
    (folder / "u.data").write_text(ratings, encoding="latin-1")
    lines = []
    for iid, title, year, flags in data["items"]:
        flag_text = "|".join(map(str, flags))
        if iid == 1:
            lines.append("1|unknown||||%s\n" % flag_text)
            continue
        url = "http://us.imdb.com/M/title-exact?%s" % title.replace(" ", "%20")
        date = "01-Jan-%s" % (year if year.isdigit() else "1993")
        lines.append("%d|%s (%s)|%s||%s|%s\n" % (iid, title, year, date, url, flag_text))
    (folder / "u.item").write_text("".join(lines), encoding="latin-1")
    (folder / "u.user").write_text("".join("%d|%d|%s|%s|%s\n" % u for u in data["users"]), encoding="latin-1")


def write_recbole(data: dict[str, list], folder: Path, stem: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    inter = ["user_id:token\titem_id:token\trating:float\ttimestamp:float\n"]
    inter += ["%d\t%d\t%d\t%d\n" % r for r in data["ratings"]]
    (folder / f"{stem}.inter").write_text("".join(inter), encoding="utf-8")
    item = ["item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"]
    for iid, title, year, flags in data["items"]:
        genres = " ".join(g for g, f in zip(GENRES, flags) if f)
        if iid == 1:
            title = year = "unkonwn"
        item.append("%d\t%s\t%s\t%s\n" % (iid, title, year, genres))
    (folder / f"{stem}.item").write_text("".join(item), encoding="utf-8")
    user = ["user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"]
    user += ["%d\t%d\t%s\t%s\t%s\n" % u for u in data["users"]]
    (folder / f"{stem}.user").write_text("".join(user), encoding="utf-8")


def main() -> None:
    data = build()
    write_grouplens(data, HERE / "ml-100k-mini")
    write_recbole(data, HERE / "ml-100k-mini-recbole", "ml-100k-mini")


if __name__ == "__main__":
    main()
