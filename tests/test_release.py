"""The version follows the data: a build of changed inputs is marked unreleased, `kjrel release` makes it a release."""

import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as parquet
import pytest

from kjrel_data.load import load_catalog
from kjrel_data.output import MANIFEST_FILE
from kjrel_data.version import RELEASE_FILE, dataset_version, read_release

from .conftest import DOCS, REPO
from .hostile import assert_one_message, run_kjrel

NEW_ARTICLE = REPO / "benchmarks" / "layouts" / "dev" / "wire-reuters-style.raw.txt"


@pytest.fixture
def changelog(raw_copy: Path) -> Path:
    path = raw_copy.parent / "CHANGELOG.md"
    shutil.copyfile(REPO / "CHANGELOG.md", path)
    return path


def _versions(folder: Path) -> set[str]:
    """Every version the folder states: card, each Parquet file, croissant.json and manifest."""
    card = (folder / "README.md").read_text(encoding="utf-8")
    return {
        *re.findall(r"\*\*Dataset version (\S+)\*\*", card),
        *(
            parquet.read_schema(path).metadata[b"kjrel_dataset_version"].decode()
            for path in (folder / "data").rglob("*.parquet")
        ),
        json.loads((folder / "croissant.json").read_text(encoding="utf-8"))["version"],
        json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))["dataset_version"],
    }


def _build(raw: Path, out: Path, capsys) -> None:
    run = run_kjrel(["build", "--raw", raw, "--docs", DOCS, "--out", out], capsys)
    assert run.status == 0, run.stderr


def test_adding_an_article_marks_the_build_unreleased_and_release_makes_it_a_version(
    raw_copy, changelog, tmp_path, capsys, built
):
    released = read_release(raw_copy)
    # The build of raw/ as released is the session's, copied: the rebuilds below replace it.
    out = Path(shutil.copytree(built, tmp_path / "out"))
    assert _versions(out) == {released.version}

    added = run_kjrel(
        ["add", NEW_ARTICLE, "--outlet", "Northline", "--title", "Leaders meet", "--raw", raw_copy],
        capsys,
    )
    assert added.status == 0, added.stderr
    article_id = added.stdout.split()[1]
    _build(raw_copy, out, capsys)
    (unreleased,) = _versions(out)
    assert re.fullmatch(rf"{re.escape(released.version)}\+[0-9a-f]{{12}}", unreleased)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"unreleased: built from inputs that differ from release {released.version}" in card
    assert "datePublished" not in json.loads((out / "croissant.json").read_text(encoding="utf-8"))
    validated = run_kjrel(["validate", out], capsys)
    assert validated.status == 0, validated.stderr

    run = run_kjrel(["release", "--raw", raw_copy, "--date", "2026-12-10"], capsys)
    assert run.status == 0, run.stderr
    major, minor, _ = map(int, released.version.split("."))
    version = f"{major}.{minor + 1}.0"
    assert run.stdout.startswith(
        f"Released {version} (minor version, after {released.version}), dated 2026-12-10: "
        "1 article added, 0 removed, 0 label changes."
    )
    record = read_release(raw_copy)
    assert (record.version, record.date) == (version, "2026-12-10")
    assert article_id in record.articles
    text = changelog.read_text(encoding="utf-8")
    entry = text[text.index(f"\n## {version}\n") : text.index(f"\n## {released.version}\n")]
    assert "Released 2026-12-10; a minor version (articles or labels were added)." in entry
    assert f"- added `{article_id}`" in entry
    assert "### Label changes\n\n- none" in entry
    assert "## Unreleased" not in text

    _build(raw_copy, out, capsys)
    assert _versions(out) == {version}
    croissant = json.loads((out / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["datePublished"] == "2026-12-10"
    assert f"version = {{{version}}}" in croissant["citeAs"]
    assert "year = {2026}" in (out / "README.md").read_text(encoding="utf-8")

    again = run_kjrel(["release", "--raw", raw_copy, "--date", "2026-12-11"], capsys)
    assert_one_message(again, "release", f"release {re.escape(version)} .*already")


def _fix_a_label(raw: Path) -> None:
    """Change the first gold label's stance, as a fix would."""
    labels = raw / "labels.csv"
    lines = labels.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("ajiss-seize-the-opportunity-0000,") and ",none,none," in lines[1]
    lines[1] = lines[1].replace(",none,none,", ",favor,author,", 1)
    labels.write_text("".join(lines), encoding="utf-8")


def test_reordered_rows_and_line_endings_keep_the_release(raw_copy, capsys):
    released = read_release(raw_copy)
    labels = raw_copy / "labels.csv"
    original = labels.read_text(encoding="utf-8")
    header, *rows = original.splitlines()
    labels.write_text("\r\n".join([header, *reversed(rows)]) + "\r\n", encoding="utf-8")
    assert dataset_version(load_catalog(raw_copy)).version == released.version
    labels.write_text(original, encoding="utf-8")
    _fix_a_label(raw_copy)
    assert dataset_version(load_catalog(raw_copy)).version.startswith(f"{released.version}+")


def test_a_label_fix_is_a_patch_listed_by_sentence_id_under_the_unreleased_notes(
    raw_copy, changelog, capsys
):
    released = read_release(raw_copy)
    changelog.write_text(
        "# Changelog\n\n## Unreleased\n\n- Fixed a label.\n\n"
        + changelog.read_text(encoding="utf-8").split("\n## ", 1)[1].join(["## ", ""]),
        encoding="utf-8",
    )
    _fix_a_label(raw_copy)

    run = run_kjrel(["release", "--raw", raw_copy, "--date", "2026-12-10"], capsys)
    assert run.status == 0, run.stderr
    major, minor, patch = map(int, released.version.split("."))
    version = f"{major}.{minor}.{patch + 1}"
    assert f"Released {version} (patch version" in run.stdout
    text = changelog.read_text(encoding="utf-8")
    assert text.startswith(f"# Changelog\n\n## {version}\n\nReleased 2026-12-10; a patch version")
    assert "- Fixed a label.\n\n### Articles\n\n- none added or removed" in text
    assert (
        "- `ajiss-seize-the-opportunity-0000`: stance none → favor; stance_holder none → author"
        in text
    )


def test_a_schema_other_than_the_releases_is_a_major_version(raw_copy, changelog, capsys):
    record = raw_copy / RELEASE_FILE
    released = read_release(raw_copy)
    text = record.read_text(encoding="utf-8")
    record.write_text(
        text.replace(released.schema_sha256, "0" * 64).replace(released.rows_sha256, "1" * 64),
        encoding="utf-8",
    )
    run = run_kjrel(["release", "--raw", raw_copy, "--date", "2026-12-10"], capsys)
    assert run.status == 0, run.stderr
    major = int(released.version.split(".")[0])
    assert read_release(raw_copy).version == f"{major + 1}.0.0"


def test_without_a_release_record_the_first_release_is_1_0_0(raw_copy, changelog, tmp_path, capsys):
    (raw_copy / RELEASE_FILE).unlink()
    out = tmp_path / "out"
    _build(raw_copy, out, capsys)
    (version,) = _versions(out)
    assert re.fullmatch(r"0\.0\.0\+[0-9a-f]{12}", version)
    assert "no release is recorded" in (out / "README.md").read_text(encoding="utf-8")
    run = run_kjrel(["release", "--raw", raw_copy, "--date", "2026-12-10"], capsys)
    assert run.status == 0, run.stderr
    assert "(major version, the first release)" in run.stdout
    assert read_release(raw_copy).version == "1.0.0"


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        (["--date", "2026-13-01"], "--date '2026-13-01' is not a date written YYYY-MM-DD"),
        (["--date", "1 Dec"], "is not a date written YYYY-MM-DD"),
        (["--date", "2000-01-01"], "before the last release"),
        (["--changelog", "missing.md"], "missing.md"),
    ],
)
def test_bad_release_arguments_are_refused_and_change_nothing(
    raw_copy, changelog, capsys, arguments, pattern
):
    before = (raw_copy / RELEASE_FILE).read_bytes(), changelog.read_bytes()
    _fix_a_label(raw_copy)
    run = run_kjrel(["release", "--raw", raw_copy, *arguments], capsys)
    assert_one_message(run, "release", pattern)
    assert ((raw_copy / RELEASE_FILE).read_bytes(), changelog.read_bytes()) == before


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (
            lambda text: text.replace('version = "', 'version = "v', 1),
            "version is missing or malformed",
        ),
        (lambda text: "extra = 1\n" + text, "unexpected keys extra"),
        (lambda text: text.replace("[labels]", "[labels"), "not readable TOML"),
        (lambda text: text.replace("rows_sha256 = ", "#", 1), "rows_sha256 is missing"),
    ],
)
def test_a_damaged_release_record_stops_the_build_with_one_message(
    raw_copy, tmp_path, capsys, edit, pattern
):
    record = raw_copy / RELEASE_FILE
    record.write_text(edit(record.read_text(encoding="utf-8")), encoding="utf-8")
    run = run_kjrel(["build", "--raw", raw_copy, "--docs", DOCS, "--out", tmp_path / "out"], capsys)
    assert_one_message(run, "build", rf"release\.toml: .*{pattern}")
    assert not (tmp_path / "out").exists()


def test_release_help_names_its_rule_and_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_kjrel(["release", "--help"], capsys)
    assert exit_info.value.code == 0
    shown = capsys.readouterr().out
    assert all(
        word in shown for word in ("--raw", "--date", "--changelog", "major", "minor", "patch")
    )


def test_the_citation_file_agrees_with_the_card_and_types_no_version():
    import yaml

    from kjrel_data.names import ANNOTATIONS_LICENCE, PRETTY_NAME

    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["title"] == PRETTY_NAME
    assert citation["license"] == ANNOTATIONS_LICENCE.replace(" ", "-")
    assert citation["type"] == "dataset" and "version" not in citation
    assert "date-released" not in citation


def test_a_release_recorded_before_a_label_field_was_declared_still_reads(raw_copy):
    from kjrel_data.changelog import label_value_changes

    record = raw_copy / RELEASE_FILE
    record.write_text(
        re.sub(r', issues = "[^"]*"', "", record.read_text(encoding="utf-8")), encoding="utf-8"
    )
    released = read_release(raw_copy)
    sentence_id = "ajiss-seize-the-opportunity-0000"
    assert "issues" not in released.labels[sentence_id]
    now = {sentence_id: {**released.labels[sentence_id], "issues": "domestic_politics"}}
    assert label_value_changes({sentence_id: released.labels[sentence_id]}, now) == [
        f"- `{sentence_id}`: issues  → domestic_politics"
    ]
