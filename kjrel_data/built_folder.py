"""A built dataset folder's format: its checksum list, its card's header and version, its shards.

Read by `kjrel build` (checking what it wrote), `kjrel validate` and `kjrel publish`, as a
received folder is read: every file is checked against SHA256SUMS before it is opened, and every
shard's footer and schema before a row of it is read.
"""

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

import pyarrow as pa
import pyarrow.compute as compute
import pyarrow.parquet as parquet
import yaml

from kjrel_data.card import CODEBOOK_FOLDER
from kjrel_data.errors import ValidationFailed, shown
from kjrel_data.files import file_problem, file_sha256, read_file
from kjrel_data.folder_writer import CARD_FILE, CHECKSUM_FILE, dataset_files
from kjrel_data.limits import (
    MAX_CARD_BYTES,
    MAX_CHECKSUM_LIST_BYTES,
    MAX_DATA_FILE_BYTES,
    MAX_ROW_GROUP_BYTES,
    MAX_ROWS_PER_STORED_BYTE,
)
from kjrel_data.names import ANNOTATIONS, ARTICLES, SPLITS
from kjrel_data.schemas import TABLE_MODELS
from kjrel_data.tables import VERSION_KEY, Corpus, features_yaml, published_schema, versioned_schema
from kjrel_data.version import BUILT_VERSION

# A built folder is read this many articles at a time (with all their rows), in bounded memory.
FOLDER_BATCH_ARTICLES = 200
# How the card states the version (card.py's first paragraph).
CARD_VERSION = re.compile(r"\*\*Dataset version ([^*\s]+)\*\*")


def validate_folder_files(folder: Path) -> dict[str, dict[str, list[parquet.ParquetFile]]]:
    """Check a built folder's files (checksums, card, Parquet schemas), not their rows; open them."""
    folder = Path(folder)
    if not all(os.path.lexists(folder / name) for name in (CARD_FILE, CHECKSUM_FILE)):
        raise ValidationFailed(
            f"{folder}: not a built dataset folder (it needs {CARD_FILE} and {CHECKSUM_FILE}). "
            "Run kjrel build first, or point at the folder it wrote."
        )
    listed, problems = _checksum_problems(folder)
    data_files, card_problems = _card_data_files(folder)
    problems += card_problems
    problems += [
        problem
        for files in data_files.values()
        for paths in files.values()
        for relative in paths
        if (problem := _data_path_problem(relative, listed))
    ]
    if problems:
        raise ValidationFailed(
            f"{folder}: {len(problems)} problem(s) found:\n" + "\n".join(problems)
        )
    version = card_version(folder)
    shards: dict[str, dict[str, list[parquet.ParquetFile]]] = {}
    for config, files in data_files.items():
        for split, paths in files.items():
            for relative in paths:
                shard, problem = _open_shard(folder, relative, config, version)
                if problem:
                    problems.append(problem)
                else:
                    shards.setdefault(config, {}).setdefault(split, []).append(shard)
    if not problems:
        try:
            pinned = _pinned_codebook_sha256s(shards)
        except (OSError, pa.ArrowException) as error:
            raise ValidationFailed(
                f"{folder}: a Parquet file could not be read ({error})."
            ) from None
        problems += _codebook_problems(folder, pinned)
    if problems:
        raise ValidationFailed(
            f"{folder}: {len(problems)} problem(s) found:\n" + "\n".join(problems)
        )
    return shards


def _pinned_codebook_sha256s(shards: dict[str, dict[str, list[parquet.ParquetFile]]]) -> set[str]:
    return {
        digest
        for files in shards.get(ANNOTATIONS, {}).values()
        for shard in files
        for digest in shard.read(columns=["codebook_sha256"])["codebook_sha256"].to_pylist()
    }


def _codebook_problems(folder: Path, pinned: set[str]) -> list[str]:
    """Every pinned codebook with no file in codebooks/, and every file there no pass pins."""
    # The files were checked against SHA256SUMS already, so hashing them reads checked files.
    stored = {
        relative: _built_sha256(folder, relative)
        for relative in dataset_files(folder)
        if relative.startswith(f"{CODEBOOK_FOLDER}/")
    }
    problems = [
        f"{CODEBOOK_FOLDER}/: no codebook has sha256 {digest}, which an annotation pass pins "
        "(annotations, codebook_sha256); the folder is incomplete. Rebuild it."
        for digest in sorted(pinned - set(stored.values()))
    ]
    problems += [
        f"{shown(relative)}: no annotation pass pins this codebook (its sha256 is no "
        "codebook_sha256 in annotations); kjrel build writes only pinned codebooks."
        for relative, digest in stored.items()
        if digest not in pinned
    ]
    return problems


def built_file_problem(folder: Path, relative: str, cap: int, kind: str) -> str | None:
    """Why folder/relative is not a file of a built folder as the build writes them; or None."""
    path = folder / relative
    if problem := file_problem(path, cap, kind, inside=folder):
        return problem
    # The build writes no symlinks, so one inside the folder was put there after it.
    if os.path.realpath(path) != os.path.join(os.path.realpath(folder), relative):
        return (
            f"{shown(path)}: a symlink, which kjrel build never writes; kjrel does not follow it. "
            "Put the file itself there, or rebuild."
        )
    return None


def _read_built_text(folder: Path, name: str, cap: int, kind: str) -> str:
    if problem := built_file_problem(folder, name, cap, kind):
        raise ValidationFailed(f"{folder}: {problem}")
    data = read_file(folder / name, cap, kind, inside=folder, error=ValidationFailed)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            f"{folder / name}: not UTF-8 text; the folder was altered."
        ) from None


def card_version(folder: Path) -> str:
    """The dataset version a built folder's card states; ValidationFailed when it states none."""
    text = _read_built_text(folder, CARD_FILE, MAX_CARD_BYTES, "a dataset card")
    stated = CARD_VERSION.search(text)
    if stated is None or not BUILT_VERSION.fullmatch(stated.group(1)):
        raise ValidationFailed(
            f"{folder / CARD_FILE}: states no dataset version (**Dataset version X.Y.Z**, or "
            "X.Y.Z+fingerprint for an unreleased build); the card is not one kjrel build wrote. "
            "Rebuild the folder."
        )
    return stated.group(1)


def _open_shard(
    folder: Path, relative: str, config: str, version: str
) -> tuple[parquet.ParquetFile | None, str | None]:
    # The path is one SHA256SUMS lists and _checksum_problems checked as a regular file inside.
    try:
        shard = parquet.ParquetFile(folder / relative)
        schema = shard.schema_arrow
    except (OSError, pa.ArrowException) as error:
        return None, f"{shown(relative)}: not a readable Parquet file ({error})."
    if problem := _footer_problem(shard.metadata):
        return None, f"{shown(relative)}: {problem}; the footer is not one kjrel build wrote."
    expected = versioned_schema(config, version)
    built_as = (schema.metadata or {}).get(VERSION_KEY, b"none").decode("utf-8", "replace")
    if built_as != version:
        return None, (
            f"{shown(relative)}: built as dataset version {shown(built_as)}, but the card states "
            f"version {version}: the folder mixes files of different builds. Rebuild it."
        )
    # Compared without field metadata: Parquet renames list items ("item" to "element").
    if not schema.equals(expected) or schema.metadata != expected.metadata:
        return None, (
            f"{shown(relative)}: its Arrow schema (columns, types or the huggingface feature metadata) "
            f"differs from schemas/{config}.features.json."
        )
    return shard, None


def _footer_problem(footer: parquet.FileMetaData) -> str | None:
    """Why a Parquet footer's row groups declare more than their stored bytes hold; or None."""
    # Checked before any row is read: reading allocates for the rows and bytes the footer declares.
    for index in range(footer.num_row_groups):
        group = footer.row_group(index)
        columns = [group.column(number) for number in range(group.num_columns)]
        stored = sum(column.total_compressed_size for column in columns)
        declared = max(group.total_byte_size, sum(c.total_uncompressed_size for c in columns))
        if group.num_rows > MAX_ROWS_PER_STORED_BYTE * stored:
            return (
                f"row group {index} declares {group.num_rows:,} rows in {stored:,} stored bytes, "
                f"more than {MAX_ROWS_PER_STORED_BYTE} a byte"
            )
        if declared > MAX_ROW_GROUP_BYTES:
            return (
                f"row group {index} declares {declared:,} bytes of data, more than the "
                f"{MAX_ROW_GROUP_BYTES:,} a row group may have"
            )
    return None


def article_batches(
    shards: dict[str, dict[str, list[parquet.ParquetFile]]],
    batch_articles: int = FOLDER_BATCH_ARTICLES,
) -> Iterator[Corpus]:
    """The folder's rows by ranges of article ids: each batch holds every row of its articles."""
    article_ids = sorted(
        article_id
        for files in shards[ARTICLES].values()
        for shard in files
        for article_id in shard.read(columns=["article_id"])["article_id"].to_pylist()
    )
    streams = {
        config: {split: _SortedRows(config, split, shards[config][split]) for split in SPLITS}
        for config in TABLE_MODELS
    }
    # The last batch reads to the end, so rows whose article sorts after every article are checked.
    ends = article_ids[batch_articles - 1 :: batch_articles]
    if len(article_ids) % batch_articles == 0:
        ends = ends[:-1]
    for last_id in [*ends, None]:
        yield {
            config: {split: stream.take_through(last_id) for split, stream in by_split.items()}
            for config, by_split in streams.items()
        }


class _SortedRows:
    """One config and split's rows, read a row group at a time and taken by article_id."""

    def __init__(self, config: str, split: str, shards: list[parquet.ParquetFile]) -> None:
        self.name = f"{config}/{split}"
        self.schema = published_schema(config)
        self.row_groups = (
            shard.read_row_group(index) for shard in shards for index in range(shard.num_row_groups)
        )
        self.buffer = self.schema.empty_table()
        self.last_id: str | None = None
        # Row groups out of order would put rows in the wrong batch, where they read as missing
        # rows; the footers' min and max say so before any batch is read.
        ranges = [
            (statistics.min, statistics.max)
            for shard in shards
            for index in range(shard.num_row_groups)
            if (statistics := _article_id_statistics(shard, index)) is not None
        ]
        if any(earlier[1] > later[0] for earlier, later in itertools.pairwise(ranges)):
            raise self._unsorted()

    def take_through(self, last_id: str | None) -> pa.Table:
        """The next rows up to and including article last_id (every remaining row if None)."""
        taken = []
        while True:
            if self.buffer.num_rows == 0:
                row_group = next(self.row_groups, None)
                if row_group is None:
                    break
                self.buffer = self._checked_order(row_group)
            if last_id is None:
                count = self.buffer.num_rows
            else:
                after = compute.index(compute.greater(self.buffer["article_id"], last_id), True)
                count = self.buffer.num_rows if after.as_py() == -1 else after.as_py()
            taken.append(self.buffer.slice(0, count))
            self.buffer = self.buffer.slice(count)
            if self.buffer.num_rows:
                break
        return pa.concat_tables([self.schema.empty_table(), *taken])

    def _checked_order(self, row_group: pa.Table) -> pa.Table:
        if row_group.num_rows == 0:
            return row_group.cast(self.schema)
        ids = row_group["article_id"]
        previous = pa.concat_arrays(
            [pa.array([self.last_id or ""], pa.string()), ids.combine_chunks()[:-1]]
        )
        if compute.any(compute.less(ids.combine_chunks(), previous)).as_py():
            raise self._unsorted()
        self.last_id = ids[-1].as_py()
        return row_group.cast(self.schema)

    def _unsorted(self) -> ValidationFailed:
        return ValidationFailed(
            f"{self.name}: rows are not sorted by article_id (across its shards, in the card's "
            "order); every table must be, so that batches of articles are checked with all their rows."
        )


def _article_id_statistics(shard: parquet.ParquetFile, row_group: int):
    column = shard.metadata.row_group(row_group).column(
        shard.schema_arrow.get_field_index("article_id")
    )
    statistics = column.statistics
    return statistics if statistics is not None and statistics.has_min_max else None


def _checksum_problems(folder: Path) -> tuple[set[str], list[str]]:
    """The paths SHA256SUMS lists, and every way the folder's files differ from it."""
    text = _read_built_text(folder, CHECKSUM_FILE, MAX_CHECKSUM_LIST_BYTES, "a checksum list")
    listed = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, _, relative = line.partition("  ")
        if len(digest) != 64 or not relative:
            return set(), [f"{CHECKSUM_FILE}: line {number} is not '<sha256>  <path>'."]
        listed[relative] = digest
    present = set(dataset_files(folder))
    problems = [
        f"{shown(relative)}: listed in {CHECKSUM_FILE} but missing."
        for relative in sorted(listed.keys() - present)
    ]
    problems += [
        f"{shown(relative)}: not listed in {CHECKSUM_FILE} (added after the build?)."
        for relative in sorted(present - listed.keys())
    ]
    # Each file is checked by name before it is hashed: a symlink or a FIFO is never opened.
    for relative in sorted(listed.keys() & present):
        if problem := built_file_problem(folder, relative, MAX_DATA_FILE_BYTES, "a data file"):
            problems.append(problem)
        elif _built_sha256(folder, relative) != listed[relative]:
            problems.append(
                f"{shown(relative)}: sha256 differs from {CHECKSUM_FILE}; the file was changed after the build."
            )
    return set(listed), problems


def _built_sha256(folder: Path, relative: str) -> str:
    return file_sha256(
        folder / relative, MAX_DATA_FILE_BYTES, "a data file", inside=folder, error=ValidationFailed
    )


def _data_path_problem(relative: str, listed: set[str]) -> str | None:
    """Why a card's data file path is not one of the folder's own checked files; or None."""
    if relative.startswith("/") or PureWindowsPath(relative).is_absolute():
        return f"{CARD_FILE}: data file {relative!r} is an absolute path; it must lie inside the folder."
    if ".." in PurePosixPath(relative).parts or "\\" in relative:
        return (
            f"{CARD_FILE}: data file {relative!r} leads out with '..' or a backslash; it must be "
            "a path inside the folder."
        )
    if relative not in listed:
        return f"{CARD_FILE}: data file {relative!r} is not a file {CHECKSUM_FILE} lists."
    return None


def _card_data_files(folder: Path) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    text = _read_built_text(folder, CARD_FILE, MAX_CARD_BYTES, "a dataset card")
    try:
        header = yaml.safe_load(text.split("---\n", 2)[1])
        configs = {entry["config_name"]: entry for entry in header["configs"]}
        infos = {entry["config_name"]: entry for entry in header["dataset_info"]}
        data_files = {
            config: {item["split"]: item["path"] for item in configs[config]["data_files"]}
            for config in TABLE_MODELS
        }
        if not all(
            isinstance(paths, list) and paths and all(isinstance(path, str) for path in paths)
            for files in data_files.values()
            for paths in files.values()
        ):
            raise TypeError
    except (IndexError, KeyError, TypeError, yaml.YAMLError):
        return {}, [
            f"{CARD_FILE}: its YAML header lacks configs or dataset_info for {', '.join(TABLE_MODELS)}."
        ]
    except RecursionError:
        return {}, [
            f"{CARD_FILE}: its YAML header is nested too deeply to read; a card's header is a "
            "few levels deep. Rebuild the folder."
        ]
    problems = [
        f"{CARD_FILE}: config {config!r} declares splits "
        f"{', '.join(sorted(map(repr, files)))}, not {', '.join(map(repr, sorted(SPLITS)))}."
        for config, files in data_files.items()
        if set(files) != set(SPLITS)
    ]
    problems += [
        f"{CARD_FILE}: dataset_info features of {config!r} differ from schemas/{config}.features.json."
        for config in TABLE_MODELS
        if infos.get(config, {}).get("features") != features_yaml(config)
    ]
    return data_files, problems
