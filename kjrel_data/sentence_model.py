"""The labeller's sentence classifier, stored as data: its weights are in sentence_model.json.

TF-IDF of lower-cased word unigrams and bigrams, then one multinomial logistic regression per label
field. `python benchmarks/labeller.py --train` fits it with scikit-learn on the invented training
sentences (benchmarks/labelling_data/, never corpus text) and writes the JSON; here it is applied
as scikit-learn's TfidfVectorizer and LogisticRegression.predict_proba would (tests check that), so
a build neither trains it nor depends on the library's version for it.
"""

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from scipy import sparse

from kjrel_data.label_sets import ISSUE, STANCE, STANCE_HOLDER

MODEL_FILE = "sentence_model.json"
# scikit-learn's default token pattern: runs of two or more word characters.
TOKEN = re.compile(r"(?u)\b\w\w+\b")
# Unigrams and bigrams, as terms_of gives them.
NGRAMS = (1, 2)
LABEL_NAMES = {
    label_set.field: set(label_set.names) for label_set in (STANCE, STANCE_HOLDER, ISSUE)
}
HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_WEIGHT = 1e6


@dataclass(frozen=True)
class FieldWeights:
    classes: tuple[str, ...]
    intercepts: np.ndarray
    # One row per class, one column per term.
    coefficients: np.ndarray


@dataclass(frozen=True)
class SentenceModel:
    terms: dict[str, int]
    idf: np.ndarray
    fields: dict[str, FieldWeights]
    # What it was trained on (file, sha256, sentences, codebook_quoted_sentences), as the JSON has it.
    trained_on: dict
    # The text sha256 of the corpus sentences a codebook quotes (its training sentences' writers read
    # the codebook): the model may echo them, so they neither calibrate nor score it.
    quoted_text_sha256: frozenset[str]


@cache
def load_sentence_model() -> SentenceModel:
    """The model shipped with the package."""
    text = resources.files("kjrel_data").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _refused(f"not JSON: {error}") from None
    return model_from_json(data)


def model_from_json(data: dict) -> SentenceModel:
    """A SentenceModel from its JSON form (as benchmarks/labeller.py --train writes it), checked."""
    try:
        return _checked_model(data)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as error:
        raise _refused(
            f"no {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
        ) from None


def _refused(detail: str) -> ValueError:
    return ValueError(
        f"{MODEL_FILE} is not a sentence model this version reads ({detail}); refit it with "
        "`python benchmarks/labeller.py --train` or reinstall the package"
    )


def _checked_model(data: dict) -> SentenceModel:
    if tuple(data["ngrams"]) != NGRAMS or data["token_pattern"] != TOKEN.pattern:
        raise ValueError("it was trained on other features")
    terms = data["terms"]
    if (
        not isinstance(terms, list)
        or not all(isinstance(term, str) for term in terms)
        or len(set(terms)) != len(terms)
    ):
        raise ValueError("its terms are not a list of distinct strings")
    idf = _weights(data["idf"], (len(terms),), "idf")
    if not (idf > 0).all():
        raise ValueError("an idf weight is not positive")
    if set(data["fields"]) != set(LABEL_NAMES):
        raise ValueError(f"its fields are not {', '.join(LABEL_NAMES)}")
    fields = {}
    for field, weights in data["fields"].items():
        classes = tuple(weights["classes"])
        if not classes or len(set(classes)) != len(classes) or set(classes) - LABEL_NAMES[field]:
            raise ValueError(f"{field}'s classes are not distinct labels of {field}")
        fields[field] = FieldWeights(
            classes=classes,
            intercepts=_weights(weights["intercepts"], (len(classes),), f"{field}'s intercepts"),
            coefficients=_weights(
                weights["coefficients"], (len(classes), len(terms)), f"{field}'s coefficients"
            ),
        )
    trained_on = data["trained_on"]
    quoted = trained_on["codebook_quoted_sentences"]
    if not isinstance(trained_on["sentences"], int) or not isinstance(quoted, list):
        raise ValueError("trained_on needs a count of sentences and a list of quoted sentences")
    if not all(
        isinstance(item["sentence_id"], str) and HEX_SHA256.fullmatch(item["text_sha256"])
        for item in quoted
    ):
        raise ValueError("a quoted sentence needs a sentence_id and a text_sha256 of 64 hex digits")
    return SentenceModel(
        terms={term: index for index, term in enumerate(terms)},
        idf=idf,
        fields=fields,
        trained_on=trained_on,
        quoted_text_sha256=frozenset(item["text_sha256"] for item in quoted),
    )


def _weights(values: list, shape: tuple[int, ...], name: str) -> np.ndarray:
    given = np.asarray(values)
    # Only numbers: numpy would read "1.0" or true as a weight.
    if given.dtype.kind not in "iuf":
        raise ValueError(f"{name}: not all numbers")
    array = given.astype(np.float64)
    if array.shape != shape:
        raise ValueError(f"{name}: shape {array.shape}, not {shape}")
    # Larger weights would overflow the logits and give every label the same probability, or NaN.
    if not (np.abs(array) < MAX_WEIGHT).all():
        raise ValueError(f"{name}: a value is not finite or not below {MAX_WEIGHT:g} in size")
    return array


def terms_of(text: str) -> list[str]:
    """The text's unigrams and bigrams, lower-cased, as scikit-learn's word analyzer gives them."""
    tokens = TOKEN.findall(text.lower())
    return [*tokens, *map(" ".join, itertools.pairwise(tokens))]


def features(model: SentenceModel, texts: Sequence[str]) -> sparse.csr_matrix:
    """Sublinear TF-IDF rows, L2-normalised, over the model's terms (unknown terms ignored)."""
    indptr, indices, values = [0], [], []
    term_index = model.terms.get
    # Python floats: arithmetic on numpy scalars one at a time is several times slower, and the
    # same IEEE operations give the same values.
    idf = model.idf.tolist()
    for text in texts:
        # Unknown terms count under None, which is left out.
        counts = Counter(map(term_index, terms_of(text)))
        row = {
            index: (1.0 + math.log(count)) * idf[index]
            for index, count in counts.items()
            if index is not None
        }
        norm = math.sqrt(sum(value * value for value in row.values()))
        for index in sorted(row):
            indices.append(index)
            values.append(row[index] / norm)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(texts), len(model.terms)),
    )


def field_scores(model: SentenceModel, texts: Sequence[str]) -> dict[str, list[dict[str, float]]]:
    """Per field, each text's probability of each label, as a dict by label name."""
    if not texts:
        return {field: [] for field in model.fields}
    # One TF-IDF matrix serves every field: building it is most of the work.
    rows = features(model, texts)
    scores = {}
    for field, weights in model.fields.items():
        logits = rows @ weights.coefficients.T + weights.intercepts
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        scores[field] = [
            dict(zip(weights.classes, row.tolist(), strict=True)) for row in probabilities
        ]
    return scores
