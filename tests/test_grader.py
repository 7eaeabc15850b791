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
import importlib.util
import json
import marshal
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest

from maintainer.generate_exercises import generate

ROOT = Path(__file__).resolve().parent.parent
NEEDED = ["grader.py", "grading", "treepath.py", "maintainer", "curriculum.toml", "pyproject.toml",
          "spec_tests", "solutions", "lessons", "examples"]  # fmt: skip
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache")
SCALAR = "exercises/policywerk/primitives/scalar.py"  # the learner's file every case breaks
VECTOR = "exercises/policywerk/primitives/vector.py"  # where a new learner starts (lesson 01 needs it)
TRACEBACK = "Traceback (most recent call last)"
TIME_LIMIT = "2"  # seconds, for an import and for one spec


def _scalar_specs() -> list[str]:
    """The node ids of primitives.scalar's default specs, in the order they run (from collection,
    so the counts below follow the spec file as it grows)."""
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "spec_tests/primitives/test_scalar.py", "-n", "0",
         "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    return [line for line in listed.stdout.splitlines() if "::" in line]


SCALAR_SPECS = _scalar_specs()
TOTAL = len(SCALAR_SPECS)  # every spec of primitives.scalar
# A run cut short in lerp's first spec leaves that spec and every later one not run.
AFTER_LERP = TOTAL - next(index for index, node in enumerate(SCALAR_SPECS) if "lerp" in node)
BESIDES_CLIP = TOTAL - sum("clip" in node for node in SCALAR_SPECS)  # what deselecting all but clip leaves unrun


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
    others expect intact: only vector.zeros is ever written, actors/bellman.py broken, and
    scalar.py broken and put back.
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


def learner_file(copy: Path, name: str = SCALAR) -> Path:
    return copy / name


def write_body(copy: Path, function: str, body: str, name: str = SCALAR) -> str:
    """Replace a function's body (what follows its docstring) in a learner file; return the new text."""
    path = learner_file(copy, name)
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


# ── honest outcomes: only a spec that ran and passed is a pass ───────────────────────────

# A correct scalar.py whose lerp body does something other than fail. Each: the body, and
# what check must say about it ({at}: the body's last line; {lerp}: lerp's def line).
NOT_A_PASS = {
    "KeyboardInterrupt": ("raise KeyboardInterrupt", f"{AFTER_LERP} specs did not run: the run stopped at {{at}} with KeyboardInterrupt"),
    "pytest.exit": ("import pytest\npytest.exit('enough')", f"{AFTER_LERP} specs did not run: the run stopped at {{at}} with pytest.exit (enough)"),
    "os._exit": ("import os\nos._exit(3)", f"{AFTER_LERP} specs did not run: the run ended at {{at}}: os._exit(3) ends the Python process"),
    "SIGKILL": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        f"{AFTER_LERP} specs did not run: the Python process running the specs died during test_lerp_",
    ),
    "pytest.skip": ("import pytest\npytest.skip('later')", "was skipped at {at} (Skipped: later): that is not a pass"),
    "pytest.xfail": ("import pytest\npytest.xfail('later')", "was marked as an expected failure (xfail) at {at} (later): that is not a pass"),
    "sys.exit": ("import sys\nsys.exit(2)", "at {at}\n        SystemExit: 2"),
}
CUT_SHORT = ["KeyboardInterrupt", "pytest.exit", "os._exit", "SIGKILL"]


def correct_scalar_but_lerp(copy: Path, body: str) -> dict[str, str]:
    """The reference's scalar.py with lerp's body replaced; the lines to name in messages."""
    shutil.copy(copy / "solutions/policywerk/primitives/scalar.py", learner_file(copy))
    text = write_body(copy, "lerp", body)
    last = body.splitlines()[-1]
    return {
        "at": f"{SCALAR}:{line_of(text, last)}",
        "lerp": f"{SCALAR}:{line_of(text, 'def lerp(start: float, end: float, fraction: float) -> float:')}",
    }


@pytest.mark.parametrize("case", list(NOT_A_PASS))
def test_a_body_that_does_not_fail_is_still_not_a_pass_and_check_says_where(repo, case):
    body, said = NOT_A_PASS[case]
    lines = correct_scalar_but_lerp(repo, body)
    checked = grader(repo, "check", "primitives.scalar")
    output = handled(checked, said.format(**lines))
    assert checked.returncode == 1
    assert "All of primitives.scalar passes" not in output
    assert re.search(rf"^primitives\.scalar: \d+ of {TOTAL} specs pass", output, re.M), output  # the total from collection
    assert exercise_counts(output, "lerp")[:2] == ("✗", 0)
    if case == "SIGKILL":  # nothing said where: the spec's exercise is named instead
        assert f"a spec of primitives.scalar.lerp, {lines['lerp']}" in output


@pytest.mark.parametrize("case", CUT_SHORT)
def test_a_run_cut_short_is_never_cached(repo, case):
    correct_scalar_but_lerp(repo, NOT_A_PASS[case][0])
    output = handled(grader(repo, "check", "primitives.scalar"), "Nothing of this run is kept")
    progress = json.loads((repo / ".policywerk" / "progress.json").read_text())
    assert all("primitives.scalar" not in entries for entries in progress["trees"].values()), output


@pytest.mark.parametrize("case", ["pytest.skip", "pytest.xfail"])
def test_a_cached_skip_or_xfail_is_still_not_a_pass(repo, case):
    correct_scalar_but_lerp(repo, NOT_A_PASS[case][0])
    handled(grader(repo, "check", "primitives.scalar"))
    # compare reads the cached status: lerp stays hidden as not passed
    output = handled(grader(repo, "compare", "primitives.scalar"))
    assert "not passed yet (0/3)" in output.split("── primitives.scalar.lerp")[1].split("── primitives.scalar.linear")[0]


def test_options_from_the_learners_shell_cannot_deselect_specs(repo):
    correct_scalar_but_lerp(repo, "return 0.0")
    environment = dict(os.environ, PYTEST_ADDOPTS="-k clip", POLICYWERK_IMPORT_TIME_LIMIT=TIME_LIMIT)
    checked = subprocess.run(
        [sys.executable, "grader.py", "check", "primitives.scalar"],
        cwd=repo, capture_output=True, text=True, timeout=60, env=environment,
    )  # fmt: skip
    output = handled(checked)
    assert exercise_counts(output, "lerp")[0] == "✗" and checked.returncode == 1, output


def test_a_conftest_at_the_repository_root_cannot_deselect_specs(repo):
    correct_scalar_but_lerp(repo, "return 0.0")
    (repo / "conftest.py").write_text(
        "def pytest_collection_modifyitems(config, items):\n"
        "    items[:] = [item for item in items if 'clip' in item.nodeid]\n"
    )
    checked = grader(repo, "check", "primitives.scalar")
    output = handled(checked)
    assert exercise_counts(output, "lerp")[0] == "✗" and checked.returncode == 1, output


def test_learner_code_that_deselects_specs_from_inside_pytest_leaves_them_not_run(repo):
    shutil.copy(repo / "solutions/policywerk/primitives/scalar.py", learner_file(repo))
    write_module_code(
        repo,
        """
        import gc, sys
        if "_pytest.config" in sys.modules:
            class _Hide:
                def pytest_collection_modifyitems(self, items):
                    items[:] = [item for item in items if "clip" in item.nodeid]
            for _found in gc.get_objects():
                if type(_found).__name__ == "Config" and hasattr(_found, "pluginmanager"):
                    _found.pluginmanager.register(_Hide())
                    break
        """,
    )
    checked = grader(repo, "check", "primitives.scalar")
    output = handled(checked, f"{BESIDES_CLIP} specs did not run")
    assert "All of primitives.scalar passes" not in output and checked.returncode == 1, output


def test_ctrl_c_during_check_ends_cleanly_and_records_nothing(repo):
    correct_scalar_but_lerp(repo, "import time\ntime.sleep(60)")
    process = subprocess.Popen(
        [sys.executable, "grader.py", "check", "primitives.scalar"], cwd=repo, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    time.sleep(5)  # into the sleeping spec (the import probe and the first specs take about a second)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the grader and its pytest alike
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 130, output
    assert "Stopped (Ctrl-C): nothing from the interrupted run was recorded." in output and TRACEBACK not in output
    progress = repo / ".policywerk" / "progress.json"
    trees = json.loads(progress.read_text()).get("trees", {}) if progress.exists() else {}
    assert all("primitives.scalar" not in entries for entries in trees.values())


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
        assert line[1] == "?" and f"{AFTER_LERP} specs did not run: the run stopped at {where} with KeyboardInterrupt" in line[0]
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


def test_bytecode_beside_a_learner_file_that_looks_current_is_never_run_in_its_place(repo):
    """A .pyc of other code in __pycache__, stamped with the learner's file's own mtime and size
    (what a second save within one second, at one size, leaves behind): Python would load it
    instead of the file. The grader runs the file as it is, the stubs, and nothing passes."""
    scalar = learner_file(repo)
    reference = compile((repo / "solutions/policywerk/primitives/scalar.py").read_text(), str(scalar), "exec")
    stat = scalar.stat()
    header = importlib.util.MAGIC_NUMBER + struct.pack("<III", 0, int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)
    pyc = Path(importlib.util.cache_from_source(str(scalar)))
    pyc.parent.mkdir(parents=True, exist_ok=True)
    pyc.write_bytes(header + marshal.dumps(reference))
    output = handled(grader(repo, "check", "primitives.scalar"), status=(1,))
    assert f"primitives.scalar: 0 of {TOTAL} specs pass" in output


# ── watch ────────────────────────────────────────────────────────────────────────────────


def test_watch_rechecks_on_save_and_quits_on_q(repo):
    """`watch` re-runs the edited module's specs when its file is saved (scalar.py, though it
    starts on the module the status leads to), and `q` ends it."""
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
        assert "✗ zeros" in first and TRACEBACK not in first  # where the status leads a new learner
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
    [((), None, "You reached the bar."), ((), "1e-20", "You did not reach the bar yet."),
     (("--quick",), None, "A --quick run is too short to be judged against the bar")],
    ids=["reached", "missed", "quick"],
)  # fmt: skip
def test_a_lesson_run_prints_its_result_beside_the_references_and_whether_it_reached_the_bar(lesson_01_ready, arguments, bar, verdict):
    script = lesson_01_ready / "lessons/01_bellman.py"
    original = script.read_text()
    if bar:  # a bar no run reaches: the learner's error (1.1e-16, rounding) stays above it
        script.write_text(original.replace("\nRESULT_BAR = 1e-5\n", f"\nRESULT_BAR = {bar}\n"))
        assert script.read_text() != original
    try:
        ran = grader(lesson_01_ready, "lesson", "01", *arguments)
    finally:
        script.write_text(original)
    output = handled(ran, "Borrowed from the reference for this run: primitives.vector, primitives.activations", status=(0,))
    assert re.search(rf"^Your result: {re.escape(RESULT_01)}: \S+$", output, re.M), output
    assert re.search(rf"^The reference's: {re.escape(RESULT_01)}: \S+ \(examples/01_bellman/01_bellman_trace.json\)$", output, re.M), output
    assert f"The bar: {bar or '1e-05'} (lower is better); the reference measured" in output
    assert verdict in output
    others = {"You reached the bar.", "You did not reach the bar yet.", "A --quick run is too short to be judged against the bar"} - {verdict}
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

    return kit.result_record("greedy normalised score", value, 0.8, True, "the reference measured 0.96 (seeds 0-2)", quick)


@pytest.mark.parametrize(
    ("value", "quick", "verdict"),
    [(0.9, False, "You reached the bar."), (0.5, False, "You did not reach the bar yet."),
     (0.9, True, "A --quick run is too short to be judged against the bar")],
    ids=["reached", "not-reached", "quick"],
)  # fmt: skip
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
