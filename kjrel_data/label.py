"""Stage 4, label: attach gold labels and annotation passes, refusing stale rows; model labels the rest."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from kjrel_data.errors import InputError
from kjrel_data.label_sets import LABEL_FIELDS, MODEL_BLIND_SOURCES, text_sha256
from kjrel_data.load import AnnotationPass, LabelRow, checks_gold
from kjrel_data.model_labeller import (
    FIELDS,
    GoldExample,
    Labeller,
    Prediction,
    publishable,
    train_labeller,
)
from kjrel_data.sentence_split import Sentence, article_id_of


@dataclass(frozen=True)
class ModelLabel:
    """One field's published model label and its calibrated probability of being right."""

    name: str
    probability: float


@dataclass(frozen=True)
class LabelledSentence:
    """A sentence, its annotation labels (if any), its published model labels, and their source."""

    sentence: Sentence
    source: str
    stance: str | None = None
    stance_holder: str | None = None
    issue: str | None = None
    issues: tuple[str, ...] | None = None
    note: str | None = None
    # Field -> the model's published label; absent where below threshold or annotated.
    model: dict[str, ModelLabel] = field(default_factory=dict)


@dataclass(frozen=True)
class Annotation:
    """One pass's labels for one sentence, as the annotator made them."""

    sentence_id: str
    article_id: str
    pass_name: str
    round: int
    annotator: str
    annotator_kind: str
    model: str | None
    codebook_sha256: str
    stance: str
    stance_holder: str
    issue: str
    issues: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class LabelledCorpus:
    sentences: list[LabelledSentence]
    annotations: list[Annotation]


def check_label_rows(
    gold_labels: list[LabelRow], passes: list[AnnotationPass], article_ids: frozenset[str]
) -> None:
    """Refuse, listing every row, label rows whose article is not in the build."""
    # Checked once over all rows before any article is read; rows of a built article are checked
    # against its sentences batch by batch (attach_labels).
    problems = [
        _no_sentence(row)
        for rows in (gold_labels, *(annotation_pass.rows for annotation_pass in passes))
        for row in rows
        if article_id_of(row.sentence_id) not in article_ids
    ]
    if problems:
        raise InputError(_STALE_HEADER + "\n".join(problems) + _STALE_ADVICE)


def gold_examples(
    sentences: list[Sentence], gold_labels: list[LabelRow], training_articles: frozenset[str]
) -> list[GoldExample]:
    """The labeller's training data: training articles' sentences annotated blind to the model."""
    gold = {row.sentence_id: row for row in gold_labels if row.source in MODEL_BLIND_SOURCES}
    return [
        GoldExample(
            article_id=sentence.article_id,
            text=sentence.text,
            stance=gold[sentence.sentence_id].stance,
            stance_holder=gold[sentence.sentence_id].stance_holder,
            issue=gold[sentence.sentence_id].issue,
        )
        for sentence in sentences
        if sentence.sentence_id in gold and sentence.article_id in training_articles
    ]


def attach_labels(
    sentences: list[Sentence],
    gold_labels: list[LabelRow],
    passes: list[AnnotationPass],
    examples: Sequence[GoldExample],
) -> LabelledCorpus:
    """Sentences with gold labels, or the labeller's (trained on examples) where gold has none."""
    # Fails, listing every offending row of these sentences' articles (a build checks a batch at a
    # time), when a label row is stale or names no sentence, or when a
    # gold row departs from its passes (they disagree, or it differs from what they agree on)
    # without a reason in its note.
    by_id = {sentence.sentence_id: sentence for sentence in sentences}
    problems = [
        problem
        for rows in (gold_labels, *(annotation_pass.rows for annotation_pass in passes))
        for row in rows
        if (problem := _stale(row, by_id)) is not None
    ]
    if problems:
        raise InputError(_STALE_HEADER + "\n".join(problems) + _STALE_ADVICE)
    gold = {row.sentence_id: row for row in gold_labels}
    problems = _unadjudicated(passes, gold)
    if problems:
        raise InputError(
            "These gold rows say label_source adjudicated, but fewer than two annotation passes "
            "labelled the sentence; set label_source to single_blind or single_model_shown, or add "
            "the passes to raw/annotations/:\n" + "\n".join(problems)
        )
    problems = _unexplained_disagreements(passes, gold)
    if problems:
        raise InputError(
            "These gold labels need a reason in their note column: the latest annotation round "
            "disagrees on the sentence, or gold differs from what its passes agree on:\n"
            + "\n".join(problems)
        )
    annotations = [
        Annotation(
            sentence_id=row.sentence_id,
            article_id=by_id[row.sentence_id].article_id,
            pass_name=annotation_pass.name,
            round=annotation_pass.round,
            annotator=annotation_pass.annotator,
            annotator_kind=annotation_pass.annotator_kind,
            model=annotation_pass.model,
            codebook_sha256=annotation_pass.codebook_sha256,
            stance=row.stance,
            stance_holder=row.stance_holder,
            issue=row.issue,
            issues=row.issues,
            note=row.note,
        )
        for annotation_pass in passes
        for row in annotation_pass.rows
    ]
    unlabelled = [sentence for sentence in sentences if sentence.sentence_id not in gold]
    # The labeller learns from the train split's gold only, so no validation or test label shapes
    # the model labels. With no such gold there is nothing to learn from: sentences stay unlabelled.
    predictions = (
        dict(
            zip(
                unlabelled,
                _trained(tuple(examples))([s.text for s in unlabelled]),
                strict=True,
            )
        )
        if examples and unlabelled
        else {}
    )
    labelled = [
        _gold_labelled(sentence, gold[sentence.sentence_id])
        if sentence.sentence_id in gold
        else _model_labelled(sentence, predictions.get(sentence))
        for sentence in sentences
    ]
    return LabelledCorpus(sentences=labelled, annotations=annotations)


_STALE_HEADER = "Label rows no longer match the sentences, so they were not attached:\n"
_STALE_ADVICE = (
    "\nRe-check these rows against the new sentence text, then update their sentence_id and "
    "text_sha256 (the sentences table carries both)."
)


# Each batch of a build labels with the same examples; a worker process trains once, not per batch.
@functools.lru_cache(maxsize=1)
def _trained(examples: tuple[GoldExample, ...]) -> Labeller:
    return train_labeller(examples)


def _gold_labelled(sentence: Sentence, row: LabelRow) -> LabelledSentence:
    assert row.source is not None, "gold rows are read with their label_source"
    return LabelledSentence(
        sentence,
        row.source,
        **{name: getattr(row, name) for name in LABEL_FIELDS},
        note=row.note,
    )


def _model_labelled(sentence: Sentence, prediction: Prediction | None) -> LabelledSentence:
    published = (
        {
            name: ModelLabel(getattr(prediction, name), prediction.probability(name))
            for name in FIELDS
            if publishable(prediction, name)
        }
        if prediction is not None
        else {}
    )
    return LabelledSentence(sentence, "model" if published else "unlabelled", model=published)


def _unadjudicated(passes: list[AnnotationPass], gold: dict[str, LabelRow]) -> list[str]:
    passes_of: dict[str, int] = {}
    # A check round re-labels gold after the fact: it cannot be what the gold was adjudicated from.
    for annotation_pass in passes:
        if checks_gold(annotation_pass.name):
            continue
        for row in annotation_pass.rows:
            passes_of[row.sentence_id] = passes_of.get(row.sentence_id, 0) + 1
    return [
        f"{row.file}: row {row.row_number}: {sentence_id}"
        for sentence_id, row in sorted(gold.items())
        if row.source == "adjudicated" and passes_of.get(sentence_id, 0) < 2
    ]


def _stale(row: LabelRow, by_id: dict[str, Sentence]) -> str | None:
    sentence = by_id.get(row.sentence_id)
    if sentence is None:
        return _no_sentence(row)
    if text_sha256(sentence.text) != row.text_sha256:
        return (
            f"{row.file}: row {row.row_number}: {row.sentence_id} is stale: the sentence text changed "
            f"since it was labelled. It now reads: {sentence.text!r}"
        )
    return None


def _no_sentence(row: LabelRow) -> str:
    return (
        f"{row.file}: row {row.row_number}: sentence_id {row.sentence_id!r} is not a sentence of "
        "the current build (its article was removed, or cleaning or splitting changed)."
    )


def _unexplained_disagreements(
    passes: list[AnnotationPass], gold: dict[str, LabelRow]
) -> list[str]:
    latest: dict[str, list[LabelRow]] = {}
    latest_round: dict[str, int] = {}
    for annotation_pass in passes:
        if checks_gold(annotation_pass.name):
            continue
        for row in annotation_pass.rows:
            if annotation_pass.round > latest_round.get(row.sentence_id, -1):
                latest_round[row.sentence_id] = annotation_pass.round
                latest[row.sentence_id] = []
            if annotation_pass.round == latest_round[row.sentence_id]:
                latest[row.sentence_id].append(row)
    problems = []
    for sentence_id, rows in sorted(latest.items()):
        gold_row = gold.get(sentence_id)
        if gold_row is None or gold_row.note:
            continue
        pass_labels = {_labels_of(row) for row in rows}
        if len(pass_labels) > 1 or pass_labels != {_labels_of(gold_row)}:
            problems.append(f"{gold_row.file}: row {gold_row.row_number}: {sentence_id}")
    return problems


def _labels_of(row: LabelRow) -> tuple:
    return tuple(getattr(row, field) for field in LABEL_FIELDS)
