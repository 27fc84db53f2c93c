"""The build's output folder: one build at a time, replaced whole, and nothing lost that the build did not write.

A build writes into a staging folder beside --out, then records every file it wrote, with its
sha256, in a manifest (MANIFEST_FILE) that only kjrel writes. Only a folder holding a readable
manifest counts as a build. On a rebuild, whatever the previous build's manifest does not list
(.git/, .gitattributes, a user's notes) is foreign: it is moved into the staging folder, which then
takes the old folder's place by two renames. A killed build is tidied up by the next one: a
retired folder is restored, and foreign entries left in a staging folder are moved back.
"""

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kjrel_data import DATASET_VERSION, __version__
from kjrel_data.errors import OutputError
from kjrel_data.limits import MAX_MANIFEST_BYTES

# Hidden, so it stays out of SHA256SUMS, validation and the Hub upload, which skip hidden files.
MANIFEST_FILE = ".kjrel-build"
# Names a message lists before "and N more".
LISTED_NAMES = 10


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """An empty folder beside out_dir that replaces it only if the block succeeds; else it vanishes."""
    out_dir = Path(out_dir)
    if out_dir.name in {"", ".."}:
        # `--out .`: the staging folder and the lock go beside the folder, so it needs a name.
        out_dir = out_dir.resolve()
    if out_dir.is_symlink():
        # Replacing it would replace the link, and leave the build's old files where it points.
        raise OutputError(
            f"{out_dir}: is a symbolic link; pass the folder it points to as --out "
            f"({out_dir.resolve()})."
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder. Choose another --out.")
    with _build_lock(out_dir):
        _recover(out_dir)
        # Checked before the build too, so a folder that would be refused is refused at once.
        _foreign_entries(out_dir)
        try:
            staging = Path(
                tempfile.mkdtemp(
                    prefix=f".{out_dir.name}.building-{os.getpid()}-", dir=out_dir.parent
                )
            )
        except OSError as error:
            raise OutputError(f"{out_dir.parent}: cannot write there ({error.strerror}).") from None
        try:
            yield staging
            staging.chmod(0o755)
            written = _write_manifest(staging)
            # Listed again: a file put into out_dir while the build ran is kept too.
            foreign = _foreign_entries(out_dir)
            _refuse_clashes(out_dir, foreign, written)
            _replace(staging, out_dir, foreign)
        except OSError as error:
            raise OutputError(
                f"{out_dir}: writing the dataset failed ({error}); the previous folder is unchanged."
            ) from None
        finally:
            _put_back(staging, out_dir)


def built_files(folder: Path) -> dict[str, str] | None:
    """The files kjrel build recorded writing into folder, with their sha256; None without a readable manifest."""
    try:
        descriptor = os.open(folder / MANIFEST_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        content = handle.read(MAX_MANIFEST_BYTES + 1)
    try:
        files = json.loads(content)["files"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if len(content) > MAX_MANIFEST_BYTES or not isinstance(files, dict):
        return None
    if not all(_is_relative(path) and isinstance(digest, str) for path, digest in files.items()):
        return None
    return files


def _is_relative(path: str) -> bool:
    return all(part not in {"", ".", ".."} for part in path.split("/"))


def _write_manifest(staging: Path) -> dict[str, str]:
    """Record every file in staging, with its sha256, in its manifest; return that record."""
    files = {
        path.relative_to(staging).as_posix(): _sha256(path)
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    manifest = {"dataset_version": DATASET_VERSION, "files": files, "kjrel_data": __version__}
    (staging / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return files


def _sha256(path: Path) -> str:
    # Never through a symlink, and a FIFO put in a file's place reads as empty instead of hanging.
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _survey(folder: Path, files: dict[str, str]) -> tuple[list[str], list[str]]:
    """Folder's entries that files does not list (a folder whole when none of its files is listed), and the listed ones present."""
    folders = _folders(files)
    foreign: list[str] = []
    present: list[str] = []

    def visit(relative_dir: str) -> None:
        with os.scandir(folder / relative_dir) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            if relative in files:
                present.append(relative)
            elif relative in folders and entry.is_dir(follow_symlinks=False):
                visit(relative)
            elif relative != MANIFEST_FILE:
                foreign.append(relative)

    visit("")
    return foreign, present


def _foreign_entries(out_dir: Path) -> list[str]:
    """What out_dir holds that no build wrote, to keep; OutputError when a rebuild would lose anything else."""
    if not out_dir.is_dir():
        return []
    files = built_files(out_dir)
    if files is None and os.path.lexists(out_dir / MANIFEST_FILE):
        raise OutputError(
            f"{out_dir / MANIFEST_FILE}: not a manifest kjrel build can read (damaged, or not "
            f"kjrel's), so nothing in {out_dir} can be told apart as the build's; refusing to "
            "replace it. Choose another --out, or empty the folder yourself."
        )
    foreign, present = _survey(out_dir, files or {})
    if files is None:
        # A Hub clone or download has the build's file names but no manifest: those are refused,
        # hidden files (.git, .gitattributes) are kept.
        theirs = [path for path in foreign if not path.startswith(".")]
        if theirs:
            raise OutputError(
                f"{out_dir}: exists, is not empty and was not written by kjrel build (it has no "
                f"{MANIFEST_FILE}, nor has a build by an older kjrel); refusing to replace "
                f"{_names(theirs)}. Choose another --out, or move those away yourself (`git rm` "
                "them in a Hub clone); hidden files such as .git are kept."
            )
        return foreign
    changed = [
        path
        for path in present
        if not (out_dir / path).is_file()
        or (out_dir / path).is_symlink()
        or _sha256(out_dir / path) != files[path]
    ]
    if changed:
        raise OutputError(
            f"{out_dir}: {_names(changed)} changed since kjrel build wrote them, and a rebuild "
            "would replace them. Copy your changes elsewhere, or delete or restore the files, "
            "then build again."
        )
    return foreign


def _refuse_clashes(out_dir: Path, foreign: list[str], written: dict[str, str]) -> None:
    folders = _folders(written)
    clashes = [
        path
        for path in foreign
        if path in written or path in folders or _folders([path]) & written.keys()
    ]
    if clashes:
        raise OutputError(
            f"{out_dir}: {_names(clashes)} not written by kjrel build, but the new build writes "
            "the same path. Move them away and build again; the previous folder is unchanged."
        )


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder that holds one of the relative paths, as a relative path."""
    return {
        "/".join(path.split("/")[:end]) for path in paths for end in range(1, path.count("/") + 1)
    }


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:LISTED_NAMES])
    return shown if len(paths) <= LISTED_NAMES else f"{shown} and {len(paths) - LISTED_NAMES} more"


def _replace(staging: Path, out_dir: Path, foreign: list[str]) -> None:
    """Carry foreign entries into staging, then put staging in out_dir's place; on any error, out_dir is as it was."""
    retired = out_dir.with_name(f".{out_dir.name}.previous-{os.getpid()}")
    # Once staging holds its manifest, anything else in it is foreign: an error here, or the next
    # build after a kill, moves it back (_put_back).
    for relative in foreign:
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        os.rename(out_dir / relative, staging / relative)
    if out_dir.exists():
        out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        if retired.exists() and not out_dir.exists():
            retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _put_back(staging: Path, out_dir: Path) -> None:
    """Move what a build carried into its staging folder back into out_dir, then delete the staging folder."""
    # Without a manifest nothing was carried into it yet: all it holds is the build's.
    files = built_files(staging) if staging.is_dir() else None
    if files is not None:
        for relative in _survey(staging, files)[0]:
            target = out_dir / relative
            if os.path.lexists(target):
                raise OutputError(
                    f"{staging / relative}: kept from {out_dir} by a build that stopped, but "
                    f"{target} now exists. Move one of them yourself, then build again."
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging / relative, target)
    shutil.rmtree(staging, ignore_errors=True)


def _recover(out_dir: Path) -> None:
    """Tidy up after a killed build: restore its retired folder, move back what it carried, drop its staging."""
    # Called under the build lock, so no build into out_dir is running: any leftover is a dead one's.
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(previous|building)-\d+(-.+)?")
    leftovers = sorted(
        (match.group(1), path)
        for path in out_dir.parent.iterdir()
        if (match := pattern.fullmatch(path.name))
    )
    # Retired folders first ("previous" sorts after "building"): what a staging folder carried
    # goes back into the restored folder.
    for kind, leftover in reversed(leftovers):
        if kind == "previous" and not out_dir.exists():
            leftover.rename(out_dir)
        elif kind == "previous":
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            _put_back(leftover, out_dir)


@contextlib.contextmanager
def _build_lock(out_dir: Path) -> Iterator[None]:
    """Hold out_dir's lock, a file beside it, for a whole build; OutputError if another build holds it."""
    # flock, not an exclusive create: the kernel releases it when a build is killed, so a stale
    # lock file never blocks. The file is removed at the end, so a build that opened it just
    # before may lock a removed file; it then opens the one now at the path instead.
    lock = out_dir.with_name(f".{out_dir.name}.lock")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        while True:
            descriptor = _lock_file(lock, out_dir)
            held = os.fstat(descriptor)
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(held, os.stat(lock, follow_symlinks=False)):
                    break
            os.close(descriptor)
    except OSError as error:
        raise OutputError(f"{out_dir.parent}: cannot write there ({error.strerror}).") from None
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(descriptor)


def _lock_file(lock: Path, out_dir: Path) -> int:
    """lock opened and flocked; OutputError when another build holds it or it is not a lock file."""
    try:
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        descriptor = None
    try:
        # A link (symbolic or hard) planted at the lock's name would have the pid written through it.
        if (
            descriptor is None
            or not stat.S_ISREG((held := os.fstat(descriptor)).st_mode)
            or held.st_nlink != 1
        ):
            raise OutputError(
                f"{lock}: not kjrel's build lock (a link or special file); delete it and build again."
            )
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 20, 0).decode("ascii", "replace").strip()
        os.close(descriptor)
        raise OutputError(
            f"another kjrel build is writing {out_dir} (pid {holder or 'unknown'}); wait for it to "
            "finish, then build again."
        ) from None
    except BaseException:
        if descriptor is not None:
            os.close(descriptor)
        raise
    return descriptor
