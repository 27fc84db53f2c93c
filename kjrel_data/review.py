"""`kjrel review`: one self-contained HTML page showing every line the cleaner cut, and why.

The page lists suspicious sentences first (declared once in CHECKS), then, per article, every raw
line with its number, removed text struck through beside its rule, and the sentences as the
dataset holds them. Every piece of text from raw/ is escaped: the page runs no script and loads
nothing, so a hostile article can neither run code in it nor reach the network.
"""

import html
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as compute

from kjrel_data.build import DEFAULT_OPTIONS, BuildOptions, built_batches
from kjrel_data.clean import SENTENCE_END, split_lines
from kjrel_data.errors import InputError, OutputError, shown
from kjrel_data.files import replace_text_file
from kjrel_data.label_sets import ISSUE, LABEL_SOURCE, STANCE, STANCE_HOLDER
from kjrel_data.load import METADATA_FILE, RawCatalog, load_catalog, read_article
from kjrel_data.names import ARTICLES, REMOVED, SENTENCES
from kjrel_data.tables import Corpus

# Fewer words than this is a heading, a caption or a fragment more often than a sentence.
SHORT_SENTENCE_WORDS = 4
# Words publishers' chrome is made of: links, credits, wire agencies, sign-up prompts, addresses.
# The address pattern starts only where a run of address characters starts, so it is linear.
CHROME_VOCABULARY = re.compile(
    r"\b(?:read more|related|photo|photos|credit|credits|subscribe|newsletter|copyright|"
    r"all rights reserved|getty|afp|reuters|yonhap|kyodo|associated press|sign up|click)\b"
    r"|©|https?://|\bwww\.|(?<![\w.+-])[\w.+-]++@[\w-]++\.\w",
    re.IGNORECASE,
)
# Label fields shown with each sentence (stored as their names).
SHOWN_LABEL_SETS = (STANCE, STANCE_HOLDER, ISSUE)
CORRECT_COMMAND = 'kjrel correct ARTICLE_ID LINE keep|drop --note "..."'
# Control, bidirectional and direction-mark characters are shown as escapes: a line holding one
# cannot hide text, reorder what the reader sees, or break the page's layout.
_VISIBLE = {
    code: f"\\u{code:04x}"
    for code in (
        *range(0x20),
        *range(0x7F, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    )
    if code != 0x09
}


@dataclass(frozen=True)
class Check:
    """A reason a sentence may be chrome the cleaner missed, or badly labelled."""

    name: str
    message: str
    finds: Callable[[dict], bool]


def ends_without_punctuation(text: str) -> bool:
    """True when text does not end as a sentence does (a stop, then closing quotes or brackets)."""
    return SENTENCE_END.search(text.rstrip()) is None


def is_very_short(text: str) -> bool:
    """True when text has fewer than SHORT_SENTENCE_WORDS words."""
    return len(text.split()) < SHORT_SENTENCE_WORDS


def has_chrome_vocabulary(text: str) -> bool:
    """True when text holds link, credit, wire-agency or sign-up wording, a web or e-mail address."""
    return CHROME_VOCABULARY.search(text) is not None


CHECKS = (
    Check(
        "no_end_punctuation",
        "no end punctuation: a heading, caption or cut-off line?",
        lambda sentence: ends_without_punctuation(sentence["text"]),
    ),
    Check(
        "very_short",
        f"fewer than {SHORT_SENTENCE_WORDS} words: a label or fragment?",
        lambda sentence: is_very_short(sentence["text"]),
    ),
    Check(
        "chrome_vocabulary",
        "link or credit wording (read more, photo, subscribe, ©, an address, a wire agency)",
        lambda sentence: has_chrome_vocabulary(sentence["text"]),
    ),
)


@dataclass(frozen=True)
class ReviewArticle:
    """One article as the page shows it: its raw lines, what was removed, and its sentences."""

    article_id: str
    title: str
    outlet: str
    raw_lines: tuple[str, ...]
    # Rows of the removed table (a `score` column, where present, is shown beside the rule).
    removed: tuple[dict, ...]
    # Rows of the sentences table, label fields as names.
    sentences: tuple[dict, ...]


@dataclass(frozen=True)
class WrittenReview:
    path: Path
    articles: int
    removed_lines: int
    suspicious_sentences: int


def write_review(
    raw_dir: Path,
    out: Path,
    article_ids: Sequence[str] = (),
    options: BuildOptions = DEFAULT_OPTIONS,
) -> WrittenReview:
    """Build raw_dir a batch at a time and write the review page of article_ids (default: all) to out."""
    raw_dir, out = Path(raw_dir), Path(out)
    if Path(os.path.realpath(out)).is_relative_to(Path(os.path.realpath(raw_dir))):
        raise OutputError(
            f"--out {shown(out)} is inside the --raw folder {shown(raw_dir)}, and the review "
            "never writes into raw/; choose an --out outside it."
        )
    if out.is_dir() or not out.name:
        raise OutputError(f"--out {shown(out)} is a folder; give the path of the page to write.")
    if not os.access(out.parent if str(out.parent) else Path("."), os.W_OK):
        raise OutputError(
            f"--out {shown(out)}: cannot write in {shown(out.parent)}; choose a writable folder."
        )
    catalog = load_catalog(raw_dir)
    known = {row.article_id: row for row in catalog.articles}
    unknown = sorted({article_id for article_id in article_ids if article_id not in known})
    if unknown:
        names = ", ".join(f"'{shown(article_id)}'" for article_id in unknown)
        raise InputError(
            f"{shown(raw_dir / METADATA_FILE)}: no article {names}; "
            "pass ids from its article_id column, or none for every article."
        )
    chosen = frozenset(article_ids) or frozenset(known)
    tally: Counter[str] = Counter()
    page = review_page(_tallied(_built_review_articles(catalog, chosen, options), tally))
    _write_atomically(out, page)
    return WrittenReview(
        path=out,
        articles=tally["articles"],
        removed_lines=tally["removed_lines"],
        suspicious_sentences=tally["suspicious_sentences"],
    )


def _built_review_articles(
    catalog: RawCatalog, chosen: frozenset[str], options: BuildOptions
) -> Iterator[ReviewArticle]:
    """The chosen articles as the page shows them, built a batch at a time, by id."""
    known = {row.article_id: row for row in catalog.articles}
    for corpus in built_batches(catalog, options):
        batch_ids = [
            article_id
            for table in corpus[ARTICLES].values()
            for article_id in table["article_id"].to_pylist()
            if article_id in chosen
        ]
        raw_lines = {
            article_id: tuple(split_lines(read_article(catalog.raw_dir, known[article_id]).text))
            for article_id in batch_ids
        }
        yield from review_articles(corpus, raw_lines)


def _tallied(articles: Iterable[ReviewArticle], tally: Counter[str]) -> Iterator[ReviewArticle]:
    """articles as they come, counting them, their lines with text removed and suspicious sentences."""
    for article in articles:
        tally["articles"] += 1
        tally["removed_lines"] += len({row["line_number"] for row in article.removed})
        tally["suspicious_sentences"] += sum(
            bool(reasons_of(sentence)) for sentence in article.sentences
        )
        yield article


def review_articles(corpus: Corpus, raw_lines: dict[str, tuple[str, ...]]) -> list[ReviewArticle]:
    """The corpus's articles named in raw_lines, with their removed rows and sentences, by id."""
    rows = {
        config: _rows_by_article(corpus, config, raw_lines)
        for config in (ARTICLES, REMOVED, SENTENCES)
    }
    return [
        ReviewArticle(
            article_id=article_id,
            title=article["title"],
            outlet=article["outlet"],
            raw_lines=raw_lines[article_id],
            removed=tuple(rows[REMOVED].get(article_id, [])),
            sentences=tuple(rows[SENTENCES].get(article_id, [])),
        )
        for article_id, (article,) in sorted(rows[ARTICLES].items())
    ]


def review_page(articles: Iterable[ReviewArticle]) -> str:
    """The review page of articles: suspicious sentences, then every raw line and sentence."""
    # Each article is rendered as it comes, so only the page's text is held, not the tables.
    suspicious, sections = [], []
    for article in articles:
        suspicious += [
            _suspicious_item(sentence, reasons)
            for sentence in article.sentences
            if (reasons := reasons_of(sentence))
        ]
        sections.append(_article_section(article))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>kjrel review</title>",
        f"<style>{_STYLE}</style></head>",
        "<body>",
        "<h1>kjrel review: what the cleaner removed, and what it kept</h1>",
        '<section id="suspicious">',
        f"<h2>Suspicious sentences ({len(suspicious)})</h2>",
    ]
    if suspicious:
        parts.append("<ol>")
        parts += suspicious
        parts.append("</ol>")
    else:
        parts.append("<p>None.</p>")
    parts += ["</section>", _legend()]
    parts += sections
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def reasons_of(sentence: dict) -> list[Check]:
    """The checks that find sentence suspicious, in CHECKS order."""
    return [check for check in CHECKS if check.finds(sentence)]


def line_pieces(line: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """line cut into (text, removed) pieces, in order, the removed spans merged where they touch."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)
        if end <= start:
            continue
        if start > position:
            pieces.append((line[position:start], False))
        if pieces and pieces[-1][1] and start == position:
            pieces[-1] = (pieces[-1][0] + line[start:end], True)
        else:
            pieces.append((line[start:end], True))
        position = end
    if position < len(line) or not pieces:
        pieces.append((line[position:], False))
    return pieces


def escaped(text: object) -> str:
    """text as HTML text or attribute value, control and direction characters shown as escapes."""
    return html.escape(str(text).translate(_VISIBLE), quote=True)


def _legend() -> str:
    return "\n".join(
        [
            '<section id="legend"><h2>Legend</h2><ul>',
            "<li><del>Struck text</del> was removed by the cleaner; the rule that removed it "
            "(and a classifier's score, where it made the call) stands beside the line. "
            "Text not struck is kept.</li>",
            '<li><span class="flag">Flagged</span> sentences match one of these checks:<ul>',
            *(
                f"<li><code>{escaped(check.name)}</code>: {escaped(check.message)}</li>"
                for check in CHECKS
            ),
            "</ul></li>",
            "<li>To keep a removed line or drop a kept one, run, with the article id and line "
            f"number shown: <code>{escaped(CORRECT_COMMAND)}</code> "
            "(each line's command is beside it), then <code>kjrel build</code>; "
            "<code>kjrel uncorrect</code> takes a correction back.</li>",
            "</ul></section>",
        ]
    )


def _suspicious_item(sentence: dict, reasons: list[Check]) -> str:
    return (
        f'<li><a href="#{_sentence_anchor(sentence["sentence_id"])}">'
        f"<code>{escaped(sentence['sentence_id'])}</code></a> "
        f'<span class="sentence">{escaped(sentence["text"])}</span>'
        f'<ul class="reasons">{"".join(_reason(check) for check in reasons)}</ul></li>'
    )


def _reason(check: Check) -> str:
    return f"<li><code>{escaped(check.name)}</code>: {escaped(check.message)}</li>"


def _article_section(article: ReviewArticle) -> str:
    article_id = article.article_id
    spans: dict[int, list[tuple[int, int]]] = {}
    rules: dict[int, list[str]] = {}
    for row in article.removed:
        spans.setdefault(row["line_number"], []).append((row["char_start"], row["char_end"]))
        score = row.get("score")
        rule = row["rule"] if score is None else f"{row['rule']} (score {score:.2f})"
        rules.setdefault(row["line_number"], []).append(rule)
    parts = [
        f'<section class="article" id="{_anchor("article", article_id)}">',
        f"<h2>{escaped(article.title)}</h2>",
        f'<p class="meta">{escaped(article.outlet)} · <code>{escaped(article_id)}</code> · '
        f"{len(article.raw_lines)} raw lines, {len(spans)} with text removed, "
        f"{len(article.sentences)} sentences</p>",
        "<h3>Raw lines</h3>",
        '<table class="lines"><thead><tr><th>Line</th><th>Text</th><th>Rule</th>'
        "<th>Correct with</th></tr></thead><tbody>",
    ]
    for number, line in enumerate(article.raw_lines, start=1):
        parts.append(_line_row(article_id, number, line, spans.get(number, []), rules))
    parts += [
        "</tbody></table>",
        "<h3>Sentences as the dataset holds them</h3>",
        '<table class="sentences"><thead><tr><th>Sentence id</th><th>Text</th>'
        + "".join(f"<th>{escaped(label_set.field)}</th>" for label_set in SHOWN_LABEL_SETS)
        + f"<th>{escaped(LABEL_SOURCE.field)}</th></tr></thead><tbody>",
        *(_sentence_row(sentence) for sentence in article.sentences),
        "</tbody></table>",
        "</section>",
    ]
    return "\n".join(parts)


def _line_row(
    article_id: str,
    number: int,
    line: str,
    spans: list[tuple[int, int]],
    rules: dict[int, list[str]],
) -> str:
    text = "".join(
        f"<del>{escaped(piece)}</del>" if removed else escaped(piece)
        for piece, removed in line_pieces(line, spans)
    )
    removed = bool(spans)
    # A blank line has nothing to keep or drop.
    command = f"kjrel correct {article_id} {number} {'keep' if removed else 'drop'}"
    command_cell = f"<code>{escaped(command)}</code>" if line.strip() else ""
    return (
        f'<tr id="{_anchor("line", article_id, str(number))}"'
        f"{_CLASS_REMOVED if removed else ''}>"
        f'<td class="number">{number}</td><td class="text">{text}</td>'
        f'<td class="rule">{escaped(", ".join(rules.get(number, [])))}</td>'
        f'<td class="command">{command_cell}</td></tr>'
    )


def _sentence_row(sentence: dict) -> str:
    flagged = bool(reasons_of(sentence))
    cells = [
        f"<code>{escaped(sentence['sentence_id'])}</code>",
        escaped(sentence["text"]),
        *(escaped(_shown_label(sentence, label_set.field)) for label_set in SHOWN_LABEL_SETS),
        escaped(sentence.get(LABEL_SOURCE.field) or ""),
    ]
    return (
        f'<tr id="{_sentence_anchor(sentence["sentence_id"])}"'
        f"{_CLASS_FLAG if flagged else ''}>"
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
    )


def _sentence_anchor(sentence_id: str) -> str:
    return _anchor("sentence", sentence_id)


def _anchor(*parts: str) -> str:
    # Ids from raw/ are checked against a plain pattern, but an anchor is escaped all the same.
    return escaped("-".join(parts))


def _rows_by_article(
    corpus: Corpus, config: str, raw_lines: dict[str, tuple[str, ...]]
) -> dict[str, list[dict]]:
    table = pa.concat_tables(corpus[config].values())
    # Only the chosen articles' rows become Python objects; the tables keep their sorted order.
    chosen = table.filter(
        compute.is_in(table["article_id"], pa.array(list(raw_lines), pa.string()))
    )
    grouped: dict[str, list[dict]] = {}
    for row in chosen.to_pylist():
        grouped.setdefault(row["article_id"], []).append(row)
    return grouped


def _shown_label(sentence: dict, field: str) -> str:
    # A published model label is shown apart from an annotation, with its probability.
    if sentence.get(field) is not None:
        return sentence[field]
    model = sentence.get(f"model_{field}")
    if model is None:
        return ""
    return f"{model} (model, {sentence[f'model_{field}_probability']:.2f})"


def _write_atomically(out: Path, page: str) -> None:
    try:
        replace_text_file(out, lambda handle: handle.write(page))
    except OSError as error:
        raise OutputError(
            f"{shown(out)}: cannot write the review page there ({error.strerror or error})."
        ) from None


_CLASS_REMOVED = ' class="removed"'
_CLASS_FLAG = ' class="flag"'
_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px;
  padding: 0 1em; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.5em; }
section { margin-bottom: 2.5em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1em; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top;
  unicode-bidi: isolate; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.number { text-align: right; color: #666; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; overflow-wrap: anywhere; }
td.rule { color: #8a1f11; font-size: 0.9em; }
td.command code { font-size: 0.8em; color: #555; white-space: nowrap; user-select: all; }
tr.removed { background: #fff4f2; }
del { color: #b0281a; text-decoration: line-through; text-decoration-thickness: 2px; }
tr.flag, .flag { background: #fff6c7; }
tr { scroll-margin-top: 2.5em; }
tr:target { outline: 3px solid #2f6fd6; }
#suspicious li { margin-bottom: 0.4em; }
ul.reasons { margin: 0; font-size: 0.9em; color: #6b5200; }
.meta { color: #555; }
code { font-family: ui-monospace, monospace; }
"""
