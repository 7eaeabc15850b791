"""The worked examples in the reference's docstrings are true (they are the learner's task text)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """
import doctest, importlib, sys
from maintainer.generate_exercises import module_name, reference_modules
import treepath
treepath.use_tree("solutions")
failed = 0
for path in reference_modules():
    name = module_name(path)
    module = importlib.import_module("policywerk." + name if name else "policywerk")
    failed += doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed
sys.exit(1 if failed else 0)
"""


def test_every_docstring_example_of_the_reference_holds():
    # A subprocess, so the doctests import the reference whatever tree this session selected.
    completed = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
