"""Widget latency in a real browser: key press on a control -> changed picture on screen.

Starts a throwaway JupyterLab on a copy of the notebooks, opens each chapter in headless
Chromium (Playwright), runs it, then drives every control of every dl-lessons widget from the
keyboard (sliders: arrow keys; dropdowns: arrow keys; toggle buttons: Enter on the next
button; toggle: Space), `--moves` times each, and measures in the page, from the keydown
event to the first animation frame whose widget picture differs (an <img> source, a canvas
frame counter, or a progress indicator appearing). Prints a Markdown table: p50, p95 and max
per widget, for the controls that only redraw and, separately, for those that retrain: a move
that trains is timed to its progress indicator, a move back to a run already trained (the
second half of each control's moves) to its picture, in a row of its own; then, control by
control, the redrawing controls over the targets. "kernel p50" is the View's own time for the
frames shown (widgets.base.View reports it with each frame); the rest of a move's time is
its trip through JupyterLab and the browser. Each control's moves go
forward, then back: a View keeps the pictures it drew, so the moves back cost no drawing, and
"p50 new states" gives the forward moves alone.

    .venv/bin/python benchmarks/bench_widgets.py                      # every chapter, 10 moves
    .venv/bin/python benchmarks/bench_widgets.py --only 03 --moves 4  # a quick look

Never a test: nothing fails on a time. The load average is printed with the table.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
RUN_ALL_S = 900  # generous: a loaded 2-core machine with a cold Numba cache
KERNEL_S = 120.0  # a kernel's start, on the same machine
SETTLE_S = 60.0  # a retraining control's first visible change may take this long
REDRAW_S = 10.0  # a redrawing control whose picture has not changed by then: "unchanged"
STABLE_S = 0.5
# Controls whose move retrains a model (per widget, by the control's label).
RETRAIN = {"mlp_playground": {"data", "hidden units", "activation", "learning rate", "epochs",
                              "seed"},
           "digit_explorer": {"seed", "epochs"},
           "saturation_explorer": {"depth", "width", "activation", "init", "seed"},
           "regularization_lab": {"capacity", "l2 lambda", "dropout rate", "patience (0 = off)",
                                  "training rows", "epochs", "seed"},
           "bottleneck_lab": {"width", "seed"}}

# The picture's signature: every <img> source (length and tail) and canvas frame counter.
SIG_JS = """w => [...w.querySelectorAll('img, canvas')].map(e => e.tagName === 'IMG'
    ? e.src.length + ':' + e.src.slice(-64) : (e.dataset.frame ?? '')).join('|')
    + '|' + (w.querySelector('[data-busy="1"]') ? 'busy' : '')"""
BUSY_JS = "w => w.querySelector('[data-busy=\"1\"]') !== null"
ARM_JS = f"""w => {{
    const sig = {SIG_JS};
    const b = window.__bench = {{before: sig(w), t0: null, t1: null, done: false}};
    if (!window.__benchKeys) {{
        window.__benchKeys = true;
        window.addEventListener('keydown', () => {{
            if (window.__bench && window.__bench.t0 === null) window.__bench.t0 = performance.now();
        }}, true);
    }}
    const tick = () => {{
        if (b.done) return;
        if (b.t0 !== null && sig(w) !== b.before) {{
            b.t1 = performance.now(); b.done = true;
            b.busy = w.querySelector('[data-busy="1"]') !== null;
            b.kernel = Number(w.querySelector('img.dl-picture-frame')?.dataset.kernelMs ?? NaN);
            return;
        }}
        requestAnimationFrame(tick);
    }};
    requestAnimationFrame(tick);
}}"""
CALL_JS = "w => w.querySelector('.dl-lessons-code')?.textContent ?? ''"
PROMPTS_JS = """p => [...p.querySelectorAll('.jp-CodeCell')].map(
    c => (c.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim())"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_environment(base):
    """The throwaway lab's environment: its own Jupyter directories under base, and this
    checkout's lessons and widgets first on the kernels' path. The venv's editable install
    points at the checkout it was made from, so a clone or worktree measured with another's
    venv would otherwise time the other's widgets."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JUPYTER_TOKEN")}
    env.update(JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), IPYTHONDIR=str(base / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(base / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"), TQDM_DISABLE="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in env.get(
                   "PYTHONPATH", "").split(os.pathsep) if p]))
    return env


def start_lab(notebooks, base):
    root = base / "notebooks"
    shutil.copytree(notebooks, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    labconfig = base / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    shutil.copyfile(ROOT / "lab-settings" / "overrides.json",
                    labconfig / "default_setting_overrides.json")
    env = lab_environment(base)
    port = free_port()
    log = open(base / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2).close()
            return server, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"JupyterLab did not start; see {base / 'lab.log'}")


def stop(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def idle(page):
    return "| Idle" in page.locator("#jp-main-statusbar").inner_text()


def run_all(page, panel):
    # The toolbar's kernel indicator reads idle while the kernel is still starting; the
    # status bar does not. A Run All sent before the kernel is up can leave cells unrun (the
    # CI's smoke run of chapter 02 once waited out RUN_ALL_S that way).
    deadline = time.monotonic() + KERNEL_S
    while not idle(page):
        if time.monotonic() > deadline:
            raise SystemExit(f"the kernel did not start within {KERNEL_S:.0f} s: status bar "
                             f"{page.locator('#jp-main-statusbar').inner_text()!r}")
        page.wait_for_timeout(250)
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    deadline, since = time.monotonic() + RUN_ALL_S, None
    while time.monotonic() < deadline:
        prompts = [p for p in panel.evaluate(PROMPTS_JS) if p]
        done = prompts and all(re.match(r"^\[\d+\]:$", p) for p in prompts)
        if done and idle(page):
            since = since or time.monotonic()
            if time.monotonic() - since > 2:
                return
        else:
            since = None
        page.wait_for_timeout(250)
    raise SystemExit(f"Run All did not finish within {RUN_ALL_S} s: prompts {prompts}, status "
                     f"bar {page.locator('#jp-main-statusbar').inner_text()!r}")


def settle(page, widget):
    """Wait until the kernel is idle and the picture has not changed for STABLE_S."""
    sig = f"w => ({SIG_JS})(w) + (({CALL_JS})(w))"
    deadline = time.monotonic() + SETTLE_S
    last, since = widget.evaluate(sig), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = widget.evaluate(sig)
        if now != last or not idle(page) or widget.evaluate(BUSY_JS):  # training: not yet
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= STABLE_S:
            return


def controls(widget):
    """(kind, locator, field label) for every keyboard-driven control of a widget."""
    found = []
    sliders = widget.locator(".widget-slider")
    for i in range(sliders.count()):
        s = sliders.nth(i)
        if s.is_visible():
            found.append(("slider", s.locator(".noUi-handle").first,
                          s.locator(".widget-label").first.inner_text()))
    drops = widget.locator(".widget-dropdown")
    for i in range(drops.count()):
        d = drops.nth(i)
        if d.is_visible():
            found.append(("dropdown", d.locator("select"),
                          d.locator(".widget-label").first.inner_text()))
    toggles = widget.locator(".widget-toggle-buttons")
    for i in range(toggles.count()):
        t = toggles.nth(i)
        if t.is_visible():
            found.append(("toggles", t, t.locator(".widget-label").first.inner_text()))
    singles = widget.locator(".widget-toggle-button:not(.widget-toggle-buttons *)")
    for i in range(singles.count()):
        b = singles.nth(i)
        if b.is_visible():
            found.append(("toggle", b, b.inner_text()))
    return found


def one_move(page, widget, kind, control, forward, wait_s):
    """Press one key on the control; (latency in ms, whether the first change was the
    progress indicator, the kernel's time for the frame shown in ms), or (None, False, None)
    if the picture did not change within wait_s."""
    widget.evaluate(ARM_JS)
    if kind == "slider":
        control.press("ArrowRight" if forward else "ArrowLeft")
    elif kind == "dropdown":
        control.focus()
        control.press("ArrowDown" if forward else "ArrowUp")
    elif kind == "toggles":
        buttons = control.locator("button")
        n = buttons.count()
        active = next((i for i in range(n) if "mod-active" in
                       (buttons.nth(i).get_attribute("class") or "")), 0)
        buttons.nth((active + 1) % n).press("Enter")
    else:
        control.press("Space")
    try:
        page.wait_for_function("() => window.__bench.done", timeout=wait_s * 1000,
                               polling=50)
    except Exception:  # Playwright's timeout: the picture did not change
        pass
    result = page.evaluate("() => { const b = window.__bench; b.done = true; "
                           "return [b.t1 === null || b.t0 === null ? null : b.t1 - b.t0, "
                           "b.busy === true, b.kernel ?? null]; }")
    settle(page, widget)
    return tuple(result)


def at_end(page, kind, control):
    if kind != "slider":
        return False
    return page.evaluate("h => h.closest('.noUi-target').noUiSlider.getPositions()"
                         "[Number(h.dataset.handle)] >= 100", control.element_handle())


def bench_notebook(page, url, notebook, moves, results):
    page.goto(f"{url}/lab/workspaces/{notebook.stem}/tree/{notebook.name}")
    panel = page.locator(".jp-NotebookPanel")
    panel.wait_for()
    page.wait_for_timeout(1000)
    run_all(page, panel)
    widgets = panel.locator(".dl-lessons-widget")
    for k in range(widgets.count()):
        widget = widgets.nth(k)
        widget.scroll_into_view_if_needed()
        settle(page, widget)
        # the call line, after "from ... import name; " where the line carries its import
        name = widget.evaluate(CALL_JS).split("; ")[-1].split("(")[0] or f"widget {k + 1}"
        retrain = RETRAIN.get(name, set())
        for kind, control, label in controls(widget):
            slow = label.strip().lower() in retrain
            forward = not at_end(page, kind, control)
            times, trained, kernel = [], [], []
            for m in range(moves):
                go = forward if m < (moves + 1) // 2 else not forward
                ms, busy, frame_ms = one_move(page, widget, kind, control, go,
                                              SETTLE_S if slow else REDRAW_S)
                times.append(ms)
                trained.append(busy)
                reported = frame_ms is not None and frame_ms == frame_ms  # NaN: not reported
                kernel.append(frame_ms if reported and not busy and ms is not None else None)
                if times[-3:] == [None] * 3:
                    extra = moves - len(times)  # a control that moves nothing
                    times, trained, kernel = (times + [None] * extra, trained + [False] * extra,
                                              kernel + [None] * extra)
                    break
            back = [m >= (moves + 1) // 2 for m in range(moves)]  # to states shown before
            results.append({"chapter": notebook.stem[:2], "widget": name, "control": label,
                            "retrain": slow, "ms": times, "busy": trained, "kernel": kernel,
                            "back": back})
            shown = [("-" if t is None else f"{t:.0f}" + ("*" if b else ""))
                     for t, b in zip(times, trained)]
            print(f"  {notebook.stem[:2]} {name} {label!r}: {' '.join(shown)}", flush=True)


def _kind(r, busy):
    """A move's row: a redrawing control's; a retraining control's that trained (timed to the
    progress indicator); or one whose run was cached (a move back: timed to the picture).
    Files written before the progress indicator was told apart have no "busy"."""
    if not r["retrain"]:
        return "redraw"
    if busy is None:
        return "retrain"
    return "retrain, to progress" if busy else "retrain control, run cached"


def table(results):
    """The Markdown table: per widget and kind of move, p50, p95 and max from key press to
    changed picture; the p50 of the moves to states not shown before (the first half of each
    control's moves: a View keeps the pictures it drew, so a move back costs no drawing); and
    the p50 of the kernel's own time for the frames shown (where the View reported it), the
    rest being the trip through JupyterLab and the browser."""
    rows = ["| chapter | widget | controls | p50 | p95 | max | p50 new states | kernel p50 "
            "| unchanged |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    groups = {}  # (chapter, widget, kind) -> (controls, moves), in the order first met
    for r in results:
        n = len(r["ms"])
        for t, busy, k, back in zip(r["ms"], r.get("busy", [None] * n),
                                    r.get("kernel", [None] * n), r.get("back", [None] * n)):
            labels, moves = groups.setdefault((r["chapter"], r["widget"], _kind(r, busy)),
                                              (set(), []))
            labels.add(r["control"])
            moves.append((t, k, back))
    for (chapter, widget, kind), (labels, moves) in groups.items():
        times = [t for t, _, _ in moves if t is not None]
        new = [t for t, _, back in moves if t is not None and back is False]
        kernel = [k for _, k, _ in moves if k is not None]
        missing = len(moves) - len(times)
        p50, p95, top = (np.percentile(times, [50, 95, 100]) if times else (np.nan,) * 3)
        first = f"{np.median(new):,.0f} ms" if new else ""
        own = f"{np.median(kernel):,.0f} ms" if kernel else ""
        rows.append(f"| {chapter} | {widget} | {kind} ({len(labels)}) | {p50:,.0f} ms | "
                    f"{p95:,.0f} ms | {top:,.0f} ms | {first} | {own} | {missing} |")
    return "\n".join(rows)


def over_target(results, p50=100.0, p95=250.0):
    """The issue's targets hold per control: the redrawing controls whose moves (new states
    and moves back together, as in the table) have a p50 over `p50` ms or a p95 over `p95` ms,
    as Markdown lines after a count of those that meet both."""
    redrawing = [r for r in results if not r["retrain"]]
    over = []
    for r in redrawing:
        times = [t for t in r["ms"] if t is not None]
        if not times:
            continue
        mid, high = np.percentile(times, [50, 95])
        if mid > p50 or high > p95:
            new = [t for t, back in zip(r["ms"], r.get("back", [None] * len(r["ms"])))
                   if t is not None and back is False]
            over.append(f"- {r['chapter']} {r['widget']} {r['control']!r}: p50 {mid:,.0f} ms, "
                        f"p95 {high:,.0f} ms (moves: {', '.join(f'{t:,.0f}' for t in times)}"
                        f"; new states {', '.join(f'{t:,.0f}' for t in new) or 'none'})")
    head = (f"{len(redrawing) - len(over)} of {len(redrawing)} redrawing controls at p50 <= "
            f"{p50:,.0f} ms and p95 <= {p95:,.0f} ms" + ("; over:" if over else ""))
    return "\n".join([head] + over)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--only", default="", help="chapters whose file name contains this")
    parser.add_argument("--moves", type=int, default=10, help="key presses per control")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    parser.add_argument("--whole-frames", action="store_true",
                        help="draw every frame whole (DL_LESSONS_WHOLE_FRAMES=1): the views "
                             "without widgets.layers' fast path, for a before/after table")
    parser.add_argument("--table-from", type=Path, help="only print the table of a --json file")
    args = parser.parse_args(argv)
    if args.table_from:
        results = json.loads(args.table_from.read_text())
        print(table(results) + "\n\n" + over_target(results))
        return
    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop JupyterLab on the way out

    notebooks = [nb for nb in sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb"))
                 if args.only in nb.name and not nb.name.startswith("00")]
    results = []
    base = Path(tempfile.mkdtemp(prefix="bench-widgets-"))
    if args.whole_frames:
        os.environ["DL_LESSONS_WHOLE_FRAMES"] = "1"  # the lab's kernels inherit it
    server, url = start_lab(args.notebooks, base)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(60_000)
            for notebook in notebooks:
                page = context.new_page()
                print(f"{notebook.name}:", flush=True)
                bench_notebook(page, url, notebook, args.moves, results)
                page.close()
                for s in json.load(urllib.request.urlopen(f"{url}/api/sessions")):
                    req = urllib.request.Request(f"{url}/api/sessions/{s['id']}",
                                                 method="DELETE")
                    try:
                        urllib.request.urlopen(req).close()
                    except OSError:
                        pass  # the xsrf check; the kernel ends with the server anyway
            browser.close()
    finally:
        stop(server)
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    frames = "every frame drawn whole" if args.whole_frames else "the fast path where it exists"
    print(f"\nkey press -> changed picture, {args.moves} moves per control, {frames}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n")
    print(table(results) + "\n\n" + over_target(results))


if __name__ == "__main__":
    main()
