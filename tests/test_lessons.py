"""Each ready lesson runs in quick mode with the reference and writes its four files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grading import manifest

ROOT = Path(__file__).resolve().parent.parent
READY = sorted(number for number, lesson in manifest.load().lessons.items() if lesson.status == "ready")
GIF_LIMIT = 2_000_000  # bytes: a lesson's GIF, at --quick and at its defaults
WITH_SCRIPT = sorted(
    number for number, lesson in manifest.load().lessons.items() if lesson.status in ("ready", "building")
)


# The quick modes of the network lessons (05-07) train for several seconds each: they run with
# -m slow (in CI), so the default suite keeps its budget.
NETWORK_LESSONS = {"05", "06", "07"}


@pytest.mark.parametrize(
    "number", [pytest.param(n, marks=pytest.mark.slow) if n in NETWORK_LESSONS else n for n in WITH_SCRIPT]
)
def test_a_lesson_in_quick_mode_writes_gif_poster_trace_and_trace_json(number, tmp_path):
    lesson = manifest.load().lessons[number]
    name = Path(lesson.script).stem
    completed = subprocess.run(
        [sys.executable, lesson.script, "--quick", "--tree", "solutions", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    files = {suffix: tmp_path / f"{name}{suffix}" for suffix in (".gif", "_poster.png", "_trace.png", "_trace.json")}
    for suffix, path in files.items():
        assert path.is_file() and path.stat().st_size > 0, f"lesson {number} did not write {path.name}"
    assert files[".gif"].stat().st_size < GIF_LIMIT, "a lesson's GIF must stay under 2 MB"
    trace = json.loads(files["_trace.json"].read_text())
    assert trace["lesson"] == name and trace["series"], "the trace JSON names its lesson and holds its numbers"
    assert all(len(s["x"]) == len(s["y"]) > 0 for s in trace["series"].values())
    assert "Normalised score" in completed.stdout or "normalised score" in completed.stdout.lower()
    result = trace.get("result")
    assert result and result["quick"] is True, "a quick run states its result, marked quick (never judged)"
    assert "Result: " in completed.stdout and "a --quick run is too short to be judged" in completed.stdout


@pytest.mark.parametrize("number", READY)
def test_a_ready_lesson_has_its_captured_example(number):
    name = Path(manifest.load().lessons[number].script).stem
    folder = ROOT / "examples" / name
    for file in (
        "stdout.txt",
        f"{name}.gif",
        f"{name}_poster.png",
        f"{name}_trace.png",
        f"{name}_trace.json",
        f"{name}_run.json",
    ):
        assert (folder / file).is_file(), (
            f"missing examples/{name}/{file}: run uv run python maintainer/capture_examples.py {number}"
        )
    result = json.loads((folder / f"{name}_trace.json").read_text()).get("result")
    recapture = f"uv run python maintainer/capture_examples.py {number}"
    assert result and result["quick"] is False, f"examples/{name} states no result of a full run: {recapture}"
    assert set(result) >= {"name", "value", "bar", "higher_is_better", "reached", "measured"}, result
    assert "Result: " in (folder / "stdout.txt").read_text(), (
        f"examples/{name}/stdout.txt lacks its result line: {recapture}"
    )


@pytest.mark.parametrize("number", READY)
def test_a_ready_lessons_gif_at_its_defaults_stays_under_2_mb(number):
    # The defaults take minutes, too long for a test: maintainer/capture_examples.py keeps the
    # GIF they draw in examples/, and this measures that file.
    name = Path(manifest.load().lessons[number].script).stem
    gif = ROOT / "examples" / name / f"{name}.gif"
    assert gif.is_file(), f"missing examples/{name}/{gif.name}: uv run python maintainer/capture_examples.py {number}"
    assert gif.read_bytes()[:6] in (b"GIF87a", b"GIF89a"), f"examples/{name}/{gif.name} is not a GIF"
    assert gif.stat().st_size < GIF_LIMIT, f"lesson {number}'s GIF at its defaults: {gif.stat().st_size:,} bytes"


def test_the_gymnasium_bonus_without_the_extra_says_how_to_install_it():
    pytest.importorskip("matplotlib")
    try:
        import gymnasium  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the extra is installed here: tests/test_gymnasium.py runs the bonus itself")
    completed = subprocess.run(
        [sys.executable, "lessons/bonus_gymnasium.py"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 1
    assert "uv sync --group gymnasium" in completed.stdout and "Traceback" not in completed.stdout + completed.stderr


def load_kit():
    pytest.importorskip("matplotlib")
    sys.path.insert(0, str(ROOT / "lessons"))
    import kit

    return kit


def test_the_ink_palette_draws_every_pure_grey_in_a_pure_grey():
    import numpy as np

    palette = load_kit().InkPalette(["#f2a900", "#6fa8dc"])
    greys = np.repeat(np.arange(256, dtype=np.uint8)[:, None, None], 3, axis=2)  # 256 × 1 × 3
    drawn = np.asarray(palette.quantize(greys).convert("RGB")).astype(int)
    assert (drawn.max(axis=2) == drawn.min(axis=2)).all(), "a grey came out tinted"
    assert np.abs(drawn[:, 0, 0] - np.arange(256)).max() <= 3, "a grey moved by more than half a step of the ramp"


def test_the_ink_palette_keeps_each_ink_and_white_exact():
    import numpy as np
    from matplotlib.colors import to_rgb

    kit = load_kit()
    inks = ["#f2a900", "#101820", *kit.COLORS.values()]
    colours = np.array([[round(255 * c) for c in to_rgb(ink)] for ink in [*inks, "white"]], dtype=np.uint8)[:, None, :]
    drawn = np.asarray(kit.InkPalette(inks).quantize(colours).convert("RGB"))
    assert (drawn == colours).all()
