"""`kjrel publish`: the real folder and validation; only the Hub's network calls are recorded."""

import shutil
from pathlib import Path

import pytest
from huggingface_hub import CommitInfo, CommitOperationAdd, CommitOperationDelete, HfApi
from huggingface_hub.errors import HTTPError

from kjrel_data.errors import InputError, OutputError, ValidationFailed
from kjrel_data.folder_writer import CHECKSUM_FILE
from kjrel_data.publish import publish_to_hub
from kjrel_data.version import read_release

from .conftest import RAW
from .hostile import run_kjrel

OLD_SHARD = "data/sentences/train-0123456789abcdef.parquet"
OLD_CODEBOOK = "codebooks/CODEBOOK-round0.md"


class RecordingApi(HfApi):
    """An HfApi whose three network calls are recorded instead of sent."""

    def __init__(self, remote_files: list[str]):
        super().__init__(token="hf_recording")
        self.remote_files = remote_files
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, repo_id, **options):
        self.calls.append(("create_repo", {"repo_id": repo_id, **options}))

    def list_repo_files(self, repo_id, **options):
        self.calls.append(("list_repo_files", {"repo_id": repo_id, **options}))
        return self.remote_files

    def create_commit(self, repo_id, operations, **options):
        self.calls.append(
            ("create_commit", {"repo_id": repo_id, "operations": operations, **options})
        )
        return CommitInfo(
            commit_url=f"https://huggingface.co/datasets/{repo_id}/commit/abc123",
            commit_message=options["commit_message"],
            commit_description="",
            oid="abc123",
        )


@pytest.fixture
def folder(built, tmp_path) -> Path:
    copy = tmp_path / "kjrel"
    shutil.copytree(built, copy)
    # What loading the folder or a download leaves behind; it is not part of the build.
    (copy / ".cache").mkdir()
    (copy / ".cache" / "lock").write_text("x")
    return copy


def _built_files(folder: Path) -> list[str]:
    listed = [
        line.partition("  ")[2]
        for line in (folder / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()
    ]
    return sorted([*listed, CHECKSUM_FILE])


def test_publish_sends_exactly_the_built_files_in_one_commit_and_drops_old_shards(folder):
    api = RecordingApi(
        remote_files=[".gitattributes", "README.md", OLD_CODEBOOK, OLD_SHARD, "notes/extra.md"]
    )
    publication = publish_to_hub(folder, "my-lab/kjrel", api)
    assert [name for name, _ in api.calls] == ["create_repo", "list_repo_files", "create_commit"]
    assert api.calls[0][1]["repo_type"] == "dataset"
    commit = api.calls[2][1]
    assert commit["repo_type"] == "dataset"
    assert commit["commit_message"] == f"kjrel-data dataset version {read_release(RAW).version}"
    added = [op for op in commit["operations"] if isinstance(op, CommitOperationAdd)]
    deleted = [op for op in commit["operations"] if isinstance(op, CommitOperationDelete)]
    assert sorted(op.path_in_repo for op in added) == _built_files(folder)
    assert any(path.endswith(".parquet") for path in _built_files(folder))
    assert "codebooks/CODEBOOK-round1.md" in _built_files(folder)
    for operation in added:
        assert (
            Path(operation.path_or_fileobj).read_bytes()
            == (folder / operation.path_in_repo).read_bytes()
        )
    # Only the earlier build's data file and codebook go; files the build never writes stay.
    assert [op.path_in_repo for op in deleted] == [OLD_CODEBOOK, OLD_SHARD]
    assert publication.deleted == [OLD_CODEBOOK, OLD_SHARD]
    assert publication.commit_sha == "abc123"


def test_publish_refuses_an_invalid_folder_before_any_network_call(folder):
    shard = next((folder / "data" / "sentences").glob("train-*.parquet"))
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    api = RecordingApi(remote_files=[])
    with pytest.raises(ValidationFailed, match="sha256"):
        publish_to_hub(folder, "my-lab/kjrel", api)
    assert api.calls == []


def test_publish_refuses_a_folder_with_an_unlisted_file(folder):
    (folder / "data" / "sentences" / "extra.parquet").write_bytes(b"not data")
    api = RecordingApi(remote_files=[])
    with pytest.raises(ValidationFailed, match=r"extra\.parquet"):
        publish_to_hub(folder, "my-lab/kjrel", api)
    assert api.calls == []


@pytest.mark.parametrize("repo_id", ["kjrel", "my lab/kjrel", "a/b/c"])
def test_publish_refuses_a_bad_repo_id(folder, repo_id):
    api = RecordingApi(remote_files=[])
    with pytest.raises(InputError, match="ORG/NAME"):
        publish_to_hub(folder, repo_id, api)
    assert api.calls == []


def test_kjrel_publish_refuses_an_invalid_folder_with_exit_1(folder, capsys):
    (folder / "README.md").write_text("changed", encoding="utf-8")
    result = run_kjrel(["publish", folder, "--repo-id", "my-lab/kjrel"], capsys)
    assert result.status == 1
    assert result.stdout == ""
    assert "README.md" in result.stderr
    assert "Traceback" not in result.stderr


def test_kjrel_publish_dry_run_lists_the_files_it_would_send(folder, capsys):
    result = run_kjrel(["publish", folder, "--repo-id", "my-lab/kjrel", "--dry-run"], capsys)
    assert result.status == 0, result.stderr
    listed = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert listed == _built_files(folder)


def test_publish_without_a_token_stops_before_any_network_call(folder, monkeypatch, tmp_path):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    api = RecordingApi(remote_files=[])
    api.token = None
    with pytest.raises(OutputError, match="hf auth login"):
        publish_to_hub(folder, "my-lab/kjrel", api)
    assert api.calls == []


@pytest.mark.parametrize("saved", [None, "hf_saved"])
def test_token_true_means_the_token_huggingface_hub_finds(folder, monkeypatch, tmp_path, saved):
    # HfApi(token=True) asks for the token huggingface_hub finds (HF_TOKEN or `hf auth login`), as
    # HfApi() does.
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    if saved:
        monkeypatch.setenv("HF_TOKEN", saved)
    else:
        monkeypatch.delenv("HF_TOKEN", raising=False)
    api = RecordingApi(remote_files=[])
    api.token = True
    if saved is None:
        with pytest.raises(OutputError, match="hf auth login"):
            publish_to_hub(folder, "my-lab/kjrel", api)
        assert api.calls == []
    else:
        publish_to_hub(folder, "my-lab/kjrel", api)
        assert [name for name, _ in api.calls][-1] == "create_commit"


def test_an_unreachable_hub_is_one_clear_error(folder):
    class UnreachableApi(RecordingApi):
        def create_commit(self, repo_id, operations, **options):
            raise HTTPError("[Errno -2] Name or service not known")

    with pytest.raises(OutputError, match=r"could not reach the Hub.*Nothing was committed"):
        publish_to_hub(folder, "my-lab/kjrel", UnreachableApi(remote_files=[]))
