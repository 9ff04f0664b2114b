"""Text from a cache: the widgets' Agg canvas keeps every string's layout and glyph's bitmap.

matplotlib's Agg renderer (3.11) asks FreeType to lay out every string and render each of its
glyphs on every draw: about 0.8 ms of layout per string and 40-80 us per glyph here, a fifth
to a third of a fast-path frame, where the same titles, tick labels and digits are drawn move
after move. `Canvas` draws text as matplotlib does, but keeps

- each string's layout, by font, size, dpi, hinting, features and language;
- each glyph's bitmap, by everything FreeType is given to render it: the font, size, dpi,
  hinting, anti-aliasing, glyph, transform, and its position modulo one pixel. A shift by
  whole pixels moves the bitmap and changes nothing in it, so a bitmap rendered at the
  fractional part of a position is the one FreeType renders at the whole position.
- each string's size (width, height, descent), which matplotlib keeps per renderer: a new
  Figure, which has a new one, measured every string again.
- mathtext's parses (a log axis' tick labels, 10^k), in one parser per thread: matplotlib's
  renderer has a parser of its own, whose cache a new Figure started empty.

The pictures are matplotlib's, pixel for pixel (tests/widgets/test_glyphs.py). Mathtext and
TeX go to matplotlib as before. The renderer relies on Agg's private text methods
(`_prepare_font`, `FT2Font._layout`, `_set_transform`, `_render_glyph`); on a matplotlib
without them `Canvas` is plain `FigureCanvasAgg`.
"""
import functools
import math
import threading

import matplotlib
import numpy as np
from matplotlib import cbook, colors as mcolors
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import FT2Font, RenderMode
from matplotlib.transforms import Bbox

LIMIT = 100_000  # entries of each cache (a glyph's bitmap is a few hundred bytes)
_layouts = {}  # (thread, string, font properties, dpi, hinting, features, language) -> glyphs
_bitmaps = {}  # (font, glyph, (size, dpi, transform, hinting, mode), x % 64, y % 64) -> bitmap
_metrics = {}  # (string, font properties, dpi, hinting) -> (width, height, descent)
_parsers = threading.local()  # .parser: the thread's MathTextParser (pyparsing's state is its)

SUPPORTED = (all(hasattr(RendererAgg, name) for name in ("_prepare_font",
                                                         "_draw_text_glyphs_and_boxes"))
             and all(hasattr(FT2Font, name) for name in ("_layout", "_set_transform",
                                                         "_render_glyph")))


def _remember(cache, key, value):
    if len(cache) >= LIMIT:
        cache.clear()
    cache[key] = value
    return value


class Renderer(RendererAgg):
    """RendererAgg whose plain text (not mathtext, not TeX) comes from the caches, and whose
    mathtext parser is the thread's, with its cache of parses."""

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        if not hasattr(_parsers, "parser"):
            _parsers.parser = self.mathtext_parser
        self.mathtext_parser = _parsers.parser

    def get_text_width_height_descent(self, s, prop, ismath):
        """matplotlib's, kept across renderers: its own cache is a renderer's, and every new
        Figure has a new canvas and renderer, so a new frame measured each of its strings
        again (0.26 ms each; about 260 for chapter 11's LSTM figure)."""
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, prop.copy(), self.dpi, get_hinting_flag())
        metrics = _metrics.get(key)
        if metrics is None:
            metrics = _remember(_metrics, key,
                                super().get_text_width_height_descent(s, prop, ismath))
        return metrics

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = (threading.get_ident(), s, prop.copy(), self.dpi, flags,
               None if features is None else tuple(features), language)
        glyphs = _layouts.get(key)
        if glyphs is None:  # the fonts are the thread's own: FreeType's are not thread-safe
            font = self._prepare_font(prop)
            glyphs = _remember(_layouts, key, tuple(
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features,
                                         language=language)))
        self._draw_glyphs(gc, x, y, angle, prop.get_size_in_points(), glyphs, flags)

    def _draw_glyphs(self, gc, x, y, angle, size, glyphs, flags):
        """RendererAgg._draw_text_glyphs_and_boxes for a string without boxes (no slant, no
        stretch), with each glyph's bitmap rendered once."""
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
        antialiased = gc.get_antialiased()
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        height, same = self.height, (size, self.dpi, matrix.tobytes(), flags, antialiased)
        for font, glyph, dx, dy in glyphs:  # dy is upwards, as FreeType's y
            ox = round(0x40 * (x + dx * cos - dy * sin))
            oy = round(0x40 * (height - y + dx * sin + dy * cos))
            key = (font, glyph, same, ox & 63, oy & 63)
            bitmap = _bitmaps.get(key)
            if bitmap is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [ox & 63, oy & 63])
                rendered = font._render_glyph(glyph, flags, mode)
                buffer = np.array(rendered.buffer)
                if not antialiased:
                    buffer *= 0xff
                bitmap = _remember(_bitmaps, key, (buffer, rendered.left, rendered.top))
            buffer, left, top = bitmap
            # draw_text_image's y is downwards, at the bitmap's bottom side
            self._renderer.draw_text_image(
                buffer, left + (ox >> 6), int(height) - (top + (oy >> 6)) + buffer.shape[0],
                0, gc)


class Canvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with Renderer (FigureCanvasAgg itself where it cannot)."""

    def get_renderer(self):
        if not SUPPORTED:
            return super().get_renderer()
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


@functools.lru_cache(maxsize=64)
def _line_box(prop, dpi):
    """(ascent, descent) in pixels of the font's line box, as matplotlib 3.11's Text reads
    them: the OS/2 table's typographic ascender and descender, else the hhea table's."""
    font = get_font(findfont(prop))
    scale = prop.get_size_in_points() * dpi / 72 / font.get_sfnt_table("head")["unitsPerEm"]
    for table, ascender, descender in (("OS/2", "sTypoAscender", "sTypoDescender"),
                                       ("hhea", "ascent", "descent")):
        metrics = font.get_sfnt_table(table)
        if metrics is not None:
            return metrics[ascender] * scale, -metrics[descender] * scale
    return 0.0, 0.0


class Labels(Artist):
    """Short strings of one font, each at its own point, drawn as one artist: what as many
    Text artists draw (one line each, not rotated, aligned as matplotlib 3.11 aligns a Text),
    for a small part of the cost.

    A Text finds its font, reads the font's tables and lays itself out on every draw, about
    0.15-0.25 ms even when the string was drawn before: 45 characters under a heat map took
    10 ms of a 40 ms move. Here the font's line box is read once per font and size, and each
    string's size comes from the renderer's cache (Renderer above). Each anchor is moved to the
    nearest whole pixel before its string is aligned, so that a string draws the same glyph
    bitmaps wherever it lands (they are kept by position modulo one pixel).

    xy: points in `transform`'s coordinates; color: one colour or one per string; fontsize,
    family, weight: the font's; ha: left, center or right; va: baseline, top, center or
    bottom. A string between $ signs is mathtext, as in a Text (a log axis' "$10^{2}$")."""

    zorder = 3  # as Text

    def __init__(self, xy, strings, *, transform, color=None, fontsize=None, family=None,
                 weight=None, ha="left", va="baseline"):
        super().__init__()
        self._strings = [(str(s), True) if cbook.is_math_text(s) else
                         (str(s).replace(r"\$", "$"), False) for s in strings]  # as a Text
        self._xy = np.asarray(xy, dtype=float).reshape(len(self._strings), 2)
        color = matplotlib.rcParams["text.color"] if color is None else color
        self._colors = ([mcolors.to_rgba(color)] * len(self._strings)
                        if mcolors.is_color_like(color) else [mcolors.to_rgba(c) for c in color])
        if len(self._colors) != len(self._strings):
            raise ValueError(f"color: one colour or one per string ({len(self._strings)}), "
                             f"not {len(self._colors)}")
        self._prop = FontProperties(size=fontsize, family=family, weight=weight)
        self._ha = {"left": 0.0, "center": 0.5, "right": 1.0}[ha]
        self._va = va
        if va not in ("baseline", "top", "center", "bottom"):
            raise ValueError(f"va: baseline, top, center or bottom, not {va!r}")
        self._antialiased = matplotlib.rcParams["text.antialiased"]
        self.set_transform(transform)
        self.set_clip_on(False)  # as Axes.text

    def _placed(self, renderer):
        """(string, mathtext?, colour, x of its left end, y of its baseline, width, ascent,
        descent) in display pixels, y upwards, as Text._get_layout places a one-line Text."""
        ascent, descent = _line_box(self._prop, self.figure.dpi)
        anchors = np.round(self.get_transform().transform(self._xy))
        for (s, math), colour, (x, y) in zip(self._strings, self._colors, anchors):
            w, h, d = renderer.get_text_width_height_descent(s, self._prop, ismath=math)
            a, d = max(h - d, ascent), max(d, descent)
            y -= {"baseline": 0.0, "top": a, "center": (a - d) / 2, "bottom": -d}[self._va]
            yield s, math, colour, x - self._ha * w, y, w, a, d

    def draw(self, renderer):
        if not self.get_visible() or not self._strings:
            return
        renderer.open_group("labels", self.get_gid())
        gc = renderer.new_gc()
        gc.set_alpha(self.get_alpha())
        gc.set_antialiased(self._antialiased)
        gc.set_snap(self.get_snap())
        self._set_gc_clip(gc)
        _, height = renderer.get_canvas_width_height()
        for s, math, colour, x, y, *_ in self._placed(renderer):
            gc.set_foreground(colour, isRGBA=True)
            renderer.draw_text(gc, x, height - y if renderer.flipy() else y, s, self._prop, 0,
                               ismath=math)
        gc.restore()
        renderer.close_group("labels")
        self.stale = False

    def get_window_extent(self, renderer=None):
        renderer = renderer or self.figure._get_renderer()
        boxes = [Bbox.from_bounds(x, y - d, w, a + d)
                 for *_, x, y, w, a, d in self._placed(renderer)]
        return Bbox.union(boxes) if boxes else Bbox.null()
