"""Chapter 07: the feature-map explorer, headless: render over a grid of settings (extremes
included), the products shown sum to the output pixel, the copy-as-code line, the View shell,
the Fashion-MNIST fallback and the static small multiples."""
import itertools

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure

import widgets.feature_maps as fm
from lessons.chapters import pretrained
from lessons.kernels import conv_output_size
from widgets.base import state_call


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


@pytest.mark.parametrize("source", fm.SOURCES)
def test_render_never_raises_over_the_grid(source):
    for stride, pad, pixel in itertools.product(range(1, 4), range(0, 3), (-5, 0, 13, 99)):
        state = fm.FeatureMapState(source, 9999 if pixel > 50 else 0, "laplacian",
                                   fm.CUSTOM_DEFAULT, 0, stride, pad, pixel, pixel)
        fig = fm.render(state)
        assert isinstance(fig, Figure) and len(fig.axes) == 4
        n = conv_output_size(28, 3, stride, pad)
        assert fm.feature_map(state).shape == (n, n)
        shown = min(max(pixel, 0), n - 1)
        assert f"feature map {n} × {n}" in titles(fig)[2]
        assert f"output ({shown}, {shown})" in titles(fig)[2]


def test_every_kernel_renders_and_stride_3_pad_0_is_9_by_9():
    for kernel in fm.KERNELS:
        state = fm.FeatureMapState(kernel=kernel, stride=3, pad=0, row=30, col=30)
        fig = fm.render(state)
        assert "feature map 9 × 9" in titles(fig)[2] and "output (8, 8)" in titles(fig)[2]
        assert f"kernel: {fm.kernel_of(state)[1]}" == titles(fig)[1]


@pytest.mark.parametrize("kernel, stride, pad, row, col", [
    ("vertical edge", 1, 0, 14, 17), ("sharpen", 2, 1, 6, 7), ("random", 3, 2, 9, 0),
    ("laplacian", 1, 2, 0, 29), ("custom", 3, 0, 4, 5)])
def test_the_products_shown_sum_to_the_output_pixel(kernel, stride, pad, row, col):
    state = fm.FeatureMapState("mnist", 3, kernel, "1,2,3;0,-1,0;-3,-2,-1", 5, stride, pad,
                               row, col)
    r, c, window, K, products = fm.selected(state)
    assert (r, c) == (row, col)
    np.testing.assert_allclose(products, window * K)
    Y = fm.feature_map(state)
    assert products.sum() == pytest.approx(Y[row, col], abs=1e-12)
    text = fm.products_text(state)
    assert text.endswith(f"sum = {Y[row, col] + 0.0:.4f}")
    shown = [float(v) for line in text.splitlines()[4:7] for v in line.split()]
    assert sum(shown) == pytest.approx(Y[row, col], abs=1e-3)
    assert f"output ({row}, {col}) = {Y[row, col] + 0.0:.4f}" in titles(fm.render(state))[2]


def test_padding_cells_are_zeros_in_the_window():
    r, c, window, K, products = fm.selected(fm.FeatureMapState(pad=2, row=0, col=0))
    assert np.all(window[:2] == 0) and np.all(window[:, :2] == 0)


def test_named_kernels_and_the_random_seed():
    state = fm.FeatureMapState(kernel="laplacian")
    np.testing.assert_array_equal(fm.kernel_of(state)[0], [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    a = fm.kernel_of(fm.FeatureMapState(kernel="random", seed=3))[0]
    assert np.array_equal(a, fm.kernel_of(fm.FeatureMapState(kernel="random", seed=3))[0])
    assert not np.array_equal(a, fm.kernel_of(fm.FeatureMapState(kernel="random", seed=4))[0])
    # the vertical-edge kernel answers a left-to-right change, not a top-to-bottom one
    half = np.zeros((28, 28))
    half[:, 14:] = 1.0
    K = np.array(fm.NAMED_KERNELS["vertical edge"])
    assert np.sum(K * half[:3, 12:15]) == -3.0 and np.sum(K.T * half[:3, 12:15]) == 0.0


def test_trained_filters_come_from_a_cnn_that_learned_mnist():
    filters, accuracy = pretrained.trained_filters()
    assert filters.shape == (fm.N_TRAINED, 3, 3) and not filters.flags.writeable
    assert accuracy > 0.85  # measured 0.922 on 1,000 test digits; chance is 0.1
    assert pretrained.trained_filters()[0] is filters  # trained once, then cached
    for k, name in enumerate(fm.TRAINED):
        kernel, title, note = fm.kernel_of(fm.FeatureMapState(kernel=name))
        np.testing.assert_array_equal(kernel, np.round(filters[k], 2))
        assert title == f"{name} (learned)" and note == ""
    # eight different detectors, and none of them flat
    assert len({tuple(np.round(f, 2).ravel()) for f in filters}) == fm.N_TRAINED
    assert all(np.ptp(f) > 0.2 for f in filters)


@pytest.mark.parametrize("text, ok", [("1,2,3;4,5,6;7,8,9", True), (" 1 2 3 ; 4 5 6 ; 7 8 9 ", True),
                                      ("1,2,3\n4,5,6\n7,8,9", True), ("1,2;3,4", False),
                                      ("a,b,c;d,e,f;g,h,i", False), ("1,2,3;4,5,6", False),
                                      ("nan,0,0;0,0,0;0,0,0", False), ("", False)])
def test_custom_kernel_text(text, ok):
    parsed = fm.parse_kernel(text)
    assert (parsed is not None) == ok
    if ok:
        np.testing.assert_array_equal(parsed, np.arange(1, 10).reshape(3, 3))
    fig = fm.render(fm.FeatureMapState(kernel="custom", custom=text))
    note = fig._suptitle.get_text() if fig._suptitle else ""
    assert ("could not read" in note) == (not ok)


def test_the_identity_kernel_returns_the_input():
    state = fm.FeatureMapState(kernel="custom", pad=1)
    np.testing.assert_allclose(fm.feature_map(state), fm.input_image(state)[0])


def test_synthetic_shapes():
    for name in fm.SHAPES:
        img = fm.shape_image(name)
        assert img.shape == (28, 28) and set(np.unique(img)) == {0.0, 1.0}
        assert img[0].sum() == 0 and img[:, 0].sum() == 0  # room for the kernel at the border
    square = fm.feature_map(fm.FeatureMapState("square", kernel="vertical edge"))
    assert square.max() == 3.0 and square.min() == -3.0  # both sides of the square


def test_one_slider_step_changes_the_figure():
    """What the browser test checks, headless: one keyboard step changes what is drawn."""
    base = fm.FeatureMapState()
    for field, other in (("index", 1), ("stride", 2), ("pad", 1), ("row", 15), ("col", 18)):
        moved = fm.FeatureMapState(**{**base.__dict__, field: other})
        a, b = fm.render(base), fm.render(moved)
        images_differ = not np.array_equal(a.axes[0].images[0].get_array(),
                                           b.axes[0].images[0].get_array())
        assert titles(a) != titles(b) or images_differ, field


def test_fashion_falls_back_to_mnist_with_a_note(monkeypatch):
    monkeypatch.setattr(fm, "_fashion", lambda: None)
    image, caption, note = fm.input_image(fm.FeatureMapState("fashion", 5))
    assert caption.startswith("MNIST test #5") and "not installed" in note
    fig = fm.render(fm.FeatureMapState("fashion", 5))
    assert "dataset-fashion-mnist" in fig._suptitle.get_text()


@pytest.mark.skipif(not fm.fashion_available(), reason="Fashion-MNIST is not installed")
def test_fashion_when_installed():
    image, caption, note = fm.input_image(fm.FeatureMapState("fashion", 0))
    assert caption == "Fashion-MNIST test #0: Ankle boot" and note == ""
    assert image.shape == (28, 28) and 0.0 <= image.min() and image.max() <= 1.0


def test_summary_line():
    line = fm.summary(fm.FeatureMapState())
    assert line.startswith("MNIST test #0: digit 7, kernel vertical edge, stride 1, pad 0: "
                           "output 26×26")
    assert line.endswith("output (14, 17) = 2.6824 = sum of 9 products 2.6824")


def test_state_call_recreates_the_state():
    state = fm.FeatureMapState("cross", 12, "custom", "1,0,-1;2,0,-2;1,0,-1", 7, 2, 1, 3, 4)
    line = state_call("feature_maps", state)
    assert line == ("feature_maps(source='cross', index=12, kernel='custom', "
                    "custom='1,0,-1;2,0,-2;1,0,-1', seed=7, stride=2, pad=1, row=3, col=4)")
    view = eval(line, {"feature_maps": fm.feature_maps})
    assert view.state == state and view.call() == line


def test_view_headless_controls_drive_the_state():
    view = fm.feature_maps()
    assert isinstance(view.box, W.VBox) and "dl-lessons-widget" in view.box._dom_classes
    assert set(view.controls) == {"source", "index", "kernel", "custom", "seed", "stride", "pad",
                                  "row", "col"}
    sliders = {f for f, c in view.controls.items() if isinstance(c, W.IntSlider)}
    assert sliders == {"index", "stride", "pad", "row", "col"}
    assert view.controls["row"].max == 25
    view.controls["stride"].value = 3  # 26 -> 9 outputs: the pixel sliders follow
    assert view.controls["row"].max == 8 and view.state.row == 8 and view.state.col == 8
    view.controls["pad"].value = 2
    assert view.controls["col"].max == 9 and view.state.col == 8
    view.controls["stride"].value = 1
    assert view.controls["col"].max == 29 and view.state.col == 8
    view.controls["kernel"].value = "custom"
    view.controls["custom"].value = "0,0,0;0,2,0;0,0,0"
    view.controls["source"].value = "circle"
    assert (view.state.kernel, view.state.source) == ("custom", "circle")
    assert "custom='0,0,0;0,2,0;0,0,0'" in view.call()


def test_bad_arguments_name_the_choices():
    with pytest.raises(ValueError, match="source must be one of"):
        fm.feature_maps(source="cifar")
    with pytest.raises(ValueError, match="kernel must be one of"):
        fm.feature_maps(kernel="sobel")
    with pytest.raises(ValueError, match="stride must be a whole number in 1..3"):
        fm.feature_maps(stride=4)
    with pytest.raises(ValueError, match="pad must be"):
        fm.feature_maps(pad=1.5)


def test_static_figure():
    fig = fm.static_figure()
    assert len(fig.axes) == 1 + len(fm.STATIC_KERNELS) == 7
    assert titles(fig)[0] == "MNIST test #0\ndigit 7"
    assert [t.split("\n")[0] for t in titles(fig)[1:]] == list(fm.STATIC_KERNELS)
