"""The README states every column and document limit exactly as kjrel_data declares it."""

import re

from kjrel_data.extract import MAX_UNREADABLE_SHARE, MIN_LATIN_SHARE
from kjrel_data.limits import (
    CSV_FIELD_LIMIT,
    MAX_ARTICLE_BYTES,
    MAX_FIELD_CHARS,
    MAX_PAGE_ELEMENTS,
    MAX_PAGE_WORDS,
    MAX_PDF_BYTES,
    MAX_PDF_CONTENT_BYTES,
    MAX_PDF_LINES,
    MAX_PDF_PAGES,
    MAX_PDF_TRAILING_BYTES,
    MAX_TAG_ATTRIBUTES,
    field_length_problem,
)

from .conftest import REPO


def _readme_section(title: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_column_table_is_the_declared_limits():
    stated = {}
    for names, limit in re.findall(
        r"^  \| (`.+`) \| ([\d,]+) \|$", _readme_section("Limits and untrusted input"), re.M
    ):
        for name in re.findall(r"`(\w+)`", names):
            stated[name] = int(limit.replace(",", ""))
    assert stated == MAX_FIELD_CHARS
    assert f"{CSV_FIELD_LIMIT:,} characters" in _readme_section("Limits and untrusted input")


def test_a_value_at_its_limit_fits_and_one_more_character_does_not():
    for column, limit in MAX_FIELD_CHARS.items():
        assert field_length_problem(column, "x" * limit) is None
        assert f"{column} is {limit + 1:,} characters" in field_length_problem(
            column, "x" * (limit + 1)
        )


def test_readme_states_the_document_limits_as_declared():
    # Folded to single spaces: the README wraps its lines anywhere.
    section = " ".join(_readme_section("Adding an article").split())
    assert MIN_LATIN_SHARE == 0.5 and "fewer than half of the kept text's letters" in section
    for stated in (
        f"A PDF may be up to {MAX_PDF_BYTES // 10**6} MB, {MAX_PDF_PAGES} pages",
        f"{MAX_PDF_CONTENT_BYTES:,} bytes of page content",
        f"{MAX_PDF_LINES:,} lines or {MAX_ARTICLE_BYTES:,} characters of text",
        f"a web page up to {MAX_ARTICLE_BYTES // 10**6} MB, {MAX_PAGE_ELEMENTS:,} elements and "
        f"{MAX_PAGE_WORDS:,} words",
        f"at most {MAX_TAG_ATTRIBUTES:,} attributes per tag",
        f"no `%%EOF` in its last {MAX_PDF_TRAILING_BYTES // 1024} KiB",
        f"more than {MAX_UNREADABLE_SHARE:.0%} unreadable",
    ):
        assert stated in section, stated
