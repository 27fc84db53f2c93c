from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.clean import clean_articles
from kjrel_data.names import ARTICLE_ID_PATTERN
from kjrel_data.sentence_split import (
    article_id_of,
    has_word,
    paragraphs_of,
    sentence_id_of,
    sentence_spans,
    split_sentences,
)

from .conftest import raw_articles

RAW = Path(__file__).resolve().parent.parent / "raw"


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # sentencex cuts "Japan-U." | "S." inside a hyphenated initialism.
        (
            "It is harder than Japan-U.S. and South Korea-U.S. exercises. It helps.",
            ["It is harder than Japan-U.S. and South Korea-U.S. exercises.", "It helps."],
        ),
        (
            "They met at the Japan-U.S. Foreign Ministers’ Meeting.",
            ["They met at the Japan-U.S. Foreign Ministers’ Meeting."],
        ),
        # sentencex takes "May." for an abbreviation.
        (
            "The meeting was held in May. President Moon spoke.",
            ["The meeting was held in May.", "President Moon spoke."],
        ),
        # sentencex does not split inside quotation marks.
        (
            '"It matters this year. The two sides must agree."',
            ['"It matters this year.', 'The two sides must agree."'],
        ),
        # What sentencex already gets right stays right.
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        (
            "The U.S. and Japan agree. Dr. Shin spoke.",
            ["The U.S. and Japan agree.", "Dr. Shin spoke."],
        ),
        ('the world. " On April 26, he spoke.', ['the world. "', "On April 26, he spoke."]),
        ("Why? Because 0.73% is a narrow margin.", ["Why?", "Because 0.73% is a narrow margin."]),
        # Lowercase abbreviations before a capital are not sentence ends.
        (
            "Japan vs. South Korea is close. Kim et al. Argue so.",
            ["Japan vs. South Korea is close.", "Kim et al. Argue so."],
        ),
    ],
)
def test_sentence_spans_fix_what_sentencex_gets_wrong(text, expected):
    assert _sentences(text) == expected


def test_paragraph_offsets_point_into_the_text():
    text = "One. Two.\n\nThree."
    assert paragraphs_of(text) == [(0, 0, "One. Two."), (1, 11, "Three.")]


def test_sentence_ids_are_derived_from_article_and_position():
    assert sentence_id_of("straitstimes-x", 7) == "straitstimes-x-0007"


@given(st.from_regex(ARTICLE_ID_PATTERN, fullmatch=True), st.integers(0, 9999))
def test_the_article_id_comes_back_out_of_a_sentence_id(article_id, index):
    assert article_id_of(sentence_id_of(article_id, index)) == article_id


def test_real_sentences_round_trip_and_are_numbered_in_order():
    clean, _ = clean_articles(raw_articles(RAW))
    sentences = split_sentences(clean)
    texts = {article.metadata.article_id: article.clean_text for article in clean}
    for article_id, clean_text in texts.items():
        own = [s for s in sentences if s.article_id == article_id]
        assert [s.sentence_index for s in own] == list(range(len(own)))
        assert all(clean_text[s.char_start : s.char_end] == s.text for s in own)
        assert len({s.text for s in own}) == len(own), "duplicate sentence text in one article"
    assert not any(s.text.startswith("S. ") for s in sentences)


def test_every_non_blank_character_of_the_real_clean_texts_is_in_exactly_one_sentence():
    clean, _ = clean_articles(raw_articles(RAW))
    sentences = split_sentences(clean)
    for article in clean:
        owners = [0] * len(article.clean_text)
        for sentence in sentences:
            if sentence.article_id == article.metadata.article_id:
                for position in range(sentence.char_start, sentence.char_end):
                    owners[position] += 1
        assert max(owners) == 1, "overlapping sentences"
        uncovered = [
            i for i, c in enumerate(article.clean_text) if not c.isspace() and owners[i] == 0
        ]
        assert uncovered == [], uncovered


words = st.sampled_from(
    [
        "Japan",
        "Seoul",
        "U.S.",
        "Dr.",
        "May.",
        "said",
        "“no.”",
        '"yes."',
        "ties",
        "2021.",
        "Why?",
        "–",
        "e.g.",
        "No.",
    ]
)
paragraph_text = st.lists(words, min_size=1, max_size=30).map(" ".join)
separators = st.sampled_from([" ", "  ", "\n", "\t", " \u00a0"])


@given(st.lists(st.tuples(paragraph_text, separators), min_size=1, max_size=5))
def test_spans_are_ordered_in_bounds_trimmed_and_cover_every_character(parts):
    text = "".join(paragraph + separator for paragraph, separator in parts)
    spans = sentence_spans(text)
    previous_end = 0
    covered = set()
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered.update(range(start, end))
        previous_end = end
    # A paragraph with no letter or digit has no sentence; otherwise every character is in one.
    if has_word(text):
        assert {i for i, character in enumerate(text) if not character.isspace()} <= covered
    else:
        assert spans == []
