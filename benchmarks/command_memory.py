"""Peak memory of the commands that read all of raw/, beside the build's, on a synthetic corpus.

The corpus is build_scale.py's: raw/'s articles with their gold labels and annotation passes,
then perturbed copies without labels. `kjrel build`, `export-tasks`, `agreement` and
`import-annotations` (an export of the first 20 tasks, annotated) each run in their own child
process; each one's peak RSS (ru_maxrss of that child, from wait4) and wall time are printed as a
table, then as one JSON line. export-tasks and import-annotations build a batch at a time and
agreement reads only the label files, so none should need more memory than the build.

    python benchmarks/command_memory.py --articles N [--keep DIR]
"""

import argparse
import json
import multiprocessing
import tempfile
from collections.abc import Callable
from pathlib import Path

from article_memory import REPO, measured

COMMANDS = ("build", "export-tasks", "agreement", "import-annotations")
ANNOTATED_TASKS = 20
LABELS = {"stance": "none", "stance_holder": "none", "issue": "diplomacy"}


def generate(n_articles: int, raw: Path) -> None:
    """build_scale.py's synthetic corpus of n_articles, written into raw."""
    # Imported here, in the child that runs it (see in_child): pyarrow and the pipeline are large.
    from build_scale import synthetic_raw

    synthetic_raw(n_articles, raw)


def annotated_export(tasks_file: Path, export_file: Path) -> None:
    """A Label Studio export of the first tasks of tasks_file, each annotated by user 1."""
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))[:ANNOTATED_TASKS]
    for number, task in enumerate(tasks, start=1):
        task["id"] = number
        task["annotations"] = [
            {
                "id": number,
                "completed_by": 1,
                "result": [
                    {
                        "from_name": field,
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": [value]},
                    }
                    for field, value in LABELS.items()
                ],
            }
        ]
    export_file.write_text(json.dumps(tasks), encoding="utf-8")


def in_child(function: Callable, *arguments) -> None:
    """Run function(*arguments) in a spawned process and wait for it."""
    # Linux counts a parent's peak RSS in its children's ru_maxrss: the work that is not being
    # measured runs apart, so this process stays small.
    child = multiprocessing.get_context("spawn").Process(target=function, args=arguments)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"{function.__name__} failed (exit {child.exitcode})")


def run(n_articles: int, folder: Path) -> dict[str, tuple[float, float]]:
    """Each command's peak RSS (MB) and seconds on a synthetic corpus of n_articles in folder."""
    raw, out, tasks, export = (folder / name for name in ("raw", "out", "tasks", "export.json"))
    in_child(generate, n_articles, raw)
    figures = {
        "build": measured(["build", "--raw", str(raw), "--out", str(out), "--docs", str(REPO)]),
        "export-tasks": measured(["export-tasks", "--raw", str(raw), "--out", str(tasks)]),
        "agreement": measured(["agreement", "--raw", str(raw)]),
    }
    in_child(annotated_export, tasks / "tasks.json", export)
    figures["import-annotations"] = measured(["import-annotations", str(export), "--raw", str(raw)])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True, help="articles in the corpus")
    parser.add_argument(
        "--keep", type=Path, help="write the corpus and outputs into this new folder and keep them"
    )
    arguments = parser.parse_args()
    if arguments.keep is None:
        with tempfile.TemporaryDirectory(prefix="kjrel-command-memory-") as folder:
            figures = run(arguments.articles, Path(folder))
    else:
        arguments.keep.mkdir(parents=True)
        figures = run(arguments.articles, arguments.keep)
    print(f"{arguments.articles:,} articles: peak RSS and wall time of each command")
    print("| command | peak RSS | seconds |")
    print("|---|---|---|")
    for command in COMMANDS:
        rss, seconds = figures[command]
        print(f"| {command} | {rss:,.0f} MB | {seconds:.1f} |")
    print(
        json.dumps(
            {
                "articles": arguments.articles,
                "peak_rss_mb": {command: round(figures[command][0], 1) for command in COMMANDS},
                "seconds": {command: round(figures[command][1], 1) for command in COMMANDS},
            }
        )
    )


if __name__ == "__main__":
    main()
