"""A chrome-line classifier: gradient-boosted trees over features of a raw line and its neighbours.

The cleaner's rules name the chrome they know; this model scores every other line for how much it
reads like chrome (captions, credits, bylines, boxes, lists, footers), the way jusText scores
paragraphs by length, stopwords and context. Its trees are data (line_classifier.json), trained
deterministically by `python benchmarks/cleaner.py --train` on the dev layouts and the seeds;
nothing is downloaded or trained at build time.
"""

import json
import math
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

MODEL_FILE = "line_classifier.json"
# Words that make up a quarter to half of running English prose and little of chrome.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "against",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "during",
        "each",
        "even",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "more",
        "most",
        "much",
        "must",
        "no",
        "not",
        "now",
        "of",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "said",
        "same",
        "she",
        "should",
        "since",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
# Vocabulary of the chrome families: each family is one feature, true when a line has a word of it.
CHROME_VOCABULARY = {
    "credit": r"photos?|credits?|images?|getty|afp|reuters|yonhap|kyodo|jiji|xinhua|epa|courtesy|"
    r"pool|file|illustration|graphic|source|captions?",
    "link": r"read (?:more|next|also)|related|recommended|more (?:from|on|about)|see also|trending|"
    r"most (?:read|popular|viewed)|https?|www|\.com|\.org|click|watch|listen|podcast|video|gallery",
    "account": r"subscribe[rds]*|subscription|sign (?:up|in)|log ?in|newsletters?|inbox|e-?mail|"
    r"privacy|terms|unsubscribe|account|app|download|premium|offer|free trial|register",
    # Words of share and comment controls; "report", "save" and "print" are as common in the body.
    "social": r"share|tweet|facebook|twitter|linkedin|whatsapp|follow|likes?|comments?|repl(?:y|ies)|"
    r"votes?|points|upvotes?|responses?|claps?|bookmark",
    "stamp": r"ago|updated|published|posted|min(?:ute)?s? read|[ap]\.?m\.?|gmt|kst|jst|utc|est|edt|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|jun|jul|aug|sep|"
    r"sept|oct|nov|dec|january|february|march|april|may|june|july|august|september|october|"
    r"november|december",
    "rights": r"©|ⓒ|copyright|all rights reserved|reproduction|permission|disclaimer|views expressed",
    "person": r"correspondent|reporter|editor|writer|columnist|contributor|fellow|professor|"
    r"author|staff|bureau|reporting|editing|contributed|by",
    "document": r"page|pp?\.|vol\.?|no\.|ibid|et al|doi|isbn|pdf|figure|table|box|endnotes?|"
    r"footnotes?|references|contents|appendix|abstract|keywords",
}
VOCABULARY_PATTERNS = {
    family: re.compile(rf"(?<![\w])(?:{words})(?![\w])", re.IGNORECASE)
    for family, words in CHROME_VOCABULARY.items()
}
# The same, for a lower-cased line: about twice as fast, and the same matches (the vocabulary is
# lower case) unless the line has a character whose lower case is longer, or that matches an
# ASCII letter only case-insensitively (dotted and dotless i, long s): such a line is searched
# with VOCABULARY_PATTERNS.
LOWER_CASE_VOCABULARY_PATTERNS = {
    family: re.compile(rf"(?<![\w])(?:{words})(?![\w])")
    for family, words in CHROME_VOCABULARY.items()
}
CASE_FOLD_EXCEPTIONS = re.compile("[\u0130\u0131\u017f]")
WORD = re.compile(r"[^\W\d_][\w'’.-]*")
FIRST = operator.itemgetter(0)
STRIP_PUNCTUATION = operator.methodcaller("strip", ".,;:!?\"'’”")
# What may follow a sentence's stop: closing quotes and brackets. Declared here, where the cleaner
# (kjrel_data/clean.py) imports it from.
SENTENCE_CLOSERS = "\"'”’)]"
SENTENCE_END = re.compile(rf"[.!?…][{re.escape(SENTENCE_CLOSERS)}]*$")
# An interview's turn: a speaker's label, then what they said, ending a sentence.
SPEAKER_TURN = re.compile(r"^(?:Q|A|[A-Z][\w’'-]+)\s?:\s+\S.*[.!?…][\"'”’)\]]*$")
# A line at least this share of the page's wrap width that ends no sentence runs on to the next.
WRAPPED_SHARE = 0.7
# Lines are told apart from their neighbours over this many non-blank lines on each side.
CONTEXT_LINES = 2
# Lines scored together: numpy walks every tree for all of them at once, and a page of many short
# lines still never holds more than this many lines' features.
LINES_SCORED_AT_ONCE = 4096
FEATURES = (
    "words_log",
    "characters_log",
    "ends_sentence",
    "ends_with_comma_or_hyphen",
    "starts_lowercase",
    "starts_with_digit",
    "starts_with_bullet",
    "capitalised_share",
    "uppercase_share",
    "stopword_share",
    "digit_share",
    "punctuation_share",
    "has_separator",
    "has_colon_early",
    "speaker_turn",
    "parenthetical",
    "repeated",
    "blank_before",
    "blank_after",
    "block_words_log",
    "position",
    "before_body",
    "after_body",
    "prose_nearby",
    "prose_before",
    "prose_after",
    "chain_words_log",
    "chain_prose",
    "short_between_prose",
    "continues_previous",
    "continued_by_next",
    "length_to_typical",
    "typical_length_log",
    "wrapped_page_share",
    "previous_words_log",
    "previous_ends_sentence",
    "previous_chrome_words",
    "next_words_log",
    "next_ends_sentence",
    "next_chrome_words",
    "chrome_words",
    *(f"vocabulary_{family}" for family in CHROME_VOCABULARY),
)


@dataclass(frozen=True)
class Tree:
    """One regression tree of the boosted model, as parallel arrays over its nodes (leaves: left -1)."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]


@dataclass(frozen=True)
class LineModel:
    """Gradient-boosted trees: a starting log-odds, trees scaled by the learning rate, a threshold."""

    initial_log_odds: float
    learning_rate: float
    trees: tuple[Tree, ...]
    threshold: float


@cache
def load_line_model() -> LineModel:
    """The model shipped with the package."""
    text = resources.files("kjrel_data").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return model_from_json(json.loads(text))


def model_from_json(data: dict) -> LineModel:
    """A LineModel from its JSON form (as benchmarks/cleaner.py --train writes it)."""
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{MODEL_FILE} was trained on other features; retrain it")
    return LineModel(
        initial_log_odds=data["initial_log_odds"],
        learning_rate=data["learning_rate"],
        trees=tuple(
            Tree(**{name: tuple(values) for name, values in tree.items()}) for tree in data["trees"]
        ),
        threshold=data["threshold"],
    )


@dataclass(frozen=True)
class _Forest:
    """A LineModel's trees as flat arrays over all their nodes, for scoring many lines at once."""

    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int


@cache
def _forest(model: LineModel) -> _Forest:
    roots: list[int] = []
    feature: list[int] = []
    left: list[int] = []
    right: list[int] = []
    threshold: list[float] = []
    value: list[float] = []
    depth = 0
    for tree in model.trees:
        offset = len(feature)
        roots.append(offset)
        leaf = [child == -1 for child in tree.left]
        # A leaf's own index as its children: walking on from a leaf stays there.
        left += [offset + (node if leaf[node] else child) for node, child in enumerate(tree.left)]
        right += [offset + (node if leaf[node] else child) for node, child in enumerate(tree.right)]
        feature += [0 if leaf[node] else index for node, index in enumerate(tree.feature)]
        threshold += tree.threshold
        value += tree.value
        depth = max(depth, _depth(tree))
    return _Forest(
        roots=np.asarray(roots, dtype=np.int64),
        feature=np.asarray(feature, dtype=np.int64),
        threshold=np.asarray(threshold, dtype=np.float64),
        left=np.asarray(left, dtype=np.int64),
        right=np.asarray(right, dtype=np.int64),
        value=np.asarray(value, dtype=np.float64),
        depth=depth,
    )


def _depth(tree: Tree) -> int:
    deepest, level = 0, [(0, 0)]
    while level:
        node, depth = level.pop()
        deepest = max(deepest, depth)
        if tree.left[node] != -1:
            level += [(tree.left[node], depth + 1), (tree.right[node], depth + 1)]
    return deepest


def chrome_scores(model: LineModel, lines: list[str]) -> list[float | None]:
    """Each line's probability of being chrome (None for blank lines), shared within a paragraph."""
    scores: list[float | None] = [None] * len(lines)
    numbers: list[int] = []
    rows: list[list[float]] = []
    for number, row in _feature_rows(lines):
        numbers.append(number)
        rows.append(row)
        if len(rows) == LINES_SCORED_AT_ONCE:
            for scored, score in zip(numbers, probabilities(model, rows), strict=True):
                scores[scored] = score
            numbers, rows = [], []
    for scored, score in zip(numbers, probabilities(model, rows), strict=True):
        scores[scored] = score
    # The lines of one hard-wrapped paragraph are kept or dropped together, as jusText smooths
    # over neighbours: each gets the paragraph's mean.
    texts = [" ".join(line.split()) for line in lines]
    filled = [number for number, text in enumerate(texts) if text]
    typical = _typical_length([texts[number] for number in filled]) if filled else 80.0
    for chain in _chain_members(texts, filled, typical):
        if len(chain) > 1:
            mean = sum(scores[number] or 0.0 for number in chain) / len(chain)
            for number in chain:
                scores[number] = mean
    return scores


def probabilities(model: LineModel, rows: list[list[float]]) -> list[float]:
    """The model's probability that each line, given its features, is chrome."""
    if not rows:
        return []
    forest = _forest(model)
    features = np.asarray(rows, dtype=np.float64)
    nodes = np.tile(forest.roots, (len(rows), 1))
    line = np.arange(len(rows))[:, np.newaxis]
    for _ in range(forest.depth):
        goes_left = features[line, forest.feature[nodes]] <= forest.threshold[nodes]
        nodes = np.where(goes_left, forest.left[nodes], forest.right[nodes])
    # The trees' contributions added one after another, in order (a cumulative sum is
    # sequential), so the totals are the same floats as a loop over the trees gives.
    steps = np.concatenate(
        [
            np.full((len(rows), 1), model.initial_log_odds),
            model.learning_rate * forest.value[nodes],
        ],
        axis=1,
    )
    totals = np.cumsum(steps, axis=1)[:, -1].tolist()
    return [1 / (1 + math.exp(-max(min(total, 30.0), -30.0))) for total in totals]


def line_features(lines: list[str]) -> list[list[float] | None]:
    """The FEATURES of each normalised line of a page, None for blank lines."""
    features: list[list[float] | None] = [None] * len(lines)
    for number, row in _feature_rows(lines):
        features[number] = row
    return features


def _feature_rows(lines: list[str]) -> Iterator[tuple[int, list[float]]]:
    """(line index, FEATURES) of each non-blank line, one at a time: a page of many short lines
    is scored without holding every line's features at once."""
    texts = [" ".join(line.split()) for line in lines]
    filled = [number for number, text in enumerate(texts) if text]
    if not filled:
        return
    typical = _typical_length([texts[number] for number in filled])
    chains = _chains(texts, filled, typical)
    prose = {number: chains[number][1] for number in filled}
    prose_numbers = [number for number in filled if prose[number]]
    body_start = prose_numbers[0] if prose_numbers else len(texts)
    body_end = prose_numbers[-1] if prose_numbers else -1
    counts: dict[str, int] = {}
    for number in filled:
        counts[texts[number]] = counts.get(texts[number], 0) + 1
    block_words = _block_words(texts)
    index_of = {number: index for index, number in enumerate(filled)}
    # How much of the page is hard-wrapped: its lines' features mean different things there.
    wrapped_share = sum(
        continues_line(texts[filled[index]], texts[filled[index + 1]], typical)
        for index in range(len(filled) - 1)
    ) / len(filled)
    # Each line's chrome families as bits: searched once, kept as one small int per line.
    vocabulary = {number: _vocabulary_bits(texts[number]) for number in filled}
    for number in filled:
        text = texts[number]
        index = index_of[number]
        previous = texts[filled[index - 1]] if index > 0 else ""
        following = texts[filled[index + 1]] if index + 1 < len(filled) else ""
        before = filled[max(index - CONTEXT_LINES, 0) : index]
        after = filled[index + 1 : index + 1 + CONTEXT_LINES]
        nearby = before + after
        prose_before = any(prose[other] for other in before)
        prose_after = any(prose[other] for other in after)
        yield (
            number,
            [
                *text_features(text),
                float(counts[text] > 1),
                float(number == 0 or not texts[number - 1]),
                float(number + 1 == len(texts) or not texts[number + 1]),
                math.log1p(block_words[number]),
                number / max(len(texts) - 1, 1),
                float(number < body_start),
                float(number > body_end),
                sum(prose[other] for other in nearby) / max(len(nearby), 1),
                float(prose_before),
                float(prose_after),
                math.log1p(chains[number][0]),
                float(prose[number]),
                float(
                    len(text.split()) <= 8 and prose_before and prose_after and not prose[number]
                ),
                float(bool(previous) and continues_line(previous, text, typical)),
                float(bool(following) and continues_line(text, following, typical)),
                min(len(text) / typical, 3.0),
                math.log(typical),
                wrapped_share,
                math.log1p(len(previous.split())),
                float(SENTENCE_END.search(previous) is not None),
                float(vocabulary[filled[index - 1]].bit_count()) if index > 0 else 0.0,
                math.log1p(len(following.split())),
                float(SENTENCE_END.search(following) is not None),
                float(vocabulary[filled[index + 1]].bit_count())
                if index + 1 < len(filled)
                else 0.0,
                float(vocabulary[number].bit_count()),
                *(float(vocabulary[number] >> bit & 1) for bit in range(len(VOCABULARY_PATTERNS))),
            ],
        )


def text_features(text: str) -> list[float]:
    """The features of a line's own text, from words_log to parenthetical."""
    words = text.split()
    letter_words = WORD.findall(text)
    characters = max(len(text), 1)
    return [
        math.log1p(len(words)),
        math.log1p(len(text)),
        float(SENTENCE_END.search(text) is not None),
        float(text[-1] in ",-–—;:"),
        float(text[0].islower()),
        float(text[0].isdigit()),
        float(text[0] in "-•*–·▪●"),
        # Counted by map, in C: a line of prose has hundreds of words.
        sum(map(str.isupper, map(FIRST, letter_words))) / max(len(letter_words), 1),
        sum(map(str.isupper, [word for word in letter_words if len(word) > 1]))
        / max(len(letter_words), 1),
        sum(map(STOPWORDS.__contains__, map(STRIP_PUNCTUATION, map(str.lower, words))))
        / max(len(words), 1),
        sum(map(str.isdigit, text)) / characters,
        # No character is both alphanumeric and white space.
        (len(text) - sum(map(str.isalnum, text)) - sum(map(str.isspace, text))) / characters,
        float(any(mark in text for mark in ("|", "·", "•", " / ", "›", "»"))),
        float(":" in text[:25]),
        float(SPEAKER_TURN.match(text) is not None),
        float(text[0] in "([" and text[-1] in ")]"),
    ]


def is_prose_line(text: str) -> bool:
    """A line of eight words or more that ends a sentence, or a long line of running words."""
    words = text.split()
    return (len(words) >= 8 and SENTENCE_END.search(text) is not None) or len(words) >= 20


def continues_line(previous: str, text: str, typical: float) -> bool:
    """True when `text` reads as the rest of `previous` (a hard-wrapped or hyphen-broken line)."""
    return SENTENCE_END.search(previous) is None and (
        text[0].islower()
        or previous[-1] in ",-–"
        or previous.split()[-1].lower() in STOPWORDS
        or len(previous) >= WRAPPED_SHARE * typical
    )


def _chain_members(texts: list[str], filled: list[int], typical: float) -> list[list[int]]:
    """The page's chains: paragraphs as written, one long line or the lines of a hard-wrapped one."""
    chains: list[list[int]] = []
    for number in filled:
        if (
            chains
            and number == chains[-1][-1] + 1
            and continues_line(texts[chains[-1][-1]], texts[number], typical)
        ):
            chains[-1].append(number)
        else:
            chains.append([number])
    return chains


def _chains(texts: list[str], filled: list[int], typical: float) -> dict[int, tuple[int, bool]]:
    """For each line, the words of its chain and whether the chain is prose."""
    result: dict[int, tuple[int, bool]] = {}
    for chain in _chain_members(texts, filled, typical):
        joined = " ".join(texts[member] for member in chain)
        words = len(joined.split())
        prose = is_prose_line(joined) or (len(chain) >= 2 and words >= 15)
        for member in chain:
            result[member] = (words, prose)
    return result


def _vocabulary_bits(text: str) -> int:
    return sum(1 << bit for bit, found in enumerate(_vocabulary_found(text)) if found)


def chrome_vocabulary(text: str) -> list[str]:
    """The chrome families whose words the text has."""
    return [
        family
        for family, found in zip(CHROME_VOCABULARY, _vocabulary_found(text), strict=True)
        if found
    ]


def _vocabulary_found(text: str) -> list[bool]:
    if CASE_FOLD_EXCEPTIONS.search(text):
        return [pattern.search(text) is not None for pattern in VOCABULARY_PATTERNS.values()]
    lowered = text.lower()
    return [
        pattern.search(lowered) is not None for pattern in LOWER_CASE_VOCABULARY_PATTERNS.values()
    ]


def _block_words(texts: list[str]) -> list[int]:
    """For each line, the words in its block of consecutive non-blank lines."""
    totals = [0] * len(texts)
    start = 0
    for end in range(len(texts) + 1):
        if end == len(texts) or not texts[end]:
            words = sum(len(texts[number].split()) for number in range(start, end))
            for number in range(start, end):
                totals[number] = words
            start = end + 1
    return totals


def _typical_length(texts: list[str]) -> float:
    """The median length of the page's longer lines: a wrapped page's line width, or a paragraph's."""
    lengths = sorted(len(text) for text in texts if len(text.split()) >= 5) or [80]
    return max(float(lengths[len(lengths) // 2]), 20.0)
