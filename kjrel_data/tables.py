"""The published tables: their columns (declared once, with descriptions) and Arrow builders."""

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as compute
from datasets import ClassLabel, Features, List, Value
from datasets.info import DatasetInfo, DatasetInfosDict
from huggingface_hub import DatasetCardData

from kjrel_data.clean import CleanArticle, RemovedLine
from kjrel_data.label import Annotation, LabelledSentence
from kjrel_data.label_sets import (
    ANNOTATOR_KIND,
    ISSUE,
    ISSUES,
    LABEL_SETS,
    LABEL_SOURCE,
    STANCE,
    STANCE_HOLDER,
    text_sha256,
)
from kjrel_data.names import ANNOTATIONS, ARTICLES, REMOVED, SENTENCES, SPLITS

# The fields the automatic labeller predicts (it gives no secondary issues), each in model_* columns.
MODEL_LABEL_SETS = (STANCE, STANCE_HOLDER, ISSUE)
# Articles are dealt into this many folds in article_id order.
FOLDS = 5

# config -> split -> table: the corpus as it is published.
Corpus = dict[str, dict[str, pa.Table]]


@dataclass(frozen=True)
class Column:
    name: str
    feature: object
    description: str


COLUMNS: dict[str, tuple[Column, ...]] = {
    SENTENCES: (
        Column(
            "sentence_id", Value("string"), "Stable id: the article id and the sentence's position."
        ),
        Column("article_id", Value("string"), "The article the sentence belongs to."),
        Column(
            "split",
            Value("string"),
            "train, validation or test: its article's split, so a row read alone says its split.",
        ),
        Column(
            "sentence_index", Value("int32"), "Position of the sentence in its article, from 0."
        ),
        Column(
            "paragraph_index", Value("int32"), "Position of its paragraph in the article, from 0."
        ),
        Column(
            "char_start",
            Value("int32"),
            "First code point of the sentence in the article's clean_text.",
        ),
        Column(
            "char_end",
            Value("int32"),
            "One past its last code point: clean_text[char_start:char_end] == text.",
        ),
        Column("text", Value("string"), "The sentence, exactly as it stands in the clean text."),
        Column(
            "text_sha256",
            Value("string"),
            "sha256 of the UTF-8 text; label rows in raw/ are keyed by it.",
        ),
        Column(
            STANCE.field,
            ClassLabel(names=STANCE.names),
            STANCE.question + " An annotation (see label_source); null if not annotated.",
        ),
        Column(
            STANCE_HOLDER.field,
            ClassLabel(names=STANCE_HOLDER.names),
            STANCE_HOLDER.question + " An annotation; null if not annotated.",
        ),
        Column(
            ISSUE.field,
            ClassLabel(names=ISSUE.names),
            ISSUE.question + " An annotation; null if not annotated.",
        ),
        Column(
            ISSUES.field,
            List(ClassLabel(names=ISSUES.names)),
            ISSUES.question + " An annotation; null if not annotated.",
        ),
        Column(
            "gold_note",
            Value("string"),
            "Why the annotation departs from its passes, or, for labels imported from Label "
            "Studio, who annotated them there; null otherwise.",
        ),
        Column(
            LABEL_SOURCE.field,
            ClassLabel(names=LABEL_SOURCE.names),
            "Where the sentence's labels come from: "
            + "; ".join(f"{label.name}: {label.definition}" for label in LABEL_SOURCE.labels),
        ),
        *(
            column
            for label_set in MODEL_LABEL_SETS
            for column in (
                Column(
                    f"model_{label_set.field}",
                    ClassLabel(names=label_set.names),
                    f"The automatic labeller's {label_set.field}, never gold: published only for "
                    "sentences without an annotation, and only where its calibrated probability "
                    "reaches the field's threshold; null otherwise.",
                ),
                Column(
                    f"model_{label_set.field}_probability",
                    Value("float32"),
                    f"The calibrated probability that model_{label_set.field} is right (measured "
                    "on articles the labeller was not trained on); null where it is null.",
                ),
            )
        ),
        Column(
            "fold",
            Value("int32"),
            f"The article's fold, 0 to {FOLDS - 1}: its position in article_id order modulo "
            f"{FOLDS}. Every sentence of an article shares one fold, for grouped k-fold "
            "evaluation; with five articles each fold is one article (leave one article out).",
        ),
    ),
    ARTICLES: (
        Column("article_id", Value("string"), "Readable, stable article id."),
        Column(
            "split", Value("string"), "train, validation or test; every table splits by article."
        ),
        Column(
            "fold",
            Value("int32"),
            f"The article's fold for grouped k-fold evaluation, 0 to {FOLDS - 1} (see sentences).",
        ),
        Column("outlet", Value("string"), "The publisher."),
        Column("section", Value("string"), "Section, column or series, where the page names one."),
        Column("title", Value("string"), "The headline (removed from the body, kept here)."),
        Column("standfirst", Value("string"), "The standfirst or dek, where there is one."),
        Column("author", Value("string"), "The author, null where the text names none."),
        Column(
            "published_date", Value("date32"), "Publication date, only where the text states it."
        ),
        Column("url", Value("string"), "Where the article was published, null if unknown."),
        Column("kind", Value("string"), "news, opinion or commentary."),
        Column("language", Value("string"), "ISO 639-1 language code."),
        Column(
            "copyright",
            Value("string"),
            "Copyright holder and the terms the text is included under.",
        ),
        Column("source_file", Value("string"), "The raw file, relative to raw/."),
        Column("source_sha256", Value("string"), "sha256 of the raw file's bytes."),
        Column(
            "clean_text", Value("string"), "The cleaned body: paragraphs separated by a blank line."
        ),
        Column(
            "lines_kept_by_correction",
            List(Value("int32")),
            "Raw line numbers (from 1, sorted) that a curator's correction keeps whole, whatever "
            "the cleaning rules say (raw/cleaning_corrections.csv); empty for most articles.",
        ),
    ),
    REMOVED: (
        Column("article_id", Value("string"), "The article the line was removed from."),
        Column("line_number", Value("int32"), "Line number in the raw file, from 1."),
        Column("line", Value("string"), "The raw line, exactly as received."),
        Column("char_start", Value("int32"), "First code point of the removed text in the line."),
        Column("char_end", Value("int32"), "One past its last: line[char_start:char_end]."),
        Column(
            "removed_text",
            Value("string"),
            "What was removed: the whole line, or part of it (a run-in dateline or caption).",
        ),
        Column(
            "rule",
            Value("string"),
            "The cleaning rule that removed it (kjrel_data/cleaning_rules.toml); `correction` for "
            "a line a curator's correction drops (raw/cleaning_corrections.csv).",
        ),
        Column(
            "score",
            Value("float32"),
            "The line classifier's probability that the line is chrome, where the rule is "
            "line_classifier; null for every other rule.",
        ),
    ),
    ANNOTATIONS: (
        Column("sentence_id", Value("string"), "The sentence labelled."),
        Column("article_id", Value("string"), "Its article."),
        Column("pass", Value("string"), "The annotation pass, as stored in raw/annotations/."),
        Column("round", Value("int32"), "The round of the pass: passes of one round are compared."),
        Column("annotator", Value("string"), "Who or what made the pass."),
        Column(
            ANNOTATOR_KIND.field,
            ClassLabel(names=ANNOTATOR_KIND.names),
            "Who made the pass: "
            + "; ".join(f"{label.name}: {label.definition}" for label in ANNOTATOR_KIND.labels),
        ),
        Column(
            "model",
            Value("string"),
            "For a machine annotator, the model that made the pass; null for a person.",
        ),
        Column(
            "codebook_sha256",
            Value("string"),
            "sha256 of the codebook the pass used (stored in raw/annotations/).",
        ),
        Column(STANCE.field, ClassLabel(names=STANCE.names), STANCE.question),
        Column(STANCE_HOLDER.field, ClassLabel(names=STANCE_HOLDER.names), STANCE_HOLDER.question),
        Column(ISSUE.field, ClassLabel(names=ISSUE.names), ISSUE.question),
        Column(ISSUES.field, List(ClassLabel(names=ISSUES.names)), ISSUES.question),
        Column(
            "note",
            Value("string"),
            "The annotator's note on the sentence, as written in the pass's file; null when empty.",
        ),
    ),
}

FEATURES: dict[str, Features] = {
    config: Features({column.name: column.feature for column in columns})
    for config, columns in COLUMNS.items()
}


def features_yaml(config: str) -> list[dict]:
    """The card's YAML form of a config's declared features."""
    card_data = DatasetCardData()
    DatasetInfosDict(
        {config: DatasetInfo(config_name=config, features=FEATURES[config])}
    ).to_dataset_card_data(card_data)
    return card_data.to_dict()["dataset_info"]["features"]


VERSION_KEY = b"kjrel_dataset_version"


def stored_feature(feature: object) -> object:
    """How a declared feature is stored in Parquet: a ClassLabel (or a list of them) as label names."""
    if isinstance(feature, ClassLabel):
        return Value("string")
    if isinstance(feature, List):
        return List(stored_feature(feature.feature))
    return feature


def class_label_of(feature: object) -> ClassLabel | None:
    """The ClassLabel a declared feature is, or holds a list of; None for any other feature."""
    if isinstance(feature, List):
        return class_label_of(feature.feature)
    return feature if isinstance(feature, ClassLabel) else None


# Label columns are stored as their names, so pandas, polars, duckdb and any Parquet reader see
# names. The card still declares them ClassLabel: `datasets` then loads each name as its id.
# The Parquet schema's own `huggingface` key describes the bytes (strings): `datasets` ignores a
# key whose type differs from the column's, so a ClassLabel there would be a claim no reader honours.
STORED_FEATURES: dict[str, Features] = {
    config: Features({name: stored_feature(feature) for name, feature in features.items()})
    for config, features in FEATURES.items()
}

# config -> column -> its label names, for every column declared as a ClassLabel or a list of them.
LABEL_NAMES_BY_COLUMN: dict[str, dict[str, list[str]]] = {
    config: {
        column.name: label.names
        for column in columns
        if (label := class_label_of(column.feature)) is not None
    }
    for config, columns in COLUMNS.items()
}


def published_schema(config: str) -> pa.Schema:
    """A config's Arrow schema: the stored features (label names)."""
    return STORED_FEATURES[config].arrow_schema


def versioned_schema(config: str, version: str) -> pa.Schema:
    """A config's Arrow schema as written to its Parquet files: with the dataset version."""
    schema = published_schema(config)
    return schema.with_metadata({**schema.metadata, VERSION_KEY: version.encode()})


def articles_table(clean_articles: list[CleanArticle], folds: dict[str, int]) -> pa.Table:
    """One row per article, sorted by article_id."""
    rows = [
        {
            "article_id": article.metadata.article_id,
            "split": article.metadata.split,
            "outlet": article.metadata.outlet,
            "section": article.metadata.section,
            "title": article.metadata.title,
            "standfirst": article.metadata.standfirst,
            "author": article.metadata.author,
            "published_date": article.metadata.published_date,
            "url": article.metadata.url,
            "kind": article.metadata.kind,
            "language": article.metadata.language,
            "copyright": article.metadata.copyright,
            "source_file": article.metadata.file,
            "source_sha256": article.metadata.sha256,
            "fold": folds[article.metadata.article_id],
            "clean_text": article.clean_text,
            "lines_kept_by_correction": list(article.lines_kept_by_correction),
        }
        for article in sorted(clean_articles, key=lambda article: article.metadata.article_id)
    ]
    return pa.Table.from_pylist(rows, schema=published_schema(ARTICLES))


def sentences_table(
    sentences: list[LabelledSentence], folds: dict[str, int], split_of: dict[str, str]
) -> pa.Table:
    """One row per sentence, sorted by article and position, with its article's fold and split."""
    rows = [
        {
            "sentence_id": item.sentence.sentence_id,
            "article_id": item.sentence.article_id,
            "split": split_of[item.sentence.article_id],
            "sentence_index": item.sentence.sentence_index,
            "paragraph_index": item.sentence.paragraph_index,
            "char_start": item.sentence.char_start,
            "char_end": item.sentence.char_end,
            "text": item.sentence.text,
            "text_sha256": text_sha256(item.sentence.text),
            **_label_names(item),
            "gold_note": item.note,
            LABEL_SOURCE.field: item.source,
            **_model_columns(item),
            "fold": folds[item.sentence.article_id],
        }
        for item in sorted(
            sentences, key=lambda item: (item.sentence.article_id, item.sentence.sentence_index)
        )
    ]
    return pa.Table.from_pylist(rows, schema=published_schema(SENTENCES))


def annotations_table(annotations: list[Annotation]) -> pa.Table:
    """One row per sentence and pass, sorted by article, sentence, then pass."""
    rows = [
        {
            "sentence_id": item.sentence_id,
            "article_id": item.article_id,
            "pass": item.pass_name,
            "round": item.round,
            "annotator": item.annotator,
            ANNOTATOR_KIND.field: item.annotator_kind,
            "model": item.model,
            "codebook_sha256": item.codebook_sha256,
            **_label_names(item),
            "note": item.note,
        }
        # Article first, as in every table, so batches in article order concatenate sorted.
        for item in sorted(
            annotations, key=lambda item: (item.article_id, item.sentence_id, item.pass_name)
        )
    ]
    return pa.Table.from_pylist(rows, schema=published_schema(ANNOTATIONS))


def removed_table(removed: list[RemovedLine]) -> pa.Table:
    """One row per removed text, sorted by article, line number and position in the line."""
    rows = [
        {
            "article_id": line.article_id,
            "line_number": line.line_number,
            "line": line.line,
            "char_start": line.char_start,
            "char_end": line.char_end,
            "removed_text": line.line[line.char_start : line.char_end],
            "rule": line.rule,
            "score": line.score,
        }
        for line in sorted(
            removed, key=lambda line: (line.article_id, line.line_number, line.char_start)
        )
    ]
    return pa.Table.from_pylist(rows, schema=published_schema(REMOVED))


def _model_columns(item: LabelledSentence) -> dict[str, str | float | None]:
    columns: dict[str, str | float | None] = {}
    for label_set in MODEL_LABEL_SETS:
        label = item.model.get(label_set.field)
        columns[f"model_{label_set.field}"] = None if label is None else label.name
        columns[f"model_{label_set.field}_probability"] = (
            None if label is None else label.probability
        )
    return columns


def _label_names(item: LabelledSentence | Annotation) -> dict[str, str | list[str] | None]:
    names: dict[str, str | list[str] | None] = {}
    for label_set in LABEL_SETS:
        value = getattr(item, label_set.field)
        names[label_set.field] = list(value) if label_set.multiple and value is not None else value
    return names


def split_by_article(
    articles: pa.Table, sentences: pa.Table, removed: pa.Table, annotations: pa.Table
) -> Corpus:
    """The tables cut into train/validation/test by each row's article."""
    split_of = dict(
        zip(articles["article_id"].to_pylist(), articles["split"].to_pylist(), strict=True)
    )
    corpus: Corpus = {}
    tables = {SENTENCES: sentences, ARTICLES: articles, REMOVED: removed, ANNOTATIONS: annotations}
    for config, table in tables.items():
        row_splits = pa.array(
            [split_of.get(article_id) for article_id in table["article_id"].to_pylist()]
        )
        corpus[config] = {split: table.filter(compute.equal(row_splits, split)) for split in SPLITS}
    return corpus
