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
