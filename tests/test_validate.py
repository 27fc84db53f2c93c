import shutil
import warnings
from pathlib import Path

import pandera.pandas as pandera
import pyarrow as pa
import pytest
from datasets import Features

from kjrel_data.errors import ValidationFailed
from kjrel_data.folder_writer import checksum_lines
from kjrel_data.names import ANNOTATIONS, ARTICLES, REMOVED, SENTENCES
from kjrel_data.schemas import (
    HINTS,
    TABLE_MODELS,
    ArticleLinkModel,
    SentenceSpanModel,
    schema_documents,
    validate_corpus,
)
from kjrel_data.tables import FEATURES, LABEL_NAMES_BY_COLUMN, STORED_FEATURES, published_schema
from kjrel_data.validate import validate_folder

from .conftest import SMALL_BATCH_ARTICLES, built_corpus

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus():
    return built_corpus(REPO / "raw")


def _with_value(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table[column].to_pylist()
    values[row] = value
    field = table.schema.field(column)
    return table.set_column(
        table.schema.get_field_index(column), field, pa.array(values, field.type)
    )


def _replace(corpus, config: str, split: str, table: pa.Table):
    return {**corpus, config: {**corpus[config], split: table}}


def _failure(corpus) -> str:
    with pytest.raises(ValidationFailed) as error:
        validate_corpus(corpus)
    return str(error.value)


def test_the_real_corpus_is_valid(corpus):
    validate_corpus(corpus)


def test_a_label_outside_its_set_is_named(corpus):
    table = corpus[SENTENCES]["train"]
    table = _with_value(table, "stance", 3, "pro")
    table = _with_value(table, "stance_holder", 3, "author")
    table = _with_value(table, "issue", 3, "diplomacy")
    table = _with_value(table, "issues", 3, ["diplomacy"])
    message = _failure(_replace(corpus, SENTENCES, "train", table))
    sentence_id = table["sentence_id"][3].as_py()
    assert f"sentences in train (sentence_id={sentence_id}): isin failed" in message
    assert "stance='pro'" in message


def test_issues_outside_the_issue_set_are_named(corpus):
    table = corpus[SENTENCES]["train"]
    for column, value in (
        ("stance", "favor"),
        ("stance_holder", "author"),
        ("issue", "diplomacy"),
        ("issues", ["diplomacy", "fisheries"]),
    ):
        table = _with_value(table, column, 0, value)
    message = _failure(_replace(corpus, SENTENCES, "train", table))
    assert "label_names_in_declared_order failed" in message
    assert "issues=['diplomacy', 'fisheries']" in message


def test_issues_out_of_declared_order_are_named(corpus):
    table = corpus[SENTENCES]["train"]
    for column, value in (
        ("stance", "favor"),
        ("stance_holder", "author"),
        ("issue", "diplomacy"),
        ("issues", ["diplomacy", "trade"]),
    ):
        table = _with_value(table, column, 0, value)
    message = _failure(_replace(corpus, SENTENCES, "train", table))
    assert "label_names_in_declared_order failed" in message


@pytest.mark.parametrize(
    ("labels", "check"),
    [
        (
            {
                "stance": "favor",
                "stance_holder": "none",
                "issue": "diplomacy",
                "issues": ["diplomacy"],
            },
            "holder_none_exactly_when_stance_none",
        ),
        (
            {"stance": "none", "stance_holder": "none", "issue": "diplomacy", "issues": ["trade"]},
            "issues_hold_primary_issue",
        ),
        (
            {
                "stance": "none",
                "stance_holder": "none",
                "issue": "none",
                "issues": ["none", "trade"],
            },
            "none_issue_alone",
        ),
        (
            {"stance": "none", "stance_holder": None, "issue": "none", "issues": ["none"]},
            "labelled_all_or_none",
        ),
    ],
)
def test_inconsistent_labels_are_named(corpus, labels, check):
    table = corpus[SENTENCES]["test"]
    for column, value in labels.items():
        table = _with_value(table, column, 2, value)
    message = _failure(_replace(corpus, SENTENCES, "test", table))
    assert f"(sentence_id={table['sentence_id'][2].as_py()}): {check} failed" in message


def test_overlapping_offsets_are_named(corpus):
    table = corpus[SENTENCES]["validation"]
    table = _with_value(table, "char_start", 4, table["char_end"][3].as_py() - 2)
    message = _failure(_replace(corpus, SENTENCES, "validation", table))
    assert (
        f"(sentence_id={table['sentence_id'][4].as_py()}): sentences_ordered_without_overlap failed"
        in message
    )


def test_an_offset_text_mismatch_is_named(corpus):
    table = corpus[SENTENCES]["validation"]
    text = table["text"][5].as_py()
    table = _with_value(table, "text", 5, "X" + text[1:])
    table = _with_value(
        table,
        "text_sha256",
        5,
        __import__("hashlib").sha256(table["text"][5].as_py().encode()).hexdigest(),
    )
    message = _failure(_replace(corpus, SENTENCES, "validation", table))
    assert (
        f"sentence spans (sentence_id={table['sentence_id'][5].as_py()}): offsets_round_trip failed"
        in message
    )


def test_a_changed_text_without_its_hash_is_named(corpus):
    table = _with_value(corpus[SENTENCES]["test"], "text", 0, "Something else entirely.")
    message = _failure(_replace(corpus, SENTENCES, "test", table))
    assert "text_sha256_matches failed" in message


def test_an_orphan_sentence_is_named(corpus):
    table = corpus[SENTENCES]["test"]
    table = _with_value(table, "article_id", 0, "no-such-article")
    table = _with_value(table, "sentence_id", 0, "no-such-article-0000")
    message = _failure(_replace(corpus, SENTENCES, "test", table))
    assert (
        "article links (table=sentences, row=no-such-article-0000): article_found failed" in message
    )
    # The renamed sentence also leaves its own article without sentence 0 and each of its
    # annotations (one per pass) orphaned.
    passes = len(set(corpus[ANNOTATIONS]["test"]["pass"].to_pylist()))
    assert message.startswith(f"{2 + passes} problem(s)"), message
    assert (
        "(table=annotations, row=straitstimes-progress-with-us-prodding-0000:round1-a): annotated_sentence_found failed"
        in message
    )


def test_a_duplicate_sentence_id_is_named(corpus):
    table = corpus[SENTENCES]["train"]
    table = _with_value(table, "sentence_id", 1, table["sentence_id"][0].as_py())
    message = _failure(_replace(corpus, SENTENCES, "train", table))
    assert f"(sentence_id={table['sentence_id'][0].as_py()}): field_uniqueness failed" in message


def test_an_article_in_two_splits_is_named(corpus):
    moved = corpus[SENTENCES]["test"].slice(0, 1)
    changed = _replace(
        corpus, SENTENCES, "train", pa.concat_tables([corpus[SENTENCES]["train"], moved])
    )
    message = _failure(changed)
    assert (
        f"article links (table=sentences, row={moved['sentence_id'][0].as_py()}): split_agrees_with_article failed"
        in message
    )


def test_an_unknown_rule_and_a_bad_split_are_named(corpus):
    removed = _with_value(corpus[REMOVED]["train"], "rule", 0, "made_up")
    articles = _with_value(corpus[ARTICLES]["test"], "split", 0, "dev")
    message = _failure(
        _replace(_replace(corpus, REMOVED, "train", removed), ARTICLES, "test", articles)
    )
    assert "removed in train" in message and "rule='made_up'" in message
    assert "articles in test" in message and "split='dev'" in message


def test_removed_text_that_is_not_its_span_of_the_line_is_named(corpus):
    removed = _with_value(corpus[REMOVED]["train"], "removed_text", 0, "something else")
    message = _failure(_replace(corpus, REMOVED, "train", removed))
    assert (
        "removed in train" in message and "removed_text is not line[char_start:char_end]" in message
    )


def test_a_model_source_beside_annotation_labels_is_named(corpus):
    sentences = _with_value(corpus[SENTENCES]["train"], "label_source", 0, "model")
    message = _failure(_replace(corpus, SENTENCES, "train", sentences))
    assert "label_source_consistent failed" in message
    assert "model labels exactly where label_source is model" in message


def test_a_model_label_without_its_probability_is_named(corpus):
    sentences = corpus[SENTENCES]["train"]
    for column, value in (("stance", None), ("stance_holder", None), ("issue", None)):
        sentences = _with_value(sentences, column, 0, value)
    sentences = _with_value(sentences, "issues", 0, None)
    sentences = _with_value(sentences, "gold_note", 0, None)
    sentences = _with_value(sentences, "label_source", 0, "model")
    sentences = _with_value(sentences, "model_stance", 0, "favor")
    message = _failure(_replace(corpus, SENTENCES, "train", sentences))
    assert "model_labels_consistent failed" in message
    assert "each model label has its probability" in message


def test_an_extra_column_is_refused(corpus):
    table = corpus[ARTICLES]["train"].append_column(
        "notes", pa.array(["x"] * corpus[ARTICLES]["train"].num_rows)
    )
    message = _failure(_replace(corpus, ARTICLES, "train", table))
    assert "notes" in message


def test_yaml_export_keeps_every_check():
    for model in TABLE_MODELS.values():
        schema = model.to_schema()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            exported = schema.to_yaml()
        restored = pandera.DataFrameSchema.from_yaml(exported)
        assert [check.name for check in restored.checks] == [check.name for check in schema.checks]
        for name, column in schema.columns.items():
            assert [c.name for c in restored.columns[name].checks] == [
                c.name for c in column.checks
            ]


def test_schema_files_are_up_to_date():
    documents = {
        name: content if isinstance(content, bytes) else content.encode("utf-8")
        for name, content in schema_documents().items()
    }
    on_disk = {path.name: path.read_bytes() for path in (REPO / "schemas").iterdir()}
    assert on_disk == documents, "schemas/ is stale: run `kjrel schemas`"


def test_the_arrow_schema_file_reads_back_as_the_published_schema():
    for config in FEATURES:
        schema = pa.ipc.read_schema(
            pa.py_buffer((REPO / "schemas" / f"{config}.arrow_schema").read_bytes())
        )
        assert schema.equals(published_schema(config))


def test_a_sharded_folder_is_checked_batch_by_batch_with_the_same_counts(sharded, corpus):
    summary = validate_folder(sharded, SMALL_BATCH_ARTICLES)
    for config, tables in corpus.items():
        for split, table in tables.items():
            assert summary.count(config, split) == table.num_rows


def test_shards_listed_out_of_order_are_refused(sharded, tmp_path):
    folder = Path(shutil.copytree(sharded, tmp_path / "sharded"))
    card = (folder / "README.md").read_text(encoding="utf-8")
    first, second = sorted(
        path.relative_to(folder).as_posix()
        for path in (folder / "data" / "sentences").glob("train-*.parquet")
    )
    swapped = card.replace(first, "FIRST").replace(second, first).replace("FIRST", second)
    assert swapped != card
    (folder / "README.md").write_text(swapped, encoding="utf-8")
    (folder / "SHA256SUMS").write_text(checksum_lines(folder), encoding="utf-8")
    with pytest.raises(
        ValidationFailed, match=r"sentences/train: rows are not sorted by article_id"
    ):
        validate_folder(folder, SMALL_BATCH_ARTICLES)


def test_every_declared_label_column_is_checked_against_its_label_names():
    for config, label_columns in LABEL_NAMES_BY_COLUMN.items():
        schema = TABLE_MODELS[config].to_schema()
        for column, names in label_columns.items():
            statistics = [check.statistics for check in schema.columns[column].checks]
            assert {"allowed_values": names} in statistics or {"names": names} in statistics, (
                config,
                column,
            )


def test_the_published_schema_stores_every_label_column_as_names():
    for config, label_columns in LABEL_NAMES_BY_COLUMN.items():
        schema = published_schema(config)
        for column in label_columns:
            stored = schema.field(column).type
            assert stored == pa.string() or stored == pa.list_(pa.string()), (config, column)
        # What `datasets` reads from the schema's own key matches the bytes, so no claim is ignored.
        assert Features.from_arrow_schema(schema) == STORED_FEATURES[config]


def test_a_sentence_whose_split_column_differs_from_its_file_is_named(corpus):
    table = _with_value(corpus[SENTENCES]["train"], "split", 0, "test")
    message = _failure(_replace(corpus, SENTENCES, "train", table))
    assert (
        f"article links (table=sentences, row={table['sentence_id'][0].as_py()}): "
        "split_column_agrees_with_file failed" in message
    )


def test_an_empty_annotator_note_is_refused(corpus):
    table = _with_value(corpus[ANNOTATIONS]["train"], "note", 0, "")
    message = _failure(_replace(corpus, ANNOTATIONS, "train", table))
    assert "annotations in train" in message and "str_matches failed" in message


def test_every_check_of_every_table_says_what_its_failure_means():
    models = [*TABLE_MODELS.values(), ArticleLinkModel, SentenceSpanModel]
    built_in = {"str_length", "greater_than_or_equal_to", "less_than", "less_than_or_equal_to"}
    for model in models:
        schema = model.to_schema()
        names = {check.name for check in schema.checks} | {
            check.name for column in schema.columns.values() for check in column.checks
        }
        assert names - built_in <= set(HINTS), model.__name__
