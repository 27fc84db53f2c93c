"""The README states the benchmark figures exactly as the benchmark commands print them."""

import subprocess
import sys

import pytest

from .conftest import REPO


# The first table each prints.
@pytest.mark.slow
@pytest.mark.parametrize(("script", "table_rows"), [("cleaner.py", 12), ("labeller.py", 10)])
def test_readme_tables_are_what_the_benchmark_prints(script, table_rows):
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert len(rows) >= table_rows
    for row in rows[:table_rows]:
        assert row in readme, f"README.md does not state {script}'s row: {row}"


@pytest.mark.slow
def test_readme_states_the_publish_thresholds_and_coverage_the_labeller_benchmark_prints():
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "labeller.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = result.stdout.splitlines()
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
        for row in table:
            assert row in readme, f"README.md does not state labeller.py's row: {row}"
