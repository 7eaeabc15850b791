"""Every exercise spec fails when its exercise returns a trivial answer, not only on the stub."""

import subprocess
import sys
from pathlib import Path

import pytest

from maintainer import trivial_answers

ROOT = Path(__file__).resolve().parent.parent


# It runs the exercise specs once per trivial answer, the longest single check of the repository:
# it runs with -m slow (in CI), and gets more than the suite's default 60 s for a busy machine.
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_no_exercise_spec_passes_on_none_zero_or_its_first_argument():
    offenders = trivial_answers.passing_on_trivial_answers(["spec_tests"])
    assert not offenders, "specs that pass on a trivial answer:\n" + "\n".join(f"  {v}: {n}" for v, n in offenders)


def test_the_swap_gives_each_trivial_answer_and_restores_the_body():
    """The check above cannot pass vacuously: the swap really changes what the exercise returns."""
    program = """
import treepath; treepath.use_tree("solutions")
from policywerk.primitives import vector, random
from maintainer.trivial_answers import swapped
answers = []
for variant in ("none", "zero", "first"):
    with swapped(["primitives.vector.dot", "primitives.random.Rng.uniform"], variant):
        answers.append((vector.dot([1.0, 2.0], [3.0, 4.0]), random.Rng(0).uniform(2.0, 3.0)))
answers.append((vector.dot([1.0, 2.0], [3.0, 4.0]), 2.0 <= random.Rng(0).uniform(2.0, 3.0) < 3.0))
print(answers)
"""
    completed = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True)
    assert completed.stdout.strip() == "[(None, None), (0.0, 0.0), ([1.0, 2.0], 2.0), (11.0, True)]", completed.stderr
