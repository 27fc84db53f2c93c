"""Every test the hostile-input matrix (tests/hostile.py) names exists, so the index stays true."""

import importlib

import pytest

from .hostile import HOSTILE_INPUT_MATRIX


@pytest.mark.parametrize("case", sorted(HOSTILE_INPUT_MATRIX))
def test_each_case_names_tests_that_exist(case):
    for name in HOSTILE_INPUT_MATRIX[case]:
        module, _, function = name.partition(".")
        assert callable(getattr(importlib.import_module(f"tests.{module}"), function, None)), name
