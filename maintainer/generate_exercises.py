"""Write exercises/ from solutions/: every exercise keeps its signature and docstring, and its
body becomes a stub that says what to write and how to check it.

    uv run python maintainer/generate_exercises.py            # rewrite exercises/
    uv run python maintainer/generate_exercises.py --to DIR   # write the stub tree elsewhere

What counts as an exercise, and what its stub says, is decided in grading/stubs.py: the grader
writes the same stub when a learner resets a module, so both read one definition.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, the repository's packages are not on the path
from grading.stubs import (  # noqa: E402
    PACKAGE,
    SOLUTIONS,
    Exercise,
    all_exercises,
    module_name,
    reference_modules,
    stub_source,
)

# The maintainers' checks (tests/) read these names from here, beside `generate`.
__all__ = ["SOLUTIONS", "Exercise", "all_exercises", "generate", "module_name", "reference_modules"]

EXERCISES = ROOT / "exercises"


def generate(destination: Path, source_tree: Path = SOLUTIONS) -> list[Path]:
    """Write the stub tree to destination/policywerk/ and return the files written."""
    target = destination / PACKAGE
    if target.exists():
        shutil.rmtree(target)
    written = []
    for path in reference_modules(source_tree):
        out = target / path.relative_to(source_tree / PACKAGE)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(stub_source(path.read_text(), module_name(path, source_tree)))
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", type=Path, default=EXERCISES, help="folder to write policywerk/ into")
    args = parser.parse_args(argv)
    written = generate(args.to)
    count = len(all_exercises())
    print(f"wrote {len(written)} files with {count} exercise stubs to {args.to / PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
