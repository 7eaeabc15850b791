"""Regenerate examples/: each ready lesson run at its defaults with the reference, captured.

    uv run python maintainer/capture_examples.py          # every ready lesson
    uv run python maintainer/capture_examples.py 01       # one lesson
    uv run python maintainer/capture_examples.py 07 --gifs output/captured   # and keep the GIF there

For lesson NN_name this writes examples/NN_name/: stdout.txt (what the lesson printed),
NN_name_poster.png, NN_name_trace.png, NN_name_trace.json and NN_name_gif.json (the GIF's
size in bytes and its frames: tests/test_lessons.py checks the size the defaults produce).
The GIF itself stays out (it is large); `grader.py compare lesson NN` draws a learner's trace
JSON over this one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from grading import manifest  # noqa: E402
from PIL import Image  # noqa: E402


def gif_record(gif: Path) -> dict:
    """The size of a GIF in bytes, its frames and how long it plays."""
    with Image.open(gif) as image:
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            durations.append(image.info.get("duration", 0))
    return {"bytes": gif.stat().st_size, "frames": len(durations), "seconds": sum(durations) / 1000}


def capture(number: str, gifs: Path | None = None) -> Path:
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
        gif = Path(folder) / f"{name}.gif"
        (target / f"{name}_gif.json").write_text(json.dumps(gif_record(gif)) + "\n")
        if gifs is not None:
            gifs.mkdir(parents=True, exist_ok=True)
            shutil.copy(gif, gifs / gif.name)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="lessons to capture (default: every ready one)")
    parser.add_argument("--gifs", type=Path, default=None, help="also keep each lesson's GIF in this folder")
    args = parser.parse_args(argv)
    lessons = manifest.load().lessons
    numbers = args.numbers or [n for n, lesson in lessons.items() if lesson.status == "ready"]
    for number in numbers:
        if number not in lessons:
            raise SystemExit(f"no lesson {number!r}; lessons are {', '.join(lessons)}")
        print(f"lesson {number}: captured into {capture(number, args.gifs).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
