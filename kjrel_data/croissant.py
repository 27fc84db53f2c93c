"""MLCommons Croissant 1.1 metadata (JSON-LD) for the built folder: its files, configs, splits and labels."""

import json
import posixpath
import re

from datasets import ClassLabel, List, Value

from kjrel_data.label_sets import LABEL_SETS, LabelSet
from kjrel_data.names import DESCRIPTION, LICENSE_LINK, LICENSE_NAME, PRETTY_NAME, SPLITS
from kjrel_data.tables import COLUMNS, Column
from kjrel_data.version import DatasetVersion, citation_bibtex

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
# The context of the Croissant 1.1 examples; mlcroissant warns about any key it lacks.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
PARQUET = "application/x-parquet"
DATA_TYPES = {
    "string": "sc:Text",
    "int32": "sc:Integer",
    "float32": "sc:Float",
    "bool": "sc:Boolean",
    "date32": "sc:Date",
}
SPLIT_MEANINGS = {
    "train": "cr:TrainingSplit",
    "validation": "cr:ValidationSplit",
    "test": "cr:TestSplit",
}
SPLITS_RECORD_SET = "splits"
# Not "split": the articles config has a column of that name.
SPLIT_FIELD = "file_split"


def croissant_json(
    data_files: dict[str, dict[str, list[str]]],
    sha256_by_path: dict[str, str],
    version: DatasetVersion,
) -> str:
    """The folder's croissant.json text, for the Parquet shards data_files[config][split]."""
    metadata = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": PRETTY_NAME,
        "description": DESCRIPTION,
        "license": {"@type": "sc:CreativeWork", "name": LICENSE_NAME, "url": LICENSE_LINK},
        **_release_metadata(version),
        "distribution": [
            *(
                _file_object(path, sha256_by_path[path])
                for files in data_files.values()
                for paths in files.values()
                for path in paths
            ),
            *(_file_set(config, files) for config, files in data_files.items()),
        ],
        "recordSet": [
            _splits_record_set(),
            *(_labels_record_set(label_set) for label_set in _distinct_label_sets()),
            *(_config_record_set(config) for config in data_files),
        ],
    }
    return json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"


def _release_metadata(version: DatasetVersion) -> dict:
    """The version, how to cite it and, for a release, its date (an unreleased build has none)."""
    release = version.released_as
    dated = {"datePublished": release.date} if release is not None else {}
    return {"version": version.version, "citeAs": citation_bibtex(version), **dated}


def _file_object(path: str, sha256: str) -> dict:
    return {
        "@type": "cr:FileObject",
        "@id": path,
        "name": posixpath.basename(path),
        "contentUrl": path,
        "encodingFormat": PARQUET,
        "sha256": sha256,
    }


def _file_set_id(config: str) -> str:
    return f"{config}-parquet"


def _file_set(config: str, files: dict[str, list[str]]) -> dict:
    # A record set reads one FileObject or one FileSet per field, so each config's splits are
    # gathered here; the exact paths keep any other file in the folder out of its records.
    return {
        "@type": "cr:FileSet",
        "@id": _file_set_id(config),
        "name": _file_set_id(config),
        "description": f"The {config} config: its Parquet shards, split by split.",
        "encodingFormat": PARQUET,
        "includes": [path for paths in files.values() for path in paths],
    }


def _split_regex() -> str:
    # The optional suffix lets the pattern match its own output too: mlcroissant 1.1.1 applies
    # it again after joining the splits record set, and warns for every row it does not match.
    names = "|".join(re.escape(split) for split in SPLITS)
    return rf"^({names})(?:-.+\.parquet)?$"


def _splits_record_set() -> dict:
    return {
        "@type": "cr:RecordSet",
        "@id": SPLITS_RECORD_SET,
        "name": SPLITS_RECORD_SET,
        "description": "The splits; every config splits by article.",
        "dataType": "cr:Split",
        "key": {"@id": f"{SPLITS_RECORD_SET}/name"},
        "field": [
            _inline_field(SPLITS_RECORD_SET, "name", "sc:Text"),
            _inline_field(SPLITS_RECORD_SET, "url", "sc:URL"),
        ],
        "data": [
            {
                f"{SPLITS_RECORD_SET}/name": split,
                f"{SPLITS_RECORD_SET}/url": SPLIT_MEANINGS[split],
            }
            for split in SPLITS
        ],
    }


def _distinct_label_sets() -> list[LabelSet]:
    # issue and issues share their labels, so they share one enumeration.
    return [
        label_set
        for index, label_set in enumerate(LABEL_SETS)
        if all(earlier.names != label_set.names for earlier in LABEL_SETS[:index])
    ]


def _labels_record_set(label_set: LabelSet) -> dict:
    # Named in words, not with `references` from the label fields: mlcroissant 1.1.1 fails to
    # filter a record set by split (as TFDS does for each split) that references two record sets.
    record_set = f"{label_set.field}_labels"
    fields = ", ".join(_fields_labelled_by(label_set.names))
    return {
        "@type": "cr:RecordSet",
        "@id": record_set,
        "name": record_set,
        "description": f"The label names {fields} hold, each with the ClassLabel id that "
        "`datasets` gives it (the card declares these columns ClassLabel).",
        "dataType": "sc:Enumeration",
        "key": {"@id": f"{record_set}/name"},
        "field": [
            _inline_field(record_set, "id", "sc:Integer"),
            _inline_field(record_set, "name", "sc:Text"),
        ],
        "data": [
            {f"{record_set}/id": index, f"{record_set}/name": name}
            for index, name in enumerate(label_set.names)
        ],
    }


def _fields_labelled_by(names: list[str]) -> list[str]:
    return [
        f"{config}/{column.name}"
        for config, columns in COLUMNS.items()
        for column in columns
        if isinstance(item := _item_feature(column.feature), ClassLabel) and item.names == names
    ]


def _item_feature(feature: object) -> object:
    return feature.feature if isinstance(feature, List) else feature


def _inline_field(record_set: str, name: str, data_type: str) -> dict:
    return {"@type": "cr:Field", "@id": f"{record_set}/{name}", "name": name, "dataType": data_type}


def _config_record_set(config: str) -> dict:
    split_field = {
        **_inline_field(config, SPLIT_FIELD, "sc:Text"),
        "description": "The split whose Parquet file holds the row.",
        "source": {
            "fileSet": {"@id": _file_set_id(config)},
            "extract": {"fileProperty": "filename"},
            "transform": {"regex": _split_regex()},
        },
        "references": {"field": {"@id": f"{SPLITS_RECORD_SET}/name"}},
    }
    return {
        "@type": "cr:RecordSet",
        "@id": config,
        "name": config,
        "description": f"The {config} config, all splits; {SPLIT_FIELD} tells them apart.",
        "field": [split_field, *(_column_field(config, column) for column in COLUMNS[config])],
    }


def _column_field(config: str, column: Column) -> dict:
    field = {
        **_inline_field(config, column.name, _data_type(_item_feature(column.feature))),
        "description": column.description,
        "source": {
            "fileSet": {"@id": _file_set_id(config)},
            "extract": {"column": column.name},
        },
    }
    if isinstance(column.feature, List):
        field |= {"isArray": True, "arrayShape": "-1"}
    return field


def _data_type(feature: object) -> str:
    # Label columns are stored as their names (tables.stored_feature).
    if isinstance(feature, ClassLabel):
        return "sc:Text"
    if isinstance(feature, Value) and feature.dtype in DATA_TYPES:
        return DATA_TYPES[feature.dtype]
    raise ValueError(f"No Croissant data type is chosen for the feature {feature!r}.")
