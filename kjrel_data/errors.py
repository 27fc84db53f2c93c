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


class Interrupted(KjrelError):
    """An interrupt arrived once the command's work was done; the message says what is true."""

    exit_code = 130


def shown(text: object) -> str:
    """text (a name or path from the file system or raw/) escaped as in a Python literal."""
    # Every character that is not printable, line breaks included, and the backslash: a name
    # shown in a message cannot end the message's line and forge another, nor move the cursor.
    return "".join(
        character if character.isprintable() and character != "\\" else repr(character)[1:-1]
        for character in str(text)
    )
