"""Shared fixtures for the maintainers' checks.

These checks never read the learner's working copy of exercises/: they generate a fresh stub
tree into a temporary folder and run the specs against that, so a learner who fills in stubs
never turns `uv run pytest` red.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from maintainer import generate_exercises

ROOT = Path(__file__).resolve().parent.parent


def run_specs(tree: Path | str, *arguments: str, results: Path) -> list[dict]:
    """Run the default (non-slow) specs in a subprocess against a tree; return their records."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "spec_tests",
        "-q",
        "--tb=line",
        "--tree",
        str(tree),
        "--results-json",
        str(results),
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        *arguments,
    ]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if not results.exists():
        raise AssertionError(f"the spec run wrote no results:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return json.loads(results.read_text())


@pytest.fixture(scope="session")
def stub_tree(tmp_path_factory) -> Path:
    """A freshly generated stub tree: <tmp>/policywerk/…"""
    folder = tmp_path_factory.mktemp("stub_tree")
    generate_exercises.generate(folder)
    return folder


@pytest.fixture(scope="session")
def stub_results(stub_tree, tmp_path_factory) -> list[dict]:
    """One record per spec, from running every non-slow spec against the fresh stubs."""
    return run_specs(stub_tree, results=tmp_path_factory.mktemp("stub_run") / "results.json")


@pytest.fixture(scope="session")
def exercises() -> list[generate_exercises.Exercise]:
    return generate_exercises.all_exercises()
