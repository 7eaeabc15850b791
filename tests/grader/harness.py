"""What the grader's robustness corpus shares: the repository copy's constants and the helpers
that run `grader.py` and edit the learner's file. The fixtures are in conftest.py beside it.

Every test runs `grader.py` in a subprocess on its own copy of the repository with freshly
generated stubs (never the real exercises/), breaks a learner file the way a learner might,
and checks what the grader says: no traceback of its own, the learner's file and line, and an
ordinary exit status (0 or 1; 2 for a name that does not exist).

Time limits are short here (2 s) through the environment variables grading/runner.py reads.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEEDED = [
    "grader.py",
    "grading",
    "treepath.py",
    "maintainer",
    "curriculum.toml",
    "pyproject.toml",
    "spec_tests",
    "solutions",
    "lessons",
    "examples",
]
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache")
SCALAR = "exercises/policywerk/primitives/scalar.py"  # the learner's file every case breaks
VECTOR = "exercises/policywerk/primitives/vector.py"  # where a new learner starts (lesson 01 needs it)
TRACEBACK = "Traceback (most recent call last)"
TIME_LIMIT = "2"  # seconds, for an import and for one spec


def _scalar_specs() -> list[str]:
    """The node ids of primitives.scalar's default specs, in the order they run (from collection,
    so the counts below follow the spec file as it grows)."""
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "spec_tests/primitives/test_scalar.py",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return [line for line in listed.stdout.splitlines() if "::" in line]


SCALAR_SPECS = _scalar_specs()
TOTAL = len(SCALAR_SPECS)  # every spec of primitives.scalar
# A run cut short in lerp's first spec leaves that spec and every later one not run.
AFTER_LERP = TOTAL - next(index for index, node in enumerate(SCALAR_SPECS) if "lerp" in node)
BESIDES_CLIP = TOTAL - sum("clip" in node for node in SCALAR_SPECS)  # what deselecting all but clip leaves unrun


# ── running the grader and editing the learner's file ────────────────────────────────────


def grader(copy: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, POLICYWERK_IMPORT_TIME_LIMIT=TIME_LIMIT, POLICYWERK_SPEC_TIME_LIMIT=TIME_LIMIT)
    environment.pop("POLICYWERK_TREE", None)  # the grader picks its tree from --tree alone
    return subprocess.run(
        [sys.executable, "grader.py", *arguments],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )


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
