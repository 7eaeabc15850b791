"""Write the README's gallery: every ready lesson's animation, what it shows, its result and
how long it takes, from what maintainer/capture_examples.py keeps in examples/.

    uv run python maintainer/gallery.py           # rewrite the gallery in README.md
    uv run python maintainer/gallery.py --check   # exit 1 if README.md's gallery is out of date

The gallery sits between two marker comments in README.md. Its rows come from the manifest
(each lesson's title and the line of what its animation shows) and from examples/NN_name/: the
GIF, the result of the captured run (its trace JSON) and the times recorded in NN_name_run.json,
one column per interpreter. tests/test_gallery.py checks that README.md holds what this writes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from grading import manifest  # noqa: E402

README = ROOT / "README.md"
BEGIN = "<!-- gallery: written by maintainer/gallery.py from examples/, do not edit by hand -->"
END = "<!-- end of gallery -->"
WIDTH = 240  # pixels: the animations are drawn at several sizes, the gallery shows them alike


def duration(seconds: float) -> str:
    """A wall time as a reader takes it in: "2.3 s", "48 s", "4 min 05 s"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 100:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def minor_version(version: str) -> str:
    """ "3.11.9" -> "3.11"."""
    return ".".join(version.split(".")[:2])


def result_cell(result: dict) -> str:
    bar = f"{'≥' if result['higher_is_better'] else '≤'} {result['bar']:.3g}"
    verdict = "bar" if result["reached"] else "**under the bar**"
    return f"**{result['value']:.3g}** ({verdict} {bar})<br><sub>{result['name']}</sub>"


def render() -> str:
    """The gallery's markdown, markers included."""
    lessons = [lesson for lesson in manifest.load().lessons.values() if lesson.status == "ready"]
    rows, versions = [], []
    for lesson in lessons:
        name = Path(lesson.script).stem
        folder = ROOT / "examples" / name
        record_file = folder / f"{name}_run.json"
        if not record_file.is_file():
            raise SystemExit(
                f"gallery: examples/{name} has no {record_file.name}: uv run python maintainer/capture_examples.py {lesson.number}"
            )
        record = json.loads(record_file.read_text())
        result = json.loads((folder / f"{name}_trace.json").read_text())["result"]
        rows.append((lesson, name, record, result))
        versions += [minor_version(version) for version in record["times"] if minor_version(version) not in versions]
    versions.sort(key=lambda version: tuple(map(int, version.split("."))))
    header = ["animation", "lesson", "result (seed 0, the reference)", *(f"time on {version}" for version in versions)]
    lines = [BEGIN, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for lesson, name, record, result in rows:
        times = {minor_version(version): figures for version, figures in record["times"].items()}
        animation = f'<img src="examples/{name}/{name}.gif" width="{WIDTH}" alt="lesson {lesson.number}">'
        authors = re.match(r".*?\d{4}", lesson.paper).group()  # "Barto, Sutton & Anderson 1983"
        what = f"**{lesson.number} · {authors}**: {lesson.title}<br>{lesson.shows}"
        cells = [animation, what, result_cell(result)]
        cells += [
            duration(times[version]["wall_seconds"]) if version in times else "not measured" for version in versions
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Times are wall-clock at the defaults, one lesson at a time, as maintainer/capture_examples.py "
        "recorded them on the maintainers' 2-core machine; `uv run python maintainer/bench.py --lessons` "
        "measures them on yours.",
        "",
        END,
    ]
    return "\n".join(lines)


def with_gallery(readme: str, gallery: str) -> str:
    """README text with its gallery replaced (the markers must be there, once each)."""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if len(pattern.findall(readme)) != 1:
        raise SystemExit(f"gallery: README.md must hold the gallery's markers once each:\n{BEGIN}\n{END}")
    return pattern.sub(lambda _: gallery, readme)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that README.md's gallery is up to date")
    args = parser.parse_args(argv)
    readme = README.read_text()
    updated = with_gallery(readme, render())
    if args.check:
        if updated != readme:
            print("README.md's gallery is out of date: uv run python maintainer/gallery.py")
            return 1
        return 0
    README.write_text(updated)
    print("README.md's gallery written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
