"""kjrel_data: a sentence-level annotated corpus on Japan–South Korea relations."""

__version__ = "0.5.0"

# The data's own version (CHANGELOG.md): major when a label set or a schema changes, minor when
# articles or labels are added, patch for fixes.
DATASET_VERSION = "3.0.0"
