"""Curators' corrections of the cleaner, one raw line each: checked against raw/, added and removed."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kjrel_data.clean import (
    RULES,
    RemovedLine,
    clean_text_of,
    normalise_line,
    split_lines,
)
from kjrel_data.errors import InputError, shown
from kjrel_data.line_classifier import load_line_model
from kjrel_data.load import (
    CORRECTION_COLUMNS,
    CORRECTIONS_FILE,
    KEEP,
    METADATA_FILE,
    ArticleMetadata,
    CleaningCorrection,
    load_catalog,
    read_article,
)
from kjrel_data.raw_files import csv_file_bytes, raw_lock, write_raw_files

# What the cleaner's rules do to a line, as `kjrel correct` reports it.
KEPT_WHOLE = "kept whole"
PARTLY_REMOVED = "partly removed"
REMOVED_WHOLE = "removed whole"


@dataclass(frozen=True)
class LineCorrected:
    correction: CleaningCorrection
    line: str
    # What the cleaner does to the line without corrections, and the rules that removed any of it.
    by_rules: str
    rules: tuple[str, ...]
    replaced: CleaningCorrection | None
    corrections_file: Path


def line_sha256(line: str) -> str:
    """sha256 hex of a raw line's UTF-8 text, as clean.split_lines gives it."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def stale_corrections(text: str, corrections: list[CleaningCorrection]) -> list[str]:
    """What changed under each correction of this article's text whose line is gone or edited."""
    lines = split_lines(text)
    problems = []
    for correction in corrections:
        number = correction.line_number
        changed = _change(lines, correction)
        if changed is None:
            continue
        problems.append(
            f"article {correction.article_id!r} line {number} ({correction.action}): {changed}. "
            f"Remove it with `kjrel uncorrect {correction.article_id} {number}`, re-check the "
            f"line, and correct it again where it is now: `kjrel correct {correction.article_id} "
            f"LINE {correction.action}`"
        )
    return problems


def _change(lines: list[str], correction: CleaningCorrection) -> str | None:
    """What changed under the correction's line since it was made, or None."""
    number = correction.line_number
    if number > len(lines):
        return f"the file now ends at line {len(lines)}"
    if line_sha256(lines[number - 1]) != correction.line_sha256:
        return f"the line now reads {shown(_shortened(lines[number - 1]))!r}"
    return None


def refuse_stale_corrections(
    raw_dir: Path, articles: list[ArticleMetadata], corrections: list[CleaningCorrection]
) -> None:
    """InputError listing every correction whose line is past its file's end or changed since."""
    by_article: dict[str, list[CleaningCorrection]] = {}
    for correction in corrections:
        by_article.setdefault(correction.article_id, []).append(correction)
    problems = [
        problem
        for row in articles
        if row.article_id in by_article
        for problem in stale_corrections(
            read_article(raw_dir, row).text, by_article[row.article_id]
        )
    ]
    if problems:
        path = shown(Path(raw_dir) / CORRECTIONS_FILE)
        raise InputError(
            f"{path}: {len(problems)} stale correction(s), made for a line that has changed since; "
            "nothing was built:\n" + "\n".join(f"{path}: {problem}." for problem in problems)
        )


def what_rules_do(
    removed: list[RemovedLine], line: str, line_number: int
) -> tuple[str, tuple[str, ...]]:
    """Whether the rules keep a line whole, remove part of it or remove all of it, and which rules."""
    spans = sorted(
        (item.char_start, item.char_end, item.rule)
        for item in removed
        if item.line_number == line_number
    )
    if not spans:
        return KEPT_WHOLE, ()
    pieces, position = [], 0
    for start, end, _ in spans:
        pieces.append(line[position:start])
        position = end
    pieces.append(line[position:])
    rules = tuple(dict.fromkeys(rule for _, _, rule in spans))
    return (PARTLY_REMOVED if normalise_line(" ".join(pieces)) else REMOVED_WHOLE), rules


def correct_line(
    raw_dir: Path, article_id: str, line_number: int, action: str, note: str | None = None
) -> LineCorrected:
    """Record (or replace) a correction of one raw line, or refuse one that changes nothing."""
    raw_dir = Path(raw_dir)
    with raw_lock(raw_dir):
        catalog = load_catalog(raw_dir)
        corrected, corrections = planned_correction(
            raw_dir, catalog.articles, catalog.corrections, article_id, line_number, action, note
        )
        path = corrected.corrections_file
        write_raw_files(raw_dir, [(path, corrections_file_bytes(path, corrections))])
    return corrected


def planned_correction(
    raw_dir: Path,
    articles: list[ArticleMetadata],
    corrections: list[CleaningCorrection],
    article_id: str,
    line_number: int,
    action: str,
    note: str | None,
) -> tuple[LineCorrected, list[CleaningCorrection]]:
    """The correction of one raw line and every correction with it; InputError if it changes nothing."""
    # Writes nothing: the caller holds raw_lock and writes the list with whatever else it changes.
    raw_dir = Path(raw_dir)
    path = raw_dir / CORRECTIONS_FILE
    metadata = _article(articles, article_id, raw_dir)
    article = read_article(raw_dir, metadata)
    lines = split_lines(article.text)
    if not 1 <= line_number <= len(lines):
        raise InputError(
            f"{shown(raw_dir / metadata.file)}: no line {line_number}; the file has lines 1 to "
            f"{len(lines)}. Nothing was written."
        )
    line = lines[line_number - 1]
    if not normalise_line(line):
        raise InputError(
            f"{shown(raw_dir / metadata.file)}: line {line_number} is blank; there is nothing "
            "to keep or drop. Nothing was written."
        )
    _, removed = clean_text_of(
        article.text, metadata, RULES, load_line_model(), (), article.dropped
    )
    by_rules, rules = what_rules_do(removed, line, line_number)
    key = (article_id, line_number)
    others = [item for item in corrections if _key(item) != key]
    replaced = next((item for item in corrections if _key(item) == key), None)
    if by_rules == (KEPT_WHOLE if action == KEEP else REMOVED_WHOLE):
        done = "keeps" if action == KEEP else "removes"
        undo = (
            f"; to remove its {replaced.action} correction, run "
            f"`kjrel uncorrect {article_id} {line_number}`"
            if replaced
            else ""
        )
        raise InputError(
            f"{shown(raw_dir / metadata.file)}: the cleaner already {done} line {line_number} "
            f"whole, so {action} would change nothing{undo}. Nothing was written."
        )
    correction = CleaningCorrection(
        article_id, line_number, line_sha256(line), action, (note or "").strip() or None
    )
    corrected = sorted([*others, correction], key=_key)
    # Stale corrections of other lines are the build's to report; they are left out here.
    own = tuple(
        item for item in corrected if item.article_id == article_id and _change(lines, item) is None
    )
    if not clean_text_of(article.text, metadata, RULES, load_line_model(), own, article.dropped)[0]:
        raise InputError(
            f"{shown(raw_dir / metadata.file)}: with line {line_number} dropped, nothing is "
            "left of the article once cleaned, and the build refuses an empty article. "
            "Nothing was written."
        )
    return LineCorrected(correction, line, by_rules, rules, replaced, path), corrected


def lines_holding(text: str, sentence: str) -> list[int]:
    """The numbers (from 1) of the raw lines of text whose normalised text contains sentence."""
    return [
        number
        for number, line in enumerate(split_lines(text), start=1)
        if sentence in normalise_line(line)
    ]


def uncorrect_line(raw_dir: Path, article_id: str, line_number: int) -> CleaningCorrection:
    """Remove the correction of one raw line; InputError when there is none."""
    raw_dir = Path(raw_dir)
    path = raw_dir / CORRECTIONS_FILE
    with raw_lock(raw_dir):
        corrections = load_catalog(raw_dir).corrections
        removed = next(
            (item for item in corrections if _key(item) == (article_id, line_number)), None
        )
        if removed is None:
            raise InputError(
                f"{shown(path)}: no correction of line {line_number} of article {article_id!r}; "
                "nothing was changed."
            )
        rest = [item for item in corrections if item is not removed]
        write_raw_files(raw_dir, [(path, corrections_file_bytes(path, rest))])
    return removed


def _key(correction: CleaningCorrection) -> tuple[str, int]:
    return correction.article_id, correction.line_number


def _article(articles: list[ArticleMetadata], article_id: str, raw_dir: Path) -> ArticleMetadata:
    found = next((row for row in articles if row.article_id == article_id), None)
    if found is None:
        raise InputError(
            f"{shown(raw_dir / METADATA_FILE)}: no article {article_id!r}; give an article_id "
            "listed there. Nothing was written."
        )
    return found


def corrections_file_bytes(path: Path, corrections: list[CleaningCorrection]) -> bytes:
    """The bytes of a whole cleaning corrections file holding corrections."""
    rows = [
        {
            "article_id": item.article_id,
            "line_number": str(item.line_number),
            "line_sha256": item.line_sha256,
            "action": item.action,
            "note": item.note,
        }
        for item in corrections
    ]
    return csv_file_bytes(path, CORRECTION_COLUMNS, rows)


def _shortened(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
