"""Inter-annotator agreement between the passes of each annotation round, per label field."""

import itertools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from kjrel_data.label_sets import ISSUE, ISSUES, STANCE, STANCE_HOLDER, LabelSet
from kjrel_data.load import LabelRow, RawCatalog, checks_gold

SINGLE_FIELDS = (STANCE, STANCE_HOLDER, ISSUE)
# The name gold labels go by when a check round's passes are compared with them.
GOLD_PASS = "gold"
LABEL_FIELDS = tuple(label_set.field for label_set in (*SINGLE_FIELDS, ISSUES))


@dataclass(frozen=True)
class FieldAgreement:
    round: int
    first_pass: str
    second_pass: str
    field: str
    sentences: int
    percent_agreement: float
    cohen_kappa: float
    krippendorff_alpha: float
    # Rows: the first pass's label ids; columns: the second pass's. Empty for `issues`.
    confusion: list[list[int]]


def agreement(
    annotations: list[dict], gold: Mapping[str, dict] | None = None
) -> list[FieldAgreement]:
    """Agreement for every pair of passes within a round, on the sentences both labelled.

    annotations are rows of the annotations table (round, pass, sentence_id and the label fields);
    with the gold labels by sentence id, a check round's passes are also compared with them.
    """
    # `issues` is a set per sentence: its percent agreement counts identical sets, and its kappa
    # and alpha are the means over issue labels of the per-label (present or absent) figures.
    rows = annotations + (gold_rows(annotations, gold) if gold is not None else [])
    results = []
    for round_number in sorted({row["round"] for row in rows}):
        by_pass: dict[str, dict[str, dict]] = {}
        for row in rows:
            if row["round"] == round_number:
                by_pass.setdefault(row["pass"], {})[row["sentence_id"]] = row
        # Gold is always the second of its pairs: the check pass is what is measured.
        ordered = sorted(by_pass, key=lambda name: (name == GOLD_PASS, name))
        for first, second in itertools.combinations(ordered, 2):
            shared = sorted(by_pass[first].keys() & by_pass[second].keys())
            pairs = [(by_pass[first][sentence], by_pass[second][sentence]) for sentence in shared]
            for label_set in SINGLE_FIELDS:
                results.append(_single(round_number, first, second, label_set, pairs))
            results.append(_multiple(round_number, first, second, pairs))
    return results


def raw_agreement(catalog: RawCatalog) -> list[FieldAgreement]:
    """agreement of raw/'s passes, and of its check rounds with gold, from its label files alone."""
    # Every label row the build attaches becomes an annotations row or a sentence's gold labels,
    # or the build fails: the label files give the figures the build's tables give, unbuilt.
    annotations = [
        {
            "round": annotation_pass.round,
            "pass": annotation_pass.name,
            "sentence_id": row.sentence_id,
            **_labels_of(row),
        }
        for annotation_pass in catalog.annotation_passes
        for row in annotation_pass.rows
    ]
    return agreement(annotations, {row.sentence_id: _labels_of(row) for row in catalog.gold_labels})


def gold_rows(annotation_rows: list[dict], gold: Mapping[str, dict]) -> list[dict]:
    """The gold labels of the sentences each check round annotated, as a pass named gold of that round."""
    checked: dict[int, set[str]] = {}
    for row in annotation_rows:
        if checks_gold(row["pass"]):
            checked.setdefault(row["round"], set()).add(row["sentence_id"])
    return [
        {
            "round": round_number,
            "pass": GOLD_PASS,
            "sentence_id": sentence_id,
            **{name: gold[sentence_id][name] for name in LABEL_FIELDS},
        }
        for round_number, sentence_ids in sorted(checked.items())
        for sentence_id in sorted(sentence_ids & gold.keys())
    ]


def _labels_of(row: LabelRow) -> dict:
    return {name: getattr(row, name) for name in LABEL_FIELDS}


def _single(
    round_number: int, first: str, second: str, label_set: LabelSet, pairs
) -> FieldAgreement:
    # Scored on label ids (positions in the label set): Krippendorff's alpha takes numbers, and
    # the confusion table's rows and columns follow the set's order.
    a = [label_set.id_of(left[label_set.field]) for left, _ in pairs]
    b = [label_set.id_of(right[label_set.field]) for _, right in pairs]
    labels = list(range(len(label_set.names)))
    return FieldAgreement(
        round=round_number,
        first_pass=first,
        second_pass=second,
        field=label_set.field,
        sentences=len(pairs),
        percent_agreement=_percent(a, b),
        cohen_kappa=_kappa(a, b),
        krippendorff_alpha=_alpha(a, b),
        confusion=confusion_matrix(a, b, labels=labels).tolist() if pairs else [],
    )


def _multiple(round_number: int, first: str, second: str, pairs) -> FieldAgreement:
    sets = [
        (
            {ISSUES.id_of(name) for name in left[ISSUES.field]},
            {ISSUES.id_of(name) for name in right[ISSUES.field]},
        )
        for left, right in pairs
    ]
    used = sorted(set().union(*(a | b for a, b in sets))) if sets else []
    kappas, alphas = [], []
    for label in used:
        a = [int(label in left) for left, _ in sets]
        b = [int(label in right) for _, right in sets]
        kappas.append(_kappa(a, b))
        alphas.append(_alpha(a, b))
    return FieldAgreement(
        round=round_number,
        first_pass=first,
        second_pass=second,
        field=ISSUES.field,
        sentences=len(pairs),
        percent_agreement=_percent([sorted(a) for a, _ in sets], [sorted(b) for _, b in sets]),
        cohen_kappa=_mean(kappas),
        krippendorff_alpha=_mean(alphas),
        confusion=[],
    )


def _percent(a: list, b: list) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else math.nan


def _kappa(a: list[int], b: list[int]) -> float:
    if not a or len(set(a) | set(b)) < 2:
        return math.nan
    return float(cohen_kappa_score(a, b))


def _alpha(a: list[int], b: list[int]) -> float:
    if not a or len(set(a) | set(b)) < 2:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(
            krippendorff.alpha(reliability_data=np.array([a, b]), level_of_measurement="nominal")
        )


def _mean(values: list[float]) -> float:
    defined = [value for value in values if not math.isnan(value)]
    return sum(defined) / len(defined) if defined else math.nan


def agreement_table(results: list[FieldAgreement]) -> str:
    """The figures as a Markdown table (the card and `kjrel agreement` print the same)."""
    lines = [
        "| round | passes | field | sentences | agreement | Cohen's κ | Krippendorff's α |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {result.round} | {result.first_pass} / {result.second_pass} | `{result.field}` | "
        f"{result.sentences} | {_format(result.percent_agreement, percent=True)} | "
        f"{_format(result.cohen_kappa)} | {_format(result.krippendorff_alpha)} |"
        for result in results
    ]
    return "\n".join(lines)


def confusion_tables(results: list[FieldAgreement]) -> str:
    """Each single-label field's confusion table, first pass in rows, second in columns."""
    label_sets = {label_set.field: label_set for label_set in SINGLE_FIELDS}
    blocks = []
    for result in results:
        if not result.confusion:
            continue
        names = label_sets[result.field].names
        used = [
            i
            for i in range(len(names))
            if any(result.confusion[i]) or any(row[i] for row in result.confusion)
        ]
        header = (
            f"| {result.first_pass} ↓ / {result.second_pass} → | "
            + " | ".join(names[i] for i in used)
            + " |"
        )
        rows = [
            f"| {names[i]} | " + " | ".join(str(result.confusion[i][j]) for j in used) + " |"
            for i in used
        ]
        blocks.append(
            f"Round {result.round}, `{result.field}`:\n\n{header}\n|"
            + "---|" * (len(used) + 1)
            + "\n"
            + "\n".join(rows)
        )
    return "\n\n".join(blocks)


def _format(value: float, percent: bool = False) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.1%}" if percent else f"{value:.3f}"
