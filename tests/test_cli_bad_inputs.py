"""Every kind of bad input, through the real `kjrel` entry point.

Each case changes a private copy of raw/ (or the output location) the way a maintainer's slip
would, then runs `kjrel build` over a previous good build, and asserts: exit status 1, one message
on stderr that names the culprit, no traceback, and raw/ and the previous output byte-identical.
"""

import csv
import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kjrel_data.build import build
from kjrel_data.cli import main

from .conftest import REPO

ARTICLE = "diplomat-why-japan-hesitant"
ARTICLE_FILE = f"articles/{ARTICLE}.txt"


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): _content(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _content(path: Path) -> str:
    """The file's sha256; for a sparse file, a digest of its stored data and where each run lies."""
    # The oversized inputs are sparse files of up to 600 MB: hashing their zeros took seconds.
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        runs = _data_runs(handle.fileno(), size)
        handle.seek(0)
        if size == 0 or runs == [(0, size)]:
            return hashlib.file_digest(handle, "sha256").hexdigest()
        # Holes read as zeros: the size and each run's place, length and bytes fix the content.
        digest = hashlib.sha256(f"{size} bytes".encode())
        for start, end in runs:
            digest.update(f"; {start}+{end - start}: ".encode())
            handle.seek(start)
            for _ in range(start, end, 2**20):
                digest.update(handle.read(min(2**20, end - handle.tell())))
    return f"sparse file, {digest.hexdigest()}"


def _data_runs(descriptor: int, size: int) -> list[tuple[int, int]]:
    """The (start, end) of each run of stored data, with holes between them."""
    runs: list[tuple[int, int]] = []
    offset = 0
    while offset < size:
        try:
            start = os.lseek(descriptor, offset, os.SEEK_DATA)
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
            break
        offset = os.lseek(descriptor, start, os.SEEK_HOLE)
        runs.append((start, offset))
    return runs


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


def edit_metadata(raw: Path, target: str = ARTICLE, **changes: str) -> None:
    columns, rows = read_csv(raw / "articles.csv")
    write_csv(
        raw / "articles.csv",
        columns,
        [{**r, **changes} if r["article_id"] == target else r for r in rows],
    )


def replace_article(raw: Path, data: bytes) -> None:
    """New bytes for the article, with its sha256 recorded, as a maintainer would do."""
    (raw / ARTICLE_FILE).write_bytes(data)
    edit_metadata(raw, sha256=hashlib.sha256(data).hexdigest())


def edit_label_row(path: Path, index: int, **changes: str) -> None:
    columns, rows = read_csv(path)
    rows[index] = {**rows[index], **changes}
    write_csv(path, columns, rows)


def duplicate_label_row(path: Path) -> None:
    columns, rows = read_csv(path)
    write_csv(path, columns, [*rows, rows[0]])


def drop_metadata_column(raw: Path) -> None:
    columns, rows = read_csv(raw / "articles.csv")
    write_csv(raw / "articles.csv", [c for c in columns if c != "split"], rows)


def duplicate_metadata_row(raw: Path) -> None:
    columns, rows = read_csv(raw / "articles.csv")
    write_csv(raw / "articles.csv", columns, [*rows, rows[-1]])


def remove_article(raw: Path) -> None:
    """Drop an article (file and row) but not its label rows."""
    columns, rows = read_csv(raw / "articles.csv")
    write_csv(raw / "articles.csv", columns, [r for r in rows if r["article_id"] != ARTICLE])
    (raw / ARTICLE_FILE).unlink()


def make_passes_disagree(raw: Path) -> None:
    """The latest round's pass b now differs from its pass a on a sentence whose gold row gives no reason."""
    _, gold = read_csv(raw / "labels.csv")
    index = next(i for i, row in enumerate(gold) if not row["note"] and row["stance"] == "none")
    edit_label_row(
        raw / "annotations" / "round2-b.csv", index, stance="favor", stance_holder="author"
    )


def same_file_under_two_ids(raw: Path) -> None:
    columns, rows = read_csv(raw / "articles.csv")
    copy = {
        **next(r for r in rows if r["article_id"] == ARTICLE),
        "article_id": "a-second-id",
        "split": "test",
    }
    write_csv(raw / "articles.csv", columns, [*rows, copy])


def gold_differs_from_agreeing_passes(raw: Path) -> None:
    _, gold = read_csv(raw / "labels.csv")
    index = next(i for i, row in enumerate(gold) if not row["note"] and row["stance"] == "favor")
    edit_label_row(raw / "labels.csv", index, stance="against")


def blank_line_then_bad_row(raw: Path) -> None:
    lines = (raw / "labels.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "\n")
    lines[6] = lines[6].replace(",none,none,", ",pro,none,", 1)
    (raw / "labels.csv").write_text("".join(lines), encoding="utf-8")


def sparse_file(raw: Path) -> None:
    """A 50 MB article that takes no disk or memory to make (a sparse file)."""
    with (raw / ARTICLE_FILE).open("wb") as handle:
        handle.truncate(50_000_000)


GOLD = "labels.csv"
PASS = "annotations/round1-a.csv"

# (id, change to raw/, pattern the message must match: it names the file, row or sentence)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "article-empty",
        lambda raw: replace_article(raw, b""),
        rf"{ARTICLE}\.txt: the article is empty",
    ),
    (
        "article-whitespace",
        lambda raw: replace_article(raw, b" \n\t\n  "),
        rf"{ARTICLE}\.txt: the article is empty",
    ),
    (
        "article-latin1",
        lambda raw: replace_article(raw, "Caf\u00e9 talks.".encode("latin-1")),
        rf"{ARTICLE}\.txt: not UTF-8 \(byte 3",
    ),
    (
        "article-cp1252",
        lambda raw: replace_article(raw, b"\x93Quoted\x94 talks."),
        rf"{ARTICLE}\.txt: not UTF-8 \(byte 0",
    ),
    (
        "article-nul",
        lambda raw: replace_article(raw, b"Talks\x00held."),
        rf"{ARTICLE}\.txt: contains a NUL byte at byte 5",
    ),
    (
        "article-only-chrome",
        lambda raw: replace_article(raw, b"Tokyo Report\n\nRecent Features\n"),
        rf"{ARTICLE}\.txt: nothing is left after cleaning",
    ),
    ("article-50-mb", sparse_file, rf"{ARTICLE}\.txt: 50,000,000 bytes is more than one article"),
    (
        "article-without-metadata",
        lambda raw: (raw / "articles" / "extra.txt").write_text("An extra article."),
        r"extra\.txt has no row in .*articles\.csv",
    ),
    (
        "metadata-without-article",
        lambda raw: (raw / ARTICLE_FILE).unlink(),
        rf"article '{ARTICLE}' names file '{ARTICLE_FILE}'",
    ),
    (
        "article-sha256-mismatch",
        lambda raw: (raw / ARTICLE_FILE).write_bytes((raw / ARTICLE_FILE).read_bytes() + b"\n"),
        rf"{ARTICLE}\.txt: sha256 is [0-9a-f]{{64}}, but articles\.csv records",
    ),
    (
        "metadata-missing-column",
        drop_metadata_column,
        r"articles\.csv: header must be .*missing: split",
    ),
    (
        "metadata-empty-id",
        lambda raw: edit_metadata(raw, article_id=""),
        r"articles\.csv: row 5: article_id is empty",
    ),
    (
        "metadata-unsafe-id",
        lambda raw: edit_metadata(raw, article_id="../etc/passwd"),
        r"row 5: article_id '\.\./etc/passwd' must be lowercase",
    ),
    (
        "metadata-unknown-split",
        lambda raw: edit_metadata(raw, split="dev"),
        r"row 5: split 'dev' is not one of train, validation, test",
    ),
    (
        "metadata-unknown-kind",
        lambda raw: edit_metadata(raw, kind="blog"),
        r"row 5: kind 'blog' is not one of news, opinion, commentary",
    ),
    (
        "metadata-date-not-iso",
        lambda raw: edit_metadata(raw, published_date="May 2021"),
        r"row 5: published_date 'May 2021' is not an ISO date",
    ),
    (
        "metadata-date-future",
        lambda raw: edit_metadata(raw, published_date="2999-12-31"),
        r"row 5: published_date 2999-12-31 is in the future",
    ),
    (
        "metadata-duplicate-row",
        duplicate_metadata_row,
        r"articles\.csv: row 7: article_id '.+' repeats row 6",
    ),
    (
        "metadata-not-utf8",
        lambda raw: (raw / "articles.csv").write_bytes(
            (raw / "articles.csv").read_bytes().replace(b"Diplomat", b"Diplom\xe4t", 1)
        ),
        r"articles\.csv: not UTF-8 at byte",
    ),
    (
        "metadata-ragged-row",
        lambda raw: (raw / "articles.csv").write_text((raw / "articles.csv").read_text() + "x,y\n"),
        r"articles\.csv: row 7 has a different number of cells",
    ),
    (
        "labels-unknown-sentence",
        lambda raw: edit_label_row(raw / GOLD, 0, sentence_id="no-such-article-0000"),
        r"raw/labels\.csv: row 2: sentence_id 'no-such-article-0000' is not a sentence",
    ),
    (
        "labels-stale-hash",
        lambda raw: edit_label_row(raw / GOLD, 3, text_sha256="f" * 64),
        r"raw/labels\.csv: row 5: ajiss-seize-the-opportunity-0003 is stale",
    ),
    (
        "labels-outside-set",
        lambda raw: edit_label_row(raw / GOLD, 1, stance="pro"),
        r"raw/labels\.csv: row 3 \(ajiss-seize-the-opportunity-0001\): stance 'pro' is not one of",
    ),
    (
        "labels-issues-without-issue",
        lambda raw: edit_label_row(raw / GOLD, 2, issues="trade"),
        r"raw/labels\.csv: row 4 \(ajiss-seize-the-opportunity-0002\): issues must include the primary issue",
    ),
    (
        "labels-duplicate-row",
        lambda raw: duplicate_label_row(raw / GOLD),
        r"raw/labels\.csv: row 191 \(ajiss-seize-the-opportunity-0000\): a second label row",
    ),
    (
        "pass-duplicate-row",
        lambda raw: duplicate_label_row(raw / PASS),
        r"raw/annotations/round1-a\.csv: row 191 \(ajiss-seize-the-opportunity-0000\): a second label row",
    ),
    (
        "pass-outside-set",
        lambda raw: edit_label_row(raw / PASS, 4, issue="economy"),
        r"raw/annotations/round1-a\.csv: row 6 \(ajiss-seize-the-opportunity-0004\): issue 'economy'",
    ),
    (
        "labels-for-removed-article",
        remove_article,
        rf"raw/labels\.csv: row \d+: sentence_id '{ARTICLE}-0000' is not a sentence",
    ),
    (
        "labels-unexplained-disagreement",
        make_passes_disagree,
        r"need a reason in their note column: the latest annotation round disagrees.*\n.*raw/labels\.csv: row \d+: ",
    ),
    (
        "metadata-same-file-two-ids",
        same_file_under_two_ids,
        rf"articles\.csv: row 7: file '{ARTICLE_FILE}' is already the article of row 5",
    ),
    (
        "labels-holder-without-stance",
        lambda raw: edit_label_row(raw / GOLD, 0, stance_holder="author"),
        r"raw/labels\.csv: row 2 \(ajiss-seize-the-opportunity-0000\): stance_holder must be 'none' exactly when",
    ),
    (
        "labels-none-with-other-issues",
        lambda raw: edit_label_row(raw / GOLD, 0, issues="domestic_politics;none"),
        r"raw/labels\.csv: row 2 \(ajiss-seize-the-opportunity-0000\): issues may list 'none' only alone",
    ),
    (
        "labels-gold-differs-from-passes",
        gold_differs_from_agreeing_passes,
        r"need a reason in their note column.*\n.*raw/labels\.csv: row \d+: ",
    ),
    (
        "labels-row-number-past-blank-line",
        blank_line_then_bad_row,
        r"raw/labels\.csv: row 7 \(ajiss-seize-the-opportunity-0004\): stance 'pro'",
    ),
    (
        "pass-codebook-edited",
        lambda raw: (raw / "annotations/CODEBOOK-round1.md").write_text(
            (raw / "annotations/CODEBOOK-round1.md").read_text() + "\nAn edit after the round.\n"
        ),
        r"passes\.csv: row 2: codebook_sha256 9d5ebffa7f74… matches no codebook stored as",
    ),
    (
        "passes-round-not-a-number",
        lambda raw: (raw / "annotations/passes.csv").write_text(
            (raw / "annotations/passes.csv")
            .read_text()
            .replace(',1,"AI annotator A', ',\u00b2,"AI annotator A')
        ),
        r"passes\.csv: row 2: pass must be a lowercase id and round a whole number",
    ),
    ("passes-file-missing", lambda raw: (raw / PASS).unlink(), r"round1-a\.csv: file not found"),
]


@pytest.fixture
def workspace(raw_copy: Path, tmp_path: Path, built: Path) -> tuple[Path, Path]:
    """A raw/ copy and a good previous build of it in tmp_path/out (the session's, copied)."""
    shutil.copytree(built, tmp_path / "out")
    return raw_copy, tmp_path / "out"


def run_cli(arguments: list[str], capsys) -> tuple[int, str, str]:
    status = main(arguments)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_refused(status: int, stderr: str, pattern: str) -> None:
    assert status == 1
    assert stderr.startswith("kjrel build: error: "), stderr
    assert re.search(pattern, stderr), stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("change", "pattern"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_raw_input_is_refused_and_changes_nothing(workspace, capsys, change, pattern):
    raw, out = workspace
    change(raw)
    raw_before, out_before = snapshot(raw), snapshot(out)
    status, stdout, stderr = run_cli(["build", "--raw", str(raw), "--out", str(out)], capsys)
    assert_refused(status, stderr, pattern)
    assert stdout == ""
    assert snapshot(raw) == raw_before
    assert snapshot(out) == out_before
    assert sorted(path.name for path in out.parent.iterdir() if path.name.startswith(".out")) == []


@pytest.mark.parametrize(
    ("make_out", "pattern"),
    [
        (
            lambda tmp: (tmp / "a-file").write_text("x") and tmp / "a-file",
            r"a-file: exists and is not a folder",
        ),
        (lambda tmp: Path("/proc/kjrel-out"), r"/proc: cannot write there"),
        (
            lambda tmp: (
                (tmp / "mine").mkdir()
                or ((tmp / "mine" / "thesis.tex").write_text("x") and tmp / "mine")
            ),
            r"mine: exists, is not empty and was not written by kjrel build",
        ),
    ],
    ids=[
        "out-is-a-file",
        "out-not-writable",
        "out-is-someone-elses-folder",
    ],
)
def test_a_bad_output_location_is_refused(raw_copy, tmp_path, capsys, make_out, pattern):
    out = make_out(tmp_path)
    before = snapshot(tmp_path)
    status, _, stderr = run_cli(["build", "--raw", str(raw_copy), "--out", str(out)], capsys)
    assert_refused(status, stderr, pattern)
    assert snapshot(tmp_path) == before


def test_metadata_and_label_tables_saved_with_a_bom_are_read(raw_copy, tmp_path, capsys):
    for name in ("articles.csv", "labels.csv"):
        (raw_copy / name).write_bytes(b"\xef\xbb\xbf" + (raw_copy / name).read_bytes())
    status, _, stderr = run_cli(
        ["build", "--raw", str(raw_copy), "--out", str(tmp_path / "out")], capsys
    )
    assert status == 0, stderr


def test_a_raw_folder_without_annotation_passes_builds(raw_copy, tmp_path, capsys):
    shutil.rmtree(raw_copy / "annotations")
    # Without passes no row can be adjudicated: the gold stands as one annotator's.
    labels = raw_copy / "labels.csv"
    labels.write_text(
        labels.read_text(encoding="utf-8").replace(",adjudicated,", ",single_blind,"),
        encoding="utf-8",
    )
    status, _, stderr = run_cli(
        ["build", "--raw", str(raw_copy), "--out", str(tmp_path / "out")], capsys
    )
    assert status == 0, stderr
    assert "No annotation passes are stored yet." in (tmp_path / "out" / "README.md").read_text()
    assert run_cli(["validate", str(tmp_path / "out")], capsys)[0] == 0


def test_bom_and_crlf_or_cr_line_endings_are_accepted_and_normalised(
    raw_copy, tmp_path, capsys, built
):
    lf = (raw_copy / ARTICLE_FILE).read_bytes()
    for variant in (b"\xef\xbb\xbf" + lf, lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r")):
        replace_article(raw_copy, variant)
        status, _, stderr = run_cli(
            ["build", "--raw", str(raw_copy), "--out", str(tmp_path / "variant")], capsys
        )
        assert status == 0, stderr
        sentences = {
            k: v
            for k, v in snapshot(tmp_path / "variant").items()
            if k.startswith("data/sentences")
        }
        assert sentences == {
            k: v for k, v in snapshot(built).items() if k.startswith("data/sentences")
        }


def _kjrel_process(*arguments: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kjrel_data.cli", *arguments],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_once_writing(
    process: subprocess.Popen, parent: Path, name: str, kill_signal: int
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        staging = list(parent.glob(f".{name}.building-*/data/*/*.parquet"))
        if staging:
            process.send_signal(kill_signal)
            process.communicate(timeout=60)
            return
        time.sleep(0.001)
    pytest.fail("the build finished before it could be interrupted")


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_signal", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"]
)
def test_an_interrupted_build_leaves_the_previous_folder_intact(workspace, capsys, kill_signal):
    raw, out = workspace
    before, raw_before = snapshot(out), snapshot(raw)
    process = _kjrel_process("build", "--raw", str(raw), "--out", str(out))
    _kill_once_writing(process, out.parent, out.name, kill_signal)
    assert snapshot(out) == before
    assert snapshot(raw) == raw_before
    leftovers = list(out.parent.glob(f".{out.name}.building-*"))
    assert leftovers if kill_signal == signal.SIGKILL else not leftovers
    # Only the build that is killed needs a process of its own.
    status, _, stderr = run_cli(["build", "--raw", str(raw), "--out", str(out)], capsys)
    assert status == 0, stderr
    assert not list(out.parent.glob(f".{out.name}.*")), (
        "the next build tidies a killed build's leftovers"
    )
    assert snapshot(out) == before


@pytest.mark.slow
def test_a_50_mb_article_is_refused_without_reading_it_into_memory(raw_copy, tmp_path):
    sparse_file(raw_copy)
    code = (
        "import resource, sys\n"
        "from kjrel_data.cli import main\n"
        f"status = main(['build', '--raw', {str(raw_copy)!r}, '--out', {str(tmp_path / 'out')!r}])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "50,000,000 bytes is more than one article" in result.stderr
    peak_megabytes = int(result.stdout.strip())
    assert peak_megabytes < 1000, f"peak RSS {peak_megabytes} MB"


@pytest.mark.slow
@pytest.mark.parametrize(
    "environment",
    [
        {"PYTHONHASHSEED": "1"},
        {"PYTHONHASHSEED": "2", "LC_ALL": "C"},
        {"LC_ALL": "C.UTF-8", "TZ": "Asia/Seoul"},
    ],
    ids=["hashseed-1", "hashseed-2-locale-C", "locale-C.UTF-8-tz-Seoul"],
)
def test_the_output_does_not_depend_on_hash_seed_locale_time_zone_or_directory(
    built, tmp_path, environment
):
    out = tmp_path / "out"
    process = _kjrel_process(
        "build", "--raw", str(REPO / "raw"), "--out", str(out), env=environment, cwd=tmp_path
    )
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert snapshot(out) == snapshot(built)


def test_the_output_does_not_depend_on_the_order_of_metadata_rows_or_files(
    raw_copy, tmp_path, built
):
    columns, rows = read_csv(raw_copy / "articles.csv")
    write_csv(raw_copy / "articles.csv", columns, list(reversed(rows)))
    shutil.move(raw_copy / "articles", raw_copy / "articles-moved")
    shutil.copytree(raw_copy / "articles-moved", raw_copy / "articles")
    shutil.rmtree(raw_copy / "articles-moved")
    build(raw_copy, tmp_path / "out", raw_copy.parent)
    assert snapshot(tmp_path / "out") == snapshot(built)


def test_a_sentence_repeated_in_an_article_builds_as_two_sentences(raw_copy, tmp_path, capsys):
    # Invented text. raw/ holds articles as received: a sentence said twice is two sentences.
    repeated = "It did not."
    article = tmp_path / "repeats.txt"
    article.write_text(
        "Officials in Tokyo said the two governments would resume talks on export controls next "
        f"month after a pause of two years.\n\nDid Seoul object to the timing? {repeated}\n\n"
        f"Did the opposition in Seoul object to the agenda? {repeated}\n\nBoth sides expect the "
        "first round to focus on semiconductors and the materials used to make them.\n",
        encoding="utf-8",
    )
    status, _, stderr = run_cli(
        ["add", str(article), "--raw", str(raw_copy), "--outlet", "Invented", "--title", "Repeats"],
        capsys,
    )
    assert status == 0, stderr
    status, _, stderr = run_cli(
        ["build", "--raw", str(raw_copy), "--out", str(tmp_path / "out")], capsys
    )
    assert status == 0, stderr
    rows = [
        row
        for path in (tmp_path / "out" / "data" / "sentences").glob("*.parquet")
        for row in pq.read_table(path).to_pylist()
        if row["text"] == repeated
    ]
    assert len(rows) == 2 and rows[0]["sentence_id"] != rows[1]["sentence_id"]
    assert run_cli(["validate", str(tmp_path / "out")], capsys)[0] == 0


def test_hidden_files_a_file_manager_leaves_in_the_articles_folder_are_ignored(
    raw_copy, tmp_path, capsys
):
    for name in (".DS_Store", "._diplomat-why-japan-hesitant.txt"):
        (raw_copy / "articles" / name).write_bytes(b"\x00\x05\x16\x07 resource fork")
    status, _, stderr = run_cli(
        ["build", "--raw", str(raw_copy), "--out", str(tmp_path / "out")], capsys
    )
    assert status == 0, stderr
