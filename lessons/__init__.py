"""dl-lessons: the small library the chapters grow.

`lessons.kernels` holds the Numba kernels (and `lessons.reference` their NumPy twins);
the rest validates input, holds parameters and trains. Nothing here imports ipywidgets.
"""
from lessons._numba_cache import configure_numba_cache, drop_stale_kernels

configure_numba_cache()
drop_stale_kernels()

__all__ = ["configure_numba_cache"]
