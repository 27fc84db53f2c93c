"""Stage 6, publish to a folder: the Hugging Face dataset folder (Parquet, card, datasheet, checksums), written atomically; `kjrel publish` (publish.py) sends a built folder to the Hub."""

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as compute
import pyarrow.parquet as parquet

from kjrel_data.card import (
    PLOT_FILE,
    RELIABILITY_PLOT_FILE,
    issue_stance_plot,
    model_label_evaluation,
    reliability_plot,
    render_card,
)
from kjrel_data.croissant import croissant_json
from kjrel_data.files import written_file_sha256
from kjrel_data.names import CONFIGS, SPLITS
from kjrel_data.summary import CorpusSummary
from kjrel_data.tables import Corpus, versioned_schema
from kjrel_data.version import DatasetVersion

CARD_FILE = "README.md"
DATASHEET_FILE = "DATASHEET.md"
CODEBOOK_FILE = "CODEBOOK.md"
DOCUMENTS = (DATASHEET_FILE, CODEBOOK_FILE)
CHECKSUM_FILE = "SHA256SUMS"
CROISSANT_FILE = "croissant.json"
DATA_FOLDER = "data"


@dataclass(frozen=True)
class Shards:
    """The written shards: paths by config and split, each path's sha256, and data bytes."""

    data_files: dict[str, dict[str, list[str]]]
    sha256_by_path: dict[str, str]
    # (config, split) -> uncompressed bytes of its shards' data, as the Parquet footers record.
    data_bytes: dict[tuple[str, str], int]


class ShardWriter:
    """Appends batches of corpus tables to Parquet shards, `<split>-NNNNN-of-MMMMM-<digest>.parquet`."""

    def __init__(self, folder: Path, dataset_version: str, max_shard_text_bytes: int) -> None:
        self.folder = folder
        self.dataset_version = dataset_version
        # A shard starts anew once its string columns' UTF-8 text would pass this.
        self.max_shard_text_bytes = max_shard_text_bytes
        self.shards: dict[tuple[str, str], list[Path]] = {}
        self.writers: dict[tuple[str, str], parquet.ParquetWriter] = {}
        self.shard_text_bytes: dict[tuple[str, str], int] = {}

    def write(self, corpus: Corpus) -> None:
        """Append one batch (articles in order): each non-empty table becomes a row group."""
        for config in CONFIGS:
            for split in SPLITS:
                table = corpus[config][split]
                if table.num_rows:
                    text_bytes = _text_bytes(table)
                    self._writer_for(config, split, text_bytes).write_table(table.combine_chunks())
                    self.shard_text_bytes[(config, split)] += text_bytes

    def close(self) -> Shards:
        """Finish every shard and give each its final name."""
        for config in CONFIGS:
            for split in SPLITS:
                if (config, split) not in self.shards:
                    # A split with no rows still gets its (empty) file, so every split loads.
                    self._writer_for(config, split, 0)
        for writer in self.writers.values():
            writer.close()
        data_files: dict[str, dict[str, list[str]]] = {}
        sha256_by_path: dict[str, str] = {}
        data_bytes: dict[tuple[str, str], int] = {}
        # In declared order, not the order splits first had rows: the card and croissant.json list
        # files in this order.
        for config, split in ((config, split) for config in CONFIGS for split in SPLITS):
            parts = self.shards[(config, split)]
            for number, part in enumerate(parts):
                digest = written_file_sha256(part)
                # Named as the Hub names shards. The content digest at the end makes the card
                # change whenever any row does, which is what `datasets` keys its cache on:
                # without it a folder rebuilt in place loads stale rows.
                relative = (
                    f"{DATA_FOLDER}/{config}/"
                    f"{split}-{number:05d}-of-{len(parts):05d}-{digest[:16]}.parquet"
                )
                part.rename(self.folder / relative)
                data_files.setdefault(config, {}).setdefault(split, []).append(relative)
                sha256_by_path[relative] = digest
                footer = parquet.read_metadata(self.folder / relative)
                data_bytes[(config, split)] = data_bytes.get((config, split), 0) + sum(
                    footer.row_group(index).total_byte_size
                    for index in range(footer.num_row_groups)
                )
        return Shards(data_files, sha256_by_path, data_bytes)

    def _writer_for(self, config: str, split: str, text_bytes: int) -> parquet.ParquetWriter:
        key = (config, split)
        if (
            key in self.writers
            and self.shard_text_bytes[key] + text_bytes <= self.max_shard_text_bytes
        ):
            return self.writers[key]
        if key in self.writers:
            self.writers.pop(key).close()
        part = (
            self.folder
            / DATA_FOLDER
            / config
            / f".{split}-part-{len(self.shards.get(key, [])):05d}"
        )
        part.parent.mkdir(parents=True, exist_ok=True)
        self.shards.setdefault(key, []).append(part)
        self.shard_text_bytes[key] = 0
        self.writers[key] = parquet.ParquetWriter(
            part, versioned_schema(config, self.dataset_version), compression="zstd"
        )
        return self.writers[key]


def _text_bytes(table: pa.Table) -> int:
    return sum(
        compute.sum(compute.binary_length(column)).as_py() or 0
        for column in table.columns
        if pa.types.is_string(column.type)
    )


def write_documents(
    folder: Path,
    summary: CorpusSummary,
    shards: Shards,
    documents: dict[str, bytes],
    version: DatasetVersion,
) -> None:
    """Beside the shards: card, Croissant metadata, plots, datasheet, codebooks and sha256 list."""
    evaluations = model_label_evaluation(summary)
    (folder / CARD_FILE).write_text(
        render_card(summary, shards.data_files, shards.data_bytes, evaluations, version),
        encoding="utf-8",
    )
    (folder / CROISSANT_FILE).write_text(
        croissant_json(shards.data_files, shards.sha256_by_path, version), encoding="utf-8"
    )
    (folder / PLOT_FILE).write_bytes(issue_stance_plot(summary))
    (folder / RELIABILITY_PLOT_FILE).write_bytes(reliability_plot(evaluations))
    for name, content in documents.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    (folder / CHECKSUM_FILE).write_text(checksum_lines(folder), encoding="utf-8")


def dataset_files(folder: Path) -> list[str]:
    """The folder's entries by relative path, sorted: all but folders, the checksum file and hidden ones."""
    # Hidden files (.gitattributes, .cache/) are what a Hub repository or download adds, not data.
    # Symlinks (to files or folders) and special files are listed, not followed, so that
    # validate names and refuses them.
    entries = []
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        links = [name for name in folders if os.path.islink(os.path.join(parent, name))]
        for name in [*files, *links]:
            relative = Path(parent, name).relative_to(folder).as_posix()
            if not name.startswith(".") and relative != CHECKSUM_FILE:
                entries.append(relative)
    return sorted(entries)


def checksum_lines(folder: Path) -> str:
    """`sha256  path` for every dataset file of the folder, sorted by path."""
    paths = dataset_files(folder)
    return "".join(f"{written_file_sha256(folder / path)}  {path}\n" for path in paths)
