import os
import shutil
import tempfile
from pathlib import Path

# The suite gets its own datasets cache, set before `datasets` is imported. (Offline mode is not
# set: it would also block the HTTP test's requests to its own server on 127.0.0.1.)
os.environ["HF_DATASETS_CACHE"] = tempfile.mkdtemp(prefix="kjrel-test-hf-cache-")
# pytest-xdist already runs a worker per core: BLAS and OpenMP pools of a thread per core in each
# worker (and in the kjrel processes tests start) oversubscribe the cores, and their threads spin
# while they wait. With two workers on two cores, one labeller test took 48 s instead of 4 s.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest
from hypothesis import settings

# CI explores a fixed set of examples (same result on every run, no local database); dev explores.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, database=None)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"
DOCS = REPO


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private copy of raw/ (and the documents beside it) that a test may change."""
    shutil.copytree(RAW, tmp_path / "raw")
    for document in ("DATASHEET.md", "CODEBOOK.md"):
        shutil.copyfile(REPO / document, tmp_path / document)
    return tmp_path / "raw"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real raw/ built once into a temporary folder; tests must not change it."""
    from kjrel_data.build import build

    out = tmp_path_factory.mktemp("built") / "kjrel"
    build(RAW, out, DOCS)
    return out


# Two articles a batch and a shard per batch, so that the seeds' five articles make several of each;
# a folder read back two articles at a time.
SMALL_BATCH_ARTICLES = 2
SMALL_SHARD_TEXT_BYTES = 1


@pytest.fixture(scope="session")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """raw/ built once in small batches, a shard each; tests must not change it."""
    from kjrel_data.build import build

    out = tmp_path_factory.mktemp("sharded") / "kjrel"
    build(RAW, out, DOCS, small_batches())
    return out


def small_batches(**options):
    """BuildOptions with two articles a batch and a shard per batch (and any other options)."""
    from kjrel_data.build import BuildOptions

    return BuildOptions(
        batch_articles=SMALL_BATCH_ARTICLES, shard_text_bytes=SMALL_SHARD_TEXT_BYTES, **options
    )


def raw_articles(raw_dir: Path) -> list:
    """Every article of raw_dir, read and checked against its sha256 as a build reads it."""
    from kjrel_data.load import load_catalog, read_article

    catalog = load_catalog(raw_dir)
    return [read_article(catalog.raw_dir, row) for row in catalog.articles]


def built_corpus(raw_dir: Path) -> dict:
    """raw_dir's validated tables, every batch's joined per config and split (small corpora only)."""
    import pyarrow as pa

    from kjrel_data.build import built_batches
    from kjrel_data.load import load_catalog
    from kjrel_data.names import CONFIGS

    parts = list(built_batches(load_catalog(raw_dir)))
    return {
        config: {
            split: pa.concat_tables([part[config][split] for part in parts])
            for split in parts[0][config]
        }
        for config in CONFIGS
    }
