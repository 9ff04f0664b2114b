"""widgets.glyphs: text drawn from the caches is matplotlib's own, pixel for pixel."""
import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from matplotlib.transforms import Bbox, IdentityTransform

from widgets import glyphs

MATPLOTLIB = tuple(int(part) for part in matplotlib.__version__.split(".")[:2])


def busy_figure():
    """Text of every kind the widgets draw: titles with changing digits, rotated and
    monospace labels, bold, small sizes, a fallback glyph, text running off the canvas, text
    without anti-aliasing, mathtext, at many sub-pixel positions."""
    fig = Figure(figsize=(5.3, 3.7), dpi=100)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [3, 1, 2])
    ax.set(title="update 5 of 5: w = (0.50, -1.25, 3.00)", xlabel="step", ylabel="loss")
    fig.suptitle("diverged at step 12", fontweight="bold")
    for k in range(23):
        ax.text(0.013 * k + 0.0037 * k * k, 0.05 + 0.041 * k, f"{k} ␣ {np.exp(-k):.2g}",
                fontsize=6 + k % 5, transform=ax.transAxes, rotation=(0, 90, 30)[k % 3],
                family="monospace" if k % 4 == 0 else None)
    fig.text(-0.02, 0.5, "off the left edge", fontsize=11)
    fig.text(0.6, 0.02, "no anti-aliasing", antialiased=False)
    fig.text(0.3, 0.9, r"$\sigma(z) = 1 / (1 + e^{-z})$")
    return fig


def drawn(canvas_class, fig):
    canvas = canvas_class(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.skipif(not glyphs.SUPPORTED, reason="this matplotlib lacks Agg's private text API")
def test_cached_text_is_matplotlibs_pixel_for_pixel():
    fig = busy_figure()
    expected = drawn(FigureCanvasAgg, fig)
    glyphs._layouts.clear()
    glyphs._bitmaps.clear()
    glyphs._metrics.clear()
    cold = drawn(glyphs.Canvas, fig)
    assert glyphs._bitmaps and glyphs._layouts and glyphs._metrics  # the caches were used
    warm = drawn(glyphs.Canvas, busy_figure())  # every string, size and glyph from the caches
    np.testing.assert_array_equal(cold, expected)
    np.testing.assert_array_equal(warm, expected)


@pytest.mark.skipif(not glyphs.SUPPORTED, reason="this matplotlib lacks Agg's private text API")
def test_a_glyph_at_a_new_whole_pixel_is_the_cached_bitmap_moved():
    # the same strings one whole pixel (and then a fraction) to the right: the first from the
    # cache, shifted; the second needs new bitmaps
    for shift in (1 / 530, 1.37 / 530):
        fig = busy_figure()
        for text in fig.axes[0].texts:
            x, y = text.get_position()
            text.set_position((x + shift * 530 / fig.axes[0].bbox.width, y))
        np.testing.assert_array_equal(drawn(glyphs.Canvas, fig), drawn(FigureCanvasAgg, fig))


@pytest.mark.skipif(not glyphs.SUPPORTED, reason="this matplotlib lacks Agg's private text API")
def test_a_new_figure_reuses_the_mathtext_parses_of_the_last():
    parses = MathTextParser._parse_cached.cache_info
    renderers, misses = [], []
    for _ in range(2):
        fig = Figure(figsize=(3, 2), dpi=91)  # a dpi no other test draws at: parsed anew
        fig.add_subplot().set(yscale="log", ylim=(1e-3, 1e3))  # tick labels 10^k, mathtext
        canvas = glyphs.Canvas(fig)
        before = parses().misses
        canvas.draw()
        renderers.append(canvas.get_renderer())
        misses.append(parses().misses - before)
    assert renderers[0] is not renderers[1]
    assert misses[0] > 0 and misses[1] == 0  # the second figure's 10^k were parsed before


def test_the_caches_stay_bounded(monkeypatch):
    monkeypatch.setattr(glyphs, "LIMIT", 5)
    cache = {}
    for k in range(12):
        glyphs._remember(cache, k, k)
        assert len(cache) <= 5 and cache[k] == k


LABELLED = [("e 0.035", "left", "center"), ("␣", "center", "top"), ("gjp(|)", "right", "baseline"),
            ("12", "center", "bottom"), ("Wy", "left", "top"), ("-0.50", "right", "center"),
            (r"$\mathdefault{-10^{2}}$", "right", "center"), (r"$x_t^2$", "center", "top"),
            (r"\$5", "left", "bottom")]


def labelled(with_labels, fontsize, family=None, weight=None):
    """Strings at whole pixels (the figure's own pixel coordinates): as Text artists, or as one
    glyphs.Labels artist."""
    fig = Figure(figsize=(3.2, 2.4), dpi=100)
    xy = [(40 + 29 * k, 30 + 21 * k) for k in range(len(LABELLED))]
    colours = ["black", "0.5", "tab:blue", "black", "#aa3377", "0.2", "black", "0.3", "black"]
    if with_labels:
        for ha, va in {(ha, va) for _, ha, va in LABELLED}:
            mine = [k for k, (_, h, v) in enumerate(LABELLED) if (h, v) == (ha, va)]
            fig.add_artist(glyphs.Labels(
                [xy[k] for k in mine], [LABELLED[k][0] for k in mine], ha=ha, va=va,
                color=[colours[k] for k in mine], fontsize=fontsize, family=family,
                weight=weight, transform=IdentityTransform()))
    else:
        for (s, ha, va), (x, y), colour in zip(LABELLED, xy, colours):
            fig.text(x, y, s, ha=ha, va=va, color=colour, fontsize=fontsize, family=family,
                     weight=weight, transform=IdentityTransform())
    return fig


@pytest.mark.skipif(MATPLOTLIB < (3, 11), reason="Labels aligns strings as matplotlib 3.11 does")
@pytest.mark.parametrize("fontsize, family, weight", [(8, None, None), (7.5, None, None),
                                                     (11, "monospace", None), (10, None, "bold")])
def test_labels_draw_what_texts_draw(fontsize, family, weight):
    texts = labelled(False, fontsize, family, weight)
    expected = drawn(FigureCanvasAgg, texts)  # matplotlib's own renderer
    labels = labelled(True, fontsize, family, weight)
    np.testing.assert_array_equal(drawn(glyphs.Canvas, labels), expected)
    renderer = texts.canvas.get_renderer()
    np.testing.assert_allclose(
        Bbox.union([t.get_window_extent(renderer) for t in texts.texts]).extents,
        Bbox.union([a.get_window_extent(renderer) for a in labels.artists]).extents)


def test_labels_snap_to_whole_pixels_and_check_their_arguments():
    fig = Figure(figsize=(2, 1), dpi=100)
    at = [glyphs.Labels([(20 + dx, 40)], ["a 0.5"], transform=IdentityTransform())
          for dx in (0.0, 0.3)]
    for a in at:
        fig.add_artist(a)
    renderer = glyphs.Canvas(fig).get_renderer()
    assert at[0].get_window_extent(renderer).x0 == at[1].get_window_extent(renderer).x0 == 20
    with pytest.raises(ValueError, match="color: one colour or one per string"):
        glyphs.Labels([(0, 0), (1, 1)], ["a", "b"], color=["red"] * 3,
                      transform=IdentityTransform())
    with pytest.raises(ValueError, match="va: "):
        glyphs.Labels([(0, 0)], ["a"], va="middle", transform=IdentityTransform())
