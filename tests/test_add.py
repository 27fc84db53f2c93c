import csv
import hashlib
import json
import re
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as parquet
import pytest

from kjrel_data import model_labeller
from kjrel_data.add import NewArticle, add_article, default_split, derived_article_id
from kjrel_data.build import build, built_batches
from kjrel_data.errors import InputError
from kjrel_data.import_annotations import import_annotations
from kjrel_data.label_sets import ANNOTATION_SOURCES, LABEL_SOURCE
from kjrel_data.load import load_catalog
from kjrel_data.tasks import export_tasks

from .conftest import REPO, raw_articles
from .hostile import assert_one_message, run_kjrel
from .test_cli import kjrel

# A page in a layout none of the seeds has (benchmarks/layouts/dev/: invented for testing).
LAYOUTS = REPO / "benchmarks" / "layouts" / "dev"
UNSEEN = LAYOUTS / "wire-reuters-style.raw.txt"
with (LAYOUTS / "cases.csv").open(encoding="utf-8", newline="") as handle:
    UNSEEN_TITLE = next(
        row["title"] for row in csv.DictReader(handle) if row["case"] == "wire-reuters-style"
    )


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_derived_ids_are_readable_and_stable():
    assert derived_article_id("The Diplomat", "Japan Has a Chance to Break the Ice") == (
        "diplomat-japan-has-a-chance-to-break-the-ice"
    )
    assert derived_article_id("Korea Times", "Seoul’s ‘pivot’: Café talks") == (
        "korea-times-seouls-pivot-cafe-talks"
    )
    assert len(derived_article_id("Outlet", "word " * 40)) <= 60


def test_default_split_is_a_stable_eight_one_one_hash():
    splits = [default_split(f"article-{number}") for number in range(2000)]
    assert splits == [default_split(f"article-{number}") for number in range(2000)]
    assert 0.75 < splits.count("train") / 2000 < 0.85
    assert 0.07 < splits.count("test") / 2000 < 0.13


def test_add_copies_the_bytes_and_appends_one_row(raw_copy, tmp_path):
    source = tmp_path / "new.txt"
    source.write_bytes(b"Seoul and Tokyo met.\r\n\r\nThey agreed.\r\n")
    before = (raw_copy / "articles.csv").read_bytes()
    added = add_article(raw_copy, source, NewArticle(outlet="Pacific Wire", title="Leaders meet"))
    assert (raw_copy / added.file).read_bytes() == source.read_bytes()
    after = (raw_copy / "articles.csv").read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    article = {a.metadata.article_id: a for a in raw_articles(raw_copy)}[added.article_id]
    assert article.metadata.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (article.metadata.outlet, article.metadata.split) == ("Pacific Wire", added.split)


@pytest.mark.parametrize(
    ("new", "source_name", "message"),
    [
        (NewArticle(outlet="X", title="Y"), "seed", r"these exact bytes are already in raw/"),
        (
            NewArticle(outlet="The Diplomat", title="T", article_id="diplomat-why-japan-hesitant"),
            "fresh",
            r"article id 'diplomat-why-japan-hesitant' is already taken.*--id",
        ),
        (NewArticle(outlet="X", title="Y", published_date="2999-01-01"), "fresh", "in the future"),
        (NewArticle(outlet="X", title="Y", kind="blog"), "fresh", "--kind 'blog'"),
        (NewArticle(outlet="!!", title="??"), "fresh", r"pass one with --id"),
        (NewArticle(outlet="X", title="Y"), "missing", "no such file"),
        (NewArticle(outlet="X", title="Y"), "latin1", "not UTF-8"),
    ],
)
def test_bad_additions_are_refused_and_change_nothing(
    raw_copy, tmp_path, new, source_name, message
):
    sources = {
        "seed": raw_copy / "articles" / "diplomat-why-japan-hesitant.txt",
        "fresh": tmp_path / "fresh.txt",
        "missing": tmp_path / "missing.txt",
        "latin1": tmp_path / "latin1.txt",
    }
    sources["fresh"].write_text("A new article about the summit.\n", encoding="utf-8")
    sources["latin1"].write_bytes("Caf\xe9 diplomacy.\n".encode("latin-1"))
    before = _snapshot(raw_copy)
    with pytest.raises(InputError, match=message):
        add_article(raw_copy, sources[source_name], new)
    assert _snapshot(raw_copy) == before


def test_an_interrupted_add_leaves_raw_unchanged(raw_copy, tmp_path, monkeypatch):
    source = tmp_path / "new.txt"
    source.write_text("Seoul and Tokyo met.\n", encoding="utf-8")
    before = _snapshot(raw_copy)
    original_replace = Path.replace

    def fail_on_metadata(self, target):
        if Path(target).name == "articles.csv":
            raise KeyboardInterrupt
        return original_replace(self, target)

    monkeypatch.setattr(Path, "replace", fail_on_metadata)
    with pytest.raises(KeyboardInterrupt):
        add_article(raw_copy, source, NewArticle(outlet="Pacific Wire", title="Leaders meet"))
    assert _snapshot(raw_copy) == before


def _sentences(folder: Path) -> pa.Table:
    return pa.concat_tables(
        parquet.read_table(path) for path in sorted((folder / "data/sentences").glob("*.parquet"))
    ).sort_by("sentence_id")


def test_kjrel_add_then_build_keeps_the_annotations_and_gives_the_new_article_none(
    raw_copy, tmp_path, built, capsys
):
    # The session's build is the build of raw/ before the add.
    before, after = built, tmp_path / "after"
    added = run_kjrel(
        [
            "add",
            UNSEEN,
            "--outlet",
            "Northline",
            "--title",
            UNSEEN_TITLE,
            "--published",
            "2025-05-14",
            "--raw",
            raw_copy,
        ],
        capsys,
    )
    assert added.status == 0, added.stderr
    assert "Run `kjrel build`" in added.stdout
    result = run_kjrel(["build", "--raw", raw_copy, "--out", after], capsys)
    assert result.status == 0, result.stderr
    assert "unlabelled" in result.stdout
    # The seeds' rows are unchanged but for their fold: a new article deals the folds again.
    old, new = _sentences(before).drop(["fold"]), _sentences(after).drop(["fold"])
    annotated = new.filter(pa.compute.is_in(new["label_source"], pa.array(ANNOTATION_SOURCES)))
    assert annotated.to_pylist() == old.to_pylist()
    # The new article's sentences carry model labels where they reach a threshold, else none.
    rows = new.filter(
        pa.compute.is_in(new["label_source"], pa.array(["model", "unlabelled"]))
    ).to_pylist()
    assert len(rows) >= 5
    assert {row["article_id"] for row in rows} == {added.stdout.split()[1]}
    assert all(row["stance"] is None and row["issues"] is None for row in rows)
    for row in rows:
        has_model_label = any(row[f"model_{field}"] is not None for field in model_labeller.FIELDS)
        assert has_model_label == (row["label_source"] == "model"), row["sentence_id"]
    # Only the headline is checked: the held-out layouts must not steer the cleaning rules.
    assert UNSEEN_TITLE not in " ".join(row["text"] for row in rows)


def test_after_an_add_and_a_label_studio_import_no_model_label_reads_as_an_annotation(
    raw_copy, tmp_path, monkeypatch
):
    # Thresholds every prediction reaches, so the new article gets model labels to keep apart.
    monkeypatch.setattr(
        model_labeller, "PUBLISH_THRESHOLDS", {"stance": 0.0, "stance_holder": 0.0, "issue": 0.0}
    )
    for document in ("DATASHEET.md", "CODEBOOK.md"):
        (tmp_path / document).write_bytes((REPO / document).read_bytes())
    article_id = add_article(
        raw_copy, UNSEEN, NewArticle(outlet="Northline", title=UNSEEN_TITLE)
    ).article_id
    exported = export_tasks(built_batches(load_catalog(raw_copy)), tmp_path / "labelling")
    tasks = json.loads(exported.tasks_file.read_text(encoding="utf-8"))
    annotated_task = tasks[0]
    result = [
        {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": [value]}}
        for name, value in (("stance", "none"), ("stance_holder", "none"), ("issue", "trade"))
    ]
    export = [
        {
            "id": 1,
            "data": annotated_task["data"],
            "predictions": annotated_task["predictions"],
            "annotations": [{"id": 1, "completed_by": 3, "result": result, "task": 1}],
        }
    ]
    (tmp_path / "export.json").write_text(json.dumps(export), encoding="utf-8")
    import_annotations(raw_copy, tmp_path / "export.json")
    build(raw_copy, tmp_path / "out", tmp_path)

    loaded = datasets.load_dataset(str(tmp_path / "out"))
    sentences = datasets.concatenate_datasets([loaded[split] for split in sorted(loaded)])
    source = sentences.features["label_source"]
    assert source.names == LABEL_SOURCE.names
    rows = [row for row in sentences if row["article_id"] == article_id]
    imported = [row for row in rows if row["sentence_id"] == annotated_task["data"]["sentence_id"]]
    assert [source.int2str(row["label_source"]) for row in imported] == [
        "single_model_shown" if annotated_task["predictions"] else "single_blind"
    ]
    assert imported[0]["issue"] == sentences.features["issue"].str2int("trade")
    assert imported[0]["model_issue"] is None
    model_rows = [row for row in rows if source.int2str(row["label_source"]) == "model"]
    assert model_rows
    for row in model_rows:
        # The label columns a researcher scores against are empty; the model's are beside them.
        assert [row[name] for name in ("stance", "stance_holder", "issue", "issues")] == [None] * 4
        assert row["model_stance"] is not None and row["model_issue"] is not None
    for row in sentences:
        annotated = source.int2str(row["label_source"]) in ANNOTATION_SOURCES
        assert (row["stance"] is not None) == annotated


def test_kjrel_add_refusal_is_one_message_on_stderr_and_exit_1(raw_copy, capsys):
    seed = raw_copy / "articles" / "diplomat-why-japan-hesitant.txt"
    before = _snapshot(raw_copy)
    # A refusal in a process of its own, for the exit status and stderr a shell sees: kjrel add
    # loads no heavy library, so the process starts in a fraction of a second.
    result = kjrel("add", str(seed), "--outlet", "X", "--title", "Y", "--raw", str(raw_copy))
    assert result.returncode == 1
    assert result.stderr.startswith("kjrel add: error: ") and "Traceback" not in result.stderr
    assert "already in raw/ as article 'diplomat-why-japan-hesitant'" in result.stderr
    # A text file states no title, so one is asked for.
    untitled = run_kjrel(["add", seed, "--outlet", "X", "--raw", raw_copy], capsys)
    assert untitled.status == 1
    assert "give --title: a text file states no metadata" in untitled.stderr
    assert _snapshot(raw_copy) == before


def test_kjrel_add_shows_the_removed_lines_the_first_sentences_and_how_to_correct(
    raw_copy, tmp_path, capsys
):
    source = tmp_path / "talks.txt"
    source.write_text(
        "Pacific Wire Daily\n\nRecent Features\n\n\x1b[31mCredit: Jane Roe / Wire\n\n"
        + "\n\n".join(
            f"Sentence {number} of the report on the talks between Seoul and Tokyo."
            for number in range(1, 8)
        ),
        encoding="utf-8",
    )
    run = run_kjrel(
        [
            "add",
            source,
            "--outlet",
            "Pacific Wire Daily",
            "--title",
            "Talks",
            "--section",
            "Tokyo Report",
            "--raw",
            raw_copy,
        ],
        capsys,
    )
    assert run.status == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "  line 1 [outlet_masthead]: Pacific Wire Daily" in lines
    assert "  line 3 [navigation]: Recent Features" in lines
    # Shown escaped: an escape code in the article cannot colour or move the terminal.
    assert any(
        re.fullmatch(r"  line 5 \[\w+\]: \\x1b\[31mCredit: Jane Roe / Wire", line) for line in lines
    )
    sentences = [line for line in lines if line.startswith("  ") and ". Sentence" in line]
    assert [line.split(". ", 1)[0].strip() for line in sentences] == ["1", "2", "3", "4", "5"]
    assert "Sentence 1 of the report" in sentences[0] and "Sentence 6" not in run.stdout
    assert "kjrel correct pacific-wire-daily-talks LINE keep|drop" in run.stdout
    assert "kjrel review" in run.stdout


def test_kjrel_add_shortens_a_long_removed_line(raw_copy, tmp_path, capsys):
    source = tmp_path / "long.txt"
    menu = " | ".join(["Diplomacy"] * 30)
    source.write_text(
        f"Tokyo Report | {menu}\n\n"
        "Seoul and Tokyo agreed on Tuesday to resume regular talks between their ministers.",
        encoding="utf-8",
    )
    run = run_kjrel(
        [
            "add",
            source,
            "--outlet",
            "X",
            "--title",
            "Y",
            "--section",
            "Tokyo Report",
            "--raw",
            raw_copy,
        ],
        capsys,
    )
    assert run.status == 0, run.stderr
    [shown] = [line for line in run.stdout.splitlines() if line.startswith("  line 1 [")]
    assert shown.endswith("…") and len(shown) < 140


def test_kjrel_add_refuses_an_article_with_nothing_left_after_cleaning(raw_copy, tmp_path, capsys):
    source = tmp_path / "chrome.txt"
    source.write_text("Tokyo Report\n\nRecent Features\n", encoding="utf-8")
    before = _snapshot(raw_copy)
    run = run_kjrel(
        [
            "add",
            source,
            "--outlet",
            "X",
            "--title",
            "Y",
            "--section",
            "Tokyo Report",
            "--raw",
            raw_copy,
        ],
        capsys,
    )
    assert_one_message(run, "add", r"chrome\.txt: nothing is left after cleaning")
    assert _snapshot(raw_copy) == before
