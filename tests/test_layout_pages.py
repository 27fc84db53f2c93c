"""Every layout test page, dev and held-out, added to the seeds' raw/ builds and validates.

The pages (benchmarks/layouts/) are invented for testing; they are added to a private copy of
raw/ only, never to the repository's raw/.
"""

import csv
from pathlib import Path

import pytest

from kjrel_data.add import NewArticle, add_article
from kjrel_data.build import build
from kjrel_data.names import ARTICLES, SENTENCES
from kjrel_data.validate import validate_folder

from .conftest import REPO, built_corpus

LAYOUTS = REPO / "benchmarks" / "layouts"


def _cases() -> list[tuple[Path, dict[str, str]]]:
    cases = []
    for folder in sorted(path for path in LAYOUTS.iterdir() if path.is_dir()):
        with (folder / "cases.csv").open(encoding="utf-8", newline="") as handle:
            cases += [(folder, row) for row in csv.DictReader(handle)]
    return cases


CASES = _cases()


def _add(raw_dir: Path, folder: Path, row: dict[str, str]) -> str:
    new = NewArticle(outlet=row["outlet"], title=row["title"])
    return add_article(raw_dir, folder / f"{row['case']}.raw.txt", new).article_id


def _rows(corpus: dict, config: str, article_id: str) -> list[dict]:
    return [
        row
        for table in corpus[config].values()
        for row in table.to_pylist()
        if row["article_id"] == article_id
    ]


def test_the_layout_set_has_forty_pages_and_a_held_out_third():
    by_set: dict[str, int] = {}
    for folder, _ in CASES:
        by_set[folder.name] = by_set.get(folder.name, 0) + 1
    assert sum(by_set.values()) >= 40
    assert by_set["heldout"] * 3 >= sum(by_set.values())


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "row"), CASES, ids=[row["case"] for _, row in CASES])
def test_each_layout_page_added_alone_builds_and_validates(raw_copy, folder, row):
    article_id = _add(raw_copy, folder, row)
    corpus = built_corpus(raw_copy)
    sentences = _rows(corpus, SENTENCES, article_id)
    assert _rows(corpus, ARTICLES, article_id)
    assert sentences
    assert all(any(character.isalnum() for character in row["text"]) for row in sentences)


@pytest.mark.slow
def test_every_layout_page_added_together_builds_and_validates(raw_copy, tmp_path):
    for folder, row in CASES:
        _add(raw_copy, folder, row)
    result = build(raw_copy, tmp_path / "out", raw_copy.parent)
    validate_folder(tmp_path / "out")
    assert sum(result.summary.outlets.values()) == 5 + len(CASES)
