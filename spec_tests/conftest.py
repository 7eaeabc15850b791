"""The spec harness: which tree the specs run against, and which specs to run.

    uv run pytest spec_tests                              # the reference (solutions/)
    uv run pytest spec_tests --tree exercises             # your code (exercises/)
    POLICYWERK_TREE=exercises uv run pytest spec_tests    # the same, by environment variable
    uv run pytest spec_tests --exercise primitives.vector.dot   # only the specs of one exercise

`--results-json FILE` writes one record per spec (outcome, exercises, short message) for
the grader and the maintainers' checks.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest

import treepath


def pytest_addoption(parser):
    group = parser.getgroup("policywerk")
    group.addoption(
        "--tree",
        default=None,
        help="the package to test: solutions (default), exercises, or a folder holding policywerk/ "
        f"(also ${treepath.ENV_VAR})",
    )
    group.addoption(
        "--exercise",
        action="append",
        default=[],
        metavar="NAME",
        help="run only the specs aimed at this exercise (dotted name, e.g. primitives.vector.dot); repeatable",
    )
    group.addoption("--results-json", default=None, metavar="FILE", help="write one JSON record per spec to FILE")


def pytest_configure(config):
    tree = config.getoption("--tree") or os.environ.get(treepath.ENV_VAR) or treepath.DEFAULT_TREE
    try:
        folder = treepath.use_tree(tree)
    except (ValueError, RuntimeError) as error:
        raise pytest.UsageError(str(error)) from None
    # Subprocesses (xdist workers, lessons run by a spec) see the same tree.
    os.environ[treepath.ENV_VAR] = str(folder)
    config.policywerk_tree = folder


def exercises_of(item) -> list[str]:
    """The exercise names a spec is aimed at, from its `exercise` markers."""
    return [name for marker in item.iter_markers("exercise") for name in marker.args]


def pytest_collection_modifyitems(config, items):
    for item in items:
        # user_properties travel with each report, also from xdist workers to the main process.
        item.user_properties.append(("exercises", exercises_of(item)))
    wanted = set(config.getoption("--exercise"))
    if not wanted:
        return
    selected, deselected = [], []
    for item in items:
        (selected if wanted & set(exercises_of(item)) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_report_header(config):
    return f"policywerk tree: {config.policywerk_tree}"


def _short_message(report) -> str:
    if report.passed or report.longrepr is None:
        return ""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    return str(report.longrepr).strip().splitlines()[-1]


@functools.cache
def _inside(tree: str, filename: str) -> str | None:
    """A frame's file as an absolute path when it lies in the tested tree, else None.

    Cached and done on strings: a failing spec's traceback has some twenty frames, nearly all
    in the same few pytest files, and a pathlib path per frame costs more than the spec.
    """
    path = os.path.abspath(filename)
    return path if path == tree or path.startswith(tree.rstrip(os.sep) + os.sep) else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if call.excinfo is not None:
        # Where in the tested tree the failure happened (the innermost such frame): the learner's own line.
        tree, found, tb = str(item.config.policywerk_tree), None, call.excinfo.tb
        while tb is not None:
            path = _inside(tree, tb.tb_frame.f_code.co_filename)
            found = f"{path}:{tb.tb_lineno}" if path else found
            tb = tb.tb_next
        if found:
            report.user_properties.append(("location", found))


_records: list[dict] = []


def pytest_runtest_logreport(report):
    # The setup phase decides skips and fixture errors, the call phase passes and failures:
    # record each spec once.
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _records.append(
            {
                "nodeid": report.nodeid,
                "outcome": report.outcome,
                "when": report.when,
                "exercises": dict(report.user_properties).get("exercises", []),
                "location": dict(report.user_properties).get("location"),
                "message": _short_message(report),
                "duration": round(report.duration, 4),
            }
        )


def pytest_sessionfinish(session):
    path = session.config.getoption("--results-json")
    if path and not hasattr(session.config, "workerinput"):  # xdist workers report to the main process
        Path(path).write_text(json.dumps(_records, indent=1))
