"""The pipeline: raw/ → load → clean → split → label → validate → publish. Only this module knows the order."""

from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from kjrel_data.clean import clean_articles
from kjrel_data.errors import InputError
from kjrel_data.label import attach_labels
from kjrel_data.load import load_raw
from kjrel_data.publish import DOCUMENTS, staging_folder, write_folder
from kjrel_data.split import split_sentences
from kjrel_data.tables import (
    Corpus,
    annotations_table,
    articles_table,
    removed_table,
    sentences_table,
    split_by_article,
)
from kjrel_data.validate import validate_corpus, validate_folder


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    corpus: Corpus


def prepare(raw_dir: Path, show_progress: bool = False) -> Corpus:
    """The validated corpus tables from raw_dir: every stage but publishing."""
    raw = load_raw(raw_dir)
    clean, removed, sentences = [], [], []
    articles = tqdm(raw.articles, desc="clean and split", unit="article", disable=not show_progress)
    for article in articles:
        article_clean, article_removed = clean_articles([article])
        clean += article_clean
        removed += article_removed
        sentences += split_sentences(article_clean)
    training_articles = frozenset(
        article.metadata.article_id for article in raw.articles if article.metadata.split == "train"
    )
    labelled = attach_labels(sentences, raw.gold_labels, raw.annotation_passes, training_articles)
    corpus = split_by_article(
        articles_table(clean),
        sentences_table(labelled.sentences),
        removed_table(removed),
        annotations_table(labelled.annotations),
    )
    validate_corpus(corpus)
    return corpus


def build(raw_dir: Path, out_dir: Path, docs_dir: Path, show_progress: bool = False) -> BuildResult:
    """Build raw_dir into out_dir (with docs_dir's datasheet and codebook), replacing it only if valid."""
    corpus = prepare(raw_dir, show_progress)
    missing = [name for name in DOCUMENTS if not (Path(docs_dir) / name).is_file()]
    if missing:
        raise InputError(f"{docs_dir}: {', '.join(missing)} not found there; pass --docs DIR.")
    with staging_folder(out_dir) as staging:
        write_folder(corpus, staging, Path(docs_dir))
        validate_folder(staging)
    return BuildResult(out_dir=Path(out_dir), corpus=corpus)
