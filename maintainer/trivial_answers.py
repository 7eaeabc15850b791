"""Prove that every exercise's specs fail on trivial answers, not only on the stubs.

A spec that passes when an exercise just returns None, 0.0, or its first argument (after
`self`) checks too little. This command runs the (non-slow) specs three times against the
reference, once per trivial answer; for each spec, only the exercises the spec is aimed at
are swapped for the trivial answer (their code object is replaced for the duration of that
one spec), so every other function keeps its reference body.

    uv run python maintainer/trivial_answers.py                    # every layer
    uv run python maintainer/trivial_answers.py spec_tests/primitives

Exit status 1 and a list of the offending specs when any spec passes on a trivial answer.
Loaded into pytest as a plugin (`-p maintainer.trivial_answers --trivial-answer none`).
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("none", "zero", "first")


def resolve_exercise(name: str):
    """The function object of an exercise: 'primitives.random.Rng.normal' -> Rng.normal."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module("policywerk." + ".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            target = getattr(target, attribute)
        return target
    raise LookupError(f"no exercise named {name}")


def trivial_code(function, variant: str):
    """A code object with the same parameters as `function` whose body is a trivial answer.

    Defaults stay on the function object, so the bare parameter list is all the code needs.
    """
    signature = inspect.signature(function)
    bare = [p.replace(default=p.empty, annotation=p.empty) for p in signature.parameters.values()]
    positional = [p.name for p in bare if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    answer = {"none": "None", "zero": "0.0", "first": positional[0] if positional else "None"}[variant]
    header = signature.replace(parameters=bare, return_annotation=signature.empty)
    namespace: dict = {}
    exec(f"def trivial{header}:\n    return {answer}\n", namespace)
    return namespace["trivial"].__code__


@contextmanager
def swapped(names: list[str], variant: str):
    """Replace the bodies of the named exercises with a trivial answer, then restore them."""
    originals = []
    try:
        for name in names:
            function = resolve_exercise(name)
            originals.append((function, function.__code__))
            function.__code__ = trivial_code(function, variant)
        yield
    finally:
        for function, code in reversed(originals):
            function.__code__ = code


def pytest_addoption(parser):
    parser.addoption(
        "--trivial-answer", choices=VARIANTS, default=None, help="swap each spec's exercises for this trivial answer"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    variant = item.config.getoption("--trivial-answer")
    names = [name for marker in item.iter_markers("exercise") for name in marker.args]
    if variant is None or not names:
        yield
        return
    with swapped(names, variant):
        yield


def run_variant(variant: str, paths: list[str]) -> list[dict]:
    """Run the specs once with one trivial answer; return the per-spec records."""
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
            "maintainer.trivial_answers",
            "--trivial-answer",
            variant,
            "--tree",
            "solutions",
            "--results-json",
            str(results),
            "-o",
            "addopts=-m 'not slow and not heavy' -p no:cacheprovider",
            "--timeout",
            "60",
        ]
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if not results.exists():
            raise RuntimeError(f"the spec run for the {variant!r} answer wrote no results: {' '.join(command)}")
        return json.loads(results.read_text())


def passing_on_trivial_answers(paths: list[str]) -> list[tuple[str, str]]:
    """(variant, spec) for every exercise spec that passes on a trivial answer."""
    # The three runs are independent subprocesses: let them share the machine's cores.
    with ThreadPoolExecutor(max_workers=len(VARIANTS)) as pool:
        runs = dict(zip(VARIANTS, pool.map(lambda variant: run_variant(variant, paths), VARIANTS)))
    return [
        (variant, record["nodeid"])
        for variant in VARIANTS
        for record in runs[variant]
        if record["exercises"] and record["outcome"] == "passed"
    ]


def main(argv: list[str]) -> int:
    paths = argv or ["spec_tests"]
    offenders = passing_on_trivial_answers(paths)
    for variant, nodeid in offenders:
        print(f"passes when its exercise returns {variant}: {nodeid}")
    if offenders:
        return 1
    print(f"every exercise spec under {' '.join(paths)} fails on each trivial answer ({', '.join(VARIANTS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
