"""Compare the automatic labellers, train the shipped one, and choose where to publish its labels.

Each method labels every annotated article of raw/ after training on the other articles only
(leave one article out) and, trained on all of them, the invented evaluation set
(benchmarks/labelling_data/invented_articles/: articles written for testing, never corpus text);
macro-F1 is computed per field. The invented training sentences (benchmarks/labelling_data/
invented_sentences.csv) never enter an evaluation: the methods that learn from them are scored on
annotations only. Then the shipped labeller (the chosen method, its probabilities calibrated on its
own training articles) is scored leave one article out: for each field and candidate threshold, the
share of labels published and the share of those right, the threshold chosen (the lowest from
which on every stricter candidate also reaches the target accuracy), and the reliability of its
probabilities. Prints tables, then the figures as
one JSON line.

    python benchmarks/labeller.py [--raw raw] [--train]

--train refits the shipped sentence model (kjrel_data/sentence_model.json) on the invented
training sentences, deterministically, and writes it.
"""

import argparse
import csv
import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

from kjrel_data.build import built_batches
from kjrel_data.label_sets import NONE, text_sha256
from kjrel_data.load import load_catalog
from kjrel_data.model_labeller import (
    CHOSEN_METHOD,
    FIELDS,
    METHODS,
    PUBLISH_THRESHOLDS,
    TARGET_ACCURACY,
    THRESHOLD_CANDIDATES,
    FieldEvaluation,
    GoldExample,
    Labeller,
    accuracy,
    chosen_thresholds,
    field_evaluation,
    gold_examples,
    leave_one_article_out,
    macro_f1,
    published_at,
    stored_model_labeller,
    train_labeller,
)
from kjrel_data.names import SENTENCES
from kjrel_data.sentence_model import (
    MODEL_FILE,
    NGRAMS,
    TOKEN,
    load_sentence_model,
    model_from_json,
)

REPO = Path(__file__).resolve().parent.parent
LABELLING_DATA = REPO / "benchmarks" / "labelling_data"
INVENTED_SENTENCES = LABELLING_DATA / "invented_sentences.csv"
EVALUATION_SET = LABELLING_DATA / "invented_articles"
MODEL_PATH = REPO / "kjrel_data" / MODEL_FILE
# The sentence model's settings, chosen by leave-one-article-out macro-F1 on the annotations: a term
# must occur in two training sentences (which also keeps the stored weights small), and the
# logistic regressions are weakly regularised and class-balanced.
MIN_SENTENCES_PER_TERM = 2
INVERSE_REGULARISATION = 10.0
# Weights are stored to this many decimals; tests check the stored model still gives the fitted
# model's probabilities.
DECIMALS = 4
COMPARED = "invented_and_gold_tfidf_logistic_regression"
# The writers of the invented sentences read the codebook, which quotes corpus sentences; every
# version of it is searched, in case a later one is given to writers.
CODEBOOKS = (REPO / "CODEBOOK.md", *sorted((REPO / "raw" / "annotations").glob("CODEBOOK-*.md")))
QUOTED_ID = re.compile(r"`([a-z0-9-]+-\d{4})`")
QUOTATION = re.compile(r'"([^"]+)"|\u201c([^\u201d]+)\u201d')
ELLIPSIS = re.compile(r"\u2026|\.\.\.")
MIN_QUOTED_WORDS = 3


def invented_sentences() -> list[GoldExample]:
    """The invented training sentences, each writer's as one pseudo-article."""
    with INVENTED_SENTENCES.open(encoding="utf-8", newline="") as file:
        return [
            GoldExample(
                f"invented-{row['writer']}",
                row["text"],
                row["stance"],
                row["stance_holder"],
                row["issue"],
            )
            for row in csv.DictReader(file)
        ]


def _labels_file(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def evaluation_set() -> list[GoldExample]:
    """The invented evaluation set's adjudicated labels, one example per sentence."""
    return [
        GoldExample(
            row["sentence_id"].rpartition("-")[0],
            row["text"],
            row["stance"],
            row["stance_holder"],
            row["issue"],
        )
        for row in _labels_file(EVALUATION_SET / "labels.csv")
    ]


def train_sentence_model(examples: Sequence[GoldExample], trained_on: dict) -> dict:
    """The sentence model fitted on examples, in the JSON form kjrel_data/sentence_model.py reads."""
    texts = [example.text for example in examples]
    vectorizer = TfidfVectorizer(
        ngram_range=NGRAMS,
        token_pattern=TOKEN.pattern,
        sublinear_tf=True,
        min_df=min(MIN_SENTENCES_PER_TERM, len(texts)),
        dtype=np.float64,
    )
    matrix = vectorizer.fit_transform(texts)
    with_stance = [index for index, example in enumerate(examples) if example.stance != NONE]
    rows_by_field = {
        "stance": list(range(len(examples))),
        "stance_holder": with_stance,
        "issue": list(range(len(examples))),
    }
    fields = {}
    for field, rows in rows_by_field.items():
        labels = [getattr(examples[index], field) for index in rows]
        regression = LogisticRegression(
            C=INVERSE_REGULARISATION, class_weight="balanced", max_iter=5000
        )
        regression.fit(matrix[rows], labels)
        coefficients = regression.coef_
        intercepts = regression.intercept_
        if len(regression.classes_) == 2:
            # Two classes give one row (the second class's log-odds); as softmax weights that is
            # half of it for the second class and minus half for the first.
            coefficients = [-coefficients[0] / 2, coefficients[0] / 2]
            intercepts = [-intercepts[0] / 2, intercepts[0] / 2]
        fields[field] = {
            "classes": [str(name) for name in regression.classes_],
            "intercepts": [round(float(value), DECIMALS) for value in intercepts],
            "coefficients": [
                [round(float(value), DECIMALS) for value in row] for row in coefficients
            ],
        }
    return {
        "description": "Sentence classifier of the automatic labeller: TF-IDF and one logistic "
        "regression per label field, fitted by `python benchmarks/labeller.py --train` on the "
        "sentences named in trained_on, deterministically; read by kjrel_data/sentence_model.py.",
        "trained_on": trained_on,
        "token_pattern": TOKEN.pattern,
        "ngrams": list(NGRAMS),
        "terms": [str(term) for term in vectorizer.get_feature_names_out()],
        "idf": [round(float(value), DECIMALS) for value in vectorizer.idf_],
        "fields": fields,
    }


def built_sentences(raw: Path) -> pa.Table:
    """The sentences table of raw/'s build, batch by batch."""
    return pa.concat_tables(
        table for corpus in built_batches(load_catalog(raw)) for table in corpus[SENTENCES].values()
    )


def codebook_quoted_sentences(raw: Path) -> list[dict[str, str]]:
    """The corpus sentences any codebook quotes: by id, or by a fragment of three or more words."""
    codebooks = [path.read_text(encoding="utf-8") for path in CODEBOOKS]
    quoted_ids = {sentence_id for text in codebooks for sentence_id in QUOTED_ID.findall(text)}
    # Quotes wrap across lines within a paragraph and elide with an ellipsis: each piece between
    # ellipses counts. A stock phrase ("the court rulings") matches sentences the codebook did not
    # mean; leaving those out too costs a few scored sentences, and missing a quote would flatter
    # the model.
    fragments = {
        piece
        for text in codebooks
        for paragraph in text.split("\n\n")
        for match in QUOTATION.finditer(" ".join(paragraph.split()))
        for part in ELLIPSIS.split(match.group(1) or match.group(2))
        if len((piece := _normalised(part).strip(" ,.;:?!")).split()) >= MIN_QUOTED_WORDS
    }
    sentences = built_sentences(raw)
    quoted = {
        sentence_id: text_sha256(text)
        for sentence_id, text in zip(
            sentences["sentence_id"].to_pylist(), sentences["text"].to_pylist(), strict=True
        )
        if sentence_id in quoted_ids or any(piece in _normalised(text) for piece in fragments)
    }
    return [
        {"sentence_id": sentence_id, "text_sha256": quoted[sentence_id]}
        for sentence_id in sorted(quoted)
    ]


def _normalised(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


def invented_training() -> tuple[list[GoldExample], dict]:
    """The invented training sentences and what the model records of them."""
    examples = invented_sentences()
    trained_on = {
        "file": INVENTED_SENTENCES.relative_to(REPO).as_posix(),
        "sha256": hashlib.sha256(INVENTED_SENTENCES.read_bytes()).hexdigest(),
        "sentences": len(examples),
        "codebook_quoted_sentences": codebook_quoted_sentences(REPO / "raw"),
    }
    return examples, trained_on


def invented_and_gold(examples: Sequence[GoldExample]) -> Labeller:
    """The chosen model's method fitted on the invented sentences and the given annotations too."""
    invented, trained_on = invented_training()
    data = train_sentence_model([*invented, *examples], trained_on)
    return stored_model_labeller(model_from_json(data))


def write_model() -> None:
    """Fit the sentence model on the invented training sentences and write it as package data."""
    examples, trained_on = invented_training()
    data = train_sentence_model(examples, trained_on)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    MODEL_PATH.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH.relative_to(REPO)} from {len(examples)} invented sentences")


def kappa(first: list[str], second: list[str]) -> float:
    """Cohen's κ between two annotators' labels of the same items."""
    return float(cohen_kappa_score(first, second))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REPO / "raw")
    parser.add_argument("--train", action="store_true", help="refit and write the shipped model")
    arguments = parser.parse_args()
    if arguments.train:
        write_model()
        return
    sentences = built_sentences(arguments.raw)
    examples = gold_examples(sentences)
    articles = len({example.article_id for example in examples})
    invented_set = evaluation_set()
    invented_articles = len({example.article_id for example in invented_set})
    print(
        f"Macro-F1 per field: on {len(examples)} annotated sentences from {articles} articles "
        f"({len(load_sentence_model().quoted_text_sha256)} more, quoted in a codebook, left out), "
        "each article labelled by the method "
        "trained on the others (leave one article out); and "
        f"on the invented evaluation set ({len(invented_set)} sentences, {invented_articles} "
        "articles), by the method trained on all the annotations"
    )
    print()
    columns = [f"{field}, annotations" for field in FIELDS] + [
        f"{field}, invented set" for field in FIELDS
    ]
    print(f"| method | {' | '.join(columns)} |")
    print(f"|---|{'---|' * len(columns)}")
    figures = {}
    for name, method in {**METHODS, COMPARED: invented_and_gold}.items():
        results = leave_one_article_out(examples, method)
        labeller = method(examples)
        on_invented = list(
            zip(invented_set, labeller([example.text for example in invented_set]), strict=True)
        )
        figures[name] = {
            "annotations": {field: round(macro_f1(results, field), 4) for field in FIELDS},
            "invented_set": {field: round(macro_f1(on_invented, field), 4) for field in FIELDS},
        }
        shown = name + (
            " (chosen)"
            if name == CHOSEN_METHOD
            else " (compared, not shipped)"
            if name == COMPARED
            else ""
        )
        cells = [figures[name]["annotations"][field] for field in FIELDS] + [
            figures[name]["invented_set"][field] for field in FIELDS
        ]
        print(f"| {shown} | {' | '.join(f'{cell:.3f}' for cell in cells)} |")
    print()
    passes = [_labels_file(EVALUATION_SET / "passes" / name) for name in ("a.csv", "b.csv")]
    agreement = {
        field: round(kappa([row[field] for row in passes[0]], [row[field] for row in passes[1]]), 4)
        for field in FIELDS
    }
    print("Invented evaluation set: Cohen's κ between its two blind annotation passes")
    print(f"| {' | '.join(FIELDS)} |")
    print(f"|{'---|' * len(FIELDS)}")
    print(f"| {' | '.join(f'{agreement[field]:.3f}' for field in FIELDS)} |")
    shipped = leave_one_article_out(examples, train_labeller)
    thresholds = chosen_thresholds(shipped)
    print()
    print(
        f"{CHOSEN_METHOD}, calibrated: labels published at each threshold, leave one article out "
        f"(coverage / accuracy of those published; target {TARGET_ACCURACY:.2f}; a holder only "
        "beside a stance published at its chosen threshold)"
    )
    print(f"| threshold | {' | '.join(FIELDS)} |")
    print(f"|---|{'---|' * len(FIELDS)}")
    sweep = {}
    for threshold in THRESHOLD_CANDIDATES:
        cells = []
        for field in FIELDS:
            published = published_at(shipped, field, threshold, thresholds)
            coverage = len(published) / len(shipped)
            right = accuracy(published, field) if published else None
            sweep.setdefault(field, []).append(
                {
                    "threshold": threshold,
                    "coverage": round(coverage, 4),
                    "accuracy": right and round(right, 4),
                }
            )
            cells.append(f"{coverage:.3f} / {'-' if right is None else f'{right:.3f}'}")
        print(f"| {threshold:.2f} | {' | '.join(cells)} |")
    print()
    print("| field | chosen threshold | shipped threshold |")
    print("|---|---|---|")
    for field in FIELDS:
        print(f"| {field} | {_shown(thresholds[field])} | {_shown(PUBLISH_THRESHOLDS[field])} |")
    print()
    print("Published model labels at the shipped thresholds, leave one article out")
    evaluations = {field: field_evaluation(shipped, field) for field in FIELDS}
    _print_published(evaluations)
    print()
    # The same labeller, calibrated on all the annotations, on text none of its parts has seen: the
    # check that its thresholds hold beyond the articles they were chosen on.
    calibrated = train_labeller(examples)
    on_invented = list(
        zip(invented_set, calibrated([example.text for example in invented_set]), strict=True)
    )
    invented_evaluations = {field: field_evaluation(on_invented, field) for field in FIELDS}
    print("Published model labels at the shipped thresholds, on the invented evaluation set")
    _print_published(invented_evaluations)
    print()
    print("Reliability of the calibrated probabilities (all labels, leave one article out)")
    print("| field | probability | labels | mean probability | right |")
    print("|---|---|---|---|---|")
    for field, evaluation in evaluations.items():
        for item in evaluation.reliability:
            print(
                f"| {field} | [{item.low:.1f}, {item.high:.1f}) | {item.labels} "
                f"| {item.mean_probability:.3f} | {item.accuracy:.3f} |"
            )
    print(
        json.dumps(
            {
                "examples": len(examples),
                "articles": articles,
                "invented_set": {
                    "sentences": len(invented_set),
                    "articles": invented_articles,
                    "kappa": agreement,
                },
                "chosen": CHOSEN_METHOD,
                "macro_f1": figures,
                "thresholds": thresholds,
                "published": {
                    field: {
                        "coverage": round(evaluation.coverage, 4),
                        "accuracy": evaluation.published_accuracy,
                    }
                    for field, evaluation in evaluations.items()
                },
                "published_on_invented_set": {
                    field: {
                        "coverage": round(evaluation.coverage, 4),
                        "accuracy": evaluation.published_accuracy,
                    }
                    for field, evaluation in invented_evaluations.items()
                },
                "sweep": sweep,
                "reliability": {
                    field: [dataclasses.asdict(item) for item in evaluation.reliability]
                    for field, evaluation in evaluations.items()
                },
            }
        )
    )


def _print_published(evaluations: dict[str, FieldEvaluation]) -> None:
    print("| field | threshold | coverage | accuracy when published |")
    print("|---|---|---|---|")
    for field, evaluation in evaluations.items():
        right = evaluation.published_accuracy
        print(
            f"| {field} | {_shown(evaluation.threshold)} | {evaluation.coverage:.3f} "
            f"| {'-' if right is None else f'{right:.3f}'} |"
        )


def _shown(threshold: float | None) -> str:
    return "never published" if threshold is None else f"{threshold:.2f}"


if __name__ == "__main__":
    main()
