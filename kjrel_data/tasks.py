"""Label Studio tasks for the sentences without gold labels, the model's labels filled in to correct."""

import json
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from kjrel_data import __version__
from kjrel_data.errors import OutputError
from kjrel_data.labeller import CHOSEN_METHOD
from kjrel_data.labels import ANNOTATION_SOURCES, ISSUE, LABEL_SOURCE, STANCE, STANCE_HOLDER, Label
from kjrel_data.tables import ARTICLES, SENTENCES, Corpus

TASKS_FILE = "tasks.json"
CONFIG_FILE = "label_config.xml"
# The names of the labelling config's controls, which an export's results refer to.
TEXT_CONTROL = "text"
CHOICE_SETS = (STANCE, STANCE_HOLDER, ISSUE)
OTHER_ISSUES_CONTROL = "other_issues"
NOTE_CONTROL = "note"


@dataclass(frozen=True)
class ExportedTasks:
    tasks_file: Path
    config_file: Path
    tasks: int
    model_labelled: int


def export_tasks(corpus: Corpus, out_dir: Path) -> ExportedTasks:
    """Write tasks.json (lowest confidence first) and label_config.xml for corpus's non-gold sentences."""
    tasks = label_studio_tasks(corpus)
    out_dir = Path(out_dir)
    config = labelling_config()
    writers = {
        out_dir / TASKS_FILE: lambda handle: write_tasks_json(tasks, handle),
        out_dir / CONFIG_FILE: lambda handle: handle.write(config),
    }
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, write in writers.items():
            # A new file of a name no one could plant ahead (mkstemp creates it exclusively), so
            # a link planted in the folder cannot redirect the write.
            descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=out_dir)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    write(handle)
                os.chmod(temporary, 0o644)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write the tasks there ({error.strerror}).") from None
    return ExportedTasks(
        tasks_file=out_dir / TASKS_FILE,
        config_file=out_dir / CONFIG_FILE,
        tasks=len(tasks),
        model_labelled=sum(bool(task["predictions"]) for task in tasks),
    )


def write_tasks_json(tasks: list[dict], handle: TextIO) -> None:
    """Write the bytes of json.dumps(tasks, ensure_ascii=False, indent=2) + newline, a task at a time."""
    # One string of every task would be several times the corpus's text (more for non-ASCII).
    if not tasks:
        handle.write("[]\n")
        return
    handle.write("[\n")
    for position, task in enumerate(tasks):
        # JSON strings hold no raw line break, so every line of the task is indented one level.
        text = json.dumps(task, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        handle.write(("  " if position == 0 else ",\n  ") + text)
    handle.write("\n]\n")


def label_studio_tasks(corpus: Corpus) -> list[dict]:
    """One Label Studio task per sentence without gold labels, lowest model confidence first."""
    sentences = pa.concat_tables(corpus[SENTENCES].values()).sort_by(
        [("article_id", "ascending"), ("sentence_index", "ascending")]
    )
    titles = {
        row["article_id"]: row["title"]
        for table in corpus[ARTICLES].values()
        for row in table.select(["article_id", "title"]).to_pylist()
    }
    rows = sentences.to_pylist()
    tasks = []
    for position, row in enumerate(rows):
        if row[LABEL_SOURCE.field] in ANNOTATION_SOURCES:
            continue
        tasks.append(
            {
                "data": {
                    TEXT_CONTROL: row["text"],
                    "before": _neighbour_text(rows, position - 1, row["article_id"]),
                    "after": _neighbour_text(rows, position + 1, row["article_id"]),
                    "title": titles[row["article_id"]],
                    "sentence_id": row["sentence_id"],
                    "article_id": row["article_id"],
                    "text_sha256": row["text_sha256"],
                },
                "predictions": _predictions(row),
            }
        )
    # Unlabelled sentences (no confidence at all) come first, then the least confident guesses.
    return sorted(
        tasks,
        key=lambda task: (
            task["predictions"][0]["score"] if task["predictions"] else -1.0,
            task["data"]["sentence_id"],
        ),
    )


def _neighbour_text(rows: list[dict], index: int, article_id: str) -> str:
    # Annotators judge the holder of a stance from the sentences around it, within its article.
    if 0 <= index < len(rows) and rows[index]["article_id"] == article_id:
        return rows[index]["text"]
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
    for label_set in CHOICE_SETS:
        ElementTree.SubElement(view, "Header", value=label_set.question, size="6")
        _choices(view, label_set.field, label_set.labels, choice="single-radio", required="true")
    ElementTree.SubElement(
        view,
        "Header",
        value="Other issues the sentence touches (optional; the issue above is always included)",
        size="6",
    )
    other_issues = tuple(label for label in ISSUE.labels if label.name != "none")
    _choices(view, OTHER_ISSUES_CONTROL, other_issues, choice="multiple")
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
        view, "Choices", name=name, toName=TEXT_CONTROL, showInline="true", **options
    )
    for label in labels:
        ElementTree.SubElement(choices, "Choice", value=label.name, hint=label.definition)
