import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kjrel_data.label_sets import (
    ISSUE,
    ISSUES,
    LABEL_ROW_RULES,
    LABEL_SETS,
    STANCE,
    STANCE_HOLDER,
    label_row_problems,
)
from kjrel_data.schemas import HINTS, AnnotationModel, SentenceModel


def test_stance_follows_the_semeval_order():
    assert STANCE.names == ["none", "against", "favor"]


def test_holder_and_issue_sets_are_as_specified():
    assert STANCE_HOLDER.names == [
        "none",
        "author",
        "japan",
        "south_korea",
        "united_states",
        "expert",
        "other",
    ]
    assert ISSUE.names[0] == "none"
    assert len(ISSUE.names) == 13
    assert ISSUES.names == ISSUE.names and ISSUES.multiple


def test_every_label_has_a_distinct_name_and_a_definition():
    for label_set in LABEL_SETS:
        assert len(set(label_set.names)) == len(label_set.names)
        assert all(label.definition.strip() for label in label_set.labels)


def test_id_of_is_the_classlabel_position():
    assert [STANCE.id_of(name) for name in STANCE.names] == [0, 1, 2]


def test_label_row_problems_name_each_broken_rule_with_the_values_read():
    assert label_row_problems("favor", "japan", "trade", ["trade"]) == []
    assert label_row_problems("favor", "none", "none", ["none", "trade"]) == [
        "stance_holder must be 'none' exactly when stance is 'none' "
        "(here stance 'favor', stance_holder 'none').",
        "issues may list 'none' only alone (here issues 'none;trade').",
    ]
    assert label_row_problems("none", "none", "trade", ["security"]) == [
        "issues must include the primary issue (here issue 'trade', issues 'security')."
    ]


@pytest.mark.parametrize("model", [SentenceModel, AnnotationModel])
def test_every_label_row_rule_is_a_check_of_each_labelled_table(model):
    checks = {check.name for check in model.to_schema().checks}
    assert {rule.name for rule in LABEL_ROW_RULES} <= checks
    assert all(HINTS[rule.name] == rule.requirement for rule in LABEL_ROW_RULES)


@given(
    st.sampled_from(STANCE.names),
    st.sampled_from(STANCE_HOLDER.names),
    st.sampled_from(ISSUE.names),
    st.lists(st.sampled_from(ISSUES.names), min_size=1, max_size=3, unique=True),
)
def test_a_table_check_fails_exactly_where_loading_finds_a_problem(stance, holder, issue, issues):
    frame = pd.DataFrame(
        {"stance": [stance], "stance_holder": [holder], "issue": [issue], "issues": [issues]}
    )
    failed = {
        check.name
        for check in SentenceModel.to_schema().checks
        if check.name in {rule.name for rule in LABEL_ROW_RULES} and not check(frame).check_passed
    }
    problems = label_row_problems(stance, holder, issue, issues)
    assert len(failed) == len(problems)
    assert [rule.requirement for rule in LABEL_ROW_RULES if rule.name in failed] == [
        problem.split(" (here")[0] for problem in problems
    ]
