"""Memory bounded by article size: a long article builds and validates, with no per-row copies.

The figures (peak RSS per command up to the 5 MB cap) come from benchmarks/article_memory.py;
these tests check the behaviour that keeps them low, not timings.
"""

import importlib.util
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as parquet
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.cli import main
from kjrel_data.names import ARTICLES, SENTENCES, SPLITS
from kjrel_data.schemas import _frame, _spans, slice_matches
from kjrel_data.tasks import write_tasks_json

from .conftest import REPO
from .hostile import run_kjrel

ARTICLE_BYTES = 300_000


def _benchmark_module():
    # benchmarks/ is scripts, not a package: load the file itself.
    spec = importlib.util.spec_from_file_location(
        "article_memory", REPO / "benchmarks" / "article_memory.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LongArticleBuild(NamedTuple):
    article_id: str
    raw: Path
    out: Path
    status: int
    stderr: str


@pytest.fixture(scope="module")
def long_article_build(tmp_path_factory: pytest.TempPathFactory) -> LongArticleBuild:
    """raw/ plus a 300 KB article of invented prose (the benchmark's), built by `kjrel build`."""
    folder = tmp_path_factory.mktemp("long-article")
    benchmark = _benchmark_module()
    raw = benchmark.make_raw(folder, ARTICLE_BYTES, one_line=False)
    # One build through the command line for the module; capsys is a test's, so the fixture keeps
    # the status and messages for the test of the command.
    arguments = ["build", "--raw", str(raw), "--out", str(folder / "out"), "--docs", str(REPO)]
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as messages:
        status = main(arguments)
    return LongArticleBuild(benchmark.ARTICLE_ID, raw, folder / "out", status, messages.getvalue())


def _table(out, config: str) -> pa.Table:
    return pa.concat_tables(
        parquet.read_table(path) for path in sorted((out / "data" / config).glob("*.parquet"))
    )


def _frame_of_all_splits(table: pa.Table) -> pd.DataFrame:
    # validate's own frame of a table; the split of a row does not matter to the span check.
    return _frame({split: table if split == SPLITS[0] else table.slice(0, 0) for split in SPLITS})


@pytest.mark.slow
def test_a_long_article_builds_validates_and_exports(long_article_build, tmp_path, capsys):
    article_id, raw, out, status, stderr = long_article_build
    assert status == 0, stderr
    validated = run_kjrel(["validate", out], capsys)
    assert validated.status == 0, validated.stderr
    sentences = _table(out, SENTENCES).to_pandas()
    long_sentences = sentences[sentences["article_id"] == article_id]
    # About 115 bytes a sentence: every sentence of the article made it, in order.
    assert len(long_sentences) > ARTICLE_BYTES // 200
    assert list(long_sentences["sentence_index"]) == list(range(len(long_sentences)))
    exported = run_kjrel(["export-tasks", "--raw", raw, "--out", tmp_path / "tasks"], capsys)
    assert exported.status == 0, exported.stderr
    tasks = json.loads((tmp_path / "tasks" / "tasks.json").read_text(encoding="utf-8"))
    assert sum(task["data"]["article_id"] == article_id for task in tasks) == len(long_sentences)


@pytest.mark.slow
def test_the_span_check_holds_no_copy_of_an_article(long_article_build):
    out = long_article_build.out
    frames = {config: _frame_of_all_splits(_table(out, config)) for config in (ARTICLES, SENTENCES)}
    spans = _spans(frames)
    longest_sentence = frames[SENTENCES]["text"].str.len().max()
    for column in spans.columns:
        values = spans[column]
        if values.dtype == object:
            assert values.map(lambda value: len(str(value))).max() <= longest_sentence, column
    assert spans["offsets_match"].all()
    assert len(spans) == len(frames[SENTENCES])


@given(
    text=st.text(alphabet="ab ", max_size=12),
    start=st.integers(-3, 15),
    end=st.integers(-3, 15),
    piece=st.text(alphabet="ab ", max_size=6),
)
def test_slice_matches_is_the_slice_compared_for_offsets_in_range(text, start, end, piece):
    expected = 0 <= start <= end <= len(text) and text[start:end] == piece
    assert slice_matches(text, start, end, piece) == expected


def test_a_missing_article_leaves_its_sentences_unjudged_by_the_span_check():
    frames = {
        ARTICLES: pd.DataFrame({"article_id": ["a"], "clean_text": ["One. Two."]}),
        SENTENCES: pd.DataFrame(
            {
                "sentence_id": ["a-0000", "a-0001", "b-0000"],
                "article_id": ["a", "a", "b"],
                "char_start": [0, 5, 0],
                "char_end": [4, 9, 4],
                "text": ["One.", "Two!", "One."],
            }
        ),
    }
    assert list(_spans(frames)["offsets_match"]) == [True, False, pd.NA]


# Task-like values: nested dicts and lists of text (any code point), numbers and nulls.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=12,
)


@given(tasks=st.lists(st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4), max_size=4))
def test_tasks_json_is_written_a_task_at_a_time_with_the_bytes_of_one_dump(tasks):
    handle = io.StringIO()
    write_tasks_json(tasks, handle)
    assert handle.getvalue() == json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"


def test_tasks_json_of_no_tasks_is_an_empty_list():
    handle = io.StringIO()
    write_tasks_json([], handle)
    assert handle.getvalue() == "[]\n"
