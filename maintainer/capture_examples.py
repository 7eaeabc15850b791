"""Regenerate examples/: each ready lesson run at its defaults with the reference, captured.

    uv run python maintainer/capture_examples.py             # every ready lesson
    uv run python maintainer/capture_examples.py 01          # one lesson
    uv run python maintainer/capture_examples.py --time-only --python /path/to/python3.13
                                                             # time each lesson on another interpreter too

For lesson NN_name this writes examples/NN_name/: stdout.txt (what the lesson printed), its
animation NN_name.gif, NN_name_poster.png, NN_name_trace.png, NN_name_trace.json, and
NN_name_run.json: the GIF's size and frames, and the run's wall time, CPU time and peak memory
under the interpreter that ran it. tests/test_lessons.py checks the GIF's size, `grader.py
compare lesson NN` draws a learner's trace JSON over this one, and maintainer/gallery.py writes
the README's gallery from these files.

--time-only runs each lesson again without touching its captured files and adds that run's
times to NN_name_run.json under this interpreter's version, beside the times already there:
the README shows the lessons' times on two interpreters. --python runs the whole capture under
another interpreter (an environment of its own, as maintainer/bench.py makes one).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from PIL import Image  # noqa: E402

from grading import manifest  # noqa: E402
from maintainer import bench  # noqa: E402


def gif_record(gif: Path) -> dict:
    """The size of a GIF in bytes, its frames and how long it plays."""
    with Image.open(gif) as image:
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            durations.append(image.info.get("duration", 0))
    return {"bytes": gif.stat().st_size, "frames": len(durations), "seconds": sum(durations) / 1000}


def capture(number: str, time_only: bool = False) -> Path:
    """Run lesson `number` at its defaults on the reference; keep what it made (unless
    `time_only`) and record the run under this interpreter's version."""
    lesson = manifest.load().lessons[number]
    name = Path(lesson.script).stem
    target = ROOT / "examples" / name
    record_file = target / f"{name}_run.json"
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, lesson.script, "--tree", "solutions", "--out", folder]
        run = bench.timed_run(f"lesson {number}", command, ROOT)
        if run.status != 0:
            raise SystemExit(f"lesson {number} failed (exit {run.status}):\n{run.output[-3000:]}")
        times = {"wall_seconds": round(run.wall, 1), "cpu_seconds": round(run.cpu, 1), "peak_mib": round(run.peak)}
        if time_only:
            if not record_file.is_file():
                raise SystemExit(f"examples/{name} has no {record_file.name} to add times to: capture it first")
            record = json.loads(record_file.read_text())
        else:
            target.mkdir(parents=True, exist_ok=True)
            # The temporary folder's name would change every run: show the default one instead.
            (target / "stdout.txt").write_text(run.output.replace(folder, "output"))
            for suffix in (".gif", "_poster.png", "_trace.png", "_trace.json"):
                shutil.copy(Path(folder) / f"{name}{suffix}", target / f"{name}{suffix}")
            record = {"gif": gif_record(target / f"{name}.gif"), "times": {}}
        record["times"][platform.python_version()] = times
        record["times"] = dict(sorted(record["times"].items(), key=lambda item: _version(item[0])))
        record_file.write_text(json.dumps(record, indent=1) + "\n")
    return target


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("numbers", nargs="*", help="lessons to capture (default: every ready one)")
    parser.add_argument("--time-only", action="store_true", help="only add this interpreter's times to each run record")
    parser.add_argument(
        "--python", type=Path, default=None, metavar="PATH", help="run under this interpreter (never downloaded)"
    )
    args = parser.parse_args(argv)
    if args.python is not None:
        python = bench.interpreter_environment(args.python.expanduser().absolute(), None)
        return subprocess.call(
            [str(python), str(Path(__file__).resolve()), *bench._without_options(argv, {"--python"})]
        )
    lessons = manifest.load().lessons
    numbers = args.numbers or [n for n, lesson in lessons.items() if lesson.status == "ready"]
    for number in numbers:
        if number not in lessons:
            raise SystemExit(f"no lesson {number!r}; lessons are {', '.join(lessons)}")
        target = capture(number, args.time_only)
        print(
            f"lesson {number}: {'timed' if args.time_only else 'captured into'} {target.relative_to(ROOT)} on Python {platform.python_version()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
