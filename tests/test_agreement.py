import math

import pytest

from kjrel_data.agreement import agreement, agreement_table
from kjrel_data.cli import main
from kjrel_data.label_sets import ISSUE, STANCE, STANCE_HOLDER

from .conftest import RAW


def _table(rows: list[tuple[str, str, int, int, int, int, list[int]]]) -> list[dict]:
    """rows: (sentence_id, pass, round, stance, stance_holder, issue, issues), labels by id."""
    return [
        {
            "sentence_id": sentence_id,
            "article_id": "a",
            "pass": name,
            "round": round_number,
            "annotator": "x",
            "stance": STANCE.names[stance],
            "stance_holder": STANCE_HOLDER.names[holder],
            "issue": ISSUE.names[issue],
            "issues": [ISSUE.names[i] for i in issues],
        }
        for sentence_id, name, round_number, stance, holder, issue, issues in rows
    ]


def _by_field(results):
    return {result.field: result for result in results}


def test_kappa_and_alpha_match_hand_computed_values():
    first = [0, 1, 2, 0, 1]
    second = [0, 1, 2, 1, 1]
    rows = [(f"s{i}", "a", 1, x, 1 if x else 0, 9, [9]) for i, x in enumerate(first)]
    rows += [(f"s{i}", "b", 1, y, 1 if y else 0, 9, [9]) for i, y in enumerate(second)]
    stance = _by_field(agreement(_table(rows)))["stance"]
    # Observed 4/5; expected (2*1 + 2*3 + 1*1) / 25 = 0.36; kappa = (0.8 - 0.36) / 0.64.
    assert stance.percent_agreement == pytest.approx(0.8)
    assert stance.cohen_kappa == pytest.approx(0.6875)
    # Krippendorff (nominal, 2 coders, 10 values): D_o = 2/10; D_e from pooled counts 3,5,2.
    pooled = [3, 5, 2]
    expected_disagreement = (10 * 9 - sum(n * (n - 1) for n in pooled)) / (10 * 9)
    assert stance.krippendorff_alpha == pytest.approx(1 - (2 / 10) / expected_disagreement)
    assert stance.confusion == [[1, 1, 0], [0, 2, 0], [0, 0, 1]]


def test_issues_are_compared_as_sets_and_per_label():
    rows = [
        ("s0", "a", 1, 0, 0, 9, [5, 9]),
        ("s0", "b", 1, 0, 0, 9, [9]),
        ("s1", "a", 1, 0, 0, 5, [5]),
        ("s1", "b", 1, 0, 0, 5, [5]),
    ]
    issues = _by_field(agreement(_table(rows)))["issues"]
    assert issues.percent_agreement == 0.5
    assert issues.confusion == []
    # Label 9 agrees everywhere (kappa 1); label 5 is present/absent 2/1: kappa 0.
    assert issues.cohen_kappa == pytest.approx(0.5)


def test_only_passes_of_the_same_round_are_compared_on_shared_sentences():
    rows = [
        ("s0", "r1-a", 1, 2, 1, 9, [9]),
        ("s0", "r1-b", 1, 2, 1, 9, [9]),
        ("s1", "r1-a", 1, 0, 0, 9, [9]),
        ("s0", "r2-a", 2, 1, 2, 9, [9]),
    ]
    results = agreement(_table(rows))
    assert {(r.round, r.first_pass, r.second_pass) for r in results} == {(1, "r1-a", "r1-b")}
    assert {r.sentences for r in results} == {1}


def test_a_single_category_leaves_kappa_undefined_not_perfect():
    rows = [(f"s{i}", name, 1, 0, 0, 9, [9]) for i in range(3) for name in ("a", "b")]
    stance = _by_field(agreement(_table(rows)))["stance"]
    assert stance.percent_agreement == 1.0 and math.isnan(stance.cohen_kappa)
    assert "| n/a | n/a |" in agreement_table([stance])


def test_a_check_rounds_passes_are_compared_with_gold_on_the_sentences_they_checked():
    annotations = _table(
        [
            ("s1", "round2-gold-check-label-studio-user-7", 2, 1, 2, 3, [3]),
            ("s2", "round2-gold-check-label-studio-user-7", 2, 0, 0, 3, [3]),
            ("s1", "round1-a", 1, 2, 2, 3, [3]),
        ]
    )
    gold = {
        s: {"issue": "history", "issues": ["history"]}
        | {"stance": STANCE.names[stance], "stance_holder": STANCE_HOLDER.names[holder]}
        for s, stance, holder in (("s1", 1, 2), ("s2", 2, 2), ("s3", 0, 0))
    }
    results = agreement(annotations, gold)
    against_gold = _by_field(r for r in results if r.second_pass == "gold")
    assert against_gold["stance"].first_pass == "round2-gold-check-label-studio-user-7"
    assert (against_gold["stance"].round, against_gold["stance"].sentences) == (2, 2)
    assert against_gold["stance"].percent_agreement == 0.5
    # Round 1 is no check round: it is not compared with gold.
    assert {r.round for r in results} == {2}
    assert agreement(annotations) == [r for r in results if r.second_pass != "gold"]


def test_kjrel_agreement_reads_the_label_files_and_no_article(raw_copy, capsys):
    assert main(["agreement", "--raw", str(RAW)]) == 0
    expected = capsys.readouterr().out
    # A changed article stops any build; agreement compares label files and never reads it.
    (raw_copy / "articles" / "diplomat-why-japan-hesitant.txt").write_bytes(b"changed")
    assert main(["agreement", "--raw", str(raw_copy)]) == 0
    assert capsys.readouterr().out == expected
