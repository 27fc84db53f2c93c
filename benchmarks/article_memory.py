"""Peak memory and time of each command for one large article, and the cleaner on hostile lines.

Part 1: a raw/ folder holds raw/'s articles (with their gold labels, so the labeller trains and
export-tasks has predictions) and one more article of SIZE bytes of invented prose: sentences
drawn with a fixed seed from a short word list, invented here: deterministic, and copying no
one's writing. `--one-line` puts the whole article on one line. For each size, `kjrel build`,
`validate`, `export-tasks`, `agreement` and `import-annotations` (an export of 20 annotated
tasks) each run in their own child process; its peak RSS (ru_maxrss of that child, from wait4)
and wall time are printed as a table. Target: at most 600 MB at 5 MB for every command, and time
linear in the size.

Part 2 (`--cleaning`): seconds to clean and split an article made of a hostile pattern repeated
to 25k, 50k and 100k characters (on one line, or on many). Linear time doubles with the size.

    python benchmarks/article_memory.py [--sizes 100000 1000000 5000000] [--one-line]
    python benchmarks/article_memory.py --cleaning
"""

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED_RAW = REPO / "raw"
ARTICLE_ID = "invented-large-article"
COMMANDS = ("build", "validate", "export-tasks", "agreement", "import-annotations")
ANNOTATED_TASKS = 20
# Invented words: the prose reads like English in shape (capitals, commas, full stops) only.
WORD_LIST = (
    "the of and to in a ministry summit leaders talks trade envoy council harbour treaty "
    "delegation proposal agreement meeting visit relations history dispute export cooperation "
    "security alliance minister premier parliament court ruling compensation labour island "
    "fisheries border survey opinion poll voters campaign tariff supply chain semiconductor "
    "materials committee statement gesture apology memorial exchange students tourism airline "
    "route festival research network forum officials analysts observers would could might "
    "should announced proposed rejected welcomed delayed resumed signed reviewed considered "
    "quietly openly briefly again later early soon still rather largely partly mostly"
)
WORDS = tuple(WORD_LIST.split())
CAPITALISED = ("Seoul", "Tokyo", "Officials", "Analysts", "The ministry", "Both sides", "Voters")


def invented_prose(size: int, one_line: bool, seed: int = 13) -> str:
    """Up to size bytes of invented sentences, five to a paragraph (or all on one line)."""
    rng = random.Random(seed)
    paragraphs, sentences, total = [], [], 0
    while True:
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
        if rng.random() < 0.3:
            words[rng.randrange(3, len(words) - 2)] += ","
        sentence = f"{rng.choice(CAPITALISED)} {' '.join(words)}."
        # Two bytes of separator per sentence at most, so the file stays within size (the cap).
        total += len(sentence) + 2
        if total > size:
            break
        sentences.append(sentence)
        if len(sentences) == 5:
            paragraphs.append(" ".join(sentences))
            sentences = []
    if sentences:
        paragraphs.append(" ".join(sentences))
    return (" " if one_line else "\n\n").join(paragraphs) + "\n"


def make_raw(folder: Path, size: int, one_line: bool) -> Path:
    """raw/'s articles and labels, plus the invented article, in folder/raw."""
    raw = folder / "raw"
    shutil.copytree(SEED_RAW, raw)
    data = invented_prose(size, one_line).encode("utf-8")
    file = f"articles/{ARTICLE_ID}.txt"
    (raw / file).write_bytes(data)
    with (raw / "articles.csv").open(encoding="utf-8", newline="") as handle:
        columns = csv.DictReader(handle).fieldnames
    row = dict.fromkeys(columns, "")
    row.update(
        article_id=ARTICLE_ID,
        file=file,
        sha256=hashlib.sha256(data).hexdigest(),
        outlet="Invented Outlet",
        title="An Invented Article",
        kind="news",
        language="en",
        split="train",
        copyright="Invented for this benchmark.",
    )
    with (raw / "articles.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerow(row)
    return raw


def annotated_export(tasks_file: Path, export_file: Path) -> None:
    """A Label Studio export: the first tasks, each annotated with the model's labels."""
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))[:ANNOTATED_TASKS]
    for number, task in enumerate(tasks, start=1):
        task["id"] = number
        task["annotations"] = [
            {"id": number, "completed_by": 1, "result": task["predictions"][0]["result"]}
        ]
    export_file.write_text(json.dumps(tasks), encoding="utf-8")


def measured(arguments: list[str]) -> tuple[float, float]:
    """Run `kjrel ARGUMENTS` in a child; its peak RSS in MB and its wall time in seconds."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "kjrel_data.cli", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # wait4 reports this child's own peak; RUSAGE_CHILDREN would be the largest child so far.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        message = child.stderr.read().decode(errors="replace")
        raise SystemExit(f"kjrel {arguments[0]} failed ({child.returncode}): {message}")
    child.stderr.close()
    return usage.ru_maxrss / 1024, seconds


def run_size(size: int, one_line: bool) -> dict[str, tuple[float, float]]:
    """Each command's peak RSS and time with an article of size bytes."""
    with tempfile.TemporaryDirectory(prefix="kjrel-article-memory-") as name:
        folder = Path(name)
        raw = make_raw(folder, size, one_line)
        out, tasks, export = folder / "out", folder / "tasks", folder / "export.json"
        figures = {
            "build": measured(["build", "--raw", str(raw), "--out", str(out), "--docs", str(REPO)]),
            "validate": measured(["validate", str(out)]),
            "export-tasks": measured(["export-tasks", "--raw", str(raw), "--out", str(tasks)]),
            "agreement": measured(["agreement", "--raw", str(raw)]),
        }
        annotated_export(tasks / "tasks.json", export)
        figures["import-annotations"] = measured(
            ["import-annotations", str(export), "--raw", str(raw)]
        )
    return figures


# Texts that made the cleaner slow: a head, a unit repeated to the size ("{i}" numbers each copy)
# and an ending that makes the rules fail only at the end (a backtracking pattern's worst case).
HOSTILE_TEXTS = {
    "'# ' (heading marks)": ("", "# ", "a."),
    "'#a ' (hashtags)": ("", "#a ", "."),
    "'**' (strong marks)": ("", "**", "a"),
    "'**a ' (unclosed strong)": ("", "**a ", "."),
    "'a**' (marks in a word)": ("", "a**", "a"),
    "'. '": ("", ". ", ""),
    "'A. '": ("", "A. ", ""),
    "'U.S.-' (initialisms)": ("", "U.S.-", ""),
    "'a | ' (menu_bar)": ("", "a | ", "."),
    "'(Photo by ' (photo_caption)": ("", "(Photo by ", ")x."),
    "'By A '": ("", "By A ", "."),
    "no spaces": ("", "a", ""),
    "words, no stop": ("", "word ", ""),
    "run-in advertisements": ("", "The talks went on. Advertisement ", "They ended."),
    "lines of a list (many lines)": (
        "The two leaders met in Seoul on Monday and agreed to talk again.\n\nRelated\n",
        "a b\n",
        "",
    ),
    "paragraphs sharing words (many lines)": (
        "",
        "Some words of prose that go on {i} for a while.\n\n",
        "",
    ),
    "paragraphs each carrying on the last (many lines)": (
        "This is the opening paragraph of the story and it reads as prose text here.\n\n",
        "and then w{i} went on with x{i} to z{i}\n\n",
        "This is the closing paragraph of the story and it reads as prose text here.",
    ),
}
CLEANING_SIZES = (25_000, 50_000, 100_000)


def hostile_text(head: str, unit: str, ending: str, size: int) -> str:
    """head, then unit repeated (numbered) to about size characters, then ending."""
    return head + "".join(unit.format(i=i) for i in range(size // len(unit))) + ending


def cleaning_seconds(text: str) -> float:
    """Seconds to clean and split one article whose text is text."""
    # Imported here, not at the top: the memory table's parent process stays small, and Linux
    # counts a parent's peak RSS in its children's ru_maxrss.
    from kjrel_data.clean import RULES, CleanArticle, clean_text_of, normalise_line
    from kjrel_data.line_classifier import load_line_model
    from kjrel_data.load import ArticleMetadata
    from kjrel_data.sentence_split import split_sentences

    metadata = ArticleMetadata(
        article_id="hostile",
        file="articles/hostile.txt",
        sha256="0" * 64,
        outlet="Invented Outlet",
        section=None,
        title="An Invented Article",
        standfirst=None,
        author=None,
        published_date=None,
        url=None,
        kind="news",
        language="en",
        split="train",
        copyright="-",
    )
    normalise_line.cache_clear()
    start = time.perf_counter()
    clean_text, _ = clean_text_of(text, metadata, RULES, load_line_model())
    split_sentences([CleanArticle(metadata, clean_text)])
    return time.perf_counter() - start


def print_memory_table(sizes: list[int], one_line: bool) -> None:
    """Run every size and print peak RSS (MB) and seconds per command."""
    print(f"Article of invented prose{' on one line' if one_line else ''}: peak RSS MB / seconds")
    print("| article | " + " | ".join(COMMANDS) + " |")
    print("|---|" + "---|" * len(COMMANDS))
    for size in sizes:
        figures = run_size(size, one_line)
        cells = [f"{figures[c][0]:,.0f} MB / {figures[c][1]:.1f} s" for c in COMMANDS]
        print(f"| {size / 1_000_000:g} MB | " + " | ".join(cells) + " |", flush=True)


def print_cleaning_table() -> None:
    """Seconds to clean and split each hostile text at each size."""
    print("Cleaning and splitting one article: seconds")
    print("| text | " + " | ".join(f"{size // 1000}k chars" for size in CLEANING_SIZES) + " |")
    print("|---|" + "---|" * len(CLEANING_SIZES))
    for name, parts in HOSTILE_TEXTS.items():
        cells = [f"{cleaning_seconds(hostile_text(*parts, size)):.2f}" for size in CLEANING_SIZES]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000], help="bytes"
    )
    parser.add_argument("--one-line", action="store_true", help="the article as a single line")
    parser.add_argument("--cleaning", action="store_true", help="time the cleaner instead")
    arguments = parser.parse_args()
    if arguments.cleaning:
        print_cleaning_table()
    else:
        print_memory_table(arguments.sizes, arguments.one_line)


if __name__ == "__main__":
    main()
