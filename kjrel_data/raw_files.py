"""Writing into raw/ (new articles, imported labels): rows appended, files replaced whole or not at all."""

import csv
import io
import os
from pathlib import Path

from kjrel_data.errors import InputError

LOCK_FILE = ".kjrel.lock"


def appended_rows(
    csv_file: Path, columns: tuple[str, ...], rows: list[dict[str, str | None]]
) -> bytes:
    """The CSV file's bytes with rows appended: earlier bytes untouched, its own line ending kept."""
    existing = csv_file.read_bytes()
    line_ending = "\r\n" if b"\r\n" in existing else "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_ending)
    for row in rows:
        writer.writerow([row[column] or "" for column in columns])
    separator = b"" if existing.endswith(b"\n") or not existing else line_ending.encode()
    return existing + separator + buffer.getvalue().encode("utf-8")


def write_raw_files(raw_dir: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write each (target, content) in full beside raw_dir's folders, then rename them in order."""
    # Files are staged in raw_dir itself, outside raw/articles/ where the build looks for unlisted
    # files: an interruption leaves raw/ as it was, unless it falls between two renames, so the
    # caller orders them to leave a state the build names (an article file without its row). The
    # lock keeps two commands from both appending to the same old CSV file.
    lock = raw_dir / LOCK_FILE
    try:
        lock_handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise InputError(
            f"{lock} exists: another `kjrel add` or `kjrel import-annotations` is running, or one "
            "was killed. If none is running, delete the lock file and try again."
        ) from None
    staged = [(raw_dir / f".{target.name}.writing", content, target) for target, content in files]
    renamed: list[Path] = []
    try:
        previous = {target: target.read_bytes() for target, _ in files if target.exists()}
        for temporary, content, _ in staged:
            with temporary.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        for temporary, _, target in staged:
            temporary.replace(target)
            renamed.append(target)
    except BaseException:
        for temporary, _, _ in staged:
            temporary.unlink(missing_ok=True)
        # An error (not a kill) after some renames: put back what they replaced.
        for target in renamed:
            if target in previous:
                target.write_bytes(previous[target])
            else:
                target.unlink(missing_ok=True)
        raise
    finally:
        os.close(lock_handle)
        lock.unlink(missing_ok=True)
