"""Reading input files safely: inside the folder given, regular files only, under a size cap, checked before reading."""

import hashlib
import io
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kjrel_data.errors import InputError, KjrelError, shown

# What a path that is not a regular file is, by its mode; opening a FIFO would wait for a writer,
# and a device like /dev/zero never ends.
_SPECIAL_KINDS = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)
# Opened without following a last symlink (the path given is already resolved) and without
# blocking, should a FIFO take the file's place between the check and the opening.
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


def file_problem(path: Path, cap: int, kind: str, *, inside: Path | None = None) -> str | None:
    """Why path may not be read as a kind, found by name without opening it; None when it may."""
    real = os.path.realpath(path)
    if inside is not None:
        folder = os.path.realpath(inside)
        if os.path.commonpath([folder, real]) != folder:
            # Inside as written but not once resolved: a symlink on the way leads out.
            written = os.path.abspath(inside)
            if os.path.commonpath([written, os.path.abspath(path)]) == written:
                return (
                    f"{shown(path)}: a symlink pointing outside {shown(inside)}; kjrel reads only files inside "
                    "the folder it was given."
                )
            return f"{shown(path)}: outside {shown(inside)}; kjrel reads only files inside the folder it was given."
    try:
        status = os.stat(real)
    except FileNotFoundError:
        return f"{shown(path)}: no such file."
    except OSError as error:
        return f"{shown(path)}: cannot be read ({error.strerror})."
    return _status_problem(path, status, cap, kind)


def open_file(
    path: Path,
    cap: int,
    kind: str,
    *,
    inside: Path | None = None,
    error: type[KjrelError] = InputError,
) -> io.BufferedReader:
    """path opened for reading in binary once file_problem finds nothing; error naming it otherwise."""
    if problem := file_problem(path, cap, kind, inside=inside):
        raise error(problem)
    try:
        descriptor = os.open(os.path.realpath(path), _OPEN_FLAGS)
    except OSError as failure:
        raise error(f"{shown(path)}: cannot be read ({failure.strerror}).") from None
    # Checked again on what was opened: the path may have been replaced since it was checked,
    # by a file of another kind, or a folder on the way by a link leading out.
    problem = _status_problem(path, os.fstat(descriptor), cap, kind)
    if problem is None and inside is not None and not _opened_inside(descriptor, inside):
        problem = f"{shown(path)}: moved outside {shown(inside)} as kjrel opened it; not read."
    if problem:
        os.close(descriptor)
        raise error(problem)
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def read_file(
    path: Path,
    cap: int,
    kind: str,
    *,
    inside: Path | None = None,
    error: type[KjrelError] = InputError,
) -> bytes:
    """The bytes of path, checked as open_file checks it; never more than cap bytes are read."""
    with open_file(path, cap, kind, inside=inside, error=error) as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise error(_too_large(path, len(data), cap, kind))
    return data


def file_sha256(
    path: Path,
    cap: int,
    kind: str,
    *,
    inside: Path | None = None,
    error: type[KjrelError] = InputError,
) -> str:
    """The hex sha256 of path's bytes, checked as open_file checks it and read a chunk at a time."""
    with open_file(path, cap, kind, inside=inside, error=error) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def written_file_sha256(path: Path) -> str:
    """The hex sha256 of a file a build wrote, opened without following a symlink."""
    # A FIFO put in a file's place reads as empty instead of hanging.
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _opened_inside(descriptor: int, inside: Path) -> bool:
    """Whether the file open as descriptor lies inside the folder (where the system can tell)."""
    try:
        opened = os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return True
    folder = os.path.realpath(inside)
    return os.path.commonpath([folder, opened]) == folder


def _status_problem(path: Path, status: os.stat_result, cap: int, kind: str) -> str | None:
    for is_kind, name in _SPECIAL_KINDS:
        if is_kind(status.st_mode):
            return f"{shown(path)}: a {name}, not a regular file; kjrel reads only regular files."
    if status.st_size > cap:
        return _too_large(path, status.st_size, cap, kind)
    return None


def _too_large(path: Path, size: int, cap: int, kind: str) -> str:
    return (
        f"{shown(path)}: {size:,} bytes, more than the {cap:,} {kind} may have (see 'Limits and "
        "untrusted input' in the README); kjrel refuses it before reading. Is it the right file?"
    )


def replace_text_file(path: Path, write: Callable[[TextIO], object]) -> None:
    """Write path's text through a new file beside it, renamed over it once written in full."""
    # A new file of a name no one could plant ahead (mkstemp creates it exclusively), so a link
    # planted in the folder cannot redirect the write; a reader sees the old file or the new one,
    # never half of it.
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            write(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
