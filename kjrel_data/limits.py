"""Limits on what kjrel reads and writes, declared once: input sizes checked before reading."""

# The longest news articles are well under 1 MB of text; a file past this is a dump or the wrong
# file, and refusing it before reading keeps memory bounded.
MAX_ARTICLE_BYTES = 5_000_000
