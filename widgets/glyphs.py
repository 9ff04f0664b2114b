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

The pictures are matplotlib's, pixel for pixel (tests/widgets/test_glyphs.py). Mathtext and
TeX go to matplotlib as before. The renderer relies on Agg's private text methods
(`_prepare_font`, `FT2Font._layout`, `_set_transform`, `_render_glyph`); on a matplotlib
without them `Canvas` is plain `FigureCanvasAgg`.
"""
import math
import threading

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font, RenderMode

LIMIT = 100_000  # entries of each cache (a glyph's bitmap is a few hundred bytes)
_layouts = {}  # (thread, string, font properties, dpi, hinting, features, language) -> glyphs
_bitmaps = {}  # (font, glyph, (size, dpi, transform, hinting, mode), x % 64, y % 64) -> bitmap
_metrics = {}  # (string, font properties, dpi, hinting) -> (width, height, descent)

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
    """RendererAgg whose plain text (not mathtext, not TeX) comes from the caches."""

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
