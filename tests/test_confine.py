"""`validate` and `publish` read and send nothing from outside the built folder they are given.

Each case changes a private copy of a built folder the way a downloaded or tampered folder could
be, plants a "honeypot" outside it (a secret file, or a copy of the folder's own bytes that would
pass the checksums), and runs the real CLI: exit 1, one message naming the file, nothing opened
in the honeypot, and no Hub call.
"""

import os
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as parquet
import pytest

from kjrel_data import limits
from kjrel_data.files import file_sha256
from kjrel_data.folder_writer import CARD_FILE, CHECKSUM_FILE

from .conftest import REPO
from .hostile import Run, assert_one_message, run_kjrel
from .test_cli_bad_inputs import snapshot
from .test_publish import RecordingApi

SECRET = b"hf_honeypot_secret_token_0123456789\n"


@pytest.fixture
def folder(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "kjrel"
    shutil.copytree(built, copy)
    return copy


@pytest.fixture
def honeypot(tmp_path: Path) -> Path:
    """A folder outside the built one, holding a secret no command may open."""
    outside = tmp_path / "honeypot"
    outside.mkdir()
    (outside / "token").write_bytes(SECRET)
    return outside


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> RecordingApi:
    """The Hub client `kjrel publish` makes: records calls instead of sending them."""
    api = RecordingApi(remote_files=[])
    monkeypatch.setattr("huggingface_hub.HfApi", lambda: api)
    return api


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail the test, rather than hang the suite, if a command waits on a FIFO."""

    def timed_out(signum, frame):
        raise TimeoutError("kjrel waited on a FIFO")

    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def a_shard(folder: Path) -> str:
    return (
        next((folder / "data" / "sentences").glob("train-*.parquet")).relative_to(folder).as_posix()
    )


def relist(folder: Path, relative: str) -> None:
    """Record relative's current sha256 in SHA256SUMS, as a careful forger would."""
    lines = (folder / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()
    digest = file_sha256(folder / relative, 2**40, "file")
    lines = [line for line in lines if line.partition("  ")[2] != relative]
    lines.append(f"{digest}  {relative}")
    (folder / CHECKSUM_FILE).write_text("\n".join(sorted(lines, key=lambda line: line[66:])) + "\n")


def replace_card_path(folder: Path, relative: str, new: str) -> None:
    card = folder / CARD_FILE
    text = card.read_text(encoding="utf-8")
    assert f"- {relative}\n" in text
    card.write_text(text.replace(f"- {relative}\n", f"- {new}\n"), encoding="utf-8")
    relist(folder, CARD_FILE)


def refused(arguments: list, capsys, pattern: str, honeypot: Path, command: str):
    run = run_kjrel(arguments, capsys)
    assert_one_message(run, command, pattern)
    assert run.touched_inside(honeypot) == []
    assert SECRET.decode().strip() not in run.stdout + run.stderr
    return run


@pytest.mark.parametrize("listed", ["DATASHEET.md", CARD_FILE, CHECKSUM_FILE, "shard"])
def test_a_listed_symlink_to_an_outside_copy_is_refused_by_validate_and_publish(
    folder, honeypot, hub, capsys, listed
):
    relative = a_shard(folder) if listed == "shard" else listed
    # The outside copy has the very bytes SHA256SUMS records: only where it lies gives it away.
    copy = honeypot / Path(relative).name
    shutil.copyfile(folder / relative, copy)
    (folder / relative).unlink()
    (folder / relative).symlink_to(copy)
    pattern = rf"{Path(relative).name}: a symlink pointing outside .*kjrel reads only files inside"
    refused(["validate", folder], capsys, pattern, honeypot, "validate")
    refused(["publish", folder, "--repo-id", "my-lab/kjrel"], capsys, pattern, honeypot, "publish")
    assert hub.calls == []


def test_a_listed_symlink_to_a_secret_is_never_read_nor_sent(folder, honeypot, hub, capsys):
    (folder / "DATASHEET.md").unlink()
    (folder / "DATASHEET.md").symlink_to(honeypot / "token")
    pattern = r"DATASHEET\.md: a symlink pointing outside"
    refused(["publish", folder, "--repo-id", "my-lab/kjrel"], capsys, pattern, honeypot, "publish")
    refused(
        ["publish", folder, "--repo-id", "my-lab/kjrel", "--dry-run"],
        capsys,
        pattern,
        honeypot,
        "publish",
    )
    assert hub.calls == []


def test_a_symlinked_data_folder_leading_outside_is_refused(folder, honeypot, hub, capsys):
    shutil.copytree(folder / "data" / "articles", honeypot / "articles")
    shutil.rmtree(folder / "data" / "articles")
    (folder / "data" / "articles").symlink_to(honeypot / "articles", target_is_directory=True)
    refused(["validate", folder], capsys, r"data/articles", honeypot, "validate")
    refused(
        ["publish", folder, "--repo-id", "my-lab/kjrel"],
        capsys,
        r"data/articles",
        honeypot,
        "publish",
    )
    assert hub.calls == []


def test_a_symlink_inside_the_folder_is_refused_too(folder, capsys):
    # The build writes no symlinks: one that stays inside is still not what the build wrote.
    (folder / "DATASHEET.md").rename(folder / "data" / "datasheet-copy")
    (folder / "DATASHEET.md").symlink_to(folder / "data" / "datasheet-copy")
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"DATASHEET\.md: a symlink, which kjrel build never writes")


def test_a_card_path_up_and_out_is_refused_by_name_unread(folder, tmp_path, capsys):
    relative = a_shard(folder)
    # A readable, valid shard waits outside: a validator that followed the path would pass.
    shutil.copyfile(folder / relative, tmp_path / "x.parquet")
    replace_card_path(folder, relative, "../x.parquet")
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"data file '\.\./x\.parquet' leads out with '\.\.'")
    assert [path for path in run.paths if path.endswith("x.parquet")] == []


def test_an_absolute_card_path_is_refused_by_name(folder, capsys):
    replace_card_path(folder, a_shard(folder), "/etc/passwd")
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"data file '/etc/passwd' is an absolute path")
    assert "/etc/passwd" not in run.paths


def test_a_card_path_to_an_unlisted_fifo_is_refused_without_hanging(folder, capsys, no_hang):
    os.mkfifo(folder / "data" / "sentences" / "pipe.parquet")
    replace_card_path(folder, a_shard(folder), "data/sentences/pipe.parquet")
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"pipe\.parquet")
    assert "not listed in SHA256SUMS" in run.stderr
    assert "data file 'data/sentences/pipe.parquet' is not a file SHA256SUMS lists" in run.stderr


def test_a_listed_fifo_is_refused_by_name_without_hanging(folder, capsys, no_hang):
    relative = a_shard(folder)
    (folder / relative).unlink()
    os.mkfifo(folder / relative)
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(
        run, "validate", rf"{Path(relative).name}: a FIFO \(named pipe\), not a regular file"
    )


def test_a_footer_declaring_more_rows_than_its_bytes_is_refused_before_reading(folder, capsys):
    relative = a_shard(folder)
    # Three million empty rows take a few kilobytes: what a forged footer looks like to a reader.
    rows = pa.table({"article_id": pa.nulls(3_000_000, pa.string())})
    parquet.write_table(rows, folder / relative, compression="zstd", row_group_size=3_000_000)
    relist(folder, relative)
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(
        run,
        "validate",
        rf"{Path(relative).name}: row group 0 declares 3,000,000 rows in [0-9,]+ stored bytes",
    )


def test_a_row_group_declaring_more_bytes_than_the_cap_is_refused(folder, capsys, monkeypatch):
    # Real row groups at the real cap would take gigabytes to write: the cap is lowered instead.
    monkeypatch.setattr("kjrel_data.built_folder.MAX_ROW_GROUP_BYTES", 1_000)
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(
        run, "validate", r"row group 0 declares [0-9,]+ bytes of data, more than the 1,000"
    )


def test_an_oversized_card_is_refused_before_reading(folder, capsys):
    # A sparse file: 20 MB long at no cost; reading it whole would be the failure.
    os.truncate(folder / CARD_FILE, 20_000_000)
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"README\.md: 20,000,000 bytes, more than the 10,000,000")
    assert run.paths.count(str(folder / CARD_FILE)) == 1  # hashed against SHA256SUMS, never read


def test_a_card_yaml_nested_50000_deep_is_one_message(folder, capsys):
    text = (folder / CARD_FILE).read_text(encoding="utf-8")
    deep = "configs: " + "[" * 50_000 + "]" * 50_000
    (folder / CARD_FILE).write_text(text.replace("configs:", deep + "\nother:", 1))
    relist(folder, CARD_FILE)
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"README\.md: its YAML header is nested too deeply to read")


def test_an_integer_split_key_is_one_message(folder, capsys):
    text = (folder / CARD_FILE).read_text(encoding="utf-8")
    assert "split: validation" in text
    (folder / CARD_FILE).write_text(text.replace("split: validation", "split: 7", 1))
    relist(folder, CARD_FILE)
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"declares splits 'test', 'train', 7, not")


@pytest.mark.parametrize(
    "token", ["hf_caf\u00e9_token", "hf_token with space", "hf_token\x1b[2J"], ids=repr
)
def test_publish_with_an_unusable_token_sends_nothing_and_never_shows_it(
    folder, hub, capsys, monkeypatch, token
):
    hub.token = None
    monkeypatch.setenv("HF_TOKEN", token)
    run = run_kjrel(["publish", folder, "--repo-id", "my-lab/kjrel"], capsys)
    assert_one_message(run, "publish", r"holds characters no token has.*Nothing was sent")
    assert token not in run.stdout + run.stderr
    assert hub.calls == []


@pytest.mark.parametrize(
    "endpoint", ["http://[::1", "localhost:8080", "https://", "https://hf.co:99999"]
)
def test_publish_with_a_malformed_endpoint_sends_nothing(folder, hub, capsys, endpoint):
    hub.endpoint = endpoint
    run = run_kjrel(["publish", folder, "--repo-id", "my-lab/kjrel"], capsys)
    assert_one_message(
        run, "publish", r"HF_ENDPOINT .* unset it to use huggingface\.co\. Nothing was sent"
    )
    assert hub.calls == []


def test_publish_still_sends_a_clean_folder(folder, hub, capsys):
    run = run_kjrel(["publish", folder, "--repo-id", "my-lab/kjrel"], capsys)
    assert run.status == 0, run.stderr
    assert [name for name, _ in hub.calls] == ["create_repo", "list_repo_files", "create_commit"]


# Item 10: every input file of raw/ and an export is checked by name (inside, regular, under its
# cap) before kjrel reads a byte of it.


def build_refused(raw: Path, tmp_path: Path, capsys, pattern: str) -> Run:
    before = snapshot(raw)
    run = run_kjrel(["build", "--raw", raw, "--out", tmp_path / "out"], capsys)
    assert_one_message(run, "build", pattern)
    assert snapshot(raw) == before
    assert not (tmp_path / "out").exists()
    return run


def test_a_codebook_symlinked_to_dev_zero_is_refused(raw_copy, tmp_path, capsys):
    (raw_copy / "annotations" / "CODEBOOK-zero.md").symlink_to("/dev/zero")
    run = build_refused(
        raw_copy, tmp_path, capsys, r"CODEBOOK-zero\.md: a symlink pointing outside .*/raw"
    )
    assert "/dev/zero" not in run.paths


def test_a_fifo_codebook_is_refused_by_name_without_hanging(raw_copy, tmp_path, capsys, no_hang):
    os.mkfifo(raw_copy / "annotations" / "CODEBOOK-pipe.md")
    build_refused(
        raw_copy, tmp_path, capsys, r"CODEBOOK-pipe\.md: a FIFO \(named pipe\), not a regular file"
    )


@pytest.mark.parametrize(
    ("relative", "size", "pattern"),
    [
        ("annotations/CODEBOOK-huge.md", 6_000_000, r"6,000,000 bytes, more than the 5,000,000"),
        ("articles.csv", 600_000_000, r"600,000,000 bytes, more than the 500,000,000"),
        ("labels.csv", 600_000_000, r"600,000,000 bytes, more than the 500,000,000"),
        ("annotations/passes.csv", 600_000_000, r"600,000,000 bytes, more than the 500,000,000"),
        ("cleaning_corrections.csv", 600_000_000, r"600,000,000 bytes, more than the 500,000,000"),
    ],
)
def test_an_input_over_its_cap_is_refused_before_reading(
    raw_copy, tmp_path, capsys, relative, size, pattern
):
    # A sparse file: as long as the case needs, at no cost to write.
    path = raw_copy / relative
    path.touch()
    os.truncate(path, size)
    run = build_refused(raw_copy, tmp_path, capsys, rf"{Path(relative).name}: {pattern}")
    assert str(path) not in run.paths


def test_a_label_file_symlinked_outside_raw_is_refused(raw_copy, honeypot, tmp_path, capsys):
    shutil.copyfile(raw_copy / "labels.csv", honeypot / "labels.csv")
    (raw_copy / "labels.csv").unlink()
    (raw_copy / "labels.csv").symlink_to(honeypot / "labels.csv")
    run = build_refused(raw_copy, tmp_path, capsys, r"labels\.csv: a symlink pointing outside")
    assert run.touched_inside(honeypot) == []


def test_a_corrections_file_symlinked_outside_raw_is_refused(raw_copy, honeypot, tmp_path, capsys):
    (honeypot / "cleaning_corrections.csv").write_text(
        "article_id,line_number,line_sha256,action,note\n", encoding="utf-8"
    )
    (raw_copy / "cleaning_corrections.csv").symlink_to(honeypot / "cleaning_corrections.csv")
    run = build_refused(
        raw_copy, tmp_path, capsys, r"cleaning_corrections\.csv: a symlink pointing outside"
    )
    assert run.touched_inside(honeypot) == []


def test_an_export_over_its_cap_is_refused_before_reading(raw_copy, tmp_path, capsys):
    export = tmp_path / "export.json"
    export.touch()
    os.truncate(export, 300_000_000)
    before = snapshot(raw_copy)
    run = run_kjrel(["import-annotations", export, "--raw", raw_copy], capsys)
    assert_one_message(
        run, "import-annotations", r"export\.json: 300,000,000 bytes, more than the 250,000,000"
    )
    assert str(export) not in run.paths
    assert snapshot(raw_copy) == before


def test_a_fifo_export_is_refused_by_name_without_hanging(raw_copy, tmp_path, capsys, no_hang):
    os.mkfifo(tmp_path / "export.json")
    before = snapshot(raw_copy)
    run = run_kjrel(["import-annotations", tmp_path / "export.json", "--raw", raw_copy], capsys)
    assert_one_message(run, "import-annotations", r"export\.json: a FIFO \(named pipe\)")
    assert snapshot(raw_copy) == before


def test_the_readme_states_every_size_cap_as_limits_declares_it():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("### File sizes, checked before reading", 1)[1].split("###", 1)[0]
    stated = {
        name: int(value.replace(",", ""))
        for name, value in re.findall(r"^\| `(MAX_[A-Z_]+)` \| ([0-9,]+) \|", table, re.M)
    }
    # Other tables may state other limits; this one states every file size cap, each as declared.
    assert stated == {name: getattr(limits, name) for name in stated}
    assert {
        "MAX_ARTICLE_BYTES",
        "MAX_CSV_BYTES",
        "MAX_CODEBOOK_BYTES",
        "MAX_EXPORT_BYTES",
        "MAX_CARD_BYTES",
        "MAX_CHECKSUM_LIST_BYTES",
        "MAX_DATA_FILE_BYTES",
        "MAX_ROW_GROUP_BYTES",
        "MAX_ROWS_PER_STORED_BYTE",
    } <= set(stated)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_add_refuses_a_source_that_is_not_a_regular_file_by_name(
    raw_copy, tmp_path, capsys, no_hang, kind
):
    source = tmp_path / "new.txt"
    if kind == "fifo":
        os.mkfifo(source)
    else:
        source.symlink_to("/dev/zero")
    before = snapshot(raw_copy)
    run = run_kjrel(
        ["add", source, "--raw", raw_copy, "--outlet", "The Outlet", "--title", "A title"], capsys
    )
    pattern = r"FIFO \(named pipe\)" if kind == "fifo" else r"character device"
    assert_one_message(run, "add", rf"new\.txt: a {pattern}, not a regular file")
    assert snapshot(raw_copy) == before


def test_a_datasheet_beside_raw_linking_to_a_secret_is_never_copied_into_the_build(
    raw_copy, tmp_path, tmp_path_factory, capsys
):
    # Without --docs the documents come from raw/'s parent: a received folder supplies them.
    honeypot = tmp_path_factory.mktemp("honeypot")
    (honeypot / "token").write_bytes(SECRET)
    (tmp_path / "DATASHEET.md").unlink()
    (tmp_path / "DATASHEET.md").symlink_to(honeypot / "token")
    run = build_refused(
        raw_copy,
        tmp_path,
        capsys,
        r"DATASHEET\.md: a symlink pointing outside .*; kjrel reads only",
    )
    assert run.touched_inside(honeypot) == []


def test_an_annotations_folder_linking_out_of_raw_is_refused(raw_copy, tmp_path, capsys):
    outside = tmp_path / "outside-annotations"
    shutil.move(raw_copy / "annotations", outside)
    (raw_copy / "annotations").symlink_to(outside)
    run = build_refused(raw_copy, tmp_path, capsys, r"a symlink pointing outside .*/raw")
    assert run.touched_inside(outside) == []


def test_a_folder_swapped_for_a_link_out_between_check_and_open_is_not_read(
    tmp_path, tmp_path_factory, monkeypatch
):
    from kjrel_data import files
    from kjrel_data.errors import InputError

    outside = tmp_path_factory.mktemp("outside")
    (outside / "labels.csv").write_bytes(SECRET)
    folder = tmp_path / "raw"
    (folder / "annotations").mkdir(parents=True)
    (folder / "annotations" / "labels.csv").write_text("mine\n")
    checked = files.file_problem

    def check_then_swap(path, cap, kind, *, inside=None):
        problem = checked(path, cap, kind, inside=inside)
        # The race an attacker wins: the folder becomes a link out once the path was checked.
        shutil.rmtree(folder / "annotations")
        (folder / "annotations").symlink_to(outside)
        return problem

    monkeypatch.setattr(files, "file_problem", check_then_swap)
    with pytest.raises(InputError, match=r"moved outside .* as kjrel opened it; not read"):
        files.read_file(folder / "annotations" / "labels.csv", 100, "a CSV file", inside=folder)


def test_a_line_break_in_a_built_folders_file_name_cannot_forge_a_message(folder, capsys):
    (folder / "notes\nkjrel validate: forged line").write_text("mine\n")
    run = run_kjrel(["validate", folder], capsys)
    assert_one_message(run, "validate", r"notes\\nkjrel validate: forged line: not listed in")
    assert "\nkjrel validate: forged line" not in run.stderr
