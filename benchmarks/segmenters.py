"""Compare sentence segmenters on the corpus's clean text against a hand-made reference.

Prints boundary precision, recall and F1 (a boundary is the end offset of a sentence inside a
paragraph; paragraph ends are not counted, every segmenter gets them free) and speed, then the
figures as one JSON line. pySBD and syntok are optional: `pip install -e '.[bench]'`.

    python benchmarks/segmenters.py [--repeat N]
"""

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from sentencex import get_sentence_boundaries

from kjrel_data.clean import PARAGRAPH_SEPARATOR, clean_articles
from kjrel_data.load import load_catalog, read_article
from kjrel_data.sentence_split import sentence_spans, trim

REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "segmentation_reference"

Segmenter = Callable[[str], list[tuple[int, int]]]


def sentencex_alone(paragraph: str) -> list[tuple[int, int]]:
    return [(b["start_index"], b["end_index"]) for b in get_sentence_boundaries("en", paragraph)]


def segmenters() -> dict[str, Segmenter]:
    found: dict[str, Segmenter] = {
        "sentencex": sentencex_alone,
        "sentencex + kjrel fixes (chosen)": sentence_spans,
    }
    try:
        import pysbd

        pysbd_segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        found["pysbd"] = lambda paragraph: [
            (s.start, s.end) for s in pysbd_segmenter.segment(paragraph)
        ]
    except ImportError:
        pass
    try:
        import syntok.segmenter as syntok

        def syntok_spans(paragraph: str) -> list[tuple[int, int]]:
            return [
                (sentence[0].offset, sentence[-1].offset + len(sentence[-1].value))
                for block in syntok.analyze(paragraph)
                for sentence in block
            ]

        found["syntok"] = syntok_spans
    except ImportError:
        pass
    return found


def reference_boundaries(paragraph: str, reference_sentences: list[str]) -> set[int]:
    """End offsets of the reference sentences, located in order in the paragraph."""
    ends, cursor = set(), 0
    for sentence in reference_sentences:
        start = paragraph.index(sentence, cursor)
        cursor = start + len(sentence)
        ends.add(cursor)
    return ends


def predicted_boundaries(paragraph: str, spans: list[tuple[int, int]]) -> set[int]:
    trimmed = (trim(paragraph, start, end) for start, end in spans)
    return {span[1] for span in trimmed if span}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20, help="timing repetitions (default: 20)")
    repeat = parser.parse_args().repeat

    catalog = load_catalog(REPO / "raw")
    clean, _ = clean_articles([read_article(catalog.raw_dir, row) for row in catalog.articles])
    paragraphs, references = [], []
    for article in clean:
        reference = (REFERENCE / f"{article.metadata.article_id}.txt").read_text(encoding="utf-8")
        reference_paragraphs = reference.strip("\n").split("\n\n")
        article_paragraphs = article.clean_text.split(PARAGRAPH_SEPARATOR)
        if len(reference_paragraphs) != len(article_paragraphs):
            raise SystemExit(
                f"{article.metadata.article_id}: reference has other paragraphs than the clean text"
            )
        paragraphs += article_paragraphs
        references += [block.split("\n") for block in reference_paragraphs]
    characters = sum(len(paragraph) for paragraph in paragraphs)
    sentences = sum(len(sentences) for sentences in references)

    results = {}
    for name, segment in segmenters().items():
        true_positive = predicted = gold = 0
        for paragraph, reference in zip(paragraphs, references, strict=True):
            gold_ends = reference_boundaries(paragraph, reference) - {len(paragraph)}
            predicted_ends = predicted_boundaries(paragraph, segment(paragraph)) - {len(paragraph)}
            true_positive += len(gold_ends & predicted_ends)
            predicted += len(predicted_ends)
            gold += len(gold_ends)
        started = time.perf_counter()
        for _ in range(repeat):
            for paragraph in paragraphs:
                segment(paragraph)
        seconds = (time.perf_counter() - started) / repeat
        precision = true_positive / predicted if predicted else 1.0
        recall = true_positive / gold if gold else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        results[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "errors": (predicted - true_positive) + (gold - true_positive),
            "characters_per_second": round(characters / seconds),
        }

    print(f"{len(paragraphs)} paragraphs, {sentences} reference sentences, {characters} characters")
    print(
        f"{'segmenter':34} {'precision':>9} {'recall':>7} {'F1':>7} {'errors':>6} {'chars/s':>12}"
    )
    for name, figures in results.items():
        print(
            f"{name:34} {figures['precision']:9.4f} {figures['recall']:7.4f} {figures['f1']:7.4f} "
            f"{figures['errors']:6d} {figures['characters_per_second']:12,d}"
        )
    print(json.dumps({"benchmark": "segmenters", "sentences": sentences, "results": results}))


if __name__ == "__main__":
    main()
