import hashlib
from pathlib import Path

import pytest

from kjrel_data.build import build
from kjrel_data.errors import InputError

from .conftest import DATASHEET, RAW


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_two_builds_are_byte_identical(tmp_path, built):
    build(RAW, tmp_path / "again", DATASHEET)
    assert _snapshot(tmp_path / "again") == _snapshot(built)


def test_one_changed_raw_byte_fails_naming_the_file_and_keeps_the_previous_output(
    raw_copy, tmp_path
):
    out = tmp_path / "out"
    build(raw_copy, out, raw_copy.parent / "DATASHEET.md")
    before = _snapshot(out)
    raw_before = _snapshot(raw_copy)
    article = raw_copy / "articles" / "straitstimes-progress-with-us-prodding.txt"
    article.write_bytes(article.read_bytes().replace(b"Seoul", b"Seoal", 1))
    with pytest.raises(InputError, match=r"straitstimes-progress-with-us-prodding\.txt: sha256 is"):
        build(raw_copy, out, raw_copy.parent / "DATASHEET.md")
    assert _snapshot(out) == before
    changed = {name for name in raw_before if _snapshot(raw_copy)[name] != raw_before[name]}
    assert changed == {"articles/straitstimes-progress-with-us-prodding.txt"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["DATASHEET.md", "out", "raw"]


def test_the_build_never_writes_into_raw(raw_copy, tmp_path):
    before = _snapshot(raw_copy)
    build(raw_copy, tmp_path / "out", raw_copy.parent / "DATASHEET.md")
    assert _snapshot(raw_copy) == before


def test_a_stale_label_row_fails_the_build_listing_it(raw_copy, tmp_path, built):
    (raw_copy / "labels.csv").write_text(
        "sentence_id,text_sha256,stance,stance_holder,issue,issues\n"
        f"diplomat-why-japan-hesitant-0003,{'1' * 64},favor,author,diplomacy,diplomacy\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match=r"labels.csv: row 2: diplomat-why-japan-hesitant-0003 is stale"
    ):
        build(raw_copy, tmp_path / "out", raw_copy.parent / "DATASHEET.md")
    assert not (tmp_path / "out").exists()
