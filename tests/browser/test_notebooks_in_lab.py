"""Every chapter in JupyterLab in a real browser, as a learner meets it.

Per notebook: open it and check that every widget cell shows its saved picture (what GitHub
and a learner see before Run All), clear the saved outputs, Run All, and check that every code
cell ran and showed no error (cells tagged `raises-exception` may show one on purpose). Then press
ArrowRight (ArrowLeft at the right end) on every slider of every dl-lessons widget and check
that both the figure and the copy-as-code line changed; a slider whose one step leaves the
figure as it was (a weight that only matters when a sign flips) goes on to its ends, and one
of those moves must change the figure. This proves the wiring from slider to kernel to figure;
sweeping every slider's range is the headless widget tests' job (rendering there is 100 times
cheaper than a browser round trip).
Screenshots go to test-artifacts/browser/<chapter>/.
"""
import json
import re
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# A chapter runs within 60 s on two cores with a warm Numba cache; a cold cache compiles too,
# and a machine shared with other work runs it several times slower (chapters 04 and 08).
RUN_ALL_S = 900
# Kernel idle and the widget unchanged for this long: the redraw is complete. Every check
# first waits for the move's new call line (View.redraw sets it last), so this only has
# to catch a second frame after it (as bench_widgets.py does).
STABLE_S = 0.5
SETTLE_S = 30.0
ERROR_TEXT = re.compile(r"Traceback|\w*Error\b")
NUMBERED = re.compile(r"^\[(\d+)\]:$")

# Per cell: its input prompt ("[3]:", "[*]:", "[ ]:") and the text of its stderr outputs
# (JupyterLab renders tracebacks as stderr).
CELLS_JS = """panel => [...panel.querySelectorAll('.jp-Cell')].map(cell => ({
    prompt: (cell.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim(),
    stderr: [...cell.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(e => e.textContent),
}))"""
PROMPTS_JS = """panel => [...panel.querySelectorAll('.jp-Cell')].map(
    cell => (cell.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim())"""
# What a slider move must change: the figure (images in the widget's Output) and the call line.
WIDGET_JS = """widget => ({
    images: [...widget.querySelectorAll('.dl-picture img')].map(i => i.dataset.hash ?? ''),
    busy: [...widget.querySelectorAll('.dl-picture-busy')].some(b => b.dataset.busy === '1'),
    output: [...widget.querySelectorAll('.jp-OutputArea')].map(o => o.textContent).join('\\n'),
    code: widget.querySelector('.dl-lessons-code')?.textContent ?? null,
    stderr: [...widget.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(e => e.textContent),
})"""
# JupyterLab sends what a widget callback prints or raises to the notebook's Log Console; its
# status-bar item counts the entries ("1 new messages, 1 log entries for ...").
LOG_ENTRIES_JS = """() => Number((document.querySelector('.jp-LogConsoleStatusItem [title]')
    ?.title.match(/(\\d+) log entr/) ?? [0, 0])[1])"""
# View.redraw sets the call line last, so a new call line, a traceback or a new log entry means
# the kernel has handled the move.
REDRAWN_JS = f"""([widget, code, logged]) =>
    (widget.querySelector('.dl-lessons-code')?.textContent ?? null) !== code
    || widget.querySelector(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]') !== null
    || ({LOG_ENTRIES_JS})() !== logged"""
# A handle's value and position (0-100 %) from noUiSlider itself: the aria-value* attributes
# are rounded to one decimal, too coarse for a learning-rate slider.
HANDLE_JS = """handle => {
    const slider = handle.closest('.noUi-target').noUiSlider, i = Number(handle.dataset.handle);
    return {value: [].concat(slider.get(true))[i], position: slider.getPositions()[i],
            label: handle.closest('.widget-slider').querySelector('.widget-label')?.textContent};
}"""
# how many values a slider can take (noUiSlider keeps the options it was made with)
POSITIONS_JS = """target => {
    const o = target.noUiSlider.options;
    return Math.round((o.range.max - o.range.min) / (o.step || 1)) + 1;
}"""
HANDLE_MOVED_JS = f"""([handle, before]) => ({HANDLE_JS})(handle).value !== before"""


def saved_cells(notebook):
    """Type, source and tags of each cell of the committed notebook, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [{"type": c["cell_type"],
             "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
             "tags": c.get("metadata", {}).get("tags", [])} for c in cells]


def click_menu(page, menu, item):
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def wait_for_idle_kernel(page):
    # The toolbar's kernel indicator reads idle while the kernel is still starting.
    expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle")


def kernel_idle(page):
    return "| Idle" in page.locator("#jp-main-statusbar").inner_text()


def run_all(page, panel, cells):
    """Clear saved outputs (stale prompts and figures prove nothing), Run All, wait for the end:
    every cell numbered, or, after a failure, prompts and an idle kernel that stay put."""
    click_menu(page, "Edit", "Clear Outputs of All Cells")
    expect(panel.locator(".jp-CodeCell .jp-InputArea-prompt", has_text=NUMBERED)).to_have_count(0)
    click_menu(page, "Run", "Run All Cells")
    runnable = [i for i, c in enumerate(cells) if c["type"] == "code" and c["source"].strip()]
    deadline = time.monotonic() + RUN_ALL_S
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        prompts = panel.evaluate(PROMPTS_JS)
        queued = "[*]:" in prompts
        if not queued and len(prompts) == len(cells) and all(
                NUMBERED.match(prompts[i]) for i in runnable):
            break
        # A cell's error reply resets the prompts of the cells queued after it to [ ] for a
        # moment, even when it is tagged raises-exception and the kernel runs them anyway.
        if queued or prompts != last or not kernel_idle(page):
            last, since = prompts, time.monotonic()
        elif time.monotonic() - since >= STABLE_S:
            break  # Run All stopped; check_every_cell_ran_cleanly says where
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"Run All did not finish within {RUN_ALL_S} s", pytrace=False)
    wait_for_idle_kernel(page)


def check_every_cell_ran_cleanly(cells, rendered):
    assert len(rendered) == len(cells), (
        f"JupyterLab shows {len(rendered)} cells, the notebook has {len(cells)}")
    counts = []
    for i, (cell, shown) in enumerate(zip(cells, rendered)):
        if cell["type"] != "code":
            continue
        errors = [text for text in shown["stderr"] if ERROR_TEXT.search(text)]
        assert not errors or "raises-exception" in cell["tags"], (
            f"cell {i} shows an error (tag it raises-exception if that is the lesson):\n"
            f"{errors[0][-2000:]}")
        if not cell["source"].strip():
            continue  # JupyterLab does not number an empty cell
        number = NUMBERED.match(shown["prompt"])
        assert number, (f"cell {i} did not run (prompt {shown['prompt']!r}): a cell above it "
                        f"failed or Run All stopped\n{cell['source'][:300]}")
        counts.append(int(number.group(1)))
    assert counts == sorted(set(counts)), f"cells ran out of order: {counts}"


def settle(page, widget):
    """The widget once the kernel is idle and the widget has not changed for STABLE_S."""
    deadline = time.monotonic() + SETTLE_S
    last, since = widget.evaluate(WIDGET_JS), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = widget.evaluate(WIDGET_JS)
        # a retraining widget trains on a thread: the kernel is idle, the progress bar shows
        if now != last or now["busy"] or not kernel_idle(page):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= STABLE_S:
            return now
    pytest.fail(f"the widget kept changing (or the kernel stayed busy) for {SETTLE_S} s",
                pytrace=False)


def press(page, widget, handle, key):
    """Press `key` on a slider handle; the settled widget and the slider's value after."""
    before, start = widget.evaluate(WIDGET_JS), handle.evaluate(HANDLE_JS)["value"]
    logged = page.evaluate(LOG_ENTRIES_JS)
    handle.press(key)
    try:
        page.wait_for_function(HANDLE_MOVED_JS, arg=[handle.element_handle(), start])
        page.wait_for_function(REDRAWN_JS, arg=[widget.element_handle(), before["code"],
                                                logged])
    except PlaywrightTimeout:
        pass  # settled below and reported with the values
    return settle(page, widget), handle.evaluate(HANDLE_JS)["value"]


def move(page, widget, handle):
    """One step on a slider; if that leaves the figure as it was (a weight that only matters
    when a sign flips), the slider's ends as well. What went wrong, as sentences."""
    before, start = widget.evaluate(WIDGET_JS), handle.evaluate(HANDLE_JS)
    keys = ("ArrowLeft", "Home") if start["position"] >= 100 else ("ArrowRight", "End", "Home")
    where, value = f"slider {start['label']!r} from {start['value']}", start["value"]
    for key in keys:
        position = handle.evaluate(HANDLE_JS)["position"]
        if (key, position) in (("End", 100), ("Home", 0)):
            continue  # already there
        after, moved_to = press(page, widget, handle, key)
        where += f", {key} to {moved_to}"
        if moved_to == value:
            return [f"{where}: the slider ignored the key"]
        value = moved_to
        if after["stderr"]:
            return [f"{where}: the redraw failed:\n{after['stderr'][0][-1500:]}"]
        if not after["images"]:
            return [f"{where}: no figure any more: {after['output'].strip()[:200]!r}"]
        if after["code"] == before["code"]:
            return [f"{where}: the call line did not change: {after['code']!r}"]
        if after["images"] != before["images"]:
            return []
    return [f"{where}: the figure did not change"]


def check_widget(page, widget, number):
    """Move every slider of one widget; what went wrong, and how many sliders were moved."""
    start = widget.evaluate(WIDGET_JS)
    assert start["images"], (
        f"widget {number} shows no image, its Output holds {start['output'].strip()[:200]!r} "
        f"(a matplotlib Figure without the inline backend's PNG formatter shows as text)")
    assert start["code"], f"widget {number} has no dl-lessons-code call line"
    handles = widget.locator(".widget-slider .noUi-handle")
    assert handles.count() > 0, f"widget {number} has no slider"
    problems = []
    for h in range(handles.count()):
        problems += [f"widget {number}, {p}" for p in move(page, widget, handles.nth(h))]
    return problems, handles.count()


def logged_errors(page):
    """Errors raised in widget callbacks, which JupyterLab shows only in the Log Console."""
    if not page.evaluate(LOG_ENTRIES_JS):
        return []
    page.locator(".jp-LogConsoleStatusItem").click()
    log = page.locator(".jp-LogConsolePanel")
    expect(log).to_be_visible()
    text = log.inner_text()
    return [f"the Log Console shows an error from a widget callback:\n{text[-3000:]}"] if (
        ERROR_TEXT.search(text)) else []


def saved_pictures(notebook, panel, directory):
    """The committed notebook as GitHub or a learner before Run All sees it: every widget cell
    shows its saved picture, never a VBox(...) repr or a blank. What is wrong, as sentences;
    each widget cell's screenshot goes to `directory`. Checked on the chapter's page before
    its Run All, which replaces the saved outputs (and JupyterLab autosaves a notebook it ran
    and trusts its widget outputs from then on)."""
    saved = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    widget_cells = [i for i, c in enumerate(saved) if c["cell_type"] == "code" and any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for o in c.get("outputs", []))]
    rendered = panel.locator(".jp-Cell")
    expect(rendered).to_have_count(len(saved))
    problems = []
    for i in widget_cells:
        cell = rendered.nth(i)
        cell.scroll_into_view_if_needed()
        output = cell.locator(".jp-OutputArea-output").first
        text = output.inner_text()
        if "VBox(" in text or not output.locator("img").count():
            problems.append(f"before Run All, cell {i} shows {text[:120]!r} instead of a picture")
        output.screenshot(path=directory / f"cell-{i}.png")
    return problems


def test_chapter_runs_and_every_slider_redraws(notebook, lab, page, artifacts, saved_artifacts):
    cells = saved_cells(notebook)
    t0 = time.monotonic()
    # A workspace per chapter, so JupyterLab does not reopen the previous chapter beside it.
    page.goto(f"{lab.url}/lab/workspaces/{quote(notebook.stem)}/tree/{quote(notebook.name)}")
    panel = page.locator(".jp-NotebookPanel")
    timings, problems = [], []
    try:
        expect(panel).to_have_count(1)
        wait_for_idle_kernel(page)
        timings.append(f"open {time.monotonic() - t0:.1f} s")
        problems += saved_pictures(notebook, panel, saved_artifacts)
        t0 = time.monotonic()
        run_all(page, panel, cells)
        timings.append(f"Run All {time.monotonic() - t0:.1f} s")
        check_every_cell_ran_cleanly(cells, panel.evaluate(CELLS_JS))
        widgets = panel.locator(".dl-lessons-widget")
        # every chapter has a widget; 00_start_here is the contents page and has none
        if not notebook.stem.startswith("00_"):
            assert widgets.count() > 0, f"{notebook.name} displays no dl-lessons widget"
        t0, moved = time.monotonic(), 0
        for k in range(widgets.count()):
            widget = widgets.nth(k)
            opened = widget.evaluate(WIDGET_JS)["code"]
            found, sliders = check_widget(page, widget, k + 1)
            problems, moved = problems + found, moved + sliders
            widget.screenshot(path=artifacts / f"widget-{k + 1}.png")
            problems += check_reset_by_keyboard(page, widget, k + 1, opened)
            problems += check_dropdown_by_keyboard(page, widget, k + 1)
        if widgets.count():
            problems += check_drag(page, widgets.first, artifacts)
            problems += check_dark_theme(page, widgets.first, artifacts)
        timings.append(f"{moved} sliders in {widgets.count()} widgets "
                       f"{time.monotonic() - t0:.1f} s")
        problems += logged_errors(page)
    finally:
        page.screenshot(path=artifacts / "notebook.png", full_page=True)
        print(f"{notebook.name}: {', '.join(timings)}; screenshots in {artifacts}")
    assert not problems, "\n".join(problems)
    toasts = page.locator(".Toastify__toast")
    assert toasts.count() == 0, f"a notification toast is showing: {toasts.all_inner_texts()}"


PICTURE_JS = "w => w.querySelector('.dl-picture img')?.dataset.hash ?? ''"


def wait_for_new_picture(page, widget, seen, timeout_s=SETTLE_S):
    """The hash of the first picture not among `seen` (hashes) the widget shows, or None."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        shown = widget.evaluate(PICTURE_JS)
        if shown not in seen:
            return shown
        page.wait_for_timeout(50)
    return None


def check_reset_by_keyboard(page, widget, number, opened):
    """Move the first slider, then focus the reset button and press Enter: the call line goes
    back to the one the view opened with."""
    # a log slider echoes its value back snapped to its grid (0.05 -> 0.0501): compare at
    # two decimals
    def rounded(code):
        call = (code or "").split("state=")[0]
        return re.sub(r"-?\d+\.\d+", lambda m: f"{float(m.group()):.2f}", call)
    settle(page, widget)
    handle = widget.locator(".widget-slider .noUi-handle").first
    key = "ArrowLeft" if handle.evaluate(HANDLE_JS)["position"] >= 100 else "ArrowRight"
    before, _ = press(page, widget, handle, key)
    logged = page.evaluate(LOG_ENTRIES_JS)
    reset = widget.get_by_role("button", name="reset")
    reset.focus()
    page.keyboard.press("Enter")
    if rounded(before["code"]) != rounded(opened):
        # a reset that retrains (its defaults fell out of the cache) shows its progress bar
        # only after a round trip to the kernel, which under load can outlast settle's
        # STABLE_S: wait for the new call line first, as `press` does
        try:
            page.wait_for_function(REDRAWN_JS, arg=[widget.element_handle(), before["code"],
                                                    logged])
        except PlaywrightTimeout:
            pass  # reported below with the call line
    after = settle(page, widget)
    if rounded(after["code"]) != rounded(opened):
        return [f"widget {number}: Enter on reset left the call line at {after['code']!r}"]
    return []


def check_dropdown_by_keyboard(page, widget, number):
    """ArrowDown on a dropdown changes its value and the picture (JupyterLab must not take
    the key for "select the next cell")."""
    select = widget.locator(".widget-dropdown select")
    if not select.count() or not select.first.is_visible():
        return []
    before = settle(page, widget)
    value, logged = select.first.input_value(), page.evaluate(LOG_ENTRIES_JS)
    select.first.press("ArrowDown" if select.first.evaluate(
        "s => s.selectedIndex < s.options.length - 1") else "ArrowUp")
    # a choice that retrains redraws seconds later, with the kernel's status light still idle
    # (comm messages do not show as busy): wait for the new call line, as `press` does
    try:
        page.wait_for_function(REDRAWN_JS, arg=[widget.element_handle(), before["code"],
                                                logged])
    except PlaywrightTimeout:
        pass  # reported below with the values
    after = settle(page, widget)
    if select.first.input_value() == value or after["images"] == before["images"]:
        return [f"widget {number}: a dropdown did not follow the arrow key"]
    return []


def check_drag(page, widget, artifacts):
    """Drag the continuously updating slider with the most positions (View marks them
    dl-lessons-continuous; sliders that retrain update on release) with the mouse in two moves
    toward its far end, each of which must bring a new picture while the mouse is down (two
    frames captured): the picture must follow the hand, not wait for the release."""
    sliders = widget.locator(".dl-lessons-continuous.widget-slider .noUi-target")
    if sliders.count() == 0:
        print("drag: this widget has no continuously updating slider")
        return []
    positions = [sliders.nth(k).evaluate(POSITIONS_JS) for k in range(sliders.count())]
    most = max(range(len(positions)), key=positions.__getitem__)
    if positions[most] < 3:
        # two moves, each to a value not shown before, need three values
        print(f"drag: no continuously updating slider has three values ({positions})")
        return []
    handle = sliders.nth(most).locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    track = sliders.nth(most).bounding_box()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    far = track["x"] + (track["width"] if x < track["x"] + track["width"] / 2 else 0)
    page.mouse.move(x, y)
    page.mouse.down()
    # Each move must bring a picture not shown before in this drag, not merely one unlike the
    # picture before the move. The drag goes one way only, so no move passes back over the
    # values of the one before (under load the frame read after a move can be one of its
    # intermediate states).
    seen, problems = {widget.evaluate(PICTURE_JS)}, []
    try:
        for k, target in enumerate(((x + far) / 2, far)):
            page.mouse.move(target, y, steps=4)
            frame = wait_for_new_picture(page, widget, seen)
            if frame is None:
                problems.append(f"drag: no new frame while the mouse was still down ({k + 1})")
            seen.add(frame)
            widget.screenshot(path=artifacts / f"drag-frame-{k + 1}.png")
    finally:
        page.mouse.up()
    settle(page, widget)
    return problems


def set_theme(page, name):
    """Through the command palette (Ctrl+Shift+C), as a keyboard user does. Focus leaves the
    widget first: ipywidgets keeps the keys pressed in its controls (a dropdown, a text box) from
    JupyterLab's shortcuts, so the palette would not open from there."""
    page.evaluate("document.activeElement?.blur()")
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(".lm-CommandPalette-input")
    expect(palette).to_be_visible()
    palette.fill(f"Use Theme: {name}")
    page.locator(".lm-CommandPalette-item.lm-mod-active").click()


def check_dark_theme(page, widget, artifacts):
    """JupyterLab's dark theme: the figure is redrawn dark (its corner pixel is dark)."""
    widget.screenshot(path=artifacts / "theme-light.png")
    before = widget.evaluate(PICTURE_JS)
    set_theme(page, "JupyterLab Dark")
    problems = []
    try:
        expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
        if wait_for_new_picture(page, widget, {before}) is None:
            return ["dark theme: the figure was not redrawn"]
        settle(page, widget)
        widget.screenshot(path=artifacts / "theme-dark.png")
        corner = widget.locator(".dl-picture img").evaluate("""img => {
            const c = document.createElement('canvas'); c.width = 4; c.height = 4;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            return Array.from(g.getImageData(1, 1, 1, 1).data.slice(0, 3)); }""")
        if max(corner) > 80:
            problems.append(f"dark theme: the figure's corner is still light {corner}")
    finally:
        set_theme(page, "JupyterLab Light")
        expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "true")
    return problems


def test_there_are_chapters_to_test(notebook_dir):
    # with no notebooks the parametrized test above would only be skipped
    assert sorted(notebook_dir.glob("*.ipynb")), f"no notebooks in {notebook_dir}"
