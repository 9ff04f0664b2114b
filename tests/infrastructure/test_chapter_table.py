"""One table of chapter numbers and titles (lessons.chapters.table): every "Chapter NN, Title"
tag in the code, every row of the README's chapter table and every chapter's files agree
with it."""
import re
from pathlib import Path

import pytest

from lessons.chapters.table import CHAPTERS, marker, tag

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"Chapter (\d\d), (.+(?:\n.+)?)")


def code_files():
    return sorted([*(ROOT / "lessons").rglob("*.py"), *(ROOT / "widgets").glob("*.py")])


def test_every_code_tag_names_a_chapter_of_the_table():
    wrong = []
    for path in code_files():
        for number, rest in TAG.findall(path.read_text()):
            title = CHAPTERS.get(int(number))
            rest = " ".join(rest.split())
            if title is None or not re.match(re.escape(title) + r"(?![\w-])", rest):
                wrong.append(f"{path.relative_to(ROOT)}: Chapter {number}, {rest[:50]!r} "
                             f"(the table says {title!r})")
    assert wrong == []


def test_readme_chapter_rows_match_the_table():
    rows = re.findall(r"^\| (\d\d) \| \[([^\]]+)\]\((notebooks/[^)]+)\)",
                      (ROOT / "README.md").read_text(), re.M)
    assert rows, "the README's chapter table was not found"
    for number, title, notebook in rows:
        assert title == CHAPTERS[int(number)], f"README row {number}"
        assert notebook.startswith(f"notebooks/{number}_") and (ROOT / notebook).exists()


def test_readme_rows_name_the_book_chapters_drawn_on():
    books = re.findall(r"^\| (\d\d) \| \[[^\]]+\]\([^)]+\) \| ([^|]*) \|",
                       (ROOT / "README.md").read_text(), re.M)
    assert books
    for number, cell in books:
        assert re.search(r"(Ekman|Chollet|Tavenard|Skansi|Weidman) [A-H\d]", cell), (
            f"README row {number}: the third column should name the book chapters, got {cell!r}")


def test_each_notebook_is_a_chapter_of_the_table():
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        number = int(path.name[:2])
        assert number == 0 or number in CHAPTERS, path.name


def test_chapter_files_carry_their_number():
    for folder in ("chapters", "exercises", "solutions"):
        for path in (ROOT / "lessons" / folder).glob("ch*.py"):
            number = int(path.name[2:4])
            assert number in CHAPTERS, path
            assert tag(number) in path.read_text(), (
                f"{path.relative_to(ROOT)} should start with {tag(number)!r}")


@pytest.mark.parametrize("number, expected", [(7, "ch07"), (14, "ch14")])
def test_marker(number, expected):
    assert marker(number) == expected
