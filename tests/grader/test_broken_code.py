"""Broken learner files: code that does not import, code that misbehaves, files and names that
do not exist, reset and hints. Each names the learner's file and line and never shows a
traceback of the grader's own."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
from harness import (
    SCALAR,
    exercise_counts,
    grader,
    handled,
    learner_file,
    line_of,
    write_body,
    write_module_code,
)

# ── code that does not import ────────────────────────────────────────────────────────────


def test_a_syntax_error_is_reported_at_its_file_and_line(repo):
    text = write_body(repo, "clip", "return x +")
    output = handled(grader(repo, "check", "primitives.scalar"), f"{SCALAR}:{line_of(text, 'return x +')}: SyntaxError")
    assert "must import before its specs can run" in output


def test_an_import_error_is_reported_at_the_import_line(repo):
    text = write_module_code(repo, "from policywerk.primitives.vector import clamp")
    handled(
        grader(repo, "check", "primitives.scalar"),
        f"{SCALAR}:{line_of(text, 'from policywerk.primitives.vector import clamp')}: "
        "ImportError: cannot import name 'clamp'",
    )


def test_a_crash_at_module_level_is_reported_at_the_line_that_raised(repo):
    crash = "DEFAULT_LOW = LIMITS['lo']"
    text = write_module_code(repo, "LIMITS = {'low': -1.0, 'high': 1.0}\n" + crash)
    handled(grader(repo, "check", "primitives.scalar"), f"{SCALAR}:{line_of(text, crash)}: KeyError")


def test_an_endless_loop_at_import_time_is_stopped_and_reported_at_the_loop(repo):
    text = write_module_code(repo, "steps = 0\nwhile steps < 10:\n    steps + 1")
    loop = line_of(text, "while steps < 10:")
    output = handled(grader(repo, "check", "primitives.scalar"), "did not finish importing")
    # The stack is sampled somewhere inside the loop: its `while` line or its body's.
    assert f"{SCALAR}:{loop}:" in output or f"{SCALAR}:{loop + 1}:" in output, output


# ── code that imports but misbehaves ─────────────────────────────────────────────────────


def test_an_exception_inside_a_function_fails_its_specs_at_the_line_that_raised(repo):
    text = write_body(repo, "clip", "scale = 1.0 / (high - high)\nreturn x * scale")
    output = handled(grader(repo, "check", "primitives.scalar"), "ZeroDivisionError")
    assert f"at {SCALAR}:{line_of(text, 'scale = 1.0 / (high - high)')}\n" in output
    assert exercise_counts(output, "clip")[0] == "✗"


def test_an_endless_loop_in_a_function_fails_only_that_functions_specs(repo):
    shutil.copy(repo / "solutions/policywerk/primitives/scalar.py", learner_file(repo))  # all of it done …
    text = write_body(repo, "sign", "result = 0.0\nwhile result == 0.0:\n    x = x + 0.0\nreturn result")  # … but sign
    loop = line_of(text, "while result == 0.0:")
    output = handled(grader(repo, "check", "primitives.scalar"), "Timeout")
    assert exercise_counts(output, "sign")[:2] == ("✗", 0)
    assert f"at {SCALAR}:{loop}\n" in output or f"at {SCALAR}:{loop + 1}\n" in output, output
    for other in ("clip", "lerp", "linear_schedule", "ema"):  # the others still ran, and pass
        mark, passed, total = exercise_counts(output, other)
        assert mark == "✓" and passed == total > 0, output


def test_a_wrong_return_type_fails_its_specs_and_points_at_the_function(repo):
    text = write_body(repo, "sign", "return '+' if x > 0 else '-' if x < 0 else '0'")
    output = handled(grader(repo, "check", "primitives.scalar"), "AssertionError")
    assert exercise_counts(output, "sign")[:2] == ("✗", 0)
    assert f"at {SCALAR}:{line_of(text, 'def sign(x: float) -> float:')}\n" in output


def test_a_deleted_function_is_named_as_missing(repo):
    path = learner_file(repo)
    path.write_text(re.sub(r"\ndef sign\(.*?(?=\ndef lerp\()", "", path.read_text(), flags=re.S))
    output = handled(grader(repo, "check", "primitives.scalar"), f"{SCALAR} has no sign (deleted or renamed?)")
    assert exercise_counts(output, "sign")[:2] == ("✗", 0)


# ── files and names that do not exist ────────────────────────────────────────────────────


def test_a_deleted_file_is_named_with_the_way_to_get_it_back(repo):
    learner_file(repo).unlink()
    output = handled(grader(repo, "check", "primitives.scalar"), f"{SCALAR}: the file is missing")
    assert "uv run python grader.py reset primitives.scalar writes the stub again" in output


def test_reset_brings_back_a_deleted_file(repo, template):
    learner_file(repo).unlink()
    handled(grader(repo, "reset", "primitives.scalar"), f"{SCALAR} is the pristine stub again")
    assert learner_file(repo).read_text() == learner_file(template).read_text()
    assert not (repo / ".policywerk" / "backups").exists()  # there was nothing to keep


@pytest.mark.parametrize(
    ("command", "name", "said"),
    [
        ("check", "primitives.scalr", "there is no module 'primitives.scalr'. Did you mean primitives.scalar"),
        ("hint", "scalar.clp", "there is no exercise 'scalar.clp'. Did you mean primitives.scalar.clip"),
        ("lesson", "42", "there is no lesson '42'; lessons are 01"),
    ],
    ids=["module", "exercise", "lesson"],
)
def test_an_unknown_name_exits_2_with_a_helpful_message(repo, command, name, said):
    handled(grader(repo, command, name), said, status=(2,))


# ── reset never loses the learner's work ─────────────────────────────────────────────────


def test_reset_on_a_pristine_file_changes_nothing_and_keeps_no_backup(repo):
    before = learner_file(repo).read_bytes()
    handled(grader(repo, "reset", "primitives.scalar"), "already the pristine stub: nothing changed")
    assert learner_file(repo).read_bytes() == before
    assert not (repo / ".policywerk" / "backups").exists()


def test_reset_on_an_edited_file_keeps_the_edit_as_a_backup_and_restores_the_stub(repo, template):
    edited = write_body(repo, "clip", "return max(low, min(x, high))  # my first try")
    output = handled(grader(repo, "reset", "primitives.scalar"), "Your file is kept at .policywerk/backups/")
    backup = repo / re.search(r"kept at (\S+)", output)[1]
    assert backup.read_text() == edited
    assert learner_file(repo).read_text() == learner_file(template).read_text()


# ── hints ────────────────────────────────────────────────────────────────────────────────


def test_each_hint_call_reveals_one_more_level_and_stops_at_the_last(repo):
    hints = tomllib.loads((repo / "curriculum.toml").read_text())["exercises"]["primitives.scalar.clip"]["hints"]
    for call in range(1, len(hints) + 2):
        level = min(call, len(hints))
        output = handled(grader(repo, "hint", "primitives.scalar.clip"), f"({level} of {len(hints)})")
        revealed = [hint.splitlines()[0] in output for hint in hints]
        assert revealed == [index < level for index in range(len(hints))], output
        assert ("That is every hint" in output) == (level == len(hints))
