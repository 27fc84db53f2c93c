"""Stage 4, label: attach the human labels in raw/ to sentences, refusing stale or unknown rows."""

import hashlib
from dataclasses import dataclass

from kjrel_data.errors import InputError
from kjrel_data.load import LABELS_FILE, HumanLabel
from kjrel_data.split import Sentence


@dataclass(frozen=True)
class LabelledSentence:
    sentence: Sentence
    stance: str | None = None
    stance_holder: str | None = None
    issue: str | None = None
    issues: tuple[str, ...] | None = None


def text_sha256(text: str) -> str:
    """The hex sha256 of a text's UTF-8 bytes: the key that ties a label row to its sentence text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def attach_labels(
    sentences: list[Sentence], human_labels: list[HumanLabel]
) -> list[LabelledSentence]:
    """Sentences with their human labels (nulls where none); fails listing every stale label row."""
    by_id = {sentence.sentence_id: sentence for sentence in sentences}
    problems = []
    for label in human_labels:
        sentence = by_id.get(label.sentence_id)
        if sentence is None:
            problems.append(
                f"raw/{LABELS_FILE}: row {label.row_number}: sentence_id {label.sentence_id!r} is not a "
                "sentence of the current build (its article was removed, or cleaning or splitting changed)."
            )
        elif text_sha256(sentence.text) != label.text_sha256:
            problems.append(
                f"raw/{LABELS_FILE}: row {label.row_number}: {label.sentence_id} is stale: the sentence "
                f"text changed since it was labelled. It now reads: {sentence.text!r}"
            )
    if problems:
        raise InputError(
            "Label rows no longer match the sentences, so they were not attached:\n"
            + "\n".join(problems)
            + "\nRe-check these rows against the new sentence text, then update their sentence_id and "
            "text_sha256 (the sentences table carries both)."
        )
    labels = {label.sentence_id: label for label in human_labels}
    return [
        LabelledSentence(sentence)
        if sentence.sentence_id not in labels
        else LabelledSentence(
            sentence,
            stance=labels[sentence.sentence_id].stance,
            stance_holder=labels[sentence.sentence_id].stance_holder,
            issue=labels[sentence.sentence_id].issue,
            issues=labels[sentence.sentence_id].issues,
        )
        for sentence in sentences
    ]
