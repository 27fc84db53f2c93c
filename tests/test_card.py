"""The card shows text from raw/ (titles, outlets, annotators) as typed, never as markup."""

import csv
import html
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kjrel_data.card import LINE_BREAKS_AND_CONTROLS, _markdown_table, shown_as_typed

from .hostile import run_kjrel

HOSTILE = "<script>alert(1)</script> <!-- # Heading | a | b *x* [link](http://x) `code` &amp; \\"


def rendered_cells(markdown: str) -> list[str]:
    """The HTML inside each <td> when markdown is rendered with tables, as the Hub renders cards."""
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    return re.findall(r"<td>(.*?)</td>", rendered, flags=re.DOTALL)


@given(st.text())
def test_any_text_renders_in_its_own_cell_as_typed(text):
    cells = rendered_cells(_markdown_table(["shown", "next"], [[shown_as_typed(text), "x"]]))
    assert len(cells) == 2 and cells[1] == "x"
    assert "<" not in cells[0]
    assert html.unescape(cells[0]) == LINE_BREAKS_AND_CONTROLS.sub(" ", text).strip()


def test_a_hostile_title_outlet_and_annotator_are_shown_as_typed_in_the_built_card(
    raw_copy: Path, tmp_path: Path, capsys
):
    passes = raw_copy / "annotations" / "passes.csv"
    with passes.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    rows[0]["annotator"] = HOSTILE
    with passes.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    article = tmp_path / "invented.txt"
    article.write_text(
        "Invented text: officials in Tokyo said the two governments would resume talks on export "
        "controls next month after a pause of two years.\n",
        encoding="utf-8",
    )
    outlet = "**Outlet**\n# not a heading"
    added = run_kjrel(
        ["add", article, "--raw", raw_copy, "--outlet", outlet, "--title", HOSTILE, "--id", "x"],
        capsys,
    )
    assert added.status == 0, added.stderr
    run = run_kjrel(["build", "--raw", raw_copy, "--out", tmp_path / "out"], capsys)
    assert run.status == 0, run.stderr
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(card)
    assert "<script" not in rendered and "<!--" not in rendered and "<em>x</em>" not in rendered
    assert "<h1>not a heading" not in rendered and "<strong>Outlet" not in rendered
    cells = [html.unescape(cell) for cell in rendered_cells(card)]
    assert cells.count(HOSTILE) == 2, "the title and the annotator"
    assert "**Outlet** # not a heading" in cells
