"""`kjrel validate`: a built folder's files, then every row, a batch of articles at a time."""

from pathlib import Path

import pyarrow as pa

from kjrel_data.built_folder import FOLDER_BATCH_ARTICLES, article_batches, validate_folder_files
from kjrel_data.errors import ValidationFailed
from kjrel_data.schemas import validate_corpus
from kjrel_data.summary import CorpusSummary, summarize


def validate_folder(folder: Path, batch_articles: int = FOLDER_BATCH_ARTICLES) -> CorpusSummary:
    """Check a built folder: checksums, card, Parquet schemas, then every row, a batch at a time."""
    shards = validate_folder_files(folder)
    summary = None
    try:
        for batch in article_batches(shards, batch_articles):
            validate_corpus(batch)
            summary = summarize(batch) if summary is None else summary + summarize(batch)
    except ValidationFailed as error:
        raise ValidationFailed(f"{folder}: {error}") from None
    except (OSError, pa.ArrowException) as error:
        raise ValidationFailed(f"{folder}: a Parquet file could not be read ({error}).") from None
    # article_batches always yields its last batch, even for a folder with no articles.
    assert summary is not None
    return summary
