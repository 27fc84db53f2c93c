import importlib.util
import json
import math
import re
import string
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.clean import CLASSIFIER_RULE, RULES, clean_text_of
from kjrel_data.line_classifier import (
    CASE_FOLD_EXCEPTIONS,
    CHROME_VOCABULARY,
    FEATURES,
    MODEL_FILE,
    VOCABULARY_PATTERNS,
    LineModel,
    chrome_scores,
    chrome_vocabulary,
    continues_line,
    line_features,
    load_line_model,
    probabilities,
)
from kjrel_data.load import ArticleMetadata

REPO = Path(__file__).resolve().parent.parent
METADATA = ArticleMetadata(
    article_id="example",
    file="articles/example.txt",
    sha256="0" * 64,
    outlet="The Example Times",
    section=None,
    title="Seoul and Tokyo agree to restart talks",
    standfirst=None,
    author=None,
    published_date=None,
    url=None,
    kind="news",
    language="en",
    split="train",
    copyright="-",
)
BODY = [
    "South Korea and Japan agreed on Tuesday to restart regular security talks that were "
    "suspended five years ago, officials in both capitals said.",
    "The talks will cover missile warning data, maritime incidents and the protection of "
    "each other's citizens in a regional crisis, the foreign ministry in Seoul said.",
    "Analysts said the agreement showed how far relations had come since the dispute over "
    "wartime labour rulings and export controls brought ties to a low point in 2019.",
]


def _page(*lines: str) -> str:
    return "\n\n".join(lines)


def test_every_non_blank_line_has_one_value_per_feature_and_blank_lines_none():
    features = line_features(["A line of text here.", "", "Another, shorter one"])
    assert features[1] is None
    assert [len(row) for row in features if row is not None] == [len(FEATURES)] * 2


@given(st.lists(st.text(max_size=40), max_size=12))
def test_any_page_gets_a_probability_for_each_non_blank_line(lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    scores = chrome_scores(load_line_model(), lines)
    assert len(scores) == len(lines)
    for line, score in zip(lines, scores, strict=True):
        assert (score is None) == (not line.split())
        assert score is None or 0.0 <= score <= 1.0


def _walked_probability(model: LineModel, features: list[float]) -> float:
    """The boosted trees' probability, one tree and one node at a time, as they are defined."""
    total = model.initial_log_odds
    for tree in model.trees:
        node = 0
        while tree.left[node] != -1:
            goes_left = features[tree.feature[node]] <= tree.threshold[node]
            node = tree.left[node] if goes_left else tree.right[node]
        total += model.learning_rate * tree.value[node]
    return 1 / (1 + math.exp(-max(min(total, 30.0), -30.0)))


@given(
    st.lists(
        st.lists(
            st.floats(min_value=-5, max_value=12, allow_nan=False),
            min_size=len(FEATURES),
            max_size=len(FEATURES),
        ),
        max_size=6,
    )
)
def test_scoring_lines_together_gives_the_same_floats_as_walking_each_tree(rows):
    model = load_line_model()
    assert probabilities(model, rows) == [_walked_probability(model, row) for row in rows]


def test_scoring_real_lines_together_gives_the_same_floats_as_walking_each_tree():
    model = load_line_model()
    rows = [row for row in line_features(_page(*BODY, "Photo: Yonhap", "Share")) if row]
    assert probabilities(model, rows) == [_walked_probability(model, row) for row in rows]


VOCABULARY_TEXT = st.lists(
    st.sampled_from(
        [
            *(word for words in CHROME_VOCABULARY.values() for word in re.findall(r"\w+", words)),
            "Read More",
            "PHOTO",
            "Yonhap",
            "www.example.com",
            "9 a.m.",
            "© 2026",
            "Ⓒ",
            "\u0130",
            "\u0131",
            "\u017f",
            "K",
            "photoſ",
            "ſign up",
            "lınk",
            "-",
            ".",
            " ",
            "é",
        ]
    ),
    max_size=12,
).map("".join)


@given(VOCABULARY_TEXT)
def test_the_lower_cased_vocabulary_search_finds_what_the_case_insensitive_one_does(text):
    expected = [family for family, pattern in VOCABULARY_PATTERNS.items() if pattern.search(text)]
    assert chrome_vocabulary(text) == expected


def test_only_the_listed_characters_match_the_vocabulary_differently_once_lower_cased():
    # What the lower-cased search relies on: the vocabulary is lower case, and outside
    # CASE_FOLD_EXCEPTIONS lower-casing a character keeps its length, its being a word character,
    # and which of the vocabulary's characters it matches case-insensitively.
    assert all(words == words.lower() for words in CHROME_VOCABULARY.values())
    vocabulary_characters = set(string.ascii_lowercase + string.digits + "©ⓒ")
    differing = set()
    for code_point in range(128, sys.maxunicode + 1):
        character = chr(code_point)
        lower = character.lower()
        if lower == character and character.upper() == character:
            continue
        if len(lower) != 1 or bool(re.match(r"\w", character)) != bool(re.match(r"\w", lower)):
            differing.add(character)
            continue
        for wanted in vocabulary_characters:
            if bool(re.fullmatch(re.escape(wanted), character, re.IGNORECASE)) != (lower == wanted):
                differing.add(character)
    assert differing == {
        character
        for character in map(chr, range(sys.maxunicode + 1))
        if CASE_FOLD_EXCEPTIONS.fullmatch(character)
    }


def test_a_credit_line_under_a_caption_scores_as_chrome_and_body_lines_do_not():
    lines = [*BODY[:2], "Getty Images / Jung Yeon-je", BODY[2]]
    scores = chrome_scores(load_line_model(), _page(*lines).split("\n"))
    filled = [score for score in scores if score is not None]
    assert filled[2] >= load_line_model().threshold
    assert filled[2] > max(filled[0], filled[1], filled[3])


def test_a_hard_wrapped_line_carries_on_to_the_next():
    assert continues_line("the two governments have restored each", "other to", 40)
    assert not continues_line("The talks ended.", "Officials said", 40)


def test_the_classifier_removes_lines_whole_with_its_rule_and_score():
    byline, bio = (
        "Kim Min-ji, Seoul bureau",
        "Kim Min-ji has covered diplomacy in Seoul since 2019.",
    )
    footer = ["Our journalism depends on readers like you", "Terms and conditions apply"]
    text = _page(
        "The Example Times",
        "Seoul and Tokyo agree to restart talks",
        byline,
        BODY[0],
        "Foreign ministers of both countries shake hands before their meeting in Seoul.",
        BODY[1],
        "Sign up to our daily Asia briefing, free in your inbox every weekday morning",
        BODY[2],
        bio,
        *footer,
    )
    clean_text, removed = clean_text_of(text, METADATA, RULES, load_line_model())
    assert all(paragraph in clean_text.split("\n\n") for paragraph in BODY)
    by_classifier = {line.line for line in removed if line.rule == CLASSIFIER_RULE}
    assert {byline, *footer} <= by_classifier
    # A biography in plain prose is a paragraph to the classifier's guard: the rules name bios.
    assert bio in clean_text
    for line in removed:
        assert (line.score is not None) == (line.rule == CLASSIFIER_RULE)
        if line.score is not None:
            assert load_line_model().threshold <= line.score <= 1
            assert (line.char_start, line.char_end) == (0, len(line.line))


def test_a_page_of_a_few_lines_is_left_to_the_rules():
    text = _page("Why?", "Because.", *BODY)
    assert clean_text_of(text, METADATA, RULES, load_line_model()) == clean_text_of(
        text, METADATA, RULES, None
    )


def _cleaner_benchmark():
    spec = importlib.util.spec_from_file_location("cleaner", REPO / "benchmarks" / "cleaner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_is_what_training_on_the_dev_layouts_and_seeds_gives():
    # Deterministic training: the committed weights are reproduced from the data they name.
    cleaner = _cleaner_benchmark()
    shipped = json.loads((REPO / "kjrel_data" / MODEL_FILE).read_text(encoding="utf-8"))
    training = cleaner.read_cases("dev") + cleaner.seed_cases()
    assert shipped["trained_on"] == [case.name for case in training]
    assert shipped["features"] == list(FEATURES)
    retrained = cleaner.train(training)
    assert retrained.threshold == shipped["threshold"]
    assert retrained.initial_log_odds == pytest.approx(shipped["initial_log_odds"], abs=1e-6)
    assert len(retrained.trees) == len(shipped["trees"])
    for tree, stored in zip(retrained.trees, shipped["trees"], strict=True):
        assert (list(tree.feature), list(tree.left), list(tree.right)) == (
            stored["feature"],
            stored["left"],
            stored["right"],
        )
        assert list(tree.threshold) == pytest.approx(stored["threshold"], abs=1e-5)
        assert list(tree.value) == pytest.approx(stored["value"], abs=1e-5)


def test_no_held_out_case_is_trained_on():
    cleaner = _cleaner_benchmark()
    shipped = json.loads((REPO / "kjrel_data" / MODEL_FILE).read_text(encoding="utf-8"))
    held_out = {case.name for case in cleaner.read_cases("heldout")}
    assert held_out and not held_out & set(shipped["trained_on"])


# A wire story of twelve paragraphs (invented), into which the tests below put one line.
STORY = [
    "South Korean and Japanese leaders agreed on Tuesday to resume regular visits between their "
    "capitals, ending a 12-year pause in shuttle diplomacy.",
    "The two leaders met for 90 minutes at the presidential office in Seoul, officials said, and "
    "discussed export controls, the wartime labour dispute and North Korea's missile launches.",
    "The prime minister told reporters after the talks that his heart ached for those who had "
    "suffered under harsh conditions during Japan's colonial rule of the Korean Peninsula.",
    "Critics in Seoul said the remarks fell short of the apology that victims and their families "
    "have long demanded from Tokyo.",
    "The main opposition party, which controls the National Assembly, called the summit a "
    "diplomatic humiliation and vowed to hold hearings on the compensation plan.",
    "Under the plan announced in March, a state-backed foundation will pay damages to plaintiffs "
    "using donations from South Korean companies that benefited from a 1965 treaty.",
    "Business lobbies in both countries have said they will set up a joint fund for scholarships, "
    "though neither has named an amount.",
    "Analysts said the thaw was driven largely by shared concerns about China's growing military "
    "power and by pressure from Washington to mend ties between its two allies.",
    "The three countries are expected to hold a trilateral summit later this year, according to "
    "officials in Seoul and Tokyo.",
    "Public opinion remains divided, with a poll last week showing that 64 percent of respondents "
    "opposed the compensation plan.",
    "North Korea fired a short-range ballistic missile into the sea off its east coast hours "
    "before the visit, South Korea's military said.",
    "The leaders also agreed to restore each other to their lists of trusted trading partners, "
    "reversing curbs imposed in 2019.",
]


@pytest.mark.parametrize(
    "line",
    [
        "Japan and South Korea agreed on Tuesday to restore a military intelligence pact.",
        "Yonhap reported the meeting was cancelled.",
        "Bloomberg News first reported the plan.",
        "Experts from both Seoul and Tokyo contributed to the report.",
        "By registering Dokdo as part of Shimane Prefecture in 1905, Japan asserted a claim.",
        "By signing up to the intelligence pact again, Seoul signalled that security came first.",
        "What do you think Japan wants?",
        "Reactions",
        "Notes",
        "Sources",
        "References",
        "Popular",
        "In other news",
        "Victor Cha is a professor at Georgetown University. He told lawmakers the alliance held.",
        "Kim Jiyoon is a senior fellow at a Seoul institute. She argues that the deal is fragile.",
        "More – and more – South Koreans are visiting Japan, tourism data show.",
        "Watch - the drills will continue through Friday, the ministry said.",
        "Join the two countries' newsletter exchange programme, officials urged students.",
        '"It is a start," said one official.',
        "It did not last.",
        "Japan's foreign ministry declined to comment.",
    ],
)
def test_body_lines_that_resemble_chrome_are_kept_with_the_rest_of_the_story(line):
    page = [*STORY[:5], line, *STORY[5:]]
    clean_text, removed = clean_text_of(_page(*page), METADATA, RULES, load_line_model())
    assert clean_text.split("\n\n") == page, [(item.line, item.rule) for item in removed]


@pytest.mark.parametrize(
    "page",
    [
        [
            "Japan and South Korea agreed on Tuesday to restore a military intelligence pact.",
            *STORY,
        ],
        [*STORY, "Japan's foreign ministry declined to comment."],
        [*STORY, "It did not last."],
        [*STORY[:-1], '"It is a start," said one official.', STORY[-1]],
    ],
)
def test_a_lede_or_closing_line_is_not_taken_for_chrome(page):
    clean_text, removed = clean_text_of(_page(*page), METADATA, RULES, load_line_model())
    assert clean_text.split("\n\n") == page, [(item.line, item.rule) for item in removed]
