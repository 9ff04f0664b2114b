"""Bring your own kernel in a real browser: a learner writes conv2d_forward in chapter 07's
"write it yourself" cell, check_kernel passes it, and the feature-map explorer runs on it, every
slider redrawing through the learner's kernel.

The notebook is chapter 07's first cell (its imports and the MNIST digit) and its "write it
yourself: conv2d_forward" cells, with the stub replaced by a learner's loops, in a temporary
folder. Screenshots: test-artifacts/browser/byok-07-feature-maps.png (the widget) and
byok-07-notebook.png.
"""
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_notebooks_in_lab import (CELLS_JS, check_every_cell_ran_cleanly, check_widget,
                                   logged_errors, run_all, saved_cells, wait_for_idle_kernel)

from conftest import ARTIFACTS, serve_lab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HEADING = "### Write it yourself: `conv2d_forward`"

LEARNER_KERNEL = '''from lessons.exercises.kernels import check_kernel
from lessons.kernels import use


def my_conv2d_forward(X, K, b, stride, pad):
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    Xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=X.dtype)
    Xp[:, :, pad:pad + H, pad:pad + W] = X
    OH, OW = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    Y = np.zeros((N, F, OH, OW), dtype=X.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    window = Xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    Y[n, f, i, j] = np.sum(window * K[f]) + b[f]
    return Y


result = check_kernel("conv2d_forward", my_conv2d_forward)'''

IN_USE = ('from lessons.kernels import registry\n'
          'print("conv2d_forward in use:", registry.in_use()["conv2d_forward"].__name__)')


def code_cell(source):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source}


def learner_notebook(folder):
    """Chapter 07's imports and its conv2d_forward exercise, the stub written by a learner."""
    chapter = json.loads((ROOT / "notebooks" / "07_convolution.ipynb").read_text())
    cells = chapter["cells"]
    start = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith(HEADING))
    imports = next(c for c in cells if c["cell_type"] == "code")
    mine = [code_cell("".join(imports["source"])), cells[start], code_cell(LEARNER_KERNEL),
            code_cell("".join(cells[start + 2]["source"])), code_cell(IN_USE)]
    path = folder / "07_byok.ipynb"
    path.write_text(json.dumps({**chapter, "cells": mine}, indent=1))
    return path


@pytest.mark.parametrize("chapter", ["07_convolution"])
def test_feature_maps_run_on_a_learner_written_conv2d_forward(chapter, context,
                                                              tmp_path_factory):
    folder = tmp_path_factory.mktemp("byok")
    notebook = learner_notebook(folder)
    cells = saved_cells(notebook)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve_lab(folder, tmp_path_factory.mktemp("byok-lab")) as lab:
        page = context.new_page()
        try:
            page.goto(f"{lab.url}/lab/workspaces/byok/tree/{notebook.name}")
            panel = page.locator(".jp-NotebookPanel")
            expect(panel).to_have_count(1)
            wait_for_idle_kernel(page)
            run_all(page, panel, cells)
            check_every_cell_ran_cleanly(cells, panel.evaluate(CELLS_JS))
            outputs = panel.locator(".jp-Cell .jp-OutputArea")
            expect(panel.locator(".jp-Cell").nth(2)).to_contain_text(
                "✔ conv2d_forward: your conv2d_forward passes all")
            expect(panel.locator(".jp-Cell").nth(4)).to_contain_text(
                "conv2d_forward in use: my_conv2d_forward")
            widget = panel.locator(".dl-lessons-widget")
            expect(widget).to_have_count(1)
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=ARTIFACTS / "byok-07-feature-maps.png")
            problems, moved = check_widget(page, widget, 1)  # each slider through my kernel
            problems += logged_errors(page)
            assert moved > 0 and outputs.count() > 0
            assert not problems, "\n".join(problems)
        finally:
            page.screenshot(path=ARTIFACTS / "byok-07-notebook.png", full_page=True)
            page.close()
            lab.shut_down_kernels()
