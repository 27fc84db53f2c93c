"""The dataset's version: the release raw/release.toml records, or that version marked unreleased.

A build's rows are decided by its inputs, so their fingerprint (`rows_sha256`) is a digest of
exactly those, known before the first shard is written: raw/ as the build reads it (every
article's metadata row and decoded text, every gold label row, every annotation pass with its
rows, every cleaning correction), the kjrel-data version, the package's cleaning rules and
classifier weights, the published schemas with their label sets, and the versions of the
segmenter and the labeller's learning library. When it differs from the release's, the version is the release's with the
fingerprint as a PEP 440 local version, `3.0.0+0123456789ab`.
"""

import dataclasses
import datetime
import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from kjrel_data import __version__
from kjrel_data.clean import split_lines
from kjrel_data.errors import InputError, shown
from kjrel_data.extract import EXTRACTION_LIBRARIES
from kjrel_data.files import read_file
from kjrel_data.label_sets import ISSUES_SEPARATOR, LABEL_FIELDS
from kjrel_data.limits import MAX_CSV_BYTES
from kjrel_data.load import RawCatalog, distinct_articles
from kjrel_data.model_labeller import (
    CHOSEN_METHOD,
    MIN_PUBLISHED,
    PUBLISH_THRESHOLDS,
    TARGET_ACCURACY,
)
from kjrel_data.names import CITATION_KEY, CONFIGS
from kjrel_data.tables import FEATURES

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RELEASE_FILE = "release.toml"
# The package's data that decides rows: what cleaning removes, and what the classifiers score.
PACKAGE_DATA = ("cleaning_rules.toml", "line_classifier.json", "sentence_model.json")
# Libraries whose version can change the rows themselves (sentence boundaries, model labels, what
# is extracted from a web page or PDF).
ROW_DEPENDENCIES = ("sentencex", "scikit-learn", *EXTRACTION_LIBRARIES)
RELEASED_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
# A released version, or one with the fingerprint's first LOCAL_DIGITS hex digits as local part.
LOCAL_DIGITS = 12
BUILT_VERSION = re.compile(rf"{RELEASED_VERSION.pattern}(\+[0-9a-f]{{{LOCAL_DIGITS}}})?")
NEVER_RELEASED = "0.0.0"
SHA256 = re.compile(r"[0-9a-f]{64}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Release:
    """What raw/release.toml records of the last release."""

    version: str
    date: str
    rows_sha256: str
    schema_sha256: str
    articles: tuple[str, ...]
    # sentence_id -> label field -> value (issues joined by ';'), as labels.csv held them.
    labels: dict[str, dict[str, str]]


@dataclass(frozen=True)
class DatasetVersion:
    """The version a build writes everywhere, and the release it is or follows (None if none)."""

    version: str
    released: bool
    rows_sha256: str
    release: Release | None

    @property
    def released_as(self) -> Release | None:
        """The release this version is; None for an unreleased build."""
        return self.release if self.released else None


def dataset_version(catalog: RawCatalog) -> DatasetVersion:
    """The version of what catalog builds: the release's if its fingerprint matches, else marked unreleased."""
    release = read_release(catalog.raw_dir)
    rows = rows_sha256(catalog)
    if release is not None and release.rows_sha256 == rows:
        return DatasetVersion(release.version, True, rows, release)
    base = release.version if release is not None else NEVER_RELEASED
    return DatasetVersion(f"{base}+{rows[:LOCAL_DIGITS]}", False, rows, release)


def rows_sha256(catalog: RawCatalog) -> str:
    """The fingerprint of the rows catalog builds: a digest of every input that decides them.

    InputError when two articles are copies (`distinct_articles`): such a corpus has no version.
    """
    digest = hashlib.sha256()

    def add(kind: str, value: object) -> None:
        digest.update(json.dumps([kind, value], sort_keys=True, default=str).encode() + b"\n")

    add("kjrel-data", __version__)
    add("schema", schema_sha256())
    # Which model labels are published is decided by these, not by any input file.
    add("labeller", [CHOSEN_METHOD, PUBLISH_THRESHOLDS, TARGET_ACCURACY, MIN_PUBLISHED])
    for name in PACKAGE_DATA:
        add(name, _package_file_sha256(name))
    for name in ROW_DEPENDENCIES:
        add(name, metadata.version(name))
    # Inputs as the build reads them, not their bytes: the order of a file's rows, its quoting,
    # and an article's byte-order mark or kind of line ending change no row, so they change no version.
    # Article texts are read one at a time, so memory stays flat whatever the corpus; a version
    # is only given to a corpus without copies, so the build reads them once for both.
    for article in distinct_articles(catalog.raw_dir, catalog.articles):
        # Cleaning reads an article as its lines: split here as there.
        lines = split_lines(article.text)
        add(
            "article",
            [_fields(article.metadata), hashlib.sha256("\n".join(lines).encode()).hexdigest()],
        )
    for label in sorted(catalog.gold_labels, key=lambda label: label.sentence_id):
        add("label", _fields(label))
    for item in catalog.annotation_passes:
        add("pass", _fields(item, "rows"))
        for label in sorted(item.rows, key=lambda label: label.sentence_id):
            add("pass label", _fields(label))
    for correction in catalog.corrections:
        add("correction", _fields(correction))
    return digest.hexdigest()


def _fields(item: "DataclassInstance", *left_out: str) -> dict:
    """A raw record's fields but where it was read from (file, row) and its raw bytes' sha256."""
    where = {"file", "row_number", "sha256", *left_out}
    return {
        field.name: getattr(item, field.name)
        for field in dataclasses.fields(item)
        if field.name not in where
    }


def schema_sha256() -> str:
    """A digest of every config's published features, label names included."""
    features = {config: FEATURES[config].to_dict() for config in CONFIGS}
    return hashlib.sha256(json.dumps(features, sort_keys=True).encode()).hexdigest()


def _package_file_sha256(name: str) -> str:
    return hashlib.sha256(resources.files("kjrel_data").joinpath(name).read_bytes()).hexdigest()


def read_release(raw_dir: Path) -> Release | None:
    """raw/release.toml's record of the last release, checked; None when nothing was released."""
    path = Path(raw_dir) / RELEASE_FILE
    if not os.path.lexists(path):
        return None
    data = read_file(path, MAX_CSV_BYTES, "a release record", inside=raw_dir)
    try:
        record = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            f"{shown(path)}: not readable TOML ({error}). `kjrel release` writes it; restore it "
            "from version control."
        ) from None
    problems = _release_problems(record)
    if problems:
        raise InputError(
            f"{shown(path)}: {'; '.join(problems)}. `kjrel release` writes this file; restore it "
            "from version control rather than editing it."
        )
    return Release(
        version=record["version"],
        date=record["date"],
        rows_sha256=record["rows_sha256"],
        schema_sha256=record["schema_sha256"],
        articles=tuple(record["articles"]),
        labels=record["labels"],
    )


def is_date(value: object) -> bool:
    """Whether value is a real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _release_problems(record: dict) -> list[str]:
    checks = {
        "version": lambda value: isinstance(value, str) and RELEASED_VERSION.fullmatch(value),
        "date": is_date,
        "rows_sha256": lambda value: isinstance(value, str) and SHA256.fullmatch(value),
        "schema_sha256": lambda value: isinstance(value, str) and SHA256.fullmatch(value),
        "articles": lambda value: (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ),
        # Any label fields: a release recorded before a field was declared still reads.
        "labels": lambda value: (
            isinstance(value, dict)
            and all(
                isinstance(labels, dict) and all(isinstance(item, str) for item in labels.values())
                for labels in value.values()
            )
        ),
    }
    problems = [
        f"{key} is missing or malformed"
        for key, valid in checks.items()
        if not valid(record.get(key))
    ]
    unexpected = sorted(set(record) - set(checks))
    if unexpected:
        problems.append(f"unexpected keys {', '.join(unexpected)}")
    return problems


def release_text(release: Release) -> str:
    """raw/release.toml's text for release."""
    lines = [
        "# The last release of the dataset, written by `kjrel release`; `kjrel build` reads it.",
        "# rows_sha256 is the fingerprint of the inputs that decide the rows (kjrel_data/version.py).",
        f"version = {_toml_string(release.version)}",
        f"date = {_toml_string(release.date)}",
        f"rows_sha256 = {_toml_string(release.rows_sha256)}",
        f"schema_sha256 = {_toml_string(release.schema_sha256)}",
        "articles = [",
        *(f"  {_toml_string(article_id)}," for article_id in release.articles),
        "]",
        "",
        "[labels]",
        *(
            f"{_toml_string(sentence_id)} = {{ "
            + ", ".join(f"{field} = {_toml_string(labels[field])}" for field in LABEL_FIELDS)
            + " }"
            for sentence_id, labels in sorted(release.labels.items())
        ),
    ]
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string; non-ASCII is kept as is, since TOML has no surrogates.
    return json.dumps(value, ensure_ascii=False)


def label_values(row: object) -> dict[str, str]:
    """A label row's fields as release.toml records them: issues joined by ';'."""
    return {
        field: ISSUES_SEPARATOR.join(value) if isinstance(value, tuple) else value
        for field in LABEL_FIELDS
        for value in [getattr(row, field)]
    }


def citation_bibtex(version: DatasetVersion) -> str:
    """The BibTeX entry for this version of the dataset, dated by its release."""
    fields = [
        ("title", "{kjrel\\_data}: Japan--South Korea relations, sentence by sentence"),
        # Braced whole: a group, not a person's first and last names.
        ("author", "{The kjrel\\_data maintainers}"),
        ("version", version.version),
    ]
    if (release := version.released_as) is not None:
        fields += [("year", release.date[:4]), ("date", release.date)]
    else:
        fields.append(("note", "Unreleased build"))
    key = f"{CITATION_KEY}_{re.sub(r'[^0-9a-z]', '_', version.version)}"
    return (
        "@misc{"
        + key
        + ",\n"
        + "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
        + "}"
    )
