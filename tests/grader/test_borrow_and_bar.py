"""Borrowing the reference, the goal lesson, the bar a lesson states, and the grader standing alone."""

from __future__ import annotations

import ast
import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from harness import (
    IGNORED,
    ROOT,
    SCALAR,
    TOTAL,
    grader,
    handled,
    learner_file,
    write_body,
)

# ── borrowing the reference ──────────────────────────────────────────────────────────────


def test_a_borrowed_module_is_the_reference_under_one_header_line_and_its_specs_pass(repo):
    handled(grader(repo, "borrow", "primitives.scalar"), f"primitives.scalar: borrowed into {SCALAR}")
    reference = (repo / "solutions/policywerk/primitives/scalar.py").read_text()
    header, _, rest = learner_file(repo).read_text().partition("\n")
    assert rest == reference
    assert header.startswith("# borrowed from the reference (sha256 ") and "grader.py reset primitives.scalar" in header
    checked = grader(repo, "check", "primitives.scalar")
    output = handled(checked, f"{TOTAL} of {TOTAL} specs pass", "borrowed from the reference (every spec passes)")
    assert checked.returncode == 0 and "All of primitives.scalar passes" not in output  # not the learner's pass


def test_borrow_keeps_an_edited_file_as_a_backup_as_reset_does(repo):
    edited = write_body(repo, "clip", "return max(low, min(x, high))  # my first try")
    output = handled(grader(repo, "borrow", "primitives.scalar"), "your file is kept at .policywerk/backups/")
    assert (repo / re.search(r"kept at (\S+)\)", output)[1]).read_text() == edited


def test_reset_turns_a_borrowed_module_back_into_the_stub_without_a_backup(repo, template):
    handled(grader(repo, "borrow", "primitives.scalar"))
    handled(grader(repo, "reset", "primitives.scalar"), "was borrowed", f"{SCALAR} is the pristine stub again")
    assert learner_file(repo).read_text() == learner_file(template).read_text()
    assert not (repo / ".policywerk" / "backups").exists()  # the reference's code was not the learner's


def test_borrow_refuses_the_reference_tree(repo):
    handled(grader(repo, "borrow", "primitives.scalar", "--tree", "solutions"), "never changed", status=(2,))


@pytest.fixture(scope="module")
def fast_tracker(template, tmp_path_factory) -> Path:
    """A fresh clone that borrowed lesson 06 and wrote only actors.ppo (the reference's, copied)."""
    copy = tmp_path_factory.mktemp("fast_tracker") / "clone"
    shutil.copytree(template, copy, ignore=IGNORED)
    handled(grader(copy, "borrow", "lesson", "06"))
    shutil.copy(copy / "solutions/policywerk/actors/ppo.py", copy / "exercises/policywerk/actors/ppo.py")
    return copy


def test_borrow_lesson_06_borrows_every_module_below_its_agent(fast_tracker):
    lesson = tomllib.loads((fast_tracker / "curriculum.toml").read_text())["lessons"]["06"]
    below = [m for m in lesson["requires"] if not m.startswith("actors.")]
    for module in below:
        text = (fast_tracker / "exercises/policywerk" / (module.replace(".", "/") + ".py")).read_text()
        assert text.startswith("# borrowed from the reference (sha256 "), module
    assert not (fast_tracker / "exercises/policywerk/actors/ppo.py").read_text().startswith("# borrowed")


def test_writing_only_ppo_after_borrowing_lesson_06_unlocks_it_with_the_borrowed_modules_shown(fast_tracker):
    status = handled(grader(fast_tracker))
    assert re.search(r"^  06  .*UNLOCKED \(11 of 11 modules done, 10 borrowed\)", status, re.M), status
    assert re.search(r"^  ◇ pointmass +borrowed: the reference's code, not counted as yours$", status, re.M), status
    assert re.search(r"^  ✓ ppo ", status, re.M), status
    assert "· 10 modules borrowed" in status


def test_borrowed_modules_never_count_as_the_learners_passes(fast_tracker):
    status = handled(grader(fast_tracker))
    passed = int(re.search(r"· (\d+) of \d+ specs pass", status)[1])
    ppo = int(re.search(r"^  ✓ ppo +\S+ +(\d+)/", status, re.M)[1])
    others = sum(int(n) for n in re.findall(r"^    \w+ +\S+ +(\d+)/", status, re.M))  # the unmarked rows
    assert passed == ppo + others


def test_a_borrowed_module_goes_stale_when_the_reference_changes_and_the_lesson_locks(fast_tracker):
    reference = fast_tracker / "solutions/policywerk/world/pointmass.py"
    original = reference.read_text()
    reference.write_text(original + "\n# a change upstream\n")
    try:
        status = handled(grader(fast_tracker))
        assert "◆ pointmass" in status and "borrow it again: uv run python grader.py borrow world.pointmass" in status
        assert re.search(r"^  06  .*locked: 10 of 11 modules done", status, re.M), status
        handled(grader(fast_tracker, "borrow", "world.pointmass"), "world.pointmass: borrowed into")
        assert "◇ pointmass" in handled(grader(fast_tracker))
    finally:
        reference.write_text(original)
        handled(grader(fast_tracker, "borrow", "world.pointmass"))


def test_borrow_lesson_makes_it_the_goal(fast_tracker):
    handled(grader(fast_tracker, "goal"), "Your goal: lesson 06")


@pytest.fixture
def lesson_01_ready(fast_tracker):
    """Lesson 01 unlocked on borrowed modules and the reference's bellman (its run takes seconds)."""
    handled(grader(fast_tracker, "borrow", "building_blocks.policies", "world.gridworld"))
    bellman = fast_tracker / "exercises/policywerk/actors/bellman.py"
    stub = bellman.read_text()
    shutil.copy(fast_tracker / "solutions/policywerk/actors/bellman.py", bellman)
    yield fast_tracker
    bellman.write_text(stub)


RESULT_01 = "error of V(start) against its true value (the worse of the two planners)"


@pytest.mark.parametrize(
    ("arguments", "bar", "verdict"),
    [
        ((), None, "You reached the bar."),
        ((), "1e-20", "You did not reach the bar yet."),
        (("--quick",), None, "A --quick run is too short to be judged against the bar"),
    ],
    ids=["reached", "missed", "quick"],
)
def test_a_lesson_run_prints_its_result_beside_the_references_and_whether_it_reached_the_bar(
    lesson_01_ready, arguments, bar, verdict
):
    script = lesson_01_ready / "lessons/01_bellman.py"
    original = script.read_text()
    if bar:  # a bar no run reaches: the learner's error (1.1e-16, rounding) stays above it
        script.write_text(original.replace("\nRESULT_BAR = 1e-5\n", f"\nRESULT_BAR = {bar}\n"))
        assert script.read_text() != original
    try:
        ran = grader(lesson_01_ready, "lesson", "01", *arguments)
    finally:
        script.write_text(original)
    output = handled(
        ran, "Borrowed from the reference for this run: primitives.vector, primitives.activations", status=(0,)
    )
    assert re.search(rf"^Your result: {re.escape(RESULT_01)}: \S+$", output, re.M), output
    assert re.search(
        rf"^The reference's: {re.escape(RESULT_01)}: \S+ \(examples/01_bellman/01_bellman_trace.json\)$", output, re.M
    ), output
    assert f"The bar: {bar or '1e-05'} (lower is better); the reference measured" in output
    assert verdict in output
    others = {
        "You reached the bar.",
        "You did not reach the bar yet.",
        "A --quick run is too short to be judged against the bar",
    } - {verdict}
    assert not any(other in output for other in others), output
    stated = json.loads((lesson_01_ready / "output/01_bellman_trace.json").read_text())["result"]
    assert stated["quick"] == bool(arguments) and stated["reached"] == (bar is None)


# ── goal ─────────────────────────────────────────────────────────────────────────────────


def test_a_goal_is_remembered_in_the_progress_file_shown_and_cleared(repo):
    handled(grader(repo, "goal"), "No goal set")
    handled(grader(repo, "goal", "6"), "Goal: lesson 06")
    assert json.loads((repo / ".policywerk" / "progress.json").read_text())["goal"] == "06"
    handled(grader(repo, "goal"), "Your goal: lesson 06")
    handled(grader(repo, "goal", "none"), "Goal cleared")
    handled(grader(repo, "goal"), "No goal set")


def test_an_unknown_goal_exits_2(repo):
    handled(grader(repo, "goal", "42"), "there is no lesson '42'", status=(2,))


# ── the bar a lesson states ──────────────────────────────────────────────────────────────


def trace_with(folder: Path, name: str, result: dict | None) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"lesson": "06_ppo", "series": {}, **({"result": result} if result else {})}))
    return path


def result(value: float, quick: bool = False) -> dict:
    sys.path.insert(0, str(ROOT / "lessons"))
    import kit

    return kit.result_record(
        "greedy normalised score", value, 0.8, True, "the reference measured 0.96 (seeds 0-2)", quick
    )


@pytest.mark.parametrize(
    ("value", "quick", "verdict"),
    [
        (0.9, False, "You reached the bar."),
        (0.5, False, "You did not reach the bar yet."),
        (0.9, True, "A --quick run is too short to be judged against the bar"),
    ],
    ids=["reached", "not-reached", "quick"],
)
def test_a_lesson_result_is_printed_beside_the_references_with_a_plain_verdict(tmp_path, value, quick, verdict):
    from grading.cli import judgement

    said = judgement(trace_with(tmp_path, "yours", result(value, quick)), trace_with(tmp_path, "ref", result(0.96)), 0)
    assert f"Your result: greedy normalised score: {value:.4g}" in said
    assert "The reference's: greedy normalised score: 0.96" in said
    assert "The bar: 0.8 (higher is better); the reference measured 0.96 (seeds 0-2)" in said
    assert verdict in said


def test_a_trace_without_a_result_says_the_lesson_did_not_state_its_bar(tmp_path):
    from grading.cli import judgement

    said = judgement(trace_with(tmp_path, "yours", None), trace_with(tmp_path, "ref", None), 0)
    assert said.startswith("No verdict: the lesson did not state its bar")


# ── the grader stands alone ──────────────────────────────────────────────────────────────


def test_grading_imports_nothing_from_maintainer():
    for path in sorted((ROOT / "grading").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(name.split(".")[0] == "maintainer" for name in names), f"{path.name} imports {names}"
