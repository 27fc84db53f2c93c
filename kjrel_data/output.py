"""The build's output folder: one build at a time, replaced whole, and nothing lost that the build did not write.

A build writes into a staging folder beside --out, then records every file it wrote, with its
sha256, in a manifest (MANIFEST_FILE) that only kjrel writes. Only a folder holding a readable
manifest counts as a build. On a rebuild, whatever the previous build's manifest does not list is
foreign. Hidden foreign entries (.git/, .gitattributes, .env: any name on the path starting with
'.', which validate and publish skip) are moved into the staging folder, which then takes the old
folder's place by two renames; any other foreign entry is refused, since validate and publish
would refuse the folder holding it. A killed build is tidied up by the next one: a retired folder
is restored, and foreign entries left in a staging folder are moved back.
"""

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kjrel_data import __version__
from kjrel_data.errors import Interrupted, OutputError, shown
from kjrel_data.files import written_file_sha256
from kjrel_data.interrupts import interrupts_held
from kjrel_data.limits import MAX_MANIFEST_BYTES, MAX_MANIFEST_PATH_CHARS, MAX_MANIFEST_PATH_PARTS

# Hidden, so it stays out of SHA256SUMS, validation and the Hub upload, which skip hidden files.
MANIFEST_FILE = ".kjrel-build"
# Names a message lists before "and N more".
LISTED_NAMES = 10
# The build lock beside --out is .NAME plus this: a name no other tool uses (kjrel add's lock is
# raw/.kjrel.lock), holding LOCK_CONTENT, so a file there that kjrel did not write is never touched.
LOCK_SUFFIX = ".kjrel-build-lock"
LOCK_CONTENT = re.compile(rb"kjrel build lock, pid (\d+)\n")
# Linux's longest file name, in bytes. The staging folder beside --out is named
# .NAME.building-PID-XXXXXXXX (a pid has at most 7 digits), the longest name the build adds.
NAME_MAX = 255
BESIDE_EXTRA_BYTES = len("..building--") + 7 + 8


@contextlib.contextmanager
def staging_folder(out_dir: Path, raw_dir: Path, dataset_version: str) -> Iterator[Path]:
    """An empty folder beside out_dir that replaces it only if the block succeeds; else it vanishes."""
    out_dir = checked_out_dir(out_dir, raw_dir)
    with _build_lock(out_dir):
        _recover(out_dir)
        # Again: what the recovery put back, or anyone meanwhile, must be a real folder too.
        _refuse_not_a_folder(out_dir)
        # Checked before the build too, so a folder that would be refused is refused at once.
        _foreign_entries(out_dir)
        try:
            staging = Path(
                tempfile.mkdtemp(
                    prefix=f".{out_dir.name}.building-{os.getpid()}-", dir=out_dir.parent
                )
            )
        except OSError as error:
            raise OutputError(
                f"{shown(str(out_dir.parent))}: cannot write there ({error.strerror})."
            ) from None
        try:
            yield staging
            _write_manifest(staging, dataset_version)
            # Listed again: a file put into out_dir while the build ran is kept too.
            foreign = _foreign_entries(out_dir)
            staging.chmod(_folder_mode(out_dir))
            _replace(staging, out_dir, foreign)
        except OSError as error:
            raise OutputError(
                f"{shown(str(out_dir))}: writing the dataset failed ({shown(str(error))}); the "
                "previous folder is unchanged."
            ) from None
        finally:
            _put_back(staging, out_dir)


def _named(out_dir: Path) -> Path:
    """out_dir with a name the folders beside it can be named after; OutputError when it has none."""
    if out_dir.name in {"", ".."}:
        # `--out .`: the staging folder and the lock go beside the folder, so it needs a name.
        out_dir = out_dir.resolve()
    if not out_dir.name:
        raise OutputError(
            f"--out {shown(str(out_dir))}: names no folder the build can replace (it writes "
            "beside --out, and replaces it whole); choose a folder with a name, such as "
            f"{shown(str(out_dir / 'kjrel'))}."
        )
    length = len(os.fsencode(out_dir.name))
    if length + BESIDE_EXTRA_BYTES > NAME_MAX:
        raise OutputError(
            f"--out {shown(str(out_dir))}: its name is {length} bytes, too long for the folders "
            f"the build makes beside it (at most {NAME_MAX - BESIDE_EXTRA_BYTES}); choose a "
            "shorter name."
        )
    return out_dir


def checked_out_dir(out_dir: Path, raw_dir: Path) -> Path:
    """out_dir, named as the build names it; OutputError when the build cannot write it for raw_dir."""
    out_dir = _named(Path(out_dir))
    _refuse_overlap(Path(raw_dir), out_dir)
    _refuse_not_a_folder(out_dir)
    return out_dir


def _refuse_overlap(raw_dir: Path, out_dir: Path) -> None:
    """OutputError when out_dir is, or is inside, raw_dir, or holds it."""
    raw, out = Path(os.path.realpath(raw_dir)), Path(os.path.realpath(out_dir))
    if out.is_relative_to(raw):
        raise OutputError(
            f"--out {shown(str(out_dir))} is {'the' if out == raw else 'inside the'} --raw "
            f"folder {shown(str(raw_dir))}, and the build never writes into raw/; choose an "
            "--out outside it."
        )
    if raw.is_relative_to(out):
        raise OutputError(
            f"--raw {shown(str(raw_dir))} is inside --out {shown(str(out_dir))}, which a "
            "rebuild replaces and carries along; choose an --out that does not hold raw/."
        )


def _refuse_not_a_folder(out_dir: Path) -> None:
    try:
        mode = os.lstat(out_dir).st_mode
    except (FileNotFoundError, NotADirectoryError):
        # Absent, or under a file: making the lock beside it says it cannot be written.
        return
    if stat.S_ISLNK(mode):
        # Replacing it would replace the link, and leave the build's old files where it points.
        raise OutputError(
            f"{shown(str(out_dir))}: is a symbolic link; pass the folder it points to as --out "
            f"({shown(str(out_dir.resolve()))})."
        )
    if not stat.S_ISDIR(mode):
        raise OutputError(
            f"{shown(str(out_dir))}: exists and is not a folder. Choose another --out."
        )


def _folder_mode(out_dir: Path) -> int:
    """The new folder's permission bits: the previous folder's, or what mkdir gives under the umask."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(os.lstat(out_dir).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def built_files(folder: Path) -> dict[str, str] | None:
    """The files kjrel build recorded writing into folder, with their sha256; None without a readable manifest."""
    try:
        if not stat.S_ISREG(os.lstat(folder / MANIFEST_FILE).st_mode):
            return None
        descriptor = os.open(folder / MANIFEST_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return None
    with os.fdopen(descriptor, "rb") as handle:
        content = handle.read(MAX_MANIFEST_BYTES + 1)
    try:
        files = json.loads(content)["files"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if len(content) > MAX_MANIFEST_BYTES or not isinstance(files, dict):
        return None
    if not all(_is_build_path(path) and isinstance(digest, str) for path, digest in files.items()):
        return None
    if _tree(files) is None:
        return None
    return files


def _is_build_path(path: str) -> bool:
    # The build writes no hidden name but the manifest itself. A manifest is plain JSON anyone can
    # write (or commit to a Hub repository): one naming a hidden path such as .git/HEAD would
    # have the rebuild replace that file instead of keeping it.
    parts = path.split("/")
    return (
        len(path) <= MAX_MANIFEST_PATH_CHARS
        and len(parts) <= MAX_MANIFEST_PATH_PARTS
        and all(part and not part.startswith(".") for part in parts)
    )


def _tree(paths: Iterable[str]) -> dict | None:
    """paths as nested folders, each file None; None when a path is also another one's folder."""
    root: dict = {}
    for path in paths:
        *folders, name = path.split("/")
        node = root
        for part in folders:
            folder = node.setdefault(part, {})
            if folder is None:
                return None
            node = folder
        if name in node:
            return None
        node[name] = None
    return root


def _is_hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split("/"))


def _write_manifest(staging: Path, dataset_version: str) -> None:
    """Record every file in staging, with its sha256, in its manifest."""
    files = {
        path.relative_to(staging).as_posix(): written_file_sha256(path)
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    manifest = {"dataset_version": dataset_version, "files": files, "kjrel_data": __version__}
    (staging / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def _survey(folder: Path, files: dict[str, str]) -> tuple[list[str], list[str]]:
    """Folder's entries that files does not list (a folder whole when none of its files is listed), and the listed ones present."""
    foreign: list[str] = []
    present: list[str] = []

    def visit(relative_dir: str, listed: dict) -> None:
        with os.scandir(folder / relative_dir) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            if entry.name in listed and listed[entry.name] is None:
                present.append(relative)
            elif entry.name in listed and entry.is_dir(follow_symlinks=False):
                visit(relative, listed[entry.name])
            elif relative != MANIFEST_FILE:
                foreign.append(relative)

    visit("", _tree(files) or {})
    return foreign, present


def _foreign_entries(out_dir: Path) -> list[str]:
    """What out_dir holds that no build wrote, all hidden, to keep; OutputError when a rebuild would lose or refuse anything else."""
    if not out_dir.is_dir():
        return []
    files = built_files(out_dir)
    if files is None and os.path.lexists(out_dir / MANIFEST_FILE):
        raise OutputError(
            f"{shown(str(out_dir / MANIFEST_FILE))}: not a manifest kjrel build can read "
            f"(damaged, or not kjrel's), so nothing in {shown(str(out_dir))} can be told apart as "
            "the build's; refusing to replace it. Choose another --out, or empty the folder "
            "yourself."
        )
    foreign, present = _survey(out_dir, files or {})
    theirs = [path for path in foreign if not _is_hidden(path)]
    if files is None:
        # A Hub clone or download has the build's file names but no manifest: those are refused,
        # hidden files (.git, .gitattributes) are kept.
        if theirs:
            raise OutputError(
                f"{shown(str(out_dir))}: exists, is not empty and was not written by kjrel build "
                f"(it has no {MANIFEST_FILE}, nor has a build by an older kjrel); refusing to "
                f"replace {_names(theirs)}. Choose another --out, or move those away yourself "
                "(`git rm` them in a Hub clone); hidden files such as .git are kept."
            )
        return foreign
    changed = [
        path
        for path in present
        if not (out_dir / path).is_file()
        or (out_dir / path).is_symlink()
        or written_file_sha256(out_dir / path) != files[path]
    ]
    if changed:
        raise OutputError(
            f"{shown(str(out_dir))}: {_names(changed)} changed since kjrel build wrote them, and "
            "a rebuild would replace them. Copy your changes elsewhere, or delete or restore the "
            "files, then build again."
        )
    if theirs:
        raise OutputError(
            f"{shown(str(out_dir))}: {_names(theirs)} not written by kjrel build; a rebuild keeps "
            "only hidden files (a name starting with '.'), since validate and publish would "
            "refuse the folder with these. Move them out of the folder, or rename them to start "
            "with '.', then build again."
        )
    return foreign


def _names(paths: list[str]) -> str:
    listed = ", ".join(shown(path) for path in paths[:LISTED_NAMES])
    return (
        listed if len(paths) <= LISTED_NAMES else f"{listed} and {len(paths) - LISTED_NAMES} more"
    )


def _replace(staging: Path, out_dir: Path, foreign: list[str]) -> None:
    """Carry foreign entries into staging, then put staging in out_dir's place; on any error, out_dir is as it was."""
    retired = out_dir.with_name(f".{out_dir.name}.previous-{os.getpid()}")
    # Once staging holds its manifest, anything else in it is foreign: an error here, or the next
    # build after a kill, moves it back (_put_back). Foreign entries are all hidden and the build
    # writes no hidden name but the manifest, so none lands on a file the build wrote.
    for relative in foreign:
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        os.rename(out_dir / relative, staging / relative)
    # An interrupt finds either the previous folder in place or the new one with nothing beside it.
    with interrupts_held() as arrived:
        if os.path.lexists(out_dir):
            out_dir.rename(retired)
        try:
            staging.rename(out_dir)
        except BaseException:
            if os.path.lexists(retired) and not os.path.lexists(out_dir):
                retired.rename(out_dir)
            raise
        kept = _empty_retired(retired, out_dir)
    if kept:
        raise OutputError(
            f"{shown(str(out_dir))}: the new build is in place, but {_names(kept)} appeared in "
            "the folder while it was replaced and could not be moved into the new one (not "
            f"hidden, or already there): they are kept in {shown(str(retired))}. Move them where "
            "you want them, then delete that folder."
        )
    if arrived:
        raise Interrupted(
            f"{shown(str(out_dir))}: interrupted once the new build was in place; it is complete, "
            "and nothing of the previous folder is left beside it."
        )


def _empty_retired(retired: Path, out_dir: Path) -> list[str]:
    """Move what appeared in retired during the carry into out_dir, and delete it; return what could not move."""
    if not os.path.lexists(retired):
        return []
    # The carry emptied it of foreign entries: any left were made while it ran.
    kept = []
    for relative in _survey(retired, built_files(retired) or {})[0]:
        target = out_dir / relative
        if _is_hidden(relative) and _real_folders_to(out_dir, relative):
            with contextlib.suppress(FileExistsError):
                target.parent.mkdir(parents=True, exist_ok=True)
                if not os.path.lexists(target):
                    os.rename(retired / relative, target)
                    continue
        kept.append(relative)
    if not kept:
        shutil.rmtree(retired, ignore_errors=True)
    return kept


def _real_folders_to(out_dir: Path, relative: str) -> bool:
    """Whether out_dir and each folder on the way to relative in it is a real folder or absent, not a link."""
    folder = out_dir
    for part in ["", *relative.split("/")[:-1]]:
        folder = folder / part if part else folder
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return False
        except FileNotFoundError:
            return True
    return True


def _put_back(staging: Path, out_dir: Path) -> None:
    """Move what a build carried into its staging folder back into out_dir, then delete the staging folder."""
    # Without a manifest nothing was carried into it yet: all it holds is the build's.
    files = built_files(staging) if _is_real_folder(staging) else None
    if files is not None:
        for relative in _survey(staging, files)[0]:
            target = out_dir / relative
            if os.path.lexists(target) or not _real_folders_to(out_dir, relative):
                raise OutputError(
                    f"{shown(str(staging / relative))}: kept from {shown(str(out_dir))} by a build "
                    f"that stopped, but {shown(str(target))} now exists. Move one of them "
                    "yourself, then build again."
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging / relative, target)
    if _is_real_folder(staging):
        shutil.rmtree(staging, ignore_errors=True)


def _is_real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _recover(out_dir: Path) -> None:
    """Tidy up after a killed build: restore its retired folder, move back what it carried, drop its staging."""
    # Called under the build lock, so no build into out_dir is running: any leftover is a dead one's.
    # Only real folders: a link or file planted at such a name is never renamed, followed or deleted.
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(previous|building)-\d+(-.+)?")
    leftovers = sorted(
        (match.group(1), path)
        for path in out_dir.parent.iterdir()
        if (match := pattern.fullmatch(path.name)) and _is_real_folder(path)
    )
    # Retired folders first ("previous" sorts after "building"): what a staging folder carried
    # goes back into the restored folder.
    for kind, leftover in reversed(leftovers):
        if kind == "previous" and not os.path.lexists(out_dir):
            leftover.rename(out_dir)
        elif kind == "previous":
            _delete_retired(leftover, out_dir)
        else:
            _put_back(leftover, out_dir)


def _delete_retired(retired: Path, out_dir: Path) -> None:
    """Delete a folder a stopped build retired, unless it holds entries no build wrote."""
    unlisted = _survey(retired, built_files(retired) or {})[0]
    if unlisted:
        raise OutputError(
            f"{shown(str(retired))}: the folder a stopped build retired from "
            f"{shown(str(out_dir))} holds {_names(unlisted)}, which no build wrote. Move them "
            "where you want them, delete that folder, then build again."
        )
    shutil.rmtree(retired, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(out_dir: Path) -> Iterator[None]:
    """Hold out_dir's lock, a file beside it, for a whole build; OutputError if another build holds it."""
    # flock: the kernel releases it when a build is killed, so a stale lock file never blocks. The
    # file is removed at the end, so a build that opened it just before may lock a removed file;
    # it then takes the one now at the path instead.
    lock = out_dir.with_name(f".{out_dir.name}{LOCK_SUFFIX}")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        descriptor = _take_lock(lock, out_dir)
    except OSError as error:
        raise OutputError(
            f"{shown(str(out_dir.parent))}: cannot write there ({error.strerror})."
        ) from None
    try:
        yield
    finally:
        _remove_lock(lock, descriptor)


def _take_lock(lock: Path, out_dir: Path) -> int:
    """lock, created or taken over from a killed build, flocked and holding this build's pid."""
    while True:
        descriptor: int | None
        try:
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            descriptor = _stale_lock(lock, out_dir)
        else:
            try:
                # Waits only while another build looks at this new, still empty file (_stale_lock).
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            except BaseException:
                _remove_lock(lock, descriptor)
                raise
        if descriptor is None:
            continue
        if _is_at(lock, descriptor):
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"kjrel build lock, pid {os.getpid()}\n".encode(), 0)
            return descriptor
        os.close(descriptor)


def _stale_lock(lock: Path, out_dir: Path) -> int | None:
    """The existing lock, flocked, when a killed build left it; None when it is gone meanwhile."""
    try:
        descriptor = os.open(lock, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno not in {errno.ELOOP, errno.EISDIR, errno.ENXIO}:
            raise
        raise OutputError(_not_a_lock(lock, "a link, folder or special file")) from None
    try:
        held = os.fstat(descriptor)
        # A link (symbolic or hard) or special file planted at the lock's name is never written.
        if not stat.S_ISREG(held.st_mode) or held.st_nlink != 1:
            raise OutputError(_not_a_lock(lock, "a link or special file"))
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(_held(out_dir, lock, os.pread(descriptor, 100, 0))) from None
        content = os.pread(descriptor, 100, 0)
        if not content:
            # A build created it this instant and is about to lock it (or was killed then).
            raise OutputError(_held(out_dir, lock, content))
        if not LOCK_CONTENT.fullmatch(content):
            raise OutputError(_not_a_lock(lock, "it holds something else"))
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _held(out_dir: Path, lock: Path, content: bytes) -> str:
    holder = LOCK_CONTENT.fullmatch(content)
    message = (
        f"another kjrel build is writing {shown(str(out_dir))} (pid "
        f"{holder.group(1).decode() if holder else 'unknown'}); wait for it to finish, then "
        "build again."
    )
    return message if content else f"{message} If none is running, delete {shown(str(lock))}."


def _not_a_lock(lock: Path, why: str) -> str:
    return f"{shown(str(lock))}: not kjrel's build lock ({why}); move it away, then build again."


def _is_at(lock: Path, descriptor: int) -> bool:
    """Whether the file open as descriptor is the one at lock's path."""
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(lock, follow_symlinks=False))
    except FileNotFoundError:
        return False


def _remove_lock(lock: Path, descriptor: int) -> None:
    # Only the file this build holds: never one put at the path since.
    if _is_at(lock, descriptor):
        lock.unlink(missing_ok=True)
    os.close(descriptor)
