"""Limits on what kjrel reads and writes, declared once: input sizes checked before reading."""

# The longest news articles are well under 1 MB of text; a file past this is a dump or the wrong
# file, and refusing it before reading keeps memory bounded.
MAX_ARTICLE_BYTES = 5_000_000
# A PDF brief with photographs and charts runs to tens of megabytes; its text is held to the limit
# above once extracted, and pypdf caps what each of its streams may decompress to.
MAX_PDF_BYTES = 50_000_000
# A report chapter or brief is tens of pages; a book is not one article.
MAX_PDF_PAGES = 500
# A PDF ends with %%EOF; some writers and servers append bytes after it (padding, an error page),
# which pypdf passes over. A file whose last %%EOF is further from its end is taken to be cut short
# (a linearised PDF has another %%EOF near its start, so one anywhere in the file would not do).
MAX_PDF_TRAILING_BYTES = 65_536
# 500 pages of 60 lines, and room besides; pypdf reads a page's text in pure Python, so a PDF of
# hundreds of thousands of tiny lines is stopped here rather than read for many minutes.
MAX_PDF_LINES = 50_000
# pypdf parses a page's content (the instructions that draw it) in pure Python, at 2 to 5 s a
# megabyte however little text it draws: again for each page that draws the same stream, and a
# form XObject's each time it is drawn. A few kilobytes of compressed PDF can hold megabytes of
# instructions that draw nothing, or draw one such stream on every page, and took minutes. The
# benchmark PDFs have 10 to 16 KB of content each (under 8 KB a page), a 36-page manual 278 KB;
# this is 125 times the first and 7 times the second, and is parsed in at most about 10 s.
MAX_PDF_CONTENT_BYTES = 2_000_000
# A saved news page has a few thousand elements and under 20,000 words of visible text, menus and
# comments included. Past these a page is not one article, and matching its text with the
# extractor's would take minutes and gigabytes, so it is refused once parsed.
MAX_PAGE_ELEMENTS = 100_000
MAX_PAGE_WORDS = 100_000
# libxml2 takes time in the square of an element's attributes (a tag of 200,000 took two minutes
# to parse); real tags have a few dozen.
MAX_TAG_ATTRIBUTES = 1_000
# Matching a page's lines with the extractor's text (and the words of the lines it changed) looks at
# each element's equals on the other side: thousands of steps on a saved article, but a number in
# the square of the page on one of repeated lines (an 800-row table took minutes). Past this many
# steps on one page, what is left is matched at lines found once on both sides, then in order.
MAX_ALIGNMENT_STEPS = 1_000_000

# The most characters each column of raw/'s CSV files (articles.csv, labels.csv, passes.csv,
# cleaning_corrections.csv) may hold, checked when kjrel writes a row and when it reads one. Each is
# well past any real value and far below what makes a file unreadable, so one pasted-in page cannot
# lock every later command out.
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
    "line_sha256": 64,
    # Names of a publisher, section, author or annotator: a long institute name is under 100.
    "outlet": 300,
    "section": 300,
    "author": 1_000,
    "annotator": 300,
    "model": 300,
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
    "label_source": 50,
    "annotator_kind": 50,
    "stance": 50,
    "stance_holder": 50,
    "issue": 50,
    "action": 20,
    # A raw line number: far more digits than any article's line count has.
    "line_number": 20,
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
# Sizes of the files kjrel reads besides article files, checked by name before any byte is read,
# so that a device, a FIFO or a file far past its kind's size cannot exhaust memory or time.
# Each is far above what the kind holds at a scale of 100,000 articles.
# articles.csv at 100,000 articles is about 50 MB; a label file of a million rows about 200 MB.
MAX_CSV_BYTES = 500_000_000
# The round-1 codebook is 17 KB; an annotation guide with worked examples stays under 1 MB.
MAX_CODEBOOK_BYTES = 5_000_000
# DATASHEET.md and CODEBOOK.md, copied from --docs into every build: each is under 30 KB.
MAX_DOCUMENT_BYTES = 5_000_000
# A Label Studio JSON export carries each task's text, context and predictions: about 2 KB a
# sentence, so 100,000 sentences (more than one import ever holds) make 200 MB. It is parsed
# whole, at several times its size in memory.
MAX_EXPORT_BYTES = 250_000_000
# A built folder's card is 27 KB at 10 articles and grows with the shard list, a line a shard;
# its checksum list holds a line of about 100 bytes per file.
MAX_CARD_BYTES = 10_000_000
MAX_CHECKSUM_LIST_BYTES = 10_000_000
# Any file of a built folder, as hashed against SHA256SUMS: shards start anew past 256 MB of text,
# and one batch of articles at the 5 MB cap can push a shard to about 2 GB.
MAX_DATA_FILE_BYTES = 4_000_000_000
# What a Parquet footer may declare for one row group, which validate reads whole. The build's
# row group is one batch of 200 articles: at the 5 MB cap, about 2 GB uncompressed.
MAX_ROW_GROUP_BYTES = 4_000_000_000
# The most compressible rows the build writes, a million removed lines that are all "# " (numbered
# 1, 2, 3...), take 3.2 bytes each with zstd. A footer declaring more rows than its row group has
# stored bytes is forged, and reading it would allocate for every declared row.
MAX_ROWS_PER_STORED_BYTE = 1
# The paths a build's manifest may name. The build writes at most data/CONFIG/SHARD.parquet: 3
# parts and under 100 characters. These leave room for another layout while a planted manifest of
# a few deep paths (a/a/a/... 100,000 times) is refused as unreadable instead of being walked.
MAX_MANIFEST_PATH_CHARS = 1_000
MAX_MANIFEST_PATH_PARTS = 16
