"""Regenerate examples/: each ready lesson run at its defaults with the reference, captured.

    uv run python maintainer/capture_examples.py          # every ready lesson
    uv run python maintainer/capture_examples.py 01       # one lesson

For lesson NN_name this writes examples/NN_name/: stdout.txt (what the lesson printed),
NN_name_poster.png, NN_name_trace.png and NN_name_trace.json. The GIF stays out (it is
large); `grader.py compare lesson NN` draws a learner's trace JSON over this one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from grading import manifest  # noqa: E402


def capture(number: str) -> Path:
    lesson = manifest.load().lessons[number]
    name = Path(lesson.script).stem
    target = ROOT / "examples" / name
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, lesson.script, "--tree", "solutions", "--out", folder]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if completed.returncode != 0:
            raise SystemExit(f"lesson {number} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
        target.mkdir(parents=True, exist_ok=True)
        # The temporary folder's name would change every run: show the default one instead.
        (target / "stdout.txt").write_text(completed.stdout.replace(folder, "output"))
        for suffix in ("_poster.png", "_trace.png", "_trace.json"):
            shutil.copy(Path(folder) / f"{name}{suffix}", target / f"{name}{suffix}")
    return target


def main(argv: list[str]) -> int:
    lessons = manifest.load().lessons
    numbers = argv or [n for n, lesson in lessons.items() if lesson.status == "ready"]
    for number in numbers:
        if number not in lessons:
            raise SystemExit(f"no lesson {number!r}; lessons are {', '.join(lessons)}")
        print(f"lesson {number}: captured into {capture(number).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
