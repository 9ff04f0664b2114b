"""A learner works through a chapter in their own copy, in my-notebooks/ as `course.py lab`
makes and opens it: Run All, a cell of their own, Save. Their work is on disk in the copy,
the committed chapters (nbval's references) are byte for byte as they were, and `git status`
shows nothing new.

The workspace is my-notebooks/browser-test/ (inside the ignored my-notebooks/, so a learner's
real copies are never touched), removed afterwards.
"""
import hashlib
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_notebooks_in_lab import (CELLS_JS, check_every_cell_ran_cleanly, run_all, saved_cells,
                                   wait_for_idle_kernel)

from conftest import ARTIFACTS, serve_lab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "01_perceptron.ipynb"
MY_WORK = "my_answer = 'written by the learner'"


def reference_hashes(course):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(course.NOTEBOOKS.glob("*.ipynb"))}


def git_status():
    """`git status` of the checkout, or None outside a git checkout (an unpacked sdist)."""
    if not (ROOT / ".git").exists():
        return None
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def learner_workspace(browser, course, monkeypatch):
    """course.workspace() made in my-notebooks/browser-test/; requests `browser` first so a
    machine without Chromium skips before anything is copied."""
    had_workspace = course.WORKSPACE.exists()
    workspace = course.WORKSPACE / "browser-test"
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.parent.mkdir(exist_ok=True)
    monkeypatch.setattr(course, "WORKSPACE", workspace)
    monkeypatch.setattr(course, "ORIGINS", workspace / ".origins.json")
    try:
        yield course, workspace
    finally:
        shutil.rmtree(workspace if had_workspace else workspace.parent, ignore_errors=True)


def test_a_learner_works_in_their_copy_and_the_checkout_stays_clean(
        learner_workspace, context, tmp_path_factory):
    course, workspace = learner_workspace
    references, status = reference_hashes(course), git_status()
    assert course.workspace() == []
    copy = workspace / CHAPTER
    with serve_lab(workspace, tmp_path_factory.mktemp("learner-lab")) as lab:
        page = context.new_page()
        try:
            page.goto(f"{lab.url}/lab/workspaces/learner/tree/{CHAPTER}")
            panel = page.locator(".jp-NotebookPanel")
            expect(panel).to_have_count(1)
            wait_for_idle_kernel(page)
            cells = saved_cells(copy)
            run_all(page, panel, cells)
            check_every_cell_ran_cleanly(cells, panel.evaluate(CELLS_JS))
            # A cell of the learner's own below the last one, run, then saved.
            panel.locator(".jp-Cell").last.locator(".jp-InputArea-prompt").click()
            page.keyboard.press("Escape")
            page.keyboard.press("b")
            page.keyboard.press("Enter")
            page.keyboard.type(MY_WORK)
            page.keyboard.press("Shift+Enter")
            wait_for_idle_kernel(page)
            page.keyboard.press("Control+s")
            deadline = time.monotonic() + 30
            while MY_WORK not in copy.read_text(encoding="utf-8"):
                assert time.monotonic() < deadline, f"the learner's cell was not saved to {copy}"
                page.wait_for_timeout(200)
        finally:
            page.screenshot(path=ARTIFACTS / "learner-workspace.png", full_page=True)
            page.close()
            lab.shut_down_kernels()
    assert reference_hashes(course) == references, "a committed chapter changed on disk"
    assert git_status() == status, "working through the learner's copy changed `git status`"
