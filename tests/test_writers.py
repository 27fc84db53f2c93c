"""Writers into raw/ (`kjrel add`, `kjrel import-annotations`) against hostile and unlucky input.

Each case runs the real command in-process (tests/hostile.py) and asserts exit status 1, one
message naming the culprit, no traceback, and raw/ (and a previous build) byte-identical.
"""

import csv
import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kjrel_data.add import NewArticle, add_article
from kjrel_data.build import build, built_batches
from kjrel_data.errors import InputError
from kjrel_data.import_annotations import import_annotations
from kjrel_data.limits import CSV_FIELD_LIMIT, MAX_FIELD_CHARS
from kjrel_data.load import LABEL_COLUMNS, METADATA_COLUMNS, _read_csv, load_catalog
from kjrel_data.raw_files import LOCK_FILE, appended_rows
from kjrel_data.tasks import export_tasks

from .conftest import RAW, REPO, raw_articles
from .hostile import assert_one_message, run_kjrel
from .test_add import UNSEEN, UNSEEN_TITLE
from .test_cli_bad_inputs import snapshot

ARTICLE = "diplomat-why-japan-hesitant"
NEW_TEXT = b"Seoul and Tokyo met on Monday.\n\nThey agreed to meet again.\n"


@pytest.fixture(scope="module")
def labelling(tmp_path_factory) -> tuple[Path, list[dict]]:
    """raw/ plus one article without gold labels, and the Label Studio tasks exported for it."""
    root = tmp_path_factory.mktemp("labelling")
    shutil.copytree(RAW, root / "raw")
    add_article(root / "raw", UNSEEN, NewArticle(outlet="Pacific Wire", title=UNSEEN_TITLE))
    exported = export_tasks(built_batches(load_catalog(root / "raw")), root / "labelling")
    return root / "raw", json.loads(exported.tasks_file.read_text(encoding="utf-8"))


@pytest.fixture
def raw(labelling, tmp_path) -> Path:
    shutil.copytree(labelling[0], tmp_path / "raw")
    return tmp_path / "raw"


@pytest.fixture
def task(labelling) -> dict:
    """One exported task, as Label Studio exports it back with one annotation."""
    exported = labelling[1][0]
    return {
        "id": 100,
        "data": exported["data"],
        "predictions": exported["predictions"],
        "annotations": [annotation(1, choices("favor", "japan", "trade"))],
    }


def choices(stance: str, holder: str, issue: str) -> list[dict]:
    return [
        {"from_name": field, "to_name": "text", "type": "choices", "value": {"choices": [value]}}
        for field, value in (("stance", stance), ("stance_holder", holder), ("issue", issue))
    ]


def note(value: object) -> dict:
    return {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": value}}


def annotation(number: int, result: list[dict], **fields) -> dict:
    return {"id": number, "completed_by": 7, "result": result, "was_cancelled": False, **fields}


def write_export(folder: Path, tasks: object) -> Path:
    path = folder / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def new_article(folder: Path, data: bytes = NEW_TEXT) -> Path:
    path = folder / "new.txt"
    path.write_bytes(data)
    return path


def label_rows(raw: Path) -> list[dict[str, str]]:
    with (raw / "labels.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def article_ids(raw: Path) -> list[str]:
    with (raw / "articles.csv").open(encoding="utf-8", newline="") as handle:
        return [row["article_id"] for row in csv.DictReader(handle)]


# Item 3: every CSV field has a declared maximum, enforced when written and when read.


def _rows_for(columns: tuple[str, ...]) -> st.SearchStrategy:
    """Rows of any text (or None) up to a little past each column's maximum."""
    return st.lists(
        st.fixed_dictionaries(
            {
                column: st.text(max_size=MAX_FIELD_CHARS[column] + 2) | st.none()
                for column in columns
            }
        ),
        min_size=1,
        max_size=3,
    ).map(lambda rows: (columns, rows))


@given(
    st.sampled_from([LABEL_COLUMNS, METADATA_COLUMNS]).flatmap(_rows_for),
    st.sampled_from(["", "\n", "\r\n"]),
)
# A bare carriage return in a file of \n line endings: csv quotes it only when told to.
@example(table=(LABEL_COLUMNS, [dict.fromkeys(LABEL_COLUMNS, "0\r0")]), ending="\n")
def test_what_appended_rows_accepts_reads_back_unchanged(table, ending):
    columns, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        path.write_bytes(",".join(columns).encode() + ending.encode())
        try:
            content = appended_rows(path, columns, rows)
        except InputError:
            return
        path.write_bytes(content)
        read = [row for _, row in _read_csv(path, columns, inside=path.parent)]
    assert read == [{column: row[column] or "" for column in columns} for row in rows]


def test_the_csv_reader_takes_every_field_a_column_allows():
    assert max(MAX_FIELD_CHARS.values()) < CSV_FIELD_LIMIT
    assert set(METADATA_COLUMNS) | set(LABEL_COLUMNS) <= set(MAX_FIELD_CHARS)


@pytest.mark.parametrize(
    ("option", "pattern"),
    [
        ("--outlet", r"--outlet: outlet is 131,073 characters, more than the 300 it may hold"),
        ("--title", r"--title: title is 131,073 characters, more than the 1,000"),
        ("--url", r"--url: url is 131,073 characters"),
    ],
)
def test_add_refuses_a_field_longer_than_its_column(raw_copy, tmp_path, capsys, option, pattern):
    arguments = {"--outlet": "Pacific Wire", "--title": "Leaders meet", option: "x" * 131_073}
    before = snapshot(raw_copy)
    run = run_kjrel(
        [
            "add",
            new_article(tmp_path),
            "--raw",
            raw_copy,
            *[v for i in arguments.items() for v in i],
        ],
        capsys,
    )
    assert_one_message(run, "add", pattern + r".*Nothing was added")
    assert snapshot(raw_copy) == before


def test_import_refuses_a_note_longer_than_its_column(raw, task, tmp_path, capsys):
    task["annotations"] = [
        annotation(1, [*choices("favor", "japan", "trade"), note(["n" * 200_000])])
    ]
    before = snapshot(raw)
    run = run_kjrel(["import-annotations", write_export(tmp_path, [task]), "--raw", raw], capsys)
    assert_one_message(
        run, "import-annotations", r"task 100 \('[^']+'\): annotation 1: note is 200,000 characters"
    )
    assert snapshot(raw) == before


@pytest.mark.parametrize(
    ("length", "pattern"),
    [
        (10_001, r"labels.csv: row 2: note is 10,001 characters, more than the 10,000 it may hold"),
        (
            200_000,
            r"labels.csv: the row after line 1 has a field longer than 20,000 characters",
        ),
    ],
)
def test_reading_a_field_longer_than_its_column_names_row_and_field(
    raw_copy, tmp_path, capsys, length, pattern
):
    out = tmp_path / "out"
    build(raw_copy, out, raw_copy.parent)
    before, built = snapshot(raw_copy), snapshot(out)
    lines = (raw_copy / "labels.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n") + "n" * length + "\n"
    (raw_copy / "labels.csv").write_text("".join(lines), encoding="utf-8")
    before = snapshot(raw_copy)
    run = run_kjrel(["build", "--raw", raw_copy, "--out", out], capsys)
    assert_one_message(run, "build", pattern + r".*shorten it")
    assert snapshot(raw_copy) == before and snapshot(out) == built


# Item 4: the lock covers reading raw/ as well as writing it.


def _paused_before_writing(
    monkeypatch, module: str, run
) -> tuple[threading.Thread, list, threading.Event]:
    """Start run() in a thread that stops just before its write, until the caller sets the event."""
    reached, release, outcome = threading.Event(), threading.Event(), []
    real = importlib.import_module(f"kjrel_data.{module}").write_raw_files

    def paused(*arguments):
        # Only the thread's write waits; the command run meanwhile writes at once.
        if not reached.is_set():
            reached.set()
            assert release.wait(60)
        return real(*arguments)

    monkeypatch.setattr(f"kjrel_data.{module}.write_raw_files", paused)

    def target():
        try:
            outcome.append(run())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    assert reached.wait(120)
    return thread, outcome, release


def test_two_adds_at_once_lose_no_row(raw_copy, tmp_path, monkeypatch, capsys):
    first_source = new_article(tmp_path)
    second_source = tmp_path / "second.txt"
    second_source.write_bytes(b"Tokyo and Seoul disagreed on Friday.\n")
    thread, outcome, release = _paused_before_writing(
        monkeypatch,
        "add",
        lambda: add_article(raw_copy, first_source, NewArticle(outlet="Wire", title="First")),
    )
    try:
        run = run_kjrel(
            ["add", second_source, "--outlet", "Wire", "--title", "Second", "--raw", raw_copy],
            capsys,
        )
    finally:
        release.set()
        thread.join()
    assert not isinstance(outcome[0], Exception), outcome
    ids = article_ids(raw_copy)
    assert "wire-first" in ids
    if run.status == 0:
        assert "wire-second" in ids
    else:
        assert_one_message(run, "add", r"\.kjrel\.lock exists: another `kjrel add`")
        assert "wire-second" not in ids


def test_two_imports_at_once_lose_no_row(raw, labelling, tmp_path, monkeypatch, capsys):
    first, second = (
        {
            "id": 100 + position,
            "data": exported["data"],
            "annotations": [annotation(1, choices("favor", "japan", "trade"))],
        }
        for position, exported in enumerate(labelling[1][:2])
    )
    (tmp_path / "first").mkdir()
    first_export = write_export(tmp_path / "first", [first])
    thread, outcome, release = _paused_before_writing(
        monkeypatch, "import_annotations", lambda: import_annotations(raw, first_export)
    )
    try:
        run = run_kjrel(
            ["import-annotations", write_export(tmp_path, [second]), "--raw", raw], capsys
        )
    finally:
        release.set()
        thread.join()
    assert not isinstance(outcome[0], Exception), outcome
    labelled = {row["sentence_id"] for row in label_rows(raw)}
    assert first["data"]["sentence_id"] in labelled
    if run.status == 0:
        assert second["data"]["sentence_id"] in labelled
    else:
        assert_one_message(run, "import-annotations", r"\.kjrel\.lock exists")
        assert second["data"]["sentence_id"] not in labelled


def test_an_add_during_an_import_loses_no_row(raw, task, tmp_path, monkeypatch, capsys):
    export = write_export(tmp_path, [task])
    thread, outcome, release = _paused_before_writing(
        monkeypatch, "import_annotations", lambda: import_annotations(raw, export)
    )
    try:
        run = run_kjrel(
            ["add", new_article(tmp_path), "--outlet", "Wire", "--title", "Second", "--raw", raw],
            capsys,
        )
    finally:
        release.set()
        thread.join()
    assert not isinstance(outcome[0], Exception), outcome
    assert task["data"]["sentence_id"] in {row["sentence_id"] for row in label_rows(raw)}
    if run.status == 0:
        assert "wire-second" in article_ids(raw)
    else:
        assert_one_message(run, "add", r"\.kjrel\.lock exists")
        assert "wire-second" not in article_ids(raw)


def test_an_import_during_an_add_loses_no_row(raw, task, tmp_path, monkeypatch, capsys):
    export = write_export(tmp_path, [task])
    source = new_article(tmp_path)
    thread, outcome, release = _paused_before_writing(
        monkeypatch,
        "add",
        lambda: add_article(raw, source, NewArticle(outlet="Wire", title="First")),
    )
    labels_before = (raw / "labels.csv").read_bytes()
    try:
        run = run_kjrel(["import-annotations", export, "--raw", raw], capsys)
    finally:
        release.set()
        thread.join()
    assert not isinstance(outcome[0], Exception), outcome
    assert "wire-first" in article_ids(raw)
    if run.status == 0:
        assert task["data"]["sentence_id"] in {row["sentence_id"] for row in label_rows(raw)}
    else:
        assert_one_message(run, "import-annotations", r"\.kjrel\.lock exists")
        assert (raw / "labels.csv").read_bytes() == labels_before


# Item 8: a near-copy of an article (line endings, BOM, Unicode form, white space) is refused.


def _near_copies() -> dict[str, bytes]:
    text = (RAW / "articles" / f"{ARTICLE}.txt").read_bytes().decode("utf-8")
    crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return {
        "crlf": crlf.encode(),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "nfd": unicodedata.normalize("NFD", text.replace("e", "é", 1)).encode(),
        "white space": text.replace(" ", "  ").replace("\n", " \n").encode(),
    }


NEAR_COPIES = _near_copies()


def _nfd_base(raw: Path) -> None:
    """Make the existing article hold an 'é' composed (NFC), so its NFD copy differs in bytes."""
    path = raw / "articles" / f"{ARTICLE}.txt"
    data = unicodedata.normalize("NFC", path.read_text(encoding="utf-8").replace("e", "é", 1))
    path.write_bytes(data.encode())
    rows = (raw / "articles.csv").read_text(encoding="utf-8")
    old = next(line for line in rows.splitlines() if line.startswith(ARTICLE + ","))
    digest = old.split(",")[2]
    (raw / "articles.csv").write_text(
        rows.replace(digest, hashlib.sha256(data.encode()).hexdigest()), encoding="utf-8"
    )


def assert_the_build_refuses_the_added_copy(raw: Path, tmp_path: Path, capsys, copy: Path) -> None:
    """`kjrel add` takes the copy (its bytes are new); the next build refuses it, naming both ids."""
    # add checks the catalog's sha256 column and reads no article; finding a copy in other bytes
    # needs every article's text, which the build reads anyway.
    run = run_kjrel(["add", copy, *ADD_ARGUMENTS, "--raw", raw], capsys)
    assert run.status == 0, run.stderr
    before = snapshot(raw)
    run = run_kjrel(["build", "--raw", raw, "--out", tmp_path / "out"], capsys)
    assert_one_message(
        run, "build", rf"articles '{ARTICLE}' and 'wire-leaders-meet' have the same text once"
    )
    assert snapshot(raw) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", sorted(NEAR_COPIES))
def test_a_near_copy_added_under_a_new_id_is_refused_by_the_build(raw_copy, tmp_path, capsys, kind):
    if kind == "nfd":
        _nfd_base(raw_copy)
    copy = new_article(tmp_path, NEAR_COPIES[kind])
    assert_the_build_refuses_the_added_copy(raw_copy, tmp_path, capsys, copy)


def test_build_refuses_two_listed_articles_with_the_same_text(raw_copy, tmp_path, capsys):
    out = tmp_path / "out"
    build(raw_copy, out, raw_copy.parent)
    built = snapshot(out)
    copy = raw_copy / "articles" / "copycat-same-again.txt"
    copy.write_bytes(NEAR_COPIES["crlf"])
    with (raw_copy / "articles.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = {
        **next(r for r in rows if r["article_id"] == ARTICLE),
        "article_id": "copycat-same-again",
        "file": "articles/copycat-same-again.txt",
        "sha256": hashlib.sha256(copy.read_bytes()).hexdigest(),
        "split": "test",
    }
    with (raw_copy / "articles.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=METADATA_COLUMNS, lineterminator="\n").writerow(row)
    before = snapshot(raw_copy)
    run = run_kjrel(["build", "--raw", raw_copy, "--out", out], capsys)
    assert_one_message(
        run,
        "build",
        rf"articles '(copycat-same-again|{ARTICLE})' and '(copycat-same-again|{ARTICLE})' have "
        "the same text",
    )
    assert snapshot(raw_copy) == before and snapshot(out) == built


# Items 11 and 13: a hostile or odd Label Studio export is one message naming task and annotation.


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            lambda t: t["annotations"][0]["result"].append(note("hello world")),
            r"annotation 1: note text must be a list of strings.*here a string",
        ),
        (
            lambda t: t["annotations"][0]["result"].append(note(float("nan"))),
            r"annotation 1: note text must be a list of strings.*here a number",
        ),
        (
            lambda t: t["annotations"][0]["result"].append(note([float("nan")])),
            r"annotation 1: note text must be a list of strings.*non-string",
        ),
        (
            lambda t: t["annotations"][0]["result"].append(note(["\ud800"])),
            r"annotation 1: note is not Unicode text at character 0",
        ),
        (
            lambda t: t["annotations"][0].update(completed_by={"email": "\udcff@example.org"}),
            r"annotation 1: annotator is not Unicode text",
        ),
        (
            lambda t: t["annotations"][0]["result"][0]["value"].update(choices="favor"),
            r"annotation 1: stance choices must be a list of strings.*here a string",
        ),
        (
            lambda t: t["annotations"][0]["result"][0]["value"].update(choices=[1]),
            r"annotation 1: stance choices must be a list of strings",
        ),
        (
            lambda t: t["annotations"][0]["result"].append(choices("against", "japan", "trade")[0]),
            r"annotation 1: two results for 'stance'",
        ),
        (
            lambda t: t["annotations"][0].update(completed_by=[[1]]),
            r"annotation 1: completed_by is a list",
        ),
        (
            lambda t: t["annotations"][0]["result"].append(
                {"from_name": json.loads(_nested(500)), "value": {}}
            ),
            r"annotation 1: a result for no control name",
        ),
        # Item 7 of the review: a flag, list or user in a shape Label Studio does not write.
        (
            lambda t: t["annotations"].append(
                annotation(2, choices("against", "japan", "trade"), ground_truth="false")
            ),
            r"annotation 2: ground_truth is a string, not true or false",
        ),
        (
            lambda t: t["annotations"][0].update(was_cancelled="false"),
            r"annotation 1: was_cancelled is a string, not true or false",
        ),
        (
            lambda t: t["annotations"][0].update(was_cancelled=0),
            r"annotation 1: was_cancelled is a number, not true or false",
        ),
        (
            lambda t: t["annotations"][0].update(completed_by=True),
            r"annotation 1: completed_by is true or false, not a user's number",
        ),
        (
            lambda t: t["annotations"][0].update(completed_by="7"),
            r"annotation 1: completed_by is a string, not a user's number",
        ),
        (
            lambda t: t["annotations"][0].update(completed_by={"id": True}),
            r"annotation 1: completed_by is true or false",
        ),
        (lambda t: t.update(annotations={}), r"annotations is an object, not a list"),
        (lambda t: t.update(annotations=""), r"annotations is a string, not a list"),
        (lambda t: t.update(annotations=False), r"annotations is true or false, not a list"),
        (lambda t: t.update(annotations=None), r"annotations is null, not a list"),
        (lambda t: t.update(predictions="yes"), r"predictions is a string, not a list"),
        (lambda t: t["annotations"].append("x"), r"annotation #2 is a string, not an object"),
    ],
    ids=[
        "text-as-string",
        "nan-text",
        "nan-in-text",
        "lone-surrogate-note",
        "lone-surrogate-annotator",
        "choices-as-string",
        "number-choice",
        "two-stance-results",
        "nested-annotator",
        "nested-control",
        "ground-truth-string",
        "cancelled-string",
        "cancelled-number",
        "annotator-true",
        "annotator-string",
        "annotator-id-true",
        "annotations-object",
        "annotations-empty-string",
        "annotations-false",
        "annotations-null",
        "predictions-string",
        "annotation-string",
    ],
)
def test_an_odd_export_value_is_refused_naming_task_and_annotation(
    raw, task, tmp_path, capsys, change, pattern
):
    change(task)
    before = snapshot(raw)
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    run = run_kjrel(["import-annotations", path, "--raw", raw], capsys)
    assert_one_message(run, "import-annotations", r"task 100 \('[^']+'\): " + pattern)
    assert snapshot(raw) == before


def test_an_export_with_a_key_twice_in_one_object_is_refused(raw, task, tmp_path, capsys):
    # json would keep the last "choices" silently: the label imported would be a guess.
    twice = '"choices": ["against"], "choices": ["favor"]'
    text = json.dumps([task]).replace('"choices": ["favor"]', twice, 1)
    assert twice in text
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    before = snapshot(raw)
    run = run_kjrel(["import-annotations", path, "--raw", raw], capsys)
    assert_one_message(
        run, "import-annotations", r"export.json: the key 'choices' appears twice in one object"
    )
    assert snapshot(raw) == before


def test_an_export_with_a_5001_digit_task_id_is_one_message(raw, task, tmp_path, capsys):
    task["id"] = 0
    path = tmp_path / "export.json"
    text = json.dumps([task])
    assert text.startswith('[{"id": 0,')
    path.write_text(text.replace('"id": 0', '"id": ' + "9" * 5001, 1), encoding="utf-8")
    before = snapshot(raw)
    run = run_kjrel(["import-annotations", path, "--raw", raw], capsys)
    assert_one_message(
        run, "import-annotations", r"export.json: holds a number of more than 4,300 digits"
    )
    assert snapshot(raw) == before


def test_deeply_nested_json_is_one_message(raw, tmp_path, capsys):
    path = tmp_path / "export.json"
    path.write_text(_nested(100_000), encoding="utf-8")
    before = snapshot(raw)
    run = run_kjrel(["import-annotations", path, "--raw", raw], capsys)
    assert_one_message(run, "import-annotations", r"export.json: JSON nested too deeply")
    assert snapshot(raw) == before


def test_escape_codes_and_forged_lines_in_an_export_are_shown_not_obeyed(
    raw, task, tmp_path, capsys
):
    task["id"] = "7\x1b[2J\nkjrel import-annotations: error: forged"
    task["data"] = {**task["data"], "sentence_id": "s\x1b]0;owned\x07\r\n"}
    task["annotations"][0]["id"] = "\x1b[31mred"
    before = snapshot(raw)
    run = run_kjrel(["import-annotations", write_export(tmp_path, [task]), "--raw", raw], capsys)
    assert run.status == 1 and "Traceback" not in run.stderr
    assert not any(0 <= ord(c) < 0x20 and c != "\n" for c in run.stderr), repr(run.stderr)
    lines = run.stderr.splitlines()
    assert [line for line in lines if line.startswith("kjrel")] == [lines[0]], run.stderr
    assert r"task '7\x1b[2J\nkjrel import-annotations: error: forged'" in run.stderr
    assert snapshot(raw) == before


def test_add_refuses_an_argument_that_is_not_utf8(raw_copy, tmp_path, capsys):
    title = os.fsdecode(b"Caf\xe9 talks")
    before = snapshot(raw_copy)
    run = run_kjrel(
        ["add", new_article(tmp_path), "--outlet", "Wire", "--title", title, "--raw", raw_copy],
        capsys,
    )
    assert_one_message(run, "add", r"--title: title is not Unicode text at character 3")
    assert snapshot(raw_copy) == before


def test_a_control_character_in_a_path_is_escaped(raw_copy, tmp_path, capsys):
    run = run_kjrel(
        ["add", tmp_path / "evil\x1b[2J.txt", "--outlet", "W", "--title", "T", "--raw", raw_copy],
        capsys,
    )
    assert_one_message(run, "add", r"evil\\x1b\[2J\.txt: no such file")
    assert "\x1b" not in run.stderr


# Item 12: staging files are created exclusively and never followed.


@pytest.mark.parametrize(
    "planted", [".articles.csv.writing", ".wire-leaders-meet.txt.writing", ".kjrel.lock"]
)
def test_a_planted_staging_symlink_does_not_redirect_the_write(raw_copy, tmp_path, capsys, planted):
    honeypot = tmp_path / "honeypot"
    honeypot.mkdir()
    secret = honeypot / "secret.txt"
    secret.write_bytes(b"do not overwrite")
    (raw_copy / planted).symlink_to(secret)
    before = snapshot(raw_copy)
    run = run_kjrel(
        [
            "add",
            new_article(tmp_path),
            "--outlet",
            "Wire",
            "--title",
            "Leaders meet",
            "--raw",
            raw_copy,
        ],
        capsys,
    )
    assert_one_message(
        run, "add", rf"{planted.replace('.', '[.]')} exists: .*(delete it|delete the lock)"
    )
    assert secret.read_bytes() == b"do not overwrite"
    assert [path for path in run.touched_inside(honeypot) if not path.endswith(planted)] == []
    assert snapshot(raw_copy) == before
    assert (raw_copy / planted).is_symlink()


# The CLI's safety net: an unexpected exception is one line, or a traceback when asked for.


def test_an_internal_error_is_one_line_asking_for_a_report(monkeypatch, capsys, tmp_path):
    def broken(*arguments, **options):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr("kjrel_data.validate.validate_folder", broken)
    monkeypatch.delenv("KJREL_DEBUG", raising=False)
    run = run_kjrel(["validate", tmp_path], capsys)
    assert_one_message(
        run,
        "validate",
        r"^kjrel validate: error: internal error \(ZeroDivisionError: division by zero\); "
        r"rerun with --debug .* and report it\n$",
    )


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_debug_shows_the_traceback(monkeypatch, capsys, tmp_path, how):
    def broken(*arguments, **options):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("kjrel_data.validate.validate_folder", broken)
    if how == "environment":
        monkeypatch.setenv("KJREL_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        run_kjrel([*(["--debug"] if how == "flag" else []), "validate", tmp_path], capsys)


# Review finding 3: an interrupt at any point of the renames leaves raw/ as it was, or complete,
# and the message says which.

ADD_ARGUMENTS = ["--outlet", "Wire", "--title", "Leaders meet", "--id", "wire-leaders-meet"]


def _interrupted_at(monkeypatch, number: int, interrupt) -> None:
    """Make the number-th Path.replace call interrupt() once it has renamed."""
    real = Path.replace
    calls = []

    def replace(self, target):
        result = real(self, target)
        calls.append(target)
        if len(calls) == number:
            interrupt()
        return result

    monkeypatch.setattr(Path, "replace", replace)


def _raise_interrupt():
    raise KeyboardInterrupt


@pytest.mark.parametrize("number", [1, 2])
def test_an_add_interrupted_just_after_a_rename_leaves_raw_as_it_was(
    raw_copy, tmp_path, monkeypatch, capsys, number
):
    source = new_article(tmp_path)
    before = snapshot(raw_copy)
    _interrupted_at(monkeypatch, number, _raise_interrupt)
    run = run_kjrel(["add", source, *ADD_ARGUMENTS, "--raw", raw_copy], capsys)
    assert run.status == 130, run.stderr
    assert run.stderr == "kjrel add: interrupted; nothing was replaced.\n"
    assert snapshot(raw_copy) == before


def test_an_import_interrupted_just_after_its_rename_leaves_raw_as_it_was(
    raw, task, tmp_path, monkeypatch, capsys
):
    export = write_export(tmp_path, [task])
    before = snapshot(raw)
    _interrupted_at(monkeypatch, 1, _raise_interrupt)
    run = run_kjrel(["import-annotations", export, "--raw", raw], capsys)
    assert run.status == 130, run.stderr
    assert run.stderr == "kjrel import-annotations: interrupted; nothing was replaced.\n"
    assert snapshot(raw) == before


@pytest.mark.parametrize("number", [1, 2])
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_signal_during_the_renames_takes_effect_once_raw_is_complete(
    raw_copy, tmp_path, monkeypatch, capsys, number, signal_name
):
    source = new_article(tmp_path)
    before = snapshot(raw_copy)
    number_of_signal = getattr(signal, signal_name)
    _interrupted_at(monkeypatch, number, lambda: os.kill(os.getpid(), number_of_signal))
    run = run_kjrel(["add", source, *ADD_ARGUMENTS, "--raw", raw_copy], capsys)
    assert run.status == 130, run.stderr
    assert run.stderr.startswith("kjrel add: interrupted; "), run.stderr
    assert "articles/wire-leaders-meet.txt and " in run.stderr
    assert run.stderr.endswith("articles.csv had been written in full before it took effect.\n")
    after = snapshot(raw_copy)
    assert after["articles/wire-leaders-meet.txt"] == hashlib.sha256(NEW_TEXT).hexdigest()
    assert "wire-leaders-meet" in article_ids(raw_copy)
    assert set(after) == set(before) | {"articles/wire-leaders-meet.txt"}
    raw_articles(raw_copy)


def test_a_signal_just_after_the_lock_is_taken_leaves_no_lock(
    raw_copy, tmp_path, monkeypatch, capsys
):
    source = new_article(tmp_path)
    before = snapshot(raw_copy)
    real = os.open

    def open_then_terminate(path, *arguments, **options):
        descriptor = real(path, *arguments, **options)
        if os.fspath(path).endswith(LOCK_FILE):
            os.kill(os.getpid(), signal.SIGTERM)
        return descriptor

    monkeypatch.setattr(os, "open", open_then_terminate)
    run = run_kjrel(["add", source, *ADD_ARGUMENTS, "--raw", raw_copy], capsys)
    assert run.status == 130, run.stderr
    assert run.stderr == "kjrel add: interrupted; nothing was replaced.\n"
    assert snapshot(raw_copy) == before
    assert not (raw_copy / LOCK_FILE).exists()


# Review finding 9: add writes only into real folders inside raw/.


def _articles_elsewhere(raw: Path) -> None:
    """Keep raw/'s articles in raw/texts/, so raw/articles/ is free to be missing or planted."""
    (raw / "articles").rename(raw / "texts")
    catalog = raw / "articles.csv"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace(",articles/", ",texts/"), encoding="utf-8"
    )
    raw_articles(raw)


def test_add_refuses_an_articles_folder_that_is_a_symlink_out_of_raw(raw_copy, tmp_path, capsys):
    _articles_elsewhere(raw_copy)
    outside = tmp_path / "outside"
    outside.mkdir()
    (raw_copy / "articles").symlink_to(outside)
    before = snapshot(raw_copy)
    run = run_kjrel(["add", new_article(tmp_path), *ADD_ARGUMENTS, "--raw", raw_copy], capsys)
    assert_one_message(
        run, "add", r"raw/articles/: a symlink; kjrel writes wire-leaders-meet.txt only into a real"
    )
    assert list(outside.iterdir()) == []
    # Reading raw/ lists the symlinked folder; nothing else of it is touched.
    assert run.touched_inside(outside) in ([], [str(raw_copy / "articles")])
    assert snapshot(raw_copy) == before


def test_add_refuses_when_raw_has_no_articles_folder(raw_copy, tmp_path, capsys):
    _articles_elsewhere(raw_copy)
    before = snapshot(raw_copy)
    run = run_kjrel(["add", new_article(tmp_path), *ADD_ARGUMENTS, "--raw", raw_copy], capsys)
    assert_one_message(run, "add", r"raw/articles/: no such folder; .*Make .*raw/articles a folder")
    assert ".writing" not in run.stderr
    assert snapshot(raw_copy) == before
    assert not (raw_copy / "articles").exists()


# Review finding 11: invisible characters and cleaned-away lines do not hide a copy.


@pytest.mark.parametrize(
    "copy",
    [
        lambda text: text.replace(" ", " \u200b", 3),
        lambda text: text.replace(" ", "\u2060 ", 2).replace("\n", "\ufeff\n", 2),
        lambda text: text.replace("fi", "\ufb01"),
    ],
    ids=["zero-width-space", "word-joiner-and-bom", "ligature"],
)
def test_a_copy_with_invisible_or_compatibility_characters_is_refused_by_the_build(
    raw_copy, tmp_path, capsys, copy
):
    text = (raw_copy / "articles" / f"{ARTICLE}.txt").read_text(encoding="utf-8")
    changed = copy(text)
    assert changed != text
    copy_file = new_article(tmp_path, changed.encode())
    assert_the_build_refuses_the_added_copy(raw_copy, tmp_path, capsys, copy_file)


def test_build_refuses_two_articles_whose_cleaned_texts_are_the_same(raw_copy, tmp_path, capsys):
    original = (raw_copy / "articles" / f"{ARTICLE}.txt").read_text(encoding="utf-8")
    paragraphs = original.split("\n\n")
    copy = "\n\n".join([*paragraphs[:3], "Advertisement", *paragraphs[3:]])
    # The copy as a second outlet would carry it: the same headline and standfirst, which
    # cleaning removes as it does the original's.
    with (raw_copy / "articles.csv").open(encoding="utf-8", newline="") as handle:
        row = next(row for row in csv.DictReader(handle) if row["article_id"] == ARTICLE)
    run = run_kjrel(
        [
            "add",
            new_article(tmp_path, copy.encode()),
            *["--outlet", "Wire", "--title", row["title"], "--standfirst", row["standfirst"]],
            *["--id", "wire-leaders-meet", "--split", "test", "--raw", raw_copy],
        ],
        capsys,
    )
    assert run.status == 0, run.stderr
    before = snapshot(raw_copy)
    out = tmp_path / "out"
    run = run_kjrel(["build", "--raw", raw_copy, "--out", out], capsys)
    assert_one_message(
        run,
        "build",
        rf"articles '{ARTICLE}' and 'wire-leaders-meet' have the same text once cleaned",
    )
    assert snapshot(raw_copy) == before
    assert not out.exists()


# Review finding 12: a file name cannot forge a message line.


def test_a_line_break_in_an_unlisted_file_name_is_escaped(raw_copy, tmp_path, capsys):
    (raw_copy / "articles" / "notes\nkjrel build: error: forged line").write_text("x")
    before = snapshot(raw_copy)
    run = run_kjrel(["build", "--raw", raw_copy, "--out", tmp_path / "out"], capsys)
    assert run.status == 1 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert r"notes\nkjrel build: error: forged line has no row in" in run.stderr
    assert snapshot(raw_copy) == before


def test_a_line_break_in_a_listed_file_name_is_escaped(raw_copy, tmp_path, capsys):
    source = raw_copy / "articles" / f"{ARTICLE}.txt"
    forged = raw_copy / "articles" / "x\nkjrel build: error: forged.txt"
    source.rename(forged)
    catalog = raw_copy / "articles.csv"
    with catalog.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["article_id"] == ARTICLE:
            row["file"] = "articles/" + forged.name
            row["sha256"] = "0" * 64
    with catalog.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METADATA_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    before = snapshot(raw_copy)
    run = run_kjrel(["build", "--raw", raw_copy, "--out", tmp_path / "out"], capsys)
    assert run.status == 1 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert r"x\nkjrel build: error: forged.txt: sha256 is" in run.stderr
    assert snapshot(raw_copy) == before


# Review finding 13: odd consoles and the import's own description.


def test_add_succeeds_on_a_console_that_cannot_encode_its_summary(raw_copy, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kjrel_data.cli",
            "add",
            new_article(tmp_path),
            *ADD_ARGUMENTS,
            "--raw",
            raw_copy,
        ],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert b"Added wire-leaders-meet to " in result.stdout
    assert b"\\u2026" in result.stdout
    assert "wire-leaders-meet" in article_ids(raw_copy)


def test_every_problem_of_a_task_is_a_line_naming_the_task(raw, task, tmp_path, capsys):
    task["annotations"][0]["result"] = choices("favour", "japan", "traed")
    before = snapshot(raw)
    run = run_kjrel(["import-annotations", write_export(tmp_path, [task]), "--raw", raw], capsys)
    assert_one_message(run, "import-annotations", r"2 problem\(s\)")
    problems = run.stderr.splitlines()[1:]
    assert len(problems) == 2
    assert all(line.startswith("export.json: task 100 (") for line in problems), problems
    assert snapshot(raw) == before
    help_text = subprocess.run(
        [sys.executable, "-m", "kjrel_data.cli", "import-annotations", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "1000"},
        check=True,
    ).stdout
    assert "listing every problem with its task and annotation" in help_text
    assert "one message per task" not in help_text


def test_export_tasks_never_writes_through_a_link_planted_in_its_folder(raw_copy, tmp_path, capsys):
    out = tmp_path / "labelling"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    # Every name the staging file once took (pid-numbered), and the targets themselves.
    for pid in range(os.getpid() - 50, os.getpid() + 50):
        (out / f".tasks.json.writing-{pid}").symlink_to(victim)
    (out / "label_config.xml").symlink_to(victim)
    run = run_kjrel(["export-tasks", "--raw", raw_copy, "--out", out], capsys)
    assert run.status == 0, run.stderr
    assert victim.read_text() == "mine\n"
    for name in ("tasks.json", "label_config.xml"):
        assert (out / name).is_file() and not (out / name).is_symlink()


# The signal is raised by the process itself when the named module is first imported, so it lands
# in that window on a loaded machine too (a timer in the test could fire after the command ended):
# kjrel_data.load loads with the command line, before main() takes over the handlers; pyarrow
# loads with the command's own stack, after.
_SIGNAL_ON_IMPORT = """
import importlib.abc, signal, sys
from kjrel_data.entry import run

module, number = sys.argv[1], int(sys.argv[2])
sys.argv[1:3] = []

class SignalOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == module:
            sys.meta_path.remove(self)
            signal.raise_signal(number)

sys.meta_path.insert(0, SignalOnImport())
sys.exit(run())
"""


@pytest.mark.parametrize("module", ["kjrel_data.load", "pyarrow"])
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_kjrel_starts_is_one_line_and_exit_130(raw_copy, number, module):
    command = ["agreement", "--raw", str(raw_copy)]
    process = subprocess.run(
        [sys.executable, "-c", _SIGNAL_ON_IMPORT, module, str(int(number)), *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 130, process.stderr
    assert process.stderr.count("\n") == 1 and "Traceback" not in process.stderr, process.stderr
    assert process.stderr.startswith("kjrel"), process.stderr
