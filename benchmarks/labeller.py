"""Compare the automatic labellers by leave-one-article-out macro-F1, and choose where to publish.

Each article's sentences are labelled by a method trained on the other articles' annotations only;
macro-F1 is computed per field over all sentences so predicted. Then the shipped labeller (the chosen
method, its probabilities calibrated on its own training articles) is scored the same way: for each
field and candidate threshold, the share of labels published and the share of those right, the
threshold chosen (the lowest reaching the target accuracy), and the reliability of its probabilities.
Prints tables, then the figures as one JSON line.

    python benchmarks/labeller.py [--raw raw]
"""

import argparse
import dataclasses
import json
from pathlib import Path

import pyarrow as pa

from kjrel_data.build import prepare
from kjrel_data.labeller import (
    CHOSEN_METHOD,
    FIELDS,
    METHODS,
    PUBLISH_THRESHOLDS,
    TARGET_ACCURACY,
    THRESHOLD_CANDIDATES,
    accuracy,
    chosen_thresholds,
    field_evaluation,
    gold_examples,
    leave_one_article_out,
    macro_f1,
    train_labeller,
)
from kjrel_data.tables import SENTENCES

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REPO / "raw")
    arguments = parser.parse_args()
    sentences = pa.concat_tables(prepare(arguments.raw)[SENTENCES].values())
    examples = gold_examples(sentences)
    articles = len({example.article_id for example in examples})
    print(
        f"{len(examples)} gold sentences from {articles} articles; macro-F1, leave one article out"
    )
    print()
    print(f"| method | {' | '.join(FIELDS)} |")
    print(f"|---|{'---|' * len(FIELDS)}")
    figures = {}
    for name, method in METHODS.items():
        results = leave_one_article_out(examples, method)
        figures[name] = {field: round(macro_f1(results, field), 4) for field in FIELDS}
        chosen = " (chosen)" if name == CHOSEN_METHOD else ""
        cells = " | ".join(f"{figures[name][field]:.3f}" for field in FIELDS)
        print(f"| {name}{chosen} | {cells} |")
    shipped = leave_one_article_out(examples, train_labeller)
    thresholds = chosen_thresholds(shipped)
    print()
    print(
        f"{CHOSEN_METHOD}, calibrated: labels published at each threshold, leave one article out "
        f"(coverage / accuracy of those published; target {TARGET_ACCURACY:.2f})"
    )
    print(f"| threshold | {' | '.join(FIELDS)} |")
    print(f"|---|{'---|' * len(FIELDS)}")
    sweep = {}
    for threshold in THRESHOLD_CANDIDATES:
        cells = []
        for field in FIELDS:
            published = [
                (example, prediction)
                for example, prediction in shipped
                if prediction.probability(field) >= threshold
            ]
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
    print("| field | threshold | coverage | accuracy when published |")
    print("|---|---|---|---|")
    evaluations = {field: field_evaluation(shipped, field) for field in FIELDS}
    for field, evaluation in evaluations.items():
        right = evaluation.published_accuracy
        print(
            f"| {field} | {_shown(evaluation.threshold)} | {evaluation.coverage:.3f} "
            f"| {'-' if right is None else f'{right:.3f}'} |"
        )
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
                "sweep": sweep,
                "reliability": {
                    field: [dataclasses.asdict(item) for item in evaluation.reliability]
                    for field, evaluation in evaluations.items()
                },
            }
        )
    )


def _shown(threshold: float | None) -> str:
    return "never published" if threshold is None else f"{threshold:.2f}"


if __name__ == "__main__":
    main()
