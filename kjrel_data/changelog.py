"""Label changes between two label files, by sentence id, as CHANGELOG.md lists them."""

from kjrel_data.label import LABEL_FIELDS
from kjrel_data.load import LabelRow


def label_changes(old: list[LabelRow], new: list[LabelRow]) -> list[str]:
    """One Markdown line per sentence whose labels were added, removed or changed, by sentence id."""
    before = {row.sentence_id: row for row in old}
    after = {row.sentence_id: row for row in new}
    lines = []
    for sentence_id in sorted(before.keys() | after.keys()):
        if sentence_id not in before:
            lines.append(f"- `{sentence_id}`: labelled ({_labels(after[sentence_id])})")
        elif sentence_id not in after:
            lines.append(f"- `{sentence_id}`: label removed (was {_labels(before[sentence_id])})")
        else:
            changes = [
                f"{field} {_value(before[sentence_id], field)} → {_value(after[sentence_id], field)}"
                for field in LABEL_FIELDS
                if getattr(before[sentence_id], field) != getattr(after[sentence_id], field)
            ]
            if changes:
                lines.append(f"- `{sentence_id}`: " + "; ".join(changes))
    return lines


def _value(row: LabelRow, field: str) -> str:
    value = getattr(row, field)
    return ";".join(value) if isinstance(value, tuple) else value


def _labels(row: LabelRow) -> str:
    return ", ".join(f"{field} {_value(row, field)}" for field in LABEL_FIELDS)
