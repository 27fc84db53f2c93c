"""Running `kjrel` in-process as a user would, recording every path it opens, lists or changes.

Python's audit events see every file that Python code opens (`open`, `os.open`, `os.scandir`,
renames, removals). A test plants a folder outside the ones it gives the command (a "honeypot":
a secret file, symlinks pointing at it) and asserts that no recorded path resolves into it.
pyarrow opens Parquet files from C++, which raises no audit event, so the tests of Parquet paths
also check that the honeypot's bytes were not uploaded or validated.
"""

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from kjrel_data.cli import main

# Events whose first argument (and, for renames and copies, the second) is a path.
PATH_EVENTS = frozenset(
    {
        "open",
        "os.listdir",
        "os.scandir",
        "os.remove",
        "os.rmdir",
        "os.mkdir",
        "os.rename",
        "os.truncate",
        "os.chmod",
        "os.symlink",
        "os.link",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.rmtree",
        "shutil.move",
    }
)
TWO_PATH_EVENTS = frozenset(
    {"os.rename", "os.symlink", "os.link", "shutil.copyfile", "shutil.move"}
)

_recorded: list[str] | None = None


def _hook(event: str, arguments: tuple) -> None:
    if _recorded is None or event not in PATH_EVENTS:
        return
    for value in arguments[: 2 if event in TWO_PATH_EVENTS else 1]:
        if isinstance(value, str | bytes | os.PathLike):
            _recorded.append(os.fsdecode(value))


sys.addaudithook(_hook)


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str
    paths: list[str]

    def touched_inside(self, folder: Path) -> list[str]:
        """The recorded paths that are, or resolve to, something inside folder."""
        folder = folder.resolve()
        return sorted(
            {
                path
                for path in self.paths
                if Path(os.path.realpath(path)).is_relative_to(folder)
                or Path(os.path.abspath(path)).is_relative_to(folder)
            }
        )


def run_kjrel(arguments: list[str], capsys) -> Run:
    """`kjrel ARGUMENTS` in this process: exit status, stdout, stderr and every path it touched."""
    global _recorded
    capsys.readouterr()
    _recorded = []
    try:
        status = main([str(argument) for argument in arguments])
    finally:
        paths, _recorded = _recorded, None
    captured = capsys.readouterr()
    return Run(status, captured.out, captured.err, paths)


def assert_one_message(run: Run, command: str, pattern: str) -> None:
    """Exit 1, stderr is one `kjrel COMMAND: error:` message matching pattern, no traceback."""
    assert run.status == 1, (run.status, run.stderr)
    assert run.stderr.startswith(f"kjrel {command}: error: "), run.stderr
    assert run.stderr.count(": error: ") == 1, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert re.search(pattern, run.stderr), run.stderr
