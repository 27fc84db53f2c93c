import bisect
import difflib
import io
import logging
import re
import zlib
from collections import Counter
from pathlib import Path

import pyarrow.parquet as parquet
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from kjrel_data.add import NewArticle, add_article
from kjrel_data.clean import RULES, clean_text_of
from kjrel_data.errors import InputError
from kjrel_data.extract import (
    HTML_EXTRACTOR_RULE,
    PDF_FOOTER_RULE,
    PDF_FOOTNOTE_MARKER_RULE,
    PDF_FOOTNOTE_RULE,
    PDF_HEADER_RULE,
    PDF_PAGE_NUMBER_RULE,
    _matching_blocks,
    _Steps,
    document_metadata,
    extracted_document,
    extracted_text,
    file_format,
    kept_lines,
    page_blocks,
)
from kjrel_data.limits import (
    MAX_ALIGNMENT_STEPS,
    MAX_PAGE_ELEMENTS,
    MAX_PDF_TRAILING_BYTES,
    MAX_TAG_ATTRIBUTES,
)
from kjrel_data.load import article_metadata

from .conftest import REPO
from .hostile import assert_one_message, run_kjrel
from .test_cli_bad_inputs import snapshot

# Invented test pages and PDFs (benchmarks/documents/README.md); never added to the repo's raw/.
DOCUMENTS = REPO / "benchmarks" / "documents"
PAGE = DOCUMENTS / "html" / "dev" / "korean-daily-english-cms.html"
BRIEF = DOCUMENTS / "pdf" / "dev" / "commentary-single-column-footnotes.pdf"
BODY = (
    "Officials in Seoul and Tokyo said on Monday that the two governments would resume "
    "regular talks on export controls after a pause of several months."
)
METADATA = article_metadata(
    {
        "article_id": "case",
        "file": "case.pdf",
        "sha256": "0" * 64,
        "outlet": "Outlet",
        "title": "A title nobody repeats",
        "kind": "news",
        "language": "en",
        "split": "train",
        "copyright": "invented",
    },
    None,
)


def _scanned_pdf() -> bytes:
    """A PDF page with a picture and no text, as a scanner makes."""
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, invariant=1)
    drawing.rect(72, 72, 400, 600, fill=1)
    drawing.save()
    return buffer.getvalue()


def _index_page() -> bytes:
    """A page of headlines and links, with no article."""
    links = "".join(f'<li><a href="/story/{n}">Story number {n}</a></li>' for n in range(40))
    return f"<!DOCTYPE html><html><body><nav><ul>{links}</ul></nav></body></html>".encode()


def _pdf(pages: list[list[str]], **options) -> bytes:
    """A PDF whose pages hold these body paragraphs (invented text), with a running header, a
    page-number footer, and a footnote with its marker on the first page."""
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4, invariant=1, **options)
    for number, paragraphs in enumerate(pages, start=1):
        drawing.setFont("Helvetica", 8)
        drawing.drawString(72, 810, "Institute for Invented Studies | Brief 7")
        drawing.drawCentredString(297, 30, f"Page {number} of {len(pages)}")
        y = 760.0
        for paragraph in paragraphs:
            for line in paragraph.split("\n"):
                text = drawing.beginText(72, y)
                text.setFont("Helvetica", 10)
                if "^" in line:
                    before, after = line.split("^")
                    text.textOut(before)
                    text.setFont("Helvetica", 6)
                    text.setRise(4)
                    text.textOut("1")
                    text.setRise(0)
                    text.setFont("Helvetica", 10)
                    text.textOut(after)
                else:
                    text.textOut(line)
                drawing.drawText(text)
                y -= 12
            y -= 10
        if number == 1:
            drawing.setFont("Helvetica", 7)
            drawing.drawString(72, 90, "1 An invented note on the 2015 agreement.")
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def test_page_blocks_are_the_visible_text_in_order_a_block_each():
    root = html.document_fromstring(
        "<html><head><title>Tab title</title><style>p{}</style></head><body>"
        "<nav><a>Home</a> <a>World</a></nav><p>One <b>two</b>\n three</p>"
        "<script>var x = 1;</script><div hidden>Secret</div>"
        "<p>First line<br>second line<br><br>New paragraph</p><!-- a comment -->tail text"
        "</body></html>"
    )
    assert page_blocks(root) == [
        ["Home World"],
        ["One two three"],
        ["First line", "second line"],
        ["New paragraph"],
        ["tail text"],
    ]


def test_kept_lines_are_those_most_of_whose_words_the_article_holds_in_order():
    lines = ["Home", "", "Share", BODY, "Politics", "They will meet again in May."]
    article = f"{BODY}\n- They will meet again in May."
    assert kept_lines(lines, article) == {3, 5}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.pdf", b"<!DOCTYPE html><html><body><p>x</p></body></html>", "holds a web page"),
        ("a.html", b"%PDF-1.4\n%%EOF\n", "holds a PDF; name it .pdf"),
        ("a.txt", b"<!doctype html>\n<html><p>text</p></html>", "holds a web page; name it .html"),
        ("a.txt", b"%PDF-1.7 binary", "holds a PDF"),
        ("a.docx", b"PK\x03\x04", "not .docx"),
    ],
)
def test_a_file_whose_suffix_lies_about_its_content_is_refused_by_name(name, data, message):
    with pytest.raises(InputError, match=message) as raised:
        extracted_text(Path(name), data)
    assert str(raised.value).startswith(name)


def test_a_page_is_read_in_the_encoding_it_declares():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        f"</head><body><article><p>\u201cWe agreed,\u201d said Kim \u2014 caf\u00e9 talks. {BODY}</p>"
        f"<p>{BODY}</p></article></body></html>"
    ).encode("cp1252")
    extracted = extracted_text(Path("page.html"), page)
    assert "\u201cWe agreed,\u201d said Kim \u2014 caf\u00e9 talks." in extracted.text


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="windows-1252">',
        "<meta charset=windows-1252 />",
        '<meta content="text/html; charset=windows-1252" http-equiv="Content-Type">',
        "<meta http-equiv='content-type' content='text/html;charset=\"windows-1252\"'>",
    ],
)
def test_a_page_declares_its_encoding_in_a_meta_charset_or_content_type_tag(declaration):
    page = (
        f'<html><head><meta name="description" content="charset=koi8-r">{declaration}</head>'
        f"<body><article><p>\u201cWe agreed,\u201d said Kim \u2014 caf\u00e9 talks. {BODY}</p>"
        f"<p>{BODY}</p></article></body></html>"
    ).encode("cp1252")
    extracted = extracted_text(Path("page.html"), page)
    assert "\u201cWe agreed,\u201d said Kim \u2014 caf\u00e9 talks." in extracted.text


@pytest.mark.parametrize("named", ["koi8-r", "foo"])
def test_a_charset_named_in_another_meta_tags_content_declares_nothing(named):
    description = f'<meta name="description" content="Pages in charset={named} are read as what?">'
    page = (
        f"<html><head>{description}</head><body><article>"
        f"<p>\u201cWe agreed,\u201d said Kim \u2014 caf\u00e9 talks. {BODY}</p>"
        f"<p>{BODY}</p></article></body></html>"
    ).encode()
    extracted = extracted_text(Path("page.html"), page)
    assert "\u201cWe agreed,\u201d said Kim \u2014 caf\u00e9 talks." in extracted.text


def test_a_page_not_valid_in_its_encoding_is_named_with_its_byte():
    with pytest.raises(InputError, match=r"page\.html: not valid utf-8 \(byte 18"):
        extracted_text(Path("page.html"), b"<html><body><p>caf\xe9 au lait</p></body></html>")


def test_a_byte_without_a_character_is_named_with_the_encoding_the_page_is_read_in():
    # Browsers read a page declaring ISO-8859-1 as windows-1252, where 0x81 is no character.
    page = b'<html><head><meta charset="ISO-8859-1"></head><body><p>caf\xe9 \x81</p></body></html>'
    message = (
        r"page\.html: byte 60 is b'\\x81', no character in cp1252, the encoding browsers \(and "
        r"kjrel\) read the 'iso-8859-1' it declares in\. Save the page again"
    )
    with pytest.raises(InputError, match=message):
        extracted_text(Path("page.html"), page)
    with pytest.raises(
        InputError, match=r"not valid utf-8 \(byte 6 is b'\\xe9'\), the encoding its "
    ):
        extracted_text(Path("page.html"), b"\xef\xbb\xbfcaf\xe9</p>")


def test_a_page_without_an_article_is_refused():
    with pytest.raises(InputError, match="no article text was found in this page"):
        extracted_text(Path("index.html"), _index_page())


def test_a_saved_page_keeps_its_article_and_drops_every_other_block_by_rule():
    extracted = extracted_text(PAGE, PAGE.read_bytes())
    lines = extracted.text.split("\n")
    dropped = {span.line_number for span in extracted.dropped}
    assert {span.rule for span in extracted.dropped} == {HTML_EXTRACTOR_RULE}
    assert all(
        (span.char_start, span.char_end) == (0, len(lines[span.line_number - 1]))
        for span in extracted.dropped
    )
    expected = (PAGE.parent / "korean-daily-english-cms.clean.txt").read_text(encoding="utf-8")
    kept = [line for number, line in enumerate(lines, start=1) if line and number not in dropped]
    for paragraph in expected.split("\n\n"):
        assert any(paragraph.strip() in line for line in kept), paragraph
    assert any("Subscribe" in lines[number - 1] for number in dropped)


def test_a_pdf_drops_its_running_header_page_numbers_footnotes_and_markers():
    data = _pdf(
        [
            [
                f"{BODY[:68]}\n{BODY[69:]}",
                "Both sides agreed in 2015.^ The talks went on\nfor many",
            ],
            ["months while officials weighed the domestic costs of compromise."],
        ]
    )
    extracted = extracted_text(Path("brief.pdf"), data)
    lines = extracted.text.split("\n")
    rules = {
        lines[span.line_number - 1][span.char_start : span.char_end]: span.rule
        for span in extracted.dropped
    }
    assert rules["Institute for Invented Studies | Brief 7"] == PDF_HEADER_RULE
    assert rules["Page 1 of 2"] == rules["Page 2 of 2"] == PDF_PAGE_NUMBER_RULE
    assert rules["1 An invented note on the 2015 agreement."] == PDF_FOOTNOTE_RULE
    assert rules["1"] == PDF_FOOTNOTE_MARKER_RULE
    # Hard-wrapped lines are joined into one line a paragraph, as in a pasted text.
    assert BODY in lines
    clean_text, removed = clean_text_of(
        extracted.text, METADATA, RULES, None, (), extracted.dropped
    )
    # The marker is cut out, and the sentence broken by the page is joined again.
    assert "agreed in 2015. The talks went on for many months while officials" in clean_text
    assert "Institute" not in clean_text and "invented note" not in clean_text
    assert {item.rule for item in removed} >= {PDF_HEADER_RULE, PDF_PAGE_NUMBER_RULE}
    assert PDF_FOOTER_RULE not in {item.rule for item in removed}


def test_pdf_metadata_is_what_the_document_states_and_placeholders_are_none():
    stated = _pdf(
        [[BODY]],
    )
    assert document_metadata(Path("brief.pdf"), stated).title is None
    titled = io.BytesIO()
    drawing = canvas.Canvas(titled, invariant=1)
    drawing.setTitle("Seize the\x07 Moment\x1b")
    drawing.setAuthor("Min-ji Park")
    drawing.setFont("Helvetica", 10)
    drawing.drawString(72, 700, BODY)
    drawing.save()
    found = document_metadata(Path("brief.pdf"), titled.getvalue())
    assert (found.title, found.author, found.published_date) == (
        "Seize the Moment",
        "Min-ji Park",
        None,
    )


def test_a_scanned_an_encrypted_and_a_cut_short_pdf_are_refused():
    with pytest.raises(InputError, match=r"has no text layer.*no OCR"):
        extracted_text(Path("scan.pdf"), _scanned_pdf())
    with pytest.raises(InputError, match="is encrypted"):
        extracted_text(Path("locked.pdf"), _pdf([[BODY]], encrypt="secret"))
    whole = _pdf([[BODY]])
    with pytest.raises(InputError, match="cut short"):
        extracted_text(Path("cut.pdf"), whole[: len(whole) // 2])


@pytest.mark.parametrize(
    ("data", "first"),
    [
        (b"\x1c\x1d\n", "U+001C, at character 0"),
        (b"\n\x01\x02", "U+0001, at character 1"),
        (b"\x0c\n", "U+000C"),
        (b" \x7f", "U+007F"),
    ],
)
def test_a_text_file_of_control_characters_is_refused_as_such_not_as_empty(data, first):
    message = "a.txt: holds no text, only white space and control characters (the first, " + first
    with pytest.raises(InputError, match=re.escape(message)):
        extracted_text(Path("a.txt"), data)
    with pytest.raises(InputError, match=r"a\.txt: the article is empty"):
        extracted_text(Path("a.txt"), b" \n\t\r\n")


def test_a_utf16_file_is_refused_as_utf16_not_for_its_nul_bytes():
    text = f"\u201cWe agreed,\u201d said Kim. {BODY}\n"
    for data in (text.encode("utf-16-le"), text.encode("utf-16-be")):
        with pytest.raises(
            InputError, match=r"a\.txt: is UTF-16 text, not UTF-8 \(every other byte"
        ):
            extracted_text(Path("a.txt"), data)
    with pytest.raises(InputError, match=r"a\.txt: is UTF-16 text, not UTF-8 \(it starts with"):
        extracted_text(Path("a.txt"), text.encode("utf-16"))
    page = f"<html><body><article><p>{BODY}</p></article></body></html>"
    with pytest.raises(InputError, match=r"a\.html: is UTF-16 text without a byte-order mark"):
        extracted_text(Path("a.html"), page.encode("utf-16-le"))
    # With its byte-order mark, a page is read as UTF-16.
    with pytest.raises(InputError, match="no article text was found"):
        extracted_text(Path("a.html"), page.encode("utf-16"))


def test_a_pdf_with_bytes_after_its_end_marker_is_read_unless_they_are_past_any_padding():
    whole = _pdf([[BODY]])
    padded = whole + b"\x00" * 4_096 + b"<html><body>Not found</body></html>\n" * 100
    assert BODY in extracted_text(Path("padded.pdf"), padded).text
    assert whole.endswith(b"%%EOF\n")
    appended = whole + b"\x00" * MAX_PDF_TRAILING_BYTES
    with pytest.raises(InputError, match=r"appended to it \(65,537 bytes follow its last %%EOF"):
        extracted_text(Path("appended.pdf"), appended)
    with pytest.raises(InputError, match=r"cut\.pdf: the PDF is cut short \(it has no %%EOF end"):
        extracted_text(Path("cut.pdf"), whole[: len(whole) // 2])


def test_the_format_is_the_suffix_in_any_case():
    assert file_format(Path("A.HTM")) == "html" and file_format(Path("b.Pdf")) == "pdf"


@pytest.mark.slow
def test_add_a_page_and_a_pdf_then_build_twice_gives_round_tripping_offsets_and_the_drops(
    raw_copy, tmp_path, capsys
):
    page = run_kjrel(["add", PAGE, "--raw", raw_copy], capsys)
    assert page.status == 0, page.stderr
    # The page states its title, author, date, URL and site name; add says what it took.
    assert "Taken from the file" in page.stdout and "--outlet" in page.stdout
    assert "The extractor drops" in page.stdout
    brief = run_kjrel(["add", BRIEF, "--outlet", "Invented Institute", "--raw", raw_copy], capsys)
    assert brief.status == 0, brief.stderr
    page_id, brief_id = page.stdout.split()[1], brief.stdout.split()[1]
    assert (raw_copy / "articles" / f"{page_id}.html").read_bytes() == PAGE.read_bytes()
    assert (raw_copy / "articles" / f"{brief_id}.pdf").read_bytes() == BRIEF.read_bytes()
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = run_kjrel(["build", "--raw", raw_copy, "--out", out], capsys)
        assert result.status == 0, result.stderr
    assert snapshot(first) == snapshot(second)
    assert run_kjrel(["validate", first], capsys).status == 0
    articles = {
        row["article_id"]: row
        for row in parquet.read_table(
            sorted((first / "data" / "articles").rglob("*.parquet"))[0].parent
        ).to_pylist()
    }
    assert articles[page_id]["title"] and articles[page_id]["url"]
    sentences = parquet.read_table(first / "data" / "sentences").to_pylist()
    for article_id in (page_id, brief_id):
        own = [row for row in sentences if row["article_id"] == article_id]
        assert len(own) >= 10
        text = articles[article_id]["clean_text"]
        assert all(text[row["char_start"] : row["char_end"]] == row["text"] for row in own)
    removed = parquet.read_table(first / "data" / "removed").to_pylist()
    page_rules = {row["rule"] for row in removed if row["article_id"] == page_id}
    brief_rules = {row["rule"] for row in removed if row["article_id"] == brief_id}
    assert HTML_EXTRACTOR_RULE in page_rules
    assert {PDF_HEADER_RULE, PDF_FOOTNOTE_RULE, PDF_FOOTNOTE_MARKER_RULE} <= brief_rules


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", "scanned", "has no text layer"),
        ("locked.pdf", "encrypted", "is encrypted"),
        ("cut.pdf", "truncated", "cut short"),
        ("empty.html", "index", "no article text was found"),
        ("lies.pdf", "html-as-pdf", "holds a web page"),
    ],
)
def test_add_refuses_each_bad_document_in_one_message_and_leaves_raw_unchanged(
    raw_copy, tmp_path, capsys, name, data, message
):
    whole = _pdf([[BODY]])
    contents = {
        "scanned": _scanned_pdf(),
        "encrypted": _pdf([[BODY]], encrypt="secret"),
        "truncated": whole[: len(whole) // 2],
        "index": _index_page(),
        "html-as-pdf": PAGE.read_bytes(),
    }
    source = tmp_path / name
    source.write_bytes(contents[data])
    before = snapshot(raw_copy)
    result = run_kjrel(["add", source, "--outlet", "X", "--title", "Y", "--raw", raw_copy], capsys)
    assert_one_message(result, "add", message)
    assert snapshot(raw_copy) == before


def test_a_page_declaring_an_encoding_no_page_is_written_in_is_refused():
    page = b'<html><head><meta charset="punycode"></head><body><p>Talks.</p></body></html>'
    with pytest.raises(InputError, match="'punycode', which is not one a web page is written in"):
        extracted_text(Path("page.html"), page)


def test_pages_past_any_article_are_refused_before_the_extractor_runs():
    attributes = " ".join(f'a{number}="x"' for number in range(MAX_TAG_ATTRIBUTES + 1))
    flooded = f"<html><body><div {attributes}><p>{BODY}</p></div></body></html>".encode()
    with pytest.raises(
        InputError, match=r"flood\.html: a <div> tag has more than 1,000 attributes"
    ):
        extracted_text(Path("flood.html"), flooded)
    many = "<p>Talks.</p>" * MAX_PAGE_ELEMENTS
    with pytest.raises(InputError, match=r"a page of 100,00\d elements is more than one article"):
        extracted_text(Path("many.html"), f"<html><body>{many}</body></html>".encode())


@pytest.mark.parametrize(
    "attributes",
    [
        " ".join(f"a{number}" for number in range(MAX_TAG_ATTRIBUTES + 1)),
        " ".join(f'a{number}=">"' for number in range(MAX_TAG_ATTRIBUTES + 1)),
        "= " + " ".join(f"a{number}" for number in range(MAX_TAG_ATTRIBUTES + 1)),
        "".join(f"a{number}=''" for number in range(MAX_TAG_ATTRIBUTES + 1)),
    ],
    ids=["without values", "with '>' in values", "after stray '='", "without spaces"],
)
def test_a_tag_of_too_many_attributes_is_refused_however_they_are_written(attributes):
    flooded = f"<html><body><div {attributes}><p>{BODY}</p></div></body></html>".encode()
    with pytest.raises(
        InputError, match=r"flood\.html: a <div> tag has more than 1,000 attributes"
    ):
        extracted_text(Path("flood.html"), flooded)


def test_a_tag_of_many_equals_signs_in_its_values_is_read():
    query = "&".join(f"q{number}=x" for number in range(2 * MAX_TAG_ATTRIBUTES))
    link = f'<a href="/search?{query}" title="a=b">Talks</a>'
    paragraphs = "".join(f"<p>{BODY} Round {number}. {link}</p>" for number in range(3))
    page = f"<html><body><article>{paragraphs}</article></body></html>".encode()
    assert BODY in extracted_text(Path("page.html"), page).text


def test_a_page_nested_deeper_than_the_parser_goes_is_refused_not_cut_short():
    nested = "<div>" * 300 + f"<p>{BODY}</p>" + "</div>" * 300
    page = f"<html><body>\n{nested}\n<p>{BODY}</p></body></html>".encode()
    message = r"deep\.html: its elements are nested deeper than the HTML parser goes, so the page"
    with pytest.raises(InputError, match=message + " from line 2 on would be lost"):
        extracted_text(Path("deep.html"), page)
    with pytest.raises(InputError, match="nested deeper"):
        document_metadata(Path("deep.html"), page)


def test_a_long_run_of_lines_the_extractor_joined_is_matched_in_order():
    # Past the words aligned one by one, each line is found after the one before.
    lines = ["Menu", *(f"{BODY} Number {number}." for number in range(3_000)), "Footer"]
    article = " ".join(lines[1:-1])
    assert kept_lines(lines, article) == set(range(1, len(lines) - 1))


def test_a_pdf_of_more_text_than_any_brief_is_stopped_while_it_is_read(monkeypatch):
    monkeypatch.setattr("kjrel_data.extract.MAX_PDF_LINES", 3)
    with pytest.raises(InputError, match=r"brief\.pdf: more than 3 lines of text is more than one"):
        extracted_text(Path("brief.pdf"), _pdf([[BODY, BODY, BODY]]))
    monkeypatch.setattr("kjrel_data.extract.MAX_ARTICLE_BYTES", 200)
    with pytest.raises(InputError, match=r"brief\.pdf: more than 200 characters of text is more"):
        extracted_text(Path("brief.pdf"), _pdf([[BODY, BODY]]))


def _counted_longest_matches(monkeypatch) -> list[int]:
    """The steps each of difflib's longest-match searches takes from now on."""
    steps: list[int] = []
    search = difflib.SequenceMatcher.find_longest_match

    def counted(matcher, a_start, a_end, b_start, b_end):
        positions = matcher.b2j
        steps.append(
            sum(
                bisect.bisect_left(positions.get(matcher.a[i], []), b_end) + 1
                for i in range(a_start, a_end)
            )
        )
        return search(matcher, a_start, a_end, b_start, b_end)

    monkeypatch.setattr(difflib.SequenceMatcher, "find_longest_match", counted)
    return steps


def test_a_page_of_repeated_lines_is_aligned_in_a_bounded_number_of_steps(monkeypatch):
    # difflib alone looks at every pair of equal lines: 50,000 x 50,000 of them here (over ten
    # minutes), and every pair of equal cells of a table the extractor joins into rows (13,000
    # words aligned word by word, a million pairs of "Yes" alone, again and again). Past its
    # steps, lines and words are matched in order.
    steps = _counted_longest_matches(monkeypatch)
    sentence = "Talks resumed on Monday."
    lines = ["Menu", "", *[sentence, ""] * 50_000, "Footer"]
    assert kept_lines(lines, "\n".join([sentence] * 50_000)) == set(range(2, 100_002, 2))
    rows = [[str(2000 + number % 24), "Yes", str(number % 3), "Seoul"] for number in range(1_000)]
    lines = ["Menu", BODY, *(cell for row in rows for cell in row), "Footer"]
    article = "\n".join([BODY, *("| " + " | ".join(row) + " |" for row in rows)])
    assert kept_lines(lines, article) == set(range(1, len(lines) - 1))
    assert sum(steps) <= MAX_ALIGNMENT_STEPS


@given(
    st.lists(st.sampled_from("abcdef"), max_size=40),
    st.lists(st.sampled_from("abcdef"), max_size=40),
    st.integers(min_value=0, max_value=300),
)
def test_lines_are_aligned_as_difflib_aligns_them_while_the_steps_last(a, b, limit):
    # A saved article's page takes a few thousand steps: its alignment is difflib's own.
    blocks = _matching_blocks(a, b, _Steps(10**9))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    assert blocks == [tuple(block) for block in matcher.get_matching_blocks()[:-1]]
    # Past the steps, every block still pairs equal elements, in order on both sides.
    a_end = b_end = 0
    for i, j, size in _matching_blocks(a, b, _Steps(limit)):
        assert i >= a_end and j >= b_end and size > 0 and a[i : i + size] == b[j : j + size]
        a_end, b_end = i + size, j + size


def _misdirected(pdf: bytes) -> bytes:
    """The PDF with its startxref pointing a few bytes off: pypdf repairs it, warning as it goes."""
    return re.sub(rb"startxref\s+(\d+)", lambda found: b"startxref\n%d" % (int(found[1]) + 7), pdf)


def test_a_pdf_pypdf_repairs_is_added_with_only_kjrels_own_messages(
    raw_copy, tmp_path, capsys, caplog
):
    source = tmp_path / "brief.pdf"
    source.write_bytes(_misdirected(_pdf([[BODY], [BODY]])))
    result = run_kjrel(["add", source, "--outlet", "X", "--title", "Y", "--raw", raw_copy], capsys)
    assert result.status == 0, result.stderr
    # Outside pytest, a warning no handler takes goes to stderr; here caplog would take it.
    assert result.stderr == "" and caplog.records == []
    logging.getLogger("pypdf._reader").warning("after reading")
    assert [record.getMessage() for record in caplog.records] == ["after reading"]


def test_add_reads_a_pdf_once_for_its_text_and_the_title_it_sets_large(
    raw_copy, tmp_path, monkeypatch
):
    calls: Counter[str] = Counter()

    def counted(name, function):
        def call(*arguments, **options):
            calls[name] += 1
            return function(*arguments, **options)

        return call

    monkeypatch.setattr(pypdf, "PdfReader", counted("readers", pypdf.PdfReader))
    monkeypatch.setattr(
        pypdf.PageObject, "extract_text", counted("pages", pypdf.PageObject.extract_text)
    )
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    drawing.setFont("Helvetica-Bold", 18)
    drawing.drawString(72, 760, "Seoul and Tokyo Resume Talks")
    drawing.setFont("Helvetica", 10)
    for number in range(4):
        drawing.drawString(72, 720 - 14 * number, f"{BODY[:80]} Line {number}.")
    drawing.save()
    source = tmp_path / "brief.pdf"
    source.write_bytes(buffer.getvalue())
    added = add_article(raw_copy, source, NewArticle(outlet="Invented Institute"))
    assert added.taken_from_file == {"--title": "Seoul and Tokyo Resume Talks"}
    # Before, the text, the stated title and the title set large each read the PDF: 3 and 2.
    assert calls == {"readers": 1, "pages": 1}


def _pdf_with_margin_line(margin: str) -> bytes:
    """A one-page PDF of body lines, with this line set small in the top margin."""
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    drawing.setFont("Helvetica", 8)
    drawing.drawString(72, 810, margin)
    drawing.setFont("Helvetica", 10)
    for number in range(4):
        drawing.drawString(72, 720 - 14 * number, f"{BODY[:80]} Line {number}.")
    drawing.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("margin", "page_number"),
    [
        ("Page 3 of 10", True),
        ("- 4 -", True),
        ("12\u00a0/  30", True),
        ("PAGE12", True),
        ("1 of 2 x", False),
        # Tried as a page number in time in the square of its spaces before: minutes.
        ("1" + " " * 100_000 + "x", False),
    ],
)
def test_a_margin_line_is_a_page_number_by_its_words_in_time_linear_in_its_spaces(
    margin, page_number
):
    extracted = extracted_text(Path("brief.pdf"), _pdf_with_margin_line(margin))
    first = extracted.text.split("\n")[0]
    assert " ".join(first.split()) == " ".join(margin.split())
    rules = {span.rule for span in extracted.dropped if span.line_number == 1}
    assert (rules == {PDF_PAGE_NUMBER_RULE}) == page_number


def test_a_line_drawn_in_many_pieces_is_read_in_time_linear_in_its_pieces():
    # Each change of font ends a piece of text; the line's size was found again for each piece,
    # in time in the square of its pieces (a megabyte of PDF content took minutes).
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    drawing.setFont("Helvetica", 10)
    drawing.drawString(72, 760, BODY[:80])
    line = drawing.beginText(72, 700)
    for number in range(20_000):
        line.setFont("Helvetica-Bold" if number % 2 else "Helvetica", 12 if number else 9)
        line.textOut("ab ")
    drawing.drawText(line)
    drawing.save()
    extracted = extracted_text(Path("brief.pdf"), buffer.getvalue())
    assert extracted.text.split("\n")[2] == "ab " * 20_000


def _pdf_of(objects: dict[int, bytes]) -> bytes:
    """A PDF of these numbered objects (1 the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    table = b"".join(
        b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        for number in range(1, size)
    )
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n%s" % (size, table)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
    return bytes(out)


def _stream(content: bytes, entries: bytes = b"") -> bytes:
    packed = zlib.compress(content)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream" % (
        len(packed),
        entries,
        packed,
    )


FONT_RESOURCES = b"<< /Font << /F1 3 0 R >> >>"
BODY_CONTENT = b"BT /F1 10 Tf 72 700 Td 14 TL " + b"(%s) ' " % BODY.encode() * 5 + b"ET "


def _pages_of(contents: list[int], objects: dict[int, bytes], resources: bytes) -> bytes:
    """A PDF whose pages draw these content objects (numbered from 10), sharing any repeated."""
    pages = {20 + index: number for index, number in enumerate(contents)}
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % page for page in pages), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        **objects,
        **{
            page: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s "
            b"/Contents %d 0 R >>" % (resources, number)
            for page, number in pages.items()
        },
    }
    return _pdf_of(objects)


def _counted_parses(monkeypatch) -> Counter[str]:
    """How many times pypdf parses a content stream from now on."""
    calls: Counter[str] = Counter()
    parse = pypdf.generic.ContentStream._parse_content_stream

    def counted(stream, *arguments):
        calls["parses"] += 1
        return parse(stream, *arguments)

    monkeypatch.setattr(pypdf.generic.ContentStream, "_parse_content_stream", counted)
    return calls


def test_page_content_past_the_budget_is_refused_before_it_is_parsed(monkeypatch):
    parses = _counted_parses(monkeypatch)
    # 2 MB of saving and restoring the graphics state, 4 KB compressed: it draws nothing.
    empty = _pages_of([10], {10: _stream(BODY_CONTENT + b"q Q " * 500_000)}, FONT_RESOURCES)
    message = r"empty\.pdf: more than 2,000,000 bytes of page content \(the instructions that draw"
    with pytest.raises(InputError, match=message):
        extracted_text(Path("empty.pdf"), empty)
    assert parses["parses"] == 0
    # One stream of 21 KB is counted for each page that draws it: 4 pages are read, not 5.
    monkeypatch.setattr("kjrel_data.extract.MAX_PDF_CONTENT_BYTES", 100_000)
    streams = {10: _stream(BODY_CONTENT + b"q Q " * 5_000)}
    with pytest.raises(InputError, match=r"counted again for each page or form XObject"):
        extracted_text(Path("shared.pdf"), _pages_of([10] * 100, streams, FONT_RESOURCES))
    assert parses["parses"] == 4
    assert (
        BODY in extracted_text(Path("four.pdf"), _pages_of([10] * 4, streams, FONT_RESOURCES)).text
    )


def test_a_form_drawn_many_times_is_counted_each_time_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr("kjrel_data.extract.MAX_PDF_CONTENT_BYTES", 100_000)
    parses = _counted_parses(monkeypatch)
    form = _stream(
        b"BT /F1 10 Tf 72 100 Td (Drawn in a form.) Tj ET " + b"q Q " * 2_500,
        b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources %s " % FONT_RESOURCES,
    )
    resources = b"<< /Font << /F1 3 0 R >> /XObject << /Fm0 11 0 R >> >>"
    drawn = _pages_of([10], {10: _stream(BODY_CONTENT + b"/Fm0 Do " * 1_000), 11: form}, resources)
    with pytest.raises(InputError, match=r"more than 100,000 bytes of page content"):
        extracted_text(Path("forms.pdf"), drawn)
    # The page, then the form for each time it is drawn within the budget: 9 of 10 KB.
    assert parses["parses"] == 1 + 9
    once = _pages_of([10], {10: _stream(BODY_CONTENT + b"/Fm0 Do "), 11: form}, resources)
    assert "Drawn in a form." in extracted_text(Path("form.pdf"), once).text


@pytest.mark.parametrize(
    "before",
    [
        '<!-- <b title=" -->',
        '<?php <b title=" ?>',
        '<script>if (a <b) s = "</script>',
        '<script><!--<script></script><b title="--></script>',
        '<style>/* <b title=" */</style>',
        '<textarea><b title="</textarea>',
        '<title><b title="</title>',
    ],
)
def test_a_tag_of_too_many_attributes_is_refused_after_a_quote_in_a_comment_or_raw_text(before):
    # A pattern over the markup counted attributes before: it took a quote in a comment or a
    # script for an attribute's and the real tag for its value, which libxml2 read in minutes.
    attributes = " ".join(f"a{number}" for number in range(MAX_TAG_ATTRIBUTES + 1))
    page = f'<html><body>{before}<div {attributes}><p>{BODY}</p></div><!-- " --></body></html>'
    with pytest.raises(
        InputError, match=r"flood\.html: a <div> tag has more than 1,000 attributes"
    ):
        extracted_text(Path("flood.html"), page.encode())


KOREAN = "한일 양국 정부는 월요일 서울에서 수출 규제에 관한 정기 협의를 재개하기로 합의했다."
JAPANESE = "日韓両政府は月曜日、輸出管理に関する定期協議を再開することで合意した。"


def test_english_quoting_korean_and_japanese_is_read():
    text = f"{BODY} The statement read: “{KOREAN}”\n\nIn Tokyo: “{JAPANESE}” {BODY}\n"
    quoted = sum(not character.isascii() for character in text) / len(text)
    assert 0.15 < quoted < 0.2
    assert extracted_text(Path("a.txt"), text.encode()).text == text
    page = f"<html><body><article><p>{text}</p><p>{BODY}</p></article></body></html>"
    assert KOREAN in extracted_text(Path("a.html"), page.encode()).text


@pytest.mark.parametrize(
    ("name", "text", "figures"),
    [
        ("a.txt", f"{KOREAN}\n{JAPANESE}\n", "0% of its 68 letters are Latin script and 0 are"),
        (
            "a.html",
            "<html><body><article>"
            + f"<p>{KOREAN} {KOREAN} {KOREAN} {KOREAN} Seoul.</p>" * 5
            + "</article></body></html>",
            "3% of its 145 letters are Latin script and 0 are unreadable (U+FFFD or private use). "
            "If the page is in English, it is not written in the encoding it declares",
        ),
        # Each "e" of the paragraph unreadable: 12 of its letters.
        (
            "a.txt",
            BODY.replace("e", "\ufffd") + "\n",
            "90% of its 122 letters are Latin script and 12",
        ),
    ],
)
def test_a_text_not_in_the_latin_script_or_of_unreadable_characters_is_refused(name, text, figures):
    with pytest.raises(
        InputError, match=re.escape(f"{name}: its text could not be read as English: {figures}")
    ):
        extracted_text(Path(name), text.encode())


def test_a_pdf_whose_font_maps_its_glyphs_to_no_characters_is_refused():
    # A two-byte font without a ToUnicode map: pypdf reads each pair of letters as one CJK glyph.
    font = b"<< /Type /Font /Subtype /Type0 /BaseFont /Invented /Encoding /Identity-H >>"
    objects = {10: _stream(BODY_CONTENT)}
    data = _pages_of([10], objects, FONT_RESOURCES).replace(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", font
    )
    message = (
        r"brief\.pdf: its text could not be read as English: 0% of its [\d,]+ letters are Latin"
    )
    with pytest.raises(
        InputError, match=message + r".* its fonts map their glyphs to no characters"
    ):
        extracted_text(Path("brief.pdf"), data)
    with pytest.raises(InputError, match="its fonts map their glyphs to no characters"):
        extracted_document(Path("brief.pdf"), data)


@pytest.mark.parametrize(
    ("label", "codec", "words"),
    [
        ("iso8859-1", "cp1252", "caf\u00e9, \u201ctalks\u201d"),
        ("l1", "cp1252", "caf\u00e9, \u201ctalks\u201d"),
        ("ISO_8859-1", "cp1252", "caf\u00e9, \u201ctalks\u201d"),
        ("csisolatin1", "cp1252", "caf\u00e9, \u201ctalks\u201d"),
        ("x-cp1252", "cp1252", "caf\u00e9, \u201ctalks\u201d"),
        ("iso-8859-9", "cp1254", "\u015eener, T\u00fcrkiye"),
        ("tis-620", "cp874", "\u0e01\u0e23\u0e38\u0e07\u0e40\u0e17\u0e1e, Bangkok"),
        ("windows-31j", "shift_jis", "\u6771\u4eac, Tokyo"),
        ("x-sjis", "shift_jis", "\u6771\u4eac, Tokyo"),
        ("x-mac-roman", "mac-roman", "caf\u00e9, \u201ctalks\u201d"),
        ("iso-8859-8-i", "iso8859-8", "\u05e9\u05dc\u05d5\u05dd, shalom"),
        ("unicode-1-1-utf-8", "utf-8", "\ud55c\uc77c, caf\u00e9"),
        ("windows-949", "cp949", "\ud55c\uc77c, Korea and Japan"),
        ("utf-16le", "utf-8", "caf\u00e9, \u201ctalks\u201d"),
    ],
)
def test_a_page_is_read_in_the_encoding_the_standard_gives_any_label_it_declares(
    label, codec, words
):
    # Each of these was refused as "not one a web page is written in".
    page = (
        f'<html><head><meta charset="{label}"></head><body><article><p>We agreed, said Kim. '
        f"{words}: {BODY}</p><p>{BODY}</p></article></body></html>"
    ).encode(codec)
    assert f"{words}: {BODY}" in extracted_text(Path("page.html"), page).text


@pytest.mark.parametrize("label", ["iso-2022-kr", "hz-gb-2312", "replacement", "x-user-defined"])
def test_a_page_declaring_an_encoding_browsers_do_not_read_is_refused(label):
    page = f'<html><head><meta charset="{label}"></head><body><p>{BODY}</p></body></html>'
    with pytest.raises(
        InputError, match=f"declares the encoding '{label}', which is not one a web"
    ):
        extracted_text(Path("page.html"), page.encode())


@pytest.mark.parametrize(
    ("markup", "shown"),
    [
        ('<p style="display:/**/none">{}</p>', False),
        ('<p style="display: /* hidden */ none">{}</p>', False),
        ('<p style="display:n\\one">{}</p>', False),
        ('<p style="display:n\\6f ne">{}</p>', False),
        ('<p style="visibility:\\68idden">{}</p>', False),
        ("<noframes><p>{}</p></noframes>", False),
        ("<noembed><p>{}</p></noembed>", False),
        # A comment within a word makes two words: not "none", and the text is shown.
        ('<p style="display:n/**/one">{}</p>', True),
    ],
)
def test_text_hidden_by_css_comments_or_escapes_or_in_noframes_is_not_text(markup, shown):
    planted = "Planted words that no reader of the page ever sees on the screen."
    page = (
        f"<html><body><article><p>We agreed, said Kim. {BODY}</p>{markup.format(planted)}"
        f"<p>{BODY}</p></article></body></html>"
    )
    extracted = extracted_text(Path("page.html"), page.encode())
    assert BODY in extracted.text
    assert (planted in extracted.text) == shown
