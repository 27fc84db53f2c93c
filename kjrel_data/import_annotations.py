"""Importing a Label Studio export into raw/: labels, annotation passes and line drops, all or none."""

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

import pyarrow as pa
import pyarrow.compute as compute

from kjrel_data.build import built_batches
from kjrel_data.errors import InputError, shown
from kjrel_data.files import read_file
from kjrel_data.label_sets import ISSUE, ISSUES, ISSUES_SEPARATOR, NONE, label_row_problems
from kjrel_data.limits import MAX_CODEBOOK_BYTES, MAX_EXPORT_BYTES
from kjrel_data.line_corrections import (
    corrections_file_bytes,
    lines_holding,
    planned_correction,
)
from kjrel_data.load import (
    CORRECTIONS_FILE,
    DROP,
    GOLD_CHECK_MARK,
    GOLD_COLUMNS,
    LABEL_COLUMNS,
    LABELS_FILE,
    PASS_COLUMNS,
    PASSES_FILE,
    LabelRow,
    RawCatalog,
    load_catalog,
    read_article,
)
from kjrel_data.names import SENTENCES
from kjrel_data.raw_files import (
    appended_rows,
    cell_problem,
    csv_file_bytes,
    raw_lock,
    write_raw_files,
)
from kjrel_data.tasks import (
    CHECK,
    CHOICE_SETS,
    NOT_ARTICLE_TEXT,
    NOT_ARTICLE_TEXT_CONTROL,
    NOTE_CONTROL,
    OTHER_ISSUES_CONTROL,
    ROUND_KINDS,
    SINGLE,
)

CONTROLS = frozenset(
    {
        *(label_set.field for label_set in CHOICE_SETS),
        OTHER_ISSUES_CONTROL,
        NOTE_CONTROL,
        NOT_ARTICLE_TEXT_CONTROL,
    }
)
CODEBOOK_FILE = "CODEBOOK.md"
SINGLE_BLIND = "single_blind"
SINGLE_MODEL_SHOWN = "single_model_shown"
# What the import reads of a sentence the export names: enough to check a task and drop its line.
NAMED_SENTENCE_COLUMNS = ["sentence_id", "article_id", "sentence_index", "text", "text_sha256"]


@dataclass(frozen=True)
class ImportedLabels:
    labels_file: Path
    added: list[str]
    already_gold: int
    unannotated: int
    # Annotation passes written (overlap and check rounds), with their round and rows.
    passes: list[str] = field(default_factory=list)
    round: int | None = None
    pass_rows: int = 0
    already_in_passes: int = 0
    # Gold sentences a check round labels differently: `kjrel agreement` gives the figures.
    gold_disagreements: list[str] = field(default_factory=list)
    # Raw lines dropped for sentences marked not article text, and those that could not be.
    dropped_lines: list[str] = field(default_factory=list)
    skipped_drops: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Labels:
    """One annotation's labels (or its mark of not article text), with who made them and their note."""

    stance: str
    stance_holder: str
    issue: str
    issues: tuple[str, ...]
    note: str
    annotator: str
    # Label Studio's number for the annotator, which names their pass; None where the export has none.
    user: int | None = None
    not_article_text: bool = False


@dataclass(frozen=True)
class _Task:
    """A checked task: its round, whether it showed the model's labels, and its kept annotations."""

    kind: str
    model_labels_shown: bool
    annotations: list[_Labels]
    # For a single-annotator round, the labels its annotations settle on; None for an overlap or
    # check round, whose annotations are compared as passes, never settled.
    settled: _Labels | None


def import_annotations(
    raw_dir: Path, export_file: Path, codebook_file: Path | None = None
) -> ImportedLabels:
    """Merge a Label Studio JSON export into raw_dir (labels, passes, line drops), or change nothing."""
    raw_dir, export_file = Path(raw_dir), Path(export_file)
    codebook_file = Path(codebook_file) if codebook_file else raw_dir.parent / CODEBOOK_FILE
    tasks = _read_export(export_file)
    # The lock is held from reading raw/ to writing it: labels another command adds meanwhile are
    # not overwritten by rows computed from the file before them.
    with raw_lock(raw_dir):
        return _import_tasks(raw_dir, export_file, codebook_file, tasks)


def _import_tasks(
    raw_dir: Path, export_file: Path, codebook_file: Path, tasks: list
) -> ImportedLabels:
    catalog = load_catalog(raw_dir)
    sentences = _named_sentences(
        catalog, frozenset(filter(None, (_sentence_id(task) for task in tasks)))
    )
    current = {sentence_id: row["text_sha256"] for sentence_id, row in sentences.items()}
    labels_file = raw_dir / LABELS_FILE
    gold = {row.sentence_id: row for row in catalog.gold_labels}
    new_labels: dict[str, _Labels] = {}
    new_rows: dict[str, dict[str, str]] = {}
    first_task: dict[str, str] = {}
    # Overlap and check rounds: (gold check?, user) -> sentence_id -> labels, and where each came from.
    pass_labels: dict[tuple[bool, int], dict[str, _Labels]] = {}
    pass_task: dict[tuple[bool, int, str], str] = {}
    drops: dict[str, str] = {}
    problems: list[str] = []
    already_gold = unannotated = 0
    for position, task in enumerate(tasks, start=1):
        name = _task_name(task, position)
        where = f"{shown(export_file.name)}: task {name}"
        sentence_id, checked, task_problems = _checked_task(task, current)
        if sentence_id:
            where += f" ({sentence_id!r})"
        # A task without a sentence id always has the problem saying so.
        if task_problems or sentence_id is None:
            problems += [f"{where}: {problem}" for problem in task_problems]
            continue
        if checked is None:
            unannotated += 1
            continue
        if all(labels.not_article_text for labels in checked.annotations):
            drops.setdefault(sentence_id, where)
            continue
        labels = checked.settled
        if labels is None:
            problems += _add_pass_labels(pass_labels, pass_task, checked, sentence_id, name, where)
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
        first_task[sentence_id] = name
        shown_model = checked.model_labels_shown
        row = _label_row(
            sentence_id,
            current[sentence_id],
            labels,
            SINGLE_MODEL_SHOWN if shown_model else SINGLE_BLIND,
            f"Label Studio: annotated by user {labels.annotator}"
            + (", shown the model's labels" if shown_model else ", blind to the model's labels")
            + f" ({export_file.name}, task {name})",
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
    files: list[tuple[Path, bytes]] = []
    added = sorted(new_rows)
    if added:
        content = appended_rows(labels_file, GOLD_COLUMNS, [new_rows[key] for key in added])
        files.append((labels_file, content))
    written_passes = _pass_files(raw_dir, catalog, current, pass_labels, codebook_file)
    files += written_passes.files
    # Every sentence a label row or pass names, stored or about to be.
    taken = {
        row.sentence_id
        for rows in (catalog.gold_labels, *(item.rows for item in catalog.annotation_passes))
        for row in rows
    }
    taken |= set(new_rows) | {
        sentence_id for labels in pass_labels.values() for sentence_id in labels
    }
    dropped, skipped, corrections = _planned_drops(raw_dir, catalog, sentences, drops, taken)
    if dropped:
        path = raw_dir / CORRECTIONS_FILE
        files.append((path, corrections_file_bytes(path, corrections)))
    if files:
        write_raw_files(raw_dir, files)
    return ImportedLabels(
        labels_file,
        added,
        already_gold,
        unannotated,
        passes=written_passes.names,
        round=written_passes.round,
        pass_rows=written_passes.rows,
        already_in_passes=written_passes.already_stored,
        gold_disagreements=sorted(
            sentence_id
            for (checks_gold, _), labels in pass_labels.items()
            if checks_gold
            for sentence_id, item in labels.items()
            if sentence_id in gold and _key(gold[sentence_id]) != _key(item)
        ),
        dropped_lines=dropped,
        skipped_drops=skipped,
    )


def _add_pass_labels(
    pass_labels: dict[tuple[bool, int], dict[str, _Labels]],
    pass_task: dict[tuple[bool, int, str], str],
    checked: _Task,
    sentence_id: str,
    name: str,
    where: str,
) -> list[str]:
    """File each annotation of an overlap or check task under its annotator's pass; the problems."""
    problems = []
    for labels in checked.annotations:
        if labels.not_article_text:
            # Some annotators labelled the sentence: their labels are the pass rows it gets.
            continue
        if labels.user is None:
            problems.append(
                f"{where}: an annotation without the annotator's user number (completed_by); "
                "each annotator's labels become their own annotation pass. Export again from "
                "Label Studio."
            )
            continue
        key = (checked.kind == CHECK, labels.user)
        known = pass_labels.setdefault(key, {}).get(sentence_id)
        if known is None:
            pass_labels[key][sentence_id] = labels
            pass_task[(*key, sentence_id)] = name
        elif _key(known) != _key(labels):
            problems.append(
                f"{where}: user {labels.user} labels this sentence differently in task "
                f"{pass_task[(*key, sentence_id)]} ({_describe(known)}; here {_describe(labels)}). "
                "Keep one in Label Studio and export again."
            )
    return problems


@dataclass(frozen=True)
class _PassFiles:
    names: list[str]
    round: int | None
    rows: int
    already_stored: int
    files: list[tuple[Path, bytes]]


def _pass_files(
    raw_dir: Path,
    catalog: RawCatalog,
    current: dict[str, str],
    pass_labels: dict[tuple[bool, int], dict[str, _Labels]],
    codebook_file: Path,
) -> _PassFiles:
    """One annotation pass per Label Studio annotator, in the next round; none already stored."""
    passes_file = raw_dir / PASSES_FILE
    stored = {
        (annotation_pass.annotator, _pass_key(annotation_pass.rows))
        for annotation_pass in catalog.annotation_passes
    }
    new = {}
    already_stored = 0
    for (checks_gold, user), labels in sorted(pass_labels.items()):
        rows = [
            _pass_row(sentence_id, current[sentence_id], labels[sentence_id])
            for sentence_id in sorted(labels)
        ]
        annotator = f"Label Studio user {user}"
        # A pass already stored with these very labels is the same export imported again.
        if any(
            who == annotator and _pass_key_of(rows) <= stored_rows for who, stored_rows in stored
        ):
            already_stored += 1
            continue
        new[(checks_gold, user)] = (annotator, rows)
    if not new:
        return _PassFiles([], None, 0, already_stored, [])
    round_number = max((item.round for item in catalog.annotation_passes), default=0) + 1
    codebook = _codebook(codebook_file)
    codebook_sha256 = hashlib.sha256(codebook).hexdigest()
    files: list[tuple[Path, bytes]] = []
    if codebook_sha256 not in {item.codebook_sha256 for item in catalog.annotation_passes}:
        stored_codebook = passes_file.parent / f"CODEBOOK-round{round_number}.md"
        if stored_codebook.exists() and stored_codebook.read_bytes() != codebook:
            raise InputError(
                f"{shown(stored_codebook)} exists and is not {shown(codebook_file)}; move it aside "
                "or name the round's codebook with --codebook. Nothing was imported."
            )
        if not stored_codebook.exists():
            files.append((stored_codebook, codebook))
    pass_rows = []
    for (checks_gold, user), (annotator, rows) in sorted(new.items()):
        name = (
            f"round{round_number}-{GOLD_CHECK_MARK if checks_gold else ''}label-studio-user-{user}"
        )
        path = passes_file.parent / f"{name}.csv"
        if path.exists():
            raise InputError(
                f"{shown(path)} exists but {shown(passes_file)} does not list it; move it aside. "
                "Nothing was imported."
            )
        files.append((path, csv_file_bytes(path, LABEL_COLUMNS, rows)))
        pass_rows.append(
            {
                "pass": name,
                "round": str(round_number),
                "annotator": annotator,
                "annotator_kind": "human",
                "model": "",
                "codebook_sha256": codebook_sha256,
                "file": path.name,
            }
        )
    passes_content = (
        appended_rows(passes_file, PASS_COLUMNS, pass_rows)
        if passes_file.exists()
        else csv_file_bytes(passes_file, PASS_COLUMNS, pass_rows)
    )
    files.append((passes_file, passes_content))
    return _PassFiles(
        [row["pass"] for row in pass_rows],
        round_number,
        sum(len(rows) for _, rows in new.values()),
        already_stored,
        files,
    )


def _codebook(codebook_file: Path) -> bytes:
    # The codebook in force is stored with the passes, so their labels can be read as meant.
    if not codebook_file.exists():
        raise InputError(
            f"{shown(codebook_file)}: no such codebook. The passes of an overlap or check round "
            "record the codebook their annotators read; give it with --codebook. Nothing was imported."
        )
    return read_file(codebook_file, MAX_CODEBOOK_BYTES, "a codebook")


def _pass_row(sentence_id: str, sha256: str, labels: _Labels) -> dict[str, str]:
    return {
        "sentence_id": sentence_id,
        "text_sha256": sha256,
        "stance": labels.stance,
        "stance_holder": labels.stance_holder,
        "issue": labels.issue,
        "issues": ISSUES_SEPARATOR.join(labels.issues),
        "note": labels.note,
    }


def _pass_key(rows: list[LabelRow]) -> frozenset:
    return frozenset(
        (row.sentence_id, row.stance, row.stance_holder, row.issue, row.issues) for row in rows
    )


def _pass_key_of(rows: list[dict[str, str]]) -> frozenset:
    return frozenset(
        (
            row["sentence_id"],
            row["stance"],
            row["stance_holder"],
            row["issue"],
            tuple(row["issues"].split(ISSUES_SEPARATOR)),
        )
        for row in rows
    )


def _named_sentences(catalog: RawCatalog, sentence_ids: frozenset[str]) -> dict[str, dict]:
    """The built sentences of these ids, by id: their article, index, text and text_sha256."""
    # Built a batch at a time, keeping only the rows the export names: memory follows the export,
    # not the corpus.
    wanted = pa.array(sorted(sentence_ids), pa.string())
    named: dict[str, dict] = {}
    for corpus in built_batches(catalog):
        for table in corpus[SENTENCES].values():
            rows = table.select(NAMED_SENTENCE_COLUMNS).filter(
                compute.is_in(table["sentence_id"], wanted)
            )
            named.update((row["sentence_id"], row) for row in rows.to_pylist())
    return named


def _planned_drops(
    raw_dir: Path,
    catalog: RawCatalog,
    sentences: dict[str, dict],
    drops: dict[str, str],
    taken: set[str],
) -> tuple[list[str], list[str], list]:
    """The raw lines to drop for sentences marked not article text, those skipped and why, and the corrections."""
    metadata = {row.article_id: row for row in catalog.articles}
    corrections = list(catalog.corrections)
    dropped, skipped = [], []
    for sentence_id, where in sorted(drops.items()):
        sentence = sentences[sentence_id]
        article_id = sentence["article_id"]
        text = read_article(raw_dir, metadata[article_id]).text
        lines = lines_holding(text, sentence["text"])
        # Dropping a line renumbers the sentences after it, which label rows name by number.
        labelled_after = sorted(
            other
            for other in taken
            if other.rpartition("-")[0] == article_id
            and int(other.rpartition("-")[2]) >= sentence["sentence_index"]
        )
        reason = None
        if len(lines) != 1:
            reason = (
                "its text spans raw lines or was changed by cleaning"
                if not lines
                else f"its text stands on {len(lines)} raw lines ({', '.join(map(str, lines))})"
            )
        elif labelled_after:
            reason = (
                f"dropping line {lines[0]} would renumber sentences that label rows name "
                f"({', '.join(labelled_after[:3])}{'…' if len(labelled_after) > 3 else ''})"
            )
        if reason is None:
            try:
                corrected, corrections = planned_correction(
                    raw_dir,
                    catalog.articles,
                    corrections,
                    article_id,
                    lines[0],
                    DROP,
                    f"not article text, said a Label Studio annotator ({where})",
                )
            except InputError as error:
                reason = str(error).removesuffix(" Nothing was written.")
            else:
                dropped.append(f"{article_id} line {lines[0]}: {corrected.line}")
                continue
        skipped.append(
            f"{where}: marked not article text, but {reason}; nothing was dropped for it. Find its "
            f"raw line in `kjrel review` and run `kjrel correct {article_id} LINE drop`."
        )
    return dropped, skipped, corrections


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


def _sentence_id(task: object) -> str | None:
    """The task's data.sentence_id where it is a string (_checked_task names any other)."""
    data = task.get("data") if isinstance(task, Mapping) else None
    sentence_id = data.get("sentence_id") if isinstance(data, Mapping) else None
    return sentence_id if isinstance(sentence_id, str) else None


def _checked_task(
    task: object, current: dict[str, str]
) -> tuple[str | None, _Task | None, list[str]]:
    """The task's sentence id, its round and kept annotations (None when nobody annotated it), its problems."""
    if not (
        isinstance(task, Mapping)
        and isinstance(data := task.get("data"), Mapping)
        and isinstance(sentence_id := data.get("sentence_id"), str)
    ):
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
    kind, model_labels_shown = data.get("round_kind"), data.get("model_labels_shown")
    # Read as written, never by truth: the string "false" must not count as shown.
    if kind not in ROUND_KINDS or not isinstance(model_labels_shown, bool):
        return (
            sentence_id,
            None,
            [
                f"data.round_kind must be one of {', '.join(ROUND_KINDS)} and "
                "data.model_labels_shown true or false, as `kjrel export-tasks` writes them; "
                "without them the labels' provenance is unknown. Export the tasks again."
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
    if not kept:
        return sentence_id, None, []
    parsed = [_annotation_labels(annotation) for annotation in kept]
    problems = [problem for _, annotation_problems in parsed for problem in annotation_problems]
    if problems:
        return sentence_id, None, problems
    # Labels are None only beside a problem, and problems returned above: the filter drops nothing
    # and tells the type checker so.
    every = [labels for labels, _ in parsed if labels is not None]
    # The flag says what the export meant; predictions in the task, or an annotation begun from
    # one, say what the annotator saw (a reused project, an ML backend, an edited export).
    shown = (
        model_labels_shown
        or bool(predictions)
        or any(
            annotation.get("prediction") or annotation.get("parent_prediction")
            for annotation in kept
        )
    )
    if kind != SINGLE and shown:
        return (
            sentence_id,
            None,
            [
                f"is a {kind} task, which must be blind, but it carries the model's predictions; "
                "export the round again with `kjrel export-tasks` into a new project."
            ],
        )
    if kind != SINGLE:
        # Each annotator's labels stand on their own: passes are compared, not settled.
        users = [labels.user for labels in every if labels.user is not None]
        if len(users) != len(set(users)):
            return (
                sentence_id,
                None,
                [
                    "holds two annotations by one user; keep one each in Label Studio and export again."
                ],
            )
        return sentence_id, _Task(kind, shown, every, None), []
    # An annotation marked ground truth settles the task; otherwise every annotation must agree.
    settling = [
        labels
        for labels, annotation in zip(every, kept, strict=True)
        if annotation.get("ground_truth")
    ] or every
    if len({_key(labels) for labels in settling}) > 1:
        return (
            sentence_id,
            None,
            [
                f"its {len(settling)} annotations disagree ("
                + "; ".join(_describe(labels) for labels in settling)
                + "). Settle it in Label Studio (delete one, or mark one as ground truth) and export again."
            ],
        )
    return sentence_id, _Task(kind, shown, settling, settling[0]), []


def _annotation_name(annotation: Mapping) -> str:
    annotation_id = annotation.get("id")
    return f"annotation {_shown_id(annotation_id) if _is_id(annotation_id) else '?'}"


def _is_id(value: object) -> TypeGuard[int | str]:
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
    marked = chosen.pop(NOT_ARTICLE_TEXT_CONTROL, [])
    if marked and marked != [NOT_ARTICLE_TEXT]:
        return None, [
            f"{who}: {NOT_ARTICLE_TEXT_CONTROL} choices must be [{NOT_ARTICLE_TEXT!r}] or none "
            f"(here {len(marked)} choice(s))."
        ]
    annotator, user, annotator_problems = _annotator(annotation, who)
    if problem := cell_problem("note", note):
        annotator_problems.append(f"{who}: {problem}.")
    if marked:
        # Labels left in hidden controls are not what the annotator submitted: they are ignored.
        labels = _Labels("", "", "", (), note, annotator, user, not_article_text=True)
        return (None, annotator_problems) if annotator_problems else (labels, [])
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
        f"{', '.join(name for name in ISSUE.names if name != NONE)}."
        for name in other_issues
        if name not in ISSUE.names or name == NONE
    ]
    if problems:
        return None, problems
    stance, holder, issue = (chosen[label_set.field][0] for label_set in CHOICE_SETS)
    issues = tuple(sorted({issue, *other_issues}, key=ISSUES.id_of))
    problems += [
        f"{who}: {problem}" for problem in label_row_problems(stance, holder, issue, issues)
    ]
    problems += annotator_problems
    return (
        None if problems else _Labels(stance, holder, issue, issues, note, annotator, user)
    ), problems


def _annotator(annotation: Mapping, who: str) -> tuple[str, int | None, list[str]]:
    """Who made the annotation, as shown in a note; their user number where given; the problems."""
    # Label Studio writes the user's number, or an object with their email or number; anything
    # else (true would be stored as the annotator "True") is refused.
    completed_by = annotation.get("completed_by")
    user = None
    if isinstance(completed_by, Mapping):
        number = completed_by.get("id")
        user = number if _is_id(number) and isinstance(number, int) and number >= 0 else None
        annotator = completed_by.get("email") or number
        usable = isinstance(annotator, str) or (isinstance(annotator, int) and user is not None)
    else:
        annotator = completed_by
        usable = annotator is None or (
            _is_id(annotator) and isinstance(annotator, int) and annotator >= 0
        )
        user = annotator if usable else None
    if annotator is None:
        annotator = "unknown"
    if not usable:
        return (
            "",
            None,
            [
                f"{who}: completed_by is {_shape(annotator)}, not a user's number or an object with "
                "their email or id."
            ],
        )
    annotator = str(annotator).strip()
    problem = cell_problem("annotator", annotator)
    return annotator, user, [f"{who}: {problem}."] if problem else []


def _shape(value: object) -> str:
    """What kind of JSON value this is, for a message: never the value itself."""
    if isinstance(value, list):
        return "a list with non-string items"
    return {str: "a string", bool: "true or false", dict: "an object"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def _label_row(
    sentence_id: str, sha256: str, labels: _Labels, label_source: str, provenance: str
) -> dict[str, str]:
    return {
        **_pass_row(sentence_id, sha256, labels),
        "label_source": label_source,
        "note": f"{provenance}: {labels.note}" if labels.note else provenance,
    }


def _key(labels: LabelRow | _Labels) -> tuple:
    return (
        labels.stance,
        labels.stance_holder,
        labels.issue,
        labels.issues,
        isinstance(labels, _Labels) and labels.not_article_text,
    )


def _describe(labels: LabelRow | _Labels) -> str:
    if isinstance(labels, _Labels) and labels.not_article_text:
        return NOT_ARTICLE_TEXT
    return (
        f"stance {labels.stance}, stance_holder {labels.stance_holder}, issue {labels.issue}, "
        f"issues {ISSUES_SEPARATOR.join(labels.issues)}"
    )
