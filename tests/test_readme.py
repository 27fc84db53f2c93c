"""The README's Python blocks run as written, against a built folder; those that need the network compile."""

import re
import shutil

from .conftest import REPO

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)
# A block that reads over HTTP or from the Hub is compiled, never run: the tests use no network.
NEEDS_NETWORK = re.compile(r"https?://|ORG/NAME")


def _blocks(text: str) -> list[str]:
    return PYTHON_BLOCK.findall(text)


def test_every_readme_python_block_compiles():
    blocks = _blocks((REPO / "README.md").read_text(encoding="utf-8"))
    assert blocks
    for number, block in enumerate(blocks, start=1):
        compile(block, f"README.md python block {number}", "exec")


def test_the_readme_python_blocks_without_network_run_against_a_built_folder(
    built, tmp_path, monkeypatch
):
    shutil.copytree(built, tmp_path / "dist" / "kjrel")
    monkeypatch.chdir(tmp_path)
    local = [
        block
        for block in _blocks((REPO / "README.md").read_text(encoding="utf-8"))
        if not NEEDS_NETWORK.search(block)
    ]
    assert local
    for block in local:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)
    # What the last local block leaves: every split's sentences, read from the Parquet files alone.
    sentences = namespace["sentences"]
    assert set(sentences) == {"train", "validation", "test"}
    assert sentences["train"].features["stance"].names == ["none", "against", "favor"]


def test_the_cards_loading_block_runs_against_its_folder(built, monkeypatch):
    # The card names its folder "path/to/this/folder"; run from beside it, under that name.
    blocks = _blocks((built / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 1
    monkeypatch.chdir(built.parent)
    namespace: dict = {}
    exec(compile(blocks[0].replace("path/to/this/folder", built.name), "card", "exec"), namespace)
    assert namespace["names"] == ["none", "against", "favor"]
