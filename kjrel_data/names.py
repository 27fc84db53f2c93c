"""Dataset-wide names: the configs, splits and article kinds, the article id pattern, and what the
card, Croissant and the citation call the dataset and its licences.

A leaf: it imports nothing, so any stage or command can read these without loading another's stack.
"""

SENTENCES = "sentences"
ARTICLES = "articles"
REMOVED = "removed"
ANNOTATIONS = "annotations"
CONFIGS = (SENTENCES, ARTICLES, REMOVED, ANNOTATIONS)
SPLITS = ("train", "validation", "test")
KINDS = ("news", "opinion", "commentary")
ARTICLE_ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"

PRETTY_NAME = "kjrel_data: Japan–South Korea relations, sentence by sentence"
DESCRIPTION = (
    "English-language news and commentary on Japan–South Korea relations, cleaned of publisher "
    "chrome, split into sentences with character offsets into each article's clean text, and "
    "labelled for stance toward improving the relationship (and who holds it) and for the issue "
    "each sentence is about."
)
LICENSE_NAME = "publishers-copyright"
LICENSE_LINK = "DATASHEET.md"
ANNOTATIONS_LICENCE = "CC BY 4.0"
ANNOTATIONS_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CITATION_KEY = "kjrel_data"
CREATORS = "the kjrel_data maintainers"
