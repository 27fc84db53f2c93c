"""Stage 1, load: read raw/ (articles, metadata, gold labels, annotation passes, cleaning corrections), checking checksums."""

import csv
import datetime
import hashlib
import io
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kjrel_data.errors import InputError, shown
from kjrel_data.extract import PDF, DroppedSpan, extracted_text, file_format
from kjrel_data.files import file_problem, file_sha256, open_file, read_file
from kjrel_data.label_sets import (
    ANNOTATION_SOURCES,
    ANNOTATOR_KIND,
    ISSUE,
    ISSUES,
    ISSUES_SEPARATOR,
    STANCE,
    STANCE_HOLDER,
    label_row_problems,
)
from kjrel_data.limits import (
    CSV_FIELD_LIMIT,
    MAX_ARTICLE_BYTES,
    MAX_CODEBOOK_BYTES,
    MAX_CSV_BYTES,
    MAX_PDF_BYTES,
    field_length_problem,
)
from kjrel_data.names import ARTICLE_ID_PATTERN, KINDS, SPLITS

METADATA_FILE = "articles.csv"
LABELS_FILE = "labels.csv"
PASSES_FILE = "annotations/passes.csv"
# Curators' corrections of the cleaner, one raw line each; optional.
CORRECTIONS_FILE = "cleaning_corrections.csv"
KEEP = "keep"
DROP = "drop"
CORRECTION_ACTIONS = (KEEP, DROP)
# Each round's codebook, exactly as its annotators read it, beside the passes.
CODEBOOK_PATTERN = "CODEBOOK-*.md"
# A pass named round<N>-gold-check-… re-annotates gold sentences blind (a check round): its
# departures from gold are measured against it, not owed a reason in the gold row's note.
GOLD_CHECK_MARK = "gold-check-"
ARTICLES_FOLDER = "articles"
NON_ASCII = re.compile(r"[^\x00-\x7f]")
METADATA_COLUMNS = (
    "article_id",
    "file",
    "sha256",
    "outlet",
    "section",
    "title",
    "standfirst",
    "author",
    "published_date",
    "url",
    "kind",
    "language",
    "split",
    "copyright",
)
# Values many articles share: one string each, not one per row, in a catalog of 100,000 articles.
SHARED_METADATA_COLUMNS = frozenset(
    {"outlet", "section", "standfirst", "author", "kind", "language", "split", "copyright"}
)
OPTIONAL_METADATA_COLUMNS = frozenset({"section", "standfirst", "author", "published_date", "url"})
LABEL_COLUMNS = ("sentence_id", "text_sha256", "stance", "stance_holder", "issue", "issues", "note")
# The gold file also says where each row's labels come from (an annotation kind of LABEL_SOURCE).
GOLD_COLUMNS = (*LABEL_COLUMNS[:-1], "label_source", "note")
PASS_COLUMNS = ("pass", "round", "annotator", "annotator_kind", "model", "codebook_sha256", "file")
CORRECTION_COLUMNS = ("article_id", "line_number", "line_sha256", "action", "note")


# Slots: the build holds one of these per article for the whole run.
@dataclass(frozen=True, slots=True)
class ArticleMetadata:
    article_id: str
    file: str
    sha256: str
    outlet: str
    section: str | None
    title: str
    standfirst: str | None
    author: str | None
    published_date: datetime.date | None
    url: str | None
    kind: str
    language: str
    split: str
    copyright: str


@dataclass(frozen=True)
class RawArticle:
    metadata: ArticleMetadata
    # The file's text layer: the text itself, or a web page's or PDF's lines (kjrel_data.extract).
    text: str
    # What the extractor dropped from the text layer, recorded by the cleaner with its own removals.
    dropped: tuple[DroppedSpan, ...] = ()


@dataclass(frozen=True)
class LabelRow:
    """One labelled sentence from a label file: the gold table or an annotation pass."""

    sentence_id: str
    text_sha256: str
    stance: str
    stance_holder: str
    issue: str
    issues: tuple[str, ...]
    note: str | None
    file: str
    row_number: int
    # For gold rows, one of ANNOTATION_SOURCES; None for a pass's rows (the pass says who made them).
    source: str | None = None


@dataclass(frozen=True)
class AnnotationPass:
    name: str
    round: int
    annotator: str
    annotator_kind: str
    model: str | None
    codebook_sha256: str
    rows: list[LabelRow]


@dataclass(frozen=True)
class CleaningCorrection:
    """A curator's correction of one raw line: keep it whole, or drop what the cleaner kept of it."""

    article_id: str
    line_number: int
    line_sha256: str
    action: str
    note: str | None


@dataclass(frozen=True)
class RawCatalog:
    """Everything in raw/ but the article texts, which are read a batch at a time."""

    raw_dir: Path
    articles: list[ArticleMetadata]
    gold_labels: list[LabelRow]
    annotation_passes: list[AnnotationPass]
    corrections: list[CleaningCorrection]


def checks_gold(pass_name: str) -> bool:
    """Whether the pass of this name is a check round's, re-annotating gold sentences blind."""
    return f"-{GOLD_CHECK_MARK}" in pass_name


def load_catalog(raw_dir: Path) -> RawCatalog:
    """Read and check raw/'s metadata (sorted by article_id), gold labels, passes and corrections."""
    raw_dir = Path(raw_dir)
    require_raw_dir(raw_dir)
    metadata = _read_metadata(raw_dir)
    _refuse_unlisted_files(raw_dir, metadata)
    return RawCatalog(
        raw_dir=raw_dir,
        articles=metadata,
        gold_labels=read_label_file(raw_dir / LABELS_FILE, gold=True),
        annotation_passes=_read_passes(raw_dir),
        corrections=read_corrections(raw_dir, frozenset(row.article_id for row in metadata)),
    )


def require_raw_dir(raw_dir: Path) -> None:
    """InputError unless raw_dir is a folder."""
    if not raw_dir.is_dir():
        raise InputError(
            f"{shown(raw_dir)}: no such folder. Point --raw at the folder holding {METADATA_FILE}."
        )


def _read_csv(
    path: Path, columns: tuple[str, ...], inside: Path
) -> Iterator[tuple[int, dict[str, str]]]:
    if not os.path.lexists(path):
        raise InputError(
            f"{shown(path)}: file not found. It must exist, with the header {','.join(columns)}."
        )
    # The csv module's limit is process-wide: set for this file's reading, then put back.
    previous_limit = csv.field_size_limit(CSV_FIELD_LIMIT)
    line_number = 1
    try:
        # Inside the folder given (raw/ for its own files), a regular file, under the cap: checked
        # before the first byte.
        binary = open_file(path, MAX_CSV_BYTES, "a CSV file", inside=inside)
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if header != columns:
                missing = [c for c in columns if c not in header]
                extra = [c for c in header if c not in columns]
                raise InputError(
                    f"{shown(path)}: header must be {','.join(columns)} "
                    f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})."
                )
            # Rows are yielded one at a time: a catalog of 100,000 articles is never all in memory
            # as dicts. The line a row ends on points messages into the file past blank lines.
            for row in reader:
                if None in row or any(value is None for value in row.values()):
                    raise InputError(
                        f"{shown(path)}: row {reader.line_num} has a different number of cells than the header."
                    )
                line_number = reader.line_num
                for column in columns:
                    if problem := field_length_problem(column, row[column]):
                        raise InputError(
                            f"{shown(path)}: row {line_number}: {problem}; shorten it."
                        )
                yield line_number, row
    except UnicodeDecodeError as error:
        raise InputError(
            f"{shown(path)}: not UTF-8 at byte {error.start}. Save it as UTF-8."
        ) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise InputError(
                f"{shown(path)}: the row after line {line_number} has a field longer than "
                f"{CSV_FIELD_LIMIT:,} characters, far more than any column may hold; shorten it."
            ) from None
        raise InputError(f"{shown(path)}: not a readable CSV ({error}).") from None
    finally:
        csv.field_size_limit(previous_limit)


def _read_metadata(raw_dir: Path) -> list[ArticleMetadata]:
    path = raw_dir / METADATA_FILE
    problems: list[str] = []
    seen: dict[str, int] = {}
    seen_files: dict[tuple[str, str], int] = {}
    metadata = []
    for line_number, row in _read_csv(path, METADATA_COLUMNS, inside=raw_dir):
        where = f"{shown(path)}: row {line_number}"
        values = {
            name: (sys.intern(value) if name in SHARED_METADATA_COLUMNS else value)
            if (value := row[name].strip())
            else None
            for name in METADATA_COLUMNS
        }
        row_problems = [
            f"{where}: {name} is empty; fill it in."
            for name, value in values.items()
            if value is None and name not in OPTIONAL_METADATA_COLUMNS
        ]
        article_id = values["article_id"]
        if article_id is not None:
            if not re.fullmatch(ARTICLE_ID_PATTERN, article_id):
                row_problems.append(
                    f"{where}: article_id {article_id!r} must be lowercase letters, digits and single hyphens."
                )
            elif article_id in seen:
                row_problems.append(
                    f"{where}: article_id {article_id!r} repeats row {seen[article_id]}."
                )
            seen.setdefault(article_id, line_number)
        # One file, or the same bytes, under two ids would put one article in two splits.
        for key in ("file", "sha256"):
            # An empty cell is reported above, not as a repeat.
            if (cell := values[key]) is None:
                continue
            if (cell, key) in seen_files:
                row_problems.append(
                    f"{where}: {key} {cell!r} is already the article of row "
                    f"{seen_files[(cell, key)]}; one article, one row."
                )
            seen_files.setdefault((cell, key), line_number)
        if values["kind"] is not None and values["kind"] not in KINDS:
            row_problems.append(
                f"{where}: kind {values['kind']!r} is not one of {', '.join(KINDS)}."
            )
        if values["split"] is not None and values["split"] not in SPLITS:
            row_problems.append(
                f"{where}: split {values['split']!r} is not one of {', '.join(SPLITS)}."
            )
        published_date = None
        if values["published_date"] is not None:
            try:
                published_date = parse_published_date(values["published_date"])
            except ValueError as error:
                row_problems.append(f"{where}: {error}")
        if values["sha256"] is not None and not re.fullmatch(r"[0-9a-f]{64}", values["sha256"]):
            row_problems.append(f"{where}: sha256 must be 64 lowercase hex digits.")
        problems.extend(row_problems)
        if not row_problems:
            cells = {name: value for name, value in values.items() if value is not None}
            metadata.append(article_metadata(cells, published_date))
    if not metadata and not problems:
        problems.append(f"{shown(path)}: no article rows. Add one row per article.")
    if problems:
        raise InputError("\n".join(problems))
    return sorted(metadata, key=lambda row: row.article_id)


def article_metadata(
    cells: Mapping[str, str], published_date: datetime.date | None
) -> ArticleMetadata:
    """An article's metadata from its row's non-empty cells, which hold every required column."""
    return ArticleMetadata(
        article_id=cells["article_id"],
        file=cells["file"],
        sha256=cells["sha256"],
        outlet=cells["outlet"],
        section=cells.get("section"),
        title=cells["title"],
        standfirst=cells.get("standfirst"),
        author=cells.get("author"),
        published_date=published_date,
        url=cells.get("url"),
        kind=cells["kind"],
        language=cells["language"],
        split=cells["split"],
        copyright=cells["copyright"],
    )


def read_article(raw_dir: Path, metadata: ArticleMetadata) -> RawArticle:
    """One article's text, checked against the sha256 its metadata records."""
    path = raw_dir / metadata.file
    if not path.resolve().is_relative_to(raw_dir.resolve()) or not path.is_file():
        raise InputError(
            f"{shown(raw_dir / METADATA_FILE)}: article {metadata.article_id!r} names file {metadata.file!r}, "
            f"which is not a file inside {shown(raw_dir)}."
        )
    data = read_article_bytes(path)
    actual = hashlib.sha256(data).hexdigest()
    if actual != metadata.sha256:
        raise InputError(
            f"{shown(path)}: sha256 is {actual}, but {METADATA_FILE} records {metadata.sha256}. "
            "raw/ holds inputs exactly as received: restore the original file, or, if the new bytes are "
            "the intended input, record the new sha256 in the metadata."
        )
    extracted = extracted_text(path, data)
    return RawArticle(metadata=metadata, text=extracted.text, dropped=extracted.dropped)


def text_fingerprint(text: str) -> bytes:
    """sha256 of the text with its Unicode form (NFKC), format characters, line endings and white space runs set aside."""
    # Format characters (zero-width spaces and joiners, BOMs, word joiners) are invisible: a
    # copy with some inserted reads the same and would put the same sentences in two splits.
    # ASCII has no format characters, so only the others are looked up, one at a time.
    visible = NON_ASCII.sub(_visible, unicodedata.normalize("NFKC", text))
    return hashlib.sha256(" ".join(visible.split()).encode("utf-8")).digest()


def _visible(match: re.Match[str]) -> str:
    return "" if unicodedata.category(match.group()) == "Cf" else match.group()


def distinct_articles(raw_dir: Path, articles: list[ArticleMetadata]) -> Iterator[RawArticle]:
    """Each article read, in turn; InputError naming both ids when two have the same text_fingerprint."""
    # One article under two ids could put its sentences in two splits. A digest per article,
    # not its text, is kept: memory stays small whatever the corpus.
    first_with: dict[bytes, str] = {}
    for row in articles:
        article = read_article(raw_dir, row)
        fingerprint = text_fingerprint(article.text)
        if fingerprint in first_with:
            raise InputError(
                f"{shown(raw_dir / METADATA_FILE)}: articles {first_with[fingerprint]!r} and "
                f"{row.article_id!r} have the same text once line endings, invisible characters, "
                "Unicode form and white space are set aside. One article, one row: remove the copy's row and file."
            )
        first_with[fingerprint] = row.article_id
        yield article


def read_article_bytes(path: Path) -> bytes:
    """An article file's bytes; InputError before reading when it is larger than any article."""
    limit = MAX_PDF_BYTES if file_format(path) == PDF else MAX_ARTICLE_BYTES
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            f"{shown(path)}: {size:,} bytes is more than one article ({limit:,} at most). "
            "Split it into one file per article."
        )
    return read_file(path, limit, "an article file")


def parse_published_date(value: str) -> datetime.date:
    """An ISO date that is not in the future; ValueError saying what is wrong otherwise."""
    try:
        published_date = datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"published_date {value!r} is not an ISO date (YYYY-MM-DD); "
            "leave it empty when the article does not state its date."
        ) from None
    if published_date > datetime.date.today():
        raise ValueError(f"published_date {published_date} is in the future.")
    return published_date


def _refuse_unlisted_files(raw_dir: Path, metadata: list[ArticleMetadata]) -> None:
    folder = raw_dir / ARTICLES_FOLDER
    entries = list(os.scandir(folder)) if folder.is_dir() else []
    # Paths are compared as written first: resolving 100,000 paths takes seconds, so only files
    # not found that way are resolved (a row may name its file through a symlink or "..").
    listed = {os.path.normpath(raw_dir / row.file) for row in metadata}
    # Hidden files (.DS_Store, ._name, .gitkeep) are what file managers and tools leave, not articles.
    candidates = [
        entry
        for entry in entries
        if entry.is_file()
        and not entry.name.startswith(".")
        and os.path.normpath(entry.path) not in listed
    ]
    resolved = {(raw_dir / row.file).resolve() for row in metadata} if candidates else set()
    unlisted = sorted(
        entry.name for entry in candidates if Path(entry.path).resolve() not in resolved
    )
    if unlisted:
        raise InputError(
            f"{shown(folder)}: {', '.join(map(shown, unlisted))} has no row in {shown(raw_dir / METADATA_FILE)}. "
            "Add a metadata row for it, or move it out of raw/."
        )


def pinned_codebooks(raw_dir: Path) -> dict[str, bytes]:
    """The stored codebooks (raw/annotations/CODEBOOK-*.md) that an annotation pass pins, by file name."""
    pinned = {annotation_pass.codebook_sha256 for annotation_pass in _read_passes(raw_dir)}
    if not pinned:
        return {}
    codebooks = {}
    for path in sorted((raw_dir / PASSES_FILE).parent.glob(CODEBOOK_PATTERN)):
        data = read_file(path, MAX_CODEBOOK_BYTES, "a codebook", inside=raw_dir)
        if hashlib.sha256(data).hexdigest() in pinned:
            codebooks[path.name] = data
    return codebooks


def _read_passes(raw_dir: Path) -> list[AnnotationPass]:
    path = raw_dir / PASSES_FILE
    if not path.exists():
        return []
    # Before its folder is listed for codebooks: raw/annotations/ may be a link out of raw/.
    if problem := file_problem(path, MAX_CSV_BYTES, "a CSV file", inside=raw_dir):
        raise InputError(problem)
    passes: list[AnnotationPass] = []
    problems: list[str] = []
    # Checked like article files: regular files inside raw/, each under its cap before reading.
    stored_codebooks = {
        file_sha256(codebook, MAX_CODEBOOK_BYTES, "a codebook", inside=raw_dir)
        for codebook in sorted(path.parent.glob(CODEBOOK_PATTERN))
    }
    for line_number, row in _read_csv(path, PASS_COLUMNS, inside=raw_dir):
        where = f"{shown(path)}: row {line_number}"
        if row["codebook_sha256"] not in stored_codebooks:
            problems.append(
                f"{where}: codebook_sha256 {row['codebook_sha256'][:12]}… matches no codebook stored as "
                f"{path.parent / CODEBOOK_PATTERN}; store the exact codebook the pass used, unedited."
            )
            continue
        if not re.fullmatch(ARTICLE_ID_PATTERN, row["pass"]) or not re.fullmatch(
            r"[0-9]+", row["round"]
        ):
            problems.append(f"{where}: pass must be a lowercase id and round a whole number.")
            continue
        if any(row["pass"] == known.name for known in passes):
            problems.append(f"{where}: pass {row['pass']!r} is listed twice.")
            continue
        if row["annotator_kind"] not in ANNOTATOR_KIND.names or (
            bool(row["model"].strip()) != (row["annotator_kind"] == "machine")
        ):
            problems.append(
                f"{where}: annotator_kind must be one of {', '.join(ANNOTATOR_KIND.names)}, with "
                "the model's name in model for a machine annotator and model empty for a human."
            )
            continue
        label_path = path.parent / row["file"]
        if not label_path.resolve().is_relative_to(path.parent.resolve()):
            problems.append(f"{where}: file {row['file']!r} is outside {path.parent}.")
            continue
        passes.append(
            AnnotationPass(
                name=row["pass"],
                round=int(row["round"]),
                annotator=row["annotator"],
                annotator_kind=row["annotator_kind"],
                model=row["model"].strip() or None,
                codebook_sha256=row["codebook_sha256"],
                rows=read_label_file(label_path, inside=raw_dir, gold=False),
            )
        )
    if problems:
        raise InputError("\n".join(problems))
    return passes


def read_label_file(path: Path, inside: Path | None = None, *, gold: bool) -> list[LabelRow]:
    """The rows of one label file (gold or a pass), checked against the label sets; inside its folder."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    labels = []
    columns = GOLD_COLUMNS if gold else LABEL_COLUMNS
    for line_number, row in _read_csv(path, columns, inside=inside or path.parent):
        where = f"{shown(path)}: row {line_number} ({row['sentence_id'] or 'no sentence_id'})"
        issues = tuple(
            name.strip() for name in row["issues"].split(ISSUES_SEPARATOR) if name.strip()
        )
        row_problems = [
            f"{where}: {label_set.field} {value!r} is not one of {', '.join(label_set.names)}."
            for label_set, values in (
                (STANCE, [row["stance"]]),
                (STANCE_HOLDER, [row["stance_holder"]]),
                (ISSUE, [row["issue"]]),
                (ISSUES, issues),
            )
            for value in values
            if value not in label_set.names
        ]
        if not row["sentence_id"] or not re.fullmatch(r"[0-9a-f]{64}", row["text_sha256"]):
            row_problems.append(f"{where}: needs a sentence_id and the 64-hex-digit text_sha256.")
        row_problems += [
            f"{where}: {problem}"
            for problem in label_row_problems(
                row["stance"], row["stance_holder"], row["issue"], issues
            )
        ]
        if gold and row["label_source"] not in ANNOTATION_SOURCES:
            row_problems.append(
                f"{where}: label_source {row['label_source']!r} is not one of "
                f"{', '.join(ANNOTATION_SOURCES)} (the model's labels are never stored as gold)."
            )
        if row["sentence_id"] in seen:
            row_problems.append(
                f"{where}: a second label row for this sentence (first: row {seen[row['sentence_id']]})."
            )
        seen.setdefault(row["sentence_id"], line_number)
        problems.extend(row_problems)
        if not row_problems:
            labels.append(
                LabelRow(
                    sentence_id=row["sentence_id"],
                    text_sha256=row["text_sha256"],
                    stance=row["stance"],
                    stance_holder=row["stance_holder"],
                    issue=row["issue"],
                    issues=tuple(sorted(set(issues), key=ISSUES.id_of)),
                    note=row["note"].strip() or None,
                    file=str(path),
                    row_number=line_number,
                    source=row["label_source"] if gold else None,
                )
            )
    if problems:
        raise InputError("\n".join(problems))
    return labels


def read_corrections(raw_dir: Path, article_ids: frozenset[str]) -> list[CleaningCorrection]:
    """raw/'s cleaning corrections, sorted by article and line; none when the file is absent."""
    path = raw_dir / CORRECTIONS_FILE
    # A dangling link is not "absent": reading it is refused by name.
    if not os.path.lexists(path):
        return []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    corrections = []
    for line_number, row in _read_csv(path, CORRECTION_COLUMNS, inside=raw_dir):
        row_problems = []
        if row["article_id"] not in article_ids:
            row_problems.append(
                f"article_id {row['article_id']!r} is not in {METADATA_FILE}; correct only listed articles"
            )
        if not re.fullmatch(r"[1-9][0-9]*", row["line_number"]):
            row_problems.append(
                f"line_number {row['line_number']!r} is not a line number (a whole number from 1)"
            )
        if not re.fullmatch(r"[0-9a-f]{64}", row["line_sha256"]):
            row_problems.append("line_sha256 must be 64 lowercase hex digits")
        if row["action"] not in CORRECTION_ACTIONS:
            row_problems.append(
                f"action {row['action']!r} is not one of {', '.join(CORRECTION_ACTIONS)}"
            )
        key = (row["article_id"], row["line_number"])
        if key in seen:
            row_problems.append(
                f"a second correction of line {row['line_number']} of this article (first: row "
                f"{seen[key]}); keep one"
            )
        seen.setdefault(key, line_number)
        if row_problems:
            problems.append(f"{shown(path)}: row {line_number}: {'; '.join(row_problems)}.")
            continue
        corrections.append(
            CleaningCorrection(
                article_id=row["article_id"],
                line_number=int(row["line_number"]),
                line_sha256=row["line_sha256"],
                action=row["action"],
                note=row["note"].strip() or None,
            )
        )
    if problems:
        raise InputError("\n".join(problems))
    return sorted(corrections, key=lambda item: (item.article_id, item.line_number))
