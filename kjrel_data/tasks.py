"""Label Studio tasks for a human round: new labels (the model's shown or not), overlap, or a check of gold."""

import contextlib
import heapq
import itertools
import json
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from kjrel_data import __version__
from kjrel_data.errors import OutputError
from kjrel_data.files import replace_text_file
from kjrel_data.label_sets import (
    ANNOTATION_SOURCES,
    ISSUE,
    LABEL_SOURCE,
    STANCE,
    STANCE_HOLDER,
    Label,
)
from kjrel_data.model_labeller import CHOSEN_METHOD
from kjrel_data.names import ARTICLES, SENTENCES
from kjrel_data.tables import Corpus

TASKS_FILE = "tasks.json"
CONFIG_FILE = "label_config.xml"
PROJECT_FILE = "project.json"
# The names of the labelling config's controls, which an export's results refer to.
TEXT_CONTROL = "text"
CHOICE_SETS = (STANCE, STANCE_HOLDER, ISSUE)
OTHER_ISSUES_CONTROL = "other_issues"
NOTE_CONTROL = "note"
# A sentence that is not article text is no label's business: the import drops its raw line.
NOT_ARTICLE_TEXT_CONTROL = "not_article_text"
NOT_ARTICLE_TEXT = "not article text"
# What a task's round is, kept in its data so the import knows where its annotations go.
SINGLE = "single"
OVERLAP = "overlap"
CHECK = "check"
ROUND_KINDS = (SINGLE, OVERLAP, CHECK)
# What the queue reads of each batch's waiting tasks at a time.
READ_BLOCK_BYTES = 65_536
# What a task is made of: the sentences table's columns it shows or is queued by.
TASK_COLUMNS = [
    "sentence_id",
    "article_id",
    "sentence_index",
    "text",
    "text_sha256",
    LABEL_SOURCE.field,
    *(
        f"model_{label_set.field}{suffix}"
        for label_set in CHOICE_SETS
        for suffix in ("", "_probability")
    ),
]


@dataclass(frozen=True)
class RoundPlan:
    """Which sentences a round asks about, whether the model's labels are shown, and how many annotate each."""

    check: bool = False
    blind: bool = False
    annotators: int = 1

    @property
    def kind(self) -> str:
        if self.check:
            return CHECK
        return OVERLAP if self.annotators > 1 else SINGLE

    @property
    def shows_model_labels(self) -> bool:
        # Passes compared for agreement, or with gold, must be independent of the model.
        return self.kind == SINGLE and not self.blind


@dataclass(frozen=True)
class ExportedTasks:
    tasks_file: Path
    config_file: Path
    project_file: Path
    tasks: int
    model_labelled: int


def export_tasks(
    batches: Iterable[Corpus], out_dir: Path, plan: RoundPlan = RoundPlan()
) -> ExportedTasks:
    """Write tasks.json, label_config.xml and project.json (Label Studio's settings) for plan's round."""
    out_dir = Path(out_dir)
    config = labelling_config()
    project = project_settings(config, plan)
    tally: Counter[str] = Counter()
    with contextlib.closing(label_studio_tasks(batches, plan)) as queue:
        # The first task comes once every batch is built and queued: a bad article stops the
        # export before any file is written.
        first = next(queue, None)
        tasks = _tallied(itertools.chain([] if first is None else [first], queue), tally)
        writers = {
            out_dir / TASKS_FILE: lambda handle: write_tasks_json(tasks, handle),
            out_dir / CONFIG_FILE: lambda handle: handle.write(config),
            out_dir / PROJECT_FILE: lambda handle: handle.write(
                json.dumps(project, ensure_ascii=False, indent=2) + "\n"
            ),
        }
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for path, write in writers.items():
                replace_text_file(path, write)
        except OSError as error:
            raise OutputError(
                f"{out_dir}: cannot write the tasks there ({error.strerror})."
            ) from None
    return ExportedTasks(
        tasks_file=out_dir / TASKS_FILE,
        config_file=out_dir / CONFIG_FILE,
        project_file=out_dir / PROJECT_FILE,
        tasks=tally["tasks"],
        model_labelled=tally["model_labelled"],
    )


def write_tasks_json(tasks: Iterable[dict], handle: TextIO) -> None:
    """Write the bytes of json.dumps(list(tasks), ensure_ascii=False, indent=2) + newline, a task at a time."""
    # One string of every task would be several times the corpus's text (more for non-ASCII).
    position = -1
    for position, task in enumerate(tasks):
        # JSON strings hold no raw line break, so every line of the task is indented one level.
        text = json.dumps(task, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        handle.write(("[\n  " if position == 0 else ",\n  ") + text)
    handle.write("[]\n" if position < 0 else "\n]\n")


def label_studio_tasks(
    batches: Iterable[Corpus], plan: RoundPlan = RoundPlan()
) -> Generator[dict, None, None]:
    """One task per sentence the round asks about, in queue order, once every batch is read."""
    # A round may ask about every sentence of the corpus: each batch's tasks, in order, wait in a
    # temporary file (a line of JSON each), and merging these runs reads a block of each at a
    # time, so memory holds one batch's tasks, never the round's.
    with tempfile.TemporaryFile() as waiting:
        runs = []
        for corpus in batches:
            start = waiting.tell()
            for item in _batch_tasks(corpus, plan):
                waiting.write(json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n")
            runs.append((start, waiting.tell()))
        waiting.flush()
        lines = (_lines(waiting.fileno(), start, end) for start, end in runs)
        for _, _, task in heapq.merge(*(map(json.loads, run) for run in lines), key=_queue_key):
            yield task


def _queue_key(item: Sequence) -> tuple[float, str]:
    # Sentences without a published model label come first, then the least confident published
    # ones: where a human label changes the most. The order holds whether or not labels are shown.
    score, sentence_id, _ = item
    return score, sentence_id


def _lines(descriptor: int, start: int, end: int) -> Iterator[bytes]:
    """The lines of the open file between start and end (a line's end), a block at a time."""
    # pread keeps no shared position: each run reads where it is, however the merge interleaves.
    rest = b""
    while start < end:
        block = os.pread(descriptor, min(READ_BLOCK_BYTES, end - start), start)
        start += len(block)
        *lines, rest = (rest + block).split(b"\n")
        yield from lines


def _batch_tasks(corpus: Corpus, plan: RoundPlan) -> Iterator[tuple[float, str, dict]]:
    """One batch's tasks in queue order, each after its queue key: model score, sentence id."""
    # A batch holds whole articles, so each sentence's neighbours are in it. Its rows stay in
    # columns and each task is made as it is written: a batch's tasks are never all in memory.
    columns = (
        pa.concat_tables(corpus[SENTENCES].values())
        .select(TASK_COLUMNS)
        .sort_by([("article_id", "ascending"), ("sentence_index", "ascending")])
        .to_pydict()
    )
    titles = {
        row["article_id"]: row["title"]
        for table in corpus[ARTICLES].values()
        for row in table.select(["article_id", "title"]).to_pylist()
    }
    queue = sorted(
        (_model_score(row), row["sentence_id"], position)
        for position in range(len(columns["sentence_id"]))
        if ((row := _row(columns, position))[LABEL_SOURCE.field] in ANNOTATION_SOURCES)
        == plan.check
    )
    for score, sentence_id, position in queue:
        row = _row(columns, position)
        predictions = _predictions(row) if plan.shows_model_labels else []
        task = {
            "data": {
                TEXT_CONTROL: row["text"],
                "before": _neighbour_text(columns, position - 1, row["article_id"]),
                "after": _neighbour_text(columns, position + 1, row["article_id"]),
                "title": titles[row["article_id"]],
                "sentence_id": sentence_id,
                "article_id": row["article_id"],
                "text_sha256": row["text_sha256"],
                "round_kind": plan.kind,
                "model_labels_shown": bool(predictions),
            },
            "predictions": predictions,
        }
        yield score, sentence_id, task


def _row(columns: dict[str, list], position: int) -> dict:
    return {name: values[position] for name, values in columns.items()}


def _tallied(tasks: Iterable[dict], tally: Counter[str]) -> Iterator[dict]:
    """tasks as they come, counting them, and those showing the model's labels, into tally."""
    for task in tasks:
        tally["tasks"] += 1
        tally["model_labelled"] += bool(task["predictions"])
        yield task


def _model_score(row: dict) -> float:
    """The lowest calibrated probability among the sentence's published model labels; -1 for none."""
    probabilities = [
        row[f"model_{label_set.field}_probability"]
        for label_set in CHOICE_SETS
        if row.get(f"model_{label_set.field}") is not None
    ]
    return min(probabilities) if probabilities else -1.0


def _neighbour_text(columns: dict[str, list], index: int, article_id: str) -> str:
    # Annotators judge the holder of a stance from the sentences around it, within its article.
    if 0 <= index < len(columns["article_id"]) and columns["article_id"][index] == article_id:
        return columns["text"][index]
    return ""


def _predictions(row: dict) -> list[dict]:
    # Only published model labels (those that reached their threshold) are offered to annotators.
    published = [
        label_set for label_set in CHOICE_SETS if row.get(f"model_{label_set.field}") is not None
    ]
    if not published:
        return []
    return [
        {
            "model_version": f"kjrel-data {__version__} {CHOSEN_METHOD}",
            "score": round(
                min(float(row[f"model_{label_set.field}_probability"]) for label_set in published),
                6,
            ),
            "result": [
                {
                    "from_name": label_set.field,
                    "to_name": TEXT_CONTROL,
                    "type": "choices",
                    "value": {"choices": [row[f"model_{label_set.field}"]]},
                }
                for label_set in published
            ],
        }
    ]


def project_settings(config: str, plan: RoundPlan) -> dict:
    """The fields of a Label Studio project (its API's project object) that set up plan's round."""
    return {
        "title": f"kjrel {plan.kind} round",
        "label_config": config,
        # Overlap: every task is given to this many annotators before it counts as done.
        "maximum_annotations": plan.annotators,
        "overlap_cohort_percentage": 100,
        "show_collab_predictions": plan.shows_model_labels,
    }


def labelling_config() -> str:
    """The Label Studio labelling config: the sentence in context, one choice per field, a note."""
    view = ElementTree.Element("View")
    ElementTree.SubElement(view, "Header", value="$title", size="5")
    ElementTree.SubElement(view, "Text", name="before", value="$before")
    focus = ElementTree.SubElement(
        view, "View", style="background: #fff3bf; padding: 6px; font-weight: bold"
    )
    ElementTree.SubElement(focus, "Text", name=TEXT_CONTROL, value=f"${TEXT_CONTROL}")
    ElementTree.SubElement(view, "Text", name="after", value="$after")
    ElementTree.SubElement(
        view,
        "Header",
        value="Is the highlighted sentence publisher chrome (a caption, credit, link or menu), "
        "not article text? Then tick this and skip the labels.",
        size="6",
    )
    not_text = Label(
        NOT_ARTICLE_TEXT, "Not part of the article's text: the curator drops its line."
    )
    _choices(view, NOT_ARTICLE_TEXT_CONTROL, (not_text,), choice="single")
    # Hidden, and so not required, once the sentence is marked as not article text.
    labels = ElementTree.SubElement(
        view,
        "View",
        visibleWhen="choice-unselected",
        whenTagName=NOT_ARTICLE_TEXT_CONTROL,
        whenChoiceValue=NOT_ARTICLE_TEXT,
    )
    for label_set in CHOICE_SETS:
        ElementTree.SubElement(labels, "Header", value=label_set.question, size="6")
        _choices(labels, label_set.field, label_set.labels, choice="single-radio", required="true")
    ElementTree.SubElement(
        labels,
        "Header",
        value="Other issues the sentence touches (optional; the issue above is always included)",
        size="6",
    )
    other_issues = tuple(label for label in ISSUE.labels if label.name != "none")
    _choices(labels, OTHER_ISSUES_CONTROL, other_issues, choice="multiple")
    ElementTree.SubElement(
        view,
        "Header",
        value="Note (optional): anything a reader of the label should know",
        size="6",
    )
    ElementTree.SubElement(
        view, "TextArea", name=NOTE_CONTROL, toName=TEXT_CONTROL, rows="2", maxSubmissions="1"
    )
    ElementTree.indent(view)
    return ElementTree.tostring(view, encoding="unicode") + "\n"


def _choices(
    view: ElementTree.Element, name: str, labels: tuple[Label, ...], **options: str
) -> None:
    choices = ElementTree.SubElement(
        view, "Choices", {"name": name, "toName": TEXT_CONTROL, "showInline": "true", **options}
    )
    for label in labels:
        ElementTree.SubElement(choices, "Choice", value=label.name, hint=label.definition)
