"""How long the `kjrel` command takes to start, against a bare Python interpreter.

Runs each command several times in fresh processes and prints the median wall time and its ratio
to `python -c pass`, then the figures as one JSON line.

    python benchmarks/startup.py [--repeat N]
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "Seoul and Tokyo agreed on Monday to resume talks.\n\nThe ministers will meet again.\n"


def timed(command: list[str], cwd: Path, repeat: int, before: Callable[[], None] | None) -> float:
    """The median seconds of command over repeat fresh runs, each after before() if given."""
    seconds = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (default: 5)")
    arguments = parser.parse_args()
    kjrel = [sys.executable, "-m", "kjrel_data.cli"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "article.txt").write_text(ARTICLE, encoding="utf-8")

        def fresh_raw() -> None:
            shutil.rmtree(work / "raw", ignore_errors=True)
            shutil.copytree(REPO / "raw", work / "raw")

        add = ["add", "article.txt", "--outlet", "Test Wire", "--title", "Talks", "--raw", "raw"]
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "kjrel --help": ([*kjrel, "--help"], None),
            "kjrel add --help": ([*kjrel, "add", "--help"], None),
            "kjrel add FILE (seed raw/)": ([*kjrel, *add], fresh_raw),
        }
        figures = {}
        for name, (command, before) in commands.items():
            figures[name] = round(timed(command, work, arguments.repeat, before), 3)
    floor = figures["python -c pass"]
    print(f"Median of {arguments.repeat} runs each, in fresh processes")
    print("| command | seconds | × python -c pass |")
    print("|---|---|---|")
    for name, seconds in figures.items():
        print(f"| {name} | {seconds:.3f} | {seconds / floor:.1f} |")
    print(json.dumps({"repeat": arguments.repeat, "median_seconds": figures}))


if __name__ == "__main__":
    main()
