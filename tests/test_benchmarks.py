"""The README states the benchmark figures exactly as the benchmark commands print them."""

import subprocess
import sys

import pytest

from .conftest import REPO


def _printed(script: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return result.stdout.splitlines()


def _assert_stated(script: str, rows: list[str]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for row in rows:
        assert row in readme, f"README.md does not state {script}'s row: {row}"


def _first_table(script: str, lines: list[str], table_rows: int) -> list[str]:
    rows = [line for line in lines if line.startswith("|")]
    assert len(rows) >= table_rows, f"{script} printed {len(rows)} table rows"
    return rows[:table_rows]


@pytest.mark.slow
def test_readme_table_is_what_the_cleaner_benchmark_prints():
    _assert_stated("cleaner.py", _first_table("cleaner.py", _printed("cleaner.py"), 12))


@pytest.mark.slow
def test_readme_states_the_table_thresholds_and_coverage_the_labeller_benchmark_prints():
    # One run of the benchmark (over a minute) for all of its tables.
    lines = _printed("labeller.py")
    _assert_stated("labeller.py", _first_table("labeller.py", lines, 10))
    # The thresholds, then the coverage at them on the annotations and on the invented set.
    starts = [
        number
        for number, line in enumerate(lines)
        if line
        in (
            "| field | chosen threshold | shipped threshold |",
            "| field | threshold | coverage | accuracy when published |",
        )
    ]
    assert len(starts) == 3
    for start in starts:
        table = lines[start : start + 5]
        assert all(line.startswith("|") for line in table)
        _assert_stated("labeller.py", table)


@pytest.mark.slow
def test_readme_states_the_document_extraction_figures_as_printed():
    lines = _printed("documents.py")
    assert lines[0].startswith("format") and len(lines) == 5
    _assert_stated("documents.py", lines)
