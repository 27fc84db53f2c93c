import hashlib

from kjrel_data.folder_writer import checksum_lines


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
