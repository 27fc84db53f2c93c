"""Label changes between two label files, by sentence id, as CHANGELOG.md lists them."""

from kjrel_data.label_sets import LABEL_FIELDS
from kjrel_data.load import LabelRow
from kjrel_data.version import label_values


def label_changes(old: list[LabelRow], new: list[LabelRow]) -> list[str]:
    """One Markdown line per sentence whose labels were added, removed or changed, by sentence id."""
    return label_value_changes(
        {row.sentence_id: label_values(row) for row in old},
        {row.sentence_id: label_values(row) for row in new},
    )


def label_value_changes(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
) -> list[str]:
    """label_changes over labels by sentence id (field -> value, issues joined by ';')."""
    lines = []
    for sentence_id in sorted(before.keys() | after.keys()):
        if sentence_id not in before:
            lines.append(f"- `{sentence_id}`: labelled ({_labels(after[sentence_id])})")
        elif sentence_id not in after:
            lines.append(f"- `{sentence_id}`: label removed (was {_labels(before[sentence_id])})")
        else:
            # A field the earlier labels lack (declared since) shows as empty.
            changes = [
                f"{field} {before[sentence_id].get(field, '')} → {after[sentence_id][field]}"
                for field in LABEL_FIELDS
                if before[sentence_id].get(field, "") != after[sentence_id][field]
            ]
            if changes:
                lines.append(f"- `{sentence_id}`: " + "; ".join(changes))
    return lines


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{field} {labels.get(field, '')}" for field in LABEL_FIELDS)
