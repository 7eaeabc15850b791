"""The grader's robustness corpus: broken learner files, and a new learner's first steps.

Every test runs `grader.py` in a subprocess on its own copy of the repository with freshly
generated stubs (never the real exercises/), breaks primitives/scalar.py the way a learner
might, and checks what the grader says: no traceback of its own, the learner's file and line,
and an ordinary exit status (0 or 1; 2 for a name that does not exist).

Time limits are short here (2 s) through the environment variables grading/runner.py reads.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from maintainer.generate_exercises import generate

ROOT = Path(__file__).resolve().parent.parent
NEEDED = ["grader.py", "grading", "treepath.py", "maintainer", "curriculum.toml", "pyproject.toml",
          "spec_tests", "solutions", "lessons", "examples"]  # fmt: skip
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache")
SCALAR = "exercises/policywerk/primitives/scalar.py"  # the learner's file every case breaks
TRACEBACK = "Traceback (most recent call last)"
TIME_LIMIT = "2"  # seconds, for an import and for one spec


# ── the repository copies ────────────────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """What the grader needs, copied once, with freshly generated stubs in its exercises/."""
    folder = tmp_path_factory.mktemp("template") / "policywerk-repo"
    folder.mkdir()
    for name in NEEDED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, folder / name)
    generate(folder / "exercises", source_tree=folder / "solutions")
    return folder


@pytest.fixture
def repo(template, tmp_path) -> Path:
    """This test's own copy of the template: a fresh clone, its .policywerk/ cache empty."""
    copy = tmp_path / "clone"
    shutil.copytree(template, copy, ignore=IGNORED)
    assert not (copy / ".policywerk").exists()
    return copy


@pytest.fixture(scope="module")
def new_learner(template, tmp_path_factory) -> tuple[Path, str]:
    """A fresh clone after its first `grader.py` (the slow full run), and what that printed.

    Shared by the status tests to run the whole spec suite once. Each of them leaves what the
    others expect intact: only scalar.clip is ever written, and only actors/bellman.py broken.
    """
    copy = tmp_path_factory.mktemp("new_learner") / "clone"
    shutil.copytree(template, copy, ignore=IGNORED)
    first = grader(copy)
    assert first.returncode == 0, first.stdout + first.stderr
    return copy, first.stdout


@pytest.fixture(scope="module", autouse=True)
def real_exercises_untouched():
    """No test may touch the learner's real exercises/ or the real grader's state."""
    before = fingerprint(ROOT / "exercises"), fingerprint(ROOT / ".policywerk")
    yield
    assert (fingerprint(ROOT / "exercises"), fingerprint(ROOT / ".policywerk")) == before


def fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


# ── running the grader and editing the learner's file ────────────────────────────────────


def grader(copy: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, POLICYWERK_IMPORT_TIME_LIMIT=TIME_LIMIT, POLICYWERK_SPEC_TIME_LIMIT=TIME_LIMIT)
    environment.pop("POLICYWERK_TREE", None)  # the grader picks its tree from --tree alone
    return subprocess.run(
        [sys.executable, "grader.py", *arguments],
        cwd=copy, capture_output=True, text=True, timeout=60, env=environment,
    )  # fmt: skip


def handled(result: subprocess.CompletedProcess, *expected: str, status: tuple[int, ...] = (0, 1)) -> str:
    """The grader's output, after checking it coped: its exit status, no traceback, each expected text."""
    output = result.stdout + result.stderr
    assert result.returncode in status, output
    assert TRACEBACK not in output, output
    for text in expected:
        assert text in output, f"{text!r} is not in:\n{output}"
    return output


def learner_file(copy: Path) -> Path:
    return copy / SCALAR


def write_body(copy: Path, function: str, body: str) -> str:
    """Replace a function's body (what follows its docstring) in scalar.py; return the new text."""
    path = learner_file(copy)
    lines = path.read_text().splitlines(keepends=True)
    node = next(n for n in ast.parse("".join(lines)).body if isinstance(n, ast.FunctionDef) and n.name == function)
    new_body = textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    lines[node.body[0].end_lineno : node.end_lineno] = [new_body]
    path.write_text("".join(lines))
    return path.read_text()


def write_module_code(copy: Path, code: str) -> str:
    """Put code at module level in scalar.py, right after its docstring; return the new text."""
    path = learner_file(copy)
    lines = path.read_text().splitlines(keepends=True)
    docstring_end = ast.parse("".join(lines)).body[0].end_lineno
    lines[docstring_end:docstring_end] = ["\n", textwrap.dedent(code).strip() + "\n"]
    path.write_text("".join(lines))
    return path.read_text()


def line_of(text: str, line: str) -> int:
    """The 1-based number of the first line of text that reads `line` (indentation aside)."""
    return [number for number, each in enumerate(text.splitlines(), start=1) if each.strip() == line.strip()][0]


def exercise_counts(output: str, exercise: str) -> tuple[str, int, int]:
    """From `check`'s table: ('✓' or '✗', passed, total) of one exercise."""
    found = re.search(rf"^\s+([✓✗]) {exercise}\s+(\d+)/(\d+)", output, re.M)
    assert found, f"no line for {exercise} in:\n{output}"
    return found[1], int(found[2]), int(found[3])


# ── code that does not import ────────────────────────────────────────────────────────────


def test_a_syntax_error_is_reported_at_its_file_and_line(repo):
    text = write_body(repo, "clip", "return x +")
    output = handled(
        grader(repo, "check", "primitives.scalar"), f"{SCALAR}:{line_of(text, 'return x +')}: SyntaxError"
    )
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


# ── a new learner's first steps, and the status cache ────────────────────────────────────


def test_a_fresh_clone_names_clip_as_the_next_exercise_with_its_file_and_line(new_learner, template):
    _, first_status = new_learner
    stub = learner_file(template).read_text()
    assert "Next exercise: primitives.scalar.clip" in first_status
    assert f"{SCALAR}:{line_of(stub, 'def clip(x: float, low: float, high: float) -> float:')}\n" in first_status
    assert "uv run python grader.py check primitives.scalar" in first_status
    assert TRACEBACK not in first_status


def test_a_new_learner_fills_in_clip_sees_it_pass_and_the_status_move_on(new_learner):
    repo, _ = new_learner
    text = write_body(
        repo,
        "clip",
        """
        if low > high:
            raise ValueError(f"clip: the interval is empty, low={low} > high={high}")
        return max(low, min(x, high))
        """,
    )
    checked = grader(repo, "check", "primitives.scalar")
    output = handled(checked)
    assert checked.returncode == 1  # the module's other exercises still fail
    mark, passed, total = exercise_counts(output, "clip")
    assert mark == "✓" and passed == total > 0, output
    assert f"Next: primitives.scalar.sign at {SCALAR}:{line_of(text, 'def sign(x: float) -> float:')}\n" in output

    status = handled(grader(repo))
    assert "Next exercise: primitives.scalar.sign" in status
    assert f"{SCALAR}:{line_of(text, 'def sign(x: float) -> float:')}\n" in status


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
    """`watch` re-runs the edited module's specs when its file is saved, and `q` ends it."""
    import queue
    import threading

    environment = dict(os.environ, POLICYWERK_IMPORT_TIME_LIMIT=TIME_LIMIT, POLICYWERK_SPEC_TIME_LIMIT=TIME_LIMIT)
    environment.pop("POLICYWERK_TREE", None)
    process = subprocess.Popen(
        [sys.executable, "grader.py", "watch"], cwd=repo, env=environment, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def read_until(text: str, seconds: float = 60.0) -> str:
        seen = ""
        while text not in seen:
            seen += lines.get(timeout=seconds)
        return seen

    try:
        first = read_until("watching")
        assert "✗ clip" in first and TRACEBACK not in first
        write_body(repo, "clip", """
            if low > high:
                raise ValueError(f"clip: low={low} > high={high}")
            return max(low, min(x, high))
        """)
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
    shown = handled(grader(repo, "compare", "primitives.scalar", "--force"), "the reference:")
    assert "def clip(" in shown
