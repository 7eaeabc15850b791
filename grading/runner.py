"""Running a learner's code safely: an import probe, then the specs, each in a subprocess.

The learner's code may not import (a syntax error), may crash at import, or may loop forever
at import time, where pytest-timeout cannot reach it. So before pytest sees a module, a small
probe process imports each module in turn under a time limit: a module that fails or hangs
is reported with its file and line, and its specs are not handed to pytest (which would
stop on it or hang). The remaining specs run in one pytest process with pytest-timeout, so an
infinite loop inside a function fails one spec, not the run.

What each spec did comes from the grader's own pytest plugin (grading/spec_plugin.py), line by
line as it happens, so a run the learner's code cuts short (KeyboardInterrupt, pytest.exit,
os._exit) still tells which specs ran and where it stopped. Which specs a module has is never
taken from what reported back: it is collected against the reference (`collect_reference`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import treepath
from grading.manifest import ROOT
from grading.source import locate, module_file, shown

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
    outcome: str  # passed, failed, error, skipped, xfailed or xpassed (only "passed" is a pass)
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
    cut: dict[str, str] = field(default_factory=dict)  # module -> why some of its specs did not run


def spec_file(module: str) -> Path:
    layer, name = module.split(".")
    return ROOT / "spec_tests" / layer / f"test_{name}.py"


# Bytecode and the learner's code: a .pyc counts as current when its source's size and mtime
# (whole seconds) match, so a file saved twice within one second at one size would run as it
# was at the first save. The grader's runs therefore never write bytecode of the learner's
# code, and never read any either: before the first of the learner's modules is imported,
# Python is sent to look for bytecode in a folder that holds none ($POLICYWERK_NO_BYTECODE).
_NO_BYTECODE = "POLICYWERK_NO_BYTECODE"


def _no_bytecode(environment: dict, folder: str) -> dict:
    return {**environment, "PYTHONDONTWRITEBYTECODE": "1", _NO_BYTECODE: str(Path(folder) / "no-bytecode")}


_PROBE = r"""
import faulthandler, importlib, json, os, sys, time, traceback
tree, names, hung = sys.argv[1], sys.argv[2].split(","), set(filter(None, sys.argv[3].split(",")))
sys.pycache_prefix = os.environ["POLICYWERK_NO_BYTECODE"]  # no bytecode found for what is imported from here on
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
    with tempfile.TemporaryDirectory() as folder:
        environment = _no_bytecode(dict(os.environ), folder)
        while remaining:
            hung = [m for m, f in failures.items() if f.message.startswith(STOPPED_THE_PROBE)]
            command = [
                sys.executable,
                "-c",
                _PROBE,
                str(tree),
                ",".join(remaining),
                ",".join(hung),
                str(IMPORT_TIME_LIMIT),
            ]
            try:
                completed = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    timeout=IMPORT_TIME_LIMIT + PROBE_GRACE,
                    cwd=ROOT,
                    env=environment,
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


# What the child pytest must not inherit: options and plugins from the learner's shell would
# change which specs run (PYTEST_ADDOPTS="-k clip" runs a third of a module).
_UNINHERITED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")


# How the spec runs start pytest: as `python -m pytest`, but with bytecode written and read as
# usual until the grader's plugin turns both off, just before the first conftest loads
# (spec_plugin.py). So pytest and its plugins, installed packages, are compiled once, not on
# every run, while what the specs load (the learner's code above all) never has bytecode used.
_PYTEST = r"""
import runpy, sys
sys.dont_write_bytecode = False
runpy.run_module("pytest", run_name="__main__", alter_sys=True)
"""


def _pytest(tree: Path, files: list[str], *options: str) -> tuple[list[dict], str]:
    """Run pytest with the grader's plugin on spec files; return its events and its output.

    Only spec_tests/'s own conftest files load (--confcutdir): a conftest.py dropped at the
    repository's root cannot add or remove specs.
    """
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "events.jsonl"
        command = [
            sys.executable,
            "-c",
            _PYTEST,
            *files,
            "-q",
            "--tb=line",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "-p",
            "grading.spec_plugin",
            "--confcutdir",
            str(ROOT / "spec_tests"),
            "--tree",
            str(tree),
            "--timeout",
            f"{SPEC_TIME_LIMIT:g}",
            "--continue-on-collection-errors",
            "-o",
            "addopts=-m 'not slow and not heavy'",
            *options,
        ]
        environment = _no_bytecode({k: v for k, v in os.environ.items() if k not in _UNINHERITED}, folder)
        environment.update(POLICYWERK_TREE=str(tree), POLICYWERK_GRADER_EVENTS=str(events))
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=RUN_TIME_LIMIT, cwd=ROOT, env=environment
            )
            output = completed.stdout + completed.stderr
        except subprocess.TimeoutExpired:
            output = f"@@timeout the specs did not finish within {RUN_TIME_LIMIT:g} s"
        lines = events.read_text(encoding="utf-8", errors="replace").splitlines() if events.exists() else []
    return [json.loads(line) for line in lines if line.strip()], output


def _module_of_spec(nodeid: str, modules: list[str]) -> str | None:
    return _spec_files(tuple(modules)).get(ROOT / nodeid.split("::", 1)[0])


@functools.lru_cache(maxsize=16)
def _spec_files(modules: tuple[str, ...]) -> dict[Path, str]:
    """Each module's spec file -> the module (the first, were two to share one), built once per
    list of modules: a run's thousands of events each ask which module they belong to."""
    index: dict[Path, str] = {}
    for module in modules:
        index.setdefault(spec_file(module), module)
    return index


def _shown_location(location: str | None) -> str | None:
    if not location:
        return None
    path, _, line = location.rpartition(":")
    return f"{shown(Path(path))}:{line}"


def _why_it_stopped(events: list[dict], output: str, tree: Path, running: dict | None) -> str:
    """What cut a run short, in a learner's words, naming the learner's file and line."""
    stopped = next((e for e in events if "stopped" in e), None)
    ended = next((e for e in events if "ended" in e), None)
    if stopped is not None:
        where = _shown_location(stopped["location"])
        what = stopped["stopped"] + (f" ({stopped['message']})" if stopped["message"] else "")
        return f"the run stopped at {where} with {what}" if where else f"the run stopped with {what}"
    if ended is not None:
        where = _shown_location(ended["location"])
        return (
            f"the run ended at {where}: {ended['ended']} ends the Python process"
            if where
            else f"the run ended: {ended['ended']}"
        )
    if output.startswith("@@timeout "):
        return output.removeprefix("@@timeout ")
    # The process died without a word (os.kill, a crash of Python itself): the learner's line in
    # faulthandler's dump when there is one, else the spec that was running.
    where = _stuck_at(output, tree)
    if where:
        return f"the Python process running the specs died at {where}"
    if running:
        spec = running["started"].split("::", 1)[-1]
        aimed = [(e, locate(tree, e)) for e in running["exercises"]]
        at = "".join(f" (a spec of {e}, {shown(found.path)}:{found.line})" for e, found in aimed[:1] if found.line)
        return f"the Python process running the specs died during {spec}{at}"
    tail = " | ".join(output.strip().splitlines()[-3:])
    return "pytest stopped before running the specs" + (f": {tail}" if tail else "")


def run_specs(tree: Path, modules: list[str]) -> RunResult:
    """Probe the modules' imports, then run the non-slow specs of those that import.

    All run in one pytest, unless the learner's code cuts that run short (KeyboardInterrupt,
    pytest.exit, os._exit): the module it happened in is marked as cut, and the modules not
    reached yet run again in a new pytest without it, so one module cannot hide the others.
    """
    result = RunResult(import_failures=probe_imports(tree, modules))
    remaining = [m for m in modules if m not in result.import_failures and spec_file(m).exists()]
    while remaining:
        events, output = _pytest(tree, [str(spec_file(m)) for m in remaining])
        reported = set()
        for event in events:
            if "spec" in event:
                reported.add(_module_of_spec(event["spec"], remaining))
                result.specs.append(
                    SpecResult(
                        nodeid=event["spec"],
                        outcome=event["outcome"],
                        exercises=event["exercises"],
                        message=event["message"],
                        location=_shown_location(event["location"]),
                    )
                )
            elif "collection_error" in event:
                module = _module_of_spec(event["collection_error"], remaining)
                if module:
                    result.cut[module] = f"its spec file did not load: {event['message']}"
        finished = {e["spec"] for e in events if "spec" in e}
        started = [e for e in events if "started" in e and e["started"] not in finished]
        running = started[-1] if started else None
        if not any("stopped" in e or "ended" in e for e in events) and any("finished" in e for e in events):
            break
        why = _why_it_stopped(events, output, tree, running)
        culprit = _module_of_spec(running["started"], remaining) if running else None
        if culprit is None:  # cut short outside any spec: nothing after it can be trusted
            for module in remaining:
                result.cut.setdefault(module, why)
            break
        result.cut[culprit] = why
        remaining = [m for m in remaining if m not in reported and m != culprit]
    return result


def collect_reference(modules: list[str]) -> tuple[dict[str, dict[str, list[str]]], dict[str, str]]:
    """The non-slow specs each module's spec file holds, collected against the reference (the
    learner's code is never imported for this): module -> {nodeid: exercises}, and the modules
    whose spec file did not collect, with why."""
    specs: dict[str, dict[str, list[str]]] = {m: {} for m in modules}
    problems: dict[str, str] = {}
    files = [str(spec_file(m)) for m in modules if spec_file(m).exists()]
    if not files:
        return specs, problems
    events, output = _pytest(treepath.tree_folder("solutions"), files, "--collect-only")
    for event in events:
        if "collected" in event:
            module = _module_of_spec(event["collected"], modules)
            if module:
                specs[module][event["collected"]] = event["exercises"]
        elif "collection_error" in event:
            module = _module_of_spec(event["collection_error"], modules)
            if module:
                problems[module] = f"the reference's specs did not load: {event['message']}"
    if not any("finished" in e for e in events):
        for module in modules:
            problems.setdefault(
                module, "collecting the reference's specs failed: " + " | ".join(output.strip().splitlines()[-3:])
            )
    return specs, problems
