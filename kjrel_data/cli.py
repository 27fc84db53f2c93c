"""The `kjrel` command: parses arguments, calls the build or the validator, and reports."""

import argparse
import dataclasses
import datetime
import io
import json
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kjrel_data import __version__
from kjrel_data.errors import InputError, KjrelError, shown
from kjrel_data.label_sets import ANNOTATION_SOURCES
from kjrel_data.load import CORRECTION_ACTIONS, CORRECTIONS_FILE, METADATA_FILE, PASSES_FILE
from kjrel_data.names import KINDS, SPLITS
from kjrel_data.wording import counted

# Each command imports its own stack when it runs: pyarrow, pandas, datasets, scikit-learn and
# matplotlib take seconds to load, and `kjrel --help` or `kjrel add` need none of them.
if TYPE_CHECKING:
    from kjrel_data.summary import CorpusSummary

# The parser shows it, so it lives here rather than in the review module and its imports.
DEFAULT_REVIEW_PAGE = Path("review.html")
EXIT_CODES = "Exit status: 0 success, 1 bad input or invalid data (message on stderr), 2 bad usage."


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    # A terminal or pipe that cannot encode a name or the summary's "…" shows it escaped: the
    # command's work is done by then, and an encoding error would report it as failed.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    arguments = parser.parse_args(argv)
    debug = arguments.debug or os.environ.get("KJREL_DEBUG") == "1"
    try:
        # Set here, inside the block that reports an interrupt, so that a signal between the
        # console script's start-up handlers and these is still one line. A terminated build
        # unwinds like an interrupted one, so its staging folder is removed.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        return arguments.run(arguments)
    except KjrelError as error:
        _report(arguments.command, str(error))
        return error.exit_code
    except BrokenPipeError:
        # The reader stopped early (`kjrel agreement | head`): end quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:
        where = f"{shown(error.filename)}: " if error.filename else ""
        _report(arguments.command, f"{where}{error.strerror or error}")
        return 1
    except KeyboardInterrupt as error:
        # An interrupt that took effect only once the work was complete says so.
        outcome = str(error) or "nothing was replaced"
        print(f"kjrel {arguments.command}: interrupted; {outcome}.", file=sys.stderr)
        return 130
    except Exception as error:
        # A bug: one line for the user, the traceback for the report when they ask for it.
        if debug:
            raise
        first_line = next(iter(str(error).splitlines()), "")
        _report(
            arguments.command,
            f"internal error ({type(error).__name__}: {first_line}); rerun with --debug "
            "(kjrel --debug COMMAND ...) or KJREL_DEBUG=1 for the traceback, and report it",
        )
        return 1


# Control characters other than the line break, which separates a message's problems: an escape
# sequence or carriage return inside a file name or an export's value is shown, never obeyed.
_ESCAPED = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0)) if code != 0x0A}


def _report(command: str, message: str) -> None:
    """Print one `kjrel COMMAND: error:` message, with control characters and non-text escaped."""
    encoding = sys.stderr.encoding or "utf-8"
    safe = message.translate(_ESCAPED).encode(encoding, "backslashreplace").decode(encoding)
    print(f"kjrel {command}: error: {safe}", file=sys.stderr)


def _interrupt(signal_number: int, frame: object) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kjrel",
        description="Build and check the kjrel_data corpus on Japan–South Korea relations.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"kjrel-data {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of an internal error, for a bug report (or set KJREL_DEBUG=1)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_parser = commands.add_parser(
        "build",
        help="build the Hugging Face dataset folder from raw/",
        description="Load raw/, clean, split into sentences, attach labels, validate, and write the "
        "dataset folder (Parquet, card, datasheet, checksums). The previous folder is replaced "
        "only when the new one is complete and valid; hidden files in it that the build did not "
        "write (.git, .gitattributes) are kept, any other foreign file is refused, and one build "
        "at a time writes it.",
        epilog=EXIT_CODES,
    )
    build_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    build_parser.add_argument(
        "--out", type=Path, default=Path("dist/kjrel"), help="output folder (default: dist/kjrel)"
    )
    build_parser.add_argument(
        "--docs",
        type=Path,
        help="folder with DATASHEET.md and CODEBOOK.md to copy in (default: the raw folder's parent)",
    )
    where = build_parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="worker processes on this machine (default: 1); the output is the same for any N",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the batches on a Dask cluster, e.g. tcp://scheduler:8786 "
        "(needs the distributed package, kjrel-data's [cluster] extra; workers must see the raw folder at the same path)",
    )
    build_parser.set_defaults(run=_run_build)

    add_parser = commands.add_parser(
        "add",
        help="add an article file to raw/ with its metadata",
        description="Copy FILE (plain UTF-8 text, a saved web page or a PDF) into raw/articles/ "
        "byte for byte and append its sha256 and metadata to raw/articles.csv. A web page's or "
        "PDF's own title, author, date, URL and site name fill the fields you give no option "
        "for; an option always wins. Refuses a file whose bytes or id are already there; raw/ is left "
        "as it was on any error. The next `kjrel build` includes the article, labelled by the "
        "model where it has no gold labels.",
        epilog=EXIT_CODES,
    )
    add_parser.add_argument(
        "file",
        type=Path,
        help="the article as received: UTF-8 text (.txt), a saved web page (.html, .htm) or a PDF (.pdf)",
    )
    add_parser.add_argument(
        "--outlet",
        help="the publisher, e.g. 'The Diplomat' (a web page's site name where it states one)",
    )
    add_parser.add_argument(
        "--title", help="the headline, as the page shows it (a web page's or PDF's own title)"
    )
    add_parser.add_argument(
        "--published",
        dest="published_date",
        metavar="YYYY-MM-DD",
        help="publication date, if the page states one",
    )
    add_parser.add_argument("--url", help="where the article was published")
    add_parser.add_argument(
        "--kind", choices=KINDS, default="news", help="news, opinion or commentary (default: news)"
    )
    add_parser.add_argument(
        "--split",
        choices=SPLITS,
        help="default: from a hash of the article id, 8:1:1 train/validation/test",
    )
    add_parser.add_argument(
        "--id", dest="article_id", help="article id (default: from the outlet and title)"
    )
    add_parser.add_argument("--author", help="the author, as the byline names them")
    add_parser.add_argument("--standfirst", help="the dek or standfirst under the headline")
    add_parser.add_argument("--section", help="the section, column or series label")
    add_parser.add_argument(
        "--copyright", help="copyright holder and terms (default: the outlet, for research use)"
    )
    add_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    add_parser.set_defaults(run=_run_add)

    correct_parser = commands.add_parser(
        "correct",
        help="correct the cleaner on one raw line: keep it whole, or drop it",
        description=f"Record in raw/{CORRECTIONS_FILE} that the build keeps LINE_NUMBER of the "
        "article's raw file whole (keep) or drops what the cleaner left of it (drop), over every "
        "cleaning rule. The line's sha256 is recorded with it: if the line changes, the build "
        "refuses the correction as stale. Refuses an unknown article, a line out of range or blank, "
        "and a correction that changes nothing; replaces an earlier correction of the same line. "
        "Line numbers are the removed table's and `kjrel review`'s (from 1).",
        epilog=EXIT_CODES,
    )
    correct_parser.add_argument(
        "article_id", metavar="ARTICLE_ID", help="the article, as in raw/articles.csv"
    )
    correct_parser.add_argument(
        "line_number",
        type=_positive_int,
        metavar="LINE_NUMBER",
        help="the line in its raw file, from 1",
    )
    correct_parser.add_argument(
        "action", choices=CORRECTION_ACTIONS, help="keep the whole line, or drop it"
    )
    correct_parser.add_argument("--note", metavar="TEXT", help="why (stored with the correction)")
    correct_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    correct_parser.set_defaults(run=_run_correct)

    uncorrect_parser = commands.add_parser(
        "uncorrect",
        help="remove the correction of one raw line",
        description=f"Remove the correction of LINE_NUMBER of the article from raw/{CORRECTIONS_FILE}; "
        "the cleaning rules decide that line again at the next build.",
        epilog=EXIT_CODES,
    )
    uncorrect_parser.add_argument(
        "article_id", metavar="ARTICLE_ID", help="the article, as in raw/articles.csv"
    )
    uncorrect_parser.add_argument(
        "line_number", type=_positive_int, metavar="LINE_NUMBER", help="the corrected line, from 1"
    )
    uncorrect_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    uncorrect_parser.set_defaults(run=_run_uncorrect)

    validate_parser = commands.add_parser(
        "validate",
        help="check a built folder against its checksums and the schemas",
        description="Validate a built dataset folder (anyone's copy): checksums, card, Parquet schemas, "
        "every row and the links between tables.",
        epilog=EXIT_CODES,
    )
    validate_parser.add_argument("folder", type=Path, help="the built dataset folder")
    validate_parser.set_defaults(run=_run_validate)

    schemas_parser = commands.add_parser(
        "schemas",
        help="write the schema files (pandera YAML, features JSON, Arrow schema)",
        description="Write the schemas generated from the pandera models and the declared features.",
        epilog=EXIT_CODES,
    )
    schemas_parser.add_argument(
        "--out", type=Path, default=Path("schemas"), help="folder (default: schemas)"
    )
    schemas_parser.set_defaults(run=_run_schemas)

    agreement_parser = commands.add_parser(
        "agreement",
        help="print inter-annotator agreement from the passes stored in raw/",
        description="Compute, from the annotation passes in raw/annotations/ (and, for a check "
        "round, the gold labels in raw/labels.csv), each round's agreement per field: percent "
        "agreement, Cohen's kappa, Krippendorff's alpha and confusion tables. Only the label "
        "files are read, not the articles. The card of a build shows the same figures.",
        epilog=EXIT_CODES,
    )
    agreement_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    agreement_parser.set_defaults(run=_run_agreement)

    codebook_parser = commands.add_parser(
        "codebook",
        help="refresh the label definition tables in CODEBOOK.md",
        description="Rewrite the generated block of the codebook from the label declarations.",
        epilog=EXIT_CODES,
    )
    codebook_parser.add_argument(
        "--file", type=Path, default=Path("CODEBOOK.md"), help="default: CODEBOOK.md"
    )
    codebook_parser.set_defaults(run=_run_codebook)

    changes_parser = commands.add_parser(
        "label-changes",
        help="list label changes between two label files, by sentence id, for CHANGELOG.md",
        description="Compare two label files (for example raw/labels.csv of the last release, from "
        "`git show TAG:raw/labels.csv`, and the current one) and print one line per sentence whose "
        "labels were added, removed or changed.",
        epilog=EXIT_CODES,
    )
    changes_parser.add_argument("old", type=Path, help="the earlier label file")
    changes_parser.add_argument("new", type=Path, help="the later label file")
    changes_parser.set_defaults(run=_run_label_changes)

    release_parser = commands.add_parser(
        "release",
        help="record raw/'s current inputs as the next dataset version, with its CHANGELOG entry",
        description="Compare raw/ with the last release recorded in raw/release.toml and record "
        "it as the next version: major when a schema or label set changed, minor when articles "
        "or labelled sentences were added, patch otherwise. Writes raw/release.toml and turns "
        "the changelog's '## Unreleased' section (or a new one) into the version's entry, with "
        "the articles added and removed and every label change by sentence id. Build again "
        "afterwards: the folder then carries the plain version.",
        epilog=EXIT_CODES,
    )
    release_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    release_parser.add_argument(
        "--date",
        help="the release date, YYYY-MM-DD (default: today, in UTC)",
    )
    release_parser.add_argument(
        "--changelog",
        type=Path,
        help="the changelog to add the entry to (default: CHANGELOG.md beside the raw folder)",
    )
    release_parser.set_defaults(run=_run_release)

    export_parser = commands.add_parser(
        "export-tasks",
        help="write Label Studio tasks for a human round: new labels, overlap, or a check of gold",
        description="Build raw/ a batch at a time and write, into OUT, tasks.json (one Label Studio task per "
        "sentence without annotation labels: those without a published model label first, then "
        "those whose published model labels are least probable), label_config.xml (the labelling config for stance, "
        "stance_holder and issue, with a 'not article text' choice) and project.json (the Label "
        "Studio project's settings: the config and how many annotators each task gets; POST it to "
        "/api/projects). By default the published model labels are shown as pre-annotations to "
        "correct. "
        "Each task's data records its round (round_kind) and whether the model's labels were "
        "shown (model_labels_shown), so `kjrel import-annotations` records the labels' "
        "provenance. Export the annotations as JSON and bring them back with "
        "`kjrel import-annotations`.",
        epilog=EXIT_CODES,
    )
    export_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    export_parser.add_argument(
        "--out", type=Path, default=Path("labelling"), help="output folder (default: labelling)"
    )
    export_parser.add_argument(
        "--blind",
        action="store_true",
        help="leave the model's labels out of the tasks (no predictions): each import becomes a "
        "single_blind label row instead of single_model_shown",
    )
    export_parser.add_argument(
        "--overlap",
        type=_overlap,
        default=1,
        metavar="N",
        help="give every task to N (2 or more) annotators, blind to the model; project.json sets "
        "Label Studio's overlap (maximum_annotations N, on 100%% of tasks), and the import stores "
        "each annotator's labels as an annotation pass in raw/annotations/, for `kjrel agreement`",
    )
    export_parser.add_argument(
        "--check",
        action="store_true",
        help="a check round: tasks for the sentences that already have annotation labels, blind "
        "to them and to the model; the import stores each annotator's labels as a gold-check "
        "pass, which `kjrel agreement` compares with gold",
    )
    export_parser.set_defaults(run=_run_export_tasks)

    import_parser = commands.add_parser(
        "import-annotations",
        help="merge a Label Studio JSON export into raw/: labels, annotation passes, line drops",
        description="Check every task of a Label Studio JSON export (made from `kjrel export-tasks` "
        "tasks). A task of a single-annotator round becomes a raw/labels.csv row whose "
        "label_source is single_blind or single_model_shown (from the task's "
        "model_labels_shown). The annotations of an overlap or check round become annotation "
        "passes in raw/annotations/, one per Label Studio user, in the next round, with the "
        "codebook they read. A sentence marked 'not article text' becomes a drop of its raw line "
        "in raw/cleaning_corrections.csv where that line can be found and dropping it renumbers "
        "no labelled sentence; otherwise it is listed with the `kjrel correct` command to run. "
        "Refuses unknown labels, sentences that are unknown or changed since export, and "
        "annotations that disagree with each other or with existing gold, listing every problem "
        "with its task and annotation; then nothing is changed. "
        "Tasks nobody annotated are skipped.",
        epilog=EXIT_CODES,
    )
    import_parser.add_argument("export", type=Path, help="the Label Studio export (JSON format)")
    import_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    import_parser.add_argument(
        "--codebook",
        type=Path,
        help="the codebook the annotators read, stored with an overlap or check round's passes "
        "(default: CODEBOOK.md beside the raw folder)",
    )
    import_parser.set_defaults(run=_run_import_annotations)

    review_parser = commands.add_parser(
        "review",
        help="write one HTML page showing every line the cleaner removed, to check it",
        description="Build raw/ a batch at a time and write a self-contained HTML page (no script, no "
        "network): suspicious sentences first (no end punctuation, very short, link or credit "
        "wording, low model confidence), then per article every raw line with its number, removed "
        "text struck through beside its rule, and the sentences with their labels. Each line "
        "shows the `kjrel correct` command that would keep or drop it.",
        epilog=EXIT_CODES,
    )
    review_parser.add_argument(
        "article_ids", nargs="*", metavar="ARTICLE_ID", help="articles to show (default: all)"
    )
    review_parser.add_argument(
        "--raw", type=Path, default=Path("raw"), help="raw input folder (default: raw)"
    )
    review_parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_REVIEW_PAGE,
        help=f"the page to write (default: {DEFAULT_REVIEW_PAGE})",
    )
    review_parser.set_defaults(run=_run_review)

    publish_parser = commands.add_parser(
        "publish",
        help="validate a built folder and upload it to the Hugging Face Hub",
        description="Validate the built folder (checksums, schemas, every row) and refuse to upload "
        "an invalid one; then send exactly its built files to the dataset repository in one "
        "commit, removing data files of earlier builds. The token comes from HF_TOKEN or "
        "`hf auth login`.",
        epilog=EXIT_CODES,
    )
    publish_parser.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=Path("dist/kjrel"),
        help="the built folder (default: dist/kjrel)",
    )
    publish_parser.add_argument(
        "--repo-id", required=True, metavar="ORG/NAME", help="the dataset repository on the Hub"
    )
    publish_parser.add_argument(
        "--private", action="store_true", help="create the repository as private if it is new"
    )
    publish_parser.add_argument(
        "--dry-run", action="store_true", help="validate and list the files, upload nothing"
    )
    publish_parser.set_defaults(run=_run_publish)
    return parser


def _run_build(arguments: argparse.Namespace) -> int:
    from kjrel_data.build import BuildOptions, Scheduler, build

    started = time.perf_counter()
    docs_dir = arguments.docs or arguments.raw.resolve().parent
    options = BuildOptions(
        workers=arguments.workers,
        scheduler=Scheduler(arguments.scheduler) if arguments.scheduler else None,
        show_progress=sys.stderr.isatty(),
    )
    result = build(arguments.raw, arguments.out, docs_dir, options)
    print(f"Built {result.out_dir} in {time.perf_counter() - started:.1f} s")
    print(_summary(result.summary))
    return 0


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return int(value)


def _overlap(value: str) -> int:
    if not value.isdigit() or int(value) < 2:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number of at least 2 (overlap means several annotators)"
        )
    return int(value)


def _run_add(arguments: argparse.Namespace) -> int:
    from kjrel_data.add import NewArticle, add_article, preview_lines

    new = NewArticle(
        **{field.name: getattr(arguments, field.name) for field in dataclasses.fields(NewArticle)}
    )
    added = add_article(arguments.raw, arguments.file, new)
    print(
        f"Added {added.article_id} to {arguments.raw / METADATA_FILE} "
        f"({added.size:,} bytes, sha256 {added.sha256[:12]}…, split {added.split}), "
        f"file {arguments.raw / added.file}."
    )
    if added.taken_from_file:
        # The curator checks what was read from the file, and gives the option to change it.
        print("Taken from the file (give the option to change it):")
        for option, value in added.taken_from_file.items():
            print(f"  {option} {shown(value)}")
    print("\n".join(preview_lines(added.preview)))
    print(
        f"If the cleaner is wrong about a line, `kjrel correct {added.article_id} LINE keep|drop` "
        "corrects it; `kjrel review` shows every line and sentence of the build. "
        "Run `kjrel build` to include it."
    )
    return 0


def _run_correct(arguments: argparse.Namespace) -> int:
    from kjrel_data.line_corrections import correct_line

    corrected = correct_line(
        arguments.raw, arguments.article_id, arguments.line_number, arguments.action, arguments.note
    )
    correction = corrected.correction
    rules = f" by {', '.join(corrected.rules)}" if corrected.rules else ""
    replaced = (
        f", replacing its {corrected.replaced.action} correction" if corrected.replaced else ""
    )
    print(
        f"Line {correction.line_number} of {correction.article_id}: {correction.action} "
        f"(by the cleaner without corrections it is {corrected.by_rules}{rules}){replaced}; recorded in "
        f"{corrected.corrections_file}."
    )
    print(f"  line {correction.line_number}: {shown(corrected.line)}")
    print("Run `kjrel build` to apply it.")
    return 0


def _run_uncorrect(arguments: argparse.Namespace) -> int:
    from kjrel_data.line_corrections import uncorrect_line

    removed = uncorrect_line(arguments.raw, arguments.article_id, arguments.line_number)
    print(
        f"Removed the {removed.action} correction of line {removed.line_number} of "
        f"{removed.article_id} from {arguments.raw / CORRECTIONS_FILE}; the cleaning rules decide "
        "that line again at the next build."
    )
    return 0


def _run_validate(arguments: argparse.Namespace) -> int:
    from kjrel_data.validate import validate_folder

    summary = validate_folder(arguments.folder)
    print(f"{arguments.folder} is valid")
    print(_summary(summary))
    return 0


def _run_schemas(arguments: argparse.Namespace) -> int:
    from kjrel_data.schemas import schema_documents

    arguments.out.mkdir(parents=True, exist_ok=True)
    for name, content in schema_documents().items():
        path = arguments.out / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        print(path)
    return 0


def _run_agreement(arguments: argparse.Namespace) -> int:
    from kjrel_data.agreement import agreement_table, confusion_tables, raw_agreement
    from kjrel_data.load import load_catalog

    catalog = load_catalog(arguments.raw)
    if not any(annotation_pass.rows for annotation_pass in catalog.annotation_passes):
        print(f"No annotation passes in {arguments.raw / PASSES_FILE}.")
        return 0
    results = raw_agreement(catalog)
    print(agreement_table(results))
    print()
    print(confusion_tables(results))
    figures = [
        {
            key: None if isinstance(value, float) and math.isnan(value) else value
            for key, value in dataclasses.asdict(result).items()
        }
        for result in results
    ]
    print(json.dumps({"agreement": figures}))
    return 0


def _run_label_changes(arguments: argparse.Namespace) -> int:
    from kjrel_data.changelog import label_changes
    from kjrel_data.load import read_label_file

    old = read_label_file(arguments.old, gold=True)
    new = read_label_file(arguments.new, gold=True)
    print("\n".join(label_changes(old, new)) or "No label changes.")
    return 0


def _run_release(arguments: argparse.Namespace) -> int:
    from kjrel_data.release import make_release
    from kjrel_data.version import RELEASE_FILE

    changelog = arguments.changelog or arguments.raw.resolve().parent / "CHANGELOG.md"
    date = arguments.date or datetime.datetime.now(datetime.UTC).date().isoformat()
    result = make_release(arguments.raw, changelog, date)
    was = f"after {result.previous_version}" if result.previous_version else "the first release"
    print(
        f"Released {result.release.version} ({result.part} version, {was}), dated "
        f"{result.release.date}: {counted(len(result.articles_added), 'article')} added, "
        f"{len(result.articles_removed)} removed, "
        f"{counted(len(result.label_changes), 'label change')}."
    )
    print(
        f"Wrote {arguments.raw / RELEASE_FILE} and the entry in {changelog}; build again for the folder "
        "to carry the version."
    )
    return 0


def _run_export_tasks(arguments: argparse.Namespace) -> int:
    from kjrel_data.build import built_batches
    from kjrel_data.load import load_catalog
    from kjrel_data.tasks import RoundPlan, export_tasks

    plan = RoundPlan(check=arguments.check, blind=arguments.blind, annotators=arguments.overlap)
    exported = export_tasks(built_batches(load_catalog(arguments.raw)), arguments.out, plan)
    print(
        f"Wrote {exported.tasks} tasks ({plan.kind} round) to {exported.tasks_file} "
        f"({exported.model_labelled} with the model's labels to correct, "
        f"{exported.tasks - exported.model_labelled} without), the labelling config to "
        f"{exported.config_file} and the project settings to {exported.project_file}."
    )
    if plan.annotators > 1:
        print(
            f"Create the project from {exported.project_file} (POST /api/projects): its "
            f"maximum_annotations {plan.annotators} and overlap_cohort_percentage 100 give every "
            f"task to {plan.annotators} annotators. Set by hand, that is the project's Quality "
            "settings: overlap of annotations on 100% of tasks."
        )
    if exported.tasks == 0:
        what = "has annotation labels" if not plan.check else "lacks annotation labels"
        print(f"Every sentence {what}: there is nothing to annotate.")
    return 0


def _run_import_annotations(arguments: argparse.Namespace) -> int:
    from kjrel_data.import_annotations import import_annotations

    imported = import_annotations(arguments.raw, arguments.export, arguments.codebook)
    print(
        f"Added labels for {counted(len(imported.added), 'sentence')} to "
        f"{imported.labels_file}; {counted(imported.already_gold, 'sentence')} already had the "
        f"same labels, {counted(imported.unannotated, 'task')} without an annotation."
    )
    if imported.passes:
        print(
            f"Stored {len(imported.passes)} annotation passes of round {imported.round} "
            f"({imported.pass_rows} rows): {', '.join(imported.passes)}. `kjrel agreement` "
            "compares them."
        )
    if imported.already_in_passes:
        print(f"{imported.already_in_passes} annotators' passes were already stored.")
    if imported.gold_disagreements:
        print(
            f"The check round labels {len(imported.gold_disagreements)} gold sentences "
            f"differently: {', '.join(imported.gold_disagreements)}."
        )
    for line in imported.dropped_lines:
        print(f"Dropped as not article text: {line}")
    for message in imported.skipped_drops:
        print(message, file=sys.stderr)
    if imported.added or imported.passes or imported.dropped_lines:
        print("Run `kjrel build` to publish them.")
    return 0


def _run_review(arguments: argparse.Namespace) -> int:
    from kjrel_data.build import BuildOptions
    from kjrel_data.review import write_review

    written = write_review(
        arguments.raw,
        arguments.out,
        arguments.article_ids,
        BuildOptions(show_progress=sys.stderr.isatty()),
    )
    print(
        f"Wrote {written.path}: {counted(written.articles, 'article')}, "
        f"{counted(written.removed_lines, 'line')} with text removed, "
        f"{counted(written.suspicious_sentences, 'suspicious sentence')}."
    )
    return 0


def _run_publish(arguments: argparse.Namespace) -> int:
    from huggingface_hub import HfApi

    from kjrel_data.publish import publish_to_hub

    publication = publish_to_hub(
        arguments.folder,
        arguments.repo_id,
        HfApi(),
        private=arguments.private,
        dry_run=arguments.dry_run,
    )
    files = f"{len(publication.files)} files ({publication.size / 1_000_000:.1f} MB)"
    if arguments.dry_run:
        print(f"{arguments.folder} is valid; would send {files} to {publication.repo_id}:")
        print("\n".join(f"  {path}" for path in publication.files))
        return 0
    print(f"Sent {files} to {publication.commit_url}")
    if publication.deleted:
        print(f"Removed {len(publication.deleted)} data files of earlier builds.")
    print(
        f'Load it with: load_dataset("{publication.repo_id}", revision="{publication.commit_sha}")'
    )
    return 0


def _run_codebook(arguments: argparse.Namespace) -> int:
    from kjrel_data.codebook import refresh_codebook

    if not arguments.file.is_file():
        raise InputError(f"{arguments.file}: no such codebook.")
    try:
        changed = refresh_codebook(arguments.file)
    except ValueError as error:
        raise InputError(f"{arguments.file}: {error}.") from None
    print(f"{arguments.file}: {'definitions refreshed' if changed else 'already up to date'}")
    return 0


def _summary(summary: "CorpusSummary") -> str:
    from kjrel_data.names import ARTICLES, CONFIGS, SENTENCES

    width = max(len(config) for config in CONFIGS)
    lines = [f"  {'':{width}}  " + "  ".join(f"{split:>10}" for split in SPLITS)]
    lines += [
        f"  {config:{width}}  "
        + "  ".join(f"{summary.count(config, split):>10}" for split in SPLITS)
        for config in CONFIGS
    ]
    sentences = summary.count(SENTENCES)
    annotated = sum(summary.label_sources[source] for source in ANNOTATION_SOURCES)
    share = annotated / sentences if sentences else 0.0
    lines.append(
        f"  {counted(summary.count(ARTICLES), 'article')}, {counted(sentences, 'sentence')}; "
        f"annotated {annotated} ({share:.0%}), model labels only on "
        f"{summary.label_sources['model']}, unlabelled {summary.label_sources['unlabelled']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
