"""Running a learner's code safely: an import probe, then the specs, each in a subprocess.

The learner's code may not import (a syntax error), may crash at import, or may loop forever
at import time, where pytest-timeout cannot reach it. So before pytest sees a module, a small
probe process imports each module in turn under a time limit: a module that fails or hangs
is reported with its file and line, and its specs are not handed to pytest (which would
stop on it or hang). The remaining specs run in one pytest process with pytest-timeout, so an
infinite loop inside a function fails one spec, not the run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grading.manifest import ROOT
from grading.source import module_file, shown

# Time limits, in seconds; the environment variables exist so the grader's own tests can use short ones.
# Importing every module (a learner's module imports in milliseconds):
IMPORT_TIME_LIMIT = float(os.environ.get("POLICYWERK_IMPORT_TIME_LIMIT", "10"))
# The probe stops itself at the limit, printing where it was stuck; the grader kills it only
# this much later, if even that failed:
PROBE_GRACE = 3.0
# One spec inside pytest (pytest-timeout turns an endless loop into one failed spec):
SPEC_TIME_LIMIT = float(os.environ.get("POLICYWERK_SPEC_TIME_LIMIT", "10"))
# A whole pytest run, a last resort:
RUN_TIME_LIMIT = 900.0


@dataclass
class ImportFailure:
    module: str  # "primitives.vector"
    location: str  # "exercises/policywerk/primitives/vector.py:12" (or the file alone)
    message: str  # "SyntaxError: invalid syntax"


@dataclass
class SpecResult:
    nodeid: str
    outcome: str  # passed, failed, skipped
    exercises: list[str]
    message: str = ""
    location: str | None = None  # the learner's line where it failed, when known

    @property
    def name(self) -> str:
        return self.nodeid.split("::", 1)[-1]


@dataclass
class RunResult:
    specs: list[SpecResult] = field(default_factory=list)
    import_failures: dict[str, ImportFailure] = field(default_factory=dict)
    crashed: str | None = None  # pytest itself did not finish: what we know


def spec_file(module: str) -> Path:
    layer, name = module.split(".")
    return ROOT / "spec_tests" / layer / f"test_{name}.py"


_PROBE = r"""
import faulthandler, importlib, json, sys, time, traceback
tree, names, hung = sys.argv[1], sys.argv[2].split(","), set(filter(None, sys.argv[3].split(",")))
# At the time limit, print where each thread is and stop: the line of an endless loop at
# module level, which the grader reads back from stderr.
deadline = time.monotonic() + float(sys.argv[4])
sys.path.insert(0, tree)
for name in hung:
    sys.modules["policywerk." + name] = None  # importing it now fails at once instead of hanging again
for name in names:
    print("@@probe importing " + name, flush=True)
    faulthandler.dump_traceback_later(max(deadline - time.monotonic(), 0.01), exit=True)
    try:
        importlib.import_module("policywerk." + name)
    except BaseException as error:
        where = None
        if isinstance(error, SyntaxError) and error.filename:
            where = (error.filename, error.lineno)
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(tree)]
        if where is None and frames:
            where = (frames[-1].filename, frames[-1].lineno)
        message = type(error).__name__ + ": " + (str(error).splitlines() or [""])[0]
        print("@@probe failed " + json.dumps({"module": name, "where": where, "message": message}), flush=True)
    else:
        print("@@probe imported " + name, flush=True)
    faulthandler.cancel_dump_traceback_later()
"""


# How the messages of a module that stopped the probe begin: the next probe skips it.
STOPPED_THE_PROBE = ("did not finish importing", "ended the Python process")


def _stuck_at(stderr: str, tree: Path) -> str | None:
    """The learner's line a hung import was stuck on, from the probe's dump of its stack."""
    for path, line in re.findall(r'File "([^"]+)", line (\d+)', stderr):  # innermost frame first
        if Path(path).is_relative_to(tree):
            return f"{shown(Path(path))}:{line}"
    return None


def probe_imports(tree: Path, modules: list[str]) -> dict[str, ImportFailure]:
    """Import each module of the tree in a subprocess; return the ones that failed or hung."""
    failures: dict[str, ImportFailure] = {}
    remaining = list(modules)
    while remaining:
        hung = [m for m, f in failures.items() if f.message.startswith(STOPPED_THE_PROBE)]
        command = [sys.executable, "-c", _PROBE, str(tree), ",".join(remaining), ",".join(hung), str(IMPORT_TIME_LIMIT)]
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=IMPORT_TIME_LIMIT + PROBE_GRACE, cwd=ROOT
            )
            output, stderr = completed.stdout, completed.stderr
            timed_out = re.search(r"^Timeout \(\d", stderr, re.M) is not None  # faulthandler's dump
        except subprocess.TimeoutExpired as timeout:
            output, stderr = (
                stream.decode(errors="replace") if isinstance(stream, bytes) else (stream or "")
                for stream in (timeout.stdout, timeout.stderr)
            )
            timed_out = True
        last_started = None
        for line in output.splitlines():
            # The learner's code may print too: only the probe's own lines count.
            if not line.startswith("@@probe "):
                continue
            kind, _, rest = line.removeprefix("@@probe ").partition(" ")
            if kind == "importing":
                last_started = rest
            elif kind == "imported":
                remaining.remove(rest)
                last_started = None
            elif kind == "failed":
                record = json.loads(rest)
                where, path, message = record["where"], module_file(tree, record["module"]), record["message"]
                location = f"{shown(where[0])}:{where[1]}" if where else shown(path)
                if where is None and not path.exists():
                    message = (
                        f"the file is missing (deleted?): uv run python grader.py reset {record['module']} "
                        "writes the stub again"
                    )
                failures[record["module"]] = ImportFailure(record["module"], location, message)
                remaining.remove(record["module"])
                last_started = None
        if last_started is None:  # every module answered, or the probe was too slow to start
            break
        # The probe stopped inside an import: it timed out (its own stack dump, or the grader's
        # timeout), or the module ended the process (os._exit, a crash of Python itself).
        message = (
            f"did not finish importing within {IMPORT_TIME_LIMIT:g} s: is there an endless loop at module level "
            "(outside any function)?"
            if timed_out
            else "ended the Python process while importing (os._exit? a crash of Python itself?)"
        )
        location = _stuck_at(stderr, tree) or shown(module_file(tree, last_started))
        failures[last_started] = ImportFailure(last_started, location, message)
        remaining.remove(last_started)
    return failures


def run_specs(tree: Path, modules: list[str]) -> RunResult:
    """Probe the modules' imports, then run the non-slow specs of those that import, in one pytest."""
    result = RunResult(import_failures=probe_imports(tree, modules))
    files = [str(spec_file(m)) for m in modules if m not in result.import_failures and spec_file(m).exists()]
    if not files:
        return result
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.json"
        command = [
            sys.executable, "-m", "pytest", *files, "-q", "--tb=line", "-p", "no:cacheprovider", "-n", "0",
            "--tree", str(tree), "--results-json", str(results), "--timeout", f"{SPEC_TIME_LIMIT:g}",
            "--continue-on-collection-errors", "-o", "addopts=-m 'not slow and not heavy'",
        ]  # fmt: skip
        environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIME_LIMIT, cwd=ROOT, env=environment)
        except subprocess.TimeoutExpired:
            result.crashed = f"the specs did not finish within {RUN_TIME_LIMIT:g} s"
            return result
        if not results.exists():
            tail = (completed.stdout + completed.stderr).strip().splitlines()[-5:]
            result.crashed = "pytest stopped before running the specs: " + " | ".join(tail)
            return result
        for record in json.loads(results.read_text()):
            result.specs.append(
                SpecResult(
                    nodeid=record["nodeid"],
                    outcome=record["outcome"],
                    exercises=record["exercises"],
                    message=record["message"],
                    location=shown(record["location"].rsplit(":", 1)[0]) + ":" + record["location"].rsplit(":", 1)[1]
                    if record.get("location")
                    else None,
                )
            )
    return result


def count_specs(modules: list[str]) -> dict[str, int]:
    """How many non-slow specs each module has, counted by collecting against the reference."""
    files = [str(spec_file(m)) for m in modules if spec_file(m).exists()]
    counts = {m: 0 for m in modules}
    if not files:
        return counts
    command = [
        sys.executable, "-m", "pytest", *files, "--collect-only", "-q", "-p", "no:cacheprovider",
        "--tree", "solutions", "-o", "addopts=-m 'not slow and not heavy'",
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=RUN_TIME_LIMIT)
    for line in completed.stdout.splitlines():
        if "::" in line:
            path = line.split("::", 1)[0]
            for module in modules:
                if Path(path) == spec_file(module).relative_to(ROOT):
                    counts[module] += 1
    return counts
