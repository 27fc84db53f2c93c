"""Running `kjrel` in-process as a user would, recording every path it opens, lists or changes.

Python's audit events see every file that Python code opens (`open`, `os.open`, `os.scandir`,
renames, removals). A test plants a folder outside the ones it gives the command (a "honeypot":
a secret file, symlinks pointing at it) and asserts that no recorded path resolves into it.
pyarrow opens Parquet files from C++, which raises no audit event, so the tests of Parquet paths
also check that the honeypot's bytes were not uploaded or validated.
"""

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from kjrel_data.cli import main

# Events whose first argument (and, for renames and copies, the second) is a path.
PATH_EVENTS = frozenset(
    {
        "open",
        "os.listdir",
        "os.scandir",
        "os.remove",
        "os.rmdir",
        "os.mkdir",
        "os.rename",
        "os.truncate",
        "os.chmod",
        "os.symlink",
        "os.link",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.rmtree",
        "shutil.move",
    }
)
TWO_PATH_EVENTS = frozenset(
    {"os.rename", "os.symlink", "os.link", "shutil.copyfile", "shutil.move"}
)

_recorded: list[str] | None = None


def _hook(event: str, arguments: tuple) -> None:
    if _recorded is None or event not in PATH_EVENTS:
        return
    for value in arguments[: 2 if event in TWO_PATH_EVENTS else 1]:
        if isinstance(value, str | bytes | os.PathLike):
            _recorded.append(os.fsdecode(value))


sys.addaudithook(_hook)


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str
    paths: list[str]

    def touched_inside(self, folder: Path) -> list[str]:
        """The recorded paths that are, or resolve to, something inside folder."""
        folder = folder.resolve()
        return sorted(
            {
                path
                for path in self.paths
                if Path(os.path.realpath(path)).is_relative_to(folder)
                or Path(os.path.abspath(path)).is_relative_to(folder)
            }
        )


def run_kjrel(arguments: list[str], capsys) -> Run:
    """`kjrel ARGUMENTS` in this process: exit status, stdout, stderr and every path it touched."""
    global _recorded
    capsys.readouterr()
    _recorded = []
    try:
        status = main([str(argument) for argument in arguments])
    finally:
        paths, _recorded = _recorded, None
    captured = capsys.readouterr()
    return Run(status, captured.out, captured.err, paths)


def assert_one_message(run: Run, command: str, pattern: str) -> None:
    """Exit 1, stderr is one `kjrel COMMAND: error:` message matching pattern, no traceback."""
    assert run.status == 1, (run.status, run.stderr)
    assert run.stderr.startswith(f"kjrel {command}: error: "), run.stderr
    assert run.stderr.count(": error: ") == 1, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert re.search(pattern, run.stderr), run.stderr


# Issue 13's cases (hostile and unlucky input), each to the tests that run it through the real
# CLI; test_hostile_matrix.py checks every test named here exists.
HOSTILE_INPUT_MATRIX = {
    "1 memory bounded by an article's size": [
        "test_article_memory.test_a_long_article_builds_validates_and_exports",
        "test_article_memory.test_the_span_check_holds_no_copy_of_an_article",
        "test_article_memory.test_tasks_json_is_written_a_task_at_a_time_with_the_bytes_of_one_dump",
    ],
    "2 publish never follows a symlink out of the folder": [
        "test_confine.test_a_listed_symlink_to_an_outside_copy_is_refused_by_validate_and_publish",
        "test_confine.test_a_listed_symlink_to_a_secret_is_never_read_nor_sent",
        "test_confine.test_a_symlinked_data_folder_leading_outside_is_refused",
        "test_confine.test_a_symlink_inside_the_folder_is_refused_too",
        "test_confine.test_a_datasheet_beside_raw_linking_to_a_secret_is_never_copied_into_the_build",
        "test_confine.test_an_annotations_folder_linking_out_of_raw_is_refused",
    ],
    "3 no writer writes a cell its reader refuses": [
        "test_writers.test_add_refuses_a_field_longer_than_its_column",
        "test_writers.test_import_refuses_a_note_longer_than_its_column",
        "test_writers.test_reading_a_field_longer_than_its_column_names_row_and_field",
        "test_writers.test_what_appended_rows_accepts_reads_back_unchanged",
        "test_line_corrections.test_correct_refuses_with_one_message_and_changes_nothing",
        "test_line_corrections.test_a_bad_correction_row_is_one_error_naming_file_and_row",
    ],
    "4 no row lost to a concurrent writer": [
        "test_writers.test_two_adds_at_once_lose_no_row",
        "test_writers.test_two_imports_at_once_lose_no_row",
        "test_writers.test_an_add_during_an_import_loses_no_row",
        "test_writers.test_an_import_during_an_add_loses_no_row",
        "test_writers.test_a_signal_during_the_renames_takes_effect_once_raw_is_complete",
        "test_line_corrections.test_correct_waits_for_no_one_while_another_writer_holds_raw",
    ],
    "5 card data paths confined to the folder": [
        "test_confine.test_a_card_path_up_and_out_is_refused_by_name_unread",
        "test_confine.test_an_absolute_card_path_is_refused_by_name",
        "test_confine.test_a_card_path_to_an_unlisted_fifo_is_refused_without_hanging",
        "test_confine.test_a_listed_fifo_is_refused_by_name_without_hanging",
    ],
    "6 cleaning linear in a line's length": [
        "test_clean_linear.test_a_hostile_line_of_100k_characters_is_cleaned_and_split",
        "test_clean_linear.test_a_long_line_of_menu_bars_that_is_not_a_menu_is_refused_at_once",
        "test_clean_linear.test_a_line_with_50k_run_in_advertisements_loses_each_of_them",
    ],
    "7 a rebuild deletes nothing it did not write": [
        "test_output.test_a_rebuild_into_a_hub_clone_keeps_everything_the_build_did_not_write",
        "test_output.test_a_folder_kjrel_did_not_write_is_refused_and_left_alone",
        "test_output.test_a_rebuild_that_would_lose_a_users_file_is_refused",
        "test_output.test_a_leftover_name_planted_as_a_link_is_never_followed",
    ],
    "8 near-copies refused by name": [
        "test_writers.test_a_near_copy_added_under_a_new_id_is_refused_by_the_build",
        "test_writers.test_build_refuses_two_listed_articles_with_the_same_text",
        "test_writers.test_a_copy_with_invisible_or_compatibility_characters_is_refused_by_the_build",
        "test_writers.test_build_refuses_two_articles_whose_cleaned_texts_are_the_same",
    ],
    "9 a repeated sentence builds": [
        "test_cli_bad_inputs.test_a_sentence_repeated_in_an_article_builds_as_two_sentences",
    ],
    "10 size caps checked before reading": [
        "test_confine.test_a_codebook_symlinked_to_dev_zero_is_refused",
        "test_confine.test_a_fifo_codebook_is_refused_by_name_without_hanging",
        "test_confine.test_an_input_over_its_cap_is_refused_before_reading",
        "test_confine.test_a_corrections_file_symlinked_outside_raw_is_refused",
        "test_confine.test_an_export_over_its_cap_is_refused_before_reading",
        "test_confine.test_a_footer_declaring_more_rows_than_its_bytes_is_refused_before_reading",
        "test_confine.test_a_row_group_declaring_more_bytes_than_the_cap_is_refused",
    ],
    "11 one message, not a traceback": [
        "test_writers.test_deeply_nested_json_is_one_message",
        "test_writers.test_an_odd_export_value_is_refused_naming_task_and_annotation",
        "test_writers.test_add_refuses_an_argument_that_is_not_utf8",
        "test_confine.test_a_card_yaml_nested_50000_deep_is_one_message",
        "test_confine.test_an_integer_split_key_is_one_message",
        "test_confine.test_publish_with_an_unusable_token_sends_nothing_and_never_shows_it",
        "test_confine.test_publish_with_a_malformed_endpoint_sends_nothing",
        "test_writers.test_an_internal_error_is_one_line_asking_for_a_report",
        "test_writers.test_debug_shows_the_traceback",
        "test_writers.test_an_interrupt_while_kjrel_starts_is_one_line_and_exit_130",
        "test_line_corrections.test_stale_corrections_fail_the_build_listing_each_and_raw_is_unchanged",
    ],
    "12 staging files never followed": [
        "test_writers.test_a_planted_staging_symlink_does_not_redirect_the_write",
        "test_writers.test_add_refuses_an_articles_folder_that_is_a_symlink_out_of_raw",
        "test_writers.test_export_tasks_never_writes_through_a_link_planted_in_its_folder",
    ],
    "13 untrusted text escaped; build races; hidden files": [
        "test_card.test_a_hostile_title_outlet_and_annotator_are_shown_as_typed_in_the_built_card",
        "test_writers.test_escape_codes_and_forged_lines_in_an_export_are_shown_not_obeyed",
        "test_writers.test_a_line_break_in_an_unlisted_file_name_is_escaped",
        "test_writers.test_an_export_with_a_key_twice_in_one_object_is_refused",
        "test_output.test_two_builds_forced_to_overlap_one_refused_the_other_whole",
        "test_output.test_an_interrupt_during_the_swap_waits_and_says_the_new_build_is_in_place",
        "test_cli_bad_inputs.test_hidden_files_a_file_manager_leaves_in_the_articles_folder_are_ignored",
    ],
}
