"""Writing into raw/ (new articles, imported labels, cleaning corrections): under a lock, rows appended, files replaced whole or not at all."""

import contextlib
import csv
import io
import os
import signal
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from kjrel_data.errors import InputError, shown
from kjrel_data.files import read_file
from kjrel_data.interrupts import interrupts_held
from kjrel_data.limits import MAX_CSV_BYTES, field_length_problem
from kjrel_data.load import require_raw_dir

LOCK_FILE = ".kjrel.lock"
# Created only where nothing is, and never through a symlink: a file or link planted under the
# same name in raw/ cannot redirect the write, and a leftover one is reported, not reused.
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


@contextlib.contextmanager
def raw_lock(raw_dir: Path) -> Iterator[None]:
    """Hold raw_dir's lock for a whole read, check and write; InputError if another command holds it."""
    # The lock covers the reading too: rows computed from a CSV file another command then
    # replaces would overwrite that command's rows.
    require_raw_dir(raw_dir)
    lock = raw_dir / LOCK_FILE
    lock_handle = None
    try:
        # Taken and recorded with interrupts held off: one landing in between would leave a
        # lock nobody removes.
        with _interrupts_held():
            try:
                lock_handle = os.open(lock, _CREATE_NEW, 0o666)
            except FileExistsError:
                raise InputError(
                    f"{shown(lock)} exists: another `kjrel add`, `kjrel import-annotations`, "
                    "`kjrel correct` or `kjrel uncorrect` is running, or one was killed. If none is running, delete the lock file and try "
                    "again."
                ) from None
        yield
    finally:
        if lock_handle is not None:
            with _interrupts_held():
                os.close(lock_handle)
                lock.unlink(missing_ok=True)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Delay SIGINT and SIGTERM until the block ends; they then take effect as usual."""
    try:
        with interrupts_held() as arrived:
            yield
    finally:
        if arrived:
            signal.raise_signal(arrived[0])


def cell_problem(column: str, value: str) -> str | None:
    """Why value, written in column of a raw/ CSV file, would not be read back as it is; or None."""
    if problem := field_length_problem(column, value):
        return problem
    if value != value.strip():
        return f"{column} starts or ends with white space, which reading drops"
    if "\x00" in value:
        return f"{column} contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"{column} is not Unicode text at character {error.start} (given as bytes that are "
            "not UTF-8?)"
        )
    return None


def appended_rows(
    csv_file: Path, columns: tuple[str, ...], rows: Sequence[Mapping[str, str | None]]
) -> bytes:
    """The CSV file's bytes with rows appended: earlier bytes untouched, its own line ending kept."""
    _refuse_bad_cells(csv_file, columns, rows, "cannot append a row")
    existing = read_file(csv_file, MAX_CSV_BYTES, "a CSV file", inside=csv_file.parent)
    line_ending = "\r\n" if b"\r\n" in existing else "\n"
    separator = b"" if existing.endswith(b"\n") or not existing else line_ending.encode()
    return existing + separator + _csv_lines(columns, rows, line_ending).encode("utf-8")


def csv_file_bytes(
    csv_file: Path, columns: tuple[str, ...], rows: Sequence[Mapping[str, str | None]]
) -> bytes:
    """A whole CSV file's bytes, its header and rows, for a file that is replaced, not appended to."""
    _refuse_bad_cells(csv_file, columns, rows, "cannot write a row")
    header = _csv_lines(columns, [{column: column for column in columns}], "\n")
    return (header + _csv_lines(columns, rows, "\n")).encode("utf-8")


def _refuse_bad_cells(
    csv_file: Path, columns: tuple[str, ...], rows: Sequence[Mapping[str, str | None]], what: str
) -> None:
    problems = [
        problem
        for row in rows
        for column in columns
        if (problem := cell_problem(column, row[column] or ""))
    ]
    if problems:
        raise InputError(f"{shown(csv_file)}: {what}: {'; '.join(problems)}. Nothing was written.")


def _csv_lines(
    columns: tuple[str, ...], rows: Sequence[Mapping[str, str | None]], line_ending: str
) -> str:
    # A writer ending its rows with \r\n quotes any cell holding \r or \n (with \n alone, a cell's
    # bare \r would go unquoted and split the row when read); each row then gets the file's ending.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([row[column] or "" for column in columns])
        lines.append(buffer.getvalue().removesuffix("\r\n") + line_ending)
    return "".join(lines)


def write_raw_files(raw_dir: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write each (target, content) in full beside raw_dir's folders, then rename them in order."""
    # The caller holds raw_lock from before it read what it changes. Files are staged in raw_dir
    # itself, outside raw/articles/ where the build looks for unlisted files.
    for target, _ in files:
        _require_inside(raw_dir, target)
    staged = [(raw_dir / f".{target.name}.writing", content, target) for target, content in files]
    created: list[Path] = []
    try:
        previous = {target: target.read_bytes() for target, _ in files if target.exists()}
        for temporary, content, _ in staged:
            try:
                descriptor = os.open(temporary, _CREATE_NEW, 0o666)
            except FileExistsError:
                raise InputError(
                    f"{shown(temporary)} exists: an interrupted `kjrel add`, `kjrel "
                    "import-annotations`, `kjrel correct` or `kjrel uncorrect` left it, or someone put it there. It is not part of raw/: "
                    "delete it and try again."
                ) from None
            created.append(temporary)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        # An interrupt during the renames takes effect once they are all done (or, after an
        # error, all undone): raw/ is never left with some of them.
        renamed = False
        try:
            with _interrupts_held():
                _rename_all(staged, previous)
                renamed = True
        except KeyboardInterrupt:
            if not renamed:
                raise
            names = " and ".join(shown(target) for target, _ in files)
            raise KeyboardInterrupt(
                f"{names} had been written in full before it took effect"
            ) from None
    finally:
        for temporary in created:
            temporary.unlink(missing_ok=True)


def _rename_all(staged: list[tuple[Path, bytes, Path]], previous: dict[Path, bytes]) -> None:
    """Rename each staged file onto its target; on any exception, put every target back first."""
    renamed: list[Path] = []
    try:
        for temporary, _, target in staged:
            # Listed before the rename: an exception raised just after it returns still undoes
            # it, and undoing a target not yet replaced changes nothing.
            renamed.append(target)
            temporary.replace(target)
    except BaseException:
        for target in renamed:
            if target in previous:
                target.write_bytes(previous[target])
            else:
                target.unlink(missing_ok=True)
        raise


def _require_inside(raw_dir: Path, target: Path) -> None:
    """InputError unless target is a regular file (or nothing) in real folders inside raw_dir."""
    folder = raw_dir
    for part in target.relative_to(raw_dir).parts[:-1]:
        folder = folder / part
        if not os.path.lexists(folder):
            what = "no such folder"
        elif folder.is_symlink() or not folder.is_dir():
            what = "a symlink" if folder.is_symlink() else "not a folder"
        else:
            continue
        raise InputError(
            f"{shown(folder)}/: {what}; kjrel writes {shown(target.name)} only into a real folder "
            f"inside {shown(raw_dir)}. Make {shown(folder)} a folder; nothing was written."
        )
    if not target.parent.resolve().is_relative_to(raw_dir.resolve()):
        raise InputError(
            f"{shown(target)}: outside {shown(raw_dir)}; kjrel writes only inside raw/. Nothing "
            "was written."
        )
    if os.path.lexists(target) and (target.is_symlink() or not target.is_file()):
        raise InputError(
            f"{shown(target)}: not a regular file (a symlink, folder or device); kjrel replaces "
            "only regular files in raw/. Nothing was written."
        )
