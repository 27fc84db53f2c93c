"""Rebuilding into an existing folder: only what the build wrote is replaced, one build at a time.

Most cases copy the session's build (with its manifest) as the previous build, add what a user or
a Hub clone would, and run `kjrel build` over it through the real entry point.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kjrel_data.errors import OutputError
from kjrel_data.folder_writer import checksum_lines
from kjrel_data.output import MANIFEST_FILE, built_files, staging_folder

from .conftest import DOCS, RAW
from .hostile import assert_one_message, run_kjrel


def tree(folder: Path) -> dict[str, str]:
    """Every entry under folder: a file's bytes, a link's target (never followed), or 'folder'."""
    entries = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                entries[relative] = f"link to {os.readlink(path)}"
            elif path.is_dir():
                entries[relative] = "folder"
            elif not path.is_file():
                entries[relative] = "special file"
            else:
                entries[relative] = path.read_bytes().hex()
    return entries


def build_into(out: Path, capsys):
    return run_kjrel(["build", "--raw", RAW, "--docs", DOCS, "--out", out], capsys)


def beside(out: Path) -> list[str]:
    """What the build left next to out: lock, staging or retired folders."""
    return sorted(
        path.name for path in out.parent.iterdir() if path.name.startswith(f".{out.name}.")
    )


@pytest.fixture
def previous(built: Path, tmp_path: Path) -> Path:
    """A previous build at tmp_path/out (the session's, copied with its manifest)."""
    return Path(shutil.copytree(built, tmp_path / "out", symlinks=True))


@pytest.fixture
def honeypot(tmp_path: Path) -> Path:
    """A folder outside every folder a command is given, with a secret a link may point at."""
    folder = tmp_path / "honeypot"
    folder.mkdir()
    (folder / "secret").write_text("token\n")
    return folder


def add_hub_clone_files(out: Path, honeypot: Path) -> dict[str, str]:
    """What a Hub clone and its user add to a built folder, all hidden; returns those entries' tree."""
    before = tree(out)
    (out / ".git" / "objects" / "ab").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / ".git" / "objects" / "ab" / "cdef").write_bytes(b"\x78\x01packed")
    (out / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    (out / ".env").write_text("HF_TOKEN=hf_secret\n")
    (out / ".notes.txt").write_text("my notes\n")
    (out / "data" / ".my-notes.txt").write_text("about the shards\n")
    (out / "data" / ".scratch").mkdir()
    (out / "data" / ".scratch" / "query.sql").write_text("select 1;\n")
    (out / ".secret-link").symlink_to(honeypot / "secret")
    return {path: value for path, value in tree(out).items() if path not in before}


def test_a_rebuild_into_a_hub_clone_keeps_everything_the_build_did_not_write(
    previous, built, honeypot, capsys
):
    foreign = add_hub_clone_files(previous, honeypot)
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    after = tree(previous)
    assert {path: after.get(path) for path in foreign} == foreign
    # What the rebuild kept, validate and publish skip: the folder is still a valid build.
    assert run_kjrel(["validate", previous], capsys).status == 0
    # The rest is exactly a fresh build: the previous build's files were replaced, not merged.
    assert {path: value for path, value in after.items() if path not in foreign} == tree(built)
    assert beside(previous) == []
    # The link itself was moved (a rename names it), never opened or listed through.
    assert run.touched_inside(honeypot) == [str(previous / ".secret-link")]
    assert tree(honeypot) == {"secret": b"token\n".hex()}


def test_a_folder_without_a_manifest_that_holds_only_hidden_files_is_built_into(
    tmp_path, built, capsys
):
    # A fresh clone of an empty Hub repository.
    out = tmp_path / "clone"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / ".gitattributes").write_text("*.parquet filter=lfs\n")
    run = build_into(out, capsys)
    assert run.status == 0, run.stderr
    assert tree(out) == {
        **tree(built),
        ".git": "folder",
        ".git/HEAD": b"ref: refs/heads/main\n".hex(),
        ".gitattributes": b"*.parquet filter=lfs\n".hex(),
    }


def _hub_download(built: Path, folder: Path) -> Path:
    """The published files of a build, as a Hub clone holds them: no manifest, plus .git."""
    shutil.copytree(built, folder, ignore=shutil.ignore_patterns(MANIFEST_FILE))
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return folder


def _lookalike(folder: Path) -> Path:
    """Someone's folder with a card and a SHA256SUMS of its own files, and their thesis."""
    folder.mkdir()
    (folder / "README.md").write_text("# My thesis data\n")
    (folder / "thesis.tex").write_text("\\chapter{Results}\n")
    (folder / "SHA256SUMS").write_text(checksum_lines(folder))
    return folder


@pytest.mark.parametrize(
    ("make_out", "pattern"),
    [
        (
            lambda tmp, built: _hub_download(built, tmp / "clone"),
            r"clone: exists, is not empty and was not written by kjrel build \(it has no "
            r"\.kjrel-build, nor has a build by an older kjrel\); refusing to replace CODEBOOK\.md, DATASHEET\.md, README\.md, "
            r"SHA256SUMS, codebooks, croissant\.json, data, issue_stance\.png, model_reliability\.png\. .*`git rm`",
        ),
        (
            lambda tmp, built: _lookalike(tmp / "look"),
            r"look: exists, is not empty and was not written by kjrel build .*refusing to "
            r"replace README\.md, SHA256SUMS, thesis\.tex\.",
        ),
    ],
    ids=["hub-clone-without-manifest", "card-and-checksums-of-its-own"],
)
def test_a_folder_kjrel_did_not_write_is_refused_and_left_alone(
    tmp_path, built, capsys, make_out, pattern
):
    out = make_out(tmp_path, built)
    before = tree(tmp_path)
    run = build_into(out, capsys)
    assert_one_message(run, "build", pattern)
    assert tree(tmp_path) == before


def _edit(path: Path) -> None:
    path.write_text(path.read_text() + "\nA line the user added.\n")


def _drop_from_manifest(out: Path, name: str) -> None:
    # As an older kjrel that did not write `name` would have left it, the user's own file in its place.
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    del manifest["files"][name]
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            lambda out: (_edit(out / "README.md"), _edit(out / "DATASHEET.md")),
            r"out: DATASHEET\.md, README\.md changed since kjrel build wrote them, and a rebuild "
            r"would replace them\. Copy your changes elsewhere",
        ),
        (
            lambda out: (
                (out / "croissant.json").unlink()
                or (out / "croissant.json").symlink_to(out / "CODEBOOK.md")
            ),
            r"out: croissant\.json changed since kjrel build wrote them",
        ),
        (
            lambda out: _drop_from_manifest(out, "CODEBOOK.md"),
            r"out: CODEBOOK\.md not written by kjrel build; a rebuild keeps only hidden files",
        ),
        (
            lambda out: (out / MANIFEST_FILE).write_text('{"files": ["README.md"]}'),
            r"out/\.kjrel-build: not a manifest kjrel build can read",
        ),
        (
            lambda out: (out / MANIFEST_FILE).write_text('{"files": {"../outside": "00"}}'),
            r"out/\.kjrel-build: not a manifest kjrel build can read",
        ),
        (
            # A forged manifest naming a Hub clone's own files, with their real digests.
            lambda out: (out / MANIFEST_FILE).write_text(
                json.dumps(
                    {
                        "files": {
                            **json.loads((out / MANIFEST_FILE).read_text())["files"],
                            ".git/HEAD": hashlib.sha256(b"ref: refs/heads/main\n").hexdigest(),
                        }
                    }
                )
            ),
            r"out/\.kjrel-build: not a manifest kjrel build can read",
        ),
        (
            # 200 KB naming one path 100,000 folders deep: refused before any folder is listed.
            lambda out: (out / MANIFEST_FILE).write_text(
                json.dumps({"files": {"a/" * 100_000 + "a": "00"}})
            ),
            r"out/\.kjrel-build: not a manifest kjrel build can read",
        ),
        (
            lambda out: (out / MANIFEST_FILE).write_text(
                json.dumps({"files": {"README.md": "00", "README.md/x": "00"}})
            ),
            r"out/\.kjrel-build: not a manifest kjrel build can read",
        ),
        (
            lambda out: ((out / MANIFEST_FILE).unlink(), (out / MANIFEST_FILE).mkdir()),
            r"out/\.kjrel-build: not a manifest kjrel build can read \(damaged, or not kjrel's\)",
        ),
        (
            lambda out: ((out / MANIFEST_FILE).unlink(), os.mkfifo(out / MANIFEST_FILE)),
            r"out/\.kjrel-build: not a manifest kjrel build can read \(damaged, or not kjrel's\)",
        ),
        (
            lambda out: (
                (out / "notes.txt").write_text("mine\n"),
                (out / "data" / "mine.txt").write_text("mine\n"),
                (out / "sub").mkdir(),
                (out / "sub" / "x").write_text("mine\n"),
            ),
            r"out: data/mine\.txt, notes\.txt, sub not written by kjrel build; a rebuild keeps "
            r"only hidden files \(a name starting with '\.'\), since validate and publish would "
            r"refuse the folder with these\. Move them out of the folder, or rename them to start "
            r"with '\.', then build again\.",
        ),
        (
            lambda out: (out / "notes\nkjrel build: forged line").write_text("mine\n"),
            r"out: notes\\nkjrel build: forged line not written by kjrel build",
        ),
    ],
    ids=[
        "build-files-edited",
        "build-file-became-a-link",
        "user-file-at-a-build-path",
        "manifest-damaged",
        "manifest-names-a-path-outside",
        "manifest-names-a-hidden-file",
        "manifest-path-100000-deep",
        "manifest-path-is-a-file-and-a-folder",
        "manifest-is-a-folder",
        "manifest-is-a-fifo",
        "files-that-are-not-hidden",
        "a-name-with-a-line-break",
    ],
)
def test_a_rebuild_that_would_lose_a_users_file_is_refused(previous, capsys, change, pattern):
    change(previous)
    (previous / ".git").mkdir()
    (previous / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = tree(previous.parent)
    run = build_into(previous, capsys)
    assert_one_message(run, "build", pattern)
    assert run.stderr.count("\n") == 1, run.stderr
    assert tree(previous.parent) == before


def test_an_output_path_that_is_a_link_is_refused(previous, capsys):
    link = previous.with_name("link")
    link.symlink_to(previous)
    before = tree(previous.parent)
    run = build_into(link, capsys)
    assert_one_message(run, "build", r"link: is a symbolic link; pass the folder it points to")
    assert tree(previous.parent) == before


def test_a_file_the_previous_build_wrote_and_the_user_deleted_is_simply_rebuilt(
    previous, built, capsys
):
    (previous / "DATASHEET.md").unlink()
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    assert tree(previous) == tree(built)


def _hold_lock(out: Path, pid: str):
    handle = open(out.with_name(f".{out.name}.kjrel-build-lock"), "w")  # noqa: SIM115 - held past this call
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.write(pid)
    handle.flush()
    return handle


def test_a_second_build_into_the_same_folder_is_refused_while_the_first_runs(previous, capsys):
    with _hold_lock(previous, "kjrel build lock, pid 4242\n"):
        before = tree(previous.parent)
        run = build_into(previous, capsys)
    assert_one_message(
        run, "build", r"another kjrel build is writing .*/out \(pid 4242\); wait for it to finish"
    )
    assert tree(previous.parent) == before


def test_a_lock_left_by_a_killed_build_does_not_block(previous, built, capsys):
    # The kernel drops a dead process's flock: the file alone stays.
    _hold_lock(previous, "kjrel build lock, pid 4242\n").close()
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    assert beside(previous) == []
    assert tree(previous) == tree(built)


def test_a_lock_path_planted_as_a_link_is_refused_and_not_written_through(
    previous, honeypot, capsys
):
    (previous.parent / ".out.kjrel-build-lock").symlink_to(honeypot / "secret")
    before = tree(previous.parent)
    run = build_into(previous, capsys)
    assert_one_message(
        run,
        "build",
        r"\.out\.kjrel-build-lock: not kjrel's build lock \(a link, folder or special file\)",
    )
    assert tree(previous.parent) == before


def test_two_builds_forced_to_overlap_one_refused_the_other_whole(
    previous, built, capsys, monkeypatch
):
    # The second build starts while the first is writing its documents.
    import kjrel_data.build

    second = []
    write_documents = kjrel_data.build.write_documents

    def overlapping(*arguments):
        from kjrel_data.cli import main

        second.append(
            main(["build", "--raw", str(RAW), "--docs", str(DOCS), "--out", str(previous)])
        )
        write_documents(*arguments)

    monkeypatch.setattr(kjrel_data.build, "write_documents", overlapping)
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    assert second == [1]
    assert run.stderr == (
        f"kjrel build: error: another kjrel build is writing {previous} (pid {os.getpid()}); "
        "wait for it to finish, then build again.\n"
    )
    assert "unchanged" not in run.stdout + run.stderr
    assert beside(previous) == []
    assert tree(previous) == tree(built)


def test_a_killed_builds_leftovers_are_put_back_by_the_next_build(
    previous, built, honeypot, capsys
):
    # As a kill leaves them after the carried files moved and the old folder retired, but before
    # the new folder took its place: no out/, the old build retired, .git in the staging folder.
    foreign = add_hub_clone_files(previous, honeypot)
    staging = previous.with_name(".out.building-999999-abc")
    shutil.copytree(built, staging, symlinks=True)
    carried = [
        ".env",
        ".git",
        ".gitattributes",
        ".notes.txt",
        "data/.my-notes.txt",
        "data/.scratch",
    ]
    for path in [*carried, ".secret-link"]:
        os.rename(previous / path, staging / path)
    previous.rename(previous.with_name(".out.previous-999999"))
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    after = tree(previous)
    assert {path: after.get(path) for path in foreign} == foreign
    assert beside(previous) == []


def test_a_failed_block_leaves_the_previous_folder_and_no_staging(tmp_path):
    out = tmp_path / "kjrel"
    with staging_folder(out, tmp_path / "raw", "1.0.0") as staging:
        (staging / "README.md").write_text("old card")
    (out / ".gitattributes").write_text("*.parquet filter=lfs\n")
    before = tree(out)
    with pytest.raises(RuntimeError), staging_folder(out, tmp_path / "raw", "1.0.0") as staging:
        (staging / "README.md").write_text("half")
        raise RuntimeError("interrupted")
    assert tree(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kjrel"]


def test_a_successful_block_replaces_the_folder_whole_and_lists_what_it_wrote(tmp_path):
    out = tmp_path / "kjrel"
    with staging_folder(out, tmp_path / "raw", "1.0.0") as staging:
        (staging / "README.md").write_text("old card")
        (staging / "old.txt").write_text("old")
    with staging_folder(out, tmp_path / "raw", "1.0.0") as staging:
        (staging / "data").mkdir()
        (staging / "data" / "a.parquet").write_bytes(b"abc")
    assert sorted(tree(out)) == [MANIFEST_FILE, "data", "data/a.parquet"]
    assert built_files(out) == {
        "data/a.parquet": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    }
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kjrel"]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "kjrel").write_text("not a folder")
    with (
        pytest.raises(OutputError, match="exists and is not a folder"),
        staging_folder(tmp_path / "kjrel", tmp_path / "raw", "1.0.0"),
    ):
        pass


@pytest.mark.slow
def test_builds_started_together_each_succeed_or_are_refused_and_leave_one_whole_build(
    previous, built
):
    command = [sys.executable, "-m", "kjrel_data.cli", "build", "--raw", str(RAW)]
    processes = [
        subprocess.Popen(
            [*command, "--docs", str(DOCS), "--out", str(previous)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(process.wait(timeout=120), process.stderr.read()) for process in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    for status, stderr in results:
        assert (status, stderr) == (0, "") or (
            status == 1
            and re.fullmatch(
                r"kjrel build: error: another kjrel build is writing \S+ \(pid (\d+|unknown)\); "
                r"wait for it to finish, then build again\.( If none is running, delete \S+\.)?\n",
                stderr,
            )
        ), stderr
    assert 0 in [status for status, _ in results]
    assert beside(previous) == []
    assert tree(previous) == tree(built)


@pytest.mark.parametrize(
    ("failing_rename", "expected_call", "error", "message"),
    [
        (
            3,
            ("out/.gitattributes", "STAGING/.gitattributes"),
            OSError(28, "No space left on device"),
            r"error: .*/out: writing the dataset failed ",
        ),
        (
            9,
            ("STAGING", "out"),
            OSError(16, "Device or resource busy"),
            r"error: .*/out: writing the dataset failed ",
        ),
        (
            7,
            ("out/data/.scratch", "STAGING/data/.scratch"),
            KeyboardInterrupt(),
            r"interrupted; nothing was replaced",
        ),
    ],
    ids=["while-carrying", "while-swapping", "interrupted-while-carrying"],
)
def test_a_rename_that_fails_puts_everything_back(
    previous, honeypot, capsys, monkeypatch, failing_rename, expected_call, error, message
):
    # Fault injection: the Nth rename out of or into the previous folder fails. Renames 1-7 carry
    # the foreign entries, 8 retires the old folder, 9 puts the new one in its place.
    add_hub_clone_files(previous, honeypot)
    before = tree(previous.parent)
    rename = os.rename
    calls = []

    def shown(path) -> str:
        relative = Path(path).relative_to(previous.parent).as_posix()
        return re.sub(r"^\.out\.building-[^/]+", "STAGING", relative)

    def failing(source, target):
        if Path(source).is_relative_to(previous) or Path(target) == previous:
            calls.append((shown(source), shown(target)))
            if len(calls) == failing_rename:
                raise error
        rename(source, target)

    monkeypatch.setattr(os, "rename", failing)
    run = build_into(previous, capsys)
    assert calls[failing_rename - 1] == expected_call
    assert run.status in {1, 130}
    assert run.stderr.count("\n") == 1 and re.search(message, run.stderr), run.stderr
    if run.status == 1:
        assert run.stderr.endswith("; the previous folder is unchanged.\n"), run.stderr
    assert tree(previous.parent) == before


def test_a_killed_builds_file_that_cannot_go_back_is_kept_and_named(previous, built, capsys):
    # A kill left .git in the staging folder; since then a new .git was made in the folder.
    staging = previous.with_name(".out.building-999999-abc")
    shutil.copytree(built, staging, symlinks=True)
    (staging / ".git").mkdir()
    (staging / ".git" / "HEAD").write_text("ref: refs/heads/old\n")
    (previous / ".git").mkdir()
    (previous / ".git" / "HEAD").write_text("ref: refs/heads/new\n")
    before = tree(previous.parent)
    run = build_into(previous, capsys)
    assert_one_message(
        run,
        "build",
        r"\.out\.building-999999-abc/\.git: kept from .*/out by a build that stopped, but "
        r".*/out/\.git now exists\. Move one of them yourself",
    )
    assert tree(previous.parent) == before


def test_a_file_at_the_lock_name_that_kjrel_did_not_write_is_refused_and_left_alone(
    previous, capsys
):
    (previous.parent / ".out.kjrel-build-lock").write_text("my notes\n")
    before = tree(previous.parent)
    run = build_into(previous, capsys)
    assert_one_message(
        run,
        "build",
        r"\.out\.kjrel-build-lock: not kjrel's build lock \(it holds something else\); move it "
        r"away, then build again\.",
    )
    assert tree(previous.parent) == before


def test_a_file_at_the_old_lock_name_is_not_the_builds_lock(previous, built, capsys):
    # .NAME.lock is anyone's name (kjrel add's lock is raw/.kjrel.lock): never written or deleted.
    (previous.parent / ".out.lock").write_text("someone's lock\n")
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    assert (previous.parent / ".out.lock").read_text() == "someone's lock\n"
    assert beside(previous) == [".out.lock"]
    assert tree(previous) == tree(built)


@pytest.mark.parametrize(
    ("raw", "out", "pattern"),
    [
        ("r", "r/kjrel", r"--out \S+/r/kjrel is inside the --raw folder \S+/r, and the build "),
        ("r", "r", r"--out \S+/r is the --raw folder \S+/r, and the build never writes into raw/"),
        ("o/r", "o", r"--raw \S+/o/r is inside --out \S+/o, which a rebuild replaces"),
    ],
    ids=["out-inside-raw", "out-is-raw", "raw-inside-out"],
)
def test_an_output_folder_that_overlaps_raw_is_refused(tmp_path, capsys, raw, out, pattern):
    # Refused before raw/ is read: its lock file (kjrel add's) stays as it is.
    (tmp_path / raw).mkdir(parents=True)
    (tmp_path / raw / ".kjrel.lock").write_text("held by kjrel add\n")
    before = tree(tmp_path)
    run = run_kjrel(
        ["build", "--raw", tmp_path / raw, "--docs", DOCS, "--out", tmp_path / out], capsys
    )
    assert_one_message(run, "build", pattern)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("name", [".out.previous-1", ".out.building-1-abc"])
def test_a_leftover_name_planted_as_a_link_is_never_followed(
    tmp_path, built, honeypot, capsys, name
):
    # As the review planted it: a link at a leftover's name, to a folder with hidden files.
    (honeypot / ".secret").write_text("k\n")
    (honeypot / ".ssh").mkdir()
    shutil.copy(built / MANIFEST_FILE, honeypot / MANIFEST_FILE)
    (tmp_path / name).symlink_to(honeypot)
    before = tree(honeypot)
    out = tmp_path / "out"
    run = build_into(out, capsys)
    assert run.status == 0, run.stderr
    assert tree(out) == tree(built)
    assert tree(honeypot) == before
    assert run.touched_inside(honeypot) == []
    assert beside(out) == [name]


@pytest.mark.parametrize("mode", [0o700, 0o750])
def test_a_rebuild_keeps_the_folders_permission_bits(previous, capsys, mode):
    (previous / ".env").write_text("HF_TOKEN=hf_secret\n")
    previous.chmod(mode)
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    assert stat.S_IMODE(previous.stat().st_mode) == mode


def test_a_new_folder_gets_what_mkdir_gives(tmp_path, capsys):
    umask = os.umask(0o027)
    try:
        run = build_into(tmp_path / "out", capsys)
        (tmp_path / "made").mkdir()
    finally:
        os.umask(umask)
    assert run.status == 0, run.stderr
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "made").stat().st_mode) == 0o750


def _during_the_first_carry(monkeypatch, out: Path, make) -> None:
    """make(out) runs just after the first foreign entry is carried out of out."""
    rename = os.rename
    done = []

    def renaming(source, target):
        rename(source, target)
        if not done and ".building-" in str(target) and Path(source).is_relative_to(out):
            done.append(make(out))

    monkeypatch.setattr(os, "rename", renaming)


def test_a_hidden_file_made_while_the_build_carries_is_kept(previous, built, capsys, monkeypatch):
    (previous / ".env").write_text("HF_TOKEN=hf_secret\n")
    _during_the_first_carry(
        monkeypatch, previous, lambda out: (out / ".late-notes").write_text("typed meanwhile\n")
    )
    run = build_into(previous, capsys)
    assert run.status == 0, run.stderr
    assert (previous / ".late-notes").read_text() == "typed meanwhile\n"
    assert (previous / ".env").read_text() == "HF_TOKEN=hf_secret\n"
    assert beside(previous) == []


def test_a_visible_file_made_while_the_build_carries_is_kept_and_named(
    previous, built, capsys, monkeypatch
):
    (previous / ".env").write_text("HF_TOKEN=hf_secret\n")
    _during_the_first_carry(
        monkeypatch, previous, lambda out: (out / "late.txt").write_text("typed meanwhile\n")
    )
    run = build_into(previous, capsys)
    retired = f".out.previous-{os.getpid()}"
    assert_one_message(
        run,
        "build",
        r"out: the new build is in place, but late\.txt appeared in the folder while it was "
        rf"replaced .*: they are kept in \S+/{re.escape(retired)}\. Move them",
    )
    assert (previous.parent / retired / "late.txt").read_text() == "typed meanwhile\n"
    assert (previous / ".env").read_text() == "HF_TOKEN=hf_secret\n"
    monkeypatch.undo()
    # The next build does not delete it either.
    again = build_into(previous, capsys)
    assert_one_message(
        again,
        "build",
        rf"{re.escape(retired)}: the folder a stopped build retired from \S+/out holds "
        r"late\.txt, which no build wrote\.",
    )
    assert (previous.parent / retired / "late.txt").read_text() == "typed meanwhile\n"


@pytest.mark.parametrize("after_rename", [8, 9], ids=["after-retiring", "after-swapping"])
def test_an_interrupt_during_the_swap_waits_and_says_the_new_build_is_in_place(
    previous, built, capsys, monkeypatch, after_rename
):
    # Renames 1-7 carry the foreign entries, 8 retires the old folder, 9 puts the new one in place.
    foreign = add_hub_clone_files(previous, previous.parent / "honeypot-unused")
    rename = os.rename
    calls = []

    def interrupted(source, target):
        rename(source, target)
        if Path(source).is_relative_to(previous) or Path(target) == previous:
            calls.append(target)
            if len(calls) == after_rename:
                signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(os, "rename", interrupted)
    run = build_into(previous, capsys)
    assert run.status == 130, run.stderr
    assert run.stderr == (
        f"kjrel build: error: {previous}: interrupted once the new build was in place; it is "
        "complete, and nothing of the previous folder is left beside it.\n"
    )
    after = tree(previous)
    assert {path: after.get(path) for path in foreign} == foreign
    assert {path: value for path, value in after.items() if path not in foreign} == tree(built)
    assert beside(previous) == []


@pytest.mark.parametrize(
    ("out", "pattern"),
    [
        ("/", r"--out /: names no folder the build can replace"),
        ("n" * 245, r"--out \S+/n{245}: its name is 245 bytes, too long for the folders the build"),
    ],
    ids=["root", "name-too-long"],
)
def test_an_output_path_the_build_cannot_name_beside_is_refused_by_name(
    tmp_path, capsys, out, pattern
):
    run = build_into(tmp_path / out, capsys)
    assert_one_message(run, "build", pattern)
    assert list(tmp_path.iterdir()) == []
