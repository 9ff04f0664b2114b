"""widgets.layers.canvas_png, the course's own PNG writer: any decoder reads back exactly the
pixels the canvas holds, as RGB when the figure is opaque and RGBA when it is not."""
import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from widgets.layers import canvas_png


@pytest.mark.parametrize("facecolor, mode", [("white", "RGB"), ("#111111", "RGB"),
                                             ((1, 1, 1, 0), "RGBA"), ((0, 0, 1, 0.5), "RGBA")])
def test_decoded_pixels_are_the_canvas(facecolor, mode):
    fig = Figure(figsize=(3.1, 2.3), dpi=50, facecolor=facecolor)  # odd sizes: 155 x 115
    ax = fig.add_subplot()
    ax.imshow(np.arange(12.0).reshape(3, 4), cmap="viridis")
    ax.plot([0, 3], [0, 2], lw=3)
    ax.set_title("tanh(c_t)")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = Image.open(io.BytesIO(canvas_png(canvas)))
    image.load()  # checks every chunk's CRC and the zlib stream
    assert image.mode == mode and image.size == (155, 115)
    np.testing.assert_array_equal(np.asarray(image.convert("RGBA")),
                                  np.asarray(canvas.buffer_rgba()))
