"""The pipeline: raw/ → load → clean → split → label → validate → publish. Only this module knows the order.

Articles flow through clean, split, label and validate in batches (BuildOptions.batch_articles), in
article_id order, and each batch's tables are appended to the Parquet shards as it arrives, so memory depends
on the batch size and not on the corpus. Batches run in this process, in worker processes
(`workers`), or on a Dask cluster (`scheduler`); results are taken in batch order, so the files
are byte-identical however they were computed.
"""

import collections
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from kjrel_data.built_folder import validate_folder_files
from kjrel_data.card import CODEBOOK_FOLDER
from kjrel_data.clean import clean_articles
from kjrel_data.errors import InputError, KjrelError, shown
from kjrel_data.files import read_file
from kjrel_data.folder_writer import DOCUMENTS, ShardWriter, write_documents
from kjrel_data.label import attach_labels, check_label_rows, gold_examples
from kjrel_data.limits import MAX_DOCUMENT_BYTES
from kjrel_data.line_corrections import refuse_stale_corrections
from kjrel_data.load import (
    METADATA_FILE,
    AnnotationPass,
    ArticleMetadata,
    CleaningCorrection,
    LabelRow,
    RawCatalog,
    load_catalog,
    pinned_codebooks,
    read_article,
    text_fingerprint,
)
from kjrel_data.model_labeller import GoldExample
from kjrel_data.names import ARTICLES
from kjrel_data.output import checked_out_dir, staging_folder
from kjrel_data.schemas import validate_corpus
from kjrel_data.sentence_split import article_id_of, split_sentences
from kjrel_data.summary import CorpusSummary, summarize
from kjrel_data.tables import (
    FOLDS,
    Corpus,
    annotations_table,
    articles_table,
    removed_table,
    sentences_table,
    split_by_article,
)
from kjrel_data.version import DatasetVersion, dataset_version

# Batches handed out ahead of the one being written, per worker: keeps workers busy, memory flat.
BATCHES_AHEAD_PER_WORKER = 2


@dataclass(frozen=True)
class Scheduler:
    """A Dask scheduler to build on, and how long to wait for it and for its first worker."""

    address: str
    connect_seconds: float = 30
    worker_wait_seconds: float = 60


@dataclass(frozen=True)
class BuildOptions:
    """How a build runs. The rows are the same whatever these are; the batch and shard sizes decide
    how the files are laid out (Parquet row groups and shards)."""

    workers: int = 1
    scheduler: Scheduler | None = None
    show_progress: bool = False
    # A batch of news articles is a few MB of text and tables: small enough to hold a few per
    # worker, large enough that per-batch overhead (validation, row groups) stays a small share.
    batch_articles: int = 200
    # Text per shard before the next one starts: a few hundred MB at most, as the Hub writes them,
    # so one shard downloads and loads on its own. Counted as the UTF-8 bytes of the string columns,
    # which (unlike Arrow's buffer sizes) do not depend on how a batch reached the writer.
    shard_text_bytes: int = 256 * 2**20


DEFAULT_OPTIONS = BuildOptions()


@dataclass(frozen=True)
class Batch:
    """What one batch needs, all plain data, so it can run in another process or on a cluster."""

    raw_dir: Path
    articles: tuple[ArticleMetadata, ...]
    gold_labels: tuple[LabelRow, ...]
    annotation_passes: tuple[AnnotationPass, ...]
    examples: tuple[GoldExample, ...]
    corrections: tuple[CleaningCorrection, ...] = ()
    # The position of the batch's first article in the whole catalog's article_id order.
    first_position: int = 0


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    summary: CorpusSummary
    version: DatasetVersion


def build_batch(batch: Batch) -> Corpus:
    """Clean, split, label and validate one batch of articles into its published tables."""
    clean, removed = clean_articles(
        [read_article(batch.raw_dir, row) for row in batch.articles],
        corrections=batch.corrections,
    )
    folds = {
        row.article_id: (batch.first_position + offset) % FOLDS
        for offset, row in enumerate(batch.articles)
    }
    labelled = attach_labels(
        split_sentences(clean),
        list(batch.gold_labels),
        list(batch.annotation_passes),
        batch.examples,
    )
    corpus = split_by_article(
        articles_table(clean, folds),
        sentences_table(
            labelled.sentences,
            folds,
            {article.metadata.article_id: article.metadata.split for article in clean},
        ),
        removed_table(removed),
        annotations_table(labelled.annotations),
    )
    validate_corpus(corpus)
    return corpus


def batches(catalog: RawCatalog, batch_articles: int) -> tuple[list[Batch], int]:
    """The build's batches, in article_id order, and the number of articles in them."""
    # Every stale correction at once, before any batch is cleaned.
    refuse_stale_corrections(catalog.raw_dir, catalog.articles, catalog.corrections)
    article_ids = frozenset(row.article_id for row in catalog.articles)
    check_label_rows(catalog.gold_labels, catalog.annotation_passes, article_ids)
    gold_by_article = _by_article(catalog.gold_labels)
    pass_rows_by_article = [_by_article(item.rows) for item in catalog.annotation_passes]
    examples = tuple(
        _training_examples(
            catalog.raw_dir, catalog.articles, catalog.gold_labels, catalog.corrections
        )
    )
    corrections_by_article: dict[str, list[CleaningCorrection]] = {}
    for item in catalog.corrections:
        corrections_by_article.setdefault(item.article_id, []).append(item)
    result = []
    for start in range(0, len(catalog.articles), batch_articles):
        articles = tuple(catalog.articles[start : start + batch_articles])
        ids = [row.article_id for row in articles]
        result.append(
            Batch(
                raw_dir=catalog.raw_dir,
                articles=articles,
                gold_labels=tuple(row for i in ids for row in gold_by_article.get(i, [])),
                annotation_passes=tuple(
                    replace(item, rows=[row for i in ids for row in rows.get(i, [])])
                    for item, rows in zip(
                        catalog.annotation_passes, pass_rows_by_article, strict=True
                    )
                ),
                examples=examples,
                corrections=tuple(item for i in ids for item in corrections_by_article.get(i, [])),
                first_position=start,
            )
        )
    return result, len(catalog.articles)


def build(
    raw_dir: Path,
    out_dir: Path,
    docs_dir: Path,
    options: BuildOptions = DEFAULT_OPTIONS,
) -> BuildResult:
    """Build raw_dir into out_dir (with docs_dir's datasheet and codebook), replacing it only if valid."""
    missing = [name for name in DOCUMENTS if not os.path.lexists(Path(docs_dir) / name)]
    if missing:
        raise InputError(f"{docs_dir}: {', '.join(missing)} not found there; pass --docs DIR.")
    # Read before anything is built, as any input: regular files inside the folder, under a cap,
    # so a link planted beside a received raw/ cannot copy an outside file into the build.
    documents = {
        name: read_file(Path(docs_dir) / name, MAX_DOCUMENT_BYTES, "a document", inside=docs_dir)
        for name in DOCUMENTS
    }
    documents |= {
        f"{CODEBOOK_FOLDER}/{name}": data for name, data in pinned_codebooks(Path(raw_dir)).items()
    }
    # A folder the build cannot write is refused before raw/ is read.
    checked_out_dir(out_dir, raw_dir)
    catalog = load_catalog(raw_dir)
    # Known before any shard is written: every shard's metadata holds it.
    version = dataset_version(catalog)
    with staging_folder(out_dir, raw_dir, version.version) as staging:
        writer = ShardWriter(staging, version.version, options.shard_text_bytes)
        summary = None
        # Closed at once on an error, so worker processes or the cluster client stop with it.
        with contextlib.closing(built_batches(catalog, options)) as built:
            for corpus in built:
                writer.write(corpus)
                summary = summarize(corpus) if summary is None else summary + summarize(corpus)
        # load_catalog refuses a raw/ without articles, so at least one batch was built.
        assert summary is not None
        write_documents(staging, summary, writer.close(), documents, version)
        # Every batch's rows were validated before they were written; this checks what writing
        # made of them: checksums, card, and each shard's schema.
        validate_folder_files(staging)
    return BuildResult(out_dir=Path(out_dir), summary=summary, version=version)


def built_batches(
    catalog: RawCatalog, options: BuildOptions = DEFAULT_OPTIONS
) -> Generator[Corpus, None, None]:
    """Each batch's validated tables, in article_id order, built as they are asked for."""
    # A cluster's workers do not share this process's working directory.
    work, article_count = batches(
        replace(catalog, raw_dir=catalog.raw_dir.resolve())
        if options.scheduler is not None
        else catalog,
        options.batch_articles,
    )
    first_with: dict[bytes, str] = {}
    with (
        tqdm(
            total=article_count, desc="build", unit="article", disable=not options.show_progress
        ) as progress,
        _executor(options.workers, options.scheduler) as (executor, slots),
    ):
        for batch, corpus in zip(
            work,
            _in_order(executor, build_batch, work, slots * BATCHES_AHEAD_PER_WORKER),
            strict=True,
        ):
            _refuse_clean_copies(catalog.raw_dir, corpus, first_with)
            yield corpus
            progress.update(len(batch.articles))


@contextlib.contextmanager
def _executor(workers: int, scheduler: Scheduler | None) -> Iterator[tuple[Executor | None, int]]:
    """Where batches run, and how many run at once."""
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--scheduler needs Dask's distributed scheduler: pip install distributed (or, in "
                "a checkout of kjrel-data, pip install -e '.[cluster]')."
            ) from None
        address = scheduler.address
        try:
            client = Client(address, timeout=scheduler.connect_seconds)
        except (OSError, ValueError) as error:
            # ValueError: distributed's word for an address it cannot parse ("missing port").
            raise InputError(
                f"cannot reach the Dask scheduler at {address} ({error}); "
                "pass its address as tcp://HOST:PORT."
            ) from None
        with client:
            try:
                client.wait_for_workers(1, timeout=scheduler.worker_wait_seconds)
            except TimeoutError:
                raise InputError(
                    f"the Dask scheduler at {address} has no workers; start some with "
                    f"`dask worker {address}`."
                ) from None
            yield client.get_executor(), sum(client.nthreads().values())
    elif workers > 1:
        # Spawned, not forked: the parent holds pyarrow's and tqdm's threads.
        context = multiprocessing.get_context("spawn")
        # Workers ignore Ctrl-C: the parent stops them, so the user sees one message, not N tracebacks.
        executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=signal.signal,
            initargs=(signal.SIGINT, signal.SIG_IGN),
        )
        try:
            yield executor, workers
        except BrokenProcessPool:
            raise KjrelError(
                "a worker process died (out of memory, or killed); nothing was written. "
                "Build again, with fewer --workers if memory is short."
            ) from None
        finally:
            executor.shutdown(cancel_futures=True)
    else:
        yield None, 1


def _in_order(
    executor: Executor | None, function: Callable, items: Iterable, ahead: int
) -> Iterator:
    """function(item) for each item, in order, with at most `ahead` computed before they are used."""
    if executor is None:
        yield from map(function, items)
        return
    pending: collections.deque = collections.deque()
    try:
        for item in items:
            pending.append(executor.submit(function, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def _refuse_clean_copies(raw_dir: Path, corpus: Corpus, first_with: dict[bytes, str]) -> None:
    """InputError naming both ids when an article's cleaned text is an earlier article's."""
    # Raw texts that differ only in lines cleaning removes ("Advertisement") are one article.
    # Only a digest per article is kept across batches: memory stays flat whatever the corpus.
    for table in corpus[ARTICLES].values():
        for article_id, clean_text in zip(
            table["article_id"].to_pylist(), table["clean_text"].to_pylist(), strict=True
        ):
            fingerprint = text_fingerprint(clean_text)
            if fingerprint in first_with:
                raise InputError(
                    f"{shown(raw_dir / METADATA_FILE)}: articles {first_with[fingerprint]!r} and "
                    f"{article_id!r} have the same text once cleaned (lines such as "
                    "'Advertisement' removed) and line endings, invisible characters, Unicode form "
                    "and white space set aside. One article, one row: remove the copy's row and file."
                )
            first_with[fingerprint] = article_id


def _by_article(rows: Iterable[LabelRow]) -> dict[str, list[LabelRow]]:
    grouped: dict[str, list[LabelRow]] = {}
    for row in rows:
        grouped.setdefault(article_id_of(row.sentence_id), []).append(row)
    return grouped


def _training_examples(
    raw_dir: Path,
    articles: list[ArticleMetadata],
    gold_labels: list[LabelRow],
    corrections: list[CleaningCorrection],
) -> list[GoldExample]:
    # The labeller learns from the train split's gold, so those articles are split once up front;
    # every batch then labels with the same model whatever its articles.
    gold_articles = {article_id_of(row.sentence_id) for row in gold_labels}
    training = [row for row in articles if row.split == "train" and row.article_id in gold_articles]
    clean, _ = clean_articles(
        [read_article(raw_dir, row) for row in training], corrections=tuple(corrections)
    )
    return gold_examples(
        split_sentences(clean), gold_labels, frozenset(row.article_id for row in training)
    )
