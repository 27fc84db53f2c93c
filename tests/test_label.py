import pytest

from kjrel_data import model_labeller
from kjrel_data.errors import InputError
from kjrel_data.label import attach_labels, check_label_rows, gold_examples
from kjrel_data.label_sets import text_sha256
from kjrel_data.load import AnnotationPass, LabelRow
from kjrel_data.sentence_split import Sentence

SENTENCES = [
    Sentence("a-0000", "a", 0, 0, 0, 10, "Ties thaw."),
    Sentence("a-0001", "a", 1, 0, 11, 23, "Talks stall."),
]


def _row(
    sentence_id: str,
    text: str,
    stance: str = "favor",
    note: str | None = None,
    row_number: int = 2,
    source: str = "single_blind",
):
    holder = "none" if stance == "none" else "author"
    return LabelRow(
        sentence_id,
        text_sha256(text),
        stance,
        holder,
        "diplomacy",
        ("diplomacy",),
        note,
        "raw/labels.csv",
        row_number,
        source,
    )


def _pass(name: str, *rows: LabelRow, round_number: int = 1) -> AnnotationPass:
    return AnnotationPass(
        name, round_number, "annotator", "machine", "a model", "0" * 64, list(rows)
    )


def _attach(gold_labels: list[LabelRow], passes: list[AnnotationPass]):
    examples = gold_examples(SENTENCES, gold_labels, training_articles=frozenset({"a"}))
    return attach_labels(SENTENCES, gold_labels, passes, examples)


def test_text_sha256_is_the_hex_digest_of_utf8():
    assert text_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_gold_labels_attach_by_id_with_their_source_and_the_rest_stay_unlabelled():
    labelled = _attach([_row("a-0001", "Talks stall.")], []).sentences
    assert (labelled[1].stance, labelled[1].stance_holder, labelled[1].issues) == (
        "favor",
        "author",
        ("diplomacy",),
    )
    assert (labelled[1].source, labelled[1].model) == ("single_blind", {})
    # One training article calibrates nothing (every probability 0): nothing is published.
    assert (labelled[0].source, labelled[0].stance, labelled[0].model) == ("unlabelled", None, {})


def test_model_labels_are_published_apart_from_annotations_where_their_threshold_is_reached(
    monkeypatch,
):
    monkeypatch.setattr(
        model_labeller, "PUBLISH_THRESHOLDS", {"stance": 0.0, "stance_holder": 1.01, "issue": 0.0}
    )
    gold = [_row("a-0001", "Talks stall.")]
    examples = gold_examples(SENTENCES, gold, training_articles=frozenset({"a"}))
    unlabelled = attach_labels(SENTENCES, gold, [], examples).sentences[0]
    assert unlabelled.source == "model"
    assert unlabelled.stance is None and unlabelled.issues is None
    assert set(unlabelled.model) == {"stance", "issue"}
    assert all(0 <= label.probability <= 1 for label in unlabelled.model.values())


def test_without_any_gold_labels_sentences_stay_unlabelled():
    labelled = _attach([], []).sentences
    assert all(item.stance is None and item.source == "unlabelled" for item in labelled)


def test_adjudicated_gold_needs_two_passes():
    adjudicated = [_row("a-0000", "Ties thaw.", source="adjudicated")]
    with pytest.raises(InputError, match=r"(?s)fewer than two annotation passes.*row 2: a-0000"):
        _attach(adjudicated, [_pass("round1-a", _row("a-0000", "Ties thaw."))])
    passes = [_pass(name, _row("a-0000", "Ties thaw.")) for name in ("round1-a", "round1-b")]
    assert _attach(adjudicated, passes).sentences[0].source == "adjudicated"


def test_a_stale_label_row_fails_and_shows_the_new_text():
    with pytest.raises(InputError, match=r"row 5: a-0001 is stale.*'Talks stall\.'"):
        _attach([_row("a-0001", "Talks stalled.", row_number=5)], [])


def test_a_label_for_an_unknown_sentence_fails():
    with pytest.raises(
        InputError, match=r"row 2: sentence_id 'b-0000' is not a sentence of the current build"
    ):
        _attach([_row("b-0000", "Gone.")], [])


def test_a_stale_row_in_an_annotation_pass_fails_too():
    stale = _pass("round1-a", _row("a-0000", "Ties froze."))
    with pytest.raises(InputError, match=r"a-0000 is stale"):
        _attach([], [stale])


def test_every_pass_row_becomes_an_annotation():
    passes = [
        _pass("round1-a", _row("a-0000", "Ties thaw.")),
        _pass("round1-b", _row("a-0000", "Ties thaw.")),
    ]
    annotations = _attach([], passes).annotations
    assert [(a.sentence_id, a.pass_name, a.round, a.article_id) for a in annotations] == [
        ("a-0000", "round1-a", 1, "a"),
        ("a-0000", "round1-b", 1, "a"),
    ]


def test_a_disagreement_needs_a_reason_in_the_gold_row():
    passes = [
        _pass("round1-a", _row("a-0000", "Ties thaw.", "favor")),
        _pass("round1-b", _row("a-0000", "Ties thaw.", "none")),
    ]
    with pytest.raises(InputError, match=r"raw/labels.csv: row 2: a-0000"):
        _attach([_row("a-0000", "Ties thaw.", "favor")], passes)
    explained = [_row("a-0000", "Ties thaw.", "favor", note="Supports the thaw (H1).")]
    assert _attach(explained, passes).sentences[0].stance == "favor"


def test_only_the_latest_round_must_agree():
    passes = [
        _pass("round1-a", _row("a-0000", "Ties thaw.", "favor")),
        _pass("round1-b", _row("a-0000", "Ties thaw.", "none")),
        _pass("round2-a", _row("a-0000", "Ties thaw.", "favor"), round_number=2),
        _pass("round2-b", _row("a-0000", "Ties thaw.", "favor"), round_number=2),
    ]
    assert _attach([_row("a-0000", "Ties thaw.")], passes).sentences[0].stance == "favor"


def test_gold_outside_the_train_split_does_not_train_the_labeller():
    gold = [_row("a-0001", "Talks stall.")]
    assert gold_examples(SENTENCES, gold, training_articles=frozenset()) == []
    labelled = attach_labels(SENTENCES, gold, [], []).sentences
    assert labelled[1].source == "single_blind" and labelled[0].source == "unlabelled"


def test_label_rows_of_an_article_not_in_the_build_fail_before_any_article_is_read():
    gold = [_row("a-0001", "Talks stall."), _row("b-0000", "Gone.", row_number=3)]
    check_label_rows(gold[:1], [], frozenset({"a"}))
    with pytest.raises(InputError, match=r"row 3: sentence_id 'b-0000' is not a sentence") as error:
        check_label_rows(gold, [_pass("round1-a", _row("c-0002", "Gone."))], frozenset({"a"}))
    assert "row 2: sentence_id 'c-0002'" in str(error.value)
