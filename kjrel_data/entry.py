"""The `kjrel` console script: loads the command line, then runs it."""

import signal
import sys


def run() -> int:
    """Load kjrel's modules and run the command; Ctrl-C or SIGTERM while they load ends quietly."""

    # An interrupt while the command line loads would otherwise print a traceback from inside an
    # import; the libraries a command needs load later, inside main(), which handles interrupts.
    def stop(number: int, frame: object) -> None:
        print("kjrel: interrupted while starting; nothing was done.", file=sys.stderr)
        raise SystemExit(130)

    # main() replaces these handlers inside the block that reports interrupts, so no signal
    # arrives between the two with neither in place.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)
    from kjrel_data.cli import main

    return main()
