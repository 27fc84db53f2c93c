"""The commands that read all of raw/ need no more memory than the build (benchmarks/command_memory.py)."""

import json
import subprocess
import sys

import pytest

from .conftest import REPO

# One batch, so it takes about half a minute of CPU; README.md quotes the run on 10,000 articles.
ARTICLES = 100


@pytest.mark.slow
def test_no_command_needs_more_memory_than_the_build(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "command_memory.py"),
            "--articles",
            str(ARTICLES),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    peak_rss_mb = json.loads(result.stdout.splitlines()[-1])["peak_rss_mb"]
    build = peak_rss_mb.pop("build")
    assert peak_rss_mb.keys() == {"export-tasks", "agreement", "import-annotations"}
    assert all(peak <= build for peak in peak_rss_mb.values()), (build, peak_rss_mb)
