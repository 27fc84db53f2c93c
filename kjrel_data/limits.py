"""Limits on what kjrel reads and writes, declared once: input sizes checked before reading."""

# The longest news articles are well under 1 MB of text; a file past this is a dump or the wrong
# file, and refusing it before reading keeps memory bounded.
MAX_ARTICLE_BYTES = 5_000_000

# The most characters each column of raw/'s CSV files (articles.csv, labels.csv, passes.csv) may
# hold, checked when kjrel writes a row and when it reads one. Each is well past any real value and
# far below what makes a file unreadable, so one pasted-in page cannot lock every later command out.
MAX_FIELD_CHARS = {
    # Ids and paths: derived ids are at most 60 characters; a hand-picked one needs no more than this.
    "article_id": 200,
    "sentence_id": 220,
    "pass": 200,
    "file": 300,
    # Hex digests are exactly 64 characters; the reader checks the exact form.
    "sha256": 64,
    "text_sha256": 64,
    "codebook_sha256": 64,
    # Names of a publisher, section, author or annotator: a long institute name is under 100.
    "outlet": 300,
    "section": 300,
    "author": 1_000,
    "annotator": 300,
    # A headline is one line; a standfirst or copyright notice a short paragraph.
    "title": 1_000,
    "standfirst": 3_000,
    "copyright": 3_000,
    # Browsers and servers stop at about 2,000 characters; some tracking URLs run longer.
    "url": 4_000,
    # Fixed vocabularies and dates: a few words at most.
    "published_date": 20,
    "kind": 20,
    "language": 20,
    "split": 20,
    "round": 20,
    "stance": 50,
    "stance_holder": 50,
    "issue": 50,
    # Every issue label joined by ';' fits several times over.
    "issues": 1_000,
    # An annotator's reason for a label, with kjrel's provenance: a few paragraphs at most.
    "note": 10_000,
}
# Python's csv reader stops at a field longer than its limit. Twice the longest a column allows:
# a field a little too long is read and named with its column; a far longer one stops the reading.
CSV_FIELD_LIMIT = 2 * max(MAX_FIELD_CHARS.values())


def field_length_problem(column: str, value: str) -> str | None:
    """Why value is too long for the CSV column, or None when it fits."""
    limit = MAX_FIELD_CHARS[column]
    if len(value) <= limit:
        return None
    return f"{column} is {len(value):,} characters, more than the {limit:,} it may hold"


# A build's manifest names each file it wrote with its sha256, about 150 bytes a file: this holds
# hundreds of thousands of shards, and refuses a planted multi-gigabyte file before reading it.
MAX_MANIFEST_BYTES = 50_000_000
