"""Build into tmp_path and load the result with `datasets.load_dataset`, as a user would."""

import csv
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pyarrow.parquet as parquet
import pytest
from datasets import ClassLabel, Value, load_dataset

from kjrel_data.build import build
from kjrel_data.label_sets import ISSUE, STANCE, STANCE_HOLDER
from kjrel_data.names import SENTENCES, SPLITS
from kjrel_data.tables import FEATURES, LABEL_NAMES_BY_COLUMN, class_label_of

from .conftest import REPO


def _data_files(folder: Path, config: str) -> dict[str, str]:
    return {
        split: str(next((folder / "data" / config).glob(f"{split}-*.parquet"))) for split in SPLITS
    }


def test_the_folder_loads_with_four_configs_and_splits_by_article(built):
    article_splits = {}
    for config in ("sentences", "articles", "removed", "annotations"):
        dataset = load_dataset(str(built), config)
        assert sorted(dataset) == sorted(SPLITS)
        for split in SPLITS:
            for article_id in set(dataset[split]["article_id"]):
                assert article_splits.setdefault(article_id, split) == split, (
                    f"{article_id} in two splits"
                )
    default = load_dataset(str(built))
    assert "sentence_id" in default["train"].column_names
    assert sum(default[split].num_rows for split in SPLITS) == sum(
        parquet.read_metadata(path).num_rows for path in _data_files(built, "sentences").values()
    )


def test_every_label_column_loads_from_the_folder_as_its_declared_classlabel(built):
    assert LABEL_NAMES_BY_COLUMN[SENTENCES].keys() >= {"stance", "stance_holder", "issue", "issues"}
    for config, label_columns in LABEL_NAMES_BY_COLUMN.items():
        dataset = load_dataset(str(built), config)
        for split in SPLITS:
            assert dataset[split].features == FEATURES[config], (config, split)
        for column in label_columns:
            assert class_label_of(dataset["train"].features[column]) is not None, column
    features = load_dataset(str(built))["train"].features
    assert features["stance"] == ClassLabel(names=STANCE.names)
    assert features["stance_holder"] == ClassLabel(names=STANCE_HOLDER.names)
    assert features["issue"] == ClassLabel(names=ISSUE.names)
    assert features["issues"].feature == ClassLabel(names=ISSUE.names)


def test_the_folder_gives_the_ids_of_the_names_the_parquet_files_hold(built):
    loaded = load_dataset(str(built))["train"]
    stored = parquet.read_table(_data_files(built, "sentences")["train"])
    for column, names in LABEL_NAMES_BY_COLUMN[SENTENCES].items():
        feature = class_label_of(loaded.features[column])
        as_names = [
            None
            if value is None
            else [feature.int2str(i) for i in value]
            if isinstance(value, list)
            else feature.int2str(value)
            for value in loaded[column]
        ]
        assert as_names == stored[column].to_pylist(), column
        assert feature.names == names


def test_the_bare_parquet_files_load_with_label_names_as_strings(built):
    bare = load_dataset("parquet", data_files=_data_files(built, "sentences"))["train"]
    assert bare.features["stance"] == Value("string")
    assert set(bare["stance"]) - {None} <= set(STANCE.names)
    assert "favor" in bare["stance"]


@pytest.fixture
def served(built):
    handler = functools.partial(QuietHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_parquet_files_load_over_http_with_the_same_rows_and_names(built, served):
    local = load_dataset(str(built))
    urls = {
        split: f"{served}/{Path(path).relative_to(built).as_posix()}"
        for split, path in _data_files(built, "sentences").items()
    }
    # Without the card the label columns are names; with its features, the folder's ids.
    named = load_dataset("parquet", data_files=urls)
    assert set(named["train"]["stance"]) - {None} <= set(STANCE.names)
    remote = load_dataset("parquet", data_files=urls, features=local["train"].features)
    for split in SPLITS:
        assert remote[split].to_list() == local[split].to_list()
    assert remote["train"].features["stance"].names == STANCE.names


def _relabel_first_sentence(raw: Path, out: Path, stance: str) -> str:
    """Change the gold stance of the folder's first validation sentence in raw/labels.csv."""
    sentence_id = parquet.read_table(_data_files(out, "sentences")["validation"])["sentence_id"][
        0
    ].as_py()
    with (raw / "labels.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["sentence_id"] == sentence_id:
            holder = "none" if stance == "none" else "author"
            row.update(
                stance=stance, stance_holder=holder, note="Relabelled by the stale-cache test."
            )
    with (raw / "labels.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return sentence_id


def test_rebuilding_in_place_with_a_changed_label_loads_the_new_label(raw_copy, tmp_path, built):
    # The first build, of raw/ unchanged, is the session's, copied: the rebuilds replace it.
    out = Path(shutil.copytree(built, tmp_path / "kjrel"))
    docs = raw_copy.parent
    untouched = load_dataset(str(out))["validation"][1]["stance"]

    sentence_id = _relabel_first_sentence(raw_copy, out, "favor")
    build(raw_copy, out, docs)
    first = load_dataset(str(out))["validation"]
    assert first[0]["sentence_id"] == sentence_id
    assert first.features["stance"].int2str(first[0]["stance"]) == "favor"

    _relabel_first_sentence(raw_copy, out, "against")
    build(raw_copy, out, docs)
    second = load_dataset(str(out))["validation"]
    assert second.features["stance"].int2str(second[0]["stance"]) == "against"
    assert second[1]["stance"] == untouched


def test_the_datasheet_and_codebook_travel_with_the_folder(built):
    for document in ("DATASHEET.md", "CODEBOOK.md"):
        assert (built / document).read_bytes() == (REPO / document).read_bytes()


def test_the_annotations_config_holds_every_pass_with_label_names(built):
    annotations = load_dataset(str(built), "annotations")
    sentences = load_dataset(str(built))
    for split in SPLITS:
        passes = set(annotations[split]["pass"])
        assert len(passes) >= 2
        assert annotations[split].num_rows == len(passes) * sentences[split].num_rows
    assert annotations["train"].features["stance"] == ClassLabel(names=STANCE.names)
