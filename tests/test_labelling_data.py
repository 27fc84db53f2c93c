"""The invented training sentences and evaluation set are well-formed, and never reach a published table."""

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kjrel_data.label_sets import ISSUE, ISSUES, STANCE, STANCE_HOLDER

from .conftest import REPO

LABELLING_DATA = REPO / "benchmarks" / "labelling_data"
EVALUATION_SET = LABELLING_DATA / "invented_articles"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


INVENTED = _rows(LABELLING_DATA / "invented_sentences.csv")
EVALUATION = _rows(EVALUATION_SET / "labels.csv")
LABELLED = {
    "invented_sentences.csv": INVENTED,
    "invented_articles/labels.csv": EVALUATION,
    "invented_articles/passes/a.csv": _rows(EVALUATION_SET / "passes" / "a.csv"),
    "invented_articles/passes/b.csv": _rows(EVALUATION_SET / "passes" / "b.csv"),
}


@pytest.mark.parametrize("name", sorted(LABELLED))
def test_every_row_has_declared_consistent_labels(name):
    problems = []
    for row in LABELLED[name]:
        issues = row["issues"].split(";")
        if (
            row["stance"] not in STANCE.names
            or row["stance_holder"] not in STANCE_HOLDER.names
            or row["issue"] not in ISSUE.names
            or not set(issues) <= set(ISSUES.names)
            or (row["stance"] == "none") != (row["stance_holder"] == "none")
            or row["issue"] not in issues
            or ("none" in issues and issues != ["none"])
        ):
            problems.append(row["sentence_id"])
    assert problems == [], f"{name}: {problems}"


def test_training_sentences_have_unique_ids_and_texts():
    assert len({row["sentence_id"] for row in INVENTED}) == len(INVENTED)
    assert len({row["text"] for row in INVENTED}) == len(INVENTED)


def test_the_evaluation_passes_and_labels_cover_the_same_sentences_of_its_articles():
    ids = [row["sentence_id"] for row in EVALUATION]
    for name in ("a.csv", "b.csv"):
        assert [row["sentence_id"] for row in _rows(EVALUATION_SET / "passes" / name)] == ids
    articles = {row["article_id"] for row in _rows(EVALUATION_SET / "articles.csv")}
    for row in EVALUATION:
        article_id = row["sentence_id"].rpartition("-")[0]
        assert article_id in articles
        text = (EVALUATION_SET / "articles" / f"{article_id}.txt").read_text(encoding="utf-8")
        assert row["text"] in text, row["sentence_id"]


def test_no_invented_sentence_reaches_a_published_table(built):
    # Every text cell of every published Parquet file, sentences and clean article texts included.
    published = []
    for path in sorted((built / "data").rglob("*.parquet")):
        table = pq.read_table(path)
        for column in table.column_names:
            if pa.types.is_string(table.schema.field(column).type):
                published += [value for value in table[column].to_pylist() if value]
    everything = "\n".join(published)
    # A very short line ("Why now?") may be in a real article too; any longer one is not.
    found = [
        row["text"]
        for row in (*INVENTED, *EVALUATION)
        if len(row["text"]) > 20 and row["text"] in everything
    ]
    assert published and found == []
