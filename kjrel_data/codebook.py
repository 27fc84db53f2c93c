"""CODEBOOK.md's generated part: the label definition tables, written from the label declarations."""

from pathlib import Path

from kjrel_data.files import read_file
from kjrel_data.label_sets import ISSUES, LABEL_SETS, LabelSet
from kjrel_data.limits import MAX_CODEBOOK_BYTES

BEGIN = "<!-- begin generated: label definitions -->"
END = "<!-- end generated -->"


def definition_tables() -> str:
    """Markdown tables of every label set's labels and definitions (`issues` shares `issue`'s)."""
    return "\n\n".join(_table(label_set) for label_set in LABEL_SETS)


def _table(label_set: LabelSet) -> str:
    heading = f"### `{label_set.field}`\n\n{label_set.question}"
    if label_set is ISSUES:
        return f"{heading} Same labels as `issue`; a sentence may have several."
    rows = "\n".join(
        f"| {index} | `{label.name}` | {label.definition} |"
        for index, label in enumerate(label_set.labels)
    )
    return f"{heading}\n\n| id | label | definition |\n|---|---|---|\n{rows}"


def with_definitions(codebook: str) -> str:
    """The codebook text with its generated block replaced by the current definition tables."""
    before, begin, rest = codebook.partition(BEGIN)
    _, end, after = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"the codebook lacks the markers {BEGIN} and {END}")
    return f"{before}{BEGIN}\n{definition_tables()}\n{END}{after}"


def refresh_codebook(path: Path) -> bool:
    """Rewrite the generated block of the codebook at path; True if anything changed."""
    text = read_file(path, MAX_CODEBOOK_BYTES, "a codebook").decode("utf-8")
    refreshed = with_definitions(text)
    if refreshed != text:
        path.write_text(refreshed, encoding="utf-8")
    return refreshed != text
