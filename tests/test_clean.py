import dataclasses
import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kjrel_data import clean as clean_module
from kjrel_data.clean import (
    CORRECTION_RULE,
    RULES,
    clean_articles,
    clean_text_of,
    compile_rules,
    join_broken_paragraphs,
    normalise_line,
    split_lines,
)
from kjrel_data.load import ArticleMetadata, CleaningCorrection, RawArticle

from .conftest import raw_articles

REPO = Path(__file__).resolve().parent.parent

RAW = Path(__file__).resolve().parent.parent / "raw"
METADATA = ArticleMetadata(
    article_id="example",
    file="articles/example.txt",
    sha256="0" * 64,
    outlet="The Association of Japanese Institutes of Strategic Studies",
    section="Tokyo Report",
    title="Seoul and Tokyo Mend Ties",
    standfirst="A thaw, at last.",
    author="Jane Doe",
    published_date=None,
    url=None,
    kind="news",
    language="en",
    split="train",
    copyright="Copyright the publisher.",
)


def _clean(text: str, metadata: ArticleMetadata = METADATA) -> tuple[str, list]:
    """The rules alone: these tests are about them; tests/test_line_classifier.py tests the model."""
    return clean_text_of(text, metadata, RULES, None)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("## **SEIZE THE DAY**", "SEIZE THE DAY"),
        ("***Junya Nishino***", "Junya Nishino"),
        ("*The views expressed are mine.*", "The views expressed are mine."),
        ("Tokyo Report\u00a0|\u00a0Diplomacy  ", "Tokyo Report | Diplomacy"),
        ("Cafe\u0301 “quotes” – dash", "Café “quotes” – dash"),
        ("5 * 3 = 15", "5 * 3 = 15"),
    ],
)
def test_normalise_line_strips_markdown_and_folds_white_space(line, expected):
    assert normalise_line(line) == expected


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Seoul and Tokyo Mend Ties", "repeated_title"),
        ("## **SEOUL AND TOKYO MEND TIES**", "repeated_title"),
        ("A thaw, at last.", "repeated_standfirst"),
        ("Tokyo Report", "section_label"),
        ("Tokyo Report | Diplomacy | East Asia", "section_label"),
        ("**The Association of Japanese Institutes of Strategic Studies**", "outlet_masthead"),
        ("***Jane Doe***", "byline"),
        ("By Jane Doe", "byline"),
        ("Jane Doe is a professor at Kobe University.", "author_bio"),
        ("Recent Features", "navigation"),
        ("Credit: Hiro Komae / Associated Press", "photo_credit"),
        ("New: Gift this subscriber-only story to your friends and family", "subscription_prompt"),
        ("Subscribe now", "subscription_prompt"),
        (
            "Join ST's Telegram channel and get the latest breaking news delivered to you.",
            "promotion",
        ),
        (
            "A version of this article appeared in the print edition of The Sunday Times.",
            "print_edition_note",
        ),
        ("*The views expressed in this piece are the author's own.*", "disclaimer"),
        ("No. 297", "series_number"),
        ("16 September 2022", "date_line"),
        ("February 28, 2021", "date_line"),
        ("**JIIA**", "ajiss_member_institutes"),
        ("- The inauguration is viewed as an opportunity.", "ajiss_key_points"),
    ],
)
def test_each_rule_removes_its_kind_of_line(line, rule):
    clean_text, removed = _clean(f"{line}\n\nThe two leaders met in Seoul.")
    assert clean_text == "The two leaders met in Seoul."
    assert [(r.line_number, r.line, r.rule) for r in removed] == [(1, line, rule)]


@pytest.mark.parametrize(
    "line",
    [
        "Jane Doe is a professor at Kobe University, and she said the talks failed. They did.",
        "The Japan Institute of International Affairs hosted the talks.",
        "- A bullet in another outlet's article.",
        "Subscribers to the survey said relations were poor, and the figure has not moved since the last poll.",
        "Subscribers said yes.",
    ],
)
def test_body_text_that_resembles_chrome_is_kept(line):
    other_outlet = dataclasses.replace(METADATA, outlet="The Diplomat")
    clean_text, removed = _clean(line, other_outlet)
    assert clean_text == normalise_line(line)
    assert removed == []


def test_a_rule_needing_an_empty_metadata_field_is_skipped():
    no_author = dataclasses.replace(METADATA, author=None)
    assert not any(
        name in {"byline", "author_bio"} for name, _ in compile_rules(RULES, no_author)["line"]
    )


def test_line_endings_lf_crlf_and_cr_are_all_accepted():
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert _clean("Credit: X\r\n\r\nBody one.\r\rBody two.")[0] == "Body one.\n\nBody two."


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            ["It was in accordance with the", "rulings, he said."],
            ["It was in accordance with the rulings, he said."],
        ),
        (["During a", "Courtesy call, they met."], ["During a Courtesy call, they met."]),
        (["A heading", "Body starts here."], ["A heading", "Body starts here."]),
        (["One ends.", "lowercase start."], ["One ends.", "lowercase start."]),
    ],
)
def test_sentences_broken_across_a_page_break_are_rejoined(paragraphs, expected):
    assert join_broken_paragraphs(paragraphs, compile_rules(RULES, METADATA)["line"]) == expected


def test_a_join_that_would_make_chrome_is_not_made():
    # "-" then "a …" would join into "- a …", which the key-point rule would remove, body and all;
    # a line of no words is removed first, and the sentence stays.
    clean_text, removed = _clean("-\n\na sentence carries on.")
    assert clean_text == "a sentence carries on."
    assert [(line.line, line.rule) for line in removed] == [("-", "no_words")]


def test_chrome_wrapped_over_several_lines_is_removed_line_by_line():
    clean_text, removed = _clean("Recent\nFeatures\n\nThe leaders met.")
    assert clean_text == "The leaders met."
    assert [(line.line_number, line.line, line.rule) for line in removed] == [
        (1, "Recent", "navigation"),
        (2, "Features", "navigation"),
    ]


def _real_clean():
    return clean_articles(raw_articles(RAW))


def test_real_articles_lose_only_chrome_and_keep_page_broken_sentences_whole():
    clean, removed = _real_clean()
    text = {article.metadata.article_id: article.clean_text for article in clean}
    ajiss = text["ajiss-seize-the-opportunity"]
    assert "in accordance with the rulings, this would be negatively regarded" in ajiss
    assert "During a courtesy call on President Yoon" in ajiss
    rules_used = {line.rule for line in removed}
    assert {
        "repeated_title",
        "navigation",
        "photo_credit",
        "author_bio",
        "print_edition_note",
    } <= rules_used
    for line in removed:
        assert normalise_line(line.line) not in text[line.article_id], line


def test_no_clean_text_matches_a_rule_anywhere():
    clean, _ = _real_clean()
    for article in clean:
        patterns = compile_rules(RULES, article.metadata)
        for line in article.clean_text.split("\n"):
            for name, pattern in patterns["line"] + patterns["tail"] + patterns["list"]:
                assert not pattern.fullmatch(line), (article.metadata.article_id, name, line[:80])


def test_clean_text_is_nfc_without_markdown_or_stray_white_space():
    clean, _ = _real_clean()
    for article in clean:
        assert unicodedata.is_normalized("NFC", article.clean_text)
        assert "**" not in article.clean_text and "\n\n\n" not in article.clean_text
        for paragraph in article.clean_text.split("\n\n"):
            assert paragraph == paragraph.strip() and "  " not in paragraph


def test_cleaning_the_real_articles_again_changes_nothing():
    clean, _ = _real_clean()
    for article in clean:
        again, removed = _clean(article.clean_text, article.metadata)
        assert (again, removed) == (article.clean_text, [])


chrome = st.sampled_from(
    [
        "Recent Features",
        "Credit: Depositphotos",
        "Tokyo Report",
        "No. 12",
        "Seoul and Tokyo Mend Ties",
    ]
)
prose = st.text(
    alphabet=st.sampled_from(list("abcdefghij klmnop,.“”’–-\u00a0\t\u0301*#")),
    min_size=1,
    max_size=40,
)
lines = st.lists(st.one_of(chrome, prose, st.just(""), st.just("   ")), max_size=12)


@given(st.text(alphabet=st.sampled_from(list("ab #*_\t\u00a0e\u0301")), max_size=20))
def test_normalise_line_is_idempotent(line):
    assert normalise_line(normalise_line(line)) == normalise_line(line)


@given(lines)
@example(["-", "", "#", "", "a"])
@example(["#", "a"])
@example(["-", "a"])
def test_cleaning_is_idempotent_on_generated_text(generated):
    clean_text, _ = _clean("\n".join(generated))
    again, removed = _clean(clean_text)
    assert again == clean_text
    assert removed == []


@given(lines)
@example(["-", "", "#", "", "a"])
@example(["a", "\u0301"])
def test_every_non_blank_line_is_kept_or_recorded(generated):
    clean_text, removed = _clean("\n".join(generated))
    spans: dict[int, list[tuple[int, int]]] = {}
    for line in removed:
        assert line.line[line.char_start : line.char_end].strip(), line
        spans.setdefault(line.line_number, []).append((line.char_start, line.char_end))
    kept = []
    for number, line in enumerate(generated, start=1):
        for start, end in sorted(spans.get(number, []), reverse=True):
            line = line[:start] + " " + line[end:]
        kept.append(line)

    def content(text: str) -> str:
        """What must survive cleaning: everything but white space and Markdown marks."""
        return unicodedata.normalize("NFC", re.sub(r"[\s#*_]", "", text))

    assert content(clean_text) == content("".join(kept))


GENERAL = dataclasses.replace(
    METADATA, outlet="Pacific Wire", section=None, standfirst=None, author=None
)
BODY = (
    "The two leaders agreed on Thursday to restart regular visits between their capitals.\n\n"
    "Officials on both sides described the talks as candid and said more meetings would follow."
)
MORE = (
    "Business groups in both countries welcomed the agreement and promised new joint projects.\n\n"
    "Analysts cautioned that public opinion in both countries remains wary of the whole process."
)


def _removed_by(text: str) -> tuple[str, list[tuple[str, str]]]:
    clean_text, removed = _clean(text, GENERAL)
    return clean_text, [(line.rule, line.line[line.char_start : line.char_end]) for line in removed]


@pytest.mark.parametrize(
    ("chrome", "rule"),
    [
        ("Skip to main content", "skip_link"),
        ("Advertisement", "advertisement"),
        ("Share | Print | Copy link", "share_controls"),
        ("Already a subscriber? Sign in", "account_prompt"),
        ("By MIN JAE-HOON and AYAKA NISHIDA", "byline_generic"),
        ("KAZUKI MORI, Asia Business Review staff writer", "byline_generic"),
        ("jhlee@example.com", "email_address"),
        ("Published : 2023-03-17 14:02 Updated : 2023-03-17 18:40", "timestamp"),
        ("Mar. 21, 2023 18:03 JST", "timestamp"),
        ("Updated 2 hours ago", "timestamp"),
        ("02:13", "counter"),
        ("12", "counter"),
        ("Leaders shake hands in Tokyo, March 16, 2023. (AP Photo/Kenji Morita)", "photo_caption"),
        ("Tanks stand at the plant in Okuma, Fukushima Prefecture. | KYODO", "photo_caption"),
        ("(LEAD) S. Korea, Japan agree to share missile data", "agency_slug"),
        ("News / Asia Pacific / Politics", "breadcrumb"),
        ("Privacy ∙ Terms ∙ Collection notice", "menu_bar"),
        ("#Japan #South Korea", "hashtags"),
        ("----------", "separator"),
        ("© 2023 The Metropolitan Times Company", "copyright"),
        (
            "Eleanor Marsh is a senior fellow in the Asia Program at the Forum.",
            "author_bio_generic",
        ),
        ("This commentary is produced by the Forum, a private institution.", "publisher_note"),
    ],
)
def test_general_rules_remove_chrome_of_outlets_never_seen(chrome, rule):
    clean_text, removed = _removed_by(f"{BODY}\n\n{chrome}\n\n{MORE}")
    assert clean_text == f"{BODY}\n\n{MORE}"
    assert removed == [(rule, chrome)]


def test_a_dateline_run_into_the_first_paragraph_is_cut_off_and_the_rest_kept():
    clean_text, removed = _removed_by(f"SEOUL, March 16 (Agency) -- {BODY}")
    assert clean_text == BODY
    assert removed == [("dateline", "SEOUL, March 16 (Agency) -- ")]


def test_an_advertisement_run_into_a_paragraph_is_cut_out_leaving_one_space():
    first, second = BODY.split("\n\n")
    clean_text, removed = _removed_by(f"{first} Advertisement {second}")
    assert clean_text == f"{first} {second}"
    assert removed == [("run_in_advertisement", " Advertisement")]


def test_a_caption_run_into_a_paragraph_is_cut_out():
    caption = "Supporters rally in front of the embassy in Seoul on Wednesday. [YONHAP] "
    clean_text, removed = _removed_by(f"{caption}{BODY}")
    assert clean_text == BODY
    assert removed == [("run_in_caption", caption)]


def test_reader_comments_are_removed_to_the_end_but_only_after_body_text():
    comments = (
        "Comments (2)\nkenta_t\nGood that they are open about it, and they should go on.\nReply"
    )
    clean_text, removed = _removed_by(f"{BODY}\n\n{comments}")
    assert clean_text == BODY
    # "Reply" is a button wherever it stands; the rest goes with the comments.
    assert [rule for rule, _ in removed] == ["comments_section"] * 3 + ["share_controls"]


def test_a_related_list_ends_at_the_next_prose_paragraph():
    related = "Related Stories\nNorth Korea fires missile before summit\nTrade curbs lifted"
    clean_text, removed = _removed_by(f"{BODY}\n\n{related}\n\n{MORE}")
    assert clean_text == f"{BODY}\n\n{MORE}"
    # The heading is also an older navigation rule's, which is tried first.
    assert [rule for rule, _ in removed] == ["navigation"] + ["related_list"] * 2


def test_three_short_lines_in_a_row_are_navigation_but_one_crosshead_is_kept():
    clean_text, removed = _removed_by(
        f"World\n\nPolitics\nOddities\n\n{BODY}\n\nWhat next\n\n{MORE}"
    )
    assert clean_text == f"{BODY}\n\nWhat next\n\n{MORE}"
    assert [rule for rule, _ in removed] == ["navigation_run"] * 3


def test_a_line_repeated_in_the_article_is_removed_everywhere():
    caption = "Tanks storing treated water stand on the grounds of the plant"
    clean_text, removed = _removed_by(f"{BODY}\n\n{caption}\n\n{MORE}\n\n{caption}")
    assert caption not in clean_text
    assert [rule for rule, _ in removed] == ["repeated_line"] * 2


def test_headline_matter_before_the_body_and_footers_after_it_are_removed():
    head = (
        "Japan and Korea mend ties\n\nSenior Fellow, Asia Program\n\nA short note that ends here."
    )
    foot = "1200 Harbor Street, Suite 400\nSan Francisco, CA 94105"
    clean_text, removed = _removed_by(f"{head}\n\n{BODY}\n\n{foot}")
    assert clean_text == BODY
    assert {rule for rule, _ in removed} == {"outside_body"}


def test_a_dek_under_the_headline_is_removed():
    dek = "The move removes one of the biggest irritants between two key allies."
    text = f"{METADATA.title}\n\n{dek}\n\nListen to this article · 5 min\nBy Hana Kato\n\n{BODY}"
    clean_text, removed = _clean(text, dataclasses.replace(GENERAL, title=METADATA.title))
    assert clean_text == BODY
    assert ("dek", dek) in [(r.rule, r.line[r.char_start : r.char_end]) for r in removed]


def test_a_sentence_cut_off_at_the_end_is_removed_and_the_full_ones_kept():
    cut = f"{BODY} The two governments agreed to"
    clean_text, removed = _removed_by(cut)
    assert clean_text == BODY
    assert removed == [("unfinished_ending", "The two governments agreed to")]


@pytest.mark.parametrize(
    "sentence",
    [
        "Posts tagged #NoJapan and #BoycottJapan spread across Korean social media in July 2019.",
        "Copyright disputes over Korean dramas streamed in Japan have also strained ties.",
        "Reporting by the Asahi Shimbun revealed the ministry had known for years.",
        "By December, will Seoul still be willing to back the compensation plan?",
        "Published in 2019, the defence white paper no longer described Seoul as a partner.",
        "Updated guidelines issued in March 2024 require checks on imports from the region.",
        "Lee Won-deog is a professor of Japanese studies at Kookmin University in Seoul.",
        "Kyodo News reports on Tuesday that Tokyo will lift the remaining curbs.",
        "This report was produced by a joint panel of Japanese and Korean historians in 2010.",
        "Then $300 million in Japanese aid was frozen until the dispute was settled.",
        "More from Seoul is expected on Friday, when the cabinet meets again.",
        "GSOMIA – the intelligence-sharing pact – was fully restored in 2023 after the summit.",
        "NATO — which invited both leaders to its summit — welcomed the agreement.",
        "Hayashi said the ruling of the [ROK] Supreme Court could not be accepted by Tokyo.",
    ],
)
def test_body_sentences_that_look_like_general_chrome_are_kept(sentence):
    text = f"{BODY}\n\n{sentence}\n\n{MORE}"
    assert _clean(text, GENERAL)[0] == text


def test_an_advertisement_word_inside_a_sentence_is_kept():
    text = f"{BODY} Advertisement spending by Japanese firms rose.\n\n{MORE}"
    assert _clean(text, GENERAL)[0] == text


@pytest.mark.parametrize(
    "middle",
    ['"We will see," he said.', "What comes next", "Why?"],
)
def test_short_paragraphs_inside_the_body_keep_the_body_around_them(middle):
    first, second = BODY.split("\n\n")
    for text in (
        f"{first}\n\n{middle}\n\n{second}",
        f"{BODY}\n\n{middle}\n\n{MORE}",
    ):
        assert _clean(text, GENERAL)[0] == text
    ending = f"{BODY}\n\nSeoul has yet to respond."
    assert _clean(ending, GENERAL)[0] == ending


def test_a_one_sentence_lede_under_the_headline_is_not_taken_for_a_dek():
    lede = "South Korea and Japan agreed on Thursday to restart visits between their leaders."
    text = f"{METADATA.title}\n\n{lede}\n\nADVERTISEMENT\n\n{MORE}"
    clean_text, _ = _clean(text, dataclasses.replace(GENERAL, title=METADATA.title))
    assert clean_text == f"{lede}\n\n{MORE}"


def test_a_pull_quote_that_repeats_a_whole_paragraph_leaves_the_body_copy():
    first, second = BODY.split("\n\n")
    clean_text, removed = _removed_by(f"{second}\n\n{first}\n\n{second}\n\n{MORE}")
    assert clean_text == f"{first}\n\n{second}\n\n{MORE}"
    assert removed == [("repeated_line", second)]


def test_a_list_ends_where_a_hard_wrapped_paragraph_begins():
    wrapped = "Officials on both sides described the talks\nas candid and said more meetings would follow."
    clean_text, _ = _removed_by(f"{BODY}\n\nRead more:\nTrade curbs lifted\n\n{wrapped}")
    assert clean_text.endswith(wrapped.replace("\n", " "))


def test_a_cut_off_ending_after_an_advertisement_is_recorded_once_per_span():
    clean_text, removed = _removed_by(
        f"{BODY} Advertisement The talks were expected to continue into"
    )
    assert clean_text == BODY
    assert removed == [
        ("run_in_advertisement", " Advertisement"),
        ("unfinished_ending", "The talks were expected to continue into"),
    ]


BODY = (
    "Seoul and Tokyo agreed on Tuesday to resume regular talks between their ministers.\n\n"
    "Officials said the next meeting would be held in Busan later this year, with trade first."
)


def _correction(line_number: int, action: str) -> CleaningCorrection:
    return CleaningCorrection(METADATA.article_id, line_number, "0" * 64, action, None)


def test_a_keep_correction_keeps_a_line_a_rule_removed_whole():
    text = f"Recent Features\n\n{BODY}"
    clean, removed = clean_text_of(text, METADATA, RULES, None, (_correction(1, "keep"),))
    assert clean.startswith("Recent Features\n\nSeoul") and removed == []
    assert _clean(text)[1][0].rule == "navigation"


def test_a_drop_correction_removes_a_kept_line_with_rule_correction():
    clean, removed = clean_text_of(BODY, METADATA, RULES, None, (_correction(3, "drop"),))
    assert clean == BODY.split("\n")[0]
    assert [
        (item.line_number, item.rule, item.line[item.char_start : item.char_end])
        for item in removed
    ] == [(3, "correction", BODY.split("\n")[2])]


def test_clean_articles_lists_the_lines_kept_by_correction_in_order():
    article = RawArticle(METADATA, f"Recent Features\n\nTokyo Report\n\n{BODY}")
    corrections = (_correction(3, "keep"), _correction(1, "keep"), _correction(7, "drop"))
    [clean], _ = clean_articles([article], corrections=corrections)
    assert clean.lines_kept_by_correction == (1, 3)


def test_the_rules_declare_the_correction_rule_without_a_pattern():
    [rule] = [rule for rule in RULES if rule.kind == "correction"]
    assert (rule.name, rule.pattern) == (CORRECTION_RULE, None) and rule.description


@given(lines, st.data())
def test_a_kept_line_has_no_removal_and_a_dropped_line_keeps_nothing(generated, data):
    numbers = range(1, len(generated) + 1)
    actions = data.draw(
        st.lists(
            st.sampled_from(["keep", "drop", None]),
            min_size=len(generated),
            max_size=len(generated),
        )
    )
    corrections = tuple(
        _correction(number, action)
        for number, action in zip(numbers, actions, strict=True)
        if action
    )
    _, removed = clean_text_of("\n".join(generated), METADATA, RULES, None, corrections)
    for correction in corrections:
        line = generated[correction.line_number - 1]
        spans = sorted(
            (item.char_start, item.char_end)
            for item in removed
            if item.line_number == correction.line_number
        )
        if correction.action == "keep":
            assert spans == []
        else:
            kept = "".join(
                line[end:start]
                for (_, end), (start, _) in zip(
                    [(0, 0), *spans], [*spans, (len(line), 0)], strict=True
                )
            )
            assert not kept.strip()


def test_each_structural_and_classifier_rule_describes_itself_with_its_parameters_values():
    declared = tomllib.loads(
        (REPO / "kjrel_data" / "cleaning_rules.toml").read_text(encoding="utf-8")
    )
    shared = declared["parameters"]
    by_name = {rule.name: rule for rule in RULES}
    for item in declared["rule"]:
        if item.get("kind", "line") not in ("structural", "classifier"):
            continue
        named = set(re.findall(r"\{(\w+)\}", item["description"]))
        assert named, f"{item['name']} names none of the numbers it is decided by"
        assert (
            set(item.get("parameters", {}))
            <= named
            <= set(item.get("parameters", {})) | set(shared)
        )
        published = by_name[item["name"]].description
        assert "{" not in published
        for name in named:
            value = {**shared, **item.get("parameters", {})}[name]
            for shown in value if isinstance(value, list) else [value]:
                assert str(shown) in published


def test_a_description_that_leaves_out_a_parameter_is_refused():
    with pytest.raises(ValueError, match="must name each of its parameters"):
        clean_module._rule(
            {"name": "x", "kind": "structural", "description": "Short.", "parameters": {"n": 3}},
            {},
        )
    with pytest.raises(ValueError, match="must name each of its parameters"):
        clean_module._rule({"name": "x", "kind": "structural", "description": "At {n}."}, {})
