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


def shown(text: str) -> str:
    """text for a message, escaped as in a Python literal: a name cannot break or forge a line."""
    return "".join(
        character if character.isprintable() and character != "\\" else repr(character)[1:-1]
        for character in text
    )
