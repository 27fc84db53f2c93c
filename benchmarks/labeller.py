"""Compare the automatic labellers by leave-one-article-out macro-F1 on the gold labels.

Each article's sentences are labelled by a method trained on the other articles' gold labels only;
macro-F1 is computed per field over all sentences so predicted. Prints a table, the chosen method's
confidence against its accuracy, then the figures as one JSON line.

    python benchmarks/labeller.py [--raw raw]
"""

import argparse
import json
from pathlib import Path

import pyarrow as pa

from kjrel_data.build import prepare
from kjrel_data.labeller import (
    CHOSEN_METHOD,
    FIELDS,
    METHODS,
    gold_examples,
    leave_one_article_out,
    macro_f1,
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
        if name == CHOSEN_METHOD:
            calibration = _calibration(results)
        chosen = " (chosen)" if name == CHOSEN_METHOD else ""
        cells = " | ".join(f"{figures[name][field]:.3f}" for field in FIELDS)
        print(f"| {name}{chosen} | {cells} |")
    print()
    print(
        f"{CHOSEN_METHOD}: label_confidence against the share of sentences with all three fields right"
    )
    print("| confidence | sentences | mean confidence | all three right |")
    print("|---|---|---|---|")
    for row in calibration:
        print(
            f"| {row['bin']} | {row['sentences']} | {row['mean_confidence']:.3f} "
            f"| {row['all_right']:.3f} |"
        )
    print(
        json.dumps(
            {
                "examples": len(examples),
                "articles": articles,
                "chosen": CHOSEN_METHOD,
                "macro_f1": figures,
                "calibration": calibration,
            }
        )
    )


def _calibration(results: list) -> list[dict]:
    bins = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 1.01)]
    rows = []
    for low, high in [*bins, (0.0, 1.01)]:
        chosen = [(e, p) for e, p in results if low <= p.confidence < high]
        if not chosen:
            continue
        right = [all(getattr(e, f) == getattr(p, f) for f in FIELDS) for e, p in chosen]
        rows.append(
            {
                "bin": "all" if (low, high) == (0.0, 1.01) else f"[{low}, {min(high, 1.0)})",
                "sentences": len(chosen),
                "mean_confidence": round(sum(p.confidence for _, p in chosen) / len(chosen), 4),
                "all_right": round(sum(right) / len(chosen), 4),
            }
        )
    return rows


if __name__ == "__main__":
    main()
