"""The learner's workspace: `course.py lab` opens my-notebooks/, copies of the chapters made
once and never overwritten; `lab --fresh CHAPTER` gives a clean copy back, keeping theirs."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(course, tmp_path, monkeypatch):
    """course.py (tests/conftest.py) with its notebooks/ and my-notebooks/ pointed at a
    temporary folder holding two small chapters."""
    module = course
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("01_perceptron.ipynb", "02_gradient_descent.ipynb"):
        (notebooks / name).write_text(json.dumps({"chapter": name}))
    monkeypatch.setattr(module, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(module, "WORKSPACE", tmp_path / "my-notebooks")
    monkeypatch.setattr(module, "ORIGINS", tmp_path / "my-notebooks" / ".origins.json")
    return module


def test_first_launch_copies_every_chapter(course):
    assert course.workspace() == []
    copies = sorted(p.name for p in course.WORKSPACE.glob("*.ipynb"))
    assert copies == ["01_perceptron.ipynb", "02_gradient_descent.ipynb"]
    assert (course.WORKSPACE / "01_perceptron.ipynb").read_text() == (
        course.NOTEBOOKS / "01_perceptron.ipynb").read_text()


def test_the_learners_work_is_never_overwritten(course):
    course.workspace()
    mine = course.WORKSPACE / "01_perceptron.ipynb"
    mine.write_text("my notes")
    assert course.workspace() == []
    assert mine.read_text() == "my notes"


def test_a_course_update_is_announced_not_applied(course):
    course.workspace()
    mine = course.WORKSPACE / "02_gradient_descent.ipynb"
    mine.write_text("my notes")
    (course.NOTEBOOKS / "02_gradient_descent.ipynb").write_text("the course's new version")
    (course.NOTEBOOKS / "03_backpropagation.ipynb").write_text("a new chapter")
    assert course.workspace() == ["02_gradient_descent.ipynb"]
    assert mine.read_text() == "my notes"
    assert (course.WORKSPACE / "03_backpropagation.ipynb").read_text() == "a new chapter"


@pytest.mark.parametrize("chapter", ["02", "02_gradient_descent", "02_gradient_descent.ipynb"])
def test_fresh_gives_a_clean_copy_and_keeps_the_old_one(course, chapter):
    course.workspace()
    mine = course.WORKSPACE / "02_gradient_descent.ipynb"
    mine.write_text("my notes")
    (course.NOTEBOOKS / "02_gradient_descent.ipynb").write_text("the course's new version")
    course.fresh(chapter)
    assert mine.read_text() == "the course's new version"
    kept = list(course.WORKSPACE.glob("02_gradient_descent.before-fresh-*.ipynb"))
    assert [k.read_text() for k in kept] == ["my notes"]
    assert course.workspace() == []  # the clean copy is up to date: no update note


def test_fresh_names_the_chapters_when_none_matches(course):
    with pytest.raises(SystemExit, match="no single chapter matches '9'.*01_perceptron"):
        course.fresh("9")


def test_lab_takes_fresh_and_opens_the_workspace(course, monkeypatch):
    calls = []
    monkeypatch.setattr(course, "setup", lambda: None)
    monkeypatch.setattr(course, "warm", lambda: None)
    monkeypatch.setattr(course.os, "execv", lambda program, argv: calls.append(argv))
    course.workspace()
    (course.WORKSPACE / "01_perceptron.ipynb").write_text("my notes")
    course.lab(["--no-browser", "--fresh", "01"])
    assert (course.WORKSPACE / "01_perceptron.ipynb").read_text() == json.dumps(
        {"chapter": "01_perceptron.ipynb"})
    assert calls[0][-2:] == [str(course.WORKSPACE), "--no-browser"]
    with pytest.raises(SystemExit, match="--fresh needs a chapter"):
        course.lab(["--fresh"])


def test_the_workspace_is_not_tracked():
    assert "my-notebooks/" in (ROOT / ".gitignore").read_text().split()
