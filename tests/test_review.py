import html
import importlib.util
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.review import (
    CHECKS,
    ReviewArticle,
    escaped,
    has_chrome_vocabulary,
    line_pieces,
    reasons_of,
    review_page,
    write_review,
)

from .conftest import RAW, small_batches
from .hostile import assert_one_message, run_kjrel

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# In the repository's raw/: a photo credit the cleaner removes, and a one-word sentence it keeps.
KNOWN_REMOVED_TEXT = "Credit: Depositphotos"
KNOWN_SUSPICIOUS_SENTENCE = "Why?"


def _sentence(text: str, sentence_index: int = 0, **labels: object) -> dict:
    return {
        "sentence_id": f"a-{sentence_index:04d}",
        "article_id": "a",
        "text": text,
        "stance": "none",
        "stance_holder": "none",
        "issue": "diplomacy",
        "label_source": "adjudicated",
        **labels,
    }


def _removed(line_number: int, line: str, start: int, end: int, rule: str, **extra) -> dict:
    return {
        "article_id": "a",
        "line_number": line_number,
        "line": line,
        "char_start": start,
        "char_end": end,
        "rule": rule,
        **extra,
    }


LINES = (
    "<script>alert('x')</script>",
    "",
    "TOKYO (Kyodo) -- Leaders met on Monday to talk about trade.",
    "Leaders met again & agreed.",
)
ARTICLE = ReviewArticle(
    article_id="a",
    title="<b>Title</b>",
    outlet="Outlet & Co",
    raw_lines=LINES,
    removed=(
        _removed(1, LINES[0], 0, len(LINES[0]), "navigation"),
        _removed(3, LINES[2], 0, 17, "date_line", score=0.875),
    ),
    sentences=(
        _sentence("Leaders met on Monday to talk about trade.", 0),
        _sentence("Photo: <img src=x onerror=alert(1)>", 1),
        _sentence(
            "Leaders met again & agreed. Not a good sentence",
            2,
            stance="favor (model, 0.91)",
            label_source="model",
        ),
    ),
)


def test_text_from_the_data_is_escaped_and_the_page_has_no_script():
    page = review_page([ARTICLE])
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Title&lt;/b&gt;" in page and "Outlet &amp; Co" in page
    assert "http" not in page.replace('lang="en"', "")


def test_control_and_direction_characters_are_shown_as_escapes():
    assert escaped("a\x1b[31mb\u202ec\td\n") == "a\\u001b[31mb\\u202ec\td\\u000a"


def test_a_removed_line_is_struck_with_its_rule_and_score_and_a_partial_one_keeps_its_rest():
    page = review_page([ARTICLE])
    row = re.search(r'<tr id="line-a-3" class="removed">.*?</tr>', page).group(0)
    assert "<del>TOKYO (Kyodo) -- </del>Leaders met on Monday" in row
    assert "date_line (score 0.88)" in row and "kjrel correct a 3 keep" in row
    kept = re.search(r'<tr id="line-a-4">.*?</tr>', page).group(0)
    assert "<del>" not in kept and "kjrel correct a 4 drop" in kept
    blank = re.search(r'<tr id="line-a-2">.*?</tr>', page).group(0)
    assert "kjrel correct" not in blank


def test_suspicious_sentences_are_listed_with_their_reasons_and_link_to_their_row():
    page = review_page([ARTICLE])
    suspicious = page[page.index('<section id="suspicious">') : page.index('<section id="legend">')]
    assert "Suspicious sentences (2)" in suspicious
    assert 'href="#sentence-a-0001"' in suspicious and 'href="#sentence-a-0002"' in suspicious
    assert 'href="#sentence-a-0000"' not in suspicious
    photo = suspicious[suspicious.index("a-0001") : suspicious.index("a-0002")]
    for name in ("no_end_punctuation", "chrome_vocabulary"):
        assert name in photo
    assert "no_end_punctuation" in suspicious[suspicious.index("a-0002") :]
    assert '<tr id="sentence-a-0001" class="flag">' in page


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        (_sentence("Leaders met on Monday to talk about trade."), []),
        (_sentence("Why?"), ["very_short"]),
        (_sentence("Read more"), ["no_end_punctuation", "very_short", "chrome_vocabulary"]),
        (_sentence('He said it was "settled."'), []),
        (_sentence("Write to desk@example.com for the full text."), ["chrome_vocabulary"]),
        (_sentence("The photo was taken by a © holder on Monday."), ["chrome_vocabulary"]),
    ],
)
def test_each_check_finds_what_it_says(sentence, names):
    assert [check.name for check in reasons_of(sentence)] == names


def test_checks_are_declared_once_with_distinct_names():
    assert len({check.name for check in CHECKS}) == len(CHECKS)
    page = review_page([])
    for check in CHECKS:
        assert html.escape(check.message, quote=True) in page


def test_the_address_pattern_takes_linear_time_on_a_long_run_of_word_characters():
    assert not has_chrome_vocabulary("a" * 200_000 + "@")


def test_the_same_articles_give_the_same_bytes():
    assert review_page([ARTICLE]) == review_page([ARTICLE])


@given(
    st.text(max_size=30),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=4),
)
def test_pieces_put_back_together_are_the_line_and_the_struck_ones_are_the_spans(line, spans):
    spans = [(min(start, end, len(line)), min(max(start, end), len(line))) for start, end in spans]
    pieces = line_pieces(line, spans)
    assert "".join(text for text, _ in pieces) == line
    struck = set()
    position = 0
    for text, removed in pieces:
        if removed:
            struck.update(range(position, position + len(text)))
        position += len(text)
    assert struck == {index for start, end in spans for index in range(start, end)}
    # Neighbouring pieces differ: struck spans that touch are one <del>.
    assert all(first[1] != second[1] for first, second in itertools.pairwise(pieces))


def test_kjrel_review_writes_the_page_and_a_one_line_summary(raw_copy, tmp_path, capsys):
    before = sorted(path.relative_to(raw_copy) for path in raw_copy.rglob("*"))
    out = tmp_path / "page" / "review.html"
    out.parent.mkdir()
    run = run_kjrel(["review", "--raw", raw_copy, "--out", out], capsys)
    assert run.status == 0, run.stderr
    assert re.fullmatch(
        rf"Wrote {re.escape(str(out))}: 5 articles, \d+ lines with text removed, "
        r"\d+ suspicious sentences\.\n",
        run.stdout,
    )
    page = out.read_text(encoding="utf-8")
    assert f"<del>{KNOWN_REMOVED_TEXT}</del>" in page
    assert sorted(path.name for path in out.parent.iterdir()) == ["review.html"]
    assert sorted(path.relative_to(raw_copy) for path in raw_copy.rglob("*")) == before

    again = run_kjrel(["review", "--raw", raw_copy, "--out", out], capsys)
    assert again.status == 0 and out.read_text(encoding="utf-8") == page


def test_kjrel_review_of_chosen_articles_shows_only_them(raw_copy, tmp_path, capsys):
    out = tmp_path / "one.html"
    run = run_kjrel(
        ["review", "diplomat-why-japan-hesitant", "--raw", raw_copy, "--out", out], capsys
    )
    assert run.status == 0, run.stderr
    assert "1 article," in run.stdout
    page = out.read_text(encoding="utf-8")
    assert 'id="article-diplomat-why-japan-hesitant"' in page
    assert 'id="article-ajiss-seize-the-opportunity"' not in page


@pytest.mark.parametrize("article_ids", [(), ("diplomat-why-japan-hesitant",)])
def test_a_page_built_a_batch_at_a_time_is_the_page_of_one_batch(raw_copy, tmp_path, article_ids):
    whole = write_review(raw_copy, tmp_path / "whole.html", article_ids)
    # Two articles a batch: three batches, and for one article, batches holding none chosen.
    batched = write_review(raw_copy, tmp_path / "batched.html", article_ids, small_batches())
    assert batched.articles == whole.articles == (len(article_ids) or 5)
    assert (batched.removed_lines, batched.suspicious_sentences) == (
        whole.removed_lines,
        whole.suspicious_sentences,
    )
    assert (tmp_path / "batched.html").read_bytes() == (tmp_path / "whole.html").read_bytes()


def test_unknown_article_ids_are_one_error_naming_them(raw_copy, tmp_path, capsys):
    out = tmp_path / "review.html"
    run = run_kjrel(
        [
            *("review", "no-such-article", "diplomat-why-japan-hesitant", "bad\nid"),
            *("--raw", raw_copy, "--out", out),
        ],
        capsys,
    )
    assert_one_message(run, "review", r"no article 'bad\\nid', 'no-such-article'; pass ids")
    assert not out.exists() and not list(tmp_path.glob("*review.html*"))


def test_kjrel_review_refuses_to_write_into_raw(raw_copy, tmp_path, capsys):
    before = sorted(path.name for path in raw_copy.iterdir())
    run = run_kjrel(["review", "--raw", raw_copy, "--out", raw_copy / "review.html"], capsys)
    assert_one_message(run, "review", r"is inside the --raw folder")
    assert sorted(path.name for path in raw_copy.iterdir()) == before


def test_an_unwritable_out_is_one_error(raw_copy, tmp_path, capsys):
    run = run_kjrel(["review", "--raw", raw_copy, "--out", tmp_path / "missing" / "r.html"], capsys)
    assert_one_message(run, "review", r"cannot write in .*missing; choose a writable folder")


def test_a_folder_as_out_is_one_error_before_anything_is_built(raw_copy, tmp_path, capsys):
    run = run_kjrel(["review", "--raw", raw_copy, "--out", tmp_path], capsys)
    assert_one_message(run, "review", r"is a folder; give the path of the page to write")


def _browser_missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


BROWSER_MISSING = _browser_missing()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(BROWSER_MISSING is not None, reason=BROWSER_MISSING or "")
def test_the_page_shows_struck_lines_and_suspicious_sentences_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    out = tmp_path / "review.html"
    write_review(RAW, out)
    hostile = tmp_path / "hostile.html"
    hostile.write_text(review_page([ARTICLE]), encoding="utf-8")
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGUMENTS)
        try:
            # Without JavaScript: the page must read without it.
            page = browser.new_page(java_script_enabled=False)
            page.on("request", lambda request: requested.append(request.url))
            page.goto(out.as_uri())
            screenshot = tmp_path / "review.png"
            page.screenshot(path=str(screenshot), full_page=True)
            removed = page.locator("del", has_text=KNOWN_REMOVED_TEXT).first
            removed.scroll_into_view_if_needed()
            assert removed.is_visible()
            assert "line-through" in removed.evaluate(
                "element => getComputedStyle(element).textDecorationLine"
            )
            suspicious = page.locator("#suspicious li", has_text=KNOWN_SUSPICIOUS_SENTENCE).first
            assert suspicious.is_visible()
            assert page.locator("#suspicious h2").inner_text().startswith("Suspicious sentences")

            page.goto(hostile.as_uri())
            assert page.locator("script, img").count() == 0
            assert page.locator("del", has_text="<script>alert('x')</script>").is_visible()
        finally:
            browser.close()
    assert requested == [out.as_uri(), hostile.as_uri()]
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
