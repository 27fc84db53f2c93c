"""croissant.json: mlcroissant accepts it and reads from it the rows `datasets` loads from the folder."""

import datetime
import hashlib
import json
import re
import socket
import subprocess
import sys

import mlcroissant
import pytest
from datasets import ClassLabel, List, Value, load_dataset

from kjrel_data.croissant import _column_field, _split_regex, croissant_json
from kjrel_data.folder_writer import CROISSANT_FILE, DATA_FOLDER
from kjrel_data.label_sets import ISSUE
from kjrel_data.names import CONFIGS, SPLITS
from kjrel_data.tables import Column
from kjrel_data.version import DatasetVersion, Release


@pytest.fixture
def no_network(monkeypatch):
    def refuse(sock, address):
        raise AssertionError(f"network access to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_mlcroissant_validate_accepts_the_built_metadata(built):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlcroissant.scripts.cli",
            "validate",
            "--jsonld",
            str(built / CROISSANT_FILE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("  -  ")]
    assert not warnings, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr


def test_every_record_set_reads_the_rows_datasets_loads(built, no_network):
    dataset = mlcroissant.Dataset(str(built / CROISSANT_FILE))
    for config in CONFIGS:
        by_split: dict[str, list[dict]] = {split: [] for split in SPLITS}
        for record in dataset.records(config):
            row = {name.removeprefix(f"{config}/"): _plain(value) for name, value in record.items()}
            by_split[row.pop("file_split")].append(row)
        loaded = load_dataset(str(built), config)
        for split in SPLITS:
            features = loaded[split].features
            expected = [_plain(_named(row, features)) for row in loaded[split]]
            assert by_split[split] == expected, (config, split)


def test_a_split_filter_reads_only_that_split(built, no_network):
    loaded = load_dataset(str(built), "sentences")
    for split in SPLITS:
        records = mlcroissant.Dataset(str(built / CROISSANT_FILE)).records(
            "sentences", filters={"sentences/file_split": split}
        )
        assert [record["sentences/sentence_id"].decode() for record in records] == loaded[split][
            "sentence_id"
        ]


def test_every_file_object_carries_the_sha256_of_its_file(built):
    metadata = json.loads((built / CROISSANT_FILE).read_text(encoding="utf-8"))
    file_objects = [item for item in metadata["distribution"] if item["@type"] == "cr:FileObject"]
    assert sorted(item["contentUrl"] for item in file_objects) == sorted(
        path.relative_to(built).as_posix() for path in (built / DATA_FOLDER).rglob("*.parquet")
    )
    for item in file_objects:
        assert (
            item["sha256"] == hashlib.sha256((built / item["contentUrl"]).read_bytes()).hexdigest()
        )


RELEASED = DatasetVersion(
    "3.1.4",
    True,
    "a" * 64,
    Release("3.1.4", "2026-12-01", "a" * 64, "b" * 64, (), {}),
)


def test_an_unreleased_build_has_no_publication_date_and_says_so_in_its_citation():
    unreleased = DatasetVersion("3.1.4+cccccccccccc", False, "c" * 64, RELEASED.release)
    metadata = json.loads(croissant_json({}, {}, unreleased))
    assert metadata["version"] == "3.1.4+cccccccccccc"
    assert "datePublished" not in metadata
    assert "version = {3.1.4+cccccccccccc}" in metadata["citeAs"]
    assert "Unreleased build" in metadata["citeAs"] and "year" not in metadata["citeAs"]


def test_the_metadata_describes_the_files_it_is_given():
    text = croissant_json(
        {"sentences": {"train": ["data/sentences/train-ab.parquet"]}},
        {"data/sentences/train-ab.parquet": "0" * 64},
        RELEASED,
    )
    metadata = json.loads(text)
    assert text.startswith('{\n  "@context"') and text.endswith("}\n") and "Japan–South" in text
    assert metadata["version"] == "3.1.4"
    assert metadata["datePublished"] == "2026-12-01"
    assert metadata["citeAs"].startswith("@misc{kjrel_data_3_1_4,")
    assert "version = {3.1.4}" in metadata["citeAs"] and "year = {2026}" in metadata["citeAs"]
    assert metadata["distribution"][0]["sha256"] == "0" * 64
    assert [record_set["@id"] for record_set in metadata["recordSet"]] == [
        "splits",
        "stance_labels",
        "stance_holder_labels",
        "issue_labels",
        "sentences",
    ]
    # issues shares issue's labels, so one enumeration serves both.
    assert metadata["recordSet"][3]["data"] == [
        {"issue_labels/id": index, "issue_labels/name": name}
        for index, name in enumerate(ISSUE.names)
    ]


def test_the_split_pattern_reads_a_file_name_and_its_own_output():
    for split in SPLITS:
        for text in (f"{split}-0123abcd.parquet", split):
            assert re.match(_split_regex(), text).group(1) == split
    assert re.match(_split_regex(), "training-0123abcd.parquet") is None


def test_columns_map_to_croissant_types():
    fields = [
        _column_field("toy", Column(name, feature, "A column."))
        for name, feature in [
            ("labels", List(ClassLabel(names=["a", "b"]))),
            ("day", Value("date32")),
            ("flag", Value("bool")),
            ("score", Value("float32")),
        ]
    ]
    assert [(field["dataType"], field.get("isArray", False)) for field in fields] == [
        ("sc:Text", True),
        ("sc:Date", False),
        ("sc:Boolean", False),
        ("sc:Float", False),
    ]
    assert fields[0]["source"] == {
        "fileSet": {"@id": "toy-parquet"},
        "extract": {"column": "labels"},
    }
    with pytest.raises(ValueError, match="No Croissant data type"):
        _column_field("toy", Column("big", Value("int64"), "Unmapped."))


def _named(row: dict, features) -> dict:
    """A row `datasets` loaded, its ClassLabel ids turned into the names the Parquet files hold."""
    named = dict(row)
    for name, feature in features.items():
        if isinstance(feature, ClassLabel) and row[name] is not None:
            named[name] = feature.int2str(row[name])
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel) and row[name]:
            named[name] = [feature.feature.int2str(value) for value in row[name]]
    return named


def _plain(value: object) -> object:
    """A value as `datasets` gives it: str for text, date for dates, lists of plain values."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
