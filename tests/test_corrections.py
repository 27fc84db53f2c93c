"""The Label Studio round trip: export-tasks → (a Label Studio export) → import-annotations → build."""

import copy
import csv
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as parquet
import pytest

from kjrel_data.add import NewArticle, add_article
from kjrel_data.build import build, prepare
from kjrel_data.corrections import import_annotations
from kjrel_data.errors import InputError
from kjrel_data.tasks import export_tasks

from .conftest import RAW, REPO
from .test_add import UNSEEN, UNSEEN_TITLE, _snapshot
from .test_cli import kjrel

GOLD_SENTENCE = "ajiss-seize-the-opportunity-0001"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, list[dict]]:
    """raw/ plus one new article without gold labels, and the tasks exported for it."""
    root = tmp_path_factory.mktemp("round-trip")
    shutil.copytree(RAW, root / "raw")
    add_article(root / "raw", UNSEEN, NewArticle(outlet="Pacific Wire", title=UNSEEN_TITLE))
    exported = export_tasks(prepare(root / "raw"), root / "labelling")
    return root / "raw", json.loads(exported.tasks_file.read_text(encoding="utf-8"))


@pytest.fixture
def raw(prepared, tmp_path) -> Path:
    shutil.copytree(prepared[0], tmp_path / "raw")
    for document in ("DATASHEET.md", "CODEBOOK.md"):
        shutil.copyfile(REPO / document, tmp_path / document)
    return tmp_path / "raw"


@pytest.fixture
def tasks(prepared) -> list[dict]:
    return copy.deepcopy(prepared[1])


def _choices(stance, holder, issue, other_issues=(), note=None) -> list[dict]:
    result = [
        {"from_name": field, "to_name": "text", "type": "choices", "value": {"choices": [value]}}
        for field, value in (("stance", stance), ("stance_holder", holder), ("issue", issue))
    ]
    if other_issues:
        result.append(
            {
                "from_name": "other_issues",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": list(other_issues)},
            }
        )
    if note:
        result.append(
            {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": [note]}}
        )
    return result


def _annotation(number: int, result: list[dict], **fields) -> dict:
    """An annotation as Label Studio's JSON export writes it."""
    return {
        "id": number,
        "completed_by": 7,
        "result": [
            {"id": f"r{number}-{i}", "origin": "manual", **item} for i, item in enumerate(result)
        ],
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2026-11-23T12:00:00.000000Z",
        "updated_at": "2026-11-23T12:00:00.000000Z",
        "lead_time": 12.5,
        "task": number,
        **fields,
    }


def _export(tasks: list[dict], annotations: dict[int, list[dict]]) -> list[dict]:
    """Label Studio's JSON export of the imported tasks: ids given, annotations where made."""
    return [
        {
            "id": 100 + position,
            "data": task["data"],
            "predictions": task["predictions"],
            "annotations": annotations.get(position, []),
            "meta": {},
            "project": 3,
        }
        for position, task in enumerate(tasks)
    ]


def _write(path: Path, export: object) -> Path:
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


def _labels_of(task: dict) -> tuple[str, str, str]:
    chosen = {
        item["from_name"]: item["value"]["choices"][0] for item in task["predictions"][0]["result"]
    }
    return chosen["stance"], chosen["stance_holder"], chosen["issue"]


def _sentences(folder: Path) -> dict[str, dict]:
    table = pa.concat_tables(
        parquet.read_table(path) for path in sorted((folder / "data/sentences").glob("*.parquet"))
    )
    return {row["sentence_id"]: row for row in table.to_pylist()}


def test_round_trip_turns_the_annotated_rows_into_gold(raw, tasks, tmp_path):
    assert len(tasks) > 3 and all(task["predictions"] for task in tasks)
    accepted, edited, cancelled = tasks[0], tasks[1], tasks[2]
    export = _export(
        tasks,
        {
            0: [_annotation(1, [dict(item) for item in accepted["predictions"][0]["result"]])],
            1: [
                _annotation(
                    2,
                    _choices(
                        "favor",
                        "south_korea",
                        "diplomacy",
                        ["security", "trade"],
                        "Seoul's envoy speaks.",
                    ),
                    completed_by={"id": 9, "email": "annotator@example.org"},
                )
            ],
            2: [_annotation(3, _choices("none", "none", "none"), was_cancelled=True)],
        },
    )
    labels_file = raw / "labels.csv"
    before = labels_file.read_bytes()
    imported = import_annotations(raw, _write(tmp_path / "export.json", export))
    assert imported.added == sorted(
        [accepted["data"]["sentence_id"], edited["data"]["sentence_id"]]
    )
    assert imported.unannotated == len(tasks) - 2
    after = labels_file.read_bytes()
    assert after.startswith(before)
    assert len(after.splitlines()) == len(before.splitlines()) + 2

    build(raw, tmp_path / "out", raw.parent)
    sentences = _sentences(tmp_path / "out")
    first = sentences[accepted["data"]["sentence_id"]]
    assert first["label_source"] == "gold"
    assert first["label_confidence"] is None
    assert (first["stance"], first["stance_holder"], first["issue"]) == _labels_of(accepted)
    assert "Label Studio" in first["gold_note"] and "model's labels" in first["gold_note"]
    second = sentences[edited["data"]["sentence_id"]]
    assert second["label_source"] == "gold"
    assert (second["stance"], second["stance_holder"], second["issue"]) == (
        "favor",
        "south_korea",
        "diplomacy",
    )
    assert second["issues"] == ["trade", "security", "diplomacy"]
    assert "annotator@example.org" in second["gold_note"]
    assert second["gold_note"].endswith("Seoul's envoy speaks.")
    assert sentences[cancelled["data"]["sentence_id"]]["label_source"] == "model"

    again = export_tasks(prepare(raw), tmp_path / "labelling")
    assert again.tasks == len(tasks) - 2
    # Importing the same export twice adds nothing the second time.
    repeated = import_annotations(raw, tmp_path / "export.json")
    assert (repeated.added, repeated.already_gold) == ([], 2)
    assert labels_file.read_bytes() == after


def test_an_annotation_marked_ground_truth_settles_a_disagreement(raw, tasks, tmp_path):
    export = _export(
        tasks,
        {
            0: [
                _annotation(1, _choices("against", "japan", "trade")),
                _annotation(2, _choices("favor", "japan", "trade"), ground_truth=True),
            ]
        },
    )
    import_annotations(raw, _write(tmp_path / "export.json", export))
    with (raw / "labels.csv").open(encoding="utf-8", newline="") as handle:
        last = list(csv.DictReader(handle))[-1]
    assert (last["sentence_id"], last["stance"]) == (tasks[0]["data"]["sentence_id"], "favor")


def _gold_task(raw: Path) -> dict:
    with (raw / "labels.csv").open(encoding="utf-8", newline="") as handle:
        row = next(row for row in csv.DictReader(handle) if row["sentence_id"] == GOLD_SENTENCE)
    return {
        "data": {"sentence_id": GOLD_SENTENCE, "text_sha256": row["text_sha256"], "text": "…"},
        "predictions": [],
    }


def _one(tasks, result, **task_changes) -> list[dict]:
    export = _export(tasks[:1], {0: [_annotation(1, result)]})
    export[0]["data"] = {**export[0]["data"], **task_changes}
    return export


BAD_EXPORTS = {
    "an unknown label": (
        lambda raw, tasks: _one(tasks, _choices("maybe", "japan", "trade")),
        "stance 'maybe' is not a label; use one of none, against, favor",
    ),
    "an unknown other issue": (
        lambda raw, tasks: _one(tasks, _choices("favor", "japan", "trade", ["fisheries"])),
        "other issue 'fisheries' is not an issue label",
    ),
    "a control kjrel does not define": (
        lambda raw, tasks: _one(
            tasks,
            [
                *_choices("favor", "japan", "trade"),
                {
                    "from_name": "sentiment",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["positive"]},
                },
            ],
        ),
        "'sentiment', which is not a control of kjrel's labelling config",
    ),
    "two stances": (
        lambda raw, tasks: _one(
            tasks,
            [
                {
                    "from_name": "stance",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["favor", "against"]},
                },
                *_choices("favor", "japan", "trade")[1:],
            ],
        ),
        "choose exactly one stance (found 2)",
    ),
    "a missing issue": (
        lambda raw, tasks: _one(tasks, _choices("favor", "japan", "trade")[:2]),
        "choose exactly one issue (found 0)",
    ),
    "a holder without a stance": (
        lambda raw, tasks: _one(tasks, _choices("none", "japan", "trade")),
        "stance_holder must be 'none' exactly when stance is 'none'",
    ),
    "an unknown sentence": (
        lambda raw, tasks: _one(
            tasks, _choices("favor", "japan", "trade"), sentence_id="no-such-article-0000"
        ),
        "('no-such-article-0000'): names no sentence of the current build",
    ),
    "a stale sentence": (
        lambda raw, tasks: _one(tasks, _choices("favor", "japan", "trade"), text_sha256="0" * 64),
        "is stale: the sentence text changed since the tasks were exported",
    ),
    "a task not from export-tasks": (
        lambda raw, tasks: [{"id": 5, "data": {"text": "Hello."}, "annotations": []}],
        "task 5: has no data.sentence_id",
    ),
    "annotations that disagree": (
        lambda raw, tasks: _export(
            tasks[:1],
            {
                0: [
                    _annotation(1, _choices("favor", "japan", "trade")),
                    _annotation(2, _choices("against", "japan", "trade")),
                ]
            },
        ),
        "its 2 annotations disagree",
    ),
    "two tasks that disagree": (
        lambda raw, tasks: _export(
            [tasks[0], tasks[0]],
            {
                0: [_annotation(1, _choices("favor", "japan", "trade"))],
                1: [_annotation(2, _choices("none", "none", "trade"))],
            },
        ),
        "task 101 (" + "{sentence!r}" + "): conflicts with task 100 of this export",
    ),
    "a conflict with gold": (
        lambda raw, tasks: _export(
            [_gold_task(raw)], {0: [_annotation(1, _choices("none", "none", "none"))]}
        ),
        f"task 100 ({GOLD_SENTENCE!r}): conflicts with the gold labels in",
    ),
    "not a list of tasks": (
        lambda raw, tasks: {"tasks": tasks},
        "expected a list of tasks",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_EXPORTS))
def test_a_bad_import_row_is_named_and_changes_nothing(raw, tasks, tmp_path, case):
    make, message = BAD_EXPORTS[case]
    path = _write(tmp_path / "export.json", make(raw, tasks))
    before = _snapshot(raw)
    with pytest.raises(InputError) as raised:
        import_annotations(raw, path)
    assert message.format(sentence=tasks[0]["data"]["sentence_id"]) in str(raised.value)
    assert _snapshot(raw) == before


def test_every_bad_row_is_reported_at_once(raw, tasks, tmp_path):
    export = _export(
        tasks[:3],
        {
            0: [_annotation(1, _choices("maybe", "japan", "trade"))],
            1: [_annotation(2, _choices("favor", "japan", "trade"))],
            2: [_annotation(3, _choices("none", "japan", "trade"))],
        },
    )
    with pytest.raises(InputError) as raised:
        import_annotations(raw, _write(tmp_path / "export.json", export))
    message = str(raised.value)
    assert message.startswith("2 problem(s)")
    assert "task 100 (" in message and "task 102 (" in message and "task 101 (" not in message


def test_kjrel_import_annotations_reports_on_stderr_and_exits_1(raw, tasks, tmp_path):
    bad = tmp_path / "export.json"
    bad.write_text('[{"id": 1, "data": ', encoding="utf-8")
    result = kjrel("import-annotations", str(bad), "--raw", str(raw))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "not valid JSON (line 1, column" in result.stderr
    assert "Traceback" not in result.stderr


def test_kjrel_export_tasks_writes_tasks_and_config(raw, tmp_path):
    result = kjrel("export-tasks", "--raw", str(raw), "--out", str(tmp_path / "labelling"))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "labelling").iterdir()) == [
        "label_config.xml",
        "tasks.json",
    ]
    tasks = json.loads((tmp_path / "labelling" / "tasks.json").read_text(encoding="utf-8"))
    assert f"Wrote {len(tasks)} tasks" in result.stdout
    scores = [task["predictions"][0]["score"] for task in tasks]
    assert scores == sorted(scores)
