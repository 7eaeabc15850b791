"""A new learner's first steps, the status cache, watch and compare."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import (
    AFTER_LERP,
    IGNORED,
    SCALAR,
    TIME_LIMIT,
    TRACEBACK,
    VECTOR,
    exercise_counts,
    grader,
    handled,
    learner_file,
    line_of,
    write_body,
)


@pytest.fixture(scope="module")
def new_learner(template, tmp_path_factory) -> tuple[Path, str]:
    """A fresh clone after its first `grader.py` (the slow full run), and what that printed.

    Shared by the status tests to run the whole spec suite once. Each of them leaves what the
    others expect intact: only vector.zeros is ever written, actors/bellman.py broken, and
    scalar.py broken and put back.
    """
    copy = tmp_path_factory.mktemp("new_learner") / "clone"
    shutil.copytree(template, copy, ignore=IGNORED)
    first = grader(copy)
    assert first.returncode == 0, first.stdout + first.stderr
    return copy, first.stdout


# ── a new learner's first steps, and the status cache ────────────────────────────────────


def test_a_fresh_clone_names_the_first_exercise_lesson_01_needs_with_its_file_and_line(new_learner, template):
    _, first_status = new_learner
    stub = learner_file(template, VECTOR).read_text()
    assert "On the way to lesson 01 (the next locked lesson" in first_status
    assert "Next exercise: primitives.vector.zeros" in first_status  # not scalar: lesson 01 does not need it
    assert f"{VECTOR}:{line_of(stub, 'def zeros(n: int) -> list[float]:')}\n" in first_status
    assert "uv run python grader.py check primitives.vector" in first_status
    assert TRACEBACK not in first_status


def test_a_fresh_clone_shows_how_many_required_modules_each_lesson_has_done(new_learner):
    _, first_status = new_learner
    assert re.search(r"^  01  .*locked: 0 of 7 modules done$", first_status, re.M), first_status
    assert re.search(r"^  06  .*locked: 0 of 11 modules done$", first_status, re.M), first_status


def test_a_new_learner_fills_in_zeros_sees_it_pass_and_the_status_move_on(new_learner):
    repo, _ = new_learner
    text = write_body(
        repo,
        "zeros",
        """
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"zeros: n must be an integer >= 0, got {n!r}")
        return [0.0] * n
        """,
        name=VECTOR,
    )
    checked = grader(repo, "check", "primitives.vector")
    output = handled(checked)
    assert checked.returncode == 1  # the module's other exercises still fail
    mark, passed, total = exercise_counts(output, "zeros")
    assert mark == "✓" and passed == total > 0, output
    add = f"{VECTOR}:{line_of(text, 'def add(x: list[float], y: list[float]) -> list[float]:')}"
    assert f"Next: primitives.vector.add at {add}\n" in output

    status = handled(grader(repo))
    assert "Next exercise: primitives.vector.add" in status
    assert f"{add}\n" in status


def test_a_goal_lesson_leads_the_status_into_its_modules_until_cleared(new_learner):
    repo, _ = new_learner
    handled(grader(repo, "goal", "02"), "Goal: lesson 02")
    try:
        status = handled(grader(repo))
        assert "On the way to lesson 02 (your goal" in status
        assert "Next exercise: primitives.random." in status  # lesson 02's first module: not vector
    finally:
        handled(grader(repo, "goal", "none"), "Goal cleared")
    assert "On the way to lesson 01 (the next locked lesson" in handled(grader(repo))


def test_a_status_never_shows_a_cut_short_module_as_passed(new_learner):
    repo, _ = new_learner
    scalar = learner_file(repo)
    stub = scalar.read_text()
    shutil.copy(repo / "solutions/policywerk/primitives/scalar.py", scalar)
    try:
        text = write_body(repo, "lerp", "raise KeyboardInterrupt")
        status = handled(grader(repo))
        where = f"{SCALAR}:{line_of(text, 'raise KeyboardInterrupt')}"
        line = re.search(r"^  (.) scalar .*$", status, re.M)
        assert (
            line[1] == "?"
            and f"{AFTER_LERP} specs did not run: the run stopped at {where} with KeyboardInterrupt" in line[0]
        )
    finally:
        scalar.write_text(stub)


def test_a_second_status_reuses_the_cache(new_learner):
    repo, _ = new_learner
    progress = repo / ".policywerk" / "progress.json"
    first = handled(grader(repo))
    cached = progress.read_bytes(), progress.stat().st_mtime_ns
    second = handled(grader(repo))
    assert second == first
    assert (progress.read_bytes(), progress.stat().st_mtime_ns) == cached  # no spec ran again


def test_editing_a_learner_file_invalidates_the_cache(new_learner):
    repo, _ = new_learner
    progress = repo / ".policywerk" / "progress.json"
    before = handled(grader(repo))
    cached = progress.read_bytes()
    bellman = repo / "exercises/policywerk/actors/bellman.py"
    bellman.write_text(bellman.read_text() + "\ndef half_written(:\n")
    after = handled(grader(repo))
    assert after != before and progress.read_bytes() != cached
    line = line_of(bellman.read_text(), "def half_written(:")
    assert f"does not import: exercises/policywerk/actors/bellman.py:{line}\n" in after


# ── watch ────────────────────────────────────────────────────────────────────────────────


def test_watch_rechecks_on_save_and_quits_on_q(repo):
    """`watch` re-runs the edited module's specs when its file is saved (scalar.py, though it
    starts on the module the status leads to), and `q` ends it."""
    import queue
    import threading

    environment = dict(os.environ, POLICYWERK_IMPORT_TIME_LIMIT=TIME_LIMIT, POLICYWERK_SPEC_TIME_LIMIT=TIME_LIMIT)
    environment.pop("POLICYWERK_TREE", None)
    process = subprocess.Popen(
        [sys.executable, "grader.py", "watch"],
        cwd=repo,
        env=environment,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def read_until(text: str, seconds: float = 60.0) -> str:
        seen = ""
        while text not in seen:
            seen += lines.get(timeout=seconds)
        return seen

    try:
        first = read_until("watching")
        assert "✗ zeros" in first and TRACEBACK not in first  # where the status leads a new learner
        write_body(
            repo,
            "clip",
            """
            if low > high:
                raise ValueError(f"clip: low={low} > high={high}")
            return max(low, min(x, high))
        """,
        )
        again = read_until("watching")
        assert "✓ clip" in again and TRACEBACK not in again
        process.stdin.write("q\n")
        process.stdin.flush()
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()


# ── compare ──────────────────────────────────────────────────────────────────────────────


def test_compare_lesson_draws_the_learners_trace_over_the_reference(repo):
    """With a run of the learner's in output/, `compare lesson 01` draws it over examples/."""
    before = handled(grader(repo, "compare", "lesson", "01"), "No run of yours yet")
    assert "grader.py lesson 01" in before
    (repo / "output").mkdir(exist_ok=True)
    shutil.copy(repo / "examples" / "01_bellman" / "01_bellman_trace.json", repo / "output" / "01_bellman_trace.json")
    handled(grader(repo, "compare", "lesson", "01"), "drawn over the reference's", "output/01_bellman_compare.png")
    assert (repo / "output" / "01_bellman_compare.png").stat().st_size > 0


def test_compare_module_hides_the_reference_until_the_exercise_passes(repo):
    hidden = handled(grader(repo, "compare", "primitives.scalar"), "not passed yet", "--force")
    assert "return low if x < low" not in hidden
    forced = handled(grader(repo, "compare", "primitives.scalar", "--force"))
    assert "+    return low if x < low else high if x > high else x" in forced


CLIP_MY_WAY = """
if low > high:
    raise ValueError(f"clip: the interval is empty, low={low} > high={high}")
return max(low, min(x, high))
"""


def test_compare_module_diffs_a_passed_body_against_the_reference_without_docstrings(repo):
    write_body(repo, "clip", CLIP_MY_WAY)
    handled(grader(repo, "check", "primitives.scalar"))
    output = handled(grader(repo, "compare", "primitives.scalar"), f"--- yours ({SCALAR}:", "+++ the reference")
    clip = output.split("── primitives.scalar.clip")[1].split("── primitives.scalar.sign")[0]
    assert "-    return max(low, min(x, high))" in clip
    assert "+    return low if x < low else high if x > high else x" in clip
    assert "x limited to the interval" not in clip  # the docstring, the same on both sides, is left out
    assert "\033[" not in output  # a pipe gets no colour


def test_compare_module_full_shows_both_whole_definitions_side_by_side(repo):
    write_body(repo, "clip", CLIP_MY_WAY)
    handled(grader(repo, "check", "primitives.scalar"))
    output = handled(grader(repo, "compare", "primitives.scalar", "--full"), f"yours: {SCALAR}:", "the reference")
    clip = output.split("── primitives.scalar.clip")[1].split("── primitives.scalar.sign")[0]
    rows = [line for line in clip.splitlines() if "│" in line or "┃" in line]
    # The def lines match and sit on one row; the docstring is on both sides; the bodies differ.
    assert any(line.count("def clip(") == 2 and "│" in line for line in rows), clip
    assert any("┃" in line and "max(low, min(x, high))" in line and "low if x < low" in line for line in rows), clip
    assert clip.count('"""') >= 4, clip
