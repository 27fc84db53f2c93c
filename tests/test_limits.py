"""The README states every column limit exactly as kjrel_data.limits declares it."""

import re

from kjrel_data.limits import CSV_FIELD_LIMIT, MAX_FIELD_CHARS, field_length_problem

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
