import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as parquet
import pytest

from kjrel_data.folder_writer import checksum_lines
from kjrel_data.load import load_catalog
from kjrel_data.version import read_release

from .conftest import RAW, REPO
from .hostile import run_kjrel


def kjrel(*arguments: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`kjrel ARGUMENTS` in a process of its own, for the few tests of what only a process shows."""
    return subprocess.run(
        [sys.executable, "-m", "kjrel_data.cli", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["build"],
        ["add"],
        ["validate"],
        ["schemas"],
        ["agreement"],
        ["codebook"],
        ["label-changes"],
        ["correct"],
        ["uncorrect"],
        ["review"],
    ],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        run_kjrel([*command, "--help"], capsys)
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert "usage: kjrel" in shown and "Exit status" in shown


def test_kjrel_help_in_a_process_of_its_own():
    result = kjrel("--help")
    assert result.returncode == 0, result.stderr
    assert "usage: kjrel" in result.stdout and "Exit status" in result.stdout


# Libraries that take seconds to load; `kjrel --help` and `kjrel add` need none of them.
HEAVY_LIBRARIES = ("sklearn", "scipy", "matplotlib", "pandas", "datasets", "pyarrow")


ADD = ["add", "article.txt", "--outlet", "Test Wire", "--title", "Talks resume", "--raw", "raw"]


@pytest.mark.parametrize("command", [["--help"], ["add", "--help"], ADD])
def test_help_and_add_load_no_heavy_library(command, tmp_path):
    shutil.copytree(RAW, tmp_path / "raw")
    (tmp_path / "article.txt").write_text(
        "Seoul and Tokyo agreed on Monday to resume talks.\n\nThe ministers will meet again.\n",
        encoding="utf-8",
    )
    # A fresh interpreter: this test process has loaded them all already.
    script = (
        "import sys\n"
        "from kjrel_data.cli import main\n"
        "try:\n"
        "    status = main(sys.argv[1:])\n"
        "except SystemExit as exit:\n"
        "    status = exit.code\n"
        "loaded = {name.partition('.')[0] for name in sys.modules}\n"
        f"print(status, sorted(loaded & {set(HEAVY_LIBRARIES)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exited:
        run_kjrel(["frobnicate"], capsys)
    assert exited.value.code == 2


def test_build_prints_a_summary_and_validate_accepts_the_folder(tmp_path, capsys):
    # The one build in a process of its own, as a user runs it: from the repository, by default.
    built = kjrel("build", "--out", str(tmp_path / "kjrel"))
    assert built.returncode == 0, built.stderr
    articles = len(load_catalog(REPO / "raw").articles)
    assert re.search(
        rf"{articles} articles, \d+ sentences; annotated \d+ \(\d+%\), model labels only on \d+, unlabelled \d+",
        built.stdout,
    )
    checked = run_kjrel(["validate", tmp_path / "kjrel"], capsys)
    assert checked.status == 0, checked.stderr
    assert "is valid" in checked.stdout


def test_bad_input_is_one_message_on_stderr_without_a_traceback(raw_copy, tmp_path, capsys):
    (raw_copy / "articles.csv").write_text("article_id,file\nx,y\n", encoding="utf-8")
    result = run_kjrel(["build", "--raw", raw_copy, "--out", tmp_path / "out"], capsys)
    assert result.status == 1
    assert (
        result.stderr.startswith("kjrel build: error: ")
        and "articles.csv: header must be" in result.stderr
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


def _copy(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "copy"))


def _train_sentences(folder: Path) -> Path:
    return next((folder / "data" / "sentences").glob("train-*.parquet"))


def _rewrite_parquet(path: Path, change) -> None:
    table = parquet.read_table(path)
    parquet.write_table(change(table), path)


def _refresh_checksums(folder: Path) -> None:
    (folder / "SHA256SUMS").write_text(checksum_lines(folder))


def _set_stance(table: pa.Table, value: str) -> pa.Table:
    stance = pa.array([value] * table.num_rows, pa.string())
    return table.set_column(
        table.schema.get_field_index("stance"), table.schema.field("stance"), stance
    )


def _validate_fails(folder: Path, capsys, *expected: str) -> None:
    result = run_kjrel(["validate", folder], capsys)
    assert result.status == 1, result.stdout
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


def test_validate_catches_an_edited_parquet_by_checksum(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    path = _train_sentences(folder)
    _rewrite_parquet(path, lambda table: _set_stance(table, "pro"))
    _validate_fails(folder, capsys, f"{path.relative_to(folder).as_posix()}: sha256 differs")


def test_validate_catches_a_label_out_of_range_even_with_fresh_checksums(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    path = _train_sentences(folder)
    _rewrite_parquet(path, lambda table: _set_stance(table, "pro"))
    _refresh_checksums(folder)
    _validate_fails(
        folder, capsys, "sentences in train (sentence_id=", "isin failed", "stance='pro'"
    )


def test_validate_catches_a_changed_text_even_with_fresh_checksums(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    path = _train_sentences(folder)

    def change(table: pa.Table) -> pa.Table:
        texts = table["text"].to_pylist()
        texts[0] = texts[0].replace("the", "a", 1)
        return table.set_column(
            table.schema.get_field_index("text"), table.schema.field("text"), pa.array(texts)
        )

    _rewrite_parquet(path, change)
    _refresh_checksums(folder)
    _validate_fails(folder, capsys, "text_sha256_matches failed")


def test_validate_catches_a_missing_or_edited_codebook_even_with_fresh_checksums(
    built, tmp_path, capsys
):
    pinned = hashlib.sha256((RAW / "annotations" / "CODEBOOK-round1.md").read_bytes()).hexdigest()
    folder = _copy(built, tmp_path)
    codebook = folder / "codebooks" / "CODEBOOK-round1.md"
    codebook.write_text(codebook.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    _refresh_checksums(folder)
    _validate_fails(
        folder,
        capsys,
        f"no codebook has sha256 {pinned}",
        "codebooks/CODEBOOK-round1.md: no annotation pass pins this codebook",
    )
    codebook.unlink()
    _refresh_checksums(folder)
    _validate_fails(folder, capsys, f"no codebook has sha256 {pinned}")


def test_validate_catches_a_deleted_and_an_added_file(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    deleted = _train_sentences(folder)
    deleted.unlink()
    (folder / "data" / "sentences" / "extra.parquet").write_bytes(b"")
    _validate_fails(
        folder,
        capsys,
        f"{deleted.relative_to(folder).as_posix()}: listed in SHA256SUMS but missing",
        "data/sentences/extra.parquet: not listed in SHA256SUMS",
    )


def test_validate_catches_an_edited_card(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    card = folder / "README.md"
    card.write_text(card.read_text().replace("'2': favor", "'2': pro"))
    _validate_fails(folder, capsys, "README.md: sha256 differs")
    _refresh_checksums(folder)
    _validate_fails(folder, capsys, "README.md: dataset_info features of 'sentences' differ")


def test_validate_ignores_hidden_files_a_hub_download_adds(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    (folder / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    (folder / ".cache" / "huggingface").mkdir(parents=True)
    (folder / ".cache" / "huggingface" / "download.lock").write_text("")
    assert run_kjrel(["validate", folder], capsys).status == 0


def test_schemas_into_a_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    result = run_kjrel(["schemas", "--out", tmp_path / "file"], capsys)
    assert result.status == 1
    assert result.stderr.startswith(f"kjrel schemas: error: {tmp_path / 'file'}")
    assert "Traceback" not in result.stderr


def test_validate_catches_a_checksum_list_that_is_not_text(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    (folder / "SHA256SUMS").write_bytes(b"\xff\xfe not text")
    _validate_fails(folder, capsys, "SHA256SUMS: not UTF-8 text")


def test_validate_catches_a_card_whose_data_path_is_not_a_list_of_files(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    card = folder / "README.md"
    card.write_text(
        re.sub(r"path:\n    - (data/sentences/train-\S+)", r"path: \1", card.read_text(), count=1)
    )
    _refresh_checksums(folder)
    _validate_fails(folder, capsys, "README.md: its YAML header lacks configs or dataset_info")


def test_validate_catches_a_card_split_with_no_files(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    card = folder / "README.md"
    card.write_text(
        re.sub(r"path:\n    - data/sentences/train-\S+", "path: []", card.read_text(), count=1)
    )
    _refresh_checksums(folder)
    _validate_fails(folder, capsys, "README.md: its YAML header lacks configs or dataset_info")


def test_validate_refuses_a_folder_that_is_not_a_build(tmp_path, capsys):
    _validate_fails(tmp_path, capsys, "not a built dataset folder")


def test_agreement_prints_the_figures_the_card_shows(built, capsys, monkeypatch):
    # From the repository, so the default --raw is its raw/.
    monkeypatch.chdir(REPO)
    result = run_kjrel(["agreement"], capsys)
    assert result.status == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if line.startswith("| 1 |")]
    assert {"`stance`", "`stance_holder`", "`issue`", "`issues`"} <= {
        line.split(" | ")[2] for line in printed
    }
    card = (built / "README.md").read_text(encoding="utf-8")
    assert printed and all(line in card for line in printed)
    figures = json.loads(result.stdout.splitlines()[-1])["agreement"]
    assert all(0 <= figure["cohen_kappa"] <= 1 for figure in figures)


def test_label_changes_lists_changes_by_sentence_id(tmp_path, capsys):
    header = "sentence_id,text_sha256,stance,stance_holder,issue,issues,label_source,note\n"
    digest = "0" * 64
    (tmp_path / "old.csv").write_text(
        header
        + f"a-0000,{digest},favor,author,trade,trade,adjudicated,\n"
        + f"a-0001,{digest},none,none,none,none,adjudicated,\n"
    )
    (tmp_path / "new.csv").write_text(
        header
        + f"a-0000,{digest},against,japan,trade,trade;security,adjudicated,\n"
        + f"a-0002,{digest},none,none,none,none,single_blind,\n"
    )
    result = run_kjrel(["label-changes", tmp_path / "old.csv", tmp_path / "new.csv"], capsys)
    assert result.status == 0, result.stderr
    assert result.stdout.splitlines() == [
        "- `a-0000`: stance favor → against; stance_holder author → japan; issues trade → trade;security",
        "- `a-0001`: label removed (was stance none, stance_holder none, issue none, issues none)",
        "- `a-0002`: labelled (stance none, stance_holder none, issue none, issues none)",
    ]


def test_the_changelog_heads_with_the_released_version(built):
    release = read_release(RAW)
    versions = re.findall(
        r"^## (\d+\.\d+\.\d+)$", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), re.M
    )
    assert versions and versions[0] == release.version
    assert f"Dataset version {release.version}**" in (built / "README.md").read_text(
        encoding="utf-8"
    )
    schema = parquet.read_schema(_train_sentences(built))
    assert schema.metadata[b"kjrel_dataset_version"].decode() == release.version


def test_validate_refuses_a_card_that_states_no_version(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    card = folder / "README.md"
    card.write_text(
        re.sub(
            r"\*\*Dataset version \S+\*\*",
            "**Dataset version latest**",
            card.read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    _refresh_checksums(folder)
    _validate_fails(folder, capsys, "states no dataset version")


def test_validate_refuses_a_folder_built_as_another_version(built, tmp_path, capsys):
    folder = _copy(built, tmp_path)
    path = _train_sentences(folder)
    table = parquet.read_table(path)
    parquet.write_table(
        table.replace_schema_metadata(
            {**table.schema.metadata, b"kjrel_dataset_version": b"0.9.0"}
        ),
        path,
    )
    _refresh_checksums(folder)
    stated = read_release(RAW).version
    _validate_fails(
        folder, capsys, f"built as dataset version 0.9.0, but the card states version {stated}"
    )
