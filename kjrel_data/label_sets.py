"""The label sets, declared once with their definitions; schemas, features, card and loader read them here."""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    name: str
    definition: str


@dataclass(frozen=True)
class LabelSet:
    field: str
    question: str
    labels: tuple[Label, ...]
    multiple: bool = False

    @property
    def names(self) -> list[str]:
        """Label names in ClassLabel order (the id `datasets` gives a name is its position here)."""
        return [label.name for label in self.labels]

    def id_of(self, name: str) -> int:
        """The ClassLabel integer of a label name; ValueError for an unknown name."""
        return self.names.index(name)


STANCE = LabelSet(
    field="stance",
    question="What position does the sentence take toward improving Japan–South Korea relations?",
    labels=(
        Label(
            "none", "No position on improving relations: facts, background, or a neutral report."
        ),
        Label("against", "Opposes improving relations, or opposes a step that would improve them."),
        Label("favor", "Supports improving relations, or supports a step that would improve them."),
    ),
)

STANCE_HOLDER = LabelSet(
    field="stance_holder",
    question="Whose position is the stance?",
    labels=(
        Label("none", "No stance is expressed (stance is none)."),
        Label("author", "The article's writer, in their own voice."),
        Label("japan", "Japan's government, officials, parties or public."),
        Label("south_korea", "South Korea's government, officials, parties or public."),
        Label("united_states", "The United States' government or officials."),
        Label("expert", "An analyst, academic or think tank, quoted or reported."),
        Label("other", "Any other actor: third countries, courts, companies, plaintiffs."),
    ),
)

ISSUE = LabelSet(
    field="issue",
    question="What is the sentence mainly about?",
    labels=(
        Label("none", "No specific issue: framing, transitions, or biographical lines."),
        Label(
            "wartime_labor",
            "Wartime forced labour claims, the 2018 rulings, seized Japanese assets.",
        ),
        Label("comfort_women", "Wartime sexual slavery, the 2015 agreement and its foundation."),
        Label("history", "Other disputes over history and memory, the 1965 settlement."),
        Label("territory", "Dokdo/Takeshima and other territorial or maritime disputes."),
        Label("trade", "Export controls, boycotts, and economic or trade relations."),
        Label("security", "Defence cooperation, GSOMIA, North Korea's missiles and weapons."),
        Label("us_trilateral", "The United States' role and Japan–South Korea–US cooperation."),
        Label("regional_order", "China, Russia, the Indo-Pacific and the rules-based order."),
        Label(
            "diplomacy", "Bilateral contacts and the overall state of relations: summits, envoys."
        ),
        Label(
            "domestic_politics",
            "Elections, approval ratings, parties and leaders' standing at home.",
        ),
        Label("public_opinion", "Public sentiment and polls about the other country."),
        Label("non_traditional", "Pandemic, climate, demography, Fukushima water, technology."),
    ),
)

ISSUES = LabelSet(
    field="issues",
    question="Which issues does the sentence touch (always including the primary issue)?",
    labels=ISSUE.labels,
    multiple=True,
)

LABEL_SETS: tuple[LabelSet, ...] = (STANCE, STANCE_HOLDER, ISSUE, ISSUES)
# The annotated label columns, in that order.
LABEL_FIELDS = tuple(label_set.field for label_set in LABEL_SETS)

# Not annotated: says where a sentence's labels come from. The first three are annotations (the
# label columns); the model's labels live in their own columns, so none is read as gold by accident.
LABEL_SOURCE = LabelSet(
    field="label_source",
    question="Where do the sentence's labels come from?",
    labels=(
        Label(
            "adjudicated",
            "Annotation: adjudicated from two or more independent annotation passes "
            "(the annotations config holds each pass and who made it).",
        ),
        Label(
            "single_blind",
            "Annotation: one annotator's labels, made without seeing the model's labels "
            "(for example a blind Label Studio round); not adjudicated.",
        ),
        Label(
            "single_model_shown",
            "Annotation: one annotator's labels, made with the model's labels shown as a starting "
            "point; not adjudicated.",
        ),
        Label(
            "model",
            "No annotation. The automatic labeller's labels are in the model_* columns for at least "
            "one field, where their calibrated probability reached the field's threshold.",
        ),
        Label(
            "unlabelled",
            "No annotation, and no model label reached its threshold: the sentence waits for an "
            "annotator.",
        ),
    ),
)
# The label_source values of rows in raw/labels.csv: labels a person or annotation pass made.
ANNOTATION_SOURCES = ("adjudicated", "single_blind", "single_model_shown")
# The annotations made without seeing the model's labels: the only ones the labeller learns from or
# is scored against, so labels that followed a pre-annotation cannot inflate its measured accuracy.
MODEL_BLIND_SOURCES = ("adjudicated", "single_blind")

ANNOTATOR_KIND = LabelSet(
    field="annotator_kind",
    question="Who made the annotation pass?",
    labels=(
        Label("human", "A person, working from the codebook."),
        Label("machine", "A model (named in the pass's model column), prompted with the codebook."),
    ),
)


# The label that means "no stance", "no holder" or "no issue".
NONE = "none"
# How a row of raw/ writes its issues: names joined by this.
ISSUES_SEPARATOR = ";"


@dataclass(frozen=True)
class LabelRowRule:
    """A rule every row of labels keeps: gold, a pass, an import, an annotation or a sentence."""

    name: str
    # What must hold, as the message and the validation report state it.
    requirement: str
    # The fields the rule reads, shown beside a row that breaks it.
    fields: tuple[str, ...]
    holds: Callable[[str, str, str, Sequence[str]], bool]


LABEL_ROW_RULES = (
    LabelRowRule(
        "holder_none_exactly_when_stance_none",
        "stance_holder must be 'none' exactly when stance is 'none'",
        (STANCE.field, STANCE_HOLDER.field),
        lambda stance, stance_holder, issue, issues: (stance == NONE) == (stance_holder == NONE),
    ),
    LabelRowRule(
        "issues_hold_primary_issue",
        "issues must include the primary issue",
        (ISSUE.field, ISSUES.field),
        lambda stance, stance_holder, issue, issues: issue in issues,
    ),
    LabelRowRule(
        "none_issue_alone",
        "issues may list 'none' only alone",
        (ISSUES.field,),
        lambda stance, stance_holder, issue, issues: NONE not in issues or set(issues) == {NONE},
    ),
)


def label_row_problems(
    stance: str, stance_holder: str, issue: str, issues: Sequence[str]
) -> list[str]:
    """One message for each of LABEL_ROW_RULES that these labels break, with the values read."""
    values = {
        STANCE.field: stance,
        STANCE_HOLDER.field: stance_holder,
        ISSUE.field: issue,
        ISSUES.field: ISSUES_SEPARATOR.join(issues),
    }
    return [
        f"{rule.requirement} (here "
        + ", ".join(f"{field} {values[field]!r}" for field in rule.fields)
        + ")."
        for rule in LABEL_ROW_RULES
        if not rule.holds(stance, stance_holder, issue, issues)
    ]


def text_sha256(text: str) -> str:
    """The hex sha256 of a text's UTF-8 bytes: the key that ties a label row to its sentence text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
