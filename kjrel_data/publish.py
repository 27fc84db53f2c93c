"""Stage 6, publish: write the Hugging Face dataset folder (Parquet, card, datasheet, checksums) atomically."""

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as parquet

from kjrel_data.card import PLOT_FILE, issue_stance_plot, render_card
from kjrel_data.croissant import croissant_json
from kjrel_data.errors import OutputError
from kjrel_data.load import SPLITS
from kjrel_data.tables import Corpus

CARD_FILE = "README.md"
DATASHEET_FILE = "DATASHEET.md"
CODEBOOK_FILE = "CODEBOOK.md"
DOCUMENTS = (DATASHEET_FILE, CODEBOOK_FILE)
CHECKSUM_FILE = "SHA256SUMS"
CROISSANT_FILE = "croissant.json"
DATA_FOLDER = "data"


def write_folder(corpus: Corpus, folder: Path, docs_dir: Path) -> None:
    """Write the corpus as Parquet, with card, Croissant metadata, plot, datasheet, codebook and sha256 list."""
    data_files: dict[str, dict[str, str]] = {}
    sha256_by_path: dict[str, str] = {}
    for config, tables_by_split in corpus.items():
        for split in SPLITS:
            buffer = io.BytesIO()
            parquet.write_table(tables_by_split[split], buffer, compression="zstd")
            data = buffer.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            # The content digest in the name makes the card change whenever any row does, which is
            # what `datasets` keys its cache on: without it a rebuilt folder loads stale rows.
            relative = f"{DATA_FOLDER}/{config}/{split}-{digest[:16]}.parquet"
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(data)
            data_files.setdefault(config, {})[split] = relative
            sha256_by_path[relative] = digest
    (folder / CARD_FILE).write_text(render_card(corpus, data_files), encoding="utf-8")
    (folder / CROISSANT_FILE).write_text(
        croissant_json(data_files, sha256_by_path), encoding="utf-8"
    )
    (folder / PLOT_FILE).write_bytes(issue_stance_plot(corpus))
    for document in DOCUMENTS:
        shutil.copyfile(docs_dir / document, folder / document)
    (folder / CHECKSUM_FILE).write_text(checksum_lines(folder), encoding="utf-8")


def dataset_files(folder: Path) -> list[str]:
    """The folder's files by relative path, sorted, without the checksum file or hidden files."""
    # Hidden files (.gitattributes, .cache/) are what a Hub repository or download adds, not data.
    return sorted(
        relative
        for path in folder.rglob("*")
        if path.is_file()
        and (relative := path.relative_to(folder).as_posix()) != CHECKSUM_FILE
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def checksum_lines(folder: Path) -> str:
    """`sha256  path` for every dataset file of the folder, sorted by path."""
    paths = dataset_files(folder)
    return "".join(
        f"{hashlib.sha256((folder / path).read_bytes()).hexdigest()}  {path}\n" for path in paths
    )


def is_built_folder(folder: Path) -> bool:
    """True for a folder this tool wrote: a card, a checksum list, and no file the list lacks."""
    checksums = folder / CHECKSUM_FILE
    if not (folder / CARD_FILE).is_file() or not checksums.is_file():
        return False
    try:
        listed = {
            line.partition("  ")[2] for line in checksums.read_text(encoding="utf-8").splitlines()
        }
    except (OSError, UnicodeDecodeError):
        return False
    return set(dataset_files(folder)) <= listed


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """An empty folder beside out_dir that replaces it only if the block succeeds; else it vanishes."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder. Choose another --out.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not is_built_folder(out_dir):
        raise OutputError(
            f"{out_dir}: exists, is not empty and was not written by kjrel build; refusing to replace it. "
            "Choose another --out, or remove it yourself."
        )
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _recover(out_dir)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{out_dir.name}.building-{os.getpid()}-", dir=out_dir.parent)
        )
    except OSError as error:
        raise OutputError(f"{out_dir.parent}: cannot write there ({error.strerror}).") from None
    try:
        yield staging
        staging.chmod(0o755)
        _replace(staging, out_dir)
    except OSError as error:
        raise OutputError(
            f"{out_dir}: writing the dataset failed ({error}); the previous folder is unchanged."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _recover(out_dir: Path) -> None:
    """Tidy up after a build that was killed: drop its staging folder, restore a retired folder."""
    for leftover in sorted(out_dir.parent.glob(f".{out_dir.name}.*-*")):
        kind, _, rest = leftover.name[len(out_dir.name) + 2 :].partition("-")
        pid = rest.partition("-")[0]
        if kind not in {"building", "previous"} or not pid.isdigit() or _running(int(pid)):
            continue
        if kind == "previous" and not out_dir.exists():
            leftover.rename(out_dir)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replace(staging: Path, out_dir: Path) -> None:
    retired = out_dir.with_name(f".{out_dir.name}.previous-{os.getpid()}")
    if out_dir.exists():
        out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        # Interrupted or failed between the two renames: put the previous folder back.
        if retired.exists() and not out_dir.exists():
            retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)
