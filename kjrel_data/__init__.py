"""kjrel_data: a sentence-level annotated corpus on Japan–South Korea relations."""

__version__ = "0.7.0"
