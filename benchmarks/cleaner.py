"""Precision and recall of the cleaner's removed lines on texts in layouts it was not written for.

Each case in benchmarks/layouts/<set>/ is a raw text and the clean text expected of it. A raw line
is chrome when its text (Markdown marks stripped, white space folded) is not kept whole, in its
place, in the expected clean text; the cleaner removed it when its `removed` records name the line. Prints a
table per set and the figures as one JSON line.

    python benchmarks/cleaner.py [--show-errors]
"""

import argparse
import csv
import json
from pathlib import Path

from kjrel_data.clean import RULES, clean_text_of, normalise_line, split_lines
from kjrel_data.load import ArticleMetadata

LAYOUTS = Path(__file__).resolve().parent / "layouts"
SETS = ("dev", "heldout")


def case_metadata(row: dict[str, str]) -> ArticleMetadata:
    """What `kjrel add` would record for the case: its outlet and title only."""
    return ArticleMetadata(
        article_id=row["case"],
        file=f"{row['case']}.raw.txt",
        sha256="0" * 64,
        outlet=row["outlet"],
        section=None,
        title=row["title"],
        standfirst=None,
        author=None,
        published_date=None,
        url=None,
        kind="news",
        language="en",
        split="train",
        copyright="-",
    )


def expected_chrome(raw_text: str, expected_clean: str) -> set[int]:
    """Line numbers (from 1) of the raw lines that the expected clean text does not keep whole."""
    # The clean text is walked in step with the raw lines, so a short line ("A", "World") counts
    # as kept only where it stands in its place: ending a paragraph, or followed by the next raw
    # line (a hard-wrapped paragraph), not wherever the same word begins a sentence.
    clean = "\n".join(normalise_line(p) for p in expected_clean.split("\n\n") if p.strip())
    texts = [normalise_line(line) for line in split_lines(raw_text)]
    following = {}
    next_text = ""
    for number in range(len(texts), 0, -1):
        following[number] = next_text
        next_text = texts[number - 1] or next_text
    position = 0
    chrome = set()
    for number, text in enumerate(texts, start=1):
        if not text:
            continue
        rest = clean[position:].lstrip()
        start = len(clean) - len(rest)
        after = rest[len(text) : len(text) + 1]
        wrapped = after == " " and rest[len(text) + 1 :].startswith(following[number])
        if rest.startswith(text) and (after in ("", "\n") or wrapped):
            position = start + len(text)
            continue
        chrome.add(number)
        # A line kept in part (a run-in dateline or caption) still moves the walk past its kept end.
        tail = text[-30:]
        found = clean.find(tail, position)
        if len(text) > len(tail) and found != -1 and found - position <= len(text):
            position = found + len(tail)
    return chrome


def evaluate(folder: Path) -> dict:
    """Counts over the cases of one folder, and each case's errors."""
    with (folder / "cases.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    totals = {"cases": len(rows), "exact": 0, "true_positive": 0, "removed": 0, "chrome": 0}
    errors = {}
    for row in rows:
        raw = (folder / f"{row['case']}.raw.txt").read_text(encoding="utf-8")
        expected = (folder / f"{row['case']}.clean.txt").read_text(encoding="utf-8")
        clean, removed = clean_text_of(raw, case_metadata(row), RULES)
        chrome = expected_chrome(raw, expected)
        predicted = {line.line_number for line in removed}
        lines = split_lines(raw)
        totals["exact"] += clean == expected.strip()
        totals["true_positive"] += len(chrome & predicted)
        totals["removed"] += len(predicted)
        totals["chrome"] += len(chrome)
        errors[row["case"]] = {
            "kept chrome": [lines[n - 1] for n in sorted(chrome - predicted)],
            "removed body": [lines[n - 1] for n in sorted(predicted - chrome)],
        }
    totals["precision"] = round(totals["true_positive"] / max(totals["removed"], 1), 4)
    totals["recall"] = round(totals["true_positive"] / max(totals["chrome"], 1), 4)
    return {"totals": totals, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list every line scored wrong")
    arguments = parser.parse_args()
    figures = {}
    print("| layout set | cases | chrome lines | removed | precision | recall | exact clean text |")
    print("|---|---|---|---|---|---|---|")
    for name in SETS:
        result = evaluate(LAYOUTS / name)
        totals = figures[name] = result["totals"]
        print(
            f"| {name} | {totals['cases']} | {totals['chrome']} | {totals['removed']} "
            f"| {totals['precision']:.3f} | {totals['recall']:.3f} "
            f"| {totals['exact']} of {totals['cases']} |"
        )
        if arguments.show_errors:
            for case, kinds in result["errors"].items():
                for kind, lines in kinds.items():
                    for line in lines:
                        print(f"    {name}/{case}: {kind}: {line!r}")
    print(json.dumps({"cleaner": figures}))


if __name__ == "__main__":
    main()
