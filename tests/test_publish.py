import hashlib

import pytest

from kjrel_data.errors import OutputError
from kjrel_data.publish import checksum_lines, staging_folder


def test_checksum_lines_cover_every_file_but_themselves(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.parquet").write_bytes(b"abc")
    (tmp_path / "README.md").write_text("card")
    (tmp_path / "SHA256SUMS").write_text("old")
    card_digest = hashlib.sha256(b"card").hexdigest()
    assert checksum_lines(tmp_path) == (
        f"{card_digest}  README.md\n"
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  data/a.parquet\n"
    )


def test_a_failed_block_leaves_the_previous_folder_and_no_staging(tmp_path):
    out = tmp_path / "kjrel"
    out.mkdir()
    (out / "README.md").write_text("old card")
    (out / "SHA256SUMS").write_text(checksum_lines(out))
    with pytest.raises(RuntimeError), staging_folder(out) as staging:
        (staging / "README.md").write_text("half")
        raise RuntimeError("interrupted")
    assert (out / "README.md").read_text() == "old card"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kjrel"]


def test_a_successful_block_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "kjrel"
    with staging_folder(out) as staging:
        (staging / "README.md").write_text("new card")
    assert (out / "README.md").read_text() == "new card"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kjrel"]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "kjrel").write_text("not a folder")
    with (
        pytest.raises(OutputError, match="exists and is not a folder"),
        staging_folder(tmp_path / "kjrel"),
    ):
        pass


def test_a_foreign_non_empty_folder_is_never_replaced(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("precious")
    with (
        pytest.raises(OutputError, match="was not written by kjrel build"),
        staging_folder(tmp_path / "home"),
    ):
        pass
    assert (tmp_path / "home" / "thesis.tex").read_text() == "precious"
