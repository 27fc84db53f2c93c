import xml.etree.ElementTree as ElementTree

import pyarrow as pa

from kjrel_data.label_sets import ISSUE
from kjrel_data.names import ARTICLES, SENTENCES
from kjrel_data.tasks import (
    CHOICE_SETS,
    NOT_ARTICLE_TEXT,
    NOT_ARTICLE_TEXT_CONTROL,
    NOTE_CONTROL,
    OTHER_ISSUES_CONTROL,
    TEXT_CONTROL,
    RoundPlan,
    label_studio_tasks,
    labelling_config,
    project_settings,
)


def _sentence(article_id, index, text, source, probability=None, labels=(None, None, None)):
    """A sentences row: annotation labels for an annotation source, else published model labels."""
    stance, holder, issue = labels
    annotated = source in ("adjudicated", "single_blind", "single_model_shown")
    model = source == "model"
    return {
        "sentence_id": f"{article_id}-{index:04d}",
        "article_id": article_id,
        "sentence_index": index,
        "text": text,
        "text_sha256": f"sha-of-{text}",
        "stance": stance if annotated else None,
        "stance_holder": holder if annotated else None,
        "issue": issue if annotated else None,
        "label_source": source,
        "model_stance": stance if model else None,
        "model_stance_holder": holder if model else None,
        "model_issue": issue if model else None,
        "model_stance_probability": probability if model else None,
        "model_stance_holder_probability": probability if model else None,
        "model_issue_probability": probability if model else None,
    }


def _corpus(sentences: list[dict]) -> dict:
    articles = pa.Table.from_pylist(
        [{"article_id": "a", "title": "Title A"}, {"article_id": "b", "title": "Title B"}]
    )
    return {
        SENTENCES: {"train": pa.Table.from_pylist(sentences)},
        ARTICLES: {"train": articles},
    }


def test_tasks_skip_gold_and_put_unlabelled_then_least_confident_first():
    corpus = _corpus(
        [
            _sentence("a", 0, "Gold one.", "adjudicated", None, ("none", "none", "none")),
            _sentence("a", 1, "Sure guess.", "model", 0.9, ("favor", "japan", "trade")),
            _sentence("a", 2, "Unsure guess.", "model", 0.1, ("against", "author", "history")),
            _sentence("b", 0, "Nobody knows.", "unlabelled"),
        ]
    )
    tasks = list(label_studio_tasks([corpus]))
    assert [task["data"]["sentence_id"] for task in tasks] == ["b-0000", "a-0002", "a-0001"]
    assert tasks[0]["predictions"] == []
    prediction = tasks[1]["predictions"][0]
    assert prediction["score"] == 0.1
    assert {item["from_name"]: item["value"]["choices"] for item in prediction["result"]} == {
        "stance": ["against"],
        "stance_holder": ["author"],
        "issue": ["history"],
    }
    assert tasks[1]["data"]["title"] == "Title A"
    assert tasks[1]["data"]["text_sha256"] == "sha-of-Unsure guess."


def test_task_context_is_the_neighbouring_sentences_of_the_same_article_only():
    corpus = _corpus(
        [
            _sentence("a", 0, "First of A.", "model", 0.5, ("none", "none", "none")),
            _sentence("a", 1, "Last of A.", "model", 0.5, ("none", "none", "none")),
            _sentence("b", 0, "Only of B.", "model", 0.5, ("none", "none", "none")),
        ]
    )
    by_id = {task["data"]["sentence_id"]: task["data"] for task in label_studio_tasks([corpus])}
    assert (by_id["a-0000"]["before"], by_id["a-0000"]["after"]) == ("", "Last of A.")
    assert (by_id["a-0001"]["before"], by_id["a-0001"]["after"]) == ("First of A.", "")
    assert (by_id["b-0000"]["before"], by_id["b-0000"]["after"]) == ("", "")


def test_labelling_config_offers_exactly_the_declared_labels():
    view = ElementTree.fromstring(labelling_config())
    texts = {element.get("name") for element in view.iter("Text")}
    assert TEXT_CONTROL in texts
    choices = {element.get("name"): element for element in view.iter("Choices")}
    for label_set in CHOICE_SETS:
        control = choices[label_set.field]
        assert control.get("toName") == TEXT_CONTROL
        assert control.get("required") == "true"
        assert [choice.get("value") for choice in control] == label_set.names
        assert [choice.get("hint") for choice in control] == [
            label.definition for label in label_set.labels
        ]
    assert [choice.get("value") for choice in choices[OTHER_ISSUES_CONTROL]] == [
        name for name in ISSUE.names if name != "none"
    ]
    assert choices[OTHER_ISSUES_CONTROL].get("choice") == "multiple"
    assert [element.get("name") for element in view.iter("TextArea")] == [NOTE_CONTROL]


MIXED = [
    _sentence("a", 0, "Gold one.", "adjudicated", None, ("none", "none", "none")),
    _sentence("a", 1, "Sure guess.", "model", 0.9, ("favor", "japan", "trade")),
    _sentence("a", 2, "Unsure guess.", "model", 0.1, ("against", "author", "history")),
    _sentence("b", 0, "Nobody knows.", "unlabelled"),
    _sentence("b", 1, "Gold two.", "adjudicated", None, ("favor", "author", "trade")),
]


def test_a_default_round_shows_the_model_labels_and_says_so_in_each_task():
    tasks = list(label_studio_tasks([_corpus(MIXED)]))
    assert [
        (task["data"]["round_kind"], task["data"]["model_labels_shown"], bool(task["predictions"]))
        for task in tasks
    ] == [("single", False, False), ("single", True, True), ("single", True, True)]


def test_a_blind_round_keeps_the_queue_but_shows_no_model_labels():
    shown = list(label_studio_tasks([_corpus(MIXED)]))
    blind = list(label_studio_tasks([_corpus(MIXED)], RoundPlan(blind=True)))
    assert [task["data"]["sentence_id"] for task in blind] == [
        task["data"]["sentence_id"] for task in shown
    ]
    assert all(task["predictions"] == [] for task in blind)
    assert {(task["data"]["round_kind"], task["data"]["model_labels_shown"]) for task in blind} == {
        ("single", False)
    }


def test_an_overlap_round_is_blind_to_the_model():
    tasks = list(label_studio_tasks([_corpus(MIXED)], RoundPlan(annotators=3)))
    assert [task["data"]["sentence_id"] for task in tasks] == ["b-0000", "a-0002", "a-0001"]
    assert all(task["predictions"] == [] for task in tasks)
    assert {(task["data"]["round_kind"], task["data"]["model_labels_shown"]) for task in tasks} == {
        ("overlap", False)
    }


def test_a_check_round_asks_about_the_gold_sentences_blind_to_gold_and_model():
    tasks = list(label_studio_tasks([_corpus(MIXED)], RoundPlan(check=True, annotators=2)))
    assert [task["data"]["sentence_id"] for task in tasks] == ["a-0000", "b-0001"]
    assert all(task["predictions"] == [] for task in tasks)
    for task in tasks:
        assert task["data"]["round_kind"] == "check"
        assert task["data"]["model_labels_shown"] is False
        # Nothing of the gold labels travels with the task.
        assert not {"stance", "stance_holder", "issue", "issues"} & task["data"].keys()


def test_project_settings_carry_the_config_and_the_overlap():
    config = labelling_config()
    assert project_settings(config, RoundPlan(annotators=3)) == {
        "title": "kjrel overlap round",
        "label_config": config,
        "maximum_annotations": 3,
        "overlap_cohort_percentage": 100,
        "show_collab_predictions": False,
    }
    assert project_settings(config, RoundPlan())["maximum_annotations"] == 1
    assert project_settings(config, RoundPlan())["show_collab_predictions"] is True


def test_not_article_text_hides_the_label_questions():
    view = ElementTree.fromstring(labelling_config())
    marks = [e for e in view.iter("Choices") if e.get("name") == NOT_ARTICLE_TEXT_CONTROL]
    assert [choice.get("value") for choice in marks[0]] == [NOT_ARTICLE_TEXT]
    assert marks[0].get("required") is None
    hidden = next(e for e in view.iter("View") if e.get("whenTagName") == NOT_ARTICLE_TEXT_CONTROL)
    assert (hidden.get("visibleWhen"), hidden.get("whenChoiceValue")) == (
        "choice-unselected",
        NOT_ARTICLE_TEXT,
    )
    assert {e.get("name") for e in hidden.iter("Choices")} == {
        *(label_set.field for label_set in CHOICE_SETS),
        OTHER_ISSUES_CONTROL,
    }


def test_tasks_of_several_batches_are_queued_as_those_of_one(monkeypatch):
    # One article a batch: the queue puts b's sentence before a's whatever batch it came in.
    # Blocks of 7 bytes: every waiting line is read in pieces.
    monkeypatch.setattr("kjrel_data.tasks.READ_BLOCK_BYTES", 7)
    batches = [_corpus([row for row in MIXED if row["article_id"] == name]) for name in "ab"]
    for plan in (RoundPlan(), RoundPlan(check=True)):
        assert list(label_studio_tasks(batches, plan)) == list(
            label_studio_tasks([_corpus(MIXED)], plan)
        )
