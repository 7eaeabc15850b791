"""The learner's progress per module, kept in a git-ignored file so the status is instant.

A module's entry is valid while its fingerprint holds: a hash of its spec file, the spec
harness, and every learner file the module imports directly or not. Editing any of them
invalidates the entry, and the next status or check runs those specs again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading.manifest import ROOT
from grading.runner import ImportFailure, SpecResult, count_specs, run_specs, spec_file
from grading.source import module_file
from grading.package_graph import import_closure

STATE = ROOT / ".policywerk"
PROGRESS = STATE / "progress.json"
HARNESS = [ROOT / "spec_tests" / "conftest.py", ROOT / "spec_tests" / "gradcheck.py"]


@dataclass
class ModuleStatus:
    module: str
    total: int
    specs: list[SpecResult] = field(default_factory=list)
    import_failure: ImportFailure | None = None
    problem: str | None = None  # the spec run itself failed

    @property
    def passed(self) -> int:
        return sum(spec.outcome == "passed" for spec in self.specs)

    @property
    def complete(self) -> bool:
        return self.import_failure is None and self.problem is None and self.total > 0 and self.passed == self.total

    def failing(self, exercise: str | None = None) -> list[SpecResult]:
        return [s for s in self.specs if s.outcome == "failed" and (exercise is None or exercise in s.exercises)]

    def exercise_counts(self, exercise: str) -> tuple[int, int]:
        mine = [s for s in self.specs if exercise in s.exercises]
        return sum(s.outcome == "passed" for s in mine), len(mine)


def _learner_files(tree: Path, module: str) -> list[Path]:
    try:
        modules = import_closure({module}, tree=tree)
    except (SyntaxError, ValueError, OSError):  # a file that does not parse: any change may matter
        return sorted((tree / "policywerk").rglob("*.py"))
    return sorted(module_file(tree, m) for m in modules)


def fingerprint(tree: Path, module: str) -> str:
    digest = hashlib.sha256(str(tree).encode())
    for path in [spec_file(module), *HARNESS, *_learner_files(tree, module)]:
        digest.update(str(path).encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def _load() -> dict:
    try:
        return json.loads(PROGRESS.read_text())
    except (OSError, ValueError):
        return {}


def _save(cache: dict) -> None:
    STATE.mkdir(exist_ok=True)
    PROGRESS.write_text(json.dumps(cache, indent=1))


def _from_record(record: dict) -> ModuleStatus:
    failure = record.get("import_failure")
    return ModuleStatus(
        module=record["module"],
        total=record["total"],
        specs=[SpecResult(**spec) for spec in record["specs"]],
        import_failure=ImportFailure(**failure) if failure else None,
        problem=record.get("problem"),
    )


def statuses(tree: Path, modules: list[str], fresh: bool = False) -> dict[str, ModuleStatus]:
    """Each module's status, running the specs only of modules whose fingerprint changed."""
    cache = _load()
    key = str(tree)
    entries = cache.setdefault(key, {})
    prints = {module: fingerprint(tree, module) for module in modules}
    stale = [m for m in modules if fresh or entries.get(m, {}).get("fingerprint") != prints[m]]
    if stale:
        run = run_specs(tree, stale)
        unknown_totals = [m for m in stale if m in run.import_failures or run.crashed]
        totals = count_specs(unknown_totals) if unknown_totals else {}
        for module in stale:
            prefix = str(spec_file(module).relative_to(ROOT)) + "::"
            specs = [spec for spec in run.specs if spec.nodeid.startswith(prefix)]
            status = ModuleStatus(
                module=module,
                total=totals.get(module, len(specs)),
                specs=specs,
                import_failure=run.import_failures.get(module),
                problem=run.crashed,
            )
            entries[module] = {"fingerprint": prints[module], "status": asdict(status)}
        _save(cache)
    return {module: _from_record(entries[module]["status"]) for module in modules}
