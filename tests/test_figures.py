"""Every figure in the card and DATASHEET.md is computed from the data, never typed in."""

import ast
import dataclasses
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as compute
import pytest
import yaml

from kjrel_data import card
from kjrel_data.build import DEFAULT_OPTIONS
from kjrel_data.card import model_label_evaluation, render_card
from kjrel_data.names import ARTICLES, CONFIGS, SENTENCES
from kjrel_data.summary import summarize
from kjrel_data.version import DatasetVersion

from .conftest import RAW, REPO, built_corpus

NUMBER = re.compile(r"\d+(?:\.\d+)*")
# Digits in card.py's text that are names, not figures: character classes and escapes, colours,
# format specifications, regex groups, the Hub's size-category names, and standards' versions.
CARD_NOT_FIGURES = re.compile(
    r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|#[0-9a-f]{6}|\.\d+[f%]|\\\\\d|0-9|int2str|str2int|"
    r"\d+[KM]?<n<\d+[KM]|n[<>]\d+[KM]|sha256|SHA256SUMS|Croissant 1\.1|CC BY 4\.0|/by/4\.0/"
)
# In DATASHEET.md: the cited paper's year, list numbers, names with digits in them, and versions.
DATASHEET_NOT_FIGURES = re.compile(
    r"\(2021\)|^\s*\d+\. |sha256|SHA256SUMS|F1|\bround[- ]\d\b|\bR\d+\b|Croissant 1\.1|"
    r"Since \d+\.\d+\b|"
    r"CC BY 4\.0|/by/4\.0/",
    re.M,
)


def _text_constants(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in source but docstrings, f-strings' literal parts included."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and ast.get_docstring(node, clean=False) is not None
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_card_template_types_no_figure():
    typed = [
        f"card.py line {line}: {number!r} in {text[:60]!r}"
        for line, text in _text_constants(Path(card.__file__).read_text(encoding="utf-8"))
        for number in NUMBER.findall(CARD_NOT_FIGURES.sub("", text))
    ]
    assert not typed, "figures typed into the card; compute them from the summary:\n" + "\n".join(
        typed
    )


def test_the_datasheet_types_no_figure_but_the_shard_size_it_reads_from_the_code():
    text = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    shard_size = f"{DEFAULT_OPTIONS.shard_text_bytes // 2**20} MB"
    assert shard_size in text
    typed = NUMBER.findall(DATASHEET_NOT_FIGURES.sub("", text.replace(shard_size, "")))
    assert not typed, f"figures typed into DATASHEET.md; point to the card instead: {typed}"


@pytest.fixture(scope="module")
def seed_corpus():
    return built_corpus(RAW)


def _one_article(corpus, article_id: str):
    return {
        config: {
            split: table.filter(compute.equal(table["article_id"], article_id))
            for split, table in corpus[config].items()
        }
        for config in CONFIGS
    }


def _card(corpus) -> str:
    summary = summarize(corpus)
    files = {
        config: {split: [f"{config}-{split}"] for split in corpus[config]} for config in CONFIGS
    }
    sizes = {(config, split): 0 for config in CONFIGS for split in corpus[config]}
    return render_card(
        summary,
        files,
        sizes,
        model_label_evaluation(summary),
        DatasetVersion("1.0.0+" + "0" * 12, False, "0" * 64, None),
    )


def test_the_cards_counts_follow_the_corpus_in_words_of_the_right_number(seed_corpus):
    whole = summarize(seed_corpus)
    articles, sentences = whole.count(ARTICLES), whole.count(SENTENCES)
    assert f"{articles} articles and {sentences} sentences" in _card(seed_corpus)
    one = _one_article(seed_corpus, "diplomat-why-japan-hesitant")
    text = _card(one)
    assert f"1 article and {summarize(one).count(SENTENCES)} sentences" in text
    assert "1 articles" not in text and " 1 sentences" not in text
    assert "- **Few outlets.** By kind of article, the outlets are opinion: The Diplomat." in text


def _header(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_the_hub_provenance_fields_follow_the_annotators_and_the_size(seed_corpus):
    header = _header(_card(seed_corpus))
    # The seed passes were made by AI sessions; passes.csv says so (annotator_kind machine).
    assert header["annotations_creators"] == ["machine-generated"]
    assert header["language_creators"] == ["found"]
    assert header["source_datasets"] == ["original"]
    assert summarize(seed_corpus).count(SENTENCES) < 1000 and header["size_categories"] == ["n<1K"]

    summary = summarize(seed_corpus)
    annotations = summary.annotations
    kinds = pa.array(["human"] * annotations.num_rows)
    with_kinds = dataclasses.replace(
        summary,
        annotations=annotations.set_column(
            annotations.schema.get_field_index("annotator_kind"), "annotator_kind", kinds
        ),
    )
    text = render_card(
        with_kinds,
        {config: {split: ["x"] for split in seed_corpus[config]} for config in CONFIGS},
        {(config, split): 0 for config in CONFIGS for split in seed_corpus[config]},
        model_label_evaluation(with_kinds),
        DatasetVersion("1.0.0+" + "0" * 12, False, "0" * 64, None),
    )
    assert _header(text)["annotations_creators"] == ["machine-generated", "other"]
    assert "were made by human annotators" in text
    assert "The gold labels were made by machines" not in text
