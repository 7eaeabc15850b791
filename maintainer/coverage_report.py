"""How much of the reference the specs exercise: line + branch coverage, per module and per layer.

    uv run python maintainer/coverage_report.py          # the report, weakest module first
    uv run python maintainer/coverage_report.py --gate   # the same, failing under the threshold

Runs the default spec suite (spec_tests/, no slow or heavy specs, no xdist) against
solutions/ under `coverage run`; tests/ are left out on purpose, because their generator runs
and subprocesses would count as coverage the specs do not give. The threshold is
`fail_under` in pyproject.toml.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "solutions/policywerk/"


def measure() -> dict:
    """Run the specs under coverage and return coverage's JSON report."""
    run = [
        sys.executable,
        "-m",
        "coverage",
        "run",
        "-m",
        "pytest",
        "spec_tests",
        "-q",
        "-n",
        "0",
        "--tree",
        "solutions",
        "-x",
    ]
    completed = subprocess.run(run, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        print(completed.stdout[-4000:], completed.stderr[-2000:], sep="\n")
        raise SystemExit(f"the specs failed under coverage (exit {completed.returncode})")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        subprocess.run(
            [sys.executable, "-m", "coverage", "json", "-q", "--fail-under=0", "-o", str(report)], cwd=ROOT, check=True
        )
        return json.loads(report.read_text())


def percent(summary: dict) -> float:
    """Line + branch coverage the way coverage.py counts it: covered of (statements + branches)."""
    total = summary["num_statements"] + summary.get("num_branches", 0)
    covered = summary["covered_lines"] + summary.get("covered_branches", 0)
    return 100.0 * covered / total if total else 100.0


def main(argv: list[str]) -> int:
    data = measure()
    rows, layers = [], defaultdict(lambda: defaultdict(int))
    for path, file in data["files"].items():
        relative = path.split(PACKAGE, 1)[-1]
        summary = file["summary"]
        missing = ", ".join(str(line) for line in file["missing_lines"][:12])
        rows.append((percent(summary), relative, summary["num_statements"], summary.get("num_branches", 0), missing))
        layer = relative.split("/")[0] if "/" in relative else "(package)"
        for key in ("num_statements", "covered_lines", "num_branches", "covered_branches"):
            layers[layer][key] += summary.get(key, 0)
    print(f"{'module':<42} {'stmts':>6} {'branches':>8} {'cover':>7}  missing lines")
    for cover, relative, statements, branches, missing in sorted(rows):
        print(f"{relative:<42} {statements:>6} {branches:>8} {cover:>6.1f}%  {missing}")
    print()
    for layer, summary in layers.items():
        print(
            f"layer {layer:<36} {summary['num_statements']:>6} {summary['num_branches']:>8} {percent(summary):>6.1f}%"
        )
    total = percent(data["totals"])
    threshold = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["coverage"]["report"]["fail_under"]
    print(
        f"{'total (line + branch)':<42} {data['totals']['num_statements']:>6} {data['totals'].get('num_branches', 0):>8} {total:>6.1f}%   threshold {threshold}%"
    )
    if "--gate" in argv and total < threshold:
        print(
            f"FAIL: coverage {total:.1f}% is under the threshold {threshold}%: add specs that reach the missing lines"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
