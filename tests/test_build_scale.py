"""The build-scale benchmark's synthetic corpus is a valid raw folder of distinct articles."""

import csv
import hashlib
import importlib.util
from pathlib import Path

import pytest

from kjrel_data.clean import clean_articles
from kjrel_data.sentence_split import paragraphs_of

from .conftest import RAW, REPO, raw_articles

ARTICLES = 30


def _benchmark_module():
    # benchmarks/ is scripts, not a package: load the file itself.
    spec = importlib.util.spec_from_file_location(
        "build_scale", REPO / "benchmarks" / "build_scale.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The corpus generated twice, into two folders."""
    benchmark = _benchmark_module()
    folders = tmp_path_factory.mktemp("first") / "raw", tmp_path_factory.mktemp("second") / "raw"
    for folder in folders:
        benchmark.synthetic_raw(ARTICLES, folder)
    return folders


def _metadata_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "articles.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_loads_with_the_requested_articles_and_checksums(synthetic):
    folder = synthetic[0]
    rows = _metadata_rows(folder)
    assert len(raw_articles(folder)) == len(rows) == ARTICLES
    for row in rows:
        assert hashlib.sha256((folder / row["file"]).read_bytes()).hexdigest() == row["sha256"]


def test_keeps_raw_articles_and_gold_and_seed_splits(synthetic):
    folder = synthetic[0]
    originals = {row["article_id"]: row for row in _metadata_rows(RAW)}
    rows = {row["article_id"]: row for row in _metadata_rows(folder)}
    assert all(rows[article_id] == row for article_id, row in originals.items())
    assert (folder / "labels.csv").read_bytes() == (RAW / "labels.csv").read_bytes()
    copies = [row for article_id, row in rows.items() if article_id not in originals]
    assert len(copies) == ARTICLES - len(originals)
    for row in copies:
        # synthetic-NNNNNN-<seed article_id>
        assert row["split"] == originals[row["article_id"].split("-", 2)[2]]["split"]


def test_no_two_paragraphs_in_the_corpus_are_identical(synthetic):
    clean, _ = clean_articles(raw_articles(synthetic[0]))
    paragraphs = [text for article in clean for _, _, text in paragraphs_of(article.clean_text)]
    assert len(paragraphs) > ARTICLES * 5
    assert len(set(paragraphs)) == len(paragraphs)


def test_is_deterministic(synthetic):
    first, second = synthetic
    files = sorted(path.relative_to(first) for path in first.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(second) for path in second.rglob("*") if path.is_file())
    for path in files:
        assert (first / path).read_bytes() == (second / path).read_bytes(), path
