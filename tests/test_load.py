import csv
import hashlib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.errors import InputError
from kjrel_data.load import METADATA_COLUMNS, load_catalog, text_fingerprint

from .conftest import raw_articles

ARTICLE = "diplomat-why-japan-hesitant"


def _rows(raw: Path) -> list[dict[str, str]]:
    with (raw / "articles.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(raw: Path, rows: list[dict[str, str]], columns=METADATA_COLUMNS) -> None:
    with (raw / "articles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


def _edit(raw: Path, target: str, **changes: str) -> None:
    _write_rows(
        raw, [{**row, **changes} if row["article_id"] == target else row for row in _rows(raw)]
    )


def _replace_article_bytes(raw: Path, data: bytes) -> None:
    (raw / "articles" / f"{ARTICLE}.txt").write_bytes(data)
    _edit(raw, ARTICLE, sha256=hashlib.sha256(data).hexdigest())


def test_loads_the_five_articles_in_id_order():
    articles = raw_articles(Path(__file__).parent.parent / "raw")
    ids = [article.metadata.article_id for article in articles]
    assert len(ids) == 5 and ids == sorted(ids)
    assert all(article.text.strip() for article in articles)


def test_a_changed_byte_fails_naming_the_file(raw_copy):
    path = raw_copy / "articles" / f"{ARTICLE}.txt"
    path.write_bytes(path.read_bytes().replace(b"Biden", b"Bidem", 1))
    with pytest.raises(
        InputError, match=rf"{ARTICLE}\.txt: sha256 is [0-9a-f]{{64}}, but articles.csv"
    ):
        raw_articles(raw_copy)


def test_a_missing_column_is_named(raw_copy):
    _write_rows(raw_copy, _rows(raw_copy), [c for c in METADATA_COLUMNS if c != "split"])
    with pytest.raises(InputError, match="missing: split"):
        raw_articles(raw_copy)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"article_id": "Bad Id!"}, "row 5: article_id 'Bad Id!' must be lowercase"),
        ({"split": "dev"}, "row 5: split 'dev' is not one of train, validation, test"),
        ({"kind": "blog"}, "row 5: kind 'blog' is not one of"),
        ({"published_date": "28/02/2021"}, "row 5: published_date '28/02/2021' is not an ISO date"),
        ({"published_date": "2999-01-01"}, "row 5: published_date 2999-01-01 is in the future"),
        ({"title": ""}, "row 5: title is empty"),
    ],
)
def test_bad_metadata_values_are_named_by_row(raw_copy, changes, message):
    _edit(raw_copy, ARTICLE, **changes)
    with pytest.raises(InputError, match=message):
        raw_articles(raw_copy)


def test_a_duplicate_article_id_is_named(raw_copy):
    rows = _rows(raw_copy)
    _write_rows(raw_copy, [*rows, rows[0]])
    with pytest.raises(InputError, match=r"row 7: article_id '.+' repeats row 2"):
        raw_articles(raw_copy)


def test_an_article_file_without_metadata_is_refused(raw_copy):
    (raw_copy / "articles" / "stray.txt").write_text("A stray article.", encoding="utf-8")
    with pytest.raises(InputError, match=r"stray\.txt has no row in"):
        raw_articles(raw_copy)


def test_a_metadata_row_whose_file_is_missing_is_refused(raw_copy):
    (raw_copy / "articles" / f"{ARTICLE}.txt").unlink()
    with pytest.raises(InputError, match=f"article '{ARTICLE}' names file"):
        raw_articles(raw_copy)


def test_latin1_bytes_are_refused_with_the_byte_position(raw_copy):
    _replace_article_bytes(raw_copy, "Tokyo caf\u00e9 talks.".encode("latin-1"))
    with pytest.raises(InputError, match=rf"{ARTICLE}.txt: not UTF-8 \(byte 9"):
        raw_articles(raw_copy)


def test_nul_bytes_are_refused(raw_copy):
    _replace_article_bytes(raw_copy, b"Text\x00more")
    with pytest.raises(InputError, match="NUL byte at byte 4"):
        raw_articles(raw_copy)


def test_a_utf8_bom_is_accepted_and_dropped(raw_copy):
    _replace_article_bytes(raw_copy, b"\xef\xbb\xbfSeoul and Tokyo met.")
    article = next(a for a in raw_articles(raw_copy) if a.metadata.article_id == ARTICLE)
    assert article.text == "Seoul and Tokyo met."


def test_an_empty_article_is_refused(raw_copy):
    _replace_article_bytes(raw_copy, b" \n\n ")
    with pytest.raises(InputError, match=f"{ARTICLE}.txt: the article is empty"):
        raw_articles(raw_copy)


def _write_labels(raw: Path, *lines: str) -> None:
    # Each line's last cell is its note; label_source is set before it.
    header = "sentence_id,text_sha256,stance,stance_holder,issue,issues,label_source,note\n"
    lines = tuple(
        ",".join([*line.split(",")[:6], "single_blind", *line.split(",")[6:]]) for line in lines
    )
    (raw / "labels.csv").write_text(
        header + "".join(line + "\n" for line in lines), encoding="utf-8"
    )


def test_label_rows_outside_their_sets_are_named(raw_copy):
    digest = "0" * 64
    _write_labels(
        raw_copy,
        f"a-0000,{digest},pro,author,trade,trade,",
        f"a-0001,{digest},favor,author,trade,security,",
        f"a-0001,{digest},none,none,none,none,",
    )
    with pytest.raises(InputError) as error:
        raw_articles(raw_copy)
    message = str(error.value)
    assert (
        "raw/labels.csv: row 2 (a-0000): stance 'pro' is not one of none, against, favor" in message
    )
    assert (
        "row 3 (a-0001): issues must include the primary issue (here issue 'trade', "
        "issues 'security')." in message
    )
    assert "row 4 (a-0001): a second label row for this sentence (first: row 3)" in message


def test_issues_are_stored_in_label_order_without_repeats(raw_copy):
    _write_labels(raw_copy, f"a-0000,{'0' * 64},favor,author,trade,security;trade;security,a note")
    row = load_catalog(raw_copy).gold_labels[0]
    assert (row.issues, row.note) == (("trade", "security"), "a note")


FORMAT_CHARACTERS = ["\u200b", "\u200d", "\ufeff", "\u2060", "\u00ad", "\U000e0001", "\u0600"]
FINGERPRINT_TEXT = st.lists(
    st.sampled_from(["a", "B", " ", "\n", "\t", ".", "é", "e\u0301", "Ａ", "\u3000", "’"])
).map("".join)


@given(
    FINGERPRINT_TEXT, st.lists(st.tuples(st.integers(0, 60), st.sampled_from(FORMAT_CHARACTERS)))
)
def test_format_characters_anywhere_leave_the_fingerprint_as_it_was(text, insertions):
    with_format = text
    for position, character in insertions:
        with_format = with_format[:position] + character + with_format[position:]
    assert text_fingerprint(with_format) == text_fingerprint(text)


@given(FINGERPRINT_TEXT, FINGERPRINT_TEXT)
def test_texts_that_differ_in_more_than_form_and_spacing_differ_in_fingerprint(first, second):
    def words(text: str) -> list[str]:
        return unicodedata.normalize("NFKC", text).split()

    assert (text_fingerprint(first) == text_fingerprint(second)) == (words(first) == words(second))
