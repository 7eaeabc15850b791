"""Honest outcomes: only a spec that ran and passed is a pass, whatever the learner's code does
to the run (stopping it, skipping, deselecting, ending the process)."""

from __future__ import annotations

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
import time
from pathlib import Path

import pytest
from harness import (
    AFTER_LERP,
    BESIDES_CLIP,
    SCALAR,
    TIME_LIMIT,
    TOTAL,
    TRACEBACK,
    exercise_counts,
    grader,
    handled,
    learner_file,
    line_of,
    write_body,
    write_module_code,
)

# ── honest outcomes: only a spec that ran and passed is a pass ───────────────────────────

# A correct scalar.py whose lerp body does something other than fail. Each: the body, and
# what check must say about it ({at}: the body's last line; {lerp}: lerp's def line).
NOT_A_PASS = {
    "KeyboardInterrupt": (
        "raise KeyboardInterrupt",
        f"{AFTER_LERP} specs did not run: the run stopped at {{at}} with KeyboardInterrupt",
    ),
    "pytest.exit": (
        "import pytest\npytest.exit('enough')",
        f"{AFTER_LERP} specs did not run: the run stopped at {{at}} with pytest.exit (enough)",
    ),
    "os._exit": (
        "import os\nos._exit(3)",
        f"{AFTER_LERP} specs did not run: the run ended at {{at}}: os._exit(3) ends the Python process",
    ),
    "SIGKILL": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        f"{AFTER_LERP} specs did not run: the Python process running the specs died during test_lerp_",
    ),
    "pytest.skip": ("import pytest\npytest.skip('later')", "was skipped at {at} (Skipped: later): that is not a pass"),
    "pytest.xfail": (
        "import pytest\npytest.xfail('later')",
        "was marked as an expected failure (xfail) at {at} (later): that is not a pass",
    ),
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
    assert re.search(rf"^primitives\.scalar: \d+ of {TOTAL} specs pass", output, re.M), (
        output
    )  # the total from collection
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
    assert (
        "not passed yet (0/3)" in output.split("── primitives.scalar.lerp")[1].split("── primitives.scalar.linear")[0]
    )


def test_options_from_the_learners_shell_cannot_deselect_specs(repo):
    correct_scalar_but_lerp(repo, "return 0.0")
    environment = dict(os.environ, PYTEST_ADDOPTS="-k clip", POLICYWERK_IMPORT_TIME_LIMIT=TIME_LIMIT)
    checked = subprocess.run(
        [sys.executable, "grader.py", "check", "primitives.scalar"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
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
    started = repo / "lerp-started"  # the sleeping spec leaves it, so Ctrl-C comes while it sleeps
    correct_scalar_but_lerp(repo, f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(60)")
    process = subprocess.Popen(
        [sys.executable, "grader.py", "check", "primitives.scalar"],
        cwd=repo,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 25  # on a loaded machine the import probe and the first specs take a while
    while not started.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), "the sleeping spec never started"
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the grader and its pytest alike
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 130, output
    assert "Stopped (Ctrl-C): nothing from the interrupted run was recorded." in output and TRACEBACK not in output
    progress = repo / ".policywerk" / "progress.json"
    trees = json.loads(progress.read_text()).get("trees", {}) if progress.exists() else {}
    assert all("primitives.scalar" not in entries for entries in trees.values())


def test_bytecode_beside_a_learner_file_that_looks_current_is_never_run_in_its_place(repo):
    """A .pyc of other code in __pycache__, stamped with the learner's file's own mtime and size
    (what a second save within one second, at one size, leaves behind): Python would load it
    instead of the file. The grader runs the file as it is, the stubs, and nothing passes."""
    scalar = learner_file(repo)
    reference = compile((repo / "solutions/policywerk/primitives/scalar.py").read_text(), str(scalar), "exec")
    stat = scalar.stat()
    header = importlib.util.MAGIC_NUMBER + struct.pack(
        "<III", 0, int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF
    )
    pyc = Path(importlib.util.cache_from_source(str(scalar)))
    pyc.parent.mkdir(parents=True, exist_ok=True)
    pyc.write_bytes(header + marshal.dumps(reference))
    output = handled(grader(repo, "check", "primitives.scalar"), status=(1,))
    assert f"primitives.scalar: 0 of {TOTAL} specs pass" in output
