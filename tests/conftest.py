"""Shared test settings.

Under CI (CI=true) hypothesis draws a fixed sequence of examples (derandomize), so a run's
verdict is reproducible from its commit; locally each run explores new examples.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("true", "1"):
    settings.load_profile("ci")


# --- one pytest marker per chapter -------------------------------------------------------------
# `pytest -m ch07` (or `python3 course.py test -m ch07`) runs chapter 07's tests: everything under
# tests/chapters/ch07/, the parametrized cases of other tests that name the chapter (chNN in
# the test id, e.g. the exercise checks), and its browser test (07_* in the id).
import re  # noqa: E402

import pytest  # noqa: E402

from lessons.chapters.table import CHAPTERS, marker  # noqa: E402

_CHAPTER_IN_ID = re.compile(r"(?<![a-z0-9])ch(\d\d)(?![0-9])|(?<=[\[/-])(\d\d)_[a-z]")


def pytest_configure(config):
    for number, title in CHAPTERS.items():
        config.addinivalue_line("markers", f"{marker(number)}: chapter {number:02d}, {title}")


def chapter_of(nodeid):
    """The chapter number a test id names (tests/chapters/ch07/..., [ch07], [07_convolution]),
    or None."""
    for groups in _CHAPTER_IN_ID.findall(nodeid):
        number = int(groups[0] or groups[1])
        if number in CHAPTERS:
            return number
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not item.nodeid.startswith(("tests/chapters/", "tests/browser/")):
            continue
        number = chapter_of(item.nodeid)
        if number is not None:
            item.add_marker(getattr(pytest.mark, marker(number)))
