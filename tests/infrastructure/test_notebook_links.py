"""Links between the notebooks and from the README resolve; every chapter is in the table of
contents and ends with links to the chapters before and after it."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHAPTERS = [nb for nb in NOTEBOOKS if not nb.name.startswith("00_")]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def markdown(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "markdown"]


def local_links(text):
    return [link for link in LINK.findall(text)
            if not re.match(r"[a-z]+:", link) and not link.startswith("#")]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_every_local_link_resolves(notebook):
    broken = [link for text in markdown(notebook) for link in local_links(text)
              if not (notebook.parent / link.split("#")[0]).exists()]
    assert not broken, f"{notebook.name} links to missing files: {broken}"


def test_the_readme_links_resolve_and_name_start_here():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = [link for link in local_links(readme) if not (ROOT / link.split("#")[0]).exists()]
    assert not broken, f"README links to missing files: {broken}"
    assert "notebooks/00_start_here.ipynb" in local_links(readme)


def test_start_here_lists_every_chapter():
    contents = "\n".join(markdown(ROOT / "notebooks" / "00_start_here.ipynb"))
    missing = [nb.name for nb in CHAPTERS if f"]({nb.name})" not in contents]
    assert not missing, f"00_start_here.ipynb's table of contents lacks {missing}"


@pytest.mark.parametrize("at", range(len(NOTEBOOKS)), ids=[nb.stem for nb in NOTEBOOKS])
def test_each_notebook_ends_with_links_to_its_neighbours(at):
    last = markdown(NOTEBOOKS[at])[-1]
    expected = [nb.name for nb in NOTEBOOKS[max(at - 1, 0):at + 2]
                if nb != NOTEBOOKS[at] and nb.name != "00_start_here.ipynb"]
    assert [link for link in local_links(last) if link != "00_start_here.ipynb"] == expected, (
        f"{NOTEBOOKS[at].name}: run `python3 course.py links` to rewrite its last cell")
    if at + 1 == len(NOTEBOOKS):
        assert "still to come" in last


def test_links_leaves_a_nav_cell_nbformat_wrote_as_lines_alone(course, tmp_path, monkeypatch):
    """`execute` saves a cell's source as a list of lines; `links` must read that as the same
    cell, not rewrite the notebook (it once rewrote nine chapters for nothing)."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        cells = [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# Title\n"]}]
        (notebooks / name).write_text(json.dumps({"cells": cells}), encoding="utf-8")
    monkeypatch.setattr(course, "NOTEBOOKS", notebooks)
    course.links([])
    for path in notebooks.glob("*.ipynb"):  # as nbformat writes it: the source as lines
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb["cells"][-1]["source"] = nb["cells"][-1]["source"].splitlines(keepends=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
    saved = {path: path.read_text(encoding="utf-8") for path in notebooks.glob("*.ipynb")}
    course.links([])
    assert {path: path.read_text(encoding="utf-8") for path in saved} == saved
