"""Publishing a built folder to the Hugging Face Hub: validated first, then sent as one commit."""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, get_token
from huggingface_hub.errors import HfHubHTTPError, HFValidationError, HTTPError
from huggingface_hub.utils import validate_repo_id

from kjrel_data.built_folder import card_version
from kjrel_data.card import CODEBOOK_FOLDER
from kjrel_data.errors import InputError, OutputError
from kjrel_data.folder_writer import CHECKSUM_FILE, DATA_FOLDER, dataset_files
from kjrel_data.validate import validate_folder


@dataclass(frozen=True)
class Publication:
    repo_id: str
    files: list[str]
    deleted: list[str]
    size: int
    commit_url: str | None
    commit_sha: str | None


def publish_to_hub(
    folder: Path, repo_id: str, api: HfApi, private: bool = False, dry_run: bool = False
) -> Publication:
    """Validate folder, then send exactly its built files to the dataset repo repo_id in one commit."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise InputError(
            f"--repo-id {repo_id!r}: {error} Use ORG/NAME, e.g. my-lab/kjrel."
        ) from None
    if "/" not in repo_id:
        raise InputError(
            f"--repo-id {repo_id!r}: name the owner too, as ORG/NAME (your user name or an organisation)."
        )
    folder = Path(folder)
    # Validation reads every file against SHA256SUMS, so the files listed there are the build.
    validate_folder(folder)
    files = sorted([*dataset_files(folder), CHECKSUM_FILE])
    size = sum((folder / path).stat().st_size for path in files)
    if dry_run:
        return Publication(repo_id, files, [], size, None, None)
    # HfApi(token=True) means the saved token, as no token does.
    token = api.token if isinstance(api.token, str) and api.token else get_token()
    if problem := _token_problem(token) or _endpoint_problem(api.endpoint):
        raise OutputError(f"{problem} Nothing was sent.")
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        remote = api.list_repo_files(repo_id, repo_type="dataset")
        # Data file names carry a content digest, so an earlier release's shards would otherwise
        # stay beside the new ones; so would codebooks no pass pins any more. Files outside data/
        # and codebooks/ that the build does not write are left be.
        deleted = sorted(
            path
            for path in remote
            if path.startswith((f"{DATA_FOLDER}/", f"{CODEBOOK_FOLDER}/")) and path not in files
        )
        operations: list[CommitOperationAdd | CommitOperationDelete] = [
            *(
                CommitOperationAdd(path_in_repo=path, path_or_fileobj=folder / path)
                for path in files
            ),
            *(CommitOperationDelete(path_in_repo=path) for path in deleted),
        ]
        commit = api.create_commit(
            repo_id,
            operations,
            commit_message=f"kjrel-data dataset version {card_version(folder)}",
            repo_type="dataset",
        )
    except HfHubHTTPError as error:
        raise OutputError(
            f"the Hub refused the upload to {repo_id} ({_first_line(error)}). Nothing was "
            "committed: the files go in one commit. Check the token's write access to the repo."
        ) from None
    except (HTTPError, OSError) as error:
        raise OutputError(
            f"could not reach the Hub ({_first_line(error)}). Nothing was committed; publish again."
        ) from None
    return Publication(repo_id, files, deleted, size, commit.commit_url, commit.oid)


def _token_problem(token: str | None) -> str | None:
    """Why token cannot be a Hugging Face token, never quoting it; or None."""
    if not token:
        return "no Hugging Face token: run `hf auth login` or set HF_TOKEN, then publish again."
    # An HTTP header holds ASCII only; a token is letters and digits after "hf_".
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        return (
            "the Hugging Face token (from HF_TOKEN or `hf auth login`) holds characters no token "
            "has (non-ASCII, white space or control characters); copy it again from your "
            "Hugging Face settings."
        )
    return None


def _endpoint_problem(endpoint: str) -> str | None:
    """Why endpoint (HF_ENDPOINT) is not an http(s) address of a server; or None."""
    shown = ascii(endpoint)
    try:
        address = urlsplit(endpoint)
        # Reading the port checks it: ValueError for one that is not a number up to 65535.
        port = address.port
    except ValueError as error:
        return f"HF_ENDPOINT {shown} is not a valid URL ({error}); unset it to use huggingface.co."
    if (
        address.scheme not in {"http", "https"}
        or not address.hostname
        or port == 0
        or not endpoint.isprintable()
    ):
        return (
            f"HF_ENDPOINT {shown} is not an http(s) address such as https://huggingface.co; "
            "unset it to use huggingface.co."
        )
    return None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
