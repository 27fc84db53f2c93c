"""Adding an article to raw/: its bytes copied unchanged, its sha256 and metadata appended as one row,
and what the cleaner will make of it."""

import dataclasses
import hashlib
import re
import unicodedata
from pathlib import Path

from kjrel_data.clean import RemovedLine, clean_articles
from kjrel_data.errors import InputError, shown
from kjrel_data.extract import (
    EXTRACTOR_RULES,
    SUFFIX_OF_FORMAT,
    TEXT,
    DocumentMetadata,
    ExtractedText,
    extracted_document,
    file_format,
)
from kjrel_data.load import (
    ARTICLES_FOLDER,
    METADATA_COLUMNS,
    METADATA_FILE,
    ArticleMetadata,
    RawArticle,
    article_metadata,
    load_catalog,
    parse_published_date,
    read_article_bytes,
)
from kjrel_data.names import ARTICLE_ID_PATTERN, KINDS, SPLITS
from kjrel_data.raw_files import appended_rows, cell_problem, raw_lock, write_raw_files
from kjrel_data.sentence_split import split_sentences

# The options of `kjrel add` whose names differ from the field they fill.
OPTION_NAMES = {"article_id": "--id", "published_date": "--published"}
# Derived ids stay short enough to read in a table; the title's first words are enough to recognise.
MAX_DERIVED_ID_LENGTH = 60
COPYRIGHT_TEMPLATE = (
    "Copyright {outlet}. Publisher's text, included for non-commercial research; "
    "not licensed by this project."
)
# What `kjrel add` shows of the cleaned article: enough to see whether the body survived.
PREVIEW_SENTENCES = 5
PREVIEW_CHARS = 100


@dataclasses.dataclass(frozen=True)
class NewArticle:
    """What the user says about an article they add; None where they said nothing."""

    # A saved web page or PDF may state these; the user's value wins where both are given.
    outlet: str | None = None
    title: str | None = None
    article_id: str | None = None
    published_date: str | None = None
    url: str | None = None
    kind: str = "news"
    split: str | None = None
    section: str | None = None
    standfirst: str | None = None
    author: str | None = None
    copyright: str | None = None


@dataclasses.dataclass(frozen=True)
class CleaningPreview:
    """What the cleaner removes from a new article, and its first sentences once cleaned."""

    removed: list[RemovedLine]
    first_sentences: list[str]


@dataclasses.dataclass(frozen=True)
class AddedArticle:
    article_id: str
    file: str
    sha256: str
    size: int
    split: str
    preview: CleaningPreview
    # The fields filled from what the web page or PDF states, by option name, with their values.
    taken_from_file: dict[str, str] = dataclasses.field(default_factory=dict)


def add_article(raw_dir: Path, source: Path, new: NewArticle) -> AddedArticle:
    """Copy `source` into raw_dir byte for byte and append its metadata row, or change nothing."""
    raw_dir = Path(raw_dir)
    # Reading drops white space around a cell; so does adding, so the row reads back as written.
    new = dataclasses.replace(
        new,
        **{
            field.name: value.strip()
            for field in dataclasses.fields(new)
            if isinstance(value := getattr(new, field.name), str)
        },
    )
    data, extracted, stated = _read_source(Path(source))
    new, taken = _with_stated_metadata(new, stated)
    outlet, title = _required_outlet_and_title(new, source)
    sha256 = hashlib.sha256(data).hexdigest()
    article_id = new.article_id or derived_article_id(outlet, title)
    _check_new(new, article_id, source)
    with raw_lock(raw_dir):
        # The catalog's sha256 column finds the same bytes without reading an article; a copy
        # that differs only in white space or invisible characters is the build's to refuse.
        for listed in load_catalog(raw_dir).articles:
            if listed.sha256 == sha256:
                raise InputError(
                    f"{shown(source)}: these exact bytes are already in raw/ as article "
                    f"{listed.article_id!r} ({shown(listed.file)}); nothing was added."
                )
            if listed.article_id == article_id:
                raise InputError(
                    f"{shown(source)}: article id {article_id!r} is already taken by "
                    f"{shown(listed.file)} (title {listed.title!r}). If this is a "
                    "different article, give it another id with --id; nothing was added."
                )
        suffix = SUFFIX_OF_FORMAT[file_format(Path(source))]
        relative_file = f"{ARTICLES_FOLDER}/{article_id}{suffix}"
        target = raw_dir / relative_file
        if target.exists():
            raise InputError(
                f"{shown(target)} already exists but is listed in no row of {shown(raw_dir / METADATA_FILE)}. "
                "Move it out of raw/ (or give it a row), then add again."
            )
        split = new.split or default_split(article_id)
        row = {
            "article_id": article_id,
            "file": relative_file,
            "sha256": sha256,
            "outlet": outlet,
            "section": new.section,
            "title": title,
            "standfirst": new.standfirst,
            "author": new.author,
            "published_date": new.published_date,
            "url": new.url,
            "kind": new.kind,
            "language": "en",
            "split": split,
            "copyright": new.copyright or COPYRIGHT_TEMPLATE.format(outlet=outlet),
        }
        metadata = appended_rows(raw_dir / METADATA_FILE, METADATA_COLUMNS, [row])
        # Before anything is written: an article the build would refuse (nothing left once
        # cleaned) is refused here.
        preview = cleaning_preview(
            RawArticle(_metadata_of(row, str(source)), extracted.text, extracted.dropped)
        )
        # The article goes in first: a kill between the renames leaves a file without its row,
        # which the build names, rather than a row without its file.
        write_raw_files(raw_dir, [(target, data), (raw_dir / METADATA_FILE, metadata)])
    return AddedArticle(article_id, relative_file, sha256, len(data), split, preview, taken)


def _with_stated_metadata(
    new: NewArticle, stated: DocumentMetadata
) -> tuple[NewArticle, dict[str, str]]:
    """The new article with what the file states filling each field the user left empty."""
    found = {
        "title": stated.title,
        "author": stated.author,
        "published_date": _usable_date(stated.published_date),
        "url": stated.url,
        "outlet": stated.site_name,
    }
    taken = {
        name: value
        for name, value in found.items()
        if value is not None and getattr(new, name) is None and not cell_problem(name, value)
    }
    return dataclasses.replace(new, **taken), {
        OPTION_NAMES.get(name, f"--{name}"): value for name, value in taken.items()
    }


def _usable_date(value: str | None) -> str | None:
    # A page's date in another form than an ISO day, or in the future, is left for the user to give.
    if value is None:
        return None
    try:
        return parse_published_date(value[:10]).isoformat()
    except ValueError:
        return None


def _required_outlet_and_title(new: NewArticle, source: Path) -> tuple[str, str]:
    if new.outlet is not None and new.title is not None:
        return new.outlet, new.title
    missing = [f"--{name}" for name in ("outlet", "title") if getattr(new, name) is None]
    raise InputError(
        f"{shown(source)}: give {' and '.join(missing)}: "
        + (
            "the file does not state "
            + " or ".join(
                "its site name" if name == "--outlet" else "its title" for name in missing
            )
            if file_format(source) != TEXT
            else "a text file states no metadata"
        )
        + ". Nothing was added."
    )


def cleaning_preview(article: RawArticle) -> CleaningPreview:
    """What the build's cleaner and splitter make of this one article (InputError if nothing is left)."""
    clean, removed = clean_articles([article])
    sentences = split_sentences(clean)
    return CleaningPreview(removed, [item.text for item in sentences[:PREVIEW_SENTENCES]])


def preview_lines(preview: CleaningPreview) -> list[str]:
    """The removed lines as `  line N [rule]: text`, then the first sentences, escaped and shortened."""
    pieces: dict[int, list[RemovedLine]] = {}
    extracted_away: set[int] = set()
    for item in preview.removed:
        if (
            item.rule in EXTRACTOR_RULES
            and item.char_start == 0
            and item.char_end == len(item.line)
        ):
            extracted_away.add(item.line_number)
        else:
            pieces.setdefault(item.line_number, []).append(item)
    lines = []
    if extracted_away:
        # A page's menus and footers run to hundreds of lines; `kjrel review` shows each one.
        lines.append(
            f"The extractor drops {len(extracted_away)} lines of the page that are not the article "
            "(`kjrel review` shows them)."
        )
    lines.append(
        f"The cleaner removes {len(pieces)} lines:" if pieces else "The cleaner removes no line."
    )
    for number, items in pieces.items():
        rules = ", ".join(dict.fromkeys(item.rule for item in items))
        text = " … ".join(item.line[item.char_start : item.char_end] for item in items)
        lines.append(f"  line {number} [{rules}]: {shown(_shortened(text))}")
    lines.append(f"Its first {len(preview.first_sentences)} sentences once cleaned:")
    lines += [
        f"  {index}. {shown(_shortened(text))}"
        for index, text in enumerate(preview.first_sentences, start=1)
    ]
    return lines


def _shortened(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _metadata_of(row: dict[str, str | None], file: str) -> ArticleMetadata:
    """The metadata the build will read back from the new row (empty cells read as None)."""
    cells = {name: value for name, value in row.items() if value}
    published = cells.get("published_date")
    return article_metadata(
        {**cells, "file": file}, parse_published_date(published) if published else None
    )


def derived_article_id(outlet: str, title: str) -> str:
    """A readable id from the outlet and the title's first words, e.g. 'diplomat-japan-has-a-chance'."""
    outlet_words = _slug_words(outlet)
    if len(outlet_words) > 1 and outlet_words[0] == "the":
        outlet_words = outlet_words[1:]
    article_id = "-".join(outlet_words)
    for word in _slug_words(title):
        if len(article_id) + 1 + len(word) > MAX_DERIVED_ID_LENGTH:
            break
        article_id = f"{article_id}-{word}" if article_id else word
    return article_id


def default_split(article_id: str) -> str:
    """train, validation or test (8:1:1) from a hash of the id: stable, and no one picks it."""
    bucket = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "validation" if bucket == 8 else "test" if bucket == 9 else "train"


def _slug_words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))


def _read_source(source: Path) -> tuple[bytes, ExtractedText, DocumentMetadata]:
    # Only a missing file is "no such file": a FIFO or device is refused by name when read.
    if not source.exists():
        raise InputError(f"{shown(source)}: no such file.")
    file_format(source)
    data = read_article_bytes(source)
    return data, *extracted_document(source, data)


def _check_new(new: NewArticle, article_id: str, source: Path) -> None:
    problems = [
        f"{OPTION_NAMES.get(field.name, '--' + field.name)}: {problem}"
        for field in dataclasses.fields(new)
        if isinstance(value := getattr(new, field.name), str)
        and (problem := cell_problem(field.name, value))
    ]
    if problems:
        # An id or title that cannot be stored is not worth checking further.
        raise InputError(f"{shown(source)}: " + "; ".join(problems) + ". Nothing was added.")
    if not re.fullmatch(ARTICLE_ID_PATTERN, article_id):
        problems.append(
            f"article id {article_id!r} must be lowercase letters, digits and single hyphens"
            + ("" if new.article_id else " (pass one with --id)")
        )
    for name in ("outlet", "title"):
        if not (getattr(new, name) or "").strip():
            problems.append(f"--{name} is empty")
    if new.kind not in KINDS:
        problems.append(f"--kind {new.kind!r} is not one of {', '.join(KINDS)}")
    if new.split is not None and new.split not in SPLITS:
        problems.append(f"--split {new.split!r} is not one of {', '.join(SPLITS)}")
    if new.published_date is not None:
        try:
            parse_published_date(new.published_date)
        except ValueError as error:
            problems.append(f"--published: {error}".rstrip("."))
    if problems:
        raise InputError(f"{shown(source)}: " + "; ".join(problems) + ". Nothing was added.")
