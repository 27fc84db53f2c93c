import hashlib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as parquet
import pytest
from datasets import load_dataset
from distributed import LocalCluster

from kjrel_data.build import BuildOptions, Scheduler, build
from kjrel_data.clean import RULES, compile_rules, normalise_line
from kjrel_data.errors import InputError, OutputError
from kjrel_data.load import load_catalog
from kjrel_data.names import CONFIGS

from .conftest import DOCS, RAW, small_batches
from .hostile import assert_one_message, run_kjrel


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_two_builds_are_byte_identical(tmp_path, built):
    build(RAW, tmp_path / "again", DOCS)
    assert _snapshot(tmp_path / "again") == _snapshot(built)


def test_one_changed_raw_byte_fails_naming_the_file_and_keeps_the_previous_output(
    raw_copy, tmp_path
):
    out = tmp_path / "out"
    build(raw_copy, out, raw_copy.parent)
    before = _snapshot(out)
    raw_before = _snapshot(raw_copy)
    article = raw_copy / "articles" / "straitstimes-progress-with-us-prodding.txt"
    article.write_bytes(article.read_bytes().replace(b"Seoul", b"Seoal", 1))
    with pytest.raises(InputError, match=r"straitstimes-progress-with-us-prodding\.txt: sha256 is"):
        build(raw_copy, out, raw_copy.parent)
    assert _snapshot(out) == before
    changed = {name for name in raw_before if _snapshot(raw_copy)[name] != raw_before[name]}
    assert changed == {"articles/straitstimes-progress-with-us-prodding.txt"}
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "CODEBOOK.md",
        "DATASHEET.md",
        "out",
        "raw",
    ]


def test_the_build_never_writes_into_raw(raw_copy, tmp_path):
    before = _snapshot(raw_copy)
    build(raw_copy, tmp_path / "out", raw_copy.parent)
    assert _snapshot(raw_copy) == before


def test_a_stale_label_row_fails_the_build_listing_it(raw_copy, tmp_path, built):
    (raw_copy / "labels.csv").write_text(
        "sentence_id,text_sha256,stance,stance_holder,issue,issues,label_source,note\n"
        f"diplomat-why-japan-hesitant-0003,{'1' * 64},favor,author,diplomacy,diplomacy,single_blind,\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match=r"labels.csv: row 2: diplomat-why-japan-hesitant-0003 is stale"
    ):
        build(raw_copy, tmp_path / "out", raw_copy.parent)
    assert not (tmp_path / "out").exists()


def test_no_sentence_carries_chrome_and_page_broken_sentences_are_whole(built):
    articles = {row["article_id"]: row for row in _table(built, "articles").to_pylist()}
    removed = _table(built, "removed").to_pylist()
    sentences = _table(built, "sentences").to_pylist()
    metadata_by_id = {row.article_id: row for row in load_catalog(RAW).articles}
    for sentence in sentences:
        patterns = compile_rules(RULES, metadata_by_id[sentence["article_id"]])
        for name, pattern in patterns["line"]:
            assert not pattern.fullmatch(sentence["text"]), (name, sentence["sentence_id"])
        for line in removed:
            removed_text = normalise_line(line["removed_text"])
            if line["article_id"] == sentence["article_id"] and len(removed_text.split()) >= 3:
                assert removed_text not in sentence["text"], (line, sentence["sentence_id"])
    texts = [sentence["text"] for sentence in sentences]
    assert any(
        "in accordance with the rulings, this would be negatively regarded" in text
        for text in texts
    )
    assert any(text.startswith("During a courtesy call on President Yoon") for text in texts)
    assert set(articles) == {sentence["article_id"] for sentence in sentences}


def _table(folder: Path, config: str) -> pa.Table:
    return pa.concat_tables(
        parquet.read_table(path) for path in sorted((folder / "data" / config).glob("*.parquet"))
    )


def test_an_unwritable_output_location_is_a_clear_error(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OutputError, match="cannot write there"):
        build(RAW, tmp_path / "a-file" / "kjrel", DOCS)


def test_every_sentence_has_gold_labels_and_every_pass_covers_it(built):
    sentences = _table(built, "sentences")
    assert sentences.num_rows > 0
    sources = set(sentences["label_source"].to_pylist())
    assert sources == {"adjudicated"}, "adjudicated label coverage dropped below 100%"
    annotations = _table(built, "annotations")
    passes = set(annotations["pass"].to_pylist())
    assert len(passes) >= 2
    covered = {
        (row["sentence_id"], row["pass"])
        for row in annotations.select(["sentence_id", "pass"]).to_pylist()
    }
    assert covered == {
        (sentence_id, name)
        for sentence_id in sentences["sentence_id"].to_pylist()
        for name in passes
    }


def test_each_pass_names_the_codebook_it_used_and_that_codebook_is_stored():
    stored = {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (RAW / "annotations").glob("CODEBOOK-*.md")
    }
    for annotation_pass in load_catalog(RAW).annotation_passes:
        assert annotation_pass.codebook_sha256 in stored, annotation_pass.name


def _rows(folder: Path, config: str) -> dict[str, list[dict]]:
    loaded = load_dataset(str(folder), config)
    return {split: loaded[split].to_list() for split in loaded}


def test_batches_and_shards_hold_the_same_rows_as_one_batch(sharded, built):
    shards = sorted(path.name for path in (sharded / "data/sentences").iterdir())
    # Three batches (2 + 2 + 1 articles): train's three articles fall into two of them.
    assert [name.rpartition("-")[0] for name in shards] == [
        "test-00000-of-00001",
        "train-00000-of-00002",
        "train-00001-of-00002",
        "validation-00000-of-00001",
    ]
    for config in CONFIGS:
        assert _rows(sharded, config) == _rows(built, config)


@pytest.mark.slow
def test_workers_and_a_dask_cluster_write_byte_identical_folders(tmp_path, sharded):
    # The session's sharded build is the one-worker build (the default) with these settings.
    build(RAW, tmp_path / "two", DOCS, small_batches(workers=2))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        scheduler = Scheduler(cluster.scheduler_address)
        build(RAW, tmp_path / "dask", DOCS, small_batches(scheduler=scheduler))
        assert len(cluster.workers) == 2
    assert len(list((sharded / "data/sentences").iterdir())) > 3
    assert _snapshot(tmp_path / "two") == _snapshot(sharded)
    assert _snapshot(tmp_path / "dask") == _snapshot(sharded)


def test_an_error_in_a_worker_reaches_the_caller_and_nothing_is_written(raw_copy, tmp_path):
    article = raw_copy / "articles" / "straitstimes-progress-with-us-prodding.txt"
    article.write_bytes(article.read_bytes().replace(b"Seoul", b"Seoal", 1))
    with pytest.raises(InputError, match=r"straitstimes-progress-with-us-prodding\.txt: sha256 is"):
        build(raw_copy, tmp_path / "out", raw_copy.parent, small_batches(workers=2))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "not-an-address"])
def test_an_unreachable_or_malformed_scheduler_is_one_clear_error(tmp_path, address):
    with pytest.raises(
        InputError, match=rf"cannot reach the Dask scheduler at {re.escape(address)}"
    ):
        build(
            RAW,
            tmp_path / "out",
            DOCS,
            BuildOptions(scheduler=Scheduler(address, connect_seconds=1)),
        )
    assert not (tmp_path / "out").exists()


def test_kjrel_build_passes_its_scheduler_address_on(tmp_path, capsys):
    run = run_kjrel(
        [
            "build",
            "--raw",
            RAW,
            "--docs",
            DOCS,
            "--out",
            tmp_path / "out",
            "--scheduler",
            "nowhere",
        ],
        capsys,
    )
    assert_one_message(run, "build", r"cannot reach the Dask scheduler at nowhere \(")
    assert not (tmp_path / "out").exists()


def test_a_cluster_without_workers_is_one_clear_error(tmp_path):
    with (
        LocalCluster(n_workers=0, processes=False) as cluster,
        pytest.raises(InputError, match=r"has no workers; start some with `dask worker "),
    ):
        build(
            RAW,
            tmp_path / "out",
            DOCS,
            BuildOptions(scheduler=Scheduler(cluster.scheduler_address, worker_wait_seconds=1)),
        )
    assert not (tmp_path / "out").exists()


def test_each_sentence_carries_its_articles_split_and_lies_in_that_splits_files(built):
    article_split = dict(
        zip(
            _table(built, "articles")["article_id"].to_pylist(),
            _table(built, "articles")["split"].to_pylist(),
            strict=True,
        )
    )
    for path in sorted((built / "data" / "sentences").glob("*.parquet")):
        rows = parquet.read_table(path, columns=["article_id", "split"]).to_pylist()
        file_split = path.name.split("-")[0]
        assert rows and all(row["split"] == file_split for row in rows), path.name
        assert all(article_split[row["article_id"]] == row["split"] for row in rows)


def test_annotations_carry_each_annotators_note_and_null_for_none(built):
    expected = {}
    for annotation_pass in load_catalog(RAW).annotation_passes:
        for row in annotation_pass.rows:
            expected[(row.sentence_id, annotation_pass.name)] = row.note
    annotations = _table(built, "annotations")
    published = {
        (row["sentence_id"], row["pass"]): row["note"]
        for row in annotations.select(["sentence_id", "pass", "note"]).to_pylist()
    }
    assert published == expected
    notes = list(published.values())
    assert None in notes and any(note is not None for note in notes)
    assert "" not in notes


def test_every_pinned_codebook_is_in_the_folder_and_in_its_checksums(built):
    listed = dict(
        reversed(line.split("  ", 1))
        for line in (built / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
    pinned = set(_table(built, "annotations")["codebook_sha256"].to_pylist())
    published = {
        path.relative_to(built).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (built / "codebooks").iterdir()
    }
    assert set(published.values()) == pinned
    assert all(listed[relative] == digest for relative, digest in published.items())
    assert (built / "codebooks" / "CODEBOOK-round1.md").read_bytes() == (
        RAW / "annotations" / "CODEBOOK-round1.md"
    ).read_bytes()
    assert listed["CODEBOOK.md"] == hashlib.sha256((built / "CODEBOOK.md").read_bytes()).hexdigest()
