from kjrel_data.labels import ISSUE, ISSUES, LABEL_SETS, STANCE, STANCE_HOLDER


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
