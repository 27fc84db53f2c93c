"""Label names reach readers of the built Parquet files alone: pandas, polars and duckdb."""

from pathlib import Path

import duckdb
import pandas as pd
import polars

from kjrel_data.label_sets import STANCE


def _sentence_files(built: Path) -> list[Path]:
    return sorted((built / "data" / "sentences").glob("*.parquet"))


def test_pandas_reads_stance_names(built):
    frame = pd.concat(pd.read_parquet(path) for path in _sentence_files(built))
    stances = frame["stance"].dropna().tolist()
    assert set(stances) <= set(STANCE.names) and "favor" in stances


def test_polars_reads_stance_names(built):
    frame = polars.read_parquet(_sentence_files(built))
    stances = frame["stance"].to_list()
    assert frame.schema["stance"] == polars.String
    assert set(stances) - {None} <= set(STANCE.names) and "favor" in stances


def test_duckdb_reads_stance_names(built):
    files = [str(path) for path in _sentence_files(built)]
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT stance, count(*) FROM read_parquet(?) WHERE stance IS NOT NULL "
            "GROUP BY stance ORDER BY stance",
            [files],
        ).fetchall()
    counts = dict(rows)
    assert set(counts) <= set(STANCE.names) and counts["favor"] > 0
