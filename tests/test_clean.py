import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kjrel_data.clean import (
    RULES,
    clean_articles,
    clean_text_of,
    compile_rules,
    join_broken_paragraphs,
    normalise_line,
    split_lines,
)
from kjrel_data.load import ArticleMetadata, load_raw

RAW = Path(__file__).resolve().parent.parent / "raw"
METADATA = ArticleMetadata(
    article_id="example",
    file="articles/example.txt",
    sha256="0" * 64,
    outlet="The Association of Japanese Institutes of Strategic Studies",
    section="Tokyo Report",
    title="Seoul and Tokyo Mend Ties",
    standfirst="A thaw, at last.",
    author="Jane Doe",
    published_date=None,
    url=None,
    kind="news",
    language="en",
    split="train",
    copyright="Copyright the publisher.",
)


def _clean(text: str, metadata: ArticleMetadata = METADATA) -> tuple[str, list]:
    return clean_text_of(text, metadata, RULES)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("## **SEIZE THE DAY**", "SEIZE THE DAY"),
        ("***Junya Nishino***", "Junya Nishino"),
        ("*The views expressed are mine.*", "The views expressed are mine."),
        ("Tokyo Report\u00a0|\u00a0Diplomacy  ", "Tokyo Report | Diplomacy"),
        ("Cafe\u0301 “quotes” – dash", "Café “quotes” – dash"),
        ("5 * 3 = 15", "5 * 3 = 15"),
    ],
)
def test_normalise_line_strips_markdown_and_folds_white_space(line, expected):
    assert normalise_line(line) == expected


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Seoul and Tokyo Mend Ties", "repeated_title"),
        ("## **SEOUL AND TOKYO MEND TIES**", "repeated_title"),
        ("A thaw, at last.", "repeated_standfirst"),
        ("Tokyo Report", "section_label"),
        ("Tokyo Report | Diplomacy | East Asia", "section_label"),
        ("**The Association of Japanese Institutes of Strategic Studies**", "outlet_masthead"),
        ("***Jane Doe***", "byline"),
        ("By Jane Doe", "byline"),
        ("Jane Doe is a professor at Kobe University.", "author_bio"),
        ("Recent Features", "navigation"),
        ("Credit: Hiro Komae / Associated Press", "photo_credit"),
        ("New: Gift this subscriber-only story to your friends and family", "subscription_prompt"),
        ("Subscribe now", "subscription_prompt"),
        (
            "Join ST's Telegram channel and get the latest breaking news delivered to you.",
            "promotion",
        ),
        (
            "A version of this article appeared in the print edition of The Sunday Times.",
            "print_edition_note",
        ),
        ("*The views expressed in this piece are the author's own.*", "disclaimer"),
        ("No. 297", "series_number"),
        ("16 September 2022", "date_line"),
        ("February 28, 2021", "date_line"),
        ("**JIIA**", "ajiss_member_institutes"),
        ("- The inauguration is viewed as an opportunity.", "ajiss_key_points"),
    ],
)
def test_each_rule_removes_its_kind_of_line(line, rule):
    clean_text, removed = _clean(f"{line}\n\nThe two leaders met in Seoul.")
    assert clean_text == "The two leaders met in Seoul."
    assert [(r.line_number, r.line, r.rule) for r in removed] == [(1, line, rule)]


@pytest.mark.parametrize(
    "line",
    [
        "Jane Doe is a professor at Kobe University, and she said the talks failed. They did.",
        "The Japan Institute of International Affairs hosted the talks.",
        "- A bullet in another outlet's article.",
        "Subscribers to the survey said relations were poor, and the figure has not moved since the last poll.",
        "Subscribers said yes.",
    ],
)
def test_body_text_that_resembles_chrome_is_kept(line):
    other_outlet = dataclasses.replace(METADATA, outlet="The Diplomat")
    clean_text, removed = _clean(line, other_outlet)
    assert clean_text == normalise_line(line)
    assert removed == []


def test_a_rule_needing_an_empty_metadata_field_is_skipped():
    no_author = dataclasses.replace(METADATA, author=None)
    assert not any(name in {"byline", "author_bio"} for name, _ in compile_rules(RULES, no_author))


def test_line_endings_lf_crlf_and_cr_are_all_accepted():
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert _clean("Credit: X\r\n\r\nBody one.\r\rBody two.")[0] == "Body one.\n\nBody two."


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            ["It was in accordance with the", "rulings, he said."],
            ["It was in accordance with the rulings, he said."],
        ),
        (["During a", "Courtesy call, they met."], ["During a Courtesy call, they met."]),
        (["A heading", "Body starts here."], ["A heading", "Body starts here."]),
        (["One ends.", "lowercase start."], ["One ends.", "lowercase start."]),
    ],
)
def test_sentences_broken_across_a_page_break_are_rejoined(paragraphs, expected):
    assert join_broken_paragraphs(paragraphs, compile_rules(RULES, METADATA)) == expected


def test_a_join_that_would_make_chrome_is_not_made():
    # "-" then "a …" would join into "- a …", which the key-point rule would remove, body and all.
    assert _clean("-\n\na sentence carries on.") == ("-\n\na sentence carries on.", [])


def test_chrome_wrapped_over_several_lines_is_removed_line_by_line():
    clean_text, removed = _clean("Recent\nFeatures\n\nThe leaders met.")
    assert clean_text == "The leaders met."
    assert [(line.line_number, line.line, line.rule) for line in removed] == [
        (1, "Recent", "navigation"),
        (2, "Features", "navigation"),
    ]


def _real_clean():
    return clean_articles(load_raw(RAW).articles)


def test_real_articles_lose_only_chrome_and_keep_page_broken_sentences_whole():
    clean, removed = _real_clean()
    text = {article.metadata.article_id: article.clean_text for article in clean}
    ajiss = text["ajiss-seize-the-opportunity"]
    assert "in accordance with the rulings, this would be negatively regarded" in ajiss
    assert "During a courtesy call on President Yoon" in ajiss
    rules_used = {line.rule for line in removed}
    assert {
        "repeated_title",
        "navigation",
        "photo_credit",
        "author_bio",
        "print_edition_note",
    } <= rules_used
    for line in removed:
        assert normalise_line(line.line) not in text[line.article_id], line


def test_no_clean_text_matches_a_rule_anywhere():
    clean, _ = _real_clean()
    for article in clean:
        patterns = compile_rules(RULES, article.metadata)
        for line in article.clean_text.split("\n"):
            for name, pattern in patterns:
                if name not in {"date_line", "series_number"}:
                    assert not pattern.search(line), (article.metadata.article_id, name, line[:80])


def test_clean_text_is_nfc_without_markdown_or_stray_white_space():
    clean, _ = _real_clean()
    for article in clean:
        assert unicodedata.is_normalized("NFC", article.clean_text)
        assert "**" not in article.clean_text and "\n\n\n" not in article.clean_text
        for paragraph in article.clean_text.split("\n\n"):
            assert paragraph == paragraph.strip() and "  " not in paragraph


def test_cleaning_the_real_articles_again_changes_nothing():
    clean, _ = _real_clean()
    for article in clean:
        again, removed = _clean(article.clean_text, article.metadata)
        assert (again, removed) == (article.clean_text, [])


chrome = st.sampled_from(
    [
        "Recent Features",
        "Credit: Depositphotos",
        "Tokyo Report",
        "No. 12",
        "Seoul and Tokyo Mend Ties",
    ]
)
prose = st.text(
    alphabet=st.sampled_from(list("abcdefghij klmnop,.“”’–-\u00a0\t\u0301*#")),
    min_size=1,
    max_size=40,
)
lines = st.lists(st.one_of(chrome, prose, st.just(""), st.just("   ")), max_size=12)


@given(st.text(alphabet=st.sampled_from(list("ab #*_\t\u00a0e\u0301")), max_size=20))
def test_normalise_line_is_idempotent(line):
    assert normalise_line(normalise_line(line)) == normalise_line(line)


@given(lines)
@example(["-", "", "#", "", "a"])
@example(["#", "a"])
@example(["-", "a"])
def test_cleaning_is_idempotent_on_generated_text(generated):
    clean_text, _ = _clean("\n".join(generated))
    again, removed = _clean(clean_text)
    assert again == clean_text
    assert removed == []


@given(lines)
@example(["-", "", "#", "", "a"])
@example(["a", "\u0301"])
def test_every_non_blank_line_is_kept_or_recorded(generated):
    clean_text, removed = _clean("\n".join(generated))
    removed_numbers = {line.line_number for line in removed}
    kept = [line for number, line in enumerate(generated, start=1) if number not in removed_numbers]

    def content(text: str) -> str:
        """What must survive cleaning: everything but white space and Markdown marks."""
        return unicodedata.normalize("NFC", re.sub(r"[\s#*_]", "", text))

    assert content(clean_text) == content("".join(kept))
