"""CODEBOOK.md against the label declarations and the gold labels it cites."""

import re

import pyarrow as pa
import pytest

from kjrel_data.codebook import with_definitions
from kjrel_data.label_sets import ISSUE, STANCE, STANCE_HOLDER
from kjrel_data.names import SENTENCES

from .conftest import RAW, REPO, built_corpus

CODEBOOK = (REPO / "CODEBOOK.md").read_text(encoding="utf-8")
CONSTRUCTED = "Illustration (constructed, not corpus text)"


@pytest.fixture(scope="module")
def gold() -> dict[str, dict]:
    sentences = pa.concat_tables(built_corpus(RAW)[SENTENCES].values()).to_pylist()
    return {row["sentence_id"]: row for row in sentences}


def _example_rows() -> dict[str, dict[str, str]]:
    """field -> label -> the example cell, from the section of examples."""
    section = CODEBOOK.split("## Labels with an example", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, dict[str, str]] = {}
    field = None
    for line in section.splitlines():
        heading = re.fullmatch(r"### `(\w+)`", line)
        if heading:
            field = heading.group(1)
        elif field and (row := re.match(r"\| `(\w+)` \| (.+?) \| `\w+` \| .+ \|$", line)):
            rows.setdefault(field, {})[row.group(1)] = row.group(2)
    return rows


def test_the_generated_definitions_are_current():
    assert with_definitions(CODEBOOK) == CODEBOOK, "CODEBOOK.md is stale: run `kjrel codebook`"


@pytest.mark.parametrize("label_set", [STANCE, STANCE_HOLDER, ISSUE], ids=lambda s: s.field)
def test_every_label_has_an_example_a_nearest_label_and_a_rule(label_set):
    assert sorted(_example_rows()[label_set.field]) == sorted(label_set.names)


@pytest.mark.parametrize("label_set", [STANCE, STANCE_HOLDER, ISSUE], ids=lambda s: s.field)
def test_each_example_is_corpus_text_with_that_gold_label(label_set, gold):
    for label, cell in _example_rows()[label_set.field].items():
        if CONSTRUCTED in cell:
            carriers = [s for s in gold.values() if s[label_set.field] == label]
            assert not carriers, (
                f"{label}: the corpus has examples now ({carriers[0]['sentence_id']}); cite one"
            )
            continue
        quoted = re.search(r'"(.+)" \(`([a-z0-9-]+-\d{4})`\)', cell)
        assert quoted, f"{label}: no quoted sentence with its id"
        text, sentence_id = quoted.groups()
        assert text == gold[sentence_id]["text"], f"{label}: the quote differs from {sentence_id}"
        assert gold[sentence_id][label_set.field] == label, f"{label}: gold of {sentence_id}"


def test_the_hard_cases_have_decision_rules():
    rules = dict(re.findall(r"\*\*(H\d+)\. ([^*]+)\*\*", CODEBOOK))
    topics = " ".join(rules.values()).lower()
    for topic in (
        "reported position",
        "pessimism",
        "only described",
        "distrust",
        "several issues",
        "background facts",
        "rhetorical questions",
        "quoted experts",
    ):
        assert topic in topics, topic
