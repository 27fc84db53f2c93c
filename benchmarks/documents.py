"""Body-text precision and recall, and metadata found, for saved web pages and PDFs.

Each case in benchmarks/documents/<format>/<set>/ is a file (invented test data, see the README
there), the clean text expected of it and the metadata it states. The file goes through what
`kjrel add` and `kjrel build` do to it: its metadata read from the file (a user's flags stand in
only for what it does not state: the outlet of a PDF), its text extracted, then cleaned. The
clean text's words are aligned with the expected text's (difflib, in order). For each format and
set this prints, summed over the cases:
- content precision: words kept that are body text / words kept (what reaches the dataset);
- content recall: body words kept / body words;
- the same two after the extractor alone, before the cleaner's rules;
- metadata: the share of the five fields (title, author, published date, URL, site name) whose
  value is right, where stating none and finding none is right.

    python benchmarks/documents.py [--show-errors]
"""

import argparse
import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from kjrel_data.clean import PARAGRAPH_SEPARATOR, RULES, clean_text_of
from kjrel_data.extract import DocumentMetadata, document_metadata, extracted_text
from kjrel_data.line_classifier import load_line_model
from kjrel_data.load import article_metadata

BENCHMARKS = Path(__file__).resolve().parent
DOCUMENTS = BENCHMARKS / "documents"
FORMATS = {"html": ".html", "pdf": ".pdf"}
SETS = ("dev", "heldout")
WORD = re.compile(r"\w+")
METADATA_FIELDS = ("title", "author", "published_date", "url", "site_name")
# A PDF states no outlet; the user names it with --outlet, as this stands in for.
GIVEN_OUTLET = "Given outlet"


@dataclass
class Score:
    kept: int = 0
    body: int = 0
    matched: int = 0

    def add(self, kept: list[str], body: list[str]) -> None:
        matcher = difflib.SequenceMatcher(None, kept, body, autojunk=False)
        self.kept += len(kept)
        self.body += len(body)
        self.matched += sum(block.size for block in matcher.get_matching_blocks())

    def precision(self) -> float:
        return self.matched / self.kept if self.kept else 1.0

    def recall(self) -> float:
        return self.matched / self.body if self.body else 1.0


def case_files(format_name: str, set_name: str) -> list[Path]:
    """The case files of one format and set, by name."""
    return sorted((DOCUMENTS / format_name / set_name).glob(f"*{FORMATS[format_name]}"))


def cleaned(path: Path) -> tuple[str, str, DocumentMetadata]:
    """The text after the extractor alone, the clean text, and the metadata found in the file."""
    data = path.read_bytes()
    found = document_metadata(path, data)
    metadata = article_metadata(
        {
            "article_id": "case",
            "file": path.name,
            "sha256": "0" * 64,
            "outlet": found.site_name or GIVEN_OUTLET,
            "title": found.title or path.stem,
            **({"author": found.author} if found.author else {}),
            "kind": "news",
            "language": "en",
            "split": "train",
            "copyright": "invented",
        },
        None,
    )
    extracted = extracted_text(path, data)
    lines = extracted.text.split("\n")
    for span in extracted.dropped:
        line = lines[span.line_number - 1]
        lines[span.line_number - 1] = (
            line[: span.char_start]
            + " " * (span.char_end - span.char_start)
            + line[span.char_end :]
        )
    clean_text, _ = clean_text_of(
        extracted.text, metadata, RULES, load_line_model(), (), extracted.dropped
    )
    return "\n".join(lines), clean_text, found


def metadata_right(found: DocumentMetadata, expected: dict[str, str | None]) -> dict[str, bool]:
    """For each field, whether the value found is the one the file states."""
    return {
        field: _comparable(field, getattr(found, field)) == _comparable(field, expected.get(field))
        for field in METADATA_FIELDS
    }


def _comparable(field: str, value: str | None) -> object:
    if value is None:
        return None
    if field == "author":
        return frozenset(
            " ".join(name.split()).casefold()
            for name in re.split(r";|,| and ", value)
            if name.strip()
        )
    if field == "url":
        return value.strip().rstrip("/")
    return " ".join(value.split()).casefold()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--show-errors", action="store_true", help="print each case's missed and extra words"
    )
    arguments = parser.parse_args()
    print(
        f"{'format':6} {'set':8} {'cases':>5}  {'content precision':>17} {'content recall':>14}"
        f"  {'extractor alone P/R':>19}  {'metadata right':>14}"
    )
    for format_name in FORMATS:
        for set_name in SETS:
            paths = case_files(format_name, set_name)
            if not paths:
                continue
            full, alone = Score(), Score()
            right = total = 0
            for path in paths:
                extracted, clean_text, found = cleaned(path)
                stem = path.name.removesuffix(path.suffix)
                expected_text = (path.parent / f"{stem}.clean.txt").read_text(encoding="utf-8")
                expected = json.loads(
                    (path.parent / f"{stem}.expected.json").read_text(encoding="utf-8")
                )
                body = WORD.findall(expected_text)
                case = Score()
                case.add(WORD.findall(clean_text), body)
                full.add(WORD.findall(clean_text), body)
                alone.add(WORD.findall(extracted), body)
                fields = metadata_right(found, expected)
                right += sum(fields.values())
                total += len(fields)
                if arguments.show_errors:
                    _show(path, clean_text, expected_text, case, found, fields)
            print(
                f"{format_name:6} {set_name:8} {len(paths):5}  {full.precision():17.3f} "
                f"{full.recall():14.3f}  {alone.precision():9.3f}/{alone.recall():.3f}  "
                f"{right / total:14.3f}"
            )


def _show(
    path: Path,
    clean_text: str,
    expected_text: str,
    case: Score,
    found: DocumentMetadata,
    fields: dict[str, bool],
) -> None:
    print(f"== {path.relative_to(DOCUMENTS)}: P {case.precision():.3f} R {case.recall():.3f}")
    kept = clean_text.split(PARAGRAPH_SEPARATOR)
    expected = [line for line in expected_text.split("\n") if line.strip()]
    for line in difflib.unified_diff(expected, kept, "expected", "clean", n=0, lineterm=""):
        if not line.startswith(("---", "+++", "@@")):
            print("   ", line[:160])
    for field, ok in fields.items():
        if not ok:
            print(f"    metadata {field}: found {getattr(found, field)!r}")


if __name__ == "__main__":
    main()
