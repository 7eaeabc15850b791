"""The learner's progress per module, kept in a git-ignored file so the status is instant.

A module passes only when every spec its spec file holds ran in this run and passed. Which
specs those are is collected against the reference, so nothing the learner's code does
(skipping, deselecting, stopping the run) can shrink the total; the collection is kept until
spec_tests/ or solutions/ change.

A module's entry is valid while its fingerprint holds: a hash of its spec file, the spec
harness, and every learner file the module imports directly or not. Editing any of them
invalidates the entry, and the next status or check runs those specs again. A run that did
not complete (cut short, or the reference's specs did not load) is never kept.

The same file remembers the learner's goal lesson (`grader.py goal NN`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading import borrow
from grading.manifest import ROOT
from grading.package_graph import import_closure
from grading.runner import ImportFailure, SpecResult, collect_reference, run_specs, spec_file
from grading.source import module_file

STATE = ROOT / ".policywerk"
PROGRESS = STATE / "progress.json"
FORMAT = 2  # the shape of the progress file; another one is read as empty
SPECS = ROOT / "spec_tests"
# What every spec run reads besides a module's own spec file: the harness and shared helpers.
HARNESS = [*sorted(SPECS.glob("*.py")), ROOT / "grading" / "spec_plugin.py"]

# What an unwritten stub raises: "<exercise> is not written yet: …" (grading/stubs.py).
UNWRITTEN = re.compile(r"([\w.]+) is not written yet")

# How each outcome that is not a pass reads to a learner.
NOT_A_PASS = {
    "skipped": "was skipped",
    "xfailed": "was marked as an expected failure (xfail)",
    "xpassed": "passed only as an expected failure (xfail)",
}


@dataclass
class ModuleStatus:
    module: str
    expected: dict[str, list[str]] = field(default_factory=dict)  # nodeid -> exercises, from the reference
    specs: list[SpecResult] = field(default_factory=list)  # what this run reported
    import_failure: ImportFailure | None = None
    problem: str | None = None  # why some specs did not run (cut short, a spec file that did not load)
    borrowed: str | None = None  # "borrowed" or "stale" when the file is the reference's (grading/borrow.py)

    def _result(self, nodeid: str) -> SpecResult | None:
        return next((s for s in self.specs if s.nodeid == nodeid), None)

    def _mine(self, exercise: str | None) -> list[str]:
        return [n for n, exercises in self.expected.items() if exercise is None or exercise in exercises]

    def _passed(self, nodeid: str) -> bool:
        result = self._result(nodeid)
        return result is not None and result.outcome == "passed"

    @property
    def total(self) -> int:
        return len(self.expected)

    @property
    def passed(self) -> int:
        """The learner's passes: none while the module is borrowed."""
        return 0 if self.borrowed else sum(self._passed(n) for n in self.expected)

    @property
    def complete(self) -> bool:
        """Every spec of the module ran and passed, with the learner's own code."""
        return (
            self.borrowed is None
            and self.import_failure is None
            and self.problem is None
            and self.total > 0
            and self.passed == self.total
        )

    @property
    def done(self) -> bool:
        """What a lesson asks of a module: the learner's pass, or a borrowed copy of the current reference."""
        return self.complete or self.borrowed == "borrowed"

    def waits_for(self, nodeid: str, exercise: str) -> str | None:
        """The other exercise of this spec that it waits for, or None.

        A spec aimed at several exercises (a round trip through forward and backward, say)
        fails while any of them is a stub. It waits, for its other exercises, when it failed
        only because one of its own exercises is not written yet: that one answers for it. The
        exercise it waits for is not done, and neither is the module, until the spec passes."""
        result = self._result(nodeid)
        found = UNWRITTEN.search(result.message) if result is not None and result.outcome == "failed" else None
        other = found[1] if found else None
        return other if other != exercise and other in self.expected.get(nodeid, []) else None

    def exercise_done(self, exercise: str) -> bool:
        """Every spec aimed at the exercise passed, or waits for another exercise it is aimed at."""
        mine = self._mine(exercise)
        return (
            bool(mine)
            and self.import_failure is None
            and all(self._passed(n) or self.waits_for(n, exercise) for n in mine)
        )

    def waiting(self, exercise: str) -> list[str]:
        """The exercises that the exercise's waiting specs wait for, once each, in spec order."""
        found = (self.waits_for(n, exercise) for n in self._mine(exercise))
        return list(dict.fromkeys(other for other in found if other))

    def failing(self, exercise: str | None = None) -> list[SpecResult]:
        """The specs that ran and failed (or errored in their setup or teardown); for one
        exercise, those that do not merely wait for another exercise."""
        found = [self._result(n) for n in self._mine(exercise)]
        return [
            s
            for s in found
            if s is not None
            and s.outcome in ("failed", "error")
            and (exercise is None or not self.waits_for(s.nodeid, exercise))
        ]

    def unpassed(self, exercise: str | None = None) -> list[SpecResult]:
        """The specs that ran and neither passed nor failed: skipped, xfailed, xpassed."""
        found = [self._result(n) for n in self._mine(exercise)]
        return [s for s in found if s is not None and s.outcome in NOT_A_PASS]

    def not_run(self, exercise: str | None = None) -> list[str]:
        return [n for n in self._mine(exercise) if self._result(n) is None]

    def exercise_counts(self, exercise: str) -> tuple[int, int]:
        mine = self._mine(exercise)
        return sum(self._passed(n) for n in mine), len(mine)


# ── the progress file ────────────────────────────────────────────────────────────────────


def _well_formed(state: object) -> bool:
    """Whether a progress file has the shape this grader writes (a hand-edited or older one may not)."""
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        return False
    reference = state.get("reference", {"specs": {}, "problems": {}})
    trees = state.get("trees", {})
    return (
        isinstance(reference, dict)
        and isinstance(reference.get("specs"), dict)
        and isinstance(reference.get("problems"), dict)
        and isinstance(trees, dict)
        and all(isinstance(entries, dict) for entries in trees.values())
        and all(
            isinstance(entry, dict) and "fingerprint" in entry and isinstance(entry.get("status"), dict)
            for entries in trees.values()
            for entry in entries.values()
        )
        and isinstance(state.get("goal", ""), (str, type(None)))
    )


def load_state() -> dict:
    """The progress file, or a fresh start when it is missing or not of this grader's shape
    (the results in it are only a cache; the goal is all that would be lost)."""
    try:
        state = json.loads(PROGRESS.read_text())
    except (OSError, ValueError):
        state = None
    return state if _well_formed(state) else {"format": FORMAT}


def save_state(state: dict) -> None:
    """Write the whole file at once (a Ctrl-C mid-write leaves the previous one)."""
    STATE.mkdir(exist_ok=True)
    partial = PROGRESS.with_suffix(".partial")
    partial.write_text(json.dumps(state, indent=1))
    os.replace(partial, PROGRESS)


def goal() -> str | None:
    return load_state().get("goal")


def set_goal(number: str | None) -> None:
    state = load_state()
    state["goal"] = number
    save_state(state)


# ── fingerprints ─────────────────────────────────────────────────────────────────────────


def _learner_files(tree: Path, module: str, read: dict[str, set[str]] | None = None) -> list[Path]:
    try:
        modules = import_closure({module}, tree=tree, read=read)
    except (SyntaxError, ValueError, OSError):  # a file that does not parse: any change may matter
        return sorted((tree / "policywerk").rglob("*.py"))
    return sorted(module_file(tree, m) for m in modules)


def _digest(paths: list[Path], start: str = "") -> str:
    digest = hashlib.sha256(start.encode())
    for path in paths:
        digest.update(str(path).encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def fingerprint(tree: Path, module: str, read: dict[str, set[str]] | None = None) -> str:
    """A hash of what a module's result depends on (`read`: as for package_graph.import_closure)."""
    return _digest([spec_file(module), *HARNESS, *_learner_files(tree, module, read)], start=str(tree))


def _reference_key() -> str:
    """Changes whenever a spec or the reference changes: then the specs are collected again."""
    return _digest(sorted(SPECS.rglob("*.py")) + sorted((ROOT / "solutions").rglob("*.py")))


def expected_specs(state: dict, modules: list[str]) -> tuple[dict[str, dict[str, list[str]]], dict[str, str]]:
    """Each module's specs as the reference's collection holds them, and the modules whose spec
    file did not collect against the reference (a maintainer's work in progress), with why.
    Both are kept in the state until a spec or the reference changes."""
    key = _reference_key()
    reference = state.get("reference")
    if not reference or reference.get("key") != key:
        reference = state["reference"] = {"key": key, "specs": {}, "problems": {}}
    missing = [m for m in modules if m not in reference["specs"] and m not in reference["problems"]]
    if missing:
        collected, problems = collect_reference(missing)
        for module in missing:
            if module in problems:
                reference["problems"][module] = problems[module]
            else:
                reference["specs"][module] = collected[module]
    specs = {m: reference["specs"].get(m, {}) for m in modules}
    return specs, {m: reference["problems"][m] for m in modules if m in reference["problems"]}


# ── statuses ─────────────────────────────────────────────────────────────────────────────


def _from_record(record: dict) -> ModuleStatus:
    failure = record.get("import_failure")
    return ModuleStatus(
        module=record["module"],
        expected=record["expected"],
        specs=[SpecResult(**spec) for spec in record["specs"]],
        import_failure=ImportFailure(**failure) if failure else None,
        problem=record.get("problem"),
    )


def statuses(tree: Path, modules: list[str], fresh: bool = False) -> dict[str, ModuleStatus]:
    """Each module's status, running the specs only of modules whose fingerprint changed.

    A borrowed module's specs run only when asked for (`fresh`, as `check` does): its code is
    the reference's, so status needs no run to show it as borrowed.
    """
    state = load_state()
    before = json.dumps(state)
    expected, problems = expected_specs(state, modules)
    entries = state.setdefault("trees", {}).setdefault(str(tree), {})
    borrowed = {m: borrow.state(tree, m) for m in modules}
    read: dict[str, set[str]] = {}  # each file's imports, parsed once for all the fingerprints
    prints = {m: fingerprint(tree, m, read) for m in modules}

    def valid(module: str) -> bool:
        entry = entries.get(module, {})
        return entry.get("fingerprint") == prints[module] and entry["status"]["expected"] == expected[module]

    results: dict[str, ModuleStatus] = {}
    to_run = []
    for module in modules:
        if module in problems:
            results[module] = ModuleStatus(module, problem=problems[module])
        elif borrowed[module] and not fresh:
            results[module] = ModuleStatus(module, expected=expected[module])
        elif fresh or not valid(module):
            to_run.append(module)
        else:
            results[module] = _from_record(entries[module]["status"])
    if to_run:
        run = run_specs(tree, to_run)
        for module in to_run:
            prefix = str(spec_file(module).relative_to(ROOT)) + "::"
            status = ModuleStatus(
                module=module,
                expected=expected[module],
                specs=[spec for spec in run.specs if spec.nodeid.startswith(prefix)],
                import_failure=run.import_failures.get(module),
                problem=run.cut.get(module),
            )
            results[module] = status
            # Kept only when every spec reported back (or none could, the module not importing).
            if status.problem is None and (status.import_failure or not status.not_run()):
                entries[module] = {"fingerprint": prints[module], "status": asdict(status)}
            else:
                entries.pop(module, None)
    if json.dumps(state) != before:
        save_state(state)
    for module in modules:
        results[module].borrowed = borrowed[module]
    return results
