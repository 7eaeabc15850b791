"""A pytest plugin the grader loads into its spec runs (`-p grading.spec_plugin`).

It writes one JSON line per event to the file named by $POLICYWERK_GRADER_EVENTS, flushed
at once, so the grader knows what happened even when the run does not end normally:

    {"collected": nodeid, "exercises": […]}          a spec the run holds (collection runs)
    {"collection_error": path, "message": …}          a spec file that did not collect
    {"started": nodeid, "exercises": […]}             a spec began
    {"spec": nodeid, "outcome": …, "exercises": […], "message": …, "location": …}
                                                      a spec ended: passed, failed, error,
                                                      skipped, xfailed or xpassed
    {"stopped": what, "message": …, "location": …}    the run was cut short (KeyboardInterrupt,
                                                      pytest.exit)
    {"ended": what, "location": …}                    the learner's code ended the process
    {"finished": exit status}                         pytest reached its end

A spec's "location" is the innermost line of the tested tree ($POLICYWERK_TREE) in its
traceback: the learner's own line.

When $POLICYWERK_NO_BYTECODE names a folder, no bytecode is written or read from the first
conftest on (pytest's own rewritten spec files aside, which are checked against their source):
the learner's code runs as it is on disk.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
import traceback
from pathlib import Path

import pytest

_events = None  # the open events file, once configured


def _write(event: dict) -> None:
    if _events is not None:
        _events.write(json.dumps(event) + "\n")
        _events.flush()


def _tree() -> str:
    return str(Path(os.environ.get("POLICYWERK_TREE", "solutions")).resolve())


@functools.cache
def _inside(tree: str, filename: str) -> bool:
    """Whether a frame's file lies in the tested tree (after symlinks, as Path.resolve sees it).

    Cached and done on strings: every failing spec walks a traceback of some twenty frames,
    nearly all in the same few pytest files, and pathlib's resolve and is_relative_to per
    frame cost more than the spec itself (twice as much on Python 3.13 as on 3.11).
    """
    real = os.path.realpath(filename)
    return real == tree or real.startswith(tree.rstrip(os.sep) + os.sep)


def _learner_line(frames: list[tuple[str, int]]) -> str | None:
    """'path:line' of the innermost frame inside the tested tree, if any."""
    tree = _tree()
    for filename, line in reversed(frames):
        if _inside(tree, filename):
            return f"{os.path.abspath(filename)}:{line}"
    return None


def _excinfo_line(excinfo) -> str | None:
    """The learner's line in a traceback, read from its raw frames (pytest's own traceback
    entries build a pathlib path per frame)."""
    frames, tb = [], excinfo.tb
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return _learner_line(frames)


def _exercises(item) -> list[str]:
    return [name for marker in item.iter_markers("exercise") for name in marker.args]


_bytecode_prefix = None  # sys.pycache_prefix as pytest was started with it
_nowhere = None  # the folder without bytecode that Python is sent to instead, once it is


def _keep_rewritten_specs(config) -> bool:
    """Let pytest keep its assertion-rewritten spec files between runs, and use no other bytecode.

    The grader's spec runs neither write nor read bytecode once the conftests load (see
    pytest_load_initial_conftests): a file saved twice within one second, at one size, looks
    unchanged to a timestamped .pyc. Without bytecode pytest also rewrites every spec file's
    asserts on every run, most of a collection's time. Its rewritten files are safe to keep:
    it checks each against a hash of the spec file's source (PEP 552's checked-hash form), so
    an edited spec is rewritten again. So bytecode is switched back on only from the moment
    pytest's hook starts loading a spec file until it has looked for that file's cached copy:
    pytest has by then decided where and whether to write it, and the spec file's own imports
    (the learner's code) run with bytecode off.

    Done only where this pytest's internals are the ones read here (the hook reads the flag
    and calls _read_pyc, its cached files are checked-hash); else every run rewrites, as before.
    Returns whether it is done.
    """
    try:
        from _pytest.assertion import rewrite

        hook = config.stash[rewrite.assertstate_key].hook
        written = io.BytesIO()
        rewrite._write_pyc_fp(written, b"\0" * 8, compile("", "<probe>", "exec"))
        names = type(hook).exec_module.__code__.co_names
    except Exception:  # another pytest, or assertion rewriting off (--assert=plain)
        return False
    checked_hash = written.getvalue()[4:8] == b"\x03\x00\x00\x00"
    bytecode_off = _nowhere is not None and sys.dont_write_bytecode and sys.pycache_prefix == _nowhere
    if not (bytecode_off and checked_hash and {"dont_write_bytecode", "_read_pyc"} <= set(names)):
        return False
    read_pyc, exec_module, nowhere = rewrite._read_pyc, hook.exec_module, _nowhere

    def read_with_bytecode_off(*args, **kwargs):
        # pytest has chosen its cached file and whether to write it: whatever it imports next uses no bytecode
        sys.dont_write_bytecode, sys.pycache_prefix = True, nowhere
        return read_pyc(*args, **kwargs)

    def exec_with_bytecode_on(module):
        sys.dont_write_bytecode, sys.pycache_prefix = False, _bytecode_prefix
        try:
            return exec_module(module)
        finally:
            sys.dont_write_bytecode, sys.pycache_prefix = True, nowhere

    rewrite._read_pyc = read_with_bytecode_off
    hook.exec_module = exec_with_bytecode_on
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # The grader starts pytest with bytecode used as usual (runner._PYTEST), for pytest and its
    # plugins alone: from the first conftest on, none is written, and none is read (the folder
    # named by $POLICYWERK_NO_BYTECODE holds none), so the learner's code runs as it is on disk.
    global _bytecode_prefix, _nowhere
    if os.environ.get("POLICYWERK_NO_BYTECODE"):
        _bytecode_prefix, _nowhere = sys.pycache_prefix, os.environ["POLICYWERK_NO_BYTECODE"]
        sys.dont_write_bytecode, sys.pycache_prefix = True, _nowhere


def pytest_configure(config):
    global _events
    path = os.environ.get("POLICYWERK_GRADER_EVENTS")
    if not path or hasattr(config, "workerinput"):
        return
    _keep_rewritten_specs(config)
    _events = open(path, "a", encoding="utf-8")
    real_exit = os._exit

    # os._exit ends the process at once: no report, no finally. Say where it was called first.
    def reported_exit(status):
        frames = [(frame.filename, frame.lineno) for frame in traceback.extract_stack(sys._getframe(1))]
        _write({"ended": f"os._exit({status})", "location": _learner_line(frames)})
        real_exit(status)

    os._exit = reported_exit


def pytest_collection_finish(session):
    for item in session.items:
        _write({"collected": item.nodeid, "exercises": _exercises(item)})


def pytest_collectreport(report):
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr).strip().splitlines()[-1]
        # pytest's own prefix of an error line ("E   ImportError: …") means nothing to a learner.
        _write({"collection_error": report.nodeid, "message": message.removeprefix("E").strip()})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _write({"started": item.nodeid, "exercises": _exercises(item)})


_phases: dict[str, dict] = {}  # nodeid -> what its setup, call and teardown said so far


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    # Carried on the report to the logreport hook below.
    report.grader_exercises = _exercises(item)
    report.grader_location = _excinfo_line(call.excinfo) if call.excinfo is not None else None


def _message(report) -> str:
    if hasattr(report, "wasxfail"):
        return report.wasxfail
    if report.longrepr is None:
        return ""
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        return report.longrepr[2]
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    return str(report.longrepr).strip().splitlines()[-1]


def pytest_runtest_logreport(report):
    record = _phases.setdefault(report.nodeid, {"outcome": None, "message": "", "location": None})
    record["exercises"] = getattr(report, "grader_exercises", record.get("exercises", []))
    xfail = hasattr(report, "wasxfail")
    if report.when == "call" or not report.passed:
        if report.failed:
            outcome = "failed" if report.when == "call" else "error"
        elif report.skipped:
            outcome = "xfailed" if xfail else "skipped"
        else:
            outcome = "xpassed" if xfail else "passed"
        if record["outcome"] in (None, "passed"):  # the first thing that went wrong is the one to tell
            record.update(outcome=outcome, message=_message(report), location=getattr(report, "grader_location", None))


def pytest_runtest_logfinish(nodeid, location):
    record = _phases.pop(nodeid, None)
    if record is not None:
        _write({"spec": nodeid, **record})


def pytest_keyboard_interrupt(excinfo):
    stopped = "pytest.exit" if isinstance(excinfo.value, pytest.exit.Exception) else excinfo.typename
    message = (str(excinfo.value).splitlines() or [""])[0]
    _write({"stopped": stopped, "message": message, "location": _excinfo_line(excinfo)})


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _write({"finished": int(exitstatus)})
