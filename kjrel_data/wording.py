"""Wording shared by the card, messages and summaries, kept free of heavy imports for the CLI."""


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 article', '5 articles': a count with its noun in the right number."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
