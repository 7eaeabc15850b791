"""The bench's own plumbing: the options it passes on to another interpreter, the lessons it
can be asked for, and what a run row reads from a process (the timings themselves are reported
by maintainer/bench.py, never asserted)."""

import sys
from pathlib import Path

import pytest

from maintainer import bench


def test_another_interpreter_gets_every_option_but_the_interpreter_and_its_environment():
    arguments = ["--python", "/x/python3.13", "--lessons", "01", "04", "--env=/tmp/e", "--quick"]
    assert bench._without_options(arguments, {"--python", "--env"}) == ["--lessons", "01", "04", "--quick"]


def test_an_unknown_lesson_is_refused_naming_it_and_the_lessons_there_are():
    with pytest.raises(SystemExit) as refusal:
        bench.chosen_lessons(["01", "99"])
    assert "99" in str(refusal.value) and "07" in str(refusal.value)


def test_without_lesson_numbers_every_ready_lesson_is_chosen_in_order():
    assert list(bench.chosen_lessons(None)) == ["01", "02", "03", "04", "05", "06", "07"]


def test_a_run_row_keeps_the_exit_status_and_the_last_result_line():
    script = "print('Result: first'); print('noise'); print('Result: last'); raise SystemExit(3)"
    run = bench.timed_run("toy", [sys.executable, "-c", script], Path.cwd())
    assert (run.name, run.status, run.result) == ("toy", 3, "Result: last")
    assert run.wall > 0 and run.cpu >= 0 and run.peak > 0


def test_an_interpreter_that_is_not_a_file_is_refused_naming_it(tmp_path):
    missing = tmp_path / "python9"
    with pytest.raises(SystemExit) as refusal:
        bench.interpreter_environment(missing, None)
    assert str(missing) in str(refusal.value)
