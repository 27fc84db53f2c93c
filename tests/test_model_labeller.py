from dataclasses import replace
from functools import cache

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.label_sets import ISSUE, STANCE, STANCE_HOLDER, text_sha256
from kjrel_data.model_labeller import (
    CHOSEN_METHOD,
    FIELDS,
    HOLDER_CUES,
    ISSUE_CUES,
    METHODS,
    PUBLISH_THRESHOLDS,
    STANCE_CUES,
    GoldExample,
    accuracy,
    chosen_thresholds,
    gold_examples,
    keywords,
    leave_one_article_out,
    macro_f1,
    majority,
    publishable,
    published_at,
    tfidf_logistic_regression,
    train_labeller,
    unseen_by_model,
)
from kjrel_data.names import SENTENCES
from kjrel_data.sentence_model import load_sentence_model
from tests.conftest import RAW

from .conftest import built_corpus

EXAMPLES = [
    GoldExample("a", "Seoul and Tokyo must improve ties now.", "favor", "author", "diplomacy"),
    GoldExample("a", "The court ordered the seizure of assets.", "none", "none", "wartime_labor"),
    GoldExample("b", "Japan rejected the plan outright.", "against", "japan", "diplomacy"),
    GoldExample("b", "The talks were held in March.", "none", "none", "diplomacy"),
]


def test_keyword_cues_are_declared_labels():
    assert set(ISSUE_CUES) <= set(ISSUE.names)
    assert set(HOLDER_CUES) <= set(STANCE_HOLDER.names) - {"none"}
    assert set(STANCE_CUES) <= set(STANCE.names) - {"none"}


def test_majority_predicts_the_most_frequent_label_with_its_share():
    prediction = majority(EXAMPLES)(["Anything at all."])[0]
    assert (prediction.stance, prediction.issue) == ("none", "diplomacy")
    assert (prediction.stance_probability, prediction.issue_probability) == (0.5, 0.75)
    # A holder of none is right exactly when the stance none is.
    assert prediction.stance_holder_probability == prediction.stance_probability


def test_keywords_find_issues_and_fall_back_to_the_majority():
    labeller = keywords(EXAMPLES)
    assert labeller(["Forced labor victims were compensated."])[0].issue == "wartime_labor"
    assert labeller(["Nothing to see."])[0].issue == "diplomacy"
    assert labeller(["Tokyo opposes the plan."])[0].stance == "against"


@pytest.fixture(scope="module")
def sentences() -> pa.Table:
    """The sentences of raw/ as the build prepares them, every split in one table."""
    return pa.concat_tables(built_corpus(RAW)[SENTENCES].values())


@cache
def _trained_on_examples(method: str):
    # Training is deterministic (see the test below), so every generated input may share one.
    return METHODS[method](EXAMPLES)


@pytest.mark.parametrize("method", list(METHODS))
@given(st.lists(st.text(max_size=60), max_size=5))
def test_every_method_gives_consistent_labels_for_any_text(method, texts):
    for prediction in _trained_on_examples(method)(texts):
        assert (prediction.stance == "none") == (prediction.stance_holder == "none")
        assert prediction.issues == (prediction.issue,)
        assert all(0 < prediction.probability(field) <= 1 for field in FIELDS)


def test_tfidf_logistic_regression_is_deterministic():
    texts = ["Japan rejected the plan.", "They must improve ties."]
    assert tfidf_logistic_regression(EXAMPLES)(texts) == tfidf_logistic_regression(EXAMPLES)(texts)


def test_leave_one_article_out_never_trains_on_the_held_out_article():
    seen_articles = []

    def recording(examples):
        seen_articles.append({example.article_id for example in examples})
        return majority(examples)

    results = leave_one_article_out(EXAMPLES, recording)
    assert seen_articles == [{"b"}, {"a"}]
    assert [example for example, _ in results] == EXAMPLES


def test_the_chosen_method_has_the_best_mean_leave_one_article_out_macro_f1_on_the_gold(sentences):
    # Fails when the gold labels grow enough for another method to win: then choose again.
    examples = gold_examples(sentences)
    scores = {
        name: {field: macro_f1(leave_one_article_out(examples, method), field) for field in FIELDS}
        for name, method in METHODS.items()
    }
    for field in FIELDS:
        assert scores[CHOSEN_METHOD][field] > scores["majority"][field], field
    means = {name: sum(score.values()) / len(score) for name, score in scores.items()}
    assert means[CHOSEN_METHOD] == max(means.values()), means


def test_calibrated_probabilities_are_shares_right_on_held_out_articles():
    # Article a's cue-word stance is always right, b's never: held out, each is scored by the other.
    examples = [
        GoldExample("a", "They must improve ties.", "favor", "author", "diplomacy"),
        GoldExample("a", "Both sides seek to improve ties.", "favor", "author", "diplomacy"),
        GoldExample("b", "Improve ties? Never.", "against", "japan", "diplomacy"),
        GoldExample("b", "The plan to improve ties was rejected.", "against", "japan", "diplomacy"),
    ]
    prediction = train_labeller(examples)(["We will improve ties."])[0]
    assert prediction.stance == "favor"
    assert 0 <= prediction.stance_probability <= 0.5


def test_a_single_article_gives_no_calibrated_probability_so_nothing_is_published():
    single = [example for example in EXAMPLES if example.article_id == "a"]
    prediction = train_labeller(single)(["Seoul and Tokyo must improve ties."])[0]
    assert all(prediction.probability(field) == 0.0 for field in FIELDS)
    assert not any(publishable(prediction, field) for field in FIELDS)


def test_the_publish_thresholds_are_the_ones_the_gold_labels_choose(sentences):
    # Fails when the gold labels or the labeller change enough to move a threshold: then run
    # benchmarks/labeller.py and ship what it chooses.
    results = leave_one_article_out(gold_examples(sentences), train_labeller)
    assert chosen_thresholds(results) == PUBLISH_THRESHOLDS


def test_a_threshold_is_chosen_only_where_enough_published_labels_reach_the_target():
    example = EXAMPLES[0]
    prediction = keywords(EXAMPLES)([example.text])[0]
    assert prediction.stance == "favor"
    right = replace(
        prediction,
        stance_holder=example.stance_holder,
        stance_probability=0.9,
        stance_holder_probability=0.9,
    )
    wrong = replace(right, stance="against", stance_holder="japan")
    enough = [(example, right)] * 16 + [(example, wrong)] * 4
    assert chosen_thresholds(enough)["stance"] == 0.5
    # A holder is scored only beside a published stance: with no stance threshold, none is chosen.
    assert chosen_thresholds(enough)["stance_holder"] == 0.5
    assert chosen_thresholds(enough[:19]) == {"stance": None, "stance_holder": None, "issue": None}
    assert chosen_thresholds([(example, right)] * 15 + [(example, wrong)] * 5)["stance"] is None


def test_a_threshold_is_chosen_only_where_every_stricter_one_reaches_the_target_too():
    example = EXAMPLES[0]
    prediction = replace(keywords(EXAMPLES)([example.text])[0], stance_holder="author")

    def at(probability: float, right: bool):
        return (
            example,
            replace(
                prediction, stance="favor" if right else "against", stance_probability=probability
            ),
        )

    # From 0.5, 26 of 32 are right; from 0.65, 20 of 26; from 0.8, all 20.
    lucky = [at(0.6, True)] * 6 + [at(0.75, False)] * 6 + [at(0.95, True)] * 20
    assert accuracy(published_at(lucky, "stance", 0.5, {}), "stance") >= 0.8
    assert accuracy(published_at(lucky, "stance", 0.65, {}), "stance") < 0.8
    assert chosen_thresholds(lucky)["stance"] == 0.8


def test_sentences_the_codebook_quotes_neither_calibrate_nor_score_the_shipped_model(sentences):
    quoted = load_sentence_model().quoted_text_sha256
    blind = sentences.filter(
        pa.compute.is_in(sentences["label_source"], pa.array(["adjudicated", "single_blind"]))
    )
    quoted_rows = [text for text in blind["text"].to_pylist() if text_sha256(text) in quoted]
    examples = gold_examples(sentences)
    assert quoted_rows
    assert len(examples) == blind.num_rows - len(quoted_rows)
    assert not {text_sha256(example.text) for example in examples} & quoted
    assert unseen_by_model([GoldExample("a", quoted_rows[0], "none", "none", "none")]) == []
    # Calibrated with or without the quoted sentences, the labeller gives the same probabilities.
    with_quoted = [
        GoldExample(
            row["article_id"], row["text"], row["stance"], row["stance_holder"], row["issue"]
        )
        for row in blind.to_pylist()
    ]
    texts = [example.text for example in with_quoted]
    assert train_labeller(with_quoted)(texts) == train_labeller(examples)(texts)
