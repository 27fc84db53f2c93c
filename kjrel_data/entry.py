"""The `kjrel` console script: loads the command line, then runs it."""

import signal
import sys


def run() -> int:
    """Load kjrel's modules and run the command; Ctrl-C or SIGTERM while they load ends quietly."""

    # Loading pandas, pyarrow, datasets and scikit-learn takes seconds: an interrupt then would
    # otherwise print a traceback from inside some library's import.
    def stop(number: int, frame: object) -> None:
        print("kjrel: interrupted while starting; nothing was done.", file=sys.stderr)
        raise SystemExit(130)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    from kjrel_data.cli import main

    for number, handler in previous.items():
        signal.signal(number, handler)
    return main()
