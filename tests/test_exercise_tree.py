"""The stub tree: generated from the reference without drift, importable, and failing every spec."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from maintainer import generate_exercises

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_INPUTS = ["solutions", "maintainer/generate_exercises.py", "grading/stubs.py"]


def _git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _in_git_checkout() -> bool:
    try:
        return _git("rev-parse", "--show-toplevel").strip() == str(ROOT)
    except (OSError, subprocess.CalledProcessError):
        return False


def committed_stubs() -> dict[str, str]:
    """The stub files as the maintainers committed them: relative path -> text.

    In a git checkout the learner's own edits must not count, so read exercises/ from git at
    the last commit that changed the generator's inputs (a learner's commits, and merges of
    upstream updates into a learner's branch, do not change solutions/). While the
    generator's inputs have uncommitted changes, a maintainer is at work: compare with the
    working tree instead. Outside a checkout, the working tree is all there is.
    """
    if _in_git_checkout() and not _git("status", "--porcelain", "--", *GENERATOR_INPUTS).strip():
        commit = _git("log", "-1", "--format=%H", "--", *GENERATOR_INPUTS).strip()
        if commit:
            paths = _git("ls-tree", "-r", "--name-only", commit, "--", "exercises/policywerk").split()
            return {
                str(Path(path).relative_to("exercises")): _git("show", f"{commit}:{path}")
                for path in paths
                if path.endswith(".py")
            }
    folder = ROOT / "exercises"
    return {str(path.relative_to(folder)): path.read_text() for path in sorted((folder / "policywerk").rglob("*.py"))}


def test_generated_stubs_equal_the_committed_exercises(stub_tree):
    generated = {str(path.relative_to(stub_tree)): path.read_text() for path in sorted(stub_tree.rglob("*.py"))}
    committed = committed_stubs()
    assert sorted(generated) == sorted(committed), "files differ: run uv run python maintainer/generate_exercises.py"
    drifted = [path for path in generated if generated[path] != committed[path]]
    assert not drifted, (
        f"stubs drifted from the reference in {drifted}: run uv run python maintainer/generate_exercises.py"
    )


def test_every_module_of_the_pristine_stub_tree_imports_cleanly(stub_tree):
    names = [
        generate_exercises.module_name(path, stub_tree) for path in generate_exercises.reference_modules(stub_tree)
    ]
    modules = [f"policywerk.{name}" if name else "policywerk" for name in names]
    program = "import importlib\n" + "".join(f"importlib.import_module({module!r})\n" for module in modules)
    completed = subprocess.run([sys.executable, "-c", program], cwd=stub_tree, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_every_exercise_spec_fails_against_the_pristine_stubs(stub_results):
    exercise_specs = [record for record in stub_results if record["exercises"]]
    assert exercise_specs, "no exercise specs ran"
    passed = [record["nodeid"] for record in exercise_specs if record["outcome"] != "failed"]
    assert not passed, f"these specs do not fail on the stubs: {passed}"


def test_stub_failures_name_the_exercise_and_the_command_to_check_it(stub_results):
    failures = [record for record in stub_results if record["exercises"] and "NotImplementedError" in record["message"]]
    assert failures, "no spec failed with the stubs' NotImplementedError"
    for record in failures:
        assert "is not written yet" in record["message"] and "Check it with: uv run" in record["message"]


def test_specs_really_import_policywerk_from_the_tree_they_are_given(stub_results):
    [record] = [r for r in stub_results if r["nodeid"].endswith("test_policywerk_is_imported_from_the_selected_tree")]
    assert record["outcome"] == "passed", record["message"]


# Here rather than in test_manifest.py: it reads the same stub run, which is then made once.
def test_every_exercise_has_a_spec_and_every_spec_marker_names_a_real_exercise(exercises, stub_results):
    names = {exercise.name for exercise in exercises}
    marked = {name for record in stub_results for name in record["exercises"]}
    assert not names - marked, f"exercises without a spec: {sorted(names - marked)}"
    assert not marked - names, f"spec markers naming no exercise: {sorted(marked - names)}"


def test_a_spec_without_an_exercise_marker_does_not_depend_on_its_own_modules_exercises(stub_results):
    # A spec with no marker is a spec of given code, and `check` counts it for no exercise. If it
    # fails on the pristine stubs because an exercise of its own module is not written, its
    # outcome depends on that exercise (given code calling it, or a comparison with it): it must
    # carry the exercise's marker, so `check` counts it and the learner is pointed at the
    # exercise. (Exercises of lower modules are the learner's earlier work: no marker for them.)
    # This keeps out a given-code spec that a correct variant of an exercise could break.
    unmarked = [record for record in stub_results if not record["exercises"]]
    assert unmarked, "no spec of given code ran"
    depending = []
    for record in unmarked:
        found = re.search(r"NotImplementedError: ([\w.]+) is not written yet", record["message"])
        parts = record["nodeid"].split("::")[0].split("/")  # spec_tests/<layer>/test_<module>.py
        if len(parts) != 3:
            continue
        own = f"{parts[1]}.{parts[2][len('test_') : -len('.py')]}."
        if record["outcome"] == "failed" and found and found[1].startswith(own):
            depending.append(f"{record['nodeid']} runs {found[1]}")
    assert not depending, "specs without a marker that depend on their module's exercises:\n" + "\n".join(depending)
