"""The Label Studio round trip: export-tasks → (a Label Studio export) → import-annotations → build."""

import copy
import csv
import hashlib
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as parquet
import pytest

from kjrel_data import model_labeller
from kjrel_data.add import NewArticle, add_article
from kjrel_data.build import DEFAULT_OPTIONS, build, built_batches
from kjrel_data.cli import main
from kjrel_data.errors import InputError
from kjrel_data.import_annotations import import_annotations
from kjrel_data.load import load_catalog
from kjrel_data.tasks import RoundPlan, export_tasks

from .conftest import RAW, REPO, built_corpus, small_batches
from .hostile import run_kjrel
from .test_add import UNSEEN, UNSEEN_TITLE, _snapshot

GOLD_SENTENCE = "ajiss-seize-the-opportunity-0001"


# These tests are about rounds whose tasks show no model label, whatever the shipped thresholds
# publish; test_add.py and test_label_studio.py cover rounds that show some.
NO_MODEL_LABELS = {"stance": None, "stance_holder": None, "issue": None}


@pytest.fixture(autouse=True)
def no_published_model_labels(monkeypatch):
    monkeypatch.setattr(model_labeller, "PUBLISH_THRESHOLDS", NO_MODEL_LABELS)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, list[dict]]:
    """raw/ plus one new article without gold labels, and the tasks exported for it."""
    root = tmp_path_factory.mktemp("round-trip")
    shutil.copytree(RAW, root / "raw")
    add_article(root / "raw", UNSEEN, NewArticle(outlet="Pacific Wire", title=UNSEEN_TITLE))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model_labeller, "PUBLISH_THRESHOLDS", NO_MODEL_LABELS)
        exported = export_tasks(built_batches(load_catalog(root / "raw")), root / "labelling")
    return root / "raw", json.loads(exported.tasks_file.read_text(encoding="utf-8"))


def _next_round(raw: Path) -> int:
    """The round an import into raw/ makes: one more than the highest stored."""
    return 1 + max(int(row["round"]) for row in _passes(raw))


@pytest.fixture
def raw(prepared, tmp_path) -> Path:
    shutil.copytree(prepared[0], tmp_path / "raw")
    for document in ("DATASHEET.md", "CODEBOOK.md"):
        shutil.copyfile(REPO / document, tmp_path / document)
    return tmp_path / "raw"


@pytest.fixture
def tasks(prepared) -> list[dict]:
    return copy.deepcopy(prepared[1])


@pytest.fixture(scope="module")
def exported_overlap(prepared, tmp_path_factory) -> list[dict]:
    """The tasks of an overlap round for two annotators, exported from the prepared raw/."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model_labeller, "PUBLISH_THRESHOLDS", NO_MODEL_LABELS)
        return _exported(prepared[0], tmp_path_factory.mktemp("overlap"), annotators=2)


@pytest.fixture
def overlap_tasks(exported_overlap) -> list[dict]:
    """The overlap round's tasks of the raw/ that the raw fixture copies, for a test to change."""
    return copy.deepcopy(exported_overlap)


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


def _sentences(folder: Path) -> dict[str, dict]:
    table = pa.concat_tables(
        parquet.read_table(path) for path in sorted((folder / "data/sentences").glob("*.parquet"))
    )
    return {row["sentence_id"]: row for row in table.to_pylist()}


def test_round_trip_turns_the_annotated_rows_into_gold(raw, tasks, tmp_path):
    assert len(tasks) > 3 and not any(task["predictions"] for task in tasks)
    accepted, edited, cancelled = tasks[0], tasks[1], tasks[2]
    export = _export(
        tasks,
        {
            0: [_annotation(1, _choices("against", "japan", "history"))],
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
    assert first["label_source"] == "single_blind"
    assert first["model_stance"] is None
    assert (first["stance"], first["stance_holder"], first["issue"]) == (
        "against",
        "japan",
        "history",
    )
    assert (
        "Label Studio" in first["gold_note"] and "blind to the model's labels" in first["gold_note"]
    )
    second = sentences[edited["data"]["sentence_id"]]
    assert second["label_source"] == "single_blind"
    assert (second["stance"], second["stance_holder"], second["issue"]) == (
        "favor",
        "south_korea",
        "diplomacy",
    )
    assert second["issues"] == ["trade", "security", "diplomacy"]
    assert "annotator@example.org" in second["gold_note"]
    assert second["gold_note"].endswith("Seoul's envoy speaks.")
    assert sentences[cancelled["data"]["sentence_id"]]["label_source"] == "unlabelled"

    again = export_tasks(built_batches(load_catalog(raw)), tmp_path / "labelling")
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
        "data": {
            "sentence_id": GOLD_SENTENCE,
            "text_sha256": row["text_sha256"],
            "text": "…",
            "round_kind": "single",
            "model_labels_shown": False,
        },
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


def test_kjrel_import_annotations_reports_on_stderr_and_exits_1(raw, tasks, tmp_path, capsys):
    bad = tmp_path / "export.json"
    bad.write_text('[{"id": 1, "data": ', encoding="utf-8")
    result = run_kjrel(["import-annotations", bad, "--raw", raw], capsys)
    assert result.status == 1
    assert result.stdout == ""
    assert "not valid JSON (line 1, column" in result.stderr
    assert "Traceback" not in result.stderr


def test_kjrel_export_tasks_writes_tasks_and_config(raw, tmp_path, capsys, monkeypatch):
    # The shipped thresholds, as a user's export runs with: this file's autouse patch undone.
    monkeypatch.undo()
    result = run_kjrel(["export-tasks", "--raw", raw, "--out", tmp_path / "labelling"], capsys)
    assert result.status == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "labelling").iterdir()) == [
        "label_config.xml",
        "project.json",
        "tasks.json",
    ]
    project = json.loads((tmp_path / "labelling" / "project.json").read_text(encoding="utf-8"))
    assert project["label_config"] == (tmp_path / "labelling" / "label_config.xml").read_text(
        encoding="utf-8"
    )
    assert project["maximum_annotations"] == 1
    tasks = json.loads((tmp_path / "labelling" / "tasks.json").read_text(encoding="utf-8"))
    assert f"Wrote {len(tasks)} tasks" in result.stdout
    # Sentences without a published model label first, in sentence order; then the least
    # confident published ones (this runs with the shipped thresholds).
    ids = [task["data"]["sentence_id"] for task in tasks]
    without = [task["data"]["sentence_id"] for task in tasks if not task["predictions"]]
    assert ids[: len(without)] == sorted(without)


def _labels_rows(raw: Path) -> dict[str, dict]:
    with (raw / "labels.csv").open(encoding="utf-8", newline="") as handle:
        return {row["sentence_id"]: row for row in csv.DictReader(handle)}


def _passes(raw: Path) -> list[dict]:
    with (raw / "annotations/passes.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _exported(raw: Path, folder: Path, options=DEFAULT_OPTIONS, **plan) -> list[dict]:
    exported = export_tasks(built_batches(load_catalog(raw), options), folder, RoundPlan(**plan))
    return json.loads(exported.tasks_file.read_text(encoding="utf-8"))


def test_a_round_exported_and_imported_a_batch_at_a_time_is_the_round_of_one_batch(raw, tmp_path):
    whole = _exported(raw, tmp_path / "whole", check=True, annotators=2)
    # Two articles a batch: the check round's sentences come from three batches.
    batched = _exported(raw, tmp_path / "batched", small_batches(), check=True, annotators=2)
    assert _snapshot(tmp_path / "batched") == _snapshot(tmp_path / "whole")
    first, last = whole[0]["data"], whole[-1]["data"]
    assert first["article_id"] != last["article_id"]
    labels = _choices("none", "none", "diplomacy")
    export = _export(
        [batched[0], batched[-1]],
        {
            position: [
                _annotation(2 * position + 1, labels),
                _annotation(2 * position + 2, labels, completed_by=8),
            ]
            for position in (0, 1)
        },
    )
    imported = import_annotations(raw, _write(tmp_path / "export.json", export))
    assert imported.pass_rows == 4
    with (raw / "annotations" / f"{imported.passes[0]}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["sentence_id"] for row in rows] == [first["sentence_id"], last["sentence_id"]]
    assert [row["text_sha256"] for row in rows] == [first["text_sha256"], last["text_sha256"]]


def test_a_single_annotation_records_whether_the_model_labels_were_shown(raw, tmp_path):
    shown = _exported(raw, tmp_path / "shown")
    blind = _exported(raw, tmp_path / "blind", blind=True)
    # A task that showed model labels is made by hand (none are published here). The import
    # reads the flag, not the predictions Label Studio sends back.
    shown[0]["data"]["model_labels_shown"] = True
    export = _export(shown[:1], {0: [_annotation(1, _choices("favor", "japan", "trade"))]})
    export += _export(blind[1:2], {0: [_annotation(2, _choices("none", "none", "history"))]})
    imported = import_annotations(raw, _write(tmp_path / "export.json", export))
    assert imported.added == sorted(task["data"]["sentence_id"] for task in shown[:1] + blind[1:2])
    rows = _labels_rows(raw)
    first, second = rows[shown[0]["data"]["sentence_id"]], rows[blind[1]["data"]["sentence_id"]]
    assert first["label_source"] == "single_model_shown"
    assert "shown the model's labels" in first["note"]
    assert second["label_source"] == "single_blind"
    assert "blind to the model's labels" in second["note"]
    assert imported.passes == []


def _overlap_export(tasks: list[dict]) -> list[dict]:
    """Users 7 and 8 both annotate the first three tasks; they disagree on the third."""
    agreed = _choices("favor", "south_korea", "diplomacy", ["trade"])
    return _export(
        tasks[:4],
        {
            0: [_annotation(1, agreed), _annotation(2, agreed, completed_by=8)],
            1: [
                _annotation(3, _choices("none", "none", "none")),
                _annotation(4, _choices("none", "none", "none"), completed_by={"id": 8}),
            ],
            2: [
                _annotation(5, _choices("against", "japan", "history")),
                _annotation(6, _choices("none", "none", "history"), completed_by=8),
            ],
        },
    )


def test_an_overlap_round_becomes_one_pass_per_annotator_for_agreement(
    raw, overlap_tasks, tmp_path, capsys
):
    tasks = overlap_tasks
    labels_before = (raw / "labels.csv").read_bytes()
    passes_before, new = len(_passes(raw)), _next_round(raw)
    imported = import_annotations(raw, _write(tmp_path / "export.json", _overlap_export(tasks)))
    assert (imported.added, imported.round, imported.pass_rows) == ([], new, 6)
    assert imported.passes == [
        f"round{new}-label-studio-user-7",
        f"round{new}-label-studio-user-8",
    ]
    assert (raw / "labels.csv").read_bytes() == labels_before
    codebook_sha256 = hashlib.sha256((raw.parent / "CODEBOOK.md").read_bytes()).hexdigest()
    assert _passes(raw)[passes_before:] == [
        {
            "pass": f"round{new}-label-studio-user-{user}",
            "round": str(new),
            "annotator": f"Label Studio user {user}",
            "annotator_kind": "human",
            "model": "",
            "codebook_sha256": codebook_sha256,
            "file": f"round{new}-label-studio-user-{user}.csv",
        }
        for user in (7, 8)
    ]
    # The codebook the annotators read is stored (once: a stored codebook may have its bytes).
    stored = [path.read_bytes() for path in (raw / "annotations").glob("CODEBOOK-round*.md")]
    assert (raw.parent / "CODEBOOK.md").read_bytes() in stored
    with (raw / f"annotations/round{new}-label-studio-user-8.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["sentence_id"] for row in rows] == sorted(
        task["data"]["sentence_id"] for task in tasks[:3]
    )

    assert main(["agreement", "--raw", str(raw)]) == 0
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])["agreement"]
    stance = next(f for f in figures if f["round"] == new and f["field"] == "stance")
    assert (stance["first_pass"], stance["second_pass"], stance["sentences"]) == (
        f"round{new}-label-studio-user-7",
        f"round{new}-label-studio-user-8",
        3,
    )
    assert stance["percent_agreement"] == pytest.approx(2 / 3)

    # The same export imported again stores nothing new.
    before = _snapshot(raw)
    again = import_annotations(raw, tmp_path / "export.json")
    assert (again.passes, again.already_in_passes) == ([], 2)
    assert _snapshot(raw) == before
    build(raw, tmp_path / "out", raw.parent)


def test_a_check_round_is_compared_with_gold_and_does_not_block_the_build(raw, tmp_path, capsys):
    tasks = _exported(raw, tmp_path / "check", check=True, annotators=2)
    gold = _labels_rows(raw)
    assert {task["data"]["sentence_id"] for task in tasks} == set(gold)
    first, second = tasks[0]["data"]["sentence_id"], tasks[1]["data"]["sentence_id"]

    def as_gold(sentence_id, **changes):
        row = {**gold[sentence_id], **changes}
        other = [name for name in row["issues"].split(";") if name != row["issue"]]
        return _choices(row["stance"], row["stance_holder"], row["issue"], other)

    export = _export(
        tasks[:2],
        {
            0: [_annotation(1, as_gold(first)), _annotation(2, as_gold(first), completed_by=8)],
            1: [
                _annotation(3, as_gold(second)),
                _annotation(
                    4, as_gold(second, stance="favor", stance_holder="other"), completed_by=8
                ),
            ],
        },
    )
    new = _next_round(raw)
    imported = import_annotations(raw, _write(tmp_path / "export.json", export))
    assert imported.passes == [
        f"round{new}-gold-check-label-studio-user-7",
        f"round{new}-gold-check-label-studio-user-8",
    ]
    if gold[second]["stance"] != "favor":
        assert imported.gold_disagreements == [second]
    # A check round measures gold; unlike an annotation round, its departures need no note.
    build(raw, tmp_path / "out", raw.parent)
    assert main(["agreement", "--raw", str(raw)]) == 0
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])["agreement"]
    against_gold = [
        (f["first_pass"], f["sentences"], f["percent_agreement"])
        for f in figures
        if f["round"] == new and f["field"] == "stance_holder" and f["second_pass"] == "gold"
    ]
    assert against_gold == [
        (f"round{new}-gold-check-label-studio-user-7", 2, 1.0),
        (f"round{new}-gold-check-label-studio-user-8", 2, 0.5),
    ]


def _not_text(number: int, **fields) -> dict:
    return _annotation(
        number,
        [
            {
                "from_name": "not_article_text",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": ["not article text"]},
            }
        ],
        **fields,
    )


def test_not_article_text_becomes_a_drop_of_the_sentences_raw_line(raw, tasks, tmp_path):
    last = max(tasks, key=lambda task: task["data"]["sentence_id"])
    sentence_id, text = last["data"]["sentence_id"], last["data"]["text"]
    export = _export([last], {0: [_not_text(1)]})
    imported = import_annotations(raw, _write(tmp_path / "export.json", export))
    assert imported.added == [] and imported.skipped_drops == []
    assert len(imported.dropped_lines) == 1
    with (raw / "cleaning_corrections.csv").open(encoding="utf-8", newline="") as handle:
        (correction,) = list(csv.DictReader(handle))
    assert correction["action"] == "drop"
    assert correction["article_id"] == last["data"]["article_id"]
    assert "not article text" in correction["note"]
    sentences = pa.concat_tables(built_corpus(raw)["sentences"].values()).to_pylist()
    assert sentence_id not in {row["sentence_id"] for row in sentences}
    assert text not in {row["text"] for row in sentences}


def test_a_drop_that_would_renumber_labelled_sentences_is_skipped_with_the_command(
    raw, tasks, tmp_path
):
    article = sorted(
        (task for task in tasks if task["data"]["article_id"] == tasks[0]["data"]["article_id"]),
        key=lambda task: task["data"]["sentence_id"],
    )
    export = _export(
        article[:2],
        {0: [_not_text(1)], 1: [_annotation(2, _choices("none", "none", "trade"))]},
    )
    before = (raw / "cleaning_corrections.csv").exists()
    imported = import_annotations(raw, _write(tmp_path / "export.json", export))
    assert imported.added == [article[1]["data"]["sentence_id"]]
    assert imported.dropped_lines == []
    (message,) = imported.skipped_drops
    assert "would renumber sentences that label rows name" in message
    assert f"kjrel correct {article[0]['data']['article_id']} LINE drop" in message
    assert (raw / "cleaning_corrections.csv").exists() == before


OVERLAP_BAD = {
    "a round kind kjrel does not write": (
        lambda task: task["data"].update(round_kind="triple"),
        {},
        "data.round_kind must be one of single, overlap, check",
    ),
    "model_labels_shown as a string": (
        lambda task: task["data"].update(model_labels_shown="false"),
        {},
        "data.model_labels_shown true or false",
    ),
    "an overlap annotation with no user": (
        lambda task: None,
        {"completed_by": None},
        "an annotation without the annotator's user number",
    ),
    "two annotations by one user": (
        lambda task: None,
        {"completed_by": 8},
        "holds two annotations by one user",
    ),
}


@pytest.mark.parametrize("case", sorted(OVERLAP_BAD))
def test_a_bad_overlap_task_is_named_and_changes_nothing(raw, overlap_tasks, tmp_path, case):
    change, second_fields, message = OVERLAP_BAD[case]
    export = _export(
        overlap_tasks[:1],
        {
            0: [
                _annotation(1, _choices("favor", "japan", "trade"), completed_by=8),
                _annotation(2, _choices("favor", "japan", "trade"), **second_fields),
            ]
        },
    )
    change(export[0])
    before = _snapshot(raw)
    with pytest.raises(InputError) as raised:
        import_annotations(raw, _write(tmp_path / "export.json", export))
    assert message in str(raised.value)
    assert _snapshot(raw) == before


def test_a_mark_of_not_article_text_with_another_value_is_refused(raw, tasks, tmp_path):
    mark = _not_text(1)
    mark["result"][0]["value"]["choices"] = ["chrome"]
    with pytest.raises(InputError, match="not_article_text choices must be"):
        import_annotations(raw, _write(tmp_path / "export.json", _export(tasks[:1], {0: [mark]})))


def test_passes_need_the_codebook_the_annotators_read(raw, overlap_tasks, tmp_path):
    (raw.parent / "CODEBOOK.md").unlink()
    before = _snapshot(raw)
    with pytest.raises(InputError, match="no such codebook"):
        import_annotations(raw, _write(tmp_path / "export.json", _overlap_export(overlap_tasks)))
    assert _snapshot(raw) == before


def test_kjrel_export_tasks_overlap_says_how_label_studio_gets_it(raw, tmp_path, capsys):
    out = tmp_path / "overlap"
    assert main(["export-tasks", "--raw", str(raw), "--out", str(out), "--overlap", "3"]) == 0
    printed = capsys.readouterr().out
    assert "tasks (overlap round)" in printed
    assert "maximum_annotations 3 and overlap_cohort_percentage 100" in printed
    assert (
        json.loads((out / "project.json").read_text(encoding="utf-8"))["maximum_annotations"] == 3
    )
    with pytest.raises(SystemExit) as exited:
        main(["export-tasks", "--raw", str(raw), "--out", str(out), "--overlap", "1"])
    assert exited.value.code == 2
    assert "at least 2" in capsys.readouterr().err


def test_a_task_that_carried_predictions_is_recorded_as_model_shown_whatever_its_flag(
    raw, tasks, tmp_path
):
    task = copy.deepcopy(tasks[0])
    assert task["data"]["model_labels_shown"] is False
    task["predictions"] = [{"model_version": "an ML backend", "result": []}]
    export = _export([task], {0: [_annotation(1, _choices("none", "none", "trade"))]})
    import_annotations(raw, _write(tmp_path / "export.json", export))
    assert _labels_rows(raw)[task["data"]["sentence_id"]]["label_source"] == "single_model_shown"


def test_a_negative_user_number_is_refused_before_it_names_a_pass(raw, tasks, tmp_path):
    before = _snapshot(raw)
    export = _export(
        tasks[:1], {0: [_annotation(1, _choices("none", "none", "trade"), completed_by=-5)]}
    )
    with pytest.raises(InputError, match="completed_by is a number, not a user's number"):
        import_annotations(raw, _write(tmp_path / "export.json", export))
    assert _snapshot(raw) == before
