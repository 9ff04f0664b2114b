"""What every widget shares: colours, helpers, the state-to-code line, and the View.

A widget is a frozen dataclass of its state, a pure `render(state) -> Figure` that tests call
headlessly, a `summary(state)` in words, and a `View` that maps controls onto state fields and
redraws. Figures are built with `matplotlib.figure.Figure` (not pyplot), so nothing is shown
twice and nothing leaks between slider moves.

A widget whose frame stays while its controls move passes `layers` (widgets/layers.py): the
View then redraws only the artists a move changes over the kept frame (blitting). Otherwise
each move renders the figure straight to a PNG (Agg, fast zlib level, no tight bounding box).
The bytes go to a small anywidget front end (widgets/static/picture.js) that swaps them into
one <img>, so nothing is torn down and rebuilt between frames. Moves that arrive while a frame
is drawn are coalesced: only the latest state is drawn. A state whose model is not trained yet
trains on a background thread with a progress bar, other controls stay live. The picture and
the static path are the same `render(state)`, drawn by the same `figure_png`. The View's
display bundle carries that PNG beside the widget, so a notebook opened without a kernel (or on
GitHub, nbviewer, an HTML export) shows the picture.
"""
import asyncio
import base64
import collections
import contextlib
import dataclasses
import functools
import gc
import html
import json
import math
import os
import re
import threading
import time
from pathlib import Path

import anywidget
import ipywidgets as W
import matplotlib
import numpy as np
import traitlets
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN, TICKLEFT
from matplotlib.transforms import offset_copy

from lessons.chapters import pretrained
from lessons.kernels import checks, registry
from widgets.glyphs import Canvas, Labels
from widgets.layers import Blitter, canvas_png, dynamic_artists

STATIC = Path(__file__).resolve().parent / "static"
# Frames a View keeps (figure and background, 1-4 MB each): a move back to a text, a depth or
# a surface shown before blits over its kept frame instead of drawing a new one.
KEPT_FRAMES = 4
KEPT_PICTURES = 64  # PNGs a View keeps (20-200 KB each), by state, theme and kernels
# a new frame's background is drawn this long after its first picture is sent: by then the
# picture has gone through JupyterLab's server to the browser, which on 2 cores the drawing
# would slow down (the first moves on new frames took 30-50 ms longer when it began at once)
PREPARE_AFTER_S = 0.2


def _kernels_in_use():
    """The kernels a render runs now: lessons.kernels.use swaps a learner's in. Part of the
    keys of a View's kept pictures and frames, so that a move back to a state shown before
    shows what the kernel in use computes, not what the one before it did."""
    return tuple(registry.in_use().values())


_collector_lock = threading.Lock()
_collector_holds = 0  # frames being drawn now (a training thread may draw one too)
_collector_was_enabled = True


@contextlib.contextmanager
def collections_after():
    """Python's cyclic garbage collector waits while a frame is drawn and sent; its work
    falls due at the first allocation after, while the browser shows the picture. In a kernel
    holding a chapter's objects (some 200,000: matplotlib's, Numba's, the models'), one of
    chapter 12's map moves in eight paid a full collection before its picture: 156-164 ms,
    against 45-52 ms at the median. Nested and threaded frames are counted: the collector is
    enabled again after the last, if it was."""
    global _collector_holds, _collector_was_enabled
    with _collector_lock:
        if _collector_holds == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_holds += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_holds -= 1
            if _collector_holds == 0 and _collector_was_enabled:
                gc.enable()


class Kept(collections.OrderedDict):
    """The latest `maxsize` values put, by key (none when maxsize is 0); get() marks its key
    as the latest."""

    def __init__(self, maxsize):
        super().__init__()
        self.maxsize = maxsize

    def get(self, key):
        value = super().get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key, value):
        if self.maxsize:
            self[key] = value
            while len(self) > self.maxsize:
                self.popitem(last=False)
        return value

# Okabe-Ito colours (safe for the common colour-vision deficiencies) and a diverging map.
POSITIVE = "#0072B2"  # blue: class +1
NEGATIVE = "#D55E00"  # vermillion: class -1
ACCENT = "#009E73"  # bluish green: weight vectors, trajectories
WARNING = "#CC79A7"  # reddish purple: misclassified points, divergence
DIVERGING = "PuOr_r"  # diverging colour map for signed quantities (z, feature maps)
SEQUENTIAL = "viridis"


def new_figure(width=6.4, height=4.8, ncols=1, nrows=1, **kwargs):
    """A Figure with axes, independent of pyplot (so it is never auto-displayed)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes


# JupyterLab's dark theme: the figure's background, its text and the axes' frames follow it;
# inside the axes the data stays on white, where the colour maps were chosen to read.
DARK = {"figure.facecolor": "#111111", "savefig.facecolor": "#111111",
        "text.color": "#e0e0e0", "axes.labelcolor": "#e0e0e0", "axes.edgecolor": "#aaaaaa",
        "axes.titlecolor": "#e0e0e0", "xtick.color": "#cccccc", "ytick.color": "#cccccc",
        "legend.facecolor": "#222222", "legend.edgecolor": "#666666",
        "legend.labelcolor": "#e0e0e0"}


def figure_png(fig):
    """The figure as PNG bytes: the one picture the live view, the display bundle and the
    static path share. Agg at the figure's dpi (its text drawn from widgets.glyphs' caches),
    no tight bounding box (figures are laid out "constrained"), zlib level 1: several times
    faster than savefig's defaults."""
    canvas = Canvas(fig)
    canvas.draw()
    return canvas_png(canvas)


def _show_figures_as_png():
    """Let IPython display a pyplot-free Figure as an image.

    Without pyplot the inline backend never registers its formatter, so `display(fig)` would
    print only "<Figure size ...>". Registering here makes widgets work in any kernel.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "display_formatter"):
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


_show_figures_as_png()


def argument(func, name, value, *, options=None, **bounds):
    """A widget factory's argument: one of `options`, or a number within `bounds` (low, high,
    low_open, integer: as lessons.kernels.checks.number). Anything else is a ValueError naming it,
    raised before any control is made: a control would raise traitlets' TraitError, far from
    the cause, or silently show another value."""
    if options is not None:
        return _invalid_as_value_error(checks.choice, func, name, value, options)
    return _invalid_as_value_error(checks.number, func, name, value, **bounds)


def flag(func, name, value):
    """A widget factory's True/False argument (1 or "yes" is not one), as `argument`."""
    return _invalid_as_value_error(checks.flag, func, name, value)


def _invalid_as_value_error(check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except TypeError as error:  # the checks' word for a wrong type; to a widget, just invalid
        raise ValueError(str(error)) from None


def frozen(a):
    """A read-only copy of `a` (an array a cached result shares with every caller)."""
    return pretrained.frozen(a)


def symmetric_limit(a):
    """The largest |value| of `a` ignoring NaN, for a diverging colour map centred on 0;
    1.0 when there is none (all zero or not finite)."""
    a = np.asarray(a, dtype=float)
    top = float(np.nanmax(np.abs(a))) if np.any(np.isfinite(a)) else 0.0
    return top if math.isfinite(top) and top > 0 else 1.0


def autoscaled(low, high):
    """(low, high) widened by 5 % of the range each side, the limits matplotlib's autoscaling
    gives: for axes whose limits a widget's dynamic layer sets (the frame keeps no autoscale)."""
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def spaces_shown(text):
    """text with each space as "␣", so that a character model's blanks can be seen."""
    return text.replace(" ", "␣")


def ticks_within(locator, low, high):
    """A matplotlib tick locator's values between low and high (tick_values reaches past
    them): the ticks of an axis whose limits and tick_labels a dynamic layer sets."""
    ticks = locator.tick_values(low, high)
    return ticks[(ticks >= low) & (ticks <= high)]


TICK_MARKS = "tick marks"
AUTO_TICKS = 9  # matplotlib's most ticks for an "auto" locator (an axis over about 270 pt)


def tick_labels(ax, positions, labels, axis="x", marks=False, fontsize=None, minor=False):
    """labels where tick labels sit, at the data positions along ax's x axis (under it) or its
    y axis (left of it), and with marks=True the tick marks too, as matplotlib draws its major
    ticks, or its minor ones with minor=True (one Line2D of tick markers). An empty label
    marks its tick only. One artist, or two, not ticks: a tick is five artists (making 2 x 45
    of them took 70 ms of a new frame), and ticks belong to the axes' frame, while these can
    be drawn by a widget's dynamic layer. The marks' gid is TICK_MARKS (to tell them from a
    widget's data lines)."""
    rc = matplotlib.rcParams
    tick = f"{axis}tick.{'minor' if minor else 'major'}"
    size = rc[f"{tick}.size"] if marks else 0.0
    away = -(size + rc[f"{tick}.pad"])  # points, from the axes' edge outwards
    zeros = np.zeros(len(positions))
    if axis == "x":
        along, xy, ha, va = ax.get_xaxis_transform(), (positions, zeros), "center", "top"
        where = offset_copy(along, fig=ax.figure, y=away, units="points")
    else:
        along, xy, ha, va = ax.get_yaxis_transform(), (zeros, positions), "right", "center"
        where = offset_copy(along, fig=ax.figure, x=away, units="points")
    shown = [k for k, label in enumerate(labels) if label]
    ax.add_artist(Labels(np.transpose(xy)[shown], [labels[k] for k in shown], transform=where,
                         ha=ha, va=va, fontsize=fontsize))
    if marks:
        ax.add_artist(Line2D(*xy, transform=along, linestyle="none", clip_on=False,
                             marker=TICKDOWN if axis == "x" else TICKLEFT, markersize=size,
                             markeredgewidth=rc[f"{tick}.width"],
                             color=rc[f"{axis}tick.color"], gid=TICK_MARKS))


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def plain_math(label):
    """A tick label of matplotlib's log formatters as the plain text it shows: "10⁻³" for
    "$\\mathdefault{10^{-3}}$", "2×10⁻¹" for "$\\mathdefault{2\\times10^{-1}}$", "−10⁰", "0".
    Plain text is drawn from widgets.glyphs' caches, where a mathtext string new to the
    process is parsed first (about 5 ms each: 160 ms of a move to a surface whose loss axis
    reaches new powers of ten). Any other label is returned as it is."""
    inner = re.fullmatch(r"\$\\mathdefault\{(.*)\}\$", label)
    if inner is None:
        return label
    text = re.sub(r"\^\{(-?\d+)\}", lambda power: power.group(1).translate(_SUPERSCRIPT),
                  inner.group(1).replace("\\times", "×"))
    return label if re.search(r"[\\{}^$]", text) else text.replace("-", "\N{MINUS SIGN}")


def axis_ticks(ax, axis="x", marks=True, fontsize=None):
    """The ticks matplotlib draws at ax's current limits along its x or y axis, major and
    minor (a log axis' 2 x 10^-1 too), from the axis' own locators and formatters (their
    mathtext as plain_math's text), drawn by tick_labels: for axes whose limits a dynamic
    layer sets, while the frame hides the axis' own ticks. Not the offset text a linear axis
    may add (x 1e-3): for limits whose labels need none. A locator that fits its count to
    the axes' size ("auto") is given AUTO_TICKS: a static render lays its figure out after
    the layer ran, so the size is not known yet, and the count must not depend on it."""
    along = ax.xaxis if axis == "x" else ax.yaxis
    locator = along.get_major_locator()
    if getattr(locator, "_nbins", None) == "auto":  # AutoLocator, MaxNLocator("auto")
        locator.set_params(nbins=AUTO_TICKS)
    if getattr(locator, "numticks", None) == "auto":  # LogLocator
        locator.set_params(numticks=AUTO_TICKS)
    low, high = sorted(along.get_view_interval())
    for minor, ticker in ((False, along.major), (True, along.minor)):
        ticks = along.get_minorticklocs() if minor else along.get_majorticklocs()
        labels = ticker.formatter.format_ticks(ticks)  # as Axis draws: all, then cut
        shown = [k for k, t in enumerate(ticks) if low <= t <= high]
        if shown:
            tick_labels(ax, np.asarray(ticks)[shown], [plain_math(labels[k]) for k in shown],
                        axis=axis, marks=marks, fontsize=fontsize, minor=minor)


def contour_paths(contours):
    """A ContourSet's paths and look, as arguments for a PathCollection: contours made once
    (on a scratch Figure's axes) that a dynamic layer adds on every move, as
    ax.add_collection(PathCollection(**arguments), autolim=False)."""
    return dict(paths=contours.get_paths(), facecolors=contours.get_facecolor(),
                edgecolors=contours.get_edgecolor(), linewidths=contours.get_linewidth(),
                zorder=contours.get_zorder())


def mosaic(maps, ncols, gap=1):
    """maps[n, h, w] -> (one image with the maps in a grid of `ncols` columns, `gap` NaN
    (blank) pixels between tiles, the top-left (x, y) of each tile): one imshow instead of one
    axes per map keeps a redraw fast."""
    n, h, w = maps.shape
    nrows = -(-n // ncols)
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    corners = []
    for k in range(n):
        r, c = divmod(k, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = maps[k]
        corners.append((c * (w + gap), r * (h + gap)))
    return out, corners


def _literal(value):
    if isinstance(value, (float, np.floating)):
        return repr(round(float(value), 4))
    if isinstance(value, np.ndarray):
        return repr(np.round(value, 4).tolist())
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def state_call(name, state):
    """The one-line call that recreates `state`: name(field=value, ...), floats to 4 places."""
    args = ", ".join(f"{f.name}={_literal(getattr(state, f.name))}"
                     for f in dataclasses.fields(state))
    return f"{name}({args})"


def state_string(state):
    """`state` as a short string that round-trips: state_from_string(type(state), it)."""
    values = {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
    plain = {k: (float(v) if isinstance(v, (float, np.floating)) else
                 int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v)
             for k, v in values.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def state_from_string(cls, text, func="state"):
    """The field values a state_string holds (a dict for the factory), checked against
    `cls`'s fields: a ValueError naming the argument if it is not one."""
    try:
        values = json.loads(base64.urlsafe_b64decode(str(text).encode()))
    except (ValueError, TypeError):
        raise ValueError(f"{func}: state {text!r} is not a string copied from a view's "
                         f"`state` line") from None
    names = {f.name for f in dataclasses.fields(cls)}
    if not isinstance(values, dict) or not set(values) <= names:
        raise ValueError(f"{func}: state {text!r} does not describe a {cls.__name__}")
    return values


class Picture(anywidget.AnyWidget):
    """The front end of a View: the latest frame, a progress bar, an aria-live summary."""

    _esm = STATIC / "picture.js"
    _css = STATIC / "picture.css"
    png = traitlets.Bytes(b"").tag(sync=True)
    summary = traitlets.Unicode("").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    progress = traitlets.Float(0.0).tag(sync=True)
    progress_text = traitlets.Unicode("").tag(sync=True)
    dark = traitlets.Bool(False).tag(sync=True)  # set by the front end from JupyterLab's theme
    frame_ms = traitlets.Float(0.0).tag(sync=True)  # the kernel's time for the last frame


def _event_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class View:
    """The shell around a pure render function.

    controls maps state field names to ipywidgets controls; moving a control replaces that
    field and redraws (coalesced: one frame for the latest state). The current state's call
    line and `state=` string are shown under the figure, ready to copy.

    summary(state) -> str is shown under the picture and announced to screen readers.
    training(state) -> a function that trains what `state` needs, or None when it is
    trained (cached in lessons.chapters.pretrained): it then runs on a thread with a progress bar.
    play: the field a play/pause button animates over its slider's range.
    layers: the widget's widgets.layers.Layers (render is then layers.render): moves that keep
    its key, or go back to one of the KEPT_FRAMES keys drawn last, redraw only the dynamic
    layer; a move back to one of the KEPT_PICTURES states shown last draws nothing.
    DL_LESSONS_WHOLE_FRAMES=1 in the environment turns both off (every frame drawn whole), for
    benchmarks/bench_widgets.py's comparison.
    """

    def __init__(self, render, state, controls, call_name, *, summary=None, training=None,
                 play=None, extra=(), interval_ms=120, layers=None):
        self.render, self.state, self.call_name = render, state, call_name
        whole = os.environ.get("DL_LESSONS_WHOLE_FRAMES", "") not in ("", "0")
        self.layers, self._blitter = (None if whole else layers), None
        self._blitters = Kept(KEPT_FRAMES)  # (frame key, theme, kernels in use) -> Blitter
        # (state, theme, kernels in use) -> PNG: render(state) is pure given the kernels it
        # runs, so a move back to a state shown before (scrubbing to and fro, a play loop)
        # draws nothing
        self._pictures = Kept(0 if whole else KEPT_PICTURES)
        self.module = render.__module__
        self.defaults, self.controls = state, controls
        self.summarize = summary or (lambda s: state_call(call_name, s))
        self.training = training or (lambda s: None)
        self.picture = Picture()
        self.code = W.HTML(layout=W.Layout(overflow="auto"))
        self.code.add_class("dl-lessons-code")
        self.frames = 0  # frames drawn, for tests and benchmarks
        self.figure = None
        self._pending = self._training = False
        self._syncing = False
        self._layout = None  # (axes shape, positions) of the last constrained layout
        for field, control in controls.items():
            control.observe(lambda change, field=field: self._moved(field, change["new"]),
                            names="value")
            if not getattr(control, "description_allow_html", None) and control.description:
                control.tooltip = control.tooltip or control.description
            if getattr(control, "continuous_update", False):
                control.add_class("dl-lessons-continuous")  # redraws while it is dragged
        self.reset_button = W.Button(description="reset", icon="undo",
                                     tooltip="back to the defaults this view opened with",
                                     layout=W.Layout(width="auto"))
        self.reset_button.on_click(lambda _: self.reset())
        bar = [self.reset_button]
        self.player = None
        if play is not None:
            slider = controls[play]
            self.player = W.Play(value=slider.value, min=slider.min, max=slider.max,
                                 step=slider.step, interval=interval_ms,
                                 description=f"play {slider.description}",
                                 tooltip=f"play: animate {slider.description}")
            W.jslink((self.player, "value"), (slider, "value"))
            W.jslink((slider, "min"), (self.player, "min"))
            W.jslink((slider, "max"), (self.player, "max"))
            bar.insert(0, self.player)
        self.picture.observe(lambda change: self._schedule(), names="dark")
        shown = list(controls.values())
        rows = [W.HBox(shown[i:i + 3], layout=W.Layout(flex_flow="row wrap"))
                for i in range(0, len(shown), 3)]
        self.box = W.VBox([*rows, *extra, W.HBox(bar), self.picture, self.code])
        self.box.add_class("dl-lessons-widget")
        self.redraw()

    # --- state changes ----------------------------------------------------------------------

    def _moved(self, field, value):
        if not self._syncing:
            self.state = dataclasses.replace(self.state, **{field: value})
            self._schedule()

    def set(self, **changes):
        """Change state fields from code (controls follow) and redraw once."""
        self.state = dataclasses.replace(self.state, **changes)
        self._syncing = True
        try:
            for field, value in changes.items():
                if field in self.controls:
                    self.controls[field].value = value
        finally:
            self._syncing = False
        self._schedule()

    def reset(self):
        """Every field back to the state the view opened with."""
        self.set(**{f.name: getattr(self.defaults, f.name)
                    for f in dataclasses.fields(self.defaults)})

    def call(self):
        return state_call(self.call_name, self.state)

    def code_line(self):
        """The line that recreates this view in a fresh cell of any chapter (import included)."""
        return f"from {self.module} import {self.call_name}; {self.call()}"

    # --- drawing ----------------------------------------------------------------------------

    def _schedule(self):
        """Draw the latest state once the events queued now are handled (in a kernel), or
        now (no event loop: tests, scripts)."""
        loop = _event_loop()
        if loop is None:
            self.redraw()
        elif not self._pending:
            self._pending = True
            loop.call_soon(self._draw_pending)

    def _draw_pending(self):
        self._pending = False
        self.redraw()

    def redraw(self):
        """Draw the current state, or start training what it needs and draw when done."""
        if self._training:
            return  # the training thread redraws the latest state when it ends
        train = self.training(self.state)
        if train is not None:
            self._train(train)
            return
        with collections_after():
            start = time.perf_counter()
            key = (self.state, self.picture.dark, _kernels_in_use())
            png = self._pictures.get(key)
            if png is None:
                with matplotlib.rc_context(DARK if self.picture.dark else {}):
                    fig, png = self._frame(self.state)
                self.figure = fig  # the last Figure drawn, for tests
                if self.layers is None or self._blitter.background is not None:
                    # not a new frame's first picture: laid out by its constrained layout,
                    # which the frames blitted over it no longer run, its suptitle may sit a
                    # pixel off
                    self._pictures.put(key, png)
            with self.picture.hold_sync():  # one message: bench_widgets.py reads both
                self.picture.png = png
                self.picture.frame_ms = 1e3 * (time.perf_counter() - start)
        self.picture.summary = self.summarize(self.state)
        self.frames += 1
        loop = _event_loop()
        if loop is not None and self._blitter is not None and self._blitter.background is None:
            loop.call_later(PREPARE_AFTER_S, self._prepare, self._blitter)
        self.code.value = (
            f"<code title='copy this line into a cell'>{html.escape(self.code_line())}</code>"
            f"<br><code title='or pass this to the same function as state=...'>"
            f"state={html.escape(repr(state_string(self.state)))}</code>")

    def _prepare(self, blitter):
        """A new frame's background, taken once its first picture is shown (PREPARE_AFTER_S),
        so that the frame's first move is blitted too: else it draws the frame again first.
        Not while a newer move waits (it may need another frame), nor if a move took it."""
        if self._pending or blitter.background is not None:
            return
        with collections_after(), matplotlib.rc_context(DARK if blitter.key[1] else {}):
            blitter.prepare()

    def _frame(self, state):
        """(figure, PNG) of `state`: blitted over the last frame's background when the widget
        has layers and the static layer stays, else drawn whole."""
        if self.layers is None:
            fig = self.render(state)
            return fig, self._png(fig)
        key = (self.layers.key(state), self.picture.dark, _kernels_in_use())
        blitter = self._blitters.get(key)
        if blitter is not None:  # this frame, or one the view drew before and kept
            self._blitter = blitter
            return blitter.fig, blitter.frame(lambda: self.layers.dynamic(blitter.fig, state))
        fig = self.layers.static(state)
        artists = dynamic_artists(fig, lambda: self.layers.dynamic(fig, state))
        png = self._png(fig)
        self._blitter = self._blitters.put(key, Blitter(key, fig, artists))
        return fig, png

    def _png(self, fig):
        """figure_png, reusing the axes positions the constrained layout found for the
        previous frame of the same shape: solving the layout costs as much as drawing."""
        shape = [(type(ax).__name__, ax.get_subplotspec() and ax.get_subplotspec().get_geometry())
                 for ax in fig.axes]
        if self._layout is not None and self._layout[0] == shape:
            fig.set_layout_engine("none")
            for ax, box in zip(fig.axes, self._layout[1]):
                ax.set_position(box)
            return figure_png(fig)
        png = figure_png(fig)
        self._layout = (shape, [ax.get_position() for ax in fig.axes])
        return png

    def _train(self, train):
        self._training = True
        self.picture.busy, self.picture.progress = True, 0.0
        self.picture.progress_text = "training..."
        loop = _event_loop()

        def report(fraction, text):
            self.picture.progress, self.picture.progress_text = fraction, text

        def work():
            try:
                with pretrained.reporting(report):
                    train()
            finally:
                self._training = False
                self.picture.busy = False
                if loop is not None:
                    loop.call_soon_threadsafe(self._schedule)
        if loop is None:
            work()
            self.redraw()
        else:
            threading.Thread(target=work, daemon=True).start()

    # --- display ----------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        png = self.picture.png or figure_png(self.render(self.state))
        data["image/png"] = base64.b64encode(png).decode()
        data["text/plain"] = self.summarize(self.state)
        return bundle


def factory(state_cls):
    """Give a widget factory the teacher's arguments: state="..." (a view's `state` line,
    overriding the other arguments), hide=(...) and lock=(...) (field names whose controls are
    hidden or disabled)."""
    def wrap(make):
        @functools.wraps(make)
        def made(*args, state=None, hide=(), lock=(), **kwargs):
            if state is not None:
                kwargs.update(state_from_string(state_cls, state, make.__name__))
            view = make(*args, **kwargs)
            for name, fields in (("hide", hide), ("lock", lock)):
                for field in fields:
                    argument(make.__name__, name, field, options=view.controls)
            for field in hide:
                view.controls[field].layout.display = "none"
            for field in lock:
                view.controls[field].disabled = True
            return view
        return made
    return wrap
