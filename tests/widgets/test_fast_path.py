"""The fast path (widgets.layers): a frame blitted over the background is the picture a whole
draw of the same state gives, pixel for pixel, and it is taken only while the frame's key
stays."""
import asyncio
import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import widgets.attention_heatmap as ah
import widgets.augmentation_explorer as ae
import widgets.cnn_inspector as ci
import widgets.decision_boundary as db
import widgets.depth_lab as dl
import widgets.digit_explorer as de
import widgets.embedding_explorer as ee
import widgets.feature_maps as fm
import widgets.gradient_descent as gd
import widgets.gradients_through_time as gt
import widgets.lstm_gates as lg
import widgets.mlp_playground as mp
import widgets.optimizer_race as orace
import widgets.transformer_explainer as te
from widgets.base import KEPT_FRAMES, KEPT_PICTURES, PREPARE_AFTER_S, figure_png

# (factory, render, moves that keep the frame: each a dict of fields)
LAYERED = {
    "decision_boundary": (db.decision_boundary, db.render, [
        dict(w0=0.5), dict(step=3), dict(w1=0.9, step=0), dict(w2=0.0), dict(dataset="XOR"),
        dict(seed=3), dict(dataset="OR", seed=0, step=2),
        dict(w0=0.0, w1=0.0, w2=0.0), dict(w0=1.5, w1=0.05, w2=0.0),
        dict(w0=-0.3, w1=0.4, w2=-1.2, step=2), dict(lr=0.5)]),
    "decision_boundary blobs": (lambda: db.decision_boundary(dataset="blobs"), db.render, [
        dict(seed=4), dict(dataset="noisy blobs", step=9), dict(w1=1.2, seed=11)]),
    "two_layer_xor": (db.two_layer_xor, db.render_xor, [
        dict(nand1=-0.2), dict(and0=0.5), dict(or0=2.0, or1=0.0, or2=0.0),
        dict(nand0=0.0, nand1=0.0, nand2=0.0)]),
    **{f"descent_explorer {surface}": (
        lambda surface=surface: gd.descent_explorer(  # from the surface's own start, in view
            surface=surface, **dict(zip(("start_x", "start_y"), gd.SURFACES[surface].start))),
        gd.render, [
            dict(lr=0.02), dict(momentum=0.9), dict(steps=30), dict(lr=1.5),
            dict(rule="book", momentum=0.9), dict(lr=0.0001, momentum=0.0, rule="classical"),
            dict(start_x=1.0), dict(start_y=0.5, lr=0.02)])  # the start, inside the window
       for surface in gd.SURFACES},
    "descent_explorer surfaces": (gd.descent_explorer, gd.render, [  # one frame for all
        dict(surface="round bowl"), dict(surface="rosenbrock"), dict(start_x=-3.5),
        dict(surface="ill-conditioned bowl", lr=0.1),  # after a window widened by the start
        dict(surface="tilted well 1-D"), dict(lr=1.2), dict(surface="double well")]),
    "mlp_playground": (mp.mlp_playground, mp.render, [
        dict(epoch=0), dict(epoch=10), dict(epoch=75), dict(epoch=150)]),
    "mlp_playground relu": (lambda: mp.mlp_playground(activation="relu", hidden=9),
                            mp.render, [dict(epoch=1), dict(epoch=60)]),
    "digit_explorer": (de.digit_explorer, de.render, [
        dict(index=1), dict(index=9999), dict(misclassified=True), dict(index=5)]),
    "cnn_inspector": (ci.cnn_inspector, ci.render, [
        dict(index=3), dict(channel=5), dict(index=1, channel=0), dict(layer=2),
        dict(layer=3, channel=31), dict(layer=5, index=7), dict(layer=1)]),  # every shape
    "cnn_inspector stage 2": (lambda: ci.cnn_inspector(layer=4), ci.render, [
        dict(channel=7), dict(index=42)]),
    "feature_maps": (fm.feature_maps, fm.render, [
        dict(index=7), dict(kernel="blur"), dict(row=3, col=20), dict(kernel="random", seed=4),
        dict(source="circle"), dict(kernel="custom", custom="1,2,3;0,0,0;-1,-2,-3")]),
    "feature_maps strided": (lambda: fm.feature_maps(stride=2, pad=1), fm.render, [
        dict(row=2, col=9), dict(kernel="laplacian"), dict(stride=3), dict(pad=0, row=1),
        dict(stride=1, pad=2, col=29)]),  # every panel's extent changes
    "optimizer_race": (orace.optimizer_race, orace.render, [
        dict(lr=0.05), dict(steps=30), dict(noise=2.0, seed=3), dict(momentum=0.5),
        dict(surface="rosenbrock"), dict(surface="two wells", lr=0.2, steps=400)]),
    "depth_lab": (dl.depth_lab, dl.render, [
        dict(step=5), dict(step=0), dict(step=1), dict(depth=4), dict(batchnorm=True),
        dict(skip=False, depth=30, step=23)]),
    "augmentation_explorer": (ae.augmentation_explorer, ae.render, [
        dict(angle=-30.0), dict(flip=True), dict(shift_down=2.5, shift_right=-1.0),
        dict(index=7), dict(index=1, angle=50.0)]),
    "gradients_through_time": (gt.gradients_through_time, gt.render_gradients, [
        dict(scale=1.3), dict(max_norm=10.0), dict(scale=0.5, max_norm=0.1), dict(length=5),
        dict(length=100, activation="linear"), dict(seed=3)]),
    "forecast_training": (gt.forecast_training, gt.render_forecast, [
        dict(epoch=5), dict(epoch=20)]),
    "forecast_training baselines": (lambda: gt.forecast_training(baselines=True),
                                    gt.render_forecast, [dict(epoch=10)]),
    "lstm_gates": (lg.lstm_gates, lg.render, [
        dict(unit=3), dict(text=lg.TEXTS[2]), dict(unit=10, text=lg.TEXTS[3]), dict(unit=63)]),
    "embedding_explorer": (ee.embedding_explorer, ee.render, [
        dict(word="queen"), dict(step=5), dict(k=3, a="man"), dict(word="zzzz", step=0)]),
    "attention_heatmap": (ah.attention_heatmap, ah.render, [
        dict(step=1), dict(step=8), dict(step=16)]),
    "transformer_explainer": (te.transformer_explainer, te.render, [
        dict(temperature=0.5), dict(layer=0, head=1), dict(positional=False),
        dict(causal=False, scaled=False)]),
}


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def whole_draw(render, view):
    """render(view.state) drawn whole, with the view's axes positions (its layout is frozen)."""
    fig = render(view.state)
    fig.set_layout_engine("none")
    # both boxes: an axes with an equal aspect shrinks its original box to the active one on
    # every draw, and the active box given as the original comes out a bit apart (1e-16)
    for ax, live in zip(fig.axes, view.figure.axes):
        ax.set_position(live.get_position(original=True), which="original")
        ax.set_position(live.get_position(), which="active")
    return figure_png(fig)


@pytest.mark.parametrize("name", list(LAYERED))
def test_blitted_frames_are_the_whole_draw_pixel_for_pixel(name):
    make, render, moves = LAYERED[name]
    view = make()
    blitter = view._blitter
    for move in moves:
        view.set(**move)
        assert view._blitter is blitter  # the frame stayed: this frame was blitted
        np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(render, view)),
                                      err_msg=f"{name} after {move}")


def test_a_new_frame_is_drawn_whole_when_its_key_changes():
    view = db.decision_boundary()
    first = view._blitter
    view.set(dataset="blobs")  # 40 points, smaller than a gate's four: their legend too
    assert view._blitter is not first and view._blitter.key[0] == db._size(db.replay(view.state))
    assert view.picture.png == whole_draw(db.render, view)
    view.set(w0=0.7)  # and blits again from there
    np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(db.render, view)))


def test_in_a_kernel_a_new_frames_background_is_taken_after_its_picture(monkeypatch):
    # in a kernel (an event loop runs) the frame is drawn whole for the picture, then once
    # more without the dynamic layer, PREPARE_AFTER_S later: the frame's first move is blitted
    drawn, draw = [], Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda fig, renderer: drawn.append(fig) or draw(fig,
                                                                                      renderer))

    async def moves():
        view = db.decision_boundary()
        assert view._blitter.background is None
        await asyncio.sleep(PREPARE_AFTER_S + 0.05)  # the first frame's too
        assert view._blitter.background is not None
        for move in (dict(dataset="blobs"), dict(w0=0.7)):
            drawn.clear()
            view.set(**move)
            await asyncio.sleep(0)  # the move is drawn
            picture = view.picture.png
            assert drawn == ([view.figure] if "dataset" in move else [])
            await asyncio.sleep(PREPARE_AFTER_S + 0.05)  # then its background, if it is new
            assert drawn == [view.figure] * (2 if "dataset" in move else 0)
            assert view._blitter.background is not None and view.picture.png == picture
        return view

    view = asyncio.run(moves())
    np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(db.render, view)))


def test_a_frame_drawn_before_is_kept_and_blitted_again():
    # attention_heatmap draws a frame per input (its digits along both axes)
    view = ah.attention_heatmap()
    first = view._blitter
    inputs = [str(k) * ah.LENGTH for k in range(1, KEPT_FRAMES + 2)]
    for digits in inputs:  # one frame too many: the first is dropped
        view.set(digits=digits)
    assert first not in view._blitters.values() and len(view._blitters) == KEPT_FRAMES
    view.set(digits=inputs[2], step=1)  # back to a kept frame: blitted over it
    kept = view._blitter
    assert kept.key[0] == inputs[2] and kept.background is not None
    np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(ah.render, view)))
    view.set(digits=inputs[1])
    view.set(digits=inputs[2], step=2)
    assert view._blitter is kept
    np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(ah.render, view)))


def test_a_state_shown_before_is_not_drawn_again(monkeypatch):
    view = db.decision_boundary()
    view.set(w0=0.5)
    first = view.picture.png
    view.set(w0=0.7)
    moved = view.picture.png
    monkeypatch.setattr(view, "_frame", lambda state: pytest.fail(f"drew {state} again"))
    view.set(w0=0.5)  # back, and forward again: the kept pictures
    assert view.picture.png == first
    view.set(w0=0.7)
    assert view.picture.png == moved and view.frames == 5
    with pytest.raises(pytest.fail.Exception):  # the theme is part of the key: drawn
        view.picture.dark = True


def test_a_kernel_swapped_in_is_not_hidden_by_a_kept_picture():
    # chapter 07: use(conv2d_forward=...) runs the explorer on the learner's kernel; a move
    # back to a state shown before must show that kernel's map, not the course's kept one
    from lessons import reference
    from lessons.kernels import use

    def mirrored(X, K, b, stride, pad):  # a learner's kernel with a bug
        return reference.conv2d_forward(X, K, b, stride, pad)[..., ::-1].copy()

    view = fm.feature_maps(source="square", kernel="vertical edge")
    course = view.picture.png
    view.set(row=10)
    with use(conv2d_forward=mirrored):
        view.set(row=14)  # the first state, with another kernel
        assert view.picture.png != course
        np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(fm.render,
                                                                                  view)))
        mine = view.picture.png
        view.set(row=10)
        view.set(row=14)
        assert view.picture.png == mine  # kept, for this kernel
    view.set(row=10)
    view.set(row=14)
    assert view.picture.png == course  # and the course's picture again without it


def test_the_kept_pictures_stay_bounded():
    view = db.decision_boundary()
    for k in range(KEPT_PICTURES + 5):
        view.set(w0=round(-1 + k * 0.01, 2))
    assert len(view._pictures) == KEPT_PICTURES


def test_the_theme_is_part_of_the_key():
    view = db.decision_boundary()
    first = view._blitter
    view.picture.dark = True
    view.redraw()
    assert view._blitter is not first and view._blitter.key[1] is True


def test_whole_frames_on_request(monkeypatch):
    # benchmarks/bench_widgets.py --whole-frames measures the views without the fast path
    monkeypatch.setenv("DL_LESSONS_WHOLE_FRAMES", "1")
    view = db.decision_boundary()
    view.set(w0=0.5)
    assert view.layers is None and view._blitter is None and view.frames == 2
