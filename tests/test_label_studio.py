"""The human round through a real Label Studio: export-tasks → its HTTP API → import-annotations → build.

Label Studio pins its own Django and friends, so it lives in a separate virtual environment, named
by KJREL_LABEL_STUDIO_VENV (.ci/run creates one); without it the test is skipped and says why.
"""

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as parquet
import pytest

from kjrel_data.add import NewArticle, add_article
from kjrel_data.build import build
from kjrel_data.cli import main
from kjrel_data.import_annotations import import_annotations
from kjrel_data.load import load_catalog
from kjrel_data.names import SENTENCES
from kjrel_data.tasks import RoundPlan, export_tasks

from .conftest import RAW, REPO, built_corpus
from .test_add import UNSEEN, UNSEEN_TITLE
from .test_import_annotations import _choices

VENV_VARIABLE = "KJREL_LABEL_STUDIO_VENV"
# Legacy API tokens, set when the users are made; Label Studio takes any key longer than 5.
ANNOTATORS = {
    "first@example.org": "kjreltokenfirst0000000000000000000000001",
    "second@example.org": "kjreltokensecond000000000000000000000002",
}
PASSWORD = "kjrel-round-trip"
# The first start migrates a new SQLite database: minutes on a slow machine.
START_TIMEOUT = 900

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory) -> str:
    """The address of a Label Studio started for this module on a free localhost port."""
    venv = os.environ.get(VENV_VARIABLE)
    if not venv:
        pytest.skip(
            f"{VENV_VARIABLE} is not set: no Label Studio to run the round trip against "
            "(.ci/run installs label-studio==1.23.* into .venv-label-studio and sets it)."
        )
    program = Path(venv) / "bin" / "label-studio"
    assert program.is_file(), f"{VENV_VARIABLE}={venv}, but {program} does not exist."
    data_dir = tmp_path_factory.mktemp("label-studio")
    environment = {
        **os.environ,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    }
    common = ["--data-dir", str(data_dir), "--enable-legacy-api-token"]
    # `init` makes a user with a token and adds them to the one organization.
    for email, token in ANNOTATORS.items():
        subprocess.run(
            [str(program), "init", "--quiet", *common, *_user(email), "--user-token", token],
            env=environment,
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
        )
    port = _free_port()
    log = (data_dir / "server.log").open("wb")
    local = ["--no-browser", "--internal-host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [str(program), "start", *common, *_user(next(iter(ANNOTATORS))), *local],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(address, server, data_dir / "server.log")
        yield address
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def _user(email: str) -> list[str]:
    return ["--username", email, "--password", PASSWORD]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(address: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"Label Studio exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{address}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(2)
    pytest.fail(f"Label Studio did not answer in {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def _api(address: str, method: str, path: str, body: object = None, user: str | None = None):
    """One call of Label Studio's HTTP API as user (the first annotator by default); its JSON."""
    token = ANNOTATORS[user or next(iter(ANNOTATORS))]
    request = urllib.request.Request(
        f"{address}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode("utf-8"),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def _project(address: str, folder: Path) -> tuple[int, dict[str, dict]]:
    """A project made from export-tasks' project.json with its tasks.json: id, tasks by sentence."""
    settings = json.loads((folder / "project.json").read_text(encoding="utf-8"))
    project = _api(address, "POST", "/api/projects", settings)
    assert project["maximum_annotations"] == settings["maximum_annotations"]
    tasks = json.loads((folder / "tasks.json").read_text(encoding="utf-8"))
    _api(address, "POST", f"/api/projects/{project['id']}/import", tasks)
    stored = _api(address, "GET", f"/api/tasks?project={project['id']}&page_size=1000")["tasks"]
    return project["id"], {task["data"]["sentence_id"]: task for task in stored}


def _annotate(address: str, task: dict, result: list[dict], user: str) -> None:
    """Submit an annotation of the task as user would in the labelling interface."""
    _api(address, "POST", f"/api/tasks/{task['id']}/annotations/", {"result": result}, user)


def _export(address: str, project_id: int, path: Path) -> Path:
    export = _api(address, "GET", f"/api/projects/{project_id}/export?exportType=JSON")
    path.write_text(json.dumps(export), encoding="utf-8")
    return path


NOT_ARTICLE_TEXT = [
    {
        "from_name": "not_article_text",
        "to_name": "text",
        "type": "choices",
        "value": {"choices": ["not article text"]},
    }
]


def test_a_round_trip_through_label_studio_keeps_each_labels_provenance(
    label_studio, tmp_path, capsys
):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for document in ("DATASHEET.md", "CODEBOOK.md"):
        shutil.copyfile(REPO / document, tmp_path / document)
    add_article(raw, UNSEEN, NewArticle(outlet="Pacific Wire", title=UNSEEN_TITLE))
    corpus = built_corpus(raw)
    plans = {
        "shown": RoundPlan(),
        "blind": RoundPlan(blind=True),
        "overlap": RoundPlan(annotators=2),
        "check": RoundPlan(check=True, annotators=2),
    }
    for name, plan in plans.items():
        export_tasks([corpus], tmp_path / name, plan)
    first, second = ANNOTATORS

    # One annotator: a label in a default round, one in a blind round, a line of chrome.
    shown_id, shown = _project(label_studio, tmp_path / "shown")
    blind_id, blind = _project(label_studio, tmp_path / "blind")
    new_sentences = sorted(shown)
    labelled, labelled_blind, chrome = new_sentences[0], new_sentences[1], new_sentences[-1]
    # A default round shows the published model labels, where there are some, and says so.
    stored = _api(label_studio, "GET", f"/api/tasks/{shown[labelled]['id']}")
    was_shown = bool(stored["predictions"])
    published = {
        row["sentence_id"]
        for table in corpus[SENTENCES].values()
        for row in table.select(["sentence_id", "model_stance"]).to_pylist()
        if row["model_stance"] is not None
    }
    assert was_shown is (labelled in published)
    assert stored["data"]["model_labels_shown"] is was_shown
    _annotate(label_studio, shown[labelled], _choices("against", "japan", "history"), first)
    _annotate(label_studio, shown[chrome], NOT_ARTICLE_TEXT, first)
    _annotate(label_studio, blind[labelled_blind], _choices("none", "none", "trade"), first)

    # Two annotators on the same tasks, blind: passes for agreement.
    overlap_id, overlap = _project(label_studio, tmp_path / "overlap")
    for sentence_id, labels in zip(
        new_sentences[2:4], (("favor", "japan", "trade"), ("none", "none", "history")), strict=True
    ):
        _annotate(label_studio, overlap[sentence_id], _choices(*labels), first)
        _annotate(label_studio, overlap[sentence_id], _choices("none", "none", labels[2]), second)

    # A check round: both annotators relabel two gold sentences blind.
    with (raw / "labels.csv").open(encoding="utf-8", newline="") as handle:
        gold = {row["sentence_id"]: row for row in csv.DictReader(handle)}
    check_id, check = _project(label_studio, tmp_path / "check")
    assert set(check) == set(gold)
    checked = sorted(check)[:2]
    for sentence_id in checked:
        row = gold[sentence_id]
        other = [name for name in row["issues"].split(";") if name != row["issue"]]
        as_gold = _choices(row["stance"], row["stance_holder"], row["issue"], other)
        _annotate(label_studio, check[sentence_id], as_gold, first)
        _annotate(label_studio, check[sentence_id], as_gold, second)

    single = import_annotations(raw, _export(label_studio, shown_id, tmp_path / "shown.json"))
    assert single.added == [labelled] and len(single.dropped_lines) == 1
    assert import_annotations(
        raw, _export(label_studio, blind_id, tmp_path / "blind.json")
    ).added == [labelled_blind]
    overlapping = import_annotations(
        raw, _export(label_studio, overlap_id, tmp_path / "overlap.json")
    )
    stored_rounds = max(item.round for item in load_catalog(RAW).annotation_passes)
    overlap_round, check_round = stored_rounds + 1, stored_rounds + 2
    assert (overlapping.round, len(overlapping.passes), overlapping.pass_rows) == (
        overlap_round,
        2,
        4,
    )
    checking = import_annotations(raw, _export(label_studio, check_id, tmp_path / "check.json"))
    assert (checking.round, checking.gold_disagreements) == (check_round, [])
    assert all("-gold-check-label-studio-user-" in name for name in checking.passes)

    build(raw, tmp_path / "out", tmp_path)
    sentences = {
        row["sentence_id"]: row
        for path in sorted((tmp_path / "out/data/sentences").glob("*.parquet"))
        for row in parquet.read_table(path).to_pylist()
    }
    sources = {sentence_id: row["label_source"] for sentence_id, row in sentences.items()}
    assert (sources[labelled], sources[labelled_blind]) == (
        "single_model_shown" if was_shown else "single_blind",
        "single_blind",
    )
    assert sentences[labelled]["stance"] == "against"
    assert "Label Studio: annotated by user" in sentences[labelled]["gold_note"]
    # Passes are passes: the overlap's sentences stay without annotation labels.
    assert {sources[sentence_id] for sentence_id in new_sentences[2:4]} <= {"model", "unlabelled"}
    assert all(sentences[sentence_id]["stance"] is None for sentence_id in new_sentences[2:4])
    assert {sources[sentence_id] for sentence_id in checked} == {"adjudicated"}
    assert chrome not in sentences
    annotations = pa.concat_tables(
        parquet.read_table(path)
        for path in sorted((tmp_path / "out/data/annotations").glob("*.parquet"))
    ).to_pylist()
    humans = {row["annotator"] for row in annotations if row["round"] > stored_rounds}
    assert len(humans) == 2 and all(name.startswith("Label Studio user ") for name in humans)
    assert {row["annotator_kind"] for row in annotations if row["round"] > stored_rounds} == {
        "human"
    }

    assert main(["agreement", "--raw", str(raw)]) == 0
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])["agreement"]
    rounds = {
        (f["round"], f["second_pass"] == "gold") for f in figures if f["round"] > stored_rounds
    }
    assert rounds == {(overlap_round, False), (check_round, False), (check_round, True)}
