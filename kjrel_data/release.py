"""`kjrel release`: record raw/'s current inputs as the next version, and write its CHANGELOG.md entry.

The part of the version that changes follows CHANGELOG.md's rule: major when a schema or a label
set changes (the published features' digest differs from the release's), minor when articles or
labelled sentences are added, patch for anything else (fixes).
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kjrel_data.changelog import label_value_changes
from kjrel_data.errors import InputError, shown
from kjrel_data.files import read_file
from kjrel_data.limits import MAX_DOCUMENT_BYTES
from kjrel_data.load import load_catalog
from kjrel_data.raw_files import raw_lock, write_raw_files
from kjrel_data.version import (
    NEVER_RELEASED,
    RELEASE_FILE,
    Release,
    dataset_version,
    is_date,
    label_values,
    release_text,
    schema_sha256,
)

UNRELEASED_HEADING = "## Unreleased"
MAJOR, MINOR, PATCH = "major", "minor", "patch"


@dataclass(frozen=True)
class ReleaseResult:
    """What a release recorded, and why its version moved as it did."""

    previous_version: str | None
    release: Release
    part: str
    articles_added: list[str]
    articles_removed: list[str]
    label_changes: list[str]


def make_release(raw_dir: Path, changelog: Path, date: str) -> ReleaseResult:
    """Record raw_dir's inputs as a new release in raw_dir/release.toml, with its entry in changelog."""
    raw_dir = Path(raw_dir)
    released_on = _checked_date(date)
    changelog_text = _read_changelog(changelog)
    with raw_lock(raw_dir):
        catalog = load_catalog(raw_dir)
        current = dataset_version(catalog)
        previous = current.release
        if (released := current.released_as) is not None:
            raise InputError(
                f"{shown(raw_dir)}: its inputs are release {released.version} "
                f"({released.date}) already; change articles, labels or rules before releasing."
            )
        if previous is not None and released_on < previous.date:
            raise InputError(
                f"--date {released_on} is before the last release, {previous.version} of "
                f"{previous.date}; give the date of this release."
            )
        articles = tuple(row.article_id for row in catalog.articles)
        labels = {row.sentence_id: label_values(row) for row in catalog.gold_labels}
        schema = schema_sha256()
        before_articles = set(previous.articles) if previous else set()
        before_labels = previous.labels if previous else {}
        added = sorted(set(articles) - before_articles)
        removed = sorted(before_articles - set(articles))
        part = _changed_part(previous, schema, bool(added), bool(labels.keys() - before_labels))
        release = Release(
            version=_bumped(previous.version if previous else NEVER_RELEASED, part),
            date=released_on,
            rows_sha256=current.rows_sha256,
            schema_sha256=schema,
            articles=articles,
            labels=labels,
        )
        changes = label_value_changes(before_labels, labels)
        entry = _changelog_entry(release, part, added, removed, changes)
        _write(raw_dir, release, changelog, _with_entry(changelog_text, release.version, entry))
    return ReleaseResult(
        previous_version=previous.version if previous else None,
        release=release,
        part=part,
        articles_added=added,
        articles_removed=removed,
        label_changes=changes,
    )


def _checked_date(date: str) -> str:
    if not is_date(date):
        raise InputError(
            f"--date {date!r} is not a date written YYYY-MM-DD (for example 2026-12-01)."
        )
    return date


def _read_changelog(changelog: Path) -> str:
    data = read_file(changelog, MAX_DOCUMENT_BYTES, "a changelog")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{shown(changelog)}: not UTF-8 text; save it as UTF-8.") from None


def _changed_part(
    previous: Release | None, schema: str, articles_added: bool, labels_added: bool
) -> str:
    if previous is None or previous.schema_sha256 != schema:
        return MAJOR
    if articles_added or labels_added:
        return MINOR
    return PATCH


def _bumped(version: str, part: str) -> str:
    major, minor, patch = map(int, version.split("."))
    if part == MAJOR:
        return f"{major + 1}.0.0"
    if part == MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def _changelog_entry(
    release: Release, part: str, added: list[str], removed: list[str], changes: list[str]
) -> list[str]:
    """The generated lines of a release's entry: its date and fingerprint, articles and label changes."""
    why = {
        MAJOR: "a schema or label set changed",
        MINOR: "articles or labels were added",
        PATCH: "fixes",
    }[part]
    lines = [
        f"Released {release.date}; a {part} version ({why}). Rows fingerprint "
        f"`{release.rows_sha256}`.",
        "",
        "### Articles",
        "",
        *(f"- added `{article_id}`" for article_id in added),
        *(f"- removed `{article_id}`" for article_id in removed),
    ]
    if not added and not removed:
        lines.append("- none added or removed")
    lines += ["", "### Label changes", "", *(changes or ["- none"])]
    return lines


def _with_entry(text: str, version: str, entry: list[str]) -> str:
    """The changelog with the release's section: the Unreleased section's notes under the version's
    heading with the entry, or, without one, a new section above the first release's."""
    lines = text.splitlines()
    headings = [index for index, line in enumerate(lines) if line.startswith("## ")]
    unreleased = next((i for i in headings if lines[i].rstrip() == UNRELEASED_HEADING), None)
    if unreleased is None:
        start = end = headings[0] if headings else len(lines)
        notes: list[str] = []
    else:
        start = unreleased
        end = next((i for i in headings if i > unreleased), len(lines))
        notes = _trimmed(lines[unreleased + 1 : end])
    section = [f"## {version}", "", entry[0], "", *notes, *([""] if notes else []), *entry[2:]]
    return "\n".join([*lines[:start], *section, "", *lines[end:]]).rstrip("\n") + "\n"


def _trimmed(lines: list[str]) -> list[str]:
    """lines without the blank lines at either end."""
    kept = [index for index, line in enumerate(lines) if line.strip()]
    return lines[kept[0] : kept[-1] + 1] if kept else []


def _write(raw_dir: Path, release: Release, changelog: Path, changelog_text: str) -> None:
    """Write the changelog, then raw/release.toml; if that fails, put the changelog back."""
    previous = changelog.read_bytes()
    _replace_bytes(changelog, changelog_text.encode("utf-8"))
    try:
        write_raw_files(raw_dir, [(raw_dir / RELEASE_FILE, release_text(release).encode("utf-8"))])
    except BaseException:
        _replace_bytes(changelog, previous)
        raise


def _replace_bytes(path: Path, content: bytes) -> None:
    """Write path whole or not at all, keeping its mode: a file beside it, renamed into place."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
