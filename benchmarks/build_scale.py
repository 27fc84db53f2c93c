"""Build time and peak memory at scale, on a synthetic corpus made from raw/'s articles.

The corpus holds raw/'s articles verbatim (with their gold labels and annotation passes, so the
labeller trains and gold is attached) and N-5 copies whose body lines are perturbed so that no two
paragraphs in the corpus are the same; chrome lines are left as received, so the cleaner has its
usual work. The build runs in a child process, so its peak RSS is its own. On the same text, the
segmenter alone and Parquet alone are timed, to show how far the build is from those two floors.
Prints a table, then the figures as one JSON line; progress goes to stderr.

    python benchmarks/build_scale.py --articles N [--workers W] [--keep DIR]
"""

import argparse
import csv
import hashlib
import json
import multiprocessing
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kjrel_data.build import BuildOptions, build
from kjrel_data.clean import PROSE_MIN_WORDS, RULES, clean_text_of
from kjrel_data.line_classifier import load_line_model
from kjrel_data.load import (
    ARTICLES_FOLDER,
    LABELS_FILE,
    METADATA_COLUMNS,
    METADATA_FILE,
    PASSES_FILE,
    load_catalog,
    read_article,
)
from kjrel_data.sentence_split import paragraphs_of, sentence_spans

REPO = Path(__file__).resolve().parent.parent
SEED_RAW = REPO / "raw"
DOCS = REPO
# One word in this many is swapped: most sentences of a copy differ from the seed's, and they
# still read as prose.
WORDS_PER_SWAP = 12
NUMBER_MOVED_SHARE = 0.5
CLAUSE_SHARE = 0.3
CLAUSES = (
    ", officials said",
    ", analysts noted",
    ", by most accounts",
    ", at least for now",
    " in recent years",
    ", according to observers",
    ", as expected",
    " on both sides",
)
# A copy's line is redrawn when it repeats a line already written; more than this is a seed line
# that cannot be perturbed (no words or numbers to change), not bad luck.
MAX_DRAWS = 100
DRAWS_PER_EXTRA_SWAP = 10
# Lowercase words of four letters or more: never a sentence's first word or a name, so swapping
# one for another keeps capitals, names and sentence ends where they were.
SWAPPABLE_WORD = re.compile(r"\b[a-z]{4,}\b")
NUMBER = re.compile(r"\b\d+\b")
YEAR = re.compile(r"(?:19|20)\d\d")
# A full stop after a word or number, not one closing "U.S." or a quotation.
PLAIN_FULL_STOP = re.compile(r"[a-z0-9]\.\Z")


@dataclass(frozen=True)
class ProseLine:
    """A body line of a seed, with the spans of the words and numbers a copy may change."""

    index: int
    text: str
    word_spans: tuple[tuple[int, int], ...]
    number_spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Seed:
    """One of raw/'s articles as a template: its metadata row, its lines, and which to change."""

    row: dict[str, str]
    lines: tuple[str, ...]
    prose_lines: tuple[ProseLine, ...]
    title_lines: frozenset[int]


def prose_line(index: int, text: str) -> ProseLine:
    """A line with its changeable spans, found once rather than once per copy."""
    return ProseLine(
        index=index,
        text=text,
        word_spans=tuple(match.span() for match in SWAPPABLE_WORD.finditer(text)),
        number_spans=tuple(match.span() for match in NUMBER.finditer(text)),
    )


def seeds_of(raw_dir: Path) -> list[Seed]:
    """raw/'s articles as templates; prose lines are the long lines the cleaner keeps whole."""
    with (raw_dir / METADATA_FILE).open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["article_id"]: row for row in csv.DictReader(handle)}
    seeds = []
    catalog = load_catalog(raw_dir)
    for article in (read_article(catalog.raw_dir, row) for row in catalog.articles):
        _, removed = clean_text_of(article.text, article.metadata, RULES, load_line_model())
        touched = {line.line_number - 1 for line in removed}
        title = article.metadata.title
        titled = {line.line_number - 1 for line in removed if line.rule == "repeated_title"}
        lines = tuple(article.text.split("\n"))
        seeds.append(
            Seed(
                row=rows[article.metadata.article_id],
                lines=lines,
                prose_lines=tuple(
                    prose_line(index, line)
                    for index, line in enumerate(lines)
                    if index not in touched and len(line.split()) >= PROSE_MIN_WORDS
                ),
                title_lines=frozenset(index for index in titled if title in lines[index]),
            )
        )
    return seeds


def vocabulary_of(seeds: list[Seed]) -> tuple[str, ...]:
    """The swappable words of the seeds' prose, sorted so draws from it are reproducible."""
    return tuple(
        sorted(
            {
                line.text[start:end]
                for seed in seeds
                for line in seed.prose_lines
                for start, end in line.word_spans
            }
        )
    )


def moved_number(number: str, rng: random.Random) -> str:
    """Another number of the same shape: a year a few years off, otherwise the same digit count."""
    if YEAR.fullmatch(number):
        return str(int(number) + rng.randint(-4, 4))
    low = 10 ** (len(number) - 1) if len(number) > 1 else 1
    return str(rng.randint(low, 10 ** len(number) - 1))


def perturbed_line(
    line: ProseLine, rng: random.Random, vocabulary: tuple[str, ...], extra_swaps: int = 0
) -> str:
    """The line with a few words swapped, some numbers moved, and perhaps a clause before its end."""
    swaps = max(1, len(line.text.split()) // WORDS_PER_SWAP) + extra_swaps
    swapped = rng.sample(line.word_spans, min(swaps, len(line.word_spans)))
    changes = [(span, rng.choice(vocabulary)) for span in swapped]
    changes += [
        ((start, end), moved_number(line.text[start:end], rng))
        for start, end in line.number_spans
        if rng.random() < NUMBER_MOVED_SHARE
    ]
    pieces, position = [], 0
    for (start, end), replacement in sorted(changes):
        pieces += [line.text[position:start], replacement]
        position = end
    pieces.append(line.text[position:])
    text = "".join(pieces)
    # Matched at the end only: searching would scan the whole line, for every copy.
    if rng.random() < CLAUSE_SHARE and PLAIN_FULL_STOP.match(text, len(text) - 2):
        return f"{text[:-1]}{rng.choice(CLAUSES)}."
    return text


def line_key(line: str) -> int:
    """A 64-bit digest of a line: what the uniqueness check keeps, so a million lines stay small."""
    return int.from_bytes(hashlib.blake2b(line.encode("utf-8"), digest_size=8).digest())


def copy_text(
    seed: Seed, title: str, rng: random.Random, vocabulary: tuple[str, ...], seen: set[int]
) -> str:
    """A copy of the seed's text: prose lines perturbed into lines not seen before, titles renamed."""
    lines = list(seed.lines)
    for index in seed.title_lines:
        lines[index] = lines[index].replace(seed.row["title"], title)
    for prose in seed.prose_lines:
        for draw in range(MAX_DRAWS):
            # A line with few words to swap runs out of one-swap variants over 100,000 copies;
            # later draws swap more words.
            line = perturbed_line(prose, rng, vocabulary, extra_swaps=draw // DRAWS_PER_EXTRA_SWAP)
            key = line_key(line)
            if key not in seen:
                break
        else:
            raise ValueError(f"{seed.row['file']}: line {prose.index + 1} cannot be made unique.")
        seen.add(key)
        lines[prose.index] = line
    return "\n".join(lines)


def synthetic_raw(n_articles: int, folder: Path, seed_raw: Path = SEED_RAW) -> None:
    """Write a raw folder of n_articles into folder (a new folder): seed_raw's, then perturbed copies."""
    seeds = seeds_of(seed_raw)
    if n_articles < len(seeds):
        raise ValueError(f"--articles must be at least {len(seeds)}, the articles of {seed_raw}.")
    vocabulary = vocabulary_of(seeds)
    seen = {line_key(line.text) for seed in seeds for line in seed.prose_lines}
    (folder / ARTICLES_FOLDER).mkdir(parents=True)
    # Plain copies, not copy2: raw/'s files are read-only, and the copies are scratch.
    shutil.copyfile(seed_raw / LABELS_FILE, folder / LABELS_FILE)
    shutil.copytree(
        (seed_raw / PASSES_FILE).parent,
        (folder / PASSES_FILE).parent,
        copy_function=shutil.copyfile,
    )
    digits = max(6, len(str(n_articles)))
    with (folder / METADATA_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METADATA_COLUMNS)
        writer.writeheader()
        for seed in seeds:
            writer.writerow(seed.row)
            shutil.copyfile(seed_raw / seed.row["file"], folder / seed.row["file"])
        # Texts are written as they are made, so memory holds one article and the line digests.
        for number in range(1, n_articles - len(seeds) + 1):
            seed = seeds[(number - 1) % len(seeds)]
            article_id = f"synthetic-{number:0{digits}d}-{seed.row['article_id']}"
            title = f"{seed.row['title']} ({number})"
            rng = random.Random(article_id)
            data = copy_text(seed, title, rng, vocabulary, seen).encode("utf-8")
            file = f"{ARTICLES_FOLDER}/{article_id}.txt"
            (folder / file).write_bytes(data)
            writer.writerow(
                {
                    **seed.row,
                    "article_id": article_id,
                    "file": file,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "title": title,
                }
            )


def peak_rss_mb() -> float:
    """The peak RSS of this process since it started its program, or of its largest worker, in MB."""
    # VmHWM, not RUSAGE_SELF: Linux carries a parent's peak over into a child's ru_maxrss through
    # fork and exec, so ru_maxrss would report the benchmark's own memory, not the build's. What
    # the build's workers carry over from it is at most its VmHWM, so the maximum is still right.
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    own_kb = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))
    workers_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own_kb, workers_kb) / 1024


def measured_build(raw_dir: Path, out_dir: Path, workers: int) -> dict:
    """Build raw_dir into out_dir here; its row counts, wall time and peak RSS (run in a child)."""
    start = time.perf_counter()
    summary = build(raw_dir, out_dir, DOCS, BuildOptions(workers=workers)).summary
    return {
        "articles": summary.count("articles"),
        "sentences": summary.count("sentences"),
        "build_seconds": time.perf_counter() - start,
        "peak_rss_mb": peak_rss_mb(),
    }


def built_clean_texts(out_dir: Path) -> Iterator[str]:
    """The clean text of every built article, one shard at a time."""
    for shard in sorted((out_dir / "data" / "articles").glob("*.parquet")):
        yield from pq.read_table(shard, columns=["clean_text"]).column("clean_text").to_pylist()


def segmenter_seconds(clean_texts: list[str]) -> float:
    """Time to segment every paragraph of the texts, in this process."""
    start = time.perf_counter()
    for clean_text in clean_texts:
        for _, _, paragraph in paragraphs_of(clean_text):
            sentence_spans(paragraph)
    return time.perf_counter() - start


def parquet_seconds(table: pa.Table, folder: Path) -> float:
    """Time to write the table as one zstd Parquet file and read it back."""
    path = folder / "sentences.parquet"
    start = time.perf_counter()
    pq.write_table(table, path, compression="zstd")
    pq.read_table(path)
    return time.perf_counter() - start


def status(message: str) -> None:
    """Progress, on stderr: stdout is the table and the JSON line."""
    print(message, file=sys.stderr, flush=True)


def run(n_articles: int, workers: int, folder: Path) -> dict:
    """Generate, build and time the corpus in folder; the figures of the JSON line."""
    raw_dir, out_dir = folder / "raw", folder / "out"
    status(f"generating {n_articles:,} articles in {raw_dir}")
    start = time.perf_counter()
    synthetic_raw(n_articles, raw_dir)
    generate_seconds = time.perf_counter() - start
    status(f"building with {workers} worker(s) in a child process")
    # A fresh spawned process: nothing of the generator's memory, no imports warmed by this one.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        built = child.submit(measured_build, raw_dir, out_dir, workers).result()
    status("timing the segmenter alone")
    segmenter = segmenter_seconds(list(built_clean_texts(out_dir)))
    status("timing Parquet alone")
    shards = sorted((out_dir / "data" / "sentences").glob("*.parquet"))
    parquet = parquet_seconds(pa.concat_tables(pq.read_table(shard) for shard in shards), folder)
    return {
        "articles": built["articles"],
        "sentences": built["sentences"],
        "workers": workers,
        "build_seconds": round(built["build_seconds"], 3),
        "articles_per_second": round(built["articles"] / built["build_seconds"], 1),
        "sentences_per_second": round(built["sentences"] / built["build_seconds"], 1),
        "peak_rss_mb": round(built["peak_rss_mb"], 1),
        "segmenter_seconds": round(segmenter, 3),
        "parquet_seconds": round(parquet, 3),
        "ratio": round(built["build_seconds"] / (segmenter + parquet), 2),
        "generate_seconds": round(generate_seconds, 3),
    }


def print_table(figures: dict) -> None:
    """The figures as a readable table."""
    print(f"{figures['articles']:,} articles, {figures['sentences']:,} sentences")
    print("| step | seconds | articles/s | sentences/s |")
    print("|---|---|---|---|")
    for step, seconds in (
        (f"build ({figures['workers']} worker(s))", figures["build_seconds"]),
        ("segmenter alone (1 process)", figures["segmenter_seconds"]),
        ("Parquet write + read alone", figures["parquet_seconds"]),
    ):
        print(
            f"| {step} | {seconds:.2f} | {figures['articles'] / seconds:,.0f} "
            f"| {figures['sentences'] / seconds:,.0f} |"
        )
    print(
        f"build / (segmenter + Parquet): {figures['ratio']:.2f}; peak RSS of the build "
        f"(largest single process): {figures['peak_rss_mb']:,.0f} MB; "
        f"corpus generated in {figures['generate_seconds']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True, help="articles in the corpus")
    parser.add_argument("--workers", type=int, default=1, help="build worker processes")
    parser.add_argument(
        "--keep", type=Path, help="write the corpus and build into this new folder and keep them"
    )
    arguments = parser.parse_args()
    if arguments.keep is None:
        with tempfile.TemporaryDirectory(prefix="kjrel-build-scale-") as folder:
            figures = run(arguments.articles, arguments.workers, Path(folder))
    else:
        arguments.keep.mkdir(parents=True)
        figures = run(arguments.articles, arguments.workers, arguments.keep)
    print_table(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
