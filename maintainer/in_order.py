"""Prove that every spec passes once the learner has written the exercises the grader leads to
before it, and none after.

The grader sends a learner through the exercises in curriculum order (curriculum.toml) and calls
an exercise done when every spec marked with it passes. So a spec must be passable, or wait for
an exercise of its own, at the moment its first marked exercise is written:

- a spec whose first marked exercise is E may use E and any exercise before it (a backward
  spec may take its tape from forward, an earlier exercise of its module, without forward's
  marker: forward's own specs judge forward);
- after E, it may use only the exercises it is also marked with: while one of those is a stub,
  the grader counts the spec as waiting for it, and E as done (grading/progress.py). Using an
  unmarked later exercise would have a learner who wrote E correctly told that E fails, and
  kept at E;
- a spec with no marker (given code) must pass with every exercise of its own module and after
  it unwritten: nothing but given code and earlier modules decides its outcome, so no correct
  variant of an exercise can break it.

This command runs the (non-slow) specs once against the reference. For each spec, every
exercise after its first mark in the curriculum becomes a stub that raises NotImplementedError,
as the learner's unwritten stubs do (its code object is replaced for that one spec's call, as
maintainer/trivial_answers.py does). Every spec must pass, or wait for one of its own exercises.

    uv run python maintainer/in_order.py                    # every layer
    uv run python maintainer/in_order.py spec_tests/actors

Exit status 1 and a list of the specs that depend on a later exercise. Loaded into pytest as a
plugin (`-p maintainer.in_order --in-order`). Only a spec's call is checked, not its fixtures.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, the repository's packages are not on the path
from grading import manifest  # noqa: E402
from grading.progress import UNWRITTEN  # noqa: E402
from maintainer.trivial_answers import resolve_exercise  # noqa: E402


def unwritten_code(function, name: str):
    """A code object with `function`'s parameters whose body raises as an unwritten stub does."""
    signature = inspect.signature(function)
    bare = [p.replace(default=p.empty, annotation=p.empty) for p in signature.parameters.values()]
    header = signature.replace(parameters=bare, return_annotation=signature.empty)
    free = function.__code__.co_freevars  # e.g. __class__ for a method that calls super()
    # A function's code can only be swapped for code with the same free variables: the stub is
    # made inside a closure that has them, and names them in a branch that never runs.
    source = (
        "def outer():\n"
        + "".join(f"    {variable} = None\n" for variable in free)
        + f"    def unwritten{header}:\n"
        + (f"        if False:\n            print({', '.join(free)})\n" if free else "")
        + f"        raise NotImplementedError({name + ' is not written yet (in-order check)'!r})\n"
        + "    return unwritten\n"
    )
    namespace: dict = {}
    exec(source, namespace)
    code = namespace["outer"]().__code__
    assert code.co_freevars == free, f"{name}: free variables {code.co_freevars} against {free}"
    return code


def later_exercises(order: list[str], marks: list[str], spec_module: str | None) -> list[str]:
    """The exercises a learner has not written yet when this spec should pass.

    A marked spec: every exercise after the first of its marks (the grader calls that one done
    only when this spec passes). An unmarked spec of a module: that module's exercises and every
    one after them. An unmarked spec of no module: none."""
    if marks:
        first = min(order.index(name) for name in marks)
        return order[first + 1 :]
    first = next((index for index, name in enumerate(order) if manifest.module_of(name) == spec_module), None)
    return order[first:] if first is not None else []


@contextmanager
def unwritten(names: list[str]):
    """Turn the named exercises into stubs that raise, then restore them."""
    originals = []
    try:
        for name in names:
            function = resolve_exercise(name)
            originals.append((function, function.__code__))
            function.__code__ = unwritten_code(function, name)
        yield
    finally:
        for function, code in reversed(originals):
            function.__code__ = code


def spec_module(nodeid: str) -> str | None:
    """'spec_tests/actors/test_dqn.py::…' -> 'actors.dqn' (None outside a layer's folder)."""
    parts = nodeid.split("::")[0].split("/")
    if len(parts) != 3 or not parts[2].startswith("test_"):
        return None
    return f"{parts[1]}.{parts[2][len('test_') : -len('.py')]}"


def pytest_addoption(parser):
    parser.addoption("--in-order", action="store_true", help="unwrite every exercise after each spec's own")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not item.config.getoption("--in-order"):
        yield
        return
    order = manifest.load().exercises
    marks = [name for marker in item.iter_markers("exercise") for name in marker.args]
    with unwritten(later_exercises(order, marks, spec_module(item.nodeid))):
        yield


def failing_in_order(paths: list[str]) -> list[tuple[str, str]]:
    """(spec, its failure's last line) for every spec that fails with the later exercises unwritten."""
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *paths,
            "-q",
            "--tb=line",
            "-p",
            "maintainer.in_order",
            "--in-order",
            "--tree",
            "solutions",
            "--results-json",
            str(results),
            "-o",
            "addopts=-m 'not slow and not heavy' -p no:cacheprovider",
            "--timeout",
            "60",
        ]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if not results.exists():
            raise RuntimeError(f"the in-order run wrote no results: {' '.join(command)}\n{completed.stdout[-2000:]}")
        records = json.loads(results.read_text())
    return [(r["nodeid"], r["message"]) for r in records if r["outcome"] not in ("passed", "skipped") and not waits(r)]


def waits(record: dict) -> bool:
    """Whether a spec failed only because another exercise it is aimed at is not written yet:
    the grader counts it as waiting for that exercise (grading/progress.py), not as failing."""
    found = UNWRITTEN.search(record["message"])
    return record["outcome"] == "failed" and found is not None and found[1] in record["exercises"]


def main(argv: list[str]) -> int:
    paths = argv or ["spec_tests"]
    failing = failing_in_order(paths)
    for nodeid, message in failing:
        print(f"{nodeid}\n    {message}")
    if failing:
        print(f"{len(failing)} specs depend on an exercise after their own in the curriculum")
        return 1
    print(f"every spec under {' '.join(paths)} passes with the exercises after its own unwritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
