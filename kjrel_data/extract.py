"""Stage 1b, extract: an article file (text, a saved web page or a PDF) as lines of text, with
what the extractor drops.

A web page's text layer is every visible block of text in document order, a blank line between
blocks; trafilatura decides which blocks are the article, and every other block is dropped by the
rule `html_extractor`. A PDF's text layer is its lines in the order they are drawn, a blank line
between paragraphs, columns and pages; running headers and footers, page numbers, footnotes and
footnote markers are dropped by the rule of their layer. Each drop is a span of one line, so the
cleaner records it in the `removed` table with its own removals.
"""

import bisect
import codecs
import contextlib
import difflib
import itertools
import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kjrel_data.cleaning_rules import rule_parameter
from kjrel_data.errors import InputError, shown
from kjrel_data.limits import (
    MAX_ALIGNMENT_STEPS,
    MAX_ARTICLE_BYTES,
    MAX_PAGE_ELEMENTS,
    MAX_PAGE_WORDS,
    MAX_PDF_CONTENT_BYTES,
    MAX_PDF_LINES,
    MAX_PDF_PAGES,
    MAX_PDF_TRAILING_BYTES,
    MAX_TAG_ATTRIBUTES,
)

TEXT, HTML, PDF = "text", "html", "pdf"
FORMAT_OF_SUFFIX = {".txt": TEXT, ".html": HTML, ".htm": HTML, ".pdf": PDF}
SUFFIX_OF_FORMAT = {TEXT: ".txt", HTML: ".html", PDF: ".pdf"}
# The libraries whose versions decide what the build extracts (trafilatura falls back on jusText).
EXTRACTION_LIBRARIES = ("trafilatura", "justext", "lxml", "pypdf")
HTML_EXTRACTOR_RULE = "html_extractor"
PDF_HEADER_RULE = "pdf_header"
PDF_FOOTER_RULE = "pdf_footer"
PDF_PAGE_NUMBER_RULE = "pdf_page_number"
PDF_FOOTNOTE_RULE = "pdf_footnote"
PDF_FOOTNOTE_MARKER_RULE = "pdf_footnote_marker"
EXTRACTOR_RULES = (
    HTML_EXTRACTOR_RULE,
    PDF_HEADER_RULE,
    PDF_FOOTER_RULE,
    PDF_PAGE_NUMBER_RULE,
    PDF_FOOTNOTE_RULE,
    PDF_FOOTNOTE_MARKER_RULE,
)

PDF_SIGNATURE = b"%PDF-"
# A PDF ends with %%EOF (ISO 32000-1, 7.5.5); writers may add a line ending or more after it.
PDF_END_MARKER = b"%%EOF"
HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
# A page declares its encoding in its first bytes (the HTML standard's prescan reads 1,024), in a
# <meta charset> tag or in the content of a <meta http-equiv="Content-Type"> tag. Any other <meta>
# may say "charset=" in its content (a description of the page) and declares nothing.
HTML_PRESCAN_BYTES = 1_024
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
# Enough of a file to tell UTF-16 by its NUL bytes.
UTF16_SAMPLE_BYTES = 1_024
META_TAG = re.compile(rb"""<meta[\s/]((?:[^>"']|"[^"]*"|'[^']*')*)""", re.I)
META_ATTRIBUTE = re.compile(rb"""([^\s/>=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")
CHARSET_LABEL = re.compile(rb"""\s*([A-Za-z0-9._:-]+)""")
CONTENT_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# The encodings of the HTML standard (the WHATWG Encoding Standard's "Names and labels"), each
# with the Python codec that reads it and the labels a page may declare it by. Python's codec of a
# label's name may be another encoding (iso-8859-1 is read as windows-1252) or none (l1, x-sjis).
# A page that declares UTF-16 in an ASCII <meta> cannot be UTF-16, so the standard reads it as
# UTF-8. kjrel reads GBK with Python's gbk codec, Big5 with big5 and Shift_JIS with shift_jis, as
# before. The "replacement" encodings (labels of ISO-2022-KR, HZ and ISO-2022-CN, which browsers
# do not read, for safety) and x-user-defined (bytes as private-use characters) are refused: None.
WEB_ENCODINGS: tuple[tuple[str | None, str], ...] = (
    ("utf-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"),
    ("cp866", "866 cp866 csibm866 ibm866"),
    ("iso8859-2", "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 l2 latin2"),
    ("iso8859-2", "iso_8859-2:1987"),
    ("iso8859-3", "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 l3 latin3"),
    ("iso8859-3", "iso_8859-3:1988"),
    ("iso8859-4", "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 l4 latin4"),
    ("iso8859-4", "iso_8859-4:1988"),
    ("iso8859-5", "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595"),
    ("iso8859-5", "iso_8859-5 iso_8859-5:1988"),
    ("iso8859-6", "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114"),
    ("iso8859-6", "iso-8859-6 iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596"),
    ("iso8859-6", "iso_8859-6 iso_8859-6:1987"),
    ("iso8859-7", "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126"),
    ("iso8859-7", "iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek"),
    ("iso8859-8", "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138"),
    ("iso8859-8", "iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 visual"),
    # ISO-8859-8-I: the same characters as ISO-8859-8, in logical order.
    ("iso8859-8", "csiso88598i iso-8859-8-i logical"),
    ("iso8859-10", "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6"),
    ("iso8859-13", "iso-8859-13 iso8859-13 iso885913"),
    ("iso8859-14", "iso-8859-14 iso8859-14 iso885914"),
    ("iso8859-15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"),
    ("iso8859-16", "iso-8859-16"),
    ("koi8-r", "cskoi8r koi koi8 koi8-r koi8_r"),
    ("koi8-u", "koi8-ru koi8-u"),
    ("mac-roman", "csmacintosh mac macintosh x-mac-roman"),
    ("cp874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"),
    ("cp1250", "cp1250 windows-1250 x-cp1250"),
    ("cp1251", "cp1251 windows-1251 x-cp1251"),
    ("cp1252", "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100"),
    ("cp1252", "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252"),
    ("cp1252", "x-cp1252"),
    ("cp1253", "cp1253 windows-1253 x-cp1253"),
    ("cp1254", "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9"),
    ("cp1254", "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254"),
    ("cp1255", "cp1255 windows-1255 x-cp1255"),
    ("cp1256", "cp1256 windows-1256 x-cp1256"),
    ("cp1257", "cp1257 windows-1257 x-cp1257"),
    ("cp1258", "cp1258 windows-1258 x-cp1258"),
    ("mac-cyrillic", "x-mac-cyrillic x-mac-ukrainian"),
    ("gbk", "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk"),
    ("gb18030", "gb18030"),
    ("big5", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
    ("euc_jp", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
    ("iso2022_jp", "csiso2022jp iso-2022-jp"),
    ("shift_jis", "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"),
    ("cp949", "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989"),
    ("cp949", "ksc5601 ksc_5601 windows-949"),
    (None, "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement"),
    ("utf-8", "unicodefffe utf-16be"),
    ("utf-8", "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"),
    (None, "x-user-defined"),
)
CODEC_OF_LABEL = {label: codec for codec, labels in WEB_ENCODINGS for label in labels.split()}
# The Python codecs a page is read in: the standard's encodings, and UTF-16 after a byte-order mark.
# Python has other codecs under other labels (punycode, base64, rot13, ...) that no page is in.
PAGE_ENCODINGS = frozenset(
    [*(codec for codec, _ in WEB_ENCODINGS if codec is not None), "utf-16-le", "utf-16-be"]
)
# Runs of lines aligned word by word are at most this long (both sides' words); a longer run, which
# only a page far from any article makes, is matched line by line in order, within this many
# characters of where the last line was found.
MAX_ALIGNED_WORDS = 20_000
ARTICLE_SEARCH_WINDOW = 2_000
MAX_SHOWN_TAG_NAME = 40
# Elements whose content is not shown as text: besides scripts and styles, what a browser shows
# only without frames or plugins (noframes, noembed), which every browser of now has.
SKIPPED_ELEMENTS = frozenset(
    [
        "head",
        "script",
        "style",
        "noscript",
        "noframes",
        "noembed",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "canvas",
    ]
)
BLOCK_ELEMENTS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
SENTENCE_ENDS = re.compile(r"[.!?…][\"'”’)\]]*(?:\s|$)")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A style attribute is CSS: a comment separates tokens as a space does ("display:/**/none"; one
# left open runs to the end), and an escape is the character it names ("n\6f ne" and "n\one" are
# "none"), so neither hides "none" from HIDDEN_STYLE.
CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
CSS_ESCAPE = re.compile(r"\\(?:([0-9A-Fa-f]{1,6})(?:\r\n|[ \t\n\r\f])?|(.))", re.S)
MIN_ARTICLE_WORDS: int = rule_parameter(HTML_EXTRACTOR_RULE, "min_article_words")
MIN_ARTICLE_SENTENCES: int = rule_parameter(HTML_EXTRACTOR_RULE, "min_article_sentences")
PDF_MARGIN_SHARE: float = rule_parameter(PDF_HEADER_RULE, "pdf_margin_share")
# Matched against a line with its white space collapsed to single spaces: each space is optional
# and stands alone, so no two quantifiers compete for the same run of spaces (with "\s*" on both
# sides of the optional dash, a margin line of "1", thousands of spaces and "x" took minutes).
PAGE_NUMBER = re.compile(r"(?:page ?)?[-–—]? ?\d{1,4} ?[-–—]?(?: ?(?:of|/) ?\d{1,4})?", re.I)
FOOTNOTE_MARKER = re.compile(r"\d{1,3}|[*†‡§]")
FOOTNOTE_START = re.compile(r"(?:\d{1,3}|[*†‡§])\.?\s*\S")
SUPERSCRIPT_SIZE_SHARE: float = rule_parameter(PDF_FOOTNOTE_MARKER_RULE, "size_share")
FOOTNOTE_SIZE_SHARE: float = rule_parameter(PDF_FOOTNOTE_RULE, "size_share")
# A vertical gap this many times the body's line spacing ends a paragraph.
PARAGRAPH_GAP_SHARE = 1.25
BULLETS = frozenset("•◦▪▫‣⁃–-*●○■□")
# pypdf reads the bullet of PDF's standard fonts as DEL; other control characters are not text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x80-\x9f]")
# In a text file: a character that is neither white space nor a control character, and a control
# character other than a tab or a line break.
VISIBLE_CHARACTER = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]")
TEXT_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# An article is English: at least this share of its letters (counting U+FFFD and private-use
# characters, which a reader puts where it has no character) are Latin script, and at most this
# share are unreadable. Of the 22 benchmark documents, the seeds and the 212 layout pages, the
# least Latin has 98.7% Latin letters and none an unreadable character; English that quotes
# Korean or Japanese in a fifth of its characters has about 75%. A PDF whose font maps its
# glyphs to no characters came out as CJK ideographs, with no Latin letter.
MIN_LATIN_SHARE = 0.5
MAX_UNREADABLE_SHARE = 0.05
# Placeholders that PDF writers put where the author gave no title or author.
PLACEHOLDER_METADATA = frozenset(
    ["untitled", "anonymous", "(untitled)", "(anonymous)", "unspecified", "unknown", ""]
)


@dataclass(frozen=True)
class DroppedSpan:
    """line[char_start:char_end] of the text layer's line `line_number` (from 1), dropped by `rule`."""

    line_number: int
    char_start: int
    char_end: int
    rule: str


@dataclass(frozen=True)
class ExtractedText:
    text: str
    dropped: tuple[DroppedSpan, ...] = ()


@dataclass(frozen=True)
class DocumentMetadata:
    """What a file states about itself; None where it states nothing."""

    title: str | None = None
    author: str | None = None
    published_date: str | None = None
    url: str | None = None
    site_name: str | None = None


def file_format(path: Path) -> str:
    """The format an article file's suffix names; InputError for any other suffix."""
    found = FORMAT_OF_SUFFIX.get(path.suffix.lower())
    if found is None:
        raise InputError(
            f"{shown(path)}: kjrel reads articles as plain text (.txt), saved web pages (.html, .htm) "
            f"or PDFs (.pdf), not {path.suffix or 'files without a suffix'}. Save or convert it as one of those."
        )
    return found


def extracted_text(path: Path, data: bytes) -> ExtractedText:
    """The article file's text layer and what the extractor drops from it (InputError if unusable)."""
    found = file_format(path)
    _check_content(path, data, found)
    if found == TEXT:
        return _in_english(path, found, ExtractedText(decode_text(path, data)))
    if found == HTML:
        return _in_english(path, found, _html_text(path, data))
    with _PYPDF_LOG.dropped():
        return _in_english(path, found, _pdf_text(path, *_pdf_lines(path, _pdf_reader(path, data))))


def document_metadata(path: Path, data: bytes) -> DocumentMetadata:
    """The title, author, date, URL and site name the web page or PDF states (nothing for text)."""
    found = file_format(path)
    _check_content(path, data, found)
    if found == HTML:
        return _html_metadata(path, data)
    if found == PDF:
        with _PYPDF_LOG.dropped():
            return _pdf_metadata(path, _pdf_reader(path, data))
    return DocumentMetadata()


def extracted_document(path: Path, data: bytes) -> tuple[ExtractedText, DocumentMetadata]:
    """What extracted_text and document_metadata give, reading a PDF once for both."""
    found = file_format(path)
    if found != PDF:
        return extracted_text(path, data), document_metadata(path, data)
    _check_content(path, data, found)
    with _PYPDF_LOG.dropped():
        reader = _pdf_reader(path, data)
        lines, heights = _pdf_lines(path, reader)
        extracted = _in_english(path, found, _pdf_text(path, lines, heights))
        return extracted, _pdf_metadata(path, reader, lines)


def decode_text(path: Path, data: bytes) -> str:
    """An article file's text; InputError, naming the file and byte, unless it is non-empty UTF-8."""
    utf16 = _utf16_sign(data)
    if utf16 is not None:
        raise InputError(
            f"{shown(path)}: is UTF-16 text, not UTF-8 ({utf16}). Convert it to UTF-8 and record "
            "the new sha256."
        )
    if b"\x00" in data:
        position = data.index(b"\x00")
        raise InputError(
            f"{shown(path)}: contains a NUL byte at byte {position}; it is not a text file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{shown(path)}: not UTF-8 (byte {error.start} is {data[error.start : error.start + 1]!r}). "
            "Convert it to UTF-8 and record the new sha256."
        ) from None
    if not VISIBLE_CHARACTER.search(text):
        control = TEXT_CONTROL_CHARACTER.search(text)
        if control is None:
            raise InputError(f"{shown(path)}: the article is empty.")
        raise InputError(
            f"{shown(path)}: holds no text, only white space and control characters (the first, "
            f"U+{ord(control[0]):04X}, at character {control.start():,}). Check that this is the "
            "article's text file."
        )
    return text


def _in_english(path: Path, found: str, extracted: ExtractedText) -> ExtractedText:
    """The extracted text, unless what is kept of it is not in the Latin script English is written in."""
    lines = extracted.text.split("\n")
    for span in extracted.dropped:
        # Blanked, not cut out, so that the next span on the line is where it says.
        line = lines[span.line_number - 1]
        blank = " " * (span.char_end - span.char_start)
        lines[span.line_number - 1] = line[: span.char_start] + blank + line[span.char_end :]
    latin = unreadable = other = 0
    for character, count in Counter("".join(lines)).items():
        if character == "\ufffd" or unicodedata.category(character) == "Co":
            unreadable += count
        elif character.isalpha():
            if unicodedata.name(character, "").startswith("LATIN"):
                latin += count
            else:
                other += count
    letters = latin + other + unreadable
    if latin >= MIN_LATIN_SHARE * letters and unreadable <= MAX_UNREADABLE_SHARE * letters:
        return extracted
    cause = {
        TEXT: "Add the article's text in English.",
        HTML: "If the page is in English, it is not written in the encoding it declares: save "
        "it again as UTF-8.",
        PDF: "If the PDF is in English, its fonts map their glyphs to no characters (or to the "
        "wrong ones), so its text comes out as other characters: copy the article's text (from "
        "its web page, say) into a .txt file and add that.",
    }[found]
    raise InputError(
        f"{shown(path)}: its text could not be read as English: {latin / letters:.0%} of its "
        f"{letters:,} letters are Latin script and {unreadable:,} are unreadable (U+FFFD or "
        f"private use). {cause}"
    )


def _utf16_sign(data: bytes) -> str | None:
    """What shows the bytes are UTF-16 text (a byte-order mark, or NUL in every other byte), or None."""
    if data.startswith(UTF16_MARKS):
        return "it starts with a UTF-16 byte-order mark"
    # Every character of English in UTF-16 has a NUL byte, the first or the second of its two.
    sample = data[:UTF16_SAMPLE_BYTES]
    pairs = len(sample) // 2
    first, second = sample[: 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if pairs and 2 * max(first, second) > pairs and 10 * min(first, second) < pairs:
        return "every other byte is NUL, as in English written in UTF-16"
    return None


def _check_content(path: Path, data: bytes, found: str) -> None:
    # A file whose suffix names another format than its bytes would be read as the wrong thing:
    # a PDF's bytes as text, or a page's markup as sentences.
    is_pdf = data.lstrip()[: len(PDF_SIGNATURE)] == PDF_SIGNATURE
    looks_like_html = bool(HTML_START.match(data[:HTML_PRESCAN_BYTES].decode("latin-1")))
    actual = PDF if is_pdf else HTML if looks_like_html else None
    if found == PDF and not is_pdf:
        raise InputError(
            f"{shown(path)}: named .pdf but does not start with {PDF_SIGNATURE.decode()}, so it is not a PDF"
            + (" (it holds a web page: name it .html)" if looks_like_html else "")
            + ". Give the file the suffix of what it holds."
        )
    if actual is not None and actual != found:
        raise InputError(
            f"{shown(path)}: named {path.suffix} but holds {'a PDF' if actual == PDF else 'a web page'}; "
            f"name it {SUFFIX_OF_FORMAT[actual]} so that it is read as one."
        )


def _decoded_page(path: Path, data: bytes) -> str:
    """The page's text in the encoding it declares (a byte-order mark first), else UTF-8."""
    mark_length = 0
    for mark, marked in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(mark):
            mark_length, label, given = len(mark), marked, "its byte-order mark names"
            break
    else:
        utf16 = _utf16_sign(data)
        if utf16 is not None:
            raise InputError(
                f"{shown(path)}: is UTF-16 text without a byte-order mark ({utf16}); a page is "
                "read as UTF-16 only after one. Save the page again as UTF-8."
            )
        declared = _declared_charset(data[:HTML_PRESCAN_BYTES])
        label = declared or "utf-8"
        given = "it declares" if declared else "a page is read in when it declares none"
    # A label the standard does not name is taken as Python names it, as long as that is one of
    # the standard's encodings (u8, ujis, ...).
    encoding = CODEC_OF_LABEL.get(label, label)
    codec = _codec(encoding) if encoding is not None else ""
    if codec not in PAGE_ENCODINGS:
        raise InputError(
            f"{shown(path)}: declares the encoding {label!r}, which is not one a web page is "
            "written in. Save the page again as UTF-8."
        )
    try:
        return data[mark_length:].decode(codec)
    except UnicodeError as error:
        position = mark_length + (error.start if isinstance(error, UnicodeDecodeError) else 0)
        byte = data[position : position + 1]
        # A label the HTML standard reads as another encoding (iso-8859-1 as windows-1252) is
        # named with the encoding it is read in, where the byte has no character.
        problem = (
            f"not valid {label} (byte {position} is {byte!r}), the encoding {given}"
            if _codec(label) == codec
            else f"byte {position} is {byte!r}, no character in {codec}, the encoding browsers "
            f"(and kjrel) read the {label!r} it declares in"
        )
        raise InputError(
            f"{shown(path)}: {problem}. Save the page again, or declare its encoding in a "
            "<meta charset> tag."
        ) from None


def _codec(label: str) -> str:
    """The name of Python's codec of this name or alias, or "" if there is none."""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def _declared_charset(prescan: bytes) -> str | None:
    """The encoding label of the first <meta charset> or <meta http-equiv="Content-Type"> tag."""
    for tag in META_TAG.finditer(prescan):
        attributes: dict[bytes, bytes] = {}
        for name, *values in META_ATTRIBUTE.findall(tag[1]):
            attributes.setdefault(name.lower(), b"".join(values))
        if b"charset" in attributes:
            declared = CHARSET_LABEL.match(attributes[b"charset"])
        elif attributes.get(b"http-equiv", b"").strip().lower() == b"content-type":
            declared = CONTENT_CHARSET.search(attributes.get(b"content", b""))
        else:
            continue
        if declared:
            return declared[1].decode("ascii").lower()
    return None


def _page_tree(path: Path, data: bytes) -> Any:
    from lxml import etree, html

    text = _decoded_page(path, data)
    if "\x00" in text:
        raise InputError(f"{shown(path)}: contains a NUL character; it is not a web page.")
    # lxml refuses a str that declares its encoding; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    _check_attributes(path, text)
    parser = html.HTMLParser()
    try:
        tree = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise InputError(f"{shown(path)}: could not be read as a web page ({error}).") from None
    # Past its depth limit (256 elements) libxml2 stops reading and keeps what came before, with
    # only this entry in the parser's log to say so.
    for entry in parser.error_log:
        if entry.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise InputError(
                f"{shown(path)}: its elements are nested deeper than the HTML parser goes, so the "
                f"page from line {entry.line:,} on would be lost; no article page nests so deep. "
                "Save the article's own page, or copy its text into a .txt file and add that."
            )
    return tree


class _TooManyAttributes(Exception):
    """Raised by _AttributeCounter to stop the parser at a tag of too many attributes."""


class _AttributeCounter:
    """An lxml parser target that stops the parse at a tag of more than MAX_TAG_ATTRIBUTES."""

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        """A start tag, with its attributes as the parser reads them."""
        if len(attributes) > MAX_TAG_ATTRIBUTES:
            raise _TooManyAttributes(tag)

    def close(self) -> None:
        """The end of the page."""


def _check_attributes(path: Path, text: str) -> None:
    """InputError if a tag of the page has more than MAX_TAG_ATTRIBUTES attributes."""
    from lxml import etree

    # libxml2 builds a tree in time in the square of an element's attributes, but reads them for
    # a parser target in linear time. Counting them as libxml2 reads them leaves nothing for a
    # scan of the markup to miss (a quote opened in a comment or a script hid the next tag from
    # the pattern that counted them before).
    try:
        etree.fromstring(text, etree.HTMLParser(target=_AttributeCounter()))
    except _TooManyAttributes as error:
        # A tag's name runs to the first space, however long.
        name = shown(str(error)[:MAX_SHOWN_TAG_NAME])
        raise InputError(
            f"{shown(path)}: a <{name}> tag has more than {MAX_TAG_ATTRIBUTES:,} attributes; this "
            "is not a saved article page."
        ) from None
    except (etree.ParserError, ValueError):
        # Reading the tree fails in the same way, and says so.
        pass


def _html_text(path: Path, data: bytes) -> ExtractedText:
    import copy

    import trafilatura

    tree = _page_tree(path, data)
    elements = sum(1 for _ in tree.iter())
    blocks = page_blocks(tree) if elements <= MAX_PAGE_ELEMENTS else []
    words = sum(len(line.split()) for block in blocks for line in block)
    if elements > MAX_PAGE_ELEMENTS or words > MAX_PAGE_WORDS:
        raise InputError(
            f"{shown(path)}: a page of {elements:,} elements"
            + (f" and {words:,} words" if words else "")
            + f" is more than one article ({MAX_PAGE_ELEMENTS:,} elements and {MAX_PAGE_WORDS:,} "
            "words at most). Save the article's own page, or copy its text into a .txt file."
        )
    article = trafilatura.extract(
        copy.deepcopy(tree),
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
        deduplicate=False,
        config=_trafilatura_config(),
    )
    if (
        article is None
        or len(article.split()) < MIN_ARTICLE_WORDS
        # An index page's headlines and links are many words, but hardly a sentence.
        or len(SENTENCE_ENDS.findall(article)) < MIN_ARTICLE_SENTENCES
    ):
        raise InputError(
            f"{shown(path)}: no article text was found in this page (an index or search page, or a "
            "page that loads its text with JavaScript). Save the article's own page once it has "
            "loaded, or copy its text into a .txt file and add that."
        )
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines.extend(block)
    kept = kept_lines(lines, article)
    dropped = tuple(
        DroppedSpan(number, 0, len(line), HTML_EXTRACTOR_RULE)
        for number, line in enumerate(lines, start=1)
        if line and number - 1 not in kept
    )
    return _checked_length(path, ExtractedText("\n".join(lines) + "\n", dropped))


def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    # trafilatura's timeout is a SIGALRM; kjrel's own signal handlers stay in charge.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def page_blocks(root: Any) -> list[list[str]]:
    """The visible text of a parsed page: its blocks in document order, each a list of lines."""
    blocks: list[list[str]] = []
    block: list[str] = []
    pieces: list[str] = []

    def end_line() -> None:
        line = " ".join("".join(pieces).split())
        pieces.clear()
        if line:
            block.append(line)

    def end_block() -> None:
        end_line()
        if block:
            blocks.append(block.copy())
            block.clear()

    body = root.find("body")
    # An explicit stack, not recursion: a hostile page may nest elements thousands deep.
    stack: list[tuple[Any, bool]] = [(body if body is not None else root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if closing:
            if tag in BLOCK_ELEMENTS:
                end_block()
            pieces.append(element.tail or "")
            continue
        if tag is None or tag in SKIPPED_ELEMENTS or _hidden(element):
            pieces.append(element.tail or "")
            continue
        if tag == "br":
            # Two breaks in a row (an empty line) end a paragraph, as they look on the page.
            if "".join(pieces).strip():
                end_line()
            else:
                end_block()
            pieces.append(element.tail or "")
            continue
        if tag in BLOCK_ELEMENTS:
            end_block()
        pieces.append(element.text or "")
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    end_block()
    return blocks


def _hidden(element: Any) -> bool:
    return (
        element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
        or bool(HIDDEN_STYLE.search(_css_read(element.get("style") or "")))
    )


def _css_read(style: str) -> str:
    """A style attribute's CSS as a browser reads it: comments as spaces, escapes as characters."""
    if "/*" not in style and "\\" not in style:
        return style
    return CSS_ESCAPE.sub(_css_unescaped, CSS_COMMENT.sub(" ", style))


def _css_unescaped(escape: re.Match[str]) -> str:
    if escape[1] is None:
        # An escaped line break is no character; any other character stands for itself.
        return "" if escape[2] in "\n\r\f" else escape[2]
    code = int(escape[1], 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


class _Steps:
    """The steps an alignment may still take, shared by a page's lines and its runs' words."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, count: int) -> bool:
        """Take count steps if that many are left; else take none."""
        if count > self.left:
            return False
        self.left -= count
        return True


def kept_lines(lines: list[str], article: str) -> set[int]:
    """Indexes of the lines most of whose words the extracted article holds, in order."""
    # Whole lines are aligned first: most of a page's article lines come out of the extractor as
    # they are. Only the runs that differ (lines it joined, list items it marked with "- ") are
    # aligned word by word.
    numbers = [index for index, line in enumerate(lines) if line.strip()]
    page = [" ".join(lines[index].split()) for index in numbers]
    extracted = [text for line in article.split("\n") if (text := " ".join(line.split()))]
    steps = _Steps(MAX_ALIGNMENT_STEPS)
    kept: set[int] = set()
    page_end = extracted_end = 0
    for page_start, start, size in [
        *_matching_blocks(page, extracted, steps),
        (len(page), len(extracted), 0),
    ]:
        if page_end < page_start and extracted_end < start:
            run = _kept_in_run(
                page[page_end:page_start], " ".join(extracted[extracted_end:start]), steps
            )
            kept.update(numbers[page_end + index] for index in run)
        kept.update(numbers[page_start : page_start + size])
        page_end, extracted_end = page_start + size, start + size
    return kept


def _kept_in_run(lines: list[str], article: str, steps: _Steps) -> set[int]:
    """Indexes of the run's lines most of whose words the run's article text holds, in order."""
    words: list[str] = []
    line_of_word: list[int] = []
    for index, line in enumerate(lines):
        for word in line.split():
            words.append(word)
            line_of_word.append(index)
    article_words = article.split()
    if len(words) + len(article_words) > MAX_ALIGNED_WORDS:
        return _kept_in_order(lines, article)
    matched: Counter[int] = Counter()
    for start, _, size in _matching_blocks(words, article_words, steps):
        matched.update(line_of_word[start : start + size])
    return {index for index, count in matched.items() if 2 * count >= len(lines[index].split())}


def _matching_blocks(a: list[str], b: list[str], steps: _Steps) -> list[tuple[int, int, int]]:
    """Blocks (i, j, size) with a[i : i + size] == b[j : j + size], in order on both sides."""
    # difflib's blocks (its longest match, then the same on each side of it) while the steps last;
    # past them, a range is cut at the elements found once on both sides of it (the longest chain
    # of them in order), and a range without any, or once no steps are left, is matched in order.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    positions: dict[str, list[int]] = {}
    for j, element in enumerate(b):
        positions.setdefault(element, []).append(j)
    # difflib's search of a range looks at each of its elements of a and at their occurrences in b:
    # at most searched[a_end] - searched[a_start] steps.
    searched = list(
        itertools.accumulate((len(positions.get(element, ())) + 1 for element in a), initial=0)
    )
    blocks: list[tuple[int, int, int]] = []
    ranges = [(0, len(a), 0, len(b))]
    while ranges:
        a_start, a_end, b_start, b_end = ranges.pop()
        if a_start >= a_end or b_start >= b_end:
            continue
        if steps.take(searched[a_end] - searched[a_start]):
            i, j, size = matcher.find_longest_match(a_start, a_end, b_start, b_end)
            if size:
                blocks.append((i, j, size))
                ranges.append((a_start, i, b_start, j))
                ranges.append((i + size, a_end, j + size, b_end))
            continue
        anchors = (
            _unique_anchors(a, b, a_start, a_end, b_start, b_end)
            if steps.take(a_end - a_start + b_end - b_start)
            else []
        )
        if not anchors:
            blocks.extend(_in_order(a, positions, a_start, a_end, b_start, b_end))
            continue
        previous_i, previous_j = a_start, b_start
        for i, j in anchors:
            blocks.append((i, j, 1))
            ranges.append((previous_i, i, previous_j, j))
            previous_i, previous_j = i + 1, j + 1
        ranges.append((previous_i, a_end, previous_j, b_end))
    merged: list[tuple[int, int, int]] = []
    for i, j, size in sorted(blocks):
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    return merged


def _unique_anchors(
    a: list[str], b: list[str], a_start: int, a_end: int, b_start: int, b_end: int
) -> list[tuple[int, int]]:
    """The longest chain, in order on both sides, of pairs of elements found once in each range."""
    in_a = Counter(a[a_start:a_end])
    in_b = Counter(b[b_start:b_end])
    position_in_b = {b[j]: j for j in range(b_start, b_end) if in_b[b[j]] == 1}
    pairs = [
        (i, position_in_b[a[i]])
        for i in range(a_start, a_end)
        if in_a[a[i]] == 1 and a[i] in position_in_b
    ]
    # Patience sorting: ends[n] is the pair ending the chain of length n + 1 whose last j is least.
    ends: list[int] = []
    last_js: list[int] = []
    before = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(last_js, j)
        before[index] = ends[length - 1] if length else -1
        if length == len(ends):
            ends.append(index)
            last_js.append(j)
        else:
            ends[length] = index
            last_js[length] = j
    chain: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        chain.append(pairs[index])
        index = before[index]
    return chain[::-1]


def _in_order(
    a: list[str],
    positions: dict[str, list[int]],
    a_start: int,
    a_end: int,
    b_start: int,
    b_end: int,
) -> list[tuple[int, int, int]]:
    """Each element of the range of a matched at its next occurrence in the range of b, if any."""
    blocks = []
    j = b_start
    for i in range(a_start, a_end):
        found = positions.get(a[i], [])
        k = bisect.bisect_left(found, j)
        if k < len(found) and found[k] < b_end:
            blocks.append((i, found[k], 1))
            j = found[k] + 1
    return blocks


def _kept_in_order(lines: list[str], article: str) -> set[int]:
    """The lines found whole in the article text, each after the one before (a long run)."""
    kept = set()
    position = 0
    for index, line in enumerate(lines):
        found = article.find(line, position, position + len(line) + ARTICLE_SEARCH_WINDOW)
        if found >= 0:
            kept.add(index)
            position = found + len(line)
    return kept


def _html_metadata(path: Path, data: bytes) -> DocumentMetadata:
    from trafilatura.metadata import extract_metadata

    found = extract_metadata(
        _page_tree(path, data),
        date_config={"original_date": True, "extensive_search": False},
        extensive=False,
    )
    return DocumentMetadata(
        title=_stated(found.title),
        author=_stated(found.author),
        published_date=_stated(found.date),
        url=_stated(found.url),
        site_name=_stated(found.sitename),
    )


def _stated(value: str | None) -> str | None:
    # A PDF's metadata may hold terminal escapes and other control characters; none is text.
    value = "".join(
        " " if unicodedata.category(character) == "Cc" else character for character in value or ""
    )
    value = " ".join(value.split())
    return None if value.lower() in PLACEHOLDER_METADATA else value


@dataclass
class _PdfLine:
    page: int
    x: float
    y: float
    # (text, font size, font name) in the order drawn.
    pieces: list[tuple[str, float, str]] = field(default_factory=list)
    # The size and font of the line's longest piece, kept as pieces are added: the size is looked
    # at for each piece drawn, and a line may be drawn in hundreds of thousands of pieces.
    longest_size: tuple[int, float] = (0, 0.0)
    longest_font: tuple[int, str] = (0, "")

    def add(self, text: str, size: float, font: str) -> None:
        """Append a piece of text drawn at this size in this font."""
        length = len(text.strip())
        if self.pieces:
            self.longest_size = max(self.longest_size, (length, size))
            self.longest_font = max(self.longest_font, (length, font))
        else:
            self.longest_size, self.longest_font = (length, size), (length, font)
        self.pieces.append((text, size, font))

    def text(self) -> str:
        return "".join(text for text, _, _ in self.pieces)

    def size(self) -> float:
        return self.longest_size[1]

    def font(self) -> str:
        return self.longest_font[1]


class _DroppedLog:
    """A logger's records dropped while any thread reads a file (a Dask worker runs several)."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)
        self.handler = logging.NullHandler()
        self.lock = threading.Lock()
        self.readers = 0
        self.propagate = True

    @contextlib.contextmanager
    def dropped(self) -> Iterator[None]:
        """Within this, the logger's records reach no handler but one that drops them."""
        with self.lock:
            if not self.readers:
                self.propagate = self.logger.propagate
                self.logger.propagate = False
                self.logger.addHandler(self.handler)
            self.readers += 1
        try:
            yield
        finally:
            with self.lock:
                self.readers -= 1
                if not self.readers:
                    self.logger.removeHandler(self.handler)
                    self.logger.propagate = self.propagate


# pypdf logs each thing it repairs in an odd PDF (a wrong cross-reference offset, a broken object)
# as a warning to stderr, dozens for one file; kjrel says what matters about the file itself.
_PYPDF_LOG = _DroppedLog("pypdf")


def _pdf_reader(path: Path, data: bytes) -> Any:
    import io

    from pypdf import PdfReader

    end = data.rfind(PDF_END_MARKER, max(0, len(data) - MAX_PDF_TRAILING_BYTES))
    if end < 0:
        end = data.rfind(PDF_END_MARKER)
        after = len(data) - end - len(PDF_END_MARKER)
        raise InputError(
            f"{shown(path)}: the PDF is cut short "
            + (
                "(it has no %%EOF end marker)"
                if end < 0
                else f"or has something else appended to it ({after:,} bytes follow its last "
                "%%EOF end marker)"
            )
            + "; download or save it again."
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = len(reader.pages) if not encrypted else 0
    except Exception as error:
        raise _unreadable(path, error) from None
    if encrypted:
        raise InputError(
            f"{shown(path)}: the PDF is encrypted. kjrel reads only unencrypted PDFs: save a decrypted "
            "copy (for example `qpdf --decrypt IN.pdf OUT.pdf`) where its licence allows, and add that."
        )
    if pages > MAX_PDF_PAGES:
        raise InputError(
            f"{shown(path)}: {pages:,} pages is more than one article or brief ({MAX_PDF_PAGES:,} at most). "
            "Split out the article's pages and add those."
        )
    return reader


def _unreadable(path: Path, error: Exception) -> InputError:
    return InputError(
        f"{shown(path)}: could not be read as a PDF ({type(error).__name__}: {error}). "
        "Download or save it again; if it opens in a PDF viewer, print it to a new PDF and add that."
    )


def _pdf_lines(path: Path, reader: Any) -> tuple[list[_PdfLine], list[float]]:
    """Every line of text in drawing order, and each page's height."""
    collector = _LineCollector()
    heights: list[float] = []
    try:
        for page_index, page in enumerate(reader.pages):
            heights.append(float(page.mediabox.height))
            collector.start_page(page_index, float(page.mediabox.bottom), page)
            page.extract_text(
                visitor_text=collector.visit,
                visitor_operand_before=collector.before_operator,
                visitor_operand_after=collector.after_operator,
            )
            collector.end_line()
            # pypdf passes over an error in a form XObject, so a limit reached inside one is
            # raised again here.
            collector.check()
    except _TooMuchText as limit:
        raise InputError(
            f"{shown(path)}: more than {limit} is more than one article or brief. Split out the "
            "article's pages and add those."
        ) from None
    except Exception as error:
        raise _unreadable(path, error) from None
    return collector.lines, heights


class _TooMuchText(Exception):
    """Raised inside pypdf's extraction to stop it once a PDF has more text than any brief."""


class _LineCollector:
    """Gathers pypdf's pieces of text into lines: a new line at a line break or a change of height.

    It also counts the bytes of content pypdf parses for them, which is most of the time a PDF
    takes to read, however little text the content draws."""

    def __init__(self) -> None:
        self.lines: list[_PdfLine] = []
        self.current: _PdfLine | None = None
        self.page = 0
        self.bottom = 0.0
        self.characters = 0
        self.content_bytes = 0
        # The resources of the page, then of each form XObject drawn within it, innermost last:
        # a form's name is looked up in the resources of what draws it.
        self.resources: list[Any] = []

    def start_page(self, page: int, bottom: float, page_object: Any) -> None:
        """Start a page; its content is counted before pypdf parses it."""
        self.page, self.bottom = page, bottom
        resources = _text_resources(page_object)
        self.resources = [resources]
        if resources is not None:
            # pypdf parses a page's content for each page that draws it, shared or not.
            self.content_bytes += _content_bytes(page_object.get("/Contents"))
        self.check()

    def check(self) -> None:
        """Raise _TooMuchText once the PDF has more text, or more to parse, than any brief."""
        if len(self.lines) > MAX_PDF_LINES:
            raise _TooMuchText(f"{MAX_PDF_LINES:,} lines of text")
        if self.characters > MAX_ARTICLE_BYTES:
            # A few kilobytes of compressed PDF can hold megabytes of text.
            raise _TooMuchText(f"{MAX_ARTICLE_BYTES:,} characters of text")
        if self.content_bytes > MAX_PDF_CONTENT_BYTES:
            raise _TooMuchText(
                f"{MAX_PDF_CONTENT_BYTES:,} bytes of page content (the instructions that draw "
                "its pages, counted again for each page or form XObject that draws the same)"
            )

    def before_operator(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        """Before pypdf carries out an operator: a form it draws is counted before it is parsed."""
        self.check()
        if operator != b"Do":
            return
        form = _drawn_form(self.resources[-1], operands)
        self.resources.append(None if form is None else form[0])
        if form is not None:
            self.content_bytes += form[1]
            self.check()

    def after_operator(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        """After pypdf carries out an operator: a form drawn is done with."""
        if operator == b"Do":
            self.resources.pop()

    def end_line(self) -> None:
        if self.current is not None and self.current.text().strip():
            self.lines.append(self.current)
            self.check()
        self.current = None

    def visit(
        self, text: str, cm: list[float], tm: list[float], font: Any, font_size: float
    ) -> None:
        matrix = _multiplied(tm, cm)
        size = round(font_size * math.hypot(matrix[0], matrix[1]), 1)
        name = str(font.get("/BaseFont", "")) if font else ""
        x, y = matrix[4], matrix[5] - self.bottom
        self.characters += len(text)
        self.check()
        text = CONTROL_CHARACTERS.sub("", text.replace("\x7f", "•"))
        for index, part in enumerate(text.split("\n")):
            line = self.current
            if index > 0 or line is None or abs(line.y - y) > max(size, line.size()) / 2:
                self.end_line()
                line = self.current = _PdfLine(self.page, x, y)
            if part:
                line.add(part, size, name)


def _text_resources(holder: Any) -> Any:
    """A page's or form's /Resources (a page's may be its parent's), as pypdf looks them up to
    read its text; None where there are none, and pypdf parses none of its content."""
    from pypdf.generic import DictionaryObject

    resources = holder.get_inherited("/Resources")
    resources = resources.get_object() if resources is not None else None
    return resources if isinstance(resources, DictionaryObject) and resources else None


def _content_bytes(contents: Any) -> int:
    """The bytes of a page's /Contents (a stream, or an array of streams pypdf joins)."""
    from pypdf.generic import ArrayObject, StreamObject

    contents = contents.get_object() if contents is not None else None
    parts = contents if isinstance(contents, ArrayObject) else [contents]
    streams = (part.get_object() if part is not None else None for part in parts)
    return sum(len(stream.get_data()) for stream in streams if isinstance(stream, StreamObject))


def _drawn_form(resources: Any, operands: Any) -> tuple[Any, int] | None:
    """The resources and content bytes of the form XObject a Do operator draws, if pypdf parses
    its content."""
    try:
        form = resources["/XObject"][operands[0]]
        if form["/Subtype"] == "/Image":
            return None
        own = _text_resources(form)
        return None if own is None else (own, len(form.get_data()))
    except Exception:
        # pypdf passes over a form it cannot look up or decode in the same way, parsing none of it.
        return None


def _multiplied(first: list[float], second: list[float]) -> list[float]:
    a, b, c, d, e, f = first
    p, q, r, s, t, u = second
    return [
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    ]


def _pdf_text(path: Path, lines: list[_PdfLine], heights: list[float]) -> ExtractedText:
    if not any(line.text().strip() for line in lines):
        raise InputError(
            f"{shown(path)}: the PDF has no text layer (a scan or a picture of text). kjrel does no "
            "OCR: add a text version of the article, or a PDF with its text."
        )
    body_size = _body_size(lines)
    rules = _layer_rules(lines, heights, body_size)
    spacing = _line_spacing(lines, body_size)
    # One line of the text layer per paragraph, as an article pasted from a page has: the PDF's
    # hard-wrapped lines are joined, so the cleaner sees paragraphs and crossheads as it does in text.
    paragraphs: list[list[int]] = []
    for index, line in enumerate(lines):
        if (
            not paragraphs
            or rules.get(index) != rules.get(paragraphs[-1][-1])
            or _starts_paragraph(lines[paragraphs[-1][-1]], line, spacing)
        ):
            paragraphs.append([])
        paragraphs[-1].append(index)
    out: list[str] = []
    dropped: list[DroppedSpan] = []
    for paragraph in paragraphs:
        if out:
            out.append("")
        number = len(out) + 1
        text = ""
        for index in paragraph:
            line = lines[index]
            joiner = "" if not text or _hyphenated(text, line.text()) else " "
            offset = len(text) + len(joiner)
            text += joiner + line.text()
            if rules.get(index) is None:
                dropped.extend(
                    DroppedSpan(number, offset + start, offset + end, PDF_FOOTNOTE_MARKER_RULE)
                    for start, end in _marker_spans(line)
                )
        out.append(text)
        rule = rules.get(paragraph[0])
        if rule is not None:
            dropped.append(DroppedSpan(number, 0, len(text), rule))
    return _checked_length(path, ExtractedText("\n".join(out) + "\n", tuple(dropped)))


def _hyphenated(text: str, following: str) -> bool:
    # A word broken at the line's end ("govern-" then "ment") is joined without a space; the hyphen
    # is kept, as it may belong to the word ("well-known").
    return len(text) > 1 and text[-1] == "-" and text[-2].isalpha() and following[:1].islower()


def _body_size(lines: list[_PdfLine]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        for text, size, _ in line.pieces:
            sizes[size] += len(text.strip())
    return sizes.most_common(1)[0][0]


def _line_spacing(lines: list[_PdfLine], body_size: float) -> float:
    """The most common drop from one body line to the next on the same page."""
    drops: Counter[float] = Counter(
        round(previous.y - line.y, 1)
        for previous, line in itertools.pairwise(lines)
        if previous.page == line.page
        and previous.size() == line.size() == body_size
        and 0 < previous.y - line.y < 3 * body_size
    )
    return drops.most_common(1)[0][0] if drops else 1.2 * body_size


def _starts_paragraph(previous: _PdfLine, line: _PdfLine, spacing: float) -> bool:
    # A new page or column (the line above the last), a gap wider than the line spacing, or a change
    # of font (a crosshead) starts a paragraph; the cleaner joins a sentence cut by a page break.
    drop = previous.y - line.y
    if line.page == previous.page and abs(drop) < 1:
        # The same printed line, drawn in two pieces (a bullet, then its item).
        return False
    return (
        line.text().lstrip()[:1] in BULLETS
        or line.page != previous.page
        or drop <= 0
        or drop > PARAGRAPH_GAP_SHARE * spacing
        or line.font() != previous.font()
        or line.size() != previous.size()
    )


def _layer_rules(lines: list[_PdfLine], heights: list[float], body_size: float) -> dict[int, str]:
    """The rule dropping each line of a running header, footer, page number or footnote."""
    margin_lines: dict[int, str] = {}
    for index, line in enumerate(lines):
        height = heights[line.page]
        if line.y > height * (1 - PDF_MARGIN_SHARE):
            margin_lines[index] = PDF_HEADER_RULE
        elif line.y < height * PDF_MARGIN_SHARE:
            margin_lines[index] = PDF_FOOTER_RULE
    pages_of: dict[tuple[str, str], set[int]] = {}
    for index, rule in margin_lines.items():
        pages_of.setdefault((rule, _masked(lines[index].text())), set()).add(lines[index].page)
    rules: dict[int, str] = {}
    for index, rule in margin_lines.items():
        line = lines[index]
        text = line.text().strip()
        if PAGE_NUMBER.fullmatch(" ".join(text.split())):
            rules[index] = PDF_PAGE_NUMBER_RULE
        elif len(pages_of[(rule, _masked(text))]) > 1:
            rules[index] = rule
        elif line.size() < body_size:
            rules[index] = PDF_FOOTNOTE_RULE if FOOTNOTE_START.match(text) else rule
    lowest_body: dict[int, float] = {}
    for index, line in enumerate(lines):
        if index not in rules and line.size() >= body_size:
            lowest_body[line.page] = min(lowest_body.get(line.page, math.inf), line.y)
    for index, line in enumerate(lines):
        if (
            index not in rules
            and line.size() < FOOTNOTE_SIZE_SHARE * body_size
            and line.y < lowest_body.get(line.page, -math.inf)
        ):
            rules[index] = PDF_FOOTNOTE_RULE
    return rules


def _masked(text: str) -> str:
    return " ".join(re.sub(r"\d+", "#", text).lower().split())


def _marker_spans(line: _PdfLine) -> Iterator[tuple[int, int]]:
    """Spans of the superscript footnote markers in a body line."""
    main = line.size()
    position = 0
    for index, (text, size, _) in enumerate(line.pieces):
        follows_text = index > 0 and not line.pieces[index - 1][0][-1:].isspace()
        if (
            size < SUPERSCRIPT_SIZE_SHARE * main
            and follows_text
            and FOOTNOTE_MARKER.fullmatch(text.strip())
        ):
            start = position + len(text) - len(text.lstrip())
            yield start, start + len(text.strip())
        position += len(text)


def _pdf_metadata(path: Path, reader: Any, lines: list[_PdfLine] | None = None) -> DocumentMetadata:
    """The title and author the PDF states; lines are its text, if read already."""
    try:
        info = reader.metadata
        title, author = (info.title, info.author) if info is not None else (None, None)
    except Exception as error:
        raise _unreadable(path, error) from None
    title = _stated(title if isinstance(title, str) else None)
    if title is None:
        title = _largest_first_page_text(
            lines if lines is not None else _pdf_lines(path, reader)[0]
        )
    return DocumentMetadata(
        title=title, author=_stated(author if isinstance(author, str) else None)
    )


def _largest_first_page_text(lines: list[_PdfLine]) -> str | None:
    """The first page's largest lines, set larger than the body: where a PDF states its title."""
    first_page = [line for line in lines if line.page == 0 and line.text().strip()]
    if not first_page:
        return None
    largest = max(line.size() for line in first_page)
    if largest <= _body_size(lines):
        return None
    return _stated(" ".join(line.text() for line in first_page if line.size() == largest))


def _checked_length(path: Path, extracted: ExtractedText) -> ExtractedText:
    if len(extracted.text) > MAX_ARTICLE_BYTES:
        raise InputError(
            f"{shown(path)}: its text runs to {len(extracted.text):,} characters, more than one article "
            f"({MAX_ARTICLE_BYTES:,} at most). Split out the article and add that."
        )
    return extracted
