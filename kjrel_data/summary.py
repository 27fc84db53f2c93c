"""What the card and the command line report about a corpus, summed batch by batch in bounded memory."""

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as compute

from kjrel_data.label_sets import ANNOTATION_SOURCES, LABEL_SETS, LABEL_SOURCE, MODEL_BLIND_SOURCES
from kjrel_data.names import ANNOTATIONS, ARTICLES, CONFIGS, REMOVED, SENTENCES, SPLITS
from kjrel_data.tables import MODEL_LABEL_SETS, Corpus

# Past this many articles the card lists outlets instead of every article.
LISTED_ARTICLES = 100
ARTICLE_COLUMNS = ("article_id", "outlet", "title", "published_date", "kind", "split")
ANNOTATED_COLUMNS = ("article_id", "text", "label_source", "stance", "stance_holder", "issue")


@dataclass(frozen=True)
class CorpusSummary:
    """Counts over a corpus; summaries of disjoint batches add up to the whole corpus's."""

    rows: Counter[tuple[str, str]]  # (config, split) -> rows
    # (label_source, label field, split, label name) -> annotated sentences
    gold_labels: Counter[tuple[str, str, str, str]]
    # (label field, fold, label name) -> annotated sentences
    fold_labels: Counter[tuple[str, int, str]]
    # (label_source, issue name, stance name) -> annotated sentences
    gold_issue_stance: Counter[tuple[str, str, str]]
    label_sources: Counter[str]  # label_source name -> sentences
    # (label field, split, label name) -> published model labels
    model_labels: Counter[tuple[str, str, str]]
    removals_by_rule: Counter[str]
    outlets: Counter[tuple[str, str]]  # (outlet, split) -> articles
    outlet_sentences: Counter[str]  # outlet -> sentences
    # The card's article list: every article's row while there are at most LISTED_ARTICLES.
    listed_articles: tuple[dict, ...] | None
    # Annotation passes cover gold sentences only, so they stay small as the corpus grows.
    annotations: pa.Table
    # The sentences annotated blind to the model (text, article, labels): the labeller is scored on them.
    annotated: pa.Table

    def __add__(self, other: "CorpusSummary") -> "CorpusSummary":
        listed = (
            self.listed_articles + other.listed_articles
            if self.listed_articles is not None
            and other.listed_articles is not None
            and len(self.listed_articles) + len(other.listed_articles) <= LISTED_ARTICLES
            else None
        )
        return CorpusSummary(
            rows=self.rows + other.rows,
            gold_labels=self.gold_labels + other.gold_labels,
            fold_labels=self.fold_labels + other.fold_labels,
            gold_issue_stance=self.gold_issue_stance + other.gold_issue_stance,
            label_sources=self.label_sources + other.label_sources,
            model_labels=self.model_labels + other.model_labels,
            removals_by_rule=self.removals_by_rule + other.removals_by_rule,
            outlets=self.outlets + other.outlets,
            outlet_sentences=self.outlet_sentences + other.outlet_sentences,
            listed_articles=listed,
            annotations=pa.concat_tables([self.annotations, other.annotations]),
            annotated=pa.concat_tables([self.annotated, other.annotated]),
        )

    def count(self, config: str, split: str | None = None) -> int:
        """Rows of a config, in one split or in all."""
        return sum(self.rows[(config, name)] for name in SPLITS if split in (None, name))


def summarize(corpus: Corpus) -> CorpusSummary:
    """The summary of one corpus (or one batch of it)."""
    rows: Counter[tuple[str, str]] = Counter()
    for config in CONFIGS:
        for split in SPLITS:
            rows[(config, split)] = corpus[config][split].num_rows
    gold_labels: Counter[tuple[str, str, str, str]] = Counter()
    fold_labels: Counter[tuple[str, int, str]] = Counter()
    gold_issue_stance: Counter[tuple[str, str, str]] = Counter()
    label_sources: Counter[str] = Counter()
    model_labels: Counter[tuple[str, str, str]] = Counter()
    annotated = []
    outlet_of: dict[str, str] = {}
    outlets: Counter[tuple[str, str]] = Counter()
    outlet_sentences: Counter[str] = Counter()
    for split in SPLITS:
        articles = corpus[ARTICLES][split]
        for article_id, outlet in zip(
            articles["article_id"].to_pylist(), articles["outlet"].to_pylist(), strict=True
        ):
            outlet_of[article_id] = outlet
            outlets[(outlet, split)] += 1
    for split in SPLITS:
        sentences = corpus[SENTENCES][split]
        sources = sentences[LABEL_SOURCE.field].to_pylist()
        label_sources.update(sources)
        outlet_sentences.update(outlet_of[a] for a in sentences["article_id"].to_pylist())
        is_annotated = pa.array([source in ANNOTATION_SOURCES for source in sources], pa.bool_())
        gold = sentences.filter(is_annotated)
        gold_sources = [source for source in sources if source in ANNOTATION_SOURCES]
        for label_set in LABEL_SETS:
            for source, fold, value in zip(
                gold_sources,
                gold["fold"].to_pylist(),
                gold[label_set.field].to_pylist(),
                strict=True,
            ):
                for name in value if label_set.multiple else [value]:
                    gold_labels[(source, label_set.field, split, name)] += 1
                    fold_labels[(label_set.field, fold, name)] += 1
        gold_issue_stance.update(
            zip(gold_sources, gold["issue"].to_pylist(), gold["stance"].to_pylist(), strict=True)
        )
        annotated.append(
            gold.filter(
                pa.array([source in MODEL_BLIND_SOURCES for source in gold_sources], pa.bool_())
            ).select(list(ANNOTATED_COLUMNS))
        )
        for label_set in MODEL_LABEL_SETS:
            model_labels.update(
                (label_set.field, split, name)
                for name in sentences[f"model_{label_set.field}"].to_pylist()
                if name is not None
            )
    all_articles = pa.concat_tables(corpus[ARTICLES][split] for split in SPLITS)
    return CorpusSummary(
        rows=rows,
        gold_labels=gold_labels,
        fold_labels=fold_labels,
        gold_issue_stance=gold_issue_stance,
        label_sources=label_sources,
        model_labels=model_labels,
        removals_by_rule=Counter(
            rule for split in SPLITS for rule in corpus[REMOVED][split]["rule"].to_pylist()
        ),
        outlets=outlets,
        outlet_sentences=outlet_sentences,
        listed_articles=tuple(
            {**row, "sentences": _sentences_of(corpus, row["article_id"])}
            for row in all_articles.select(list(ARTICLE_COLUMNS)).to_pylist()
        )
        if all_articles.num_rows <= LISTED_ARTICLES
        else None,
        annotations=pa.concat_tables(corpus[ANNOTATIONS][split] for split in SPLITS),
        annotated=pa.concat_tables(annotated),
    )


def _sentences_of(corpus: Corpus, article_id: str) -> int:
    return sum(
        compute.sum(compute.equal(corpus[SENTENCES][split]["article_id"], article_id)).as_py() or 0
        for split in SPLITS
    )
