import hashlib
import importlib.util
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from kjrel_data.model_labeller import GoldExample
from kjrel_data.sentence_model import (
    MODEL_FILE,
    NGRAMS,
    TOKEN,
    field_scores,
    load_sentence_model,
    model_from_json,
    terms_of,
)

from .conftest import RAW, REPO

_spec = importlib.util.spec_from_file_location(
    "labeller_benchmark", REPO / "benchmarks" / "labeller.py"
)
assert _spec is not None and _spec.loader is not None
benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark)

EXAMPLES = [
    GoldExample("a", "Seoul and Tokyo must mend ties now.", "favor", "author", "diplomacy"),
    GoldExample(
        "a", "The court ordered the seizure of company assets.", "none", "none", "wartime_labor"
    ),
    GoldExample(
        "a", "Tokyo rejected the plan and cancelled the talks.", "against", "japan", "diplomacy"
    ),
    GoldExample("a", "Seoul wants a summit to restore trust.", "favor", "south_korea", "diplomacy"),
    GoldExample("b", "Export controls on chip materials were lifted.", "favor", "japan", "trade"),
    GoldExample("b", "The talks were held in March in Seoul.", "none", "none", "diplomacy"),
    GoldExample(
        "b", "Plaintiffs refused the foundation's payments.", "against", "other", "wartime_labor"
    ),
    GoldExample("b", "Trade between the two fell last year.", "none", "none", "trade"),
]
TRAINED_ON = {"sentences": len(EXAMPLES), "codebook_quoted_sentences": []}
TEXTS = [
    "Tokyo and Seoul agreed to restore trust.",
    "The court ruled on assets; the plaintiffs refused.",
    "Nothing here is known to the model.",
    "",
]


def _fitted_probabilities(field: str, examples: list[GoldExample], texts: list[str]):
    # What scikit-learn itself gives, fitted as benchmarks/labeller.py fits the stored model.
    rows = [example for example in examples if field != "stance_holder" or example.stance != "none"]
    vectorizer = TfidfVectorizer(
        ngram_range=NGRAMS,
        token_pattern=TOKEN.pattern,
        sublinear_tf=True,
        min_df=benchmark.MIN_SENTENCES_PER_TERM,
    )
    matrix = vectorizer.fit_transform([example.text for example in examples])
    regression = LogisticRegression(
        C=benchmark.INVERSE_REGULARISATION, class_weight="balanced", max_iter=5000
    )
    keep = [index for index, example in enumerate(examples) if example in rows]
    regression.fit(matrix[keep], [getattr(example, field) for example in rows])
    return list(regression.classes_), regression.predict_proba(vectorizer.transform(texts))


@pytest.mark.parametrize("field", ["stance", "stance_holder", "issue"])
def test_the_stored_model_gives_the_fitted_models_probabilities(field):
    model = model_from_json(benchmark.train_sentence_model(EXAMPLES, TRAINED_ON))
    classes, expected = _fitted_probabilities(field, EXAMPLES, TEXTS)
    stored = field_scores(model, TEXTS)[field]
    assert list(model.fields[field].classes) == classes
    got = np.array([[scores[name] for name in classes] for scores in stored])
    assert got == pytest.approx(expected, abs=1e-3)


def test_two_classes_are_stored_as_softmax_weights_that_give_the_same_probabilities():
    two = [example for example in EXAMPLES if example.stance != "against"]
    model = model_from_json(benchmark.train_sentence_model(two, TRAINED_ON))
    classes, expected = _fitted_probabilities("stance", two, TEXTS)
    assert classes == ["favor", "none"]
    got = np.array(
        [[scores[name] for name in classes] for scores in field_scores(model, TEXTS)["stance"]]
    )
    assert got == pytest.approx(expected, abs=1e-3)


@given(st.text(alphabet=st.sampled_from("ab Ü_9.'-\n"), max_size=40))
def test_terms_are_what_scikit_learns_word_analyzer_gives(text):
    analyzer = TfidfVectorizer(ngram_range=NGRAMS, token_pattern=TOKEN.pattern).build_analyzer()
    assert terms_of(text) == analyzer(text)


def _broken(data: dict, field: str, key: str, value) -> dict:
    return {**data, "fields": {**data["fields"], field: {**data["fields"][field], key: value}}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: {**data, "ngrams": [1, 3]}, "other features"),
        (lambda data: {**data, "terms": [*data["terms"], data["terms"][0]]}, "distinct"),
        (lambda data: {**data, "idf": data["idf"][:-1]}, "idf: shape"),
        (lambda data: {**data, "idf": [0.0, *data["idf"][1:]]}, "not positive"),
        (lambda data: {**data, "idf": [float("nan"), *data["idf"][1:]]}, "not finite"),
        (lambda data: {k: v for k, v in data.items() if k != "terms"}, "no 'terms'"),
        (lambda data: {**data, "fields": {}}, "fields are not"),
        (lambda data: _broken(data, "stance", "classes", ["favor", "none", "maybe"]), "classes"),
        (lambda data: _broken(data, "stance", "classes", ["none", "none", "favor"]), "classes"),
        (lambda data: _broken(data, "issue", "intercepts", [0.0]), "intercepts: shape"),
        (
            lambda data: _broken(
                data,
                "stance",
                "coefficients",
                [[float("inf"), *row[1:]] for row in data["fields"]["stance"]["coefficients"]],
            ),
            "not finite",
        ),
        (lambda data: {**data, "trained_on": {"sentences": 1}}, "codebook_quoted_sentences"),
        (
            lambda data: {
                **data,
                "trained_on": {
                    **TRAINED_ON,
                    "codebook_quoted_sentences": [{"sentence_id": "a-0000", "text_sha256": "x"}],
                },
            },
            "64 hex",
        ),
        (lambda data: {**data, "trained_on": []}, "sentence model"),
        (
            lambda data: {**data, "trained_on": {**TRAINED_ON, "codebook_quoted_sentences": {}}},
            "list of quoted sentences",
        ),
        (lambda data: {**data, "terms": "ab"}, "a list of distinct strings"),
        (lambda data: {**data, "idf": [str(value) for value in data["idf"]]}, "not all numbers"),
        (lambda data: {**data, "idf": [10**400, *data["idf"][1:]]}, "not all numbers"),
        (lambda data: {**data, "idf": [1e300, *data["idf"][1:]]}, "not below"),
    ],
)
def test_a_malformed_or_foreign_model_is_refused_saying_what_is_wrong(change, message):
    data = benchmark.train_sentence_model(EXAMPLES, TRAINED_ON)
    model_from_json(data)
    with pytest.raises(ValueError, match=message) as error:
        model_from_json(change(json.loads(json.dumps(data))))
    assert "benchmarks/labeller.py --train" in str(error.value)


def test_the_shipped_model_names_the_invented_sentences_it_was_fitted_on():
    # Fails when the training sentences change without `benchmarks/labeller.py --train`.
    trained_on = load_sentence_model().trained_on
    path = REPO / trained_on["file"]
    assert trained_on["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert trained_on["sentences"] == len(benchmark.invented_sentences())


def test_the_shipped_model_names_every_annotated_sentence_the_codebooks_quote():
    # Fails when a codebook quotes another annotated sentence without a refit: the model's writers
    # may have read it, so it must stay out of calibration and scoring.
    quoted = load_sentence_model().trained_on["codebook_quoted_sentences"]
    assert quoted == benchmark.codebook_quoted_sentences(RAW)
    assert quoted
    assert load_sentence_model().quoted_text_sha256 == {item["text_sha256"] for item in quoted}


@pytest.mark.slow
def test_the_shipped_model_is_what_fitting_on_the_invented_sentences_gives():
    shipped = json.loads((REPO / "kjrel_data" / MODEL_FILE).read_text(encoding="utf-8"))
    examples, trained_on = benchmark.invented_training()
    refitted = benchmark.train_sentence_model(examples, trained_on)
    assert refitted["terms"] == shipped["terms"]
    assert refitted["idf"] == pytest.approx(shipped["idf"], abs=1e-3)
    for field, weights in shipped["fields"].items():
        assert refitted["fields"][field]["classes"] == weights["classes"]
        assert np.asarray(refitted["fields"][field]["coefficients"]) == pytest.approx(
            np.asarray(weights["coefficients"]), abs=1e-3
        )
