"""A learner who follows the grader never meets a spec that blames a correct exercise: every spec
passes, or waits for an exercise of its own, with the exercises after its first mark unwritten
(maintainer/in_order.py). And the grader counts a waiting spec as waiting, not as a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grading.progress import ModuleStatus
from grading.runner import SpecResult
from maintainer import in_order

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["toy.m.a", "toy.m.b", "toy.m.c", "toy.n.d"]  # a toy curriculum: module toy.m, then toy.n


# It runs every default spec once against the reference: a whole-tree check, so -m slow (CI).
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_every_spec_passes_with_the_exercises_after_its_first_mark_unwritten():
    failing = in_order.failing_in_order(["spec_tests"])
    assert not failing, "specs that depend on a later exercise they are not marked with:\n" + "\n".join(
        f"  {nodeid}\n      {message}" for nodeid, message in failing
    )


def test_a_marked_spec_has_every_exercise_after_its_first_mark_unwritten():
    assert in_order.later_exercises(ORDER, ["toy.m.b"], "toy.m") == ["toy.m.c", "toy.n.d"]
    assert in_order.later_exercises(ORDER, ["toy.m.c", "toy.m.a"], "toy.m") == ["toy.m.b", "toy.m.c", "toy.n.d"]


def test_a_spec_of_given_code_has_its_whole_module_and_what_follows_unwritten():
    assert in_order.later_exercises(ORDER, [], "toy.m") == ORDER
    assert in_order.later_exercises(ORDER, [], "toy.n") == ["toy.n.d"]
    assert in_order.later_exercises(ORDER, [], None) == []


def test_a_spec_file_names_its_module():
    assert in_order.spec_module("spec_tests/actors/test_dqn.py::test_x[1]") == "actors.dqn"
    assert in_order.spec_module("spec_tests/test_harness.py::test_x") is None


def test_an_unwritten_exercise_raises_as_a_stub_does_and_comes_back_after():
    """The check cannot pass vacuously: inside it, the exercise really raises; a method that
    calls super() (a free variable, __class__) is unwritten too."""
    program = """
import treepath; treepath.use_tree("solutions")
from policywerk.primitives import vector
from policywerk.world import catcher
from maintainer.in_order import unwritten
said = []
with unwritten(["primitives.vector.add", "world.catcher.Catcher._reset"]):
    for call in (lambda: vector.add([1.0], [2.0]), lambda: catcher.Catcher().reset(seed=0)):
        try:
            call()
        except NotImplementedError as error:
            said.append(str(error).split(" is ")[0])
print(said, vector.add([1.0], [2.0]), catcher.Catcher().reset(seed=0)[1])
"""
    completed = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True)
    assert completed.stdout.strip() == "['primitives.vector.add', 'world.catcher.Catcher._reset'] [3.0] {}", (
        completed.stderr
    )


def status_of(message: str, outcome: str = "failed") -> ModuleStatus:
    """A module whose one spec is aimed at forward and backward, with that spec's outcome."""
    node = "spec_tests/building_blocks/test_x.py::test_round_trip"
    marks = ["x.forward", "x.backward"]
    return ModuleStatus("x", expected={node: marks}, specs=[SpecResult(node, outcome, marks, message)])


def test_a_spec_failing_on_another_of_its_own_stubs_waits_and_the_first_exercise_is_done():
    status = status_of("NotImplementedError: x.backward is not written yet: replace this raise")
    assert status.exercise_done("x.forward") and status.waiting("x.forward") == ["x.backward"]
    assert not status.exercise_done("x.backward") and status.failing("x.backward")
    assert not status.complete  # the module passes only when the spec itself passes


@pytest.mark.parametrize(
    "message",
    [
        "NotImplementedError: x.forward is not written yet: replace this raise",  # its own stub
        "NotImplementedError: y.other is not written yet: replace this raise",  # not one of its exercises
        "AssertionError: the gradient is wrong",
    ],
    ids=["own-stub", "unmarked-stub", "wrong-answer"],
)
def test_any_other_failure_is_a_failure_of_every_exercise_it_is_aimed_at(message):
    status = status_of(message)
    assert not status.exercise_done("x.forward") and status.failing("x.forward")
    assert status.waiting("x.forward") == []
