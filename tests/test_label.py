import pytest

from kjrel_data.errors import InputError
from kjrel_data.label import attach_labels, text_sha256
from kjrel_data.load import HumanLabel
from kjrel_data.split import Sentence

SENTENCES = [
    Sentence("a-0000", "a", 0, 0, 0, 10, "Ties thaw."),
    Sentence("a-0001", "a", 1, 0, 11, 22, "Talks stall."),
]


def _label(sentence_id: str, text: str, row_number: int = 2) -> HumanLabel:
    return HumanLabel(
        sentence_id, text_sha256(text), "favor", "author", "diplomacy", ("diplomacy",), row_number
    )


def test_text_sha256_is_the_hex_digest_of_utf8():
    assert text_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_labels_attach_by_id_and_the_rest_stay_null():
    labelled = attach_labels(SENTENCES, [_label("a-0001", "Talks stall.")])
    assert labelled[0].stance is None and labelled[0].issues is None
    assert (labelled[1].stance, labelled[1].stance_holder, labelled[1].issues) == (
        "favor",
        "author",
        ("diplomacy",),
    )


def test_a_stale_label_row_fails_and_shows_the_new_text():
    with pytest.raises(InputError, match=r"row 5: a-0001 is stale.*'Talks stall\.'"):
        attach_labels(SENTENCES, [_label("a-0001", "Talks stalled.", row_number=5)])


def test_a_label_for_an_unknown_sentence_fails():
    with pytest.raises(
        InputError, match=r"row 2: sentence_id 'b-0000' is not a sentence of the current build"
    ):
        attach_labels(SENTENCES, [_label("b-0000", "Gone.")])
