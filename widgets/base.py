"""What every widget shares: colours, the state-to-code line, and the thin ipywidgets shell.

A widget is a frozen dataclass of its state, a pure `render(state) -> Figure` that tests call
headlessly, and a `View` that maps controls onto state fields and redraws. Figures are built
with `matplotlib.figure.Figure` (not pyplot), so nothing is shown twice and nothing leaks
between slider moves.
"""
import dataclasses
import html
import io

import ipywidgets as W
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from lessons.kernels import checks

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


def _figure_png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


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
        shell.display_formatter.formatters["image/png"].for_type(Figure, _figure_png)


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


class View:
    """The shell around a pure render function.

    controls maps state field names to ipywidgets controls; moving a control replaces that
    field and redraws. The current state's call line is shown under the figure, ready to copy.
    """

    def __init__(self, render, state, controls, call_name, *, extra=()):
        self.render, self.state, self.call_name = render, state, call_name
        self.controls = controls
        self.output = W.Output(layout=W.Layout(min_height="300px"))
        self.code = W.HTML(layout=W.Layout(overflow="auto"))
        self.code.add_class("dl-lessons-code")
        self._syncing = False
        for field, control in controls.items():
            control.observe(lambda change, field=field: self._moved(field, change["new"]),
                            names="value")
        rows = [W.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
        self.box = W.VBox([*rows, *extra, self.output, self.code])
        self.box.add_class("dl-lessons-widget")
        self.redraw()

    def _moved(self, field, value):
        if not self._syncing:
            self.state = dataclasses.replace(self.state, **{field: value})
            self.redraw()

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
        self.redraw()

    def call(self):
        return state_call(self.call_name, self.state)

    def redraw(self):
        # Render inside the Output: if it ever raises, the traceback shows under the sliders
        # instead of only in JupyterLab's log console beside a stale figure.
        with self.output:
            self.output.clear_output(wait=True)
            display(self.render(self.state))
        self.code.value = (f"<code style='white-space:pre' title='copy this call into a cell'>"
                           f"{html.escape(self.call())}</code>")

    def _ipython_display_(self):
        display(self.box)
