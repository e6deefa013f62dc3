"""MovieLens loader input validation: a corrupted field gives a ValueError naming the file, the
1-based line and what is allowed; nothing is silently rounded, clipped or skipped.

Each test copies a fixture folder to ``tmp_path`` and corrupts one field of one line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from recogym_eco.data import load_movielens

HERE = Path(__file__).resolve().parent
GROUPLENS = HERE / "ml-100k-mini"
RECBOLE = HERE / "ml-100k-mini-recbole"


def _corrupt(src: Path, dst: Path, name: str, line: int, sep: str, col: int | None, value: str,
             encoding: str = "latin-1") -> Path:
    """Copy of ``src`` in ``dst`` with field ``col`` of line ``line`` (1-based) of ``name`` set to
    ``value``; ``col=None`` replaces the whole line."""
    folder = dst / src.name
    shutil.copytree(src, folder)
    path = folder / name
    lines = path.read_text(encoding=encoding).split("\n")
    if col is None:
        lines[line - 1] = value
    else:
        fields = lines[line - 1].split(sep)
        fields[col] = value
        lines[line - 1] = sep.join(fields)
    path.write_text("\n".join(lines), encoding=encoding)
    return folder


def _expect(folder: Path, name: str, line: int, *fragments: str) -> None:
    with pytest.raises(ValueError) as info:
        load_movielens(folder)
    message = str(info.value)
    assert name in message and str(folder) in message, message
    assert f"line {line}:" in message, message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("line", "col", "value", "fragments"),
    [
        (7, 2, "6", ("rating", "whole number from 1 to 5", "'6'")),
        (3, 2, "0", ("rating", "from 1 to 5", "'0'")),
        (5, 2, "3.5", ("rating", "whole number", "'3.5'")),
        (9, 2, "inf", ("rating", "'inf'")),
        (9, 2, "nan", ("rating", "'nan'")),
        (2, 2, "four", ("rating", "'four'")),
        (11, 0, "u29", ("user id", "non-negative integer", "'u29'")),
        (12, 1, "-3", ("item id", "non-negative integer", "'-3'")),
        (4, 3, "inf", ("timestamp", "whole number >= 0", "'inf'")),
        (400, 3, "-5", ("timestamp", "'-5'")),
    ],
)
def test_grouplens_ratings_fields(tmp_path: Path, line: int, col: int, value: str, fragments: tuple[str, ...]) -> None:
    folder = _corrupt(GROUPLENS, tmp_path, "u.data", line, "\t", col, value)
    _expect(folder, "u.data", line, *fragments)


def test_grouplens_ratings_column_count(tmp_path: Path) -> None:
    folder = _corrupt(GROUPLENS, tmp_path, "u.data", 6, "\t", None, "1\t2\t3")
    _expect(folder, "u.data", 6, "expected 4 columns", "got 3")
    other = _corrupt(GROUPLENS, tmp_path / "b", "u.data", 8, "\t", None, "1\t2\t3\t4\t5")
    _expect(other, "u.data", 8, "expected 4 columns", "got 5")


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    folder = _corrupt(GROUPLENS, tmp_path, "u.data", 2, "\t", None, "")
    data = folder / "u.data"
    lines = data.read_text().split("\n")
    lines[4] = lines[4].rsplit("\t", 1)[0] + "\tnan"
    data.write_text("\n".join(lines))
    _expect(folder, "u.data", 5, "timestamp", "'nan'")


@pytest.mark.parametrize(
    ("line", "col", "value", "fragments"),
    [
        (4, -1, "2", ("genre flags must be 0 or 1", "'2'")),
        (10, 7, "yes", ("genre flags must be 0 or 1", "'yes'")),
        (13, -3, "nan", ("genre flags must be 0 or 1", "'nan'")),
        (6, 0, "6a", ("item id", "non-negative integer", "'6a'")),
    ],
)
def test_grouplens_item_fields(tmp_path: Path, line: int, col: int, value: str, fragments: tuple[str, ...]) -> None:
    folder = _corrupt(GROUPLENS, tmp_path, "u.item", line, "|", col, value)
    _expect(folder, "u.item", line, *fragments)


def test_grouplens_item_column_count(tmp_path: Path) -> None:
    source = (GROUPLENS / "u.item").read_text(encoding="latin-1").split("\n")[2]
    folder = _corrupt(GROUPLENS, tmp_path, "u.item", 3, "|", None, source.rsplit("|", 1)[0])
    _expect(folder, "u.item", 3, "expected 24 columns", "19 genre flags", "got 23")


@pytest.mark.parametrize(
    ("line", "col", "value", "fragments"),
    [
        (2, 1, "sixty", ("age", "non-negative integer", "'sixty'")),
        (5, 1, "inf", ("age", "'inf'")),
        (8, 2, "X", ("gender", "'M' or 'F'", "'X'")),
        (9, 0, "nine", ("user id", "'nine'")),
    ],
)
def test_grouplens_user_fields(tmp_path: Path, line: int, col: int, value: str, fragments: tuple[str, ...]) -> None:
    folder = _corrupt(GROUPLENS, tmp_path, "u.user", line, "|", col, value)
    _expect(folder, "u.user", line, *fragments)


def test_grouplens_user_column_count(tmp_path: Path) -> None:
    folder = _corrupt(GROUPLENS, tmp_path, "u.user", 30, "|", None, "30|40|M")
    _expect(folder, "u.user", 30, "expected 5 columns", "got 3")


@pytest.mark.parametrize(
    ("line", "col", "value", "fragments"),
    [
        (2, 2, "7", ("rating", "whole number from 1 to 5", "'7'")),
        (3, 2, "-inf", ("rating", "'-inf'")),
        (4, 2, "NaN", ("rating", "'NaN'")),
        (5, 2, "2.5", ("rating", "'2.5'")),
        (6, 0, "abc", ("user id", "non-negative integer", "'abc'")),
        (7, 1, "1e3", ("item id", "'1e3'")),
        (8, 3, "Infinity", ("timestamp", "'Infinity'")),
    ],
)
def test_recbole_ratings_fields(tmp_path: Path, line: int, col: int, value: str, fragments: tuple[str, ...]) -> None:
    folder = _corrupt(RECBOLE, tmp_path, "ml-100k-mini.inter", line, "\t", col, value, encoding="utf-8")
    _expect(folder, "ml-100k-mini.inter", line, *fragments)


def test_recbole_column_counts(tmp_path: Path) -> None:
    short = _corrupt(RECBOLE, tmp_path / "a", "ml-100k-mini.inter", 10, "\t", None, "1\t2\t3", encoding="utf-8")
    _expect(short, "ml-100k-mini.inter", 10, "expected 4 columns", "user_id, item_id, rating, timestamp", "got 3")
    long = _corrupt(RECBOLE, tmp_path / "b", "ml-100k-mini.user", 4, "\t", None, "3\t38\tF\tstudent\t1\t2",
                    encoding="utf-8")
    _expect(long, "ml-100k-mini.user", 4, "expected 5 columns", "got 6")


def test_recbole_item_and_user_fields(tmp_path: Path) -> None:
    item = _corrupt(RECBOLE, tmp_path / "a", "ml-100k-mini.item", 5, "\t", 0, "x4", encoding="utf-8")
    _expect(item, "ml-100k-mini.item", 5, "item id", "'x4'")
    genre = _corrupt(RECBOLE, tmp_path / "b", "ml-100k-mini.item", 3, "\t", 3, "Horror Nonsense", encoding="utf-8")
    _expect(genre, "ml-100k-mini.item", 3, "unknown genre 'Nonsense'", "Western")
    user = _corrupt(RECBOLE, tmp_path / "c", "ml-100k-mini.user", 7, "\t", 1, "4.5", encoding="utf-8")
    _expect(user, "ml-100k-mini.user", 7, "age", "'4.5'")


def test_errors_name_the_member_inside_a_zip(tmp_path: Path) -> None:
    import zipfile

    folder = _corrupt(GROUPLENS, tmp_path, "u.data", 12, "\t", 2, "9")
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"ml-100k/{f.name}")
    with pytest.raises(ValueError, match=re.escape("u.data") + r".*ml-100k\.zip!ml-100k/.*line 12: rating"):
        load_movielens(archive)


def test_non_utf8_recbole_file_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / RECBOLE.name
    shutil.copytree(RECBOLE, folder)
    path = folder / "ml-100k-mini.user"
    path.write_bytes(path.read_bytes() + b"31\t40\tM\t\xe9tudiant\t00000\n")
    with pytest.raises(ValueError, match=r"ml-100k-mini\.user.*not utf-8"):
        load_movielens(folder)
