import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.build import prepare
from kjrel_data.labeller import (
    CHOSEN_METHOD,
    FIELDS,
    HOLDER_CUES,
    ISSUE_CUES,
    METHODS,
    STANCE_CUES,
    GoldExample,
    gold_examples,
    keywords,
    leave_one_article_out,
    macro_f1,
    majority,
    tfidf_logistic_regression,
)
from kjrel_data.labels import ISSUE, STANCE, STANCE_HOLDER
from kjrel_data.tables import SENTENCES
from tests.conftest import RAW

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
    assert prediction.confidence == pytest.approx(0.5 * 0.75)


def test_keywords_find_issues_and_fall_back_to_the_majority():
    labeller = keywords(EXAMPLES)
    assert labeller(["Forced labor victims were compensated."])[0].issue == "wartime_labor"
    assert labeller(["Nothing to see."])[0].issue == "diplomacy"
    assert labeller(["Tokyo opposes the plan."])[0].stance == "against"


@pytest.mark.parametrize("method", list(METHODS.values()))
@given(st.lists(st.text(max_size=60), max_size=5))
def test_every_method_gives_consistent_labels_for_any_text(method, texts):
    for prediction in method(EXAMPLES)(texts):
        assert (prediction.stance == "none") == (prediction.stance_holder == "none")
        assert prediction.issues == (prediction.issue,)
        assert 0 < prediction.confidence <= 1


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


def test_the_chosen_method_is_best_by_leave_one_article_out_macro_f1_on_the_gold_labels():
    # Fails when the gold labels grow enough for another method to win: then choose again.
    sentences = pa.concat_tables(prepare(RAW)[SENTENCES].values())
    examples = gold_examples(sentences)
    scores = {
        name: {field: macro_f1(leave_one_article_out(examples, method), field) for field in FIELDS}
        for name, method in METHODS.items()
    }
    for field in FIELDS:
        assert scores[CHOSEN_METHOD][field] > scores["majority"][field], field
        assert scores[CHOSEN_METHOD][field] == max(score[field] for score in scores.values()), field
