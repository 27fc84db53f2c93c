"""Errors that reach the user as one clear message, never as a traceback."""


class KjrelError(Exception):
    """A problem with the user's input or data, described in words they can act on."""

    exit_code = 1


class InputError(KjrelError):
    """A raw input (article, metadata or label table) is missing, malformed or changed."""


class ValidationFailed(KjrelError):
    """Tables or a built folder break the published schemas."""


class OutputError(KjrelError):
    """The output location cannot be written safely."""


# Every control character, the line break included: a name from the file system or raw/ shown
# in a message cannot end the message's line and forge another, nor move the terminal's cursor.
_ESCAPED = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def shown(text: str) -> str:
    """text (a file name or path from the file system or raw/) with control characters escaped."""
    return str(text).translate(_ESCAPED)
