"""Importing a Label Studio export into raw/labels.csv: every row checked, all merged or none."""

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from kjrel_data.build import prepare
from kjrel_data.errors import InputError, shown
from kjrel_data.files import read_file
from kjrel_data.labels import ISSUE, ISSUES
from kjrel_data.limits import MAX_EXPORT_BYTES
from kjrel_data.load import GOLD_COLUMNS, ISSUES_SEPARATOR, LABELS_FILE, LabelRow, read_label_file
from kjrel_data.raw_files import appended_rows, cell_problem, raw_lock, write_raw_files
from kjrel_data.tables import SENTENCES
from kjrel_data.tasks import CHOICE_SETS, NOTE_CONTROL, OTHER_ISSUES_CONTROL

CONTROLS = frozenset(
    {*(label_set.field for label_set in CHOICE_SETS), OTHER_ISSUES_CONTROL, NOTE_CONTROL}
)


@dataclass(frozen=True)
class ImportedLabels:
    labels_file: Path
    added: list[str]
    already_gold: int
    unannotated: int


@dataclass(frozen=True)
class _Labels:
    """One annotation's labels, with who made them and their note."""

    stance: str
    stance_holder: str
    issue: str
    issues: tuple[str, ...]
    note: str
    annotator: str


def import_annotations(raw_dir: Path, export_file: Path) -> ImportedLabels:
    """Merge the annotations of a Label Studio JSON export into raw_dir's gold labels, or change nothing."""
    raw_dir, export_file = Path(raw_dir), Path(export_file)
    tasks = _read_export(export_file)
    # The lock is held from reading raw/ to writing it: labels another command adds meanwhile are
    # not overwritten by rows computed from the file before them.
    with raw_lock(raw_dir):
        return _import_tasks(raw_dir, export_file, tasks)


def _import_tasks(raw_dir: Path, export_file: Path, tasks: list) -> ImportedLabels:
    sentences = pa.concat_tables(prepare(raw_dir)[SENTENCES].values())
    current = dict(
        zip(sentences["sentence_id"].to_pylist(), sentences["text_sha256"].to_pylist(), strict=True)
    )
    labels_file = raw_dir / LABELS_FILE
    gold = {row.sentence_id: row for row in read_label_file(labels_file, gold=True)}
    new_labels: dict[str, _Labels] = {}
    new_rows: dict[str, dict[str, str]] = {}
    first_task: dict[str, str] = {}
    problems: list[str] = []
    already_gold = unannotated = 0
    for position, task in enumerate(tasks, start=1):
        where = f"{shown(export_file.name)}: task {_task_name(task, position)}"
        sentence_id, labels, task_problems = _task_labels(task, current)
        if sentence_id:
            where += f" ({sentence_id!r})"
        if task_problems:
            problems += [f"{where}: {problem}" for problem in task_problems]
            continue
        if labels is None:
            unannotated += 1
            continue
        known = gold.get(sentence_id)
        if known is not None:
            if _key(known) == _key(labels):
                already_gold += 1
            else:
                problems.append(
                    f"{where}: conflicts with the gold labels in {shown(labels_file)} row {known.row_number} "
                    f"({_describe(known)}; here {_describe(labels)}). Gold is changed by editing "
                    f"{shown(labels_file)} with a reason in its note, not by import."
                )
            continue
        if sentence_id in new_labels:
            if _key(new_labels[sentence_id]) != _key(labels):
                problems.append(
                    f"{where}: conflicts with task {first_task[sentence_id]} of this export, which "
                    f"labels the same sentence differently ({_describe(new_labels[sentence_id])}; "
                    f"here {_describe(labels)}). Keep one in Label Studio and export again."
                )
            continue
        new_labels[sentence_id] = labels
        first_task[sentence_id] = _task_name(task, position)
        row = _label_row(
            sentence_id,
            current[sentence_id],
            labels,
            f"Label Studio: annotated by user {labels.annotator}"
            + (", shown the model's labels" if task.get("predictions") else "")
            + f" ({export_file.name}, task {first_task[sentence_id]})",
        )
        row_problems = [
            f"{where}: {problem}; shorten or correct it in Label Studio and export again."
            for column in GOLD_COLUMNS
            if (problem := cell_problem(column, row[column]))
        ]
        if row_problems:
            problems += row_problems
            continue
        new_rows[sentence_id] = row
    if problems:
        raise InputError(
            f"{len(problems)} problem(s) in {shown(export_file)}; nothing was imported and {shown(labels_file)} is "
            "unchanged:\n" + "\n".join(problems)
        )
    added = sorted(new_rows)
    if added:
        content = appended_rows(labels_file, GOLD_COLUMNS, [new_rows[key] for key in added])
        write_raw_files(raw_dir, [(labels_file, content)])
    return ImportedLabels(labels_file, added, already_gold, unannotated)


def _read_export(export_file: Path) -> list:
    # Parsed whole, so its size is checked first: JSON takes several times its bytes in memory.
    data = read_file(export_file, MAX_EXPORT_BYTES, "a Label Studio export")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{shown(export_file)}: not UTF-8 text; is it a Label Studio JSON export?"
        ) from None
    try:
        tasks = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as error:
        raise InputError(
            f"{shown(export_file)}: the key {error.args[0]!r} appears twice in one object; Label "
            "Studio writes each key once, and kjrel will not guess which to keep. Export again."
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{shown(export_file)}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except ValueError:
        # Python refuses to read a number of more than 4,300 digits: no id or label is one.
        raise InputError(
            f"{shown(export_file)}: holds a number of more than {sys.get_int_max_str_digits():,} "
            "digits, too long to read; a Label Studio export has none. Export the project again."
        ) from None
    except RecursionError:
        raise InputError(
            f"{shown(export_file)}: JSON nested too deeply to read; a Label Studio export is a few levels "
            "deep. Export the project again."
        ) from None
    if not isinstance(tasks, list):
        raise InputError(
            f"{shown(export_file)}: expected a list of tasks. Export from Label Studio with the 'JSON' "
            "format (not JSON-MIN, CSV or the raw project file)."
        )
    return tasks


class _DuplicateKey(ValueError):
    """A key twice in one JSON object."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; _DuplicateKey when a key repeats (json would keep the last)."""
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _task_name(task: object, position: int) -> str:
    if isinstance(task, Mapping) and _is_id(task.get("id")):
        return _shown_id(task["id"])
    return f"#{position}"


def _shown_id(value: int | str) -> str:
    """A Label Studio id for a message: a number as it is, a string quoted and escaped."""
    return str(value) if isinstance(value, int) else repr(value)


def _task_labels(
    task: object, current: dict[str, str]
) -> tuple[str | None, _Labels | None, list[str]]:
    """The task's sentence id, its agreed labels (None when nobody annotated it) and its problems."""
    data = task.get("data") if isinstance(task, Mapping) else None
    sentence_id = data.get("sentence_id") if isinstance(data, Mapping) else None
    if not isinstance(sentence_id, str):
        return None, None, ["has no data.sentence_id: it was not written by `kjrel export-tasks`."]
    if sentence_id not in current:
        return (
            sentence_id,
            None,
            [
                "names no sentence of the current build of raw/ (its article was removed, or cleaning "
                "or splitting changed). Export the tasks again."
            ],
        )
    if data.get("text_sha256") != current[sentence_id]:
        return (
            sentence_id,
            None,
            [
                "is stale: the sentence text changed since the tasks were exported. Export the tasks "
                "again and redo this one."
            ],
        )
    # Only a missing key means no annotation: {}, "" or false is not what Label Studio writes.
    annotations = task.get("annotations", [])
    if not isinstance(annotations, list):
        return sentence_id, None, [f"annotations is {_shape(annotations)}, not a list."]
    predictions = task.get("predictions", [])
    problems = (
        []
        if isinstance(predictions, list)
        else [f"predictions is {_shape(predictions)}, not a list."]
    )
    for position, annotation in enumerate(annotations, start=1):
        if not isinstance(annotation, Mapping):
            problems.append(f"annotation #{position} is {_shape(annotation)}, not an object.")
            continue
        # A flag read by truth would take the string "false" as true: only true or false is.
        problems += [
            f"{_annotation_name(annotation)}: {flag} is {_shape(annotation[flag])}, not true or false."
            for flag in ("was_cancelled", "ground_truth")
            if flag in annotation and not isinstance(annotation[flag], bool)
        ]
    if problems:
        return sentence_id, None, problems
    kept = [a for a in annotations if not a.get("was_cancelled")]
    # An annotation marked ground truth settles the task; otherwise every annotation must agree.
    kept = [a for a in kept if a.get("ground_truth")] or kept
    if not kept:
        return sentence_id, None, []
    parsed = [_annotation_labels(annotation) for annotation in kept]
    problems = [problem for _, annotation_problems in parsed for problem in annotation_problems]
    if problems:
        return sentence_id, None, problems
    if len({_key(labels) for labels, _ in parsed}) > 1:
        return (
            sentence_id,
            None,
            [
                f"its {len(kept)} annotations disagree ("
                + "; ".join(_describe(labels) for labels, _ in parsed)
                + "). Settle it in Label Studio (delete one, or mark one as ground truth) and export again."
            ],
        )
    return sentence_id, parsed[0][0], []


def _annotation_name(annotation: Mapping) -> str:
    annotation_id = annotation.get("id")
    return f"annotation {_shown_id(annotation_id) if _is_id(annotation_id) else '?'}"


def _is_id(value: object) -> bool:
    """Whether value is a Label Studio id: a number or a string, never true or false."""
    return isinstance(value, int | str) and not isinstance(value, bool)


def _annotation_labels(annotation: Mapping) -> tuple[_Labels | None, list[str]]:
    who = _annotation_name(annotation)
    results = annotation.get("result")
    if not isinstance(results, list):
        return None, [f"{who}: result is not a list."]
    chosen: dict[str, list[str]] = {}
    note = ""
    answered: set[str] = set()
    problems = []
    for result in results:
        control = result.get("from_name") if isinstance(result, Mapping) else None
        value = result.get("value") if isinstance(result, Mapping) else None
        if (
            not isinstance(control, str)
            or control not in CONTROLS
            or not isinstance(value, Mapping)
        ):
            shown = repr(control) if isinstance(control, str) else "no control name"
            problems.append(
                f"{who}: a result for {shown}, which is not a control of kjrel's labelling "
                "config. Set the project up with the label_config.xml `kjrel export-tasks` wrote."
            )
            continue
        if control in answered:
            problems.append(
                f"{who}: two results for {control!r}; Label Studio sends one. Keep one and "
                "export again."
            )
            continue
        answered.add(control)
        key = "text" if control == NOTE_CONTROL else "choices"
        items = value.get(key)
        if items is None:
            items = []
        # A string would be taken letter by letter, a number turned into text: both are refused.
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            problems.append(
                f"{who}: {control} {key} must be a list of strings, as Label Studio sends it "
                f"(here {_shape(items)})."
            )
        elif control == NOTE_CONTROL:
            note = " ".join(text.strip() for text in items if text.strip())
        else:
            chosen[control] = items
    if problems:
        # Counting choices among results already refused would only repeat them.
        return None, problems
    for label_set in CHOICE_SETS:
        values = chosen.get(label_set.field, [])
        if len(values) != 1:
            problems.append(f"{who}: choose exactly one {label_set.field} (found {len(values)}).")
        elif values[0] not in label_set.names:
            problems.append(
                f"{who}: {label_set.field} {values[0]!r} is not a label; use one of "
                f"{', '.join(label_set.names)}."
            )
    other_issues = chosen.get(OTHER_ISSUES_CONTROL, [])
    problems += [
        f"{who}: other issue {name!r} is not an issue label; use any of "
        f"{', '.join(name for name in ISSUE.names if name != 'none')}."
        for name in other_issues
        if name not in ISSUE.names or name == "none"
    ]
    if problems:
        return None, problems
    stance, holder, issue = (chosen[label_set.field][0] for label_set in CHOICE_SETS)
    if (stance == "none") != (holder == "none"):
        problems.append(
            f"{who}: stance_holder must be 'none' exactly when stance is 'none' (here stance "
            f"{stance!r}, stance_holder {holder!r})."
        )
    if issue == "none" and other_issues:
        problems.append(f"{who}: issue 'none' with other issues; 'none' stands alone.")
    issues = tuple(sorted({issue, *other_issues}, key=ISSUES.id_of))
    # Label Studio writes the user's number, or an object with their email or number; anything
    # else (true would be stored as the annotator "True") is refused.
    annotator = annotation.get("completed_by")
    if isinstance(annotator, Mapping):
        annotator = annotator.get("email") or annotator.get("id")
        usable = isinstance(annotator, str) or _is_id(annotator)
    else:
        usable = annotator is None or (isinstance(annotator, int) and _is_id(annotator))
    if annotator is None:
        annotator = "unknown"
    if not usable:
        problems.append(
            f"{who}: completed_by is {_shape(annotator)}, not a user's number or an object with "
            "their email or id."
        )
    else:
        problems += [
            f"{who}: {problem}."
            for column, text in (("annotator", str(annotator).strip()), ("note", note))
            if (problem := cell_problem(column, text))
        ]
    return (
        None if problems else _Labels(stance, holder, issue, issues, note, str(annotator).strip())
    ), problems


def _shape(value: object) -> str:
    """What kind of JSON value this is, for a message: never the value itself."""
    if isinstance(value, list):
        return "a list with non-string items"
    return {str: "a string", bool: "true or false", dict: "an object"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def _label_row(sentence_id: str, sha256: str, labels: _Labels, provenance: str) -> dict[str, str]:
    return {
        "sentence_id": sentence_id,
        "text_sha256": sha256,
        "stance": labels.stance,
        "stance_holder": labels.stance_holder,
        "issue": labels.issue,
        "issues": ISSUES_SEPARATOR.join(labels.issues),
        # Exported tasks may carry the model's labels as predictions: assume the annotator saw them.
        "label_source": "single_model_shown",
        "note": f"{provenance}: {labels.note}" if labels.note else provenance,
    }


def _key(labels: LabelRow | _Labels) -> tuple:
    return (labels.stance, labels.stance_holder, labels.issue, labels.issues)


def _describe(labels: LabelRow | _Labels) -> str:
    return (
        f"stance {labels.stance}, stance_holder {labels.stance_holder}, issue {labels.issue}, "
        f"issues {ISSUES_SEPARATOR.join(labels.issues)}"
    )
