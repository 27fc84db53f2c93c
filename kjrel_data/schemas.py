"""Stage 5, validate: pandera models for each table and across tables, reported in one message.

Every check is either a built-in pandera check or registered with `register_check_method`, so the
YAML export in schemas/ carries all of them (pandera drops inline checks from YAML with a warning).
"""

import json
from collections.abc import Callable
from typing import Any, cast

import pandas as pd
import pandera.extensions as extensions
import pandera.pandas as pandera
import pyarrow as pa
from datasets import List
from pandera.engines import pandas_engine
from pandera.typing import Series

from kjrel_data.clean import CLASSIFIER_RULE, RULES
from kjrel_data.errors import ValidationFailed
from kjrel_data.label_sets import (
    ANNOTATION_SOURCES,
    ANNOTATOR_KIND,
    ISSUE,
    ISSUES,
    LABEL_FIELDS,
    LABEL_ROW_RULES,
    LABEL_SOURCE,
    STANCE,
    STANCE_HOLDER,
    LabelRowRule,
    text_sha256,
)
from kjrel_data.names import (
    ANNOTATIONS,
    ARTICLE_ID_PATTERN,
    ARTICLES,
    KINDS,
    REMOVED,
    SENTENCES,
    SPLITS,
)
from kjrel_data.sentence_split import sentence_id_of
from kjrel_data.tables import (
    FEATURES,
    FOLDS,
    LABEL_NAMES_BY_COLUMN,
    MODEL_LABEL_SETS,
    STORED_FEATURES,
    Corpus,
)

SHA256_PATTERN = r"^[0-9a-f]{64}$"


# What a failure of each built-in pandera check means; each check registered here declares its own.
HINTS: dict[str, str] = {
    "field_uniqueness": "ids must be unique",
    "multiple_fields_uniqueness": "this combination must be unique",
    "isin": "value outside its allowed set",
    "str_matches": "text does not have the required form",
    "not_nullable": "must not be null",
}
# For checks over whole rows, the columns worth showing in the report.
SHOWN_COLUMNS: dict[str, list[str]] = {}


def _check(
    hint: str,
    shown: list[str] | None = None,
    statistics: list[str] | None = None,
    supported_types: type = pd.DataFrame,
) -> Callable[[Callable], Callable]:
    """Register a table check with pandera, with what its failure means and the columns to show."""

    def register(function: Callable) -> Callable:
        HINTS[function.__name__] = hint
        if shown is not None:
            SHOWN_COLUMNS[function.__name__] = shown
        extensions.register_check_method(
            statistics=statistics or [], supported_types=supported_types
        )(function)
        return function

    return register


@_check(
    hint="char_start must be less than char_end",
    shown=["char_start", "char_end"],
    statistics=["start", "end"],
)
def start_before_end(frame: pd.DataFrame, *, start: str, end: str) -> pd.Series:
    return frame[start] < frame[end]


@_check(
    hint="sentence_id must be '<article_id>-<sentence_index as 4 digits>'", shown=["sentence_index"]
)
def sentence_id_derived(frame: pd.DataFrame) -> pd.Series:
    expected = [
        sentence_id_of(article_id, int(index))
        for article_id, index in zip(frame["article_id"], frame["sentence_index"], strict=True)
    ]
    return frame["sentence_id"] == pd.Series(expected, index=frame.index)


@_check(
    hint="sentences of an article must be numbered 0, 1, ... and not overlap",
    shown=["sentence_index", "char_start", "char_end"],
)
def sentences_ordered_without_overlap(frame: pd.DataFrame) -> pd.Series:
    ordered = frame.sort_values(["article_id", "sentence_index"])
    same_article = ordered["article_id"].eq(ordered["article_id"].shift())
    expected_index = (ordered["sentence_index"].shift() + 1).where(same_article, 0)
    index_follows = ordered["sentence_index"].eq(expected_index)
    after_previous = ~same_article | (ordered["char_start"] >= ordered["char_end"].shift())
    return (index_follows & after_previous).reindex(frame.index)


@_check(hint="text_sha256 is not the sha256 of text", shown=["text_sha256"])
def text_sha256_matches(frame: pd.DataFrame) -> pd.Series:
    return frame["text_sha256"] == frame["text"].map(text_sha256)


@_check(
    hint="stance, stance_holder, issue and issues are set together or not at all",
    shown=list(LABEL_FIELDS),
    statistics=["columns"],
)
def labelled_all_or_none(frame: pd.DataFrame, *, columns: list[str]) -> pd.Series:
    missing = frame[columns].isna()
    return missing.all(axis=1) | ~missing.any(axis=1)


@_check(
    hint="the label columns and gold_note are set only for an annotation label_source, and model labels exactly where label_source is model",
    shown=["label_source", "stance", "gold_note", "model_stance", "model_issue"],
)
def label_source_consistent(frame: pd.DataFrame) -> pd.Series:
    source = frame[LABEL_SOURCE.field]
    annotated = source.isin(ANNOTATION_SOURCES)
    model_labels = frame[[f"model_{label_set.field}" for label_set in MODEL_LABEL_SETS]].notna()
    return (
        (frame["stance"].notna() == annotated)
        & (frame["gold_note"].isna() | annotated)
        & (model_labels.any(axis=1) == (source == "model"))
    )


@_check(
    hint="each model label has its probability; a model holder only beside a model stance, none exactly when that stance is none",
    shown=[
        "model_stance",
        "model_stance_probability",
        "model_stance_holder",
        "model_stance_holder_probability",
    ],
)
def model_labels_consistent(frame: pd.DataFrame) -> pd.Series:
    consistent = pd.Series(True, index=frame.index)
    for label_set in MODEL_LABEL_SETS:
        column = f"model_{label_set.field}"
        consistent &= frame[column].notna() == frame[f"{column}_probability"].notna()
    stance, holder = frame[f"model_{STANCE.field}"], frame[f"model_{STANCE_HOLDER.field}"]
    none_stance = stance == "none"
    none_holder = holder == "none"
    return consistent & (holder.isna() | (stance.notna() & (none_stance == none_holder)))


@_check(hint="score is set exactly where the rule is line_classifier", shown=["rule", "score"])
def score_exactly_for_classifier(frame: pd.DataFrame) -> pd.Series:
    return frame["score"].notna() == (frame["rule"] == CLASSIFIER_RULE)


def _register_label_row_check(rule: LabelRowRule) -> None:
    """The rule as a table check under its name: a row holds it, or has no labels."""

    def check(frame: pd.DataFrame) -> pd.Series:
        holds = []
        for stance, stance_holder, issue, issues in zip(
            *(frame[field] for field in LABEL_FIELDS), strict=True
        ):
            # A row with a label missing is labelled_all_or_none's to report.
            missing = issues is None or any(
                pd.isna(value) for value in (stance, stance_holder, issue)
            )
            holds.append(missing or rule.holds(stance, stance_holder, issue, list(issues)))
        return pd.Series(holds, index=frame.index, dtype=bool)

    check.__name__ = rule.name
    _check(hint=rule.requirement, shown=list(rule.fields))(check)


for _rule in LABEL_ROW_RULES:
    _register_label_row_check(_rule)


@_check(
    hint="labels must be distinct names of the label set, in its declared order",
    statistics=["names"],
    supported_types=pd.Series,
)
def label_names_in_declared_order(series: pd.Series, *, names: list[str]) -> pd.Series:
    def valid(labels) -> bool:
        labels = list(labels)
        return (
            bool(labels)
            and set(labels) <= set(names)
            and labels == sorted(set(labels), key=names.index)
        )

    return series.map(lambda labels: labels is None or valid(labels))


@_check(
    hint="line numbers must be distinct, 1 or more, in ascending order", supported_types=pd.Series
)
def line_numbers_sorted(series: pd.Series) -> pd.Series:
    def valid(numbers) -> bool:
        numbers = list(numbers)
        return numbers == sorted(set(numbers)) and all(number >= 1 for number in numbers)

    return series.map(lambda numbers: numbers is not None and valid(numbers))


@_check(
    hint="removed_text is not line[char_start:char_end]",
    shown=["char_start", "char_end", "removed_text"],
)
def removed_text_in_line(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            slice_matches(line, start, end, removed_text)
            for line, start, end, removed_text in zip(
                frame["line"],
                frame["char_start"],
                frame["char_end"],
                frame["removed_text"],
                strict=True,
            )
        ],
        index=frame.index,
    )


@_check(hint="its article_id has no row in the articles table", shown=["article_split"])
def article_found(frame: pd.DataFrame) -> pd.Series:
    return frame["article_split"].notna()


@_check(hint="it is in a different split from its article", shown=["file_split", "article_split"])
def split_agrees_with_article(frame: pd.DataFrame) -> pd.Series:
    return frame["article_split"].isna() | (frame["file_split"] == frame["article_split"])


@_check(
    hint="its split column differs from the split of its file", shown=["file_split", "row_split"]
)
def split_column_agrees_with_file(frame: pd.DataFrame) -> pd.Series:
    return frame["row_split"] == frame["file_split"]


@_check(
    hint="clean_text[char_start:char_end] differs from text",
    shown=["char_start", "char_end", "text"],
)
def offsets_round_trip(frame: pd.DataFrame) -> pd.Series:
    # A sentence without its article (no article row) is reported by the article links check.
    return frame["offsets_match"].isna() | frame["offsets_match"].eq(True)


def slice_matches(text: str, start: int, end: int, piece: str) -> bool:
    """True when text[start:end] == piece, compared in place (no copy of the slice)."""
    start, end = int(start), int(end)
    return (
        0 <= start <= end <= len(text)
        and end - start == len(piece)
        and text.startswith(piece, start)
    )


@_check(hint="its sentence_id has no row in the sentences table", shown=["sentence_found"])
def annotated_sentence_found(frame: pd.DataFrame) -> pd.Series:
    return frame["sentence_found"]


# Typed Any as pandera.Field is, so the field can be the default of a Series[...] attribute.
def _label_field(config: str, column: str, nullable: bool = True) -> Any:
    """A label column's field: its values are names of the label set its feature declares."""
    names = LABEL_NAMES_BY_COLUMN[config][column]
    if isinstance(FEATURES[config][column], List):
        return pandera.Field(nullable=nullable, label_names_in_declared_order={"names": names})
    return pandera.Field(nullable=nullable, isin=names)


class ArticleModel(pandera.DataFrameModel):
    """One row per article."""

    article_id: Series[str] = pandera.Field(unique=True, str_matches=f"^{ARTICLE_ID_PATTERN}$")
    split: Series[str] = pandera.Field(isin=list(SPLITS))
    fold: Series[pandera.Int32] = pandera.Field(ge=0, lt=FOLDS)
    outlet: Series[str] = pandera.Field(str_length={"min_value": 1})
    section: Series[str] = pandera.Field(nullable=True)
    title: Series[str] = pandera.Field(str_length={"min_value": 1})
    standfirst: Series[str] = pandera.Field(nullable=True)
    author: Series[str] = pandera.Field(nullable=True)
    published_date: Series[pandas_engine.Date] = pandera.Field(nullable=True)
    url: Series[str] = pandera.Field(nullable=True)
    kind: Series[str] = pandera.Field(isin=list(KINDS))
    language: Series[str] = pandera.Field(str_matches=r"^[a-z]{2}$")
    copyright: Series[str] = pandera.Field(str_length={"min_value": 1})
    source_file: Series[str] = pandera.Field(str_length={"min_value": 1})
    source_sha256: Series[str] = pandera.Field(str_matches=SHA256_PATTERN)
    clean_text: Series[str] = pandera.Field(str_length={"min_value": 1})
    lines_kept_by_correction: Series[object] = pandera.Field(line_numbers_sorted=())

    class Config:
        name = ARTICLES
        strict = True


class SentenceModel(pandera.DataFrameModel):
    """One row per sentence, with its offsets into the article's clean text and its labels."""

    sentence_id: Series[str] = pandera.Field(unique=True)
    article_id: Series[str] = pandera.Field(str_matches=f"^{ARTICLE_ID_PATTERN}$")
    split: Series[str] = pandera.Field(isin=list(SPLITS))
    sentence_index: Series[pandera.Int32] = pandera.Field(ge=0)
    paragraph_index: Series[pandera.Int32] = pandera.Field(ge=0)
    char_start: Series[pandera.Int32] = pandera.Field(ge=0)
    char_end: Series[pandera.Int32] = pandera.Field(ge=1)
    # Non-empty, no surrounding white space, no line break inside.
    text: Series[str] = pandera.Field(str_matches=r"^\S(?:.*\S)?$")
    text_sha256: Series[str] = pandera.Field(str_matches=SHA256_PATTERN)
    stance: Series[str] = _label_field(SENTENCES, STANCE.field)
    stance_holder: Series[str] = _label_field(SENTENCES, STANCE_HOLDER.field)
    issue: Series[str] = _label_field(SENTENCES, ISSUE.field)
    issues: Series[object] = _label_field(SENTENCES, ISSUES.field)
    gold_note: Series[str] = pandera.Field(nullable=True)
    label_source: Series[str] = _label_field(SENTENCES, LABEL_SOURCE.field, nullable=False)
    model_stance: Series[str] = _label_field(SENTENCES, "model_stance")
    model_stance_probability: Series[pandera.Float32] = pandera.Field(nullable=True, ge=0, le=1)
    model_stance_holder: Series[str] = _label_field(SENTENCES, "model_stance_holder")
    model_stance_holder_probability: Series[pandera.Float32] = pandera.Field(
        nullable=True, ge=0, le=1
    )
    model_issue: Series[str] = _label_field(SENTENCES, "model_issue")
    model_issue_probability: Series[pandera.Float32] = pandera.Field(nullable=True, ge=0, le=1)
    fold: Series[pandera.Int32] = pandera.Field(ge=0, lt=FOLDS)

    class Config:
        name = SENTENCES
        strict = True
        start_before_end = {"start": "char_start", "end": "char_end"}
        sentence_id_derived = ()
        sentences_ordered_without_overlap = ()
        text_sha256_matches = ()
        labelled_all_or_none = {"columns": list(LABEL_FIELDS)}
        # The LABEL_ROW_RULES (a test checks that each is here).
        holder_none_exactly_when_stance_none = ()
        issues_hold_primary_issue = ()
        none_issue_alone = ()
        label_source_consistent = ()
        model_labels_consistent = ()


class RemovedLineModel(pandera.DataFrameModel):
    """One row per text the cleaner removed (a whole line or part of one), with its rule."""

    article_id: Series[str] = pandera.Field(str_matches=f"^{ARTICLE_ID_PATTERN}$")
    line_number: Series[pandera.Int32] = pandera.Field(ge=1)
    line: Series[str]
    char_start: Series[pandera.Int32] = pandera.Field(ge=0)
    char_end: Series[pandera.Int32] = pandera.Field(ge=1)
    removed_text: Series[str] = pandera.Field(str_length={"min_value": 1})
    rule: Series[str] = pandera.Field(isin=[rule.name for rule in RULES])
    score: Series[pandera.Float32] = pandera.Field(ge=0, le=1, nullable=True)

    class Config:
        name = REMOVED
        strict = True
        unique = ["article_id", "line_number", "char_start"]
        start_before_end = {"start": "char_start", "end": "char_end"}
        removed_text_in_line = ()
        score_exactly_for_classifier = ()


class AnnotationModel(pandera.DataFrameModel):
    """One row per sentence and annotation pass, in long form."""

    sentence_id: Series[str]
    article_id: Series[str] = pandera.Field(str_matches=f"^{ARTICLE_ID_PATTERN}$")
    pass_name: Series[str] = pandera.Field(alias="pass", str_matches=f"^{ARTICLE_ID_PATTERN}$")
    round: Series[pandera.Int32] = pandera.Field(ge=1)
    annotator: Series[str] = pandera.Field(str_length={"min_value": 1})
    annotator_kind: Series[str] = _label_field(ANNOTATIONS, ANNOTATOR_KIND.field, nullable=False)
    model: Series[str] = pandera.Field(nullable=True)
    codebook_sha256: Series[str] = pandera.Field(str_matches=SHA256_PATTERN)
    stance: Series[str] = _label_field(ANNOTATIONS, STANCE.field, nullable=False)
    stance_holder: Series[str] = _label_field(ANNOTATIONS, STANCE_HOLDER.field, nullable=False)
    issue: Series[str] = _label_field(ANNOTATIONS, ISSUE.field, nullable=False)
    issues: Series[object] = _label_field(ANNOTATIONS, ISSUES.field, nullable=False)
    note: Series[str] = pandera.Field(nullable=True, str_matches=r"^\S(?:[\s\S]*\S)?$")

    class Config:
        name = ANNOTATIONS
        strict = True
        unique = ["sentence_id", "pass"]
        # The LABEL_ROW_RULES (a test checks that each is here).
        holder_none_exactly_when_stance_none = ()
        issues_hold_primary_issue = ()
        none_issue_alone = ()


class ArticleLinkModel(pandera.DataFrameModel):
    """Across tables: every row's article (and an annotation's sentence) exists, in the row's split."""

    table: Series[str]
    row: Series[str]
    file_split: Series[str]
    # The row's own split column where its table has one, else the split of its file.
    row_split: Series[str]
    article_split: Series[str] = pandera.Field(nullable=True)
    sentence_found: Series[bool]

    class Config:
        name = "article links"
        strict = True
        article_found = ()
        split_agrees_with_article = ()
        split_column_agrees_with_file = ()
        annotated_sentence_found = ()


# offsets_match is the comparison made once per sentence against the one copy of its article's
# text (null when the article is missing): a column of the article's text would hold it once per
# sentence, and pandas and pandera copy such a column, up to gigabytes for one long article.
class SentenceSpanModel(pandera.DataFrameModel):
    """Across tables: each sentence is exactly its article's clean_text[char_start:char_end]."""

    sentence_id: Series[str]
    char_start: Series[pandera.Int32]
    char_end: Series[pandera.Int32]
    text: Series[str]
    offsets_match: Series[pd.BooleanDtype] = pandera.Field(nullable=True)

    class Config:
        name = "sentence spans"
        strict = True
        offsets_round_trip = ()


TABLE_MODELS = {
    ARTICLES: ArticleModel,
    SENTENCES: SentenceModel,
    REMOVED: RemovedLineModel,
    ANNOTATIONS: AnnotationModel,
}
ROW_KEYS = {
    ARTICLES: ["article_id"],
    SENTENCES: ["sentence_id"],
    REMOVED: ["article_id", "line_number", "char_start"],
    ANNOTATIONS: ["sentence_id", "pass"],
}


def validate_corpus(corpus: Corpus) -> None:
    """Validate every table and the links between them; raise one report naming every bad row."""
    missing = [
        f"{config}/{split}"
        for config in TABLE_MODELS
        for split in SPLITS
        if split not in corpus.get(config, {})
    ]
    if missing:
        raise ValidationFailed(f"Tables are missing: {', '.join(missing)}.")
    frames = {config: _frame(corpus[config]) for config in TABLE_MODELS}
    problems = []
    for config, model in TABLE_MODELS.items():
        problems += _problems(model, frames[config], config, ROW_KEYS[config])
    try:
        links, spans = _links(frames), _spans(frames)
    except KeyError as error:
        problems.append(f"Cross-table checks were skipped: column {error} is missing (see above).")
    else:
        problems += _problems(ArticleLinkModel, links, "article links", ["table", "row"])
        problems += _problems(SentenceSpanModel, spans, "sentence spans", ["sentence_id"])
    if problems:
        raise ValidationFailed(f"{len(problems)} problem(s) found:\n" + "\n".join(problems))


def schema_documents() -> dict[str, str | bytes]:
    """The files of schemas/: pandera YAML per model, features JSON and Arrow schema per table."""
    # The Arrow schema is an IPC message: `pyarrow.ipc.read_schema` or any Arrow library reads it.
    documents: dict[str, str | bytes] = {}
    for model in (*TABLE_MODELS.values(), ArticleLinkModel, SentenceSpanModel):
        name, yaml_text = model.Config.name, model.to_schema().to_yaml()
        # Every model here sets Config.name, and to_yaml returns the text when given no stream.
        assert name is not None and yaml_text is not None
        documents[f"{name.replace(' ', '_')}.pandera.yaml"] = yaml_text
    for config, features in FEATURES.items():
        documents[f"{config}.features.json"] = json.dumps(features.to_dict(), indent=2) + "\n"
        documents[f"{config}.arrow_schema"] = (
            STORED_FEATURES[config].arrow_schema.serialize().to_pybytes()
        )
    return documents


def _frame(tables_by_split: dict[str, pa.Table]) -> pd.DataFrame:
    frames = []
    for split in SPLITS:
        frame = tables_by_split[split].to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        frame.attrs = {}
        frames.append(frame.assign(_file_split=split))
    return pd.concat(frames, ignore_index=True)


def _links(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    article_split = frames[ARTICLES].drop_duplicates("article_id").set_index("article_id")["split"]
    sentence_ids = set(frames[SENTENCES]["sentence_id"])
    links = []
    for config, frame in frames.items():
        keys = [
            ":".join(map(str, key))
            for key in zip(*(frame[c] for c in ROW_KEYS[config]), strict=True)
        ]
        links.append(
            pd.DataFrame(
                {
                    "table": config,
                    "row": keys,
                    "file_split": frame["_file_split"],
                    "row_split": frame["split"] if "split" in frame else frame["_file_split"],
                    "article_split": frame["article_id"].map(article_split),
                    "sentence_found": frame["sentence_id"].isin(sentence_ids)
                    if config == ANNOTATIONS
                    else True,
                }
            )
        )
    return pd.concat(links, ignore_index=True)


def _spans(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    articles = frames[ARTICLES].drop_duplicates("article_id")
    clean_text = dict(zip(articles["article_id"], articles["clean_text"], strict=True))
    sentences = frames[SENTENCES]
    matches = [
        None if article_id not in clean_text else slice_matches(clean_text[article_id], *span)
        for article_id, *span in zip(
            sentences["article_id"],
            sentences["char_start"],
            sentences["char_end"],
            sentences["text"],
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "sentence_id": sentences["sentence_id"],
            "char_start": sentences["char_start"],
            "char_end": sentences["char_end"],
            "text": sentences["text"],
            "offsets_match": pd.array(matches, dtype=pd.BooleanDtype()),
        }
    )


def _problems(model, frame: pd.DataFrame, table: str, key_columns: list[str]) -> list[str]:
    data = frame.drop(columns=["_file_split"], errors="ignore")
    try:
        model.validate(data, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return _describe(errors.failure_cases, frame, table, key_columns)
    return []


def _describe(
    failures: pd.DataFrame, frame: pd.DataFrame, table: str, key_columns: list[str]
) -> list[str]:
    lines = []
    failures = failures.assign(check=failures["check"].astype(str))
    for group_key, group in failures.groupby(["index", "check"], dropna=False, sort=False):
        # pandas-stubs types group keys as Hashable: index is the failing row's label (NaN when the
        # check failed for the whole table) and check was made str above.
        index, check = cast(tuple[int | float, str], group_key)
        name = check.split("(")[0]
        hint = f" ({HINTS[name]})" if name in HINTS else ""
        if pd.isna(index):
            values = ", ".join(sorted({str(case) for case in group["failure_case"]}))
            lines.append(f"{table}: {check} failed for {values}{hint}")
            continue
        row = frame.loc[int(index)]
        key = ", ".join(f"{column}={row[column]}" for column in key_columns if column in row)
        split = f" in {row['_file_split']}" if "_file_split" in row else ""
        columns = sorted({str(column) for column in group["column"] if isinstance(column, str)})
        if len(columns) > 1:
            columns = SHOWN_COLUMNS.get(name, [])
        shown = ", ".join(f"{column}={_short(row[column])}" for column in columns if column in row)
        lines.append(
            f"{table}{split} ({key}): {name} failed{hint}" + (f"; {shown}" if shown else "")
        )
    return sorted(set(lines))


def _short(value: object) -> str:
    text = repr(value.tolist() if hasattr(value, "tolist") else value)
    return text if len(text) <= 60 else text[:57] + "..."
