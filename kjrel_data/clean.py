"""Stage 2, clean: drop publisher chrome line by line by named rules, re-join broken paragraphs."""

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources

from kjrel_data.errors import InputError
from kjrel_data.load import ArticleMetadata, RawArticle

PARAGRAPH_SEPARATOR = "\n\n"
METADATA_PLACEHOLDER = re.compile(r"\{(title|standfirst|section|author|outlet)\}")
# Words a sentence cannot end on: a paragraph ending on one was cut by a page or column break.
CONTINUING_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "during",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "than",
        "that",
        "the",
        "to",
        "with",
    ]
)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    pattern: str
    outlet: str | None = None
    ignore_case: bool = False


@dataclass(frozen=True)
class CleanArticle:
    metadata: ArticleMetadata
    clean_text: str


@dataclass(frozen=True)
class RemovedLine:
    article_id: str
    line_number: int
    line: str
    rule: str


def load_rules() -> tuple[Rule, ...]:
    """The cleaning rules shipped with the package, in the order they are tried."""
    text = resources.files("kjrel_data").joinpath("cleaning_rules.toml").read_text(encoding="utf-8")
    return tuple(Rule(**rule) for rule in tomllib.loads(text)["rule"])


RULES = load_rules()


def clean_articles(
    raw_articles: list[RawArticle], rules: tuple[Rule, ...] = RULES
) -> tuple[list[CleanArticle], list[RemovedLine]]:
    """Clean each article's text; return the clean articles and every line removed, with its rule."""
    clean, removed = [], []
    for article in raw_articles:
        clean_text, article_removed = clean_text_of(article.text, article.metadata, rules)
        if not clean_text:
            raise InputError(
                f"{article.metadata.file}: nothing is left after cleaning (every line matched a chrome "
                "rule). Check that the file holds the article body."
            )
        clean.append(CleanArticle(metadata=article.metadata, clean_text=clean_text))
        removed.extend(article_removed)
    return clean, removed


def clean_text_of(
    text: str, metadata: ArticleMetadata, rules: tuple[Rule, ...]
) -> tuple[str, list[RemovedLine]]:
    """One article's clean text (paragraphs separated by a blank line) and every line removed."""
    # Rules are tried on each line, then on each block of consecutive kept lines (chrome wrapped
    # over several lines). Page-broken sentences are re-joined only where the result is no chrome,
    # so a join never pulls body text into a removal and cleaning clean text changes nothing.
    patterns = compile_rules(rules, metadata)
    removed: list[RemovedLine] = []
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for line_number, line in enumerate(split_lines(text), start=1):
        normalised = normalise_line(line)
        rule = matching_rule(normalised, patterns) if normalised else None
        if normalised and rule is None:
            current.append((line_number, line))
            continue
        if rule is not None:
            removed.append(RemovedLine(metadata.article_id, line_number, line, rule))
        if current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    paragraphs = []
    for block in blocks:
        block_text = normalise_line(" ".join(line for _, line in block))
        rule = matching_rule(block_text, patterns)
        if rule is None:
            paragraphs.append(block_text)
        else:
            removed += [
                RemovedLine(metadata.article_id, number, line, rule) for number, line in block
            ]
    removed.sort(key=lambda line: line.line_number)
    return PARAGRAPH_SEPARATOR.join(join_broken_paragraphs(paragraphs, patterns)), removed


def split_lines(text: str) -> list[str]:
    """Lines of a text, accepting LF, CRLF and lone CR endings alike."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def normalise_line(line: str) -> str:
    """NFC, Markdown marks stripped, white space folded to single spaces; quotes and dashes kept."""
    # Repeated until nothing changes, so normalising twice gives the same text ("# # a" is "a").
    while True:
        normalised = unicodedata.normalize("NFC", line)
        normalised = re.sub(r"^\s*#{1,6}\s+", "", normalised)
        normalised = re.sub(r"(?<!\S)[*_]+(?=\S)|(?<=\S)[*_]+(?!\S)", "", normalised)
        normalised = re.sub(r"\s+", " ", normalised).strip()
        if normalised == line:
            return normalised
        line = normalised


def compile_rules(
    rules: tuple[Rule, ...], metadata: ArticleMetadata
) -> list[tuple[str, re.Pattern]]:
    """The rules that apply to this article, with metadata filled into their patterns."""
    compiled = []
    for rule in rules:
        if rule.outlet is not None and rule.outlet != metadata.outlet:
            continue
        fields = METADATA_PLACEHOLDER.findall(rule.pattern)
        values = {field: getattr(metadata, field) for field in fields}
        if any(value is None for value in values.values()):
            continue
        pattern = METADATA_PLACEHOLDER.sub(
            lambda match, values=values: re.escape(normalise_line(values[match.group(1)])),
            rule.pattern,
        )
        compiled.append((rule.name, re.compile(pattern, re.IGNORECASE if rule.ignore_case else 0)))
    return compiled


def matching_rule(line: str, patterns: list[tuple[str, re.Pattern]]) -> str | None:
    """The name of the first rule whose pattern matches the whole line, or None."""
    return next((name for name, pattern in patterns if pattern.fullmatch(line)), None)


def join_broken_paragraphs(
    paragraphs: list[str], patterns: list[tuple[str, re.Pattern]]
) -> list[str]:
    """Re-join a sentence that a page or column break split in two, unless the result is chrome."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and continues(joined[-1], paragraph):
            candidate = normalise_line(f"{joined[-1]} {paragraph}")
            if matching_rule(candidate, patterns) is None:
                joined[-1] = candidate
                continue
        joined.append(paragraph)
    return joined


def continues(previous: str, paragraph: str) -> bool:
    """True when `paragraph` carries on the sentence that `previous` left unfinished."""
    if re.search(r"[.!?:;…][\"'”’)\]]*$", previous):
        return False
    words = re.findall(r"[A-Za-z]+$", previous)
    return paragraph[:1].islower() or (bool(words) and words[0].lower() in CONTINUING_WORDS)
