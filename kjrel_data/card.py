"""The dataset card (the folder's README.md): YAML configs and features, figures computed from the data."""

import io
import re
from collections import Counter
from collections.abc import Sequence
from importlib import metadata

import matplotlib
import yaml
from datasets import List, Value
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCardData

from kjrel_data import __version__
from kjrel_data.agreement import agreement, agreement_table, confusion_tables
from kjrel_data.clean import RULES
from kjrel_data.extract import EXTRACTION_LIBRARIES
from kjrel_data.label_sets import (
    ANNOTATION_SOURCES,
    ISSUE,
    LABEL_SETS,
    LABEL_SOURCE,
    STANCE,
    STANCE_HOLDER,
    LabelSet,
)
from kjrel_data.load import checks_gold
from kjrel_data.model_labeller import (
    CHOSEN_METHOD,
    TARGET_ACCURACY,
    FieldEvaluation,
    GoldExample,
    evaluate_published,
)
from kjrel_data.names import (
    ANNOTATIONS_LICENCE,
    ANNOTATIONS_LICENCE_URL,
    ARTICLES,
    CONFIGS,
    CREATORS,
    DESCRIPTION,
    LICENSE_LINK,
    LICENSE_NAME,
    PRETTY_NAME,
    SENTENCES,
    SPLITS,
)
from kjrel_data.sentence_model import load_sentence_model
from kjrel_data.summary import LISTED_ARTICLES, CorpusSummary
from kjrel_data.tables import COLUMNS, FEATURES, FOLDS, MODEL_LABEL_SETS
from kjrel_data.version import DatasetVersion, citation_bibtex
from kjrel_data.wording import counted

# Characters that Markdown (with GitHub's strikethrough) or HTML read as markup inside a table cell
# (`_markdown_table` escapes the pipe); a title or annotator name from raw/ is shown as typed.
MARKDOWN_MARKUP = re.compile(r"([\\`*_\[\]~])")
HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
PLOT_FILE = "issue_stance.png"
RELIABILITY_PLOT_FILE = "model_reliability.png"
# Every codebook an annotation pass pinned, as its annotators read it (raw/annotations/CODEBOOK-*.md).
CODEBOOK_FOLDER = "codebooks"
# Their versions decide the bytes of the files (Parquet writer, plot renderer, segmenter, and the
# text extracted from web pages and PDFs).
RECORDED_DEPENDENCIES = ("pyarrow", "datasets", "sentencex", "matplotlib", *EXTRACTION_LIBRARIES)


def render_card(
    summary: CorpusSummary,
    data_files: dict[str, dict[str, list[str]]],
    data_bytes: dict[tuple[str, str], int],
    evaluations: list[FieldEvaluation],
    version: DatasetVersion,
) -> str:
    """The card's text for a corpus whose shards are data_files[config][split], of data_bytes."""
    return (
        f"---\n{_yaml_header(summary, data_files, data_bytes)}---\n\n"
        f"{_body(summary, evaluations, version)}"
    )


def model_label_evaluation(summary: CorpusSummary) -> list[FieldEvaluation]:
    """The shipped labeller scored leave one article out on the corpus's annotated sentences."""
    rows = summary.annotated.to_pylist()
    return evaluate_published(
        [
            GoldExample(
                article_id=row["article_id"],
                text=row["text"],
                **{label_set.field: row[label_set.field] for label_set in MODEL_LABEL_SETS},
            )
            for row in rows
        ]
    )


def _yaml_header(
    summary: CorpusSummary,
    data_files: dict[str, dict[str, list[str]]],
    data_bytes: dict[tuple[str, str], int],
) -> str:
    configs = [
        {
            "config_name": config,
            **({"default": True} if config == SENTENCES else {}),
            "data_files": [{"split": split, "path": data_files[config][split]} for split in SPLITS],
        }
        for config in CONFIGS
    ]
    infos = DatasetInfosDict(
        {
            config: DatasetInfo(
                config_name=config,
                features=FEATURES[config],
                splits=SplitDict(
                    {
                        split: SplitInfo(
                            name=split,
                            num_bytes=data_bytes[(config, split)],
                            num_examples=summary.rows[(config, split)],
                        )
                        for split in SPLITS
                    }
                ),
            )
            for config in CONFIGS
        }
    )
    card_data = DatasetCardData(
        pretty_name=PRETTY_NAME,
        language=["en"],
        license="other",
        license_name=LICENSE_NAME,
        license_link=LICENSE_LINK,
        task_categories=["text-classification"],
        task_ids=["topic-classification", "multi-label-classification"],
        tags=["stance-detection", "political-science", "japan", "south-korea", "kjrel"],
        configs=configs,
        **_provenance_metadata(summary),
    )
    infos.to_dataset_card_data(card_data)
    return yaml.safe_dump(card_data.to_dict(), sort_keys=False, allow_unicode=True, width=1000)


def _body(
    summary: CorpusSummary, evaluations: list[FieldEvaluation], version: DatasetVersion
) -> str:
    sections = [
        f"# {PRETTY_NAME}",
        f"{DESCRIPTION} **Dataset version {version.version}** ({_release_note(version)}; see "
        f"CHANGELOG.md in the repository), built by `kjrel build` (kjrel-data {__version__}; {_dependency_versions()}). "
        "Every figure below is computed from the files in this folder. The same inputs built with "
        "the same versions give byte-identical files. How the data was collected, cleaned and "
        "labelled, and the copyright of the news text (it is not openly licensed), are in "
        "[DATASHEET.md](DATASHEET.md).",
        "## Loading",
        "```python\nfrom datasets import load_dataset\n\n"
        'sentences = load_dataset("path/to/this/folder")            # default config: sentences\n'
        'articles = load_dataset("path/to/this/folder", "articles")\n'
        'removed = load_dataset("path/to/this/folder", "removed")\n'
        'passes = load_dataset("path/to/this/folder", "annotations")\n'
        'names = sentences["train"].features["stance"].names       # ClassLabel names\n```',
        "Label columns (`ClassLabel` below, and lists of them) are stored in the Parquet files as "
        "label names, so pandas, polars, duckdb or any Parquet reader shows the names; "
        "`load_dataset` on this folder reads the features this card declares and gives each "
        "label as its `ClassLabel` id (the `id` column of the label tables below), with "
        "`features[column].int2str` to name it.",
        "The Parquet files also load on their own through "
        '`load_dataset("parquet", data_files={"train": ".../data/sentences/train-*.parquet"})` '
        "(every shard of the split), with label names as strings; pass "
        '`features=load_dataset("path/to/this/folder")["train"].features` to get the `ClassLabel` '
        "ids instead, "
        "locally or by URL (URLs need `pip install aiohttp`, which `datasets` does not install). "
        "`SHA256SUMS` lists every file's checksum; "
        "`kjrel validate FOLDER`, from the kjrel-data repository, checks a copy against it and "
        "against the schemas. `croissant.json` describes the same files in MLCommons Croissant 1.1 "
        "(each file's sha256, one record set per config, the splits and the label names), for "
        "`mlcroissant` and dataset search engines.",
        "## Limitations",
        _limitations_section(summary, evaluations),
        "## Licence",
        _licence_section(),
        "## Citation",
        _citation_section(version),
        "## Contents",
        _counts_table(summary),
        "### Where the labels come from",
        "Every sentence's `label_source` says where its labels come from. The label columns "
        "(`stance`, `stance_holder`, `issue`, `issues`) hold annotations only; the automatic "
        "labeller's labels are in the `model_*` columns, so a model label is never read as an "
        "annotation without choosing it. The labels are defined in [CODEBOOK.md](CODEBOOK.md) "
        "and how they were made is described in the datasheet.",
        _codebooks_note(),
        _label_source_table(summary),
        "## Labels",
        "The tables count annotations, each kind of `label_source` in its own column, and "
        "published model labels in the last; the issue-by-stance table and the plot count "
        "`adjudicated` annotations only.",
        *(_label_table(label_set, summary) for label_set in LABEL_SETS),
        "### Labels by split",
        "Annotations of every kind. The splits are by article, so label distributions differ "
        "between them.",
        _split_warning(summary),
        *(_split_table(label_set, summary) for label_set in (STANCE, STANCE_HOLDER, ISSUE)),
        "### Issue by stance",
        "Adjudicated annotations: the primary issue of each sentence against its stance.",
        _issue_stance_table(summary),
        f"![Sentences by primary issue and stance]({PLOT_FILE})",
        "## Evaluation protocol",
        _protocol_section(summary),
        "## Model labels",
        _model_label_section(summary, evaluations),
        "## Annotation and agreement",
        _annotation_section(summary),
        "## Fields",
        *(f"### `{config}`\n\n{_field_table(config)}" for config in CONFIGS),
        "## Articles",
        _articles_table(summary),
        "## Cleaning rules",
        "Everything the cleaner removed (a whole line, or part of one) is in the `removed` config "
        "with the rule that removed it; the rules are in `kjrel_data/cleaning_rules.toml`. "
        "Lines no rule touched are scored by a chrome-line classifier (a model trained on invented "
        "layout pages, not a person's judgement); the ones it removed have the rule "
        "`line_classifier` and their probability in `score`. A "
        "curator's correction of one raw line overrides them: a line it drops is in `removed` "
        "with the rule `correction`, and a line it keeps is listed in its article's "
        "`lines_kept_by_correction`.",
        _rules_table(summary),
    ]
    return "\n\n".join(sections) + "\n"


def _codebooks_note() -> str:
    return (
        f"CODEBOOK.md is the current codebook. `{CODEBOOK_FOLDER}/` holds every codebook an "
        "annotation pass used, exactly as its annotators read it: the `codebook_sha256` of a row of "
        f"`annotations` is the sha256 of one file there, and `SHA256SUMS` lists them all."
    )


def _dependency_versions() -> str:
    return ", ".join(f"{name} {metadata.version(name)}" for name in RECORDED_DEPENDENCIES)


def _split_counts(
    label_set: LabelSet, summary: CorpusSummary, sources: tuple[str, ...] = ANNOTATION_SOURCES
) -> dict[str, Counter]:
    return {
        split: Counter(
            {
                name: sum(
                    summary.gold_labels[(source, label_set.field, split, name)]
                    for source in sources
                )
                for name in label_set.names
            }
        )
        for split in SPLITS
    }


def _label_source_table(summary: CorpusSummary) -> str:
    total = summary.count(SENTENCES)
    rows = [
        [
            f"`{label.name}`",
            label.definition,
            summary.label_sources[label.name],
            f"{summary.label_sources[label.name] / total:.1%}" if total else "-",
        ]
        for label in LABEL_SOURCE.labels
    ]
    return _markdown_table(["label_source", "meaning", "sentences", "share"], rows)


def _protocol_section(summary: CorpusSummary) -> str:
    folds = sorted({fold for _, fold, _ in summary.fold_labels})
    missing_in_folds = [
        f"`{label_set.field}` `{name}` (absent from fold {', '.join(map(str, absent))})"
        for label_set in (STANCE, STANCE_HOLDER, ISSUE)
        for name in label_set.names
        if any(summary.fold_labels[(label_set.field, fold, name)] for fold in folds)
        for absent in [
            [fold for fold in folds if not summary.fold_labels[(label_set.field, fold, name)]]
        ]
        if absent
    ]
    articles = summary.count(ARTICLES)
    return "\n\n".join(
        [
            f"With {counted(articles, 'article')}, the `train`/`validation`/`test` split cannot "
            "evaluate a model on its own: one article per split is a sample of one, and labels that "
            "occur in one article may occur in no other. **Evaluate by article**: leave one article out (group the "
            "rows by `article_id`: train on the annotations of every other article, score on the "
            "held-out one, and pool the scores), or grouped k-fold with the `fold` column "
            f"(articles dealt into {FOLDS} folds in `article_id` order; with {FOLDS} articles or "
            "fewer each fold is one article). Score against annotations only (`label_source` "
            "`adjudicated`, or any annotation kind if you say so), never against the `model_*` "
            "columns. The split and fold of a sentence are its article's.",
            "Annotated labels that some fold lacks: "
            + ("; ".join(missing_in_folds) + "." if missing_in_folds else "none."),
        ]
    )


def _model_label_section(summary: CorpusSummary, evaluations: list[FieldEvaluation]) -> str:
    rows = [
        [
            f"`model_{evaluation.field}`",
            "never published" if evaluation.threshold is None else f"{evaluation.threshold:.2f}",
            f"{evaluation.coverage:.3f}",
            "-"
            if evaluation.published_accuracy is None
            else f"{evaluation.published_accuracy:.3f}",
            sum(
                count
                for (field, _, _), count in summary.model_labels.items()
                if field == evaluation.field
            ),
        ]
        for evaluation in evaluations
    ]
    reliability_rows = [
        [
            f"`{evaluation.field}`",
            f"[{item.low:.1f}, {item.high:.1f}{']' if item.high == 1.0 else ')'}",
            item.labels,
            f"{item.mean_probability:.3f}",
            f"{item.accuracy:.3f}",
        ]
        for evaluation in evaluations
        for item in evaluation.reliability
    ]
    labels = evaluations[0].labels if evaluations else 0
    return "\n\n".join(
        [
            f"The automatic labeller (`{CHOSEN_METHOD}`) labels the sentences that have no "
            "annotation. Its labels are machine labels: TF-IDF and logistic regression, fitted "
            f"on {counted(load_sentence_model().trained_on['sentences'], 'invented training sentence')} "
            "that AI writer sessions wrote and labelled from the codebook for this purpose (they "
            "are not corpus text and are in no table here), not on this corpus. Each label's "
            "probability of being right is calibrated at build time on the train split's "
            "annotations (isotonic regression on how often labels of that probability were "
            "right). The writers of its training sentences read the codebook, which quotes corpus "
            "sentences with their labels: the "
            f"{counted(len(load_sentence_model().quoted_text_sha256), 'sentence')} a codebook "
            "names or quotes three or more words of neither calibrate it nor count in the figures "
            "below. A model label is published "
            "only where its probability reaches its field's threshold, chosen so that published "
            f"labels are right at least {TARGET_ACCURACY:.0%} of the time, leave one article out "
            "(`benchmarks/labeller.py` in the repository). Below it the sentence stays "
            "`unlabelled` and goes to the head of the annotation queue "
            "(`kjrel export-tasks`).",
            f"Measured here, leave one article out over the {counted(labels, 'sentence')} "
            "annotated blind to the model (`adjudicated` or `single_blind`: labels that followed "
            "a pre-annotation would flatter the model) and not quoted in a codebook, each "
            "article labelled by the labeller calibrated on all the others: the share of labels "
            "that would be published at the threshold (coverage), how many of those are right, "
            "and how many model labels this folder publishes. The thresholds were chosen on these "
            "same predictions, so these figures flatter them somewhat (the repository's invented "
            "evaluation set, on which no threshold was chosen, checks them; the repository's README "
            "gives both). The "
            "labeller that labels this folder is calibrated on the train split's articles only, "
            "fewer than the others of each held-out article here, so expect its labels to be no "
            "better than these figures.",
            _markdown_table(
                ["column", "threshold", "coverage", "accuracy when published", "published here"],
                rows,
            ),
            "Reliability of the probabilities, leave one article out. Were they calibrated on "
            "new articles, each bin's mean probability would match its share right; where the two "
            "differ, the calibration (fitted on a few training articles) does not carry over:",
            _markdown_table(
                ["field", "probability", "labels", "mean probability", "right"], reliability_rows
            ),
            f"![Reliability of the model's probabilities]({RELIABILITY_PLOT_FILE})",
        ]
    )


def reliability_plot(evaluations: list[FieldEvaluation]) -> bytes:
    """A PNG reliability diagram: calibrated probability against the share right, per field."""
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 5), dpi=100)
    axes.plot([0, 1], [0, 1], color="#b0b0b0", linestyle="--", label="calibrated")
    for evaluation in evaluations:
        axes.plot(
            [item.mean_probability for item in evaluation.reliability],
            [item.accuracy for item in evaluation.reliability],
            marker="o",
            label=evaluation.field,
        )
    axes.axhline(TARGET_ACCURACY, color="#c0392b", linewidth=0.8, label="target accuracy")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("calibrated probability (mean of bin)")
    axes.set_ylabel("share right (leave one article out)")
    axes.set_title("Reliability of the model labels' probabilities")
    axes.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    pyplot.close(figure)
    return buffer.getvalue()


def _split_table(label_set: LabelSet, summary: CorpusSummary) -> str:
    counts = _split_counts(label_set, summary)
    rows = [[f"`{name}`", *(counts[split][name] for split in SPLITS)] for name in label_set.names]
    return f"`{label_set.field}`:\n\n" + _markdown_table(["label", *SPLITS], rows)


def _split_warning(summary: CorpusSummary) -> str:
    missing = [
        f"`{label_set.field}` `{name}` (in {', '.join(present)}; not in {', '.join(absent)})"
        for label_set in (STANCE, STANCE_HOLDER, ISSUE)
        for counts in [_split_counts(label_set, summary)]
        for name in label_set.names
        for present, absent in [
            (
                [split for split in SPLITS if counts[split][name]],
                [split for split in SPLITS if not counts[split][name]],
            )
        ]
        if present and absent
    ]
    if not missing:
        return "Every label that occurs in one split occurs in every split."
    return (
        "**Labels missing from some split**: a model trained on train cannot learn a label "
        "absent from it, and a split without a label cannot score it: " + "; ".join(missing) + "."
    )


def _issue_stance_table(summary: CorpusSummary) -> str:
    counts = _adjudicated_issue_stance(summary)
    rows = [
        [
            f"`{issue}`",
            *(counts[(issue, stance)] for stance in STANCE.names),
            sum(counts[(issue, stance)] for stance in STANCE.names),
        ]
        for issue in ISSUE.names
    ]
    return _markdown_table(["issue", *STANCE.names, "total"], rows)


def _adjudicated_issue_stance(summary: CorpusSummary) -> Counter:
    return Counter(
        {
            (issue, stance): count
            for (source, issue, stance), count in summary.gold_issue_stance.items()
            if source == "adjudicated"
        }
    )


def issue_stance_plot(summary: CorpusSummary) -> bytes:
    """A PNG of adjudicated sentences by primary issue, stacked by stance (same bytes every run)."""
    matplotlib.use("Agg")
    from matplotlib import pyplot

    counts = _adjudicated_issue_stance(summary)
    figure, axes = pyplot.subplots(figsize=(8, 5), dpi=100)
    left = [0] * len(ISSUE.names)
    colours = {"none": "#b0b0b0", "against": "#c0392b", "favor": "#2874a6"}
    for stance in STANCE.names:
        widths = [counts[(issue, stance)] for issue in ISSUE.names]
        axes.barh(ISSUE.names, widths, left=left, label=stance, color=colours.get(stance))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("sentences (adjudicated annotations)")
    axes.set_title("Primary issue by stance toward improving Japan–South Korea relations")
    axes.legend(title="stance", loc="lower right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    pyplot.close(figure)
    return buffer.getvalue()


def _annotation_section(summary: CorpusSummary) -> str:
    annotations = summary.annotations
    if annotations.num_rows == 0:
        return "No annotation passes are stored yet."
    passes = Counter(
        (row["round"], row["pass"], row["annotator"])
        for row in annotations.select(["round", "pass", "annotator"]).to_pylist()
    )
    pass_rows = [
        [round_number, f"`{name}`", shown_as_typed(annotator), count]
        for (round_number, name, annotator), count in sorted(passes.items())
    ]
    results = agreement(annotations.to_pylist())
    return "\n\n".join(
        [
            "Every pass is in the `annotations` config (long form: one row per sentence and pass), "
            "so the figures below can be recomputed; `kjrel agreement` prints them from `raw/`.",
            _markdown_table(["round", "pass", "annotator", "sentences"], pass_rows),
            agreement_table(results),
            "For `issues` (a set of labels per sentence), agreement counts identical sets, and κ and "
            "α are the means over issue labels of each label's present-or-absent agreement.",
            "Confusion tables (first pass in rows, second in columns):",
            confusion_tables(results),
        ]
    )


def shown_as_typed(text: object) -> str:
    """Text from raw/ for a Markdown table cell: markup and HTML escaped, on one line."""
    text = LINE_BREAKS_AND_CONTROLS.sub(" ", str(text))
    text = "".join(HTML_ENTITIES.get(character, character) for character in text)
    return MARKDOWN_MARKUP.sub(r"\\\1", text)


def _markdown_table(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def _counts_table(summary: CorpusSummary) -> str:
    rows = [
        [
            f"`{config}`",
            *(summary.count(config, split) for split in SPLITS),
            summary.count(config),
        ]
        for config in CONFIGS
    ]
    return _markdown_table(["config", *SPLITS, "total"], rows)


def _label_table(label_set: LabelSet, summary: CorpusSummary) -> str:
    by_source = {
        source: _split_counts(label_set, summary, (source,)) for source in ANNOTATION_SOURCES
    }
    rows = [
        [
            index,
            f"`{label.name}`",
            label.definition,
            *(
                sum(by_source[source][split][label.name] for split in SPLITS)
                for source in ANNOTATION_SOURCES
            ),
            sum(summary.model_labels[(label_set.field, split, label.name)] for split in SPLITS)
            if label_set in MODEL_LABEL_SETS
            else "-",
        ]
        for index, label in enumerate(label_set.labels)
    ]
    kind = (
        "every issue touched; a sentence counts once per issue"
        if label_set.multiple
        else "one per sentence"
    )
    return f"### `{label_set.field}`\n\n{label_set.question} ({kind})\n\n" + _markdown_table(
        ["id", "label", "definition", *ANNOTATION_SOURCES, "model"], rows
    )


def _field_table(config: str) -> str:
    rows = [
        [f"`{column.name}`", f"`{_type_name(column.feature)}`", column.description]
        for column in COLUMNS[config]
    ]
    return _markdown_table(["field", "type", "description"], rows)


def _type_name(feature: object) -> str:
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, List):
        return f"list<{_type_name(feature.feature)}>"
    return type(feature).__name__


def _articles_table(summary: CorpusSummary) -> str:
    if summary.listed_articles is None:
        rows = [
            [
                shown_as_typed(outlet),
                *(summary.outlets[(outlet, split)] for split in SPLITS),
                summary.outlet_sentences[outlet],
            ]
            for outlet in sorted({outlet for outlet, _ in summary.outlets})
        ]
        return (
            f"More than {LISTED_ARTICLES} articles: the `articles` config lists them all; here they "
            "are counted by outlet.\n\n"
            + _markdown_table(
                ["outlet", *(f"{split} articles" for split in SPLITS), "sentences"], rows
            )
        )
    rows = [
        [
            f"`{row['article_id']}`",
            shown_as_typed(row["outlet"]),
            shown_as_typed(row["title"]),
            row["published_date"] or "not stated",
            row["kind"],
            row["split"],
            row["sentences"],
        ]
        for row in sorted(summary.listed_articles, key=lambda row: row["article_id"])
    ]
    return _markdown_table(
        ["article_id", "outlet", "title", "published", "kind", "split", "sentences"], rows
    )


def _rules_table(summary: CorpusSummary) -> str:
    counts = summary.removals_by_rule
    rows = [
        [f"`{rule.name}`", rule.outlet or "all outlets", rule.description, counts[rule.name]]
        for rule in RULES
    ]
    return _markdown_table(["rule", "applies to", "removes", "removals"], rows)


# Release, provenance, limitations, licence and citation: the card's statements about what the
# data is and how to cite it, each computed from the data or the release record.

# Hugging Face's annotations_creators value for each passes.csv annotator_kind.
ANNOTATOR_KIND_CREATORS = {"machine": "machine-generated", "human": "other"}
# Hugging Face's size_categories, by the number of sentences: (upper bound, name).
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)


def _release_note(version: DatasetVersion) -> str:
    if (release := version.released_as) is not None:
        return f"released {release.date}"
    if version.release is None:
        return "unreleased: no release is recorded in `raw/release.toml`"
    return (
        f"unreleased: built from inputs that differ from release {version.release.version} of "
        f"{version.release.date}; the part after `+` is the start of their fingerprint"
    )


def _annotator_kinds(summary: CorpusSummary) -> list[str]:
    """The kinds of annotator (human, machine) that made the annotation passes, sorted."""
    annotations = summary.annotations
    return sorted(set(annotations["annotator_kind"].to_pylist()))


def _provenance_metadata(summary: CorpusSummary) -> dict:
    """The Hub's provenance fields: who made the labels and the text, and the corpus's size."""
    # The automatic labeller and the line classifier label or remove text in every build.
    creators = {"machine-generated"} | {
        ANNOTATOR_KIND_CREATORS[kind] for kind in _annotator_kinds(summary)
    }
    sentences = summary.count(SENTENCES)
    return {
        "annotations_creators": sorted(creators),
        "language_creators": ["found"],
        "size_categories": [
            next((name for bound, name in SIZE_CATEGORIES if sentences < bound), "n>10M")
        ],
        "source_datasets": ["original"],
    }


def _outlets_by_kind(summary: CorpusSummary) -> dict[str, set[str]] | None:
    if summary.listed_articles is None:
        return None
    outlets: dict[str, set[str]] = {}
    for row in summary.listed_articles:
        outlets.setdefault(row["kind"], set()).add(row["outlet"])
    return outlets


def _limitations_section(summary: CorpusSummary, evaluations: list[FieldEvaluation]) -> str:
    # Who made the passes the gold was adjudicated from: a later check round of the gold is not one.
    adjudicated_from = {
        (name, kind)
        for name, kind in zip(
            summary.annotations["pass"].to_pylist(),
            summary.annotations["annotator_kind"].to_pylist(),
            strict=True,
        )
        if not checks_gold(name)
    }
    kinds = sorted({kind for _, kind in adjudicated_from})
    passes = len(adjudicated_from)
    points = [
        f"- **Small and hand-picked.** {counted(summary.count(ARTICLES), 'article')} and "
        f"{counted(summary.count(SENTENCES), 'sentence')}, a convenience sample: read nothing "
        'about "the media" or any outlet from the label counts.'
    ]
    outlets = _outlets_by_kind(summary)
    if outlets:
        described = "; ".join(
            f"{kind}: {', '.join(shown_as_typed(name) for name in sorted(names))}"
            for kind, names in sorted(outlets.items())
        )
        points.append(
            f"- **Few outlets.** By kind of article, the outlets are {described}. Kind and "
            "outlet cannot be told apart where a kind has one outlet."
        )
    if kinds == ["machine"]:
        points.append(
            "- **The gold labels were made by machines.** Every annotation pass the gold was "
            "adjudicated from "
            f"({counted(passes, 'pass', 'passes')}) was made by a machine annotator (an AI "
            "assistant session), and, as DATASHEET.md records, the adjudication that set the gold "
            "labels from them was made by another AI session, with no human check."
        )
    elif kinds:
        points.append(
            f"- **Who labelled.** The {counted(passes, 'annotation pass', 'annotation passes')} "
            "the gold was adjudicated from "
            f"were made by {' and '.join(kinds)} annotators; DATASHEET.md says who made which."
        )
    overall = {
        evaluation.field: sum(item.labels * item.accuracy for item in evaluation.reliability)
        / max(evaluation.labels, 1)
        for evaluation in evaluations
    }
    points += [
        "- **Model labels are machine labels, and weak ones.** Leave one article out, all the "
        "automatic labeller's labels together are right "
        + ", ".join(f"{value:.2f} of the time for `{field}`" for field, value in overall.items())
        + f"; a model label is published only where it is right {TARGET_ACCURACY:.0%} of the "
        "time as measured on the annotations that chose the threshold (see Model labels), they "
        "are never in the label columns, and the labeller learnt from invented sentences, not "
        "from this corpus.",
        "- **Not openly licensed text.** The article text stays under its publishers' copyright "
        "(see Licence).",
    ]
    return "\n".join(points)


def _licence_section() -> str:
    return (
        f"- **Annotations** (labels, notes, ids, offsets, split and article metadata written by the "
        f"maintainers, and the annotation passes): [{ANNOTATIONS_LICENCE}]({ANNOTATIONS_LICENCE_URL}), "
        f"credited to {CREATORS}.\n"
        "- **Article text** (the articles' `clean_text`, the sentences' `text`, the `removed` "
        "text, titles and standfirsts): the publishers' copyright, noted per article in the "
        "`copyright` column. It is included for non-commercial research and is not licensed by "
        "this project; it may not be redistributed beyond what the publishers permit.\n"
        "- **Code** (the kjrel-data repository): MIT."
    )


def _citation_section(version: DatasetVersion) -> str:
    advice = (
        "Cite the version you used, as below."
        if version.released
        else "This build is not a release: cite a released version where you can, or this build's "
        "version, which names its inputs' fingerprint."
    )
    return f"{advice}\n\n```bibtex\n{citation_bibtex(version)}\n```"
