"""Holding off Ctrl-C and SIGTERM while a few renames make one change whole."""

import contextlib
import signal
import threading
from collections.abc import Iterator

_INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def interrupts_held() -> Iterator[list[int]]:
    """SIGINT and SIGTERM wait until the block ends; yields the list of those that arrived meanwhile."""
    # Handlers, not the signal mask: a process-directed signal goes to any thread not blocking
    # it (pyarrow's, for one), and its Python handler then runs in the main thread regardless.
    # Only the main thread may set handlers, and only it runs them. A handler set outside Python
    # (getsignal gives None) could not be put back: left alone.
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread() or None in map(
        signal.getsignal, _INTERRUPTS
    ):
        yield arrived
        return
    previous = {
        number: signal.signal(number, lambda number, frame: arrived.append(number))
        for number in _INTERRUPTS
    }
    try:
        yield arrived
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
