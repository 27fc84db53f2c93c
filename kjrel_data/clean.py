"""Stage 2, clean: drop publisher chrome by named rules, re-join broken paragraphs.

Rules are data (cleaning_rules.toml) and come in kinds; `clean_text_of` applies them in this
order: line, tail, list, the navigation-run rule, inline, the other structural rules (line rules
are tried again on whole paragraphs in between).
- `line`: the whole line matches; it is removed.
- `tail`: the line starts the end matter (reader comments, an end-of-story marker); it and every
  later line are removed, once some body text has come before it.
- `list`: the line heads a list (related stories, tags); it and the headline-like lines after it
  are removed, up to the next line of prose.
- `inline`: the match is cut out of the line and the rest is kept (a dateline, a run-in caption).
- `structural`: decided by the article's shape, not a pattern: runs of short navigation lines,
  lines repeated elsewhere, lines before the body starts or after it ends, a cut-off last sentence.
- `correction`: a curator's correction of one line (raw/cleaning_corrections.csv), applied over
  every rule: `drop` removes what is left of the line, `keep` keeps the whole line.
Every removal is recorded with its line, its span in that line and its rule.
"""

import array
import bisect
import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kjrel_data.cleaning_rules import rule_parameter, rules_file
from kjrel_data.errors import InputError
from kjrel_data.extract import EXTRACTOR_RULES, DroppedSpan
from kjrel_data.line_classifier import (
    SENTENCE_CLOSERS,
    SENTENCE_END,
    LineModel,
    chrome_scores,
    chrome_vocabulary,
    load_line_model,
)
from kjrel_data.load import KEEP, ArticleMetadata, CleaningCorrection, RawArticle

PARAGRAPH_SEPARATOR = "\n\n"
METADATA_PLACEHOLDER = re.compile(r"\{(title|standfirst|section|author|outlet)\}")
RULE_KINDS = (
    "extractor",
    "line",
    "tail",
    "list",
    "inline",
    "structural",
    "classifier",
    "correction",
)
STRUCTURAL_RULES = (
    "navigation_run",
    "repeated_line",
    "running_header",
    "footnote_block",
    "dek",
    "outside_body",
    "unfinished_ending",
)
CLASSIFIER_RULE = "line_classifier"
CORRECTION_RULE = "correction"
NO_WORDS_RULE = "no_words"
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
LONGEST_CONTINUING_WORD = max(map(len, CONTINUING_WORDS))
DESCRIPTION_PARAMETER = re.compile(r"\{(\w+)\}")
FOOTNOTE_MARKER_AT_END = re.compile(r"(?<=[.!?…\"'”’)\]])\d{1,3}$")
# A line this long that ends a sentence is a paragraph of its own even without a blank line after
# it; hard-wrapped text breaks its lines well before this.
PARAGRAPH_LINE_LENGTH = 100
FOOTNOTE_START = re.compile(r"(?:\d{1,3}|\[\d{1,3}\]|[*†‡]) ?[A-Z“\"‘']")
# A joined paragraph longer than this is not tried against the line rules again: chrome is far
# shorter (the longest the seeds and the layout benchmarks lose to a rule is 291 characters), and
# matching at every join of a long run of broken paragraphs took time in the square of its length.
JOIN_CHECK_MAX_CHARS = 2_000


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    kind: str = "line"
    pattern: str | None = None
    outlet: str | None = None
    ignore_case: bool = False
    # The chrome family a general rule was added for in 3.0 (the benchmark compares with and without).
    family: str | None = None
    # The numbers (and names) a structural or classifier rule is decided by.
    parameters: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CleanArticle:
    metadata: ArticleMetadata
    clean_text: str
    # Raw line numbers a curator's correction keeps whole, whatever the rules say.
    lines_kept_by_correction: tuple[int, ...] = ()


@dataclass(frozen=True)
class RemovedLine:
    """Text removed from one raw line: line[char_start:char_end], by the named rule."""

    article_id: str
    line_number: int
    line: str
    char_start: int
    char_end: int
    rule: str
    score: float | None = None


def load_rules() -> tuple[Rule, ...]:
    """The cleaning rules shipped with the package, in the order they are tried."""
    data = rules_file()
    rules = tuple(_rule(rule, data["parameters"]) for rule in data["rule"])
    # The structural rules are named in this module's code; the file must declare exactly those.
    declared = {rule.name for rule in rules if rule.kind == "structural"}
    classifiers = [rule.name for rule in rules if rule.kind == "classifier"]
    corrections = [(rule.name, rule.pattern) for rule in rules if rule.kind == "correction"]
    extractors = [(rule.name, rule.pattern) for rule in rules if rule.kind == "extractor"]
    if (
        declared != set(STRUCTURAL_RULES)
        or extractors != [(name, None) for name in EXTRACTOR_RULES]
        or classifiers != [CLASSIFIER_RULE]
        or NO_WORDS_RULE not in {rule.name for rule in rules}
        or corrections != [(CORRECTION_RULE, None)]
        or any(rule.kind not in RULE_KINDS for rule in rules)
    ):
        raise ValueError(
            f"cleaning_rules.toml must declare the structural rules {STRUCTURAL_RULES}, "
            f"the classifier {CLASSIFIER_RULE!r}, the rule {CORRECTION_RULE!r} of kind "
            f"correction and the extractor rules {EXTRACTOR_RULES}, in that order, without a pattern"
        )
    return rules


def _rule(declared: dict[str, Any], shared: dict[str, Any]) -> Rule:
    """A rule as declared, its description's {parameter} names filled in with their values."""
    own = declared.get("parameters", {})
    named = set(DESCRIPTION_PARAMETER.findall(declared["description"]))
    # A description that left out a number the rule is decided by would misdescribe it once the
    # number changed, as outside_body's once did.
    if not set(own) <= named or not named <= set(own) | set(shared):
        raise ValueError(
            f"cleaning_rules.toml: rule {declared['name']!r}: its description must name each of its "
            "parameters as {name}, and only parameters of the rule or of [parameters]"
        )
    values = {**shared, **own}
    description = DESCRIPTION_PARAMETER.sub(
        lambda match: _described(values[match.group(1)]), declared["description"]
    )
    return Rule(**{**declared, "description": description})


def _described(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value[:-1]) + " or " + value[-1] if len(value) > 1 else "".join(value)
    return str(value)


RULES = load_rules()
# The structural rules' numbers, declared with their descriptions in cleaning_rules.toml.
PROSE_MIN_WORDS: int = rules_file()["parameters"]["prose_min_words"]
NAVIGATION_MAX_WORDS: int = rule_parameter("navigation_run", "max_words")
NAVIGATION_MIN_RUN: int = rule_parameter("navigation_run", "min_run")
REPEATED_MIN_WORDS: int = rule_parameter("repeated_line", "min_words")
DEK_MIN_CHROME_AFTER: int = rule_parameter("dek", "min_chrome_after")
RUNNING_HEADER_MAX_WORDS: int = rule_parameter("running_header", "max_words")
RUNNING_HEADER_MIN_GAP: int = rule_parameter("running_header", "min_gap")
FOOTNOTE_SEPARATOR = re.compile(
    rf"[-_=—–]{{{rule_parameter('footnote_block', 'separator_min_characters')},}}"
)
CLASSIFIER_MIN_LINES: int = rule_parameter(CLASSIFIER_RULE, "min_lines")
CROSSHEAD_MAX_WORDS: int = rule_parameter(CLASSIFIER_RULE, "crosshead_max_words")
# Chrome families whose words make a line of prose chrome-like (a caption's credit, a newsletter's
# pitch); dates, people's roles and document words are as common in the body.
PROSE_VETO_FAMILIES = frozenset(rule_parameter(CLASSIFIER_RULE, "prose_veto_families"))


def clean_articles(
    raw_articles: list[RawArticle],
    rules: tuple[Rule, ...] = RULES,
    corrections: tuple[CleaningCorrection, ...] = (),
) -> tuple[list[CleanArticle], list[RemovedLine]]:
    """Clean each article's text; return the clean articles and everything removed, with its rule."""
    by_article: dict[str, list[CleaningCorrection]] = {}
    for correction in corrections:
        by_article.setdefault(correction.article_id, []).append(correction)
    clean, removed = [], []
    line_model = load_line_model()
    for article in raw_articles:
        own = tuple(by_article.get(article.metadata.article_id, ()))
        clean_text, article_removed = clean_text_of(
            article.text, article.metadata, rules, line_model, own, article.dropped
        )
        if not clean_text:
            raise InputError(
                f"{article.metadata.file}: nothing is left after cleaning (every line matched a chrome "
                "rule or a drop correction). Check that the file holds the article body."
            )
        kept = tuple(sorted(item.line_number for item in own if item.action == KEEP))
        clean.append(CleanArticle(article.metadata, clean_text, kept))
        removed.extend(article_removed)
    return clean, removed


def clean_text_of(
    text: str,
    metadata: ArticleMetadata,
    rules: tuple[Rule, ...],
    line_model: LineModel | None,
    corrections: tuple[CleaningCorrection, ...] = (),
    dropped: tuple[DroppedSpan, ...] = (),
) -> tuple[str, list[RemovedLine]]:
    """One article's clean text (paragraphs separated by a blank line) and everything removed."""
    patterns = compile_rules(rules, metadata)
    page = _Page(split_lines(text))
    # What the web page's or PDF's extractor dropped is removed first: every rule sees the rest.
    for span in dropped:
        page.remove(span.line_number, span.char_start, span.char_end, span.rule)
    _apply_line_rules(page, patterns["line"])
    _apply_tail_rules(page, patterns["tail"])
    _apply_list_rules(page, patterns["list"])
    _remove_navigation_runs(page)
    _apply_inline_rules(page, patterns["inline"])
    _remove_repeated_lines(page)
    _remove_running_headers(page)
    _remove_footnote_blocks(page)
    if line_model is not None:
        _remove_classified_lines(page, line_model)
    blocks = _blocks(page)
    for block in blocks:
        rule = matching_rule(page.block_text(block), patterns["line"])
        if rule is not None:
            for number in block:
                page.remove_rest(number, rule)
    _remove_dek(page, _blocks(page))
    _remove_outside_body(page, _blocks(page))
    _remove_unfinished_ending(page, _blocks(page))
    _apply_corrections(page, corrections)
    paragraphs = [page.block_text(block) for block in _blocks(page)]
    removed = [
        RemovedLine(
            metadata.article_id,
            number,
            page.lines[number - 1],
            start,
            end,
            rule,
            page.scores.get(number) if rule == CLASSIFIER_RULE else None,
        )
        for number in sorted(page.spans)
        for start, end, rule in sorted(page.spans[number])
    ]
    return PARAGRAPH_SEPARATOR.join(join_broken_paragraphs(paragraphs, patterns["line"])), removed


def _apply_corrections(page: "_Page", corrections: tuple[CleaningCorrection, ...]) -> None:
    # After every rule, so a curator's word is final; the build has checked each line is unchanged.
    for correction in corrections:
        if correction.action == KEEP:
            page.spans.pop(correction.line_number, None)
            page.kept_text.pop(correction.line_number, None)
        else:
            page.remove_rest(correction.line_number, CORRECTION_RULE)


class _Page:
    """The raw lines and the spans removed from each so far (line numbers from 1)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.spans: dict[int, list[tuple[int, int, str]]] = {}
        # Rules ask for a line's kept text many times between removals; it changes only on removal.
        self.kept_text: dict[int, str] = {}
        # The classifier's chrome probability of each line it removed.
        self.scores: dict[int, float] = {}

    def numbers(self) -> range:
        return range(1, len(self.lines) + 1)

    def kept(self, number: int) -> str:
        """The line's text still kept, normalised ('' for blank or fully removed lines)."""
        if number not in self.kept_text:
            line = self.lines[number - 1]
            pieces, position = [], 0
            for start, end, _ in sorted(self.spans.get(number, [])):
                pieces.append(line[position:start])
                position = end
            pieces.append(line[position:])
            self.kept_text[number] = normalise_line(" ".join(pieces))
        return self.kept_text[number]

    def removed(self, number: int) -> bool:
        return number in self.spans and not self.kept(number)

    def remove(self, number: int, start: int, end: int, rule: str) -> None:
        self.spans.setdefault(number, []).append((start, end, rule))
        self.kept_text.pop(number, None)

    def remove_rest(self, number: int, rule: str, start: int = 0) -> None:
        """Remove every piece of the line still kept, from `start` on, that holds more than white space."""
        line = self.lines[number - 1]
        taken = sorted(self.spans.get(number, []))
        position = start
        for start, end in [(start, end) for start, end, _ in taken] + [(len(line), len(line))]:
            piece = line[position:start]
            if piece.strip():
                offset = len(piece) - len(piece.lstrip())
                self.remove(number, position + offset, position + len(piece.rstrip()), rule)
            position = max(position, end)

    def block_text(self, block: list[int]) -> str:
        return normalise_line(" ".join(self.kept(number) for number in block))


def split_lines(text: str) -> list[str]:
    """Lines of a text, accepting LF, CRLF and lone CR endings alike."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# Every heading mark at the line's start at once ("# # # a"), not a pass per mark. A later mark
# goes only with text after it, as a pass on the stripped line would take it ("# #" is "#"); when
# that text is marks the same pass strips ("# # __"), the line is now "", not "#".
MARKDOWN_HEADING = re.compile(r"^\s*+#{1,6}+\s++(?:#{1,6}+\s++(?=\S))*")
# Where strong text may open and close: `**a**` or `__a__`, not inside a word or a run of stars.
STRONG_OPENING = re.compile(r"(?<![\w*])(?=(\*\*|__)\S)")
STRONG_CLOSING = re.compile(r"(?<=\S)(?=(\*\*|__)(?![\w*]))")
# Possessive: a run of marks inside a word is tried once, not once per mark.
MARKDOWN_EMPHASIS = re.compile(r"(?<!\S)[*_]+(?=\S)|(?<=\S)[*_]++(?!\S)")
WHITE_SPACE = re.compile(r"\s+")


# Cached: the cleaner normalises the same lines and blocks many times over, rule by rule, within
# one article; a few thousand entries cover the longest article.
@functools.lru_cache(maxsize=2**12)
def normalise_line(line: str) -> str:
    """NFC, Markdown marks stripped, white space folded to single spaces; quotes and dashes kept."""
    line = unicodedata.normalize("NFC", line)
    if not any(mark in line for mark in "#*_"):
        # No Markdown marks to strip: only the white space is folded.
        return " ".join(line.split())
    # Repeated until nothing changes, so normalising twice gives the same text ("# # a" is "a").
    while True:
        normalised = unicodedata.normalize("NFC", line)
        normalised = MARKDOWN_HEADING.sub("", normalised)
        normalised = strip_strong(normalised)
        normalised = MARKDOWN_EMPHASIS.sub("", normalised)
        normalised = WHITE_SPACE.sub(" ", normalised).strip()
        if normalised == line:
            return normalised
        line = normalised


def strip_strong(line: str) -> str:
    """The line with the marks of each `**strong**` or `__strong__` span removed, leftmost first."""
    # What re.sub(r"(?<![\w*])(\*\*|__)(?=\S)(.+?)(?<=\S)\1(?![\w*])", r"\2", line) gives, in
    # linear time: that pattern sought a closing mark to the line's end from every opening one,
    # so a line of unclosed `**a` took time in the square of its length.
    closings: dict[str, list[int]] = {"**": [], "__": []}
    for match in STRONG_CLOSING.finditer(line):
        closings[match.group(1)].append(match.start())
    line_breaks = [match.start() for match in re.finditer("\n", line)]
    pieces, position = [], 0
    for match in STRONG_OPENING.finditer(line):
        start = match.start()
        if start < position:
            continue
        candidates = closings[match.group(1)]
        # The first closing mark after at least one character, on the same line (`.` stops there).
        index = bisect.bisect_left(candidates, start + 3)
        if index == len(candidates):
            continue
        end = candidates[index]
        next_break = bisect.bisect_left(line_breaks, start + 2)
        if next_break < len(line_breaks) and line_breaks[next_break] < end:
            continue
        pieces += [line[position:start], line[start + 2 : end]]
        position = end + 2
    pieces.append(line[position:])
    return "".join(pieces)


def is_prose(text: str) -> bool:
    """True for a normalised line or paragraph that reads as body text: a full, long sentence."""
    return len(text.split()) >= PROSE_MIN_WORDS and SENTENCE_END.search(text) is not None


def compile_rules(
    rules: tuple[Rule, ...], metadata: ArticleMetadata
) -> dict[str, list[tuple[str, re.Pattern]]]:
    """The patterned rules that apply to this article, by kind, with metadata filled in."""
    compiled: dict[str, list[tuple[str, re.Pattern]]] = {
        kind: [] for kind in RULE_KINDS if kind not in ("structural", "extractor")
    }
    for rule in rules:
        if rule.pattern is None or (rule.outlet is not None and rule.outlet != metadata.outlet):
            continue
        flags = re.IGNORECASE if rule.ignore_case else 0
        fields = METADATA_PLACEHOLDER.findall(rule.pattern)
        if not fields:
            compiled[rule.kind].append((rule.name, _compiled(rule.pattern, flags)))
            continue
        values = {field: getattr(metadata, field) for field in fields}
        if any(value is None for value in values.values()):
            continue
        pattern = METADATA_PLACEHOLDER.sub(
            functools.partial(_escaped_placeholder, values), rule.pattern
        )
        compiled[rule.kind].append((rule.name, re.compile(pattern, flags)))
    return compiled


# The rules' own patterns, compiled once: with an article's metadata patterns they outnumber the
# re module's cache, which then compiled them all again for every article.
@functools.cache
def _compiled(pattern: str, flags: int) -> re.Pattern:
    return re.compile(pattern, flags)


def _escaped_placeholder(values: dict[str, str], match: re.Match[str]) -> str:
    return re.escape(normalise_line(values[match.group(1)]))


def matching_rule(line: str, patterns: list[tuple[str, re.Pattern]]) -> str | None:
    """The name of the first rule whose pattern matches the whole line, or None."""
    return next((name for name, pattern in patterns if pattern.fullmatch(line)), None)


def _apply_line_rules(page: _Page, patterns: list[tuple[str, re.Pattern]]) -> None:
    for number in page.numbers():
        text = page.kept(number)
        rule = matching_rule(text, patterns) if text else None
        if rule is not None:
            page.remove_rest(number, rule)


def _apply_tail_rules(page: _Page, patterns: list[tuple[str, re.Pattern]]) -> None:
    # A marker before any prose is a menu item ("Comments" in a top bar), not the end matter.
    seen_prose = False
    for number in page.numbers():
        text = page.kept(number)
        rule = matching_rule(text, patterns) if text and seen_prose else None
        if rule is not None:
            for later in range(number, len(page.lines) + 1):
                page.remove_rest(later, rule)
            return
        seen_prose = seen_prose or is_prose(text)


def _apply_list_rules(page: _Page, patterns: list[tuple[str, re.Pattern]]) -> None:
    # Lines are only removed up to the one being read, so what follows it is as counted here.
    # A line that is prose on its own ends the list too: in text with no blank lines, what
    # follows it up to the next blank line may be the rest of the page.
    prose_from = _prose_from(page)
    rule = None
    for number in page.numbers():
        text = page.kept(number)
        # A heading already removed by a line rule ("Related Stories") still opens its list.
        heading = matching_rule(normalise_line(page.lines[number - 1]), patterns)
        if not text and heading is None:
            continue
        if heading is not None:
            rule = heading
        elif rule is not None and (prose_from[number] or is_prose(text)):
            rule = None
        if rule is not None:
            page.remove_rest(number, rule)


def _prose_from(page: _Page) -> dict[int, bool]:
    """Whether each line's kept text up to the next blank line reads as prose (by is_prose)."""
    # A hard-wrapped paragraph is judged as a whole. Counted once from the end: read again from
    # each line, a paragraph of many lines took time in the square of their number. The joined
    # lines' words add up, and their end is the last line's end.
    prose_from, words, last = {}, 0, ""
    for number in reversed(page.numbers()):
        text = page.kept(number)
        words, last = (words + len(text.split()), last or text) if text else (0, "")
        prose_from[number] = words >= PROSE_MIN_WORDS and SENTENCE_END.search(last) is not None
    return prose_from


def _remove_navigation_runs(page: _Page) -> None:
    run: list[int] = []
    for number in [*page.numbers(), None]:
        text = page.kept(number) if number is not None else None
        if text == "":
            continue
        if text is not None and _is_navigation_item(text):
            run.append(number)
            continue
        if len(run) >= NAVIGATION_MIN_RUN:
            for item in run:
                page.remove_rest(item, "navigation_run")
        run = []


def _is_navigation_item(text: str) -> bool:
    return len(text.split()) <= NAVIGATION_MAX_WORDS and not re.search(r"[.!?:;]$", text)


def _apply_inline_rules(page: _Page, patterns: list[tuple[str, re.Pattern]]) -> None:
    for number in page.numbers():
        if number in page.spans or not page.kept(number):
            continue
        line = page.lines[number - 1]
        # The spans taken so far, disjoint and in order: a new one can only overlap its neighbours,
        # so a line with thousands of run-in markers is not checked against each of them.
        taken: list[tuple[int, int]] = []
        for name, pattern in patterns:
            for match in pattern.finditer(line):
                start, end = match.span()
                index = bisect.bisect_left(taken, (start, end))
                if (
                    start < end
                    and (index == 0 or taken[index - 1][1] <= start)
                    and (index == len(taken) or end <= taken[index][0])
                ):
                    taken.insert(index, (start, end))
                    page.remove(number, start, end, name)
        # What a run-in removal leaves of a line may be a lone bracket or dash: no sentence.
        if taken and page.kept(number) and not any(c.isalnum() for c in page.kept(number)):
            page.remove_rest(number, NO_WORDS_RULE)


def _remove_repeated_lines(page: _Page) -> None:
    texts = {number: page.kept(number) for number in page.numbers()}
    long_texts = {n: t for n, t in texts.items() if len(t.split()) >= REPEATED_MIN_WORDS}
    counts = Counter(long_texts.values())
    # Of a paragraph shown twice (a pull quote, a repeated caption), the last copy is kept when it
    # reads as prose: that one is in the body.
    kept_copy = {text: number for number, text in long_texts.items() if is_prose(text)}
    inside = _inside_longer(long_texts)
    for number, text in long_texts.items():
        repeated = counts[text] > 1 and kept_copy.get(text) != number
        if repeated or number in inside:
            page.remove_rest(number, "repeated_line")


def _remove_running_headers(page: _Page) -> None:
    # A PDF's running header or footer comes back on every page, its page number changed: short
    # lines that occur again once digits are set aside, that end no sentence and do not carry on
    # one (a lowercase start), each a page's worth of lines after the last.
    copies: dict[str, list[int]] = {}
    for number in page.numbers():
        text = page.kept(number)
        if (
            len(text) > 1
            and len(text.split()) <= RUNNING_HEADER_MAX_WORDS
            and not text[0].islower()
            and not SENTENCE_END.search(text)
        ):
            copies.setdefault(re.sub(r"\d+", "#", text), []).append(number)
    for numbers in copies.values():
        gaps = [later - earlier for earlier, later in itertools.pairwise(numbers)]
        if gaps and min(gaps) >= RUNNING_HEADER_MIN_GAP:
            for number in numbers:
                page.remove_rest(number, "running_header")


def _remove_footnote_blocks(page: _Page) -> None:
    # In text from a PDF, a short rule ("____") closes the page's text and opens its footnotes:
    # numbered notes and their wrapped lines, up to a blank line or the page's footer. Lines are
    # only removed up to the one being read, so the next kept lines are as counted here.
    _, following = _kept_neighbours(page)
    in_notes = False
    for number in page.numbers():
        raw = normalise_line(page.lines[number - 1])
        text = page.kept(number)
        if FOOTNOTE_SEPARATOR.fullmatch(raw):
            after = following[number]
            in_notes = after is not None and bool(FOOTNOTE_START.match(page.kept(after)))
            continue
        if not raw or (page.removed(number) and in_notes and not FOOTNOTE_START.match(raw)):
            in_notes = False
            continue
        if in_notes and text:
            page.remove_rest(number, "footnote_block")


def _inside_longer(texts: dict[int, str]) -> set[int]:
    """The line numbers whose text (six words or more) occurs inside a longer line's text."""
    # A text inside another has every word but its first and last whole there, so it need only be
    # compared with the texts holding one run of three of those words: its rarest run, so that
    # lines sharing common words ("Some words of prose that go on 1 ...") are not all compared.
    distinct = set(texts.values())
    # Runs are counted by hash, in as many buckets as there are words: two runs in one bucket
    # only make one look commoner than it is, and a short article needs no large table.
    buckets = 1 + sum(len(text.split()) for text in distinct)
    counts = array.array("I", [0]) * buckets
    for text in distinct:
        for run in _word_runs(text.split()):
            counts[hash(run) % buckets] += 1
    keys = {
        text: min(_word_runs(text.split()[1:-1]), key=lambda run: counts[hash(run) % buckets])
        for text in distinct
    }
    wanted = set(keys.values())
    holders: dict[tuple[str, ...], set[str]] = {}
    for text in distinct:
        for run in _word_runs(text.split()):
            if run in wanted:
                holders.setdefault(run, set()).add(text)
    return {
        number
        for number, text in texts.items()
        if any(len(other) > len(text) and text in other for other in holders[keys[text]])
    }


def _word_runs(words: list[str]) -> Iterator[tuple[str, str, str]]:
    return zip(words, words[1:], words[2:], strict=False)


def _remove_classified_lines(page: _Page, line_model: LineModel) -> None:
    # Scored on the raw page, so a line's score does not depend on which rules matched around it;
    # only lines the rules left whole are the classifier's to remove.
    scores = chrome_scores(line_model, [normalise_line(line) for line in page.lines])
    chrome = {
        number: score
        for number, score in zip(page.numbers(), scores, strict=True)
        if score is not None and score >= line_model.threshold and number not in page.spans
    }
    # A page of a few lines has no shape to read, nor does one the model would empty: the rules
    # decide there.
    kept = [number for number in page.numbers() if page.kept(number)]
    if sum(score is not None for score in scores) < CLASSIFIER_MIN_LINES or all(
        number in chrome for number in kept
    ):
        return
    # A short line between two prose paragraphs is a crosshead or a one-line answer ("Why?"), as
    # is a short sentence between prose and the page's edge (a one-line lede or closing line);
    # a line of prose with no words of a chrome family that vetoes it is a paragraph of the body.
    # Chrome of those shapes is what the rules name.
    previous, following = _kept_neighbours(page)
    for number in list(chrome):
        text = page.kept(number)
        sides = [
            None if neighbour is None else is_prose(page.kept(neighbour))
            for neighbour in (previous[number], following[number])
        ]
        short = len(text.split()) <= CROSSHEAD_MAX_WORDS
        edge_sentence = SENTENCE_END.search(text) is not None and True in sides
        if (short and (sides == [True, True] or (edge_sentence and False not in sides))) or (
            is_prose(text) and not set(chrome_vocabulary(text)) & PROSE_VETO_FAMILIES
        ):
            del chrome[number]
    for number, score in chrome.items():
        page.scores[number] = round(score, 4)
        page.remove_rest(number, CLASSIFIER_RULE)


def _kept_neighbours(page: _Page) -> tuple[dict[int, int | None], dict[int, int | None]]:
    """For each line, the nearest line before it and after it with kept text (None at the ends)."""
    previous: dict[int, int | None] = {}
    following: dict[int, int | None] = {}
    last = None
    for number in page.numbers():
        previous[number] = last
        last = number if page.kept(number) else last
    last = None
    for number in reversed(page.numbers()):
        following[number] = last
        last = number if page.kept(number) else last
    return previous, following


def _blocks(page: _Page) -> list[list[int]]:
    """Paragraphs as lists of line numbers: kept lines between blank or removed lines."""
    blocks: list[list[int]] = []
    current: list[int] = []
    for number in page.numbers():
        text = page.kept(number)
        if not text:
            if current:
                blocks.append(current)
            current = []
            continue
        current.append(number)
        if len(text) > PARAGRAPH_LINE_LENGTH and SENTENCE_END.search(text):
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _remove_dek(page: _Page, blocks: list[list[int]]) -> None:
    # A one-sentence paragraph right under the headline, with several lines of chrome (a byline,
    # a stamp, share buttons) after it, is the dek: the outlet's summary, not body text. A lede
    # has the body after it, or at most an advertisement.
    title_lines = {
        number
        for number, spans in page.spans.items()
        if any(rule == "repeated_title" for _, _, rule in spans)
    }
    for block in blocks:
        before = block[0] - 1
        while before > 0 and not page.lines[before - 1].strip():
            before -= 1
        after = block[-1] + 1
        while after <= len(page.lines) and not page.lines[after - 1].strip():
            after += 1
        text = page.block_text(block)
        chrome_after = 0
        for number in range(after, len(page.lines) + 1):
            if page.lines[number - 1].strip() and not page.removed(number):
                break
            chrome_after += page.removed(number)
        if (
            before in title_lines
            and chrome_after >= DEK_MIN_CHROME_AFTER
            and len(re.findall(r"[.!?](?:\s|$)", text)) == 1
        ):
            for number in block:
                page.remove_rest(number, "dek")


def _remove_outside_body(page: _Page, blocks: list[list[int]]) -> None:
    # Headline matter (titles, bylines, captions, stamps) and footers (addresses, lists, links)
    # are not sentences. The body runs from the first paragraph that is a long prose sentence to
    # the last paragraph that ends one; short lines between them (a crosshead, "Why?") are kept.
    # A paragraph cut off at the end still counts by the full sentences before the cut.
    # A footnote marker glued to the last stop ("routine.1", in text from a PDF) still ends it.
    texts = [
        re.sub(
            r"([.!?…][\"'”’)\]]*) [^.!?…]*$",
            r"\1",
            FOOTNOTE_MARKER_AT_END.sub("", page.block_text(block)),
        )
        for block in blocks
    ]
    starts = [index for index, text in enumerate(texts) if is_prose(text)]
    ends = [index for index, text in enumerate(texts) if SENTENCE_END.search(text)]
    if not starts:
        return
    first, last = starts[0], max(ends)
    for index, block in enumerate(blocks):
        if index < first or index > last:
            for number in block:
                page.remove_rest(number, "outside_body")


def _remove_unfinished_ending(page: _Page, blocks: list[list[int]]) -> None:
    # A text cut off mid-sentence (a paywall, a truncated copy) loses the unfinished sentence only,
    # and only after a full sentence on the same line: a lone fragment or heading is left alone.
    if not blocks or SENTENCE_END.search(page.block_text(blocks[-1])):
        return
    number = blocks[-1][-1]
    line = page.lines[number - 1]
    ends = [
        match.end()
        for match in re.finditer(r"[.!?…][\"'”’)\]]*(?=\s)", line)
        if not any(start <= match.start() < end for start, end, _ in page.spans.get(number, []))
    ]
    if not ends or not is_prose(normalise_line(line[: ends[-1]])):
        return
    page.remove_rest(number, "unfinished_ending", start=ends[-1])


def join_broken_paragraphs(
    paragraphs: list[str], patterns: list[tuple[str, re.Pattern]]
) -> list[str]:
    """Re-join a sentence that a page or column break split in two, unless the result is chrome."""
    # Each paragraph is kept as its parts, joined once at the end: rebuilding, normalising and
    # matching the whole paragraph at each join took time in the square of its length.
    joined: list[_Paragraph] = []
    for paragraph in paragraphs:
        new = _Paragraph.of(paragraph)
        if joined and continues(joined[-1].parts[-1], paragraph):
            previous = joined[-1]
            cut, kept_length, tail = previous.joined_tail(new)
            length = kept_length + (cut > 0) + len(tail)
            # Built only when it is to be matched: a long paragraph's text is built once, at the end.
            if length > JOIN_CHECK_MAX_CHARS or (
                matching_rule(" ".join([*previous.parts[:cut], tail]), patterns) is None
            ):
                previous.replace_from(cut, kept_length, tail)
                continue
        joined.append(new)
    return [paragraph.text() for paragraph in joined]


@dataclass
class _Paragraph:
    """A paragraph as the parts it was joined from, with what a join must know of them."""

    parts: list[str]
    length: int
    normalised: bool
    # The kinds of strong mark (`**`, `__`) that open a span in the text, none of them closed there,
    # and the first part holding one (len(parts) for none): a join that closes one changes the
    # text from there on only.
    openings: set[str]
    opened_from: int

    @classmethod
    def of(cls, text: str) -> "_Paragraph":
        normalised = bool(text) and normalise_line(text) == text
        openings = _mark_kinds(STRONG_OPENING, text)
        return cls([text], len(text), normalised, openings, 0 if openings else 1)

    def text(self) -> str:
        return " ".join(self.parts)

    def joined_tail(self, new: "_Paragraph") -> tuple[int, int, str]:
        """This text and the new one joined and normalised: parts[:cut] (this long), then tail."""
        normalised = self.normalised and new.normalised
        if normalised and not self.openings & _mark_kinds(STRONG_CLOSING, new.parts[0]):
            # Normalised as they stand (a space stops NFC's composing and reordering), unless the
            # first is heading marks alone ("#" then "a" is a heading).
            if not (len(self.parts) == 1 and set(self.parts[0]) == {"#"}):
                return len(self.parts), self.length, new.parts[0]
        elif normalised and self.opened_from > 0:
            # The parts before the first strong opening are kept as they are: with no opening,
            # they pair no marks, and a space after them isolates them from what changes after.
            # The leading "a" stands for them, so that no heading is read at the start.
            rest = self.parts[self.opened_from :]
            tail = normalise_line(" ".join(["a", *rest, new.parts[0]]))
            if tail != "a":
                kept_length = self.length - len(" ".join(rest)) - 1
                return self.opened_from, kept_length, tail[2:]
        return 0, 0, normalise_line(f"{self.text()} {new.text()}")

    def replace_from(self, cut: int, kept_length: int, tail: str) -> None:
        """Keep the parts before `cut` and add `tail`, as joined_tail gave them."""
        tail_openings = _mark_kinds(STRONG_OPENING, tail)
        if cut < len(self.parts):
            self.openings = tail_openings
            self.normalised = bool(tail) or cut > 0
        else:
            self.openings |= tail_openings
        # The tail is split at the word of its first opening, so that a later join that closes
        # it normalises again from that word, not from the tail's start.
        first = STRONG_OPENING.search(tail)
        space = tail.rfind(" ", 0, first.start()) if first else -1
        pieces = [tail[:space], tail[space + 1 :]] if space > 0 else [tail]
        if self.opened_from >= cut:
            self.opened_from = cut + len(pieces) - (1 if tail_openings else 0)
        del self.parts[cut:]
        self.parts += pieces
        self.length = kept_length + (cut > 0) + len(tail)


def _mark_kinds(pattern: re.Pattern, text: str) -> set[str]:
    return {match.group(1) for match in pattern.finditer(text)}


def continues(previous: str, paragraph: str) -> bool:
    """True when `paragraph` carries on the sentence that `previous` left unfinished."""
    # Only the end of `previous` is read: a sentence end there is a stop and its closing quotes
    # and brackets, and its last word is at most as long as the longest continuing word.
    closed = previous.rstrip(SENTENCE_CLOSERS + "\n")
    if SENTENCE_END.search(previous, max(len(closed) - 1, 0)):
        return False
    # A last word cut by the tail's start is longer than any continuing word, so it is not one.
    tail = previous[-(LONGEST_CONTINUING_WORD + 2) :]
    words = re.findall(r"(?<![A-Za-z])[A-Za-z]++$", tail)
    return paragraph[:1].islower() or (bool(words) and words[0].lower() in CONTINUING_WORDS)
