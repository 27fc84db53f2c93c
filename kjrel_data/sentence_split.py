"""Stage 3, split: sentences with half-open code-point offsets into each article's clean text."""

import re
import string
from dataclasses import dataclass

from sentencex import get_sentence_boundaries

from kjrel_data.clean import PARAGRAPH_SEPARATOR, CleanArticle

LANGUAGE = "en"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# sentencex ends a segment inside an initialism joined by a hyphen ("Japan-U." | "S. exercises").
INITIALISM_REST = re.compile(r"^(?:[A-Z]\.)+")
# sentencex keeps going after a full stop inside quotation marks, and after a month name ("May."),
# which it takes for an abbreviation. A lowercase word, a number or a month before the stop, and a
# capital after it, mark a boundary it missed.
# Lowercase abbreviations that a capital often follows inside a sentence ("Japan vs. Korea").
ABBREVIATIONS = "vs|al|cf|approx|viz|ca|incl|esp"
MISSED_BOUNDARY = re.compile(
    rf"(?:\b(?!(?:{ABBREVIATIONS})\.)[a-z]{{2,}}|\b\d+|\b(?:{MONTHS}))[.!?](?= [\"“‘']?[A-Z])"
)


@dataclass(frozen=True)
class Sentence:
    sentence_id: str
    article_id: str
    sentence_index: int
    paragraph_index: int
    char_start: int
    char_end: int
    text: str


def split_sentences(clean_articles: list[CleanArticle]) -> list[Sentence]:
    """Every sentence of every article, in article then text order."""
    sentences: list[Sentence] = []
    for article in clean_articles:
        article_id = article.metadata.article_id
        spans = [
            (paragraph_index, paragraph_start + start, paragraph_start + end)
            for paragraph_index, paragraph_start, paragraph in paragraphs_of(article.clean_text)
            for start, end in sentence_spans(paragraph)
        ]
        sentences.extend(
            Sentence(
                sentence_id=sentence_id_of(article_id, index),
                article_id=article_id,
                sentence_index=index,
                paragraph_index=paragraph_index,
                char_start=start,
                char_end=end,
                text=article.clean_text[start:end],
            )
            for index, (paragraph_index, start, end) in enumerate(spans)
        )
    return sentences


def sentence_id_of(article_id: str, sentence_index: int) -> str:
    """The stable id of the n-th sentence (from 0) of an article."""
    return f"{article_id}-{sentence_index:04d}"


def article_id_of(sentence_id: str) -> str:
    """The article id inside a sentence id (the inverse of sentence_id_of)."""
    return sentence_id.rpartition("-")[0]


def paragraphs_of(clean_text: str) -> list[tuple[int, int, str]]:
    """(paragraph index, start offset, text) for each paragraph of a clean text."""
    paragraphs, start = [], 0
    for index, paragraph in enumerate(clean_text.split(PARAGRAPH_SEPARATOR)):
        paragraphs.append((index, start, paragraph))
        start += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    return paragraphs


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """Half-open [start, end) spans of the sentences of one paragraph, white space trimmed."""
    segments = [
        (boundary["start_index"], boundary["end_index"])
        for boundary in get_sentence_boundaries(LANGUAGE, paragraph)
    ]
    spans = split_missed_boundaries(merge_initialisms(segments, paragraph), paragraph)
    trimmed = [span for span in (trim(paragraph, start, end) for start, end in spans) if span]
    return merge_fragments(trimmed, paragraph)


def merge_fragments(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Join each span with no letter or digit (a lone bracket or quote) to the sentence before it."""
    # Or to the one after it, when it comes first. A paragraph of nothing but such spans has no
    # sentence: the cleaner removes those lines before this.
    merged: list[tuple[int, int]] = []
    pending_start = None
    for start, end in spans:
        if not has_word(text[start:end]):
            if merged:
                merged[-1] = (merged[-1][0], end)
            elif pending_start is None:
                pending_start = start
            continue
        merged.append((start if pending_start is None else pending_start, end))
        pending_start = None
    return merged


def has_word(text: str) -> bool:
    """True when the text has a letter or a digit."""
    return any(character.isalnum() for character in text)


def merge_initialisms(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Undo cuts inside an initialism such as "U.S." that sentencex makes after a hyphen."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if (
            merged
            and ends_in_initialism(text, *merged[-1])
            and INITIALISM_REST.match(text[start:end])
        ):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def ends_in_initialism(text: str, start: int, end: int) -> bool:
    """True when text[start:end], white space trimmed, ends in a cut initialism ("Japan-U.")."""
    # A capital and a full stop, after the span's start or a character that is not a letter:
    # the last three characters decide, so a span merged many times over is not read again.
    while end > start and text[end - 1].isspace():
        end -= 1
    return (
        end - start >= 2
        and "A" <= text[end - 2] <= "Z"
        and text[end - 1] == "."
        and (end - 2 == start or text[end - 3] not in string.ascii_letters)
    )


def split_missed_boundaries(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Split spans at sentence ends sentencex passed over (inside quotes, after a month name)."""
    split = []
    for start, end in spans:
        cut = start
        for match in MISSED_BOUNDARY.finditer(text, start, end):
            split.append((cut, match.end()))
            cut = match.end()
        split.append((cut, end))
    return split


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without leading and trailing white space; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
