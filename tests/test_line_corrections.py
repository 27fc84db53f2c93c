import csv
import hashlib
from pathlib import Path

import pyarrow as pa
import pytest

from kjrel_data.add import NewArticle, add_article
from kjrel_data.errors import InputError
from kjrel_data.line_corrections import (
    correct_line,
    line_sha256,
    stale_corrections,
    uncorrect_line,
)
from kjrel_data.load import (
    CORRECTION_COLUMNS,
    CORRECTIONS_FILE,
    METADATA_COLUMNS,
    CleaningCorrection,
    load_catalog,
)
from kjrel_data.names import ARTICLES, REMOVED

from .conftest import built_corpus
from .hostile import assert_one_message, run_kjrel

ARTICLE = "pacific-talks-resume"
OUTLET = "Pacific Wire Daily"
# Line 1 is the outlet's masthead (removed by a rule); lines 3, 5 and 7 are body prose.
LINES = [
    OUTLET,
    "",
    "Seoul and Tokyo agreed on Tuesday to resume regular talks between their foreign ministers.",
    "",
    "Officials said the next meeting would take place in Busan later this year, with trade on the agenda.",
    "",
    "The two governments also pledged to expand youth exchanges and to ease visa rules for students.",
    "",
]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def raw(raw_copy: Path, tmp_path: Path) -> Path:
    """A copy of raw/ with one more article, without gold labels, whose lines the tests correct."""
    source = tmp_path / "talks.txt"
    source.write_text("\n".join(LINES), encoding="utf-8")
    add_article(
        raw_copy, source, NewArticle(outlet=OUTLET, title="Talks resume", article_id=ARTICLE)
    )
    return raw_copy


def _replace_article(raw: Path, lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8")
    (raw / "articles" / f"{ARTICLE}.txt").write_bytes(data)
    with (raw / "articles.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["article_id"] == ARTICLE:
            row["sha256"] = hashlib.sha256(data).hexdigest()
    with (raw / "articles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=METADATA_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_corrections(raw: Path, rows: list[dict[str, str]]) -> None:
    with (raw / CORRECTIONS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CORRECTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _row(**changes: str) -> dict[str, str]:
    return {
        "article_id": ARTICLE,
        "line_number": "5",
        "line_sha256": line_sha256(LINES[4]),
        "action": "drop",
        "note": "",
        **changes,
    }


def _article_rows(corpus, config: str) -> list[dict]:
    table = pa.concat_tables(corpus[config].values())
    return [row for row in table.to_pylist() if row["article_id"] == ARTICLE]


def test_a_line_hash_is_the_sha256_of_its_utf8_text():
    assert line_sha256("Café") == hashlib.sha256("Café".encode()).hexdigest()


def test_stale_corrections_name_a_changed_line_and_one_past_the_end():
    text = "First line.\r\nSecond line.\rThird line."
    fine = CleaningCorrection("a", 2, line_sha256("Second line."), "drop", None)
    changed = CleaningCorrection("a", 3, line_sha256("Third line, as it was."), "keep", None)
    gone = CleaningCorrection("a", 4, line_sha256("Fourth."), "drop", None)
    problems = stale_corrections(text, [fine, changed, gone])
    assert len(problems) == 2
    assert "line 3 (keep): the line now reads 'Third line.'" in problems[0]
    assert "line 4 (drop): the file now ends at line 3" in problems[1]
    assert all("re-check the line" in problem for problem in problems)


def test_an_absent_corrections_file_means_no_corrections(raw):
    assert load_catalog(raw).corrections == []


def test_corrections_are_loaded_sorted_by_article_and_line(raw):
    _write_corrections(
        raw,
        [
            _row(line_number="7", line_sha256=line_sha256(LINES[6]), note="a footer"),
            _row(line_number="1", line_sha256=line_sha256(LINES[0]), action="keep"),
        ],
    )
    corrections = load_catalog(raw).corrections
    assert [(item.line_number, item.action, item.note) for item in corrections] == [
        (1, "keep", None),
        (7, "drop", "a footer"),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_row(article_id="no-such-article")], r"row 2: article_id 'no-such-article' is not in"),
        ([_row(action="hide")], r"row 2: action 'hide' is not one of keep, drop"),
        ([_row(line_sha256="abc")], r"row 2: line_sha256 must be 64 lowercase hex digits"),
        ([_row(line_number="0")], r"row 2: line_number '0' is not a line number"),
        ([_row(line_number="five")], r"row 2: line_number 'five' is not a line number"),
        ([_row(), _row(action="keep")], r"row 3: a second correction of line 5 .*first: row 2"),
        ([_row(note="x" * 10_001)], r"row 2: note is 10,001 characters"),
    ],
)
def test_a_bad_correction_row_is_one_error_naming_file_and_row(raw, rows, message):
    _write_corrections(raw, rows)
    with pytest.raises(InputError, match=rf"{CORRECTIONS_FILE}: {message}") as raised:
        load_catalog(raw)
    assert len(str(raised.value).splitlines()) == 1


def test_a_corrections_file_with_the_wrong_header_is_refused(raw):
    (raw / CORRECTIONS_FILE).write_text("article_id,line,action\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"cleaning_corrections\.csv: header must be"):
        load_catalog(raw)


def test_a_keep_and_a_drop_change_the_next_builds_tables(raw):
    before = built_corpus(raw)
    assert [row["line_number"] for row in _article_rows(before, REMOVED)] == [1]
    correct_line(raw, ARTICLE, 1, "keep", note="the masthead is wanted here")
    correct_line(raw, ARTICLE, 5, "drop")
    after = built_corpus(raw)
    [article] = _article_rows(after, ARTICLES)
    assert article["lines_kept_by_correction"] == [1]
    assert article["clean_text"].startswith(f"{OUTLET}\n\n{LINES[2]}")
    assert LINES[4] not in article["clean_text"] and LINES[6] in article["clean_text"]
    removed = _article_rows(after, REMOVED)
    assert [(row["line_number"], row["rule"], row["removed_text"]) for row in removed] == [
        (5, "correction", LINES[4])
    ]
    # The other articles are as they were.
    others = [row for row in pa.concat_tables(after[ARTICLES].values()).to_pylist()]
    assert all(
        row["lines_kept_by_correction"] == [] for row in others if row["article_id"] != ARTICLE
    )


def test_a_drop_on_a_partly_removed_line_removes_the_rest_by_correction(raw):
    _replace_article(raw, [*LINES[:4], f"SEOUL -- {LINES[4]}", *LINES[5:]])
    [dateline] = [
        row for row in _article_rows(built_corpus(raw), REMOVED) if row["line_number"] == 5
    ]
    assert dateline["removed_text"].startswith("SEOUL")
    correct_line(raw, ARTICLE, 5, "drop")
    rows = [row for row in _article_rows(built_corpus(raw), REMOVED) if row["line_number"] == 5]
    assert [(row["rule"], row["removed_text"]) for row in rows] == [
        (dateline["rule"], dateline["removed_text"]),
        ("correction", LINES[4]),
    ]


def test_stale_corrections_fail_the_build_listing_each_and_raw_is_unchanged(raw, tmp_path, capsys):
    correct_line(raw, ARTICLE, 1, "keep")
    correct_line(raw, ARTICLE, 5, "drop")
    correct_line(raw, ARTICLE, 7, "drop")
    _replace_article(raw, [*LINES[:4], LINES[4].replace("Busan", "Jeju"), ""])
    before = _snapshot(raw)
    run = run_kjrel(["build", "--raw", raw, "--out", tmp_path / "out"], capsys)
    assert_one_message(run, "build", r"cleaning_corrections\.csv: 2 stale correction")
    assert f"article '{ARTICLE}' line 5 (drop): the line now reads" in run.stderr
    assert "Jeju" in run.stderr
    assert f"article '{ARTICLE}' line 7 (drop): the file now ends at line 6" in run.stderr
    assert "line 1 " not in run.stderr
    assert "re-check the line" in run.stderr
    assert _snapshot(raw) == before
    assert not (tmp_path / "out").exists()


def test_correct_records_the_line_and_its_hash_and_says_what_it_did(raw, capsys):
    run = run_kjrel(["correct", ARTICLE, "1", "keep", "--note", "wanted", "--raw", raw], capsys)
    assert run.status == 0, run.stderr
    assert f"Line 1 of {ARTICLE}: keep" in run.stdout
    assert "removed whole by outlet_masthead" in run.stdout
    assert f"  line 1: {OUTLET}" in run.stdout
    with (raw / CORRECTIONS_FILE).open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == [
            {
                "article_id": ARTICLE,
                "line_number": "1",
                "line_sha256": line_sha256(OUTLET),
                "action": "keep",
                "note": "wanted",
            }
        ]


def test_correct_replaces_an_earlier_correction_of_the_same_line(raw, capsys):
    correct_line(raw, ARTICLE, 5, "drop", note="first thought")
    run = run_kjrel(["correct", ARTICLE, "5", "drop", "--note", "second", "--raw", raw], capsys)
    assert run.status == 0, run.stderr
    assert "replacing its drop correction" in run.stdout
    assert [(item.line_number, item.note) for item in load_catalog(raw).corrections] == [
        (5, "second")
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-article", "5", "drop"], r"articles\.csv: no article 'no-such-article'"),
        ([ARTICLE, "99", "drop"], rf"{ARTICLE}\.txt: no line 99; the file has lines 1 to 8"),
        ([ARTICLE, "2", "keep"], r"line 2 is blank"),
        ([ARTICLE, "3", "keep"], r"already keeps line 3 whole, so keep would change nothing"),
        ([ARTICLE, "1", "drop"], r"already removes line 1 whole, so drop would change nothing"),
        ([ARTICLE, "5", "drop", "--note", "x" * 10_001], r"note is 10,001 characters"),
        ([ARTICLE, "5", "drop", "--note", "a\x00b"], r"note contains a NUL character"),
    ],
)
def test_correct_refuses_with_one_message_and_changes_nothing(raw, capsys, arguments, message):
    before = _snapshot(raw)
    run = run_kjrel(["correct", *arguments, "--raw", raw], capsys)
    assert_one_message(run, "correct", message)
    assert "Nothing was written" in run.stderr
    assert _snapshot(raw) == before


def test_correct_refuses_to_drop_the_last_text_of_an_article(raw):
    _replace_article(raw, [OUTLET, "", LINES[2]])
    with pytest.raises(InputError, match=r"with line 3 dropped, nothing is left of the article"):
        correct_line(raw, ARTICLE, 3, "drop")
    assert not (raw / CORRECTIONS_FILE).exists()


def test_a_correction_that_the_rules_now_agree_with_points_to_uncorrect(raw, capsys):
    correct_line(raw, ARTICLE, 5, "drop")
    run = run_kjrel(["correct", ARTICLE, "5", "keep", "--raw", raw], capsys)
    assert_one_message(
        run, "correct", rf"to remove its drop correction, run `kjrel uncorrect {ARTICLE} 5`"
    )


def test_correct_and_uncorrect_reject_bad_usage_with_exit_2(raw, capsys):
    for arguments in (
        ["correct", ARTICLE, "0", "keep"],
        ["correct", ARTICLE, "5", "hide"],
        ["uncorrect", ARTICLE],
    ):
        with pytest.raises(SystemExit) as exited:
            run_kjrel([*arguments, "--raw", raw], capsys)
        assert exited.value.code == 2


def test_uncorrect_removes_one_correction_and_refuses_when_there_is_none(raw, capsys):
    correct_line(raw, ARTICLE, 1, "keep")
    correct_line(raw, ARTICLE, 5, "drop")
    run = run_kjrel(["uncorrect", ARTICLE, "5", "--raw", raw], capsys)
    assert run.status == 0, run.stderr
    assert f"Removed the drop correction of line 5 of {ARTICLE}" in run.stdout
    assert [item.line_number for item in load_catalog(raw).corrections] == [1]
    before = _snapshot(raw)
    run = run_kjrel(["uncorrect", ARTICLE, "5", "--raw", raw], capsys)
    assert_one_message(run, "uncorrect", rf"no correction of line 5 of article '{ARTICLE}'")
    assert _snapshot(raw) == before
    uncorrect_line(raw, ARTICLE, 1)
    assert load_catalog(raw).corrections == []


def test_correct_waits_for_no_one_while_another_writer_holds_raw(raw, capsys):
    (raw / ".kjrel.lock").write_text("", encoding="utf-8")
    run = run_kjrel(["correct", ARTICLE, "5", "drop", "--raw", raw], capsys)
    assert_one_message(run, "correct", r"\.kjrel\.lock exists: another `kjrel add`")
    assert not (raw / CORRECTIONS_FILE).exists()


def test_correct_works_beside_a_stale_correction_of_another_line(raw):
    correct_line(raw, ARTICLE, 7, "drop")
    _replace_article(raw, LINES[:6])
    corrected = correct_line(raw, ARTICLE, 5, "drop")
    assert corrected.correction.line_number == 5
    assert [item.line_number for item in load_catalog(raw).corrections] == [5, 7]
