import xml.etree.ElementTree as ElementTree

import pyarrow as pa

from kjrel_data.labels import ISSUE
from kjrel_data.tables import ARTICLES, SENTENCES
from kjrel_data.tasks import (
    CHOICE_SETS,
    NOTE_CONTROL,
    OTHER_ISSUES_CONTROL,
    TEXT_CONTROL,
    label_studio_tasks,
    labelling_config,
)


def _sentence(article_id, index, text, source=None, confidence=None, labels=(None, None, None)):
    stance, holder, issue = labels
    return {
        "sentence_id": f"{article_id}-{index:04d}",
        "article_id": article_id,
        "sentence_index": index,
        "text": text,
        "text_sha256": f"sha-of-{text}",
        "stance": stance,
        "stance_holder": holder,
        "issue": issue,
        "label_source": source,
        "label_confidence": confidence,
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
            _sentence("a", 0, "Gold one.", "gold", None, ("none", "none", "none")),
            _sentence("a", 1, "Sure guess.", "model", 0.9, ("favor", "japan", "trade")),
            _sentence("a", 2, "Unsure guess.", "model", 0.1, ("against", "author", "history")),
            _sentence("b", 0, "Nobody knows.", None, None),
        ]
    )
    tasks = label_studio_tasks(corpus)
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
    by_id = {task["data"]["sentence_id"]: task["data"] for task in label_studio_tasks(corpus)}
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
