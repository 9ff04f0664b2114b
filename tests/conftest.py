"""Shared test settings.

Under CI (CI=true) hypothesis draws a fixed sequence of examples (derandomize), so a run's
verdict is reproducible from its commit; locally each run explores new examples.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("true", "1"):
    settings.load_profile("ci")
