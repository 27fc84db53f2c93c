"""The pipeline: raw/ → load → clean → split → label → validate → publish. Only this module knows the order."""

from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from kjrel_data.clean import clean_articles
from kjrel_data.errors import InputError
from kjrel_data.label import attach_labels
from kjrel_data.load import load_raw
from kjrel_data.publish import staging_folder, write_folder
from kjrel_data.split import split_sentences
from kjrel_data.tables import (
    Corpus,
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


def build(
    raw_dir: Path, out_dir: Path, datasheet: Path, show_progress: bool = False
) -> BuildResult:
    """Build the dataset folder from raw_dir into out_dir, replacing it only when all is valid."""
    raw = load_raw(raw_dir)
    if not Path(datasheet).is_file():
        raise InputError(f"{datasheet}: datasheet not found; pass --datasheet PATH.")
    clean, removed, sentences = [], [], []
    for article in tqdm(
        raw.articles, desc="clean and split", unit="article", disable=not show_progress
    ):
        article_clean, article_removed = clean_articles([article])
        clean += article_clean
        removed += article_removed
        sentences += split_sentences(article_clean)
    labelled = attach_labels(sentences, raw.human_labels)
    corpus = split_by_article(
        articles_table(clean), sentences_table(labelled), removed_table(removed)
    )
    validate_corpus(corpus)
    with staging_folder(out_dir) as staging:
        write_folder(corpus, staging, Path(datasheet))
        validate_folder(staging)
    return BuildResult(out_dir=Path(out_dir), corpus=corpus)
