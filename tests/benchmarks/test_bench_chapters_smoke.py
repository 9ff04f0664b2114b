"""benchmarks/bench_chapters.py runs a notebook and prints its row: time and peak memory."""
import pytest

from _benchmarks import load

bench = load("bench_chapters")


def test_one_run_of_start_here_prints_its_row(capsys):
    bench.main(["00", "-n", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith("| 00_start_here")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert float(cells[1]) > 0 and float(cells[3]) > 50  # seconds; MiB of a live kernel


def test_an_unknown_chapter_names_the_chapters():
    with pytest.raises(SystemExit, match="no chapter 99; there are: 00_start_here"):
        bench.main(["99"])
