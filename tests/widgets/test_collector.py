"""The View draws with Python's cyclic garbage collector waiting (widgets.base.collections_after)
and leaves it as it found it: enabled again after the last frame, nested or threaded, and
disabled if a learner had disabled it."""
import gc
import threading

import pytest

import widgets.decision_boundary as db
from widgets.base import collections_after


@pytest.fixture(autouse=True)
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_a_frame_is_drawn_with_the_collector_waiting_and_it_runs_again_after(monkeypatch):
    view = db.decision_boundary()
    seen, frame = [], view._frame

    def watched(state):
        seen.append(gc.isenabled())
        return frame(state)

    monkeypatch.setattr(view, "_frame", watched)
    view.set(w0=0.25)
    assert seen == [False] and gc.isenabled()


def test_nested_and_threaded_frames_enable_it_after_the_last():
    inside, outer_done = threading.Event(), threading.Event()
    seen = []

    def other_frame():
        with collections_after():
            inside.set()
            outer_done.wait(5)
            seen.append(gc.isenabled())  # the first frame ended, this one still draws
        seen.append(gc.isenabled())

    with collections_after():
        thread = threading.Thread(target=other_frame)
        thread.start()
        inside.wait(5)
        with collections_after():
            assert not gc.isenabled()
        assert not gc.isenabled()
    outer_done.set()
    thread.join(5)
    assert seen == [False, True] and gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collections_after():
        assert not gc.isenabled()
    assert not gc.isenabled()
